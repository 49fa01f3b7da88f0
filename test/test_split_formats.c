// SPDX-License-Identifier: MIT
/*
 * test_split_formats.c - genpt_split / genpt_merge on every format that has
 * 1G, 2M and 4K leaves, through the public API only.
 *
 * The leaf size at an address is measured the way a VMM sees it: with
 * tracking on and the table clean, one hardware write there dirties
 * exactly one leaf, and the harvest reports that many 4K pages.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/genpt.h"

#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)
#define RW (GENPT_READ | GENPT_WRITE)
#define OA_BASE (1ull << 36)
#define VA (4 * SZ_1G)

struct fmt_case {
	const char *name;
	struct genpt_config cfg;
};

static const struct fmt_case cases[] = {
	{ "riscv-sv48", { .format = GENPT_FMT_RISCV, .va_bits = 48 } },
	{ "riscv-sv39x4", { .format = GENPT_FMT_RISCV, .va_bits = 41,
			    .features = GENPT_FEAT_RISCV_GSTAGE } },
	{ "armv8-s1-4k", { .format = GENPT_FMT_ARMV8, .va_bits = 48,
			   .features = GENPT_FEAT_ARMV8_DBM } },
	{ "armv8-s2-4k", { .format = GENPT_FMT_ARMV8, .va_bits = 40,
			   .features = GENPT_FEAT_ARMV8_S2 | GENPT_FEAT_ARMV8_DBM } },
	{ "x86-64", { .format = GENPT_FMT_X86_64, .va_bits = 48 } },
	{ "vtd-ss", { .format = GENPT_FMT_VTDSS, .va_bits = 48 } },
	{ "amd-v1", { .format = GENPT_FMT_AMDV1, .va_bits = 48 } },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

struct tbl {
	struct genpt_physmem *pm;
	struct genpt *pt;
	const char *name;
};

static void tbl_init(struct tbl *t, const struct fmt_case *c)
{
	struct genpt_config cfg = c->cfg;

	cr_assert_eq(genpt_physmem_create(1ull << 32, 1ull << 32, &t->pm), 0);
	cfg.mem = &genpt_physmem_ops;
	cfg.mem_ctx = t->pm;
	cr_assert_eq(genpt_create(&cfg, &t->pt), 0, "%s: create", c->name);
	cr_assert_eq(genpt_set_dirty_tracking(t->pt, true), 0);
	t->name = c->name;
}

static void tbl_fini(struct tbl *t)
{
	uint64_t bytes = 1;

	genpt_destroy(t->pt);
	cr_assert_eq(genpt_physmem_stats(t->pm, &bytes, NULL), 0);
	cr_assert_eq(bytes, 0, "%s: physmem leaked", t->name);
	genpt_physmem_destroy(t->pm);
}

static uint64_t table_bytes(const struct tbl *t)
{
	uint64_t b;

	cr_assert_eq(genpt_table_bytes(t->pt, &b), 0);
	return b;
}

static uint64_t popcount(const uint64_t *bits, uint64_t words)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < words; i++)
		n += (uint64_t)__builtin_popcountll(bits[i]);
	return n;
}

/* Harvest [VA, VA + 1G) into a fresh 4K bitmap; returns the page count. */
static uint64_t harvest_pages(struct tbl *t, unsigned int flags)
{
	uint64_t words = (SZ_1G >> 12) / 64, n;
	uint64_t *bits = calloc(words, 8);
	struct genpt_dirty_bitmap bm = { bits, VA, SZ_1G, 12 };

	cr_assert_not_null(bits);
	cr_assert_eq(genpt_read_and_clear_dirty(t->pt, VA, SZ_1G, flags, &bm, NULL), 0);
	n = popcount(bits, words);
	free(bits);
	return n;
}

/* Bytes of the leaf that maps @va (the table must be clean). */
static uint64_t leaf_bytes(struct tbl *t, uint64_t va)
{
	cr_assert_eq(genpt_hw_access(t->pt, va, GENPT_ACCESS_WRITE, NULL), 0,
		     "%s: write at %#llx", t->name, (unsigned long long)va);
	return harvest_pages(t, 0) << 12;
}

static void expect_linear(struct tbl *t, uint64_t stride)
{
	for (uint64_t off = 0; off < SZ_1G; off += stride) {
		uint64_t oa;

		cr_assert_eq(genpt_iova_to_phys(t->pt, VA + off + 0x18, &oa), 0);
		cr_assert_eq(oa, OA_BASE + off + 0x18, "%s: at +%#llx", t->name,
			     (unsigned long long)off);
	}
}

