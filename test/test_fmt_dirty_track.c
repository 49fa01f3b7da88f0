// SPDX-License-Identifier: MIT
/*
 * test_fmt_dirty_track.c - switching dirty tracking on and off, on every
 * format and configuration (test/support/dfmt.h) with blocks and room for
 * sixteen of them (left out: armv8/s1-64k-25, armv8/s2-16k-29,
 * amdv1/mode1).
 *
 * Off: writable leaves are write-dirty (hardware without dirty update can
 * write them), reported by every harvest and never cleaned; read-only ones
 * never.  On: existing leaves keep their state, new ones start clean, a
 * harvest cleans, reads and fetches do not dirty, a write does.  The
 * entries are changed by hand where hardware would: without A/D update a
 * write-clean entry faults, and so does any access to one without the
 * accessed flag; with it a read sets the flag and not the dirty state.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "dsuite.h"

struct tr {
	struct df_table t;
	struct ds_leaf a, b, c, n, e, f;
	struct ds_q q;
};

static void set_accessed(struct df_table *t, const struct ds_leaf *l, bool accessed)
{
	uint64_t *slot = ds_member_slot(t, l, 0);
	uint64_t e = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	__atomic_store_n(slot, df_with_accessed(t, ds_level(t, l), e, accessed), __ATOMIC_RELEASE);
}

/* Tracking off from the start: writable leaves dirty, reported, kept. */
static void tr_off(struct tr *r)
{
	struct df_table *t = &r->t;
	const struct ds_leaf *acn[3] = { &r->a, &r->c, &r->n };

	ds_check(t, &r->a, 1, "off: rw");
	ds_check(t, &r->b, 0, "off: ro");
	ds_check(t, &r->c, 1, "off: write-only");
	ds_check(t, &r->n, DS_ALL, "off: run");
	ds_expect(t, &r->q, acn, 3, NULL, "off");
	cr_assert_eq(ds_harvest(t, r->q.qf, r->q.qlen, 0, NULL, NULL), 0);
	ds_check(t, &r->a, 1, "off: NULL bitmap cleans nothing");
	ds_check(t, &r->n, DS_ALL, "off: NULL bitmap cleans nothing");
	ds_hw_write(t, &r->a, r->a.iova);
	ds_hw_write(t, &r->n, ds_last(&r->n) - 7);
	cr_assert_eq(genpt_hw_access(t->pt, r->b.iova, GENPT_ACCESS_WRITE, NULL), -EACCES, "%s",
		     t->name);
}

/* On (twice: idempotent): existing leaves keep their state, new ones
 * start clean; reads, fetches and a read setting A do not dirty. */
static void tr_on(struct tr *r)
{
	struct df_table *t = &r->t;
	uint64_t e;

	ds_set_tracking(t, true);
	ds_set_tracking(t, true);
	ds_check(t, &r->a, 1, "on: existing rw");
	ds_check(t, &r->n, DS_ALL, "on: existing run");
	ds_map(t, &r->e);
	ds_check(t, &r->e, 0, "on: new rw");
	cr_assert_eq(ds_harvest(t, r->q.qf, r->q.qlen, 0, NULL, NULL), 0);
	ds_check(t, &r->a, 0, "on: cleaned");
	ds_check(t, &r->c, 0, "on: cleaned");
	ds_check(t, &r->n, 0, "on: cleaned");
	ds_expect(t, &r->q, NULL, 0, NULL, "on: clean");
	ds_hw_read(t, &r->a, r->a.iova + 1);
	cr_assert_eq(genpt_hw_access(t->pt, r->a.iova, GENPT_ACCESS_EXEC, NULL), 0, "%s",
		     t->name);
	if (t->c->exec) {
		/* a denied fetch does not set the accessed flag either */
		uint64_t *ns = ds_member_slot(t, &r->n, 0), ne;
		unsigned int nl = ds_level(t, &r->n);

		set_accessed(t, &r->n, false);
		ne = __atomic_load_n(ns, __ATOMIC_ACQUIRE);
		cr_assert_eq(genpt_hw_access(t->pt, r->n.iova, GENPT_ACCESS_EXEC, NULL), -EACCES,
			     "%s: exec on a NOEXEC leaf", t->name);
		cr_assert_eq(__atomic_load_n(ns, __ATOMIC_ACQUIRE), ne,
			     "%s: a denied fetch changed the entry: %#llx", t->name, ULL(ne));
		__atomic_store_n(ns, df_with_accessed(t, nl, ne, true),
				 __ATOMIC_RELEASE);
	}
	set_accessed(t, &r->a, false);
	ds_hw_read(t, &r->a, r->a.iova);
	e = ds_member_entry(t, &r->a, 0);
	cr_assert(df_accessed(t, ds_level(t, &r->a), e), "%s: on: a read sets A: %#llx", t->name,
		  ULL(e));
	cr_assert(!df_dirty(t, ds_level(t, &r->a), e), "%s: on: a read does not dirty: %#llx",
		  t->name, ULL(e));
	ds_expect(t, &r->q, NULL, 0, NULL, "on: after reads");
}

