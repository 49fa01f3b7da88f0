// SPDX-License-Identifier: MIT
/*
 * fuzz/fuzz_bitmap.c - libFuzzer target: dirty-bitmap recording against a
 * bit-by-bit reference.
 *
 * Two kinds of input (byte 0 bit 0):
 *
 *  - direct: genpt_bitmap_set() (lib/core/bitmap.h, the word-at-a-time
 *    recorder every harvest uses) on bitmaps of any page size (2^12..2^63),
 *    any aligned base and length, and any range inside, against setting the
 *    bits one by one; guard words around the bitmap must not change and
 *    bits are only ever set.
 *
 *  - through the engine: a table of a format with dirty state (byte 1)
 *    gets leaves of every size the format has, one leaf (or run) per map
 *    call at aligned addresses, so their extents are known exactly; the
 *    format's reference walk (genpt_hw_access) writes to some of them; then
 *    genpt_read_and_clear_dirty() runs over random queries into bitmaps of
 *    random page size, base and margins, prefilled with random bits, with
 *    and without NO_CLEAR.  The reference decides every bit on its own:
 *    set before, or its page meets the query and a dirty leaf or a range
 *    the table carries (fuzz_carry.h).  Every dirty leaf a cleaning query
 *    meets becomes clean, its part outside the query carried; guard words
 *    after the bitmap never change.
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bitmap.h"
#include "fuzz_carry.h"
#include "fuzz_target.h"
#include "genpt/genpt.h"

#define FB_MAX_WORDS 1024
#define FB_GUARD 4
#define FB_MAX_LEAVES 48
#define FB_MAX_QUERIES 24
#define FB_GUARD_WORD 0xa5a5a5a5a5a5a5a5ull

#define FAIL(...)                                          \
	do {                                               \
		fprintf(stderr, "fuzz_bitmap: MISMATCH: "); \
		fprintf(stderr, __VA_ARGS__);              \
		fputc('\n', stderr);                       \
		abort();                                   \
	} while (0)

struct fb {
	const uint8_t *data;
	size_t size, pos;
	uint64_t rng;
	bool trace;
};

static uint8_t u8(struct fb *b)
{
	return b->pos < b->size ? b->data[b->pos++] : 0;
}

static uint64_t u64(struct fb *b)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < 8; i++)
		v |= (uint64_t)u8(b) << (8 * i);
	return v;
}

static uint64_t fb_rand(struct fb *b)
{
	uint64_t z = (b->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool bit(const uint64_t *w, uint64_t i)
{
	return (w[i / 64] >> (i % 64)) & 1;
}

/* --------------------------------------------------------- direct -- */

static void fb_direct(struct fb *b)
{
	static uint64_t buf[FB_MAX_WORDS + 2 * FB_GUARD], ref[FB_MAX_WORDS + 2 * FB_GUARD];
	unsigned int ps = 12 + u8(b) % 52;
	uint64_t pg_m1 = (1ull << ps) - 1, nbits, words, iova, first, last, b0, b1;
	unsigned int rounds = 1 + u8(b) % 8;
	struct genpt_dirty_bitmap bm;

	/* bits: 1 .. FB_MAX_WORDS * 64, capped so the range stays in 2^64 */
	nbits = 1 + (((uint64_t)u8(b) << 8 | u8(b)) % (FB_MAX_WORDS * 64));
	if (nbits > (~0ull >> ps)) /* the length must stay below 2^64 */
		nbits = ~0ull >> ps;
	words = (nbits + 63) / 64;
	iova = u64(b) & ~pg_m1;
	if (nbits - 1 > (UINT64_MAX - iova) >> ps) /* the bitmap must not wrap */
		iova = 0;
	bm.bits = buf + FB_GUARD;
	bm.iova = iova;
	bm.length = nbits << ps;
	bm.page_shift = ps;
	for (uint64_t i = 0; i < words + 2 * FB_GUARD; i++)
		buf[i] = (i < FB_GUARD || i >= words + FB_GUARD) ? FB_GUARD_WORD :
			 (u8(b) & 1) ? fb_rand(b) : 0;
	/* bits past the last page of the last word are the caller's: keep */
	memcpy(ref, buf, (words + 2 * FB_GUARD) * 8);
	for (unsigned int r = 0; r < rounds; r++) {
		b0 = u64(b) % nbits;
		b1 = b0 + u64(b) % (nbits - b0);
		/* any addresses inside those pages */
		first = iova + (b0 << ps) + (u64(b) & pg_m1);
		last = iova + (b1 << ps) + (u64(b) & pg_m1);
		if (first > last)
			first = iova + (b0 << ps);
		if (b->trace)
			fprintf(stderr, "direct: shift %u iova 0x%" PRIx64 " bits %" PRIu64
				" set [0x%" PRIx64 ", 0x%" PRIx64 "]\n", ps, iova, nbits, first, last);
		genpt_bitmap_set(&bm, first, last);
		for (uint64_t i = b0; i <= b1; i++)
			ref[FB_GUARD + i / 64] |= 1ull << (i % 64);
		for (uint64_t i = 0; i < words + 2 * FB_GUARD; i++)
			if (buf[i] != ref[i])
				FAIL("genpt_bitmap_set(shift %u, iova 0x%" PRIx64 ", [0x%" PRIx64
				     ", 0x%" PRIx64 "]): word %" PRId64 " is 0x%016" PRIx64
				     ", reference 0x%016" PRIx64, ps, iova, first, last,
				     (int64_t)i - FB_GUARD, buf[i], ref[i]);
	}
}

