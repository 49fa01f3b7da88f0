// SPDX-License-Identifier: MIT
/*
 * test_armv8_random.c - randomized map / unmap / translate sequences on ARM
 * VMSAv8-64 tables (every mode of armv8_util.c: both stages, all granules,
 * concatenated roots, one-level tables), checked against the model oracle.
 *
 * Fixed seeds.  Addresses come from a few zones per mode (the bottom and
 * the top of the space, and across a root entry boundary where the space
 * has several), concentrated on hot spots so maps of different sizes
 * overlap often.  Alignments of iova and oa are drawn from the mode's leaf
 * sizes (contiguous runs included), so leaves of every size mix.  Every
 * result (error code, bytes unmapped) must equal the model's; after every
 * operation the touched range is compared leaf by leaf (level, run, size,
 * output address, attribute bits), and everything every 1000 operations;
 * at the end everything is unmapped and only the root may remain.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "anyfmt.h"
#include "armv8_util.h"
#include "genpt/genpt.h"

#define HOTS 8
#define MAX_ZONES 3
#define OA_BASE (1ull << 40)
#define MAX_LEAVES 1024

struct rnd {
	struct arm_table t;
	struct model m;
	struct tu_rng rng;
	struct genpt_gather g;
	bool use_gather;
	uint64_t gran;
	uint64_t zone_size, hot;
	uint64_t zones[MAX_ZONES];
	unsigned int nzones;
	unsigned int shifts[8], nshifts; /* usable alignments, largest first */
	unsigned int max_shift;
	unsigned long maps, eexist, unmaps, einval, unmapped_bytes;
	unsigned long hist[64];
};

static const unsigned int prots[] = {
	GENPT_READ,
	GENPT_WRITE,
	GENPT_READ | GENPT_WRITE,
	GENPT_READ | GENPT_NOEXEC,
	GENPT_READ | GENPT_WRITE | GENPT_NOEXEC | GENPT_CACHE,
	GENPT_READ | GENPT_MMIO | GENPT_NOEXEC,
};

static void setup_zones(struct rnd *r)
{
	uint64_t space = arm_va_last(&r->t) + 1;
	uint64_t root_span = 1ull << arm_lvl_shift(r->t.mode, r->t.mode->levels - 1);
	unsigned int all[8], n = arm_leaf_shifts(&r->t, all);

	r->gran = 1ull << r->t.mode->granule_bits;
	r->zone_size = space / 4 < (64ull << 30) ? space / 4 : 64ull << 30;
	r->hot = r->zone_size / HOTS;
	r->zones[r->nzones++] = 0;
	r->zones[r->nzones++] = space - r->zone_size;
	/* across the middle root entry boundary, when there is room */
	if (space / root_span >= 4 && root_span >= r->zone_size) {
		uint64_t mid = (space / root_span / 2) * root_span;

		r->zones[r->nzones++] = mid - r->zone_size / 2;
	}
	for (unsigned int i = 0; i < n; i++)
		if ((4ull << all[i]) <= r->zone_size)
			r->shifts[r->nshifts++] = all[i];
	r->max_shift = r->shifts[0];
}

/* An alignment: mostly small, every usable leaf size sometimes. */
static uint64_t pick_align(struct rnd *r)
{
	unsigned int k = (unsigned int)tu_rand_below(&r->rng, 2 * r->nshifts + 2);

	if (k >= r->nshifts)
		k = r->nshifts - 1 - (unsigned int)tu_rand_below(&r->rng, r->nshifts < 3 ? r->nshifts : 3);
	return 1ull << r->shifts[k];
}

/* A random range inside a zone near a hot spot; false when it would leave
 * the zone. */
static bool pick_range(struct rnd *r, uint64_t *iova, uint64_t *len)
{
	uint64_t zone = r->zones[tu_rand_below(&r->rng, r->nzones)];
	uint64_t zone_last = zone + (r->zone_size - 1);
	uint64_t a = pick_align(r);
	uint64_t va, n;

	if (a < r->hot) {
		/* the last two hot spots are left to the large alignments */
		va = zone + tu_rand_below(&r->rng, HOTS - 2) * r->hot;
		va = (va + a - 1) & ~(a - 1);
		va += tu_rand_below(&r->rng, r->hot / a < 64 ? r->hot / a : 64) * a;
	} else {
		va = (zone + a - 1) & ~(a - 1);
		va += tu_rand_below(&r->rng, r->zone_size / a) * a;
	}
	if (tu_rand_below(&r->rng, 4) == 0)
		va += tu_rand_below(&r->rng, 16) * r->gran;
	n = (1 + tu_rand_below(&r->rng, 3)) * a;
	if (tu_rand_below(&r->rng, 3) == 0)
		n += tu_rand_below(&r->rng, 32) * r->gran;
	if (va < zone || va > zone_last || n - 1 > zone_last - va)
		return false;
	*iova = va;
	*len = n;
	return true;
}