/* On: writes dirty (and set A with it when missing). */
static void tr_on_writes(struct tr *r)
{
	struct df_table *t = &r->t;
	const struct ds_leaf *acne[4] = { &r->a, &r->c, &r->n, &r->e };

	set_accessed(t, &r->a, false);
	ds_hw_write(t, &r->a, r->a.iova + df_gran(t) - 1);
	ds_check(t, &r->a, 1, "on: written");
	ds_hw_write(t, &r->c, r->c.iova);
	ds_hw_write(t, &r->n, ds_last(&r->n) - 7); /* its last member */
	ds_hw_write(t, &r->e, r->e.iova + r->e.size / 4096);
	cr_assert_eq(genpt_hw_access(t->pt, r->b.iova, GENPT_ACCESS_WRITE, NULL), -EACCES, "%s",
		     t->name);
	ds_check(t, &r->b, 0, "on: ro after write fault");
	ds_expect_leaves(t, &r->q, acne, 4, r->a.iova, ds_last(&r->e), "on: written");
}

/* Off again: every writable leaf re-dirtied, read-only ones not; writes
 * do not fault; harvests report and clean nothing, in part neither. */
static void tr_off_again(struct tr *r)
{
	struct df_table *t = &r->t;
	const struct ds_leaf *acnef[5] = { &r->a, &r->c, &r->n, &r->e, &r->f };
	const struct ds_leaf *ne[2] = { &r->n, &r->e };
	uint64_t g = df_gran(t);

	ds_hw_write(t, &r->e, r->e.iova);
	ds_set_tracking(t, false);
	ds_set_tracking(t, false);
	ds_check(t, &r->a, 1, "off again: rw");
	ds_check(t, &r->b, 0, "off again: ro");
	ds_check(t, &r->c, 1, "off again: write-only");
	ds_check(t, &r->n, DS_ALL, "off again: run");
	ds_check(t, &r->e, 1, "off again: was dirty");
	ds_hw_write(t, &r->a, r->a.iova);
	ds_hw_write(t, &r->c, r->c.iova);
	ds_write_members(t, &r->n, DS_ALL);
	ds_map(t, &r->f);
	ds_check(t, &r->f, 1, "off again: new rw");
	ds_expect(t, &r->q, acnef, 5, NULL, "off again");
	ds_expect(t, &r->q, acnef, 5, NULL, "off again, twice");
	ds_check(t, &r->n, DS_ALL, "off again: not cleaned");
	if (r->n.size > g)
		ds_expect(t, &(struct ds_q){ r->q.bm_iova, r->q.bm_len, 12, r->n.iova + g, g, 0 }, ne,
			  1, NULL, "off: part of a run");
	ds_expect(t, &(struct ds_q){ r->q.bm_iova, r->q.bm_len, 12, r->e.iova + g, r->e.size - g, 0 },
		  ne + 1, 1, NULL, "off: part of a leaf");
	ds_check(t, &r->n, DS_ALL, "off: part of a run");
	ds_check(t, &r->e, 1, "off: part of a leaf");
}

