/* SPDX-License-Identifier: MIT */
/*
 * genpt/hw.h - the hardware side (libgenpt_hw): the format's hardware doing
 * one access on a table.
 *
 * The engine (genpt/table.h, libgenpt) builds and edits tables; the
 * hardware side reads them as an IOMMU would, from what genpt_hw_info()
 * says (root, levels, mode, register values) and genpt_get_config()
 * (format, address widths, memory provider), decoding every entry from
 * the architecture specification on its own.  Link libgenpt_hw (CMake
 * genpt::genpt_hw, pkg-config genpt-hw) besides libgenpt for these calls,
 * the simulated IOMMUs (genpt/sim_iommu.h) and the RISC-V IOMMU model
 * (genpt/riscv_iommu_model.h).
 */
#ifndef GENPT_HW_H
#define GENPT_HW_H

#include <stdint.h>

#include "genpt/export.h"
#include "genpt/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * genpt_hw_access() - the format's hardware doing one access.
 * @pt:     the table.
 * @iova:   the address accessed.
 * @access: GENPT_ACCESS_READ, GENPT_ACCESS_WRITE or GENPT_ACCESS_EXEC.
 * @oa:     receives the output address (may be NULL).
 *
 * A reference walk written from the architecture manual, independent of
 * the code that builds the table: it finds the table from genpt_hw_info()
 * and genpt_get_config(), as an IOMMU does from its registers.  Checks permissions, and: while dirty
 * tracking is on, behaves as an IOMMU with hardware A/D update (sets A,
 * and D on a write, with an atomic compare-and-swap of the whole entry,
 * retrying if it changed); while off, as one without it (a missing A, or
 * a write to a write-clean entry, faults).  Safe to call concurrently with
 * every other call.
 *
 * Return: 0, or a negative errno.
 * -EINVAL: a NULL @pt or an unknown @access.
 * -ERANGE: @iova is outside the input space.
 * -ENOENT: nothing maps @iova.
 * -EACCES: the walk faulted (permission, a missing A/D, or a malformed
 *          entry such as a reserved encoding: hardware reports all of them
 *          as a page fault).
 * -EFAULT: a table address the provider does not back (an access fault).
 */
GENPT_API int genpt_hw_access(struct genpt *pt, uint64_t iova,
			      unsigned int access, uint64_t *oa);

#ifdef __cplusplus
}
#endif

#endif /* GENPT_HW_H */
