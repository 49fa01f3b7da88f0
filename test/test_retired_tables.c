// SPDX-License-Identifier: MIT
/*
 * test_retired_tables.c - what a walk that is still in flight sees when an
 * edit replaces the table (or leaf) it is walking, on every format.
 *
 * Real IOMMUs cache table pointers (walk caches, paging-structure caches)
 * and a walk can load a parent entry just before an edit swaps it; only
 * the caller's IOTLB invalidation guarantees such walks have finished,
 * which is why unlinked tables wait in the gather until
 * genpt_gather_release().  These tests stop "in the middle" deterministically:
 * the edit is done with a gather that is not yet released, and the test
 * then plays the late walker by hand on the old table memory.
 *
 *  - merge: the retired table keeps every translation, byte for byte, until
 *    release (the gather used to chain itself through slots 0 and 1 of the
 *    retired page, so a late walk saw "not present": a device fault in the
 *    middle of starting or stopping dirty tracking);
 *  - merge: a late walk that marks a leaf of the retired table dirty after
 *    the merge is not lost: release folds it into the new leaf;
 *  - split: a late walk's compare-and-swap on the old leaf fails (the entry
 *    now points at the new table), so its write lands in the new leaves.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "anyfmt.h"
#include "fmt_open.h"
#include "testutil.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define VA (1ull << 32)
#define OA_BASE (1ull << 36)

/* What every check here starts from, on the table fo_each() hands it:
 * tracking on first (leaves then start write-clean) where the format has
 * dirty state, then one big leaf at VA. */
static void rt_setup(struct fo_table *t)
{
	if (t->f->dirty)
		cr_assert_eq(genpt_set_dirty_tracking(t->pt, true), 0, "%s", t->f->name);
	cr_assert_eq(genpt_map(t->pt, VA, OA_BASE, t->big, RW, NULL), 0, "%s: map", t->f->name);
}

/* Pages of [VA, VA + big) the harvest reports (cleaning them unless @flags). */
static uint64_t rt_dirty_pages(struct fo_table *t, unsigned int flags)
{
	uint64_t words = ((t->big / t->gran) + 63) / 64, n;
	uint64_t *bits = calloc(words, 8);
	struct genpt_dirty_bitmap bm = { bits, VA, t->big, t->f->gshift };

	cr_assert_not_null(bits);
	cr_assert_eq(genpt_read_and_clear_dirty(t->pt, VA, t->big, flags, &bm, NULL), 0,
		     "%s: harvest", t->f->name);
	n = tu_popcount(bits, words);
	free(bits);
	return n;
}

/*
 * The one table word that differs between @a and @b (same blocks): its
 * live address, and its value in each.  Fails unless exactly one differs.
 */
static uint64_t *rt_one_changed_word(const struct af_snap *a, const struct af_snap *b,
				     uint64_t *va_, uint64_t *vb, const char *name)
{
	uint64_t *at = NULL;
	unsigned int changed = 0;

	cr_assert_eq(a->n, b->n, "%s: blocks", name);
	for (size_t i = 0; i < a->n; i++) {
		for (size_t j = 0; j < a->b[i].size / 8; j++) {
			uint64_t x, y;

			memcpy(&x, a->b[i].data + 8 * j, 8);
			memcpy(&y, b->b[i].data + 8 * j, 8);
			if (x == y)
				continue;
			changed++;
			at = (uint64_t *)(b->b[i].va + 8 * j);
			*va_ = x;
			*vb = y;
		}
	}
	cr_assert_eq(changed, 1, "%s: %u table words changed, expected one", name, changed);
	return at;
}

/* A read first, so that the write after it changes only the leaf (x86
 * walks set A in every paging-structure entry they use). */
static void rt_prime(struct fo_table *t)
{
	cr_assert_eq(genpt_hw_access(t->pt, VA + 5 * t->gran, GENPT_ACCESS_READ, NULL), 0,
		     "%s: read", t->f->name);
}

/*
 * The table word a device write at VA + 5 granules dirties: its live
 * address, and its value before (@clean) and after (@dirty) the write.
 */
