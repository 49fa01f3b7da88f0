/* SPDX-License-Identifier: MIT */
/*
 * pt_line.h - the scans' inner step: the eight entries of one cache line,
 * loaded together and summed up as two words, and stored back cleaned.
 *
 * Included by pt_generic.h.  A harvest over a large table runs at the
 * speed of memory only if the work per entry is about one instruction, so
 * a line is tested as a whole: @all holds the bits set in every entry, @any
 * the bits set in at least one.  For a pattern (e & mask) == val (val
 * inside mask), "every entry matches" is exactly "@all has val's bits and
 * @any none of the bits mask wants clear", and "no entry matches" follows
 * when either half fails.
 *
 * Two ways to move a line:
 *  - x86-64 (SSE2 is part of the base ISA): four 16-byte loads and stores
 *    in inline assembly.  Each aligned 8-byte half of such an access is
 *    single-copy atomic (the Intel and AMD manuals), which is all the
 *    engine needs of an entry; being assembly, they are outside the C
 *    memory model exactly like the hardware's own updates.  Measured on the
 *    harvest: a cleaning pass about as fast as an in-place vector xor of the
 *    same bytes, where eight scalar loads and stores cost 15-30 % more.
 *  - x86-64 processors with AVX2, found at run time: the loops over whole
 *    lines (pt_lines_all_match(), pt_lines_none_match()) run in
 *    pt_line_avx2.c with two 32-byte accesses a line and an exact test of
 *    each entry, about half the instructions of the SSE2 loop;
 *  - everywhere else, and in sanitizer builds (so ASan and TSan see every
 *    access): eight relaxed atomic loads and stores (pt_atomic.h).
 * @p is always the first entry of a cache line (64-byte aligned).
 */
#ifndef GENPT_PT_LINE_H
#define GENPT_PT_LINE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/pt_atomic.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer)
#define PT_LINE_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PT_LINE_SANITIZED 1
#endif

#if defined(__x86_64__) && defined(__SSE2__) && defined(__GNUC__) && \
	!defined(PT_LINE_SANITIZED) && !defined(GENPT_SCALAR_SCAN)
#define PT_LINE_SSE2 1
#endif

/*
 * Where the compiler and the C library allow it (x86-64, GCC or clang, a
 * hosted build for the CPU check), the line loops below run with AVX2
 * (pt_line_avx2.c) on processors that have it.
 */
#if defined(PT_LINE_SSE2) && defined(__STDC_HOSTED__) && __STDC_HOSTED__ && \
	!defined(GENPT_NO_AVX2)
#define PT_LINE_AVX2 1
#endif

/*
 * Scans read tables front to back, but hardware prefetchers stop at every
 * 4 KiB page, and a 16K or 64K granule table spans several: a scan asks
 * for the line @PT_PREFETCH_AHEAD entries on while working on this one.
 * 8 KiB: with the AVX2 loop a line takes about 2.5 ns, so that is some 300
 * ns ahead, and it reaches past the end of a 4 KiB table into the next one
 * the provider packed behind it (at 2 KiB, the first load of every table
 * was a fifth of a dense harvest; 8 KiB took dense harvests from 1.12-1.31x
 * to 1.02-1.19x the read floor, 2026-12-07).
 */
#ifndef PT_PREFETCH_AHEAD
#define PT_PREFETCH_AHEAD 1024
#endif

static inline void pt_prefetch_ahead(const uint64_t *p)
{
	__builtin_prefetch(p + PT_PREFETCH_AHEAD);
}

/* The loops over the eight entries of a line, written out. */
#if defined(__GNUC__)
#define PT_UNROLL_8 _Pragma("GCC unroll 8")
#else
#define PT_UNROLL_8
#endif

/* The line is eight entries, 64-byte aligned: the index of the first line
 * boundary at or after @j. */
static inline unsigned int pt_line_up(unsigned int j)
{
	return (j + 7) & ~7u;
}

#ifdef PT_LINE_SSE2

/* Two entries in one SSE register (GCC's vector extension: no intrinsics
 * header, which would pull in the C library the engine does not need). */
typedef uint64_t pt_v2 __attribute__((vector_size(16), aligned(16)));

struct pt_line {
	pt_v2 v[4];
	uint64_t all, any;
};

static inline pt_v2 pt_line_ld16(const uint64_t *p)
{
	pt_v2 v;

	__asm__ volatile("movdqa %1, %0" : "=x"(v) : "m"(*(const pt_v2 *)p));
	return v;
}

static inline void pt_line_st16(uint64_t *p, pt_v2 v)
{
	__asm__ volatile("movdqa %1, %0" : "=m"(*(pt_v2 *)p) : "x"(v));
}

static inline void pt_line_load(struct pt_line *l, const uint64_t *p)
{
	pt_v2 a, o;

	/* Written out, not a loop: the four stay in registers. */
	l->v[0] = pt_line_ld16(p);
	l->v[1] = pt_line_ld16(p + 2);
	l->v[2] = pt_line_ld16(p + 4);
	l->v[3] = pt_line_ld16(p + 6);
	a = (l->v[0] & l->v[1]) & (l->v[2] & l->v[3]);
	o = (l->v[0] | l->v[1]) | (l->v[2] | l->v[3]);
	l->all = a[0] & a[1];
	l->any = o[0] | o[1];
}

static inline uint64_t pt_line_entry(const struct pt_line *l, unsigned int k)
{
	return l->v[k / 2][k & 1];
}

