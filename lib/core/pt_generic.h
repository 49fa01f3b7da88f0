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
 * pt_load() and the dirty state is changed only by atomic read-modify-write.
 */
#ifndef GENPT_PT_GENERIC_H
#define GENPT_PT_GENERIC_H

#include <errno.h>

#include "core/bitmap.h"
#include "core/pt_atomic.h"
#include "core/pt_fmt.h"
#include "core/pt_internal.h"

/*
 * struct pt_iter - the position of a walk inside one table.
 *
 * The one loop every algorithm shares: visit the entries of @table that
 * intersect [va, last], top to bottom of the address range.  @va is the
 * first address of the walk inside the current entry (the entry's own start
 * except on the first step), @entry_first/@entry_last bound the entry.
 */
struct pt_iter {
	uint64_t *table;
	unsigned int lvl;
	unsigned int idx;
	unsigned int shift;
	uint64_t va;
	uint64_t last;
	uint64_t entry_first;
	uint64_t entry_last;
};

static inline unsigned int pt_index(const struct genpt *pt, unsigned int lvl,
				    uint64_t va)
{
	uint64_t mask = (1ull << fmt_table_bits(pt, lvl)) - 1;

	return (unsigned int)((va >> fmt_level_shift(pt, lvl)) & mask);
}

static inline void pt_iter_place(struct pt_iter *it)
{
	uint64_t size_m1 = (1ull << it->shift) - 1;

	it->entry_first = it->va & ~size_m1;
	it->entry_last = it->va | size_m1;
}

static inline void pt_iter_init(struct pt_iter *it, const struct genpt *pt,
				unsigned int lvl, uint64_t *table, uint64_t va,
				uint64_t last)
{
	it->table = table;
	it->lvl = lvl;
	it->shift = fmt_level_shift(pt, lvl);
	it->idx = pt_index(pt, lvl, va);
	it->va = va;
	it->last = last;
	pt_iter_place(it);
}

/* The last address of the current entry that the walk covers. */
static inline uint64_t pt_iter_sublast(const struct pt_iter *it)
{
	return it->entry_last < it->last ? it->entry_last : it->last;
}

/*
 * Step over @n entries starting with the current one.  False when the walk
 * is done (the range ended, possibly at the very top of the address space).
 */
static inline bool pt_iter_skip(struct pt_iter *it, unsigned int n)
{
	uint64_t end_m1 = it->entry_first + (((uint64_t)n << it->shift) - 1);

	if (end_m1 >= it->last || end_m1 < it->entry_first)
		return false;
	it->idx += n;
	it->va = end_m1 + 1;
	pt_iter_place(it);
	return true;
}

