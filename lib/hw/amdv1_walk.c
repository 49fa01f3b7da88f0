/* SPDX-License-Identifier: MIT */
/*
 * hw/amdv1_walk.c - reference walk of AMD IOMMU v1 (host) page tables.
 *
 * The walk starts at the DTE's root table, of level Mode.  An entry of a
 * level-n table is selected by address bits 12+9(n-1) .. 20+9(n-1) (bits
 * 63:57 for level 6).  Its NextLevel field says what it is:
 *
 *   1..6   a PDE: the next table is of that level, which must be below n;
 *          levels in between are skipped, and the address bits they would
 *          have decoded must be 0
 *   0      a PTE for a page of level n's own size (4K at level 1, 2M at 2,
 *          ..., 256T at 5); no PTE in a level-6 table
 *   7      a PTE for a larger page: the address field from bit 12 up holds
 *          ones up to bit s-2 and a zero at bit s-1 for a page of 2^s bytes,
 *          bigger than level n's size and smaller than level n+1's
 *
 * IR and IW are ANDed over every entry used.  Every constant comes from the
 * specification, none from lib/fmt.
 */
#include "hw/amdv1_walk.h"

#include <errno.h>
#include <stddef.h>

#include "genpt/table.h"

#define AMW_PR (1ull << 0)   /* present */
#define AMW_A (1ull << 5)    /* accessed (host A/D update) */
#define AMW_D (1ull << 6)    /* dirty (PTE) */
#define AMW_NL_SHIFT 9       /* NextLevel, bits 11:9 */
#define AMW_IR (1ull << 61)  /* read permission */
#define AMW_IW (1ull << 62)  /* write permission */

#define AMW_ENTRY_BYTES 8
#define AMW_PAGE_SHIFT 12
#define AMW_ADDR_TOP 51      /* address field 51:12 */
#define AMW_RSVD_HI 58       /* bits 58:52 reserved */
#define AMW_RSVD_LO 52
#define AMW_TOP_LEVEL 6

static uint64_t amw_bits(unsigned int hi, unsigned int lo)
{
	return ((~0ull) >> (63 - hi)) & ~((1ull << lo) - 1);
}

/* log2 of the size of a page of level @n's own size (level 1: 4K). */
static unsigned int amw_level_shift(unsigned int n)
{
	return AMW_PAGE_SHIFT + 9 * (n - 1);
}

static uint64_t amw_addr(uint64_t e)
{
	return e & amw_bits(AMW_ADDR_TOP, AMW_PAGE_SHIFT);
}

static unsigned int amw_next_level(uint64_t e)
{
	return (unsigned int)(e >> AMW_NL_SHIFT) & 7u;
}

static uint64_t amw_index(uint64_t va, unsigned int n)
{
	unsigned int bits = n == AMW_TOP_LEVEL ? 64 - amw_level_shift(n) : 9;

	return (va >> amw_level_shift(n)) & ((1ull << bits) - 1);
}

static bool amw_config_ok(const struct genpt_amdv1_walk *w)
{
	if (!w->mem || !w->mem->phys_to_virt)
		return false;
	if (w->mode < 1 || w->mode > AMW_TOP_LEVEL)
		return false;
	if (w->access != GENPT_ACCESS_READ && w->access != GENPT_ACCESS_WRITE &&
	    w->access != GENPT_ACCESS_EXEC)
		return false;
	return (w->root_pa & ~amw_bits(AMW_ADDR_TOP, AMW_PAGE_SHIFT)) == 0;
}

static enum genpt_amdv1_fault amw_load(struct genpt_amdv1_walk *w, uint64_t pa,
				       uint64_t **slot, uint64_t *e)
{
	void *p = w->mem->phys_to_virt(w->mem_ctx, pa);

	w->pte_pa = pa;
	if (!p || ((uintptr_t)p & (AMW_ENTRY_BYTES - 1)))
		return GENPT_AMDV1_FAULT_ACCESS;
	*slot = p;
	*e = __atomic_load_n(*slot, __ATOMIC_ACQUIRE);
	w->pte = *e;
	return GENPT_AMDV1_OK;
}

static void amw_reset(struct genpt_amdv1_walk *w)
{
	w->pa = 0;
	w->leaf_level = 0;
	w->page_shift = 0;
	w->pte = 0;
	w->pte_pa = 0;
	w->ad_written = false;
}

/*
 * The page a PTE in a level-@n table maps: its size (log2) in *shift and
 * its base address, or false when the encoding is malformed.
 */
static bool amw_page(uint64_t e, unsigned int n, unsigned int *shift, uint64_t *base)
{
	uint64_t a = amw_addr(e);
	unsigned int s;

	if (n == AMW_TOP_LEVEL)
		return false;
	if (amw_next_level(e) == 0) {
		s = amw_level_shift(n);
	} else {
		uint64_t code = a >> AMW_PAGE_SHIFT;
		unsigned int ones = 0;

		while (ones < AMW_ADDR_TOP - AMW_PAGE_SHIFT + 1 && ((code >> ones) & 1))
			ones++;
		s = AMW_PAGE_SHIFT + ones + 1;
		if (s <= amw_level_shift(n) || s >= amw_level_shift(n + 1) ||
		    s > AMW_ADDR_TOP + 1)
			return false;
		/* the code occupies bits 12..s-1: the base is above */
		a &= ~((1ull << s) - 1);
		*shift = s;
		*base = a;
		return true;
	}
	if (a & ((1ull << s) - 1))
		return false;
	*shift = s;
	*base = a;
	return true;
}

/* A in a PDE the walk read from memory with A clear, unless it points
 * elsewhere since (a set A is not written again: see the x86-64 walk). */
