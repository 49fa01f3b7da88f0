// SPDX-License-Identifier: MIT
/* smmu_util.c - see smmu_util.h. */
#include <criterion/criterion.h>

#include "smmu_util.h"

void smmu_env_init(struct smmu_env *e, const struct genpt_smmu_config *cfg,
		   uint64_t mem_bytes, bool with_drv)
{
	struct genpt_smmudrv_config dc = { .mmio = &genpt_smmu_mmio_ops,
					   .mem = &genpt_physmem_ops };

	e->drv = NULL;
	cr_assert_eq(genpt_physmem_create(0, mem_bytes, &e->pm), 0);
	cr_assert_eq(genpt_smmu_create(cfg, &genpt_physmem_ops, e->pm, &e->smmu), 0);
	if (!with_drv)
		return;
	dc.mmio_ctx = e->smmu;
	dc.mem_ctx = e->pm;
	cr_assert_eq(genpt_smmudrv_create(&dc, &e->drv), 0);
}

void smmu_env_fini(struct smmu_env *e)
{
	genpt_smmudrv_destroy(e->drv);
	genpt_smmu_destroy(e->smmu);
	genpt_physmem_destroy(e->pm);
}

struct genpt *smmu_table(struct smmu_env *e, bool s2, unsigned int va_bits,
			 unsigned int granule_bits)
{
	struct genpt_config cfg = {
		.format = GENPT_FMT_ARMV8,
		.va_bits = va_bits,
		.oa_bits = 48,
		.granule_bits = granule_bits,
		.features = GENPT_FEAT_ARMV8_DBM | GENPT_FEAT_ARMV8_CONTIG |
			    (s2 ? GENPT_FEAT_ARMV8_S2 : 0),
		.mem = &genpt_physmem_ops,
		.mem_ctx = e->pm,
	};
	struct genpt *pt;

	cr_assert_eq(genpt_create(&cfg, &pt), 0);
	return pt;
}

int smmu_write64(struct smmu_env *e, uint32_t sid, uint64_t iova, uint64_t v)
{
	return genpt_smmu_dma(e->smmu, sid, iova, &v, sizeof(v), GENPT_ACCESS_WRITE);
}

int smmu_read64(struct smmu_env *e, uint32_t sid, uint64_t iova, uint64_t *v)
{
	return genpt_smmu_dma(e->smmu, sid, iova, v, sizeof(*v), GENPT_ACCESS_READ);
}

uint64_t smmu_rd(struct smmu_env *e, uint32_t off, unsigned int size)
{
	uint64_t v;

	cr_assert_eq(genpt_smmu_reg_read(e->smmu, off, size, &v), 0);
	return v;
}

void smmu_wr(struct smmu_env *e, uint32_t off, unsigned int size, uint64_t v)
{
	cr_assert_eq(genpt_smmu_reg_write(e->smmu, off, size, v), 0);
}
