/* SPDX-License-Identifier: MIT */
/*
 * hw/riscv_walk.h - reference RISC-V hardware page-table walk.
 *
 * Decodes page-table entries exactly as the RISC-V privileged specification
 * describes the "virtual address translation process" (Sv39/Sv48/Sv57, the
 * hypervisor extension's G-stage Sv39x4/Sv48x4/Sv57x4, Svnapot, Svpbmt, and
 * hardware A/D update as Svadu / the IOMMU's SADE/GADE describe it).
 *
 * It deliberately shares no code and no constants with lib/fmt or lib/core:
 * those build tables, this checks them, so a misread bit in one is caught by
 * the other.  Internal to the library (not exported).
 */
#ifndef GENPT_HW_RISCV_WALK_H
#define GENPT_HW_RISCV_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "genpt/mem.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum genpt_rv_fault - how a walk ended.
 *
 * @GENPT_RV_OK:           translated; the outputs are valid.
 * @GENPT_RV_FAULT_INVALID: a PTE on the walk has V=0 (nothing mapped).  The
 *                         architecture reports this as a page fault too; it
 *                         is kept apart so callers can say -ENOENT.
 * @GENPT_RV_FAULT_PAGE:   page fault (guest-page fault for the G-stage):
 *                         permission (R/W/X/U), missing A or D with
 *                         ad_update off, a reserved encoding (W without R,
 *                         bits 60:54, non-leaf with A/D/U or PBMT/N set,
 *                         non-leaf at level 0, misaligned superpage, bad
 *                         NAPOT, N without svnapot, PBMT without svpbmt or
 *                         PBMT=3, G-stage leaf without U), or an address that
 *                         is not canonical / beyond the GPA width.
 * @GENPT_RV_FAULT_ACCESS: access fault: a PTE address that phys_to_virt does
 *                         not back (or backs with a pointer that is not
 *                         8-byte aligned, which no real memory would do).
 * @GENPT_RV_FAULT_CONFIG: the request itself is malformed (NULL walk or
 *                         provider, levels not 3..5, access kind unknown,
 *                         root_pa not aligned to the root table size or above
 *                         the 56-bit physical space).  Not an architectural
 *                         outcome; an IOMMU reports it as a misconfigured
 *                         context.  Added beyond the original brief.
 */
enum genpt_rv_fault {
	GENPT_RV_OK = 0,
	GENPT_RV_FAULT_INVALID,
	GENPT_RV_FAULT_PAGE,
	GENPT_RV_FAULT_ACCESS,
	GENPT_RV_FAULT_CONFIG,
};

/**
 * struct genpt_rv_walk - one hardware access: inputs, then outputs.
 *
 * Inputs:
 * @mem, @mem_ctx: table memory; PTEs are read and written only through
 *                 mem->phys_to_virt(mem_ctx, pte_address), one call per PTE
 *                 read.
 * @root_pa:     root table physical address (4 KiB aligned; 16 KiB for the
 *               G-stage, whose root is 16 KiB).
 * @levels:      3, 4, 5 (Sv39/48/57, or Sv39x4/48x4/57x4 with @gstage).
 * @gstage:      G-stage (SvNNx4): the root has 2048 entries (its index takes
 *               2 more address bits), @va is a guest physical address of
 *               41/50/59 bits, zero-extended (set bits above: page fault);
 *               every access counts as a U-mode access so leaves need U=1;
 *               @priv is ignored.  The G bit is ignored, as the hypervisor
 *               extension requires of hardware.
 * @va:          the address to translate.
 * @access:      GENPT_ACCESS_READ / WRITE / EXEC (genpt/table.h).
 * @priv:        first stage only: false = U-mode request (needs U=1), true =
 *               S-mode (needs U=0; SUM and MXR are not modelled).
 * @ad_update:   hardware A/D update: set A (and D on a write) with a
 *               compare-and-swap of the whole 64-bit PTE; if the PTE changed
 *               since it was read, read it again and redo every check of that
 *               level (the spec's "return to step 2").  When false, A=0, or a
 *               write with D=0, is GENPT_RV_FAULT_PAGE.
 * @svnapot:     the hardware implements Svnapot (else N=1 is reserved).
 * @svpbmt:      the hardware implements Svpbmt (else PBMT!=0 is reserved).
 *
 * Outputs (all rewritten by every call):
 * @pa:          translated physical address, page offset included; 0 on a
 *               fault.
 * @leaf_level:  on success the level of the leaf (0 = 4 KiB level); on a
 *               fault the level of the PTE that faulted (top level for an
 *               address fault, which reads no PTE).
 * @page_shift:  log2 of the translation size: 12, 16 (NAPOT 64 KiB), 21,
 *               30, 39, 48; 0 on a fault.
 * @pte:         the leaf PTE as finally seen, or as written by the A/D
 *               update; on a fault the PTE that faulted (0 when none was
 *               read).
 * @pte_pa:      physical address of that PTE (on an access fault: the address
 *               that was not backed; 0 when no PTE address was formed).
 * @pbmt:        0 PMA, 1 NC, 2 IO (always 0 without @svpbmt or on a fault).
 * @ad_written:  true when this walk stored A/D into the leaf (its CAS
 *               succeeded); false when no store was needed or on a fault.
 *               A walk stores at most once.
 */
struct genpt_rv_walk {
	/* inputs */
	const struct genpt_mem_ops *mem;
	void *mem_ctx;
	uint64_t root_pa;
	unsigned int levels;
	bool gstage;
	uint64_t va;
	unsigned int access;
	bool priv;
	bool ad_update;
	bool svnapot, svpbmt;
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
	unsigned int pbmt;
	bool ad_written;
};

/**
 * genpt_rv_walk() - walk w->va; fill the outputs; return the fault kind.
 *
 * Thread safe: may run concurrently with other walks and with software
 * editing the table.  Every PTE read is an atomic 64-bit load (acquire, so a
 * table pointer published with release shows an initialised table) and the
 * only write is a compare-and-swap of the whole PTE, so concurrent updates of
 * other bits are never lost.
 */
enum genpt_rv_fault genpt_rv_walk(struct genpt_rv_walk *w);

/**
 * genpt_rv_walk_errno() - the errno genpt_hw_access() returns for a walk.
 *
 * GENPT_RV_OK -> 0, INVALID -> -ENOENT, PAGE -> -EACCES, ACCESS -> -EFAULT,
 * CONFIG -> -EINVAL.  Note that a malformed entry (a reserved encoding) is a
 * page fault to the hardware and therefore comes out as -EACCES, not as the
 * -EFAULT genpt/table.h mentions: the walk cannot tell a corrupt entry from a
 * denied one any better than hardware does.  An address outside the input
 * space is also -EACCES here; genpt_hw_access() checks that range itself
 * (-ERANGE) before walking.
 */
int genpt_rv_walk_errno(enum genpt_rv_fault f);

#ifdef __cplusplus
}
#endif

#endif /* GENPT_HW_RISCV_WALK_H */
