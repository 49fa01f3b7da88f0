// SPDX-License-Identifier: MIT
/*
 * harvest_sweep.c - what a VMM sizes live migration by: the time one
 * dirty harvest (genpt_read_and_clear_dirty over the whole guest) takes,
 * measured against guest size and against the share of pages the devices
 * dirtied, on the RISC-V G-stage table (Sv48x4, the live-migration table).
 *
 *   genpt_harvest_sweep [--quick] [--reps N] [--json FILE]
 *
 * Guests of 1..64 GiB mapped with 4 KiB leaves (the worst case: one entry
 * per page) at 0, 1, 10 and 100 % dirty, and with 2 MiB leaves all dirty;
 * then, at 8 GiB, dirty shares from 0.1 % to 100 %.  Dirty pages are
 * chosen by a hash of the page number (scattered, as DMA is), marked the
 * way hardware marks them (genpt_hw_access writes, tracking on; 100 %: the
 * switch off and on again, which marks every leaf).  Each figure is the
 * median of --reps harvests (5), with the minimum and maximum; only the
 * harvest is timed, in the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so
 * that other processes on a shared machine do not inflate long harvests
 * more than short ones.  Public API only (genpt.h, hw.h).  --quick (the ctest
 * smoke test) stops at 64 MiB and checks every result, never a time.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "genpt/genpt.h"
#include "genpt/hw.h"

#define GIB (1ull << 30)
#define OA_BASE (1ull << 40)

struct opts {
	bool quick;
	unsigned int reps;
	const char *json;
};

struct point {
	double guest_gib, dirty_pct;
	unsigned int leaf_shift;
	double med, min, max; /* ms */
};

#define MAX_POINTS 64
static struct point pts[MAX_POINTS];
static unsigned int npts;

