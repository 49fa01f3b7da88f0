// SPDX-License-Identifier: MIT
/*
 * x86_suite_dirty.c - harvesting the dirty bits the x86 formats' hardware
 * sets (see x86_suite.h): RISC-V test_dirty.c's checks over x86-64 D (bit
 * 6), VT-d second-stage D (bit 9) and AMD v1 D (bit 6, any replica of a
 * NextLevel-7 page), with every entry compared bit for bit.
 *
 * Hardware writes come from genpt_hw_access(): with tracking on it sets D
 * (on the one replica the address selects), with it off a write to a D=0
 * leaf faults.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x86_suite.h"

#define ULL(x) ((unsigned long long)(x))
#define RO GENPT_READ

/* ---- leaves -------------------------------------------------------------- */

struct xl {
	uint64_t iova, size, oa;
	unsigned int prot;
};

static unsigned int xl_shift(const struct xl *l)
{
	return (unsigned int)__builtin_ctzll(l->size);
}

static unsigned int xl_entries(const struct xl *l)
{
	return xu_shift_entries(xl_shift(l));
}

static uint64_t xl_last(const struct xl *l)
{
	return l->iova + (l->size - 1);
}

static uint64_t *xl_slots(const struct xu_table *t, const struct xl *l)
{
	struct xu_leaf lf;
	int err = xu_lookup(t, l->iova, &lf);

	cr_assert_eq(err, 0, "%s: no leaf at 0x%llx: %d", t->mode->name, ULL(l->iova), err);
	cr_assert_eq(lf.shift, xl_shift(l), "%s: leaf at 0x%llx is 2^%u, want 2^%u",
		     t->mode->name, ULL(l->iova), lf.shift, xl_shift(l));
	return xu_ptr(t, lf.first_pte_pa);
}

/* How many replicas of @l have D (any size). */
static unsigned int xl_ndirty(const struct xu_table *t, const struct xl *l)
{
	const uint64_t *p = xl_slots(t, l);
	unsigned int n = 0;

	for (unsigned int i = 0; i < xl_entries(l); i++)
		n += !!(__atomic_load_n(&p[i], __ATOMIC_ACQUIRE) & xu_dirty_bit(t));
	return n;
}

/* Every replica of @l is exactly what genpt writes, D aside. */
static void xl_check_but_d(const struct xu_table *t, const struct xl *l, const char *when)
{
	const uint64_t *p = xl_slots(t, l);
	uint64_t d = xu_dirty_bit(t);
	uint64_t want = xs_leaf_bits(t, xl_shift(l), l->oa, l->prot, false) & ~d;

	for (unsigned int i = 0; i < xl_entries(l); i++)
		cr_assert_eq(__atomic_load_n(&p[i], __ATOMIC_ACQUIRE) & ~d, want,
			     "%s: leaf 0x%llx replica %u: 0x%016llx, want 0x%016llx (D aside)", when,
			     ULL(l->iova), i, ULL(p[i]), ULL(want));
}

static void xl_map(struct xu_table *t, const struct xl *l)
{
	int err = genpt_map(t->pt, l->iova, l->oa, l->size, l->prot, NULL);

	cr_assert_eq(err, 0, "%s: map 0x%llx+0x%llx -> 0x%llx prot 0x%x: %d", t->mode->name,
		     ULL(l->iova), ULL(l->size), ULL(l->oa), l->prot, err);
}

static void set_tracking(struct xu_table *t, bool on)
{
	cr_assert_eq(genpt_set_dirty_tracking(t->pt, on), 0);
	cr_assert_eq(genpt_dirty_tracking(t->pt), on ? 1 : 0);
}

/* ---- bitmaps --------------------------------------------------------------- */

struct bmap {
	struct genpt_dirty_bitmap bm;
	uint64_t last, nbits, nwords;
	uint64_t *got, *exp;
};

