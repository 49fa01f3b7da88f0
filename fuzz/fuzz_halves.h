/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_halves.h - the two-thread mode of fuzz_formats
 * (GENPT_FUZZ_THREADS=2, the replay's --threads 2): each input's operations
 * run from two threads on the two halves of one table's address space.
 *
 * A half is every other chunk of 2^cbits bytes (side 0: bit cbits clear),
 * cbits the span of one entry of a level the input picks, or the top bit
 * of the address space (the two halves proper).  The sides then share the
 * table pages above that level, and may race to install the same missing
 * table, as table.h allows for disjoint ranges.  A side touches only a
 * range inside one of its chunks; its drawn addresses are XORed with @flip
 * so that both sides meet the same arenas.  The physmem is always 1 GiB:
 * a side cannot predict the other's use of it, so -ENOMEM must not decide
 * an outcome.
 */
#ifndef GENPT_FUZZ_HALVES_H
#define GENPT_FUZZ_HALVES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_carry.h"

/* A side keeps its carried ranges (fuzz_carry.h) below this, so that the
 * two never fill the table's FC_MAX slots and each side's model predicts
 * the shared carry. */
#define FH_SIDE_CARRY (FC_MAX / 2 - 6)

struct fh_half {
	bool on;
	unsigned int side, cbits;
	uint64_t flip;
};

/* GENPT_FUZZ_THREADS=2: the two-thread mode.  Read once (before any
 * thread starts). */
static inline unsigned int fh_threads(void)
{
	static int n = -1;

	if (n < 0) {
		const char *e = getenv("GENPT_FUZZ_THREADS");

		n = e ? atoi(e) : 1;
	}
	return (unsigned int)n;
}

/* The chunk size for an input (@r: a hash of it): one entry of level 1 ..
 * @levels - 1 (@shift[lvl]: its span), or the top bit of @va_bits. */
static inline unsigned int fh_cbits(uint64_t r, unsigned int levels, const unsigned int *shift,
				    unsigned int va_bits)
{
	unsigned int lvl = 1 + (unsigned int)((r >> 8) % levels);

	return lvl < levels ? shift[lvl] : va_bits - 1;
}

/* Side @side with chunks of 2^@cbits bytes of a @va_bits space (@sext:
 * sign-extended, whose upper half is every bit from va_bits - 1 up). */
static inline void fh_init(struct fh_half *h, unsigned int side, unsigned int cbits,
			   unsigned int va_bits, bool sext)
{
	h->on = true;
	h->side = side;
	h->cbits = cbits;
	h->flip = 0;
	if (side)
		h->flip = cbits == va_bits - 1 && sext ? ~((1ull << cbits) - 1) : 1ull << cbits;
}

/*
 * May this side touch [@iova, @iova + @len)?  Always when the mode is off;
 * else only a range inside one of its chunks, and, when the operation may
 * add carried ranges (@carry), only while its @carried ranges stay below
 * FH_SIDE_CARRY.
 */
static inline bool fh_mine(const struct fh_half *h, uint64_t iova, uint64_t len, bool carry,
			   unsigned int carried)
{
	uint64_t last = iova + (len - 1);

	if (!h->on)
		return true;
	if (carry && carried + 4 > FH_SIDE_CARRY)
		return false;
	return len && last >= iova && iova >> h->cbits == last >> h->cbits &&
	       ((iova >> h->cbits) & 1) == h->side;
}

/* Run @fn(@a) and @fn(@b) in two threads, and wait for both. */
static inline void fh_run2(void *a, void *b, void *(*fn)(void *))
{
	pthread_t t[2];

	if (pthread_create(&t[0], NULL, fn, a) || pthread_create(&t[1], NULL, fn, b))
		abort();
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
}

/* The two sides' carried ranges (each in address order) into @dst:
 * ranges that touch across a chunk edge are one, as in the table. */
static inline void fh_join_carry(struct fc_carry *dst, const struct fc_carry *a,
				 const struct fc_carry *b)
{
	unsigned int i = 0, j = 0;

	while (i < a->n || j < b->n) {
		struct fc_range r = j == b->n || (i < a->n && a->r[i].first < b->r[j].first) ?
					    a->r[i++] : b->r[j++];

		if (dst->n && dst->r[dst->n - 1].last + 1 == r.first)
			dst->r[dst->n - 1].last = r.last;
		else
			dst->r[dst->n++] = r;
	}
}

/*
 * The two sides' model leaves into one array in address order, for the
 * whole table's model: @na leaves at @a and @nb at @b (each in address
 * order), @size bytes each, whose uint64_t first address sits @first_off
 * bytes in.  The caller frees the array.
 */
static inline void *fh_merge_leaves(const void *a, size_t na, const void *b, size_t nb,
				    size_t size, size_t first_off)
{
	const unsigned char *pa = a, *pb = b;
	unsigned char *all = malloc((na + nb ? na + nb : 1) * size);
	size_t i = 0, j = 0;

	if (!all)
		abort();
	for (size_t k = 0; k < na + nb; k++) {
		uint64_t fa = 0, fb = 0;
		const unsigned char *from;

		if (i < na)
			memcpy(&fa, pa + i * size + first_off, sizeof(fa));
		if (j < nb)
			memcpy(&fb, pb + j * size + first_off, sizeof(fb));
		from = j == nb || (i < na && fa < fb) ? pa + i++ * size : pb + j++ * size;
		memcpy(all + k * size, from, size);
	}
	return all;
}

#endif /* GENPT_FUZZ_HALVES_H */
