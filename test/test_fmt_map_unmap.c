// SPDX-License-Identifier: MIT
/*
 * test_fmt_map_unmap.c - unmap and the gather on every configuration of
 * af_all[]: whole leaves removed and holes skipped, one leaf of a larger
 * mapping at a time (a run as a whole), the ranges and pages a gather
 * collects, a NULL gather, and genpt_destroy() giving everything back.
 * Checked against the model (model.h) through the raw decoder.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "fmap.h"
#include "model.h"

/*
 * The pieces the unmap tests map, each made of whole leaves: a page, a
 * run of at least 16 pages (16 pages where the format has no run), a
 * leaf one level above the pages, and where there is one a leaf two
 * levels up ("B"); a page at 3B - page.  @base is 5B.  Holes between all.
 * False when the configuration has no room or no leaf at level 1.
 */
struct pieces {
	uint64_t off[5], len[5];
	unsigned int n;
	uint64_t base, big, total;
};

static bool pieces_of(const struct af_cfg *c, struct pieces *p)
{
	uint64_t g = 1ull << af_gshift(c), blk = fm_lvl_size(c, 1), b = blk;

	if (c->levels < 2 || !fm_has_size(c, af_lvl_shift(c, 1)))
		return false;
	if (c->levels > 2 && fm_has_size(c, af_lvl_shift(c, 2)))
		b = fm_lvl_size(c, 2);
	if (8 * b > fm_half(c) - 1)
		return false;
	*p = (struct pieces){ .n = 0, .base = 5 * b, .big = b };
#define PIECE(o, l) (p->off[p->n] = (o), p->len[p->n++] = (l), p->total += (l))
	PIECE(g, g);
	PIECE(fm_run16(c), fm_run16(c));
	PIECE(blk, blk);
	if (b > blk)
		PIECE(b, b);
	PIECE(3 * b - g, g);
#undef PIECE
	return true;
}

static void map_pieces(const struct af_table *t, struct model *m, const struct pieces *p,
		       uint64_t oa)
{
	for (unsigned int i = 0; i < p->n; i++) {
		cr_assert_eq(genpt_map(t->pt, p->base + p->off[i], oa + p->off[i], p->len[i],
				       FH_RW, NULL), 0, "%s: map piece %u", t->c->name, i);
		if (m)
			cr_assert_eq(model_map(m, p->base + p->off[i], oa + p->off[i], p->len[i],
					       FH_RW), 0);
	}
}

/* Each piece on its own, in a scrambled order, against the model. */
static void pieces_one_by_one(const struct af_table *t, const struct pieces *p, uint64_t oa,
			      struct tu_rng *rng)
{
	const char *name = t->c->name;
	uint64_t last = p->base + 3 * p->big - 1, got, mu;
	struct model m;

	model_init_cfg(&m, t->c);
	map_pieces(t, &m, p, oa);
	model_expect(t, &m, rng);
	model_expect_range(t, &m, p->base, last, rng);
	for (unsigned int k = 0; k < p->n; k++) {
		unsigned int i = (k * 3 + 1) % p->n;
		uint64_t at = p->base + p->off[i];

		cr_assert_eq(genpt_unmap(t->pt, at, p->len[i], NULL, &got), 0, "%s: piece %u",
			     name, i);
		cr_assert_eq(got, p->len[i], "%s: piece %u: unmapped %llu", name, i, ULL(got));
		cr_assert_eq(model_unmap(&m, at, p->len[i], &mu), 0);
		model_expect(t, &m, rng);
		model_expect_range(t, &m, p->base, last, rng);
	}
	cr_assert_eq(m.n, 0, "%s: model not empty", name);
	model_fini(&m);
	/* the unmaps may leave the empty tables they covered in part */
	af_reclaim(t->pt, p->n * af_map_leftover_pages(t->pt), name, "pieces unmapped");
	cr_assert_eq(af_table_bytes(t), t->info.root_size, "%s: tables left", name);
}

