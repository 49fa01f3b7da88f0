// SPDX-License-Identifier: MIT
/*
 * test_vtdss_hw.c - the reference VT-d second-stage walk
 * (lib/hw/vtdss_walk.c) against tables built by hand from the
 * specification's bit positions (R 0, W 1, X 2, EMT 5:3, IPAT 6, PS 7, A 8,
 * D 9, SNP 11, address 51:12), in the shared test arena (fhw_arena.h).
 *
 * Only what is particular to this family's hardware stays here; the
 * checks every format shares run on every configuration in
 * test_fmt_hw*.c (docs/testing.md, "Folded suites").
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/table.h"
#include "hw/vtdss_walk.h"
#include "fhw_arena.h"

#define R_ (1ull << 0)
#define W_ (1ull << 1)
#define X_ (1ull << 2)
#define PS (1ull << 7)
#define A_ (1ull << 8)
#define D_ (1ull << 9)
#define SNP (1ull << 11)
#define TBL (R_ | W_)

TestSuite(vtdss_hw, .init = hwa_setup, .fini = hwa_teardown);

static const struct hwa_fmt vtd = { R_ | W_, TBL, 0 };

HWA_WALKER(genpt_vtdss_walk, ssade, haw)

Test(vtdss_hw, present_means_read_or_write)
{
	uint64_t va = 0x40000000ull, *slots[5], root;

	root = hwa_build(&vtd, 3, va, 0, 0x9000 | R_ | A_, slots);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false), GENPT_VTDSS_OK);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, false), GENPT_VTDSS_FAULT_PAGE);
	/* write-only */
	*slots[0] = 0x9000 | W_ | A_ | D_;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, false), GENPT_VTDSS_OK);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false), GENPT_VTDSS_FAULT_PAGE);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_EXEC, false), GENPT_VTDSS_FAULT_PAGE,
		     "execute is checked as a read");
	/* X alone, or nothing: not present, at any level */
	*slots[0] = 0x9000 | X_ | A_;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false), GENPT_VTDSS_FAULT_NP);
	*slots[0] = 0x9000 | R_ | W_ | A_ | D_;
	for (unsigned int l = 1; l < 4; l++) {
		uint64_t keep = *slots[l];

		*slots[l] &= ~(R_ | W_);
		cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, true), GENPT_VTDSS_FAULT_NP);
		*slots[l] = keep & ~W_;
		cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, true), GENPT_VTDSS_OK);
		cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, true), GENPT_VTDSS_FAULT_PAGE,
			     "W=0 at level %u", l);
		*slots[l] = keep & ~R_;
		cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, true), GENPT_VTDSS_FAULT_PAGE,
			     "R=0 at level %u", l);
		*slots[l] = keep;
	}
}

/* What the bit-flip fold (test_fmt_hw_bits.c) leaves: SNP with snoop
 * control, SNP in a pointer and X / EMT / IPAT in a leaf ignored, and
 * HAW below 52 (a walker parameter no configuration uses). */
Test(vtdss_hw, snoop_ignored_bits_and_haw)
{
	uint64_t va = 0x80000000ull, *slots[5], root;
	struct genpt_vtdss_walk w;

	root = hwa_build(&vtd, 3, va, 0, 0x9000 | R_ | W_ | A_ | D_, slots);
	*slots[0] |= SNP;
	w = req(root, 4, va, GENPT_ACCESS_READ, false);
	w.snoop_control = true;
	cr_assert_eq(genpt_vtdss_walk(&w), GENPT_VTDSS_OK);
	cr_assert(w.snoop);
	*slots[0] &= ~SNP;
	*slots[1] |= SNP;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false), GENPT_VTDSS_OK);
	*slots[1] &= ~SNP;
	*slots[0] |= X_ | (7ull << 3) | (1ull << 6);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false), GENPT_VTDSS_OK);
	*slots[0] &= ~(X_ | (7ull << 3) | (1ull << 6));
	hwa_expect_width(width_walk, root, va, slots, 45, GENPT_VTDSS_FAULT_PAGE);
}
