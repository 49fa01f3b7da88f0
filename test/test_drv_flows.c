// SPDX-License-Identifier: MIT
/*
 * test_drv_flows.c - the flows both IOMMU driver helpers have, written once
 * over support/drvrig.h and run on the SMMUv3 and the RISC-V helper, on
 * each configuration of the tables below:
 *  - migration: guest RAM mapped, tracking at the leaf or split, devices
 *    writing, harvests reporting exactly what was written, pre-copy rounds
 *    and a copy equal to memory; in it the hazard (a harvest that does not
 *    invalidate loses the next write), one owner of the tracking state,
 *    unmap reporting dirty pages and invalidating, tracking off;
 *  - live migration: the same while devices run; attach rules; an IOMMU
 *    without hardware dirty state.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "drvrig.h"
#include "testutil.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define RW (GENPT_READ | GENPT_WRITE)
/* Past the guest: mapped and unmapped while devices run (live migration). */
#define SCRATCH_LEN (4 * MiB)

/* ---- migration ------------------------------------------------------------ */

/* A region of the guest, up to @end: leaves of @leaf bytes, mapped @step
 * bytes at a time (0: at once), GPA -> ram + GPA + @pa_off. */
struct mig_region {
	uint64_t end, leaf, step, pa_off;
};

/* One migration: the driver, the guest layout (ends at a region with end 0)
 * in RAM aligned to @ram_align in @mem bytes of memory, tracking at @split
 * (page shift) or at the leaf (0), @devs devices (@dev: their ids), @rounds
 * pre-copy rounds of @writes device writes; the hazard at @page (RISC-V:
 * in the first 64K run; its devices on two DDT paths). */
struct mig {
	struct dr_cfg drv;
	const struct mig_region *layout;
	uint64_t ram_align, mem;
	unsigned int split, devs, rounds, writes;
	uint32_t dev[3];
	uint64_t page; /* where the hazard flow writes */
};

/*
 * RISC-V guest: [0, 256M) 2 MiB leaves, [256M, 512M) 64 KiB NAPOT runs,
 * [512M, 1G) 4 KiB leaves (mapped 4 KiB off alignment so nothing larger
 * fits), [1G, 2G) one 1 GiB leaf.
 */
static const struct mig_region rv_leaves[] = {
	{ 256 * MiB, 2 * MiB, 0, 0 },
	{ 512 * MiB, 64 * KiB, 64 * KiB, 0 },
	{ 1 * GiB, 4 * KiB, 0, 4 * KiB },
	{ 2 * GiB, 1 * GiB, 0, 0 },
	{ 0 },
};
/* SMMUv3 guest: 64 MiB of 2 MiB blocks in contiguous runs of 16 (tracked
 * split). */
static const struct mig_region smmu_blocks[] = { { 64 * MiB, 32 * MiB, 0, 0 }, { 0 } };

static const struct mig migs[] = {
	{ DR_SMMU("smmudrv stage 2, 4K granule", true, 40, 12), smmu_blocks, 32 * MiB, GiB, 12,
	  2, 6, 300, { 3, 4 }, 0x2345000 },
	{ DR_SMMU("smmudrv stage 1, 4K granule", false, 40, 12), smmu_blocks, 32 * MiB, GiB, 12,
	  2, 6, 300, { 3, 4 }, 0x2345000 },
	{ DR_SMMU("smmudrv stage 2, 16K granule", true, 40, 14), smmu_blocks, 32 * MiB, GiB, 14,
	  2, 6, 300, { 3, 4 }, 0x2345000 },
	{ DR_SMMU("smmudrv stage 1, 64K granule", false, 40, 16), smmu_blocks, 32 * MiB, GiB,
	  16, 2, 6, 300, { 3, 4 }, 0x2345000 },
	{ DR_RV("rvdrv Sv39x4 G-stage, every leaf size", true, 41), rv_leaves, GiB,
	  16 * GiB, 0, 2, 3, 400, { 0x000101, 0xab0202 }, 0x10005000 },
	{ DR_RV("rvdrv Sv39x4 G-stage, split to 4K", true, 41), rv_leaves, GiB, 16 * GiB,
	  12, 2, 1, 300, { 0x000101, 0xab0202 }, 0x10005000 },
	{ DR_RV("rvdrv Sv39 first stage, every leaf size", false, 39), rv_leaves, GiB,
	  16 * GiB, 0, 2, 3, 400, { 0x000101, 0xab0202 }, 0x10005000 },
};

/* The migration in progress: the rig, guest RAM and the bitmaps. */
struct mig_run {
	const struct mig *m;
	struct drig t;
	uint64_t ram, guest, pages, words, seed;
	uint64_t *found, *expect, *dst; /* dst: the destination's copy of the guest */
	bool live;                      /* devices may be writing */
};

static const struct mig_region *mig_region(const struct mig_run *r, uint64_t gpa)
{
	const struct mig_region *g = r->m->layout;

	while (gpa >= g->end)
		g++;
	return g;
}

