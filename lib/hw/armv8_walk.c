/* SPDX-License-Identifier: MIT */
/*
 * hw/armv8_walk.c - reference ARM VMSAv8-64 translation table walk.
 *
 * Written from the Arm Architecture Reference Manual (A-profile), the
 * VMSAv8-64 chapter and the translation pseudocode: the register fields
 * (TCR_EL1, VTCR_EL2), the descriptor formats, the stage-2 start level
 * rules, the Contiguous bit, the Access flag and FEAT_HAFDBS.  Every
 * constant here comes from the manual, not from lib/fmt: this file exists
 * to check lib/fmt.
 */
#include "hw/armv8_walk.h"

#include <errno.h>
#include <stddef.h>

#include "genpt/table.h"

/* ------------------------------------------------ register fields -- */

/* TCR_EL1 (stage 1, the TTBR0 half) and VTCR_EL2 (stage 2). */
#define AW_TCR_T0SZ(r) ((unsigned int)((r) & 0x3f))         /* [5:0], both */
#define AW_TCR_TG0(r) ((unsigned int)(((r) >> 14) & 3))     /* [15:14], both */
#define AW_TCR_IPS(r) ((unsigned int)(((r) >> 32) & 7))     /* TCR_EL1 [34:32] */
#define AW_TCR_HA(r) ((((r) >> 39) & 1) != 0)               /* TCR_EL1 [39] */
#define AW_TCR_HD(r) ((((r) >> 40) & 1) != 0)               /* TCR_EL1 [40] */
#define AW_VTCR_SL0(r) ((unsigned int)(((r) >> 6) & 3))     /* VTCR_EL2 [7:6] */
#define AW_VTCR_PS(r) ((unsigned int)(((r) >> 16) & 7))     /* VTCR_EL2 [18:16] */
#define AW_VTCR_HA(r) ((((r) >> 21) & 1) != 0)              /* VTCR_EL2 [21] */
#define AW_VTCR_HD(r) ((((r) >> 22) & 1) != 0)              /* VTCR_EL2 [22] */

/* TG0 encodings (note: TG1 uses different ones). */
#define AW_TG0_4K 0u
#define AW_TG0_64K 1u
#define AW_TG0_16K 2u

/* T0SZ limits without FEAT_LVA / FEAT_LPA2 / FEAT_TTST. */
#define AW_T0SZ_MIN 16u /* 48-bit input */
#define AW_T0SZ_MAX 39u /* 25-bit input */

/* The PAMax of the modelled implementation (ID_AA64MMFR0_EL1.PARange). */
#define AW_PAMAX 48u

/* ------------------------------------------------ descriptor bits -- */

/*
 * VMSAv8-64 descriptor (64 bits):
 *   [1:0]   0bx0 invalid; 0b01 block (levels 0-2; reserved at level 3);
 *           0b11 table (levels 0-2) or page (level 3)
 *   [47:g]  next-level table address / output address (g = granule bits)
 * Stage 1 block and page descriptors:
 *   [4:2] AttrIndx  [5] NS  [7:6] AP[2:1]  [9:8] SH  [10] AF  [11] nG
 *   [50] GP  [51] DBM  [52] Contiguous  [53] PXN  [54] UXN
 * Stage 2 block and page descriptors:
 *   [5:2] MemAttr  [7:6] S2AP (bit 6 read, bit 7 write)  [9:8] SH  [10] AF
 *   [51] DBM  [52] Contiguous  [54:53] XN[1:0] (FEAT_XNX)
 * Stage 1 table descriptors:
 *   [59] PXNTable  [60] UXNTable  [62:61] APTable  [63] NSTable
 */
#define AW_D_VALID (1ull << 0)
#define AW_D_TABLE (1ull << 1) /* with VALID: table (levels 0-2) or page (level 3) */
#define AW_D_AP1 (1ull << 6)   /* stage 1: EL0 access */
#define AW_D_AP2 (1ull << 7)   /* stage 1: read-only (nDirty with DBM) */
#define AW_D_S2AP_R (1ull << 6)
#define AW_D_S2AP_W (1ull << 7) /* stage 2: write (Dirty with DBM) */
#define AW_D_AF (1ull << 10)
#define AW_D_DBM (1ull << 51)
#define AW_D_CONT (1ull << 52)
#define AW_D_NT (1ull << 16) /* block descriptors with FEAT_BBM */
#define AW_D_PXN (1ull << 53)
#define AW_D_UXN (1ull << 54)
#define AW_D_XN_SHIFT 53 /* stage 2 XN[1:0] */
#define AW_D_PXNTABLE (1ull << 59)
#define AW_D_UXNTABLE (1ull << 60)
#define AW_D_APTABLE_SHIFT 61
#define AW_OA_TOP 48 /* output addresses are bits [47:g] */
#define AW_D_OA52_64K (0xfull << 12) /* 64KB granule: OA[51:48] with FEAT_LPA */
#define AW_D_OA49_48 (3ull << 48)    /* 4KB/16KB: OA[49:48] with FEAT_LPA2 */