/* --------------------------------------------------------- engine -- */

struct fb_fmt {
	const char *name;
	struct genpt_config cfg;
	unsigned int gshift;
	uint64_t window;       /* IOVA of the window the leaves go into */
	unsigned int nsizes;
	unsigned int sizes[12]; /* log2 of every leaf / run size used */
};

static const struct fb_fmt fb_fmts[] = {
	{ "riscv-sv48-napot", { GENPT_FMT_RISCV, 48, 0, 0, GENPT_FEAT_RISCV_SVNAPOT, NULL, NULL },
	  12, 1ull << 40, 4, { 12, 16, 21, 30 } },
	{ "riscv-sv57x4", { GENPT_FMT_RISCV, 59, 0, 0, GENPT_FEAT_RISCV_GSTAGE, NULL, NULL },
	  12, 1ull << 45, 4, { 12, 21, 30, 39 } },
	{ "armv8-s1-4k", { GENPT_FMT_ARMV8, 48, 0, 12,
			   GENPT_FEAT_ARMV8_DBM | GENPT_FEAT_ARMV8_CONTIG, NULL, NULL },
	  12, 1ull << 40, 6, { 12, 16, 21, 25, 30, 34 } },
	{ "armv8-s2-16k", { GENPT_FMT_ARMV8, 47, 0, 14,
			    GENPT_FEAT_ARMV8_DBM | GENPT_FEAT_ARMV8_CONTIG | GENPT_FEAT_ARMV8_S2,
			    NULL, NULL },
	  14, 1ull << 40, 4, { 14, 21, 25, 30 } },
	{ "armv8-s1-64k", { GENPT_FMT_ARMV8, 48, 0, 16,
			    GENPT_FEAT_ARMV8_DBM | GENPT_FEAT_ARMV8_CONTIG, NULL, NULL },
	  16, 1ull << 42, 4, { 16, 21, 29, 34 } },
	{ "x86_64-5lvl", { GENPT_FMT_X86_64, 57, 0, 0, 0, NULL, NULL },
	  12, 1ull << 44, 3, { 12, 21, 30 } },
	{ "vtdss-4lvl", { GENPT_FMT_VTDSS, 48, 0, 0, 0, NULL, NULL },
	  12, 1ull << 40, 3, { 12, 21, 30 } },
	{ "amdv1-mode6", { GENPT_FMT_AMDV1, 64, 0, 0, 0, NULL, NULL },
	  12, 1ull << 44, 12, { 12, 13, 14, 16, 20, 21, 22, 26, 29, 30, 31, 36 } },
};
#define FB_NFMTS (sizeof(fb_fmts) / sizeof(fb_fmts[0]))

struct fb_leaf {
	uint64_t first, last;
	bool writable, dirty;
};

static int fb_leaf_cmp(const void *a, const void *b)
{
	const struct fb_leaf *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

static bool fb_overlap(const struct fb_leaf *l, unsigned int n, uint64_t first, uint64_t last)
{
	for (unsigned int i = 0; i < n; i++)
		if (l[i].first <= last && first <= l[i].last)
			return true;
	return false;
}

/* The reference's bitmap: where it records, one bit at a time. */
struct fb_ref {
	uint64_t *w;
	uint64_t bmiova;
	unsigned int ps;
};

static void fb_ref_set(void *ctx, uint64_t a, uint64_t z)
{
	const struct fb_ref *r = ctx;

	for (uint64_t va = a; va <= z;) {
		uint64_t bi = (va - r->bmiova) >> r->ps, next;

		r->w[bi / 64] |= 1ull << (bi % 64);
		next = r->bmiova + ((bi + 1) << r->ps);
		if (next - 1 >= z)
			break;
		va = next;
	}
}

/*
 * The reference: the carried pages the query [q0, q1] meets, then every
 * dirty writable leaf, clipped to the query, set the bit of every page
 * they meet.
 */
static void fb_ref_harvest(const struct fb_leaf *l, unsigned int n, struct fc_carry *c,
			   bool drop, const struct fb_ref *r, uint64_t q0, uint64_t q1)
{
	fc_take(c, q0, q1, drop, fb_ref_set, (void *)r);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t a = l[i].first > q0 ? l[i].first : q0;
		uint64_t z = l[i].last < q1 ? l[i].last : q1;

		if (l[i].dirty && l[i].writable && a <= z)
			fb_ref_set((void *)r, a, z);
	}
}

