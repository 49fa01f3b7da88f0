// SPDX-License-Identifier: MIT
/*
 * test_fmt_split_restore.c - leaving split mode gives the caller's table back.
 *
 * A cancelled migration must leave the guest's mappings exactly as they
 * were: genpt_set_dirty_tracking_split(on) then (off) restores the leaf
 * layout leaf by leaf (first address, size, level, run, output address,
 * permissions), with every writable leaf write-dirty (tracking is off),
 * and the same table memory.  The caller's own small pages stay small even
 * where they would merge, and a range the caller changed while split mode
 * was on stays as the caller left it.  genpt_merge() still merges whatever
 * can be.  Written once for every configuration of af_all[] with dirty
 * state whose space holds the layout (anyfmt).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "anyfmt.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define OA0 (1ull << 40)

/* The leaves of [first, last], in address order. */
struct layout {
	struct genpt_leaf_info *l;
	size_t n, cap;
};

struct env {
	const struct af_cfg *c;
	struct af_table t;
	struct genpt *pt;
	unsigned int gshift;
	uint64_t gran, big, l2; /* entry sizes of levels 0, 1, 2 */
	bool l2_leaf;           /* a level-2 leaf is in the layout */
	uint64_t b;             /* where the big-leaf regions start */
};

/* Dirty state, three levels, and room for the layout below 5 * l2.  The
 * level-2 leaf only where the format has one and splitting it to pages
 * takes at most 2^18 entries (not a 64 KiB granule's 4 TiB). */
static bool env_fits(const struct af_cfg *c)
{
	return c->dirty && c->levels >= 3 &&
	       af_va_valid(c, 5 * (1ull << af_lvl_shift(c, 2)) - 1) &&
	       OA0 + 6 * (1ull << af_lvl_shift(c, 2)) <= af_oa_end(c);
}

static void env_init(struct env *e, const struct af_cfg *c)
{
	e->c = c;
	af_table_init(&e->t, c, 0, 0);
	e->pt = e->t.pt;
	e->gshift = af_gshift(c);
	e->gran = 1ull << e->gshift;
	e->big = 1ull << af_lvl_shift(c, 1);
	e->l2 = 1ull << af_lvl_shift(c, 2);
	e->l2_leaf = (af_page_sizes(c) & e->l2) && e->l2 / e->gran <= (1ull << 18);
	e->b = 4 * e->l2;
}

static void env_fini(struct env *e)
{
	af_table_fini(&e->t);
}

/* Run @check on a fresh env of every configuration that fits one. */
static void env_each(void (*check)(struct env *e))
{
	for (AF_EACH(c)) {
		struct env e;

		if (!env_fits(c))
			continue;
		env_init(&e, c);
		check(&e);
		env_fini(&e);
	}
}

static void layout_add(struct layout *ly, const struct genpt_leaf_info *in)
{
	if (ly->n == ly->cap) {
		ly->cap = ly->cap ? 2 * ly->cap : 256;
		ly->l = realloc(ly->l, ly->cap * sizeof(*ly->l));
		cr_assert_not_null(ly->l);
	}
	ly->l[ly->n++] = *in;
}

static void layout_take(const struct env *e, uint64_t first, uint64_t len,
			struct layout *ly)
{
	for (uint64_t va = first; va < first + len;) {
		struct genpt_leaf_info in;
		int err = genpt_leaf_lookup(e->pt, va, &in);

		if (err == -ENOENT) {
			va += e->gran;
			continue;
		}
		cr_assert_eq(err, 0, "%s: lookup %#llx", e->c->name, (unsigned long long)va);
		layout_add(ly, &in);
		va = in.first + in.size;
	}
}