static uint64_t mig_pa(const struct mig_run *r, uint64_t gpa)
{
	return r->ram + gpa + mig_region(r, gpa)->pa_off;
}

/* What a harvest reports for a write at @gpa: its base page when split,
 * else its whole leaf. */
static uint64_t mig_unit(const struct mig_run *r, uint64_t gpa)
{
	return r->m->split ? 1ull << r->m->split : mig_region(r, gpa)->leaf;
}

static void mig_expect(struct mig_run *r, uint64_t gpa)
{
	uint64_t unit = mig_unit(r, gpa);

	for (uint64_t p = (gpa & ~(unit - 1)) >> 12; p < ((gpa | (unit - 1)) + 1) >> 12; p++)
		r->expect[p / 64] |= 1ull << (p % 64);
}

/* RISC-V: the device context's dirty-update enable of the table's stage
 * (tc.GADE for the G-stage, tc.SADE for a first stage). */
static uint64_t mig_ade(const struct mig_run *r)
{
	return r->m->drv.s2 ? RVI_TC_GADE : RVI_TC_SADE;
}

/* Whether two pages are equal, without TSan's instrumentation of each load
 * (a 2 GiB guest compared load by load takes a minute under TSan): called
 * only while no device runs, when there is no race to see. */
__attribute__((no_sanitize_thread)) static bool mig_page_equal(const uint64_t *a,
							    const uint64_t *b)
{
	uint64_t diff = 0;

	for (unsigned int w = 0; w < 512; w++)
		diff |= a[w] ^ b[w];
	return !diff;
}

/* Copy the pages set in @bits to the destination, a word at a time (8-byte
 * atomic loads: devices may be writing) and only the words that differ, so
 * a guest of 2 GiB costs the destination what was written.  With no device
 * running, equal pages are skipped at once. */
static void mig_copy(struct mig_run *r, const uint64_t *bits)
{
	for (uint64_t p = 0; p < r->pages; p++) {
		const uint64_t *src = tu_bit(bits, p) ? dr_ptr(&r->t, mig_pa(r, p << 12)) : NULL;

		if (src && !r->live && mig_page_equal(src, r->dst + p * 512))
			continue;
		for (uint64_t w = 0; src && w < 512; w++) {
			uint64_t v = __atomic_load_n(&src[w], __ATOMIC_RELAXED);

			if (r->dst[p * 512 + w] != v)
				r->dst[p * 512 + w] = v;
		}
	}
}

/* No page of the destination differs from memory (no device running). */
static void mig_expect_copy(struct mig_run *r, const char *what)
{
	uint64_t n = 0;

	for (uint64_t p = 0; p < r->pages; p++)
		n += !mig_page_equal(dr_ptr(&r->t, mig_pa(r, p << 12)), r->dst + p * 512);
	cr_assert_eq(n, 0, "%s: %s: %llu pages differ", r->t.name, what, (unsigned long long)n);
}

/* The guest mapped through the helper, the devices attached; tracking off. */
static void mig_setup(struct mig_run *r, const struct mig *m)
{
	uint64_t start = 0, v = 0;

	memset(r, 0, sizeof(*r));
	r->m = m;
	for (const struct mig_region *g = m->layout; g->end; g++)
		r->guest = g->end;
	r->pages = r->guest >> 12;
	r->words = r->pages / 64;
	r->seed = 0x5eed;
	r->found = calloc(r->words, 8);
	r->expect = calloc(r->words, 8);
	r->dst = calloc(r->pages, 4096);
	cr_assert(r->found && r->expect && r->dst);
	dr_init(&r->t, &m->drv, m->mem);
	DR_EQ(m->drv.name,
	      genpt_physmem_alloc(r->t.pm, r->guest + SCRATCH_LEN + 4 * KiB, m->ram_align, &r->ram),
	      0);
	for (const struct mig_region *g = m->layout; g->end; start = g->end, g++) {
		uint64_t step = g->step ? g->step : g->end - start;

		for (uint64_t a = start; a < g->end; a += step)
			cr_assert_eq(DR(&r->t, map, r->t.pt, a, r->ram + a + g->pa_off, step,
					RW | GENPT_CACHE),
				     0, "%s: map %#llx", m->drv.name, (unsigned long long)a);
	}
	for (uint32_t i = 0; i < m->devs; i++)
		dr_attach(&r->t, m->dev[i], 5);
	/* Tracking off: writes need no A/D update, a second device reads them. */
	DR_EQ(r->t.name, dr_write(&r->t, m->dev[0], 0x123458, 1), 0);
	DR_EQ(r->t.name, dr_dma(&r->t, m->dev[1], 0x123458, &v, GENPT_ACCESS_READ), 0);
	DR_EQ(r->t.name, v, 1);
	if (!m->drv.smmu)
		cr_assert_eq(dr_tc(&r->t, m->dev[0]) & mig_ade(r), 0, "%s: no xADE", r->t.name);
}

/* Tracking on (the split refuses a page shift below 4 KiB); returns the
 * table's bytes before it. */