/* Ranges that start and end in holes remove the whole leaves inside. */
static void ranges_over_holes(const struct af_table *t, const struct pieces *p, uint64_t oa)
{
	const char *name = t->c->name;
	uint64_t g = 1ull << af_gshift(t->c), got = 1, last = p->base + 3 * p->big - 1;
	struct model m;

	/* everything at once, then nothing left there */
	map_pieces(t, NULL, p, oa);
	cr_assert_eq(genpt_unmap(t->pt, p->base, 3 * p->big, NULL, &got), 0, "%s", name);
	cr_assert_eq(got, p->total, "%s: unmapped %llu of %llu", name, ULL(got), ULL(p->total));
	cr_assert_eq(genpt_unmap(t->pt, p->base, 3 * p->big, NULL, &got), 0, "%s", name);
	cr_assert_eq(got, 0, "%s: unmapped %llu again", name, ULL(got));
	/* all but the last page */
	model_init_cfg(&m, t->c);
	map_pieces(t, &m, p, oa);
	model_expect(t, &m, NULL);
	model_expect_range(t, &m, p->base, last, NULL);
	cr_assert_eq(genpt_unmap(t->pt, p->base, 2 * p->big, NULL, &got), 0, "%s", name);
	cr_assert_eq(got, p->total - g, "%s: unmapped %llu", name, ULL(got));
	cr_assert_eq(model_unmap(&m, p->base, 2 * p->big, &got), 0);
	cr_assert_eq(got, p->total - g, "%s: the model unmapped %llu", name, ULL(got));
	model_expect_range(t, &m, p->base, last, NULL);
	cr_assert_eq(genpt_unmap(t->pt, p->base, 2 * p->big, NULL, &got), 0, "%s", name);
	cr_assert_eq(got, 0, "%s: unmapped %llu again", name, ULL(got));
	cr_assert_eq(genpt_unmap(t->pt, last + 1 - g, g, NULL, &got), 0, "%s", name);
	cr_assert_eq(got, g, "%s: last page: %llu", name, ULL(got));
	model_fini(&m);
	/* the unmap may leave the empty tables it covered in part */
	af_reclaim(t->pt, 2 * af_map_leftover_pages(t->pt), name, "after unmap");
	cr_assert_eq(af_table_bytes(t), t->info.root_size, "%s: tables left", name);
	/* unmapped may be NULL */
	cr_assert_eq(genpt_map(t->pt, p->base, 0, g, FH_RW, NULL), 0, "%s", name);
	cr_assert_eq(genpt_unmap(t->pt, p->base, g, NULL, NULL), 0, "%s", name);
	fm_expect_unmapped(t, p->base);
}

Test(fmt_map, unmap_holes_and_leaf_by_leaf)
{
	for (AF_EACH(c)) {
		struct tu_rng rng = { 7 };
		struct pieces p;
		struct af_table t;
			uint64_t oa;

		if (!pieces_of(c, &p))
			continue;
		/* aligned like base (5B) to B: each piece's leaves as in the input */
		oa = 1ull << 40;
		af_table_init(&t, c, 0, 0);
		pieces_one_by_one(&t, &p, oa, &rng);
		ranges_over_holes(&t, &p, oa);
		af_table_fini(&t);
	}
}

/* Piece @i of [iova, iova + len) is made of whole leaves (test bug else). */
static void expect_whole(const struct af_table *t, const struct model *m, uint64_t first,
			 uint64_t len)
{
	uint64_t g = 1ull << af_gshift(t->c);

	for (uint64_t va = first; va < first + len; va += g) {
		uint64_t lf;
		unsigned int sh;

		cr_assert(model_leaf_at(m, va, &lf, &sh) && lf >= first &&
			  lf + (1ull << sh) <= first + len,
			  "%s: test bug: 0x%llx+0x%llx is not made of whole leaves", t->c->name,
			  ULL(first), ULL(len));
		va = lf + (1ull << sh) - g;
	}
}

/*
 * One mapping of a run, a leaf one level up, a leaf two levels up where
 * there is one, a run and a page; its leaves unmapped one at a time in a
 * scrambled order (a run as a whole), against the model.
 */
