/* SPDX-License-Identifier: MIT */
/*
 * test_rviommu_cache.c - the model's IOTLB and device-directory cache and
 * the invalidation commands.
 *
 * The central case is the hazard the engine's gather exists for: the IOTLB
 * keeps each translation's dirty state, so after software clears D in
 * memory a write through a translation cached dirty completes without
 * setting D again, until IOTINVAL removes the translation.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "rvi_util.h"

#define RD GENPT_ACCESS_READ
#define WR GENPT_ACCESS_WRITE

static bool hit(struct rvi_env *e, uint32_t did, uint64_t iova, unsigned int acc,
		unsigned int *cause)
{
	struct genpt_rviommu_req req = { .device_id = did, .iova = iova, .access = acc };
	struct genpt_rviommu_rsp rsp;

	cr_assert_eq(genpt_rviommu_translate(e->iommu, &req, &rsp), 0);
	if (cause)
		*cause = rsp.cause;
	else
		cr_assert_eq(rsp.cause, 0, "iova 0x%llx", (unsigned long long)iova);
	return rsp.iotlb_hit;
}

static void clear_d(struct rvi_env *e, uint64_t slot)
{
	__atomic_fetch_and(rvi_p(e, slot), ~RVI_D, __ATOMIC_ACQ_REL);
}

/* Devices 1 and 2, each with a fresh single-stage table of its own (the
 * Sv39x4 G-stage with GSCID 1 / 2 for @gstage, else Sv39 with PSCID 1 /
 * 2) mapping pages 0 .. @n - 1 to a data block with @flags, every page
 * read once (cached).  Roots in @r; returns the data block. */
static uint64_t two_domains(struct rvi_env *e, bool gstage, unsigned int n, uint64_t flags,
			    uint64_t r[2])
{
	uint64_t data;

	rvi_env_ddt(e, 0, 3);
	for (unsigned int d = 0; d < 2; d++)
		r[d] = rvi_dev_stage(e, d + 1, gstage, 8, d + 1, 0);
	data = rvi_alloc(e, 1ull << 21, 1ull << 21);
	for (uint64_t a = 0; a < n; a++)
		for (unsigned int d = 0; d < 2; d++)
			rvi_pt_set(e, r[d], 3, gstage, a << 12, 0, RVI_LEAF(data + (a << 12), flags));
	for (uint64_t a = 0; a < n; a++)
		for (unsigned int d = 0; d < 2; d++)
			hit(e, d + 1, a << 12, RD, NULL);
	return data;
}

/* G-stage domain (GADE): the hazard, then IOTINVAL.GVMA fixes it. */
Test(rviommu_cache, dirty_hazard_gstage)
{
	struct rvi_env e;
	uint64_t root, data, slot;

	root = rvi_env_dev(&e, 3, 1, true, 8, 7, RVI_TC_GADE);
	data = rvi_alloc(&e, 1ull << 21, 1ull << 21);
	slot = rvi_pt_set(&e, root, 3, true, 0x40000000, 1,
			  RVI_LEAF(data, RVI_R | RVI_W | RVI_U | RVI_A)); /* 2M, clean */

	cr_assert_not(hit(&e, 1, 0x40001000, WR, NULL), "first write walks");
	cr_assert(rvi_get(&e, slot) & RVI_D, "and sets D");
	cr_assert(hit(&e, 1, 0x40002000, WR, NULL), "the dirty translation is cached");

	/* software cleans D without invalidating */
	clear_d(&e, slot);
	cr_assert(hit(&e, 1, 0x40003000, WR, NULL), "a write hits the cached dirty entry");
	cr_assert_eq(rvi_get(&e, slot) & RVI_D, 0,
		     "hazard: the write completed without setting D");

	/* IOTINVAL.GVMA with an address inside the 2M leaf, then a fence */
	rvi_cmd(&e, RVI_CMD_GVMA(1, 1, 7), RVI_CMD_ADDR(0x401ff000));
	rvi_fence(&e);
	cr_assert_not(hit(&e, 1, 0x40003000, WR, NULL), "invalidated: walks");
	cr_assert(rvi_get(&e, slot) & RVI_D, "after IOTINVAL.GVMA the write sets D");

	/* a translation cached clean (by a read) re-walks for a write */
	clear_d(&e, slot);
	rvi_cmd(&e, RVI_CMD_GVMA(0, 1, 7), 0);
	rvi_fence(&e);
	cr_assert_not(hit(&e, 1, 0x40000000, RD, NULL));
	cr_assert(hit(&e, 1, 0x40000008, RD, NULL), "reads hit the clean entry");
	cr_assert_eq(rvi_get(&e, slot) & RVI_D, 0);
	cr_assert_not(hit(&e, 1, 0x40000010, WR, NULL), "a clean entry does not serve writes");
	cr_assert(rvi_get(&e, slot) & RVI_D);
	rvi_env_fini(&e);
}

