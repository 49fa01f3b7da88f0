// SPDX-License-Identifier: MIT
/*
 * test_x86_64.c - what is particular to x86-64 tables: PS only in entries
 * that map pages, no page above 1G, XD and PCD/PWT, literally.  Map,
 * unmap, the gather and the entry bits of every format: test_fmt_map*.c.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "fmap.h"

#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)
#define SZ_512G (1ull << 39)

/* PS only in PDEs and PDPTEs that map pages; bit 7 of a PTE (PAT) stays 0;
 * no page above 1G: a 512G-aligned 512G range is 512 x 1G. */
Test(x86_64_map, ps_and_page_sizes)
{
	struct af_table t;
	size_t counts[RAWFMT_MAX_LEVELS];
	const uint64_t *pdpt;
	struct af_leaf lf;

	af_table_init(&t, af_cfg_named("x86-64/4"), 0, 1ull << 30);
	cr_assert_eq(genpt_map(t.pt, SZ_512G, 0, SZ_512G, FH_RW, NULL), 0);
	fm_count_tables(&t, counts);
	cr_assert(fm_live(&t) == 2 && counts[2] == 1, "a root and one PDPT");
	lf = fh_leaf(&t, SZ_512G + 77 * SZ_1G + 5, "1G page");
	cr_assert_eq(lf.shift, 30);
	pdpt = af_ptr(&t, lf.pte_pa & ~(SZ_4K - 1));
	for (unsigned int i = 0; i < 512; i++)
		cr_assert_eq(pdpt[i], ((uint64_t)i << 30) | 0xe7, "PDPTE %u: 0x%llx", i,
			     ULL(pdpt[i]));
	cr_assert_eq(genpt_unmap(t.pt, SZ_512G, SZ_512G, NULL, NULL), 0);
	/* a 4K PTE: P RW US A D, bit 7 clear */
	cr_assert_eq(genpt_map(t.pt, SZ_2M, SZ_2M, SZ_4K, FH_RW, NULL), 0);
	cr_assert_eq(*fm_leaf_slot(&t, SZ_2M), SZ_2M | 0x67);
	cr_assert_eq(genpt_map(t.pt, SZ_1G, SZ_1G, SZ_2M, GENPT_READ | GENPT_NOEXEC | GENPT_MMIO,
			       NULL), 0);
	cr_assert_eq(*fm_leaf_slot(&t, SZ_1G), SZ_1G | 0xbd | (1ull << 63));
	cr_assert_eq(genpt_unmap(t.pt, SZ_2M, SZ_4K, NULL, NULL), 0);
	cr_assert_eq(genpt_unmap(t.pt, SZ_1G, SZ_2M, NULL, NULL), 0);
	af_reclaim(t.pt, af_map_leftover_pages(t.pt), t.c->name, "after unmap");
	af_table_fini(&t);
}
