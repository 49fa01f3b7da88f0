// SPDX-License-Identifier: MIT
/*
 * test_table_accessed.c - GENPT_FEAT_TABLE_ACCESSED: the harvest skips the
 * subtrees whose table accessed flag hardware left clear.  Written once for
 * every format that has the feature (x86-64, VT-d second stage, AMD v1),
 * against the simulated IOMMU with a paging-structure (walk) cache:
 *  - the hazard: skipping without invalidating the gather loses pages that
 *    devices wrote through a cached table entry (and the full scan does
 *    not, so the cache is what loses them);
 *  - with the invalidation every round reports exactly the pages written;
 *  - devices writing concurrently with harvests lose nothing.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/genpt.h"
#include "genpt/hw.h"
#include "genpt/sim_iommu.h"
#include "testutil.h"

#define TA_PM_BASE (4ull << 30)
#define TA_PM_SIZE (256ull << 20)
#define TA_LEN (64ull << 20) /* 32 leaf tables of 4K pages */
#define TA_PAGES (TA_LEN >> 12)
#define TA_WORDS (TA_PAGES / 64)

struct ta_fmt {
	const char *name;
	struct genpt_config cfg;
};

static const struct ta_fmt ta_fmts[] = {
	{ "x86_64", { .format = GENPT_FMT_X86_64, .va_bits = 48 } },
	{ "vtdss", { .format = GENPT_FMT_VTDSS, .va_bits = 48 } },
	{ "amdv1", { .format = GENPT_FMT_AMDV1, .va_bits = 48 } },
};
#define TA_NFMTS (sizeof(ta_fmts) / sizeof(ta_fmts[0]))

struct ta_env {
	struct genpt_physmem *pm;
	struct genpt *pt;
	struct genpt_sim_iommu *iommu;
	uint64_t bits[TA_WORDS];
};

/* 64 MiB of 4K leaves (the output is off by one page from 2M alignment, so
 * no larger leaf fits), tracking on, a clean slate, a walk cache. */
static void ta_init(struct ta_env *e, const struct ta_fmt *f, bool skip)
{
	struct genpt_config cfg = f->cfg;
	struct genpt_sim_iommu_config sc = { 0 };
	uint64_t ram;

	memset(e, 0, sizeof(*e));
	cr_assert_eq(genpt_physmem_create(TA_PM_BASE, TA_PM_SIZE, &e->pm), 0);
	cfg.mem = &genpt_physmem_ops;
	cfg.mem_ctx = e->pm;
	if (skip)
		cfg.features |= GENPT_FEAT_TABLE_ACCESSED;
	cr_assert_eq(genpt_create(&cfg, &e->pt), 0, "%s", f->name);
	cr_assert_eq(genpt_physmem_alloc(e->pm, TA_LEN + (4ull << 20), 2ull << 20, &ram), 0);
	cr_assert_eq(genpt_map(e->pt, 0, ram + 4096, TA_LEN, GENPT_READ | GENPT_WRITE, NULL), 0);
	cr_assert_eq(genpt_set_dirty_tracking(e->pt, true), 0);
	cr_assert_eq(genpt_read_and_clear_dirty(e->pt, 0, TA_LEN, 0, NULL, NULL), 0);
	sc.table = e->pt;
	sc.mem = &genpt_physmem_ops;
	sc.mem_ctx = e->pm;
	cr_assert_eq(genpt_sim_iommu_create(&sc, &e->iommu), 0);
	cr_assert_eq(genpt_sim_iommu_set_walk_cache(e->iommu, 256), 0);
}

static void ta_fini(struct ta_env *e)
{
	genpt_sim_iommu_destroy(e->iommu);
	genpt_destroy(e->pt);
	genpt_physmem_destroy(e->pm);
}

static void ta_write(struct ta_env *e, uint64_t page)
{
	uint64_t v = page;

	cr_assert_eq(genpt_sim_iommu_dma(e->iommu, page << 12, &v, sizeof(v),
					 GENPT_ACCESS_WRITE), 0);
}

/* Harvest everything into e->bits (cleared first); invalidate the gather
 * when @inval.  Returns the pages reported. */
