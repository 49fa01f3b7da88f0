// SPDX-License-Identifier: MIT
/*
 * test_fmt_dirty.c - harvesting hardware dirty state, the same checks on
 * every format and configuration (test/support/dfmt.h): RISC-V D, ARM DBM
 * with AP[2] / S2AP[1] (4K, 16K and 64K granules, both stages), x86-64 D,
 * VT-d second-stage D and AMD v1 D on any replica.
 *
 * Every check looks at what the library does not interpret for us: the
 * bitmap, compared word for word with one built here bit by bit, and the
 * raw entries in table memory, decoded by each family's own walker.
 * Hardware writes come from genpt_hw_access(): with tracking on it sets
 * the dirty state of the entry it went through, with tracking off a write
 * to a write-clean entry faults (-EACCES).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "dsuite.h"

/* ---------------------------------------------- every leaf size: a life -- */

/* A unit of the bitmap around a leaf: its page, at least a granule. */
static uint64_t unit(const struct df_table *t, unsigned int ps)
{
	return (1ull << ps) > df_gran(t) ? 1ull << ps : df_gran(t);
}

/* A low position for a 2^shift leaf with room around it, or false when
 * the space is too small (the top position still runs). */
static bool low_pos(const struct df_table *t, unsigned int shift, uint64_t *iova)
{
	uint64_t half = df_half(t), size = 1ull << shift;
	uint64_t slots = half ? half / size : 1ull << (64 - shift);

	if (slots < 4)
		return false;
	*iova = (1 + 0x2d5 % (slots - 3)) * size;
	return true;
}

static uint64_t leaf_oa(unsigned int shift)
{
	uint64_t oa = (0x1b3ull << shift) & ((1ull << 48) - 1);

	return oa ? oa : 1ull << shift;
}

/* Tracking on, a hardware write through one member: only it turns dirty;
 * NO_CLEAR keeps it; a harvest reports the whole leaf and cleans every
 * member; then the first and the last member. */
static void cycle_on(struct df_table *t, const struct ds_leaf *l, const struct ds_q *q,
		     char *w, int n)
{
	const struct ds_leaf *d[1] = { l };
	unsigned int nm = ds_members(t, l);
	uint64_t wmask = 1ull << ds_write_member(t, l), fl;

#define STEP(s) (snprintf(w + n, 160 - (size_t)n, ": %s", (s)), w)
	ds_hw_write(t, l, ds_write_addr(t, l));
	ds_check(t, l, wmask, STEP("hw write, tracking on"));
	df_expect_tables(t, l->iova, true, STEP("hw write, tracking on"));
	ds_expect(t, &(struct ds_q){ q->bm_iova, q->bm_len, q->ps, q->qf, q->qlen,
				      GENPT_DIRTY_NO_CLEAR },
		  d, 1, NULL, STEP("NO_CLEAR after hw write"));
	ds_check(t, l, wmask, STEP("kept by NO_CLEAR"));
	ds_expect(t, q, d, 1, l, STEP("harvest after hw write"));
	ds_check(t, l, 0, STEP("cleaned after hw write"));
	ds_expect(t, q, NULL, 0, NULL, STEP("harvest after clean"));
	ds_write_members(t, l, 1);
	ds_hw_write(t, l, ds_last(l) - 7);
	fl = 1ull | (1ull << (nm - 1 < 63 ? nm - 1 : 63));
	cr_assert_eq(ds_dmask(t, l), fl, "%s: first and last member written: %#llx", w,
		     ULL(ds_dmask(t, l)));
	ds_expect(t, q, d, 1, l, STEP("harvest after first and last member"));
	ds_check(t, l, 0, STEP("cleaned after first and last"));
	/* Every member written: one harvest reports it (one bit in a bitmap
	 * of leaf-sized pages) and cleans them all. */
	for (unsigned int i = 0; i < nm; i++)
		ds_hw_write(t, l, l->iova + (uint64_t)i * ds_member_size(t, l) + 8 * (i % 64));
	ds_check(t, l, DS_ALL, STEP("every member written"));
	ds_expect(t, &(struct ds_q){ l->iova, l->size, (unsigned int)__builtin_ctzll(l->size),
				      l->iova, l->size, 0 },
		  d, 1, l, STEP("harvest after every member, leaf-sized bitmap pages"));
	ds_check(t, l, 0, STEP("cleaned after every member"));
#undef STEP
}

/*
 * The life of one writable leaf of 2^@shift bytes: mapped with tracking
 * off (write-dirty, reported, never cleaned), tracking switched on
 * (cleaned by the first harvest), written by hardware (cycle_on), remapped
 * with tracking on (starts clean; reads and fetches leave it clean),
 * tracking off (dirty again, writes do not fault).  @top: the last leaf
 * of the space (of its upper half when sign-extended), the bitmap ending
 * there.
 */
