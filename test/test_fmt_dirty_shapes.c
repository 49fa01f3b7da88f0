// SPDX-License-Identifier: MIT
/*
 * test_fmt_dirty_shapes.c - one mix of leaves, some dirty, read into
 * bitmaps of every page shift (12, 16, 21, 30) whose base is 3 bitmap
 * pages before the first leaf (not 64-page aligned), with pre-set bits,
 * over queries that start and end inside leaves; on every format and
 * configuration (test/support/dfmt.h) with blocks (left out:
 * armv8/s1-64k-25, armv8/s2-16k-29, amdv1/mode1).
 *
 * The leaves: two of the largest size up to two levels above the granule
 * ("big"), three blocks (one read-only), two runs (pages where the format
 * has none) and three granule pages.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "dsuite.h"

static const unsigned int shifts[] = { 12, 16, 21, 30 };
#define NSHIFTS 4u
#define NLS 10u
#define ND 6u

struct sh {
	struct df_table t;
	struct ds_leaf ls[NLS];
	const struct ds_leaf *dirty[ND];
	uint64_t g, big, lo, hi;
};

/* A bitmap of 2^@ps pages fits below the layout (small spaces). */
static bool ps_fits(const struct sh *s, unsigned int ps)
{
	return (s->lo >> ps) >= 3;
}

/* Three bitmap pages (granules, if larger) before the layout... */
static uint64_t bm_base(const struct sh *s, unsigned int ps)
{
	uint64_t page = 1ull << ps, u = page > s->g ? page : s->g;

	return (s->lo & ~(page - 1)) - 3 * u;
}

/* ...to five after it. */
static uint64_t bm_len(const struct sh *s, unsigned int ps)
{
	uint64_t page = 1ull << ps, u = page > s->g ? page : s->g;

	return (((s->hi + 1) + page - 1) & ~(page - 1)) + 5 * u - bm_base(s, ps);
}

/*
 * The cleaning half: with ps 16, a query from the middle of leaf 0 to
 * the middle of the last reports every dirty leaf's part inside it and
 * cleans every dirty leaf it meets whole, the two it straddles included,
 * so the gather runs from the start of leaf 0 to the end of the last.
 * Their parts outside are carried: NO_CLEAR queries in every bitmap shape
 * report exactly them and keep them, the next cleaning query reports them
 * once, and then nothing is left.
 */
static void clean_and_carry(struct sh *s)
{
	struct df_table *t = &s->t;
	const struct ds_leaf *first = &s->ls[0], *last = &s->ls[NLS - 1];
	uint64_t qf = first->iova + s->big / 2 + s->g, ql = last->iova + s->big / 4 + s->g - 1;
	const struct ds_span ends[2] = { { first->iova, qf - 1 }, { ql + 1, s->hi } };
	const struct ds_q all = ds_whole(bm_base(s, 16), bm_len(s, 16), 16, 0);

	ds_expect_leaves(t, &(struct ds_q){ all.bm_iova, all.bm_len, 16, qf, ql - qf + 1, 0 },
			 s->dirty, ND, first->iova, s->hi, "clean harvest");
	for (unsigned int i = 0; i < NLS; i++)
		ds_check(t, &s->ls[i], 0, "cleaned whole, the straddled ones too");
	for (unsigned int si = 0; si < NSHIFTS; si++) {
		unsigned int ps = shifts[si];
		char w[64];

		if (!ps_fits(s, ps))
			continue;
		snprintf(w, sizeof(w), "ps %u: NO_CLEAR over the carried ends", ps);
		ds_expect_spans(t, &(struct ds_q){ bm_base(s, ps), bm_len(s, ps), ps,
						    s->lo - 2 * s->g, s->hi - s->lo + 1 + 5 * s->g,
						    GENPT_DIRTY_NO_CLEAR },
				ends, 2, 1, 0, w);
	}
	ds_expect_spans(t, &all, ends, 2, 1, 0, "the carried ends");
	ds_expect_spans(t, &all, NULL, 0, 1, 0, "second pass");
}

