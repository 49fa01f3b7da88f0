// SPDX-License-Identifier: MIT
/*
 * fuzz/fuzz_model.c - the fuzzer's oracle (see fuzz_model.h).
 */
#include "fuzz_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/table.h"

static void *fm_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q) {
		fprintf(stderr, "fuzz model: out of memory\n");
		abort();
	}
	return q;
}

void fm_init(struct fm_model *m, unsigned int levels, unsigned int va_bits,
	     unsigned int oa_bits, bool gstage, bool napot, bool pbmt)
{
	memset(m, 0, sizeof(*m));
	m->levels = levels;
	m->va_bits = va_bits;
	m->oa_bits = oa_bits;
	m->gstage = gstage;
	m->sign_extend = !gstage;
	m->napot = napot;
	m->pbmt = pbmt;
	m->root_size = gstage ? 16384 : 4096;
}

void fm_fini(struct fm_model *m)
{
	free(m->leaf);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------ checks -- */

static bool fm_canonical(const struct fm_model *m, uint64_t va)
{
	unsigned int s = 64 - m->va_bits;

	return (uint64_t)((int64_t)(va << s) >> s) == va;
}

int fm_check_iova(const struct fm_model *m, uint64_t iova, uint64_t len,
		  uint64_t *last)
{
	if (!len || (iova & 0xfff) || (len & 0xfff))
		return -EINVAL;
	if (len - 1 > UINT64_MAX - iova)
		return -EOVERFLOW;
	*last = iova + (len - 1);
	if (m->sign_extend) {
		if (!fm_canonical(m, iova) || !fm_canonical(m, *last) ||
		    ((iova ^ *last) >> 63))
			return -ERANGE;
		return 0;
	}
	if (*last >> m->va_bits)
		return -ERANGE;
	return 0;
}

int fm_check_oa(const struct fm_model *m, uint64_t oa, uint64_t len)
{
	if (oa & 0xfff)
		return -EINVAL;
	if (len - 1 > UINT64_MAX - oa)
		return -EOVERFLOW;
	if ((oa + (len - 1)) >> m->oa_bits)
		return -ERANGE;
	return 0;
}

int fm_check_va(const struct fm_model *m, uint64_t va)
{
	uint64_t last;

	return fm_check_iova(m, va & ~0xfffull, 4096, &last);
}

/* ------------------------------------------------------------ lookup -- */

size_t fm_lower(const struct fm_model *m, uint64_t va)
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

long fm_find(const struct fm_model *m, uint64_t va)
{
	size_t i = fm_lower(m, va);

	if (i < m->n && m->leaf[i].first <= va)
		return (long)i;
	return -1;
}

bool fm_overlaps(const struct fm_model *m, uint64_t first, uint64_t last)
{
	size_t i = fm_lower(m, first);

	return i < m->n && m->leaf[i].first <= last;
}

/* ------------------------------------------------------------ tables -- */

static uint64_t fm_va_mask(const struct fm_model *m)
{
	return m->va_bits >= 64 ? ~0ull : (1ull << m->va_bits) - 1;
}

/* The table at level @lvl (holding entries of that level) that covers @va. */
static uint64_t fm_key(const struct fm_model *m, unsigned int lvl, uint64_t va)
{
	unsigned int shift = 12 + 9 * (lvl + 1);

	return ((uint64_t)(lvl + 1) << 56) | ((va & fm_va_mask(m)) >> shift);
}

static uint64_t fm_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

static struct fm_slot *fm_slot_find(const struct fm_model *m, uint64_t key)
{
	size_t mask, i;

	if (!m->nslot)
		return NULL;
	mask = m->nslot - 1;
	for (i = fm_hash(key) & mask;; i = (i + 1) & mask) {
		if (m->slot[i].key == key)
			return &m->slot[i];
		if (!m->slot[i].key)
			return NULL;
	}
}

static void fm_slot_rehash(struct fm_model *m, size_t nslot)
{
	struct fm_slot *old = m->slot;
	size_t nold = m->nslot;

	m->slot = fm_xrealloc(NULL, nslot * sizeof(*m->slot));
	memset(m->slot, 0, nslot * sizeof(*m->slot));
	m->nslot = nslot;
	m->used = 0;
	for (size_t j = 0; j < nold; j++) {
		size_t i;

		if (!old[j].key || !old[j].count)
			continue; /* drop dead keys */
		for (i = fm_hash(old[j].key) & (nslot - 1); m->slot[i].key;
		     i = (i + 1) & (nslot - 1))
			;
		m->slot[i] = old[j];
		m->used++;
	}
	free(old);
}

/* The IOVA span of the table at level @lvl that covers @va. */
static void fm_table_span(unsigned int lvl, uint64_t va, uint64_t *lo, uint64_t *hi)
{
	uint64_t size_m1 = (1ull << (12 + 9 * (lvl + 1))) - 1;

	*lo = va & ~size_m1;
	*hi = *lo + size_m1;
}

/* Returns the count after the change. */
static uint32_t fm_table_ref(struct fm_model *m, uint64_t key, int delta)
{
	struct fm_slot *s = fm_slot_find(m, key);

	if (!s) {
		size_t i;

		if (delta < 0) {
			fprintf(stderr, "fuzz model: table refcount underflow\n");
			abort();
		}
		if ((m->used + 1) * 4 > m->nslot * 3) {
			size_t n = 64;

			while (n < (m->live + 1) * 4)
				n *= 2;
			fm_slot_rehash(m, n);
		}
		for (i = fm_hash(key) & (m->nslot - 1); m->slot[i].key;
		     i = (i + 1) & (m->nslot - 1))
			;
		s = &m->slot[i];
		s->key = key;
		s->count = 0;
		m->used++;
	}
	if (delta > 0) {
		if (!s->count)
			m->live++;
		s->count++;
	} else {
		if (!s->count) {
			fprintf(stderr, "fuzz model: table refcount underflow\n");
			abort();
		}
		if (!--s->count)
			m->live--;
	}
	return s->count;
}

static void fm_leaf_tables(struct fm_model *m, const struct fm_leaf *l, int delta,
			   struct fm_hull *freed)
{
	for (unsigned int lvl = l->lvl; lvl + 1 < m->levels; lvl++) {
		uint64_t lo, hi;

		if (fm_table_ref(m, fm_key(m, lvl, l->first), delta) || delta > 0 || !freed)
			continue;
		fm_table_span(lvl, l->first, &lo, &hi);
		fm_hull_add(freed, lo, hi);
	}
}

uint64_t fm_new_tables(const struct fm_model *m, const struct fm_leaf *l,
		       size_t n, struct fm_hull *spans)
{
	uint64_t prev[8], count = 0;

	for (unsigned int i = 0; i < 8; i++)
		prev[i] = 0;
	/* The plan is in address order: a table new to the model is met by
	 * consecutive leaves, so remembering the last key per level dedups. */
	for (size_t j = 0; j < n; j++) {
		for (unsigned int lvl = l[j].lvl; lvl + 1 < m->levels; lvl++) {
			uint64_t key = fm_key(m, lvl, l[j].first);
			const struct fm_slot *s;

			if (key == prev[lvl])
				continue;
			prev[lvl] = key;
			s = fm_slot_find(m, key);
			if (!s || !s->count) {
				count++;
				if (spans) {
					uint64_t lo, hi;

					fm_table_span(lvl, l[j].first, &lo, &hi);
					fm_hull_add(spans, lo, hi);
				}
			}
		}
	}
	return count;
}

uint64_t fm_tables(const struct fm_model *m)
{
	return m->live;
}

uint64_t fm_table_bytes(const struct fm_model *m)
{
	return m->root_size + 4096 * (uint64_t)m->live;
}

/* ------------------------------------------------------------- edits -- */

long fm_plan_map(const struct fm_model *m, uint64_t iova, uint64_t last,
		 uint64_t oa, unsigned int prot, struct fm_leaf *out, size_t max)
{
	uint64_t va = iova;
	size_t n = 0;

	for (;;) {
		uint64_t rem_m1 = last - va, o = oa + (va - iova);
		struct fm_leaf l = { 0 };
		unsigned int lvl;

		/* The largest level whose page fits here. */
		for (lvl = m->levels - 1;; lvl--) {
			uint64_t sz_m1 = (1ull << (12 + 9 * lvl)) - 1;

			if (!((va | o) & sz_m1) && rem_m1 >= sz_m1)
				break;
			if (lvl == 0) {
				fprintf(stderr, "fuzz model: unaligned plan\n");
				abort();
			}
		}
		l.first = va;
		l.lvl = lvl;
		l.oa = o;
		l.prot = prot;
		if (lvl == 0 && m->napot && !((va | o) & 0xffff) && rem_m1 >= 0xffff)
			l.run_log2 = 4;
		l.last = va + ((1ull << (12 + 9 * lvl + l.run_log2)) - 1);
		/* Tracking off: writable leaves start write-dirty (every member). */
		l.dirty = ((prot & GENPT_WRITE) && !m->tracking) ? fm_all_members(&l) : 0;
		if (n == max)
			return -1;
		out[n++] = l;
		if (l.last == last)
			return (long)n;
		va = l.last + 1;
	}
}

void fm_insert(struct fm_model *m, const struct fm_leaf *l, size_t n)
{
	size_t at;

	if (!n)
		return;
	if (m->n + n > m->cap) {
		m->cap = (m->n + n) * 2;
		m->leaf = fm_xrealloc(m->leaf, m->cap * sizeof(*m->leaf));
	}
	at = fm_lower(m, l[0].first);
	memmove(&m->leaf[at + n], &m->leaf[at], (m->n - at) * sizeof(*m->leaf));
	memcpy(&m->leaf[at], l, n * sizeof(*l));
	m->n += n;
	for (size_t j = 0; j < n; j++)
		fm_leaf_tables(m, &l[j], +1, NULL);
}

void fm_remove(struct fm_model *m, size_t i, size_t count, struct fm_hull *freed)
{
	if (!count)
		return;
	for (size_t j = i; j < i + count; j++)
		fm_leaf_tables(m, &m->leaf[j], -1, freed);
	memmove(&m->leaf[i], &m->leaf[i + count],
		(m->n - i - count) * sizeof(*m->leaf));
	m->n -= count;
}
