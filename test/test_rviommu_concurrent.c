/* SPDX-License-Identifier: MIT */
/*
 * test_rviommu_concurrent.c - devices doing DMA through the RISC-V IOMMU
 * model from several threads while the main thread harvests dirty pages
 * through the driver helper (and edits a scratch region, invalidates and
 * polls faults).  Must be clean under ThreadSanitizer.
 *
 * What is checked: no dirty page is lost and none is invented.  Harvest k
 * (0-based) bumps "started" to k + 1 before it begins and "completed" to
 * k + 1 when it is done (the last harvest runs after the devices stop).  A
 * device write that starts when completed reads e and returns when started
 * reads s must be reported by a harvest k with e <= k <= s: harvest s began
 * after the write finished, so it or an earlier one that was not yet done
 * when the write began must have seen it.  A page reported by harvest k must
 * have been written by a write that started when completed read at most k.
 * Without the driver's invalidation after each harvest, a write through a
 * translation the IOTLB cached dirty before the harvest would not be seen
 * by harvest s (test_rviommu_cache shows the hazard on its own).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ptrap.h"
#include "rvi_util.h"

#define MiB (1ull << 20)
#define RAM (64 * MiB)      /* tracked guest RAM */
#define L_2M_END (16 * MiB) /* [0,16M) 2M leaves, [16M,32M) 64K runs, [32M,64M) 4K */
#define L_64K_END (32 * MiB)
#define SCRATCH RAM         /* [64M, 64M + 4M): mapped and unmapped at random */
#define SCRATCH_LEN (4 * MiB)
#define PAGES (RAM >> 12)
#define WORDS (PAGES / 64)
#define MAX_HARVESTS 1024
#define THREADS 2
#define OPS 6000

struct cc_write {
	uint64_t gpa;
	unsigned int epoch; /* harvests completed when the write started */
	unsigned int until; /* harvests started when it returned */
};

struct cc {
	struct rvi_env e;
	struct genpt_rvdrv *drv;
	struct genpt *pt;
	uint64_t ram;
	unsigned int started;   /* atomic: harvests begun */
	unsigned int completed; /* atomic: harvests finished */
	unsigned int running;   /* atomic: device threads still going */
	uint64_t *bitmaps;      /* MAX_HARVESTS x WORDS */
};

struct cc_dev {
	struct cc *cc;
	uint32_t did;
	uint64_t seed;
	struct cc_write *w;
	unsigned int nw;
	unsigned int errors;
};

static uint64_t leaf_size(uint64_t gpa)
{
	return gpa < L_2M_END ? 2 * MiB : gpa < L_64K_END ? 64 * 1024 : 4096;
}

