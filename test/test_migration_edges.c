// SPDX-License-Identifier: MIT
/*
 * test_migration_edges.c - the edges a VMM's migration loop meets, on every
 * format with dirty state (test/support/anyfmt.h):
 *
 *  - chunked harvests (QEMU per memory section, iommufd per bitmap chunk):
 *    queries of any size and alignment over leaves larger than a chunk
 *    report every written page once and converge (a second pass reports
 *    nothing), through the carried ranges of genpt_read_and_clear_dirty();
 *  - NO_CLEAR and NULL-bitmap queries against the carry;
 *  - a guest unmapping during pre-copy: genpt_unmap_read_dirty() reports
 *    what it removes (and what was carried there), also racing device
 *    writes (this test runs under TSan);
 *  - "read, then clear just before copying": genpt_clear_dirty() by mask.
 *
 * Device writes go through the format's hardware walk (genpt_hw_access),
 * and the expected pages are computed from the leaves written, so a
 * report is exact: nothing lost, nothing outside a query.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "anyfmt.h"
#include "testutil.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define VA (1ull << 32)
#define OA_BASE (1ull << 36)
#define NLEAVES 8u

struct me {
	const struct af_fmt *f;
	struct af_prov p;
	struct genpt *pt;
	uint64_t big, gran, len; /* leaf size, granule, bytes mapped */
	uint64_t npages;         /* granule pages mapped */
	uint64_t *bits, *want;   /* bitmaps of npages bits */
	bool *leaf_dirty;        /* the model: written since the last clean */
};

/*
 * @n leaves of m->big bytes from @va, each alone: the output addresses
 * leave a gap after every leaf, so none joins a run or a larger page (AMD
 * v1 would map 16 MiB of aligned 2 MiB pages as one leaf).
 */
static void me_map_apart(struct me *m, uint64_t va, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++)
		cr_assert_eq(genpt_map(m->pt, va + k * m->big,
				       OA_BASE + 2 * (va - VA + k * m->big), m->big, RW, NULL),
			     0, "%s: map", m->f->name);
}

static bool me_init(struct me *m, const struct af_fmt *f)
{
	memset(m, 0, sizeof(*m));
	if (!f->dirty)
		return false;
	m->f = f;
	m->big = af_big(f);
	m->gran = af_gran(f);
	m->len = NLEAVES * m->big;
	m->npages = m->len / m->gran;
	af_prov_init(&m->p, false);
	cr_assert_eq(af_create(f, &m->p, &m->pt), 0, "%s: create", f->name);
	cr_assert_eq(genpt_set_dirty_tracking(m->pt, true), 0);
	me_map_apart(m, VA, NLEAVES);
	m->bits = calloc((m->npages + 63) / 64, 8);
	m->want = calloc((m->npages + 63) / 64, 8);
	m->leaf_dirty = calloc(NLEAVES, sizeof(bool));
	cr_assert(m->bits && m->want && m->leaf_dirty);
	return true;
}

static void me_fini(struct me *m)
{
	genpt_destroy(m->pt);
	af_prov_fini(&m->p);
	free(m->bits);
	free(m->want);
	free(m->leaf_dirty);
}

/* Run @check on a fresh layout of every format with dirty state (the loop
 * every test here starts with; me_init() skips the others). */
static void me_each(void (*check)(struct me *m))
{
	for (unsigned int i = 0; i < af_nfmts; i++) {
		struct me m;

		if (!me_init(&m, &af_fmts[i]))
			continue;
		check(&m);
		me_fini(&m);
	}
}

static uint64_t me_words(const struct me *m)
{
	return (m->npages + 63) / 64;
}

static struct genpt_dirty_bitmap me_bitmap(struct me *m)
{
	return (struct genpt_dirty_bitmap){ m->bits, VA, m->len, m->f->gshift };
}

/* A device writes page @pg (granule pages from VA). */
static void me_write(struct me *m, uint64_t pg)
{
	cr_assert_eq(genpt_hw_access(m->pt, VA + pg * m->gran + 16, GENPT_ACCESS_WRITE, NULL),
		     0, "%s: write page %llu", m->f->name, (unsigned long long)pg);
	m->leaf_dirty[pg * m->gran / m->big] = true;
}

/* Every page of every leaf written: what a pass must report. */
static void me_want_written(struct me *m)
{
	uint64_t ppl = m->big / m->gran;

	memset(m->want, 0, me_words(m) * 8);
	for (uint64_t p = 0; p < m->npages; p++)
		if (m->leaf_dirty[p / ppl])
			m->want[p / 64] |= 1ull << (p % 64);
}

