/* SPDX-License-Identifier: MIT */
/*
 * test_rviommu_implicit.c - the fault each implicit memory access of the
 * RISC-V IOMMU model reports when it fails, one test per structure, each
 * quoting the sentence of the specification that decides it:
 *
 *   DDT entries and device contexts   (always SPAs)        257
 *   PDT entries and process contexts  (GPAs via G-stage)   265 / 20,21,23
 *   first-stage PTEs                  (GPAs via G-stage)   1,5,7 / 20,21,23
 *   first-stage A/D updates           (GPAs via G-stage)   20,21,23 (iotval2 bit 1)
 *   MSI PTEs                          (always SPAs)        261
 *
 * A failure is either a G-stage translation fault (the GPA is not mapped:
 * a guest-page fault of the original access type, iotval2 = the GPA with
 * bit 0 set) or an access fault (the memory is not there: here, an address
 * the physical memory does not back).  Access faults can happen on the
 * G-stage's own table pages, and on the structure itself.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "rvi_util.h"

#define RD GENPT_ACCESS_READ
#define WR GENPT_ACCESS_WRITE
#define EX GENPT_ACCESS_EXEC
#define GSCID 0x21u
#define DID 0x31u
#define NOWHERE 0x50000ull /* below RVI_PM_BASE: not backed */
#define GLEAF (RVI_R | RVI_W | RVI_U | RVI_A | RVI_D)

static const unsigned int acc[3] = { RD, WR, EX };
static const unsigned int ttyp[3] = { 2, 3, 1 };
static const unsigned int gpage[3] = { RVI_C_READ_GPAGE, RVI_C_WRITE_GPAGE,
				       RVI_C_INST_GPAGE };
static const unsigned int access_fault[3] = { RVI_C_READ_ACCESS, RVI_C_WRITE_ACCESS,
					      RVI_C_INST_ACCESS };

/* GPA of region @k: one 1 GiB region per structure page, so that each has
 * its own entry in the Sv39x4 root (GPA bits 40:30) to break. */
static uint64_t region(unsigned int k)
{
	return (uint64_t)(k + 1) << 30;
}

static void gmap(struct rvi_env *e, uint64_t groot, uint64_t gpa, uint64_t spa,
		 uint64_t flags)
{
	rvi_pt_set(e, groot, 3, true, gpa, 0, RVI_LEAF(spa, flags));
}

/* The three ways an implicit access of page @k (GPA region(k)) fails. */
enum breakage {
	GS_UNMAPPED,  /* the G-stage leaf is gone: guest-page fault */
	GS_LEAF_AWAY, /* the G-stage leaf points to unbacked memory */
	GS_TABLE_AWAY /* a G-stage table on the way is unbacked memory */
};

static void gbreak(struct rvi_env *e, uint64_t groot, unsigned int k, enum breakage b)
{
	uint64_t g = region(k);

	if (b == GS_UNMAPPED)
		rvi_set(e, rvi_pt_slot(e, groot, 3, true, g, 0), 0);
	else if (b == GS_LEAF_AWAY)
		rvi_set(e, rvi_pt_slot(e, groot, 3, true, g, 0), RVI_LEAF(NOWHERE, GLEAF));
	else
		rvi_set(e, rvi_pt_slot(e, groot, 3, true, g, 2), RVI_PTR(NOWHERE));
}

/*
 * A structure's three pages at GPAs region(0..2) (a PDT's or a first
 * stage's tables), each mapped by the G-stage rooted at @groot, in a fresh
 * environment with a one-level DDT.
 */
struct gpages {
	uint64_t groot, page[3];
};

static void gpages_init(struct rvi_env *e, struct gpages *t)
{
	rvi_env_ddt(e, 0, 1);
	t->groot = rvi_pt_root(e, true);
	for (unsigned int k = 0; k < 3; k++) {
		t->page[k] = rvi_alloc(e, 4096, 4096);
		gmap(e, t->groot, region(k), t->page[k], GLEAF);
	}
}

static void pdt_init(struct rvi_env *e, struct gpages *t, uint64_t tc);
static void fs_init(struct rvi_env *e, struct gpages *t, uint64_t tc, uint64_t leaf_flags);
static const uint32_t PID = 0x2a345; /* PDI[2] 1, PDI[1] 0xa3, PDI[0] 0x45 */

