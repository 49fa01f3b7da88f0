// SPDX-License-Identifier: MIT
/*
 * test_fmt_map_space.c - the input space of every configuration of
 * af_all[] at its edges: whole halves mapped in one call, ranges at their
 * very ends against the model, the upper half of a sign-extended space in
 * the upper half of the root, and the first and last entry of every
 * (concatenated) root table.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "fmap.h"
#include "model.h"

/* One unmap over the whole half [f, l] (2^64 bytes in two calls). */
static uint64_t unmap_half(const struct af_table *t, uint64_t f, uint64_t l)
{
	uint64_t a = 0, b = 0;

	if (l - f != UINT64_MAX) {
		cr_assert_eq(genpt_unmap(t->pt, f, l - f + 1, NULL, &a), 0, "%s", t->c->name);
		return a;
	}
	cr_assert_eq(genpt_unmap(t->pt, 0, 1ull << 63, NULL, &a), 0, "%s", t->c->name);
	cr_assert_eq(genpt_unmap(t->pt, 1ull << 63, 1ull << 63, NULL, &b), 0, "%s", t->c->name);
	return a + b;
}

/*
 * The whole half in one call where its leaves are few enough and the
 * output space holds it, else a piece of the largest leaves at each end;
 * the root alone where its entries are leaves.
 */
static void whole_half(const struct af_table *t, uint64_t f, uint64_t l)
{
	const struct af_cfg *c = t->c;
	unsigned int shifts[64], top = (af_leaf_shifts(c, shifts), shifts[0]);
	bool root_leaves = top >= af_lvl_shift(c, c->levels - 1);
	uint64_t span = l - f, big = 1ull << top, len, piece = big;

	if (span < af_oa_end(c) && (span >> top) < (1u << 18)) {
		len = span + 1;
		cr_assert_eq(genpt_map(t->pt, f, 0, len, FH_RW, NULL), 0, "%s: whole half",
			     c->name);
		if (root_leaves)
			cr_assert_eq(af_table_bytes(t), t->info.root_size, "%s: tables", c->name);
		fm_expect_oa(t, f, 0);
		fm_expect_oa(t, l, len - 1);
		fm_expect_oa(t, f + len / 2 + 0x1234, len / 2 + 0x1234);
		cr_assert_eq(unmap_half(t, f, l), len, "%s: unmapped", c->name);
	} else {
		if (64 * big <= span / 4 && 128 * big <= af_oa_end(c))
			piece = 64 * big;
		cr_assert_eq(genpt_map(t->pt, f, 0, piece, FH_RW, NULL), 0, "%s", c->name);
		cr_assert_eq(genpt_map(t->pt, l - piece + 1, piece, piece, FH_RW, NULL), 0,
			     "%s", c->name);
		if (root_leaves)
			cr_assert_eq(af_table_bytes(t), t->info.root_size, "%s: tables", c->name);
		fm_expect_oa(t, f, 0);
		fm_expect_oa(t, l, 2 * piece - 1);
		fm_expect_unmapped(t, f + piece);
		fm_expect_unmapped(t, l - piece);
		/* one unmap over the whole half, holes and all */
		cr_assert_eq(unmap_half(t, f, l), 2 * piece, "%s: unmapped", c->name);
	}
	cr_assert_eq(af_table_bytes(t), t->info.root_size, "%s: tables left", c->name);
}

/* A range of one leaf of every size up to 1G ending at the last address
 * of the half, and one starting at its first, against the model. */
