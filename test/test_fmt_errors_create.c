// SPDX-License-Identifier: MIT
/*
 * test_fmt_errors_create.c - genpt_create's errors on every configuration
 * of every format (af_all[]): each bad field of a good configuration is
 * -EINVAL with nothing allocated and *out untouched; a narrower oa_bits is
 * honoured by map (-ERANGE past it).  The per-format facts (which widths,
 * granules and feature bits a format refuses, from its manual) are the
 * table below, keyed by family; the good values are af_all[] itself.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "anyfmt.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define RV_GST GENPT_FEAT_RISCV_GSTAGE

/*
 * @va_exact: the input widths are exactly those of the family's af_all[]
 *            rows (per G-stage or not), so every other width 1..70 is bad;
 *            @bad_va lists more bad ones (on ARM, which takes any width
 *            25..48, all of them).
 */
struct errfacts {
	enum af_family fam;
	bool va_exact;
	unsigned int bad_va[14], bad_oa[12], bad_gran[12];
	uint64_t bad_feat[12];
};

static const struct errfacts facts[] = {
	{ AF_RISCV, true, { 1000 }, { 1, 11, 57, 58, 64, 65, 1000 },
	  { 1, 11, 13, 14, 16, 64, 4096 },
	  { 1ull << 3, 1ull << 7, 1ull << 31, 1ull << 40, 1ull << 63, GENPT_FEAT_ARMV8_S2,
	    GENPT_FEAT_ARMV8_CONTIG, GENPT_FEAT_ARMV8_DBM, GENPT_FEAT_VTDSS_SNP } },
	{ AF_ARMV8, false, { 1, 12, 13, 16, 24, 49, 52, 57, 64, 65, 100, 1000 },
	  { 1, 11, 12, 31, 49, 52, 56, 64, 65, 1000 },
	  { 1, 11, 13, 15, 17, 20, 21, 30, 64, 4096 },
	  { GENPT_FEAT_RISCV_GSTAGE, GENPT_FEAT_RISCV_SVNAPOT, GENPT_FEAT_RISCV_SVPBMT,
	    1ull << 3, 1ull << 7, 1ull << 11, 1ull << 31, 1ull << 40, 1ull << 63,
	    GENPT_FEAT_VTDSS_SNP } },
	{ AF_X86_64, true, { 1000 }, { 1, 11, 53, 56, 64, 65, 1000 },
	  { 1, 11, 13, 14, 16, 64, 4096 },
	  { 1ull << 3, 1ull << 15, 1ull << 31, 1ull << 32, 1ull << 40, 1ull << 63,
	    GENPT_FEAT_RISCV_GSTAGE, GENPT_FEAT_RISCV_SVNAPOT, GENPT_FEAT_ARMV8_S2,
	    GENPT_FEAT_ARMV8_DBM, GENPT_FEAT_VTDSS_SNP } },
	{ AF_VTDSS, true, { 1000 }, { 1, 11, 53, 56, 64, 65, 1000 },
	  { 1, 11, 13, 14, 16, 64, 4096 },
	  { 1ull << 3, 1ull << 15, 1ull << 31, 1ull << 32, 1ull << 40, 1ull << 63,
	    GENPT_FEAT_RISCV_GSTAGE, GENPT_FEAT_RISCV_SVNAPOT, GENPT_FEAT_ARMV8_S2,
	    GENPT_FEAT_ARMV8_DBM, GENPT_FEAT_VTDSS_SNP | (1ull << 17) } },
	{ AF_AMDV1, true, { 1000 }, { 1, 11, 53, 56, 64, 65, 1000 },
	  { 1, 11, 13, 14, 16, 64, 4096 },
	  { 1ull << 3, 1ull << 15, 1ull << 31, 1ull << 32, 1ull << 40, 1ull << 63,
	    GENPT_FEAT_RISCV_GSTAGE, GENPT_FEAT_RISCV_SVNAPOT, GENPT_FEAT_ARMV8_S2,
	    GENPT_FEAT_ARMV8_DBM, GENPT_FEAT_VTDSS_SNP } },
};

static const struct errfacts *facts_of(const struct af_cfg *c)
{
	for (size_t i = 0; i < NELEM(facts); i++)
		if (facts[i].fam == c->fmt->fam)
			return &facts[i];
	cr_assert_fail("%s: no error facts for its family", c->name);
	return NULL;
}

/* genpt_create of @cfg must fail with -EINVAL, allocate nothing and leave
 * *out alone. */
static void expect_bad(const struct af_cfg *c, struct genpt_config cfg, const char *what,
		       unsigned long long v)
{
	struct af_prov prov;
	struct genpt *pt = (struct genpt *)&prov;
	int err;

	af_prov_init_pm(&prov, 1ull << 24);
	cfg.mem = &af_prov_ops;
	cfg.mem_ctx = &prov;
	err = genpt_create(&cfg, &pt);
	cr_assert_eq(err, -EINVAL, "%s: create with %s 0x%llx: got %d", c->name, what, v, err);
	cr_assert_eq(pt, (struct genpt *)&prov, "%s: %s 0x%llx: *out written", c->name, what, v);
	cr_assert_eq(prov.allocs, 0, "%s: %s 0x%llx: allocated", c->name, what, v);
	af_prov_fini(&prov);
}

