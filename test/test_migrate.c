/* SPDX-License-Identifier: MIT */
/*
 * test_migrate.c - the live-migration simulator (lib/hw/migrate.c, the
 * engine of tools/genpt_migrate) as a test, for every format and mapping
 * mix: several device threads write by DMA through the IOMMU
 * (the RISC-V IOMMU model with the driver helper, or the simulated IOMMU)
 * while pre-copy rounds harvest, invalidate and copy; after the final
 * harvest and copy, destination and source must not differ in one byte.
 *
 * And the other way round: without the invalidation after clearing dirty
 * bits, a write-heavy load through cached dirty translations must be lost,
 * and the verification must say so - proof that the check can fail.
 *
 * Each run waits for a number of device writes per round, so every round
 * races with DMA however slowly the machine (or a sanitizer) runs.  Those
 * free-running runs assert only what holds at any speed (nothing lost, the
 * data equal); convergence, round counts and what a round copies are
 * asserted on the simulated clock (a seeded schedule, --sim-clock) alone.
 *
 * The loop's edges (migrate_edges), for every format: harvests in chunks
 * whose edges split leaves, the guest unmapping and mapping again during
 * pre-copy, the same rounds chunked as whole on the simulated clock, and
 * lost pages without invalidation at a small and a large guest size.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mig_small.h"
#include "migrate.h"
#include "tsan_scale.h"

#define MiB (1ull << 20)

static const enum genpt_mig_mapping mig_mappings[] = {
	GENPT_MIG_MAP_MIXED, GENPT_MIG_MAP_4K, GENPT_MIG_MAP_2M,
};
static const char *const mig_mapping_names[] = { "mixed", "4k", "2m" };
static const char *const mig_pattern_names[] = { "uniform", "hot", "seq" };

/* The run must verify; its result goes to @out (may be NULL). */
static void mig_run_ok_res(const struct genpt_mig_config *c, const char *what,
			   struct genpt_mig_result *out)
{
	struct genpt_mig_result r;
	int err = genpt_mig_run(c, NULL, NULL, &r);

	mig_expect_verified(c, err, &r, what);
	cr_assert_geq(r.device_writes, c->max_rounds * c->min_writes_per_round,
		      "%s: the devices wrote during every round", what);
	cr_assert_eq(r.rounds, c->max_rounds, "%s", what);
	cr_assert_geq(r.harvests, r.rounds + 1, "%s", what);
	cr_assert_geq(r.bytes_copied, c->mem_bytes, "%s", what);
	if (out)
		*out = r;
}

static void mig_run_ok(const struct genpt_mig_config *c, const char *what)
{
	mig_run_ok_res(c, what, NULL);
}

/* The mixes @maps of @format, split or not; unsplit, a different write
 * pattern each time (split: uniform writes). */
static void mig_mixes(const char *format, const enum genpt_mig_mapping *maps, unsigned int n,
		      bool split)
{
	for (unsigned int i = 0; i < n; i++) {
		struct genpt_mig_config c;
		char what[96];

		mig_small(&c, format);
		c.mapping = maps[i];
		c.pattern = split ? GENPT_MIG_UNIFORM : (enum genpt_mig_pattern)((i + 1) % 3);
		c.split = split;
		if (!split)
			c.seed = 100 + i;
		snprintf(what, sizeof(what), "%s, %s leaves, %s", format,
			 mig_mapping_names[maps[i]], split ? "split" : mig_pattern_names[c.pattern]);
		mig_run_ok(&c, what);
	}
}

/* Every mapping mix of @format. */
static void mig_all_mappings(const char *format)
{
	mig_mixes(format, mig_mappings, 3, false);
}

Test(migrate, riscv_model_gstage, .timeout = 300) { mig_all_mappings("riscv"); }
Test(migrate, riscv_model_first_stage, .timeout = 300) { mig_all_mappings("riscv-s1"); }
Test(migrate, riscv_sim, .timeout = 300) { mig_all_mappings("riscv-sim"); }
Test(migrate, armv8_s2, .timeout = 300) { mig_all_mappings("armv8"); }
Test(migrate, armv8_s1, .timeout = 300) { mig_all_mappings("armv8-s1"); }
Test(migrate, armv8_64k, .timeout = 300) { mig_all_mappings("armv8-64k"); }
Test(migrate, x86_64, .timeout = 300) { mig_all_mappings("x86-64"); }
Test(migrate, vtd_ss, .timeout = 300) { mig_all_mappings("vtd-ss"); }
Test(migrate, amd_v1, .timeout = 300) { mig_all_mappings("amd-v1"); }

