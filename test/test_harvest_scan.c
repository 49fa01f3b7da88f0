// SPDX-License-Identifier: MIT
/*
 * test_harvest_scan.c - the harvest's fast paths, on every format with
 * dirty state (test/support/anyfmt.h).
 *
 * The scan passes over clean entries and cleans dirty ones a cache line
 * (eight entries) at a time, and falls back to one entry at a time at the
 * first line that is not uniform; a stretch of dirty leaves is cut where
 * the query ends part-way through a leaf.  These tests dirty random
 * stretches of granule pages through the format's hardware (so stretches
 * start and end at every offset within a line and a table), harvest random
 * byte ranges, and compare every bit, every remaining dirty page and the
 * gather with a page-by-page model.  The model knows the carry: a dirty
 * leaf a cleaning query straddles is cleaned whole and its pages outside
 * the query are carried by the table until a later cleaning query that
 * overlaps them reports them (see genpt_read_and_clear_dirty()).
 *
 * A leaf genpt makes always has its accessed flag set, which lets cleaning
 * be one plain store (see pt_set_dirty_state() in lib/core/pt_generic.h).
 * The last test clears that flag in table memory to take the
 * compare-and-swap path a leaf made by someone else would take.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "anyfmt.h"
#include "genpt/genpt.h"
#include "testutil.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define VA0 (1ull << 32)
#define OA0 (1ull << 36)

struct scan {
	const struct af_fmt *f;
	struct af_prov prov;
	struct genpt *pt;
	uint64_t g;      /* granule: the bitmap's page and the query's unit */
	uint64_t leaf;   /* the size of every leaf mapped */
	uint64_t n;      /* leaves mapped */
	bool *dirty;     /* the model: leaf k is dirty */
	bool *carried;   /* the model: page p is carried by the table */
	uint64_t *bits;  /* bitmap over the n leaves, one bit per granule */
};

static uint64_t scan_pages(const struct scan *s)
{
	return s->n * (s->leaf / s->g);
}

/*
 * Map two tables and a bit of leaves of @leaf bytes (the granule or the
 * size one level up), each alone: the output addresses leave a gap after
 * every leaf, so no two ever form a run or a larger page.
 */
static void scan_init(struct scan *s, const struct af_fmt *f, uint64_t leaf)
{
	s->f = f;
	s->g = af_gran(f);
	s->leaf = leaf;
	s->n = 2 * (s->g / 8) + 37;
	af_prov_init(&s->prov, false);
	cr_assert_eq(af_create(f, &s->prov, &s->pt), 0, "%s: create", f->name);
	cr_assert_eq(genpt_set_dirty_tracking(s->pt, true), 0);
	for (uint64_t k = 0; k < s->n; k++)
		cr_assert_eq(genpt_map(s->pt, VA0 + k * leaf, OA0 + 2 * k * leaf,
				       leaf, RW, NULL), 0, "%s: map", f->name);
	s->dirty = calloc(s->n, sizeof(*s->dirty));
	s->carried = calloc(scan_pages(s), sizeof(*s->carried));
	s->bits = calloc((scan_pages(s) + 63) / 64, 8);
	cr_assert(s->dirty && s->carried && s->bits);
}

static void scan_fini(struct scan *s)
{
	struct genpt_gather g;

	genpt_gather_init(&g);
	cr_assert_eq(genpt_unmap(s->pt, VA0, s->n * s->leaf, &g, NULL), 0);
	cr_assert_eq(genpt_gather_release(s->pt, &g), 0);
	genpt_destroy(s->pt);
	af_prov_fini(&s->prov);
	free(s->dirty);
	free(s->carried);
	free(s->bits);
}

static void write_leaf(struct scan *s, uint64_t k)
{
	cr_assert_eq(genpt_hw_access(s->pt, VA0 + k * s->leaf + 8,
				     GENPT_ACCESS_WRITE, NULL), 0,
		     "%s: write leaf %llu", s->f->name, (unsigned long long)k);
	s->dirty[k] = true;
}

/* Maximal runs of carried pages: the ranges the table holds (it joins
 * adjacent ones), at most 64 of them. */
static unsigned int carried_runs(const struct scan *s)
{
	unsigned int runs = 0;

	for (uint64_t p = 0; p < scan_pages(s); p++)
		runs += s->carried[p] && (p == 0 || !s->carried[p - 1]);
	return runs;
}

/*
 * The model's side of a cleaning harvest of pages [pf, pl]: carried pages
 * there are reported now and forgotten; a dirty leaf inside is cleaned; a
 * dirty leaf reaching outside is cleaned whole too, and its pages outside
 * the query become carried.  [*cf, *cl] gets the leaves cleaned (the
 * range the gather must hold).
 */
