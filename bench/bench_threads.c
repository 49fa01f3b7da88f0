// SPDX-License-Identifier: MIT
/*
 * bench/bench_threads.c - harvest and edits across threads, in one run
 * (docs/performance.md, "Harvest and edits across threads").
 *
 *   genpt_bench_threads [--quick] [--gib N] [--reps N] [--threads N] [--json FILE]
 *
 * On one RISC-V Sv48 table (the same shape in every format: 4 KiB leaf
 * tables of 512 entries) mapping N GiB (default 16: 4M entries, 32 MiB of
 * leaf tables) with 4 KiB pages, every page dirty:
 *  - the dense harvest by 1 thread, and by T threads over the shards of
 *    genpt_harvest_shards() (the cut is inside the timing), into one
 *    4 KiB bitmap;
 *  - the T-thread memory-read floor: T threads summing the same leaf
 *    tables (found from the root, split in T parts in address order);
 *  - the ratios: T threads against 1, and against the T-thread floor (and
 *    the same read by one thread, for the 1-thread harvest's ratio).
 * Every timed pass starts from a cold cache (a 512 MiB read evicts the
 * table) and every harvest is checked (all pages reported).  Then map and
 * unmap throughput: T threads each mapping and unmapping 4 KiB pages one
 * call at a time in their own 1 GiB range of the same table, against one
 * thread doing all of it.  Figures are the median of --reps repetitions
 * (min and max given); the load average is printed before and after,
 * because on a shared machine other processes take cores away.
 *
 * The threads are made once and wait on a barrier between passes, so
 * thread start-up is not in the figures.  --quick (the ctest smoke test)
 * shrinks everything and checks the results, never a time.
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "genpt/genpt.h"

#define BENCH_NAME "genpt_bench_threads"
#include "bench_die_clock.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define MAX_T 16
#define MAX_REPS 64
#define IOVA (1ull << 40)
#define OA_BASE (1ull << 41)
#define RW (GENPT_READ | GENPT_WRITE)

/* CPU time of the calling thread: what a pass costs whatever else runs. */
static double cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

/* ------------------------------------------------------------ options -- */

static struct {
	uint64_t gib;
	unsigned int reps, threads;
	bool quick;
	const char *json;
	uint64_t evict_bytes, map_pages;
	bool physmem; /* --provider physmem: tables in a genpt_physmem */
} opt = { 16, 7, 2, false, NULL, 512 * MiB, 1u << 18, false };

static void parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--quick")) {
			opt.quick = true;
			opt.gib = 1;
			opt.reps = 3;
			opt.evict_bytes = 8 * MiB;
			opt.map_pages = 1u << 12;
		} else if (!strcmp(a, "--gib") && v) {
			opt.gib = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(a, "--reps") && v) {
			opt.reps = (unsigned int)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(a, "--threads") && v) {
			opt.threads = (unsigned int)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(a, "--json") && v) {
			opt.json = argv[++i];
		} else if (!strcmp(a, "--provider") && v &&
			   (!strcmp(v, "host") || !strcmp(v, "physmem"))) {
			opt.physmem = !strcmp(argv[++i], "physmem");
		} else {
			fprintf(stderr, "usage: genpt_bench_threads [--quick] [--gib N] [--reps N]"
					" [--threads N] [--json FILE] [--provider host|physmem]\n");
			exit(2);
		}
	}
	if (!opt.gib || opt.gib > 256 || !opt.reps || opt.reps > MAX_REPS ||
	    opt.threads < 2 || opt.threads > MAX_T) {
		fprintf(stderr, "genpt_bench_threads: --gib 1..256, --reps 1..64, --threads 2..16\n");
		exit(2);
	}
}

/* ------------------------------------------------------ leaf tables -- */

/*
 * The tables come from the default provider (genpt_host_mem_ops: table
 * pages packed in 2 MiB chunks, physical address = host address), what
 * users get, or with --provider physmem from a genpt_physmem; the floor
 * reads exactly the leaf tables the harvest reads: found by walking
 * the RISC-V Sv48 entries from genpt_hw_info()'s root, decoded from the
 * privileged spec here (V = bit 0, R/W/X = bits 1..3, none of them in a
 * pointer to the next level; PPN = bits 10..53).
 */
struct leaves {
	struct genpt_physmem *pm;
	const uint64_t **t;   /* the leaf tables (512 entries each) */
	size_t n, cap;
};