static uint64_t mig_tracking_on(struct mig_run *r)
{
	struct drig *t = &r->t;
	uint64_t bytes0, bytes;
	struct genpt_gather g;

	/* One owner of the tracking state: while attached, the engine's calls
	 * are refused (the IOMMU would not follow); a bad page shift and an
	 * owner: -EINVAL first. */
	DR_EQ(t->name, genpt_set_dirty_tracking(t->pt, true), -EBUSY);
	genpt_gather_init(&g);
	DR_EQ(t->name, genpt_set_dirty_tracking_split(t->pt, true, t->cfg.granule, &g), -EBUSY);
	DR_EQ(t->name, genpt_set_dirty_tracking_split(t->pt, true, 11, &g), -EINVAL);
	DR_EQ(t->name, genpt_dirty_tracking(t->pt), 0);
	DR_EQ(t->name, genpt_table_bytes(t->pt, &bytes0), 0);
	if (r->m->split) {
		DR_EQ(t->name, DR(t, set_dirty_tracking_split, t->pt, true, 11), -EINVAL);
		DR_EQ(t->name, DR(t, set_dirty_tracking_split, t->pt, true, r->m->split), 0);
		DR_EQ(t->name, genpt_table_bytes(t->pt, &bytes), 0);
		cr_assert_gt(bytes, bytes0, "%s: leaves were split into tables", t->name);
	} else {
		DR_EQ(t->name, DR(t, set_dirty_tracking, t->pt, true), 0);
	}
	DR_EQ(t->name, genpt_dirty_tracking(t->pt), 1);
	DR_EQ(t->name, genpt_set_dirty_tracking(t->pt, false), -EBUSY);
	for (uint32_t i = 0; i < r->m->devs && !r->m->drv.smmu; i++)
		cr_assert(dr_tc(t, r->m->dev[i]) & mig_ade(r), "%s: xADE on dev %u", t->name, i);
	/* the helper cleaned: nothing is dirty yet */
	dr_harvest(t, 0, r->guest, 0, r->found);
	cr_assert_eq(tu_popcount(r->found, r->words), 0, "%s: clean after tracking on", t->name);
	/* pre-copy round 0: everything */
	memset(r->found, 0xff, r->words * 8);
	mig_copy(r, r->found);
	return bytes0;
}

/* One device write at a random address (some cross a 4 KiB boundary into
 * the next leaf), and a read somewhere else. */
static void mig_write(struct mig_run *r, unsigned int i)
{
	uint64_t gpa = rvi_rand(&r->seed) % (r->guest - 8), val = rvi_rand(&r->seed), v;
	uint32_t dev = r->m->dev[rvi_rand(&r->seed) % r->m->devs];

	if (i % 50 == 0)
		gpa = (gpa | 4095) - 3;
	cr_assert_eq(dr_write(&r->t, dev, gpa, val), 0, "%s: gpa %#llx", r->t.name,
		     (unsigned long long)gpa);
	mig_expect(r, gpa);
	mig_expect(r, gpa + 7);
	/* the data went where the table says */
	if (((gpa + 7) >> 12) == (gpa >> 12)) {
		uint64_t got;

		memcpy(&got, (char *)dr_ptr(&r->t, mig_pa(r, gpa & ~7ull)) + (gpa & 7), 8);
		cr_assert_eq(got, val, "%s: gpa %#llx", r->t.name, (unsigned long long)gpa);
	}
	/* reads set no D: read somewhere else */
	gpa = rvi_rand(&r->seed) % (r->guest - 8);
	DR_EQ(r->t.name, dr_dma(&r->t, r->m->dev[0], gpa, &v, GENPT_ACCESS_READ),
	      0);
}

/* Pre-copy rounds: the harvest reports exactly what was written, a second
 * one nothing; the reported pages are copied. */
static void mig_rounds(struct mig_run *r)
{
	for (unsigned int round = 0; round < r->m->rounds; round++) {
		memset(r->expect, 0, r->words * 8);
		for (unsigned int i = 0; i < r->m->writes; i++)
			mig_write(r, i);
		dr_harvest(&r->t, 0, r->guest, 0, r->found);
		cr_assert_eq(memcmp(r->found, r->expect, r->words * 8), 0,
			     "%s: round %u: harvested %llu pages, expected the %llu written",
			     r->t.name, round, (unsigned long long)tu_popcount(r->found, r->words),
			     (unsigned long long)tu_popcount(r->expect, r->words));
		mig_copy(r, r->found);
		dr_harvest(&r->t, 0, r->guest, 0, r->found);
		cr_assert_eq(tu_popcount(r->found, r->words), 0,
			     "%s: round %u: nothing written since the last harvest", r->t.name,
			     round);
	}
	mig_expect_copy(r, "the destination holds every write");
}

/* The first leaf unmapped behind the IOMMU's back: the cached translation
 * lives on; through the helper it is gone at once. */
