// SPDX-License-Identifier: MIT
/*
 * test_x86_64.c - what is particular to x86-64 tables: PS only in entries
 * that map pages, no page above 1G, XD and PCD/PWT, literally.  Map,
 * unmap, the gather and the entry bits of every format: test_fmt_map*.c.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "x86_suite.h"

/* PS only in PDEs and PDPTEs that map pages; bit 7 of a PTE (PAT) stays 0;
 * no page above 1G: a 512G-aligned 512G range is 512 x 1G. */
Test(x86_64_map, ps_and_page_sizes)
{
	struct xu_table t;
	struct xu_snap s;
	struct xu_leaf lf;

	xu_table_init(&t, XU_X86_48, 0, 1ull << 30);
	cr_assert_eq(genpt_map(t.pt, XU_512G, 0, XU_512G, XS_RW, NULL), 0);
	xu_snap_take(&t, &s);
	cr_assert_eq(s.n, 2, "a root and one PDPT");
	cr_assert_eq(xu_snap_count(&s, 2), 1);
	for (unsigned int i = 0; i < 512; i++)
		cr_assert_eq(s.pages[1].data[i], ((uint64_t)i << 30) | 0xe7,
			     "PDPTE %u: 0x%llx", i, (unsigned long long)s.pages[1].data[i]);
	xu_snap_free(&s);
	cr_assert_eq(xu_lookup(&t, XU_512G + 77 * XU_1G + 5, &lf), 0);
	cr_assert_eq(lf.shift, 30);
	cr_assert_eq(genpt_unmap(t.pt, XU_512G, XU_512G, NULL, NULL), 0);
	/* a 4K PTE: P RW US A D, bit 7 clear */
	cr_assert_eq(genpt_map(t.pt, XU_2M, XU_2M, XU_4K, XS_RW, NULL), 0);
	cr_assert_eq(*xu_leaf_slot(&t, XU_2M, &lf), XU_2M | 0x67);
	cr_assert_eq(genpt_map(t.pt, XU_1G, XU_1G, XU_2M, GENPT_READ | GENPT_NOEXEC | GENPT_MMIO,
			       NULL), 0);
	cr_assert_eq(*xu_leaf_slot(&t, XU_1G, &lf), XU_1G | 0xbd | (1ull << 63));
	cr_assert_eq(genpt_unmap(t.pt, XU_2M, XU_4K, NULL, NULL), 0);
	cr_assert_eq(genpt_unmap(t.pt, XU_1G, XU_2M, NULL, NULL), 0);
	xu_table_fini(&t);
}
