/* SPDX-License-Identifier: MIT */
/*
 * test_rviommu_inval.c - targeted IOTLB invalidations one by one: every
 * IOTINVAL.VMA operand combination (GV, AV, PSCV) and every IOTINVAL.GVMA
 * one (GV, AV) against nine cached translations that differ in one tag
 * each, checking what must be dropped and what must stay.
 *
 * The spec's tables "IOTINVAL.VMA operands and operations" and
 * "IOTINVAL.GVMA operands and operations" decide the first; removing more
 * than required is allowed, so "must stay" is this model's documented
 * precision (docs/riscv_iommu.md), with one spec-given rule: PSCV=1 never
 * removes global entries.  Entries of a device whose first stage is Bare
 * (G-stage only) hold no first-stage information: the model drops them
 * with the forms without PSCV.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "rvi_util.h"

#define A 0x1000ull /* the address the commands name */
#define B 0x2000ull
#define G 0x5000ull /* global pages */
#define ALL_RW (RVI_R | RVI_W | RVI_U | RVI_A | RVI_D)

/* The cached translations: device and IOVA of each. */
enum { E_G1P1_A, E_G1P1_B, E_G1P2_A, E_G2P1_A, E_HP1_A, E_HP2_A, E_G1_GLOBAL,
       E_G1_BARE_A, E_H_GLOBAL, E_N };

static const struct {
	uint32_t did;
	uint64_t iova;
	const char *name;
} ent[E_N] = {
	[E_G1P1_A] = { 1, A, "GSCID 1 PSCID 1 at A" },
	[E_G1P1_B] = { 1, B, "GSCID 1 PSCID 1 at B" },
	[E_G1P2_A] = { 2, A, "GSCID 1 PSCID 2 at A" },
	[E_G2P1_A] = { 3, A, "GSCID 2 PSCID 1 at A" },
	[E_HP1_A] = { 4, A, "host PSCID 1 at A" },
	[E_HP2_A] = { 5, A, "host PSCID 2 at A" },
	[E_G1_GLOBAL] = { 1, G, "GSCID 1 global" },
	[E_G1_BARE_A] = { 6, A, "GSCID 1, first stage Bare, at A" },
	[E_H_GLOBAL] = { 4, G, "host global" },
};

#define BIT(e) (1u << (e))

/*
 * Devices: 1 (GSCID 1, PSCID 1), 2 (GSCID 1, PSCID 2), 3 (GSCID 2,
 * PSCID 1), 4 (host, PSCID 1), 5 (host, PSCID 2), 6 (GSCID 1, first stage
 * Bare).  First stages map IOVA x to GPA x (their table pages sit at GPA =
 * SPA, identity 1 GiB G-stage leaves); G-stages map those GPAs to data.
 */
static void setup(struct rvi_env *e)
{
	uint64_t gs[2], data = 0;

	rvi_env_ddt(e, 0, 1);
	for (unsigned int g = 0; g < 2; g++) {
		gs[g] = rvi_pt_root(e, true);
		rvi_gs_identity_gib(e, gs[g], ALL_RW);
	}
	data = rvi_alloc(e, 3 * 4096, 4096);
	for (uint32_t did = 1; did <= 6; did++) {
		bool vm = did <= 3 || did == 6;
		uint64_t g = did == 3 ? gs[1] : gs[0];
		uint64_t fs = rvi_pt_root(e, false), iohgatp = vm ? RVI_ATP(8, did == 3 ? 2 : 1, g) : 0;
		uint32_t pscid = did == 2 || did == 5 ? 2 : 1;
		const uint64_t va[3] = { A, B, G };

		for (unsigned int i = 0; i < 3; i++) {
			uint64_t out = vm ? va[i] : data + i * 4096;
			uint64_t glob = va[i] == G ? RVI_G : 0;

			if (vm)
				rvi_pt_set(e, g, 3, true, va[i], 0,
					   RVI_LEAF(data + i * 4096, ALL_RW));
			rvi_pt_set(e, fs, 3, false, va[i], 0, RVI_LEAF(out, ALL_RW | glob));
		}
		rvi_dc_write(e, did, RVI_TC_V, iohgatp, RVI_TA_PSCID(pscid),
			     did == 6 ? 0 : RVI_ATP(8, 0, fs));
	}
}

static bool cached(struct rvi_env *e, unsigned int i)
{
	struct genpt_rviommu_req req = { .device_id = ent[i].did, .iova = ent[i].iova,
					 .access = GENPT_ACCESS_READ };
	struct genpt_rviommu_rsp rsp;

	cr_assert_eq(genpt_rviommu_translate(e->iommu, &req, &rsp), 0);
	cr_assert_eq(rsp.cause, 0, "%s: cause %u", ent[i].name, rsp.cause);
	return rsp.iotlb_hit;
}

/* Cache all nine, run the command, then each must be gone exactly when it
 * is in @dropped (each is asked once: a miss refills it). */
static void check(uint64_t d0, uint64_t d1, unsigned int dropped, const char *what)
{
	struct rvi_env e;

	setup(&e);
	for (unsigned int i = 0; i < E_N; i++)
		cached(&e, i);
	for (unsigned int i = 0; i < E_N; i++)
		cr_assert(cached(&e, i), "%s primed", ent[i].name);
	rvi_cmd(&e, d0, d1);
	for (unsigned int i = 0; i < E_N; i++) {
		bool gone = !cached(&e, i);

		cr_assert_eq(gone, !!(dropped & BIT(i)), "%s: %s %s", what, ent[i].name,
			     gone ? "dropped" : "kept");
	}
	rvi_env_fini(&e);
}

