/* SPDX-License-Identifier: MIT */
/*
 * genpt/sim_iommu.h - a simulated IOMMU for any genpt table format: an
 * IOTLB in front of the format's reference hardware walk, device DMA
 * through it, and invalidation with the completion guarantee hardware
 * gives.
 *
 * What it models (the parts of an IOMMU that decide whether dirty tracking
 * loses a page):
 *  - Translation by the format's reference walk, genpt_hw_access(): while
 *    the table's dirty tracking is on it sets A, and D on a write, with an
 *    atomic compare-and-swap of the entry, as an IOMMU with hardware A/D
 *    update does (x86 / VT-d / AMD v1 D bits, ARM DBM, RISC-V GADE/SADE).
 *  - An IOTLB that caches each translation with the accesses it was
 *    walked for.  A write through a translation cached as written (the
 *    walk set D, or found it set) completes without touching the table -
 *    exactly like hardware, so after software cleans D without
 *    invalidating, such a write is not seen by the next harvest.  That is
 *    the hazard genpt_gather exists for, and this model reproduces it.
 *    Entries cover one 4 KiB page each (the walk does not report the leaf
 *    size; real IOTLBs cache whole leaves, which only widens the hazard).
 *  - genpt_sim_iommu_invalidate() returns only once every DMA that may have
 *    used a translation it removed has finished writing memory, as
 *    hardware guarantees when an invalidation completes (VT-d wait
 *    descriptor, AMD COMPLETION_WAIT, SMMU CMD_SYNC, RISC-V IOFENCE.C).  So
 *    after "harvest, invalidate", a copy of the harvested pages contains
 *    every write that the harvest saw or that did not set D again.
 *
 * For the RISC-V IOMMU specification itself use genpt/riscv_iommu.h; this
 * model has no registers or queues, one translation domain (one table) per
 * instance, and no device ids: every device shares the IOTLB.
 *
 * Threads: genpt_sim_iommu_dma() may run from any number of threads at
 * once, concurrently with genpt_sim_iommu_invalidate(), _stats() and with
 * every engine call on the table (map, unmap, harvest, split...: the
 * engine's own serialization rules still apply among those).  Data moves
 * with relaxed atomic accesses, so devices racing on one page, and a CPU
 * reading pages with atomic loads while devices write, are well defined.
 *
 * Conventions: 0 or a negative errno; NULL arguments give -EINVAL.
 */
#ifndef GENPT_SIM_IOMMU_H
#define GENPT_SIM_IOMMU_H

#include <stddef.h>
#include <stdint.h>

#include "genpt/export.h"
#include "genpt/mem.h"
#include "genpt/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/** struct genpt_sim_iommu - opaque simulated IOMMU. */
struct genpt_sim_iommu;

/**
 * struct genpt_sim_iommu_config - what genpt_sim_iommu_create() builds.
 *
 * @table:         the table every DMA translates through (any format).  It
 *                 must outlive the IOMMU.
 * @mem, @mem_ctx: where translated addresses live: DMA data moves through
 *                 mem->phys_to_virt(mem_ctx, pa), one 4 KiB page at a
 *                 time (alloc and free are not used).  Usually the table's
 *                 own provider, e.g. a genpt_physmem.
 * @iotlb_entries: IOTLB capacity in 4 KiB translations (0 = 1024), rounded
 *                 up to a power-of-two number of 8-way sets; at most 2^20.
 */
struct genpt_sim_iommu_config {
	struct genpt *table;
	const struct genpt_mem_ops *mem;
	void *mem_ctx;
	unsigned int iotlb_entries;
};

/**
 * genpt_sim_iommu_create() - an IOMMU with an empty IOTLB.
 * @cfg: the table, the memory DMA data moves through, the IOTLB size.
 * @out: receives the new IOMMU.
 *
 * Return: 0, or a negative errno (*@out unchanged).
 * -EINVAL: a bad config (no table, no phys_to_virt, too many entries) or
 *          a NULL argument.
 * -ENOMEM: out of memory.
 */
GENPT_API int genpt_sim_iommu_create(const struct genpt_sim_iommu_config *cfg,
				     struct genpt_sim_iommu **out);

/**
 * genpt_sim_iommu_destroy() - free the IOMMU (not the table, not the
 * memory).
 * @iommu: the IOMMU, or NULL (a no-op).
 *
 * No DMA may be running.
 */
GENPT_API void genpt_sim_iommu_destroy(struct genpt_sim_iommu *iommu);

