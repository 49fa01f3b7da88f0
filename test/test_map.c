// SPDX-License-Identifier: MIT
/*
 * test_map.c - map / unmap / iova_to_phys on RISC-V tables: every leaf size
 * at every level in every mode, at the edges of the address space, the leaf
 * sizes genpt picks, sub-page offsets, holes, and the gather.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "anyfmt.h"
#include "genpt/genpt.h"
#include "model.h"
#include "testutil.h"

#define RW (GENPT_READ | GENPT_WRITE)

/* An output address aligned to @size with many PPN bits set, below 2^56. */
static uint64_t scrambled_oa(uint64_t size)
{
	return 0x00a55a5a5a5a5000ull & ~(size - 1);
}

static uint64_t lvl_of_shift(unsigned int sh)
{
	return sh == 16 ? 0 : (sh - 12) / 9;
}

static void expect_oa(const struct tu_table *t, uint64_t va, uint64_t want)
{
	uint64_t oa = 0;
	int err = genpt_iova_to_phys(t->pt, va, &oa);

	cr_assert(err == 0 && oa == want,
		  "%s: iova_to_phys(0x%llx) = %d oa 0x%llx, want 0x%llx",
		  t->mode->name, (unsigned long long)va, err,
		  (unsigned long long)oa, (unsigned long long)want);
	err = genpt_hw_access(t->pt, va, GENPT_ACCESS_READ, &oa);
	cr_assert(err == 0 && oa == want,
		  "%s: hw_access(0x%llx) = %d oa 0x%llx, want 0x%llx",
		  t->mode->name, (unsigned long long)va, err,
		  (unsigned long long)oa, (unsigned long long)want);
}

static void expect_unmapped(const struct tu_table *t, uint64_t va)
{
	uint64_t oa = 0;
	int err = genpt_iova_to_phys(t->pt, va, &oa);

	cr_assert_eq(err, -ENOENT, "%s: iova_to_phys(0x%llx) = %d oa 0x%llx",
		     t->mode->name, (unsigned long long)va, err,
		     (unsigned long long)oa);
	err = genpt_hw_access(t->pt, va, GENPT_ACCESS_READ, &oa);
	cr_assert_eq(err, -ENOENT, "%s: hw_access(0x%llx) = %d", t->mode->name,
		     (unsigned long long)va, err);
}

static bool va_valid(const struct tu_table *t, uint64_t va)
{
	uint64_t f[2], l[2];
	unsigned int n = tu_halves(t, f, l);

	for (unsigned int i = 0; i < n; i++)
		if (va >= f[i] && va <= l[i])
			return true;
	return false;
}

/*
 * Map one leaf of 2^sh bytes at iova -> oa and check everything about it:
 * the raw entry (level, size, NAPOT encoding), the table pages added (one
 * per level between the root and the leaf), translations at both ends and
 * sub-page offsets, the neighbours unmapped; then unmap it and check the
 * table is back to just the root.
 */
