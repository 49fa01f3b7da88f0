/* SPDX-License-Identifier: MIT */
/*
 * hw/walk_cache.h - what a paging-structure cache keeps of a walk, and how
 * a walk starts from it (x86-64, VT-d second stage and AMD v1 walks).
 *
 * An IOMMU caches the non-leaf entries of its walks (Intel: PML4E, PDPTE
 * and PDE caches; VT-d: second-stage paging-structure caches; AMD: the
 * page directory cache).  A later walk of an address under a cached entry
 * starts from the table it points to and reads none of the entries above:
 * it does not set their accessed flags again.  That is the hazard of a
 * harvest that skips subtrees by table accessed flags, so the simulated
 * IOMMU (sim_iommu.c, sim_psc.c) models it.  A walk given a struct
 * genpt_psc_walk starts where @start says (when @start_valid) and reports
 * every non-leaf entry it read from memory, top down.  Internal to the
 * hardware side.
 */
#ifndef GENPT_HW_WALK_CACHE_H
#define GENPT_HW_WALK_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "genpt/table.h"

/* Rights granted by every entry down to a table (ANDed over the walk). */
#define GENPT_PSC_R 1u /* read (VT-d R, AMD IR; x86 present) */
#define GENPT_PSC_W 2u /* write (x86 R/W, VT-d W, AMD IW) */
#define GENPT_PSC_X 4u /* execute (x86 XD = 0) */
#define GENPT_PSC_U 8u /* user (x86 U/S) */
#define GENPT_PSC_ALL 15u

#define GENPT_PSC_STEPS 6

/**
 * struct genpt_psc_step - one cached non-leaf entry.
 * @span_shift: log2 of the bytes the entry maps (the cache's tag is the
 *              address shifted right by it).
 * @level:      the walk's level (0 = 4 KiB pages) of the table it points
 *              to, where a walk from the cache starts.
 * @table_pa:   that table.
 * @rights:     GENPT_PSC_* granted by the entries down to this one.
 */
struct genpt_psc_step {
	unsigned int span_shift;
	unsigned int level;
	uint64_t table_pa;
	unsigned int rights;
};

/**
 * struct genpt_psc_walk - a walk's use of a paging-structure cache.
 * @start_valid: in: start from @start instead of the root.
 * @start:       in: the cached entry covering the address.
 * @nsteps, @step: out: the non-leaf entries the walk read from memory,
 *              top down (none when it faulted).
 */
struct genpt_psc_walk {
	bool start_valid;
	struct genpt_psc_step start;
	unsigned int nsteps;
	struct genpt_psc_step step[GENPT_PSC_STEPS];
};

/* Record a non-leaf entry read from memory. */
static inline void genpt_psc_note(struct genpt_psc_walk *c, unsigned int span_shift,
				  unsigned int level, uint64_t table_pa,
				  unsigned int rights)
{
	if (c && c->nsteps < GENPT_PSC_STEPS)
		c->step[c->nsteps++] = (struct genpt_psc_step){
			.span_shift = span_shift, .level = level,
			.table_pa = table_pa, .rights = rights };
}

/*
 * Where a walk begins: the root table @root_pa at the walk's top level
 * @top_level, or the table a cached entry points to, at that entry's
 * level.  Returns the level (0 = 4 KiB pages) and sets *@table and the
 * *@rights the cached entries granted; clears the steps @psc reports.
 */
static inline unsigned int genpt_psc_start(struct genpt_psc_walk *psc, uint64_t root_pa,
					   unsigned int top_level, uint64_t *table,
					   unsigned int *rights)
{
	*table = root_pa;
	*rights = GENPT_PSC_ALL;
	if (!psc)
		return top_level;
	psc->nsteps = 0;
	if (!psc->start_valid)
		return top_level;
	*table = psc->start.table_pa;
	*rights = psc->start.rights;
	return psc->start.level;
}

/*
 * Set the accessed flag @a_bit in the table entry at @slot, which the walk
 * read from memory as @seen, with a compare-and-swap: not when @seen had
 * it already (a set flag is not written again), nor when the entry changed
 * in @keep since (it points elsewhere or lost its rights).  True when
 * written.
 */
static inline bool genpt_walk_set_table_a(uint64_t *slot, uint64_t seen, uint64_t a_bit,
					  uint64_t keep)
{
	uint64_t cur = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (seen & a_bit)
		return false;
	for (;;) {
		if ((cur & a_bit) || (cur & keep) != (seen & keep))
			return false;
		if (__atomic_compare_exchange_n(slot, &cur, cur | a_bit, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return true;
	}
}

/*
 * The commit step of a walk that found a leaf it may use (x86-64 and VT-d
 * second stage): when @ad_update, the accessed flag @a_bit in the table
 * entries it read, @slots[@top] down to @slots[@level + 1] as @seen[] (top
 * down, each by genpt_walk_set_table_a() with @keep), then the leaf
 * @slots[@level] from @seen[@level] to @want in one compare-and-swap.  Sets
 * *@ad_written when it wrote an entry.  False: the leaf changed since the
 * walk read it, and the walk must start again.
 */
static inline bool genpt_walk_commit(uint64_t **slots, const uint64_t *seen, unsigned int top,
				     unsigned int level, uint64_t want, bool ad_update,
				     uint64_t a_bit, uint64_t keep, bool *ad_written)
{
	uint64_t e = seen[level];

	if (ad_update)
		for (unsigned int l = top; l > level; l--)
			if (genpt_walk_set_table_a(slots[l], seen[l], a_bit, keep))
				*ad_written = true;
	if (want == e)
		return true;
	if (!__atomic_compare_exchange_n(slots[level], &e, want, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return false;
	*ad_written = true;
	return true;
}

/*
 * genpt_hw_access() through a paging-structure cache: @psc (may be NULL)
 * as above.  Formats without a modelled cache ignore @start and report no
 * step.  Same returns as genpt_hw_access().
 */
int genpt_hw_access_psc(struct genpt *pt, uint64_t iova, unsigned int access,
			uint64_t *oa, struct genpt_psc_walk *psc);

#endif /* GENPT_HW_WALK_CACHE_H */
