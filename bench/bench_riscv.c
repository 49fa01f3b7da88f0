// SPDX-License-Identifier: MIT
/*
 * bench/bench_riscv.c - genpt on an Sv48 table: map/unmap costs and the
 * dirty harvest, against the memory read bandwidth floor and against a
 * straightforward baseline, all measured in the same run (DESIGN.md 5, 6).
 *
 *   bench_riscv [--quick] [--reps N] [--provider physmem|host|both]
 *
 * Every figure is the median over repeated runs of a batch of operations
 * timed with clock_gettime(CLOCK_MONOTONIC).  --quick shrinks every size
 * and repeat count so the program finishes in a moment (the ctest smoke
 * test); it still checks every result, never a time.
 *
 * Baselines, implemented here:
 *  - map/unmap: one genpt_map()/genpt_unmap() call per 4 KiB page instead
 *    of one call for the whole range;
 *  - harvest: a naive walk from the root for every 4 KiB page (every leaf
 *    for the 2 MiB case), testing D, clearing it with an atomic and-not and
 *    setting the page's bit, as a first implementation would.
 *
 * The floor of a scan is the bytes it must read from memory (8 per entry)
 * divided by the sequential read bandwidth, measured here by summing a
 * buffer much larger than the last-level cache.  Scans run from a cold
 * cache: the same large read evicts the table before each timed scan (and
 * doubles as a bandwidth sample).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "genpt/genpt.h"

#define KiB ((uint64_t)1 << 10)
#define MiB ((uint64_t)1 << 20)
#define GiB ((uint64_t)1 << 30)
#define TiB ((uint64_t)1 << 40)

#ifndef GENPT_BENCH_BUILD
#define GENPT_BENCH_BUILD "unknown"
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BENCH_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define BENCH_SANITIZED 1
#endif
#endif
#ifndef BENCH_SANITIZED
#define BENCH_SANITIZED 0
#endif

/* RISC-V PTE bits for the baseline walker (privileged spec). */
#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_D (1ull << 7)
#define PTE_PPN(e) (((e) >> 10) & ((1ull << 44) - 1))

#define MAX_REPS 64

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_riscv: %s failed: %d (%s)\n", what, err,
		err < 0 ? strerror(-err) : "");
	exit(1);
}