static void check_single_leaf(struct tu_table *t, uint64_t iova, uint64_t oa,
			      unsigned int sh)
{
	uint64_t size = 1ull << sh, unmapped = 0;
	unsigned int lvl = (unsigned int)lvl_of_shift(sh);
	unsigned int levels = t->mode->levels;
	uint64_t want_bytes = t->root_size + (uint64_t)(levels - 1 - lvl) * 4096;
	static const uint64_t offs[] = { 0, 1, 8, 0x7ff, 0xfff };
	struct tu_leaf lf;
	struct tu_snap s;
	int err;

	err = genpt_map(t->pt, iova, oa, size, RW, NULL);
	cr_assert_eq(err, 0, "%s: map 2^%u at 0x%llx -> 0x%llx: %d", t->mode->name,
		     sh, (unsigned long long)iova, (unsigned long long)oa, err);
	cr_assert_eq(tu_table_bytes(t), want_bytes,
		     "%s: 2^%u leaf: table_bytes %llu, want %llu", t->mode->name, sh,
		     (unsigned long long)tu_table_bytes(t),
		     (unsigned long long)want_bytes);
	cr_assert_eq(t->cnt.live, 1 + (long)(levels - 1 - lvl));
	tu_snap_take(t, &s);
	cr_assert_eq(s.n, 1 + (size_t)(levels - 1 - lvl));
	for (unsigned int l = 0; l < levels - 1; l++)
		cr_assert_eq(tu_snap_count(&s, l), l >= lvl ? 1u : 0u,
			     "%s: 2^%u leaf: %zu tables at level %u", t->mode->name,
			     sh, tu_snap_count(&s, l), l);
	tu_snap_free(&s);

	/* The raw entries: the right level, and for NAPOT 16 entries. */
	err = tu_lookup(t, iova, &lf);
	cr_assert_eq(err, 0);
	cr_assert_eq(lf.level, lvl, "%s: 2^%u leaf found at level %u",
		     t->mode->name, sh, lf.level);
	cr_assert_eq(lf.shift, sh);
	cr_assert_eq(lf.oa, oa);
	if (sh == 16) {
		const uint64_t *p = tu_ptr(t, lf.pte_pa);

		for (unsigned int i = 0; i < 16; i++) {
			cr_assert(p[i] & TU_PTE_N, "%s: NAPOT member %u without N",
				  t->mode->name, i);
			cr_assert_eq(TU_PTE_PPN(p[i]), (oa >> 12) | 0x8,
				     "%s: NAPOT member %u PPN 0x%llx", t->mode->name,
				     i, (unsigned long long)TU_PTE_PPN(p[i]));
		}
		if ((lf.pte_pa & 0xfff) + 16 * 8 < 4096)
			cr_assert_eq(p[16], 0);
	} else {
		cr_assert(!(lf.pte & TU_PTE_N));
		cr_assert_eq(TU_PTE_PPN(lf.pte), oa >> 12);
	}

	/* Translations, with sub-page offsets, at the first, a middle and
	 * the last page. */
	for (unsigned int i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		expect_oa(t, iova + offs[i], oa + offs[i]);
		uint64_t mid = (size / 2) & ~4095ull;

		expect_oa(t, iova + mid + offs[i], oa + mid + offs[i]);
		expect_oa(t, iova + size - 4096 + offs[i], oa + size - 4096 + offs[i]);
	}
	if (va_valid(t, iova - 1))
		expect_unmapped(t, iova - 1);
	if (iova + size != 0 && va_valid(t, iova + size))
		expect_unmapped(t, iova + size);

	err = genpt_unmap(t->pt, iova, size, NULL, &unmapped);
	cr_assert_eq(err, 0, "%s: unmap 2^%u at 0x%llx: %d", t->mode->name, sh,
		     (unsigned long long)iova, err);
	cr_assert_eq(unmapped, size);
	expect_unmapped(t, iova);
	expect_unmapped(t, iova + size - 1);
	/* the unmap may leave the empty tables it covered in part */
	af_reclaim(t->pt, af_map_leftover_pages(t->pt), t->mode->name, "after unmap");
	cr_assert_eq(tu_table_bytes(t), t->root_size,
		     "%s: table_bytes %llu after unmap", t->mode->name,
		     (unsigned long long)tu_table_bytes(t));
	cr_assert_eq(t->cnt.live, 1);
	tu_snap_take(t, &s);
	cr_assert_eq(s.n, 1);
	for (size_t i = 0; i < t->root_size / 8; i++)
		cr_assert_eq(s.pages[0].data[i], 0, "%s: root entry %zu left: 0x%llx",
			     t->mode->name, i, (unsigned long long)s.pages[0].data[i]);
	tu_snap_free(&s);
}

static void leaf_sizes_in_mode(int mode, uint64_t features)
{
	struct tu_table t;
	unsigned int shifts[8], n;
	uint64_t f[2], l[2];
	unsigned int nh;

	tu_table_init(&t, mode, features, 0);
	cr_assert_eq(t.root_size, t.mode->gstage ? 16384u : 4096u);
	cr_assert_eq(t.root_pa & (t.root_size - 1), 0);
	n = tu_leaf_shifts(&t, shifts);
	nh = tu_halves(&t, f, l);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t size = 1ull << shifts[i];
		uint64_t oas[2] = { scrambled_oa(size), (1ull << 56) - size };

		for (unsigned int h = 0; h < nh; h++) {
			/* lowest, highest, and one in the middle of the half */
			uint64_t pos[3] = {
				f[h], l[h] - size + 1,
				f[h] + (((l[h] - f[h]) / 2) & ~(size - 1)),
			};

			for (unsigned int p = 0; p < 3; p++)
				for (unsigned int o = 0; o < 2; o++)
					check_single_leaf(&t, pos[p], oas[o], shifts[i]);
		}
	}
	tu_table_fini(&t);
}

Test(map, every_leaf_size_every_mode)
{
	for (int m = 0; m < TU_NMODES; m++) {
		leaf_sizes_in_mode(m, 0);
		leaf_sizes_in_mode(m, GENPT_FEAT_RISCV_SVNAPOT);
		leaf_sizes_in_mode(m, GENPT_FEAT_RISCV_SVNAPOT | GENPT_FEAT_RISCV_SVPBMT);
	}
}

/* The leaf sizes each mode has: 4K..1G always, 512G from 4 levels on, 256T
 * with 5, and 64K only with Svnapot. */
Test(map, leaf_size_sets)
{
	static const unsigned int want[TU_NMODES] = { 3, 4, 5, 3, 4, 5 };

	for (int m = 0; m < TU_NMODES; m++) {
		struct tu_table t;
		unsigned int sh[8];

		tu_table_init(&t, m, GENPT_FEAT_RISCV_SVNAPOT, 1ull << 30);
		cr_assert_eq(tu_leaf_shifts(&t, sh), want[m] + 1);
		cr_assert_eq(sh[0], 12 + 9 * (want[m] - 1));
		tu_table_fini(&t);
	}
}

