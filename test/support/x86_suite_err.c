// SPDX-License-Identifier: MIT
/*
 * x86_suite_err.c - every error path of the table API on the x86 formats,
 * with the table (byte for byte), the gather and the provider's counts
 * checked unchanged afterwards (see x86_suite.h).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "anyfmt.h"
#include "x86_suite.h"

#define ULL(x) ((unsigned long long)(x))
#define OA0 (1ull << 40)

/*
 * A populated table: a 4K leaf, a 64K range (an AMD v1 run, 16 x 4K
 * elsewhere), a 2M and a read-only 1G leaf near 1G, a 4K leaf at the top
 * of each half, and a gather already holding a range and freed pages.
 * Needs at least 39 input bits.
 */
struct pop {
	struct xu_table t;
	struct xm m;
	struct genpt_gather g;
	uint64_t a, b, c, d;
	uint64_t f[2], l[2];
	unsigned int nh;
};

static void pop_map(struct pop *p, uint64_t iova, uint64_t oa, uint64_t len, unsigned int prot)
{
	int err = genpt_map(p->t.pt, iova, oa, len, prot, NULL);

	cr_assert_eq(err, 0, "%s: populate map 0x%llx: %d", p->t.mode->name, ULL(iova), err);
	cr_assert_eq(xm_map(&p->m, iova, oa, len, prot), 0);
}

static void pop_init(struct pop *p, int mode)
{
	uint64_t lonely = 5 * XU_1G;

	cr_assert_geq(xu_modes[mode].va_bits, 39, "test bug: mode too small");
	xu_table_init(&p->t, mode, 0, 1ull << 30);
	xm_init(&p->m, &p->t);
	p->nh = xu_halves(&p->t, p->f, p->l);
	p->a = XU_1G + XU_4K;
	p->b = XU_1G + XU_2M + XU_64K;
	p->c = XU_1G + 2 * XU_2M;
	p->d = 2 * XU_1G;
	pop_map(p, p->a, OA0 + XU_4K, XU_4K, XS_RW);
	pop_map(p, p->b, OA0 + XU_64K, XU_64K, XS_RW);
	pop_map(p, p->c, OA0 + XU_2M * 5, XU_2M, XS_RW);
	pop_map(p, p->d, OA0 + XU_1G, XU_1G, GENPT_READ);
	for (unsigned int h = 0; h < p->nh; h++)
		pop_map(p, p->l[h] - XU_4K + 1, OA0, XU_4K, XS_RW);
	genpt_gather_init(&p->g);
	cr_assert_eq(genpt_map(p->t.pt, lonely, OA0, XU_4K, XS_RW, NULL), 0);
	cr_assert_eq(genpt_unmap(p->t.pt, lonely, XU_2M, &p->g, NULL), 0);
	cr_assert_not_null(p->g.freed);
	xm_check(&p->t, &p->m, NULL);
}

static void pop_fini(struct pop *p)
{
	xm_check(&p->t, &p->m, NULL);
	cr_assert_eq(genpt_gather_release(p->t.pt, &p->g), 0);
	xm_fini(&p->m);
	xu_table_fini(&p->t);
}

#define EXPECT_UNCHANGED(p, want, call, ...)                                   \
	do {                                                                   \
		struct xu_snap s_;                                             \
		struct genpt_gather g0_ = (p)->g;                              \
		int err_;                                                      \
		char what_[160];                                               \
                                                                               \
		snprintf(what_, sizeof(what_), __VA_ARGS__);                   \
		/* a failed map may leave empty tables it added */             \
		af_reclaim((p)->t.pt, UINT64_MAX, (p)->t.mode->name, "before"); \
		xu_snap_take(&(p)->t, &s_);                                    \
		err_ = (call);                                                 \
		cr_assert_eq(err_, (want), "%s: %s: got %d, want %d",          \
			     (p)->t.mode->name, what_, err_, (want));          \
		af_reclaim((p)->t.pt, strncmp(#call, "genpt_map(", 10) ? 0 :   \
			   af_map_leftover_pages((p)->t.pt), (p)->t.mode->name, what_); \
		xu_snap_expect_same(&(p)->t, &s_, what_);                      \
		cr_assert(tu_gather_eq(&g0_, &(p)->g), "%s: %s: gather changed", \
			  (p)->t.mode->name, what_);                           \
		xu_snap_free(&s_);                                             \
	} while (0)

/* ---- argument shape ------------------------------------------------------ */

void xs_err_shape(int mode)
{
	static const unsigned int bad_prot[] = {
		0, GENPT_NOEXEC, GENPT_MMIO | GENPT_CACHE | GENPT_NOEXEC,
		GENPT_READ | (1u << 5), XS_RW | (1u << 31), ~0u,
	};
	struct pop p;
	uint64_t free_va = 3 * XU_1G + 40 * XU_2M, u = 0x1234;

	pop_init(&p, mode);
	EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, free_va, OA0, 0, XS_RW, &p.g), "map len 0");
	EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, free_va + 0x800, OA0, XU_4K, XS_RW, &p.g),
			 "map iova unaligned");
	EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, free_va, OA0 + 0x10, XU_4K, XS_RW, &p.g),
			 "map oa unaligned");
	EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, free_va, OA0, 0x1800, XS_RW, &p.g),
			 "map len unaligned");
	for (size_t i = 0; i < sizeof(bad_prot) / sizeof(bad_prot[0]); i++)
		EXPECT_UNCHANGED(&p, -EINVAL,
				 genpt_map(p.t.pt, free_va, OA0, XU_2M, bad_prot[i], &p.g),
				 "map prot 0x%x", bad_prot[i]);
	EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, p.a, OA0, 0, XS_RW, &p.g),
			 "map len 0 over a leaf");
	EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, p.a, OA0, XU_4K, 0, &p.g),
			 "map prot 0 over a leaf");
	EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, 1ull << 62, OA0 + 1, XU_4K, XS_RW, &p.g),
			 "map unaligned oa and iova out of range");
	EXPECT_UNCHANGED(&p, -EINVAL, genpt_map(p.t.pt, free_va, OA0, 0, XS_RW, NULL),
			 "map len 0, NULL gather");
	EXPECT_UNCHANGED(&p, -EINVAL, genpt_unmap(p.t.pt, p.a, 0, &p.g, &u), "unmap len 0");
	EXPECT_UNCHANGED(&p, -EINVAL, genpt_unmap(p.t.pt, p.a + 0x200, XU_4K, &p.g, &u),
			 "unmap iova unaligned");
	EXPECT_UNCHANGED(&p, -EINVAL, genpt_unmap(p.t.pt, p.a, 0x1001, &p.g, &u),
			 "unmap len unaligned");
	EXPECT_UNCHANGED(&p, -EINVAL, genpt_unmap(p.t.pt, p.d, XU_1G - 1, &p.g, NULL),
			 "unmap len unaligned, NULL unmapped");
	cr_assert_eq(u, 0x1234, "unmapped written on failure");
	pop_fini(&p);
}

