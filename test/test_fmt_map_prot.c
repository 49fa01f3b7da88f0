// SPDX-License-Identifier: MIT
/*
 * test_fmt_map_prot.c - what genpt writes for each prot, and what the
 * hardware walk then writes, on every configuration of af_all[]: the
 * permissions the raw decoder reads and the exact entry bits (struct
 * af_format.expect_bits), the write-dirty state a new leaf starts with,
 * the accesses the walk allows, and the accessed flags a walk sets on the
 * leaf and on the table pointers, with tracking on and off.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>

#include "fmap.h"

static const unsigned int prots[] = {
	GENPT_READ,
	GENPT_WRITE,
	GENPT_READ | GENPT_WRITE,
	GENPT_READ | GENPT_NOEXEC,
	GENPT_READ | GENPT_WRITE | GENPT_NOEXEC | GENPT_MMIO,
	GENPT_READ | GENPT_CACHE,
	GENPT_READ | GENPT_WRITE | GENPT_CACHE,
	GENPT_READ | GENPT_WRITE | GENPT_CACHE | GENPT_MMIO,
	GENPT_WRITE | GENPT_CACHE | GENPT_MMIO,
	GENPT_WRITE | GENPT_NOEXEC,
};

/* What the leaf at @iova must say of @prot: rights, exact bits, and the
 * dirty state (a new writable leaf is dirty while tracking is off, clean
 * while it is on; a read-only one never). */
static void expect_prot_leaf(const struct af_table *t, uint64_t iova, unsigned int prot,
			     bool dirty, const char *what)
{
	const struct af_cfg *c = t->c;
	unsigned int want = af_expect_prot(c, prot);
	bool r = want & GENPT_READ, w = prot & GENPT_WRITE;
	bool x = c->exec ? !(prot & GENPT_NOEXEC) : r;
	struct af_leaf lf = fh_leaf(t, iova, what);
	struct genpt_leaf_info li;

	cr_assert(lf.r == r && lf.w == w && lf.x == x && lf.accessed,
		  "%s: %s: leaf 0x%016llx: r%d w%d x%d a%d, want r%d w%d x%d a1", c->name, what,
		  ULL(lf.pte), lf.r, lf.w, lf.x, lf.accessed, r, w, x);
	if (c->dirty)
		cr_assert_eq(lf.dirty, dirty, "%s: %s: leaf 0x%016llx dirty %d", c->name, what,
			     ULL(lf.pte), lf.dirty);
	c->fmt->expect_bits(t, &lf, prot, what);
	cr_assert_eq(genpt_leaf_lookup(t->pt, iova, &li), 0, "%s: %s: leaf_lookup", c->name, what);
	cr_assert_eq(li.prot, want, "%s: %s: leaf_lookup prot 0x%x, want 0x%x", c->name, what,
		     li.prot, want);
}

/* Map a page with @prot; the walk allows exactly what the prot asks;
 * only an allowed write changes the dirty state, and only with tracking. */
static void prot_page(const struct af_table *t, uint64_t iova, unsigned int prot, bool tr)
{
	const struct af_cfg *c = t->c;
	uint64_t g = 1ull << af_gshift(c), oa = 1ull << 40;
	unsigned int want = af_expect_prot(c, prot);
	bool r = want & GENPT_READ, w = prot & GENPT_WRITE;
	bool x = c->exec ? !(prot & GENPT_NOEXEC) : r;
	char what[96];

	snprintf(what, sizeof(what), "features 0x%llx prot 0x%x tracking %d", ULL(t->features),
		 prot, tr);
	cr_assert_eq(genpt_map(t->pt, iova, oa, g, prot, NULL), 0, "%s: %s: map", c->name, what);
	expect_prot_leaf(t, iova, prot, w && !tr, what);
	fh_expect_access(t, iova, GENPT_ACCESS_READ, r ? 0 : -EACCES, oa, what);
	fh_expect_access(t, iova + 9, GENPT_ACCESS_EXEC, x ? 0 : -EACCES, oa + 9, what);
	fh_expect_access(t, iova + 8, GENPT_ACCESS_WRITE, w ? 0 : -EACCES, oa + 8, what);
	expect_prot_leaf(t, iova, prot, w, what);
	cr_assert_eq(genpt_unmap(t->pt, iova, g, NULL, NULL), 0, "%s: %s: unmap", c->name, what);
}

static void prot_bits(const struct af_cfg *c, uint64_t features)
{
	uint64_t g = 1ull << af_gshift(c);
	struct af_table t;

	af_table_init(&t, c, features, 0);
	for (int tr = 0; tr < 1 + c->dirty; tr++) {
		cr_assert_eq(genpt_set_dirty_tracking(t.pt, tr), c->dirty ? 0 : -EOPNOTSUPP,
			     "%s: set_dirty_tracking(%d)", c->name, tr);
		for (unsigned int i = 0; i < sizeof(prots) / sizeof(prots[0]); i++)
			prot_page(&t, g * (16 * i + 2 * (uint64_t)tr + 1), prots[i], tr);
	}
	af_table_fini(&t);
}

/* Every configuration with each feature set of its format that changes
 * the leaf sizes or the dirty state (DBM), and with the bit-only ones. */
Test(fmt_map, prot_bits)
{
	for (AF_EACH(c))
		fm_for_variants(c, prot_bits);
}

/* ------------------------------------------ accessed flags of the walk -- */

/* Table pointers on the way to the leaf at level @lvl: well formed, the
 * accessed flag @a set exactly when @set. */