/* The example of the issue: 2M-aligned iova and oa, 4M long: two 2M leaves,
 * one chain of tables down to level 1 and no level-0 table. */
Test(map, two_2m_leaves_no_level0_tables)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct tu_table t;
		struct tu_snap s;
		uint64_t iova = 0x40000000ull + 0x600000, oa = 0x123400000ull;
		uint64_t before, unmapped;
		struct tu_leaf lf;

		tu_table_init(&t, m, GENPT_FEAT_RISCV_SVNAPOT, 1ull << 30);
		before = tu_table_bytes(&t);
		cr_assert_eq(genpt_map(t.pt, iova, oa, 2 * TU_2M, RW, NULL), 0);
		cr_assert_eq(tu_table_bytes(&t) - before,
			     (uint64_t)(t.mode->levels - 2) * 4096,
			     "%s: table_bytes grew by %llu", t.mode->name,
			     (unsigned long long)(tu_table_bytes(&t) - before));
		tu_snap_take(&t, &s);
		cr_assert_eq(tu_snap_count(&s, 0), 0);
		cr_assert_eq(tu_snap_count(&s, 1), 1);
		tu_snap_free(&s);
		for (uint64_t off = 0; off < 2 * TU_2M; off += TU_2M) {
			cr_assert_eq(tu_lookup(&t, iova + off + 0x5000, &lf), 0);
			cr_assert_eq(lf.level, 1);
			cr_assert_eq(lf.first, iova + off);
			cr_assert_eq(lf.oa, oa + off + 0x5000);
		}
		cr_assert_eq(genpt_unmap(t.pt, iova, TU_2M, NULL, &unmapped), 0);
		cr_assert_eq(unmapped, TU_2M);
		expect_unmapped(&t, iova);
		expect_oa(&t, iova + TU_2M, oa + TU_2M);
		cr_assert_eq(genpt_unmap(t.pt, iova + TU_2M, TU_2M, NULL, &unmapped), 0);
		af_reclaim(t.pt, 2 * af_map_leftover_pages(t.pt), t.mode->name, "two unmaps");
		cr_assert_eq(tu_table_bytes(&t), before);
		tu_table_fini(&t);
	}
}

/*
 * Compare every leaf of [iova, iova + len) -> oa with an explicit list of
 * expected leaf sizes (log2), in order.
 */
static void expect_leaves(struct tu_table *t, uint64_t iova, uint64_t oa,
			  uint64_t len, const unsigned int *sizes, size_t n)
{
	uint64_t va = iova;
	struct model m;

	cr_assert_eq(genpt_map(t->pt, iova, oa, len, RW, NULL), 0,
		     "%s: map 0x%llx+0x%llx", t->mode->name,
		     (unsigned long long)iova, (unsigned long long)len);
	for (size_t i = 0; i < n; i++) {
		struct tu_leaf lf;

		cr_assert_eq(tu_lookup(t, va, &lf), 0);
		cr_assert_eq(lf.shift, sizes[i],
			     "%s: leaf %zu at 0x%llx is 2^%u, want 2^%u",
			     t->mode->name, i, (unsigned long long)va, lf.shift,
			     sizes[i]);
		cr_assert_eq(lf.first, va);
		cr_assert_eq(lf.oa, oa + (va - iova));
		va += 1ull << sizes[i];
	}
	cr_assert_eq(va, iova + len, "expected list does not cover the range");

	/* The model's rule predicts the same leaves. */
	model_init(&m, t);
	cr_assert_eq(model_leaf_count(&m, iova, iova + len - 1, oa, UINT64_MAX), n);
	cr_assert_eq(model_map(&m, iova, oa, len, RW), 0);
	model_check(t, &m, NULL);
	model_fini(&m);
	cr_assert_eq(genpt_unmap(t->pt, iova, len, NULL, NULL), 0);
	/* the unmap may leave the empty tables it covered in part */
	af_reclaim(t->pt, af_map_leftover_pages(t->pt), t->mode->name, "after unmap");
	cr_assert_eq(tu_table_bytes(t), t->root_size);
}

/* Up and down the sizes: 4K, 64K, 2M, 1G, 2M, 64K, 4K. */
Test(map, ascending_descending_leaves)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct tu_table t;
		uint64_t iova = 3 * TU_1G - TU_2M - TU_64K - TU_4K;
		uint64_t len = TU_4K + TU_64K + TU_2M + TU_1G + TU_2M + TU_64K + TU_4K;
		uint64_t oa = 7 * TU_1G + (iova & (TU_1G - 1)) + (1ull << 40);
		static const unsigned int napot[] = { 12, 16, 21, 30, 21, 16, 12 };
		unsigned int plain[40], n = 0;

		tu_table_init(&t, m, GENPT_FEAT_RISCV_SVNAPOT, 1ull << 30);
		expect_leaves(&t, iova, oa, len, napot, 7);
		tu_table_fini(&t);

		/* Without Svnapot each 64K becomes 16 x 4K. */
		plain[n++] = 12;
		for (int i = 0; i < 16; i++)
			plain[n++] = 12;
		plain[n++] = 21;
		plain[n++] = 30;
		plain[n++] = 21;
		for (int i = 0; i < 17; i++)
			plain[n++] = 12;
		tu_table_init(&t, m, 0, 1ull << 30);
		expect_leaves(&t, iova, oa, len, plain, n);
		tu_table_fini(&t);
	}
}

