// SPDX-License-Identifier: MIT
/*
 * test_random.c - randomized map / unmap / translate sequences on RISC-V
 * tables, checked against the model oracle (test/support/model.h).
 *
 * Fixed seeds.  Addresses are drawn from a few 8 GiB zones per mode (the
 * bottom and top of every half of the space, and across 512G / 256T
 * boundaries where the space has them), concentrated on hot spots so that
 * maps of different sizes overlap often.  Leaf alignments of iova and oa
 * are drawn independently from 4K..1G, so leaves of every size mix, with
 * Svnapot runs in half the runs.  Every result (error code, bytes
 * unmapped) must equal the model's; after every operation the touched
 * range is compared leaf by leaf (level, size, output address, R/W/X);
 * everything is compared every 1000 operations; at the end everything is
 * unmapped and only the root may remain.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "anyfmt.h"
#include "genpt/genpt.h"
#include "model.h"
#include "testutil.h"

#define ZONE (8ull << 30)
#define HOTS 8 /* 1G hot spots per zone */
#define MAX_ZONES 8
#define OA_BASE (1ull << 40)
#define MAX_LEAVES 1024 /* per map, to keep the checks cheap */

struct rnd {
	struct tu_table t;
	struct model m;
	struct tu_rng rng;
	struct genpt_gather g;
	bool use_gather;
	uint64_t zones[MAX_ZONES];
	unsigned int nzones;
	/* counts, for a sanity check that the run exercised every path */
	unsigned long maps, eexist, unmaps, einval, unmapped_bytes, napot_maps;
	unsigned long hist[64]; /* leaves mapped, by log2 size */
};

static const unsigned int prots[] = {
	GENPT_READ,
	GENPT_WRITE,
	GENPT_READ | GENPT_WRITE,
	GENPT_READ | GENPT_NOEXEC,
	GENPT_READ | GENPT_WRITE | GENPT_NOEXEC,
};

static void add_zone(struct rnd *r, uint64_t base)
{
	for (unsigned int i = 0; i < r->nzones; i++)
		cr_assert_neq(r->zones[i], base);
	cr_assert_lt(r->nzones, MAX_ZONES);
	r->zones[r->nzones++] = base;
}

static void pick_zones(struct rnd *r)
{
	uint64_t f[2], l[2];
	unsigned int nh = tu_halves(&r->t, f, l);

	for (unsigned int h = 0; h < nh; h++) {
		uint64_t size = l[h] - f[h] + 1;

		add_zone(r, f[h]);
		add_zone(r, l[h] - ZONE + 1);
		/* across a 512G (level-3 entry) and a 256T (level-4 entry)
		 * boundary where the half is big enough */
		if (h == 0 && size >= 2 * TU_512G)
			add_zone(r, TU_512G - ZONE / 2);
		if (h == 0 && size >= 2 * TU_256T)
			add_zone(r, TU_256T - ZONE / 2);
	}
}

static uint64_t pick_align(struct rnd *r)
{
	static const uint64_t aligns[] = { TU_4K, TU_4K, TU_64K, TU_64K, TU_2M,
					   TU_2M, TU_1G };

	return aligns[tu_rand_below(&r->rng, sizeof(aligns) / sizeof(aligns[0]))];
}

/*
 * A random range inside a random zone: a hot spot, an offset that is a
 * multiple of the alignment a (within 64 a of the spot), sometimes pushed
 * off alignment by a few pages, and a length of 1..3 a plus sometimes a
 * few pages.  False when it would leave the zone.
 */
