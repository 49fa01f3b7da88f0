// SPDX-License-Identifier: MIT
/*
 * test_fmt_map_ranges.c - ranges of several leaves on every configuration
 * of af_all[]: up and down every leaf size, the output alignment limiting
 * the leaf size, leaves one level above the pages without page tables.
 * Leaves are read from table memory by the raw decoder (af_lookup) and
 * compared with the model (model.h).  The edges of the input space:
 * test_fmt_map_space.c.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "fmap.h"

/*
 * Up and down every leaf size below a top size T: ascending from the page
 * to the largest below T (each size once, as alignment forces), T, then
 * descending.  T is the largest leaf of at most 16G with room for the
 * range in the lower half and the output space.  RISC-V with Svnapot: 4K
 * 64K 2M 1G 2M 64K 4K; ARM 4K: 4K 64K 2M 32M 1G 16G 1G ... 4K; AMD v1:
 * every power of two.
 */
Test(fmt_map, ascending_descending_leaves)
{
	for (AF_EACH(c)) {
		unsigned int shifts[64], ns = af_leaf_shifts(c, shifts), sizes[160], n = 0;
		unsigned int lim = fm_log2(fm_half(c)) - 3, top = 0, k;
		uint64_t sum = 0, iova, oa, len;
		struct af_table t;

		if (c->cfg.oa_bits - 3 < lim)
			lim = c->cfg.oa_bits - 3;
		for (k = 0; k < ns && !(shifts[k] <= lim && shifts[k] <= 34); k++)
			;
		cr_assert_lt(k, ns, "%s: test bug: no top size", c->name);
		top = shifts[k];
		for (unsigned int i = ns; i-- > k + 1;) {
			sizes[n++] = shifts[i];
			sum += 1ull << shifts[i];
		}
		sizes[n++] = top;
		for (unsigned int i = k + 1; i < ns; i++)
			sizes[n++] = shifts[i];
		iova = (3ull << top) - sum;
		len = 2 * sum + (1ull << top);
		oa = (1ull << 40) + (7ull << top) + (iova & ((1ull << top) - 1));
		af_table_init(&t, c, 0, 0);
		fm_expect_leaves(&t, iova, oa, len, sizes, n);
		af_table_fini(&t);
	}
}

/* Every pair of neighbouring leaf sizes: an output aligned to the smaller
 * only gives leaves of the smaller size; aligned to both, one leaf. */
static void pairs(struct af_table *t)
{
	const struct af_cfg *c = t->c;
	unsigned int shifts[64], ns = af_leaf_shifts(c, shifts), sizes[512];
	uint64_t base = af_oa_end(c) / 2;

	for (unsigned int i = 0; i + 1 < ns; i++) {
		unsigned int big = shifts[i], small = shifts[i + 1];
		uint64_t cnt = 1ull << (big - small);

		if (cnt > 512 || big + 1 >= fm_log2(fm_half(c)) || big + 2 > c->cfg.oa_bits)
			continue;
		for (uint64_t k = 0; k < cnt; k++)
			sizes[k] = small;
		fm_expect_leaves(t, 1ull << big, base + (1ull << small), 1ull << big, sizes, cnt);
		sizes[0] = big;
		fm_expect_leaves(t, 1ull << big, base, 1ull << big, sizes, 1);
	}
}

/* 4K pages over the span of a level-1 table: 512 page tables under one. */
static void pages_over_a_level1_table(struct af_table *t)
{
	const struct af_cfg *c = t->c;
	uint64_t gran = 1ull << af_gshift(c), span = fm_lvl_size(c, 2);
	uint64_t oa = af_oa_end(c) / 2 + gran;
	size_t counts[RAWFMT_MAX_LEVELS];

	cr_assert_eq(genpt_map(t->pt, span, oa, span, FH_RW, NULL), 0, "%s: map", c->name);
	fm_count_tables(t, counts);
	cr_assert(counts[0] == 512 && counts[1] == 1, "%s: %zu page tables under %zu",
		  c->name, counts[0], counts[1]);
	cr_assert_eq(af_table_bytes(t), t->info.root_size + (c->levels - 2 + 512) * gran,
		     "%s: table_bytes %llu", c->name, ULL(af_table_bytes(t)));
	fm_expect_oa(t, span + 0x12345678, oa + 0x12345678);
	cr_assert_eq(genpt_unmap(t->pt, span, span, NULL, NULL), 0, "%s: unmap", c->name);
	/* the tables above the level-1 one span more: they stay for a reclaim */
	af_reclaim(t->pt, c->levels - 3, c->name, "level-1 span unmapped");
	cr_assert_eq(af_table_bytes(t), t->info.root_size, "%s: tables left", c->name);
	cr_assert_eq(fm_live(t), 1, "%s: %zu blocks left", c->name, fm_live(t));
}

Test(fmt_map, oa_alignment_limits_leaf_size)
{
	for (AF_EACH(c)) {
		struct af_table t;

		af_table_init(&t, c, 0, 0);
		pairs(&t);
		if (af_gshift(c) == 12 && c->levels >= 3 && 2 * fm_lvl_size(c, 2) <= fm_half(c) - 1)
			pages_over_a_level1_table(&t);
		af_table_fini(&t);
	}
}

/* Two leaves one level above the pages: one chain of tables down to
 * level 1, no page table; either goes alone. */
Test(fmt_map, two_level1_leaves_no_page_tables)
{
	for (AF_EACH(c)) {
		uint64_t blk = fm_lvl_size(c, 1), iova = 3 * blk, gran = 1ull << af_gshift(c);
		uint64_t oa = af_oa_end(c) / 4 + 5 * blk, before, unmapped;
		size_t counts[RAWFMT_MAX_LEVELS];
		struct af_table t;

		if (c->levels < 2 || !fm_has_size(c, af_lvl_shift(c, 1)) || 5 * blk > fm_half(c) - 1)
			continue;
		af_table_init(&t, c, 0, 0);
		before = af_table_bytes(&t);
		cr_assert_eq(genpt_map(t.pt, iova, oa, 2 * blk, FH_RW, NULL), 0, "%s", c->name);
		cr_assert_eq(af_table_bytes(&t) - before, (c->levels - 2) * gran,
			     "%s: table_bytes grew by %llu", c->name,
			     ULL(af_table_bytes(&t) - before));
		fm_count_tables(&t, counts);
		cr_assert(counts[0] == 0 && counts[1] == 1, "%s: %zu page tables, %zu level-1",
			  c->name, counts[0], counts[1]);
		for (uint64_t off = 0; off < 2 * blk; off += blk) {
			struct af_leaf lf = fh_leaf(&t, iova + off + 5 * gran, "level-1 leaf");

			cr_assert(lf.level == 1 && lf.first == iova + off &&
				  lf.oa == oa + off + 5 * gran, "%s: leaf level %u from 0x%llx",
				  c->name, lf.level, ULL(lf.first));
		}
		cr_assert_eq(genpt_unmap(t.pt, iova, blk, NULL, &unmapped), 0, "%s", c->name);
		cr_assert_eq(unmapped, blk, "%s: unmapped %llu", c->name, ULL(unmapped));
		fm_expect_unmapped(&t, iova);
		fm_expect_oa(&t, iova + blk, oa + blk);
		cr_assert_eq(genpt_unmap(t.pt, iova + blk, blk, NULL, &unmapped), 0, "%s", c->name);
		af_reclaim(t.pt, 2 * af_map_leftover_pages(t.pt), c->name, "two unmaps");
		cr_assert_eq(af_table_bytes(&t), before, "%s: tables left", c->name);
		af_table_fini(&t);
	}
}