Test(split_formats, gigabyte_to_2m_to_4k_and_back)
{
	for (unsigned int c = 0; c < NCASES; c++) {
		struct tbl t;
		struct genpt_gather g;
		uint64_t bytes0;

		tbl_init(&t, &cases[c]);
		cr_assert_eq(genpt_map(t.pt, VA, OA_BASE, SZ_1G, RW, NULL), 0);
		bytes0 = table_bytes(&t);
		cr_assert_eq(leaf_bytes(&t, VA + 5 * SZ_4K), SZ_1G, "%s", t.name);

		genpt_gather_init(&g);
		cr_assert_eq(genpt_split(t.pt, VA, SZ_1G, 21, &g), 0, "%s", t.name);
		cr_assert_eq(g.start, VA);
		cr_assert_eq(g.last, VA + SZ_1G - 1);
		cr_assert_eq(genpt_gather_release(t.pt, &g), 0);
		cr_assert_eq(table_bytes(&t), bytes0 + 4096, "%s", t.name);
		cr_assert_eq(leaf_bytes(&t, VA + 7 * SZ_2M), SZ_2M, "%s", t.name);
		expect_linear(&t, SZ_2M / 2);

		cr_assert_eq(genpt_split(t.pt, VA + 7 * SZ_2M, SZ_4K, 12, NULL), 0);
		cr_assert_eq(table_bytes(&t), bytes0 + 2 * 4096, "%s", t.name);
		cr_assert_eq(leaf_bytes(&t, VA + 7 * SZ_2M + 3 * SZ_4K), SZ_4K, "%s", t.name);
		cr_assert_eq(leaf_bytes(&t, VA + 8 * SZ_2M), SZ_2M, "%s", t.name);
		expect_linear(&t, SZ_4K * 61);

		genpt_gather_init(&g);
		cr_assert_eq(genpt_merge(t.pt, VA, SZ_1G, &g), 0, "%s", t.name);
		cr_assert_eq(genpt_gather_release(t.pt, &g), 0);
		cr_assert_eq(table_bytes(&t), bytes0, "%s: tables back", t.name);
		cr_assert_eq(leaf_bytes(&t, VA + 9 * SZ_4K), SZ_1G, "%s", t.name);
		expect_linear(&t, SZ_2M);
		tbl_fini(&t);
	}
}

/* A dirty leaf splits into dirty leaves; a merge is dirty if a child was. */
Test(split_formats, dirty_state_both_ways)
{
	for (unsigned int c = 0; c < NCASES; c++) {
		struct tbl t;

		tbl_init(&t, &cases[c]);
		cr_assert_eq(genpt_map(t.pt, VA, OA_BASE, SZ_1G, RW, NULL), 0);
		cr_assert_eq(genpt_hw_access(t.pt, VA + SZ_4K, GENPT_ACCESS_WRITE, NULL), 0);
		cr_assert_eq(genpt_split(t.pt, VA, SZ_1G, 12, NULL), 0);
		cr_assert_eq(harvest_pages(&t, 0), SZ_1G >> 12, "%s: children dirty", t.name);
		cr_assert_eq(harvest_pages(&t, 0), 0, "%s: cleaned", t.name);
		cr_assert_eq(genpt_hw_access(t.pt, VA + 3 * SZ_2M + 5 * SZ_4K,
					     GENPT_ACCESS_WRITE, NULL), 0);
		cr_assert_eq(harvest_pages(&t, GENPT_DIRTY_NO_CLEAR), 1, "%s", t.name);
		cr_assert_eq(genpt_merge(t.pt, VA, SZ_1G, NULL), 0);
		cr_assert_eq(harvest_pages(&t, 0), SZ_1G >> 12, "%s: merged dirty", t.name);
		tbl_fini(&t);
	}
}

/* AMD v1 sizes between the levels are replicated runs: a 1M page splits
 * in place into 64K runs, then 4K pages, and merges back, with no table. */
Test(split_formats, amdv1_runs_in_place)
{
	struct tbl t;
	uint64_t bytes0;

	tbl_init(&t, &cases[NCASES - 1]);
	cr_assert_eq(genpt_map(t.pt, VA, OA_BASE, 1ull << 20, RW, NULL), 0);
	bytes0 = table_bytes(&t);
	cr_assert_eq(leaf_bytes(&t, VA), 1ull << 20);
	cr_assert_eq(genpt_split(t.pt, VA, 1ull << 20, 16, NULL), 0);
	cr_assert_eq(table_bytes(&t), bytes0);
	cr_assert_eq(leaf_bytes(&t, VA + (1ull << 19)), 1ull << 16);
	cr_assert_eq(genpt_split(t.pt, VA, 1ull << 20, 12, NULL), 0);
	cr_assert_eq(leaf_bytes(&t, VA + (1ull << 19)), SZ_4K);
	cr_assert_eq(genpt_merge(t.pt, VA, 1ull << 20, NULL), 0);
	cr_assert_eq(leaf_bytes(&t, VA + 3 * SZ_4K), 1ull << 20);
	cr_assert_eq(table_bytes(&t), bytes0);
	tbl_fini(&t);
}

/* AMD v1 has 1T..128T pages as runs on a level without a plain page size
 * (no 512G): a run no larger than the target stays, and one that is larger
 * is re-expressed in place when a smaller run still fits there. */
