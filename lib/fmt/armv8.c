// SPDX-License-Identifier: MIT
/*
 * armv8.c - ARM VMSAv8-64 translation tables as the SMMUv3 walks them.
 *
 * Stage 1 (default; the CD's TTB0 with TCR_EL1-style fields) and stage 2
 * (GENPT_FEAT_ARMV8_S2; the STE's S2TTB with VTCR_EL2-style fields), with
 * the 4 KiB, 16 KiB and 64 KiB granules, 25..48-bit inputs (zero-extended:
 * the TTBR0 half only) and 32..48-bit outputs.
 *
 * genpt levels count up from the granule page; the architecture's lookup
 * levels count down from the root:
 *
 *   genpt level       0            1              2            3
 *   ARM lookup level  3            2              1            0
 *   4K  entry maps    4K page      2M block       1G block     512G (table only)
 *   16K entry maps    16K page     32M block      64G (table)  128T (table)
 *   64K entry maps    64K page     512M block     4T (table)   -
 *
 * Each table holds 2^(g-3) entries (512 / 2048 / 8192); the root holds
 * what the input size leaves, and at stage 2 up to 16 tables concatenated
 * (see arm_s2_start_level() for how the start level is chosen).
 *
 * Descriptor (Arm ARM, "VMSAv8-64 translation table format descriptors"):
 *
 *   bits[1:0]  0bx0 invalid; 0b01 block (genpt levels 1-2); 0b11 table
 *              (above level 0) or page (level 0); 0b01 at level 0 is
 *              reserved
 *   [47:g]     next-level table address / output address (blocks: [47:n])
 *
 *   stage 1 leaf                          stage 2 leaf
 *   [4:2]   AttrIndx (MAIR index)         [5:2]  MemAttr
 *   [6]     AP[1]: EL0 access             [6]    S2AP[0]: read
 *   [7]     AP[2]: read-only / nDirty     [7]    S2AP[1]: write / Dirty
 *   [9:8]   SH                            [9:8]  SH
 *   [10]    AF                            [10]   AF
 *   [11]    nG                            [11]   0
 *   [51]    DBM                           [51]   DBM
 *   [52]    Contiguous                    [52]   Contiguous
 *   [53]    PXN                           [54:53] XN[1:0]
 *   [54]    UXN
 *
 * What genpt writes in a leaf (fmt_leaf_attrs): AF, SH = inner shareable,
 * and
 *  - stage 1: nG (translations belong to the CD's ASID), AP[1] = 1 (device
 *    requests are unprivileged unless the SMMU says otherwise), AP[2] = 0
 *    for writable leaves and 1 for read-only ones; AttrIndx from the MAIR
 *    layout Linux's io-pgtable also programs (MAIR bytes 0..2; Linux puts
 *    0xf4 in byte 3, which genpt does not use):
 *      index 0  0x44  Normal, inner/outer non-cacheable   (default)
 *      index 1  0xff  Normal, inner/outer write-back RW-allocate (GENPT_CACHE)
 *      index 2  0x04  Device-nGnRE                        (GENPT_MMIO)
 *    GENPT_NOEXEC sets UXN and PXN.  Stage 1 cannot express write-only:
 *    GENPT_WRITE alone maps read-write.
 *  - stage 2: S2AP[0] for GENPT_READ, S2AP[1] for GENPT_WRITE (write-only is
 *    expressible and kept), MemAttr 0b1111 Normal WB (GENPT_CACHE), 0b0001
 *    Device-nGnRE (GENPT_MMIO), 0b0101 Normal NC (default); GENPT_NOEXEC
 *    sets XN[1:0] = 0b10 (no execution at any level, with or without
 *    FEAT_XNX).
 *  GENPT_MMIO wins over GENPT_CACHE.
 *
 * Dirty state (GENPT_FEAT_ARMV8_DBM, hardware management of dirty state):
 * every writable leaf carries DBM.  Stage 1: writable-clean = AP[2] set,
 * writable-dirty = AP[2] clear; stage 2: clean = S2AP[1] clear, dirty =
 * S2AP[1] set.  Read-only leaves never carry DBM.  New writable leaves
 * start clean only while tracking is on.  Without the feature writable
 * leaves are plain AP[2] = 0 / S2AP[1] = 1 and there is no dirty state.
 * Table descriptors never carry DBM, so they never look dirty.
 *
 * Contiguous hint (GENPT_FEAT_ARMV8_CONTIG): runs of 16 entries at every
 * leaf level (4K granule: 64K, 32M, 16G), 128 pages and 32 blocks (16K:
 * 2M, 1G), 32 pages and 32 blocks (64K: 2M, 16G).  Every member carries
 * its own output address and bit 52.
 *
 * PS (oa_bits) bounds table addresses too, so table pages must lie below
 * 2^oa_bits.  docs/armv8.md has the details and the choices made.
 */