static void die(const char *what, int err)
{
	fprintf(stderr, "genpt_harvest_sweep: %s: %d\n", what, err);
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;

	/* The thread's CPU time: on a shared machine the wall clock also
	 * counts the slices other processes ran in. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Page @i is among the @pct % dirty ones (a hash: scattered, repeatable). */
static bool page_dirty(uint64_t i, double pct)
{
	uint64_t h = i * 0x9e3779b97f4a7c15ull;

	return (double)(h >> 40) < pct / 100.0 * (double)(1ull << 24);
}

/* Mark @pct % of the pages of [0, len) dirty as a device would; the number
 * of dirty pages (of 2^leaf_shift bytes) expected from the harvest. */
static uint64_t make_dirty(struct genpt *pt, uint64_t len, unsigned int leaf_shift,
			   double pct)
{
	uint64_t n = len >> leaf_shift, dirty = 0;
	int err;

	if (pct >= 100.0) {
		/* Off marks every writable leaf dirty; on keeps them so. */
		if ((err = genpt_set_dirty_tracking(pt, false)) ||
		    (err = genpt_set_dirty_tracking(pt, true)))
			die("tracking switch", err);
		return n;
	}
	for (uint64_t i = 0; i < n; i++) {
		if (!page_dirty(i, pct))
			continue;
		err = genpt_hw_access(pt, i << leaf_shift, GENPT_ACCESS_WRITE, NULL);
		if (err)
			die("device write", err);
		dirty++;
	}
	return dirty;
}

static struct genpt *guest(uint64_t len, unsigned int leaf_shift)
{
	struct genpt_config cfg = {
		.format = GENPT_FMT_RISCV, .va_bits = 50,
		.features = GENPT_FEAT_RISCV_GSTAGE,
	};
	/* An output offset of one leaf forbids every larger leaf. */
	uint64_t oa = OA_BASE + (1ull << leaf_shift);
	struct genpt *pt;
	int err;

	if ((err = genpt_create(&cfg, &pt)))
		die("create", err);
	if ((err = genpt_set_dirty_tracking(pt, true)))
		die("tracking on", err);
	if ((err = genpt_map(pt, 0, oa, len, GENPT_READ | GENPT_WRITE, NULL)))
		die("map", err);
	return pt;
}

/* One harvest of the whole guest, timed; the pages it reported. */
static uint64_t harvest(struct genpt *pt, uint64_t len, uint64_t *bits,
			size_t words, double *ms)
{
	struct genpt_dirty_bitmap bm = { bits, 0, len, 12 };
	struct genpt_gather g;
	uint64_t n = 0;
	double t0;
	int err;

	memset(bits, 0, words * 8);
	genpt_gather_init(&g);
	t0 = now_ms();
	err = genpt_read_and_clear_dirty(pt, 0, len, 0, &bm, &g);
	*ms = now_ms() - t0;
	if (err)
		die("harvest", err);
	genpt_gather_release(pt, &g);
	for (size_t i = 0; i < words; i++)
		n += (uint64_t)__builtin_popcountll(bits[i]);
	return n;
}

static void measure(const struct opts *o, double gib, unsigned int leaf_shift,
		    double pct)
{
	uint64_t len = (uint64_t)(gib * (double)GIB);
	size_t words = (size_t)((len >> 12) + 63) / 64;
	uint64_t *bits = malloc(words * 8);
	struct genpt *pt = guest(len, leaf_shift);
	double v[32];
	struct point *p = &pts[npts++];

	if (!bits)
		die("bitmap", -ENOMEM);
	make_dirty(pt, len, leaf_shift, 100.0);
	harvest(pt, len, bits, words, &v[0]); /* a clean slate */
	for (unsigned int r = 0; r < o->reps; r++) {
		uint64_t want = make_dirty(pt, len, leaf_shift, pct);
		uint64_t got = harvest(pt, len, bits, words, &v[r]);

		if (got != want << (leaf_shift - 12))
			die("harvest reported the wrong pages", -EIO);
	}
	qsort(v, o->reps, sizeof(v[0]), cmp_dbl);
	*p = (struct point){ gib, pct, leaf_shift, v[o->reps / 2], v[0], v[o->reps - 1] };
	printf("%8.3f GiB  %2u-bit leaves  %6.2f %% dirty  %10.3f ms  (%.3f..%.3f)\n",
	       gib, leaf_shift, pct, p->med, p->min, p->max);
	fflush(stdout);
	genpt_destroy(pt);
	free(bits);
}

static void write_json(const struct opts *o, const char *load0, const char *load1)
{
	FILE *fp = strcmp(o->json, "-") ? fopen(o->json, "w") : stdout;

	if (!fp)
		die("fopen(--json)", -errno);
	fprintf(fp, "{\n  \"what\": \"whole-guest dirty harvest, riscv-sv48x4, thread CPU time\",\n");
	fprintf(fp, "  \"reps\": %u, \"quick\": %s,\n", o->reps, o->quick ? "true" : "false");
	fprintf(fp, "  \"loadavg_before\": \"%s\", \"loadavg_after\": \"%s\",\n", load0, load1);
	fprintf(fp, "  \"records\": [\n");
	for (unsigned int i = 0; i < npts; i++)
		fprintf(fp, "    {\"guest_gib\": %g, \"dirty_pct\": %g, \"leaf\": \"%s\", "
			"\"median_ms\": %.6g, \"min_ms\": %.6g, \"max_ms\": %.6g}%s\n",
			pts[i].guest_gib, pts[i].dirty_pct, pts[i].leaf_shift == 12 ? "4K" : "2M",
			pts[i].med, pts[i].min, pts[i].max, i + 1 < npts ? "," : "");
	fprintf(fp, "  ]\n}\n");
	if (fp != stdout)
		fclose(fp);
}

static void loadavg(char *buf, size_t n)
{
	FILE *fp = fopen("/proc/loadavg", "r");

	snprintf(buf, n, "?");
	if (fp) {
		if (fgets(buf, (int)n, fp))
			buf[strcspn(buf, "\n")] = 0;
		fclose(fp);
	}
}

static void parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .reps = 5 };
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			o->quick = true;
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			o->reps = (unsigned int)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			o->json = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [--quick] [--reps N] [--json FILE|-]\n", argv[0]);
			exit(2);
		}
	}
	if (o->reps < 1 || o->reps > 32) {
		fprintf(stderr, "--reps: 1..32\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	static const double sizes[] = { 1, 2, 4, 8, 16, 32, 64 };
	static const double qsizes[] = { 1.0 / 64, 1.0 / 32, 1.0 / 16 };
	static const double shares[] = { 0, 1, 10, 100 };
	static const double sweep[] = { 0.1, 0.5, 2, 5, 25, 50, 75, 90 };
	const double *sz;
	unsigned int nsz;
	char load0[128], load1[128];
	struct opts o;

	parse(argc, argv, &o);
	sz = o.quick ? qsizes : sizes;
	nsz = o.quick ? 3 : 7;
	loadavg(load0, sizeof(load0));
	printf("whole-guest harvest, riscv-sv48x4, %u reps, load %s\n", o.reps, load0);
	for (unsigned int s = 0; s < nsz; s++) {
		for (unsigned int d = 0; d < 4; d++)
			measure(&o, sz[s], 12, shares[d]);
		measure(&o, sz[s], 21, 100);
	}
	/* Dirty share at one size (the four shares above fill in the rest). */
	for (unsigned int d = 0; d < 8; d++)
		measure(&o, sz[nsz > 3 ? 3 : nsz - 1], 12, sweep[d]);
	loadavg(load1, sizeof(load1));
	if (o.json)
		write_json(&o, load0, load1);
	return 0;
}