static uint64_t ta_harvest(struct ta_env *e, unsigned int flags, bool inval)
{
	struct genpt_dirty_bitmap bm = { .bits = e->bits, .iova = 0, .length = TA_LEN,
					 .page_shift = 12 };
	struct genpt_gather g;

	memset(e->bits, 0, sizeof(e->bits));
	genpt_gather_init(&g);
	cr_assert_eq(genpt_read_and_clear_dirty(e->pt, 0, TA_LEN, flags, &bm, &g), 0);
	if (inval && g.start <= g.last)
		cr_assert_eq(genpt_sim_iommu_invalidate(e->iommu, g.start, g.last), 0);
	cr_assert_eq(genpt_gather_release(e->pt, &g), 0);
	return tu_popcount(e->bits, TA_WORDS);
}

Test(table_accessed, only_formats_with_table_flags)
{
	static const struct genpt_config no[] = {
		{ .format = GENPT_FMT_RISCV, .va_bits = 39 },
		{ .format = GENPT_FMT_ARMV8, .va_bits = 48, .granule_bits = 12 },
	};
	struct genpt_config bad = ta_fmts[0].cfg;
	struct genpt_caps caps;
	struct genpt *pt;

	for (unsigned int i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		struct genpt_config c = no[i];

		cr_assert_eq(genpt_create(&c, &pt), 0);
		genpt_destroy(pt);
		c.features |= GENPT_FEAT_TABLE_ACCESSED;
		cr_assert_eq(genpt_create(&c, &pt), -EOPNOTSUPP, "format %d", c.format);
		cr_assert_eq(genpt_query_caps(&c, NULL, &caps), -EOPNOTSUPP);
	}
	/* -EINVAL first: a foreign bit besides it. */
	bad.features = GENPT_FEAT_TABLE_ACCESSED | GENPT_FEAT_RISCV_SVNAPOT;
	cr_assert_eq(genpt_create(&bad, &pt), -EINVAL);
	for (unsigned int i = 0; i < TA_NFMTS; i++) {
		struct genpt_config c = ta_fmts[i].cfg, got;

		c.features = GENPT_FEAT_TABLE_ACCESSED;
		cr_assert_eq(genpt_query_caps(&c, NULL, &caps), 0);
		cr_assert_eq(genpt_create(&c, &pt), 0, "%s", ta_fmts[i].name);
		cr_assert_eq(genpt_get_config(pt, &got), 0);
		cr_assert(got.features & GENPT_FEAT_TABLE_ACCESSED);
		genpt_destroy(pt);
	}
}

/*
 * Each round writes pages never written before (so no IOTLB entry is
 * involved), in the same 2 MiB regions, and harvests without invalidating.
 * The walk cache keeps the leaf tables' entries, so from the second round
 * on devices write below them without setting A: the full scan still sees
 * every page, the skipping harvest loses some.
 */
static uint64_t ta_lost_without_invalidation(const struct ta_fmt *f, bool skip)
{
	struct ta_env e;
	uint64_t lost = 0;

	ta_init(&e, f, skip);
	for (uint64_t round = 0; round < 6; round++) {
		for (uint64_t r = 0; r < 8; r++)
			ta_write(&e, r * 4 * 512 + round);
		ta_harvest(&e, 0, false);
		for (uint64_t r = 0; r < 8; r++)
			lost += !tu_bit(e.bits, r * 4 * 512 + round);
	}
	ta_fini(&e);
	return lost;
}

Test(table_accessed, hazard_skip_without_invalidation_loses_pages)
{
	for (unsigned int i = 0; i < TA_NFMTS; i++) {
		cr_assert_eq(ta_lost_without_invalidation(&ta_fmts[i], false), 0,
			     "%s: full scan", ta_fmts[i].name);
		cr_assert_gt(ta_lost_without_invalidation(&ta_fmts[i], true), 0,
			     "%s: skipping without invalidation lost nothing", ta_fmts[i].name);
	}
}

/* Random rounds with the invalidation: each reports exactly the pages
 * written since the last, NO_CLEAR reads included. */
