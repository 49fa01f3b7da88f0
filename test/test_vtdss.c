// SPDX-License-Identifier: MIT
/*
 * test_vtdss.c - what is particular to Intel VT-d second-stage tables,
 * literally: SNP, a write-only 1G page, the table pointers, the root of a
 * 3-level table.  Map, unmap, the gather and the entry bits of every
 * format: test_fmt_map*.c.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "x86_suite.h"

/* SNP: only with snoop control, only on GENPT_CACHE, never with MMIO; and
 * the exact bits of a write-only 1G page and of a table pointer. */
Test(vtdss_map, snp_and_exact_bits)
{
	struct xu_table t;
	struct xu_leaf lf;
	const uint64_t *root;

	xu_table_init(&t, XU_VTD_48, GENPT_FEAT_VTDSS_SNP, 1ull << 30);
	cr_assert_eq(genpt_map(t.pt, XU_2M, 0x5000, XU_4K, XS_RW | GENPT_CACHE, NULL), 0);
	cr_assert_eq(*xu_leaf_slot(&t, XU_2M, &lf), 0x5000 | 0x1 | 0x2 | 0x100 | 0x200 | 0x800);
	cr_assert_eq(genpt_map(t.pt, 2 * XU_2M, 0x6000, XU_4K,
			       XS_RW | GENPT_CACHE | GENPT_MMIO, NULL), 0);
	cr_assert_eq(*xu_leaf_slot(&t, 2 * XU_2M, &lf), 0x6000 | 0x1 | 0x2 | 0x100 | 0x200);
	cr_assert_eq(genpt_map(t.pt, XU_1G, XU_1G, XU_1G, GENPT_WRITE, NULL), 0);
	cr_assert_eq(*xu_leaf_slot(&t, XU_1G, &lf), XU_1G | 0x2 | 0x80 | 0x100 | 0x200);
	root = xu_ptr(&t, t.root_pa);
	cr_assert_eq(root[0] & 0xfff, 0x3, "root entry 0x%llx", (unsigned long long)root[0]);
	xu_table_fini(&t);

	xu_table_init(&t, XU_VTD_39, 0, 1ull << 30);
	cr_assert_eq(genpt_map(t.pt, XU_2M, 0x5000, XU_4K, XS_RW | GENPT_CACHE, NULL), 0);
	cr_assert_eq(*xu_leaf_slot(&t, XU_2M, &lf), 0x5000 | 0x1 | 0x2 | 0x100 | 0x200);
	xu_table_fini(&t);
}

/* The root of a 3-level table maps 1G pages; the top of a 39-bit space. */
Test(vtdss_map, three_level_root_pages)
{
	struct xu_table t;
	uint64_t oa;

	xu_table_init(&t, XU_VTD_39, 0, 1ull << 30);
	cr_assert_eq(genpt_map(t.pt, (1ull << 39) - XU_1G, 0, XU_1G, XS_RW, NULL), 0);
	cr_assert_eq(xu_table_bytes(&t), 4096);
	cr_assert_eq(xu_ptr(&t, t.root_pa)[511], 0x1 | 0x2 | 0x80 | 0x100 | 0x200);
	cr_assert_eq(genpt_hw_access(t.pt, (1ull << 39) - 1, GENPT_ACCESS_WRITE, &oa), 0);
	cr_assert_eq(oa, XU_1G - 1);
	cr_assert_eq(genpt_hw_access(t.pt, 1ull << 39, GENPT_ACCESS_READ, &oa), -ERANGE);
	cr_assert_eq(genpt_unmap(t.pt, (1ull << 39) - XU_1G, XU_1G, NULL, NULL), 0);
	xu_table_fini(&t);
}
