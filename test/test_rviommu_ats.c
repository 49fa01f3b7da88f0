/* SPDX-License-Identifier: MIT */
/*
 * test_rviommu_ats.c - PCIe ATS through the RISC-V IOMMU model: Translation
 * Requests (the completion, its permissions, the A/D bits they set),
 * translated requests with and without T2GPA, ATS.INVAL, and a device ATC
 * that caches a dirty translation: the dirty-tracking hazard one level
 * beyond the IOTLB.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <errno.h>

#include "rvi_util.h"

#define RD GENPT_ACCESS_READ
#define WR GENPT_ACCESS_WRITE
#define EX GENPT_ACCESS_EXEC
#define DID 0x12u
#define GSCID 0x9u
#define IOVA 0x40000ull
#define CAP_ATS (1ull << 25)
#define CAP_T2GPA (1ull << 26)

static struct genpt_rviommu_rsp req(struct rvi_env *e, unsigned int type, uint64_t iova,
				    unsigned int access)
{
	struct genpt_rviommu_req r = { .device_id = DID, .iova = iova, .access = access,
				       .type = type };
	struct genpt_rviommu_rsp rsp;

	cr_assert_eq(genpt_rviommu_translate(e->iommu, &r, &rsp), 0);
	return rsp;
}

/* A single-stage Sv39 device with SADE, ATS enabled (@tc extra). */
struct dev {
	uint64_t root, page[4];
};

static void dev_init(struct rvi_env *e, struct dev *d, uint64_t tc, uint64_t leaf)
{
	rvi_env_ddt(e, RVI_CAPS_BASE | CAP_ATS | CAP_T2GPA, 1);
	d->root = rvi_pt_root(e, false);
	for (unsigned int i = 0; i < 4; i++) {
		d->page[i] = rvi_alloc(e, 4096, 4096);
		rvi_pt_set(e, d->root, 3, false, IOVA + i * 4096ull, 0, RVI_LEAF(d->page[i], leaf));
	}
	rvi_dc_write(e, DID, RVI_TC_V | RVI_TC_SADE | tc, 0, RVI_TA_PSCID(4),
		     RVI_ATP(8, 0, d->root));
}

static uint64_t leaf(struct rvi_env *e, struct dev *d, unsigned int i)
{
	return rvi_get(e, rvi_pt_slot(e, d->root, 3, false, IOVA + i * 4096ull, 0));
}

/*
 * A Translation Request for write permission to a writable page: the IOMMU
 * walks it as a store (privileged spec: "set pte.a to 1 and, if the
 * original memory access is a store, also set pte.d to 1"), so the W it
 * grants is already dirty; the spec's A/D section requires the PTE update
 * to be visible before the device's translated access.  Asking only for
 * read (No-Write) sets A alone and grants no W.
 */
Test(rviommu_ats, write_request_sets_d_read_request_does_not)
{
	struct rvi_env e;
	struct dev d;
	struct genpt_rviommu_rsp r;

	dev_init(&e, &d, RVI_TC_EN_ATS, RVI_R | RVI_W | RVI_U);
	r = req(&e, GENPT_RVIOMMU_REQ_ATS, IOVA, WR);
	cr_assert_eq(r.ats_status, GENPT_RVIOMMU_ATS_SUCCESS);
	cr_assert_eq(r.cause, 0);
	cr_assert_eq(r.perm, GENPT_RVIOMMU_PERM_R | GENPT_RVIOMMU_PERM_W);
	cr_assert_eq(r.pa, d.page[0]);
	cr_assert_eq(r.page_shift, 12);
	cr_assert_eq(leaf(&e, &d, 0) & (RVI_A | RVI_D), RVI_A | RVI_D);

	r = req(&e, GENPT_RVIOMMU_REQ_ATS, IOVA + 4096, RD);
	cr_assert_eq(r.perm, GENPT_RVIOMMU_PERM_R, "no W without being asked");
	cr_assert_eq(leaf(&e, &d, 1) & (RVI_A | RVI_D), RVI_A);
	cr_assert_eq(rvi_fault_count(&e), 0);
	rvi_env_fini(&e);
}

/* Write permission asked for a read-only page: R granted, W denied, A set,
 * D not (the completion lists the denied permission as 0, no fault). */
