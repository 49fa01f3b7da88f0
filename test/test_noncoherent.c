// SPDX-License-Identifier: MIT
/*
 * test_noncoherent.c - a table walker that does not snoop the CPU caches
 * (genpt_mem_ops.flush), on every format and every path that writes table
 * memory.
 *
 * The provider (support/flushmem.h) keeps what the CPU wrote apart from
 * what the walker reads; only flush moves bytes across.  After every call
 * fm_check() finds any write left unflushed and any table linked before
 * it was flushed, and fm_hw_access() walks what the walker reads: a
 * missing flush on any path fails here.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "anyfmt.h"
#include "flushmem.h"
#include "testutil.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define VA (1ull << 32)
#define OA (1ull << 36)

struct nc {
	const struct af_fmt *f;
	struct fm_prov p;
	struct genpt *pt;
	uint64_t gran, big;
};

#define NC_CHECK(t, what) fm_check(&(t)->p, (t)->f->name, what)

static bool nc_init(struct nc *t, const struct af_fmt *f)
{
	struct genpt_config cfg = f->cfg;
	int err;

	memset(t, 0, sizeof(*t));
	t->f = f;
	t->gran = af_gran(f);
	t->big = af_big(f);
	fm_init(&t->p, f->cfg.format == GENPT_FMT_RISCV);
	cfg.mem = &fm_ops;
	cfg.mem_ctx = &t->p;
	err = genpt_create(&cfg, &t->pt);
	if (err == -EOPNOTSUPP) {
		fm_fini(&t->p);
		return false;
	}
	cr_assert_eq(err, 0, "%s: create: %d", f->name, err);
	NC_CHECK(t, "create");
	return true;
}

static void nc_fini(struct nc *t)
{
	genpt_destroy(t->pt);
	fm_fini(&t->p);
}

/* Run @check on a fresh table of every format (with dirty state only when
 * @dirty_only) that nc_init() can build: the loop every test here starts
 * with. */
static void nc_each(bool dirty_only, void (*check)(struct nc *t))
{
	for (unsigned int i = 0; i < af_nfmts; i++) {
		struct nc t;

		if ((dirty_only && !af_fmts[i].dirty) || !nc_init(&t, &af_fmts[i]))
			continue;
		check(&t);
		nc_fini(&t);
	}
}

/* The walker translates [iova, +len) to [oa, +len), sampled per @step. */
static void nc_expect_maps(struct nc *t, uint64_t iova, uint64_t oa, uint64_t len,
			   uint64_t step, const char *what)
{
	for (uint64_t off = 0; off < len; off += step) {
		uint64_t got = 0;
		int err = fm_hw_access(&t->p, t->pt, iova + off, GENPT_ACCESS_READ, &got);

		cr_expect(!err && got == oa + off, "%s: %s: walker at %#llx: %d -> %#llx",
			  t->f->name, what, (unsigned long long)(iova + off), err,
			  (unsigned long long)got);
	}
}

static void nc_expect_unmapped(struct nc *t, uint64_t iova, const char *what)
{
	cr_expect_eq(fm_hw_access(&t->p, t->pt, iova, GENPT_ACCESS_READ, NULL), -ENOENT,
		     "%s: %s: the walker still translates %#llx", t->f->name, what,
		     (unsigned long long)iova);
}

static void nc_map(struct nc *t, uint64_t iova, uint64_t oa, uint64_t len,
		   struct genpt_gather *g, const char *what)
{
	cr_assert_eq(genpt_map(t->pt, iova, oa, len, RW, g), 0, "%s: %s", t->f->name, what);
	NC_CHECK(t, what);
}

static void nc_unmap(struct nc *t, uint64_t iova, uint64_t len,
		     struct genpt_gather *g, const char *what)
{
	uint64_t done = 0;

	cr_assert_eq(genpt_unmap(t->pt, iova, len, g, &done), 0, "%s: %s", t->f->name,
		     what);
	cr_assert_eq(done, len, "%s: %s", t->f->name, what);
	NC_CHECK(t, what);
}

