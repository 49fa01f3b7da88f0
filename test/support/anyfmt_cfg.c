// SPDX-License-Identifier: MIT
/*
 * anyfmt_cfg.c - the per-format descriptors and every configuration the
 * format-neutral suites run (see anyfmt.h).  The geometry is written out
 * from the manuals (RISC-V privileged spec, Arm ARM, Intel VT-d and SDM,
 * AMD IOMMU spec), not taken from lib/, so a wrong level count or root
 * size in lib/ shows up as a mismatch.
 */
#include "anyfmt.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

/* ---- leaf-size rules ----------------------------------------------------- */

/* RISC-V: a leaf at every level (4K, 2M, 1G, 512G, 256T); Svnapot adds
 * 64 KiB runs of 16 4K pages. */
static void rv_sizes(const struct af_cfg *c, uint64_t *sizes, uint64_t *runs)
{
	*sizes = 0;
	*runs = 0;
	for (unsigned int l = 0; l < c->levels; l++)
		*sizes |= 1ull << (12 + 9 * l);
	if (c->cfg.features & GENPT_FEAT_RISCV_SVNAPOT) {
		*sizes |= 1ull << 16;
		*runs |= 1ull << 16;
	}
}

/*
 * ARMv8: pages at the last level; blocks at level 2 (every granule) and
 * level 1 (4K only), none at level 0 or 1 otherwise (no FEAT_LPA/LPA2).
 * The contiguous hint groups 16 (4K), 128 pages / 32 blocks (16K) or 32
 * (64K) entries; a run no larger than the input space.
 */
static void arm_sizes(const struct af_cfg *c, uint64_t *sizes, uint64_t *runs)
{
	unsigned int g = c->cfg.granule_bits, stride = g - 3;

	*sizes = 0;
	*runs = 0;
	for (unsigned int l = 0; l < c->levels; l++) {
		unsigned int sh = g + stride * l, run;

		if (!(l == 0 || l == 1 || (l == 2 && g == 12)))
			continue;
		*sizes |= 1ull << sh;
		run = g == 12 ? 4 : g == 14 ? (l == 0 ? 7 : 5) : 5;
		if ((c->cfg.features & GENPT_FEAT_ARMV8_CONTIG) &&
		    sh + run <= c->cfg.va_bits) {
			*sizes |= 1ull << (sh + run);
			*runs |= 1ull << (sh + run);
		}
	}
}

/* x86-64 and VT-d second stage: 4K, 2M, 1G. */
static void x86_sizes(const struct af_cfg *c, uint64_t *sizes, uint64_t *runs)
{
	(void)c;
	*sizes = (1ull << 12) | (1ull << 21) | (1ull << 30);
	*runs = 0;
}

/*
 * AMD v1: every power of two from 4K that the levels below the top reach
 * (a page of level n replicated up to 256 times, the largest 2^51), but
 * never 512G (a level-4 entry cannot be a page).  Replicated pages are
 * runs of several entries.
 */
static void amd_sizes(const struct af_cfg *c, uint64_t *sizes, uint64_t *runs)
{
	unsigned int top = c->levels >= 6 ? 51 : 12 + 9 * c->levels - 1;

	*sizes = 0;
	*runs = 0;
	for (unsigned int s = 12; s <= top && s <= 51; s++) {
		if (s == 39)
			continue;
		*sizes |= 1ull << s;
		if ((s - 12) % 9)
			*runs |= 1ull << s;
	}
}

/* ---- the formats --------------------------------------------------------- */

static const struct af_format af_riscv = {
	"riscv", GENPT_FMT_RISCV, AF_RISCV, rv_sizes, af_rv_lookup, af_rv_bits };
static const struct af_format af_armv8 = {
	"armv8", GENPT_FMT_ARMV8, AF_ARMV8, arm_sizes, af_arm_lookup, af_arm_bits };
static const struct af_format af_x86_64 = {
	"x86-64", GENPT_FMT_X86_64, AF_X86_64, x86_sizes, af_x86_lookup, af_x86_bits };
