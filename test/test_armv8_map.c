// SPDX-License-Identifier: MIT
/*
 * test_armv8_map.c - map / unmap / iova_to_phys on ARM VMSAv8-64 tables:
 * every page, block and contiguous size of every granule, stage 1 and
 * stage 2 (concatenated initial tables included), at the lowest, highest
 * and middle input addresses; the descriptors written, bit by bit; the
 * leaf sizes genpt picks; holes; the gather; and genpt_hw_info.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "anyfmt.h"
#include "armv8_util.h"
#include "genpt/genpt.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define OA_TOP (1ull << 48)

static const uint64_t feature_sets[] = {
	0,
	GENPT_FEAT_ARMV8_CONTIG,
	GENPT_FEAT_ARMV8_CONTIG | GENPT_FEAT_ARMV8_DBM,
};

/* An output address aligned to @size with many address bits set. */
static uint64_t scrambled_oa(uint64_t size)
{
	return 0x0000a5a5a5a5a000ull & ~(size - 1);
}

static void expect_oa(const struct arm_table *t, uint64_t va, uint64_t want)
{
	uint64_t oa = 0;
	int err = genpt_iova_to_phys(t->pt, va, &oa);

	cr_assert(err == 0 && oa == want, "%s: iova_to_phys(0x%llx) = %d oa 0x%llx, want 0x%llx",
		  t->name, (unsigned long long)va, err, (unsigned long long)oa,
		  (unsigned long long)want);
	oa = 0;
	err = genpt_hw_access(t->pt, va, GENPT_ACCESS_READ, &oa);
	cr_assert(err == 0 && oa == want, "%s: hw_access(0x%llx) = %d oa 0x%llx, want 0x%llx",
		  t->name, (unsigned long long)va, err, (unsigned long long)oa,
		  (unsigned long long)want);
}

static void expect_unmapped(const struct arm_table *t, uint64_t va)
{
	uint64_t oa = 0;
	int err = genpt_iova_to_phys(t->pt, va, &oa);

	cr_assert_eq(err, -ENOENT, "%s: iova_to_phys(0x%llx) = %d oa 0x%llx", t->name,
		     (unsigned long long)va, err, (unsigned long long)oa);
	err = genpt_hw_access(t->pt, va, GENPT_ACCESS_READ, &oa);
	cr_assert_eq(err, -ENOENT, "%s: hw_access(0x%llx) = %d", t->name,
		     (unsigned long long)va, err);
}

/*
 * Map one leaf (or contiguous run) of 2^sh bytes at iova -> oa and check:
 * the tables added (one per level between the root and the leaf), the
 * descriptors (type, level, contiguous bit and each member's own output
 * address, attributes), translations at both ends and sub-granule offsets,
 * the neighbours unmapped; then unmap and expect only the (empty) root.
 */