static uint64_t *rt_learn_dirty_word(struct fo_table *t, uint64_t *clean, uint64_t *dirty)
{
	struct af_snap s0, s1;
	uint64_t *word;

	rt_prime(t);
	af_snap_take(&t->p, t->pt, &s0);
	cr_assert_eq(genpt_hw_access(t->pt, VA + 5 * t->gran, GENPT_ACCESS_WRITE, NULL), 0);
	af_snap_take(&t->p, t->pt, &s1);
	word = rt_one_changed_word(&s0, &s1, clean, dirty, t->f->name);
	af_snap_free(&s0);
	af_snap_free(&s1);
	return word;
}

/* Blocks of @s whose bytes differ now (every block of @s must be live). */
static unsigned int rt_blocks_changed(const struct af_snap *s)
{
	unsigned int n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += memcmp((const void *)s->b[i].va, s->b[i].data, s->b[i].size) != 0;
	return n;
}

/*
 * [VA, VA + big) as one table of granule leaves, clean, with every
 * contiguous run already formed (merging each half re-encodes runs inside
 * the table without merging the table), so that the merge under test
 * changes nothing in the table it retires.
 */
static void rt_make_table_of_small_leaves(struct fo_table *t)
{
	cr_assert_eq(genpt_split(t->pt, VA, t->big, t->f->gshift, NULL), 0, "%s: split",
		     t->f->name);
	cr_assert_eq(genpt_merge(t->pt, VA, t->big / 2, NULL), 0, "%s", t->f->name);
	cr_assert_eq(genpt_merge(t->pt, VA + t->big / 2, t->big / 2, NULL), 0, "%s",
		     t->f->name);
	if (t->f->dirty)
		cr_assert_eq(rt_dirty_pages(t, 0), 0, "%s: clean after split", t->f->name);
}

/* The table merge retires reads exactly as before until release. */
static void merge_leaves_the_retired_table_intact_until_release_on(struct fo_table *t)
{
	struct af_snap s0;
	struct genpt_gather g;
	uint64_t oa;

	rt_setup(t);
	rt_make_table_of_small_leaves(t);
	af_snap_take(&t->p, t->pt, &s0);
	genpt_gather_init(&g);
	cr_assert_eq(genpt_merge(t->pt, VA, t->big, &g), 0, "%s: merge", t->f->name);
	cr_assert_eq(genpt_iova_to_phys(t->pt, VA + t->big - 1, &oa), 0);
	cr_assert_eq(oa, OA_BASE + t->big - 1, "%s", t->f->name);
	/* The parent entry changed; the retired table did not. */
	cr_assert_eq(rt_blocks_changed(&s0), 1,
		     "%s: %u blocks changed by the merge; only the parent may "
		     "(the retired table must read as before until release)",
		     t->f->name, rt_blocks_changed(&s0));
	af_snap_free(&s0);
	cr_assert_eq(genpt_gather_release(t->pt, &g), 0);
}

Test(retired_tables, merge_leaves_the_retired_table_intact_until_release)
{
	fo_each(merge_leaves_the_retired_table_intact_until_release_on);
}

/* A late walk marks a leaf of the retired table dirty after the merge:
 * the page is reported once the gather is released. */
static void merge_folds_a_late_dirty_mark_at_release_on(struct fo_table *t)
{
	struct genpt_gather g;
	uint64_t clean, dirty, *word;

	rt_setup(t);
	rt_make_table_of_small_leaves(t);
	word = rt_learn_dirty_word(t, &clean, &dirty);
	cr_assert_geq(rt_dirty_pages(t, 0), 1, "%s", t->f->name);
	cr_assert_eq(__atomic_load_n(word, __ATOMIC_RELAXED), clean, "%s: cleaned",
		     t->f->name);

	genpt_gather_init(&g);
	cr_assert_eq(genpt_merge(t->pt, VA, t->big, &g), 0, "%s: merge", t->f->name);
	cr_assert_eq(rt_dirty_pages(t, GENPT_DIRTY_NO_CLEAR), 0, "%s", t->f->name);
	/* The late walker: it loaded the old table pointer before the
	 * swap and now sets D in the old leaf, as hardware does. */
	cr_assert(__atomic_compare_exchange_n(word, &clean, dirty, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST),
		  "%s: the retired leaf changed under the late walker", t->f->name);
	cr_assert_eq(genpt_gather_release(t->pt, &g), 0);
	cr_assert_eq(rt_dirty_pages(t, 0), t->big / t->gran,
		     "%s: the late write is lost (the merged leaf is clean)", t->f->name);
	cr_assert_eq(rt_dirty_pages(t, 0), 0, "%s: cleaned", t->f->name);
}