#include <errno.h>

#include "core/pt_atomic.h"
#include "core/pt_fmt.h"
#include "core/pt_internal.h"

#define ARM_VALID (1ull << 0)
#define ARM_TYPE_TABLE (1ull << 1) /* with VALID: table, or page at level 0 */
#define ARM_TYPE_MASK (3ull << 0)
#define ARM_TYPE_BLOCK (1ull << 0)
#define ARM_TYPE_PAGE (3ull << 0)
#define ARM_ATTRINDX_SHIFT 2
#define ARM_MEMATTR_SHIFT 2
#define ARM_AP1 (1ull << 6)   /* stage 1: EL0 access */
#define ARM_AP2 (1ull << 7)   /* stage 1: read-only; nDirty with DBM */
#define ARM_S2AP_R (1ull << 6)
#define ARM_S2AP_W (1ull << 7) /* stage 2: write; Dirty with DBM */
#define ARM_SH_IS (3ull << 8)
#define ARM_AF (1ull << 10)
#define ARM_NG (1ull << 11)
#define ARM_DBM (1ull << 51)
#define ARM_CONT (1ull << 52)
#define ARM_PXN (1ull << 53)
#define ARM_UXN (1ull << 54)
#define ARM_S2_XN_NONE (2ull << 53) /* XN[1:0] = 0b10 */
#define ARM_OA_MASK ((1ull << 48) - 1)

/* MAIR indexes (stage 1) and MemAttr values (stage 2). */
#define ARM_MAIR_IDX_NC 0ull
#define ARM_MAIR_IDX_WB 1ull
#define ARM_MAIR_IDX_DEV 2ull
#define ARM_MEMATTR_WB 0xfull  /* Normal, outer and inner write-back */
#define ARM_MEMATTR_NC 0x5ull  /* Normal, outer and inner non-cacheable */
#define ARM_MEMATTR_DEV 0x1ull /* Device-nGnRE */

/* TCR_EL1 (stage 1, TTBR0 half) and VTCR_EL2 (stage 2) fields. */
#define ARM_TCR_IRGN0_WBWA (1ull << 8)
#define ARM_TCR_ORGN0_WBWA (1ull << 10)
#define ARM_TCR_SH0_IS (3ull << 12)
#define ARM_TCR_TG0_SHIFT 14
#define ARM_TCR_IPS_SHIFT 32
#define ARM_TCR_HA (1ull << 39)
#define ARM_TCR_HD (1ull << 40)
#define ARM_VTCR_SL0_SHIFT 6
#define ARM_VTCR_PS_SHIFT 16
#define ARM_VTCR_HA (1ull << 21)
#define ARM_VTCR_HD (1ull << 22)

#define ARM_VA_MIN 25 /* T0SZ 39 */
#define ARM_VA_MAX 48 /* T0SZ 16 */
#define ARM_OA_MIN 32
#define ARM_OA_MAX 48
#define ARM_MAX_CONCAT_LOG2 4 /* up to 16 concatenated initial tables */

#define ARM_FEATURES (GENPT_FEAT_ARMV8_S2 | GENPT_FEAT_ARMV8_CONTIG | \
		      GENPT_FEAT_ARMV8_DBM)

/* ---------------------------------------------------------- geometry -- */

static inline bool arm_s2(const struct genpt *pt)
{
	return pt->features & GENPT_FEAT_ARMV8_S2;
}