/* The output alignment limits the leaf size as much as the input's. */
Test(map, oa_alignment_limits_leaf_size)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct tu_table t;
		unsigned int sizes[512];
		struct tu_snap s;

		tu_table_init(&t, m, GENPT_FEAT_RISCV_SVNAPOT, 1ull << 30);
		/* 1G-aligned iova, 2M-aligned oa: 512 x 2M */
		for (int i = 0; i < 512; i++)
			sizes[i] = 21;
		expect_leaves(&t, TU_1G, (1ull << 40) + TU_2M, TU_1G, sizes, 512);
		/* 2M-aligned iova, 64K-aligned oa, 256K: 4 x 64K */
		for (int i = 0; i < 4; i++)
			sizes[i] = 16;
		expect_leaves(&t, TU_2M, (1ull << 40) + TU_64K, 4 * TU_64K, sizes, 4);
		/* 64K-aligned iova, 4K-aligned oa: 16 x 4K */
		for (int i = 0; i < 16; i++)
			sizes[i] = 12;
		expect_leaves(&t, TU_64K, (1ull << 40) + TU_4K, TU_64K, sizes, 16);

		/* A 1G range mapped with 4K leaves: 512 level-0 tables. */
		cr_assert_eq(genpt_map(t.pt, TU_1G, (1ull << 40) + TU_4K, TU_1G, RW,
				       NULL), 0);
		tu_snap_take(&t, &s);
		cr_assert_eq(tu_snap_count(&s, 0), 512);
		cr_assert_eq(tu_snap_count(&s, 1), 1);
		tu_snap_free(&s);
		cr_assert_eq(tu_table_bytes(&t),
			     t.root_size + (t.mode->levels - 2 + 512) * 4096ull);
		expect_oa(&t, TU_1G + 0x12345678, (1ull << 40) + TU_4K + 0x12345678);
		cr_assert_eq(genpt_unmap(t.pt, TU_1G, TU_1G, NULL, NULL), 0);
		/* the root's child (more than 3 levels) spans more than 1G */
		af_reclaim(t.pt, t.mode->levels - 3, t.mode->name, "1G unmap");
		cr_assert_eq(tu_table_bytes(&t), t.root_size);
		cr_assert_eq(t.cnt.live, 1);
		tu_table_fini(&t);
	}
}

/* Whole halves of the space in one call, and ranges ending at the very top
 * address (2^64 - 1 for sign-extended modes). */
Test(map, whole_halves_and_top_of_space)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct tu_table t;
		uint64_t f[2], l[2], unmapped;
		unsigned int nh;
		struct model md;
		struct tu_rng rng = { 42 };

		tu_table_init(&t, m, GENPT_FEAT_RISCV_SVNAPOT, 1ull << 30);
		nh = tu_halves(&t, f, l);
		for (unsigned int h = 0; h < nh; h++) {
			uint64_t len = l[h] - f[h] + 1;
			uint64_t oa = 0;

			/* The whole half: root-level leaves only, if the OA
			 * space holds it; else a 2^54 piece at each end. */
			if (len <= (1ull << 55)) {
				cr_assert_eq(genpt_map(t.pt, f[h], oa, len, RW, NULL), 0,
					     "%s: map half %u", t.mode->name, h);
				cr_assert_eq(tu_table_bytes(&t), t.root_size);
				expect_oa(&t, f[h], oa);
				expect_oa(&t, l[h], oa + len - 1);
				cr_assert_eq(genpt_unmap(t.pt, f[h], len, NULL, &unmapped), 0);
				cr_assert_eq(unmapped, len);
			} else {
				len = 1ull << 54;
				cr_assert_eq(genpt_map(t.pt, f[h], oa, len, RW, NULL), 0);
				cr_assert_eq(genpt_map(t.pt, l[h] - len + 1, oa + len, len,
						       RW, NULL), 0);
				cr_assert_eq(tu_table_bytes(&t), t.root_size);
				expect_oa(&t, f[h], 0);
				expect_oa(&t, l[h], 2 * len - 1);
				expect_unmapped(&t, f[h] + len);
				cr_assert_eq(genpt_unmap(t.pt, f[h], l[h] - f[h] + 1, NULL,
							 &unmapped), 0);
				cr_assert_eq(unmapped, 2 * len);
			}
			cr_assert_eq(tu_table_bytes(&t), t.root_size);

			/* A mixed range ending at the last address of the half. */
			model_init(&md, &t);
			len = TU_4K + TU_64K + TU_2M + 2 * TU_1G;
			oa = (1ull << 44) - len;
			cr_assert_eq(genpt_map(t.pt, l[h] - len + 1, oa, len,
					       GENPT_READ, NULL), 0);
			cr_assert_eq(model_map(&md, l[h] - len + 1, oa, len, GENPT_READ), 0);
			model_check_range(&t, &md, l[h] - 4 * TU_1G + 1, l[h], &rng);
			cr_assert_eq(genpt_unmap(t.pt, l[h] - len + 1, len, NULL,
						 &unmapped), 0);
			cr_assert_eq(unmapped, len);
			/* ... and one starting at its first address. */
			cr_assert_eq(genpt_map(t.pt, f[h], 1ull << 44, len,
					       GENPT_READ | GENPT_NOEXEC, NULL), 0);
			model_fini(&md);
			model_init(&md, &t);
			cr_assert_eq(model_map(&md, f[h], 1ull << 44, len,
					       GENPT_READ | GENPT_NOEXEC), 0);
			model_check_range(&t, &md, f[h], f[h] + 4 * TU_1G, &rng);
			cr_assert_eq(genpt_unmap(t.pt, f[h], len, NULL, &unmapped), 0);
			cr_assert_eq(unmapped, len);
			model_fini(&md);
			/* the unmap may leave the empty tables it covered in part */
			af_reclaim(t.pt, af_map_leftover_pages(t.pt), t.mode->name, "after unmap");
			cr_assert_eq(tu_table_bytes(&t), t.root_size);
		}
		tu_table_fini(&t);
	}
}

