// SPDX-License-Identifier: MIT
/*
 * test_fmt_errors_hw.c - the errors of the walk and of the dirty harvest on
 * every configuration of every format (af_all[]): genpt_hw_access's and
 * genpt_iova_to_phys's -EINVAL / -ENOENT / -EACCES, the dirty bitmap's
 * -EINVAL (before -EOPNOTSUPP on tables without dirty state), and what a
 * table without dirty state refuses; each failed call leaves the table
 * byte for byte, the provider, the gather and the caller's bitmap as they
 * were.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "fe_pop.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void bad_kinds(struct fe_pop *p, uint64_t mapped)
{
	static const unsigned int bad_access[] = { 0, 4, 5, 0xff, ~0u };
	uint64_t oa = 0;

	for (size_t i = 0; i < NELEM(bad_access); i++) {
		FE_UNCHANGED(p, -EINVAL, genpt_hw_access(p->t.pt, mapped, bad_access[i], &oa),
			     "hw_access kind %u", bad_access[i]);
		FE_UNCHANGED(p, -EINVAL, genpt_hw_access(p->t.pt, p->a, bad_access[i], NULL),
			     "hw_access kind %u, NULL oa", bad_access[i]);
	}
}

/* Unmapped addresses next to leaves of every size: -ENOENT. */
static void holes(struct fe_pop *p)
{
	uint64_t g = p->gr, h[16], oa;
	unsigned int n = 0, top = p->nh - 1;

	h[n++] = 0;
	h[n++] = p->a - g;
	h[n++] = p->a + g;
	h[n++] = p->ro + g;
	h[n++] = fe_free_va(p) + g;
	h[n++] = fe_free_va(p) + 3 * g;
	h[n++] = p->l[top] - g;
	if (p->run) {
		h[n++] = p->b - 1;
		h[n++] = p->b + p->run;
	}
	if (p->block) {
		h[n++] = p->c_va - 1;
		h[n++] = p->c_va + p->R;
	}
	if (p->f[top] + 7 * p->R > p->f[top] && p->f[top] + 7 * p->R < p->l[top] - g)
		h[n++] = p->f[top] + 7 * p->R;
	for (unsigned int i = 0; i < n; i++) {
		FE_UNCHANGED(p, -ENOENT, genpt_iova_to_phys(p->t.pt, h[i], &oa),
			     "iova_to_phys hole 0x%llx", (unsigned long long)h[i]);
		for (unsigned int k = GENPT_ACCESS_READ; k <= GENPT_ACCESS_EXEC; k++)
			FE_UNCHANGED(p, -ENOENT, genpt_hw_access(p->t.pt, h[i], k, &oa),
				     "hw_access %u hole 0x%llx", k, (unsigned long long)h[i]);
	}
}

static void check_hw_access_and_lookup(struct fe_pop *p)
{
	const struct af_cfg *c = p->c;
	uint64_t oa = 0, va;

	va = fe_free_va(p) + 2 * p->gr;
	/* tracking on: a walk would set A/D; a refused one must not */
	if (c->dirty)
		cr_assert_eq(genpt_set_dirty_tracking(p->t.pt, true), 0, "%s", c->name);
	cr_assert_eq(genpt_map(p->t.pt, va, p->oa0, p->gr, FE_RW, NULL), 0, "%s", c->name);
	bad_kinds(p, va);
	holes(p);
	/* and after an unmap */
	cr_assert_eq(genpt_unmap(p->t.pt, va, p->gr, NULL, NULL), 0, "%s", c->name);
	FE_UNCHANGED(p, -ENOENT, genpt_iova_to_phys(p->t.pt, va + 0x123, &oa),
		     "iova_to_phys after unmap");
	FE_UNCHANGED(p, -ENOENT,
		     genpt_hw_access(p->t.pt, va + p->gr - 1, GENPT_ACCESS_WRITE, &oa),
		     "hw_access after unmap");
	/* write to a read-only leaf: a permission fault, no change */
	FE_UNCHANGED(p, -EACCES,
		     genpt_hw_access(p->t.pt, p->ro + 0x50, GENPT_ACCESS_WRITE, &oa),
		     "hw_access write to read-only");
}

Test(fmt_errors, hw_access_and_lookup)
{
	fe_each(check_hw_access_and_lookup);
}

/* Where leaves can deny reads, GENPT_WRITE alone maps write-only: reads
 * and fetches fault, writes go through. */
