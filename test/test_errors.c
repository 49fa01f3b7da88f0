// SPDX-License-Identifier: MIT
/*
 * test_errors.c - every error path of the table API on RISC-V tables, with
 * the table checked byte for byte (and the gather and the provider's
 * counts) to be unchanged afterwards.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "anyfmt.h"
#include "genpt/genpt.h"
#include "model.h"
#include "testutil.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define OA0 (1ull << 40)

/*
 * A populated table: a 4K leaf, a 64K run, a 2M and a 1G leaf near 1G, a 4K
 * leaf at the top of each half, and a gather that already holds a range and
 * freed table pages (so "gather untouched" means something).
 */
struct pop {
	struct tu_table t;
	struct model m;
	struct genpt_gather g;
	uint64_t a, b, c, d; /* 4K, 64K, 2M, 1G leaves */
	uint64_t f[2], l[2];
	unsigned int nh;
};

static void pop_map(struct pop *p, uint64_t iova, uint64_t oa, uint64_t len,
		    unsigned int prot)
{
	int err = genpt_map(p->t.pt, iova, oa, len, prot, NULL);

	cr_assert_eq(err, 0, "%s: populate map 0x%llx: %d", p->t.mode->name,
		     (unsigned long long)iova, err);
	cr_assert_eq(model_map(&p->m, iova, oa, len, prot), 0);
}

static void pop_init_feat(struct pop *p, int mode, uint64_t features)
{
	uint64_t lonely = 5 * TU_1G;

	tu_table_init(&p->t, mode, features, 1ull << 30);
	model_init(&p->m, &p->t);
	p->nh = tu_halves(&p->t, p->f, p->l);
	p->a = TU_1G + TU_4K;
	p->b = TU_1G + TU_2M + TU_64K;
	p->c = TU_1G + 2 * TU_2M;
	p->d = 2 * TU_1G;
	pop_map(p, p->a, OA0 + TU_4K, TU_4K, RW);
	pop_map(p, p->b, OA0 + TU_64K, TU_64K, RW);
	pop_map(p, p->c, OA0 + TU_2M * 5, TU_2M, RW);
	pop_map(p, p->d, OA0 + TU_1G, TU_1G, GENPT_READ);
	for (unsigned int h = 0; h < p->nh; h++)
		pop_map(p, p->l[h] - TU_4K + 1, OA0, TU_4K, RW);
	genpt_gather_init(&p->g);
	cr_assert_eq(genpt_map(p->t.pt, lonely, OA0, TU_4K, RW, NULL), 0);
	cr_assert_eq(genpt_unmap(p->t.pt, lonely, TU_2M, &p->g, NULL), 0);
	cr_assert_not_null(p->g.freed);
	cr_assert_eq(p->g.start, lonely);
	model_check(&p->t, &p->m, NULL);
}

static void pop_init(struct pop *p, int mode)
{
	pop_init_feat(p, mode, GENPT_FEAT_RISCV_SVNAPOT);
}

static void pop_fini(struct pop *p)
{
	model_check(&p->t, &p->m, NULL);
	cr_assert_eq(genpt_gather_release(p->t.pt, &p->g), 0);
	model_fini(&p->m);
	tu_table_fini(&p->t);
}

/* Run one call that must fail with @want and leave table and gather be. */
#define EXPECT_UNCHANGED(p, want, call, ...)                                  \
	do {                                                                  \
		struct tu_snap s_;                                            \
		struct genpt_gather g0_ = (p)->g;                             \
		int err_;                                                     \
		char what_[160];                                              \
                                                                              \
		snprintf(what_, sizeof(what_), __VA_ARGS__);                  \
		/* a failed map may leave empty tables it added */            \
		af_reclaim((p)->t.pt, UINT64_MAX, (p)->t.mode->name, "before"); \
		tu_snap_take(&(p)->t, &s_);                                   \
		err_ = (call);                                                \
		cr_assert_eq(err_, (want), "%s: %s: got %d, want %d",         \
			     (p)->t.mode->name, what_, err_, (want));         \
		af_reclaim((p)->t.pt, strncmp(#call, "genpt_map(", 10) ? 0 :  \
			   af_map_leftover_pages((p)->t.pt), (p)->t.mode->name, what_); \
		tu_snap_expect_same(&(p)->t, &s_, what_);                     \
		cr_assert(tu_gather_eq(&g0_, &(p)->g), "%s: %s: gather changed", \
			  (p)->t.mode->name, what_);                          \
		tu_snap_free(&s_);                                            \
	} while (0)

/* ------------------------------------------------ argument shape -- */

Test(errors, map_einval_shape_and_prot)
{
	static const unsigned int bad_prot[] = {
		0, GENPT_NOEXEC, GENPT_MMIO | GENPT_CACHE | GENPT_NOEXEC,
		GENPT_READ | (1u << 5), RW | (1u << 31), ~0u,
	};

	for (int m = 0; m < TU_NMODES; m++) {
		struct pop p;
		uint64_t free_va = 3 * TU_1G + 40 * TU_2M;

		pop_init(&p, m);
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, free_va, OA0, 0, RW, &p.g),
				 "map len 0");
		EXPECT_UNCHANGED(&p, -EINVAL,
				 genpt_map(p.t.pt, free_va + 0x800, OA0, TU_4K, RW, &p.g),
				 "map iova unaligned");
		EXPECT_UNCHANGED(&p, -EINVAL,
				 genpt_map(p.t.pt, free_va + 8, OA0, TU_2M, RW, &p.g),
				 "map iova unaligned by 8");
		EXPECT_UNCHANGED(&p, -EINVAL,
				 genpt_map(p.t.pt, free_va, OA0 + 0x10, TU_4K, RW, &p.g),
				 "map oa unaligned");
		EXPECT_UNCHANGED(&p, -EINVAL,
				 genpt_map(p.t.pt, free_va, OA0, 0x1800, RW, &p.g),
				 "map len unaligned");
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, free_va, OA0, 1, RW, &p.g),
				 "map len 1");
		for (size_t i = 0; i < sizeof(bad_prot) / sizeof(bad_prot[0]); i++)
			EXPECT_UNCHANGED(&p, -EINVAL,
					 genpt_map(p.t.pt, free_va, OA0, TU_2M, bad_prot[i],
						   &p.g),
					 "map prot 0x%x", bad_prot[i]);
		/* Shape errors win over range errors and overlaps. */
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, p.a, OA0, 0, RW, &p.g),
				 "map len 0 over a leaf");
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, p.a, OA0, TU_4K, 0, &p.g),
				 "map prot 0 over a leaf");
		EXPECT_UNCHANGED(&p, -EINVAL,
				 genpt_map(p.t.pt, 1ull << 62, OA0 + 1, TU_4K, RW, &p.g),
				 "map unaligned oa, iova out of range");
		/* The same with a NULL gather. */
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, free_va, OA0, 0, RW, NULL),
				 "map len 0, NULL gather");
		pop_fini(&p);
	}
}

