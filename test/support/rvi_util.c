// SPDX-License-Identifier: MIT
/* rvi_util.c - see rvi_util.h. */
#include "rvi_util.h"

#include <criterion/criterion.h>
#include <string.h>

void rvi_env_init_cfg(struct rvi_env *e, const struct genpt_rviommu_config *cfg,
		      uint64_t pm_size)
{
	memset(e, 0, sizeof(*e));
	cr_assert_eq(genpt_physmem_create(RVI_PM_BASE, pm_size ? pm_size : 8ull << 30,
					  &e->pm), 0);
	cr_assert_eq(genpt_rviommu_create(cfg, &genpt_physmem_ops, e->pm, &e->iommu), 0);
	e->caps = rvi_rd(e, RVI_REG_CAP, 8);
	e->ext = e->caps & RVI_CAP_MSI_FLAT;

	/* Command queue: 64 entries (LOG2SZ-1 = 5); fault queue: 64 records. */
	e->cq_n = 64;
	e->fq_n = 64;
	e->cq_pa = rvi_alloc(e, 4096, 4096);
	e->fq_pa = rvi_alloc(e, 4096, 4096);
	e->fence_pa = rvi_alloc(e, 4096, 4096);
	rvi_wr(e, RVI_REG_CQB, 8, ((e->cq_pa >> 12) << 10) | 5);
	rvi_wr(e, RVI_REG_CQT, 4, 0);
	rvi_wr(e, RVI_REG_CQCSR, 4, RVI_CQCSR_CQEN);
	cr_assert(rvi_rd(e, RVI_REG_CQCSR, 4) & RVI_CQCSR_CQON);
	rvi_wr(e, RVI_REG_FQB, 8, ((e->fq_pa >> 12) << 10) | 5);
	rvi_wr(e, RVI_REG_FQH, 4, 0);
	rvi_wr(e, RVI_REG_FQCSR, 4, RVI_FQCSR_FQEN);
	cr_assert(rvi_rd(e, RVI_REG_FQCSR, 4) & RVI_FQCSR_FQON);
}

void rvi_env_init(struct rvi_env *e, uint64_t caps, uint64_t pm_size)
{
	struct genpt_rviommu_config cfg = { .capabilities = caps ? caps : RVI_CAPS_BASE };

	rvi_env_init_cfg(e, &cfg, pm_size);
}

void rvi_env_fini(struct rvi_env *e)
{
	genpt_rviommu_destroy(e->iommu);
	genpt_physmem_destroy(e->pm);
}

uint64_t rvi_alloc(struct rvi_env *e, uint64_t size, uint64_t align)
{
	uint64_t pa;

	cr_assert_eq(genpt_physmem_alloc(e->pm, size, align, &pa), 0);
	return pa;
}

uint64_t *rvi_p(struct rvi_env *e, uint64_t pa)
{
	uint64_t *p = genpt_physmem_ptr(e->pm, pa);

	cr_assert_not_null(p, "pa 0x%llx not backed", (unsigned long long)pa);
	return p;
}

uint64_t rvi_get(struct rvi_env *e, uint64_t pa)
{
	return __atomic_load_n(rvi_p(e, pa), __ATOMIC_ACQUIRE);
}

void rvi_set(struct rvi_env *e, uint64_t pa, uint64_t v)
{
	__atomic_store_n(rvi_p(e, pa), v, __ATOMIC_RELEASE);
}

uint64_t rvi_rd(struct rvi_env *e, uint32_t off, unsigned int size)
{
	uint64_t v = 0;

	cr_assert_eq(genpt_rviommu_reg_read(e->iommu, off, size, &v), 0,
		     "reg_read 0x%x/%u", off, size);
	return v;
}

void rvi_wr(struct rvi_env *e, uint32_t off, unsigned int size, uint64_t v)
{
	cr_assert_eq(genpt_rviommu_reg_write(e->iommu, off, size, v), 0,
		     "reg_write 0x%x/%u", off, size);
}

/* ---- DDT ----------------------------------------------------------------- */

void rvi_ddt_init(struct rvi_env *e, unsigned int levels)
{
	e->ddt = rvi_alloc(e, 4096, 4096);
	e->ddt_levels = levels;
	/* ddtp: iommu_mode 3:0 (1LVL 2, 2LVL 3, 3LVL 4), PPN 53:10 */
	rvi_wr(e, RVI_REG_DDTP, 8, ((e->ddt >> 12) << 10) | (1 + levels));
	cr_assert_eq(rvi_rd(e, RVI_REG_DDTP, 8) & 0xf, 1 + levels);
}