static void leaves_walk(struct leaves *l, uint64_t pa, unsigned int lvl)
{
	const uint64_t *tb = l->pm ? genpt_physmem_ptr(l->pm, pa)
				   : (const uint64_t *)(uintptr_t)pa;

	if (!tb)
		die("a table outside the physmem", -EFAULT);
	if (!lvl) {
		if (l->n == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 1024;
			l->t = realloc(l->t, l->cap * sizeof(*l->t));
			if (!l->t)
				die("realloc", -ENOMEM);
		}
		l->t[l->n++] = tb;
		return;
	}
	for (unsigned int i = 0; i < 512; i++)
		if ((tb[i] & 0xf) == 1) /* valid, not a leaf: the next table */
			leaves_walk(l, ((tb[i] >> 10) & ((1ull << 44) - 1)) << 12, lvl - 1);
}

/* --------------------------------------------------------------- pool -- */

/*
 * T - 1 workers and the caller run job(arg, i) for i < T, then meet.
 * Between passes the workers sleep on a barrier; pool_arm(), before a
 * pass's clock starts, wakes them and waits until each spins on the start
 * flag, so waking a halted vCPU (an interrupt through the hypervisor,
 * often longer than a whole 4 Mi-entry harvest here) is not in the
 * figures: a VMM keeps its harvest threads ready for the downtime too.
 */
struct pool {
	pthread_t th[MAX_T];
	pthread_barrier_t go;
	unsigned int t;
	void (*job)(void *arg, unsigned int i);
	void *arg;
	bool quit;
	unsigned int armed, fire, done; /* atomics */
	double cpu[MAX_T];   /* each thread's CPU time in the last job */
};

struct worker {
	struct pool *p;
	unsigned int i;
};

static struct worker workers[MAX_T];

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void spin_until(const unsigned int *v, unsigned int want)
{
	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) < want)
		cpu_relax();
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->p;

	for (;;) {
		pthread_barrier_wait(&p->go);
		if (p->quit)
			return NULL;
		__atomic_add_fetch(&p->armed, 1, __ATOMIC_RELEASE);
		spin_until(&p->fire, 1);
		p->cpu[w->i] = cpu_ns();
		p->job(p->arg, w->i);
		p->cpu[w->i] = cpu_ns() - p->cpu[w->i];
		__atomic_add_fetch(&p->done, 1, __ATOMIC_RELEASE);
	}
}

static void pool_start(struct pool *p, unsigned int t)
{
	p->t = t;
	pthread_barrier_init(&p->go, NULL, t);
	for (unsigned int i = 1; i < t; i++) {
		workers[i] = (struct worker){ p, i };
		if (pthread_create(&p->th[i], NULL, worker_main, &workers[i]))
			die("pthread_create", -EAGAIN);
	}
}

/* Untimed: every worker awake and spinning, ready for pool_run(). */
static void pool_arm(struct pool *p)
{
	p->armed = p->fire = p->done = 0;
	pthread_barrier_wait(&p->go);
	spin_until(&p->armed, p->t - 1);
}

/* Run @job on every thread of @p (armed); returns when all are done, with
 * the most CPU time one thread spent in it (the critical path). */
static double pool_run(struct pool *p, void (*job)(void *, unsigned int), void *arg)
{
	double most = 0;

	p->job = job;
	p->arg = arg;
	__atomic_store_n(&p->fire, 1, __ATOMIC_RELEASE);
	p->cpu[0] = cpu_ns();
	job(arg, 0);
	p->cpu[0] = cpu_ns() - p->cpu[0];
	spin_until(&p->done, p->t - 1);
	for (unsigned int i = 0; i < p->t; i++)
		most = p->cpu[i] > most ? p->cpu[i] : most;
	return most;
}

static void pool_stop(struct pool *p)
{
	p->quit = true;
	pthread_barrier_wait(&p->go);
	for (unsigned int i = 1; i < p->t; i++)
		pthread_join(p->th[i], NULL);
	pthread_barrier_destroy(&p->go);
}

/* ------------------------------------------------------------ figures -- */

