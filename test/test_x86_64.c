// SPDX-License-Identifier: MIT
/*
 * test_x86_64.c - map / unmap / translate / gather and every error path on
 * x86-64 4-level (48-bit) and 5-level (57-bit) tables, with the entries
 * checked bit for bit (test/support/x86_suite.h has the shared bodies),
 * plus what is particular to x86-64: sign extension, PS, XD, PCD/PWT.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "anyfmt.h"
#include "x86_suite.h"

static const int modes[] = { XU_X86_48, XU_X86_57 };
#define FOR_MODES for (unsigned int mi_ = 0; mi_ < 2; mi_++)
#define M modes[mi_]

Test(x86_64_map, every_leaf_size_every_mode) { FOR_MODES xs_leaf_sizes(M, 0); }
Test(x86_64_map, mixed_leaves) { FOR_MODES xs_mixed_leaves(M); }
Test(x86_64_map, oa_alignment_limits_leaf_size) { FOR_MODES xs_oa_alignment(M); }
Test(x86_64_map, whole_halves_and_top_of_space) { FOR_MODES xs_whole_space(M); }
Test(x86_64_map, unmap_with_holes) { FOR_MODES xs_unmap_holes(M); }
Test(x86_64_map, unmap_leaf_by_leaf) { FOR_MODES xs_unmap_leaf_by_leaf(M); }
Test(x86_64_map, prot_bits) { FOR_MODES xs_prot_bits(M, 0); }
Test(x86_64_map, gather) { FOR_MODES xs_gather(M); }
Test(x86_64_map, destroy_frees_everything) { FOR_MODES xs_destroy_frees(M); }
Test(x86_64_map, hw_sets_accessed_on_every_entry) { FOR_MODES xs_hw_accessed(M); }


/* The upper half lives in the upper half of the root: index 256 of a PML4
 * for 0xffff800000000000, of a PML5 for 0xff00000000000000. */
Test(x86_64_map, upper_half_indexes)
{
	for (unsigned int mi = 0; mi < 2; mi++) {
		struct xu_table t;
		unsigned int vb = xu_modes[modes[mi]].va_bits;
		uint64_t up = ~0ull << (vb - 1), oa = 0x2345678000ull, got;
		const uint64_t *root;

		xu_table_init(&t, modes[mi], 0, 1ull << 30);
		cr_assert_eq(genpt_map(t.pt, up, oa, XU_4K, XS_RW, NULL), 0);
		root = xu_ptr(&t, t.root_pa);
		cr_assert_neq(root[256], 0);
		cr_assert_eq(root[0], 0);
		cr_assert_eq(root[255], 0);
		cr_assert_eq(genpt_iova_to_phys(t.pt, up + 0xabc, &got), 0);
		cr_assert_eq(got, oa + 0xabc);
		cr_assert_eq(genpt_iova_to_phys(t.pt, 0xabc, &got), -ENOENT);
		/* the same low bits in the lower half are another page */
		cr_assert_eq(genpt_map(t.pt, 0, oa + XU_4K, XU_4K, XS_RW, NULL), 0);
		cr_assert_neq(root[0], 0);
		cr_assert_eq(genpt_hw_access(t.pt, 0x10, GENPT_ACCESS_READ, &got), 0);
		cr_assert_eq(got, oa + XU_4K + 0x10);
		cr_assert_eq(genpt_hw_access(t.pt, up + 0x10, GENPT_ACCESS_READ, &got), 0);
		cr_assert_eq(got, oa + 0x10);
		/* the last canonical page */
		cr_assert_eq(genpt_map(t.pt, 0ull - XU_4K, oa + XU_8K, XU_4K, XS_RW, NULL), 0);
		cr_assert_neq(root[511], 0);
		cr_assert_eq(genpt_hw_access(t.pt, ~0ull, GENPT_ACCESS_WRITE, &got), 0);
		cr_assert_eq(got, oa + XU_8K + 0xfff);
		cr_assert_eq(genpt_unmap(t.pt, up, XU_4K, NULL, NULL), 0);
		cr_assert_eq(genpt_unmap(t.pt, 0, XU_4K, NULL, NULL), 0);
		cr_assert_eq(genpt_unmap(t.pt, 0ull - XU_4K, XU_4K, NULL, NULL), 0);
		/* the unmaps may leave the empty tables they covered in part */
		af_reclaim(t.pt, 3 * af_map_leftover_pages(t.pt), t.mode->name, "after unmap");
		cr_assert_eq(xu_table_bytes(&t), t.root_size);
		xu_table_fini(&t);
	}
}

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
