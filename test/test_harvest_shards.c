// SPDX-License-Identifier: MIT
/*
 * test_harvest_shards.c - genpt_harvest_shards() for every format
 * (test/support/anyfmt), and threads harvesting its shards into one bitmap.
 *
 * The layout (B = the leaf size one level above the granule, 2 MiB with
 * 4 KiB tables; H = the span of a level-2 entry, 1 GiB):
 *   [0, 6B)     granule pages
 *   [6B, 10B)   big leaves (and level-1 runs where 8B..10B allows one)
 *   [10B, 12B)  level-0 contiguous runs where the format has them
 *   [16B, 32B)  level-1 contiguous runs where the format has them
 *   [H, 2H)     one level-2 leaf, where the space has room
 * Checked: the shards cover the range in order, none empty, no leaf or run
 * straddles an edge (genpt_leaf_lookup on both sides), bitmap words are
 * not shared, the work is balanced by content (not by address).  Then
 * hardware writes random pages and NT threads harvest the shards into one
 * bitmap at the same time: it must hold exactly the dirty leaves, and a
 * second pass nothing.  All test binaries run under TSan in the tsan build.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "anyfmt.h"
#include "fmt_open.h"
#include "genpt/hw.h"

#define OA_OFF (1ull << 44)
#define RW (GENPT_READ | GENPT_WRITE)
#define NT 3
#define WRITES 400

struct lay {
	const struct af_fmt *f;
	struct af_prov p;
	struct genpt *pt;
	uint64_t big, gran, huge; /* huge: 0 when there is no room for it */
	uint64_t len;             /* of the whole layout */
};

static uint64_t level0_run(struct genpt *pt)
{
	struct genpt_caps c;
	uint64_t runs;

	cr_assert_eq(genpt_query_caps(NULL, pt, &c), 0);
	runs = c.level_sizes[0] & c.run_sizes;
	return runs ? 1ull << (63 - __builtin_clzll(runs)) : 0;
}

static void lay_map(struct lay *l, uint64_t va, uint64_t len, uint64_t oa)
{
	int err = genpt_map(l->pt, va, oa, len, RW, NULL);

	cr_assert_eq(err, 0, "%s: map 0x%llx: %d", l->f->name, (unsigned long long)va, err);
}

/* The input space below the hole (sign-extended) or all of it. */
static uint64_t space(const struct af_fmt *f)
{
	unsigned int bits = f->sign_extend ? f->va_bits - 1 : f->va_bits;

	return bits >= 64 ? UINT64_MAX : 1ull << bits;
}

static void lay_build(struct lay *l, const struct af_fmt *f, bool tracking)
{
	uint64_t run;

	memset(l, 0, sizeof(*l));
	l->f = f;
	l->big = af_big(f);
	l->gran = af_gran(f);
	cr_assert(fo_open(f, false, &l->p, &l->pt), "%s: not built", f->name);
	if (tracking)
		cr_assert_eq(genpt_set_dirty_tracking(l->pt, true), 0);
	run = level0_run(l->pt);
	/* oa one granule off: plain pages only. */
	lay_map(l, 0, 6 * l->big, OA_OFF + l->gran);
	lay_map(l, 6 * l->big, 4 * l->big, OA_OFF + 6 * l->big);
	lay_map(l, 10 * l->big, 2 * l->big, OA_OFF + 10 * l->big + (run ? run : l->gran));
	lay_map(l, 16 * l->big, 16 * l->big, OA_OFF + 16 * l->big);
	l->len = 32 * l->big;
	l->huge = l->big << (f->gshift - 3);
	if (l->huge <= space(f) / 2 && l->huge >= l->len) {
		lay_map(l, l->huge, l->huge, OA_OFF + l->huge);
		l->len = 2 * l->huge;
	} else {
		l->huge = 0;
	}
}

static void lay_free(struct lay *l)
{
	genpt_destroy(l->pt);
	af_prov_fini(&l->p);
}

