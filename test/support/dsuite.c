// SPDX-License-Identifier: MIT
/*
 * dsuite.c - see dsuite.h.
 */
#include "dsuite.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- leaves ------------------------------------------------------------ */

unsigned int ds_members(const struct df_table *t, const struct ds_leaf *l)
{
	return df_members(t, l->size);
}

uint64_t ds_member_size(const struct df_table *t, const struct ds_leaf *l)
{
	return df_entry_size(t, l->size);
}

uint64_t *ds_member_slot(const struct df_table *t, const struct ds_leaf *l, unsigned int i)
{
	uint64_t iova = l->iova + (uint64_t)i * ds_member_size(t, l), size = 0;
	uint64_t *p = df_slot(t, iova, &size, NULL);

	cr_assert_not_null(p, "%s: no leaf maps %#llx", t->name, ULL(iova));
	cr_assert_eq(size, l->size, "%s: %#llx is in a leaf of %#llx, expected %#llx", t->name,
		     ULL(iova), ULL(size), ULL(l->size));
	return p;
}

uint64_t ds_member_entry(const struct df_table *t, const struct ds_leaf *l, unsigned int i)
{
	return __atomic_load_n(ds_member_slot(t, l, i), __ATOMIC_ACQUIRE);
}

unsigned int ds_level(const struct df_table *t, const struct ds_leaf *l)
{
	uint64_t size = 0;
	unsigned int lvl = 0;

	cr_assert_not_null(df_slot(t, l->iova, &size, &lvl), "%s: no leaf maps %#llx", t->name,
			   ULL(l->iova));
	return lvl;
}

uint64_t ds_dmask(const struct df_table *t, const struct ds_leaf *l)
{
	unsigned int lvl = ds_level(t, l);
	uint64_t m = 0;

	for (unsigned int i = 0; i < ds_members(t, l); i++)
		if (df_dirty(t, lvl, ds_member_entry(t, l, i)))
			m |= 1ull << (i < 63 ? i : 63);
	return m;
}

void ds_check(const struct df_table *t, const struct ds_leaf *l, uint64_t dmask,
	      const char *when)
{
	unsigned int n = ds_members(t, l), lvl;

	df_expect_leaf(t, l->iova, l->size, l->oa, l->prot, when);
	lvl = ds_level(t, l);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t e = ds_member_entry(t, l, i);
		bool want = dmask == DS_ALL || (i < 64 && ((dmask >> i) & 1));

		if (!(l->prot & GENPT_WRITE)) {
			cr_assert(!want, "test bug: read-only leaf expected dirty");
			continue;
		}
		cr_assert_eq(df_dirty(t, lvl, e), want,
			     "%s: %s: leaf %#llx (size %#llx) member %u of %u: dirty %d, expected %d (%#llx)",
			     t->name, when, ULL(l->iova), ULL(l->size), i, n, df_dirty(t, lvl, e), want,
			     ULL(e));
	}
}

void ds_map(struct df_table *t, const struct ds_leaf *l)
{
	int err = genpt_map(t->pt, l->iova, l->oa, l->size, l->prot, NULL);

	cr_assert_eq(err, 0, "%s: map %#llx+%#llx -> %#llx prot %#x: %d", t->name, ULL(l->iova),
		     ULL(l->size), ULL(l->oa), l->prot, err);
}

void ds_unmap(struct df_table *t, const struct ds_leaf *l)
{
	uint64_t un = 0;
	struct genpt_gather g;

	genpt_gather_init(&g);
	cr_assert_eq(genpt_unmap(t->pt, l->iova, l->size, &g, &un), 0, "%s: unmap %#llx",
		     t->name, ULL(l->iova));
	cr_assert_eq(un, l->size, "%s: unmap %#llx: %#llx bytes", t->name, ULL(l->iova), ULL(un));
	cr_assert_eq(genpt_gather_release(t->pt, &g), 0);
}

unsigned int ds_write_member(const struct df_table *t, const struct ds_leaf *l)
{
	unsigned int n = ds_members(t, l);

	return n > 8 ? 7 : n - 1;
}

uint64_t ds_write_addr(const struct df_table *t, const struct ds_leaf *l)
{
	if (ds_members(t, l) > 1)
		return l->iova + ds_write_member(t, l) * ds_member_size(t, l) + 0x123;
	return l->iova + l->size / 2 + 0x5a8;
}