static void check_single_leaf(struct arm_table *t, uint64_t iova, uint64_t oa,
			      unsigned int sh)
{
	const struct arm_mode *m = t->mode;
	uint64_t size = 1ull << sh, gran = 1ull << m->granule_bits, unmapped = 0;
	unsigned int lvl, run, levels = m->levels;
	uint64_t want_bytes, offs[] = { 0, 1, 8, 0x7ff, gran - 1 };
	struct arm_leaf lf;
	struct tu_snap s;
	int err;

	arm_shift_level(t, sh, &lvl, &run);
	want_bytes = t->root_size + (uint64_t)(levels - 1 - lvl) * gran;
	err = genpt_map(t->pt, iova, oa, size, RW, NULL);
	cr_assert_eq(err, 0, "%s: map 2^%u at 0x%llx -> 0x%llx: %d", t->name, sh,
		     (unsigned long long)iova, (unsigned long long)oa, err);
	cr_assert_eq(arm_table_bytes(t), want_bytes, "%s: 2^%u leaf: table_bytes %llu, want %llu",
		     t->name, sh, (unsigned long long)arm_table_bytes(t),
		     (unsigned long long)want_bytes);
	arm_snap_take(t, &s);
	cr_assert_eq(s.n, 1 + (size_t)(levels - 1 - lvl));
	for (unsigned int l = 0; l + 1 < levels; l++)
		cr_assert_eq(tu_snap_count(&s, l), l >= lvl ? 1u : 0u,
			     "%s: 2^%u leaf: %zu tables at level %u", t->name, sh,
			     tu_snap_count(&s, l), l);
	tu_snap_free(&s);

	err = arm_lookup(t, iova, &lf);
	cr_assert_eq(err, 0, "%s: raw walk 0x%llx: %d", t->name, (unsigned long long)iova, err);
	cr_assert_eq(lf.level, lvl, "%s: 2^%u leaf found at level %u", t->name, sh, lf.level);
	cr_assert_eq(lf.run, run);
	cr_assert_eq(lf.shift, sh);
	cr_assert_eq(lf.oa, oa);
	{
		const uint64_t *p = arm_ptr(t, lf.desc_pa);
		unsigned int n = 1u << run;
		uint64_t lsize = 1ull << arm_lvl_shift(m, lvl);
		uint64_t table_bytes = lvl == levels - 1 ? (8ull << arm_root_bits(m)) : gran;

		for (unsigned int i = 0; i < n; i++) {
			uint64_t e = __atomic_load_n(&p[i], __ATOMIC_RELAXED);

			cr_assert_eq(e & ARM_D_TYPE, lvl == 0 ? 3u : 1u,
				     "%s: member %u type: %#llx", t->name, i,
				     (unsigned long long)e);
			cr_assert_eq(!!(e & ARM_D_CONT), run != 0, "%s: member %u contiguous bit",
				     t->name, i);
			cr_assert_eq(ARM_D_ADDR(e, 12), oa + i * lsize,
				     "%s: member %u output address %#llx, want %#llx", t->name, i,
				     (unsigned long long)ARM_D_ADDR(e, 12),
				     (unsigned long long)(oa + i * lsize));
			arm_expect_prot(t, e, RW, "single leaf");
			/* tracking is off: writable leaves are dirty */
			if (m->stage2)
				cr_assert(e & ARM_D_S2AP_W, "%s: S2AP[1] clear", t->name);
			else
				cr_assert(!(e & ARM_D_AP2), "%s: AP[2] set", t->name);
		}
		if (((lf.desc_pa - (lvl == levels - 1 ? t->root_pa : 0)) % table_bytes) +
			    8ull * n < table_bytes)
			cr_assert_eq(p[n], 0, "%s: entry after the leaf written", t->name);
	}

	for (unsigned int i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		uint64_t mid = (size / 2) & ~(gran - 1);

		expect_oa(t, iova + offs[i], oa + offs[i]);
		expect_oa(t, iova + mid + offs[i], oa + mid + offs[i]);
		expect_oa(t, iova + size - gran + offs[i], oa + size - gran + offs[i]);
	}
	if (iova)
		expect_unmapped(t, iova - 1);
	if (iova + size <= arm_va_last(t))
		expect_unmapped(t, iova + size);

	err = genpt_unmap(t->pt, iova, size, NULL, &unmapped);
	cr_assert_eq(err, 0, "%s: unmap 2^%u at 0x%llx: %d", t->name, sh,
		     (unsigned long long)iova, err);
	cr_assert_eq(unmapped, size);
	expect_unmapped(t, iova);
	expect_unmapped(t, iova + size - 1);
	/* the unmap may leave the empty tables it covered in part */
	af_reclaim(t->pt, af_map_leftover_pages(t->pt), t->name, "after unmap");
	cr_assert_eq(arm_table_bytes(t), t->root_size, "%s: table_bytes %llu after unmap",
		     t->name, (unsigned long long)arm_table_bytes(t));
	cr_assert_eq(t->cnt.live, 1);
	arm_snap_take(t, &s);
	cr_assert_eq(s.n, 1);
	for (size_t i = 0; i < t->root_size / 8; i++)
		cr_assert_eq(s.pages[0].data[i], 0, "%s: root entry %zu left: 0x%llx", t->name, i,
			     (unsigned long long)s.pages[0].data[i]);
	tu_snap_free(&s);
}

static void leaf_sizes_in_mode(const struct arm_mode *m, uint64_t features)
{
	struct arm_table t;
	unsigned int shifts[8], n;

	arm_table_init(&t, m, features, 0);
	cr_assert_eq(t.root_pa & (t.root_size - 1), 0, "%s: root not aligned to its size",
		     t.name);
	n = arm_leaf_shifts(&t, shifts);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t size = 1ull << shifts[i];
		uint64_t last = arm_va_last(&t);
		uint64_t oas[2] = { scrambled_oa(size), OA_TOP - size };
		uint64_t pos[3] = { 0, last - size + 1, ((last / 2) & ~(size - 1)) };

		for (unsigned int p = 0; p < 3; p++)
			for (unsigned int o = 0; o < 2; o++)
				check_single_leaf(&t, pos[p], oas[o], shifts[i]);
	}
	arm_table_fini(&t);
}

Test(armv8_map, every_leaf_size_every_mode, .timeout = 300)
{
	for (unsigned int m = 0; m < arm_nmodes; m++)
		for (unsigned int f = 0; f < 3; f++)
			leaf_sizes_in_mode(&arm_modes[m], feature_sets[f]);
}