static void me_expect_bits(struct me *m, const char *what)
{
	for (uint64_t i = 0; i < me_words(m); i++)
		cr_assert_eq(m->bits[i], m->want[i],
			     "%s: %s: word %llu is %#llx, expected %#llx", m->f->name, what,
			     (unsigned long long)i, (unsigned long long)m->bits[i],
			     (unsigned long long)m->want[i]);
}

/*
 * One pass of queries of @chunk bytes starting @skew bytes in (the first
 * query covers [VA, VA + skew) when skew is not 0), into the one bitmap,
 * with @flags.
 */
static void me_pass(struct me *m, uint64_t chunk, uint64_t skew, unsigned int flags)
{
	struct genpt_dirty_bitmap bm = me_bitmap(m);
	uint64_t at = VA;

	memset(m->bits, 0, me_words(m) * 8);
	if (skew) {
		cr_assert_eq(genpt_read_and_clear_dirty(m->pt, VA, skew, flags, &bm, NULL), 0);
		at += skew;
	}
	while (at < VA + m->len) {
		uint64_t n = chunk < VA + m->len - at ? chunk : VA + m->len - at;

		cr_assert_eq(genpt_read_and_clear_dirty(m->pt, at, n, flags, &bm, NULL), 0,
			     "%s: query [%#llx, +%#llx)", m->f->name, (unsigned long long)at,
			     (unsigned long long)n);
		at += n;
	}
}

/* Chunk sizes smaller, larger and unaligned to the leaves, and skews. */
static void chunked_passes_report_every_written_page_then_nothing_on(struct me *m)
{
	const uint64_t chunks[] = { m->big / 2, m->big / 2 + m->gran, 3 * m->gran,
				    m->big + 5 * m->gran, m->big / 4 * 3 };

	for (unsigned int c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		uint64_t skew = (c % 3) * 7 * m->gran;

		/* devices write a few pages of some leaves */
		for (uint64_t k = 0; k < NLEAVES; k++)
			if ((k + c) % 3)
				me_write(m, k * (m->big / m->gran) +
					 (k * 37 + c * 11) % (m->big / m->gran));
		me_want_written(m);
		me_pass(m, chunks[c], skew, 0);
		me_expect_bits(m, "first pass");
		memset(m->leaf_dirty, 0, NLEAVES * sizeof(bool));
		me_pass(m, chunks[c] + m->gran, 0, 0);
		cr_assert_eq(tu_popcount(m->bits, me_words(m)), 0,
			     "%s: chunk %#llx: a second pass reported pages", m->f->name,
			     (unsigned long long)chunks[c]);
	}
}

Test(migration_edges, chunked_passes_report_every_written_page_then_nothing)
{
	me_each(chunked_passes_report_every_written_page_then_nothing_on);
}

/* Any bitmap page size: the carried part lands in the caller's coarser
 * bits, clipped to each query. */
static void chunked_passes_with_coarse_bitmaps_on(struct me *m)
{
	for (unsigned int ps = m->f->gshift + 1; ps <= m->f->gshift + 4; ps += 3) {
		uint64_t words = ((m->len >> ps) + 63) / 64, n0, q = m->big / 2;
		uint64_t *bits = calloc(words, 8);
		struct genpt_dirty_bitmap bm = { bits, VA, m->len, ps };

		cr_assert_not_null(bits);
		me_write(m, 1);                       /* leaf 0 */
		me_write(m, 3 * (m->big / m->gran) - 1); /* leaf 2 */
		for (uint64_t at = VA; at < VA + m->len; at += q)
			cr_assert_eq(genpt_read_and_clear_dirty(m->pt, at, q, 0, &bm, NULL), 0);
		n0 = tu_popcount(bits, words);
		cr_assert_eq(n0, 2 * (m->big >> ps), "%s: ps %u: %llu bits", m->f->name, ps,
			     (unsigned long long)n0);
		memset(bits, 0, words * 8);
		for (uint64_t at = VA; at < VA + m->len; at += q)
			cr_assert_eq(genpt_read_and_clear_dirty(m->pt, at, q, 0, &bm, NULL), 0);
		cr_assert_eq(tu_popcount(bits, words), 0, "%s: ps %u: second pass",
			     m->f->name, ps);
		free(bits);
	}
}