static bool pick_range(struct rnd *r, uint64_t *iova, uint64_t *len)
{
	uint64_t zone = r->zones[tu_rand_below(&r->rng, r->nzones)];
	uint64_t zone_last = zone + (ZONE - 1);
	uint64_t a = pick_align(r);
	/* the last two hot spots see only 1G-aligned ranges, so 1G leaves
	 * are not always blocked by small ones */
	uint64_t va = zone + tu_rand_below(&r->rng, a == TU_1G ? HOTS : HOTS - 2) * TU_1G;
	uint64_t n;

	if (a < TU_1G)
		va += tu_rand_below(&r->rng, 64) * a;
	if (tu_rand_below(&r->rng, 4) == 0)
		va += tu_rand_below(&r->rng, 16) * TU_4K;
	n = (1 + tu_rand_below(&r->rng, a == TU_1G ? 2 : 3)) * a;
	if (tu_rand_below(&r->rng, 3) == 0)
		n += tu_rand_below(&r->rng, 32) * TU_4K;
	if (n == 0 || va < zone || n - 1 > zone_last - va)
		return false;
	*iova = va;
	*len = n;
	return true;
}

/* An output address for iova: mostly congruent to iova modulo 1G (so
 * large leaves are possible), else aligned to a random smaller size. */
static uint64_t pick_oa(struct rnd *r, uint64_t iova)
{
	uint64_t oa = OA_BASE + tu_rand_below(&r->rng, 1024) * TU_1G;

	if (tu_rand_below(&r->rng, 10) < 7)
		return oa + (iova & (TU_1G - 1));
	return oa + (tu_rand_below(&r->rng, TU_1G / TU_4K) * TU_4K &
		     ~(pick_align(r) - 1));
}

static struct genpt_gather *gather_of(struct rnd *r)
{
	return r->use_gather ? &r->g : NULL;
}

static void release_gather(struct rnd *r)
{
	uint64_t tb = tu_table_bytes(&r->t);

	cr_assert_geq(r->t.cnt.live_bytes, tb);
	cr_assert_eq(genpt_gather_release(r->t.pt, &r->g), 0);
	cr_assert_eq(r->t.cnt.live_bytes, tb,
		     "%s: after release the provider holds %llu bytes, table_bytes %llu",
		     r->t.mode->name, (unsigned long long)r->t.cnt.live_bytes,
		     (unsigned long long)tb);
}

static void check_around(struct rnd *r, uint64_t iova, uint64_t len)
{
	uint64_t first = iova >= TU_64K ? iova - TU_64K : 0;
	uint64_t last = iova + (len - 1);

	last = last <= ~0ull - TU_64K ? last + TU_64K : ~0ull;
	model_check_range(&r->t, &r->m, first, last, &r->rng);
}

static void op_map(struct rnd *r, unsigned long op)
{
	uint64_t iova, len, oa;
	unsigned int prot = prots[tu_rand_below(&r->rng, 5)];
	struct tu_snap s;
	bool snap = tu_rand_below(&r->rng, 16) == 0;
	int err, want;

	if (!pick_range(r, &iova, &len))
		return;
	oa = pick_oa(r, iova);
	if (model_leaf_count(&r->m, iova, iova + len - 1, oa, MAX_LEAVES) > MAX_LEAVES)
		return;
	if (snap) {
		/* the failed map may add pages to the gather: start empty */
		if (r->use_gather)
			release_gather(r);
		/* compared after a reclaim: a failed map may leave
		 * empty table pages it added (genpt_map()) */
		af_reclaim(r->t.pt, UINT64_MAX, r->t.mode->name, "before a map");
		tu_snap_take(&r->t, &s);
	}
	err = genpt_map(r->t.pt, iova, oa, len, prot, gather_of(r));
	want = model_map(&r->m, iova, oa, len, prot);
	cr_assert_eq(err, want,
		     "%s op %lu: map 0x%llx+0x%llx -> 0x%llx: %d, model %d",
		     r->t.mode->name, op, (unsigned long long)iova,
		     (unsigned long long)len, (unsigned long long)oa, err, want);
	if (err) {
		r->eexist++;
		if (snap) {
			if (r->use_gather)
				release_gather(r);
			af_reclaim(r->t.pt, af_map_leftover_pages(r->t.pt), r->t.mode->name,
				   "failed map");
			tu_snap_expect_same(&r->t, &s, "failed map");
		}
	} else {
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
		if ((r->t.features & GENPT_FEAT_RISCV_SVNAPOT) &&
		    !((iova - oa) & (TU_64K - 1)) && len >= TU_64K)
			r->napot_maps++;
	}
	if (snap)
		tu_snap_free(&s);
	check_around(r, iova, len);
}

