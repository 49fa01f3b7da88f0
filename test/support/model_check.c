// SPDX-License-Identifier: MIT
/*
 * model_check.c - model_expect*(): a table of any format against the
 * model (see model.h).
 */
#include "model.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#define ULL(x) ((unsigned long long)(x))

void model_init_cfg(struct model *m, const struct af_cfg *c)
{
	memset(m, 0, sizeof(*m));
	m->nshifts = af_leaf_shifts(c, m->shifts);
}

static void mx_hole(const struct af_table *t, uint64_t va)
{
	const char *n = t->c->name;
	struct genpt_leaf_info li;
	uint64_t oa = 0xdead;
	struct af_leaf lf;
	int err;

	if (!af_va_valid(t->c, va))
		return;
	err = genpt_iova_to_phys(t->pt, va, &oa);
	cr_assert_eq(err, -ENOENT, "%s: iova_to_phys(0x%llx) = %d (oa 0x%llx), model has a hole",
		     n, ULL(va), err, ULL(oa));
	err = genpt_hw_access(t->pt, va, GENPT_ACCESS_READ, &oa);
	cr_assert_eq(err, -ENOENT, "%s: hw_access(0x%llx) = %d, model has a hole", n,
		     ULL(va), err);
	err = genpt_leaf_lookup(t->pt, va, &li);
	cr_assert_eq(err, -ENOENT, "%s: leaf_lookup(0x%llx) = %d, model has a hole", n,
		     ULL(va), err);
	err = af_lookup(t, va, &lf);
	cr_assert_eq(err, -ENOENT, "%s: raw walk of 0x%llx = %d, model has a hole", n,
		     ULL(va), err);
}

static void mx_oa(const struct af_table *t, uint64_t va, uint64_t want)
{
	uint64_t oa = 0;
	int err = genpt_iova_to_phys(t->pt, va, &oa);

	cr_assert(err == 0 && oa == want,
		  "%s: iova_to_phys(0x%llx) = %d, oa 0x%llx; model says 0x%llx",
		  t->c->name, ULL(va), err, ULL(oa), ULL(want));
}

/* The raw walk and genpt_leaf_lookup of @va, inside the expected leaf
 * [f, f + 2^sh) of extent @x. */
static void mx_probe(const struct af_table *t, const struct model_ext *x,
		     uint64_t f, unsigned int sh, uint64_t va, bool bits)
{
	const struct af_cfg *c = t->c;
	unsigned int lvl = (sh - af_gshift(c)) / (af_gshift(c) - 3);
	unsigned int run = 1u << (sh - af_lvl_shift(c, lvl));
	uint64_t want_oa = x->oa + (va - x->iova);
	unsigned int want_prot = af_expect_prot(c, x->prot);
	bool want_r = want_prot & GENPT_READ;
	bool want_x = c->exec ? !(x->prot & GENPT_NOEXEC) : want_r;
	struct genpt_leaf_info li;
	struct af_leaf lf;
	int err = af_lookup(t, va, &lf);

	cr_assert_eq(err, 0, "%s: raw walk of 0x%llx = %d; model maps it", c->name, ULL(va), err);
	cr_assert(lf.shift == sh && lf.level == lvl && lf.run == run && lf.first == f,
		  "%s: 0x%llx: leaf 2^%u (level %u, %u entries) from 0x%llx; model expects 2^%u (level %u, %u entries) from 0x%llx",
		  c->name, ULL(va), lf.shift, lf.level, lf.run, ULL(lf.first), sh, lvl,
		  run, ULL(f));
	cr_assert_eq(lf.oa, want_oa, "%s: raw walk of 0x%llx gives oa 0x%llx, model 0x%llx",
		     c->name, ULL(va), ULL(lf.oa), ULL(want_oa));
	cr_assert(lf.r == want_r && lf.w == !!(x->prot & GENPT_WRITE) && lf.x == want_x,
		  "%s: 0x%llx: leaf 0x%016llx allows r%d w%d x%d; prot 0x%x wants r%d w%d x%d",
		  c->name, ULL(va), ULL(lf.pte), lf.r, lf.w, lf.x, x->prot, want_r,
		  !!(x->prot & GENPT_WRITE), want_x);
	if (bits)
		c->fmt->expect_bits(t, &lf, x->prot, "model leaf");
	err = genpt_leaf_lookup(t->pt, va, &li);
	cr_assert(err == 0 && li.first == f && li.size == 1ull << sh && li.level == lvl &&
		  li.run == run && li.oa == want_oa && li.prot == want_prot,
		  "%s: leaf_lookup(0x%llx) = %d: 0x%llx+0x%llx level %u run %u oa 0x%llx prot 0x%x; model 0x%llx+2^%u level %u run %u oa 0x%llx prot 0x%x",
		  c->name, ULL(va), err, ULL(li.first), ULL(li.size), li.level, li.run,
		  ULL(li.oa), li.prot, ULL(f), sh, lvl, run, ULL(want_oa), want_prot);
}

