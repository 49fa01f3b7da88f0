// SPDX-License-Identifier: MIT
/*
 * test_concurrent_edits.c - the threading contract of table.h, for every
 * format (test/support/anyfmt): several threads map, unmap (with and
 * without read-dirty), harvest, split and merge disjoint ranges that share
 * table pages, while hardware reads and lookups run beside them.
 *
 * Two regions, both under one table of the level above the big leaves, so
 * every thread's ranges share pages with its neighbours':
 *  - spans: 16 big-leaf spans (2 MiB with 4 KiB granules), span j owned by
 *    thread j % NT.  Mapped as one big leaf or as granule pages, split,
 *    merged, unmapped whole (which unlinks the span's table while a
 *    neighbour fills its own in the same parent table).
 *  - slots: one more big span cut in 32 slots, slot i owned by thread
 *    i % NT.  All threads' slots share one leaf table, which their unmaps
 *    empty while neighbours fill it (it is never unlinked: no call covers
 *    its span), so a lookup thread may walk it the whole time.
 * Each thread keeps the model of its own ranges (they are disjoint, so no
 * one else changes them) and checks every answer against it; hardware
 * writes are made by the owner, so a harvest must report them exactly.
 * At the end: every range as modelled, then everything unmapped and
 * reclaimed, table bytes back to the root, the provider balanced.
 * The physmem provider is thread safe, as the contract asks.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anyfmt.h"
#include "genpt/hw.h"
#include "testutil.h"

#define NT 3         /* editing threads */
#define NSPAN 16     /* big spans */
#define NSLOT 32     /* slots in the shared leaf table */
#define OPS 3000     /* operations per editing thread */
#define OA_OFF 0x100000000000ull

struct ce {
	const struct af_fmt *f;
	struct genpt *pt;
	uint64_t big, gran, base;     /* base: first span; slots after them */
	int stop;                     /* lookup thread: finish */
	int fails;                    /* atomic */
	char why[256];                /* first failure */
};

struct ce_thread {
	struct ce *c;
	unsigned int id;
	uint64_t rng;
	bool span_mapped[NSPAN];
	bool slot_mapped[NSLOT];
	uint64_t *bits;               /* one bitmap of a big span */
};

static void ce_fail(struct ce *c, const char *what, uint64_t iova, int err)
{
	if (__atomic_fetch_add(&c->fails, 1, __ATOMIC_ACQ_REL) == 0)
		snprintf(c->why, sizeof(c->why), "%s: %s at 0x%llx (%d)", c->f->name,
			 what, (unsigned long long)iova, err);
}

#define CE_CHECK(c, cond, what, iova, err) \
	do { if (!(cond)) ce_fail((c), (what), (iova), (err)); } while (0)

static uint64_t ce_rand(struct ce_thread *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return t->rng;
}

static uint64_t span_va(const struct ce *c, unsigned int j)
{
	return c->base + j * c->big;
}

static uint64_t slot_size(const struct ce *c)
{
	return c->big / NSLOT;
}

static uint64_t slot_va(const struct ce *c, unsigned int i)
{
	return span_va(c, NSPAN) + i * slot_size(c);
}

/* The translation of [va, va + len) agrees with the model at both ends. */
static void ce_expect(struct ce *c, uint64_t va, uint64_t len, bool mapped)
{
	uint64_t probe[2] = { va, va + len - c->gran + 8 }, oa;

	for (unsigned int k = 0; k < 2; k++) {
		int err = genpt_iova_to_phys(c->pt, probe[k], &oa);

		if (mapped)
			CE_CHECK(c, !err && oa == probe[k] + OA_OFF, "lookup of a mapped page",
				 probe[k], err);
		else
			CE_CHECK(c, err == -ENOENT, "lookup of an unmapped page", probe[k], err);
	}
}

static void ce_release(struct ce *c, struct genpt_gather *g)
{
	int err = genpt_gather_release(c->pt, g);

	CE_CHECK(c, !err, "gather release", 0, err);
}

/* Map [va, va + len) identity-plus-offset, in @pieces calls. */
static void ce_map(struct ce *c, uint64_t va, uint64_t len, unsigned int pieces)
{
	uint64_t step = len / pieces;

	for (unsigned int k = 0; k < pieces; k++) {
		int err = genpt_map(c->pt, va + k * step, va + k * step + OA_OFF, step,
				    GENPT_READ | GENPT_WRITE, NULL);

		CE_CHECK(c, !err, "map", va + k * step, err);
	}
}

