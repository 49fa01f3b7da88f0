// SPDX-License-Identifier: MIT
/*
 * test_dirty.c - harvesting hardware dirty bits (genpt_read_and_clear_dirty,
 * genpt_set_dirty_tracking, the dirty side of genpt_hw_access).
 *
 * Every check looks at two things the library does not get to interpret for
 * us: the bitmap, compared word for word with one computed here bit by bit
 * from the iommufd convention, and the raw RISC-V PTEs in table memory,
 * decoded here from the privileged specification (V=0 R=1 W=2 X=3 U=4 A=6
 * D=7, PPN 53:10, N=63) by walking from genpt_hw_info().root_pa through
 * genpt_physmem_ptr().
 *
 * Hardware writes come from genpt_hw_access(): while tracking is on it sets
 * D with a CAS, while off a write to a D=0 leaf faults (-EACCES).
 *
 * A dirty leaf (or run) that a cleaning query covers in part is cleaned
 * whole; its pages outside the query are carried by the table and
 * reported by the next query over them.  The checks follow those pages
 * to the query that reports them, and then to one that finds nothing.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/genpt.h"

/* ------------------------------------------------------------ constants -- */

#define PM_BASE 0x80000000ull
#define PM_SIZE (256ull << 20)

#define SZ_4K (1ull << 12)
#define SZ_64K (1ull << 16)
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)
#define SZ_512G (1ull << 39)

#define RW (GENPT_READ | GENPT_WRITE)
#define RO (GENPT_READ)

/* RISC-V PTE, from the privileged specification (not from lib/fmt). */
#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_N (1ull << 63)
#define PTE_PPN(e) (((e) >> 10) & ((1ull << 44) - 1))

#define ULL(x) ((unsigned long long)(x))

/* ---------------------------------------------------------------- PRNG -- */

static uint64_t rnd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t *s, uint64_t n)
{
	return rnd_next(s) % n;
}

/* --------------------------------------------------------------- tables -- */

struct mode {
	const char *name;
	unsigned int va_bits;
	uint64_t features;
};

static const struct mode MODES[] = {
	{ "Sv39", 39, 0 },
	{ "Sv48", 48, 0 },
	{ "Sv57", 57, 0 },
	{ "Sv39x4", 41, GENPT_FEAT_RISCV_GSTAGE },
	{ "Sv48x4", 50, GENPT_FEAT_RISCV_GSTAGE },
	{ "Sv57x4", 59, GENPT_FEAT_RISCV_GSTAGE },
};

struct tbl {
	struct genpt_physmem *pm;
	struct genpt *pt;
	unsigned int levels;
	unsigned int va_bits;
	bool gstage;
	uint64_t root_pa;
};

static void tbl_init(struct tbl *t, unsigned int va_bits, uint64_t features)
{
	struct genpt_config cfg = {
		.format = GENPT_FMT_RISCV,
		.va_bits = va_bits,
		.features = features,
		.mem = &genpt_physmem_ops,
	};
	struct genpt_hw_info hi;
	bool gstage = features & GENPT_FEAT_RISCV_GSTAGE;

	memset(t, 0, sizeof(*t));
	cr_assert_eq(genpt_physmem_create(PM_BASE, PM_SIZE, &t->pm), 0);
	cfg.mem_ctx = t->pm;
	cr_assert_eq(genpt_create(&cfg, &t->pt), 0, "create va_bits %u features %#llx",
		     va_bits, ULL(features));
	cr_assert_eq(genpt_hw_info(t->pt, &hi), 0);
	t->root_pa = hi.root_pa;
	t->levels = hi.levels;
	t->va_bits = va_bits;
	t->gstage = gstage;
	cr_assert_eq(t->levels, (va_bits - (gstage ? 2u : 0u) - 12u) / 9u,
		     "levels for va_bits %u", va_bits);
	cr_assert_eq(genpt_dirty_tracking(t->pt), 0, "dirty tracking starts off");
}

static void tbl_fini(struct tbl *t)
{
	genpt_destroy(t->pt);
	genpt_physmem_destroy(t->pm);
}

static void set_tracking(struct tbl *t, bool on)
{
	cr_assert_eq(genpt_set_dirty_tracking(t->pt, on), 0);
	cr_assert_eq(genpt_dirty_tracking(t->pt), on ? 1 : 0);
}

/*
 * The leaf PTE that maps @iova, walking table memory as hardware does;
 * NULL when nothing maps it.  *@lvl gets the leaf's level.
 */
static uint64_t *pte_slot(const struct tbl *t, uint64_t iova, unsigned int *lvl)
{
	uint64_t table = t->root_pa;

	for (unsigned int l = t->levels; l-- > 0;) {
		unsigned int bits = (t->gstage && l == t->levels - 1) ? 11 : 9;
		uint64_t idx = (iova >> (12 + 9 * l)) & ((1ull << bits) - 1);
		uint64_t *p = genpt_physmem_ptr(t->pm, table + idx * 8);
		uint64_t e;

		cr_assert_not_null(p, "table at %#llx outside physmem", ULL(table));
		e = __atomic_load_n(p, __ATOMIC_ACQUIRE);
		if (!(e & PTE_V))
			return NULL;
		if (e & (PTE_R | PTE_W | PTE_X)) {
			*lvl = l;
			return p;
		}
		cr_assert_eq(e & (PTE_A | PTE_D | PTE_U | PTE_N), 0,
			     "non-leaf PTE with A/D/U/N at level %u: %#llx", l, ULL(e));
		cr_assert_neq(l, 0u, "pointer PTE at level 0: %#llx", ULL(e));
		table = PTE_PPN(e) << 12;
	}
	return NULL;
}

