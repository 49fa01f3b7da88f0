/* SPDX-License-Identifier: MIT */
/*
 * riscv_iommu_fault.c - the fault record of the RISC-V IOMMU specification
 * (v1.0, "Fault/Event-Queue"), read the way a driver reads it.
 *
 * Engine side: the driver helper decodes what it polls from the fault
 * queue; the model (libgenpt_hw) writes records itself and tests decode
 * them with this same call.
 */
#include <stdbool.h>
#include <stdint.h>

#include "genpt/riscv_iommu_regs.h"

GENPT_API void genpt_rviommu_fault_decode(const uint64_t rec[4],
					  struct genpt_rviommu_fault *f)
{
	if (!rec || !f)
		return;
	f->cause = (unsigned int)(rec[0] & 0xfff);
	f->pid = (uint32_t)((rec[0] >> 12) & 0xfffff);
	f->pv = (rec[0] >> 32) & 1;
	f->priv = (rec[0] >> 33) & 1;
	f->ttyp = (unsigned int)((rec[0] >> 34) & 0x3f);
	f->did = (uint32_t)(rec[0] >> 40);
	f->iotval = rec[2];
	f->iotval2 = rec[3];
}