static inline unsigned int arm_stride(const struct genpt *pt)
{
	return pt->granule_bits - 3;
}

static inline unsigned int fmt_level_shift(const struct genpt *pt, unsigned int lvl)
{
	return pt->granule_bits + arm_stride(pt) * lvl;
}

/* A full table everywhere but the root, which resolves what is left of
 * the input address (more than a table's worth when concatenated). */
static inline unsigned int fmt_table_bits(const struct genpt *pt, unsigned int lvl)
{
	if (lvl == pt->levels - 1)
		return pt->va_bits - fmt_level_shift(pt, lvl);
	return arm_stride(pt);
}

/* Pages at level 0, blocks at level 1, and at level 2 with 4K only
 * (1G); the 16K and 64K level-1 ARM blocks need FEAT_LPA/LPA2. */
static inline bool fmt_can_leaf(const struct genpt *pt, unsigned int lvl)
{
	return lvl <= 1 || (lvl == 2 && pt->granule_bits == 12);
}

/* log2 of the entries a contiguous run has at @lvl. */
static inline unsigned int arm_run_log2(const struct genpt *pt, unsigned int lvl)
{
	if (pt->granule_bits == 12)
		return 4;
	if (pt->granule_bits == 14)
		return lvl == 0 ? 7 : 5;
	return 5;
}

static inline uint32_t fmt_run_mask(const struct genpt *pt, unsigned int lvl)
{
	if (!(pt->features & GENPT_FEAT_ARMV8_CONTIG) || !fmt_can_leaf(pt, lvl))
		return 0;
	return 1u << arm_run_log2(pt, lvl);
}

/* ------------------------------------------------------------ decode -- */

/* bits[1:0]: 0bx0 invalid; 0b11 table, or page at level 0; 0b01 block
 * where blocks exist.  The reserved encodings (0b01 at level 0, a block
 * where none may be) are invalid to the hardware, so they are empty here. */
static inline enum pt_kind fmt_kind(const struct genpt *pt, unsigned int lvl,
				    uint64_t e)
{
	if (!(e & ARM_VALID))
		return PT_EMPTY;
	if (e & ARM_TYPE_TABLE)
		return lvl == 0 ? PT_LEAF : PT_TABLE;
	return (lvl != 0 && fmt_can_leaf(pt, lvl)) ? PT_LEAF : PT_EMPTY;
}

static inline uint64_t fmt_table_pa(const struct genpt *pt, unsigned int lvl,
				    uint64_t e)
{
	return e & ARM_OA_MASK & ~((1ull << pt->granule_bits) - 1);
}

static inline unsigned int fmt_leaf_run(const struct genpt *pt,
					unsigned int lvl, uint64_t e)
{
	return (e & ARM_CONT) ? arm_run_log2(pt, lvl) : 0;
}

/* Each member holds its own output address: mask down to the run. */
static inline uint64_t fmt_leaf_oa(const struct genpt *pt, unsigned int lvl,
				   uint64_t e)
{
	unsigned int shift = fmt_level_shift(pt, lvl) + fmt_leaf_run(pt, lvl, e);

	return e & ARM_OA_MASK & ~((1ull << shift) - 1);
}

/* ------------------------------------------------------------ encode -- */

static inline uint64_t fmt_make_table(const struct genpt *pt, unsigned int lvl,
				      uint64_t pa)
{
	return pa | ARM_TYPE_PAGE; /* 0b11: table */
}

static inline uint64_t arm_s1_attrs(unsigned int prot, bool dbm, bool tracking)
{
	uint64_t e = ARM_AF | ARM_SH_IS | ARM_NG | ARM_AP1;

	if (prot & GENPT_MMIO)
		e |= ARM_MAIR_IDX_DEV << ARM_ATTRINDX_SHIFT;
	else if (prot & GENPT_CACHE)
		e |= ARM_MAIR_IDX_WB << ARM_ATTRINDX_SHIFT;
	else
		e |= ARM_MAIR_IDX_NC << ARM_ATTRINDX_SHIFT;
	if (!(prot & GENPT_WRITE))
		e |= ARM_AP2;
	else if (dbm)
		e |= ARM_DBM | (tracking ? ARM_AP2 : 0);
	if (prot & GENPT_NOEXEC)
		e |= ARM_UXN | ARM_PXN;
	return e;
}

