// SPDX-License-Identifier: MIT
/*
 * x86_suite_map.c - map / unmap / translate / gather / random-model test
 * bodies for the x86 formats (see x86_suite.h), and the exact entry bits
 * each format must write.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anyfmt.h"
#include "x86_suite.h"

#define ULL(x) ((unsigned long long)(x))

static void expect_oa(const struct xu_table *t, uint64_t va, uint64_t want)
{
	uint64_t oa = 0;
	int err = genpt_iova_to_phys(t->pt, va, &oa);

	cr_assert(err == 0 && oa == want, "%s: iova_to_phys(0x%llx) = %d oa 0x%llx, want 0x%llx",
		  t->mode->name, ULL(va), err, ULL(oa), ULL(want));
	err = genpt_hw_access(t->pt, va, GENPT_ACCESS_READ, &oa);
	cr_assert(err == 0 && oa == want, "%s: hw_access(0x%llx) = %d oa 0x%llx, want 0x%llx",
		  t->mode->name, ULL(va), err, ULL(oa), ULL(want));
}

static void expect_unmapped(const struct xu_table *t, uint64_t va)
{
	uint64_t oa = 0;
	int err = genpt_iova_to_phys(t->pt, va, &oa);

	cr_assert_eq(err, -ENOENT, "%s: iova_to_phys(0x%llx) = %d oa 0x%llx", t->mode->name,
		     ULL(va), err, ULL(oa));
	err = genpt_hw_access(t->pt, va, GENPT_ACCESS_READ, &oa);
	cr_assert_eq(err, -ENOENT, "%s: hw_access(0x%llx) = %d", t->mode->name, ULL(va), err);
}

/* ---- every leaf size at every level -------------------------------------- */

static void check_single_leaf(struct xu_table *t, uint64_t iova, uint64_t oa,
			      unsigned int sh)
{
	uint64_t size = 1ull << sh, unmapped = 0;
	unsigned int lvl = xu_shift_level(sh), levels = t->mode->levels;
	uint64_t want_bytes = t->root_size + (uint64_t)(levels - 1 - lvl) * 4096;
	static const uint64_t offs[] = { 0, 1, 8, 0x7ff, 0xfff };
	struct xu_leaf lf;
	struct xu_snap s;
	char what[96];
	int err;

	snprintf(what, sizeof(what), "2^%u page at 0x%llx -> 0x%llx", sh, ULL(iova), ULL(oa));
	err = genpt_map(t->pt, iova, oa, size, XS_RW, NULL);
	cr_assert_eq(err, 0, "%s: map %s: %d", t->mode->name, what, err);
	cr_assert_eq(xu_table_bytes(t), want_bytes, "%s: %s: table_bytes %llu, want %llu",
		     t->mode->name, what, ULL(xu_table_bytes(t)), ULL(want_bytes));
	cr_assert_eq(t->cnt.live, 1 + (long)(levels - 1 - lvl));
	xu_snap_take(t, &s);
	cr_assert_eq(s.n, 1 + (size_t)(levels - 1 - lvl));
	for (unsigned int l = 0; l + 1 < levels; l++)
		cr_assert_eq(xu_snap_count(&s, l), l >= lvl ? 1u : 0u,
			     "%s: %s: %zu tables at level %u", t->mode->name, what,
			     xu_snap_count(&s, l), l);
	xu_snap_free(&s);

	/* The raw entries: level, size, every replica exactly, the slots
	 * around the page empty, the table pointers exactly. */
	err = xu_lookup(t, iova, &lf);
	cr_assert_eq(err, 0, "%s: %s: raw walk %d", t->mode->name, what, err);
	cr_assert_eq(lf.level, lvl, "%s: %s: found at level %u", t->mode->name, what, lf.level);
	cr_assert_eq(lf.shift, sh);
	cr_assert_eq(lf.oa, oa);
	xs_expect_leaf(t, iova, sh, oa, XS_RW, ~0u, ~0u, what);
	xs_expect_tables(t, iova, false, what);
	{
		const uint64_t *p = xu_ptr(t, lf.first_pte_pa);
		uint64_t slot = (lf.first_pte_pa & 4095) / 8;

		if (slot > 0)
			cr_assert_eq(p[-1], 0, "%s: %s: entry before the page", t->mode->name, what);
		if (slot + lf.nrep < 512)
			cr_assert_eq(p[lf.nrep], 0, "%s: %s: entry after the page", t->mode->name,
				     what);
	}

	for (unsigned int i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		uint64_t mid = (size / 2) & ~4095ull;

		expect_oa(t, iova + offs[i], oa + offs[i]);
		expect_oa(t, iova + mid + offs[i], oa + mid + offs[i]);
		expect_oa(t, iova + size - 4096 + offs[i], oa + size - 4096 + offs[i]);
	}
	if (iova && xu_va_valid(t, iova - 1))
		expect_unmapped(t, iova - 1);
	if (iova + size != 0 && xu_va_valid(t, iova + size))
		expect_unmapped(t, iova + size);

	err = genpt_unmap(t->pt, iova, size, NULL, &unmapped);
	cr_assert_eq(err, 0, "%s: unmap %s: %d", t->mode->name, what, err);
	cr_assert_eq(unmapped, size);
	expect_unmapped(t, iova);
	expect_unmapped(t, iova + size - 1);
	/* the unmap may leave the empty tables it covered in part */
	af_reclaim(t->pt, af_map_leftover_pages(t->pt), t->mode->name, "after unmap");
	cr_assert_eq(xu_table_bytes(t), t->root_size);
	cr_assert_eq(t->cnt.live, 1);
	xu_snap_take(t, &s);
	cr_assert_eq(s.n, 1);
	for (size_t i = 0; i < 512; i++)
		cr_assert_eq(s.pages[0].data[i], 0, "%s: root entry %zu left: 0x%llx",
			     t->mode->name, i, ULL(s.pages[0].data[i]));
	xu_snap_free(&s);
}

