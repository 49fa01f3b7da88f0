// SPDX-License-Identifier: MIT
/*
 * model.c - see model.h.
 */
#include "model.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void model_init(struct model *m, const struct tu_table *t)
{
	memset(m, 0, sizeof(*m));
	m->nshifts = tu_leaf_shifts(t, m->shifts);
}

void model_fini(struct model *m)
{
	free(m->e);
	memset(m, 0, sizeof(*m));
}

/* First extent whose last address is >= va (n if none). */
static size_t model_lb(const struct model *m, uint64_t va)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->e[mid].last < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct model_ext *model_find(const struct model *m, uint64_t va)
{
	size_t i = model_lb(m, va);

	if (i < m->n && m->e[i].iova <= va)
		return &m->e[i];
	return NULL;
}

int model_translate(const struct model *m, uint64_t va, uint64_t *oa)
{
	const struct model_ext *x = model_find(m, va);

	if (!x)
		return -ENOENT;
	*oa = x->oa + (va - x->iova);
	return 0;
}

void model_ext_leaf_at(const struct model *m, const struct model_ext *x,
		       uint64_t va, uint64_t *first, unsigned int *shift)
{
	uint64_t d = x->oa - x->iova;

	for (unsigned int i = 0; i < m->nshifts; i++) {
		uint64_t s_m1 = (1ull << m->shifts[i]) - 1;
		uint64_t q = va & ~s_m1;

		if ((d & s_m1) || q < x->iova || q + s_m1 > x->last)
			continue;
		*first = q;
		*shift = m->shifts[i];
		return;
	}
	/* unreachable for 4K-aligned extents: 4K always fits */
	cr_assert_fail("model: no leaf for 0x%llx", (unsigned long long)va);
}

bool model_leaf_at(const struct model *m, uint64_t va, uint64_t *first,
		   unsigned int *shift)
{
	const struct model_ext *x = model_find(m, va);

	if (!x)
		return false;
	model_ext_leaf_at(m, x, va, first, shift);
	return true;
}

uint64_t model_leaf_count(const struct model *m, uint64_t iova, uint64_t last,
			  uint64_t oa, uint64_t limit)
{
	struct model_ext x = { .iova = iova, .last = last, .oa = oa };
	uint64_t n = 0, va = iova;

	for (;;) {
		uint64_t f;
		unsigned int sh;

		model_ext_leaf_at(m, &x, va, &f, &sh);
		n++;
		if (f + ((1ull << sh) - 1) >= last || n > limit)
			return n;
		va = f + (1ull << sh);
	}
}

static void model_reserve(struct model *m, size_t extra)
{
	if (m->n + extra <= m->cap)
		return;
	while (m->cap < m->n + extra)
		m->cap = m->cap ? 2 * m->cap : 64;
	m->e = realloc(m->e, m->cap * sizeof(*m->e));
	cr_assert_not_null(m->e);
}

int model_map(struct model *m, uint64_t iova, uint64_t oa, uint64_t len,
	      unsigned int prot)
{
	uint64_t last = iova + (len - 1);
	size_t i = model_lb(m, iova);

	if (i < m->n && m->e[i].iova <= last)
		return -EEXIST;
	model_reserve(m, 1);
	memmove(&m->e[i + 1], &m->e[i], (m->n - i) * sizeof(*m->e));
	m->e[i] = (struct model_ext){ .iova = iova, .last = last, .oa = oa,
				      .prot = prot };
	m->n++;
	return 0;
}

