// SPDX-License-Identifier: MIT
/*
 * bare_demo - genpt as a bare-metal hypervisor uses it: linked against
 * libgenpt_freestanding.a only (lib/core, lib/fmt, lib/hw built with
 * -ffreestanding; no lib/mem, no C library inside), with table memory from
 * the hypervisor's own page allocator.
 *
 * The "hypervisor" here owns a static pool of 4 KiB pages that it places
 * at a physical address of its choosing (POOL_PA); its provider hands out
 * naturally aligned blocks from a bitmap and translates physical addresses
 * back for genpt's reference walk.  The demo builds an Sv39x4 G-stage table,
 * maps guest RAM with 2 MiB and 4 KiB leaves, lets the reference walk write
 * as a device would with hardware dirty update, harvests the dirty bitmap,
 * unmaps through a gather, and checks that every page (the handle's
 * included) went back to the pool; then makes the pool run dry at every
 * point of a create and of a map (-ENOMEM, every page given back).  Exit
 * status 0 when all agree.
 *
 * Only the program around it is hosted (printf); the library part needs
 * nothing but memcpy/memset, which any bare-metal runtime has.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "genpt/hw.h"
#include "genpt/table.h"
#include "genpt/version.h"

#define PAGE 4096u
#define POOL_PAGES 256u
#define POOL_PA 0x80000000ull /* where the hypervisor says the pool lives */

/* ---- the hypervisor's page allocator ---------------------------------- */

struct pool {
	_Alignas(16384) unsigned char mem[POOL_PAGES * PAGE];
	uint64_t used[POOL_PAGES / 64];
	unsigned int live; /* pages handed out */
	long allocs;       /* alloc calls */
	long fail_at;      /* the alloc call to refuse (a pool running dry), -1 none */
};

static struct pool pool = { .fail_at = -1 };

static bool pool_is_used(const struct pool *p, unsigned int i)
{
	return p->used[i / 64] >> (i % 64) & 1;
}

static void pool_mark(struct pool *p, unsigned int first, unsigned int n, bool used)
{
	for (unsigned int i = first; i < first + n; i++) {
		if (used)
			p->used[i / 64] |= 1ull << (i % 64);
		else
			p->used[i / 64] &= ~(1ull << (i % 64));
	}
}

/* genpt_mem_ops.alloc: @size and @align are powers of two >= 4 KiB. */
static void *pool_alloc(void *ctx, size_t size, size_t align, uint64_t *pa)
{
	struct pool *p = ctx;
	unsigned int n = (unsigned int)((size + PAGE - 1) / PAGE);
	unsigned int step = align > size ? (unsigned int)(align / PAGE) : n;

	if (p->allocs++ == p->fail_at)
		return NULL;
	for (unsigned int first = 0; first + n <= POOL_PAGES; first += step) {
		unsigned int i = 0;

		while (i < n && !pool_is_used(p, first + i))
			i++;
		if (i < n)
			continue;
		pool_mark(p, first, n, true);
		p->live += n;
		memset(&p->mem[first * PAGE], 0, n * PAGE);
		*pa = POOL_PA + (uint64_t)first * PAGE;
		return &p->mem[first * PAGE];
	}
	return NULL;
}

static void pool_free(void *ctx, void *va, size_t size)
{
	struct pool *p = ctx;
	unsigned int first = (unsigned int)(((unsigned char *)va - p->mem) / PAGE);
	unsigned int n = (unsigned int)((size + PAGE - 1) / PAGE);

	pool_mark(p, first, n, false);
	p->live -= n;
}

static void *pool_phys_to_virt(void *ctx, uint64_t pa)
{
	struct pool *p = ctx;

	if (pa < POOL_PA || pa - POOL_PA >= sizeof(p->mem))
		return NULL;
	return &p->mem[pa - POOL_PA];
}

static const struct genpt_mem_ops pool_ops = {
	.alloc = pool_alloc,
	.free = pool_free,
	.phys_to_virt = pool_phys_to_virt,
};

/* ---- the demo ----------------------------------------------------------- */

static int failures;

static void expect(bool ok, const char *what)
{
	if (!ok) {
		printf("  FAILED: %s\n", what);
		failures++;
	}
}

#define MiB (1ull << 20)
#define GUEST_RAM (8 * MiB)   /* gpa 0: 3 x 2 MiB leaves + 512 x 4 KiB */
#define HOST_RAM 0x100000000ull

