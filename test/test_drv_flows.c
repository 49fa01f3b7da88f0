// SPDX-License-Identifier: MIT
/*
 * test_drv_flows.c - the flows both IOMMU driver helpers have, written once
 * over support/drvrig.h and run on the SMMUv3 helper and the RISC-V one, on
 * each configuration in the tables below:
 *
 *  - migration: guest RAM mapped (blocks; RISC-V also 64 KiB NAPOT runs,
 *    4 KiB pages and a 1 GiB leaf), tracking at the leaf or split to base
 *    pages, devices writing, harvests reporting exactly the written pages
 *    (or whole leaves), pre-copy rounds copying them and a final copy equal
 *    to memory, tracking off reporting every page, the tables back after a
 *    split, detach;
 *  - the hazard: a harvest by the engine alone (no invalidation) loses the
 *    next write through a translation the IOTLB cached dirty; the helper's
 *    harvest loses none.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drvrig.h"
#include "testutil.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define RW (GENPT_READ | GENPT_WRITE)

/* ---- migration ------------------------------------------------------------ */

/* A region of the guest, up to @end: leaves of @leaf bytes, mapped @step
 * bytes at a time (0: at once), GPA -> ram + GPA + @pa_off. */
struct mig_region {
	uint64_t end, leaf, step, pa_off;
};

/* One migration: the driver, the guest layout (ends at a region with end 0)
 * in RAM aligned to @ram_align in @mem bytes of memory, tracking at @split
 * (page shift) or at the leaf (0), @devs devices (@dev: their ids), @rounds
 * pre-copy rounds of @writes device writes. */
