// SPDX-License-Identifier: MIT
/*
 * test_fmt_dirty_random.c - random hardware writes, tracking switches,
 * remaps and harvests against a model of which leaves are dirty and which
 * granules the table carries, on every configuration with dirty state
 * (test/support/dfmt.h).
 *
 * The layout mixes every leaf size of the configuration up to 1 GiB
 * (runs, blocks, AMD v1 replicated pages), read-only ones among them.
 * Harvests take random ends, flags, bitmap page sizes and bases, a NULL
 * bitmap or pre-set bits; the bitmap is compared word for word and the
 * gather exactly.  A cleaning query cleans a dirty leaf it meets whole and
 * the table carries the granules outside the query until a query meets
 * them (see genpt_read_and_clear_dirty()).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "dsuite.h"
#include "tsan_scale.h"

#define RM_MAX 96
#define RM_ITERS TU_BY_TSAN(300, 100) /* tsan_scale.h */

struct rm_leaf {
	struct ds_leaf l;
	bool dirty;
};

struct rmodel {
	struct df_table t;
	struct rm_leaf ls[RM_MAX];
	unsigned int n;
	uint64_t g;      /* granule: the unit of query ends and of the carry */
	uint64_t lo, hi; /* the layout */
	bool tracking;
	bool *carried;   /* per granule from lo: the table carries it */
	struct tu_rng seed;
};

/* Leaf sizes of the layout (ascending): up to 1 GiB and 1/16 of the
 * space; *@nbig gets how many are above the first block level. */
static unsigned int rm_sizes(const struct rmodel *m, uint64_t *sizes)
{
	unsigned int shifts[64], n = df_shifts(&m->t, shifts), k = 0;
	uint64_t half = df_half(&m->t);

	for (unsigned int i = n; i-- > 0;) {
		uint64_t s = 1ull << shifts[i];

		if (shifts[i] <= 30 && (!half || s <= half / 16))
			sizes[k++] = s;
	}
	cr_assert_gt(k, 0u, "%s: no leaf size fits", m->t.name);
	return k;
}

static void rm_layout(struct rmodel *m)
{
	uint64_t sizes[64], half = df_half(&m->t), cur, limit;
	unsigned int ns = rm_sizes(m, sizes), nbig = 0;

	m->g = df_gran(&m->t);
	cur = !half || half >= (1ull << 40) ? 1ull << 38 : half / 4;
	limit = !half || half >= (1ull << 40) ? 1ull << 40 : half - half / 4;
	m->lo = cur;
	while (m->n < RM_MAX) {
		uint64_t r = tu_rand_below(&m->seed, 100), size;
		struct rm_leaf *x = &m->ls[m->n];

		if (r < 8) { /* a hole */
			cur += (1 + tu_rand_below(&m->seed, 20)) * m->g;
			continue;
		}
		size = r < 40 ? sizes[0] : sizes[tu_rand_below(&m->seed, ns)];
		if (size > 512 * m->g && nbig >= 2)
			continue;
		nbig += size > 512 * m->g;
		cur = (cur + size - 1) & ~(size - 1);
		if (cur + size > limit)
			break;
		x->l = (struct ds_leaf){ cur, size, cur + (1ull << 44),
					 tu_rand_below(&m->seed, 6) ? DF_RW : DF_RO };
		cur += size;
		m->n++;
		if (m->n >= 48 && tu_rand_below(&m->seed, 8) == 0)
			break;
	}
	cr_assert_gt(m->n, 8u, "%s: layout of %u leaves", m->t.name, m->n);
	m->hi = cur - 1;
}

/* A leaf boundary, or a random granule near the layout, for query ends. */
static uint64_t rm_point(struct rmodel *m)
{
	const struct ds_leaf *x = &m->ls[tu_rand_below(&m->seed, m->n)].l;

	switch (tu_rand_below(&m->seed, 4)) {
	case 0:
		return x->iova;
	case 1:
		return x->iova + x->size;
	case 2:
		return x->iova + tu_rand_below(&m->seed, x->size / m->g) * m->g;
	default:
		return m->lo - 16 * m->g +
		       tu_rand_below(&m->seed, (m->hi + 1 - m->lo) / m->g + 32) * m->g;
	}
}

/* Every leaf well formed and dirty as the model says: not at all when
 * read-only, every member when tracking is off. */
static void rm_check_raw(struct rmodel *m, unsigned int it)
{
	for (unsigned int i = 0; i < m->n; i++) {
		struct rm_leaf *x = &m->ls[i];
		uint64_t dm = ds_dmask(&m->t, &x->l);
		bool all = !m->tracking && (x->l.prot & GENPT_WRITE);
		char w[96];

		snprintf(w, sizeof(w), "iteration %u, leaf %u", it, i);
		if (all)
			ds_check(&m->t, &x->l, DS_ALL, w);
		else /* well formed; which members are dirty is hardware's choice */
			df_expect_leaf(&m->t, x->l.iova, x->l.size, x->l.oa, x->l.prot, w);
		cr_assert_eq(dm != 0, x->dirty, "%s: %s (%#llx size %#llx prot %#x): dirty %#llx, model %d",
			     m->t.name, w, ULL(x->l.iova), ULL(x->l.size), x->l.prot, ULL(dm),
			     x->dirty);
	}
}

