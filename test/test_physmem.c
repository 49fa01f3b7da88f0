/* SPDX-License-Identifier: MIT */
/*
 * test/test_physmem.c - the memory providers: genpt_host_mem_ops and the
 * simulated physical memory (genpt_physmem_*, genpt_physmem_ops).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "genpt/mem.h"
#include "mem/physmem_internal.h"
#include "testutil.h"

#define KiB ((uint64_t)1 << 10)
#define MiB ((uint64_t)1 << 20)
#define GiB ((uint64_t)1 << 30)

static struct genpt_physmem *mk(uint64_t base, uint64_t size)
{
	struct genpt_physmem *pm = NULL;

	cr_assert_eq(genpt_physmem_create(base, size, &pm), 0);
	cr_assert_not_null(pm);
	return pm;
}

/* genpt_physmem_alloc() of @size at @align must succeed and should give
 * @want (an expectation: the test goes on to free it); returns what it
 * gave. */
static uint64_t alloc_where(struct genpt_physmem *pm, uint64_t size, uint64_t align,
			    uint64_t want, const char *what)
{
	uint64_t pa = ~0ull;

	cr_assert_eq(genpt_physmem_alloc(pm, size, align, &pa), 0, "%s", what);
	cr_expect_eq(pa, want, "%s: %#llx, want %#llx", what, (unsigned long long)pa,
		     (unsigned long long)want);
	return pa;
}

static void expect_stats(struct genpt_physmem *pm, uint64_t bytes, uint64_t blocks)
{
	uint64_t b = ~0ull, n = ~0ull;

	cr_assert_eq(genpt_physmem_stats(pm, &b, &n), 0);
	cr_assert_eq(b, bytes, "bytes %llu, expected %llu",
		     (unsigned long long)b, (unsigned long long)bytes);
	cr_assert_eq(n, blocks, "blocks %llu, expected %llu",
		     (unsigned long long)n, (unsigned long long)blocks);
}

/* The end of a test that gave every block back: nothing allocated is
 * left, then the physmem goes. */
static void destroy_empty(struct genpt_physmem *pm)
{
	expect_stats(pm, 0, 0);
	genpt_physmem_destroy(pm);
}

/* All of a power-of-two, self-aligned physmem is one free block again. */
static void expect_whole(struct genpt_physmem *pm, uint64_t base, uint64_t size)
{
	uint64_t pa = 0;

	cr_assert_eq(genpt_physmem_alloc(pm, size, size, &pa), 0,
		     "memory did not coalesce back to one block");
	cr_assert_eq(pa, base);
	/* and while it is held, there is nothing else */
	cr_expect_eq(genpt_physmem_alloc(pm, 4 * KiB, 4 * KiB, &pa), -ENOMEM);
	cr_expect_eq(pa, base, "*pa written on error");
	cr_assert_eq(genpt_physmem_free(pm, pa, size), 0);
	expect_stats(pm, 0, 0);
}

static uint64_t round_block(uint64_t size)
{
	uint64_t b = 4 * KiB;

	while (b < size)
		b <<= 1;
	return b;
}

/* ---- create / destroy ------------------------------------------------ */