static inline uint64_t arm_s2_attrs(unsigned int prot, bool dbm, bool tracking)
{
	uint64_t e = ARM_AF | ARM_SH_IS;

	if (prot & GENPT_MMIO)
		e |= ARM_MEMATTR_DEV << ARM_MEMATTR_SHIFT;
	else if (prot & GENPT_CACHE)
		e |= ARM_MEMATTR_WB << ARM_MEMATTR_SHIFT;
	else
		e |= ARM_MEMATTR_NC << ARM_MEMATTR_SHIFT;
	if (prot & GENPT_READ)
		e |= ARM_S2AP_R;
	if (prot & GENPT_WRITE) {
		if (dbm)
			e |= ARM_DBM | (tracking ? 0 : ARM_S2AP_W);
		else
			e |= ARM_S2AP_W;
	}
	if (prot & GENPT_NOEXEC)
		e |= ARM_S2_XN_NONE;
	return e;
}

static inline uint64_t fmt_leaf_attrs(const struct genpt *pt, unsigned int prot,
				      bool tracking)
{
	bool dbm = pt->features & GENPT_FEAT_ARMV8_DBM;

	return arm_s2(pt) ? arm_s2_attrs(prot, dbm, tracking)
			  : arm_s1_attrs(prot, dbm, tracking);
}

static inline uint64_t fmt_make_leaf(const struct genpt *pt, unsigned int lvl,
				     uint64_t run_oa, uint64_t entry_oa,
				     unsigned int run_log2, uint64_t attrs)
{
	return entry_oa | attrs | (lvl == 0 ? ARM_TYPE_PAGE : ARM_TYPE_BLOCK) |
	       (run_log2 ? ARM_CONT : 0);
}

/* Everything but the output address, the descriptor type and the
 * Contiguous bit: permissions, memory type, AF and the dirty state carry
 * over to a leaf of any level or run size (split and merge). */
#define FMT_HAS_ATTRS_OF 1
static inline uint64_t fmt_leaf_attrs_of(const struct genpt *pt,
					 unsigned int lvl, uint64_t e)
{
	return e & ~((ARM_OA_MASK & ~0xfffull) | ARM_TYPE_MASK | ARM_CONT);
}

/* ------------------------------------------------------------- dirty -- */

static inline bool fmt_has_dirty(const struct genpt *pt)
{
	return pt->features & GENPT_FEAT_ARMV8_DBM;
}

/* Only writable leaves carry DBM (table descriptors never do), so a valid
 * entry with DBM is a writable leaf; dirty is AP[2] clear / S2AP[1] set. */
static inline bool fmt_is_dirty(const struct genpt *pt, uint64_t e)
{
	if (arm_s2(pt))
		return (e & (ARM_VALID | ARM_DBM | ARM_S2AP_W)) ==
		       (ARM_VALID | ARM_DBM | ARM_S2AP_W);
	return (e & (ARM_VALID | ARM_DBM | ARM_AP2)) == (ARM_VALID | ARM_DBM);
}

static inline bool fmt_is_writable(const struct genpt *pt, uint64_t e)
{
	if (e & ARM_DBM)
		return true;
	return arm_s2(pt) ? (e & ARM_S2AP_W) != 0 : !(e & ARM_AP2);
}

/* GENPT_READ/WRITE/NOEXEC of a leaf (lookup): stage 1 is always readable
 * (AP[2] or DBM decide writes, UXN/PXN execution); stage 2 has S2AP and
 * XN[1:0] (Arm ARM, stage 2 descriptors: 0b00 executable at EL1 and EL0,
 * 0b01 not at EL1, 0b10 at neither, 0b11 not at EL0; without FEAT_XNX
 * XN[1] alone is XN).  Anything but 0b00 denies some fetches: NOEXEC, as
 * UXN or PXN does at stage 1. */