/* Sv39's upper half as the issue spells it. */
Test(map, sv39_upper_half)
{
	struct tu_table t;
	uint64_t oa = 0x2345678000ull;
	struct tu_leaf lf;

	tu_table_init(&t, TU_SV39, 0, 1ull << 30);
	cr_assert_eq(genpt_map(t.pt, 0xffffffc000000000ull, oa, TU_4K, RW, NULL), 0);
	expect_oa(&t, 0xffffffc000000abcull, oa + 0xabc);
	cr_assert_eq(tu_lookup(&t, 0xffffffc000000000ull, &lf), 0);
	/* VPN[2] of 0xffffffc000000000 is 256: the middle of the root. */
	cr_assert_eq(lf.level, 0);
	cr_assert_eq(tu_ptr(&t, t.root_pa)[256] & TU_PTE_V, TU_PTE_V);
	cr_assert_eq(tu_ptr(&t, t.root_pa)[0], 0);
	/* The lower half's address with the same low bits is another page. */
	expect_unmapped(&t, 0);
	cr_assert_eq(genpt_map(t.pt, 0, oa + TU_4K, TU_4K, RW, NULL), 0);
	expect_oa(&t, 0, oa + TU_4K);
	expect_oa(&t, 0xffffffc000000000ull, oa);
	cr_assert_eq(genpt_unmap(t.pt, 0xffffffc000000000ull, TU_4K, NULL, NULL), 0);
	expect_unmapped(&t, 0xffffffc000000000ull);
	expect_oa(&t, 0, oa + TU_4K);
	cr_assert_eq(genpt_unmap(t.pt, 0, TU_4K, NULL, NULL), 0);
	/* the unmap may leave the empty tables it covered in part */
	af_reclaim(t.pt, af_map_leftover_pages(t.pt), t.mode->name, "after unmap");
	cr_assert_eq(tu_table_bytes(&t), t.root_size);
	tu_table_fini(&t);
}

/* Unmap removes whole leaves inside the range and skips holes. */
Test(map, unmap_with_holes)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct tu_table t;
		uint64_t base = 5 * TU_1G, unmapped = 0;
		struct model md;

		tu_table_init(&t, m, GENPT_FEAT_RISCV_SVNAPOT, 1ull << 30);
		model_init(&md, &t);
		/* 4K, hole, 64K run, hole, 2M, hole, 1G */
		struct {
			uint64_t iova, oa, len;
		} maps[] = {
			{ base + TU_4K, (1ull << 40) + TU_4K, TU_4K },
			{ base + TU_64K, (1ull << 40) + TU_64K, TU_64K },
			{ base + TU_2M, (1ull << 40) + TU_2M, TU_2M },
			{ base + TU_1G, (1ull << 40) + TU_1G, TU_1G },
			{ base + 3 * TU_1G - TU_4K, (1ull << 40), TU_4K },
		};
		uint64_t total = 0;

		for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
			cr_assert_eq(genpt_map(t.pt, maps[i].iova, maps[i].oa,
					       maps[i].len, RW, NULL), 0);
			cr_assert_eq(model_map(&md, maps[i].iova, maps[i].oa,
					       maps[i].len, RW), 0);
			total += maps[i].len;
		}
		model_check(&t, &md, NULL);
		model_check_range(&t, &md, base, base + 3 * TU_1G - 1, NULL);
		/* A range that starts and ends in holes. */
		cr_assert_eq(genpt_unmap(t.pt, base, 2 * TU_1G, NULL, &unmapped), 0);
		cr_assert_eq(unmapped, total - TU_4K);
		cr_assert_eq(model_unmap(&md, base, 2 * TU_1G, &unmapped), 0);
		cr_assert_eq(unmapped, total - TU_4K);
		model_check_range(&t, &md, base, base + 3 * TU_1G - 1, NULL);
		/* Nothing left there: unmapped 0, still fine. */
		cr_assert_eq(genpt_unmap(t.pt, base, 2 * TU_1G, NULL, &unmapped), 0);
		cr_assert_eq(unmapped, 0);
		cr_assert_eq(genpt_unmap(t.pt, base + 3 * TU_1G - TU_4K, TU_4K, NULL,
					 &unmapped), 0);
		cr_assert_eq(unmapped, TU_4K);
		/* the unmap may leave the empty tables it covered in part */
		af_reclaim(t.pt, af_map_leftover_pages(t.pt), t.mode->name, "after unmap");
		cr_assert_eq(tu_table_bytes(&t), t.root_size);
		/* unmapped may be NULL */
		cr_assert_eq(genpt_map(t.pt, base, 0, TU_4K, RW, NULL), 0);
		cr_assert_eq(genpt_unmap(t.pt, base, TU_4K, NULL, NULL), 0);
		expect_unmapped(&t, base);
		model_fini(&md);
		tu_table_fini(&t);
	}
}

