/* SPDX-License-Identifier: MIT */
/*
 * test_migrate_threads.c - genpt_migrate --harvest-threads N: every
 * harvest of the migration (pre-copy rounds and the final one) split
 * across N threads over genpt_harvest_shards(), for every format and its
 * IOMMU, while devices write by DMA.  The destination must not differ in
 * one byte, with 2 and 3 threads.
 *
 * A shard edge falls only between two entries of the level above the leaf
 * tables (2 MiB with 4 KiB tables): the 16 MiB guest gives every format
 * several shards except ARM's 64 KiB granule (512 MiB per such entry),
 * which harvests it as one.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mig_small.h"
#include "migrate.h"

#define MiB (1ull << 20)

static void mig_threads(const char *format, unsigned int threads,
			enum genpt_mig_mapping mapping)
{
	struct genpt_mig_config c;
	struct genpt_mig_result r;
	char what[64];
	int err;

	mig_small(&c, format);
	c.mapping = mapping;
	c.devices = 2;
	c.max_rounds = 2;
	c.min_writes_per_round = 100;
	c.harvest_threads = threads;
	err = genpt_mig_run(&c, NULL, NULL, &r);
	snprintf(what, sizeof(what), "%s, %u threads", format, threads);
	mig_expect_verified(&c, err, &r, what);
	if (strcmp(format, "armv8-64k"))
		cr_expect_eq(r.harvest_shards, threads, "%s: %u shards of %u", format,
			     r.harvest_shards, threads);
	else
		cr_expect_eq(r.harvest_shards, 1, "%s: %u shards", format, r.harvest_shards);
}

Test(migrate_threads, every_format_two_and_three_threads)
{
	for (const struct genpt_mig_format *f = genpt_mig_formats; f->name; f++) {
		mig_threads(f->name, 2, GENPT_MIG_MAP_MIXED);
		mig_threads(f->name, 3, GENPT_MIG_MAP_4K);
	}
}

Test(migrate_threads, too_many_threads)
{
	struct genpt_mig_config c;
	struct genpt_mig_result r;

	genpt_mig_config_default(&c);
	c.mem_bytes = 8 * MiB;
	c.hot_bytes = 1 * MiB;
	c.harvest_threads = 65;
	cr_expect_eq(genpt_mig_run(&c, NULL, NULL, &r), -EINVAL);
	cr_expect(strstr(r.error, "harvest threads") != NULL, "%s", r.error);
}