Test(physmem, create_bad_args)
{
	/* base or size not 4K-aligned, size 0, base + size wrapping (ending
	 * exactly at 2^64 wraps too), more pages than the allocator indexes */
	static const uint64_t bad[][2] = {
		{ 0, 0 }, { 0x800, 4 * KiB }, { 1 * GiB + 1, 16 * MiB }, { 0, 4 * KiB + 1 },
		{ 0, 100 }, { 0, 4095 }, { UINT64_MAX - 4095, 4 * KiB },
		{ UINT64_MAX - 4095, 8 * KiB }, { UINT64_MAX - 8191, 16 * KiB },
		{ (UINT64_MAX - 4095) & ~4095ull, 1 * MiB }, { 1ull << 63, 1ull << 63 },
		{ 0, 1ull << 62 }, { 1 * GiB + 1, 1ull << 62 },
	};
	struct genpt_physmem *pm = (struct genpt_physmem *)&pm; /* sentinel */
	struct genpt_physmem *const sentinel = pm;

	cr_expect_eq(genpt_physmem_create(0, 4 * KiB, NULL), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(genpt_physmem_create(bad[i][0], bad[i][1], &pm), -EINVAL,
			     "create(%#llx, %#llx)", (unsigned long long)bad[i][0],
			     (unsigned long long)bad[i][1]);
	cr_expect_eq(pm, sentinel, "*out written on error");

	genpt_physmem_destroy(NULL); /* no-op */
}

Test(physmem, create_destroy_edges)
{
	struct genpt_physmem *pm = mk(0, 4 * KiB);
	uint64_t pa = 1;

	cr_expect_eq(genpt_physmem_alloc(pm, 1, 1, &pa), 0);
	cr_expect_eq(pa, 0);
	cr_expect_eq(genpt_physmem_alloc(pm, 1, 1, &pa), -ENOMEM);
	genpt_physmem_destroy(pm); /* with a live block: fine */

	/* near the top of the 64-bit space: [2^64 - 12K, 2^64 - 4K), whose base
	 * is 4K but not 8K aligned (ending at 2^64 itself would wrap) */
	pm = mk(0ull - 3 * 4 * KiB, 8 * KiB);
	cr_expect_eq(genpt_physmem_alloc(pm, 8 * KiB, 0x1000, &pa), -ENOMEM,
		     "8K at a 4K-but-not-8K-aligned base cannot be one block");
	cr_expect_eq(genpt_physmem_alloc(pm, 4 * KiB, 0x1000, &pa), 0);
	cr_expect_not_null(genpt_physmem_ptr(pm, pa));
	cr_expect_eq(genpt_physmem_free(pm, pa, 4 * KiB), 0);
	genpt_physmem_destroy(pm);
}

/* ---- alloc ------------------------------------------------------------ */

Test(physmem, alloc_bad_args)
{
	struct genpt_physmem *pm = mk(1 * GiB, 16 * MiB);
	uint64_t pa = 0x1234, taken;

	cr_expect_eq(genpt_physmem_alloc(NULL, 4096, 4096, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, 4096, 4096, NULL), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, 0, 4096, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, 4096, 0, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, 4096, 3, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, 4096, 4097, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, 4096, 0x3000, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, (1ull << 63) + 1, 4096, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, UINT64_MAX, 4096, &pa), -EINVAL);
	/* valid but bigger than the whole space */
	cr_expect_eq(genpt_physmem_alloc(pm, 1ull << 63, 4096, &pa), -ENOMEM);
	cr_expect_eq(genpt_physmem_alloc(pm, 32 * MiB, 4096, &pa), -ENOMEM);
	cr_expect_eq(genpt_physmem_alloc(pm, 4096, 1ull << 63, &pa), -ENOMEM);
	/* two bad arguments: the malformed one wins over the memory */
	cr_expect_eq(genpt_physmem_alloc(pm, 32 * MiB, 3, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(NULL, 32 * MiB, 4096, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, 32 * MiB, 4096, NULL), -EINVAL);
	/* the whole space while one block is taken */
	cr_assert_eq(genpt_physmem_alloc(pm, 4096, 4096, &taken), 0);
	cr_expect_eq(genpt_physmem_alloc(pm, 16 * MiB, 4096, &pa), -ENOMEM);
	cr_expect_eq(pa, 0x1234, "*pa written on error");
	expect_stats(pm, 4096, 1);
	cr_assert_eq(genpt_physmem_free(pm, taken, 4096), 0);
	destroy_empty(pm);
}

Test(physmem, alignment_sweep)
{
	static const uint64_t sizes[] = {
		1, 100, 4095, 4096, 4097, 8 * KiB, 12 * KiB, 16 * KiB, 60 * KiB,
		64 * KiB, 1 * MiB + 1, 2 * MiB, 3 * MiB,
	};
	static const uint64_t aligns[] = {
		1, 2, 512, 4 * KiB, 8 * KiB, 64 * KiB, 1 * MiB, 2 * MiB, 32 * MiB,
	};
	enum { N = sizeof(sizes) / sizeof(sizes[0]) * sizeof(aligns) / sizeof(aligns[0]) };
	/* base 2 GiB + 4 KiB: nothing above 4 KiB is aligned at the base */
	const uint64_t base = 2 * GiB + 4 * KiB, size = 1 * GiB;
	struct genpt_physmem *pm = mk(base, size);
	uint64_t pas[N], lens[N], total = 0;
	size_t i, j, n = 0;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (j = 0; j < sizeof(aligns) / sizeof(aligns[0]); j++) {
			uint64_t blk = round_block(sizes[i]);
			uint64_t need = blk > aligns[j] ? blk : aligns[j];
			uint64_t pa;
			unsigned char *p;

			cr_assert_eq(genpt_physmem_alloc(pm, sizes[i], aligns[j], &pa), 0,
				     "size %llu align %llu",
				     (unsigned long long)sizes[i], (unsigned long long)aligns[j]);
			cr_expect_eq(pa % need, 0, "pa %#llx size %llu align %llu",
				     (unsigned long long)pa, (unsigned long long)sizes[i],
				     (unsigned long long)aligns[j]);
			cr_expect(pa >= base && pa - base <= size - blk);
			p = genpt_physmem_ptr(pm, pa);
			cr_assert_not_null(p);
			cr_expect_eq((unsigned char *)genpt_physmem_ptr(pm, pa + blk - 1), p + blk - 1);
			cr_expect(tu_all_zero(p, (size_t)blk));
			memset(p, 0xa5, (size_t)blk); /* overlapping blocks would show */
			pas[n] = pa;
			lens[n] = sizes[i];
			total += blk;
			n++;
		}
	}
	expect_stats(pm, total, n);
	/* no two blocks overlap: every block still carries only its pattern */
	for (i = 0; i < n; i++) {
		unsigned char *p = genpt_physmem_ptr(pm, pas[i]);

		cr_expect_eq(p[0], 0xa5);
		cr_expect_eq(genpt_physmem_free(pm, pas[i], lens[i]), 0);
	}
	destroy_empty(pm);
}