Test(migration_edges, chunked_passes_with_coarse_bitmaps)
{
	me_each(chunked_passes_with_coarse_bitmaps_on);
}

/* Query [a, a + n) of the one bitmap, fresh; the number of pages reported. */
static uint64_t me_query(struct me *m, uint64_t a, uint64_t n, unsigned int flags)
{
	struct genpt_dirty_bitmap bm = me_bitmap(m);

	memset(m->bits, 0, me_words(m) * 8);
	cr_assert_eq(genpt_read_and_clear_dirty(m->pt, a, n, flags, &bm, NULL), 0);
	return tu_popcount(m->bits, me_words(m));
}

/* NO_CLEAR reports the carry and keeps it; NULL forgets it; nothing outside
 * a query is reported. */
static void carried_ranges_against_no_clear_and_null_bitmap_on(struct me *m)
{
	uint64_t half, ppl;

	half = m->big / 2;
	ppl = m->big / m->gran;
	me_write(m, 0);
	/* the first half: reported, the leaf cleaned, the rest carried */
	cr_assert_eq(me_query(m, VA, half, 0), ppl / 2, "%s", m->f->name);
	cr_assert_eq(me_query(m, VA, m->big, GENPT_DIRTY_NO_CLEAR), ppl / 2,
		     "%s: only the carried half is dirty", m->f->name);
	cr_assert_eq(me_query(m, VA + half, m->gran, GENPT_DIRTY_NO_CLEAR), 1,
		     "%s: clipped to the query", m->f->name);
	cr_assert_eq(me_query(m, VA + half, half, GENPT_DIRTY_NO_CLEAR), ppl / 2,
		     "%s: NO_CLEAR keeps it", m->f->name);
	cr_assert_eq(me_query(m, VA + m->big, m->big, 0), 0, "%s: next leaf", m->f->name);
	/* a NULL bitmap forgets what it overlaps, only that */
	cr_assert_eq(genpt_read_and_clear_dirty(m->pt, VA + half, m->gran, 0, NULL, NULL), 0);
	cr_assert_eq(me_query(m, VA, m->big, GENPT_DIRTY_NO_CLEAR), ppl / 2 - 1,
		     "%s: the NULL query forgot its page", m->f->name);
	cr_assert_eq(me_query(m, VA, m->big, 0), ppl / 2 - 1, "%s", m->f->name);
	cr_assert_eq(me_query(m, VA, m->len, 0), 0, "%s: all reported", m->f->name);
}

Test(migration_edges, carried_ranges_against_no_clear_and_null_bitmap)
{
	me_each(carried_ranges_against_no_clear_and_null_bitmap_on);
}

/* More straddling leaves than the carry holds (64 ranges): the rest stay
 * dirty and are reported later - nothing is lost. */
#define FULL_LEAVES 80u

static void a_full_carry_loses_nothing_on(struct me *m)
{
	uint64_t ppl, base, words, *bits, n;
	struct genpt_dirty_bitmap bm;

	ppl = m->big / m->gran;
	base = VA + 64 * m->big;
	words = (FULL_LEAVES * ppl + 63) / 64;
	bits = calloc(words, 8);
	cr_assert_not_null(bits);
	bm = (struct genpt_dirty_bitmap){ bits, base, FULL_LEAVES * m->big, m->f->gshift };
	me_map_apart(m, base, FULL_LEAVES);
	for (uint64_t k = 0; k < FULL_LEAVES; k++)
		cr_assert_eq(genpt_hw_access(m->pt, base + k * m->big, GENPT_ACCESS_WRITE,
					     NULL), 0);
	/* the first granule of every leaf: each carries the rest, apart */
	for (uint64_t k = 0; k < FULL_LEAVES; k++)
		cr_assert_eq(genpt_read_and_clear_dirty(m->pt, base + k * m->big, m->gran, 0,
							&bm, NULL), 0);
	cr_assert_eq(tu_popcount(bits, words), FULL_LEAVES, "%s", m->f->name);
	memset(bits, 0, words * 8);
	cr_assert_eq(genpt_read_and_clear_dirty(m->pt, base, FULL_LEAVES * m->big,
						GENPT_DIRTY_NO_CLEAR, &bm, NULL), 0);
	n = tu_popcount(bits, words);
	cr_assert_eq(n, 64 * (ppl - 1) + (FULL_LEAVES - 64) * ppl,
		     "%s: 64 leaves carried, the others left dirty whole: %llu pages",
		     m->f->name, (unsigned long long)n);
	memset(bits, 0, words * 8);
	cr_assert_eq(genpt_read_and_clear_dirty(m->pt, base, FULL_LEAVES * m->big, 0, &bm,
						NULL), 0);
	cr_assert_eq(tu_popcount(bits, words), n, "%s", m->f->name);
	memset(bits, 0, words * 8);
	cr_assert_eq(genpt_read_and_clear_dirty(m->pt, base, FULL_LEAVES * m->big, 0, &bm,
						NULL), 0);
	cr_assert_eq(tu_popcount(bits, words), 0, "%s", m->f->name);
	free(bits);
}

