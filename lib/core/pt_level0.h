/* SPDX-License-Identifier: MIT */
/*
 * pt_level0.h - the map and unmap loops over one level-0 table.
 *
 * Included by pt_generic.h.  Almost every entry an edit writes sits at
 * level 0, but the general loops take the level as an argument: every
 * decode then keeps its level tests (a table? the subtree below it?), and
 * the recursive functions spill their counters to the stack, where each
 * entry paid a store-to-load round trip.  Here the level is the constant
 * 0, so the format's accessors fold to a test or two and the loop keeps
 * everything in registers.  What the loops write is exactly what the
 * general ones would (the callers pick them only at level 0).
 */
#ifndef GENPT_PT_LEVEL0_H
#define GENPT_PT_LEVEL0_H

/* Out of line: inlined into the recursive walker, the loop shares its
 * register pressure and spills again. */
#if defined(__GNUC__)
#define PT_NOINLINE __attribute__((noinline))
#else
#define PT_NOINLINE
#endif

/* The loops over one cache line of entries are written out with
 * PT_UNROLL_8 (pt_line.h, included before this file). */
#if defined(__GNUC__)
#define PT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define PT_UNLIKELY(x) (x)
#endif

/*
 * Write @cnt plain leaves at entries @i.. of the level-0 @table, output
 * addresses consecutive from @oa.  A level-0 slot is free only when empty
 * (there is no table below it).  Returns how many were written: fewer than
 * @cnt means the next slot is in use (-EEXIST for the caller).
 */
static inline unsigned int pt_map_plain0(const struct genpt *pt,
					 uint64_t *table, unsigned int i,
					 unsigned int cnt, unsigned int shift,
					 uint64_t oa, uint64_t attrs)
{
	unsigned int j;

	for (j = 0; j < cnt; j++) {
		uint64_t leaf_oa = oa + ((uint64_t)j << shift);

		if (fmt_kind(pt, 0, pt_load(&table[i + j])) != PT_EMPTY)
			break;
		pt_store(&table[i + j], fmt_make_leaf(pt, 0, leaf_oa, leaf_oa, 0, attrs));
	}
	return j;
}

/*
 * True when the eight entries from @p are all plain leaves: one combined
 * test (no branch per entry), so a line of leaves is emptied with eight
 * plain stores.
 */
static inline bool pt_line_plain0(const struct genpt *pt, const uint64_t *p)
{
	unsigned int plain = 1; /* bitwise: no branch per entry */

	PT_UNROLL_8
	for (unsigned int k = 0; k < 8; k++) {
		uint64_t e = pt_load(&p[k]);

		plain &= (unsigned int)(fmt_kind(pt, 0, e) == PT_LEAF) &
			 (unsigned int)(fmt_leaf_run(pt, 0, e) == 0);
	}
	return plain != 0;
}

/*
 * Empty entry @i (and the rest of its run) when it holds a leaf; returns
 * how many entries were emptied (0 for an empty one).  A run met here
 * lies wholly inside the range (pt_gen_unmap() refused the straddling
 * ones), so @i is its first member.  What is present at level 0 is a leaf:
 * genpt never links a table there.
 */
static inline unsigned int pt_unmap_entry0(const struct genpt *pt,
					   uint64_t *table, unsigned int i)
{
	uint64_t e = pt_load(&table[i]);
	unsigned int n;

	if (fmt_kind(pt, 0, e) == PT_EMPTY)
		return 0;
	/* A plain leaf by a predicted branch, not 1 << run: the caller's
	 * next index must not wait for this load (a chain of load
	 * latencies, RISC-V's unmap at twice the others' cost). */
	if (!PT_UNLIKELY(fmt_leaf_run(pt, 0, e))) {
		pt_store(&table[i], PT_EMPTY_ENTRY);
		return 1;
	}
	n = 1u << fmt_leaf_run(pt, 0, e);
	for (unsigned int j = 0; j < n; j++)
		pt_store(&table[i + j], PT_EMPTY_ENTRY);
	return n;
}

/* Empty every leaf of the level-0 @table in [va, last] (no bitmap: plain
 * stores), a cache line of plain leaves at a time where it can. */
static PT_NOINLINE void pt_unmap_level0(struct genpt *pt, uint64_t *table,
					uint64_t va, uint64_t last,
					struct genpt_gather *g,
					uint64_t *unmapped)
{
	struct pt_span s = pt_span_of(pt, 0, va, last);
	unsigned int leaves = 0, lo = s.last_idx + 1, hi = 0;
	unsigned int i = s.first, end = s.last_idx + 1;

	while (i < end) {
		unsigned int n;

		if (i + 8 <= end && pt_line_plain0(pt, &table[i])) {
			PT_UNROLL_8
			for (unsigned int k = 0; k < 8; k++)
				pt_store(&table[i + k], PT_EMPTY_ENTRY);
			n = 8;
		} else {
			n = pt_unmap_entry0(pt, table, i);
			if (!n) {
				i++;
				continue;
			}
		}
		lo = i < lo ? i : lo;
		leaves += n;
		i += n;
		hi = i - 1;
	}
	if (!leaves)
		return;
	pt_flush(pt, table, lo, hi - lo + 1);
	genpt_gather_add_range(g, pt_entry_va(&s, lo), pt_entry_va(&s, hi) + s.size_m1);
	*unmapped += (uint64_t)leaves << s.shift;
}

/*
 * Entry @e of a level-1 table, next after the one a whole-range edit is
 * working below: start reading the level-0 table it points to.  Each such
 * table begins on a new page, where the hardware prefetchers start cold,
 * and a large unmap reads them one after another straight from memory.
 */
static inline void pt_prefetch_table0(const struct genpt *pt, uint64_t e)
{
	const uint64_t *t;

	if (fmt_kind(pt, 1, e) != PT_TABLE)
		return;
	t = pt_child(pt, 1, e);
	for (unsigned int k = 0; k < 64 && k < (1u << fmt_table_bits(pt, 0)); k += 8)
		__builtin_prefetch(t + k, 1);
}

#endif /* GENPT_PT_LEVEL0_H */
