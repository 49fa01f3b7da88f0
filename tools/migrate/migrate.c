// SPDX-License-Identifier: MIT
/*
 * migrate/migrate.c - the live-migration simulator (migrate.h,
 * docs/migration.md): guest, devices, pre-copy rounds, verification.  The
 * IOMMU is behind migrate/iommu.h, one backend per kind.
 *
 * Threads: the caller's thread migrates (maps, harvests, invalidates,
 * copies, compares); one thread per device writes by DMA through the IOMMU
 * until told to stop.  The only memory both touch is the guest RAM (devices
 * store with relaxed atomics inside the IOMMU's DMA, the migration thread
 * loads with relaxed atomics while devices run) and a few atomic counters.
 *
 * Why no write is lost (with invalidation): a device write either lands
 * before the copy of its page in a round that reported the page, or sets D
 * again after that round's harvest cleaned it.  The harvest cleans D, the
 * invalidation drops every cached translation of what was cleaned, and it
 * returns only when each DMA that had looked up a translation before it
 * finished writing.  A write that had its translation before the
 * invalidation is therefore in memory before the copy; one that looks it up
 * afterwards walks the table and sets D, so a later harvest reports it.
 * The final harvest runs after the devices stopped.
 *
 * In chunks (--chunk) the same holds query by query: a leaf a query cleans
 * beyond its end is carried by the table to the next query.  A leaf the
 * guest unmaps (--vm-unmap) is taken out by an exchange that reports it if
 * it was dirty, its invalidation waits for the writes through it, and its
 * report is ORed into the round's bitmap before the copy; a write after the
 * exchange faults (and is retried once the leaf is back, clean: it then
 * sets D again).
 */
#define _POSIX_C_SOURCE 200809L /* pthreads */

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/mem.h"
#include "genpt/riscv_iommu_drv.h" /* the stage names of the format table */
#include "guest.h"
#include "harvest_threads.h"
#include "iommu.h"
#include "migrate.h"
#include "schedule.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define PAGE 4096ull
#define BLOCK (8 * MiB)          /* the mixed layout repeats every 8 MiB */
#define PM_BASE 0x80000000ull    /* simulated DRAM starts here */
#define MAX_DEVICES 64
#define CQE_SLOT 64              /* each device's completion slot: 64 x 64 B = one page */

#define RW (GENPT_READ | GENPT_WRITE)

const struct genpt_mig_format genpt_mig_formats[] = {
	{ "riscv", "RISC-V Sv39x4 G-stage + Svnapot behind the RISC-V IOMMU model (driver helper, GADE)",
	  { .format = GENPT_FMT_RISCV, .va_bits = 41,
	    .features = GENPT_FEAT_RISCV_GSTAGE | GENPT_FEAT_RISCV_SVNAPOT },
	  &mig_iommu_rviommu, GENPT_RVDRV_STAGE2 },
	{ "riscv-s1", "RISC-V Sv39 first stage + Svnapot behind the RISC-V IOMMU model (driver helper, SADE)",
	  { .format = GENPT_FMT_RISCV, .va_bits = 39, .features = GENPT_FEAT_RISCV_SVNAPOT },
	  &mig_iommu_rviommu, GENPT_RVDRV_STAGE1 },
	{ "riscv-sim", "RISC-V Sv39x4 G-stage + Svnapot behind the simulated IOMMU",
	  { .format = GENPT_FMT_RISCV, .va_bits = 41,
	    .features = GENPT_FEAT_RISCV_GSTAGE | GENPT_FEAT_RISCV_SVNAPOT },
	  &mig_iommu_sim, 0 },
	{ "armv8", "ARMv8 stage 2, 4K granule, 40-bit IPA, DBM + contiguous, behind the SMMUv3 model (driver helper, S2HA/S2HD)",
	  { .format = GENPT_FMT_ARMV8, .va_bits = 40, .granule_bits = 12,
	    .features = GENPT_FEAT_ARMV8_S2 | GENPT_FEAT_ARMV8_DBM | GENPT_FEAT_ARMV8_CONTIG },
	  &mig_iommu_smmuv3, 2 },
	{ "armv8-s1", "ARMv8 stage 1, 4K granule, 48-bit VA, DBM + contiguous, behind the SMMUv3 model (driver helper, CD.HA/HD)",
	  { .format = GENPT_FMT_ARMV8, .va_bits = 48, .granule_bits = 12,
	    .features = GENPT_FEAT_ARMV8_DBM | GENPT_FEAT_ARMV8_CONTIG },
	  &mig_iommu_smmuv3, 1 },
	{ "armv8-64k", "ARMv8 stage 2, 64K granule, 42-bit IPA, DBM + contiguous, behind the SMMUv3 model (driver helper)",
	  { .format = GENPT_FMT_ARMV8, .va_bits = 42, .granule_bits = 16,
	    .features = GENPT_FEAT_ARMV8_S2 | GENPT_FEAT_ARMV8_DBM | GENPT_FEAT_ARMV8_CONTIG },
	  &mig_iommu_smmuv3, 2 },
	{ "x86-64", "x86-64 4-level (VT-d first stage / AMD v2), simulated IOMMU",
	  { .format = GENPT_FMT_X86_64, .va_bits = 48 }, &mig_iommu_sim, 0 },
	{ "vtd-ss", "Intel VT-d second stage, 4 levels (48-bit), simulated IOMMU",
	  { .format = GENPT_FMT_VTDSS, .va_bits = 48 }, &mig_iommu_sim, 0 },
	{ "amd-v1", "AMD IOMMU v1, mode 4 (48-bit), simulated IOMMU",
	  { .format = GENPT_FMT_AMDV1, .va_bits = 48 }, &mig_iommu_sim, 0 },
	{ 0 },
};

