// SPDX-License-Identifier: MIT
/*
 * test_fmt_errors.c - argument shape, overflow, range and NULL errors of
 * the table API on every configuration of every format (af_all[]), in the
 * documented precedence (docs/api.md: -EINVAL, then -EOVERFLOW, then
 * -ERANGE, then the table's contents), each failed call checked to leave
 * the table byte for byte, the provider and the gather as they were.
 * Overlaps, straddles and ENOMEM: test_fmt_errors_edit.c; hw_access and
 * the dirty bitmap: test_fmt_errors_hw.c.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "fe_pop.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Lengths that are no whole number of granules, and offsets that take an
 * address off its granule. */
static void bad_shapes(const struct fe_pop *p, uint64_t len[6], uint64_t off[5])
{
	uint64_t g = p->gr;

	len[0] = 0, len[1] = 1, len[2] = g - 1, len[3] = g + 1, len[4] = g + g / 2;
	len[5] = g + 8;
	off[0] = 1, off[1] = 8, off[2] = 0x200, off[3] = 0x800, off[4] = g / 2;
}

static void map_shape(struct fe_pop *p)
{
	static const unsigned int bad_prot[] = {
		0, GENPT_NOEXEC, GENPT_MMIO | GENPT_CACHE, GENPT_MMIO | GENPT_CACHE | GENPT_NOEXEC,
		GENPT_READ | (1u << 5), FE_RW | (1u << 5), FE_RW | (1u << 31), ~0u,
	};
	struct genpt *pt = p->t.pt;
	uint64_t va = fe_free_va(p), oa = p->oa0, g = p->gr, len[6], off[5];

	bad_shapes(p, len, off);
	for (size_t i = 0; i < NELEM(len); i++)
		FE_UNCHANGED(p, -EINVAL, genpt_map(pt, va, oa, len[i], FE_RW, &p->g),
			     "map len 0x%llx", (unsigned long long)len[i]);
	for (size_t i = 0; i < NELEM(off); i++) {
		FE_UNCHANGED(p, -EINVAL, genpt_map(pt, va + off[i], oa, 2 * g, FE_RW, &p->g),
			     "map iova off by 0x%llx", (unsigned long long)off[i]);
		FE_UNCHANGED(p, -EINVAL, genpt_map(pt, va, oa + off[i], g, FE_RW, &p->g),
			     "map oa off by 0x%llx", (unsigned long long)off[i]);
	}
	if (g > TU_4K) {
		/* a 16K or 64K granule: 4K pieces are not pages */
		FE_UNCHANGED(p, -EINVAL, genpt_map(pt, va, oa, TU_4K, FE_RW, &p->g),
			     "map 4K on a larger granule");
		FE_UNCHANGED(p, -EINVAL, genpt_map(pt, va + TU_4K, oa, g, FE_RW, &p->g),
			     "map at a 4K offset on a larger granule");
	}
	for (size_t i = 0; i < NELEM(bad_prot); i++)
		FE_UNCHANGED(p, -EINVAL, genpt_map(pt, va, oa, g, bad_prot[i], &p->g),
			     "map prot 0x%x", bad_prot[i]);
	/* Shape errors win over range errors and overlaps. */
	FE_UNCHANGED(p, -EINVAL, genpt_map(pt, p->a, oa, 0, FE_RW, &p->g),
		     "map len 0 over a leaf");
	FE_UNCHANGED(p, -EINVAL, genpt_map(pt, p->a, oa, g, 0, &p->g),
		     "map prot 0 over a leaf");
	FE_UNCHANGED(p, -EINVAL, genpt_map(pt, 1ull << 62, oa + 1, g, FE_RW, &p->g),
		     "map unaligned oa, iova maybe out of range");
	FE_UNCHANGED(p, -EINVAL, genpt_map(pt, va, ~0ull - g + 2, 2 * g, FE_RW, &p->g),
		     "map unaligned oa that wraps");
	FE_UNCHANGED(p, -EINVAL, genpt_map(pt, va, oa, 0, FE_RW, NULL),
		     "map len 0, NULL gather");
}

