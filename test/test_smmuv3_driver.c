/* SPDX-License-Identifier: MIT */
/*
 * test_smmuv3_driver.c - the SMMUv3 driver helper (genpt_smmudrv_*) driving
 * the model through its registers, with genpt ARMv8 tables attached:
 *
 *  - the migration loop at stage 2 and at stage 1: map guest RAM with
 *    blocks, track at 4 KiB (split), device writes through the SMMU,
 *    harvests reporting exactly the written pages, pre-copy rounds copying
 *    them, and a final copy equal to memory (nothing lost);
 *  - the TLB dirty hazard: a harvest that does not invalidate loses a page
 *    (the TLB keeps the translation's dirty state), the driver's does not;
 *  - events for unattached streams, attach/detach errors, no HTTU.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "smmu_util.h"
#include "testutil.h"

#define RAM (64 * SMMU_MiB)
#define PAGES (RAM >> 12)
#define WORDS (PAGES / 64)

/* The migration loop through the driver helper at @stage. */
static void migrate(enum genpt_smmudrv_stage stage, unsigned int granule)
{
	struct smmu_env e;
	struct genpt_smmudrv_domain dom = { stage, 7 };
	uint64_t *found = calloc(WORDS, 8), *expect = calloc(WORDS, 8), ram, seed = 0x5eed;
	uint64_t *dst = calloc(1, RAM);
	struct genpt *pt;

	cr_assert(found && expect && dst);
	smmu_env_init(&e, NULL, 1 * SMMU_GiB, true);
	pt = smmu_table(&e, stage == GENPT_SMMUDRV_STAGE2, 40, granule);
	cr_assert_eq(genpt_physmem_alloc(e.pm, RAM, 32 * SMMU_MiB, &ram), 0);
	cr_assert_eq(genpt_smmudrv_map(e.drv, pt, 0, ram, RAM,
				       GENPT_READ | GENPT_WRITE | GENPT_CACHE), 0);
	cr_assert_eq(genpt_smmudrv_attach(e.drv, 3, pt, &dom), 0);
	cr_assert_eq(smmu_write64(&e, 3, 0x1238, 42), 0, "tracking off: writes pass");

	cr_assert_eq(genpt_smmudrv_set_dirty_tracking_split(e.drv, pt, true, granule), 0);
	cr_assert_eq(genpt_dirty_tracking(pt), 1);
	memset(found, 0xff, WORDS * 8);
	smmu_copy_pages(&e, ram, RAM, dst, found); /* round 0: everything */
	for (unsigned int round = 0; round < 6; round++) {
		memset(expect, 0, WORDS * 8);
		for (unsigned int i = 0; i < 300; i++) {
			uint64_t off = smmu_rnd(&seed) % RAM & ~7ull;
			uint64_t first = (off >> granule) << (granule - 12);

			cr_assert_eq(smmu_write64(&e, 3, off, smmu_rnd(&seed)), 0);
			for (uint64_t p = first; p < first + (1ull << (granule - 12)); p++)
				expect[p / 64] |= 1ull << (p % 64);
		}
		smmu_harvest(&e, pt, 0, RAM, found);
		cr_assert_eq(memcmp(found, expect, WORDS * 8), 0,
			     "round %u: the harvest reports exactly the written pages", round);
		smmu_copy_pages(&e, ram, RAM, dst, found);
	}
	smmu_harvest(&e, pt, 0, RAM, found);
	for (uint64_t w = 0; w < WORDS; w++)
		cr_assert_eq(found[w], 0, "nothing written since the last harvest");
	cr_assert_eq(smmu_pages_differ(&e, ram, RAM, dst), 0, "the destination holds every write");

	cr_assert_eq(genpt_smmudrv_set_dirty_tracking_split(e.drv, pt, false, granule), 0);
	cr_assert_eq(smmu_write64(&e, 3, 0x5000, 1), 0);
	cr_assert_eq(genpt_smmudrv_detach(e.drv, 3), 0);
	cr_assert_eq(smmu_write64(&e, 3, 0x5000, 1), -EFAULT, "detached: C_BAD_STE");
	genpt_destroy(pt);
	smmu_env_fini(&e);
	free(found);
	free(expect);
	free(dst);
}