/*
 * Page @k of the PDT (@pdt, process PID) or of the first stage broken by
 * @b: access @i to IOVA 0x1000 must fault with @cause, recorded with
 * @iotval2.
 */
static void expect_broken(bool pdt, enum breakage b, unsigned int k, unsigned int i,
			  unsigned int cause, uint64_t iotval2)
{
	struct rvi_env e;
	struct gpages t;

	if (pdt)
		pdt_init(&e, &t, 0);
	else
		fs_init(&e, &t, 0, RVI_R | RVI_W | RVI_X | RVI_U | RVI_A | RVI_D);
	gbreak(&e, t.groot, k, b);
	if (pdt) {
		cr_assert_eq(rvi_xlate_pid(&e, DID, PID, false, 0x1000, acc[i], NULL), cause,
			     "breakage %d page %u access %u", b, k, i);
		rvi_expect_fault_pid(&e, cause, ttyp[i], DID, true, PID, false, 0x1000, iotval2);
	} else {
		cr_assert_eq(rvi_xlate(&e, DID, 0x1000, acc[i], NULL), cause,
			     "breakage %d page %u access %u", b, k, i);
		rvi_expect_fault(&e, cause, ttyp[i], DID, 0x1000, iotval2);
	}
	rvi_env_fini(&e);
}

/* ---- DDT: always supervisor-physical ---------------------------------- */

/*
 * "Process to locate the Device-context": "If accessing ddte violates a
 * PMA or PMP check, then stop and report "DDT entry load access fault"
 * (cause = 257)", and for the leaf, "If accessing DC violates a PMA or PMP
 * check, then stop and report "DDT entry load access fault" (cause =
 * 257)."  Reported whatever DC.tc.DTF would say (no DC was read).
 */
Test(rviommu_implicit, ddt_entries_and_device_contexts)
{
	for (unsigned int levels = 1; levels <= 3; levels++) {
		for (unsigned int i = 0; i < 3; i++) {
			struct rvi_env e;

			rvi_env_ddt(&e, 0, levels);
			if (levels == 1)
				rvi_wr(&e, RVI_REG_DDTP, 8, ((NOWHERE >> 12) << 10) | 2);
			else
				rvi_set(&e, e.ddt + 0, RVI_PTR(NOWHERE)); /* DID 0x31: index 0 */
			cr_assert_eq(rvi_xlate(&e, DID, 0x1000, acc[i], NULL), RVI_C_DDT_LOAD,
				     "%u levels", levels);
			rvi_expect_fault(&e, RVI_C_DDT_LOAD, ttyp[i], DID, 0x1000, 0);
			rvi_env_fini(&e);
		}
	}
}

/* ---- PDT: guest-physical when the G-stage is active ------------------- */

/* GPA of the entry read in PDT page @k. */
static uint64_t pdt_entry_gpa(unsigned int k)
{
	return region(k) + (k == 0 ? 1 * 8 : k == 1 ? 0xa3 * 8 : 0x45 * 16);
}

/*
 * A PD20 directory whose three pages (root, level-1 directory, process
 * contexts) sit at GPAs region(0..2) and process 0x2a345 is valid, with a
 * Bare first stage; the device's G-stage maps the IOVA 0x1000 too.
 */
static void pdt_init(struct rvi_env *e, struct gpages *t, uint64_t tc)
{
	gpages_init(e, t);
	rvi_set(e, t->page[0] + 1 * 8, RVI_PTR(region(1)));
	rvi_set(e, t->page[1] + 0xa3 * 8, RVI_PTR(region(2)));
	rvi_set(e, t->page[2] + 0x45 * 16, RVI_PC_V | RVI_TA_PSCID(5));
	gmap(e, t->groot, 0x1000, rvi_alloc(e, 4096, 4096), GLEAF);
	rvi_dc_write(e, DID, RVI_TC_V | RVI_TC_PDTV | tc, RVI_ATP(8, GSCID, t->groot), 0,
		     RVI_ATP(3, 0, region(0)));
}