/**
 * genpt_sim_iommu_set_walk_cache() - give the IOMMU a paging-structure
 * cache (walk cache).
 * @iommu:   the IOMMU; no DMA may be running.
 * @entries: cached non-leaf entries (LRU), 1 to 4096; 0 removes the cache.
 *
 * Off by default.  With it, a walk of the x86-64, VT-d second-stage and
 * AMD v1 formats caches the table entries it read from memory (the
 * address of the next table and the rights so far), and a later walk of
 * an address below a cached entry starts from that table: it reads and
 * marks accessed none of the entries above, as the paging-structure caches
 * of real IOMMUs do.  Other formats ignore it.  genpt_sim_iommu_invalidate()
 * drops every cached entry whose span meets its range.  This is what makes
 * a table-accessed harvest (GENPT_FEAT_TABLE_ACCESSED) lose pages when its
 * gather is not invalidated: a cached entry lets devices write below it
 * without setting its accessed flag again.
 *
 * Return: 0, or a negative errno (the cache as it was).
 * -EINVAL: a NULL @iommu, @entries above 4096.
 * -ENOMEM: out of memory.
 */
GENPT_API int genpt_sim_iommu_set_walk_cache(struct genpt_sim_iommu *iommu,
					     unsigned int entries);

/**
 * genpt_sim_iommu_dma() - a device DMA.
 * @iommu:  the IOMMU.
 * @iova:   first address the device accesses.
 * @buf:    the device's data: the source of a write, the destination of a
 *          read.
 * @len:    bytes to move (0 does nothing).
 * @access: GENPT_ACCESS_WRITE copies @buf to memory; GENPT_ACCESS_READ and
 *          GENPT_ACCESS_EXEC copy memory to @buf.
 *
 * Translates page by page (IOTLB, else the reference walk, which sets A/D
 * while the table tracks dirty state) and copies between @buf and memory.
 * Each page's data is written before anything later can complete an
 * invalidation of the translation it used.  Thread safe.
 *
 * Return: 0, or the error of the first page that faulted, with the pages
 * before it transferred.
 * -ENOENT: nothing maps the page.
 * -EACCES: permission, or a missing A/D while tracking is off.
 * -EFAULT: a table or data address the provider does not back.
 * -EINVAL: bad arguments.
 */
GENPT_API int genpt_sim_iommu_dma(struct genpt_sim_iommu *iommu, uint64_t iova,
				  void *buf, size_t len, unsigned int access);

/**
 * genpt_sim_iommu_invalidate() - drop cached translations and wait for the
 * DMA that used them.
 * @iommu: the IOMMU.
 * @first: first address of the range (inclusive, like a gather).
 * @last:  last address of the range; 0 and UINT64_MAX drop everything.
 *
 * Drops every cached translation of [@first, @last] and waits until every
 * DMA that was under way when the call began has written its data.
 *
 * Call it after an engine edit whose gather is not empty (harvest, unmap,
 * split, merge) and before genpt_gather_release(), and after switching the
 * table's dirty tracking (with the whole range).  The walk takes the table's
 * tracking state as the hardware's A/D-update enable, so switching tracking
 * on while devices run goes: genpt_set_dirty_tracking(pt, true), this call
 * for everything (a walk that began with tracking off, and would fault on a
 * leaf cleaned under it, finishes first), then the first clean pass - the
 * order a driver keeps by enabling A/D in the device context and
 * invalidating it before the table hands out clean leaves.  A translation walked
 * before the call and filled into the IOTLB after it is discarded, never
 * cached.  Thread safe (concurrent invalidations are serialized).
 *
 * Return: 0, or a negative errno.
 * -EINVAL: @first > @last, or a NULL @iommu.
 */
GENPT_API int genpt_sim_iommu_invalidate(struct genpt_sim_iommu *iommu,
					 uint64_t first, uint64_t last);

/**
 * struct genpt_sim_iommu_stats - event counters (relaxed atomics).
 *
 * @dma_pages:     page transfers done by genpt_sim_iommu_dma().
 * @iotlb_hits:    transfers served by a cached translation.
 * @iotlb_misses:  transfers that walked the table.
 * @faults:        walks that failed (the DMA returned an error).
 * @stale_fills:   walks whose result was not cached because an
 *                 invalidation ran meanwhile.
 * @invalidations: genpt_sim_iommu_invalidate() calls.
 * @dropped:       IOTLB and walk-cache entries removed by invalidations.
 */
struct genpt_sim_iommu_stats {
	uint64_t dma_pages;
	uint64_t iotlb_hits;
	uint64_t iotlb_misses;
	uint64_t faults;
	uint64_t stale_fills;
	uint64_t invalidations;
	uint64_t dropped;
};

/**
 * genpt_sim_iommu_stats() - read the event counters.
 * @iommu: the IOMMU.
 * @out:   receives the counters.
 *
 * Return: 0, or -EINVAL for a NULL argument.
 */
GENPT_API int genpt_sim_iommu_stats(struct genpt_sim_iommu *iommu,
				    struct genpt_sim_iommu_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* GENPT_SIM_IOMMU_H */