static void op_unmap_range(struct rnd *r, uint64_t iova, uint64_t len,
			   unsigned long op)
{
	uint64_t got = 0x5a5a, want_bytes = 0;
	struct tu_snap s;
	bool snap = tu_rand_below(&r->rng, 16) == 0;
	int err, want;

	if (snap)
		tu_snap_take(&r->t, &s);
	err = genpt_unmap(r->t.pt, iova, len, gather_of(r), &got);
	want = model_unmap(&r->m, iova, len, &want_bytes);
	cr_assert_eq(err, want, "%s op %lu: unmap 0x%llx+0x%llx: %d, model %d",
		     r->t.mode->name, op, (unsigned long long)iova,
		     (unsigned long long)len, err, want);
	if (err) {
		r->einval++;
		if (snap)
			tu_snap_expect_same(&r->t, &s, "refused unmap");
	} else {
		cr_assert_eq(got, want_bytes,
			     "%s op %lu: unmap 0x%llx+0x%llx removed 0x%llx bytes, model 0x%llx",
			     r->t.mode->name, op, (unsigned long long)iova,
			     (unsigned long long)len, (unsigned long long)got,
			     (unsigned long long)want_bytes);
		r->unmaps++;
		r->unmapped_bytes += got;
	}
	if (snap)
		tu_snap_free(&s);
	check_around(r, iova, len);
}

static void op_unmap_random(struct rnd *r, unsigned long op)
{
	uint64_t iova, len;

	if (pick_range(r, &iova, &len))
		op_unmap_range(r, iova, len, op);
}

/* Unmap whole leaves of one extent: from the leaf at one random address to
 * the leaf at another. */
static void op_unmap_leaves(struct rnd *r, unsigned long op)
{
	const struct model_ext *x;
	uint64_t a, b, fa, fb, span;
	unsigned int sa, sb;

	if (!r->m.n)
		return;
	x = &r->m.e[tu_rand_below(&r->rng, r->m.n)];
	span = x->last - x->iova;
	a = x->iova + tu_rand_below(&r->rng, span + 1 ? span + 1 : ~0ull);
	b = tu_rand_below(&r->rng, 2) ? a :
		x->iova + tu_rand_below(&r->rng, span + 1 ? span + 1 : ~0ull);
	if (b < a) {
		uint64_t tmp = a;

		a = b;
		b = tmp;
	}
	cr_assert(model_leaf_at(&r->m, a, &fa, &sa));
	cr_assert(model_leaf_at(&r->m, b, &fb, &sb));
	op_unmap_range(r, fa, fb + (1ull << sb) - fa, op);
}

/* [first, last] lies in one half of the input space. */
static bool in_space(const struct tu_table *t, uint64_t first, uint64_t last)
{
	uint64_t f[2], l[2];
	unsigned int nh = tu_halves(t, f, l);

	for (unsigned int h = 0; h < nh; h++)
		if (first >= f[h] && first <= last && last <= l[h])
			return true;
	return false;
}

/* Unmap part of a leaf (or NAPOT run), or a range that ends inside one:
 * must be refused. */
static void op_unmap_straddle(struct rnd *r, unsigned long op)
{
	const struct model_ext *x;
	uint64_t va, f, size, span;
	unsigned int sh;

	if (!r->m.n)
		return;
	x = &r->m.e[tu_rand_below(&r->rng, r->m.n)];
	span = x->last - x->iova;
	va = x->iova + tu_rand_below(&r->rng, span + 1 ? span + 1 : ~0ull);
	cr_assert(model_leaf_at(&r->m, va, &f, &sh));
	if (sh == 12)
		return;
	size = 1ull << sh;
	switch (tu_rand_below(&r->rng, 3)) {
	case 0: /* a page inside */
		op_unmap_range(r, f + (tu_rand_below(&r->rng, size / TU_4K - 1) + 1) * TU_4K,
			       TU_4K, op);
		break;
	case 1: /* from before the leaf to its middle */
		if (f >= TU_2M && in_space(&r->t, f - TU_2M, f + size / 2 - 1))
			op_unmap_range(r, f - TU_2M, TU_2M + size / 2, op);
		break;
	default: /* from its middle to past its end */
		if (f + size <= ~0ull - TU_2M &&
		    in_space(&r->t, f + size / 2, f + size + TU_2M - 1))
			op_unmap_range(r, f + size / 2, size / 2 + TU_2M, op);
		break;
	}
}