Test(physmem, zeroed_after_reuse)
{
	/* every size class, small (memset) and big (madvise) */
	static const uint64_t sizes[] = {
		4 * KiB, 16 * KiB, 64 * KiB, 1 * MiB, 2 * MiB, 4 * MiB,
	};
	const uint64_t base = 64 * MiB + 4 * KiB, size = 16 * MiB;
	struct genpt_physmem *pm = mk(base, size);
	size_t s;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint64_t pas[4096];
		size_t n = 0, i;

		/* dirty as much of the space as this size class reaches ... */
		while (n < 4096 && genpt_physmem_alloc(pm, sizes[s], 1, &pas[n]) == 0) {
			unsigned char *p = genpt_physmem_ptr(pm, pas[n]);

			cr_assert(tu_all_zero(p, (size_t)sizes[s]),
				  "size %llu pa %#llx not zero",
				  (unsigned long long)sizes[s], (unsigned long long)pas[n]);
			memset(p, 0xff, (size_t)sizes[s]);
			n++;
		}
		cr_assert_gt(n, 0);
		/* ... and give it back; the next class must see zeros */
		for (i = 0; i < n; i++)
			cr_assert_eq(genpt_physmem_free(pm, pas[i], sizes[s]), 0);
		expect_stats(pm, 0, 0);
	}
	/* finally everything at once, one byte per page */
	for (s = 0; s < size; s += 4 * KiB)
		cr_assert_eq(*(unsigned char *)genpt_physmem_ptr(pm, base + s), 0);
	genpt_physmem_destroy(pm);
}

