// SPDX-License-Identifier: MIT
/*
 * af_table.c - a table of any configuration of af_all[] and its raw walk
 * (see anyfmt.h).  The raw walk goes through the format's decoder
 * (af_format.lookup); until every format has one decoder shared with the
 * fuzzers, these adapters reuse the family walks of testutil.h,
 * armv8_util.h and x86_util.h, which decode from the manuals on their own.
 */
#include "anyfmt.h"
#include "armv8_util.h"
#include "testutil.h"
#include "x86_util.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#define AF_TABLE_PM (64ull << 30)

void af_table_init(struct af_table *t, const struct af_cfg *c,
		   uint64_t extra_features, uint64_t pm_size)
{
	struct genpt_config cfg = c->cfg;
	int err;

	memset(t, 0, sizeof(*t));
	t->c = c;
	t->features = cfg.features | extra_features;
	af_prov_init_pm(&t->prov, pm_size ? pm_size : AF_TABLE_PM);
	cfg.features = t->features;
	cfg.mem = &af_prov_ops;
	cfg.mem_ctx = &t->prov;
	err = genpt_create(&cfg, &t->pt);
	cr_assert_eq(err, 0, "%s: genpt_create: %d", c->name, err);
	err = genpt_hw_info(t->pt, &t->info);
	cr_assert_eq(err, 0, "%s: genpt_hw_info: %d", c->name, err);
	cr_assert(t->info.levels == c->levels && t->info.mode == c->hw_mode &&
		  t->info.root_size == c->root_size,
		  "%s: hw_info levels %u mode %u root %llu bytes; the manual says %u, %u, %llu",
		  c->name, t->info.levels, t->info.mode,
		  (unsigned long long)t->info.root_size, c->levels, c->hw_mode,
		  (unsigned long long)c->root_size);
}

void af_table_fini(struct af_table *t)
{
	genpt_destroy(t->pt);
	t->pt = NULL;
	af_prov_fini(&t->prov);
}

int af_lookup(const struct af_table *t, uint64_t va, struct af_leaf *out)
{
	memset(out, 0, sizeof(*out));
	return t->c->fmt->lookup(t, va, out);
}

uint64_t af_table_bytes(const struct af_table *t)
{
	uint64_t b = 0;
	int err = genpt_table_bytes(t->pt, &b);

	cr_assert_eq(err, 0, "%s: genpt_table_bytes: %d", t->c->name, err);
	return b;
}

uint64_t *af_ptr(const struct af_table *t, uint64_t pa)
{
	uint64_t *p = genpt_physmem_ptr(t->prov.pm, pa);

	cr_assert_not_null(p, "%s: pa 0x%llx not backed", t->c->name,
			   (unsigned long long)pa);
	return p;
}

/* ---- adapters to the family walks ------------------------------------- */

int af_rv_lookup(const struct af_table *t, uint64_t va, struct af_leaf *out)
{
	const struct af_cfg *c = t->c;
	struct tu_mode m = { c->name, c->cfg.va_bits, c->levels,
			     !!(t->features & GENPT_FEAT_RISCV_GSTAGE) };
	struct tu_table tt = { .pm = t->prov.pm, .pt = t->pt, .mode = &m,
			       .features = t->features, .root_pa = t->info.root_pa,
			       .root_size = t->info.root_size };
	struct tu_leaf lf;
	int err = tu_lookup(&tt, va, &lf);

	if (err)
		return err;
	*out = (struct af_leaf){
		.level = lf.level, .shift = lf.shift,
		.run = 1u << (lf.shift - (12 + 9 * lf.level)), .first = lf.first,
		.oa = lf.oa, .pte = lf.pte, .pte_pa = lf.pte_pa,
		.r = lf.pte & TU_PTE_R, .w = lf.pte & TU_PTE_W, .x = lf.pte & TU_PTE_X,
		.accessed = lf.pte & TU_PTE_A, .dirty = lf.pte & TU_PTE_D,
	};
	return 0;
}

int af_arm_lookup(const struct af_table *t, uint64_t va, struct af_leaf *out)
{
	const struct af_cfg *c = t->c;
	bool s2 = t->features & GENPT_FEAT_ARMV8_S2;
	struct arm_mode m = { c->name, c->cfg.granule_bits, c->cfg.va_bits, s2,
			      c->levels, c->start_level, c->concat };
	struct arm_table at = { .pm = t->prov.pm, .pt = t->pt, .mode = &m,
				.features = t->features, .info = t->info,
				.root_pa = t->info.root_pa,
				.root_size = t->info.root_size };
	struct arm_leaf lf;
	uint64_t e;
	bool dbm;
	int err = arm_lookup(&at, va, &lf);

	if (err)
		return err;
	e = lf.desc;
	dbm = e & ARM_D_DBM;
	*out = (struct af_leaf){
		.level = lf.level, .shift = lf.shift, .run = 1u << lf.run,
		.first = lf.first, .oa = lf.oa, .pte = e, .pte_pa = lf.desc_pa,
		.accessed = e & ARM_D_AF,
	};
	if (s2) {
		out->r = e & ARM_D_S2AP_R;
		out->w = (e & ARM_D_S2AP_W) || dbm;
		out->x = ARM_D_S2XN(e) == 0; /* XN[1:0] 0b00: both ELs execute */
		out->dirty = dbm && (e & ARM_D_S2AP_W);
	} else {
		out->r = true;
		out->w = !(e & ARM_D_AP2) || dbm;
		out->x = !(e & (ARM_D_UXN | ARM_D_PXN));
		out->dirty = dbm && !(e & ARM_D_AP2);
	}
	return 0;
}

int af_x86_lookup(const struct af_table *t, uint64_t va, struct af_leaf *out)
{
	const struct af_cfg *c = t->c;
	enum xu_family fam = c->fmt->fam == AF_X86_64 ? XU_FAM_X86_64 :
			     c->fmt->fam == AF_VTDSS ? XU_FAM_VTDSS : XU_FAM_AMDV1;
	struct xu_mode m = { c->name, c->cfg.format, fam, c->cfg.va_bits,
			     c->levels, c->hw_mode, c->sign_extend };
	struct xu_table xt = { .pm = t->prov.pm, .pt = t->pt, .mode = &m,
			       .features = t->features, .root_pa = t->info.root_pa,
			       .root_size = t->info.root_size };
	struct xu_leaf lf;
	int err = xu_lookup(&xt, va, &lf);

	if (err)
		return err;
	*out = (struct af_leaf){
		.level = lf.level, .shift = lf.shift, .run = lf.nrep,
		.first = lf.first, .oa = lf.oa, .pte = lf.pte, .pte_pa = lf.pte_pa,
		.r = lf.r, .w = lf.w, .x = lf.x,
		.accessed = lf.accessed, .dirty = lf.dirty,
	};
	return 0;
}