static bool amw_set_pde_a(uint64_t *slot, uint64_t seen)
{
	uint64_t keep = AMW_PR | (7ull << AMW_NL_SHIFT) | amw_bits(AMW_ADDR_TOP, AMW_PAGE_SHIFT);

	return genpt_walk_set_table_a(slot, seen, AMW_A, keep);
}

/* The PDEs read this walk, top down, and how many. */
struct amw_pdes {
	uint64_t *slot[AMW_TOP_LEVEL];
	uint64_t seen[AMW_TOP_LEVEL];
	unsigned int n;
};

/* The page passed the checks: A in the PDEs read, then A/D in the PTE.
 * False: the PTE changed. */
static bool amw_commit(struct genpt_amdv1_walk *w, const struct amw_pdes *d,
		       uint64_t *slot, uint64_t e, uint64_t want)
{
	if (w->had && w->had_pde)
		for (unsigned int i = 0; i < d->n; i++)
			if (amw_set_pde_a(d->slot[i], d->seen[i]))
				w->ad_written = true;
	if (want == e)
		return true;
	if (!__atomic_compare_exchange_n(slot, &e, want, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return false;
	w->ad_written = true;
	return true;
}

/* Where the walk begins: the root (level Mode), or a cached PDE's table
 * (the cache counts levels from 0, AMD from 1). */
static unsigned int amw_start(struct genpt_amdv1_walk *w, uint64_t *table,
			      unsigned int *rights)
{
	return genpt_psc_start(w->psc, w->root_pa, w->mode - 1, table, rights) + 1;
}

static unsigned int amw_rights(uint64_t e)
{
	return ((e & AMW_IR) ? GENPT_PSC_R : 0u) | ((e & AMW_IW) ? GENPT_PSC_W : 0u);
}

/* A PDE of a level-@n table: the next table and its level, or a fault. */
static enum genpt_amdv1_fault amw_pde(struct genpt_amdv1_walk *w, uint64_t e,
				      unsigned int *n, uint64_t *table,
				      unsigned int rights)
{
	unsigned int nl = amw_next_level(e);

	if (nl >= *n)
		return GENPT_AMDV1_FAULT_PAGE;
	if (nl < *n - 1 &&
	    (w->va & amw_bits(amw_level_shift(*n) - 1, amw_level_shift(nl + 1))))
		return GENPT_AMDV1_FAULT_PAGE; /* skipped bits not 0 */
	*table = amw_addr(e);
	if (nl == *n - 1)
		genpt_psc_note(w->psc, amw_level_shift(*n), nl - 1, *table, rights);
	*n = nl;
	return GENPT_AMDV1_OK;
}

enum genpt_amdv1_fault genpt_amdv1_walk(struct genpt_amdv1_walk *w)
{
	if (!w)
		return GENPT_AMDV1_FAULT_CONFIG;
	amw_reset(w);
	if (!amw_config_ok(w))
		return GENPT_AMDV1_FAULT_CONFIG;
	w->leaf_level = w->mode - 1;
	/* Modes below 6 decode 12 + 9 * Mode bits; the rest must be 0. */
	if (w->mode < AMW_TOP_LEVEL && (w->va >> amw_level_shift(w->mode + 1)))
		return GENPT_AMDV1_FAULT_PAGE;

restart:;
	struct amw_pdes d = { .n = 0 };
	uint64_t table;
	unsigned int rights, n = amw_start(w, &table, &rights);

	for (;;) {
		uint64_t *slot, e, want, base;
		unsigned int nl, s;
		enum genpt_amdv1_fault f;

		w->leaf_level = n - 1;
		f = amw_load(w, table + amw_index(w->va, n) * AMW_ENTRY_BYTES, &slot, &e);
		if (f != GENPT_AMDV1_OK)
			return f;
		if (!(e & AMW_PR))
			return GENPT_AMDV1_FAULT_NP;
		if (e & amw_bits(AMW_RSVD_HI, AMW_RSVD_LO))
			return GENPT_AMDV1_FAULT_PAGE;
		rights &= amw_rights(e);
		nl = amw_next_level(e);

		if (nl != 0 && nl != 7) {
			d.slot[d.n] = slot;
			d.seen[d.n++] = e;
			f = amw_pde(w, e, &n, &table, rights);
			if (f != GENPT_AMDV1_OK)
				return f;
			continue;
		}

		/* a PTE */
		if (!amw_page(e, n, &s, &base))
			return GENPT_AMDV1_FAULT_PAGE;
		if (!(rights & (w->access == GENPT_ACCESS_WRITE ? GENPT_PSC_W : GENPT_PSC_R)))
			return GENPT_AMDV1_FAULT_PAGE;
		want = e | AMW_A;
		if (w->access == GENPT_ACCESS_WRITE)
			want |= AMW_D;
		if (want != e && !w->had)
			return GENPT_AMDV1_FAULT_PAGE;
		if (!amw_commit(w, &d, slot, e, want))
			goto restart;
		w->pte = want;
		w->page_shift = s;
		w->pa = base | (w->va & ((1ull << s) - 1));
		return GENPT_AMDV1_OK;
	}
}

int genpt_amdv1_walk_errno(enum genpt_amdv1_fault f)
{
	switch (f) {
	case GENPT_AMDV1_OK:
		return 0;
	case GENPT_AMDV1_FAULT_NP:
		return -ENOENT;
	case GENPT_AMDV1_FAULT_PAGE:
		return -EACCES;
	case GENPT_AMDV1_FAULT_ACCESS:
		return -EFAULT;
	case GENPT_AMDV1_FAULT_CONFIG:
		return -EINVAL;
	}
	return -EINVAL;
}