/* First-stage domain (SADE): the same with IOTINVAL.VMA. */
Test(rviommu_cache, dirty_hazard_first_stage)
{
	struct rvi_env e;
	uint64_t root, data, slot;

	root = rvi_env_dev(&e, 1, 2, false, 9, 33, RVI_TC_SADE);
	data = rvi_alloc(&e, 1ull << 16, 1ull << 16);
	/* a 64K NAPOT run */
	for (unsigned int i = 0; i < 16; i++)
		rvi_pt_set(&e, root, 4, false, 0x7770000ull + i * 4096, 0,
			   RVI_LEAF(data | 0x8000, RVI_N | RVI_R | RVI_W | RVI_U | RVI_A));
	slot = rvi_pt_slot(&e, root, 4, false, 0x7775000, 0);
	cr_assert_not(hit(&e, 2, 0x7775000, WR, NULL));
	cr_assert(rvi_get(&e, slot) & RVI_D, "D in the member written");
	clear_d(&e, slot);
	cr_assert(hit(&e, 2, 0x777f000, WR, NULL), "the 64K translation is cached dirty");
	for (unsigned int i = 0; i < 16; i++)
		cr_assert_eq(rvi_get(&e, rvi_pt_slot(&e, root, 4, false, 0x7770000ull + i * 4096, 0)) &
				     RVI_D, 0, "hazard: no member marked");
	/* VMA for another PSCID changes nothing */
	rvi_cmd(&e, RVI_CMD_VMA(0, 1, 34, 0, 0), 0);
	cr_assert(hit(&e, 2, 0x777f000, WR, NULL));
	/* VMA for this PSCID and an address in the run */
	rvi_cmd(&e, RVI_CMD_VMA(1, 1, 33, 0, 0), RVI_CMD_ADDR(0x7771000));
	rvi_fence(&e);
	cr_assert_not(hit(&e, 2, 0x777f000, WR, NULL));
	cr_assert(rvi_get(&e, rvi_pt_slot(&e, root, 4, false, 0x777f000, 0)) & RVI_D);
	rvi_env_fini(&e);
}

/* IOTINVAL.GVMA operand combinations. */
Test(rviommu_cache, gvma_scope)
{
	struct rvi_env e;
	uint64_t r[2];

	two_domains(&e, true, 4, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D, r);
	rvi_dc_write(&e, 3, RVI_TC_V, 0, 0, 0); /* host, all Bare */
	/* AV: only the page holding ADDR, only in GSCID 1 */
	rvi_cmd(&e, RVI_CMD_GVMA(1, 1, 1), RVI_CMD_ADDR(0x2000));
	cr_assert_not(hit(&e, 1, 0x2000, RD, NULL));
	cr_assert(hit(&e, 1, 0x3000, RD, NULL));
	cr_assert(hit(&e, 2, 0x2000, RD, NULL));
	/* GV=1 AV=0: all of GSCID 2 */
	rvi_cmd(&e, RVI_CMD_GVMA(0, 1, 2), 0);
	cr_assert_not(hit(&e, 2, 0x0000, RD, NULL));
	cr_assert_not(hit(&e, 2, 0x3000, RD, NULL));
	cr_assert(hit(&e, 1, 0x1000, RD, NULL));
	/* IOTINVAL.VMA for host address spaces leaves VM entries alone */
	rvi_cmd(&e, RVI_CMD_VMA(0, 0, 0, 0, 0), 0);
	cr_assert(hit(&e, 1, 0x1000, RD, NULL));
	/* GV=0: every VM */
	rvi_cmd(&e, RVI_CMD_GVMA(0, 0, 0), 0);
	cr_assert_not(hit(&e, 1, 0x1000, RD, NULL));
	cr_assert_not(hit(&e, 2, 0x1000, RD, NULL));
	/* all-Bare translations are never cached */
	cr_assert_not(hit(&e, 3, 0x1000, RD, NULL));
	cr_assert_not(hit(&e, 3, 0x1000, RD, NULL));
	rvi_env_fini(&e);
}

