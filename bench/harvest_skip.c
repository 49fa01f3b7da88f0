// SPDX-License-Identifier: MIT
/*
 * harvest_skip.c - what GENPT_FEAT_TABLE_ACCESSED buys: the harvest of a
 * guest mapped with 4 KiB leaves when it may skip the subtrees no device
 * walked into, against the full scan and the read floor measured in the
 * same run.
 *
 *   genpt_harvest_skip [--gib N] [--reps N] [--format x86-64|vtd-ss|amd-v1]
 *
 * Two tables of the same format map the same N GiB (default 4) with 4 KiB
 * leaves, one with the feature.  Each repetition dirties the same pages in
 * both through the reference hardware walk (genpt_hw_access, which sets A
 * in the table entries on its way, as an IOMMU with A/D update does), then
 * times, interleaved: a read of the leaf entries' bytes (the floor: what a
 * full scan must read), the full scan, the skipping harvest.  Workloads:
 *   hot      1 % of the pages dirty: every page of 1 % of the 2 MiB
 *            regions (spread evenly)
 *   uniform  1 % of the pages dirty, anywhere
 *   none     nothing dirty
 * Reported: median and minimum of each, and the ratios of the medians.
 * CPU time of the thread (the machine is shared); load average printed.
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

#define MAX_REPS 64

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "genpt_harvest_skip: %s: %d\n", what, err);
	exit(1);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct genpt *make(enum genpt_format f, uint64_t len, bool skip)
{
	struct genpt_config cfg = { .format = f, .va_bits = 48 };
	struct genpt *pt;
	int err;

	if (skip)
		cfg.features = GENPT_FEAT_TABLE_ACCESSED;
	err = genpt_create(&cfg, &pt);
	if (err)
		die("create", err);
	/* Output one page off 2 MiB alignment: 4 KiB leaves only. */
	err = genpt_map(pt, 0, (1ull << 40) + 4096, len, GENPT_READ | GENPT_WRITE, NULL);
	if (!err)
		err = genpt_set_dirty_tracking(pt, true);
	if (!err)
		err = genpt_read_and_clear_dirty(pt, 0, len, 0, NULL, NULL);
	if (err)
		die("map", err);
	return pt;
}

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 4;
}

/* The pages of a workload, into @pages; how many. */
static uint64_t workload(const char *w, uint64_t npages, uint64_t *pages)
{
	uint64_t n = npages / 100, regions = npages / 512, hot = regions / 100;
	unsigned int s = 1;

	if (!strcmp(w, "none"))
		return 0;
	for (uint64_t i = 0; i < n; i++) {
		if (!strcmp(w, "hot")) /* every page of evenly spread regions */
			pages[i] = (i / 512) * (regions / (hot ? hot : 1)) * 512 + i % 512;
		else
			pages[i] = ((uint64_t)rnd(&s) * 4096 + rnd(&s)) % npages;
	}
	return n;
}

static double harvest(struct genpt *pt, uint64_t len, uint64_t *bits)
{
	struct genpt_dirty_bitmap bm = { .bits = bits, .iova = 0, .length = len,
					 .page_shift = 12 };
	struct genpt_gather g;
	double t0;
	int err;

	genpt_gather_init(&g);
	t0 = now_ms();
	err = genpt_read_and_clear_dirty(pt, 0, len, 0, &bm, &g);
	t0 = now_ms() - t0;
	if (err)
		die("harvest", err);
	genpt_gather_release(pt, &g); /* no IOMMU to invalidate: the walk has no cache */
	return t0;
}

static volatile uint64_t sink;

static double floor_read(const uint64_t *buf, uint64_t words)
{
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	double t0 = now_ms();

	for (uint64_t i = 0; i < words; i += 4) {
		s0 += buf[i];
		s1 += buf[i + 1];
		s2 += buf[i + 2];
		s3 += buf[i + 3];
	}
	sink = s0 + s1 + s2 + s3;
	return now_ms() - t0;
}

static void run(enum genpt_format f, const char *w, uint64_t len, unsigned int reps)
{
	uint64_t npages = len >> 12, *pages = malloc(npages / 100 * sizeof(*pages) + 8);
	uint64_t *bits = calloc(npages / 64, 8), *buf = malloc(npages * 8);
	struct genpt *full = make(f, len, false), *skip = make(f, len, true);
	uint64_t n = workload(w, npages, pages);
	double tf[MAX_REPS], tk[MAX_REPS], tr[MAX_REPS], mf, mk, mr;

	if (!pages || !bits || !buf)
		die("malloc", -ENOMEM);
	memset(buf, 1, npages * 8);
	for (unsigned int r = 0; r < reps + 3; r++) {
		for (uint64_t i = 0; i < n; i++) {
			genpt_hw_access(full, pages[i] << 12, GENPT_ACCESS_WRITE, NULL);
			genpt_hw_access(skip, pages[i] << 12, GENPT_ACCESS_WRITE, NULL);
		}
		double a = floor_read(buf, npages);
		double b = r % 2 ? harvest(skip, len, bits) : harvest(full, len, bits);
		double c = r % 2 ? harvest(full, len, bits) : harvest(skip, len, bits);

		if (r < 3) /* the skipping table reaches its steady state */
			continue;
		tr[r - 3] = a;
		tk[r - 3] = r % 2 ? b : c;
		tf[r - 3] = r % 2 ? c : b;
	}
	mf = median(tf, reps);
	mk = median(tk, reps);
	mr = median(tr, reps);
	printf("%-8s %-8s %7.3f %7.3f %7.3f  [min %6.3f %6.3f %6.3f]  skip/full %5.3f  skip/floor %5.3f  full/floor %5.3f\n",
	       f == GENPT_FMT_X86_64 ? "x86-64" : f == GENPT_FMT_VTDSS ? "vtd-ss" : "amd-v1",
	       w, mr, mf, mk, tr[0], tf[0], tk[0], mk / mf, mk / mr, mf / mr);
	genpt_destroy(full);
	genpt_destroy(skip);
	free(pages);
	free(bits);
	free(buf);
}

int main(int argc, char **argv)
{
	static const enum genpt_format all[] = { GENPT_FMT_X86_64, GENPT_FMT_VTDSS,
						 GENPT_FMT_AMDV1 };
	static const char *const works[] = { "hot", "uniform", "none" };
	unsigned int gib = 4, reps = 9, nf = 3, first = 0;
	double load[3] = { 0 };
	FILE *la;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--gib"))
			gib = (unsigned int)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--reps"))
			reps = (unsigned int)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--format")) {
			first = !strcmp(argv[i + 1], "vtd-ss") ? 1 : !strcmp(argv[i + 1], "amd-v1") ? 2 : 0;
			nf = first + 1;
		}
	}
	if (!gib || reps < 1 || reps > MAX_REPS)
		die("usage: [--gib N] [--reps 1..64] [--format x86-64|vtd-ss|amd-v1]", -EINVAL);
	la = fopen("/proc/loadavg", "r");
	if (la) {
		if (fscanf(la, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
			load[0] = -1;
		fclose(la);
	}
	printf("genpt_harvest_skip: %u GiB of 4 KiB leaves, %u reps, load %.2f %.2f %.2f\n"
	       "format   workload  floor    full    skip   (ms, medians)\n",
	       gib, reps, load[0], load[1], load[2]);
	for (unsigned int f = first; f < nf; f++)
		for (unsigned int w = 0; w < 3; w++)
			run(all[f], works[w], (uint64_t)gib << 30, reps);
	return 0;
}
