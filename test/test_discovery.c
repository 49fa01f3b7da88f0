// SPDX-License-Identifier: MIT
/*
 * test_discovery.c - genpt_query_caps() and genpt_leaf_lookup() on every
 * format (test/support/anyfmt.h): what a VMM learns without probing.
 *
 * Every page size the caps announce is mapped alone and looked up: the
 * lookup must find one leaf (or run) of exactly that size, so the caps and
 * genpt_map() cannot disagree.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "anyfmt.h"
#include "fmt_open.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define OA_BASE (1ull << 36)

static void expect_same_caps(const struct genpt_caps *a, const struct genpt_caps *b,
			     const char *name)
{
	cr_assert_eq(a->levels, b->levels, "%s", name);
	cr_assert_eq(a->va_bits, b->va_bits, "%s", name);
	cr_assert_eq(a->oa_bits, b->oa_bits, "%s", name);
	cr_assert_eq(a->granule_bits, b->granule_bits, "%s", name);
	cr_assert_eq(a->page_sizes, b->page_sizes, "%s", name);
	cr_assert_eq(a->run_sizes, b->run_sizes, "%s", name);
	cr_assert_eq(a->dirty, b->dirty, "%s", name);
	cr_assert_eq(a->split, b->split, "%s", name);
	cr_assert_eq(a->hw_tracking.levels, b->hw_tracking.levels, "%s", name);
	cr_assert_eq(a->hw_tracking.mode, b->hw_tracking.mode, "%s", name);
	cr_assert_eq(a->hw_tracking.tcr, b->hw_tracking.tcr, "%s", name);
}

static void caps_of_a_config_and_of_its_table_agree_on(struct fo_table *t)
{
	const struct af_fmt *f = t->f;
	struct genpt_caps c1, c2;
	struct genpt_hw_info hi;
	uint64_t all = 0;

	cr_assert_eq(genpt_query_caps(&f->cfg, NULL, &c1), 0, "%s", f->name);
	cr_assert_eq(genpt_query_caps(NULL, t->pt, &c2), 0, "%s", f->name);
	expect_same_caps(&c1, &c2, f->name);
	cr_assert_eq(c1.va_bits, f->va_bits, "%s", f->name);
	cr_assert_eq(c1.granule_bits, f->gshift, "%s", f->name);
	cr_assert_eq(c1.dirty, f->dirty, "%s", f->name);
	cr_assert(c1.page_sizes & af_gran(f), "%s: the granule", f->name);
	cr_assert(c1.page_sizes & af_big(f), "%s: one level up", f->name);
	for (unsigned int l = 0; l < GENPT_CAPS_LEVELS; l++) {
		cr_assert_eq(all & c1.level_sizes[l], 0, "%s: sizes of two levels", f->name);
		all |= c1.level_sizes[l];
		if (l >= c1.levels)
			cr_assert_eq(c1.level_sizes[l], 0, "%s", f->name);
	}
	cr_assert_eq(all, c1.page_sizes, "%s", f->name);
	cr_assert_eq(c1.run_sizes & ~c1.page_sizes, 0, "%s", f->name);
	/* with tracking on, hw_info is what the caps said it would be */
	if (f->dirty) {
		cr_assert_eq(genpt_set_dirty_tracking(t->pt, true), 0);
		cr_assert_eq(genpt_hw_info(t->pt, &hi), 0);
		cr_assert_eq(hi.tcr, c2.hw_tracking.tcr, "%s", f->name);
		cr_assert_eq(hi.mode, c2.hw_tracking.mode, "%s", f->name);
		cr_assert_eq(hi.root_pa, c2.hw_tracking.root_pa, "%s", f->name);
	}
	cr_assert_eq(genpt_query_caps(&f->cfg, t->pt, &c1), -EINVAL);
	cr_assert_eq(genpt_query_caps(NULL, NULL, &c1), -EINVAL);
	cr_assert_eq(genpt_query_caps(&f->cfg, NULL, NULL), -EINVAL);
}

