/* SPDX-License-Identifier: MIT */
/*
 * test_rviommu_concurrent.c - the RISC-V IOMMU model under threads: register
 * traffic and commands racing translations, and no stale fill after an
 * invalidation.  Must be clean under ThreadSanitizer.  Devices writing
 * while the driver helper harvests is drv_flows::live_migration
 * (test_drv_flows.c, both drivers).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>

#include "ptrap.h"
#include "rvi_util.h"

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
