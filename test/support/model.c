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
