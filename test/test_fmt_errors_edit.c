// SPDX-License-Identifier: MIT
/*
 * test_fmt_errors_edit.c - the errors of edits on every configuration of
 * every format (af_all[]): -EEXIST (all or nothing, with and without a
 * gather), unmap's -EINVAL for a leaf or run straddling an end, and
 * -ENOMEM at every allocation of a map, each leaving the table byte for
 * byte, the provider and the gather as they were.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "fe_pop.h"
#include "sweep.h"

/*
 * A map that must fail with -EEXIST.  With a NULL gather the table must be
 * as before at once.  genpt_map() may hand pages it unlinked while undoing
 * the partial map to a gather (and add the range), so with a gather the
 * table must be as before and, after releasing, so must the provider.
 */
static void expect_eexist(struct fe_pop *p, uint64_t iova, uint64_t oa,
			  uint64_t len, const char *what)
{
	struct genpt_gather g;
	struct af_snap s;
	uint64_t span = fe_root_span(p), lo = 0, hi = ~0ull;
	const char *n = p->c->name;
	int err;

	af_reclaim(p->t.pt, UINT64_MAX, n, what);
	af_snap_take(&p->t.prov, p->t.pt, &s);
	err = genpt_map(p->t.pt, iova, oa, len, FE_RW, NULL);
	cr_assert_eq(err, -EEXIST, "%s: %s: got %d", n, what, err);
	af_reclaim(p->t.pt, af_map_leftover_pages(p->t.pt), n, what);
	af_snap_expect_same(&p->t.prov, p->t.pt, &s, n, what);

	genpt_gather_init(&g);
	err = genpt_map(p->t.pt, iova, oa, len, FE_RW, &g);
	cr_assert_eq(err, -EEXIST, "%s: %s (gather): got %d", n, what, err);
	/* what the undo may leave to invalidate lies inside the root
	 * entries the range touches */
	if (span) {
		lo = iova & ~(span - 1);
		hi = (iova + (len - 1)) | (span - 1);
	}
	if (g.start <= g.last)
		cr_assert(g.start >= lo && g.last <= hi,
			  "%s: %s: gather range 0x%llx..0x%llx outside the map", n, what,
			  (unsigned long long)g.start, (unsigned long long)g.last);
	else
		cr_assert_null(g.freed, "%s: %s: pages and no range", n, what);
	cr_assert_eq(genpt_gather_release(p->t.pt, &g), 0);
	af_reclaim(p->t.pt, af_map_leftover_pages(p->t.pt), n, what);
	af_snap_expect_same(&p->t.prov, p->t.pt, &s, n, what);
	af_snap_free(&s);
}

static void eexist_runs(struct fe_pop *p)
{
	uint64_t g = p->gr, run = p->run;

	if (!run)
		return;
	expect_eexist(p, p->b, p->oa0, run, "same run again");
	expect_eexist(p, p->b + run - g, p->oa0, g, "granule on the last run member");
	expect_eexist(p, p->b - run, p->oa0, 2 * run, "two runs, the second taken");
}

static void eexist_blocks(struct fe_pop *p)
{
	uint64_t g = p->gr, R = p->R, c = p->c_va;

	if (!p->block)
		return;
	expect_eexist(p, c + 5 * g, p->oa0, g, "granule inside a block");
	expect_eexist(p, R, p->oa0, R, "block over a table holding the granule leaf");
	expect_eexist(p, c + R - g, p->oa0, 3 * g,
		      "3 pages starting on the last page of the block");
	expect_eexist(p, c - 2 * g, p->oa0, R + 4 * g, "a range around the block");
	expect_eexist(p, p->l[p->nh - 1] - R + 1, p->oa0, R,
		      "block at the top, overlapping its last granule");
}

static void check_eexist_all_or_nothing(struct fe_pop *p)
{
	uint64_t g, half;

	g = p->gr;
	half = p->R / 2;
	expect_eexist(p, p->a, p->oa0, g, "same granule again");
	expect_eexist(p, p->ro, p->oa0, g, "same read-only granule again");
	/* Long ranges that overlap only at their last page: many
	 * leaves are written before the overlap is found; none may
	 * remain. */
	expect_eexist(p, p->a + g - (half + g), p->oa0, half + g,
		      "half a block + a granule, ending on the granule leaf");
	expect_eexist(p, p->ro - 2 * p->R, p->oa0, 2 * p->R + g,
		      "two blocks' worth, ending on the read-only granule");
	expect_eexist(p, p->l[p->nh - 1] - 4 * g + 1, p->oa0, 4 * g,
		      "4 granules at the top, overlapping the last");
	eexist_runs(p);
	eexist_blocks(p);
}

Test(fmt_errors, eexist_all_or_nothing)
{
	fe_each(check_eexist_all_or_nothing);
}

struct range_case {
	uint64_t iova, len;
	const char *what;
};

