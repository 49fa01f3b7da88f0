/* SPDX-License-Identifier: MIT */
/*
 * test_rviommu_diff.c - differential test: on random tables built by the
 * engine, the RISC-V IOMMU model and the engine's reference walk
 * (genpt_hw_access, lib/hw) must agree with each other and with the test
 * oracle (test/support/model.c): same outcome, same physical address,
 * the same dirty pages afterwards, and (with Svpbmt) the memory type the
 * mapping asked for.  Three independent readings of the same bits.
 *
 * For every mode (Sv39/48/57 attached as first stage, Sv39x4/48x4/57x4 as
 * G-stage) with dirty tracking off and on: rounds of random maps and unmaps
 * through the driver helper, then random reads, writes and instruction
 * fetches through both walkers in alternating order, then (tracking on) a
 * harvest that must report exactly the leaves written.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "rvi_util.h"
#include "testutil.h"

#define WIN (8ull << 30)              /* each address window: 8 GiB */
#define WIN_PAGES (WIN >> 12)
#define WIN_WORDS (WIN_PAGES / 64)
#define DEV 5u

struct diff {
	struct tu_table t;
	struct model m;
	struct genpt_rviommu *iommu;
	struct genpt_rvdrv *drv;
	unsigned int nwin;
	uint64_t win[2];       /* first address of each window */
	uint64_t *expect[2];   /* dirty leaves written, per window */
	uint64_t *found;
	bool tracking, pbmt, gstage;
	uint64_t seed;
	unsigned long probes, faults, writes;
};

static void diff_init(struct diff *d, int mode, bool tracking, bool pbmt, uint64_t seed)
{
	struct genpt_rvdrv_config dc = { .mmio = &genpt_rviommu_mmio_ops,
					 .mem = &genpt_physmem_ops };
	struct genpt_rvdrv_domain dom;

	memset(d, 0, sizeof(*d));
	d->seed = seed;
	d->tracking = tracking;
	d->pbmt = pbmt;
	tu_table_init(&d->t, mode, GENPT_FEAT_RISCV_SVNAPOT | (pbmt ? GENPT_FEAT_RISCV_SVPBMT : 0),
		      0);
	model_init(&d->m, &d->t);
	d->gstage = d->t.mode->gstage;
	cr_assert_eq(genpt_rviommu_create(NULL, &genpt_physmem_ops, d->t.pm, &d->iommu), 0);
	dc.mmio_ctx = d->iommu;
	dc.mem_ctx = d->t.pm;
	cr_assert_eq(genpt_rvdrv_create(&dc, &d->drv), 0);
	dom.stage = d->gstage ? GENPT_RVDRV_STAGE2 : GENPT_RVDRV_STAGE1;
	dom.id = 1;
	cr_assert_eq(genpt_rvdrv_attach(d->drv, DEV, d->t.pt, &dom), 0);
	if (tracking)
		cr_assert_eq(genpt_rvdrv_set_dirty_tracking(d->drv, d->t.pt, true), 0);
	d->nwin = d->gstage ? 1 : 2;
	d->win[0] = 0;
	d->win[1] = 0 - WIN; /* the top of the sign-extended space */
	for (unsigned int i = 0; i < d->nwin; i++) {
		d->expect[i] = calloc(WIN_WORDS, 8);
		cr_assert_not_null(d->expect[i]);
	}
	d->found = calloc(WIN_WORDS, 8);
	cr_assert_not_null(d->found);
}

static void diff_fini(struct diff *d)
{
	uint64_t unmapped;

	cr_assert_eq(genpt_rvdrv_detach(d->drv, DEV), 0);
	for (unsigned int i = 0; i < d->nwin; i++) {
		cr_assert_eq(genpt_rvdrv_unmap(d->drv, d->t.pt, d->win[i], WIN, &unmapped), 0);
		free(d->expect[i]);
	}
	free(d->found);
	genpt_rvdrv_destroy(d->drv);
	genpt_rviommu_destroy(d->iommu);
	model_fini(&d->m);
	tu_table_fini(&d->t);
}

static uint64_t rnd(struct diff *d, uint64_t n)
{
	return rvi_rand(&d->seed) % n;
}

/* One random map (or unmap), the engine through the driver against the
 * oracle. */
