/* SPDX-License-Identifier: MIT */
/*
 * pt_split.h - split large leaves into smaller ones, merge them back.
 *
 * Included by pt_generic.h for formats that define FMT_HAS_ATTRS_OF, i.e.
 * provide fmt_leaf_attrs_of(pt, lvl, e): the attribute bits of leaf e in
 * the form fmt_make_leaf() takes, so a leaf can be re-expressed at another
 * level or run size with the same permissions, memory type and dirty
 * state.
 *
 * Both directions keep every address translatable at every instant, so a
 * device doing DMA meanwhile never faults (no break-before-make window):
 *  - split builds the replacement table completely in private memory and
 *    publishes it with one compare-and-swap of the parent entry; if
 *    hardware set a bit in the old leaf meanwhile (a write marked it
 *    dirty), the new leaves take the dirty state and the swap is retried;
 *  - merge swaps the parent's table pointer for one leaf, then looks at the
 *    old children once more: a write that dirtied one of them between the
 *    check and the swap marks the new leaf dirty too.  A walk that loaded
 *    the old pointer before the swap may still translate through the old
 *    table and mark a child dirty after that second look, so the old table
 *    keeps every translation (the gather lists it on a record page, never
 *    in the table itself; its children's dirty state, handed to the new
 *    leaf, is cleaned) and genpt_gather_release(), which runs after the
 *    invalidation waited for such walks, folds what is dirty in it then
 *    into the new leaf (pt_gen_fold_retired).
 *  - split has no such window: hardware sets A/D with a compare-and-swap of
 *    the entry it walked (RISC-V, Arm HTTU, x86 locked update), and the old
 *    leaf's entry now holds the table pointer, so a late walker's update
 *    fails and it walks again into the new table; an IOTLB entry cached
 *    dirty writes without touching memory, but then the old leaf was dirty
 *    at the swap and every new leaf is too.
 * Re-encoding a run in place (Svnapot, contiguous hint, AMD replicas) is a
 * compare-and-swap per member that carries the member's own dirty bit, so
 * the OR over the members never loses a write.
 */
#ifndef GENPT_PT_SPLIT_H
#define GENPT_PT_SPLIT_H

/* The value of @e made write-clean / write-dirty (private copies). */
static inline uint64_t pt_clean_value(const struct genpt *pt, uint64_t e)
{
	return fmt_has_dirty(pt) ? pt_cleaned(pt, e) : e;
}

static inline uint64_t pt_dirty_value(const struct genpt *pt, uint64_t e)
{
	return fmt_has_dirty(pt) ? pt_dirtied(pt, e) : e;
}