/*
 * The owner writes a page of its mapped range [va, va + len) through the
 * hardware walk, then unmaps (read-dirty when @unmap) or harvests it: the
 * written page must be reported, and a second harvest reports nothing.
 */
static void ce_dirty(struct ce_thread *t, uint64_t va, uint64_t len, bool unmap)
{
	struct ce *c = t->c;
	uint64_t page = ce_rand(t) % (len / c->gran), oa, got;
	struct genpt_dirty_bitmap bm = { t->bits, va, len, c->f->gshift };
	struct genpt_gather g;
	size_t words = (len / c->gran + 63) / 64;
	int err;

	err = genpt_hw_access(c->pt, va + page * c->gran, GENPT_ACCESS_WRITE, &oa);
	CE_CHECK(c, !err, "hardware write", va + page * c->gran, err);
	genpt_gather_init(&g);
	memset(t->bits, 0, words * 8);
	if (unmap) {
		err = genpt_unmap_read_dirty(c->pt, va, len, &bm, &g, &got);
		CE_CHECK(c, !err && got == len, "unmap_read_dirty", va, err);
	} else {
		err = genpt_read_and_clear_dirty(c->pt, va, len, 0, &bm, &g);
		CE_CHECK(c, !err, "harvest", va, err);
	}
	CE_CHECK(c, tu_bit(t->bits, page), "written page reported", va + page * c->gran, 0);
	ce_release(c, &g);
	if (unmap)
		return;
	memset(t->bits, 0, words * 8);
	genpt_gather_init(&g);
	err = genpt_read_and_clear_dirty(c->pt, va, len, 0, &bm, &g);
	for (size_t w = 0; w < words && !err; w++)
		CE_CHECK(c, t->bits[w] == 0, "second harvest reports nothing", va, 0);
	ce_release(c, &g);
}

static void ce_unmap(struct ce *c, uint64_t va, uint64_t len)
{
	struct genpt_gather g;
	uint64_t got = 0;
	int err;

	genpt_gather_init(&g);
	err = genpt_unmap(c->pt, va, len, &g, &got);
	CE_CHECK(c, !err && got == len, "unmap", va, err);
	ce_release(c, &g);
}

/* One operation on span @j: map (big or small), split, merge, dirty, unmap. */
static void ce_span_op(struct ce_thread *t, unsigned int j)
{
	struct ce *c = t->c;
	uint64_t va = span_va(c, j), r = ce_rand(t) % 8;
	struct genpt_gather g;
	int err;

	if (!t->span_mapped[j]) {
		ce_map(c, va, c->big, r & 1 ? 1 : 2);
		t->span_mapped[j] = true;
	} else if (r < 2) {
		genpt_gather_init(&g);
		err = genpt_split(c->pt, va, c->big, c->f->gshift, &g);
		CE_CHECK(c, !err, "split", va, err);
		ce_release(c, &g);
	} else if (r < 4) {
		genpt_gather_init(&g);
		err = genpt_merge(c->pt, va, c->big, &g);
		CE_CHECK(c, !err || err == -ENOENT, "merge", va, err);
		ce_release(c, &g);
	} else if (r < 6 && c->f->dirty) {
		ce_dirty(t, va, c->big, r == 5);
		t->span_mapped[j] = r != 5;
	} else {
		ce_unmap(c, va, c->big);
		t->span_mapped[j] = false;
	}
	ce_expect(c, va, c->big, t->span_mapped[j]);
}

/* One operation on slot @i of the shared leaf table. */
static void ce_slot_op(struct ce_thread *t, unsigned int i)
{
	struct ce *c = t->c;
	uint64_t va = slot_va(c, i), r = ce_rand(t) % 4;

	if (!t->slot_mapped[i]) {
		ce_map(c, va, slot_size(c), 1);
		t->slot_mapped[i] = true;
	} else if (r < 2 && c->f->dirty) {
		ce_dirty(t, va, slot_size(c), r == 1);
		t->slot_mapped[i] = r != 1;
	} else {
		ce_unmap(c, va, slot_size(c));
		t->slot_mapped[i] = false;
	}
	ce_expect(c, va, slot_size(c), t->slot_mapped[i]);
}

static void *ce_editor(void *arg)
{
	struct ce_thread *t = arg;

	for (unsigned int n = 0; n < OPS && !__atomic_load_n(&t->c->fails, __ATOMIC_ACQUIRE);
	     n++) {
		uint64_t r = ce_rand(t);

		if (r & 1)
			ce_span_op(t, t->id + NT * (unsigned int)(r / 2 % (NSPAN / NT)));
		else
			ce_slot_op(t, t->id + NT * (unsigned int)(r / 2 % (NSLOT / NT)));
	}
	return NULL;
}