Test(migrate, every_format_is_tested)
{
	static const char *const tested[] = { "riscv", "riscv-s1", "riscv-sim", "armv8",
					      "armv8-s1", "armv8-64k", "x86-64", "vtd-ss",
					      "amd-v1" };
	unsigned int n = 0;

	for (const struct genpt_mig_format *f = genpt_mig_formats; f->name; f++, n++) {
		bool found = false;

		for (unsigned int i = 0; i < sizeof(tested) / sizeof(tested[0]); i++)
			found |= !strcmp(tested[i], f->name);
		cr_assert(found, "format %s has no test here", f->name);
		cr_assert_eq(genpt_mig_format_find(f->name), f);
	}
	cr_assert_eq(n, sizeof(tested) / sizeof(tested[0]));
	cr_assert_null(genpt_mig_format_find("sv39"));
}

/* Split on enable, merge on disable: nothing lost either (what split
 * copies: split_copies_less). */
static void mig_split(const char *format)
{
	static const enum genpt_mig_mapping maps[] = { GENPT_MIG_MAP_MIXED, GENPT_MIG_MAP_2M };

	mig_mixes(format, maps, 2, true);
}

Test(migrate, split_riscv_model, .timeout = 300) { mig_split("riscv"); }
Test(migrate, split_riscv_model_first_stage, .timeout = 300) { mig_split("riscv-s1"); }
Test(migrate, split_riscv_sim, .timeout = 300) { mig_split("riscv-sim"); }
Test(migrate, split_armv8, .timeout = 300) { mig_split("armv8"); }
Test(migrate, split_armv8_64k, .timeout = 300) { mig_split("armv8-64k"); }
Test(migrate, split_x86_64, .timeout = 300) { mig_split("x86-64"); }
Test(migrate, split_vtd_ss, .timeout = 300) { mig_split("vtd-ss"); }
Test(migrate, split_amd_v1, .timeout = 300) { mig_split("amd-v1"); }

/*
 * A sparse write load, on the simulated clock (the writes each round sees
 * depend on the clock alone, not on this machine's speed): with 2 MiB
 * leaves every round copies whole leaves, split it copies the pages.
 */
Test(migrate, split_copies_less, .timeout = 300)
{
	struct genpt_mig_result r2m, r4k;
	struct genpt_mig_config c;
	uint64_t pages2m, pages4k;

	mig_small(&c, "riscv");
	c.mapping = GENPT_MIG_MAP_2M;
	c.devices = 1;
	c.pattern = GENPT_MIG_UNIFORM;
	c.rate_mib = 1;        /* 256 writes of 4 KiB a simulated second */
	c.write_bytes = 4096;
	c.bandwidth_mib = 64;  /* the full copy: 0.125 s, 32 writes */
	c.min_writes_per_round = 0;
	c.sim_clock = true;
	mig_expect_verified(&c, genpt_mig_run(&c, NULL, NULL, &r2m), &r2m, "2M");
	c.split = true;
	mig_expect_verified(&c, genpt_mig_run(&c, NULL, NULL, &r4k), &r4k, "split");
	cr_assert_eq(r2m.rounds, c.max_rounds);
	cr_assert_eq(r4k.rounds, c.max_rounds);
	pages2m = (r2m.bytes_copied - c.mem_bytes) / 4096;
	pages4k = (r4k.bytes_copied - c.mem_bytes) / 4096;
	/* 2 MiB leaves: every round and the final copy copy at least the
	 * completion page's leaf.  Split: each write dirties at most its
	 * data page and the completion page. */
	cr_assert_geq(pages2m, 512 * (r2m.rounds + 1ull), "2M: %llu pages copied",
		      (unsigned long long)pages2m);
	cr_assert_leq(pages4k, 2 * r4k.device_writes, "split: %llu pages for %llu writes",
		      (unsigned long long)pages4k, (unsigned long long)r4k.device_writes);
	/* The rounds differ in length (split copies less, so its clock moves
	 * less), so compare per device write. */
	cr_assert_lt((double)pages4k / (double)r4k.device_writes,
		     (double)pages2m / (double)r2m.device_writes,
		     "split %llu pages for %llu writes, 2M %llu pages for %llu writes",
		     (unsigned long long)pages4k, (unsigned long long)r4k.device_writes,
		     (unsigned long long)pages2m, (unsigned long long)r2m.device_writes);
}

