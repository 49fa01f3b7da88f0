/* SPDX-License-Identifier: MIT */
/*
 * pt_flush.h - making table writes visible to a walker that does not snoop
 * the CPU caches (genpt_mem_ops.flush).
 *
 * Every path that writes entries calls pt_flush() once per contiguous run
 * of entries it wrote in one table page, after the writes: a harvest that
 * cleans a whole table makes one call, not 512.  Where a loop writes
 * scattered entries of one table (unmap, reclaim, tracking off), a struct
 * pt_wspan collects the lowest and highest index written and the loop
 * flushes that span once at the end (the unwritten entries between cost a
 * clean of clean lines, which is cheap next to a call per entry).  With no
 * hook (a coherent walker) each batch costs one test.
 */
#ifndef GENPT_PT_FLUSH_H
#define GENPT_PT_FLUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pt_internal.h"

/* Entries [@lo, @lo + @n) of @table were written. */
static inline void pt_flush(const struct genpt *pt, const uint64_t *table,
			    unsigned int lo, unsigned int n)
{
	if (pt->mem->flush && n)
		pt->mem->flush(pt->mem_ctx, table + lo, (size_t)n * 8);
}

/* A whole table page of @bytes: a new one, before it is linked. */
static inline void pt_flush_page(const struct genpt *pt, const void *page,
				 uint64_t bytes)
{
	if (pt->mem->flush)
		pt->mem->flush(pt->mem_ctx, page, (size_t)bytes);
}

/* The span of entries a loop over one table wrote. */
struct pt_wspan {
	unsigned int lo, hi;
	bool any;
};

static inline void pt_wspan_add(struct pt_wspan *w, unsigned int lo,
				unsigned int hi)
{
	if (!w->any || lo < w->lo)
		w->lo = lo;
	if (!w->any || hi > w->hi)
		w->hi = hi;
	w->any = true;
}

static inline void pt_wspan_flush(const struct genpt *pt,
				  const uint64_t *table,
				  const struct pt_wspan *w)
{
	if (w->any)
		pt_flush(pt, table, w->lo, w->hi - w->lo + 1);
}

#endif /* GENPT_PT_FLUSH_H */
