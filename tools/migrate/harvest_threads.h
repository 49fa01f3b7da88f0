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

/*
 * The dirty pages of [@iova, @iova + @len) ORed into @bm by up to
 * @threads threads (1..MIG_HARVEST_THREADS_MAX), one shard each, cleaned,
 * and invalidated unless @invalidate is false.  *@used (may be NULL) is
 * raised to the number of shards harvested when that is more.  Returns 0
 * or a negative errno (noted in io->s.error).
 */
int mig_harvest_threads(struct mig_iommu *io, uint64_t iova, uint64_t len,
			const struct genpt_dirty_bitmap *bm, bool invalidate,
			unsigned int threads, unsigned int *used);

#endif /* GENPT_TOOLS_MIGRATE_HARVEST_THREADS_H */
