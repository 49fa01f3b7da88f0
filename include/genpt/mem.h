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
 * @flush:        optional, for an IOMMU whose table walker does not snoop
 *                the CPU caches: make the @size bytes at host pointer @va
 *                (memory from @alloc) visible to the walker, i.e. clean
 *                those cache lines to memory (Arm DC CVAC, RISC-V
 *                CBO.CLEAN, x86 CLFLUSHOPT, or dma_sync_*_for_device() in
 *                a kernel).  genpt calls it after every batch of writes to
 *                memory a walker may read: one call per contiguous run of
 *                written entries of one table page (a harvest cleaning a
 *                dirty table calls it once, not per entry), on every path
 *                (map, unmap, dirty harvests and clears, split and merge,
 *                tracking switches, reclaim, gather release, and the
 *                driver helpers' device contexts and commands).  A new
 *                table page is flushed whole before the entry that links
 *                it is written, and that entry is flushed right after, so
 *                the walker never follows a link into stale memory.  Never
 *                called for memory only the library reads (gather record
 *                pages, the split log).  NULL when the walker is coherent:
 *                then it costs one test per batch.  Hardware updates of
 *                accessed and dirty flags must reach the CPU coherently
 *                (Linux, too, enables hardware dirty tracking only for a
 *                coherent walker): genpt never invalidates a CPU line.
 *
 * Every callback may be called from any thread; a provider used by tables
 * that are edited concurrently must be thread safe.
 */
struct genpt_mem_ops {
	void *(*alloc)(void *ctx, size_t size, size_t align, uint64_t *pa);
	void (*free)(void *ctx, void *va, size_t size);
	void *(*phys_to_virt)(void *ctx, uint64_t pa);
	void (*flush)(void *ctx, const void *va, size_t size);
};

/**
 * genpt_host_mem_ops - the default provider: host memory, physical address
 * == host virtual address.  Table pages up to 64 KiB are carved from 2 MiB
 * chunks (so tables allocated in a row sit back to back, which a harvest's
 * scan wants), larger ones come from the C library.  The cost: a process
 * that uses it holds a 2 MiB chunk per table page size in use (resident
 * as its pages are touched, transparent huge pages requested), shared by
 * every table of the process; an empty chunk goes back to the system
 * unless it is the last empty one of its size.  A process with many small
 * tables and tight memory can pass its own provider.  Under
 * AddressSanitizer every page comes from the C library, so the sanitizer
 * sees each one.  Used when a config gives no provider.  ctx is ignored.  Not in the freestanding build, where every
 * config names its provider.
 */
GENPT_API extern const struct genpt_mem_ops genpt_host_mem_ops;

/** struct genpt_physmem - opaque simulated physical memory. */
struct genpt_physmem;

/**
 * genpt_physmem_create() - simulate physical memory.
 * @base: physical address of the first byte; 4 KiB aligned.
 * @size: bytes; a non-zero multiple of 4 KiB, and @base + @size must not
 *        wrap.
 * @out:  receives the new object.
 *
 * The memory is reserved lazily by the host (untouched pages cost
 * nothing).
 *
 * Return: 0, or a negative errno (*@out unchanged).
 * -EINVAL: a bad argument (NULL @out, misaligned, zero, too large or
 *          wrapping range).
 * -ENOMEM: the host refused the reservation.
 */
GENPT_API int genpt_physmem_create(uint64_t base, uint64_t size,
				   struct genpt_physmem **out);

/**
 * genpt_physmem_destroy() - free the whole simulated memory.
 * @pm: the memory, or NULL (a no-op).
 *
 * Every table, model or block using it must be gone.
 */
GENPT_API void genpt_physmem_destroy(struct genpt_physmem *pm);

/**
 * genpt_physmem_alloc() - allocate zeroed physical memory (for tables or for
 * data pages a test or a device writes).
 * @pm:    the memory.
 * @size:  bytes; rounded up to a power of two of at least 4 KiB.
 * @align: alignment, a power of two; the block is aligned to the larger of
 *         @align and the rounded size.
 * @pa:    receives the block's physical address.
 *
 * Thread safe.
 *
 * Return: 0, or a negative errno.
 * -EINVAL: NULL @pm or @pa, zero or oversized @size, @align not a power
 *          of two.
 * -ENOMEM: no free block of that size is left.
 */
GENPT_API int genpt_physmem_alloc(struct genpt_physmem *pm, uint64_t size,
				  uint64_t align, uint64_t *pa);

/**
 * genpt_physmem_free() - give back a block from genpt_physmem_alloc().
 * @pm:   the memory.
 * @pa:   the block's physical address.
 * @size: the size that was asked for.
 *
 * Thread safe.
 *
 * Return: 0, or a negative errno.
 * -EINVAL: @pa is not an allocated block of that size.
 */
GENPT_API int genpt_physmem_free(struct genpt_physmem *pm, uint64_t pa,
				 uint64_t size);

/**
 * genpt_physmem_ptr() - the host pointer of a physical address.
 * @pm: the memory.
 * @pa: any physical address.
 *
 * Return: the host pointer of @pa, or NULL when @pa lies outside the
 * simulated memory (or @pm is NULL).
 */
GENPT_API void *genpt_physmem_ptr(struct genpt_physmem *pm, uint64_t pa);

/**
 * genpt_physmem_stats() - what is allocated now, for leak checks.
 * @pm:     the memory.
 * @bytes:  receives the bytes allocated (may be NULL).
 * @blocks: receives the number of live allocations (may be NULL).
 *
 * Return: 0, or -EINVAL for a NULL @pm.
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