Test(physmem, exhaustion)
{
	struct genpt_physmem *pm = mk(0x40000000, 64 * KiB);
	uint64_t pa[16], extra = 0xdead;
	int i;

	for (i = 0; i < 16; i++)
		cr_assert_eq(genpt_physmem_alloc(pm, 4 * KiB, 4 * KiB, &pa[i]), 0);
	expect_stats(pm, 64 * KiB, 16);
	cr_expect_eq(genpt_physmem_alloc(pm, 4 * KiB, 4 * KiB, &extra), -ENOMEM);
	cr_expect_eq(genpt_physmem_alloc(pm, 1, 1, &extra), -ENOMEM);
	cr_expect_eq(extra, 0xdead);
	expect_stats(pm, 64 * KiB, 16);

	/* free one: exactly that one comes back */
	cr_assert_eq(genpt_physmem_free(pm, pa[7], 4 * KiB), 0);
	cr_expect_eq(genpt_physmem_alloc(pm, 8 * KiB, 4 * KiB, &extra), -ENOMEM);
	extra = alloc_where(pm, 4 * KiB, 4 * KiB, pa[7], "the freed block comes back");

	/* free in a scattered order; everything merges back */
	for (i = 0; i < 16; i++)
		cr_assert_eq(genpt_physmem_free(pm, pa[(i * 5) % 16], 4 * KiB), 0);
	expect_whole(pm, 0x40000000, 64 * KiB);
	genpt_physmem_destroy(pm);
}

/* ---- free --------------------------------------------------------------- */

Test(physmem, free_bad_args_change_nothing)
{
	const uint64_t base = 1 * GiB;
	struct genpt_physmem *pm = mk(base, 4 * MiB);
	uint64_t a, b;
	unsigned char *pa_a;

	cr_assert_eq(genpt_physmem_alloc(pm, 16 * KiB, 1, &a), 0);
	cr_assert_eq(genpt_physmem_alloc(pm, 4 * KiB, 1, &b), 0);
	pa_a = genpt_physmem_ptr(pm, a);
	memset(pa_a, 0x5a, 16 * KiB);

	cr_expect_eq(genpt_physmem_free(NULL, a, 16 * KiB), -EINVAL);
	cr_expect_eq(genpt_physmem_free(pm, a, 0), -EINVAL);
	cr_expect_eq(genpt_physmem_free(pm, a, UINT64_MAX), -EINVAL);
	cr_expect_eq(genpt_physmem_free(pm, a, 4 * KiB), -EINVAL, "wrong size");
	cr_expect_eq(genpt_physmem_free(pm, a, 32 * KiB), -EINVAL, "wrong size");
	cr_expect_eq(genpt_physmem_free(pm, a + 4 * KiB, 4 * KiB), -EINVAL, "inside a block");
	cr_expect_eq(genpt_physmem_free(pm, a + 1, 16 * KiB), -EINVAL, "unaligned");
	cr_expect_eq(genpt_physmem_free(pm, base + 2 * MiB, 4 * KiB), -EINVAL, "never allocated");
	cr_expect_eq(genpt_physmem_free(pm, base + 2 * MiB, 2 * MiB), -EINVAL, "free block");
	cr_expect_eq(genpt_physmem_free(pm, base - 4 * KiB, 4 * KiB), -EINVAL, "below");
	cr_expect_eq(genpt_physmem_free(pm, base + 4 * MiB, 4 * KiB), -EINVAL, "above");
	cr_expect_eq(genpt_physmem_free(pm, 0, 4 * KiB), -EINVAL);
	cr_expect_eq(genpt_physmem_free(pm, UINT64_MAX & ~4095ull, 4 * KiB), -EINVAL);
	cr_expect_eq(genpt_physmem_free(pm, base, 8 * MiB), -EINVAL, "bigger than the space");

	/* nothing changed: counts, contents, and both blocks still live */
	expect_stats(pm, 20 * KiB, 2);
	cr_expect_eq(pa_a[0], 0x5a);
	cr_expect_eq(pa_a[16 * KiB - 1], 0x5a);
	cr_expect_eq(genpt_physmem_free(pm, a, 16 * KiB), 0);
	cr_expect_eq(genpt_physmem_free(pm, a, 16 * KiB), -EINVAL, "double free");
	cr_expect_eq(genpt_physmem_free(pm, b, 4 * KiB), 0);
	expect_whole(pm, base, 4 * MiB);
	genpt_physmem_destroy(pm);
}

Test(physmem, free_accepts_any_size_of_the_block)
{
	struct genpt_physmem *pm = mk(0, 1 * MiB);
	uint64_t pa;

	/* 5000 bytes live in an 8 KiB block; freeing with 8 KiB names the same block */
	cr_assert_eq(genpt_physmem_alloc(pm, 5000, 1, &pa), 0);
	expect_stats(pm, 8 * KiB, 1);
	cr_expect_eq(genpt_physmem_free(pm, pa, 8 * KiB), 0);
	expect_whole(pm, 0, 1 * MiB);
	genpt_physmem_destroy(pm);
}