Test(fmt_map, unmap_one_mapping_leaf_by_leaf)
{
	for (AF_EACH(c)) {
		uint64_t g = 1ull << af_gshift(c), r = fm_run16(c), blk = fm_lvl_size(c, 1);
		uint64_t b = 0, x, iova, len, oa, off[5], plen[5], got, mu;
		unsigned int n = 0;
		struct tu_rng rng = { 7 };
		struct model m;
		struct af_table t;

		if (c->levels < 2 || !fm_has_size(c, af_lvl_shift(c, 1)))
			continue;
		if (c->levels > 2 && fm_has_size(c, af_lvl_shift(c, 2)))
			b = fm_lvl_size(c, 2);
		x = b ? b : 2 * blk;
		iova = x - blk - r;
		len = r + blk + b + r + g;
		if (4 * x > fm_half(c) - 1)
			continue;
#define PIECE(l) (off[n] = n ? off[n - 1] + plen[n - 1] : 0, plen[n++] = (l))
		PIECE(r);
		PIECE(blk);
		if (b)
			PIECE(b);
		PIECE(r);
		PIECE(g);
#undef PIECE
		oa = (1ull << 41) + (iova & (x - 1));
		af_table_init(&t, c, 0, 0);
		model_init_cfg(&m, c);
		cr_assert_eq(genpt_map(t.pt, iova, oa, len, FH_RW, NULL), 0, "%s: map", c->name);
		cr_assert_eq(model_map(&m, iova, oa, len, FH_RW), 0);
		model_expect(&t, &m, &rng);
		for (unsigned int k = 0; k < n; k++) {
			unsigned int i = (k * 3 + 2) % n;

			expect_whole(&t, &m, iova + off[i], plen[i]);
			cr_assert_eq(genpt_unmap(t.pt, iova + off[i], plen[i], NULL, &got), 0,
				     "%s: piece %u", c->name, i);
			cr_assert_eq(got, plen[i], "%s: piece %u: %llu", c->name, i, ULL(got));
			cr_assert_eq(model_unmap(&m, iova + off[i], plen[i], &mu), 0);
			cr_assert_eq(mu, plen[i], "%s: the model unmapped %llu", c->name, ULL(mu));
			model_expect(&t, &m, &rng);
			model_expect_range(&t, &m, iova - g, iova + len, &rng);
		}
		cr_assert_eq(m.n, 0, "%s: model not empty", c->name);
		/* the unmaps may leave the empty tables they covered in part */
		af_reclaim(t.pt, af_map_leftover_pages(t.pt), c->name, "after unmap");
		cr_assert_eq(af_table_bytes(&t), t.info.root_size, "%s: tables left", c->name);
		model_fini(&m);
		af_table_fini(&t);
	}
}

/* --------------------------------------------------------------- gather -- */

static void expect_empty_gather(const struct af_table *t, const struct genpt_gather *g,
				const char *what)
{
	cr_assert(g->start > g->last && !g->freed, "%s: %s: gather 0x%llx..0x%llx freed %p",
		  t->c->name, what, ULL(g->start), ULL(g->last), (void *)g->freed);
}

/* Map two pages, unmap both: the gather gets the ranges; the emptied tables
 * stay until a reclaim, which gathers them and the span of the largest;
 * their pages go back with the release. */
static void gather_two_pages(const struct af_table *t, uint64_t iova)
{
	const struct af_cfg *c = t->c;
	const char *name = c->name;
	uint64_t g = 1ull << af_gshift(c), chain = (c->levels - 1) * g, got;
	uint64_t blk1 = c->levels > 1 && iova + g >= fm_lvl_size(c, 1) ? fm_lvl_size(c, 1) : g;
	uint64_t span = fm_lvl_size(c, c->levels - 1), pm0 = fm_pm_bytes(t), pm1;
	struct genpt_gather gt;

	genpt_gather_init(&gt);
	expect_empty_gather(t, &gt, "init");
	cr_assert_eq(genpt_map(t->pt, iova, 1ull << 40, 2 * g, FH_RW, &gt), 0, "%s", name);
	expect_empty_gather(t, &gt, "a map leaves the gather alone");
	pm1 = fm_pm_bytes(t);
	cr_assert_eq(pm1 - pm0, chain, "%s: %llu bytes of tables for one page", name,
		     ULL(pm1 - pm0));
	cr_assert_eq(af_table_bytes(t), t->info.root_size + chain, "%s", name);
	cr_assert_eq(genpt_unmap(t->pt, iova, g, &gt, &got), 0, "%s", name);
	cr_assert(got == g && gt.start == iova && gt.last == iova + g - 1 && !gt.freed,
		  "%s: first page: %llu, 0x%llx..0x%llx", name, ULL(got), ULL(gt.start),
		  ULL(gt.last));
	cr_assert_eq(fm_pm_bytes(t), pm1, "%s", name);
	/* every table is empty now, but the range covers none of them whole
	 * (a neighbour's map could be using them): they stay */
	cr_assert_eq(genpt_unmap(t->pt, iova + g - blk1, blk1 + g, &gt, &got), 0, "%s", name);
	cr_assert(got == g && !gt.freed, "%s: second page: %llu", name, ULL(got));
	cr_assert_eq(af_table_bytes(t), t->info.root_size + chain, "%s", name);
	cr_assert_eq(genpt_reclaim(t->pt, &gt, NULL), 0, "%s", name);
	if (c->levels > 1) {
		/* a walk cache may still use the root's pointer for any address
		 * under it: its whole span is gathered */
		cr_assert(gt.freed && gt.start == (iova & ~(span - 1)) &&
			  gt.last == (iova & ~(span - 1)) + span - 1,
			  "%s: reclaim gathered 0x%llx..0x%llx", name, ULL(gt.start), ULL(gt.last));
	} else {
		cr_assert(!gt.freed && gt.start == iova && gt.last == iova + 2 * g - 1,
			  "%s: one level: 0x%llx..0x%llx", name, ULL(gt.start), ULL(gt.last));
	}
	cr_assert_eq(af_table_bytes(t), t->info.root_size, "%s", name);
	cr_assert_eq(fm_pm_bytes(t), pm1, "%s: pages freed before release", name);
	cr_assert_eq(fm_live(t), c->levels, "%s: %zu blocks", name, fm_live(t));
	fm_expect_unmapped(t, iova + g);
	cr_assert_eq(genpt_gather_release(t->pt, &gt), 0, "%s", name);
	cr_assert(fm_pm_bytes(t) == pm0 && fm_live(t) == 1, "%s: after release", name);
	expect_empty_gather(t, &gt, "released");
	cr_assert_eq(genpt_gather_release(t->pt, &gt), 0, "%s: empty release", name);
	cr_assert_eq(fm_pm_bytes(t), pm0, "%s", name);
	/* the table works on after the release */
	cr_assert_eq(genpt_map(t->pt, iova, 1ull << 40, g, FH_RW, NULL), 0, "%s", name);
	fm_expect_oa(t, iova + 1, (1ull << 40) + 1);
	cr_assert_eq(genpt_unmap(t->pt, iova, g, NULL, NULL), 0, "%s", name);
}

