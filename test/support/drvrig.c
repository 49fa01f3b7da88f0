// SPDX-License-Identifier: MIT
/* drvrig.c - see drvrig.h. */
#include <criterion/criterion.h>
#include <string.h>

#include "drvrig.h"
#include "genpt/riscv_iommu_model.h"

struct genpt *dr_table(struct drig *t, bool s2, unsigned int va_bits)
{
	struct genpt_config cfg = {
		.format = GENPT_FMT_RISCV,
		.va_bits = va_bits,
		.features = GENPT_FEAT_RISCV_SVNAPOT | (s2 ? GENPT_FEAT_RISCV_GSTAGE : 0),
		.mem = &genpt_physmem_ops,
		.mem_ctx = t->pm,
	};
	struct genpt *pt;

	if (t->cfg.smmu)
		return smmu_table(&t->se, s2, va_bits, t->cfg.granule);
	DR_EQ(t->name, genpt_create(&cfg, &pt), 0);
	return pt;
}

/* The RISC-V helper on the model; the test's DDT helpers (rvi_dc_pa) read
 * the helper's DDT. */
static void dr_rv_init(struct drig *t, uint64_t mem_bytes)
{
	struct genpt_rvdrv_config cfg = { .mmio = &genpt_rviommu_mmio_ops,
					  .mem = &genpt_physmem_ops,
					  .ddt_levels = t->cfg.ddt_levels,
					  .fq_log2 = t->cfg.fq_log2 };
	uint64_t root;
	unsigned int mode;

	rvi_env_init(&t->re, t->cfg.caps ? t->cfg.caps : RVI_CAPS_EXT, mem_bytes);
	t->pm = t->re.pm;
	cfg.mmio_ctx = t->re.iommu;
	cfg.mem_ctx = t->pm;
	DR_EQ(t->name, genpt_rvdrv_create(&cfg, &t->rd), 0);
	DR_EQ(t->name, genpt_rvdrv_ddt_info(t->rd, &root, &mode), 0);
	t->re.ddt = root;
	t->re.ddt_levels = mode - 1;
	DR_EQ(t->name, rvi_rd(&t->re, RVI_REG_DDTP, 8), ((root >> 12) << 10) | mode);
}

void dr_init(struct drig *t, const struct dr_cfg *c, uint64_t mem_bytes)
{
	memset(t, 0, sizeof(*t));
	t->cfg = *c;
	t->name = c->name;
	if (c->smmu) {
		struct genpt_smmu_config mc = { .httu = c->httu };

		smmu_env_init(&t->se, c->httu ? &mc : NULL, mem_bytes, true);
		t->pm = t->se.pm;
	} else {
		dr_rv_init(t, mem_bytes);
	}
	t->pt = dr_table(t, c->s2, c->va_bits);
}

void dr_fini(struct drig *t)
{
	uint64_t bytes, blocks;

	genpt_destroy(t->pt);
	if (t->cfg.smmu) {
		smmu_env_fini(&t->se);
		return;
	}
	genpt_rvdrv_destroy(t->rd);
	cr_assert_eq(rvi_rd(&t->re, RVI_REG_DDTP, 8) & 0xf, 0, "%s: destroy turns the IOMMU Off",
		     t->name);
	DR_EQ(t->name, genpt_physmem_stats(t->pm, &bytes, &blocks), 0);
	rvi_env_fini(&t->re);
}

int dr_attach_to(struct drig *t, uint32_t dev, struct genpt *pt, bool s2, unsigned int id)
{
	struct genpt_smmudrv_domain sd = { s2 ? GENPT_SMMUDRV_STAGE2 : GENPT_SMMUDRV_STAGE1, id };
	struct genpt_rvdrv_domain rd = { s2 ? GENPT_RVDRV_STAGE2 : GENPT_RVDRV_STAGE1, id };

	return t->cfg.smmu ? genpt_smmudrv_attach(t->se.drv, dev, pt, &sd) :
			    genpt_rvdrv_attach(t->rd, dev, pt, &rd);
}

void dr_attach(struct drig *t, uint32_t dev, unsigned int id)
{
	cr_assert_eq(dr_attach_to(t, dev, t->pt, t->cfg.s2, id), 0, "%s: attach %#x", t->name, dev);
}