Test(migration_edges, a_full_carry_loses_nothing)
{
	me_each(a_full_carry_loses_nothing_on);
}

/* ---- unmap_read_dirty --------------------------------------------------- */

static void unmap_read_dirty_reports_removed_dirty_leaves_and_carry_on(struct me *m)
{
	struct genpt_dirty_bitmap bm;
	struct genpt_gather g;
	uint64_t ppl, unmapped = 0;

	ppl = m->big / m->gran;
	bm = me_bitmap(m);
	me_write(m, 0);            /* leaf 0: carried half after the query */
	me_write(m, 2 * ppl + 1);  /* leaf 2: dirty */
	cr_assert_eq(me_query(m, VA, m->big / 2, 0), ppl / 2, "%s", m->f->name);
	/* a leaf straddling the range: refused, nothing changed */
	memset(m->bits, 0, me_words(m) * 8);
	cr_assert_eq(genpt_unmap_read_dirty(m->pt, VA + m->big / 2, 2 * m->big, &bm, NULL,
					    NULL), -EINVAL, "%s", m->f->name);
	cr_assert_eq(tu_popcount(m->bits, me_words(m)), 0, "%s", m->f->name);
	/* leaves 0..3: the carried half of 0 and all of 2 */
	genpt_gather_init(&g);
	cr_assert_eq(genpt_unmap_read_dirty(m->pt, VA, 4 * m->big, &bm, &g, &unmapped), 0);
	cr_assert_eq(unmapped, 4 * m->big, "%s", m->f->name);
	cr_assert_eq(tu_popcount(m->bits, me_words(m)), ppl / 2 + ppl, "%s", m->f->name);
	cr_assert(m->bits[(2 * ppl) / 64] >> ((2 * ppl) % 64) & 1, "%s", m->f->name);
	cr_assert_leq(g.start, VA);
	cr_assert_geq(g.last, VA + 3 * m->big - 1);
	cr_assert_eq(genpt_gather_release(m->pt, &g), 0);
	/* the carry went with the leaves */
	cr_assert_eq(me_query(m, VA, m->len, 0), 0, "%s", m->f->name);
	/* tracking off: every removed writable leaf is reported */
	cr_assert_eq(genpt_set_dirty_tracking(m->pt, false), 0);
	memset(m->bits, 0, me_words(m) * 8);
	cr_assert_eq(genpt_unmap_read_dirty(m->pt, VA + 4 * m->big, 2 * m->big, &bm, NULL,
					    NULL), 0);
	cr_assert_eq(tu_popcount(m->bits, me_words(m)), 2 * ppl, "%s", m->f->name);
	/* NULL bitmap: a plain unmap */
	cr_assert_eq(genpt_unmap_read_dirty(m->pt, VA + 6 * m->big, 2 * m->big, NULL, NULL,
					    &unmapped), 0);
	cr_assert_eq(unmapped, 2 * m->big, "%s", m->f->name);
}

Test(migration_edges, unmap_read_dirty_reports_removed_dirty_leaves_and_carry)
{
	me_each(unmap_read_dirty_reports_removed_dirty_leaves_and_carry_on);
}

/* Devices write while the guest unmaps: every write that succeeded is in
 * the bitmap (the exchange saw its mark), the rest faulted. */
struct ur_writer {
	struct genpt *pt;
	uint64_t npages, gran;
	unsigned int seed;
	int stop;
	uint8_t *ok; /* page written successfully */
};

static void *ur_writer_main(void *arg)
{
	struct ur_writer *w = arg;
	unsigned int s = w->seed;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		uint64_t p;
		int err;

		s = s * 1103515245u + 12345u;
		p = (s >> 4) % w->npages;
		err = genpt_hw_access(w->pt, VA + p * w->gran, GENPT_ACCESS_WRITE, NULL);
		cr_assert(err == 0 || err == -ENOENT, "write: %d", err);
		if (!err)
			w->ok[p] = 1;
	}
	return NULL;
}

