// SPDX-License-Identifier: MIT
/*
 * bench/genpt_bench.c - what genpt costs, per format, measured the way
 * kernel and VMM people judge an IO page table (DESIGN.md sections 5, 6).
 *
 *   genpt_bench [--quick] [--format LIST] [--json FILE] [--reps N]
 *               [--provider host|physmem|jemalloc] [--list] [--scan-only]
 *
 * One run per format configuration (--list names them; LIST is a comma
 * separated list of names or name prefixes, e.g. "riscv,armv8-s1-64k", or
 * "all"), plus the table-page allocators and the RISC-V IOMMU model.  Every
 * figure is the median of at least 5 repetitions (--reps) with the minimum
 * and maximum; clock_gettime(CLOCK_MONOTONIC) around a batch of operations.
 * --quick shrinks every size (the ctest smoke test): it still checks every
 * result, never a time.  --json writes one record per figure.
 *
 * In the same run:
 *  - the floor: the machine's sequential read bandwidth (sum of a buffer far
 *    larger than the last-level cache) and write bandwidth (memset of it);
 *    a scan's floor is the bytes of entries it must read (8 per entry; the
 *    bitmap bytes it must write for large leaves) over that bandwidth.
 *    Scans start from a cold cache: the same large read evicts the table.
 *  - the baseline: a plain recursive walk over the same table in the style
 *    of Linux io-pgtable-arm (__arm_lpae_iopte_walk): a loop over the
 *    entries of each table, recursion into table entries, a visit callback
 *    through a function pointer per leaf that tests the dirty state, records
 *    the leaf with a kernel-style bitmap_set and cleans it with an atomic.
 *    Decoding follows each format's manual (bit positions written here).
 *    For map/unmap the baseline is one call per page.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dlfcn.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "genpt/genpt.h"

#define BENCH_NAME "genpt_bench"
#include "bench_die_clock.h"

#ifdef GENPT_BENCH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

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

#define MAX_REPS 64
#define RW (GENPT_READ | GENPT_WRITE)

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("malloc", -ENOMEM);
	return p;
}

static void *xcalloc(size_t n, size_t s)
{
	void *p = calloc(n ? n : 1, s);

	if (!p)
		die("calloc", -ENOMEM);
	return p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stat3 {
	double med, min, max;
};

/* Median, min and max of n samples (sorts v). */
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

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t popcount_bits(const uint64_t *bits, uint64_t nbits)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < (nbits + 63) / 64; i++)
		n += (uint64_t)__builtin_popcountll(bits[i]);
	return n;
}

static void expect_count(const char *fmt, const char *what, uint64_t got,
			 uint64_t want)
{
	if (got != want) {
		fprintf(stderr, "genpt_bench: %s %s: %" PRIu64 " bits set, expected %" PRIu64 "\n",
			fmt, what, got, want);
		exit(1);
	}
}

/* ---------------------------------------------------------- formats -- */

enum bfam { BF_RISCV, BF_ARM_S1, BF_ARM_S2, BF_X86, BF_VTD, BF_AMD };

struct bfmt {
	const char *name;
	const char *desc;
	enum bfam fam;
	enum genpt_format format;
	unsigned int va_bits, granule_bits;
	uint64_t features;
	unsigned int gshift;  /* granule page (log2) */
	unsigned int stride;  /* index bits per table */
	unsigned int l2_leaf; /* a level-2 block exists (1 GiB) */
};

static const struct bfmt bfmts[] = {
	{ "riscv-sv48", "RISC-V Sv48 first stage", BF_RISCV, GENPT_FMT_RISCV, 48, 0, 0,
	  12, 9, 1 },
	{ "riscv-sv48x4", "RISC-V Sv48x4 G-stage", BF_RISCV, GENPT_FMT_RISCV, 50, 0,
	  GENPT_FEAT_RISCV_GSTAGE, 12, 9, 1 },
	{ "armv8-s1-4k", "ARMv8 stage 1, 4K granule, DBM", BF_ARM_S1, GENPT_FMT_ARMV8, 48, 12,
	  GENPT_FEAT_ARMV8_DBM, 12, 9, 1 },
	{ "armv8-s1-16k", "ARMv8 stage 1, 16K granule, DBM", BF_ARM_S1, GENPT_FMT_ARMV8, 48, 14,
	  GENPT_FEAT_ARMV8_DBM, 14, 11, 0 },
	{ "armv8-s1-64k", "ARMv8 stage 1, 64K granule, DBM", BF_ARM_S1, GENPT_FMT_ARMV8, 48, 16,
	  GENPT_FEAT_ARMV8_DBM, 16, 13, 0 },
	{ "armv8-s2-4k", "ARMv8 stage 2, 4K granule, DBM", BF_ARM_S2, GENPT_FMT_ARMV8, 48, 12,
	  GENPT_FEAT_ARMV8_DBM | GENPT_FEAT_ARMV8_S2, 12, 9, 1 },
	{ "x86_64-4lvl", "x86-64 4-level (VT-d first stage, AMD v2)", BF_X86, GENPT_FMT_X86_64,
	  48, 0, 0, 12, 9, 1 },
	{ "vtdss-4lvl", "Intel VT-d second stage, 48-bit AGAW", BF_VTD, GENPT_FMT_VTDSS, 48, 0,
	  0, 12, 9, 1 },
	{ "amdv1-mode4", "AMD IOMMU v1, DTE Mode 4 (48-bit)", BF_AMD, GENPT_FMT_AMDV1, 48, 0, 0,
	  12, 9, 1 },
};
#define NFMTS (sizeof(bfmts) / sizeof(bfmts[0]))

static uint64_t gran(const struct bfmt *f)
{
	return 1ull << f->gshift;
}

/* The level-1 block: 2M with 4K tables, 32M (16K granule), 512M (64K). */
static uint64_t blk1(const struct bfmt *f)
{
	return 1ull << (f->gshift + f->stride);
}

static const char *size_name(uint64_t bytes, char *buf, size_t n)
{
	if (bytes >= TiB && !(bytes % TiB))
		snprintf(buf, n, "%" PRIu64 "T", bytes / TiB);
	else if (bytes >= GiB && !(bytes % GiB))
		snprintf(buf, n, "%" PRIu64 "G", bytes / GiB);
	else if (bytes >= MiB && !(bytes % MiB))
		snprintf(buf, n, "%" PRIu64 "M", bytes / MiB);
	else
		snprintf(buf, n, "%" PRIu64 "K", bytes / KiB);
	return buf;
}

static const char *count_name(uint64_t n, char *buf, size_t len)
{
	if (n >= (1u << 20) && !(n % (1u << 20)))
		snprintf(buf, len, "%" PRIu64 "M", n >> 20);
	else if (n >= 1024 && !(n % 1024))
		snprintf(buf, len, "%" PRIu64 "K", n >> 10);
	else
		snprintf(buf, len, "%" PRIu64, n);
	return buf;
}

/* ------------------------------------------------------------ options -- */

struct sizes {
	unsigned int regions;    /* L1-block regions for the 1- and 256-page runs */
	uint64_t big_map;        /* the "1 GiB" map */
	uint64_t scan_entries;   /* granule leaves harvested (8 bytes each) */
	uint64_t large_span;     /* IOVA bytes of large leaves recorded */
	uint64_t lookups;        /* iova_to_phys calls */
	uint64_t bw_bytes;       /* bandwidth / eviction buffer */
	uint64_t alloc_pages;    /* table pages per allocator round */
	uint64_t iommu_ops;      /* translations per IOMMU figure */
	unsigned int reps, scan_reps;
};

struct opts {
	bool quick;
	unsigned int reps;
	bool physmem;
	bool scan_only; /* --scan-only: just the harvest figures */
	const char *json;
	const char *formats;
};

static struct sizes z;
static struct opts o;

/* ---------------------------------------------------------- figures -- */

struct fig {
	char fmt[24];
	char op[64];
	char size[64];
	const char *unit;
	struct stat3 s;
	double rd_bytes; /* floor: bytes read per unit (NAN: no floor) */
	double wr_bytes; /* ... and bytes written per unit */
	int base;        /* index of the baseline figure, or -1 */
	bool is_base;
	char note[64];
};

#define MAX_FIGS 512
static struct fig figs[MAX_FIGS];
static unsigned int nfigs;

static int add_fig(const char *fmt, const char *op, const char *size,
		   const char *unit, double *v, unsigned int n)
{
	struct fig *g;

	if (nfigs == MAX_FIGS)
		die("too many figures", -ENOSPC);
	g = &figs[nfigs];
	memset(g, 0, sizeof(*g));
	snprintf(g->fmt, sizeof(g->fmt), "%s", fmt);
	snprintf(g->op, sizeof(g->op), "%s", op);
	snprintf(g->size, sizeof(g->size), "%s", size);
	g->unit = unit;
	g->s = stats(v, n);
	g->rd_bytes = NAN;
	g->wr_bytes = NAN;
	g->base = -1;
	return (int)nfigs++;
}

/* A figure and its baseline (recorded as a figure of its own). */
static int add_pair(const char *fmt, const char *op, const char *size,
		    const char *unit, double *v, double *bv, unsigned int n)
{
	char bop[80];
	int i = add_fig(fmt, op, size, unit, v, n);
	int b;

	snprintf(bop, sizeof(bop), "baseline: %s", op);
	b = add_fig(fmt, bop, size, unit, bv, n);
	figs[b].is_base = true;
	figs[i].base = b;
	return i;
}

