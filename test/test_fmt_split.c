// SPDX-License-Identifier: MIT
/*
 * test_fmt_split.c - genpt_split() and genpt_merge() on every
 * configuration of af_all[]: every leaf size down to every smaller one and
 * back (contiguous runs included), straddling leaves split whole, dirty
 * state carried both ways, what merge refuses (a gap in the output, other
 * attributes), errors and refused memory that change nothing, and
 * hardware writes racing split and merge.  Split mode and its restore:
 * test_fmt_split_restore.c.
 *
 * Leaf sizes and states are read from table memory by the raw decoder
 * (af_lookup), translations by the hardware walk (genpt_hw_access).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "fhw.h"
#include "genpt/hw.h"
#include "testutil.h"

/* Leaves of more than 2^18 pages are not split to pages (memory). */
#define MAX_SPLIT_LOG2 18

/* The largest leaf of @c to split, its position and output address;
 * false when none has room. */
static bool pick_big(const struct af_table *t, unsigned int *shift, uint64_t *iova,
		     uint64_t *oa)
{
	unsigned int shifts[64], n = af_leaf_shifts(t->c, shifts);

	for (unsigned int i = 0; i + 1 < n; i++)
		if (shifts[i] - af_gshift(t->c) <= MAX_SPLIT_LOG2 &&
		    fh_pos(t, shifts[i], iova) && fh_oa(t, shifts[i], oa)) {
			*shift = shifts[i];
			return true;
		}
	return false;
}

/* At 64 spots of [iova, iova + 2^big) (first and last page included) the
 * leaf is 2^@shift and the walk translates linearly to @oa. */
static void expect_leaves(const struct af_table *t, uint64_t iova, uint64_t oa,
			  unsigned int big, unsigned int shift, const char *what)
{
	uint64_t size = 1ull << big, step = size / 64 + (1ull << af_gshift(t->c));

	for (uint64_t off = 0;; off += step) {
		uint64_t at = off < size ? off : size - 8;
		struct af_leaf lf = fh_leaf(t, iova + at, what);

		cr_assert_eq(lf.shift, shift, "%s: %s: 2^%u leaf at %#llx, want 2^%u", t->c->name,
			     what, lf.shift, ULL(iova + at), shift);
		fh_expect_access(t, iova + at, GENPT_ACCESS_READ, 0, oa + at, what);
		if (off >= size)
			break;
	}
}

static uint64_t bytes_of(const struct af_table *t)
{
	return af_table_bytes(t);
}

/* A 2^big leaf split to each smaller size (the range one page in the
 * middle: the straddling leaf splits whole), then merged back to one
 * leaf with the table memory it had. */
Test(fmt_split, every_size_down_and_back)
{
	for (AF_EACH(c)) {
		unsigned int shifts[64], n = af_leaf_shifts(c, shifts), big, big_level;
		uint64_t iova, oa, g = 1ull << af_gshift(c), bytes0;
		struct af_table t;
		char what[64];

		af_table_init(&t, c, 0, 0);
		if (!pick_big(&t, &big, &iova, &oa)) {
			af_table_fini(&t);
			continue;
		}
		fh_map(&t, iova, oa, big, FH_RW);
		bytes0 = bytes_of(&t);
		big_level = fh_leaf(&t, iova, "big").level;
		for (unsigned int i = 0; i < n; i++) {
			struct genpt_gather gt;

			if (shifts[i] >= big)
				continue;
			snprintf(what, sizeof(what), "2^%u split to 2^%u", big, shifts[i]);
			cr_assert_eq(genpt_split(t.pt, iova + (1ull << big) / 2, g, shifts[i], NULL),
				     0, "%s: %s", c->name, what);
			expect_leaves(&t, iova, oa, big, shifts[i], what);
			/* a run re-expressed on its own level takes no table */
			if (fh_leaf(&t, iova, what).level == big_level)
				cr_assert_eq(bytes_of(&t), bytes0, "%s: %s: in place", c->name, what);
			else
				cr_assert_gt(bytes_of(&t), bytes0, "%s: %s: no table", c->name, what);
			genpt_gather_init(&gt);
			cr_assert_eq(genpt_merge(t.pt, iova, 1ull << big, &gt), 0, "%s: %s: merge",
				     c->name, what);
			cr_assert_eq(genpt_gather_release(t.pt, &gt), 0, "%s", c->name);
			expect_leaves(&t, iova, oa, big, big, "merged back");
			cr_assert_eq(bytes_of(&t), bytes0, "%s: %s: merged, table memory back",
				     c->name, what);
		}
		af_table_fini(&t);
	}
}

