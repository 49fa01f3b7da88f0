/* SPDX-License-Identifier: MIT */
/*
 * smmu_util.h - an SMMUv3 model with physical memory and the driver helper
 * on top, and ARMv8 tables to attach: what the SMMUv3 suites share.
 */
#ifndef GENPT_TEST_SMMU_UTIL_H
#define GENPT_TEST_SMMU_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "genpt/mem.h"
#include "genpt/smmuv3_drv.h"
#include "genpt/smmuv3_model.h"
#include "genpt/table.h"

#define SMMU_KiB (1ull << 10)
#define SMMU_MiB (1ull << 20)
#define SMMU_GiB (1ull << 30)

struct smmu_env {
	struct genpt_physmem *pm;
	struct genpt_smmu *smmu;
	struct genpt_smmudrv *drv;
};

/* Memory of @mem_bytes at 0, the model with @cfg (NULL: defaults) and, if
 * @with_drv, the driver helper bound to it. */
void smmu_env_init(struct smmu_env *e, const struct genpt_smmu_config *cfg,
		   uint64_t mem_bytes, bool with_drv);
void smmu_env_fini(struct smmu_env *e);

/* An ARMv8 table in @e's memory: @s2 selects stage 2; DBM and contiguous
 * hints on. */
struct genpt *smmu_table(struct smmu_env *e, bool s2, unsigned int va_bits,
			 unsigned int granule_bits);

/* Device accesses of 8 bytes through the model. */
int smmu_write64(struct smmu_env *e, uint32_t sid, uint64_t iova, uint64_t v);
int smmu_read64(struct smmu_env *e, uint32_t sid, uint64_t iova, uint64_t *v);

/* Register access for tests. */
uint64_t smmu_rd(struct smmu_env *e, uint32_t off, unsigned int size);
void smmu_wr(struct smmu_env *e, uint32_t off, unsigned int size, uint64_t v);

#endif /* GENPT_TEST_SMMU_UTIL_H */
