// SPDX-License-Identifier: MIT
/*
 * pmwrap.c - see pmwrap.h.
 */
#include "pmwrap.h"

#include "genpt/mem.h"

/* The physmem a wrapping provider's context begins with. */
static struct genpt_physmem *pmwrap_pm(void *ctx)
{
	return *(struct genpt_physmem **)ctx;
}

void *pmwrap_alloc(void *ctx, size_t size, size_t align, uint64_t *pa)
{
	return genpt_physmem_ops.alloc(pmwrap_pm(ctx), size, align, pa);
}

void pmwrap_free(void *ctx, void *va, size_t size)
{
	genpt_physmem_ops.free(pmwrap_pm(ctx), va, size);
}

void *pmwrap_p2v(void *ctx, uint64_t pa)
{
	return genpt_physmem_ops.phys_to_virt(pmwrap_pm(ctx), pa);
}