/* Tracking on: a written leaf's children are all dirty; one written child
 * makes the merged leaf dirty; untouched, the merged leaf stays clean. */
Test(fmt_split, dirty_state_carries_both_ways)
{
	for (AF_EACH(c)) {
		unsigned int big, gs = af_gshift(c);
		uint64_t iova, oa, g = 1ull << gs, size;
		struct af_table t;

		if (!c->dirty)
			continue;
		af_table_init(&t, c, 0, 0);
		if (!pick_big(&t, &big, &iova, &oa)) {
			af_table_fini(&t);
			continue;
		}
		size = 1ull << big;
		cr_assert_eq(genpt_set_dirty_tracking(t.pt, true), 0, "%s", c->name);
		fh_map(&t, iova, oa, big, FH_RW);
		fh_expect_access(&t, iova + 3 * g, GENPT_ACCESS_WRITE, 0, oa + 3 * g, "write");
		cr_assert_eq(genpt_split(t.pt, iova, size, gs, NULL), 0, "%s: split", c->name);
		for (uint64_t off = 0; off < size; off += size / 64 + g)
			cr_assert(fh_leaf(&t, iova + off, "split dirty").dirty,
				  "%s: child at +%#llx of a dirty 2^%u leaf is clean", c->name,
				  ULL(off), big);
		cr_assert_eq(genpt_unmap(t.pt, iova, size, NULL, NULL), 0, "%s", c->name);

		fh_map(&t, iova, oa, big, FH_RW);
		cr_assert_eq(genpt_split(t.pt, iova, size, gs, NULL), 0, "%s: split", c->name);
		cr_assert_eq(genpt_merge(t.pt, iova, size, NULL), 0, "%s: merge", c->name);
		cr_assert(!fh_leaf(&t, iova, "merged clean").dirty, "%s: clean children merged dirty",
			  c->name);
		cr_assert_eq(genpt_split(t.pt, iova, size, gs, NULL), 0, "%s: split", c->name);
		fh_expect_access(&t, iova + size - g, GENPT_ACCESS_WRITE, 0, oa + size - g,
				 "write the last page");
		cr_assert(!fh_leaf(&t, iova, "first page").dirty, "%s: a write dirtied a neighbour",
			  c->name);
		cr_assert_eq(genpt_merge(t.pt, iova, size, NULL), 0, "%s: merge", c->name);
		cr_assert_eq(fh_leaf(&t, iova, "merged").shift, big, "%s: not merged", c->name);
		/* (in a run, the member the write went through) */
		cr_assert(fh_leaf(&t, iova + size - g, "merged").dirty,
			  "%s: a dirty child merged clean", c->name);
		af_table_fini(&t);
	}
}

/* The smallest leaf size above the granule (a run where the format has
 * them), the unit merge forms first. */
static unsigned int next_size(const struct af_cfg *c)
{
	unsigned int shifts[64], n = af_leaf_shifts(c, shifts);

	return n >= 2 ? shifts[n - 2] : 0;
}

/* The leaf entry of the page at @va mapped with @prot, hardware-set bits
 * and the output address aside (a page of @oa either way). */
static uint64_t attr_bits(const struct af_table *t, const struct rawfmt *rf, uint64_t va,
			  uint64_t oa, unsigned int prot)
{
	uint64_t g = 1ull << af_gshift(t->c), e;

	cr_assert_eq(genpt_map(t->pt, va, oa, g, prot, NULL), 0, "%s", t->c->name);
	e = fh_leaf(t, va, "attributes").pte & ~rawfmt_hw_bits(rf);
	cr_assert_eq(genpt_unmap(t->pt, va, g, NULL, NULL), 0, "%s", t->c->name);
	return e;
}

/*
 * Pages of one 2^@s unit mapped read-write, the middle one mapped with
 * @prot to @odd_oa (or not at all, @prot 0): merge leaves the unit in
 * pages when that page differs (in the output address or any attribute
 * bit of its entry); the middle page mapped like the others, it merges.
 */
