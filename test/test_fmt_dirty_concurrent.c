// SPDX-License-Identifier: MIT
/*
 * test_fmt_dirty_concurrent.c - hardware writers against two harvesters
 * over disjoint halves of a region, on every configuration with dirty
 * state (test/support/dfmt.h): for every write, one of the harvests that
 * may have seen it reported it, no leaf is reported in part, no bit lands
 * outside a query, and at the end nothing is left dirty.
 *
 * The region: one big leaf (a block, or the largest leaf that fits),
 * four runs of granule pages (RISC-V Svnapot, ARM contiguous, AMD v1
 * replicated; sixteen separate granule leaves each where the format has
 * no run of granules) and 64 granule leaves.  Units are the leaves, in
 * granule pages; the bitmap has one bit per granule.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsuite.h"

#define CC_RUNS 4u
#define CC_SMALL 64u
#define CC_WRITERS 2
#define CC_WRITES 20000u
#define CC_MAXUNITS (1u + 16u * CC_RUNS + CC_SMALL)
#define CC_HWORDS ((CC_MAXUNITS + 63) / 64)

struct cc_unit {
	unsigned int first, pages;
};

struct cc_shared {
	struct df_table t;
	uint64_t base, g;
	unsigned int npages, split; /* pages below @split: harvester 0 */
	unsigned int epoch[2];
	int stop;
	unsigned int writers_done;
	uint16_t *unit_of;          /* per page */
	struct cc_unit units[CC_MAXUNITS];
	unsigned int nunits;
};

struct cc_rec {
	unsigned int page, from, to;
};

struct cc_writer {
	struct cc_shared *s;
	struct tu_rng rng;
	struct cc_rec rec[CC_WRITES];
	unsigned int errors;
};

struct cc_harvester {
	struct cc_shared *s;
	unsigned int id, first_page, npages;
	uint64_t *hist;
	unsigned int cap, harvests, errors, partial, outside;
};

static unsigned int cc_owner(const struct cc_shared *s, unsigned int page)
{
	return page < s->split ? 0 : 1;
}