#define CHECK(call)                                    \
	do {                                           \
		int check_err_ = (call);               \
		if (check_err_)                        \
			die(#call, check_err_);        \
	} while (0)

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, min and max of n samples (sorts v). */
struct stat3 {
	double med, min, max;
};

static struct stat3 stats(double *v, unsigned int n)
{
	struct stat3 s = { NAN, NAN, NAN };

	if (!n)
		return s;
	qsort(v, n, sizeof(*v), cmp_double);
	s.min = v[0];
	s.max = v[n - 1];
	s.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return s;
}

/* ------------------------------------------------------------ config -- */

struct opts {
	bool quick;
	unsigned int reps;
	bool physmem, host;
};

struct sizes {
	unsigned int regions;   /* 2 MiB regions for the 1-page and 256-page runs */
	uint64_t big_map;       /* the "1 GiB" map */
	uint64_t scan4k;        /* IOVA bytes of 4 KiB leaves harvested */
	uint64_t scan2m;        /* IOVA bytes of 2 MiB leaves harvested */
	uint64_t bw_bytes;      /* bandwidth / eviction buffer */
	unsigned int reps, scan_reps;
};

/* ---------------------------------------------------------- provider -- */

struct prov {
	const char *name;
	struct genpt_physmem *pm;  /* NULL: host memory */
	uint64_t pm_base;
	uintptr_t delta;           /* host pointer = pa + delta */
};

static struct genpt *mk_table(const struct prov *p)
{
	struct genpt_config cfg = {
		.format = GENPT_FMT_RISCV,
		.va_bits = 48,
		.mem = p->pm ? &genpt_physmem_ops : NULL,
		.mem_ctx = p->pm,
	};
	struct genpt *pt = NULL;

	CHECK(genpt_create(&cfg, &pt));
	return pt;
}

/* --------------------------------------------------------- bandwidth -- */

struct bw {
	uint64_t *buf;
	size_t words;
	double samples[4 * MAX_REPS + 16];
	unsigned int n;
	volatile uint64_t sink;
};

static void bw_init(struct bw *b, uint64_t bytes)
{
	b->words = (size_t)(bytes / 8);
	b->buf = malloc(b->words * 8);
	if (!b->buf)
		die("malloc(bandwidth buffer)", -ENOMEM);
	for (size_t i = 0; i < b->words; i++)
		b->buf[i] = i * 0x9e3779b97f4a7c15ull;
	b->n = 0;
}

/*
 * Sum the whole buffer: a sequential read much larger than the LLC.  Used
 * both to measure the read bandwidth and to evict the table before a
 * timed scan; every pass is a bandwidth sample.
 */
static void bw_pass(struct bw *b)
{
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	const uint64_t *p = b->buf;
	double t0 = now_ns(), t1;

	for (size_t i = 0; i + 4 <= b->words; i += 4) {
		s0 += p[i];
		s1 += p[i + 1];
		s2 += p[i + 2];
		s3 += p[i + 3];
	}
	t1 = now_ns();
	b->sink = s0 + s1 + s2 + s3;
	if (b->n < sizeof(b->samples) / sizeof(b->samples[0]))
		b->samples[b->n++] = (double)(b->words * 8) / (t1 - t0); /* GB/s */
}

/*
 * The other floor of a cleaning harvest: one atomic and-not per dirty
 * entry (what clearing D needs while hardware may set A/D concurrently),
 * over as many cold 8-byte words as the scan has entries.
 */
static __attribute__((noinline)) void atomic_clean(uint64_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		__atomic_fetch_and(&w[i], ~PTE_D, __ATOMIC_RELAXED);
}

static struct stat3 atomic_floor(struct bw *b, size_t n, unsigned int reps)
{
	uint64_t *w = malloc(n * 8);
	double v[MAX_REPS];

	if (!w)
		die("malloc(atomic floor buffer)", -ENOMEM);
	for (unsigned int rep = 0; rep < reps; rep++) {
		double t0;

		for (size_t i = 0; i < n; i++)
			w[i] = PTE_D | PTE_V | (i << 10);
		bw_pass(b);
		t0 = now_ns();
		atomic_clean(w, n);
		v[rep] = (now_ns() - t0) / (double)n;
	}
	free(w);
	return stats(v, reps);
}

/* --------------------------------------------------------- reporting -- */

struct row {
	char what[96];
	const char *unit;
	struct stat3 ours;
	double floor;    /* ns, NAN when not a scan */
	double base;     /* ns, NAN when no baseline */
	const char *ref; /* DESIGN.md section 6 figure, or NULL */
};

#define MAX_ROWS 64
static struct row rows[MAX_ROWS];
static unsigned int nrows;

static struct row *add_row(const char *prov, const char *what, const char *unit,
			   struct stat3 ours, double base, const char *ref)
{
	struct row *r = &rows[nrows++];

	snprintf(r->what, sizeof(r->what), "%-7s %s", prov, what);
	r->unit = unit;
	r->ours = ours;
	r->floor = NAN;
	r->base = base;
	r->ref = ref;
	return r;
}

static void fmt_num(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else if (v >= 1000)
		snprintf(buf, n, "%.0f", v);
	else if (v >= 10)
		snprintf(buf, n, "%.1f", v);
	else
		snprintf(buf, n, "%.2f", v);
}

static void print_rows(double bw_gbs)
{
	printf("\n%-44s %-9s %9s %17s %7s %8s %8s %8s  %s\n", "operation", "unit",
	       "median", "[min..max]", "floor", "x floor", "baseline", "x base",
	       "reference*");
	for (unsigned int i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		char med[16], mn[16], mx[16], fl[16], xf[16], bs[16], xb[16], range[40];

		fmt_num(med, sizeof(med), r->ours.med);
		fmt_num(mn, sizeof(mn), r->ours.min);
		fmt_num(mx, sizeof(mx), r->ours.max);
		fmt_num(fl, sizeof(fl), r->floor);
		fmt_num(xf, sizeof(xf), r->ours.med / r->floor);
		fmt_num(bs, sizeof(bs), r->base);
		fmt_num(xb, sizeof(xb), r->ours.med / r->base);
		snprintf(range, sizeof(range), "[%s..%s]", mn, mx);
		printf("%-44s %-9s %9s %17s %7s %8s %8s %8s  %s\n", r->what, r->unit,
		       med, range, fl, xf, bs, xb, r->ref ? r->ref : "");
	}
	printf("\nfloor = bytes the scan must read (8 per entry; for 2 MiB leaves 8 + the\n"
	       "64 bytes of 4 KiB-granule bitmap written per leaf) / the read bandwidth\n"
	       "measured above (%.2f GB/s); x floor and x base are ours / floor and\n"
	       "ours / baseline (lower is better for us).\n", bw_gbs);
	printf("* reference = the Linux generic_pt figures quoted in DESIGN.md section 6\n"
	       "  (gcc -O2 -march=native, another machine of this kind). They are NOT\n"
	       "  measured here and are shown only for context.\n");
}

/* ---------------------------------------------------------- baseline -- */

struct naive {
	uint64_t root_pa;
	unsigned int levels;
	uintptr_t delta;
};

static struct naive naive_of(const struct genpt *pt, const struct prov *p)
{
	struct genpt_hw_info hi;
	struct naive w;

	CHECK(genpt_hw_info(pt, &hi));
	w.root_pa = hi.root_pa;
	w.levels = hi.levels;
	w.delta = p->delta;
	return w;
}

/* Walk from the root to the leaf entry that maps va (NULL if none). */
static inline uint64_t *naive_leaf(const struct naive *w, uint64_t va)
{
	uint64_t pa = w->root_pa;

	for (unsigned int lvl = w->levels - 1;; lvl--) {
		uint64_t *t = (uint64_t *)(uintptr_t)(pa + w->delta);
		uint64_t *p = &t[(va >> (12 + 9 * lvl)) & 511];
		uint64_t e = __atomic_load_n(p, __ATOMIC_RELAXED);

		if (!(e & PTE_V))
			return NULL;
		if (e & (PTE_R | PTE_W | PTE_X))
			return p;
		if (lvl == 0)
			return NULL;
		pa = PTE_PPN(e) << 12;
	}
}

/* Harvest [iova, iova + len) page by page (@step bytes per leaf). */
static __attribute__((noinline)) void naive_harvest(const struct naive *w,
						    uint64_t iova, uint64_t len,
						    uint64_t step,
						    uint64_t *bits)
{
	for (uint64_t off = 0; off < len; off += step) {
		uint64_t *p = naive_leaf(w, iova + off);

		if (p && (__atomic_load_n(p, __ATOMIC_RELAXED) & PTE_D)) {
			__atomic_fetch_and(p, ~PTE_D, __ATOMIC_RELAXED);
			for (uint64_t b = off >> 12; b < (off + step) >> 12; b++)
				bits[b / 64] |= 1ull << (b % 64);
		}
	}
}

static uint64_t popcount_bits(const uint64_t *bits, uint64_t nbits)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < nbits / 64; i++)
		n += (uint64_t)__builtin_popcountll(bits[i]);
	return n;
}