/*
 * Without invalidation after clearing: the devices keep writing a small hot
 * set through IOTLB entries cached dirty before the harvest cleaned D, so
 * D is never set again and those writes are never copied.
 */
static void mig_lost(const char *format)
{
	struct genpt_mig_config c;
	struct genpt_mig_result r;

	mig_small(&c, format);
	c.pattern = GENPT_MIG_HOT;
	c.hot_bytes = 16 * 4096; /* stays in any IOTLB */
	c.hot_percent = 100;
	c.min_writes_per_round = 2000;
	c.no_invalidate = true;
	cr_assert_eq(genpt_mig_run(&c, NULL, NULL, &r), 0, "%s: %s", format, r.error);
	cr_assert_eq(r.device_errors, 0, "%s", format);
	cr_assert_gt(r.pages_differ, 0, "%s: no page lost without invalidation", format);
	cr_assert_gt(r.n_first_diff, 0);
	cr_log_info("%s without invalidation: %llu pages lost (of 16 hot ones and the"
		    " completion page)", format, (unsigned long long)r.pages_differ);

	/* The same run with invalidation loses nothing. */
	c.no_invalidate = false;
	mig_run_ok(&c, format);
}

Test(migrate, no_invalidate_loses_pages_riscv_model, .timeout = 300) { mig_lost("riscv"); }

/*
 * --ats: the devices write through their ATCs (translated requests, no A/D
 * updates).  Without invalidation their dirty translations outlive the
 * harvest and pages are lost; the driver helper's harvest sends ATS.INVAL
 * and loses nothing.
 */
Test(migrate, ats_devices_riscv_model, .timeout = 300)
{
	struct genpt_mig_config c;
	struct genpt_mig_result r;

	for (int s1 = 0; s1 < 2; s1++) {
		mig_small(&c, s1 ? "riscv-s1" : "riscv");
		c.ats = true;
		c.pattern = GENPT_MIG_HOT;
		c.hot_bytes = 16 * 4096;
		c.hot_percent = 100;
		c.min_writes_per_round = 2000;
		c.no_invalidate = true;
		cr_assert_eq(genpt_mig_run(&c, NULL, NULL, &r), 0, "%s", r.error);
		cr_assert_eq(r.device_errors, 0);
		cr_assert_gt(r.pages_differ, 0, "no page lost without ATS.INVAL");
		c.no_invalidate = false;
		mig_run_ok(&c, s1 ? "riscv-s1 --ats" : "riscv --ats");
	}
	mig_small(&c, "armv8");
	c.ats = true;
	cr_assert_eq(genpt_mig_run(&c, NULL, NULL, &r), -EINVAL, "--ats needs the RISC-V model");
}
Test(migrate, no_invalidate_loses_pages_riscv_s1, .timeout = 300) { mig_lost("riscv-s1"); }
Test(migrate, no_invalidate_loses_pages_armv8, .timeout = 300) { mig_lost("armv8"); }
Test(migrate, no_invalidate_loses_pages_x86_64, .timeout = 300) { mig_lost("x86-64"); }
Test(migrate, no_invalidate_loses_pages_vtd_ss, .timeout = 300) { mig_lost("vtd-ss"); }
Test(migrate, no_invalidate_loses_pages_amd_v1, .timeout = 300) { mig_lost("amd-v1"); }

Test(migrate, bad_configs)
{
	struct genpt_mig_config c;
	struct genpt_mig_result r;

	mig_small(&c, "riscv");
	c.mem_bytes = 12 * MiB;
	cr_assert_eq(genpt_mig_run(&c, NULL, NULL, &r), -EINVAL);
	cr_assert(r.error[0]);
	mig_small(&c, "riscv");
	c.write_bytes = 24;
	cr_assert_eq(genpt_mig_run(&c, NULL, NULL, &r), -EINVAL);
	mig_small(&c, "riscv");
	c.devices = 0;
	cr_assert_eq(genpt_mig_run(&c, NULL, NULL, &r), -EINVAL);
	mig_small(&c, "no-such-format");
	cr_assert_eq(genpt_mig_run(&c, NULL, NULL, &r), -EINVAL);
	cr_assert(strstr(r.error, "no-such-format"));
	mig_small(&c, "riscv");
	c.hot_bytes = 16 * MiB;
	cr_assert_eq(genpt_mig_run(&c, NULL, NULL, &r), -EINVAL);
	cr_assert_eq(genpt_mig_run(NULL, NULL, NULL, &r), -EINVAL);
	cr_assert_eq(genpt_mig_run(&c, NULL, NULL, NULL), -EINVAL);
}