/* Exactly one leaf of a larger mapping may be unmapped, and a NAPOT run as
 * a whole. */
Test(map, unmap_leaf_by_leaf)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct tu_table t;
		uint64_t iova = TU_1G - TU_2M - TU_64K, unmapped;
		uint64_t len = TU_64K + TU_2M + TU_1G + TU_64K + TU_4K;
		uint64_t oa = (1ull << 41) + (iova & (TU_1G - 1));
		struct model md;
		struct tu_rng rng = { 7 };

		tu_table_init(&t, m, GENPT_FEAT_RISCV_SVNAPOT, 1ull << 30);
		model_init(&md, &t);
		cr_assert_eq(genpt_map(t.pt, iova, oa, len, RW, NULL), 0);
		cr_assert_eq(model_map(&md, iova, oa, len, RW), 0);
		/* Remove leaves in a scrambled order: the 1G, the last 4K, the
		 * first 64K run, the 2M, the last 64K. */
		static const uint64_t order[][2] = {
			{ TU_64K + TU_2M, TU_1G },
			{ TU_64K + TU_2M + TU_1G + TU_64K, TU_4K },
			{ 0, TU_64K },
			{ TU_64K, TU_2M },
			{ TU_64K + TU_2M + TU_1G, TU_64K },
		};
		for (size_t i = 0; i < 5; i++) {
			uint64_t mu;

			cr_assert_eq(genpt_unmap(t.pt, iova + order[i][0], order[i][1],
						 NULL, &unmapped), 0);
			cr_assert_eq(unmapped, order[i][1]);
			cr_assert_eq(model_unmap(&md, iova + order[i][0], order[i][1], &mu), 0);
			cr_assert_eq(mu, order[i][1]);
			model_check(&t, &md, &rng);
			model_check_range(&t, &md, iova - TU_4K, iova + len, &rng);
		}
		cr_assert_eq(md.n, 0);
		/* the unmap may leave the empty tables it covered in part */
		af_reclaim(t.pt, af_map_leftover_pages(t.pt), t.mode->name, "after unmap");
		cr_assert_eq(tu_table_bytes(&t), t.root_size);
		model_fini(&md);
		tu_table_fini(&t);
	}
}

/* prot becomes R/W/X as documented: R always, W on WRITE, X unless
 * NOEXEC; write-only maps read-write. */
Test(map, prot_bits)
{
	static const struct {
		unsigned int prot;
		uint64_t want;
	} cases[] = {
		{ GENPT_READ, TU_PTE_R | TU_PTE_X },
		{ GENPT_WRITE, TU_PTE_R | TU_PTE_W | TU_PTE_X },
		{ GENPT_READ | GENPT_WRITE, TU_PTE_R | TU_PTE_W | TU_PTE_X },
		{ GENPT_READ | GENPT_NOEXEC, TU_PTE_R },
		{ GENPT_READ | GENPT_WRITE | GENPT_NOEXEC | GENPT_MMIO, TU_PTE_R | TU_PTE_W },
		{ GENPT_READ | GENPT_CACHE, TU_PTE_R | TU_PTE_X },
	};

	for (int m = 0; m < TU_NMODES; m++) {
		struct tu_table t;

		tu_table_init(&t, m, 0, 1ull << 30);
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			uint64_t iova = TU_2M * (i + 1);
			struct tu_leaf lf;
			int werr;

			cr_assert_eq(genpt_map(t.pt, iova, TU_2M * 9, TU_4K,
					       cases[i].prot, NULL), 0);
			cr_assert_eq(tu_lookup(&t, iova, &lf), 0);
			cr_assert_eq(lf.pte & TU_PTE_RWX, cases[i].want,
				     "%s: prot 0x%x -> pte 0x%llx", t.mode->name,
				     cases[i].prot, (unsigned long long)lf.pte);
			werr = genpt_hw_access(t.pt, iova, GENPT_ACCESS_WRITE, NULL);
			cr_assert_eq(werr, (cases[i].want & TU_PTE_W) ? 0 : -EACCES);
			cr_assert_eq(genpt_hw_access(t.pt, iova, GENPT_ACCESS_READ, NULL), 0);
		}
		tu_table_fini(&t);
	}
}