/* Mostly congruent to iova modulo the largest leaf, else a random
 * alignment. */
static uint64_t pick_oa(struct rnd *r, uint64_t iova)
{
	uint64_t big = 1ull << r->max_shift;
	uint64_t oa = OA_BASE + tu_rand_below(&r->rng, 256) * big;

	if (tu_rand_below(&r->rng, 10) < 7)
		return oa + (iova & (big - 1));
	return oa + (tu_rand_below(&r->rng, big / r->gran) * r->gran & ~(pick_align(r) - 1));
}

static struct genpt_gather *gather_of(struct rnd *r)
{
	return r->use_gather ? &r->g : NULL;
}

static void release_gather(struct rnd *r)
{
	uint64_t tb = arm_table_bytes(&r->t);

	cr_assert_geq(r->t.cnt.live_bytes, tb);
	cr_assert_eq(genpt_gather_release(r->t.pt, &r->g), 0);
	cr_assert_eq(r->t.cnt.live_bytes, tb, "%s: after release %llu bytes held, table_bytes %llu",
		     r->t.name, (unsigned long long)r->t.cnt.live_bytes, (unsigned long long)tb);
}

static void check_around(struct rnd *r, uint64_t iova, uint64_t len)
{
	uint64_t pad = 16 * r->gran;
	uint64_t first = iova >= pad ? iova - pad : 0;
	uint64_t last = iova + (len - 1);

	last = last + pad <= arm_va_last(&r->t) ? last + pad : arm_va_last(&r->t);
	arm_model_check_range(&r->t, &r->m, first, last, &r->rng);
}

