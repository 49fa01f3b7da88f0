// SPDX-License-Identifier: MIT
/*
 * test_smmuv3_bbml.c - split and merge through the SMMUv3 driver helper at
 * each break-before-make level (IDR3.BBML), with device traffic inside the
 * change.
 *
 * The register access and the table memory's flush are wrapped: after
 * every command-queue PROD write (the TLBIs and CMD_SYNCs the helper
 * issues while it splits or merges) and every batch of table writes the
 * device reads in every block of the range through the model, so
 * translations are cached and walked at each step of the change, old and
 * new alike.  A policy the level does not allow caches two translations
 * of one address and the model reports F_TLB_CONFLICT; the right one never
 * does.  Faults meanwhile (BBML 0's invalid window) are counted: the fault
 * window docs/smmuv3.md reports.  No timing: the probes run at fixed
 * points of the command stream.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "smmu_util.h"
#include "testutil.h"

#define SID 5u
#define IOVA (1ull << 30)
#define BLOCKS 8u
#define LEN ((uint64_t)BLOCKS << 21)
#define PA (1ull << 36) /* translations only: never touched */

struct probe {
	struct smmu_env e;
	bool on;                 /* probe after each PROD write */
	unsigned long probes;    /* translations made by the probes */
	unsigned long faults;    /* F_TRANSLATION among them (BBML 0 window) */
	unsigned long conflicts; /* F_TLB_CONFLICT, anywhere */
	unsigned long other;     /* any other event or a wrong address */
};

/* One device read at @iova; counts its outcome. */
static void probe_one(struct probe *p, uint64_t iova, unsigned int access)
{
	struct genpt_smmu_req req = { .sid = SID, .iova = iova, .access = access };
	struct genpt_smmu_rsp rsp = { 0 };

	cr_assert_eq(genpt_smmu_translate(p->e.smmu, &req, &rsp), 0);
	p->probes++;
	if (rsp.event == GENPT_SMMU_EVT_F_TLB_CONFLICT)
		p->conflicts++;
	else if (rsp.event == GENPT_SMMU_EVT_F_TRANSLATION)
		p->faults++;
	else if (rsp.event || rsp.pa != PA + (iova - IOVA))
		p->other++;
}

/* A read in every block: one in a page a previous probe cached, one in a
 * page it did not (a miss walks whatever the table holds now). */
static void probe_all(struct probe *p)
{
	static unsigned int turn;

	turn = (turn + 1) % 512;
	for (uint64_t b = 0; b < BLOCKS; b++) {
		probe_one(p, IOVA + (b << 21), GENPT_ACCESS_READ);
		probe_one(p, IOVA + (b << 21) + ((uint64_t)turn << 12), GENPT_ACCESS_READ);
	}
}

static int pr_read(void *ctx, uint32_t off, unsigned int size, uint64_t *v)
{
	struct probe *p = ctx;

	return genpt_smmu_reg_read(p->e.smmu, off, size, v);
}

static int pr_write(void *ctx, uint32_t off, unsigned int size, uint64_t v)
{
	struct probe *p = ctx;
	int err = genpt_smmu_reg_write(p->e.smmu, off, size, v);

	if (!err && p->on && off == GENPT_SMMU_REG_CMDQ_PROD)
		probe_all(p);
	return err;
}

static const struct genpt_smmu_mmio_ops pr_mmio = { pr_read, pr_write };

/* The table's memory: genpt_physmem (coherent), whose flush, called after
 * each batch of table writes, is another probe point: the device sees
 * every intermediate state of the table, the driver's commands or not. */
static struct probe *pr_cur;

static void pr_flush(void *ctx, const void *va, size_t size)
{
	(void)ctx, (void)va, (void)size;
	if (pr_cur && pr_cur->on)
		probe_all(pr_cur);
}

static struct genpt_mem_ops pr_mem;

static struct genpt *probe_init(struct probe *p, unsigned int bbml, bool s2)
{
	struct genpt_smmu_config cfg = { .httu = 2, .bbml = bbml };
	struct genpt_smmudrv_config dc = { .mmio = &pr_mmio, .mmio_ctx = p,
					   .mem = &genpt_physmem_ops };
	struct genpt_smmudrv_domain dom = { s2 ? GENPT_SMMUDRV_STAGE2 : GENPT_SMMUDRV_STAGE1,
					    3 };
	struct genpt_config tc = { .format = GENPT_FMT_ARMV8, .va_bits = 40, .oa_bits = 48,
				   .granule_bits = 12,
				   .features = GENPT_FEAT_ARMV8_DBM | GENPT_FEAT_ARMV8_CONTIG };
	struct genpt *pt;

	memset(p, 0, sizeof(*p));
	smmu_env_init(&p->e, &cfg, 256 * SMMU_MiB, false);
	dc.mem_ctx = p->e.pm;
	cr_assert_eq(genpt_smmudrv_create(&dc, &p->e.drv), 0);
	pr_mem = genpt_physmem_ops;
	pr_mem.flush = pr_flush;
	pr_cur = p;
	tc.mem = &pr_mem;
	tc.mem_ctx = p->e.pm;
	tc.features |= s2 ? GENPT_FEAT_ARMV8_S2 : 0;
	cr_assert_eq(genpt_create(&tc, &pt), 0);
	cr_assert_eq(genpt_smmudrv_map(p->e.drv, pt, IOVA, PA, LEN, GENPT_READ | GENPT_WRITE),
		     0);
	cr_assert_eq(genpt_smmudrv_attach(p->e.drv, SID, pt, &dom), 0);
	return pt;
}

