/* SPDX-License-Identifier: MIT */
/*
 * lib/mem/host.c - the default table memory provider: host memory,
 * physical address == host virtual address.
 *
 * This is what a table uses when its config names no provider.  It only
 * makes sense for tables no real device walks (unit tests, software models
 * that translate through phys_to_virt), so the "physical" address is simply
 * the pointer value.
 *
 * Table pages up to 64 KiB come from a pool of 2 MiB chunks (host_pool.c):
 * a harvest streams through the leaf tables in address order, and the C
 * library's allocators leave a header or an alignment hole between them
 * (glibc: 4 KiB tables 8 KiB apart; glibc and jemalloc: 16 KiB tables
 * 32 KiB apart, 64 KiB tables 128 KiB apart), so the scan paid a cold page
 * and a TLB miss per table.  Carved from one chunk, leaf tables sit back
 * to back, in one transparent huge page where the kernel grants it.
 * Larger requests, and every request in an AddressSanitizer build (whose
 * allocator must see each table to catch a use after free), go to
 * aligned_alloc.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/mem.h"
#include "host_pool.h"

#define HOST_MIN_ALIGN ((size_t)4096)

/* Powers of two only: the mem_ops contract promises table-page alignment. */
static int host_align_ok(size_t align)
{
	return align >= HOST_MIN_ALIGN && (align & (align - 1)) == 0;
}

static void *host_alloc(void *ctx, size_t size, size_t align, uint64_t *pa)
{
	size_t len;
	void *va;

	(void)ctx;
	if (!pa || size == 0 || !host_align_ok(align))
		return NULL;
	/* aligned_alloc wants a multiple of the alignment; refuse to wrap. */
	if (size > SIZE_MAX - (align - 1))
		return NULL;
	len = (size + align - 1) & ~(align - 1);
	va = host_pool_alloc(len);
	if (!va) {
		va = aligned_alloc(align, len);
		if (!va)
			return NULL;
	}
	memset(va, 0, len);
	*pa = (uint64_t)(uintptr_t)va;
	return va;
}

static void host_free(void *ctx, void *va, size_t size)
{
	(void)ctx;
	(void)size;
	if (va && !host_pool_free(va))
		free(va);
}

static void *host_phys_to_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

GENPT_API const struct genpt_mem_ops genpt_host_mem_ops = {
	.alloc = host_alloc,
	.free = host_free,
	.phys_to_virt = host_phys_to_virt,
};