static void op_translate(struct rnd *r, unsigned long op)
{
	uint64_t zone = r->zones[tu_rand_below(&r->rng, r->nzones)];
	uint64_t va, oa = 0, want = 0;
	int err, werr;

	if (r->m.n && tu_rand_below(&r->rng, 2)) {
		const struct model_ext *x = &r->m.e[tu_rand_below(&r->rng, r->m.n)];
		uint64_t span = x->last - x->iova;

		va = x->iova + tu_rand_below(&r->rng, span + 1 ? span + 1 : ~0ull);
	} else {
		va = zone + tu_rand_below(&r->rng, HOTS) * TU_1G +
		     tu_rand_below(&r->rng, 256 * TU_2M);
	}
	err = genpt_iova_to_phys(r->t.pt, va, &oa);
	werr = model_translate(&r->m, va, &want);
	cr_assert_eq(err, werr, "%s op %lu: iova_to_phys(0x%llx) = %d, model %d",
		     r->t.mode->name, op, (unsigned long long)va, err, werr);
	if (!err)
		cr_assert_eq(oa, want, "%s op %lu: iova_to_phys(0x%llx) = 0x%llx, model 0x%llx",
			     r->t.mode->name, op, (unsigned long long)va,
			     (unsigned long long)oa, (unsigned long long)want);
}

