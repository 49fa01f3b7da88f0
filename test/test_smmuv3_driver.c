/* SPDX-License-Identifier: MIT */
/*
 * test_smmuv3_driver.c - the SMMUv3 driver helper (genpt_smmudrv_*) driving
 * the model through its registers, with genpt ARMv8 tables attached:
 *
 *  - break-before-make levels, 2-level stream tables, nested tracking.
 * The migration loop, the TLB dirty hazard, events for unattached streams,
 * attach/detach errors and no HTTU run on both drivers in test_drv_flows.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "smmu_util.h"
#include "testutil.h"

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