/* A row of af_all[] of @c's format and kind with input width @vb. */
static const struct af_cfg *row_with_va(const struct af_cfg *c, unsigned int vb)
{
	for (AF_EACH(r))
		if (r->fmt == c->fmt && r->cfg.va_bits == vb &&
		    (r->cfg.features & RV_GST) == (c->cfg.features & RV_GST))
			return r;
	return NULL;
}

static void bad_widths(const struct af_cfg *c, const struct errfacts *f)
{
	struct genpt_config cfg;

	if (f->va_exact) {
		for (unsigned int vb = 1; vb <= 70; vb++) {
			if (row_with_va(c, vb))
				continue;
			cfg = c->cfg;
			cfg.va_bits = vb;
			expect_bad(c, cfg, "va_bits", vb);
		}
	}
	for (size_t i = 0; i < NELEM(f->bad_va) && f->bad_va[i]; i++) {
		cfg = c->cfg;
		cfg.va_bits = f->bad_va[i];
		expect_bad(c, cfg, "va_bits", f->bad_va[i]);
	}
	for (size_t i = 0; i < NELEM(f->bad_oa) && f->bad_oa[i]; i++) {
		cfg = c->cfg;
		cfg.oa_bits = f->bad_oa[i];
		expect_bad(c, cfg, "oa_bits", f->bad_oa[i]);
	}
	for (size_t i = 0; i < NELEM(f->bad_gran) && f->bad_gran[i]; i++) {
		cfg = c->cfg;
		cfg.granule_bits = f->bad_gran[i];
		expect_bad(c, cfg, "granule_bits", f->bad_gran[i]);
	}
}

Test(fmt_errors, create_bad_config)
{
	static const int bad_fmt[] = { 0, 6, 7, 99, -1, 0x7fffffff };

	for (AF_EACH(c)) {
		const struct errfacts *f = facts_of(c);
		struct genpt_config cfg;

		bad_widths(c, f);
		for (size_t i = 0; i < NELEM(f->bad_feat) && f->bad_feat[i]; i++) {
			cfg = c->cfg;
			cfg.features |= f->bad_feat[i];
			expect_bad(c, cfg, "features", (unsigned long long)cfg.features);
		}
		for (size_t i = 0; i < NELEM(bad_fmt); i++) {
			cfg = c->cfg;
			cfg.format = (enum genpt_format)bad_fmt[i];
			expect_bad(c, cfg, "format", (unsigned long long)bad_fmt[i]);
		}
	}
}

/* A provider missing any of its three operations is refused. */
Test(fmt_errors, create_incomplete_mem_ops)
{
	const struct genpt_mem_ops half[3] = {
		{ NULL, af_prov_ops.free, af_prov_ops.phys_to_virt, NULL },
		{ af_prov_ops.alloc, NULL, af_prov_ops.phys_to_virt, NULL },
		{ af_prov_ops.alloc, af_prov_ops.free, NULL, NULL },
	};

	for (AF_EACH(c)) {
		for (int i = 0; i < 3; i++) {
			struct af_prov prov;
			struct genpt_config cfg = c->cfg;
			struct genpt *pt = NULL;

			af_prov_init_pm(&prov, 1ull << 24);
			cfg.mem = &half[i];
			cfg.mem_ctx = &prov;
			cr_assert_eq(genpt_create(&cfg, &pt), -EINVAL, "%s: mem ops %d missing",
				     c->name, i);
			cr_assert_null(pt, "%s", c->name);
			cr_assert_eq(prov.allocs, 0, "%s", c->name);
			af_prov_fini(&prov);
		}
	}
}

/* A table created with a narrower oa_bits (40: valid everywhere) refuses
 * output addresses beyond it and maps the last page below. */
Test(fmt_errors, erange_configured_oa_bits)
{
	for (AF_EACH(c)) {
		struct af_prov prov;
		struct genpt_config cfg = c->cfg;
		uint64_t g = 1ull << af_gshift(c), end = 1ull << 40, oa;
		struct genpt *pt;

		af_prov_init_pm(&prov, 1ull << 26);
		cfg.oa_bits = 40;
		cfg.mem = &af_prov_ops;
		cfg.mem_ctx = &prov;
		cr_assert_eq(genpt_create(&cfg, &pt), 0, "%s: oa_bits 40", c->name);
		cr_assert_eq(genpt_map(pt, 0, end, g, (GENPT_READ | GENPT_WRITE), NULL), -ERANGE, "%s", c->name);
		cr_assert_eq(genpt_map(pt, 0, end - g, 2 * g, (GENPT_READ | GENPT_WRITE), NULL), -ERANGE, "%s",
			     c->name);
		cr_assert_eq(genpt_iova_to_phys(pt, 0, &oa), -ENOENT, "%s", c->name);
		cr_assert_eq(genpt_map(pt, 0, end - g, g, (GENPT_READ | GENPT_WRITE), NULL), 0, "%s", c->name);
		cr_assert_eq(genpt_iova_to_phys(pt, 8, &oa), 0, "%s", c->name);
		cr_assert_eq(oa, end - g + 8, "%s", c->name);
		genpt_destroy(pt);
		af_prov_fini(&prov);
	}
}

