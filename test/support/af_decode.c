// SPDX-License-Identifier: MIT
/*
 * af_decode.c - each format's raw decoder and exact entry bits for
 * struct af_format (anyfmt.h).  They reuse the family walks of testutil.h,
 * armv8_util.h and x86_util.h, which decode the entries from the manuals
 * on their own (neither lib/fmt nor lib/hw), through a family table view
 * of the af_table.
 */
#include "anyfmt.h"
#include "armv8_util.h"
#include "testutil.h"
#include "x86_suite.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>

#define ULL(x) ((unsigned long long)(x))

/* ---- RISC-V -------------------------------------------------------------- */

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

/* Privileged spec: V R W X U A D; PBMT [62:61] 1 NC, 2 IO; N [63] with
 * PPN[3:0] = 0b1000 for a 64 KiB NAPOT run.  W without R is reserved:
 * write-only maps read-write.  genpt sets U and A on every leaf. */
void af_rv_bits(const struct af_table *t, const struct af_leaf *lf,
		unsigned int prot, const char *what)
{
	uint64_t want = TU_PTE_V | TU_PTE_R | TU_PTE_U | TU_PTE_A;
	const uint64_t *p = af_ptr(t, lf->first_pte_pa);

	if (prot & GENPT_WRITE)
		want |= TU_PTE_W;
	if (!(prot & GENPT_NOEXEC))
		want |= TU_PTE_X;
	if (t->features & GENPT_FEAT_RISCV_SVPBMT)
		want |= (prot & GENPT_MMIO) ? 2ull << 61 : (prot & GENPT_CACHE) ? 0 : 1ull << 61;
	if (lf->run > 1)
		want |= TU_PTE_N | ((lf->page_oa >> 12) | 8) << 10;
	else
		want |= (lf->page_oa >> 12) << 10;
	for (unsigned int i = 0; i < lf->run; i++) {
		uint64_t got = __atomic_load_n(&p[i], __ATOMIC_RELAXED);

		cr_assert_eq(got & ~TU_PTE_D, want,
			     "%s: %s: leaf at 0x%llx (2^%u) entry %u: 0x%016llx, want 0x%016llx (D aside)",
			     t->c->name, what, ULL(lf->first), lf->shift, i, ULL(got), ULL(want));
	}
}

/* ---- ARMv8 ---------------------------------------------------------------- */

static void af_arm_view(const struct af_table *t, struct arm_mode *m,
			struct arm_table *at)
{
	const struct af_cfg *c = t->c;

	*m = (struct arm_mode){ c->name, c->cfg.granule_bits, c->cfg.va_bits,
				!!(t->features & GENPT_FEAT_ARMV8_S2), c->levels,
				c->start_level, c->concat };
	*at = (struct arm_table){ .pm = t->prov.pm, .pt = t->pt, .mode = m,
				  .features = t->features, .info = t->info,
				  .root_pa = t->info.root_pa,
				  .root_size = t->info.root_size };
	snprintf(at->name, sizeof(at->name), "%s", c->name);
}

int af_arm_lookup(const struct af_table *t, uint64_t va, struct af_leaf *out)
{
	struct arm_mode m;
	struct arm_table at;
	struct arm_leaf lf;
	uint64_t e;
	bool dbm;
	int err;

	af_arm_view(t, &m, &at);
	err = arm_lookup(&at, va, &lf);
	if (err)
		return err;
	e = lf.desc;
	dbm = e & ARM_D_DBM;
	*out = (struct af_leaf){
		.level = lf.level, .shift = lf.shift, .run = 1u << lf.run,
		.first = lf.first, .oa = lf.oa, .pte = e, .pte_pa = lf.desc_pa,
		.accessed = e & ARM_D_AF,
	};
	if (m.stage2) {
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

/* Every member of a contiguous run: the attributes arm_expect_prot()
 * checks, the contiguous bit as the run says, its own output address. */
void af_arm_bits(const struct af_table *t, const struct af_leaf *lf,
		 unsigned int prot, const char *what)
{
	unsigned int lsh = af_lvl_shift(t->c, lf->level);
	const uint64_t *p = af_ptr(t, lf->first_pte_pa);
	struct arm_mode m;
	struct arm_table at;

	af_arm_view(t, &m, &at);
	for (unsigned int i = 0; i < lf->run; i++) {
		uint64_t e = __atomic_load_n(&p[i], __ATOMIC_RELAXED);
		uint64_t want_oa = lf->page_oa + ((uint64_t)i << lsh);

		arm_expect_prot(&at, e, prot, what);
		cr_assert_eq(!!(e & ARM_D_CONT), lf->run > 1,
			     "%s: %s: member %u of a run of %u: 0x%016llx", t->c->name,
			     what, i, lf->run, ULL(e));
		cr_assert_eq(ARM_D_ADDR(e, lsh), want_oa,
			     "%s: %s: member %u of a run of %u maps 0x%llx, want 0x%llx",
			     t->c->name, what, i, lf->run, ULL(ARM_D_ADDR(e, lsh)),
			     ULL(want_oa));
	}
}

/* ---- the x86 formats ------------------------------------------------------ */

static void af_xu_view(const struct af_table *t, struct xu_mode *m,
		       struct xu_table *xt)
{
	const struct af_cfg *c = t->c;
	enum xu_family fam = c->fmt->fam == AF_X86_64 ? XU_FAM_X86_64 :
			     c->fmt->fam == AF_VTDSS ? XU_FAM_VTDSS : XU_FAM_AMDV1;

	*m = (struct xu_mode){ c->name, c->cfg.format, fam, c->cfg.va_bits,
			       c->levels, c->hw_mode, c->sign_extend };
	*xt = (struct xu_table){ .pm = t->prov.pm, .pt = t->pt, .mode = m,
				 .features = t->features, .root_pa = t->info.root_pa,
				 .root_size = t->info.root_size };
}

int af_x86_lookup(const struct af_table *t, uint64_t va, struct af_leaf *out)
{
	struct xu_mode m;
	struct xu_table xt;
	struct xu_leaf lf;
	int err;

	af_xu_view(t, &m, &xt);
	err = xu_lookup(&xt, va, &lf);
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

/* Every replica equals xs_leaf_bits(), D aside. */
void af_x86_bits(const struct af_table *t, const struct af_leaf *lf,
		 unsigned int prot, const char *what)
{
	const uint64_t *p = af_ptr(t, lf->first_pte_pa);
	struct xu_mode m;
	struct xu_table xt;
	uint64_t d, want;

	af_xu_view(t, &m, &xt);
	d = xu_dirty_bit(&xt);
	want = xs_leaf_bits(&xt, lf->shift, lf->page_oa, prot, false) & ~d;
	for (unsigned int i = 0; i < lf->run; i++) {
		uint64_t got = __atomic_load_n(&p[i], __ATOMIC_RELAXED);

		cr_assert_eq(got & ~d, want,
			     "%s: %s: page 0x%llx (2^%u) entry %u of %u: 0x%016llx, want 0x%016llx (D aside)",
			     t->c->name, what, ULL(lf->first), lf->shift, i, lf->run,
			     ULL(got), ULL(want));
	}
}
