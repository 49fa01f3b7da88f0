// SPDX-License-Identifier: MIT
/*
 * test_mutants_carry.c - the carry store itself (lib/core/carry.h): its
 * ranges are disjoint, sorted and non-adjacent, so inserting a range joins
 * it with every range it overlaps or touches, and with no other.
 *
 * Through the public API every carried range starts and ends on a 4 KiB
 * boundary (queries, masks and leaves are all page aligned), so two
 * ranges are either adjacent or at least a page apart and the mutant
 * carry-join-gap (ranges one byte apart joined) cannot be seen there: it
 * is equivalent for today's callers.  The store's own contract is byte
 * exact, and a caller with finer ranges would lose the byte between, so
 * it is checked here on the store directly.
 *
 * Likewise a query's last byte is the last byte of a page through the
 * public API, so no carried range starts there, and the mutant
 * carry-take-bound (a range starting at the query's last byte skipped)
 * is equivalent for today's callers too; the store promises every carried
 * byte in [first, last], checked below.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "core/carry.h"

static void expect_ranges(struct genpt_carry *c, const struct genpt_range *want,
			  unsigned int n, const char *what)
{
	cr_assert_eq(genpt_carry_count(c), n, "carry, %s: %u ranges, should be %u", what,
		     genpt_carry_count(c), n);
	for (unsigned int i = 0; i < n; i++)
		cr_expect(c->r[i].first == want[i].first && c->r[i].last == want[i].last,
			  "carry, %s: range %u is [%#llx, %#llx], should be [%#llx, %#llx]",
			  what, i, (unsigned long long)c->r[i].first,
			  (unsigned long long)c->r[i].last, (unsigned long long)want[i].first,
			  (unsigned long long)want[i].last);
}

Test(mutants_carry, joins_touching_ranges_only)
{
	struct genpt_carry c;
	const struct genpt_range a = { 0x1000, 0x1fff }, gap1 = { 0x2001, 0x2fff };
	const struct genpt_range touch = { 0x3000, 0x3fff }, gap2 = { 0x0, 0xffe };
	const struct genpt_range two[2] = { a, gap1 };
	const struct genpt_range joined[2] = { a, { 0x2001, 0x3fff } };
	const struct genpt_range three[3] = { gap2, a, { 0x2001, 0x3fff } };
	const struct genpt_range fill = { 0x2000, 0x2000 }, one = { 0x0, 0x3fff };
	const struct genpt_range one_left[2] = { { 0x0, 0xffe }, { 0x1000, 0x3fff } };

	memset(&c, 0, sizeof(c));
	cr_assert(genpt_carry_add(&c, &a, 1));
	cr_assert(genpt_carry_add(&c, &gap1, 1));
	expect_ranges(&c, two, 2, "one byte apart");
	cr_assert(genpt_carry_add(&c, &touch, 1));
	expect_ranges(&c, joined, 2, "touching");
	cr_assert(genpt_carry_add(&c, &gap2, 1));
	expect_ranges(&c, three, 3, "one byte apart, below");
	cr_assert(genpt_carry_add(&c, &fill, 1));
	expect_ranges(&c, one_left, 2, "the byte between filled");
	cr_assert(genpt_carry_add(&c, &(struct genpt_range){ 0xfff, 0xfff }, 1));
	expect_ranges(&c, &one, 1, "every gap filled");
}

/* A range that starts at the query's last byte is reported and cut there. */
Test(mutants_carry, take_meets_a_range_at_the_last_byte)
{
	struct genpt_carry c;
	uint64_t bits[1] = { 0 };
	const struct genpt_dirty_bitmap bm = { bits, 0, 0x10000, 12 };
	const struct genpt_range r = { 0x3000, 0x3fff }, left = { 0x3001, 0x3fff };

	memset(&c, 0, sizeof(c));
	cr_assert(genpt_carry_add(&c, &r, 1));
	genpt_carry_take(&c, 0x2000, 0x3000, &bm, true);
	cr_assert_eq(bits[0], 1ull << 3, "carry, query [0x2000, 0x3000]: bitmap %#llx, should be"
		     " page 0x3000 alone", (unsigned long long)bits[0]);
	expect_ranges(&c, &left, 1, "the byte the query met dropped");
}