static inline unsigned int fmt_leaf_prot(const struct genpt *pt, uint64_t e)
{
	unsigned int p = fmt_is_writable(pt, e) ? GENPT_WRITE : 0u;

	if (arm_s2(pt))
		return p | ((e & ARM_S2AP_R) ? GENPT_READ : 0u) |
		       ((e & (3ull << 53)) ? GENPT_NOEXEC : 0u);
	return p | GENPT_READ | ((e & (ARM_UXN | ARM_PXN)) ? GENPT_NOEXEC : 0u);
}

/*
 * The dirty state as bits (see struct pt_dirty_enc): write-dirty is
 * AP[2] = 0 at stage 1 and S2AP[1] = 1 at stage 2; HTTU updates AF and that
 * bit only (genpt presets AF).
 */
static inline struct pt_dirty_enc fmt_dirty_enc(const struct genpt *pt)
{
	bool s2 = arm_s2(pt);

	return (struct pt_dirty_enc){
		.dirty_set = s2 ? ARM_S2AP_W : 0,
		.dirty_clear = s2 ? 0 : ARM_AP2,
		.accessed = ARM_AF,
		.hint_mask = ARM_VALID | ARM_DBM | (s2 ? ARM_S2AP_W : ARM_AP2),
		.hint_val = ARM_VALID | ARM_DBM | (s2 ? ARM_S2AP_W : 0),
	};
}

/*
 * A plain leaf, given VALID: a page descriptor at level 0, a block above
 * (where the granule has blocks), without the contiguous bit.
 */
static inline bool fmt_plain_leaf_pattern(const struct genpt *pt,
					  unsigned int lvl, uint64_t *mask,
					  uint64_t *val)
{
	*mask = ARM_TYPE_MASK | ARM_CONT;
	*val = lvl ? ARM_TYPE_BLOCK : ARM_TYPE_PAGE;
	return !lvl || fmt_can_leaf(pt, lvl);
}

#include "core/pt_generic.h"

/* ------------------------------------------------------------ config -- */

/*
 * Stage 2 start level (ARM numbering): the one with the fewest lookups
 * that VTCR_EL2 permits for this IPA size, as KVM chooses (its
 * stage2_pgtable_levels(ipa) = levels for ipa - 4 bits): the initial
 * level may resolve from 1 bit up to a full table plus 4 bits (16
 * concatenated tables; Arm ARM AArch64.S2InconsistentSL).  Levels that
 * need features outside this format are skipped: start level 3 with the 4K
 * granule (FEAT_TTST) and level 0 with the 16K granule (FEAT_LPA2).  The
 * SMMU's PAMax is taken as 48 bits, so 4K level 0 and 16K/64K level 1 are
 * allowed (AArch64.S2InvalidSL).  The 16K granule with a 48-bit IPA is
 * the case where the architecture leaves no choice but concatenation (two
 * level-1 tables).  -1 when no level fits (cannot happen for 25..48).
 */
static int arm_s2_start_level(unsigned int gran, unsigned int ia)
{
	unsigned int stride = gran - 3;

	for (int start = 3; start >= 0; start--) {
		unsigned int below = (unsigned int)(3 - start);
		unsigned int min_ia = below * stride + gran + 1;
		unsigned int max_ia = min_ia + stride - 1 + ARM_MAX_CONCAT_LOG2;

		if (gran == 12 && start == 3)
			continue;
		if ((gran == 14 || gran == 16) && start == 0)
			continue;
		if (ia >= min_ia && ia <= max_ia)
			return start;
	}
	return -1;
}