static inline bool pt_cas(uint64_t *p, uint64_t *expected, uint64_t v)
{
	return __atomic_compare_exchange_n(p, expected, v, false,
					   __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/*
 * A leaf value re-expressed at @lvl: entry at @entry_oa, member of a run of
 * 2^@k starting at @run_oa, dirty if @dirty.
 */
static inline uint64_t pt_remake_leaf(const struct genpt *pt, unsigned int lvl,
				      uint64_t run_oa, uint64_t entry_oa,
				      unsigned int k, uint64_t attrs, bool dirty)
{
	uint64_t v = fmt_make_leaf(pt, lvl, run_oa, entry_oa, k, attrs);

	return dirty ? pt_dirty_value(pt, v) : v;
}

/* Output address of entry @i when it holds leaf @e (a member of a run). */
static inline uint64_t pt_member_oa(const struct genpt *pt, unsigned int lvl,
				    unsigned int i, uint64_t e)
{
	unsigned int n = 1u << fmt_leaf_run(pt, lvl, e);

	return fmt_leaf_oa(pt, lvl, e) +
	       ((uint64_t)(i & (n - 1)) << fmt_level_shift(pt, lvl));
}

/* The largest run (log2 entries) at @lvl whose bytes do not exceed 2^@shift. */
static inline unsigned int pt_run_within(const struct genpt *pt,
					 unsigned int lvl, unsigned int shift)
{
	uint32_t mask = fmt_run_mask(pt, lvl);
	unsigned int best = 0;

	for (unsigned int k = 1; k < 32; k++)
		if ((mask & (1u << k)) && fmt_level_shift(pt, lvl) + k <= shift)
			best = k;
	return best;
}

/* ------------------------------------------------- break-before-make -- */

/*
 * pt->bbm (see pt_internal.h): entries [@i, +@n) of @table take their
 * interim value (invalid, or @v0 with the no-cache hint; @v0 0: the old
 * value; the hint is a block's, Arm's nT, so level 0 always breaks), are
 * flushed, and [@first, @last] is invalidated and waited for.
 * Returns whether an old leaf was dirty when it was replaced: with a break
 * the dirty state is gone from the entry and must come from here.
 */
static bool pt_bbm_break(struct genpt *pt, unsigned int lvl, uint64_t *table,
			 unsigned int i, unsigned int n, uint64_t v0, uint64_t first,
			 uint64_t last)
{
	struct pt_bbm *b = pt->bbm;
	bool dirty = false;
	int err;

	for (unsigned int j = i; j < i + n; j++) {
		uint64_t old = pt_load(&table[j]), v;

		do
			v = b->brk || !lvl ? 0 : (v0 ? v0 : old) | b->interim;
		while (!pt_cas(&table[j], &old, v));
		dirty |= fmt_has_dirty(pt) && fmt_kind(pt, lvl, old) == PT_LEAF &&
			 fmt_is_dirty(pt, old);
	}
	pt_flush(pt, table, i, n);
	err = b->sync(b->ctx, first, last);
	if (err && !b->err)
		b->err = err;
	return dirty;
}

/* --------------------------------------------------------------- split -- */

/*
 * Table pages a split needs, taken up front: a split either happens whole
 * or fails with -ENOMEM before touching the table.  The pool is threaded
 * through the (not yet published) pages: slot 0 next, slot 1 pa.
 */
struct pt_pool {
	uint64_t *head;
	uint64_t size;
};

static void pt_pool_drain(struct genpt *pt, struct pt_pool *pool)
{
	while (pool->head) {
		uint64_t *page = pool->head;

		pool->head = (uint64_t *)(uintptr_t)page[0];
		genpt_table_free(pt, page, pool->size);
	}
}

static int pt_pool_fill(struct genpt *pt, struct pt_pool *pool, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t pa;
		uint64_t *page = genpt_table_alloc(pt, pool->size, &pa);

		if (!page) {
			pt_pool_drain(pt, pool);
			return -ENOMEM;
		}
		page[0] = (uint64_t)(uintptr_t)pool->head;
		page[1] = pa;
		pool->head = page;
	}
	return 0;
}

static uint64_t *pt_pool_take(struct pt_pool *pool, uint64_t *pa)
{
	uint64_t *page = pool->head;

	pool->head = (uint64_t *)(uintptr_t)page[0];
	*pa = page[1];
	page[0] = 0;
	page[1] = 0;
	return page;
}

struct pt_split_arg {
	unsigned int shift;       /* target: leaves of at most 2^shift bytes */
	unsigned int leaf_lvl;    /* the highest level that can hold them */
	bool counting;            /* first pass: only count pages */
	bool found;               /* a leaf meets the range */
	bool record;              /* note each leaf split in pt->split_log */
	uint64_t pages;           /* pages the split needs (counting pass) */
	uint64_t records;         /* leaves and runs it splits (counting pass) */
	struct pt_pool pool;
	struct genpt_gather *gather;
};

/*
 * Whether a too-large leaf or run at @lvl can be re-expressed in place, at
 * its own level: the level's entries are not above the target and it can
 * hold a plain leaf or a run no larger than the target there (AMD v1's
 * 512G level holds runs only).
 */
static inline bool pt_split_in_place(const struct genpt *pt, unsigned int lvl,
				     const struct pt_split_arg *a)
{
	return fmt_level_shift(pt, lvl) <= a->shift &&
	       (fmt_can_leaf(pt, lvl) || pt_run_within(pt, lvl, a->shift));
}

/* Table pages needed to re-express one entry of level @lvl down to the
 * target level. */
static uint64_t pt_split_pages(const struct genpt *pt, unsigned int lvl,
			       const struct pt_split_arg *a)
{
	uint64_t pages = 0, mult = 1;

	for (unsigned int c = lvl; c > a->leaf_lvl; c--) {
		pages += mult;
		mult <<= fmt_table_bits(pt, c - 1);
	}
	return pages;
}

/*
 * Fill the private table @t of level @lvl, which maps @oa onwards, with
 * leaves of at most the target size (through child tables where the level
 * is still too large).
 */
static void pt_split_fill(struct genpt *pt, unsigned int lvl, uint64_t *t,
			  uint64_t oa, uint64_t attrs, bool dirty,
			  struct pt_split_arg *a)
{
	unsigned int n = 1u << fmt_table_bits(pt, lvl);
	unsigned int shift = fmt_level_shift(pt, lvl);

	if (lvl <= a->leaf_lvl) {
		unsigned int k = pt_run_within(pt, lvl, a->shift);

		for (unsigned int j = 0; j < n; j++) {
			uint64_t run_oa = oa + ((uint64_t)(j & ~((1u << k) - 1)) << shift);

			t[j] = pt_remake_leaf(pt, lvl, run_oa,
					      oa + ((uint64_t)j << shift), k, attrs,
					      dirty);
		}
	} else {
		for (unsigned int j = 0; j < n; j++) {
			uint64_t pa;
			uint64_t *c = pt_pool_take(&a->pool, &pa);

			pt_split_fill(pt, lvl - 1, c, oa + ((uint64_t)j << shift),
				      attrs, dirty, a);
			t[j] = fmt_make_table(pt, lvl, pa);
		}
	}
	/* Whole before it is linked (its children were, before it). */
	pt_flush(pt, t, 0, n);
}

/* Mark every leaf under the private table @t dirty. */
static void pt_split_mark_dirty(struct genpt *pt, unsigned int lvl, uint64_t *t)
{
	unsigned int n = 1u << fmt_table_bits(pt, lvl);

	for (unsigned int j = 0; j < n; j++) {
		if (fmt_kind(pt, lvl, t[j]) == PT_TABLE)
			pt_split_mark_dirty(pt, lvl - 1, pt_child(pt, lvl, t[j]));
		else
			t[j] = pt_dirty_value(pt, t[j]);
	}
	pt_flush(pt, t, 0, n);
}

/*
 * Split the run (or plain leaf) holding entries [@first_idx, +@n) of
 * @table (level @lvl, run leaf value @e).  @dirty: any member is dirty.
 */
static void pt_split_run(struct genpt *pt, unsigned int lvl, uint64_t *table,
			 const struct pt_span *s, unsigned int first_idx,
			 unsigned int n, uint64_t e, bool dirty,
			 struct pt_split_arg *a)
{
	uint64_t attrs = fmt_leaf_attrs_of(pt, lvl, pt_clean_value(pt, e));
	uint64_t run_first = pt_entry_va(s, first_idx);

	if (!pt_split_in_place(pt, lvl, a)) {
		/* Each member becomes a table of smaller leaves. */
		for (unsigned int j = first_idx; j < first_idx + n; j++) {
			uint64_t old = pt_load(&table[j]), first = pt_entry_va(s, j);
			uint64_t pa, *t = pt_pool_take(&a->pool, &pa);
			bool t_dirty = dirty;

			pt_split_fill(pt, lvl - 1, t, pt_member_oa(pt, lvl, j, old),
				      attrs, dirty, a);
			if (pt->bbm) {
				if (pt_bbm_break(pt, lvl, table, j, 1, 0, first,
						 first + s->size_m1) && !t_dirty) {
					pt_split_mark_dirty(pt, lvl - 1, t);
					t_dirty = true;
				}
				old = pt_load(&table[j]);
			}
			while (!pt_cas(&table[j], &old, fmt_make_table(pt, lvl, pa))) {
				/* Hardware marked the old leaf meanwhile. */
				if (!t_dirty && fmt_is_dirty(pt, old)) {
					pt_split_mark_dirty(pt, lvl - 1, t);
					t_dirty = true;
				}
			}
			if (pt->bbm) /* not invalid a moment longer than needed */
				pt_flush(pt, table, j, 1);
		}
	} else {
		/* The level is small enough, the run is not: re-encode the
		 * members as smaller runs (or plain leaves) in place. */
		unsigned int k = pt_run_within(pt, lvl, a->shift);

		if (pt->bbm) /* the contiguous hint changes: a size change */
			dirty |= pt_bbm_break(pt, lvl, table, first_idx, n, 0, run_first,
					      run_first + (((uint64_t)n << s->shift) - 1));
		for (unsigned int j = first_idx; j < first_idx + n; j++) {
			uint64_t old = pt_load(&table[j]);
			/* From @e: after a break the entry holds nothing. */
			uint64_t oa = pt_member_oa(pt, lvl, j, e);
			uint64_t run_oa = oa - ((uint64_t)(j & ((1u << k) - 1))
						<< s->shift);

			while (!pt_cas(&table[j], &old,
				       pt_remake_leaf(pt, lvl, run_oa, oa, k, attrs,
						      dirty || fmt_is_dirty(pt, old))))
				;
		}
	}
	pt_flush(pt, table, first_idx, n);
	genpt_gather_add_range(a->gather, run_first,
			       run_first + (((uint64_t)n << s->shift) - 1));
}

/* Both passes of a split: count the pages, then do it. */
static void pt_split_level(struct genpt *pt, unsigned int lvl, uint64_t *table,
			   uint64_t va, uint64_t last, struct pt_split_arg *a)
{
	struct pt_span s = pt_span_of(pt, lvl, va, last);

	for (unsigned int i = s.first; i <= s.last_idx; i++) {
		uint64_t e = pt_load_acquire(&table[i]);
		unsigned int k, n, first_idx;
		bool dirty = false;

		if (fmt_kind(pt, lvl, e) == PT_TABLE) {
			uint64_t first = pt_entry_va(&s, i);

			pt_split_level(pt, lvl - 1, pt_child(pt, lvl, e),
				       pt_max(first, va),
				       pt_min(first + s.size_m1, last), a);
			continue;
		}
		if (fmt_kind(pt, lvl, e) != PT_LEAF)
			continue;
		a->found = true;
		k = fmt_leaf_run(pt, lvl, e);
		n = 1u << k;
		first_idx = i & ~(n - 1);
		i = first_idx + n - 1;
		/* Small enough already: a leaf (or run) of at most 2^shift bytes. */
		if (s.shift + k <= a->shift)
			continue;
		if (a->counting) {
			if (!pt_split_in_place(pt, lvl, a))
				a->pages += n * pt_split_pages(pt, lvl, a);
			a->records++;
			continue;
		}
		if (a->record)
			genpt_split_log_add(pt, pt_entry_va(&s, first_idx), lvl, k,
					    pt_clean_value(pt, pt_load(&table[first_idx])));
		for (unsigned int j = first_idx; j < first_idx + n && !dirty; j++)
			dirty = fmt_has_dirty(pt) && fmt_is_dirty(pt, pt_load(&table[j]));
		pt_split_run(pt, lvl, table, &s, first_idx, n, e, dirty, a);
	}
}

static int pt_gen_split(struct genpt *pt, uint64_t iova, uint64_t last,
			unsigned int page_shift, struct genpt_gather *gather,
			bool record)
{
	struct pt_split_arg a = {
		.shift = page_shift,
		.counting = true,
		.record = record,
		.pool = { .head = NULL, .size = pt_table_size(pt, 0) },
		.gather = gather,
	};
	int err;

	/* The level whose leaves are the target: the highest one that can
	 * hold a leaf or a run no larger than 2^page_shift (level 0 always
	 * can).  A level with runs but no plain leaf counts (AMD v1's 512G
	 * level holds 1T..128T runs): skipping it would build a table per
	 * entry there and fill them with pages far below the target. */
	a.leaf_lvl = 0;
	for (unsigned int l = 1; l < pt->levels; l++)
		if (pt_split_in_place(pt, l, &a))
			a.leaf_lvl = l;

	pt_split_level(pt, pt->levels - 1, pt->root, iova, last, &a);
	if (!a.found)
		return -ENOENT;
	err = record ? genpt_split_log_reserve(pt, a.records) : 0;
	if (err)
		return err;
	err = pt_pool_fill(pt, &a.pool, a.pages);
	if (err) {
		genpt_split_log_unreserve(pt);
		return err;
	}
	a.counting = false;
	pt_split_level(pt, pt->levels - 1, pt->root, iova, last, &a);
	if (record)
		genpt_split_log_unreserve(pt);
	return 0;
}

/* --------------------------------------------------------------- merge -- */

struct pt_merge_arg {
	uint64_t first, last;     /* only whole tables and runs inside merge */
	bool found;
	struct genpt_gather *gather;
};

/* Whether a leaf of the level-0 table @t lies in [@va, @last]: the count
 * does not descend there, and merge must know before it reserves. */
static bool pt_merge_any_leaf0(const struct genpt *pt, const uint64_t *t,
			       uint64_t va, uint64_t last)
{
	struct pt_span s = pt_span_of(pt, 0, va, last);

	for (unsigned int i = s.first; i <= s.last_idx; i++)
		if (fmt_kind(pt, 0, pt_load_acquire(&t[i])) == PT_LEAF)
			return true;
	return false;
}

/*
 * A table merges only when its first entry @e (at level @lvl) is, or
 * becomes, a leaf: an empty entry, or a table mapping nothing (unmaps leave
 * those), never does.
 */
static bool pt_merge_may_lead(const struct genpt *pt, unsigned int lvl,
			      uint64_t e)
{
	switch (fmt_kind(pt, lvl, e)) {
	case PT_LEAF:
		return true;
	case PT_TABLE:
		return lvl > 0 && !pt_subtree_empty(pt, lvl, e);
	default:
		return false;
	}
}

/*
 * Tables a merge of [va, last] may retire: every table hanging, wholly
 * inside the range, from a level that can hold a leaf, that may merge.
 * Counted before anything changes so the gather can make room for them
 * (all or nothing).
 * Level-0 tables hold no tables, so this reads one entry in 512 (all of
 * them only until a leaf is found: whether any is decides -ENOENT).
 */
static uint64_t pt_merge_count(const struct genpt *pt, unsigned int lvl,
			       const uint64_t *table, uint64_t va, uint64_t last,
			       struct pt_merge_arg *a)
{
	struct pt_span s = pt_span_of(pt, lvl, va, last);
	uint64_t n = 0;

	for (unsigned int i = s.first; i <= s.last_idx; i++) {
		uint64_t e = pt_load_acquire(&table[i]);
		uint64_t first = pt_entry_va(&s, i), end = first + s.size_m1;

		const uint64_t *child;

		a->found |= fmt_kind(pt, lvl, e) == PT_LEAF;
		if (fmt_kind(pt, lvl, e) != PT_TABLE)
			continue;
		child = pt_child(pt, lvl, e);
		if (lvl > 1)
			n += pt_merge_count(pt, lvl - 1, child, pt_max(first, va),
					    pt_min(end, last), a);
		else if (!a->found)
			a->found = pt_merge_any_leaf0(pt, child, pt_max(first, va),
						      pt_min(end, last));
		n += fmt_can_leaf(pt, lvl) && first >= a->first && end <= a->last &&
		     pt_merge_may_lead(pt, lvl - 1, pt_load_acquire(&child[0]));
	}
	return n;
}

/*
 * The child table merge retired from the entry of level @lvl mapping @iova
 * is no longer used by any walk (the caller's invalidation waited for
 * them), but a walk that loaded the old pointer before the swap may have
 * marked one of its leaves dirty after merge's second look.  Carry that to
 * the leaf that maps @iova now, if it still maps what the table mapped
 * (the caller may have unmapped or remapped the range meanwhile).
 */
static void pt_gen_fold_retired(struct genpt *pt, unsigned int lvl,
				uint64_t iova, const uint64_t *child)
{
	bool handed_over = lvl & GENPT_RETIRED_HANDED_OVER;
	struct pt_leaf_ref r;
	unsigned int c, n;
	uint64_t base;
	bool dirty = false;

	lvl &= ~GENPT_RETIRED_HANDED_OVER;
	c = lvl - 1;
	n = 1u << fmt_table_bits(pt, c);
	if (!handed_over || !fmt_has_dirty(pt) || !pt_tracking(pt))
		return;
	for (unsigned int j = 0; j < n && !dirty; j++)
		dirty = fmt_is_dirty(pt, pt_load(&child[j]));
	if (!dirty)
		return;
	base = pt_member_oa(pt, c, 0, pt_load(&child[0]));
	/* A leaf below @lvl: the range was split since, nothing to fold into. */
	if (!pt_leaf_at(pt, iova, &r) || r.lvl < lvl)
		return;
	if (fmt_leaf_oa(pt, r.lvl, r.e) + (iova - r.first) == base) {
		pt_set_dirty_state(pt, &r.table[r.idx], true);
		pt_flush(pt, r.table, r.idx, 1);
	}
}

/*
 * The dirty state of the retired children now lives in the new leaf: clean
 * them (their translations stay), so that whatever genpt_gather_release()
 * finds dirty in them is a write that went through the old table after
 * this point and must be folded in.  A dirty leaf is final for hardware,
 * so the plain store loses nothing.  With tracking off every writable leaf
 * is dirty and hardware must not have to mark one: leave them.
 */
static unsigned int pt_merge_hand_over(struct genpt *pt, uint64_t *child,
				       unsigned int n)
{
	struct pt_wspan w = { 0 };

	if (!fmt_has_dirty(pt) || !pt_tracking(pt))
		return 0;
	for (unsigned int j = 0; j < n; j++) {
		uint64_t e = pt_load(&child[j]);

		if (fmt_is_dirty(pt, e)) {
			pt_set_dirty_state_from(pt, &child[j], e, false);
			pt_wspan_add(&w, j, j);
		}
	}
	/* Late walks still read it until the gather is released. */
	pt_wspan_flush(pt, child, &w);
	return GENPT_RETIRED_HANDED_OVER;
}

/*
 * Merge under pt->bbm: the table entry @i becomes invalid or @leaf with
 * the no-cache hint, the range is invalidated (no walk uses the child
 * table any more), then @leaf; a write through the interim leaf marks it,
 * and the mark is kept.  The caller then checks the children as usual.
 */
static void pt_merge_bbm(struct genpt *pt, unsigned int lvl, uint64_t *table,
			 const struct pt_span *s, unsigned int i, uint64_t leaf)
{
	uint64_t cur;

	pt_bbm_break(pt, lvl, table, i, 1, leaf, pt_entry_va(s, i),
		     pt_entry_va(s, i) + s->size_m1);
	cur = pt_load(&table[i]);
	while (!pt_cas(&table[i], &cur, leaf))
		if (fmt_has_dirty(pt) && fmt_kind(pt, lvl, cur) == PT_LEAF &&
		    fmt_is_dirty(pt, cur))
			leaf = pt_dirty_value(pt, leaf);
}

/*
 * If the child table @child (level lvl - 1) of entry @i maps one aligned,
 * physically contiguous range with identical attributes, replace it with
 * one leaf at @lvl.
 */
static void pt_merge_table(struct genpt *pt, unsigned int lvl, uint64_t *table,
			   const struct pt_span *s, unsigned int i,
			   uint64_t *child, struct pt_merge_arg *a)
{
	unsigned int c = lvl - 1, n = 1u << fmt_table_bits(pt, c);
	unsigned int cshift = fmt_level_shift(pt, c);
	uint64_t e0 = pt_load(&child[0]), attrs, base, old, leaf;
	unsigned int flag;
	bool dirty = false;

	if (!fmt_can_leaf(pt, lvl) || fmt_kind(pt, c, e0) != PT_LEAF)
		return;
	base = pt_member_oa(pt, c, 0, e0);
	if (base & s->size_m1)
		return;
	attrs = fmt_leaf_attrs_of(pt, c, pt_clean_value(pt, e0));
	for (unsigned int j = 0; j < n; j++) {
		uint64_t e = pt_load(&child[j]);

		if (fmt_kind(pt, c, e) != PT_LEAF ||
		    pt_member_oa(pt, c, j, e) != base + ((uint64_t)j << cshift) ||
		    fmt_leaf_attrs_of(pt, c, pt_clean_value(pt, e)) != attrs)
			return;
		dirty |= fmt_has_dirty(pt) && fmt_is_dirty(pt, e);
	}
	leaf = pt_remake_leaf(pt, lvl, base, base, 0, attrs, dirty);
	old = pt_load(&table[i]);
	/* Hardware may set A in a table entry (x86): retry on the same child. */
	while (!pt_cas(&table[i], &old, pt->bbm ? old : leaf))
		if (fmt_kind(pt, lvl, old) != PT_TABLE ||
		    pt_child(pt, lvl, old) != child)
			return;
	if (pt->bbm)
		pt_merge_bbm(pt, lvl, table, s, i, leaf);
	/* A write that dirtied a child between the check and the swap. */
	for (unsigned int j = 0; j < n && !dirty && fmt_has_dirty(pt); j++)
		if (fmt_is_dirty(pt, pt_load(&child[j]))) {
			pt_set_dirty_state(pt, &table[i], true);
			dirty = true;
		}
	pt_flush(pt, table, i, 1);
	flag = pt_merge_hand_over(pt, child, n);
	genpt_gather_add_range(a->gather, pt_entry_va(s, i),
			       pt_entry_va(s, i) + s->size_m1);
	genpt_gather_add_retired(pt, a->gather, child, pt_table_size(pt, c),
				 pt_entry_va(s, i), lvl | flag);
}

/*
 * Re-encode aligned groups of leaves at @lvl that are contiguous with
 * identical attributes as runs, largest run first.
 */
static void pt_merge_runs(struct genpt *pt, unsigned int lvl, uint64_t *table,
			  const struct pt_span *s, struct pt_merge_arg *a)
{
	uint32_t mask = fmt_run_mask(pt, lvl);

	while (mask) {
		unsigned int k = 31u - (unsigned int)__builtin_clz(mask);
		unsigned int n = 1u << k;

		mask &= ~(1u << k);
		for (unsigned int g = s->first & ~(n - 1); g + n - 1 <= s->last_idx; g += n) {
			uint64_t g_first = pt_entry_va(s, g);
			uint64_t e0 = pt_load(&table[g]), attrs, base;
			bool ok = true;

			if (g_first < a->first ||
			    g_first + (((uint64_t)n << s->shift) - 1) > a->last ||
			    fmt_kind(pt, lvl, e0) != PT_LEAF ||
			    fmt_leaf_run(pt, lvl, e0) >= k)
				continue;
			base = pt_member_oa(pt, lvl, g, e0);
			if (base & (((uint64_t)n << s->shift) - 1))
				continue;
			attrs = fmt_leaf_attrs_of(pt, lvl, pt_clean_value(pt, e0));
			for (unsigned int j = g; j < g + n && ok; j++) {
				uint64_t e = pt_load(&table[j]);

				ok = fmt_kind(pt, lvl, e) == PT_LEAF &&
				     fmt_leaf_run(pt, lvl, e) < k &&
				     pt_member_oa(pt, lvl, j, e) ==
					     base + ((uint64_t)(j - g) << s->shift) &&
				     fmt_leaf_attrs_of(pt, lvl, pt_clean_value(pt, e)) == attrs;
			}
			if (!ok)
				continue;
			/* A run's dirty state is its members' OR: a break keeps
			 * it for the whole run. */
			ok = pt->bbm && pt_bbm_break(pt, lvl, table, g, n, 0, g_first,
						     g_first + (((uint64_t)n << s->shift) - 1));
			for (unsigned int j = g; j < g + n; j++) {
				uint64_t old = pt_load(&table[j]);
				uint64_t oa = base + ((uint64_t)(j - g) << s->shift);

				while (!pt_cas(&table[j], &old,
					       pt_remake_leaf(pt, lvl, base, oa, k, attrs,
							      ok || (fmt_has_dirty(pt) &&
								     fmt_is_dirty(pt, old)))))
					;
			}
			pt_flush(pt, table, g, n);
			genpt_gather_add_range(a->gather, g_first,
					       g_first + (((uint64_t)n << s->shift) - 1));
		}
	}
}

static void pt_merge_level(struct genpt *pt, unsigned int lvl, uint64_t *table,
			   uint64_t va, uint64_t last, struct pt_merge_arg *a)
{
	struct pt_span s = pt_span_of(pt, lvl, va, last);

	for (unsigned int i = s.first; i <= s.last_idx; i++) {
		uint64_t e = pt_load_acquire(&table[i]);
		uint64_t first = pt_entry_va(&s, i), end = first + s.size_m1;

		if (fmt_kind(pt, lvl, e) == PT_LEAF)
			a->found = true;
		if (fmt_kind(pt, lvl, e) != PT_TABLE)
			continue;
		pt_merge_level(pt, lvl - 1, pt_child(pt, lvl, e), pt_max(first, va),
			       pt_min(end, last), a);
		if (first >= a->first && end <= a->last)
			pt_merge_table(pt, lvl, table, &s, i, pt_child(pt, lvl, e), a);
	}
	/* Under break-before-make a run re-formed at level 0 (no nT there)
	 * or at any level with BBML 0 opens a fault window for a TLB gain:
	 * the small leaves stay. */
	if (fmt_run_mask(pt, lvl) && !(pt->bbm && (pt->bbm->brk || !lvl)))
		pt_merge_runs(pt, lvl, table, &s, a);
}

static int pt_gen_merge(struct genpt *pt, uint64_t iova, uint64_t last,
			struct genpt_gather *gather)
{
	struct pt_merge_arg a = { .first = iova, .last = last, .gather = gather };
	uint64_t n = pt_merge_count(pt, pt->levels - 1, pt->root, iova, last, &a);
	int err;

	/* -ENOENT (the table's contents) before -ENOMEM, as documented. */
	if (!a.found)
		return -ENOENT;
	err = genpt_gather_reserve(pt, gather, n);
	if (err)
		return err;
	pt_merge_level(pt, pt->levels - 1, pt->root, iova, last, &a);
	/* The count is an upper bound: a gather merge did not use is left
	 * as it was. */
	genpt_gather_unreserve(pt, gather);
	return a.found ? 0 : -ENOENT;
}

#include "core/pt_restore.h"

#define GENPT_SPLIT_OPS .split = pt_gen_split, .merge = pt_gen_merge, \
	.restore_split = pt_gen_restore_split, .fold_retired = pt_gen_fold_retired,

#endif /* GENPT_PT_SPLIT_H */