static void diff_edit(struct diff *d)
{
	static const uint64_t units[] = { 1ull << 12, 1ull << 16, 1ull << 21, 1ull << 30 };
	unsigned int w = (unsigned int)rnd(d, d->nwin), u = (unsigned int)rnd(d, 16);
	uint64_t unit = units[u < 8 ? 0 : u < 12 ? 1 : u < 15 ? 2 : 3];
	uint64_t n = unit == (1ull << 30) ? 1 : 1 + rnd(d, 8);
	uint64_t len = unit * n;
	uint64_t iova = d->win[w] + rnd(d, (WIN - len) / unit + 1) * unit;
	uint64_t oa = rnd(d, (1ull << 40) / unit) * unit;
	unsigned int prot = GENPT_READ;
	int want, got;

	if (rnd(d, 4) == 0) { /* break the alignment: smaller leaves */
		oa += 4096;
	}
	if (rnd(d, 5) == 0) {
		uint64_t unmapped = 0, um = 0;

		want = model_unmap(&d->m, iova, len, &um);
		got = genpt_rvdrv_unmap(d->drv, d->t.pt, iova, len, &unmapped);
		cr_assert_eq(got, want, "unmap [0x%llx, +0x%llx)", (unsigned long long)iova,
			     (unsigned long long)len);
		if (!got)
			cr_assert_eq(unmapped, um);
		return;
	}
	if (rnd(d, 3))
		prot |= GENPT_WRITE;
	if (rnd(d, 2))
		prot |= GENPT_NOEXEC;
	if (rnd(d, 2))
		prot |= GENPT_CACHE;
	else if (rnd(d, 3) == 0)
		prot |= GENPT_MMIO;
	want = model_map(&d->m, iova, oa, len, prot);
	got = genpt_rvdrv_map(d->drv, d->t.pt, iova, oa, len, prot);
	cr_assert_eq(got, want, "map [0x%llx, +0x%llx) -> 0x%llx", (unsigned long long)iova,
		     (unsigned long long)len, (unsigned long long)oa);
}

static unsigned int page_fault_cause(const struct diff *d, unsigned int acc)
{
	if (d->gstage)
		return acc == GENPT_ACCESS_EXEC ? RVI_C_INST_GPAGE :
		       acc == GENPT_ACCESS_WRITE ? RVI_C_WRITE_GPAGE : RVI_C_READ_GPAGE;
	return acc == GENPT_ACCESS_EXEC ? RVI_C_INST_PAGE :
	       acc == GENPT_ACCESS_WRITE ? RVI_C_WRITE_PAGE : RVI_C_READ_PAGE;
}

static unsigned int expected_pbmt(unsigned int prot)
{
	return (prot & GENPT_MMIO) ? 2 : (prot & GENPT_CACHE) ? 0 : 1;
}