static const struct af_format af_vtdss = {
	"vtdss", GENPT_FMT_VTDSS, AF_VTDSS, x86_sizes, af_x86_lookup, af_x86_bits };
static const struct af_format af_amdv1 = {
	"amdv1", GENPT_FMT_AMDV1, AF_AMDV1, amd_sizes, af_x86_lookup, af_x86_bits };

/* ---- the configurations -------------------------------------------------- */

/* Output widths: each format's widest (RISC-V 56, ARM 48, x86 52). */
#define RV_NAPOT GENPT_FEAT_RISCV_SVNAPOT
#define GST GENPT_FEAT_RISCV_GSTAGE
#define DBM GENPT_FEAT_ARMV8_DBM
#define CONT GENPT_FEAT_ARMV8_CONTIG
#define S2 GENPT_FEAT_ARMV8_S2

/* RISC-V: iosatp MODE 8/9/10 = Sv39/48/57; G-stage adds 2 bits and a
 * 16 KiB root (four tables). */
#define RV(n, va, lv, md, f)                                                      \
	{ "riscv/" n, &af_riscv,                                                  \
	  { .format = GENPT_FMT_RISCV, .va_bits = va, .oa_bits = 56, .granule_bits = 12, \
	    .features = (f) },                                                    \
	  lv, md, 0, 1, ((f) & GST) ? 16384 : 4096, !((f) & GST), true, true, false }
/* ARM: granule, input size, levels, start level, concatenated roots, root
 * bytes (8 << root index bits, at least a 4 KiB page); stage 1 has no
 * write-only, stage 2 has S2AP[0] for reads; dirty state with DBM. */
#define ARM(n, g, va, lv, sl, cc, rs, f)                                          \
	{ "armv8/" n, &af_armv8,                                                  \
	  { .format = GENPT_FMT_ARMV8, .va_bits = va, .oa_bits = 48, .granule_bits = g, \
	    .features = (f) },                                                    \
	  lv, sl, sl, cc, rs, false, !!((f) & DBM), true, !!((f) & S2) }
#define X86(n, fm, fp, va, lv, md, se, ex, nr)                                    \
	{ n, fp, { .format = fm, .va_bits = va, .oa_bits = 52, .granule_bits = 12 }, \
	  lv, md, 0, 1, 4096, se, true, ex, nr }