static void random_run(int mode, uint64_t features, uint64_t seed,
		       unsigned long nops)
{
	struct rnd r = { .rng = { seed } };
	uint64_t total = 0;
	struct tu_snap s;

	tu_table_init(&r.t, mode, features, 1ull << 32);
	model_init(&r.m, &r.t);
	genpt_gather_init(&r.g);
	pick_zones(&r);

	for (unsigned long op = 0; op < nops; op++) {
		unsigned int k = (unsigned int)tu_rand_below(&r.rng, 100);

		if (op % 97 == 0)
			r.use_gather = tu_rand_below(&r.rng, 2);
		if (k < 45)
			op_map(&r, op);
		else if (k < 70)
			op_unmap_random(&r, op);
		else if (k < 82)
			op_unmap_leaves(&r, op);
		else if (k < 87)
			op_unmap_straddle(&r, op);
		else
			op_translate(&r, op);
		if (op % 50 == 49)
			release_gather(&r);
		if (op % 1000 == 999)
			model_check(&r.t, &r.m, &r.rng);
	}
	release_gather(&r);
	model_check(&r.t, &r.m, &r.rng);

	/* Leaves of every size were mapped. */
	cr_log_info("%s: leaves mapped: 4K %lu, 64K %lu, 2M %lu, 1G %lu",
		    r.t.mode->name, r.hist[12], r.hist[16], r.hist[21], r.hist[30]);
	cr_assert_gt(r.hist[12], 0);
	cr_assert_gt(r.hist[21], 0);
	cr_assert_gt(r.hist[30], 0);
	cr_assert_eq(r.hist[16] > 0, !!(features & GENPT_FEAT_RISCV_SVNAPOT));
	cr_log_info("%s features 0x%llx: %lu maps (%lu napot-capable), %lu -EEXIST, %lu unmaps (%lu bytes), %lu -EINVAL, %zu extents left",
		    r.t.mode->name, (unsigned long long)features, r.maps, r.napot_maps,
		    r.eexist, r.unmaps, r.unmapped_bytes, r.einval, r.m.n);
	/* The run did what it is meant to do. */
	cr_assert_gt(r.maps, nops / 10, "%s: only %lu maps succeeded", r.t.mode->name,
		     r.maps);
	cr_assert_gt(r.eexist, nops / 50, "%s: only %lu maps overlapped",
		     r.t.mode->name, r.eexist);
	cr_assert_gt(r.einval, nops / 100, "%s: only %lu unmaps straddled",
		     r.t.mode->name, r.einval);
	cr_assert_gt(r.unmaps, nops / 10);
	if (features & GENPT_FEAT_RISCV_SVNAPOT)
		cr_assert_gt(r.napot_maps, nops / 100);

	/* Unmap everything, zone by zone; only the root may remain. */
	for (unsigned int z = 0; z < r.nzones; z++) {
		uint64_t got = 0, want = 0;

		cr_assert_eq(model_unmap(&r.m, r.zones[z], ZONE, &want), 0);
		cr_assert_eq(genpt_unmap(r.t.pt, r.zones[z], ZONE,
					 z & 1 ? &r.g : NULL, &got), 0,
			     "%s: unmap zone 0x%llx", r.t.mode->name,
			     (unsigned long long)r.zones[z]);
		cr_assert_eq(got, want);
		total += got;
	}
	cr_assert_eq(r.m.n, 0);
	/* Each zone's unmap may leave the empty tables it covered in part. */
	af_reclaim(r.t.pt, r.nzones * af_map_leftover_pages(r.t.pt), r.t.mode->name, "zones unmapped");
	cr_assert_eq(tu_table_bytes(&r.t), r.t.root_size,
		     "%s: table_bytes %llu with nothing mapped", r.t.mode->name,
		     (unsigned long long)tu_table_bytes(&r.t));
	release_gather(&r);
	cr_assert_eq(r.t.cnt.live, 1, "%s: %ld table blocks left, want the root",
		     r.t.mode->name, r.t.cnt.live);
	cr_assert_eq(r.t.cnt.live_bytes, r.t.root_size);
	tu_snap_take(&r.t, &s);
	cr_assert_eq(s.n, 1);
	for (size_t i = 0; i < r.t.root_size / 8; i++)
		cr_assert_eq(s.pages[0].data[i], 0, "%s: root entry %zu left: 0x%llx",
			     r.t.mode->name, i, (unsigned long long)s.pages[0].data[i]);
	tu_snap_free(&s);
	(void)total;

	model_fini(&r.m);
	tu_table_fini(&r.t);
}

#define NOPS 4000

Test(random, sv39)
{
	random_run(TU_SV39, 0, 0x39, NOPS);
	random_run(TU_SV39, GENPT_FEAT_RISCV_SVNAPOT, 0x390, NOPS);
}

Test(random, sv48)
{
	random_run(TU_SV48, 0, 0x48, NOPS);
	random_run(TU_SV48, GENPT_FEAT_RISCV_SVNAPOT, 0x480, NOPS);
}

Test(random, sv57)
{
	random_run(TU_SV57, 0, 0x57, NOPS);
	random_run(TU_SV57, GENPT_FEAT_RISCV_SVNAPOT | GENPT_FEAT_RISCV_SVPBMT,
		   0x570, NOPS);
}

Test(random, sv39x4)
{
	random_run(TU_SV39X4, 0, 0x394, NOPS);
	random_run(TU_SV39X4, GENPT_FEAT_RISCV_SVNAPOT, 0x3940, NOPS);
}

Test(random, sv48x4)
{
	random_run(TU_SV48X4, 0, 0x484, NOPS);
	random_run(TU_SV48X4, GENPT_FEAT_RISCV_SVNAPOT, 0x4840, NOPS);
}

Test(random, sv57x4)
{
	random_run(TU_SV57X4, 0, 0x574, NOPS);
	random_run(TU_SV57X4, GENPT_FEAT_RISCV_SVNAPOT | GENPT_FEAT_RISCV_SVPBMT,
		   0x5740, NOPS);
}
