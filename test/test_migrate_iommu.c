/* SPDX-License-Identifier: MIT */
/*
 * test_migrate_iommu.c - the IOMMUs the migration simulator drives.
 *
 * The simulated IOMMU (genpt/sim_iommu.h), for every format:
 *  - the dirty hazard: a write through a translation cached dirty does not
 *    set D again after a harvest cleaned it, until the IOTLB is
 *    invalidated; a translation cached for reads does not serve a write;
 *  - invalidation completes only after a DMA in flight (parked by a
 *    trapping memory provider between its translation and its data write)
 *    has written its data;
 *  - a walk that began before an invalidation never leaves its translation
 *    cached after it;
 *  - DMA errors and argument checks.
 * The RISC-V IOMMU model: IOTINVAL + IOFENCE.C completes only after such a
 * DMA in flight has written its data, so the harvest's copy contains it
 * (it did not before: the write was lost to the migration).
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "genpt/genpt.h"
#include "genpt/sim_iommu.h"
#include "migrate.h"
#include "ptrap.h"

#define MI_PM_BASE 0x80000000ull
#define MI_PM_SIZE (256ull << 20)
#define MI_LEN (64 * 1024) /* mapped at IOVA 0 */

static void mi_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- one table with 64 KiB mapped, for the simulated IOMMU ----------- */

struct mi_env {
	struct genpt_physmem *pm;
	bool own_pm;
	struct genpt *pt;
	uint64_t ram;
	uint64_t bits[4];
	const struct genpt_mig_format *fmt;
};

/* A table of format @f with [0, 64K) mapped with @prot, tracking on and
 * clean.  With @trap, the table's memory goes through it (and its physmem
 * holds everything); else a physmem of its own. */
static void mi_env_init(struct mi_env *e, const struct genpt_mig_format *f,
			struct ptrap *trap, unsigned int prot)
{
	struct genpt_config cfg = f->cfg;

	memset(e, 0, sizeof(*e));
	e->fmt = f;
	if (trap) {
		e->pm = trap->pm;
		cfg.mem = &ptrap_ops;
		cfg.mem_ctx = trap;
	} else {
		cr_assert_eq(genpt_physmem_create(MI_PM_BASE, MI_PM_SIZE, &e->pm), 0);
		e->own_pm = true;
		cfg.mem = &genpt_physmem_ops;
		cfg.mem_ctx = e->pm;
	}
	cr_assert_eq(genpt_create(&cfg, &e->pt), 0, "%s", f->name);
	cr_assert_eq(genpt_physmem_alloc(e->pm, MI_LEN, MI_LEN, &e->ram), 0);
	cr_assert_eq(genpt_map(e->pt, 0, e->ram, MI_LEN, prot, NULL), 0, "%s", f->name);
	cr_assert_eq(genpt_set_dirty_tracking(e->pt, true), 0, "%s", f->name);
	cr_assert_eq(genpt_read_and_clear_dirty(e->pt, 0, MI_LEN, 0, NULL, NULL), 0);
}

static void mi_env_fini(struct mi_env *e)
{
	genpt_destroy(e->pt);
	if (e->own_pm)
		genpt_physmem_destroy(e->pm);
}

/* Harvest (clean) the whole mapping; true when 4 KiB page @pg was dirty.
 * The gather is released without invalidating: the caller decides. */
static bool mi_harvest(struct mi_env *e, unsigned int pg, struct genpt_gather *g)
{
	struct genpt_dirty_bitmap bm = { .bits = e->bits, .iova = 0, .length = MI_LEN,
					 .page_shift = 12 };

	memset(e->bits, 0, sizeof(e->bits));
	genpt_gather_init(g);
	cr_assert_eq(genpt_read_and_clear_dirty(e->pt, 0, MI_LEN, 0, &bm, g), 0);
	return (e->bits[pg / 64] >> (pg % 64)) & 1;
}

static struct genpt_sim_iommu *mi_sim(struct mi_env *e, const struct genpt_mem_ops *mem,
				      void *ctx)
{
	struct genpt_sim_iommu_config c = { .table = e->pt, .mem = mem ? mem : &genpt_physmem_ops,
					    .mem_ctx = mem ? ctx : e->pm };
	struct genpt_sim_iommu *s;

	cr_assert_eq(genpt_sim_iommu_create(&c, &s), 0);
	return s;
}