Test(errors, unmap_einval_shape)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct pop p;
		uint64_t u = 0x1234;

		pop_init(&p, m);
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_unmap(p.t.pt, p.a, 0, &p.g, &u),
				 "unmap len 0");
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_unmap(p.t.pt, p.a + 0x200, TU_4K, &p.g, &u),
				 "unmap iova unaligned");
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_unmap(p.t.pt, p.a, 0x1001, &p.g, &u),
				 "unmap len unaligned");
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_unmap(p.t.pt, p.d, TU_1G - 1, &p.g, NULL),
				 "unmap len unaligned, NULL unmapped");
		pop_fini(&p);
	}
}

/* ----------------------------------------- overflow and range -- */

struct range_case {
	uint64_t iova, len;
	const char *what;
};

Test(errors, eoverflow)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct pop p;

		pop_init(&p, m);
		EXPECT_UNCHANGED(&p, -EOVERFLOW,
				 genpt_map(p.t.pt, ~0ull - TU_4K + 1, OA0, 2 * TU_4K, RW, &p.g),
				 "map iova wraps");
		EXPECT_UNCHANGED(&p, -EOVERFLOW,
				 genpt_map(p.t.pt, 2 * TU_4K, OA0, ~0ull - TU_4K + 1, RW, &p.g),
				 "map huge len wraps");
		EXPECT_UNCHANGED(&p, -EOVERFLOW,
				 genpt_map(p.t.pt, 3 * TU_1G, ~0ull - TU_4K + 1, 2 * TU_4K, RW,
					   &p.g),
				 "map oa wraps");
		EXPECT_UNCHANGED(&p, -EOVERFLOW,
				 genpt_unmap(p.t.pt, ~0ull - TU_4K + 1, 2 * TU_4K, &p.g, NULL),
				 "unmap wraps");
		EXPECT_UNCHANGED(&p, -EOVERFLOW,
				 genpt_read_and_clear_dirty(p.t.pt, ~0ull - TU_4K + 1,
							    2 * TU_4K, 0, NULL, &p.g),
				 "dirty range wraps");
		pop_fini(&p);
	}
}

Test(errors, erange_input_space)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct pop p;
		unsigned int vb = tu_modes[m].va_bits;
		uint64_t bad[8], oa;
		struct range_case r[8];
		unsigned int nb = 0, nr = 0;

		pop_init(&p, m);
		if (tu_modes[m].gstage) {
			/* zero-extended: nothing at or above 2^va_bits */
			bad[nb++] = 1ull << vb;
			bad[nb++] = 1ull << 63;
			bad[nb++] = ~0ull << 12;
			bad[nb++] = (1ull << vb) | TU_4K;
			r[nr++] = (struct range_case){ (1ull << vb) - TU_4K, 2 * TU_4K,
						  "range leaving the GPA space" };
			r[nr++] = (struct range_case){ 0, (1ull << vb) + TU_4K,
						  "range longer than the space" };
		} else {
			/* not canonical: bits above va_bits - 1 differ */
			bad[nb++] = 1ull << (vb - 1);
			bad[nb++] = p.f[1] - TU_4K;
			bad[nb++] = 1ull << 63;
			bad[nb++] = 1ull << vb;
			bad[nb++] = p.f[1] ^ (1ull << 62);
			r[nr++] = (struct range_case){ p.l[0] - TU_4K + 1, 2 * TU_4K,
						  "range leaving the lower half" };
			r[nr++] = (struct range_case){ p.f[1] - TU_4K, 2 * TU_4K,
						  "range entering the upper half from the hole" };
			/* both ends canonical, different halves */
			r[nr++] = (struct range_case){ p.l[0] - TU_4K + 1,
						  p.f[1] + TU_4K - (p.l[0] - TU_4K + 1),
						  "range across the hole" };
			r[nr++] = (struct range_case){ 0, 0ull - TU_4K,
						  "range from 0 to the top" };
		}
		for (unsigned int i = 0; i < nb; i++) {
			EXPECT_UNCHANGED(&p, -ERANGE,
					 genpt_map(p.t.pt, bad[i], OA0, TU_4K, RW, &p.g),
					 "map at 0x%llx", (unsigned long long)bad[i]);
			EXPECT_UNCHANGED(&p, -ERANGE,
					 genpt_unmap(p.t.pt, bad[i], TU_4K, &p.g, NULL),
					 "unmap at 0x%llx", (unsigned long long)bad[i]);
			EXPECT_UNCHANGED(&p, -ERANGE,
					 genpt_iova_to_phys(p.t.pt, bad[i] + 0x123, &oa),
					 "iova_to_phys at 0x%llx", (unsigned long long)bad[i]);
			EXPECT_UNCHANGED(&p, -ERANGE,
					 genpt_hw_access(p.t.pt, bad[i], GENPT_ACCESS_READ, &oa),
					 "hw_access at 0x%llx", (unsigned long long)bad[i]);
			EXPECT_UNCHANGED(&p, -ERANGE,
					 genpt_read_and_clear_dirty(p.t.pt, bad[i], TU_4K, 0,
								    NULL, &p.g),
					 "read_and_clear_dirty at 0x%llx",
					 (unsigned long long)bad[i]);
		}
		for (unsigned int i = 0; i < nr; i++) {
			EXPECT_UNCHANGED(&p, -ERANGE,
					 genpt_map(p.t.pt, r[i].iova, 0, r[i].len, RW, &p.g),
					 "map %s", r[i].what);
			EXPECT_UNCHANGED(&p, -ERANGE,
					 genpt_unmap(p.t.pt, r[i].iova, r[i].len, &p.g, NULL),
					 "unmap %s", r[i].what);
			EXPECT_UNCHANGED(&p, -ERANGE,
					 genpt_read_and_clear_dirty(p.t.pt, r[i].iova, r[i].len,
								    0, NULL, &p.g),
					 "read_and_clear_dirty %s", r[i].what);
		}
		pop_fini(&p);
	}
}