static void mig_unmap_invalidates(struct mig_run *r)
{
	const uint32_t dev = r->m->dev[0];
	const uint64_t len = r->m->layout[0].leaf;
	struct drig *t = &r->t;
	uint64_t v, unmapped;

	DR_EQ(t->name, DR(t, map, t->pt, 0, r->ram, 1ull << t->cfg.granule, GENPT_READ), -EEXIST);
	DR_EQ(t->name, dr_write(t, dev, 0x100, 42), 0);
	DR_EQ(t->name, genpt_unmap(t->pt, 0, len, NULL, &unmapped), 0);
	cr_assert_eq(dr_dma(t, dev, 0x100, &v, GENPT_ACCESS_READ), 0, "%s: stale translation",
		     t->name);
	DR_EQ(t->name, v, 42);
	DR_EQ(t->name, DR(t, map, t->pt, 0, mig_pa(r, 0), len, RW | GENPT_CACHE), 0);
	DR_EQ(t->name, dr_unmap(t, 0, len, &unmapped), 0);
	DR_EQ(t->name, unmapped, len);
	DR_EQ(t->name, dr_dma(t, dev, 0x100, &v, GENPT_ACCESS_READ), -EFAULT);
	dr_expect_fault(t, dev, 0x100, false);
}

/* Tracking off: GADE or SADE cleared, a split table back page for page, every
 * writable leaf dirty again; then detach (the device faults) and unmap. */
static void mig_tracking_off(struct mig_run *r, uint64_t bytes0)
{
	struct drig *t = &r->t;
	uint64_t bytes, done = 0;

	if (r->m->split)
		DR_EQ(t->name, DR(t, set_dirty_tracking_split, t->pt, false, r->m->split), 0);
	else
		DR_EQ(t->name, DR(t, set_dirty_tracking, t->pt, false), 0);
	for (uint32_t i = 0; i < r->m->devs && !r->m->drv.smmu; i++)
		cr_assert_eq(dr_tc(t, r->m->dev[i]) & mig_ade(r), 0, "%s: xADE off", t->name);
	/* Merged back only what the split made: the 64K runs of [256M,
	 * 512M) come back as 64K runs (not the 2M leaves they would merge
	 * into), so exactly the tables of the start, split log included. */
	DR_EQ(t->name, genpt_table_bytes(t->pt, &bytes), 0);
	if (r->m->split)
		cr_assert_eq(bytes, bytes0, "%s: the caller's tables back, no more, no fewer",
			     t->name);
	DR_EQ(t->name, dr_write(t, r->m->dev[r->m->devs - 1], r->guest / 2 + 5, 2), 0);
	dr_harvest(t, 0, r->guest, 0, r->found);
	cr_assert_eq(tu_popcount(r->found, r->words), r->pages,
		     "%s: tracking off reports every page", t->name);
	cr_assert_eq(DR(t, set_dirty_tracking, t->pt, false), 0, "%s: off again: no-op", t->name);
	mig_unmap_invalidates(r);
	for (uint32_t i = 0; i < r->m->devs; i++)
		DR_EQ(t->name, DR(t, detach, r->m->dev[i]), 0);
	/* SMMUv3: C_BAD_STE; RISC-V: the DC is not valid */
	cr_assert_eq(dr_write(t, r->m->dev[0], 0x5000, 1), -EFAULT, "%s: detached", t->name);
	/* one owner: none after detach */
	DR_EQ(t->name, genpt_set_dirty_tracking(t->pt, false), 0);
	DR_EQ(t->name, dr_unmap(t, r->m->layout[0].leaf, r->guest - r->m->layout[0].leaf, &done),
	      0);
	DR_EQ(t->name, done, r->guest - r->m->layout[0].leaf);
}

static void mig_fini(struct mig_run *r)
{
	dr_fini(&r->t); /* (the memory goes with the RAM in it) */
	free(r->found);
	free(r->expect);
	free(r->dst);
}

/* The harvest in r->found reports exactly the write at m->page (and is
 * copied: the migration goes on). */
static void mig_expect_page(struct mig_run *r, const char *what, unsigned int round)
{
	memset(r->expect, 0, r->words * 8);
	mig_expect(r, r->m->page);
	cr_assert_eq(memcmp(r->found, r->expect, r->words * 8), 0,
		     "%s: %s (round %u): %llu pages reported", r->t.name, what, round,
		     (unsigned long long)tu_popcount(r->found, r->words));
	mig_copy(r, r->found);
}

/* unmap_read_dirty through the helper reports a write the device made just
 * before (the unit [@base, @base + @unit) of m->page), and the device
 * faults at once; the unit is mapped again. */
