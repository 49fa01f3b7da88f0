// SPDX-License-Identifier: MIT
/*
 * test_vtdss.c - what is particular to Intel VT-d second-stage tables,
 * literally: SNP, a write-only 1G page, the table pointers, the root of a
 * 3-level table.  Map, unmap, the gather and the entry bits of every
 * format: test_fmt_map*.c.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "fmap.h"

#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)

/* SNP: only with snoop control, only on GENPT_CACHE, never with MMIO; and
 * the exact bits of a write-only 1G page and of a table pointer. */
Test(vtdss_map, snp_and_exact_bits)
{
	struct af_table t;
	const uint64_t *root;

	af_table_init(&t, af_cfg_named("vtdss/48"), GENPT_FEAT_VTDSS_SNP, 1ull << 30);
	cr_assert_eq(genpt_map(t.pt, SZ_2M, 0x5000, SZ_4K, FH_RW | GENPT_CACHE, NULL), 0);
	cr_assert_eq(*fm_leaf_slot(&t, SZ_2M), 0x5000 | 0x1 | 0x2 | 0x100 | 0x200 | 0x800);
	cr_assert_eq(genpt_map(t.pt, 2 * SZ_2M, 0x6000, SZ_4K,
			       FH_RW | GENPT_CACHE | GENPT_MMIO, NULL), 0);
	cr_assert_eq(*fm_leaf_slot(&t, 2 * SZ_2M), 0x6000 | 0x1 | 0x2 | 0x100 | 0x200);
	cr_assert_eq(genpt_map(t.pt, SZ_1G, SZ_1G, SZ_1G, GENPT_WRITE, NULL), 0);
	cr_assert_eq(*fm_leaf_slot(&t, SZ_1G), SZ_1G | 0x2 | 0x80 | 0x100 | 0x200);
	root = af_ptr(&t, t.info.root_pa);
	cr_assert_eq(root[0] & 0xfff, 0x3, "root entry 0x%llx", ULL(root[0]));
	cr_assert_eq(genpt_unmap(t.pt, 0, 1ull << 40, NULL, NULL), 0);
	af_table_fini(&t);

	af_table_init(&t, af_cfg_named("vtdss/39"), 0, 1ull << 30);
	cr_assert_eq(genpt_map(t.pt, SZ_2M, 0x5000, SZ_4K, FH_RW | GENPT_CACHE, NULL), 0);
	cr_assert_eq(*fm_leaf_slot(&t, SZ_2M), 0x5000 | 0x1 | 0x2 | 0x100 | 0x200);
	cr_assert_eq(genpt_unmap(t.pt, 0, 1ull << 39, NULL, NULL), 0);
	af_table_fini(&t);
}

/* The root of a 3-level table maps 1G pages; the top of a 39-bit space. */
Test(vtdss_map, three_level_root_pages)
{
	struct af_table t;
	uint64_t oa;

	af_table_init(&t, af_cfg_named("vtdss/39"), 0, 1ull << 30);
	cr_assert_eq(genpt_map(t.pt, (1ull << 39) - SZ_1G, 0, SZ_1G, FH_RW, NULL), 0);
	cr_assert_eq(af_table_bytes(&t), 4096);
	cr_assert_eq(af_ptr(&t, t.info.root_pa)[511], 0x1 | 0x2 | 0x80 | 0x100 | 0x200);
	cr_assert_eq(genpt_hw_access(t.pt, (1ull << 39) - 1, GENPT_ACCESS_WRITE, &oa), 0);
	cr_assert_eq(oa, SZ_1G - 1);
	cr_assert_eq(genpt_hw_access(t.pt, 1ull << 39, GENPT_ACCESS_READ, &oa), -ERANGE);
	cr_assert_eq(genpt_unmap(t.pt, (1ull << 39) - SZ_1G, SZ_1G, NULL, NULL), 0);
	af_table_fini(&t);
}
