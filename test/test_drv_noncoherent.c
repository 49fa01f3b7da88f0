// SPDX-License-Identifier: MIT
/*
 * test_drv_noncoherent.c - the driver helpers (SMMUv3 and RISC-V IOMMU)
 * with an IOMMU that does not snoop the CPU caches (genpt_mem_ops.flush):
 * one scenario, run over both drivers and their configurations.
 *
 * The memory provider (support/flushmem.h) keeps what the CPU wrote apart
 * from what the IOMMU reads; only flush moves bytes across.  The models
 * read memory only, so a structure or command the helper wrote but did
 * not flush (STE, level-1 descriptor, CD, device context, directory page)
 * is poison (or stale) for them: the transaction faults, a command is
 * illegal or a sync never completes.  fm_check() after every call finds
 * any write left unflushed and any link (L1 descriptor, STE to CD,
 * directory entry) made visible before what it points at; fm_ring() before
 * every register write, a write not yet flushed when the helper rings the
 * IOMMU (the break of a break-before-make step, SMMUv3 BBML 0 and 1,
 * invalidated before it is in memory: the SMMU may cache the old entry
 * again, and the make step's flush of the same bytes hides it from
 * fm_check()).  What the IOMMU writes (A/D, event and fault records, the
 * sync word) reaches the CPU coherently (fm_hw_begin/end around each
 * register access and translation).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "flushmem.h"
#include "genpt/smmuv3_drv.h"
#include "genpt/smmuv3_model.h"
#include "rvi_util.h"
#include "testutil.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define IOVA (1ull << 30)
#define PA (1ull << 36) /* never touched: translations only */
#define LEN (4 * (2ull << 20))

/* One driver helper on its model: the SMMUv3 (@sd set) or the RISC-V IOMMU. */
struct nc_drv {
	const char *name; /* driver and configuration, for messages */
	struct fm_prov p;
	struct genpt *pt;
	struct genpt_smmu *smmu;
	struct genpt_smmudrv *sd;
	struct genpt_smmudrv_domain sdom;
	struct genpt_rviommu *iommu;
	struct genpt_rvdrv *rd;
	struct genpt_rvdrv_domain rdom;
	struct fm_mmio mmio;
	uint32_t id;          /* StreamID or device_id */
	unsigned int fault[3]; /* the fault before attach, after unmap, after detach */
	bool corrupt; /* SMMUv3: the next command handed over is illegal in memory */
	unsigned int bbml; /* SMMUv3: IDR3.BBML */
};

