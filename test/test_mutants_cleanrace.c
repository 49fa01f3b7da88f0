// SPDX-License-Identifier: MIT
/*
 * test_mutants_cleanrace.c - a harvest cleans a dirty leaf WITHOUT the
 * accessed flag (genpt never makes one; a table built elsewhere may hold
 * it) with a compare-and-swap, and when hardware sets the flag between
 * the harvest's read and its swap, the swap fails and must be retried
 * (include/genpt/table.h, genpt_read_and_clear_dirty): hardware setting A
 * on an entry does not dirty it, so after the harvest every entry is
 * write-clean.
 *
 * No hook in lib/core: the harvest's loop is its hot path, and nothing
 * calls out between its read and its swap.  So a "hardware" thread keeps
 * sweeping the leaf table setting A (an atomic OR, what a walker's A
 * update is) while the test plants the entries dirty without A and
 * harvests, a few hundred times per configuration; on correct code every
 * entry is clean after every harvest, whatever the interleaving.  The
 * mutant clean-cas-retry (scripts/mutants/mutants.tsv) leaves an entry
 * dirty whenever the OR lands in the window: measured in docs/testing.md.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>

#include "dfmt.h"

#define N 512        /* granule leaves, one leaf table where tables hold 512 */
#define CYCLES 200   /* per configuration */

struct sweeper {
	uint64_t *slot[N];
	uint64_t a_bit;
	int stop;
};

static void *sweep(void *arg)
{
	struct sweeper *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
		for (unsigned int j = 0; j < N; j++)
			__atomic_fetch_or(s->slot[j], s->a_bit, __ATOMIC_ACQ_REL);
	return NULL;
}

/* Returns the harvests after which an entry was still dirty. */
static unsigned int race(const struct af_cfg *c)
{
	struct df_table t;
	struct sweeper s = { 0 };
	uint64_t planted[N], g, A, size, bits[(N + 63) / 64];
	struct genpt_dirty_bitmap bm;
	unsigned int bad = 0;
	pthread_t th;

	df_init(&t, c, 0);
	g = df_gran(&t);
	A = 1ull << af_lvl_shift(c, 1); /* the span of one leaf table */
	/* Output one granule off: no run or block can map it. */
	cr_assert_eq(genpt_map(t.pt, A, A + g, N * g, DF_RW, NULL), 0, "%s", t.name);
	for (unsigned int j = 0; j < N; j++) {
		unsigned int lvl = 9;

		s.slot[j] = df_slot(&t, A + j * g, &size, &lvl);
		cr_assert(s.slot[j] && size == g && lvl == 0, "%s: granule %u", t.name, j);
		planted[j] = df_with_accessed(&t, 0, df_with_dirty(&t, 0, *s.slot[j], true), false);
	}
	s.a_bit = rawfmt_accessed_bit(&t.rf);
	cr_assert_eq(genpt_set_dirty_tracking(t.pt, true), 0, "%s", t.name);
	bm = (struct genpt_dirty_bitmap){ bits, A, N * g, af_gshift(c) };
	cr_assert_eq(pthread_create(&th, NULL, sweep, &s), 0);
	for (unsigned int k = 0; k < CYCLES; k++) {
		bool dirty = false;

		for (unsigned int j = 0; j < N; j++)
			__atomic_store_n(s.slot[j], planted[j], __ATOMIC_RELEASE);
		cr_assert_eq(genpt_read_and_clear_dirty(t.pt, A, N * g, 0, &bm, NULL), 0, "%s",
			     t.name);
		for (unsigned int j = 0; j < N; j++)
			dirty |= df_dirty(&t, 0, __atomic_load_n(s.slot[j], __ATOMIC_ACQUIRE));
		bad += dirty;
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	df_fini(&t);
	return bad;
}

Test(mutants_cleanrace, harvest_retries_when_hardware_sets_a)
{
	unsigned int ran = 0;

	for (AF_EACH(c)) {
		unsigned int bad;

		if (!c->dirty || c->levels < 2)
			continue;
		bad = race(c);
		cr_expect_eq(bad, 0, "%s: %u of %d harvests left an entry dirty that hardware only "
			     "set A in", c->name, bad, CYCLES);
		ran++;
	}
	cr_assert_gt(ran, 0);
}
