/* SPDX-License-Identifier: MIT */
/*
 * migrate/migrate.h - the live-migration simulator (tools/migrate, built as
 * the static archive genpt_migsim over the public API of libgenpt and
 * libgenpt_hw; main.c is its command line, test/test_migrate*.c run it as
 * tests).  docs/migration.md describes it.
 *
 * One call, genpt_mig_run(), does a whole pre-copy migration:
 *  - guest memory in a genpt_physmem, mapped at guest address 0 through the
 *    chosen format with 4 KiB, 2 MiB or mixed leaves;
 *  - the IOMMU (migrate/iommu.h, one backend per kind): the RISC-V IOMMU
 *    model programmed by the driver helper (genpt_rvdrv_*), or the
 *    simulated IOMMU (genpt/sim_iommu.h) for every other format;
 *  - N device threads writing by DMA at a rate and in a pattern, each
 *    write followed by a completion record in the device's slot of a
 *    completion page at the top of guest memory;
 *  - optionally a guest thread unmapping and mapping leaves again;
 *  - tracking on (optionally splitting large leaves first), a full copy,
 *    rounds of harvest -> invalidate -> copy the dirty pages until the dirty
 *    set fits the downtime budget, then devices stopped, a final harvest and
 *    copy, and a byte-for-byte comparison of destination and source.
 *
 * Hosted only (threads, clocks).
 */
#ifndef GENPT_TOOLS_MIGRATE_H
#define GENPT_TOOLS_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "genpt/table.h"

struct mig_iommu_ops;

/** enum genpt_mig_pattern - where device writes land. */
enum genpt_mig_pattern {
	GENPT_MIG_UNIFORM = 0, /* any page, uniformly */
	GENPT_MIG_HOT,         /* hot_percent of writes in a contiguous hot set, the rest uniform */
	GENPT_MIG_SEQ,         /* each device streams through memory from its own start, wrapping */
};

/** enum genpt_mig_mapping - the leaves the guest memory is mapped with. */
enum genpt_mig_mapping {
	GENPT_MIG_MAP_MIXED = 0, /* per 8 MiB: 4 MiB of 2 MiB leaves, 2 MiB of 64 KiB runs, 2 MiB of 4 KiB pages */
	GENPT_MIG_MAP_4K,        /* 4 KiB pages (the granule for ARM 16K/64K) */
	GENPT_MIG_MAP_2M,        /* 2 MiB leaves (a contiguous run where 2 MiB is no leaf size) */
};

/**
 * struct genpt_mig_format - one table format and the IOMMU it sits behind.
 *
 * @name:    command-line name.
 * @desc:    one-line description.
 * @cfg:     table config (mem/mem_ctx are filled in by the run).
 * @iommu:   the IOMMU backend it sits behind (migrate/iommu.h): the RISC-V
 *           IOMMU model with the driver helper, or the simulated IOMMU.
 * @stage:   the genpt_rvdrv_stage behind the RISC-V IOMMU model.
 */
struct genpt_mig_format {
	const char *name;
	const char *desc;
	struct genpt_config cfg;
	const struct mig_iommu_ops *iommu;
	unsigned int stage;
};

/* The formats, in the order the command line lists them; NULL-terminated
 * by a zero entry (name NULL). */
extern const struct genpt_mig_format genpt_mig_formats[];

/* The format called @name, or NULL. */
const struct genpt_mig_format *genpt_mig_format_find(const char *name);