struct fig {
	const char *name;
	const char *unit;
	double v[MAX_REPS];
	double med, min, max;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void fig_done(struct fig *f, unsigned int reps)
{
	double s[MAX_REPS];

	memcpy(s, f->v, reps * sizeof(double));
	qsort(s, reps, sizeof(double), cmp_double);
	f->min = s[0];
	f->max = s[reps - 1];
	f->med = reps % 2 ? s[reps / 2] : (s[reps / 2 - 1] + s[reps / 2]) / 2;
}

static void loadavg(char *buf, size_t n)
{
	FILE *f = fopen("/proc/loadavg", "r");

	buf[0] = 0;
	if (f) {
		if (!fgets(buf, (int)n, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
}

/* ------------------------------------------------------------ harvest -- */

struct hv {
	struct genpt *pt;
	struct leaves lv;
	uint64_t len, npages;
	uint64_t *bits;
	struct genpt_dirty_bitmap bm;
	struct genpt_shard sh[MAX_T];
	int nsh;
	size_t part[MAX_T + 1];   /* floor: thread i reads leaf tables part[i]..part[i+1] */
	uint64_t sink[MAX_T * 8]; /* one cache line each */
	volatile uint64_t evict_sink;
	uint64_t *evict;
};

static void evict(struct hv *h)
{
	uint64_t s = 0;

	for (uint64_t i = 0; i < opt.evict_bytes / 8; i += 8)
		s += h->evict[i];
	h->evict_sink = s;
}

static void harvest_job(void *arg, unsigned int i)
{
	struct hv *h = arg;
	struct genpt_gather g;

	if ((int)i >= h->nsh)
		return;
	genpt_gather_init(&g);
	CHECK(genpt_read_and_clear_dirty(h->pt, h->sh[i].iova, h->sh[i].len, 0, &h->bm, &g));
	CHECK(genpt_gather_release(h->pt, &g));
}

/* Sum the table pages of part @i: the read the harvest cannot avoid. */
static void floor_job(void *arg, unsigned int i)
{
	struct hv *h = arg;
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;

	for (size_t b = h->part[i]; b < h->part[i + 1]; b++) {
		const uint64_t *p = h->lv.t[b];

		for (size_t k = 0; k < 512; k += 4) {
			s0 += p[k];
			s1 += p[k + 1];
			s2 += p[k + 2];
			s3 += p[k + 3];
		}
	}
	h->sink[i * 8] = s0 + s1 + s2 + s3;
}

/*
 * Read every line of the tables of part @i and write it back unchanged:
 * the bytes a dense harvest must move (each line read, each line written
 * back dirty), with no work per entry.  Volatile vector accesses, so the
 * compiler keeps every load and store.  Nothing else touches the tables
 * while it runs.
 */
typedef uint64_t bt_v4 __attribute__((vector_size(32)));

static void rmw_job(void *arg, unsigned int i)
{
	struct hv *h = arg;

	for (size_t b = h->part[i]; b < h->part[i + 1]; b++) {
		volatile bt_v4 *p = (volatile bt_v4 *)(uintptr_t)h->lv.t[b];

		for (size_t k = 0; k < 512 / 4; k++)
			p[k] = p[k];
	}
}

/* The leaf tables in @t parts, in table order. */
static void floor_parts(struct hv *h, unsigned int t)
{
	struct genpt_hw_info info;

	CHECK(genpt_hw_info(h->pt, &info));
	h->lv.n = 0;
	leaves_walk(&h->lv, info.root_pa, info.levels - 1);
	if (h->lv.n != h->npages / 512)
		die("the leaf tables found", -EIO);
	for (unsigned int k = 0; k <= t; k++)
		h->part[k] = h->lv.n * k / t;
}

static uint64_t popcount(const uint64_t *w, uint64_t n)
{
	uint64_t c = 0;

	for (uint64_t i = 0; i < n; i++)
		c += (uint64_t)__builtin_popcountll(w[i]);
	return c;
}

/* One timed pass of every leaf dirty, harvested by @t threads of @p;
 * *@cpu: the CPU time of the cut and of the slowest thread. */
static double harvest_pass(struct hv *h, struct pool *p, unsigned int t, double *cpu)
{
	uint64_t words = (h->npages + 63) / 64;
	double t0, t1, c0;

	CHECK(genpt_set_dirty_tracking(h->pt, false)); /* every leaf dirty */
	CHECK(genpt_set_dirty_tracking(h->pt, true));
	memset(h->bits, 0, words * 8);
	evict(h);
	if (t > 1)
		pool_arm(p);
	t0 = now_ns();
	c0 = cpu_ns();
	if (t == 1) {
		h->nsh = 1;
		h->sh[0] = (struct genpt_shard){ IOVA, h->len, 0 };
		harvest_job(h, 0);
		*cpu = cpu_ns() - c0;
	} else {
		h->nsh = genpt_harvest_shards(h->pt, IOVA, h->len, &h->bm, h->sh, t);
		if (h->nsh < 1)
			die("genpt_harvest_shards", h->nsh);
		*cpu = cpu_ns() - c0; /* the cut, then the slowest thread */
		*cpu += pool_run(p, harvest_job, h);
	}
	t1 = now_ns();
	*cpu /= (double)h->npages;
	if ((unsigned int)h->nsh != t || popcount(h->bits, words) != h->npages)
		die("the harvest (shards or pages reported)", -EIO);
	return (t1 - t0) / (double)h->npages;
}

/* The same read by the calling thread alone. */
static double floor1_pass(struct hv *h, double *cpu)
{
	double t0, c0;

	evict(h);
	t0 = now_ns();
	c0 = cpu_ns();
	for (unsigned int i = 0; i < opt.threads; i++)
		floor_job(h, i);
	*cpu = (cpu_ns() - c0) / (double)h->npages;
	return (now_ns() - t0) / (double)h->npages;
}

static double floor_pass(struct hv *h, struct pool *p, double *cpu,
			 void (*job)(void *, unsigned int))
{
	double t0;

	evict(h);
	pool_arm(p);
	t0 = now_ns();
	*cpu = pool_run(p, job, h) / (double)h->npages;
	return (now_ns() - t0) / (double)h->npages;
}

/* ----------------------------------------------------------- map/unmap -- */

struct mu {
	struct genpt *pt;
	unsigned int t;    /* ranges */
	bool one;          /* thread 0 does every range */
	bool unmap;
};

static uint64_t mu_base(unsigned int r)
{
	return IOVA + 64 * GiB + (uint64_t)r * GiB;
}

/* Map (or unmap) range @r one 4 KiB page per call. */
static void mu_range(struct genpt *pt, unsigned int r, bool unmap)
{
	uint64_t va = mu_base(r), got;

	for (uint64_t k = 0; k < opt.map_pages; k++, va += 4 * KiB) {
		if (unmap) {
			CHECK(genpt_unmap(pt, va, 4 * KiB, NULL, &got));
			if (got != 4 * KiB)
				die("genpt_unmap (bytes)", -EIO);
		} else {
			CHECK(genpt_map(pt, va, OA_BASE + va, 4 * KiB, RW, NULL));
		}
	}
}

static void mu_job(void *arg, unsigned int i)
{
	struct mu *m = arg;

	if (!m->one) {
		mu_range(m->pt, i, m->unmap);
		return;
	}
	for (unsigned int r = 0; i == 0 && r < m->t; r++)
		mu_range(m->pt, r, m->unmap);
}

/* ns per page of mapping, then of unmapping, T ranges by 1 or T threads:
 * wall time in @v[0], @v[1], the slowest thread's CPU time in @v[2], @v[3]. */
static void mu_pass(struct genpt *pt, struct pool *p, bool one, double *v[4])
{
	struct mu m = { pt, p->t, one, false };
	double pages = (double)opt.map_pages * p->t, t0;

	pool_arm(p);
	t0 = now_ns();
	*v[2] = pool_run(p, mu_job, &m) / pages;
	*v[0] = (now_ns() - t0) / pages;
	m.unmap = true;
	pool_arm(p);
	t0 = now_ns();
	*v[3] = pool_run(p, mu_job, &m) / pages;
	*v[1] = (now_ns() - t0) / pages;
}

/* -------------------------------------------------------- the cores -- */

/*
 * What the machine gives T threads, measured beside the figures: the same
 * number of steps of pure register arithmetic (no memory), by one thread
 * and split across T.  On a VM whose vCPUs the host shares, T threads can
 * get much less than T cores, and nothing in the guest shows it (the
 * thread CPU clock runs while the host has the vCPU descheduled): this is
 * the scaling any code could have had in that run.
 */
#define SPIN_STEPS (6u << 25)
#if defined(__GNUC__)
#define PT_UNROLL6 _Pragma("GCC unroll 6")
#else
#define PT_UNROLL6
#endif

struct spin {
	unsigned int parts;
	volatile uint64_t sink[MAX_T];
};

static void spin_job(void *arg, unsigned int i)
{
	struct spin *s = arg;
	uint64_t x[6];

	/* Six independent chains: enough to fill one core's ALUs, so two
	 * vCPUs the host runs on the two hardware threads of one core show
	 * about 1x here, where one dependent chain would still show 2x. */
	for (unsigned int c = 0; c < 6; c++)
		x[c] = 0x9e3779b97f4a7c15ull * (i * 6 + c + 1);
	for (unsigned int k = 0; k < SPIN_STEPS / s->parts; k += 6) {
		PT_UNROLL6
		for (unsigned int c = 0; c < 6; c++) {
			x[c] ^= x[c] << 13;
			x[c] ^= x[c] >> 7;
			x[c] ^= x[c] << 17;
		}
	}
	s->sink[i] = x[0] ^ x[1] ^ x[2] ^ x[3] ^ x[4] ^ x[5];
}

static double spin_pass(struct pool *p, unsigned int t, double *cpu)
{
	struct spin s = { .parts = t };
	double t0, t1;

	if (t > 1)
		pool_arm(p);
	t0 = now_ns();
	if (t == 1) {
		double c0 = cpu_ns();

		spin_job(&s, 0);
		*cpu = (cpu_ns() - c0) / SPIN_STEPS;
	} else {
		*cpu = pool_run(p, spin_job, &s) / SPIN_STEPS;
	}
	t1 = now_ns();
	return (t1 - t0) / SPIN_STEPS;
}

/* --------------------------------------------------------------- main -- */

/* Wall-clock figures, then the same as CPU time of the slowest thread
 * (F_CPU + i): on a machine whose cores other jobs take, the wall clock
 * of T threads says little; their CPU time says what the pass costs when
 * the cores are free. */
enum { F_H1, F_HT, F_FLOOR, F_M1, F_MT, F_U1, F_UT, F_FLOOR1, F_S1, F_ST, F_RMW,
       F_CPU, F_N = 2 * F_CPU };

static struct fig figs[F_N] = {
	[F_H1] = { .name = "dense harvest, 1 thread", .unit = "ns/entry" },
	[F_HT] = { .name = "dense harvest, T threads (shards)", .unit = "ns/entry" },
	[F_FLOOR] = { .name = "read floor, T threads (same leaf tables)", .unit = "ns/entry" },
	[F_M1] = { .name = "map 4K, 1 call per page, 1 thread", .unit = "ns/page" },
	[F_MT] = { .name = "map 4K, 1 call per page, T threads", .unit = "ns/page" },
	[F_U1] = { .name = "unmap 4K, 1 call per page, 1 thread", .unit = "ns/page" },
	[F_UT] = { .name = "unmap 4K, 1 call per page, T threads", .unit = "ns/page" },
	[F_FLOOR1] = { .name = "read floor, 1 thread (same leaf tables)", .unit = "ns/entry" },
	[F_S1] = { .name = "arithmetic only, 1 thread", .unit = "ns/step" },
	[F_ST] = { .name = "arithmetic only, T threads", .unit = "ns/step" },
	[F_RMW] = { .name = "read-modify-write floor, T threads", .unit = "ns/entry" },
	[F_CPU + F_H1] = { .name = "CPU: dense harvest, 1 thread", .unit = "ns/entry" },
	[F_CPU + F_HT] = { .name = "CPU: dense harvest, T threads (shards)", .unit = "ns/entry" },
	[F_CPU + F_FLOOR] = { .name = "CPU: read floor, T threads", .unit = "ns/entry" },
	[F_CPU + F_M1] = { .name = "CPU: map 4K, 1 call per page, 1 thread", .unit = "ns/page" },
	[F_CPU + F_MT] = { .name = "CPU: map 4K, 1 call per page, T threads", .unit = "ns/page" },
	[F_CPU + F_U1] = { .name = "CPU: unmap 4K, 1 call per page, 1 thread", .unit = "ns/page" },
	[F_CPU + F_UT] = { .name = "CPU: unmap 4K, 1 call per page, T threads", .unit = "ns/page" },
	[F_CPU + F_FLOOR1] = { .name = "CPU: read floor, 1 thread", .unit = "ns/entry" },
	[F_CPU + F_S1] = { .name = "CPU: arithmetic only, 1 thread", .unit = "ns/step" },
	[F_CPU + F_ST] = { .name = "CPU: arithmetic only, T threads", .unit = "ns/step" },
	[F_CPU + F_RMW] = { .name = "CPU: read-modify-write floor, T threads", .unit = "ns/entry" },
};

/* The three ratios the targets are about, from the figures at @o (0:
 * wall clock, F_CPU: CPU time). */
static void ratios(unsigned int o, double r[3])
{
	r[0] = figs[o + F_H1].med / figs[o + F_HT].med;
	r[1] = figs[o + F_HT].med / figs[o + F_FLOOR].med;
	r[2] = (figs[o + F_M1].med + figs[o + F_U1].med) /
	       (figs[o + F_MT].med + figs[o + F_UT].med);
}

static void setup(struct hv *h)
{
	struct genpt_config cfg = { .format = GENPT_FMT_RISCV, .va_bits = 48,
				    .mem = &genpt_physmem_ops };

	h->len = opt.gib * GiB;
	/* Room for the tables of the harvest's range and the map threads'. */
	if (opt.physmem) {
		CHECK(genpt_physmem_create(1ull << 32, opt.gib * 4 * MiB + 256 * MiB,
					   &h->lv.pm));
		cfg.mem_ctx = h->lv.pm;
	} else {
		cfg.mem = NULL; /* the default provider */
	}
	h->npages = h->len / (4 * KiB);
	h->bits = calloc((h->npages + 63) / 64, 8);
	h->evict = malloc(opt.evict_bytes);
	if (!h->bits || !h->evict)
		die("malloc", -ENOMEM);
	memset(h->evict, 1, opt.evict_bytes);
	h->bm = (struct genpt_dirty_bitmap){ h->bits, IOVA, h->len, 12 };
	CHECK(genpt_create(&cfg, &h->pt));
	CHECK(genpt_set_dirty_tracking(h->pt, true));
	/* oa one page off a 2 MiB boundary: 4 KiB leaves only. */
	CHECK(genpt_map(h->pt, IOVA, OA_BASE + 4 * KiB, h->len, RW, NULL));
}

static void print_fig(FILE *out, const struct fig *f, bool json, bool last)
{
	if (json) {
		fprintf(out, "    {\"operation\": \"%s\", \"unit\": \"%s\", \"median\": %.4f,"
			     " \"min\": %.4f, \"max\": %.4f}%s\n",
			f->name, f->unit, f->med, f->min, f->max, last ? "" : ",");
		return;
	}
	fprintf(out, "%-44s %9.3f %-9s (min %.3f, max %.3f)\n", f->name, f->med, f->unit,
		f->min, f->max);
}

static void report(FILE *out, bool json, const char *la0, const char *la1)
{
	double w[3], c[3];

	ratios(0, w);
	ratios(F_CPU, c);
	if (json)
		fprintf(out, "{\n  \"threads\": %u, \"gib\": %llu, \"reps\": %u,\n"
			     "  \"loadavg_before\": \"%s\", \"loadavg_after\": \"%s\",\n"
			     "  \"harvest_speedup\": %.3f, \"harvest_vs_floor\": %.3f,"
			     " \"map_unmap_speedup\": %.3f,\n"
			     "  \"cpu_harvest_speedup\": %.3f, \"cpu_harvest_vs_floor\": %.3f,"
			     " \"cpu_map_unmap_speedup\": %.3f,\n  \"arith_speedup\": %.3f,"
			     " \"floor_speedup\": %.3f,\n  \"records\": [\n",
			opt.threads, (unsigned long long)opt.gib, opt.reps, la0, la1, w[0], w[1],
			w[2], c[0], c[1], c[2], figs[F_S1].med / figs[F_ST].med,
			figs[F_FLOOR1].med / figs[F_FLOOR].med);
	for (unsigned int i = 0; i < F_N; i++)
		print_fig(out, &figs[i], json, i == F_N - 1);
	if (json) {
		fprintf(out, "  ]\n}\n");
		return;
	}
	fprintf(out, "\nT = %u threads; medians of %u repetitions\n", opt.threads, opt.reps);
	fprintf(out, "                                wall   CPU of the slowest thread\n");
	fprintf(out, "harvest, T threads vs 1:       %5.2fx %5.2fx  (target >= 1.7x with 2)\n",
		w[0], c[0]);
	fprintf(out, "harvest, T threads vs T floor: %5.2fx %5.2fx  (target <= 1.3x)\n", w[1], c[1]);
	fprintf(out, "harvest, 1 thread vs 1 floor:  %5.2fx %5.2fx\n",
		figs[F_H1].med / figs[F_FLOOR1].med,
		figs[F_CPU + F_H1].med / figs[F_CPU + F_FLOOR1].med);
	fprintf(out, "map+unmap, T threads vs 1:     %5.2fx %5.2fx  (target >= 1.6x with 2)\n",
		w[2], c[2]);
	fprintf(out, "harvest, T threads vs T rmw:   %5.2fx %5.2fx  (the same bytes read and written back)\n",
		figs[F_HT].med / figs[F_RMW].med, figs[F_CPU + F_HT].med / figs[F_CPU + F_RMW].med);
	fprintf(out, "read floor, T threads vs 1:    %5.2fx %5.2fx  (what memory gave this run)\n",
		figs[F_FLOOR1].med / figs[F_FLOOR].med,
		figs[F_CPU + F_FLOOR1].med / figs[F_CPU + F_FLOOR].med);
	fprintf(out, "arithmetic, T threads vs 1:    %5.2fx %5.2fx  (what the cores gave this run)\n",
		figs[F_S1].med / figs[F_ST].med, figs[F_CPU + F_S1].med / figs[F_CPU + F_ST].med);
	fprintf(out, "load average before: %s\nload average after:  %s\n", la0, la1);
}

int main(int argc, char **argv)
{
	static struct hv h;
	struct pool p = { 0 };
	char la0[128], la1[128];

	parse(argc, argv);
	loadavg(la0, sizeof(la0));
	setup(&h);
	pool_start(&p, opt.threads);
	floor_parts(&h, opt.threads);
	printf("genpt_bench_threads: RISC-V Sv48, %llu GiB of 4 KiB pages (%llu entries, "
	       "%zu leaf tables, %s), %u threads, %u reps\n",
	       (unsigned long long)opt.gib, (unsigned long long)h.npages, h.lv.n,
	       opt.physmem ? "genpt_physmem" : "default provider", opt.threads, opt.reps);
	for (unsigned int rep = 0; rep < opt.reps; rep++) {
		/* Interleaved, so a change of load hits every figure alike. */
		figs[F_H1].v[rep] = harvest_pass(&h, &p, 1, &figs[F_CPU + F_H1].v[rep]);
		figs[F_HT].v[rep] = harvest_pass(&h, &p, opt.threads, &figs[F_CPU + F_HT].v[rep]);
		figs[F_FLOOR].v[rep] = floor_pass(&h, &p, &figs[F_CPU + F_FLOOR].v[rep],
						  floor_job);
		figs[F_RMW].v[rep] = floor_pass(&h, &p, &figs[F_CPU + F_RMW].v[rep], rmw_job);
		figs[F_FLOOR1].v[rep] = floor1_pass(&h, &figs[F_CPU + F_FLOOR1].v[rep]);
		figs[F_S1].v[rep] = spin_pass(&p, 1, &figs[F_CPU + F_S1].v[rep]);
		figs[F_ST].v[rep] = spin_pass(&p, opt.threads, &figs[F_CPU + F_ST].v[rep]);
		mu_pass(h.pt, &p, true, (double *[4]){ &figs[F_M1].v[rep], &figs[F_U1].v[rep],
						       &figs[F_CPU + F_M1].v[rep],
						       &figs[F_CPU + F_U1].v[rep] });
		mu_pass(h.pt, &p, false, (double *[4]){ &figs[F_MT].v[rep], &figs[F_UT].v[rep],
							&figs[F_CPU + F_MT].v[rep],
							&figs[F_CPU + F_UT].v[rep] });
	}
	loadavg(la1, sizeof(la1));
	for (unsigned int i = 0; i < F_N; i++)
		fig_done(&figs[i], opt.reps);
	report(stdout, false, la0, la1);
	if (opt.json) {
		FILE *f = fopen(opt.json, "w");

		if (!f)
			die("fopen --json", -errno);
		report(f, true, la0, la1);
		fclose(f);
	}
	pool_stop(&p);
	genpt_destroy(h.pt);
	if (h.lv.pm)
		genpt_physmem_destroy(h.lv.pm);
	free(h.lv.t);
	free(h.bits);
	free(h.evict);
	return 0;
}
