// SPDX-License-Identifier: MIT
/*
 * test_armv8_errors.c - every error path of the table API on ARM VMSAv8-64
 * tables (both stages, all granules), with the table checked byte for byte
 * (and the gather and the provider's counts) to be unchanged afterwards.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "anyfmt.h"
#include "armv8_util.h"
#include "genpt/genpt.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define OA0 (1ull << 40)

/*
 * A populated table: a page, a contiguous run of pages, a block, a
 * read-only block, a page at the very top of the space, and a gather that
 * already holds a range and freed table pages.  Modes with one level have
 * no blocks: their "block" is four runs.
 */
struct pop {
	struct arm_table t;
	struct model m;
	struct genpt_gather g;
	uint64_t gran, run, blk;
	uint64_t a, b, c, d; /* page, run, block, read-only block */
};

static void pop_map(struct pop *p, uint64_t iova, uint64_t oa, uint64_t len,
		    unsigned int prot)
{
	int err = genpt_map(p->t.pt, iova, oa, len, prot, NULL);

	cr_assert_eq(err, 0, "%s: populate map 0x%llx: %d", p->t.name,
		     (unsigned long long)iova, err);
	cr_assert_eq(model_map(&p->m, iova, oa, len, prot), 0);
}

static void pop_init_feat(struct pop *p, const struct arm_mode *m, uint64_t features)
{
	uint64_t lonely;

	memset(p, 0, sizeof(*p));
	arm_table_init(&p->t, m, features, 1ull << 30);
	arm_model_init(&p->m, &p->t);
	p->gran = 1ull << m->granule_bits;
	p->run = p->gran << arm_contig_log2(m, 0);
	p->blk = m->levels > 1 ? 1ull << arm_lvl_shift(m, 1) : 4 * p->run;
	/* in the second quarter of the space (blocks of the big granules are
	 * 512M; every mode here has at least 25 bits) */
	p->a = 2 * p->blk + p->gran;
	p->b = 2 * p->blk + p->run;
	p->c = 3 * p->blk;
	p->d = 5 * p->blk;
	pop_map(p, p->a, OA0 + p->gran, p->gran, RW);
	pop_map(p, p->b, OA0 + p->run, p->run, RW);
	pop_map(p, p->c, OA0 + 5 * p->blk, p->blk, RW);
	pop_map(p, p->d, OA0 + 8 * p->blk, p->blk, GENPT_READ);
	pop_map(p, arm_va_last(&p->t) + 1 - p->gran, OA0, p->gran, RW);
	genpt_gather_init(&p->g);
	lonely = 7 * p->blk;
	cr_assert_eq(genpt_map(p->t.pt, lonely, OA0, p->gran, RW, NULL), 0);
	cr_assert_eq(genpt_unmap(p->t.pt, lonely, p->blk, &p->g, NULL), 0);
	cr_assert_eq(p->g.start, lonely);
	arm_model_check(&p->t, &p->m, NULL);
}

static void pop_init(struct pop *p, const struct arm_mode *m)
{
	pop_init_feat(p, m, ARM_ALL_FEAT);
}

static void pop_fini(struct pop *p)
{
	arm_model_check(&p->t, &p->m, NULL);
	cr_assert_eq(genpt_gather_release(p->t.pt, &p->g), 0);
	model_fini(&p->m);
	arm_table_fini(&p->t);
}

static bool mode_fits(const struct arm_mode *m)
{
	uint64_t blk = m->levels > 1 ? 1ull << arm_lvl_shift(m, 1)
				     : 4 * ((1ull << m->granule_bits) << arm_contig_log2(m, 0));

	return 8 * blk < (1ull << m->va_bits);
}