void xs_leaf_sizes(int mode, uint64_t features)
{
	struct xu_table t;
	unsigned int shifts[64], n, nh;
	uint64_t f[2], l[2];

	xu_table_init(&t, mode, features, 1ull << 32);
	n = xu_leaf_shifts(&t, shifts);
	nh = xu_halves(&t, f, l);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t size = 1ull << shifts[i];
		uint64_t oas[2] = { 0x0005a5a5a5a5a000ull & ~(size - 1),
				    (1ull << XU_OA_BITS) - size };

		for (unsigned int h = 0; h < nh; h++) {
			uint64_t pos[3] = {
				f[h], l[h] - size + 1,
				f[h] + (((l[h] - f[h]) / 2) & ~(size - 1)),
			};

			for (unsigned int p = 0; p < 3; p++)
				for (unsigned int o = 0; o < 2; o++)
					check_single_leaf(&t, pos[p], oas[o], shifts[i]);
		}
	}
	xu_table_fini(&t);
}

/* ---- leaf sizes of mixed ranges ----------------------------------------- */

static void expect_leaves(struct xu_table *t, uint64_t iova, uint64_t oa, uint64_t len,
			  const unsigned int *sizes, size_t n)
{
	uint64_t va = iova;
	struct xm m;

	cr_assert_eq(genpt_map(t->pt, iova, oa, len, XS_RW, NULL), 0, "%s: map 0x%llx+0x%llx",
		     t->mode->name, ULL(iova), ULL(len));
	for (size_t i = 0; i < n; i++) {
		struct xu_leaf lf;

		cr_assert_eq(xu_lookup(t, va, &lf), 0);
		cr_assert_eq(lf.shift, sizes[i], "%s: leaf %zu at 0x%llx is 2^%u, want 2^%u",
			     t->mode->name, i, ULL(va), lf.shift, sizes[i]);
		cr_assert_eq(lf.first, va);
		cr_assert_eq(lf.oa, oa + (va - iova));
		xs_expect_leaf(t, va, sizes[i], oa + (va - iova), XS_RW, ~0u, ~0u, "mixed");
		va += 1ull << sizes[i];
	}
	cr_assert_eq(va, iova + len, "test bug: expected list does not cover the range");
	xm_init(&m, t);
	cr_assert_eq(xm_leaf_count(&m, iova, iova + len - 1, oa, UINT64_MAX), n);
	cr_assert_eq(xm_map(&m, iova, oa, len, XS_RW), 0);
	xm_check(t, &m, NULL);
	xm_fini(&m);
	cr_assert_eq(genpt_unmap(t->pt, iova, len, NULL, NULL), 0);
	/* the unmap may leave the empty tables it covered in part */
	af_reclaim(t->pt, af_map_leftover_pages(t->pt), t->mode->name, "after unmap");
	cr_assert_eq(xu_table_bytes(t), t->root_size);
}

