// SPDX-License-Identifier: MIT
/*
 * test_fmt_dirty_partial.c - queries that cover a dirty leaf in part, on
 * every format and configuration (test/support/dfmt.h) and every leaf
 * size from two granules up (blocks, runs, AMD v1 replicated pages).
 *
 * A dirty leaf between two clean ones.  A cleaning query reports the
 * granules of the leaf inside it, cleans the leaf whole (its whole range
 * in the gather) and carries the granules outside, which the next queries
 * over them report once; so a pass of queries of any shape reports every
 * granule once and a second pass nothing.  NO_CLEAR reports and changes
 * nothing; an unmap forgets what was carried.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "dsuite.h"

struct part {
	struct df_table t;
	struct ds_leaf prev, l, next;
	const struct ds_leaf *d[1];
	uint64_t size, g, bm_iova, bm_len;
	struct ds_q q;
};

/* The query [qf, +qlen) into the 4 KiB-page bitmap around the three. */
static const struct ds_q *pq(struct part *p, uint64_t qf, uint64_t qlen, unsigned int flags)
{
	p->q = (struct ds_q){ p->bm_iova, p->bm_len, 12, qf, qlen, flags };
	return &p->q;
}

static const struct ds_q *pall(struct part *p, unsigned int flags)
{
	return pq(p, p->bm_iova, p->bm_len, flags);
}

/* A first cleaning query inside the leaf (or over its first granule when
 * it has only two): the rest is carried, NO_CLEAR shows it and keeps it,
 * single-granule queries report it once. */
static void p_inside(struct part *p)
{
	struct df_table *t = &p->t;
	const struct ds_leaf *l = &p->l;
	uint64_t g = p->g, last = ds_last(l);
	bool inside = p->size > 2 * g;
	const struct ds_span first = { l->iova, l->iova + g - 1 };
	const struct ds_span lastp = { last + 1 - g, last };
	const struct ds_span both[2] = { first, lastp };

	if (inside)
		ds_expect(t, pq(p, l->iova + g, p->size - 2 * g, 0), p->d, 1, l,
			  "inside");
	else
		ds_expect(t, pq(p, l->iova, g, 0), p->d, 1, l, "first granule");
	ds_check(t, l, 0, "cleaned whole by a query over part of it");
	ds_expect_spans(t, pall(p, GENPT_DIRTY_NO_CLEAR), inside ? both : &lastp,
			inside ? 2 : 1, 1, 0, "NO_CLEAR over the carry");
	if (inside)
		ds_expect_spans(t, pq(p, l->iova, g, 0), &first, 1, 1, 0,
				"first granule");
	ds_expect_spans(t, pq(p, last + 1 - g, g, 0), &lastp, 1, 1, 0,
			"last granule");
	ds_expect(t, pall(p, 0), NULL, 0, NULL, "carry reported once");
}

/* A query straddling the start, then one straddling the end. */
static void p_straddles(struct part *p)
{
	struct df_table *t = &p->t;
	const struct ds_leaf *l = &p->l;
	const struct ds_span rest = { l->iova + p->size / 2, ds_last(l) };

	ds_hw_write(t, l, ds_write_addr(t, l));
	ds_expect(t, pq(p, p->prev.iova + p->g, p->size - p->g + p->size / 2, 0),
		  p->d, 1, l, "straddles start");
	ds_check(t, l, 0, "after straddles start");
	ds_expect_spans(t, pq(p, l->iova + p->g, p->size + 3 * p->g, 0), &rest, 1,
			1, 0, "straddles end");
	ds_check(t, &p->prev, 0, "prev never dirty");
}

/* Coarse bitmap pages: the partial ones at both ends of a query are set,
 * and the carried ends set theirs on the next query. */
static void p_coarse(struct part *p, unsigned int shift)
{
	struct df_table *t = &p->t;
	const struct ds_leaf *l = &p->l;
	unsigned int bps = shift >= 21 ? shift - 9 : 12;
	uint64_t big = 1ull << bps, cb_iova = l->iova - 3 * big, cb_len = p->size + 8 * big;
	uint64_t qf = l->iova + big + p->g, qlen = p->size - 2 * big - 2 * p->g;
	const struct ds_span ends[2] = { { l->iova, qf - 1 }, { qf + qlen, ds_last(l) } };
	const struct ds_q all = ds_whole(cb_iova, cb_len, bps, 0);

	if (p->size < 8 * big || big < p->g)
		return;
	ds_hw_write(t, l, ds_write_addr(t, l));
	ds_expect(t, &(struct ds_q){ cb_iova, cb_len, bps, qf, qlen, 0 }, p->d, 1, l,
		  "coarse bitmap");
	ds_check(t, l, 0, "after coarse bitmap");
	ds_expect_spans(t, &(struct ds_q){ cb_iova, cb_len, bps, l->iova, p->size, 0 }, ends, 2, 1,
			0, "coarse bitmap, carried ends");
	ds_expect(t, &all, NULL, 0, NULL, "coarse bitmap, all reported");
}