Test(table_accessed, lossless_random_with_invalidation)
{
	static uint64_t want[TA_WORDS];

	for (unsigned int i = 0; i < TA_NFMTS; i++) {
		struct ta_env e;
		struct tu_rng seed = { 12345u + i };

		ta_init(&e, &ta_fmts[i], true);
		for (unsigned int round = 0; round < 40; round++) {
			unsigned int regions = 1 + (unsigned int)tu_rand(&seed) % 3;

			memset(want, 0, sizeof(want));
			for (unsigned int r = 0; r < regions; r++) {
				uint64_t base = (uint64_t)(tu_rand(&seed) % 32) * 512;

				for (unsigned int k = 0; k < 5; k++) {
					uint64_t page = base + (uint64_t)(tu_rand(&seed) % 512);

					ta_write(&e, page);
					want[page / 64] |= 1ull << (page % 64);
				}
			}
			if (round % 7 == 3) {
				ta_harvest(&e, GENPT_DIRTY_NO_CLEAR, false);
				cr_assert(!memcmp(e.bits, want, sizeof(want)), "%s round %u NO_CLEAR",
						 ta_fmts[i].name, round);
			}
			ta_harvest(&e, 0, true);
			cr_assert(!memcmp(e.bits, want, sizeof(want)), "%s round %u",
					 ta_fmts[i].name, round);
		}
		/* Nothing written: nothing reported, and the subtrees are
		 * skipped (no assertion on time: only on the answer). */
		cr_assert_eq(ta_harvest(&e, 0, true), 0);
		cr_assert_eq(ta_harvest(&e, 0, true), 0);
		ta_fini(&e);
	}
}

/* Tracking off marks every leaf dirty: the seen marks must not hide that
 * once tracking is back on. */
Test(table_accessed, tracking_off_and_on_reports_everything)
{
	for (unsigned int i = 0; i < TA_NFMTS; i++) {
		struct ta_env e;

		ta_init(&e, &ta_fmts[i], true);
		ta_write(&e, 7);
		ta_harvest(&e, 0, true);
		ta_harvest(&e, 0, true);
		cr_assert_eq(ta_harvest(&e, 0, true), 0);
		cr_assert_eq(genpt_set_dirty_tracking(e.pt, false), 0);
		cr_assert_eq(genpt_set_dirty_tracking(e.pt, true), 0);
		cr_assert_eq(genpt_sim_iommu_invalidate(e.iommu, 0, UINT64_MAX), 0);
		cr_assert_eq(ta_harvest(&e, 0, true), TA_PAGES, "%s", ta_fmts[i].name);
		cr_assert_eq(ta_harvest(&e, 0, true), 0);
		ta_fini(&e);
	}
}

/* ------------------------------------------------------- concurrent -- */

struct ta_dev {
	struct ta_env *e;
	struct tu_rng seed;
	uint64_t written[TA_WORDS];
	int stop; /* atomic */
};

/* A device writing a hot set: a few regions, random pages in them. */
static void *ta_device(void *arg)
{
	struct ta_dev *d = arg;

	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
		uint64_t region = (uint64_t)(tu_rand(&d->seed) % 4) * 7;
		uint64_t page = region * 512 + (uint64_t)(tu_rand(&d->seed) % 512);
		uint64_t v = page;

		if (genpt_sim_iommu_dma(d->e->iommu, page << 12, &v, sizeof(v),
					GENPT_ACCESS_WRITE) == 0)
			d->written[page / 64] |= 1ull << (page % 64);
	}
	return NULL;
}

Test(table_accessed, concurrent_devices_lose_nothing)
{
	static struct ta_dev dev[2];
	static uint64_t seen[TA_WORDS];

	for (unsigned int i = 0; i < TA_NFMTS; i++) {
		struct ta_env e;
		pthread_t th[2];

		ta_init(&e, &ta_fmts[i], true);
		memset(seen, 0, sizeof(seen));
		for (unsigned int d = 0; d < 2; d++) {
			memset(&dev[d], 0, sizeof(dev[d]));
			dev[d].e = &e;
			dev[d].seed.s = 99u + d + i;
			cr_assert_eq(pthread_create(&th[d], NULL, ta_device, &dev[d]), 0);
		}
		for (unsigned int round = 0; round < 30; round++) {
			ta_harvest(&e, 0, true);
			for (unsigned int w = 0; w < TA_WORDS; w++)
				seen[w] |= e.bits[w];
		}
		for (unsigned int d = 0; d < 2; d++) {
			__atomic_store_n(&dev[d].stop, 1, __ATOMIC_RELEASE);
			pthread_join(th[d], NULL);
		}
		/* Devices stopped: two more harvests (the second one after the
		 * invalidation of the first's gather) see everything left. */
		for (unsigned int round = 0; round < 2; round++) {
			ta_harvest(&e, 0, true);
			for (unsigned int w = 0; w < TA_WORDS; w++)
				seen[w] |= e.bits[w];
		}
		for (unsigned int w = 0; w < TA_WORDS; w++)
			cr_assert_eq((dev[0].written[w] | dev[1].written[w]) & ~seen[w], 0,
				     "%s: lost pages in word %u", ta_fmts[i].name, w);
		ta_fini(&e);
	}
}