static void bmap_init(struct bmap *b, uint64_t iova, uint64_t len, unsigned int ps)
{
	cr_assert(len && !(len & ((1ull << ps) - 1)) && !(iova & ((1ull << ps) - 1)),
		  "test bug: bitmap 0x%llx+0x%llx ps %u", ULL(iova), ULL(len), ps);
	b->nbits = len >> ps;
	b->nwords = (b->nbits + 63) / 64;
	b->got = calloc(b->nwords, sizeof(uint64_t));
	b->exp = calloc(b->nwords, sizeof(uint64_t));
	cr_assert(b->got && b->exp);
	b->bm = (struct genpt_dirty_bitmap){ .bits = b->got, .iova = iova, .length = len,
					     .page_shift = ps };
	b->last = iova + (len - 1);
}

static void bmap_fini(struct bmap *b)
{
	free(b->got);
	free(b->exp);
}

static void bmap_setbit(uint64_t *w, uint64_t i)
{
	w[i / 64] |= 1ull << (i % 64);
}

static bool bmap_bit(const uint64_t *w, uint64_t i)
{
	return (w[i / 64] >> (i % 64)) & 1;
}

static void bmap_preset(struct bmap *b, uint64_t seed)
{
	for (uint64_t i = 0; i < b->nbits; i++)
		if ((i * 0x9e37ull + seed) % 61 == 0) {
			bmap_setbit(b->got, i);
			bmap_setbit(b->exp, i);
		}
}

static void bmap_expect(struct bmap *b, uint64_t qf, uint64_t ql, uint64_t first, uint64_t last)
{
	uint64_t f = first > qf ? first : qf, l = last < ql ? last : ql;
	uint64_t i0, i1;

	if (f > l)
		return;
	cr_assert(f >= b->bm.iova && l <= b->last, "test bug: expectation outside bitmap");
	i0 = (f - b->bm.iova) >> b->bm.page_shift;
	i1 = (l - b->bm.iova) >> b->bm.page_shift;
	for (uint64_t i = i0;; i++) {
		bmap_setbit(b->exp, i);
		if (i == i1)
			break;
	}
}

static void bmap_check(const struct bmap *b, const char *what)
{
	for (uint64_t w = 0; w < b->nwords; w++) {
		uint64_t diff = b->got[w] ^ b->exp[w], i;

		if (!diff)
			continue;
		i = w * 64 + (uint64_t)__builtin_ctzll(diff);
		cr_assert_fail("%s: bitmap (iova 0x%llx, ps %u) bit %llu (page 0x%llx): got %d, expected %d",
			       what, ULL(b->bm.iova), b->bm.page_shift, ULL(i),
			       ULL(b->bm.iova + (i << b->bm.page_shift)), bmap_bit(b->got, i),
			       bmap_bit(b->exp, i));
	}
}

static void check_gather(const struct genpt_gather *g, uint64_t start, uint64_t last,
			 const char *what)
{
	if (start > last) {
		cr_assert(g->start > g->last, "%s: gather [0x%llx, 0x%llx], expected empty", what,
			  ULL(g->start), ULL(g->last));
	} else {
		cr_assert(g->start == start && g->last == last,
			  "%s: gather [0x%llx, 0x%llx], expected [0x%llx, 0x%llx]", what,
			  ULL(g->start), ULL(g->last), ULL(start), ULL(last));
	}
	cr_assert_null(g->freed, "%s: a harvest freed table pages", what);
}

static int harvest(struct xu_table *t, uint64_t first, uint64_t len, unsigned int flags,
		   struct bmap *b, struct genpt_gather *g)
{
	return genpt_read_and_clear_dirty(t->pt, first, len, flags, b ? &b->bm : NULL, g);
}

/* An inclusive address range expected in a bitmap: a dirty leaf, or the
 * part of one the table carries. */
struct span {
	uint64_t first, last;
};

/* ---- randomized model --------------------------------------------------------------- */

#define RM_MAX 96

struct rm_leaf {
	struct xl l;
	bool dirty;
};

struct rmodel {
	struct xu_table t;
	struct rm_leaf ls[RM_MAX];
	unsigned int n;
	uint64_t lo, hi;
	bool tracking;
	bool *carried; /* per 4 KiB page from lo: the table carries it */
};