/* ------------------------------------------------- the loop's edges -- */

/*
 * The edges a VMM's loop meets (genpt_migrate --chunk, --vm-unmap,
 * --sim-clock, and --no-invalidate at any size), written once and run for
 * every format the simulator has.
 */

/* A harvest chunk smaller than the largest leaf (2 MiB, or a 2 MiB run),
 * and not a divisor of it: query edges fall inside leaves and drift. */
static uint64_t mig_odd_chunk(const struct genpt_mig_format *f)
{
	uint64_t gran = 1ull << (f->cfg.granule_bits ? f->cfg.granule_bits : 12);

	return 1 * MiB + 3 * gran;
}

/* Chunked harvests (with and without the guest unmapping meanwhile, with
 * and without split mode) lose nothing, for every format and mapping mix. */
Test(migrate_edges, chunked_and_guest_unmaps_every_format, .timeout = 600)
{
	for (const struct genpt_mig_format *f = genpt_mig_formats; f->name; f++) {
		for (unsigned int i = 0; i < 3; i++) {
			struct genpt_mig_config c;
			struct genpt_mig_result r;
			char what[128];

			mig_small(&c, f->name);
			c.mapping = mig_mappings[i];
			c.chunk_bytes = i == 1 ? 1 * MiB : mig_odd_chunk(f);
			c.vm_unmap_rate = i ? 2000 : 0;
			c.min_unmaps_per_round = 3; /* every round races with unmaps */
			c.split = i == 2;           /* remaps while split: big leaves again */
			c.seed = 200 + i;
			snprintf(what, sizeof(what), "%s, %s leaves%s, %llu-byte chunks, %g unmaps/s",
				 f->name, mig_mapping_names[i], c.split ? ", split" : "",
				 (unsigned long long)c.chunk_bytes, c.vm_unmap_rate);
			mig_run_ok_res(&c, what, &r);
			if (c.vm_unmap_rate > 0)
				cr_assert_geq(r.guest_unmaps, 3 * c.max_rounds, "%s", what);
		}
	}
}

/* A progress log of the dirty pages of every round. */
struct mig_rounds {
	unsigned int n;
	uint64_t dirty[64];
};

static void mig_log_rounds(void *ctx, const struct genpt_mig_round *rd)
{
	struct mig_rounds *l = ctx;

	if (l->n < 64)
		l->dirty[l->n] = rd->dirty_pages;
	l->n++;
}

/* A deterministic schedule: devices and guest on the simulated clock, a
 * dirty set that shrinks round after round until it fits. */
static void mig_sim_clock(struct genpt_mig_config *c, const char *format)
{
	mig_small(c, format);
	c->mem_bytes = 32 * MiB;
	c->mapping = GENPT_MIG_MAP_MIXED;
	c->pattern = GENPT_MIG_UNIFORM;
	c->devices = 2;
	c->write_bytes = 4096;
	/* 13 writes a simulated second each: the full copy (0.5 s at 64 MiB/s)
	 * leaves several 2 MiB leaves dirty, each round fewer. */
	c->rate_mib = 0.05;
	c->bandwidth_mib = 64;
	c->downtime_ms = 80;
	c->max_rounds = 30;
	c->min_writes_per_round = 0;
	c->sim_clock = true;
	c->vm_unmap_rate = 20;
}

/* The progress callback: one call per round, in order, then the final. */
struct mig_log {
	unsigned int calls, last_round;
	bool saw_final, order_ok;
	uint64_t copied;
	struct mig_rounds rounds;
};

