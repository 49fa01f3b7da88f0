// SPDX-License-Identifier: MIT
/*
 * hw/sim_psc.c - the simulated IOMMU's paging-structure cache (sim_psc.h).
 * Hosted code (a mutex): the freestanding archive gets nothing from it.
 */
#ifndef GENPT_FREESTANDING

#include "hw/sim_psc.h"

#include <pthread.h>
#include <stdlib.h>

struct psc_entry {
	bool valid;
	uint64_t tag;   /* va >> step.span_shift */
	uint64_t stamp; /* LRU */
	struct genpt_psc_step step;
};

struct sim_psc {
	pthread_mutex_t lock;
	unsigned int n;
	uint64_t clock;
	struct psc_entry *e;
};

struct sim_psc *sim_psc_create(unsigned int entries)
{
	struct sim_psc *c;

	if (!entries || entries > 4096)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->e = calloc(entries, sizeof(*c->e));
	if (!c->e || pthread_mutex_init(&c->lock, NULL)) {
		free(c->e);
		free(c);
		return NULL;
	}
	c->n = entries;
	return c;
}

void sim_psc_destroy(struct sim_psc *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->e);
	free(c);
}

void sim_psc_lookup(struct sim_psc *c, uint64_t va, struct genpt_psc_walk *w)
{
	struct psc_entry *best = NULL;

	w->start_valid = false;
	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < c->n; i++) {
		struct psc_entry *e = &c->e[i];

		if (e->valid && (va >> e->step.span_shift) == e->tag &&
		    (!best || e->step.span_shift < best->step.span_shift))
			best = e;
	}
	if (best) {
		best->stamp = ++c->clock;
		w->start = best->step;
		w->start_valid = true;
	}
	pthread_mutex_unlock(&c->lock);
}

/* The entry to (re)use for @tag at @shift: a match, a free one, or LRU. */
static struct psc_entry *psc_slot(struct sim_psc *c, unsigned int shift, uint64_t tag)
{
	struct psc_entry *victim = &c->e[0];

	for (unsigned int i = 0; i < c->n; i++) {
		struct psc_entry *e = &c->e[i];

		if (e->valid && e->step.span_shift == shift && e->tag == tag)
			return e;
		if (!e->valid)
			victim = victim->valid ? e : victim;
		else if (victim->valid && e->stamp < victim->stamp)
			victim = e;
	}
	return victim;
}

void sim_psc_fill(struct sim_psc *c, uint64_t va, const struct genpt_psc_walk *w,
		  const uint64_t *gen, uint64_t seen_gen)
{
	pthread_mutex_lock(&c->lock);
	/* An invalidation began since the walk read the table: it may have
	 * read entries the invalidation meant to drop. */
	if (__atomic_load_n(gen, __ATOMIC_ACQUIRE) == seen_gen) {
		for (unsigned int i = 0; i < w->nsteps; i++) {
			const struct genpt_psc_step *s = &w->step[i];
			struct psc_entry *e = psc_slot(c, s->span_shift, va >> s->span_shift);

			*e = (struct psc_entry){ .valid = true, .tag = va >> s->span_shift,
						 .stamp = ++c->clock, .step = *s };
		}
	}
	pthread_mutex_unlock(&c->lock);
}

uint64_t sim_psc_invalidate(struct sim_psc *c, uint64_t first, uint64_t last)
{
	uint64_t dropped = 0;

	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < c->n; i++) {
		struct psc_entry *e = &c->e[i];
		unsigned int sh = e->step.span_shift;
		uint64_t lo, hi;

		if (!e->valid)
			continue;
		lo = e->tag << sh;
		hi = lo + ((sh < 64 ? 1ull << sh : 0) - 1);
		if (lo <= last && hi >= first) {
			e->valid = false;
			dropped++;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return dropped;
}

#else /* GENPT_FREESTANDING */
typedef int genpt_sim_psc_hosted_only;
#endif