/* IOTINVAL.VMA operand combinations and global mappings. */
Test(rviommu_cache, vma_scope_and_global)
{
	struct rvi_env e;
	uint64_t r[2], data = two_domains(&e, false, 3, RVI_R | RVI_U | RVI_A, r);

	/* a global page in PSCID 1 at 0x5000 (nothing negative was cached) */
	rvi_pt_set(&e, r[0], 3, false, 0x5000, 0, RVI_LEAF(data, RVI_R | RVI_U | RVI_A | RVI_G));
	hit(&e, 1, 0x5000, RD, NULL);
	/* the global entry serves PSCID 2 too (a G mapping exists in every
	 * address space) */
	cr_assert(hit(&e, 2, 0x5000, RD, NULL));
	/* PSCV + AV */
	rvi_cmd(&e, RVI_CMD_VMA(1, 1, 1, 0, 0), RVI_CMD_ADDR(0x1000));
	cr_assert_not(hit(&e, 1, 0x1000, RD, NULL));
	cr_assert(hit(&e, 1, 0x2000, RD, NULL));
	cr_assert(hit(&e, 2, 0x1000, RD, NULL));
	/* PSCV without address: all of PSCID 1 except global */
	rvi_cmd(&e, RVI_CMD_VMA(0, 1, 1, 0, 0), 0);
	cr_assert_not(hit(&e, 1, 0x2000, RD, NULL));
	cr_assert(hit(&e, 1, 0x5000, RD, NULL), "global entries survive PSCV");
	cr_assert(hit(&e, 2, 0x2000, RD, NULL));
	/* AV without PSCV: that address, every host address space, global too */
	rvi_cmd(&e, RVI_CMD_VMA(1, 0, 0, 0, 0), RVI_CMD_ADDR(0x5000));
	cr_assert_not(hit(&e, 1, 0x5000, RD, NULL));
	rvi_cmd(&e, RVI_CMD_VMA(1, 0, 0, 0, 0), RVI_CMD_ADDR(0x2000));
	cr_assert_not(hit(&e, 2, 0x2000, RD, NULL));
	/* IOTINVAL.GVMA leaves host entries alone */
	rvi_cmd(&e, RVI_CMD_GVMA(0, 0, 0), 0);
	cr_assert(hit(&e, 2, 0x2000, RD, NULL));
	/* everything host */
	rvi_cmd(&e, RVI_CMD_VMA(0, 0, 0, 0, 0), 0);
	cr_assert_not(hit(&e, 2, 0x2000, RD, NULL));
	cr_assert_not(hit(&e, 1, 0x5000, RD, NULL));
	rvi_env_fini(&e);
}

/* The IOTLB is tagged by GSCID (and PSCID), not by device. */
Test(rviommu_cache, iotlb_shared_across_devices_of_a_gscid)
{
	struct rvi_env e;
	uint64_t root, data;

	root = rvi_env_dev(&e, 3, 0x100, true, 8, 9, 0);
	data = rvi_alloc(&e, 4096, 4096);
	rvi_dc_write(&e, 0x200, RVI_TC_V, RVI_ATP(8, 9, root), 0, 0);
	rvi_pt_set(&e, root, 3, true, 0x9000, 0,
		   RVI_LEAF(data, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D));
	cr_assert_not(hit(&e, 0x100, 0x9000, WR, NULL));
	cr_assert(hit(&e, 0x200, 0x9008, WR, NULL), "filled by another device");
	rvi_env_fini(&e);
}