/*
 * Up and down every size below a top size T: ascending from 4K to T/2 (each
 * size once, as alignment forces), T, then descending.  x86-64 / VT-d:
 * 4K 2M 1G 2M 4K; AMD v1: 4K 8K ... 512M 1G 512M ... 4K.
 */
void xs_mixed_leaves(int mode)
{
	struct xu_table t;
	unsigned int shifts[64], ns, top, sizes[160], n = 0, small[64], nsmall = 0;
	uint64_t sum = 0, iova, oa, len;

	xu_table_init(&t, mode, 0, 1ull << 31);
	top = t.mode->va_bits - 3 < 30 ? t.mode->va_bits - 3 : 30;
	ns = xu_leaf_shifts(&t, shifts);
	if (t.mode->fam == XU_FAM_AMDV1)
		while (top == 39 || !(top <= shifts[0]))
			top--;
	for (unsigned int i = ns; i-- > 0;)
		if (shifts[i] < top) {
			small[nsmall++] = shifts[i];
			sum += 1ull << shifts[i];
		}
	for (unsigned int i = 0; i < nsmall; i++)
		sizes[n++] = small[i];
	sizes[n++] = top;
	for (unsigned int i = nsmall; i-- > 0;)
		sizes[n++] = small[i];
	iova = (3ull << top) - sum;
	len = 2 * sum + (1ull << top);
	oa = (1ull << 40) + (7ull << top) + (iova & ((1ull << top) - 1));
	expect_leaves(&t, iova, oa, len, sizes, n);
	xu_table_fini(&t);
}

/* The output alignment limits the leaf size as much as the input's. */
void xs_oa_alignment(int mode)
{
	struct xu_table t;
	unsigned int sizes[512];
	bool amd;
	struct xu_snap s;

	xu_table_init(&t, mode, 0, 1ull << 31);
	amd = t.mode->fam == XU_FAM_AMDV1;
	/* 1G-aligned iova, 2M (not 4M) aligned oa: 512 x 2M */
	for (int i = 0; i < 512; i++)
		sizes[i] = 21;
	expect_leaves(&t, XU_1G, (1ull << 40) + XU_2M, XU_1G, sizes, 512);
	/* 2M-aligned iova, 64K (not 128K) aligned oa, 256K: 4 x 64K on AMD,
	 * 64 x 4K elsewhere */
	for (int i = 0; i < 64; i++)
		sizes[i] = amd ? 16 : 12;
	expect_leaves(&t, XU_2M, (1ull << 40) + XU_64K, 4 * XU_64K, sizes, amd ? 4 : 64);
	/* 1G-aligned iova, 8K aligned oa, 64K: 8 x 8K on AMD */
	for (int i = 0; i < 16; i++)
		sizes[i] = amd ? 13 : 12;
	expect_leaves(&t, XU_1G, (1ull << 40) + XU_8K, XU_64K, sizes, amd ? 8 : 16);
	/* 4K-aligned oa: 4K leaves */
	for (int i = 0; i < 16; i++)
		sizes[i] = 12;
	expect_leaves(&t, XU_64K, (1ull << 40) + XU_4K, XU_64K, sizes, 16);

	/* A 1G range mapped with 4K leaves: 512 level-0 tables. */
	cr_assert_eq(genpt_map(t.pt, XU_1G, (1ull << 40) + XU_4K, XU_1G, XS_RW, NULL), 0);
	xu_snap_take(&t, &s);
	cr_assert_eq(xu_snap_count(&s, 0), 512);
	cr_assert_eq(xu_snap_count(&s, 1), 1);
	xu_snap_free(&s);
	cr_assert_eq(xu_table_bytes(&t), t.root_size + (t.mode->levels - 2 + 512) * 4096ull);
	expect_oa(&t, XU_1G + 0x12345678, (1ull << 40) + XU_4K + 0x12345678);
	cr_assert_eq(genpt_unmap(t.pt, XU_1G, XU_1G, NULL, NULL), 0);
	/* the root's child spans more than 1G: it stays until a reclaim */
	af_reclaim(t.pt, t.mode->levels - 2, t.mode->name, "1G unmap");
	cr_assert_eq(xu_table_bytes(&t), t.root_size);
	cr_assert_eq(t.cnt.live, 1);
	xu_table_fini(&t);
}