/* No leaf or run holds both @edge - 1 and @edge. */
static void expect_clean_edge(struct lay *l, uint64_t edge)
{
	struct genpt_leaf_info in;
	int err = genpt_leaf_lookup(l->pt, edge, &in);

	cr_expect(err == -ENOENT || (!err && in.first == edge),
		  "%s: a leaf straddles the edge 0x%llx", l->f->name, (unsigned long long)edge);
	err = genpt_leaf_lookup(l->pt, edge - 1, &in);
	cr_expect(err == -ENOENT || (!err && in.first + in.size == edge),
		  "%s: a leaf straddles the edge 0x%llx", l->f->name, (unsigned long long)edge);
}

/* The shards cover [iova, iova + len) in order, none empty, clean edges,
 * edges on bitmap words (when @bm). */
static void expect_shards(struct lay *l, uint64_t iova, uint64_t len,
			  const struct genpt_dirty_bitmap *bm,
			  const struct genpt_shard *sh, int n, unsigned int max)
{
	uint64_t at = iova;

	cr_assert(n >= 1 && (unsigned int)n <= max, "%s: %d shards of %u", l->f->name, n, max);
	for (int i = 0; i < n; i++) {
		cr_expect_eq(sh[i].iova, at, "%s: shard %d starts at 0x%llx", l->f->name, i,
			     (unsigned long long)sh[i].iova);
		cr_expect(sh[i].len > 0, "%s: shard %d empty", l->f->name, i);
		at = sh[i].iova + sh[i].len;
		if (i == n - 1)
			break;
		expect_clean_edge(l, at);
		if (bm)
			cr_expect_eq(((at - bm->iova) >> bm->page_shift) % 64, 0,
				     "%s: edge 0x%llx inside a bitmap word", l->f->name,
				     (unsigned long long)at);
	}
	cr_expect_eq(at, iova + len, "%s: the shards end at 0x%llx", l->f->name,
		     (unsigned long long)at);
}

Test(harvest_shards, edges_every_format)
{
	for (unsigned int fi = 0; fi < af_nfmts; fi++) {
		struct lay l;
		struct genpt_shard sh[9];
		uint64_t *bits;
		struct genpt_dirty_bitmap bm;

		lay_build(&l, &af_fmts[fi], false);
		bits = calloc((l.len / l.gran + 63) / 64, 8);
		bm = (struct genpt_dirty_bitmap){ bits, 0, l.len, l.f->gshift };
		for (unsigned int n = 1; n <= 9; n++) {
			int got = genpt_harvest_shards(l.pt, 0, l.len, NULL, sh, n);

			expect_shards(&l, 0, l.len, NULL, sh, got, n);
			got = genpt_harvest_shards(l.pt, 0, l.len, &bm, sh, n);
			expect_shards(&l, 0, l.len, &bm, sh, got, n);
			cr_expect(n < 3 || got >= 2, "%s: %d shards of %u", l.f->name, got, n);
			/* Ranges that start and end inside leaves, hold only
			 * level-1 runs, only big leaves. */
			for (unsigned int r = 0; r < 3; r++) {
				uint64_t va = r == 0 ? 3 * l.gran : r == 1 ? 16 * l.big : 6 * l.big;
				uint64_t len = r == 0 ? l.len - 5 * l.gran : r == 1 ? 16 * l.big : 4 * l.big;

				got = genpt_harvest_shards(l.pt, va, len, NULL, sh, n);
				expect_shards(&l, va, len, NULL, sh, got, n);
			}
		}
		free(bits);
		lay_free(&l);
	}
}

/* Half granule pages, half big leaves: two shards split the work, not the
 * addresses, so the first ends near a quarter; the works add up. */
