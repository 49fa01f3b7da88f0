// SPDX-License-Identifier: MIT
/*
 * sweep.c - see sweep.h.
 */
#include "sweep.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>

#include "testutil.h"

#define SWEEP_MAX 4096

long sweep_enomem(struct af_prov *p, struct genpt *pt, const struct sweep_op *op, bool gather)
{
	const char *nm = op->cfg;
	struct af_snap s;
	long n;

	af_reclaim(pt, UINT64_MAX, nm, "before the sweep");
	af_snap_take(p, pt, &s);
	for (n = 0;; n++) {
		struct genpt_gather g, g0;
		long allocs = p->allocs, failed = p->failed;
		char what[128];
		int err;

		cr_assert_lt(n, op->max_refused ? op->max_refused : SWEEP_MAX,
			     "%s: %s never succeeds", nm, op->name);
		genpt_gather_init(&g);
		g0 = g;
		p->fail_at = allocs + n;
		err = op->run(pt, op, gather ? &g : NULL);
		p->fail_at = -1;
		snprintf(what, sizeof(what), "%s, allocation %ld refused%s", op->name, n,
			 gather ? " (gather)" : "");
		if (err == 0) {
			cr_assert_eq(p->failed, failed,
				     "%s: %s succeeded although an allocation was refused", nm,
				     what);
			cr_assert_eq(p->allocs - allocs, n,
				     "%s: %s: the successful call made %ld allocations", nm,
				     op->name, p->allocs - allocs);
			if (op->frees_nothing)
				cr_assert_null(g.freed, "%s: %s freed table pages", nm, op->name);
			cr_assert_eq(genpt_gather_release(pt, &g), 0);
			break;
		}
		cr_assert_eq(err, -ENOMEM, "%s: %s: got %d", nm, what, err);
		cr_assert_eq(p->failed, failed + 1, "%s: %s: the call went on allocating", nm,
			     what);
		if (op->gather_untouched)
			cr_assert(tu_gather_eq(&g, &g0), "%s: %s: gather touched", nm, what);
		cr_assert_eq(genpt_gather_release(pt, &g), 0);
		af_reclaim(pt, op->may_leave_tables ? af_map_leftover_pages(pt) : 0, nm, what);
		cr_assert(af_snap_expect_same(p, pt, &s, nm, what), "%s: %s: the table changed",
			  nm, what);
		if (op->after_fail)
			op->after_fail(pt, op);
	}
	af_snap_free(&s);
	return n;
}