static void model_clean(struct scan *s, uint64_t pf, uint64_t pl, uint64_t *cf,
			uint64_t *cl)
{
	const uint64_t ppl = s->leaf / s->g;

	for (uint64_t p = pf; p <= pl; p++)
		s->carried[p] = false;
	for (uint64_t k = pf / ppl; k <= pl / ppl; k++) {
		if (!s->dirty[k])
			continue;
		s->dirty[k] = false;
		for (uint64_t p = k * ppl; p < (k + 1) * ppl; p++)
			if (p < pf || p > pl)
				s->carried[p] = true;
		*cf = *cf < k ? *cf : k;
		*cl = k;
	}
	/* The fallback of a full carry (the leaf left dirty) is
	 * test_migration_edges.c's business: 24 rounds add at most 48. */
	cr_assert_leq(carried_runs(s), 64u, "test bug: the carry would be full");
}

/*
 * Harvest [first, last] (granule-aligned) and check against the model:
 * the bitmap holds exactly the dirty leaves' and carried pages inside the
 * query, and a cleaning harvest's gather is exactly the span of the
 * leaves it cleaned (whole leaves, also those reaching outside).
 */
static void harvest_check(struct scan *s, uint64_t first, uint64_t last,
			  bool clear, const char *what)
{
	struct genpt_dirty_bitmap bm = { s->bits, VA0, s->n * s->leaf,
					 s->f->gshift };
	struct genpt_gather gat;
	const uint64_t ppl = s->leaf / s->g;
	uint64_t cf = UINT64_MAX, cl = 0;

	memset(s->bits, 0, (scan_pages(s) + 63) / 64 * 8);
	genpt_gather_init(&gat);
	cr_assert_eq(genpt_read_and_clear_dirty(s->pt, first, last - first + 1,
						clear ? 0 : GENPT_DIRTY_NO_CLEAR,
						&bm, &gat), 0);
	for (uint64_t p = 0; p < scan_pages(s); p++) {
		uint64_t va = VA0 + p * s->g;
		bool want = (s->dirty[p / ppl] || s->carried[p]) &&
			    va >= first && va <= last;

		cr_assert_eq(tu_bit(s->bits, p), want,
			     "%s: %s: page %llu (leaf %llu of %llu): bit %d, "
			     "model %d", s->f->name, what, (unsigned long long)p,
			     (unsigned long long)(p / ppl),
			     (unsigned long long)s->n, tu_bit(s->bits, p), want);
	}
	if (clear)
		model_clean(s, (first - VA0) / s->g, (last - VA0) / s->g, &cf, &cl);
	if (cf == UINT64_MAX) {
		cr_assert_gt(gat.start, gat.last, "%s: %s: gather [%#llx, %#llx] "
			     "when nothing was cleaned", s->f->name, what,
			     (unsigned long long)gat.start, (unsigned long long)gat.last);
	} else {
		cr_assert(gat.start == VA0 + cf * s->leaf &&
			  gat.last == VA0 + (cl + 1) * s->leaf - 1,
			  "%s: %s: gather [%#llx, %#llx], cleaned leaves %llu..%llu",
			  s->f->name, what, (unsigned long long)gat.start,
			  (unsigned long long)gat.last, (unsigned long long)cf,
			  (unsigned long long)cl);
	}
	cr_assert_eq(genpt_gather_release(s->pt, &gat), 0);
}

/* Dirty random stretches: runs of dirty and clean leaves, 0..2 lines long. */
static void dirty_stretches(struct scan *s, struct tu_rng *seed)
{
	uint64_t k = tu_rand(seed) % 11;

	while (k < s->n) {
		uint64_t len = tu_rand(seed) % 19, gap = 1 + tu_rand(seed) % 23;

		for (uint64_t j = 0; j < len && k + j < s->n; j++)
			write_leaf(s, k + j);
		k += len + gap;
	}
}

static void random_stretches(uint64_t (*leaf_of)(const struct af_fmt *))
{
	for (unsigned int fi = 0; fi < af_nfmts; fi++) {
		const struct af_fmt *f = &af_fmts[fi];
		struct tu_rng seed = { 0x9e3779b97f4a7c15ull + fi };
		struct scan s;

		if (!f->dirty)
			continue;
		scan_init(&s, f, leaf_of(f));
		for (unsigned int round = 0; round < 24; round++) {
			uint64_t pages = scan_pages(&s);
			uint64_t a = tu_rand(&seed) % pages, b = tu_rand(&seed) % pages;
			uint64_t first = VA0 + (a < b ? a : b) * s.g;
			uint64_t last = VA0 + ((a < b ? b : a) + 1) * s.g - 1;

			if (round % 3 == 0)
				dirty_stretches(&s, &seed);
			if (round % 4 == 1) { /* whole leaves now and then */
				first &= ~(s.leaf - 1);
				last |= s.leaf - 1;
			}
			harvest_check(&s, first, last, round % 5 != 4, "query");
			/* The whole range, without cleaning: what is left. */
			harvest_check(&s, VA0, VA0 + s.n * s.leaf - 1, false,
				      "remaining");
		}
		/* Everything dirty, then everything harvested and clean. */
		for (uint64_t k = 0; k < s.n; k++)
			write_leaf(&s, k);
		harvest_check(&s, VA0, VA0 + s.n * s.leaf - 1, true, "all dirty");
		harvest_check(&s, VA0, VA0 + s.n * s.leaf - 1, true, "all clean");
		scan_fini(&s);
	}
}

