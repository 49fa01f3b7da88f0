// SPDX-License-Identifier: MIT
/*
 * riscv_iommu/translate.c - the RISC-V IOMMU's "Process to translate an
 * IOVA", step by step, with the walks it invokes:
 *
 *  - locate the device context in the DDT (1/2/3 levels, base or extended
 *    format) and apply every device-context configuration check;
 *  - locate the process context in the PDT (PD8/PD17/PD20), whose table
 *    addresses are guest-physical when the G-stage is active;
 *  - the first stage (Sv39/48/57) and the G-stage (Sv39x4/48x4/57x4) as the
 *    privileged specification's two-stage translation describes them: every
 *    first-stage PTE address goes through the G-stage as an implicit read,
 *    a first-stage A/D update as an implicit write; Svnapot; Svpbmt;
 *  - MSI address translation with a flat MSI page table (basic mode);
 *  - A/D updates (DC.tc.SADE / GADE) with a compare-and-swap of the whole
 *    PTE, re-reading and re-checking the PTE when it changed;
 *  - the IOTLB: a hit serves reads, and writes only when the cached
 *    translation is dirty; anything else walks again.
 *
 * PTE layout (privileged spec):
 *   63 N | 62:61 PBMT | 60:54 reserved | 53:10 PPN | 9:8 RSW |
 *   7 D | 6 A | 5 G | 4 U | 3 X | 2 W | 1 R | 0 V
 * Nothing here comes from lib/fmt: the model checks the engine.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <string.h>

#include "rvi_internal.h"
#include "hw/dma_copy.h"

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_G (1ull << 5)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PPN(e) (((e) >> 10) & ((1ull << 44) - 1))
#define PTE_RSVD (0x7full << 54)
#define PTE_PBMT(e) ((unsigned int)(((e) >> 61) & 3))
#define PTE_N (1ull << 63)

#define ACC_READ GENPT_ACCESS_READ
#define ACC_WRITE GENPT_ACCESS_WRITE
#define ACC_EXEC GENPT_ACCESS_EXEC

/* Outcome of a walk that did not produce a cause by itself. */
#define CAUSE_NONE 0u

/* One translation in progress. */
struct rvi_ctx {
	struct genpt_rviommu *iommu;
	const struct genpt_rviommu_req *req;
	unsigned int access; /* the transaction's access type */
	bool priv, sum;

	/* device context */
	bool dc_found; /* a valid, well-formed DC was located (for DTF) */
	bool ext;
	uint64_t dc[8];

	/* G-stage */
	bool gs_on;
	unsigned int gs_levels;
	uint64_t gs_root;
	uint16_t gscid;
	bool gade;

	/* first stage */
	bool fs_on;
	unsigned int fs_levels;
	uint64_t fs_root; /* a GPA when the G-stage is active */
	uint32_t pscid;
	bool sade;

	/* fault details */
	uint64_t iotval2;

	/* ATS */
	bool t2gpa;   /* an ATS Translation Request answered with the GPA */
	uint64_t gpa; /* the first stage's output (offset included) */
};

/* A leaf found by a walk. */
struct rvi_leaf {
	uint64_t pa;        /* output address of the input, offset included */
	unsigned int shift; /* leaf size (16 for NAPOT); 64 for a Bare stage */
	uint64_t pte;       /* the leaf as finally seen or written */
	bool global;        /* G in the leaf or any pointer above it */
};

static unsigned int cause_page(unsigned int acc)
{
	return acc == ACC_EXEC ? GENPT_RVI_CAUSE_INST_PAGE :
	       acc == ACC_WRITE ? GENPT_RVI_CAUSE_WRITE_PAGE : GENPT_RVI_CAUSE_READ_PAGE;
}

static unsigned int cause_guest_page(unsigned int acc)
{
	return acc == ACC_EXEC ? GENPT_RVI_CAUSE_INST_GUEST_PAGE :
	       acc == ACC_WRITE ? GENPT_RVI_CAUSE_WRITE_GUEST_PAGE :
				  GENPT_RVI_CAUSE_READ_GUEST_PAGE;
}

static unsigned int cause_access(unsigned int acc)
{
	return acc == ACC_EXEC ? GENPT_RVI_CAUSE_INST_ACCESS :
	       acc == ACC_WRITE ? GENPT_RVI_CAUSE_WRITE_ACCESS : GENPT_RVI_CAUSE_READ_ACCESS;
}

static uint64_t load64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/*
 * A hooked read of @size bytes of structure @what at @pa for @c's
 * requester (see genpt_rvi_mem): the host pointer, or NULL with *@cause
 * @fault for an access fault or @corrupt for corrupted data.
 */
static uint64_t *rd(struct rvi_ctx *c, enum genpt_rviommu_mem_what what, uint64_t pa,
		    unsigned int size, unsigned int fault, unsigned int corrupt,
		    unsigned int *cause)
{
	enum genpt_rviommu_mem_verdict v;
	uint64_t *p = genpt_rvi_mem(c->iommu, what, GENPT_RVIOMMU_MEM_READ, pa, size,
				    c->req->device_id, &v);

	if (!p)
		*cause = v == GENPT_RVIOMMU_MEM_CORRUPT ? corrupt : fault;
	return p;
}

/* ------------------------------------------------------ page walks ------ */

/*
 * Step 3's reserved encodings, for any valid PTE: bits 60:54; W without R
 * (the Zicfiss shadow-stack encoding stays reserved for IO); N on anything
 * but a level-0 leaf (Svnapot is mandatory for the IOMMU); PBMT without
 * Svpbmt, or PBMT = 3.
 */
static bool pte_reserved(const struct rvi_ctx *c, uint64_t pte, unsigned int level)
{
	bool leaf = pte & (PTE_R | PTE_W | PTE_X);

	if (pte & PTE_RSVD)
		return true;
	if ((pte & (PTE_R | PTE_W)) == PTE_W)
		return true;
	if ((pte & PTE_N) && (!leaf || level != 0))
		return true;
	if (PTE_PBMT(pte) &&
	    (!(c->iommu->caps & GENPT_RVI_CAP_SVPBMT) || PTE_PBMT(pte) == 3))
		return true;
	return false;
}

/*
 * Step 5: may an access of kind @acc use this leaf?  The G-stage treats
 * every access as a user access (U must be 1).  The first stage: a user
 * request needs U; a supervisor request may use U pages only with SUM and
 * never for execute.
 */
static bool pte_permits(const struct rvi_ctx *c, bool gs, uint64_t pte,
			unsigned int acc)
{
	uint64_t need = acc == ACC_WRITE ? PTE_W : acc == ACC_EXEC ? PTE_X : PTE_R;

	if (!(pte & need))
		return false;
	if (gs || !c->priv)
		return pte & PTE_U;
	if (pte & PTE_U)
		return acc != ACC_EXEC && c->sum;
	return true;
}

/* Step 6 and Svnapot: a superpage's low PPN bits are zero; a NAPOT leaf has
 * PPN[3:0] = 0b1000 (64 KiB, the only size defined). */
static bool pte_shape_ok(uint64_t pte, unsigned int level)
{
	uint64_t ppn = PTE_PPN(pte);

	if (pte & PTE_N)
		return (ppn & 0xf) == 0x8;
	return (ppn & ((1ull << (9 * level)) - 1)) == 0;
}


