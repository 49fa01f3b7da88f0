/* SPDX-License-Identifier: MIT */
/*
 * migrate/guest.h - the guest's own IOMMU edits during pre-copy
 * (genpt_migrate --vm-unmap): a thread that, at a rate, unmaps a leaf of
 * guest memory through the vIOMMU and maps it again, as a guest driver
 * recycling DMA buffers does.
 *
 * The unmap is the IOMMU backend's unmap_read_dirty (genpt_unmap_read_dirty
 * plus the invalidation; genpt_rvdrv_unmap_read_dirty with the RISC-V
 * IOMMU): the pages the removed leaves had dirty go into the guest's own
 * bitmap, which the migration thread collects after each harvest, so a
 * page a device wrote just before the unmap is copied again - dropping
 * that report loses the write (the leaf comes back clean).
 *
 * The edits and the harvests keep apart through one lock (the range lock
 * the engine's threading rules ask for, at its coarsest).  A device write
 * that faults because its page was unmapped for a moment is retried, as a
 * device with page-request support would: mig_guest_retry() tells such a
 * fault from a real one by a sequence count around each unmap-and-map.
 */
#ifndef GENPT_TOOLS_MIGRATE_GUEST_H
#define GENPT_TOOLS_MIGRATE_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "iommu.h"
#include "schedule.h"

struct mig_guest_setup {
	struct mig_iommu *io;
	struct mig_sched *sched;
	uint64_t ram_pa;      /* guest address 0 maps here */
	uint64_t mem_bytes;   /* the whole guest (the bitmap's span) */
	uint64_t pick_bytes;  /* the guest unmaps leaves in [0, pick_bytes) */
	double rate;          /* unmap-and-map cycles per second */
	uint64_t seed;
	/* The size of the leaf mapping @gpa (a power of two). */
	uint64_t (*leaf_size)(const void *ctx, uint64_t gpa);
	const void *ctx;
};

struct mig_guest;

/* The guest, before any device runs (they look at it), and its thread,
 * once tracking is on.  Both return 0 or a negative errno. */
int mig_guest_create(const struct mig_guest_setup *s, struct mig_guest **out);
int mig_guest_run(struct mig_guest *g);

/* Stop and join the thread (the guest pauses for stop-and-copy). */
void mig_guest_stop(struct mig_guest *g);

void mig_guest_destroy(struct mig_guest *g);

/* The lock a harvest holds against the guest's edits (no-op for NULL). */
void mig_guest_lock(struct mig_guest *g);
void mig_guest_unlock(struct mig_guest *g);

/* OR the pages the unmaps reported since the last call into @bits (one bit
 * per 4 KiB page from address 0) and forget them; NULL @g: nothing. */
void mig_guest_collect(struct mig_guest *g, uint64_t *bits, uint64_t words);

/* Sample before a DMA; after it failed, whether it faulted on a page the
 * guest had unmapped meanwhile (then retry it). */
uint64_t mig_guest_seq(const struct mig_guest *g);
bool mig_guest_retry(const struct mig_guest *g, uint64_t seq_before);

/* Unmap-and-map cycles done (atomic counter, for the simulated clock). */
const uint64_t *mig_guest_cycles(const struct mig_guest *g);

struct mig_guest_stats {
	uint64_t cycles;       /* unmap-and-map cycles */
	uint64_t dirty_pages;  /* pages the unmaps reported dirty */
	int error;             /* the failed edit (negative errno; known after
				* mig_guest_stop), or 0 */
	uint64_t error_gpa;    /* where */
};

void mig_guest_stats(const struct mig_guest *g, struct mig_guest_stats *st);

#endif /* GENPT_TOOLS_MIGRATE_GUEST_H */