/* Leaf by leaf equal, and every leaf write-dirty after tracking went off. */
static void layout_expect_same(const struct env *e, const struct layout *a,
			       const struct layout *b, const char *what)
{
	cr_assert_eq(a->n, b->n, "%s: %s: %zu leaves, %zu before", e->c->name, what,
		     b->n, a->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct genpt_leaf_info *x = &a->l[i], *y = &b->l[i];

		cr_assert(x->first == y->first && x->size == y->size &&
			  x->level == y->level && x->run == y->run && x->oa == y->oa &&
			  x->prot == y->prot,
			  "%s: %s: leaf %zu at %#llx: size %#llx level %u run %u, was "
			  "%#llx size %#llx level %u run %u", e->c->name, what, i,
			  (unsigned long long)y->first, (unsigned long long)y->size,
			  y->level, y->run, (unsigned long long)x->first,
			  (unsigned long long)x->size, x->level, x->run);
		cr_assert(y->dirty || !(y->prot & GENPT_WRITE),
			  "%s: %s: writable leaf at %#llx clean with tracking off",
			  e->c->name, what, (unsigned long long)y->first);
	}
}

static void layout_free(struct layout *ly)
{
	free(ly->l);
	*ly = (struct layout){ 0 };
}

static uint64_t bytes_of(const struct env *e)
{
	uint64_t b;

	cr_assert_eq(genpt_table_bytes(e->pt, &b), 0);
	return b;
}

static void split_mode(struct env *e, bool on, unsigned int shift)
{
	struct genpt_gather g;

	genpt_gather_init(&g);
	cr_assert_eq(genpt_set_dirty_tracking_split(e->pt, on, shift, &g), 0,
		     "%s: split mode %s", e->c->name, on ? "on" : "off");
	cr_assert_eq(genpt_gather_release(e->pt, &g), 0);
}

/*
 * The caller's layout: big leaves, the same range in small pages mapped
 * one by one (they would merge), runs (output aligned below the big
 * size), and one leaf of level 2.
 */
static void map_layout(struct env *e)
{
	uint64_t b = e->b, big = e->big;

	cr_assert_eq(genpt_map(e->pt, b, OA0, 2 * big, RW, NULL), 0);
	for (uint64_t o = 0; o < big; o += e->gran)
		cr_assert_eq(genpt_map(e->pt, b + 2 * big + o, OA0 + 2 * big + o,
				       e->gran, RW, NULL), 0);
	cr_assert_eq(genpt_map(e->pt, b + 3 * big, OA0 + 4 * big + big / 8, big,
			       GENPT_READ, NULL), 0);
	if (e->l2_leaf)
		cr_assert_eq(genpt_map(e->pt, 2 * e->l2, OA0 + e->l2, e->l2, RW, NULL), 0);
}

static void take_all(const struct env *e, struct layout *ly)
{
	layout_take(e, e->b, 4 * e->big, ly);
	if (e->l2_leaf)
		layout_take(e, 2 * e->l2, e->l2, ly);
}

/* Device writes while split mode is on: each dirties one small page. */
static void write_some(struct env *e)
{
	const uint64_t at[] = { e->b + e->gran, e->b + e->big + 5 * e->gran,
				e->b + 2 * e->big, 2 * e->l2 + 7 * e->gran };

	for (unsigned int i = 0; i < (e->l2_leaf ? 4u : 3u); i++) {
		struct genpt_leaf_info in;

		cr_assert_eq(genpt_hw_access(e->pt, at[i], GENPT_ACCESS_WRITE, NULL), 0);
		cr_assert_eq(genpt_leaf_lookup(e->pt, at[i], &in), 0);
		cr_assert_eq(in.size, e->gran, "%s: split to small pages", e->c->name);
	}
}

/* The caller's layout mapped in @e's table and remembered in @before;
 * returns the table's bytes. */
static uint64_t restore_begin(struct env *e, struct layout *before)
{
	map_layout(e);
	take_all(e, before);
	return bytes_of(e);
}

/* The layout and the table memory are what restore_begin() saw. */
static void restore_expect(struct env *e, struct layout *before, uint64_t bytes0,
			   const char *what)
{
	struct layout after = { 0 };

	take_all(e, &after);
	layout_expect_same(e, before, &after, what);
	cr_assert_eq(bytes_of(e), bytes0, "%s: %s: table memory as before", e->c->name, what);
	layout_free(before);
	layout_free(&after);
}

