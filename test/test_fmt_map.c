// SPDX-License-Identifier: MIT
/*
 * test_fmt_map.c - map, unmap and the gather on every configuration of
 * every format (af_all[], test/support/anyfmt.h), checked against the raw
 * walk of the format's entries.  Every failure names the configuration.
 * Here: the descriptor, the leaf sizes, and one leaf of every size at
 * every level; mixed ranges: test_fmt_map_ranges.c; the edges of the
 * space: test_fmt_map_space.c; unmap and the gather: test_fmt_map_unmap.c;
 * permissions and what hardware writes: test_fmt_map_prot.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>

#include "anyfmt.h"
#include "fmap.h"

/* What genpt says of each configuration is what the manuals say. */
Test(fmt_map, descriptor_matches_caps_and_hw_info)
{
	for (AF_EACH(c)) {
		struct genpt_caps caps;
		struct af_table t;
		int err = genpt_query_caps(&c->cfg, NULL, &caps);

		cr_assert_eq(err, 0, "%s: query_caps: %d", c->name, err);
		cr_expect(caps.levels == c->levels && caps.va_bits == c->cfg.va_bits &&
			  caps.oa_bits == c->cfg.oa_bits &&
			  caps.granule_bits == c->cfg.granule_bits,
			  "%s: caps levels %u va %u oa %u granule %u", c->name,
			  caps.levels, caps.va_bits, caps.oa_bits, caps.granule_bits);
		cr_expect_eq(caps.page_sizes, af_page_sizes(c),
			     "%s: page sizes 0x%llx, the manual says 0x%llx", c->name,
			     (unsigned long long)caps.page_sizes,
			     (unsigned long long)af_page_sizes(c));
		cr_expect_eq(caps.run_sizes, af_run_sizes(c),
			     "%s: run sizes 0x%llx, the manual says 0x%llx", c->name,
			     (unsigned long long)caps.run_sizes,
			     (unsigned long long)af_run_sizes(c));
		cr_expect_eq(caps.dirty, c->dirty, "%s: caps.dirty %d", c->name, caps.dirty);
		af_table_init(&t, c, 0, 0);
		if (c->fmt->fam == AF_ARMV8)
			cr_expect(t.info.start_level == c->start_level &&
				  t.info.concat == c->concat,
				  "%s: start level %u concat %u; the manual says %u, %u",
				  c->name, t.info.start_level, t.info.concat,
				  c->start_level, c->concat);
		af_table_fini(&t);
	}
}

#define B(n) (1ull << (n))
#define SIZES(lo, hi) (((hi) >= 63 ? ~0ull : B((hi) + 1) - 1) & ~(B(lo) - 1))

/* The leaf sizes of some configurations, written out from the manuals:
 * the rule in anyfmt_cfg.c and what genpt reports must both say so. */
Test(fmt_map, leaf_size_sets)
{
	static const struct {
		const char *name;
		uint64_t sizes;
	} want[] = {
		{ "riscv/sv39", B(30) | B(21) | B(12) },
		{ "riscv/sv39+napot", B(30) | B(21) | B(16) | B(12) },
		{ "riscv/sv48x4", B(39) | B(30) | B(21) | B(12) },
		{ "riscv/sv57+napot", B(48) | B(39) | B(30) | B(21) | B(16) | B(12) },
		{ "riscv/sv48x4+napot", B(39) | B(30) | B(21) | B(16) | B(12) },
		/* 4K: 16G (16 x 1G), 1G, 32M (16 x 2M), 2M, 64K (16 x 4K), 4K */
		{ "armv8/s1-4k-48+dbm+contig", B(34) | B(30) | B(25) | B(21) | B(16) | B(12) },
		{ "armv8/s1-4k-48", B(30) | B(21) | B(12) },
		{ "armv8/s1-4k-30+dbm+contig", B(25) | B(21) | B(16) | B(12) },
		/* 16K: 1G (32 x 32M), 32M, 2M (128 x 16K), 16K */
		{ "armv8/s1-16k-48+dbm+contig", B(30) | B(25) | B(21) | B(14) },
		{ "armv8/s2-16k-41+dbm", B(25) | B(14) },
		/* a single level: 16K pages and 2M runs only */
		{ "armv8/s2-16k-29+dbm+contig", B(21) | B(14) },
		/* 64K: 16G (32 x 512M), 512M, 2M (32 x 64K), 64K */
		{ "armv8/s1-64k-48+dbm+contig", B(34) | B(29) | B(21) | B(16) },
		{ "armv8/s2-64k-46+dbm+contig", B(34) | B(29) | B(21) | B(16) },
		{ "armv8/s1-64k-25+dbm+contig", B(21) | B(16) },
		{ "x86-64/5", B(30) | B(21) | B(12) },
		{ "vtdss/39", B(30) | B(21) | B(12) },
		/* AMD v1: every power of two the levels reach, never 512G */
		{ "amdv1/mode1", SIZES(12, 20) },
		{ "amdv1/mode3", SIZES(12, 38) },
		{ "amdv1/mode5", SIZES(12, 51) & ~B(39) },
		{ "amdv1/mode6", SIZES(12, 51) & ~B(39) },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct af_cfg *c = af_cfg_named(want[i].name);
		struct genpt_caps caps;

		cr_assert_eq(af_page_sizes(c), want[i].sizes, "%s: rule 0x%llx, manual 0x%llx",
			     c->name, ULL(af_page_sizes(c)), ULL(want[i].sizes));
		cr_assert_eq(genpt_query_caps(&c->cfg, NULL, &caps), 0, "%s", c->name);
		cr_assert_eq(caps.page_sizes, want[i].sizes, "%s: genpt 0x%llx, manual 0x%llx",
			     c->name, ULL(caps.page_sizes), ULL(want[i].sizes));
	}
}

