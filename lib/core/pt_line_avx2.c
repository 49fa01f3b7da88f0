// SPDX-License-Identifier: MIT
/*
 * pt_line_avx2.c - the scans' line loops with 32-byte AVX2 accesses, for
 * x86-64 processors that have them (chosen at run time, pt_line.h).
 *
 * The SSE2 line test of pt_line.h folds a line into two words and needs
 * about thirty instructions a line; at the read bandwidth of a server core
 * that is most of the time a line takes.  Here each entry is tested
 * exactly, four at a time: (e & mask) ^ val is zero for every entry that
 * matches, so one VPTEST answers "every entry matches" and one VPCMPEQQ
 * per half "which ones do".  About a dozen instructions a line.
 *
 * Each aligned 8-byte element of an aligned 32-byte access is single-copy
 * atomic (the same guarantee the SSE2 path relies on for its 16-byte
 * accesses), and the accesses are inline assembly, outside the C memory
 * model like the hardware's own updates.  The functions are compiled for
 * AVX2 one by one (target attribute), so the rest of the library runs on
 * any x86-64.
 */
#include "core/pt_line.h"

#ifdef PT_LINE_AVX2

#define PT_AVX2 __attribute__((target("avx2")))

typedef long long pt_v4 __attribute__((vector_size(32), aligned(32)));

static inline PT_AVX2 pt_v4 ld32(const uint64_t *p)
{
	pt_v4 v;

	__asm__ volatile("vmovdqa %1, %0" : "=x"(v) : "m"(*(const pt_v4 *)p));
	return v;
}

static inline PT_AVX2 void st32(uint64_t *p, pt_v4 v)
{
	__asm__ volatile("vmovdqa %1, %0" : "=m"(*(pt_v4 *)p) : "x"(v));
}

static inline PT_AVX2 pt_v4 splat(uint64_t x)
{
	return (pt_v4){ (long long)x, (long long)x, (long long)x, (long long)x };
}

/* Zero exactly when every entry of @a and @b matches. */
static inline PT_AVX2 pt_v4 misfits(pt_v4 a, pt_v4 b, pt_v4 m, pt_v4 v)
{
	return ((a & m) ^ v) | ((b & m) ^ v);
}

/*
 * Written with a pointer and two loops (one that cleans, one that does
 * not): the index arithmetic and the test of @clean were half of the loop.
 */
PT_AVX2 unsigned int pt_lines_all_match_avx2(uint64_t *table, unsigned int j,
					       unsigned int end, uint64_t mask,
					       uint64_t val, uint64_t flip,
					       bool clean)
{
	const pt_v4 m = splat(mask), v = splat(val), f = splat(flip), ones = splat(~0ull);
	uint64_t *p = &table[j], *lim = p + (end > j ? (end - j) & ~7u : 0);

	if (clean) {
		for (; p < lim; p += 8) {
			pt_v4 a, b;

			pt_prefetch_ahead(p);
			a = ld32(p);
			b = ld32(p + 4);
			if (!__builtin_ia32_ptestz256(misfits(a, b, m, v), ones))
				break;
			st32(p, a ^ f);
			st32(p + 4, b ^ f);
		}
	} else {
		for (; p < lim; p += 8) {
			pt_prefetch_ahead(p);
			if (!__builtin_ia32_ptestz256(misfits(ld32(p), ld32(p + 4), m, v), ones))
				break;
		}
	}
	return (unsigned int)(p - table);
}

PT_AVX2 unsigned int pt_lines_none_match_avx2(const uint64_t *table,
						unsigned int j, unsigned int end,
						uint64_t mask, uint64_t val)
{
	const pt_v4 m = splat(mask), v = splat(val), ones = splat(~0ull);
	const uint64_t *p = &table[j], *lim = p + (end > j ? (end - j) & ~7u : 0);

	for (; p < lim; p += 8) {
		pt_v4 a, b;

		pt_prefetch_ahead(p);
		a = ld32(p);
		b = ld32(p + 4);
		/* all ones in the elements that match */
		if (!__builtin_ia32_ptestz256((pt_v4)((a & m) == v) | (pt_v4)((b & m) == v),
					      ones))
			break;
	}
	return (unsigned int)(p - table);
}

#else
/* Nothing to build here; ISO C wants a declaration in every file. */
typedef int pt_line_avx2_unused;
#endif /* PT_LINE_AVX2 */