static void rm_layout(struct rmodel *m, uint64_t *seed, bool amd)
{
	uint64_t cur = 0x4000000000ull;
	unsigned int n1g = 0;
	struct tu_rng r = { *seed };

	m->lo = cur;
	while (m->n < RM_MAX) {
		uint64_t x = tu_rand_below(&r, 100), size;
		struct rm_leaf *y = &m->ls[m->n];

		if (x < 8) {
			cur += (1 + tu_rand_below(&r, 20)) * XU_4K;
			continue;
		}
		if (x < 40)
			size = XU_4K;
		else if (x < 55)
			size = amd ? XU_8K : XU_4K;
		else if (x < 70)
			size = amd ? XU_64K : XU_4K;
		else if (x < 78)
			size = amd ? XU_1M : XU_2M;
		else if (x < 93)
			size = XU_2M;
		else if (n1g < 2)
			size = XU_1G, n1g++;
		else
			continue;
		cur = (cur + size - 1) & ~(size - 1);
		y->l = (struct xl){ cur, size, cur + 0x100000000000ull,
				    tu_rand_below(&r, 6) ? XS_RW : RO };
		y->dirty = false;
		cur += size;
		m->n++;
		if (m->n >= 48 && tu_rand_below(&r, 8) == 0)
			break;
	}
	m->hi = cur - 1;
	*seed = r.s;
}

static uint64_t rm_point(const struct rmodel *m, struct tu_rng *r)
{
	const struct xl *x = &m->ls[tu_rand_below(r, m->n)].l;

	switch (tu_rand_below(r, 4)) {
	case 0:
		return x->iova;
	case 1:
		return x->iova + x->size;
	case 2:
		return x->iova + tu_rand_below(r, x->size / XU_4K) * XU_4K;
	default:
		return m->lo - 16 * XU_4K + tu_rand_below(r, (m->hi + 1 - m->lo) / XU_4K + 32) * XU_4K;
	}
}

static void rm_check_raw(struct rmodel *m, unsigned int it)
{
	for (unsigned int i = 0; i < m->n; i++) {
		struct rm_leaf *x = &m->ls[i];
		unsigned int nd = xl_ndirty(&m->t, &x->l);
		char w[96];

		snprintf(w, sizeof(w), "iteration %u, leaf %u", it, i);
		xl_check_but_d(&m->t, &x->l, w);
		cr_assert_eq(nd != 0, x->dirty, "%s (0x%llx size 0x%llx): %u dirty replicas, model %d",
			     w, ULL(x->l.iova), ULL(x->l.size), nd, x->dirty);
		if (!(x->l.prot & GENPT_WRITE))
			cr_assert_eq(nd, 0, "%s: read-only leaf dirty", w);
		if (!m->tracking && (x->l.prot & GENPT_WRITE))
			cr_assert_eq(nd, xl_entries(&x->l), "%s: tracking off, %u of %u replicas dirty",
				     w, nd, xl_entries(&x->l));
	}
}

/* ---- the carry, modelled ---------------------------------------------------------- */

/*
 * The model's carry: one flag per 4 KiB page of the layout, set for the
 * pages outside a cleaning query of a dirty leaf it cleaned whole, cleared
 * when a query without NO_CLEAR or an unmap meets the page (see
 * genpt_read_and_clear_dirty()).  Queries may reach past the layout,
 * where nothing is ever carried.
 */
static bool rm_clip(const struct rmodel *m, uint64_t *first, uint64_t *last)
{
	if (*first < m->lo)
		*first = m->lo;
	if (*last > m->hi)
		*last = m->hi;
	return *first <= *last;
}

static void rm_carry_set(struct rmodel *m, uint64_t first, uint64_t last, bool on)
{
	if (!rm_clip(m, &first, &last))
		return;
	for (uint64_t i = (first - m->lo) / XU_4K; i <= (last - m->lo) / XU_4K; i++)
		m->carried[i] = on;
}

/* Expect every carried page inside [qf, ql] in @b, a run at a time. */
static void rm_carry_expect(const struct rmodel *m, struct bmap *b, uint64_t qf, uint64_t ql)
{
	uint64_t f = qf, l = ql, i1;

	if (!rm_clip(m, &f, &l))
		return;
	i1 = (l - m->lo) / XU_4K;
	for (uint64_t i = (f - m->lo) / XU_4K; i <= i1; i++) {
		uint64_t j = i;

		if (!m->carried[i])
			continue;
		while (j < i1 && m->carried[j + 1])
			j++;
		bmap_expect(b, qf, ql, m->lo + i * XU_4K, m->lo + (j + 1) * XU_4K - 1);
		i = j;
	}
}

