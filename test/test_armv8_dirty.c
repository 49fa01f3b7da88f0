// SPDX-License-Identifier: MIT
/*
 * test_armv8_dirty.c - harvesting ARM hardware dirty state (DBM with AP[2]
 * at stage 1, DBM with S2AP[1] at stage 2): genpt_read_and_clear_dirty,
 * genpt_set_dirty_tracking, and the dirty side of genpt_hw_access, for
 * pages, blocks and contiguous runs of every granule at both stages.
 *
 * Every check looks at what the library does not interpret for us: the
 * bitmap, compared word for word with one computed here bit by bit, and
 * the raw descriptors in table memory, decoded with the Arm ARM's bit
 * positions (test/support/armv8_util.h) by walking from hw_info's root.
 * Hardware writes come from genpt_hw_access: with tracking on it is an
 * SMMU with HA/HD (DBM entries are made dirty with a compare-and-swap),
 * with tracking off one without (a write to a writable-clean entry is a
 * permission fault).
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

#include "armv8_util.h"
#include "genpt/genpt.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define RO (GENPT_READ)
#define ULL(x) ((unsigned long long)(x))
#define FEAT (GENPT_FEAT_ARMV8_DBM | GENPT_FEAT_ARMV8_CONTIG)

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

/* ---------------------------------------------------------------- leaves -- */

struct leaf {
	uint64_t iova;
	uint64_t size;
	uint64_t oa;
	unsigned int prot;
};

static uint64_t leaf_last(const struct leaf *l)
{
	return l->iova + (l->size - 1);
}

static void leaf_geom(const struct arm_table *t, const struct leaf *l, unsigned int *lvl,
		      unsigned int *run)
{
	arm_shift_level(t, (unsigned int)__builtin_ctzll(l->size), lvl, run);
}

static unsigned int leaf_members(const struct arm_table *t, const struct leaf *l)
{
	unsigned int lvl, run;

	leaf_geom(t, l, &lvl, &run);
	return 1u << run;
}

static uint64_t member_size(const struct arm_table *t, const struct leaf *l)
{
	return l->size / leaf_members(t, l);
}

/* The descriptor slot of member @i, found by walking table memory. */
static uint64_t *member_slot(const struct arm_table *t, const struct leaf *l, unsigned int i)
{
	uint64_t iova = l->iova + (uint64_t)i * member_size(t, l);
	unsigned int lvl, run;
	struct arm_leaf lf;
	int err = arm_lookup(t, iova, &lf);

	leaf_geom(t, l, &lvl, &run);
	cr_assert_eq(err, 0, "%s: no leaf maps %#llx: %d", t->name, ULL(iova), err);
	cr_assert(lf.level == lvl && lf.run == run,
		  "%s: leaf at %#llx found at level %u run %u, expected level %u run %u", t->name,
		  ULL(iova), lf.level, lf.run, lvl, run);
	return arm_ptr(t, lf.desc_pa);
}

static uint64_t member_desc(const struct arm_table *t, const struct leaf *l, unsigned int i)
{
	return __atomic_load_n(member_slot(t, l, i), __ATOMIC_ACQUIRE);
}

/* The dirty state bit of a descriptor: AP[2] clear / S2AP[1] set. */
static bool desc_dirty(const struct arm_table *t, uint64_t e)
{
	return t->mode->stage2 ? (e & ARM_D_S2AP_W) != 0 : !(e & ARM_D_AP2);
}

/* Bit i = member i is writable-dirty; members 63 and up share bit 63. */
static uint64_t leaf_dmask(const struct arm_table *t, const struct leaf *l)
{
	uint64_t m = 0;

	for (unsigned int i = 0; i < leaf_members(t, l); i++) {
		uint64_t e = member_desc(t, l, i);

		if ((e & ARM_D_DBM) && desc_dirty(t, e))
			m |= 1ull << (i < 63 ? i : 63);
	}
	return m;
}

/*
 * Every member of @l is a well-formed leaf of its mapping (type, address,
 * contiguous bit, attributes for its prot), and its dirty state is exactly
 * bit i of @dmask; ~0 means every member (128-entry runs included), and
 * otherwise members from 64 on are expected clean.  Read-only leaves
 * never carry DBM and are never writable.
 */
static void check_leaf(const struct arm_table *t, const struct leaf *l, uint64_t dmask,
		       const char *when)
{
	unsigned int lvl, run, n;
	uint64_t msize;

	leaf_geom(t, l, &lvl, &run);
	n = 1u << run;
	msize = l->size / n;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t e = member_desc(t, l, i);
		bool want = dmask == ~0ull || (i < 64 && ((dmask >> i) & 1));

		cr_assert_eq(e & ARM_D_TYPE, lvl == 0 ? 3u : 1u, "%s: %s: %#llx member %u type: %#llx",
			     t->name, when, ULL(l->iova), i, ULL(e));
		cr_assert_eq(!!(e & ARM_D_CONT), run != 0, "%s: %s: %#llx member %u contiguous: %#llx",
			     t->name, when, ULL(l->iova), i, ULL(e));
		cr_assert_eq(ARM_D_ADDR(e, 12), l->oa + i * msize,
			     "%s: %s: %#llx member %u address: %#llx", t->name, when, ULL(l->iova),
			     i, ULL(e));
		arm_expect_prot(t, e, l->prot, when);
		if (!(l->prot & GENPT_WRITE)) {
			cr_assert(!want, "test bug: read-only leaf expected dirty");
			cr_assert(!desc_dirty(t, e), "%s: %s: read-only %#llx member %u writable: %#llx",
				  t->name, when, ULL(l->iova), i, ULL(e));
			continue;
		}
		cr_assert_eq(desc_dirty(t, e), want,
			     "%s: %s: leaf %#llx (size %#llx) member %u: dirty %d, expected %d (%#llx)",
			     t->name, when, ULL(l->iova), ULL(l->size), i, desc_dirty(t, e), want,
			     ULL(e));
	}
}

