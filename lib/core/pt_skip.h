/* SPDX-License-Identifier: MIT */
/*
 * pt_skip.h - the harvest skips every subtree no device walked into
 * (GENPT_FEAT_TABLE_ACCESSED), using the accessed flag hardware sets in the
 * table entries it walks through.
 *
 * A format that has such a flag defines FMT_HAS_TABLE_ACCESSED and, before
 * including pt_generic.h:
 *   uint64_t fmt_table_accessed(pt)  the accessed flag of a table entry
 *   uint64_t fmt_table_seen(pt)      a bit hardware ignores in table
 *                                    entries, for the "seen" mark below
 *
 * A table entry is in one of three states (A = accessed, S = seen):
 *   A set          a walk read the entry from memory since A was cleared:
 *                  scan the subtree; a cleaning harvest covering the whole
 *                  span clears A and S and adds the span to the gather.
 *   A clear, S clear
 *                  A was cleared (or the entry is new): scan once more; a
 *                  cleaning harvest covering the whole span then sets S,
 *                  if A is still clear (a compare-and-swap).
 *   A clear, S set skip the subtree: it holds no dirty leaf.
 *
 * Why the middle state.  A device may hold the entry in a paging-structure
 * cache (or be in the middle of a walk that read it with A set): it then
 * writes below the entry, setting D in leaves, without setting A again,
 * until the invalidation of the gather completes.  So a harvest right
 * after clearing A cannot trust a clear A.  The caller invalidates the
 * gather (paging-structure caches included) before the next harvest of the
 * range; that invalidation completes every walk that read the entry before
 * A was cleared and drops every cached copy, so from then on a walk into
 * the subtree reads the entry from memory and sets A before it sets D in a
 * leaf.  The scan of the middle state therefore sees every D that a stale
 * copy let through, and every later D comes with A set.  Setting S is a
 * compare-and-swap against the A-clear value: a walk that set A first
 * makes it fail (the entry stays "A set"), one that sets A after it leaves
 * A and S set, which reads as "A set".  Either way the next harvest scans.
 * Order of hardware's own stores does not matter for losing pages: a leaf
 * D set before the table's A is found by the harvest after the A.
 *
 * S means "no dirty leaf below, unless A is set", so only a harvest that
 * cleans every dirty leaf of the subtree (cleaning, and covering the
 * entry's whole span) may set it, and a subtree that software makes dirty
 * must lose it: genpt_set_dirty_tracking(false) marks every leaf dirty and
 * clears every S (pt_skip_forget()).  New leaves start clean while
 * tracking is on, a new table entry starts with A and S clear (scanned),
 * and a harvest with GENPT_DIRTY_NO_CLEAR or a query that covers the span
 * only in part skips a seen subtree but changes no state.  Hardware sets A
 * only while tracking is on (the A/D update enable), so nothing here runs
 * while it is off.
 *
 * Included by pt_generic.h only.
 */
#ifndef GENPT_PT_SKIP_H
#define GENPT_PT_SKIP_H

#ifndef FMT_HAS_TABLE_ACCESSED
/* No accessed flag in table entries: the checks below fold away. */
static inline uint64_t fmt_table_accessed(const struct genpt *pt)
{
	return 0;
}

static inline uint64_t fmt_table_seen(const struct genpt *pt)
{
	return 0;
}
#define GENPT_SKIP_OPS .table_accessed = false,
#else
#define GENPT_SKIP_OPS .table_accessed = true,
#endif

/* What the harvest does with a table entry's subtree. */
enum pt_skip_how {
	PT_SKIP_SCAN,   /* scan it, change nothing after */
	PT_SKIP_VERIFY, /* scan it, then mark the entry seen */
	PT_SKIP_SKIP,   /* leave it alone */
};

/*
 * Decide for table entry *@p (value *@e) of a harvest @q whose range
 * covers the entry's span [@first, @last] wholly when @whole.  When it
 * clears A, *@e becomes the value it wrote and the span joins the gather.
 */
static inline enum pt_skip_how pt_skip_enter(const struct genpt *pt,
					     uint64_t *p, uint64_t *e,
					     bool whole, uint64_t first,
					     uint64_t last,
					     const struct genpt_dirty_req *q)
{
	const uint64_t a = fmt_table_accessed(pt), seen = fmt_table_seen(pt);

	if (!a || !q->skip)
		return PT_SKIP_SCAN;
	if (!(*e & a)) {
		if (*e & seen)
			return PT_SKIP_SKIP;
		return q->clear && whole ? PT_SKIP_VERIFY : PT_SKIP_SCAN;
	}
	if (!q->clear || !whole)
		return PT_SKIP_SCAN;
	/* A plain store, no locked instruction (one per table a device
	 * used: the uniform harvest must not pay for the feature).  Software
	 * edits of the entry are excluded (the range covers its span), and
	 * hardware writes only A, only into an entry it read with A clear: a
	 * walk that read it before this store found A set and writes nothing,
	 * and one that still sets A over it began before the clear, so the
	 * invalidation of the gather completes it before the next harvest
	 * (which scans the subtree again: "A clear, S clear"). */
	*e &= ~(a | seen);
	__atomic_store_n(p, *e, __ATOMIC_RELAXED);
	genpt_gather_add_range(q->gather, first, last);
	return PT_SKIP_SCAN;
}

/* The subtree of *@p was scanned clean with A clear in @e: mark it seen,
 * unless hardware set A meanwhile. */
static inline void pt_skip_verified(uint64_t *p, uint64_t e, uint64_t seen)
{
	uint64_t expect = e;

	__atomic_compare_exchange_n(p, &expect, e | seen, false,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/* Software is about to make leaves below table entry *@p dirty: forget
 * that the subtree was seen clean. */
static inline void pt_skip_forget(const struct genpt *pt, uint64_t *p,
				  uint64_t e)
{
	const uint64_t seen = fmt_table_seen(pt);

	if (e & seen)
		__atomic_fetch_and(p, ~seen, __ATOMIC_RELAXED);
}

#endif /* GENPT_PT_SKIP_H */