void xs_err_overflow(int mode)
{
	struct pop p;

	pop_init(&p, mode);
	EXPECT_UNCHANGED(&p, -EOVERFLOW,
			 genpt_map(p.t.pt, ~0ull - XU_4K + 1, OA0, 2 * XU_4K, XS_RW, &p.g),
			 "map iova wraps");
	EXPECT_UNCHANGED(&p, -EOVERFLOW,
			 genpt_map(p.t.pt, 2 * XU_4K, OA0, ~0ull - XU_4K + 1, XS_RW, &p.g),
			 "map huge len wraps");
	EXPECT_UNCHANGED(&p, -EOVERFLOW,
			 genpt_map(p.t.pt, 3 * XU_1G, ~0ull - XU_4K + 1, 2 * XU_4K, XS_RW, &p.g),
			 "map oa wraps");
	EXPECT_UNCHANGED(&p, -EOVERFLOW,
			 genpt_unmap(p.t.pt, ~0ull - XU_4K + 1, 2 * XU_4K, &p.g, NULL),
			 "unmap wraps");
	EXPECT_UNCHANGED(&p, -EOVERFLOW,
			 genpt_read_and_clear_dirty(p.t.pt, ~0ull - XU_4K + 1, 2 * XU_4K, 0,
						    NULL, &p.g),
			 "dirty range wraps");
	pop_fini(&p);
}

struct range_case {
	uint64_t iova, len;
	const char *what;
};

