// SPDX-License-Identifier: MIT
/*
 * af_decode.c - the raw walk and exact entry bits of struct af_format
 * (anyfmt.h).  The walk is one for every format: it decodes each entry
 * with rawfmt_decode() (rawfmt.h, THE raw decoder, written from the
 * manuals), so a format's encoding is read in one place.  The exact bits
 * are written out here, from the manuals.
 */
#include "anyfmt.h"
#include "rawfmt.h"
#include "rvi_util.h"
#include "testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>

#define ULL(x) ((unsigned long long)(x))

/* ---- the walk, every format ---------------------------------------------- */

/* Fill @out from the leaf entry @d at level @lvl met for @va. */
static void leaf_of(const struct rawfmt *rf, const struct rawfmt_ent *d, unsigned int lvl,
		    uint64_t va, uint64_t e, uint64_t pa, struct af_leaf *out)
{
	uint64_t run_mask = (1ull << d->page_shift) - 1;
	uint64_t ent_mask = (1ull << rf->shift[lvl]) - 1;

	*out = (struct af_leaf){
		.level = lvl, .shift = d->page_shift, .run = 1u << d->run_log2,
		.first = va & ~run_mask, .pte = e, .pte_pa = pa,
		.r = d->r, .w = d->w, .x = d->x,
		.accessed = d->accessed, .dirty = d->dirty,
	};
	/* a replicated run's members hold the run's start, a contiguous
	 * run's each its own page */
	out->oa = d->replicated ? d->oa + (va & run_mask) : d->oa + (va & ent_mask);
}

/*
 * The lookup reports where a leaf maps, its accessed and dirty state aside
 * (the dirty suites clear A on purpose to watch hardware set it again): a
 * leaf the decoder refuses only for a clear accessed flag decodes as the
 * leaf it is.  Anything else it refuses stays refused.
 */
static struct rawfmt_ent decode_a_aside(const struct rawfmt *rf, unsigned int lvl,
					uint64_t e)
{
	struct rawfmt_ent d = rawfmt_decode(rf, lvl, e);
	uint64_t a = rawfmt_hw_bits(rf) & ~rawfmt_dirty_bits(rf);
	struct rawfmt_ent with_a;

	if (d.kind != RAWFMT_BAD || (e & a) == a)
		return d;
	with_a = rawfmt_decode(rf, lvl, e | a);
	if (with_a.kind != RAWFMT_LEAF)
		return d;
	with_a.accessed = false; /* as the entry is, not as decoded */
	return with_a;
}

/* 0 and *@out for a leaf; -ENOENT at an empty entry; -EFAULT at an entry
 * genpt must never write; -ERANGE outside the input space. */
static int raw_lookup(const struct af_table *t, uint64_t va, struct af_leaf *out)
{
	struct genpt_config cfg = t->c->cfg;
	struct rawfmt rf;
	uint64_t table = t->info.root_pa;

	cfg.features = t->features;
	cr_assert_eq(rawfmt_init(&rf, &cfg), 0, "%s: rawfmt_init", t->c->name);
	if (!af_va_valid(t->c, va))
		return -ERANGE;
	for (unsigned int lvl = rf.levels; lvl-- > 0;) {
		uint64_t idx = va >> rf.shift[lvl] & ((1ull << rf.tbits[lvl]) - 1);
		uint64_t pa = table + 8 * idx;
		uint64_t e = __atomic_load_n(af_ptr(t, pa), __ATOMIC_RELAXED);
		struct rawfmt_ent d = decode_a_aside(&rf, lvl, e);

		switch (d.kind) {
		case RAWFMT_EMPTY:
			return -ENOENT;
		case RAWFMT_TABLE:
			table = d.oa;
			continue;
		case RAWFMT_LEAF:
			leaf_of(&rf, &d, lvl, va, e, pa, out);
			return 0;
		default:
			cr_log_error("%s: va 0x%llx level %u entry 0x%016llx: %s", t->c->name,
				     ULL(va), lvl, ULL(e), d.why);
			return -EFAULT;
		}
	}
	return -EFAULT; /* a table pointer at level 0 */
}

/* The entry genpt writes for member @i of @lf with @prot; *@aside: the
 * bits hardware and dirty tracking may change. */
typedef uint64_t (*literal_fn)(const struct af_table *t, const struct af_leaf *lf,
			       unsigned int i, unsigned int prot, uint64_t *aside);

/* Every member of @lf (a run's each) holds its literal, the bits aside;
 * the message names the bits that differ. */