/* APTable bits (after shifting down). */
#define AW_APTABLE_NO_EL0 1u
#define AW_APTABLE_NO_WRITE 2u

#define AW_DESC_SIZE 8u
#define AW_FINAL_LEVEL 3

/* ---------------------------------------------------- geometry -- */

/* What the register value says about the walk. */
struct aw_params {
	unsigned int gran;      /* granule bits: 12, 14, 16 */
	unsigned int stride;    /* index bits per full table: gran - 3 */
	unsigned int ia;        /* input address bits: 64 - T0SZ */
	unsigned int ps;        /* output address bits */
	int start;              /* start level */
	unsigned int root_bits; /* index bits of the (concatenated) root */
	bool ha, hd;
};

/* log2 of the bytes one descriptor at @level maps. */
static unsigned int aw_level_shift(const struct aw_params *p, int level)
{
	return p->gran + p->stride * (unsigned int)(AW_FINAL_LEVEL - level);
}

/* TG0 -> granule bits, 0 for the reserved encoding. */
static unsigned int aw_tg0_bits(unsigned int tg0)
{
	switch (tg0) {
	case AW_TG0_4K:
		return 12;
	case AW_TG0_16K:
		return 14;
	case AW_TG0_64K:
		return 16;
	}
	return 0;
}

/* PS / IPS -> output address bits, 0 for encodings not modelled. */
static unsigned int aw_ps_bits(unsigned int ps)
{
	static const unsigned int bits[] = { 32, 36, 40, 42, 44, 48 };

	return ps < sizeof(bits) / sizeof(bits[0]) ? bits[ps] : 0;
}

/*
 * Stage 2 start level from SL0 (AArch64.S2StartLevel), -1 when the
 * encoding needs a feature the model lacks (4KB SL0 = 0b11 is level 3 with
 * FEAT_TTST; 16KB SL0 = 0b11 is level 0 with FEAT_LPA2; 64KB SL0 = 0b11 is
 * reserved) or is invalid for the implemented PAMax (AArch64.S2InvalidSL:
 * 4KB level 0 and 64KB level 1 need PAMax >= 44, 16KB level 1 needs 42).
 */
static int aw_s2_start_level(unsigned int gran, unsigned int sl0)
{
	static const int l4k[4] = { 2, 1, 0, -1 };
	static const int l16k[4] = { 3, 2, 1, -1 };
	static const int l64k[4] = { 3, 2, 1, -1 };
	int level = gran == 12 ? l4k[sl0] : gran == 14 ? l16k[sl0] : l64k[sl0];

	if (gran == 12 && level == 0 && AW_PAMAX < 44)
		return -1;
	if (gran == 14 && level == 1 && AW_PAMAX < 42)
		return -1;
	if (gran == 16 && level == 1 && AW_PAMAX < 44)
		return -1;
	return level;
}

/*
 * AArch64.S2InconsistentSL: the initial level must resolve at least one
 * bit, and at most a full table plus 4 bits (up to 16 concatenated
 * tables).
 */
static bool aw_s2_sl_consistent(const struct aw_params *p)
{
	unsigned int below = (unsigned int)(AW_FINAL_LEVEL - p->start);
	unsigned int min_ia = below * p->stride + p->gran + 1;
	unsigned int max_ia = min_ia + (p->stride - 1) + 4;

	return p->ia >= min_ia && p->ia <= max_ia;
}