void xs_err_range_input(int mode)
{
	struct pop p;
	unsigned int vb = xu_modes[mode].va_bits, nb = 0, nr = 0;
	uint64_t bad[8], oa;
	struct range_case r[8];

	pop_init(&p, mode);
	if (vb == 64) {
		/* AMD v1 mode 6 decodes every address: only wraps fail */
		pop_fini(&p);
		return;
	}
	if (!p.t.mode->sign_extend) {
		bad[nb++] = 1ull << vb;
		bad[nb++] = 1ull << 63;
		bad[nb++] = ~0ull << 12;
		bad[nb++] = (1ull << vb) | XU_4K;
		r[nr++] = (struct range_case){ (1ull << vb) - XU_4K, 2 * XU_4K,
					       "range leaving the input space" };
		r[nr++] = (struct range_case){ 0, (1ull << vb) + XU_4K,
					       "range longer than the space" };
	} else {
		bad[nb++] = 1ull << (vb - 1);
		bad[nb++] = p.f[1] - XU_4K;
		bad[nb++] = 1ull << 63;
		bad[nb++] = 1ull << vb;
		bad[nb++] = p.f[1] ^ (1ull << 62);
		r[nr++] = (struct range_case){ p.l[0] - XU_4K + 1, 2 * XU_4K,
					       "range leaving the lower half" };
		r[nr++] = (struct range_case){ p.f[1] - XU_4K, 2 * XU_4K,
					       "range entering the upper half from the hole" };
		r[nr++] = (struct range_case){ p.l[0] - XU_4K + 1,
					       p.f[1] + XU_4K - (p.l[0] - XU_4K + 1),
					       "range across the hole" };
		r[nr++] = (struct range_case){ 0, 0ull - XU_4K, "range from 0 to the top" };
	}
	for (unsigned int i = 0; i < nb; i++) {
		EXPECT_UNCHANGED(&p, -ERANGE, genpt_map(p.t.pt, bad[i], OA0, XU_4K, XS_RW, &p.g),
				 "map at 0x%llx", ULL(bad[i]));
		EXPECT_UNCHANGED(&p, -ERANGE, genpt_unmap(p.t.pt, bad[i], XU_4K, &p.g, NULL),
				 "unmap at 0x%llx", ULL(bad[i]));
		EXPECT_UNCHANGED(&p, -ERANGE, genpt_iova_to_phys(p.t.pt, bad[i] + 0x123, &oa),
				 "iova_to_phys at 0x%llx", ULL(bad[i]));
		for (unsigned int k = GENPT_ACCESS_READ; k <= GENPT_ACCESS_EXEC; k++)
			EXPECT_UNCHANGED(&p, -ERANGE, genpt_hw_access(p.t.pt, bad[i], k, &oa),
					 "hw_access %u at 0x%llx", k, ULL(bad[i]));
		EXPECT_UNCHANGED(&p, -ERANGE,
				 genpt_read_and_clear_dirty(p.t.pt, bad[i], XU_4K, 0, NULL, &p.g),
				 "read_and_clear_dirty at 0x%llx", ULL(bad[i]));
	}
	for (unsigned int i = 0; i < nr; i++) {
		EXPECT_UNCHANGED(&p, -ERANGE, genpt_map(p.t.pt, r[i].iova, 0, r[i].len, XS_RW, &p.g),
				 "map %s", r[i].what);
		EXPECT_UNCHANGED(&p, -ERANGE, genpt_unmap(p.t.pt, r[i].iova, r[i].len, &p.g, NULL),
				 "unmap %s", r[i].what);
		EXPECT_UNCHANGED(&p, -ERANGE,
				 genpt_read_and_clear_dirty(p.t.pt, r[i].iova, r[i].len, 0, NULL,
							    &p.g),
				 "read_and_clear_dirty %s", r[i].what);
	}
	pop_fini(&p);
}

void xs_err_range_output(int mode)
{
	struct pop p;
	uint64_t va = 3 * XU_1G, oa;
	struct genpt_config cfg = { .format = xu_modes[mode].format,
				    .va_bits = xu_modes[mode].va_bits,
				    .oa_bits = 40,
				    .mem = &genpt_physmem_ops };
	struct genpt_physmem *pm;
	struct genpt *pt;

	pop_init(&p, mode);
	EXPECT_UNCHANGED(&p, -ERANGE, genpt_map(p.t.pt, va, 1ull << 52, XU_4K, XS_RW, &p.g),
			 "oa 2^52");
	EXPECT_UNCHANGED(&p, -ERANGE,
			 genpt_map(p.t.pt, va, (1ull << 52) - XU_4K, 2 * XU_4K, XS_RW, &p.g),
			 "oa range ending past 2^52");
	EXPECT_UNCHANGED(&p, -ERANGE, genpt_map(p.t.pt, va, 1ull << 63, XU_2M, XS_RW, &p.g),
			 "oa 2^63");
	cr_assert_eq(genpt_map(p.t.pt, va, (1ull << 52) - XU_4K, XU_4K, XS_RW, NULL), 0);
	cr_assert_eq(xm_map(&p.m, va, (1ull << 52) - XU_4K, XU_4K, XS_RW), 0);
	pop_fini(&p);

	/* a narrower configured output width */
	cr_assert_eq(genpt_physmem_create(TU_PM_BASE, 1ull << 24, &pm), 0);
	cfg.mem_ctx = pm;
	cr_assert_eq(genpt_create(&cfg, &pt), 0);
	cr_assert_eq(genpt_map(pt, 0, 1ull << 40, XU_4K, XS_RW, NULL), -ERANGE);
	cr_assert_eq(genpt_map(pt, 0, (1ull << 40) - XU_4K, 2 * XU_4K, XS_RW, NULL), -ERANGE);
	cr_assert_eq(genpt_iova_to_phys(pt, 0, &oa), -ENOENT);
	cr_assert_eq(genpt_map(pt, 0, (1ull << 40) - XU_4K, XU_4K, XS_RW, NULL), 0);
	cr_assert_eq(genpt_iova_to_phys(pt, 0, &oa), 0);
	cr_assert_eq(oa, (1ull << 40) - XU_4K);
	genpt_destroy(pt);
	genpt_physmem_destroy(pm);
}

/* ---- overlap ------------------------------------------------------------- */

static uint64_t root_span(const struct xu_table *t)
{
	unsigned int s = 12 + 9 * (t->mode->levels - 1);

	return s < 64 ? 1ull << s : 0;
}