/* Hardware without A/D update: a write-clean entry faults and stays as
 * it was; an entry without A faults for a read.  Back on, the next write
 * dirties it. */
static void tr_no_update(struct tr *r)
{
	struct df_table *t = &r->t;
	uint64_t *slot = ds_member_slot(t, &r->a, 0), e;

	__atomic_store_n(slot, df_with_dirty(t, ds_level(t, &r->a), *slot, false), __ATOMIC_RELEASE);
	e = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	cr_assert_eq(genpt_hw_access(t->pt, r->a.iova, GENPT_ACCESS_WRITE, NULL), -EACCES,
		     "%s: off: write to a write-clean entry", t->name);
	cr_assert_eq(__atomic_load_n(slot, __ATOMIC_ACQUIRE), e, "%s: the fault changed it",
		     t->name);
	ds_hw_read(t, &r->a, r->a.iova);
	set_accessed(t, &r->f, false);
	e = ds_member_entry(t, &r->f, 0);
	cr_assert_eq(genpt_hw_access(t->pt, r->f.iova, GENPT_ACCESS_READ, NULL), -EACCES,
		     "%s: off: read without A", t->name);
	cr_assert_eq(ds_member_entry(t, &r->f, 0), e, "%s: the fault changed it", t->name);
	set_accessed(t, &r->f, true);

	ds_set_tracking(t, true);
	ds_hw_write(t, &r->a, r->a.iova);
	ds_check(t, &r->a, 1, "on again: written");
	cr_assert_eq(ds_harvest(t, r->q.qf, r->q.qlen, 0, NULL, NULL), 0);
	ds_expect(t, &r->q, NULL, 0, NULL, "on again: clean");
}

static bool tracking(const struct af_cfg *cfg)
{
	struct tr *r = calloc(1, sizeof(*r));
	struct df_table *t;
	uint64_t g, blk, base, run = 0;

	cr_assert_not_null(r);
	t = &r->t;
	df_init(t, cfg, 1ull << 30);
	g = df_gran(t);
	blk = df_entry_size(t, g) << (t->caps.granule_bits - 3);
	if (!(t->caps.page_sizes & blk) || (df_half(t) && 16 * blk > df_half(t))) {
		df_fini(t);
		free(r);
		return false;
	}
	for (unsigned int s = 63; s > t->caps.granule_bits; s--)
		if (((t->caps.run_sizes >> s) & 1) && df_entry_size(t, 1ull << s) == g)
			run = 1ull << s;
	run = run ? run : g;
	base = 8 * blk;
	r->a = (struct ds_leaf){ base, g, g, DF_RW };
	r->b = (struct ds_leaf){ base + blk, blk, blk, DF_RO };
	r->c = (struct ds_leaf){ base + 2 * blk, g, 3 * g, GENPT_WRITE };
	r->n = (struct ds_leaf){ base + 2 * blk + run, run, 2 * run, DF_RW | GENPT_NOEXEC };
	r->e = (struct ds_leaf){ base + 3 * blk, blk, 3 * blk, DF_RW };
	r->f = (struct ds_leaf){ base + 4 * blk, g, 8 * g, DF_RW };
	r->q = ds_whole(base - 3 * g, 6 * blk, 12, 0);
	ds_map(t, &r->a);
	ds_map(t, &r->b);
	ds_map(t, &r->c);
	ds_map(t, &r->n);
	tr_off(r);
	tr_on(r);
	tr_on_writes(r);
	tr_off_again(r);
	tr_no_update(r);
	df_fini(t);
	free(r);
	return true;
}

Test(fmt_dirty_track, tracking_on_off_every_configuration)
{
	ds_each_cfg(tracking, 6);
}