/**
 * struct genpt_mig_config - what to simulate (see genpt_mig_config_default()).
 *
 * @format:        a genpt_mig_formats name (NULL = "riscv").
 * @mapping:       leaves of the guest mapping.
 * @mem_bytes:     guest memory, a multiple of 8 MiB.
 * @devices:       device threads (1..64).
 * @rate_mib:      MiB/s each device writes; 0 = as fast as it can.
 * @write_bytes:   bytes per DMA write: a power of two, 8..4096.
 * @pattern:       where writes land.
 * @hot_bytes:     hot-set size (GENPT_MIG_HOT), a multiple of 4 KiB.
 * @hot_percent:   share of writes into the hot set, 0..100.
 * @bandwidth_mib: migration link, MiB/s: pre-copy copies at this pace and
 *                 the downtime is computed with it; 0 = unlimited (copies
 *                 at memory speed, downtime measured).
 * @downtime_ms:   budget: stop the devices when the dirty set can be copied
 *                 (and harvested) within it.
 * @max_rounds:    stop pre-copy after this many rounds even if the dirty
 *                 set does not fit (not converged).
 * @ops_per_device: each device stops after this many writes (0 = runs until
 *                 the devices are stopped).  Pre-copy then also ends when
 *                 every device is done and a harvest finds nothing.
 * @min_writes_per_round: each round first waits until the devices made this
 *                 many writes since the previous round (at least devices + 1,
 *                 so that one write began after it); the tests use it so
 *                 that rounds always race with writes.
 * @iotlb_entries: IOTLB size (0 = the IOMMU's default: RISC-V model 512,
 *                 simulated IOMMU 1024).
 * @split:         split large leaves to the base page when tracking starts
 *                 (genpt_set_dirty_tracking_split, or genpt_split before the
 *                 RISC-V driver switches tracking on) and merge
 *                 them back at the end.
 * @harvest_threads: threads that harvest, each a shard of the guest cut by
 *                 genpt_harvest_shards() (0 or 1: the calling thread alone;
 *                 at most 64).
 * @no_invalidate: skip the IOTLB invalidation after clearing dirty bits:
 *                 the bug the gather exists to prevent; the verification
 *                 must then find lost pages under a write-heavy load.
 * @table_accessed: create the table with GENPT_FEAT_TABLE_ACCESSED (x86-64,
 *                 VT-d SS, AMD v1), so harvests skip what no device
 *                 touched, and give the simulated IOMMU a walk cache.
 * @seed:          random seed of the devices.
 * @chunk_bytes:   harvest in queries of this many bytes, one after the
 *                 other over the guest (0 = one query for all of it), as
 *                 QEMU harvests per memory section: a multiple of the
 *                 granule, its edges need not fall on leaf edges.
 * @vm_unmap_rate: unmap-and-map cycles a second of the guest's own (a
 *                 leaf at a time, through unmap_read_dirty, whose report
 *                 is copied; migrate/guest.h); 0 = none.
 * @sim_clock:     drive the devices and the guest by a simulated clock
 *                 that the copies advance at @bandwidth_mib (which must
 *                 then be set, as must @rate_mib): each round's writes,
 *                 hence its dirty set and the number of rounds, are the
 *                 same on any machine; copies run at memory speed.
 * @ats:           the devices use PCIe ATS (RISC-V formats): each has an
 *                 ATC and DMAs through ATS Translation Requests and
 *                 translated requests; the driver helper's invalidations
 *                 (harvest included) send ATS.INVAL (with @no_invalidate
 *                 the ATCs keep their dirty translations, like the IOTLB).
 * @min_unmaps_per_round: with @vm_unmap_rate, each round first waits until
 *                 the guest made this many unmap-and-map cycles since the
 *                 previous round (0 = no wait); for tests, as
 *                 @min_writes_per_round.
 */
struct genpt_mig_config {
	const char *format;
	enum genpt_mig_mapping mapping;
	uint64_t mem_bytes;
	unsigned int devices;
	double rate_mib;
	unsigned int write_bytes;
	enum genpt_mig_pattern pattern;
	uint64_t hot_bytes;
	unsigned int hot_percent;
	double bandwidth_mib;
	double downtime_ms;
	unsigned int max_rounds;
	uint64_t ops_per_device;
	uint64_t min_writes_per_round;
	unsigned int iotlb_entries;
	bool split;
	bool no_invalidate;
	bool table_accessed;
	uint64_t seed;
	uint64_t chunk_bytes;
	double vm_unmap_rate;
	bool sim_clock;
	uint64_t min_unmaps_per_round;
	unsigned int harvest_threads;
	bool ats;
};

/**
 * struct genpt_mig_round - one line of progress.
 *
 * @round:           0 = the full copy, then 1, 2, ...
 * @final:           the stop-and-copy phase (devices stopped).
 * @converged:       this round's dirty set fits the budget: devices stop next.
 * @dirty_pages:     4 KiB pages the harvest reported (full copy: all).
 * @bytes_copied:    bytes copied in this round.
 * @seconds:         wall time of the round (harvest, invalidation, copy).
 * @harvest_seconds: of which harvest and invalidation.
 */
