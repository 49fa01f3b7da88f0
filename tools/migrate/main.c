// SPDX-License-Identifier: MIT
/*
 * migrate/main.c - genpt_migrate: simulate the live migration of a guest whose devices keep
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
 * The simulator is tools/migrate/migrate.c (its IOMMUs behind iommu.h,
 * options in options.c); docs/migration.md describes it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"
#include "options.h"

#define MiB ((double)(1ull << 20))

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
	else
		printf("round %2u: dirty  %8" PRIu64 " pages %8.1f MiB copied in %7.1f ms"
		       " (harvest %.2f ms)%s\n",
		       r->round, r->dirty_pages, (double)r->bytes_copied / MiB, r->seconds * 1e3,
		       r->harvest_seconds * 1e3,
		       r->converged ? ", fits the downtime budget" : "");
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

/* --chunk, --vm-unmap, --sim-clock: one more line when any is given. */
static void print_edges(const struct genpt_mig_config *cfg)
{
	char sz[32];

	if (!cfg->chunk_bytes && !(cfg->vm_unmap_rate > 0) && !cfg->sim_clock)
		return;
	printf(" ");
	if (cfg->chunk_bytes)
		printf(" harvest in %s queries;", size_str(sz, sizeof(sz), cfg->chunk_bytes));
	if (cfg->vm_unmap_rate > 0)
		printf(" guest unmaps and maps %g leaves/s;", cfg->vm_unmap_rate);
	if (cfg->sim_clock)
		printf(" simulated clock;");
	printf("\n");
}

/* What is about to run, in three or four lines. */
static void print_setup(const struct mig_cli *cli)
{
	const struct genpt_mig_config *cfg = &cli->cfg;
	char sz[32];

	printf("genpt_migrate: %s guest, %s\n", size_str(sz, sizeof(sz), cfg->mem_bytes),
	       genpt_mig_format_find(cfg->format)->desc);
	printf("  mapping %s, %u devices x ", mig_mapping_names[cfg->mapping], cfg->devices);
	if (cfg->rate_mib > 0)
		printf("%g MiB/s", cfg->rate_mib);
	else
		printf("flat out");
	printf(", %u-byte writes, pattern %s", cfg->write_bytes, mig_pattern_names[cfg->pattern]);
	if (cfg->pattern == GENPT_MIG_HOT)
		printf(" (%u%% in %s)", cfg->hot_percent, size_str(sz, sizeof(sz), cfg->hot_bytes));
	printf("\n  link ");
	if (cfg->bandwidth_mib > 0)
		printf("%g MiB/s", cfg->bandwidth_mib);
	else
		printf("unlimited");
	printf(", downtime budget %g ms, at most %u rounds%s%s\n", cfg->downtime_ms,
	       cfg->max_rounds, cfg->split ? ", split" : "",
	       cfg->no_invalidate ? ", NO INVALIDATION after clearing" : "");
	print_edges(cfg);
	fflush(stdout);
}

static void print_summary(const struct genpt_mig_config *cfg,
			  const struct genpt_mig_result *res)
{
	printf("summary: %u round%s, %s; copied %.1f MiB (%.2f x guest) in %.1f s\n",
	       res->rounds, res->rounds == 1 ? "" : "s",
	       res->converged ? "converged" : "did not converge",
	       (double)res->bytes_copied / MiB,
	       (double)res->bytes_copied / (double)cfg->mem_bytes, res->seconds);
	printf("  downtime %.1f ms simulated (final %" PRIu64 " pages: harvest %.2f ms + copy %.1f ms",
	       res->downtime_ms, res->final_pages, res->final_harvest_ms, res->final_copy_ms);
	if (cfg->bandwidth_mib > 0)
		printf(" at %g MiB/s", cfg->bandwidth_mib);
	printf(")\n  harvest %.2f ms per GiB (%" PRIu64 " harvests%s", res->harvest_ms_per_gib,
	       res->harvests, cfg->no_invalidate ? ", NOT invalidated" : ", invalidation included");
	if (cfg->harvest_threads > 1)
		printf(", %u threads: up to %u shards", cfg->harvest_threads, res->harvest_shards);
	printf(")\n");
	if (cfg->vm_unmap_rate > 0)
		printf("  guest %" PRIu64 " unmaps (%" PRIu64 " dirty pages reported by them);"
		       " %" PRIu64 " device writes retried after faulting on them\n",
		       res->guest_unmaps, res->unmap_dirty_pages, res->dma_retries);
	printf("  devices %" PRIu64 " writes (%.1f MiB), %" PRIu64 " errors; IOTLB %.1f%% hits\n",
	       res->device_writes, (double)res->device_bytes / MiB, res->device_errors,
	       res->iotlb_hits + res->iotlb_misses ?
		       100.0 * (double)res->iotlb_hits /
			       (double)(res->iotlb_hits + res->iotlb_misses) : 0.0);
}

/* The verification line, the first differing pages; the exit status. */
static int print_verdict(const struct genpt_mig_config *cfg,
			 const struct genpt_mig_result *res)
{
	printf("verify: compared %" PRIu64 " bytes, %" PRIu64 " pages differ: %s\n",
	       res->bytes_compared, res->pages_differ, res->pages_differ ? "FAILED" : "OK");
	if (res->pages_differ) {
		printf("  first differing pages (guest address, leaf):");
		for (unsigned int i = 0; i < res->n_first_diff; i++)
			printf(" 0x%" PRIx64 " (%s)", res->first_diff[i],
			       genpt_mig_leaf_kind(cfg, res->first_diff[i]));
		printf("%s\n", res->pages_differ > res->n_first_diff ? " ..." : "");
	}
	if (res->device_errors)
		printf("  %" PRIu64 " device writes failed, the first at 0x%" PRIx64 ": %s\n",
		       res->device_errors, res->first_error_gpa, strerror(-res->first_error));
	return res->pages_differ || res->device_errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct genpt_mig_result *res;
	struct mig_cli cli;
	int err;

	err = mig_parse_options(argc, argv, &cli);
	if (err >= 0)
		return err;
	res = calloc(1, sizeof(*res));
	if (!res) {
		fprintf(stderr, "genpt_migrate: out of memory\n");
		return 2;
	}
	print_setup(&cli);
	err = genpt_mig_run(&cli.cfg, on_round, &cli.quiet, res);
	if (err) {
		fprintf(stderr, "genpt_migrate: %s\n", res->error[0] ? res->error : strerror(-err));
		free(res);
		return 2;
	}
	print_summary(&cli.cfg, res);
	err = print_verdict(&cli.cfg, res);
	free(res);
	return err;
}
