/* SPDX-License-Identifier: MIT */
/* genpt/genpt.h - the whole public API. */
#ifndef GENPT_GENPT_H
#define GENPT_GENPT_H

#include "genpt/export.h"
#include "genpt/hw.h"
#include "genpt/mem.h"
#include "genpt/riscv_iommu.h"
#include "genpt/sim_iommu.h"
#include "genpt/smmuv3.h"
#include "genpt/table.h"
#include "genpt/version.h"

#endif /* GENPT_GENPT_H */