static void expect_pointers(const struct af_table *t, const struct rawfmt *rf,
			    const uint64_t *pa, unsigned int lvl, uint64_t a, bool set,
			    const char *what)
{
	for (unsigned int l = lvl + 1; l < rf->levels; l++) {
		uint64_t e = fh_get(t, pa[l]);
		struct rawfmt_ent d = rawfmt_decode(rf, l, e);

		cr_assert_eq(d.kind, RAWFMT_TABLE, "%s: %s: level %u pointer 0x%016llx: %s",
			     t->c->name, what, l, ULL(e), d.why ? d.why : "not a pointer");
		cr_assert_eq(rawfmt_with_table_addr(rf, l, e, 0) & ~a, fm_pointer_bits(t->c, l),
			     "%s: %s: level %u pointer 0x%016llx", t->c->name, what, l, ULL(e));
		cr_assert_eq(!!(e & a), set, "%s: %s: level %u pointer 0x%016llx accessed %d",
			     t->c->name, what, l, ULL(e), !!(e & a));
	}
}

static void clear_bit(const struct af_table *t, uint64_t pa, uint64_t bit)
{
	fh_set(t, pa, fh_get(t, pa) & ~bit);
}

/*
 * Tracking on: a read sets A on the leaf (cleared by hand first), a write
 * adds the dirty state, and x86-64 and VT-d walks set A on every table
 * pointer too (RISC-V, ARM and AMD v1 pointers have none a walk sets).
 * Tracking off: the walk writes nothing, a leaf without A faults.
 */
static void walk_accessed(const struct af_table *t, uint64_t iova, const char *n)
{
	const struct af_cfg *c = t->c;
	bool ptr_a = c->fmt->fam == AF_X86_64 || c->fmt->fam == AF_VTDSS;
	uint64_t g = 1ull << af_gshift(c), oa = (1ull << 40) + g, pa[RAWFMT_MAX_LEVELS], a, e;
	struct rawfmt rf;
	struct af_leaf lf;
	unsigned int lvl;

	fh_rawfmt(t, &rf);
	a = rawfmt_accessed_bit(&rf);
	cr_assert_eq(genpt_set_dirty_tracking(t->pt, true), 0, "%s", n);
	fh_map(t, iova, oa, af_gshift(c), FH_RW);
	lvl = fh_path(t, &rf, iova, pa);
	expect_pointers(t, &rf, pa, lvl, a, false, "fresh");
	lf = fh_leaf(t, iova, "fresh");
	cr_assert(lf.accessed && !lf.dirty, "%s: fresh leaf a%d d%d", n, lf.accessed, lf.dirty);
	clear_bit(t, pa[lvl], a);
	fh_expect_access(t, iova + 0x10, GENPT_ACCESS_READ, 0, oa + 0x10, "read, tracking on");
	expect_pointers(t, &rf, pa, lvl, a, ptr_a, "read, tracking on");
	lf = fh_leaf(t, iova, "read");
	cr_assert(lf.accessed && !lf.dirty, "%s: read: a%d d%d", n, lf.accessed, lf.dirty);
	c->fmt->expect_bits(t, &lf, FH_RW, "read, tracking on");
	for (unsigned int l = lvl; l < rf.levels; l++)
		clear_bit(t, pa[l], a);
	fh_expect_access(t, iova + 0x20, GENPT_ACCESS_WRITE, 0, oa + 0x20, "write, tracking on");
	expect_pointers(t, &rf, pa, lvl, a, ptr_a, "write, tracking on");
	lf = fh_leaf(t, iova, "write");
	cr_assert(lf.accessed && lf.dirty, "%s: write: a%d d%d", n, lf.accessed, lf.dirty);
	c->fmt->expect_bits(t, &lf, FH_RW, "write, tracking on");

	cr_assert_eq(genpt_set_dirty_tracking(t->pt, false), 0, "%s", n);
	for (unsigned int l = lvl + 1; l < rf.levels; l++)
		clear_bit(t, pa[l], a);
	e = fh_get(t, pa[lvl]);
	fh_expect_access(t, iova, GENPT_ACCESS_WRITE, 0, oa, "write, tracking off");
	expect_pointers(t, &rf, pa, lvl, a, false, "write, tracking off");
	cr_assert_eq(fh_get(t, pa[lvl]), e, "%s: a write, tracking off, changed the leaf", n);
	clear_bit(t, pa[lvl], a);
	e = fh_get(t, pa[lvl]);
	fh_expect_access(t, iova, GENPT_ACCESS_READ, -EACCES, 0, "A clear, tracking off");
	expect_pointers(t, &rf, pa, lvl, a, false, "A clear, tracking off");
	cr_assert_eq(fh_get(t, pa[lvl]), e, "%s: a faulting walk changed the leaf", n);
	lf = fh_leaf(t, iova, "A clear");
	cr_assert(!lf.accessed && lf.dirty, "%s: A clear: a%d d%d", n, lf.accessed, lf.dirty);
	fh_set(t, pa[lvl], fh_get(t, pa[lvl]) | a);
	fh_expect_access(t, iova, GENPT_ACCESS_READ, 0, oa, "A set again");
	cr_assert_eq(genpt_unmap(t->pt, iova, g, NULL, NULL), 0, "%s", n);
}

Test(fmt_map, hw_walk_sets_accessed)
{
	for (AF_EACH(c)) {
		struct af_table t;

		if (!c->dirty)
			continue;
		af_table_init(&t, c, 0, 0);
		walk_accessed(&t, ((fm_half(c) - 1) / 3) & ~((1ull << af_gshift(c)) - 1), c->name);
		af_table_fini(&t);
	}
}