/*
 * The table holds the carry as at most 64 disjoint ranges (adjacent ones
 * join) and falls back to leaving a leaf dirty when they do not fit;
 * that fallback is test_migration_edges.c's business, so this test stays
 * well below it (at most 2 new ranges per query, 1 per cut).
 */
static void rm_carry_check_room(const struct rmodel *m, unsigned int it)
{
	uint64_t n = (m->hi - m->lo) / XU_4K + 1;
	unsigned int runs = 0;

	for (uint64_t i = 0; i < n; i++)
		runs += m->carried[i] && (i == 0 || !m->carried[i - 1]);
	cr_assert_leq(runs, 60u, "it %u: test bug: the carry nearly full (%u ranges)", it, runs);
}

/*
 * The model's side of a harvest of [qf, ql]: carried pages are reported
 * (into @b unless NULL) and, without NO_CLEAR, forgotten; dirty leaves
 * are reported clipped to the query; a cleaning query (no NO_CLEAR,
 * tracking on) cleans every dirty leaf it meets whole and carries the
 * pages outside.  [*gs, *gl] gets the hull of the cleaned leaves.
 */
static void rm_harvest_model(struct rmodel *m, uint64_t qf, uint64_t ql, unsigned int flags,
			     struct bmap *b, uint64_t *gs, uint64_t *gl)
{
	bool clear = !flags && m->tracking;

	if (b)
		rm_carry_expect(m, b, qf, ql);
	if (!flags)
		rm_carry_set(m, qf, ql, false);
	for (unsigned int i = 0; i < m->n; i++) {
		struct rm_leaf *x = &m->ls[i];
		uint64_t last = xl_last(&x->l);

		if (!x->dirty || x->l.iova > ql || last < qf)
			continue;
		if (b)
			bmap_expect(b, qf, ql, x->l.iova, last);
		if (!clear)
			continue;
		x->dirty = false;
		if (x->l.iova < qf)
			rm_carry_set(m, x->l.iova, qf - 1, true);
		if (last > ql)
			rm_carry_set(m, ql + 1, last, true);
		*gs = x->l.iova < *gs ? x->l.iova : *gs;
		*gl = last > *gl ? last : *gl;
	}
}

/* ---- the randomized test ------------------------------------------------------------ */

static void rm_hw_writes(struct rmodel *m, struct tu_rng *r, unsigned int it)
{
	unsigned int k = 1 + (unsigned int)tu_rand_below(r, 6);

	for (unsigned int j = 0; j < k; j++) {
		struct rm_leaf *x = &m->ls[tu_rand_below(r, m->n)];
		uint64_t va = x->l.iova + tu_rand_below(r, x->l.size / 8) * 8;
		int err = genpt_hw_access(m->t.pt, va, GENPT_ACCESS_WRITE, NULL);

		if (x->l.prot & GENPT_WRITE) {
			cr_assert_eq(err, 0, "it %u: hw write 0x%llx: %d", it, ULL(va), err);
			x->dirty = true;
		} else {
			cr_assert_eq(err, -EACCES, "it %u: hw write ro 0x%llx", it, ULL(va));
		}
	}
}

static void rm_switch_tracking(struct rmodel *m)
{
	bool on = !m->tracking;

	set_tracking(&m->t, on);
	m->tracking = on;
	if (!on)
		for (unsigned int i = 0; i < m->n; i++)
			if (m->ls[i].l.prot & GENPT_WRITE)
				m->ls[i].dirty = true;
}