Test(smmuv3_driver, migration_stage2_4k, .timeout = 120)
{
	migrate(GENPT_SMMUDRV_STAGE2, 12);
}

Test(smmuv3_driver, migration_stage1_4k, .timeout = 120)
{
	migrate(GENPT_SMMUDRV_STAGE1, 12);
}

Test(smmuv3_driver, migration_stage2_16k, .timeout = 120)
{
	migrate(GENPT_SMMUDRV_STAGE2, 14);
}

Test(smmuv3_driver, migration_stage1_64k, .timeout = 120)
{
	migrate(GENPT_SMMUDRV_STAGE1, 16);
}

static void hazard(enum genpt_smmudrv_stage stage)
{
	struct smmu_env e;
	struct genpt_smmudrv_domain dom = { stage, 9 };
	uint64_t *bits = calloc(WORDS, 8), ram;
	const uint64_t page = 0x12345000;
	struct genpt_smmu_stats st;
	struct genpt *pt;

	cr_assert(bits);
	smmu_env_init(&e, NULL, 1 * SMMU_GiB, true);
	pt = smmu_table(&e, stage == GENPT_SMMUDRV_STAGE2, 40, 12);
	cr_assert_eq(genpt_physmem_alloc(e.pm, RAM, 32 * SMMU_MiB, &ram), 0);
	cr_assert_eq(genpt_smmudrv_map(e.drv, pt, 0x10000000, ram, RAM,
				       GENPT_READ | GENPT_WRITE), 0);
	cr_assert_eq(genpt_smmudrv_attach(e.drv, 1, pt, &dom), 0);
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking_split(e.drv, pt, true, 12), 0);
	/* (bitmaps below count from 0x10000000) */
#define PG ((page - 0x10000000) >> 12)

	/* The hazard: the engine cleans, nobody invalidates, the next write
	 * hits the TLB entry cached writable-dirty and marks nothing. */
	cr_assert_eq(smmu_write64(&e, 1, page, 1), 0);
	{
		struct genpt_dirty_bitmap bm = { .bits = bits, .iova = 0x10000000,
						 .length = RAM, .page_shift = 12 };
		struct genpt_gather g;

		memset(bits, 0, WORDS * 8);
		genpt_gather_init(&g);
		cr_assert_eq(genpt_read_and_clear_dirty(pt, 0x10000000, RAM, 0, &bm, &g), 0);
		genpt_gather_release(pt, &g);
		cr_assert(tu_bit(bits, PG), "the first write is reported");
		cr_assert_eq(genpt_smmu_stats(e.smmu, &st), 0);
		cr_assert_eq(smmu_write64(&e, 1, page + 8, 2), 0);
		memset(bits, 0, WORDS * 8);
		genpt_gather_init(&g);
		cr_assert_eq(genpt_read_and_clear_dirty(pt, 0x10000000, RAM, 0, &bm, &g), 0);
		genpt_gather_release(pt, &g);
		cr_assert(!tu_bit(bits, PG), "without TLBI the second write is lost");
	}
	/* The stale entry stays until something invalidates it (a later
	 * harvest cleans nothing there, so it gathers nothing). */
	cr_assert_eq(genpt_smmudrv_invalidate(e.drv, pt, 0x10000000, 0x10000000 + RAM - 1), 0);
	/* Through the driver (TLBI + CMD_SYNC after each harvest) nothing is
	 * lost. */
	for (unsigned int i = 0; i < 3; i++) {
		smmu_harvest(&e, pt, 0x10000000, RAM, bits);
		cr_assert_eq(smmu_write64(&e, 1, page + 16, 3 + i), 0);
		smmu_harvest(&e, pt, 0x10000000, RAM, bits);
		cr_assert(tu_bit(bits, PG), "round %u: the write after a driver harvest is seen", i);
	}