/* Run one call that must fail with @want and leave table and gather be. */
#define EXPECT_UNCHANGED(p, want, call, ...)                                          \
	do {                                                                          \
		struct tu_snap s_;                                                    \
		struct genpt_gather g0_ = (p)->g;                                     \
		int err_;                                                             \
		char what_[160];                                                      \
                                                                                      \
		snprintf(what_, sizeof(what_), __VA_ARGS__);                          \
		/* a failed map may leave empty tables it added */                    \
		af_reclaim((p)->t.pt, UINT64_MAX, (p)->t.name, "before");             \
		arm_snap_take(&(p)->t, &s_);                                          \
		err_ = (call);                                                        \
		cr_assert_eq(err_, (want), "%s: %s: got %d, want %d", (p)->t.name,    \
			     what_, err_, (want));                                    \
		af_reclaim((p)->t.pt, strncmp(#call, "genpt_map(", 10) ? 0 :          \
			   af_map_leftover_pages((p)->t.pt), (p)->t.name, what_);     \
		arm_snap_expect_same(&(p)->t, &s_, what_);                            \
		cr_assert(tu_gather_eq(&g0_, &(p)->g), "%s: %s: gather changed",      \
			  (p)->t.name, what_);                                        \
		tu_snap_free(&s_);                                                    \
	} while (0)

/* ------------------------------------------------ argument shape -- */

Test(armv8_errors, map_unmap_einval_shape)
{
	static const unsigned int bad_prot[] = {
		0, GENPT_NOEXEC, GENPT_MMIO | GENPT_CACHE | GENPT_NOEXEC,
		GENPT_READ | (1u << 5), RW | (1u << 31), ~0u,
	};

	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		struct pop p;
		uint64_t free_va, gr;

		if (!mode_fits(&arm_modes[mi]))
			continue;
		pop_init(&p, &arm_modes[mi]);
		gr = p.gran;
		free_va = 6 * p.blk;
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, free_va, OA0, 0, RW, &p.g),
				 "map len 0");
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, free_va + 0x800, OA0, gr, RW, &p.g),
				 "map iova unaligned");
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, free_va, OA0 + 0x10, gr, RW, &p.g),
				 "map oa unaligned");
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, free_va, OA0, gr + 0x800, RW, &p.g),
				 "map len unaligned");
		if (gr > 4096) {
			/* 4K aligned is not enough with the 16K / 64K granule */
			EXPECT_UNCHANGED(&p, -EINVAL,
					 genpt_map(p.t.pt, free_va + 4096, OA0, gr, RW, &p.g),
					 "map iova 4K aligned only");
			EXPECT_UNCHANGED(&p, -EINVAL,
					 genpt_map(p.t.pt, free_va, OA0 + 4096, gr, RW, &p.g),
					 "map oa 4K aligned only");
			EXPECT_UNCHANGED(&p, -EINVAL,
					 genpt_map(p.t.pt, free_va, OA0, 4096, RW, &p.g),
					 "map len 4K");
			EXPECT_UNCHANGED(&p, -EINVAL,
					 genpt_unmap(p.t.pt, p.a, 4096, &p.g, NULL),
					 "unmap len 4K");
			EXPECT_UNCHANGED(&p, -EINVAL,
					 genpt_unmap(p.t.pt, p.a + 4096, gr, &p.g, NULL),
					 "unmap iova 4K aligned only");
			EXPECT_UNCHANGED(&p, -EINVAL,
					 genpt_read_and_clear_dirty(p.t.pt, p.a + 4096, gr, 0,
								    NULL, &p.g),
					 "dirty iova 4K aligned only");
		}
		for (size_t i = 0; i < sizeof(bad_prot) / sizeof(bad_prot[0]); i++)
			EXPECT_UNCHANGED(&p, -EINVAL,
					 genpt_map(p.t.pt, free_va, OA0, gr, bad_prot[i], &p.g),
					 "map prot 0x%x", bad_prot[i]);
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, p.a, OA0, 0, RW, &p.g),
				 "map len 0 over a leaf");
		EXPECT_UNCHANGED(&p, -EINVAL,
				 genpt_map(p.t.pt, 1ull << 62, OA0 + 1, gr, RW, &p.g),
				 "map unaligned oa, iova out of range");
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_unmap(p.t.pt, p.a, 0, &p.g, NULL), "unmap len 0");
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_unmap(p.t.pt, p.a + 0x200, gr, &p.g, NULL),
				 "unmap iova unaligned");
		pop_fini(&p);
	}
}

/* ----------------------------------------- overflow and range -- */

Test(armv8_errors, eoverflow_and_erange)
{
	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		struct pop p;
		uint64_t gr, top, oa;
		unsigned int vb = arm_modes[mi].va_bits;

		if (!mode_fits(&arm_modes[mi]))
			continue;
		pop_init(&p, &arm_modes[mi]);
		gr = p.gran;
		top = arm_va_last(&p.t) + 1;
		EXPECT_UNCHANGED(&p, -EOVERFLOW,
				 genpt_map(p.t.pt, 0 - gr, OA0, 2 * gr, RW, &p.g), "map iova wraps");
		EXPECT_UNCHANGED(&p, -EOVERFLOW,
				 genpt_map(p.t.pt, 6 * p.blk, 0 - gr, 2 * gr, RW, &p.g),
				 "map oa wraps");
		EXPECT_UNCHANGED(&p, -EOVERFLOW, genpt_unmap(p.t.pt, 0 - gr, 2 * gr, &p.g, NULL),
				 "unmap wraps");
		EXPECT_UNCHANGED(&p, -EOVERFLOW,
				 genpt_read_and_clear_dirty(p.t.pt, 0 - gr, 2 * gr, 0, NULL, &p.g),
				 "dirty wraps");
		/* input: nothing at or above 2^va_bits (no TTBR1 half) */
		{
			const uint64_t bad[] = { top, top | gr, 1ull << 63, 0 - gr,
						 (1ull << 48) | p.a };

			for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
				if (bad[i] < top)
					continue;
				EXPECT_UNCHANGED(&p, -ERANGE,
						 genpt_map(p.t.pt, bad[i], OA0, gr, RW, &p.g),
						 "map at 0x%llx", (unsigned long long)bad[i]);
				EXPECT_UNCHANGED(&p, -ERANGE,
						 genpt_unmap(p.t.pt, bad[i], gr, &p.g, NULL),
						 "unmap at 0x%llx", (unsigned long long)bad[i]);
				EXPECT_UNCHANGED(&p, -ERANGE,
						 genpt_iova_to_phys(p.t.pt, bad[i] + 0x123, &oa),
						 "iova_to_phys at 0x%llx", (unsigned long long)bad[i]);
				EXPECT_UNCHANGED(&p, -ERANGE,
						 genpt_hw_access(p.t.pt, bad[i], GENPT_ACCESS_READ, &oa),
						 "hw_access at 0x%llx", (unsigned long long)bad[i]);
				EXPECT_UNCHANGED(&p, -ERANGE,
						 genpt_read_and_clear_dirty(p.t.pt, bad[i], gr, 0, NULL,
									    &p.g),
						 "dirty at 0x%llx", (unsigned long long)bad[i]);
			}
		}
		EXPECT_UNCHANGED(&p, -ERANGE, genpt_map(p.t.pt, top - gr, OA0, 2 * gr, RW, &p.g),
				 "map range leaving the %u-bit space", vb);
		EXPECT_UNCHANGED(&p, -ERANGE, genpt_map(p.t.pt, 0, OA0, top + gr, RW, &p.g),
				 "map range longer than the space");
		EXPECT_UNCHANGED(&p, -ERANGE, genpt_unmap(p.t.pt, top - gr, 2 * gr, &p.g, NULL),
				 "unmap range leaving the space");
		/* output: 48 bits */
		EXPECT_UNCHANGED(&p, -ERANGE, genpt_map(p.t.pt, 6 * p.blk, 1ull << 48, gr, RW, &p.g),
				 "oa 2^48");
		EXPECT_UNCHANGED(&p, -ERANGE,
				 genpt_map(p.t.pt, 6 * p.blk, (1ull << 48) - gr, 2 * gr, RW, &p.g),
				 "oa range ending past 2^48");
		cr_assert_eq(genpt_map(p.t.pt, 6 * p.blk, (1ull << 48) - gr, gr, RW, NULL), 0);
		cr_assert_eq(model_map(&p.m, 6 * p.blk, (1ull << 48) - gr, gr, RW), 0);
		pop_fini(&p);
	}
}