static void mig_unmap_reports_dirty(struct mig_run *r, uint64_t base, uint64_t unit)
{
	struct genpt_dirty_bitmap bm = { r->found, 0, r->guest, 11 };
	struct drig *t = &r->t;
	uint64_t unmapped = 0;

	DR_EQ(t->name, dr_write(t, r->m->dev[0], r->m->page, 9), 0);
	/* a malformed bitmap on a range outside the space: -EINVAL */
	DR_EQ(t->name, DR(t, unmap_read_dirty, t->pt, 1ull << t->cfg.va_bits, 0x1000, &bm,
			  &unmapped), -EINVAL);
	cr_assert_eq(unmapped, 0, "%s: nothing written on failure", t->name);
	bm.page_shift = 12;
	memset(r->found, 0, r->words * 8);
	DR_EQ(t->name, DR(t, unmap_read_dirty, t->pt, base, unit, &bm, &unmapped), 0);
	DR_EQ(t->name, unmapped, unit);
	mig_expect_page(r, "unmap_read_dirty", 0);
	DR_EQ(t->name, dr_write(t, r->m->dev[0], r->m->page, 9), -EFAULT);
	dr_expect_fault(t, r->m->dev[0], r->m->page, true);
	DR_EQ(t->name, DR(t, map, t->pt, base, mig_pa(r, base), unit, RW | GENPT_CACHE), 0);
}

/*
 * The hazard: the engine cleans, nobody invalidates, the next write hits
 * the entry the IOTLB cached writable-dirty and marks nothing.  The stale
 * entry stays until something invalidates it; through the helper (IOTLB
 * invalidation + sync after each harvest) nothing is lost.
 */
static void mig_hazard(struct mig_run *r)
{
	struct genpt_dirty_bitmap bm = { r->found, 0, r->guest, 12 };
	const uint64_t page = r->m->page, unit = mig_unit(r, page);
	struct drig *t = &r->t;
	struct genpt_smmu_stats st;

	DR_EQ(t->name, dr_write(t, r->m->dev[0], page, 1), 0);
	dr_harvest(t, 0, r->guest, DR_ENGINE, r->found);
	mig_expect_page(r, "the first write is reported", 0);
	if (t->cfg.smmu)
		DR_EQ(t->name, genpt_smmu_stats(t->se.smmu, &st), 0);
	DR_EQ(t->name, dr_write(t, r->m->dev[0], page + 8, 2), 0);
	dr_harvest(t, 0, r->guest, DR_ENGINE, r->found);
	cr_assert_eq(tu_popcount(r->found, r->words), 0,
		     "%s: the hazard: without invalidation the second write is lost", t->name);
	DR_EQ(t->name, DR(t, invalidate, t->pt, page & ~(unit - 1), page | (unit - 1)), 0);
	DR_EQ(t->name, dr_write(t, r->m->dev[0], page + 16, 3), 0);
	for (unsigned int i = 0; i < 5; i++) {
		dr_harvest(t, 0, r->guest, 0, r->found);
		mig_expect_page(r, "the write after a helper harvest is seen", i);
		DR_EQ(t->name, dr_write(t, r->m->dev[1], page + 8 * i, 4 + i), 0);
	}
	/* GENPT_DIRTY_NO_CLEAR reports and keeps */
	dr_harvest(t, 0, r->guest, GENPT_DIRTY_NO_CLEAR, r->found);
	mig_expect_page(r, "NO_CLEAR", 0);
	dr_harvest(t, 0, r->guest, 0, r->found);
	mig_expect_page(r, "kept by NO_CLEAR", 0);
	cr_assert_eq(DR(t, read_and_clear_dirty, t->pt, 0, r->guest, 8, &bm), -EINVAL,
		     "%s: bad flags", t->name);
	mig_unmap_reports_dirty(r, page & ~(unit - 1), unit);
}

Test(drv_flows, migration, .timeout = 300)
{
	for (size_t i = 0; i < sizeof(migs) / sizeof(migs[0]); i++) {
		struct mig_run r;
		uint64_t bytes0;

		mig_setup(&r, &migs[i]);
		bytes0 = mig_tracking_on(&r);
		mig_hazard(&r);
		mig_rounds(&r);
		mig_tracking_off(&r, bytes0);
		mig_fini(&r);
	}
}


/* ---- live migration: devices write while the helper harvests ------------------ */

/*
 * What is checked: no dirty page is lost and none is invented.  Harvest k
 * (0-based) bumps "started" to k + 1 before it begins and "completed" to
 * k + 1 when it is done (the last harvest runs after the devices stop).  A
 * device write that starts when completed reads e and returns when started
 * reads s must be reported by a harvest k with e <= k <= s: harvest s began
 * after the write finished, so it or an earlier one that was not yet done
 * when the write began must have seen it.  A page reported by harvest k must
 * have been written by a write that started when completed read at most k.
 * Without the helper's invalidation after each harvest, a write through a
 * translation the IOTLB cached dirty before the harvest would not be seen by
 * harvest s.  Each harvest's pages are copied; after the last, the copy
 * equals memory (the sync waited for every write that used a translation
 * the invalidation removed).
 */
#define MAX_HARVESTS 1024

/* A device write: where, and the harvests completed when it started
 * (@epoch) and started when it returned (@until). */
struct live_write {
	uint64_t gpa;
	unsigned int epoch, until;
};