Test(fmt_map, gather_collects_range_and_pages)
{
	for (AF_EACH(c)) {
		uint64_t g = 1ull << af_gshift(c), blk = fm_lvl_size(c, 1);
		struct af_table t;

		af_table_init(&t, c, 0, 0);
		/* a third of the way up, seven pages into a page table */
		gather_two_pages(&t, (((fm_half(c) - 1) / 3) & ~(blk - 1)) + 7 * g);
		af_table_fini(&t);
	}
}

/*
 * Ranges of several unmaps accumulate as their hull; pages of several
 * tables chain up.  A table page goes only with a call that covers its
 * whole span (or with genpt_reclaim()), and then its whole span is
 * gathered.  With a level-1 table spanning T (1G with 4K pages): pages
 * at 7T and 2T + page, a leaf of T at 4T.
 */
static void accumulate(const struct af_table *t)
{
	const struct af_cfg *c = t->c;
	const char *name = c->name;
	uint64_t g = 1ull << af_gshift(c), s = fm_lvl_size(c, 2), a = 7 * s, b = 2 * s + g;
	uint64_t span = fm_lvl_size(c, c->levels - 1), pm0 = fm_pm_bytes(t), bytes, freed;
	struct genpt_gather gt;

	cr_assert_eq(genpt_map(t->pt, a, 1ull << 40, g, FH_RW, NULL), 0, "%s", name);
	cr_assert_eq(genpt_map(t->pt, b, 1ull << 40, g, FH_RW, NULL), 0, "%s", name);
	cr_assert_eq(genpt_map(t->pt, 4 * s, 1ull << 40, s, FH_RW, NULL), 0, "%s", name);
	bytes = af_table_bytes(t);
	genpt_gather_init(&gt);
	/* a's tables empty, but stay: only the page's range is gathered */
	cr_assert_eq(genpt_unmap(t->pt, a, g, &gt, NULL), 0, "%s", name);
	cr_assert(gt.start == a && gt.last == a + g - 1 && !gt.freed, "%s: a", name);
	cr_assert_eq(af_table_bytes(t), bytes, "%s", name);
	/* an unmap covering the level-1 table's span frees it, gathered whole */
	cr_assert_eq(genpt_unmap(t->pt, 7 * s, s, &gt, NULL), 0, "%s", name);
	cr_assert(gt.start == 7 * s && gt.last == 8 * s - 1 && gt.freed, "%s: 7T", name);
	cr_assert_eq(af_table_bytes(t), bytes - 2 * g, "%s", name);
	cr_assert_eq(genpt_unmap(t->pt, b, g, &gt, NULL), 0, "%s", name);
	cr_assert(gt.start == b && gt.last == 8 * s - 1, "%s: start 0x%llx", name, ULL(gt.start));
	cr_assert_eq(genpt_unmap(t->pt, 4 * s, s, &gt, NULL), 0, "%s", name);
	/* reclaim frees b's empty tables and, above 3 levels, the root's child */
	cr_assert_eq(genpt_reclaim(t->pt, &gt, &freed), 0, "%s", name);
	cr_assert_eq(freed, (c->levels - 1) * g, "%s: reclaim freed %llu", name, ULL(freed));
	if (c->levels == 3)
		cr_assert(gt.start == 2 * s && gt.last == 8 * s - 1, "%s: 0x%llx..0x%llx", name,
			  ULL(gt.start), ULL(gt.last));
	else
		cr_assert(gt.start == 0 && gt.last == span - 1, "%s: 0x%llx..0x%llx", name,
			  ULL(gt.start), ULL(gt.last));
	cr_assert_eq(af_table_bytes(t), t->info.root_size, "%s", name);
	cr_assert_gt(fm_pm_bytes(t), pm0, "%s: freed before release", name);
	cr_assert_eq(genpt_gather_release(t->pt, &gt), 0, "%s", name);
	cr_assert(fm_pm_bytes(t) == pm0 && fm_live(t) == 1, "%s: after release", name);
}