/* Unmap a leaf (its carried pages go with it) and map it again. */
static void rm_remap(struct rmodel *m, struct tu_rng *r, unsigned int it)
{
	struct rm_leaf *x = &m->ls[tu_rand_below(r, m->n)];
	uint64_t un = 0;
	struct genpt_gather g;

	genpt_gather_init(&g);
	cr_assert_eq(genpt_unmap(m->t.pt, x->l.iova, x->l.size, &g, &un), 0);
	cr_assert_eq(un, x->l.size);
	cr_assert_eq(genpt_gather_release(m->t.pt, &g), 0);
	rm_carry_set(m, x->l.iova, xl_last(&x->l), false);
	rm_carry_check_room(m, it);
	x->l.prot = tu_rand_below(r, 4) ? XS_RW : RO;
	xl_map(&m->t, &x->l);
	x->dirty = (x->l.prot & GENPT_WRITE) && !m->tracking;
}

/* One harvest: random page shift, bitmap base, query ends, flags, NULL
 * bitmap, pre-set bits; bitmap and gather exactly as the model says. */
static void rm_harvest(struct rmodel *m, struct tu_rng *r, unsigned int it)
{
	static const unsigned int shifts[] = { 12, 13, 16, 21, 30 };
	unsigned int ps = shifts[tu_rand_below(r, 5)];
	uint64_t page = 1ull << ps;
	uint64_t a = rm_point(m, r), b = rm_point(m, r);
	uint64_t qf = a < b ? a : b, ql = a < b ? b : a;
	uint64_t bm_iova, bm_last, gs = UINT64_MAX, gl = 0;
	unsigned int flags = tu_rand_below(r, 4) ? 0 : GENPT_DIRTY_NO_CLEAR;
	bool null_bm = tu_rand_below(r, 8) == 0;
	struct genpt_gather g;
	struct bmap bm;
	char w[80];

	if (ql == qf)
		ql += XU_4K;
	ql -= 1;
	bm_iova = (qf & ~(page - 1)) - tu_rand_below(r, 70) * page;
	bm_last = (ql | (page - 1)) + tu_rand_below(r, 70) * page;
	bmap_init(&bm, bm_iova, bm_last - bm_iova + 1, ps);
	if (tu_rand_below(r, 2))
		bmap_preset(&bm, it);
	genpt_gather_init(&g);
	cr_assert_eq(harvest(&m->t, qf, ql - qf + 1, flags, null_bm ? NULL : &bm, &g), 0);
	/* With a NULL bitmap only the pre-set bits are expected. */
	rm_harvest_model(m, qf, ql, flags, null_bm ? NULL : &bm, &gs, &gl);
	rm_carry_check_room(m, it);
	snprintf(w, sizeof(w), "it %u: ps %u query [0x%llx, 0x%llx] flags %u", it, ps, ULL(qf),
		 ULL(ql), flags);
	bmap_check(&bm, w);
	check_gather(&g, gs, gl, w);
	cr_assert_eq(genpt_gather_release(m->t.pt, &g), 0);
	bmap_fini(&bm);
}

/*
 * After the random run, a cleaning pass in chunks of random size over the
 * whole layout reports what the model says (carried pages included), and
 * a second pass reports nothing.
 */
static void rm_final_passes(struct rmodel *m, struct tu_rng *r)
{
	uint64_t qf = m->lo - 16 * XU_4K, end = m->hi + 1 + 16 * XU_4K;

	if (!m->tracking)
		rm_switch_tracking(m);
	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t f = qf; f < end;) {
			uint64_t len = (1 + tu_rand_below(r, 4096)) * XU_4K * 97;
			uint64_t l = f + len - 1 < end - 1 ? f + len - 1 : end - 1;
			uint64_t gs = UINT64_MAX, gl = 0;
			struct bmap bm;
			struct genpt_gather g;

			bmap_init(&bm, f, l - f + 1, 12);
			genpt_gather_init(&g);
			cr_assert_eq(harvest(&m->t, f, l - f + 1, 0, &bm, &g), 0);
			rm_harvest_model(m, f, l, 0, &bm, &gs, &gl);
			cr_assert(pass == 0 || gs > gl, "second pass cleaned a leaf");
			bmap_check(&bm, pass ? "second pass" : "first pass");
			check_gather(&g, gs, gl, "final pass");
			cr_assert_eq(genpt_gather_release(m->t.pt, &g), 0);
			bmap_fini(&bm);
			f = l + 1;
		}
	}
	for (uint64_t i = 0; i <= (m->hi - m->lo) / XU_4K; i++)
		cr_assert(!m->carried[i], "model: page 0x%llx still carried after two passes",
			  ULL(m->lo + i * XU_4K));
}