/* The leaf sizes each granule has, written out. */
Test(armv8_map, leaf_size_sets)
{
	static const struct {
		const char *mode;
		uint64_t features;
		unsigned int n;
		unsigned int shifts[8];
	} cases[] = {
		/* 4K: 16G (16 x 1G), 1G, 32M (16 x 2M), 2M, 64K (16 x 4K), 4K */
		{ "s1-4k-48", GENPT_FEAT_ARMV8_CONTIG, 6, { 34, 30, 25, 21, 16, 12 } },
		{ "s1-4k-48", 0, 3, { 30, 21, 12 } },
		{ "s1-4k-30", GENPT_FEAT_ARMV8_CONTIG, 4, { 25, 21, 16, 12 } },
		/* 16K: 1G (32 x 32M), 32M, 2M (128 x 16K), 16K */
		{ "s1-16k-48", GENPT_FEAT_ARMV8_CONTIG, 4, { 30, 25, 21, 14 } },
		{ "s2-16k-48", 0, 2, { 25, 14 } },
		/* a single level: 16K pages and 2M runs only */
		{ "s2-16k-29", GENPT_FEAT_ARMV8_CONTIG, 2, { 21, 14 } },
		/* 64K: 16G (32 x 512M), 512M, 2M (32 x 64K), 64K */
		{ "s1-64k-48", GENPT_FEAT_ARMV8_CONTIG, 4, { 34, 29, 21, 16 } },
		{ "s2-64k-46", GENPT_FEAT_ARMV8_CONTIG, 4, { 34, 29, 21, 16 } },
		{ "s1-64k-25", GENPT_FEAT_ARMV8_CONTIG, 2, { 21, 16 } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arm_table t;
		unsigned int sh[8], n;

		arm_table_init(&t, arm_mode_named(cases[i].mode), cases[i].features, 1ull << 30);
		n = arm_leaf_shifts(&t, sh);
		cr_assert_eq(n, cases[i].n, "%s: %u leaf sizes", t.name, n);
		for (unsigned int k = 0; k < n; k++)
			cr_assert_eq(sh[k], cases[i].shifts[k], "%s: size %u is 2^%u", t.name, k,
				     sh[k]);
		arm_table_fini(&t);
	}
}

/*
 * Compare the leaves of [iova, iova + len) -> oa with an explicit list of
 * sizes (log2), in order, then with the model.
 */
static void expect_leaves(struct arm_table *t, uint64_t iova, uint64_t oa, uint64_t len,
			  const unsigned int *sizes, size_t n)
{
	uint64_t va = iova;
	struct model m;

	cr_assert_eq(genpt_map(t->pt, iova, oa, len, RW, NULL), 0, "%s: map 0x%llx+0x%llx",
		     t->name, (unsigned long long)iova, (unsigned long long)len);
	for (size_t i = 0; i < n; i++) {
		struct arm_leaf lf;

		cr_assert_eq(arm_lookup(t, va, &lf), 0);
		cr_assert_eq(lf.shift, sizes[i], "%s: leaf %zu at 0x%llx is 2^%u, want 2^%u",
			     t->name, i, (unsigned long long)va, lf.shift, sizes[i]);
		cr_assert_eq(lf.first, va);
		cr_assert_eq(lf.oa, oa + (va - iova));
		va += 1ull << sizes[i];
	}
	cr_assert_eq(va, iova + len, "expected list does not cover the range");
	arm_model_init(&m, t);
	cr_assert_eq(model_leaf_count(&m, iova, iova + len - 1, oa, UINT64_MAX), n);
	cr_assert_eq(model_map(&m, iova, oa, len, RW), 0);
	arm_model_check(t, &m, NULL);
	model_fini(&m);
	cr_assert_eq(genpt_unmap(t->pt, iova, len, NULL, NULL), 0);
	/* the unmap may leave the empty tables it covered in part */
	af_reclaim(t->pt, af_map_leftover_pages(t->pt), t->name, "after unmap");
	cr_assert_eq(arm_table_bytes(t), t->root_size);
}

/* Up and down the sizes of each granule, with and without runs. */
Test(armv8_map, ascending_descending_leaves)
{
	/* 4K: 4K 64K 2M 32M 1G 16G 1G 32M 2M 64K 4K */
	{
		static const unsigned int c[] = { 12, 16, 21, 25, 30, 34, 30, 25, 21, 16, 12 };
		static const uint64_t sz[] = { 1ull << 12, 1ull << 16, 1ull << 21, 1ull << 25,
					       1ull << 30, 1ull << 34 };
		uint64_t iova = (1ull << 36) - sz[0] - sz[1] - sz[2] - sz[3] - sz[4];
		uint64_t len = 2 * (sz[0] + sz[1] + sz[2] + sz[3] + sz[4]) + sz[5];
		uint64_t oa = (5ull << 40) + (iova & ((1ull << 36) - 1));
		const char *modes[] = { "s1-4k-48", "s2-4k-48", "s2-4k-40" };

		for (int i = 0; i < 3; i++) {
			struct arm_table t;

			arm_table_init(&t, arm_mode_named(modes[i]), ARM_ALL_FEAT, 1ull << 30);
			expect_leaves(&t, iova, oa, len, c, 11);
			arm_table_fini(&t);
		}
	}
	/* 16K: 16K 2M 32M 1G 32M 2M 16K */
	{
		static const unsigned int c[] = { 14, 21, 25, 30, 25, 21, 14 };
		uint64_t iova = (1ull << 31) - (1ull << 14) - (1ull << 21) - (1ull << 25);
		uint64_t len = 2 * ((1ull << 14) + (1ull << 21) + (1ull << 25)) + (1ull << 30);
		uint64_t oa = (3ull << 40) + (iova & ((1ull << 30) - 1));
		const char *modes[] = { "s1-16k-48", "s1-16k-36", "s2-16k-48" };

		for (int i = 0; i < 3; i++) {
			struct arm_table t;

			arm_table_init(&t, arm_mode_named(modes[i]), ARM_ALL_FEAT, 1ull << 30);
			expect_leaves(&t, iova, oa, len, c, 7);
			arm_table_fini(&t);
		}
	}
	/* 64K: 64K 2M 512M 16G 512M 2M 64K */
	{
		static const unsigned int c[] = { 16, 21, 29, 34, 29, 21, 16 };
		uint64_t iova = (1ull << 35) - (1ull << 16) - (1ull << 21) - (1ull << 29);
		uint64_t len = 2 * ((1ull << 16) + (1ull << 21) + (1ull << 29)) + (1ull << 34);
		uint64_t oa = (7ull << 40) + (iova & ((1ull << 34) - 1));
		const char *modes[] = { "s1-64k-48", "s1-64k-42", "s2-64k-46" };

		for (int i = 0; i < 3; i++) {
			struct arm_table t;

			arm_table_init(&t, arm_mode_named(modes[i]), ARM_ALL_FEAT, 1ull << 30);
			expect_leaves(&t, iova, oa, len, c, 7);
			arm_table_fini(&t);
		}
	}
	/* Without the contiguous hint a 64K range of the 4K granule is 16 pages. */
	{
		struct arm_table t;
		unsigned int c[18];

		for (int i = 0; i < 16; i++)
			c[i] = 12;
		c[16] = 21;
		c[17] = 21;
		arm_table_init(&t, arm_mode_named("s1-4k-39"), GENPT_FEAT_ARMV8_DBM, 1ull << 30);
		expect_leaves(&t, (1ull << 30) - (1ull << 16), (1ull << 40) - (1ull << 16),
			      (1ull << 16) + (2ull << 21), c, 18);
		arm_table_fini(&t);
	}
}

/* The output alignment limits the leaf (and run) size as much as the
 * input's; a granule-aligned range of a 1G leaf's worth uses blocks. */
Test(armv8_map, oa_alignment_limits_leaf_size)
{
	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		const struct arm_mode *m = &arm_modes[mi];
		struct arm_table t;
		unsigned int sizes[64];
		uint64_t gran = 1ull << m->granule_bits;
		uint64_t blk = 1ull << arm_lvl_shift(m, 1);
		uint64_t base = 1ull << 40, iova;
		unsigned int cont = arm_contig_log2(m, 0);

		if (m->levels < 2 || m->va_bits < arm_lvl_shift(m, 1) + 6)
			continue;
		arm_table_init(&t, m, ARM_ALL_FEAT, 1ull << 30);
		iova = 4 * blk;
		/* block-aligned iova, granule-run-aligned oa: runs of pages */
		for (unsigned int i = 0; i < 4; i++)
			sizes[i] = m->granule_bits + cont;
		expect_leaves(&t, iova, base + (gran << cont), 4 * (gran << cont), sizes, 4);
		/* run-aligned iova, granule-aligned oa: single pages */
		for (unsigned int i = 0; i < (1u << cont) && i < 64; i++)
			sizes[i] = m->granule_bits;
		if ((1u << cont) <= 64)
			expect_leaves(&t, iova, base + gran, gran << cont, sizes, 1u << cont);
		/* block-aligned both: 2 blocks */
		sizes[0] = sizes[1] = arm_lvl_shift(m, 1);
		expect_leaves(&t, iova, base + 2 * blk, 2 * blk, sizes, 2);
		arm_table_fini(&t);
	}
}