/* Hardware reads and lookups in the shared leaf table, and statistics. */
static void *ce_lookups(void *arg)
{
	struct ce *c = arg;
	uint64_t rng = 0x9e3779b97f4a7c15ull, oa, bytes;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		uint64_t va;
		int err;

		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		va = slot_va(c, 0) + rng % c->big / c->gran * c->gran;
		err = genpt_hw_access(c->pt, va, GENPT_ACCESS_READ, &oa);
		CE_CHECK(c, (!err && oa == va + OA_OFF) || err == -ENOENT, "hardware read", va,
			 err);
		err = genpt_iova_to_phys(c->pt, va, &oa);
		CE_CHECK(c, (!err && oa == va + OA_OFF) || err == -ENOENT, "lookup", va, err);
		err = genpt_table_bytes(c->pt, &bytes);
		CE_CHECK(c, !err && bytes > 0, "table bytes", va, err);
	}
	return NULL;
}

/* The first span of a table one level above the big leaves, if it fits. */
static uint64_t ce_base(const struct af_fmt *f, uint64_t big)
{
	uint64_t parent = big << (f->gshift - 3);

	if (f->va_bits < 64 && parent > (1ull << f->va_bits) / 2)
		return 0;
	return parent;
}

/* Everything as the threads' models say, then all unmapped and reclaimed. */
static void ce_finish(struct ce *c, struct ce_thread *t, uint64_t root_bytes)
{
	uint64_t bytes;

	for (unsigned int k = 0; k < NT; k++) {
		for (unsigned int j = k; j < NSPAN; j += NT)
			ce_expect(c, span_va(c, j), c->big, t[k].span_mapped[j]);
		for (unsigned int i = k; i < NSLOT; i += NT)
			ce_expect(c, slot_va(c, i), slot_size(c), t[k].slot_mapped[i]);
	}
	cr_assert_eq(c->fails, 0, "%s", c->why);
	ce_unmap(c, c->base, (NSPAN + 1) * c->big);
	cr_assert_eq(genpt_reclaim(c->pt, NULL, NULL), 0);
	cr_assert_eq(genpt_table_bytes(c->pt, &bytes), 0);
	cr_assert_eq(bytes, root_bytes, "%s: %llu table bytes left, the root is %llu",
		     c->f->name, (unsigned long long)bytes, (unsigned long long)root_bytes);
}

static void ce_run(const struct af_fmt *f)
{
	struct genpt_physmem *pm;
	struct genpt_config cfg = f->cfg;
	struct ce c = { .f = f };
	struct ce_thread t[NT];
	pthread_t th[NT], look;
	uint64_t root_bytes, pm_bytes, pm_blocks;

	c.gran = af_gran(f);
	c.big = af_big(f);
	c.base = ce_base(f, c.big);
	cr_assert_eq(genpt_physmem_create(1ull << 32, 1ull << 30, &pm), 0);
	cfg.mem = &genpt_physmem_ops;
	cfg.mem_ctx = pm;
	cr_assert_eq(genpt_create(&cfg, &c.pt), 0, "%s", f->name);
	if (f->dirty)
		cr_assert_eq(genpt_set_dirty_tracking(c.pt, true), 0, "%s", f->name);
	cr_assert_eq(genpt_table_bytes(c.pt, &root_bytes), 0);
	pthread_create(&look, NULL, ce_lookups, &c);
	for (unsigned int k = 0; k < NT; k++) {
		t[k] = (struct ce_thread){ .c = &c, .id = k, .rng = 0x2545f4914f6cdd1dull * (k + 1) };
		t[k].bits = calloc((c.big / c.gran + 63) / 64, 8);
		pthread_create(&th[k], NULL, ce_editor, &t[k]);
	}
	for (unsigned int k = 0; k < NT; k++)
		pthread_join(th[k], NULL);
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(look, NULL);
	ce_finish(&c, t, root_bytes);
	genpt_destroy(c.pt);
	cr_assert_eq(genpt_physmem_stats(pm, &pm_bytes, &pm_blocks), 0);
	cr_assert_eq(pm_bytes, 0, "%s: the provider is not balanced", f->name);
	genpt_physmem_destroy(pm);
	for (unsigned int k = 0; k < NT; k++)
		free(t[k].bits);
}

Test(concurrent_edits, disjoint_ranges_sharing_table_pages_every_format)
{
	for (unsigned int i = 0; i < af_nfmts; i++)
		ce_run(&af_fmts[i]);
}