static void expect_eexist(struct pop *p, uint64_t iova, uint64_t oa, uint64_t len,
			  const char *what)
{
	struct genpt_gather g;
	struct xu_snap s;
	struct tu_rng rng = { iova };
	uint64_t rs_m1 = root_span(&p->t) - 1;
	int err;

	af_reclaim(p->t.pt, UINT64_MAX, p->t.mode->name, what);
	xu_snap_take(&p->t, &s);
	err = genpt_map(p->t.pt, iova, oa, len, XS_RW, NULL);
	cr_assert_eq(err, -EEXIST, "%s: %s: got %d", p->t.mode->name, what, err);
	/* a failed map may leave the empty tables it added */
	af_reclaim(p->t.pt, af_map_leftover_pages(p->t.pt), p->t.mode->name, what);
	xu_snap_expect_same(&p->t, &s, what);
	xm_check_range(&p->t, &p->m, iova, iova + len - 1, &rng);

	genpt_gather_init(&g);
	err = genpt_map(p->t.pt, iova, oa, len, XS_RW, &g);
	cr_assert_eq(err, -EEXIST, "%s: %s (gather): got %d", p->t.mode->name, what, err);
	if (g.start <= g.last)
		cr_assert(g.start >= (iova & ~rs_m1) && g.last <= ((iova + (len - 1)) | rs_m1),
			  "%s: %s: gather 0x%llx..0x%llx outside the map", p->t.mode->name, what,
			  ULL(g.start), ULL(g.last));
	else
		cr_assert_null(g.freed);
	cr_assert_eq(genpt_gather_release(p->t.pt, &g), 0);
	/* a failed map may leave the empty tables it added */
	af_reclaim(p->t.pt, af_map_leftover_pages(p->t.pt), p->t.mode->name, what);
	xu_snap_expect_same(&p->t, &s, what);
	xm_check_range(&p->t, &p->m, iova, iova + len - 1, &rng);
	xu_snap_free(&s);
}

void xs_err_eexist(int mode)
{
	struct pop p;

	pop_init(&p, mode);
	expect_eexist(&p, p.a, OA0, XU_4K, "same 4K again");
	expect_eexist(&p, p.b, OA0, XU_64K, "same 64K again");
	expect_eexist(&p, p.b + XU_4K * 15, OA0, XU_4K, "4K on the last page of the 64K");
	expect_eexist(&p, p.b - XU_64K, OA0, 2 * XU_64K, "64K ranges, the second one taken");
	expect_eexist(&p, p.b + XU_8K, OA0 + XU_8K, XU_8K, "8K inside the 64K");
	expect_eexist(&p, p.c + 5 * XU_4K, OA0, XU_4K, "4K inside a 2M leaf");
	expect_eexist(&p, p.c + XU_1M, OA0, XU_1M, "1M inside a 2M leaf");
	expect_eexist(&p, p.d + XU_2M, OA0, XU_2M, "2M inside a 1G leaf");
	expect_eexist(&p, XU_1G, OA0, XU_2M, "2M over a table holding a 4K leaf");
	expect_eexist(&p, XU_1G, OA0, XU_1G, "1G over a table holding 4K, 64K and 2M leaves");
	expect_eexist(&p, p.a + XU_4K - (XU_1G / 2 + XU_4K), OA0 + XU_1G / 2 + XU_4K,
		      XU_1G / 2 + XU_4K, "512M+4K ending on the 4K leaf");
	expect_eexist(&p, p.c + 3 * XU_2M, 8 * OA0 + 3 * XU_2M, p.d + XU_4K - (p.c + 3 * XU_2M),
		      "2M leaves up to the first page of the 1G leaf");
	expect_eexist(&p, p.d + XU_1G - XU_4K, OA0, 3 * XU_4K,
		      "3 pages starting on the last page of the 1G leaf");
	expect_eexist(&p, p.c - XU_64K, OA0, XU_2M + 2 * XU_64K, "a range around the 2M leaf");
	expect_eexist(&p, p.l[p.nh - 1] - XU_2M + 1, 4 * OA0, XU_2M,
		      "2M at the top, overlapping its last 4K");
	pop_fini(&p);
}

void xs_err_straddle(int mode)
{
	struct pop p;
	bool amd = xu_modes[mode].fam == XU_FAM_AMDV1;

	pop_init(&p, mode);
	{
		struct range_case c[] = {
			{ p.c + XU_4K, XU_4K, "4K inside a 2M leaf" },
			{ p.c, XU_2M - XU_4K, "start of a 2M leaf" },
			{ p.c + XU_4K, XU_2M - XU_4K, "end of a 2M leaf" },
			{ p.d + XU_2M, XU_2M, "2M inside a 1G leaf" },
			{ XU_1G, p.d + XU_2M - XU_1G, "4K, 64K, 2M, half of 1G" },
			{ p.c + XU_4K, p.d - p.c, "both ends inside leaves" },
			{ p.b, XU_4K, "first page of the 64K run" },
			{ p.b + XU_4K, XU_64K - XU_4K, "rest of the 64K run" },
			{ p.b + XU_64K - XU_4K, XU_4K, "last page of the 64K run" },
			{ p.b + XU_4K, p.d + XU_1G - (p.b + XU_4K), "half of 64K, 2M, 1G" },
		};
		/* the last four only straddle where 64K is one leaf (AMD v1) */
		size_t n = sizeof(c) / sizeof(c[0]) - (amd ? 0 : 4);

		for (size_t i = 0; i < n; i++) {
			uint64_t u = 0;

			cr_assert_eq(xm_unmap(&p.m, c[i].iova, c[i].len, &u), -EINVAL,
				     "model disagrees on %s", c[i].what);
			EXPECT_UNCHANGED(&p, -EINVAL, genpt_unmap(p.t.pt, c[i].iova, c[i].len, &p.g, &u),
					 "unmap %s", c[i].what);
			EXPECT_UNCHANGED(&p, -EINVAL, genpt_unmap(p.t.pt, c[i].iova, c[i].len, NULL, NULL),
					 "unmap %s, NULL gather", c[i].what);
		}
	}
	pop_fini(&p);
}