static void unmap_shape(struct fe_pop *p)
{
	struct genpt *pt = p->t.pt;
	uint64_t u = 0x1234, g = p->gr, len[6], off[5];

	bad_shapes(p, len, off);
	for (size_t i = 0; i < NELEM(len); i++)
		FE_UNCHANGED(p, -EINVAL, genpt_unmap(pt, p->a, len[i], &p->g, &u),
			     "unmap len 0x%llx", (unsigned long long)len[i]);
	for (size_t i = 0; i < NELEM(off); i++)
		FE_UNCHANGED(p, -EINVAL, genpt_unmap(pt, p->a + off[i], g, &p->g, &u),
			     "unmap iova off by 0x%llx", (unsigned long long)off[i]);
	FE_UNCHANGED(p, -EINVAL, genpt_unmap(pt, p->ro, p->R - 1, &p->g, NULL),
		     "unmap len unaligned, NULL unmapped");
	FE_UNCHANGED(p, -EINVAL, genpt_unmap(pt, ~0ull - g + 2, 2 * g, &p->g, NULL),
		     "unmap unaligned and wrapping");
	cr_assert_eq(u, 0x1234, "%s: *unmapped written by a failed unmap", p->c->name);
}

static void check_map_unmap_einval_shape_and_prot(struct fe_pop *p)
{
	map_shape(p);
	unmap_shape(p);
}

Test(fmt_errors, map_unmap_einval_shape_and_prot)
{
	fe_each(check_map_unmap_einval_shape_and_prot);
}

static void check_eoverflow(struct fe_pop *p)
{
	uint64_t g, top;

	g = p->gr;
	top = ~0ull - g + 1;
	FE_UNCHANGED(p, -EOVERFLOW, genpt_map(p->t.pt, top, p->oa0, 2 * g, FE_RW, &p->g),
		     "map iova wraps");
	FE_UNCHANGED(p, -EOVERFLOW,
		     genpt_map(p->t.pt, 2 * g, p->oa0, top, FE_RW, &p->g),
		     "map huge len wraps");
	FE_UNCHANGED(p, -EOVERFLOW,
		     genpt_map(p->t.pt, fe_free_va(p), top, 2 * g, FE_RW, &p->g),
		     "map oa wraps");
	FE_UNCHANGED(p, -EOVERFLOW, genpt_unmap(p->t.pt, top, 2 * g, &p->g, NULL),
		     "unmap wraps");
	FE_UNCHANGED(p, -EOVERFLOW,
		     genpt_read_and_clear_dirty(p->t.pt, top, 2 * g, 0, NULL, &p->g),
		     "dirty range wraps");
}

Test(fmt_errors, eoverflow)
{
	fe_each(check_eoverflow);
}

struct range_case {
	uint64_t iova, len;
	const char *what;
};

/* Granule-aligned addresses outside the input space, and ranges leaving
 * it; returns the counts (none when the space is all of 2^64). */
static void bad_inputs(const struct fe_pop *p, uint64_t *bad, unsigned int *nb,
		       struct range_case *r, unsigned int *nr)
{
	unsigned int vb = p->c->cfg.va_bits;
	uint64_t g = p->gr;