/*
 * Random hardware writes, tracking switches, remaps and harvests against
 * a model of which leaves are dirty and which pages the table carries.
 */
void xs_dirty_random(int mode, uint64_t seed, unsigned int iters)
{
	struct rmodel *m = calloc(1, sizeof(*m));
	struct tu_rng r;

	cr_assert_not_null(m);
	rm_layout(m, &seed, xu_modes[mode].fam == XU_FAM_AMDV1);
	r.s = seed;
	m->carried = calloc((m->hi - m->lo) / XU_4K + 1, sizeof(bool));
	cr_assert_not_null(m->carried);
	xu_table_init(&m->t, mode, 0, 1ull << 30);
	set_tracking(&m->t, true);
	m->tracking = true;
	for (unsigned int i = 0; i < m->n; i++)
		xl_map(&m->t, &m->ls[i].l);

	for (unsigned int it = 0; it < iters; it++) {
		uint64_t op = tu_rand_below(&r, 100);

		if (op < 40)
			rm_hw_writes(m, &r, it);
		else if (op < 44)
			rm_switch_tracking(m);
		else if (op < 48)
			rm_remap(m, &r, it);
		else
			rm_harvest(m, &r, it);
		if (it % 10 == 0 || op >= 48)
			rm_check_raw(m, it);
	}
	rm_final_passes(m, &r);
	rm_check_raw(m, iters);
	xu_table_fini(&m->t);
	free(m->carried);
	free(m);
}

/* ---- concurrency ------------------------------------------------------------------- */

/*
 * Hardware writers against two harvesters over disjoint halves of a region
 * of one 2M leaf, four 64K pages (AMD v1 runs of 16 replicas; 16 x 4K
 * elsewhere) and 64 4K leaves; the bookkeeping of RISC-V test_dirty.c: for
 * every write, one of the harvests that may have seen it reported it.
 */
#define CC_BASE 0x40000000ull
#define CC_RUNS 4u
#define CC_SMALL 64u
#define CC_PAGES (512u + 16u * CC_RUNS + CC_SMALL)
#define CC_SPLIT (512u + 16u * (CC_RUNS / 2))
#define CC_WRITERS 2
#define CC_WRITES 20000u
#define CC_MAXUNITS (1u + 16u * CC_RUNS + CC_SMALL)
#define CC_HWORDS ((CC_MAXUNITS + 63) / 64)

struct cc_unit {
	unsigned int first, pages;
};

struct cc_shared {
	struct xu_table t;
	unsigned int epoch[2];
	int stop;
	unsigned int writers_done;
	uint16_t unit_of[CC_PAGES];
	struct cc_unit units[CC_MAXUNITS];
	unsigned int nunits;
};

struct cc_rec {
	unsigned int page, from, to;
};

struct cc_writer {
	struct cc_shared *s;
	struct tu_rng rng;
	struct cc_rec rec[CC_WRITES];
	unsigned int errors;
};

struct cc_harvester {
	struct cc_shared *s;
	unsigned int id, first_page, npages;
	uint64_t *hist;
	unsigned int cap, harvests, errors, partial, outside;
};

static unsigned int cc_owner(unsigned int page)
{
	return page < CC_SPLIT ? 0 : 1;
}

