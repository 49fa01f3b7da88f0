// SPDX-License-Identifier: MIT
/*
 * test_mutants_split.c - split and merge keep a hardware write that lands
 * while they replace an entry, on every configuration of af_all[] with
 * dirty state that can split, tracking on unless said otherwise:
 *
 *  - split_keeps_write_during_swap: a split builds the replacement table,
 *    flushes it, then swaps it in; hardware writing through the old leaf
 *    at that moment (played by the provider's flush hook, hooktab.h) makes
 *    the swap fail and every new leaf must come out dirty.
 *  - bbm_split_keeps_write_before_break: the same write under
 *    break-before-make (pt->bbm, BBML 0): the break takes the entry, so
 *    the dirty state it took must reach the new leaves.
 *  - bbm_reencode_keeps_write_during_sync: a run re-encoded in place under
 *    break-before-make with the interim leaf live (BBML 1): a write
 *    through it while the range is invalidated must survive the re-encode.
 *  - bbm_merge_never_faults_with_tracking_off: merging dirty leaves under
 *    break-before-make, tracking off: the interim leaf a walker without
 *    dirty update may use must be write-dirty (else the write faults).
 *
 * pt->bbm is set by hand (core/pt_internal.h): through the public API only
 * the SMMUv3 driver helper sets it, inside its tracking switch, where
 * every writable leaf is dirty anyway (docs/testing.md).
 * The mutants they kill: split-cas-dirty, bbm-dirty, split-remake-dirty,
 * merge-dirty (scripts/mutants/mutants.tsv).
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "core/pt_internal.h"
#include "hooktab.h"

static bool split_setup(struct ht *t, const struct af_cfg *c, uint64_t *L)
{
	*L = ht_block(c);
	if (!c->dirty || !*L || !ht_room(c, 4 * *L))
		return false;
	ht_init(t, c);
	return true;
}

/* Tracking is on and nothing in [va, +len) is dirty yet. */
static void expect_clean(struct ht *t, uint64_t va, uint64_t len)
{
	struct ht_bm bm;

	ht_harvest(t, va, len, GENPT_DIRTY_NO_CLEAR, &bm);
	cr_assert_eq(ht_bm_count(&bm), 0, "%s: a new leaf is dirty with tracking on", t->name);
	ht_bm_free(&bm);
}

static int sync_ok(void *ctx, uint64_t first, uint64_t last)
{
	(void)ctx;
	(void)first;
	(void)last;
	return 0;
}

/* Split the dirty-clean block at L to granules, hardware writing at the
 * first flush (the new table's, before the swap); @bbm: under a BBML 0
 * break.  Every granule must come out dirty. */
static bool split_write(const struct af_cfg *c, bool bbm)
{
	struct pt_bbm b = { .brk = true, .sync = sync_ok };
	struct genpt_gather gat;
	uint64_t L, A;
	struct ht_bm bm;
	struct ht t;
	int err;

	if (!split_setup(&t, c, &L))
		return false;
	A = L;
	ht_tracking(&t, true);
	ht_map(&t, A, L);
	expect_clean(&t, A, L);
	t.hook_va = A + L - t.g;
	t.hook_rc = 1;
	t.on_flush = ht_hook_write;
	t.pt->bbm = bbm ? &b : NULL;
	genpt_gather_init(&gat);
	err = genpt_split(t.pt, A, L, t.gsh, &gat);
	t.pt->bbm = NULL;
	t.on_flush = NULL;
	if (err == -EOPNOTSUPP) {
		ht_fini(&t);
		return false;
	}
	cr_assert_eq(err, 0, "%s: split: %d", t.name, err);
	cr_assert_eq(genpt_gather_release(t.pt, &gat), 0, "%s", t.name);
	cr_assert_eq(t.hook_runs, 1, "%s: the split flushed nothing", t.name);
	cr_assert_eq(t.hook_rc, 0, "%s: the write during the split: %d", t.name, t.hook_rc);
	ht_harvest(&t, A, L, GENPT_DIRTY_NO_CLEAR, &bm);
	ht_bm_expect(&t, &bm, ht_all, NULL, bbm ? "split under a break, written before the break"
					     : "split, written before the swap");
	ht_bm_free(&bm);
	ht_fini(&t);
	return true;
}

static bool split_plain(const struct af_cfg *c)
{
	return split_write(c, false);
}

static bool split_bbm(const struct af_cfg *c)
{
	return split_write(c, true);
}

Test(mutants_split, split_keeps_write_during_swap)
{
	ht_each(split_plain, "no configuration splits");
}