struct mig {
	struct dr_cfg drv;
	const struct mig_region *layout;
	uint64_t ram_align, mem;
	unsigned int split, devs, rounds, writes;
	uint32_t dev[2];
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
/* SMMUv3 guest: 64 MiB of blocks (tracked split). */
static const struct mig_region smmu_blocks[] = { { 64 * MiB, 2 * MiB, 0, 0 }, { 0 } };

#define SMMU_DEVS { 3, 4 }
#define RV_DEVS { 0x000101, 0xab0202 } /* two DDT paths */
static const struct mig migs[] = {
	{ { "smmudrv stage 2, 4K granule", true, true, 40, 12 }, smmu_blocks, 32 * MiB, GiB, 12,
	  2, 6, 300, SMMU_DEVS },
	{ { "smmudrv stage 1, 4K granule", true, false, 40, 12 }, smmu_blocks, 32 * MiB, GiB, 12,
	  2, 6, 300, SMMU_DEVS },
	{ { "smmudrv stage 2, 16K granule", true, true, 40, 14 }, smmu_blocks, 32 * MiB, GiB, 14,
	  2, 6, 300, SMMU_DEVS },
	{ { "smmudrv stage 1, 64K granule", true, false, 40, 16 }, smmu_blocks, 32 * MiB, GiB,
	  16, 2, 6, 300, SMMU_DEVS },
	{ { "rvdrv Sv39x4 G-stage, every leaf size", false, true, 41, 12 }, rv_leaves, GiB,
	  16 * GiB, 0, 2, 3, 400, RV_DEVS },
	{ { "rvdrv Sv39x4 G-stage, split to 4K", false, true, 41, 12 }, rv_leaves, GiB, 16 * GiB,
	  12, 2, 1, 300, RV_DEVS },
};

/* The migration in progress: the rig, guest RAM and the bitmaps. */
struct mig_run {
	const struct mig *m;
	struct drig t;
	uint64_t ram, guest, pages, words, seed;
	uint64_t *found, *expect, *dst; /* dst: the destination's copy of the guest */
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
static void mig_expect(struct mig_run *r, uint64_t gpa)
{
	uint64_t unit = r->m->split ? 1ull << r->m->split : mig_region(r, gpa)->leaf;

	dr_set_bits(r->expect, (gpa & ~(unit - 1)) >> 12, unit >> 12);
}

/* Copy the pages set in @bits to the destination, a word at a time (8-byte
 * atomic loads: devices may be writing) and only the words that differ, so
 * a guest of 2 GiB costs the destination what was written. */
static void mig_copy(struct mig_run *r, const uint64_t *bits)
{
	for (uint64_t p = 0; p < r->pages; p++) {
		const uint64_t *src;

		if (!tu_bit(bits, p))
			continue;
		src = dr_ptr(&r->t, mig_pa(r, p << 12));
		for (uint64_t w = 0; w < 512; w++) {
			uint64_t v = __atomic_load_n(&src[w], __ATOMIC_RELAXED);

			if (r->dst[p * 512 + w] != v)
				r->dst[p * 512 + w] = v;
		}
	}
}

static uint64_t mig_pages_differ(struct mig_run *r)
{
	uint64_t n = 0;

	for (uint64_t p = 0; p < r->pages; p++)
		n += memcmp(dr_ptr(&r->t, mig_pa(r, p << 12)), r->dst + p * 512, 4096) != 0;
	return n;
}

/* The guest mapped through the helper, the devices attached. */
static void mig_setup(struct mig_run *r, const struct mig *m)
{
	uint64_t start = 0;

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
	cr_assert_eq(genpt_physmem_alloc(r->t.pm, r->guest + 4 * KiB, m->ram_align, &r->ram), 0,
		     "%s", m->drv.name);
	for (const struct mig_region *g = m->layout; g->end; start = g->end, g++) {
		uint64_t step = g->step ? g->step : g->end - start;

		for (uint64_t a = start; a < g->end; a += step)
			cr_assert_eq(DR(&r->t, map, r->t.pt, a, r->ram + a + g->pa_off, step,
					RW | GENPT_CACHE),
				     0, "%s: map %#llx", m->drv.name, (unsigned long long)a);
	}
	for (uint32_t i = 0; i < m->devs; i++)
		dr_attach(&r->t, m->dev[i], 5);
}

/* Tracking off: writes need no A/D update, a second device reads them. */
static void mig_untracked_access(struct mig_run *r)
{
	uint64_t v = 0;

	cr_assert_eq(dr_write(&r->t, r->m->dev[0], 0x123458, 1), 0, "%s: tracking off: writes pass",
		     r->t.name);
	cr_assert_eq(dr_dma(&r->t, r->m->dev[1], 0x123458, &v, GENPT_ACCESS_READ), 0, "%s", r->t.name);
	cr_assert_eq(v, 1, "%s", r->t.name);
	if (!r->m->drv.smmu)
		cr_assert_eq(dr_tc(&r->t, r->m->dev[0]) & RVI_TC_GADE, 0, "%s: tracking off: no GADE",
			     r->t.name);
}

/* Tracking on (the split refuses a page shift below 4 KiB); returns the
 * table's bytes before it. */
static uint64_t mig_tracking_on(struct mig_run *r)
{
	struct drig *t = &r->t;
	uint64_t bytes0, bytes;

	cr_assert_eq(genpt_table_bytes(t->pt, &bytes0), 0, "%s", t->name);
	if (r->m->split) {
		cr_assert_eq(DR(t, set_dirty_tracking_split, t->pt, true, 11), -EINVAL, "%s",
			     t->name);
		cr_assert_eq(DR(t, set_dirty_tracking_split, t->pt, true, r->m->split), 0, "%s",
			     t->name);
		cr_assert_eq(genpt_table_bytes(t->pt, &bytes), 0, "%s", t->name);
		cr_assert_gt(bytes, bytes0, "%s: leaves were split into tables", t->name);
	} else {
		cr_assert_eq(DR(t, set_dirty_tracking, t->pt, true), 0, "%s", t->name);
	}
	cr_assert_eq(genpt_dirty_tracking(t->pt), 1, "%s", t->name);
	for (uint32_t i = 0; i < r->m->devs && !r->m->drv.smmu; i++)
		cr_assert(dr_tc(t, r->m->dev[i]) & RVI_TC_GADE, "%s: GADE on device %u", t->name, i);
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
	cr_assert_eq(dr_dma(&r->t, r->m->dev[0], rvi_rand(&r->seed) % (r->guest - 8), &v,
			    GENPT_ACCESS_READ), 0, "%s", r->t.name);
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
			     "%s: round %u: harvested %llu pages, expected exactly the %llu written",
			     r->t.name, round, (unsigned long long)tu_popcount(r->found, r->words),
			     (unsigned long long)tu_popcount(r->expect, r->words));
		mig_copy(r, r->found);
		dr_harvest(&r->t, 0, r->guest, 0, r->found);
		cr_assert_eq(tu_popcount(r->found, r->words), 0,
			     "%s: round %u: nothing written since the last harvest", r->t.name,
			     round);
	}
	cr_assert_eq(mig_pages_differ(r), 0, "%s: the destination holds every write", r->t.name);
}

/* Tracking off: GADE cleared, a split table back page for page, every
 * writable leaf dirty again; then detach (the device faults) and unmap. */