Test(split_formats, amdv1_runs_on_a_level_without_plain_pages)
{
	struct genpt_physmem *pm;
	struct genpt *pt;
	struct genpt_config cfg = { .format = GENPT_FMT_AMDV1, .va_bits = 64 };
	struct genpt_gather g;
	uint64_t b0, b, oa;

	cr_assert_eq(genpt_physmem_create(1ull << 32, 1ull << 30, &pm), 0);
	cfg.mem = &genpt_physmem_ops;
	cfg.mem_ctx = pm;
	cr_assert_eq(genpt_create(&cfg, &pt), 0);
	cr_assert_eq(genpt_map(pt, 1ull << 44, 1ull << 44, 4ull << 40, RW, NULL), 0);
	cr_assert_eq(genpt_table_bytes(pt, &b0), 0);
	genpt_gather_init(&g);
	cr_assert_eq(genpt_split(pt, 1ull << 44, 4ull << 40, 42, &g), 0);
	cr_assert_eq(genpt_table_bytes(pt, &b), 0);
	cr_assert_eq(b, b0, "a 4T run is not above 2^42: nothing to do");
	cr_assert_gt(g.start, g.last);
	cr_assert_eq(genpt_split(pt, 1ull << 44, 4ull << 40, 40, &g), 0);
	cr_assert_eq(genpt_table_bytes(pt, &b), 0);
	cr_assert_eq(b, b0, "4T -> four 1T runs, in place");
	cr_assert_eq(g.start, 1ull << 44);
	cr_assert_eq(g.last, (1ull << 44) + (4ull << 40) - 1);
	cr_assert_eq(genpt_iova_to_phys(pt, (1ull << 44) + (3ull << 40) + 77, &oa), 0);
	cr_assert_eq(oa, (1ull << 44) + (3ull << 40) + 77);
	cr_assert_eq(genpt_merge(pt, 1ull << 44, 4ull << 40, &g), 0);
	cr_assert_eq(genpt_gather_release(pt, &g), 0);
	genpt_destroy(pt);
	genpt_physmem_destroy(pm);
}

/* ---------------------------------------------------------- concurrent -- */

#define RACE_PAGES 2048u /* 8 MiB: four 2M leaves */

struct racer {
	struct genpt *pt;
	unsigned int seed;
	int stop;
	int bad;
	uint8_t written[RACE_PAGES];
};

static void *race_writer(void *arg)
{
	struct racer *r = arg;
	unsigned int s = r->seed;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		unsigned int p;
		int err;

		s = s * 1103515245u + 12345u;
		p = (s >> 8) % RACE_PAGES;
		err = genpt_hw_access(r->pt, VA + (uint64_t)p * SZ_4K, GENPT_ACCESS_WRITE, NULL);
		if (err)
			r->bad = err;
		r->written[p] = 1;
	}
	return NULL;
}

/* Devices write while the table is split and merged over and over, in
 * every format: no write faults and no written page loses its dirty
 * state.  Freed tables wait in the gather until the writers stopped (what
 * an IOTLB invalidation's completion guarantees on real hardware). */
Test(split_formats, hardware_writes_race_split_and_merge)
{
	for (unsigned int c = 0; c < NCASES; c++) {
		struct tbl t;
		struct racer r[2];
		pthread_t th[2];
		struct genpt_gather g;
		uint64_t *bits = calloc(RACE_PAGES / 64, 8);
		struct genpt_dirty_bitmap bm = { bits, VA, RACE_PAGES * SZ_4K, 12 };

		cr_assert_not_null(bits);
		tbl_init(&t, &cases[c]);
		cr_assert_eq(genpt_map(t.pt, VA, OA_BASE, RACE_PAGES * SZ_4K, RW, NULL), 0);
		for (int i = 0; i < 2; i++) {
			memset(&r[i], 0, sizeof(r[i]));
			r[i].pt = t.pt;
			r[i].seed = 11u + 17u * (unsigned int)i + c;
			cr_assert_eq(pthread_create(&th[i], NULL, race_writer, &r[i]), 0);
		}
		genpt_gather_init(&g);
		for (int round = 0; round < 20; round++) {
			cr_assert_eq(genpt_split(t.pt, VA, RACE_PAGES * SZ_4K,
						 round % 2 ? 12 : 16, &g), 0);
			cr_assert_eq(genpt_merge(t.pt, VA, RACE_PAGES * SZ_4K, &g), 0);
		}
		for (int i = 0; i < 2; i++) {
			__atomic_store_n(&r[i].stop, 1, __ATOMIC_RELEASE);
			cr_assert_eq(pthread_join(th[i], NULL), 0);
			cr_assert_eq(r[i].bad, 0, "%s: a write faulted: %d", t.name, r[i].bad);
		}
		cr_assert_eq(genpt_gather_release(t.pt, &g), 0);
		cr_assert_eq(genpt_read_and_clear_dirty(t.pt, VA, RACE_PAGES * SZ_4K, 0, &bm,
							NULL), 0);
		for (unsigned int p = 0; p < RACE_PAGES; p++)
			if (r[0].written[p] || r[1].written[p])
				cr_assert(bits[p / 64] >> (p % 64) & 1,
					  "%s: page %u written but not dirty", t.name, p);
		free(bits);
		tbl_fini(&t);
	}
}