static void *cc_writer_main(void *arg)
{
	struct cc_writer *w = arg;
	struct cc_shared *s = w->s;

	for (unsigned int i = 0; i < CC_WRITES; i++) {
		const struct cc_unit *u = &s->units[tu_rand_below(&w->rng, s->nunits)];
		unsigned int p = u->first + (unsigned int)tu_rand_below(&w->rng, u->pages);
		unsigned int *ep = &s->epoch[cc_owner(s, p)], es, ee;
		uint64_t va = s->base + (uint64_t)p * s->g + tu_rand_below(&w->rng, s->g);

		es = __atomic_load_n(ep, __ATOMIC_ACQUIRE);
		if (genpt_hw_access(s->t.pt, va, GENPT_ACCESS_WRITE, NULL) != 0)
			w->errors++;
		ee = __atomic_fetch_add(ep, 0, __ATOMIC_ACQ_REL);
		w->rec[i] = (struct cc_rec){ p, es + 1, ee + 2 };
		if (i % 64 == 63)
			sched_yield();
	}
	__atomic_fetch_add(&s->writers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Which of @h's units the bitmap reports, into its history; a unit seen
 * in part or a bit outside the query is counted. */
static void cc_record(struct cc_harvester *h, const struct ds_bmap *b, uint64_t *rep)
{
	const struct cc_shared *s = h->s;
	uint64_t off = (s->base + (uint64_t)h->first_page * s->g - b->bm.iova) / s->g;

	for (uint64_t i = 0; i < b->nbits; i++)
		if (ds_bmap_bit(b->got, i) && (i < off || i >= off + h->npages))
			h->outside++;
	for (unsigned int u = 0; u < s->nunits; u++) {
		const struct cc_unit *x = &s->units[u];
		unsigned int set = 0;

		if (cc_owner(s, x->first) != h->id)
			continue;
		for (unsigned int p = x->first; p < x->first + x->pages; p++)
			set += ds_bmap_bit(b->got, off + (p - h->first_page));
		if (set && set != x->pages)
			h->partial++;
		if (set)
			ds_bmap_setbit(rep, u);
	}
}

static void cc_harvest_once(struct cc_harvester *h, struct ds_bmap *b)
{
	struct cc_shared *s = h->s;
	uint64_t qf = s->base + (uint64_t)h->first_page * s->g, *rep;
	struct genpt_gather g;

	if (h->harvests == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 1024;
		h->hist = realloc(h->hist, (size_t)h->cap * CC_HWORDS * sizeof(uint64_t));
		if (!h->hist)
			abort();
	}
	rep = &h->hist[(size_t)h->harvests * CC_HWORDS];
	memset(rep, 0, CC_HWORDS * sizeof(uint64_t));
	memset(b->got, 0, b->nwords * sizeof(uint64_t));
	genpt_gather_init(&g);
	if (ds_harvest(&s->t, qf, (uint64_t)h->npages * s->g, 0, b, &g))
		h->errors++;
	genpt_gather_release(s->t.pt, &g);
	cc_record(h, b, rep);
	__atomic_exchange_n(&s->epoch[h->id], ++h->harvests, __ATOMIC_ACQ_REL);
}

static void cc_bmap(const struct cc_harvester *h, struct ds_bmap *b)
{
	const struct cc_shared *s = h->s;
	uint64_t qf = s->base + (uint64_t)h->first_page * s->g;

	ds_bmap_init(b, qf - 3 * s->g, ((uint64_t)h->npages + 5) * s->g,
		     s->t.caps.granule_bits);
}

static void *cc_harvester_main(void *arg)
{
	struct cc_harvester *h = arg;
	struct ds_bmap b;

	cc_bmap(h, &b);
	while (!__atomic_load_n(&h->s->stop, __ATOMIC_ACQUIRE))
		cc_harvest_once(h, &b);
	cc_harvest_once(h, &b);
	ds_bmap_fini(&b);
	return NULL;
}

/* ---- the region ---------------------------------------------------------- */

static void cc_unit_leaf(struct cc_shared *s, unsigned int first, unsigned int pages)
{
	struct ds_leaf l = { s->base + (uint64_t)first * s->g, (uint64_t)pages * s->g,
			     (1ull << 40) + (uint64_t)first * s->g, DF_RW };

	ds_map(&s->t, &l);
	s->units[s->nunits++] = (struct cc_unit){ first, pages };
}

/* The biggest leaf up to a block of the level above pages and 1/8 of the
 * space; the smallest run of granule pages with at least 16 of them. */
static void cc_sizes(const struct df_table *t, uint64_t *big, uint64_t *run)
{
	uint64_t g = df_gran(t), half = df_half(t);
	unsigned int shifts[64], n = df_shifts(t, shifts);

	*big = g;
	*run = 0;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t sz = 1ull << shifts[i];

		if (sz > *big && sz <= (g << (t->caps.granule_bits - 3)) && (!half || sz <= half / 8))
			*big = sz;
		if (((t->caps.run_sizes >> shifts[i]) & 1) && df_entry_size(t, sz) == g &&
		    sz >= 16 * g && (!half || sz <= half / 16))
			*run = sz;
	}
}

static void cc_region(struct cc_shared *s)
{
	uint64_t big, run, rp;
	unsigned int p;

	s->g = df_gran(&s->t);
	cc_sizes(&s->t, &big, &run);
	rp = run ? run / s->g : 16;
	s->base = big;
	s->npages = (unsigned int)(big / s->g + CC_RUNS * rp + CC_SMALL);
	s->split = (unsigned int)(big / s->g + (CC_RUNS / 2) * rp);
	cr_assert(!df_half(&s->t) || s->base + (uint64_t)s->npages * s->g <= df_half(&s->t),
		  "%s: test bug: region does not fit", s->t.name);
	cc_unit_leaf(s, 0, (unsigned int)(big / s->g));
	p = (unsigned int)(big / s->g);
	for (unsigned int r = 0; r < CC_RUNS; r++, p += (unsigned int)rp) {
		if (run)
			cc_unit_leaf(s, p, (unsigned int)rp);
		else
			for (unsigned int i = 0; i < rp; i++)
				cc_unit_leaf(s, p + i, 1);
	}
	for (unsigned int i = 0; i < CC_SMALL; i++)
		cc_unit_leaf(s, p + i, 1);
	s->unit_of = calloc(s->npages, sizeof(*s->unit_of));
	cr_assert_not_null(s->unit_of);
	for (unsigned int u = 0; u < s->nunits; u++)
		for (unsigned int i = 0; i < s->units[u].pages; i++)
			s->unit_of[s->units[u].first + i] = (uint16_t)u;
}

/* ---- the run and its verdict ------------------------------------------- */

static void cc_run(struct cc_shared *s, struct cc_writer *w, struct cc_harvester *h)
{
	pthread_t wt[CC_WRITERS], ht;
	struct ds_bmap b;

	for (unsigned int i = 0; i < 2; i++) {
		h[i].s = s;
		h[i].id = i;
		h[i].first_page = i ? s->split : 0;
		h[i].npages = i ? s->npages - s->split : s->split;
	}
	cr_assert_eq(pthread_create(&ht, NULL, cc_harvester_main, &h[1]), 0);
	for (unsigned int i = 0; i < CC_WRITERS; i++) {
		w[i].s = s;
		w[i].rng.s = 0xc0ffee + i;
		cr_assert_eq(pthread_create(&wt[i], NULL, cc_writer_main, &w[i]), 0);
	}
	cc_bmap(&h[0], &b);
	while (__atomic_load_n(&s->writers_done, __ATOMIC_ACQUIRE) < CC_WRITERS)
		cc_harvest_once(&h[0], &b);
	for (unsigned int i = 0; i < CC_WRITERS; i++)
		cr_assert_eq(pthread_join(wt[i], NULL), 0);
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	cc_harvest_once(&h[0], &b);
	ds_bmap_fini(&b);
	cr_assert_eq(pthread_join(ht, NULL), 0);
}

static bool cc_reported(const struct cc_harvester *o, unsigned int n, unsigned int u)
{
	return ds_bmap_bit(&o->hist[(size_t)n * CC_HWORDS], u);
}

/* Every write reported by a harvest that may have seen it; every unit
 * reported iff written, and clean at the end. */
static void cc_verdict(struct cc_shared *s, const struct cc_writer *w,
		       const struct cc_harvester *h)
{
	uint8_t written[CC_MAXUNITS] = { 0 };

	for (unsigned int i = 0; i < 2; i++)
		cr_assert(!h[i].errors && !h[i].partial && !h[i].outside && h[i].harvests > 1,
			  "%s: harvester %u: %u failed, %u units in part, %u bits outside, %u harvests",
			  s->t.name, i, h[i].errors, h[i].partial, h[i].outside, h[i].harvests);
	for (unsigned int i = 0; i < CC_WRITERS; i++) {
		cr_assert_eq(w[i].errors, 0, "%s: writer %u: %u hw writes failed", s->t.name, i,
			     w[i].errors);
		for (unsigned int k = 0; k < CC_WRITES; k++) {
			const struct cc_rec *r = &w[i].rec[k];
			const struct cc_harvester *o = &h[cc_owner(s, r->page)];
			unsigned int to = r->to < o->harvests ? r->to : o->harvests, u;
			bool found = false;

			u = s->unit_of[r->page];
			for (unsigned int n = r->from; n <= to && !found; n++)
				found = cc_reported(o, n - 1, u);
			cr_assert(found, "%s: writer %u write %u to page %u not reported by harvests %u..%u: lost",
				  s->t.name, i, k, r->page, r->from, to);
			written[u] = 1;
		}
	}
	for (unsigned int u = 0; u < s->nunits; u++) {
		const struct cc_harvester *o = &h[cc_owner(s, s->units[u].first)];
		struct ds_leaf x = { s->base + (uint64_t)s->units[u].first * s->g,
				     (uint64_t)s->units[u].pages * s->g,
				     (1ull << 40) + (uint64_t)s->units[u].first * s->g, DF_RW };
		bool ever = false;

		for (unsigned int n = 0; n < o->harvests && !ever; n++)
			ever = cc_reported(o, n, u);
		cr_assert_eq(ever, written[u] != 0, "%s: unit %u: reported %d, written %u",
			     s->t.name, u, ever, written[u]);
		ds_check(&s->t, &x, 0, "clean at the end");
	}
}

static void concurrent(const struct af_cfg *c)
{
	struct cc_shared *s = calloc(1, sizeof(*s));
	struct cc_writer *w = calloc(CC_WRITERS, sizeof(*w));
	struct cc_harvester *h = calloc(2, sizeof(*h));

	cr_assert(s && w && h);
	df_init(&s->t, c, 1ull << 30);
	ds_set_tracking(&s->t, true);
	cc_region(s);
	cc_run(s, w, h);
	cc_verdict(s, w, h);
	df_fini(&s->t);
	free(s->unit_of);
	free(h[0].hist);
	free(h[1].hist);
	free(h);
	free(w);
	free(s);
}

DS_TESTS(fmt_dirty_concurrent, concurrent)
