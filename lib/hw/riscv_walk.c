/* SPDX-License-Identifier: MIT */
/*
 * hw/riscv_walk.c - reference RISC-V hardware page-table walk.
 *
 * Follows the privileged specification's "Virtual Address Translation
 * Process" step by step (step numbers below are the spec's), with the
 * additions of the hypervisor extension (G-stage SvNNx4), Svnapot, Svpbmt
 * and hardware A/D update.  Every constant here is taken from the
 * specification, not from lib/fmt: this file exists to check lib/fmt.
 */
#include "hw/riscv_walk.h"

#include <errno.h>
#include <stddef.h>

#include "genpt/table.h"

/*
 * PTE layout (Sv39/Sv48/Sv57, and the same for SvNNx4):
 *   63 N | 62:61 PBMT | 60:54 reserved | 53:10 PPN | 9:8 RSW |
 *   7 D | 6 A | 5 G | 4 U | 3 X | 2 W | 1 R | 0 V
 */
#define RV_PTE_V (1ull << 0)
#define RV_PTE_R (1ull << 1)
#define RV_PTE_W (1ull << 2)
#define RV_PTE_X (1ull << 3)
#define RV_PTE_U (1ull << 4)
#define RV_PTE_G (1ull << 5) /* no effect on a single walk; G-stage ignores it */
#define RV_PTE_A (1ull << 6)
#define RV_PTE_D (1ull << 7)
#define RV_PTE_PPN_SHIFT 10
#define RV_PTE_PPN_BITS 44
#define RV_PTE_RSVD_MASK (0x7full << 54) /* bits 60:54 */
#define RV_PTE_PBMT_SHIFT 61
#define RV_PTE_PBMT_MASK (3ull << RV_PTE_PBMT_SHIFT)
#define RV_PTE_N (1ull << 63)

/* Svpbmt's PBMT values (3 is reserved). */
#define RV_PBMT_PMA 0u
#define RV_PBMT_NC 1u
#define RV_PBMT_IO 2u
#define RV_PBMT_RSVD 3u

/* Geometry shared by every mode. */
#define RV_PAGE_SHIFT 12   /* PAGESIZE = 4 KiB */
#define RV_PTE_SIZE 8      /* PTESIZE */
#define RV_VPN_BITS 9      /* bits of VPN[i] */
#define RV_GSTAGE_EXTRA 2  /* SvNNx4: the top VPN field is 2 bits wider */
#define RV_PA_BITS 56      /* physical addresses are 56 bits */
#define RV_NAPOT_SHIFT 16  /* Svnapot: the only defined size, 64 KiB */
#define RV_NAPOT_PPN_BITS 4   /* ... so PPN[0][3:0] encodes it */
#define RV_NAPOT_PPN_64K 0x8u /* ... as 0b1000 */

/*
 * The spec's "Encoding of PTE R/W/X fields" table, indexed by X:W:R
 * (PTE bits 3:1).  A pointer continues the walk; W without R is reserved
 * for future use and faults.
 */
enum rv_xwr_kind { RV_XWR_POINTER, RV_XWR_LEAF, RV_XWR_RESERVED };

static const enum rv_xwr_kind rv_xwr_table[8] = {
	[0] = RV_XWR_POINTER,  /* X=0 W=0 R=0: pointer to next level */
	[1] = RV_XWR_LEAF,     /* X=0 W=0 R=1: read-only page */
	[2] = RV_XWR_RESERVED, /* X=0 W=1 R=0: reserved */
	[3] = RV_XWR_LEAF,     /* X=0 W=1 R=1: read-write page */
	[4] = RV_XWR_LEAF,     /* X=1 W=0 R=0: execute-only page */
	[5] = RV_XWR_LEAF,     /* X=1 W=0 R=1: read-execute page */
	[6] = RV_XWR_RESERVED, /* X=1 W=1 R=0: reserved */
	[7] = RV_XWR_LEAF,     /* X=1 W=1 R=1: read-write-execute page */
};

/* rv_level_shift() - log2 of the bytes one PTE at @level maps. */
static unsigned int rv_level_shift(unsigned int level)
{
	return RV_PAGE_SHIFT + RV_VPN_BITS * level;
}

/*
 * rv_va_bits() - input address width: 39/48/57, two more for the G-stage
 * (whose root is four times as large).
 */
