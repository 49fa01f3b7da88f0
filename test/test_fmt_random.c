// SPDX-License-Identifier: MIT
/*
 * test_fmt_random.c - randomized map / unmap / translate sequences on every
 * configuration of every format (af_all[], anyfmt.h), checked against the
 * model (model.h) through the format's raw walk and the public lookups.
 *
 * Fixed seeds.  Addresses are drawn from a few zones per configuration
 * (the bottom and top of every half of the space, and across the 512G,
 * 256T and 2^63 boundaries where the space has them), concentrated on hot
 * spots so that maps of different sizes overlap often.  Alignments of iova
 * and oa are drawn independently from the configuration's leaf sizes, so
 * leaves and runs of every size mix.  Every result (error code, bytes
 * unmapped) must equal the model's; after every operation the touched
 * range is compared leaf by leaf; now and then a failed call is checked to
 * leave every table byte as it was; everything is compared every 1000
 * operations; at the end everything is unmapped and only an empty root
 * may remain.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "anyfmt.h"
#include "model.h"
#include "tsan_scale.h"

/* Fewer operations per configuration under TSan (tsan_scale.h). */
#define NOPS TU_BY_TSAN(4000, 1000)

#define HOTS 8
#define MAX_ZONES 10
#define MAX_LEAVES 1024 /* per map, to keep the checks cheap */
#define ULL(x) ((unsigned long long)(x))

struct fr {
	struct af_table t;
	struct model m;
	struct tu_rng rng;
	struct genpt_gather g;
	bool use_gather;
	uint64_t gran, zone_size, hot;
	uint64_t zones[MAX_ZONES];
	unsigned int nzones;
	unsigned int aligns[24], naligns; /* log2, smallest first */
	unsigned long maps, eexist, unmaps, einval;
	unsigned long hist[64]; /* leaves mapped, by log2 size */
};

static const unsigned int fr_prots[] = {
	GENPT_READ,
	GENPT_WRITE,
	GENPT_READ | GENPT_WRITE,
	GENPT_READ | GENPT_NOEXEC,
	GENPT_READ | GENPT_WRITE | GENPT_NOEXEC,
	GENPT_READ | GENPT_WRITE | GENPT_CACHE,
	GENPT_WRITE | GENPT_NOEXEC,
};

static void fr_zone(struct fr *r, uint64_t base)
{
	for (unsigned int i = 0; i < r->nzones; i++)
		if (r->zones[i] == base)
			return;
	cr_assert_lt(r->nzones, MAX_ZONES);
	r->zones[r->nzones++] = base;
}

/* Zones of at most 8 GiB (64 GiB where ARM has 16 GiB runs); alignments:
 * every leaf size up to 1G (ARM: its 16G runs too) that fits a zone four
 * times, the granule and 2M drawn twice as often.  AMD v1 has every power
 * of two: a sample of them. */
static void fr_setup(struct fr *r)
{
	const struct af_cfg *c = r->t.c;
	bool arm = c->fmt->fam == AF_ARMV8;
	uint64_t f[2], l[2];
	unsigned int nh = af_halves(c, f, l), shifts[64], ns;
	unsigned int zl = c->cfg.va_bits - (c->sign_extend ? 1 : 0), cap = arm ? 36 : 33;

	r->gran = 1ull << af_gshift(c);
	r->zone_size = 1ull << (zl > cap ? cap : zl);
	r->hot = r->zone_size / HOTS;
	for (unsigned int h = 0; h < nh; h++) {
		uint64_t size = l[h] - f[h] + 1; /* 0: all of 2^64 */

		fr_zone(r, f[h]);
		fr_zone(r, l[h] - r->zone_size + 1);
		if (h == 0 && (size == 0 || size >= 2 * (1ull << 39)))
			fr_zone(r, (1ull << 39) - r->zone_size / 2);
		if (h == 0 && (size == 0 || size >= 2 * (1ull << 48)))
			fr_zone(r, (1ull << 48) - r->zone_size / 2);
		if (h == 0 && size == 0)
			fr_zone(r, (1ull << 63) - r->zone_size / 2);
	}
	ns = af_leaf_shifts(c, shifts);
	for (unsigned int i = ns; i-- > 0 && r->naligns < 22;) {
		unsigned int s = shifts[i];

		if (s > (arm ? 34u : 30u) || (4ull << s) > r->zone_size)
			continue;
		if (c->fmt->fam == AF_AMDV1 && s > 14 && s != 16 && s != 20 &&
		    s != 21 && s != 25 && s != 30)
			continue;
		r->aligns[r->naligns++] = s;
		if (s == af_gshift(c) || s == 21)
			r->aligns[r->naligns++] = s;
	}
}