/*
 * Step 2 of "Process to locate the Process-context": "If DC.iohgatp.mode
 * != Bare, then a is a GPA.  Invoke the process to translate a to a SPA as
 * an implicit memory access.  If faults occur during G-stage address
 * translation of a then stop and the fault detected by the G-stage address
 * translation process" is reported: a G-stage page fault is a guest-page
 * fault of the original access type, and "If a guest-page fault was caused
 * by implicit memory access to read PDT entries, then bit 0 of iotval2 is
 * reported as 1 and bit 1 as 0" (the fault-record notes).
 */
Test(rviommu_implicit, pdt_gstage_translation_fault)
{
	for (unsigned int k = 0; k < 3; k++)
		for (unsigned int i = 0; i < 3; i++)
			expect_broken(true, GS_UNMAPPED, k, i, gpage[i],
				      (pdt_entry_gpa(k) & ~3ull) | 1);
}

/*
 * Steps 4 and 9: "If accessing pdte violates a PMA or PMP check, then stop
 * and report "PDT entry load access fault" (cause = 265)", and the same
 * for the process context.  An access fault on a G-stage table page while
 * translating the PDT address is an access fault of the IOMMU's PDT read:
 * 265 too, never the load/store/fetch access fault (5/7/1) a data access
 * would get.  (The reference model of riscv-non-isa/riscv-iommu decides it
 * the same way.)
 */
Test(rviommu_implicit, pdt_access_fault_is_265)
{
	for (enum breakage b = GS_LEAF_AWAY; b <= GS_TABLE_AWAY; b++) {
		for (unsigned int k = 0; k < 3; k++)
			for (unsigned int i = 0; i < 3; i++)
				expect_broken(true, b, k, i, RVI_C_PDT_LOAD, 0);
	}
}

/* The same directory translates once nothing is broken (so the faults
 * above come from the breakage alone). */
Test(rviommu_implicit, pdt_intact_translates)
{
	struct rvi_env e;
	struct gpages t;

	pdt_init(&e, &t, 0);
	for (unsigned int i = 0; i < 2; i++)
		cr_assert_eq(rvi_xlate_pid(&e, DID, PID, false, 0x1000, acc[i], NULL), 0);
	rvi_env_fini(&e);
}

/*
 * "PDT entry load access fault" is not reported when DC.tc.DTF is 1 (the
 * CAUSE table: 265 "No" in the "Reported if DTF is 1?" column).
 */
Test(rviommu_implicit, pdt_access_fault_obeys_dtf)
{
	struct rvi_env e;
	struct gpages t;

	pdt_init(&e, &t, RVI_TC_DTF);
	gbreak(&e, t.groot, 1, GS_TABLE_AWAY);
	cr_assert_eq(rvi_xlate_pid(&e, DID, PID, false, 0x1000, RD, NULL), RVI_C_PDT_LOAD);
	cr_assert_eq(rvi_fault_count(&e), 0);
	rvi_env_fini(&e);
}

/* ---- first stage: guest-physical tables ------------------------------- */

/* GPA of the first-stage PTE read in table page @k. */
static uint64_t fs_pte_gpa(unsigned int k)
{
	return region(k) + (k == 2 ? 1 * 8 : 0);
}

/*
 * An Sv39 first stage whose three table pages sit at GPAs region(0..2),
 * mapping IOVA 0x1000 to the data page at GPA region(3).
 */
static void fs_init(struct rvi_env *e, struct gpages *t, uint64_t tc, uint64_t leaf_flags)
{
	gpages_init(e, t);
	gmap(e, t->groot, region(3), rvi_alloc(e, 4096, 4096), GLEAF);
	rvi_set(e, t->page[0], RVI_PTR(region(1)));
	rvi_set(e, t->page[1], RVI_PTR(region(2)));
	rvi_set(e, t->page[2] + 8, RVI_LEAF(region(3), leaf_flags));
	rvi_dc_write(e, DID, RVI_TC_V | tc, RVI_ATP(8, GSCID, t->groot), RVI_TA_PSCID(3),
		     RVI_ATP(8, 0, region(0)));
}