static void *cc_device(void *arg)
{
	struct cc_dev *dev = arg;
	struct cc *cc = dev->cc;

	for (unsigned int i = 0; i < OPS; i++) {
		uint64_t r = rvi_rand(&dev->seed), v = r;
		unsigned int kind = (unsigned int)(r % 8);
		int err;

		if (kind < 5) {
			/* a write somewhere in tracked RAM */
			uint64_t gpa = (rvi_rand(&dev->seed) % RAM) & ~7ull;
			unsigned int epoch = __atomic_load_n(&cc->completed, __ATOMIC_ACQUIRE);

			err = genpt_rviommu_dma(cc->e.iommu, dev->did, gpa, &v, 8,
						GENPT_ACCESS_WRITE);
			if (err)
				dev->errors++;
			dev->w[dev->nw++] = (struct cc_write){
				gpa, epoch, __atomic_load_n(&cc->started, __ATOMIC_ACQUIRE) };
		} else if (kind < 7) {
			uint64_t gpa = (rvi_rand(&dev->seed) % RAM) & ~7ull;

			if (genpt_rviommu_dma(cc->e.iommu, dev->did, gpa, &v, 8, GENPT_ACCESS_READ))
				dev->errors++;
		} else {
			/* the scratch region: mapped or not, at the main
			 * thread's whim; faults are expected */
			uint64_t gpa = SCRATCH + (rvi_rand(&dev->seed) % SCRATCH_LEN);

			err = genpt_rviommu_dma(cc->e.iommu, dev->did, gpa & ~7ull, &v, 8,
						GENPT_ACCESS_READ);
			if (err && err != -EFAULT)
				dev->errors++;
		}
	}
	__atomic_fetch_sub(&cc->running, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void cc_harvest(struct cc *cc, unsigned int k)
{
	struct genpt_dirty_bitmap bm = { .bits = cc->bitmaps + (size_t)k * WORDS, .iova = 0,
					 .length = RAM, .page_shift = 12 };

	__atomic_store_n(&cc->started, k + 1, __ATOMIC_RELEASE);
	cr_assert_eq(genpt_rvdrv_read_and_clear_dirty(cc->drv, cc->pt, 0, RAM, 0, &bm), 0);
	__atomic_store_n(&cc->completed, k + 1, __ATOMIC_RELEASE);
}

static bool reported(const struct cc *cc, unsigned int k, uint64_t page)
{
	return cc->bitmaps[(size_t)k * WORDS + page / 64] & (1ull << (page % 64));
}

Test(rviommu_concurrent, devices_write_while_the_driver_harvests, .timeout = 240)
{
	struct genpt_rvdrv_config dcfg = { .mmio = &genpt_rviommu_mmio_ops,
					   .mem = &genpt_physmem_ops };
	struct genpt_rvdrv_domain dom = { GENPT_RVDRV_STAGE2, 11 };
	struct genpt_config tcfg = { .format = GENPT_FMT_RISCV, .va_bits = 41,
				     .features = GENPT_FEAT_RISCV_GSTAGE |
						 GENPT_FEAT_RISCV_SVNAPOT,
				     .mem = &genpt_physmem_ops };
	const unsigned int rw = GENPT_READ | GENPT_WRITE;
	struct cc *cc = calloc(1, sizeof(*cc));
	struct cc_dev dev[THREADS];
	pthread_t th[THREADS];
	unsigned int h = 0, scratch_on = 0;
	unsigned int *min_epoch;
	uint64_t seed = 99;

	cr_assert_not_null(cc);
	rvi_env_init(&cc->e, RVI_CAPS_EXT, 2048 * MiB);
	dcfg.mmio_ctx = cc->e.iommu;
	dcfg.mem_ctx = cc->e.pm;
	tcfg.mem_ctx = cc->e.pm;
	cr_assert_eq(genpt_rvdrv_create(&dcfg, &cc->drv), 0);
	cr_assert_eq(genpt_create(&tcfg, &cc->pt), 0);
	cr_assert_eq(genpt_physmem_alloc(cc->e.pm, RAM + SCRATCH_LEN + 4096, 2 * MiB, &cc->ram), 0);
	cr_assert_eq(genpt_rvdrv_map(cc->drv, cc->pt, 0, cc->ram, L_2M_END, rw), 0);
	for (uint64_t g = L_2M_END; g < L_64K_END; g += 64 * 1024)
		cr_assert_eq(genpt_rvdrv_map(cc->drv, cc->pt, g, cc->ram + g, 64 * 1024, rw), 0);
	cr_assert_eq(genpt_rvdrv_map(cc->drv, cc->pt, L_64K_END, cc->ram + L_64K_END + 4096,
				     RAM - L_64K_END, rw), 0);
	for (unsigned int i = 0; i < THREADS; i++)
		cr_assert_eq(genpt_rvdrv_attach(cc->drv, 0x100 + i, cc->pt, &dom), 0);
	cr_assert_eq(genpt_rvdrv_set_dirty_tracking(cc->drv, cc->pt, true), 0);
	cc->bitmaps = calloc((size_t)MAX_HARVESTS * WORDS, 8);
	cr_assert_not_null(cc->bitmaps);

	cc->running = THREADS;
	for (unsigned int i = 0; i < THREADS; i++) {
		dev[i] = (struct cc_dev){ .cc = cc, .did = 0x100 + i, .seed = 1000 + i,
					  .w = calloc(OPS, sizeof(struct cc_write)) };
		cr_assert_not_null(dev[i].w);
		cr_assert_eq(pthread_create(&th[i], NULL, cc_device, &dev[i]), 0);
	}

	/* Harvest while the devices run; edit the scratch region, invalidate
	 * at random and drain the fault queue in between. */
	while (__atomic_load_n(&cc->running, __ATOMIC_ACQUIRE) && h < MAX_HARVESTS - 1) {
		struct genpt_rviommu_fault f[16];
		uint64_t a = rvi_rand(&seed) % RAM;

		cc_harvest(cc, h++);
		if (scratch_on)
			cr_assert_eq(genpt_rvdrv_unmap(cc->drv, cc->pt, SCRATCH, SCRATCH_LEN, NULL), 0);
		else
			cr_assert_eq(genpt_rvdrv_map(cc->drv, cc->pt, SCRATCH, cc->ram + RAM,
						     SCRATCH_LEN, GENPT_READ), 0);
		scratch_on = !scratch_on;
		cr_assert_eq(genpt_rvdrv_invalidate(cc->drv, cc->pt, a & ~4095ull, a | 4095), 0);
		while (genpt_rvdrv_poll_faults(cc->drv, f, 16, NULL) > 0)
			;
	}
	for (unsigned int i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_join(th[i], NULL), 0);
	cc_harvest(cc, h); /* the last harvest, index h */

	/* No write lost: reported by a harvest that had not completed when
	 * the write started and had started by the time it returned. */
	min_epoch = malloc(PAGES * sizeof(*min_epoch));
	cr_assert_not_null(min_epoch);
	for (uint64_t p = 0; p < PAGES; p++)
		min_epoch[p] = UINT32_MAX;
	for (unsigned int i = 0; i < THREADS; i++) {
		cr_assert_eq(dev[i].errors, 0, "device %u: DMA errors", i);
		for (unsigned int j = 0; j < dev[i].nw; j++) {
			const struct cc_write *w = &dev[i].w[j];
			uint64_t first = (w->gpa & ~(leaf_size(w->gpa) - 1)) >> 12;
			bool ok = false;

			for (unsigned int k = w->epoch; k <= w->until && k <= h && !ok; k++)
				ok = reported(cc, k, first);
			cr_assert(ok, "write to 0x%llx (harvests %u..%u of %u) lost",
				  (unsigned long long)w->gpa, w->epoch, w->until, h + 1);
			if (w->epoch < min_epoch[first])
				min_epoch[first] = w->epoch;
		}
	}
	/* Nothing invented: each reported leaf was written before that
	 * harvest completed; reports cover whole leaves. */
	for (unsigned int k = 0; k <= h; k++) {
		for (uint64_t p = 0; p < PAGES; p++) {
			uint64_t first;

			if (!reported(cc, k, p))
				continue;
			first = ((p << 12) & ~(leaf_size(p << 12) - 1)) >> 12;
			cr_assert(reported(cc, k, first), "partial leaf in harvest %u", k);
			cr_assert_leq(min_epoch[first], k, "harvest %u reports page 0x%llx unwritten",
				      k, (unsigned long long)p);
		}
	}
	cr_log_info("%u harvests during %u x %u device operations", h + 1, THREADS, OPS);

	for (unsigned int i = 0; i < THREADS; i++) {
		cr_assert_eq(genpt_rvdrv_detach(cc->drv, 0x100 + i), 0);
		free(dev[i].w);
	}
	free(min_epoch);
	free(cc->bitmaps);
	genpt_rvdrv_destroy(cc->drv);
	genpt_destroy(cc->pt);
	rvi_env_fini(&cc->e);
	free(cc);
}

/* Register traffic and command processing from several threads at once,
 * racing with translations: the model serializes them. */
struct cc_reg {
	struct rvi_env *e;
	uint64_t seed;
	unsigned int bad;
};

static void *cc_translator(void *arg)
{
	struct cc_reg *r = arg;

	for (unsigned int i = 0; i < 3000; i++) {
		uint32_t did = (uint32_t)(rvi_rand(&r->seed) % 4);
		unsigned int cause = rvi_try_xlate(r->e->iommu, did, (rvi_rand(&r->seed) % 64) << 12,
						   GENPT_ACCESS_WRITE);

		/* devices 0-2 are mapped; 3 has no DC and faults */
		if (cause == RVI_XLATE_ERR || (cause && did < 3))
			r->bad++;
	}
	return NULL;
}

Test(rviommu_concurrent, commands_race_translations, .timeout = 120)
{
	struct rvi_env e;
	struct cc_reg r[2];
	pthread_t th[2];
	uint64_t root;

	rvi_env_ddt(&e, 0, 3);
	rvi_gstage_pages(&e, 3, 2, 64, 4096, &root);
	for (unsigned int i = 0; i < 2; i++) {
		r[i] = (struct cc_reg){ .e = &e, .seed = 7 + i };
		cr_assert_eq(pthread_create(&th[i], NULL, cc_translator, &r[i]), 0);
	}
	/* device 3 faults (no DC): the fault queue fills and is drained */
	for (unsigned int i = 0; i < 400; i++) {
		switch (i % 4) {
		case 0:
			rvi_cmd(&e, RVI_CMD_GVMA(0, 1, 2), 0);
			break;
		case 1:
			rvi_cmd(&e, RVI_CMD_INVAL_DDT(0, 0), 0);
			break;
		case 2:
			/* clean a page behind the IOMMU's back, then invalidate */
			__atomic_fetch_and(rvi_p(&e, rvi_pt_slot(&e, root, 3, true, (i % 64) << 12, 0)),
					   ~RVI_D, __ATOMIC_ACQ_REL);
			rvi_cmd(&e, RVI_CMD_GVMA(1, 1, 2), RVI_CMD_ADDR((i % 64) << 12));
			break;
		default:
			rvi_fence(&e);
			rvi_fault_drain(&e);
			if (rvi_rd(&e, RVI_REG_FQCSR, 4) & RVI_FQCSR_FQOF)
				rvi_wr(&e, RVI_REG_FQCSR, 4, RVI_FQCSR_FQEN | RVI_FQCSR_FQOF);
			break;
		}
	}
	for (unsigned int i = 0; i < 2; i++) {
		cr_assert_eq(pthread_join(th[i], NULL), 0);
		cr_assert_eq(r[i].bad, 0);
	}
	rvi_env_fini(&e);
}

/*
 * A translation that read a dirty PTE before software cleaned it and
 * invalidated must not put that stale dirty translation into the IOTLB
 * afterwards.  A memory provider (ptrap.h) parks the translating thread in
 * the middle of its walk (after the first-stage leaf was read, before the
 * G-stage walk of the data page) while the main thread cleans D and runs
 * IOTINVAL.VMA.
 */
struct trap_xlate {
	struct genpt_rviommu *iommu;
	uint64_t iova;
	unsigned int cause;
};

static void *trap_writer(void *arg)
{
	struct trap_xlate *x = arg;

	x->cause = rvi_try_xlate(x->iommu, 1, x->iova, GENPT_ACCESS_WRITE);
	return NULL;
}

Test(rviommu_concurrent, no_stale_fill_after_invalidation)
{
	struct rvi_env e;
	struct ptrap tm;
	struct genpt_rviommu *iommu;
	struct trap_xlate x;
	pthread_t th;
	const uint64_t data_gpa = 1ull << 40; /* its own G-stage root slot */
	uint64_t fs, gs, data, leaf;
	struct genpt_rviommu_req req = { .device_id = 1, .iova = 0x5000,
					 .access = GENPT_ACCESS_WRITE };
	struct genpt_rviommu_rsp rsp;

	rvi_env_init(&e, 0, 0);
	ptrap_init(&tm, e.pm); /* idle while setting up */
	/* a second IOMMU over the trapping provider, programmed by hand */
	cr_assert_eq(genpt_rviommu_create(NULL, &ptrap_ops, &tm, &iommu), 0);
	genpt_rviommu_destroy(e.iommu);
	e.iommu = iommu;
	e.caps = rvi_rd(&e, RVI_REG_CAP, 8);
	e.ext = true;
	rvi_wr(&e, RVI_REG_CQB, 8, ((e.cq_pa >> 12) << 10) | 5);
	rvi_wr(&e, RVI_REG_CQCSR, 4, RVI_CQCSR_CQEN);
	e.cqt = 0;
	rvi_ddt_init(&e, 3);

	fs = rvi_pt_root(&e, false);
	gs = rvi_pt_root(&e, true);
	data = rvi_alloc(&e, 1ull << 30, 1ull << 30);
	/* G-stage: identity 1 GiB leaves over the memory, the data page at
	 * GPA 1 TiB; everything accessed and dirty */
	rvi_gs_identity_gib(&e, gs, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D);
	rvi_pt_set(&e, gs, 3, true, data_gpa, 2,
		   RVI_LEAF(data, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D));
	leaf = rvi_pt_set(&e, fs, 3, false, 0x5000, 0,
			  RVI_LEAF(data_gpa, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D));
	rvi_pt_set(&e, fs, 3, false, 0x6000, 0, RVI_LEAF(data_gpa, RVI_R | RVI_U | RVI_A));
	rvi_dc_write(&e, 1, RVI_TC_V | RVI_TC_SADE | RVI_TC_GADE, RVI_ATP(8, 3, gs),
		     RVI_TA_PSCID(4), RVI_ATP(8, 0, fs));
	cr_assert_eq(rvi_xlate(&e, 1, 0x6000, GENPT_ACCESS_READ, NULL), 0, "caches the DC");

	/* park the writer on its read of the data page's G-stage root entry */
	ptrap_arm(&tm, gs + ((data_gpa >> 30) & 0x7ff) * 8, false);
	x = (struct trap_xlate){ .iommu = iommu, .iova = 0x5000 };
	cr_assert_eq(pthread_create(&th, NULL, trap_writer, &x), 0);
	ptrap_wait_parked(&tm);

	/* the writer has seen D=1 in the first-stage leaf: clean, invalidate
	 * (the IOFENCE.C that completes the invalidation waits for the walk
	 * in flight, so it comes after the release) */
	__atomic_fetch_and(rvi_p(&e, leaf), ~RVI_D, __ATOMIC_ACQ_REL);
	rvi_cmd(&e, RVI_CMD_VMA(1, 1, 4, 1, 3), RVI_CMD_ADDR(0x5000));

	ptrap_release(&tm);
	cr_assert_eq(pthread_join(th, NULL), 0);
	cr_assert_eq(x.cause, 0, "the parked write completes (it was in flight)");
	rvi_fence(&e);

	/* a write after the invalidation must walk and set D again */
	cr_assert_eq(genpt_rviommu_translate(iommu, &req, &rsp), 0);
	cr_assert_eq(rsp.cause, 0);
	cr_assert_not(rsp.iotlb_hit, "no stale dirty translation was cached");
	cr_assert(rvi_get(&e, leaf) & RVI_D);

	rvi_env_fini(&e);
	ptrap_fini(&tm);
}