static void nc_release(struct nc *t, struct genpt_gather *g, const char *what)
{
	cr_assert_eq(genpt_gather_release(t->pt, g), 0);
	NC_CHECK(t, what);
}

/* The calls nc_gathered() makes. */
enum nc_op { NC_MAP_OA, NC_SPLIT, NC_MERGE, NC_SPLIT_MODE_ON, NC_SPLIT_MODE_OFF };

static int nc_call(struct nc *t, enum nc_op op, uint64_t iova, uint64_t len,
		   struct genpt_gather *g)
{
	switch (op) {
	case NC_MAP_OA:
		return genpt_map(t->pt, iova, OA, len, RW, g);
	case NC_SPLIT:
		return genpt_split(t->pt, iova, len, t->f->gshift, g);
	case NC_MERGE:
		return genpt_merge(t->pt, iova, len, g);
	default:
		return genpt_set_dirty_tracking_split(t->pt, op == NC_SPLIT_MODE_ON, t->f->gshift, g);
	}
}

/* @op on [@iova, +@len) (split mode: the whole table) with a fresh
 * gather, which must succeed: the walker's view checked (@what), and again
 * once the gather is released (@released). */
static void nc_gathered(struct nc *t, enum nc_op op, uint64_t iova, uint64_t len,
			const char *what, const char *released)
{
	struct genpt_gather g;

	genpt_gather_init(&g);
	cr_assert_eq(nc_call(t, op, iova, len, &g), 0, "%s", t->f->name);
	NC_CHECK(t, what);
	nc_release(t, &g, released);
}

/* Map (large leaves, small ones, a run where the format has them), unmap
 * with and without a gather, map over an emptied table, reclaim. */
static void map_unmap_reclaim_every_format_on(struct nc *t)
{
	struct genpt_gather g;
	uint64_t freed = 0, small;

	small = VA + 2 * t->big;
	nc_map(t, VA, OA, t->big, NULL, "map a large leaf");
	/* Not contiguous with the first: two leaves, never one run. */
	nc_map(t, VA + t->big, OA + 4 * t->big, t->big, NULL, "map a large leaf");
	nc_map(t, small, OA + t->gran, 40 * t->gran, NULL, "map small leaves");
	nc_map(t, small + t->big, OA + t->big, 32 * t->gran, NULL, "map a run");
	nc_expect_maps(t, VA, OA, t->big, t->big / 2, "large");
	nc_expect_maps(t, VA + t->big, OA + 4 * t->big, t->big, t->big / 2, "large");
	nc_expect_maps(t, small, OA + t->gran, 40 * t->gran, 3 * t->gran, "small");
	nc_expect_maps(t, small + t->big, OA + t->big, 32 * t->gran, t->gran, "run");

	nc_unmap(t, small + 3 * t->gran, 5 * t->gran, NULL, "unmap small leaves");
	nc_expect_unmapped(t, small + 4 * t->gran, "unmap");
	genpt_gather_init(&g);
	nc_unmap(t, VA + t->big, t->big, &g, "unmap a large leaf");
	nc_unmap(t, small + t->big, 32 * t->gran, &g, "unmap a run");
	nc_release(t, &g, "gather release");
	nc_expect_unmapped(t, VA + t->big, "unmap");

	/* Whole table's span: the emptied table is replaced by a leaf. */
	nc_unmap(t, small, 3 * t->gran, NULL, "unmap");
	nc_unmap(t, small + 8 * t->gran, 32 * t->gran, NULL, "unmap to an empty table");
	nc_gathered(t, NC_MAP_OA, small, t->big, "map a leaf over an empty table",
		    "gather release");
	nc_expect_maps(t, small, OA, t->big, t->big / 4, "leaf over a table");

	nc_map(t, VA + t->big, OA + t->gran, 3 * t->gran, NULL, "map small leaves");
	nc_unmap(t, VA + t->big, 3 * t->gran, NULL, "unmap them");
	genpt_gather_init(&g);
	cr_assert_eq(genpt_reclaim(t->pt, &g, &freed), 0);
	cr_expect_gt(freed, 0, "%s: nothing to reclaim", t->f->name);
	NC_CHECK(t, "reclaim");
	nc_release(t, &g, "gather release after reclaim");
	nc_expect_maps(t, VA, OA, t->big, t->big / 2, "after reclaim");
}

