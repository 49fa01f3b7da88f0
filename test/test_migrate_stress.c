/* SPDX-License-Identifier: MIT */
/*
 * test_migrate_stress.c - harvest continuously while device threads write:
 * each device makes a fixed number of DMA writes, fast, the migration
 * thread harvests, invalidates and copies round after round (no pause, no
 * pacing) until every device is done, then quiesces (final harvest and
 * copy) and compares every byte.  Through the RISC-V IOMMU model with the
 * driver helper and through the simulated IOMMU, with and without split
 * leaves.  Built for ThreadSanitizer: it must report nothing.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "mig_small.h"
#include "migrate.h"

#define MiB (1ull << 20)
#define STRESS_OPS 30000 /* writes per device */

static void stress(const char *format, enum genpt_mig_mapping mapping,
		   enum genpt_mig_pattern pattern, bool split, unsigned int devices)
{
	struct genpt_mig_config c;
	struct genpt_mig_result r;
	int err;

	genpt_mig_config_default(&c);
	c.format = format;
	c.mapping = mapping;
	c.pattern = pattern;
	c.split = split;
	c.mem_bytes = 8 * MiB;
	c.devices = devices;
	/* Fast enough for constant contention, capped so the writes span
	 * many rounds however fast this machine is: 30000 x 256 B at 16 MiB/s
	 * is at least 0.45 s per device. */
	c.rate_mib = 16;
	c.write_bytes = 256;
	c.hot_bytes = 256 * 1024;
	c.hot_percent = 90;
	c.bandwidth_mib = 0;
	c.downtime_ms = 0;
	c.max_rounds = 1000000; /* until the devices are done */
	c.ops_per_device = STRESS_OPS;
	c.iotlb_entries = 64;   /* small: evictions and refills all the time */
	c.seed = 7;
	err = genpt_mig_run(&c, NULL, NULL, &r);
	mig_expect_verified(&c, err, &r, format);
	cr_assert_eq(r.device_writes, (uint64_t)devices * STRESS_OPS, "%s", format);
	cr_assert(r.converged, "%s: the devices finished", format);
	/* How many rounds raced the writes depends on how fast this machine
	 * runs the device threads (under TSan one round can see them all
	 * finish), so only what holds at any speed is asserted: nothing lost,
	 * the data equal (above).  Round counts belong to a deterministic
	 * schedule. */
	cr_log_info("%s%s: %u rounds during %u x %u writes, %.1f MiB copied, IOTLB %llu hits %llu misses",
		    format, split ? " split" : "", r.rounds, devices, STRESS_OPS,
		    (double)r.bytes_copied / (double)MiB, (unsigned long long)r.iotlb_hits,
		    (unsigned long long)r.iotlb_misses);
}

Test(migrate_stress, riscv_model, .timeout = 300)
{
	stress("riscv", GENPT_MIG_MAP_MIXED, GENPT_MIG_HOT, false, 4);
}

Test(migrate_stress, riscv_model_split, .timeout = 300)
{
	stress("riscv", GENPT_MIG_MAP_MIXED, GENPT_MIG_UNIFORM, true, 3);
}

Test(migrate_stress, armv8_smmuv3_model, .timeout = 300)
{
	stress("armv8", GENPT_MIG_MAP_MIXED, GENPT_MIG_HOT, false, 4);
}

Test(migrate_stress, armv8_smmuv3_model_split, .timeout = 300)
{
	stress("armv8", GENPT_MIG_MAP_2M, GENPT_MIG_UNIFORM, true, 3);
}

Test(migrate_stress, amd_v1_sim, .timeout = 300)
{
	stress("amd-v1", GENPT_MIG_MAP_4K, GENPT_MIG_SEQ, false, 3);
}