static void set_floor(int i, double rd, double wr)
{
	figs[i].rd_bytes = rd;
	figs[i].wr_bytes = wr;
	if (figs[i].base >= 0) {
		figs[figs[i].base].rd_bytes = rd;
		figs[figs[i].base].wr_bytes = wr;
	}
}

/* --------------------------------------------------------- bandwidth -- */

typedef uint64_t v4u64 __attribute__((vector_size(32)));

struct bw {
	v4u64 *buf;
	size_t vecs;
	double rd[8 * MAX_REPS + 64], wr[2 * MAX_REPS + 16], rmw[16];
	unsigned int nrd, nwr, nrmw;
	double rd_gbs, wr_gbs, rmw_gbs; /* medians, final */
	volatile uint64_t sink;
};

static struct bw bwm;

static void bw_init(uint64_t bytes)
{
	void *p = NULL;

	bwm.vecs = (size_t)(bytes / sizeof(v4u64));
	if (posix_memalign(&p, 2 * MiB, bwm.vecs * sizeof(v4u64)))
		die("posix_memalign(bandwidth buffer)", -ENOMEM);
#ifdef MADV_HUGEPAGE
	/* The same memory as the default provider's table pages (2 MiB
	 * chunks marked for huge pages), so the floor and the scans see the
	 * same TLB reach. */
	madvise(p, bwm.vecs * sizeof(v4u64), MADV_HUGEPAGE);
#endif
	bwm.buf = p;
	memset(bwm.buf, 0x5a, bwm.vecs * sizeof(v4u64));
}

/*
 * Sum the whole buffer: a sequential read much larger than the LLC.  It
 * measures the read bandwidth and evicts the table before a timed scan;
 * every pass is a sample.
 */
static void bw_pass(void)
{
	v4u64 s0 = { 0 }, s1 = { 0 }, s2 = { 0 }, s3 = { 0 };
	const v4u64 *p = bwm.buf;
	double t0 = now_ns(), t1;

	for (size_t i = 0; i + 4 <= bwm.vecs; i += 4) {
		s0 += p[i];
		s1 += p[i + 1];
		s2 += p[i + 2];
		s3 += p[i + 3];
	}
	t1 = now_ns();
	s0 += s1 + s2 + s3;
	bwm.sink = s0[0] + s0[1] + s0[2] + s0[3];
	if (bwm.nrd < sizeof(bwm.rd) / sizeof(bwm.rd[0]))
		bwm.rd[bwm.nrd++] = (double)(bwm.vecs * sizeof(v4u64)) / (t1 - t0);
}

static void bw_write_pass(void)
{
	double t0 = now_ns(), t1;

	memset(bwm.buf, (int)(bwm.nwr & 0xff), bwm.vecs * sizeof(v4u64));
	t1 = now_ns();
	if (bwm.nwr < sizeof(bwm.wr) / sizeof(bwm.wr[0]))
		bwm.wr[bwm.nwr++] = (double)(bwm.vecs * sizeof(v4u64)) / (t1 - t0);
}

/*
 * Read every line and write it back changed (an xor of every word): the
 * bytes a dense harvest that cleans must move, read and written, at the
 * fastest a loop can move them.  Reported beside the read floor.
 */
static void bw_rmw_pass(void)
{
	const v4u64 x = { 1, 1, 1, 1 };
	v4u64 *p = bwm.buf;
	double t0 = now_ns(), t1;

	for (size_t i = 0; i + 2 <= bwm.vecs; i += 2) {
		p[i] ^= x;
		p[i + 1] ^= x;
	}
	t1 = now_ns();
	if (bwm.nrmw < sizeof(bwm.rmw) / sizeof(bwm.rmw[0]))
		bwm.rmw[bwm.nrmw++] = (double)(bwm.vecs * sizeof(v4u64)) / (t1 - t0);
}

/*
 * What cleaning needs per dirty entry whatever the walk: one atomic
 * read-modify-write (hardware may set A/D in the same entry meanwhile),
 * here an and-not over as many cold 8-byte words as the scan has entries.
 */
static __attribute__((noinline)) void atomic_clean(uint64_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		__atomic_fetch_and(&w[i], ~(1ull << 7), __ATOMIC_RELAXED);
}

static void bench_atomic(void)
{
	const size_t n = (size_t)z.scan_entries;
	uint64_t *w = xmalloc(n * 8);
	const unsigned int reps = z.scan_reps;
	double v[MAX_REPS];
	char sz[40], c[24];
	int i;

	for (unsigned int rep = 0; rep < reps; rep++) {
		double t0;

		for (size_t k = 0; k < n; k++)
			w[k] = (1ull << 7) | 1 | (k << 10);
		bw_pass();
		t0 = now_ns();
		atomic_clean(w, n);
		v[rep] = (now_ns() - t0) / (double)n;
	}
	snprintf(sz, sizeof(sz), "%s cold words", count_name(n, c, sizeof(c)));
	i = add_fig("cpu", "atomic and-not, one per entry", sz, "ns/entry", v, reps);
	set_floor(i, 8, 0);
	free(w);
}

/* ----------------------------------------------------------- provider -- */

struct prov {
	struct genpt_physmem *pm; /* NULL: host memory */
	uint64_t base;
	uintptr_t delta;          /* host pointer = pa + delta */
	const struct genpt_mem_ops *ops; /* --provider jemalloc; else NULL */
};

static struct prov prov;

static struct genpt *mk_table(const struct bfmt *f, bool tracking)
{
	struct genpt_config cfg = {
		.format = f->format,
		.va_bits = f->va_bits,
		.granule_bits = f->granule_bits,
		.features = f->features,
		.mem = prov.pm ? &genpt_physmem_ops : prov.ops,
		.mem_ctx = prov.pm,
	};
	struct genpt *pt = NULL;

	CHECK(genpt_create(&cfg, &pt));
	if (tracking)
		CHECK(genpt_set_dirty_tracking(pt, true));
	return pt;
}

/* ----------------------------------------------------------- baseline -- */

/*
 * Entry decoding from the manuals, as a straightforward implementation
 * would write it (bit positions: RISC-V privileged spec, Arm ARM VMSAv8-64,
 * Intel SDM / VT-d, AMD IOMMU spec).
 */
struct bl {
	const struct bfmt *f;
	unsigned int levels;
	unsigned int top_bits; /* index bits of the root */
	uint64_t root_pa;
	uintptr_t delta;
	/* the query */
	uint64_t first, last;
	bool clear;
	const struct genpt_dirty_bitmap *bm;
	void (*visit)(struct bl *b, uint64_t *ptep, uint64_t iova, uint64_t size);
};

static bool bl_valid(const struct bfmt *f, uint64_t e)
{
	return f->fam == BF_VTD ? (e & 3) != 0 : (e & 1) != 0;
}

static bool bl_is_table(const struct bfmt *f, unsigned int lvl, uint64_t e)
{
	if (lvl == 0)
		return false;
	switch (f->fam) {
	case BF_RISCV:
		return !(e & 0xe);                 /* R = W = X = 0 */
	case BF_ARM_S1:
	case BF_ARM_S2:
		return (e & 3) == 3;               /* table descriptor */
	case BF_X86:
	case BF_VTD:
		return !(e & (1ull << 7));         /* PS = 0 */
	case BF_AMD: {
		unsigned int nl = (unsigned int)(e >> 9) & 7;

		return nl != 0 && nl != 7;         /* NextLevel 1..6 */
	}
	}
	return false;
}

static uint64_t bl_addr(const struct bfmt *f, uint64_t e)
{
	switch (f->fam) {
	case BF_RISCV:
		return ((e >> 10) & ((1ull << 44) - 1)) << 12;
	case BF_ARM_S1:
	case BF_ARM_S2:
		return e & ((1ull << 48) - 1) & ~(gran(f) - 1);
	default:
		return e & 0x000ffffffffff000ull;
	}
}

static bool bl_dirty(const struct bfmt *f, uint64_t e)
{
	switch (f->fam) {
	case BF_RISCV:
		return e & (1ull << 7);                           /* D */
	case BF_ARM_S1:
		return (e & (1ull << 51)) && !(e & (1ull << 7));  /* DBM, AP[2] = 0 */
	case BF_ARM_S2:
		return (e & (1ull << 51)) && (e & (1ull << 7));   /* DBM, S2AP[1] */
	case BF_X86:
	case BF_AMD:
		return e & (1ull << 6);                           /* D */
	case BF_VTD:
		return e & (1ull << 9);                           /* D */
	}
	return false;
}

static void bl_clean(const struct bfmt *f, uint64_t *p)
{
	switch (f->fam) {
	case BF_RISCV:
		__atomic_fetch_and(p, ~(1ull << 7), __ATOMIC_RELAXED);
		break;
	case BF_ARM_S1:
		__atomic_fetch_or(p, 1ull << 7, __ATOMIC_RELAXED);
		break;
	case BF_ARM_S2:
		__atomic_fetch_and(p, ~(1ull << 7), __ATOMIC_RELAXED);
		break;
	case BF_X86:
	case BF_AMD:
		__atomic_fetch_and(p, ~(1ull << 6), __ATOMIC_RELAXED);
		break;
	case BF_VTD:
		__atomic_fetch_and(p, ~(1ull << 9), __ATOMIC_RELAXED);
		break;
	}
}

