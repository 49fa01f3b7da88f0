/* SPDX-License-Identifier: MIT */
/*
 * hw/x86_64_walk.c - reference walk of x86-64 4-level / 5-level paging.
 *
 * Follows the SDM's description of linear-address translation with 4-level
 * and 5-level paging: the PML5E (5-level only), PML4E, PDPTE, PDE and PTE,
 * each selected by 9 bits of the linear address; a PDPTE or PDE with PS=1
 * maps a 1 GiB or 2 MiB page.  Access rights are combined over every entry
 * used: a user-mode access needs U/S=1 everywhere, a write R/W=1
 * everywhere, an instruction fetch XD=0 everywhere.  Every constant comes
 * from the manual, none from lib/fmt.
 */
#include "hw/x86_64_walk.h"

#include <errno.h>
#include <stddef.h>

#include "genpt/table.h"

/* Paging-structure entry bits ("Format of a ... Entry" tables). */
#define X86W_P (1ull << 0)     /* present */
#define X86W_RW (1ull << 1)    /* read/write: 0 = writes not allowed */
#define X86W_US (1ull << 2)    /* user/supervisor: 0 = no user-mode access */
#define X86W_A (1ull << 5)     /* accessed */
#define X86W_D (1ull << 6)     /* dirty (entries that map a page) */
#define X86W_PS (1ull << 7)    /* page size (PDPTE, PDE); PAT in a PTE */
#define X86W_XD (1ull << 63)   /* execute disable */

#define X86W_ENTRY_BYTES 8
#define X86W_PAGE_SHIFT 12
#define X86W_INDEX_BITS 9
#define X86W_MAX_PA_BITS 52
#define X86W_FRAME_TOP 51      /* entries hold address bits 51:12 */

/*
 * Level names, counting up from the table that maps 4 KiB pages.  PS is
 * defined for PDPTEs (1 GiB page) and PDEs (2 MiB page); it is reserved in
 * PML4Es and PML5Es and means PAT in PTEs.
 */
enum { X86W_PTE = 0, X86W_PDE = 1, X86W_PDPTE = 2, X86W_PML4E = 3, X86W_PML5E = 4 };

static uint64_t x86w_bits(unsigned int hi, unsigned int lo)
{
	return ((~0ull) >> (63 - hi)) & ~((1ull << lo) - 1);
}

static unsigned int x86w_shift(unsigned int level)
{
	return X86W_PAGE_SHIFT + X86W_INDEX_BITS * level;
}

static unsigned int x86w_maxphy(const struct genpt_x86_walk *w)
{
	return w->maxphyaddr ? w->maxphyaddr : X86W_MAX_PA_BITS;
}

/* Address bits M-1:12 of an entry: the next table or the page frame. */
static uint64_t x86w_frame(const struct genpt_x86_walk *w, uint64_t e)
{
	return e & x86w_bits(x86w_maxphy(w) - 1, X86W_PAGE_SHIFT);
}

static bool x86w_config_ok(const struct genpt_x86_walk *w)
{
	if (!w->mem || !w->mem->phys_to_virt)
		return false;
	if (w->levels != 4 && w->levels != 5)
		return false;
	if (w->maxphyaddr && (w->maxphyaddr < 32 || w->maxphyaddr > X86W_MAX_PA_BITS))
		return false;
	if (w->access != GENPT_ACCESS_READ && w->access != GENPT_ACCESS_WRITE &&
	    w->access != GENPT_ACCESS_EXEC)
		return false;
	if (w->root_pa & ((1ull << X86W_PAGE_SHIFT) - 1))
		return false;
	return (w->root_pa >> x86w_maxphy(w)) == 0;
}

/* Canonical: bits 63:N-1 all equal, N = 48 or 57. */
static bool x86w_canonical(const struct genpt_x86_walk *w)
{
	unsigned int n = x86w_shift(w->levels);
	uint64_t top = w->va >> (n - 1);

	return top == 0 || top == (UINT64_MAX >> (n - 1));
}

static uint64_t x86w_index(const struct genpt_x86_walk *w, unsigned int level)
{
	return (w->va >> x86w_shift(level)) & ((1u << X86W_INDEX_BITS) - 1);
}

/* Does this present entry map a page (rather than reference a table)? */
static bool x86w_maps_page(uint64_t e, unsigned int level)
{
	if (level == X86W_PTE)
		return true;
	if (level == X86W_PDE || level == X86W_PDPTE)
		return (e & X86W_PS) != 0;
	return false;
}

/*
 * Reserved bits of a present entry ("reserved bit violation"): address bits
 * 51:M in every entry, PS in PML4Es / PML5Es, and the address bits below
 * the page size of a large page other than PAT (bit 12): 20:13 for 2 MiB,
 * 29:13 for 1 GiB.
 */
static bool x86w_reserved_ok(const struct genpt_x86_walk *w, uint64_t e,
			     unsigned int level)
{
	unsigned int m = x86w_maxphy(w);

	if (m <= X86W_FRAME_TOP && (e & x86w_bits(X86W_FRAME_TOP, m)))
		return false;
	if ((level == X86W_PML4E || level == X86W_PML5E) && (e & X86W_PS))
		return false;
	if (level != X86W_PTE && x86w_maps_page(e, level) &&
	    (e & x86w_bits(x86w_shift(level) - 1, X86W_PAGE_SHIFT + 1)))
		return false;
	return true;
}