Test(rviommu_ats, write_request_to_read_only_page)
{
	struct rvi_env e;
	struct dev d;
	struct genpt_rviommu_rsp r;

	dev_init(&e, &d, RVI_TC_EN_ATS, RVI_R | RVI_U);
	r = req(&e, GENPT_RVIOMMU_REQ_ATS, IOVA, WR);
	cr_assert_eq(r.ats_status, GENPT_RVIOMMU_ATS_SUCCESS);
	cr_assert_eq(r.perm, GENPT_RVIOMMU_PERM_R);
	cr_assert_eq(leaf(&e, &d, 0) & (RVI_A | RVI_D), RVI_A);
	cr_assert_eq(rvi_fault_count(&e), 0);
	/* X only when asked for and with R: this page has no X. */
	r = req(&e, GENPT_RVIOMMU_REQ_ATS, IOVA, EX);
	cr_assert_eq(r.perm, GENPT_RVIOMMU_PERM_R);
	rvi_env_fini(&e);
}

/*
 * "PCIe ATS translation request handling": a page fault gives "a Success
 * Response with R and W bits set to 0" and "No faults are logged";
 * "Transaction type disallowed" (EN_ATS = 0) is an Unsupported Request and
 * is reported (TTYP 8: PCIe ATS Translation Request).
 */
Test(rviommu_ats, completion_status)
{
	struct rvi_env e;
	struct dev d;
	struct genpt_rviommu_rsp r;

	dev_init(&e, &d, RVI_TC_EN_ATS, RVI_R | RVI_W | RVI_U);
	r = req(&e, GENPT_RVIOMMU_REQ_ATS, 0x7000000ull, WR);
	cr_assert_eq(r.ats_status, GENPT_RVIOMMU_ATS_SUCCESS);
	cr_assert_eq(r.perm, 0);
	cr_assert_eq(r.cause, RVI_C_READ_PAGE, "the read retry's fault");
	cr_assert_not(r.reported);
	cr_assert_eq(rvi_fault_count(&e), 0);
	rvi_env_fini(&e);

	dev_init(&e, &d, 0, RVI_R | RVI_W | RVI_U);
	r = req(&e, GENPT_RVIOMMU_REQ_ATS, IOVA, RD);
	cr_assert_eq(r.ats_status, GENPT_RVIOMMU_ATS_UR);
	cr_assert_eq(r.cause, RVI_C_TTYP);
	rvi_expect_fault(&e, RVI_C_TTYP, 8, DID, IOVA, 0);
	/* A translated request without EN_ATS: 260, TTYP 7 (translated write). */
	cr_assert_eq(req(&e, GENPT_RVIOMMU_REQ_TRANSLATED, d.page[0], WR).cause, RVI_C_TTYP);
	rvi_expect_fault(&e, RVI_C_TTYP, 7, DID, d.page[0], 0);
	rvi_env_fini(&e);
}

/* Step 2: in Bare mode translated and ATS requests are disallowed. */
Test(rviommu_ats, bare_mode_disallows)
{
	struct rvi_env e;

	rvi_env_init(&e, RVI_CAPS_BASE | CAP_ATS, 0);
	rvi_wr(&e, RVI_REG_DDTP, 8, 1); /* Bare */
	cr_assert_eq(req(&e, GENPT_RVIOMMU_REQ_ATS, IOVA, RD).ats_status, GENPT_RVIOMMU_ATS_UR);
	cr_assert_eq(req(&e, GENPT_RVIOMMU_REQ_TRANSLATED, IOVA, RD).cause, RVI_C_TTYP);
	cr_assert_eq(req(&e, GENPT_RVIOMMU_REQ_UNTRANSLATED, IOVA, RD).cause, 0);
	rvi_env_fini(&e);
}

/*
 * Step 8: "If request is a Translated request and DC.tc.T2GPA is 0 then the
 * translation process is complete" - the address is used as is.  With
 * T2GPA the completion carries the GPA and a translated request is a GPA
 * that goes through the second stage alone.
 */
