// SPDX-License-Identifier: MIT
/*
 * test_amdv1_hw.c - the reference AMD v1 walk (lib/hw/amdv1_walk.c)
 * against tables built by hand from the specification's bit positions (PR
 * 0, A 5, D 6, NextLevel 11:9, address 51:12, U 59, FC 60, IR 61, IW 62),
 * in the shared test arena (fhw_arena.h).  Levels here are the specification's (1 =
 * the table of 4K entries).
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
#include "hw/amdv1_walk.h"
#include "fhw_arena.h"

#define PR (1ull << 0)
#define A_ (1ull << 5)
#define D_ (1ull << 6)
#define NL(n) ((uint64_t)(n) << 9)
#define FC (1ull << 60)
#define IR (1ull << 61)
#define IW (1ull << 62)
#define RW_ (IR | IW)

TestSuite(amdv1_hw, .init = hwa_setup, .fini = hwa_teardown);

static uint64_t *ent(uint64_t table_pa, unsigned int i)
{
	return (uint64_t *)hwa_p2v(NULL, table_pa) + i;
}

static const struct hwa_fmt amd = { PR, RW_ | PR, 9 };

/* Tables for @va from level @mode down to a level-1 @leaf (specification
 * levels); slots[n] = the entry used at level n. */
static uint64_t build(unsigned int mode, uint64_t va, uint64_t leaf, uint64_t **slots)
{
	return hwa_build(&amd, mode - 1, va, 0, leaf, slots + 1);
}

static enum genpt_amdv1_fault walk(uint64_t root, unsigned int mode, uint64_t va,
				   unsigned int access, bool had, uint64_t *pa)
{
	struct genpt_amdv1_walk w = { .mem = &hwa_ops, .root_pa = root, .mode = mode,
				      .va = va, .access = access, .had = had };
	enum genpt_amdv1_fault f = genpt_amdv1_walk(&w);

	if (pa)
		*pa = w.pa;
	return f;
}

Test(amdv1_hw, mode_decodes_only_its_bits)
{
	uint64_t *slots[7], root;

	for (unsigned int mode = 1; mode <= 5; mode++) {
		hwa_reset();
		root = build(mode, 0, 0x5000 | RW_ | A_ | D_ | PR, slots);
		cr_assert_eq(walk(root, mode, 0x123, GENPT_ACCESS_READ, false, NULL), GENPT_AMDV1_OK);
		cr_assert_eq(walk(root, mode, 1ull << (12 + 9 * mode), GENPT_ACCESS_READ, false, NULL),
			     GENPT_AMDV1_FAULT_PAGE, "mode %u", mode);
		cr_assert_eq(walk(root, mode, 1ull << 63, GENPT_ACCESS_READ, false, NULL),
			     GENPT_AMDV1_FAULT_PAGE);
	}
	/* Mode 6: the top table has 128 entries for bits 63:57 */
	hwa_reset();
	root = build(6, 0xfe00000000000000ull, 0x5000 | RW_ | A_ | D_ | PR, slots);
	cr_assert_eq(slots[6], ent(root, 127));
	cr_assert_eq(walk(root, 6, 0xfe00000000000abcull, GENPT_ACCESS_READ, false, NULL),
		     GENPT_AMDV1_OK);
	/* no page in the level-6 table */
	*slots[6] = 0x000e000000000000ull | NL(0) | RW_ | A_ | D_ | PR;
	cr_assert_eq(walk(root, 6, 0xfe00000000000000ull, GENPT_ACCESS_READ, false, NULL),
		     GENPT_AMDV1_FAULT_PAGE);
	*slots[6] = 0x000e000000000000ull | NL(7) | RW_ | A_ | D_ | PR;
	cr_assert_eq(walk(root, 6, 0xfe00000000000000ull, GENPT_ACCESS_READ, false, NULL),
		     GENPT_AMDV1_FAULT_PAGE);
}

Test(amdv1_hw, rights_combine_and_reserved_bits)
{
	uint64_t *slots[7], root, va = 0x40002000ull;

	root = build(4, va, 0x9000 | NL(0) | RW_ | A_ | D_ | PR, slots);
	for (unsigned int n = 1; n <= 4; n++) {
		uint64_t keep = *slots[n];

		*slots[n] &= ~IW;
		cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_AMDV1_OK);
		cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, false, NULL),
			     GENPT_AMDV1_FAULT_PAGE, "IW=0 at level %u", n);
		*slots[n] = keep & ~IR;
		cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL),
			     GENPT_AMDV1_FAULT_PAGE, "IR=0 at level %u", n);
		cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_EXEC, false, NULL),
			     GENPT_AMDV1_FAULT_PAGE, "exec is a read");
		cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, false, NULL), GENPT_AMDV1_OK);
		*slots[n] = keep | (1ull << 55);
		cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL),
			     GENPT_AMDV1_FAULT_PAGE, "bit 55 at level %u", n);
		*slots[n] = keep & ~PR;
		cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_AMDV1_FAULT_NP);
		*slots[n] = keep;
	}
	/* ignored / attribute bits: U 59, FC 60, 63, 8:7, 4:1 */
	*slots[1] |= (1ull << 59) | FC | (1ull << 63) | (3ull << 7) | 0x1e;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, false, NULL), GENPT_AMDV1_OK);
	/* a PDE in a level-1 table, a NextLevel not below the current level */
	*slots[1] = 0x9000 | NL(1) | RW_ | A_ | D_ | PR;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_AMDV1_FAULT_PAGE);
	*slots[1] = 0x9000 | NL(0) | RW_ | A_ | D_ | PR;
	*slots[3] = (*slots[3] & ~NL(7)) | NL(3);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_AMDV1_FAULT_PAGE);
	*slots[3] = (*slots[3] & ~NL(7)) | NL(5);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_AMDV1_FAULT_PAGE);
}

/* A PDE may skip levels; the address bits of the skipped levels must be 0. */
Test(amdv1_hw, level_skipping)
{
	uint64_t root = hwa_table(4096), l1 = hwa_table(4096), pa;
	uint64_t va = 0x1ff000ull; /* level-1 index 511, levels 2..4 index 0 */

	*ent(root, 0) = l1 | NL(1) | RW_ | PR; /* level 4 straight to level 1 */
	*ent(l1, 511) = 0xabc000ull | NL(0) | RW_ | A_ | D_ | PR;
	cr_assert_eq(walk(root, 4, va + 0x12, GENPT_ACCESS_WRITE, false, &pa), GENPT_AMDV1_OK);
	cr_assert_eq(pa, 0xabc012ull);
	/* a set bit in the skipped levels 2 and 3 (bits 38:21) */
	cr_assert_eq(walk(root, 4, va | (1ull << 21), GENPT_ACCESS_READ, false, NULL),
		     GENPT_AMDV1_FAULT_PAGE);
	cr_assert_eq(walk(root, 4, va | (1ull << 38), GENPT_ACCESS_READ, false, NULL),
		     GENPT_AMDV1_FAULT_PAGE);
	/* bit 39 selects another level-4 entry: not present */
	cr_assert_eq(walk(root, 4, va | (1ull << 39), GENPT_ACCESS_READ, false, NULL),
		     GENPT_AMDV1_FAULT_NP);
}