static void expect_count(const char *what, uint64_t got, uint64_t want)
{
	if (got != want) {
		fprintf(stderr, "bench_riscv: %s: %" PRIu64 " bits set, expected %" PRIu64 "\n",
			what, got, want);
		exit(1);
	}
}

/* ------------------------------------------------------ map / unmap -- */

#define OA_BASE (1ull << 44)

/*
 * Map/unmap one page, and 256 pages in one call, in `regions` 2 MiB regions
 * whose first page stays mapped, so the level-0 tables exist throughout.
 */
static void bench_small(const struct prov *p, const struct sizes *z)
{
	struct genpt *pt = mk_table(p);
	const uint64_t base = 64 * GiB;
	unsigned int nr = z->regions, reps = z->reps;
	double m1[MAX_REPS], u1[MAX_REPS], m256[MAX_REPS], u256[MAX_REPS];
	double bm256[MAX_REPS], bu256[MAX_REPS];
	uint64_t got;

	for (unsigned int r = 0; r < nr; r++)
		CHECK(genpt_map(pt, base + r * 2 * MiB, OA_BASE, 4 * KiB,
				GENPT_READ | GENPT_WRITE, NULL));
	for (unsigned int rep = 0; rep < reps; rep++) {
		double t0, t1, t2;

		/* 1 page per call: pages 1..511 of every region. */
		t0 = now_ns();
		for (unsigned int r = 0; r < nr; r++)
			for (unsigned int s = 1; s < 512; s++)
				CHECK(genpt_map(pt, base + r * 2 * MiB + s * 4 * KiB,
						OA_BASE + s * 4 * KiB, 4 * KiB,
						GENPT_READ | GENPT_WRITE, NULL));
		t1 = now_ns();
		for (unsigned int r = 0; r < nr; r++)
			for (unsigned int s = 1; s < 512; s++) {
				CHECK(genpt_unmap(pt, base + r * 2 * MiB + s * 4 * KiB,
						  4 * KiB, NULL, &got));
				if (got != 4 * KiB)
					die("unmap of one page", -EIO);
			}
		t2 = now_ns();
		m1[rep] = (t1 - t0) / (nr * 511.0);
		u1[rep] = (t2 - t1) / (nr * 511.0);

		/* 256 pages in one call: pages 1..256 of every region. */
		t0 = now_ns();
		for (unsigned int r = 0; r < nr; r++)
			CHECK(genpt_map(pt, base + r * 2 * MiB + 4 * KiB,
					OA_BASE + 4 * KiB, 256 * 4 * KiB,
					GENPT_READ | GENPT_WRITE, NULL));
		t1 = now_ns();
		for (unsigned int r = 0; r < nr; r++) {
			CHECK(genpt_unmap(pt, base + r * 2 * MiB + 4 * KiB,
					  256 * 4 * KiB, NULL, &got));
			if (got != 256 * 4 * KiB)
				die("unmap of 256 pages", -EIO);
		}
		t2 = now_ns();
		m256[rep] = (t1 - t0) / nr;
		u256[rep] = (t2 - t1) / nr;

		/* Baseline: the same 256 pages with one call per page. */
		t0 = now_ns();
		for (unsigned int r = 0; r < nr; r++)
			for (unsigned int s = 1; s <= 256; s++)
				CHECK(genpt_map(pt, base + r * 2 * MiB + s * 4 * KiB,
						OA_BASE + s * 4 * KiB, 4 * KiB,
						GENPT_READ | GENPT_WRITE, NULL));
		t1 = now_ns();
		for (unsigned int r = 0; r < nr; r++)
			for (unsigned int s = 1; s <= 256; s++)
				CHECK(genpt_unmap(pt, base + r * 2 * MiB + s * 4 * KiB,
						  4 * KiB, NULL, NULL));
		t2 = now_ns();
		bm256[rep] = (t1 - t0) / nr;
		bu256[rep] = (t2 - t1) / nr;
	}
	add_row(p->name, "map 1 x 4K", "ns/call", stats(m1, reps), NAN, "32-37 ns");
	add_row(p->name, "unmap 1 x 4K", "ns/call", stats(u1, reps), NAN, "41-49 ns");
	add_row(p->name, "map 256 x 4K, one call", "ns/call", stats(m256, reps),
		stats(bm256, reps).med, "513-594 ns");
	add_row(p->name, "unmap 256 x 4K, one call", "ns/call", stats(u256, reps),
		stats(bu256, reps).med, "530-1648 ns");
	genpt_destroy(pt);
}

