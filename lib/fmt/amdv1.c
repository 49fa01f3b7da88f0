// SPDX-License-Identifier: MIT
/*
 * amdv1.c - AMD IOMMU v1 ("host") page tables.
 *
 * AMD I/O Virtualization Technology (IOMMU) Specification, "I/O Page
 * Tables for Host Translations".  The device table entry's Mode (1..6) is
 * the number of levels; the input address is 21, 30, 39, 48, 57 or 64 bits
 * (12 + 9 * Mode, capped at 64), zero-extended.  The level-6 table decodes
 * bits 63:57 only (128 entries) and holds no pages.  genpt's levels are the
 * specification's minus one: genpt level 0 is the AMD level-1 table.
 *
 *   63   62  61  60  59  58..52  51..12  11..9      8..7  6  5  4..1  0
 *   ign  IW  IR  FC  U   0       addr    NextLevel  ign   D  A  ign   PR
 *
 *   PR=0                     empty
 *   NextLevel 1..6           pointer to a table of that level (genpt always
 *                            points one level down: no skipped levels), IR
 *                            and IW set: hardware ANDs them over the walk,
 *                            so tables allow everything and the leaf decides
 *   NextLevel 0              a page of the level's own size (4K, 2M, 1G,
 *                            256T; never 512G, see below)
 *   NextLevel 7              a page larger than the level's own size and
 *                            smaller than the next level's: its size is
 *                            coded in the address field as a run of ones
 *                            from bit 12 up, ended by a zero at bit s-1 for
 *                            a page of 2^s bytes (8K: bit 12 = 0; 16K: bit
 *                            12 = 1, bit 13 = 0; ...).  The page takes 2^k
 *                            naturally aligned consecutive entries, every
 *                            one written identically: a genpt run.
 *
 * Page sizes: every power of two from 4K to 2^51 except 512G - a 512G page
 * is not used because of a hardware erratum (as Linux does), and 2^52 would
 * need the whole address field.  Level 3 therefore has runs (1T..128T) but
 * no plain leaf.
 *
 * Leaves: PR, IR on GENPT_READ, IW on GENPT_WRITE (write-only is
 * expressible), A preset, D preset only while dirty tracking is off, FC
 * (force coherent) on GENPT_CACHE without GENPT_MMIO.  There is no execute
 * permission: GENPT_NOEXEC has nothing to clear.
 *
 * Dirty state: D (bit 6), set by hardware when the DTE enables host A/D
 * update (HAD).  Hardware marks only the replica it went through, so a run
 * is dirty if any replica is, and cleaning clears D in every replica (the
 * generic harvest treats a run as one leaf).
 */
#include <errno.h>

#include "core/pt_atomic.h"
#include "core/pt_fmt.h"
#include "core/pt_internal.h"

#define AMD_PR (1ull << 0)
#define AMD_A (1ull << 5)
#define AMD_D (1ull << 6)
#define AMD_NL_SHIFT 9
#define AMD_NL(e) ((unsigned int)((e) >> AMD_NL_SHIFT) & 7u)
#define AMD_NL_DEFAULT 0u /* a page of the level's own size */
#define AMD_NL_SIZE 7u    /* a page whose size the address field codes */
#define AMD_ADDR_MASK 0x000ffffffffff000ull /* bits 51:12 */
#define AMD_FC (1ull << 60)
#define AMD_IR (1ull << 61)
#define AMD_IW (1ull << 62)

#define AMD_PA_BITS 52
#define AMD_MAX_MODE 6
#define AMD_NO_PLAIN_LEVEL 3 /* 512G pages are not used */
#define AMD_TOP_LEAF_LEVEL 4 /* the level-6 table (genpt 5) has no pages */
#define AMD_MAX_PAGE_SHIFT 51

/* ---------------------------------------------------------- geometry -- */

/* 512 entries; the level-6 table decodes bits 63:57 only. */
static inline unsigned int fmt_table_bits(const struct genpt *pt, unsigned int lvl)
{
	return lvl == AMD_MAX_MODE - 1 ? 7 : 9;
}

static inline unsigned int fmt_level_shift(const struct genpt *pt, unsigned int lvl)
{
	return 12 + 9 * lvl;
}

static inline bool fmt_can_leaf(const struct genpt *pt, unsigned int lvl)
{
	return lvl <= AMD_TOP_LEAF_LEVEL && lvl != AMD_NO_PLAIN_LEVEL;
}