Test(noncoherent, map_unmap_reclaim_every_format)
{
	nc_each(false, map_unmap_reclaim_every_format_on);
}

/* A map that runs out of memory: each fresh table it added goes again,
 * and the walker must see that as it sees the rest. */
static void failed_map_every_format_on(struct nc *t)
{
	struct genpt_caps caps;
	uint64_t span;

	cr_assert_eq(genpt_query_caps(NULL, t->pt, &caps), 0);
	/* The span of an entry two levels above the leaves, when the
	 * format has one below its root. */
	span = t->big << (t->f->gshift - 3);
	for (long k = 0; caps.levels >= 3 && k < (long)caps.levels; k++) {
		int err;

		t->p.fail_at = t->p.allocs + k;
		err = genpt_map(t->pt, VA & ~(span - 1), OA + t->gran, span, RW, NULL);
		t->p.fail_at = -1;
		cr_assert(err == -ENOMEM || err == 0, "%s: %d", t->f->name, err);
		NC_CHECK(t, "failed map");
		nc_expect_unmapped(t, (VA & ~(span - 1)) + span / 2, "failed map");
		if (!err)
			nc_unmap(t, VA & ~(span - 1), span, NULL, "unmap");
		af_reclaim(t->pt, ~0ull >> 20, t->f->name, "reclaim");
		NC_CHECK(t, "reclaim");
	}
}

Test(noncoherent, failed_map_every_format)
{
	nc_each(false, failed_map_every_format_on);
}

/* Device writes to @n pages from @iova on, through the walker. */
static void nc_write(struct nc *t, uint64_t iova, uint64_t n, uint64_t step)
{
	for (uint64_t k = 0; k < n; k++)
		cr_expect_eq(fm_hw_access(&t->p, t->pt, iova + k * step, GENPT_ACCESS_WRITE,
					  NULL), 0, "%s: write at %#llx", t->f->name,
			     (unsigned long long)(iova + k * step));
}

/* Pages of [iova, +len) a harvest reports, cleaning unless @flags. */
static uint64_t nc_harvest(struct nc *t, uint64_t iova, uint64_t len,
			   unsigned int flags, uint64_t *keep, const char *what)
{
	uint64_t words = (len / t->gran + 63) / 64, n;
	uint64_t *bits = calloc(words, 8);
	struct genpt_dirty_bitmap bm = { bits, iova, len, t->f->gshift };
	struct genpt_gather g;

	cr_assert_not_null(bits);
	genpt_gather_init(&g);
	cr_assert_eq(genpt_read_and_clear_dirty(t->pt, iova, len, flags, &bm, &g), 0,
		     "%s: %s", t->f->name, what);
	NC_CHECK(t, what);
	nc_release(t, &g, what);
	n = tu_popcount(bits, words);
	if (keep)
		memcpy(keep, bits, words * 8);
	free(bits);
	return n;
}

/* Tracking on, device writes, harvests (a stretch of small leaves, a run,
 * a large leaf the query cuts), clear_dirty, unmap_read_dirty, tracking
 * off: after each the walker reads what the CPU wrote. */
