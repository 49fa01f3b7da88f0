// SPDX-License-Identifier: MIT
/*
 * genpt_migrate - simulate the live migration of a guest whose devices keep
 * writing its memory by DMA, and check that not one byte is lost.
 *
 * Guest memory lives in simulated physical memory (genpt_physmem), mapped
 * through the chosen page-table format behind an IOMMU (by default the
 * RISC-V IOMMU model programmed by the driver helper, with an Sv39x4
 * G-stage table).  Device threads write at a rate and in a pattern while
 * pre-copy runs: dirty tracking on, a full copy, then rounds of harvest ->
 * IOTLB invalidation -> copy of the dirty pages until the dirty set fits the
 * downtime budget; then the devices stop, a final harvest and copy, and the
 * destination is compared with the source byte for byte.
 *
 * Exit status: 0 when every byte matches, 1 when pages differ (the first
 * ones are named), 2 for a usage error or a failed step.
 * The engine is lib/hw/migrate.c; docs/migration.md describes it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/genpt.h"
#include "hw/migrate.h"

#define MiB ((double)(1ull << 20))

static const char *const pattern_names[] = { "uniform", "hot", "seq" };
static const char *const mapping_names[] = { "mixed", "4k", "2m" };

static void usage(FILE *f)
{
	struct genpt_mig_config d;

	genpt_mig_config_default(&d);
	fprintf(f,
		"usage: genpt_migrate [options]\n"
		"Simulate a pre-copy live migration with devices writing guest memory by DMA\n"
		"through an IOMMU, and verify the destination byte for byte.\n"
		"\n"
		"  -f, --format NAME     table format and IOMMU (default %s; --list-formats)\n"
		"  -m, --mapping KIND    mixed, 4k or 2m leaves (default %s)\n"
		"  -M, --mem SIZE        guest memory, multiple of 8M (default %" PRIu64 "M)\n"
		"  -d, --devices N       device threads (default %u)\n"
		"  -r, --rate MIB        MiB/s each device writes, 0 = flat out (default %g)\n"
		"  -w, --write-size B    bytes per DMA write, power of two 8..4096 (default %u)\n"
		"  -p, --pattern P       uniform, hot or seq (default %s)\n"
		"      --hot SIZE        hot-set size (default %" PRIu64 "M, at most a quarter\n"
		"                        of the guest unless given)\n"
		"      --hot-percent N   share of writes into the hot set (default %u)\n"
		"  -b, --bandwidth MIB   migration link MiB/s, 0 = unlimited (default %g)\n"
		"  -t, --downtime MS     downtime budget (default %g)\n"
		"      --max-rounds N    give up converging after N rounds (default %u)\n"
		"      --ops N           each device stops after N writes (default: never)\n"
		"      --iotlb N         IOTLB entries (default: the IOMMU's)\n"
		"      --split           split large leaves to base pages while tracking,\n"
		"                        merge them back after\n"
		"      --no-invalidate   skip the IOTLB invalidation after clearing dirty\n"
		"                        bits: the bug that loses pages (expect a failure)\n"
		"      --seed N          device random seed (default %" PRIu64 ")\n"
		"  -q, --quiet           no line per round\n"
		"      --list-formats    the formats and their IOMMUs\n"
		"  -h, --help\n"
		"SIZE takes K, M or G suffixes.  Exit status: 0 verified, 1 pages differ,\n"
		"2 usage error or a step failed.\n",
		d.format, mapping_names[d.mapping], d.mem_bytes >> 20, d.devices, d.rate_mib,
		d.write_bytes, pattern_names[d.pattern], d.hot_bytes >> 20, d.hot_percent,
		d.bandwidth_mib, d.downtime_ms, d.max_rounds, d.seed);
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static bool parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return false;
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'm' || *end == 'M')
		shift = 20;
	else if (*end == 'g' || *end == 'G')
		shift = 30;
	else if (*end)
		return false;
	if (shift && end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
		return false;
	if (v > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

static bool parse_double(const char *s, double *out)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*out = strtod(s, &end);
	return !errno && !*end && *out >= 0;
}

static int pick(const char *s, const char *const *names, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

static void list_formats(void)
{
	for (const struct genpt_mig_format *f = genpt_mig_formats; f->name; f++)
		printf("  %-10s %s\n", f->name, f->desc);
}

static void on_round(void *ctx, const struct genpt_mig_round *r)
{
	const bool *quiet = ctx;

	if (*quiet)
		return;
	if (r->final)
		printf("final   : dirty %8" PRIu64 " pages %8.1f MiB copied, devices stopped"
		       " (harvest %.2f ms)\n",
		       r->dirty_pages, (double)r->bytes_copied / MiB, r->harvest_seconds * 1e3);
	else if (r->round == 0)
		printf("round  0: full   %8" PRIu64 " pages %8.1f MiB copied in %7.1f ms\n",
		       r->dirty_pages, (double)r->bytes_copied / MiB, r->seconds * 1e3);
	else if (r->converged && !r->bytes_copied)
		printf("round %2u: dirty  %8" PRIu64 " pages %8.1f MiB fits the downtime budget"
		       " (harvest %.2f ms)\n",
		       r->round, r->dirty_pages, (double)r->dirty_pages * 4096 / MiB,
		       r->harvest_seconds * 1e3);
	else
		printf("round %2u: dirty  %8" PRIu64 " pages %8.1f MiB copied in %7.1f ms"
		       " (harvest %.2f ms)\n",
		       r->round, r->dirty_pages, (double)r->bytes_copied / MiB, r->seconds * 1e3,
		       r->harvest_seconds * 1e3);
	fflush(stdout);
}

/* "16 MiB", "64 KiB", "4096 B": the largest unit that divides @v. */
static const char *size_str(char *buf, size_t n, uint64_t v)
{
	if (v && !(v & ((1ull << 30) - 1)))
		snprintf(buf, n, "%" PRIu64 " GiB", v >> 30);
	else if (v && !(v & ((1ull << 20) - 1)))
		snprintf(buf, n, "%" PRIu64 " MiB", v >> 20);
	else if (v && !(v & 1023))
		snprintf(buf, n, "%" PRIu64 " KiB", v >> 10);
	else
		snprintf(buf, n, "%" PRIu64 " B", v);
	return buf;
}