const struct genpt_mig_format *genpt_mig_format_find(const char *name)
{
	for (const struct genpt_mig_format *f = genpt_mig_formats; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

const char *genpt_mig_leaf_kind(const struct genpt_mig_config *cfg, uint64_t gpa)
{
	const struct genpt_mig_format *f = genpt_mig_format_find(cfg->format ? cfg->format : "riscv");
	unsigned int g = f && f->cfg.granule_bits ? f->cfg.granule_bits : 12;
	const char *gran = g == 16 ? "64K" : g == 14 ? "16K" : "4K";
	uint64_t off = gpa % BLOCK;

	switch (cfg->mapping) {
	case GENPT_MIG_MAP_4K:
		return gran;
	case GENPT_MIG_MAP_2M:
		return "2M";
	default:
		return off < 4 * MiB ? "2M" : off < 6 * MiB ? (g > 16 ? gran : "64K") : gran;
	}
}

void genpt_mig_config_default(struct genpt_mig_config *cfg)
{
	*cfg = (struct genpt_mig_config){
		.format = "riscv",
		.mapping = GENPT_MIG_MAP_MIXED,
		.mem_bytes = 512 * MiB,
		.devices = 4,
		.rate_mib = 4,
		.write_bytes = 4096,
		.pattern = GENPT_MIG_HOT,
		.hot_bytes = 16 * MiB,
		.hot_percent = 99,
		.bandwidth_mib = 128,
		.downtime_ms = 300,
		.max_rounds = 30,
		.seed = 1,
	};
}

/* ------------------------------------------------------------- helpers -- */

struct mig;

struct mig_dev {
	struct mig *m;
	pthread_t th;
	unsigned int idx;
	uint64_t rng;
	uint64_t cursor; /* GENPT_MIG_SEQ */
	uint64_t writes, bytes, errors, retries;
	int first_err;
	uint64_t first_err_gpa;
	uint64_t cqe[2]; /* the completion record: which write, where */
	uint64_t buf[PAGE / 8];
};

struct mig {
	const struct genpt_mig_config *cfg;
	const struct genpt_mig_format *fmt;
	struct genpt_mig_result *res;
	genpt_mig_progress_fn progress;
	void *ctx;

	struct genpt_physmem *pm;
	struct genpt *pt;
	uint64_t ram_pa;
	unsigned char *src; /* guest RAM (host view of ram_pa) */
	unsigned char *dst; /* the destination's copy */
	uint64_t npages;    /* 4 KiB pages */
	uint64_t words;     /* bitmap words */
	uint64_t *bits;
	uint64_t gran;      /* smallest leaf */
	uint64_t hot_first, hot_pages;
	uint64_t cq_gpa;     /* the completion page, the last page of the guest */
	uint64_t data_pages; /* device data lands below the completion page's leaf */

	struct mig_iommu *io; /* the IOMMU the devices sit behind */
	struct mig_hpool *hpool; /* --harvest-threads > 1 */

	struct mig_dev *dev;
	unsigned int started;
	int stop;            /* atomic */
	uint64_t writes;     /* atomic: device writes so far */
	unsigned int done;   /* atomic: devices that reached ops_per_device */
	double copy_rate;    /* bytes/s used to predict the downtime */
	struct mig_sched sched;  /* when the devices and the guest act */
	struct mig_guest *guest; /* --vm-unmap */
	uint64_t unmaps_since;   /* guest cycles at the previous round */
	uint64_t settled;        /* simulated clock: writes per device so far */
};

static double now(void)
{
	return mig_wall_now();
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int fail(struct mig *m, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct mig *m, int err, const char *fmt, ...)
{
	va_list ap;

	if (!m->res->error[0]) {
		va_start(ap, fmt);
		vsnprintf(m->res->error, sizeof(m->res->error), fmt, ap);
		va_end(ap);
	}
	return err;
}

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* ----------------------------------------------------------- the IOMMU -- */

static unsigned int split_shift(const struct mig *m)
{
	return m->fmt->cfg.granule_bits ? m->fmt->cfg.granule_bits : 12;
}

/* The format's IOMMU (migrate/iommu.h), every device behind it. */
static int iommu_setup(struct mig *m)
{
	struct mig_iommu_setup s = { .pt = m->pt, .pm = m->pm,
				     .len = m->cfg->mem_bytes,
				     .devices = m->cfg->devices,
				     .iotlb_entries = m->cfg->iotlb_entries,
				     .stage = m->fmt->stage,
				     .split_shift = split_shift(m),
				     .ats = m->cfg->ats,
				     .error = m->res->error,
				     .error_len = sizeof(m->res->error) };

	return m->fmt->iommu->create(&s, &m->io);
}

static void iommu_teardown(struct mig *m)
{
	if (m->io)
		m->io->ops->destroy(m->io);
	m->io = NULL;
}

/* Tracking off again (and leaves merged back after a split). */
static int tracking_off(struct mig *m)
{
	int err = m->io->ops->tracking(m->io, false, false);

	m->io->tracking = false;
	m->io->split_done = false;
	if (err)
		return fail(m, err, "switching dirty tracking off: %s", strerror(-err));
	return 0;
}

/*
 * The whole guest harvested into @bm in queries of cfg->chunk_bytes (one
 * query without --chunk), each held apart from the guest's own edits.  A
 * leaf straddling two queries is cleaned by the first, which carries its
 * part beyond the query in the table for the second to report.
 */
static int harvest_chunks(struct mig *m, const struct genpt_dirty_bitmap *bm)
{
	uint64_t len = m->cfg->mem_bytes;
	uint64_t chunk = m->cfg->chunk_bytes ? m->cfg->chunk_bytes : len;
	int err = 0;

	for (uint64_t off = 0; off < len && !err; off += chunk) {
		uint64_t n = len - off < chunk ? len - off : chunk;

		mig_guest_lock(m->guest);
		if (m->cfg->harvest_threads > 1)
			err = mig_harvest_threads(m->io, m->hpool, off, n, bm,
						  !m->cfg->no_invalidate, &m->res->harvest_shards);
		else
			err = m->io->ops->harvest(m->io, off, n, bm, !m->cfg->no_invalidate);
		mig_guest_unlock(m->guest);
	}
	return err;
}

/* One harvest of the whole guest into m->bits (ORed), with the
 * invalidation (unless cfg->no_invalidate), and what the guest's unmaps
 * reported meanwhile; its time is accounted. */
static int harvest(struct mig *m)
{
	struct genpt_dirty_bitmap bm = { .bits = m->bits, .iova = 0,
					 .length = m->cfg->mem_bytes, .page_shift = 12 };
	double t = now();
	int err = harvest_chunks(m, &bm);

	mig_guest_collect(m->guest, m->bits, m->words);
	if (!err && !m->res->harvest_shards)
		m->res->harvest_shards = 1;

	m->res->harvest_seconds += now() - t;
	m->res->harvests++;
	if (err)
		return fail(m, err, "harvest: %s", strerror(-err));
	return 0;
}

static uint64_t count_bits(const uint64_t *bits, uint64_t words)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < words; i++)
		n += (uint64_t)__builtin_popcountll(bits[i]);
	return n;
}

/* ------------------------------------------------------------- copying -- */

/* Keeps a copy at the link's pace: sleeps whenever it is ahead. */
struct pacer {
	double t0, rate; /* bytes/s, 0 = unlimited */
	uint64_t bytes;
};

static void pace(struct pacer *p, uint64_t n)
{
	double ahead;

	p->bytes += n;
	if (p->rate <= 0)
		return;
	ahead = p->t0 + (double)p->bytes / p->rate - now();
	if (ahead > 0)
		mig_sleep(ahead);
}

/* Copy guest pages [first, first + n) to the destination.  Devices may be
 * writing them: load with relaxed atomics. */
static void copy_run(struct mig *m, uint64_t first, uint64_t n, struct pacer *p)
{
	while (n) {
		uint64_t chunk = n < 256 ? n : 256; /* 1 MiB between pacing checks */
		const uint64_t *s = (const uint64_t *)(const void *)(m->src + first * PAGE);
		uint64_t *d = (uint64_t *)(void *)(m->dst + first * PAGE);

		for (uint64_t i = 0; i < chunk * PAGE / 8; i++)
			d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
		pace(p, chunk * PAGE);
		first += chunk;
		n -= chunk;
	}
}

/* Copy every page whose bit is set; returns the bytes copied. */
static uint64_t copy_dirty(struct mig *m, struct pacer *p)
{
	uint64_t copied = 0, run = 0, start = 0;

	for (uint64_t pg = 0; pg <= m->npages; pg++) {
		bool dirty = pg < m->npages && (m->bits[pg / 64] >> (pg % 64)) & 1;

		if (dirty) {
			if (!run)
				start = pg;
			run++;
			continue;
		}
		if (run) {
			copy_run(m, start, run, p);
			copied += run * PAGE;
			run = 0;
		}
	}
	return copied;
}

/* ------------------------------------------------------------- devices -- */

static uint64_t dev_target(struct mig *m, struct mig_dev *d)
{
	const struct genpt_mig_config *cfg = m->cfg;
	uint64_t r = rng_next(&d->rng), page, slots = PAGE / cfg->write_bytes;
	uint64_t gpa;

	switch (cfg->pattern) {
	case GENPT_MIG_SEQ:
		gpa = d->cursor;
		d->cursor += cfg->write_bytes;
		if (d->cursor >= m->data_pages * PAGE)
			d->cursor = 0;
		return gpa;
	case GENPT_MIG_HOT:
		if (r % 100 < cfg->hot_percent && m->hot_pages) {
			page = m->hot_first + rng_next(&d->rng) % m->hot_pages;
			break;
		}
		/* fall through */
	default:
		page = rng_next(&d->rng) % m->data_pages;
		break;
	}
	return page * PAGE + (rng_next(&d->rng) % slots) * cfg->write_bytes;
}

/* One DMA, retried while it faults on a page the guest has unmapped for a
 * moment (--vm-unmap); any other fault is the device's error. */
static int dev_dma(struct mig *m, struct mig_dev *d, uint64_t gpa, void *buf, size_t len)
{
	for (;;) {
		uint64_t seq = mig_guest_seq(m->guest);
		int err = m->io->ops->dma(m->io, d->idx, gpa, buf, len);

		if (!err || !mig_guest_retry(m->guest, seq))
			return err;
		d->retries++;
	}
}

/*
 * One write with new data (so a lost one shows), then its completion record
 * in the device's slot of the completion page, as NICs and NVMe controllers
 * post one per request.  Every device writes that page all the time, so its
 * translation stays cached write-dirty in the IOTLB: skipping the
 * invalidation after a harvest cleaned it loses its later records for sure.
 */
static void dev_write(struct mig *m, struct mig_dev *d)
{
	const struct genpt_mig_config *cfg = m->cfg;
	uint64_t gpa = dev_target(m, d), at = gpa;
	uint64_t tag = ((uint64_t)(d->idx + 1) << 56) ^ (d->writes << 12);
	int err;

	for (unsigned int i = 0; i < cfg->write_bytes / 8; i++)
		d->buf[i] = tag ^ i;
	err = dev_dma(m, d, gpa, d->buf, cfg->write_bytes);
	if (!err) {
		d->cqe[0] = tag;
		d->cqe[1] = gpa;
		at = m->cq_gpa + d->idx * CQE_SLOT;
		err = dev_dma(m, d, at, d->cqe, sizeof(d->cqe));
	}
	if (err && !d->errors++) {
		d->first_err = err;
		d->first_err_gpa = at;
	}
	d->writes++;
	d->bytes += cfg->write_bytes;
	__atomic_fetch_add(&m->writes, 1, __ATOMIC_RELEASE);
}

/* Writes a second each device makes (0: as many as it can). */
static double dev_per_sec(const struct genpt_mig_config *cfg)
{
	return cfg->rate_mib * (double)MiB / cfg->write_bytes;
}

static void *dev_main(void *arg)
{
	struct mig_dev *d = arg;
	struct mig *m = d->m;
	const struct genpt_mig_config *cfg = m->cfg;
	double per_sec = dev_per_sec(cfg);

	while (mig_sched_wait(&m->sched, &m->stop, d->writes, per_sec)) {
		if (cfg->ops_per_device && d->writes >= cfg->ops_per_device)
			break;
		dev_write(m, d);
	}
	__atomic_fetch_add(&m->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int devices_start(struct mig *m)
{
	const struct genpt_mig_config *cfg = m->cfg;

	m->dev = calloc(cfg->devices, sizeof(*m->dev));
	if (!m->dev)
		return fail(m, -ENOMEM, "out of memory");
	for (unsigned int i = 0; i < cfg->devices; i++) {
		struct mig_dev *d = &m->dev[i];
		int err;

		d->m = m;
		d->idx = i;
		d->rng = cfg->seed * 0x100000001b3ull + i;
		d->cursor = (m->data_pages * PAGE / cfg->devices * i) &
			    ~(uint64_t)(cfg->write_bytes - 1);
		err = pthread_create(&d->th, NULL, dev_main, d);
		if (err)
			return fail(m, -err, "pthread_create: %s", strerror(err));
		m->started++;
	}
	return 0;
}

static void devices_stop(struct mig *m)
{
	__atomic_store_n(&m->stop, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < m->started; i++)
		pthread_join(m->dev[i].th, NULL);
	m->started = 0;
}

/* Wait until the devices made @n writes since @since (or all finished). */
static void wait_writes(struct mig *m, uint64_t since, uint64_t n)
{
	while (__atomic_load_n(&m->writes, __ATOMIC_RELAXED) - since < n &&
	       __atomic_load_n(&m->done, __ATOMIC_ACQUIRE) < m->cfg->devices)
		mig_sleep(0.0002);
}

/* --------------------------------------------------------------- setup -- */

static int map_chunks(struct mig *m, uint64_t gpa, uint64_t len, uint64_t chunk)
{
	for (uint64_t off = 0; off < len; off += chunk) {
		int err = genpt_map(m->pt, gpa + off, m->ram_pa + gpa + off, chunk, RW, NULL);

		if (err)
			return fail(m, err, "genpt_map(0x%llx, %llu): %s",
				    (unsigned long long)(gpa + off),
				    (unsigned long long)chunk, strerror(-err));
	}
	return 0;
}

/* The leaf (or contiguous run) mapping @gpa, before any split. */
static uint64_t leaf_bytes(const struct mig *m, uint64_t gpa)
{
	uint64_t off = gpa % BLOCK, small = m->gran > 64 * KiB ? m->gran : 64 * KiB;

	switch (m->cfg->mapping) {
	case GENPT_MIG_MAP_4K:
		return m->gran;
	case GENPT_MIG_MAP_2M:
		return 2 * MiB;
	default:
		return off < 4 * MiB ? 2 * MiB : off < 6 * MiB ? small : m->gran;
	}
}

static uint64_t leaf_bytes_cb(const void *ctx, uint64_t gpa)
{
	return leaf_bytes(ctx, gpa);
}

static int map_guest(struct mig *m)
{
	uint64_t len = m->cfg->mem_bytes, small = m->gran > 64 * KiB ? m->gran : 64 * KiB;
	int err = 0;

	switch (m->cfg->mapping) {
	case GENPT_MIG_MAP_4K:
		return map_chunks(m, 0, len, m->gran);
	case GENPT_MIG_MAP_2M:
		return map_chunks(m, 0, len, 2 * MiB);
	default:
		for (uint64_t b = 0; b < len && !err; b += BLOCK) {
			err = map_chunks(m, b, 4 * MiB, 2 * MiB);
			if (!err)
				err = map_chunks(m, b + 4 * MiB, 2 * MiB, small);
			if (!err)
				err = map_chunks(m, b + 6 * MiB, 2 * MiB, m->gran);
		}
		return err;
	}
}

static int check_config(const struct genpt_mig_config *cfg, struct genpt_mig_result *res)
{
	const char *why = NULL;

	if (!cfg->mem_bytes || cfg->mem_bytes % BLOCK || cfg->mem_bytes > (64ull << 30))
		why = "memory must be a multiple of 8 MiB, at most 64 GiB";
	else if (!cfg->devices || cfg->devices > MAX_DEVICES)
		why = "devices must be 1..64";
	else if (cfg->write_bytes < 8 || cfg->write_bytes > PAGE ||
		 (cfg->write_bytes & (cfg->write_bytes - 1)))
		why = "write size must be a power of two, 8..4096";
	else if (cfg->pattern > GENPT_MIG_SEQ || cfg->mapping > GENPT_MIG_MAP_2M)
		why = "unknown pattern or mapping";
	else if (cfg->pattern == GENPT_MIG_HOT &&
		 (cfg->hot_bytes % PAGE || cfg->hot_bytes > cfg->mem_bytes ||
		  cfg->hot_percent > 100))
		why = "hot set must be a multiple of 4 KiB within memory, hot percent 0..100";
	else if (cfg->rate_mib < 0 || cfg->bandwidth_mib < 0 || cfg->downtime_ms < 0)
		why = "rates and the downtime budget must not be negative";
	else if (!cfg->max_rounds)
		why = "at least one round";
	else if (cfg->harvest_threads > MIG_HARVEST_THREADS_MAX)
		why = "harvest threads must be 0..64";
	if (!why)
		return 0;
	snprintf(res->error, sizeof(res->error), "%s", why);
	return -EINVAL;
}

/* --chunk, --vm-unmap and --sim-clock, for format @f. */
static int check_edge_config(const struct genpt_mig_config *cfg,
			     const struct genpt_mig_format *f, struct genpt_mig_result *res)
{
	uint64_t gran = 1ull << (f->cfg.granule_bits ? f->cfg.granule_bits : 12);
	const char *why = NULL;

	if (cfg->chunk_bytes % gran)
		why = "the harvest chunk must be a multiple of the granule";
	else if (!(cfg->vm_unmap_rate >= 0))
		why = "the guest's unmap rate must not be negative";
	else if (cfg->sim_clock && !(cfg->bandwidth_mib > 0 && cfg->rate_mib > 0))
		why = "the simulated clock needs a link bandwidth and a device rate";
	else if (cfg->ats && f->iommu != &mig_iommu_rviommu)
		why = "--ats needs a RISC-V format (the RISC-V IOMMU model)";
	if (!why)
		return 0;
	snprintf(res->error, sizeof(res->error), "%s", why);
	return -EINVAL;
}

static int setup(struct mig *m)
{
	const struct genpt_mig_config *cfg = m->cfg;
	struct genpt_config tcfg = m->fmt->cfg;
	uint64_t block = pow2_at_least(cfg->mem_bytes);
	int err;

	m->gran = 1ull << (tcfg.granule_bits ? tcfg.granule_bits : 12);
	m->npages = cfg->mem_bytes / PAGE;
	m->words = (m->npages + 63) / 64;
	/* Data writes stay off the completion page's leaf, so that nothing
	 * but the completion records walks it. */
	m->cq_gpa = cfg->mem_bytes - PAGE;
	m->data_pages = (cfg->mem_bytes - leaf_bytes(m, m->cq_gpa)) / PAGE;
	if (cfg->pattern == GENPT_MIG_HOT) {
		m->hot_pages = cfg->hot_bytes / PAGE;
		if (m->hot_pages > m->data_pages)
			m->hot_pages = m->data_pages;
		m->hot_first = m->npages / 4;
		if (m->hot_first + m->hot_pages > m->data_pages)
			m->hot_first = m->data_pages - m->hot_pages;
	}
	/* Guest RAM is one naturally aligned block; the rest holds tables. */
	err = genpt_physmem_create(PM_BASE, 4 * block, &m->pm);
	if (err)
		return fail(m, err, "genpt_physmem_create: %s", strerror(-err));
	err = genpt_physmem_alloc(m->pm, cfg->mem_bytes, 2 * MiB, &m->ram_pa);
	if (err)
		return fail(m, err, "guest memory: %s", strerror(-err));
	m->src = genpt_physmem_ptr(m->pm, m->ram_pa);
	m->dst = calloc(1, cfg->mem_bytes);
	m->bits = calloc(m->words, sizeof(uint64_t));
	if (!m->src || !m->dst || !m->bits)
		return fail(m, -ENOMEM, "out of memory");
	tcfg.mem = &genpt_physmem_ops;
	tcfg.mem_ctx = m->pm;
	if (cfg->table_accessed)
		tcfg.features |= GENPT_FEAT_TABLE_ACCESSED;
	err = genpt_create(&tcfg, &m->pt);
	if (err)
		return fail(m, err, "genpt_create: %s", strerror(-err));
	err = map_guest(m);
	if (err)
		return err;
	/* The guest's memory before migration: something other than zero. */
	for (uint64_t i = 0; i < cfg->mem_bytes / 8; i++)
		((uint64_t *)(void *)m->src)[i] = (i * 8) ^ 0x5a5a5a5a00000000ull;
	if (cfg->harvest_threads > 1) {
		err = mig_hpool_create(cfg->harvest_threads, &m->hpool);
		if (err)
			return fail(m, err, "harvest threads: %s", strerror(-err));
	}
	return iommu_setup(m);
}

static void teardown(struct mig *m)
{
	mig_guest_destroy(m->guest);
	if (m->dev) {
		devices_stop(m);
		free(m->dev);
	}
	mig_hpool_destroy(m->hpool);
	iommu_teardown(m);
	genpt_destroy(m->pt);
	genpt_physmem_destroy(m->pm);
	free(m->dst);
	free(m->bits);
}

/* ----------------------------------------------------------------- run -- */

static void report(struct mig *m, const struct genpt_mig_round *r)
{
	if (m->progress)
		m->progress(m->ctx, r);
}

static void verify(struct mig *m)
{
	struct genpt_mig_result *res = m->res;

	for (uint64_t pg = 0; pg < m->npages; pg++) {
		if (!memcmp(m->src + pg * PAGE, m->dst + pg * PAGE, PAGE))
			continue;
		if (res->n_first_diff < GENPT_MIG_MAX_DIFF)
			res->first_diff[res->n_first_diff++] = pg * PAGE;
		res->pages_differ++;
	}
	res->bytes_compared = m->cfg->mem_bytes;
}

static void collect_stats(struct mig *m)
{
	struct genpt_mig_result *res = m->res;

	if (m->io)
		m->io->ops->stats(m->io, &res->iotlb_hits, &res->iotlb_misses);
	if (m->guest) {
		struct mig_guest_stats st;

		mig_guest_stats(m->guest, &st);
		res->guest_unmaps = st.cycles;
		res->unmap_dirty_pages = st.dirty_pages;
	}
	for (unsigned int i = 0; m->dev && i < m->cfg->devices; i++) {
		res->dma_retries += m->dev[i].retries;
		res->device_writes += m->dev[i].writes;
		res->device_bytes += m->dev[i].bytes;
		res->device_errors += m->dev[i].errors;
		if (m->dev[i].errors && !res->first_error) {
			res->first_error = m->dev[i].first_err;
			res->first_error_gpa = m->dev[i].first_err_gpa;
		}
	}
}

/* ------------------------------------- the simulated clock, the guest -- */

/* Simulated clock: the link takes @bytes; the devices and the guest act
 * meanwhile.  (The wall clock moves by itself.) */
static void sim_advance(struct mig *m, uint64_t bytes)
{
	if (m->cfg->sim_clock)
		mig_sched_advance(&m->sched, (double)bytes / (m->cfg->bandwidth_mib * (double)MiB));
}

/*
 * Simulated clock: wait until the devices and the guest did all it allows
 * by now, so that what a harvest finds depends on the clock alone.  As on
 * the wall clock, the devices write at least once since the last time (the
 * clock moves on to their next write if it must), unless they are done.
 */
static void sim_settle(struct mig *m)
{
	const struct genpt_mig_config *cfg = m->cfg;
	double per_sec = dev_per_sec(cfg);
	uint64_t w = mig_sched_allowed(&m->sched, per_sec);

	while (w <= m->settled && !(cfg->ops_per_device && m->settled >= cfg->ops_per_device)) {
		mig_sched_advance(&m->sched, 1 / per_sec);
		w = mig_sched_allowed(&m->sched, per_sec);
	}
	if (cfg->ops_per_device && w > cfg->ops_per_device)
		w = cfg->ops_per_device;
	m->settled = w;
	mig_sched_wait_count(&m->sched, &m->writes, w * cfg->devices);
	if (m->guest)
		mig_sched_wait_count(&m->sched, mig_guest_cycles(m->guest),
				     mig_sched_allowed(&m->sched, cfg->vm_unmap_rate));
}

/* A copy runs at the link's pace, except on the simulated clock, whose
 * time the copy advances instead. */
static double copy_pace(const struct mig *m, double bw)
{
	return m->cfg->sim_clock ? 0 : bw;
}

/* --vm-unmap: the guest, made before the devices start (they look at it),
 * its thread started once tracking is on (@run). */
static int guest_start(struct mig *m, bool run)
{
	const struct genpt_mig_config *cfg = m->cfg;
	struct mig_guest_setup s = { .io = m->io, .sched = &m->sched, .ram_pa = m->ram_pa,
				     .mem_bytes = cfg->mem_bytes,
				     .pick_bytes = m->data_pages * PAGE,
				     .rate = cfg->vm_unmap_rate, .seed = cfg->seed,
				     .leaf_size = leaf_bytes_cb, .ctx = m };
	int err;

	if (!(cfg->vm_unmap_rate > 0))
		return 0;
	err = run ? mig_guest_run(m->guest) : mig_guest_create(&s, &m->guest);
	if (err)
		return fail(m, err, "guest thread: %s", strerror(-err));
	return 0;
}

/* Wall clock: wait until the guest made cfg->min_unmaps_per_round cycles
 * since the previous round. */
static void wait_unmaps(struct mig *m)
{
	const uint64_t *cycles;

	if (!m->guest || !m->cfg->min_unmaps_per_round)
		return;
	cycles = mig_guest_cycles(m->guest);
	mig_sched_wait_count(&m->sched, cycles, m->unmaps_since + m->cfg->min_unmaps_per_round);
	m->unmaps_since = __atomic_load_n(cycles, __ATOMIC_ACQUIRE);
}

/*
 * A harvest waits for writes since the previous one: cfg's minimum, and at
 * least one write begun after it (devices + 1 completed: some device
 * completed two).  Harvesting a table nobody wrote is pointless, and so
 * every tracking state the loop meets has seen a write.
 */
static uint64_t min_writes(const struct genpt_mig_config *cfg)
{
	uint64_t n = cfg->devices + 1ull;

	return cfg->min_writes_per_round > n ? cfg->min_writes_per_round : n;
}

/*
 * The guest pauses and the devices stop, once at least one write begun
 * after the last pre-copy pass landed, so that the stop-and-copy phase
 * always has a write to catch.  (On the simulated clock: the writes the
 * copy's time allowed, which may have raced it, then the next ones.)
 */
static int quiesce(struct mig *m)
{
	struct mig_guest_stats st;

	if (m->cfg->sim_clock) {
		sim_settle(m);
		sim_settle(m);
	} else
		wait_writes(m, __atomic_load_n(&m->writes, __ATOMIC_ACQUIRE), m->cfg->devices + 1);
	mig_guest_stop(m->guest);
	devices_stop(m);
	mig_guest_stats(m->guest, &st);
	if (st.error)
		return fail(m, st.error, "guest unmap/map at 0x%llx: %s",
			    (unsigned long long)st.error_gpa, strerror(-st.error));
	return 0;
}

/* One pre-copy round @r: harvest, then copy what it found.  Returns 1 when
 * pre-copy ends: the dirty set fitted the downtime budget (the devices
 * stop after this copy) or the last round ran. */
static int precopy_round(struct mig *m, unsigned int r, double bw, uint64_t *since)
{
	const struct genpt_mig_config *cfg = m->cfg;
	struct genpt_mig_result *res = m->res;
	struct genpt_mig_round rd = { .round = r };
	struct pacer p;
	bool all_done;
	double t;
	int err;

	if (cfg->sim_clock) {
		sim_settle(m);
	} else {
		wait_writes(m, *since, min_writes(cfg));
		*since = __atomic_load_n(&m->writes, __ATOMIC_RELAXED);
		wait_unmaps(m);
	}
	all_done = __atomic_load_n(&m->done, __ATOMIC_ACQUIRE) == cfg->devices;
	t = now();
	memset(m->bits, 0, m->words * sizeof(uint64_t));
	err = harvest(m);
	if (err)
		return err;
	rd.harvest_seconds = now() - t;
	rd.dirty_pages = count_bits(m->bits, m->words);
	res->rounds = r;
	if (cfg->ops_per_device)
		/* Fixed work: race the devices until they are done. */
		rd.converged = all_done;
	else
		rd.converged = (double)(rd.dirty_pages * PAGE) / m->copy_rate * 1e3 <=
			       cfg->downtime_ms;
	sim_advance(m, rd.dirty_pages * PAGE);
	p = (struct pacer){ .t0 = now(), .rate = copy_pace(m, bw) };
	rd.bytes_copied = copy_dirty(m, &p);
	res->bytes_copied += rd.bytes_copied;
	rd.seconds = now() - t;
	report(m, &rd);
	if (rd.converged)
		res->converged = true;
	if (!rd.converged && r < cfg->max_rounds)
		return 0;
	memset(m->bits, 0, m->words * sizeof(uint64_t));
	return 1;
}

/* Devices stopped: the final harvest and copy, the downtime. */
static int stop_and_copy(struct mig *m, double bw)
{
	struct genpt_mig_result *res = m->res;
	uint64_t final_bytes;
	struct pacer p;
	double t, th;
	int err;

	err = quiesce(m);
	if (err)
		return err;
	t = now();
	err = harvest(m);
	if (err)
		return err;
	th = now() - t;
	res->final_pages = count_bits(m->bits, m->words);
	/* The devices are stopped: copy at memory speed, and account the
	 * copy at the link's bandwidth when there is one. */
	p = (struct pacer){ .t0 = now(), .rate = 0 };
	final_bytes = copy_dirty(m, &p);
	res->bytes_copied += final_bytes;
	res->final_harvest_ms = th * 1e3;
	res->final_copy_ms = bw > 0 ? (double)final_bytes / bw * 1e3 : (now() - p.t0) * 1e3;
	res->downtime_ms = res->final_harvest_ms + res->final_copy_ms;
	report(m, &(struct genpt_mig_round){ .round = res->rounds + 1, .final = true,
					     .dirty_pages = res->final_pages,
					     .bytes_copied = res->final_pages * PAGE,
					     .seconds = now() - t, .harvest_seconds = th });
	return 0;
}

static int migrate(struct mig *m)
{
	const struct genpt_mig_config *cfg = m->cfg;
	struct genpt_mig_result *res = m->res;
	double bw = cfg->bandwidth_mib * (double)MiB, t, gib;
	struct pacer p;
	uint64_t since;
	int err;

	mig_sched_init(&m->sched, cfg->sim_clock, &m->stop);
	err = guest_start(m, false);
	if (!err)
		err = devices_start(m);
	if (!err)
		err = m->io->ops->tracking(m->io, true, cfg->split);
	if (!err)
		err = guest_start(m, true);
	if (err)
		return err;

	/* Round 0: everything. */
	t = now();
	sim_advance(m, cfg->mem_bytes);
	p = (struct pacer){ .t0 = t, .rate = copy_pace(m, bw) };
	copy_run(m, 0, m->npages, &p);
	res->bytes_copied += cfg->mem_bytes;
	m->copy_rate = bw > 0 ? bw : (double)cfg->mem_bytes / (now() - t + 1e-9);
	report(m, &(struct genpt_mig_round){ .round = 0, .dirty_pages = m->npages,
					     .bytes_copied = cfg->mem_bytes,
					     .seconds = now() - t });

	since = __atomic_load_n(&m->writes, __ATOMIC_RELAXED);
	for (unsigned int r = 1; !err; r++)
		err = precopy_round(m, r, bw, &since);
	if (err < 0)
		return err;
	err = stop_and_copy(m, bw);
	if (err)
		return err;
	verify(m);
	gib = (double)cfg->mem_bytes / (double)GiB;
	if (res->harvests)
		res->harvest_ms_per_gib = res->harvest_seconds * 1e3 / ((double)res->harvests * gib);
	return tracking_off(m);
}

int genpt_mig_run(const struct genpt_mig_config *cfg, genpt_mig_progress_fn progress,
		  void *ctx, struct genpt_mig_result *res)
{
	struct mig m = { .cfg = cfg, .res = res, .progress = progress, .ctx = ctx };
	double t0 = now();
	int err;

	if (!res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	if (!cfg)
		return -EINVAL;
	m.fmt = genpt_mig_format_find(cfg->format ? cfg->format : "riscv");
	if (!m.fmt) {
		snprintf(res->error, sizeof(res->error), "unknown format '%s'", cfg->format);
		return -EINVAL;
	}
	err = check_config(cfg, res);
	if (!err)
		err = check_edge_config(cfg, m.fmt, res);
	if (err)
		return err;
	snprintf(res->desc, sizeof(res->desc), "%s", m.fmt->desc);
	err = setup(&m);
	if (!err)
		err = migrate(&m);
	mig_guest_stop(m.guest);
	if (m.dev)
		devices_stop(&m);
	collect_stats(&m);
	teardown(&m);
	res->seconds = now() - t0;
	return err;
}