/* Runs of 2..256 entries (up to the next level's size, exclusive); at
 * level 4 (256T entries) up to 2^51. */
static inline uint32_t fmt_run_mask(const struct genpt *pt, unsigned int lvl)
{
	if (lvl < AMD_TOP_LEAF_LEVEL)
		return 0x1feu;
	if (lvl == AMD_TOP_LEAF_LEVEL)
		return ((1u << (AMD_MAX_PAGE_SHIFT - fmt_level_shift(pt, lvl) + 1)) - 1) & ~1u;
	return 0;
}

/* ------------------------------------------------------------ decode -- */

static inline enum pt_kind fmt_kind(const struct genpt *pt, unsigned int lvl,
				    uint64_t e)
{
	unsigned int nl = AMD_NL(e);

	if (!(e & AMD_PR))
		return PT_EMPTY;
	if (lvl == 0 || nl == AMD_NL_DEFAULT || nl == AMD_NL_SIZE)
		return PT_LEAF;
	return PT_TABLE;
}

static inline uint64_t fmt_table_pa(const struct genpt *pt, unsigned int lvl,
				    uint64_t e)
{
	return e & AMD_ADDR_MASK;
}

/* log2 of the page a NextLevel-7 entry codes: 13 + the ones from bit 12. */
static inline unsigned int amd_coded_shift(uint64_t e)
{
	return 13u + (unsigned int)__builtin_ctzll(~((e & AMD_ADDR_MASK) >> 12));
}

static inline unsigned int fmt_leaf_run(const struct genpt *pt,
					unsigned int lvl, uint64_t e)
{
	if (AMD_NL(e) != AMD_NL_SIZE)
		return 0;
	return amd_coded_shift(e) - fmt_level_shift(pt, lvl);
}

static inline uint64_t fmt_leaf_oa(const struct genpt *pt, unsigned int lvl,
				   uint64_t e)
{
	uint64_t a = e & AMD_ADDR_MASK;

	if (AMD_NL(e) == AMD_NL_SIZE)
		a &= ~((1ull << amd_coded_shift(e)) - 1);
	return a;
}

/* ------------------------------------------------------------ encode -- */

/* NextLevel names the child's AMD level, which is this genpt level. */
static inline uint64_t fmt_make_table(const struct genpt *pt, unsigned int lvl,
				      uint64_t pa)
{
	return pa | ((uint64_t)lvl << AMD_NL_SHIFT) | AMD_IR | AMD_IW | AMD_PR;
}

static inline uint64_t fmt_leaf_attrs(const struct genpt *pt, unsigned int prot,
				      bool tracking)
{
	uint64_t e = AMD_PR | AMD_A;

	if (prot & GENPT_READ)
		e |= AMD_IR;
	if (prot & GENPT_WRITE) {
		e |= AMD_IW;
		if (!tracking)
			e |= AMD_D;
	}
	if ((prot & GENPT_CACHE) && !(prot & GENPT_MMIO))
		e |= AMD_FC;
	return e;
}

/* A run of 2^run_log2 entries is a page of 2^s bytes, s = level shift +
 * run_log2: every replica holds the page's address with bits 12..s-2 set
 * (bit s-1 stays 0) and NextLevel 7. */
static inline uint64_t fmt_make_leaf(const struct genpt *pt, unsigned int lvl,
				     uint64_t run_oa, uint64_t entry_oa,
				     unsigned int run_log2, uint64_t attrs)
{
	unsigned int s = fmt_level_shift(pt, lvl) + run_log2;

	if (!run_log2)
		return entry_oa | ((uint64_t)AMD_NL_DEFAULT << AMD_NL_SHIFT) | attrs;
	return run_oa | ((1ull << (s - 1)) - (1ull << 12)) |
	       ((uint64_t)AMD_NL_SIZE << AMD_NL_SHIFT) | attrs;
}

/* Everything but the address field (which also codes a run's size) and
 * NextLevel: IR/IW/FC, A and D carry over to a page of any size. */
#define FMT_HAS_ATTRS_OF 1
static inline uint64_t fmt_leaf_attrs_of(const struct genpt *pt,
					 unsigned int lvl, uint64_t e)
{
	return e & ~(AMD_ADDR_MASK | (7ull << AMD_NL_SHIFT));
}

/* ------------------------------------------------------------- dirty -- */