static bool is_opt(const char *name, const char *l, const char *s)
{
	return !strcmp(name, l) || (s && !strcmp(name, s));
}

/* The value of option @argv[*i] (--opt=value or --opt value). */
static const char *optval(int argc, char **argv, int *i, const char *eq)
{
	if (eq)
		return eq + 1;
	if (*i + 1 < argc)
		return argv[++*i];
	return NULL;
}

int main(int argc, char **argv)
{
	struct genpt_mig_config cfg;
	struct genpt_mig_result *res;
	bool quiet = false, hot_given = false;
	char sz[32];
	int err;

	genpt_mig_config_default(&cfg);
	for (int i = 1; i < argc; i++) {
		char name[32];
		const char *a = argv[i], *eq = strchr(a, '='), *v;
		size_t n = eq ? (size_t)(eq - a) : strlen(a);
		uint64_t u;
		bool ok = true;
		int k;

		if (n >= sizeof(name)) {
			fprintf(stderr, "genpt_migrate: unknown option '%s'\n", a);
			return 2;
		}
		memcpy(name, a, n);
		name[n] = 0;
#define IS(l, s) is_opt(name, l, s)
		if (IS("--help", "-h")) {
			usage(stdout);
			return 0;
		} else if (IS("--list-formats", NULL)) {
			list_formats();
			return 0;
		} else if (IS("--quiet", "-q")) {
			quiet = true;
		} else if (IS("--split", NULL)) {
			cfg.split = true;
		} else if (IS("--no-invalidate", NULL)) {
			cfg.no_invalidate = true;
		} else if (IS("--format", "-f")) {
			v = optval(argc, argv, &i, eq);
			ok = v && genpt_mig_format_find(v);
			if (ok)
				cfg.format = v;
		} else if (IS("--mapping", "-m")) {
			v = optval(argc, argv, &i, eq);
			k = v ? pick(v, mapping_names, 3) : -1;
			ok = k >= 0;
			cfg.mapping = (enum genpt_mig_mapping)(ok ? k : 0);
		} else if (IS("--pattern", "-p")) {
			v = optval(argc, argv, &i, eq);
			k = v ? pick(v, pattern_names, 3) : -1;
			ok = k >= 0;
			cfg.pattern = (enum genpt_mig_pattern)(ok ? k : 0);
		} else if (IS("--mem", "-M")) {
			ok = parse_size(optval(argc, argv, &i, eq), &cfg.mem_bytes);
		} else if (IS("--hot", NULL)) {
			ok = parse_size(optval(argc, argv, &i, eq), &cfg.hot_bytes);
			hot_given = true;
		} else if (IS("--devices", "-d")) {
			ok = parse_u64(optval(argc, argv, &i, eq), &u) && u <= 64;
			cfg.devices = (unsigned int)u;
		} else if (IS("--write-size", "-w")) {
			ok = parse_size(optval(argc, argv, &i, eq), &u) && u <= 4096;
			cfg.write_bytes = (unsigned int)u;
		} else if (IS("--hot-percent", NULL)) {
			ok = parse_u64(optval(argc, argv, &i, eq), &u) && u <= 100;
			cfg.hot_percent = (unsigned int)u;
		} else if (IS("--max-rounds", NULL)) {
			ok = parse_u64(optval(argc, argv, &i, eq), &u) && u && u <= 1000000;
			cfg.max_rounds = (unsigned int)u;
		} else if (IS("--ops", NULL)) {
			ok = parse_u64(optval(argc, argv, &i, eq), &cfg.ops_per_device);
		} else if (IS("--iotlb", NULL)) {
			ok = parse_u64(optval(argc, argv, &i, eq), &u) && u <= (1u << 20);
			cfg.iotlb_entries = (unsigned int)u;
		} else if (IS("--seed", NULL)) {
			ok = parse_u64(optval(argc, argv, &i, eq), &cfg.seed);
		} else if (IS("--rate", "-r")) {
			ok = parse_double(optval(argc, argv, &i, eq), &cfg.rate_mib);
		} else if (IS("--bandwidth", "-b")) {
			ok = parse_double(optval(argc, argv, &i, eq), &cfg.bandwidth_mib);
		} else if (IS("--downtime", "-t")) {
			ok = parse_double(optval(argc, argv, &i, eq), &cfg.downtime_ms);
		} else {
			fprintf(stderr, "genpt_migrate: unknown option '%s' (--help lists them)\n", a);
			return 2;
		}
#undef IS
		if (!ok) {
			fprintf(stderr, "genpt_migrate: bad or missing value for %s\n", name);
			if (!strcmp(name, "--format") || !strcmp(name, "-f"))
				list_formats();
			return 2;
		}
	}

	/* The default hot set shrinks with a small guest. */
	if (!hot_given && cfg.hot_bytes > cfg.mem_bytes / 4)
		cfg.hot_bytes = (cfg.mem_bytes / 4) & ~4095ull;
	res = calloc(1, sizeof(*res));
	if (!res) {
		fprintf(stderr, "genpt_migrate: out of memory\n");
		return 2;
	}
	printf("genpt_migrate: %s guest, %s\n", size_str(sz, sizeof(sz), cfg.mem_bytes),
	       genpt_mig_format_find(cfg.format)->desc);
	printf("  mapping %s, %u devices x ", mapping_names[cfg.mapping], cfg.devices);
	if (cfg.rate_mib > 0)
		printf("%g MiB/s", cfg.rate_mib);
	else
		printf("flat out");
	printf(", %u-byte writes, pattern %s", cfg.write_bytes, pattern_names[cfg.pattern]);
	if (cfg.pattern == GENPT_MIG_HOT)
		printf(" (%u%% in %s)", cfg.hot_percent, size_str(sz, sizeof(sz), cfg.hot_bytes));
	printf("\n  link ");
	if (cfg.bandwidth_mib > 0)
		printf("%g MiB/s", cfg.bandwidth_mib);
	else
		printf("unlimited");
	printf(", downtime budget %g ms, at most %u rounds%s%s\n", cfg.downtime_ms,
	       cfg.max_rounds, cfg.split ? ", split" : "",
	       cfg.no_invalidate ? ", NO INVALIDATION after clearing" : "");
	fflush(stdout);

	err = genpt_mig_run(&cfg, on_round, &quiet, res);
	if (err) {
		fprintf(stderr, "genpt_migrate: %s\n", res->error[0] ? res->error : strerror(-err));
		free(res);
		return 2;
	}
	printf("summary: %u round%s, %s; copied %.1f MiB (%.2f x guest) in %.1f s\n",
	       res->rounds, res->rounds == 1 ? "" : "s",
	       res->converged ? "converged" : "did not converge",
	       (double)res->bytes_copied / MiB,
	       (double)res->bytes_copied / (double)cfg.mem_bytes, res->seconds);
	printf("  downtime %.1f ms simulated (final %" PRIu64 " pages: harvest %.2f ms + copy %.1f ms",
	       res->downtime_ms, res->final_pages, res->final_harvest_ms, res->final_copy_ms);
	if (cfg.bandwidth_mib > 0)
		printf(" at %g MiB/s", cfg.bandwidth_mib);
	printf(")\n  harvest %.2f ms per GiB (%" PRIu64 " harvests%s)\n",
	       res->harvest_ms_per_gib, res->harvests,
	       cfg.no_invalidate ? ", NOT invalidated" : ", invalidation included");
	printf("  devices %" PRIu64 " writes (%.1f MiB), %" PRIu64 " errors; IOTLB %.1f%% hits\n",
	       res->device_writes, (double)res->device_bytes / MiB, res->device_errors,
	       res->iotlb_hits + res->iotlb_misses ?
		       100.0 * (double)res->iotlb_hits /
			       (double)(res->iotlb_hits + res->iotlb_misses) : 0.0);
	printf("verify: compared %" PRIu64 " bytes, %" PRIu64 " pages differ: %s\n",
	       res->bytes_compared, res->pages_differ, res->pages_differ ? "FAILED" : "OK");
	if (res->pages_differ) {
		printf("  first differing pages (guest address, leaf):");
		for (unsigned int i = 0; i < res->n_first_diff; i++)
			printf(" 0x%" PRIx64 " (%s)", res->first_diff[i],
			       genpt_mig_leaf_kind(&cfg, res->first_diff[i]));
		printf("%s\n", res->pages_differ > res->n_first_diff ? " ..." : "");
	}
	err = res->pages_differ || res->device_errors ? 1 : 0;
	if (res->device_errors)
		printf("  %" PRIu64 " device writes failed, the first at 0x%" PRIx64 ": %s\n",
		       res->device_errors, res->first_error_gpa, strerror(-res->first_error));
	free(res);
	return err;
}
