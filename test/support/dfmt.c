// SPDX-License-Identifier: MIT
/*
 * dfmt.c - see dfmt.h.
 */
#include "dfmt.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "x86_suite.h"

#define ULL(x) ((unsigned long long)(x))
#define ARM_FEAT (GENPT_FEAT_ARMV8_DBM | GENPT_FEAT_ARMV8_CONTIG)

const struct df_cfg df_cfgs[] = {
	{ "riscv/sv39", DF_RISCV, TU_SV39, NULL },
	{ "riscv/sv48", DF_RISCV, TU_SV48, NULL },
	{ "riscv/sv57", DF_RISCV, TU_SV57, NULL },
	{ "riscv/sv39x4", DF_RISCV, TU_SV39X4, NULL },
	{ "riscv/sv48x4", DF_RISCV, TU_SV48X4, NULL },
	{ "riscv/sv57x4", DF_RISCV, TU_SV57X4, NULL },
	{ "armv8/s1-4k-48", DF_ARM, 0, "s1-4k-48" },
	{ "armv8/s1-4k-39", DF_ARM, 0, "s1-4k-39" },
	{ "armv8/s1-4k-30", DF_ARM, 0, "s1-4k-30" },
	{ "armv8/s1-16k-48", DF_ARM, 0, "s1-16k-48" },
	{ "armv8/s1-16k-36", DF_ARM, 0, "s1-16k-36" },
	{ "armv8/s1-64k-48", DF_ARM, 0, "s1-64k-48" },
	{ "armv8/s1-64k-42", DF_ARM, 0, "s1-64k-42" },
	{ "armv8/s1-64k-25", DF_ARM, 0, "s1-64k-25" },
	{ "armv8/s2-4k-48", DF_ARM, 0, "s2-4k-48" },
	{ "armv8/s2-4k-40", DF_ARM, 0, "s2-4k-40" },
	{ "armv8/s2-4k-34", DF_ARM, 0, "s2-4k-34" },
	{ "armv8/s2-16k-48", DF_ARM, 0, "s2-16k-48" },
	{ "armv8/s2-16k-29", DF_ARM, 0, "s2-16k-29" },
	{ "armv8/s2-64k-48", DF_ARM, 0, "s2-64k-48" },
	{ "armv8/s2-64k-46", DF_ARM, 0, "s2-64k-46" },
	{ "x86-64/4", DF_X86, XU_X86_48, NULL },
	{ "x86-64/5", DF_X86, XU_X86_57, NULL },
	{ "vtdss/39", DF_X86, XU_VTD_39, NULL },
	{ "vtdss/48", DF_X86, XU_VTD_48, NULL },
	{ "vtdss/57", DF_X86, XU_VTD_57, NULL },
	{ "amdv1/mode1", DF_X86, XU_AMD_1, NULL },
	{ "amdv1/mode2", DF_X86, XU_AMD_2, NULL },
	{ "amdv1/mode3", DF_X86, XU_AMD_3, NULL },
	{ "amdv1/mode4", DF_X86, XU_AMD_4, NULL },
	{ "amdv1/mode5", DF_X86, XU_AMD_5, NULL },
	{ "amdv1/mode6", DF_X86, XU_AMD_6, NULL },
};
const unsigned int df_ncfgs = sizeof(df_cfgs) / sizeof(df_cfgs[0]);

const struct df_cfg *df_cfg_named(const char *name)
{
	for (unsigned int i = 0; i < df_ncfgs; i++)
		if (!strcmp(df_cfgs[i].name, name))
			return &df_cfgs[i];
	cr_assert_fail("no configuration %s", name);
	return NULL;
}