Test(sim_iommu, dirty_hazard_and_invalidation_every_format)
{
	for (const struct genpt_mig_format *f = genpt_mig_formats; f->name; f++) {
		struct genpt_sim_iommu_stats st0, st1;
		struct genpt_sim_iommu *s;
		struct genpt_gather g;
		struct mi_env e;
		uint64_t v = 0x1111, got;

		mi_env_init(&e, f, NULL, GENPT_READ | GENPT_WRITE);
		s = mi_sim(&e, NULL, NULL);

		/* A write walks and sets D. */
		cr_assert_eq(genpt_sim_iommu_dma(s, 0x1008, &v, 8, GENPT_ACCESS_WRITE), 0, "%s", f->name);
		cr_assert(mi_harvest(&e, 1, &g), "%s: the first write is dirty", f->name);
		cr_assert_eq(genpt_gather_release(e.pt, &g), 0); /* no invalidation */

		/* The hazard: the cached dirty translation writes without
		 * touching the table. */
		genpt_sim_iommu_stats(s, &st0);
		v = 0x2222;
		cr_assert_eq(genpt_sim_iommu_dma(s, 0x1010, &v, 8, GENPT_ACCESS_WRITE), 0);
		genpt_sim_iommu_stats(s, &st1);
		cr_assert_eq(st1.iotlb_hits, st0.iotlb_hits + 1, "%s", f->name);
		memcpy(&got, (char *)genpt_physmem_ptr(e.pm, e.ram) + 0x1010, 8);
		cr_assert_eq(got, 0x2222, "%s: the data landed", f->name);
		cr_assert_not(mi_harvest(&e, 1, &g), "%s: hazard not reproduced", f->name);
		genpt_gather_release(e.pt, &g);

		/* Invalidated, the next write walks and D is set again. */
		cr_assert_eq(genpt_sim_iommu_invalidate(s, 0x1000, 0x1fff), 0);
		cr_assert_eq(genpt_sim_iommu_dma(s, 0x1018, &v, 8, GENPT_ACCESS_WRITE), 0);
		genpt_sim_iommu_stats(s, &st0);
		cr_assert_eq(st0.iotlb_misses, st1.iotlb_misses + 1, "%s", f->name);
		cr_assert_eq(st0.dropped, 1, "%s", f->name);
		cr_assert(mi_harvest(&e, 1, &g), "%s: dirty again after invalidation", f->name);
		cr_assert_eq(genpt_sim_iommu_invalidate(s, g.start, g.last), 0);
		genpt_gather_release(e.pt, &g);

		/* Cached for a read, a write still walks (and marks). */
		cr_assert_eq(genpt_sim_iommu_dma(s, 0x3000, &got, 8, GENPT_ACCESS_READ), 0);
		cr_assert_eq(genpt_sim_iommu_dma(s, 0x3000, &got, 8, GENPT_ACCESS_READ), 0);
		genpt_sim_iommu_stats(s, &st0);
		cr_assert_eq(genpt_sim_iommu_dma(s, 0x3000, &v, 8, GENPT_ACCESS_WRITE), 0);
		genpt_sim_iommu_stats(s, &st1);
		cr_assert_eq(st1.iotlb_misses, st0.iotlb_misses + 1, "%s", f->name);
		cr_assert(mi_harvest(&e, 3, &g), "%s: write after read-cached", f->name);
		cr_assert_eq(genpt_sim_iommu_invalidate(s, 0, UINT64_MAX), 0);
		genpt_gather_release(e.pt, &g);

		genpt_sim_iommu_destroy(s);
		mi_env_fini(&e);
	}
}