Test(errors, erange_output_space)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct pop p;
		uint64_t va = 3 * TU_1G;

		pop_init(&p, m);
		EXPECT_UNCHANGED(&p, -ERANGE, genpt_map(p.t.pt, va, 1ull << 56, TU_4K, RW, &p.g),
				 "oa 2^56");
		EXPECT_UNCHANGED(&p, -ERANGE,
				 genpt_map(p.t.pt, va, (1ull << 56) - TU_4K, 2 * TU_4K, RW, &p.g),
				 "oa range ending past 2^56");
		EXPECT_UNCHANGED(&p, -ERANGE,
				 genpt_map(p.t.pt, va, 1ull << 63, TU_2M, RW, &p.g), "oa 2^63");
		/* The last page of the OA space is fine. */
		cr_assert_eq(genpt_map(p.t.pt, va, (1ull << 56) - TU_4K, TU_4K, RW, NULL), 0);
		cr_assert_eq(model_map(&p.m, va, (1ull << 56) - TU_4K, TU_4K, RW), 0);
		pop_fini(&p);
	}
}

/* A table created with a narrower oa_bits refuses OAs beyond it. */
Test(errors, erange_configured_oa_bits)
{
	struct genpt_physmem *pm;
	struct genpt *pt;
	struct genpt_config cfg = {
		.format = GENPT_FMT_RISCV, .va_bits = 48, .oa_bits = 40,
		.mem = &genpt_physmem_ops,
	};
	uint64_t oa;

	cr_assert_eq(genpt_physmem_create(TU_PM_BASE, 1ull << 24, &pm), 0);
	cfg.mem_ctx = pm;
	cr_assert_eq(genpt_create(&cfg, &pt), 0);
	cr_assert_eq(genpt_map(pt, 0, 1ull << 40, TU_4K, RW, NULL), -ERANGE);
	cr_assert_eq(genpt_map(pt, 0, (1ull << 40) - TU_4K, 2 * TU_4K, RW, NULL), -ERANGE);
	cr_assert_eq(genpt_iova_to_phys(pt, 0, &oa), -ENOENT);
	cr_assert_eq(genpt_map(pt, 0, (1ull << 40) - TU_4K, TU_4K, RW, NULL), 0);
	cr_assert_eq(genpt_iova_to_phys(pt, 0, &oa), 0);
	cr_assert_eq(oa, (1ull << 40) - TU_4K);
	genpt_destroy(pt);
	genpt_physmem_destroy(pm);
}

/* ------------------------------------------------------ overlap -- */

/*
 * A map that must fail with -EEXIST.  With a NULL gather the table must be
 * as before at once.  genpt_map() may hand pages it unlinked while undoing
 * the partial map to a gather (and add the range), so with a gather the
 * table must be as before and, after releasing, so must the provider.
 */
/* Bytes one root entry spans: no table below the root reaches further. */
static uint64_t root_span(const struct tu_table *t)
{
	return 1ull << (12 + 9 * (t->mode->levels - 1));
}

static void expect_eexist(struct pop *p, uint64_t iova, uint64_t oa,
			  uint64_t len, const char *what)
{
	struct genpt_gather g;
	struct tu_snap s;
	struct tu_rng rng = { iova };
	int err;

	af_reclaim(p->t.pt, UINT64_MAX, p->t.mode->name, what);
	tu_snap_take(&p->t, &s);
	err = genpt_map(p->t.pt, iova, oa, len, RW, NULL);
	cr_assert_eq(err, -EEXIST, "%s: %s: got %d", p->t.mode->name, what, err);
	/* a failed map may leave the empty tables it added */
	af_reclaim(p->t.pt, af_map_leftover_pages(p->t.pt), p->t.mode->name, what);
	tu_snap_expect_same(&p->t, &s, what);
	model_check_range(&p->t, &p->m, iova, iova + len - 1, &rng);

	genpt_gather_init(&g);
	err = genpt_map(p->t.pt, iova, oa, len, RW, &g);
	cr_assert_eq(err, -EEXIST, "%s: %s (gather): got %d", p->t.mode->name, what, err);
	/* what the undo may leave to invalidate lies inside the range, or
	 * inside the span of a table it unlinked: within the root entries
	 * the range touches */
	if (g.start <= g.last)
		cr_assert(g.start >= (iova & ~(root_span(&p->t) - 1)) &&
			  g.last <= ((iova + (len - 1)) | (root_span(&p->t) - 1)),
			  "%s: %s: gather range 0x%llx..0x%llx outside the map",
			  p->t.mode->name, what, (unsigned long long)g.start,
			  (unsigned long long)g.last);
	else
		cr_assert_null(g.freed);
	cr_assert_eq(genpt_gather_release(p->t.pt, &g), 0);
	/* a failed map may leave the empty tables it added */
	af_reclaim(p->t.pt, af_map_leftover_pages(p->t.pt), p->t.mode->name, what);
	tu_snap_expect_same(&p->t, &s, what);
	model_check_range(&p->t, &p->m, iova, iova + len - 1, &rng);
	tu_snap_free(&s);
}

