/* SPDX-License-Identifier: MIT */
/*
 * pt_restore.h - leaving split mode: merge back each leaf that split mode
 * split (pt->split_log), and nothing else.
 *
 * Included by pt_split.h.  Runs inside genpt_set_dirty_tracking_split(off),
 * which has the table to itself.  Between the split and now the caller may
 * have unmapped, remapped or split parts of a noted range (on disjoint
 * ranges, from any thread), so a record is trusted only after the range
 * proves it still maps what the leaf mapped: every page, through leaves
 * inside the range, from the leaf's output address on, with its
 * attributes.  A changed range is the caller's layout now and stays.
 */
#ifndef GENPT_PT_RESTORE_H
#define GENPT_PT_RESTORE_H

/*
 * Whether [@first, @last] is mapped completely by leaves lying inside it,
 * physically contiguous from @oa, all with the attributes @attrs.
 */
static bool pt_restore_intact(const struct genpt *pt, uint64_t first,
			      uint64_t last, uint64_t oa, uint64_t attrs)
{
	uint64_t va = first;

	for (;;) {
		struct pt_leaf_ref r;

		if (!pt_leaf_at(pt, va, &r) || r.first < first || r.last > last)
			return false;
		if (fmt_leaf_oa(pt, r.lvl, r.e) != oa + (r.first - first) ||
		    fmt_leaf_attrs_of(pt, r.lvl, pt_clean_value(pt, r.e)) != attrs)
			return false;
		if (r.last == last)
			return true;
		va = r.last + 1;
	}
}

/* Newest record first, so a leaf split again (a second split mode call
 * with a smaller page size) is rebuilt before the leaf it came from. */
static int pt_gen_restore_split(struct genpt *pt, struct genpt_gather *gather)
{
	struct genpt_split_rec r;

	while (genpt_split_log_last(pt, &r)) {
		unsigned int lvl = genpt_split_rec_lvl(&r);
		unsigned int shift = fmt_level_shift(pt, lvl) + genpt_split_rec_run(&r);
		uint64_t first = genpt_split_rec_va(&r);
		uint64_t last = first + (shift < 64 ? (1ull << shift) - 1 : UINT64_MAX);

		/* A run of a level without plain leaves (AMD v1's 1 TiB pages
		 * and up) cannot be rebuilt by merge: it stays split whole. */
		if (fmt_can_leaf(pt, lvl) &&
		    pt_restore_intact(pt, first, last, fmt_leaf_oa(pt, lvl, r.e),
				      fmt_leaf_attrs_of(pt, lvl, r.e))) {
			int err = pt_gen_merge(pt, first, last, gather);

			/* -ENOMEM: the rest stays noted for a retry. */
			if (err && err != -ENOENT)
				return err;
		}
		genpt_split_log_pop(pt);
	}
	return 0;
}

#endif /* GENPT_PT_RESTORE_H */
