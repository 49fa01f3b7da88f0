// SPDX-License-Identifier: MIT
/*
 * riscv.c - RISC-V page tables as the RISC-V IOMMU walks them.
 *
 * First stage (iosatp): Sv39 / Sv48 / Sv57, input addresses sign-extended
 * from bit 38 / 47 / 56.  Second stage (iohgatp, GENPT_FEAT_RISCV_GSTAGE):
 * Sv39x4 / Sv48x4 / Sv57x4, guest physical addresses of 41 / 50 / 59 bits,
 * zero-extended, and a root of 2048 entries (16 KiB, 16 KiB aligned).
 *
 * Page-table entry (privileged spec, "Sv39 page table entry"):
 *
 *   63  62..61  60..54  53..10  9..8  7  6  5  4  3  2  1  0
 *   N   PBMT    0       PPN     RSW   D  A  G  U  X  W  R  V
 *
 *   V=0                 empty
 *   V=1, R=W=X=0        pointer to the next table (A, D, U must be 0)
 *   V=1, R|W|X          leaf at any level; W without R is reserved
 *   N=1 (Svnapot)       level-0 leaf of a 64 KiB run: PPN[3:0] = 0b1000 in
 *                       all 16 entries
 *   PBMT (Svpbmt)       0 PMA, 1 NC (non-cacheable), 2 IO
 *
 * Dirty state: D.  New writable leaves carry A always and D only while
 * dirty tracking is off, so hardware with A/D update (DC.tc.GADE/SADE) sets
 * D on the first write while tracking is on, and hardware without it never
 * needs to write the entry while tracking is off.
 */
#include <errno.h>

#include "core/pt_atomic.h"
#include "core/pt_fmt.h"
#include "core/pt_internal.h"

#define RV_V (1ull << 0)
#define RV_R (1ull << 1)
#define RV_W (1ull << 2)
#define RV_X (1ull << 3)
#define RV_U (1ull << 4)
#define RV_A (1ull << 6)
#define RV_D (1ull << 7)
#define RV_PPN_SHIFT 10
#define RV_PPN_MASK (((1ull << 44) - 1) << RV_PPN_SHIFT)
#define RV_PBMT_SHIFT 61
#define RV_PBMT_NC (1ull << RV_PBMT_SHIFT)
#define RV_PBMT_IO (2ull << RV_PBMT_SHIFT)
#define RV_N (1ull << 63)

#define RV_NAPOT_LOG2 4            /* 16 x 4 KiB = 64 KiB */
#define RV_NAPOT_PPN_BITS 0x8ull   /* PPN[3:0] of a 64 KiB NAPOT leaf */

#define RV_MODE_SV39 8             /* iosatp / iohgatp MODE values */
#define RV_PA_BITS 56

#define RV_FEATURES (GENPT_FEAT_RISCV_GSTAGE | GENPT_FEAT_RISCV_SVNAPOT | \
		     GENPT_FEAT_RISCV_SVPBMT)

/* ---------------------------------------------------------- geometry -- */

static inline bool rv_gstage(const struct genpt *pt)
{
	return pt->features & GENPT_FEAT_RISCV_GSTAGE;
}

/* 512 entries per table; a G-stage root has 4x as many (2048). */
static inline unsigned int fmt_table_bits(const struct genpt *pt, unsigned int lvl)
{
	return (rv_gstage(pt) && lvl == pt->levels - 1) ? 11 : 9;
}

static inline unsigned int fmt_level_shift(const struct genpt *pt, unsigned int lvl)
{
	return 12 + 9 * lvl;
}

/* Superpages at every level: 4K, 2M, 1G, 512G, 256T. */
static inline bool fmt_can_leaf(const struct genpt *pt, unsigned int lvl)
{
	return true;
}

static inline uint32_t fmt_run_mask(const struct genpt *pt, unsigned int lvl)
{
	if (lvl == 0 && (pt->features & GENPT_FEAT_RISCV_SVNAPOT))
		return 1u << RV_NAPOT_LOG2;
	return 0;
}

/* ------------------------------------------------------------ decode -- */

static inline enum pt_kind fmt_kind(const struct genpt *pt, unsigned int lvl,
				    uint64_t e)
{
	if (!(e & RV_V))
		return PT_EMPTY;
	return (e & (RV_R | RV_W | RV_X)) ? PT_LEAF : PT_TABLE;
}

static inline uint64_t rv_pa(uint64_t e)
{
	return ((e & RV_PPN_MASK) >> RV_PPN_SHIFT) << 12;
}

static inline uint64_t fmt_table_pa(const struct genpt *pt, unsigned int lvl,
				    uint64_t e)
{
	return rv_pa(e);
}

static inline unsigned int fmt_leaf_run(const struct genpt *pt,
					unsigned int lvl, uint64_t e)
{
	return (e & RV_N) ? RV_NAPOT_LOG2 : 0;
}

/* A NAPOT leaf's PPN[3:0] encodes the size, not address bits. */
static inline uint64_t fmt_leaf_oa(const struct genpt *pt, unsigned int lvl,
				   uint64_t e)
{
	uint64_t pa = rv_pa(e);

	return (e & RV_N) ? pa & ~((1ull << (12 + RV_NAPOT_LOG2)) - 1) : pa;
}

/* ------------------------------------------------------------ encode -- */

static inline uint64_t rv_ppn_field(uint64_t pa)
{
	return (pa >> 12) << RV_PPN_SHIFT;
}

static inline uint64_t fmt_make_table(const struct genpt *pt, unsigned int lvl,
				      uint64_t pa)
{
	return rv_ppn_field(pa) | RV_V;
}