/* Without Svnapot the engine writes plain leaves in batches at level 0
 * too: run everything both ways. */
static void eexist_mode(int m, uint64_t features)
{
	struct pop p;

	pop_init_feat(&p, m, features);
	expect_eexist(&p, p.a, OA0, TU_4K, "same 4K again");
	expect_eexist(&p, p.b, OA0, TU_64K, "same 64K run again");
	expect_eexist(&p, p.b + TU_4K * 15, OA0, TU_4K, "4K on the last run member");
	expect_eexist(&p, p.b - TU_64K, OA0, 2 * TU_64K,
		      "64K runs, the second one taken");
	expect_eexist(&p, p.c + 5 * TU_4K, OA0, TU_4K,
		      "4K inside a 2M leaf");
	expect_eexist(&p, p.d + TU_2M, OA0, TU_2M, "2M inside a 1G leaf");
	expect_eexist(&p, TU_1G, OA0, TU_2M,
		      "2M over a table holding a 4K leaf");
	expect_eexist(&p, TU_1G, OA0, TU_1G,
		      "1G over a table holding 4K, 64K and 2M leaves");
	/* Long ranges that overlap only at their last page: many leaves
	 * are written before the overlap is found; none may remain. */
	expect_eexist(&p, p.a + TU_4K - (TU_1G / 2 + TU_4K),
		      OA0 + TU_1G / 2 + TU_4K, TU_1G / 2 + TU_4K,
		      "512M+4K ending on the 4K leaf");
	expect_eexist(&p, p.c + 3 * TU_2M, 8 * OA0 + 3 * TU_2M,
		      p.d + TU_4K - (p.c + 3 * TU_2M),
		      "2M leaves up to the first page of the 1G leaf");
	expect_eexist(&p, p.d + TU_1G - TU_4K, OA0, 3 * TU_4K,
		      "3 pages starting on the last page of the 1G leaf");
	/* Overlapping the middle only. */
	expect_eexist(&p, p.c - TU_64K, OA0, TU_2M + 2 * TU_64K,
		      "a range around the 2M leaf");
	/* The top of the space. */
	expect_eexist(&p, p.l[p.nh - 1] - TU_2M + 1, 4 * OA0, TU_2M,
		      "2M at the top, overlapping its last 4K");
	pop_fini(&p);
}

Test(errors, eexist_all_or_nothing)
{
	for (int m = 0; m < TU_NMODES; m++) {
		eexist_mode(m, GENPT_FEAT_RISCV_SVNAPOT);
		eexist_mode(m, 0);
	}
}

/* ------------------------------------------------------ straddle -- */

Test(errors, unmap_straddle_einval)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct pop p;

		pop_init(&p, m);
		struct range_case c[] = {
			{ p.c + TU_4K, TU_4K, "4K inside a 2M leaf" },
			{ p.c, TU_2M - TU_4K, "start of a 2M leaf" },
			{ p.c + TU_4K, TU_2M - TU_4K, "end of a 2M leaf" },
			{ p.d + TU_2M, TU_2M, "2M inside a 1G leaf" },
			{ p.b, TU_4K, "first page of a 64K run" },
			{ p.b + TU_4K, TU_64K - TU_4K, "rest of a 64K run" },
			{ p.b + TU_64K - TU_4K, TU_4K, "last page of a 64K run" },
			/* fine at the start, straddling at the end: the leaves
			 * in front must survive too */
			{ TU_1G, p.d + TU_2M - TU_1G, "4K, 64K, 2M, half of 1G" },
			/* straddling at the start, fine at the end */
			{ p.b + TU_4K, p.d + TU_1G - (p.b + TU_4K),
			  "half of 64K, 2M, 1G" },
			{ p.c + TU_4K, p.d - p.c, "both ends inside leaves" },
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
		pop_fini(&p);
	}
}

/* -------------------------------------------------------- ENOMEM -- */

/*
 * Make allocation N of the map fail, for every N until the map succeeds:
 * -ENOMEM, and the table, its byte count and the provider's live blocks
 * are exactly as before (with a gather: after releasing it).  Returns how
 * many allocations the successful map made.
 */
static long enomem_sweep(struct tu_table *t, uint64_t iova, uint64_t oa,
			 uint64_t len, bool gather)
{
	struct tu_snap s;
	struct tu_rng rng = { 99 };
	long n;

	/* each failed attempt may leave empty tables it added: reclaimed
	 * (bounded) before the comparison, so every attempt starts alike */
	af_reclaim(t->pt, UINT64_MAX, t->mode->name, "before the sweep");
	tu_snap_take(t, &s);
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
			cr_assert_eq(t->cnt.allocs - allocs, n,
				     "%s: successful map made %ld allocations after %ld failed ones",
				     t->mode->name, t->cnt.allocs - allocs, n);
			cr_assert_eq(t->cnt.failed, failed);
			cr_assert_null(g.freed);
			break;
		}
		cr_assert_eq(err, -ENOMEM, "%s: allocation %ld refused: got %d",
			     t->mode->name, n, err);
		cr_assert_eq(t->cnt.failed, failed + 1,
			     "%s: allocation %ld refused but the map went on allocating",
			     t->mode->name, n);
		cr_assert_eq(genpt_gather_release(t->pt, &g), 0);
		snprintf(what, sizeof(what), "ENOMEM at allocation %ld%s", n,
			 gather ? " (gather)" : "");
		af_reclaim(t->pt, af_map_leftover_pages(t->pt), t->mode->name, what);
		tu_snap_expect_same(t, &s, what);
		/* nothing of the range is mapped */
		for (int i = 0; i < 8; i++) {
			uint64_t o;
			uint64_t va = iova + (tu_rand(&rng) % len);

			cr_assert_eq(genpt_iova_to_phys(t->pt, va, &o), -ENOENT,
				     "%s: %s: 0x%llx still mapped", t->mode->name,
				     what, (unsigned long long)va);
		}
		cr_assert_eq(genpt_iova_to_phys(t->pt, iova, &(uint64_t){ 0 }), -ENOENT);
		cr_assert_eq(genpt_iova_to_phys(t->pt, iova + len - 1, &(uint64_t){ 0 }),
			     -ENOENT);
	}
	tu_snap_free(&s);
	return n;
}

