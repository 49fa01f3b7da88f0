/* SPDX-License-Identifier: MIT */
/*
 * hw/amdv1_walk.h - reference walk of AMD IOMMU v1 (host) page tables.
 *
 * Decodes I/O page-table entries as the AMD IOMMU specification describes
 * them ("I/O Page Tables for Host Translations": PDEs with NextLevel 1..6,
 * level skipping, PTEs with NextLevel 0 or 7 and the page-size encoding in
 * the address field, IR/IW combined over the walk, host A/D update), for
 * untranslated DMA requests.
 *
 * It shares no code and no constants with lib/fmt or lib/core.  Internal to
 * the library (not exported).
 */
#ifndef GENPT_HW_AMDV1_WALK_H
#define GENPT_HW_AMDV1_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "genpt/mem.h"
#include "hw/walk_cache.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum genpt_amdv1_fault - how a walk ended.
 *
 * @GENPT_AMDV1_OK:           translated.
 * @GENPT_AMDV1_FAULT_NP:     an entry on the walk has PR=0 (an
 *                            IO_PAGE_FAULT with PR=0 in the event).
 * @GENPT_AMDV1_FAULT_PAGE:   an IO_PAGE_FAULT with PR=1: an address bit
 *                            above what the Mode decodes, a malformed entry
 *                            (reserved bits 58:52, NextLevel not below the
 *                            current level, a PDE in a level-1 table, a PTE
 *                            in the level-6 table, a skipped level whose
 *                            address bits are not 0, a page-size code out of
 *                            the level's range, a page address not aligned
 *                            to its size), IR or IW clear at some level, or
 *                            - without A/D update - a page with A=0 or a
 *                            write to a page with D=0 (see @had).
 * @GENPT_AMDV1_FAULT_ACCESS: an entry address the memory provider does not
 *                            back (or backs unaligned).
 * @GENPT_AMDV1_FAULT_CONFIG: a malformed request (NULL walk or provider,
 *                            Mode not 1..6, unknown access kind, root not
 *                            4 KiB aligned or beyond 52 bits).
 */
enum genpt_amdv1_fault {
	GENPT_AMDV1_OK = 0,
	GENPT_AMDV1_FAULT_NP,
	GENPT_AMDV1_FAULT_PAGE,
	GENPT_AMDV1_FAULT_ACCESS,
	GENPT_AMDV1_FAULT_CONFIG,
};

/**
 * struct genpt_amdv1_walk - one access: inputs, then outputs.
 *
 * Inputs:
 * @mem, @mem_ctx: table memory (mem->phys_to_virt per entry read).
 * @root_pa:     DTE Page Table Root Pointer (a table of level @mode).
 * @mode:        DTE Mode, 1..6 (0 = no translation and 7 are not walks).
 * @va:          the device address.
 * @access:      GENPT_ACCESS_READ / WRITE / EXEC (EXEC is checked as a read:
 *               host tables have no execute permission).
 * @had:         host A/D update: A is set in the page's entry - the one the
 *               address selects, not the other replicas of a NextLevel-7
 *               page - and D on a write, by compare-and-swap (an entry that
 *               changed is read again and the walk redone).  Without it,
 *               this model faults on a page with A=0 or a write to a page
 *               with D=0, which genpt never needs while tracking is off.
 * @had_pde:     with @had, A is also set in every PDE the walk read from
 *               memory with A clear (top down, before the page's A/D): an
 *               IOMMU whose host A/D update covers PDEs (genpt_hw_access()
 *               models it for tables with GENPT_FEAT_TABLE_ACCESSED).
 * @psc:         a page directory cache or NULL, as for the x86-64 walk
 *               (hw/x86_64_walk.h); a PDE that skips levels is not cached.
 *
 * Outputs (rewritten by every call):
 * @pa:          physical address, page offset included; 0 on a fault.
 * @leaf_level:  level of the page's table counted from 0 (the AMD level
 *               minus 1); on a fault, of the entry that faulted.
 * @page_shift:  log2 of the page size (12..52).
 * @pte, @pte_pa, @ad_written: the page's entry as finally seen or
 *               written and its address; whether this walk stored A/D.
 */
struct genpt_amdv1_walk {
	/* inputs */
	const struct genpt_mem_ops *mem;
	void *mem_ctx;
	uint64_t root_pa;
	unsigned int mode;
	uint64_t va;
	unsigned int access;
	bool had;
	bool had_pde;
	struct genpt_psc_walk *psc;
	/* outputs */
	uint64_t pa;
	unsigned int leaf_level;
	unsigned int page_shift;
	uint64_t pte;
	uint64_t pte_pa;
	bool ad_written;
};

/** genpt_amdv1_walk() - translate w->va; thread safe; a fault writes nothing. */
enum genpt_amdv1_fault genpt_amdv1_walk(struct genpt_amdv1_walk *w);

/** genpt_amdv1_walk_errno() - OK 0, NP -ENOENT, PAGE -EACCES, ACCESS -EFAULT,
 * CONFIG -EINVAL. */
int genpt_amdv1_walk_errno(enum genpt_amdv1_fault f);

#ifdef __cplusplus
}
#endif

#endif /* GENPT_HW_AMDV1_WALK_H */