static unsigned int rv_va_bits(const struct genpt_rv_walk *w)
{
	return rv_level_shift(w->levels) + (w->gstage ? RV_GSTAGE_EXTRA : 0);
}

/* rv_root_bytes() - size (and required alignment) of the root table. */
static uint64_t rv_root_bytes(const struct genpt_rv_walk *w)
{
	return 1ull << (RV_PAGE_SHIFT + (w->gstage ? RV_GSTAGE_EXTRA : 0));
}

/*
 * rv_config_ok() - is the request one a real root pointer register could
 * hold?  Checked before anything is read so a bad request never walks.
 */
static bool rv_config_ok(const struct genpt_rv_walk *w)
{
	if (!w->mem || !w->mem->phys_to_virt)
		return false;
	if (w->levels < 3 || w->levels > 5)
		return false;
	if (w->access != GENPT_ACCESS_READ && w->access != GENPT_ACCESS_WRITE &&
	    w->access != GENPT_ACCESS_EXEC)
		return false;
	if (w->root_pa & (rv_root_bytes(w) - 1))
		return false;
	return (w->root_pa >> RV_PA_BITS) == 0;
}

/*
 * rv_va_ok() - the address check before step 1.
 *
 * First stage: bits 63:VABITS must all equal bit VABITS-1 (sign extension),
 * else page fault.  G-stage: "bits 63:41 (50, 59) must all be zeros, or
 * else a guest-page-fault exception occurs" - a GPA is never sign-extended.
 */
static bool rv_va_ok(const struct genpt_rv_walk *w)
{
	unsigned int bits = rv_va_bits(w);
	uint64_t top;

	if (w->gstage)
		return (w->va >> bits) == 0;
	top = w->va >> (bits - 1);
	return top == 0 || top == (UINT64_MAX >> (bits - 1));
}

/*
 * rv_vpn() - VPN[level] of the address: 9 bits, except the G-stage root
 * index which is 11 bits wide.
 */
static uint64_t rv_vpn(const struct genpt_rv_walk *w, unsigned int level)
{
	unsigned int bits = RV_VPN_BITS;

	if (w->gstage && level == w->levels - 1)
		bits += RV_GSTAGE_EXTRA;
	return (w->va >> rv_level_shift(level)) & ((1ull << bits) - 1);
}

/* rv_pte_ppn() - the PPN field (bits 53:10). */
static uint64_t rv_pte_ppn(uint64_t pte)
{
	return (pte >> RV_PTE_PPN_SHIFT) & ((1ull << RV_PTE_PPN_BITS) - 1);
}

/* rv_pte_pbmt() - the PBMT field (bits 62:61). */
static unsigned int rv_pte_pbmt(uint64_t pte)
{
	return (unsigned int)((pte & RV_PTE_PBMT_MASK) >> RV_PTE_PBMT_SHIFT);
}

/* rv_pte_xwr() - the R/W/X table's verdict for this PTE. */
static enum rv_xwr_kind rv_pte_xwr(uint64_t pte)
{
	return rv_xwr_table[(pte >> 1) & 7];
}

/*
 * rv_load_pte() - step 2: read the PTE at @pte_pa.
 *
 * An address the provider does not back is an access fault (the spec's
 * "accessing pte violates a PMA or PMP check").  A misaligned host pointer
 * is treated the same: an atomic load through it would be undefined.
 * Acquire ordering: a table pointer that software published with a release
 * store must show the initialised table behind it.
 */
static enum genpt_rv_fault rv_load_pte(const struct genpt_rv_walk *w,
				       uint64_t pte_pa, uint64_t **slot,
				       uint64_t *pte)
{
	void *p = w->mem->phys_to_virt(w->mem_ctx, pte_pa);

	if (!p || ((uintptr_t)p & (RV_PTE_SIZE - 1)))
		return GENPT_RV_FAULT_ACCESS;
	*slot = p;
	*pte = __atomic_load_n(*slot, __ATOMIC_ACQUIRE);
	return GENPT_RV_OK;
}

/*
 * rv_check_reserved() - step 3's "any bits or encodings that are reserved
 * for future standard use are set", for every valid PTE, leaf or not.
 *
 * Bits 60:54 are always reserved.  Bit 63 (N) is reserved without Svnapot,
 * and with it N is only defined for level-0 leaves.  Bits 62:61 (PBMT) are
 * reserved without Svpbmt, and PBMT=3 is reserved with it.
 */