/* A narrower oa_bits refuses output addresses beyond it. */
Test(armv8_errors, erange_configured_oa_bits)
{
	static const unsigned int grans[] = { 12, 14, 16 };

	for (int s2 = 0; s2 < 2; s2++) {
		for (int gi = 0; gi < 3; gi++) {
			struct genpt_physmem *pm;
			struct genpt *pt;
			uint64_t gr = 1ull << grans[gi], oa;
			struct genpt_config cfg = {
				.format = GENPT_FMT_ARMV8, .va_bits = 40, .oa_bits = 40,
				.granule_bits = grans[gi],
				.features = s2 ? GENPT_FEAT_ARMV8_S2 : 0,
				.mem = &genpt_physmem_ops,
			};

			cr_assert_eq(genpt_physmem_create(TU_PM_BASE, 1ull << 26, &pm), 0);
			cfg.mem_ctx = pm;
			cr_assert_eq(genpt_create(&cfg, &pt), 0);
			cr_assert_eq(genpt_map(pt, 0, 1ull << 40, gr, RW, NULL), -ERANGE);
			cr_assert_eq(genpt_map(pt, 0, (1ull << 40) - gr, 2 * gr, RW, NULL), -ERANGE);
			cr_assert_eq(genpt_map(pt, 0, (1ull << 40) - gr, gr, RW, NULL), 0);
			cr_assert_eq(genpt_iova_to_phys(pt, 7, &oa), 0);
			cr_assert_eq(oa, (1ull << 40) - gr + 7);
			cr_assert_eq(genpt_hw_access(pt, 7, GENPT_ACCESS_READ, &oa), 0);
			genpt_destroy(pt);
			genpt_physmem_destroy(pm);
		}
	}
}

/*
 * PS bounds table addresses too (a walk through a table at or above
 * 2^oa_bits takes an Address size fault), so table pages the provider
 * places there are refused like pages it cannot give: -ENOMEM, nothing
 * leaked.  Below, the same table works, and the walk translates.
 */
Test(armv8_errors, table_memory_beyond_oa_bits)
{
	static const struct {
		uint64_t pm_base;
		unsigned int oa_bits;
		int want;
	} c[] = {
		{ 1ull << 32, 32, -ENOMEM }, /* physmem at 4 GiB, PS 4 GiB */
		{ 1ull << 30, 32, 0 },       /* at 1 GiB */
		{ 1ull << 32, 36, 0 },
		{ 1ull << 36, 36, -ENOMEM },
	};

	for (int s2 = 0; s2 < 2; s2++) {
		for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			struct tu_counter cnt = { .fail_at = -1 };
			struct genpt *pt = NULL;
			uint64_t oa;
			struct genpt_config cfg = {
				.format = GENPT_FMT_ARMV8, .va_bits = 39, .oa_bits = c[i].oa_bits,
				.features = s2 ? GENPT_FEAT_ARMV8_S2 : 0,
				.mem = &tu_counter_ops, .mem_ctx = &cnt,
			};

			cr_assert_eq(genpt_physmem_create(c[i].pm_base, 1ull << 24, &cnt.pm), 0);
			cr_assert_eq(genpt_create(&cfg, &pt), c[i].want, "s%d case %zu", s2 + 1, i);
			if (!c[i].want) {
				cr_assert_eq(genpt_map(pt, 0, 0x1000, 4096, RW, NULL), 0);
				cr_assert_eq(genpt_hw_access(pt, 8, GENPT_ACCESS_READ, &oa), 0);
				cr_assert_eq(oa, 0x1008);
				genpt_destroy(pt);
			}
			cr_assert_eq(cnt.live, 0, "s%d case %zu: %ld blocks leaked", s2 + 1, i, cnt.live);
			genpt_physmem_destroy(cnt.pm);
		}
	}
}

/* ------------------------------------------------------ overlap -- */

