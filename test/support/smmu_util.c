// SPDX-License-Identifier: MIT
/* smmu_util.c - see smmu_util.h. */
#include <criterion/criterion.h>
#include <string.h>

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

/* ---- raw programming --------------------------------------------------- */

uint64_t *smmu_raw_ptr(struct smmu_raw *r, uint64_t pa)
{
	uint64_t *p = genpt_physmem_ptr(r->e.pm, pa);

	cr_assert_not_null(p);
	return p;
}

void smmu_raw_init(struct smmu_raw *r, const struct genpt_smmu_config *cfg,
		   unsigned int sid_bits, unsigned int split, unsigned int evtq_log2)
{
	struct smmu_env *e = &r->e;

	memset(r, 0, sizeof(*r));
	smmu_env_init(e, cfg, 512 * SMMU_MiB, false);
	r->split = split;
	r->evtq_log2 = evtq_log2;
	cr_assert_eq(genpt_physmem_alloc(e->pm, split ? 8ull << (sid_bits - split) :
							64ull << sid_bits,
					 4096, &r->strtab), 0);
	cr_assert_eq(genpt_physmem_alloc(e->pm, 4096, 4096, &r->cmdq), 0);
	cr_assert_eq(genpt_physmem_alloc(e->pm, 32ull << evtq_log2, 4096, &r->evtq), 0);
	cr_assert_eq(genpt_physmem_alloc(e->pm, 4096, 4096, &r->sync), 0);
	smmu_wr(e, 0x80, 8, r->strtab);                                  /* STRTAB_BASE */
	smmu_wr(e, 0x88, 4, sid_bits | (split ? (split << 6) | (1u << 16) : 0));
	smmu_wr(e, 0x90, 8, r->cmdq | 8);                                /* 256 commands */
	smmu_wr(e, 0xa0, 8, r->evtq | evtq_log2);
	smmu_wr(e, 0x20, 4, 0xd);                             /* SMMUEN EVENTQEN CMDQEN */
	cr_assert_eq(smmu_rd(e, 0x24, 4), 0xd, "CR0ACK follows CR0");
}

void smmu_raw_fini(struct smmu_raw *r)
{
	smmu_env_fini(&r->e);
}

uint64_t smmu_raw_ste(struct smmu_raw *r, uint32_t sid)
{
	uint64_t *l1, l2;

	if (!r->split)
		return r->strtab + 64ull * sid;
	l1 = smmu_raw_ptr(r, r->strtab + 8ull * (sid >> r->split));
	if (!(*l1 & 0x1f)) {
		cr_assert_eq(genpt_physmem_alloc(r->e.pm, 64ull << r->split, 4096, &l2), 0);
		*l1 = l2 | (r->split + 1);
	}
	return (*l1 & ~63ull) + 64ull * (sid & ((1u << r->split) - 1));
}

void smmu_raw_write_ste(struct smmu_raw *r, uint32_t sid, const uint64_t w[8])
{
	uint64_t *p = smmu_raw_ptr(r, smmu_raw_ste(r, sid));

	memcpy(p, w, 64);
	cr_assert_eq(smmu_raw_cmd(r, 0x03 | ((uint64_t)sid << 32), 1), 0); /* CFGI_STE */
}

unsigned int smmu_raw_cmd(struct smmu_raw *r, uint64_t d0, uint64_t d1)
{
	uint64_t *c = smmu_raw_ptr(r, r->cmdq + 16ull * (r->prod & 255));

	c[0] = d0;
	c[1] = d1;
	r->prod = (r->prod + 1) & 511;
	smmu_wr(&r->e, 0x98, 4, r->prod);
	return (unsigned int)(smmu_rd(&r->e, 0x9c, 4) >> 24) & 0x7f;
}

void smmu_raw_sync(struct smmu_raw *r)
{
	uint32_t seq = ++r->seq;

	cr_assert_eq(smmu_raw_cmd(r, 0x46 | (1ull << 12) | ((uint64_t)seq << 32), r->sync), 0);
	cr_assert_eq(*(uint32_t *)(void *)smmu_raw_ptr(r, r->sync), seq, "CMD_SYNC signalled");
}

bool smmu_raw_event(struct smmu_raw *r, struct genpt_smmu_event *ev)
{
	uint32_t prod = (uint32_t)smmu_rd(&r->e, 0x100a8, 4);
	uint32_t wrap = (2u << r->evtq_log2) - 1;

	if (!((prod ^ r->evcons) & wrap))
		return false;
	cr_assert_eq(genpt_smmu_event_decode(
			     smmu_raw_ptr(r, r->evtq + 32ull * (r->evcons & ((1u << r->evtq_log2) - 1))),
			     ev), 0);
	r->evcons = (r->evcons & ~wrap) | ((r->evcons + 1) & wrap);
	smmu_wr(&r->e, 0x100ac, 4, r->evcons);
	return true;
}

uint64_t smmu_rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}
