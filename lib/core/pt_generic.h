/* SPDX-License-Identifier: MIT */
/*
 * pt_generic.h - every table algorithm, written once.
 *
 * Included by a format file after it defined the accessors of pt_fmt.h; it
 * defines static functions and the initializer GENPT_GENERIC_OPS for the
 * format's genpt_fmt_ops.  Because the accessors are static inline in the
 * same translation unit, the compiler folds them into these loops: one copy
 * of the algorithms per format, no indirect call per entry.
 *
 * Concurrency: edits are serialized by the caller (see genpt/table.h);
 * hardware may set A/D bits at any time, so every entry is read with
 * pt_load() and the dirty state is changed by pt_set_dirty_state() alone.
 */
#ifndef GENPT_PT_GENERIC_H
#define GENPT_PT_GENERIC_H

#include <errno.h>

#include "core/bitmap.h"
#include "core/pt_atomic.h"
#include "core/pt_flush.h"
#include "core/pt_fmt.h"
#include "core/pt_internal.h"
#include "core/pt_line.h"
#include "core/pt_skip.h"

/*
 * struct pt_span - the entries of one table that a walk over [va, last]
 * visits: indexes @first..@last_idx, entry i mapping
 * base + (i << shift) .. + (1 << shift) - 1 (modulo 2^64, which keeps the
 * arithmetic right in the upper half of a sign-extended space).  Every
 * algorithm below is a plain index loop over a span; the recursion into a
 * child table hands it the part of [va, last] that the entry covers.
 */
struct pt_span {
	unsigned int first, last_idx;
	unsigned int shift;
	uint64_t size_m1;
	uint64_t base;
};

static inline unsigned int pt_index(const struct genpt *pt, unsigned int lvl,
				    uint64_t va)
{
	uint64_t mask = (1ull << fmt_table_bits(pt, lvl)) - 1;

	return (unsigned int)((va >> fmt_level_shift(pt, lvl)) & mask);
}

/* [va, last] must lie inside one table of level @lvl. */
static inline struct pt_span pt_span_of(const struct genpt *pt,
					unsigned int lvl, uint64_t va,
					uint64_t last)
{
	struct pt_span s;

	s.shift = fmt_level_shift(pt, lvl);
	s.size_m1 = (1ull << s.shift) - 1;
	s.first = pt_index(pt, lvl, va);
	s.last_idx = pt_index(pt, lvl, last);
	s.base = (va & ~s.size_m1) - ((uint64_t)s.first << s.shift);
	return s;
}

static inline uint64_t pt_entry_va(const struct pt_span *s, unsigned int i)
{
	return s->base + ((uint64_t)i << s->shift);
}

