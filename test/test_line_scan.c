// SPDX-License-Identifier: MIT
/*
 * test_line_scan.c - the scans' line loops (lib/core/pt_line.h) against a
 * plain loop over the entries: the portable loop always, and the AVX2 one
 * of pt_line_avx2.c too where the build has it and the processor runs it.
 * Every scan of the suite goes through one of the two, and a machine runs
 * only one of them there, so this is where the other one is checked.
 *
 * Random lines: each entry either matches the pattern (the bits of @mask
 * as @val says, any others) or differs in one bit of @mask; the first
 * misfit sits anywhere, or nowhere, and the range starts and ends on line
 * boundaries or not.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/pt_line.h"

#define N 64 /* entries: eight lines */

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A random bit of @mask (which is not zero). */
static uint64_t mask_bit(uint64_t *s, uint64_t mask)
{
	for (;;) {
		uint64_t b = 1ull << (rng(s) % 64);

		if (mask & b)
			return b;
	}
}

/*
 * One trial's table: every entry matches (mask, val) in the bits of @mask
 * and is random elsewhere, but one in @odd_every on average (none when 0)
 * is turned into a misfit, one bit of @mask flipped.  @match_all false
 * turns it around: misfits, with one in @odd_every a match.
 */
static void fill(uint64_t *t, uint64_t *s, uint64_t mask, uint64_t val,
		 unsigned int odd_every, bool match_all)
{
	for (unsigned int k = 0; k < N; k++) {
		bool odd = odd_every && rng(s) % odd_every == 0;

		t[k] = (rng(s) & ~mask) | val;
		if (odd != match_all)
			continue;
		t[k] ^= mask_bit(s, mask);
	}
}

/* The first line boundary from @j at which a whole line of @t does not
 * all match (reference for pt_lines_all_match). */
static unsigned int ref_all(const uint64_t *t, unsigned int j, unsigned int end,
			    uint64_t mask, uint64_t val)
{
	for (; j + 8 <= end; j += 8)
		for (unsigned int k = 0; k < 8; k++)
			if ((t[j + k] & mask) != val)
				return j;
	return j;
}

static unsigned int ref_none(const uint64_t *t, unsigned int j, unsigned int end,
			     uint64_t mask, uint64_t val)
{
	for (; j + 8 <= end; j += 8)
		for (unsigned int k = 0; k < 8; k++)
			if ((t[j + k] & mask) == val)
				return j;
	return j;
}

typedef unsigned int all_fn(uint64_t *, unsigned int, unsigned int, uint64_t,
			    uint64_t, uint64_t, bool);
typedef unsigned int none_fn(const uint64_t *, unsigned int, unsigned int,
			     uint64_t, uint64_t);

static void check(const char *name, all_fn *all, none_fn *none)
{
	_Alignas(64) uint64_t t[N], want[N], got[N];
	uint64_t s = 0x9e3779b97f4a7c15ull;

	for (unsigned int trial = 0; trial < 20000; trial++) {
		uint64_t mask = rng(&s) | 1, val = rng(&s) & mask, flip = rng(&s);
		unsigned int j = 8 * (unsigned int)(rng(&s) % 4);
		unsigned int end = j + (unsigned int)(rng(&s) % (N - j + 1));
		unsigned int r, w;
		bool clean = trial & 1;

		fill(t, &s, mask, val, (unsigned int)(trial % 5) * 40, true);
		w = ref_all(t, j, end, mask, val);
		memcpy(want, t, sizeof(t));
		for (unsigned int k = j; clean && k < w; k++)
			want[k] ^= flip;
		memcpy(got, t, sizeof(t));
		r = all(got, j, end, mask, val, flip, clean);
		cr_assert_eq(r, w, "%s all_match trial %u: stopped at %u, want %u", name, trial, r, w);
		cr_assert(!memcmp(got, want, sizeof(got)), "%s all_match trial %u: entries", name, trial);

		fill(t, &s, mask, val, 8u << (trial % 6), false);
		w = ref_none(t, j, end, mask, val);
		r = none(t, j, end, mask, val);
		cr_assert_eq(r, w, "%s none_match trial %u: stopped at %u, want %u", name, trial, r, w);
	}
}

Test(line_scan, portable)
{
	check("portable", pt_lines_all_match_base, pt_lines_none_match_base);
}

/* Only where the build has the AVX2 loops (not in sanitizer builds). */
#ifdef PT_LINE_AVX2
Test(line_scan, avx2)
{
	if (!pt_line_avx2())
		cr_skip_test("this processor has no AVX2");
	check("avx2", pt_lines_all_match_avx2, pt_lines_none_match_avx2);
}
#endif