/* ---- the carry, modelled ------------------------------------------------ */

/* Queries may reach past the layout, where nothing is ever carried. */
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
	for (uint64_t i = (first - m->lo) / m->g; i <= (last - m->lo) / m->g; i++)
		m->carried[i] = on;
}

/* Expect every carried granule inside [qf, ql] in @b, a run at a time. */
static void rm_carry_expect(const struct rmodel *m, struct ds_bmap *b, uint64_t qf,
			    uint64_t ql)
{
	uint64_t f = qf, l = ql, i1;

	if (!rm_clip(m, &f, &l))
		return;
	i1 = (l - m->lo) / m->g;
	for (uint64_t i = (f - m->lo) / m->g; i <= i1; i++) {
		uint64_t j = i;

		if (!m->carried[i])
			continue;
		while (j < i1 && m->carried[j + 1])
			j++;
		ds_bmap_expect(b, qf, ql, m->lo + i * m->g, m->lo + (j + 1) * m->g - 1);
		i = j;
	}
}

/*
 * The table holds the carry as at most 64 disjoint ranges and falls back
 * to leaving a leaf dirty when they do not fit; that fallback is
 * test_migration_edges.c's business, so this test stays well below it.
 */
static void rm_carry_check_room(const struct rmodel *m, unsigned int it)
{
	uint64_t n = (m->hi - m->lo) / m->g + 1;
	unsigned int runs = 0;

	for (uint64_t i = 0; i < n; i++)
		runs += m->carried[i] && (i == 0 || !m->carried[i - 1]);
	cr_assert_leq(runs, 60u, "%s: it %u: test bug: the carry nearly full (%u ranges)",
		      m->t.name, it, runs);
}

/*
 * The model's side of a harvest of [qf, ql]: carried granules are
 * reported (into @b unless NULL) and, without NO_CLEAR, forgotten; dirty
 * leaves are reported clipped to the query; a cleaning query (no
 * NO_CLEAR, tracking on) cleans every dirty leaf it meets whole and
 * carries the granules outside.  [*gs, *gl] gets the hull of the cleaned.
 */
static void rm_harvest_model(struct rmodel *m, uint64_t qf, uint64_t ql, unsigned int flags,
			     struct ds_bmap *b, uint64_t *gs, uint64_t *gl)
{
	bool clear = !flags && m->tracking;

