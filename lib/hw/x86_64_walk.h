/* SPDX-License-Identifier: MIT */
/*
 * hw/x86_64_walk.h - reference walk of x86-64 4-level / 5-level paging.
 *
 * Decodes paging-structure entries as the Intel SDM vol. 3 ("4-Level Paging
 * and 5-Level Paging", "Accessed and Dirty Flags") and the VT-d
 * specification ("First-Stage Translation") describe them, for an IOMMU
 * translating a user-mode DMA request (no privileged requests; XD is
 * interpreted, as with IA32_EFER.NXE=1 or VT-d execute requests enabled).
 *
 * It shares no code and no constants with lib/fmt or lib/core: those build
 * tables, this checks them.  Internal to the library (not exported).
 */
#ifndef GENPT_HW_X86_64_WALK_H
#define GENPT_HW_X86_64_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "genpt/mem.h"
#include "hw/walk_cache.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum genpt_x86_fault - how a walk ended.
 *
 * @GENPT_X86_OK:           translated; the outputs are valid.
 * @GENPT_X86_FAULT_NP:     an entry on the walk has P=0 (nothing mapped).
 *                          A page fault with P=0 in its error code; kept
 *                          apart so callers can say -ENOENT.
 * @GENPT_X86_FAULT_PAGE:   page fault with P=1: a reserved bit is set (the
 *                          error code's RSVD: address bits at or above
 *                          MAXPHYADDR, PS in a PML5E/PML4E, bits 29:13 of a
 *                          1 GiB or 20:13 of a 2 MiB page), a permission is
 *                          missing at some level (U/S=0, a write through
 *                          R/W=0, an instruction fetch through XD=1), the
 *                          address is not canonical, or - without A/D update
 *                          - the leaf has A=0 or a write finds D=0.
 * @GENPT_X86_FAULT_ACCESS: an entry address the memory provider does not
 *                          back (or backs unaligned): an abort, not a page
 *                          fault.
 * @GENPT_X86_FAULT_CONFIG: the request itself is malformed (NULL walk or
 *                          provider, levels not 4 or 5, unknown access kind,
 *                          root not 4 KiB aligned or beyond MAXPHYADDR).
 */
enum genpt_x86_fault {
	GENPT_X86_OK = 0,
	GENPT_X86_FAULT_NP,
	GENPT_X86_FAULT_PAGE,
	GENPT_X86_FAULT_ACCESS,
	GENPT_X86_FAULT_CONFIG,
};

/**
 * struct genpt_x86_walk - one access: inputs, then outputs.
 *
 * Inputs:
 * @mem, @mem_ctx: table memory; every entry is read through
 *                 mem->phys_to_virt(mem_ctx, entry_address).
 * @root_pa:     the PML5 (5-level) or PML4 (4-level) table: CR3, the VT-d
 *               PASID entry's first-stage pointer, or the AMD GCR3 entry.
 * @levels:      4 or 5.
 * @maxphyaddr:  physical address width M (0 = 52); entry address bits
 *               51:M are reserved.
 * @va:          the linear address; 48 / 57 bits, sign-extended.
 * @access:      GENPT_ACCESS_READ / WRITE / EXEC (genpt/table.h).
 * @ad_update:   hardware sets A in every entry the walk used and D in the
 *               leaf on a write, each by compare-and-swap of the whole
 *               entry (a leaf that changed is read again and rechecked from
 *               the top).  False models hardware that does not write the
 *               table: a leaf with A=0, or a write to a leaf with D=0,
 *               faults; A in table pointers is then never looked at.
 * @psc:         a paging-structure cache (hw/walk_cache.h) or NULL: start
 *               below a cached entry, report the table pointers read.  A is
 *               set only in the table pointers read from memory, only where
 *               the read found it clear (hardware does not write it again),
 *               top down and before the leaf's A/D.
 *
 * Outputs (all rewritten by every call):
 * @pa:          physical address, page offset included; 0 on a fault.
 * @leaf_level:  0 (4 KiB), 1 (2 MiB), 2 (1 GiB) on success; on a fault the
 *               level of the entry that faulted.
 * @page_shift:  12, 21 or 30; 0 on a fault.
 * @pte:         the leaf as finally seen or written; on a fault the entry
 *               that faulted (0 when none was read).
 * @pte_pa:      its physical address (the unbacked address on an access
 *               fault).
 * @ad_written:  the walk stored A/D into some entry.
 */
struct genpt_x86_walk {
	/* inputs */
	const struct genpt_mem_ops *mem;
	void *mem_ctx;
	uint64_t root_pa;
	unsigned int levels;
	unsigned int maxphyaddr;
	uint64_t va;
	unsigned int access;
	bool ad_update;
	struct genpt_psc_walk *psc;
	/*
	 * Test hook (NULL in every caller but the tests that race the walk):
	 * called with the leaf's slot just before each compare-and-swap that
	 * sets A/D in it, so a test can change the entry at exactly that
	 * point (another walker, a software edit) instead of hoping a thread
	 * lands there.  Not part of any public header.
	 */
	void (*before_ad)(void *ctx, uint64_t *slot);
	void *before_ad_ctx;
	/* outputs */
	uint64_t pa;
	unsigned int leaf_level;
	unsigned int page_shift;
	uint64_t pte;
	uint64_t pte_pa;
	bool ad_written;
};

/**
 * genpt_x86_walk() - translate w->va; fill the outputs; return the outcome.
 *
 * Thread safe: entries are read with atomic acquire loads and written only
 * by compare-and-swap, so it may run beside software editing the table and
 * beside other walks.  A walk that faults writes nothing.
 */
enum genpt_x86_fault genpt_x86_walk(struct genpt_x86_walk *w);

/**
 * genpt_x86_walk_errno() - OK 0, NP -ENOENT, PAGE -EACCES, ACCESS -EFAULT,
 * CONFIG -EINVAL (what genpt_hw_access() returns).
 */
int genpt_x86_walk_errno(enum genpt_x86_fault f);

#ifdef __cplusplus
}
#endif

#endif /* GENPT_HW_X86_64_WALK_H */
