/* SPDX-License-Identifier: MIT */
/*
 * hw/armv8_walk.h - reference ARM VMSAv8-64 translation table walk.
 *
 * One translation of one stage, as the Arm Architecture Reference Manual
 * describes it for AArch64 (chapter "The AArch64 Virtual Memory System
 * Architecture" and its pseudocode AArch64.S1Translate / S2Translate /
 * S1Walk / S2Walk): the 4KB, 16KB and 64KB granules, stage 1 (TTBR0 with
 * TCR_ELx) and stage 2 (VTTBR with VTCR_EL2, concatenated initial tables),
 * block and page descriptors, the Contiguous bit, the Access flag, and
 * hardware management of the Access flag and dirty state (FEAT_HAFDBS:
 * HA, HD, DBM).  An SMMUv3 walks the same formats with the CD (stage 1)
 * and STE (stage 2) holding these register fields.
 *
 * It deliberately shares no code and no constants with lib/fmt or
 * lib/core: those build tables, this walks them, so a misread bit in one
 * is caught by the other.  It even reads the geometry (T0SZ, TG0, SL0,
 * PS) from the translation control register value, exactly as hardware
 * does, so the register genpt_hw_info() reports is checked too.
 * Internal to the library (not exported).
 *
 * Not modelled: FEAT_LPA/LPA2 (52-bit addresses, TCR.DS), FEAT_TTST
 * (start level 3 with the 4KB granule at stage 2, T0SZ above 39), the
 * TTBR1 half of the stage-1 space, top-byte ignore, hierarchical
 * permissions disable (HPD), PAN, FEAT_S2FWB, permission indirection
 * (PIE), and the stage-1 walk through stage 2 (each call is one stage).
 */
#ifndef GENPT_HW_ARMV8_WALK_H
#define GENPT_HW_ARMV8_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "genpt/mem.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum genpt_arm_fault - how a walk ended.
 *
 * @GENPT_ARM_OK:           translated; the outputs are valid.
 * @GENPT_ARM_FAULT_TRANSLATION: a descriptor on the walk has bit[0] = 0
 *                          (invalid): nothing is mapped.
 * @GENPT_ARM_FAULT_RESERVED: a descriptor that is valid (bit[0] = 1) but
 *                          whose encoding the architecture treats as
 *                          invalid or leaves CONSTRAINED UNPREDICTABLE:
 *                          bits[1:0] = 0b01 at level 3, a block descriptor
 *                          at a level where the granule has no blocks, a
 *                          block whose output address has bits set below
 *                          the block size (RES0), or a Contiguous entry
 *                          whose output address is not congruent to the
 *                          input address modulo the contiguous span (the
 *                          members of a run disagree).  The architecture
 *                          reports the first two as a Translation fault;
 *                          kept apart from TRANSLATION so callers can tell
 *                          "nothing mapped" from "corrupt".
 * @GENPT_ARM_FAULT_ADDRESS_SIZE: an output address (next-level table or
 *                          leaf) at or above 2^PS, including the bits that
 *                          would be output address bits [51:48] with
 *                          FEAT_LPA (64KB granule descriptor bits[15:12])
 *                          or FEAT_LPA2 (bits[49:48]); or a root table
 *                          address at or above 2^PS.
 * @GENPT_ARM_FAULT_ACCESS_FLAG: the leaf has AF = 0 and hardware Access
 *                          flag update (HA) is off.
 * @GENPT_ARM_FAULT_PERMISSION: the leaf (or, at stage 1, a table
 *                          descriptor's APTable / UXNTable / PXNTable on the
 *                          way) does not permit the access; a write to a
 *                          writable-clean entry (DBM = 1, AP[2] = 1 or
 *                          S2AP[1] = 0) without hardware dirty update (HD)
 *                          is one of these.
 * @GENPT_ARM_FAULT_EXTERNAL: a descriptor address that phys_to_virt does not
 *                          back (or backs with a pointer that is not 8-byte
 *                          aligned): a synchronous External abort on the
 *                          translation table walk.
 * @GENPT_ARM_FAULT_INPUT_RANGE: the input address has bits set at or above
 *                          64 - T0SZ.  The architecture reports a level-0
 *                          Translation fault; kept apart so callers can say
 *                          -ERANGE.
 * @GENPT_ARM_FAULT_CONFIG: the request itself is malformed: NULL walk or
 *                          provider, unknown access kind, TG0 = 0b11, T0SZ
 *                          outside 16..39, PS/IPS above 0b101 (48 bits),
 *                          at stage 2 an SL0 that is invalid for the granule
 *                          or inconsistent with T0SZ (the Arm ARM's
 *                          AArch64.S2InvalidSL / S2InconsistentSL), or a
 *                          root table address not aligned to the root
 *                          table's size.  Hardware reports most of these as
 *                          a level-0 Translation fault or a bad
 *                          configuration (SMMU C_BAD_CD / C_BAD_STE); not an
 *                          architectural outcome of a good configuration.
 */