/* ---- ptr / linear ------------------------------------------------------- */

Test(physmem, ptr_bounds)
{
	const uint64_t base = 0x80000000, size = 8 * MiB;
	struct genpt_physmem *pm = mk(base, size);
	unsigned char *p0 = genpt_physmem_ptr(pm, base);
	uint64_t lb = 0, ls = 0;
	uintptr_t lh = 0;

	cr_assert_not_null(p0);
	cr_expect_eq((unsigned char *)genpt_physmem_ptr(pm, base + 123), p0 + 123);
	cr_expect_eq((unsigned char *)genpt_physmem_ptr(pm, base + size - 1), p0 + size - 1);
	cr_expect_null(genpt_physmem_ptr(pm, base + size));
	cr_expect_null(genpt_physmem_ptr(pm, base - 1));
	cr_expect_null(genpt_physmem_ptr(pm, 0));
	cr_expect_null(genpt_physmem_ptr(pm, UINT64_MAX));
	cr_expect_null(genpt_physmem_ptr(NULL, base));
	/* the whole space is addressable (and zero), allocated or not */
	p0[size - 1] = 1;
	cr_expect_eq(p0[size - 1], 1);

	cr_expect_eq(genpt_physmem_linear(NULL, &lb, &lh, &ls), -EINVAL);
	cr_expect_eq(genpt_physmem_linear(pm, NULL, NULL, NULL), 0);
	cr_assert_eq(genpt_physmem_linear(pm, &lb, &lh, &ls), 0);
	cr_expect_eq(lb, base);
	cr_expect_eq(ls, size);
	cr_expect_eq(lh, (uintptr_t)p0);
	genpt_physmem_destroy(pm);
}

Test(physmem, stats_args)
{
	struct genpt_physmem *pm = mk(0, 1 * MiB);
	uint64_t v = 7, pa;

	cr_expect_eq(genpt_physmem_stats(NULL, &v, &v), -EINVAL);
	cr_expect_eq(v, 7);
	cr_expect_eq(genpt_physmem_stats(pm, NULL, NULL), 0);
	cr_assert_eq(genpt_physmem_alloc(pm, 64 * KiB, 1, &pa), 0);
	cr_expect_eq(genpt_physmem_stats(pm, &v, NULL), 0);
	cr_expect_eq(v, 64 * KiB);
	cr_expect_eq(genpt_physmem_stats(pm, NULL, &v), 0);
	cr_expect_eq(v, 1);
	cr_assert_eq(genpt_physmem_free(pm, pa, 64 * KiB), 0);
	destroy_empty(pm);
}

/* ---- layouts -------------------------------------------------------- */

Test(physmem, base_not_aligned_to_large_blocks)
{
	/* [1 GiB - 64 KiB, 3 GiB - 64 KiB): exactly one 1 GiB-aligned GiB inside */
	const uint64_t base = 1 * GiB - 64 * KiB, size = 2 * GiB;
	struct genpt_physmem *pm = mk(base, size);
	uint64_t g, x, small[16];
	int i;

	g = alloc_where(pm, 1 * GiB, 1 * GiB, 1 * GiB, "the aligned GiB");
	cr_expect_eq(genpt_physmem_alloc(pm, 1 * GiB, 1 * GiB, &x), -ENOMEM,
		     "2 GiB of space, but only one aligned GiB");
	/* the 64 KiB below 1 GiB serves small aligned blocks */
	cr_assert_eq(genpt_physmem_alloc(pm, 2 * MiB, 2 * MiB, &x), 0);
	cr_expect_eq(x % (2 * MiB), 0);
	cr_expect(x >= 2 * GiB);
	cr_expect_eq(genpt_physmem_free(pm, x, 2 * MiB), 0);
	for (i = 0; i < 16; i++) {
		cr_assert_eq(genpt_physmem_alloc(pm, 4 * KiB, 4 * KiB, &small[i]), 0);
		cr_expect(small[i] >= base && small[i] < base + size);
	}
	for (i = 0; i < 16; i++)
		cr_assert_eq(genpt_physmem_free(pm, small[i], 4 * KiB), 0);
	cr_assert_eq(genpt_physmem_free(pm, g, 1 * GiB), 0);
	expect_stats(pm, 0, 0);
	/* back to the start: the aligned GiB is whole again */
	g = alloc_where(pm, 1 * GiB, 1 * GiB, 1 * GiB, "the aligned GiB");
	cr_assert_eq(genpt_physmem_free(pm, g, 1 * GiB), 0);
	genpt_physmem_destroy(pm);
}