static void expect_eexist(struct pop *p, uint64_t iova, uint64_t oa, uint64_t len,
			  const char *what)
{
	struct genpt_gather g;
	struct tu_snap s;
	struct tu_rng rng = { iova };
	uint64_t span = 1ull << arm_lvl_shift(p->t.mode, p->t.mode->levels - 1);
	int err;

	af_reclaim(p->t.pt, UINT64_MAX, p->t.name, what);
	arm_snap_take(&p->t, &s);
	err = genpt_map(p->t.pt, iova, oa, len, RW, NULL);
	cr_assert_eq(err, -EEXIST, "%s: %s: got %d", p->t.name, what, err);
	/* a failed map may leave the empty tables it added */
	af_reclaim(p->t.pt, af_map_leftover_pages(p->t.pt), p->t.name, what);
	arm_snap_expect_same(&p->t, &s, what);
	arm_model_check_range(&p->t, &p->m, iova, iova + len - 1, &rng);

	genpt_gather_init(&g);
	err = genpt_map(p->t.pt, iova, oa, len, RW, &g);
	cr_assert_eq(err, -EEXIST, "%s: %s (gather): got %d", p->t.name, what, err);
	if (g.start <= g.last)
		cr_assert(g.start >= (iova & ~(span - 1)) && g.last <= ((iova + (len - 1)) | (span - 1)),
			  "%s: %s: gather range 0x%llx..0x%llx outside the map", p->t.name, what,
			  (unsigned long long)g.start, (unsigned long long)g.last);
	else
		cr_assert_null(g.freed);
	cr_assert_eq(genpt_gather_release(p->t.pt, &g), 0);
	/* a failed map may leave the empty tables it added */
	af_reclaim(p->t.pt, af_map_leftover_pages(p->t.pt), p->t.name, what);
	arm_snap_expect_same(&p->t, &s, what);
	arm_model_check_range(&p->t, &p->m, iova, iova + len - 1, &rng);
	tu_snap_free(&s);
}

static void eexist_mode(const struct arm_mode *m, uint64_t features)
{
	struct pop p;

	pop_init_feat(&p, m, features);
	expect_eexist(&p, p.a, OA0, p.gran, "same page again");
	expect_eexist(&p, p.b, OA0, p.run, "same run again");
	expect_eexist(&p, p.b + p.run - p.gran, OA0, p.gran, "page on the last run member");
	expect_eexist(&p, p.b - p.run, OA0, 2 * p.run, "two runs, both taken");
	expect_eexist(&p, p.b, OA0, 2 * p.run, "two runs, the first taken");
	expect_eexist(&p, p.c + 5 * p.gran, OA0, p.gran, "page inside a block");
	expect_eexist(&p, p.c - p.gran, OA0 + p.blk - p.gran, p.gran + p.blk,
		      "page then block, the block taken");
	expect_eexist(&p, 2 * p.blk, OA0, p.blk, "block over a table holding page and run");
	expect_eexist(&p, p.a + p.gran - (p.blk / 2 + p.gran), OA0 + p.blk / 2 + p.gran,
		      p.blk / 2 + p.gran, "half a block of pages ending on the page");
	expect_eexist(&p, p.c + p.blk - p.gran, OA0, 3 * p.gran,
		      "pages from the last page of a block");
	expect_eexist(&p, arm_va_last(&p.t) + 1 - 2 * p.run, 4 * OA0, 2 * p.run,
		      "runs at the top, overlapping its last page");
	pop_fini(&p);
}

Test(armv8_errors, eexist_all_or_nothing)
{
	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		if (!mode_fits(&arm_modes[mi]))
			continue;
		eexist_mode(&arm_modes[mi], ARM_ALL_FEAT);
		eexist_mode(&arm_modes[mi], GENPT_FEAT_ARMV8_DBM);
	}
}

/* ------------------------------------------------------ straddle -- */

Test(armv8_errors, unmap_straddle_einval)
{
	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		struct pop p;

		if (!mode_fits(&arm_modes[mi]))
			continue;
		pop_init(&p, &arm_modes[mi]);
		{
			const uint64_t g = p.gran;
			struct {
				uint64_t iova, len;
				const char *what;
			} c[] = {
				{ p.c + g, g, "page inside a block" },
				{ p.c, p.blk - g, "start of a block" },
				{ p.c + g, p.blk - g, "end of a block" },
				{ p.b, g, "first member of a run" },
				{ p.b + g, p.run - g, "all but the first member" },
				{ p.b + p.run - g, g, "last member of a run" },
				{ p.b + p.run / 2, g, "middle member of a run" },
				{ 2 * p.blk, p.c + g - 2 * p.blk, "page, run, first page of a block" },
				{ p.b + g, p.c + p.blk - (p.b + g), "half a run, a block" },
				{ p.c + g, p.d - p.c, "both ends inside blocks" },
			};

			for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
				uint64_t u = 0;

				cr_assert_eq(model_unmap(&p.m, c[i].iova, c[i].len, &u), -EINVAL,
					     "model disagrees on %s", c[i].what);
				EXPECT_UNCHANGED(&p, -EINVAL,
						 genpt_unmap(p.t.pt, c[i].iova, c[i].len, &p.g, &u),
						 "unmap %s", c[i].what);
				EXPECT_UNCHANGED(&p, -EINVAL,
						 genpt_unmap(p.t.pt, c[i].iova, c[i].len, NULL, NULL),
						 "unmap %s, NULL gather", c[i].what);
			}
		}
		pop_fini(&p);
	}
}