/*
 * Whole halves of the space where the leaves are few enough, else the
 * largest page at each end; then mixed ranges ending at the top and
 * starting at the bottom of each half.
 */
void xs_whole_space(int mode)
{
	struct xu_table t;
	uint64_t f[2], l[2], unmapped;
	unsigned int nh, shifts[64];
	struct tu_rng rng = { 42 };

	xu_table_init(&t, mode, 0, 1ull << 32);
	nh = xu_halves(&t, f, l);
	xu_leaf_shifts(&t, shifts);
	for (unsigned int h = 0; h < nh; h++) {
		uint64_t span = l[h] - f[h]; /* bytes - 1 */
		uint64_t big = 1ull << shifts[0];
		uint64_t len, oa = 0;
		struct xm m;

		if (span < (1ull << XU_OA_BITS) && (span >> shifts[0]) < (1u << 18)) {
			len = span + 1;
			cr_assert_eq(genpt_map(t.pt, f[h], oa, len, XS_RW, NULL), 0,
				     "%s: map half %u", t.mode->name, h);
			expect_oa(&t, f[h], oa);
			expect_oa(&t, l[h], oa + len - 1);
			expect_oa(&t, f[h] + len / 2 + 0x1234, oa + len / 2 + 0x1234);
			cr_assert_eq(genpt_unmap(t.pt, f[h], len, NULL, &unmapped), 0);
			cr_assert_eq(unmapped, len);
		} else {
			cr_assert_eq(genpt_map(t.pt, f[h], 0, big, XS_RW, NULL), 0);
			cr_assert_eq(genpt_map(t.pt, l[h] - big + 1, big, big, XS_RW, NULL), 0);
			expect_oa(&t, f[h], 0);
			expect_oa(&t, l[h], 2 * big - 1);
			expect_unmapped(&t, f[h] + big);
			expect_unmapped(&t, l[h] - big);
			if (span != UINT64_MAX) {
				/* one unmap over the whole half, holes and all */
				cr_assert_eq(genpt_unmap(t.pt, f[h], span + 1, NULL, &unmapped), 0);
				cr_assert_eq(unmapped, 2 * big);
			} else {
				/* 2^64 bytes: in two halves */
				cr_assert_eq(genpt_unmap(t.pt, 0, 1ull << 63, NULL, &unmapped), 0);
				cr_assert_eq(unmapped, big);
				cr_assert_eq(genpt_unmap(t.pt, 1ull << 63, 1ull << 63, NULL,
							 &unmapped), 0);
				cr_assert_eq(unmapped, big);
			}
		}
		cr_assert_eq(xu_table_bytes(&t), t.root_size);
		if (t.mode->va_bits < 36)
			continue;

		/* A mixed range ending at the last address of the half. */
		xm_init(&m, &t);
		len = XU_4K + XU_64K + XU_2M + 2 * XU_1G;
		oa = (1ull << 44) - len;
		cr_assert_eq(genpt_map(t.pt, l[h] - len + 1, oa, len, GENPT_READ, NULL), 0);
		cr_assert_eq(xm_map(&m, l[h] - len + 1, oa, len, GENPT_READ), 0);
		xm_check_range(&t, &m, l[h] - 4 * XU_1G + 1, l[h], &rng);
		cr_assert_eq(genpt_unmap(t.pt, l[h] - len + 1, len, NULL, &unmapped), 0);
		cr_assert_eq(unmapped, len);
		xm_fini(&m);
		/* ... and one starting at its first address. */
		xm_init(&m, &t);
		cr_assert_eq(genpt_map(t.pt, f[h], 1ull << 44, len,
				       GENPT_READ | GENPT_NOEXEC, NULL), 0);
		cr_assert_eq(xm_map(&m, f[h], 1ull << 44, len, GENPT_READ | GENPT_NOEXEC), 0);
		xm_check_range(&t, &m, f[h], f[h] + 4 * XU_1G, &rng);
		cr_assert_eq(genpt_unmap(t.pt, f[h], len, NULL, &unmapped), 0);
		cr_assert_eq(unmapped, len);
		xm_fini(&m);
		/* the unmap may leave the empty tables it covered in part */
		af_reclaim(t.pt, af_map_leftover_pages(t.pt), t.mode->name, "after unmap");
		cr_assert_eq(xu_table_bytes(&t), t.root_size);
	}
	xu_table_fini(&t);
}