/*
 * A random range inside a random zone: a hot spot, an offset that is a
 * multiple of the alignment a, sometimes pushed off alignment by a few
 * granules, and a length of 1..3 a plus sometimes a few granules.  The last
 * two hot spots see only the largest alignment, so its leaves are not
 * always blocked by small ones.  False when it would leave the zone.
 */
static bool fr_range(struct fr *r, uint64_t *iova, uint64_t *len)
{
	uint64_t zone = r->zones[tu_rand_below(&r->rng, r->nzones)];
	uint64_t zone_last = zone + (r->zone_size - 1);
	uint64_t a = 1ull << r->aligns[tu_rand_below(&r->rng, r->naligns)];
	bool biggest = a == 1ull << r->aligns[r->naligns - 1];
	uint64_t va, n;

	if (a < r->hot) {
		va = zone + tu_rand_below(&r->rng, biggest ? HOTS : HOTS - 2) * r->hot;
		va += tu_rand_below(&r->rng, r->hot / a < 64 ? r->hot / a : 64) * a;
	} else {
		va = ((zone + a - 1) & ~(a - 1)) + tu_rand_below(&r->rng, r->zone_size / a) * a;
	}
	if (tu_rand_below(&r->rng, 4) == 0)
		va += tu_rand_below(&r->rng, 16) * r->gran;
	n = (1 + tu_rand_below(&r->rng, biggest ? 2 : 3)) * a;
	if (tu_rand_below(&r->rng, 3) == 0)
		n += tu_rand_below(&r->rng, 32) * r->gran;
	if (n == 0 || va < zone || va > zone_last || n - 1 > zone_last - va)
		return false;
	*iova = va;
	*len = n;
	return true;
}

/* Output addresses congruent to the input modulo 1G mostly (so large
 * leaves are possible; ARM's 16G runs need more), else aligned to a random
 * alignment of the run. */
static uint64_t fr_oa(struct fr *r, uint64_t iova)
{
	uint64_t big = 1ull << r->aligns[r->naligns - 1];
	uint64_t unit = big > (1ull << 30) ? big : 1ull << 30;
	uint64_t oa = (1ull << 40) + tu_rand_below(&r->rng, 256) * unit;
	uint64_t a = 1ull << r->aligns[tu_rand_below(&r->rng, r->naligns)];

	if (tu_rand_below(&r->rng, 10) < 7)
		return oa + (iova & (unit - 1));
	return oa + ((tu_rand_below(&r->rng, unit / r->gran) * r->gran) & ~(a - 1));
}

static struct genpt_gather *fr_gather(struct fr *r)
{
	return r->use_gather ? &r->g : NULL;
}

static uint64_t fr_live_bytes(const struct fr *r)
{
	uint64_t b = 0;

	for (size_t i = 0; i < r->t.prov.n; i++)
		b += r->t.prov.b[i].size;
	return b;
}

/* After a release the provider holds exactly the table. */
static void fr_release(struct fr *r)
{
	uint64_t tb = af_table_bytes(&r->t);

	cr_assert_geq(fr_live_bytes(r), tb);
	cr_assert_eq(genpt_gather_release(r->t.pt, &r->g), 0);
	cr_assert_eq(fr_live_bytes(r), tb, "%s: after release %llu bytes held, table_bytes %llu",
		     r->t.c->name, ULL(fr_live_bytes(r)), ULL(tb));
}

static void fr_around(struct fr *r, uint64_t iova, uint64_t len)
{
	uint64_t m = 1ull << 16 > r->gran ? 1ull << 16 : r->gran;
	uint64_t first = iova >= m ? iova - m : 0;
	uint64_t last = iova + (len - 1);

	last = last <= ~0ull - m ? last + m : ~0ull;
	model_expect_range(&r->t, &r->m, first, last, &r->rng);
}

