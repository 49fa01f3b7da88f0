/* SPDX-License-Identifier: MIT */
/*
 * genpt/riscv_iommu.h - everything RISC-V IOMMU, for existing users: the
 * specification's registers and layouts (genpt/riscv_iommu_regs.h), the
 * driver helper of the engine (genpt/riscv_iommu_drv.h, libgenpt) and the
 * software IOMMU of the hardware side (genpt/riscv_iommu_model.h,
 * libgenpt_hw).  New code includes the one it needs.
 */
#ifndef GENPT_RISCV_IOMMU_H
#define GENPT_RISCV_IOMMU_H

#include "genpt/riscv_iommu_drv.h"
#include "genpt/riscv_iommu_model.h"
#include "genpt/riscv_iommu_regs.h"

#endif /* GENPT_RISCV_IOMMU_H */
