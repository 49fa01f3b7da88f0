/* SPDX-License-Identifier: MIT */
/*
 * pt_reclaim.h - give back the table pages that map nothing.
 *
 * Edits on disjoint ranges run concurrently, so an unmap unlinks a table
 * only when its range covers the table's whole span (no other call can be
 * inside it then).  A table the range covers in part stays even when the
 * unmap emptied it: a thread mapping beside the unmap may be about to
 * write into it.  Reclaim frees such tables under the same rule, for a
 * range the caller holds: the whole input space when it holds the table
 * exclusively.  Included by pt_generic.h only.
 */
#ifndef GENPT_PT_RECLAIM_H
#define GENPT_PT_RECLAIM_H

struct pt_reclaim_arg {
	struct genpt_gather *gather;
	uint64_t freed;         /* bytes of table pages unlinked */
};

/*
 * Unlink the empty tables below @table whose whole span lies inside
 * [va, last].  True when no entry of @table in [va, last] is in use any
 * more (the caller asks only when the range covers all of @table).
 */
static bool pt_reclaim_level(struct genpt *pt, unsigned int lvl,
			     uint64_t *table, uint64_t va, uint64_t last,
			     struct pt_reclaim_arg *a)
{
	struct pt_span s = pt_span_of(pt, lvl, va, last);
	struct pt_wspan w = { 0 };
	bool empty = true;

	for (unsigned int i = s.first; i <= s.last_idx; i++) {
		uint64_t e = pt_load_acquire(&table[i]);
		uint64_t first = pt_entry_va(&s, i), end = first + s.size_m1;
		uint64_t *child;

		switch (fmt_kind(pt, lvl, e)) {
		case PT_EMPTY:
			continue;
		case PT_LEAF:
			empty = false;
			continue;
		case PT_TABLE:
			break;
		}
		child = pt_child(pt, lvl, e);
		if (pt_reclaim_level(pt, lvl - 1, child, pt_max(first, va),
				     pt_min(end, last), a) &&
		    first >= va && end <= last) {
			pt_unlink_child(pt, lvl, table, &s, i, child, a->gather);
			pt_wspan_add(&w, i, i);
			a->freed += pt_table_size(pt, lvl - 1);
		} else {
			empty = false;
		}
	}
	pt_wspan_flush(pt, table, &w);
	return empty;
}

static int pt_gen_reclaim(struct genpt *pt, uint64_t iova, uint64_t last,
			  struct genpt_gather *gather, uint64_t *freed)
{
	struct pt_reclaim_arg a = { .gather = gather };

	pt_reclaim_level(pt, pt->levels - 1, pt->root, iova, last, &a);
	*freed = a.freed;
	return 0;
}

#endif /* GENPT_PT_RECLAIM_H */