static void mig_tracking_off(struct mig_run *r, uint64_t bytes0)
{
	struct drig *t = &r->t;
	uint64_t bytes, done = 0;

	if (r->m->split)
		cr_assert_eq(DR(t, set_dirty_tracking_split, t->pt, false, r->m->split), 0, "%s",
			     t->name);
	else
		cr_assert_eq(DR(t, set_dirty_tracking, t->pt, false), 0, "%s", t->name);
	for (uint32_t i = 0; i < r->m->devs && !r->m->drv.smmu; i++)
		cr_assert_eq(dr_tc(t, r->m->dev[i]) & RVI_TC_GADE, 0, "%s: GADE off", t->name);
	/* Merged back only what the split made: the 64K runs of [256M,
	 * 512M) come back as 64K runs (not the 2M leaves they would merge
	 * into), so exactly the tables of the start, split log included. */
	cr_assert_eq(genpt_table_bytes(t->pt, &bytes), 0, "%s", t->name);
	if (r->m->split)
		cr_assert_eq(bytes, bytes0, "%s: the caller's tables back, no more, no fewer",
			     t->name);
	cr_assert_eq(dr_write(t, r->m->dev[r->m->devs - 1], r->guest / 2 + 5, 2), 0, "%s", t->name);
	dr_harvest(t, 0, r->guest, 0, r->found);
	cr_assert_eq(tu_popcount(r->found, r->words), r->pages,
		     "%s: tracking off reports every page", t->name);
	cr_assert_eq(DR(t, set_dirty_tracking, t->pt, false), 0, "%s: off again: no-op", t->name);
	for (uint32_t i = 0; i < r->m->devs; i++)
		cr_assert_eq(DR(t, detach, r->m->dev[i]), 0, "%s", t->name);
	/* SMMUv3: C_BAD_STE; RISC-V: the DC is not valid */
	cr_assert_eq(dr_write(t, r->m->dev[0], 0x5000, 1), -EFAULT, "%s: detached", t->name);
	cr_assert_eq(dr_unmap(t, 0, r->guest, &done), 0, "%s", t->name);
	cr_assert_eq(done, r->guest, "%s", t->name);
}

static void mig_fini(struct mig_run *r)
{
	genpt_physmem_free(r->t.pm, r->ram, r->guest + 4 * KiB);
	dr_fini(&r->t);
	free(r->found);
	free(r->expect);
	free(r->dst);
}

Test(drv_flows, migration, .timeout = 300)
{
	for (size_t i = 0; i < sizeof(migs) / sizeof(migs[0]); i++) {
		struct mig_run r;
		uint64_t bytes0;

		mig_setup(&r, &migs[i]);
		mig_untracked_access(&r);
		bytes0 = mig_tracking_on(&r);
		mig_rounds(&r);
		mig_tracking_off(&r, bytes0);
		mig_fini(&r);
	}
}

/* ---- the hazard: a harvest must invalidate ----------------------------------- */

/* One hazard case: @len bytes mapped read/write at @iova (RAM aligned to
 * @ram_align), tracking split at @split or at the leaf (0); device @dev
 * writes the page at @page, which a harvest reports as @unit bytes. */
struct hazard {
	struct dr_cfg drv;
	uint64_t iova, len, ram_align, mem, page, unit;
	unsigned int split;
	uint32_t dev;
};

static const struct hazard hazards[] = {
	{ { "smmudrv stage 2, 4K granule", true, true, 40, 12 }, 0x10000000, 64 * MiB, 32 * MiB,
	  GiB, 0x12345000, 4 * KiB, 12, 1 },
	{ { "smmudrv stage 1, 4K granule", true, false, 40, 12 }, 0x10000000, 64 * MiB, 32 * MiB,
	  GiB, 0x12345000, 4 * KiB, 12, 1 },
	/* 64 KiB aligned on both sides: 64 KiB NAPOT runs; 0x5000 is in the
	 * first, pages 0-15 */
	{ { "rvdrv Sv48x4 G-stage, 64K runs", false, true, 50, 12 }, 0, 64 * 4096, 4096,
	  16 * GiB, 0x5000, 64 * KiB, 0, 3 },
};

/* The engine's harvest alone (no invalidation): the pages it reports. */
static void hazard_engine_harvest(struct drig *t, const struct hazard *h, uint64_t *bits)
{
	struct genpt_dirty_bitmap bm = { .bits = bits, .iova = h->iova, .length = h->len,
					 .page_shift = 12 };
	struct genpt_gather g;

	memset(bits, 0, (h->len >> 12) / 8);
	genpt_gather_init(&g);
	cr_assert_eq(genpt_read_and_clear_dirty(t->pt, h->iova, h->len, 0, &bm, &g), 0, "%s",
		     t->name);
	genpt_gather_release(t->pt, &g);
}