static void enomem_mode(int mode, bool prepopulate, bool gather,
			uint64_t features)
{
	struct tu_table t;
	struct model md;
	unsigned int levels = tu_modes[mode].levels;
	uint64_t root_entry = 1ull << (12 + 9 * (levels - 1));
	uint64_t b = 3 * root_entry;
	/* 2 pages, a 2M leaf | a 2M leaf, a 64K run, a 4K page: tables on
	 * both sides of a root entry boundary, leaves written before the
	 * right side's tables are allocated */
	uint64_t iova = b - TU_2M - 2 * TU_4K;
	uint64_t len = 2 * TU_4K + 2 * TU_2M + TU_64K + TU_4K;
	uint64_t oa = (1ull << 45) + (iova & (TU_1G - 1));
	/* fresh: a table chain below the root on each side; prepopulated:
	 * the right side only needs its level-0 table, the left side shares
	 * only the root entry's table */
	long want = prepopulate ? (long)levels - 1 : 2 * (long)(levels - 1), got;
	struct tu_rng rng = { 5 };

	tu_table_init(&t, mode, features, 1ull << 30);
	model_init(&md, &t);
	if (prepopulate) {
		/* shares the right side's tables down to level 1 */
		cr_assert_eq(genpt_map(t.pt, b + 5 * TU_2M, OA0, TU_4K, RW, NULL), 0);
		cr_assert_eq(model_map(&md, b + 5 * TU_2M, OA0, TU_4K, RW), 0);
		/* shares the left side's tables down to level 2 (if any) */
		cr_assert_eq(genpt_map(t.pt, b - root_entry + TU_4K, OA0, TU_4K, RW, NULL), 0);
		cr_assert_eq(model_map(&md, b - root_entry + TU_4K, OA0, TU_4K, RW), 0);
	}
	got = enomem_sweep(&t, iova, oa, len, gather);
	cr_assert_eq(got, want, "%s: the map made %ld allocations, want %ld",
		     t.mode->name, got, want);
	cr_assert_eq(model_map(&md, iova, oa, len, RW), 0);
	model_check(&t, &md, &rng);
	cr_assert_eq(genpt_unmap(t.pt, iova, len, NULL, NULL), 0);
	model_fini(&md);
	tu_table_fini(&t);
}

Test(errors, enomem_every_allocation)
{
	for (int m = 0; m < TU_NMODES; m++) {
		for (int f = 0; f < 2; f++) {
			uint64_t feat = f ? GENPT_FEAT_RISCV_SVNAPOT : 0;

			enomem_mode(m, false, false, feat);
			enomem_mode(m, false, true, feat);
			enomem_mode(m, true, false, feat);
			enomem_mode(m, true, true, feat);
		}
	}
}