	*nb = *nr = 0;
	if (!p->c->sign_extend) {
		if (vb >= 64)
			return;
		bad[(*nb)++] = 1ull << vb;
		bad[(*nb)++] = 1ull << 63;
		bad[(*nb)++] = ~0ull & ~(g - 1);
		bad[(*nb)++] = (1ull << vb) | g;
		r[(*nr)++] = (struct range_case){ (1ull << vb) - g, 2 * g,
						  "range leaving the space" };
		r[(*nr)++] = (struct range_case){ 0, (1ull << vb) + g,
						  "range longer than the space" };
		return;
	}
	/* not canonical: bits above va_bits - 1 differ */
	bad[(*nb)++] = p->l[0] + 1;
	bad[(*nb)++] = p->f[1] - g;
	if (vb < 64)
		bad[(*nb)++] = 1ull << vb;
	if (vb <= 62)
		bad[(*nb)++] = p->f[1] ^ (1ull << 62);
	r[(*nr)++] = (struct range_case){ p->l[0] - g + 1, 2 * g,
					  "range leaving the lower half" };
	r[(*nr)++] = (struct range_case){ p->f[1] - g, 2 * g,
					  "range entering the upper half from the hole" };
	r[(*nr)++] = (struct range_case){ p->l[0] - g + 1, p->f[1] + g - (p->l[0] - g + 1),
					  "range across the hole" };
	r[(*nr)++] = (struct range_case){ 0, 0ull - g, "range from 0 to the top" };
}

static void erange_at(struct fe_pop *p, uint64_t va)
{
	struct genpt *pt = p->t.pt;
	unsigned long long v = va;
	uint64_t oa;

	FE_UNCHANGED(p, -ERANGE, genpt_map(pt, va, p->oa0, p->gr, FE_RW, &p->g),
		     "map at 0x%llx", v);
	FE_UNCHANGED(p, -ERANGE, genpt_unmap(pt, va, p->gr, &p->g, NULL),
		     "unmap at 0x%llx", v);
	FE_UNCHANGED(p, -ERANGE, genpt_iova_to_phys(pt, va + 0x123, &oa),
		     "iova_to_phys at 0x%llx", v);
	FE_UNCHANGED(p, -ERANGE, genpt_hw_access(pt, va, GENPT_ACCESS_READ, &oa),
		     "hw_access at 0x%llx", v);
	/* -ERANGE comes before -EOPNOTSUPP: on tables without dirty state too */
	FE_UNCHANGED(p, -ERANGE, genpt_read_and_clear_dirty(pt, va, p->gr, 0, NULL, &p->g),
		     "read_and_clear_dirty at 0x%llx", v);
}

static void check_erange_input_space(struct fe_pop *p)
{
	uint64_t bad[8];
	struct range_case r[8];
	unsigned int nb, nr;

	bad_inputs(p, bad, &nb, r, &nr);
	for (unsigned int i = 0; i < nb; i++)
		erange_at(p, bad[i]);
	for (unsigned int i = 0; i < nr; i++) {
		FE_UNCHANGED(p, -ERANGE,
			     genpt_map(p->t.pt, r[i].iova, 0, r[i].len, FE_RW, &p->g),
			     "map %s", r[i].what);
		FE_UNCHANGED(p, -ERANGE,
			     genpt_unmap(p->t.pt, r[i].iova, r[i].len, &p->g, NULL),
			     "unmap %s", r[i].what);
		FE_UNCHANGED(p, -ERANGE,
			     genpt_read_and_clear_dirty(p->t.pt, r[i].iova, r[i].len,
							0, NULL, &p->g),
			     "read_and_clear_dirty %s", r[i].what);
	}
}

Test(fmt_errors, erange_input_space)
{
	fe_each(check_erange_input_space);
}

/* Output addresses at and past 2^oa_bits (the configured width, which
 * af_all[] narrows for some configurations) are refused; the last page
 * below is fine. */
