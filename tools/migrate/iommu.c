/* SPDX-License-Identifier: MIT */
/*
 * migrate/iommu.c - what the IOMMU backends share: error notes and the
 * engine-side half of an edit (gather -> invalidate -> release).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

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