/* -------------------------------------------------------- ENOMEM -- */

/*
 * Make allocation N of the map fail, for every N until the map succeeds:
 * -ENOMEM, and the table, its byte count and the provider's live blocks
 * are exactly as before (with a gather: after releasing it).
 */
static long enomem_sweep(struct arm_table *t, uint64_t iova, uint64_t oa, uint64_t len,
			 bool gather)
{
	struct tu_snap s;
	struct tu_rng rng = { 99 };
	long n;

	/* each failed attempt may leave empty tables it added: reclaimed
	 * (bounded) before the comparison, so every attempt starts alike */
	af_reclaim(t->pt, UINT64_MAX, t->name, "before the sweep");
	arm_snap_take(t, &s);
	for (n = 0;; n++) {
		struct genpt_gather g;
		long allocs = t->cnt.allocs, failed = t->cnt.failed;
		char what[64];
		int err;

		cr_assert_lt(n, 64, "map never succeeds");
		genpt_gather_init(&g);
		t->cnt.fail_at = allocs + n;
		err = genpt_map(t->pt, iova, oa, len, RW, gather ? &g : NULL);
		t->cnt.fail_at = -1;
		if (err == 0) {
			cr_assert_eq(t->cnt.allocs - allocs, n);
			cr_assert_eq(t->cnt.failed, failed);
			cr_assert_null(g.freed);
			break;
		}
		cr_assert_eq(err, -ENOMEM, "%s: allocation %ld refused: got %d", t->name, n, err);
		cr_assert_eq(t->cnt.failed, failed + 1);
		cr_assert_eq(genpt_gather_release(t->pt, &g), 0);
		snprintf(what, sizeof(what), "ENOMEM at allocation %ld%s", n,
			 gather ? " (gather)" : "");
		af_reclaim(t->pt, af_map_leftover_pages(t->pt), t->name, what);
		arm_snap_expect_same(t, &s, what);
		for (int i = 0; i < 8; i++) {
			uint64_t o, va = iova + (tu_rand(&rng) % len);

			cr_assert_eq(genpt_iova_to_phys(t->pt, va, &o), -ENOENT,
				     "%s: %s: 0x%llx still mapped", t->name, what,
				     (unsigned long long)va);
		}
	}
	tu_snap_free(&s);
	return n;
}

/*
 * A range across a root entry boundary: pages, a run, a block on the left,
 * a block, a run and a page on the right, so tables are needed on both
 * sides and leaves are written before the right side's tables exist.
 */
static void enomem_mode(const struct arm_mode *m, bool prepopulate, bool gather)
{
	struct arm_table t;
	struct model md;
	struct tu_rng rng = { 5 };
	unsigned int levels = m->levels;
	uint64_t gran = 1ull << m->granule_bits;
	uint64_t run = gran << arm_contig_log2(m, 0);
	uint64_t blk = 1ull << arm_lvl_shift(m, 1);
	uint64_t root_entry = 1ull << arm_lvl_shift(m, levels - 1);
	uint64_t b = 3 * root_entry;
	uint64_t iova = b - blk - run - 2 * gran;
	uint64_t len = 2 * gran + run + 2 * blk + run + gran;
	uint64_t oa = (1ull << 45) + (iova & ((1ull << 34) - 1));
	long want = prepopulate ? (long)levels - 1 : 2 * (long)(levels - 1), got;

	arm_table_init(&t, m, ARM_ALL_FEAT, 1ull << 30);
	arm_model_init(&md, &t);
	if (prepopulate) {
		/* shares the right side's tables down to level 1 */
		cr_assert_eq(genpt_map(t.pt, b + 5 * blk, OA0, gran, RW, NULL), 0);
		cr_assert_eq(model_map(&md, b + 5 * blk, OA0, gran, RW), 0);
		/* shares the left side's tables down to level 2 (if any) */
		cr_assert_eq(genpt_map(t.pt, b - root_entry + gran, OA0, gran, RW, NULL), 0);
		cr_assert_eq(model_map(&md, b - root_entry + gran, OA0, gran, RW), 0);
	}
	got = enomem_sweep(&t, iova, oa, len, gather);
	cr_assert_eq(got, want, "%s: the map made %ld allocations, want %ld", t.name, got, want);
	cr_assert_eq(model_map(&md, iova, oa, len, RW), 0);
	arm_model_check(&t, &md, &rng);
	cr_assert_eq(genpt_unmap(t.pt, iova, len, NULL, NULL), 0);
	model_fini(&md);
	arm_table_fini(&t);
}

Test(armv8_errors, enomem_every_allocation)
{
	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		const struct arm_mode *m = &arm_modes[mi];

		/* needs 2+ levels and room for 4 root entries; the
		 * prepopulated layout needs a table between root and leaves */
		if (m->levels < 2 || arm_root_bits(m) < 2)
			continue;
		for (int k = 0; k < 4; k++)
			if (!(k & 1) || m->levels >= 3)
				enomem_mode(m, k & 1, k & 2);
	}
}

