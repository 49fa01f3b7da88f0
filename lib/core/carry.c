// SPDX-License-Identifier: MIT
/*
 * carry.c - see carry.h.
 */
#include "core/carry.h"

#include "core/bitmap.h"

static void carry_lock(struct genpt_carry *c)
{
	while (__atomic_exchange_n(&c->lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&c->lock, __ATOMIC_RELAXED))
			;
}

static void carry_unlock(struct genpt_carry *c)
{
	__atomic_store_n(&c->lock, 0, __ATOMIC_RELEASE);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static void carry_remove_at(struct genpt_carry *c, unsigned int i)
{
	for (unsigned int j = i; j + 1 < c->n; j++)
		c->r[j] = c->r[j + 1];
	__atomic_store_n(&c->n, c->n - 1, __ATOMIC_RELAXED); /* see genpt_carry_take */
}

static void carry_insert_at(struct genpt_carry *c, unsigned int i,
			    struct genpt_range r)
{
	for (unsigned int j = c->n; j > i; j--)
		c->r[j] = c->r[j - 1];
	c->r[i] = r;
	__atomic_store_n(&c->n, c->n + 1, __ATOMIC_RELAXED); /* see genpt_carry_take */
}

/* @a ends before @b starts, with a gap between them (no overflow at 2^64). */
static bool apart_before(struct genpt_range a, struct genpt_range b)
{
	return a.last < b.first && b.first - a.last > 1;
}

/* Insert @r, joining it with every range it overlaps or touches. */
static void carry_insert(struct genpt_carry *c, struct genpt_range r)
{
	unsigned int i = 0;

	while (i < c->n && apart_before(c->r[i], r))
		i++;
	while (i < c->n && !apart_before(r, c->r[i])) {
		r.first = min_u64(r.first, c->r[i].first);
		r.last = max_u64(r.last, c->r[i].last);
		carry_remove_at(c, i);
	}
	carry_insert_at(c, i, r);
}

bool genpt_carry_add(struct genpt_carry *c, const struct genpt_range *r,
		     unsigned int n)
{
	bool ok;

	carry_lock(c);
	ok = c->n + n <= GENPT_CARRY_MAX;
	for (unsigned int i = 0; ok && i < n; i++)
		carry_insert(c, r[i]);
	carry_unlock(c);
	return ok;
}

/* Forget [first, last] of range @i (which overlaps it); returns the index
 * to continue from. */
static unsigned int carry_cut(struct genpt_carry *c, unsigned int i,
			      uint64_t first, uint64_t last)
{
	struct genpt_range r = c->r[i];
	bool keep_lo = r.first < first, keep_hi = r.last > last;

	if (keep_lo && keep_hi) {
		if (c->n == GENPT_CARRY_MAX)
			return i + 1; /* no room to cut in two: keep it whole */
		c->r[i].last = first - 1;
		carry_insert_at(c, i + 1, (struct genpt_range){ last + 1, r.last });
		return i + 2;
	}
	if (keep_lo) {
		c->r[i].last = first - 1;
		return i + 1;
	}
	if (keep_hi) {
		c->r[i].first = last + 1;
		return i + 1;
	}
	carry_remove_at(c, i);
	return i;
}

void genpt_carry_take(struct genpt_carry *c, uint64_t first, uint64_t last,
		      const struct genpt_dirty_bitmap *bm, bool drop)
{
	unsigned int i = 0;

	/*
	 * Nothing carried: return without the lock, whose cache line would
	 * otherwise bounce between threads unmapping and harvesting disjoint
	 * ranges on every call.  A range carried into [first, last] was
	 * carried by a call on a range that shares a leaf with this one, so
	 * the caller ordered that call before this one (the threading rules):
	 * its count is visible here, and calls running beside this one only
	 * add or forget other ranges, so the count stays above zero.
	 */
	if (!__atomic_load_n(&c->n, __ATOMIC_ACQUIRE))
		return;
	carry_lock(c);
	while (i < c->n && c->r[i].first <= last) {
		if (c->r[i].last < first) {
			i++;
			continue;
		}
		if (bm)
			genpt_bitmap_set(bm, max_u64(c->r[i].first, first),
					 min_u64(c->r[i].last, last));
		i = drop ? carry_cut(c, i, first, last) : i + 1;
	}
	carry_unlock(c);
}

unsigned int genpt_carry_count(struct genpt_carry *c)
{
	unsigned int n;

	carry_lock(c);
	n = c->n;
	carry_unlock(c);
	return n;
}