static void merge_refuses(const struct af_table *t, unsigned int s, uint64_t iova, uint64_t oa,
			  unsigned int prot, uint64_t odd_oa, const char *what)
{
	uint64_t g = 1ull << af_gshift(t->c), odd = iova + (1ull << s) / 2;
	bool same;
	struct rawfmt rf;

	fh_rawfmt(t, &rf);
	same = prot && odd_oa == oa + (odd - iova) &&
	       attr_bits(t, &rf, odd, odd_oa, prot) == attr_bits(t, &rf, odd, odd_oa, FH_RW);
	for (uint64_t o = 0; o < 1ull << s; o += g)
		if (iova + o != odd || prot)
			cr_assert_eq(genpt_map(t->pt, iova + o, iova + o == odd ? odd_oa : oa + o, g,
					       iova + o == odd ? prot : FH_RW, NULL), 0, "%s: %s",
				     t->c->name, what);
	cr_assert_eq(genpt_merge(t->pt, iova, 1ull << s, NULL), 0, "%s: %s: merge", t->c->name,
		     what);
	cr_assert_eq(fh_leaf(t, iova, what).shift == s, same, "%s: %s: %s", t->c->name, what,
		     same ? "equal pages not merged" : "merged");
	if (!same) {
		if (prot)
			cr_assert_eq(genpt_unmap(t->pt, odd, g, NULL, NULL), 0, "%s", t->c->name);
		cr_assert_eq(genpt_map(t->pt, odd, oa + (odd - iova), g, FH_RW, NULL), 0, "%s",
			     t->c->name);
		cr_assert_eq(genpt_merge(t->pt, iova, 1ull << s, NULL), 0, "%s: %s", t->c->name,
			     what);
		cr_assert_eq(fh_leaf(t, odd, what).shift, s, "%s: %s: fixed, not merged",
			     t->c->name, what);
	}
	cr_assert_eq(genpt_unmap(t->pt, iova, 1ull << s, NULL, NULL), 0, "%s", t->c->name);
}

Test(fmt_split, merge_needs_contiguity_and_equal_attributes)
{
	static const unsigned int prots[] = { GENPT_READ, FH_RW | GENPT_NOEXEC,
					      FH_RW | GENPT_MMIO, FH_RW | GENPT_CACHE, FH_RW };

	for (AF_EACH(c)) {
		unsigned int s = next_size(c);
		uint64_t iova, oa, odd_oa;
		struct af_table t;

		af_table_init(&t, c, 0, 0);
		if (s && fh_pos(&t, s, &iova) && fh_oa(&t, s + 1, &oa)) {
			odd_oa = oa + (1ull << s) / 2;
			merge_refuses(&t, s, iova, oa, FH_RW, odd_oa + (1ull << s), "a gap in the output");
			merge_refuses(&t, s, iova, oa, 0, odd_oa, "a page not mapped");
			for (unsigned int i = 0; i < sizeof(prots) / sizeof(prots[0]); i++)
				merge_refuses(&t, s, iova, oa, prots[i], odd_oa, "other attributes");
		}
		af_table_fini(&t);
	}
}

/* Each bad call returns its errno and leaves every table byte and the
 * gather as they were. */