Test(sim_iommu, dma_moves_data_and_reports_faults)
{
	for (const struct genpt_mig_format *f = genpt_mig_formats; f->name; f++) {
		unsigned char out[6000], in[6000];
		struct genpt_sim_iommu *s;
		struct mi_env e;
		uint64_t v = 1;

		mi_env_init(&e, f, NULL, GENPT_READ);
		s = mi_sim(&e, NULL, NULL);
		for (unsigned int i = 0; i < sizeof(out); i++)
			out[i] = (unsigned char)(i * 7 + 3);
		/* Read-only: a write faults, a read works. */
		cr_assert_eq(genpt_sim_iommu_dma(s, 0x2000, &v, 8, GENPT_ACCESS_WRITE), -EACCES,
			     "%s", f->name);
		memcpy((char *)genpt_physmem_ptr(e.pm, e.ram) + 0x1800, out, sizeof(out));
		cr_assert_eq(genpt_sim_iommu_dma(s, 0x1800, in, sizeof(in), GENPT_ACCESS_READ), 0);
		cr_assert_eq(memcmp(in, out, sizeof(in)), 0, "%s: a read across pages", f->name);
		/* Unmapped */
		cr_assert_eq(genpt_sim_iommu_dma(s, MI_LEN, in, 8, GENPT_ACCESS_READ), -ENOENT,
			     "%s", f->name);
		/* Partly unmapped: the mapped part is transferred first. */
		cr_assert_eq(genpt_sim_iommu_dma(s, MI_LEN - 8, in, 16, GENPT_ACCESS_READ), -ENOENT);
		genpt_sim_iommu_destroy(s);
		mi_env_fini(&e);

		/* Writable: a write across pages lands. */
		mi_env_init(&e, f, NULL, GENPT_READ | GENPT_WRITE);
		s = mi_sim(&e, NULL, NULL);
		cr_assert_eq(genpt_sim_iommu_dma(s, 0x4ffc, out, sizeof(out), GENPT_ACCESS_WRITE), 0);
		cr_assert_eq(memcmp((char *)genpt_physmem_ptr(e.pm, e.ram) + 0x4ffc, out,
				    sizeof(out)), 0, "%s", f->name);
		genpt_sim_iommu_destroy(s);
		mi_env_fini(&e);
	}
}

Test(sim_iommu, arguments)
{
	struct genpt_sim_iommu_config c = { 0 };
	struct genpt_sim_iommu_stats st;
	struct genpt_sim_iommu *s;
	struct mi_env e;
	uint64_t v = 0;

	mi_env_init(&e, genpt_mig_format_find("riscv"), NULL, GENPT_READ | GENPT_WRITE);
	cr_assert_eq(genpt_sim_iommu_create(NULL, &s), -EINVAL);
	cr_assert_eq(genpt_sim_iommu_create(&c, &s), -EINVAL);
	c.table = e.pt;
	cr_assert_eq(genpt_sim_iommu_create(&c, &s), -EINVAL); /* no provider */
	c.mem = &genpt_physmem_ops;
	c.mem_ctx = e.pm;
	c.iotlb_entries = (1u << 20) + 1;
	cr_assert_eq(genpt_sim_iommu_create(&c, &s), -EINVAL);
	c.iotlb_entries = 3; /* rounded up to one set */
	cr_assert_eq(genpt_sim_iommu_create(&c, NULL), -EINVAL);
	cr_assert_eq(genpt_sim_iommu_create(&c, &s), 0);
	cr_assert_eq(genpt_sim_iommu_dma(NULL, 0, &v, 8, GENPT_ACCESS_READ), -EINVAL);
	cr_assert_eq(genpt_sim_iommu_dma(s, 0, NULL, 8, GENPT_ACCESS_READ), -EINVAL);
	cr_assert_eq(genpt_sim_iommu_dma(s, 0, &v, 8, 0), -EINVAL);
	cr_assert_eq(genpt_sim_iommu_dma(s, 0, &v, 8, 4), -EINVAL);
	cr_assert_eq(genpt_sim_iommu_dma(s, UINT64_MAX - 3, &v, 8, GENPT_ACCESS_READ), -EINVAL);
	cr_assert_eq(genpt_sim_iommu_dma(s, 0, NULL, 0, GENPT_ACCESS_READ), 0);
	cr_assert_eq(genpt_sim_iommu_invalidate(s, 2, 1), -EINVAL);
	cr_assert_eq(genpt_sim_iommu_invalidate(NULL, 0, 1), -EINVAL);
	cr_assert_eq(genpt_sim_iommu_stats(s, NULL), -EINVAL);
	cr_assert_eq(genpt_sim_iommu_stats(NULL, &st), -EINVAL);
	/* Nine pages through an 8-entry IOTLB: evictions, no harm. */
	for (unsigned int i = 0; i < 2 * 9; i++)
		cr_assert_eq(genpt_sim_iommu_dma(s, (i % 9) * 4096ull, &v, 8, GENPT_ACCESS_WRITE), 0);
	cr_assert_eq(genpt_sim_iommu_stats(s, &st), 0);
	cr_assert_eq(st.dma_pages, 18);
	cr_assert_eq(st.iotlb_hits + st.iotlb_misses, 18);
	cr_assert_geq(st.iotlb_misses, 10);
	genpt_sim_iommu_destroy(s);
	genpt_sim_iommu_destroy(NULL);
	mi_env_fini(&e);
}

