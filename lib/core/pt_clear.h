/* SPDX-License-Identifier: MIT */
/*
 * pt_clear.h - clear the dirty state of the pages a mask names
 * (genpt_clear_dirty), the second half of a harvest split into "read"
 * (read_and_clear_dirty with GENPT_DIRTY_NO_CLEAR) and "clear just before
 * copying", as KVM's manual dirty-log protection and the SMMU dirty-log
 * series do it.
 *
 * Included by pt_generic.h.  Hardware keeps one dirty state per leaf, so a
 * leaf the mask covers only in part is cleaned whole and its dirty pages
 * the mask leaves out are carried (carry.h): nothing is lost.  A leaf whose
 * left-out part does not fit the carry stays dirty (it is reported again).
 */
#ifndef GENPT_PT_CLEAR_H
#define GENPT_PT_CLEAR_H

struct pt_clear_arg {
	const struct genpt_dirty_bitmap *mask;
	uint64_t first, last;      /* the mask's range */
	struct genpt_gather *gather;
};

/* Mask bit of the page holding @va (inside the mask's range). */
static inline uint64_t pt_mask_bit(const struct genpt_dirty_bitmap *m,
				   uint64_t va)
{
	return (va - m->iova) >> m->page_shift;
}

/* The first bit from @b on, up to @end (inclusive), whose value is @set;
 * @end + 1 when none is. */
static uint64_t pt_mask_find(const struct genpt_dirty_bitmap *m, uint64_t b,
			     uint64_t end, bool set)
{
	while (b <= end) {
		uint64_t w = m->bits[b / 64] ^ (set ? 0 : ~0ull);

		w &= ~0ull << (b % 64);
		if (w)
			return pt_min(end + 1, (b & ~63ull) + (uint64_t)__builtin_ctzll(w));
		b = (b | 63) + 1;
	}
	return end + 1;
}

/* First and last address of mask pages [@b0, @b1], clipped to [@lo, @hi]. */
static inline struct genpt_range pt_mask_span(const struct genpt_dirty_bitmap *m,
					      uint64_t b0, uint64_t b1,
					      uint64_t lo, uint64_t hi)
{
	uint64_t f = m->iova + (b0 << m->page_shift);
	uint64_t l = m->iova + (b1 << m->page_shift) + ((1ull << m->page_shift) - 1);

	return (struct genpt_range){ pt_max(f, lo), pt_min(l, hi) };
}

/*
 * The parts of the dirty leaf [@lf, @ll] that the mask does not name, into
 * @out (at most GENPT_CARRY_MAX); false when the mask names none of it or
 * there are more parts than the carry holds (exactly: table.h promises a
 * leaf is left dirty only then).
 */
static bool pt_clear_leftout(const struct pt_clear_arg *a, uint64_t lf,
			     uint64_t ll, struct genpt_range *out,
			     unsigned int *n)
{
	uint64_t lo = pt_max(lf, a->first), hi = pt_min(ll, a->last);
	uint64_t b = pt_mask_bit(a->mask, lo), end = pt_mask_bit(a->mask, hi);
	bool named = false;

	*n = 0;
	if (lf < a->first)
		out[(*n)++] = (struct genpt_range){ lf, a->first - 1 };
	while (b <= end) {
		uint64_t z = pt_mask_find(a->mask, b, end, false), o;

		named |= z > b;
		if (z > end)
			break;
		o = pt_mask_find(a->mask, z, end, true);
		if (*n == GENPT_CARRY_MAX)
			return false;
		out[(*n)++] = pt_mask_span(a->mask, z, o - 1, lo, hi);
		b = o;
	}
	if (ll > a->last) {
		if (*n == GENPT_CARRY_MAX)
			return false;
		out[(*n)++] = (struct genpt_range){ a->last + 1, ll };
	}
	return named;
}

/* The leaf or run at entries [@i, @i + @n) of @s is dirty: clean it if the
 * mask names any of its pages. */
static void pt_clear_leaf(struct genpt *pt, uint64_t *table,
			  const struct pt_span *s, unsigned int i,
			  unsigned int n, const struct pt_clear_arg *a)
{
	struct genpt_range out[GENPT_CARRY_MAX];
	uint64_t lf = pt_entry_va(s, i);
	uint64_t ll = pt_entry_va(s, i + n - 1) + s->size_m1;
	unsigned int nout;

	if (!pt_clear_leftout(a, lf, ll, out, &nout))
		return;
	if (nout && !genpt_carry_add(&pt->carry, out, nout))
		return;
	for (unsigned int j = i; j < i + n; j++)
		pt_set_dirty_state(pt, &table[j], false);
	pt_flush(pt, table, i, n);
	genpt_gather_add_range(a->gather, lf, ll);
}

static void pt_clear_level(struct genpt *pt, unsigned int lvl, uint64_t *table,
			   uint64_t va, uint64_t last,
			   const struct pt_clear_arg *a)
{
	struct pt_span s = pt_span_of(pt, lvl, va, last);

	for (unsigned int i = s.first; i <= s.last_idx; i++) {
		uint64_t e = pt_load_acquire(&table[i]);
		unsigned int k, i0;

		if (fmt_kind(pt, lvl, e) == PT_TABLE) {
			uint64_t first = pt_entry_va(&s, i);

			pt_clear_level(pt, lvl - 1, pt_child(pt, lvl, e),
				       pt_max(first, va),
				       pt_min(first + s.size_m1, last), a);
			continue;
		}
		if (fmt_kind(pt, lvl, e) != PT_LEAF)
			continue;
		k = fmt_leaf_run(pt, lvl, e);
		i0 = i & ~((1u << k) - 1);
		if (fmt_is_dirty(pt, pt_run_dirty_member(pt, lvl, table, i, e)))
			pt_clear_leaf(pt, table, &s, i0, 1u << k, a);
		i = i0 + (1u << k) - 1;
	}
}

static int pt_gen_clear_dirty(struct genpt *pt,
			      const struct genpt_dirty_bitmap *mask,
			      uint64_t first, uint64_t last,
			      struct genpt_gather *gather)
{
	struct pt_clear_arg a = { mask, first, last, gather };
	uint64_t b = 0, end = pt_mask_bit(mask, last);

	/* The carried pages the mask names are clean now too. */
	while ((b = pt_mask_find(mask, b, end, true)) <= end) {
		uint64_t z = pt_mask_find(mask, b, end, false);
		struct genpt_range r = pt_mask_span(mask, b, z - 1, first, last);

		genpt_carry_take(&pt->carry, r.first, r.last, NULL, true);
		b = z;
	}
	/* With tracking off hardware cannot mark a cleaned leaf: leave them. */
	if (pt_tracking(pt))
		pt_clear_level(pt, pt->levels - 1, pt->root, first, last, &a);
	return 0;
}

#endif /* GENPT_PT_CLEAR_H */