static struct bl bl_of(const struct bfmt *f, struct genpt *pt)
{
	struct genpt_hw_info hi;
	struct bl b;

	CHECK(genpt_hw_info(pt, &hi));
	memset(&b, 0, sizeof(b));
	b.f = f;
	b.levels = hi.levels;
	b.root_pa = hi.root_pa;
	b.delta = prov.delta;
	b.top_bits = f->va_bits - (f->gshift + f->stride * (hi.levels - 1));
	return b;
}

static uint64_t *bl_ptr(const struct bl *b, uint64_t pa)
{
	return (uint64_t *)(uintptr_t)(pa + b->delta);
}

/* The kernel's bitmap_set(): whole words in the middle. */
static void bl_bitmap_set(uint64_t *map, uint64_t start, uint64_t nr)
{
	uint64_t *p = map + start / 64;
	const uint64_t size = start + nr;
	int64_t bits_to_set = 64 - (int64_t)(start % 64);
	uint64_t mask_to_set = ~0ull << (start % 64);

	while (nr >= (uint64_t)bits_to_set) {
		*p |= mask_to_set;
		nr -= (uint64_t)bits_to_set;
		bits_to_set = 64;
		mask_to_set = ~0ull;
		p++;
	}
	if (nr) {
		mask_to_set &= ~0ull >> ((64 - size % 64) % 64);
		*p |= mask_to_set;
	}
}

static void bl_visit_dirty(struct bl *b, uint64_t *ptep, uint64_t iova, uint64_t size)
{
	uint64_t e = __atomic_load_n(ptep, __ATOMIC_RELAXED);
	uint64_t first, last;

	if (!bl_dirty(b->f, e))
		return;
	first = iova < b->first ? b->first : iova;
	last = iova + (size - 1) > b->last ? b->last : iova + (size - 1);
	if (b->bm) {
		uint64_t s = (first - b->bm->iova) >> b->bm->page_shift;
		uint64_t l = (last - b->bm->iova) >> b->bm->page_shift;

		bl_bitmap_set(b->bm->bits, s, l - s + 1);
	}
	if (b->clear && first == iova && last == iova + (size - 1))
		bl_clean(b->f, ptep);
}

/* __arm_lpae_iopte_walk(): every entry of the table inside the query. */
static void bl_walk(struct bl *b, unsigned int lvl, uint64_t *table, uint64_t base)
{
	unsigned int shift = b->f->gshift + b->f->stride * lvl;
	unsigned int bits = lvl == b->levels - 1 ? b->top_bits : b->f->stride;
	uint64_t size = 1ull << shift;
	uint64_t lo = b->first > base ? (b->first - base) >> shift : 0;
	uint64_t hi = (b->last - base) >> shift;

	if (hi >= (1ull << bits))
		hi = (1ull << bits) - 1;
	for (uint64_t i = lo; i <= hi; i++) {
		uint64_t *ptep = &table[i];
		uint64_t e = __atomic_load_n(ptep, __ATOMIC_RELAXED);
		uint64_t va = base + (i << shift);

		if (!bl_valid(b->f, e))
			continue;
		if (bl_is_table(b->f, lvl, e))
			bl_walk(b, lvl - 1, bl_ptr(b, bl_addr(b->f, e)), va);
		else
			b->visit(b, ptep, va, size);
	}
}

static __attribute__((noinline)) void bl_harvest(struct bl *b, uint64_t iova, uint64_t len,
						 bool clear,
						 const struct genpt_dirty_bitmap *bm)
{
	b->first = iova;
	b->last = iova + (len - 1);
	b->clear = clear;
	b->bm = bm;
	b->visit = bl_visit_dirty;
	bl_walk(b, b->levels - 1, bl_ptr(b, b->root_pa), 0);
}

/* iova_to_phys the plain way: from the root for every lookup. */
static __attribute__((noinline)) uint64_t bl_iova_to_phys(const struct bl *b, uint64_t va)
{
	uint64_t *table = bl_ptr(b, b->root_pa);

	for (unsigned int lvl = b->levels - 1;; lvl--) {
		unsigned int shift = b->f->gshift + b->f->stride * lvl;
		unsigned int bits = lvl == b->levels - 1 ? b->top_bits : b->f->stride;
		uint64_t e = __atomic_load_n(&table[(va >> shift) & ((1ull << bits) - 1)],
					     __ATOMIC_RELAXED);

		if (!bl_valid(b->f, e))
			return UINT64_MAX;
		if (!bl_is_table(b->f, lvl, e))
			return bl_addr(b->f, e) + (va & ((1ull << shift) - 1));
		table = bl_ptr(b, bl_addr(b->f, e));
	}
}

/* ------------------------------------------------------ map / unmap -- */

#define OA_BASE (1ull << 40)

/*
 * One-page maps and 256 pages in one call, in L1-block regions whose first
 * page stays mapped, so the last-level tables exist throughout and no
 * allocation is timed.  Then 256 L1 blocks in one call next to a block
 * that stays mapped.
 */
static void bench_small(const struct bfmt *f)
{
	struct genpt *pt = mk_table(f, false);
	const uint64_t g = gran(f), b1 = blk1(f);
	const uint64_t base = 8 * (b1 << f->stride); /* a few L2 spans up */
	const unsigned int nr = z.regions, reps = z.reps;
	const unsigned int per = 511; /* pages 1..511 of every region */
	double m1[MAX_REPS], u1[MAX_REPS], m256[MAX_REPS], u256[MAX_REPS];
	double bm256[MAX_REPS], bu256[MAX_REPS];
	double mb[MAX_REPS], ub[MAX_REPS], bmb[MAX_REPS], bub[MAX_REPS];
	char sz[64], s1[24], s2[24];
	uint64_t got, bbase;
	int i;

	for (unsigned int r = 0; r < nr; r++)
		CHECK(genpt_map(pt, base + r * b1, OA_BASE, g, RW, NULL));
	for (unsigned int rep = 0; rep < reps; rep++) {
		double t0, t1, t2;

		t0 = now_ns();
		for (unsigned int r = 0; r < nr; r++)
			for (unsigned int s = 1; s <= per; s++)
				CHECK(genpt_map(pt, base + r * b1 + s * g, OA_BASE + s * g, g,
						RW, NULL));
		t1 = now_ns();
		for (unsigned int r = 0; r < nr; r++)
			for (unsigned int s = 1; s <= per; s++) {
				CHECK(genpt_unmap(pt, base + r * b1 + s * g, g, NULL, &got));
				if (got != g)
					die("unmap of one page", -EIO);
			}
		t2 = now_ns();
		m1[rep] = (t1 - t0) / (nr * (double)per);
		u1[rep] = (t2 - t1) / (nr * (double)per);

		t0 = now_ns();
		for (unsigned int r = 0; r < nr; r++)
			CHECK(genpt_map(pt, base + r * b1 + g, OA_BASE + 2 * g, 256 * g, RW,
					NULL));
		t1 = now_ns();
		for (unsigned int r = 0; r < nr; r++) {
			CHECK(genpt_unmap(pt, base + r * b1 + g, 256 * g, NULL, &got));
			if (got != 256 * g)
				die("unmap of 256 pages", -EIO);
		}
		t2 = now_ns();
		m256[rep] = (t1 - t0) / nr;
		u256[rep] = (t2 - t1) / nr;

		/* Baseline: the same 256 pages, one call each. */
		t0 = now_ns();
		for (unsigned int r = 0; r < nr; r++)
			for (unsigned int s = 1; s <= 256; s++)
				CHECK(genpt_map(pt, base + r * b1 + s * g, OA_BASE + (s + 1) * g,
						g, RW, NULL));
		t1 = now_ns();
		for (unsigned int r = 0; r < nr; r++)
			for (unsigned int s = 1; s <= 256; s++)
				CHECK(genpt_unmap(pt, base + r * b1 + s * g, g, NULL, NULL));
		t2 = now_ns();
		bm256[rep] = (t1 - t0) / nr;
		bu256[rep] = (t2 - t1) / nr;
	}
	size_name(g, s1, sizeof(s1));
	add_fig(f->name, "map 1 page", s1, "ns/call", m1, reps);
	add_fig(f->name, "unmap 1 page", s1, "ns/call", u1, reps);
	snprintf(sz, sizeof(sz), "256x%s", s1);
	add_pair(f->name, "map 256 pages, one call", sz, "ns/call", m256, bm256, reps);
	add_pair(f->name, "unmap 256 pages, one call", sz, "ns/call", u256, bu256, reps);
	for (unsigned int rep = 0; rep < reps; rep++) {
		m256[rep] /= 256;
		bm256[rep] /= 256;
	}
	i = add_pair(f->name, "map 256 pages, one call, per page", sz, "ns/page", m256,
		     bm256, reps);
	snprintf(figs[i].note, sizeof(figs[i].note), "target < 2 ns/page");

	/* 256 L1 blocks next to one that stays mapped. */
	bbase = base + (b1 << f->stride) * 4;
	CHECK(genpt_map(pt, bbase, OA_BASE, b1, RW, NULL));
	for (unsigned int rep = 0; rep < reps; rep++) {
		double t0, t1, t2;

		t0 = now_ns();
		CHECK(genpt_map(pt, bbase + b1, OA_BASE + 2 * b1, 256 * b1, RW, NULL));
		t1 = now_ns();
		CHECK(genpt_unmap(pt, bbase + b1, 256 * b1, NULL, &got));
		t2 = now_ns();
		if (got != 256 * b1)
			die("unmap of 256 blocks", -EIO);
		mb[rep] = t1 - t0;
		ub[rep] = t2 - t1;
		t0 = now_ns();
		for (unsigned int s = 1; s <= 256; s++)
			CHECK(genpt_map(pt, bbase + s * b1, OA_BASE + (s + 1) * b1, b1, RW,
					NULL));
		t1 = now_ns();
		for (unsigned int s = 1; s <= 256; s++)
			CHECK(genpt_unmap(pt, bbase + s * b1, b1, NULL, NULL));
		t2 = now_ns();
		bmb[rep] = t1 - t0;
		bub[rep] = t2 - t1;
	}
	snprintf(sz, sizeof(sz), "256x%s", size_name(b1, s2, sizeof(s2)));
	add_pair(f->name, "map 256 blocks, one call", sz, "ns/call", mb, bmb, reps);
	add_pair(f->name, "unmap 256 blocks, one call", sz, "ns/call", ub, bub, reps);
	genpt_destroy(pt);
}