/* A changed leaf is seen only after invalidation; invalid entries are
 * never cached. */
Test(rviommu_cache, stale_until_invalidated_and_no_negative_caching)
{
	struct rvi_env e;
	uint64_t root, data, slot, pa;
	unsigned int cause;

	root = rvi_env_dev(&e, 3, 4, true, 8, 3, 0);
	data = rvi_alloc(&e, 8192, 4096);
	/* a fault is not cached: mapping afterwards works at once */
	cr_assert_eq(rvi_xlate(&e, 4, 0x6000, RD, NULL), RVI_C_READ_GPAGE);
	rvi_fault_drain(&e);
	slot = rvi_pt_set(&e, root, 3, true, 0x6000, 0,
			  RVI_LEAF(data, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D));
	cr_assert_eq(rvi_xlate(&e, 4, 0x6000, RD, &pa), 0);
	cr_assert_eq(pa, data);
	/* remapped in memory: the old translation is still used ... */
	rvi_set(&e, slot, RVI_LEAF(data + 4096, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D));
	cr_assert_eq(rvi_xlate(&e, 4, 0x6000, RD, &pa), 0);
	cr_assert_eq(pa, data);
	/* ... until IOTINVAL.GVMA */
	rvi_cmd(&e, RVI_CMD_GVMA(1, 1, 3), RVI_CMD_ADDR(0x6000));
	cr_assert_eq(rvi_xlate(&e, 4, 0x6000, RD, &pa), 0);
	cr_assert_eq(pa, data + 4096);
	/* unmapped in memory: still translated until invalidated */
	rvi_set(&e, slot, 0);
	cr_assert(hit(&e, 4, 0x6000, WR, NULL));
	rvi_cmd(&e, RVI_CMD_GVMA(1, 1, 3), RVI_CMD_ADDR(0x6000));
	hit(&e, 4, 0x6000, WR, &cause);
	cr_assert_eq(cause, RVI_C_WRITE_GPAGE);
	rvi_env_fini(&e);
}

/* A fresh Sv39x4 (@gstage) or Sv39 table mapping one read-only 4 KiB
 * page at @va to a fresh data page (*@data); returns the root. */
static uint64_t one_page_table(struct rvi_env *e, bool gstage, uint64_t va, uint64_t *data)
{
	uint64_t root = rvi_pt_root(e, gstage);

	*data = rvi_alloc(e, 4096, 4096);
	rvi_pt_set(e, root, 3, gstage, va, 0, RVI_LEAF(*data, RVI_R | RVI_U | RVI_A));
	return root;
}

/* The device-context cache: a changed DC is seen after IODIR.INVAL_DDT;
 * a DC that was not valid is never cached. */
