// SPDX-License-Identifier: MIT
/*
 * vtdss.c - Intel VT-d second-stage tables (DMA remapping of guest
 * physical addresses; the legacy-mode second level and the scalable-mode
 * second stage have the same entries).
 *
 * VT-d specification, "Second-Stage Translation" and "Second-Stage Paging
 * Entries".  3, 4 or 5 levels for a 39, 48 or 57-bit adjusted guest address
 * width (AGAW); addresses are zero-extended.  The context / PASID entry
 * names the width with AW 1 / 2 / 3.
 *
 *   level 4 SS-PML5E, level 3 SS-PML4E   always a table pointer (PS reserved)
 *   level 2 SS-PDPTE                     PS=1: 1 GiB page, else a table
 *   level 1 SS-PDE                       PS=1: 2 MiB page, else a table
 *   level 0 SS-PTE                       4 KiB page
 *
 *   63..52  51..12  11   10   9  8  7   6     5..3  2  1  0
 *   ign     addr    SNP  ign  D  A  PS  IPAT  EMT   X  W  R
 *
 *   R=W=0               not present (there is no present bit)
 *   table pointer       R, W: hardware ANDs R and W over every level, so
 *                       tables allow everything and the leaf decides
 *   leaf                R on GENPT_READ, W on GENPT_WRITE (write-only is
 *                       expressible), A preset, D preset only while dirty
 *                       tracking is off, PS above level 0, SNP on
 *                       GENPT_CACHE (without GENPT_MMIO) when the hardware
 *                       has snoop control (GENPT_FEAT_VTDSS_SNP).  X, EMT
 *                       and IPAT stay 0: execute requests are not used and
 *                       GENPT_NOEXEC has nothing to clear.
 *
 * Dirty state: D (bit 9) with A (bit 8), which hardware updates when the
 * PASID entry enables second-stage A/D (SSADE).  No contiguous runs.
 */
#include <errno.h>

#include "core/pt_atomic.h"
#include "core/pt_fmt.h"
#include "core/pt_internal.h"

#define SS_R (1ull << 0)
#define SS_W (1ull << 1)
#define SS_PS (1ull << 7)
#define SS_A (1ull << 8)
#define SS_D (1ull << 9)
#define SS_SNP (1ull << 11)
#define SS_ADDR_MASK 0x000ffffffffff000ull /* bits 51:12 */

#define SS_PA_BITS 52
#define SS_TOP_LEAF_LEVEL 2 /* 1 GiB pages */

#define SS_FEATURES GENPT_FEAT_VTDSS_SNP

/* ---------------------------------------------------------- geometry -- */

static inline unsigned int fmt_table_bits(const struct genpt *pt, unsigned int lvl)
{
	return 9;
}

static inline unsigned int fmt_level_shift(const struct genpt *pt, unsigned int lvl)
{
	return 12 + 9 * lvl;
}

static inline bool fmt_can_leaf(const struct genpt *pt, unsigned int lvl)
{
	return lvl <= SS_TOP_LEAF_LEVEL;
}

static inline uint32_t fmt_run_mask(const struct genpt *pt, unsigned int lvl)
{
	return 0;
}

/* ------------------------------------------------------------ decode -- */

static inline enum pt_kind fmt_kind(const struct genpt *pt, unsigned int lvl,
				    uint64_t e)
{
	if (!(e & (SS_R | SS_W)))
		return PT_EMPTY;
	if (lvl == 0 || (lvl <= SS_TOP_LEAF_LEVEL && (e & SS_PS)))
		return PT_LEAF;
	return PT_TABLE;
}

static inline uint64_t fmt_table_pa(const struct genpt *pt, unsigned int lvl,
				    uint64_t e)
{
	return e & SS_ADDR_MASK;
}

static inline unsigned int fmt_leaf_run(const struct genpt *pt,
					unsigned int lvl, uint64_t e)
{
	return 0;
}

static inline uint64_t fmt_leaf_oa(const struct genpt *pt, unsigned int lvl,
				   uint64_t e)
{
	return e & SS_ADDR_MASK & ~((1ull << fmt_level_shift(pt, lvl)) - 1);
}

/* ------------------------------------------------------------ encode -- */

static inline uint64_t fmt_make_table(const struct genpt *pt, unsigned int lvl,
				      uint64_t pa)
{
	return pa | SS_R | SS_W;
}

static inline uint64_t fmt_leaf_attrs(const struct genpt *pt, unsigned int prot,
				      bool tracking)
{
	uint64_t e = SS_A;

	if (prot & GENPT_READ)
		e |= SS_R;
	if (prot & GENPT_WRITE) {
		e |= SS_W;
		if (!tracking)
			e |= SS_D;
	}
	if ((pt->features & GENPT_FEAT_VTDSS_SNP) && (prot & GENPT_CACHE) &&
	    !(prot & GENPT_MMIO))
		e |= SS_SNP;
	return e;
}