/* A cleaning query cleans every dirty leaf it meets; the part of one
 * outside the query is carried (a full carry leaves the leaf dirty). */
static void fb_ref_clean(struct fb_leaf *l, unsigned int n, struct fc_carry *c, uint64_t q0,
			 uint64_t q1)
{
	for (unsigned int k = 0; k < n; k++)
		if (l[k].dirty && l[k].last >= q0 && l[k].first <= q1 &&
		    fc_clean_leaf(c, l[k].first, l[k].last, q0, q1))
			l[k].dirty = false;
}

static void fb_engine(struct fb *b)
{
	static uint64_t buf[FB_MAX_WORDS + FB_GUARD], ref[FB_MAX_WORDS + FB_GUARD];
	const struct fb_fmt *x = &fb_fmts[u8(b) % FB_NFMTS];
	struct fb_leaf leaf[FB_MAX_LEAVES];
	unsigned int n = 0, nleaves = u8(b) % (FB_MAX_LEAVES + 1);
	unsigned int nq = 1 + u8(b) % FB_MAX_QUERIES;
	const uint64_t span = 1ull << 40, g = 1ull << x->gshift;
	struct genpt *pt = NULL;
	struct genpt_gather gat;
	struct fc_carry carry = { 0 };
	int err;

	err = genpt_create(&x->cfg, &pt);
	if (err)
		FAIL("%s: genpt_create: %d", x->name, err);
	if (genpt_set_dirty_tracking(pt, true))
		FAIL("%s: set_dirty_tracking", x->name);
	genpt_gather_init(&gat);

	/* One leaf or run per map call: a size the format has, an aligned
	 * iova in the window, an output address aligned to it. */
	for (unsigned int k = 0; k < nleaves; k++) {
		unsigned int s = x->sizes[u8(b) % x->nsizes];
		uint64_t size = 1ull << s, slot = (u64(b) % (span >> s)) << s;
		uint64_t iova = x->window + slot, oa = ((uint64_t)u8(b) << 40) + slot;
		bool w = (u8(b) & 7) != 0;

		if (fb_overlap(leaf, n, iova, iova + size - 1))
			continue;
		err = genpt_map(pt, iova, oa, size, w ? GENPT_READ | GENPT_WRITE : GENPT_READ,
				NULL);
		if (err)
			FAIL("%s: map 0x%" PRIx64 " size 2^%u: %d", x->name, iova, s, err);
		if (b->trace)
			fprintf(stderr, "%s: map 0x%" PRIx64 " size 2^%u -> 0x%" PRIx64 " %s\n",
				x->name, iova, s, oa, w ? "RW" : "R");
		leaf[n].first = iova;
		leaf[n].last = iova + size - 1;
		leaf[n].writable = w;
		leaf[n].dirty = false;
		n++;
	}
	qsort(leaf, n, sizeof(leaf[0]), fb_leaf_cmp);

	for (unsigned int q = 0; q < nq; q++) {
		uint8_t sel = u8(b);
		uint64_t q0, q1, len, pg, nbits, words, bmiova;
		unsigned int ps;
		bool noclear = sel & 1;
		struct genpt_dirty_bitmap bm;

		/* device writes: some leaves get dirty */
		for (unsigned int k = 0, m = u8(b) % 8; k < m && n; k++) {
			struct fb_leaf *l = &leaf[u8(b) % n];
			uint64_t va = l->first + u64(b) % (l->last - l->first + 1);

			err = genpt_hw_access(pt, va, GENPT_ACCESS_WRITE, NULL);
			if (err != (l->writable ? 0 : -EACCES))
				FAIL("%s: hw write at 0x%" PRIx64 ": %d", x->name, va, err);
			if (l->writable)
				l->dirty = true;
			if (b->trace)
				fprintf(stderr, "%s: write 0x%" PRIx64 " (leaf 0x%" PRIx64 ")\n",
					x->name, va, l->first);
		}
		/* the query: granule aligned, around the leaves */
		if (n && (sel & 2)) {
			const struct fb_leaf *l = &leaf[u8(b) % n];

			q0 = l->first + ((u64(b) % (l->last - l->first + 1)) & ~(g - 1));
		} else {
			q0 = x->window + ((u64(b) % span) & ~(g - 1));
		}
		len = ((u64(b) % (span >> (sel & 4 ? 4 : 12))) & ~(g - 1)) + g;
		q1 = q0 + len - 1;
		/* a bitmap that holds it: page size, then margins */
		ps = 12 + u8(b) % 28;
		for (;;) {
			pg = 1ull << ps;
			nbits = ((q1 | (pg - 1)) - (q0 & ~(pg - 1))) / pg + 1;
			if (nbits + 128 <= FB_MAX_WORDS * 64)
				break;
			ps++;
		}
		bmiova = (uint64_t)(u8(b) % 64) * pg;
		bmiova = bmiova > (q0 & ~(pg - 1)) ? 0 : (q0 & ~(pg - 1)) - bmiova;
		nbits += ((q0 & ~(pg - 1)) - bmiova) >> ps;
		nbits += u8(b) % 64;
		words = (nbits + 63) / 64;
		bm.bits = buf;
		bm.iova = bmiova;
		bm.length = nbits * pg;
		bm.page_shift = ps;
		for (uint64_t i = 0; i < words + FB_GUARD; i++)
			buf[i] = i >= words ? FB_GUARD_WORD : (sel & 8) ? fb_rand(b) : 0;
		memcpy(ref, buf, (words + FB_GUARD) * 8);
		fb_ref_harvest(leaf, n, &carry, !noclear, &(struct fb_ref){ ref, bmiova, ps },
			       q0, q1);
		if (b->trace)
			fprintf(stderr, "%s: harvest [0x%" PRIx64 ", 0x%" PRIx64 "] %s into shift "
				"%u iova 0x%" PRIx64 " bits %" PRIu64 "\n", x->name, q0, q1,
				noclear ? "NO_CLEAR" : "clear", ps, bmiova, nbits);
		err = genpt_read_and_clear_dirty(pt, q0, len, noclear ? GENPT_DIRTY_NO_CLEAR : 0,
						 &bm, &gat);
		if (err)
			FAIL("%s: read_and_clear_dirty: %d", x->name, err);
		for (uint64_t i = 0; i < words + FB_GUARD; i++)
			if (buf[i] != ref[i]) {
				uint64_t d = buf[i] ^ ref[i];
				uint64_t bi = i * 64 + (uint64_t)__builtin_ctzll(d);

				FAIL("%s: harvest of [0x%" PRIx64 ", 0x%" PRIx64 "] into a 2^%u "
				     "bitmap at 0x%" PRIx64 ": word %" PRIu64 " is 0x%016" PRIx64
				     ", reference 0x%016" PRIx64 " (first bad bit %" PRIu64 ", %s)",
				     x->name, q0, q1, ps, bmiova, i, buf[i], ref[i], bi,
				     i >= words ? "guard" : bit(buf, bi) ? "set, must not be" :
				     "missing");
			}
		if (!noclear)
			fb_ref_clean(leaf, n, &carry, q0, q1);
		if (genpt_gather_release(pt, &gat))
			FAIL("%s: gather_release", x->name);
	}
	genpt_destroy(pt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fb b = { data, size, 0, 0, getenv("GENPT_FUZZ_TRACE") != NULL };

	for (size_t i = 0; i < size; i++)
		b.rng = b.rng * 131 + data[i];
	if (u8(&b) & 1)
		fb_engine(&b);
	else
		fb_direct(&b);
	return 0;
}

/* ------------------------------------------------------------- seeds -- */

static const uint8_t fb_seed_direct[] = {
	0x00, 0x09, 0x03, 0x02, 0x41, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x01, 0x00, 0x03, 0x00, 0x17, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x50, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t fb_seed_direct_top[] = {
	0x00, 0x33, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
};

static uint8_t fb_seed_buf[256];

static void fb_seed(size_t i, struct fuzz_seed *s)
{
	if (i == 0) {
		s->name = "direct";
		s->data = fb_seed_direct;
		s->size = sizeof(fb_seed_direct);
		return;
	}
	if (i == 1) {
		s->name = "direct-top";
		s->data = fb_seed_direct_top;
		s->size = sizeof(fb_seed_direct_top);
		return;
	}
	/* one engine seed per format: 24 leaves, 12 queries */
	i -= 2;
	fb_seed_buf[0] = 1;
	fb_seed_buf[1] = (uint8_t)i;
	fb_seed_buf[2] = 24;
	fb_seed_buf[3] = 12;
	for (size_t k = 4; k < sizeof(fb_seed_buf); k++)
		fb_seed_buf[k] = (uint8_t)(k * 37 + i * 11);
	s->name = fb_fmts[i].name;
	s->data = fb_seed_buf;
	s->size = sizeof(fb_seed_buf);
}

const struct fuzz_target_info fuzz_target = {
	.name = "fuzz_bitmap",
	.nseeds = 2 + FB_NFMTS,
	.seed = fb_seed,
	.max_len = 600,
};