static void mig_progress(void *ctx, const struct genpt_mig_round *rd)
{
	struct mig_log *l = ctx;

	if (l->calls && rd->round != l->last_round + 1)
		l->order_ok = false;
	if (!l->calls && rd->round != 0)
		l->order_ok = false;
	if (l->saw_final)
		l->order_ok = false;
	l->saw_final = rd->final;
	l->last_round = rd->round;
	l->copied += rd->bytes_copied;
	l->calls++;
	mig_log_rounds(&l->rounds, rd);
}

/*
 * Whether and when a migration converges is asserted on the simulated
 * clock only: there the devices' writes per round, hence the dirty sets
 * and the rounds, do not depend on how fast (or loaded) this machine is.
 * The free-running tests assert what holds at any speed: nothing lost.
 */
Test(migrate, progress_and_convergence, .timeout = 300)
{
	struct mig_log l = { .order_ok = true };
	struct genpt_mig_config c;
	struct genpt_mig_result r;

	mig_sim_clock(&c, "armv8");
	mig_expect_verified(&c, genpt_mig_run(&c, mig_progress, &l, &r), &r, "armv8");
	cr_assert(r.converged);
	cr_assert_geq(r.rounds, 2, "a schedule that needs several rounds");
	cr_assert_lt(r.rounds, c.max_rounds);
	cr_assert(l.order_ok);
	cr_assert(l.saw_final);
	cr_assert_eq(l.calls, r.rounds + 2); /* full copy, rounds, final */
	cr_assert_eq(l.copied, r.bytes_copied);
	cr_assert_gt(r.harvest_ms_per_gib, 0);
	cr_assert_geq(r.downtime_ms, r.final_harvest_ms);
	/* Converged: the last pre-copy round's dirty set fits the budget
	 * at the link's bandwidth, and the one before it did not. */
	cr_assert_leq((double)l.rounds.dirty[r.rounds] * 4096 / (c.bandwidth_mib * MiB) * 1e3,
		      c.downtime_ms);
	cr_assert_gt((double)l.rounds.dirty[r.rounds - 1] * 4096 / (c.bandwidth_mib * MiB) * 1e3,
		     c.downtime_ms);
}

/* Two runs of one schedule, @a / @ra and @b / @rb, both verified, took the
 * same rounds with the same dirty pages in each and copied the same. */
static void mig_expect_same_rounds(const struct genpt_mig_config *c, int erra, int errb,
				   const struct mig_rounds *a, const struct mig_rounds *b,
				   const struct genpt_mig_result *ra,
				   const struct genpt_mig_result *rb, const char *what)
{
	mig_expect_verified(c, erra, ra, what);
	mig_expect_verified(c, errb, rb, what);
	cr_assert(ra->converged && rb->converged, "%s", what);
	cr_assert_geq(ra->rounds, 2, "%s: a schedule that needs several rounds", what);
	cr_assert_eq(ra->rounds, rb->rounds, "%s: %u rounds and %u", what, ra->rounds, rb->rounds);
	cr_assert_eq(a->n, b->n, "%s", what);
	for (unsigned int k = 0; k < a->n && k < 64; k++)
		cr_assert_eq(a->dirty[k], b->dirty[k], "%s: round %u: %llu and %llu dirty", what,
			     k, (unsigned long long)a->dirty[k], (unsigned long long)b->dirty[k]);
	cr_assert_eq(ra->bytes_copied, rb->bytes_copied, "%s", what);
}

/*
 * The same seeded schedule twice: the same rounds, the same dirty pages in
 * each, the same writes; for a format behind each kind of IOMMU.  (Not
 * with split leaves and the guest's unmaps together: within one step of
 * the clock a device write may land before the unmap of its split leaf,
 * which reports the page, or after the leaf came back whole, which dirties
 * the whole leaf.)
 */
Test(migrate, sim_clock_is_deterministic, .timeout = 300)
{
	static const char *const formats[] = { "riscv", "armv8", "x86-64" };

	for (unsigned int i = 0; i < 3; i++) {
		struct mig_rounds a = { 0 }, b = { 0 };
		struct genpt_mig_result ra, rb;
		struct genpt_mig_config c;

		int erra, errb;

		mig_sim_clock(&c, formats[i]);
		erra = genpt_mig_run(&c, mig_log_rounds, &a, &ra);
		errb = genpt_mig_run(&c, mig_log_rounds, &b, &rb);
		mig_expect_same_rounds(&c, erra, errb, &a, &b, &ra, &rb, formats[i]);
		cr_assert_eq(ra.device_writes, rb.device_writes, "%s", formats[i]);
		cr_assert_eq(ra.guest_unmaps, rb.guest_unmaps, "%s", formats[i]);
	}
}