/* ---- ENOMEM -------------------------------------------------------------- */

static long enomem_sweep(struct xu_table *t, uint64_t iova, uint64_t oa, uint64_t len,
			 bool gather)
{
	struct xu_snap s;
	struct tu_rng rng = { 99 };
	long n;

	/* each failed attempt may leave empty tables it added: reclaimed
	 * (bounded) before the comparison, so every attempt starts alike */
	af_reclaim(t->pt, UINT64_MAX, t->mode->name, "before the sweep");
	xu_snap_take(t, &s);
	for (n = 0;; n++) {
		struct genpt_gather g;
		long allocs = t->cnt.allocs, failed = t->cnt.failed;
		char what[64];
		uint64_t o;
		int err;

		cr_assert_lt(n, 64, "map never succeeds");
		genpt_gather_init(&g);
		t->cnt.fail_at = allocs + n;
		err = genpt_map(t->pt, iova, oa, len, XS_RW, gather ? &g : NULL);
		t->cnt.fail_at = -1;
		if (err == 0) {
			cr_assert_eq(t->cnt.allocs - allocs, n);
			cr_assert_eq(t->cnt.failed, failed);
			cr_assert_null(g.freed);
			break;
		}
		cr_assert_eq(err, -ENOMEM, "%s: allocation %ld refused: got %d", t->mode->name, n, err);
		cr_assert_eq(t->cnt.failed, failed + 1);
		cr_assert_eq(genpt_gather_release(t->pt, &g), 0);
		snprintf(what, sizeof(what), "ENOMEM at allocation %ld%s", n, gather ? " (gather)" : "");
		af_reclaim(t->pt, af_map_leftover_pages(t->pt), t->mode->name, what);
		xu_snap_expect_same(t, &s, what);
		for (int i = 0; i < 8; i++) {
			uint64_t va = iova + (tu_rand(&rng) % len);

			cr_assert_eq(genpt_iova_to_phys(t->pt, va, &o), -ENOENT, "%s: %s: 0x%llx mapped",
				     t->mode->name, what, ULL(va));
		}
		cr_assert_eq(genpt_iova_to_phys(t->pt, iova, &o), -ENOENT);
		cr_assert_eq(genpt_iova_to_phys(t->pt, iova + len - 1, &o), -ENOENT);
	}
	xu_snap_free(&s);
	return n;
}

static void enomem_case(int mode, bool prepopulate, bool gather)
{
	struct xu_table t;
	struct xm m;
	unsigned int levels = xu_modes[mode].levels;
	uint64_t root_entry = 1ull << (12 + 9 * (levels - 1));
	uint64_t b = 3 * root_entry;
	/* 2 pages, a 2M leaf | a 2M leaf, a 64K range, a 4K page: tables on
	 * both sides of a root entry boundary */
	uint64_t iova = b - XU_2M - 2 * XU_4K;
	uint64_t len = 2 * XU_4K + 2 * XU_2M + XU_64K + XU_4K;
	uint64_t oa = (1ull << 45) + (iova & (XU_1G - 1));
	long want = prepopulate ? (long)levels - 1 : 2 * (long)(levels - 1), got;
	struct tu_rng rng = { 5 };

	xu_table_init(&t, mode, 0, 1ull << 30);
	xm_init(&m, &t);
	if (prepopulate) {
		cr_assert_eq(genpt_map(t.pt, b + 5 * XU_2M, OA0, XU_4K, XS_RW, NULL), 0);
		cr_assert_eq(xm_map(&m, b + 5 * XU_2M, OA0, XU_4K, XS_RW), 0);
		cr_assert_eq(genpt_map(t.pt, b - root_entry + XU_4K, OA0, XU_4K, XS_RW, NULL), 0);
		cr_assert_eq(xm_map(&m, b - root_entry + XU_4K, OA0, XU_4K, XS_RW), 0);
	}
	got = enomem_sweep(&t, iova, oa, len, gather);
	cr_assert_eq(got, want, "%s: the map made %ld allocations, want %ld", t.mode->name, got,
		     want);
	cr_assert_eq(xm_map(&m, iova, oa, len, XS_RW), 0);
	xm_check(&t, &m, &rng);
	cr_assert_eq(genpt_unmap(t.pt, iova, len, NULL, NULL), 0);
	xm_fini(&m);
	xu_table_fini(&t);
}

