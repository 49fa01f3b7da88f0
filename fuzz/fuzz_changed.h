/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_changed.h - the address ranges that the operations since the
 * last verify may have changed: what fuzz_formats'
 * incremental verify looks at.
 *
 * Every operation adds the range it acted on (its whole argument range,
 * whatever the outcome: a call that fails must change nothing, so its
 * range is checked too; a range the call must refuse outright, beyond
 * the address space or wrapping, adds only its first address).  An
 * operation that may change any leaf (split-mode tracking) or more ranges
 * than FCH_MAX sets @all, and the next verify is a full one.
 * set_dirty_tracking, which may change the dirty state of every leaf but
 * nothing else, sets @dirty: the next verify checks the dirty state of
 * every leaf and walks every table.  Ranges that overlap or touch are
 * kept as one.
 */
#ifndef GENPT_FUZZ_CHANGED_H
#define GENPT_FUZZ_CHANGED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FCH_MAX 16

struct fch_set {
	bool all, dirty;
	unsigned int n;
	uint64_t lo[FCH_MAX], hi[FCH_MAX];
};

static inline void fch_reset(struct fch_set *c)
{
	c->all = c->dirty = false;
	c->n = 0;
}

/* Every address: what an incremental walk that must see every table
 * (@dirty) looks at. */
static const struct fch_set fch_everything = { true, false, 0, { 0 }, { 0 } };

/* Do [a0, a1] and [b0, b1] overlap or touch? */
static inline bool fch_near(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return (a1 == UINT64_MAX || b0 <= a1 + 1) && (b1 == UINT64_MAX || a0 <= b1 + 1);
}

/* [@first, @last] may have changed; @last < @first: up to the top. */
static inline void fch_add(struct fch_set *c, uint64_t first, uint64_t last)
{
	if (last < first)
		last = UINT64_MAX;
	if (c->all)
		return;
	for (unsigned int i = 0; i < c->n;) {
		if (!fch_near(first, last, c->lo[i], c->hi[i])) {
			i++;
			continue;
		}
		first = c->lo[i] < first ? c->lo[i] : first;
		last = c->hi[i] > last ? c->hi[i] : last;
		c->lo[i] = c->lo[c->n - 1];
		c->hi[i] = c->hi[c->n - 1];
		c->n--;
		i = 0; /* the wider range may now touch one passed before */
	}
	if (c->n == FCH_MAX) {
		c->all = true;
		return;
	}
	c->lo[c->n] = first;
	c->hi[c->n++] = last;
}

/* The range an operation on @len bytes at @iova acted on (@len 0: the
 * address itself; a range past 2^64: up to the top). */
static inline void fch_add_len(struct fch_set *c, uint64_t iova, uint64_t len)
{
	fch_add(c, iova, len ? iova + (len - 1) : iova);
}

/* Does [@first, @last] meet a changed range? */
static inline bool fch_hit(const struct fch_set *c, uint64_t first, uint64_t last)
{
	if (c->all)
		return true;
	for (unsigned int i = 0; i < c->n; i++)
		if (first <= c->hi[i] && last >= c->lo[i])
			return true;
	return false;
}

/*
 * A model's leaves as fch_check_leaves() sees them (kept apart
 * from fuzz_formats' model): @n leaves in address order, leaf @i
 * spanning [first, last] (@span), and the fuzzer's own checks, each
 * called with its state @f: one address translated against the model,
 * a random number, the dirty state of leaf @i.
 */
struct fch_leaves {
	void *f;
	size_t n;
	void (*span)(void *f, size_t i, uint64_t *first, uint64_t *last);
	void (*check_va)(void *f, uint64_t va);
	uint64_t (*rand)(void *f);
	void (*check_dirty)(void *f, size_t i);
};

/* Translations at, inside and around every leaf (@only: every leaf that
 * meets those ranges), and its dirty state (@dirty: of every leaf). */
static inline void fch_check_leaves(const struct fch_leaves *v, const struct fch_set *only,
				    bool dirty)
{
	uint64_t first, last, nb_first = 0, nb_last = 0; /* nb: a neighbour */

	for (size_t i = 0; i < v->n; i++) {
		v->span(v->f, i, &first, &last);
		if (only && !fch_hit(only, first, last)) {
			if (dirty)
				v->check_dirty(v->f, i);
			continue;
		}
		v->check_va(v->f, first);
		v->check_va(v->f, last);
		v->check_va(v->f, first + (v->rand(v->f) % (last - first + 1)));
		/* The addresses just outside the leaf, unless they are the
		 * previous leaf's last or the next leaf's first, which this
		 * loop checks anyway (most leaves sit side by side: the same
		 * translation twice was 2 of every 5 lookups). */
		if (i)
			v->span(v->f, i - 1, &nb_first, &nb_last);
		if (!i || nb_last != first - 1)
			v->check_va(v->f, first - 1);
		if (i + 1 < v->n)
			v->span(v->f, i + 1, &nb_first, &nb_last);
		if (i + 1 == v->n || nb_first != last + 1)
			v->check_va(v->f, last + 1);
		v->check_dirty(v->f, i);
	}
	for (unsigned int k = 0; only && k < only->n; k++) {
		/* the holes: what unmaps removed */
		v->check_va(v->f, only->lo[k] - 1);
		v->check_va(v->f, only->lo[k]);
		v->check_va(v->f, only->hi[k]);
		v->check_va(v->f, only->hi[k] + 1);
	}
}

#endif /* GENPT_FUZZ_CHANGED_H */
