// SPDX-License-Identifier: MIT
/*
 * test_fmt_dirty_flags.c - NO_CLEAR, NULL bitmaps, the gather and failed
 * harvests, on every format and configuration (test/support/dfmt.h)
 * with blocks (leaves of the level above the granule) whose space holds
 * eight of them: a granule page @a, a block @b and a run (or, without
 * runs, a page) @c.  Left out, for want of blocks or room: armv8/s1-64k-25,
 * armv8/s2-16k-29, amdv1/mode1.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dsuite.h"

struct fl {
	struct df_table t;
	struct ds_leaf a, b, c;
	uint64_t g, blk, bm_iova, bm_len;
};

static const struct ds_q *whole(struct fl *f, unsigned int flags)
{
	static struct ds_q q;

	q = ds_whole(f->bm_iova, f->bm_len, 12, flags);
	return &q;
}

/* Failed harvests change nothing: a query outside the bitmap (either
 * end), unknown flags, and a query outside the bitmap is -EINVAL before
 * its wrap (-EOVERFLOW) or its leaving the space (-ERANGE) counts; @a is
 * dirty and stays so. */
static void failed(struct fl *f)
{
	struct df_table *t = &f->t;
	uint64_t g = f->g, beyond = df_half(t);
	struct genpt_gather gt;
	struct ds_bmap bm;

	ds_bmap_init(&bm, f->bm_iova, f->bm_len, 12);
	ds_bmap_preset(&bm, 1);
	genpt_gather_init(&gt);
	cr_assert_eq(ds_harvest(t, f->bm_iova - g, 2 * g, 0, &bm, &gt), -EINVAL, "%s", t->name);
	cr_assert_eq(ds_harvest(t, f->bm_iova, f->bm_len + g, 0, &bm, &gt), -EINVAL, "%s", t->name);
	cr_assert_eq(ds_harvest(t, f->bm_iova, f->bm_len, 1u << 5, &bm, &gt), -EINVAL, "%s",
		     t->name);
	cr_assert_eq(ds_harvest(t, f->bm_iova, f->bm_len, 1u << 5, NULL, &gt), -EINVAL, "%s",
		     t->name);
	cr_assert_eq(ds_harvest(t, 0 - g, 2 * g, 0, NULL, &gt), -EOVERFLOW, "%s", t->name);
	cr_assert_eq(ds_harvest(t, 0 - g, 2 * g, 0, &bm, &gt), -EINVAL, "%s", t->name);
	if (beyond) {
		cr_assert_eq(ds_harvest(t, beyond, g, 0, NULL, &gt), -ERANGE, "%s", t->name);
		cr_assert_eq(ds_harvest(t, beyond, g, 0, &bm, &gt), -EINVAL, "%s", t->name);
	}
	ds_bmap_check(t, &bm, "bitmap after failed harvests");
	ds_check_gather_empty(t, &gt, "gather after failed harvests");
	ds_check(t, &f->a, 1, "after failed harvests");
	ds_check(t, &f->b, 1, "after failed harvests");
	ds_bmap_fini(&bm);
}

/*
 * NULL bitmaps clean without recording (with or without a gather).  One
 * that meets a dirty leaf in part cleans it whole like any cleaning query
 * and carries the rest, as a NO_CLEAR query then shows; the next NULL
 * bitmap query over the carried granule forgets it (a clean slate), so
 * nothing is reported after it.
 */
static void null_bitmap(struct fl *f)
{
	struct df_table *t = &f->t;
	const struct ds_leaf *a = &f->a, *b = &f->b, *c = &f->c;
	const struct ds_span rep[2] = { { b->iova, b->iova + f->g - 1 }, { c->iova, ds_last(c) } };
	struct genpt_gather g;

	ds_hw_write(t, a, a->iova);
	ds_hw_write(t, b, b->iova);
	ds_hw_write(t, c, c->iova + ds_members(t, c) / 2 * ds_member_size(t, c)); /* the middle one */
	genpt_gather_init(&g);
	cr_assert_eq(ds_harvest(t, f->bm_iova, f->bm_len, GENPT_DIRTY_NO_CLEAR, NULL, &g), 0);
	ds_check_gather_empty(t, &g, "NULL bitmap, NO_CLEAR");
	ds_check(t, a, 1, "NULL bitmap NO_CLEAR keeps");
	cr_assert_eq(ds_harvest(t, a->iova, f->g, 0, NULL, NULL), 0);
	ds_check(t, a, 0, "NULL bitmap and gather clean");
	cr_assert_eq(ds_harvest(t, b->iova + f->g, b->size - f->g, 0, NULL, &g), 0);
	ds_check_gather(t, &g, b->iova, ds_last(b), "NULL bitmap, partial leaf");
	ds_check(t, b, 0, "NULL bitmap partial query cleans whole");
	/* b's first granule is carried; c is still dirty. */
	ds_expect_spans(t, whole(f, GENPT_DIRTY_NO_CLEAR), rep, 2, 1, 0,
			"carried by a NULL bitmap query");
	cr_assert_eq(ds_harvest(t, f->bm_iova, f->bm_len, 0, NULL, &g), 0);
	ds_check_gather(t, &g, b->iova, ds_last(c), "NULL bitmap");
	ds_check(t, c, 0, "NULL bitmap cleans the run");
	cr_assert_eq(genpt_gather_release(t->pt, &g), 0);
	ds_expect(t, whole(f, 0), NULL, 0, NULL, "the NULL bitmap query forgot the carry");
}