void xs_err_enomem(int mode)
{
	cr_assert_geq(xu_modes[mode].levels, 2, "test bug");
	enomem_case(mode, false, false);
	enomem_case(mode, false, true);
	enomem_case(mode, true, false);
	enomem_case(mode, true, true);
	{
		struct tu_counter cnt = { .fail_at = 0 };
		struct genpt_config cfg = { .format = xu_modes[mode].format,
					    .va_bits = xu_modes[mode].va_bits,
					    .mem = &tu_counter_ops,
					    .mem_ctx = &cnt };
		struct genpt *pt = (struct genpt *)&cnt;

		cr_assert_eq(genpt_physmem_create(TU_PM_BASE, 1ull << 24, &cnt.pm), 0);
		cr_assert_eq(genpt_create(&cfg, &pt), -ENOMEM);
		cr_assert_eq(pt, (struct genpt *)&cnt, "*out written on failure");
		cr_assert_eq(cnt.live, 0);
		genpt_physmem_destroy(cnt.pm);
	}
}

/* ---- hw_access ----------------------------------------------------------- */

void xs_err_hw_access(int mode)
{
	static const unsigned int bad_access[] = { 0, 4, 5, 0xff, ~0u };
	struct pop p;
	uint64_t oa = 0;
	const uint64_t *holes;
	uint64_t h[11];

	pop_init(&p, mode);
	cr_assert_eq(genpt_set_dirty_tracking(p.t.pt, true), 0);
	cr_assert_eq(genpt_map(p.t.pt, 3 * XU_1G, OA0, XU_4K, XS_RW, NULL), 0);
	cr_assert_eq(xm_map(&p.m, 3 * XU_1G, OA0, XU_4K, XS_RW), 0);
	/* the first walk marks the tables (A): let it happen outside the
	 * snapshots */
	cr_assert_eq(genpt_hw_access(p.t.pt, 3 * XU_1G, GENPT_ACCESS_READ, NULL), 0);
	for (size_t i = 0; i < sizeof(bad_access) / sizeof(bad_access[0]); i++) {
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_hw_access(p.t.pt, 3 * XU_1G, bad_access[i], &oa),
				 "hw_access kind %u", bad_access[i]);
		EXPECT_UNCHANGED(&p, -EINVAL, genpt_hw_access(p.t.pt, p.a, bad_access[i], NULL),
				 "hw_access kind %u, NULL oa", bad_access[i]);
	}
	h[0] = 0;
	h[1] = p.a - XU_4K;
	h[2] = p.a + XU_4K;
	h[3] = p.b - 1;
	h[4] = p.b + XU_64K;
	h[5] = p.c - 1;
	h[6] = p.c + XU_2M;
	h[7] = p.d - XU_4K;
	h[8] = 3 * XU_1G + XU_4K;
	h[9] = p.l[p.nh - 1] - XU_4K;
	h[10] = p.f[p.nh - 1] + XU_1G * 7;
	holes = h;
	for (size_t i = 0; i < 11; i++) {
		EXPECT_UNCHANGED(&p, -ENOENT, genpt_iova_to_phys(p.t.pt, holes[i], &oa),
				 "iova_to_phys hole 0x%llx", ULL(holes[i]));
		for (unsigned int k = GENPT_ACCESS_READ; k <= GENPT_ACCESS_EXEC; k++)
			EXPECT_UNCHANGED(&p, -ENOENT, genpt_hw_access(p.t.pt, holes[i], k, &oa),
					 "hw_access %u hole 0x%llx", k, ULL(holes[i]));
	}
	cr_assert_eq(genpt_unmap(p.t.pt, p.c, XU_2M, NULL, NULL), 0);
	cr_assert_eq(xm_unmap(&p.m, p.c, XU_2M, &oa), 0);
	EXPECT_UNCHANGED(&p, -ENOENT, genpt_iova_to_phys(p.t.pt, p.c + 0x1234, &oa),
			 "iova_to_phys after unmap");
	EXPECT_UNCHANGED(&p, -ENOENT, genpt_hw_access(p.t.pt, p.c + XU_2M - 1, GENPT_ACCESS_WRITE, &oa),
			 "hw_access after unmap");
	/* the read-only 1G leaf: write faults and nothing changes */
	cr_assert_eq(genpt_hw_access(p.t.pt, p.d + 0x5000, GENPT_ACCESS_READ, NULL), 0);
	EXPECT_UNCHANGED(&p, -EACCES, genpt_hw_access(p.t.pt, p.d + 0x5000, GENPT_ACCESS_WRITE, &oa),
			 "hw_access write to read-only");
	pop_fini(&p);
}

/* ---- dirty bitmap validation -------------------------------------------------- */

static void expect_words(const uint64_t *w, size_t n, uint64_t fill, const char *what)
{
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(w[i], fill, "%s: bitmap word %zu = 0x%llx", what, i, ULL(w[i]));
}