static void dirty_paths_every_format_on(struct nc *t)
{
	uint64_t small, run, mask[8] = { 0 }, done = 0;
	struct genpt_dirty_bitmap bm;

	small = VA + t->big;
	run = VA + 2 * t->big;
	cr_assert_eq(genpt_set_dirty_tracking(t->pt, true), 0);
	NC_CHECK(t, "tracking on");
	nc_map(t, VA, OA, t->big, NULL, "map a large leaf");
	nc_map(t, small, OA + t->gran, 64 * t->gran, NULL, "map small leaves");
	nc_map(t, run, OA + t->big, 32 * t->gran, NULL, "map a run");
	nc_write(t, small, 40, t->gran);
	nc_write(t, run + 17 * t->gran, 1, t->gran);
	nc_write(t, VA + t->gran, 1, t->gran);
	cr_expect_eq(nc_harvest(t, small, 64 * t->gran, 0, NULL, "harvest small leaves"),
		     40, "%s", t->f->name);
	cr_expect_geq(nc_harvest(t, run, 32 * t->gran, 0, NULL, "harvest a run"), 1);
	cr_expect_eq(nc_harvest(t, VA, t->big / 2, 0, NULL, "harvest part of a leaf"),
		     t->big / 2 / t->gran, "%s", t->f->name);
	/* Every page is clean for the walker now: writes mark again. */
	nc_write(t, small + 5 * t->gran, 3, t->gran);
	nc_write(t, run + 2 * t->gran, 1, t->gran);
	cr_expect_eq(nc_harvest(t, small, 64 * t->gran, GENPT_DIRTY_NO_CLEAR, mask,
				"harvest without clearing"), 3, "%s", t->f->name);
	bm = (struct genpt_dirty_bitmap){ mask, small, 64 * t->gran, t->f->gshift };
	cr_assert_eq(genpt_clear_dirty(t->pt, &bm, NULL), 0, "%s", t->f->name);
	NC_CHECK(t, "clear_dirty");
	cr_expect_eq(nc_harvest(t, small, 64 * t->gran, 0, NULL, "harvest"), 0);
	nc_write(t, small + 9 * t->gran, 1, t->gran);
	memset(mask, 0, sizeof(mask));
	bm = (struct genpt_dirty_bitmap){ mask, small, 64 * t->gran, t->f->gshift };
	cr_assert_eq(genpt_unmap_read_dirty(t->pt, small, 16 * t->gran, &bm, NULL, &done),
		     0, "%s", t->f->name);
	NC_CHECK(t, "unmap_read_dirty");
	cr_expect_eq(mask[0], 1ull << 9, "%s", t->f->name);
	nc_expect_unmapped(t, small + 9 * t->gran, "unmap_read_dirty");
	cr_assert_eq(genpt_set_dirty_tracking(t->pt, false), 0);
	NC_CHECK(t, "tracking off");
	/* Off, the walker does not mark: it must find the leaves dirty. */
	nc_write(t, small + 20 * t->gran, 10, t->gran);
	nc_write(t, run, 32, t->gran);
}

Test(noncoherent, dirty_paths_every_format)
{
	nc_each(true, dirty_paths_every_format_on);
}

/* Split a large leaf (new tables built privately, then linked), merge it
 * back (with runs re-formed first), split a run in place. */
static void split_merge_every_format_on(struct nc *t)
{
	uint64_t run;

	run = VA + 2 * t->big;
	if (t->f->dirty)
		cr_assert_eq(genpt_set_dirty_tracking(t->pt, true), 0);
	nc_map(t, VA, OA, t->big, NULL, "map a large leaf");
	nc_map(t, run, OA + t->big, 32 * t->gran, NULL, "map a run");
	nc_gathered(t, NC_SPLIT, VA, t->big, "split", "gather release after split");
	nc_expect_maps(t, VA, OA, t->big, 5 * t->gran, "split");
	if (t->f->dirty)
		nc_write(t, VA + 7 * t->gran, 2, t->big / 2);
	cr_assert_eq(genpt_merge(t->pt, VA, t->big / 2, NULL), 0, "%s", t->f->name);
	NC_CHECK(t, "merge into runs");
	nc_gathered(t, NC_MERGE, VA, t->big, "merge a table into a leaf",
		    "gather release after merge");
	nc_expect_maps(t, VA, OA, t->big, t->big / 4, "merge");
	if (t->f->dirty)
		cr_expect_eq(nc_harvest(t, VA, t->big, 0, NULL, "harvest after merge"),
			     t->big / t->gran, "%s", t->f->name);
	cr_assert_eq(genpt_split(t->pt, run, 32 * t->gran, t->f->gshift, NULL), 0);
	NC_CHECK(t, "split a run in place");
	nc_expect_maps(t, run, OA + t->big, 32 * t->gran, t->gran, "split run");
}