uint64_t rvi_dc_pa(struct rvi_env *e, uint32_t did)
{
	/* DDI[0] 7 bits (base) / 6 (extended), DDI[1] 9, DDI[2] the rest */
	unsigned int b0 = e->ext ? 6 : 7;
	uint64_t a = e->ddt;

	for (unsigned int i = e->ddt_levels - 1; i > 0; i--) {
		uint64_t ddi = i == 2 ? did >> (b0 + 9) : (did >> b0) & 0x1ff;
		uint64_t slot = a + ddi * 8, v = rvi_get(e, slot);

		if (!(v & 1)) {
			v = RVI_PTR(rvi_alloc(e, 4096, 4096));
			rvi_set(e, slot, v);
		}
		a = RVI_PTE_PPN(v) << 12;
	}
	return a + (uint64_t)(did & ((1u << b0) - 1)) * (e->ext ? 64 : 32);
}

void rvi_dc_write_ext(struct rvi_env *e, uint32_t did, const uint64_t w[8])
{
	uint64_t pa = rvi_dc_pa(e, did);

	rvi_set(e, pa, 0);
	for (unsigned int i = 1; i < (e->ext ? 8u : 4u); i++)
		rvi_set(e, pa + 8 * i, w[i]);
	rvi_set(e, pa, w[0]);
}

uint64_t rvi_msi_table(struct rvi_env *e, uint64_t *file)
{
	uint64_t msipt = rvi_alloc(e, 4096, 4096);

	*file = rvi_alloc(e, 4096, 4096);
	rvi_set(e, msipt, ((*file >> 12) << 10) | (3ull << 1) | 1);
	return msipt;
}

void rvi_dc_write(struct rvi_env *e, uint32_t did, uint64_t tc, uint64_t iohgatp,
		  uint64_t ta, uint64_t fsc)
{
	uint64_t w[8] = { tc, iohgatp, ta, fsc };

	rvi_dc_write_ext(e, did, w);
}

/* ---- page tables ----------------------------------------------------------- */

uint64_t rvi_pt_root(struct rvi_env *e, bool gstage)
{
	return gstage ? rvi_alloc(e, 16384, 16384) : rvi_alloc(e, 4096, 4096);
}

uint64_t rvi_gstage_pages(struct rvi_env *e, uint32_t ndev, unsigned int gscid,
			  uint64_t npages, uint64_t align, uint64_t *root)
{
	uint64_t data;

	*root = rvi_pt_root(e, true);
	data = rvi_alloc(e, npages << 12, align);
	for (uint32_t did = 0; did < ndev; did++)
		rvi_dc_write(e, did, RVI_TC_V | RVI_TC_GADE, RVI_ATP(8, gscid, *root), 0, 0);
	for (uint64_t p = 0; p < npages; p++)
		rvi_pt_set(e, *root, 3, true, p << 12, 0,
			   RVI_LEAF(data + (p << 12), RVI_R | RVI_W | RVI_U));
	return data;
}

static uint64_t pt_index(unsigned int levels, bool gstage, uint64_t va,
			 unsigned int level)
{
	unsigned int bits = 9 + (gstage && level == levels - 1 ? 2 : 0);

	return (va >> (12 + 9 * level)) & ((1ull << bits) - 1);
}

uint64_t rvi_pt_slot(struct rvi_env *e, uint64_t root, unsigned int levels,
		     bool gstage, uint64_t va, unsigned int level)
{
	uint64_t a = root;

	for (unsigned int l = levels - 1; l > level; l--) {
		uint64_t v = rvi_get(e, a + pt_index(levels, gstage, va, l) * 8);

		cr_assert(v & RVI_V, "no pointer at level %u", l);
		a = RVI_PTE_PPN(v) << 12;
	}
	return a + pt_index(levels, gstage, va, level) * 8;
}

uint64_t rvi_pt_set(struct rvi_env *e, uint64_t root, unsigned int levels,
		    bool gstage, uint64_t va, unsigned int level, uint64_t leaf_pte)
{
	uint64_t a = root, slot;

	for (unsigned int l = levels - 1; l > level; l--) {
		uint64_t s = a + pt_index(levels, gstage, va, l) * 8, v = rvi_get(e, s);

		if (!(v & RVI_V)) {
			v = RVI_PTR(rvi_alloc(e, 4096, 4096));
			rvi_set(e, s, v);
		}
		a = RVI_PTE_PPN(v) << 12;
	}
	slot = a + pt_index(levels, gstage, va, level) * 8;
	rvi_set(e, slot, leaf_pte);
	return slot;
}

/* ---- queues -------------------------------------------------------------- */

void rvi_cmd(struct rvi_env *e, uint64_t d0, uint64_t d1)
{
	uint64_t pa = e->cq_pa + (uint64_t)e->cqt * 16;

	rvi_set(e, pa, d0);
	rvi_set(e, pa + 8, d1);
	e->cqt = (e->cqt + 1) % e->cq_n;
	rvi_wr(e, RVI_REG_CQT, 4, e->cqt);
}

