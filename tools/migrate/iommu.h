/* SPDX-License-Identifier: MIT */
/*
 * migrate/iommu.h - "an IOMMU" as the migration simulator sees it.
 *
 * The simulator needs six things of the IOMMU a guest's devices sit
 * behind: devices do DMA through it, its IOTLB is invalidated after the
 * table changed, dirty tracking is switched on and off (with a split to
 * the base page, optionally), the dirty set is harvested (in chunks, with
 * --chunk), and the guest unmaps and maps again (--vm-unmap).  Each kind of
 * IOMMU is one backend (one const struct mig_iommu_ops) that does these its
 * own way: iommu_rviommu.c, the RISC-V IOMMU model programmed by the
 * driver helper; iommu_sim.c, the simulated IOMMU of genpt/sim_iommu.h.
 * migrate.c never asks which one it has.
 */
#ifndef GENPT_TOOLS_MIGRATE_IOMMU_H
#define GENPT_TOOLS_MIGRATE_IOMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genpt/mem.h"
#include "genpt/table.h"

/* What every backend needs to set itself up. */
struct mig_iommu_setup {
	struct genpt *pt;           /* the guest's table, mapped already */
	struct genpt_physmem *pm;   /* the memory tables and data live in */
	uint64_t len;               /* guest bytes, mapped from address 0 */
	unsigned int devices;       /* devices 0..devices-1 do DMA */
	unsigned int iotlb_entries; /* 0 = the IOMMU's default */
	unsigned int stage;         /* RISC-V model: enum genpt_rvdrv_stage */
	unsigned int split_shift;   /* base page of a split, log2 */
	bool ats;                   /* RISC-V model: devices with an ATC */
	char *error;                /* what failed, when empty so far */
	size_t error_len;
};

struct mig_iommu;

struct mig_iommu_ops {
	int (*create)(const struct mig_iommu_setup *s, struct mig_iommu **out);
	/* Detach and free; takes what create left half-built. */
	void (*destroy)(struct mig_iommu *io);
	/* Device @dev writes @len bytes of @buf at guest address @gpa. */
	int (*dma)(struct mig_iommu *io, unsigned int dev, uint64_t gpa,
		   void *buf, size_t len);
	int (*invalidate)(struct mig_iommu *io, uint64_t first, uint64_t last);
	/* Tracking on from a clean slate (@split: leaves split first), or off
	 * again with the split merged back. */
	int (*tracking)(struct mig_iommu *io, bool on, bool split);
	/* The dirty pages of [@iova, @iova + @len) ORed into @bm (which
	 * covers the whole guest), cleaned, and invalidated unless
	 * @invalidate is false (the lost-page bug). */
	int (*harvest)(struct mig_iommu *io, uint64_t iova, uint64_t len,
		       const struct genpt_dirty_bitmap *bm, bool invalidate);
	/* The guest's own edits (--vm-unmap): unmap with the removed dirty
	 * pages ORed into @bm, invalidated; map again. */
	int (*unmap_read_dirty)(struct mig_iommu *io, uint64_t iova, uint64_t len,
				const struct genpt_dirty_bitmap *bm);
	int (*map)(struct mig_iommu *io, uint64_t iova, uint64_t pa, uint64_t len);
	void (*stats)(struct mig_iommu *io, uint64_t *hits, uint64_t *misses);
};

/* The part every backend's state starts with. */
struct mig_iommu {
	const struct mig_iommu_ops *ops;
	struct mig_iommu_setup s;
	bool tracking, split_done;
};

extern const struct mig_iommu_ops mig_iommu_rviommu;
extern const struct mig_iommu_ops mig_iommu_smmuv3;
extern const struct mig_iommu_ops mig_iommu_sim;

/* Note what failed in s->error (the first failure only); returns @err. */
int mig_iommu_fail(struct mig_iommu *io, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Invalidate what an engine edit gathered (unless told not to), then
 * release the gathered pages. */
int mig_iommu_finish(struct mig_iommu *io, struct genpt_gather *g, bool invalidate);

/* The engine's harvest with a gather, finished through io->ops->invalidate. */
int mig_iommu_harvest_gather(struct mig_iommu *io, uint64_t iova, uint64_t len,
			     const struct genpt_dirty_bitmap *bm, bool invalidate);

/* The engine's unmap_read_dirty and map, finished the same way. */
int mig_iommu_unmap_read_dirty_gather(struct mig_iommu *io, uint64_t iova, uint64_t len,
				      const struct genpt_dirty_bitmap *bm);
int mig_iommu_map_gather(struct mig_iommu *io, uint64_t iova, uint64_t pa, uint64_t len);

/* Tracking on or off through a driver helper whose switch is @drv_set (the
 * split and merge around it are the engine's); @what names it in errors. */
int mig_iommu_drv_tracking(struct mig_iommu *io, bool on, bool split,
			   int (*drv_set)(struct mig_iommu *io, bool on), const char *what);

#endif /* GENPT_TOOLS_MIGRATE_IOMMU_H */