/*
 * Map 1 GiB with granule pages from an empty table (every table allocated
 * as it goes, and freed by the unmap), then iova_to_phys on it.
 */
static void bench_big_map(const struct bfmt *f)
{
	struct genpt *pt = mk_table(f, false);
	const uint64_t g = gran(f), len = z.big_map, pages = len / g;
	const uint64_t iova = 1ull << 42;
	/* oa one granule off every larger alignment: only granule leaves
	 * (and no AMD v1 runs, no contiguous runs) */
	const uint64_t oa = OA_BASE + g;
	double m[MAX_REPS], u[MAX_REPS], bm[MAX_REPS], bu[MAX_REPS];
	double l[MAX_REPS], bl_[MAX_REPS];
	const unsigned int reps = z.reps < 11 ? z.reps : 11;
	uint64_t *va, sum = 0, bsum = 0, root_bytes, tb, got, seed = 42;
	char sz[64], s1[24], s2[24];
	struct bl b;

	CHECK(genpt_table_bytes(pt, &root_bytes));
	for (unsigned int rep = 0; rep < reps; rep++) {
		double t0, t1, t2;

		t0 = now_ns();
		CHECK(genpt_map(pt, iova, oa, len, RW, NULL));
		t1 = now_ns();
		CHECK(genpt_unmap(pt, iova, len, NULL, &got));
		t2 = now_ns();
		if (got != len)
			die("unmap of the big range", -EIO);
		m[rep] = (t1 - t0) / (double)pages;
		u[rep] = (t2 - t1) / (double)pages;

		t0 = now_ns();
		for (uint64_t off = 0; off < len; off += g)
			CHECK(genpt_map(pt, iova + off, oa + off, g, RW, NULL));
		t1 = now_ns();
		for (uint64_t off = 0; off < len; off += g)
			CHECK(genpt_unmap(pt, iova + off, g, NULL, NULL));
		/* Page-sized unmaps never cover a table's span, so they leave
		 * the emptied tables; freeing them is part of this figure. */
		CHECK(genpt_reclaim(pt, NULL, NULL));
		t2 = now_ns();
		bm[rep] = (t1 - t0) / (double)pages;
		bu[rep] = (t2 - t1) / (double)pages;
		CHECK(genpt_table_bytes(pt, &tb));
		if (tb != root_bytes)
			die("tables left after unmapping everything", -EIO);
	}
	snprintf(sz, sizeof(sz), "%s as %s pages", size_name(len, s1, sizeof(s1)),
		 size_name(g, s2, sizeof(s2)));
	add_pair(f->name, "map (tables allocated)", sz, "ns/page", m, bm, reps);
	add_pair(f->name, "unmap (tables freed)", sz, "ns/page", u, bu, reps);

	/* iova_to_phys at random addresses of the mapped range. */
	CHECK(genpt_map(pt, iova, oa, len, RW, NULL));
	b = bl_of(f, pt);
	va = xmalloc(z.lookups * sizeof(*va));
	for (uint64_t k = 0; k < z.lookups; k++)
		va[k] = iova + (rng_next(&seed) % len);
	for (unsigned int rep = 0; rep < reps; rep++) {
		double t0, t1;
		uint64_t s = 0, bs = 0, pa;

		t0 = now_ns();
		for (uint64_t k = 0; k < z.lookups; k++) {
			CHECK(genpt_iova_to_phys(pt, va[k], &pa));
			s += pa;
		}
		t1 = now_ns();
		l[rep] = (t1 - t0) / (double)z.lookups;
		t0 = now_ns();
		for (uint64_t k = 0; k < z.lookups; k++)
			bs += bl_iova_to_phys(&b, va[k]);
		t1 = now_ns();
		bl_[rep] = (t1 - t0) / (double)z.lookups;
		sum = s;
		bsum = bs;
	}
	if (sum != bsum)
		die("iova_to_phys and the baseline walk disagree", -EIO);
	{
		uint64_t want = 0;

		for (uint64_t k = 0; k < z.lookups; k++)
			want += va[k] - iova + oa;
		if (sum != want)
			die("iova_to_phys results", -EIO);
	}
	add_pair(f->name, "iova_to_phys, random address", sz, "ns/call", l, bl_, reps);
	free(va);
	genpt_destroy(pt);
}

/* ----------------------------------------------------------- harvest -- */

/* Every writable leaf write-dirty, through the public API: switching
 * tracking off marks them all, switching it back on keeps that. */
static void redirty(struct genpt *pt)
{
	CHECK(genpt_set_dirty_tracking(pt, false));
	CHECK(genpt_set_dirty_tracking(pt, true));
}

static void touch_pages(struct genpt *pt, const uint64_t *va, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++)
		CHECK(genpt_hw_access(pt, va[k], GENPT_ACCESS_WRITE, NULL));
}

/*
 * The harvest over a table of scan_entries granule leaves (128 MiB of
 * entries in the full run): every leaf dirty, 1% dirty at random, none,
 * and every leaf dirty with NO_CLEAR, each against the floor and the
 * baseline walk over the same table.
 */
