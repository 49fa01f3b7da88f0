// SPDX-License-Identifier: MIT
/*
 * x86_64.c - x86-64 4-level and 5-level paging, as the IOMMUs walk it for
 * VT-d first-stage translation and AMD v2 (guest) tables.
 *
 * Intel SDM vol. 3, "4-Level Paging and 5-Level Paging"; VT-d "First-Stage
 * Paging Entries"; AMD IOMMU "I/O Page Tables for Guest Translations".
 * Input addresses are 48 / 57 bits, sign-extended from bit 47 / 56.
 *
 * Entry formats (levels count up from the 4 KiB level):
 *
 *   level 4 PML5E, level 3 PML4E   always a table pointer (PS, bit 7, is
 *                                  reserved)
 *   level 2 PDPTE                  PS=1: 1 GiB page, else a table pointer
 *   level 1 PDE                    PS=1: 2 MiB page, else a table pointer
 *   level 0 PTE                    4 KiB page (bit 7 is PAT there)
 *
 *   63  62..52  51..12  11..9  8  7   6  5  4    3    2    1   0
 *   XD  ign     addr    ign    G  PS  D  A  PCD  PWT  U/S  RW  P
 *
 *   P=0                 empty
 *   table pointer       P, RW, U/S: hardware ANDs RW and U/S over every
 *                       level of the walk, so tables allow everything and
 *                       the leaf decides.  A is left to hardware; D is
 *                       ignored there and genpt never sets it.
 *   leaf                P, U/S (device requests are user-mode), A preset,
 *                       RW on GENPT_WRITE with D preset only while dirty
 *                       tracking is off, XD on GENPT_NOEXEC, PCD|PWT (UC
 *                       with the power-on PAT) on GENPT_MMIO, PS above
 *                       level 0.  Reads need only P: GENPT_WRITE alone maps
 *                       read-write.
 *
 * Dirty state: D (bit 6) of a leaf.  No contiguous runs.
 */
#include <errno.h>

#include "core/pt_atomic.h"
#include "core/pt_fmt.h"
#include "core/pt_internal.h"

#define X86_P (1ull << 0)
#define X86_RW (1ull << 1)
#define X86_US (1ull << 2)
#define X86_PWT (1ull << 3)
#define X86_PCD (1ull << 4)
#define X86_A (1ull << 5)
#define X86_D (1ull << 6)
#define X86_PS (1ull << 7)
#define X86_XD (1ull << 63)
#define X86_ADDR_MASK 0x000ffffffffff000ull /* bits 51:12 */

#define X86_PA_BITS 52
#define X86_TOP_LEAF_LEVEL 2 /* 1 GiB pages; PML4E / PML5E have no PS */

/* ---------------------------------------------------------- geometry -- */

static inline unsigned int fmt_table_bits(const struct genpt *pt, unsigned int lvl)
{
	return 9;
}

static inline unsigned int fmt_level_shift(const struct genpt *pt, unsigned int lvl)
{
	return 12 + 9 * lvl;
}

/* 4K, 2M (PDE with PS), 1G (PDPTE with PS). */
static inline bool fmt_can_leaf(const struct genpt *pt, unsigned int lvl)
{
	return lvl <= X86_TOP_LEAF_LEVEL;
}

static inline uint32_t fmt_run_mask(const struct genpt *pt, unsigned int lvl)
{
	return 0;
}

/* ------------------------------------------------------------ decode -- */

static inline enum pt_kind fmt_kind(const struct genpt *pt, unsigned int lvl,
				    uint64_t e)
{
	if (!(e & X86_P))
		return PT_EMPTY;
	if (lvl == 0 || (lvl <= X86_TOP_LEAF_LEVEL && (e & X86_PS)))
		return PT_LEAF;
	return PT_TABLE;
}

static inline uint64_t fmt_table_pa(const struct genpt *pt, unsigned int lvl,
				    uint64_t e)
{
	return e & X86_ADDR_MASK;
}

static inline unsigned int fmt_leaf_run(const struct genpt *pt,
					unsigned int lvl, uint64_t e)
{
	return 0;
}

/* Bit 12 of a large page is PAT, not address: keep only the frame. */
static inline uint64_t fmt_leaf_oa(const struct genpt *pt, unsigned int lvl,
				   uint64_t e)
{
	return e & X86_ADDR_MASK & ~((1ull << fmt_level_shift(pt, lvl)) - 1);
}

/* ------------------------------------------------------------ encode -- */

static inline uint64_t fmt_make_table(const struct genpt *pt, unsigned int lvl,
				      uint64_t pa)
{
	return pa | X86_P | X86_RW | X86_US;
}

static inline uint64_t fmt_leaf_attrs(const struct genpt *pt, unsigned int prot,
				      bool tracking)
{
	uint64_t e = X86_P | X86_US | X86_A;

	if (prot & GENPT_WRITE) {
		e |= X86_RW;
		if (!tracking)
			e |= X86_D;
	}
	if (prot & GENPT_NOEXEC)
		e |= X86_XD;
	if (prot & GENPT_MMIO)
		e |= X86_PCD | X86_PWT;
	return e;
}

