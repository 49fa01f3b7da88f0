// SPDX-License-Identifier: MIT
/*
 * test_mutants_dirty.c - promises of the dirty harvest, genpt_clear_dirty()
 * and genpt_map() (include/genpt/table.h) that no other test reached, each
 * checked on every configuration of af_all[] that has what it needs (a
 * plain leaf of at least 128 granules above the granule; dirty state):
 *
 *  - full_carry_loses_nothing: with the carry full, a harvest whose query
 *    starts inside a dirty leaf reports its part and leaves the leaf dirty,
 *    so the query over the leaf's first granule still reports it.
 *  - clear_forgets_named_carried_pages: genpt_clear_dirty() forgets the
 *    carried pages its mask names (a harvest then reports nothing there).
 *  - carried_parts_join: the parts of a leaf that genpt_clear_dirty()
 *    leaves out and that touch are carried as one range, so 64 left-out
 *    pieces of which two touch leave room in the carry, and a harvest that
 *    cuts a carried range in two forgets what it reported.
 *  - map_over_empty_table_gathers_its_span: a leaf that takes the place
 *    of an empty table page puts the page and its span in the gather.
 *
 * The mutants of scripts/mutants/mutants.tsv they kill: harvest-inside-lo,
 * clear-carry-kept, clear-leftout-off-by-one, put-leaf-no-gather.
 */
#include <criterion/criterion.h>

#include "hooktab.h"

#define PIECES 62 /* single left-out pages besides the two that touch */

/* A table of @c with a plain leaf L (>= @min granules) and room for 8 L;
 * false (and no table) when @c has none. */
static bool setup(struct ht *t, const struct af_cfg *c, uint64_t min, bool dirty, uint64_t *L)
{
	*L = ht_block(c);
	if ((dirty && !c->dirty) || !*L || (*L >> af_gshift(c)) < min || !ht_room(c, 8 * *L))
		return false;
	ht_init(t, c);
	return true;
}

/* Mask bits (granules from the mask's iova) [lo, hi) set, or cleared. */
static void mask_range(struct ht_bm *m, uint64_t lo, uint64_t hi, bool set)
{
	for (uint64_t i = lo; i < hi; i++) {
		if (set)
			m->bm.bits[i / 64] |= 1ull << (i % 64);
		else
			m->bm.bits[i / 64] &= ~(1ull << (i % 64));
	}
}

static bool even_below_128(uint64_t i, void *arg)
{
	(void)arg;
	return i < 128 && !(i & 1);
}

static bool full_carry(const struct af_cfg *c)
{
	uint64_t L, g, A, B;
	struct ht_bm m, b;
	struct ht t;

	if (!setup(&t, c, 128, true, &L))
		return false;
	g = t.g, A = L, B = 4 * L;
	ht_map(&t, A, L);
	ht_map(&t, B, L);
	ht_tracking(&t, true);
	cr_assert_eq(ht_write(&t, A), 0, "%s", t.name);
	cr_assert_eq(ht_write(&t, B + L - g), 0, "%s", t.name);
	/* Clear every granule of A but 0, 2, .., 126: 64 pieces, the carry full. */
	ht_bm_init(&m, &t, A, L);
	mask_range(&m, 0, L / g, true);
	for (uint64_t i = 0; i < 128; i += 2)
		mask_range(&m, i, i + 1, false);
	ht_clear(&t, &m);
	ht_bm_free(&m);
	ht_harvest(&t, A, L, GENPT_DIRTY_NO_CLEAR, &b);
	ht_bm_expect(&t, &b, even_below_128, NULL, "the 64 carried pieces");
	ht_bm_free(&b);
	/* B from its second granule on: its first one cannot be carried. */
	ht_harvest(&t, B + g, L - g, 0, &b);
	ht_bm_expect(&t, &b, ht_all, NULL, "query from inside a dirty leaf");
	ht_bm_free(&b);
	ht_harvest(&t, B, g, 0, &b);
	cr_expect(ht_bm_has(&b, B), "%s: the first granule of a dirty leaf whose rest a query "
		  "reported while the carry was full is lost", t.name);
	ht_bm_free(&b);
	ht_fini(&t);
	return true;
}

Test(mutants_dirty, full_carry_loses_nothing)
{
	ht_each(full_carry, "no configuration has a plain leaf of 128 granules");
}