static enum genpt_x86_fault x86w_load(struct genpt_x86_walk *w, uint64_t pa,
				      uint64_t **slot, uint64_t *e)
{
	void *p = w->mem->phys_to_virt(w->mem_ctx, pa);

	w->pte_pa = pa;
	if (!p || ((uintptr_t)p & (X86W_ENTRY_BYTES - 1)))
		return GENPT_X86_FAULT_ACCESS;
	*slot = p;
	*e = __atomic_load_n(*slot, __ATOMIC_ACQUIRE);
	w->pte = *e;
	return GENPT_X86_OK;
}

static void x86w_reset(struct genpt_x86_walk *w)
{
	w->pa = 0;
	w->leaf_level = 0;
	w->page_shift = 0;
	w->pte = 0;
	w->pte_pa = 0;
	w->ad_written = false;
}

/*
 * A in a table pointer is set only while it still holds P and the frame
 * the walk read (software did not point it elsewhere).  Where the read
 * found A set, hardware does not write the entry again, even if software
 * cleared A in the meantime: the window a table-accessed harvest must
 * allow for (genpt_walk_set_table_a()).
 */
static uint64_t x86w_table_keep(const struct genpt_x86_walk *w)
{
	return X86W_P | x86w_frame(w, ~0ull);
}

/* The access rights a table pointer grants (GENPT_PSC_*). */
static unsigned int x86w_rights(uint64_t e)
{
	return GENPT_PSC_R | ((e & X86W_RW) ? GENPT_PSC_W : 0u) |
	       ((e & X86W_US) ? GENPT_PSC_U : 0u) | ((e & X86W_XD) ? 0u : GENPT_PSC_X);
}

enum genpt_x86_fault genpt_x86_walk(struct genpt_x86_walk *w)
{
	uint64_t *slots[5];
	uint64_t seen[5];

	if (!w)
		return GENPT_X86_FAULT_CONFIG;
	x86w_reset(w);
	if (!x86w_config_ok(w))
		return GENPT_X86_FAULT_CONFIG;
	w->leaf_level = w->levels - 1;
	if (!x86w_canonical(w))
		return GENPT_X86_FAULT_PAGE;

restart:;
	uint64_t table;
	unsigned int rights, top = genpt_psc_start(w->psc, w->root_pa, w->levels - 1,
						   &table, &rights);

	for (unsigned int level = top;; level--) {
		uint64_t e, want, size_m1;
		enum genpt_x86_fault f;

		w->leaf_level = level;
		f = x86w_load(w, table + x86w_index(w, level) * X86W_ENTRY_BYTES,
			      &slots[level], &e);
		if (f != GENPT_X86_OK)
			return f;
		if (!(e & X86W_P))
			return GENPT_X86_FAULT_NP;
		if (!x86w_reserved_ok(w, e, level))
			return GENPT_X86_FAULT_PAGE;
		seen[level] = e;
		rights &= x86w_rights(e);
		if (!x86w_maps_page(e, level)) {
			table = x86w_frame(w, e);
			genpt_psc_note(w->psc, x86w_shift(level), level - 1, table, rights);
			continue;
		}

		/* A page: the access rights of the whole walk, then A/D. */
		if (!(rights & GENPT_PSC_U) ||
		    (w->access == GENPT_ACCESS_WRITE && !(rights & GENPT_PSC_W)) ||
		    (w->access == GENPT_ACCESS_EXEC && !(rights & GENPT_PSC_X)))
			return GENPT_X86_FAULT_PAGE;
		want = e | X86W_A;
		if (w->access == GENPT_ACCESS_WRITE)
			want |= X86W_D;
		if (want != e && !w->ad_update)
			return GENPT_X86_FAULT_PAGE;
		/* the page entry passed the checks: A/D, unless it changed */
		if (w->before_ad && w->ad_update && want != e)
			w->before_ad(w->before_ad_ctx, slots[level]);
		if (!genpt_walk_commit(slots, seen, top, level, want, w->ad_update, X86W_A,
				       x86w_table_keep(w), &w->ad_written))
			goto restart; /* changed under us: walk again */
		size_m1 = (1ull << x86w_shift(level)) - 1;
		w->pte = want;
		w->page_shift = x86w_shift(level);
		w->pa = (x86w_frame(w, want) & ~size_m1) | (w->va & size_m1);
		return GENPT_X86_OK;
	}
}

int genpt_x86_walk_errno(enum genpt_x86_fault f)
{
	switch (f) {
	case GENPT_X86_OK:
		return 0;
	case GENPT_X86_FAULT_NP:
		return -ENOENT;
	case GENPT_X86_FAULT_PAGE:
		return -EACCES;
	case GENPT_X86_FAULT_ACCESS:
		return -EFAULT;
	case GENPT_X86_FAULT_CONFIG:
		return -EINVAL;
	}
	return -EINVAL;
}