Test(noncoherent, split_merge_every_format)
{
	nc_each(false, split_merge_every_format_on);
}

/* Split mode: tracking on splits, off merges back what it split. */
static void split_mode_every_format_on(struct nc *t)
{
	nc_map(t, VA, OA, 2 * t->big, NULL, "map large leaves");
	nc_gathered(t, NC_SPLIT_MODE_ON, 0, 0, "split mode on", "gather release");
	nc_write(t, VA + 3 * t->gran, 4, t->big / 2);
	nc_gathered(t, NC_SPLIT_MODE_OFF, 0, 0, "split mode off (restore)",
		    "gather release");
	nc_expect_maps(t, VA, OA, 2 * t->big, t->big / 4, "restored");
	nc_write(t, VA, 2, t->big);
}

Test(noncoherent, split_mode_every_format)
{
	nc_each(true, split_mode_every_format_on);
}

/* A late walk marks a leaf of the table merge retired; release folds the
 * mark into the new leaf, a write the walker must see. */
static void gather_release_fold_every_format_on(struct nc *t)
{
	struct genpt_gather g;
	struct fm_snap s;
	uint64_t pa, clean, dirty;

	cr_assert_eq(genpt_set_dirty_tracking(t->pt, true), 0);
	nc_map(t, VA, OA, t->big, NULL, "map");
	cr_assert_eq(genpt_split(t->pt, VA, t->big, t->f->gshift, NULL), 0);
	cr_assert_eq(genpt_merge(t->pt, VA, t->big / 2, NULL), 0);
	cr_assert_eq(genpt_merge(t->pt, VA + t->big / 2, t->big / 2, NULL), 0);
	nc_write(t, VA + 5 * t->gran, 1, t->gran); /* x86 sets A above first */
	nc_harvest(t, VA, t->big, 0, NULL, "harvest");
	fm_snap_take(&t->p, &s, false);
	nc_write(t, VA + 5 * t->gran, 1, t->gran);
	pa = fm_snap_changed_word(&t->p, &s);
	fm_snap_free(&s);
	cr_assert_neq(pa, 0, "%s: the write changed not one word", t->f->name);
	dirty = *(uint64_t *)fm_cpu(&t->p, pa);
	nc_harvest(t, VA, t->big, 0, NULL, "harvest");
	clean = *(uint64_t *)fm_cpu(&t->p, pa);
	genpt_gather_init(&g);
	cr_assert_eq(genpt_merge(t->pt, VA, t->big, &g), 0, "%s", t->f->name);
	NC_CHECK(t, "merge");
	/* The late walker writes memory; the CPU sees it. */
	cr_assert_eq(*(uint64_t *)fm_mem(&t->p, pa), clean, "%s", t->f->name);
	*(uint64_t *)fm_mem(&t->p, pa) = dirty;
	*(uint64_t *)fm_cpu(&t->p, pa) = dirty;
	nc_release(t, &g, "gather release folding a late mark");
	cr_expect_eq(nc_harvest(t, VA, t->big, GENPT_DIRTY_NO_CLEAR, NULL, "harvest"),
		     t->big / t->gran, "%s: the late write is lost", t->f->name);
}

Test(noncoherent, gather_release_fold_every_format)
{
	nc_each(true, gather_release_fold_every_format_on);
}