/*
 * R always (W without R is reserved, so write-only is mapped read-write),
 * W on GENPT_WRITE, X unless GENPT_NOEXEC, U because IOMMU requests are
 * user-mode unless privileged (and G-stage leaves require it), A preset.
 */
static inline uint64_t fmt_leaf_attrs(const struct genpt *pt, unsigned int prot,
				      bool tracking)
{
	uint64_t e = RV_V | RV_R | RV_U | RV_A;

	if (prot & GENPT_WRITE) {
		e |= RV_W;
		if (!tracking)
			e |= RV_D;
	}
	if (!(prot & GENPT_NOEXEC))
		e |= RV_X;
	if (pt->features & GENPT_FEAT_RISCV_SVPBMT) {
		if (prot & GENPT_MMIO)
			e |= RV_PBMT_IO;
		else if (!(prot & GENPT_CACHE))
			e |= RV_PBMT_NC;
	}
	return e;
}

static inline uint64_t fmt_make_leaf(const struct genpt *pt, unsigned int lvl,
				     uint64_t run_oa, uint64_t entry_oa,
				     unsigned int run_log2, uint64_t attrs)
{
	if (run_log2)
		return rv_ppn_field(run_oa) | (RV_NAPOT_PPN_BITS << RV_PPN_SHIFT) |
		       RV_N | attrs;
	return rv_ppn_field(entry_oa) | attrs;
}

/* Everything but the address and the NAPOT encoding: the leaf's R/W/X,
 * U, A, D and PBMT carry over to a leaf of any size. */
#define FMT_HAS_ATTRS_OF 1
static inline uint64_t fmt_leaf_attrs_of(const struct genpt *pt,
					 unsigned int lvl, uint64_t e)
{
	return e & ~(RV_PPN_MASK | RV_N);
}

/* ------------------------------------------------------------- dirty -- */

static inline bool fmt_has_dirty(const struct genpt *pt)
{
	return true;
}

/* Non-leaf entries never carry D (it is reserved there), so V and D
 * together mean a dirty leaf. */
static inline bool fmt_is_dirty(const struct genpt *pt, uint64_t e)
{
	return (e & (RV_V | RV_D)) == (RV_V | RV_D);
}

static inline bool fmt_is_writable(const struct genpt *pt, uint64_t e)
{
	return e & RV_W;
}

/* GENPT_READ/WRITE/NOEXEC of a leaf (lookup): R, W, no X. */
static inline unsigned int fmt_leaf_prot(const struct genpt *pt, uint64_t e)
{
	return ((e & RV_R) ? GENPT_READ : 0u) | ((e & RV_W) ? GENPT_WRITE : 0u) |
	       ((e & RV_X) ? 0u : GENPT_NOEXEC);
}

/* The dirty state as bits (see struct pt_dirty_enc). */
static inline struct pt_dirty_enc fmt_dirty_enc(const struct genpt *pt)
{
	return (struct pt_dirty_enc){
		.dirty_set = RV_D,             /* write-dirty: D = 1 */
		.accessed = RV_A,              /* hardware sets A and D only */
		.hint_mask = RV_V | RV_D,      /* every dirty leaf: V = D = 1 */
		.hint_val = RV_V | RV_D,
	};
}

/* A plain leaf, given V and D: no NAPOT bit (D is set in leaves only). */
static inline bool fmt_plain_leaf_pattern(const struct genpt *pt,
					  unsigned int lvl, uint64_t *mask,
					  uint64_t *val)
{
	*mask = RV_N;
	*val = 0;
	return true;
}

#include "core/pt_generic.h"

/* ------------------------------------------------------------ config -- */

static int rv_init(struct genpt *pt, const struct genpt_config *cfg)
{
	bool gstage = cfg->features & GENPT_FEAT_RISCV_GSTAGE;
	/* GPAs are 2 bits wider than the matching first-stage VAs. */
	unsigned int extra = gstage ? 2 : 0;
	unsigned int va_bits = cfg->va_bits ? cfg->va_bits : 57 + extra;

	if (cfg->features & ~RV_FEATURES)
		return -EINVAL;
	if (cfg->granule_bits != 0 && cfg->granule_bits != 12)
		return -EINVAL;
	if (va_bits == 39 + extra)
		pt->levels = 3;
	else if (va_bits == 48 + extra)
		pt->levels = 4;
	else if (va_bits == 57 + extra)
		pt->levels = 5;
	else
		return -EINVAL;
	if (cfg->oa_bits > RV_PA_BITS || (cfg->oa_bits && cfg->oa_bits < 12))
		return -EINVAL;

	pt->features = cfg->features;
	pt->va_bits = va_bits;
	pt->oa_bits = cfg->oa_bits ? cfg->oa_bits : RV_PA_BITS;
	pt->granule_bits = 12;
	pt->sign_extend = !gstage;
	pt->root_size = gstage ? 16384 : 4096;
	pt->table_pa_bits = RV_PA_BITS; /* PPN is 44 bits */
	pt->fmt_mode = RV_MODE_SV39 + (pt->levels - 3);
	return 0;
}

/* iosatp / iohgatp: MODE in 63:60, PPN in 43:0 (GSCID / PSCID are the
 * driver's to fill). */
static void rv_hw_info(const struct genpt *pt, struct genpt_hw_info *info)
{
	info->mode = pt->fmt_mode;
	info->atp = ((uint64_t)pt->fmt_mode << 60) | (pt->root_pa >> 12);
}

const struct genpt_fmt_ops genpt_riscv_ops = {
	.name = "riscv",
	.init = rv_init,
	.hw_info = rv_hw_info,
	GENPT_GENERIC_OPS,
};