static void expect_members(const struct af_table *t, const struct af_leaf *lf,
			   unsigned int prot, const char *what, literal_fn literal)
{
	const uint64_t *p = af_ptr(t, lf->first_pte_pa);

	for (unsigned int i = 0; i < lf->run; i++) {
		uint64_t aside, want = literal(t, lf, i, prot, &aside);
		uint64_t got = __atomic_load_n(&p[i], __ATOMIC_RELAXED);

		cr_assert_eq((got & ~aside) ^ want, 0,
			     "%s: %s: leaf at 0x%llx (2^%u) entry %u of %u: 0x%016llx, want "
			     "0x%016llx (dirty aside): bits 0x%016llx differ",
			     t->c->name, what, ULL(lf->first), lf->shift, i, lf->run, ULL(got),
			     ULL(want), ULL((got & ~aside) ^ want));
	}
}

/* ---- RISC-V -------------------------------------------------------------- */

int af_rv_lookup(const struct af_table *t, uint64_t va, struct af_leaf *out)
{
	return raw_lookup(t, va, out);
}

/* Privileged spec: V R W X U A D; PBMT [62:61] 1 NC, 2 IO; N [63] with
 * PPN[3:0] = 0b1000 for a 64 KiB NAPOT run.  W without R is reserved:
 * write-only maps read-write.  genpt sets U and A on every leaf. */
static uint64_t rv_literal(const struct af_table *t, const struct af_leaf *lf,
			   unsigned int i, unsigned int prot, uint64_t *aside)
{
	uint64_t want = RVI_V | RVI_R | RVI_U | RVI_A;

	(void)i; /* a NAPOT run's members are alike */
	if (prot & GENPT_WRITE)
		want |= RVI_W;
	if (!(prot & GENPT_NOEXEC))
		want |= RVI_X;
	if (t->features & GENPT_FEAT_RISCV_SVPBMT)
		want |= (prot & GENPT_MMIO) ? RVI_PBMT(2) : (prot & GENPT_CACHE) ? 0 : RVI_PBMT(1);
	if (lf->run > 1)
		want |= RVI_N | ((lf->page_oa >> 12) | 8) << 10;
	else
		want |= (lf->page_oa >> 12) << 10;
	*aside = RVI_D;
	return want;
}

void af_rv_bits(const struct af_table *t, const struct af_leaf *lf,
		unsigned int prot, const char *what)
{
	expect_members(t, lf, prot, what, rv_literal);
}

/* ---- ARMv8 ---------------------------------------------------------------- */

/* Descriptor bits (Arm ARM, VMSAv8-64 descriptor formats). */
#define ARM_D_AP1 (1ull << 6)
#define ARM_D_AP2 (1ull << 7)
#define ARM_D_S2AP_R (1ull << 6)
#define ARM_D_S2AP_W (1ull << 7)
#define ARM_D_AF (1ull << 10)
#define ARM_D_NG (1ull << 11)
#define ARM_D_DBM (1ull << 51)
#define ARM_D_CONT (1ull << 52)
#define ARM_D_PXN (1ull << 53)
#define ARM_D_UXN (1ull << 54)

int af_arm_lookup(const struct af_table *t, uint64_t va, struct af_leaf *out)
{
	return raw_lookup(t, va, out);
}

/*
 * The whole descriptor genpt writes for member @i of @lf with @prot, from
 * the Arm ARM: page (0b11) or block (0b01), AF, inner shareable; stage 1
 * AP[1] (EL0) and nG, AttrIndx 2 MMIO / 1 cache / 0, AP[2] read-only,
 * UXN and PXN; stage 2 MemAttr 0b0001 MMIO / 0b1111 cache / 0b0101,
 * S2AP[0] read, S2AP[1] write, XN 0b10; DBM on writable leaves with
 * DBM; the contiguous bit on runs.  *@aside: the bit that is the dirty
 * state under DBM (AP[2] / S2AP[1]), which dirty tracking changes.
 */