/* Map a large range with 4 KiB pages (tables allocated as it goes). */
static void bench_big_map(const struct prov *p, const struct sizes *z)
{
	struct genpt *pt = mk_table(p);
	const uint64_t iova = 128 * GiB, len = z->big_map, pages = len / (4 * KiB);
	/* oa 4 KiB off 2 MiB alignment: every leaf is a 4 KiB page. */
	const uint64_t oa = OA_BASE + 4 * KiB;
	double m[MAX_REPS], u[MAX_REPS], bm[MAX_REPS], bu[MAX_REPS];
	unsigned int reps = z->reps;
	uint64_t got, tb;
	char what[64];

	for (unsigned int rep = 0; rep < reps; rep++) {
		double t0, t1, t2;

		t0 = now_ns();
		CHECK(genpt_map(pt, iova, oa, len, GENPT_READ | GENPT_WRITE, NULL));
		t1 = now_ns();
		CHECK(genpt_unmap(pt, iova, len, NULL, &got));
		t2 = now_ns();
		if (got != len)
			die("unmap of the big range", -EIO);
		m[rep] = (t1 - t0) / (double)pages;
		u[rep] = (t2 - t1) / (double)pages;

		/* Baseline: one call per page. */
		t0 = now_ns();
		for (uint64_t off = 0; off < len; off += 4 * KiB)
			CHECK(genpt_map(pt, iova + off, oa + off, 4 * KiB,
					GENPT_READ | GENPT_WRITE, NULL));
		t1 = now_ns();
		for (uint64_t off = 0; off < len; off += 4 * KiB)
			CHECK(genpt_unmap(pt, iova + off, 4 * KiB, NULL, NULL));
		t2 = now_ns();
		bm[rep] = (t1 - t0) / (double)pages;
		bu[rep] = (t2 - t1) / (double)pages;
		CHECK(genpt_table_bytes(pt, &tb));
		if (tb != 4096)
			die("tables left after unmapping everything", -EIO);
	}
	snprintf(what, sizeof(what), "map %" PRIu64 " MiB as 4K pages", len / MiB);
	add_row(p->name, what, "ns/page", stats(m, reps), stats(bm, reps).med,
		len == GiB ? "5.7-6.5 ns" : NULL);
	snprintf(what, sizeof(what), "unmap %" PRIu64 " MiB of 4K pages", len / MiB);
	add_row(p->name, what, "ns/page", stats(u, reps), stats(bu, reps).med, NULL);
	genpt_destroy(pt);
}