/* ---- invalidation waits for the DMA in flight ------------------------- */

struct mi_dev {
	struct genpt_sim_iommu *sim;
	struct genpt_rviommu *rvi;
	uint64_t iova, value;
	int err;
};

static void *mi_dev_write(void *arg)
{
	struct mi_dev *d = arg;

	ptrap_marked = true;
	if (d->rvi)
		d->err = genpt_rviommu_dma(d->rvi, 1, d->iova, &d->value, 8, GENPT_ACCESS_WRITE);
	else
		d->err = genpt_sim_iommu_dma(d->sim, d->iova, &d->value, 8, GENPT_ACCESS_WRITE);
	return NULL;
}

/*
 * The race with a memory access in flight: @inflight(@a) starts and parks
 * on its access to @pa through @t (@any: its first access); then
 * @fence(@b) starts and 100 ms later must still wait for it (*@done
 * clear, else @why fails); released, both are joined.
 */
static void mi_race(struct ptrap *t, uint64_t pa, bool any, void *(*inflight)(void *), void *a,
		    void *(*fence)(void *), void *b, const int *done, const char *why)
{
	pthread_t in, fe;

	ptrap_arm(t, pa, any);
	cr_assert_eq(pthread_create(&in, NULL, inflight, a), 0);
	ptrap_wait_parked(t);
	cr_assert_eq(pthread_create(&fe, NULL, fence, b), 0);
	mi_sleep_ms(100);
	cr_assert_not(__atomic_load_n(done, __ATOMIC_ACQUIRE), "%s", why);
	ptrap_release(t);
	cr_assert_eq(pthread_join(fe, NULL), 0);
	cr_assert_eq(pthread_join(in, NULL), 0);
}

struct mi_inval {
	struct genpt_sim_iommu *sim;
	const uint64_t *watch; /* a word to read as soon as it returns */
	uint64_t seen;
	int err;
	int done; /* atomic */
};