void rvi_fence(struct rvi_env *e)
{
	uint32_t seq = ++e->fence_seq;

	rvi_cmd(e, RVI_CMD_FENCE(1, seq), e->fence_pa >> 2);
	cr_assert_eq(__atomic_load_n((uint32_t *)rvi_p(e, e->fence_pa), __ATOMIC_ACQUIRE),
		     seq, "IOFENCE.C did not complete");
	cr_assert_eq(rvi_rd(e, RVI_REG_CQH, 4), e->cqt, "command queue stopped");
}

unsigned int rvi_fault_count(struct rvi_env *e)
{
	uint32_t t = (uint32_t)rvi_rd(e, RVI_REG_FQT, 4);

	return (t - e->fqh) % e->fq_n;
}

bool rvi_fault_pop(struct rvi_env *e, struct genpt_rviommu_fault *f)
{
	uint64_t rec[4], pa;

	if ((uint32_t)rvi_rd(e, RVI_REG_FQT, 4) == e->fqh)
		return false;
	pa = e->fq_pa + (uint64_t)e->fqh * 32;
	for (unsigned int i = 0; i < 4; i++)
		rec[i] = rvi_get(e, pa + 8 * i);
	/* Decode here from the spec layout, not with the library: CAUSE 11:0,
	 * PID 31:12, PV 32, PRIV 33, TTYP 39:34, DID 63:40. */
	f->cause = (unsigned int)(rec[0] & 0xfff);
	f->pid = (uint32_t)((rec[0] >> 12) & 0xfffff);
	f->pv = (rec[0] >> 32) & 1;
	f->priv = (rec[0] >> 33) & 1;
	f->ttyp = (unsigned int)((rec[0] >> 34) & 0x3f);
	f->did = (uint32_t)(rec[0] >> 40);
	f->iotval = rec[2];
	f->iotval2 = rec[3];
	cr_assert_eq(rec[1], 0, "reserved doubleword of a fault record");
	e->fqh = (e->fqh + 1) % e->fq_n;
	rvi_wr(e, RVI_REG_FQH, 4, e->fqh);
	return true;
}

void rvi_fault_drain(struct rvi_env *e)
{
	struct genpt_rviommu_fault f;

	while (rvi_fault_pop(e, &f))
		;
}

unsigned int rvi_xlate_pid(struct rvi_env *e, uint32_t did, uint32_t pid,
			   bool priv, uint64_t iova, unsigned int access,
			   uint64_t *pa)
{
	struct genpt_rviommu_req req = { .device_id = did, .process_id = pid,
					 .pid_valid = true, .priv = priv,
					 .iova = iova, .access = access };
	struct genpt_rviommu_rsp rsp;

	cr_assert_eq(genpt_rviommu_translate(e->iommu, &req, &rsp), 0);
	if (pa)
		*pa = rsp.pa;
	return rsp.cause;
}

unsigned int rvi_xlate(struct rvi_env *e, uint32_t did, uint64_t iova,
		       unsigned int access, uint64_t *pa)
{
	struct genpt_rviommu_req req = { .device_id = did, .iova = iova,
					 .access = access };
	struct genpt_rviommu_rsp rsp;

	cr_assert_eq(genpt_rviommu_translate(e->iommu, &req, &rsp), 0);
	if (pa)
		*pa = rsp.pa;
	return rsp.cause;
}

void rvi_expect_fault_pid(struct rvi_env *e, unsigned int cause, unsigned int ttyp,
			  uint32_t did, bool pv, uint32_t pid, bool priv,
			  uint64_t iotval, uint64_t iotval2)
{
	struct genpt_rviommu_fault f;

	cr_assert_eq(rvi_fault_count(e), 1, "expected one fault record (cause %u), got %u",
		     cause, rvi_fault_count(e));
	cr_assert(rvi_fault_pop(e, &f));
	cr_expect_eq(f.cause, cause, "CAUSE %u, expected %u", f.cause, cause);
	cr_expect_eq(f.ttyp, ttyp, "TTYP %u, expected %u", f.ttyp, ttyp);
	cr_expect_eq(f.did, did, "DID 0x%x, expected 0x%x", f.did, did);
	cr_expect_eq(f.pv, pv, "PV");
	cr_expect_eq(f.pid, pid, "PID 0x%x, expected 0x%x", f.pid, pid);
	cr_expect_eq(f.priv, priv, "PRIV");
	cr_expect_eq(f.iotval, iotval, "iotval 0x%llx, expected 0x%llx",
		     (unsigned long long)f.iotval, (unsigned long long)iotval);
	cr_expect_eq(f.iotval2, iotval2, "iotval2 0x%llx, expected 0x%llx",
		     (unsigned long long)f.iotval2, (unsigned long long)iotval2);
}

