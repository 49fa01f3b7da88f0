/* SPDX-License-Identifier: MIT */
/*
 * lib/mem/host.c - the default table memory provider: memory from the C
 * library, physical address == host virtual address.
 *
 * This is what a table uses when its config names no provider.  It only
 * makes sense for tables no real device walks (unit tests, software models
 * that translate through phys_to_virt), so the "physical" address is simply
 * the pointer value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/mem.h"

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
	va = aligned_alloc(align, len);
	if (!va)
		return NULL;
	memset(va, 0, len);
	*pa = (uint64_t)(uintptr_t)va;
	return va;
}

static void host_free(void *ctx, void *va, size_t size)
{
	(void)ctx;
	(void)size;
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