/* The same call of either helper: past the driver, their arguments match. */
#define NC_DRV(t, fn, ...)                                             \
	((t)->sd ? genpt_smmudrv_##fn((t)->sd, __VA_ARGS__) :          \
		   genpt_rvdrv_##fn((t)->rd, __VA_ARGS__))

/* The command before the PROD value @prod: an illegal opcode (what a
 * command error looks like to the SMMU), in both copies, as if the driver
 * had written and flushed it: the queue memory stays flushed for fm_ring(),
 * and only the helper's replacement, flushed, lets the queue run again. */
static void nc_corrupt(struct nc_drv *t, uint64_t prod)
{
	uint64_t base, pa;
	unsigned int log2;

	cr_assert_eq(genpt_smmu_reg_read(t->smmu, GENPT_SMMU_REG_CMDQ_BASE, 8, &base), 0);
	log2 = base & 0x1f;
	base &= ((1ull << 52) - 1) & ~0x1full;
	pa = base + GENPT_SMMU_CMD_SIZE * ((prod - 1) & ((1ull << log2) - 1));
	*(uint64_t *)fm_mem(&t->p, pa) = 0xff;
	*(uint64_t *)fm_cpu(&t->p, pa) = 0xff;
}

/* Each register access may make the SMMU write memory (A/D, events, the
 * sync word): copied to the CPU side as coherent hardware writes are. */
static int nc_mmio_read(void *ctx, uint32_t off, unsigned int size, uint64_t *v)
{
	struct nc_drv *t = ctx;
	struct fm_snap s;
	int err;

	fm_hw_begin(&t->p, &s);
	err = genpt_smmu_reg_read(t->smmu, off, size, v);
	fm_hw_end(&t->p, &s);
	return err;
}

static int nc_mmio_write(void *ctx, uint32_t off, unsigned int size, uint64_t v)
{
	struct nc_drv *t = ctx;
	struct fm_snap s;
	int err;

	fm_ring(&t->p);
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

static void nc_smmu_init(struct nc_drv *t, bool two_level, bool s2, unsigned int bbml)
{
	struct genpt_smmu_config mc = { .httu = 3, .bbml = bbml };
	struct genpt_smmudrv_config dc = { .mmio = &nc_mmio, .mmio_ctx = t,
					   .mem = &fm_ops, .two_level = two_level,
					   .sid_bits = two_level ? 12 : 6 };
	struct genpt_config tc = { .format = GENPT_FMT_ARMV8, .va_bits = 40, .oa_bits = 48,
				   .granule_bits = 12,
				   .features = GENPT_FEAT_ARMV8_DBM |
					       (s2 ? GENPT_FEAT_ARMV8_S2 : 0) |
					       /* runs of blocks to split (nc_run_split) */
					       GENPT_FEAT_ARMV8_CONTIG,
				   .mem = &fm_ops };
	static const char *names[3][2][2] = {
		{ { "smmudrv BBML 0 linear stage 1", "smmudrv BBML 0 linear stage 2" },
		  { "smmudrv BBML 0 2-level stage 1", "smmudrv BBML 0 2-level stage 2" } },
		{ { "smmudrv BBML 1 linear stage 1", "smmudrv BBML 1 linear stage 2" },
		  { "smmudrv BBML 1 2-level stage 1", "smmudrv BBML 1 2-level stage 2" } },
		{ { "smmudrv linear stage 1", "smmudrv linear stage 2" },
		  { "smmudrv 2-level stage 1", "smmudrv 2-level stage 2" } }
	};

	memset(t, 0, sizeof(*t));
	t->name = names[bbml][two_level][s2];
	t->bbml = bbml;
	fm_init(&t->p, false);
	t->id = two_level ? 0x5a3 : 0x21;
	t->sdom = (struct genpt_smmudrv_domain){ s2 ? GENPT_SMMUDRV_STAGE2 : GENPT_SMMUDRV_STAGE1,
						 9 };
	/* A level-1 descriptor with Span 0: C_BAD_STREAMID. */
	t->fault[0] = two_level ? GENPT_SMMU_EVT_C_BAD_STREAMID : GENPT_SMMU_EVT_C_BAD_STE;
	t->fault[1] = GENPT_SMMU_EVT_F_TRANSLATION;
	t->fault[2] = GENPT_SMMU_EVT_C_BAD_STE;
	/* The SMMU reads memory only, never the CPU's copy. */
	cr_assert_eq(genpt_smmu_create(&mc, &fm_walker_ops, &t->p, &t->smmu), 0);
	dc.mem_ctx = &t->p;
	cr_assert_eq(genpt_smmudrv_create(&dc, &t->sd), 0);
	fm_check(&t->p, t->name, "create (stream table, queues)");
	tc.mem_ctx = &t->p;
	cr_assert_eq(genpt_create(&tc, &t->pt), 0);
}

static void nc_rv_init(struct nc_drv *t, unsigned int ddt_levels, bool s2)
{
	struct genpt_rviommu_config mcfg = { .capabilities = RVI_CAPS_EXT | GENPT_RVI_CAP_ATS };
	struct genpt_rvdrv_config dcfg = { .mmio = &fm_mmio_ops, .mem = &fm_ops,
					   .ddt_levels = ddt_levels };
	struct genpt_config tc = { .format = GENPT_FMT_RISCV, .va_bits = s2 ? 41 : 39,
				   .features = (s2 ? GENPT_FEAT_RISCV_GSTAGE : 0) |
					       GENPT_FEAT_RISCV_SVNAPOT,
				   .mem = &fm_ops };

	memset(t, 0, sizeof(*t));
	t->name = s2 ? "rvdrv 2-level DDT G-stage" : "rvdrv 3-level DDT first stage";
	fm_init(&t->p, true);
	t->id = 0x123;
	t->rdom = (struct genpt_rvdrv_domain){ s2 ? GENPT_RVDRV_STAGE2 : GENPT_RVDRV_STAGE1, 7 };
	t->fault[0] = GENPT_RVI_CAUSE_DDT_INVALID;
	t->fault[1] = s2 ? GENPT_RVI_CAUSE_WRITE_GUEST_PAGE : GENPT_RVI_CAUSE_WRITE_PAGE;
	t->fault[2] = GENPT_RVI_CAUSE_DDT_INVALID;
	/* The IOMMU reads memory only, never the CPU's copy. */
	cr_assert_eq(genpt_rviommu_create(&mcfg, &fm_walker_ops, &t->p, &t->iommu), 0);
	t->mmio = (struct fm_mmio){ &genpt_rviommu_mmio_ops, t->iommu, &t->p };
	dcfg.mmio_ctx = &t->mmio;
	dcfg.mem_ctx = &t->p;
	cr_assert_eq(genpt_rvdrv_create(&dcfg, &t->rd), 0);
	fm_check(&t->p, t->name, "create (queues, DDT root)");
	tc.mem_ctx = &t->p;
	cr_assert_eq(genpt_create(&tc, &t->pt), 0);
}

static void nc_fini(struct nc_drv *t)
{
	if (t->sd) {
		genpt_smmudrv_destroy(t->sd);
		genpt_destroy(t->pt);
		genpt_smmu_destroy(t->smmu);
	} else {
		genpt_rvdrv_destroy(t->rd);
		genpt_destroy(t->pt);
		genpt_rviommu_destroy(t->iommu);
	}
	fm_fini(&t->p);
}

/* A device write at @iova; the fault (0: translated to the right address). */
static unsigned int nc_write(struct nc_drv *t, uint64_t iova)
{
	struct genpt_smmu_req sreq = { .sid = t->id, .iova = iova, .access = GENPT_ACCESS_WRITE };
	struct genpt_rviommu_req rreq = { .device_id = t->id, .iova = iova,
					  .access = GENPT_ACCESS_WRITE };
	struct genpt_smmu_rsp srsp = { 0 };
	struct genpt_rviommu_rsp rrsp = { 0 };
	struct fm_snap s;
	unsigned int fault;
	uint64_t pa;

	fm_hw_begin(&t->p, &s);
	if (t->sd)
		cr_assert_eq(genpt_smmu_translate(t->smmu, &sreq, &srsp), 0, "%s", t->name);
	else
		cr_assert_eq(genpt_rviommu_translate(t->iommu, &rreq, &rrsp), 0, "%s", t->name);
	fm_hw_end(&t->p, &s);
	fault = t->sd ? srsp.event : rrsp.cause;
	pa = t->sd ? srsp.pa : rrsp.pa;
	if (!fault)
		cr_expect_eq(pa, PA + (iova - IOVA), "%s: translated %#llx to %#llx", t->name,
			     (unsigned long long)iova, (unsigned long long)pa);
	return fault;
}

static uint64_t nc_harvest(struct nc_drv *t, const char *what)
{
	uint64_t bits[LEN / 4096 / 64] = { 0 };
	struct genpt_dirty_bitmap bm = { bits, IOVA, LEN, 12 };

	cr_assert_eq(NC_DRV(t, read_and_clear_dirty, t->pt, IOVA, LEN, 0, &bm), 0, "%s: %s",
		     t->name, what);
	fm_check(&t->p, t->name, what);
	return tu_popcount(bits, LEN / 4096 / 64);
}

/* Harvest rounds: each write is found once, as @pages pages (its leaf). */
static void nc_rounds(struct nc_drv *t, const char *mode, uint64_t pages)
{
	nc_harvest(t, "harvest from a clean slate");
	for (unsigned int k = 0; k < 3; k++) {
		cr_expect_eq(nc_write(t, IOVA + 0x3000 + k * 0x210000), 0, "%s: %s", t->name,
			     mode);
		cr_expect_eq(nc_harvest(t, "harvest"), pages, "%s: %s round %u: the write is lost",
			     t->name, mode, k);
		cr_expect_eq(nc_harvest(t, "second harvest"), 0, "%s: %s", t->name, mode);
	}
}

/* The records the IOMMU wrote (t->fault, in order) reach the poller. */
static void nc_expect_records(struct nc_drv *t)
{
	struct genpt_smmu_event ev[4];
	struct genpt_rviommu_fault f[4];
	int n = t->sd ? genpt_smmudrv_poll_events(t->sd, ev, 4, NULL) :
			genpt_rvdrv_poll_faults(t->rd, f, 4, NULL);

	cr_expect_eq(n, 3, "%s: %d records", t->name, n);
	for (int i = 0; i < n && i < 3; i++)
		cr_expect_eq(t->sd ? ev[i].id : f[i].cause, t->fault[i], "%s: record %d",
			     t->name, i);
	fm_check(&t->p, t->name, "poll records");
}

/* Map, attach, invalidate (SMMUv3: after a command error), track (plain
 * and split), harvest, unmap, detach: after each the IOMMU reads what the
 * CPU wrote. */
static void nc_flow(struct nc_drv *t)
{
	uint64_t done = 0;

	cr_expect_eq(nc_write(t, IOVA), t->fault[0], "%s: before attach", t->name);
	cr_assert_eq(NC_DRV(t, map, t->pt, IOVA, PA, LEN, RW), 0, "%s", t->name);
	fm_check(&t->p, t->name, "map");
	cr_assert_eq(t->sd ? genpt_smmudrv_attach(t->sd, t->id, t->pt, &t->sdom) :
			     genpt_rvdrv_attach(t->rd, t->id, t->pt, &t->rdom), 0, "%s", t->name);
	fm_check(&t->p, t->name, "attach (directory, context)");
	cr_expect_eq(nc_write(t, IOVA + 0x5000), 0, "%s: write after attach", t->name);
	/* RISC-V: ATS on rewrites the live context's tc in one store. */
	if (t->rd) {
		cr_assert_eq(genpt_rvdrv_set_ats(t->rd, t->id, true), 0, "%s", t->name);
		fm_check(&t->p, t->name, "ATS on");
	}
	/* A command error: the helper replaces the bad command by a CMD_SYNC,
	 * which the SMMU must read from memory for the queue to run again. */
	if (t->sd) {
		t->corrupt = true;
		cr_expect_eq(genpt_smmudrv_invalidate(t->sd, t->pt, IOVA, IOVA + 4095), -EIO,
			     "%s", t->name);
		fm_check(&t->p, t->name, "command error recovered");
	}
	cr_expect_eq(NC_DRV(t, invalidate, t->pt, IOVA, IOVA + 4095), 0,
		     "%s: the queue runs", t->name);
	cr_assert_eq(NC_DRV(t, set_dirty_tracking, t->pt, true), 0, "%s", t->name);
	fm_check(&t->p, t->name, "tracking on");
	nc_rounds(t, "blocks", 512);
	cr_assert_eq(NC_DRV(t, set_dirty_tracking, t->pt, false), 0, "%s", t->name);
	fm_check(&t->p, t->name, "tracking off");
	cr_assert_eq(NC_DRV(t, set_dirty_tracking_split, t->pt, true, 12), 0, "%s", t->name);
	fm_check(&t->p, t->name, "split tracking on");
	nc_rounds(t, "split", 1);
	cr_assert_eq(NC_DRV(t, set_dirty_tracking_split, t->pt, false, 12), 0, "%s", t->name);
	fm_check(&t->p, t->name, "split tracking off (merge)");
	cr_expect_eq(nc_write(t, IOVA + 0x7000), 0, "%s: write, tracking off", t->name);
	cr_assert_eq(t->sd ? genpt_smmudrv_unmap_read_dirty(t->sd, t->pt, IOVA, LEN, NULL, &done) :
			     genpt_rvdrv_unmap(t->rd, t->pt, IOVA, LEN, &done), 0, "%s", t->name);
	cr_expect_eq(done, LEN, "%s", t->name);
	fm_check(&t->p, t->name, "unmap");
	cr_expect_eq(nc_write(t, IOVA), t->fault[1], "%s: after unmap", t->name);
	cr_assert_eq(NC_DRV(t, detach, t->id), 0, "%s", t->name);
	fm_check(&t->p, t->name, "detach");
	cr_expect_eq(nc_write(t, IOVA), t->fault[2],
		     "%s: the context is still valid for the IOMMU", t->name);
	nc_expect_records(t);
	nc_fini(t);
}

/* The leaf that maps @iova is @size bytes, a run of @run entries. */
static void nc_expect_leaf(struct nc_drv *t, uint64_t iova, uint64_t size, unsigned int run,
			   const char *when)
{
	struct genpt_leaf_info li;

	cr_assert_eq(genpt_leaf_lookup(t->pt, iova, &li), 0, "%s: %s", t->name, when);
	cr_expect(li.size == size && li.run == run,
		  "%s: %s: the leaf at %#llx is %#llx bytes, a run of %u (want %#llx, %u)",
		  t->name, when, (unsigned long long)iova, (unsigned long long)li.size, li.run,
		  (unsigned long long)size, run);
}

/*
 * SMMUv3: a run of 16 blocks (the Contiguous hint) split to pages and
 * merged back into the run.  Below BBML 2 the split goes one member at a
 * time, each broken, synced and made before the next breaks: DMA faults
 * (BBML 0) or misses the TLB (BBML 1) on one block at a time, so each
 * member's table is flushed before the next member's TLBI rings the SMMU
 * (fm_ring()).
 */
static void nc_run_split(struct nc_drv *t)
{
	const uint64_t len = 16 * (2ull << 20);
	uint64_t done = 0;

	cr_assert_eq(genpt_smmudrv_map(t->sd, t->pt, IOVA, PA, len, RW), 0, "%s", t->name);
	nc_expect_leaf(t, IOVA, len, 16, "run: map");
	cr_assert_eq(genpt_smmudrv_attach(t->sd, t->id, t->pt, &t->sdom), 0, "%s", t->name);
	fm_check(&t->p, t->name, "run: map, attach");
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking_split(t->sd, t->pt, true, 12), 0, "%s",
		     t->name);
	fm_check(&t->p, t->name, "run: split tracking on");
	nc_expect_leaf(t, IOVA + len - 0x5000, 4096, 1, "run: split");
	cr_expect_eq(nc_write(t, IOVA + len - 0x5000), 0, "%s: run: write", t->name);
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking_split(t->sd, t->pt, false, 12), 0, "%s",
		     t->name);
	fm_check(&t->p, t->name, "run: split tracking off (merge)");
	/* BBML 0 does not re-form a run: breaking all of it would fault DMA to
	 * the whole run meanwhile, for a TLB gain (smmuv3_drv.h). */
	if (t->bbml)
		nc_expect_leaf(t, IOVA + len - 0x5000, len, 16, "run: merged back");
	else
		nc_expect_leaf(t, IOVA + len - 0x5000, 2ull << 20, 1, "run: merged to blocks");
	cr_assert_eq(genpt_smmudrv_unmap_read_dirty(t->sd, t->pt, IOVA, len, NULL, &done), 0,
		     "%s", t->name);
	cr_expect_eq(done, len, "%s", t->name);
	cr_assert_eq(genpt_smmudrv_detach(t->sd, t->id), 0, "%s", t->name);
	fm_check(&t->p, t->name, "run: unmap, detach");
	nc_fini(t);
}

