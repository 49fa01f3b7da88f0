/* SPDX-License-Identifier: MIT */
/*
 * test_rviommu_response.c - what genpt_rviommu_translate() tells the
 * embedder besides the address: the permissions the translation grants
 * this requester (both stages, the first stage's U rules), U, D, MSI, and
 * for a fault the record's iotval and iotval2 and whether it is reported -
 * also when DC.tc.DTF suppresses the record.  Each successful case is
 * asked twice: the IOTLB's answer must say what the walk said.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "rvi_util.h"

#define RD GENPT_ACCESS_READ
#define WR GENPT_ACCESS_WRITE
#define EX GENPT_ACCESS_EXEC
#define P_R GENPT_RVIOMMU_PERM_R
#define P_W GENPT_RVIOMMU_PERM_W
#define P_X GENPT_RVIOMMU_PERM_X
#define DID 0x11u

struct want {
	unsigned int perm;
	bool user, dirty, msi;
};

static struct genpt_rviommu_rsp xl(struct rvi_env *e, uint32_t did, bool pv, uint32_t pid,
				   bool priv, uint64_t iova, unsigned int access)
{
	struct genpt_rviommu_req req = { .device_id = did, .process_id = pid, .pid_valid = pv,
					 .priv = priv, .iova = iova, .access = access };
	struct genpt_rviommu_rsp rsp;

	cr_assert_eq(genpt_rviommu_translate(e->iommu, &req, &rsp), 0);
	return rsp;
}

/* A successful translation says @w, walking and then from the IOTLB. */
static void expect_ok(struct rvi_env *e, uint32_t did, bool pv, uint32_t pid, bool priv,
		      uint64_t iova, unsigned int access, struct want w, const char *what)
{
	for (int pass = 0; pass < 2; pass++) {
		struct genpt_rviommu_rsp r = xl(e, did, pv, pid, priv, iova, access);

		cr_assert_eq(r.cause, 0, "%s: cause %u", what, r.cause);
		cr_assert_eq(r.perm, w.perm, "%s pass %d: perm %#x, want %#x", what, pass, r.perm,
			     w.perm);
		cr_assert_eq(r.user, w.user, "%s pass %d: user", what, pass);
		cr_assert_eq(r.dirty, w.dirty, "%s pass %d: dirty", what, pass);
		cr_assert_eq(r.msi, w.msi, "%s pass %d: msi", what, pass);
		cr_assert_eq(r.iotval | r.iotval2 | r.reported, 0, "%s: fault fields", what);
		if (w.msi || access == WR)
			break; /* MSI translations are not cached; writes are asked once */
	}
}

Test(rviommu_response, bare_mode_grants_everything)
{
	struct rvi_env e;

	rvi_env_init(&e, 0, 0);
	rvi_wr(&e, RVI_REG_DDTP, 8, 1); /* Bare */
	expect_ok(&e, DID, false, 0, false, 0x1234, EX,
		  (struct want){ P_R | P_W | P_X, false, true, false }, "ddtp Bare");
	rvi_env_fini(&e);
}

/* A first stage alone: the leaf's R/W/X, its U, its D. */
Test(rviommu_response, first_stage_leaf_bits)
{
	static const struct {
		uint64_t flags;
		unsigned int access;
		struct want w;
	} c[] = {
		{ RVI_R | RVI_U | RVI_A, RD, { P_R, true, false, false } },
		{ RVI_R | RVI_X | RVI_U | RVI_A, EX, { P_R | P_X, true, false, false } },
		{ RVI_R | RVI_W | RVI_U | RVI_A | RVI_D, RD, { P_R | P_W, true, true, false } },
		{ RVI_R | RVI_W | RVI_U, WR, { P_R | P_W, true, true, false } }, /* SADE sets A, D */
	};

	for (unsigned int i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct rvi_env e;
		uint64_t root, data;

		rvi_env_ddt(&e, 0, 1);
		root = rvi_pt_root(&e, false);
		data = rvi_alloc(&e, 4096, 4096);
		rvi_pt_set(&e, root, 3, false, 0x5000, 0, RVI_LEAF(data, c[i].flags));
		rvi_dc_write(&e, DID, RVI_TC_V | RVI_TC_SADE, 0, RVI_TA_PSCID(1),
			     RVI_ATP(8, 0, root));
		expect_ok(&e, DID, false, 0, false, 0x5008, c[i].access, c[i].w, "leaf");
		rvi_env_fini(&e);
	}
}

/*
 * Supervisor requests (a process context with ENS): a page without U
 * grants everything its leaf has; a U page nothing without SUM (the
 * request faults) and R/W but never X with SUM.
 */