static bool clear_named_carry(const struct af_cfg *c)
{
	uint64_t L, g, A;
	struct ht_bm m, b;
	struct ht t;

	if (!setup(&t, c, 2, true, &L))
		return false;
	g = t.g, A = L;
	ht_map(&t, A, L);
	ht_tracking(&t, true);
	cr_assert_eq(ht_write(&t, A + g), 0, "%s", t.name);
	ht_harvest(&t, A + g, L - g, 0, &b); /* carries [A, A + g) */
	ht_bm_expect(&t, &b, ht_all, NULL, "query from the second granule");
	ht_bm_free(&b);
	ht_harvest(&t, A, g, GENPT_DIRTY_NO_CLEAR, &b);
	cr_assert(ht_bm_has(&b, A), "%s: the first granule was not carried", t.name);
	ht_bm_free(&b);
	ht_bm_init(&m, &t, A, g);
	mask_range(&m, 0, 1, true);
	ht_clear(&t, &m);
	ht_bm_free(&m);
	ht_harvest(&t, A, L, 0, &b);
	cr_expect_eq(ht_bm_count(&b), 0, "%s: %llu granules reported after clear_dirty named the "
		     "carried one (the leaf was clean)", t.name,
		     (unsigned long long)ht_bm_count(&b));
	ht_bm_free(&b);
	ht_fini(&t);
	return true;
}

Test(mutants_dirty, clear_forgets_named_carried_pages)
{
	ht_each(clear_named_carry, "no configuration with dirty state has a plain block");
}

/* What stays carried in carried_parts_join (granules from A): the lower
 * half but granule 1, the upper half's first granule and the pieces. */
struct join_want {
	uint64_t half;
};

static bool join_left(uint64_t i, void *arg)
{
	const struct join_want *w = arg;

	if (i <= w->half)
		return i != 1;
	return !((i - w->half) & 1) && i - w->half <= 2 * PIECES;
}

static bool carried_join(const struct af_cfg *c)
{
	uint64_t L, g, A, H;
	struct ht_bm m, b;
	struct ht t;
	struct join_want w;

	if (!setup(&t, c, 2 * (2 * PIECES + 2), true, &L))
		return false;
	g = t.g, A = L, H = L / 2;
	w.half = H / g;
	ht_map(&t, A, L);
	ht_tracking(&t, true);
	cr_assert_eq(ht_write(&t, A), 0, "%s", t.name);
	/* Over the upper half, leave out its granule 0 and 2, 4, .. 2 * PIECES:
	 * with the lower half, 2 + PIECES = 64 parts, two of which touch. */
	ht_bm_init(&m, &t, A + H, H);
	mask_range(&m, 0, H / g, true);
	mask_range(&m, 0, 1, false);
	for (uint64_t i = 2; i <= 2 * PIECES; i += 2)
		mask_range(&m, i, i + 1, false);
	ht_clear(&t, &m);
	ht_bm_free(&m);
	/* Granule 1 is inside the joined range: there is room to cut it out. */
	ht_harvest(&t, A + g, g, 0, &b);
	cr_expect(ht_bm_has(&b, A + g), "%s: granule 1 was not carried", t.name);
	ht_bm_free(&b);
	ht_harvest(&t, A, L, GENPT_DIRTY_NO_CLEAR, &b);
	ht_bm_expect(&t, &b, join_left, &w, "carried after granule 1 was harvested");
	ht_bm_free(&b);
	ht_fini(&t);
	return true;
}

Test(mutants_dirty, carried_parts_join)
{
	ht_each(carried_join, "no configuration has a plain leaf of 252 granules");
}

static bool map_over_empty(const struct af_cfg *c)
{
	struct genpt_gather gat;
	uint64_t L, g, A, unmapped = 0;
	struct ht t;

	if (!setup(&t, c, 2, false, &L))
		return false;
	g = t.g, A = L;
	ht_map(&t, A + g, g);
	genpt_gather_init(&gat);
	cr_assert_eq(genpt_unmap(t.pt, A + g, g, &gat, &unmapped), 0, "%s", t.name);
	cr_assert_eq(unmapped, g, "%s", t.name);
	cr_assert_eq(genpt_gather_release(t.pt, &gat), 0, "%s", t.name);
	/* The empty table under A is still linked: a walk cache may hold it. */
	genpt_gather_init(&gat);
	cr_assert_eq(genpt_map(t.pt, A, A, L, GENPT_READ | GENPT_WRITE, &gat), 0, "%s", t.name);
	cr_expect(gat.freed != NULL, "%s: the empty table page is not in the gather", t.name);
	cr_expect(gat.start <= A && gat.last >= A + (L - 1),
		  "%s: the gather covers [%#llx, %#llx], not the span [%#llx, %#llx] of the "
		  "table the leaf replaced", t.name, (unsigned long long)gat.start,
		  (unsigned long long)gat.last, (unsigned long long)A,
		  (unsigned long long)(A + (L - 1)));
	cr_assert_eq(genpt_gather_release(t.pt, &gat), 0, "%s", t.name);
	ht_fini(&t);
	return true;
}

Test(mutants_dirty, map_over_empty_table_gathers_its_span)
{
	ht_each(map_over_empty, "no configuration has a plain block");
}