static inline uint64_t fmt_make_leaf(const struct genpt *pt, unsigned int lvl,
				     uint64_t run_oa, uint64_t entry_oa,
				     unsigned int run_log2, uint64_t attrs)
{
	return entry_oa | attrs | (lvl ? X86_PS : 0);
}

/* Everything but the address and PS (which the level decides): a leaf's
 * permissions, caching and A/D carry over to a page of any size. */
#define FMT_HAS_ATTRS_OF 1
static inline uint64_t fmt_leaf_attrs_of(const struct genpt *pt,
					 unsigned int lvl, uint64_t e)
{
	return e & ~(X86_ADDR_MASK | X86_PS);
}

/* ------------------------------------------------------------- dirty -- */

static inline bool fmt_has_dirty(const struct genpt *pt)
{
	return true;
}

/* D is ignored in table pointers and genpt never sets it there, so P and D
 * together mean a dirty leaf. */
static inline bool fmt_is_dirty(const struct genpt *pt, uint64_t e)
{
	return (e & (X86_P | X86_D)) == (X86_P | X86_D);
}

static inline bool fmt_is_writable(const struct genpt *pt, uint64_t e)
{
	return e & X86_RW;
}

/* GENPT_READ/WRITE/NOEXEC of a leaf (lookup): present means readable. */
static inline unsigned int fmt_leaf_prot(const struct genpt *pt, uint64_t e)
{
	return GENPT_READ | (fmt_is_writable(pt, e) ? GENPT_WRITE : 0u) |
	       ((e & X86_XD) ? GENPT_NOEXEC : 0u);
}

/* The dirty state as bits (see struct pt_dirty_enc). */
static inline struct pt_dirty_enc fmt_dirty_enc(const struct genpt *pt)
{
	return (struct pt_dirty_enc){
		.dirty_set = X86_D,            /* write-dirty: D = 1 */
		.accessed = X86_A,             /* hardware sets A and D only */
		.hint_mask = X86_P | X86_D,    /* every dirty leaf: P = D = 1 */
		.hint_val = X86_P | X86_D,
	};
}

/* A plain leaf, given P and D: PS above level 0; no pages above 1G. */
static inline bool fmt_plain_leaf_pattern(const struct genpt *pt,
					  unsigned int lvl, uint64_t *mask,
					  uint64_t *val)
{
	*mask = *val = lvl ? X86_PS : 0;
	return lvl <= X86_TOP_LEAF_LEVEL;
}

/*
 * Table accessed flags (GENPT_FEAT_TABLE_ACCESSED, core/pt_skip.h): A in a
 * PML5E/PML4E/PDPTE/PDE that references a table, which hardware sets in
 * every paging-structure entry it uses; bit 10, ignored in those entries,
 * marks a subtree the harvest saw clean.
 */
#define FMT_HAS_TABLE_ACCESSED 1
#define X86_SEEN (1ull << 10)

static inline uint64_t fmt_table_accessed(const struct genpt *pt)
{
	return X86_A;
}

static inline uint64_t fmt_table_seen(const struct genpt *pt)
{
	return X86_SEEN;
}

#include "core/pt_generic.h"

/* ------------------------------------------------------------ config -- */

static int x86_init(struct genpt *pt, const struct genpt_config *cfg)
{
	unsigned int va_bits = cfg->va_bits ? cfg->va_bits : 57;

	if (cfg->features)
		return -EINVAL;
	if (cfg->granule_bits != 0 && cfg->granule_bits != 12)
		return -EINVAL;
	if (va_bits == 48)
		pt->levels = 4;
	else if (va_bits == 57)
		pt->levels = 5;
	else
		return -EINVAL;
	if (cfg->oa_bits > X86_PA_BITS || (cfg->oa_bits && cfg->oa_bits < 12))
		return -EINVAL;

	pt->features = 0;
	pt->va_bits = va_bits;
	pt->oa_bits = cfg->oa_bits ? cfg->oa_bits : X86_PA_BITS;
	pt->granule_bits = 12;
	pt->sign_extend = true;
	pt->root_size = 4096;
	pt->table_pa_bits = X86_PA_BITS; /* table pointers hold address bits 51:12 */
	pt->fmt_mode = pt->levels;
	return 0;
}

/* mode 4 / 5: the paging mode (VT-d PASID-entry FSPM, AMD GCR3 levels). */
static void x86_hw_info(const struct genpt *pt, struct genpt_hw_info *info)
{
	info->mode = pt->fmt_mode;
}

const struct genpt_fmt_ops genpt_x86_64_ops = {
	.name = "x86_64",
	.init = x86_init,
	.hw_info = x86_hw_info,
	GENPT_GENERIC_OPS,
};