/* Linear and 2-level stream tables, stage 1 and stage 2, at IDR3.BBML
 * @bbml: the whole flow, then the run split and merged. */
static void nc_smmu_every_configuration(unsigned int bbml)
{
	for (unsigned int m = 0; m < 4; m++) {
		struct nc_drv t;

		nc_smmu_init(&t, m & 1, m & 2, bbml);
		nc_flow(&t);
		nc_smmu_init(&t, m & 1, m & 2, bbml);
		nc_run_split(&t);
	}
}

/* BBML 2: one store replaces a block by its table (and a run's members
 * one by one), with no break in between. */
Test(drv_noncoherent, smmuv3_every_configuration)
{
	nc_smmu_every_configuration(2);
}

/* IDR3.BBML 0 and 1: the split and the merge of an attached table break
 * each entry before they make it (invalid or nT, TLBI + CMD_SYNC), so the
 * break must be flushed before the driver rings the SMMU (fm_ring()). */
Test(drv_noncoherent, smmuv3_break_before_make)
{
	nc_smmu_every_configuration(0);
	nc_smmu_every_configuration(1);
}

/* A G-stage table under a 2-level DDT, a first-stage one under 3 levels. */
Test(drv_noncoherent, riscv_every_configuration)
{
	for (unsigned int m = 0; m < 2; m++) {
		struct nc_drv t;

		nc_rv_init(&t, m ? 3 : 2, !m);
		nc_flow(&t);
	}
}