int dr_unmap(struct drig *t, uint64_t iova, uint64_t len, uint64_t *unmapped)
{
	if (t->cfg.smmu)
		return genpt_smmudrv_unmap_read_dirty(t->se.drv, t->pt, iova, len, NULL, unmapped);
	return genpt_rvdrv_unmap(t->rd, t->pt, iova, len, unmapped);
}

int dr_dma(struct drig *t, uint32_t dev, uint64_t iova, uint64_t *v, unsigned int access)
{
	if (t->cfg.smmu)
		return genpt_smmu_dma(t->se.smmu, dev, iova, v, sizeof(*v), access);
	return genpt_rviommu_dma(t->re.iommu, dev, iova, v, sizeof(*v), access);
}

int dr_write(struct drig *t, uint32_t dev, uint64_t iova, uint64_t v)
{
	return dr_dma(t, dev, iova, &v, GENPT_ACCESS_WRITE);
}

void dr_harvest(struct drig *t, uint64_t iova, uint64_t len, unsigned int flags,
		uint64_t *bits)
{
	struct genpt_dirty_bitmap bm = { .bits = bits, .iova = iova, .length = len,
					 .page_shift = 12 };

	memset(bits, 0, ((len >> 12) + 63) / 64 * 8);
	if (flags & DR_ENGINE)
		DR_EQ(t->name, genpt_read_and_clear_dirty(t->pt, iova, len, 0, &bm, NULL), 0);
	else
		DR_EQ(t->name, DR(t, read_and_clear_dirty, t->pt, iova, len, flags, &bm), 0);
}

uint64_t *dr_ptr(struct drig *t, uint64_t pa)
{
	uint64_t *p = genpt_physmem_ptr(t->pm, pa);

	cr_assert_not_null(p, "%s: %#llx not backed", t->name, (unsigned long long)pa);
	return p;
}

uint64_t dr_tc(struct drig *t, uint32_t dev)
{
	return rvi_get(&t->re, rvi_dc_pa(&t->re, dev));
}

void dr_expect_fault(struct drig *t, uint32_t dev, uint64_t iova, bool write)
{
	static const unsigned int cause[2][2] = { { RVI_C_READ_PAGE, RVI_C_WRITE_PAGE },
						  { RVI_C_READ_GPAGE, RVI_C_WRITE_GPAGE } };
	struct genpt_smmu_event ev[4];
	struct genpt_rviommu_fault f[4];

	if (t->cfg.smmu) {
		DR_EQ(t->name, genpt_smmudrv_poll_events(t->se.drv, ev, 4, NULL), 1);
		DR_EQ(t->name, ev[0].id, GENPT_SMMU_EVT_F_TRANSLATION);
		cr_assert(ev[0].sid == dev && ev[0].addr == iova && ev[0].read == !write &&
			  ev[0].s2 == t->cfg.s2,
			  "%s: sid %#x addr %#llx read %d s2 %d", t->name, ev[0].sid,
			  (unsigned long long)ev[0].addr, ev[0].read, ev[0].s2);
		cr_assert(!t->cfg.s2 || ev[0].ipa == iova, "%s: ipa %#llx", t->name,
			  (unsigned long long)ev[0].ipa);
		return;
	}
	DR_EQ(t->name, genpt_rvdrv_poll_faults(t->rd, f, 4, NULL), 1);
	DR_EQ(t->name, f[0].cause, cause[t->cfg.s2][write]);
	DR_EQ(t->name, f[0].did, dev);
	DR_EQ(t->name, f[0].iotval, iova);
	DR_EQ(t->name, f[0].iotval2, t->cfg.s2 ? iova : 0);
	DR_EQ(t->name, f[0].ttyp, write ? 3 : 2);
}

void dr_expect_record(struct drig *t, unsigned int code, uint32_t dev)
{
	struct genpt_smmu_event ev[4];
	struct genpt_rviommu_fault f[4];
	bool lost = true;

	if (t->cfg.smmu) {
		DR_EQ(t->name, genpt_smmudrv_poll_events(t->se.drv, ev, 4, &lost), 1);
		cr_assert(ev[0].id == code && ev[0].sid == dev && !lost, "%s: event %#x sid %#x",
			  t->name, ev[0].id, ev[0].sid);
	} else {
		DR_EQ(t->name, genpt_rvdrv_poll_faults(t->rd, f, 4, &lost), 1);
		cr_assert(f[0].cause == code && f[0].did == dev && !lost, "%s: cause %u did %#x",
			  t->name, f[0].cause, f[0].did);
	}
}