static void check_erange_output_space(struct fe_pop *p)
{
	const struct af_cfg *c = p->c;
	uint64_t va, end = af_oa_end(c), g, oa;

	va = fe_free_va(p);
	g = p->gr;
	FE_UNCHANGED(p, -ERANGE, genpt_map(p->t.pt, va, end, g, FE_RW, &p->g),
		     "oa 2^oa_bits");
	FE_UNCHANGED(p, -ERANGE, genpt_map(p->t.pt, va, end - g, 2 * g, FE_RW, &p->g),
		     "oa range ending past 2^oa_bits");
	if (c->cfg.oa_bits < 63) {
		FE_UNCHANGED(p, -ERANGE,
			     genpt_map(p->t.pt, va, 1ull << 63, g, FE_RW, &p->g),
			     "oa 2^63");
		FE_UNCHANGED(p, -ERANGE, genpt_map(p->t.pt, 0, 0, 1ull << 63, FE_RW, &p->g),
			     "[0, 2^63) to [0, 2^63)");
	}
	cr_assert_eq(genpt_map(p->t.pt, va, end - g, g, FE_RW, NULL), 0,
		     "%s: last page of the output space", c->name);
	cr_assert_eq(genpt_iova_to_phys(p->t.pt, va + 8, &oa), 0, "%s", c->name);
	cr_assert_eq(oa, end - g + 8, "%s: last page oa 0x%llx", c->name,
		     (unsigned long long)oa);
	cr_assert_eq(genpt_unmap(p->t.pt, va, g, NULL, NULL), 0, "%s", c->name);
}

Test(fmt_errors, erange_output_space)
{
	fe_each(check_erange_output_space);
}

/* NULL for any pointer is -EINVAL and touches nothing. */
static void null_calls(struct fe_pop *p)
{
	struct genpt *pt = p->t.pt, *npt = pt; /* a sentinel: *out stays */
	struct genpt_gather g;
	struct genpt_hw_info info;
	uint64_t v = 0, words[4] = { 0 };
	struct genpt_dirty_bitmap bm = { words, 0, 256 * p->gr, af_gshift(p->c) };
	const char *n = p->c->name;

	genpt_gather_init(&g);
	cr_assert_eq(genpt_create(NULL, &npt), -EINVAL, "%s", n);
	cr_assert_eq(npt, pt, "%s: *out written", n);
	cr_assert_eq(genpt_create(&p->c->cfg, NULL), -EINVAL, "%s", n);
	cr_assert_eq(genpt_map(NULL, 0, p->oa0, p->gr, FE_RW, &g), -EINVAL, "%s", n);
	cr_assert_eq(genpt_unmap(NULL, 0, p->gr, &g, &v), -EINVAL, "%s", n);
	cr_assert_eq(genpt_unmap(NULL, 0, p->gr, NULL, NULL), -EINVAL, "%s", n);
	cr_assert_eq(genpt_iova_to_phys(NULL, p->a, &v), -EINVAL, "%s", n);
	cr_assert_eq(genpt_read_and_clear_dirty(NULL, 0, p->gr, 0, &bm, &g), -EINVAL, "%s", n);
	cr_assert_eq(genpt_set_dirty_tracking(NULL, true), -EINVAL, "%s", n);
	cr_assert_eq(genpt_dirty_tracking(NULL), -EINVAL, "%s", n);
	cr_assert_eq(genpt_hw_access(NULL, p->a, GENPT_ACCESS_READ, &v), -EINVAL, "%s", n);
	cr_assert_eq(genpt_hw_info(NULL, &info), -EINVAL, "%s", n);
	cr_assert_eq(genpt_gather_release(NULL, &g), -EINVAL, "%s", n);
	genpt_destroy(NULL);
	genpt_gather_init(NULL);
	FE_UNCHANGED(p, -EINVAL, genpt_iova_to_phys(pt, p->a, NULL), "iova_to_phys NULL oa");
	FE_UNCHANGED(p, -EINVAL, genpt_hw_info(pt, NULL), "hw_info NULL");
	FE_UNCHANGED(p, -EINVAL, genpt_table_bytes(pt, NULL), "table_bytes NULL");
	FE_UNCHANGED(p, -EINVAL, genpt_gather_release(pt, NULL), "gather_release NULL");
	/* Optional outputs may be NULL. */
	cr_assert_eq(genpt_hw_access(pt, p->ro, GENPT_ACCESS_READ, NULL), 0,
		     "%s: hw_access read, NULL oa", n);
	cr_assert_gt(g.start, g.last, "%s: gather touched", n);
	cr_assert_null(g.freed);
}

Test(fmt_errors, null_pointers)
{
	/* physmem is format independent: test_physmem.c */
	fe_each(null_calls);
}
