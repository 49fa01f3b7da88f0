/* SPDX-License-Identifier: MIT */
/*
 * lib/mem/host_pool.c - 2 MiB chunks carved into table pages.
 *
 * One chunk serves one slot size (4, 8, 16, 32 or 64 KiB); each chunk has a
 * bitmap of its free slots.  An allocation takes the lowest free slot of
 * the lowest chunk of its size, so tables allocated in a row (a map that
 * builds leaf tables in IOVA order) come out in address order, back to
 * back, which is what a harvest's sequential scan and the hardware
 * prefetchers want.  Chunks are kept sorted by address; a free finds its
 * chunk by binary search, which also tells memory from the C library (never
 * inside a chunk) apart from pool memory.  An empty chunk is unmapped
 * unless it is the only empty one of its size (kept against churn).
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, madvise */

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "host_pool.h"

/* Under AddressSanitizer every table comes from its allocator instead. */
#if defined(__SANITIZE_ADDRESS__)
#define HOST_POOL_ON 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOST_POOL_ON 0
#endif
#endif
#ifndef HOST_POOL_ON
#define HOST_POOL_ON 1
#endif

#define CHUNK_SHIFT 21
#define CHUNK ((size_t)1 << CHUNK_SHIFT)
#define MIN_SHIFT 12
#define NCLASS 5 /* 4K .. 64K */
#define MAX_SLOTS (CHUNK >> MIN_SHIFT)
#define MAP_WORDS (MAX_SLOTS / 64)

struct chunk {
	uintptr_t base;
	unsigned int cls;        /* slot size = 4 KiB << cls */
	unsigned int live;
	uint64_t used[MAP_WORDS]; /* bit set: slot handed out */
};

static struct {
	pthread_mutex_t lock;
	struct chunk *v; /* sorted by base */
	size_t n, cap;
	unsigned int empty[NCLASS];
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int size_class(size_t len)
{
	unsigned int c = 0;

	while (c < NCLASS && ((size_t)1 << (MIN_SHIFT + c)) < len)
		c++;
	return c < NCLASS ? (int)c : -1;
}

/* A 2 MiB aligned, 2 MiB long anonymous mapping; huge page if granted. */
static void *chunk_map(void)
{
	uint8_t *p = mmap(NULL, 2 * CHUNK, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a, head;

	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + CHUNK - 1) & ~(uintptr_t)(CHUNK - 1);
	head = a - (uintptr_t)p;
	if (head)
		munmap(p, head);
	munmap((void *)(a + CHUNK), CHUNK - head);
#ifdef MADV_HUGEPAGE
	madvise((void *)a, CHUNK, MADV_HUGEPAGE); /* a hint: failure is fine */
#endif
	return (void *)a;
}

/* Index of the chunk holding @a, or of where one would be inserted. */
static size_t chunk_find(uintptr_t a, bool *hit)
{
	size_t lo = 0, hi = pool.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pool.v[mid].base + CHUNK <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	*hit = lo < pool.n && pool.v[lo].base <= a;
	return lo;
}

static struct chunk *chunk_new(unsigned int cls)
{
	struct chunk *c;
	void *mem;
	size_t i;
	bool hit;

	if (pool.n == pool.cap) {
		size_t cap = pool.cap ? 2 * pool.cap : 16;
		struct chunk *v = realloc(pool.v, cap * sizeof(*v));

		if (!v)
			return NULL;
		pool.v = v;
		pool.cap = cap;
	}
	mem = chunk_map();
	if (!mem)
		return NULL;
	i = chunk_find((uintptr_t)mem, &hit);
	memmove(&pool.v[i + 1], &pool.v[i], (pool.n - i) * sizeof(*c));
	pool.n++;
	c = &pool.v[i];
	memset(c, 0, sizeof(*c));
	c->base = (uintptr_t)mem;
	c->cls = cls;
	pool.empty[cls]++;
	return c;
}

/* The lowest free slot of @c, or -1. */
static long slot_take(struct chunk *c)
{
	size_t slots = CHUNK >> (MIN_SHIFT + c->cls);

	for (size_t w = 0; w * 64 < slots; w++) {
		uint64_t fr = ~c->used[w];

		if (slots - w * 64 < 64)
			fr &= ((uint64_t)1 << (slots - w * 64)) - 1;
		if (fr) {
			unsigned int b = (unsigned int)__builtin_ctzll(fr);

			c->used[w] |= (uint64_t)1 << b;
			if (c->live++ == 0)
				pool.empty[c->cls]--;
			return (long)(w * 64 + b);
		}
	}
	return -1;
}

void *host_pool_alloc(size_t len)
{
	int cls = size_class(len);
	void *va = NULL;

	if (!HOST_POOL_ON || cls < 0)
		return NULL;
	pthread_mutex_lock(&pool.lock);
	for (size_t i = 0; i <= pool.n && !va; i++) {
		struct chunk *c = i < pool.n ? &pool.v[i] : NULL;
		long s;

		if (c && c->cls != (unsigned int)cls)
			continue;
		if (!c && !(c = chunk_new((unsigned int)cls)))
			break;
		s = slot_take(c);
		if (s >= 0)
			va = (void *)(c->base + ((uintptr_t)s << (MIN_SHIFT + c->cls)));
	}
	pthread_mutex_unlock(&pool.lock);
	return va;
}

bool host_pool_free(void *va)
{
	uintptr_t a = (uintptr_t)va;
	struct chunk *c;
	size_t i, s;
	bool hit;

	pthread_mutex_lock(&pool.lock);
	i = chunk_find(a, &hit);
	if (!hit) {
		pthread_mutex_unlock(&pool.lock);
		return false;
	}
	c = &pool.v[i];
	s = (a - c->base) >> (MIN_SHIFT + c->cls);
	c->used[s / 64] &= ~((uint64_t)1 << (s % 64));
	if (--c->live == 0 && pool.empty[c->cls]++ > 0) {
		/* another empty chunk of this size is kept: unmap this one */
		pool.empty[c->cls]--;
		munmap((void *)c->base, CHUNK);
		memmove(c, c + 1, (pool.n - i - 1) * sizeof(*c));
		pool.n--;
	}
	pthread_mutex_unlock(&pool.lock);
	return true;
}