/* ----------------------------------------------------------- harvest -- */

/* Every writable leaf write-dirty again, through the public API: switching
 * tracking off marks them all dirty, switching it back on keeps that. */
static void redirty(struct genpt *pt)
{
	CHECK(genpt_set_dirty_tracking(pt, false));
	CHECK(genpt_set_dirty_tracking(pt, true));
}

static void bench_scan(const struct prov *p, const struct sizes *z, struct bw *bw,
		       uint64_t leaf, uint64_t len)
{
	struct genpt *pt = mk_table(p);
	const uint64_t iova = TiB;
	/* oa 4 KiB / 2 MiB off the next larger alignment, so every leaf is
	 * exactly @leaf bytes. */
	const uint64_t oa = OA_BASE + leaf;
	const uint64_t nleaves = len / leaf, npages = len / (4 * KiB);
	uint64_t *bits = calloc(npages / 64 + 1, 8);
	struct genpt_dirty_bitmap bm = { bits, iova, len, 12 };
	struct genpt_gather g;
	struct naive w;
	double dt[MAX_REPS], cl[MAX_REPS], bdt[MAX_REPS], bcl[MAX_REPS], rd[MAX_REPS];
	unsigned int reps = z->scan_reps;
	uint64_t tb;
	char what[64], count[32];
	struct row *r;

	if (!bits)
		die("calloc(bitmap)", -ENOMEM);
	genpt_gather_init(&g);
	CHECK(genpt_set_dirty_tracking(pt, true));
	CHECK(genpt_map(pt, iova, oa, len, GENPT_READ | GENPT_WRITE, NULL));
	CHECK(genpt_table_bytes(pt, &tb));
	/* Tables below the root: one level-0 table per 2 MiB for 4 KiB leaves. */
	if (tb != 4096 + 4096 * ((len + 512 * GiB - 1) / (512 * GiB) + (len + GiB - 1) / GiB +
				 (leaf == 4 * KiB ? len / (2 * MiB) : 0)))
		die("unexpected table layout", -EIO);
	w = naive_of(pt, p);

	/* Sanity, untimed: leaves start clean, a device write dirties one. */
	CHECK(genpt_read_and_clear_dirty(pt, iova, len, GENPT_DIRTY_NO_CLEAR, &bm, NULL));
	expect_count("fresh table", popcount_bits(bits, npages), 0);
	CHECK(genpt_hw_access(pt, iova + len / 2 + 123, GENPT_ACCESS_WRITE, NULL));
	CHECK(genpt_hw_access(pt, iova + len - 1, GENPT_ACCESS_WRITE, NULL));
	CHECK(genpt_read_and_clear_dirty(pt, iova, len, 0, &bm, &g));
	expect_count("after two device writes", popcount_bits(bits, npages),
		     2 * (leaf / (4 * KiB)));
	CHECK(genpt_gather_release(pt, &g));

	for (unsigned int rep = 0; rep < reps; rep++) {
		double t0, t1;

		/* genpt: every leaf dirty, cold cache. */
		t0 = now_ns();
		redirty(pt);
		rd[rep] = (now_ns() - t0) / (double)nleaves;
		memset(bits, 0, (npages / 64 + 1) * 8);
		bw_pass(bw);
		t0 = now_ns();
		CHECK(genpt_read_and_clear_dirty(pt, iova, len, 0, &bm, &g));
		t1 = now_ns();
		dt[rep] = (t1 - t0) / (double)nleaves;
		expect_count("dirty harvest", popcount_bits(bits, npages), npages);
		if (g.start != iova || g.last != iova + len - 1)
			die("gather after harvest", -EIO);
		CHECK(genpt_gather_release(pt, &g));

		/* genpt: everything clean now. */
		memset(bits, 0, (npages / 64 + 1) * 8);
		bw_pass(bw);
		t0 = now_ns();
		CHECK(genpt_read_and_clear_dirty(pt, iova, len, 0, &bm, &g));
		t1 = now_ns();
		cl[rep] = (t1 - t0) / (double)nleaves;
		expect_count("clean scan", popcount_bits(bits, npages), 0);

		/* Baseline: a walk from the root per page (per leaf). */
		redirty(pt);
		memset(bits, 0, (npages / 64 + 1) * 8);
		bw_pass(bw);
		t0 = now_ns();
		naive_harvest(&w, iova, len, leaf, bits);
		t1 = now_ns();
		bdt[rep] = (t1 - t0) / (double)nleaves;
		expect_count("baseline dirty harvest", popcount_bits(bits, npages), npages);
		memset(bits, 0, (npages / 64 + 1) * 8);
		bw_pass(bw);
		t0 = now_ns();
		naive_harvest(&w, iova, len, leaf, bits);
		t1 = now_ns();
		bcl[rep] = (t1 - t0) / (double)nleaves;
		expect_count("baseline clean scan", popcount_bits(bits, npages), 0);
	}
	if (nleaves >= 1024 * 1024)
		snprintf(count, sizeof(count), "%" PRIu64 "M", nleaves >> 20);
	else
		snprintf(count, sizeof(count), "%" PRIu64 "K", nleaves >> 10);
	if (leaf == 4 * KiB) {
		snprintf(what, sizeof(what), "harvest %s dirty 4K leaves", count);
		r = add_row(p->name, what, "ns/entry", stats(dt, reps), stats(bdt, reps).med,
			    nleaves == 4ull << 20 ? "5.0-6.9 ns" : NULL);
		r->floor = 8.0;
		snprintf(what, sizeof(what), "clean scan %s 4K leaves", count);
		r = add_row(p->name, what, "ns/entry", stats(cl, reps), stats(bcl, reps).med,
			    nleaves == 4ull << 20 ? "2.3-3.5 ns" : NULL);
		r->floor = 8.0;
		snprintf(what, sizeof(what), "re-dirty %s 4K (tracking off/on)", count);
		add_row(p->name, what, "ns/entry", stats(rd, reps), NAN, NULL);
	} else {
		snprintf(what, sizeof(what), "harvest %s dirty 2M leaves", count);
		r = add_row(p->name, what, "ns/leaf", stats(dt, reps), stats(bdt, reps).med, NULL);
		r->floor = 8.0 + 64.0;
		snprintf(what, sizeof(what), "clean scan %s 2M leaves", count);
		r = add_row(p->name, what, "ns/leaf", stats(cl, reps), stats(bcl, reps).med, NULL);
		r->floor = 8.0;
	}
	genpt_destroy(pt);
	free(bits);
}

