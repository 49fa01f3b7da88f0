/* SPDX-License-Identifier: MIT */
/*
 * migrate/iommu_sim.c - the simulated IOMMU (genpt/sim_iommu.h): an IOTLB
 * in front of the format's reference walk, for every format without an
 * IOMMU model of its own.  Tracking is the engine's switch, and the
 * invalidations are the IOMMU's calls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/sim_iommu.h"
#include "iommu.h"

struct sim_backend {
	struct mig_iommu io; /* first: the common part */
	struct genpt_sim_iommu *sim;
};

static struct sim_backend *sim_of(struct mig_iommu *io)
{
	return (struct sim_backend *)(void *)io;
}

static void sim_destroy(struct mig_iommu *io)
{
	genpt_sim_iommu_destroy(sim_of(io)->sim);
	free(io);
}

static int sim_create(const struct mig_iommu_setup *s, struct mig_iommu **out)
{
	struct sim_backend *b = calloc(1, sizeof(*b));
	struct genpt_sim_iommu_config scfg = { .table = s->pt, .mem = &genpt_physmem_ops,
					       .mem_ctx = s->pm,
					       .iotlb_entries = s->iotlb_entries };
	struct genpt_config tc;
	int err;

	if (!b)
		return -ENOMEM;
	b->io.ops = &mig_iommu_sim;
	b->io.s = *s;
	*out = &b->io;
	err = genpt_sim_iommu_create(&scfg, &b->sim);
	if (err)
		return mig_iommu_fail(&b->io, err, "genpt_sim_iommu_create: %s", strerror(-err));
	/* A table that skips by table accessed flags is only sound against
	 * an IOMMU whose walk cache the gathers invalidate: model one. */
	err = genpt_get_config(s->pt, &tc);
	if (!err && (tc.features & GENPT_FEAT_TABLE_ACCESSED))
		err = genpt_sim_iommu_set_walk_cache(b->sim, 256);
	if (err)
		return mig_iommu_fail(&b->io, err, "walk cache: %s", strerror(-err));
	return 0;
}

static int sim_dma(struct mig_iommu *io, unsigned int dev, uint64_t gpa,
		   void *buf, size_t len)
{
	return genpt_sim_iommu_dma(sim_of(io)->sim, gpa, buf, len, GENPT_ACCESS_WRITE);
}

static int sim_invalidate(struct mig_iommu *io, uint64_t first, uint64_t last)
{
	return genpt_sim_iommu_invalidate(sim_of(io)->sim, first, last);
}

/* The engine's switch (splitting first when asked), then a clean pass. */
static int sim_tracking_on(struct mig_iommu *io, bool split)
{
	struct genpt_gather g;
	int err;

	genpt_gather_init(&g);
	if (split) {
		int err2;

		err = genpt_set_dirty_tracking_split(io->s.pt, true, io->s.split_shift, &g);
		/* -ENOMEM may leave part of the space split: merge it later. */
		io->split_done = !err || err == -ENOMEM;
		err2 = mig_iommu_finish(io, &g, true);
		if (!err)
			err = err2;
		if (err)
			return mig_iommu_fail(io, err, "genpt_set_dirty_tracking_split: %s%s",
					      strerror(-err), err == -EOPNOTSUPP ?
					      " (this format cannot split leaves)" : "");
	} else {
		err = genpt_set_dirty_tracking(io->s.pt, true);
		if (err)
			return mig_iommu_fail(io, err, "genpt_set_dirty_tracking: %s",
					      strerror(-err));
	}
	io->tracking = true;
	/* The walk reads the table's tracking state as the hardware's A/D
	 * enable: a walk that began before the switch does not set D and
	 * would fault on a leaf cleaned under it.  So, like a driver that
	 * sets the enable bit and invalidates the context caches before the
	 * table hands out clean leaves, wait for every DMA under way first;
	 * walks that start later see tracking on. */
	err = sim_invalidate(io, 0, UINT64_MAX);
	if (!err)
		err = genpt_read_and_clear_dirty(io->s.pt, 0, io->s.len, 0, NULL, &g);
	if (!err)
		err = mig_iommu_finish(io, &g, true);
	if (err)
		return mig_iommu_fail(io, err, "clean pass: %s", strerror(-err));
	return 0;
}

/* Off again (merging a split back), then no walk keeps the old state. */
static int sim_tracking_off(struct mig_iommu *io)
{
	struct genpt_gather g;
	int err = 0;

	genpt_gather_init(&g);
	if (io->split_done) {
		err = genpt_set_dirty_tracking_split(io->s.pt, false, io->s.split_shift, &g);
		if (!err)
			err = mig_iommu_finish(io, &g, true);
		if (!err)
			err = sim_invalidate(io, 0, UINT64_MAX);
	} else if (io->tracking) {
		err = genpt_set_dirty_tracking(io->s.pt, false);
		if (!err)
			err = sim_invalidate(io, 0, UINT64_MAX);
	}
	return err;
}

static int sim_tracking(struct mig_iommu *io, bool on, bool split)
{
	return on ? sim_tracking_on(io, split) : sim_tracking_off(io);
}

static void sim_stats(struct mig_iommu *io, uint64_t *hits, uint64_t *misses)
{
	struct genpt_sim_iommu_stats st;

	if (!genpt_sim_iommu_stats(sim_of(io)->sim, &st)) {
		*hits = st.iotlb_hits;
		*misses = st.iotlb_misses;
	}
}

const struct mig_iommu_ops mig_iommu_sim = {
	.create = sim_create,
	.destroy = sim_destroy,
	.dma = sim_dma,
	.invalidate = sim_invalidate,
	.tracking = sim_tracking,
	.harvest = mig_iommu_harvest_gather,
	.unmap_read_dirty = mig_iommu_unmap_read_dirty_gather,
	.map = mig_iommu_map_gather,
	.stats = sim_stats,
};