Test(retired_tables, merge_folds_a_late_dirty_mark_at_release)
{
	fo_each_dirty(merge_folds_a_late_dirty_mark_at_release_on);
}

/* The mirror case: a late walk holding the large leaf that split replaced
 * cannot mark it, and its retry lands in the new small leaf. */
static void split_refuses_a_late_update_of_the_old_leaf_on(struct fo_table *t)
{
	struct genpt_gather g;
	uint64_t clean, dirty, *word;

	rt_setup(t);
	word = rt_learn_dirty_word(t, &clean, &dirty);
	cr_assert_eq(rt_dirty_pages(t, 0), t->big / t->gran, "%s", t->f->name);
	cr_assert_eq(__atomic_load_n(word, __ATOMIC_RELAXED), clean, "%s: cleaned",
		     t->f->name);

	genpt_gather_init(&g);
	cr_assert_eq(genpt_split(t->pt, VA, t->big, t->f->gshift, &g), 0, "%s", t->f->name);
	cr_assert_not(__atomic_compare_exchange_n(word, &clean, dirty, false,
						  __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST),
		      "%s: a late walker could still mark the split leaf", t->f->name);
	cr_assert_eq(genpt_hw_access(t->pt, VA + 5 * t->gran, GENPT_ACCESS_WRITE, NULL), 0);
	cr_assert_eq(genpt_gather_release(t->pt, &g), 0);
	cr_assert_eq(rt_dirty_pages(t, 0), 1, "%s: the retried write", t->f->name);
}

Test(retired_tables, split_refuses_a_late_update_of_the_old_leaf)
{
	fo_each_dirty(split_refuses_a_late_update_of_the_old_leaf_on);
}

/* Without a gather, merge frees the retired table at once and folds first. */
static void merge_without_gather_keeps_the_dirty_state_on(struct fo_table *t)
{
	rt_setup(t);
	rt_make_table_of_small_leaves(t);
	cr_assert_eq(genpt_hw_access(t->pt, VA + 7 * t->gran, GENPT_ACCESS_WRITE, NULL), 0);
	cr_assert_eq(genpt_merge(t->pt, VA, t->big, NULL), 0, "%s", t->f->name);
	cr_assert_eq(rt_dirty_pages(t, 0), t->big / t->gran, "%s", t->f->name);
}

Test(retired_tables, merge_without_gather_keeps_the_dirty_state)
{
	fo_each_dirty(merge_without_gather_keeps_the_dirty_state_on);
}

/* The dirty state a merge hands to the new leaf is not handed over twice:
 * after a harvest and the release, nothing is dirty. */
static void merge_hands_the_dirty_state_over_once_on(struct fo_table *t)
{
	struct genpt_gather g;

	rt_setup(t);
	rt_make_table_of_small_leaves(t);
	cr_assert_eq(genpt_hw_access(t->pt, VA + 3 * t->gran, GENPT_ACCESS_WRITE, NULL), 0);
	genpt_gather_init(&g);
	cr_assert_eq(genpt_merge(t->pt, VA, t->big, &g), 0, "%s", t->f->name);
	cr_assert_eq(rt_dirty_pages(t, 0), t->big / t->gran, "%s: merged dirty", t->f->name);
	cr_assert_eq(genpt_gather_release(t->pt, &g), 0);
	cr_assert_eq(rt_dirty_pages(t, 0), 0, "%s: reported again after release",
		     t->f->name);
}

Test(retired_tables, merge_hands_the_dirty_state_over_once)
{
	fo_each_dirty(merge_hands_the_dirty_state_over_once_on);
}