Test(rviommu_ats, translated_requests_and_t2gpa)
{
	const uint64_t gpa = 0x200000ull, leafb = RVI_R | RVI_W | RVI_U | RVI_A | RVI_D;
	uint64_t spa;
	struct genpt_rviommu_rsp r;
	struct rvi_env e;
	struct dev d;

	dev_init(&e, &d, RVI_TC_EN_ATS, RVI_R | RVI_W | RVI_U);
	r = req(&e, GENPT_RVIOMMU_REQ_TRANSLATED, 0x123456000ull, WR);
	cr_assert_eq(r.cause, 0);
	cr_assert_eq(r.pa, 0x123456000ull);
	rvi_env_fini(&e);

	rvi_env_ddt(&e, RVI_CAPS_BASE | CAP_ATS | CAP_T2GPA, 1);
	spa = rvi_alloc(&e, 4096, 4096);
	/* IOVA -> gpa -> spa */
	rvi_two_stage_init(&e, &(struct rvi_two_stage){
		.did = DID, .gscid = GSCID, .pscid = 3, .tc = RVI_TC_EN_ATS | RVI_TC_T2GPA,
		.iova = IOVA, .gpa = gpa, .spa = spa, .fs_flags = leafb, .gs_flags = leafb,
		.tbl_flags = leafb });
	r = req(&e, GENPT_RVIOMMU_REQ_ATS, IOVA + 0x10, WR);
	cr_assert_eq(r.ats_status, GENPT_RVIOMMU_ATS_SUCCESS);
	cr_assert_eq(r.pa, gpa + 0x10, "T2GPA: the completion is the GPA");
	cr_assert_eq(r.perm, GENPT_RVIOMMU_PERM_R | GENPT_RVIOMMU_PERM_W);
	r = req(&e, GENPT_RVIOMMU_REQ_TRANSLATED, gpa + 0x18, WR);
	cr_assert_eq(r.cause, 0);
	cr_assert_eq(r.pa, spa + 0x18, "a translated GPA goes through the G-stage");
	r = req(&e, GENPT_RVIOMMU_REQ_TRANSLATED, 0x40000000ull, RD);
	cr_assert_eq(r.cause, RVI_C_READ_GPAGE, "unmapped GPA");
	rvi_expect_fault(&e, RVI_C_READ_GPAGE, 6, DID, 0x40000000ull, 0x40000000ull);
	rvi_env_fini(&e);
}

static void ats_inval(struct rvi_env *e, uint32_t did, uint64_t payload)
{
	rvi_cmd(e, 4 | ((uint64_t)did << 40), payload);
	rvi_fence(e);
}

/* Clean D in the leaf of page @i by hand, as a harvest does, and invalidate
 * the IOTLB (IOTINVAL.VMA for everything, then IOFENCE.C). */
static void harvest_page(struct rvi_env *e, struct dev *d, unsigned int i)
{
	uint64_t slot = rvi_pt_slot(e, d->root, 3, false, IOVA + i * 4096ull, 0);

	rvi_set(e, slot, rvi_get(e, slot) & ~RVI_D);
	rvi_cmd(e, RVI_CMD_VMA(0, 0, 0, 0, 0), 0);
	rvi_fence(e);
}

/*
 * The hazard: a device whose ATC holds a dirty W translation writes through
 * translated requests, which set no D.  A harvest that cleans D and
 * invalidates only the IOTLB misses the next write (D stays 0: the page is
 * lost); with ATS.INVAL (then IOFENCE.C) the device asks again and D is set.
 */
Test(rviommu_ats, atc_hazard_and_ats_inval)
{
	for (int with_inval = 0; with_inval < 2; with_inval++) {
		struct genpt_rviommu_atc *atc;
		uint64_t v = 0xabcdull;
		struct rvi_env e;
		struct dev d;

		dev_init(&e, &d, RVI_TC_EN_ATS, RVI_R | RVI_W | RVI_U);
		cr_assert_eq(genpt_rviommu_atc_create(e.iommu, DID, 0, &atc), 0);
		cr_assert_eq(genpt_rviommu_atc_dma(atc, IOVA + 8, &v, 8, WR), 0);
		cr_assert(leaf(&e, &d, 0) & RVI_D, "the Translation Request set D");
		harvest_page(&e, &d, 0);
		if (with_inval)
			ats_inval(&e, DID, IOVA);
		v = 0x1234;
		cr_assert_eq(genpt_rviommu_atc_dma(atc, IOVA + 16, &v, 8, WR), 0);
		cr_assert_eq(rvi_get(&e, d.page[0] + 16), 0x1234, "the data arrived either way");
		if (with_inval)
			cr_assert(leaf(&e, &d, 0) & RVI_D, "ATS.INVAL: the write is seen dirty");
		else
			cr_assert_not(leaf(&e, &d, 0) & RVI_D, "no ATS.INVAL: the write is lost");
		genpt_rviommu_atc_destroy(atc);
		rvi_env_fini(&e);
	}
}

