// SPDX-License-Identifier: MIT
/*
 * fuzz/fuzz_gmodel.c - the any-format oracle (see fuzz_gmodel.h).
 */
#include "fuzz_gmodel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/table.h"

static void *gm_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q) {
		fprintf(stderr, "fuzz gmodel: out of memory\n");
		abort();
	}
	return q;
}

static void gm_die(const char *what)
{
	fprintf(stderr, "fuzz gmodel: %s\n", what);
	abort();
}

void gm_init(struct gm_model *m, const struct gm_geom *g)
{
	memset(m, 0, sizeof(*m));
	m->g = *g;
}

void gm_fini(struct gm_model *m)
{
	free(m->leaf);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

uint64_t gm_table_size(const struct gm_geom *g, unsigned int lvl)
{
	return 8ull << g->tbits[lvl];
}

void gm_all_dirty(struct gm_leaf *l)
{
	unsigned int n = gm_members(l);

	gm_clear_dirty(l);
	for (unsigned int i = 0; i < n; i++)
		gm_set_dirty(l, i);
}

/* ------------------------------------------------------------ checks -- */

static bool gm_canonical(const struct gm_model *m, uint64_t va)
{
	unsigned int s = 64 - m->g.va_bits;

	return (uint64_t)((int64_t)(va << s) >> s) == va;
}

int gm_check_iova(const struct gm_model *m, uint64_t iova, uint64_t len,
		  uint64_t *last)
{
	uint64_t gm1 = (1ull << m->g.gshift) - 1;

	if (!len || (iova & gm1) || (len & gm1))
		return -EINVAL;
	if (len - 1 > UINT64_MAX - iova)
		return -EOVERFLOW;
	*last = iova + (len - 1);
	if (m->g.sign_extend) {
		if (!gm_canonical(m, iova) || !gm_canonical(m, *last) ||
		    ((iova ^ *last) >> 63))
			return -ERANGE;
		return 0;
	}
	if (m->g.va_bits < 64 && (*last >> m->g.va_bits))
		return -ERANGE;
	return 0;
}

int gm_check_oa(const struct gm_model *m, uint64_t oa, uint64_t len)
{
	if (oa & ((1ull << m->g.gshift) - 1))
		return -EINVAL;
	if (len - 1 > UINT64_MAX - oa)
		return -EOVERFLOW;
	if (m->g.oa_bits < 64 && ((oa + (len - 1)) >> m->g.oa_bits))
		return -ERANGE;
	return 0;
}

int gm_check_va(const struct gm_model *m, uint64_t va)
{
	uint64_t last, g = 1ull << m->g.gshift;

	return gm_check_iova(m, va & ~(g - 1), g, &last);
}

/* ------------------------------------------------------------ lookup -- */

size_t gm_lower(const struct gm_model *m, uint64_t va)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->leaf[mid].last < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long gm_find(const struct gm_model *m, uint64_t va)
{
	size_t i = gm_lower(m, va);

	if (i < m->n && m->leaf[i].first <= va)
		return (long)i;
	return -1;
}

bool gm_overlaps(const struct gm_model *m, uint64_t first, uint64_t last)
{
	size_t i = gm_lower(m, first);

	return i < m->n && m->leaf[i].first <= last;
}

/* ------------------------------------------------------------ tables -- */

static uint64_t gm_va_mask(const struct gm_model *m)
{
	return m->g.va_bits >= 64 ? ~0ull : (1ull << m->g.va_bits) - 1;
}

/* The table holding entries of level @t (below the root) that covers @va:
 * it spans one entry of level t + 1. */
static uint64_t gm_key(const struct gm_model *m, unsigned int t, uint64_t va)
{
	return ((uint64_t)(t + 1) << 58) | ((va & gm_va_mask(m)) >> m->g.shift[t + 1]);
}

static void gm_table_span(const struct gm_model *m, unsigned int t, uint64_t va,
			  uint64_t *lo, uint64_t *hi)
{
	uint64_t size_m1 = (1ull << m->g.shift[t + 1]) - 1;

	*lo = va & ~size_m1;
	*hi = *lo + size_m1;
}

static uint64_t gm_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

static struct gm_slot *gm_slot_find(const struct gm_model *m, uint64_t key)
{
	size_t mask, i;

	if (!m->nslot)
		return NULL;
	mask = m->nslot - 1;
	for (i = gm_hash(key) & mask;; i = (i + 1) & mask) {
		if (m->slot[i].key == key)
			return &m->slot[i];
		if (!m->slot[i].key)
			return NULL;
	}
}

static void gm_slot_rehash(struct gm_model *m, size_t nslot)
{
	struct gm_slot *old = m->slot;
	size_t nold = m->nslot;

	m->slot = gm_xrealloc(NULL, nslot * sizeof(*m->slot));
	memset(m->slot, 0, nslot * sizeof(*m->slot));
	m->nslot = nslot;
	m->used = 0;
	for (size_t j = 0; j < nold; j++) {
		size_t i;

		if (!old[j].key || !old[j].count)
			continue;
		for (i = gm_hash(old[j].key) & (nslot - 1); m->slot[i].key;
		     i = (i + 1) & (nslot - 1))
			;
		m->slot[i] = old[j];
		m->used++;
	}
	free(old);
}

static uint32_t gm_table_ref(struct gm_model *m, unsigned int t, uint64_t key, int delta)
{
	struct gm_slot *s = gm_slot_find(m, key);

	if (!s) {
		size_t i;

		if (delta < 0)
			gm_die("table refcount underflow");
		if ((m->used + 1) * 4 > m->nslot * 3) {
			size_t n = 64;

			while (n < (m->live + 1) * 4)
				n *= 2;
			gm_slot_rehash(m, n);
		}
		for (i = gm_hash(key) & (m->nslot - 1); m->slot[i].key;
		     i = (i + 1) & (m->nslot - 1))
			;
		s = &m->slot[i];
		s->key = key;
		s->count = 0;
		s->lvl = t;
		m->used++;
	}
	if (delta > 0) {
		if (!s->count) {
			m->live++;
			m->live_bytes += gm_table_size(&m->g, t);
		}
		s->count++;
	} else {
		if (!s->count)
			gm_die("table refcount underflow");
		if (!--s->count) {
			m->live--;
			m->live_bytes -= gm_table_size(&m->g, t);
		}
	}
	return s->count;
}

static void gm_leaf_tables(struct gm_model *m, const struct gm_leaf *l, int delta,
			   struct gm_hull *freed)
{
	for (unsigned int t = l->lvl; t + 1 < m->g.levels; t++) {
		uint64_t lo, hi;

		if (gm_table_ref(m, t, gm_key(m, t, l->first), delta) || delta > 0 || !freed)
			continue;
		gm_table_span(m, t, l->first, &lo, &hi);
		gm_hull_add(freed, lo, hi);
	}
}

uint64_t gm_new_tables(const struct gm_model *m, const struct gm_leaf *l,
		       size_t n, uint64_t *bytes, struct gm_hull *spans)
{
	uint64_t prev[GM_MAX_LEVELS] = { 0 }, count = 0, b = 0;

	/* The plan is in address order: a table new to the model is met by
	 * consecutive leaves, so remembering the last key per level dedups. */
	for (size_t j = 0; j < n; j++) {
		for (unsigned int t = l[j].lvl; t + 1 < m->g.levels; t++) {
			uint64_t key = gm_key(m, t, l[j].first);
			const struct gm_slot *s;

			if (key == prev[t])
				continue;
			prev[t] = key;
			s = gm_slot_find(m, key);
			if (!s || !s->count) {
				count++;
				b += gm_table_size(&m->g, t);
				if (spans) {
					uint64_t lo, hi;

					gm_table_span(m, t, l[j].first, &lo, &hi);
					gm_hull_add(spans, lo, hi);
				}
			}
		}
	}
	if (bytes)
		*bytes = b;
	return count;
}

uint64_t gm_tables(const struct gm_model *m)
{
	return m->live;
}

uint64_t gm_table_bytes(const struct gm_model *m)
{
	return m->g.root_bytes + m->live_bytes;
}

/* ------------------------------------------------------------- edits -- */

long gm_plan_map(const struct gm_model *m, uint64_t iova, uint64_t last,
		 uint64_t oa, unsigned int prot, bool has_dirty,
		 struct gm_leaf *out, size_t max)
{
	const struct gm_geom *g = &m->g;
	uint64_t va = iova;
	size_t n = 0;

	for (;;) {
		uint64_t rem_m1 = last - va, o = oa + (va - iova);
		struct gm_leaf l;
		unsigned int lvl, k = 0;

		memset(&l, 0, sizeof(l));
		/* The highest level where a whole entry fits here and a leaf
		 * or a run may sit. */
		for (lvl = g->levels - 1;; lvl--) {
			uint64_t sz_m1 = (1ull << g->shift[lvl]) - 1;

			if (!((va | o) & sz_m1) && rem_m1 >= sz_m1) {
				for (k = 31; k > 0; k--) {
					uint64_t run_m1;

					if (!(g->run_mask[lvl] & (1u << k)))
						continue;
					if (g->shift[lvl] + k >= 64)
						continue;
					run_m1 = (1ull << (g->shift[lvl] + k)) - 1;
					if (!((va | o) & run_m1) && rem_m1 >= run_m1)
						break;
				}
				if (k || g->can_leaf[lvl])
					break;
			}
			if (lvl == 0)
				gm_die("no leaf fits (unaligned plan)");
		}
		l.first = va;
		l.lvl = lvl;
		l.run_log2 = k;
		l.oa = o;
		l.prot = prot;
		l.last = va + ((1ull << (g->shift[lvl] + k)) - 1);
		/* Tracking off: writable leaves start write-dirty. */
		if (has_dirty && (prot & GENPT_WRITE) && !m->tracking)
			gm_all_dirty(&l);
		if (n == max)
			return -1;
		out[n++] = l;
		if (l.last == last)
			return (long)n;
		va = l.last + 1;
	}
}

void gm_insert(struct gm_model *m, const struct gm_leaf *l, size_t n)
{
	size_t at;

	if (!n)
		return;
	if (m->n + n > m->cap) {
		m->cap = (m->n + n) * 2;
		m->leaf = gm_xrealloc(m->leaf, m->cap * sizeof(*m->leaf));
	}
	at = gm_lower(m, l[0].first);
	memmove(&m->leaf[at + n], &m->leaf[at], (m->n - at) * sizeof(*m->leaf));
	memcpy(&m->leaf[at], l, n * sizeof(*l));
	m->n += n;
	for (size_t j = 0; j < n; j++)
		gm_leaf_tables(m, &l[j], +1, NULL);
}

void gm_remove(struct gm_model *m, size_t i, size_t count, struct gm_hull *freed)
{
	if (!count)
		return;
	for (size_t j = i; j < i + count; j++)
		gm_leaf_tables(m, &m->leaf[j], -1, freed);
	memmove(&m->leaf[i], &m->leaf[i + count], (m->n - i - count) * sizeof(*m->leaf));
	m->n -= count;
}
