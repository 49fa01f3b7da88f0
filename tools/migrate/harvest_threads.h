/* SPDX-License-Identifier: MIT */
/*
 * migrate/harvest_threads.h - the whole-guest harvest split across threads
 * over genpt_harvest_shards() (genpt_migrate --harvest-threads N).
 */
#ifndef GENPT_TOOLS_MIGRATE_HARVEST_THREADS_H
#define GENPT_TOOLS_MIGRATE_HARVEST_THREADS_H

#include <stdbool.h>

#include "iommu.h"

#define MIG_HARVEST_THREADS_MAX 64

/* Helper threads that wait between harvests, started once per migration. */
struct mig_hpool;

/*
 * A pool for harvests on @threads threads (1..MIG_HARVEST_THREADS_MAX):
 * @threads - 1 helpers, the caller being the last.  If the system starts
 * fewer, the pool works with those.  Returns 0, -EINVAL or -ENOMEM.
 */
int mig_hpool_create(unsigned int threads, struct mig_hpool **out);
/* Stops and joins the helpers; NULL is ignored. */
void mig_hpool_destroy(struct mig_hpool *pool);

/*
 * The dirty pages of [@iova, @iova + @len) ORed into @bm by the pool's
 * threads and the caller, one shard each, cleaned, and invalidated unless
 * @invalidate is false.  *@used (may be NULL) is raised to the number of
 * shards harvested when that is more.  Returns 0 or a negative errno
 * (noted in io->s.error).
 */
int mig_harvest_threads(struct mig_iommu *io, struct mig_hpool *pool, uint64_t iova,
			uint64_t len, const struct genpt_dirty_bitmap *bm, bool invalidate,
			unsigned int *used);

#endif /* GENPT_TOOLS_MIGRATE_HARVEST_THREADS_H */