Test(rviommu_cache, device_context_cache)
{
	struct rvi_env e;
	uint64_t r1, r2, d1, d2, pa;

	rvi_env_ddt(&e, RVI_CAPS_EXT, 2);
	r1 = one_page_table(&e, true, 0x1000, &d1);
	r2 = one_page_table(&e, true, 0x1000, &d2);
	rvi_pt_set(&e, r2, 3, true, 0x2000, 0, RVI_LEAF(d2, RVI_R | RVI_U | RVI_A));

	/* V=0 is never cached: writing the DC works without IODIR */
	cr_assert_eq(rvi_xlate(&e, 5, 0x1000, RD, NULL), RVI_C_DDT_INVALID);
	rvi_fault_drain(&e);
	rvi_dc_write(&e, 5, RVI_TC_V, RVI_ATP(8, 1, r1), 0, 0);
	rvi_dc_write(&e, 6, RVI_TC_V, RVI_ATP(8, 3, r1), 0, 0);
	cr_assert_eq(rvi_xlate(&e, 5, 0x1000, RD, &pa), 0);
	cr_assert_eq(pa, d1);
	cr_assert_eq(rvi_xlate(&e, 6, 0x1000, RD, &pa), 0);

	/* switch device 5 to r2 / GSCID 2 in memory: the cached DC stays */
	rvi_dc_write(&e, 5, RVI_TC_V, RVI_ATP(8, 2, r2), 0, 0);
	cr_assert_eq(rvi_xlate(&e, 5, 0x2000, RD, NULL), RVI_C_READ_GPAGE, "old DC: r1");
	rvi_fault_drain(&e);
	rvi_cmd(&e, RVI_CMD_INVAL_DDT(1, 6), 0); /* another device */
	cr_assert_eq(rvi_xlate(&e, 5, 0x2000, RD, NULL), RVI_C_READ_GPAGE);
	rvi_fault_drain(&e);
	rvi_cmd(&e, RVI_CMD_INVAL_DDT(1, 5), 0);
	cr_assert_eq(rvi_xlate(&e, 5, 0x2000, RD, &pa), 0, "new DC: r2");
	cr_assert_eq(pa, d2);
	/* IODIR does not touch the IOTLB, IOTINVAL not the DC cache */
	cr_assert_eq(rvi_xlate(&e, 6, 0x1000, RD, NULL), 0, "caches device 6 again");
	rvi_dc_write(&e, 6, RVI_TC_V, RVI_ATP(8, 2, r2), 0, 0);
	rvi_cmd(&e, RVI_CMD_GVMA(0, 0, 0), 0);
	cr_assert_eq(rvi_xlate(&e, 6, 0x2000, RD, NULL), RVI_C_READ_GPAGE, "DC still cached");
	rvi_fault_drain(&e);
	rvi_cmd(&e, RVI_CMD_INVAL_DDT(0, 0), 0); /* all devices */
	cr_assert_eq(rvi_xlate(&e, 6, 0x2000, RD, &pa), 0);
	cr_assert_eq(pa, d2);

	/* a cached DC does not let a changed DDT non-leaf matter: fine either
	 * way, but a DC made invalid must be invalidated to take effect */
	rvi_set(&e, rvi_dc_pa(&e, 6), 0);
	cr_assert_eq(rvi_xlate(&e, 6, 0x2000, RD, NULL), 0, "still cached");
	rvi_cmd(&e, RVI_CMD_INVAL_DDT(1, 6), 0);
	cr_assert_eq(rvi_xlate(&e, 6, 0x2000, RD, NULL), RVI_C_DDT_INVALID);
	rvi_fault_drain(&e);
	rvi_env_fini(&e);
}

/* Process contexts are cached by (device, process) and invalidated by
 * IODIR.INVAL_PDT, and with their device by IODIR.INVAL_DDT. */
Test(rviommu_cache, process_context_cache)
{
	struct rvi_env e;
	uint64_t pdt, pt1, pt2, d1, d2, pa;

	rvi_env_ddt(&e, 0, 3);
	pdt = rvi_alloc(&e, 4096, 4096);
	pt1 = one_page_table(&e, false, 0x3000, &d1);
	pt2 = one_page_table(&e, false, 0x4000, &d2);
	rvi_dc_write(&e, 8, RVI_TC_V | RVI_TC_PDTV, 0, 0, RVI_ATP(1, 0, pdt));
	rvi_set(&e, pdt + 7 * 16 + 8, RVI_ATP(8, 0, pt1));
	rvi_set(&e, pdt + 7 * 16, RVI_PC_V | RVI_TA_PSCID(70));
	cr_assert_eq(rvi_xlate_pid(&e, 8, 7, false, 0x3000, RD, &pa), 0);
	cr_assert_eq(pa, d1);
	/* process 7 now uses pt2 (another PSCID) */
	rvi_set(&e, pdt + 7 * 16 + 8, RVI_ATP(8, 0, pt2));
	rvi_set(&e, pdt + 7 * 16, RVI_PC_V | RVI_TA_PSCID(71));
	cr_assert_eq(rvi_xlate_pid(&e, 8, 7, false, 0x4000, RD, NULL), RVI_C_READ_PAGE,
		     "cached PC: pt1");
	rvi_fault_drain(&e);
	rvi_cmd(&e, RVI_CMD_INVAL_PDT(8, 6), 0);
	cr_assert_eq(rvi_xlate_pid(&e, 8, 7, false, 0x4000, RD, NULL), RVI_C_READ_PAGE);
	rvi_fault_drain(&e);
	rvi_cmd(&e, RVI_CMD_INVAL_PDT(8, 7), 0);
	cr_assert_eq(rvi_xlate_pid(&e, 8, 7, false, 0x4000, RD, &pa), 0);
	cr_assert_eq(pa, d2);
	/* back to pt1; INVAL_DDT of the device also drops its PCs */
	rvi_set(&e, pdt + 7 * 16 + 8, RVI_ATP(8, 0, pt1));
	rvi_set(&e, pdt + 7 * 16, RVI_PC_V | RVI_TA_PSCID(70));
	rvi_cmd(&e, RVI_CMD_INVAL_DDT(1, 8), 0);
	cr_assert_eq(rvi_xlate_pid(&e, 8, 7, false, 0x3000, RD, &pa), 0);
	cr_assert_eq(pa, d1);
	rvi_env_fini(&e);
}

