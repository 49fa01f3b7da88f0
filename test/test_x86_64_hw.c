// SPDX-License-Identifier: MIT
/*
 * test_x86_64_hw.c - the reference x86-64 walk (lib/hw/x86_64_walk.c)
 * against tables built by hand.
 *
 * Every entry is computed here from the SDM's bit positions (literal
 * numbers: P 0, R/W 1, U/S 2, A 5, D 6, PS 7, XD 63, address 51:12) in the
 * shared test arena (fhw_arena.h), and walked with genpt_x86_walk().  Nothing
 * from lib/fmt or lib/core is involved.
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
#include "hw/x86_64_walk.h"
#include "fhw_arena.h"

#define P_ (1ull << 0)
#define RW (1ull << 1)
#define US (1ull << 2)
#define A_ (1ull << 5)
#define D_ (1ull << 6)
#define PS (1ull << 7)
#define XD (1ull << 63)
#define TBL (P_ | RW | US) /* a table pointer that allows everything */

TestSuite(x86_64_hw, .init = hwa_setup, .fini = hwa_teardown);

static const struct hwa_fmt x86 = { P_, TBL, 0 };

HWA_WALKER(genpt_x86_walk, ad_update, maxphyaddr)

Test(x86_64_hw, rights_are_combined_over_every_level)
{
	uint64_t va = 0x40201000ull;

	for (unsigned int l = 0; l < 4; l++) {
		static const uint64_t take[] = { US, RW };

		for (unsigned int k = 0; k < 2; k++) {
			uint64_t *slots[5], root;

			hwa_reset();
			root = hwa_build(&x86, 3, va, 0, 0x7000 | P_ | RW | US | A_ | D_, slots);
			*slots[l] &= ~take[k];
			if (take[k] == US) {
				/* a user-mode request needs U/S=1 everywhere */
				cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, true),
					     GENPT_X86_FAULT_PAGE, "U/S=0 at level %u", l);
			} else {
				cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, true),
					     GENPT_X86_OK);
				cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, true),
					     GENPT_X86_FAULT_PAGE, "R/W=0 at level %u", l);
				cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_EXEC, true),
					     GENPT_X86_OK);
			}
		}
		{
			uint64_t *slots[5], root;

			hwa_reset();
			root = hwa_build(&x86, 3, va, 0, 0x7000 | P_ | RW | US | A_ | D_, slots);
			*slots[l] |= XD;
			cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_EXEC, true),
				     GENPT_X86_FAULT_PAGE, "XD at level %u", l);
			cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, true), GENPT_X86_OK);
		}
	}
}

/* MAXPHYADDR below 52 (a walker parameter no genpt configuration uses;
 * the other reserved and ignored bits: test_fmt_hw_bits.c): address bits
 * at or above it fault, in a pointer and in a leaf. */
Test(x86_64_hw, address_bits_above_maxphyaddr)
{
	uint64_t va = 0x80000000ull, *slots[5], root;

	root = hwa_build(&x86, 3, va, 0, 0x7000 | P_ | RW | US | A_ | D_, slots);
	hwa_expect_width(width_walk, root, va, slots, 46, GENPT_X86_FAULT_PAGE);
}