/* The harvest reports exactly the unit around h->page. */
static void hazard_expect(struct drig *t, const struct hazard *h, const uint64_t *bits,
			  uint64_t *expect, const char *what, unsigned int round)
{
	uint64_t words = (h->len >> 12) / 64;

	memset(expect, 0, words * 8);
	dr_set_bits(expect, ((h->page & ~(h->unit - 1)) - h->iova) >> 12, h->unit >> 12);
	cr_assert_eq(memcmp(bits, expect, words * 8), 0, "%s: %s (round %u): %llu pages reported",
		     t->name, what, round, (unsigned long long)tu_popcount(bits, words));
}

/* The engine cleans, nobody invalidates, the next write hits the entry
 * the IOTLB cached writable-dirty and marks nothing. */
static void hazard_lost_write(struct drig *t, const struct hazard *h, uint64_t *bits,
			      uint64_t *expect)
{
	struct genpt_smmu_stats st;

	cr_assert_eq(dr_write(t, h->dev, h->page, 1), 0, "%s", t->name);
	hazard_engine_harvest(t, h, bits);
	hazard_expect(t, h, bits, expect, "the first write is reported", 0);
	if (t->c->smmu)
		cr_assert_eq(genpt_smmu_stats(t->se.smmu, &st), 0, "%s", t->name);
	cr_assert_eq(dr_write(t, h->dev, h->page + 8, 2), 0, "%s", t->name);
	hazard_engine_harvest(t, h, bits);
	cr_assert_eq(tu_popcount(bits, (h->len >> 12) / 64), 0,
		     "%s: the hazard: without invalidation the second write is lost", t->name);
}

Test(drv_flows, harvest_invalidates_cached_dirty_translations, .timeout = 120)
{
	for (size_t i = 0; i < sizeof(hazards) / sizeof(hazards[0]); i++) {
		const struct hazard *h = &hazards[i];
		uint64_t *bits = calloc((h->len >> 12) / 64, 8), *expect = calloc((h->len >> 12) / 64, 8);
		struct genpt_dirty_bitmap bm = { .bits = bits, .iova = h->iova, .length = h->len,
						 .page_shift = 12 };
		uint64_t ram;
		struct drig t;

		cr_assert(bits && expect);
		dr_init(&t, &h->drv, h->mem);
		cr_assert_eq(genpt_physmem_alloc(t.pm, h->len, h->ram_align, &ram), 0, "%s", t.name);
		cr_assert_eq(DR(&t, map, t.pt, h->iova, ram, h->len, RW), 0, "%s", t.name);
		dr_attach(&t, h->dev, 9);
		if (h->split)
			cr_assert_eq(DR(&t, set_dirty_tracking_split, t.pt, true, h->split), 0, "%s",
				     t.name);
		else
			cr_assert_eq(DR(&t, set_dirty_tracking, t.pt, true), 0, "%s", t.name);
		hazard_lost_write(&t, h, bits, expect);
		/* The stale entry stays until something invalidates it (a later
		 * harvest cleans nothing there, so it gathers nothing). */
		cr_assert_eq(DR(&t, invalidate, t.pt, h->iova, h->iova + h->len - 1), 0, "%s",
			     t.name);
		/* Through the helper (IOTLB invalidation + sync after each
		 * harvest) nothing is lost. */
		cr_assert_eq(dr_write(&t, h->dev, h->page + 16, 3), 0, "%s", t.name);
		for (unsigned int r = 0; r < 5; r++) {
			dr_harvest(&t, h->iova, h->len, 0, bits);
			hazard_expect(&t, h, bits, expect, "the write after a helper harvest", r);
			cr_assert_eq(dr_write(&t, h->dev, h->page + 8 * r, 4 + r), 0, "%s", t.name);
		}
		/* GENPT_DIRTY_NO_CLEAR reports and keeps */
		dr_harvest(&t, h->iova, h->len, GENPT_DIRTY_NO_CLEAR, bits);
		hazard_expect(&t, h, bits, expect, "NO_CLEAR", 0);
		dr_harvest(&t, h->iova, h->len, 0, bits);
		hazard_expect(&t, h, bits, expect, "kept by NO_CLEAR", 0);
		cr_assert_eq(DR(&t, read_and_clear_dirty, t.pt, h->iova, h->len, 8, &bm), -EINVAL,
			     "%s: bad flags", t.name);
		cr_assert_eq(DR(&t, detach, h->dev), 0, "%s", t.name);
		genpt_physmem_free(t.pm, ram, h->len);
		dr_fini(&t);
		free(bits);
		free(expect);
	}
}