Test(armv8_errors, enomem_create)
{
	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		struct tu_counter cnt = { .fail_at = 0 };
		struct genpt_config cfg = {
			.format = GENPT_FMT_ARMV8,
			.va_bits = arm_modes[mi].va_bits,
			.granule_bits = arm_modes[mi].granule_bits,
			.features = arm_modes[mi].stage2 ? GENPT_FEAT_ARMV8_S2 : 0,
			.mem = &tu_counter_ops,
			.mem_ctx = &cnt,
		};
		struct genpt *pt = (struct genpt *)&cnt;

		cr_assert_eq(genpt_physmem_create(TU_PM_BASE, 1ull << 24, &cnt.pm), 0);
		cr_assert_eq(genpt_create(&cfg, &pt), -ENOMEM);
		cr_assert_eq(pt, (struct genpt *)&cnt, "*out written on failure");
		cr_assert_eq(cnt.live, 0);
		cr_assert_eq(cnt.failed, 1);
		genpt_physmem_destroy(cnt.pm);
	}
}

/* --------------------------------------------------- bad configs -- */

static void expect_bad_config(const struct genpt_config *base, struct tu_counter *cnt,
			      const char *what)
{
	struct genpt_config cfg = *base;
	struct genpt *pt = (struct genpt *)cnt;
	long allocs = cnt->allocs;
	int err;

	cfg.mem = &tu_counter_ops;
	cfg.mem_ctx = cnt;
	err = genpt_create(&cfg, &pt);
	cr_assert_eq(err, -EINVAL, "create %s: got %d", what, err);
	cr_assert_eq(pt, (struct genpt *)cnt, "create %s: *out written", what);
	cr_assert_eq(cnt->allocs, allocs, "create %s: allocated", what);
}

static void expect_good_config(const struct genpt_config *base, struct tu_counter *cnt,
			       unsigned int levels, unsigned int start, unsigned int gran,
			       const char *what)
{
	struct genpt_config cfg = *base;
	struct genpt_hw_info info;
	struct genpt *pt = NULL;
	int err;

	cfg.mem = &tu_counter_ops;
	cfg.mem_ctx = cnt;
	err = genpt_create(&cfg, &pt);
	cr_assert_eq(err, 0, "create %s: got %d", what, err);
	cr_assert_eq(genpt_hw_info(pt, &info), 0);
	cr_assert_eq(info.levels, levels, "create %s: %u levels", what, info.levels);
	cr_assert_eq(info.start_level, start, "create %s: start %u", what, info.start_level);
	cr_assert_eq(genpt_dirty_tracking(pt), 0);
	/* the granule: a page of it maps, half of one does not */
	cr_assert_eq(genpt_map(pt, 0, 0, 1ull << gran, RW, NULL), 0, "create %s: map", what);
	cr_assert_eq(genpt_map(pt, 1ull << gran, 0, 4096, RW, NULL), gran > 12 ? -EINVAL : 0,
		     "create %s: 4K on a %u-bit granule", what, gran);
	genpt_destroy(pt);
	cr_assert_eq(cnt->live, 0);
}

Test(armv8_errors, create_bad_config)
{
	struct tu_counter cnt = { .fail_at = -1 };
	const struct genpt_config ok = { .format = GENPT_FMT_ARMV8 };
	struct genpt_config c;
	static const unsigned int bad_va[] = { 1, 12, 16, 24, 49, 52, 57, 64, 100 };
	static const unsigned int bad_oa[] = { 1, 12, 31, 49, 52, 56, 64 };
	static const unsigned int bad_gran[] = { 1, 11, 13, 15, 17, 20, 21, 30, 64 };
	static const uint64_t bad_feat[] = {
		GENPT_FEAT_RISCV_GSTAGE, GENPT_FEAT_RISCV_SVNAPOT, GENPT_FEAT_RISCV_SVPBMT,
		1ull << 3, 1ull << 7, 1ull << 11, 1ull << 31, 1ull << 63,
		GENPT_FEAT_ARMV8_DBM | GENPT_FEAT_RISCV_SVNAPOT,
	};
	char what[64];

	cr_assert_eq(genpt_physmem_create(TU_PM_BASE, 1ull << 24, &cnt.pm), 0);
	for (int s2 = 0; s2 < 2; s2++) {
		for (size_t i = 0; i < sizeof(bad_va) / sizeof(bad_va[0]); i++) {
			c = ok;
			c.features = s2 ? GENPT_FEAT_ARMV8_S2 : 0;
			c.va_bits = bad_va[i];
			snprintf(what, sizeof(what), "s%d va_bits %u", s2 + 1, bad_va[i]);
			expect_bad_config(&c, &cnt, what);
			c.granule_bits = 16;
			expect_bad_config(&c, &cnt, what);
		}
		for (size_t i = 0; i < sizeof(bad_oa) / sizeof(bad_oa[0]); i++) {
			c = ok;
			c.features = s2 ? GENPT_FEAT_ARMV8_S2 : 0;
			c.oa_bits = bad_oa[i];
			snprintf(what, sizeof(what), "s%d oa_bits %u", s2 + 1, bad_oa[i]);
			expect_bad_config(&c, &cnt, what);
		}
		for (size_t i = 0; i < sizeof(bad_gran) / sizeof(bad_gran[0]); i++) {
			c = ok;
			c.features = s2 ? GENPT_FEAT_ARMV8_S2 : 0;
			c.granule_bits = bad_gran[i];
			snprintf(what, sizeof(what), "s%d granule_bits %u", s2 + 1, bad_gran[i]);
			expect_bad_config(&c, &cnt, what);
		}
		for (size_t i = 0; i < sizeof(bad_feat) / sizeof(bad_feat[0]); i++) {
			c = ok;
			c.features = bad_feat[i] | (s2 ? GENPT_FEAT_ARMV8_S2 : 0);
			snprintf(what, sizeof(what), "features 0x%llx",
				 (unsigned long long)c.features);
			expect_bad_config(&c, &cnt, what);
		}
	}

	/* The good ones, as a control: defaults are 4K, 48-bit in and out. */
	c = ok;
	expect_good_config(&c, &cnt, 4, 0, 12, "defaults");
	c.va_bits = 25;
	expect_good_config(&c, &cnt, 2, 2, 12, "4K 25 bits");
	c.granule_bits = 14;
	c.va_bits = 47;
	c.oa_bits = 36; /* the provider's memory lies at 4 GiB */
	expect_good_config(&c, &cnt, 3, 1, 14, "16K 47 bits");
	c.granule_bits = 16;
	c.va_bits = 0;
	c.oa_bits = 48;
	c.features = ARM_ALL_FEAT;
	expect_good_config(&c, &cnt, 3, 1, 16, "64K defaults");
	c = ok;
	c.features = GENPT_FEAT_ARMV8_S2;
	expect_good_config(&c, &cnt, 4, 0, 12, "stage 2 defaults");
	c.granule_bits = 14;
	expect_good_config(&c, &cnt, 3, 1, 14, "stage 2 16K 48 bits (concatenated)");
	c.va_bits = 25;
	c.granule_bits = 12;
	expect_good_config(&c, &cnt, 2, 2, 12, "stage 2 4K 25 bits");
	genpt_physmem_destroy(cnt.pm);
}