static uint64_t all_members(const struct arm_table *t, const struct leaf *l)
{
	unsigned int n = leaf_members(t, l);

	return n >= 64 ? ~0ull : (1ull << n) - 1;
}

static void map_leaf(struct arm_table *t, const struct leaf *l)
{
	int err = genpt_map(t->pt, l->iova, l->oa, l->size, l->prot, NULL);

	cr_assert_eq(err, 0, "%s: map %#llx+%#llx -> %#llx prot %#x: %d", t->name, ULL(l->iova),
		     ULL(l->size), ULL(l->oa), l->prot, err);
}

static void hw_write(struct arm_table *t, const struct leaf *l, uint64_t iova)
{
	uint64_t oa = ~0ull;
	int err = genpt_hw_access(t->pt, iova, GENPT_ACCESS_WRITE, &oa);

	cr_assert_eq(err, 0, "%s: hw write %#llx: %d", t->name, ULL(iova), err);
	cr_assert_eq(oa, l->oa + (iova - l->iova), "%s: hw write %#llx: oa %#llx", t->name,
		     ULL(iova), ULL(oa));
}

static void hw_read(struct arm_table *t, const struct leaf *l, uint64_t iova)
{
	uint64_t oa = ~0ull;
	int err = genpt_hw_access(t->pt, iova, GENPT_ACCESS_READ, &oa);

	cr_assert_eq(err, 0, "%s: hw read %#llx: %d", t->name, ULL(iova), err);
	cr_assert_eq(oa, l->oa + (iova - l->iova), "%s: hw read %#llx: oa %#llx", t->name,
		     ULL(iova), ULL(oa));
}

/* Write through the members named in @mask (bit i = member i). */
static void write_members(struct arm_table *t, const struct leaf *l, uint64_t mask)
{
	uint64_t ms = member_size(t, l);

	for (unsigned int i = 0; i < leaf_members(t, l) && i < 64; i++)
		if (mask & (1ull << i))
			hw_write(t, l, l->iova + (uint64_t)i * ms + 0x10 * i);
}

static void set_tracking(struct arm_table *t, bool on)
{
	cr_assert_eq(genpt_set_dirty_tracking(t->pt, on), 0);
	cr_assert_eq(genpt_dirty_tracking(t->pt), on ? 1 : 0);
}

/* --------------------------------------------------------------- bitmaps -- */

struct bmap {
	struct genpt_dirty_bitmap bm;
	uint64_t last;
	uint64_t nbits;
	uint64_t nwords;
	uint64_t *got;
	uint64_t *exp;
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

/* A sparse pre-set pattern: the library may only OR bits in. */
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
		cr_assert_fail("%s: bitmap (iova %#llx, ps %u) bit %llu (page %#llx): got %d, expected %d",
			       what, ULL(b->bm.iova), b->bm.page_shift, ULL(i),
			       ULL(b->bm.iova + (i << b->bm.page_shift)), bmap_bit(b->got, i),
			       bmap_bit(b->exp, i));
	}
}

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