/* Unmap removes whole leaves inside the range and skips holes; single
 * leaves of a larger mapping (a contiguous run as a whole) may go. */
Test(armv8_map, unmap_holes_and_leaf_by_leaf)
{
	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		const struct arm_mode *m = &arm_modes[mi];
		struct arm_table t;
		struct model md;
		struct tu_rng rng = { 7 + mi };
		uint64_t gran = 1ull << m->granule_bits;
		uint64_t run = gran << arm_contig_log2(m, 0);
		uint64_t blk = m->levels > 1 ? 1ull << arm_lvl_shift(m, 1) : run;
		uint64_t base = m->levels > 1 ? 2 * blk : 4 * run, unmapped = 0, mu;
		uint64_t oa = (1ull << 41) + base;
		/* page, hole, run, hole, block, page */
		struct {
			uint64_t off, len;
		} maps[] = {
			{ gran, gran }, { run, run }, { blk, blk }, { 3 * blk - gran, gran },
		};

		if (m->levels < 2 || 4 * blk > arm_va_last(&(struct arm_table){ .mode = m }) / 4)
			continue;
		arm_table_init(&t, m, ARM_ALL_FEAT, 1ull << 30);
		arm_model_init(&md, &t);
		for (size_t i = 0; i < 4; i++) {
			cr_assert_eq(genpt_map(t.pt, base + maps[i].off, oa + maps[i].off,
					       maps[i].len, RW, NULL), 0,
				     "%s: map %zu", t.name, i);
			cr_assert_eq(model_map(&md, base + maps[i].off, oa + maps[i].off,
					       maps[i].len, RW), 0);
		}
		arm_model_check(&t, &md, &rng);
		arm_model_check_range(&t, &md, base, base + 3 * blk - 1, &rng);
		/* leaf by leaf, in a scrambled order */
		for (size_t k = 0; k < 4; k++) {
			size_t i = (k * 3 + 1) % 4;

			cr_assert_eq(genpt_unmap(t.pt, base + maps[i].off, maps[i].len, NULL,
						 &unmapped), 0);
			cr_assert_eq(unmapped, maps[i].len);
			cr_assert_eq(model_unmap(&md, base + maps[i].off, maps[i].len, &mu), 0);
			arm_model_check(&t, &md, &rng);
			arm_model_check_range(&t, &md, base, base + 3 * blk - 1, &rng);
		}
		/* the unmaps may leave the empty tables they covered in part */
		af_reclaim(t.pt, 4 * af_map_leftover_pages(t.pt), t.name, "after unmap");
		cr_assert_eq(arm_table_bytes(&t), t.root_size);
		/* again, then one range that starts and ends in holes */
		for (size_t i = 0; i < 4; i++)
			cr_assert_eq(genpt_map(t.pt, base + maps[i].off, oa + maps[i].off,
					       maps[i].len, RW, NULL), 0);
		cr_assert_eq(genpt_unmap(t.pt, base, 3 * blk, NULL, &unmapped), 0);
		cr_assert_eq(unmapped, 2 * gran + run + blk);
		cr_assert_eq(genpt_unmap(t.pt, base, 3 * blk, NULL, &unmapped), 0);
		cr_assert_eq(unmapped, 0);
		af_reclaim(t.pt, af_map_leftover_pages(t.pt), t.name, "range unmap");
		cr_assert_eq(arm_table_bytes(&t), t.root_size);
		model_fini(&md);
		arm_table_fini(&t);
	}
}