	if (b)
		rm_carry_expect(m, b, qf, ql);
	if (!flags)
		rm_carry_set(m, qf, ql, false);
	for (unsigned int i = 0; i < m->n; i++) {
		struct rm_leaf *x = &m->ls[i];
		uint64_t last = ds_last(&x->l);

		if (!x->dirty || x->l.iova > ql || last < qf)
			continue;
		if (b)
			ds_bmap_expect(b, qf, ql, x->l.iova, last);
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

/* ---- operations ---------------------------------------------------------- */

static void rm_hw_writes(struct rmodel *m, unsigned int it)
{
	unsigned int k = 1 + (unsigned int)tu_rand_below(&m->seed, 6);

	for (unsigned int j = 0; j < k; j++) {
		struct rm_leaf *x = &m->ls[tu_rand_below(&m->seed, m->n)];
		uint64_t va = x->l.iova + tu_rand_below(&m->seed, x->l.size / 8) * 8;
		int err = genpt_hw_access(m->t.pt, va, GENPT_ACCESS_WRITE, NULL);

		if (x->l.prot & GENPT_WRITE) {
			cr_assert_eq(err, 0, "%s: it %u: hw write %#llx: %d", m->t.name, it,
				     ULL(va), err);
			x->dirty = true;
		} else {
			cr_assert_eq(err, -EACCES, "%s: it %u: hw write to read-only %#llx: %d",
				     m->t.name, it, ULL(va), err);
		}
	}
}

/* Tracking off makes every writable leaf dirty (hardware writes freely). */
static void rm_switch_tracking(struct rmodel *m)
{
	bool on = !m->tracking;

	ds_set_tracking(&m->t, on);
	m->tracking = on;
	if (!on)
		for (unsigned int i = 0; i < m->n; i++)
			if (m->ls[i].l.prot & GENPT_WRITE)
				m->ls[i].dirty = true;
}

/* Unmap a leaf (its carried granules go with it) and map it again. */
static void rm_remap(struct rmodel *m, unsigned int it)
{
	struct rm_leaf *x = &m->ls[tu_rand_below(&m->seed, m->n)];

	ds_unmap(&m->t, &x->l);
	rm_carry_set(m, x->l.iova, ds_last(&x->l), false);
	rm_carry_check_room(m, it);
	x->l.prot = tu_rand_below(&m->seed, 4) ? DF_RW : DF_RO;
	ds_map(&m->t, &x->l);
	x->dirty = (x->l.prot & GENPT_WRITE) && !m->tracking;
}

/* One harvest of [qf, ql] into a bitmap of page shift @ps and the checks
 * of what it reported and gathered. */
static void rm_harvest_check(struct rmodel *m, uint64_t qf, uint64_t ql, unsigned int ps,
			     uint64_t bm_iova, uint64_t bm_last, unsigned int flags,
			     bool null_bm, bool preset, const char *w)
{
	uint64_t gs = UINT64_MAX, gl = 0;
	struct genpt_gather g;
	struct ds_bmap bm;
	int err;

	ds_bmap_init(&bm, bm_iova, bm_last - bm_iova + 1, ps);
	if (preset)
		ds_bmap_preset(&bm, qf);
	genpt_gather_init(&g);
	err = ds_harvest(&m->t, qf, ql - qf + 1, flags, null_bm ? NULL : &bm, &g);
	cr_assert_eq(err, 0, "%s: %s: read_and_clear_dirty: %d", m->t.name, w, err);
	/* With a NULL bitmap only the pre-set bits are expected. */
	rm_harvest_model(m, qf, ql, flags, null_bm ? NULL : &bm, &gs, &gl);
	ds_bmap_check(&m->t, &bm, w);
	if (gs > gl)
		ds_check_gather_empty(&m->t, &g, w);
	else
		ds_check_gather(&m->t, &g, gs, gl, w);
	cr_assert_eq(genpt_gather_release(m->t.pt, &g), 0);
	ds_bmap_fini(&bm);
}

/* A harvest with random ends, flags, bitmap page size and base, NULL
 * bitmap or pre-set bits. */
static void rm_harvest(struct rmodel *m, unsigned int it)
{
	static const unsigned int shifts[] = { 12, 13, 16, 21, 30 };
	unsigned int ps = shifts[tu_rand_below(&m->seed, 5)];
	uint64_t page = 1ull << ps, a = rm_point(m), b = rm_point(m);
	uint64_t qf = a < b ? a : b, ql = a < b ? b : a, base, below;
	unsigned int flags = tu_rand_below(&m->seed, 4) ? 0 : GENPT_DIRTY_NO_CLEAR;
	bool null_bm = tu_rand_below(&m->seed, 8) == 0;
	bool preset = tu_rand_below(&m->seed, 2);
	char w[96];

	if (ql == qf)
		ql += m->g;
	ql -= 1;
	base = qf & ~(page - 1);
	below = tu_rand_below(&m->seed, 70);
	below = below < base / page ? below : base / page;
	snprintf(w, sizeof(w), "it %u: ps %u query [%#llx, %#llx] flags %u", it, ps, ULL(qf),
		 ULL(ql), flags);
	rm_harvest_check(m, qf, ql, ps, base - below * page,
			 (ql | (page - 1)) + tu_rand_below(&m->seed, 70) * page, flags, null_bm,
			 preset, w);
	rm_carry_check_room(m, it);
}

/*
 * After the random run, a cleaning pass in chunks of random size over the
 * whole layout reports what the model says (carried granules included),
 * and a second pass reports nothing.
 */
static void rm_final_passes(struct rmodel *m)
{
	uint64_t qf = m->lo - 16 * m->g, end = m->hi + 1 + 16 * m->g;

	if (!m->tracking)
		rm_switch_tracking(m);
	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t f = qf; f < end;) {
			uint64_t len = (1 + tu_rand_below(&m->seed, 4096)) * m->g * 97;
			uint64_t l = f + len - 1 < end - 1 ? f + len - 1 : end - 1;

			rm_harvest_check(m, f, l, 12, f, l, 0, false, false,
					 pass ? "second pass" : "first pass");
			f = l + 1;
		}
	}
	for (uint64_t i = 0; i <= (m->hi - m->lo) / m->g; i++)
		cr_assert(!m->carried[i], "%s: model: %#llx still carried after two passes",
			  m->t.name, ULL(m->lo + i * m->g));
}

static void random_model(const struct af_cfg *c)
{
	struct rmodel *m = calloc(1, sizeof(*m));

	cr_assert_not_null(m);
	m->seed.s = 0x5eed0000ull + c->cfg.va_bits * 131 + c->cfg.granule_bits;
	df_init(&m->t, c, 1ull << 30);
	rm_layout(m);
	m->carried = calloc((m->hi - m->lo) / m->g + 1, sizeof(bool));
	cr_assert_not_null(m->carried);
	ds_set_tracking(&m->t, true);
	m->tracking = true;
	for (unsigned int i = 0; i < m->n; i++)
		ds_map(&m->t, &m->ls[i].l);
	for (unsigned int it = 0; it < RM_ITERS; it++) {
		uint64_t op = tu_rand_below(&m->seed, 100);

		if (op < 40)
			rm_hw_writes(m, it);
		else if (op < 44)
			rm_switch_tracking(m);
		else if (op < 48)
			rm_remap(m, it);
		else
			rm_harvest(m, it);
		if (it % 10 == 0 || op >= 48)
			rm_check_raw(m, it);
	}
	rm_final_passes(m);
	rm_check_raw(m, RM_ITERS);
	df_fini(&m->t);
	free(m->carried);
	free(m);
}

DS_TESTS(fmt_dirty_random, random_model)
