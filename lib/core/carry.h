/* SPDX-License-Identifier: MIT */
/*
 * carry.h - dirty ranges the table carries between harvests.
 *
 * A dirty leaf that reaches outside a harvest's query is cleaned whole (so
 * the next write marks it again) while only the part inside the query is
 * reported; the part outside is remembered here and reported by the next
 * query that overlaps it.  That is what makes chunked harvests (per memory
 * section, per region) converge: without it a leaf straddling two chunks
 * could never be cleaned by either.
 *
 * A fixed number of disjoint, sorted, non-adjacent ranges lives in the
 * handle: no allocation on the harvest path.  When the ranges a leaf needs
 * do not fit, the caller leaves the leaf dirty instead (it is reported
 * again, never lost).  A spinlock makes the store safe for calls on
 * disjoint ranges from several threads.
 */
#ifndef GENPT_CARRY_H
#define GENPT_CARRY_H

#include <stdbool.h>
#include <stdint.h>

#include "genpt/table.h"

#define GENPT_CARRY_MAX 64 /* ranges; 1 KiB in the handle */

struct genpt_range {
	uint64_t first, last; /* inclusive */
};

struct genpt_carry {
	int lock;
	unsigned int n;
	struct genpt_range r[GENPT_CARRY_MAX];
};

/*
 * Add @n ranges (each disjoint from the query that carries them), all or
 * nothing: false when they might not fit.
 */
bool genpt_carry_add(struct genpt_carry *c, const struct genpt_range *r,
		     unsigned int n);

/*
 * Every carried page in [@first, @last]: set in @bm (when not NULL), then
 * forgotten when @drop.  A range the drop would cut in two while the store
 * is full stays whole (reported again later: never lost).
 */
void genpt_carry_take(struct genpt_carry *c, uint64_t first, uint64_t last,
		      const struct genpt_dirty_bitmap *bm, bool drop);

/* Carried ranges now (for statistics and tests). */
unsigned int genpt_carry_count(struct genpt_carry *c);

#endif /* GENPT_CARRY_H */