static int harvest(struct arm_table *t, uint64_t first, uint64_t len, unsigned int flags,
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
 * Harvest [qf, qf + qlen) into a fresh pre-patterned bitmap and check it
 * against the @nrep spans @rep (their parts inside the query: nothing
 * outside is ever reported) and the gather against [gs, gl] (gs > gl:
 * empty).
 */
static void harvest_expect_s(struct arm_table *t, uint64_t bm_iova, uint64_t bm_len,
			     unsigned int ps, uint64_t qf, uint64_t qlen, unsigned int flags,
			     const struct span *rep, unsigned int nrep, uint64_t gs,
			     uint64_t gl, const char *what)
{
	struct bmap b;
	struct genpt_gather g;
	uint64_t ql = qf + (qlen - 1);
	int err;

	bmap_init(&b, bm_iova, bm_len, ps);
	bmap_preset(&b, ps + qf / 4096);
	genpt_gather_init(&g);
	err = harvest(t, qf, qlen, flags, &b, &g);
	cr_assert_eq(err, 0, "%s: %s: read_and_clear_dirty [%#llx, %#llx]: %d", t->name, what,
		     ULL(qf), ULL(ql), err);
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
static void harvest_expect_g(struct arm_table *t, uint64_t bm_iova, uint64_t bm_len,
			     unsigned int ps, uint64_t qf, uint64_t qlen, unsigned int flags,
			     const struct leaf *const *dirty, unsigned int ndirty, uint64_t gs,
			     uint64_t gl, const char *what)
{
	struct span rep[16];

	cr_assert_leq(ndirty, 16u, "test bug: too many dirty leaves");
	for (unsigned int i = 0; i < ndirty; i++)
		rep[i] = (struct span){ dirty[i]->iova, leaf_last(dirty[i]) };
	harvest_expect_s(t, bm_iova, bm_len, ps, qf, qlen, flags, rep, ndirty, gs, gl, what);
}

static void harvest_expect(struct arm_table *t, uint64_t bm_iova, uint64_t bm_len,
			   unsigned int ps, uint64_t qf, uint64_t qlen, unsigned int flags,
			   const struct leaf *const *dirty, unsigned int ndirty,
			   const struct leaf *cleaned, const char *what)
{
	harvest_expect_g(t, bm_iova, bm_len, ps, qf, qlen, flags, dirty, ndirty,
			 cleaned ? cleaned->iova : 1, cleaned ? leaf_last(cleaned) : 0, what);
}

/* --------------------------------- every leaf size, every mode: a life -- */

static unsigned int leaf_ps(unsigned int shift)
{
	return shift <= 30 ? 12 : shift - 18;
}

/* ---------------------------------------------------- contiguous runs -- */

/*
 * Queries over part of @run, dirty in members 3 and 9, in a bitmap
 * [bm_iova, +bm_len) starting 3 members before it: NO_CLEAR reports the
 * inside part and changes nothing; a cleaning query over the clean
 * members 4-5 reports them (the run is one leaf), cleans every member,
 * puts the whole run in the gather and carries the other members, which
 * the next queries over them report once.
 */
static void run_partial(struct arm_table *t, const struct leaf *run, uint64_t msz,
			unsigned int ps, uint64_t bm_iova, uint64_t bm_len)
{
	const struct leaf *d[1] = { run };
	const struct span m0_1 = { run->iova, run->iova + 2 * msz - 1 };
	const struct span rest[2] = { { run->iova + 2 * msz, run->iova + 4 * msz - 1 },
				      { run->iova + 6 * msz, leaf_last(run) } };

	harvest_expect(t, bm_iova, bm_len, ps, run->iova + 4 * msz, 2 * msz,
		       GENPT_DIRTY_NO_CLEAR, d, 1, NULL, "NO_CLEAR members 4-5");
	check_leaf(t, run, 1u << 3 | 1u << 9, "after NO_CLEAR members 4-5");
	harvest_expect(t, bm_iova, bm_len, ps, run->iova + 4 * msz, 2 * msz, 0, d, 1, run,
		       "members 4-5 (clean ones)");
	check_leaf(t, run, 0, "cleaned whole by members 4-5");
	harvest_expect_s(t, bm_iova, bm_len, ps, bm_iova, 3 * msz + 2 * msz, 0, &m0_1, 1, 1, 0,
			 "hole up to member 1");
	/* member 1 went with the query before: 2-3 and 6 on are left */
	harvest_expect_s(t, bm_iova, bm_len, ps, run->iova + msz, run->size + msz, 0, rest, 2, 1,
			 0, "member 1 to the neighbour");
	harvest_expect(t, bm_iova, bm_len, ps, bm_iova, bm_len, 0, NULL, 0, NULL,
		       "carry reported once");
}

/*
 * One run of the mode's page or block level between two neighbours: any
 * member written makes the whole run reported; a harvest cleans every
 * member; NO_CLEAR keeps exactly the members that were dirty; a run the
 * query covers in part is reported for the part, cleaned whole and the
 * rest carried (run_partial()).
 */
static void run_any_member(const char *mode_name, unsigned int lvl)
{
	const struct arm_mode *m = arm_mode_named(mode_name);
	struct arm_table t;
	uint64_t msz = 1ull << arm_lvl_shift(m, lvl);
	unsigned int nm = 1u << arm_contig_log2(m, lvl);
	uint64_t rsz = msz * nm;
	struct leaf run = { 4 * rsz, rsz, 8 * rsz, RW };
	struct leaf before = { run.iova - msz, msz, 3 * rsz, RW };
	struct leaf after = { run.iova + rsz, msz, 5 * rsz, RW };
	const struct leaf *d[1] = { &run };
	const struct leaf *d2[2] = { &run, &after };
	unsigned int ps = leaf_ps(arm_lvl_shift(m, lvl) + arm_contig_log2(m, lvl));
	uint64_t bm_iova = run.iova - 3 * msz, bm_len = rsz + 8 * msz;

	arm_table_init(&t, m, FEAT, 1ull << 30);
	cr_assert(arm_lvl_leaf(m, lvl) && 8 * rsz <= (1ull << m->va_bits), "test bug");
	set_tracking(&t, true);
	map_leaf(&t, &before);
	map_leaf(&t, &run);
	map_leaf(&t, &after);
	cr_assert_eq(leaf_members(&t, &run), nm);
	check_leaf(&t, &run, 0, "run mapped");

	write_members(&t, &run, 1u << 7);
	check_leaf(&t, &run, 1u << 7, "member 7 written");
	check_leaf(&t, &before, 0, "neighbour before");
	check_leaf(&t, &after, 0, "neighbour after");
	harvest_expect(&t, bm_iova, bm_len, ps, bm_iova, bm_len, 0, d, 1, &run, "member 7");
	check_leaf(&t, &run, 0, "every member cleaned");
	harvest_expect(&t, bm_iova, bm_len, ps, bm_iova, bm_len, 0, NULL, 0, NULL, "after clean");

	/* the last member (for 128-entry runs: member 127, written directly) */
	hw_write(&t, &run, run.iova + rsz - 1);
	if (nm > 64) {
		uint64_t e = member_desc(&t, &run, nm - 1);

		cr_assert(desc_dirty(&t, e), "%s: member %u not dirty", t.name, nm - 1);
		for (unsigned int i = 0; i + 1 < nm; i++)
			cr_assert(!desc_dirty(&t, member_desc(&t, &run, i)),
				  "%s: member %u dirty", t.name, i);
	} else {
		check_leaf(&t, &run, 1ull << (nm - 1), "last member written");
	}
	harvest_expect(&t, bm_iova, bm_len, ps, bm_iova, bm_len, 0, d, 1, &run, "last member");
	check_leaf(&t, &run, 0, "cleaned after the last member");

	/* first and last, reported through a query of just the run */
	write_members(&t, &run, 1);
	hw_write(&t, &run, run.iova + rsz - msz);
	harvest_expect(&t, bm_iova, bm_len, ps, run.iova, rsz, 0, d, 1, &run, "first and last");
	check_leaf(&t, &run, 0, "cleaned after first and last");

	/* NO_CLEAR keeps exactly what was dirty */
	write_members(&t, &run, 1u << 3 | 1u << 9);
	harvest_expect(&t, bm_iova, bm_len, ps, bm_iova, bm_len, GENPT_DIRTY_NO_CLEAR, d, 1, NULL,
		       "NO_CLEAR");
	check_leaf(&t, &run, 1u << 3 | 1u << 9, "after NO_CLEAR");

	run_partial(&t, &run, msz, ps, bm_iova, bm_len);

	/* with a dirty neighbour: both reported, both cleaned */
	write_members(&t, &run, 1u << 3 | 1u << 9);
	hw_write(&t, &after, after.iova);
	harvest_expect_g(&t, bm_iova, bm_len, ps, run.iova, rsz + msz, 0, d2, 2, run.iova,
			 leaf_last(&after), "run and neighbour");
	check_leaf(&t, &run, 0, "run cleaned with neighbour");
	check_leaf(&t, &after, 0, "neighbour cleaned");

	/* every member dirty */
	write_members(&t, &run, nm >= 64 ? ~0ull : (1ull << nm) - 1);
	if (nm > 64)
		for (unsigned int i = 64; i < nm; i++)
			hw_write(&t, &run, run.iova + (uint64_t)i * msz);
	check_leaf(&t, &run, all_members(&t, &run), "every member written");
	harvest_expect(&t, bm_iova, bm_len, ps, bm_iova, bm_len, 0, d, 1, &run, "all members");
	check_leaf(&t, &run, 0, "cleaned after all members");
	arm_table_fini(&t);
}

Test(armv8_dirty, contiguous_4k_pages_and_blocks)
{
	run_any_member("s1-4k-48", 0);
	run_any_member("s1-4k-48", 1);
	run_any_member("s2-4k-40", 0);
	run_any_member("s2-4k-40", 1);
}

Test(armv8_dirty, contiguous_16k_pages_and_blocks)
{
	run_any_member("s1-16k-48", 0); /* 128 members */
	run_any_member("s1-16k-48", 1);
	run_any_member("s2-16k-48", 0);
	run_any_member("s2-16k-48", 1);
}

Test(armv8_dirty, contiguous_64k_pages_and_blocks)
{
	run_any_member("s1-64k-48", 0);
	run_any_member("s1-64k-48", 1);
	run_any_member("s2-64k-46", 0);
	run_any_member("s2-64k-46", 1);
}

/* ------------------------------------------------------ bit-level life -- */

/*
 * The descriptor bits themselves, stage 1 and 2: mapped with tracking off
 * (DBM + dirty), tracking on (new ones DBM + clean), written (only the
 * dirty bit changes), cleaned (only the dirty bit changes back), without
 * HA/HD a clean entry faults and an AF=0 entry faults; with them AF is set
 * by a read and the dirty state by a write, with nothing else touched.
 */
static void bit_life(const char *mode_name)
{
	const struct arm_mode *m = arm_mode_named(mode_name);
	struct arm_table t;
	uint64_t gran = 1ull << m->granule_bits;
	struct leaf a = { 16 * gran, gran, 1ull << 40, RW };
	struct leaf b = { 32 * gran, gran, (1ull << 40) + gran, RW | GENPT_CACHE };
	uint64_t dbit = m->stage2 ? ARM_D_S2AP_W : ARM_D_AP2;
	uint64_t *slot, e0, e1, clean, dirty;

	arm_table_init(&t, m, FEAT, 1ull << 30);
	map_leaf(&t, &a);
	slot = member_slot(&t, &a, 0);
	e0 = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	dirty = m->stage2 ? (e0 | dbit) : (e0 & ~dbit);
	clean = m->stage2 ? (e0 & ~dbit) : (e0 | dbit);
	cr_assert_eq(e0, dirty, "%s: tracking off, a new writable leaf is dirty: %#llx", t.name,
		     ULL(e0));
	cr_assert(e0 & ARM_D_DBM, "%s: writable leaf without DBM", t.name);
	/* tracking off: a write needs no update */
	hw_write(&t, &a, a.iova + 8);
	cr_assert_eq(*slot, dirty);

	/* without hardware dirty update a clean entry is read-only */
	__atomic_store_n(slot, clean, __ATOMIC_RELEASE);
	cr_assert_eq(genpt_hw_access(t.pt, a.iova, GENPT_ACCESS_WRITE, NULL), -EACCES,
		     "%s: write to a clean entry without HD", t.name);
	cr_assert_eq(*slot, clean, "%s: a faulting write changed the entry", t.name);
	hw_read(&t, &a, a.iova);
	/* and an AF=0 entry faults without HA, for any access */
	__atomic_store_n(slot, dirty & ~ARM_D_AF, __ATOMIC_RELEASE);
	cr_assert_eq(genpt_hw_access(t.pt, a.iova, GENPT_ACCESS_READ, NULL), -EACCES,
		     "%s: read with AF=0 without HA", t.name);
	cr_assert_eq(*slot, dirty & ~ARM_D_AF);
	__atomic_store_n(slot, dirty, __ATOMIC_RELEASE);

	set_tracking(&t, true);
	cr_assert_eq(*slot, dirty, "%s: switching tracking on changed the entry", t.name);
	/* the harvest cleans: exactly the dirty bit flips */
	cr_assert_eq(harvest(&t, a.iova, gran, 0, NULL, NULL), 0);
	cr_assert_eq(*slot, clean, "%s: cleaned %#llx, want %#llx", t.name, ULL(*slot), ULL(clean));
	/* new leaves start clean */
	map_leaf(&t, &b);
	e1 = member_desc(&t, &b, 0);
	cr_assert(e1 & ARM_D_DBM);
	cr_assert(!desc_dirty(&t, e1), "%s: tracking on, new leaf dirty: %#llx", t.name, ULL(e1));
	/* reads leave it clean; a write flips exactly the dirty bit */
	hw_read(&t, &a, a.iova + 16);
	cr_assert_eq(*slot, clean);
	hw_write(&t, &a, a.iova + 24);
	cr_assert_eq(*slot, dirty, "%s: written %#llx, want %#llx", t.name, ULL(*slot), ULL(dirty));
	/* with HA, AF=0 is set by a read (and not the dirty state) */
	__atomic_store_n(slot, clean & ~ARM_D_AF, __ATOMIC_RELEASE);
	hw_read(&t, &a, a.iova);
	cr_assert_eq(*slot, clean, "%s: read with HA: %#llx", t.name, ULL(*slot));
	/* and by a write together with the dirty state */
	__atomic_store_n(slot, clean & ~ARM_D_AF, __ATOMIC_RELEASE);
	hw_write(&t, &a, a.iova);
	cr_assert_eq(*slot, dirty, "%s: write with HA/HD: %#llx", t.name, ULL(*slot));
	/* a denied access does not set AF */
	__atomic_store_n(slot, (clean & ~ARM_D_AF) | (m->stage2 ? 2ull << 53 : ARM_D_UXN),
			 __ATOMIC_RELEASE);
	cr_assert_eq(genpt_hw_access(t.pt, a.iova, GENPT_ACCESS_EXEC, NULL), -EACCES);
	cr_assert_eq(*slot, (clean & ~ARM_D_AF) | (m->stage2 ? 2ull << 53 : ARM_D_UXN));
	__atomic_store_n(slot, clean, __ATOMIC_RELEASE);
	/* tracking off: every writable leaf dirty again, read-only untouched */
	set_tracking(&t, false);
	cr_assert_eq(*slot, dirty);
	cr_assert(desc_dirty(&t, member_desc(&t, &b, 0)));
	arm_table_fini(&t);
}

Test(armv8_dirty, descriptor_bits_both_stages)
{
	bit_life("s1-4k-48");
	bit_life("s2-4k-48");
	bit_life("s1-16k-36");
	bit_life("s2-16k-48");
	bit_life("s1-64k-48");
	bit_life("s2-64k-46");
}

/*
 * Table descriptors never look dirty or writable-clean: a harvest over
 * ranges holding tables at every level reports only the leaves, and the
 * table descriptors carry no DBM / AP / S2AP bits.
 */
Test(armv8_dirty, table_descriptors_never_dirty)
{
	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		const struct arm_mode *m = &arm_modes[mi];
		struct arm_table t;
		uint64_t gran = 1ull << m->granule_bits, space = 1ull << m->va_bits;
		struct leaf l = { space / 2 + gran, gran, 1ull << 40, RW };
		const struct leaf *d[1] = { &l };
		uint64_t table_pa = 0;

		arm_table_init(&t, m, FEAT, 1ull << 30);
		map_leaf(&t, &l);
		set_tracking(&t, true);
		harvest_expect(&t, 0, space, m->va_bits > 30 ? m->va_bits - 18 : 12, 0, space, 0, d,
			       1, &l, "whole space, one dirty page");
		harvest_expect(&t, 0, space, m->va_bits > 30 ? m->va_bits - 18 : 12, 0, space, 0,
			       NULL, 0, NULL, "whole space, clean");
		/* the table descriptors on the way */
		table_pa = t.root_pa;
		for (unsigned int lvl = m->levels - 1; lvl > 0; lvl--) {
			unsigned int bits = lvl == m->levels - 1 ? arm_root_bits(m) : arm_stride(m);
			uint64_t idx = (l.iova >> arm_lvl_shift(m, lvl)) & ((1ull << bits) - 1);
			uint64_t e = arm_desc_at(&t, table_pa + 8 * idx);

			cr_assert_eq(e & ARM_D_TYPE, 3u, "%s: level %u descriptor %#llx", t.name, lvl,
				     ULL(e));
			cr_assert_eq(e & ~(((1ull << 48) - 1) & ~(gran - 1)), 3u,
				     "%s: table descriptor with attribute bits: %#llx", t.name, ULL(e));
			table_pa = ARM_D_ADDR(e, m->granule_bits);
		}
		arm_table_fini(&t);
	}
}

/* --------------------------------------------------- randomized model -- */

struct mleaf {
	struct leaf l;
	bool dirty;
};

#define RM_MAX 96

struct rmodel {
	struct arm_table t;
	struct mleaf ls[RM_MAX];
	unsigned int n;
	uint64_t lo, hi;
	uint64_t gran;
	bool tracking;
	bool *carried; /* per granule from lo: the table carries it */
};

/* Pages, page runs, blocks and (for the 4K granule) block runs, in a row
 * with holes, some read-only. */
static void rm_layout(struct rmodel *m, uint64_t *seed)
{
	const struct arm_mode *md = m->t.mode;
	uint64_t gran = 1ull << md->granule_bits;
	uint64_t prun = gran << arm_contig_log2(md, 0);
	uint64_t blk = 1ull << arm_lvl_shift(md, 1);
	uint64_t cur = (1ull << 37) + 4 * blk;
	unsigned int nbig = 0;

	m->lo = cur;
	while (m->n < RM_MAX) {
		uint64_t r = rnd_below(seed, 100);
		struct mleaf *x = &m->ls[m->n];
		uint64_t size;

		if (r < 8) {
			cur += (1 + rnd_below(seed, 20)) * gran;
			continue;
		}
		if (r < 45)
			size = gran;
		else if (r < 75)
			size = prun;
		else if (r < 95 || nbig >= 2)
			size = blk;
		else
			size = blk << arm_contig_log2(md, 1), nbig++;
		cur = (cur + size - 1) & ~(size - 1);
		x->l.iova = cur;
		x->l.size = size;
		x->l.oa = cur + (1ull << 44);
		x->l.prot = rnd_below(seed, 6) ? RW : RO;
		x->dirty = false;
		cur += size;
		m->n++;
		if (m->n >= 48 && rnd_below(seed, 8) == 0)
			break;
	}
	m->hi = cur - 1;
	cr_assert_lt(m->hi, 1ull << md->va_bits, "test bug: layout leaves the space");
}

static uint64_t rm_point(const struct rmodel *m, uint64_t *seed)
{
	const struct mleaf *x = &m->ls[rnd_below(seed, m->n)];
	uint64_t gran = 1ull << m->t.mode->granule_bits;

	switch (rnd_below(seed, 4)) {
	case 0:
		return x->l.iova;
	case 1:
		return x->l.iova + x->l.size;
	case 2:
		return x->l.iova + rnd_below(seed, x->l.size / gran) * gran;
	default:
		return m->lo - 16 * gran + rnd_below(seed, (m->hi + 1 - m->lo) / gran + 32) * gran;
	}
}

static void rm_check_raw(struct rmodel *m, unsigned int it)
{
	for (unsigned int i = 0; i < m->n; i++) {
		struct mleaf *x = &m->ls[i];
		uint64_t dm = leaf_dmask(&m->t, &x->l);
		char w[96];

		snprintf(w, sizeof(w), "iteration %u, leaf %u", it, i);
		if (leaf_members(&m->t, &x->l) <= 64)
			check_leaf(&m->t, &x->l, dm, w);
		cr_assert_eq(dm != 0, x->dirty, "%s: %s (%#llx size %#llx prot %#x): dirty mask %#llx, model %d",
			     m->t.name, w, ULL(x->l.iova), ULL(x->l.size), x->l.prot, ULL(dm),
			     x->dirty);
		if (!m->tracking && (x->l.prot & GENPT_WRITE) && leaf_members(&m->t, &x->l) <= 64)
			cr_assert_eq(dm, all_members(&m->t, &x->l), "%s: tracking off, mask %#llx", w,
				     ULL(dm));
	}
}

/* ------------------------------------------------- the carry, modelled -- */

/*
 * The model's carry: one flag per granule of the layout, set for the
 * granules outside a cleaning query of a dirty leaf it cleaned whole,
 * cleared when a query without NO_CLEAR or an unmap meets the granule
 * (see genpt_read_and_clear_dirty()).  Queries may reach past the layout,
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
	for (uint64_t i = (first - m->lo) / m->gran; i <= (last - m->lo) / m->gran; i++)
		m->carried[i] = on;
}

/* Expect every carried granule inside [qf, ql] in @b, a run at a time. */
static void rm_carry_expect(const struct rmodel *m, struct bmap *b, uint64_t qf, uint64_t ql)
{
	uint64_t f = qf, l = ql, i1;

	if (!rm_clip(m, &f, &l))
		return;
	i1 = (l - m->lo) / m->gran;
	for (uint64_t i = (f - m->lo) / m->gran; i <= i1; i++) {
		uint64_t j = i;

		if (!m->carried[i])
			continue;
		while (j < i1 && m->carried[j + 1])
			j++;
		bmap_expect(b, qf, ql, m->lo + i * m->gran, m->lo + (j + 1) * m->gran - 1);
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
	uint64_t n = (m->hi - m->lo) / m->gran + 1;
	unsigned int runs = 0;

	for (uint64_t i = 0; i < n; i++)
		runs += m->carried[i] && (i == 0 || !m->carried[i - 1]);
	cr_assert_leq(runs, 60u, "%s it %u: test bug: the carry nearly full (%u ranges)",
		      m->t.name, it, runs);
}

/*
 * The model's side of a harvest of [qf, ql]: carried granules are
 * reported (into @b unless NULL) and, without NO_CLEAR, forgotten; dirty
 * leaves are reported clipped to the query; a cleaning query (no
 * NO_CLEAR, tracking on) cleans every dirty leaf it meets whole (a run:
 * every member) and carries the granules outside.  [*gs, *gl] gets the
 * hull of the cleaned leaves.
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

/* Unmap a leaf (its carried granules go with it) and map it again. */
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
static void rm_harvest(struct rmodel *m, const unsigned int *shifts, uint64_t *seed,
		       unsigned int it)
{
	unsigned int ps = shifts[rnd_below(seed, 4)];
	uint64_t page = 1ull << ps;
	uint64_t a = rm_point(m, seed), b = rm_point(m, seed);
	uint64_t qf = a < b ? a : b, ql = a < b ? b : a;
	uint64_t bm_iova, bm_last, gs = UINT64_MAX, gl = 0;
	unsigned int flags = rnd_below(seed, 4) ? 0 : GENPT_DIRTY_NO_CLEAR;
	bool null_bm = rnd_below(seed, 8) == 0;
	struct genpt_gather g;
	struct bmap bm;
	char w[192];

	if (ql == qf)
		ql += m->gran;
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
	snprintf(w, sizeof(w), "%s it %u: ps %u query [%#llx, %#llx] flags %u", m->t.name, it,
		 ps, ULL(qf), ULL(ql), flags);
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
 * whole layout reports what the model says (carried granules included),
 * and a second pass reports nothing.
 */
static void rm_final_passes(struct rmodel *m, uint64_t *seed)
{
	uint64_t qf = m->lo - 16 * m->gran, end = m->hi + 1 + 16 * m->gran;

	if (!m->tracking)
		rm_switch_tracking(m);
	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t f = qf; f < end;) {
			uint64_t len = (1 + rnd_below(seed, 4096)) * m->gran * 97;
			uint64_t l = f + len - 1 < end - 1 ? f + len - 1 : end - 1;
			uint64_t gs = UINT64_MAX, gl = 0;
			struct bmap bm;
			struct genpt_gather g;

			bmap_init(&bm, f, l - f + 1, m->t.mode->granule_bits);
			genpt_gather_init(&g);
			cr_assert_eq(harvest(&m->t, f, l - f + 1, 0, &bm, &g), 0);
			rm_harvest_model(m, f, l, 0, &bm, &gs, &gl);
			cr_assert(pass == 0 || gs > gl, "%s: second pass cleaned a leaf", m->t.name);
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
	for (uint64_t i = 0; i <= (m->hi - m->lo) / m->gran; i++)
		cr_assert(!m->carried[i], "%s: granule %#llx still carried after two passes",
			  m->t.name, ULL(m->lo + i * m->gran));
}

/*
 * Random hardware writes, tracking switches, remaps and harvests against
 * a model of which leaves are dirty and which granules the table carries.
 */
static void random_dirty(const char *mode_name, uint64_t seed)
{
	struct rmodel *m = calloc(1, sizeof(*m));
	unsigned int shifts[4];

	cr_assert_not_null(m);
	arm_table_init(&m->t, arm_mode_named(mode_name), FEAT, 1ull << 30);
	m->gran = 1ull << m->t.mode->granule_bits;
	shifts[0] = m->t.mode->granule_bits;
	shifts[1] = shifts[0] + 4;
	shifts[2] = 21;
	shifts[3] = 30;
	rm_layout(m, &seed);
	m->carried = calloc((m->hi - m->lo) / m->gran + 1, sizeof(bool));
	cr_assert_not_null(m->carried);
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
			rm_harvest(m, shifts, &seed, it);
		if (it % 10 == 0 || op >= 48)
			rm_check_raw(m, it);
	}
	rm_final_passes(m, &seed);
	rm_check_raw(m, 300);
	arm_table_fini(&m->t);
	free(m->carried);
	free(m);
}

Test(armv8_dirty, random_against_model, .timeout = 300)
{
	random_dirty("s1-4k-48", 0x5eed0001);
	random_dirty("s2-4k-40", 0x5eed0002);
	random_dirty("s1-16k-48", 0x5eed0003);
	random_dirty("s2-16k-48", 0x5eed0004);
	random_dirty("s1-64k-42", 0x5eed0005);
	random_dirty("s2-64k-46", 0x5eed0006);
}

/* ---------------------------------------------------------- concurrency -- */

/*
 * Hardware writers against harvesters (as for RISC-V in test_dirty.c): a
 * block, contiguous page runs and single pages; two harvesters own
 * disjoint parts and harvest them over and over while two writers write
 * random granules.  Per write, one of the harvests that ran from the
 * write's start to one that surely started after it must report it
 * (epochs published with acq_rel read-modify-writes); nothing is reported
 * for a leaf nobody wrote, nor any leaf in part.
 */
#define CC_RUNS 4u
#define CC_SMALL 64u
#define CC_WRITERS 2
#define CC_WRITES 10000u
#define CC_MAXUNITS (1u + CC_RUNS + CC_SMALL)
#define CC_HWORDS ((CC_MAXUNITS + 63) / 64)

struct cc_unit {
	unsigned int first, pages; /* in granules from base */
};

struct cc_shared {
	struct arm_table t;
	uint64_t base, gran;
	unsigned int blk_pages, run_pages, npages, split;
	unsigned int epoch[2];
	int stop;
	unsigned int writers_done;
	uint16_t *unit_of;
	struct cc_unit units[CC_MAXUNITS];
	unsigned int nunits;
};

struct cc_rec {
	unsigned int page, from, to;
};

struct cc_writer {
	struct cc_shared *s;
	uint64_t seed;
	struct cc_rec rec[CC_WRITES];
	unsigned int errors;
};

struct cc_harvester {
	struct cc_shared *s;
	unsigned int id, first_page, npages;
	uint64_t *hist;
	unsigned int cap, harvests, errors, partial, outside;
};

static unsigned int cc_owner(const struct cc_shared *s, unsigned int page)
{
	return page < s->split ? 0 : 1;
}

static void *cc_writer_main(void *arg)
{
	struct cc_writer *w = arg;
	struct cc_shared *s = w->s;

	for (unsigned int i = 0; i < CC_WRITES; i++) {
		uint64_t r = rnd_below(&w->seed, 8);
		unsigned int p = r == 0 ? (unsigned int)rnd_below(&w->seed, s->blk_pages)
				 : r < 3 ? s->blk_pages +
						   (unsigned int)rnd_below(&w->seed, CC_RUNS * s->run_pages)
					 : s->blk_pages + CC_RUNS * s->run_pages +
						   (unsigned int)rnd_below(&w->seed, CC_SMALL);
		unsigned int *ep = &s->epoch[cc_owner(s, p)];
		uint64_t va = s->base + (uint64_t)p * s->gran + rnd_below(&w->seed, s->gran);
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
	uint64_t qf = s->base + (uint64_t)h->first_page * s->gran;
	uint64_t off = (qf - b->bm.iova) / s->gran;
	uint64_t *rep;
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
	if (genpt_read_and_clear_dirty(s->t.pt, qf, (uint64_t)h->npages * s->gran, 0, &b->bm, &g))
		h->errors++;
	genpt_gather_release(s->t.pt, &g);
	n = ++h->harvests;
	for (uint64_t i = 0; i < b->nbits; i++)
		if (bmap_bit(b->got, i) && (i < off || i >= off + h->npages))
			h->outside++;
	for (unsigned int u = 0; u < s->nunits; u++) {
		const struct cc_unit *x = &s->units[u];
		unsigned int set = 0;

		if (cc_owner(s, x->first) != h->id)
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
	struct cc_shared *s = h->s;
	struct bmap b;
	uint64_t qf = s->base + (uint64_t)h->first_page * s->gran;

	bmap_init(&b, qf - 3 * s->gran, ((uint64_t)h->npages + 5) * s->gran, s->t.mode->granule_bits);
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
		cc_harvest_once(h, &b);
	cc_harvest_once(h, &b);
	bmap_fini(&b);
	return NULL;
}

static void concurrent(const char *mode_name)
{
	struct cc_shared *s = calloc(1, sizeof(*s));
	struct cc_writer *w = calloc(CC_WRITERS, sizeof(*w));
	struct cc_harvester *h = calloc(2, sizeof(*h));
	const struct arm_mode *m = arm_mode_named(mode_name);
	pthread_t wt[CC_WRITERS], ht;
	uint8_t unit_written[CC_MAXUNITS] = { 0 };
	struct leaf l;
	struct bmap b;

	cr_assert(s && w && h);
	arm_table_init(&s->t, m, FEAT, 1ull << 30);
	s->gran = 1ull << m->granule_bits;
	s->blk_pages = 1u << arm_stride(m);
	s->run_pages = 1u << arm_contig_log2(m, 0);
	s->npages = s->blk_pages + CC_RUNS * s->run_pages + CC_SMALL;
	s->split = s->blk_pages + (CC_RUNS / 2) * s->run_pages;
	s->base = 2ull << arm_lvl_shift(m, 1);
	s->unit_of = calloc(s->npages, sizeof(uint16_t));
	cr_assert_not_null(s->unit_of);
	set_tracking(&s->t, true);
	l = (struct leaf){ s->base, (uint64_t)s->blk_pages * s->gran, 1ull << 40, RW };
	map_leaf(&s->t, &l);
	s->units[s->nunits++] = (struct cc_unit){ 0, s->blk_pages };
	for (unsigned int r = 0; r < CC_RUNS; r++) {
		unsigned int first = s->blk_pages + r * s->run_pages;

		l = (struct leaf){ s->base + first * s->gran, (uint64_t)s->run_pages * s->gran,
				   (1ull << 41) + first * s->gran, RW };
		map_leaf(&s->t, &l);
		s->units[s->nunits++] = (struct cc_unit){ first, s->run_pages };
	}
	for (unsigned int p = 0; p < CC_SMALL; p++) {
		unsigned int first = s->blk_pages + CC_RUNS * s->run_pages + p;

		l = (struct leaf){ s->base + first * s->gran, s->gran, (1ull << 42) + first * s->gran,
				   RW };
		map_leaf(&s->t, &l);
		s->units[s->nunits++] = (struct cc_unit){ first, 1 };
	}
	for (unsigned int u = 0; u < s->nunits; u++)
		for (unsigned int p = 0; p < s->units[u].pages; p++)
			s->unit_of[s->units[u].first + p] = (uint16_t)u;

	for (unsigned int i = 0; i < 2; i++) {
		h[i].s = s;
		h[i].id = i;
		h[i].first_page = i ? s->split : 0;
		h[i].npages = i ? s->npages - s->split : s->split;
	}
	cr_assert_eq(pthread_create(&ht, NULL, cc_harvester_main, &h[1]), 0);
	for (unsigned int i = 0; i < CC_WRITERS; i++) {
		w[i].s = s;
		w[i].seed = 0xc0ffee + i;
		cr_assert_eq(pthread_create(&wt[i], NULL, cc_writer_main, &w[i]), 0);
	}
	bmap_init(&b, s->base - 3 * s->gran, ((uint64_t)s->split + 5) * s->gran, m->granule_bits);
	while (__atomic_load_n(&s->writers_done, __ATOMIC_ACQUIRE) < CC_WRITERS)
		cc_harvest_once(&h[0], &b);
	for (unsigned int i = 0; i < CC_WRITERS; i++)
		cr_assert_eq(pthread_join(wt[i], NULL), 0);
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	cc_harvest_once(&h[0], &b);
	bmap_fini(&b);
	cr_assert_eq(pthread_join(ht, NULL), 0);

	for (unsigned int i = 0; i < 2; i++) {
		cr_assert_eq(h[i].errors, 0, "%s: harvester %u: failed harvests", s->t.name, i);
		cr_assert_eq(h[i].partial, 0, "%s: harvester %u: a leaf reported in part", s->t.name, i);
		cr_assert_eq(h[i].outside, 0, "%s: harvester %u: bits outside the query", s->t.name, i);
		cr_assert_gt(h[i].harvests, 1u);
	}
	for (unsigned int i = 0; i < CC_WRITERS; i++) {
		cr_assert_eq(w[i].errors, 0, "%s: writer %u: %u hw writes failed", s->t.name, i,
			     w[i].errors);
		for (unsigned int k = 0; k < CC_WRITES; k++) {
			const struct cc_rec *r = &w[i].rec[k];
			const struct cc_harvester *o = &h[cc_owner(s, r->page)];
			unsigned int to = r->to < o->harvests ? r->to : o->harvests;
			bool found = false;

			for (unsigned int n = r->from; n <= to && !found; n++)
				found = bmap_bit(&o->hist[(size_t)(n - 1) * CC_HWORDS],
						 s->unit_of[r->page]);
			cr_assert(found, "%s: writer %u write %u to page %u not reported by harvests %u..%u: a lost dirty bit",
				  s->t.name, i, k, r->page, r->from, to);
			unit_written[s->unit_of[r->page]] = 1;
		}
	}
	for (unsigned int u = 0; u < s->nunits; u++) {
		const struct cc_harvester *o = &h[cc_owner(s, s->units[u].first)];
		bool ever = false;

		for (unsigned int n = 0; n < o->harvests && !ever; n++)
			ever = bmap_bit(&o->hist[(size_t)n * CC_HWORDS], u);
		cr_assert_eq(ever, unit_written[u] != 0, "%s: unit %u: reported %d, written %u",
			     s->t.name, u, ever, unit_written[u]);
	}
	for (unsigned int u = 0; u < s->nunits; u++) {
		struct leaf x = { s->base + (uint64_t)s->units[u].first * s->gran,
				  (uint64_t)s->units[u].pages * s->gran, 0, RW };

		cr_assert_eq(leaf_dmask(&s->t, &x), 0, "%s: unit %u still dirty", s->t.name, u);
	}
	arm_table_fini(&s->t);
	free(h[0].hist);
	free(h[1].hist);
	free(s->unit_of);
	free(h);
	free(w);
	free(s);
}

Test(armv8_dirty, concurrent_writers_and_harvesters_s1, .timeout = 300)
{
	concurrent("s1-4k-48");
}

Test(armv8_dirty, concurrent_writers_and_harvesters_s2, .timeout = 300)
{
	concurrent("s2-16k-48");
}