void df_init(struct df_table *t, const struct df_cfg *c, uint64_t pm_size)
{
	memset(t, 0, sizeof(*t));
	t->c = c;
	t->name = c->name;
	switch (c->fam) {
	case DF_RISCV:
		tu_table_init(&t->u.rv, c->mode, GENPT_FEAT_RISCV_SVNAPOT, pm_size);
		t->pt = t->u.rv.pt;
		break;
	case DF_ARM:
		arm_table_init(&t->u.arm, arm_mode_named(c->arm), ARM_FEAT, pm_size);
		t->pt = t->u.arm.pt;
		break;
	case DF_X86:
		xu_table_init(&t->u.x86, c->mode, 0, pm_size);
		t->pt = t->u.x86.pt;
		break;
	}
	cr_assert_eq(genpt_query_caps(NULL, t->pt, &t->caps), 0, "%s: caps", t->name);
	cr_assert(t->caps.dirty, "%s: no dirty state", t->name);
	cr_assert_eq(genpt_dirty_tracking(t->pt), 0, "%s: dirty tracking starts off", t->name);
}

void df_fini(struct df_table *t)
{
	switch (t->c->fam) {
	case DF_RISCV:
		tu_table_fini(&t->u.rv);
		break;
	case DF_ARM:
		arm_table_fini(&t->u.arm);
		break;
	case DF_X86:
		xu_table_fini(&t->u.x86);
		break;
	}
}

/* ---- geometry ------------------------------------------------------- */

uint64_t df_gran(const struct df_table *t)
{
	return 1ull << t->caps.granule_bits;
}

unsigned int df_shifts(const struct df_table *t, unsigned int *shifts)
{
	unsigned int n = 0;

	for (int s = 63; s >= 0; s--)
		if ((t->caps.page_sizes >> s) & 1)
			shifts[n++] = (unsigned int)s;
	return n;
}

bool df_sign_extend(const struct df_table *t)
{
	switch (t->c->fam) {
	case DF_RISCV:
		return !t->u.rv.mode->gstage;
	case DF_X86:
		return t->u.x86.mode->sign_extend;
	default:
		return false;
	}
}

uint64_t df_half(const struct df_table *t)
{
	unsigned int bits = t->caps.va_bits - (df_sign_extend(t) ? 1 : 0);

	return bits < 64 ? 1ull << bits : 0;
}

/* The entries of a leaf are those of the level that holds its size. */
uint64_t df_entry_size(const struct df_table *t, uint64_t size)
{
	unsigned int g = t->caps.granule_bits;

	for (unsigned int l = 0; l < t->caps.levels && l < GENPT_CAPS_LEVELS; l++)
		if (t->caps.level_sizes[l] & size)
			return 1ull << (g + l * (g - 3));
	cr_assert_fail("%s: no level holds leaves of %#llx", t->name, ULL(size));
	return 0;
}

unsigned int df_members(const struct df_table *t, uint64_t size)
{
	return (unsigned int)(size / df_entry_size(t, size));
}

/* ---- raw entries ---------------------------------------------------- */

uint64_t *df_slot(const struct df_table *t, uint64_t iova, uint64_t *size)
{
	switch (t->c->fam) {
	case DF_RISCV: {
		struct tu_leaf lf;

		if (tu_lookup(&t->u.rv, iova, &lf))
			return NULL;
		*size = 1ull << lf.shift;
		return tu_ptr(&t->u.rv, lf.pte_pa);
	}
	case DF_ARM: {
		struct arm_leaf lf;

		if (arm_lookup(&t->u.arm, iova, &lf))
			return NULL;
		*size = 1ull << lf.shift;
		return arm_ptr(&t->u.arm, lf.desc_pa);
	}
	default: {
		struct xu_leaf lf;

		if (xu_lookup(&t->u.x86, iova, &lf))
			return NULL;
		*size = 1ull << lf.shift;
		return xu_ptr(&t->u.x86, lf.pte_pa);
	}
	}
}

/* ARM: write-dirty is AP[2] clear (stage 1) or S2AP[1] set (stage 2). */
static bool arm_s2(const struct df_table *t)
{
	return t->u.arm.mode->stage2;
}

bool df_dirty(const struct df_table *t, uint64_t e)
{
	switch (t->c->fam) {
	case DF_RISCV:
		return e & TU_PTE_D;
	case DF_ARM:
		return arm_s2(t) ? (e & ARM_D_S2AP_W) != 0 : !(e & ARM_D_AP2);
	default:
		return e & xu_dirty_bit(&t->u.x86);
	}
}