Test(physmem, big_alignment_from_small_block)
{
	/* [1 GiB - 8 KiB, 1 GiB + 4 KiB): an 8K block then a 4K block at 1 GiB;
	 * a 4K block aligned to 1 GiB exists although no 1 GiB block does */
	const uint64_t base = 1 * GiB - 8 * KiB;
	struct genpt_physmem *pm = mk(base, 12 * KiB);
	uint64_t pa, pb;

	pa = alloc_where(pm, 4 * KiB, 1 * GiB, 1 * GiB, "4K aligned to 1 GiB");
	cr_expect_eq(genpt_physmem_alloc(pm, 4 * KiB, 1 * GiB, &pb), -ENOMEM);
	pb = alloc_where(pm, 4 * KiB, 8 * KiB, base, "4K aligned to 8K");
	cr_expect_eq(genpt_physmem_free(pm, pa, 4 * KiB), 0);
	cr_expect_eq(genpt_physmem_free(pm, pb, 4 * KiB), 0);
	pb = alloc_where(pm, 8 * KiB, 8 * KiB, base, "the 8K block merged back");
	cr_expect_eq(genpt_physmem_free(pm, pb, 8 * KiB), 0);
	destroy_empty(pm);
}

Test(physmem, huge_64g_one_gib_block)
{
	const uint64_t base = 4 * GiB, size = 64 * GiB;
	struct genpt_physmem *pm = mk(base, size);
	uint64_t g, t[3];
	unsigned char *p;
	int i;

	cr_assert_eq(genpt_physmem_alloc(pm, 1 * GiB, 1 * GiB, &g), 0);
	cr_expect_eq(g % GiB, 0);
	p = genpt_physmem_ptr(pm, g);
	cr_assert_not_null(p);
	/* touch a few pages only: the rest must cost nothing */
	p[0] = 1;
	p[GiB / 2] = 2;
	p[GiB - 1] = 3;
	expect_stats(pm, 1 * GiB, 1);

	/* table pages next to it */
	for (i = 0; i < 3; i++)
		cr_assert_eq(genpt_physmem_alloc(pm, 4 * KiB << (2 * i), 4 * KiB << (2 * i), &t[i]), 0);
	for (i = 0; i < 3; i++)
		cr_assert_eq(genpt_physmem_free(pm, t[i], 4 * KiB << (2 * i)), 0);
	cr_assert_eq(genpt_physmem_free(pm, g, 1 * GiB), 0);
	expect_stats(pm, 0, 0);

	/* the same GiB comes back zeroed (dropped pages) */
	cr_assert_eq(genpt_physmem_alloc(pm, 1 * GiB, 1 * GiB, &g), 0);
	p = genpt_physmem_ptr(pm, g);
	cr_expect_eq(p[0], 0);
	cr_expect_eq(p[GiB / 2], 0);
	cr_expect_eq(p[GiB - 1], 0);
	cr_assert_eq(genpt_physmem_free(pm, g, 1 * GiB), 0);
	/* base 4 GiB, 64 GiB: one 64 GiB block at 64 GiB is not there (it would
	 * end at 128 GiB); but the 32 GiB at 32 GiB is, whole again */
	g = alloc_where(pm, 32 * GiB, 32 * GiB, 32 * GiB, "32 GiB at 32 GiB");
	cr_assert_eq(genpt_physmem_free(pm, g, 32 * GiB), 0);
	destroy_empty(pm);
}

