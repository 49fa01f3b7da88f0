/* SPDX-License-Identifier: MIT */
/*
 * migrate/iommu_rviommu.c - the RISC-V IOMMU model (genpt/riscv_iommu_model.h)
 * programmed by the driver helper (genpt/riscv_iommu_drv.h), as a
 * hypervisor would program a real one: the table is attached to every
 * device as one domain, and the driver runs the tracking flow
 * (DC.tc.GADE/SADE, IODIR.INVAL_DDT, IOTINVAL, IOFENCE.C) and the
 * invalidations.  With --ats every device has an ATC in the model and
 * does its DMA through it; the driver is told (genpt_rvdrv_set_ats), so its
 * harvest sends ATS.INVAL before the fence.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/riscv_iommu_drv.h"
#include "genpt/riscv_iommu_model.h"
#include "iommu.h"

#define RVI_GSCID 1       /* the guest's domain id (GSCID / PSCID) */
#define RVI_DID_BASE 0x10 /* device ids of the devices */

struct rvi_backend {
	struct mig_iommu io; /* first: the common part */
	struct genpt_rviommu *rvi;
	struct genpt_rvdrv *drv;
	unsigned int attached;
	struct genpt_rviommu_atc *atc[64]; /* --ats: one per device */
};

static struct rvi_backend *rvi_of(struct mig_iommu *io)
{
	return (struct rvi_backend *)(void *)io;
}

static void rvi_destroy(struct mig_iommu *io)
{
	struct rvi_backend *b = rvi_of(io);

	for (unsigned int i = 0; i < 64; i++)
		genpt_rviommu_atc_destroy(b->atc[i]);
	while (b->attached)
		genpt_rvdrv_detach(b->drv, RVI_DID_BASE + --b->attached);
	genpt_rvdrv_destroy(b->drv);
	genpt_rviommu_destroy(b->rvi);
	free(b);
}

/* --ats: the driver sends ATS.INVAL to device @i, which gets an ATC. */
static int rvi_ats_on(struct rvi_backend *b, unsigned int i)
{
	int err;

	if (i >= 64)
		return mig_iommu_fail(&b->io, -EINVAL, "--ats: at most 64 devices");
	err = genpt_rvdrv_set_ats(b->drv, RVI_DID_BASE + i, true);
	if (err)
		return mig_iommu_fail(&b->io, err, "genpt_rvdrv_set_ats: %s", strerror(-err));
	err = genpt_rviommu_atc_create(b->rvi, RVI_DID_BASE + i, 0, &b->atc[i]);
	if (err)
		return mig_iommu_fail(&b->io, err, "genpt_rviommu_atc_create: %s",
				      strerror(-err));
	return 0;
}

/* The model, the driver on its registers, every device attached. */
static int rvi_bringup(struct rvi_backend *b)
{
	const struct mig_iommu_setup *s = &b->io.s;
	struct genpt_rviommu_config icfg = {
		.iotlb_entries = s->iotlb_entries,
		.capabilities = s->ats ? GENPT_RVI_CAPS_MODEL | GENPT_RVI_CAP_ATS : 0,
	};
	struct genpt_rvdrv_config dcfg = { .mmio = &genpt_rviommu_mmio_ops,
					   .mem = &genpt_physmem_ops,
					   .mem_ctx = s->pm };
	struct genpt_rvdrv_domain dom = { (enum genpt_rvdrv_stage)s->stage, RVI_GSCID };
	int err;

	err = genpt_rviommu_create(&icfg, &genpt_physmem_ops, s->pm, &b->rvi);
	if (err)
		return mig_iommu_fail(&b->io, err, "genpt_rviommu_create: %s", strerror(-err));
	dcfg.mmio_ctx = b->rvi;
	err = genpt_rvdrv_create(&dcfg, &b->drv);
	if (err)
		return mig_iommu_fail(&b->io, err, "genpt_rvdrv_create: %s", strerror(-err));
	for (; b->attached < s->devices; b->attached++) {
		err = genpt_rvdrv_attach(b->drv, RVI_DID_BASE + b->attached, s->pt, &dom);
		if (err)
			return mig_iommu_fail(&b->io, err, "genpt_rvdrv_attach: %s",
					      strerror(-err));
		if (s->ats)
			err = rvi_ats_on(b, b->attached);
		if (err)
			return err;
	}
	return 0;
}

static int rvi_create(const struct mig_iommu_setup *s, struct mig_iommu **out)
{
	struct rvi_backend *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->io.ops = &mig_iommu_rviommu;
	b->io.s = *s;
	*out = &b->io; /* destroy takes it back even half-built */
	return rvi_bringup(b);
}

static int rvi_dma(struct mig_iommu *io, unsigned int dev, uint64_t gpa,
		   void *buf, size_t len)
{
	struct rvi_backend *b = rvi_of(io);

	if (dev < 64 && b->atc[dev])
		return genpt_rviommu_atc_dma(b->atc[dev], gpa, buf, len, GENPT_ACCESS_WRITE);
	return genpt_rviommu_dma(b->rvi, RVI_DID_BASE + dev, gpa, buf, len,
				 GENPT_ACCESS_WRITE);
}

static int rvi_invalidate(struct mig_iommu *io, uint64_t first, uint64_t last)
{
	return genpt_rvdrv_invalidate(rvi_of(io)->drv, io->s.pt, first, last);
}

static int rvi_set_tracking(struct mig_iommu *io, bool on)
{
	return genpt_rvdrv_set_dirty_tracking(rvi_of(io)->drv, io->s.pt, on);
}

static int rvi_tracking(struct mig_iommu *io, bool on, bool split)
{
	return mig_iommu_drv_tracking(io, on, split, rvi_set_tracking,
				      "genpt_rvdrv_set_dirty_tracking");
}

/* The driver's harvest invalidates on its own; without invalidation it is
 * the engine's harvest alone. */
static int rvi_harvest(struct mig_iommu *io, uint64_t iova, uint64_t len,
		       const struct genpt_dirty_bitmap *bm, bool invalidate)
{
	if (!invalidate)
		return mig_iommu_harvest_gather(io, iova, len, bm, false);
	return genpt_rvdrv_read_and_clear_dirty(rvi_of(io)->drv, io->s.pt, iova, len, 0, bm);
}

/* The guest's edits through the driver, which invalidates and fences. */
static int rvi_unmap_read_dirty(struct mig_iommu *io, uint64_t iova, uint64_t len,
				const struct genpt_dirty_bitmap *bm)
{
	return genpt_rvdrv_unmap_read_dirty(rvi_of(io)->drv, io->s.pt, iova, len, bm, NULL);
}

static int rvi_map(struct mig_iommu *io, uint64_t iova, uint64_t pa, uint64_t len)
{
	return genpt_rvdrv_map(rvi_of(io)->drv, io->s.pt, iova, pa, len,
			       GENPT_READ | GENPT_WRITE);
}

static void rvi_stats(struct mig_iommu *io, uint64_t *hits, uint64_t *misses)
{
	struct genpt_rviommu_stats st;

	if (!genpt_rviommu_stats(rvi_of(io)->rvi, &st)) {
		*hits = st.iotlb_hits;
		*misses = st.iotlb_misses;
	}
}

const struct mig_iommu_ops mig_iommu_rviommu = {
	.create = rvi_create,
	.destroy = rvi_destroy,
	.dma = rvi_dma,
	.invalidate = rvi_invalidate,
	.tracking = rvi_tracking,
	.harvest = rvi_harvest,
	.unmap_read_dirty = rvi_unmap_read_dirty,
	.map = rvi_map,
	.stats = rvi_stats,
};