Test(rviommu_response, supervisor_requests_and_sum)
{
	for (int sum = 0; sum <= 1; sum++) {
		struct rvi_env e;
		uint64_t pdt, root, data;
		const uint64_t all = RVI_R | RVI_W | RVI_X | RVI_A | RVI_D;

		rvi_env_ddt(&e, 0, 1);
		pdt = rvi_alloc(&e, 4096, 4096);
		root = rvi_pt_root(&e, false);
		data = rvi_alloc(&e, 4096, 4096);
		rvi_pt_set(&e, root, 3, false, 0x1000, 0, RVI_LEAF(data, all));
		rvi_pt_set(&e, root, 3, false, 0x2000, 0, RVI_LEAF(data, all | RVI_U));
		rvi_set(&e, pdt + 3 * 16 + 8, RVI_ATP(8, 0, root));
		rvi_set(&e, pdt + 3 * 16,
			RVI_PC_V | RVI_PC_ENS | (sum ? RVI_PC_SUM : 0) | RVI_TA_PSCID(2));
		rvi_dc_write(&e, DID, RVI_TC_V | RVI_TC_PDTV, 0, 0, RVI_ATP(1, 0, pdt));
		expect_ok(&e, DID, true, 3, true, 0x1000, RD,
			  (struct want){ P_R | P_W | P_X, false, true, false }, "S page");
		if (sum)
			expect_ok(&e, DID, true, 3, true, 0x2000, RD,
				  (struct want){ P_R | P_W, true, true, false }, "U page, SUM");
		else
			cr_assert_eq(xl(&e, DID, true, 3, true, 0x2000, RD).cause, RVI_C_READ_PAGE);
		/* the same U page for a user request: all of it */
		expect_ok(&e, DID, true, 3, false, 0x2000, RD,
			  (struct want){ P_R | P_W | P_X, true, true, false }, "U page, user");
		rvi_env_fini(&e);
	}
}

/* Two stages: the permissions of both leaves intersect, D of both. */
Test(rviommu_response, two_stages_intersect)
{
	struct rvi_env e;
	uint64_t data;

	rvi_env_ddt(&e, 0, 1);
	data = rvi_alloc(&e, 4096, 4096);
	/* the first-stage table pages at GPA = SPA (identity in the G-stage);
	 * the data page read and execute only, and clean */
	rvi_two_stage_init(&e, &(struct rvi_two_stage){
		.did = DID, .gscid = 7, .pscid = 4, .iova = 0x3000, .gpa = data, .spa = data,
		.fs_flags = RVI_R | RVI_W | RVI_X | RVI_U | RVI_A | RVI_D,
		.gs_flags = RVI_R | RVI_X | RVI_U | RVI_A,
		.tbl_flags = RVI_R | RVI_W | RVI_U | RVI_A | RVI_D });
	expect_ok(&e, DID, false, 0, false, 0x3010, RD,
		  (struct want){ P_R | P_X, true, false, false }, "two stages");
	rvi_env_fini(&e);
}

/* MSI translations: R and W only, no G-stage, flagged. */
Test(rviommu_response, msi_translation)
{
	const uint64_t pattern = 0x28000000ull >> 12;
	uint64_t w[8] = { 0 }, msipt, file;
	struct rvi_env e;

	rvi_env_ddt(&e, RVI_CAPS_EXT, 1);
	msipt = rvi_msi_table(&e, &file);
	w[0] = RVI_TC_V;
	w[1] = RVI_ATP(8, 3, rvi_pt_root(&e, true)); /* maps nothing */
	w[4] = RVI_ATP(1, 0, msipt);
	w[6] = pattern;
	rvi_dc_write_ext(&e, DID, w);
	expect_ok(&e, DID, false, 0, false, pattern << 12, WR,
		  (struct want){ P_R | P_W, false, true, true }, "MSI");
	rvi_env_fini(&e);
}

/*
 * Faults: the record's iotval and iotval2 in the response, reported or
 * not by DC.tc.DTF, and nothing of a translation.  A guest-page fault on
 * the implicit read of a first-stage table: iotval2 = its GPA | 1.
 */
Test(rviommu_response, faults_with_and_without_dtf)
{
	for (int dtf = 0; dtf <= 1; dtf++) {
		struct genpt_rviommu_rsp r;
		struct rvi_env e;
		uint64_t groot, froot_gpa = 0x40000000ull;

		rvi_env_ddt(&e, 0, 1);
		groot = rvi_pt_root(&e, true); /* maps nothing */
		rvi_dc_write(&e, DID, RVI_TC_V | (dtf ? RVI_TC_DTF : 0), RVI_ATP(8, 7, groot),
			     RVI_TA_PSCID(4), RVI_ATP(8, 0, froot_gpa));
		r = xl(&e, DID, false, 0, false, 0x7000123, WR);
		cr_assert_eq(r.cause, RVI_C_WRITE_GPAGE);
		cr_assert_eq(r.iotval, 0x7000123);
		cr_assert_eq(r.iotval2, (froot_gpa + 8 * 0) | 1);
		cr_assert_eq(r.reported, !dtf);
		cr_assert_eq(r.pa | r.page_shift | r.perm | r.user | r.dirty | r.msi | r.iotlb_hit, 0);
		if (dtf)
			cr_assert_eq(rvi_fault_count(&e), 0, "DTF=1: no record");
		else
			rvi_expect_fault(&e, RVI_C_WRITE_GPAGE, 3, DID, 0x7000123, froot_gpa | 1);
		/* a fault DTF cannot suppress: DDT entry not valid */
		r = xl(&e, DID + 1, false, 0, false, 0x10, RD);
		cr_assert_eq(r.cause, RVI_C_DDT_INVALID);
		cr_assert(r.reported);
		cr_assert_eq(r.iotval, 0x10);
		cr_assert_eq(r.iotval2, 0);
		rvi_expect_fault(&e, RVI_C_DDT_INVALID, 2, DID + 1, 0x10, 0);
		rvi_env_fini(&e);
	}
}