static bool rv_check_reserved(const struct genpt_rv_walk *w, uint64_t pte,
			      unsigned int level)
{
	if (pte & RV_PTE_RSVD_MASK)
		return false;
	if (rv_pte_xwr(pte) == RV_XWR_RESERVED)
		return false;
	if ((pte & RV_PTE_N) && (!w->svnapot || level != 0))
		return false;
	if (rv_pte_pbmt(pte) != RV_PBMT_PMA &&
	    (!w->svpbmt || rv_pte_pbmt(pte) == RV_PBMT_RSVD))
		return false;
	return true;
}

/*
 * rv_check_pointer() - step 4 for a non-leaf PTE: there must be a next
 * level, and the bits a pointer does not define (D, A, U; PBMT; N) must be
 * clear, or the PTE is a reserved encoding.
 */
static bool rv_check_pointer(uint64_t pte, unsigned int level)
{
	if (level == 0)
		return false;
	if (pte & (RV_PTE_D | RV_PTE_A | RV_PTE_U))
		return false;
	return (pte & (RV_PTE_PBMT_MASK | RV_PTE_N)) == 0;
}

/*
 * rv_check_permission() - step 5: may this access use this leaf?
 *
 * Read needs R (MXR not modelled), write needs W, execute needs X.  The
 * G-stage treats every access as a U-mode access, so its leaves need U=1.
 * First stage: U-mode needs U=1, S-mode needs U=0 (SUM not modelled; S-mode
 * never executes from user pages anyway).
 */
static bool rv_check_permission(const struct genpt_rv_walk *w, uint64_t pte)
{
	bool user_page = (pte & RV_PTE_U) != 0;
	uint64_t need;

	if (w->access == GENPT_ACCESS_WRITE)
		need = RV_PTE_W;
	else if (w->access == GENPT_ACCESS_EXEC)
		need = RV_PTE_X;
	else
		need = RV_PTE_R;
	if (!(pte & need))
		return false;
	if (w->gstage)
		return user_page;
	return w->priv ? !user_page : user_page;
}

/*
 * rv_check_shape() - step 6 and Svnapot: is the leaf's PPN well formed for
 * its level?
 *
 * A superpage (level > 0) whose PPN[level-1:0] is non-zero is misaligned.
 * A NAPOT leaf (N=1, level 0 already checked) must have PPN[3:0] = 0b1000;
 * every other N=1 encoding is reserved.
 */
static bool rv_check_shape(uint64_t pte, unsigned int level)
{
	uint64_t ppn = rv_pte_ppn(pte);

	if (pte & RV_PTE_N)
		return (ppn & ((1u << RV_NAPOT_PPN_BITS) - 1)) == RV_NAPOT_PPN_64K;
	return (ppn & ((1ull << (RV_VPN_BITS * level)) - 1)) == 0;
}

/*
 * rv_ad_bits_needed() - step 7: the A/D bits this access requires that the
 * PTE lacks (A always; D on a write).  0 when nothing needs setting.
 */
static uint64_t rv_ad_bits_needed(const struct genpt_rv_walk *w, uint64_t pte)
{
	uint64_t need = RV_PTE_A;

	if (w->access == GENPT_ACCESS_WRITE)
		need |= RV_PTE_D;
	return need & ~pte;
}

/*
 * rv_leaf_translate() - step 8: the physical address and size of the
 * translation, and the PBMT attribute.
 *
 * A superpage keeps the low address bits of va (its PPN's low bits are zero,
 * step 6 checked); a NAPOT page takes PPN with its low 4 bits cleared and
 * keeps va's low 16 bits.
 */
static void rv_leaf_translate(struct genpt_rv_walk *w, uint64_t pte,
			      unsigned int level)
{
	uint64_t base = rv_pte_ppn(pte) << RV_PAGE_SHIFT;
	unsigned int shift = rv_level_shift(level);
	uint64_t size_mask;

	if (pte & RV_PTE_N)
		shift = RV_NAPOT_SHIFT;
	size_mask = (1ull << shift) - 1;
	w->pa = (base & ~size_mask) | (w->va & size_mask);
	w->page_shift = shift;
	w->leaf_level = level;
	w->pte = pte;
	w->pbmt = w->svpbmt ? rv_pte_pbmt(pte) : RV_PBMT_PMA;
}