/* ---- unmap ------------------------------------------------------------------ */

void xs_unmap_holes(int mode)
{
	struct xu_table t;
	uint64_t base = 5 * XU_1G, unmapped = 0, total = 0;
	struct xm m;
	struct {
		uint64_t iova, oa, len;
	} maps[] = {
		{ base + XU_4K, (1ull << 40) + XU_4K, XU_4K },
		{ base + XU_64K, (1ull << 40) + XU_64K, XU_64K },
		{ base + XU_2M, (1ull << 40) + XU_2M, XU_2M },
		{ base + XU_1G, (1ull << 40) + XU_1G, XU_1G },
		{ base + 3 * XU_1G - XU_4K, (1ull << 40), XU_4K },
	};

	xu_table_init(&t, mode, 0, 1ull << 30);
	xm_init(&m, &t);
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		cr_assert_eq(genpt_map(t.pt, maps[i].iova, maps[i].oa, maps[i].len, XS_RW, NULL), 0);
		cr_assert_eq(xm_map(&m, maps[i].iova, maps[i].oa, maps[i].len, XS_RW), 0);
		total += maps[i].len;
	}
	xm_check(&t, &m, NULL);
	xm_check_range(&t, &m, base, base + 3 * XU_1G - 1, NULL);
	cr_assert_eq(genpt_unmap(t.pt, base, 2 * XU_1G, NULL, &unmapped), 0);
	cr_assert_eq(unmapped, total - XU_4K);
	cr_assert_eq(xm_unmap(&m, base, 2 * XU_1G, &unmapped), 0);
	cr_assert_eq(unmapped, total - XU_4K);
	xm_check_range(&t, &m, base, base + 3 * XU_1G - 1, NULL);
	cr_assert_eq(genpt_unmap(t.pt, base, 2 * XU_1G, NULL, &unmapped), 0);
	cr_assert_eq(unmapped, 0);
	cr_assert_eq(genpt_unmap(t.pt, base + 3 * XU_1G - XU_4K, XU_4K, NULL, &unmapped), 0);
	cr_assert_eq(unmapped, XU_4K);
	/* the unmap may leave the empty tables it covered in part */
	af_reclaim(t.pt, af_map_leftover_pages(t.pt), t.mode->name, "after unmap");
	cr_assert_eq(xu_table_bytes(&t), t.root_size);
	cr_assert_eq(genpt_map(t.pt, base, 0, XU_4K, XS_RW, NULL), 0);
	cr_assert_eq(genpt_unmap(t.pt, base, XU_4K, NULL, NULL), 0);
	expect_unmapped(&t, base);
	xm_fini(&m);
	xu_table_fini(&t);
}

