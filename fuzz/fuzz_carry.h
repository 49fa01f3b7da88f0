/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_carry.h - the fuzzers' model of the dirty ranges a table
 * carries between harvests (genpt_read_and_clear_dirty, "chunked
 * harvests"), written from the documented rule, not from lib/core/carry.c:
 *
 *  - a cleaning query that meets a dirty leaf reaching outside it cleans
 *    the whole leaf and carries the part(s) outside;
 *  - the table holds at most FC_MAX disjoint ranges; ranges that overlap or
 *    touch are one; a leaf whose outside parts might not fit (fewer than
 *    their number of free slots) stays dirty instead;
 *  - a query reports the carried pages it overlaps and, unless NO_CLEAR,
 *    forgets them; forgetting the middle of a range when all slots are in
 *    use keeps the range whole.
 */
#ifndef GENPT_FUZZ_CARRY_H
#define GENPT_FUZZ_CARRY_H

#include <stdbool.h>
#include <stdint.h>

#define FC_MAX 64

struct fc_range {
	uint64_t first, last;
};

struct fc_carry {
	unsigned int n;
	struct fc_range r[FC_MAX];
};

static inline bool fc_apart(struct fc_range a, struct fc_range b)
{
	return a.last < b.first && b.first - a.last > 1;
}

static inline void fc_del(struct fc_carry *c, unsigned int i)
{
	for (unsigned int j = i; j + 1 < c->n; j++)
		c->r[j] = c->r[j + 1];
	c->n--;
}

static inline void fc_ins(struct fc_carry *c, unsigned int i, struct fc_range r)
{
	for (unsigned int j = c->n; j > i; j--)
		c->r[j] = c->r[j - 1];
	c->r[i] = r;
	c->n++;
}

/* All or nothing, as documented: false when @n more might not fit. */
static inline bool fc_add(struct fc_carry *c, const struct fc_range *r, unsigned int n)
{
	if (c->n + n > FC_MAX)
		return false;
	for (unsigned int k = 0; k < n; k++) {
		struct fc_range x = r[k];
		unsigned int i = 0;

		while (i < c->n && fc_apart(c->r[i], x))
			i++;
		while (i < c->n && !fc_apart(x, c->r[i])) {
			x.first = x.first < c->r[i].first ? x.first : c->r[i].first;
			x.last = x.last > c->r[i].last ? x.last : c->r[i].last;
			fc_del(c, i);
		}
		fc_ins(c, i, x);
	}
	return true;
}

/*
 * The carried part of [first, last]: each overlap handed to @report (may
 * be NULL), then forgotten when @drop.
 */
static inline void fc_take(struct fc_carry *c, uint64_t first, uint64_t last, bool drop,
			   void (*report)(void *ctx, uint64_t f, uint64_t l), void *ctx)
{
	unsigned int i = 0;

	while (i < c->n && c->r[i].first <= last) {
		struct fc_range r = c->r[i];

		if (r.last < first) {
			i++;
			continue;
		}
		if (report)
			report(ctx, r.first > first ? r.first : first, r.last < last ? r.last : last);
		if (!drop) {
			i++;
		} else if (r.first < first && r.last > last) {
			if (c->n == FC_MAX) {
				i++;
				continue;
			}
			c->r[i].last = first - 1;
			fc_ins(c, i + 1, (struct fc_range){ last + 1, r.last });
			i += 2;
		} else if (r.first < first) {
			c->r[i++].last = first - 1;
		} else if (r.last > last) {
			c->r[i++].first = last + 1;
		} else {
			fc_del(c, i);
		}
	}
}

/* A report callback for fc_take() that only notes that something was
 * carried there (ctx: bool). */
static inline void fc_flag_report(void *ctx, uint64_t f, uint64_t l)
{
	(void)f;
	(void)l;
	*(bool *)ctx = true;
}

/*
 * A cleaning query [q0, q1] met the dirty leaf [lf, ll]: true when it is
 * cleaned, i.e. it lies inside or the part(s) outside could be carried;
 * false when the carry is full and the leaf stays dirty.
 */
static inline bool fc_clean_leaf(struct fc_carry *c, uint64_t lf, uint64_t ll, uint64_t q0,
				 uint64_t q1)
{
	struct fc_range out[2];
	unsigned int n = 0;

	if (lf < q0)
		out[n++] = (struct fc_range){ lf, q0 - 1 };
	if (ll > q1)
		out[n++] = (struct fc_range){ q1 + 1, ll };
	return !n || fc_add(c, out, n);
}

static inline bool fc_bit(const uint64_t *bits, uint64_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

/*
 * genpt_clear_dirty() with the mask @bits (bit i: page [q0 + (i << ps),
 * +2^ps)) over [q0, q1] met the dirty leaf [lf, ll]: true when it is
 * cleaned, i.e. the mask names one of its pages and the pages it leaves
 * out (outside [q0, q1], and each run of clear bits inside, clipped to the
 * leaf) are at most FC_MAX pieces that the carry takes; false when it
 * stays dirty.
 */
static inline bool fc_clear_leaf(struct fc_carry *c, uint64_t lf, uint64_t ll, uint64_t q0,
				 uint64_t q1, const uint64_t *bits, unsigned int ps)
{
	struct fc_range out[FC_MAX];
	uint64_t lo = lf > q0 ? lf : q0, hi = ll < q1 ? ll : q1;
	uint64_t b = (lo - q0) >> ps, end = (hi - q0) >> ps;
	unsigned int n = 0;
	bool named = false;

	if (lf < q0)
		out[n++] = (struct fc_range){ lf, q0 - 1 };
	while (b <= end) {
		uint64_t z = b;

		if (fc_bit(bits, b)) {
			named = true;
			b++;
			continue;
		}
		while (z < end && !fc_bit(bits, z + 1))
			z++;
		if (n == FC_MAX)
			return false;
		out[n].first = q0 + (b << ps) > lo ? q0 + (b << ps) : lo;
		out[n].last = q0 + (z << ps) + ((1ull << ps) - 1) < hi ?
				      q0 + (z << ps) + ((1ull << ps) - 1) : hi;
		n++;
		b = z + 1;
	}
	if (ll > q1) {
		if (n == FC_MAX)
			return false;
		out[n++] = (struct fc_range){ q1 + 1, ll };
	}
	return named && fc_add(c, out, n);
}

#endif /* GENPT_FUZZ_CARRY_H */