static unsigned int walk_gs(struct rvi_ctx *c, uint64_t gpa, unsigned int acc,
			    bool implicit, struct rvi_leaf *out);

/* The fault of a walk of stage @gs for input @va. */
static unsigned int walk_fault(struct rvi_ctx *c, bool gs, uint64_t va,
			       unsigned int acc, bool implicit)
{
	if (!gs)
		return cause_page(c->access);
	/* iotval2: GPA bits 63:2; bit 0: an implicit access for first-stage
	 * translation; bit 1: that implicit access was a write. */
	c->iotval2 = (va & ~3ull) | (implicit ? 1 : 0) |
		     (implicit && acc == ACC_WRITE ? 2 : 0);
	return cause_guest_page(c->access);
}

/* A GPA has no bits above its width (zero-extended); an IOVA is
 * sign-extended from its top bit. */
static bool va_fits(bool gs, uint64_t va, unsigned int vabits)
{
	uint64_t top = va >> (vabits - 1);

	if (gs)
		return !(va >> vabits);
	return top == 0 || top == (UINT64_MAX >> (vabits - 1));
}

/* leaf_set_ad(): the PTE changed under the update; walk it again. */
#define RVI_WALK_RETRY UINT_MAX

/*
 * Step 7 on a leaf that permits the access: set A (and D on a write) with
 * a compare-and-swap of the whole PTE at @slot, when the stage's GADE/SADE
 * allows it.  Updating a first-stage PTE is an implicit write through the
 * G-stage (needs W there, sets its D).  Returns 0 (*@pte as it is now),
 * RVI_WALK_RETRY, or the cause of the fault.
 */