#undef PG
	genpt_smmudrv_detach(e.drv, 1);
	genpt_destroy(pt);
	smmu_env_fini(&e);
	free(bits);
}

Test(smmuv3_driver, tlb_dirty_hazard_stage2, .timeout = 60)
{
	hazard(GENPT_SMMUDRV_STAGE2);
}

Test(smmuv3_driver, tlb_dirty_hazard_stage1, .timeout = 60)
{
	hazard(GENPT_SMMUDRV_STAGE1);
}

Test(smmuv3_driver, events_and_errors, .timeout = 60)
{
	struct smmu_env e;
	struct genpt_smmudrv_domain s2 = { GENPT_SMMUDRV_STAGE2, 1 };
	struct genpt_smmudrv_domain s1 = { GENPT_SMMUDRV_STAGE1, 1 };
	struct genpt_smmu_event ev[4];
	struct genpt *pt2, *pt1, *other;
	bool ovf = true;

	smmu_env_init(&e, NULL, 256 * SMMU_MiB, true);
	pt2 = smmu_table(&e, true, 36, 12);
	pt1 = smmu_table(&e, false, 36, 12);
	other = smmu_table(&e, true, 36, 12);
	cr_assert_eq(smmu_write64(&e, 5, 0x1000, 1), -EFAULT, "no STE yet");
	cr_assert_eq(genpt_smmudrv_poll_events(e.drv, ev, 4, &ovf), 1);
	cr_assert_eq(ev[0].id, GENPT_SMMU_EVT_C_BAD_STE);
	cr_assert_eq(ev[0].sid, 5);
	cr_assert(!ovf);

	cr_assert_eq(genpt_smmudrv_attach(e.drv, 5, pt1, &s2), -EINVAL, "stage-1 table");
	cr_assert_eq(genpt_smmudrv_attach(e.drv, 5, pt2, &s1), -EINVAL, "stage-2 table");
	cr_assert_eq(genpt_smmudrv_attach(e.drv, 1u << 8, pt2, &s2), -EINVAL, "sid");
	cr_assert_eq(genpt_smmudrv_attach(e.drv, 5, pt2, &s2), 0);
	cr_assert_eq(genpt_smmudrv_attach(e.drv, 5, pt2, &s2), -EEXIST);
	cr_assert_eq(genpt_smmudrv_attach(e.drv, 6, other, &s2), -EBUSY, "VMID in use");
	cr_assert_eq(genpt_smmudrv_attach(e.drv, 6, pt1, &s1), 0, "ASID 1 is not VMID 1");
	cr_assert_eq(genpt_set_dirty_tracking(pt2, true), -EBUSY, "owned by the driver");

	/* A translation fault at stage 2: F_TRANSLATION with S2 and the IPA. */
	cr_assert_eq(smmu_write64(&e, 5, 0x3000, 1), -EFAULT);
	cr_assert_eq(genpt_smmudrv_poll_events(e.drv, ev, 4, NULL), 1);
	cr_assert_eq(ev[0].id, GENPT_SMMU_EVT_F_TRANSLATION);
	cr_assert(ev[0].s2);
	cr_assert(!ev[0].read);
	cr_assert_eq(ev[0].addr, 0x3000);
	cr_assert_eq(ev[0].ipa, 0x3000);
	cr_assert_eq(genpt_smmudrv_detach(e.drv, 5), 0);
	cr_assert_eq(genpt_smmudrv_detach(e.drv, 5), -ENOENT);
	cr_assert_eq(genpt_smmudrv_detach(e.drv, 6), 0);
	genpt_destroy(pt1);
	genpt_destroy(pt2);
	genpt_destroy(other);
	smmu_env_fini(&e);
}