int main(void)
{
	struct genpt_config cfg = {
		.format = GENPT_FMT_RISCV,
		.va_bits = 41, /* Sv39x4 */
		.features = GENPT_FEAT_RISCV_GSTAGE,
		.mem = &pool_ops,
		.mem_ctx = &pool,
	};
	static const uint64_t writes[] = { 0x1000, 0x234567, 0x6ff000, 0x7fffff };
	uint64_t bits[GUEST_RAM / PAGE / 64] = { 0 };
	struct genpt_dirty_bitmap bm = { .bits = bits, .iova = 0, .length = GUEST_RAM,
					 .page_shift = 12 };
	struct genpt_config no_mem = cfg;
	struct genpt_gather g;
	struct genpt_hw_info info;
	struct genpt *pt = NULL;
	uint64_t oa = 0, unmapped = 0, dirty = 0;
	int err;

	printf("bare_demo: genpt %s, freestanding library, tables in a static pool at pa 0x%" PRIx64 "\n",
	       genpt_version(), (uint64_t)POOL_PA);
	no_mem.mem = NULL;
	expect(genpt_create(&no_mem, &pt) == -EINVAL && pt == NULL,
	       "a freestanding build has no default provider: -EINVAL");

	err = genpt_create(&cfg, &pt);
	if (err) {
		printf("genpt_create: %d\n", err);
		return 1;
	}
	/* handle (1 page) + 16 KiB G-stage root (4 pages) */
	expect(pool.live == 5, "create takes the handle page and the 16 KiB root");
	expect(genpt_hw_info(pt, &info) == 0 && info.root_pa >= POOL_PA && (info.atp >> 60) == 8,
	       "hw_info: root in the pool, iohgatp MODE Sv39x4");

	/* 6 MiB with 2 MiB leaves, 2 MiB with 4 KiB leaves (oa offset by 4 KiB). */
	expect(genpt_map(pt, 0, HOST_RAM, 6 * MiB, GENPT_READ | GENPT_WRITE, NULL) == 0, "map 2M leaves");
	expect(genpt_map(pt, 6 * MiB, HOST_RAM + 64 * MiB + PAGE, 2 * MiB,
			 GENPT_READ | GENPT_WRITE, NULL) == 0, "map 4K leaves");
	expect(genpt_iova_to_phys(pt, 0x234567, &oa) == 0 && oa == HOST_RAM + 0x234567, "translate 2M leaf");
	expect(genpt_iova_to_phys(pt, 0x7fffff, &oa) == 0 && oa == HOST_RAM + 64 * MiB + PAGE + 0x1fffff,
	       "translate 4K leaf");

	/* Tracking on, start from a clean table, let the device write. */
	expect(genpt_set_dirty_tracking(pt, true) == 0, "tracking on");
	expect(genpt_read_and_clear_dirty(pt, 0, GUEST_RAM, 0, NULL, NULL) == 0, "clean slate");
	for (unsigned int i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		expect(genpt_hw_access(pt, writes[i], GENPT_ACCESS_WRITE, NULL) == 0, "device write");

	genpt_gather_init(&g);
	expect(genpt_read_and_clear_dirty(pt, 0, GUEST_RAM, 0, &bm, &g) == 0, "harvest");
	for (unsigned int i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		dirty += (uint64_t)__builtin_popcountll(bits[i]);
	/* 0x1000 and 0x234567 dirty two 2 MiB leaves (512 pages each), the
	 * 4 KiB leaves one page each. */
	expect(dirty == 512 + 512 + 1 + 1, "dirty pages: two 2 MiB leaves and two 4 KiB pages");
	expect(bits[0] == ~0ull && (bits[(0x6ff000 >> 12) / 64] >> ((0x6ff000 >> 12) % 64) & 1),
	       "bitmap bits");
	expect(g.start == 0 && g.last == GUEST_RAM - 1, "gather covers the cleaned leaves");
	/* ... the hypervisor invalidates the IOTLB for [g.start, g.last] ... */
	expect(genpt_gather_release(pt, &g) == 0, "release");

	genpt_gather_init(&g);
	expect(genpt_unmap(pt, 0, GUEST_RAM, &g, &unmapped) == 0 && unmapped == GUEST_RAM, "unmap");
	/* The range is smaller than the span of the tables above the leaves,
	 * so unmap leaves those (emptied) in place; reclaim hands them over. */
	expect(genpt_reclaim(pt, &g, NULL) == 0, "reclaim the emptied tables");
	/* ... invalidate [g.start, g.last] again, then give the pages back ... */
	expect(genpt_gather_release(pt, &g) == 0, "release after unmap");
	expect(pool.live == 5, "unmap gave every table page back");
	genpt_destroy(pt);
	expect(pool.live == 0, "destroy gave the root and the handle back");

	/*
	 * The pool running dry at every possible point: create and map give
	 * -ENOMEM, and every page taken so far goes back.
	 */
	for (long n = 0;; n++) {
		pool.fail_at = pool.allocs + n;
		err = genpt_create(&cfg, &pt);
		pool.fail_at = -1;
		if (!err) {
			expect(n == 2, "create takes two blocks: the handle and the root");
			break;
		}
		expect(err == -ENOMEM && pool.live == 0, "failed create gives everything back");
		if (n > 8)
			return 1;
	}
	for (long n = 0;; n++) {
		unsigned int live = pool.live;

		pool.fail_at = pool.allocs + n;
		err = genpt_map(pt, GUEST_RAM - PAGE, HOST_RAM, 2 * MiB, GENPT_READ | GENPT_WRITE, NULL);
		pool.fail_at = -1;
		if (!err)
			break;
		/* A failed map may leave the empty tables it added; a reclaim
		 * (with the table to ourselves) gives them back. */
		expect(err == -ENOMEM && genpt_reclaim(pt, NULL, NULL) == 0 && pool.live == live,
		       "failed map gives its pages back after a reclaim");
		expect(genpt_iova_to_phys(pt, GUEST_RAM - PAGE, &oa) == -ENOENT, "failed map maps nothing");
		if (n > 8)
			return 1;
	}
	expect(genpt_unmap(pt, GUEST_RAM - PAGE, 2 * MiB, NULL, NULL) == 0, "unmap");
	genpt_destroy(pt);
	expect(pool.live == 0, "everything back in the pool");

	printf("bare_demo: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