void xs_unmap_leaf_by_leaf(int mode)
{
	struct xu_table t;
	uint64_t iova = XU_1G - XU_2M - XU_64K, unmapped;
	uint64_t len = XU_64K + XU_2M + XU_1G + XU_64K + XU_4K;
	uint64_t oa = (1ull << 41) + (iova & (XU_1G - 1));
	struct xm m;
	struct tu_rng rng = { 7 };
	static const uint64_t order[][2] = {
		{ XU_64K + XU_2M, XU_1G },
		{ XU_64K + XU_2M + XU_1G + XU_64K, XU_4K },
		{ 0, XU_64K },
		{ XU_64K, XU_2M },
		{ XU_64K + XU_2M + XU_1G, XU_64K },
	};

	xu_table_init(&t, mode, 0, 1ull << 30);
	xm_init(&m, &t);
	cr_assert_eq(genpt_map(t.pt, iova, oa, len, XS_RW, NULL), 0);
	cr_assert_eq(xm_map(&m, iova, oa, len, XS_RW), 0);
	xm_check(&t, &m, &rng);
	for (size_t i = 0; i < 5; i++) {
		uint64_t mu, first = iova + order[i][0], l = order[i][1];
		bool whole = true;

		/* Only where the pieces are whole leaves (x86-64 / VT-d have
		 * no 64K leaf: 16 x 4K, which unmap fine as a range too). */
		for (uint64_t va = first; va < first + l; va += XU_4K) {
			uint64_t lf;
			unsigned int sh;

			if (xm_leaf_at(&m, va, &lf, &sh) &&
			    (lf < first || lf + (1ull << sh) > first + l))
				whole = false;
			if (sh > 12)
				va = lf + (1ull << sh) - XU_4K;
		}
		cr_assert(whole, "test bug: piece %zu is not made of whole leaves", i);
		cr_assert_eq(genpt_unmap(t.pt, first, l, NULL, &unmapped), 0);
		cr_assert_eq(unmapped, l);
		cr_assert_eq(xm_unmap(&m, first, l, &mu), 0);
		cr_assert_eq(mu, l);
		xm_check(&t, &m, &rng);
		xm_check_range(&t, &m, iova - XU_4K, iova + len, &rng);
	}
	cr_assert_eq(m.n, 0);
	/* the unmap may leave the empty tables it covered in part */
	af_reclaim(t.pt, af_map_leftover_pages(t.pt), t.mode->name, "after unmap");
	cr_assert_eq(xu_table_bytes(&t), t.root_size);
	xm_fini(&m);
	xu_table_fini(&t);
}

/* ---- prot ---------------------------------------------------------------------- */

void xs_prot_bits(int mode, uint64_t features)
{
	static const unsigned int prots[] = {
		GENPT_READ,
		GENPT_WRITE,
		GENPT_READ | GENPT_WRITE,
		GENPT_READ | GENPT_NOEXEC,
		GENPT_READ | GENPT_WRITE | GENPT_NOEXEC | GENPT_MMIO,
		GENPT_READ | GENPT_CACHE,
		GENPT_READ | GENPT_WRITE | GENPT_CACHE,
		GENPT_WRITE | GENPT_CACHE | GENPT_MMIO,
		GENPT_WRITE | GENPT_NOEXEC,
	};
	struct xu_table t;

	xu_table_init(&t, mode, features, 1ull << 30);
	for (size_t i = 0; i < sizeof(prots) / sizeof(prots[0]); i++) {
		unsigned int prot = prots[i];
		uint64_t iova = XU_2M * (i + 1) + XU_4K * i;
		struct xu_leaf lf;
		bool x86 = t.mode->fam == XU_FAM_X86_64;
		bool r = x86 || (prot & GENPT_READ), w = prot & GENPT_WRITE;
		bool x = x86 ? !(prot & GENPT_NOEXEC) : r;
		char what[48];

		snprintf(what, sizeof(what), "prot 0x%x", prot);
		cr_assert_eq(genpt_map(t.pt, iova, XU_2M * 9, XU_4K, prot, NULL), 0);
		cr_assert_eq(xu_lookup(&t, iova, &lf), 0);
		xu_expect_prot(&t, &lf, prot, what);
		xs_expect_leaf(&t, iova, 12, XU_2M * 9, prot, ~0u, ~0u, what);
		cr_assert_eq(genpt_hw_access(t.pt, iova, GENPT_ACCESS_READ, NULL), r ? 0 : -EACCES,
			     "%s: %s: read", t.mode->name, what);
		cr_assert_eq(genpt_hw_access(t.pt, iova + 5, GENPT_ACCESS_WRITE, NULL),
			     w ? 0 : -EACCES, "%s: %s: write", t.mode->name, what);
		cr_assert_eq(genpt_hw_access(t.pt, iova + 9, GENPT_ACCESS_EXEC, NULL),
			     x ? 0 : -EACCES, "%s: %s: exec", t.mode->name, what);
		/* tracking off, D preset: nothing was written */
		xs_expect_leaf(&t, iova, 12, XU_2M * 9, prot, ~0u, ~0u, what);
	}
	xu_table_fini(&t);
}