Test(mutants_split, bbm_split_keeps_write_before_break)
{
	ht_each(split_bbm, "no configuration splits");
}

/* ---- a run re-encoded in place ---------------------------------------- */

struct sync_write {
	struct ht *t;
	uint64_t va;
	int rc;
	unsigned int runs;
};

/* The range is being invalidated; hardware still walks the interim leaf. */
static int sync_write(void *ctx, uint64_t first, uint64_t last)
{
	struct sync_write *s = ctx;

	if (s->va >= first && s->va <= last && !s->runs++)
		s->rc = ht_write(s->t, s->va);
	return 0;
}

/* The smallest run whose entries are at level 1 (0: none). */
static uint64_t level1_run(const struct af_cfg *c)
{
	uint64_t runs = af_run_sizes(c);
	unsigned int e1 = af_lvl_shift(c, 1), e2 = c->levels > 2 ? af_lvl_shift(c, 2) : 64;

	runs &= ~0ull << (e1 + 1);
	if (e2 < 64)
		runs &= (1ull << e2) - 1;
	return runs ? 1ull << __builtin_ctzll(runs) : 0;
}

static bool reencode(const struct af_cfg *c)
{
	struct ht t;
	struct sync_write s = { .t = &t, .rc = 1 };
	struct pt_bbm b = { .brk = false, .interim = 0, .sync = sync_write, .ctx = &s };
	struct genpt_gather gat;
	uint64_t R = level1_run(c), e1, A;
	struct ht_bm bm;
	int err;

	if (!c->dirty || !R || !ht_room(c, 4 * R))
		return false;
	ht_init(&t, c);
	e1 = 1ull << af_lvl_shift(c, 1);
	A = R;
	s.va = A + e1; /* through the run's second member */
	ht_tracking(&t, true);
	ht_map(&t, A, R);
	expect_clean(&t, A, R);
	t.pt->bbm = &b;
	genpt_gather_init(&gat);
	err = genpt_split(t.pt, A, R, af_lvl_shift(c, 1), &gat);
	t.pt->bbm = NULL;
	cr_assert_eq(err, 0, "%s: split: %d", t.name, err);
	cr_assert_eq(genpt_gather_release(t.pt, &gat), 0, "%s", t.name);
	cr_assert_eq(s.runs, 1, "%s: no break-before-make sync over the run", t.name);
	cr_assert_eq(s.rc, 0, "%s: the write during the sync: %d", t.name, s.rc);
	ht_harvest(&t, A, R, GENPT_DIRTY_NO_CLEAR, &bm);
	cr_expect(ht_bm_has(&bm, s.va) && ht_bm_has(&bm, s.va + e1 - t.g),
		  "%s: the member written through the interim run during the sync came out "
		  "clean", t.name);
	ht_bm_free(&bm);
	ht_fini(&t);
	return true;
}

Test(mutants_split, bbm_reencode_keeps_write_during_sync)
{
	ht_each(reencode, "no configuration has runs of level-1 entries");
}

/* ---- merge, tracking off ---------------------------------------------- */

static bool merge_off(const struct af_cfg *c)
{
	struct ht t;
	struct sync_write s = { .t = &t, .rc = 1 };
	struct pt_bbm b = { .brk = false, .interim = 0, .sync = sync_write, .ctx = &s };
	struct genpt_gather gat;
	uint64_t L, A;
	int err;

	if (!split_setup(&t, c, &L))
		return false;
	A = L;
	s.va = A + t.g;
	ht_map(&t, A, L);
	err = genpt_split(t.pt, A, L, t.gsh, NULL);
	if (err == -EOPNOTSUPP) {
		ht_fini(&t);
		return false;
	}
	cr_assert_eq(err, 0, "%s: split: %d", t.name, err);
	t.pt->bbm = &b;
	genpt_gather_init(&gat);
	err = genpt_merge(t.pt, A, L, &gat);
	t.pt->bbm = NULL;
	cr_assert_eq(err, 0, "%s: merge: %d", t.name, err);
	cr_assert_eq(genpt_gather_release(t.pt, &gat), 0, "%s", t.name);
	cr_assert_eq(s.runs, 1, "%s: no break-before-make sync over the merged range", t.name);
	cr_expect_eq(s.rc, 0, "%s: tracking off, a write through the interim merged leaf: %d "
		     "(a walker without dirty update faults on a write-clean leaf)", t.name, s.rc);
	cr_expect_eq(ht_write(&t, A), 0, "%s: a write after the merge", t.name);
	ht_fini(&t);
	return true;
}

Test(mutants_split, bbm_merge_never_faults_with_tracking_off)
{
	ht_each(merge_off, "no configuration merges");
}