Test(physmem, cycles_return_to_start)
{
	const uint64_t base = 256 * MiB, size = 256 * MiB;
	struct genpt_physmem *pm = mk(base, size);
	uint64_t pas[512], lens[512];
	struct tu_rng rng = { 12345 };
	int round, i, n;

	for (round = 0; round < 4; round++) {
		n = 0;
		for (i = 0; i < 512; i++) {
			static const uint64_t sz[] = { 4 * KiB, 16 * KiB, 64 * KiB, 4 * KiB, 2 * MiB };

			lens[n] = sz[tu_rand_below(&rng, 5)];
			if (genpt_physmem_alloc(pm, lens[n], lens[n], &pas[n]) == 0)
				n++;
		}
		/* free in a shuffled order */
		for (i = n - 1; i > 0; i--) {
			int j;
			uint64_t tp, tl;

			j = (int)tu_rand_below(&rng, (uint64_t)i + 1);
			tp = pas[i], pas[i] = pas[j], pas[j] = tp;
			tl = lens[i], lens[i] = lens[j], lens[j] = tl;
		}
		for (i = 0; i < n; i++)
			cr_assert_eq(genpt_physmem_free(pm, pas[i], lens[i]), 0);
		expect_whole(pm, base, size);
	}
	genpt_physmem_destroy(pm);
}

/* ---- the providers as genpt_mem_ops ------------------------------------ */

Test(physmem, physmem_ops)
{
	const uint64_t base = 0x100000000ull;
	struct genpt_physmem *pm = mk(base, 1 * MiB);
	const struct genpt_mem_ops *ops = &genpt_physmem_ops;
	uint64_t pa = 0;
	unsigned char *va, *vb;

	va = ops->alloc(pm, 4096, 4096, &pa);
	cr_assert_not_null(va);
	cr_expect_eq(pa % 4096, 0);
	cr_expect_eq(va, genpt_physmem_ptr(pm, pa));
	cr_expect_eq(ops->phys_to_virt(pm, pa + 8), va + 8);
	cr_expect_null(ops->phys_to_virt(pm, base + 1 * MiB));
	cr_expect_null(ops->phys_to_virt(NULL, pa));
	cr_expect(tu_all_zero(va, 4096));

	vb = ops->alloc(pm, 16 * KiB, 64 * KiB, &pa);
	cr_assert_not_null(vb);
	cr_expect_eq(pa % (64 * KiB), 0);
	expect_stats(pm, 20 * KiB, 2);

	/* bad arguments: NULL, no allocation */
	cr_expect_null(ops->alloc(NULL, 4096, 4096, &pa));
	cr_expect_null(ops->alloc(pm, 4096, 4096, NULL));
	cr_expect_null(ops->alloc(pm, 0, 4096, &pa));
	cr_expect_null(ops->alloc(pm, 4096, 0, &pa));
	cr_expect_null(ops->alloc(pm, 4096, 2048, &pa));
	cr_expect_null(ops->alloc(pm, 4096, 4096 + 1, &pa));
	cr_expect_null(ops->alloc(pm, 2 * MiB, 4096, &pa), "exhausted");
	/* frees that are not ours are ignored */
	ops->free(NULL, va, 4096);
	ops->free(pm, NULL, 4096);
	ops->free(pm, &pa, 4096);
	ops->free(pm, va + 4096, 4096);
	ops->free(pm, va, 8192);
	expect_stats(pm, 20 * KiB, 2);

	ops->free(pm, va, 4096);
	ops->free(pm, vb, 16 * KiB);
	destroy_empty(pm);
}

Test(physmem, host_ops)
{
	const struct genpt_mem_ops *ops = &genpt_host_mem_ops;
	static const size_t aligns[] = { 4096, 16384, 65536, 1 << 21 };
	uint64_t pa = 0x77;
	size_t i;

	for (i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		/* a size that is not a multiple of the alignment still works */
		size_t size = aligns[i] + 100;
		unsigned char *va = ops->alloc(NULL, size, aligns[i], &pa);

		cr_assert_not_null(va);
		cr_expect_eq((uintptr_t)va % aligns[i], 0);
		cr_expect_eq(pa, (uint64_t)(uintptr_t)va);
		cr_expect_eq(ops->phys_to_virt(NULL, pa), va);
		cr_expect(tu_all_zero(va, size));
		memset(va, 1, size);
		ops->free(NULL, va, size);
	}
	pa = 0x77;
	cr_expect_null(ops->alloc(NULL, 4096, 4096, NULL));
	cr_expect_null(ops->alloc(NULL, 0, 4096, &pa));
	cr_expect_null(ops->alloc(NULL, 4096, 0, &pa));
	cr_expect_null(ops->alloc(NULL, 4096, 2048, &pa));
	cr_expect_null(ops->alloc(NULL, 4096, 12288, &pa));
	cr_expect_null(ops->alloc(NULL, SIZE_MAX, 4096, &pa));
	cr_expect_eq(pa, 0x77);
	ops->free(NULL, NULL, 0);
}

