/* SPDX-License-Identifier: MIT */
/*
 * test_smmuv3_concurrent.c - devices writing through the SMMUv3 model while
 * the driver helper harvests, invalidates and switches tracking (run under
 * ThreadSanitizer by the tsan preset):
 *
 *  - translations racing configuration and TLB invalidation commands;
 *  - tracking switched on and off (with split and merge) under DMA at
 *    each BBML: never a TLB conflict, no transfer fault at BBML 1 and 2,
 *    faults retried at BBML 0 (counted), every write lands.
 * Pre-copy migration with devices running is drv_flows::live_migration
 * (test_drv_flows.c, both drivers).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>

#include "smmu_util.h"

#define RAM (4 * SMMU_MiB)

struct reader {
	struct smmu_env *e;
	uint64_t ram;
	int bad;
};

/* Reads what the main thread never changes: a mapping that stays. */
static void *reader(void *arg)
{
	struct reader *r = arg;

	for (unsigned int i = 0; i < 3000; i++) {
		struct genpt_smmu_req req = { .sid = 20, .iova = (i % 64) * 4096ull,
					      .access = GENPT_ACCESS_READ };
		struct genpt_smmu_rsp rsp;

		if (genpt_smmu_translate(r->e->smmu, &req, &rsp) || rsp.event ||
		    rsp.pa != r->ram + req.iova)
			r->bad++;
	}
	return NULL;
}

Test(smmuv3_concurrent, translations_race_invalidations, .timeout = 300)
{
	struct smmu_env e;
	struct genpt_smmudrv_domain a = { GENPT_SMMUDRV_STAGE2, 1 }, b = { GENPT_SMMUDRV_STAGE1, 2 };
	struct reader r[2];
	pthread_t th[2];
	struct genpt *pt, *other;
	uint64_t ram;

	smmu_env_init(&e, NULL, 64 * SMMU_MiB, true);
	pt = smmu_table(&e, true, 32, 12);
	other = smmu_table(&e, false, 32, 12);
	cr_assert_eq(genpt_physmem_alloc(e.pm, RAM, 2 * SMMU_MiB, &ram), 0);
	cr_assert_eq(genpt_smmudrv_map(e.drv, pt, 0, ram, RAM, GENPT_READ), 0);
	cr_assert_eq(genpt_smmudrv_map(e.drv, other, 0, ram, RAM, GENPT_READ), 0);
	cr_assert_eq(genpt_smmudrv_attach(e.drv, 20, pt, &a), 0);
	for (unsigned int i = 0; i < 2; i++) {
		r[i] = (struct reader){ .e = &e, .ram = ram };
		cr_assert_eq(pthread_create(&th[i], NULL, reader, &r[i]), 0);
	}
	for (unsigned int i = 0; i < 60; i++) {
		cr_assert_eq(genpt_smmudrv_invalidate(e.drv, pt, 0, RAM - 1), 0);
		cr_assert_eq(genpt_smmudrv_attach(e.drv, 21, other, &b), 0);
		cr_assert_eq(genpt_smmudrv_detach(e.drv, 21), 0);
	}
	for (unsigned int i = 0; i < 2; i++) {
		cr_assert_eq(pthread_join(th[i], NULL), 0);
		cr_assert_eq(r[i].bad, 0);
	}
	cr_assert_eq(genpt_smmudrv_detach(e.drv, 20), 0);
	genpt_destroy(pt);
	genpt_destroy(other);
	smmu_env_fini(&e);
}

struct writer {
	struct smmu_env *e;
	uint64_t ram;
	uint64_t seed;
	int err;
	bool retry;               /* BBML 0: a faulted write is retried */
	unsigned long writes;     /* writes done (atomic) */
	unsigned int exited;      /* the writer stopped (atomic) */
	unsigned long faulted;    /* writes that faulted at least once */
	unsigned long retries;    /* attempts that faulted in a break window */
	unsigned long conflicts;  /* F_TLB_CONFLICT seen classifying them */
	unsigned int stop; /* atomic */
	uint64_t last[64]; /* the value last written at word i * 4 KiB + 8 */
};