static inline uint64_t pt_iter_load(const struct pt_iter *it)
{
	return pt_load(&it->table[it->idx]);
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
 * The run (or plain leaf) that entry @idx belongs to: its first index, its
 * entry count and its address range.  Runs are aligned to their size in
 * both the index and the address.
 */
struct pt_run {
	unsigned int first_idx;
	unsigned int n;
	uint64_t first, last;
};

static inline struct pt_run pt_run_of(const struct genpt *pt,
				      const struct pt_iter *it, uint64_t e)
{
	unsigned int k = fmt_leaf_run(pt, it->lvl, e);
	uint64_t bytes_m1 = (1ull << (it->shift + k)) - 1;
	struct pt_run r;

	r.n = 1u << k;
	r.first_idx = it->idx & ~(r.n - 1);
	r.first = it->va & ~bytes_m1;
	r.last = it->va | bytes_m1;
	return r;
}

/* True when no entry of @table is in use.  Probes near @hint first:
 * entries next to a just-removed one are the likeliest to be live, so a
 * dense table answers after a load or two. */
static bool pt_table_is_empty(const struct genpt *pt, unsigned int lvl,
			      const uint64_t *table, unsigned int hint)
{
	unsigned int n = 1u << fmt_table_bits(pt, lvl);

	for (unsigned int i = 0; i < n; i++) {
		unsigned int j = (hint + i) & (n - 1);

		if (fmt_kind(pt, lvl, pt_load(&table[j])) != PT_EMPTY)
			return false;
	}
	return true;
}

/* Unlink the (empty) child table of entry @p and hand it to @g. */
static void pt_unlink_child(struct genpt *pt, unsigned int lvl, uint64_t *p,
			    uint64_t *child, struct genpt_gather *g)
{
	pt_store(p, PT_EMPTY_ENTRY);
	genpt_gather_add_page(pt, g, child, pt_table_size(pt, lvl - 1));
}

/* ---------------------------------------------------------------- map -- */

struct pt_map_arg {
	uint64_t oa_minus_iova; /* oa = va + this, modulo 2^64 */
	uint64_t attrs;
	bool any;               /* a leaf was written ... */
	uint64_t done_last;     /* ... and this is the last address it mapped */
	struct genpt_gather *gather;
};

/* The largest run (log2 entries) that fits at the current position. */
static inline unsigned int pt_pick_run(const struct genpt *pt,
				       const struct pt_iter *it, uint64_t oa)
{
	uint32_t mask = fmt_run_mask(pt, it->lvl);

	while (mask) {
		unsigned int k = 31u - (unsigned int)__builtin_clz(mask);
		uint64_t bytes_m1 = (1ull << (it->shift + k)) - 1;

		if (!((it->va | oa) & bytes_m1) && it->last - it->va >= bytes_m1)
			return k;
		mask &= ~(1u << k);
	}
	return 0;
}

/* Write a leaf or a run of 2^k leaves at the iterator; -EEXIST if any slot
 * is taken. */
static int pt_map_leaf(struct genpt *pt, struct pt_iter *it, uint64_t oa,
		       unsigned int k, struct pt_map_arg *a)
{
	unsigned int n = 1u << k;

	for (unsigned int i = 0; i < n; i++)
		if (fmt_kind(pt, it->lvl, pt_load(&it->table[it->idx + i])) !=
		    PT_EMPTY)
			return -EEXIST;
	for (unsigned int i = 0; i < n; i++)
		pt_store(&it->table[it->idx + i],
			 fmt_make_leaf(pt, it->lvl, oa,
				       oa + ((uint64_t)i << it->shift), k,
				       a->attrs));
	a->any = true;
	a->done_last = it->entry_first + (((uint64_t)n << it->shift) - 1);
	return 0;
}

static int pt_map_level(struct genpt *pt, unsigned int lvl, uint64_t *table,
			uint64_t va, uint64_t last, struct pt_map_arg *a)
{
	struct pt_iter it;

	pt_iter_init(&it, pt, lvl, table, va, last);
	for (;;) {
		uint64_t *p = &table[it.idx];
		uint64_t oa = it.va + a->oa_minus_iova;
		uint64_t e = pt_load(p);
		unsigned int n = 1;
		int err;

		if (fmt_can_leaf(pt, lvl) && it.va == it.entry_first &&
		    !(oa & ((1ull << it.shift) - 1)) &&
		    it.last - it.va >= (1ull << it.shift) - 1) {
			unsigned int k = pt_pick_run(pt, &it, oa);

			err = pt_map_leaf(pt, &it, oa, k, a);
			if (err)
				return err;
			n = 1u << k;
		} else {
			uint64_t *child;
			bool fresh = false;

			if (lvl == 0) /* unreachable: lengths are granule aligned */
				return -EINVAL;
			if (fmt_kind(pt, lvl, e) == PT_LEAF)
				return -EEXIST;
			if (fmt_kind(pt, lvl, e) == PT_EMPTY) {
				uint64_t pa;

				child = genpt_table_alloc(pt, pt_table_size(pt, lvl - 1), &pa);
				if (!child)
					return -ENOMEM;
				pt_store(p, fmt_make_table(pt, lvl, pa));
				fresh = true;
			} else {
				child = pt_child(pt, lvl, e);
			}
			err = pt_map_level(pt, lvl - 1, child, it.va,
					   pt_iter_sublast(&it), a);
			if (err) {
				/* A table we added and nothing landed in goes
				 * again; leaves that did land are undone by the
				 * caller's unmap, which frees it then. */
				if (fresh && pt_table_is_empty(pt, lvl - 1, child, 0))
					pt_unlink_child(pt, lvl, p, child, a->gather);
				return err;
			}
		}
		if (!pt_iter_skip(&it, n))
			return 0;
	}
}

/* ------------------------------------------------------------- unmap -- */

struct pt_unmap_arg {
	uint64_t unmapped;
	struct genpt_gather *gather;
};

/*
 * Remove every leaf in [va, last] below @table.  Returns true when @table
 * holds nothing any more.  Leaves straddling the range ends were refused
 * before the walk started, so every run met here lies wholly inside.
 */
static bool pt_unmap_level(struct genpt *pt, unsigned int lvl, uint64_t *table,
			   uint64_t va, uint64_t last, struct pt_unmap_arg *a)
{
	struct pt_iter it;
	unsigned int hint;

	pt_iter_init(&it, pt, lvl, table, va, last);
	hint = it.idx;
	for (;;) {
		uint64_t *p = &table[it.idx];
		uint64_t e = pt_load(p);
		unsigned int n = 1;

		switch (fmt_kind(pt, lvl, e)) {
		case PT_EMPTY:
			break;
		case PT_LEAF: {
			struct pt_run r = pt_run_of(pt, &it, e);

			for (unsigned int i = 0; i < r.n; i++)
				pt_store(&table[r.first_idx + i], PT_EMPTY_ENTRY);
			a->unmapped += r.last - r.first + 1;
			n = r.n - (it.idx - r.first_idx);
			break;
		}
		case PT_TABLE: {
			uint64_t *child = pt_child(pt, lvl, e);

			if (pt_unmap_level(pt, lvl - 1, child, it.va,
					   pt_iter_sublast(&it), a))
				pt_unlink_child(pt, lvl, p, child, a->gather);
			break;
		}
		}
		hint = it.idx + n;
		if (!pt_iter_skip(&it, n))
			break;
	}
	return pt_table_is_empty(pt, lvl, table, hint);
}

/*
 * The leaf (or run) that maps @va: its range in first..last, the output
 * address of @va in oa.  False when
 * nothing maps @va.
 */
static bool pt_find_leaf(const struct genpt *pt, uint64_t va, uint64_t *first,
			 uint64_t *last, uint64_t *oa)
{
	uint64_t *table = pt->root;

	for (unsigned int lvl = pt->levels - 1;; lvl--) {
		struct pt_iter it;
		uint64_t e;

		pt_iter_init(&it, pt, lvl, table, va, va);
		e = pt_iter_load(&it);
		switch (fmt_kind(pt, lvl, e)) {
		case PT_EMPTY:
			return false;
		case PT_LEAF: {
			struct pt_run r = pt_run_of(pt, &it, e);

			*first = r.first;
			*last = r.last;
			*oa = fmt_leaf_oa(pt, lvl, e) + (va - r.first);
			return true;
		}
		case PT_TABLE:
			if (lvl == 0)
				return false;
			table = pt_child(pt, lvl, e);
			break;
		}
	}
}

static int pt_gen_unmap(struct genpt *pt, uint64_t iova, uint64_t last,
			struct genpt_gather *gather, uint64_t *unmapped)
{
	struct pt_unmap_arg a = { .unmapped = 0, .gather = gather };
	uint64_t first, end, oa;

	/* Refuse before touching anything: never split a leaf. */
	if (pt_find_leaf(pt, iova, &first, &end, &oa) && first < iova)
		return -EINVAL;
	if (pt_find_leaf(pt, last, &first, &end, &oa) && end > last)
		return -EINVAL;
	pt_unmap_level(pt, pt->levels - 1, pt->root, iova, last, &a);
	if (a.unmapped)
		genpt_gather_add_range(gather, iova, last);
	*unmapped = a.unmapped;
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
	int err = pt_map_level(pt, pt->levels - 1, pt->root, iova, last, &a);

	if (err && a.any) {
		/* All or nothing: the range was empty up to the failure, so
		 * removing what we wrote restores the table exactly. */
		struct pt_unmap_arg u = { .unmapped = 0, .gather = gather };

		pt_unmap_level(pt, pt->levels - 1, pt->root, iova, a.done_last, &u);
		genpt_gather_add_range(gather, iova, a.done_last);
	}
	return err;
}

static int pt_gen_iova_to_phys(struct genpt *pt, uint64_t iova, uint64_t *oa)
{
	uint64_t first, last;

	return pt_find_leaf(pt, iova, &first, &last, oa) ? 0 : -ENOENT;
}

/* ------------------------------------------------------------- dirty -- */

/*
 * Report, and maybe clean, the leaf or run holding the dirty entry @idx of
 * @table (level @lvl, entry i of the table maps base + (i << shift)).
 * Returns the index of the run's last entry, where the scan resumes.
 */
static unsigned int pt_dirty_run(struct genpt *pt, unsigned int lvl,
				 uint64_t *table, unsigned int idx,
				 uint64_t base, uint64_t e,
				 const struct genpt_dirty_req *q)
{
	unsigned int shift = fmt_level_shift(pt, lvl);
	unsigned int n = 1u << fmt_leaf_run(pt, lvl, e);
	unsigned int first_idx = idx & ~(n - 1);
	uint64_t first = base + ((uint64_t)first_idx << shift);
	uint64_t last = first + (((uint64_t)n << shift) - 1);

	if (q->bitmap)
		genpt_bitmap_set(q->bitmap, first > q->first ? first : q->first,
				 last < q->last ? last : q->last);
	/* A leaf that reaches outside the query stays dirty for the query
	 * that covers the rest: nothing is ever lost.  A run is cleaned
	 * whole: hardware marked only the member it wrote through, but the
	 * IOTLB may hold the run as one dirty translation. */
	if (q->clear && first >= q->first && last <= q->last) {
		for (unsigned int i = 0; i < n; i++)
			fmt_clean(pt, &table[first_idx + i]);
		genpt_gather_add_range(q->gather, first, last);
	}
	return first_idx + n - 1;
}

/*
 * The harvest scan.  It is the one loop that runs over every entry of a
 * large table, so it avoids the general iterator: a plain index loop whose
 * common case (a clean leaf or an empty slot) is one load and one test.
 * fmt_is_dirty() is true only for valid leaves, so a run is found through
 * whichever member hardware marked, and members before it were clean.
 */
static void pt_dirty_level(struct genpt *pt, unsigned int lvl, uint64_t *table,
			   uint64_t va, uint64_t last,
			   const struct genpt_dirty_req *q)
{
	unsigned int shift = fmt_level_shift(pt, lvl);
	uint64_t size_m1 = (1ull << shift) - 1;
	unsigned int idx = pt_index(pt, lvl, va);
	unsigned int last_idx = pt_index(pt, lvl, last);
	/* Address of entry 0 of this table, modulo 2^64. */
	uint64_t base = (va & ~size_m1) - ((uint64_t)idx << shift);

	for (unsigned int i = idx; i <= last_idx; i++) {
		uint64_t e = pt_load(&table[i]);

		if (fmt_is_dirty(pt, e)) {
			i = pt_dirty_run(pt, lvl, table, i, base, e, q);
		} else if (lvl && fmt_kind(pt, lvl, e) == PT_TABLE) {
			uint64_t first = base + ((uint64_t)i << shift);
			uint64_t end = first + size_m1;

			pt_dirty_level(pt, lvl - 1, pt_child(pt, lvl, e),
				       first > va ? first : va,
				       end < last ? end : last, q);
		}
	}
}

static int pt_gen_read_and_clear_dirty(struct genpt *pt,
				       const struct genpt_dirty_req *q)
{
	pt_dirty_level(pt, pt->levels - 1, pt->root, q->first, q->last, q);
	return 0;
}

/* Every writable leaf below @table becomes write-dirty. */
static void pt_all_dirty_level(struct genpt *pt, unsigned int lvl,
			       uint64_t *table)
{
	unsigned int n = 1u << fmt_table_bits(pt, lvl);

	for (unsigned int i = 0; i < n; i++) {
		uint64_t e = pt_load(&table[i]);

		switch (fmt_kind(pt, lvl, e)) {
		case PT_EMPTY:
			break;
		case PT_TABLE:
			pt_all_dirty_level(pt, lvl - 1, pt_child(pt, lvl, e));
			break;
		case PT_LEAF:
			if (fmt_is_writable(pt, e) && !fmt_is_dirty(pt, e))
				fmt_dirty(pt, &table[i]);
			break;
		}
	}
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
		uint64_t e = pt_load(&table[i]);

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

#define GENPT_GENERIC_OPS                                          \
	.map = pt_gen_map, .unmap = pt_gen_unmap,                  \
	.iova_to_phys = pt_gen_iova_to_phys,                       \
	.read_and_clear_dirty = pt_gen_read_and_clear_dirty,       \
	.set_all_dirty = pt_gen_set_all_dirty,                     \
	.free_tables = pt_gen_free_tables, .has_dirty = pt_gen_has_dirty

#endif /* GENPT_PT_GENERIC_H */