/* ------------------------------------------------ one leaf of every size -- */

/*
 * Map one leaf (or run) of 2^@sh bytes at @iova -> @oa and check its
 * tables and entries: one new table page per level between the root and
 * the leaf, the leaf at its level with every member exact (accessed, and
 * write-dirty while tracking is off), the entries around it empty.
 */
static void leaf_entries(struct af_table *t, uint64_t iova, uint64_t oa, unsigned int sh,
			 const char *what)
{
	const struct af_cfg *c = t->c;
	unsigned int lvl = fm_level_of(c, sh), chain = c->levels - 1 - lvl;
	unsigned int run = 1u << (sh - af_lvl_shift(c, lvl));
	uint64_t gran = 1ull << af_gshift(c), size = 1ull << sh;
	uint64_t want_bytes = t->info.root_size + chain * gran;
	uint64_t tbase, tsize, slot;
	size_t counts[RAWFMT_MAX_LEVELS];
	const uint64_t *p;
	struct af_leaf lf;
	int err = genpt_map(t->pt, iova, oa, size, FH_RW, NULL);

	cr_assert_eq(err, 0, "%s: %s: map: %d", c->name, what, err);
	cr_assert_eq(af_table_bytes(t), want_bytes, "%s: %s: table_bytes %llu, want %llu",
		     c->name, what, ULL(af_table_bytes(t)), ULL(want_bytes));
	cr_assert_eq(fm_live(t), 1 + (size_t)chain, "%s: %s: %zu provider blocks", c->name, what,
		     fm_live(t));
	fm_count_tables(t, counts);
	for (unsigned int l = 0; l + 1 < c->levels; l++)
		cr_assert_eq(counts[l], l >= lvl ? 1u : 0u, "%s: %s: %zu tables at level %u",
			     c->name, what, counts[l], l);
	lf = fh_leaf(t, iova, what);
	cr_assert(lf.level == lvl && lf.shift == sh && lf.run == run && lf.first == iova &&
		  lf.oa == oa, "%s: %s: leaf level %u 2^%u run %u from 0x%llx -> 0x%llx", c->name,
		  what, lf.level, lf.shift, lf.run, ULL(lf.first), ULL(lf.oa));
	c->fmt->expect_bits(t, &lf, FH_RW, what);
	/* tracking off: a writable leaf is dirty */
	fm_expect_members(t, &lf, true, what);
	/* the entries right before and after the leaf, in its table, are empty */
	tsize = lvl == c->levels - 1 ? t->info.root_size : gran;
	tbase = lvl == c->levels - 1 ? t->info.root_pa : lf.first_pte_pa & ~(gran - 1);
	slot = (lf.first_pte_pa - tbase) / 8;
	p = af_ptr(t, lf.first_pte_pa);
	if (slot > 0)
		cr_assert_eq(p[-1], 0, "%s: %s: entry before the leaf written", c->name, what);
	if (slot + run < tsize / 8)
		cr_assert_eq(p[run], 0, "%s: %s: entry after the leaf written", c->name, what);
}

