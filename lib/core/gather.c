// SPDX-License-Identifier: MIT
/*
 * gather.c - table memory accounting and the deferred-free gather.
 *
 * A table page unlinked by an edit may still be walked by hardware that
 * cached the pointer to it, so it is not freed until the caller has
 * invalidated the IOTLB and calls genpt_gather_release().  Until then the
 * page must read as it did when it was unlinked.  The gather's chain
 * (g->freed) holds two kinds of pages:
 *
 *  - an EMPTY table (unmap removed everything under it, or a failed map's
 *    fresh table): every entry already reads "not present", so the chain
 *    link is threaded through the page itself - slot 0 the next page's host
 *    pointer, slot 1 the page's size.  Both are multiples of 4096, so their
 *    low bits (V / P / PR / R|W in every format genpt has) are 0 and a
 *    walker that still reads the page keeps seeing "not present".
 *  - a RECORD page: private memory from the provider (never walked) listing
 *    retired tables that still hold translations (merge replaced their
 *    parent entry by one leaf).  Such a table keeps every translation: a
 *    walk that loaded the old pointer before the swap must still translate
 *    through it, and may still mark one of its leaves dirty.  Slot 1 holds
 *    the record page's size with bit 0 set (the tag), slot 2 the number of
 *    records, then three words per record: the table's host pointer, the
 *    IOVA of the entry it hung from, and its size | the entry's level.
 *    Record pages are taken (genpt_gather_reserve) before the edit changes
 *    anything, so handing a table to the gather never fails.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pt_atomic.h"
#include "core/pt_flush.h"
#include "core/pt_internal.h"

#define REC_PAGE 4096u
#define REC_HDR 3u   /* next, size | tag, count */
#define REC_WORDS 3u /* table va, iova, size | level */
#define REC_CAP ((REC_PAGE / 8 - REC_HDR) / REC_WORDS)
#define REC_TAG 1u
#define REC_LVL_MASK 0xfu /* table sizes (8 << bits) are multiples of 16 */

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

static uint64_t *chain_next(const uint64_t *page)
{
	return (uint64_t *)(uintptr_t)pt_load(&page[0]);
}

static bool is_record_page(const uint64_t *page)
{
	return (pt_load(&page[1]) & REC_TAG) != 0;
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
	/* Both read "not present", but walk caches may still reach the
	 * page: keep the walker's view of it equal to ours. */
	pt_flush(pt, link, 0, 2);
	g->freed = va;
}

/* Free records left in the record pages at the head of @g's chain. */
static uint64_t room_at_head(const struct genpt_gather *g)
{
	uint64_t room = 0;

	for (const uint64_t *p = g->freed; p && is_record_page(p); p = chain_next(p))
		room += REC_CAP - p[2];
	return room;
}

int genpt_gather_reserve(struct genpt *pt, struct genpt_gather *g, uint64_t n)
{
	uint64_t room, pages, *fresh = NULL, *tail = NULL;

	if (!g || !n)
		return 0;
	room = room_at_head(g);
	if (room >= n)
		return 0;
	pages = (n - room + REC_CAP - 1) / REC_CAP;
	/* All or nothing: chain the new pages privately, then prepend. */
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t pa, *p = pt->mem->alloc(pt->mem_ctx, REC_PAGE, REC_PAGE, &pa);

		if (!p) {
			while (fresh) {
				uint64_t *next = (uint64_t *)(uintptr_t)fresh[0];

				pt->mem->free(pt->mem_ctx, fresh, REC_PAGE);
				fresh = next;
			}
			return -ENOMEM;
		}
		p[0] = (uint64_t)(uintptr_t)fresh;
		p[1] = REC_PAGE | REC_TAG;
		p[2] = 0;
		if (!tail)
			tail = p;
		fresh = p;
	}
	tail[0] = (uint64_t)(uintptr_t)g->freed;
	g->freed = fresh;
	return 0;
}

void genpt_gather_unreserve(struct genpt *pt, struct genpt_gather *g)
{
	uint64_t *p;

	while (g && (p = g->freed) && is_record_page(p) && !p[2]) {
		g->freed = chain_next(p);
		pt->mem->free(pt->mem_ctx, p, REC_PAGE);
	}
}

void genpt_gather_add_retired(struct genpt *pt, struct genpt_gather *g,
			      void *va, uint64_t size, uint64_t iova,
			      unsigned int lvl)
{
	uint64_t *p;

	if (!g) {
		if (pt->ops->fold_retired)
			pt->ops->fold_retired(pt, lvl, iova, va);
		genpt_table_free(pt, va, size);
		return;
	}
	__atomic_fetch_sub(&pt->table_bytes, size, __ATOMIC_RELAXED);
	/* genpt_gather_reserve() made room in the record pages at the head. */
	for (p = g->freed; p[2] == REC_CAP; p = chain_next(p))
		;
	p[REC_HDR + REC_WORDS * p[2] + 0] = (uint64_t)(uintptr_t)va;
	p[REC_HDR + REC_WORDS * p[2] + 1] = iova;
	p[REC_HDR + REC_WORDS * p[2] + 2] = size | lvl;
	p[2]++;
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

/*
 * The retired tables of one record page: the invalidation the caller did
 * has waited for every walk that still used them, so their dirty state is
 * final; fold it into the leaf that replaced them, then free them.
 */
static void release_records(struct genpt *pt, uint64_t *rec)
{
	for (uint64_t i = 0; i < rec[2]; i++) {
		const uint64_t *r = &rec[REC_HDR + REC_WORDS * i];
		void *va = (void *)(uintptr_t)r[0];
		unsigned int lvl = (unsigned int)(r[2] & REC_LVL_MASK);

		if (pt->ops->fold_retired)
			pt->ops->fold_retired(pt, lvl, r[1], va);
		pt->mem->free(pt->mem_ctx, va, (size_t)(r[2] & ~(uint64_t)REC_LVL_MASK));
	}
}

GENPT_API int genpt_gather_release(struct genpt *pt, struct genpt_gather *g)
{
	if (!pt || !g)
		return -EINVAL;
	while (g->freed) {
		uint64_t *page = g->freed;
		uint64_t size = pt_load(&page[1]);

		g->freed = chain_next(page);
		if (size & REC_TAG)
			release_records(pt, page);
		pt->mem->free(pt->mem_ctx, page, (size_t)(size & ~(uint64_t)REC_TAG));
	}
	genpt_gather_init(g);
	return 0;
}