static void fr_count(struct fr *r, uint64_t iova)
{
	const struct model_ext *x = model_find(&r->m, iova);

	r->maps++;
	for (uint64_t va = iova;;) {
		uint64_t f;
		unsigned int sh;

		model_ext_leaf_at(&r->m, x, va, &f, &sh);
		r->hist[sh]++;
		if (f + ((1ull << sh) - 1) >= x->last)
			break;
		va = f + (1ull << sh);
	}
}

static void fr_map(struct fr *r, unsigned long op)
{
	const char *n = r->t.c->name;
	unsigned int prot = fr_prots[tu_rand_below(&r->rng, sizeof(fr_prots) / sizeof(fr_prots[0]))];
	bool snap = tu_rand_below(&r->rng, 16) == 0;
	uint64_t iova, len, oa;
	struct af_snap s;
	int err, want;

	if (!fr_range(r, &iova, &len))
		return;
	oa = fr_oa(r, iova);
	if (model_leaf_count(&r->m, iova, iova + len - 1, oa, MAX_LEAVES) > MAX_LEAVES)
		return;
	if (snap) {
		/* the failed map may add pages to the gather: start empty */
		if (r->use_gather)
			fr_release(r);
		/* compared after a reclaim: a failed map may leave empty
		 * table pages it added (genpt_map()) */
		af_reclaim(r->t.pt, UINT64_MAX, n, "before a map");
		af_snap_take(&r->t.prov, r->t.pt, &s);
	}
	err = genpt_map(r->t.pt, iova, oa, len, prot, fr_gather(r));
	want = model_map(&r->m, iova, oa, len, prot);
	cr_assert_eq(err, want, "%s op %lu: map 0x%llx+0x%llx -> 0x%llx: %d, model %d",
		     n, op, ULL(iova), ULL(len), ULL(oa), err, want);
	if (err) {
		r->eexist++;
		if (snap) {
			if (r->use_gather)
				fr_release(r);
			af_reclaim(r->t.pt, af_map_leftover_pages(r->t.pt), n, "failed map");
			cr_assert(af_snap_expect_same(&r->t.prov, r->t.pt, &s, n, "failed map"));
		}
	} else {
		fr_count(r, iova);
	}
	if (snap)
		af_snap_free(&s);
	fr_around(r, iova, len);
}

static void fr_unmap_range(struct fr *r, uint64_t iova, uint64_t len, unsigned long op)
{
	const char *n = r->t.c->name;
	uint64_t got = 0x5a5a, want_bytes = 0;
	bool snap = tu_rand_below(&r->rng, 16) == 0;
	struct af_snap s;
	int err, want;

	if (snap)
		af_snap_take(&r->t.prov, r->t.pt, &s);
	err = genpt_unmap(r->t.pt, iova, len, fr_gather(r), &got);
	want = model_unmap(&r->m, iova, len, &want_bytes);
	cr_assert_eq(err, want, "%s op %lu: unmap 0x%llx+0x%llx: %d, model %d", n, op,
		     ULL(iova), ULL(len), err, want);
	if (err) {
		r->einval++;
		cr_assert_eq(got, 0x5a5a, "%s op %lu: refused unmap wrote *unmapped", n, op);
		if (snap)
			cr_assert(af_snap_expect_same(&r->t.prov, r->t.pt, &s, n, "refused unmap"));
	} else {
		cr_assert_eq(got, want_bytes, "%s op %lu: unmap 0x%llx+0x%llx removed 0x%llx, model 0x%llx",
			     n, op, ULL(iova), ULL(len), ULL(got), ULL(want_bytes));
		r->unmaps++;
	}
	if (snap)
		af_snap_free(&s);
	fr_around(r, iova, len);
}

static uint64_t fr_in_ext(struct fr *r, const struct model_ext *x)
{
	uint64_t span = x->last - x->iova;

	return x->iova + tu_rand_below(&r->rng, span + 1 ? span + 1 : ~0ull);
}

/* Unmap whole leaves of one extent: from the leaf at one random address to
 * the leaf at another. */
static void fr_unmap_leaves(struct fr *r, unsigned long op)
{
	const struct model_ext *x;
	uint64_t a, b, fa, fb;
	unsigned int sa, sb;

	if (!r->m.n)
		return;
	x = &r->m.e[tu_rand_below(&r->rng, r->m.n)];
	a = fr_in_ext(r, x);
	b = tu_rand_below(&r->rng, 2) ? a : fr_in_ext(r, x);
	if (b < a) {
		uint64_t tmp = a;

		a = b;
		b = tmp;
	}
	cr_assert(model_leaf_at(&r->m, a, &fa, &sa));
	cr_assert(model_leaf_at(&r->m, b, &fb, &sb));
	fr_unmap_range(r, fa, fb + (1ull << sb) - fa, op);
}