/* NO_CLEAR keeps the leaf dirty; a dirty neighbour met in part by the
 * next query is cleaned whole too, its rest carried; a pass in halves. */
static void p_neighbour_and_halves(struct part *p)
{
	struct df_table *t = &p->t;
	const struct ds_leaf *l = &p->l, *next = &p->next;
	const struct ds_leaf *dn[2] = { l, next };
	const struct ds_span next_rest = { next->iova + p->g, ds_last(next) };

	ds_hw_write(t, l, ds_write_addr(t, l));
	ds_expect(t, pq(p, l->iova, p->size, GENPT_DIRTY_NO_CLEAR), p->d, 1,
		  NULL, "NO_CLEAR whole");
	ds_check(t, l, 1ull << ds_write_member(t, l), "after NO_CLEAR whole");
	ds_hw_write(t, next, next->iova + 5);
	ds_expect_leaves(t, pq(p, l->iova, p->size + p->g, 0), dn, 2, l->iova,
			 ds_last(next), "leaf + start of next");
	ds_check(t, l, 0, "leaf cleaned");
	ds_check(t, next, 0, "next cleaned whole");
	ds_expect_spans(t, pall(p, 0), &next_rest, 1, 1, 0,
			"everything: the rest of next");

	ds_hw_write(t, l, ds_last(l));
	ds_expect(t, pq(p, l->iova + p->size / 2, p->size / 2, 0), p->d, 1, l,
		  "second half");
	/* The first half was carried: the leaf clipped to the query is it. */
	ds_expect(t, pq(p, l->iova, p->size / 2, 0), p->d, 1, NULL,
		  "first half");
	ds_expect(t, pq(p, l->iova, p->size, 0), NULL, 0, NULL,
		  "whole, after the halves");
	ds_check(t, l, 0, "after whole");
	ds_expect(t, pall(p, 0), NULL, 0, NULL, "all clean");
	ds_check(t, &p->prev, 0, "prev never dirty");
}

/* An unmap forgets what the table carried for its range: the leaf mapped
 * again reports nothing. */
static void p_unmap(struct part *p)
{
	struct df_table *t = &p->t;
	const struct ds_leaf *l = &p->l;

	ds_hw_write(t, l, ds_write_addr(t, l));
	ds_expect(t, pq(p, l->iova + p->size / 2, p->size / 2, 0), p->d, 1, l,
		  "second half, then unmapped");
	ds_unmap(t, l);
	ds_map(t, l);
	ds_check(t, l, 0, "mapped again, tracking on");
	ds_expect(t, pall(p, 0), NULL, 0, NULL, "the carry went with the unmap");
}

static void partial(const struct af_cfg *c, unsigned int shift)
{
	struct part *p = calloc(1, sizeof(*p));
	uint64_t size = 1ull << shift, base = 8 * size;

	cr_assert_not_null(p);
	p->size = size;
	p->prev = (struct ds_leaf){ base - size, size, 0, DF_RW };
	p->l = (struct ds_leaf){ base, size, size, DF_RW };
	p->next = (struct ds_leaf){ base + size, size, 2 * size, DF_RW };
	p->d[0] = &p->l;
	df_init(&p->t, c, 1ull << 30);
	p->g = df_gran(&p->t);
	p->bm_iova = p->prev.iova - 3 * p->g;
	p->bm_len = 3 * size + 8 * p->g;
	ds_set_tracking(&p->t, true);
	ds_map(&p->t, &p->prev);
	ds_map(&p->t, &p->l);
	ds_map(&p->t, &p->next);
	ds_hw_write(&p->t, &p->l, ds_write_addr(&p->t, &p->l));
	ds_check(&p->t, &p->l, 1ull << ds_write_member(&p->t, &p->l), "written");
	p_inside(p);
	p_straddles(p);
	p_coarse(p, shift);
	p_neighbour_and_halves(p);
	p_unmap(p);
	df_fini(&p->t);
	free(p);
}

/* Every leaf size of @c from two granules to 2 GiB that fits 16 times. */
static void partial_all(const struct af_cfg *c)
{
	struct df_table probe;
	unsigned int shifts[64], n;
	uint64_t half, gran;

	df_init(&probe, c, 1ull << 24);
	n = df_shifts(&probe, shifts);
	half = df_half(&probe);
	gran = df_gran(&probe);
	df_fini(&probe);
	for (unsigned int k = 0; k < n; k++) {
		uint64_t size = 1ull << shifts[k];

		if (size >= 2 * gran && shifts[k] <= 31 && (!half || 16 * size <= half))
			partial(c, shifts[k]);
	}
}

DS_TESTS(fmt_dirty_partial, partial_all)