struct genpt_mig_round {
	unsigned int round;
	bool final;
	bool converged;
	uint64_t dirty_pages;
	uint64_t bytes_copied;
	double seconds;
	double harvest_seconds;
};

#define GENPT_MIG_MAX_DIFF 8

/**
 * struct genpt_mig_result - the outcome of genpt_mig_run().
 *
 * @desc:            the format and IOMMU, one line.
 * @rounds:          pre-copy harvest rounds (the full copy not counted).
 * @converged:       the dirty set fitted the budget (else max_rounds hit).
 * @bytes_copied:    total, full copy and final copy included.
 * @final_pages:     pages copied while the devices were stopped.
 * @final_harvest_ms, @final_copy_ms: their harvest (with invalidation) and
 *                   copy; the copy at the link bandwidth when it has one.
 * @downtime_ms:     simulated downtime: final harvest + final copy.
 * @harvests:        harvest calls, @harvest_seconds their total time
 *                   (invalidation included), @harvest_ms_per_gib that per
 *                   GiB of guest memory scanned.
 * @device_writes, @device_bytes: DMA writes the devices made.
 * @device_errors:   DMA writes that failed (must be 0); @first_error (a
 *                   negative errno) and @first_error_gpa say how and where
 *                   the first one did.
 * @iotlb_hits, @iotlb_misses: the IOMMU's counters.
 * @bytes_compared, @pages_differ: the verification.
 * @first_diff:      guest addresses of the first differing 4 KiB pages
 *                   (@n_first_diff of them).
 * @dma_retries:     device writes that faulted because the guest had
 *                   their page unmapped for a moment, and were retried.
 * @guest_unmaps:    the guest's unmap-and-map cycles (--vm-unmap);
 *                   @unmap_dirty_pages the pages those unmaps reported.
 * @seconds:         wall time of the whole run.
 * @harvest_shards:  the most shards one harvest was split into (1 without
 *                   --harvest-threads).
 * @error:           what failed when genpt_mig_run() returns an error.
 */
struct genpt_mig_result {
	char desc[160];
	unsigned int rounds;
	bool converged;
	uint64_t bytes_copied;
	uint64_t final_pages;
	double final_harvest_ms, final_copy_ms, downtime_ms;
	uint64_t harvests;
	double harvest_seconds, harvest_ms_per_gib;
	uint64_t device_writes, device_bytes, device_errors;
	int first_error;
	uint64_t first_error_gpa;
	uint64_t iotlb_hits, iotlb_misses;
	uint64_t bytes_compared, pages_differ;
	uint64_t first_diff[GENPT_MIG_MAX_DIFF];
	unsigned int n_first_diff;
	uint64_t dma_retries, guest_unmaps, unmap_dirty_pages;
	double seconds;
	unsigned int harvest_shards;
	char error[200];
};

/* "2M", "64K", "4K" (or the granule, e.g. "64K" for ARM 64K): the leaf
 * @gpa was mapped with under @cfg->mapping (before any split). */
const char *genpt_mig_leaf_kind(const struct genpt_mig_config *cfg, uint64_t gpa);

/* The defaults the command line starts from. */
void genpt_mig_config_default(struct genpt_mig_config *cfg);

typedef void (*genpt_mig_progress_fn)(void *ctx, const struct genpt_mig_round *r);

/**
 * genpt_mig_run() - simulate one migration.
 *
 * Calls @progress (may be NULL) once per round from the calling thread.
 * Returns 0 when the migration ran to the end (check @res->pages_differ),
 * -EINVAL for a bad config, -EOPNOTSUPP when the format cannot do what is
 * asked (e.g. split), another negative errno when a step failed; @res->error
 * then says which.
 */
int genpt_mig_run(const struct genpt_mig_config *cfg, genpt_mig_progress_fn progress,
		  void *ctx, struct genpt_mig_result *res);

#endif /* GENPT_TOOLS_MIGRATE_H */
