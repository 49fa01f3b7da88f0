// SPDX-License-Identifier: MIT
/*
 * test_smmuv3_noncoherent.c - the SMMUv3 driver helper with an SMMU that
 * does not snoop the CPU caches (genpt_mem_ops.flush).
 *
 * The memory provider (support/flushmem.h) keeps what the CPU wrote apart
 * from what the SMMU reads; only flush moves bytes across.  The model
 * reads memory only, so a stream table entry, level-1 descriptor, CD or
 * command the helper wrote but did not flush is poison (or stale) for it:
 * the transaction faults, a command is illegal or a CMD_SYNC never
 * completes.  fm_check() after every call finds any write left unflushed
 * and any link (L1 descriptor, STE to CD) made visible before what it
 * points at.  What the SMMU writes (A/D, event records, the sync word)
 * reaches the CPU coherently (fm_hw_begin/end around each register
 * access and translation).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "flushmem.h"
#include "genpt/smmuv3_drv.h"
#include "genpt/smmuv3_model.h"
#include "testutil.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define IOVA (1ull << 30)
#define PA (1ull << 36) /* never touched: translations only */
#define LEN (4 * (2ull << 20))

struct nc_smmu {
	struct fm_prov p;
	struct genpt_smmu *smmu;
	struct genpt_smmudrv *drv;
	struct genpt *pt;
	uint32_t sid;
	bool corrupt; /* the next command handed over is illegal in memory */
};

/* Memory's copy of the command before the PROD value @prod: an illegal
 * opcode (what a command error looks like to the SMMU). */
static void nc_corrupt(struct nc_smmu *t, uint64_t prod)
{
	uint64_t base;
	unsigned int log2;

	cr_assert_eq(genpt_smmu_reg_read(t->smmu, GENPT_SMMU_REG_CMDQ_BASE, 8, &base), 0);
	log2 = base & 0x1f;
	base &= ((1ull << 52) - 1) & ~0x1full;
	*(uint64_t *)fm_mem(&t->p, base + GENPT_SMMU_CMD_SIZE *
					   ((prod - 1) & ((1ull << log2) - 1))) = 0xff;
}

/* Each register access may make the SMMU write memory (A/D, events, the
 * sync word): copied to the CPU side as coherent hardware writes are. */
static int nc_mmio_read(void *ctx, uint32_t off, unsigned int size, uint64_t *v)
{
	struct nc_smmu *t = ctx;
	struct fm_snap s;
	int err;

	fm_hw_begin(&t->p, &s);
	err = genpt_smmu_reg_read(t->smmu, off, size, v);
	fm_hw_end(&t->p, &s);
	return err;
}

static int nc_mmio_write(void *ctx, uint32_t off, unsigned int size, uint64_t v)
{
	struct nc_smmu *t = ctx;
	struct fm_snap s;
	int err;

	if (t->corrupt && off == GENPT_SMMU_REG_CMDQ_PROD) {
		t->corrupt = false;
		nc_corrupt(t, v);
	}
	fm_hw_begin(&t->p, &s);
	err = genpt_smmu_reg_write(t->smmu, off, size, v);
	fm_hw_end(&t->p, &s);
	return err;
}

static const struct genpt_smmu_mmio_ops nc_mmio = { nc_mmio_read, nc_mmio_write };

static void nc_init(struct nc_smmu *t, bool two_level, bool s2)
{
	struct genpt_smmudrv_config dc = { .mmio = &nc_mmio, .mmio_ctx = t,
					   .mem = &fm_ops, .two_level = two_level,
					   .sid_bits = two_level ? 12 : 6 };
	struct genpt_config tc = { .format = GENPT_FMT_ARMV8, .va_bits = 40, .oa_bits = 48,
				   .granule_bits = 12,
				   .features = GENPT_FEAT_ARMV8_DBM |
					       (s2 ? GENPT_FEAT_ARMV8_S2 : 0),
				   .mem = &fm_ops };

	memset(t, 0, sizeof(*t));
	fm_init(&t->p, false);
	t->sid = two_level ? 0x5a3 : 0x21;
	/* The SMMU reads memory only, never the CPU's copy. */
	cr_assert_eq(genpt_smmu_create(NULL, &fm_walker_ops, &t->p, &t->smmu), 0);
	dc.mem_ctx = &t->p;
	cr_assert_eq(genpt_smmudrv_create(&dc, &t->drv), 0);
	fm_check(&t->p, "smmudrv", "create (stream table, queues)");
	tc.mem_ctx = &t->p;
	cr_assert_eq(genpt_create(&tc, &t->pt), 0);
}

static void nc_fini(struct nc_smmu *t)
{
	genpt_smmudrv_destroy(t->drv);
	genpt_destroy(t->pt);
	genpt_smmu_destroy(t->smmu);
	fm_fini(&t->p);
}

/* A device write at @iova; the event (0: translated to the right address). */
static unsigned int nc_write(struct nc_smmu *t, uint64_t iova)
{
	struct genpt_smmu_req req = { .sid = t->sid, .iova = iova,
				      .access = GENPT_ACCESS_WRITE };
	struct genpt_smmu_rsp rsp = { 0 };
	struct fm_snap s;

	fm_hw_begin(&t->p, &s);
	cr_assert_eq(genpt_smmu_translate(t->smmu, &req, &rsp), 0);
	fm_hw_end(&t->p, &s);
	if (!rsp.event)
		cr_expect_eq(rsp.pa, PA + (iova - IOVA), "SMMU translated %#llx to %#llx",
			     (unsigned long long)iova, (unsigned long long)rsp.pa);
	return rsp.event;
}

