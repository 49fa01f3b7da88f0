// SPDX-License-Identifier: MIT
/*
 * gather.c - table memory accounting and the deferred-free gather.
 *
 * A table page unlinked by an edit may still be walked by hardware that
 * cached the pointer to it, so it is not freed until the caller has
 * invalidated the IOTLB and calls genpt_gather_release().  The gather keeps
 * the pages in a chain threaded through the pages themselves: slot 0 holds
 * the next page's host pointer, slot 1 the page's size.  Both are multiples
 * of 4096, so their low bits (V / P / PR / valid in every format genpt has)
 * are 0 and a walker that still reads the page sees "not present".
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pt_atomic.h"
#include "core/pt_internal.h"

/*
 * A page the format cannot point at (beyond its table address width, or
 * not aligned as asked) is as useless as none: give it back and fail, so
 * a provider with memory up high gives -ENOMEM, never a corrupt entry.
 */
void *genpt_table_alloc(struct genpt *pt, uint64_t size, uint64_t *pa)
{
	void *va = pt->mem->alloc(pt->mem_ctx, (size_t)size, (size_t)size, pa);

	if (!va)
		return NULL;
	if ((*pa & (size - 1)) ||
	    (pt->table_pa_bits < 64 && (*pa + (size - 1)) >> pt->table_pa_bits)) {
		pt->mem->free(pt->mem_ctx, va, (size_t)size);
		return NULL;
	}
	__atomic_fetch_add(&pt->table_bytes, size, __ATOMIC_RELAXED);
	return va;
}

void genpt_table_free(struct genpt *pt, void *va, uint64_t size)
{
	__atomic_fetch_sub(&pt->table_bytes, size, __ATOMIC_RELAXED);
	pt->mem->free(pt->mem_ctx, va, (size_t)size);
}

void genpt_gather_add_page(struct genpt *pt, struct genpt_gather *g, void *va,
			   uint64_t size)
{
	uint64_t *link = va;

	if (!g) {
		genpt_table_free(pt, va, size);
		return;
	}
	__atomic_fetch_sub(&pt->table_bytes, size, __ATOMIC_RELAXED);
	pt_store(&link[0], (uint64_t)(uintptr_t)g->freed);
	pt_store(&link[1], size);
	g->freed = va;
}

void genpt_gather_add_range(struct genpt_gather *g, uint64_t first,
			    uint64_t last)
{
	if (!g)
		return;
	if (g->start > g->last) {
		g->start = first;
		g->last = last;
		return;
	}
	if (first < g->start)
		g->start = first;
	if (last > g->last)
		g->last = last;
}

GENPT_API void genpt_gather_init(struct genpt_gather *g)
{
	if (!g)
		return;
	g->start = UINT64_MAX;
	g->last = 0;
	g->freed = NULL;
}

GENPT_API int genpt_gather_release(struct genpt *pt, struct genpt_gather *g)
{
	if (!pt || !g)
		return -EINVAL;
	while (g->freed) {
		uint64_t *page = g->freed;

		g->freed = (void *)(uintptr_t)pt_load(&page[0]);
		pt->mem->free(pt->mem_ctx, page, (size_t)pt_load(&page[1]));
	}
	genpt_gather_init(g);
	return 0;
}
