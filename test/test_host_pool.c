// SPDX-License-Identifier: MIT
/*
 * test/test_host_pool.c - the default provider's pool of table pages
 * (lib/mem/host_pool.c): table pages up to 64 KiB come back zeroed,
 * aligned, distinct, back to back when allocated in a row, reusable after
 * a free; and several threads allocating and freeing at once never get the
 * same page twice.  In an AddressSanitizer build the pool is compiled out
 * (every page from aligned_alloc): only the layout check is skipped.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "genpt/mem.h"
#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define POOL_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_OFF 1
#endif
#endif

#define KiB ((size_t)1 << 10)
#define ROW 300

static const struct genpt_mem_ops *const ops = &genpt_host_mem_ops;

/* ROW pages of @size in a row: zeroed, aligned, distinct; dirtied, freed. */
static void row(size_t size, unsigned char **va)
{
	uint64_t pa;

	for (int i = 0; i < ROW; i++) {
		va[i] = ops->alloc(NULL, size, size, &pa);
		cr_assert_not_null(va[i], "%zu KiB page %d", size / KiB, i);
		cr_expect_eq((uintptr_t)va[i] % size, 0, "%zu KiB page %d aligned", size / KiB, i);
		cr_expect_eq(pa, (uint64_t)(uintptr_t)va[i]);
		cr_expect(tu_all_zero(va[i], size), "%zu KiB page %d zeroed", size / KiB, i);
		memset(va[i], 0xa5, size);
	}
}

Test(host_pool, zeroed_aligned_reused)
{
	static const size_t sizes[] = { 4 * KiB, 8 * KiB, 16 * KiB, 32 * KiB, 64 * KiB };
	static unsigned char *va[ROW];

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		/* twice: the second row reuses the freed (dirtied) pages */
		for (int round = 0; round < 2; round++) {
			row(sizes[k], va);
			for (int i = 0; i < ROW; i++)
				ops->free(NULL, va[i], sizes[k]);
		}
	}
}

Test(host_pool, back_to_back)
{
	static const size_t sizes[] = { 4 * KiB, 16 * KiB, 64 * KiB };
	static unsigned char *va[ROW];

#ifdef POOL_OFF
	cr_skip_test("pool compiled out under AddressSanitizer");
#endif
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t next = 0, n = 0;

		row(sizes[k], va);
		for (int i = 1; i < ROW; i++, n++)
			next += va[i] == va[i - 1] + sizes[k];
		/* a new 2 MiB chunk may start anywhere; within one, no holes */
		cr_expect_geq(next + (ROW * sizes[k]) / (2048 * KiB) + 2, n,
			      "%zu KiB pages: %zu of %zu follow the one before",
			      sizes[k] / KiB, next, n);
		for (int i = 0; i < ROW; i++)
			ops->free(NULL, va[i], sizes[k]);
	}
}

#define THREADS 4
#define LIVE 32
#define ITERS 5000

static void *stress(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	uint64_t *live[LIVE] = { 0 }, pa;
	size_t len[LIVE] = { 0 };
	uint32_t s = 0x9e3779b9u * (uint32_t)(id + 1);
	uintptr_t bad = 0;

	for (int it = 0; it < ITERS; it++) {
		int k;

		s ^= s << 13;
		s ^= s >> 17;
		s ^= s << 5;
		k = (int)(s % LIVE);
		if (live[k]) {
			/* still holds what this thread wrote: no one else had it */
			for (size_t w = 0; w < len[k] / 8; w += 509)
				bad += live[k][w] != ((uintptr_t)live[k] ^ id);
			ops->free(NULL, live[k], len[k]);
			live[k] = NULL;
		} else {
			len[k] = (size_t)4096 << (s >> 8) % 5;
			live[k] = ops->alloc(NULL, len[k], len[k], &pa);
			if (!live[k])
				return (void *)1;
			for (size_t w = 0; w < len[k] / 8; w += 509)
				live[k][w] = (uintptr_t)live[k] ^ id;
		}
	}
	for (int k = 0; k < LIVE; k++)
		if (live[k])
			ops->free(NULL, live[k], len[k]);
	return (void *)bad;
}

Test(host_pool, threads)
{
	pthread_t t[THREADS];

	for (uintptr_t i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, stress, (void *)i), 0);
	for (int i = 0; i < THREADS; i++) {
		void *r;

		cr_assert_eq(pthread_join(t[i], &r), 0);
		cr_expect_null(r, "thread %d: a page handed out twice or an allocation failed", i);
	}
}