/* prot to descriptor bits, bit by bit, for both stages, with and without
 * DBM, tracking off and on; and what the reference walk lets through. */
Test(armv8_map, prot_bits)
{
	static const unsigned int prots[] = {
		GENPT_READ,
		GENPT_WRITE,
		GENPT_READ | GENPT_WRITE,
		GENPT_READ | GENPT_NOEXEC,
		GENPT_READ | GENPT_WRITE | GENPT_NOEXEC | GENPT_MMIO,
		GENPT_READ | GENPT_CACHE,
		GENPT_READ | GENPT_WRITE | GENPT_CACHE | GENPT_MMIO,
		GENPT_WRITE | GENPT_NOEXEC,
	};
	const char *modes[] = { "s1-4k-48", "s2-4k-48", "s1-16k-36", "s2-64k-48" };

	for (int mi = 0; mi < 4; mi++) {
		for (int dbm = 0; dbm < 2; dbm++) {
			struct arm_table t;

			arm_table_init(&t, arm_mode_named(modes[mi]),
				       dbm ? GENPT_FEAT_ARMV8_DBM : 0, 1ull << 30);
			for (size_t i = 0; i < sizeof(prots) / sizeof(prots[0]); i++) {
				for (int tr = 0; tr < 1 + dbm; tr++) {
					unsigned int p = prots[i];
					uint64_t gran = 1ull << t.mode->granule_bits;
					uint64_t iova = gran * (16 * i + 2 * (uint64_t)tr + 1);
					bool s2 = t.mode->stage2;
					bool r_ok = !s2 || (p & GENPT_READ);
					bool w = p & GENPT_WRITE;
					struct arm_leaf lf;
					uint64_t e, want;

					cr_assert_eq(genpt_set_dirty_tracking(t.pt, tr), dbm ? 0 : -EOPNOTSUPP);
					cr_assert_eq(genpt_map(t.pt, iova, 1ull << 40, gran, p, NULL), 0);
					cr_assert_eq(arm_lookup(&t, iova, &lf), 0);
					e = lf.desc;
					arm_expect_prot(&t, e, p, "prot_bits");
					/* the whole descriptor, literally */
					want = (1ull << 40) | 3 | ARM_D_AF | (3ull << 8);
					if (!s2) {
						want |= ARM_D_AP1 | ARM_D_NG;
						want |= ((p & GENPT_MMIO) ? 2ull :
							 (p & GENPT_CACHE) ? 1ull : 0ull) << 2;
						if (!w || (dbm && tr))
							want |= ARM_D_AP2;
						if (p & GENPT_NOEXEC)
							want |= ARM_D_UXN | ARM_D_PXN;
					} else {
						want |= ((p & GENPT_MMIO) ? 1ull :
							 (p & GENPT_CACHE) ? 0xfull : 5ull) << 2;
						if (p & GENPT_READ)
							want |= ARM_D_S2AP_R;
						if (w && !(dbm && tr))
							want |= ARM_D_S2AP_W;
						if (p & GENPT_NOEXEC)
							want |= 2ull << 53;
					}
					if (w && dbm)
						want |= ARM_D_DBM;
					cr_assert_eq(e, want, "%s: prot %#x tracking %d: %#llx, want %#llx",
						     t.name, p, tr, (unsigned long long)e,
						     (unsigned long long)want);
					/* the walk: read, exec, then write (which may dirty) */
					cr_assert_eq(genpt_hw_access(t.pt, iova, GENPT_ACCESS_READ, NULL),
						     r_ok ? 0 : -EACCES, "%s: read prot %#x", t.name, p);
					cr_assert_eq(genpt_hw_access(t.pt, iova, GENPT_ACCESS_EXEC, NULL),
						     (p & GENPT_NOEXEC) ? -EACCES : 0,
						     "%s: exec prot %#x", t.name, p);
					cr_assert_eq(genpt_hw_access(t.pt, iova + 8, GENPT_ACCESS_WRITE, NULL),
						     w ? 0 : -EACCES, "%s: write prot %#x", t.name, p);
				}
			}
			arm_table_fini(&t);
		}
	}
}