/* --------------------------------------------------------- gather -- */

Test(gather, unmap_collects_range_and_pages)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct tu_table t;
		struct genpt_gather g;
		uint64_t iova = 3 * TU_1G + 5 * TU_2M + 7 * TU_4K, unmapped;
		uint64_t pm0, pm1, chain;

		tu_table_init(&t, m, 0, 1ull << 30);
		chain = (t.mode->levels - 1) * 4096ull;
		pm0 = tu_pm_bytes(&t);
		genpt_gather_init(&g);
		cr_assert_gt(g.start, g.last, "init gather not empty");
		cr_assert_null(g.freed);

		/* A successful map leaves the gather alone. */
		cr_assert_eq(genpt_map(t.pt, iova, 1ull << 40, 2 * TU_4K, RW, &g), 0);
		cr_assert_gt(g.start, g.last);
		cr_assert_null(g.freed);
		pm1 = tu_pm_bytes(&t);
		cr_assert_eq(pm1 - pm0, chain);
		cr_assert_eq(tu_table_bytes(&t), t.root_size + chain);

		/* Unmapping one page frees nothing yet, records the range. */
		cr_assert_eq(genpt_unmap(t.pt, iova, TU_4K, &g, &unmapped), 0);
		cr_assert_eq(unmapped, TU_4K);
		cr_assert_eq(g.start, iova);
		cr_assert_eq(g.last, iova + TU_4K - 1);
		cr_assert_null(g.freed);
		cr_assert_eq(tu_pm_bytes(&t), pm1);

		/* Unmapping the second one empties every table, but the range
		 * covers none of them whole: a neighbour's map could be using
		 * them, so they stay.  A reclaim moves them to the gather (not
		 * counted in table_bytes, not yet freed), and the range grows
		 * to the whole span of the largest unlinked table (the root's
		 * child, whose pointer a walk cache may still use for any
		 * address under it). */
		cr_assert_eq(genpt_unmap(t.pt, iova + TU_4K - TU_2M, TU_2M + TU_4K,
					 &g, &unmapped), 0);
		cr_assert_eq(unmapped, TU_4K);
		cr_assert_null(g.freed);
		cr_assert_eq(tu_table_bytes(&t), t.root_size + chain);
		cr_assert_eq(genpt_reclaim(t.pt, &g, NULL), 0);
		{
			uint64_t span = 1ull << (12 + 9 * (t.mode->levels - 1));

			cr_assert_eq(g.start, iova & ~(span - 1), "start 0x%llx",
				     (unsigned long long)g.start);
			cr_assert_eq(g.last, (iova & ~(span - 1)) + span - 1);
		}
		cr_assert_not_null(g.freed);
		cr_assert_eq(tu_table_bytes(&t), t.root_size);
		cr_assert_eq(tu_pm_bytes(&t), pm1, "pages freed before release");
		cr_assert_eq(t.cnt.live, (long)t.mode->levels);
		expect_unmapped(&t, iova + TU_4K);

		cr_assert_eq(genpt_gather_release(t.pt, &g), 0);
		cr_assert_eq(tu_pm_bytes(&t), pm0);
		cr_assert_eq(t.cnt.live, 1);
		cr_assert_gt(g.start, g.last, "released gather not empty");
		cr_assert_null(g.freed);
		/* Releasing an empty gather is fine. */
		cr_assert_eq(genpt_gather_release(t.pt, &g), 0);
		cr_assert_eq(tu_pm_bytes(&t), pm0);

		/* The table works on after the release. */
		cr_assert_eq(genpt_map(t.pt, iova, 1ull << 40, TU_4K, RW, NULL), 0);
		expect_oa(&t, iova + 1, (1ull << 40) + 1);
		cr_assert_eq(genpt_unmap(t.pt, iova, TU_4K, NULL, NULL), 0);
		tu_table_fini(&t);
	}
}

/* Ranges of several unmaps accumulate as their hull; pages of several
 * tables chain up.  A table page goes only with a call that covers its
 * whole span (or with genpt_reclaim()), and then its whole span is
 * gathered: a walk cache may still hold the pointer to it. */