/* A tiny IOTLB and DC cache evict and stay correct; the counters count. */
Test(rviommu_cache, small_caches_stay_correct)
{
	struct genpt_rviommu_config cfg = { .capabilities = RVI_CAPS_BASE,
					    .iotlb_entries = 8, .dc_cache_entries = 2 };
	struct genpt_rviommu_stats st;
	struct rvi_env e;
	uint64_t root, data, pa, seed = 1;

	rvi_env_init_cfg(&e, &cfg, 0);
	rvi_ddt_init(&e, 3);
	data = rvi_gstage_pages(&e, 5, 5, 512, 1ull << 21, &root);
	for (unsigned int i = 0; i < 4000; i++) {
		uint64_t p = rvi_rand(&seed) % 512;
		uint32_t did = (uint32_t)(rvi_rand(&seed) % 5);

		cr_assert_eq(rvi_xlate(&e, did, (p << 12) | 8, (i & 1) ? WR : RD, &pa), 0);
		cr_assert_eq(pa, data + (p << 12) + 8);
	}
	cr_assert_eq(genpt_rviommu_stats(e.iommu, &st), 0);
	cr_assert_eq(st.translations, 4000);
	cr_assert_eq(st.iotlb_hits + st.iotlb_misses, 4000);
	cr_assert_gt(st.iotlb_hits, 0);
	cr_assert_gt(st.dc_misses, 5, "2 DC slots for 5 devices: evictions");
	cr_assert_eq(st.dc_hits + st.dc_misses, 4000);
	cr_assert_eq(st.faults, 0);
	cr_assert_gt(st.ad_updates, 0);
	rvi_env_fini(&e);
}

/*
 * The IOTLB is tagged by GSCID: with 8 entries of 8 ways there is one set,
 * so two G-stage domains' translations of the same address meet in it and
 * only the tag tells them apart (in a larger IOTLB they mostly land in
 * different sets, and a missing GSCID check would go unseen).
 */
Test(rviommu_cache, gscid_tags_entries_that_share_a_set)
{
	struct genpt_rviommu_config cfg = { .capabilities = RVI_CAPS_BASE, .iotlb_entries = 8 };
	struct rvi_env e;
	uint64_t root[2], data, pa;

	rvi_env_init_cfg(&e, &cfg, 0);
	rvi_ddt_init(&e, 3);
	data = rvi_alloc(&e, 2 * 4096, 4096);
	for (unsigned int d = 0; d < 2; d++) {
		root[d] = rvi_dev_stage(&e, d + 1, true, 8, d + 1, 0);
		rvi_pt_set(&e, root[d], 3, true, 0x9000, 0,
			   RVI_LEAF(data + d * 4096, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D));
	}
	for (unsigned int pass = 0; pass < 2; pass++)
		for (unsigned int d = 0; d < 2; d++) {
			cr_assert_eq(rvi_xlate(&e, d + 1, 0x9008, RD, &pa), 0);
			cr_assert_eq(pa, data + d * 4096 + 8,
				     "GSCID %u, pass %u: 0x%llx, the other domain's page?", d + 1,
				     pass, (unsigned long long)pa);
		}
	rvi_env_fini(&e);
}