/* ---- threads -------------------------------------------------------- */

#define STRESS_THREADS 4
#define STRESS_LIVE 48
#define STRESS_ITERS 20000

struct stress_arg {
	struct genpt_physmem *pm;
	unsigned int id;
	int failures;
};

/* A tag unique to (thread, block): a block handed out twice would clash. */
static uint64_t stress_tag(unsigned int id, uint64_t pa)
{
	return pa ^ ((uint64_t)id << 56) ^ 0x5eedf00dull;
}

static void *stress_thread(void *p)
{
	static const uint64_t sizes[] = { 4 * KiB, 16 * KiB, 64 * KiB, 8 * KiB, 2 * MiB };
	struct stress_arg *a = p;
	uint64_t pas[STRESS_LIVE], lens[STRESS_LIVE];
	struct tu_rng rng = { 0x9e3779b9u * (a->id + 1) };
	int n = 0, it;

	for (it = 0; it < STRESS_ITERS; it++) {
		uint32_t r = (uint32_t)tu_rand(&rng);

		if (n < STRESS_LIVE && (n == 0 || (r & 1))) {
			uint64_t len = sizes[(r >> 8) % (r & 0x100000 ? 5 : 4)];
			uint64_t pa, *w;

			if (genpt_physmem_alloc(a->pm, len, (r >> 4) & 1 ? len : 1, &pa) != 0)
				continue; /* exhausted for now: others will free */
			w = genpt_physmem_ptr(a->pm, pa);
			if (!w) {
				a->failures++;
				continue;
			}
			if (w[0] || w[len / 8 - 1])
				a->failures++;
			w[0] = stress_tag(a->id, pa);
			w[len / 8 - 1] = stress_tag(a->id, pa);
			pas[n] = pa;
			lens[n] = len;
			n++;
		} else {
			int k = (int)((r >> 8) % (uint32_t)n);
			uint64_t *w = genpt_physmem_ptr(a->pm, pas[k]);

			if (w[0] != stress_tag(a->id, pas[k]) ||
			    w[lens[k] / 8 - 1] != stress_tag(a->id, pas[k]))
				a->failures++;
			if (genpt_physmem_free(a->pm, pas[k], lens[k]) != 0)
				a->failures++;
			n--;
			pas[k] = pas[n];
			lens[k] = lens[n];
		}
	}
	while (n > 0) {
		n--;
		if (genpt_physmem_free(a->pm, pas[n], lens[n]) != 0)
			a->failures++;
	}
	return NULL;
}

Test(physmem, threads_stress, .timeout = 300)
{
	const uint64_t base = 512 * MiB, size = 256 * MiB;
	struct genpt_physmem *pm = mk(base, size);
	struct stress_arg args[STRESS_THREADS];
	pthread_t th[STRESS_THREADS];
	unsigned int i;

	for (i = 0; i < STRESS_THREADS; i++) {
		args[i] = (struct stress_arg){ .pm = pm, .id = i, .failures = 0 };
		cr_assert_eq(pthread_create(&th[i], NULL, stress_thread, &args[i]), 0);
	}
	for (i = 0; i < STRESS_THREADS; i++) {
		cr_assert_eq(pthread_join(th[i], NULL), 0);
		cr_expect_eq(args[i].failures, 0, "thread %u saw %d failures", i,
			     args[i].failures);
	}
	expect_stats(pm, 0, 0);
	expect_whole(pm, base, size);
	genpt_physmem_destroy(pm);
}