static void leaf_cycle(const struct af_cfg *c, unsigned int shift, bool top)
{
	struct df_table t;
	struct ds_leaf l = { .size = 1ull << shift, .prot = DF_RW, .oa = leaf_oa(shift) };
	const struct ds_leaf *d[1] = { &l };
	unsigned int ps = ds_leaf_ps(shift);
	uint64_t u;
	struct ds_q q;
	char w[160];
	int n;

	df_init(&t, c, 1ull << 30);
	u = unit(&t, ps);
	if (top)
		l.iova = df_sign_extend(&t) || !df_half(&t) ? 0 - l.size : df_half(&t) - l.size;
	if ((!top && !low_pos(&t, shift, &l.iova)) || l.iova < 3 * u) {
		df_fini(&t);
		return;
	}
	q = ds_whole(l.iova - 3 * u, top ? 3 * u + l.size : 8 * u + l.size, ps, 0);
	n = snprintf(w, sizeof(w), "%s leaf 2^%u at %#llx", top ? "top" : "low", shift,
		     ULL(l.iova));
#define STEP(s) (snprintf(w + n, sizeof(w) - (size_t)n, ": %s", (s)), w)
	ds_map(&t, &l);
	ds_check(&t, &l, DS_ALL, STEP("mapped, tracking off"));
	df_expect_tables(&t, l.iova, false, STEP("mapped, tracking off"));
	ds_hw_write(&t, &l, ds_write_addr(&t, &l));
	ds_check(&t, &l, DS_ALL, STEP("written, tracking off"));
	df_expect_tables(&t, l.iova, false, STEP("written, tracking off (no table A)"));
	ds_expect(&t, &q, d, 1, NULL, STEP("harvest, tracking off"));
	ds_check(&t, &l, DS_ALL, STEP("harvested, tracking off"));

	ds_set_tracking(&t, true);
	ds_check(&t, &l, DS_ALL, STEP("tracking switched on"));
	ds_expect(&t, &q, d, 1, &l, STEP("first harvest, tracking on"));
	ds_check(&t, &l, 0, STEP("first harvest cleaned"));
	ds_expect(&t, &q, NULL, 0, NULL, STEP("second harvest"));
	cycle_on(&t, &l, &q, w, n);

	ds_unmap(&t, &l);
	ds_map(&t, &l);
	ds_check(&t, &l, 0, STEP("mapped, tracking on"));
	ds_hw_read(&t, &l, ds_write_addr(&t, &l));
	cr_assert_eq(genpt_hw_access(t.pt, l.iova, GENPT_ACCESS_EXEC, NULL), 0, "%s", w);
	ds_check(&t, &l, 0, STEP("read and exec, tracking on"));
	ds_expect(&t, &q, NULL, 0, NULL, STEP("harvest after read"));

	ds_set_tracking(&t, false);
	ds_check(&t, &l, DS_ALL, STEP("tracking switched off"));
	ds_hw_write(&t, &l, ds_last(&l) - 7);
	ds_expect(&t, &q, d, 1, NULL, STEP("harvest, tracking off again"));
	ds_check(&t, &l, DS_ALL, STEP("harvested, tracking off again"));
#undef STEP
	df_fini(&t);
}

/* A faulting hardware write through member @i of @l changes nothing. */
static void write_faults(struct df_table *t, const struct ds_leaf *l, unsigned int i,
			 uint64_t iova, const char *w)
{
	uint64_t before = ds_member_entry(t, l, i);

	cr_assert_eq(genpt_hw_access(t->pt, iova, GENPT_ACCESS_WRITE, NULL), -EACCES,
		     "%s: %s: hw write %#llx to a read-only leaf", t->name, w, ULL(iova));
	cr_assert_eq(ds_member_entry(t, l, i), before, "%s: %s: a faulting write changed the entry",
		     t->name, w);
}

/*
 * A read-only leaf is never write-dirty: not when mapped with tracking off
 * or on, not when tracking is switched off; a hardware write faults and
 * changes nothing; no harvest reports it.
 */
static void readonly_cycle(const struct af_cfg *c, unsigned int shift)
{
	struct df_table t;
	struct ds_leaf l = { .size = 1ull << shift, .prot = DF_RO, .oa = leaf_oa(shift) }, l2;
	unsigned int ps = ds_leaf_ps(shift);
	struct ds_q q;
	char w[96];

	df_init(&t, c, 1ull << 30);
	if (!low_pos(&t, shift, &l.iova) || l.iova < 3 * unit(&t, ps)) {
		df_fini(&t);
		return;
	}
	if (df_half(&t) && l.iova + 3 * l.size > df_half(&t))
		l.iova -= l.size;
	l2 = l;
	l2.iova += l.size;
	l2.oa = (l.oa + l.size) & ((1ull << 48) - 1);
	q = ds_whole(l.iova - 3 * unit(&t, ps), 8 * unit(&t, ps) + 2 * l.size, ps, 0);
	snprintf(w, sizeof(w), "read-only leaf 2^%u", shift);

	ds_map(&t, &l);
	ds_check(&t, &l, 0, w);
	ds_hw_read(&t, &l, ds_write_addr(&t, &l));
	write_faults(&t, &l, ds_write_member(&t, &l), ds_write_addr(&t, &l), w);
	ds_expect(&t, &q, NULL, 0, NULL, w);

	ds_set_tracking(&t, true);
	ds_map(&t, &l2);
	ds_check(&t, &l2, 0, w);
	write_faults(&t, &l, ds_members(&t, &l) - 1, ds_last(&l), w);
	write_faults(&t, &l2, ds_members(&t, &l2) - 1, ds_last(&l2), w);
	ds_expect(&t, &q, NULL, 0, NULL, w);
	ds_set_tracking(&t, false);
	ds_check(&t, &l, 0, w);
	ds_check(&t, &l2, 0, w);
	ds_expect(&t, &q, NULL, 0, NULL, w);
	df_fini(&t);
}

static void leaf_sizes(const struct af_cfg *c)
{
	struct df_table probe;
	unsigned int shifts[64], n;

	df_init(&probe, c, 1ull << 24);
	n = df_shifts(&probe, shifts);
	df_fini(&probe);
	for (unsigned int i = 0; i < n; i++) {
		leaf_cycle(c, shifts[i], false);
		leaf_cycle(c, shifts[i], true);
		readonly_cycle(c, shifts[i]);
	}
}

DS_TESTS(fmt_dirty, leaf_sizes)