Test(fmt_errors, write_only_where_reads_can_be_denied)
{
	for (AF_EACH(c)) {
		struct af_table t;
		uint64_t g = 1ull << af_gshift(c), oa = af_oa_end(c) / 2;

		if (!c->noread)
			continue;
		af_table_init(&t, c, 0, 0);
		cr_assert_eq(genpt_map(t.pt, g, oa, g, GENPT_WRITE | GENPT_NOEXEC, NULL), 0,
			     "%s", c->name);
		cr_assert_eq(genpt_hw_access(t.pt, g, GENPT_ACCESS_READ, NULL), -EACCES,
			     "%s: read of a write-only leaf", c->name);
		cr_assert_eq(genpt_hw_access(t.pt, g, GENPT_ACCESS_EXEC, NULL), -EACCES,
			     "%s: fetch from a write-only leaf", c->name);
		cr_assert_eq(genpt_hw_access(t.pt, g, GENPT_ACCESS_WRITE, NULL), 0,
			     "%s: write to a write-only leaf", c->name);
		af_table_fini(&t);
	}
}

/* A table without dirty state refuses tracking and harvests, and its
 * writable leaves are plainly writable. */
static void check_no_dirty_state(struct fe_pop *p)
{
	const struct af_cfg *c = p->c;
	uint64_t words[4] = { 0 };
	struct genpt_dirty_bitmap bm;

	if (c->dirty)
		return;
	bm = (struct genpt_dirty_bitmap){ words, p->a - p->gr, 256 * p->gr, af_gshift(c) };
	FE_UNCHANGED(p, -EOPNOTSUPP,
		     genpt_read_and_clear_dirty(p->t.pt, p->a, p->gr, 0, &bm, &p->g),
		     "read_and_clear_dirty without dirty state");
	FE_UNCHANGED(p, -EOPNOTSUPP,
		     genpt_read_and_clear_dirty(p->t.pt, p->a, p->gr, GENPT_DIRTY_NO_CLEAR,
						NULL, NULL),
		     "read_and_clear_dirty NO_CLEAR without dirty state");
	FE_UNCHANGED(p, -EOPNOTSUPP, genpt_set_dirty_tracking(p->t.pt, true),
		     "tracking on without dirty state");
	FE_UNCHANGED(p, -EOPNOTSUPP, genpt_set_dirty_tracking(p->t.pt, false),
		     "tracking off without dirty state");
	cr_assert_eq(genpt_dirty_tracking(p->t.pt), 0, "%s", c->name);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(words[i], 0, "%s: bitmap written", c->name);
	FE_UNCHANGED(p, 0, genpt_hw_access(p->t.pt, p->a, GENPT_ACCESS_WRITE, NULL),
		     "write without dirty state");
	if (p->run)
		FE_UNCHANGED(p, 0,
			     genpt_hw_access(p->t.pt, p->b + p->gr, GENPT_ACCESS_WRITE, NULL),
			     "write to a run without dirty state");
}

Test(fmt_errors, no_dirty_state)
{
	fe_each(check_no_dirty_state);
}

struct dcase {
	struct fe_pop *p;
	uint64_t *words;
	size_t nw; /* words[nw..nw+1]: guard */
	const char *tr;
};

#define DFILL 0xa5a5a5a5a5a5a5a5ull

/* One bad query: -EINVAL, nothing changed, the bitmap words untouched. */
static void dbad(struct dcase *d, uint64_t iova, uint64_t len, unsigned int flags,
		 const struct genpt_dirty_bitmap *bm, const char *what)
{
	struct fe_pop *p = d->p;

	for (size_t i = 0; i < d->nw + 2; i++)
		d->words[i] = DFILL;
	FE_UNCHANGED(p, -EINVAL, genpt_read_and_clear_dirty(p->t.pt, iova, len, flags, bm, &p->g),
		     "%s, %s", what, d->tr);
	for (size_t i = 0; i < d->nw + 2; i++)
		cr_assert_eq(d->words[i], DFILL, "%s: %s: bitmap word %zu = 0x%llx", p->c->name,
			     what, i, (unsigned long long)d->words[i]);
}

