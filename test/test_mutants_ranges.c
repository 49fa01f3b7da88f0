// SPDX-License-Identifier: MIT
/*
 * test_mutants_ranges.c - the edges of a sign-extended input space, for
 * every format that has one (af_fmts: x86-64, RISC-V first stage): each
 * end of a range is checked for sign extension on its own.  A range that
 * starts in the hole between the halves and ends in the upper half has
 * both ends on the same side of zero, so only the check of its first
 * address refuses it (the mutant api-sign-extend of
 * scripts/mutants/mutants.tsv, which dropped that check, survived every
 * other test).  Its mirror, ending in the hole, needs the check of its
 * last address.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "anyfmt.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define OA (1ull << 32)

static void edges(const struct af_fmt *f)
{
	uint64_t g = af_gran(f), upper = ~0ull << (f->va_bits - 1); /* first upper-half address */
	uint64_t lower_end = (1ull << (f->va_bits - 1)) - 1;             /* last lower-half address */
	uint64_t unmapped;
	struct af_prov p;
	struct genpt *pt;

	af_prov_init(&p, false);
	cr_assert_eq(af_create(f, &p, &pt), 0, "%s", f->name);
	/* From the hole into the upper half: the first address is not canonical. */
	cr_expect_eq(genpt_map(pt, upper - g, OA, 2 * g, RW, NULL), -ERANGE, "%s", f->name);
	cr_expect_eq(genpt_unmap(pt, upper - g, 2 * g, NULL, &unmapped), -ERANGE, "%s", f->name);
	cr_expect_eq(genpt_map(pt, upper - 4 * g, OA, 5 * g, RW, NULL), -ERANGE, "%s", f->name);
	/* From the lower half into the hole: the last address is not. */
	cr_expect_eq(genpt_map(pt, lower_end + 1 - g, OA, 2 * g, RW, NULL), -ERANGE, "%s",
		     f->name);
	/* Each half's edge page itself maps. */
	cr_expect_eq(genpt_map(pt, upper, OA, g, RW, NULL), 0, "%s", f->name);
	cr_expect_eq(genpt_map(pt, lower_end + 1 - g, OA, g, RW, NULL), 0, "%s", f->name);
	cr_expect_eq(genpt_unmap(pt, upper, g, NULL, &unmapped), 0, "%s", f->name);
	cr_expect_eq(unmapped, g, "%s", f->name);
	cr_expect_eq(genpt_unmap(pt, lower_end + 1 - g, g, NULL, &unmapped), 0, "%s", f->name);
	cr_expect_eq(unmapped, g, "%s", f->name);
	genpt_destroy(pt);
	af_prov_fini(&p);
}

Test(mutants_ranges, sign_extended_edges_every_format)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < af_nfmts; i++) {
		if (!af_fmts[i].sign_extend)
			continue;
		edges(&af_fmts[i]);
		n++;
	}
	cr_assert_gt(n, 0, "no sign-extended format in af_fmts");
}