/* ---------------------------------------------------------------- leaves -- */

struct leaf {
	uint64_t iova;
	uint64_t size;
	uint64_t oa;
	unsigned int prot;
};

static unsigned int leaf_members(const struct leaf *l)
{
	return l->size == SZ_64K ? 16 : 1;
}

static uint64_t leaf_last(const struct leaf *l)
{
	return l->iova + (l->size - 1);
}

static unsigned int size_level(uint64_t size)
{
	if (size == SZ_64K)
		return 0;
	return ((unsigned int)__builtin_ctzll(size) - 12) / 9;
}

static unsigned int all_members(const struct leaf *l)
{
	return (1u << leaf_members(l)) - 1;
}

static uint64_t *member_slot(const struct tbl *t, const struct leaf *l,
			     unsigned int i)
{
	uint64_t iova = l->iova + (uint64_t)i * SZ_4K;
	unsigned int lvl = 99;
	uint64_t *p = pte_slot(t, iova, &lvl);

	cr_assert_not_null(p, "no leaf maps %#llx", ULL(iova));
	cr_assert_eq(lvl, size_level(l->size), "leaf at %#llx (size %#llx) found at level %u",
		     ULL(iova), ULL(l->size), lvl);
	return p;
}

static uint64_t member_pte(const struct tbl *t, const struct leaf *l,
			   unsigned int i)
{
	return __atomic_load_n(member_slot(t, l, i), __ATOMIC_ACQUIRE);
}

/* Bit i = D of member i. */
static unsigned int leaf_dmask(const struct tbl *t, const struct leaf *l)
{
	unsigned int m = 0;

	for (unsigned int i = 0; i < leaf_members(l); i++)
		if (member_pte(t, l, i) & PTE_D)
			m |= 1u << i;
	return m;
}

/*
 * Every member of @l is a well-formed leaf for its mapping: V, R, U and A
 * set, W as the prot asks, N and PPN as the size asks, and D exactly as in
 * @dmask (bit i for member i).
 */
static void check_leaf(const struct tbl *t, const struct leaf *l,
		       unsigned int dmask, const char *when)
{
	bool napot = leaf_members(l) > 1;

	for (unsigned int i = 0; i < leaf_members(l); i++) {
		uint64_t e = member_pte(t, l, i);
		uint64_t want_ppn = napot ? (((l->oa >> 12) & ~0xfull) | 0x8) : (l->oa >> 12);

		cr_assert_eq(e & (PTE_V | PTE_R | PTE_U | PTE_A), PTE_V | PTE_R | PTE_U | PTE_A,
			     "%s: leaf %#llx member %u lacks V/R/U/A: %#llx", when,
			     ULL(l->iova), i, ULL(e));
		cr_assert_eq(!!(e & PTE_W), !!(l->prot & GENPT_WRITE),
			     "%s: leaf %#llx member %u W: %#llx", when, ULL(l->iova), i, ULL(e));
		cr_assert_eq(!!(e & PTE_N), napot, "%s: leaf %#llx member %u N: %#llx",
			     when, ULL(l->iova), i, ULL(e));
		cr_assert_eq(PTE_PPN(e), want_ppn, "%s: leaf %#llx member %u PPN: %#llx",
			     when, ULL(l->iova), i, ULL(e));
		cr_assert_eq(!!(e & PTE_D), !!(dmask & (1u << i)),
			     "%s: leaf %#llx (size %#llx) member %u: D=%d, expected %d (pte %#llx)",
			     when, ULL(l->iova), ULL(l->size), i, !!(e & PTE_D),
			     !!(dmask & (1u << i)), ULL(e));
	}
}

static void map_leaf(struct tbl *t, const struct leaf *l)
{
	int err = genpt_map(t->pt, l->iova, l->oa, l->size, l->prot, NULL);

	cr_assert_eq(err, 0, "map %#llx+%#llx -> %#llx prot %#x: %d", ULL(l->iova),
		     ULL(l->size), ULL(l->oa), l->prot, err);
}

static void hw_write(struct tbl *t, const struct leaf *l, uint64_t iova)
{
	uint64_t oa = ~0ull;
	int err = genpt_hw_access(t->pt, iova, GENPT_ACCESS_WRITE, &oa);

	cr_assert_eq(err, 0, "hw write %#llx: %d", ULL(iova), err);
	cr_assert_eq(oa, l->oa + (iova - l->iova), "hw write %#llx: oa %#llx", ULL(iova),
		     ULL(oa));
}

/* --------------------------------------------------------------- bitmaps -- */

struct bmap {
	struct genpt_dirty_bitmap bm;
	uint64_t last;   /* last address the bitmap covers */
	uint64_t nbits;
	uint64_t nwords;
	uint64_t *got;   /* what the library writes into */
	uint64_t *exp;   /* what it should contain, built bit by bit */
};

static void bmap_init(struct bmap *b, uint64_t iova, uint64_t len, unsigned int ps)
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

/* Pre-set a sparse pattern in both: the library must only OR bits in. */
static void bmap_preset(struct bmap *b, uint64_t seed)
{
	for (uint64_t i = 0; i < b->nbits; i++)
		if ((i * 0x9e37ull + seed) % 61 == 0) {
			bmap_setbit(b->got, i);
			bmap_setbit(b->exp, i);
		}
}

/*
 * Expect the part of [first, last] inside the query [qf, ql] to be
 * reported: bit i for every bitmap page that part overlaps.
 */
static void bmap_expect(struct bmap *b, uint64_t qf, uint64_t ql, uint64_t first,
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
		bmap_setbit(b->exp, i);
		if (i == i1)
			break;
	}
}