Test(fmt_split, errors_change_nothing)
{
	for (AF_EACH(c)) {
		unsigned int gs = af_gshift(c), big;
		uint64_t g = 1ull << gs, iova, oa, first[2], last[2], empty;
		struct genpt_gather gt, gt0;
		struct af_table t;
		struct af_snap s;

		af_table_init(&t, c, 0, 0);
		af_halves(c, first, last);
		if (!pick_big(&t, &big, &iova, &oa)) {
			af_table_fini(&t);
			continue;
		}
		fh_map(&t, iova, oa, big, FH_RW);
		empty = iova + (2ull << big) < last[0] ? iova + (2ull << big) : iova - (1ull << big);
		af_snap_take(&t.prov, t.pt, &s);
		genpt_gather_init(&gt);
		gt0 = gt;
		/* the table as it was, and the gather untouched */
#define BAD(call, want)                                                                  \
	cr_assert_eq((call), (want), "%s: %s", c->name, #call);                          \
	af_snap_expect_same(&t.prov, t.pt, &s, c->name, #call);                          \
	cr_assert(tu_gather_eq(&gt, &gt0), "%s: %s: gather touched", c->name, #call)
		BAD(genpt_split(NULL, iova, g, gs, &gt), -EINVAL);
		BAD(genpt_split(t.pt, iova + 1, g, gs, &gt), -EINVAL);
		BAD(genpt_split(t.pt, iova + 8, g, gs, &gt), -EINVAL);
		BAD(genpt_split(t.pt, iova, 0, gs, &gt), -EINVAL);
		BAD(genpt_split(t.pt, iova, g + 8, gs, &gt), -EINVAL);
		BAD(genpt_split(t.pt, iova, g, gs - 1, &gt), -EINVAL);
		BAD(genpt_split(t.pt, iova, g, 0, &gt), -EINVAL);
		BAD(genpt_split(t.pt, iova, g, 64, &gt), -EINVAL);
		BAD(genpt_split(t.pt, 0 - g, 2 * g, gs, &gt), -EOVERFLOW);
		BAD(genpt_split(t.pt, empty, g, gs, &gt), -ENOENT);
		BAD(genpt_merge(NULL, iova, g, &gt), -EINVAL);
		BAD(genpt_merge(t.pt, iova + 8, g, &gt), -EINVAL);
		BAD(genpt_merge(t.pt, iova, 0, &gt), -EINVAL);
		BAD(genpt_merge(t.pt, iova, g + 1, &gt), -EINVAL);
		BAD(genpt_merge(t.pt, 0 - g, 2 * g, &gt), -EOVERFLOW);
		BAD(genpt_merge(t.pt, empty, g, &gt), -ENOENT);
		if (!af_va_valid(c, last[0] + 1)) {
			BAD(genpt_split(t.pt, last[0] + 1, g, gs, &gt), -ERANGE);
			BAD(genpt_split(t.pt, last[0] + 1 - g, 2 * g, gs, &gt), -ERANGE);
			BAD(genpt_merge(t.pt, last[0] + 1 - g, 2 * g, &gt), -ERANGE);
		}
#undef BAD
		af_snap_free(&s);
		af_table_fini(&t);
	}
}

/* Splitting three leaves one level up while the provider refuses its
 * Nth allocation, for every N: -ENOMEM and nothing changed, until the
 * split gets all it needs. */
Test(fmt_split, enomem_at_every_allocation)
{
	for (AF_EACH(c)) {
		unsigned int s = af_lvl_shift(c, 1), gs = af_gshift(c);
		uint64_t iova, oa;
		struct af_table t;
		int err = -ENOMEM;

		af_table_init(&t, c, 0, 0);
		if (c->levels < 2 || !(af_page_sizes(c) >> s & 1) || !fh_pos(&t, s + 2, &iova) ||
		    !fh_oa(&t, s + 2, &oa)) {
			af_table_fini(&t);
			continue;
		}
		cr_assert_eq(genpt_map(t.pt, iova, oa, 3ull << s, FH_RW, NULL), 0, "%s", c->name);
		for (long n = 0; err; n++) {
			struct af_snap sn;

			af_snap_take(&t.prov, t.pt, &sn);
			t.prov.fail_at = t.prov.allocs + n;
			err = genpt_split(t.pt, iova, 3ull << s, gs, NULL);
			t.prov.fail_at = -1;
			if (err) {
				cr_assert_eq(err, -ENOMEM, "%s: allocation %ld refused: %d", c->name,
					     n, err);
				af_snap_expect_same(&t.prov, t.pt, &sn, c->name, "refused split");
			}
			af_snap_free(&sn);
		}
		expect_leaves(&t, iova, oa, s, gs, "split after refusals");
		expect_leaves(&t, iova + (2ull << s), oa + (2ull << s), s, gs, "split after refusals");
		af_table_fini(&t);
	}
}

/* ------------------------------------- hardware writes racing the edits -- */

struct racer {
	const struct af_table *t;
	uint64_t base;
	unsigned int pages, seed;
	int stop, bad;
	uint8_t *written;
};

static void *race_writer(void *arg)
{
	struct racer *r = arg;
	uint64_t g = 1ull << af_gshift(r->t->c);
	unsigned int s = r->seed;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		unsigned int p;
		int err;

		s = s * 1103515245u + 12345u;
		p = (s >> 8) % r->pages;
		err = genpt_hw_access(r->t->pt, r->base + p * g, GENPT_ACCESS_WRITE, NULL);
		if (err)
			r->bad = err;
		r->written[p] = 1;
	}
	return NULL;
}

/* Tracking on, two devices write while one level-1 leaf is split and
 * merged over and over: no write faults, no written page ends clean.
 * Replaced tables wait in the gather until the writers stopped (what an
 * IOTLB invalidation's completion guarantees on real hardware). */
Test(fmt_split, hardware_writes_race_split_and_merge, .timeout = 300)
{
	for (AF_EACH(c)) {
		unsigned int s = af_lvl_shift(c, 1), gs = af_gshift(c), mid = next_size(c);
		if (mid >= s)
			mid = gs; /* no run between the granule and level 1 */
		uint64_t base, oa;
		struct racer r[2];
		pthread_t th[2];
		struct genpt_gather g;
		struct af_table t;

		if (!c->dirty || c->levels < 2 || !(af_page_sizes(c) >> s & 1))
			continue;
		af_table_init(&t, c, 0, 0);
		cr_assert(fh_pos(&t, s, &base) && fh_oa(&t, s, &oa), "%s: room", c->name);
		cr_assert_eq(genpt_set_dirty_tracking(t.pt, true), 0, "%s", c->name);
		fh_map(&t, base, oa, s, FH_RW);
		for (unsigned int i = 0; i < 2; i++) {
			r[i] = (struct racer){ &t, base, 1u << (s - gs), 11u + 17u * i, 0, 0,
					       calloc(1u << (s - gs), 1) };
			cr_assert_not_null(r[i].written);
			cr_assert_eq(pthread_create(&th[i], NULL, race_writer, &r[i]), 0);
		}
		genpt_gather_init(&g);
		for (int round = 0; round < 20; round++) {
			cr_assert_eq(genpt_split(t.pt, base, 1ull << s, round % 2 ? gs : mid, &g), 0,
				     "%s: split, round %d", c->name, round);
			if (round < 19)
				cr_assert_eq(genpt_merge(t.pt, base, 1ull << s, &g), 0,
					     "%s: merge, round %d", c->name, round);
		}
		for (unsigned int i = 0; i < 2; i++) {
			__atomic_store_n(&r[i].stop, 1, __ATOMIC_RELEASE);
			cr_assert_eq(pthread_join(th[i], NULL), 0);
			cr_assert_eq(r[i].bad, 0, "%s: a write faulted: %d", c->name, r[i].bad);
		}
		cr_assert_eq(genpt_gather_release(t.pt, &g), 0, "%s", c->name);
		for (unsigned int p = 0; p < 1u << (s - gs); p++)
			cr_assert(!(r[0].written[p] || r[1].written[p]) ||
					  fh_leaf(&t, base + ((uint64_t)p << gs), "raced").dirty,
				  "%s: page %u written but clean", c->name, p);
		free(r[0].written);
		free(r[1].written);
		af_table_fini(&t);
	}
}

/* AMD v1 only: 1T..128T pages are runs on a level without a plain page
 * size (no 512G): a run no larger than the target stays, a larger one is
 * re-expressed in place when a smaller run still fits there. */
Test(fmt_split, amdv1_runs_on_a_level_without_plain_pages)
{
	const struct af_cfg *c = af_cfg_named("amdv1/mode6");
	uint64_t b0, at = 1ull << 44, len = 4ull << 40;
	struct genpt_gather g;
	struct af_table t;

	af_table_init(&t, c, 0, 0);
	cr_assert_eq(genpt_map(t.pt, at, at, len, FH_RW, NULL), 0);
	b0 = bytes_of(&t);
	genpt_gather_init(&g);
	cr_assert_eq(genpt_split(t.pt, at, len, 42, &g), 0);
	cr_assert_eq(bytes_of(&t), b0, "%s: a 4T run is not above 2^42", c->name);
	cr_assert_gt(g.start, g.last, "%s: nothing replaced", c->name);
	cr_assert_eq(genpt_split(t.pt, at, len, 40, &g), 0);
	cr_assert_eq(bytes_of(&t), b0, "%s: 4T -> four 1T runs, in place", c->name);
	cr_assert(g.start == at && g.last == at + len - 1, "%s: gather range", c->name);
	cr_assert_eq(fh_leaf(&t, at + (3ull << 40), "1T run").shift, 40, "%s", c->name);
	fh_expect_access(&t, at + (3ull << 40) + 77, GENPT_ACCESS_READ, 0, at + (3ull << 40) + 77,
			 "1T run");
	cr_assert_eq(genpt_merge(t.pt, at, len, &g), 0, "%s", c->name);
	cr_assert_eq(genpt_gather_release(t.pt, &g), 0, "%s", c->name);
	af_table_fini(&t);
}