Test(errors, enomem_create)
{
	for (int m = 0; m < TU_NMODES; m++) {
		struct tu_counter cnt = { .fail_at = 0 };
		struct genpt_config cfg = {
			.format = GENPT_FMT_RISCV,
			.va_bits = tu_modes[m].va_bits,
			.features = tu_modes[m].gstage ? GENPT_FEAT_RISCV_GSTAGE : 0,
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

static void expect_bad_config(const struct genpt_config *base_cfg,
			      struct tu_counter *cnt, const char *what)
{
	struct genpt_config cfg = *base_cfg;
	struct genpt *pt = (struct genpt *)cnt;
	long allocs = cnt->allocs;
	int err;

	cfg.mem = &tu_counter_ops;
	cfg.mem_ctx = cnt;
	err = genpt_create(&cfg, &pt);
	cr_assert_eq(err, -EINVAL, "create %s: got %d", what, err);
	cr_assert_eq(pt, (struct genpt *)cnt, "create %s: *out written", what);
	cr_assert_eq(cnt->allocs, allocs, "create %s: allocated", what);
	cr_assert_eq(cnt->live, 0);
}

static void expect_good_config(const struct genpt_config *base_cfg,
			       struct tu_counter *cnt, unsigned int levels,
			       unsigned int mode, const char *what)
{
	struct genpt_config cfg = *base_cfg;
	struct genpt_hw_info info;
	struct genpt *pt = NULL;
	int err;

	cfg.mem = &tu_counter_ops;
	cfg.mem_ctx = cnt;
	err = genpt_create(&cfg, &pt);
	cr_assert_eq(err, 0, "create %s: got %d", what, err);
	cr_assert_eq(genpt_hw_info(pt, &info), 0);
	cr_assert_eq(info.levels, levels, "create %s: %u levels", what, info.levels);
	cr_assert_eq(info.mode, mode, "create %s: mode %u", what, info.mode);
	cr_assert_eq(info.atp >> 60, mode);
	cr_assert_eq(info.atp & ((1ull << 44) - 1), info.root_pa >> 12);
	cr_assert_eq(genpt_dirty_tracking(pt), 0);
	genpt_destroy(pt);
	cr_assert_eq(cnt->live, 0);
}

Test(errors, create_bad_config)
{
	struct tu_counter cnt = { .fail_at = -1 };
	const struct genpt_config ok = { .format = GENPT_FMT_RISCV };
	struct genpt_config c;
	static const unsigned int bad_va[] = { 1, 12, 32, 38, 40, 41, 47, 49, 50,
					       56, 58, 59, 64, 100 };
	static const unsigned int bad_va_g[] = { 39, 48, 57, 40, 42, 49, 51, 58, 60,
						 64 };
	static const unsigned int bad_oa[] = { 1, 11, 57, 58, 64, 65 };
	static const unsigned int bad_gran[] = { 1, 11, 13, 14, 16, 64 };
	static const uint64_t bad_feat[] = {
		1ull << 3, 1ull << 7, 1ull << 31, 1ull << 63,
		GENPT_FEAT_ARMV8_S2, GENPT_FEAT_ARMV8_CONTIG, GENPT_FEAT_ARMV8_DBM,
		GENPT_FEAT_RISCV_SVNAPOT | GENPT_FEAT_ARMV8_DBM,
	};
	static const int bad_fmt[] = { 0, 6, 7, 99, -1 };
	const struct genpt_mem_ops half_ops[3] = {
		{ NULL, tu_counter_ops.free, tu_counter_ops.phys_to_virt, NULL },
		{ tu_counter_ops.alloc, NULL, tu_counter_ops.phys_to_virt, NULL },
		{ tu_counter_ops.alloc, tu_counter_ops.free, NULL, NULL },
	};
	char what[64];

	cr_assert_eq(genpt_physmem_create(TU_PM_BASE, 1ull << 24, &cnt.pm), 0);
	for (size_t i = 0; i < sizeof(bad_fmt) / sizeof(bad_fmt[0]); i++) {
		c = ok;
		c.format = (enum genpt_format)bad_fmt[i];
		snprintf(what, sizeof(what), "format %d", bad_fmt[i]);
		expect_bad_config(&c, &cnt, what);
	}
	for (size_t i = 0; i < sizeof(bad_va) / sizeof(bad_va[0]); i++) {
		c = ok;
		c.va_bits = bad_va[i];
		snprintf(what, sizeof(what), "va_bits %u", bad_va[i]);
		expect_bad_config(&c, &cnt, what);
	}
	for (size_t i = 0; i < sizeof(bad_va_g) / sizeof(bad_va_g[0]); i++) {
		c = ok;
		c.features = GENPT_FEAT_RISCV_GSTAGE;
		c.va_bits = bad_va_g[i];
		snprintf(what, sizeof(what), "G-stage va_bits %u", bad_va_g[i]);
		expect_bad_config(&c, &cnt, what);
	}
	for (size_t i = 0; i < sizeof(bad_oa) / sizeof(bad_oa[0]); i++) {
		c = ok;
		c.oa_bits = bad_oa[i];
		snprintf(what, sizeof(what), "oa_bits %u", bad_oa[i]);
		expect_bad_config(&c, &cnt, what);
	}
	for (size_t i = 0; i < sizeof(bad_gran) / sizeof(bad_gran[0]); i++) {
		c = ok;
		c.granule_bits = bad_gran[i];
		snprintf(what, sizeof(what), "granule_bits %u", bad_gran[i]);
		expect_bad_config(&c, &cnt, what);
	}
	for (size_t i = 0; i < sizeof(bad_feat) / sizeof(bad_feat[0]); i++) {
		c = ok;
		c.features = bad_feat[i];
		snprintf(what, sizeof(what), "features 0x%llx",
			 (unsigned long long)bad_feat[i]);
		expect_bad_config(&c, &cnt, what);
		c.features |= GENPT_FEAT_RISCV_GSTAGE;
		expect_bad_config(&c, &cnt, what);
	}
	for (int i = 0; i < 3; i++) {
		struct genpt *pt = NULL;

		c = ok;
		c.mem = &half_ops[i];
		c.mem_ctx = &cnt;
		cr_assert_eq(genpt_create(&c, &pt), -EINVAL, "mem ops %d missing", i);
		cr_assert_null(pt);
	}

	/* The good ones, as a control. */
	c = ok;
	expect_good_config(&c, &cnt, 5, 10, "defaults");
	c.va_bits = 39;
	expect_good_config(&c, &cnt, 3, 8, "Sv39");
	c.va_bits = 48;
	c.granule_bits = 12;
	c.oa_bits = 56;
	expect_good_config(&c, &cnt, 4, 9, "Sv48 granule 12 oa 56");
	c.va_bits = 57;
	c.oa_bits = 32;
	c.features = GENPT_FEAT_RISCV_SVNAPOT | GENPT_FEAT_RISCV_SVPBMT;
	expect_good_config(&c, &cnt, 5, 10, "Sv57 napot pbmt");
	c = ok;
	c.features = GENPT_FEAT_RISCV_GSTAGE;
	expect_good_config(&c, &cnt, 5, 10, "G-stage defaults");
	c.va_bits = 41;
	expect_good_config(&c, &cnt, 3, 8, "Sv39x4");
	c.va_bits = 50;
	expect_good_config(&c, &cnt, 4, 9, "Sv48x4");
	genpt_physmem_destroy(cnt.pm);
}

/* ---------------------------------------------------------- NULL -- */

Test(errors, null_pointers)
{
	struct tu_table t;
	struct genpt_config cfg = { .format = GENPT_FMT_RISCV };
	struct genpt_gather g;
	struct genpt_hw_info info;
	struct genpt *pt = NULL;
	uint64_t v = 0, words[4] = { 0 };
	struct genpt_dirty_bitmap bm = { words, 0, 256 * TU_4K, 12 };

	tu_table_init(&t, TU_SV48, 0, 1ull << 30);
	cr_assert_eq(genpt_map(t.pt, 0, OA0, TU_4K, RW, NULL), 0);
	genpt_gather_init(&g);

	cr_assert_eq(genpt_create(NULL, &pt), -EINVAL);
	cr_assert_null(pt);
	cr_assert_eq(genpt_create(&cfg, NULL), -EINVAL);
	genpt_destroy(NULL);
	cr_assert_eq(genpt_map(NULL, 0, OA0, TU_4K, RW, &g), -EINVAL);
	cr_assert_eq(genpt_map(NULL, 0, OA0, TU_4K, RW, NULL), -EINVAL);
	cr_assert_eq(genpt_unmap(NULL, 0, TU_4K, &g, &v), -EINVAL);
	cr_assert_eq(genpt_unmap(NULL, 0, TU_4K, NULL, NULL), -EINVAL);
	cr_assert_eq(genpt_iova_to_phys(NULL, 0, &v), -EINVAL);
	cr_assert_eq(genpt_iova_to_phys(t.pt, 0, NULL), -EINVAL);
	cr_assert_eq(genpt_read_and_clear_dirty(NULL, 0, TU_4K, 0, &bm, &g), -EINVAL);
	cr_assert_eq(genpt_read_and_clear_dirty(NULL, 0, TU_4K, 0, NULL, NULL), -EINVAL);
	cr_assert_eq(genpt_set_dirty_tracking(NULL, true), -EINVAL);
	cr_assert_eq(genpt_set_dirty_tracking(NULL, false), -EINVAL);
	cr_assert_eq(genpt_dirty_tracking(NULL), -EINVAL);
	cr_assert_eq(genpt_hw_access(NULL, 0, GENPT_ACCESS_READ, &v), -EINVAL);
	cr_assert_eq(genpt_hw_info(NULL, &info), -EINVAL);
	cr_assert_eq(genpt_hw_info(t.pt, NULL), -EINVAL);
	cr_assert_eq(genpt_table_bytes(NULL, &v), -EINVAL);
	cr_assert_eq(genpt_table_bytes(t.pt, NULL), -EINVAL);
	genpt_gather_init(NULL);
	cr_assert_eq(genpt_gather_release(NULL, &g), -EINVAL);
	cr_assert_eq(genpt_gather_release(t.pt, NULL), -EINVAL);
	cr_assert_eq(genpt_physmem_create(TU_PM_BASE, TU_4K, NULL), -EINVAL);
	genpt_physmem_destroy(NULL);
	cr_assert_eq(genpt_physmem_alloc(NULL, TU_4K, TU_4K, &v), -EINVAL);
	cr_assert_eq(genpt_physmem_alloc(t.pm, TU_4K, TU_4K, NULL), -EINVAL);
	cr_assert_eq(genpt_physmem_free(NULL, TU_PM_BASE, TU_4K), -EINVAL);
	cr_assert_null(genpt_physmem_ptr(NULL, TU_PM_BASE));
	cr_assert_eq(genpt_physmem_stats(NULL, &v, &v), -EINVAL);

	/* Optional outputs may be NULL. */
	cr_assert_eq(genpt_hw_access(t.pt, 0, GENPT_ACCESS_READ, NULL), 0);
	cr_assert_eq(genpt_physmem_stats(t.pm, NULL, NULL), 0);

	/* Nothing of that touched the table or the gather. */
	cr_assert_eq(genpt_iova_to_phys(t.pt, 0x10, &v), 0);
	cr_assert_eq(v, OA0 + 0x10);
	cr_assert_gt(g.start, g.last);
	cr_assert_null(g.freed);
	cr_assert_eq(genpt_unmap(t.pt, 0, TU_4K, NULL, NULL), 0);
	tu_table_fini(&t);
}

/* ---------------------------------------------- hw_access / ENOENT -- */

Test(errors, hw_access_and_lookup)
{
	static const unsigned int bad_access[] = { 0, 4, 5, 0xff, ~0u };

	for (int m = 0; m < TU_NMODES; m++) {
		struct pop p;
		uint64_t oa = 0;

		pop_init(&p, m);
		/* tracking on: a walk would set A/D; a refused one must not */
		cr_assert_eq(genpt_set_dirty_tracking(p.t.pt, true), 0);
		cr_assert_eq(genpt_map(p.t.pt, 3 * TU_1G, OA0, TU_4K, RW, NULL), 0);
		cr_assert_eq(model_map(&p.m, 3 * TU_1G, OA0, TU_4K, RW), 0);
		for (size_t i = 0; i < sizeof(bad_access) / sizeof(bad_access[0]); i++) {
			EXPECT_UNCHANGED(&p, -EINVAL,
					 genpt_hw_access(p.t.pt, 3 * TU_1G, bad_access[i], &oa),
					 "hw_access kind %u", bad_access[i]);
			EXPECT_UNCHANGED(&p, -EINVAL,
					 genpt_hw_access(p.t.pt, p.a, bad_access[i], NULL),
					 "hw_access kind %u, NULL oa", bad_access[i]);
		}
		/* unmapped addresses: -ENOENT, next to leaves of every size */
		{
			const uint64_t holes[] = {
				0, p.a - TU_4K, p.a + TU_4K, p.b - 1, p.b + TU_64K,
				p.c - 1, p.c + TU_2M, p.d - TU_4K,
				3 * TU_1G + TU_4K,
				p.l[p.nh - 1] - TU_4K, p.f[p.nh - 1] + TU_1G * 7,
			};

			for (size_t i = 0; i < sizeof(holes) / sizeof(holes[0]); i++) {
				EXPECT_UNCHANGED(&p, -ENOENT,
						 genpt_iova_to_phys(p.t.pt, holes[i], &oa),
						 "iova_to_phys hole 0x%llx",
						 (unsigned long long)holes[i]);
				for (unsigned int k = GENPT_ACCESS_READ; k <= GENPT_ACCESS_EXEC; k++)
					EXPECT_UNCHANGED(&p, -ENOENT,
							 genpt_hw_access(p.t.pt, holes[i], k, &oa),
							 "hw_access %u hole 0x%llx", k,
							 (unsigned long long)holes[i]);
			}
		}
		/* and after an unmap */
		cr_assert_eq(genpt_unmap(p.t.pt, p.c, TU_2M, NULL, NULL), 0);
		cr_assert_eq(model_unmap(&p.m, p.c, TU_2M, &oa), 0);
		EXPECT_UNCHANGED(&p, -ENOENT, genpt_iova_to_phys(p.t.pt, p.c + 0x1234, &oa),
				 "iova_to_phys after unmap");
		EXPECT_UNCHANGED(&p, -ENOENT,
				 genpt_hw_access(p.t.pt, p.c + TU_2M - 1, GENPT_ACCESS_WRITE, &oa),
				 "hw_access after unmap");
		/* write to the read-only 1G leaf: a permission fault, no change */
		EXPECT_UNCHANGED(&p, -EACCES,
				 genpt_hw_access(p.t.pt, p.d + 0x5000, GENPT_ACCESS_WRITE, &oa),
				 "hw_access write to read-only");
		pop_fini(&p);
	}
}

/* ------------------------------------------- dirty bitmap checks -- */

/* The bitmap words must be exactly @fill afterwards. */
static void expect_words(const uint64_t *w, size_t n, uint64_t fill,
			 const char *what)
{
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(w[i], fill, "%s: bitmap word %zu = 0x%llx", what, i,
			     (unsigned long long)w[i]);
}

static void dirty_validation(int mode, bool tracking)
{
	struct pop p;
	uint64_t words[66];
	const size_t nw = 64; /* words[64..65]: guard */
	const uint64_t fill = 0xa5a5a5a5a5a5a5a5ull;
	struct genpt_dirty_bitmap ok, bm;
	uint64_t q = TU_1G, qlen = 4 * TU_2M; /* a, b, c inside */
	char what[96];
	const char *tr = tracking ? "tracking" : "not tracking";

	pop_init(&p, mode);
	if (tracking) {
		cr_assert_eq(genpt_set_dirty_tracking(p.t.pt, true), 0);
		/* leaves mapped before tracking started are still dirty; make
		 * a fresh clean one dirty through the hardware too */
		cr_assert_eq(genpt_map(p.t.pt, TU_1G + 3 * TU_2M, OA0, TU_4K, RW, NULL), 0);
		cr_assert_eq(model_map(&p.m, TU_1G + 3 * TU_2M, OA0, TU_4K, RW), 0);
		cr_assert_eq(genpt_hw_access(p.t.pt, TU_1G + 3 * TU_2M,
					     GENPT_ACCESS_WRITE, NULL), 0);
	}
	ok = (struct genpt_dirty_bitmap){ words, TU_1G, nw * 64 * TU_4K, 12 };

	/* Control: the valid call reports (without clearing). */
	memset(words, 0, sizeof(words));
	cr_assert_eq(genpt_read_and_clear_dirty(p.t.pt, q, qlen, GENPT_DIRTY_NO_CLEAR,
						&ok, NULL), 0);
	cr_assert_eq(words[(p.a - TU_1G) / TU_4K / 64] >> ((p.a - TU_1G) / TU_4K % 64) & 1, 1,
		     "control: the dirty 4K leaf is not reported");
	cr_assert_eq(words[(p.c - TU_1G) / TU_4K / 64], ~0ull,
		     "control: the dirty 2M leaf is not reported");

#define DIRTY_CASE(want, iova, len, flags, bmp, ...)                          \
	do {                                                                  \
		for (size_t i_ = 0; i_ < 66; i_++)                            \
			words[i_] = fill;                                     \
		snprintf(what, sizeof(what), __VA_ARGS__);                    \
		EXPECT_UNCHANGED(&p, want,                                    \
				 genpt_read_and_clear_dirty(p.t.pt, iova, len,  \
							    flags, bmp, &p.g),  \
				 "%s, %s", what, tr);                         \
		expect_words(words, 66, fill, what);                          \
	} while (0)

	DIRTY_CASE(-EINVAL, q - TU_4K, qlen, 0, &ok, "query starts before the bitmap");
	DIRTY_CASE(-EINVAL, q + nw * 64 * TU_4K - qlen + TU_4K, qlen, 0, &ok,
		   "query ends after the bitmap");
	DIRTY_CASE(-EINVAL, q + nw * 64 * TU_4K, TU_4K, 0, &ok,
		   "query right after the bitmap");
	DIRTY_CASE(-EINVAL, q - TU_1G, 3 * TU_1G, 0, &ok, "query around the bitmap");
	bm = ok;
	bm.page_shift = 11;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "page_shift 11");
	bm.page_shift = 0;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "page_shift 0");
	bm.page_shift = 64;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "page_shift 64");
	bm.page_shift = 200;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "page_shift 200");
	bm = ok;
	bm.iova = TU_1G - 0x800;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "bitmap iova not 4K aligned");
	bm = ok;
	bm.page_shift = 21;
	bm.iova = TU_1G - TU_4K;
	bm.length = 64 * TU_2M;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "bitmap iova not 2M aligned (page_shift 21)");
	bm = ok;
	bm.bits = NULL;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "NULL bits");
	bm = ok;
	bm.length = 0;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "bitmap length 0");
	bm.length = ok.length - 0x800;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "bitmap length not a page multiple");
	bm = ok;
	bm.iova = 0ull - TU_2M;
	bm.length = TU_1G;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "bitmap range wraps");
	DIRTY_CASE(-EINVAL, q, qlen, 2, &ok, "flags 0x2");
	DIRTY_CASE(-EINVAL, q, qlen, GENPT_DIRTY_NO_CLEAR | (1u << 31), &ok,
		   "flags NO_CLEAR | 1<<31");
	DIRTY_CASE(-EINVAL, q, qlen, ~0u, NULL, "flags ~0, NULL bitmap");
	DIRTY_CASE(-EINVAL, q, 0, 0, &ok, "query len 0");
	DIRTY_CASE(-EINVAL, q + 0x10, qlen, 0, &ok, "query iova unaligned");
	DIRTY_CASE(-EINVAL, q, qlen + 0x10, 0, NULL, "query len unaligned, NULL bitmap");
	DIRTY_CASE(-EINVAL, q, 0, 0, NULL, "query len 0, NULL bitmap");
#undef DIRTY_CASE
	pop_fini(&p);
}

Test(errors, dirty_bitmap_validation)
{
	for (int m = 0; m < TU_NMODES; m++) {
		dirty_validation(m, false);
		dirty_validation(m, true);
	}
}