/* Pages of the range a harvest reports. */
static unsigned int probe_harvest(struct probe *p, struct genpt *pt)
{
	uint64_t bits[LEN / 4096 / 64] = { 0 };
	struct genpt_dirty_bitmap bm = { bits, IOVA, LEN, 12 };

	cr_assert_eq(genpt_smmudrv_read_and_clear_dirty(p->e.drv, pt, IOVA, LEN, 0, &bm), 0);
	return (unsigned int)tu_popcount(bits, LEN / 4096 / 64);
}

/*
 * Split (tracking on at 4 KiB) and merge (off) with probes at every
 * command; the helper picks its policy from IDR3.BBML.  Returns the
 * probes that faulted.
 */
static unsigned long split_merge(unsigned int bbml, bool s2)
{
	struct probe p;
	struct genpt *pt = probe_init(&p, bbml, s2);
	unsigned long faults;
	const char *st = s2 ? "stage 2" : "stage 1";

	probe_all(&p); /* every block cached */
	p.on = true;
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking_split(p.e.drv, pt, true, 12), 0);
	p.on = false;
	cr_expect_eq(p.conflicts, 0, "BBML %u %s split: %lu TLB conflicts", bbml, st,
		     p.conflicts);
	cr_expect_eq(p.other, 0, "BBML %u %s split: wrong translations", bbml, st);
	if (bbml)
		cr_expect_eq(p.faults, 0, "BBML %u %s split: the nT route faults", bbml, st);
	probe_all(&p);
	probe_one(&p, IOVA + 0x5000, GENPT_ACCESS_WRITE);
	probe_one(&p, IOVA + (3ull << 21) + 0x7000, GENPT_ACCESS_WRITE);
	cr_expect_eq(probe_harvest(&p, pt), 2, "BBML %u %s: 4 KiB dirty pages", bbml, st);
	p.on = true;
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking_split(p.e.drv, pt, false, 12), 0);
	p.on = false;
	probe_all(&p);
	cr_expect_eq(p.conflicts, 0, "BBML %u %s merge: %lu TLB conflicts", bbml, st,
		     p.conflicts);
	cr_expect_eq(p.other, 0, "BBML %u %s merge: wrong translations", bbml, st);
	if (bbml)
		cr_expect_eq(p.faults, 0, "BBML %u %s merge: the nT route faults", bbml, st);
	faults = p.faults;
	printf("BBML %u %s: %lu of %lu probes faulted while %u blocks were split and merged\n",
	       bbml, st, p.faults, p.probes, BLOCKS);
	cr_assert_eq(genpt_smmudrv_detach(p.e.drv, SID), 0);
	genpt_destroy(pt);
	smmu_env_fini(&p.e);
	return faults;
}

Test(smmuv3_bbml, each_level_its_policy, .timeout = 120)
{
	for (unsigned int s2 = 0; s2 < 2; s2++) {
		/* BBML 0 breaks: the probes inside the window fault. */
		cr_expect_gt(split_merge(0, s2), 0, "BBML 0 opens no fault window");
		split_merge(1, s2);
		split_merge(2, s2);
	}
}

/* A write in every block, at a page probe_all() read (cached clean with
 * tracking on: the write misses and walks). */
static void probe_writes(struct probe *p)
{
	for (uint64_t b = 0; b < BLOCKS; b++)
		probe_one(p, IOVA + (b << 21), GENPT_ACCESS_WRITE);
}

/* The engine's direct split (or @merge) of [IOVA, IOVA + LEN), writes
 * between its store and the invalidation: a conflict below BBML 2, none at
 * BBML 2; then the invalidation. */
static void direct_change(struct probe *p, struct genpt *pt, unsigned int bbml, bool merge)
{
	const char *what = merge ? "merge" : "split";
	struct genpt_gather g;

	genpt_gather_init(&g);
	cr_assert_eq(merge ? genpt_merge(pt, IOVA, LEN, &g) : genpt_split(pt, IOVA, LEN, 12, &g),
		     0, "direct %s", what);
	probe_writes(p);
	if (bbml < 2)
		cr_expect_gt(p->conflicts, 0, "BBML %u: direct %s not caught", bbml, what);
	else
		cr_expect_eq(p->conflicts, 0, "BBML 2 allows the direct %s", what);
	cr_assert_eq(genpt_smmudrv_invalidate(p->e.drv, pt, g.start, g.last), 0);
	genpt_gather_release(pt, &g);
}

/*
 * The wrong policy: direct replacement (the engine's one-store split, what
 * BBML 2 allows) under BBML 0 and 1, with a write between the store and
 * the invalidation: the SMMU would hold the cached clean block and a page
 * of the new table.  Caught by the conflict event.
 */
Test(smmuv3_bbml, direct_replacement_conflicts, .timeout = 60)
{
	for (unsigned int bbml = 0; bbml <= 2; bbml++) {
		struct probe p;
		struct genpt *pt = probe_init(&p, bbml, true);

		cr_assert_eq(genpt_smmudrv_set_dirty_tracking(p.e.drv, pt, true), 0);
		probe_all(&p);
		direct_change(&p, pt, bbml, false);
		p.conflicts = 0;
		cr_assert_eq(genpt_smmudrv_read_and_clear_dirty(p.e.drv, pt, IOVA, LEN, 0, NULL),
			     0);
		probe_all(&p); /* pages cached clean */
		direct_change(&p, pt, bbml, true);
		cr_assert_eq(genpt_smmudrv_detach(p.e.drv, SID), 0);
		genpt_destroy(pt);
		smmu_env_fini(&p.e);
	}
}