/* One access through both walkers, checked against the oracle. */
static void diff_probe(struct diff *d)
{
	unsigned int w = (unsigned int)rnd(d, d->nwin);
	unsigned int acc = 1 + (unsigned int)rnd(d, 3);
	struct genpt_rviommu_req req = { .device_id = DEV, .access = acc };
	struct genpt_rviommu_rsp rsp;
	const struct model_ext *x = NULL;
	uint64_t va, oa_hw = 0, oa_want = 0;
	bool ok, model_ran = true;
	int hw = 0;

	if (d->m.n && rnd(d, 10) < 7) {
		x = &d->m.e[rnd(d, d->m.n)];
		va = x->iova + rnd(d, x->last - x->iova + 1);
	} else {
		va = d->win[w] + rnd(d, WIN);
	}
	w = d->nwin == 2 && va >= d->win[1] ? 1 : 0;
	x = model_find(&d->m, va);
	ok = x && (acc != GENPT_ACCESS_WRITE || (x->prot & GENPT_WRITE)) &&
	     (acc != GENPT_ACCESS_EXEC || !(x->prot & GENPT_NOEXEC));
	if (x)
		oa_want = x->oa + (va - x->iova);
	req.iova = va;

	/* Reads and fetches go through both walkers, alternating who goes
	 * first (A side effects must not matter).  A write goes through one
	 * of them only, alternating, so each must set D by itself for the
	 * harvest to match. */
	if (acc == GENPT_ACCESS_WRITE) {
		if (d->probes & 1) {
			model_ran = false;
			hw = genpt_hw_access(d->t.pt, va, acc, &oa_hw);
			rsp = (struct genpt_rviommu_rsp){ .cause = ok ? 0 : page_fault_cause(d, acc),
							  .pa = oa_want, .page_shift = 12 };
			if (ok && d->pbmt)
				rsp.pbmt = expected_pbmt(x->prot);
			if (ok) {
				uint64_t first;

				model_leaf_at(&d->m, va, &first, &rsp.page_shift);
			}
		} else {
			cr_assert_eq(genpt_rviommu_translate(d->iommu, &req, &rsp), 0);
			hw = rsp.cause ? -EACCES : 0;
			oa_hw = rsp.pa;
		}
	} else {
		if (d->probes & 1)
			hw = genpt_hw_access(d->t.pt, va, acc, &oa_hw);
		cr_assert_eq(genpt_rviommu_translate(d->iommu, &req, &rsp), 0);
		if (!(d->probes & 1))
			hw = genpt_hw_access(d->t.pt, va, acc, &oa_hw);
	}
	d->probes++;

	if (ok) {
		cr_assert_eq(hw, 0, "hw_access 0x%llx acc %u: %d", (unsigned long long)va, acc, hw);
		cr_assert_eq(rsp.cause, 0, "model 0x%llx acc %u: cause %u",
			     (unsigned long long)va, acc, rsp.cause);
		cr_assert_eq(oa_hw, oa_want);
		cr_assert_eq(rsp.pa, oa_want, "model pa 0x%llx, want 0x%llx",
			     (unsigned long long)rsp.pa, (unsigned long long)oa_want);
		if (d->pbmt)
			cr_assert_eq(rsp.pbmt, expected_pbmt(x->prot));
		if (acc == GENPT_ACCESS_WRITE) {
			uint64_t first;
			unsigned int shift;

			cr_assert(model_leaf_at(&d->m, va, &first, &shift));
			cr_assert_eq(rsp.page_shift, shift, "translation size = leaf size");
			for (uint64_t p = first; p < first + (1ull << shift); p += 4096) {
				uint64_t i = (p - d->win[w]) >> 12;

				d->expect[w][i / 64] |= 1ull << (i % 64);
			}
			d->writes++;
		}
	} else {
		struct genpt_rviommu_fault f;

		cr_assert(hw == -ENOENT || hw == -EACCES, "hw_access 0x%llx: %d",
			  (unsigned long long)va, hw);
		cr_assert_eq(rsp.cause, page_fault_cause(d, acc), "model 0x%llx acc %u: cause %u",
			     (unsigned long long)va, acc, rsp.cause);
		if (model_ran) {
			cr_assert_eq(genpt_rvdrv_poll_faults(d->drv, &f, 1, NULL), 1);
			cr_assert_eq(f.cause, rsp.cause);
			cr_assert_eq(f.did, DEV);
			cr_assert_eq(f.iotval, va);
			cr_assert_eq(f.iotval2, d->gstage ? va & ~3ull : 0);
		}
		d->faults++;
	}
}

static void diff_harvest(struct diff *d)
{
	for (unsigned int w = 0; w < d->nwin; w++) {
		struct genpt_dirty_bitmap bm = { .bits = d->found, .iova = d->win[w],
						 .length = WIN, .page_shift = 12 };

		memset(d->found, 0, WIN_WORDS * 8);
		cr_assert_eq(genpt_rvdrv_read_and_clear_dirty(d->drv, d->t.pt, d->win[w], WIN, 0,
							      &bm), 0);
		if (d->tracking) {
			cr_assert_eq(memcmp(d->found, d->expect[w], WIN_WORDS * 8), 0,
				     "%s window %u: harvest differs", d->t.mode->name, w);
			memset(d->expect[w], 0, WIN_WORDS * 8);
		}
	}
}

static void diff_run(int mode)
{
	for (int tracking = 0; tracking <= 1; tracking++) {
		struct diff d;

		diff_init(&d, mode, tracking, mode % 2 == tracking, 0x1234 + (uint64_t)mode * 7 + (uint64_t)tracking);
		for (unsigned int round = 0; round < 6; round++) {
			for (unsigned int i = 0; i < 12; i++)
				diff_edit(&d);
			for (unsigned int i = 0; i < 250; i++)
				diff_probe(&d);
			diff_harvest(&d);
		}
		cr_assert_gt(d.writes, 0);
		cr_assert_gt(d.faults, 0);
		diff_fini(&d);
	}
}

Test(rviommu_diff, sv39) { diff_run(TU_SV39); }
Test(rviommu_diff, sv48) { diff_run(TU_SV48); }
Test(rviommu_diff, sv57) { diff_run(TU_SV57); }
Test(rviommu_diff, sv39x4) { diff_run(TU_SV39X4); }
Test(rviommu_diff, sv48x4) { diff_run(TU_SV48X4); }
Test(rviommu_diff, sv57x4) { diff_run(TU_SV57X4); }