/* A cleaning harvest's gather is the hull of what it cleaned; a second
 * one into the same gather adds nothing; a later cleaned leaf grows it. */
static void gather_hull(struct fl *f)
{
	struct df_table *t = &f->t;
	const struct ds_leaf *a = &f->a, *b = &f->b, *c = &f->c;
	struct genpt_gather g;
	struct ds_bmap bm;

	genpt_gather_init(&g);
	ds_bmap_init(&bm, f->bm_iova, f->bm_len, 12);
	cr_assert_eq(ds_harvest(t, f->bm_iova, f->bm_len, 0, &bm, &g), 0);
	ds_bmap_expect(&bm, f->bm_iova, bm.last, a->iova, ds_last(a));
	ds_bmap_expect(&bm, f->bm_iova, bm.last, b->iova, ds_last(b));
	ds_bmap_check(t, &bm, "clean harvest");
	ds_check_gather(t, &g, a->iova, ds_last(b), "clean harvest");
	ds_check(t, a, 0, "cleaned");
	ds_check(t, b, 0, "cleaned");
	cr_assert_eq(ds_harvest(t, f->bm_iova, f->bm_len, 0, &bm, &g), 0);
	ds_bmap_check(t, &bm, "second harvest");
	ds_check_gather(t, &g, a->iova, ds_last(b), "second harvest");
	ds_hw_write(t, c, ds_last(c) - 7); /* its last member */
	cr_assert_eq(ds_harvest(t, f->bm_iova, f->bm_len, 0, &bm, &g), 0);
	ds_bmap_expect(&bm, f->bm_iova, bm.last, c->iova, ds_last(c));
	ds_bmap_check(t, &bm, "third harvest");
	ds_check_gather(t, &g, a->iova, ds_last(c), "third harvest");
	ds_check(t, c, 0, "run cleaned");
	cr_assert_eq(genpt_gather_release(t->pt, &g), 0);
	ds_check_gather_empty(t, &g, "released");
	ds_bmap_fini(&bm);
	ds_expect(t, whole(f, 0), NULL, 0, NULL, "after clean");
}

static bool flags_gather(const struct af_cfg *cfg)
{
	struct fl *f = calloc(1, sizeof(*f));
	struct df_table *t;
	const struct ds_leaf *ab[2], *abc[3];
	uint64_t run = 0;

	cr_assert_not_null(f);
	t = &f->t;
	df_init(t, cfg, 1ull << 30);
	f->g = df_gran(t);
	f->blk = df_entry_size(t, f->g) << (t->caps.granule_bits - 3);
	if (!(t->caps.page_sizes & f->blk) || (df_half(t) && 8 * f->blk > df_half(t))) {
		df_fini(t);
		free(f);
		return false;
	}
	for (unsigned int s = 63; s > t->caps.granule_bits; s--)
		if (((t->caps.run_sizes >> s) & 1) && df_entry_size(t, 1ull << s) == f->g)
			run = 1ull << s;
	f->a = (struct ds_leaf){ 2 * f->blk, f->g, f->g, DF_RW };
	f->b = (struct ds_leaf){ 4 * f->blk, f->blk, f->blk, DF_RW };
	f->c = (struct ds_leaf){ 6 * f->blk, run ? run : f->g, 8 * f->blk, DF_RW };
	f->bm_iova = 2 * f->blk - 3 * f->g;
	f->bm_len = 6 * f->blk;
	ab[0] = abc[0] = &f->a;
	ab[1] = abc[1] = &f->b;
	abc[2] = &f->c;
	ds_set_tracking(t, true);
	ds_map(t, &f->a);
	ds_map(t, &f->b);
	ds_map(t, &f->c);
	ds_expect(t, whole(f, 0), NULL, 0, NULL, "all clean");
	ds_expect(t, &(struct ds_q){ f->bm_iova, f->bm_len, 12, 3 * f->blk, f->blk, 0 }, NULL, 0,
		  NULL, "hole");
	ds_hw_write(t, &f->a, f->a.iova + 8);
	ds_hw_write(t, &f->b, ds_last(&f->b) - 7);
	ds_expect(t, whole(f, GENPT_DIRTY_NO_CLEAR), ab, 2, NULL, "NO_CLEAR 1");
	ds_expect(t, whole(f, GENPT_DIRTY_NO_CLEAR), ab, 2, NULL, "NO_CLEAR 2");
	ds_check(t, &f->a, 1, "after NO_CLEAR");
	ds_check(t, &f->b, 1, "after NO_CLEAR");
	failed(f);
	gather_hull(f);
	null_bitmap(f);
	ds_hw_write(t, &f->a, f->a.iova);
	ds_hw_write(t, &f->b, f->b.iova);
	ds_write_members(t, &f->c, 1);
	ds_expect_leaves(t, whole(f, 0), abc, 3, f->a.iova, ds_last(&f->c), "three dirty");
	ds_expect(t, whole(f, 0), NULL, 0, NULL, "three cleaned");
	df_fini(t);
	free(f);
	return true;
}

Test(fmt_dirty_flags, null_bitmap_gather_and_failures_every_configuration)
{
	ds_each_cfg(flags_gather, 6);
}