static void balanced_by_content_on(struct fo_table *t)
{
	const struct af_fmt *f = t->f;
	struct genpt_shard one, sh[4];
	uint64_t big = af_big(f);
	int n;

	cr_assert_eq(genpt_map(t->pt, 0, OA_OFF + af_gran(f), 8 * big, RW, NULL), 0);
	cr_assert_eq(genpt_map(t->pt, 8 * big, OA_OFF + 8 * big, 8 * big, RW, NULL), 0);
	cr_assert_eq(genpt_harvest_shards(t->pt, 0, 16 * big, NULL, &one, 1), 1);
	cr_expect_eq(one.len, 16 * big);
	n = genpt_harvest_shards(t->pt, 0, 16 * big, NULL, sh, 2);
	cr_assert_eq(n, 2, "%s", f->name);
	cr_expect(sh[0].len >= 3 * big && sh[0].len <= 5 * big, "%s: first shard %llu big",
		  f->name, (unsigned long long)(sh[0].len / big));
	cr_expect_eq(sh[0].work + sh[1].work, one.work, "%s", f->name);
	/* Dense and uniform: four equal shards. */
	cr_assert_eq(genpt_map(t->pt, 16 * big, OA_OFF + af_gran(f), 16 * big, RW, NULL), 0);
	n = genpt_harvest_shards(t->pt, 16 * big, 16 * big, NULL, sh, 4);
	cr_assert_eq(n, 4, "%s", f->name);
	for (int i = 0; i < 4; i++)
		cr_expect_eq(sh[i].len, 4 * big, "%s: shard %d", f->name, i);
}

Test(harvest_shards, balanced_by_content)
{
	fo_each(balanced_by_content_on);
}

/* Where no cut may go there are fewer shards: one granule, bitmap words
 * wider than the range, one leaf. */
Test(harvest_shards, fewer_shards)
{
	const struct af_fmt *f = &af_fmts[0];
	struct af_prov p;
	struct genpt *pt;
	struct genpt_shard sh[4];
	uint64_t big = af_big(f), bits[4] = { 0 };
	struct genpt_dirty_bitmap wide = { bits, 0, 64 * big, 2 * f->gshift - 3 } /* one bit per big leaf: a word spans 64 */;

	af_prov_init(&p, false);
	cr_assert_eq(af_create(f, &p, &pt), 0);
	cr_assert_eq(genpt_map(pt, 0, OA_OFF + af_gran(f), 16 * big, RW, NULL), 0);
	cr_assert_eq(genpt_map(pt, 16 * big, OA_OFF + 16 * big, big, RW, NULL), 0);
	cr_expect_eq(genpt_harvest_shards(pt, 0, af_gran(f), NULL, sh, 4), 1);
	cr_expect_eq(genpt_harvest_shards(pt, 0, 16 * big, &wide, sh, 4), 1);
	cr_expect_eq(genpt_harvest_shards(pt, 16 * big, big, NULL, sh, 4), 1);
	cr_expect_eq(genpt_harvest_shards(pt, 0, 16 * big, NULL, sh, 4), 4);
	genpt_destroy(pt);
	af_prov_fini(&p);
}

/* Each error class for @f, and the classes' order whichever arguments are
 * wrong. */