static void *cc_writer_main(void *arg)
{
	struct cc_writer *w = arg;
	struct cc_shared *s = w->s;

	for (unsigned int i = 0; i < CC_WRITES; i++) {
		uint64_t r = tu_rand_below(&w->rng, 8);
		unsigned int p = r == 0   ? (unsigned int)tu_rand_below(&w->rng, 512)
				 : r < 3 ? 512 + (unsigned int)tu_rand_below(&w->rng, 16 * CC_RUNS)
					 : 512 + 16 * CC_RUNS +
						   (unsigned int)tu_rand_below(&w->rng, CC_SMALL);
		unsigned int *ep = &s->epoch[cc_owner(p)], es, ee;
		uint64_t va = CC_BASE + (uint64_t)p * XU_4K + tu_rand_below(&w->rng, XU_4K);

		es = __atomic_load_n(ep, __ATOMIC_ACQUIRE);
		if (genpt_hw_access(s->t.pt, va, GENPT_ACCESS_WRITE, NULL) != 0)
			w->errors++;
		ee = __atomic_fetch_add(ep, 0, __ATOMIC_ACQ_REL);
		w->rec[i] = (struct cc_rec){ p, es + 1, ee + 2 };
		if (i % 64 == 63)
			sched_yield();
	}
	__atomic_fetch_add(&s->writers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void cc_harvest_once(struct cc_harvester *h, struct bmap *b)
{
	struct cc_shared *s = h->s;
	uint64_t qf = CC_BASE + (uint64_t)h->first_page * XU_4K;
	uint64_t off = (qf - b->bm.iova) / XU_4K, *rep;
	struct genpt_gather g;
	unsigned int n;

	if (h->harvests == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 1024;
		h->hist = realloc(h->hist, (size_t)h->cap * CC_HWORDS * sizeof(uint64_t));
		if (!h->hist)
			abort();
	}
	rep = &h->hist[(size_t)h->harvests * CC_HWORDS];
	memset(rep, 0, CC_HWORDS * sizeof(uint64_t));
	memset(b->got, 0, b->nwords * sizeof(uint64_t));
	genpt_gather_init(&g);
	if (genpt_read_and_clear_dirty(s->t.pt, qf, (uint64_t)h->npages * XU_4K, 0, &b->bm, &g))
		h->errors++;
	genpt_gather_release(s->t.pt, &g);
	n = ++h->harvests;
	for (uint64_t i = 0; i < b->nbits; i++)
		if (bmap_bit(b->got, i) && (i < off || i >= off + h->npages))
			h->outside++;
	for (unsigned int u = 0; u < s->nunits; u++) {
		const struct cc_unit *x = &s->units[u];
		unsigned int set = 0;

		if (cc_owner(x->first) != h->id)
			continue;
		for (unsigned int p = x->first; p < x->first + x->pages; p++)
			set += bmap_bit(b->got, off + (p - h->first_page));
		if (set && set != x->pages)
			h->partial++;
		if (set)
			bmap_setbit(rep, u);
	}
	__atomic_exchange_n(&s->epoch[h->id], n, __ATOMIC_ACQ_REL);
}

static void *cc_harvester_main(void *arg)
{
	struct cc_harvester *h = arg;
	struct bmap b;
	uint64_t qf = CC_BASE + (uint64_t)h->first_page * XU_4K;

	bmap_init(&b, qf - 3 * XU_4K, ((uint64_t)h->npages + 5) * XU_4K, 12);
	while (!__atomic_load_n(&h->s->stop, __ATOMIC_ACQUIRE))
		cc_harvest_once(h, &b);
	cc_harvest_once(h, &b);
	bmap_fini(&b);
	return NULL;
}

void xs_dirty_concurrent(int mode)
{
	struct cc_shared *s = calloc(1, sizeof(*s));
	struct cc_writer *w = calloc(CC_WRITERS, sizeof(*w));
	struct cc_harvester *h = calloc(2, sizeof(*h));
	bool amd = xu_modes[mode].fam == XU_FAM_AMDV1;
	pthread_t wt[CC_WRITERS], ht;
	uint8_t unit_written[CC_MAXUNITS] = { 0 };
	struct xl l;
	struct bmap b;

	cr_assert(s && w && h);
	xu_table_init(&s->t, mode, 0, 1ull << 30);
	set_tracking(&s->t, true);
	l = (struct xl){ CC_BASE, XU_2M, 0x200000, XS_RW };
	xl_map(&s->t, &l);
	s->units[s->nunits++] = (struct cc_unit){ 0, 512 };
	for (unsigned int r = 0; r < CC_RUNS; r++) {
		l = (struct xl){ CC_BASE + XU_2M + r * XU_64K, XU_64K, 0x400000 + r * XU_64K, XS_RW };
		xl_map(&s->t, &l);
		if (amd) {
			s->units[s->nunits++] = (struct cc_unit){ 512 + 16 * r, 16 };
		} else {
			for (unsigned int p = 0; p < 16; p++)
				s->units[s->nunits++] = (struct cc_unit){ 512 + 16 * r + p, 1 };
		}
	}
	for (unsigned int p = 0; p < CC_SMALL; p++) {
		l = (struct xl){ CC_BASE + XU_2M + CC_RUNS * XU_64K + p * XU_4K, XU_4K,
				 0x800000 + p * XU_4K, XS_RW };
		xl_map(&s->t, &l);
		s->units[s->nunits++] = (struct cc_unit){ 512 + 16 * CC_RUNS + p, 1 };
	}
	for (unsigned int u = 0; u < s->nunits; u++)
		for (unsigned int p = 0; p < s->units[u].pages; p++)
			s->unit_of[s->units[u].first + p] = (uint16_t)u;
	for (unsigned int i = 0; i < 2; i++) {
		h[i].s = s;
		h[i].id = i;
		h[i].first_page = i ? CC_SPLIT : 0;
		h[i].npages = i ? CC_PAGES - CC_SPLIT : CC_SPLIT;
	}
	cr_assert_eq(pthread_create(&ht, NULL, cc_harvester_main, &h[1]), 0);
	for (unsigned int i = 0; i < CC_WRITERS; i++) {
		w[i].s = s;
		w[i].rng.s = 0xc0ffee + i;
		cr_assert_eq(pthread_create(&wt[i], NULL, cc_writer_main, &w[i]), 0);
	}
	bmap_init(&b, CC_BASE - 3 * XU_4K, ((uint64_t)CC_SPLIT + 5) * XU_4K, 12);
	while (__atomic_load_n(&s->writers_done, __ATOMIC_ACQUIRE) < CC_WRITERS)
		cc_harvest_once(&h[0], &b);
	for (unsigned int i = 0; i < CC_WRITERS; i++)
		cr_assert_eq(pthread_join(wt[i], NULL), 0);
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	cc_harvest_once(&h[0], &b);
	bmap_fini(&b);
	cr_assert_eq(pthread_join(ht, NULL), 0);

	for (unsigned int i = 0; i < 2; i++) {
		cr_assert_eq(h[i].errors, 0, "harvester %u: failed harvests", i);
		cr_assert_eq(h[i].partial, 0, "harvester %u: a page reported in part", i);
		cr_assert_eq(h[i].outside, 0, "harvester %u: bits outside the query", i);
		cr_assert_gt(h[i].harvests, 1u);
	}
	for (unsigned int i = 0; i < CC_WRITERS; i++) {
		cr_assert_eq(w[i].errors, 0, "writer %u: %u hw writes failed", i, w[i].errors);
		for (unsigned int k = 0; k < CC_WRITES; k++) {
			const struct cc_rec *r = &w[i].rec[k];
			const struct cc_harvester *o = &h[cc_owner(r->page)];
			unsigned int to = r->to < o->harvests ? r->to : o->harvests;
			bool found = false;

			for (unsigned int n = r->from; n <= to && !found; n++)
				found = bmap_bit(&o->hist[(size_t)(n - 1) * CC_HWORDS],
						 s->unit_of[r->page]);
			cr_assert(found, "%s: writer %u write %u to page %u not reported by harvests %u..%u: lost",
				  s->t.mode->name, i, k, r->page, r->from, to);
			unit_written[s->unit_of[r->page]] = 1;
		}
	}
	for (unsigned int u = 0; u < s->nunits; u++) {
		const struct cc_harvester *o = &h[cc_owner(s->units[u].first)];
		bool ever = false;
		struct xl x = { CC_BASE + (uint64_t)s->units[u].first * XU_4K,
				(uint64_t)s->units[u].pages * XU_4K, 0, XS_RW };

		for (unsigned int n = 0; n < o->harvests && !ever; n++)
			ever = bmap_bit(&o->hist[(size_t)n * CC_HWORDS], u);
		cr_assert_eq(ever, unit_written[u] != 0, "unit %u: reported %d, written %u", u, ever,
			     unit_written[u]);
		cr_assert_eq(xl_ndirty(&s->t, &x), 0, "unit %u still dirty", u);
	}
	xu_table_fini(&s->t);
	free(h[0].hist);
	free(h[1].hist);
	free(h);
	free(w);
	free(s);
}
