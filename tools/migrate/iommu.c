/* SPDX-License-Identifier: MIT */
/*
 * migrate/iommu.c - what the IOMMU backends share: error notes and the
 * engine-side half of an edit (gather -> invalidate -> release).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "iommu.h"

int mig_iommu_fail(struct mig_iommu *io, int err, const char *fmt, ...)
{
	va_list ap;

	if (io->s.error && !io->s.error[0]) {
		va_start(ap, fmt);
		vsnprintf(io->s.error, io->s.error_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

int mig_iommu_finish(struct mig_iommu *io, struct genpt_gather *g, bool invalidate)
{
	int err = 0;

	if (invalidate && g->start <= g->last)
		err = io->ops->invalidate(io, g->start, g->last);
	genpt_gather_release(io->s.pt, g);
	return err;
}

int mig_iommu_harvest_gather(struct mig_iommu *io, uint64_t iova, uint64_t len,
			     const struct genpt_dirty_bitmap *bm, bool invalidate)
{
	struct genpt_gather g;
	int err;

	genpt_gather_init(&g);
	err = genpt_read_and_clear_dirty(io->s.pt, iova, len, 0, bm, &g);
	if (!err)
		return mig_iommu_finish(io, &g, invalidate);
	genpt_gather_release(io->s.pt, &g);
	return err;
}

/* Whatever an edit gathered (a failed map may have undone part of its
 * range) is invalidated before it is released. */
int mig_iommu_unmap_read_dirty_gather(struct mig_iommu *io, uint64_t iova, uint64_t len,
				      const struct genpt_dirty_bitmap *bm)
{
	struct genpt_gather g;
	int err, err2;

	genpt_gather_init(&g);
	err = genpt_unmap_read_dirty(io->s.pt, iova, len, bm, &g, NULL);
	err2 = mig_iommu_finish(io, &g, true);
	return err ? err : err2;
}

int mig_iommu_map_gather(struct mig_iommu *io, uint64_t iova, uint64_t pa, uint64_t len)
{
	struct genpt_gather g;
	int err, err2;

	genpt_gather_init(&g);
	err = genpt_map(io->s.pt, iova, pa, len, GENPT_READ | GENPT_WRITE, &g);
	err2 = mig_iommu_finish(io, &g, true);
	return err ? err : err2;
}

/*
 * Tracking through a driver helper: on = the split first (when asked), as
 * its own edit while leaves stay write-dirty, because the driver must
 * program the hardware's A/D updates before the table starts handing out
 * clean leaves; then @drv_set's flow (hardware bits, invalidate and wait,
 * the table switched and cleaned).  Off = @drv_set, then the split merged
 * back.  @what names @drv_set in error messages.
 */
int mig_iommu_drv_tracking(struct mig_iommu *io, bool on, bool split,
			   int (*drv_set)(struct mig_iommu *io, bool on), const char *what)
{
	struct genpt_gather g;
	int err = 0;

	genpt_gather_init(&g);
	if (!on) {
		if (io->tracking)
			err = drv_set(io, false);
		if (!err && io->split_done) {
			err = genpt_merge(io->s.pt, 0, io->s.len, &g);
			if (!err)
				err = mig_iommu_finish(io, &g, true);
		}
		return err;
	}
	if (split) {
		err = genpt_split(io->s.pt, 0, io->s.len, io->s.split_shift, &g);
		if (err)
			return mig_iommu_fail(io, err, "genpt_split: %s", strerror(-err));
		io->split_done = true;
		err = mig_iommu_finish(io, &g, true);
		if (err)
			return mig_iommu_fail(io, err, "invalidate after split: %s",
					      strerror(-err));
	}
	err = drv_set(io, true);
	if (err)
		return mig_iommu_fail(io, err, "%s: %s", what, strerror(-err));
	io->tracking = true;
	return 0;
}