struct live {
	struct mig_run r;
	unsigned int started, completed, running; /* atomic */
	uint64_t *bitmaps;                        /* MAX_HARVESTS harvests' pages */
};

struct live_dev {
	struct live *l;
	uint32_t id;
	uint64_t seed;
	struct live_write *w;
	unsigned int nw, errors;
};

/* SMMUv3: 4 MiB of blocks, split; RISC-V: 2 MiB leaves, 64 KiB runs and
 * 4 KiB pages (off alignment), at the leaf. */
static const struct mig_region smmu_live[] = { { 4 * MiB, 2 * MiB, 0, 0 }, { 0 } };
static const struct mig_region rv_live[] = {
	{ 16 * MiB, 2 * MiB, 0, 0 },
	{ 32 * MiB, 64 * KiB, 64 * KiB, 0 },
	{ 64 * MiB, 4 * KiB, 0, 4 * KiB },
	{ 0 },
};
/* (@writes: each device's operations, 5 in 8 of them writes) */
static const struct mig lives[] = {
	{ DR_SMMU("smmudrv stage 2, 4K granule, live", true, 32, 12), smmu_live, 2 * MiB,
	  64 * MiB, 12, 3, 0, 2400, { 10, 11, 12 }, 0 },
	{ DR_SMMU("smmudrv stage 1, 4K granule, live", false, 32, 12), smmu_live, 2 * MiB,
	  64 * MiB, 12, 3, 0, 2400, { 10, 11, 12 }, 0 },
	{ DR_RV("rvdrv Sv39x4 G-stage, 2M/64K/4K leaves, live", true, 41), rv_live,
	  2 * MiB, 2 * GiB, 0, 2, 0, 6000, { 0x100, 0x101 }, 0 },
};

/* A device: writes and reads in the guest, reads in the scratch region
 * (mapped or not, at the main thread's whim: faults are expected). */