static void bmap_check(const struct bmap *b, const char *what)
{
	for (uint64_t w = 0; w < b->nwords; w++) {
		uint64_t diff = b->got[w] ^ b->exp[w];
		uint64_t i;

		if (!diff)
			continue;
		i = w * 64 + (uint64_t)__builtin_ctzll(diff);
		cr_assert_fail("%s: bitmap (iova %#llx, ps %u, %llu bits) bit %llu (page %#llx): "
			       "got %d, expected %d (word %llu got %#llx expected %#llx)",
			       what, ULL(b->bm.iova), b->bm.page_shift, ULL(b->nbits), ULL(i),
			       ULL(b->bm.iova + (i << b->bm.page_shift)), bmap_bit(b->got, i),
			       bmap_bit(b->exp, i), ULL(w), ULL(b->got[w]), ULL(b->exp[w]));
	}
}

/* ---------------------------------------------------------------- gather -- */

static void check_gather(const struct genpt_gather *g, uint64_t start, uint64_t last,
			 const char *what)
{
	cr_assert(g->start == start && g->last == last,
		  "%s: gather [%#llx, %#llx], expected [%#llx, %#llx]", what, ULL(g->start),
		  ULL(g->last), ULL(start), ULL(last));
	cr_assert_null(g->freed, "%s: a harvest freed table pages", what);
}

static void check_gather_empty(const struct genpt_gather *g, const char *what)
{
	cr_assert(g->start > g->last, "%s: gather [%#llx, %#llx], expected empty", what,
		  ULL(g->start), ULL(g->last));
	cr_assert_null(g->freed, "%s: a harvest freed table pages", what);
}

/* --------------------------------------------------------------- harvest -- */

static int harvest(struct tbl *t, uint64_t first, uint64_t len, unsigned int flags,
		   struct bmap *b, struct genpt_gather *g)
{
	return genpt_read_and_clear_dirty(t->pt, first, len, flags, b ? &b->bm : NULL, g);
}

/* An inclusive address range expected in a bitmap: a dirty leaf, or the
 * part of one the table carries. */
struct span {
	uint64_t first, last;
};

/*
 * Harvest the query [qf, qf + qlen) into a fresh, pre-patterned bitmap
 * [bm_iova, +bm_len) with page shift @ps, and check it against the @nrep
 * spans @rep (their parts inside the query: nothing outside is ever
 * reported) and the gather against [gs, gl] (gs > gl: must stay empty).
 */
static void harvest_expect_s(struct tbl *t, uint64_t bm_iova, uint64_t bm_len,
			     unsigned int ps, uint64_t qf, uint64_t qlen, unsigned int flags,
			     const struct span *rep, unsigned int nrep, uint64_t gs,
			     uint64_t gl, const char *what)
{
	struct bmap b;
	struct genpt_gather g;
	uint64_t ql = qf + (qlen - 1);
	int err;

	bmap_init(&b, bm_iova, bm_len, ps);
	bmap_preset(&b, ps + qf / SZ_4K);
	genpt_gather_init(&g);
	err = harvest(t, qf, qlen, flags, &b, &g);
	cr_assert_eq(err, 0, "%s: read_and_clear_dirty [%#llx, %#llx]: %d", what, ULL(qf),
		     ULL(ql), err);
	for (unsigned int i = 0; i < nrep; i++)
		bmap_expect(&b, qf, ql, rep[i].first, rep[i].last);
	bmap_check(&b, what);
	if (gs <= gl)
		check_gather(&g, gs, gl, what);
	else
		check_gather_empty(&g, what);
	cr_assert_eq(genpt_gather_release(t->pt, &g), 0);
	bmap_fini(&b);
}

/* As harvest_expect_s(), with the @ndirty dirty leaves expected. */
static void harvest_expect_g(struct tbl *t, uint64_t bm_iova, uint64_t bm_len,
			     unsigned int ps, uint64_t qf, uint64_t qlen, unsigned int flags,
			     const struct leaf *const *dirty, unsigned int ndirty,
			     uint64_t gs, uint64_t gl, const char *what)
{
	struct span rep[16];

	cr_assert_leq(ndirty, 16u, "test bug: too many dirty leaves");
	for (unsigned int i = 0; i < ndirty; i++)
		rep[i] = (struct span){ dirty[i]->iova, leaf_last(dirty[i]) };
	harvest_expect_s(t, bm_iova, bm_len, ps, qf, qlen, flags, rep, ndirty, gs, gl, what);
}

/* As harvest_expect_g(), with the gather expected to be exactly @cleaned
 * (NULL: empty). */
static void harvest_expect(struct tbl *t, uint64_t bm_iova, uint64_t bm_len,
			   unsigned int ps, uint64_t qf, uint64_t qlen, unsigned int flags,
			   const struct leaf *const *dirty, unsigned int ndirty,
			   const struct leaf *cleaned, const char *what)
{
	harvest_expect_g(t, bm_iova, bm_len, ps, qf, qlen, flags, dirty, ndirty,
			 cleaned ? cleaned->iova : 1, cleaned ? leaf_last(cleaned) : 0, what);
}

/* ------------------------------------------------------- Svnapot runs -- */

/* Make the D bits of @l's members exactly @mask by hardware writes: only
 * members named in @mask are written.  Requires tracking on and a clean run. */
static void write_members(struct tbl *t, const struct leaf *l, unsigned int mask)
{
	for (unsigned int i = 0; i < 16; i++)
		if (mask & (1u << i))
			hw_write(t, l, l->iova + (uint64_t)i * SZ_4K + 0x10 * i);
}

