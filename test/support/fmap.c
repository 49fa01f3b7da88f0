// SPDX-License-Identifier: MIT
/*
 * fmap.c - helpers of the format-neutral map suites (see fmap.h).
 */
#include "fmap.h"

#include <criterion/criterion.h>
#include <errno.h>

#include "model.h"

uint64_t fm_lvl_size(const struct af_cfg *c, unsigned int lvl)
{
	return 1ull << af_lvl_shift(c, lvl);
}

bool fm_has_size(const struct af_cfg *c, unsigned int shift)
{
	return shift < 64 && (af_page_sizes(c) >> shift & 1);
}

unsigned int fm_level_of(const struct af_cfg *c, unsigned int shift)
{
	return (shift - af_gshift(c)) / (af_gshift(c) - 3);
}

uint64_t fm_half(const struct af_cfg *c)
{
	uint64_t first[2], last[2];

	af_halves(c, first, last);
	return last[0] + 1;
}

uint64_t fm_run16(const struct af_cfg *c)
{
	uint64_t runs = af_run_sizes(c);

	for (unsigned int s = af_gshift(c) + 4; s < 64; s++)
		if (runs >> s & 1)
			return 1ull << s;
	return 16ull << af_gshift(c);
}

void fm_for_variants(const struct af_cfg *c,
		     void (*fn)(const struct af_cfg *c, uint64_t features))
{
	uint64_t sets[4];
	unsigned int n = af_size_variants(c, sets);

	for (unsigned int i = 0; i < n; i++) {
		struct af_cfg v;
		char name[96];

		af_cfg_with(c, sets[i], &v, name, sizeof(name));
		fn(&v, 0);
		if (af_bit_features(&v))
			fn(&v, af_bit_features(&v));
	}
}

void fm_expect_oa(const struct af_table *t, uint64_t va, uint64_t want)
{
	uint64_t oa = 0;
	int err = genpt_iova_to_phys(t->pt, va, &oa);

	cr_assert(err == 0 && oa == want, "%s: iova_to_phys(0x%llx) = %d oa 0x%llx, want 0x%llx",
		  t->c->name, ULL(va), err, ULL(oa), ULL(want));
	oa = 0;
	err = genpt_hw_access(t->pt, va, GENPT_ACCESS_READ, &oa);
	cr_assert(err == 0 && oa == want, "%s: hw_access(0x%llx) = %d oa 0x%llx, want 0x%llx",
		  t->c->name, ULL(va), err, ULL(oa), ULL(want));
}

void fm_expect_unmapped(const struct af_table *t, uint64_t va)
{
	uint64_t oa = 0;
	int err = genpt_iova_to_phys(t->pt, va, &oa);

	cr_assert_eq(err, -ENOENT, "%s: iova_to_phys(0x%llx) = %d oa 0x%llx", t->c->name,
		     ULL(va), err, ULL(oa));
	err = genpt_hw_access(t->pt, va, GENPT_ACCESS_READ, &oa);
	cr_assert_eq(err, -ENOENT, "%s: hw_access(0x%llx) = %d", t->c->name, ULL(va), err);
}

uint64_t fm_pm_bytes(const struct af_table *t)
{
	uint64_t bytes = 0;

	cr_assert_eq(genpt_physmem_stats(t->prov.pm, &bytes, NULL), 0, "%s: physmem_stats",
		     t->c->name);
	return bytes;
}

uint64_t fm_pointer_bits(const struct af_cfg *c, unsigned int lvl)
{
	switch (c->fmt->fam) {
	case AF_RISCV:
		return 1;
	case AF_ARMV8:
		return 3;
	case AF_X86_64:
		return 7;
	case AF_VTDSS:
		return 3;
	case AF_AMDV1:
		return 1 | (uint64_t)lvl << 9 | 3ull << 61;
	}
	return 0;
}

void fm_expect_members(const struct af_table *t, const struct af_leaf *lf, bool dirty,
		       const char *what)
{
	uint64_t step = (1ull << lf->shift) / lf->run;

	for (unsigned int i = 0; i < lf->run; i++) {
		struct af_leaf m = fh_leaf(t, lf->first + i * step, what);

		cr_assert(m.accessed && (m.dirty == dirty || !t->c->dirty),
			  "%s: %s: member %u of 0x%llx: accessed %d dirty %d, want dirty %d",
			  t->c->name, what, i, ULL(lf->first), m.accessed, m.dirty, dirty);
	}
}