bool df_accessed(const struct df_table *t, uint64_t e)
{
	switch (t->c->fam) {
	case DF_RISCV:
		return e & TU_PTE_A;
	case DF_ARM:
		return e & ARM_D_AF;
	default:
		return e & xu_accessed_bit(&t->u.x86);
	}
}

static uint64_t with_bit(uint64_t e, uint64_t bit, bool on)
{
	return on ? e | bit : e & ~bit;
}

uint64_t df_with_dirty(const struct df_table *t, uint64_t e, bool on)
{
	switch (t->c->fam) {
	case DF_RISCV:
		return with_bit(e, TU_PTE_D, on);
	case DF_ARM:
		return arm_s2(t) ? with_bit(e, ARM_D_S2AP_W, on) : with_bit(e, ARM_D_AP2, !on);
	default:
		return with_bit(e, xu_dirty_bit(&t->u.x86), on);
	}
}

uint64_t df_with_accessed(const struct df_table *t, uint64_t e, bool on)
{
	switch (t->c->fam) {
	case DF_RISCV:
		return with_bit(e, TU_PTE_A, on);
	case DF_ARM:
		return with_bit(e, ARM_D_AF, on);
	default:
		return with_bit(e, xu_accessed_bit(&t->u.x86), on);
	}
}

/* RISC-V (privileged spec): V R U A, W as asked, N and the PPN as the
 * size asks (a NAPOT PPN ends in 1000b). */
static void riscv_leaf_entry(const struct df_table *t, uint64_t e, uint64_t size, uint64_t oa,
			     unsigned int prot, unsigned int i, const char *what)
{
	bool napot = df_members(t, size) > 1;
	uint64_t want_ppn = napot ? (((oa >> 12) & ~0xfull) | 0x8) : oa >> 12;
	uint64_t need = TU_PTE_V | TU_PTE_R | TU_PTE_U | TU_PTE_A;

	cr_assert_eq(e & need, need, "%s: %s: member %u lacks V/R/U/A: %#llx", t->name, what, i,
		     ULL(e));
	cr_assert_eq(!!(e & TU_PTE_W), !!(prot & GENPT_WRITE), "%s: %s: member %u W: %#llx",
		     t->name, what, i, ULL(e));
	cr_assert_eq(!!(e & TU_PTE_N), napot, "%s: %s: member %u N: %#llx", t->name, what, i,
		     ULL(e));
	cr_assert_eq(TU_PTE_PPN(e), want_ppn, "%s: %s: member %u PPN: %#llx", t->name, what, i,
		     ULL(e));
	if (!(prot & GENPT_WRITE))
		cr_assert(!(e & TU_PTE_D), "%s: %s: read-only member %u has D: %#llx", t->name,
			  what, i, ULL(e));
}

/* ARM (Arm ARM): page or block type, the contiguous bit, the address and
 * the attributes of @prot; read-only leaves are never writable. */
static void arm_leaf_entry(const struct df_table *t, uint64_t e, uint64_t size, uint64_t oa,
			   unsigned int prot, unsigned int i, const char *what)
{
	uint64_t esz = df_entry_size(t, size);
	bool page = esz == df_gran(t);

	cr_assert_eq(e & ARM_D_TYPE, page ? 3u : 1u, "%s: %s: member %u type: %#llx", t->name,
		     what, i, ULL(e));
	cr_assert_eq(!!(e & ARM_D_CONT), size != esz, "%s: %s: member %u contiguous: %#llx",
		     t->name, what, i, ULL(e));
	cr_assert_eq(ARM_D_ADDR(e, 12), oa + i * esz, "%s: %s: member %u address: %#llx",
		     t->name, what, i, ULL(e));
	arm_expect_prot(&t->u.arm, e, prot, what);
	if (!(prot & GENPT_WRITE))
		cr_assert(!df_dirty(t, e), "%s: %s: read-only member %u writable: %#llx", t->name,
			  what, i, ULL(e));
}

/* x86 formats: exactly the bits genpt writes (x86_suite.h), dirty state
 * and accessed flag aside; read-only leaves never have D. */