const struct af_cfg af_all[] = {
	RV("sv39", 39, 3, 8, 0),
	RV("sv48", 48, 4, 9, 0),
	RV("sv57", 57, 5, 10, 0),
	RV("sv39+napot", 39, 3, 8, RV_NAPOT),
	RV("sv57+napot", 57, 5, 10, RV_NAPOT),
	RV("sv39x4", 41, 3, 8, GST),
	RV("sv48x4", 50, 4, 9, GST),
	RV("sv57x4", 59, 5, 10, GST),
	RV("sv48x4+napot", 50, 4, 9, GST | RV_NAPOT),
	/* stage 1: start level 3 - (va - 1 - granule) / stride */
	ARM("s1-4k-48+dbm+contig", 12, 48, 4, 0, 1, 4096, DBM | CONT),
	ARM("s1-4k-48", 12, 48, 4, 0, 1, 4096, 0),
	ARM("s1-4k-39+dbm+contig", 12, 39, 3, 1, 1, 4096, DBM | CONT),
	ARM("s1-4k-32+contig", 12, 32, 3, 1, 1, 4096, CONT),
	ARM("s1-4k-30+dbm+contig", 12, 30, 2, 2, 1, 4096, DBM | CONT),
	ARM("s1-4k-25+dbm", 12, 25, 2, 2, 1, 4096, DBM),
	ARM("s1-16k-48+dbm+contig", 14, 48, 4, 0, 1, 4096, DBM | CONT),
	ARM("s1-16k-47+dbm+contig", 14, 47, 3, 1, 1, 16384, DBM | CONT),
	ARM("s1-16k-36+dbm+contig", 14, 36, 2, 2, 1, 16384, DBM | CONT),
	ARM("s1-16k-25+dbm+contig", 14, 25, 1, 3, 1, 16384, DBM | CONT),
	ARM("s1-64k-48+dbm+contig", 16, 48, 3, 1, 1, 4096, DBM | CONT),
	ARM("s1-64k-42", 16, 42, 2, 2, 1, 65536, 0),
	ARM("s1-64k-29+dbm+contig", 16, 29, 1, 3, 1, 65536, DBM | CONT),
	ARM("s1-64k-25+dbm+contig", 16, 25, 1, 3, 1, 4096, DBM | CONT),
	/* stage 2: the fewest lookups, up to 16 concatenated roots */
	ARM("s2-4k-48+dbm+contig", 12, 48, 4, 0, 1, 4096, S2 | DBM | CONT),
	ARM("s2-4k-44+dbm", 12, 44, 4, 0, 1, 4096, S2 | DBM),
	ARM("s2-4k-43+dbm+contig", 12, 43, 3, 1, 16, 65536, S2 | DBM | CONT),
	ARM("s2-4k-40+dbm+contig", 12, 40, 3, 1, 2, 8192, S2 | DBM | CONT),
	ARM("s2-4k-34+dbm+contig", 12, 34, 2, 2, 16, 65536, S2 | DBM | CONT),
	ARM("s2-4k-25+contig", 12, 25, 2, 2, 1, 4096, S2 | CONT),
	ARM("s2-16k-48+dbm+contig", 14, 48, 3, 1, 2, 32768, S2 | DBM | CONT),
	ARM("s2-16k-41+dbm", 14, 41, 3, 1, 1, 4096, S2 | DBM),
	ARM("s2-16k-40+dbm+contig", 14, 40, 2, 2, 16, 262144, S2 | DBM | CONT),
	ARM("s2-16k-29+dbm+contig", 14, 29, 1, 3, 16, 262144, S2 | DBM | CONT),
	ARM("s2-64k-48+dbm+contig", 16, 48, 3, 1, 1, 4096, S2 | DBM | CONT),
	ARM("s2-64k-46+dbm+contig", 16, 46, 2, 2, 16, 1048576, S2 | DBM | CONT),
	ARM("s2-64k-34", 16, 34, 2, 2, 1, 4096, S2),
	ARM("s2-64k-33+dbm+contig", 16, 33, 1, 3, 16, 1048576, S2 | DBM | CONT),
	/* x86-64: levels = mode; sign-extended; XD */
	X86("x86-64/4", GENPT_FMT_X86_64, &af_x86_64, 48, 4, 4, true, true, false),
	X86("x86-64/5", GENPT_FMT_X86_64, &af_x86_64, 57, 5, 5, true, true, false),
	/* VT-d second stage: AW 1/2/3 = 3/4/5 levels; no execute control */
	X86("vtdss/39", GENPT_FMT_VTDSS, &af_vtdss, 39, 3, 1, false, false, true),
	X86("vtdss/48", GENPT_FMT_VTDSS, &af_vtdss, 48, 4, 2, false, false, true),
	X86("vtdss/57", GENPT_FMT_VTDSS, &af_vtdss, 57, 5, 3, false, false, true),
	/* AMD v1: DTE Mode n = n levels, 12 + 9n bits capped at 64 */
	X86("amdv1/mode1", GENPT_FMT_AMDV1, &af_amdv1, 21, 1, 1, false, false, true),
	X86("amdv1/mode2", GENPT_FMT_AMDV1, &af_amdv1, 30, 2, 2, false, false, true),
	X86("amdv1/mode3", GENPT_FMT_AMDV1, &af_amdv1, 39, 3, 3, false, false, true),
	X86("amdv1/mode4", GENPT_FMT_AMDV1, &af_amdv1, 48, 4, 4, false, false, true),
	X86("amdv1/mode5", GENPT_FMT_AMDV1, &af_amdv1, 57, 5, 5, false, false, true),
	X86("amdv1/mode6", GENPT_FMT_AMDV1, &af_amdv1, 64, 6, 6, false, false, true),
};
const unsigned int af_nall = sizeof(af_all) / sizeof(af_all[0]);