static inline uint64_t pt_max(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static inline uint64_t pt_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t *pt_child(const struct genpt *pt, unsigned int lvl,
				 uint64_t e)
{
	return (uint64_t *)pt_phys_to_virt(pt, fmt_table_pa(pt, lvl, e));
}

static inline uint64_t pt_table_size(const struct genpt *pt, unsigned int lvl)
{
	return 8ull << fmt_table_bits(pt, lvl);
}

/*
 * True when no entry of @table is in use, after entries [@gap_first,
 * @gap_last] were emptied.  The neighbours of the gap are the likeliest
 * live entries, so a dense table answers after a load or two; only a table
 * that really is (nearly) empty costs a full scan.
 */
static bool pt_table_is_empty(const struct genpt *pt, unsigned int lvl,
			      const uint64_t *table, unsigned int gap_first,
			      unsigned int gap_last)
{
	unsigned int n = 1u << fmt_table_bits(pt, lvl);

	if (gap_first > 0 &&
	    fmt_kind(pt, lvl, pt_load(&table[gap_first - 1])) != PT_EMPTY)
		return false;
	if (gap_last + 1 < n &&
	    fmt_kind(pt, lvl, pt_load(&table[gap_last + 1])) != PT_EMPTY)
		return false;
	for (unsigned int i = 0; i < n; i++)
		if (fmt_kind(pt, lvl, pt_load(&table[i])) != PT_EMPTY)
			return false;
	return true;
}

/*
 * The child table @child of entry @i is no longer linked (the entry was
 * emptied or replaced by a leaf): hand it to @g.  Hardware may hold the
 * pointer in a walk cache and use it for any address the entry spans, so
 * the whole span needs invalidating before the page is reused.
 */
static void pt_retire_child(struct genpt *pt, unsigned int lvl,
			    const struct pt_span *s, unsigned int i,
			    uint64_t *child, struct genpt_gather *g)
{
	uint64_t first = pt_entry_va(s, i);

	genpt_gather_add_range(g, first, first + s->size_m1);
	genpt_gather_add_page(pt, g, child, pt_table_size(pt, lvl - 1));
}

/* Unlink the (empty) child table of entry @i and retire it. */
static void pt_unlink_child(struct genpt *pt, unsigned int lvl,
			    uint64_t *table, const struct pt_span *s,
			    unsigned int i, uint64_t *child,
			    struct genpt_gather *g)
{
	pt_store(&table[i], PT_EMPTY_ENTRY);
	pt_retire_child(pt, lvl, s, i, child, g);
}

#include "core/pt_level0.h"

/* ---------------------------------------------------------------- map -- */

struct pt_map_arg {
	uint64_t oa_minus_iova; /* oa = va + this, modulo 2^64 */
	uint64_t attrs;
	bool any;               /* a leaf was written ... */
	uint64_t done_last;     /* ... and this is the last address it mapped */
	struct genpt_gather *gather;
};

/*
 * The largest run (log2 entries) that fits at @va / @oa within @last: a
 * run of 2^(shift + k) bytes needs both addresses aligned to it and the
 * range at least that long, so k is bounded by the smaller of the two
 * log2s; the largest allowed size under that bound is the answer (no loop
 * over the sizes: AMD v1 allows eight at each level and a map asks once per
 * entry).
 */
static inline unsigned int pt_pick_run(const struct genpt *pt, unsigned int lvl,
				       unsigned int shift, uint64_t va,
				       uint64_t oa, uint64_t last)
{
	uint32_t mask = fmt_run_mask(pt, lvl);
	uint64_t len = last - va + 1; /* 0: the whole 2^64 */
	unsigned int align = (va | oa) ? (unsigned int)__builtin_ctzll(va | oa) : 64;
	unsigned int fit = len ? 63u - (unsigned int)__builtin_clzll(len) : 64;
	unsigned int lim = align < fit ? align : fit;

	if (!mask || lim <= shift)
		return 0;
	if (lim - shift < 31)
		mask &= (2u << (lim - shift)) - 1;
	return mask ? 31u - (unsigned int)__builtin_clz(mask) : 0;
}

/* True when nothing below the table entry @e of level @lvl maps anything. */
static bool pt_subtree_empty(const struct genpt *pt, unsigned int lvl,
			     uint64_t e)
{
	const uint64_t *t = pt_child(pt, lvl, e);
	unsigned int n = 1u << fmt_table_bits(pt, lvl - 1);

	for (unsigned int i = 0; i < n; i++) {
		uint64_t c = pt_load_acquire(&t[i]);

		switch (fmt_kind(pt, lvl - 1, c)) {
		case PT_EMPTY:
			break;
		case PT_LEAF:
			return false;
		case PT_TABLE:
			if (lvl == 1 || !pt_subtree_empty(pt, lvl - 1, c))
				return false;
			break;
		}
	}
	return true;
}

/*
 * A slot a leaf may take: empty, or holding a table that maps nothing (an
 * unmap that covered it only in part left it).  The map's range covers the
 * slot's whole span, so no other call can be inside that table.
 */
static inline bool pt_slot_free(const struct genpt *pt, unsigned int lvl,
				uint64_t e)
{
	enum pt_kind k = fmt_kind(pt, lvl, e);

	return k == PT_EMPTY ||
	       (k == PT_TABLE && lvl > 0 && pt_subtree_empty(pt, lvl, e));
}

/* Hand the pages of the empty subtree below table entry @e to @g. */
static void pt_retire_subtree(struct genpt *pt, unsigned int lvl, uint64_t e,
			      struct genpt_gather *g)
{
	uint64_t *t = pt_child(pt, lvl, e);
	unsigned int n = 1u << fmt_table_bits(pt, lvl - 1);

	for (unsigned int i = 0; i < n; i++) {
		uint64_t c = pt_load(&t[i]);

		if (fmt_kind(pt, lvl - 1, c) == PT_TABLE)
			pt_retire_subtree(pt, lvl - 1, c, g);
	}
	genpt_gather_add_page(pt, g, t, pt_table_size(pt, lvl - 1));
}

/*
 * Write @leaf into slot @j (pt_slot_free() said yes).  An empty table
 * there goes to the gather with its span: a walk cache may still hold the
 * pointer, so the map's gather must be invalidated before release.
 */
static void pt_put_leaf(struct genpt *pt, unsigned int lvl, uint64_t *table,
			const struct pt_span *s, unsigned int j, uint64_t leaf,
			struct genpt_gather *g)
{
	uint64_t *p = &table[j], old;

	if (fmt_kind(pt, lvl, pt_load(p)) == PT_EMPTY) {
		pt_store(p, leaf);
		return;
	}
	/* Hardware may set A in the table entry meanwhile (x86). */
	old = __atomic_exchange_n(p, leaf, __ATOMIC_ACQ_REL);
	genpt_gather_add_range(g, pt_entry_va(s, j), pt_entry_va(s, j) + s->size_m1);
	pt_retire_subtree(pt, lvl, old, g);
}

/*
 * Write @cnt leaves at entries @i.. of @table: one run of @cnt entries when
 * @run_log2 is set, else @cnt plain leaves with consecutive output
 * addresses.  -EEXIST at the first slot in use; what was written before it
 * is recorded in @a for the caller's undo.
 */
static int pt_map_leaves(struct genpt *pt, unsigned int lvl, uint64_t *table,
			 const struct pt_span *s, unsigned int i,
			 unsigned int cnt, unsigned int run_log2, uint64_t oa,
			 struct pt_map_arg *a)
{
	uint64_t va = pt_entry_va(s, i);

	if (run_log2) {
		/* A run is one translation: check every slot first. */
		for (unsigned int j = 0; j < cnt; j++)
			if (!pt_slot_free(pt, lvl, pt_load_acquire(&table[i + j])))
				return -EEXIST;
		for (unsigned int j = 0; j < cnt; j++)
			pt_put_leaf(pt, lvl, table, s, i + j,
				    fmt_make_leaf(pt, lvl, oa,
						  oa + ((uint64_t)j << s->shift),
						  run_log2, a->attrs),
				    a->gather);
	} else if (lvl == 0) {
		unsigned int n = pt_map_plain0(pt, table, i, cnt, s->shift, oa, a->attrs);

		if (n < cnt) {
			if (n) {
				a->any = true;
				a->done_last = va + (((uint64_t)n << s->shift) - 1);
			}
			return -EEXIST; /* undone (and flushed) by the caller */
		}
	} else {
		for (unsigned int j = 0; j < cnt; j++) {
			uint64_t leaf_oa = oa + ((uint64_t)j << s->shift);

			if (!pt_slot_free(pt, lvl, pt_load_acquire(&table[i + j]))) {
				if (j) {
					a->any = true;
					a->done_last = va + (((uint64_t)j << s->shift) - 1);
				}
				/* The caller's undo unmap rewrites and
				 * flushes what was written: no flush here. */
				return -EEXIST;
			}
			pt_put_leaf(pt, lvl, table, s, i + j,
				    fmt_make_leaf(pt, lvl, leaf_oa, leaf_oa, 0, a->attrs),
				    a->gather);
		}
	}
	pt_flush(pt, table, i, cnt);
	a->any = true;
	a->done_last = va + (((uint64_t)cnt << s->shift) - 1);
	return 0;
}

static int pt_map_level(struct genpt *pt, unsigned int lvl, uint64_t *table,
			uint64_t va, uint64_t last, struct pt_map_arg *a);

/*
 * The child table of entry @p, added when the slot is empty.  Another
 * thread mapping a disjoint range under the same entry may add it first:
 * then its table is used and ours goes back (no leak, one table).  NULL
 * with *@err set when there is none.
 */
static uint64_t *pt_map_child(struct genpt *pt, unsigned int lvl, uint64_t *p,
			      bool *fresh, int *err)
{
	uint64_t e = pt_load_acquire(p), pa;
	uint64_t *child;

	*fresh = false;
	if (fmt_kind(pt, lvl, e) == PT_EMPTY) {
		child = genpt_table_alloc(pt, pt_table_size(pt, lvl - 1), &pa);
		if (!child) {
			*err = -ENOMEM;
			return NULL;
		}
		/* A non-coherent walker must find the page zeroed before any
		 * link to it, and the link right after. */
		pt_flush_page(pt, child, pt_table_size(pt, lvl - 1));
		if (pt_cas_install(p, &e, fmt_make_table(pt, lvl, pa))) {
			pt_flush(pt, p, 0, 1);
			*fresh = true;
			return child;
		}
		genpt_table_free(pt, child, pt_table_size(pt, lvl - 1));
	}
	if (fmt_kind(pt, lvl, e) != PT_TABLE) {
		*err = -EEXIST;
		return NULL;
	}
	return pt_child(pt, lvl, e);
}

/* Descend through entry @i, adding a table when the slot is empty. */
static int pt_map_descend(struct genpt *pt, unsigned int lvl, uint64_t *table,
			  const struct pt_span *s, unsigned int i,
			  uint64_t from, uint64_t to, struct pt_map_arg *a)
{
	uint64_t first = pt_entry_va(s, i);
	uint64_t *child;
	bool fresh;
	int err = 0;

	if (lvl == 0) /* unreachable: lengths are granule aligned */
		return -EINVAL;
	child = pt_map_child(pt, lvl, &table[i], &fresh, &err);
	if (!child)
		return err;
	err = pt_map_level(pt, lvl - 1, child, from, to, a);
	/* A table we added and nothing landed in goes again, but only when
	 * the call covers its whole span: otherwise a thread mapping beside
	 * us may already be using it (genpt_reclaim() frees it later).
	 * Leaves that did land are undone by the caller's unmap. */
	if (err && fresh && from == first && to == first + s->size_m1 &&
	    pt_table_is_empty(pt, lvl - 1, child, 0, 0)) {
		pt_unlink_child(pt, lvl, table, s, i, child, a->gather);
		pt_flush(pt, table, i, 1);
	}
	return err;
}

static int pt_map_level(struct genpt *pt, unsigned int lvl, uint64_t *table,
			uint64_t va, uint64_t last, struct pt_map_arg *a)
{
	struct pt_span s = pt_span_of(pt, lvl, va, last);
	uint32_t mask = fmt_run_mask(pt, lvl);
	/* No run can form when oa - iova is not a multiple of the smallest
	 * run: then plain leaves go in batches as in a level without runs. */
	unsigned int min_run = mask ? s.shift + (unsigned int)__builtin_ctz(mask) : 64;
	bool runs = min_run < 64 && !(a->oa_minus_iova & ((1ull << min_run) - 1));

	for (unsigned int i = s.first; i <= s.last_idx; i++) {
		uint64_t first = pt_entry_va(&s, i), end = first + s.size_m1;
		uint64_t from = pt_max(first, va), to = pt_min(end, last);
		uint64_t oa = from + a->oa_minus_iova;
		unsigned int cnt = 1, k = 0;
		bool whole = from == first && to == end && !(oa & s.size_m1);
		int err;

		/* A level may allow runs but not a plain leaf (AMD v1 has no
		 * 512G page but 1T..128T runs of 512G entries): a whole entry
		 * that no run fits then goes down a level too. */
		if (whole && runs)
			k = pt_pick_run(pt, lvl, s.shift, from, oa, last);
		if (!whole || (!k && !fmt_can_leaf(pt, lvl))) {
			err = pt_map_descend(pt, lvl, table, &s, i, from, to, a);
		} else {
			if (runs)
				cnt = 1u << k;
			else /* every whole entry left in this table */
				cnt = s.last_idx - i +
				      (pt_entry_va(&s, s.last_idx) + s.size_m1 <= last);
			err = pt_map_leaves(pt, lvl, table, &s, i, cnt, k, oa, a);
		}
		if (err)
			return err;
		i += cnt - 1;
	}
	return 0;
}

/*
 * True when [va, last] lies in one level-0 table, short of a whole level-1
 * entry, and no run can form in it: the general walk would only descend
 * at every level above and write plain leaves at level 0 (most maps by a
 * driver: a page or a few).
 */
static inline bool pt_map_is_small(const struct genpt *pt, uint64_t va,
				   uint64_t last, uint64_t oa_minus_iova)
{
	unsigned int shift1 = fmt_level_shift(pt, 1), s0 = fmt_level_shift(pt, 0);
	uint32_t mask = fmt_run_mask(pt, 0);
	uint64_t min_run_m1;

	if (pt->levels < 2 || (va >> shift1) != (last >> shift1) ||
	    last - va >= (1ull << shift1) - 1)
		return false;
	if (!mask)
		return true;
	min_run_m1 = (1ull << (s0 + (unsigned int)__builtin_ctz(mask))) - 1;
	return last - va < min_run_m1 || (oa_minus_iova & min_run_m1);
}

/*
 * The map of a small range (pt_map_is_small()): straight down the index
 * path, adding tables as pt_map_descend() would, then one level-0 loop.
 * The call covers no table's whole span, so a table it added stays on
 * failure, as in the general walk.
 */
static int pt_map_small(struct genpt *pt, uint64_t va, uint64_t last,
			struct pt_map_arg *a)
{
	uint64_t *table = pt->root;
	struct pt_span s;
	unsigned int cnt, n;

	for (unsigned int lvl = pt->levels - 1; lvl > 0; lvl--) {
		bool fresh;
		int err = 0;

		table = pt_map_child(pt, lvl, &table[pt_index(pt, lvl, va)], &fresh, &err);
		if (!table)
			return err;
	}
	s = pt_span_of(pt, 0, va, last);
	cnt = s.last_idx - s.first + 1;
	n = pt_map_plain0(pt, table, s.first, cnt, s.shift, va + a->oa_minus_iova, a->attrs);
	if (n) {
		a->any = true;
		a->done_last = va + (((uint64_t)n << s.shift) - 1);
	}
	if (n < cnt)
		return -EEXIST; /* undone (and flushed) by the caller */
	pt_flush(pt, table, s.first, cnt);
	return 0;
}

static int pt_gen_map(struct genpt *pt, uint64_t iova, uint64_t last,
		      uint64_t oa, unsigned int prot,
		      struct genpt_gather *gather)
{
	struct pt_map_arg a = {
		.oa_minus_iova = oa - iova,
		.attrs = fmt_leaf_attrs(pt, prot, pt_tracking(pt)),
		.gather = gather,
	};
	int err = pt_map_is_small(pt, iova, last, a.oa_minus_iova) ?
			  pt_map_small(pt, iova, last, &a) :
			  pt_map_level(pt, pt->levels - 1, pt->root, iova, last, &a);

	if (err && a.any) {
		/* All or nothing: the range was empty up to the failure, so
		 * removing what we wrote restores the table exactly. */
		uint64_t unmapped;

		pt->ops->unmap(pt, iova, a.done_last, NULL, gather, &unmapped);
	}
	return err;
}

/* ------------------------------------------------------------- unmap -- */

struct pt_unmap_arg {
	uint64_t unmapped;      /* bytes removed */
	struct genpt_gather *gather;
	const struct genpt_dirty_bitmap *bm; /* unmap_read_dirty: where to record */
	bool pending;           /* dirty leaves removed, not yet recorded: */
	uint64_t pend_first, pend_last; /* adjacent ones join one bitmap fill */
};

static void pt_unmap_flush(struct pt_unmap_arg *a)
{
	if (a->pending)
		genpt_bitmap_set(a->bm, a->pend_first, a->pend_last);
	a->pending = false;
}

/* The removed leaf [first, last] was dirty. */
static void pt_unmap_dirty(struct pt_unmap_arg *a, uint64_t first, uint64_t last)
{
	if (a->pending && first == a->pend_last + 1) {
		a->pend_last = last;
		return;
	}
	pt_unmap_flush(a);
	a->pending = true;
	a->pend_first = first;
	a->pend_last = last;
}

/*
 * Empty entries [@i, @i + @n) (one leaf or run).  With a bitmap each entry
 * is taken out with an atomic exchange, so a hardware write racing the
 * unmap either marked the old value (and is recorded) or finds the entry
 * gone and faults: never lost.
 */
static void pt_unmap_leaf(struct genpt *pt, uint64_t *table,
			  const struct pt_span *s, unsigned int i,
			  unsigned int n, struct pt_unmap_arg *a)
{
	bool dirty = false;

	if (!a->bm) {
		for (unsigned int j = 0; j < n; j++)
			pt_store(&table[i + j], PT_EMPTY_ENTRY);
		return;
	}
	for (unsigned int j = 0; j < n; j++)
		dirty |= fmt_is_dirty(pt, __atomic_exchange_n(&table[i + j], PT_EMPTY_ENTRY,
							      __ATOMIC_ACQ_REL));
	if (dirty)
		pt_unmap_dirty(a, pt_entry_va(s, i),
			       pt_entry_va(s, i + n - 1) + s->size_m1);
}

/*
 * @n entries of leaves were removed from entries @lo..@hi of @s: only that
 * span needs invalidating, not the holes around it (a table that was
 * removed adds its own span).  Counted in locals while the loop runs and
 * noted once per table: a store to the shared record per leaf cost 15 % of
 * an unmap of 256 blocks.
 */
static void pt_unmap_note(struct pt_unmap_arg *a, const struct pt_span *s,
			  unsigned int lo, unsigned int hi, unsigned int n)
{
	genpt_gather_add_range(a->gather, pt_entry_va(s, lo),
			       pt_entry_va(s, hi) + s->size_m1);
	a->unmapped += (uint64_t)n << s->shift;
}

/*
 * Remove every leaf in [va, last] below @table.  Leaves straddling the
 * range ends were refused before the walk started, so every run met here
 * lies wholly inside.  A child table is unlinked only when the range covers
 * its whole span: it is empty then, and no call on a disjoint range can be
 * inside it.  One the range covers in part stays, even if now empty,
 * because a thread mapping beside us may be about to write into it.
 */
static void pt_unmap_level(struct genpt *pt, unsigned int lvl, uint64_t *table,
			   uint64_t va, uint64_t last, struct pt_unmap_arg *a)
{
	struct pt_span s;
	unsigned int leaves = 0, lo = 0, hi = 0; /* removed here, lo..hi */
	struct pt_wspan w = { 0 };               /* leaves and links emptied */

	if (lvl == 0 && !a->bm) {
		pt_unmap_level0(pt, table, va, last, a->gather, &a->unmapped);
		return;
	}
	s = pt_span_of(pt, lvl, va, last);
	for (unsigned int i = s.first; i <= s.last_idx; i++) {
		uint64_t e = pt_load_acquire(&table[i]);

		switch (fmt_kind(pt, lvl, e)) {
		case PT_EMPTY:
			break;
		case PT_LEAF: {
			unsigned int n = 1u << fmt_leaf_run(pt, lvl, e);

			pt_unmap_leaf(pt, table, &s, i, n, a);
			if (!leaves)
				lo = i;
			hi = i + n - 1;
			leaves += n;
			i += n - 1;
			break;
		}
		case PT_TABLE: {
			uint64_t first = pt_entry_va(&s, i), end = first + s.size_m1;
			uint64_t *child = pt_child(pt, lvl, e);

			if (lvl == 1 && i < s.last_idx)
				pt_prefetch_table0(pt, pt_load(&table[i + 1]));
			pt_unmap_level(pt, lvl - 1, child, pt_max(first, va),
				       pt_min(end, last), a);
			if (first >= va && end <= last) {
				pt_unlink_child(pt, lvl, table, &s, i, child, a->gather);
				pt_wspan_add(&w, i, i);
			}
			break;
		}
		}
	}
	if (leaves) {
		pt_wspan_add(&w, lo, hi);
		pt_unmap_note(a, &s, lo, hi, leaves);
	}
	pt_wspan_flush(pt, table, &w);
}

/*
 * struct pt_leaf_ref - the entry of the leaf (or run member) that maps an
 * address: where it is, its level, the value read, and the range the leaf
 * or its whole run maps.
 */
struct pt_leaf_ref {
	uint64_t *table;
	unsigned int lvl, idx;
	uint64_t e;
	uint64_t first, last;
};

/* The leaf that maps @va; false when nothing does. */
static inline bool pt_leaf_at(const struct genpt *pt, uint64_t va,
			      struct pt_leaf_ref *r)
{
	uint64_t *table = pt->root;

	for (unsigned int lvl = pt->levels - 1;; lvl--) {
		unsigned int i = pt_index(pt, lvl, va);
		uint64_t e = pt_load_acquire(&table[i]);
		enum pt_kind kind = fmt_kind(pt, lvl, e);

		if (kind == PT_EMPTY || (kind == PT_TABLE && lvl == 0))
			return false;
		if (kind == PT_LEAF) {
			unsigned int shift = fmt_level_shift(pt, lvl) +
					     fmt_leaf_run(pt, lvl, e);
			uint64_t bytes_m1 = shift < 64 ? (1ull << shift) - 1 : UINT64_MAX;

			*r = (struct pt_leaf_ref){ table, lvl, i, e, va & ~bytes_m1,
						   va | bytes_m1 };
			return true;
		}
		table = pt_child(pt, lvl, e);
	}
}

/*
 * The leaf (or run) that maps @va: its range in first..last, the output
 * address of @va in oa.  False when nothing maps @va.
 */
static inline bool pt_find_leaf(const struct genpt *pt, uint64_t va,
				uint64_t *first, uint64_t *last, uint64_t *oa)
{
	struct pt_leaf_ref r;

	if (!pt_leaf_at(pt, va, &r))
		return false;
	*first = r.first;
	*last = r.last;
	*oa = fmt_leaf_oa(pt, r.lvl, r.e) + (va - r.first);
	return true;
}

/*
 * The call's range is exactly the leaf (or run) @r: remove it where the
 * check found it, without a second walk from the root.  The common case of
 * a DMA unmap (one page, one buffer) then costs one walk, as in the kernel.
 */
static void pt_unmap_exact(struct genpt *pt, const struct pt_leaf_ref *r,
			   struct pt_unmap_arg *a)
{
	struct pt_span s = pt_span_of(pt, r->lvl, r->first, r->last);
	unsigned int n = 1u << fmt_leaf_run(pt, r->lvl, r->e);
	unsigned int i = r->idx & ~(n - 1);

	pt_unmap_leaf(pt, r->table, &s, i, n, a);
	pt_unmap_note(a, &s, i, i + n - 1, n);
	pt_flush(pt, r->table, i, n);
}

static int pt_gen_unmap(struct genpt *pt, uint64_t iova, uint64_t last,
			const struct genpt_dirty_bitmap *bm,
			struct genpt_gather *gather, uint64_t *unmapped)
{
	struct pt_unmap_arg a = { .gather = gather, .bm = bm };
	struct pt_leaf_ref r;
	uint64_t first, end, oa;
	bool found;

	/* Refuse before touching anything: never split a leaf.  The leaf
	 * at @iova often is the whole range (a one-page unmap): one walk. */
	found = pt_leaf_at(pt, iova, &r);
	if (found && (r.first < iova || r.last > last))
		return -EINVAL;
	if (found && r.last == last) {
		pt_unmap_exact(pt, &r, &a);
		goto done;
	}
	end = found ? r.last : iova;
	if (end < last && pt_find_leaf(pt, last, &first, &end, &oa) && end > last)
		return -EINVAL;
	pt_unmap_level(pt, pt->levels - 1, pt->root, iova, last, &a);
done:
	if (bm)
		pt_unmap_flush(&a);
	/* What the table carried for the range goes with its leaves. */
	genpt_carry_take(&pt->carry, iova, last, bm, true);
	*unmapped = a.unmapped;
	return 0;
}

static int pt_gen_iova_to_phys(struct genpt *pt, uint64_t iova, uint64_t *oa)
{
	uint64_t first, last;

	return pt_find_leaf(pt, iova, &first, &last, oa) ? 0 : -ENOENT;
}

/* ------------------------------------------------------------- dirty -- */

/* @e made write-clean / write-dirty. */
static inline uint64_t pt_cleaned(const struct genpt *pt, uint64_t e)
{
	struct pt_dirty_enc d = fmt_dirty_enc(pt);

	return (e & ~d.dirty_set) | d.dirty_clear;
}

static inline uint64_t pt_dirtied(const struct genpt *pt, uint64_t e)
{
	struct pt_dirty_enc d = fmt_dirty_enc(pt);

	return (e & ~d.dirty_clear) | d.dirty_set;
}

/*
 * Make the live leaf at @p, last loaded as @e, write-dirty or write-clean
 * without losing what hardware does to it meanwhile.  Hardware only ever
 * sets the accessed flag and moves a leaf from clean to dirty.  Once the
 * accessed flag is set, the dirty state is all it can still change, and
 * the value stored here overwrites exactly that: the store is equivalent to
 * a read-modify-write ordered after any hardware update that lands between
 * the load and it.  A plain store costs a fraction of a locked instruction
 * (in place, a dense harvest runs at the speed of memory instead of one
 * locked instruction per entry), and every leaf genpt makes has the flag
 * set.  An entry without it (not made by genpt) takes a compare-and-swap
 * loop.  Software edits of the entry are serialized with this by the
 * caller.
 */
static inline void pt_set_dirty_state_from(const struct genpt *pt,
					   uint64_t *p, uint64_t e, bool dirty)
{
	for (;;) {
		uint64_t v = dirty ? pt_dirtied(pt, e) : pt_cleaned(pt, e);

		if (e & fmt_dirty_enc(pt).accessed) {
			pt_store_relaxed(p, v);
			return;
		}
		if (pt_cas_relaxed(p, &e, v))
			return;
	}
}

static inline void pt_set_dirty_state(const struct genpt *pt, uint64_t *p,
				      bool dirty)
{
	pt_set_dirty_state_from(pt, p, pt_load(p), dirty);
}

/*
 * What a harvest accumulates on its way: adjacent dirty leaves are merged
 * into one pending bitmap range, so a run of dirty 4K leaves becomes one
 * word-at-a-time fill.
 */
struct pt_harvest {
	const struct genpt_dirty_req *q;
	bool pending;
	uint64_t pend_first, pend_last;
};

static void pt_harvest_flush(struct pt_harvest *h)
{
	if (h->pending && h->q->bitmap)
		genpt_bitmap_set(h->q->bitmap, h->pend_first, h->pend_last);
	h->pending = false;
}

/* [first, last] is dirty: record it, clipped to the query. */
static inline void pt_harvest_report(struct pt_harvest *h, uint64_t first,
				     uint64_t last)
{
	const struct genpt_dirty_req *q = h->q;

	first = pt_max(first, q->first);
	last = pt_min(last, q->last);
	if (h->pending && first == h->pend_last + 1) {
		h->pend_last = last;
		return;
	}
	pt_harvest_flush(h);
	h->pending = true;
	h->pend_first = first;
	h->pend_last = last;
}

/* Entries [@i, @j] of @s were cleaned: the IOTLB must forget them. */
static inline void pt_harvest_cleaned(struct pt_harvest *h,
				      const struct pt_span *s, unsigned int i,
				      unsigned int j)
{
	genpt_gather_add_range(h->q->gather, pt_entry_va(s, i),
			       pt_entry_va(s, j) + s->size_m1);
}

/*
 * The indexes of @s whose entries lie wholly inside the query, as the
 * half-open [*lo, *hi): a leaf that reaches outside the query stays dirty
 * for the query that covers the rest, so nothing is ever lost.
 */
static inline void pt_inside(const struct pt_span *s,
			     const struct genpt_dirty_req *q, unsigned int *lo,
			     unsigned int *hi)
{
	*lo = s->first + (pt_entry_va(s, s->first) < q->first);
	*hi = s->last_idx + (pt_entry_va(s, s->last_idx) + s->size_m1 <= q->last);
}

/*
 * The run holding entry @i (of 2^@k entries, @e one member) is dirty:
 * report it, clipped to the query, and clean every member when the whole
 * run lies inside the query.  Hardware marked only the member it wrote
 * through, but the IOTLB may hold the run as one dirty translation.
 */
static void pt_dirty_run(struct genpt *pt, uint64_t *table,
			 const struct pt_span *s, unsigned int i,
			 unsigned int k, struct pt_harvest *h)
{
	unsigned int first = i & ~((1u << k) - 1), last = first + (1u << k) - 1;
	unsigned int lo, hi;

	pt_harvest_report(h, pt_entry_va(s, first),
			  pt_entry_va(s, last) + s->size_m1);
	/* Members outside the span lie outside the query too. */
	pt_inside(s, h->q, &lo, &hi);
	if (!h->q->clear || first < lo || last >= hi)
		return;
	for (unsigned int m = first; m <= last; m++)
		pt_set_dirty_state(pt, &table[m], false);
	pt_flush(pt, table, first, last - first + 1);
	pt_harvest_cleaned(h, s, first, last);
}

/* A dirty member of the run holding entry @i, or @e when none is dirty. */
static uint64_t pt_run_dirty_member(const struct genpt *pt, unsigned int lvl,
				    const uint64_t *table, unsigned int i,
				    uint64_t e)
{
	unsigned int n = 1u << fmt_leaf_run(pt, lvl, e);
	unsigned int first = i & ~(n - 1);

	for (unsigned int j = first; j < first + n; j++) {
		uint64_t m = pt_load(&table[j]);

		if (fmt_is_dirty(pt, m))
			return m;
	}
	return e;
}

static inline bool pt_dirty_plain(const struct genpt *pt, unsigned int lvl,
				  uint64_t e)
{
	return fmt_is_dirty(pt, e) && !fmt_leaf_run(pt, lvl, e);
}

/*
 * Entry @j is a dirty plain leaf (cleaned when @clean): how the scan below
 * takes the entries before and after its whole lines.
 */
static inline bool pt_dirty_plain_step(const struct genpt *pt, unsigned int lvl,
				       uint64_t *table, unsigned int j, bool clean)
{
	uint64_t e = pt_load(&table[j]);

	if (!pt_dirty_plain(pt, lvl, e))
		return false;
	if (clean)
		pt_set_dirty_state_from(pt, &table[j], e, false);
	return true;
}

/*
 * The first index from @j on (at most @end) whose entry is not a dirty
 * plain leaf, cleaning each one it passes when @clean.  A cache line at a
 * time while it can (pt_line.h): one combined test (every entry a dirty
 * plain leaf in which hardware has nothing left to change) and the line
 * stored back cleaned, so the loop keeps up with memory.  Called with a
 * constant @clean.
 */
static inline unsigned int pt_dirty_plain_scan(const struct genpt *pt,
					       unsigned int lvl,
					       uint64_t *table, unsigned int j,
					       unsigned int end, bool clean)
{
	const struct pt_dirty_enc d = fmt_dirty_enc(pt);
	unsigned int head = pt_min(pt_line_up(j), end);
	uint64_t mask, val, flip;

	for (; j < head; j++)
		if (!pt_dirty_plain_step(pt, lvl, table, j, clean))
			return j;
	/* A plain dirty leaf with the accessed flag set. */
	if (!fmt_plain_leaf_pattern(pt, lvl, &mask, &val))
		goto tail;
	mask |= d.hint_mask | d.accessed;
	val |= d.hint_val | d.accessed;
	/* Cleaning flips the same bits in every entry that matches. */
	flip = val ^ pt_cleaned(pt, val);
	j = pt_lines_all_match(table, j, end, mask, val, flip, clean);
tail:
	for (; j < end; j++)
		if (!pt_dirty_plain_step(pt, lvl, table, j, clean))
			break;
	return j;
}

static inline bool pt_quiet(const struct genpt *pt, unsigned int lvl,
			    uint64_t e)
{
	return !(fmt_is_dirty(pt, e) ||
		 (lvl != 0 && fmt_kind(pt, lvl, e) == PT_TABLE));
}

/*
 * The first index from @j on (at most @end) whose entry is dirty or a
 * table: how a harvest passes over clean leaves and holes, a cache line at
 * a time.
 */
static inline unsigned int pt_quiet_end(const struct genpt *pt,
					unsigned int lvl,
					const uint64_t *table, unsigned int j,
					unsigned int end)
{
	const uint64_t mask = fmt_dirty_enc(pt).hint_mask;
	const uint64_t val = fmt_dirty_enc(pt).hint_val;
	unsigned int head = pt_min(pt_line_up(j), end);

	while (j < head && pt_quiet(pt, lvl, pt_load(&table[j])))
		j++;
	if (j < head)
		return j;
	if (!lvl) /* no tables at level 0: only the dirty test */
		j = pt_lines_none_match(table, j, end, mask, val);
	else for (; j + 8 <= end; j += 8) {
		struct pt_line l;
		bool loud = false;

		pt_prefetch_ahead(&table[j]);
		pt_line_load(&l, &table[j]);
		PT_UNROLL_8
		for (unsigned int k = 0; k < 8; k++)
			loud |= (pt_line_entry(&l, k) & mask) == val ||
				fmt_kind(pt, lvl, pt_line_entry(&l, k)) == PT_TABLE;
		if (loud)
			break;
	}
	while (j < end && pt_quiet(pt, lvl, pt_load(&table[j])))
		j++;
	return j;
}

/*
 * Entry @i of @s is a dirty plain leaf: report the stretch of dirty plain
 * leaves it starts and clean those of them wholly inside the query; return
 * the index of the last one.  With the skip loop in pt_dirty_level() this
 * is where a large harvest spends its time.
 */
static unsigned int pt_dirty_stretch(struct genpt *pt, unsigned int lvl,
				     uint64_t *table, const struct pt_span *s,
				     unsigned int i, struct pt_harvest *h)
{
	unsigned int j, lo, hi, end = s->last_idx + 1;

	/* [lo, hi): the entries that may be cleaned. */
	pt_inside(s, h->q, &lo, &hi);
	if (!h->q->clear)
		hi = lo;
	lo = pt_max(lo, i);
	hi = pt_max(hi, lo);
	j = pt_dirty_plain_scan(pt, lvl, table, i, lo, false);
	if (j == lo && lo < hi) {
		j = pt_dirty_plain_scan(pt, lvl, table, lo, hi, true);
		pt_flush(pt, table, lo, j - lo);
		if (j > lo)
			pt_harvest_cleaned(h, s, lo, j - 1);
	}
	if (j == hi)
		j = pt_dirty_plain_scan(pt, lvl, table, j, end, false);
	pt_harvest_report(h, pt_entry_va(s, i), pt_entry_va(s, j - 1) + s->size_m1);
	return j - 1;
}

/*
 * Start reading the table @e points to while the scan is busy with the one
 * before it, as far as pt_prefetch_ahead() will carry on from: every table
 * a scan descends into begins on a new page, where hardware prefetchers
 * start cold.
 */
static inline void pt_prefetch_child(const struct genpt *pt, unsigned int lvl,
				     uint64_t e, const uint64_t *cur)
{
	if (fmt_kind(pt, lvl, e) != PT_TABLE)
		return;
	const uint64_t *c = pt_child(pt, lvl, e);
	unsigned int n = 1u << fmt_table_bits(pt, lvl - 1);

	/* Right after the one being scanned (the default provider packs
	 * tables so): the scan's own look-ahead runs into it already. */
	if (c == cur + n)
		return;
	for (unsigned int k = 0; k < n && k < PT_PREFETCH_AHEAD; k += 8)
		__builtin_prefetch(c + k);
}

/*
 * The harvest scan over the entries of one table.  fmt_is_dirty() is true
 * only for valid leaves, so a run is found through whichever member
 * hardware marked (members before it were clean).  Clean leaves and holes
 * are passed over by a loop of one load and one test per entry (at level 0
 * there are no tables to descend into).
 */
static void pt_dirty_level(struct genpt *pt, unsigned int lvl, uint64_t *table,
			   uint64_t va, uint64_t last, struct pt_harvest *h)
{
	struct pt_span s = pt_span_of(pt, lvl, va, last);

	for (unsigned int i = s.first; i <= s.last_idx; i++) {
		uint64_t e = pt_load_acquire(&table[i]);

		/* A run the query only partly covers is dirty through a member
		 * the scan does not reach too: look at all of it. */
		if ((i == s.first || i == s.last_idx) && !fmt_is_dirty(pt, e) &&
		    fmt_kind(pt, lvl, e) == PT_LEAF && fmt_leaf_run(pt, lvl, e))
			e = pt_run_dirty_member(pt, lvl, table, i, e);

		if (fmt_is_dirty(pt, e)) {
			unsigned int k = fmt_leaf_run(pt, lvl, e);

			if (k) {
				pt_dirty_run(pt, table, &s, i, k, h);
				i = (i | ((1u << k) - 1));
			} else {
				i = pt_dirty_stretch(pt, lvl, table, &s, i, h);
			}
		} else if (lvl && fmt_kind(pt, lvl, e) == PT_TABLE) {
			uint64_t first = pt_entry_va(&s, i), end = first + s.size_m1;
			enum pt_skip_how how = pt_skip_enter(pt, &table[i], &e,
							     first >= va && end <= last,
							     first, end, h->q);

			if (how == PT_SKIP_SKIP)
				continue;
			if (i < s.last_idx)
				pt_prefetch_child(pt, lvl, pt_load(&table[i + 1]),
						  pt_child(pt, lvl, e));
			pt_dirty_level(pt, lvl - 1, pt_child(pt, lvl, e),
				       pt_max(first, va), pt_min(end, last), h);
			if (how == PT_SKIP_VERIFY)
				pt_skip_verified(&table[i], e, fmt_table_seen(pt));
		} else if (i + 1 < s.last_idx) {
			/* Stop before the last entry: it may be part of a run. */
			i = pt_quiet_end(pt, lvl, table, i + 1, s.last_idx) - 1;
		}
	}
}

/*
 * The leaf (or run) that maps @va, when it reaches outside the query and is
 * dirty: report the part inside; when cleaning, carry the part(s) outside
 * (carry.h) and then clean it whole, adding all of it to the gather (the
 * IOTLB may hold it as one translation).  Carry first: a call on the
 * neighbouring range that finds the leaf clean finds the carry.  When the
 * carry is full the leaf stays dirty: the walk reports the inside part and
 * a later query the rest, so nothing is lost.  Returns the last address of
 * the leaf, or @va when there is none.
 */
static uint64_t pt_harvest_edge(struct genpt *pt,
				const struct genpt_dirty_req *q, uint64_t va)
{
	struct pt_leaf_ref r;
	struct genpt_range out[2];
	unsigned int n = 0, k, m0;

	if (!pt_leaf_at(pt, va, &r))
		return va;
	if (r.first >= q->first && r.last <= q->last)
		return r.last;
	k = fmt_leaf_run(pt, r.lvl, r.e);
	if (!fmt_is_dirty(pt, pt_run_dirty_member(pt, r.lvl, r.table, r.idx, r.e)))
		return r.last;
	if (q->bitmap)
		genpt_bitmap_set(q->bitmap, pt_max(r.first, q->first),
				 pt_min(r.last, q->last));
	if (!q->clear)
		return r.last;
	if (r.first < q->first)
		out[n++] = (struct genpt_range){ r.first, q->first - 1 };
	if (r.last > q->last)
		out[n++] = (struct genpt_range){ q->last + 1, r.last };
	if (!genpt_carry_add(&pt->carry, out, n))
		return r.last;
	m0 = r.idx & ~((1u << k) - 1);
	for (unsigned int m = m0; m < m0 + (1u << k); m++)
		pt_set_dirty_state(pt, &r.table[m], false);
	pt_flush(pt, r.table, m0, 1u << k);
	genpt_gather_add_range(q->gather, r.first, r.last);
	return r.last;
}

static int pt_gen_read_and_clear_dirty(struct genpt *pt,
				       const struct genpt_dirty_req *q)
{
	struct pt_harvest h = { .q = q };

	genpt_carry_take(&pt->carry, q->first, q->last, q->bitmap, q->drop);
	/* Only the leaves at the two ends can reach outside the query. */
	if (pt_harvest_edge(pt, q, q->first) < q->last)
		pt_harvest_edge(pt, q, q->last);
	pt_dirty_level(pt, pt->levels - 1, pt->root, q->first, q->last, &h);
	pt_harvest_flush(&h);
	return 0;
}

/* Every writable leaf below @table becomes write-dirty. */
static void pt_all_dirty_level(struct genpt *pt, unsigned int lvl,
			       uint64_t *table)
{
	unsigned int n = 1u << fmt_table_bits(pt, lvl);
	struct pt_wspan w = { 0 };

	for (unsigned int i = 0; i < n; i++) {
		uint64_t e = pt_load_acquire(&table[i]);

		switch (fmt_kind(pt, lvl, e)) {
		case PT_EMPTY:
			break;
		case PT_TABLE:
			pt_skip_forget(pt, &table[i], e);
			pt_all_dirty_level(pt, lvl - 1, pt_child(pt, lvl, e));
			break;
		case PT_LEAF:
			if (fmt_is_writable(pt, e) && !fmt_is_dirty(pt, e)) {
				pt_set_dirty_state(pt, &table[i], true);
				pt_wspan_add(&w, i, i);
			}
			break;
		}
	}
	pt_wspan_flush(pt, table, &w);
}

static void pt_gen_set_all_dirty(struct genpt *pt)
{
	pt_all_dirty_level(pt, pt->levels - 1, pt->root);
}

/* Free every table below @table (which itself stays) and empty it. */
static void pt_free_level(struct genpt *pt, unsigned int lvl, uint64_t *table)
{
	unsigned int n = 1u << fmt_table_bits(pt, lvl);

	for (unsigned int i = 0; i < n; i++) {
		uint64_t e = pt_load_acquire(&table[i]);

		if (fmt_kind(pt, lvl, e) == PT_TABLE) {
			uint64_t *child = pt_child(pt, lvl, e);

			pt_free_level(pt, lvl - 1, child);
			genpt_table_free(pt, child, pt_table_size(pt, lvl - 1));
		}
		pt_store(&table[i], PT_EMPTY_ENTRY);
	}
}

static void pt_gen_free_tables(struct genpt *pt)
{
	pt_free_level(pt, pt->levels - 1, pt->root);
}

static bool pt_gen_has_dirty(const struct genpt *pt)
{
	return fmt_has_dirty(pt);
}

#include "core/pt_clear.h"
#include "core/pt_query.h"
#include "core/pt_reclaim.h"
#include "core/pt_shard.h"

#ifdef FMT_HAS_ATTRS_OF
#include "core/pt_split.h"
#else
#define GENPT_SPLIT_OPS
#endif

#define GENPT_GENERIC_OPS                                          \
	GENPT_SPLIT_OPS                                            \
	GENPT_SKIP_OPS                                             \
	.map = pt_gen_map, .unmap = pt_gen_unmap,                  \
	.reclaim = pt_gen_reclaim,                                 \
	.clear_dirty = pt_gen_clear_dirty,                         \
	.leaf_info = pt_gen_leaf_info, .caps = pt_gen_caps,        \
	.iova_to_phys = pt_gen_iova_to_phys,                       \
	.read_and_clear_dirty = pt_gen_read_and_clear_dirty,       \
	.shards = pt_gen_shards,                                   \
	.set_all_dirty = pt_gen_set_all_dirty,                     \
	.free_tables = pt_gen_free_tables, .has_dirty = pt_gen_has_dirty

#endif /* GENPT_PT_GENERIC_H */