static void expect_errors(const struct af_fmt *f, struct genpt *pt, struct genpt_shard *sh)
{
	uint64_t bits[2] = { 0 }, g = af_gran(f), top = space(f);
	struct genpt_dirty_bitmap bm = { bits, 0, 64 * g, f->gshift };
	struct genpt_dirty_bitmap bad = { NULL, 0, 64 * g, f->gshift };
	uint64_t wrap = UINT64_MAX - g + 1;

	cr_expect_eq(genpt_harvest_shards(NULL, 0, g, NULL, sh, 2), -EINVAL);
	cr_expect_eq(genpt_harvest_shards(pt, 0, g, NULL, NULL, 2), -EINVAL);
	cr_expect_eq(genpt_harvest_shards(pt, 0, g, NULL, sh, 0), -EINVAL);
	cr_expect_eq(genpt_harvest_shards(pt, 0, g, NULL, sh, 65537), -EINVAL);
	cr_expect_eq(genpt_harvest_shards(pt, 0, 0, NULL, sh, 2), -EINVAL);
	cr_expect_eq(genpt_harvest_shards(pt, 1, g, NULL, sh, 2), -EINVAL);
	cr_expect_eq(genpt_harvest_shards(pt, 0, g + 1, NULL, sh, 2), -EINVAL);
	cr_expect_eq(genpt_harvest_shards(pt, 0, g, &bad, sh, 2), -EINVAL);
	cr_expect_eq(genpt_harvest_shards(pt, 64 * g, g, &bm, sh, 2), -EINVAL);
	cr_expect_eq(genpt_harvest_shards(pt, wrap, 2 * g, NULL, sh, 2), -EOVERFLOW);
	cr_expect_eq(genpt_harvest_shards(pt, wrap, 2 * g, NULL, sh, 0), -EINVAL);
	cr_expect_eq(genpt_harvest_shards(pt, wrap, 2 * g, &bm, sh, 2), -EINVAL);
	if (top == UINT64_MAX)
		return; /* a 64-bit space: nothing is out of range */
	cr_expect_eq(genpt_harvest_shards(pt, top - g, 2 * g, NULL, sh, 2), -ERANGE,
		     "%s", f->name);
	cr_expect_eq(genpt_harvest_shards(pt, top - g, 2 * g, &bm, sh, 2), -EINVAL);
	cr_expect_eq(genpt_harvest_shards(pt, top - g, 2 * g, NULL, sh, 0), -EINVAL);
}

/* Every format: the errors, nothing written to the shards, the table as it
 * was (every block the library holds, byte for byte). */
static void errors_every_format_on(struct fo_table *t)
{
	const struct af_fmt *f = t->f;
	struct genpt_shard sh[2], was;
	struct af_snap snap;

	cr_assert_eq(genpt_map(t->pt, 0, OA_OFF, 4 * af_big(f), RW, NULL), 0);
	memset(sh, 0x5a, sizeof(sh));
	was = sh[0];
	af_snap_take(&t->p, t->pt, &snap);
	expect_errors(f, t->pt, sh);
	cr_expect_eq(memcmp(&sh[0], &was, sizeof(was)), 0, "%s: shards written on error",
		     f->name);
	af_snap_expect_same(&t->p, t->pt, &snap, f->name, "genpt_harvest_shards errors");
	af_snap_free(&snap);
	cr_expect_eq(genpt_harvest_shards(t->pt, 0, af_gran(f), NULL, sh, 65536), 1);
}

Test(harvest_shards, errors_every_format)
{
	fo_each(errors_every_format_on);
}

/* ------------------------------------------------ threads harvesting -- */

struct th {
	struct lay *l;
	const struct genpt_dirty_bitmap *bm;
	struct genpt_shard sh;
	int err;
};

static void *th_main(void *arg)
{
	struct th *t = arg;
	struct genpt_gather g;

	genpt_gather_init(&g);
	t->err = genpt_read_and_clear_dirty(t->l->pt, t->sh.iova, t->sh.len, 0, t->bm, &g);
	genpt_gather_release(t->l->pt, &g);
	return NULL;
}

/* Harvest [0, l->len) into @bm: the shards, one thread each. */
static int harvest_threads(struct lay *l, const struct genpt_dirty_bitmap *bm)
{
	struct genpt_shard sh[NT];
	struct th t[NT];
	pthread_t id[NT];
	int n = genpt_harvest_shards(l->pt, 0, l->len, bm, sh, NT);

	cr_assert(n >= 2, "%s: %d shards", l->f->name, n);
	for (int i = 0; i < n; i++) {
		t[i] = (struct th){ .l = l, .bm = bm, .sh = sh[i] };
		cr_assert_eq(pthread_create(&id[i], NULL, th_main, &t[i]), 0);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(id[i], NULL);
		cr_expect_eq(t[i].err, 0, "%s: shard %d: %d", l->f->name, i, t[i].err);
	}
	return n;
}

/* A leaf's bits (all or none set: a leaf is recorded whole). */
static void set_bits(uint64_t *bits, uint64_t first, uint64_t n)
{
	if (bits[first / 64] >> (first % 64) & 1)
		return;
	for (uint64_t b = first; b < first + n; b++)
		bits[b / 64] |= 1ull << (b % 64);
}