static void half_ends(const struct af_table *t, uint64_t f, uint64_t l, struct tu_rng *rng)
{
	const struct af_cfg *c = t->c;
	unsigned int shifts[64], ns = af_leaf_shifts(c, shifts), cap = fm_log2(fm_half(c)) - 4;
	uint64_t len = 0, w = 1, hi = 1ull << 44, got;
	unsigned int first = 64;
	struct model m;

	cap = cap < 30 ? cap : 30;
	for (unsigned int i = 0; i < ns; i++)
		if (shifts[i] <= cap) {
			len += 1ull << shifts[i];
			first = first < 64 ? first : shifts[i];
		}
	len += 1ull << first;
	while (w < 2 * len)
		w <<= 1;
	hi = hi < af_oa_end(c) / 4 ? hi : af_oa_end(c) / 4;
	model_init_cfg(&m, c);
	cr_assert_eq(genpt_map(t->pt, l - len + 1, hi - len, len, GENPT_READ, NULL), 0,
		     "%s: map at the top", c->name);
	cr_assert_eq(model_map(&m, l - len + 1, hi - len, len, GENPT_READ), 0);
	model_expect_range(t, &m, l - w + 1, l, rng);
	cr_assert_eq(genpt_unmap(t->pt, l - len + 1, len, NULL, &got), 0, "%s", c->name);
	cr_assert_eq(got, len, "%s: unmapped %llu", c->name, ULL(got));
	model_fini(&m);
	model_init_cfg(&m, c);
	cr_assert_eq(genpt_map(t->pt, f, hi, len, GENPT_READ | GENPT_NOEXEC, NULL), 0,
		     "%s: map at the bottom", c->name);
	cr_assert_eq(model_map(&m, f, hi, len, GENPT_READ | GENPT_NOEXEC), 0);
	model_expect_range(t, &m, f, f + w, rng);
	cr_assert_eq(genpt_unmap(t->pt, f, len, NULL, &got), 0, "%s", c->name);
	cr_assert_eq(got, len, "%s: unmapped %llu", c->name, ULL(got));
	model_fini(&m);
	/* the unmap may leave the empty tables it covered in part */
	af_reclaim(t->pt, 2 * af_map_leftover_pages(t->pt), c->name, "after the ends");
	cr_assert_eq(af_table_bytes(t), t->info.root_size, "%s: tables left", c->name);
}

Test(fmt_map, whole_halves_and_top_of_space)
{
	for (AF_EACH(c)) {
		uint64_t f[2], l[2];
		unsigned int nh = af_halves(c, f, l);
		struct tu_rng rng = { 42 };
		struct af_table t;

		af_table_init(&t, c, 0, 0);
		for (unsigned int h = 0; h < nh; h++) {
			whole_half(&t, f[h], l[h]);
			half_ends(&t, f[h], l[h], &rng);
		}
		af_table_fini(&t);
	}
}

/* The upper half of a sign-extended space lives in the upper half of the
 * root (index 256 of 512 for Sv39's 0xffffffc000000000 and x86-64's
 * 0xffff800000000000); the same low bits in the lower half are another
 * page; the last page of the space is the root's last entry. */