static void dirty_validation(int mode, bool tracking)
{
	struct pop p;
	uint64_t words[66];
	const size_t nw = 64;
	const uint64_t fill = 0xa5a5a5a5a5a5a5a5ull;
	struct genpt_dirty_bitmap ok, bm;
	uint64_t q = XU_1G, qlen = 4 * XU_2M;
	char what[96];
	const char *tr = tracking ? "tracking" : "not tracking";

	pop_init(&p, mode);
	if (tracking) {
		cr_assert_eq(genpt_set_dirty_tracking(p.t.pt, true), 0);
		cr_assert_eq(genpt_map(p.t.pt, XU_1G + 3 * XU_2M, OA0, XU_4K, XS_RW, NULL), 0);
		cr_assert_eq(xm_map(&p.m, XU_1G + 3 * XU_2M, OA0, XU_4K, XS_RW), 0);
		cr_assert_eq(genpt_hw_access(p.t.pt, XU_1G + 3 * XU_2M, GENPT_ACCESS_WRITE, NULL), 0);
	}
	ok = (struct genpt_dirty_bitmap){ words, XU_1G, nw * 64 * XU_4K, 12 };
	memset(words, 0, sizeof(words));
	cr_assert_eq(genpt_read_and_clear_dirty(p.t.pt, q, qlen, GENPT_DIRTY_NO_CLEAR, &ok, NULL), 0);
	cr_assert_eq(words[(p.a - XU_1G) / XU_4K / 64] >> ((p.a - XU_1G) / XU_4K % 64) & 1, 1,
		     "control: the dirty 4K leaf is not reported");
	cr_assert_eq(words[(p.c - XU_1G) / XU_4K / 64], ~0ull, "control: 2M leaf not reported");

#define DIRTY_CASE(want, iova, len, flags, bmp, ...)                           \
	do {                                                                   \
		for (size_t i_ = 0; i_ < 66; i_++)                             \
			words[i_] = fill;                                      \
		snprintf(what, sizeof(what), __VA_ARGS__);                     \
		EXPECT_UNCHANGED(&p, want,                                     \
				 genpt_read_and_clear_dirty(p.t.pt, iova, len,   \
							    flags, bmp, &p.g),   \
				 "%s, %s", what, tr);                          \
		expect_words(words, 66, fill, what);                           \
	} while (0)

	DIRTY_CASE(-EINVAL, q - XU_4K, qlen, 0, &ok, "query starts before the bitmap");
	DIRTY_CASE(-EINVAL, q + nw * 64 * XU_4K - qlen + XU_4K, qlen, 0, &ok,
		   "query ends after the bitmap");
	DIRTY_CASE(-EINVAL, q - XU_1G, 3 * XU_1G, 0, &ok, "query around the bitmap");
	bm = ok;
	bm.page_shift = 11;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "page_shift 11");
	bm.page_shift = 64;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "page_shift 64");
	bm = ok;
	bm.iova = XU_1G - 0x800;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "bitmap iova not 4K aligned");
	bm = ok;
	bm.bits = NULL;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "NULL bits");
	bm = ok;
	bm.length = 0;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "bitmap length 0");
	bm = ok;
	bm.iova = 0ull - XU_2M;
	bm.length = XU_1G;
	DIRTY_CASE(-EINVAL, q, qlen, 0, &bm, "bitmap range wraps");
	DIRTY_CASE(-EINVAL, q, qlen, 2, &ok, "flags 0x2");
	DIRTY_CASE(-EINVAL, q, qlen, ~0u, NULL, "flags ~0, NULL bitmap");
	DIRTY_CASE(-EINVAL, q, 0, 0, &ok, "query len 0");
	DIRTY_CASE(-EINVAL, q + 0x10, qlen, 0, &ok, "query iova unaligned");
#undef DIRTY_CASE
	pop_fini(&p);
}

void xs_err_dirty_bitmap(int mode)
{
	dirty_validation(mode, false);
	dirty_validation(mode, true);
}

void xs_err_null(int mode)
{
	struct xu_table t;
	struct genpt_gather g;
	struct genpt_hw_info info;
	uint64_t v = 0, words[4] = { 0 };
	struct genpt_dirty_bitmap bm = { words, 0, 256 * XU_4K, 12 };

	xu_table_init(&t, mode, 0, 1ull << 30);
	cr_assert_eq(genpt_map(t.pt, 0, OA0, XU_4K, XS_RW, NULL), 0);
	genpt_gather_init(&g);
	cr_assert_eq(genpt_iova_to_phys(t.pt, 0, NULL), -EINVAL);
	cr_assert_eq(genpt_hw_info(t.pt, NULL), -EINVAL);
	cr_assert_eq(genpt_table_bytes(t.pt, NULL), -EINVAL);
	cr_assert_eq(genpt_gather_release(t.pt, NULL), -EINVAL);
	cr_assert_eq(genpt_read_and_clear_dirty(NULL, 0, XU_4K, 0, &bm, &g), -EINVAL);
	cr_assert_eq(genpt_hw_access(t.pt, 0, GENPT_ACCESS_READ, NULL), 0);
	cr_assert_eq(genpt_hw_info(t.pt, &info), 0);
	cr_assert_eq(genpt_iova_to_phys(t.pt, 0x10, &v), 0);
	cr_assert_eq(v, OA0 + 0x10);
	cr_assert_gt(g.start, g.last);
	cr_assert_eq(genpt_unmap(t.pt, 0, XU_4K, NULL, NULL), 0);
	xu_table_fini(&t);
}

/* ---- configurations ----------------------------------------------------------- */

