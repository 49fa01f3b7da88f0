// SPDX-License-Identifier: MIT
/*
 * migrate/guest.c - the guest that unmaps and maps again during pre-copy
 * (guest.h).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "guest.h"

#define PAGE 4096ull
#define RW (GENPT_READ | GENPT_WRITE)

struct mig_guest {
	struct mig_guest_setup s;
	pthread_t th;
	bool started;
	int stop;              /* atomic: the thread ends */
	pthread_mutex_t lock;  /* table edits vs. harvests; also guards bits */
	uint64_t *bits;        /* what the unmaps reported, not yet collected */
	uint64_t words;
	uint64_t seq;          /* atomic: odd while a leaf is out */
	uint64_t cycles;       /* atomic */
	uint64_t dirty_pages;  /* under lock */
	uint64_t rng;
	int error;             /* written by the thread, read after the join */
	uint64_t error_gpa;
	uint64_t failed_at;    /* cycles done before the error */
};

static uint64_t guest_rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* One cycle: the leaf at @gpa out (its dirty pages into g->bits), back in. */
static int guest_cycle(struct mig_guest *g, uint64_t gpa, uint64_t len)
{
	struct genpt_dirty_bitmap bm = { .bits = g->bits, .iova = 0,
					 .length = g->s.mem_bytes, .page_shift = 12 };
	struct mig_iommu *io = g->s.io;
	int err;

	pthread_mutex_lock(&g->lock);
	__atomic_fetch_add(&g->seq, 1, __ATOMIC_SEQ_CST);
	err = io->ops->unmap_read_dirty(io, gpa, len, &bm);
	if (!err)
		err = io->ops->map(io, gpa, g->s.ram_pa + gpa, len);
	__atomic_fetch_add(&g->seq, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&g->lock);
	return err;
}

static void *guest_main(void *arg)
{
	struct mig_guest *g = arg;
	uint64_t pages = g->s.pick_bytes / PAGE;

	while (mig_sched_wait(g->s.sched, &g->stop, g->cycles, g->s.rate)) {
		uint64_t gpa = guest_rng(&g->rng) % pages * PAGE;
		uint64_t len = g->s.leaf_size(g->s.ctx, gpa);
		int err = guest_cycle(g, gpa & ~(len - 1), len);

		if (err) {
			/* Reported by the migration thread, after the join. */
			g->error = err;
			g->error_gpa = gpa & ~(len - 1);
			/* Nobody waits for a guest that failed. */
			g->failed_at = g->cycles;
			__atomic_store_n(&g->cycles, UINT64_MAX, __ATOMIC_RELEASE);
			break;
		}
		__atomic_fetch_add(&g->cycles, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

int mig_guest_create(const struct mig_guest_setup *s, struct mig_guest **out)
{
	struct mig_guest *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (!g)
		return -ENOMEM;
	g->s = *s;
	g->rng = s->seed * 0x2545f4914f6cdd1dull + 7;
	g->words = (s->mem_bytes / PAGE + 63) / 64;
	g->bits = calloc(g->words, sizeof(uint64_t));
	if (!g->bits || pthread_mutex_init(&g->lock, NULL)) {
		free(g->bits);
		free(g);
		return -ENOMEM;
	}
	*out = g;
	return 0;
}

int mig_guest_run(struct mig_guest *g)
{
	int err = pthread_create(&g->th, NULL, guest_main, g);

	if (err)
		return -err;
	g->started = true;
	return 0;
}

void mig_guest_stop(struct mig_guest *g)
{
	if (!g || !g->started)
		return;
	__atomic_store_n(&g->stop, 1, __ATOMIC_RELEASE);
	pthread_join(g->th, NULL);
	g->started = false;
}

void mig_guest_destroy(struct mig_guest *g)
{
	if (!g)
		return;
	mig_guest_stop(g);
	pthread_mutex_destroy(&g->lock);
	free(g->bits);
	free(g);
}

void mig_guest_lock(struct mig_guest *g)
{
	if (g)
		pthread_mutex_lock(&g->lock);
}

void mig_guest_unlock(struct mig_guest *g)
{
	if (g)
		pthread_mutex_unlock(&g->lock);
}

void mig_guest_collect(struct mig_guest *g, uint64_t *bits, uint64_t words)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	for (uint64_t i = 0; i < words && i < g->words; i++) {
		g->dirty_pages += (uint64_t)__builtin_popcountll(g->bits[i]);
		bits[i] |= g->bits[i];
		g->bits[i] = 0;
	}
	pthread_mutex_unlock(&g->lock);
}

uint64_t mig_guest_seq(const struct mig_guest *g)
{
	return g ? __atomic_load_n(&g->seq, __ATOMIC_SEQ_CST) : 0;
}

/*
 * A DMA that faulted because a leaf was out walked the table between the
 * unmap and the map, so inside one odd stretch of the count: it sampled
 * the count odd, or the count moved before it looked again.
 */
bool mig_guest_retry(const struct mig_guest *g, uint64_t seq_before)
{
	if (!g)
		return false;
	if ((seq_before & 1) || mig_guest_seq(g) != seq_before) {
		sched_yield();
		return true;
	}
	return false;
}

const uint64_t *mig_guest_cycles(const struct mig_guest *g)
{
	return &g->cycles;
}

void mig_guest_stats(const struct mig_guest *g, struct mig_guest_stats *st)
{
	*st = (struct mig_guest_stats){ 0 };
	if (!g)
		return;
	st->cycles = __atomic_load_n(&g->cycles, __ATOMIC_ACQUIRE);
	if (!g->started && g->error)
		st->cycles = g->failed_at;
	st->dirty_pages = g->dirty_pages;
	st->error = g->started ? 0 : g->error;
	st->error_gpa = g->error_gpa;
}