static uint64_t nc_harvest(struct nc_smmu *t, const char *what)
{
	uint64_t bits[LEN / 4096 / 64] = { 0 };
	struct genpt_dirty_bitmap bm = { bits, IOVA, LEN, 12 };

	cr_assert_eq(genpt_smmudrv_read_and_clear_dirty(t->drv, t->pt, IOVA, LEN, 0, &bm),
		     0, "%s", what);
	fm_check(&t->p, "smmudrv", what);
	return tu_popcount(bits, LEN / 4096 / 64);
}

/* Harvest rounds: each write is found once, as @pages pages (its leaf). */
static void nc_rounds(struct nc_smmu *t, const char *mode, uint64_t pages)
{
	nc_harvest(t, "harvest from a clean slate");
	for (unsigned int k = 0; k < 3; k++) {
		cr_expect_eq(nc_write(t, IOVA + 0x3000 + k * 0x210000), 0, "%s", mode);
		cr_expect_eq(nc_harvest(t, "harvest"), pages, "%s round %u: the write is lost",
			     mode, k);
		cr_expect_eq(nc_harvest(t, "second harvest"), 0, "%s", mode);
	}
}

/* Map, attach, track (plain and split), harvest, unmap, detach: after each
 * the SMMU reads what the CPU wrote. */
static void nc_flow(bool two_level, bool s2)
{
	struct genpt_smmudrv_domain dom = { s2 ? GENPT_SMMUDRV_STAGE2 : GENPT_SMMUDRV_STAGE1,
					    9 };
	struct genpt_smmu_event ev[4];
	struct nc_smmu t;
	uint64_t done = 0;

	nc_init(&t, two_level, s2);
	/* A level-1 descriptor with Span 0: C_BAD_STREAMID. */
	cr_expect_eq(nc_write(&t, IOVA), two_level ? GENPT_SMMU_EVT_C_BAD_STREAMID :
						     GENPT_SMMU_EVT_C_BAD_STE, "before attach");
	cr_assert_eq(genpt_smmudrv_map(t.drv, t.pt, IOVA, PA, LEN, RW), 0);
	fm_check(&t.p, "smmudrv", "map");
	cr_assert_eq(genpt_smmudrv_attach(t.drv, t.sid, t.pt, &dom), 0);
	fm_check(&t.p, "smmudrv", "attach (L1 descriptor, level-2 table, STE, CD)");
	cr_expect_eq(nc_write(&t, IOVA + 0x5000), 0, "write after attach");
	/* A command error: the helper replaces the bad command by a CMD_SYNC,
	 * which the SMMU must read from memory for the queue to run again. */
	t.corrupt = true;
	cr_expect_eq(genpt_smmudrv_invalidate(t.drv, t.pt, IOVA, IOVA + 4095), -EIO);
	fm_check(&t.p, "smmudrv", "command error recovered");
	cr_expect_eq(genpt_smmudrv_invalidate(t.drv, t.pt, IOVA, IOVA + 4095), 0,
		     "the queue runs again");
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking(t.drv, t.pt, true), 0);
	fm_check(&t.p, "smmudrv", "tracking on (HA/HD)");
	nc_rounds(&t, "blocks", 512);
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking(t.drv, t.pt, false), 0);
	fm_check(&t.p, "smmudrv", "tracking off");
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking_split(t.drv, t.pt, true, 12), 0);
	fm_check(&t.p, "smmudrv", "split tracking on");
	nc_rounds(&t, "split", 1);
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking_split(t.drv, t.pt, false, 12), 0);
	fm_check(&t.p, "smmudrv", "split tracking off (merge)");
	cr_expect_eq(nc_write(&t, IOVA + 0x7000), 0, "write, tracking off");
	cr_assert_eq(genpt_smmudrv_unmap_read_dirty(t.drv, t.pt, IOVA, LEN, NULL, &done), 0);
	fm_check(&t.p, "smmudrv", "unmap");
	cr_expect_eq(nc_write(&t, IOVA), GENPT_SMMU_EVT_F_TRANSLATION, "after unmap");
	cr_assert_eq(genpt_smmudrv_detach(t.drv, t.sid), 0);
	fm_check(&t.p, "smmudrv", "detach");
	cr_expect_eq(nc_write(&t, IOVA), GENPT_SMMU_EVT_C_BAD_STE,
		     "the STE is still valid for the SMMU");
	/* The records the SMMU wrote reach the poller. */
	cr_expect_eq(genpt_smmudrv_poll_events(t.drv, ev, 4, NULL), 3);
	cr_expect_eq(ev[0].id, two_level ? GENPT_SMMU_EVT_C_BAD_STREAMID :
					   GENPT_SMMU_EVT_C_BAD_STE);
	cr_expect_eq(ev[1].id, GENPT_SMMU_EVT_F_TRANSLATION);
	cr_expect_eq(ev[2].id, GENPT_SMMU_EVT_C_BAD_STE);
	fm_check(&t.p, "smmudrv", "poll events");
	nc_fini(&t);
}

Test(smmuv3_noncoherent, linear_stage2)
{
	nc_flow(false, true);
}

Test(smmuv3_noncoherent, linear_stage1)
{
	nc_flow(false, false);
}

Test(smmuv3_noncoherent, two_level_stage2)
{
	nc_flow(true, true);
}

Test(smmuv3_noncoherent, two_level_stage1)
{
	nc_flow(true, false);
}