static uint64_t arm_literal(const struct af_table *t, const struct af_leaf *lf,
			    unsigned int i, unsigned int prot, uint64_t *aside)
{
	bool s2 = t->features & GENPT_FEAT_ARMV8_S2, dbm = t->features & GENPT_FEAT_ARMV8_DBM;
	bool w = prot & GENPT_WRITE;
	uint64_t e = lf->page_oa + ((uint64_t)i << af_lvl_shift(t->c, lf->level));

	e |= (lf->level ? 1ull : 3ull) | ARM_D_AF | 3ull << 8;
	if (!s2) {
		e |= ARM_D_AP1 | ARM_D_NG;
		e |= ((prot & GENPT_MMIO) ? 2ull : (prot & GENPT_CACHE) ? 1ull : 0ull) << 2;
		e |= w ? 0 : ARM_D_AP2;
		e |= (prot & GENPT_NOEXEC) ? ARM_D_UXN | ARM_D_PXN : 0;
		*aside = w && dbm ? ARM_D_AP2 : 0;
	} else {
		e |= ((prot & GENPT_MMIO) ? 1ull : (prot & GENPT_CACHE) ? 0xfull : 5ull) << 2;
		e |= (prot & GENPT_READ) ? ARM_D_S2AP_R : 0;
		e |= w ? ARM_D_S2AP_W : 0;
		e |= (prot & GENPT_NOEXEC) ? 2ull << 53 : 0;
		*aside = w && dbm ? ARM_D_S2AP_W : 0;
	}
	e |= w && dbm ? ARM_D_DBM : 0;
	e |= lf->run > 1 ? ARM_D_CONT : 0;
	return e & ~*aside;
}

/* Every member of a contiguous run: the whole descriptor, its own output
 * address and the contiguous bit included. */
void af_arm_bits(const struct af_table *t, const struct af_leaf *lf,
		 unsigned int prot, const char *what)
{
	expect_members(t, lf, prot, what, arm_literal);
}

/* ---- the x86 formats ------------------------------------------------------ */

/*
 * From the manuals: x86-64 P 0, RW 1, US 2, PWT 3, PCD 4, A 5, D 6, PS 7,
 * XD 63; VT-d SS R 0, W 1, PS 7, A 8, D 9, SNP 11; AMD v1 PR 0, A 5, D 6,
 * NextLevel 11:9, FC 60, IR 61, IW 62.  The entry genpt writes for a
 * page of 2^@shift bytes at @page_oa with @prot (every replica of an AMD
 * v1 run the same), A set, D clear; *@d: the D bit.
 */
static uint64_t x86_leaf_bits(const struct af_table *t, unsigned int shift,
			      uint64_t page_oa, unsigned int prot, uint64_t *d)
{
	unsigned int lvl = (shift - 12) / 9;
	bool w = prot & GENPT_WRITE, r = prot & GENPT_READ;
	bool coherent = (prot & GENPT_CACHE) && !(prot & GENPT_MMIO);
	uint64_t e = page_oa;

	switch (t->c->fmt->fam) {
	case AF_X86_64:
		e |= 1ull << 0 | 1ull << 2 | 1ull << 5 | (w ? 1ull << 1 : 0);
		e |= (prot & GENPT_NOEXEC) ? 1ull << 63 : 0;
		e |= (prot & GENPT_MMIO) ? 1ull << 3 | 1ull << 4 : 0;
		e |= lvl ? 1ull << 7 : 0;
		*d = 1ull << 6;
		break;
	case AF_VTDSS:
		e |= 1ull << 8 | (r ? 1ull << 0 : 0) | (w ? 1ull << 1 : 0);
		e |= lvl ? 1ull << 7 : 0;
		e |= (t->features & GENPT_FEAT_VTDSS_SNP) && coherent ? 1ull << 11 : 0;
		*d = 1ull << 9;
		break;
	default: /* AMD v1 */
		e |= 1ull << 0 | 1ull << 5;
		if (shift != 12 + 9 * lvl) /* NextLevel 7: ones code the size */
			e |= 7ull << 9 | ((1ull << (shift - 1)) - (1ull << 12));
		e |= (r ? 1ull << 61 : 0) | (w ? 1ull << 62 : 0) | (coherent ? 1ull << 60 : 0);
		*d = 1ull << 6;
		break;
	}
	return e;
}

int af_x86_lookup(const struct af_table *t, uint64_t va, struct af_leaf *out)
{
	return raw_lookup(t, va, out);
}

/* Every replica of an AMD v1 run is the same entry. */
static uint64_t x86_literal(const struct af_table *t, const struct af_leaf *lf,
			    unsigned int i, unsigned int prot, uint64_t *aside)
{
	(void)i;
	return x86_leaf_bits(t, lf->shift, lf->page_oa, prot, aside);
}

void af_x86_bits(const struct af_table *t, const struct af_leaf *lf,
		 unsigned int prot, const char *what)
{
	expect_members(t, lf, prot, what, x86_literal);
}
