/* SPDX-License-Identifier: MIT */
/*
 * genpt/smmuv3.h - the Arm SMMUv3 in one include: the registers and
 * in-memory layouts (smmuv3_regs.h), the driver helper of the engine
 * (smmuv3_drv.h, libgenpt) and the model of the hardware side
 * (smmuv3_model.h, libgenpt_hw).
 */
#ifndef GENPT_SMMUV3_H
#define GENPT_SMMUV3_H

#include "genpt/smmuv3_drv.h"
#include "genpt/smmuv3_model.h"
#include "genpt/smmuv3_regs.h"

#endif /* GENPT_SMMUV3_H */