static inline uint64_t fmt_make_leaf(const struct genpt *pt, unsigned int lvl,
				     uint64_t run_oa, uint64_t entry_oa,
				     unsigned int run_log2, uint64_t attrs)
{
	return entry_oa | attrs | (lvl ? SS_PS : 0);
}

/* Everything but the address and PS (which the level decides). */
#define FMT_HAS_ATTRS_OF 1
static inline uint64_t fmt_leaf_attrs_of(const struct genpt *pt,
					 unsigned int lvl, uint64_t e)
{
	return e & ~(SS_ADDR_MASK | SS_PS);
}

/* ------------------------------------------------------------- dirty -- */

static inline bool fmt_has_dirty(const struct genpt *pt)
{
	return true;
}

/* D is ignored in table pointers and genpt never sets it there: present
 * (R or W) and D mean a dirty leaf. */
static inline bool fmt_is_dirty(const struct genpt *pt, uint64_t e)
{
	return (e & SS_D) && (e & (SS_R | SS_W));
}

static inline bool fmt_is_writable(const struct genpt *pt, uint64_t e)
{
	return e & SS_W;
}

/* GENPT_READ/WRITE of a leaf (lookup); the format has no execute control. */
static inline unsigned int fmt_leaf_prot(const struct genpt *pt, uint64_t e)
{
	return ((e & SS_R) ? GENPT_READ : 0u) | (fmt_is_writable(pt, e) ? GENPT_WRITE : 0u);
}

/* The dirty state as bits (see struct pt_dirty_enc). */
static inline struct pt_dirty_enc fmt_dirty_enc(const struct genpt *pt)
{
	return (struct pt_dirty_enc){
		.dirty_set = SS_D,             /* write-dirty: D = 1 */
		.accessed = SS_A,              /* hardware sets A and D only */
		.hint_mask = SS_D,             /* every dirty leaf: D = 1 */
		.hint_val = SS_D,
	};
}

/*
 * A plain leaf, given D: PS above level 0, no pages above 1G; and W, which
 * every dirty leaf has, stands for "R or W" (present).
 */
static inline bool fmt_plain_leaf_pattern(const struct genpt *pt,
					  unsigned int lvl, uint64_t *mask,
					  uint64_t *val)
{
	*mask = *val = SS_W | (lvl ? SS_PS : 0);
	return lvl <= SS_TOP_LEAF_LEVEL;
}

/*
 * Table accessed flags (GENPT_FEAT_TABLE_ACCESSED, core/pt_skip.h): A
 * (bit 8) of an SS-PML5E/PML4E/PDPTE/PDE that references a table, which
 * hardware with SSADE sets in every entry it uses; bit 10, ignored in
 * those entries, marks a subtree the harvest saw clean.
 */
#define FMT_HAS_TABLE_ACCESSED 1
#define SS_SEEN (1ull << 10)

static inline uint64_t fmt_table_accessed(const struct genpt *pt)
{
	return SS_A;
}

static inline uint64_t fmt_table_seen(const struct genpt *pt)
{
	return SS_SEEN;
}

#include "core/pt_generic.h"

/* ------------------------------------------------------------ config -- */

static int ss_init(struct genpt *pt, const struct genpt_config *cfg)
{
	unsigned int va_bits = cfg->va_bits ? cfg->va_bits : 57;

	if (cfg->features & ~SS_FEATURES)
		return -EINVAL;
	if (cfg->granule_bits != 0 && cfg->granule_bits != 12)
		return -EINVAL;
	if (va_bits == 39)
		pt->levels = 3;
	else if (va_bits == 48)
		pt->levels = 4;
	else if (va_bits == 57)
		pt->levels = 5;
	else
		return -EINVAL;
	if (cfg->oa_bits > SS_PA_BITS || (cfg->oa_bits && cfg->oa_bits < 12))
		return -EINVAL;

	pt->features = cfg->features;
	pt->va_bits = va_bits;
	pt->oa_bits = cfg->oa_bits ? cfg->oa_bits : SS_PA_BITS;
	pt->granule_bits = 12;
	pt->sign_extend = false;
	pt->root_size = 4096;
	pt->table_pa_bits = SS_PA_BITS; /* table pointers hold address bits 51:12 */
	pt->fmt_mode = pt->levels - 2; /* AW: 1 = 39-bit, 2 = 48, 3 = 57 */
	return 0;
}

static void ss_hw_info(const struct genpt *pt, struct genpt_hw_info *info)
{
	info->mode = pt->fmt_mode;
}

const struct genpt_fmt_ops genpt_vtdss_ops = {
	.name = "vtdss",
	.init = ss_init,
	.hw_info = ss_hw_info,
	GENPT_GENERIC_OPS,
};