/* [first, last] lies in one half of the input space. */
static bool fr_in_space(const struct fr *r, uint64_t first, uint64_t last)
{
	return first <= last && af_va_valid(r->t.c, first) && af_va_valid(r->t.c, last) &&
	       (first >> 63) == (last >> 63);
}

/* Unmap part of a leaf (or run), or a range that ends inside one: must be
 * refused. */
static void fr_unmap_straddle(struct fr *r, unsigned long op)
{
	const struct model_ext *x;
	uint64_t va, f, size, g = r->gran;
	unsigned int sh;

	if (!r->m.n)
		return;
	x = &r->m.e[tu_rand_below(&r->rng, r->m.n)];
	va = fr_in_ext(r, x);
	cr_assert(model_leaf_at(&r->m, va, &f, &sh));
	if (1ull << sh == g)
		return;
	size = 1ull << sh;
	switch (tu_rand_below(&r->rng, 3)) {
	case 0: /* a granule inside */
		fr_unmap_range(r, f + (tu_rand_below(&r->rng, size / g - 1) + 1) * g, g, op);
		break;
	case 1: /* from before the leaf to its middle */
		if (f >= g && fr_in_space(r, f - g, f + size / 2 - 1))
			fr_unmap_range(r, f - g, g + size / 2, op);
		break;
	default: /* from its middle to past its end */
		if (f + size <= ~0ull - g && fr_in_space(r, f + size / 2, f + size + g - 1))
			fr_unmap_range(r, f + size / 2, size / 2 + g, op);
		break;
	}
}

static void fr_translate(struct fr *r, unsigned long op)
{
	uint64_t zone = r->zones[tu_rand_below(&r->rng, r->nzones)];
	uint64_t va, oa = 0, want = 0;
	int err, werr;

	if (r->m.n && tu_rand_below(&r->rng, 2))
		va = fr_in_ext(r, &r->m.e[tu_rand_below(&r->rng, r->m.n)]);
	else
		va = zone + tu_rand_below(&r->rng, r->zone_size);
	err = genpt_iova_to_phys(r->t.pt, va, &oa);
	werr = model_translate(&r->m, va, &want);
	cr_assert_eq(err, werr, "%s op %lu: iova_to_phys(0x%llx) = %d, model %d",
		     r->t.c->name, op, ULL(va), err, werr);
	if (!err)
		cr_assert_eq(oa, want, "%s op %lu: iova_to_phys(0x%llx) = 0x%llx, model 0x%llx",
			     r->t.c->name, op, ULL(va), ULL(oa), ULL(want));
	model_expect_va(&r->t, &r->m, va);
}

static void fr_ops(struct fr *r, unsigned long nops)
{
	for (unsigned long op = 0; op < nops; op++) {
		unsigned int k = (unsigned int)tu_rand_below(&r->rng, 100);
		uint64_t iova, len;

		if (op % 97 == 0)
			r->use_gather = tu_rand_below(&r->rng, 2);
		if (k < 45)
			fr_map(r, op);
		else if (k < 70 && fr_range(r, &iova, &len))
			fr_unmap_range(r, iova, len, op);
		else if (k >= 70 && k < 82)
			fr_unmap_leaves(r, op);
		else if (k >= 82 && k < 87)
			fr_unmap_straddle(r, op);
		else if (k >= 87)
			fr_translate(r, op);
		if (op % 50 == 49)
			fr_release(r);
		if (op % 1000 == 999)
			model_expect(&r->t, &r->m, &r->rng);
	}
	fr_release(r);
	model_expect(&r->t, &r->m, &r->rng);
}

/* The run did what it is meant to do: maps, overlaps, refused unmaps,
 * and leaves of every size it aimed at. */