static void bench_scan(const struct bfmt *f)
{
	struct genpt *pt = mk_table(f, true);
	const uint64_t g = gran(f), n = z.scan_entries, len = n * g;
	const uint64_t iova = 1ull << 44, oa = OA_BASE + g;
	const uint64_t words = (n + 63) / 64;
	uint64_t *bits = xcalloc(words, 8);
	struct genpt_dirty_bitmap bm = { bits, iova, len, f->gshift };
	struct genpt_gather gat;
	const unsigned int reps = z.scan_reps;
	double dd[MAX_REPS], bdd[MAX_REPS], cl[MAX_REPS], bcl[MAX_REPS];
	double nc[MAX_REPS], bnc[MAX_REPS], sp[MAX_REPS], bsp[MAX_REPS], rd[MAX_REPS];
	uint64_t *sparse, nsparse = 0, seed = 7;
	char sz[80], cnt[24], gs[24], es[24];
	struct bl b;
	int i;

	genpt_gather_init(&gat);
	CHECK(genpt_map(pt, iova, oa, len, RW, NULL));
	b = bl_of(f, pt);
	/* 1% of the pages, at random (fixed seed). */
	sparse = xmalloc((n / 50 + 16) * sizeof(*sparse));
	for (uint64_t k = 0; k < n && nsparse < n / 50 + 16; k++)
		if (rng_next(&seed) % 100 == 0)
			sparse[nsparse++] = iova + k * g + (k % 7) * 8;

	/* Sanity, untimed: fresh leaves are clean, a device write dirties. */
	CHECK(genpt_read_and_clear_dirty(pt, iova, len, GENPT_DIRTY_NO_CLEAR, &bm, NULL));
	expect_count(f->name, "fresh table", popcount_bits(bits, n), 0);

	for (unsigned int rep = 0; rep < reps; rep++) {
		double t0, t1;

		/* every leaf dirty */
		t0 = now_ns();
		redirty(pt);
		rd[rep] = (now_ns() - t0) / (double)n;
		memset(bits, 0, words * 8);
		bw_pass();
		t0 = now_ns();
		CHECK(genpt_read_and_clear_dirty(pt, iova, len, 0, &bm, &gat));
		t1 = now_ns();
		dd[rep] = (t1 - t0) / (double)n;
		expect_count(f->name, "dense harvest", popcount_bits(bits, n), n);
		if (gat.start != iova || gat.last != iova + len - 1)
			die("gather after the harvest", -EIO);
		CHECK(genpt_gather_release(pt, &gat));

		/* nothing dirty */
		memset(bits, 0, words * 8);
		bw_pass();
		t0 = now_ns();
		CHECK(genpt_read_and_clear_dirty(pt, iova, len, 0, &bm, &gat));
		t1 = now_ns();
		cl[rep] = (t1 - t0) / (double)n;
		expect_count(f->name, "clean scan", popcount_bits(bits, n), 0);

		/* baseline, every leaf dirty, then nothing dirty */
		redirty(pt);
		memset(bits, 0, words * 8);
		bw_pass();
		t0 = now_ns();
		bl_harvest(&b, iova, len, true, &bm);
		t1 = now_ns();
		bdd[rep] = (t1 - t0) / (double)n;
		expect_count(f->name, "baseline dense harvest", popcount_bits(bits, n), n);
		memset(bits, 0, words * 8);
		bw_pass();
		t0 = now_ns();
		bl_harvest(&b, iova, len, true, &bm);
		t1 = now_ns();
		bcl[rep] = (t1 - t0) / (double)n;
		expect_count(f->name, "baseline clean scan", popcount_bits(bits, n), 0);

		/* NO_CLEAR over every leaf dirty */
		redirty(pt);
		memset(bits, 0, words * 8);
		bw_pass();
		t0 = now_ns();
		CHECK(genpt_read_and_clear_dirty(pt, iova, len, GENPT_DIRTY_NO_CLEAR, &bm, NULL));
		t1 = now_ns();
		nc[rep] = (t1 - t0) / (double)n;
		expect_count(f->name, "NO_CLEAR", popcount_bits(bits, n), n);
		memset(bits, 0, words * 8);
		bw_pass();
		t0 = now_ns();
		bl_harvest(&b, iova, len, false, &bm);
		t1 = now_ns();
		bnc[rep] = (t1 - t0) / (double)n;
		expect_count(f->name, "baseline NO_CLEAR", popcount_bits(bits, n), n);
		CHECK(genpt_read_and_clear_dirty(pt, iova, len, 0, NULL, &gat));
		CHECK(genpt_gather_release(pt, &gat));

		/* 1% dirty, written by the device (the reference walk) */
		touch_pages(pt, sparse, nsparse);
		memset(bits, 0, words * 8);
		bw_pass();
		t0 = now_ns();
		CHECK(genpt_read_and_clear_dirty(pt, iova, len, 0, &bm, &gat));
		t1 = now_ns();
		sp[rep] = (t1 - t0) / (double)n;
		expect_count(f->name, "1% harvest", popcount_bits(bits, n), nsparse);
		CHECK(genpt_gather_release(pt, &gat));
		touch_pages(pt, sparse, nsparse);
		memset(bits, 0, words * 8);
		bw_pass();
		t0 = now_ns();
		bl_harvest(&b, iova, len, true, &bm);
		t1 = now_ns();
		bsp[rep] = (t1 - t0) / (double)n;
		expect_count(f->name, "baseline 1% harvest", popcount_bits(bits, n), nsparse);
	}
	snprintf(sz, sizeof(sz), "%s x %s (%s of entries)", count_name(n, cnt, sizeof(cnt)),
		 size_name(g, gs, sizeof(gs)), size_name(n * 8, es, sizeof(es)));
	i = add_pair(f->name, "harvest, all dirty", sz, "ns/entry", dd, bdd, reps);
	set_floor(i, 8, 0);
	snprintf(figs[i].note, sizeof(figs[i].note), "targets: <= 1.5x floor, >= 3x baseline");
	i = add_pair(f->name, "harvest, 1% dirty", sz, "ns/entry", sp, bsp, reps);
	set_floor(i, 8, 0);
	i = add_pair(f->name, "harvest, none dirty", sz, "ns/entry", cl, bcl, reps);
	set_floor(i, 8, 0);
	snprintf(figs[i].note, sizeof(figs[i].note), "target: <= 1.2x floor");
	i = add_pair(f->name, "harvest NO_CLEAR, all dirty", sz, "ns/entry", nc, bnc, reps);
	set_floor(i, 8, 0);
	add_fig(f->name, "re-dirty (tracking off/on)", sz, "ns/entry", rd, reps);
	free(sparse);
	free(bits);
	genpt_destroy(pt);
}

/*
 * Large leaves recorded into a 4 KiB bitmap: every L1 block (and 1 GiB
 * leaf where the format has them) dirty, harvested into a bitmap of 4 KiB
 * pages.  The floor is the bitmap bytes written at the write bandwidth plus
 * the entries read at the read bandwidth.
 */
static void bench_large(const struct bfmt *f, unsigned int shift)
{
	struct genpt *pt = mk_table(f, true);
	const uint64_t leaf = 1ull << shift, span = z.large_span, n = span / leaf;
	/* oa one leaf off the next alignment: only leaves of this size */
	const uint64_t iova = 1ull << 45, oa = OA_BASE + leaf;
	const uint64_t nbits = span >> 12, words = nbits / 64;
	uint64_t *bits = xcalloc(words, 8);
	struct genpt_dirty_bitmap bm = { bits, iova, span, 12 };
	struct genpt_gather gat;
	const unsigned int reps = z.scan_reps;
	double v[MAX_REPS], bv[MAX_REPS];
	char sz[80], c[24], l[24], s[24];
	struct bl b;
	int i;

	genpt_gather_init(&gat);
	CHECK(genpt_map(pt, iova, oa, span, RW, NULL));
	b = bl_of(f, pt);
	for (unsigned int rep = 0; rep < reps; rep++) {
		double t0, t1;

		redirty(pt);
		memset(bits, 0, words * 8);
		bw_pass();
		t0 = now_ns();
		CHECK(genpt_read_and_clear_dirty(pt, iova, span, 0, &bm, &gat));
		t1 = now_ns();
		v[rep] = (t1 - t0) / (double)n;
		expect_count(f->name, "large-leaf harvest", popcount_bits(bits, nbits), nbits);
		CHECK(genpt_gather_release(pt, &gat));
		redirty(pt);
		memset(bits, 0, words * 8);
		bw_pass();
		t0 = now_ns();
		bl_harvest(&b, iova, span, true, &bm);
		t1 = now_ns();
		bv[rep] = (t1 - t0) / (double)n;
		expect_count(f->name, "baseline large-leaf harvest", popcount_bits(bits, nbits),
			     nbits);
	}
	snprintf(sz, sizeof(sz), "%s x %s, %s bitmap", count_name(n, c, sizeof(c)),
		 size_name(leaf, l, sizeof(l)), size_name(words * 8, s, sizeof(s)));
	i = add_pair(f->name, "harvest into a 4K bitmap, all dirty", sz, "ns/leaf", v, bv, reps);
	set_floor(i, 8, (double)(leaf >> 12) / 8);
	free(bits);
	genpt_destroy(pt);
}

/* ------------------------------------------------------ allocators -- */

#ifdef GENPT_BENCH_JEMALLOC
static void *je_alloc(void *ctx, size_t size, size_t align, uint64_t *pa)
{
	void *va;

	(void)ctx;
	if (!pa || !size || align < 4096 || (align & (align - 1)))
		return NULL;
	va = mallocx(size, MALLOCX_ALIGN(align) | MALLOCX_ZERO);
	if (va)
		*pa = (uint64_t)(uintptr_t)va;
	return va;
}

static void je_free(void *ctx, void *va, size_t size)
{
	(void)ctx;
	sdallocx(va, size, 0);
}

static void *je_phys_to_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

static const struct genpt_mem_ops je_mem_ops = {
	.alloc = je_alloc,
	.free = je_free,
	.phys_to_virt = je_phys_to_virt,
};
#endif

#ifdef GENPT_BENCH_JEMALLOC
/*
 * The C library's own allocator, even where jemalloc replaced malloc in this
 * process: the default provider of a program that does not link jemalloc.
 */
static void *(*libc_aligned_alloc)(size_t, size_t);
static void (*libc_free)(void *);

static void *libc_alloc(void *ctx, size_t size, size_t align, uint64_t *pa)
{
	void *va;

	(void)ctx;
	if (!pa || !size || align < 4096 || (align & (align - 1)))
		return NULL;
	va = libc_aligned_alloc(align, (size + align - 1) & ~(align - 1));
	if (!va)
		return NULL;
	memset(va, 0, size);
	*pa = (uint64_t)(uintptr_t)va;
	return va;
}

static void libc_free_page(void *ctx, void *va, size_t size)
{
	(void)ctx;
	(void)size;
	libc_free(va);
}

static void *libc_phys_to_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

static const struct genpt_mem_ops libc_mem_ops = {
	.alloc = libc_alloc,
	.free = libc_free_page,
	.phys_to_virt = libc_phys_to_virt,
};

static bool libc_lookup(void)
{
	void *h = dlopen("libc.so.6", RTLD_LAZY);
	void *a, *f;

	if (!h)
		return false;
	a = dlsym(h, "aligned_alloc");
	f = dlsym(h, "free");
	if (!a || !f)
		return false;
	memcpy(&libc_aligned_alloc, &a, sizeof(a));
	memcpy(&libc_free, &f, sizeof(f));
	return true;
}
#endif

struct allocator {
	const char *name;
	const struct genpt_mem_ops *ops;
	void *ctx;
};

/*
 * Table pages through each provider: a round of alloc_pages 4 KiB pages
 * (zeroed, aligned) then freeing them all, and the 1 GiB map of 4 KiB
 * pages (Sv48) whose tables come from the provider.
 */