/* -------------------------------------------------------- gather -- */

Test(armv8_map, gather_collects_range_and_pages)
{
	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		const struct arm_mode *m = &arm_modes[mi];
		struct arm_table t;
		struct genpt_gather g;
		uint64_t gran = 1ull << m->granule_bits;
		uint64_t iova = (arm_va_last(&(struct arm_table){ .mode = m }) / 3) & ~(gran - 1);
		uint64_t pm0, pm1, chain = (m->levels - 1) * gran, unmapped;
		uint64_t span = 1ull << arm_lvl_shift(m, m->levels - 1);

		arm_table_init(&t, m, ARM_ALL_FEAT, 1ull << 30);
		cr_assert_eq(genpt_physmem_stats(t.pm, &pm0, NULL), 0);
		genpt_gather_init(&g);
		cr_assert_eq(genpt_map(t.pt, iova, 1ull << 40, 2 * gran, RW, &g), 0);
		cr_assert_gt(g.start, g.last);
		cr_assert_null(g.freed);
		cr_assert_eq(genpt_physmem_stats(t.pm, &pm1, NULL), 0);
		cr_assert_eq(pm1 - pm0, chain, "%s: %llu bytes of tables for one page", t.name,
			     (unsigned long long)(pm1 - pm0));
		cr_assert_eq(genpt_unmap(t.pt, iova, gran, &g, &unmapped), 0);
		cr_assert_eq(unmapped, gran);
		cr_assert_eq(g.start, iova);
		cr_assert_eq(g.last, iova + gran - 1);
		cr_assert_null(g.freed);
		cr_assert_eq(genpt_unmap(t.pt, iova + gran, gran, &g, &unmapped), 0);
		/* the unmap covered its tables in part: they stay until a
		 * reclaim, which gathers them like an unmap */
		cr_assert_null(g.freed);
		cr_assert_eq(genpt_reclaim(t.pt, &g, NULL), 0);
		if (m->levels > 1) {
			/* every table went; the root's entry span is gathered */
			cr_assert_not_null(g.freed);
			cr_assert_eq(g.start, iova & ~(span - 1), "%s: start %#llx", t.name,
				     (unsigned long long)g.start);
			cr_assert_eq(g.last, (iova & ~(span - 1)) + span - 1);
		} else {
			cr_assert_null(g.freed);
			cr_assert_eq(g.last, iova + 2 * gran - 1);
		}
		cr_assert_eq(arm_table_bytes(&t), t.root_size);
		cr_assert_eq(genpt_physmem_stats(t.pm, &pm1, NULL), 0);
		cr_assert_eq(pm1 - pm0, chain, "%s: pages freed before release", t.name);
		cr_assert_eq(genpt_gather_release(t.pt, &g), 0);
		cr_assert_eq(genpt_physmem_stats(t.pm, &pm1, NULL), 0);
		cr_assert_eq(pm1, pm0);
		cr_assert_eq(t.cnt.live, 1);
		arm_table_fini(&t);
	}
}

Test(armv8_map, destroy_frees_everything)
{
	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		struct arm_table t;
		uint64_t gran = 1ull << arm_modes[mi].granule_bits, bytes;
		uint64_t step = (arm_va_last(&(struct arm_table){ .mode = &arm_modes[mi] }) / 64) &
				~(gran - 1);

		arm_table_init(&t, &arm_modes[mi], ARM_ALL_FEAT, 1ull << 30);
		for (uint64_t i = 0; i < 64; i++)
			cr_assert_eq(genpt_map(t.pt, i * (step + gran), 1ull << 40, gran, RW, NULL), 0);
		genpt_destroy(t.pt);
		t.pt = NULL;
		cr_assert_eq(t.cnt.live, 0);
		cr_assert_eq(genpt_physmem_stats(t.pm, &bytes, NULL), 0);
		cr_assert_eq(bytes, 0);
		genpt_physmem_destroy(t.pm);
	}
}

/* ------------------------------------------------------- hw_info -- */