static void expect_config(const struct genpt_config *base, int want, unsigned int levels,
			  unsigned int mode, const char *what)
{
	struct tu_counter cnt = { .fail_at = -1 };
	struct genpt_config cfg = *base;
	struct genpt *pt = (struct genpt *)&cnt;
	struct genpt_hw_info info;
	int err;

	cr_assert_eq(genpt_physmem_create(TU_PM_BASE, 1ull << 24, &cnt.pm), 0);
	cfg.mem = &tu_counter_ops;
	cfg.mem_ctx = &cnt;
	err = genpt_create(&cfg, &pt);
	cr_assert_eq(err, want, "create %s: got %d, want %d", what, err, want);
	if (want) {
		cr_assert_eq(pt, (struct genpt *)&cnt, "create %s: *out written", what);
		cr_assert_eq(cnt.allocs, 0, "create %s: allocated", what);
	} else {
		cr_assert_eq(genpt_hw_info(pt, &info), 0);
		cr_assert_eq(info.levels, levels, "create %s: %u levels", what, info.levels);
		cr_assert_eq(info.mode, mode, "create %s: mode %u", what, info.mode);
		cr_assert_eq(info.root_size, 4096u);
		cr_assert_eq(genpt_dirty_tracking(pt), 0);
		genpt_destroy(pt);
		cr_assert_eq(cnt.live, 0);
	}
	genpt_physmem_destroy(cnt.pm);
}

void xs_err_configs(enum xu_family fam)
{
	static const unsigned int bad_oa[] = { 1, 11, 53, 56, 64, 65 };
	static const unsigned int bad_gran[] = { 1, 11, 13, 14, 16, 64 };
	static const uint64_t bad_feat[] = {
		1ull << 3, 1ull << 15, 1ull << 31, 1ull << 32, 1ull << 63,
		GENPT_FEAT_RISCV_GSTAGE, GENPT_FEAT_RISCV_SVNAPOT, GENPT_FEAT_ARMV8_S2,
		GENPT_FEAT_ARMV8_DBM,
	};
	struct genpt_config ok = { 0 }, c;
	unsigned int good_va[8], ngood = 0;
	char what[64];
	int first;
	unsigned int n = xu_family_modes(fam, &first);

	ok.format = xu_modes[first].format;
	for (unsigned int i = 0; i < n; i++)
		good_va[ngood++] = xu_modes[first + i].va_bits;
	/* every va_bits that is not one of the family's */
	for (unsigned int vb = 1; vb <= 70; vb++) {
		bool good = false;

		for (unsigned int i = 0; i < ngood; i++)
			good |= vb == good_va[i];
		c = ok;
		c.va_bits = vb;
		snprintf(what, sizeof(what), "%s va_bits %u", xu_modes[first].name, vb);
		if (good) {
			for (unsigned int i = 0; i < n; i++)
				if (xu_modes[first + i].va_bits == vb)
					expect_config(&c, 0, xu_modes[first + i].levels,
						      xu_modes[first + i].hw_mode, what);
		} else {
			expect_config(&c, -EINVAL, 0, 0, what);
		}
	}
	/* 0: the widest */
	c = ok;
	expect_config(&c, 0, xu_modes[first + n - 1].levels, xu_modes[first + n - 1].hw_mode,
		      "va_bits 0");
	for (size_t i = 0; i < sizeof(bad_oa) / sizeof(bad_oa[0]); i++) {
		c = ok;
		c.oa_bits = bad_oa[i];
		snprintf(what, sizeof(what), "oa_bits %u", bad_oa[i]);
		expect_config(&c, -EINVAL, 0, 0, what);
	}
	c = ok;
	c.oa_bits = 52;
	c.granule_bits = 12;
	expect_config(&c, 0, xu_modes[first + n - 1].levels, xu_modes[first + n - 1].hw_mode,
		      "oa 52, granule 12");
	c.oa_bits = 32;
	expect_config(&c, 0, xu_modes[first + n - 1].levels, xu_modes[first + n - 1].hw_mode,
		      "oa 32");
	for (size_t i = 0; i < sizeof(bad_gran) / sizeof(bad_gran[0]); i++) {
		c = ok;
		c.granule_bits = bad_gran[i];
		snprintf(what, sizeof(what), "granule_bits %u", bad_gran[i]);
		expect_config(&c, -EINVAL, 0, 0, what);
	}
	for (size_t i = 0; i < sizeof(bad_feat) / sizeof(bad_feat[0]); i++) {
		c = ok;
		c.features = bad_feat[i];
		snprintf(what, sizeof(what), "features 0x%llx", ULL(bad_feat[i]));
		expect_config(&c, -EINVAL, 0, 0, what);
	}
	/* another x86 format's feature bit */
	if (fam != XU_FAM_VTDSS) {
		c = ok;
		c.features = GENPT_FEAT_VTDSS_SNP;
		expect_config(&c, -EINVAL, 0, 0, "VT-d feature on another format");
	} else {
		c = ok;
		c.features = GENPT_FEAT_VTDSS_SNP;
		expect_config(&c, 0, 5, 3, "VT-d SNP");
		c.features = GENPT_FEAT_VTDSS_SNP | (1ull << 17);
		expect_config(&c, -EINVAL, 0, 0, "VT-d SNP and an unknown bit");
	}
}
