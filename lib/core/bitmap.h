/* SPDX-License-Identifier: MIT */
/*
 * bitmap.h - recording dirty ranges in a genpt_dirty_bitmap.
 *
 * A 1 GiB leaf in a 4 KiB bitmap is 262144 bits: set them a 64-bit word at
 * a time, with partial words only at the two ends.
 */
#ifndef GENPT_BITMAP_H
#define GENPT_BITMAP_H

#include <stdint.h>

#include "genpt/table.h"

/* OR in the bits of every page of [first, last] (inclusive; validated to lie
 * inside the bitmap's range). */
static inline void genpt_bitmap_set(const struct genpt_dirty_bitmap *bm,
				    uint64_t first, uint64_t last)
{
	uint64_t b0 = (first - bm->iova) >> bm->page_shift;
	uint64_t b1 = (last - bm->iova) >> bm->page_shift;
	uint64_t w0 = b0 / 64, w1 = b1 / 64;
	uint64_t m0 = ~0ull << (b0 % 64), m1 = ~0ull >> (63 - b1 % 64);
	uint64_t *w = bm->bits;

	if (w0 == w1) {
		w[w0] |= m0 & m1;
		return;
	}
	w[w0] |= m0;
	for (uint64_t i = w0 + 1; i < w1; i++)
		w[i] = ~0ull;
	w[w1] |= m1;
}

#endif /* GENPT_BITMAP_H */