/* rv_reset_outputs() - outputs as a fault leaves them, before any read. */
static void rv_reset_outputs(struct genpt_rv_walk *w)
{
	w->pa = 0;
	w->leaf_level = 0;
	w->page_shift = 0;
	w->pte = 0;
	w->pte_pa = 0;
	w->pbmt = 0;
	w->ad_written = false;
}

/*
 * rv_check_leaf() - steps 5-7 without the update: encoding, permission,
 * then A/D.  Permission comes before A/D so a denied access never marks the
 * page accessed or dirty.
 */
static enum genpt_rv_fault rv_check_leaf(const struct genpt_rv_walk *w,
					 uint64_t pte, unsigned int level)
{
	if (!rv_check_shape(pte, level))
		return GENPT_RV_FAULT_PAGE;
	if (!rv_check_permission(w, pte))
		return GENPT_RV_FAULT_PAGE;
	if (rv_ad_bits_needed(w, pte) && !w->ad_update)
		return GENPT_RV_FAULT_PAGE;
	return GENPT_RV_OK;
}

/*
 * genpt_rv_walk() - the translation process.
 *
 * One loop iteration handles one PTE (steps 2-4).  A leaf that needs A/D
 * set is updated with a CAS of the whole PTE against the value that was
 * checked; if the PTE changed in between, the same PTE address is read and
 * checked again from scratch (the spec's "return to step 2"), because the
 * new value may be invalid, a pointer, or carry other permissions.
 */
enum genpt_rv_fault genpt_rv_walk(struct genpt_rv_walk *w)
{
	enum genpt_rv_fault f;
	unsigned int level;
	uint64_t pte_pa;

	if (!w)
		return GENPT_RV_FAULT_CONFIG;
	rv_reset_outputs(w);
	if (!rv_config_ok(w))
		return GENPT_RV_FAULT_CONFIG;
	level = w->levels - 1;
	w->leaf_level = level;
	if (!rv_va_ok(w))
		return GENPT_RV_FAULT_PAGE;

	/* Step 1: a = root; i = LEVELS - 1. */
	pte_pa = w->root_pa + rv_vpn(w, level) * RV_PTE_SIZE;
	for (;;) {
		uint64_t *slot;
		uint64_t pte, want;

		w->leaf_level = level;
		w->pte_pa = pte_pa;
		f = rv_load_pte(w, pte_pa, &slot, &pte);
		if (f != GENPT_RV_OK)
			return f;
		w->pte = pte;

		/* Step 3: V=0 means nothing is mapped; then reserved encodings. */
		if (!(pte & RV_PTE_V))
			return GENPT_RV_FAULT_INVALID;
		if (!rv_check_reserved(w, pte, level))
			return GENPT_RV_FAULT_PAGE;

		/* Step 4: a pointer leads one level down. */
		if (rv_pte_xwr(pte) == RV_XWR_POINTER) {
			if (!rv_check_pointer(pte, level))
				return GENPT_RV_FAULT_PAGE;
			level--;
			pte_pa = (rv_pte_ppn(pte) << RV_PAGE_SHIFT) +
				 rv_vpn(w, level) * RV_PTE_SIZE;
			continue;
		}

		/* Steps 5-7: a leaf. */
		f = rv_check_leaf(w, pte, level);
		if (f != GENPT_RV_OK)
			return f;
		want = pte | rv_ad_bits_needed(w, pte);
		if (want != pte) {
			if (w->before_ad)
				w->before_ad(w->before_ad_ctx, slot);
			if (!__atomic_compare_exchange_n(slot, &pte, want, false,
							 __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE))
				continue; /* changed under us: re-read, re-check */
			w->ad_written = true;
		}
		rv_leaf_translate(w, want, level);
		return GENPT_RV_OK;
	}
}

/* genpt_rv_walk_errno() - see the header for the mapping and why. */
int genpt_rv_walk_errno(enum genpt_rv_fault f)
{
	switch (f) {
	case GENPT_RV_OK:
		return 0;
	case GENPT_RV_FAULT_INVALID:
		return -ENOENT;
	case GENPT_RV_FAULT_PAGE:
		return -EACCES;
	case GENPT_RV_FAULT_ACCESS:
		return -EFAULT;
	case GENPT_RV_FAULT_CONFIG:
		return -EINVAL;
	}
	return -EINVAL;
}