/* The same schedule harvested whole and in chunks: the same dirty pages in
 * every round, hence as many rounds, and nothing lost. */
Test(migrate_edges, chunked_takes_as_many_rounds_every_format, .timeout = 600)
{
	for (const struct genpt_mig_format *f = genpt_mig_formats; f->name; f++) {
		struct mig_rounds whole = { 0 }, chunked = { 0 };
		struct genpt_mig_result rw, rc;
		struct genpt_mig_config c;

		int errw, errc;

		mig_sim_clock(&c, f->name);
		errw = genpt_mig_run(&c, mig_log_rounds, &whole, &rw);
		c.chunk_bytes = mig_odd_chunk(f);
		errc = genpt_mig_run(&c, mig_log_rounds, &chunked, &rc);
		cr_log_info("%s: %u rounds whole, %u chunked; %llu and %llu bytes copied",
			    f->name, rw.rounds, rc.rounds, (unsigned long long)rw.bytes_copied,
			    (unsigned long long)rc.bytes_copied);
		/* whole first: it is the one that needs several rounds */
		mig_expect_same_rounds(&c, errw, errc, &whole, &chunked, &rw, &rc, f->name);
	}
}

/*
 * Without the invalidation after clearing, pages are lost at every guest
 * size and through every IOMMU: the completion page every device writes
 * stays cached write-dirty, so its records after a harvest never set D
 * again.  With the defaults otherwise (a small guest and a large one, the
 * dirty set fitting the budget at once or not).
 */
Test(migrate_edges, no_invalidate_fails_at_every_size_every_format, .timeout = 600)
{
	/* Under TSan the small guest alone (tsan_scale.h): the large one
	 * takes most of its minutes and races the same code. */
	static const uint64_t sizes[] = { 8 * MiB, 128 * MiB };
	const unsigned int nsizes = TU_BY_TSAN(2, 1);

	for (const struct genpt_mig_format *f = genpt_mig_formats; f->name; f++) {
		for (unsigned int i = 0; i < 4; i++) {
			struct genpt_mig_config c;
			struct genpt_mig_result r;

			if (i % 2 >= nsizes)
				continue;
			genpt_mig_config_default(&c);
			c.format = f->name;
			c.mem_bytes = sizes[i % 2];
			c.hot_bytes = c.mem_bytes / 4;
			/* Memory speed so that the test stays short; on the
			 * simulated clock a fast link instead. */
			c.sim_clock = i >= 2;
			c.bandwidth_mib = c.sim_clock ? 1024 : 0;
			c.no_invalidate = true;
			cr_assert_eq(genpt_mig_run(&c, NULL, NULL, &r), 0, "%s: %s", f->name,
				     r.error);
			cr_assert_eq(r.device_errors, 0, "%s", f->name);
			cr_assert_gt(r.pages_differ, 0,
				     "%s, %llu MiB%s: no page lost without invalidation", f->name,
				     (unsigned long long)(c.mem_bytes / MiB),
				     c.sim_clock ? ", simulated clock" : "");
		}
	}
}

Test(migrate_edges, bad_edge_configs)
{
	struct genpt_mig_config c;
	struct genpt_mig_result r;

	mig_small(&c, "riscv");
	c.chunk_bytes = 6 * 1024;
	cr_assert_eq(genpt_mig_run(&c, NULL, NULL, &r), -EINVAL);
	cr_assert(strstr(r.error, "chunk"));
	mig_small(&c, "armv8-64k");
	c.chunk_bytes = 1 * MiB + 4096; /* not a multiple of the 64 KiB granule */
	cr_assert_eq(genpt_mig_run(&c, NULL, NULL, &r), -EINVAL);
	mig_small(&c, "riscv");
	c.vm_unmap_rate = -1;
	cr_assert_eq(genpt_mig_run(&c, NULL, NULL, &r), -EINVAL);
	mig_small(&c, "riscv");
	c.sim_clock = true;
	c.bandwidth_mib = 0; /* the simulated clock runs at the link's pace */
	cr_assert_eq(genpt_mig_run(&c, NULL, NULL, &r), -EINVAL);
	cr_assert(strstr(r.error, "simulated clock"));
}