uint64_t *fm_leaf_slot(const struct af_table *t, uint64_t va)
{
	return af_ptr(t, fh_leaf(t, va, "leaf slot").pte_pa);
}

static void count_below(const struct af_table *t, const struct rawfmt *rf, unsigned int lvl,
			uint64_t table, size_t *counts)
{
	uint64_t n = 1ull << rf->tbits[lvl];
	const uint64_t *p = af_ptr(t, table);

	for (uint64_t i = 0; i < n; i++) {
		uint64_t e = __atomic_load_n(&p[i], __ATOMIC_RELAXED);
		struct rawfmt_ent d;

		if (!e)
			continue; /* empty in every format */
		d = rawfmt_decode(rf, lvl, e);
		cr_assert(d.kind != RAWFMT_BAD, "%s: level %u table 0x%llx entry %llu 0x%016llx: %s",
			  t->c->name, lvl, ULL(table), ULL(i), ULL(e), d.why);
		if (d.kind != RAWFMT_TABLE)
			continue;
		cr_assert(lvl > 0, "%s: table pointer at level 0", t->c->name);
		cr_assert_eq(rawfmt_with_table_addr(rf, lvl, e, 0) & ~rawfmt_accessed_bit(rf),
			     fm_pointer_bits(t->c, lvl),
			     "%s: level %u pointer 0x%016llx, want bits 0x%llx", t->c->name, lvl,
			     ULL(e), ULL(fm_pointer_bits(t->c, lvl)));
		counts[lvl - 1]++;
		count_below(t, rf, lvl - 1, d.oa, counts);
	}
}

void fm_count_tables(const struct af_table *t, size_t counts[RAWFMT_MAX_LEVELS])
{
	struct rawfmt rf;

	fh_rawfmt(t, &rf);
	for (unsigned int l = 0; l < RAWFMT_MAX_LEVELS; l++)
		counts[l] = 0;
	counts[rf.levels - 1] = 1;
	count_below(t, &rf, rf.levels - 1, t->info.root_pa, counts);
}

void fm_expect_root_empty(const struct af_table *t, const char *what)
{
	const uint64_t *root = af_ptr(t, t->info.root_pa);

	for (uint64_t i = 0; i < t->info.root_size / 8; i++)
		cr_assert_eq(root[i], 0, "%s: %s: root entry %llu left: 0x%016llx", t->c->name,
			     what, ULL(i), ULL(root[i]));
}

void fm_expect_leaves(struct af_table *t, uint64_t iova, uint64_t oa, uint64_t len,
		      const unsigned int *sizes, size_t n)
{
	const char *name = t->c->name;
	uint64_t va = iova;
	struct model m;
	int err = genpt_map(t->pt, iova, oa, len, FH_RW, NULL);

	cr_assert_eq(err, 0, "%s: map 0x%llx+0x%llx -> 0x%llx: %d", name, ULL(iova), ULL(len),
		     ULL(oa), err);
	for (size_t i = 0; i < n; i++) {
		struct af_leaf lf = fh_leaf(t, va, "listed leaf");

		cr_assert(lf.shift == sizes[i] && lf.first == va && lf.oa == oa + (va - iova),
			  "%s: leaf %zu at 0x%llx: 2^%u from 0x%llx -> 0x%llx; want 2^%u -> 0x%llx",
			  name, i, ULL(va), lf.shift, ULL(lf.first), ULL(lf.oa), sizes[i],
			  ULL(oa + (va - iova)));
		t->c->fmt->expect_bits(t, &lf, FH_RW, "listed leaf");
		fm_expect_members(t, &lf, true, "listed leaf");
		va += 1ull << sizes[i];
	}
	cr_assert_eq(va, iova + len, "%s: test bug: the list does not cover the range", name);
	model_init_cfg(&m, t->c);
	cr_assert_eq(model_leaf_count(&m, iova, iova + len - 1, oa, UINT64_MAX), n,
		     "%s: the model's rule counts other leaves", name);
	cr_assert_eq(model_map(&m, iova, oa, len, FH_RW), 0);
	model_expect(t, &m, NULL);
	model_fini(&m);
	cr_assert_eq(genpt_unmap(t->pt, iova, len, NULL, NULL), 0, "%s: unmap", name);
	/* the unmap may leave the empty tables it covered in part */
	af_reclaim(t->pt, af_map_leftover_pages(t->pt), name, "after unmap");
	cr_assert_eq(af_table_bytes(t), t->info.root_size, "%s: tables left after unmap", name);
}