Test(smmuv3_driver, no_httu_dirty, .timeout = 60)
{
	struct genpt_smmu_config cfg = { .httu = 1 };
	struct genpt_smmudrv_domain s2 = { GENPT_SMMUDRV_STAGE2, 1 };
	struct smmu_env e;
	struct genpt *pt;

	smmu_env_init(&e, &cfg, 256 * SMMU_MiB, true);
	pt = smmu_table(&e, true, 36, 12);
	cr_assert_eq(genpt_smmudrv_attach(e.drv, 2, pt, &s2), 0);
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking(e.drv, pt, true), -EOPNOTSUPP);
	cr_assert_eq(genpt_smmudrv_detach(e.drv, 2), 0);
	cr_assert_eq(genpt_set_dirty_tracking(pt, true), 0);
	cr_assert_eq(genpt_smmudrv_attach(e.drv, 2, pt, &s2), -EOPNOTSUPP,
		     "a tracking table needs HTTU dirty state");
	genpt_destroy(pt);
	smmu_env_fini(&e);
}

/*
 * Break-before-make levels: the engine replaces a cached 2 MiB block by a
 * table of 4 KiB pages in one store.  With IDR3.BBML 2 the SMMU copes (the
 * old entry is dropped); below that the next walk of the range would cache
 * a second, overlapping translation (a write to the block cached clean
 * walks again): F_TLB_CONFLICT, so a split policy that
 * ignores BBML fails here instead of passing by luck.
 */
static void bbml_case(unsigned int bbml)
{
	struct genpt_smmu_config cfg = { .httu = 2, .bbml = bbml };
	struct genpt_smmudrv_domain dom = { GENPT_SMMUDRV_STAGE2, 2 };
	struct genpt_smmu_event ev;
	struct genpt_gather g;
	struct smmu_env e;
	struct genpt *pt;
	uint64_t ram, v;
	int err;

	smmu_env_init(&e, &cfg, 256 * SMMU_MiB, true);
	pt = smmu_table(&e, true, 36, 12);
	cr_assert_eq(genpt_physmem_alloc(e.pm, 2 * SMMU_MiB, 2 * SMMU_MiB, &ram), 0);
	cr_assert_eq(genpt_smmudrv_map(e.drv, pt, 0x200000, ram, 2 * SMMU_MiB,
				       GENPT_READ | GENPT_WRITE), 0);
	cr_assert_eq(genpt_smmudrv_attach(e.drv, 4, pt, &dom), 0);
	/* The helper's split follows the level (test_smmuv3_bbml.c). */
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking_split(e.drv, pt, true, 12), 0);
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking_split(e.drv, pt, false, 12), 0);
	/* tracking: the block is writable-clean, cached without write */
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking(e.drv, pt, true), 0);
	cr_assert_eq(smmu_read64(&e, 4, 0x200000, &v), 0, "caches the 2 MiB block");
	genpt_gather_init(&g);
	cr_assert_eq(genpt_split(pt, 0x200000, 2 * SMMU_MiB, 12, &g), 0);
	/* a write misses (the entry is clean) and walks the new table */
	err = smmu_write64(&e, 4, 0x345000, 7);
	if (bbml == 2) {
		cr_assert_eq(err, 0, "BBML 2: the live split is fine");
	} else {
		cr_assert_eq(err, -EFAULT, "BBML %u: the live split conflicts", bbml);
		cr_assert_eq(genpt_smmudrv_poll_events(e.drv, &ev, 1, NULL), 1);
		cr_assert_eq(ev.id, GENPT_SMMU_EVT_F_TLB_CONFLICT);
		cr_assert_eq(ev.addr, 0x345000);
	}
	cr_assert_eq(genpt_smmudrv_invalidate(e.drv, pt, g.start, g.last), 0);
	genpt_gather_release(pt, &g);
	cr_assert_eq(smmu_write64(&e, 4, 0x345000, 7), 0, "after the TLBI: one translation");
	cr_assert_eq(genpt_smmudrv_detach(e.drv, 4), 0);
	genpt_destroy(pt);
	smmu_env_fini(&e);
}