static void exact_layout_back_on(struct env *e)
{
	struct layout before = { 0 }, merged = { 0 };
	uint64_t bytes0;

	bytes0 = restore_begin(e, &before);
	split_mode(e, true, e->gshift);
	cr_assert_gt(bytes_of(e), bytes0, "%s: leaves were split", e->c->name);
	write_some(e);
	split_mode(e, false, e->gshift);
	restore_expect(e, &before, bytes0, "on -> off");

	/* genpt_merge() keeps its meaning: the small pages merge. */
	cr_assert_eq(genpt_merge(e->pt, e->b + 2 * e->big, e->big, NULL), 0);
	layout_take(e, e->b + 2 * e->big, e->big, &merged);
	cr_assert_eq(merged.n, 1, "%s: genpt_merge merged the small pages", e->c->name);
	layout_free(&merged);
}

Test(split_restore, exact_layout_back)
{
	env_each(exact_layout_back_on);
}

/* Split mode twice, the second time finer: both splits come back. */
static void nested_split_modes_on(struct env *e)
{
	struct layout before = { 0 };
	uint64_t bytes0;

	bytes0 = restore_begin(e, &before);
	split_mode(e, true, e->gshift * 2 - 3);
	split_mode(e, true, e->gshift);
	write_some(e);
	split_mode(e, false, e->gshift);
	restore_expect(e, &before, bytes0, "nested on -> off");
}

Test(split_restore, nested_split_modes)
{
	env_each(nested_split_modes_on);
}

/*
 * What the caller changed while split mode was on stays: a big leaf with
 * one small page unmapped stays small pages with the hole, a big range
 * unmapped and mapped again with small pages elsewhere stays small pages;
 * the untouched big leaf next to them comes back.
 */
static void caller_changes_stay_on(struct env *e)
{
	struct genpt_leaf_info in;
	uint64_t b, big, oa2;

	b = e->b;
	big = e->big;
	oa2 = OA0 + 16 * big;
	cr_assert_eq(genpt_map(e->pt, b, OA0, 3 * big, RW, NULL), 0);

	split_mode(e, true, e->gshift);
	cr_assert_eq(genpt_unmap(e->pt, b + 3 * e->gran, e->gran, NULL, NULL), 0);
	cr_assert_eq(genpt_unmap(e->pt, b + big, big, NULL, NULL), 0);
	for (uint64_t o = 0; o < big; o += e->gran)
		cr_assert_eq(genpt_map(e->pt, b + big + o, oa2 + o, e->gran, RW, NULL), 0);
	split_mode(e, false, e->gshift);

	cr_assert_eq(genpt_leaf_lookup(e->pt, b, &in), 0);
	cr_assert_eq(in.size, e->gran, "%s: the big leaf with a hole stays split", e->c->name);
	cr_assert_eq(genpt_leaf_lookup(e->pt, b + 3 * e->gran, &in), -ENOENT);
	cr_assert_eq(genpt_leaf_lookup(e->pt, b + big + e->gran, &in), 0);
	cr_assert_eq(in.size, e->gran, "%s: the remapped range stays small", e->c->name);
	cr_assert_eq(in.oa, oa2 + e->gran);
	cr_assert_eq(genpt_leaf_lookup(e->pt, b + 2 * big + e->gran, &in), 0);
	cr_assert_eq(in.first, b + 2 * big, "%s: the untouched leaf is back", e->c->name);
	cr_assert_eq(in.size, big);
}

Test(split_restore, caller_changes_stay)
{
	env_each(caller_changes_stay_on);
}

/* Off without on merges nothing: the caller's small pages stay. */
static void off_alone_changes_nothing_on(struct env *e)
{
	struct layout before = { 0 }, after = { 0 };

	map_layout(e);
	cr_assert_eq(genpt_set_dirty_tracking(e->pt, true), 0);
	take_all(e, &before);
	split_mode(e, false, e->gshift);
	take_all(e, &after);
	layout_expect_same(e, &before, &after, "off alone");
	layout_free(&before);
	layout_free(&after);
}

Test(split_restore, off_alone_changes_nothing)
{
	env_each(off_alone_changes_nothing_on);
}

/*
 * Leaving split mode while the provider refuses: -ENOMEM, tracking off,
 * the leaves not merged yet stay split and noted, and the next call
 * finishes the restore exactly.
 */
