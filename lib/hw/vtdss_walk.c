/* SPDX-License-Identifier: MIT */
/*
 * hw/vtdss_walk.c - reference walk of Intel VT-d second-stage tables.
 *
 * Follows the VT-d specification's second-stage translation: SS-PML5E (5
 * levels), SS-PML4E, SS-PDPTE, SS-PDE, SS-PTE, each selected by 9 bits of
 * the guest physical address; an SS-PDPTE or SS-PDE with PS=1 maps a 1 GiB
 * or 2 MiB page.  There is no present bit: an entry with R=W=0 is not
 * present.  Read and write rights are ANDed over every entry used.  Every
 * constant comes from the specification, none from lib/fmt.
 */
#include "hw/vtdss_walk.h"

#include <errno.h>
#include <stddef.h>

#include "genpt/table.h"

#define SSW_R (1ull << 0)    /* read */
#define SSW_W (1ull << 1)    /* write */
#define SSW_PS (1ull << 7)   /* page size (SS-PDPTE, SS-PDE) */
#define SSW_A (1ull << 8)    /* accessed (SSADE) */
#define SSW_D (1ull << 9)    /* dirty (SSADE; page entries) */
#define SSW_SNP (1ull << 11) /* snoop (page entries, with snoop control) */

#define SSW_ENTRY_BYTES 8
#define SSW_PAGE_SHIFT 12
#define SSW_INDEX_BITS 9
#define SSW_MAX_HAW 52
#define SSW_FRAME_TOP 51

enum { SSW_PTE = 0, SSW_PDE = 1, SSW_PDPTE = 2, SSW_PML4E = 3, SSW_PML5E = 4 };

static uint64_t ssw_bits(unsigned int hi, unsigned int lo)
{
	return ((~0ull) >> (63 - hi)) & ~((1ull << lo) - 1);
}

static unsigned int ssw_shift(unsigned int level)
{
	return SSW_PAGE_SHIFT + SSW_INDEX_BITS * level;
}

static unsigned int ssw_haw(const struct genpt_vtdss_walk *w)
{
	return w->haw ? w->haw : SSW_MAX_HAW;
}

static uint64_t ssw_frame(const struct genpt_vtdss_walk *w, uint64_t e)
{
	return e & ssw_bits(ssw_haw(w) - 1, SSW_PAGE_SHIFT);
}

static bool ssw_config_ok(const struct genpt_vtdss_walk *w)
{
	if (!w->mem || !w->mem->phys_to_virt)
		return false;
	if (w->levels < 3 || w->levels > 5)
		return false;
	if (w->haw && (w->haw < 32 || w->haw > SSW_MAX_HAW))
		return false;
	if (w->access != GENPT_ACCESS_READ && w->access != GENPT_ACCESS_WRITE &&
	    w->access != GENPT_ACCESS_EXEC)
		return false;
	if (w->root_pa & ((1ull << SSW_PAGE_SHIFT) - 1))
		return false;
	return (w->root_pa >> ssw_haw(w)) == 0;
}

static bool ssw_maps_page(uint64_t e, unsigned int level)
{
	if (level == SSW_PTE)
		return true;
	if (level == SSW_PDE || level == SSW_PDPTE)
		return (e & SSW_PS) != 0;
	return false;
}

static bool ssw_reserved_ok(const struct genpt_vtdss_walk *w, uint64_t e, unsigned int level)
{
	unsigned int haw = ssw_haw(w);

	if (haw <= SSW_FRAME_TOP && (e & ssw_bits(SSW_FRAME_TOP, haw)))
		return false;
	if ((level == SSW_PML4E || level == SSW_PML5E) && (e & SSW_PS))
		return false;
	if (!ssw_maps_page(e, level))
		return true;
	if (level != SSW_PTE && (e & ssw_bits(ssw_shift(level) - 1, SSW_PAGE_SHIFT)))
		return false;
	if ((e & SSW_SNP) && !w->snoop_control)
		return false;
	return true;
}

static enum genpt_vtdss_fault ssw_load(struct genpt_vtdss_walk *w, uint64_t pa,
				       uint64_t **slot, uint64_t *e)
{
	void *p = w->mem->phys_to_virt(w->mem_ctx, pa);

	w->pte_pa = pa;
	if (!p || ((uintptr_t)p & (SSW_ENTRY_BYTES - 1)))
		return GENPT_VTDSS_FAULT_ACCESS;
	*slot = p;
	*e = __atomic_load_n(*slot, __ATOMIC_ACQUIRE);
	w->pte = *e;
	return GENPT_VTDSS_OK;
}