Test(smmuv3_driver, bbml_levels, .timeout = 60)
{
	for (unsigned int b = 0; b <= 2; b++)
		bbml_case(b);
}

Test(smmuv3_driver, two_level_stream_table, .timeout = 60)
{
	struct genpt_smmu_config mcfg = { .httu = 2, .bbml = 2, .sid_bits = 20 };
	struct genpt_smmudrv_config dc = { .mmio = &genpt_smmu_mmio_ops,
					   .mem = &genpt_physmem_ops, .two_level = true,
					   .sid_bits = 20 };
	struct genpt_smmudrv_domain dom = { GENPT_SMMUDRV_STAGE2, 6 };
	const uint32_t sids[] = { 0x12345, 0x00001, 0xfffff };
	struct genpt_smmu_event ev;
	struct smmu_env e;
	struct genpt *pt;
	uint64_t ram, v;

	smmu_env_init(&e, &mcfg, 256 * SMMU_MiB, false);
	dc.mmio_ctx = e.smmu;
	dc.mem_ctx = e.pm;
	dc.sid_bits = 21;
	cr_assert_eq(genpt_smmudrv_create(&dc, &e.drv), -EOPNOTSUPP, "beyond SIDSIZE");
	dc.sid_bits = 8;
	cr_assert_eq(genpt_smmudrv_create(&dc, &e.drv), -EINVAL, "not above SPLIT");
	dc.sid_bits = 20;
	cr_assert_eq(genpt_smmudrv_create(&dc, &e.drv), 0);
	cr_assert_eq(smmu_rd(&e, GENPT_SMMU_REG_STRTAB_BASE_CFG, 4),
		     20 | (8 << 6) | (1 << 16), "2-level, SPLIT 8");
	pt = smmu_table(&e, true, 36, 12);
	cr_assert_eq(genpt_physmem_alloc(e.pm, 2 * SMMU_MiB, 2 * SMMU_MiB, &ram), 0);
	cr_assert_eq(genpt_smmudrv_map(e.drv, pt, 0, ram, 2 * SMMU_MiB,
				       GENPT_READ | GENPT_WRITE), 0);
	for (unsigned int i = 0; i < 3; i++)
		cr_assert_eq(genpt_smmudrv_attach(e.drv, sids[i], pt, &dom), 0);
	cr_assert_eq(genpt_smmudrv_attach(e.drv, 1u << 20, pt, &dom), -EINVAL);
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking(e.drv, pt, true), 0);
	for (unsigned int i = 0; i < 3; i++)
		cr_assert_eq(smmu_write64(&e, sids[i], 0x1000 * i, i), 0);
	cr_assert_eq(smmu_read64(&e, 0x12346, 0, &v), -EFAULT, "same level-2 table: no STE");
	cr_assert_eq(smmu_read64(&e, 0x54321, 0, &v), -EFAULT, "no level-2 table");
	cr_assert_eq(genpt_smmudrv_poll_events(e.drv, &ev, 1, NULL), 1);
	cr_assert_eq(ev.id, GENPT_SMMU_EVT_C_BAD_STE);
	cr_assert_eq(genpt_smmudrv_poll_events(e.drv, &ev, 1, NULL), 1);
	cr_assert_eq(ev.id, GENPT_SMMU_EVT_C_BAD_STREAMID);
	cr_assert_eq(ev.sid, 0x54321);
	for (unsigned int i = 0; i < 3; i++)
		cr_assert_eq(genpt_smmudrv_detach(e.drv, sids[i]), 0);
	genpt_destroy(pt);
	smmu_env_fini(&e);
}

/*
 * Nested: the guest's stage-1 table and CD live in its IPA space (here
 * identity-mapped by the stage-2 table), the hypervisor tracks stage 2.
 * A device write marks the data page and, through the guest's stage-1
 * HTTU update, the guest's table page; after the driver's harvest (with
 * TLBI_NH_ALL, because TLBI_S2_IPA leaves combined entries) the next
 * write is seen again.
 */