static void fr_expect_coverage(const struct fr *r, unsigned long nops)
{
	const char *n = r->t.c->name;

	cr_log_info("%s: %lu maps, %lu -EEXIST, %lu unmaps, %lu -EINVAL, %zu extents left",
		    n, r->maps, r->eexist, r->unmaps, r->einval, r->m.n);
	cr_assert_gt(r->maps, nops / 10, "%s: only %lu maps succeeded", n, r->maps);
	cr_assert_gt(r->eexist, nops / 50, "%s: only %lu maps overlapped", n, r->eexist);
	cr_assert_gt(r->einval, nops / 200, "%s: only %lu unmaps straddled", n, r->einval);
	cr_assert_gt(r->unmaps, nops / 10, "%s: only %lu unmaps", n, r->unmaps);
	for (unsigned int i = 0; i < r->naligns; i++)
		cr_assert_gt(r->hist[r->aligns[i]], 0, "%s: no 2^%u leaf was mapped", n,
			     r->aligns[i]);
}

/* Unmap everything, zone by zone; only an empty root may remain. */
static void fr_unmap_all(struct fr *r)
{
	const char *n = r->t.c->name;
	uint64_t rs = r->t.info.root_size;
	const uint64_t *root;

	for (unsigned int z = 0; z < r->nzones; z++) {
		uint64_t got = 0, want = 0;

		cr_assert_eq(model_unmap(&r->m, r->zones[z], r->zone_size, &want), 0);
		cr_assert_eq(genpt_unmap(r->t.pt, r->zones[z], r->zone_size,
					 z & 1 ? &r->g : NULL, &got), 0,
			     "%s: unmap zone 0x%llx", n, ULL(r->zones[z]));
		cr_assert_eq(got, want, "%s: zone 0x%llx: unmapped 0x%llx, model 0x%llx", n,
			     ULL(r->zones[z]), ULL(got), ULL(want));
	}
	cr_assert_eq(r->m.n, 0);
	/* Each zone's unmap may leave the empty tables it covered in part. */
	af_reclaim(r->t.pt, r->nzones * af_map_leftover_pages(r->t.pt), n, "zones unmapped");
	cr_assert_eq(af_table_bytes(&r->t), r->t.c->root_size < 4096 ? 4096 : rs,
		     "%s: table_bytes %llu with nothing mapped", n, ULL(af_table_bytes(&r->t)));
	fr_release(r);
	cr_assert_eq(r->t.prov.n, 1, "%s: %zu provider blocks left, want the root", n,
		     r->t.prov.n);
	root = af_ptr(&r->t, r->t.info.root_pa);
	for (size_t i = 0; i < rs / 8; i++)
		cr_assert_eq(root[i], 0, "%s: root entry %zu left: 0x%llx", n, i, ULL(root[i]));
}

static void fr_run(const struct af_cfg *c, uint64_t extra, uint64_t seed, unsigned long nops)
{
	struct fr *r = calloc(1, sizeof(*r));

	cr_assert_not_null(r);
	r->rng.s = seed;
	af_table_init(&r->t, c, extra, 1ull << 32);
	model_init_cfg(&r->m, c);
	genpt_gather_init(&r->g);
	fr_setup(r);
	fr_ops(r, nops);
	fr_expect_coverage(r, nops);
	fr_unmap_all(r);
	model_fini(&r->m);
	af_table_fini(&r->t);
	free(r);
}

/* Every configuration of @fam, each with its own seed. */
static void fr_family(enum af_family fam, uint64_t extra)
{
	for (AF_EACH(c))
		if (c->fmt->fam == fam)
			fr_run(c, c->fmt->fam == AF_VTDSS ? extra : 0,
			       0x5eed0000u + (uint64_t)(c - af_all), NOPS);
}

Test(fmt_random, riscv, .timeout = 600) { fr_family(AF_RISCV, 0); }
Test(fmt_random, armv8, .timeout = 600) { fr_family(AF_ARMV8, 0); }
Test(fmt_random, x86_64, .timeout = 600) { fr_family(AF_X86_64, 0); }
Test(fmt_random, vtdss_snoop_control, .timeout = 600) { fr_family(AF_VTDSS, GENPT_FEAT_VTDSS_SNP); }
Test(fmt_random, amdv1, .timeout = 600) { fr_family(AF_AMDV1, 0); }

/* RISC-V with Svpbmt: the memory type bits on every leaf. */
Test(fmt_random, riscv_svpbmt)
{
	fr_run(af_cfg_named("riscv/sv57+napot"), GENPT_FEAT_RISCV_SVPBMT, 0x570, NOPS);
	fr_run(af_cfg_named("riscv/sv48x4+napot"), GENPT_FEAT_RISCV_SVPBMT, 0x5740, NOPS);
}