Test(dirty, napot_any_member_reports_and_cleans_whole_run)
{
	static const struct mode *const ms[] = { &MODES[0], &MODES[3] };

	for (unsigned int mi = 0; mi < 2; mi++) {
		struct tbl t;
		struct leaf run = { .iova = 0x12340000ull, .size = SZ_64K, .oa = 0x7770000ull,
				    .prot = RW };
		struct leaf before = { .iova = run.iova - SZ_4K, .size = SZ_4K,
				       .oa = 0x5000, .prot = RW };
		struct leaf after = { .iova = run.iova + SZ_64K, .size = SZ_4K, .oa = 0x6000,
				      .prot = RW };
		const struct leaf *d[1] = { &run };
		uint64_t bm_iova = run.iova - 3 * SZ_4K, bm_len = SZ_64K + 8 * SZ_4K;

		tbl_init(&t, ms[mi]->va_bits, ms[mi]->features | GENPT_FEAT_RISCV_SVNAPOT);
		set_tracking(&t, true);
		map_leaf(&t, &before);
		map_leaf(&t, &run);
		map_leaf(&t, &after);
		check_leaf(&t, &run, 0, "run mapped");

		/* A write through member 7 sets D on member 7 only. */
		write_members(&t, &run, 1u << 7);
		check_leaf(&t, &run, 1u << 7, "member 7 written");
		check_leaf(&t, &before, 0, "neighbour before");
		check_leaf(&t, &after, 0, "neighbour after");
		harvest_expect(&t, bm_iova, bm_len, 12, bm_iova, bm_len, 0, d, 1, &run,
			       "harvest after member 7");
		check_leaf(&t, &run, 0, "every member cleaned");
		harvest_expect(&t, bm_iova, bm_len, 12, bm_iova, bm_len, 0, NULL, 0, NULL,
			       "harvest after clean");

		/* Another member re-dirties the whole run. */
		write_members(&t, &run, 1u << 12);
		check_leaf(&t, &run, 1u << 12, "member 12 written");
		harvest_expect(&t, bm_iova, bm_len, 12, bm_iova, bm_len, 0, d, 1, &run,
			       "harvest after member 12");
		check_leaf(&t, &run, 0, "cleaned after member 12");

		/* The first and the last member; a 64 KiB bitmap sees one bit. */
		write_members(&t, &run, 0x8001u);
		check_leaf(&t, &run, 0x8001u, "members 0 and 15 written");
		harvest_expect(&t, run.iova - 3 * SZ_64K, 8 * SZ_64K, 16, run.iova, SZ_64K, 0,
			       d, 1, &run, "64K bitmap");
		check_leaf(&t, &run, 0, "cleaned after members 0 and 15");

		/* Every member dirty. */
		write_members(&t, &run, 0xffffu);
		harvest_expect(&t, bm_iova, bm_len, 12, bm_iova, bm_len, 0, d, 1, &run,
			       "all members written");
		check_leaf(&t, &run, 0, "cleaned after all members");

		/* NO_CLEAR keeps exactly the members that were dirty. */
		write_members(&t, &run, 1u << 3 | 1u << 9);
		harvest_expect(&t, bm_iova, bm_len, 12, bm_iova, bm_len, GENPT_DIRTY_NO_CLEAR,
			       d, 1, NULL, "NO_CLEAR");
		check_leaf(&t, &run, 1u << 3 | 1u << 9, "after NO_CLEAR");

		/* A neighbouring dirty 4K leaf is reported on its own. */
		hw_write(&t, &after, after.iova);
		{
			const struct leaf *d2[2] = { &run, &after };

			harvest_expect_g(&t, bm_iova, bm_len, 12, run.iova, SZ_64K + SZ_4K, 0,
					 d2, 2, run.iova, leaf_last(&after),
					 "run and neighbour");
		}
		check_leaf(&t, &run, 0, "run cleaned with neighbour");
		check_leaf(&t, &after, 0, "neighbour cleaned");
		tbl_fini(&t);
	}
}

/*
 * A query that covers a dirty Svnapot run in part reports the members
 * inside it and cleans every member (the run is one leaf, hardware may
 * mark any member), with the whole run in the gather; the members outside
 * are carried and reported once, by the next queries over them.  NO_CLEAR
 * reports the inside part and changes nothing.
 */