Test(discovery, caps_of_a_config_and_of_its_table_agree)
{
	fo_each(caps_of_a_config_and_of_its_table_agree_on);
}

/* Map each announced size (up to 1 GiB) alone and look it up. */
static void every_announced_size_maps_as_one_leaf_on(struct fo_table *t)
{
	const struct af_fmt *f = t->f;
	struct genpt_caps c;
	uint64_t va = 1ull << 34;

	cr_assert_eq(genpt_query_caps(NULL, t->pt, &c), 0);
	for (unsigned int n = 12; n <= 30; n++) {
		struct genpt_leaf_info li;
		uint64_t size = 1ull << n;

		if (!(c.page_sizes & size))
			continue;
		cr_assert_eq(genpt_map(t->pt, va, OA_BASE + va, size, RW, NULL), 0,
			     "%s: 2^%u", f->name, n);
		cr_assert_eq(genpt_leaf_lookup(t->pt, va + size / 2 + 8, &li), 0);
		cr_assert_eq(li.first, va, "%s: 2^%u", f->name, n);
		cr_assert_eq(li.size, size, "%s: 2^%u is %#llx", f->name, n,
			     (unsigned long long)li.size);
		cr_assert_eq(li.oa, OA_BASE + va + size / 2 + 8, "%s", f->name);
		cr_assert_eq(li.entry_size * li.run, size, "%s", f->name);
		cr_assert_eq(li.run > 1, (c.run_sizes & size) != 0, "%s: 2^%u run",
			     f->name, n);
		cr_assert(c.level_sizes[li.level] & size, "%s: 2^%u level %u", f->name, n,
			  li.level);
		cr_assert_eq(li.prot & RW, RW, "%s", f->name);
		va += 2 * (1ull << 30);
	}
}

Test(discovery, every_announced_size_maps_as_one_leaf)
{
	fo_each(every_announced_size_maps_as_one_leaf_on);
}

static void leaf_lookup_state_and_errors_on(struct fo_table *t)
{
	const struct af_fmt *f = t->f;
	struct genpt_leaf_info li;
	uint64_t g = af_gran(f), va = 1ull << 32;

	if (f->dirty)
		cr_assert_eq(genpt_set_dirty_tracking(t->pt, true), 0);
	cr_assert_eq(genpt_map(t->pt, va, OA_BASE, g, RW | GENPT_NOEXEC, NULL), 0);
	cr_assert_eq(genpt_map(t->pt, va + 4 * g, OA_BASE + 4 * g, g, GENPT_READ, NULL), 0);
	cr_assert_eq(genpt_leaf_lookup(t->pt, va, &li), 0);
	cr_assert_eq(li.level, 0, "%s", f->name);
	cr_assert_eq(li.run, 1, "%s", f->name);
	cr_assert(li.accessed, "%s: genpt leaves carry the accessed flag", f->name);
	cr_assert_not(li.dirty, "%s: clean while tracking", f->name);
	if (f->dirty) {
		cr_assert_eq(genpt_hw_access(t->pt, va, GENPT_ACCESS_WRITE, NULL), 0);
		cr_assert_eq(genpt_leaf_lookup(t->pt, va, &li), 0);
		cr_assert(li.dirty, "%s: written", f->name);
	}
	cr_assert_eq(genpt_leaf_lookup(t->pt, va + 4 * g, &li), 0);
	cr_assert_eq(li.prot & RW, GENPT_READ, "%s: read-only", f->name);
	cr_assert_eq(genpt_leaf_lookup(t->pt, va + g, &li), -ENOENT, "%s", f->name);
	cr_assert_eq(genpt_leaf_lookup(NULL, va, &li), -EINVAL);
	cr_assert_eq(genpt_leaf_lookup(t->pt, va, NULL), -EINVAL);
	if (f->va_bits < 64)
		cr_assert_eq(genpt_leaf_lookup(t->pt, 1ull << (f->va_bits - f->sign_extend), &li),
			     -ERANGE, "%s", f->name);
}

Test(discovery, leaf_lookup_state_and_errors)
{
	fo_each(leaf_lookup_state_and_errors_on);
}