/* A write faulted: F_TRANSLATION in a break window (retried when the
 * writer may), anything else an error. */
static bool writer_retry(struct writer *w, uint64_t iova)
{
	struct genpt_smmu_req req = { .sid = 30, .iova = iova, .access = GENPT_ACCESS_WRITE };
	struct genpt_smmu_rsp rsp = { 0 };

	cr_assert_eq(genpt_smmu_translate(w->e->smmu, &req, &rsp), 0);
	if (rsp.event == GENPT_SMMU_EVT_F_TLB_CONFLICT)
		w->conflicts++;
	if (!w->retry || rsp.event == GENPT_SMMU_EVT_F_TLB_CONFLICT)
		return false;
	w->retries++;
	return true;
}

static void *writer(void *arg)
{
	struct writer *w = arg;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE) && !w->err) {
		unsigned int i = (unsigned int)(smmu_rnd(&w->seed) % 64);
		uint64_t v = smmu_rnd(&w->seed);

		/* spread over the 2 MiB blocks the split and merge replace */
		unsigned long before = w->retries;

		do
			w->err = smmu_write64(w->e, 30, i * 64 * 1024ull + 8, v);
		while (w->err == -EFAULT && writer_retry(w, i * 64 * 1024ull + 8));
		w->last[i] = v;
		__atomic_fetch_add(&w->writes, 1, __ATOMIC_RELEASE);
		w->faulted += w->retries != before;
	}
	__atomic_store_n(&w->exited, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Let the device make progress (no timing: it has written once more). */
static void writer_progress(struct writer *w)
{
	unsigned long n = __atomic_load_n(&w->writes, __ATOMIC_ACQUIRE);

	while (__atomic_load_n(&w->writes, __ATOMIC_ACQUIRE) == n &&
	       !__atomic_load_n(&w->exited, __ATOMIC_ACQUIRE))
		sched_yield();
}

/* Tracking switched with split and merge at each BBML while a device
 * writes: never a TLB conflict; no fault at BBML 1 and 2 (the nT route,
 * the live replacement); at BBML 0 writes in a break window fault and are
 * retried; every write lands. */
static void tracking_switches(unsigned int bbml)
{
	struct genpt_smmu_config cfg = { .httu = 2, .bbml = bbml };
	struct smmu_env e;
	struct genpt_smmudrv_domain dom = { GENPT_SMMUDRV_STAGE2, 3 };
	struct writer w = { .seed = 99, .retry = bbml == 0 };
	pthread_t th;
	struct genpt *pt;
	uint64_t ram;

	smmu_env_init(&e, &cfg, 64 * SMMU_MiB, true);
	pt = smmu_table(&e, true, 32, 12);
	cr_assert_eq(genpt_physmem_alloc(e.pm, RAM, 2 * SMMU_MiB, &ram), 0);
	cr_assert_eq(genpt_smmudrv_map(e.drv, pt, 0, ram, RAM, GENPT_READ | GENPT_WRITE), 0);
	cr_assert_eq(genpt_smmudrv_attach(e.drv, 30, pt, &dom), 0);
	w.e = &e;
	w.ram = ram;
	cr_assert_eq(pthread_create(&th, NULL, writer, &w), 0);
	for (unsigned int i = 0; i < 20; i++) {
		writer_progress(&w);
		cr_assert_eq(genpt_smmudrv_set_dirty_tracking_split(e.drv, pt, true, 12), 0);
		writer_progress(&w);
		cr_assert_eq(genpt_smmudrv_read_and_clear_dirty(e.drv, pt, 0, RAM, 0, NULL), 0);
		cr_assert_eq(genpt_smmudrv_set_dirty_tracking_split(e.drv, pt, false, 12), 0);
	}
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	cr_assert_eq(pthread_join(th, NULL), 0);
	cr_assert_eq(w.err, 0, "BBML %u: a transfer faulted", bbml);
	cr_assert_eq(w.conflicts, 0, "BBML %u: TLB conflicts", bbml);
	for (unsigned int i = 0; i < 64; i++)
		if (w.last[i])
			cr_assert_eq(*(uint64_t *)genpt_physmem_ptr(e.pm, ram + i * 65536ull + 8),
				     w.last[i]);
	cr_log_info("BBML %u: %lu of %lu writes faulted (%lu attempts)", bbml, w.faulted,
		    w.writes, w.retries);
	cr_assert_eq(genpt_smmudrv_detach(e.drv, 30), 0);
	genpt_destroy(pt);
	smmu_env_fini(&e);
}

Test(smmuv3_concurrent, tracking_switches_under_dma, .timeout = 300)
{
	tracking_switches(2);
}

Test(smmuv3_concurrent, tracking_switches_under_dma_bbml1, .timeout = 300)
{
	tracking_switches(1);
}

Test(smmuv3_concurrent, tracking_switches_under_dma_bbml0, .timeout = 300)
{
	tracking_switches(0);
}

/*
 * CMD_SYNC and a write in flight, deterministically: the device looks up a
 * translation cached writable-dirty and parks before its data reaches
 * memory (the memory provider holds it at the data page); the driver
 * harvests (the descriptor is cleaned, the TLBI removes the entry); the
 * device is released when the CMD_SYNC is submitted.  The sync must not
 * complete before the parked write is in memory: the harvest's caller
 * copies the page right after and the write never marks it again.
 */
struct trap {
	struct genpt_physmem *pm;
	struct genpt_smmu *smmu;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t page;
	int state; /* 0 armed, 1 device parked, 2 released, 3 off */
};

static struct trap *the_trap;

static void *trap_p2v(void *ctx, uint64_t pa)
{
	struct trap *t = ctx;

	pthread_mutex_lock(&t->lock);
	if (t->state == 0 && (pa & ~4095ull) == t->page) {
		t->state = 1;
		pthread_cond_broadcast(&t->cond);
		while (t->state != 2)
			pthread_cond_wait(&t->cond, &t->lock);
	}
	pthread_mutex_unlock(&t->lock);
	return genpt_physmem_ops.phys_to_virt(t->pm, pa);
}

static void *trap_alloc(void *ctx, size_t size, size_t align, uint64_t *pa)
{
	return genpt_physmem_ops.alloc(((struct trap *)ctx)->pm, size, align, pa);
}

static void trap_free(void *ctx, void *va, size_t size)
{
	genpt_physmem_ops.free(((struct trap *)ctx)->pm, va, size);
}

static const struct genpt_mem_ops trap_mem = {
	.alloc = trap_alloc, .free = trap_free, .phys_to_virt = trap_p2v
};

static int trap_rd(void *ctx, uint32_t off, unsigned int size, uint64_t *v)
{
	return genpt_smmu_mmio_ops.read(ctx, off, size, v);
}

/* Release the parked device when a CMD_SYNC is about to be consumed. */
static int trap_wr(void *ctx, uint32_t off, unsigned int size, uint64_t v)
{
	struct trap *t = the_trap;

	if (off == 0x98) {
		uint64_t base, *cmd;

		cr_assert_eq(genpt_smmu_mmio_ops.read(ctx, 0x90, 8, &base), 0);
		cmd = genpt_physmem_ptr(t->pm, (base & 0xfffffffffffe0ull) +
						       16 * ((v - 1) & ((1u << (base & 31)) - 1)));
		pthread_mutex_lock(&t->lock);
		if ((cmd[0] & 0xff) == 0x46 && t->state == 1) {
			t->state = 2;
			pthread_cond_broadcast(&t->cond);
		}
		pthread_mutex_unlock(&t->lock);
	}
	return genpt_smmu_mmio_ops.write(ctx, off, size, v);
}

static const struct genpt_smmu_mmio_ops trap_mmio = { trap_rd, trap_wr };

struct parked {
	struct genpt_smmu *smmu;
	int err;
};

static void *parked_writer(void *arg)
{
	struct parked *p = arg;
	uint64_t v = 0xfeedface;

	p->err = genpt_smmu_dma(p->smmu, 40, 0x3000, &v, 8, GENPT_ACCESS_WRITE);
	return NULL;
}

Test(smmuv3_concurrent, cmd_sync_waits_for_writes_in_flight, .timeout = 120)
{
	struct trap t = { .state = 3 };
	struct genpt_smmudrv_config dc = { .mmio = &trap_mmio, .mem = &trap_mem };
	struct genpt_smmudrv_domain dom = { GENPT_SMMUDRV_STAGE2, 5 };
	struct genpt_config tc = { .format = GENPT_FMT_ARMV8, .va_bits = 32, .oa_bits = 48,
				   .features = GENPT_FEAT_ARMV8_S2 | GENPT_FEAT_ARMV8_DBM,
				   .mem = &trap_mem, .mem_ctx = &t };
	uint64_t bits[1] = { 0 }, ram, v = 1;
	struct genpt_dirty_bitmap bm = { .bits = bits, .iova = 0, .length = 64 * 4096,
					 .page_shift = 12 };
	struct genpt_smmudrv *drv;
	struct parked p;
	struct genpt *pt;
	pthread_t th;

	the_trap = &t;
	cr_assert_eq(pthread_mutex_init(&t.lock, NULL), 0);
	cr_assert_eq(pthread_cond_init(&t.cond, NULL), 0);
	cr_assert_eq(genpt_physmem_create(0, 64 * SMMU_MiB, &t.pm), 0);
	cr_assert_eq(genpt_smmu_create(NULL, &trap_mem, &t, &t.smmu), 0);
	dc.mmio_ctx = t.smmu;
	dc.mem_ctx = &t;
	cr_assert_eq(genpt_smmudrv_create(&dc, &drv), 0);
	cr_assert_eq(genpt_create(&tc, &pt), 0);
	cr_assert_eq(genpt_physmem_alloc(t.pm, 64 * 4096, 4096, &ram), 0);
	cr_assert_eq(genpt_smmudrv_map(drv, pt, 0, ram, 64 * 4096, GENPT_READ | GENPT_WRITE), 0);
	cr_assert_eq(genpt_smmudrv_attach(drv, 40, pt, &dom), 0);
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking(drv, pt, true), 0);
	/* the first write caches the translation writable-dirty */
	cr_assert_eq(genpt_smmu_dma(t.smmu, 40, 0x3000, &v, 8, GENPT_ACCESS_WRITE), 0);

	pthread_mutex_lock(&t.lock);
	t.page = ram + 0x3000;
	t.state = 0;
	pthread_mutex_unlock(&t.lock);
	p = (struct parked){ .smmu = t.smmu };
	cr_assert_eq(pthread_create(&th, NULL, parked_writer, &p), 0);
	pthread_mutex_lock(&t.lock);
	while (t.state != 1)
		pthread_cond_wait(&t.cond, &t.lock);
	pthread_mutex_unlock(&t.lock);

	cr_assert_eq(genpt_smmudrv_read_and_clear_dirty(drv, pt, 0, 64 * 4096, 0, &bm), 0);
	cr_assert_eq(bits[0], 1ull << 3, "the first write is reported");
	cr_assert_eq(__atomic_load_n((uint64_t *)genpt_physmem_ptr(t.pm, ram + 0x3000),
				     __ATOMIC_ACQUIRE),
		     0xfeedface, "CMD_SYNC completed after the write in flight landed");
	cr_assert_eq(pthread_join(th, NULL), 0);
	cr_assert_eq(p.err, 0);
	bits[0] = 0;
	cr_assert_eq(genpt_smmudrv_read_and_clear_dirty(drv, pt, 0, 64 * 4096, 0, &bm), 0);
	cr_assert_eq(bits[0], 0, "the parked write used the old translation: not marked");

	t.state = 3;
	cr_assert_eq(genpt_smmudrv_detach(drv, 40), 0);
	genpt_destroy(pt);
	genpt_smmudrv_destroy(drv);
	genpt_smmu_destroy(t.smmu);
	genpt_physmem_destroy(t.pm);
	pthread_cond_destroy(&t.cond);
	pthread_mutex_destroy(&t.lock);
}