/* The layout from 16 big leaves up; false without blocks or room. */
static bool layout(struct sh *s)
{
	struct df_table *t = &s->t;
	unsigned int gb = t->caps.granule_bits;
	uint64_t g = df_gran(t), mid = g << (gb - 3), big = mid << (gb - 3), run = 0, r, cur;
	static const unsigned int dirty[ND] = { 0, 2, 5, 6, 8, 9 };

	if (!(t->caps.page_sizes & mid))
		return false;
	if (!(t->caps.page_sizes & big) || big > (1ull << 30))
		big = mid;
	for (unsigned int b = 63; b > gb; b--)
		if (((t->caps.run_sizes >> b) & 1) && df_entry_size(t, 1ull << b) == g)
			run = 1ull << b;
	run = run ? run : g;
	r = 16 * big;
	s->g = g;
	s->big = big;
	s->ls[0] = (struct ds_leaf){ r + big, big, big, DF_RW };
	cur = r + 2 * big;
	s->ls[1] = (struct ds_leaf){ cur, mid, 2 * big, DF_RW };
	s->ls[2] = (struct ds_leaf){ cur + mid, mid, 2 * big + mid, DF_RW };
	s->ls[3] = (struct ds_leaf){ cur + 3 * mid, mid, 2 * big + 3 * mid, DF_RO };
	cur += 8 * mid;
	s->ls[4] = (struct ds_leaf){ cur, run, run, DF_RW };
	s->ls[5] = (struct ds_leaf){ cur + run, run, 2 * run, DF_RW };
	s->ls[6] = (struct ds_leaf){ cur + 3 * run, g, 4 * run, DF_RW };
	s->ls[7] = (struct ds_leaf){ cur + 3 * run + g, g, 4 * run + g, DF_RW };
	s->ls[8] = (struct ds_leaf){ cur + 3 * run + 5 * g, g, 4 * run + 2 * g, DF_RW };
	cur = ((cur + 4 * run + 6 * g + big - 1) & ~(big - 1)) + big;
	s->ls[9] = (struct ds_leaf){ cur, big, 4 * big, DF_RW };
	s->lo = s->ls[0].iova;
	s->hi = ds_last(&s->ls[9]);
	for (unsigned int i = 0; i < ND; i++)
		s->dirty[i] = &s->ls[dirty[i]];
	return !df_half(t) || s->hi < df_half(t);
}

static bool shapes(const struct af_cfg *c)
{
	struct sh *s = calloc(1, sizeof(*s));
	struct df_table *t = &s->t;
	uint64_t q[6][2];

	cr_assert_not_null(s);
	df_init(t, c, 1ull << 30);
	if (!layout(s)) {
		df_fini(t);
		free(s);
		return false;
	}
	q[0][0] = s->lo - 2 * s->g, q[0][1] = s->hi + 3 * s->g;           /* everything */
	q[1][0] = s->lo + 3 * s->g, q[1][1] = s->ls[2].iova + s->ls[2].size / 2 - 1;
	q[2][0] = s->lo + s->big / 2 + 7 * s->g, q[2][1] = q[2][0] + s->g - 1; /* inside 0 */
	q[3][0] = s->ls[5].iova + (s->ls[5].size > s->g ? 3 * s->g : 0);  /* a run .. pages */
	q[3][1] = s->ls[8].iova + s->g - 1;
	q[4][0] = s->ls[9].iova + s->g, q[4][1] = s->hi - s->g;          /* inside 9 */
	q[5][0] = s->ls[1].iova, q[5][1] = ds_last(&s->ls[4]);           /* clean ones + 2 */
	ds_set_tracking(t, true);
	for (unsigned int i = 0; i < NLS; i++)
		ds_map(t, &s->ls[i]);
	for (unsigned int i = 0; i < ND; i++)
		ds_hw_write(t, s->dirty[i], ds_write_addr(t, s->dirty[i]));
	for (unsigned int si = 0; si < NSHIFTS; si++) {
		unsigned int ps = shifts[si];

		for (unsigned int k = 0; ps_fits(s, ps) && k < 6; k++) {
			char w[64];

			snprintf(w, sizeof(w), "ps %u query %u", ps, k);
			ds_expect(t, &(struct ds_q){ bm_base(s, ps), bm_len(s, ps), ps, q[k][0],
						      q[k][1] - q[k][0] + 1, GENPT_DIRTY_NO_CLEAR },
				  s->dirty, ND, NULL, w);
		}
	}
	for (unsigned int i = 0; i < ND; i++)
		ds_check(t, s->dirty[i], 1ull << ds_write_member(t, s->dirty[i]),
			 "still dirty after NO_CLEAR");
	clean_and_carry(s);
	df_fini(t);
	free(s);
	return true;
}

Test(fmt_dirty_shapes, bitmap_shapes_every_configuration)
{
	ds_each_cfg(shapes, 7);
}