enum genpt_arm_fault {
	GENPT_ARM_OK = 0,
	GENPT_ARM_FAULT_TRANSLATION,
	GENPT_ARM_FAULT_RESERVED,
	GENPT_ARM_FAULT_ADDRESS_SIZE,
	GENPT_ARM_FAULT_ACCESS_FLAG,
	GENPT_ARM_FAULT_PERMISSION,
	GENPT_ARM_FAULT_EXTERNAL,
	GENPT_ARM_FAULT_INPUT_RANGE,
	GENPT_ARM_FAULT_CONFIG,
};

/**
 * struct genpt_arm_walk - one access through one stage: inputs, then
 * outputs.
 *
 * Inputs:
 * @mem, @mem_ctx: table memory; descriptors are read and written only
 *                 through mem->phys_to_virt(mem_ctx, descriptor_address).
 * @stage2:      false: stage 1, @tcr is a TCR_EL1 value (the TTBR0 half);
 *               true: stage 2, @tcr is a VTCR_EL2 value.
 * @ttbr:        the root table's physical address (TTBR0_EL1.BADDR /
 *               VTTBR_EL2.BADDR; ASID / VMID bits must be 0).
 * @tcr:         stage 1, TCR_EL1: T0SZ [5:0], TG0 [15:14] (0b00 4KB, 0b01
 *               64KB, 0b10 16KB), IPS [34:32], HA [39], HD [40].  Stage 2,
 *               VTCR_EL2: T0SZ [5:0], SL0 [7:6], TG0 [15:14], PS [18:16],
 *               HA [21], HD [22].  Other fields (cacheability and
 *               shareability of walks, EPD0, TBI0, VS) are ignored.  HD is
 *               only effective together with HA, as the architecture says.
 * @va:          the input address (VA at stage 1, IPA at stage 2).
 * @access:      GENPT_ACCESS_READ / WRITE / EXEC (genpt/table.h).
 * @priv:        the request's privilege: stage 1, false = EL0
 *               (unprivileged: needs AP[1] = 1, executes under UXN), true =
 *               EL1 (privileged: executes under PXN, and never from memory
 *               that EL0 may write).  Stage 2: selects which half of
 *               XN[1:0] applies (FEAT_XNX: 0b01 forbids EL1, 0b11 forbids
 *               EL0, 0b10 both).  An SMMU takes it from the transaction's
 *               privilege attribute.
 * @bbm_nt:      FEAT_BBM: bit 16 of a block descriptor is nT (its address
 *               bits are checked without it); false: RES0 like the rest.
 *
 * Outputs (all rewritten by every call):
 * @pa:          output address (block or page offset included); 0 on a
 *               fault.
 * @level:       the architecture's lookup level (0..3) of the leaf, or of
 *               the descriptor that faulted (the start level for a fault
 *               before any read).
 * @page_shift:  log2 of the block or page size; 0 on a fault.
 * @contig_shift: log2 of the span a TLB may cache for the leaf: page_shift
 *               plus log2 of the contiguous count when the Contiguous bit is
 *               set, else page_shift; 0 on a fault.
 * @desc:        the leaf descriptor as finally seen or as written by the
 *               hardware update; on a fault the descriptor that faulted (0
 *               when none was read).
 * @desc_pa:     physical address of that descriptor (on an External abort:
 *               the address that was not backed).
 * @attr:        stage 1: AttrIndx [4:2]; stage 2: MemAttr [5:2].  0 on a
 *               fault.
 * @updated:     true when this walk stored into the leaf (AF and/or the
 *               dirty state, with one successful compare-and-swap).
 */
struct genpt_arm_walk {
	/* inputs */
	const struct genpt_mem_ops *mem;
	void *mem_ctx;
	bool stage2;
	uint64_t ttbr;
	uint64_t tcr;
	uint64_t va;
	unsigned int access;
	bool priv;
	bool bbm_nt;
	/* outputs */
	uint64_t pa;
	int level;
	unsigned int page_shift;
	unsigned int contig_shift;
	uint64_t desc;
	uint64_t desc_pa;
	unsigned int attr;
	bool updated;
};

/**
 * genpt_arm_walk() - walk w->va; fill the outputs; return the fault kind.
 *
 * Thread safe: may run concurrently with other walks and with software
 * editing the table.  Every descriptor read is an atomic 64-bit load
 * (acquire), and the only write is a compare-and-swap of the whole leaf
 * descriptor; when it fails (the descriptor changed under the walk) the
 * whole walk is repeated, as the pseudocode's repeat ... until loop does.
 */
enum genpt_arm_fault genpt_arm_walk(struct genpt_arm_walk *w);

/**
 * genpt_arm_walk_errno() - the errno genpt_hw_access() returns for a walk.
 *
 * OK -> 0; TRANSLATION -> -ENOENT; RESERVED, ADDRESS_SIZE, ACCESS_FLAG,
 * PERMISSION -> -EACCES (a corrupt entry and a denied access look alike to
 * the requester, as for RISC-V); EXTERNAL -> -EFAULT; INPUT_RANGE ->
 * -ERANGE; CONFIG -> -EINVAL.
 */
int genpt_arm_walk_errno(enum genpt_arm_fault f);

#ifdef __cplusplus
}
#endif

#endif /* GENPT_HW_ARMV8_WALK_H */