static void refused_memory_then_retry_on(struct env *e)
{
	struct layout before = { 0 };
	struct genpt_gather g;
	uint64_t bytes0;
	int err;

	bytes0 = restore_begin(e, &before);
	split_mode(e, true, e->gshift);
	for (long n = 0;; n++) {
		genpt_gather_init(&g);
		e->t.prov.fail_at = e->t.prov.allocs + n;
		err = genpt_set_dirty_tracking_split(e->pt, false, e->gshift, &g);
		e->t.prov.fail_at = -1;
		cr_assert_eq(genpt_gather_release(e->pt, &g), 0);
		cr_assert_eq(genpt_dirty_tracking(e->pt), 0);
		if (!err)
			break;
		cr_assert_eq(err, -ENOMEM, "%s: off, allocation %ld refused: %d",
			     e->c->name, n, err);
		/* Back on (nothing left to split) for the next round. */
		split_mode(e, true, e->gshift);
	}
	restore_expect(e, &before, bytes0, "off after refusals");
}

Test(split_restore, refused_memory_then_retry)
{
	env_each(refused_memory_then_retry_on);
}

/*
 * A device keeps reading and writing while split mode goes on and off
 * (hardware accesses may run beside anything): every access translates,
 * none faults, and the layout still comes back exactly.  Run under TSan
 * too.
 */
struct walker {
	const struct env *e;
	int stop;
	long seq; /* odd while an access is under way */
	long accesses, bad;
};

static void *walk_device(void *arg)
{
	struct walker *w = arg;
	const struct env *e = w->e;
	unsigned int seed = 7;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		uint64_t page = (seed = seed * 1103515245u + 12345u) % (3 * (e->big / e->gran));
		uint64_t va = e->b + page * e->gran;
		/* the two big leaves and the small pages, all writable */
		unsigned int access = (seed >> 16) & 1 ? GENPT_ACCESS_WRITE : GENPT_ACCESS_READ;

		__atomic_fetch_add(&w->seq, 1, __ATOMIC_ACQ_REL);
		if (genpt_hw_access(e->pt, va, access, NULL))
			w->bad++;
		__atomic_fetch_add(&w->seq, 1, __ATOMIC_ACQ_REL);
		w->accesses++;
	}
	return NULL;
}

/* The IOTLB invalidation as far as the device is concerned: it returns
 * once an access that may have started before the edit has finished. */
static void invalidate(struct walker *w)
{
	long s = __atomic_load_n(&w->seq, __ATOMIC_ACQUIRE);

	while ((s & 1) && __atomic_load_n(&w->seq, __ATOMIC_ACQUIRE) == s)
		;
}

/* Split mode on or off beside the device: release after invalidating. */
static void split_mode_beside(struct env *e, struct walker *w, bool on)
{
	struct genpt_gather g;

	genpt_gather_init(&g);
	cr_assert_eq(genpt_set_dirty_tracking_split(e->pt, on, e->gshift, &g), 0);
	invalidate(w);
	cr_assert_eq(genpt_gather_release(e->pt, &g), 0);
}

static void device_accesses_meanwhile_on(struct env *e)
{
	struct walker w = { 0 };
	struct layout before = { 0 };
	pthread_t th;
	uint64_t bytes0;

	bytes0 = restore_begin(e, &before);
	w.e = e;
	cr_assert_eq(pthread_create(&th, NULL, walk_device, &w), 0);
	while (__atomic_load_n(&w.seq, __ATOMIC_ACQUIRE) < 2)
		; /* the device is running */
	for (int round = 0; round < 3; round++) {
		split_mode_beside(e, &w, true);
		split_mode_beside(e, &w, false);
	}
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	cr_assert_eq(pthread_join(th, NULL), 0);
	cr_assert_eq(w.bad, 0, "%s: %ld of %ld device accesses failed", e->c->name, w.bad,
		     w.accesses);
	restore_expect(e, &before, bytes0, "on -> off beside a device");
}

Test(split_restore, device_accesses_meanwhile, .timeout = 300)
{
	env_each(device_accesses_meanwhile_on);
}