Test(dirty, napot_partial_query_cleans_run_whole_and_carries_the_rest)
{
	struct tbl t;
	struct leaf run = { .iova = 0x4560000ull, .size = SZ_64K, .oa = 0x120000ull,
			    .prot = RW };
	struct leaf after = { .iova = run.iova + SZ_64K, .size = SZ_4K, .oa = 0x9000,
			      .prot = RW };
	const struct leaf *d[1] = { &run };
	uint64_t bm_iova = run.iova - 3 * SZ_4K, bm_len = SZ_64K + 8 * SZ_4K;
	uint64_t big_iova = run.iova - 3 * SZ_64K, big_len = 8 * SZ_64K;
	const struct span m0_1 = { run.iova, run.iova + 2 * SZ_4K - 1 };
	const struct span m10_15 = { run.iova + 10 * SZ_4K, leaf_last(&run) };
	const struct span ends[2] = { { run.iova, run.iova + SZ_4K - 1 },
				      { leaf_last(&run) + 1 - SZ_4K, leaf_last(&run) } };

	tbl_init(&t, 39, GENPT_FEAT_RISCV_SVNAPOT);
	set_tracking(&t, true);
	map_leaf(&t, &run);
	map_leaf(&t, &after);
	write_members(&t, &run, 1u << 7);

	/* NO_CLEAR over members 2..9: the inside part, nothing cleaned or
	 * carried. */
	harvest_expect(&t, bm_iova, bm_len, 12, run.iova + 2 * SZ_4K, 8 * SZ_4K,
		       GENPT_DIRTY_NO_CLEAR, d, 1, NULL, "NO_CLEAR members 2..9");
	check_leaf(&t, &run, 1u << 7, "after NO_CLEAR members 2..9");
	/* Members 2..9, the dirty member included: reported, all 16 cleaned. */
	harvest_expect(&t, bm_iova, bm_len, 12, run.iova + 2 * SZ_4K, 8 * SZ_4K, 0, d, 1,
		       &run, "members 2..9");
	check_leaf(&t, &run, 0, "after members 2..9");
	/* Members 8..15 and the clean neighbour: the carried 10..15 only (8
	 * and 9 were reported already). */
	harvest_expect_s(&t, bm_iova, bm_len, 12, run.iova + 8 * SZ_4K, 9 * SZ_4K, 0, &m10_15,
			 1, 1, 0, "members 8..15 + neighbour");
	/* From a hole before the run up to member 4: the carried 0 and 1. */
	harvest_expect_s(&t, bm_iova, bm_len, 12, bm_iova, 3 * SZ_4K + 5 * SZ_4K, 0, &m0_1, 1,
			 1, 0, "hole..member 4");
	harvest_expect(&t, bm_iova, bm_len, 12, bm_iova, bm_len, 0, NULL, 0, NULL,
		       "after the chunks");

	/* 64 KiB bitmap pages: inner members set the run's bit, and the
	 * carried first and last member set it again on the next query. */
	write_members(&t, &run, 1u << 7);
	harvest_expect(&t, big_iova, big_len, 16, run.iova + SZ_4K, SZ_64K - 2 * SZ_4K, 0, d, 1,
		       &run, "inner members, 64K bitmap");
	check_leaf(&t, &run, 0, "after inner members");
	harvest_expect_s(&t, big_iova, big_len, 16, big_iova, big_len, 0, ends, 2, 1, 0,
			 "carried ends, 64K bitmap");
	harvest_expect(&t, big_iova, big_len, 16, big_iova, big_len, 0, NULL, 0, NULL,
		       "after carried ends");

	/* The whole run: reported and cleaned, nothing carried. */
	write_members(&t, &run, 1u << 7);
	harvest_expect(&t, bm_iova, bm_len, 12, run.iova - SZ_4K, SZ_64K + 2 * SZ_4K, 0, d,
		       1, &run, "whole run");
	check_leaf(&t, &run, 0, "after whole run");
	harvest_expect(&t, bm_iova, bm_len, 12, bm_iova, bm_len, 0, NULL, 0, NULL,
		       "after whole run");
	check_leaf(&t, &after, 0, "the neighbour was never written");
	tbl_fini(&t);
}

/* --------------------------------------------------- randomized model -- */

struct mleaf {
	struct leaf l;
	bool dirty;
};

#define RM_MAX 96

struct rmodel {
	struct tbl t;
	struct mleaf ls[RM_MAX];
	unsigned int n;
	uint64_t lo, hi;
	bool tracking;
	bool *carried; /* per 4 KiB page from lo: the table carries it */
};

static void rm_layout(struct rmodel *m, uint64_t *seed)
{
	uint64_t cur = 0x4000000000ull; /* 256 GiB */
	unsigned int n1g = 0;

	m->lo = cur;
	while (m->n < RM_MAX) {
		uint64_t r = rnd_below(seed, 100);
		struct mleaf *x = &m->ls[m->n];
		uint64_t size;

		if (r < 8) { /* a hole */
			cur += (1 + rnd_below(seed, 20)) * SZ_4K;
			continue;
		}
		if (r < 45)
			size = SZ_4K;
		else if (r < 70)
			size = SZ_64K;
		else if (r < 93)
			size = SZ_2M;
		else if (n1g < 2)
			size = SZ_1G, n1g++;
		else
			continue;
		cur = (cur + size - 1) & ~(size - 1);
		x->l.iova = cur;
		x->l.size = size;
		x->l.oa = cur + 0x100000000000ull;
		x->l.prot = rnd_below(seed, 6) ? RW : RO;
		x->dirty = false;
		cur += size;
		m->n++;
		if (m->n >= 48 && rnd_below(seed, 8) == 0)
			break;
	}
	m->hi = cur - 1;
}

/* A leaf boundary, or a random page near the layout, for query ends. */
static uint64_t rm_point(const struct rmodel *m, uint64_t *seed)
{
	const struct mleaf *x = &m->ls[rnd_below(seed, m->n)];

	switch (rnd_below(seed, 4)) {
	case 0:
		return x->l.iova;
	case 1:
		return x->l.iova + x->l.size;
	case 2:
		return x->l.iova + rnd_below(seed, x->l.size / SZ_4K) * SZ_4K;
	default:
		return m->lo - 16 * SZ_4K +
		       rnd_below(seed, (m->hi + 1 - m->lo) / SZ_4K + 32) * SZ_4K;
	}
}

static void rm_check_raw(struct rmodel *m, const char *when, unsigned int it)
{
	for (unsigned int i = 0; i < m->n; i++) {
		struct mleaf *x = &m->ls[i];
		unsigned int dm = leaf_dmask(&m->t, &x->l);
		char w[96];

		snprintf(w, sizeof(w), "iteration %u, %s, leaf %u", it, when, i);
		check_leaf(&m->t, &x->l, dm, w); /* well formed, A set */
		cr_assert_eq(dm != 0, x->dirty, "%s (%#llx size %#llx prot %#x): D mask %#x, model %d",
			     w, ULL(x->l.iova), ULL(x->l.size), x->l.prot, dm, x->dirty);
		/* With tracking off every member of a writable run is D. */
		if (!m->tracking && (x->l.prot & GENPT_WRITE))
			cr_assert_eq(dm, all_members(&x->l), "%s: tracking off, D mask %#x", w, dm);
	}
}