/*
 * The IOMMU's step 19 (two-stage translation) follows the privileged
 * specification's two-stage process: a G-stage fault on the implicit
 * access to a first-stage PTE is a guest-page fault "corresponding to the
 * original access type", and "If bit 0 of iotval2 is 1, then the
 * guest-page-fault was caused by an implicit memory access for first-stage
 * address translation."
 */
Test(rviommu_implicit, first_stage_pte_gstage_translation_fault)
{
	for (unsigned int k = 0; k < 3; k++)
		for (unsigned int i = 0; i < 3; i++)
			expect_broken(false, GS_UNMAPPED, k, i, gpage[i], fs_pte_gpa(k) | 1);
}

/*
 * Privileged specification, step 2 of the translation process: "If
 * accessing pte violates a PMA or PMP check, raise an access-fault
 * exception corresponding to the original access type."  The G-stage walk
 * of a first-stage PTE address is the same process, so its table pages'
 * access faults are reported the same way; nothing in the IOMMU
 * specification turns them into an IOMMU-specific cause.
 */
Test(rviommu_implicit, first_stage_pte_access_fault_is_original_type)
{
	for (enum breakage b = GS_LEAF_AWAY; b <= GS_TABLE_AWAY; b++) {
		for (unsigned int k = 0; k < 3; k++)
			for (unsigned int i = 0; i < 3; i++)
				expect_broken(false, b, k, i, access_fault[i], 0);
	}
}

/*
 * A first-stage A/D update is an implicit write through the G-stage: "If
 * bit 0 of iotval2 is 1, and the implicit access was a write then bit 1 of
 * iotval2 is set to 1".  The first-stage leaf lacks A (and D), its page is
 * read-only in the G-stage: a read sets A, a write A and D, both fault
 * with the original access type and iotval2 bits 1:0 = 3.
 */
Test(rviommu_implicit, first_stage_ad_update_gstage_fault)
{
	for (unsigned int i = 0; i < 2; i++) {
		struct rvi_env e;
		struct gpages t;

		fs_init(&e, &t, RVI_TC_SADE, RVI_R | RVI_W | RVI_U);
		gmap(&e, t.groot, region(2), t.page[2], RVI_R | RVI_U | RVI_A | RVI_D);
		cr_assert_eq(rvi_xlate(&e, DID, 0x1000, acc[i], NULL), gpage[i]);
		rvi_expect_fault(&e, gpage[i], ttyp[i], DID, 0x1000, fs_pte_gpa(2) | 3);
		cr_assert_eq(rvi_get(&e, t.page[2] + 8) & (RVI_A | RVI_D), 0, "not updated");
		rvi_env_fini(&e);
	}
}

/* ---- MSI page table: supervisor-physical ------------------------------ */

/*
 * "Process to translate addresses of MSIs": "Let m be (DC.msiptp.PPN x
 * 2^12)" - a supervisor-physical address, not translated by the G-stage -
 * and "If accessing msipte violates a PMA or PMP check, then stop and
 * report "MSI PTE load access fault" (cause = 261)."  With an active
 * G-stage that maps nothing, the MSI page table is still read (a working
 * one translates), and an unbacked one gives 261, not a guest-page fault.
 */
Test(rviommu_implicit, msi_pte_is_physical_and_261)
{
	const uint64_t pattern = 0x28000000ull >> 12;

	for (unsigned int i = 0; i < 2; i++) {
		uint64_t w[8] = { 0 }, msipt, file, pa;
		struct rvi_env e;

		rvi_env_ddt(&e, RVI_CAPS_EXT, 1);
		msipt = rvi_msi_table(&e, &file);
		w[0] = RVI_TC_V;
		w[1] = RVI_ATP(8, GSCID, rvi_pt_root(&e, true));
		w[4] = RVI_ATP(1, 0, i ? NOWHERE : msipt);
		w[6] = pattern;
		rvi_dc_write_ext(&e, DID, w);
		if (!i) {
			cr_assert_eq(rvi_xlate(&e, DID, (pattern << 12) | 8, WR, &pa), 0);
			cr_assert_eq(pa, file | 8);
		} else {
			rvi_xlate_fault(&e, DID, pattern << 12, WR, RVI_C_MSI_LOAD, 0);
		}
		rvi_env_fini(&e);
	}
}