/* ARM only: the table's own memory must lie below 2^oa_bits (the walker
 * reads it through the same output size); other formats place no such
 * limit.  Every ARM configuration, over physmem at 4 GiB or 1 GiB or 64 GiB. */
Test(fmt_errors, armv8_table_memory_beyond_oa_bits)
{
	static const struct {
		uint64_t pm_base;
		unsigned int oa_bits;
		int want;
	} k[] = {
		{ 1ull << 32, 32, -ENOMEM }, { 1ull << 30, 32, 0 },
		{ 1ull << 32, 36, 0 },       { 1ull << 36, 36, -ENOMEM },
	};

	for (AF_EACH(c)) {
		if (c->fmt->fam != AF_ARMV8)
			continue;
		for (size_t i = 0; i < NELEM(k); i++) {
			struct genpt_physmem *pm;
			struct genpt_config cfg = c->cfg;
			struct genpt *pt = NULL;
			uint64_t g = 1ull << af_gshift(c), oa, bytes = 1;
			int err;

			cr_assert_eq(genpt_physmem_create(k[i].pm_base, 1ull << 24, &pm), 0);
			cfg.oa_bits = k[i].oa_bits;
			cfg.mem = &genpt_physmem_ops;
			cfg.mem_ctx = pm;
			err = genpt_create(&cfg, &pt);
			cr_assert_eq(err, k[i].want, "%s: case %zu: got %d", c->name, i, err);
			if (!err) {
				cr_assert_eq(genpt_map(pt, 0, g, g, GENPT_READ | GENPT_WRITE, NULL),
					     0, "%s: case %zu", c->name, i);
				cr_assert_eq(genpt_hw_access(pt, 8, GENPT_ACCESS_READ, &oa), 0);
				cr_assert_eq(oa, g + 8, "%s: case %zu", c->name, i);
				genpt_destroy(pt);
			}
			cr_assert_eq(genpt_physmem_stats(pm, &bytes, NULL), 0);
			cr_assert_eq(bytes, 0, "%s: case %zu: %llu bytes leaked", c->name, i,
				     (unsigned long long)bytes);
			genpt_physmem_destroy(pm);
		}
	}
}

/* The widest row of @c's format and kind (G-stage, stage 2) with a 4 KiB
 * granule: what zero widths and granule default to. */
static const struct af_cfg *widest(const struct af_cfg *c)
{
	const uint64_t kind = RV_GST | GENPT_FEAT_ARMV8_S2;
	const struct af_cfg *w = NULL;

	for (AF_EACH(r))
		if (r->fmt == c->fmt && (r->cfg.features & kind) == (c->cfg.features & kind) &&
		    r->cfg.granule_bits == 12 && (!w || r->cfg.va_bits > w->cfg.va_bits))
			w = r;
	return w;
}

/* Zero va_bits / oa_bits / granule_bits are the format's widest; RISC-V's
 * atp holds the mode and the root's PPN. */
Test(fmt_errors, create_defaults_and_atp)
{
	for (AF_EACH(c)) {
		const struct af_cfg *w = widest(c);
		struct genpt_config cfg = { .format = c->cfg.format,
					    .features = c->cfg.features };
		struct genpt_hw_info info;
		struct genpt *pt;

		cr_assert_not_null(w, "%s", c->name);
		cr_assert_eq(genpt_create(&cfg, &pt), 0, "%s: defaults", c->name);
		cr_assert_eq(genpt_hw_info(pt, &info), 0);
		cr_assert(info.levels == w->levels && info.mode == w->hw_mode,
			  "%s: defaults: %u levels mode %u, want %s's", c->name, info.levels,
			  info.mode, w->name);
		cr_assert_eq(genpt_dirty_tracking(pt), 0, "%s", c->name);
		genpt_destroy(pt);
		if (c->fmt->fam != AF_RISCV)
			continue;
		cfg = c->cfg;
		cr_assert_eq(genpt_create(&cfg, &pt), 0, "%s", c->name);
		cr_assert_eq(genpt_hw_info(pt, &info), 0);
		cr_assert_eq(info.atp >> 60, c->hw_mode, "%s: atp MODE", c->name);
		cr_assert_eq(info.atp & ((1ull << 44) - 1), info.root_pa >> 12, "%s: atp PPN",
			     c->name);
		genpt_destroy(pt);
	}
}