static void bench_alloc(void)
{
	struct allocator al[4];
	unsigned int na = 0;
	const unsigned int reps = z.reps < 11 ? z.reps : 11;
	void **pages = xmalloc(z.alloc_pages * sizeof(*pages));
	struct genpt_physmem *pm = NULL;
	char sz[64], bs[24];

	al[na++] = (struct allocator){ "default provider", &genpt_host_mem_ops, NULL };
#ifdef GENPT_BENCH_JEMALLOC
	al[na++] = (struct allocator){ "jemalloc provider", &je_mem_ops, NULL };
	if (libc_lookup())
		al[na++] = (struct allocator){ "glibc provider", &libc_mem_ops, NULL };
#endif
	CHECK(genpt_physmem_create(1ull << 32, 4 * GiB, &pm));
	al[na++] = (struct allocator){ "genpt_physmem (buddy)", &genpt_physmem_ops, pm };

	for (unsigned int a = 0; a < na; a++) {
		double va_[MAX_REPS], vf[MAX_REPS], vm[MAX_REPS], vu[MAX_REPS];
		struct genpt_config cfg = { .format = GENPT_FMT_RISCV, .va_bits = 48,
					    .mem = al[a].ops, .mem_ctx = al[a].ctx };
		char op[96];

		/* rep 0 is a warm-up: later rounds reuse the memory the way a
		 * table that shrinks and grows again does */
		for (unsigned int rep = 0; rep <= reps; rep++) {
			double t0, t1, t2;
			uint64_t pa;

			t0 = now_ns();
			for (uint64_t k = 0; k < z.alloc_pages; k++) {
				pages[k] = al[a].ops->alloc(al[a].ctx, 4096, 4096, &pa);
				if (!pages[k])
					die("table page allocation", -ENOMEM);
			}
			t1 = now_ns();
			for (uint64_t k = 0; k < z.alloc_pages; k++)
				al[a].ops->free(al[a].ctx, pages[k], 4096);
			t2 = now_ns();
			if (rep) {
				va_[rep - 1] = (t1 - t0) / (double)z.alloc_pages;
				vf[rep - 1] = (t2 - t1) / (double)z.alloc_pages;
			}
		}
		snprintf(sz, sizeof(sz), "%" PRIu64 " x 4K", z.alloc_pages);
		snprintf(op, sizeof(op), "table page alloc: %s", al[a].name);
		add_fig("alloc", op, sz, "ns/page", va_, reps);
		snprintf(op, sizeof(op), "table page free: %s", al[a].name);
		add_fig("alloc", op, sz, "ns/page", vf, reps);

		for (unsigned int rep = 0; rep < reps; rep++) {
			struct genpt *pt = NULL;
			uint64_t got, len = z.big_map;
			double t0, t1, t2;

			CHECK(genpt_create(&cfg, &pt));
			t0 = now_ns();
			CHECK(genpt_map(pt, 64 * GiB, OA_BASE + 4096, len, RW, NULL));
			t1 = now_ns();
			CHECK(genpt_unmap(pt, 64 * GiB, len, NULL, &got));
			t2 = now_ns();
			genpt_destroy(pt);
			vm[rep] = (t1 - t0) / (double)(len >> 12);
			vu[rep] = (t2 - t1) / (double)(len >> 12);
		}
		snprintf(sz, sizeof(sz), "%s as 4K pages", size_name(z.big_map, bs, sizeof(bs)));
		snprintf(op, sizeof(op), "Sv48 map: %s", al[a].name);
		add_fig("alloc", op, sz, "ns/page", vm, reps);
		snprintf(op, sizeof(op), "Sv48 unmap: %s", al[a].name);
		add_fig("alloc", op, sz, "ns/page", vu, reps);
	}
	free(pages);
	genpt_physmem_destroy(pm);
}

/* ---------------------------------------------------- RISC-V IOMMU -- */

/*
 * The model's translate: device 1 translates through an Sv48 first stage
 * only, device 2 through the same first stage nested in an Sv48x4 G-stage
 * (which maps the table memory and the data range).  Hit: the same few
 * pages over and over; miss: a stream of distinct pages far larger than
 * the IOTLB (every one walks).
 */
static void bench_iommu(void)
{
	const uint64_t pm_base = 1ull << 32, pm_size = GiB;
	const uint64_t iova = 1ull << 30, gpa = 1ull << 36, spa = 1ull << 38;
	const uint64_t pages = z.iommu_ops < 65536 ? z.iommu_ops : 65536;
	const unsigned int reps = z.reps < 11 ? z.reps : 11;
	struct genpt_rviommu_config icfg = {
		.capabilities = GENPT_RVI_CAPS_MODEL & ~GENPT_RVI_CAP_MSI_FLAT,
	};
	struct genpt_physmem *pm;
	struct genpt_rviommu *iommu;
	struct genpt *s1, *s2;
	struct genpt_hw_info h1, h2;
	uint64_t ddt, *dc;
	struct genpt_config c1 = { .format = GENPT_FMT_RISCV, .va_bits = 48,
				   .mem = &genpt_physmem_ops };
	struct genpt_config c2 = { .format = GENPT_FMT_RISCV, .va_bits = 50,
				   .features = GENPT_FEAT_RISCV_GSTAGE,
				   .mem = &genpt_physmem_ops };

	CHECK(genpt_physmem_create(pm_base, pm_size, &pm));
	c1.mem_ctx = pm;
	c2.mem_ctx = pm;
	CHECK(genpt_rviommu_create(&icfg, &genpt_physmem_ops, pm, &iommu));
	CHECK(genpt_create(&c1, &s1));
	CHECK(genpt_create(&c2, &s2));
	/* first stage: iova -> gpa, 4K pages */
	CHECK(genpt_map(s1, iova, gpa + 4096, pages * 4096, GENPT_READ | GENPT_WRITE, NULL));
	/* G-stage: the table memory identity-mapped (1G leaf), gpa -> spa in 4K pages */
	CHECK(genpt_map(s2, pm_base, pm_base, pm_size, GENPT_READ | GENPT_WRITE, NULL));
	CHECK(genpt_map(s2, gpa, spa + 4096, (pages + 1) * 4096, GENPT_READ | GENPT_WRITE,
			NULL));
	CHECK(genpt_hw_info(s1, &h1));
	CHECK(genpt_hw_info(s2, &h2));
	/* a one-level DDT of base-format (32-byte) device contexts */
	CHECK(genpt_physmem_alloc(pm, 4096, 4096, &ddt));
	dc = genpt_physmem_ptr(pm, ddt);
	dc[4 * 1 + 1] = 0;                                             /* iohgatp Bare */
	dc[4 * 1 + 2] = GENPT_RVI_TA_PSCID(1);
	dc[4 * 1 + 3] = GENPT_RVI_ATP(GENPT_RVI_MODE_SV48, 0, h1.root_pa);
	dc[4 * 1 + 0] = GENPT_RVI_TC_V;
	dc[4 * 2 + 1] = GENPT_RVI_ATP(GENPT_RVI_MODE_SV48, 1, h2.root_pa); /* Sv48x4 */
	dc[4 * 2 + 2] = GENPT_RVI_TA_PSCID(2);
	dc[4 * 2 + 3] = GENPT_RVI_ATP(GENPT_RVI_MODE_SV48, 0, h1.root_pa);
	dc[4 * 2 + 0] = GENPT_RVI_TC_V;
	CHECK(genpt_rviommu_reg_write(iommu, GENPT_RVI_REG_DDTP, 8,
				      GENPT_RVI_PPN_OF(ddt) | GENPT_RVI_DDTP_1LVL));

	for (uint32_t dev = 1; dev <= 2; dev++) {
		double hit[MAX_REPS], miss[MAX_REPS];
		char sz[64];
		struct genpt_rviommu_stats st0, st1;

		for (unsigned int rep = 0; rep < reps; rep++) {
			struct genpt_rviommu_req rq = { .device_id = dev,
							.access = GENPT_ACCESS_READ };
			struct genpt_rviommu_rsp rs;
			uint64_t want;
			double t0, t1;

			/* miss: a stream of distinct pages */
			CHECK(genpt_rviommu_stats(iommu, &st0));
			t0 = now_ns();
			for (uint64_t k = 0; k < pages; k++) {
				rq.iova = iova + k * 4096 + 8;
				CHECK(genpt_rviommu_translate(iommu, &rq, &rs));
				/* gpa + 4K + page, and the G-stage adds spa + 4K - gpa */
				want = gpa + 4096 + k * 4096 + 8;
				if (dev == 2)
					want += spa + 4096 - gpa;
				if (rs.cause || rs.pa != want)
					die("IOMMU translation (stream)", -EIO);
			}
			t1 = now_ns();
			CHECK(genpt_rviommu_stats(iommu, &st1));
			if (pages >= 4096 && st1.iotlb_misses - st0.iotlb_misses < pages * 9 / 10)
				die("the IOTLB miss stream hit the IOTLB", -EIO);
			miss[rep] = (t1 - t0) / (double)pages;

			/* hit: 16 pages round and round */
			t0 = now_ns();
			for (uint64_t k = 0; k < z.iommu_ops; k++) {
				rq.iova = iova + (k & 15) * 4096;
				CHECK(genpt_rviommu_translate(iommu, &rq, &rs));
				if (rs.cause || (!rs.iotlb_hit && k >= 16))
					die("IOMMU translation (hit)", -EIO);
			}
			t1 = now_ns();
			hit[rep] = (t1 - t0) / (double)z.iommu_ops;
		}
		snprintf(sz, sizeof(sz), "16 pages, %s", dev == 1 ? "Sv48" : "Sv48 in Sv48x4");
		add_fig("riscv-iommu", dev == 1 ? "translate, IOTLB hit, one stage" :
						  "translate, IOTLB hit, two stages",
			sz, "ns/call", hit, reps);
		snprintf(sz, sizeof(sz), "%" PRIu64 " pages, %s", pages,
			 dev == 1 ? "Sv48" : "Sv48 in Sv48x4");
		add_fig("riscv-iommu", dev == 1 ? "translate, IOTLB miss, one stage" :
						  "translate, IOTLB miss, two stages",
			sz, "ns/call", miss, reps);
	}
	genpt_rviommu_destroy(iommu);
	genpt_destroy(s1);
	genpt_destroy(s2);
	CHECK(genpt_physmem_free(pm, ddt, 4096));
	genpt_physmem_destroy(pm);
}