/* ------------------------------------------------- the carry, modelled -- */

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
	for (uint64_t i = (first - m->lo) / SZ_4K; i <= (last - m->lo) / SZ_4K; i++)
		m->carried[i] = on;
}

/* Expect every carried page inside [qf, ql] in @b, a run at a time. */
static void rm_carry_expect(const struct rmodel *m, struct bmap *b, uint64_t qf, uint64_t ql)
{
	uint64_t f = qf, l = ql, i1;

	if (!rm_clip(m, &f, &l))
		return;
	i1 = (l - m->lo) / SZ_4K;
	for (uint64_t i = (f - m->lo) / SZ_4K; i <= i1; i++) {
		uint64_t j = i;

		if (!m->carried[i])
			continue;
		while (j < i1 && m->carried[j + 1])
			j++;
		bmap_expect(b, qf, ql, m->lo + i * SZ_4K, m->lo + (j + 1) * SZ_4K - 1);
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
	uint64_t n = (m->hi - m->lo) / SZ_4K + 1;
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
		struct mleaf *x = &m->ls[i];
		uint64_t last = leaf_last(&x->l);

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

/* ------------------------------------------------ the randomized test -- */

static void rm_hw_writes(struct rmodel *m, uint64_t *seed, unsigned int it)
{
	unsigned int k = 1 + (unsigned int)rnd_below(seed, 6);

	for (unsigned int j = 0; j < k; j++) {
		struct mleaf *x = &m->ls[rnd_below(seed, m->n)];
		uint64_t va = x->l.iova + rnd_below(seed, x->l.size / 8) * 8;
		int err = genpt_hw_access(m->t.pt, va, GENPT_ACCESS_WRITE, NULL);

		if (x->l.prot & GENPT_WRITE) {
			cr_assert_eq(err, 0, "it %u: hw write %#llx: %d", it, ULL(va), err);
			x->dirty = true;
		} else {
			cr_assert_eq(err, -EACCES, "it %u: hw write ro %#llx", it, ULL(va));
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
static void rm_remap(struct rmodel *m, uint64_t *seed, unsigned int it)
{
	struct mleaf *x = &m->ls[rnd_below(seed, m->n)];
	uint64_t un = 0;
	struct genpt_gather g;

	genpt_gather_init(&g);
	cr_assert_eq(genpt_unmap(m->t.pt, x->l.iova, x->l.size, &g, &un), 0);
	cr_assert_eq(un, x->l.size);
	cr_assert_eq(genpt_gather_release(m->t.pt, &g), 0);
	rm_carry_set(m, x->l.iova, leaf_last(&x->l), false);
	rm_carry_check_room(m, it);
	x->l.prot = rnd_below(seed, 4) ? RW : RO;
	map_leaf(&m->t, &x->l);
	x->dirty = (x->l.prot & GENPT_WRITE) && !m->tracking;
}

/* One harvest: random page shift, bitmap base, query ends, flags, NULL
 * bitmap, pre-set bits; bitmap and gather exactly as the model says. */
static void rm_harvest(struct rmodel *m, uint64_t *seed, unsigned int it)
{
	static const unsigned int shifts[] = { 12, 16, 21, 30 };
	unsigned int ps = shifts[rnd_below(seed, 4)];
	uint64_t page = 1ull << ps;
	uint64_t a = rm_point(m, seed), b = rm_point(m, seed);
	uint64_t qf = a < b ? a : b, ql = (a < b ? b : a);
	uint64_t bm_iova, bm_last, gs = UINT64_MAX, gl = 0;
	unsigned int flags = rnd_below(seed, 4) ? 0 : GENPT_DIRTY_NO_CLEAR;
	bool null_bm = rnd_below(seed, 8) == 0;
	struct genpt_gather g;
	struct bmap bm;
	char w[64];

	if (ql == qf)
		ql += SZ_4K;
	ql -= 1;
	bm_iova = (qf & ~(page - 1)) - rnd_below(seed, 70) * page;
	bm_last = (ql | (page - 1)) + rnd_below(seed, 70) * page;
	bmap_init(&bm, bm_iova, bm_last - bm_iova + 1, ps);
	if (rnd_below(seed, 2))
		bmap_preset(&bm, it);
	genpt_gather_init(&g);
	cr_assert_eq(harvest(&m->t, qf, ql - qf + 1, flags, null_bm ? NULL : &bm, &g), 0,
		     "it %u: harvest", it);
	/* With a NULL bitmap only the pre-set bits are expected. */
	rm_harvest_model(m, qf, ql, flags, null_bm ? NULL : &bm, &gs, &gl);
	rm_carry_check_room(m, it);
	snprintf(w, sizeof(w), "it %u: ps %u query [%#llx, %#llx] flags %u", it, ps, ULL(qf),
		 ULL(ql), flags);
	bmap_check(&bm, w);
	if (gs <= gl)
		check_gather(&g, gs, gl, w);
	else
		check_gather_empty(&g, w);
	cr_assert_eq(genpt_gather_release(m->t.pt, &g), 0);
	bmap_fini(&bm);
}

/*
 * After the random run, a cleaning pass in chunks of random size over the
 * whole layout reports what the model says (carried pages included), and
 * a second pass reports nothing.
 */
static void rm_final_passes(struct rmodel *m, uint64_t *seed)
{
	uint64_t qf = m->lo - 16 * SZ_4K, end = m->hi + 1 + 16 * SZ_4K;

	if (!m->tracking)
		rm_switch_tracking(m);
	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t f = qf; f < end;) {
			uint64_t len = (1 + rnd_below(seed, 4096)) * SZ_4K * 97;
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
			if (gs <= gl)
				check_gather(&g, gs, gl, "final pass");
			else
				check_gather_empty(&g, "final pass");
			cr_assert_eq(genpt_gather_release(m->t.pt, &g), 0);
			bmap_fini(&bm);
			f = l + 1;
		}
	}
	for (uint64_t i = 0; i <= (m->hi - m->lo) / SZ_4K; i++)
		cr_assert(!m->carried[i], "model: page %#llx still carried after two passes",
			  ULL(m->lo + i * SZ_4K));
}

/*
 * Random hardware writes, tracking switches, remaps and harvests against
 * a model of which leaves are dirty and which pages the table carries.
 */
Test(dirty, random_against_model, .timeout = 120)
{
	uint64_t seed = 0x5eed0001;
	struct rmodel *m = calloc(1, sizeof(*m));

	cr_assert_not_null(m);
	rm_layout(m, &seed);
	m->carried = calloc((m->hi - m->lo) / SZ_4K + 1, sizeof(bool));
	cr_assert_not_null(m->carried);
	tbl_init(&m->t, 48, GENPT_FEAT_RISCV_SVNAPOT);
	set_tracking(&m->t, true);
	m->tracking = true;
	for (unsigned int i = 0; i < m->n; i++)
		map_leaf(&m->t, &m->ls[i].l);

	for (unsigned int it = 0; it < 300; it++) {
		uint64_t op = rnd_below(&seed, 100);

		if (op < 40)
			rm_hw_writes(m, &seed, it);
		else if (op < 44)
			rm_switch_tracking(m);
		else if (op < 48)
			rm_remap(m, &seed, it);
		else
			rm_harvest(m, &seed, it);
		if (it % 10 == 0 || op >= 48)
			rm_check_raw(m, "raw", it);
	}
	rm_final_passes(m, &seed);
	rm_check_raw(m, "after the final passes", 300);
	tbl_fini(&m->t);
	free(m->carried);
	free(m);
}

/* ---------------------------------------------------------- concurrency -- */

/*
 * Hardware writers against harvesters.  The region [CC_BASE, +640 pages):
 * one 2M leaf (pages 0..511), four Svnapot runs (512..575), 64 4K leaves
 * (576..639).  Two harvesters own disjoint parts (split at page 544, a run
 * boundary) and harvest them over and over while two writers write random
 * pages, mostly in the small leaves (a small hot set, so writes and cleans
 * of the same entry meet often).
 *
 * The property, per write (not per page, so a later write to the same page
 * cannot hide a lost one): a writer reads its page's harvester epoch (the
 * number of harvests that harvester completed) before the access, e_s, and
 * after it, e_e.  Some harvest numbered (from 1) in [e_s + 1, e_e + 2] must
 * report the page:
 *  - harvest e_e + 2 starts after the write: the harvester publishes each
 *    epoch with an exchange and the writer reads e_e with a fetch-add of 0,
 *    both acq_rel read-modify-writes of the one epoch word, so the one
 *    that comes second synchronizes with the other; the writer's came
 *    first (it read e_e), so the harvester's later loads see the write.
 *    That harvest finds D set unless a harvest cleaned it after the write,
 *    and a harvest cleans only what it reports;
 *  - a harvest numbered e_s or lower finished before the write began, so
 *    whatever it cleaned, the write set again.
 * (Capped at the final harvest, which runs after every write.)  And nothing
 * is ever reported for a leaf nobody wrote, and no leaf in part.
 */
#define CC_BASE 0x40000000ull
#define CC_RUNS 4u
#define CC_SMALL 64u
#define CC_PAGES (512u + 16u * CC_RUNS + CC_SMALL)
#define CC_SPLIT (512u + 16u * (CC_RUNS / 2))
#define CC_WRITERS 2
#define CC_WRITES 20000u
#define CC_UNITS (1u + CC_RUNS + CC_SMALL)
#define CC_HWORDS ((CC_UNITS + 63) / 64)

struct cc_unit {
	unsigned int first, pages; /* in pages from CC_BASE */
};

struct cc_shared {
	struct tbl t;
	unsigned int epoch[2];     /* harvests completed, per harvester: atomic */
	int stop;                  /* atomic */
	unsigned int writers_done; /* atomic */
	uint16_t unit_of[CC_PAGES];
	struct cc_unit units[CC_UNITS];
	unsigned int nunits;
};

struct cc_rec {
	unsigned int page;
	unsigned int from, to; /* harvests (1-based) one of which must report it */
};

struct cc_writer {
	struct cc_shared *s;
	uint64_t seed;
	struct cc_rec rec[CC_WRITES];
	unsigned int errors;
};

struct cc_harvester {
	struct cc_shared *s;
	unsigned int id;
	unsigned int first_page, npages;
	uint64_t *hist;        /* CC_HWORDS words per harvest: units it reported */
	unsigned int cap;
	unsigned int harvests;
	unsigned int errors;   /* harvest calls that failed */
	unsigned int partial;  /* a unit reported in part */
	unsigned int outside;  /* bits outside the query */
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
		uint64_t r = rnd_below(&w->seed, 8);
		/* Mostly the 4K leaves and the runs, where a write changes D. */
		unsigned int p = r == 0   ? (unsigned int)rnd_below(&w->seed, 512)
				 : r < 3 ? 512 + (unsigned int)rnd_below(&w->seed, 16 * CC_RUNS)
					 : 512 + 16 * CC_RUNS +
						   (unsigned int)rnd_below(&w->seed, CC_SMALL);
		unsigned int *ep = &s->epoch[cc_owner(p)];
		uint64_t va = CC_BASE + (uint64_t)p * SZ_4K + rnd_below(&w->seed, SZ_4K);
		unsigned int es, ee;

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
	uint64_t qf = CC_BASE + (uint64_t)h->first_page * SZ_4K;
	uint64_t off = (qf - b->bm.iova) / SZ_4K;
	uint64_t *rep;
	unsigned int n;
	struct genpt_gather g;

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
	if (genpt_read_and_clear_dirty(s->t.pt, qf, (uint64_t)h->npages * SZ_4K, 0, &b->bm,
				       &g) != 0)
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
			if (bmap_bit(b->got, off + (p - h->first_page)))
				set++;
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
	uint64_t qf = CC_BASE + (uint64_t)h->first_page * SZ_4K;

	/* The bitmap starts 3 pages before the query: not word aligned. */
	bmap_init(&b, qf - 3 * SZ_4K, ((uint64_t)h->npages + 5) * SZ_4K, 12);
	while (!__atomic_load_n(&h->s->stop, __ATOMIC_ACQUIRE))
		cc_harvest_once(h, &b);
	cc_harvest_once(h, &b); /* after every write */
	bmap_fini(&b);
	return NULL;
}

Test(dirty, concurrent_writers_and_harvesters, .timeout = 120)
{
	struct cc_shared *s = calloc(1, sizeof(*s));
	struct cc_writer *w = calloc(CC_WRITERS, sizeof(*w));
	struct cc_harvester *h = calloc(2, sizeof(*h));
	pthread_t wt[CC_WRITERS], ht;
	uint8_t unit_written[CC_UNITS] = { 0 };
	struct leaf l;
	struct bmap b;

	cr_assert(s && w && h);
	tbl_init(&s->t, 39, GENPT_FEAT_RISCV_SVNAPOT);
	set_tracking(&s->t, true);
	l = (struct leaf){ CC_BASE, SZ_2M, 0x200000, RW };
	map_leaf(&s->t, &l);
	s->units[s->nunits++] = (struct cc_unit){ 0, 512 };
	for (unsigned int r = 0; r < CC_RUNS; r++) {
		l = (struct leaf){ CC_BASE + SZ_2M + r * SZ_64K, SZ_64K, 0x400000 + r * SZ_64K,
				   RW };
		map_leaf(&s->t, &l);
		check_leaf(&s->t, &l, 0, "run mapped");
		s->units[s->nunits++] = (struct cc_unit){ 512 + 16 * r, 16 };
	}
	for (unsigned int p = 0; p < CC_SMALL; p++) {
		l = (struct leaf){ CC_BASE + SZ_2M + CC_RUNS * SZ_64K + p * SZ_4K, SZ_4K,
				   0x800000 + p * SZ_4K, RW };
		map_leaf(&s->t, &l);
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
		w[i].seed = 0xc0ffee + i;
		cr_assert_eq(pthread_create(&wt[i], NULL, cc_writer_main, &w[i]), 0);
	}
	/* This thread is harvester 0 while the writers run. */
	bmap_init(&b, CC_BASE - 3 * SZ_4K, ((uint64_t)CC_SPLIT + 5) * SZ_4K, 12);
	while (__atomic_load_n(&s->writers_done, __ATOMIC_ACQUIRE) < CC_WRITERS)
		cc_harvest_once(&h[0], &b);
	for (unsigned int i = 0; i < CC_WRITERS; i++)
		cr_assert_eq(pthread_join(wt[i], NULL), 0);
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	cc_harvest_once(&h[0], &b); /* after every write */
	bmap_fini(&b);
	cr_assert_eq(pthread_join(ht, NULL), 0);

	for (unsigned int i = 0; i < 2; i++) {
		cr_assert_eq(h[i].errors, 0, "harvester %u: failed harvests", i);
		cr_assert_eq(h[i].partial, 0, "harvester %u: a leaf reported in part", i);
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
			cr_assert(found,
				  "writer %u write %u to page %u was not reported by any of "
				  "harvests %u..%u (of %u): a lost dirty bit",
				  i, k, r->page, r->from, to, o->harvests);
			unit_written[s->unit_of[r->page]] = 1;
		}
	}
	for (unsigned int u = 0; u < s->nunits; u++) {
		const struct cc_harvester *o = &h[cc_owner(s->units[u].first)];
		bool ever = false;

		for (unsigned int n = 0; n < o->harvests && !ever; n++)
			ever = bmap_bit(&o->hist[(size_t)n * CC_HWORDS], u);
		cr_assert_eq(ever, unit_written[u] != 0,
			     "leaf %u (page %u): reported %d, written %u", u, s->units[u].first,
			     ever, unit_written[u]);
	}
	/* Everything was harvested after the last write: all clean now. */
	for (unsigned int u = 0; u < s->nunits; u++) {
		struct leaf x = { CC_BASE + (uint64_t)s->units[u].first * SZ_4K,
				  (uint64_t)s->units[u].pages * SZ_4K, 0, RW };

		cr_assert_eq(leaf_dmask(&s->t, &x), 0, "unit %u still dirty", u);
	}
	tbl_fini(&s->t);
	free(h[0].hist);
	free(h[1].hist);
	free(h);
	free(w);
	free(s);
}