static void unmap_read_dirty_racing_device_writes_on(struct me *m)
{
	struct ur_writer w[2];
	pthread_t th[2];
	struct genpt_dirty_bitmap bm;
	struct genpt_gather g;

	bm = me_bitmap(m);
	/* small leaves: many exchanges, each racing the writers */
	cr_assert_eq(genpt_split(m->pt, VA, m->len, m->f->gshift, NULL), 0);
	memset(m->bits, 0, me_words(m) * 8);
	genpt_gather_init(&g);
	for (int t = 0; t < 2; t++) {
		w[t] = (struct ur_writer){ m->pt, m->npages, m->gran, 7u + 31u * (unsigned)t,
					   0, calloc(m->npages, 1) };
		cr_assert_not_null(w[t].ok);
		cr_assert_eq(pthread_create(&th[t], NULL, ur_writer_main, &w[t]), 0);
	}
	for (uint64_t at = 0; at < m->len; at += m->len / 16)
		cr_assert_eq(genpt_unmap_read_dirty(m->pt, VA + at, m->len / 16, &bm, &g,
						    NULL), 0);
	for (int t = 0; t < 2; t++) {
		__atomic_store_n(&w[t].stop, 1, __ATOMIC_RELEASE);
		cr_assert_eq(pthread_join(th[t], NULL), 0);
	}
	cr_assert_eq(genpt_gather_release(m->pt, &g), 0);
	for (uint64_t p = 0; p < m->npages; p++)
		if (w[0].ok[p] || w[1].ok[p])
			cr_assert(m->bits[p / 64] >> (p % 64) & 1,
				  "%s: page %llu written but not reported", m->f->name,
				  (unsigned long long)p);
	free(w[0].ok);
	free(w[1].ok);
}

Test(migration_edges, unmap_read_dirty_racing_device_writes)
{
	me_each(unmap_read_dirty_racing_device_writes_on);
}

/* ---- clear_dirty by mask ---------------------------------------------------- */

static void clear_dirty_cleans_named_pages_and_carries_the_rest_on(struct me *m)
{
	struct genpt_dirty_bitmap mask;
	struct genpt_gather g;
	uint64_t ppl;

	ppl = m->big / m->gran;
	mask = me_bitmap(m);
	me_write(m, 3);       /* leaf 0 */
	me_write(m, ppl + 3); /* leaf 1 */
	/* read without clearing: both leaves */
	cr_assert_eq(me_query(m, VA, m->len, GENPT_DIRTY_NO_CLEAR), 2 * ppl, "%s",
		     m->f->name);
	/* clear the first quarter of leaf 0 and all of leaf 1 */
	memset(m->bits, 0, me_words(m) * 8);
	for (uint64_t p = 0; p < ppl / 4; p++)
		m->bits[p / 64] |= 1ull << (p % 64);
	for (uint64_t p = ppl; p < 2 * ppl; p++)
		m->bits[p / 64] |= 1ull << (p % 64);
	genpt_gather_init(&g);
	cr_assert_eq(genpt_clear_dirty(m->pt, &mask, &g), 0, "%s", m->f->name);
	cr_assert_leq(g.start, VA);
	cr_assert_geq(g.last, VA + 2 * m->big - 1, "%s: the cleaned leaves", m->f->name);
	cr_assert_eq(genpt_gather_release(m->pt, &g), 0);
	/* what the mask left out of leaf 0 is still dirty, nothing else */
	cr_assert_eq(me_query(m, VA, m->len, GENPT_DIRTY_NO_CLEAR), ppl - ppl / 4,
		     "%s: leaf 0's unmasked pages", m->f->name);
	cr_assert_eq(me_query(m, VA, m->len, 0), ppl - ppl / 4, "%s", m->f->name);
	cr_assert_eq(me_query(m, VA, m->len, 0), 0, "%s", m->f->name);
	/* errors: a malformed mask, a mask outside the space */
	mask.page_shift = 11;
	cr_assert_eq(genpt_clear_dirty(m->pt, &mask, NULL), -EINVAL);
	cr_assert_eq(genpt_clear_dirty(m->pt, NULL, NULL), -EINVAL);
	cr_assert_eq(genpt_clear_dirty(NULL, &mask, NULL), -EINVAL);
}

Test(migration_edges, clear_dirty_cleans_named_pages_and_carries_the_rest)
{
	me_each(clear_dirty_cleans_named_pages_and_carries_the_rest_on);
}