/* -------------------------------------------------------------- main -- */

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--quick] [--reps N] [--provider physmem|host|both]\n",
		argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = { .quick = false, .reps = 0, .physmem = true, .host = true };
	struct sizes z;
	struct bw *bw;
	struct prov provs[2];
	unsigned int nprov = 0;
	double t_start = now_ns(), bw_gbs;
	struct stat3 bws, afl;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			o.quick = true;
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			o.reps = (unsigned int)strtoul(argv[++i], NULL, 0);
			if (!o.reps || o.reps > MAX_REPS)
				usage(argv[0]);
		} else if (!strcmp(argv[i], "--provider") && i + 1 < argc) {
			i++;
			o.physmem = !strcmp(argv[i], "physmem") || !strcmp(argv[i], "both");
			o.host = !strcmp(argv[i], "host") || !strcmp(argv[i], "both");
			if (!o.physmem && !o.host)
				usage(argv[0]);
		} else {
			usage(argv[0]);
		}
	}
	if (o.quick)
		z = (struct sizes){ .regions = 2, .big_map = 16 * MiB, .scan4k = 256 * MiB,
				    .scan2m = 16 * GiB, .bw_bytes = 8 * MiB, .reps = 2,
				    .scan_reps = 1 };
	else
		z = (struct sizes){ .regions = 64, .big_map = GiB, .scan4k = 16 * GiB,
				    .scan2m = 2 * TiB, .bw_bytes = 256 * MiB, .reps = 31,
				    .scan_reps = 11 };
	if (o.reps) {
		z.reps = o.reps;
		z.scan_reps = o.reps;
	}

	printf("genpt bench_riscv: Sv48 (4 levels), %s run\n", o.quick ? "QUICK (smoke)" : "full");
	printf("build: %s%s\n", GENPT_BENCH_BUILD,
	       BENCH_SANITIZED ? "; SANITIZER BUILD: times are meaningless" : "");
	printf("sizes: 1-page and 256-page maps in %u x 2 MiB regions; big map %" PRIu64
	       " MiB; harvest %" PRIu64 " MiB of 4K leaves and %" PRIu64
	       " GiB of 2M leaves; bandwidth buffer %" PRIu64 " MiB; %u reps (%u for scans)\n",
	       z.regions, z.big_map / MiB, z.scan4k / MiB, z.scan2m / GiB, z.bw_bytes / MiB,
	       z.reps, z.scan_reps);
	printf("notes: genpt frees a table as soon as it becomes empty (the kernel keeps\n"
	       "  it), so the 1-page and 256-page runs keep page 0 of each 2 MiB region\n"
	       "  mapped: their level-0 tables stay allocated and the figures compare\n"
	       "  like with like. The big map starts from an empty table and so includes\n"
	       "  allocating (and, for unmap, freeing) every table. Harvest inputs are\n"
	       "  made dirty by switching dirty tracking off and on (every writable leaf\n"
	       "  becomes write-dirty, as device writes would leave it); each timed scan\n"
	       "  starts from a cold cache.\n");
	fflush(stdout);

	bw = malloc(sizeof(*bw));
	if (!bw)
		die("malloc", -ENOMEM);
	bw_init(bw, z.bw_bytes);
	for (int i = 0; i < 5; i++)
		bw_pass(bw);
	afl = atomic_floor(bw, (size_t)(z.scan4k / (4 * KiB)), z.scan_reps);
	add_row("cpu", "atomic and-not, 1 per cold entry", "ns/entry", afl, NAN, NULL);

	if (o.physmem) {
		struct prov *p = &provs[nprov++];

		p->name = "physmem";
		p->pm_base = 1ull << 32;
		CHECK(genpt_physmem_create(p->pm_base, o.quick ? 256 * MiB : 4 * GiB, &p->pm));
		p->delta = (uintptr_t)genpt_physmem_ptr(p->pm, p->pm_base) - (uintptr_t)p->pm_base;
	}
	if (o.host) {
		struct prov *p = &provs[nprov++];

		p->name = "host";
		p->pm = NULL;
		p->pm_base = 0;
		p->delta = 0;
	}
	for (unsigned int i = 0; i < nprov; i++) {
		bench_small(&provs[i], &z);
		bench_big_map(&provs[i], &z);
		bench_scan(&provs[i], &z, bw, 4 * KiB, z.scan4k);
		bench_scan(&provs[i], &z, bw, 2 * MiB, z.scan2m);
		if (provs[i].pm) {
			uint64_t bytes, blocks;

			CHECK(genpt_physmem_stats(provs[i].pm, &bytes, &blocks));
			if (bytes || blocks)
				die("physmem not empty after the run", -EIO);
			genpt_physmem_destroy(provs[i].pm);
		}
	}
	for (int i = 0; i < 3; i++)
		bw_pass(bw);

	bws = stats(bw->samples, bw->n);
	bw_gbs = bws.med;
	printf("\nmemory read bandwidth (sum of a %" PRIu64 " MiB buffer, %u passes): "
	       "median %.2f GB/s [%.2f..%.2f] -> floor %.3f ns per 8-byte entry\n",
	       z.bw_bytes / MiB, bw->n, bws.med, bws.min, bws.max, 8.0 / bw_gbs);
	printf("reference*: 9.5-13.4 GB/s, about 0.6 ns per entry\n");
	printf("atomic and-not over %" PRIu64 " cold 8-byte words (what cleaning needs per "
	       "dirty entry): median %.2f ns/entry [%.2f..%.2f]\n",
	       z.scan4k / (4 * KiB), afl.med, afl.min, afl.max);
	for (unsigned int i = 0; i < nrows; i++)
		rows[i].floor = rows[i].floor / bw_gbs; /* bytes -> ns (NAN stays) */
	print_rows(bw_gbs);
	printf("\ntotal run time %.1f s\n", (now_ns() - t_start) / 1e9);
	free(bw->buf);
	free(bw);
	return 0;
}