/* The modes' geometry as written out in armv8_util.c, and the register. */
Test(armv8_map, hw_info_modes)
{
	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		const struct arm_mode *m = &arm_modes[mi];
		uint64_t tg0 = m->granule_bits == 12 ? 0 : m->granule_bits == 16 ? 1 : 2;
		uint64_t tcr, want;
		struct arm_table t;
		struct genpt_hw_info hi;

		arm_table_init(&t, m, ARM_ALL_FEAT, 1ull << 30);
		hi = t.info;
		cr_assert_eq(hi.levels, m->levels, "%s: levels %u", t.name, hi.levels);
		cr_assert_eq(hi.start_level, m->start_level, "%s: start %u", t.name, hi.start_level);
		cr_assert_eq(hi.mode, m->start_level);
		cr_assert_eq(hi.concat, m->concat, "%s: concat %u", t.name, hi.concat);
		cr_assert_eq(arm_root_bits(m) > arm_stride(m) ? 1u << (arm_root_bits(m) - arm_stride(m)) : 1u,
			     m->concat, "test table: %s concat", m->name);
		cr_assert_eq(hi.root_size, (8ull << arm_root_bits(m)) < 4096 ? 4096 : 8ull << arm_root_bits(m),
			     "%s: root_size %llu", t.name, (unsigned long long)hi.root_size);
		cr_assert_eq(hi.root_pa & (hi.root_size - 1), 0);
		cr_assert_eq(hi.atp, 0);
		/* TCR_EL1 / VTCR_EL2: T0SZ, walk attributes, TG0, (I)PS, SL0 */
		tcr = hi.tcr;
		want = (64 - m->va_bits) | (1ull << 8) | (1ull << 10) | (3ull << 12) | (tg0 << 14);
		if (m->stage2) {
			uint64_t sl0 = m->granule_bits == 12 ? 2 - m->start_level : 3 - m->start_level;

			want |= (sl0 << 6) | (5ull << 16);
		} else {
			want |= 5ull << 32;
		}
		cr_assert_eq(tcr, want, "%s: tcr %#llx, want %#llx", t.name, (unsigned long long)tcr,
			     (unsigned long long)want);
		/* HA and HD follow dirty tracking */
		cr_assert_eq(genpt_set_dirty_tracking(t.pt, true), 0);
		cr_assert_eq(genpt_hw_info(t.pt, &hi), 0);
		want |= m->stage2 ? (3ull << 21) : (3ull << 39);
		cr_assert_eq(hi.tcr, want, "%s: tcr with tracking %#llx", t.name,
			     (unsigned long long)hi.tcr);
		arm_table_fini(&t);
	}
}

/*
 * Every input size of every granule and stage: the start level is the
 * architecture's (stage 1: AArch64.S1StartLevel; stage 2: the fewest
 * lookups with at most 16 concatenated tables, never 4K level 3 or 16K
 * level 0), the register decodes to it, the top address works, oa_bits
 * becomes the smallest PS that holds it.
 */
Test(armv8_map, hw_info_every_size)
{
	static const unsigned int grans[] = { 12, 14, 16 };
	static const unsigned int ps_bits[] = { 32, 36, 40, 42, 44, 48 };
	struct genpt_physmem *pm;

	cr_assert_eq(genpt_physmem_create(TU_PM_BASE, 1ull << 30, &pm), 0);
	for (int s2 = 0; s2 < 2; s2++) {
		for (int gi = 0; gi < 3; gi++) {
			unsigned int g = grans[gi], stride = g - 3;

			for (unsigned int va = 25; va <= 48; va++) {
				/* table memory lies below 2^33: PS applies to it too */
				unsigned int oa_bits = 36 + (va * 7) % 13;
				struct genpt_config cfg = {
					.format = GENPT_FMT_ARMV8, .va_bits = va, .oa_bits = oa_bits,
					.granule_bits = g,
					.features = s2 ? GENPT_FEAT_ARMV8_S2 : 0,
					.mem = &genpt_physmem_ops, .mem_ctx = pm,
				};
				struct genpt *pt;
				struct genpt_hw_info hi;
				unsigned int start, top_shift, root_bits, ps = 0;
				uint64_t oa;

				cr_assert_eq(genpt_create(&cfg, &pt), 0, "s%d g%u va%u", s2 + 1, g, va);
				cr_assert_eq(genpt_hw_info(pt, &hi), 0);
				start = hi.start_level;
				cr_assert_eq(hi.levels, 4 - start);
				top_shift = g + stride * (3 - start);
				cr_assert_lt(top_shift, va, "s%d g%u va%u: the root resolves nothing",
					     s2 + 1, g, va);
				root_bits = va - top_shift;
				if (!s2) {
					/* exactly one table's worth or less */
					cr_assert_leq(root_bits, stride, "s1 g%u va%u: start %u", g, va,
						      start);
					cr_assert_eq(hi.concat, 1);
				} else {
					/* at most 16 tables, and one level fewer would need more
					 * (or a level the granule cannot start at) */
					cr_assert_leq(root_bits, stride + 4, "s2 g%u va%u: start %u", g,
						      va, start);
					cr_assert_eq(hi.concat, root_bits > stride ?
								      1u << (root_bits - stride) : 1u);
					if (start < 3 && !(g == 12 && start == 2))
						cr_assert_gt(va, g + stride * (3 - (start + 1)) + stride + 4,
							     "s2 g%u va%u: start %u is not the shallowest",
							     g, va, start);
					cr_assert(!(g == 14 && start == 0));
					cr_assert(!(g == 16 && start == 0));
					cr_assert(!(g == 12 && start == 3));
					if (g == 14 && va == 48)
						cr_assert(start == 1 && hi.concat == 2,
							  "16K IPA 48 must concatenate two level-1 tables");
				}
				cr_assert_eq(hi.root_size, (8ull << root_bits) < 4096 ? 4096 : 8ull << root_bits);
				cr_assert_eq(hi.root_pa & (hi.root_size - 1), 0);
				cr_assert_eq(hi.tcr & 0x3f, 64 - va);
				while (ps_bits[ps] < oa_bits)
					ps++;
				cr_assert_eq((hi.tcr >> (s2 ? 16 : 32)) & 7, ps, "s%d oa_bits %u: PS",
					     s2 + 1, oa_bits);
				/* the walk decodes the register: the last page works */
				cr_assert_eq(genpt_map(pt, (1ull << va) - (1ull << g), 0, 1ull << g,
						       GENPT_READ, NULL), 0);
				cr_assert_eq(genpt_hw_access(pt, (1ull << va) - 1, GENPT_ACCESS_READ,
							     &oa), 0, "s%d g%u va%u: walk", s2 + 1, g, va);
				cr_assert_eq(oa, (1ull << g) - 1);
				cr_assert_eq(genpt_hw_access(pt, 0, GENPT_ACCESS_READ, &oa), -ENOENT);
				genpt_destroy(pt);
			}
		}
	}
	genpt_physmem_destroy(pm);
}