Test(fmt_map, upper_half_in_the_upper_root)
{
	for (AF_EACH(c)) {
		uint64_t f[2], l[2], gran = 1ull << af_gshift(c), oa = 0x2345678000ull, got;
		const uint64_t *root;
		uint64_t n;
		struct af_table t;

		if (af_halves(c, f, l) < 2)
			continue;
		af_table_init(&t, c, 0, 0);
		root = af_ptr(&t, t.info.root_pa);
		n = t.info.root_size / 8;
		cr_assert_eq(genpt_map(t.pt, f[1], oa, gran, FH_RW, NULL), 0, "%s", c->name);
		cr_assert(root[n / 2] && !root[0] && !root[n / 2 - 1], "%s: root entries %llu",
			  c->name, ULL(n / 2));
		fm_expect_oa(&t, f[1] + 0xabc, oa + 0xabc);
		cr_assert_eq(genpt_iova_to_phys(t.pt, 0xabc, &got), -ENOENT, "%s", c->name);
		cr_assert_eq(genpt_map(t.pt, 0, oa + gran, gran, FH_RW, NULL), 0, "%s", c->name);
		cr_assert_neq(root[0], 0, "%s", c->name);
		fm_expect_oa(&t, 0x10, oa + gran + 0x10);
		fm_expect_oa(&t, f[1] + 0x10, oa + 0x10);
		cr_assert_eq(genpt_map(t.pt, 0 - gran, oa + 2 * gran, gran, FH_RW, NULL), 0, "%s",
			     c->name);
		cr_assert_neq(root[n - 1], 0, "%s: last root entry", c->name);
		cr_assert_eq(genpt_hw_access(t.pt, ~0ull, GENPT_ACCESS_WRITE, &got), 0, "%s",
			     c->name);
		cr_assert_eq(got, oa + 3 * gran - 1, "%s: 0x%llx", c->name, ULL(got));
		cr_assert_eq(genpt_unmap(t.pt, f[1], gran, NULL, NULL), 0, "%s", c->name);
		fm_expect_unmapped(&t, f[1]);
		fm_expect_oa(&t, 0, oa + gran);
		cr_assert_eq(genpt_unmap(t.pt, 0, gran, NULL, NULL), 0, "%s", c->name);
		cr_assert_eq(genpt_unmap(t.pt, 0 - gran, gran, NULL, NULL), 0, "%s", c->name);
		/* the unmaps may leave the empty tables they covered in part */
		af_reclaim(t.pt, 3 * af_map_leftover_pages(t.pt), c->name, "after unmap");
		cr_assert_eq(af_table_bytes(&t), t.info.root_size, "%s: tables left", c->name);
		af_table_fini(&t);
	}
}

/* The input address of root entry @idx, sign-extended where the space is. */
static uint64_t root_va(const struct af_cfg *c, uint64_t idx)
{
	uint64_t va = idx << af_lvl_shift(c, c->levels - 1);

	if (c->sign_extend && (va >> (c->cfg.va_bits - 1) & 1))
		va |= ~0ull << (c->cfg.va_bits - 1);
	return va;
}

/*
 * The root index takes every bit above the root level: the first and last
 * entry of each of the concatenated root tables (ARM stage 2; one table
 * elsewhere) are reached at root_pa + index * 8 and translate; then one
 * unmap per half leaves the root alone.
 */
Test(fmt_map, every_root_table_first_and_last_entry)
{
	for (AF_EACH(c)) {
		uint64_t gran = 1ull << af_gshift(c), f[2], l[2], entries, per;
		uint64_t base = af_oa_end(c) / 4 < (3ull << 40) ? af_oa_end(c) / 4 : 3ull << 40;
		unsigned int nh = af_halves(c, f, l);
		struct rawfmt rf;
		struct af_table t;

		af_table_init(&t, c, 0, 0);
		fh_rawfmt(&t, &rf);
		entries = 1ull << rf.tbits[c->levels - 1];
		per = entries / c->concat;
		for (uint64_t k = 0; k < c->concat; k++)
			for (uint64_t end = 0; end < 2; end++) {
				uint64_t idx = k * per + (end ? per - 1 : 0);
				uint64_t va = root_va(c, idx) +
					      (end ? fm_lvl_size(c, c->levels - 1) - gran : 0);
				uint64_t oa = base + ((2 * k + end) << 30);

				cr_assert_eq(genpt_map(t.pt, va, oa, gran, FH_RW, NULL), 0,
					     "%s: table %llu end %llu", c->name, ULL(k), ULL(end));
				cr_assert_neq(fh_get(&t, t.info.root_pa + idx * 8), 0,
					      "%s: root entry %llu empty", c->name, ULL(idx));
				fm_expect_oa(&t, va + 5, oa + 5);
				fm_expect_oa(&t, va + gran - 1, oa + gran - 1);
			}
		for (unsigned int h = 0; h < nh; h++)
			cr_assert_eq(unmap_half(&t, f[h], l[h]), (2 * c->concat / nh) * gran,
				     "%s: half %u", c->name, h);
		cr_assert_eq(af_table_bytes(&t), t.info.root_size, "%s: tables left", c->name);
		af_table_fini(&t);
	}
}