static unsigned int straddles(const struct fe_pop *p, struct range_case *r)
{
	uint64_t g = p->gr, R = p->R, b = p->b, c = p->c_va, run = p->run;
	unsigned int n = 0;

	if (p->block) {
		r[n++] = (struct range_case){ c + g, g, "granule inside a block" };
		r[n++] = (struct range_case){ c, R - g, "start of a block" };
		r[n++] = (struct range_case){ c + g, R - g, "end of a block" };
		/* fine at the start, straddling at the end: the leaves in
		 * front must survive too */
		r[n++] = (struct range_case){ R, c + R / 2 - R, "granule, run, half a block" };
	}
	if (run) {
		r[n++] = (struct range_case){ b, g, "first page of a run" };
		r[n++] = (struct range_case){ b + g, run - g, "rest of a run" };
		r[n++] = (struct range_case){ b + run - g, g, "last page of a run" };
		/* straddling at the start, fine at the end */
		r[n++] = (struct range_case){ b + g, 3 * R - (b + g),
					      "part of a run up to 3R" };
	}
	if (run && p->block)
		r[n++] = (struct range_case){ b + g, c + g - (b + g),
					      "both ends inside leaves" };
	return n;
}

static void check_unmap_straddle_einval(struct fe_pop *p)
{
	struct range_case r[16];
	unsigned int n;

	n = straddles(p, r);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t u = 0;

		FE_UNCHANGED(p, -EINVAL,
			     genpt_unmap(p->t.pt, r[i].iova, r[i].len, &p->g, &u),
			     "unmap %s", r[i].what);
		FE_UNCHANGED(p, -EINVAL,
			     genpt_unmap(p->t.pt, r[i].iova, r[i].len, NULL, NULL),
			     "unmap %s, NULL gather", r[i].what);
	}
}

Test(fmt_errors, unmap_straddle_einval)
{
	fe_each(check_unmap_straddle_einval);
}

static int run_map(struct genpt *pt, const struct sweep_op *op, struct genpt_gather *g)
{
	return genpt_map(pt, op->iova, op->oa, op->len, FE_RW, g);
}

/* After a refused map nothing of its range is mapped (sampled). */
static void map_after_fail(struct genpt *pt, const struct sweep_op *op)
{
	uint64_t o, step = op->len / 8 ? op->len / 8 : 1;

	for (uint64_t off = 0; off < op->len; off += step)
		cr_assert_eq(genpt_iova_to_phys(pt, op->iova + off, &o), -ENOENT,
			     "%s: 0x%llx still mapped", op->cfg, (unsigned long long)(op->iova + off));
	cr_assert_eq(genpt_iova_to_phys(pt, op->iova + op->len - 1, &o), -ENOENT,
		     "%s: last byte still mapped", op->cfg);
}

/*
 * 2 granules, a level-1 block | a block, a run, a granule: tables on both
 * sides of the first root entry boundary, leaves written before the right
 * side's tables are allocated.  Fresh: a table chain below the root on
 * each side; prepopulated: the right side needs only its level-0 table,
 * the left side shares the root entry's table.  Needs three levels and a
 * level-1 block with room for it: the other configurations sweep a
 * granule-and-run map with the count unchecked.
 */
static void enomem_case(const struct af_cfg *c, bool prepopulate, bool gather)
{
	struct af_table t;
	unsigned int hb = c->sign_extend ? c->cfg.va_bits - 1 : c->cfg.va_bits;
	unsigned int rs = af_lvl_shift(c, c->levels - 1), bs = af_lvl_shift(c, 1);
	uint64_t g = 1ull << af_gshift(c), B = 1ull << bs, runs = af_run_sizes(c);
	uint64_t run = runs ? 1ull << __builtin_ctzll(runs) : g;
	bool exact = c->levels >= 3 && (af_page_sizes(c) >> bs & 1) && rs + 1 < hb &&
		     run < B;
	uint64_t b;

	if (!exact && hb < 64 && 8 * run > 1ull << hb)
		run = g; /* no room for a run in a tiny space */
	b = exact ? 1ull << rs : 4 * run;
	uint64_t iova, len, oa;
	long want = prepopulate ? (long)c->levels - 1 : 2 * (long)(c->levels - 1), got;

	iova = exact ? b - B - 2 * g : b - 2 * g;
	len = exact ? 2 * g + 2 * B + run + g : 2 * g + run + g;
	oa = af_oa_end(c) / 2 + (iova & (2 * B - 1));
	af_table_init(&t, c, 0, 0);
	if (prepopulate && exact) {
		cr_assert_eq(genpt_map(t.pt, b + 5 * B, oa, g, FE_RW, NULL), 0, "%s", c->name);
		cr_assert_eq(genpt_map(t.pt, g, oa, g, FE_RW, NULL), 0, "%s", c->name);
	}
	struct sweep_op op = { .name = "map", .cfg = c->name, .run = run_map, .iova = iova,
			       .len = len, .oa = oa, .after_fail = map_after_fail,
			       .may_leave_tables = true, .frees_nothing = true,
			       .max_refused = 64 };

	got = sweep_enomem(&t.prov, t.pt, &op, gather);
	if (exact)
		cr_assert_eq(got, want, "%s: the map made %ld allocations, want %ld",
			     c->name, got, want);
	cr_assert_eq(genpt_unmap(t.pt, iova, len, NULL, NULL), 0, "%s", c->name);
	af_table_fini(&t);
}

Test(fmt_errors, enomem_every_allocation)
{
	for (AF_EACH(c))
		for (int k = 0; k < 4; k++)
			enomem_case(c, k & 1, k & 2);
}