static void hw_access(struct df_table *t, const struct ds_leaf *l, uint64_t iova,
		      unsigned int kind)
{
	uint64_t oa = ~0ull;
	int err = genpt_hw_access(t->pt, iova, kind, &oa);

	cr_assert_eq(err, 0, "%s: hw %s %#llx: %d", t->name,
		     kind == GENPT_ACCESS_WRITE ? "write" : "read", ULL(iova), err);
	cr_assert_eq(oa, l->oa + (iova - l->iova), "%s: hw access %#llx: oa %#llx", t->name,
		     ULL(iova), ULL(oa));
}

void ds_hw_write(struct df_table *t, const struct ds_leaf *l, uint64_t iova)
{
	hw_access(t, l, iova, GENPT_ACCESS_WRITE);
}

void ds_hw_read(struct df_table *t, const struct ds_leaf *l, uint64_t iova)
{
	hw_access(t, l, iova, GENPT_ACCESS_READ);
}

void ds_write_members(struct df_table *t, const struct ds_leaf *l, uint64_t mask)
{
	uint64_t ms = ds_member_size(t, l);

	for (unsigned int i = 0; i < ds_members(t, l) && i < 64; i++)
		if (mask & (1ull << i))
			ds_hw_write(t, l, l->iova + (uint64_t)i * ms + 0x10 * i);
}

void ds_set_tracking(struct df_table *t, bool on)
{
	cr_assert_eq(genpt_set_dirty_tracking(t->pt, on), 0, "%s: tracking %d", t->name, on);
	cr_assert_eq(genpt_dirty_tracking(t->pt), on ? 1 : 0, "%s: tracking state", t->name);
}

/* ---- bitmaps ----------------------------------------------------------- */

void ds_bmap_init(struct ds_bmap *b, uint64_t iova, uint64_t len, unsigned int ps)
{
	cr_assert(len && !(len & ((1ull << ps) - 1)) && !(iova & ((1ull << ps) - 1)),
		  "test bug: bitmap %#llx+%#llx ps %u", ULL(iova), ULL(len), ps);
	b->nbits = len >> ps;
	b->nwords = (b->nbits + 63) / 64;
	b->got = calloc(b->nwords, sizeof(uint64_t));
	b->exp = calloc(b->nwords, sizeof(uint64_t));
	cr_assert(b->got && b->exp);
	b->bm = (struct genpt_dirty_bitmap){
		.bits = b->got, .iova = iova, .length = len, .page_shift = ps
	};
	b->last = iova + (len - 1);
}

void ds_bmap_fini(struct ds_bmap *b)
{
	free(b->got);
	free(b->exp);
}

void ds_bmap_setbit(uint64_t *w, uint64_t i)
{
	w[i / 64] |= 1ull << (i % 64);
}

bool ds_bmap_bit(const uint64_t *w, uint64_t i)
{
	return (w[i / 64] >> (i % 64)) & 1;
}

void ds_bmap_preset(struct ds_bmap *b, uint64_t seed)
{
	for (uint64_t i = 0; i < b->nbits; i++)
		if ((i * 0x9e37ull + seed) % 61 == 0) {
			ds_bmap_setbit(b->got, i);
			ds_bmap_setbit(b->exp, i);
		}
}

void ds_bmap_expect(struct ds_bmap *b, uint64_t qf, uint64_t ql, uint64_t first,
		    uint64_t last)
{
	uint64_t f = first > qf ? first : qf;
	uint64_t l = last < ql ? last : ql;
	uint64_t i0, i1;

	if (f > l)
		return;
	cr_assert(f >= b->bm.iova && l <= b->last, "test bug: expectation outside bitmap");
	i0 = (f - b->bm.iova) >> b->bm.page_shift;
	i1 = (l - b->bm.iova) >> b->bm.page_shift;
	for (uint64_t i = i0;; i++) {
		ds_bmap_setbit(b->exp, i);
		if (i == i1)
			break;
	}
}

void ds_bmap_check(const struct df_table *t, const struct ds_bmap *b, const char *what)
{
	for (uint64_t w = 0; w < b->nwords; w++) {
		uint64_t diff = b->got[w] ^ b->exp[w];
		uint64_t i;

		if (!diff)
			continue;
		i = w * 64 + (uint64_t)__builtin_ctzll(diff);
		cr_assert_fail("%s: %s: bitmap (iova %#llx, ps %u, %llu bits) bit %llu (page %#llx): "
			       "got %d, expected %d (word %llu got %#llx expected %#llx)",
			       t->name, what, ULL(b->bm.iova), b->bm.page_shift, ULL(b->nbits),
			       ULL(i), ULL(b->bm.iova + (i << b->bm.page_shift)),
			       ds_bmap_bit(b->got, i), ds_bmap_bit(b->exp, i), ULL(w),
			       ULL(b->got[w]), ULL(b->exp[w]));
	}
}