/* Translations at both ends, the middle and sub-page offsets; the
 * neighbours unmapped; then unmap, and only the empty root is left. */
static void leaf_walk_and_unmap(struct af_table *t, uint64_t iova, uint64_t oa,
				unsigned int sh, const char *what)
{
	const struct af_cfg *c = t->c;
	uint64_t gran = 1ull << af_gshift(c), size = 1ull << sh, mid = (size / 2) & ~(gran - 1);
	const uint64_t offs[] = { 0, 1, 8, 0x7ff, gran - 1 };
	uint64_t unmapped = 0;
	int err;

	for (unsigned int i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		fm_expect_oa(t, iova + offs[i], oa + offs[i]);
		fm_expect_oa(t, iova + mid + offs[i], oa + mid + offs[i]);
		fm_expect_oa(t, iova + size - gran + offs[i], oa + size - gran + offs[i]);
	}
	if (iova && af_va_valid(c, iova - 1))
		fm_expect_unmapped(t, iova - 1);
	if (iova + size != 0 && af_va_valid(c, iova + size))
		fm_expect_unmapped(t, iova + size);
	err = genpt_unmap(t->pt, iova, size, NULL, &unmapped);
	cr_assert(err == 0 && unmapped == size, "%s: %s: unmap = %d, %llu bytes", c->name, what,
		  err, ULL(unmapped));
	fm_expect_unmapped(t, iova);
	fm_expect_unmapped(t, iova + size - 1);
	/* the unmap may leave the empty tables it covered in part */
	af_reclaim(t->pt, af_map_leftover_pages(t->pt), c->name, what);
	cr_assert_eq(af_table_bytes(t), t->info.root_size, "%s: %s: table_bytes %llu after unmap",
		     c->name, what, ULL(af_table_bytes(t)));
	cr_assert_eq(fm_live(t), 1, "%s: %s: %zu blocks after unmap", c->name, what, fm_live(t));
	fm_expect_root_empty(t, what);
}

/* Every leaf size at the lowest, highest and a middle address of every
 * half, to a scrambled output address and to the top of the output. */
static void every_size(const struct af_cfg *c, uint64_t features)
{
	unsigned int shifts[64], n = af_leaf_shifts(c, shifts);
	uint64_t f[2], l[2];
	unsigned int nh = af_halves(c, f, l);
	struct genpt_caps caps;
	struct af_table t;
	char what[128];

	af_table_init(&t, c, features, 0);
	cr_assert_eq(t.info.root_pa & (t.info.root_size - 1), 0, "%s: root not aligned",
		     c->name);
	/* the variants too have the sizes the rule gives (af_all: fmt_map::
	 * descriptor_matches_caps_and_hw_info) */
	cr_assert(genpt_query_caps(NULL, t.pt, &caps) == 0 && caps.page_sizes == af_page_sizes(c),
		  "%s: page sizes 0x%llx, the manual says 0x%llx", c->name, ULL(caps.page_sizes),
		  ULL(af_page_sizes(c)));
	for (unsigned int i = 0; i < n; i++) {
		uint64_t size = 1ull << shifts[i];
		uint64_t oas[2] = { 0x5a5a5a5a5a5a5000ull & (af_oa_end(c) - 1) & ~(size - 1),
				    af_oa_end(c) - size };

		for (unsigned int h = 0; h < nh; h++) {
			uint64_t pos[3] = { f[h], l[h] - size + 1,
					    f[h] + (((l[h] - f[h]) / 2) & ~(size - 1)) };

			for (unsigned int p = 0; p < 3; p++)
				for (unsigned int o = 0; o < 2; o++) {
					snprintf(what, sizeof(what),
						 "features 0x%llx: 2^%u at 0x%llx -> 0x%llx",
						 ULL(features), shifts[i], ULL(pos[p]), ULL(oas[o]));
					leaf_entries(&t, pos[p], oas[o], shifts[i], what);
					leaf_walk_and_unmap(&t, pos[p], oas[o], shifts[i], what);
				}
		}
	}
	af_table_fini(&t);
}

/* Every configuration with each feature set of its format that changes
 * the leaf sizes or the dirty state, and with the bit-only features. */
Test(fmt_map, every_leaf_size_at_every_level, .timeout = 300)
{
	for (AF_EACH(c))
		fm_for_variants(c, every_size);
}