/* ---- hardware A ---------------------------------------------------------- */

void xs_hw_accessed(int mode)
{
	struct xu_table t;
	uint64_t iova = 3 * XU_1G + 5 * XU_2M + 7 * XU_4K, oa = (1ull << 40) + XU_4K;
	uint64_t a, *slots[8], *leaf;
	unsigned int n;
	bool tables_a;

	xu_table_init(&t, mode, 0, 1ull << 30);
	a = xu_accessed_bit(&t);
	tables_a = t.mode->fam != XU_FAM_AMDV1;
	if (t.mode->va_bits < 34)
		iova &= (1ull << t.mode->va_bits) - 1;
	cr_assert_eq(genpt_set_dirty_tracking(t.pt, true), 0);
	cr_assert_eq(genpt_map(t.pt, iova, oa, XU_4K, XS_RW, NULL), 0);
	n = xu_table_slots(&t, iova, slots);
	cr_assert_eq(n, t.mode->levels - 1);
	leaf = xu_leaf_slot(&t, iova, NULL);
	xs_expect_tables(&t, iova, false, "fresh");
	xs_expect_leaf(&t, iova, 12, oa, XS_RW, 0, ~0u, "fresh");

	/* Tracking on: a read marks the tables (x86-64, VT-d) and the leaf
	 * (A cleared by hand first), not D. */
	__atomic_fetch_and(leaf, ~a, __ATOMIC_ACQ_REL);
	cr_assert_eq(genpt_hw_access(t.pt, iova + 0x10, GENPT_ACCESS_READ, NULL), 0);
	xs_expect_tables(&t, iova, tables_a, "read, tracking on");
	xs_expect_leaf(&t, iova, 12, oa, XS_RW, 0, ~0u, "read, tracking on");
	/* A write adds D, and A on the leaf if it was missing. */
	__atomic_fetch_and(leaf, ~a, __ATOMIC_ACQ_REL);
	for (unsigned int i = 0; i < n; i++)
		__atomic_fetch_and(slots[i], ~a, __ATOMIC_ACQ_REL);
	cr_assert_eq(genpt_hw_access(t.pt, iova + 0x20, GENPT_ACCESS_WRITE, NULL), 0);
	xs_expect_tables(&t, iova, tables_a, "write, tracking on");
	xs_expect_leaf(&t, iova, 12, oa, XS_RW, ~0u, ~0u, "write, tracking on");

	/* Tracking off: hardware writes nothing; a leaf without A faults. */
	cr_assert_eq(genpt_set_dirty_tracking(t.pt, false), 0);
	for (unsigned int i = 0; i < n; i++)
		__atomic_fetch_and(slots[i], ~a, __ATOMIC_ACQ_REL);
	cr_assert_eq(genpt_hw_access(t.pt, iova, GENPT_ACCESS_WRITE, NULL), 0);
	xs_expect_tables(&t, iova, false, "write, tracking off");
	__atomic_fetch_and(leaf, ~a, __ATOMIC_ACQ_REL);
	cr_assert_eq(genpt_hw_access(t.pt, iova, GENPT_ACCESS_READ, NULL), -EACCES);
	xs_expect_tables(&t, iova, false, "A=0 leaf, tracking off");
	xs_expect_leaf(&t, iova, 12, oa, XS_RW, ~0u, 0, "A=0 leaf, tracking off");
	__atomic_fetch_or(leaf, a, __ATOMIC_ACQ_REL);
	cr_assert_eq(genpt_hw_access(t.pt, iova, GENPT_ACCESS_READ, NULL), 0);
	cr_assert_eq(genpt_unmap(t.pt, iova, XU_4K, NULL, NULL), 0);
	xu_table_fini(&t);
}