/* ---- harvests ---------------------------------------------------------- */

void ds_check_gather(const struct df_table *t, const struct genpt_gather *g,
		     uint64_t start, uint64_t last, const char *what)
{
	cr_assert(g->start == start && g->last == last,
		  "%s: %s: gather [%#llx, %#llx], expected [%#llx, %#llx]", t->name, what,
		  ULL(g->start), ULL(g->last), ULL(start), ULL(last));
	cr_assert_null(g->freed, "%s: %s: a harvest freed table pages", t->name, what);
}

void ds_check_gather_empty(const struct df_table *t, const struct genpt_gather *g,
			   const char *what)
{
	cr_assert(g->start > g->last, "%s: %s: gather [%#llx, %#llx], expected empty", t->name,
		  what, ULL(g->start), ULL(g->last));
	cr_assert_null(g->freed, "%s: %s: a harvest freed table pages", t->name, what);
}

int ds_harvest(struct df_table *t, uint64_t first, uint64_t len, unsigned int flags,
	       struct ds_bmap *b, struct genpt_gather *g)
{
	return genpt_read_and_clear_dirty(t->pt, first, len, flags, b ? &b->bm : NULL, g);
}

void ds_expect_spans(struct df_table *t, const struct ds_q *q, const struct ds_span *rep,
		     unsigned int nrep, uint64_t gs, uint64_t gl, const char *what)
{
	struct ds_bmap b;
	struct genpt_gather g;
	uint64_t ql = q->qf + (q->qlen - 1);
	int err;

	ds_bmap_init(&b, q->bm_iova, q->bm_len, q->ps);
	ds_bmap_preset(&b, q->ps + q->qf / 4096);
	genpt_gather_init(&g);
	err = ds_harvest(t, q->qf, q->qlen, q->flags, &b, &g);
	cr_assert_eq(err, 0, "%s: %s: read_and_clear_dirty [%#llx, %#llx]: %d", t->name, what,
		     ULL(q->qf), ULL(ql), err);
	for (unsigned int i = 0; i < nrep; i++)
		ds_bmap_expect(&b, q->qf, ql, rep[i].first, rep[i].last);
	ds_bmap_check(t, &b, what);
	if (gs <= gl)
		ds_check_gather(t, &g, gs, gl, what);
	else
		ds_check_gather_empty(t, &g, what);
	cr_assert_eq(genpt_gather_release(t->pt, &g), 0);
	ds_bmap_fini(&b);
}

void ds_expect_leaves(struct df_table *t, const struct ds_q *q, const struct ds_leaf *const *d,
		      unsigned int n, uint64_t gs, uint64_t gl, const char *what)
{
	struct ds_span rep[16];

	cr_assert_leq(n, 16u, "test bug: too many dirty leaves");
	for (unsigned int i = 0; i < n; i++)
		rep[i] = (struct ds_span){ d[i]->iova, ds_last(d[i]) };
	ds_expect_spans(t, q, rep, n, gs, gl, what);
}

void ds_expect(struct df_table *t, const struct ds_q *q, const struct ds_leaf *const *d,
	       unsigned int n, const struct ds_leaf *cleaned, const char *what)
{
	ds_expect_leaves(t, q, d, n, cleaned ? cleaned->iova : 1, cleaned ? ds_last(cleaned) : 0,
			 what);
}

void ds_each_cfg(bool (*fn)(const struct af_cfg *c), unsigned int skipped)
{
	unsigned int ran = 0, n = 0;

	for (AF_EACH(c))
		if (c->dirty) {
			ran += fn(c);
			n++;
		}
	cr_assert_eq(ran, n - skipped, "ran on %u configurations of %u, %u expected", ran, n,
		     n - skipped);
}

void ds_each_named(const char *prefix, void (*fn)(const struct af_cfg *c))
{
	size_t len = strlen(prefix);
	unsigned int ran = 0;

	for (AF_EACH(c))
		if (c->dirty && !strncmp(c->name, prefix, len)) {
			fn(c);
			ran++;
		}
	cr_assert_gt(ran, 0u, "no configuration %s* with dirty state", prefix);
}
