// SPDX-License-Identifier: MIT
/*
 * test_hw_side.c - the boundary between the engine and the hardware side.
 *
 * The hardware side (libgenpt_hw) finds a table only from genpt_hw_info()
 * and genpt_get_config(), as an IOMMU does from its registers:
 *  - genpt_get_config() reports the config with the defaults resolved, and
 *    -EINVAL for NULL arguments;
 *  - genpt_hw_access() checks the input address on its own (sign-extended
 *    for x86-64 and the RISC-V first stage, zero-extended elsewhere) and
 *    must agree with the engine's own check (genpt_iova_to_phys) at and
 *    around every edge of the input space, in every format;
 *  - a write through it on a mapped page returns the engine's translation.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>

#include "genpt/hw.h"
#include "genpt/table.h"

struct hs_fmt {
	const char *name;
	struct genpt_config cfg;
	unsigned int va_bits; /* effective */
};

static const struct hs_fmt hs_fmts[] = {
	{ "riscv-sv39", { .format = GENPT_FMT_RISCV, .va_bits = 39 }, 39 },
	{ "riscv-sv48x4", { .format = GENPT_FMT_RISCV, .va_bits = 50,
			    .features = GENPT_FEAT_RISCV_GSTAGE }, 50 },
	{ "armv8-s1", { .format = GENPT_FMT_ARMV8, .va_bits = 48, .granule_bits = 12,
			.features = GENPT_FEAT_ARMV8_DBM }, 48 },
	{ "armv8-s2-64k", { .format = GENPT_FMT_ARMV8, .va_bits = 42, .granule_bits = 16,
			    .features = GENPT_FEAT_ARMV8_S2 | GENPT_FEAT_ARMV8_DBM }, 42 },
	{ "x86-64", { .format = GENPT_FMT_X86_64 }, 57 },
	{ "vtd-ss", { .format = GENPT_FMT_VTDSS, .va_bits = 39 }, 39 },
	{ "amd-v1", { .format = GENPT_FMT_AMDV1, .va_bits = 48 }, 48 },
	{ "amd-v1-mode6", { .format = GENPT_FMT_AMDV1 }, 64 },
};

Test(hw_side, get_config_resolves_defaults)
{
	for (size_t i = 0; i < sizeof(hs_fmts) / sizeof(hs_fmts[0]); i++) {
		const struct hs_fmt *f = &hs_fmts[i];
		struct genpt_config got;
		struct genpt *pt;

		cr_assert_eq(genpt_create(&f->cfg, &pt), 0, "%s", f->name);
		cr_assert_eq(genpt_get_config(pt, &got), 0, "%s", f->name);
		cr_expect_eq(got.format, f->cfg.format, "%s", f->name);
		cr_expect_eq(got.va_bits, f->va_bits, "%s: va_bits %u", f->name, got.va_bits);
		cr_expect_neq(got.oa_bits, 0, "%s: oa_bits resolved", f->name);
		cr_expect_eq(got.granule_bits,
			     f->cfg.granule_bits ? f->cfg.granule_bits : 12, "%s", f->name);
		cr_expect_eq(got.mem, &genpt_host_mem_ops, "%s: the default provider", f->name);
		cr_expect_null(got.mem_ctx, "%s", f->name);
		cr_expect_eq(genpt_get_config(pt, NULL), -EINVAL, "%s", f->name);
		genpt_destroy(pt);
	}
	cr_expect_eq(genpt_get_config(NULL, &(struct genpt_config){ 0 }), -EINVAL);
}

/* Addresses at and around the edges of a @va_bits input space. */
static unsigned int hs_edges(unsigned int va_bits, uint64_t *out)
{
	unsigned int n = 0;
	uint64_t top = va_bits >= 64 ? 0 : 1ull << va_bits;

	out[n++] = 0;
	out[n++] = UINT64_MAX;
	out[n++] = 1ull << 63;
	if (top) {
		out[n++] = top - 1;
		out[n++] = top;
		out[n++] = (top >> 1) - 1;
		out[n++] = top >> 1;
		out[n++] = ~((top >> 1) - 1);     /* lowest canonical high address */
		out[n++] = ~((top >> 1) - 1) - 1; /* just below it */
	}
	return n;
}

/* An empty table: the engine says -ERANGE or -ENOENT, the hardware the same. */
Test(hw_side, input_check_matches_the_engine)
{
	for (size_t i = 0; i < sizeof(hs_fmts) / sizeof(hs_fmts[0]); i++) {
		const struct hs_fmt *f = &hs_fmts[i];
		uint64_t va[16], oa;
		unsigned int n = hs_edges(f->va_bits, va);
		struct genpt *pt;

		cr_assert_eq(genpt_create(&f->cfg, &pt), 0, "%s", f->name);
		for (unsigned int k = 0; k < n; k++) {
			int want = genpt_iova_to_phys(pt, va[k], &oa);

			cr_assert(want == -ERANGE || want == -ENOENT, "%s: %d", f->name, want);
			for (unsigned int acc = GENPT_ACCESS_READ; acc <= GENPT_ACCESS_EXEC; acc++)
				cr_expect_eq(genpt_hw_access(pt, va[k], acc, NULL), want,
					     "%s: hw_access(0x%llx, %u) vs iova_to_phys %d", f->name,
					     (unsigned long long)va[k], acc, want);
		}
		cr_expect_eq(genpt_hw_access(pt, 0, 0, NULL), -EINVAL, "%s", f->name);
		cr_expect_eq(genpt_hw_access(pt, 0, GENPT_ACCESS_EXEC + 1, NULL), -EINVAL,
			     "%s", f->name);
		genpt_destroy(pt);
	}
	cr_expect_eq(genpt_hw_access(NULL, 0, GENPT_ACCESS_READ, NULL), -EINVAL);
}

Test(hw_side, write_translates_as_the_engine_does)
{
	for (size_t i = 0; i < sizeof(hs_fmts) / sizeof(hs_fmts[0]); i++) {
		const struct hs_fmt *f = &hs_fmts[i];
		uint64_t gran = 1ull << (f->cfg.granule_bits ? f->cfg.granule_bits : 12);
		uint64_t iova = 0x40000000, pa = 0x80000000, oa = 0, want = 0;
		struct genpt *pt;

		cr_assert_eq(genpt_create(&f->cfg, &pt), 0, "%s", f->name);
		cr_assert_eq(genpt_map(pt, iova, pa, 4 * gran, GENPT_READ | GENPT_WRITE, NULL), 0,
			     "%s", f->name);
		cr_assert_eq(genpt_iova_to_phys(pt, iova + gran + 8, &want), 0, "%s", f->name);
		cr_expect_eq(genpt_hw_access(pt, iova + gran + 8, GENPT_ACCESS_WRITE, &oa), 0,
			     "%s", f->name);
		cr_expect_eq(oa, want, "%s: 0x%llx, engine 0x%llx", f->name,
			     (unsigned long long)oa, (unsigned long long)want);
		genpt_destroy(pt);
	}
}