/* ---------------------------------------------- hw_access / ENOENT -- */

Test(armv8_errors, hw_access_and_lookup)
{
	static const unsigned int bad_access[] = { 0, 4, 5, 0xff, ~0u };

	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		struct pop p;
		uint64_t oa = 0, x;

		if (!mode_fits(&arm_modes[mi]))
			continue;
		pop_init(&p, &arm_modes[mi]);
		/* tracking on: a walk could set the dirty state; refused ones must not */
		cr_assert_eq(genpt_set_dirty_tracking(p.t.pt, true), 0);
		x = 6 * p.blk;
		cr_assert_eq(genpt_map(p.t.pt, x, OA0, p.gran, RW, NULL), 0);
		cr_assert_eq(model_map(&p.m, x, OA0, p.gran, RW), 0);
		cr_assert_eq(genpt_map(p.t.pt, x + p.gran, OA0, p.gran, RW | GENPT_NOEXEC, NULL), 0);
		cr_assert_eq(model_map(&p.m, x + p.gran, OA0, p.gran, RW | GENPT_NOEXEC), 0);
		for (size_t i = 0; i < sizeof(bad_access) / sizeof(bad_access[0]); i++)
			EXPECT_UNCHANGED(&p, -EINVAL, genpt_hw_access(p.t.pt, x, bad_access[i], &oa),
					 "hw_access kind %u", bad_access[i]);
		{
			const uint64_t holes[] = {
				0, p.a - p.gran, p.a + p.gran, p.b - 1, p.b + p.run, p.c - 1,
				p.c + p.blk, p.d - p.gran, x + 2 * p.gran, arm_va_last(&p.t) - p.gran,
			};

			for (size_t i = 0; i < sizeof(holes) / sizeof(holes[0]); i++) {
				EXPECT_UNCHANGED(&p, -ENOENT, genpt_iova_to_phys(p.t.pt, holes[i], &oa),
						 "iova_to_phys hole 0x%llx",
						 (unsigned long long)holes[i]);
				for (unsigned int k = GENPT_ACCESS_READ; k <= GENPT_ACCESS_EXEC; k++)
					EXPECT_UNCHANGED(&p, -ENOENT,
							 genpt_hw_access(p.t.pt, holes[i], k, &oa),
							 "hw_access %u hole 0x%llx", k,
							 (unsigned long long)holes[i]);
			}
		}
		EXPECT_UNCHANGED(&p, -EACCES,
				 genpt_hw_access(p.t.pt, p.d + 0x5000, GENPT_ACCESS_WRITE, &oa),
				 "write to a read-only block");
		EXPECT_UNCHANGED(&p, -EACCES,
				 genpt_hw_access(p.t.pt, x + p.gran + 8, GENPT_ACCESS_EXEC, &oa),
				 "exec from a NOEXEC page");
		cr_assert_eq(genpt_unmap(p.t.pt, p.c, p.blk, NULL, NULL), 0);
		cr_assert_eq(model_unmap(&p.m, p.c, p.blk, &oa), 0);
		EXPECT_UNCHANGED(&p, -ENOENT,
				 genpt_hw_access(p.t.pt, p.c + p.blk - 1, GENPT_ACCESS_WRITE, &oa),
				 "hw_access after unmap");
		pop_fini(&p);
	}
}