/* ---- derived facts ----------------------------------------------------- */

uint64_t af_page_sizes(const struct af_cfg *c)
{
	uint64_t s, r;

	c->fmt->leaf_sizes(c, &s, &r);
	return s;
}

uint64_t af_run_sizes(const struct af_cfg *c)
{
	uint64_t s, r;

	c->fmt->leaf_sizes(c, &s, &r);
	return r;
}

unsigned int af_leaf_shifts(const struct af_cfg *c, unsigned int *shifts)
{
	uint64_t s = af_page_sizes(c);
	unsigned int n = 0;

	for (int b = 63; b >= 0; b--)
		if (s & (1ull << b))
			shifts[n++] = (unsigned int)b;
	return n;
}

unsigned int af_gshift(const struct af_cfg *c)
{
	return c->cfg.granule_bits;
}

unsigned int af_lvl_shift(const struct af_cfg *c, unsigned int lvl)
{
	return c->cfg.granule_bits + (c->cfg.granule_bits - 3) * lvl;
}

unsigned int af_halves(const struct af_cfg *c, uint64_t first[2], uint64_t last[2])
{
	unsigned int vb = c->cfg.va_bits;

	first[0] = 0;
	if (!c->sign_extend) {
		last[0] = vb >= 64 ? ~0ull : (1ull << vb) - 1;
		return 1;
	}
	last[0] = (1ull << (vb - 1)) - 1;
	first[1] = ~0ull << (vb - 1);
	last[1] = ~0ull;
	return 2;
}

bool af_va_valid(const struct af_cfg *c, uint64_t va)
{
	uint64_t f[2], l[2];
	unsigned int n = af_halves(c, f, l);

	for (unsigned int i = 0; i < n; i++)
		if (va >= f[i] && va <= l[i])
			return true;
	return false;
}

unsigned int af_expect_prot(const struct af_cfg *c, unsigned int prot)
{
	unsigned int p = prot & GENPT_WRITE;

	if (!c->noread || (prot & GENPT_READ))
		p |= GENPT_READ;
	if (c->exec && (prot & GENPT_NOEXEC))
		p |= GENPT_NOEXEC;
	return p;
}

const struct af_cfg *af_cfg_named(const char *name)
{
	for (AF_EACH(c))
		if (!strcmp(c->name, name))
			return c;
	cr_assert_fail("no configuration %s", name);
	return NULL;
}

uint64_t af_bit_features(const struct af_cfg *c)
{
	switch (c->fmt->fam) {
	case AF_RISCV:
		return GENPT_FEAT_RISCV_SVPBMT;
	case AF_VTDSS:
		return GENPT_FEAT_VTDSS_SNP;
	default:
		return 0;
	}
}

unsigned int af_size_variants(const struct af_cfg *c, uint64_t sets[4])
{
	uint64_t f = c->cfg.features, n = 0;

	sets[n++] = f;
	if (c->fmt->fam == AF_RISCV) {
		sets[n++] = f ^ RV_NAPOT;
	} else if (c->fmt->fam == AF_ARMV8) {
		/* the three sets the ARM suites ran each geometry with */
		static const uint64_t arm[] = { DBM | CONT, CONT, 0 };

		for (unsigned int i = 0; i < 3; i++)
			if ((f & (DBM | CONT)) != arm[i])
				sets[n++] = (f & ~(DBM | CONT)) | arm[i];
	}
	return (unsigned int)n;
}

void af_cfg_with(const struct af_cfg *c, uint64_t features, struct af_cfg *out, char *buf,
		 size_t n)
{
	*out = *c;
	out->cfg.features = features;
	if (c->fmt->fam == AF_ARMV8)
		out->dirty = features & DBM;
	if (features == c->cfg.features)
		snprintf(buf, n, "%s", c->name);
	else
		snprintf(buf, n, "%s, features 0x%llx", c->name, (unsigned long long)features);
	out->name = buf;
}