/* ATS.INVAL's range: S=0 one 4 KiB page; S=1 with ADDR[12] = 0 8 KiB;
 * another device's ATC is not touched; PV names no PASID-less entry. */
Test(rviommu_ats, ats_inval_ranges)
{
	struct genpt_rviommu_atc *atc, *other;
	uint64_t v = 1;
	struct rvi_env e;
	struct dev d;

	dev_init(&e, &d, RVI_TC_EN_ATS, RVI_R | RVI_W | RVI_U);
	rvi_dc_write(&e, DID + 1, RVI_TC_V | RVI_TC_SADE | RVI_TC_EN_ATS, 0, RVI_TA_PSCID(4),
		     RVI_ATP(8, 0, d.root));
	cr_assert_eq(genpt_rviommu_atc_create(e.iommu, DID, 8, &atc), 0);
	cr_assert_eq(genpt_rviommu_atc_create(e.iommu, DID + 1, 8, &other), 0);
	for (unsigned int i = 0; i < 4; i++)
		cr_assert_eq(genpt_rviommu_atc_dma(atc, IOVA + i * 4096ull, &v, 8, WR), 0);
	cr_assert_eq(genpt_rviommu_atc_dma(other, IOVA, &v, 8, WR), 0);
	for (unsigned int i = 0; i < 4; i++)
		harvest_page(&e, &d, i);

	rvi_cmd(&e, 4 | GENPT_RVI_ATS_PV | ((uint64_t)DID << 40), IOVA); /* PASID 0 */
	ats_inval(&e, DID, IOVA + 3 * 4096);                              /* page 3 */
	ats_inval(&e, DID, IOVA | GENPT_RVI_ATS_S);                       /* pages 0-1 */
	for (unsigned int i = 0; i < 4; i++)
		cr_assert_eq(genpt_rviommu_atc_dma(atc, IOVA + i * 4096ull, &v, 8, WR), 0);
	cr_assert_eq(genpt_rviommu_atc_dma(other, IOVA, &v, 8, WR), 0);
	cr_assert(leaf(&e, &d, 0) & RVI_D);
	cr_assert(leaf(&e, &d, 1) & RVI_D);
	cr_assert_not(leaf(&e, &d, 2) & RVI_D, "page 2 still cached");
	cr_assert(leaf(&e, &d, 3) & RVI_D);
	genpt_rviommu_atc_destroy(other);
	genpt_rviommu_atc_destroy(atc);
	rvi_env_fini(&e);
}

/* A completion without the needed permission: the device falls back to an
 * untranslated request, which faults and is reported as such. */
Test(rviommu_ats, atc_falls_back_to_untranslated)
{
	struct genpt_rviommu_atc *atc;
	uint64_t v = 1;
	struct rvi_env e;
	struct dev d;

	dev_init(&e, &d, RVI_TC_EN_ATS, RVI_R | RVI_U);
	cr_assert_eq(genpt_rviommu_atc_create(e.iommu, DID, 0, &atc), 0);
	cr_assert_eq(genpt_rviommu_atc_dma(atc, IOVA, &v, 8, WR), -EFAULT);
	rvi_expect_fault(&e, RVI_C_WRITE_PAGE, 3, DID, IOVA, 0);
	cr_assert_eq(genpt_rviommu_atc_dma(atc, IOVA, &v, 8, RD), 0);
	cr_assert_eq(genpt_rviommu_atc_create(NULL, DID, 0, &atc), -EINVAL);
	genpt_rviommu_atc_destroy(atc);
	rvi_env_fini(&e);
}

/* No ATS capability: no ATC; the ATS command is illegal (test_rviommu_regs). */
Test(rviommu_ats, atc_needs_the_capability)
{
	struct genpt_rviommu_atc *atc = NULL;
	struct rvi_env e;

	rvi_env_init(&e, 0, 0);
	cr_assert_eq(genpt_rviommu_atc_create(e.iommu, DID, 0, &atc), -EINVAL);
	cr_assert_null(atc);
	rvi_env_fini(&e);
}