int model_unmap(struct model *m, uint64_t iova, uint64_t len,
		uint64_t *unmapped)
{
	uint64_t last = iova + (len - 1), first, total = 0;
	struct model_ext keep[2];
	unsigned int sh, nkeep = 0;
	size_t i, k;

	if (model_leaf_at(m, iova, &first, &sh) && first < iova)
		return -EINVAL;
	if (model_leaf_at(m, last, &first, &sh) &&
	    first + ((1ull << sh) - 1) > last)
		return -EINVAL;

	i = model_lb(m, iova);
	for (k = i; k < m->n && m->e[k].iova <= last; k++) {
		const struct model_ext *x = &m->e[k];
		uint64_t lo = x->iova > iova ? x->iova : iova;
		uint64_t hi = x->last < last ? x->last : last;

		total += hi - lo + 1;
		if (x->iova < iova) {
			keep[nkeep] = *x;
			keep[nkeep++].last = iova - 1;
		}
		if (x->last > last) {
			keep[nkeep] = *x;
			keep[nkeep].iova = last + 1;
			keep[nkeep++].oa = x->oa + (last + 1 - x->iova);
		}
	}
	*unmapped = total;
	if (k == i)
		return 0; /* nothing there */
	/* Replace e[i, k) by the kept pieces (at most 2, in order). */
	model_reserve(m, nkeep);
	memmove(&m->e[i + nkeep], &m->e[k], (m->n - k) * sizeof(*m->e));
	memcpy(&m->e[i], keep, nkeep * sizeof(*keep));
	m->n = m->n - (k - i) + nkeep;
	return 0;
}

/* ---- checking against a table ---------------------------------------- */

static bool model_va_valid(const struct tu_table *t, uint64_t va)
{
	uint64_t f[2], l[2];
	unsigned int n = tu_halves(t, f, l);

	for (unsigned int i = 0; i < n; i++)
		if (va >= f[i] && va <= l[i])
			return true;
	return false;
}

static void model_expect_hole(const struct tu_table *t, uint64_t va)
{
	uint64_t oa = 0xdead;
	struct tu_leaf lf;
	int err;

	if (!model_va_valid(t, va))
		return;
	err = genpt_iova_to_phys(t->pt, va, &oa);
	cr_assert_eq(err, -ENOENT,
		     "%s: iova_to_phys(0x%llx) = %d (oa 0x%llx), model has a hole",
		     t->mode->name, (unsigned long long)va, err,
		     (unsigned long long)oa);
	err = genpt_hw_access(t->pt, va, GENPT_ACCESS_READ, &oa);
	cr_assert_eq(err, -ENOENT, "%s: hw_access(0x%llx) = %d, model has a hole",
		     t->mode->name, (unsigned long long)va, err);
	err = tu_lookup(t, va, &lf);
	cr_assert_eq(err, -ENOENT, "%s: raw walk of 0x%llx = %d, model has a hole",
		     t->mode->name, (unsigned long long)va, err);
}

static void model_expect_oa(const struct tu_table *t, uint64_t va,
			    uint64_t want)
{
	uint64_t oa = 0;
	int err = genpt_iova_to_phys(t->pt, va, &oa);

	cr_assert(err == 0 && oa == want,
		  "%s: iova_to_phys(0x%llx) = %d, oa 0x%llx; model says 0x%llx",
		  t->mode->name, (unsigned long long)va, err,
		  (unsigned long long)oa, (unsigned long long)want);
}