/*
 * Concatenated initial tables: the root index takes the extra bits, so the
 * first and last entry of every one of the concatenated tables is reached
 * at root_pa + k * granule (+ index * 8).
 */
Test(armv8_map, concatenated_root_tables)
{
	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		const struct arm_mode *m = &arm_modes[mi];
		struct arm_table t;
		uint64_t gran = 1ull << m->granule_bits;
		uint64_t span, per_table;

		if (m->concat < 2)
			continue;
		arm_table_init(&t, m, ARM_ALL_FEAT, 1ull << 30);
		span = 1ull << arm_lvl_shift(m, m->levels - 1);
		per_table = 1ull << arm_stride(m);
		cr_assert_eq(t.root_size, m->concat * gran);
		for (unsigned int k = 0; k < m->concat; k++) {
			for (int end = 0; end < 2; end++) {
				uint64_t idx = k * per_table + (end ? per_table - 1 : 0);
				uint64_t iova = idx * span + (end ? span - gran : 0);
				uint64_t oa = (3ull << 40) + (((uint64_t)k * 2 + (uint64_t)end) << 30);
				uint64_t e;

				cr_assert_eq(genpt_map(t.pt, iova, oa, gran, RW, NULL), 0,
					     "%s: table %u end %d", t.name, k, end);
				e = arm_desc_at(&t, t.root_pa + k * gran + (idx % per_table) * 8);
				cr_assert(e & ARM_D_VALID, "%s: root table %u entry %llu empty", t.name,
					  k, (unsigned long long)(idx % per_table));
				expect_oa(&t, iova + 5, oa + 5);
			}
		}
		expect_oa(&t, arm_va_last(&t),
			  (3ull << 40) + (((uint64_t)m->concat * 2 - 1) << 30) + gran - 1);
		cr_assert_eq(genpt_unmap(t.pt, 0, arm_va_last(&t) + 1, NULL, NULL), 0);
		cr_assert_eq(arm_table_bytes(&t), t.root_size);
		arm_table_fini(&t);
	}
}

/* A whole input space in one call: root-level blocks (or a run of them)
 * where the root may hold blocks, else tables below. */
Test(armv8_map, whole_space)
{
	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		const struct arm_mode *m = &arm_modes[mi];
		struct arm_table t;
		uint64_t len, unmapped;

		if (m->va_bits > 36)
			continue; /* keep the page-level cases cheap */
		arm_table_init(&t, m, ARM_ALL_FEAT, 1ull << 32);
		len = arm_va_last(&t) + 1;
		cr_assert_eq(genpt_map(t.pt, 0, 1ull << 44, len, RW, NULL), 0, "%s", t.name);
		expect_oa(&t, 0, 1ull << 44);
		expect_oa(&t, len - 1, (1ull << 44) + len - 1);
		expect_oa(&t, len / 3, (1ull << 44) + len / 3);
		cr_assert_eq(genpt_unmap(t.pt, 0, len, NULL, &unmapped), 0);
		cr_assert_eq(unmapped, len);
		cr_assert_eq(arm_table_bytes(&t), t.root_size);
		arm_table_fini(&t);
	}
}