/* Decode the control register; false when the request is malformed. */
static bool aw_decode(const struct genpt_arm_walk *w, struct aw_params *p)
{
	unsigned int t0sz = AW_TCR_T0SZ(w->tcr);

	p->gran = aw_tg0_bits(AW_TCR_TG0(w->tcr));
	if (!p->gran || t0sz < AW_T0SZ_MIN || t0sz > AW_T0SZ_MAX)
		return false;
	p->stride = p->gran - 3;
	p->ia = 64 - t0sz;
	if (w->stage2) {
		p->ps = aw_ps_bits(AW_VTCR_PS(w->tcr));
		p->ha = AW_VTCR_HA(w->tcr);
		p->hd = AW_VTCR_HD(w->tcr);
		p->start = aw_s2_start_level(p->gran, AW_VTCR_SL0(w->tcr));
		if (p->start < 0 || !aw_s2_sl_consistent(p))
			return false;
	} else {
		p->ps = aw_ps_bits(AW_TCR_IPS(w->tcr));
		p->ha = AW_TCR_HA(w->tcr);
		p->hd = AW_TCR_HD(w->tcr);
		/* AArch64.S1StartLevel */
		p->start = AW_FINAL_LEVEL -
			   (int)((p->ia - 1 - p->gran) / p->stride);
	}
	if (!p->ps)
		return false;
	/* HD without HA has no effect. */
	p->hd = p->hd && p->ha;
	p->root_bits = p->ia - aw_level_shift(p, p->start);
	return true;
}

/* Blocks: 4KB at levels 1 and 2, 16KB and 64KB at level 2 (no LPA). */
static bool aw_block_allowed(const struct aw_params *p, int level)
{
	if (p->gran == 12)
		return level == 1 || level == 2;
	return level == 2;
}

/* log2 of the number of entries the Contiguous bit groups. */
static unsigned int aw_contig_log2(const struct aw_params *p, int level)
{
	if (p->gran == 12)
		return 4;               /* 16 entries at every level */
	if (p->gran == 14)
		return level == 3 ? 7 : 5; /* 128 x 16KB, 32 x 32MB */
	return 5;                       /* 32 x 64KB, 32 x 512MB */
}

/* ---------------------------------------------------- descriptors -- */