static int arm_init(struct genpt *pt, const struct genpt_config *cfg)
{
	unsigned int gran = cfg->granule_bits ? cfg->granule_bits : 12;
	unsigned int va = cfg->va_bits ? cfg->va_bits : ARM_VA_MAX;
	unsigned int oa = cfg->oa_bits ? cfg->oa_bits : ARM_OA_MAX;
	unsigned int stride, root_bits;
	int start;

	if (cfg->features & ~ARM_FEATURES)
		return -EINVAL;
	if (gran != 12 && gran != 14 && gran != 16)
		return -EINVAL;
	if (va < ARM_VA_MIN || va > ARM_VA_MAX || oa < ARM_OA_MIN || oa > ARM_OA_MAX)
		return -EINVAL;
	stride = gran - 3;
	if (cfg->features & GENPT_FEAT_ARMV8_S2)
		start = arm_s2_start_level(gran, va);
	else /* the Arm ARM's AArch64.S1StartLevel */
		start = 3 - (int)((va - 1 - gran) / stride);
	if (start < 0)
		return -EINVAL;

	pt->features = cfg->features;
	pt->va_bits = va;
	pt->oa_bits = oa;
	pt->granule_bits = gran;
	pt->levels = (unsigned int)(4 - start);
	pt->sign_extend = false;
	pt->fmt_mode = (unsigned int)start;
	/* PS bounds table addresses as well as output addresses (a walk
	 * through a table above it takes an Address size fault), so table
	 * pages must lie below 2^oa_bits too. */
	pt->table_pa_bits = oa;
	root_bits = fmt_table_bits(pt, pt->levels - 1);
	/* The provider hands out whole 4 KiB pages at least; a smaller root
	 * sits at the start of one (aligned to its size all the same). */
	pt->root_size = 8ull << root_bits;
	if (pt->root_size < 4096)
		pt->root_size = 4096;
	return 0;
}

/* TCR / VTCR PS encoding: the smallest size that holds oa_bits. */
static uint64_t arm_ps_field(unsigned int oa_bits)
{
	static const unsigned int sizes[] = { 32, 36, 40, 42, 44, 48 };
	uint64_t i = 0;

	while (sizes[i] < oa_bits)
		i++;
	return i;
}

static uint64_t arm_tg0_field(unsigned int gran)
{
	return gran == 12 ? 0 : gran == 16 ? 1 : 2;
}

/*
 * The translation control value the hardware is programmed with, in the
 * architectural register layout: TCR_EL1's TTBR0 fields at stage 1,
 * VTCR_EL2 at stage 2.  T0SZ, TG0, walk attributes (inner/outer
 * write-back write-allocate, inner shareable), IPS / PS, SL0 (stage 2),
 * and HA / HD while dirty tracking is on.
 */
static uint64_t arm_tcr(const struct genpt *pt, bool tracking)
{
	uint64_t t = (64 - pt->va_bits) | ARM_TCR_IRGN0_WBWA | ARM_TCR_ORGN0_WBWA |
		     ARM_TCR_SH0_IS | (arm_tg0_field(pt->granule_bits) << ARM_TCR_TG0_SHIFT);
	uint64_t sl0;

	if (!arm_s2(pt)) {
		t |= arm_ps_field(pt->oa_bits) << ARM_TCR_IPS_SHIFT;
		if (tracking)
			t |= ARM_TCR_HA | ARM_TCR_HD;
		return t;
	}
	/* SL0: 4K 0b00/01/10 = level 2/1/0; 16K and 64K 0b00/01/10 = 3/2/1 */
	if (pt->granule_bits == 12)
		sl0 = 2 - pt->fmt_mode;
	else
		sl0 = 3 - pt->fmt_mode;
	t |= sl0 << ARM_VTCR_SL0_SHIFT;
	t |= arm_ps_field(pt->oa_bits) << ARM_VTCR_PS_SHIFT;
	if (tracking)
		t |= ARM_VTCR_HA | ARM_VTCR_HD;
	return t;
}

static void arm_hw_info(const struct genpt *pt, struct genpt_hw_info *info)
{
	unsigned int root_bits = fmt_table_bits(pt, pt->levels - 1);

	info->mode = pt->fmt_mode;
	info->start_level = pt->fmt_mode;
	info->tcr = arm_tcr(pt, pt_tracking(pt));
	info->concat = root_bits > arm_stride(pt) ? 1u << (root_bits - arm_stride(pt)) : 1;
}

const struct genpt_fmt_ops genpt_armv8_ops = {
	.name = "armv8",
	.init = arm_init,
	.hw_info = arm_hw_info,
	GENPT_GENERIC_OPS,
};