Test(gather, accumulates)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct tu_table t;
		struct genpt_gather g;
		uint64_t a = 7 * TU_1G, b = 2 * TU_1G + TU_4K, pm0, bytes, freed;

		tu_table_init(&t, m, 0, 1ull << 30);
		pm0 = tu_pm_bytes(&t);
		cr_assert_eq(genpt_map(t.pt, a, 1ull << 40, TU_4K, RW, NULL), 0);
		cr_assert_eq(genpt_map(t.pt, b, 1ull << 40, TU_4K, RW, NULL), 0);
		cr_assert_eq(genpt_map(t.pt, 4 * TU_1G, 1ull << 40, TU_1G, RW, NULL), 0);
		bytes = tu_table_bytes(&t);
		genpt_gather_init(&g);
		/* a sits alone under a level-1 table (1G span): unmapping its
		 * page empties the table but leaves it (a neighbour's map may
		 * be using it), so only the page's range is gathered. */
		cr_assert_eq(genpt_unmap(t.pt, a, TU_4K, &g, NULL), 0);
		cr_assert_eq(g.start, a);
		cr_assert_eq(g.last, a + TU_4K - 1);
		cr_assert_null(g.freed);
		cr_assert_eq(tu_table_bytes(&t), bytes);
		/* An unmap covering the table's span frees it, gathered whole. */
		cr_assert_eq(genpt_unmap(t.pt, 7 * TU_1G, TU_1G, &g, NULL), 0);
		cr_assert_eq(g.start, 7 * TU_1G);
		cr_assert_eq(g.last, 8 * TU_1G - 1);
		cr_assert_not_null(g.freed);
		cr_assert_eq(tu_table_bytes(&t), bytes - 2 * TU_4K);
		cr_assert_eq(genpt_unmap(t.pt, b, TU_4K, &g, NULL), 0);
		cr_assert_eq(g.start, b, "%s: start %#llx", t.mode->name,
			     (unsigned long long)g.start);
		cr_assert_eq(g.last, 8 * TU_1G - 1);
		cr_assert_eq(genpt_unmap(t.pt, 4 * TU_1G, TU_1G, &g, NULL), 0);
		/* Reclaim frees b's empty table ([2G, 3G)) and, with more than
		 * 3 levels, the root's child spanning all of 0..8G. */
		cr_assert_eq(genpt_reclaim(t.pt, &g, &freed), 0);
		cr_assert_eq(freed, (t.mode->levels - 1) * TU_4K);
		if (t.mode->levels == 3) {
			cr_assert_eq(g.start, 2 * TU_1G);
			cr_assert_eq(g.last, 8 * TU_1G - 1);
		} else {
			uint64_t span = 1ull << (12 + 9 * (t.mode->levels - 1));

			cr_assert_eq(g.start, 0);
			cr_assert_eq(g.last, span - 1);
		}
		cr_assert_eq(tu_table_bytes(&t), t.root_size);
		cr_assert_gt(tu_pm_bytes(&t), pm0);
		cr_assert_eq(genpt_gather_release(t.pt, &g), 0);
		cr_assert_eq(tu_pm_bytes(&t), pm0);
		cr_assert_eq(t.cnt.live, 1);
		tu_table_fini(&t);
	}
}

/* With a NULL gather the pages go back at once. */
Test(gather, null_gather_frees_at_once)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct tu_table t;
		uint64_t pm0, frees, freed = 0;

		tu_table_init(&t, m, GENPT_FEAT_RISCV_SVNAPOT, 1ull << 30);
		pm0 = tu_pm_bytes(&t);
		cr_assert_eq(genpt_map(t.pt, TU_1G - TU_4K, 1ull << 40, 2 * TU_4K, RW,
				       NULL), 0);
		cr_assert_gt(tu_pm_bytes(&t), pm0);
		frees = (uint64_t)t.cnt.frees;
		/* Covers the two level-1 tables whole: they go at once. */
		cr_assert_eq(genpt_unmap(t.pt, 0, 2 * TU_1G, NULL, NULL), 0);
		cr_assert_gt((uint64_t)t.cnt.frees, frees);
		/* The root's child (more than 3 levels) needs a reclaim. */
		cr_assert_eq(genpt_reclaim(t.pt, NULL, &freed), 0);
		cr_assert_eq(freed, (t.mode->levels - 3) * TU_4K);
		cr_assert_eq(tu_pm_bytes(&t), pm0);
		cr_assert_eq(tu_table_bytes(&t), t.root_size);
		cr_assert_eq(t.cnt.live, 1);
		tu_table_fini(&t);
	}
}

/* genpt_destroy gives back every table page. */
Test(map, destroy_frees_everything)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct tu_table t;
		uint64_t pm0;

		tu_table_init(&t, m, GENPT_FEAT_RISCV_SVNAPOT, 1ull << 30);
		pm0 = tu_pm_bytes(&t);
		for (uint64_t i = 0; i < 64; i++)
			cr_assert_eq(genpt_map(t.pt, i * (TU_1G + TU_2M + TU_4K),
					       1ull << 40, TU_4K, RW, NULL), 0);
		cr_assert_gt(tu_pm_bytes(&t), pm0);
		genpt_destroy(t.pt);
		t.pt = NULL;
		cr_assert_eq(t.cnt.live, 0);
		cr_assert_eq(tu_pm_bytes(&t), 0);
		genpt_physmem_destroy(t.pm);
	}
}