/* Store the line back with @flip toggled in every entry. */
static inline void pt_line_store_xor(uint64_t *p, const struct pt_line *l,
				     uint64_t flip)
{
	const pt_v2 f = { flip, flip };

	pt_line_st16(p, l->v[0] ^ f);
	pt_line_st16(p + 2, l->v[1] ^ f);
	pt_line_st16(p + 4, l->v[2] ^ f);
	pt_line_st16(p + 6, l->v[3] ^ f);
}

#else /* eight scalar atomics */

struct pt_line {
	uint64_t v[8];
	uint64_t all, any;
};

/*
 * @p, with the compiler made to forget where it came from.  GCC keeps the
 * address of every atomic load alive for the store to the same entry, and
 * eight of them spill to the stack: a fresh base lets each store be one
 * instruction (a dense clean a third faster).
 */
static inline uint64_t *pt_line_opaque(uint64_t *p)
{
#if defined(__GNUC__)
	__asm__("" : "+r"(p));
#endif
	return p;
}

static inline void pt_line_load(struct pt_line *l, const uint64_t *p)
{
	l->all = ~0ull;
	l->any = 0;
	PT_UNROLL_8
	for (unsigned int k = 0; k < 8; k++) {
		l->v[k] = pt_load(&p[k]);
		l->all &= l->v[k];
		l->any |= l->v[k];
	}
}

static inline uint64_t pt_line_entry(const struct pt_line *l, unsigned int k)
{
	return l->v[k];
}

static inline void pt_line_store_xor(uint64_t *p, const struct pt_line *l,
				     uint64_t flip)
{
	uint64_t *q = pt_line_opaque(p);

	PT_UNROLL_8
	for (unsigned int k = 0; k < 8; k++)
		pt_store_relaxed(&q[k], l->v[k] ^ flip);
}

#endif /* PT_LINE_SSE2 */

static inline bool pt_line_all_match(const struct pt_line *l, uint64_t mask,
				     uint64_t val)
{
	return (l->all & val) == val && !(l->any & mask & ~val);
}

static inline bool pt_line_may_match(const struct pt_line *l, uint64_t mask,
				     uint64_t val)
{
	/* The bits that must be clear first: a format that has none drops
	 * the test, and a clean Arm leaf (AP[2] set) fails it at once. */
	return !(l->all & mask & ~val) && (l->any & val) == val;
}

#ifdef PT_LINE_AVX2
unsigned int pt_lines_all_match_avx2(uint64_t *table, unsigned int j,
				     unsigned int end, uint64_t mask,
				     uint64_t val, uint64_t flip, bool clean);
unsigned int pt_lines_none_match_avx2(const uint64_t *table, unsigned int j,
				      unsigned int end, uint64_t mask,
				      uint64_t val);

static inline bool pt_line_avx2(void)
{
	return __builtin_cpu_supports("avx2");
}
#endif

/*
 * The loops over whole lines (@j a line boundary): the first line from @j
 * on (before @end) in which some entry fails (e & @mask) == @val.  The
 * lines passed over are stored back with @flip toggled in every entry when
 * @clean (a constant at every call).  pt_lines_all_match() picks this or
 * the AVX2 twin; both are here for the test that compares them.
 */
static inline unsigned int pt_lines_all_match_base(uint64_t *table,
						   unsigned int j,
						   unsigned int end,
						   uint64_t mask, uint64_t val,
						   uint64_t flip, bool clean)
{
	for (; j + 8 <= end; j += 8) {
		struct pt_line l;

		pt_prefetch_ahead(&table[j]);
		pt_line_load(&l, &table[j]);
		if (!pt_line_all_match(&l, mask, val))
			break;
		if (clean)
			pt_line_store_xor(&table[j], &l, flip);
	}
	return j;
}

/* The first line from @j on in which some entry has (e & @mask) == @val. */
static inline unsigned int pt_lines_none_match_base(const uint64_t *table,
						    unsigned int j,
						    unsigned int end,
						    uint64_t mask, uint64_t val)
{
	for (; j + 8 <= end; j += 8) {
		struct pt_line l;
		bool hit = false;

		pt_prefetch_ahead(&table[j]);
		pt_line_load(&l, &table[j]);
		if (!pt_line_may_match(&l, mask, val))
			continue;
		PT_UNROLL_8
		for (unsigned int k = 0; k < 8; k++)
			hit |= (pt_line_entry(&l, k) & mask) == val;
		if (hit)
			break;
	}
	return j;
}

static inline unsigned int pt_lines_all_match(uint64_t *table, unsigned int j,
					      unsigned int end, uint64_t mask,
					      uint64_t val, uint64_t flip,
					      bool clean)
{
#ifdef PT_LINE_AVX2
	if (pt_line_avx2())
		return pt_lines_all_match_avx2(table, j, end, mask, val, flip, clean);
#endif
	return pt_lines_all_match_base(table, j, end, mask, val, flip, clean);
}

static inline unsigned int pt_lines_none_match(const uint64_t *table,
					       unsigned int j, unsigned int end,
					       uint64_t mask, uint64_t val)
{
#ifdef PT_LINE_AVX2
	if (pt_line_avx2())
		return pt_lines_none_match_avx2(table, j, end, mask, val);
#endif
	return pt_lines_none_match_base(table, j, end, mask, val);
}

#endif /* GENPT_PT_LINE_H */