/* Stage 2 can say write-only; reads and a NOEXEC fetch fault. */
Test(armv8_errors, stage2_write_only)
{
	struct arm_table t;
	uint64_t gran;

	arm_table_init(&t, arm_mode_named("s2-4k-48"), ARM_ALL_FEAT, 1ull << 30);
	gran = 1ull << 12;
	cr_assert_eq(genpt_map(t.pt, gran, OA0, gran, GENPT_WRITE | GENPT_NOEXEC, NULL), 0);
	cr_assert_eq(genpt_hw_access(t.pt, gran, GENPT_ACCESS_READ, NULL), -EACCES);
	cr_assert_eq(genpt_hw_access(t.pt, gran, GENPT_ACCESS_EXEC, NULL), -EACCES);
	cr_assert_eq(genpt_hw_access(t.pt, gran, GENPT_ACCESS_WRITE, NULL), 0);
	arm_table_fini(&t);
}

/* ------------------------------------------------ no dirty state -- */

Test(armv8_errors, no_dbm_no_dirty_state)
{
	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		struct pop p;
		uint64_t words[4] = { 0 };
		struct genpt_dirty_bitmap bm = { words, 0, 256ull << arm_modes[mi].granule_bits,
						 arm_modes[mi].granule_bits };

		if (!mode_fits(&arm_modes[mi]))
			continue;
		pop_init_feat(&p, &arm_modes[mi], GENPT_FEAT_ARMV8_CONTIG);
		bm.iova = p.a - p.gran;
		EXPECT_UNCHANGED(&p, -EOPNOTSUPP,
				 genpt_read_and_clear_dirty(p.t.pt, p.a, p.gran, 0, &bm, &p.g),
				 "read_and_clear_dirty without DBM");
		EXPECT_UNCHANGED(&p, -EOPNOTSUPP,
				 genpt_read_and_clear_dirty(p.t.pt, p.a, p.gran, GENPT_DIRTY_NO_CLEAR,
							    NULL, NULL),
				 "read_and_clear_dirty NO_CLEAR without DBM");
		EXPECT_UNCHANGED(&p, -EOPNOTSUPP, genpt_set_dirty_tracking(p.t.pt, true),
				 "tracking on without DBM");
		EXPECT_UNCHANGED(&p, -EOPNOTSUPP, genpt_set_dirty_tracking(p.t.pt, false),
				 "tracking off without DBM");
		cr_assert_eq(genpt_dirty_tracking(p.t.pt), 0);
		for (int i = 0; i < 4; i++)
			cr_assert_eq(words[i], 0);
		/* writes need no dirty update: writable leaves are plainly writable */
		EXPECT_UNCHANGED(&p, 0, genpt_hw_access(p.t.pt, p.a, GENPT_ACCESS_WRITE, NULL),
				 "write without DBM");
		EXPECT_UNCHANGED(&p, 0, genpt_hw_access(p.t.pt, p.b + p.gran, GENPT_ACCESS_WRITE, NULL),
				 "write to a run without DBM");
		/* with DBM but the wrong flags: -EINVAL first */
		pop_fini(&p);
	}
}

/* ------------------------------------------- dirty bitmap checks -- */

Test(armv8_errors, dirty_bitmap_validation)
{
	const char *modes[] = { "s1-4k-48", "s2-16k-48", "s1-64k-42" };

	for (int mi = 0; mi < 3; mi++) {
		struct pop p;
		uint64_t words[66];
		const uint64_t fill = 0xa5a5a5a5a5a5a5a5ull;
		struct genpt_dirty_bitmap ok, bm;
		uint64_t q, qlen, gran;

		pop_init(&p, arm_mode_named(modes[mi]));
		gran = p.gran;
		q = 2 * p.blk;
		qlen = p.blk;
		ok = (struct genpt_dirty_bitmap){ words, q, 64 * 64 * 4096, 12 };
		if (ok.length < qlen)
			ok.length = qlen;
		if (ok.length / 4096 > 64 * 64) {
			ok.page_shift = 12 + (unsigned int)__builtin_ctzll(ok.length / (64 * 64 * 4096));
		}

#define DIRTY_CASE(want, iova, len, flags, bmp, ...)                                   \
	do {                                                                           \
		for (size_t i_ = 0; i_ < 66; i_++)                                     \
			words[i_] = fill;                                              \
		EXPECT_UNCHANGED(&p, want,                                             \
				 genpt_read_and_clear_dirty(p.t.pt, iova, len, flags, bmp,\
							    &p.g),                      \
				 __VA_ARGS__);                                         \
		for (size_t i_ = 0; i_ < 66; i_++)                                     \
			cr_assert_eq(words[i_], fill, "bitmap word %zu written", i_); \
	} while (0)

		DIRTY_CASE(-EINVAL, q - gran, qlen, 0, &ok, "query starts before the bitmap");
		DIRTY_CASE(-EINVAL, q + ok.length - qlen + gran, qlen, 0, &ok,
			   "query ends after the bitmap");
		bm = ok;
		bm.page_shift = 11;
		DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "page_shift 11");
		bm.page_shift = 64;
		DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "page_shift 64");
		bm = ok;
		bm.bits = NULL;
		DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "NULL bits");
		bm = ok;
		bm.length = 0;
		DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "bitmap length 0");
		DIRTY_CASE(-EINVAL, q, qlen, 2, &ok, "flags 0x2");
		DIRTY_CASE(-EINVAL, q, qlen, ~0u, NULL, "flags ~0, NULL bitmap");
		DIRTY_CASE(-EINVAL, q, 0, 0, &ok, "query len 0");
		DIRTY_CASE(-EINVAL, q + 0x10, qlen, 0, &ok, "query iova unaligned");
#undef DIRTY_CASE
		pop_fini(&p);
	}
}