Test(harvest_scan, granule_leaves_random_stretches_and_queries, .timeout = 300)
{
	random_stretches(af_gran);
}

/* Queries that end inside a large leaf: it is reported for the part inside
 * and cleaned whole, the part outside carried to the next query over it. */
Test(harvest_scan, large_leaves_random_stretches_and_queries, .timeout = 300)
{
	random_stretches(af_big);
}

/* The accessed flag of each format's leaves (the manuals' bit positions). */
static uint64_t accessed_bit(const struct af_fmt *f)
{
	switch (f->cfg.format) {
	case GENPT_FMT_RISCV: return 1ull << 6;
	case GENPT_FMT_ARMV8: return 1ull << 10; /* AF */
	case GENPT_FMT_X86_64: return 1ull << 5;
	case GENPT_FMT_VTDSS: return 1ull << 8;
	case GENPT_FMT_AMDV1: return 1ull << 5;
	}
	return 0;
}

/* The one 64-bit word that differs between two snapshots. */
static uint64_t *changed_word(const struct af_snap *a, const struct af_snap *b)
{
	uint64_t *found = NULL;

	cr_assert_eq(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const uint64_t *wa = (const uint64_t *)a->b[i].data;
		const uint64_t *wb = (const uint64_t *)b->b[i].data;

		cr_assert_eq(a->b[i].va, b->b[i].va);
		for (size_t w = 0; w < a->b[i].size / 8; w++)
			if (wa[w] != wb[w]) {
				cr_assert_null(found, "more than one word changed");
				found = (uint64_t *)a->b[i].va + w;
			}
	}
	cr_assert_not_null(found, "no word changed");
	return found;
}

Test(harvest_scan, leaf_without_accessed_flag_is_cleaned_and_redirtied)
{
	for (unsigned int fi = 0; fi < af_nfmts; fi++) {
		const struct af_fmt *f = &af_fmts[fi];
		uint64_t a = accessed_bit(f), clean, dirty, *p;
		struct af_snap s0, s1;
		struct scan s;

		if (!f->dirty)
			continue;
		scan_init(&s, f, af_gran(f));
		/* A first write and harvest, so that hardware has set whatever
		 * it sets in the entries above (x86 A bits): the second write
		 * changes the leaf alone. */
		write_leaf(&s, 5);
		harvest_check(&s, VA0, VA0 + s.n * s.leaf - 1, true, "first write");
		af_snap_take(&s.prov, s.pt, &s0);
		write_leaf(&s, 5);
		af_snap_take(&s.prov, s.pt, &s1);
		p = changed_word(&s0, &s1);
		clean = __atomic_load_n(p, __ATOMIC_RELAXED);
		dirty = clean; /* the dirty value, as hardware left it */
		for (size_t i = 0; i < s0.n; i++)
			if ((uintptr_t)p >= s0.b[i].va &&
			    (uintptr_t)p < s0.b[i].va + s0.b[i].size)
				clean = ((const uint64_t *)s0.b[i].data)
					[p - (uint64_t *)s0.b[i].va];
		cr_assert(clean & a, "%s: genpt leaves carry the accessed flag",
			  f->name);
		cr_assert(dirty & a, "%s", f->name);

		/* A leaf hardware has not marked accessed, yet dirty. */
		__atomic_store_n(p, dirty & ~a, __ATOMIC_RELAXED);
		for (uint64_t k = 0; k < 16; k++)
			write_leaf(&s, 16 + k); /* a full line around it */
		harvest_check(&s, VA0, VA0 + s.n * s.leaf - 1, true,
			      "no accessed flag");
		cr_assert_eq(__atomic_load_n(p, __ATOMIC_RELAXED), clean & ~a,
			     "%s: cleaned by compare-and-swap, nothing else changed",
			     f->name);

		/* Tracking off makes it write-dirty the same way. */
		cr_assert_eq(genpt_set_dirty_tracking(s.pt, false), 0);
		cr_assert_eq(__atomic_load_n(p, __ATOMIC_RELAXED), dirty & ~a,
			     "%s: re-dirtied", f->name);
		cr_assert_eq(genpt_set_dirty_tracking(s.pt, true), 0);
		af_snap_free(&s0);
		af_snap_free(&s1);
		scan_fini(&s);
	}
}
