/* SPDX-License-Identifier: MIT */
/*
 * genpt/mem.h - where page-table memory comes from.
 *
 * A table lives in memory that both the CPU (this library) and an IOMMU (the
 * hardware, or one of genpt's models) reach: the CPU through a host pointer,
 * the IOMMU through a physical address.  A memory provider hands out such
 * memory and translates back.  genpt_physmem is a ready provider that
 * simulates a physical address space inside the host process.
 */
#ifndef GENPT_MEM_H
#define GENPT_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "genpt/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct genpt_mem_ops - a table memory provider.
 *
 * @alloc:        return @size bytes of zeroed memory aligned to @align (both
 *                powers of two, at least 4096) in the provider's physical
 *                space, store its physical address in *@pa and return the
 *                host pointer; NULL when out of memory.  The physical address
 *                is aligned to @align too.
 * @free:         give back memory from @alloc (same @va and @size).
 * @phys_to_virt: the host pointer of physical address @pa, or NULL when @pa
 *                is not backed.  Hardware models walk tables through it.
 *
 * Every callback may be called from any thread; a provider used by tables
 * that are edited concurrently must be thread safe.
 */
struct genpt_mem_ops {
	void *(*alloc)(void *ctx, size_t size, size_t align, uint64_t *pa);
	void (*free)(void *ctx, void *va, size_t size);
	void *(*phys_to_virt)(void *ctx, uint64_t pa);
};

/**
 * genpt_host_mem_ops - the default provider: host memory from the C library,
 * physical address == host virtual address.  Used when a config gives no
 * provider.  ctx is ignored.
 */
GENPT_API extern const struct genpt_mem_ops genpt_host_mem_ops;

/** struct genpt_physmem - opaque simulated physical memory. */
struct genpt_physmem;

/**
 * genpt_physmem_create() - simulate @size bytes of physical memory at
 * physical address @base.
 *
 * @base must be 4 KiB aligned, @size a non-zero multiple of 4 KiB, and
 * @base + @size must not wrap.  The memory is reserved lazily by the host
 * (untouched pages cost nothing).  Returns 0 and stores the new object in
 * *@out; -EINVAL on bad arguments, -ENOMEM when the host refuses.
 */
GENPT_API int genpt_physmem_create(uint64_t base, uint64_t size,
				   struct genpt_physmem **out);

/** genpt_physmem_destroy() - free the whole simulated memory.  NULL is a no-op. */
GENPT_API void genpt_physmem_destroy(struct genpt_physmem *pm);

/**
 * genpt_physmem_alloc() - allocate zeroed physical memory (for tables or for
 * data pages a test or a device writes).
 *
 * @size is rounded up to a power of two of at least 4 KiB; the block is
 * aligned to the larger of that size and @align (a power of two).  Stores
 * the physical address in *@pa.  -EINVAL on bad arguments, -ENOMEM when the
 * space is exhausted.  Thread safe.
 */
GENPT_API int genpt_physmem_alloc(struct genpt_physmem *pm, uint64_t size,
				  uint64_t align, uint64_t *pa);

/**
 * genpt_physmem_free() - give back a block from genpt_physmem_alloc().
 * @size is the size that was asked for.  -EINVAL if @pa was not allocated.
 */
GENPT_API int genpt_physmem_free(struct genpt_physmem *pm, uint64_t pa,
				 uint64_t size);

/**
 * genpt_physmem_ptr() - the host pointer of physical address @pa, or NULL
 * when @pa lies outside the simulated memory.
 */
GENPT_API void *genpt_physmem_ptr(struct genpt_physmem *pm, uint64_t pa);

/**
 * genpt_physmem_stats() - bytes currently allocated and the number of live
 * allocations, for leak checks.  Either pointer may be NULL.
 */
GENPT_API int genpt_physmem_stats(struct genpt_physmem *pm, uint64_t *bytes,
				  uint64_t *blocks);

/**
 * genpt_physmem_ops - a provider whose ctx is a struct genpt_physmem *:
 * pass { .mem = &genpt_physmem_ops, .mem_ctx = pm } in a genpt_config.
 */
GENPT_API extern const struct genpt_mem_ops genpt_physmem_ops;

#ifdef __cplusplus
}
#endif

#endif /* GENPT_MEM_H */