static void *live_device(void *arg)
{
	struct live_dev *d = arg;
	struct live *l = d->l;
	const uint64_t guest = l->r.guest;

	for (unsigned int i = 0; i < l->r.m->writes; i++) {
		uint64_t v = rvi_rand(&d->seed), gpa = (rvi_rand(&d->seed) % guest) & ~7ull;
		unsigned int kind = (unsigned int)(v % 8), epoch;
		int err;

		if (kind < 5) {
			epoch = __atomic_load_n(&l->completed, __ATOMIC_ACQUIRE);
			d->errors += dr_dma(&l->r.t, d->id, gpa, &v, GENPT_ACCESS_WRITE) != 0;
			d->w[d->nw++] = (struct live_write){
				gpa, epoch, __atomic_load_n(&l->started, __ATOMIC_ACQUIRE) };
		} else if (kind < 7) {
			d->errors += dr_dma(&l->r.t, d->id, gpa, &v, GENPT_ACCESS_READ) != 0;
		} else {
			err = dr_dma(&l->r.t, d->id, guest + gpa % SCRATCH_LEN, &v,
				     GENPT_ACCESS_READ);
			d->errors += err && err != -EFAULT;
		}
	}
	__atomic_fetch_sub(&l->running, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Harvest @k, and copy what it reported. */
static void live_harvest(struct live *l, unsigned int k)
{
	uint64_t *bits = l->bitmaps + (size_t)k * l->r.words;

	__atomic_store_n(&l->started, k + 1, __ATOMIC_RELEASE);
	dr_harvest(&l->r.t, 0, l->r.guest, 0, bits);
	__atomic_store_n(&l->completed, k + 1, __ATOMIC_RELEASE);
	mig_copy(&l->r, bits);
}

/* Between harvests: the scratch region mapped or unmapped, a random page
 * invalidated, the fault records drained. */
static void live_edit(struct live *l, unsigned int k, uint64_t *seed)
{
	struct drig *t = &l->r.t;
	uint64_t a = rvi_rand(seed) % l->r.guest;
	struct genpt_smmu_event ev[16];
	struct genpt_rviommu_fault f[16];

	if (k % 2)
		DR_EQ(t->name, dr_unmap(t, l->r.guest, SCRATCH_LEN, NULL), 0);
	else
		DR_EQ(t->name,
		      DR(t, map, t->pt, l->r.guest, l->r.ram + l->r.guest, SCRATCH_LEN, GENPT_READ),
		      0);
	DR_EQ(t->name, DR(t, invalidate, t->pt, a & ~4095ull, a | 4095), 0);
	while ((t->cfg.smmu ? genpt_smmudrv_poll_events(t->se.drv, ev, 16, NULL) :
			     genpt_rvdrv_poll_faults(t->rd, f, 16, NULL)) > 0)
		;
}

/* Harvest while the devices run, then once more: returns the last
 * harvest's index. */
static unsigned int live_run(struct live *l, struct live_dev *d)
{
	pthread_t th[3];
	unsigned int h = 0, n = l->r.m->devs;
	uint64_t seed = 99;

	l->running = n;
	for (unsigned int i = 0; i < n; i++) {
		d[i] = (struct live_dev){ .l = l, .id = l->r.m->dev[i], .seed = 1000 + i,
					  .w = calloc(l->r.m->writes, sizeof(struct live_write)) };
		cr_assert_not_null(d[i].w);
		cr_assert_eq(pthread_create(&th[i], NULL, live_device, &d[i]), 0);
	}
	while (__atomic_load_n(&l->running, __ATOMIC_ACQUIRE) && h < MAX_HARVESTS - 1) {
		live_harvest(l, h);
		live_edit(l, h++, &seed);
	}
	for (unsigned int i = 0; i < n; i++)
		cr_assert_eq(pthread_join(th[i], NULL), 0);
	live_harvest(l, h);
	return h;
}

/* No write lost: reported by a harvest that had not completed when the
 * write started and had started by the time it returned.  Returns in
 * @min_epoch, per page, the earliest epoch a write to its unit started. */
static void live_none_lost(struct live *l, struct live_dev *d, unsigned int h,
			   unsigned int *min_epoch)
{
	for (uint64_t p = 0; p < l->r.pages; p++)
		min_epoch[p] = UINT32_MAX;
	for (unsigned int i = 0; i < l->r.m->devs; i++) {
		cr_assert_eq(d[i].errors, 0, "%s: device %u: DMA errors", l->r.t.name, i);
		for (unsigned int j = 0; j < d[i].nw; j++) {
			const struct live_write *w = &d[i].w[j];
			uint64_t first = (w->gpa & ~(mig_unit(&l->r, w->gpa) - 1)) >> 12;
			bool ok = false;

			for (unsigned int k = w->epoch; k <= w->until && k <= h && !ok; k++)
				ok = tu_bit(l->bitmaps + (size_t)k * l->r.words, first);
			cr_assert(ok, "%s: write to %#llx (harvests %u..%u of %u) lost",
				  l->r.t.name, (unsigned long long)w->gpa, w->epoch, w->until,
				  h + 1);
			if (w->epoch < min_epoch[first])
				min_epoch[first] = w->epoch;
		}
	}
}

/* Nothing invented: each reported unit was written before that harvest
 * completed; reports cover whole units (leaves, or split pages). */
static void live_none_invented(struct live *l, unsigned int h, const unsigned int *min_epoch)
{
	for (unsigned int k = 0; k <= h; k++) {
		const uint64_t *bits = l->bitmaps + (size_t)k * l->r.words;

		for (uint64_t p = 0; p < l->r.pages; p++) {
			uint64_t first = ((p << 12) & ~(mig_unit(&l->r, p << 12) - 1)) >> 12;

			if (!tu_bit(bits, p))
				continue;
			cr_assert(tu_bit(bits, first), "%s: partial leaf in harvest %u",
				  l->r.t.name, k);
			cr_assert_leq(min_epoch[first], k, "%s: harvest %u: page %#llx unwritten",
				      l->r.t.name, k, (unsigned long long)p);
		}
	}
}

Test(drv_flows, live_migration, .timeout = 300)
{
	for (size_t i = 0; i < sizeof(lives) / sizeof(lives[0]); i++) {
		struct live l = { 0 };
		struct live_dev d[3];
		unsigned int h, *min_epoch;

		mig_setup(&l.r, &lives[i]);
		l.r.live = true;
		l.bitmaps = calloc((size_t)MAX_HARVESTS * l.r.words, 8);
		min_epoch = malloc(l.r.pages * sizeof(*min_epoch));
		cr_assert(l.bitmaps && min_epoch);
		mig_tracking_on(&l.r);
		h = live_run(&l, d);
		live_none_lost(&l, d, h, min_epoch);
		live_none_invented(&l, h, min_epoch);
		mig_expect_copy(&l.r, "the copy equals memory");
		cr_log_info("%s: %u harvests during %u x %u device operations", l.r.t.name, h + 1,
			    l.r.m->devs, l.r.m->writes);
		for (unsigned int j = 0; j < l.r.m->devs; j++) {
			DR_EQ(l.r.t.name, DR(&l.r.t, detach, l.r.m->dev[j]), 0);
			free(d[j].w);
		}
		mig_fini(&l.r);
		free(l.bitmaps);
		free(min_epoch);
	}
}

/* ---- attach rules; an IOMMU without hardware dirty state ---------------------- */

/* Per driver: the rig, and an IOMMU that cannot update dirty state. */
static const struct dr_cfg rules[][2] = {
	{ DR_SMMU("smmudrv stage 2, 8-bit StreamIDs", true, 36, 12),
	  { "smmudrv, HTTU access flag only", true, true, 36, 12, 0, 0, 0, 1 } },
	{ { "rvdrv G-stage, 1-level DDT, no Sv57x4", false, true, 41, 12,
	    RVI_CAPS_BASE & ~RVI_CAP_SV57X4, 1, 0, 0 },
	  { "rvdrv G-stage, 2-level DDT, no AMO_HWAD", false, true, 41, 12,
	    RVI_CAPS_BASE & ~RVI_CAP_AMO_HWAD, 2, 0, 0 } },
};

/* Tables of the wrong stage, ids out of range, a device attached twice, a
 * domain id in use by another table, detach twice; without a context the
 * device faults with a record (SMMUv3: C_BAD_STE; RISC-V: DC not valid). */
static void rules_attach(const struct dr_cfg *c)
{
	/* SMMUv3: 8-bit StreamIDs; RISC-V: 1-level DDT, 7-bit ids */
	const uint32_t bad_dev = c->smmu ? 1u << 8 : 128;
	const unsigned int no_ctx = c->smmu ? GENPT_SMMU_EVT_C_BAD_STE : RVI_C_DDT_INVALID;
	struct drig t;
	struct genpt *other, *s1;
	uint64_t v = 0;

	dr_init(&t, c, c->smmu ? 256 * MiB : 16 * GiB);
	other = dr_table(&t, true, c->va_bits);
	s1 = dr_table(&t, false, c->smmu ? 36 : 39);
	DR_EQ(t.name, dr_dma(&t, 5, 0x1000, &v, GENPT_ACCESS_WRITE), -EFAULT);
	dr_expect_record(&t, no_ctx, 5);
	DR_EQ(t.name, dr_attach_to(&t, 5, s1, true, 1), -EINVAL);
	DR_EQ(t.name, dr_attach_to(&t, 5, t.pt, false, 1), -EINVAL);
	DR_EQ(t.name, dr_attach_to(&t, bad_dev, t.pt, true, 1), -EINVAL);
	DR_EQ(t.name, dr_attach_to(&t, 5, t.pt, true, 1u << 16), -EINVAL); /* VMID, GSCID */
	DR_EQ(t.name, dr_attach_to(&t, 5, NULL, true, 1), -EINVAL);
	if (!t.cfg.smmu) {
		struct genpt *g57 = dr_table(&t, true, 59);

		DR_EQ(t.name, dr_attach_to(&t, 5, g57, true, 1), -EOPNOTSUPP); /* no Sv57x4 */
		genpt_destroy(g57);
	}
	DR_EQ(t.name, dr_attach_to(&t, 5, t.pt, true, 1), 0);
	DR_EQ(t.name, dr_attach_to(&t, 5, t.pt, true, 1), -EEXIST);
	DR_EQ(t.name, dr_attach_to(&t, 6, other, true, 1), -EBUSY); /* id 1 is t.pt's */
	DR_EQ(t.name, dr_attach_to(&t, 6, t.pt, true, 1), 0);       /* same domain */
	DR_EQ(t.name, dr_attach_to(&t, 7, s1, false, 1), 0); /* a stage-1 id is another space */
	DR_EQ(t.name, DR(&t, detach, 8), -ENOENT);
	DR_EQ(t.name, DR(&t, detach, 5), 0);
	DR_EQ(t.name, DR(&t, detach, 5), -ENOENT);
	DR_EQ(t.name, dr_dma(&t, 5, 0, &v, GENPT_ACCESS_READ), -EFAULT);
	dr_expect_record(&t, no_ctx, 5);
	DR_EQ(t.name, DR(&t, detach, 6), 0);
	DR_EQ(t.name, DR(&t, detach, 7), 0);
	genpt_destroy(other);
	genpt_destroy(s1);
	dr_fini(&t);
}

/* Tracking refused (after a bad page shift or driver: -EINVAL first) and
 * nothing changed; a table already tracking cannot be attached. */
static void rules_no_hw_dirty(const struct dr_cfg *c)
{
	const uint32_t dev = c->smmu ? 2 : 0x1234;
	struct drig t;

	dr_init(&t, c, c->smmu ? 256 * MiB : 16 * GiB);
	dr_attach(&t, dev, 3);
	DR_EQ(t.name, DR(&t, set_dirty_tracking, t.pt, true), -EOPNOTSUPP);
	DR_EQ(t.name, DR(&t, set_dirty_tracking_split, t.pt, true, 11), -EINVAL);
	DR_EQ(t.name, t.cfg.smmu ? genpt_smmudrv_set_dirty_tracking_split(NULL, t.pt, true, 12) :
				  genpt_rvdrv_set_dirty_tracking_split(NULL, t.pt, true, 12),
	      -EINVAL);
	DR_EQ(t.name, genpt_dirty_tracking(t.pt), 0);
	if (!t.cfg.smmu)
		DR_EQ(t.name, dr_tc(&t, dev), RVI_TC_V);
	DR_EQ(t.name, DR(&t, detach, dev), 0);
	DR_EQ(t.name, genpt_set_dirty_tracking(t.pt, true), 0);
	DR_EQ(t.name, dr_attach_to(&t, dev, t.pt, true, 3), -EOPNOTSUPP);
	dr_fini(&t);
}

Test(drv_flows, attach_rules_and_no_hw_dirty)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		rules_attach(&rules[i][0]);
		rules_no_hw_dirty(&rules[i][1]);
	}
}