void rvi_expect_fault(struct rvi_env *e, unsigned int cause, unsigned int ttyp,
		      uint32_t did, uint64_t iotval, uint64_t iotval2)
{
	rvi_expect_fault_pid(e, cause, ttyp, did, false, 0, false, iotval, iotval2);
}

uint64_t rvi_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rvi_env_ddt(struct rvi_env *e, uint64_t caps, unsigned int levels)
{
	rvi_env_init(e, caps, 0);
	rvi_ddt_init(e, levels);
}

unsigned int rvi_ttyp(unsigned int access)
{
	return access == GENPT_ACCESS_EXEC ? 1 : access == GENPT_ACCESS_READ ? 2 : 3;
}

void rvi_xlate_pid_fault(struct rvi_env *e, uint32_t did, uint32_t pid, bool priv,
			 uint64_t iova, unsigned int access, unsigned int cause,
			 uint64_t iotval2)
{
	unsigned int got = rvi_xlate_pid(e, did, pid, priv, iova, access, NULL);

	cr_assert_eq(got, cause, "did %#x pid %#x%s iova %#llx access %u: cause %u, expected %u",
		     did, pid, priv ? " priv" : "", (unsigned long long)iova, access, got, cause);
	rvi_expect_fault_pid(e, cause, rvi_ttyp(access), did, true, pid, priv, iova, iotval2);
}

void rvi_xlate_fault(struct rvi_env *e, uint32_t did, uint64_t iova, unsigned int access,
		     unsigned int cause, uint64_t iotval2)
{
	unsigned int got = rvi_xlate(e, did, iova, access, NULL);

	cr_assert_eq(got, cause, "did %#x iova %#llx access %u: cause %u, expected %u", did,
		     (unsigned long long)iova, access, got, cause);
	rvi_expect_fault(e, cause, rvi_ttyp(access), did, iova, iotval2);
}

void rvi_gs_identity_tables(struct rvi_env *e, uint64_t groot, uint64_t fsroot,
			    uint64_t iova, uint64_t flags)
{
	for (unsigned int l = 0; l < 3; l++) {
		uint64_t s = rvi_pt_slot(e, fsroot, 3, false, iova, l) & ~4095ull;

		rvi_pt_set(e, groot, 3, true, s, 0, RVI_LEAF(s, flags));
	}
}

uint64_t rvi_dev_stage(struct rvi_env *e, uint32_t did, bool gstage, unsigned int mode,
		       unsigned int id, uint64_t tc)
{
	uint64_t root = rvi_pt_root(e, gstage);

	if (gstage)
		rvi_dc_write(e, did, RVI_TC_V | tc, RVI_ATP(mode, id, root), 0, 0);
	else
		rvi_dc_write(e, did, RVI_TC_V | tc, 0, RVI_TA_PSCID(id), RVI_ATP(mode, 0, root));
	return root;
}

void rvi_gs_identity_gib(struct rvi_env *e, uint64_t groot, uint64_t flags)
{
	for (uint64_t g = RVI_PM_BASE; g < RVI_PM_BASE + (8ull << 30); g += 1ull << 30)
		rvi_pt_set(e, groot, 3, true, g, 2, RVI_LEAF(g, flags));
}

unsigned int rvi_try_xlate(struct genpt_rviommu *iommu, uint32_t did, uint64_t iova,
			   unsigned int access)
{
	struct genpt_rviommu_req req = { .device_id = did, .iova = iova, .access = access };
	struct genpt_rviommu_rsp rsp;

	return genpt_rviommu_translate(iommu, &req, &rsp) ? RVI_XLATE_ERR : rsp.cause;
}

uint64_t rvi_env_dev(struct rvi_env *e, unsigned int ddt_levels, uint32_t did, bool gstage,
		     unsigned int mode, unsigned int id, uint64_t tc)
{
	rvi_env_ddt(e, 0, ddt_levels);
	return rvi_dev_stage(e, did, gstage, mode, id, tc);
}

void rvi_two_stage_init(struct rvi_env *e, struct rvi_two_stage *t)
{
	t->groot = rvi_pt_root(e, true);
	t->fsroot = rvi_pt_root(e, false);
	rvi_pt_set(e, t->fsroot, 3, false, t->iova, 0, RVI_LEAF(t->gpa, t->fs_flags));
	rvi_gs_identity_tables(e, t->groot, t->fsroot, t->iova, t->tbl_flags);
	rvi_pt_set(e, t->groot, 3, true, t->gpa, 0, RVI_LEAF(t->spa, t->gs_flags));
	rvi_dc_write(e, t->did, RVI_TC_V | t->tc, RVI_ATP(8, t->gscid, t->groot),
		     RVI_TA_PSCID(t->pscid), RVI_ATP(8, 0, t->fsroot));
}