/* Hardware writes random mapped pages; @want gets their whole leaves. */
static void write_random(struct lay *l, uint64_t *want, uint64_t seed)
{
	for (unsigned int w = 0; w < WRITES; w++) {
		struct genpt_leaf_info in;
		uint64_t va, oa;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		va = ((seed >> 11) % (l->len / l->gran)) * l->gran;
		if (genpt_leaf_lookup(l->pt, va, &in))
			continue; /* a hole */
		cr_assert_eq(genpt_hw_access(l->pt, va, GENPT_ACCESS_WRITE, &oa), 0);
		set_bits(want, in.first >> l->f->gshift, in.size >> l->f->gshift);
	}
}

Test(harvest_shards, threads_report_exactly_the_dirty_set)
{
	for (unsigned int fi = 0; fi < af_nfmts; fi++) {
		struct lay l;
		size_t words;
		uint64_t *got, *want;
		struct genpt_dirty_bitmap bm;

		if (!af_fmts[fi].dirty)
			continue;
		lay_build(&l, &af_fmts[fi], true);
		words = (l.len / l.gran + 63) / 64;
		got = calloc(words, 8);
		want = calloc(words, 8);
		bm = (struct genpt_dirty_bitmap){ got, 0, l.len, l.f->gshift };
		cr_assert_eq(genpt_read_and_clear_dirty(l.pt, 0, l.len, 0, NULL, NULL), 0);
		for (uint64_t round = 1; round <= 3; round++) {
			write_random(&l, want, round * 977 + fi);
			harvest_threads(&l, &bm);
			cr_expect_eq(memcmp(got, want, words * 8), 0,
				     "%s: round %llu: the threads' bitmap is not the dirty set",
				     l.f->name, (unsigned long long)round);
			memset(got, 0, words * 8);
			memset(want, 0, words * 8);
			harvest_threads(&l, &bm);
			cr_expect_eq(memcmp(got, want, words * 8), 0,
				     "%s: round %llu: a second pass reports pages", l.f->name,
				     (unsigned long long)round);
		}
		free(got);
		free(want);
		lay_free(&l);
	}
}

/* A one-level table (AMD v1 Mode 1, 2 MiB): the cuts go between its own
 * entries, never inside a replicated run, on bitmap words. */
Test(harvest_shards, one_level_table)
{
	struct genpt_config cfg = { .format = GENPT_FMT_AMDV1, .va_bits = 21 };
	struct genpt *pt;
	struct genpt_shard sh[4];
	uint64_t bits[8] = { 0 };
	struct genpt_dirty_bitmap bm = { bits, 0, 2ull << 20, 12 };
	struct genpt_leaf_info in;
	int n;

	cr_assert_eq(genpt_create(&cfg, &pt), 0);
	cr_assert_eq(genpt_map(pt, 0, OA_OFF + 4096, 1ull << 20, RW, NULL), 0);
	/* 64 KiB replicated runs in the upper half. */
	cr_assert_eq(genpt_map(pt, 1ull << 20, OA_OFF + (1ull << 20), 1ull << 20, RW, NULL), 0);
	cr_assert_eq(genpt_leaf_lookup(pt, 1ull << 20, &in), 0);
	n = genpt_harvest_shards(pt, 0, 2ull << 20, &bm, sh, 4);
	cr_expect(n >= 2, "%d shards", n);
	for (int i = 1; i < n; i++) {
		uint64_t edge = sh[i].iova;

		cr_expect_eq(sh[i - 1].iova + sh[i - 1].len, edge);
		cr_expect_eq(edge % (64 * 4096), 0, "edge 0x%llx inside a bitmap word",
			     (unsigned long long)edge);
		cr_assert_eq(genpt_leaf_lookup(pt, edge, &in), 0);
		cr_expect_eq(in.first, edge, "a run straddles 0x%llx", (unsigned long long)edge);
	}
	genpt_destroy(pt);
}