/* ---- gather --------------------------------------------------------------- */

void xs_gather(int mode)
{
	struct xu_table t;
	struct genpt_gather g;
	uint64_t iova = 3 * XU_1G + 5 * XU_2M + 7 * XU_4K, unmapped, pm0, pm1, chain;
	uint64_t span;

	xu_table_init(&t, mode, 0, 1ull << 30);
	chain = (t.mode->levels - 1) * 4096ull;
	span = 1ull << (12 + 9 * (t.mode->levels - 1));
	pm0 = xu_pm_bytes(&t);
	genpt_gather_init(&g);
	cr_assert_eq(genpt_map(t.pt, iova, 1ull << 40, 2 * XU_4K, XS_RW, &g), 0);
	cr_assert_gt(g.start, g.last);
	cr_assert_null(g.freed);
	pm1 = xu_pm_bytes(&t);
	cr_assert_eq(pm1 - pm0, chain);
	cr_assert_eq(genpt_unmap(t.pt, iova, XU_4K, &g, &unmapped), 0);
	cr_assert_eq(unmapped, XU_4K);
	cr_assert_eq(g.start, iova);
	cr_assert_eq(g.last, iova + XU_4K - 1);
	cr_assert_null(g.freed);
	cr_assert_eq(genpt_unmap(t.pt, iova + XU_4K - XU_2M, XU_2M + XU_4K, &g, &unmapped), 0);
	cr_assert_eq(unmapped, XU_4K);
	/* every table is empty now, but the range covers none of them
	 * whole: they stay until a reclaim, which gathers them */
	cr_assert_null(g.freed);
	cr_assert_eq(xu_table_bytes(&t), t.root_size + chain);
	cr_assert_eq(genpt_reclaim(t.pt, &g, NULL), 0);
	cr_assert_eq(g.start, iova & ~(span - 1), "%s: start 0x%llx", t.mode->name, ULL(g.start));
	cr_assert_eq(g.last, (iova & ~(span - 1)) + span - 1);
	cr_assert_not_null(g.freed);
	cr_assert_eq(xu_table_bytes(&t), t.root_size);
	cr_assert_eq(xu_pm_bytes(&t), pm1, "pages freed before release");
	/* the freed pages read as "not present" to the hardware */
	expect_unmapped(&t, iova + XU_4K);
	cr_assert_eq(genpt_gather_release(t.pt, &g), 0);
	cr_assert_eq(xu_pm_bytes(&t), pm0);
	cr_assert_eq(t.cnt.live, 1);
	cr_assert_gt(g.start, g.last);
	cr_assert_null(g.freed);
	cr_assert_eq(genpt_map(t.pt, iova, 1ull << 40, XU_4K, XS_RW, NULL), 0);
	expect_oa(&t, iova + 1, (1ull << 40) + 1);
	cr_assert_eq(genpt_unmap(t.pt, iova, XU_4K, NULL, NULL), 0);
	xu_table_fini(&t);
}

void xs_destroy_frees(int mode)
{
	struct xu_table t;
	uint64_t pm0;

	xu_table_init(&t, mode, 0, 1ull << 30);
	pm0 = xu_pm_bytes(&t);
	for (uint64_t i = 0; i < 64; i++)
		cr_assert_eq(genpt_map(t.pt, i * (XU_1G + XU_2M + XU_4K), 1ull << 40, XU_4K,
				       XS_RW, NULL), 0);
	cr_assert_gt(xu_pm_bytes(&t), pm0);
	genpt_destroy(t.pt);
	t.pt = NULL;
	cr_assert_eq(t.cnt.live, 0);
	cr_assert_eq(xu_pm_bytes(&t), 0);
	genpt_physmem_destroy(t.pm);
}