/* A device access at @va: a read where the leaf is readable, else a
 * refused read and an allowed write; an instruction fetch where the
 * format has execute control. */
static void mx_access(const struct af_table *t, const struct model_ext *x, uint64_t va)
{
	const struct af_cfg *c = t->c;
	uint64_t want = x->oa + (va - x->iova), oa = 0;
	bool r = af_expect_prot(c, x->prot) & GENPT_READ;
	int err = genpt_hw_access(t->pt, va, GENPT_ACCESS_READ, &oa);

	if (r) {
		cr_assert(err == 0 && oa == want,
			  "%s: hw read 0x%llx = %d, oa 0x%llx; model 0x%llx", c->name,
			  ULL(va), err, ULL(oa), ULL(want));
	} else {
		cr_assert_eq(err, -EACCES, "%s: hw read of write-only 0x%llx = %d",
			     c->name, ULL(va), err);
		oa = 0;
		err = genpt_hw_access(t->pt, va, GENPT_ACCESS_WRITE, &oa);
		cr_assert(err == 0 && oa == want,
			  "%s: hw write 0x%llx = %d, oa 0x%llx; model 0x%llx", c->name,
			  ULL(va), err, ULL(oa), ULL(want));
	}
	if (!c->exec)
		return;
	err = genpt_hw_access(t->pt, va, GENPT_ACCESS_EXEC, &oa);
	cr_assert_eq(err, (x->prot & GENPT_NOEXEC) ? -EACCES : 0,
		     "%s: hw fetch at 0x%llx = %d, prot 0x%x", c->name, ULL(va), err, x->prot);
}

static void mx_leaf(const struct af_table *t, const struct model_ext *x,
		    uint64_t f, unsigned int sh, struct tu_rng *rng)
{
	uint64_t size_m1 = (1ull << sh) - 1;
	uint64_t gran = 1ull << af_gshift(t->c);
	uint64_t oa_f = x->oa + (f - x->iova);
	uint64_t off = rng ? tu_rand(rng) & size_m1 : size_m1 / 2;

	mx_probe(t, x, f, sh, f, true);
	mx_probe(t, x, f, sh, f + size_m1 + 1 - gran, false);
	mx_oa(t, f, oa_f);
	mx_oa(t, f + size_m1, oa_f + size_m1);
	mx_oa(t, f + off, oa_f + off);
	mx_access(t, x, f + off);
}

static void mx_ext(const struct af_table *t, const struct model *m,
		   const struct model_ext *x, struct tu_rng *rng)
{
	uint64_t va = x->iova;

	for (;;) {
		uint64_t f;
		unsigned int sh;

		model_ext_leaf_at(m, x, va, &f, &sh);
		mx_leaf(t, x, f, sh, rng);
		if (f + ((1ull << sh) - 1) >= x->last)
			break;
		va = f + (1ull << sh);
	}
}

static void mx_hole_range(const struct af_table *t, uint64_t first, uint64_t last,
			  struct tu_rng *rng)
{
	uint64_t gmask = (1ull << af_gshift(t->c)) - 1;

	mx_hole(t, first);
	mx_hole(t, last & ~gmask);
	if (rng)
		mx_hole(t, first + tu_rand_below(rng, last - first + 1 ? last - first + 1 :
							       UINT64_MAX));
}

void model_expect_range(const struct af_table *t, const struct model *m,
			uint64_t first, uint64_t last, struct tu_rng *rng)
{
	uint64_t cur = first;

	for (size_t i = 0; i < m->n; i++) {
		const struct model_ext *x = &m->e[i];

		if (x->last < first)
			continue;
		if (x->iova > last)
			break;
		if (x->iova > cur)
			mx_hole_range(t, cur, x->iova - 1, rng);
		mx_ext(t, m, x, rng);
		if (x->last >= last)
			return;
		cur = x->last + 1;
	}
	mx_hole_range(t, cur, last, rng);
}

void model_expect(const struct af_table *t, const struct model *m, struct tu_rng *rng)
{
	uint64_t gran = 1ull << af_gshift(t->c);

	for (size_t i = 0; i < m->n; i++) {
		const struct model_ext *x = &m->e[i];

		mx_ext(t, m, x, rng);
		if (x->iova && (i == 0 || m->e[i - 1].last != x->iova - 1))
			mx_hole(t, x->iova - gran);
		if (x->last != UINT64_MAX &&
		    (i + 1 == m->n || m->e[i + 1].iova != x->last + 1))
			mx_hole(t, x->last + 1);
	}
}

void model_expect_va(const struct af_table *t, const struct model *m, uint64_t va)
{
	const struct model_ext *x = model_find(m, va);
	uint64_t f;
	unsigned int sh;

	if (!x) {
		mx_hole(t, va);
		return;
	}
	model_ext_leaf_at(m, x, va, &f, &sh);
	mx_probe(t, x, f, sh, va, false);
	mx_oa(t, va, x->oa + (va - x->iova));
}
