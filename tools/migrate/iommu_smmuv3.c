/* SPDX-License-Identifier: MIT */
/*
 * migrate/iommu_smmuv3.c - the Arm SMMUv3 model (genpt/smmuv3_model.h)
 * programmed by the driver helper (genpt/smmuv3_drv.h), as a hypervisor
 * would program a real one: the ARMv8 table is attached to every device's
 * StreamID as one domain (stage 2 with a VMID, or stage 1 with an ASID),
 * and the driver runs the tracking flow (S2HA/S2HD or CD.HA/HD, CFGI,
 * TLBI, CMD_SYNC) and the invalidations.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/smmuv3_drv.h"
#include "genpt/smmuv3_model.h"
#include "iommu.h"

#define SMMU_DOMAIN_ID 1   /* the guest's VMID / ASID */
#define SMMU_SID_BASE 0x10 /* StreamIDs of the devices */

struct smmu_backend {
	struct mig_iommu io; /* first: the common part */
	struct genpt_smmu *smmu;
	struct genpt_smmudrv *drv;
	unsigned int attached;
};

static struct smmu_backend *smmu_of(struct mig_iommu *io)
{
	return (struct smmu_backend *)(void *)io;
}

static void smmu_destroy(struct mig_iommu *io)
{
	struct smmu_backend *b = smmu_of(io);

	while (b->attached)
		genpt_smmudrv_detach(b->drv, SMMU_SID_BASE + --b->attached);
	genpt_smmudrv_destroy(b->drv);
	genpt_smmu_destroy(b->smmu);
	free(b);
}

/* The model (HTTU with dirty state, BBML 2), the driver, every device. */
static int smmu_bringup(struct smmu_backend *b)
{
	const struct mig_iommu_setup *s = &b->io.s;
	struct genpt_smmu_config mcfg = { .httu = 2, .bbml = 2,
					  .tlb_entries = s->iotlb_entries };
	struct genpt_smmudrv_config dcfg = { .mmio = &genpt_smmu_mmio_ops,
					     .mem = &genpt_physmem_ops, .mem_ctx = s->pm };
	struct genpt_smmudrv_domain dom = { (enum genpt_smmudrv_stage)s->stage,
					    SMMU_DOMAIN_ID };
	int err;

	err = genpt_smmu_create(&mcfg, &genpt_physmem_ops, s->pm, &b->smmu);
	if (err)
		return mig_iommu_fail(&b->io, err, "genpt_smmu_create: %s", strerror(-err));
	dcfg.mmio_ctx = b->smmu;
	err = genpt_smmudrv_create(&dcfg, &b->drv);
	if (err)
		return mig_iommu_fail(&b->io, err, "genpt_smmudrv_create: %s", strerror(-err));
	for (; b->attached < s->devices; b->attached++) {
		err = genpt_smmudrv_attach(b->drv, SMMU_SID_BASE + b->attached, s->pt, &dom);
		if (err)
			return mig_iommu_fail(&b->io, err, "genpt_smmudrv_attach: %s",
					      strerror(-err));
	}
	return 0;
}

static int smmu_create(const struct mig_iommu_setup *s, struct mig_iommu **out)
{
	struct smmu_backend *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->io.ops = &mig_iommu_smmuv3;
	b->io.s = *s;
	*out = &b->io; /* destroy takes it back even half-built */
	return smmu_bringup(b);
}

static int smmu_dma(struct mig_iommu *io, unsigned int dev, uint64_t gpa,
		    void *buf, size_t len)
{
	return genpt_smmu_dma(smmu_of(io)->smmu, SMMU_SID_BASE + dev, gpa, buf, len,
			      GENPT_ACCESS_WRITE);
}

static int smmu_invalidate(struct mig_iommu *io, uint64_t first, uint64_t last)
{
	return genpt_smmudrv_invalidate(smmu_of(io)->drv, io->s.pt, first, last);
}

static int smmu_set_tracking(struct mig_iommu *io, bool on)
{
	return genpt_smmudrv_set_dirty_tracking(smmu_of(io)->drv, io->s.pt, on);
}

static int smmu_tracking(struct mig_iommu *io, bool on, bool split)
{
	return mig_iommu_drv_tracking(io, on, split, smmu_set_tracking,
				      "genpt_smmudrv_set_dirty_tracking");
}

/* The driver's harvest invalidates on its own; without invalidation it is
 * the engine's harvest alone (the lost-page bug). */
static int smmu_harvest(struct mig_iommu *io, uint64_t iova, uint64_t len,
			const struct genpt_dirty_bitmap *bm, bool invalidate)
{
	if (!invalidate)
		return mig_iommu_harvest_gather(io, iova, len, bm, false);
	return genpt_smmudrv_read_and_clear_dirty(smmu_of(io)->drv, io->s.pt, iova,
						  len, 0, bm);
}

/* The guest's edits through the driver, which invalidates and syncs. */
static int smmu_unmap_read_dirty(struct mig_iommu *io, uint64_t iova, uint64_t len,
				 const struct genpt_dirty_bitmap *bm)
{
	return genpt_smmudrv_unmap_read_dirty(smmu_of(io)->drv, io->s.pt, iova, len,
					      bm, NULL);
}

static int smmu_map(struct mig_iommu *io, uint64_t iova, uint64_t pa, uint64_t len)
{
	return genpt_smmudrv_map(smmu_of(io)->drv, io->s.pt, iova, pa, len,
				 GENPT_READ | GENPT_WRITE);
}

static void smmu_stats(struct mig_iommu *io, uint64_t *hits, uint64_t *misses)
{
	struct genpt_smmu_stats st;

	if (!genpt_smmu_stats(smmu_of(io)->smmu, &st)) {
		*hits = st.tlb_hits;
		*misses = st.tlb_misses;
	}
}

const struct mig_iommu_ops mig_iommu_smmuv3 = {
	.create = smmu_create,
	.destroy = smmu_destroy,
	.dma = smmu_dma,
	.invalidate = smmu_invalidate,
	.tracking = smmu_tracking,
	.harvest = smmu_harvest,
	.unmap_read_dirty = smmu_unmap_read_dirty,
	.map = smmu_map,
	.stats = smmu_stats,
};