static unsigned int leaf_set_ad(struct rvi_ctx *c, bool gs, uint64_t va,
				unsigned int acc, bool implicit, uint64_t pte_addr,
				uint64_t *slot, uint64_t *pte)
{
	uint64_t missing = (PTE_A | (acc == ACC_WRITE ? PTE_D : 0)) & ~*pte;
	uint64_t expect = *pte, *wslot = slot;
	uint64_t spa = pte_addr;
	enum genpt_rviommu_mem_verdict v;
	struct rvi_leaf gl;
	unsigned int cause;

	if (!missing)
		return 0;
	if (!(gs ? c->gade : c->sade))
		return walk_fault(c, gs, va, acc, implicit);
	if (!gs && c->gs_on) {
		cause = walk_gs(c, pte_addr, ACC_WRITE, true, &gl);
		if (cause)
			return cause;
		spa = gl.pa;
		wslot = genpt_rvi_ptr(c->iommu, spa, 8);
		if (!wslot)
			return cause_access(c->access);
	}
	/* The update is an AMO on the PTE: a PMA/PMP violation is an access
	 * fault of the original access type, corrupted data cause 274. */
	v = genpt_rvi_hook(c->iommu, GENPT_RVIOMMU_MEM_AD, GENPT_RVIOMMU_MEM_AMO, spa, 8,
			   c->req->device_id);
	if (v != GENPT_RVIOMMU_MEM_PROCEED)
		return v == GENPT_RVIOMMU_MEM_CORRUPT ? GENPT_RVI_CAUSE_PT_CORRUPTED :
							cause_access(c->access);
	if (!__atomic_compare_exchange_n(wslot, &expect, *pte | missing, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return RVI_WALK_RETRY;
	*pte |= missing;
	rvi_stat(&c->iommu->st_ad_updates);
	return 0;
}

/*
 * walk_stage() - translate @va in one stage (@gs: the G-stage) for an
 * access of kind @acc.  Faults are reported for the transaction's access
 * type ("any exception is always reported for the original access type").
 * @implicit: @va addresses a first-stage or PDT structure (G-stage only).
 * Returns 0 and *@out, or the cause.
 */
static unsigned int walk_stage(struct rvi_ctx *c, bool gs, uint64_t va,
			       unsigned int acc, bool implicit,
			       struct rvi_leaf *out)
{
	unsigned int levels = gs ? c->gs_levels : c->fs_levels;
	unsigned int vabits = 12 + 9 * levels + (gs ? 2 : 0);
	unsigned int level = levels - 1;
	uint64_t base = gs ? c->gs_root : c->fs_root;
	bool global = false;

	if (!va_fits(gs, va, vabits))
		return walk_fault(c, gs, va, acc, implicit);

	for (;;) {
		unsigned int idx_bits = 9 + (gs && level == levels - 1 ? 2 : 0);
		uint64_t idx = (va >> (12 + 9 * level)) & ((1ull << idx_bits) - 1);
		uint64_t pte_addr = base + idx * 8;
		uint64_t spa = pte_addr, pte, *slot;
		struct rvi_leaf gl;
		unsigned int cause, shift;

		/* An implicit read of a first-stage PTE through the G-stage. */
		if (!gs) {
			cause = walk_gs(c, pte_addr, ACC_READ, true, &gl);
			if (cause)
				return cause;
			spa = gl.pa;
		}
		slot = rd(c, gs ? GENPT_RVIOMMU_MEM_GS_PTE : GENPT_RVIOMMU_MEM_FS_PTE, spa,
			  8, cause_access(c->access), GENPT_RVI_CAUSE_PT_CORRUPTED, &cause);
		if (!slot)
			return cause;
		pte = load64(slot);

		if (!(pte & PTE_V) || pte_reserved(c, pte, level))
			return walk_fault(c, gs, va, acc, implicit);

		if (!(pte & (PTE_R | PTE_W | PTE_X))) {
			/* Step 4: a pointer; A, D, U and PBMT must be 0 (N was
			 * checked above), and there is none at level 0. */
			if (level == 0 || (pte & (PTE_A | PTE_D | PTE_U)) || PTE_PBMT(pte))
				return walk_fault(c, gs, va, acc, implicit);
			if (pte & PTE_G)
				global = true;
			base = PTE_PPN(pte) << 12;
			level--;
			continue;
		}

		/* Steps 5-7: a leaf.  Permission before A/D: a denied access
		 * never marks the page. */
		if (!pte_shape_ok(pte, level) || !pte_permits(c, gs, pte, acc))
			return walk_fault(c, gs, va, acc, implicit);
		cause = leaf_set_ad(c, gs, va, acc, implicit, pte_addr, slot, &pte);
		if (cause == RVI_WALK_RETRY)
			continue; /* changed: read it and check it again */
		if (cause)
			return cause;
		shift = (pte & PTE_N) ? 16 : 12 + 9 * level;
		out->shift = shift;
		out->pa = ((PTE_PPN(pte) << 12) & ~((1ull << shift) - 1)) |
			  (va & ((1ull << shift) - 1));
		out->pte = pte;
		out->global = global || (pte & PTE_G);
		return 0;
	}
}

/* The G-stage translation of @gpa; identity when the G-stage is Bare. */
static unsigned int walk_gs(struct rvi_ctx *c, uint64_t gpa, unsigned int acc,
			    bool implicit, struct rvi_leaf *out)
{
	if (!c->gs_on) {
		out->pa = gpa;
		out->shift = 64;
		out->pte = PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D;
		out->global = false;
		return 0;
	}
	return walk_stage(c, true, gpa, acc, implicit, out);
}

/* ------------------------------------------------ device context -------- */

static bool iosatp_mode_supported(const struct genpt_rviommu *iommu,
				  unsigned int mode)
{
	switch (mode) {
	case GENPT_RVI_MODE_BARE:
		return true;
	case GENPT_RVI_MODE_SV39:
		return iommu->caps & GENPT_RVI_CAP_SV39;
	case GENPT_RVI_MODE_SV48:
		return iommu->caps & GENPT_RVI_CAP_SV48;
	case GENPT_RVI_MODE_SV57:
		return iommu->caps & GENPT_RVI_CAP_SV57;
	default: /* 1-7, 11-13 reserved, 14-15 custom: none here */
		return false;
	}
}

static bool iohgatp_mode_supported(const struct genpt_rviommu *iommu,
				   unsigned int mode)
{
	switch (mode) {
	case GENPT_RVI_MODE_BARE:
		return true;
	case GENPT_RVI_MODE_SV39:
		return iommu->caps & GENPT_RVI_CAP_SV39X4;
	case GENPT_RVI_MODE_SV48:
		return iommu->caps & GENPT_RVI_CAP_SV48X4;
	case GENPT_RVI_MODE_SV57:
		return iommu->caps & GENPT_RVI_CAP_SV57X4;
	default:
		return false;
	}
}

static bool pdtp_mode_supported(const struct genpt_rviommu *iommu,
				unsigned int mode)
{
	switch (mode) {
	case GENPT_RVI_MODE_BARE:
		return true;
	case GENPT_RVI_PDTP_PD8:
		return iommu->caps & GENPT_RVI_CAP_PD8;
	case GENPT_RVI_PDTP_PD17:
		return iommu->caps & GENPT_RVI_CAP_PD17;
	case GENPT_RVI_PDTP_PD20:
		return iommu->caps & GENPT_RVI_CAP_PD20;
	default:
		return false;
	}
}

static unsigned int atp_mode(uint64_t atp)
{
	return (unsigned int)(atp >> GENPT_RVI_ATP_MODE_SHIFT);
}

/*
 * dc_misconfigured() - the spec's "Device-context configuration checks",
 * in its order.  fctl.GXL is 0 and not writable, fctl.BE is 0 and not
 * writable (capabilities.END = 0), QOSID is 0: so DC.tc.SXL must be 0,
 * DC.tc.SBE must be 0, and DC.ta.RCID/MCID are reserved.
 */
static bool dc_misconfigured(const struct genpt_rviommu *iommu, const uint64_t *dc,
			     bool ext)
{
	uint64_t tc = dc[GENPT_RVI_DC_TC], iohgatp = dc[GENPT_RVI_DC_IOHGATP];
	uint64_t ta = dc[GENPT_RVI_DC_TA], fsc = dc[GENPT_RVI_DC_FSC];
	uint64_t caps = iommu->caps;
	bool pdtv = tc & GENPT_RVI_TC_PDTV;

	/* 1. reserved bits: tc 23:12 and 63:32 (31:24 are custom); ta 11:0
	 * and 39:32, plus RCID/MCID (63:40) without QOSID; fsc 59:44;
	 * DPE without PDTV; the extended fields' reserved bits. */
	if (tc & ((0xfffull << 12) | (0xffffffffull << 32)))
		return true;
	if (ta & (0xfffull | (0xffffffull << 40) | (0xffull << 32)))
		return true;
	if (fsc & (0xffffull << 44))
		return true;
	if (ext) {
		if ((dc[GENPT_RVI_DC_MSIPTP] & (0xffffull << 44)) ||
		    (dc[GENPT_RVI_DC_MSI_ADDR_MASK] >> 52) ||
		    (dc[GENPT_RVI_DC_MSI_ADDR_PATTERN] >> 52) || dc[7])
			return true;
	}
	/* 2-7. ATS, PRI, T2GPA */
	if (!(caps & GENPT_RVI_CAP_ATS) &&
	    (tc & (GENPT_RVI_TC_EN_ATS | GENPT_RVI_TC_EN_PRI | GENPT_RVI_TC_PRPR)))
		return true;
	if (!(tc & GENPT_RVI_TC_EN_ATS) && (tc & (GENPT_RVI_TC_T2GPA | GENPT_RVI_TC_EN_PRI)))
		return true;
	if (!(tc & GENPT_RVI_TC_EN_PRI) && (tc & GENPT_RVI_TC_PRPR))
		return true;
	if (!(caps & GENPT_RVI_CAP_T2GPA) && (tc & GENPT_RVI_TC_T2GPA))
		return true;
	if ((tc & GENPT_RVI_TC_T2GPA) && atp_mode(iohgatp) == GENPT_RVI_MODE_BARE)
		return true;
	/* 8. the PDT mode must be supported */
	if (pdtv && !pdtp_mode_supported(iommu, atp_mode(fsc)))
		return true;
	/* 9-11. without a PDT, the iosatp mode must be valid and supported
	 * (SXL = 1 would select Sv32, which needs fctl.GXL = 1: see 19). */
	if (!pdtv && !iosatp_mode_supported(iommu, atp_mode(fsc)))
		return true;
	/* 12. DPE only with a PDT */
	if (!pdtv && (tc & GENPT_RVI_TC_DPE))
		return true;
	/* 13-14. the G-stage mode must be valid and supported */
	if (!iohgatp_mode_supported(iommu, atp_mode(iohgatp)))
		return true;
	/* 15. MSI page table mode: Off or Flat */
	if (ext && (caps & GENPT_RVI_CAP_MSI_FLAT) &&
	    atp_mode(dc[GENPT_RVI_DC_MSIPTP]) != GENPT_RVI_MSIPTP_OFF &&
	    atp_mode(dc[GENPT_RVI_DC_MSIPTP]) != GENPT_RVI_MSIPTP_FLAT)
		return true;
	/* 16. a non-Bare G-stage root is 16 KiB aligned */
	if (atp_mode(iohgatp) != GENPT_RVI_MODE_BARE && (iohgatp & 3))
		return true;
	/* 17. hardware A/D update needs AMO_HWAD */
	if (!(caps & GENPT_RVI_CAP_AMO_HWAD) &&
	    (tc & (GENPT_RVI_TC_SADE | GENPT_RVI_TC_GADE)))
		return true;
	/* 18. one endianness only: SBE must equal fctl.BE (0) */
	if (!(caps & GENPT_RVI_CAP_END) && (tc & GENPT_RVI_TC_SBE))
		return true;
	/* 19. SXL: fctl.GXL is 0 and not writable, so SXL must be 0 */
	if (tc & GENPT_RVI_TC_SXL)
		return true;
	return false;
}

/* Device-directory index widths: DDI[0] is 7 bits (base format) or 6
 * (extended), DDI[1] 9, DDI[2] the rest of the 24-bit device_id. */
static unsigned int ddi0_bits(const struct genpt_rviommu *iommu)
{
	return (iommu->caps & GENPT_RVI_CAP_MSI_FLAT) ? 6 : 7;
}

/* "Process to locate the Device-context". */
static unsigned int locate_dc(struct rvi_ctx *c, unsigned int ddt_levels,
			      uint64_t ddtp)
{
	struct genpt_rviommu *iommu = c->iommu;
	uint32_t did = c->req->device_id;
	unsigned int nw = c->ext ? 8 : 4, b0 = ddi0_bits(iommu);
	uint64_t gen = genpt_rvi_dcc_gen(&iommu->dcc);
	uint64_t a, *p;
	unsigned int cause;

	if (genpt_rvi_dcc_lookup(&iommu->dcc, false, did, 0, c->dc, nw)) {
		rvi_stat(&iommu->st_dc_hits);
		c->dc_found = true;
		return 0;
	}
	rvi_stat(&iommu->st_dc_misses);
	a = ((ddtp & GENPT_RVI_PPN_MASK) >> GENPT_RVI_PPN_SHIFT) << 12;
	for (unsigned int i = ddt_levels - 1; i > 0; i--) {
		uint64_t ddi = i == 2 ? did >> (b0 + 9) : (did >> b0) & 0x1ff;
		uint64_t e;

		p = rd(c, GENPT_RVIOMMU_MEM_DDT, a + ddi * 8, 8, GENPT_RVI_CAUSE_DDT_LOAD_FAULT,
		       GENPT_RVI_CAUSE_DDT_CORRUPTED, &cause);
		if (!p)
			return cause;
		e = load64(p);
		if (!(e & GENPT_RVI_DIR_V))
			return GENPT_RVI_CAUSE_DDT_INVALID;
		/* reserved: 9:1 and 63:54 */
		if (e & ((0x1ffull << 1) | (0x3ffull << 54)))
			return GENPT_RVI_CAUSE_DDT_MISCONFIGURED;
		a = PTE_PPN(e) << 12;
	}
	p = rd(c, GENPT_RVIOMMU_MEM_DDT, a + (uint64_t)(did & ((1u << b0) - 1)) * nw * 8,
	       nw * 8, GENPT_RVI_CAUSE_DDT_LOAD_FAULT, GENPT_RVI_CAUSE_DDT_CORRUPTED, &cause);
	if (!p)
		return cause;
	for (unsigned int i = 0; i < nw; i++)
		c->dc[i] = load64(&p[i]);
	if (!(c->dc[GENPT_RVI_DC_TC] & GENPT_RVI_TC_V))
		return GENPT_RVI_CAUSE_DDT_INVALID;
	if (dc_misconfigured(iommu, c->dc, c->ext))
		return GENPT_RVI_CAUSE_DDT_MISCONFIGURED;
	c->dc_found = true;
	genpt_rvi_dcc_insert(&iommu->dcc, gen, false, did, 0, c->dc, nw);
	return 0;
}

/* "Process-context configuration checks" (cause 267). */
static bool pc_misconfigured(const struct genpt_rviommu *iommu, uint64_t ta,
			     uint64_t fsc)
{
	/* ta: reserved 11:3 and 63:32; fsc: reserved 59:44 */
	if (ta & ((0x1ffull << 3) | (0xffffffffull << 32)))
		return true;
	if (fsc & (0xffffull << 44))
		return true;
	return !iosatp_mode_supported(iommu, atp_mode(fsc));
}

/*
 * Host pointer of @size bytes of the PDT at @a, a GPA when the G-stage is
 * active ("Process to locate the Process-context", steps 2, 4 and 9), or
 * the cause.  Step 2 says "If faults occur during G-stage address
 * translation of a then stop and the fault detected by the G-stage
 * address translation process" is reported: a guest-page fault as the
 * G-stage reports it (original access type, iotval2 bit 0 set).  A
 * G-stage table access that violates PMA/PMP is an access fault detected
 * while reading the PDT: "PDT entry load access fault" (265), as is the
 * PDT entry itself (steps 4 and 9), not the load/store/fetch access fault
 * the G-stage would report for a data access.
 */
static unsigned int pdt_ptr(struct rvi_ctx *c, uint64_t a, unsigned int size,
			    uint64_t **p)
{
	struct rvi_leaf gl;
	unsigned int cause = walk_gs(c, a, ACC_READ, true, &gl);

	if (cause == cause_access(c->access))
		return GENPT_RVI_CAUSE_PDT_LOAD_FAULT;
	if (cause)
		return cause;
	*p = rd(c, GENPT_RVIOMMU_MEM_PDT, gl.pa, size, GENPT_RVI_CAUSE_PDT_LOAD_FAULT,
		GENPT_RVI_CAUSE_PDT_CORRUPTED, &cause);
	return *p ? 0 : cause;
}

/*
 * "Process to locate the Process-context".  The PDT addresses are GPAs
 * when the G-stage is active: each access is an implicit read through it.
 */
static unsigned int locate_pc(struct rvi_ctx *c, uint32_t pid, uint64_t pc[2])
{
	struct genpt_rviommu *iommu = c->iommu;
	uint32_t did = c->req->device_id;
	uint64_t pdtp = c->dc[GENPT_RVI_DC_FSC];
	unsigned int levels = atp_mode(pdtp); /* PD8 1, PD17 2, PD20 3 */
	uint64_t gen = genpt_rvi_dcc_gen(&iommu->dcc);
	uint64_t a = (pdtp & GENPT_RVI_ATP_PPN_MASK) << 12, *p;
	unsigned int cause;

	if (genpt_rvi_dcc_lookup(&iommu->dcc, true, did, pid, pc, 2)) {
		rvi_stat(&iommu->st_dc_hits);
		return 0;
	}
	rvi_stat(&iommu->st_dc_misses);
	for (unsigned int i = levels - 1; i > 0; i--) {
		uint64_t pdi = i == 2 ? (pid >> 17) & 7 : (pid >> 8) & 0x1ff;
		uint64_t e;

		cause = pdt_ptr(c, a + pdi * 8, 8, &p);
		if (cause)
			return cause;
		e = load64(p);
		if (!(e & GENPT_RVI_DIR_V))
			return GENPT_RVI_CAUSE_PDT_INVALID;
		if (e & ((0x1ffull << 1) | (0x3ffull << 54)))
			return GENPT_RVI_CAUSE_PDT_MISCONFIGURED;
		a = PTE_PPN(e) << 12;
	}
	cause = pdt_ptr(c, a + (uint64_t)(pid & 0xff) * 16, 16, &p);
	if (cause)
		return cause;
	pc[0] = load64(&p[0]);
	pc[1] = load64(&p[1]);
	if (!(pc[0] & GENPT_RVI_PC_TA_V))
		return GENPT_RVI_CAUSE_PDT_INVALID;
	if (pc_misconfigured(iommu, pc[0], pc[1]))
		return GENPT_RVI_CAUSE_PDT_MISCONFIGURED;
	genpt_rvi_dcc_insert(&iommu->dcc, gen, true, did, pid, pc, 2);
	return 0;
}

/* --------------------------------------------------------------- MSI ---- */

/* extract(x, y): the bits of x where y has ones, packed at the bottom. */
static uint64_t bit_extract(uint64_t x, uint64_t mask)
{
	uint64_t r = 0;
	unsigned int j = 0;

	for (unsigned int i = 0; i < 64; i++) {
		if (mask & (1ull << i)) {
			r |= ((x >> i) & 1) << j;
			j++;
		}
	}
	return r;
}

/*
 * "Process to translate addresses of MSIs" (flat MSI page table, basic
 * mode; MRIF mode is not implemented: capabilities.MSI_MRIF is 0).
 * Returns 0 with *@is_msi false when @gpa is not a virtual interrupt file.
 */
static unsigned int msi_translate(struct rvi_ctx *c, uint64_t gpa, bool *is_msi,
				  uint64_t *pa)
{
	const uint64_t m52 = (1ull << 52) - 1;
	uint64_t msiptp = c->dc[GENPT_RVI_DC_MSIPTP];
	uint64_t mask = c->dc[GENPT_RVI_DC_MSI_ADDR_MASK] & m52;
	uint64_t pattern = c->dc[GENPT_RVI_DC_MSI_ADDR_PATTERN] & m52;
	uint64_t i, e, *p;
	unsigned int mode;

	*is_msi = false;
	if (!c->ext || atp_mode(msiptp) != GENPT_RVI_MSIPTP_FLAT)
		return 0;
	if (((gpa >> 12) & ~mask) != (pattern & ~mask))
		return 0;
	*is_msi = true;
	i = bit_extract(gpa >> 12, mask);
	p = rd(c, GENPT_RVIOMMU_MEM_MSI_PTE,
	       ((msiptp & GENPT_RVI_ATP_PPN_MASK) << 12) | (i * 16), 16,
	       GENPT_RVI_CAUSE_MSI_LOAD_FAULT, GENPT_RVI_CAUSE_MSI_PT_CORRUPTED, &mode);
	if (!p)
		return mode;
	e = load64(p);
	if (!(e & 1))
		return GENPT_RVI_CAUSE_MSI_INVALID;
	/* C = 1 is implementation defined; this implementation defines none. */
	if (e >> 63)
		return GENPT_RVI_CAUSE_MSI_MISCONFIGURED;
	mode = (unsigned int)((e >> 1) & 3);
	if (mode != 3) /* 1 MRIF (unsupported), 0 and 2 reserved */
		return GENPT_RVI_CAUSE_MSI_MISCONFIGURED;
	if (e & ((0x7full << 3) | (0x1ffull << 54))) /* reserved 9:3, 62:54 */
		return GENPT_RVI_CAUSE_MSI_MISCONFIGURED;
	/* The translation acts as a G-stage leaf with R=W=U=1, X=0. */
	if (c->access == ACC_EXEC)
		return GENPT_RVI_CAUSE_INST_ACCESS;
	*pa = (PTE_PPN(e) << 12) | (gpa & 0xfff);
	return 0;
}

/* -------------------------------------------------------- translation -- */

static unsigned int stage_levels(unsigned int mode)
{
	return mode - GENPT_RVI_MODE_SV39 + 3; /* 8, 9, 10 -> 3, 4, 5 */
}

/* Is a cached translation @e good for this request as it stands?  Anything
 * it cannot serve (a permission it lacks, a write to a clean translation)
 * walks again, which also produces the right fault. */
static bool tlb_serves(const struct rvi_ctx *c, const struct rvi_tlb_entry *e)
{
	unsigned int need = c->access == ACC_WRITE ? RVI_PERM_W :
			    c->access == ACC_EXEC ? RVI_PERM_X : RVI_PERM_R;

	if (!(e->perm & need))
		return false;
	if (e->flags & RVI_TLB_PSCV) {
		bool u = e->flags & RVI_TLB_FS_U;

		if (!c->priv ? !u : (u && (c->access == ACC_EXEC || !c->sum)))
			return false;
	}
	return c->access != ACC_WRITE || (e->flags & RVI_TLB_DIRTY);
}

static unsigned int leaf_perm(uint64_t pte)
{
	return ((pte & PTE_R) ? RVI_PERM_R : 0) | ((pte & PTE_W) ? RVI_PERM_W : 0) |
	       ((pte & PTE_X) ? RVI_PERM_X : 0);
}

/* What the first stage's U rules leave this requester of a page whose
 * first-stage leaf has U = @u (step 5 of the walk, for every access). */
static unsigned int priv_mask(const struct rvi_ctx *c, bool u)
{
	const unsigned int all = RVI_PERM_R | RVI_PERM_W | RVI_PERM_X;

	if (!c->fs_on)
		return all;
	if (!c->priv)
		return u ? all : 0;
	if (u)
		return c->sum ? RVI_PERM_R | RVI_PERM_W : 0;
	return all;
}

/* An MSI translation: the MSI PTE acts as a G-stage leaf with R = W = 1,
 * X = 0, after the first stage's leaf @fpte. */
static unsigned int msi_rsp(const struct rvi_ctx *c, uint64_t fpte, uint64_t pa,
			    struct genpt_rviommu_rsp *rsp)
{
	rsp->pa = pa;
	rsp->page_shift = 12;
	rsp->msi = true;
	rsp->perm = leaf_perm(fpte) & priv_mask(c, rsp->user) & (RVI_PERM_R | RVI_PERM_W);
	rsp->dirty = fpte & PTE_D;
	return 0;
}

/* Steps 17-20 for the located contexts: IOTLB, then the walks. */
/* The IOTLB answers @c's request (counted as a hit or a miss). */
static bool tlb_hit(struct rvi_ctx *c, const struct rvi_tlb_tag *tag,
		    struct genpt_rviommu_rsp *rsp)
{
	struct genpt_rviommu *iommu = c->iommu;
	uint64_t iova = c->req->iova, m;
	struct rvi_tlb_entry e;

	if (!genpt_rvi_tlb_lookup(&iommu->tlb, tag, iova, &e) || !tlb_serves(c, &e)) {
		rvi_stat(&iommu->st_tlb_misses);
		return false;
	}
	m = (1ull << e.shift) - 1;
	rvi_stat(&iommu->st_tlb_hits);
	rsp->pa = (e.pa & ~m) | (iova & m);
	rsp->page_shift = e.shift;
	rsp->pbmt = e.pbmt;
	rsp->iotlb_hit = true;
	rsp->user = (e.flags & RVI_TLB_PSCV) && (e.flags & RVI_TLB_FS_U);
	rsp->perm = e.perm & priv_mask(c, rsp->user);
	rsp->dirty = e.flags & RVI_TLB_DIRTY;
	return true;
}

static unsigned int translate_addr(struct rvi_ctx *c, struct genpt_rviommu_rsp *rsp)
{
	struct genpt_rviommu *iommu = c->iommu;
	uint64_t iova = c->req->iova, gpa = iova, pa = 0;
	struct rvi_tlb_tag tag = { .gv = c->gs_on, .pscv = c->fs_on,
				   .gscid = c->gs_on ? c->gscid : 0,
				   .pscid = c->fs_on ? c->pscid : 0 };
	struct rvi_leaf fl = { .shift = 64, .pte = PTE_R | PTE_W | PTE_X | PTE_U | PTE_D },
			gl;
	struct rvi_tlb_entry e;
	unsigned int cause, shift, fpb;
	/* A T2GPA completion is the GPA: not what the IOTLB holds. */
	bool cacheable = (c->fs_on || c->gs_on) && !c->t2gpa, is_msi;
	uint64_t gen;

	if (cacheable && tlb_hit(c, &tag, rsp))
		return 0;
	gen = genpt_rvi_tlb_gen(&iommu->tlb);

	if (c->fs_on) {
		cause = walk_stage(c, false, iova, c->access, false, &fl);
		if (cause)
			return cause;
		gpa = fl.pa;
	}
	c->gpa = gpa;
	cause = msi_translate(c, gpa, &is_msi, &pa);
	rsp->user = c->fs_on && (fl.pte & PTE_U);
	if (is_msi)
		return cause ? cause : msi_rsp(c, fl.pte, pa, rsp);
	cause = walk_gs(c, gpa, c->access, false, &gl);
	if (cause)
		return cause;
	pa = gl.pa;
	if (iommu->pas < 64 && (pa >> iommu->pas))
		return cause_access(c->access);

	shift = fl.shift < gl.shift ? fl.shift : gl.shift;
	if (shift > 48) /* both stages Bare */
		shift = 12;
	/* Svpbmt in two stages: a non-zero first-stage PBMT overrides. */
	fpb = c->fs_on ? PTE_PBMT(fl.pte) : 0;
	rsp->pa = pa;
	rsp->page_shift = shift;
	rsp->pbmt = fpb ? fpb : (c->gs_on ? PTE_PBMT(gl.pte) : 0);
	rsp->perm = leaf_perm(fl.pte) & leaf_perm(gl.pte) & priv_mask(c, rsp->user);
	rsp->dirty = fl.pte & gl.pte & PTE_D;

	if (cacheable) {
		uint64_t m = (1ull << shift) - 1;

		e = (struct rvi_tlb_entry){
			.va = iova & ~m,
			.pa = pa & ~m,
			.gs_base = c->gs_on ? gpa & ~((1ull << gl.shift) - 1) : 0,
			.gs_shift = (uint8_t)(c->gs_on ? gl.shift : 0),
			.shift = (uint8_t)shift,
			.gscid = tag.gscid,
			.pscid = tag.pscid,
			.perm = (uint8_t)(leaf_perm(fl.pte) & leaf_perm(gl.pte)),
			.pbmt = (uint8_t)rsp->pbmt,
			.flags = (uint8_t)((c->gs_on ? RVI_TLB_GV : 0) |
					   (c->fs_on ? RVI_TLB_PSCV : 0) |
					   (c->fs_on && fl.global ? RVI_TLB_GLOBAL : 0) |
					   ((fl.pte & gl.pte & PTE_D) ? RVI_TLB_DIRTY : 0) |
					   ((fl.pte & PTE_U) ? RVI_TLB_FS_U : 0)),
		};
		genpt_rvi_tlb_insert(&iommu->tlb, gen, &e);
	}
	return 0;
}

/* A request the IOMMU does not translate (Bare mode, or a translated
 * request without T2GPA): the address is the SPA, all permissions. */
static unsigned int pass_through(struct genpt_rviommu_rsp *rsp,
				 const struct genpt_rviommu_req *req)
{
	rsp->pa = req->iova;
	rsp->page_shift = 12;
	rsp->perm = RVI_PERM_R | RVI_PERM_W | RVI_PERM_X;
	rsp->dirty = true;
	return 0;
}

/* Step 7's "Transaction type disallowed" checks after the DC is located:
 * translated and ATS requests need EN_ATS; a process_id needs a PDT wide
 * enough. */
static bool ttyp_disallowed(const struct genpt_rviommu_req *req, uint64_t tc, uint64_t fsc)
{
	if (req->type != GENPT_RVIOMMU_REQ_UNTRANSLATED && !(tc & GENPT_RVI_TC_EN_ATS))
		return true;
	if (!req->pid_valid)
		return false;
	if (!(tc & GENPT_RVI_TC_PDTV))
		return true;
	return (atp_mode(fsc) == GENPT_RVI_PDTP_PD8 && (req->process_id >> 8)) ||
	       (atp_mode(fsc) == GENPT_RVI_PDTP_PD17 && (req->process_id >> 17));
}

/* The spec's "Process to translate an IOVA", steps 1-16. */
static unsigned int translate(struct rvi_ctx *c, struct genpt_rviommu_rsp *rsp)
{
	struct genpt_rviommu *iommu = c->iommu;
	const struct genpt_rviommu_req *req = c->req;
	uint64_t ddtp = __atomic_load_n(&iommu->ddtp, __ATOMIC_ACQUIRE);
	unsigned int mode = (unsigned int)(ddtp & GENPT_RVI_DDTP_MODE_MASK);
	unsigned int b0 = ddi0_bits(iommu), cause, levels;
	uint64_t tc, iohgatp, fsc, iosatp;

	if (mode == GENPT_RVI_DDTP_OFF)
		return GENPT_RVI_CAUSE_ALL_DISALLOWED;
	if (mode == GENPT_RVI_DDTP_BARE) {
		/* Step 2: translated and ATS requests are disallowed. */
		if (req->type != GENPT_RVIOMMU_REQ_UNTRANSLATED)
			return GENPT_RVI_CAUSE_TTYP_DISALLOWED;
		return pass_through(rsp, req); /* untranslated: passes through */
	}
	levels = mode - GENPT_RVI_DDTP_1LVL + 1;
	/* A device_id wider than the DDT: transaction type disallowed. */
	if ((levels == 1 && (req->device_id >> b0)) ||
	    (levels == 2 && (req->device_id >> (b0 + 9))))
		return GENPT_RVI_CAUSE_TTYP_DISALLOWED;
	cause = locate_dc(c, levels, ddtp);
	if (cause)
		return cause;

	tc = c->dc[GENPT_RVI_DC_TC];
	iohgatp = c->dc[GENPT_RVI_DC_IOHGATP];
	fsc = c->dc[GENPT_RVI_DC_FSC];
	if (ttyp_disallowed(req, tc, fsc))
		return GENPT_RVI_CAUSE_TTYP_DISALLOWED;
	/* The G-stage comes from the DC whatever the first stage is. */
	if (atp_mode(iohgatp) != GENPT_RVI_MODE_BARE) {
		c->gs_on = true;
		c->gs_levels = stage_levels(atp_mode(iohgatp));
		c->gs_root = (iohgatp & GENPT_RVI_ATP_PPN_MASK) << 12;
		c->gscid = (uint16_t)(iohgatp >> GENPT_RVI_ATP_GSCID_SHIFT);
		c->gade = tc & GENPT_RVI_TC_GADE;
	}
	c->sade = tc & GENPT_RVI_TC_SADE;
	c->t2gpa = req->type == GENPT_RVIOMMU_REQ_ATS && (tc & GENPT_RVI_TC_T2GPA);
	/* Steps 8-9: a translated request is an SPA, or with T2GPA a GPA
	 * for the G-stage alone. */
	if (req->type == GENPT_RVIOMMU_REQ_TRANSLATED)
		return (tc & GENPT_RVI_TC_T2GPA) ? translate_addr(c, rsp) : pass_through(rsp, req);

	iosatp = 0; /* Bare unless a context below says otherwise */
	if (!(tc & GENPT_RVI_TC_PDTV)) {
		iosatp = fsc;
		c->pscid = (uint32_t)((c->dc[GENPT_RVI_DC_TA] >> GENPT_RVI_TA_PSCID_SHIFT) &
				      0xfffff);
	} else if ((req->pid_valid || (tc & GENPT_RVI_TC_DPE)) &&
		   atp_mode(fsc) != GENPT_RVI_MODE_BARE) {
		uint32_t pid = req->pid_valid ? req->process_id : 0;
		uint64_t pc[2];

		cause = locate_pc(c, pid, pc);
		if (cause)
			return cause;
		if (req->priv && !(pc[0] & GENPT_RVI_PC_TA_ENS))
			return GENPT_RVI_CAUSE_TTYP_DISALLOWED;
		c->sum = (pc[0] & GENPT_RVI_PC_TA_ENS) && (pc[0] & GENPT_RVI_PC_TA_SUM);
		iosatp = pc[1];
		c->pscid = (uint32_t)((pc[0] >> GENPT_RVI_TA_PSCID_SHIFT) & 0xfffff);
	}
	if (atp_mode(iosatp) != GENPT_RVI_MODE_BARE) {
		c->fs_on = true;
		c->fs_levels = stage_levels(atp_mode(iosatp));
		c->fs_root = (iosatp & GENPT_RVI_ATP_PPN_MASK) << 12;
	}
	return translate_addr(c, rsp);
}

/* Causes reported even when DC.tc.DTF is 1 (spec table of CAUSE encodings);
 * the model produces only these of the "Yes" rows. */
static bool cause_ignores_dtf(unsigned int cause)
{
	return cause == GENPT_RVI_CAUSE_ALL_DISALLOWED ||
	       cause == GENPT_RVI_CAUSE_DDT_LOAD_FAULT ||
	       cause == GENPT_RVI_CAUSE_DDT_INVALID ||
	       cause == GENPT_RVI_CAUSE_DDT_MISCONFIGURED ||
	       cause == GENPT_RVI_CAUSE_DDT_CORRUPTED;
}

/* Causes an ATS Translation Request answers with Success and no access
 * (spec "PCIe ATS translation request handling"): no fault is reported. */
static bool ats_no_access(unsigned int cause)
{
	return cause == GENPT_RVI_CAUSE_INST_PAGE || cause == GENPT_RVI_CAUSE_READ_PAGE ||
	       cause == GENPT_RVI_CAUSE_WRITE_PAGE ||
	       cause == GENPT_RVI_CAUSE_INST_GUEST_PAGE ||
	       cause == GENPT_RVI_CAUSE_READ_GUEST_PAGE ||
	       cause == GENPT_RVI_CAUSE_WRITE_GUEST_PAGE ||
	       cause == GENPT_RVI_CAUSE_PDT_INVALID || cause == GENPT_RVI_CAUSE_MSI_INVALID;
}

/*
 * An ATS Translation Request: walk as a write when write permission is
 * asked for (A/D set as for a store, so a W the completion grants needs no
 * D update later), as a read when the page is not writable or only read is
 * asked for.  Returns the cause to report (UR/CA), or 0 with the
 * completion in @rsp.
 */
static unsigned int ats_translate(struct rvi_ctx *c, struct genpt_rviommu_rsp *rsp)
{
	const struct genpt_rviommu_req *req = c->req;
	bool want_w = req->access == ACC_WRITE;
	struct rvi_ctx c0 = *c;
	unsigned int cause;

	c->access = want_w ? ACC_WRITE : ACC_READ;
	cause = translate(c, rsp);
	if (want_w && ats_no_access(cause)) {
		*c = c0;
		c->access = ACC_READ;
		memset(rsp, 0, sizeof(*rsp));
		cause = translate(c, rsp);
	}
	if (ats_no_access(cause)) {
		memset(rsp, 0, sizeof(*rsp));
		rsp->cause = cause;
		return 0;
	}
	if (cause)
		return cause;
	if (!want_w)
		rsp->perm &= ~RVI_PERM_W;
	if (req->access != ACC_EXEC || !(rsp->perm & RVI_PERM_R))
		rsp->perm &= ~RVI_PERM_X;
	if (c->t2gpa)
		rsp->pa = c->gpa;
	return 0;
}

static unsigned int rec_ttyp(const struct genpt_rviommu_req *req)
{
	unsigned int a = req->access == ACC_EXEC ? 0 : req->access == ACC_READ ? 1 : 2;

	if (req->type == GENPT_RVIOMMU_REQ_ATS)
		return GENPT_RVI_TTYP_ATS_TRANSLATION;
	if (req->type == GENPT_RVIOMMU_REQ_TRANSLATED)
		return GENPT_RVI_TTYP_TRANSLATED_EXEC + a;
	return GENPT_RVI_TTYP_UNTRANSLATED_EXEC + a;
}

/*
 * Translate @req into @rsp.  Returns true when the fault in @rsp must be
 * recorded, with the record in *@f: the caller records it (a DMA does so
 * only after leaving its in-flight section, see genpt_rviommu_dma()).
 */
static bool xlate(struct genpt_rviommu *iommu, const struct genpt_rviommu_req *req,
		  struct genpt_rviommu_rsp *rsp, struct genpt_rviommu_fault *f)
{
	struct rvi_ctx c;
	unsigned int cause;

	memset(rsp, 0, sizeof(*rsp));
	memset(&c, 0, sizeof(c));
	c.iommu = iommu;
	c.req = req;
	c.access = req->access;
	c.priv = req->priv;
	c.ext = iommu->caps & GENPT_RVI_CAP_MSI_FLAT;
	rvi_stat(&iommu->st_translations);

	cause = req->type == GENPT_RVIOMMU_REQ_ATS ? ats_translate(&c, rsp) : translate(&c, rsp);
	if (!cause)
		return false;
	/* The record's iotval2 only for guest-page faults. */
	*rsp = (struct genpt_rviommu_rsp){
		.cause = cause,
		.iotval = req->iova,
		.iotval2 = (cause == GENPT_RVI_CAUSE_INST_GUEST_PAGE ||
			    cause == GENPT_RVI_CAUSE_READ_GUEST_PAGE ||
			    cause == GENPT_RVI_CAUSE_WRITE_GUEST_PAGE) ? c.iotval2 : 0,
		/* DTF silences translation faults; a fault that prevented
		 * locating a valid DC assumes DTF = 0. */
		.reported = !c.dc_found || !(c.dc[GENPT_RVI_DC_TC] & GENPT_RVI_TC_DTF) ||
			    cause_ignores_dtf(cause),
		/* "a permanent error or ATS disabled": UR; else CA */
		.ats_status = req->type != GENPT_RVIOMMU_REQ_ATS ? 0 :
			      (cause >= GENPT_RVI_CAUSE_ALL_DISALLOWED &&
			       cause <= GENPT_RVI_CAUSE_TTYP_DISALLOWED) ||
					      cause == GENPT_RVI_CAUSE_DDT_CORRUPTED ?
			      GENPT_RVIOMMU_ATS_UR : GENPT_RVIOMMU_ATS_CA,
	};
	rvi_stat(&iommu->st_faults);
	if (!rsp->reported)
		return false;
	*f = (struct genpt_rviommu_fault){
		.cause = cause,
		.ttyp = rec_ttyp(req),
		.did = req->device_id,
		.pv = req->pid_valid,
		.pid = req->pid_valid ? req->process_id : 0,
		.priv = req->pid_valid && req->priv,
		.iotval = rsp->iotval,
		.iotval2 = rsp->iotval2,
	};
	return true;
}

static unsigned int dma_enter(struct genpt_rviommu *iommu);
static void dma_exit(struct genpt_rviommu *iommu, unsigned int slot);

GENPT_API int genpt_rviommu_translate(struct genpt_rviommu *iommu,
				      const struct genpt_rviommu_req *req,
				      struct genpt_rviommu_rsp *rsp)
{
	struct genpt_rviommu_fault f;
	unsigned int slot;
	bool record;

	if (!iommu || !req || !rsp)
		return -EINVAL;
	if (req->access < ACC_READ || req->access > ACC_EXEC ||
	    (req->device_id >> 24) || (req->pid_valid && (req->process_id >> 20)) ||
	    (req->priv && !req->pid_valid) || req->type > GENPT_RVIOMMU_REQ_ATS)
		return -EINVAL;
	/* In flight like a DMA page: IOFENCE.C waits for the walk, so once an
	 * invalidation completed no walk still reads a table it covered. */
	slot = dma_enter(iommu);
	record = xlate(iommu, req, rsp, &f);
	dma_exit(iommu, slot);
	if (record)
		genpt_rvi_record_fault(iommu, &f);
	return 0;
}

/* ---------------------------------------------------------------- DMA --- */


/*
 * DMA in flight.  Hardware completes an IOTINVAL (as IOFENCE.C observes it)
 * only when no transaction still uses a translation it removed: a write
 * that looked up a dirty translation before a harvest cleaned D and
 * invalidated must be in memory before the fence completes, or the
 * hypervisor copies the page without it and never sees it dirty again.
 * Each page of a DMA counts itself in dma_active[epoch & 1] from before its
 * translation until its data is written, and so does every
 * genpt_rviommu_translate() for its walk (a walk in flight may be reading a
 * table page the engine unlinked: the page may be freed only after the
 * invalidation completed); IOFENCE.C advances the epoch and waits for the
 * old epoch's count to drain.  Later ones count in the other slot, so the
 * wait is bounded by the work already under way.
 */
static unsigned int dma_enter(struct genpt_rviommu *iommu)
{
	for (;;) {
		uint64_t e = __atomic_load_n(&iommu->dma_epoch, __ATOMIC_SEQ_CST);

		__atomic_fetch_add(&iommu->dma_active[e & 1], 1, __ATOMIC_SEQ_CST);
		/* Still the same epoch: a quiesce that advances it from now on
		 * sees this count (seq_cst orders the increment before its
		 * load).  Otherwise retry in the new epoch. */
		if (__atomic_load_n(&iommu->dma_epoch, __ATOMIC_SEQ_CST) == e)
			return (unsigned int)(e & 1);
		__atomic_fetch_sub(&iommu->dma_active[e & 1], 1, __ATOMIC_RELEASE);
	}
}

static void dma_exit(struct genpt_rviommu *iommu, unsigned int slot)
{
	/* release: the data written before it is visible to the quiescer */
	__atomic_fetch_sub(&iommu->dma_active[slot], 1, __ATOMIC_RELEASE);
}

void genpt_rvi_dma_quiesce(struct genpt_rviommu *iommu)
{
	uint64_t e = __atomic_fetch_add(&iommu->dma_epoch, 1, __ATOMIC_SEQ_CST);

	while (__atomic_load_n(&iommu->dma_active[e & 1], __ATOMIC_ACQUIRE))
		sched_yield();
}

/* Copy @len bytes between @b and memory at @pa (one translation's span),
 * asking the memory hook about each provider page. */
static int dma_copy_span(struct genpt_rviommu *iommu, uint32_t did, uint64_t pa,
			 unsigned char *b, uint64_t len, unsigned int access)
{
	while (len) {
		/* One 4 KiB page of the provider at a time. */
		uint64_t chunk = 4096 - (pa & 4095);
		unsigned char *p = iommu->mem->phys_to_virt(iommu->mem_ctx, pa);
		enum genpt_rviommu_mem_verdict v;

		if (chunk > len)
			chunk = len;
		v = genpt_rvi_hook(iommu, GENPT_RVIOMMU_MEM_DATA,
				   access == ACC_WRITE ? GENPT_RVIOMMU_MEM_WRITE :
							 GENPT_RVIOMMU_MEM_READ,
				   pa, (unsigned int)chunk, did);
		if (!p || v != GENPT_RVIOMMU_MEM_PROCEED)
			return v == GENPT_RVIOMMU_MEM_CORRUPT ? -EIO : -EFAULT;
		genpt_dma_copy(p, b, (size_t)chunk, access == ACC_WRITE);
		b += chunk;
		len -= chunk;
		pa += chunk;
	}
	return 0;
}

/*
 * One translation's worth of a DMA (in flight from before the lookup until
 * the data is written).  @lookup, when given, turns the address into a
 * translated request (an ATC hit) or returns false (-EAGAIN: a miss, nothing
 * done).  Advances *@iova, *@b, *@len by what was moved.
 */
int genpt_rvi_dma_step(struct genpt_rviommu *iommu, uint32_t did, uint64_t *iova,
		       unsigned char **b, size_t *len, unsigned int access,
		       genpt_rvi_dma_lookup lookup, void *lctx)
{
	struct genpt_rviommu_req req = { .device_id = did, .iova = *iova, .access = access };
	struct genpt_rviommu_rsp rsp;
	struct genpt_rviommu_fault f;
	unsigned int slot = dma_enter(iommu);
	uint64_t room, m;
	int err;

	if (lookup) {
		if (!lookup(lctx, *iova, access, &req.iova)) {
			dma_exit(iommu, slot);
			return -EAGAIN;
		}
		req.type = GENPT_RVIOMMU_REQ_TRANSLATED;
	}
	if (xlate(iommu, &req, &rsp, &f)) {
		/* IOFENCE.C may be waiting for us under reg_lock, which
		 * recording takes: leave first. */
		dma_exit(iommu, slot);
		genpt_rvi_record_fault(iommu, &f);
		return -EFAULT;
	}
	if (rsp.cause) {
		dma_exit(iommu, slot);
		return -EFAULT;
	}
	/* The bytes this translation covers (a translated request: up to
	 * the end of its 4 KiB page). */
	m = rsp.page_shift >= 64 ? UINT64_MAX : (1ull << rsp.page_shift) - 1;
	room = m - (req.iova & m) + 1;
	if (room == 0 || room > *len)
		room = *len;
	err = dma_copy_span(iommu, did, rsp.pa, *b, room, access);
	dma_exit(iommu, slot);
	if (err)
		return err;
	*b += room;
	*len -= (size_t)room;
	*iova += room;
	return 0;
}

GENPT_API int genpt_rviommu_dma(struct genpt_rviommu *iommu, uint32_t device_id,
				uint64_t iova, void *buf, size_t len,
				unsigned int access)
{
	unsigned char *b = buf;
	int err = 0;

	if (!iommu || (!buf && len) || access < ACC_READ || access > ACC_EXEC ||
	    (device_id >> 24))
		return -EINVAL;
	if (len && (uint64_t)len - 1 > UINT64_MAX - iova)
		return -EINVAL;
	while (len && !err)
		err = genpt_rvi_dma_step(iommu, device_id, &iova, &b, &len, access, NULL, NULL);
	return err;
}