static void model_check_leaf(const struct tu_table *t,
			     const struct model_ext *x, uint64_t f,
			     unsigned int sh, struct tu_rng *rng)
{
	uint64_t size_m1 = (1ull << sh) - 1;
	uint64_t oa_f = x->oa + (f - x->iova);
	unsigned int want_lvl = sh == 16 ? 0 : (sh - 12) / 9;
	uint64_t probe[2] = { f, f + size_m1 - 4095 };
	uint64_t off, oa = 0;
	int err;

	for (unsigned int i = 0; i < 2; i++) {
		struct tu_leaf lf;
		uint64_t e;

		err = tu_lookup(t, probe[i], &lf);
		cr_assert_eq(err, 0, "%s: raw walk of 0x%llx = %d; model maps it",
			     t->mode->name, (unsigned long long)probe[i], err);
		cr_assert(lf.shift == sh && lf.level == want_lvl && lf.first == f,
			  "%s: 0x%llx: leaf 2^%u at level %u from 0x%llx; model expects 2^%u from 0x%llx",
			  t->mode->name, (unsigned long long)probe[i], lf.shift,
			  lf.level, (unsigned long long)lf.first, sh,
			  (unsigned long long)f);
		cr_assert_eq(lf.oa, oa_f + (probe[i] - f),
			     "%s: raw walk of 0x%llx gives oa 0x%llx, model 0x%llx",
			     t->mode->name, (unsigned long long)probe[i],
			     (unsigned long long)lf.oa,
			     (unsigned long long)(oa_f + (probe[i] - f)));
		e = lf.pte;
		cr_assert(e & TU_PTE_R, "%s: leaf 0x%llx without R", t->mode->name,
			  (unsigned long long)e);
		cr_assert_eq(!!(e & TU_PTE_W), !!(x->prot & GENPT_WRITE),
			     "%s: leaf 0x%llx W vs prot 0x%x", t->mode->name,
			     (unsigned long long)e, x->prot);
		cr_assert_eq(!!(e & TU_PTE_X), !(x->prot & GENPT_NOEXEC),
			     "%s: leaf 0x%llx X vs prot 0x%x", t->mode->name,
			     (unsigned long long)e, x->prot);
	}
	model_expect_oa(t, f, oa_f);
	model_expect_oa(t, f + size_m1, oa_f + size_m1);
	off = rng ? tu_rand(rng) & size_m1 : size_m1 / 2;
	model_expect_oa(t, f + off, oa_f + off);
	err = genpt_hw_access(t->pt, f + off, GENPT_ACCESS_READ, &oa);
	cr_assert(err == 0 && oa == oa_f + off,
		  "%s: hw_access read 0x%llx = %d, oa 0x%llx; model 0x%llx",
		  t->mode->name, (unsigned long long)(f + off), err,
		  (unsigned long long)oa, (unsigned long long)(oa_f + off));
}

static void model_check_ext(const struct tu_table *t, const struct model *m,
			    const struct model_ext *x, struct tu_rng *rng)
{
	uint64_t va = x->iova;

	for (;;) {
		uint64_t f;
		unsigned int sh;

		model_ext_leaf_at(m, x, va, &f, &sh);
		model_check_leaf(t, x, f, sh, rng);
		if (f + ((1ull << sh) - 1) >= x->last)
			break;
		va = f + (1ull << sh);
	}
}

static void model_check_hole(const struct tu_table *t, uint64_t first,
			     uint64_t last, struct tu_rng *rng)
{
	model_expect_hole(t, first);
	model_expect_hole(t, last & ~4095ull);
	if (rng)
		model_expect_hole(t, first + tu_rand_below(rng, last - first + 1 ?
							     last - first + 1 :
							     UINT64_MAX));
}

void model_check_range(const struct tu_table *t, const struct model *m,
		       uint64_t first, uint64_t last, struct tu_rng *rng)
{
	uint64_t cur = first;
	bool done = false;

	for (size_t i = model_lb(m, first); i < m->n && m->e[i].iova <= last; i++) {
		const struct model_ext *x = &m->e[i];

		if (x->iova > cur)
			model_check_hole(t, cur, x->iova - 1, rng);
		model_check_ext(t, m, x, rng);
		if (x->last >= last) {
			done = true;
			break;
		}
		cur = x->last + 1;
	}
	if (!done)
		model_check_hole(t, cur, last, rng);
}

void model_check(const struct tu_table *t, const struct model *m,
		 struct tu_rng *rng)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct model_ext *x = &m->e[i];

		model_check_ext(t, m, x, rng);
		if (x->iova && (i == 0 || m->e[i - 1].last != x->iova - 1))
			model_expect_hole(t, x->iova - 4096);
		if (x->last != UINT64_MAX &&
		    (i + 1 == m->n || m->e[i + 1].iova != x->last + 1))
			model_expect_hole(t, x->last + 1);
	}
}