/* --------------------------------------------------------- reporting -- */

static double fig_floor(const struct fig *g)
{
	double f = 0;

	if (isnan(g->rd_bytes))
		return NAN;
	f += g->rd_bytes / bwm.rd_gbs;
	if (g->wr_bytes > 0)
		f += g->wr_bytes / bwm.wr_gbs;
	return f;
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

static void print_table(void)
{
	const char *last = "";

	printf("\n%-12s %-38s %-26s %-9s %9s %17s %7s %7s %9s %7s\n", "format", "operation",
	       "size", "unit", "median", "[min..max]", "floor", "xfloor", "baseline",
	       "xbase");
	for (unsigned int i = 0; i < nfigs; i++) {
		const struct fig *g = &figs[i];
		char med[16], mn[16], mx[16], fl[16], xf[16], bs[16], xb[16], range[40];
		double floor = fig_floor(g);
		double base = g->base >= 0 ? figs[g->base].s.med : NAN;

		if (g->is_base)
			continue;
		if (strcmp(last, g->fmt)) {
			printf("\n");
			last = g->fmt;
		}
		fmt_num(med, sizeof(med), g->s.med);
		fmt_num(mn, sizeof(mn), g->s.min);
		fmt_num(mx, sizeof(mx), g->s.max);
		fmt_num(fl, sizeof(fl), floor);
		fmt_num(xf, sizeof(xf), g->s.med / floor);
		fmt_num(bs, sizeof(bs), base);
		fmt_num(xb, sizeof(xb), g->s.med / base);
		snprintf(range, sizeof(range), "[%s..%s]", mn, mx);
		printf("%-12s %-38s %-26s %-9s %9s %17s %7s %7s %9s %7s\n", g->fmt, g->op,
		       g->size, g->unit, med, range, fl, xf, bs, xb);
	}
	printf("\nfloor = bytes the operation must move per unit (8 per entry read; for\n"
	       "large leaves also the bitmap bytes written) at the bandwidth measured in\n"
	       "this run (read %.2f GB/s, write %.2f GB/s); xfloor = median / floor;\n"
	       "baseline = the recursive io-pgtable-arm style walk (harvest, lookups) or one\n"
	       "call per page (map/unmap), same table, same run; xbase = median / baseline\n"
	       "(below 1: genpt is faster).\n",
	       bwm.rd_gbs, bwm.wr_gbs);
}

/* A ratio against its target, "1.23x reached" or "... NOT reached". */
static void target_str(char *buf, size_t n, double v, double target, bool below,
		       const char *unit)
{
	bool ok = below ? v <= target : v >= target;

	snprintf(buf, n, "%.2f%s %s", v, unit, isnan(v) ? "-" : ok ? "reached" : "NOT reached");
}

/*
 * The targets, reached or not, per format.  The floors are the read floor
 * (8 bytes an entry at the read bandwidth) and, for a dense harvest that
 * cleans, also the read-modify-write floor (each entry read and written
 * back, at the speed of an in-place xor): cleaning must store every line it
 * reads, so that is the least such a harvest can cost.
 */
static void print_targets(void)
{
	printf("\ntargets (reported, never asserted; median over median floor):\n");
	printf("%-14s %24s %18s %24s %22s\n", "format", "dense <= 1.2x rd floor",
	       "dense / rmw floor", "clean <= 1.05x rd floor", "dense >= 3x baseline");
	for (unsigned int k = 0; k < NFMTS; k++) {
		const char *name = bfmts[k].name;
		double dense = NAN, rmw = NAN, clean = NAN, speed = NAN;
		char a[40], b[40], c[40];
		bool any = false;

		for (unsigned int i = 0; i < nfigs; i++) {
			const struct fig *g = &figs[i];

			if (strcmp(g->fmt, name) || g->is_base)
				continue;
			any = true;
			if (!strcmp(g->op, "harvest, all dirty")) {
				dense = g->s.med / fig_floor(g);
				rmw = g->s.med / (8.0 / bwm.rmw_gbs);
				speed = figs[g->base].s.med / g->s.med;
			} else if (!strcmp(g->op, "harvest, none dirty")) {
				clean = g->s.med / fig_floor(g);
			}
		}
		if (!any)
			continue;
		target_str(a, sizeof(a), dense, 1.2, true, "x");
		target_str(b, sizeof(b), clean, 1.05, true, "x");
		target_str(c, sizeof(c), speed, 3, false, "x");
		printf("%-14s %24s %17.2fx %24s %22s\n", name, a, rmw, b, c);
	}
}

static void json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

static void json_num(FILE *fp, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", fp);
	else
		fprintf(fp, "%.6g", v);
}

static void cpu_model(char *buf, size_t n)
{
	FILE *fp = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(buf, n, "unknown");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		char *c = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && c) {
			c++;
			while (*c == ' ' || *c == '\t')
				c++;
			c[strcspn(c, "\n")] = 0;
			snprintf(buf, n, "%s", c);
			break;
		}
	}
	fclose(fp);
}

static void loadavg(char *buf, size_t n)
{
	FILE *fp = fopen("/proc/loadavg", "r");

	snprintf(buf, n, "unknown");
	if (!fp)
		return;
	if (fgets(buf, (int)n, fp))
		buf[strcspn(buf, "\n")] = 0;
	fclose(fp);
}

static void write_json(const char *path, const char *cpu, const char *load0,
		       const char *load1, double secs)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "w") : stdout;
	struct utsname u;
	char date[64];
	time_t t = time(NULL);
	struct tm tm;

	if (!fp)
		die("fopen(--json)", -errno);
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	uname(&u);
	fprintf(fp, "{\n  \"machine\": {\"cpu\": ");
	json_str(fp, cpu);
	fprintf(fp, ", \"kernel\": ");
	json_str(fp, u.release);
	fprintf(fp, ", \"loadavg_start\": ");
	json_str(fp, load0);
	fprintf(fp, ", \"loadavg_end\": ");
	json_str(fp, load1);
	fprintf(fp, "},\n  \"build\": ");
	json_str(fp, GENPT_BENCH_BUILD);
	fprintf(fp, ",\n  \"date\": \"%s\", \"quick\": %s, \"seconds\": %.1f,\n", date,
		o.quick ? "true" : "false", secs);
	fprintf(fp, "  \"read_gbs\": %.3f, \"write_gbs\": %.3f, \"rmw_gbs\": %.3f,\n",
		bwm.rd_gbs, bwm.wr_gbs, bwm.rmw_gbs);
	fprintf(fp, "  \"records\": [\n");
	for (unsigned int i = 0; i < nfigs; i++) {
		const struct fig *g = &figs[i];
		double floor = fig_floor(g);
		double base = g->base >= 0 ? figs[g->base].s.med : NAN;
		double ratio = !isnan(floor) ? g->s.med / floor : g->s.med / base;

		fprintf(fp, "    {\"format\": ");
		json_str(fp, g->fmt);
		fprintf(fp, ", \"operation\": ");
		json_str(fp, g->op);
		fprintf(fp, ", \"size\": ");
		json_str(fp, g->size);
		fprintf(fp, ", \"unit\": ");
		json_str(fp, g->unit);
		fprintf(fp, ", \"median\": ");
		json_num(fp, g->s.med);
		fprintf(fp, ", \"min\": ");
		json_num(fp, g->s.min);
		fprintf(fp, ", \"max\": ");
		json_num(fp, g->s.max);
		fprintf(fp, ", \"ratio\": ");
		json_num(fp, g->is_base ? NAN : ratio);
		fprintf(fp, ", \"ratio_to\": %s", g->is_base ? "null" :
			!isnan(floor) ? "\"floor\"" : g->base >= 0 ? "\"baseline\"" : "null");
		fprintf(fp, ", \"floor\": ");
		json_num(fp, floor);
		fprintf(fp, ", \"baseline\": ");
		json_num(fp, base);
		fprintf(fp, ", \"vs_baseline\": ");
		json_num(fp, g->s.med / base);
		fprintf(fp, ", \"is_baseline\": %s", g->is_base ? "true" : "false");
		if (g->note[0]) {
			fprintf(fp, ", \"note\": ");
			json_str(fp, g->note);
		}
		fprintf(fp, "}%s\n", i + 1 < nfigs ? "," : "");
	}
	fprintf(fp, "  ]\n}\n");
	if (fp != stdout)
		fclose(fp);
}

/* -------------------------------------------------------------- main -- */

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--quick] [--format LIST] [--json FILE|-] [--reps N]\n"
		"          [--provider host|physmem|jemalloc] [--list] [--scan-only]\n"
		"LIST: comma-separated names or prefixes (--list), alloc, riscv-iommu, all\n",
		argv0);
	exit(2);
}

