// SPDX-License-Identifier: MIT
/*
 * migrate/harvest_threads.c - the harvest of the whole guest split across
 * threads (genpt_migrate --harvest-threads N).
 *
 * The final harvest sits inside the downtime, and one core is not the
 * limit of the machine: genpt_harvest_shards() cuts the guest into shards
 * of balanced work that share no leaf, no contiguous run and no bitmap
 * word, so N threads harvest them into the one bitmap at the same time
 * (the engine allows calls on disjoint ranges concurrently).  Each thread
 * gathers what it cleaned; once all are done the calling thread
 * invalidates the IOTLB for each gather and releases it, as the
 * one-thread harvest does (migrate/iommu.c).  The threads are made per
 * harvest: tens of microseconds, against milliseconds of harvest.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "harvest_threads.h"

struct ht_job {
	struct genpt *pt;
	const struct genpt_dirty_bitmap *bm;
	struct genpt_shard sh;
	struct genpt_gather g;
	int err;
};

static void *ht_main(void *arg)
{
	struct ht_job *j = arg;

	j->err = genpt_read_and_clear_dirty(j->pt, j->sh.iova, j->sh.len, 0, j->bm, &j->g);
	return NULL;
}

/* Start a thread per shard after the first, harvest the first here, join. */
static int ht_run(struct ht_job *jobs, int n, char *error, size_t error_len)
{
	pthread_t th[MIG_HARVEST_THREADS_MAX];
	int started = 1, err = 0;

	for (; started < n; started++) {
		int e = pthread_create(&th[started], NULL, ht_main, &jobs[started]);

		if (e) { /* harvest that shard here instead */
			ht_main(&jobs[started]);
			break;
		}
	}
	for (int i = started + 1; i < n; i++)
		ht_main(&jobs[i]);
	ht_main(&jobs[0]);
	for (int i = 1; i < started; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < n && !err; i++)
		err = jobs[i].err;
	if (err && error && !error[0])
		snprintf(error, error_len, "harvest of a shard: %s", strerror(-err));
	return err;
}

int mig_harvest_threads(struct mig_iommu *io, uint64_t iova, uint64_t len,
			const struct genpt_dirty_bitmap *bm, bool invalidate,
			unsigned int threads, unsigned int *used)
{
	struct genpt_shard sh[MIG_HARVEST_THREADS_MAX];
	struct ht_job jobs[MIG_HARVEST_THREADS_MAX];
	int n, err, ierr = 0;

	if (!threads || threads > MIG_HARVEST_THREADS_MAX)
		return -EINVAL;
	n = genpt_harvest_shards(io->s.pt, iova, len, bm, sh, threads);
	if (n < 0)
		return mig_iommu_fail(io, n, "genpt_harvest_shards: %s", strerror(-n));
	for (int i = 0; i < n; i++) {
		jobs[i] = (struct ht_job){ .pt = io->s.pt, .bm = bm, .sh = sh[i] };
		genpt_gather_init(&jobs[i].g);
	}
	err = ht_run(jobs, n, io->s.error, io->s.error_len);
	/* Every gather is finished, whatever failed. */
	for (int i = 0; i < n; i++) {
		int e = err ? (genpt_gather_release(io->s.pt, &jobs[i].g), 0)
			    : mig_iommu_finish(io, &jobs[i].g, invalidate);

		if (e && !ierr)
			ierr = e;
	}
	if (used && (unsigned int)n > *used)
		*used = (unsigned int)n;
	return err ? err : ierr;
}