/* IOTINVAL.VMA, GV=0: host address spaces (G-stage Bare) only. */
Test(rviommu_inval, vma_host)
{
	/* AV=0 PSCV=0: every host entry, global ones too */
	check(RVI_CMD_VMA(0, 0, 0, 0, 0), 0,
	      BIT(E_HP1_A) | BIT(E_HP2_A) | BIT(E_H_GLOBAL), "VMA GV=0 AV=0 PSCV=0");
	/* AV=0 PSCV=1: PSCID 1's entries, except global */
	check(RVI_CMD_VMA(0, 1, 1, 0, 0), 0, BIT(E_HP1_A), "VMA GV=0 AV=0 PSCV=1");
	/* AV=1 PSCV=0: the address in every host address space, global too */
	check(RVI_CMD_VMA(1, 0, 0, 0, 0), RVI_CMD_ADDR(A), BIT(E_HP1_A) | BIT(E_HP2_A),
	      "VMA GV=0 AV=1 PSCV=0");
	check(RVI_CMD_VMA(1, 0, 0, 0, 0), RVI_CMD_ADDR(G), BIT(E_H_GLOBAL),
	      "VMA GV=0 AV=1 PSCV=0 (global address)");
	/* AV=1 PSCV=1: the address in PSCID 1, except global */
	check(RVI_CMD_VMA(1, 1, 1, 0, 0), RVI_CMD_ADDR(A), BIT(E_HP1_A), "VMA GV=0 AV=1 PSCV=1");
	check(RVI_CMD_VMA(1, 1, 1, 0, 0), RVI_CMD_ADDR(G), 0,
	      "VMA GV=0 AV=1 PSCV=1 (global address)");
}

/* IOTINVAL.VMA, GV=1: the VS stage of GSCID 1 only. */
Test(rviommu_inval, vma_guest)
{
	check(RVI_CMD_VMA(0, 0, 0, 1, 1), 0,
	      BIT(E_G1P1_A) | BIT(E_G1P1_B) | BIT(E_G1P2_A) | BIT(E_G1_GLOBAL) |
		      BIT(E_G1_BARE_A),
	      "VMA GV=1 AV=0 PSCV=0");
	check(RVI_CMD_VMA(0, 1, 1, 1, 1), 0, BIT(E_G1P1_A) | BIT(E_G1P1_B),
	      "VMA GV=1 AV=0 PSCV=1");
	check(RVI_CMD_VMA(1, 0, 0, 1, 1), RVI_CMD_ADDR(A),
	      BIT(E_G1P1_A) | BIT(E_G1P2_A) | BIT(E_G1_BARE_A), "VMA GV=1 AV=1 PSCV=0");
	check(RVI_CMD_VMA(1, 0, 0, 1, 1), RVI_CMD_ADDR(G), BIT(E_G1_GLOBAL),
	      "VMA GV=1 AV=1 PSCV=0 (global address)");
	check(RVI_CMD_VMA(1, 1, 1, 1, 1), RVI_CMD_ADDR(A), BIT(E_G1P1_A),
	      "VMA GV=1 AV=1 PSCV=1");
	check(RVI_CMD_VMA(1, 1, 1, 1, 1), RVI_CMD_ADDR(G), 0,
	      "VMA GV=1 AV=1 PSCV=1 (global address)");
	/* another GSCID's PSCID 1 */
	check(RVI_CMD_VMA(0, 1, 1, 1, 2), 0, BIT(E_G2P1_A), "VMA GV=1 GSCID 2 PSCV=1");
}

/* IOTINVAL.GVMA: G-stage translations; host entries never. */
Test(rviommu_inval, gvma)
{
	const unsigned int vm = BIT(E_G1P1_A) | BIT(E_G1P1_B) | BIT(E_G1P2_A) |
				BIT(E_G2P1_A) | BIT(E_G1_GLOBAL) | BIT(E_G1_BARE_A);

	/* GV=0: every VM; AV is ignored */
	check(RVI_CMD_GVMA(0, 0, 0), 0, vm, "GVMA GV=0");
	check(RVI_CMD_GVMA(1, 0, 0), RVI_CMD_ADDR(A), vm, "GVMA GV=0 AV=1");
	/* GV=1: GSCID 1, every entry whatever its first stage */
	check(RVI_CMD_GVMA(0, 1, 1), 0, vm & ~BIT(E_G2P1_A), "GVMA GV=1 AV=0");
	/* GV=1 AV=1: what the G-stage leaf of GPA A produced in GSCID 1 */
	check(RVI_CMD_GVMA(1, 1, 1), RVI_CMD_ADDR(A),
	      BIT(E_G1P1_A) | BIT(E_G1P2_A) | BIT(E_G1_BARE_A), "GVMA GV=1 AV=1");
	check(RVI_CMD_GVMA(1, 1, 2), RVI_CMD_ADDR(A), BIT(E_G2P1_A), "GVMA GV=1 GSCID 2 AV=1");
}
