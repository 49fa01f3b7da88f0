/* SPDX-License-Identifier: MIT */
/*
 * hw/vtdss_walk.h - reference walk of Intel VT-d second-stage tables.
 *
 * Decodes second-stage paging entries as the VT-d specification describes
 * them ("Second-Stage Translation", "Second-Stage Paging Entries",
 * "Accessed and Dirty Flags" with SSADE), for untranslated DMA requests
 * without execute permission (execute requests are checked as reads; X is
 * not interpreted).
 *
 * It shares no code and no constants with lib/fmt or lib/core.  Internal to
 * the library (not exported).
 */
#ifndef GENPT_HW_VTDSS_WALK_H
#define GENPT_HW_VTDSS_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "genpt/mem.h"
#include "hw/walk_cache.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum genpt_vtdss_fault - how a walk ended.
 *
 * @GENPT_VTDSS_OK:           translated.
 * @GENPT_VTDSS_FAULT_NP:     an entry on the walk has R=W=0: not present.
 * @GENPT_VTDSS_FAULT_PAGE:   a translation fault other than not-present: an
 *                            address above the AGAW, a reserved field set
 *                            (address bits at or above HAW, PS in an
 *                            SS-PML5E/PML4E, bits 20:12 of a 2 MiB or 29:12
 *                            of a 1 GiB page, SNP without snoop control), a
 *                            read or write not allowed at some level, or -
 *                            without SSADE - a leaf with A=0 or a write to
 *                            a leaf with D=0 (see @ssade).
 * @GENPT_VTDSS_FAULT_ACCESS: an entry address the memory provider does not
 *                            back (or backs unaligned).
 * @GENPT_VTDSS_FAULT_CONFIG: a malformed request (NULL walk or provider,
 *                            levels not 3..5, unknown access kind, root not
 *                            4 KiB aligned or beyond HAW).
 */
enum genpt_vtdss_fault {
	GENPT_VTDSS_OK = 0,
	GENPT_VTDSS_FAULT_NP,
	GENPT_VTDSS_FAULT_PAGE,
	GENPT_VTDSS_FAULT_ACCESS,
	GENPT_VTDSS_FAULT_CONFIG,
};

/**
 * struct genpt_vtdss_walk - one access: inputs, then outputs.
 *
 * Inputs:
 * @mem, @mem_ctx: table memory (mem->phys_to_virt per entry read).
 * @root_pa:     the second-stage page-table pointer (SSPTPTR / SLPTPTR).
 * @levels:      3, 4, 5 (AW 1, 2, 3: 39, 48, 57-bit AGAW).
 * @haw:         host address width (0 = 52): entry address bits 51:HAW are
 *               reserved.
 * @snoop_control: ECAP.SC: SNP (bit 11) is defined in leaves; without it
 *               SNP=1 is reserved.
 * @va:          the guest physical address; bits above the AGAW must be 0.
 * @access:      GENPT_ACCESS_READ / WRITE / EXEC (EXEC is checked as READ).
 * @ssade:       second-stage A/D enabled: A is set in every entry the walk
 *               used and D in the leaf on a write, by compare-and-swap (a
 *               leaf that changed is read again and rechecked from the top).
 *               Real hardware without SSADE ignores A and D; this model
 *               instead faults on a leaf with A=0 or a write to a leaf with
 *               D=0, which is what genpt promises never to need while
 *               dirty tracking is off.  A in table pointers is then not
 *               looked at.
 * @psc:         a paging-structure cache or NULL, as for the x86-64 walk
 *               (hw/x86_64_walk.h): A is set only in table entries read
 *               from memory with A clear, top down, before the leaf's A/D.
 *
 * Outputs (rewritten by every call):
 * @pa, @leaf_level, @page_shift, @pte, @pte_pa, @ad_written: as for the
 * x86-64 walk (hw/x86_64_walk.h); @snoop: the leaf's SNP (with
 * @snoop_control).
 */
struct genpt_vtdss_walk {
	/* inputs */
	const struct genpt_mem_ops *mem;
	void *mem_ctx;
	uint64_t root_pa;
	unsigned int levels;
	unsigned int haw;
	bool snoop_control;
	uint64_t va;
	unsigned int access;
	bool ssade;
	struct genpt_psc_walk *psc;
	/* outputs */
	uint64_t pa;
	unsigned int leaf_level;
	unsigned int page_shift;
	uint64_t pte;
	uint64_t pte_pa;
	bool ad_written;
	bool snoop;
};

/** genpt_vtdss_walk() - translate w->va; thread safe; a fault writes nothing. */
enum genpt_vtdss_fault genpt_vtdss_walk(struct genpt_vtdss_walk *w);

/** genpt_vtdss_walk_errno() - OK 0, NP -ENOENT, PAGE -EACCES, ACCESS -EFAULT,
 * CONFIG -EINVAL. */
int genpt_vtdss_walk_errno(enum genpt_vtdss_fault f);

#ifdef __cplusplus
}
#endif

#endif /* GENPT_HW_VTDSS_WALK_H */