static uint64_t aw_low_mask(unsigned int bits)
{
	return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

/*
 * The output-address field check shared by table and leaf descriptors:
 * bits that would be address bits above 47 under FEAT_LPA/LPA2 mean an
 * address beyond any PS we model; bits below the granule (or block size)
 * that are RES0 must be zero.
 */
static enum genpt_arm_fault aw_check_oa_field(const struct aw_params *p,
					      uint64_t d, unsigned int size_bits)
{
	uint64_t low = aw_low_mask(size_bits) & ~aw_low_mask(12);

	if (p->gran == 16) {
		if (d & AW_D_OA52_64K)
			return GENPT_ARM_FAULT_ADDRESS_SIZE;
		if (d & AW_D_OA49_48)
			return GENPT_ARM_FAULT_RESERVED;
		low &= ~AW_D_OA52_64K;
	} else if (d & AW_D_OA49_48) {
		return GENPT_ARM_FAULT_ADDRESS_SIZE;
	}
	if (d & low)
		return GENPT_ARM_FAULT_RESERVED;
	return GENPT_ARM_OK;
}

/* Bits [47:size_bits] of a descriptor: the address it holds. */
static uint64_t aw_oa(uint64_t d, unsigned int size_bits)
{
	return d & aw_low_mask(AW_OA_TOP) & ~aw_low_mask(size_bits);
}

/*
 * Read a descriptor.  An address the provider does not back is a
 * synchronous External abort on the walk; so is a misaligned host pointer
 * (an atomic load through it would be undefined).
 */
static enum genpt_arm_fault aw_load(const struct genpt_arm_walk *w,
				    uint64_t pa, uint64_t **slot, uint64_t *d)
{
	void *p = w->mem->phys_to_virt(w->mem_ctx, pa);

	if (!p || ((uintptr_t)p & (AW_DESC_SIZE - 1)))
		return GENPT_ARM_FAULT_EXTERNAL;
	*slot = p;
	*d = __atomic_load_n(*slot, __ATOMIC_ACQUIRE);
	return GENPT_ARM_OK;
}

/* Hierarchical attributes collected from stage-1 table descriptors. */
struct aw_hier {
	unsigned int aptable;
	bool uxn, pxn;
};

/* What the leaf permits, with DBM honoured when hardware dirty update is on. */
struct aw_perm {
	bool r, w, x;
	bool dirty_needed; /* a write must first make the entry dirty */
};

static struct aw_perm aw_s1_perm(const struct genpt_arm_walk *w,
				 const struct aw_params *p, uint64_t d,
				 const struct aw_hier *h)
{
	bool dbm_w = p->hd && (d & AW_D_DBM);
	bool desc_w = !(d & AW_D_AP2) || dbm_w;
	bool el0 = (d & AW_D_AP1) && !(h->aptable & AW_APTABLE_NO_EL0);
	bool wr = desc_w && !(h->aptable & AW_APTABLE_NO_WRITE);
	struct aw_perm pm;

	if (w->priv) {
		/* EL1 may read anything valid; never executes memory EL0
		 * may write. */
		pm.r = true;
		pm.w = wr;
		pm.x = !(d & AW_D_PXN) && !h->pxn && !(el0 && wr);
	} else {
		pm.r = el0;
		pm.w = el0 && wr;
		pm.x = !(d & AW_D_UXN) && !h->uxn;
	}
	pm.dirty_needed = (d & AW_D_AP2) != 0;
	return pm;
}

static struct aw_perm aw_s2_perm(const struct genpt_arm_walk *w,
				 const struct aw_params *p, uint64_t d)
{
	unsigned int xn = (unsigned int)((d >> AW_D_XN_SHIFT) & 3);
	struct aw_perm pm;

	pm.r = (d & AW_D_S2AP_R) != 0;
	pm.w = (d & AW_D_S2AP_W) || (p->hd && (d & AW_D_DBM));
	/* XN[1:0]: 00 both may execute, 01 not EL1, 10 neither, 11 not EL0 */
	pm.x = w->priv ? (xn == 0 || xn == 3) : (xn == 0 || xn == 1);
	pm.dirty_needed = !(d & AW_D_S2AP_W);
	return pm;
}

static bool aw_permits(const struct genpt_arm_walk *w, const struct aw_perm *pm)
{
	switch (w->access) {
	case GENPT_ACCESS_WRITE:
		return pm->w;
	case GENPT_ACCESS_EXEC:
		return pm->x;
	default:
		return pm->r;
	}
}

static void aw_reset_outputs(struct genpt_arm_walk *w, int level)
{
	w->pa = 0;
	w->level = level;
	w->page_shift = 0;
	w->contig_shift = 0;
	w->desc = 0;
	w->desc_pa = 0;
	w->attr = 0;
	w->updated = false;
}

/* ------------------------------------------------------------ walk -- */

/*
 * The leaf at @level: shape, output address, Access flag, permissions,
 * then the hardware update.  Returns GENPT_ARM_OK with *@want the value
 * the descriptor must hold (== d when no update is needed).
 */
static enum genpt_arm_fault aw_leaf(struct genpt_arm_walk *w,
				    const struct aw_params *p, int level,
				    uint64_t d, const struct aw_hier *h,
				    uint64_t *want)
{
	unsigned int shift = aw_level_shift(p, level);
	unsigned int cshift = shift;
	struct aw_perm pm;
	enum genpt_arm_fault f;
	uint64_t oa;

	/* bits[1:0] = 0b01 is reserved at level 3; a block needs a level
	 * that has blocks. */
	if (level == AW_FINAL_LEVEL ? !(d & AW_D_TABLE) : !aw_block_allowed(p, level))
		return GENPT_ARM_FAULT_RESERVED;
	/* FEAT_BBM: bit 16 of a block is nT (a hint not to cache it), not an
	 * address bit to be zero. */
	f = aw_check_oa_field(p, level < AW_FINAL_LEVEL && w->bbm_nt ? d & ~AW_D_NT : d,
			      shift);
	if (f != GENPT_ARM_OK)
		return f;
	oa = aw_oa(d, shift);
	if (oa >> p->ps)
		return GENPT_ARM_FAULT_ADDRESS_SIZE;
	if (d & AW_D_CONT) {
		/* Every member carries its own output address; one that does
		 * not sit where the input address does within the span breaks
		 * the contiguous promise (CONSTRAINED UNPREDICTABLE). */
		cshift = shift + aw_contig_log2(p, level);
		if ((oa ^ w->va) & aw_low_mask(cshift) & ~aw_low_mask(shift))
			return GENPT_ARM_FAULT_RESERVED;
	}

	/* The Access flag is checked in the walk, permissions after it. */
	if (!(d & AW_D_AF) && !p->ha)
		return GENPT_ARM_FAULT_ACCESS_FLAG;
	pm = w->stage2 ? aw_s2_perm(w, p, d) : aw_s1_perm(w, p, d, h);
	if (!aw_permits(w, &pm))
		return GENPT_ARM_FAULT_PERMISSION;

	/* Hardware update: AF when HA, the dirty state on a write that got
	 * its permission from DBM (which needs HD, and so HA). */
	*want = d | AW_D_AF;
	if (w->access == GENPT_ACCESS_WRITE && pm.dirty_needed)
		*want = w->stage2 ? (*want | AW_D_S2AP_W) : (*want & ~AW_D_AP2);

	w->pa = oa | (w->va & aw_low_mask(shift));
	w->page_shift = shift;
	w->contig_shift = cshift;
	w->attr = (unsigned int)((d >> 2) & (w->stage2 ? 0xf : 0x7));
	return GENPT_ARM_OK;
}

static bool aw_config_ok(const struct genpt_arm_walk *w)
{
	if (!w->mem || !w->mem->phys_to_virt)
		return false;
	return w->access == GENPT_ACCESS_READ || w->access == GENPT_ACCESS_WRITE ||
	       w->access == GENPT_ACCESS_EXEC;
}

enum genpt_arm_fault genpt_arm_walk(struct genpt_arm_walk *w)
{
	struct aw_params p;
	uint64_t root_bytes;

	if (!w)
		return GENPT_ARM_FAULT_CONFIG;
	aw_reset_outputs(w, 0);
	if (!aw_config_ok(w) || !aw_decode(w, &p))
		return GENPT_ARM_FAULT_CONFIG;
	w->level = p.start;
	/* The initial table (all concatenated tables) is aligned to its size. */
	root_bytes = (uint64_t)AW_DESC_SIZE << p.root_bits;
	if (w->ttbr & (root_bytes - 1))
		return GENPT_ARM_FAULT_CONFIG;
	if (w->ttbr >> p.ps)
		return GENPT_ARM_FAULT_ADDRESS_SIZE;
	if (w->va >> p.ia)
		return GENPT_ARM_FAULT_INPUT_RANGE;

	for (;;) { /* the pseudocode's repeat ... until the update sticks */
		struct aw_hier h = { 0, false, false };
		uint64_t table = w->ttbr;
		unsigned int bits = p.root_bits;
		int level = p.start;
		enum genpt_arm_fault f;
		uint64_t *slot, d, want;

		for (;;) {
			unsigned int shift = aw_level_shift(&p, level);
			uint64_t idx = (w->va >> shift) & aw_low_mask(bits);

			w->level = level;
			w->desc_pa = table + idx * AW_DESC_SIZE;
			f = aw_load(w, w->desc_pa, &slot, &d);
			if (f != GENPT_ARM_OK)
				return f;
			w->desc = d;
			if (!(d & AW_D_VALID))
				return GENPT_ARM_FAULT_TRANSLATION;
			if (level == AW_FINAL_LEVEL || !(d & AW_D_TABLE))
				break;
			/* A table descriptor. */
			f = aw_check_oa_field(&p, d, p.gran);
			if (f != GENPT_ARM_OK)
				return f;
			table = aw_oa(d, p.gran);
			if (table >> p.ps)
				return GENPT_ARM_FAULT_ADDRESS_SIZE;
			if (!w->stage2) {
				h.aptable |= (unsigned int)((d >> AW_D_APTABLE_SHIFT) & 3);
				h.uxn = h.uxn || (d & AW_D_UXNTABLE);
				h.pxn = h.pxn || (d & AW_D_PXNTABLE);
			}
			level++;
			bits = p.stride;
		}

		f = aw_leaf(w, &p, level, d, &h, &want);
		if (f != GENPT_ARM_OK) {
			w->pa = 0;
			w->page_shift = 0;
			w->contig_shift = 0;
			w->attr = 0;
			return f;
		}
		if (want == d)
			return GENPT_ARM_OK;
		if (__atomic_compare_exchange_n(slot, &d, want, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			w->desc = want;
			w->updated = true;
			return GENPT_ARM_OK;
		}
		/* Changed under us: walk again from the root. */
		aw_reset_outputs(w, p.start);
	}
}

int genpt_arm_walk_errno(enum genpt_arm_fault f)
{
	switch (f) {
	case GENPT_ARM_OK:
		return 0;
	case GENPT_ARM_FAULT_TRANSLATION:
		return -ENOENT;
	case GENPT_ARM_FAULT_RESERVED:
	case GENPT_ARM_FAULT_ADDRESS_SIZE:
	case GENPT_ARM_FAULT_ACCESS_FLAG:
	case GENPT_ARM_FAULT_PERMISSION:
		return -EACCES;
	case GENPT_ARM_FAULT_EXTERNAL:
		return -EFAULT;
	case GENPT_ARM_FAULT_INPUT_RANGE:
		return -ERANGE;
	case GENPT_ARM_FAULT_CONFIG:
		return -EINVAL;
	}
	return -EINVAL;
}