static void op_map(struct rnd *r, unsigned long op)
{
	uint64_t iova, len, oa;
	unsigned int prot = prots[tu_rand_below(&r->rng, sizeof(prots) / sizeof(prots[0]))];
	struct tu_snap s;
	bool snap = tu_rand_below(&r->rng, 16) == 0;
	int err, want;

	if (!pick_range(r, &iova, &len))
		return;
	oa = pick_oa(r, iova);
	if (model_leaf_count(&r->m, iova, iova + len - 1, oa, MAX_LEAVES) > MAX_LEAVES)
		return;
	if (snap) {
		if (r->use_gather)
			release_gather(r);
		/* compared after a reclaim: a failed map may leave
		 * empty table pages it added (genpt_map()) */
		af_reclaim(r->t.pt, UINT64_MAX, r->t.name, "before a map");
		arm_snap_take(&r->t, &s);
	}
	err = genpt_map(r->t.pt, iova, oa, len, prot, gather_of(r));
	want = model_map(&r->m, iova, oa, len, prot);
	cr_assert_eq(err, want, "%s op %lu: map 0x%llx+0x%llx -> 0x%llx: %d, model %d",
		     r->t.name, op, (unsigned long long)iova, (unsigned long long)len,
		     (unsigned long long)oa, err, want);
	if (err) {
		r->eexist++;
		if (snap) {
			if (r->use_gather)
				release_gather(r);
			af_reclaim(r->t.pt, af_map_leftover_pages(r->t.pt), r->t.name,
				   "failed map");
			arm_snap_expect_same(&r->t, &s, "failed map");
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
	}
	if (snap)
		tu_snap_free(&s);
	check_around(r, iova, len);
}

static void op_unmap_range(struct rnd *r, uint64_t iova, uint64_t len, unsigned long op)
{
	uint64_t got = 0x5a5a, want_bytes = 0;
	struct tu_snap s;
	bool snap = tu_rand_below(&r->rng, 16) == 0;
	int err, want;

	if (snap)
		arm_snap_take(&r->t, &s);
	err = genpt_unmap(r->t.pt, iova, len, gather_of(r), &got);
	want = model_unmap(&r->m, iova, len, &want_bytes);
	cr_assert_eq(err, want, "%s op %lu: unmap 0x%llx+0x%llx: %d, model %d", r->t.name, op,
		     (unsigned long long)iova, (unsigned long long)len, err, want);
	if (err) {
		r->einval++;
		if (snap)
			arm_snap_expect_same(&r->t, &s, "refused unmap");
	} else {
		cr_assert_eq(got, want_bytes,
			     "%s op %lu: unmap 0x%llx+0x%llx removed 0x%llx bytes, model 0x%llx",
			     r->t.name, op, (unsigned long long)iova, (unsigned long long)len,
			     (unsigned long long)got, (unsigned long long)want_bytes);
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

static uint64_t rand_in_ext(struct rnd *r, const struct model_ext *x)
{
	uint64_t span = x->last - x->iova;

	return x->iova + tu_rand_below(&r->rng, span + 1);
}

/* Whole leaves of one extent, from the leaf at one address to another's. */
static void op_unmap_leaves(struct rnd *r, unsigned long op)
{
	const struct model_ext *x;
	uint64_t a, b, fa, fb;
	unsigned int sa, sb;

	if (!r->m.n)
		return;
	x = &r->m.e[tu_rand_below(&r->rng, r->m.n)];
	a = rand_in_ext(r, x);
	b = tu_rand_below(&r->rng, 2) ? a : rand_in_ext(r, x);
	if (b < a) {
		uint64_t tmp = a;

		a = b;
		b = tmp;
	}
	cr_assert(model_leaf_at(&r->m, a, &fa, &sa));
	cr_assert(model_leaf_at(&r->m, b, &fb, &sb));
	op_unmap_range(r, fa, fb + (1ull << sb) - fa, op);
}

/* Part of a leaf or run, or a range ending inside one: refused. */
static void op_unmap_straddle(struct rnd *r, unsigned long op)
{
	const struct model_ext *x;
	uint64_t va, f, size, pad = 32 * r->gran;
	unsigned int sh;

	if (!r->m.n)
		return;
	x = &r->m.e[tu_rand_below(&r->rng, r->m.n)];
	va = rand_in_ext(r, x);
	cr_assert(model_leaf_at(&r->m, va, &f, &sh));
	size = 1ull << sh;
	if (size == r->gran)
		return;
	switch (tu_rand_below(&r->rng, 3)) {
	case 0:
		op_unmap_range(r, f + (tu_rand_below(&r->rng, size / r->gran - 1) + 1) * r->gran,
			       r->gran, op);
		break;
	case 1:
		if (f >= pad)
			op_unmap_range(r, f - pad, pad + size / 2, op);
		break;
	default:
		if (f + size + pad - 1 <= arm_va_last(&r->t))
			op_unmap_range(r, f + size / 2, size / 2 + pad, op);
		break;
	}
}

static void op_translate(struct rnd *r, unsigned long op)
{
	uint64_t va, oa = 0, want = 0;
	int err, werr;

	if (r->m.n && tu_rand_below(&r->rng, 2))
		va = rand_in_ext(r, &r->m.e[tu_rand_below(&r->rng, r->m.n)]);
	else
		va = r->zones[tu_rand_below(&r->rng, r->nzones)] +
		     tu_rand_below(&r->rng, r->zone_size);
	err = genpt_iova_to_phys(r->t.pt, va, &oa);
	werr = model_translate(&r->m, va, &want);
	cr_assert_eq(err, werr, "%s op %lu: iova_to_phys(0x%llx) = %d, model %d", r->t.name, op,
		     (unsigned long long)va, err, werr);
	if (!err)
		cr_assert_eq(oa, want, "%s op %lu: iova_to_phys(0x%llx) = 0x%llx, model 0x%llx",
			     r->t.name, op, (unsigned long long)va, (unsigned long long)oa,
			     (unsigned long long)want);
}

static void random_run(const struct arm_mode *mode, uint64_t features, uint64_t seed,
		       unsigned long nops)
{
	struct rnd *r = calloc(1, sizeof(*r));
	struct tu_snap s;

	cr_assert_not_null(r);
	r->rng.s = seed;
	arm_table_init(&r->t, mode, features, 1ull << 32);
	arm_model_init(&r->m, &r->t);
	genpt_gather_init(&r->g);
	setup_zones(r);

	for (unsigned long op = 0; op < nops; op++) {
		unsigned int k = (unsigned int)tu_rand_below(&r->rng, 100);

		if (op % 97 == 0)
			r->use_gather = tu_rand_below(&r->rng, 2);
		if (k < 45)
			op_map(r, op);
		else if (k < 70)
			op_unmap_random(r, op);
		else if (k < 82)
			op_unmap_leaves(r, op);
		else if (k < 87)
			op_unmap_straddle(r, op);
		else
			op_translate(r, op);
		if (op % 50 == 49)
			release_gather(r);
		if (op % 1000 == 999)
			arm_model_check(&r->t, &r->m, &r->rng);
	}
	release_gather(r);
	arm_model_check(&r->t, &r->m, &r->rng);

	cr_log_info("%s: %lu maps, %lu -EEXIST, %lu unmaps (%lu bytes), %lu -EINVAL, %zu extents left",
		    r->t.name, r->maps, r->eexist, r->unmaps, r->unmapped_bytes, r->einval, r->m.n);
	for (unsigned int i = 0; i < r->nshifts; i++)
		cr_assert_gt(r->hist[r->shifts[i]], 0, "%s: no leaf of 2^%u mapped", r->t.name,
			     r->shifts[i]);
	cr_assert_gt(r->maps, nops / 10, "%s: only %lu maps succeeded", r->t.name, r->maps);
	cr_assert_gt(r->eexist, nops / 50, "%s: only %lu maps overlapped", r->t.name, r->eexist);
	cr_assert_gt(r->einval, nops / 100, "%s: only %lu unmaps straddled", r->t.name, r->einval);
	cr_assert_gt(r->unmaps, nops / 10);

	/* Unmap everything, zone by zone; only the (empty) root may remain. */
	for (unsigned int z = 0; z < r->nzones; z++) {
		uint64_t got = 0, want = 0;

		cr_assert_eq(model_unmap(&r->m, r->zones[z], r->zone_size, &want), 0);
		cr_assert_eq(genpt_unmap(r->t.pt, r->zones[z], r->zone_size, z & 1 ? &r->g : NULL,
					 &got), 0, "%s: unmap zone 0x%llx", r->t.name,
			     (unsigned long long)r->zones[z]);
		cr_assert_eq(got, want);
	}
	cr_assert_eq(r->m.n, 0);
	/* Each zone's unmap may leave the empty tables it covered in part. */
	af_reclaim(r->t.pt, r->nzones * af_map_leftover_pages(r->t.pt), r->t.name, "zones unmapped");
	cr_assert_eq(arm_table_bytes(&r->t), r->t.root_size);
	release_gather(r);
	cr_assert_eq(r->t.cnt.live, 1, "%s: %ld table blocks left", r->t.name, r->t.cnt.live);
	arm_snap_take(&r->t, &s);
	cr_assert_eq(s.n, 1);
	for (size_t i = 0; i < r->t.root_size / 8; i++)
		cr_assert_eq(s.pages[0].data[i], 0, "%s: root entry %zu left", r->t.name, i);
	tu_snap_free(&s);
	model_fini(&r->m);
	arm_table_fini(&r->t);
	free(r);
}

#define NOPS 3000

static void run_mode(const char *name, uint64_t seed, bool also_plain)
{
	random_run(arm_mode_named(name), ARM_ALL_FEAT, seed, NOPS);
	if (also_plain)
		random_run(arm_mode_named(name), GENPT_FEAT_ARMV8_DBM, seed + 1, NOPS);
}

Test(armv8_random, s1_4k, .timeout = 300)
{
	run_mode("s1-4k-48", 0x448, true);
	run_mode("s1-4k-39", 0x439, false);
	run_mode("s1-4k-30", 0x430, false);
}

Test(armv8_random, s1_16k, .timeout = 300)
{
	run_mode("s1-16k-48", 0x1648, true);
	run_mode("s1-16k-36", 0x1636, false);
}

Test(armv8_random, s1_64k, .timeout = 300)
{
	run_mode("s1-64k-48", 0x6448, true);
	run_mode("s1-64k-42", 0x6442, false);
	run_mode("s1-64k-25", 0x6425, false);
}

Test(armv8_random, s2_4k, .timeout = 300)
{
	run_mode("s2-4k-48", 0x2448, false);
	run_mode("s2-4k-40", 0x2440, true);
	run_mode("s2-4k-34", 0x2434, false);
}

Test(armv8_random, s2_16k, .timeout = 300)
{
	run_mode("s2-16k-48", 0x21648, true);
	run_mode("s2-16k-29", 0x21629, false);
}

Test(armv8_random, s2_64k, .timeout = 300)
{
	run_mode("s2-64k-48", 0x26448, false);
	run_mode("s2-64k-46", 0x26446, true);
}