Test(smmuv3_driver, nested_stage2_tracking, .timeout = 60)
{
	struct smmu_env e;
	struct genpt *s2, *s1;
	struct genpt_hw_info hi;
	uint64_t bits[1024], cd, data, *c;
	struct genpt_dirty_bitmap bm = { .bits = bits, .iova = 0, .length = 256 * SMMU_MiB,
					 .page_shift = 12 };
	struct genpt_smmudrv_domain other = { GENPT_SMMUDRV_STAGE2, 3 };

	cr_assert_eq(bm.length >> 12, sizeof(bits) * 8);
	smmu_env_init(&e, NULL, 256 * SMMU_MiB, true);
	s2 = smmu_table(&e, true, 36, 12);
	s1 = smmu_table(&e, false, 36, 12);
	cr_assert_eq(genpt_smmudrv_map(e.drv, s2, 0, 0, 256 * SMMU_MiB,
				       GENPT_READ | GENPT_WRITE), 0);
	cr_assert_eq(genpt_physmem_alloc(e.pm, 64 * SMMU_KiB, 64 * SMMU_KiB, &data), 0);
	/* the guest: its table (tracking, so its leaves start clean), its CD */
	cr_assert_eq(genpt_set_dirty_tracking(s1, true), 0);
	cr_assert_eq(genpt_map(s1, 0x10000000, data, 4096, GENPT_READ | GENPT_WRITE, NULL), 0);
	cr_assert_eq(genpt_hw_info(s1, &hi), 0);
	cr_assert_eq(genpt_physmem_alloc(e.pm, 4096, 4096, &cd), 0);
	c = genpt_physmem_ptr(e.pm, cd);
	c[1] = hi.root_pa;
	c[0] = (hi.tcr & 0x3f) | (((hi.tcr >> 14) & 3) << 6) | (1ull << 31) |
	       (((hi.tcr >> 32) & 7) << 32) | (1ull << 41) | (3ull << 42) | (1ull << 45) |
	       (9ull << 48);
	cr_assert_eq(genpt_smmudrv_attach_nested(e.drv, 7, s2, 3, cd | 8, 0), -EINVAL);
	cr_assert_eq(genpt_smmudrv_attach_nested(e.drv, 7, s2, 3, cd, 0), 0);
	cr_assert_eq(genpt_smmudrv_attach(e.drv, 8, s2, &other), 0, "same VMID, same table");
	cr_assert_eq(genpt_smmudrv_set_dirty_tracking_split(e.drv, s2, true, 12), 0);

	cr_assert_eq(smmu_write64(&e, 7, 0x10000008, 1), 0);
	memset(bits, 0, sizeof(bits));
	cr_assert_eq(genpt_smmudrv_read_and_clear_dirty(e.drv, s2, 0, bm.length, 0, &bm), 0);
	cr_assert(tu_bit(bits, data >> 12), "the data page");
	cr_assert_eq(tu_popcount(bits, 1024), 2, "and the guest's stage-1 table page (its HTTU update)");
	for (unsigned int round = 0; round < 3; round++) {
		cr_assert_eq(smmu_write64(&e, 7, 0x10000010, 2 + round), 0);
		memset(bits, 0, sizeof(bits));
		cr_assert_eq(genpt_smmudrv_read_and_clear_dirty(e.drv, s2, 0, bm.length, 0, &bm),
			     0);
		cr_assert(tu_bit(bits, data >> 12),
			  "round %u: the write after a harvest is seen", round);
	}
	cr_assert_eq(genpt_smmudrv_detach(e.drv, 7), 0);
	cr_assert_eq(genpt_smmudrv_detach(e.drv, 8), 0);
	genpt_destroy(s1);
	genpt_destroy(s2);
	smmu_env_fini(&e);
}
