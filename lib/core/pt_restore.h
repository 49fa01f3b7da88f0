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

/* A noted leaf: its range, level, output address and attributes. */
struct pt_restore_arg {
	uint64_t first, last, oa, attrs;
	unsigned int lvl;
};

/*
 * Whether [@va, @last] (inside the noted range) is mapped completely by
 * leaves lying inside the noted range, physically contiguous from its
 * output address, all with its attributes, and merge can rebuild it: a
 * table at or below the leaf's level hangs from a level that holds plain
 * leaves (merge turns a table into a leaf of its parent's level; AMD v1's
 * 512 GiB level holds runs only).  One pass over the tables (a lookup per
 * leaf from the root cost three times as much).
 */
static bool pt_restore_intact(const struct genpt *pt, unsigned int lvl,
			      const uint64_t *table, uint64_t va, uint64_t last,
			      const struct pt_restore_arg *a)
{
	struct pt_span s = pt_span_of(pt, lvl, va, last);

	for (unsigned int i = s.first; i <= s.last_idx; i++) {
		uint64_t e = pt_load_acquire(&table[i]), lf, ll;
		unsigned int n, i0;

		if (fmt_kind(pt, lvl, e) == PT_TABLE && lvl > 0) {
			if (lvl <= a->lvl && !fmt_can_leaf(pt, lvl))
				return false;
			lf = pt_entry_va(&s, i);
			if (!pt_restore_intact(pt, lvl - 1, pt_child(pt, lvl, e),
					       pt_max(lf, va), pt_min(lf + s.size_m1, last), a))
				return false;
			continue;
		}
		if (fmt_kind(pt, lvl, e) != PT_LEAF)
			return false;
		n = 1u << fmt_leaf_run(pt, lvl, e);
		i0 = i & ~(n - 1);
		lf = pt_entry_va(&s, i0);
		ll = pt_entry_va(&s, i0 + n - 1) + s.size_m1;
		if (lf < a->first || ll > a->last ||
		    fmt_leaf_oa(pt, lvl, e) != a->oa + (lf - a->first) ||
		    fmt_leaf_attrs_of(pt, lvl, pt_clean_value(pt, e)) != a->attrs)
			return false;
		i = i0 + n - 1;
	}
	return true;
}

/* Newest record first, so a leaf split again (a second split mode call
 * with a smaller page size) is rebuilt before the leaf it came from. */
static int pt_gen_restore_split(struct genpt *pt, struct genpt_gather *gather)
{
	struct genpt_split_rec r;

	while (genpt_split_log_last(pt, &r)) {
		unsigned int lvl = genpt_split_rec_lvl(&r);
		unsigned int shift = fmt_level_shift(pt, lvl) + genpt_split_rec_run(&r);
		struct pt_restore_arg a = { .first = genpt_split_rec_va(&r), .lvl = lvl };

		a.last = a.first + (shift < 64 ? (1ull << shift) - 1 : UINT64_MAX);
		a.oa = fmt_leaf_oa(pt, lvl, r.e);
		a.attrs = fmt_leaf_attrs_of(pt, lvl, r.e);
		if (pt_restore_intact(pt, pt->levels - 1, pt->root, a.first, a.last, &a)) {
			int err = pt_gen_merge(pt, a.first, a.last, gather);

			/* -ENOMEM: the rest stays noted for a retry. */
			if (err && err != -ENOENT)
				return err;
		}
		genpt_split_log_pop(pt);
	}
	return 0;
}

#endif /* GENPT_PT_RESTORE_H */
