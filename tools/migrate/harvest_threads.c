// SPDX-License-Identifier: MIT
/*
 * migrate/harvest_threads.c - the harvest of the whole guest split across
 * threads (genpt_migrate --harvest-threads N).
 *
 * The final harvest sits inside the downtime, and one core is not the
 * limit of the machine: genpt_harvest_shards() cuts the guest into shards
 * of balanced work that share no leaf, no contiguous run and no bitmap
 * word, so N threads harvest them into the one bitmap at the same time
 * (the engine allows calls on disjoint ranges concurrently).  Each shard
 * gathers what it cleaned; once all are done the calling thread
 * invalidates the IOTLB for each gather and releases it, as the
 * one-thread harvest does (migrate/iommu.c).
 *
 * The helper threads are started once, with the migration, and wait on a
 * condition variable between harvests: with --chunk a migration harvests
 * thousands of times, and starting threads for each query would cost as
 * much as a small query's harvest.  The calling thread takes shards too,
 * so N threads means N-1 helpers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harvest_threads.h"

struct ht_job {
	struct genpt *pt;
	const struct genpt_dirty_bitmap *bm;
	struct genpt_shard sh;
	struct genpt_gather g;
	int err;
};

struct mig_hpool {
	pthread_mutex_t mu;
	pthread_cond_t go;    /* a new batch, or stop */
	pthread_cond_t idle;  /* the last job of a batch finished */
	struct ht_job *jobs;
	int njobs, next;      /* the batch; the next job not taken */
	int running;          /* jobs taken and not finished */
	unsigned long batch;  /* counts batches, so a helper sees a new one */
	bool stop;
	unsigned int nth;     /* helpers started */
	pthread_t th[MIG_HARVEST_THREADS_MAX];
};

/* Take and run jobs of the current batch until none is left; mu held. */
static void hp_drain(struct mig_hpool *p)
{
	while (p->next < p->njobs) {
		struct ht_job *j = &p->jobs[p->next++];

		p->running++;
		pthread_mutex_unlock(&p->mu);
		j->err = genpt_read_and_clear_dirty(j->pt, j->sh.iova, j->sh.len, 0, j->bm,
						    &j->g);
		pthread_mutex_lock(&p->mu);
		if (!--p->running && p->next == p->njobs)
			pthread_cond_broadcast(&p->idle);
	}
}

static void *hp_main(void *arg)
{
	struct mig_hpool *p = arg;
	unsigned long seen = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->batch == seen)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->stop)
			break;
		seen = p->batch;
		hp_drain(p);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int mig_hpool_create(unsigned int threads, struct mig_hpool **out)
{
	struct mig_hpool *p;

	if (!threads || threads > MIG_HARVEST_THREADS_MAX || !out)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (pthread_mutex_init(&p->mu, NULL)) {
		free(p);
		return -ENOMEM;
	}
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->idle, NULL);
	/* Fewer helpers than asked only costs speed: the caller drains the
	 * batch itself whatever is left. */
	while (p->nth + 1 < threads && !pthread_create(&p->th[p->nth], NULL, hp_main, p))
		p->nth++;
	*out = p;
	return 0;
}

void mig_hpool_destroy(struct mig_hpool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (unsigned int i = 0; i < p->nth; i++)
		pthread_join(p->th[i], NULL);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->idle);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* Run @n jobs on the pool and this thread; returns the first error. */
static int hp_run(struct mig_hpool *p, struct ht_job *jobs, int n, char *error,
		  size_t error_len)
{
	int err = 0;

	pthread_mutex_lock(&p->mu);
	p->jobs = jobs;
	p->njobs = n;
	p->next = 0;
	p->batch++;
	pthread_cond_broadcast(&p->go);
	hp_drain(p);
	while (p->running)
		pthread_cond_wait(&p->idle, &p->mu);
	p->jobs = NULL;
	p->njobs = p->next = 0;
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < n && !err; i++)
		err = jobs[i].err;
	if (err && error && !error[0])
		snprintf(error, error_len, "harvest of a shard: %s", strerror(-err));
	return err;
}

int mig_harvest_threads(struct mig_iommu *io, struct mig_hpool *pool, uint64_t iova,
			uint64_t len, const struct genpt_dirty_bitmap *bm, bool invalidate,
			unsigned int *used)
{
	struct genpt_shard sh[MIG_HARVEST_THREADS_MAX];
	struct ht_job jobs[MIG_HARVEST_THREADS_MAX];
	int n, err, ierr = 0;

	if (!pool)
		return -EINVAL;
	n = genpt_harvest_shards(io->s.pt, iova, len, bm, sh, pool->nth + 1);
	if (n < 0)
		return mig_iommu_fail(io, n, "genpt_harvest_shards: %s", strerror(-n));
	for (int i = 0; i < n; i++) {
		jobs[i] = (struct ht_job){ .pt = io->s.pt, .bm = bm, .sh = sh[i] };
		genpt_gather_init(&jobs[i].g);
	}
	err = hp_run(pool, jobs, n, io->s.error, io->s.error_len);
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