/* With a NULL gather the pages go back at once: two pages on either side
 * of a level-1 table boundary, one unmap covering both tables whole. */
static void null_gather(const struct af_table *t)
{
	const struct af_cfg *c = t->c;
	uint64_t g = 1ull << af_gshift(c), s = fm_lvl_size(c, 2), pm0 = fm_pm_bytes(t);
	uint64_t freed = 0;
	long frees;

	cr_assert_eq(genpt_map(t->pt, s - g, 1ull << 40, 2 * g, FH_RW, NULL), 0, "%s", c->name);
	cr_assert_gt(fm_pm_bytes(t), pm0, "%s", c->name);
	frees = t->prov.frees;
	cr_assert_eq(genpt_unmap(t->pt, 0, 2 * s, NULL, NULL), 0, "%s", c->name);
	cr_assert_gt(t->prov.frees, frees, "%s: nothing freed at once", c->name);
	/* the root's child (more than 3 levels) needs a reclaim */
	cr_assert_eq(genpt_reclaim(t->pt, NULL, &freed), 0, "%s", c->name);
	cr_assert_eq(freed, (c->levels - 3) * g, "%s: reclaim freed %llu", c->name, ULL(freed));
	cr_assert(fm_pm_bytes(t) == pm0 && fm_live(t) == 1, "%s: pages left", c->name);
	cr_assert_eq(af_table_bytes(t), t->info.root_size, "%s", c->name);
}

Test(fmt_map, gather_accumulates_and_null_gather)
{
	for (AF_EACH(c)) {
		struct af_table t;

		if (c->levels < 3 || 8 * fm_lvl_size(c, 2) > fm_half(c) - 1)
			continue;
		af_table_init(&t, c, 0, 0);
		if (fm_has_size(c, af_lvl_shift(c, 2)))
			accumulate(&t);
		null_gather(&t);
		af_table_fini(&t);
	}
}

/* genpt_destroy gives back every table page. */
Test(fmt_map, destroy_frees_everything)
{
	for (AF_EACH(c)) {
		uint64_t g = 1ull << af_gshift(c), step = ((fm_half(c) - 1) / 64) & ~(g - 1), pm0;
		struct af_table t;

		af_table_init(&t, c, 0, 0);
		pm0 = fm_pm_bytes(&t);
		for (uint64_t i = 0; i < 64; i++)
			cr_assert_eq(genpt_map(t.pt, i * (step + g), 1ull << 40, g, FH_RW, NULL), 0,
				     "%s: page %llu", c->name, ULL(i));
		if (c->levels > 1)
			cr_assert_gt(fm_pm_bytes(&t), pm0, "%s", c->name);
		genpt_destroy(t.pt);
		t.pt = NULL;
		cr_assert_eq(fm_live(&t), 0, "%s: %zu blocks after destroy", c->name, fm_live(&t));
		cr_assert_eq(fm_pm_bytes(&t), 0, "%s: physmem in use", c->name);
		af_prov_fini(&t.prov);
	}
}