static void ssw_reset(struct genpt_vtdss_walk *w)
{
	w->pa = 0;
	w->leaf_level = 0;
	w->page_shift = 0;
	w->pte = 0;
	w->pte_pa = 0;
	w->ad_written = false;
	w->snoop = false;
}

/* A in a table pointer is set only while it still holds R, W and the
 * frame the walk read (see the x86-64 walk: a set A is not written). */
static uint64_t ssw_table_keep(const struct genpt_vtdss_walk *w)
{
	return SSW_R | SSW_W | ssw_frame(w, ~0ull);
}

static unsigned int ssw_rights(uint64_t e)
{
	return ((e & SSW_R) ? GENPT_PSC_R : 0u) | ((e & SSW_W) ? GENPT_PSC_W : 0u);
}

enum genpt_vtdss_fault genpt_vtdss_walk(struct genpt_vtdss_walk *w)
{
	uint64_t *slots[5];
	uint64_t seen[5];

	if (!w)
		return GENPT_VTDSS_FAULT_CONFIG;
	ssw_reset(w);
	if (!ssw_config_ok(w))
		return GENPT_VTDSS_FAULT_CONFIG;
	w->leaf_level = w->levels - 1;
	/* input address above the AGAW: a translation fault */
	if (w->va >> ssw_shift(w->levels))
		return GENPT_VTDSS_FAULT_PAGE;

restart:;
	uint64_t table;
	unsigned int rights, top = genpt_psc_start(w->psc, w->root_pa, w->levels - 1,
						   &table, &rights);

	for (unsigned int level = top;; level--) {
		uint64_t idx = (w->va >> ssw_shift(level)) & ((1u << SSW_INDEX_BITS) - 1);
		uint64_t e, want, size_m1;
		enum genpt_vtdss_fault f;
		unsigned int need;

		w->leaf_level = level;
		f = ssw_load(w, table + idx * SSW_ENTRY_BYTES, &slots[level], &e);
		if (f != GENPT_VTDSS_OK)
			return f;
		if (!(e & (SSW_R | SSW_W)))
			return GENPT_VTDSS_FAULT_NP;
		if (!ssw_reserved_ok(w, e, level))
			return GENPT_VTDSS_FAULT_PAGE;
		seen[level] = e;
		rights &= ssw_rights(e);
		if (!ssw_maps_page(e, level)) {
			table = ssw_frame(w, e);
			genpt_psc_note(w->psc, ssw_shift(level), level - 1, table, rights);
			continue;
		}

		need = w->access == GENPT_ACCESS_WRITE ? GENPT_PSC_W : GENPT_PSC_R;
		if (!(rights & need))
			return GENPT_VTDSS_FAULT_PAGE;
		want = e | SSW_A;
		if (w->access == GENPT_ACCESS_WRITE)
			want |= SSW_D;
		if (want != e && !w->ssade)
			return GENPT_VTDSS_FAULT_PAGE;
		/* the leaf passed the checks: A/D, unless it changed */
		if (!genpt_walk_commit(slots, seen, top, level, want, w->ssade, SSW_A,
				       ssw_table_keep(w), &w->ad_written))
			goto restart;
		size_m1 = (1ull << ssw_shift(level)) - 1;
		w->pte = want;
		w->page_shift = ssw_shift(level);
		w->pa = (ssw_frame(w, want) & ~size_m1) | (w->va & size_m1);
		w->snoop = w->snoop_control && (want & SSW_SNP);
		return GENPT_VTDSS_OK;
	}
}

int genpt_vtdss_walk_errno(enum genpt_vtdss_fault f)
{
	switch (f) {
	case GENPT_VTDSS_OK:
		return 0;
	case GENPT_VTDSS_FAULT_NP:
		return -ENOENT;
	case GENPT_VTDSS_FAULT_PAGE:
		return -EACCES;
	case GENPT_VTDSS_FAULT_ACCESS:
		return -EFAULT;
	case GENPT_VTDSS_FAULT_CONFIG:
		return -EINVAL;
	}
	return -EINVAL;
}