static void x86_leaf_entry(const struct df_table *t, uint64_t e, uint64_t size, uint64_t oa,
			   unsigned int prot, unsigned int i, const char *what)
{
	const struct xu_table *x = &t->u.x86;
	uint64_t ad = xu_dirty_bit(x) | xu_accessed_bit(x);
	uint64_t want = xs_leaf_bits(x, (unsigned int)__builtin_ctzll(size), oa, prot, false);

	cr_assert_eq(e & ~ad, want & ~ad, "%s: %s: entry %u: %#018llx, want %#018llx (A/D aside)",
		     t->name, what, i, ULL(e), ULL(want));
	if (!(prot & GENPT_WRITE))
		cr_assert(!df_dirty(t, e), "%s: %s: read-only entry %u has D: %#llx", t->name,
			  what, i, ULL(e));
}

void df_expect_leaf_entry(const struct df_table *t, uint64_t e, uint64_t iova,
			  uint64_t size, uint64_t oa, unsigned int prot, unsigned int i,
			  const char *what)
{
	char w[192];

	snprintf(w, sizeof(w), "%s (leaf %#llx size %#llx)", what, ULL(iova), ULL(size));
	cr_assert(df_accessed(t, e), "%s: %s: member %u without the accessed flag: %#llx",
		  t->name, w, i, ULL(e));
	switch (t->c->fam) {
	case DF_RISCV:
		riscv_leaf_entry(t, e, size, oa, prot, i, w);
		break;
	case DF_ARM:
		arm_leaf_entry(t, e, size, oa, prot, i, w);
		break;
	case DF_X86:
		x86_leaf_entry(t, e, size, oa, prot, i, w);
		break;
	}
}

/* RISC-V pointers carry no A/D/U/N; ARM table descriptors no attribute
 * bits at all (no DBM, AP or S2AP): neither can look dirty. */
static void riscv_tables(const struct df_table *t, uint64_t va, const char *what)
{
	const struct tu_table *r = &t->u.rv;
	uint64_t table = r->root_pa;

	for (unsigned int l = r->mode->levels; l-- > 0;) {
		unsigned int bits = (r->mode->gstage && l == r->mode->levels - 1) ? 11 : 9;
		uint64_t e = __atomic_load_n(tu_ptr(r, table + ((va >> (12 + 9 * l)) &
							      ((1ull << bits) - 1)) * 8),
					     __ATOMIC_ACQUIRE);

		if (!(e & TU_PTE_V) || (e & TU_PTE_RWX))
			return;
		cr_assert_eq(e & (TU_PTE_A | TU_PTE_D | TU_PTE_U | TU_PTE_N), 0,
			     "%s: %s: pointer with A/D/U/N at level %u: %#llx", t->name, what, l,
			     ULL(e));
		table = TU_PTE_PPN(e) << 12;
	}
}

static void arm_tables(const struct df_table *t, uint64_t va, const char *what)
{
	const struct arm_table *a = &t->u.arm;
	const struct arm_mode *m = a->mode;
	uint64_t table = a->root_pa, gran = df_gran(t);

	for (unsigned int lvl = m->levels - 1; lvl > 0; lvl--) {
		unsigned int bits = lvl == m->levels - 1 ? arm_root_bits(m) : arm_stride(m);
		uint64_t idx = (va >> arm_lvl_shift(m, lvl)) & ((1ull << bits) - 1);
		uint64_t e = arm_desc_at(a, table + 8 * idx);

		if ((e & ARM_D_TYPE) != 3u)
			return;
		cr_assert_eq(e & ~(((1ull << 48) - 1) & ~(gran - 1)), 3u,
			     "%s: %s: table descriptor at level %u with attribute bits: %#llx",
			     t->name, what, lvl, ULL(e));
		table = ARM_D_ADDR(e, m->granule_bits);
	}
}

void df_expect_tables(const struct df_table *t, uint64_t va, bool accessed,
		      const char *what)
{
	switch (t->c->fam) {
	case DF_RISCV:
		riscv_tables(t, va, what);
		break;
	case DF_ARM:
		arm_tables(t, va, what);
		break;
	case DF_X86:
		xs_expect_tables(&t->u.x86, va, accessed, what);
		break;
	}
}