static bool selected(const char *name)
{
	const char *p = o.formats;

	if (!p || !strcmp(p, "all"))
		return true;
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n && !strncmp(name, p, n))
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

/* Every figure of one format configuration. */
static void run_format(const struct bfmt *f)
{
	if (!o.scan_only) {
		bench_small(f);
		bench_big_map(f);
	}
	bench_scan(f);
	if (!o.scan_only)
		bench_large(f, f->gshift + f->stride);
	if (f->l2_leaf && !o.scan_only)
		bench_large(f, f->gshift + 2 * f->stride);
	if (prov.pm) {
		uint64_t bytes, blocks;

		CHECK(genpt_physmem_stats(prov.pm, &bytes, &blocks));
		if (bytes || blocks)
			die("physmem not empty after the run", -EIO);
	}
}

/* What a format's child process hands back to the parent. */
struct handback {
	unsigned int nfigs, nrd, nwr;
	struct fig figs[MAX_FIGS];
	double rd[sizeof(bwm.rd) / sizeof(bwm.rd[0])];
	double wr[sizeof(bwm.wr) / sizeof(bwm.wr[0])];
};

/*
 * Run one format in a child process forked from the parent, which never
 * builds a table itself: every format starts from the same heap.  Run in
 * one process, a format inherits the heap the ones before it churned (they
 * freed hundreds of thousands of table pages), its tables come back
 * scattered, and its scans pay up to 1.5x for it - charged to whichever
 * format happens to run later.  Figures and bandwidth samples come back
 * through a shared mapping, at the indexes they had in the child.
 */
static void run_isolated(const struct bfmt *f)
{
	struct handback *hb = mmap(NULL, sizeof(*hb), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned int n0 = nfigs, r0 = bwm.nrd, w0 = bwm.nwr;
	int status;
	pid_t pid;

	if (hb == MAP_FAILED)
		die("mmap(handback)", -errno);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		die("fork", -errno);
	if (pid == 0) {
		run_format(f);
		hb->nfigs = nfigs - n0;
		memcpy(hb->figs, &figs[n0], hb->nfigs * sizeof(figs[0]));
		hb->nrd = bwm.nrd - r0;
		memcpy(hb->rd, &bwm.rd[r0], hb->nrd * sizeof(bwm.rd[0]));
		hb->nwr = bwm.nwr - w0;
		memcpy(hb->wr, &bwm.wr[w0], hb->nwr * sizeof(bwm.wr[0]));
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid", -errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die(f->name, -EIO);
	memcpy(&figs[n0], hb->figs, hb->nfigs * sizeof(figs[0]));
	nfigs = n0 + hb->nfigs;
	memcpy(&bwm.rd[r0], hb->rd, hb->nrd * sizeof(bwm.rd[0]));
	bwm.nrd = r0 + hb->nrd;
	memcpy(&bwm.wr[w0], hb->wr, hb->nwr * sizeof(bwm.wr[0]));
	bwm.nwr = w0 + hb->nwr;
	munmap(hb, sizeof(*hb));
}

int main(int argc, char **argv)
{
	double t_start = now_ns();
	char cpu[256], load0[128], load1[128];
	struct stat3 s;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			o.quick = true;
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			o.reps = (unsigned int)strtoul(argv[++i], NULL, 0);
			if (!o.reps || o.reps > MAX_REPS)
				usage(argv[0]);
		} else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			o.formats = argv[++i];
		} else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			o.json = argv[++i];
		} else if (!strcmp(argv[i], "--provider") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "physmem"))
				o.physmem = true;
#ifdef GENPT_BENCH_JEMALLOC
			else if (!strcmp(argv[i], "jemalloc"))
				prov.ops = &je_mem_ops; /* the provider before the pool */
#endif
			else if (strcmp(argv[i], "host"))
				usage(argv[0]);
		} else if (!strcmp(argv[i], "--scan-only")) {
			o.scan_only = true;
		} else if (!strcmp(argv[i], "--list")) {
			for (unsigned int k = 0; k < NFMTS; k++)
				printf("%-14s %s\n", bfmts[k].name, bfmts[k].desc);
			printf("%-14s %s\n", "cpu", "one atomic and-not per cold entry (the "
			       "cleaning floor)");
			printf("%-14s %s\n", "alloc", "table-page providers");
			printf("%-14s %s\n", "riscv-iommu", "the RISC-V IOMMU model's translate");
			return 0;
		} else {
			usage(argv[0]);
		}
	}
	if (o.quick)
		z = (struct sizes){ .regions = 2, .big_map = 16 * MiB, .scan_entries = 1u << 16,
				    .large_span = 16 * GiB, .lookups = 4096,
				    .bw_bytes = 8 * MiB, .alloc_pages = 1024,
				    .iommu_ops = 4096, .reps = 2, .scan_reps = 1 };
	else
		z = (struct sizes){ .regions = 64, .big_map = GiB, .scan_entries = 1u << 24,
				    .large_span = TiB, .lookups = 1u << 20,
				    .bw_bytes = 256 * MiB, .alloc_pages = 1u << 16,
				    .iommu_ops = 1u << 18, .reps = 15, .scan_reps = 5 };
	if (o.reps) {
		z.reps = o.reps;
		z.scan_reps = o.reps;
	}

	cpu_model(cpu, sizeof(cpu));
	loadavg(load0, sizeof(load0));
	printf("genpt_bench: %s run on %s (load average %s)\n",
	       o.quick ? "QUICK (smoke)" : "full", cpu, load0);
	printf("build: %s%s\n", GENPT_BENCH_BUILD,
	       BENCH_SANITIZED ? "; SANITIZER BUILD: times are meaningless" : "");
	printf("table memory: %s; reps %u (scans %u); harvest over %" PRIu64
	       " leaves (%" PRIu64 " KiB of entries)\n",
	       o.physmem ? "genpt_physmem" : prov.ops ? "jemalloc pages (mallocx)" : "host (default provider)", z.reps, z.scan_reps,
	       z.scan_entries, z.scan_entries * 8 / KiB);
	fflush(stdout);

	bw_init(z.bw_bytes);
	for (int i = 0; i < 5; i++)
		bw_pass();
	for (int i = 0; i < 5; i++)
		bw_write_pass();
	for (int i = 0; i < 5; i++)
		bw_rmw_pass();
	/* the write passes leave the buffer cached as dirty lines: read it */
	bw_pass();
	if (selected("cpu"))
		bench_atomic();

	if (o.physmem) {
		prov.base = 1ull << 32;
		CHECK(genpt_physmem_create(prov.base, o.quick ? GiB : 8 * GiB, &prov.pm));
		prov.delta = (uintptr_t)genpt_physmem_ptr(prov.pm, prov.base) -
			     (uintptr_t)prov.base;
	}
	for (unsigned int k = 0; k < NFMTS; k++) {
		const struct bfmt *f = &bfmts[k];
		double t0 = now_ns();

		if (!selected(f->name))
			continue;
		printf("%-14s ...", f->name);
		fflush(stdout);
		run_isolated(f);
		printf(" %.1f s\n", (now_ns() - t0) / 1e9);
		fflush(stdout);
	}
	if (prov.pm)
		genpt_physmem_destroy(prov.pm);
	if (selected("alloc")) {
		double t0 = now_ns();

		printf("%-14s ...", "alloc");
		fflush(stdout);
		bench_alloc();
		printf(" %.1f s\n", (now_ns() - t0) / 1e9);
	}
	if (selected("riscv-iommu")) {
		double t0 = now_ns();

		printf("%-14s ...", "riscv-iommu");
		fflush(stdout);
		bench_iommu();
		printf(" %.1f s\n", (now_ns() - t0) / 1e9);
	}
	for (int i = 0; i < 3; i++)
		bw_pass();
	for (int i = 0; i < 3; i++)
		bw_write_pass();
	for (int i = 0; i < 3; i++)
		bw_rmw_pass();

	s = stats(bwm.rd, bwm.nrd);
	bwm.rd_gbs = s.med;
	printf("\nsequential read bandwidth (sum of a %" PRIu64 " MiB buffer, %u passes): "
	       "median %.2f GB/s [%.2f..%.2f] = %.3f ns per 8-byte entry\n",
	       z.bw_bytes / MiB, bwm.nrd, s.med, s.min, s.max, 8.0 / s.med);
	s = stats(bwm.wr, bwm.nwr);
	bwm.wr_gbs = s.med;
	printf("sequential write bandwidth (memset of it, %u passes): median %.2f GB/s "
	       "[%.2f..%.2f]\n", bwm.nwr, s.med, s.min, s.max);
	s = stats(bwm.rmw, bwm.nrmw);
	bwm.rmw_gbs = s.med;
	printf("read-modify-write bandwidth (xor of it in place, %u passes): median %.2f GB/s "
	       "[%.2f..%.2f] = %.3f ns per 8-byte entry\n", bwm.nrmw, s.med, s.min, s.max,
	       8.0 / s.med);
	print_table();
	print_targets();
	loadavg(load1, sizeof(load1));
	printf("\nload average at the end: %s (2 vCPUs shared with other jobs: figures are "
	       "noisy)\ntotal run time %.1f s\n", load1, (now_ns() - t_start) / 1e9);
	if (o.json)
		write_json(o.json, cpu, load0, load1, (now_ns() - t_start) / 1e9);
	free(bwm.buf);
	return 0;
}