static inline bool fmt_has_dirty(const struct genpt *pt)
{
	return true;
}

/* PR, D, and NextLevel 0 or 7 (a page): D is never set in a pointer. */
static inline bool fmt_is_dirty(const struct genpt *pt, uint64_t e)
{
	return (e & (AMD_PR | AMD_D)) == (AMD_PR | AMD_D) && ((AMD_NL(e) + 1) & 7u) <= 1;
}

static inline bool fmt_is_writable(const struct genpt *pt, uint64_t e)
{
	return e & AMD_IW;
}

/* GENPT_READ/WRITE of a leaf (lookup): IR, IW; no execute control. */
static inline unsigned int fmt_leaf_prot(const struct genpt *pt, uint64_t e)
{
	return ((e & AMD_IR) ? GENPT_READ : 0u) | (fmt_is_writable(pt, e) ? GENPT_WRITE : 0u);
}

/* The dirty state as bits (see struct pt_dirty_enc). */
static inline struct pt_dirty_enc fmt_dirty_enc(const struct genpt *pt)
{
	return (struct pt_dirty_enc){
		.dirty_set = AMD_D,            /* write-dirty: D = 1 */
		.accessed = AMD_A,             /* hardware sets A and D only */
		.hint_mask = AMD_PR | AMD_D,   /* every dirty leaf: PR = D = 1 */
		.hint_val = AMD_PR | AMD_D,
	};
}

/* A plain leaf, given PR and D: NextLevel 0 (7 would be a run). */
static inline bool fmt_plain_leaf_pattern(const struct genpt *pt,
					  unsigned int lvl, uint64_t *mask,
					  uint64_t *val)
{
	*mask = 7ull << AMD_NL_SHIFT;
	*val = 0;
	return true;
}

/*
 * Table accessed flags (GENPT_FEAT_TABLE_ACCESSED, core/pt_skip.h): A
 * (bit 5) of a PDE, which hardware with host A/D update (DTE HAD) sets in
 * every PDE it uses; bit 8, ignored in a PDE, marks a subtree the harvest
 * saw clean.
 */
#define FMT_HAS_TABLE_ACCESSED 1
#define AMD_SEEN (1ull << 8)

static inline uint64_t fmt_table_accessed(const struct genpt *pt)
{
	return AMD_A;
}

static inline uint64_t fmt_table_seen(const struct genpt *pt)
{
	return AMD_SEEN;
}

#include "core/pt_generic.h"

/* ------------------------------------------------------------ config -- */

/*
 * va_bits picks the DTE Mode: 21, 30, 39, 48, 57, 64 = Mode 1..6 (the
 * address bits the levels decode); 0 = 64 (Mode 6), the widest.
 */
static int amd_init(struct genpt *pt, const struct genpt_config *cfg)
{
	unsigned int va_bits = cfg->va_bits ? cfg->va_bits : 64;
	unsigned int mode;

	if (cfg->features)
		return -EINVAL;
	if (cfg->granule_bits != 0 && cfg->granule_bits != 12)
		return -EINVAL;
	for (mode = 1; mode <= AMD_MAX_MODE; mode++) {
		unsigned int bits = 12 + 9 * mode;

		if (va_bits == (bits < 64 ? bits : 64))
			break;
	}
	if (mode > AMD_MAX_MODE)
		return -EINVAL;
	if (cfg->oa_bits > AMD_PA_BITS || (cfg->oa_bits && cfg->oa_bits < 12))
		return -EINVAL;

	pt->features = 0;
	pt->levels = mode;
	pt->va_bits = va_bits;
	pt->oa_bits = cfg->oa_bits ? cfg->oa_bits : AMD_PA_BITS;
	pt->granule_bits = 12;
	pt->sign_extend = false;
	pt->root_size = 4096; /* the DTE root pointer is 4 KiB aligned */
	pt->table_pa_bits = AMD_PA_BITS;
	pt->fmt_mode = mode;
	return 0;
}

/* The DTE's Mode and Page Table Root Pointer (root_pa). */
static void amd_hw_info(const struct genpt *pt, struct genpt_hw_info *info)
{
	info->mode = pt->fmt_mode;
}

const struct genpt_fmt_ops genpt_amdv1_ops = {
	.name = "amdv1",
	.init = amd_init,
	.hw_info = amd_hw_info,
	GENPT_GENERIC_OPS,
};