/* The valid call reports the dirty granule and block (without clearing). */
static void dcontrol(struct dcase *d, const struct genpt_dirty_bitmap *ok, uint64_t q,
		     uint64_t qlen)
{
	struct fe_pop *p = d->p;
	uint64_t ia = (p->a - q) / p->gr, ic = (p->c_va - q) / p->gr;

	memset(d->words, 0, (d->nw + 2) * sizeof(uint64_t));
	cr_assert_eq(genpt_read_and_clear_dirty(p->t.pt, q, qlen, GENPT_DIRTY_NO_CLEAR, ok,
						NULL), 0, "%s: control", p->c->name);
	cr_assert(d->words[ia / 64] >> (ia % 64) & 1,
		  "%s: control: the dirty granule leaf is not reported", p->c->name);
	if (p->block)
		cr_assert_eq(d->words[ic / 64], ~0ull,
			     "%s: control: the dirty block is not reported", p->c->name);
}

static void dirty_validation(const struct af_cfg *c, bool tracking)
{
	struct fe_pop p;
	struct dcase d = { &p, NULL, 0, tracking ? "tracking" : "not tracking" };
	unsigned int gs = af_gshift(c);
	struct genpt_dirty_bitmap ok, bm;
	uint64_t q, qlen, g;

	fe_pop_init(&p, c);
	g = p.gr;
	q = p.R;
	qlen = 2 * p.R; /* a, b, c inside */
	d.nw = (qlen / g + 63) / 64 + 4;
	d.words = calloc(d.nw + 2, sizeof(uint64_t));
	cr_assert_not_null(d.words);
	if (tracking)
		cr_assert_eq(genpt_set_dirty_tracking(p.t.pt, true), 0, "%s", c->name);
	ok = (struct genpt_dirty_bitmap){ d.words, q, d.nw * 64 * g, gs };
	if (c->dirty)
		dcontrol(&d, &ok, q, qlen);

	dbad(&d, q - g, qlen, 0, &ok, "query starts before the bitmap");
	dbad(&d, q + ok.length - qlen + g, qlen, 0, &ok, "query ends after the bitmap");
	dbad(&d, q + ok.length, g, 0, &ok, "query right after the bitmap");
	dbad(&d, 0, q + ok.length + p.R, 0, &ok, "query around the bitmap");
	bm = ok;
	bm.page_shift = 11;
	dbad(&d, q, qlen, 0, &bm, "page_shift 11");
	bm.page_shift = 0;
	dbad(&d, q, qlen, 0, &bm, "page_shift 0");
	bm.page_shift = 64;
	dbad(&d, q, qlen, 0, &bm, "page_shift 64");
	bm.page_shift = 200;
	dbad(&d, q, qlen, 0, &bm, "page_shift 200");
	bm = ok;
	bm.iova = q - 0x800;
	dbad(&d, q, qlen, 0, &bm, "bitmap iova not 4K aligned");
	bm = ok;
	bm.page_shift = gs + 9;
	bm.iova = q - g;
	bm.length = 64ull << (gs + 9);
	dbad(&d, q, qlen, 0, &bm, "bitmap iova not aligned to its page_shift");
	bm = ok;
	bm.bits = NULL;
	dbad(&d, q, qlen, 0, &bm, "NULL bits");
	bm = ok;
	bm.length = 0;
	dbad(&d, q, qlen, 0, &bm, "bitmap length 0");
	bm.length = ok.length - 0x800;
	dbad(&d, q, qlen, 0, &bm, "bitmap length not a page multiple");
	bm = ok;
	bm.iova = 0ull - p.R;
	bm.length = 4 * p.R;
	dbad(&d, q, qlen, 0, &bm, "bitmap range wraps");
	dbad(&d, q, qlen, 2, &ok, "flags 0x2");
	dbad(&d, q, qlen, GENPT_DIRTY_NO_CLEAR | (1u << 31), &ok, "flags NO_CLEAR | 1<<31");
	dbad(&d, q, qlen, ~0u, NULL, "flags ~0, NULL bitmap");
	dbad(&d, q, 0, 0, &ok, "query len 0");
	dbad(&d, q + 0x10, qlen, 0, &ok, "query iova unaligned");
	dbad(&d, q, qlen + 0x10, 0, NULL, "query len unaligned, NULL bitmap");
	dbad(&d, q, 0, 0, NULL, "query len 0, NULL bitmap");
	free(d.words);
	fe_pop_fini(&p);
}

/* The bitmap's -EINVAL cases, on tables without dirty state too (they
 * come before -EOPNOTSUPP). */
Test(fmt_errors, dirty_bitmap_validation)
{
	for (AF_EACH(c)) {
		dirty_validation(c, false);
		if (c->dirty)
			dirty_validation(c, true);
	}
}