static void *mi_invalidator(void *arg)
{
	struct mi_inval *x = arg;

	x->err = genpt_sim_iommu_invalidate(x->sim, 0, UINT64_MAX);
	if (x->watch)
		x->seen = __atomic_load_n(x->watch, __ATOMIC_RELAXED);
	__atomic_store_n(&x->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

Test(sim_iommu, invalidate_waits_for_dma_in_flight, .timeout = 60)
{
	const struct genpt_mig_format *f = genpt_mig_format_find("armv8");
	struct mi_dev d = { .iova = 0x1000, .value = 0xabcdef };
	struct mi_inval x = { 0 };
	struct ptrap t;
	struct mi_env e;

	mi_env_init(&e, f, NULL, GENPT_READ | GENPT_WRITE);
	ptrap_init(&t, e.pm);
	d.sim = x.sim = mi_sim(&e, &ptrap_ops, &t); /* data through the trap */

	/* Park the write after its translation, before its data; once the
	 * invalidation returned, the data is in memory (its view). */
	x.watch = (const uint64_t *)((char *)genpt_physmem_ptr(e.pm, e.ram) + 0x1000);
	mi_race(&t, e.ram + 0x1000, false, mi_dev_write, &d, mi_invalidator, &x, &x.done,
		"invalidation completed while a DMA that used the translation was in flight");
	cr_assert_eq(x.seen, 0xabcdef);
	cr_assert_eq(x.err, 0);
	cr_assert_eq(d.err, 0);

	genpt_sim_iommu_destroy(d.sim);
	ptrap_fini(&t);
	mi_env_fini(&e);
}

Test(sim_iommu, walk_before_invalidation_is_not_cached, .timeout = 60)
{
	const struct genpt_mig_format *f = genpt_mig_format_find("x86-64");
	struct mi_dev d = { .iova = 0x2000, .value = 7 };
	struct mi_inval x = { 0 };
	struct genpt_sim_iommu_stats st0, st1;
	struct genpt_gather g;
	struct genpt_physmem *pm;
	struct ptrap t;
	struct mi_env e;
	uint64_t v = 9;

	/* The table's memory goes through the trap: the walk parks. */
	cr_assert_eq(genpt_physmem_create(MI_PM_BASE, MI_PM_SIZE, &pm), 0);
	ptrap_init(&t, pm);
	mi_env_init(&e, f, &t, GENPT_READ | GENPT_WRITE);
	d.sim = x.sim = mi_sim(&e, NULL, NULL);

	/* The device's first table read parks: it walks with the old gen. */
	mi_race(&t, 0, true, mi_dev_write, &d, mi_invalidator, &x, &x.done,
		"invalidation completed while a walk was in flight");
	cr_assert_eq(d.err, 0);
	genpt_sim_iommu_stats(d.sim, &st0);
	cr_assert_eq(st0.stale_fills, 1, "the walk that raced the invalidation was cached");

	/* Not cached: the next write walks (and marks the page again). */
	cr_assert(mi_harvest(&e, 2, &g));
	genpt_gather_release(e.pt, &g);
	cr_assert_eq(genpt_sim_iommu_dma(d.sim, 0x2000, &v, 8, GENPT_ACCESS_WRITE), 0);
	genpt_sim_iommu_stats(d.sim, &st1);
	cr_assert_eq(st1.iotlb_misses, st0.iotlb_misses + 1);
	cr_assert(mi_harvest(&e, 2, &g));
	genpt_gather_release(e.pt, &g);

	genpt_sim_iommu_destroy(d.sim);
	mi_env_fini(&e);
	ptrap_fini(&t);
	genpt_physmem_destroy(pm);
}

/* ---- the RISC-V IOMMU model: IOFENCE.C and DMA in flight -------------- */

/*
 * The RISC-V IOMMU model (its memory accesses through the trap @t when
 * @trapped, else straight to the physmem), its driver, a G-stage table
 * mapping MI_LEN bytes of RAM at IOVA 0, and device 1 attached to it.
 */
struct mi_rv_rig {
	struct genpt_rvdrv_domain dom;
	struct genpt_physmem *pm;
	struct ptrap t;
	bool trapped;
	struct genpt_rviommu *rvi;
	struct genpt_rvdrv *drv;
	struct genpt *pt;
	uint64_t ram;
};

static void mi_rv_rig_init(struct mi_rv_rig *r, bool trapped)
{
	r->dom = (struct genpt_rvdrv_domain){ GENPT_RVDRV_STAGE2, 5 };
	r->trapped = trapped;
	cr_assert_eq(genpt_physmem_create(MI_PM_BASE, MI_PM_SIZE, &r->pm), 0);
	if (trapped) {
		ptrap_init(&r->t, r->pm);
		cr_assert_eq(genpt_rviommu_create(NULL, &ptrap_ops, &r->t, &r->rvi), 0);
	} else {
		cr_assert_eq(genpt_rviommu_create(NULL, &genpt_physmem_ops, r->pm, &r->rvi), 0);
	}
	struct genpt_rvdrv_config dc = { .mmio = &genpt_rviommu_mmio_ops, .mmio_ctx = r->rvi,
					 .mem = &genpt_physmem_ops, .mem_ctx = r->pm };
	struct genpt_config tc = { .format = GENPT_FMT_RISCV, .va_bits = 41,
				   .features = GENPT_FEAT_RISCV_GSTAGE,
				   .mem = &genpt_physmem_ops, .mem_ctx = r->pm };
	cr_assert_eq(genpt_rvdrv_create(&dc, &r->drv), 0);
	cr_assert_eq(genpt_create(&tc, &r->pt), 0);
	cr_assert_eq(genpt_physmem_alloc(r->pm, MI_LEN, 4096, &r->ram), 0);
	cr_assert_eq(genpt_rvdrv_map(r->drv, r->pt, 0, r->ram, MI_LEN, GENPT_READ | GENPT_WRITE),
		     0);
	cr_assert_eq(genpt_rvdrv_attach(r->drv, 1, r->pt, &r->dom), 0);
}

static void mi_rv_rig_fini(struct mi_rv_rig *r)
{
	cr_assert_eq(genpt_rvdrv_detach(r->drv, 1), 0);
	genpt_rvdrv_destroy(r->drv);
	genpt_destroy(r->pt);
	genpt_rviommu_destroy(r->rvi);
	if (r->trapped)
		ptrap_fini(&r->t);
	genpt_physmem_destroy(r->pm);
}

struct mi_rv_harvest {
	struct genpt_rvdrv *drv;
	struct genpt *pt;
	struct genpt_physmem *pm;
	uint64_t ram;
	uint64_t bits;
	uint64_t copy; /* the page's first word, copied as soon as the harvest returned */
	int err;
	int done; /* atomic */
};

static void *mi_rv_harvester(void *arg)
{
	struct mi_rv_harvest *h = arg;
	struct genpt_dirty_bitmap bm = { .bits = &h->bits, .iova = 0, .length = MI_LEN,
					 .page_shift = 12 };

	/* clean D, IOTINVAL.GVMA, IOFENCE.C ... */
	h->err = genpt_rvdrv_read_and_clear_dirty(h->drv, h->pt, 0, MI_LEN, 0, &bm);
	/* ... then the migration copies the reported page */
	h->copy = __atomic_load_n((uint64_t *)genpt_physmem_ptr(h->pm, h->ram + 0x1000),
				  __ATOMIC_RELAXED);
	__atomic_store_n(&h->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

Test(rviommu_fence, iofence_waits_for_dma_in_flight, .timeout = 60)
{
	struct mi_dev d = { .iova = 0x1000, .value = 0xaaaaaaaaaaaaaaaaull };
	struct mi_rv_harvest h = { 0 };
	struct mi_rv_rig r;
	uint64_t bits = 0;

	mi_rv_rig_init(&r, true);
	cr_assert_eq(genpt_rvdrv_set_dirty_tracking(r.drv, r.pt, true), 0);
	h.drv = r.drv;
	h.pt = r.pt;
	h.ram = r.ram;
	h.pm = r.pm;
	d.rvi = r.rvi;

	/* The device translated (D set) and is about to write its data. */
	mi_race(&r.t, h.ram + 0x1000, false, mi_dev_write, &d, mi_rv_harvester, &h, &h.done,
		   "IOFENCE.C completed while a DMA that used the invalidated translation "
		   "was in flight: the migration copies the page without the write");
	cr_assert_eq(d.err, 0);
	cr_assert_eq(h.err, 0);
	cr_assert_eq(h.bits, 2, "the harvest reported the page");
	cr_assert_eq(h.copy, d.value, "the copy after the harvest has the write");

	/* And nothing more to report: the write was not lost, it was copied. */
	struct genpt_dirty_bitmap bm = { .bits = &bits, .iova = 0, .length = MI_LEN,
					 .page_shift = 12 };
	cr_assert_eq(genpt_rvdrv_read_and_clear_dirty(h.drv, h.pt, 0, MI_LEN, 0, &bm), 0);
	cr_assert_eq(bits, 0);

	mi_rv_rig_fini(&r);
}

/*
 * A genpt_rviommu_translate() walk is in flight like a DMA: it may be
 * reading a table page an unmap just unlinked, and the unmap's gather may
 * give that page back only after the invalidation completed.  So the
 * IOFENCE.C of the unmap must wait for the walk, parked here on its first
 * memory access.
 */
struct mi_rv_walk {
	struct genpt_rviommu *rvi;
	struct genpt_rviommu_rsp rsp;
	int err;
};

static void *mi_rv_translate(void *arg)
{
	struct mi_rv_walk *w = arg;
	struct genpt_rviommu_req req = { .device_id = 1, .iova = 0x1000,
					 .access = GENPT_ACCESS_READ };

	ptrap_marked = true;
	w->err = genpt_rviommu_translate(w->rvi, &req, &w->rsp);
	return NULL;
}

struct mi_rv_unmap {
	struct genpt_rvdrv *drv;
	struct genpt *pt;
	int err;
	int done; /* atomic */
};

static void *mi_rv_unmapper(void *arg)
{
	struct mi_rv_unmap *u = arg;

	/* clear the leaves, IOTINVAL.GVMA, IOFENCE.C, release the gather */
	u->err = genpt_rvdrv_unmap(u->drv, u->pt, 0, MI_LEN, NULL);
	__atomic_store_n(&u->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

Test(rviommu_fence, iofence_waits_for_translate_in_flight, .timeout = 60)
{
	struct mi_rv_unmap u = { 0 };
	struct mi_rv_walk w = { 0 };
	struct mi_rv_rig r;

	mi_rv_rig_init(&r, true);
	w.rvi = r.rvi;
	u.drv = r.drv;
	u.pt = r.pt;

	mi_race(&r.t, 0, true, mi_rv_translate, &w, mi_rv_unmapper, &u, &u.done,
		   "IOFENCE.C completed (and the unmap released its tables) while a walk "
		   "that may read them was in flight");
	cr_assert_eq(u.err, 0);
	cr_assert_eq(w.err, 0);
	/* the walk saw the mapping or its absence, nothing else */
	cr_assert(w.rsp.cause == 0 ? w.rsp.pa == r.ram + 0x1000 :
				     w.rsp.cause == GENPT_RVI_CAUSE_READ_GUEST_PAGE,
		  "cause %u pa 0x%llx", w.rsp.cause, (unsigned long long)w.rsp.pa);

	mi_rv_rig_fini(&r);
}

/* A DMA that faults records its fault after leaving its in-flight section
 * (IOFENCE.C holds the register lock the record needs): faults and fences
 * from two threads at once must not deadlock. */
struct mi_rv_faulter {
	struct genpt_rviommu *rvi;
	unsigned int n, faults;
};

static void *mi_rv_fault_loop(void *arg)
{
	struct mi_rv_faulter *f = arg;
	uint64_t v = 0;

	for (unsigned int i = 0; i < f->n; i++)
		if (genpt_rviommu_dma(f->rvi, 1, (i % 2) ? 0x1000 : MI_LEN * 4, &v, 8,
				      GENPT_ACCESS_WRITE) == -EFAULT)
			f->faults++;
	return NULL;
}

Test(rviommu_fence, faulting_dma_and_fences_race, .timeout = 120)
{
	struct mi_rv_faulter f[2];
	struct genpt_rviommu_fault rec[16];
	struct mi_rv_rig r;
	pthread_t th[2];

	mi_rv_rig_init(&r, false);
	cr_assert_eq(genpt_rvdrv_set_dirty_tracking(r.drv, r.pt, true), 0);
	for (unsigned int i = 0; i < 2; i++) {
		f[i] = (struct mi_rv_faulter){ .rvi = r.rvi, .n = 3000 };
		cr_assert_eq(pthread_create(&th[i], NULL, mi_rv_fault_loop, &f[i]), 0);
	}
	for (unsigned int i = 0; i < 300; i++) {
		cr_assert_eq(genpt_rvdrv_read_and_clear_dirty(r.drv, r.pt, 0, MI_LEN, 0, NULL), 0);
		while (genpt_rvdrv_poll_faults(r.drv, rec, 16, NULL) > 0)
			;
	}
	for (unsigned int i = 0; i < 2; i++) {
		cr_assert_eq(pthread_join(th[i], NULL), 0);
		cr_assert_eq(f[i].faults, f[i].n / 2);
	}
	mi_rv_rig_fini(&r);
}
