// SPDX-License-Identifier: MIT
/*
 * test_armv8_split.c - genpt_split / genpt_merge on ARM VMSAv8-64 tables:
 * blocks down to pages and back in every mode, contiguous page and block
 * runs re-encoded in place, the dirty state (AP[2] / S2AP[1] with DBM)
 * carried both ways, merges refused for differing attributes, and
 * hardware writes racing split and merge.  Leaf sizes are read with the
 * tests' own raw walk (arm_lookup).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "armv8_util.h"
#include "genpt/genpt.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define OA_BASE (1ull << 40)
#define ULL(x) ((unsigned long long)(x))

static unsigned int leaf_shift(const struct arm_table *t, uint64_t va)
{
	struct arm_leaf l;

	cr_assert_eq(arm_lookup(t, va, &l), 0, "%s: no leaf at %#llx", t->name, ULL(va));
	return l.shift;
}

static void expect_linear(const struct arm_table *t, uint64_t va, uint64_t len, uint64_t stride)
{
	for (uint64_t off = 0; off < len; off += stride) {
		uint64_t oa;

		cr_assert_eq(genpt_iova_to_phys(t->pt, va + off + 0x123, &oa), 0);
		cr_assert_eq(oa, OA_BASE + off + 0x123, "%s: at %#llx", t->name, ULL(va + off));
		cr_assert_eq(genpt_hw_access(t->pt, va + off + 0x123, GENPT_ACCESS_READ, &oa), 0);
		cr_assert_eq(oa, OA_BASE + off + 0x123);
	}
}

/* Pages (of 2^ps) reported dirty in [va, va + len). */
static uint64_t count_dirty(struct arm_table *t, uint64_t va, uint64_t len, unsigned int ps,
			    unsigned int flags)
{
	uint64_t npages = len >> ps, words = (npages + 63) / 64, n = 0;
	uint64_t *bits = calloc(words, 8);
	struct genpt_dirty_bitmap bm = { bits, va, len, ps };
	struct genpt_gather g;

	cr_assert_not_null(bits);
	genpt_gather_init(&g);
	cr_assert_eq(genpt_read_and_clear_dirty(t->pt, va, len, flags, &bm, &g), 0);
	cr_assert_eq(genpt_gather_release(t->pt, &g), 0);
	for (uint64_t i = 0; i < words; i++)
		n += (uint64_t)__builtin_popcountll(bits[i]);
	free(bits);
	return n;
}

/* The largest block of every mode down to pages, and merged back. */
Test(armv8_split, largest_block_to_pages_and_back_every_mode)
{
	for (unsigned int mi = 0; mi < arm_nmodes; mi++) {
		const struct arm_mode *m = &arm_modes[mi];
		struct arm_table t;
		struct genpt_gather g;
		unsigned int top = m->granule_bits == 12 && m->levels > 2 ? 2 : 1;
		uint64_t gran = 1ull << m->granule_bits, blk, va, bytes0;

		if (m->levels < 2)
			continue;
		blk = 1ull << arm_lvl_shift(m, top);
		va = 3 * blk;
		if (4 * blk > (1ull << m->va_bits))
			continue;
		arm_table_init(&t, m, GENPT_FEAT_ARMV8_DBM, 0);
		cr_assert_eq(genpt_map(t.pt, va, OA_BASE, blk, RW, NULL), 0);
		bytes0 = arm_table_bytes(&t);
		cr_assert_eq(leaf_shift(&t, va), arm_lvl_shift(m, top));

		genpt_gather_init(&g);
		cr_assert_eq(genpt_split(t.pt, va, blk, m->granule_bits, &g), 0, "%s", t.name);
		cr_assert_eq(g.start, va);
		cr_assert_eq(g.last, va + blk - 1);
		cr_assert_eq(genpt_gather_release(t.pt, &g), 0);
		cr_assert_eq(leaf_shift(&t, va), m->granule_bits);
		cr_assert_eq(leaf_shift(&t, va + blk - gran), m->granule_bits);
		/* a table per level below the block */
		cr_assert_eq(arm_table_bytes(&t),
			     bytes0 + gran * (top == 2 ? 1 + (1ull << arm_stride(m)) : 1));
		expect_linear(&t, va, blk, blk / 8 + gran);

		genpt_gather_init(&g);
		cr_assert_eq(genpt_merge(t.pt, va, blk, &g), 0);
		cr_assert_not_null(g.freed);
		cr_assert_eq(genpt_gather_release(t.pt, &g), 0);
		cr_assert_eq(leaf_shift(&t, va + 77 * gran), arm_lvl_shift(m, top));
		cr_assert_eq(arm_table_bytes(&t), bytes0);
		{
			struct arm_leaf l;

			cr_assert_eq(arm_lookup(&t, va, &l), 0);
			arm_expect_prot(&t, l.desc, RW, "merged block");
		}
		cr_assert_eq(genpt_unmap(t.pt, va, blk, NULL, NULL), 0);
		arm_table_fini(&t);
	}
}

/*
 * Contiguous runs: a block splits into runs of pages (one table, the
 * contiguous bit on every member, each with its own address), a run into
 * plain pages in place, and merges reverse each step.  Block runs
 * re-encode in place too.
 */
static void runs(const char *mode_name)
{
	const struct arm_mode *m = arm_mode_named(mode_name);
	struct arm_table t;
	uint64_t gran = 1ull << m->granule_bits;
	unsigned int pk = arm_contig_log2(m, 0), bk = arm_contig_log2(m, 1);
	uint64_t prun = gran << pk, blk = 1ull << arm_lvl_shift(m, 1), brun = blk << bk;
	uint64_t va = 2 * brun, bytes0;
	struct arm_leaf l;

	arm_table_init(&t, m, ARM_ALL_FEAT, 0);
	cr_assert_eq(genpt_set_dirty_tracking(t.pt, true), 0);
	cr_assert_eq(genpt_map(t.pt, va, OA_BASE, brun, RW, NULL), 0);
	cr_assert_eq(leaf_shift(&t, va), arm_lvl_shift(m, 1) + bk, "%s: a block run", t.name);
	bytes0 = arm_table_bytes(&t);

	/* the block run -> plain blocks, in place */
	cr_assert_eq(genpt_split(t.pt, va, brun, arm_lvl_shift(m, 1), NULL), 0);
	cr_assert_eq(arm_table_bytes(&t), bytes0);
	cr_assert_eq(arm_lookup(&t, va + 3 * blk, &l), 0);
	cr_assert(l.run == 0 && l.level == 1 && !(l.desc & ARM_D_CONT), "%s: %#llx", t.name,
		  ULL(l.desc));
	/* one block -> runs of pages */
	cr_assert_eq(genpt_split(t.pt, va + blk, blk, m->granule_bits + pk, NULL), 0);
	cr_assert_eq(arm_table_bytes(&t), bytes0 + gran);
	for (uint64_t off = 0; off < blk; off += prun) {
		cr_assert_eq(arm_lookup(&t, va + blk + off + 5 * gran, &l), 0);
		cr_assert_eq(l.shift, m->granule_bits + pk);
		cr_assert(l.desc & ARM_D_CONT);
		cr_assert_eq(ARM_D_ADDR(l.desc, 12), OA_BASE + blk + off + 5 * gran);
	}
	expect_linear(&t, va, brun, gran * 7);
	/* one run -> plain pages in place; a write through one of them */
	cr_assert_eq(genpt_split(t.pt, va + blk + 3 * prun, gran, m->granule_bits, NULL), 0);
	cr_assert_eq(arm_table_bytes(&t), bytes0 + gran);
	cr_assert_eq(leaf_shift(&t, va + blk + 3 * prun + gran), m->granule_bits);
	cr_assert_eq(leaf_shift(&t, va + blk + 4 * prun), m->granule_bits + pk);
	cr_assert_eq(genpt_hw_access(t.pt, va + blk + 3 * prun + 2 * gran, GENPT_ACCESS_WRITE, NULL),
		     0);
	cr_assert_eq(count_dirty(&t, va, brun, m->granule_bits, GENPT_DIRTY_NO_CLEAR), 1);

	/* merge the pages into a run (dirty through one member), the runs
	 * into a block, the blocks into the block run */
	cr_assert_eq(genpt_merge(t.pt, va + blk + 3 * prun, prun, NULL), 0);
	cr_assert_eq(leaf_shift(&t, va + blk + 3 * prun), m->granule_bits + pk);
	cr_assert_eq(count_dirty(&t, va, brun, m->granule_bits, GENPT_DIRTY_NO_CLEAR), 1ull << pk);
	cr_assert_eq(genpt_merge(t.pt, va, brun, NULL), 0);
	cr_assert_eq(leaf_shift(&t, va + blk + 3), arm_lvl_shift(m, 1) + bk);
	cr_assert_eq(arm_table_bytes(&t), bytes0);
	/* the whole run is dirty now, and cleaned whole */
	cr_assert_eq(count_dirty(&t, va, brun, arm_lvl_shift(m, 1), 0), 1ull << bk);
	cr_assert_eq(count_dirty(&t, va, brun, arm_lvl_shift(m, 1), 0), 0);
	expect_linear(&t, va, brun, blk / 2 + gran);
	arm_table_fini(&t);
}

Test(armv8_split, contiguous_runs_4k) { runs("s1-4k-48"); runs("s2-4k-40"); }
Test(armv8_split, contiguous_runs_16k) { runs("s1-16k-48"); runs("s2-16k-48"); }
Test(armv8_split, contiguous_runs_64k) { runs("s1-64k-48"); runs("s2-64k-46"); }

/* The dirty state at the descriptor: children of a dirty block are dirty;
 * a merged block is dirty when a child was; read-only stays read-only. */
static void dirty_both_ways(const char *mode_name)
{
	const struct arm_mode *m = arm_mode_named(mode_name);
	struct arm_table t;
	uint64_t gran = 1ull << m->granule_bits, blk = 1ull << arm_lvl_shift(m, 1);
	uint64_t va = 4 * blk, ro = 6 * blk;
	struct arm_leaf l;

	arm_table_init(&t, m, GENPT_FEAT_ARMV8_DBM, 0);
	cr_assert_eq(genpt_set_dirty_tracking(t.pt, true), 0);
	cr_assert_eq(genpt_map(t.pt, va, OA_BASE, blk, RW, NULL), 0);
	cr_assert_eq(genpt_map(t.pt, ro, OA_BASE, blk, GENPT_READ, NULL), 0);
	cr_assert_eq(genpt_hw_access(t.pt, va + 12345, GENPT_ACCESS_WRITE, NULL), 0);
	cr_assert_eq(genpt_split(t.pt, va, blk, m->granule_bits, NULL), 0);
	cr_assert_eq(genpt_split(t.pt, ro, blk, m->granule_bits, NULL), 0);
	for (uint64_t off = 0; off < blk; off += blk / 16) {
		cr_assert_eq(arm_lookup(&t, va + off, &l), 0);
		cr_assert(l.desc & ARM_D_DBM);
		cr_assert(m->stage2 ? (l.desc & ARM_D_S2AP_W) : !(l.desc & ARM_D_AP2),
			  "%s: child %#llx not dirty: %#llx", t.name, ULL(off), ULL(l.desc));
		arm_expect_prot(&t, l.desc, RW, "split child");
		cr_assert_eq(arm_lookup(&t, ro + off, &l), 0);
		arm_expect_prot(&t, l.desc, GENPT_READ, "read-only split child");
	}
	cr_assert_eq(count_dirty(&t, va, blk, m->granule_bits, 0), blk / gran);
	cr_assert_eq(count_dirty(&t, va, blk, m->granule_bits, 0), 0);
	/* one page written: the merged block is dirty */
	cr_assert_eq(genpt_hw_access(t.pt, va + blk - gran, GENPT_ACCESS_WRITE, NULL), 0);
	cr_assert_eq(genpt_merge(t.pt, va, blk, NULL), 0);
	cr_assert_eq(genpt_merge(t.pt, ro, blk, NULL), 0);
	cr_assert_eq(arm_lookup(&t, va, &l), 0);
	cr_assert_eq(l.level, 1);
	cr_assert(m->stage2 ? (l.desc & ARM_D_S2AP_W) : !(l.desc & ARM_D_AP2), "%s: %#llx", t.name,
		  ULL(l.desc));
	cr_assert_eq(arm_lookup(&t, ro, &l), 0);
	cr_assert_eq(l.level, 1);
	arm_expect_prot(&t, l.desc, GENPT_READ, "read-only merged");
	cr_assert_eq(genpt_hw_access(t.pt, ro, GENPT_ACCESS_WRITE, NULL), -EACCES);
	arm_table_fini(&t);
}

Test(armv8_split, dirty_state_carries_both_ways)
{
	dirty_both_ways("s1-4k-48");
	dirty_both_ways("s2-4k-48");
	dirty_both_ways("s1-16k-36");
	dirty_both_ways("s2-16k-48");
	dirty_both_ways("s1-64k-42");
	dirty_both_ways("s2-64k-48");
}

/* Different attributes (cacheability, permissions) or addresses: no merge. */
Test(armv8_split, merge_needs_equal_attributes)
{
	struct arm_table t;
	uint64_t gran = 4096, blk = 1ull << 21, va = 1ull << 30;

	arm_table_init(&t, arm_mode_named("s1-4k-39"), GENPT_FEAT_ARMV8_DBM, 0);
	cr_assert_eq(genpt_map(t.pt, va, OA_BASE, blk - gran, RW, NULL), 0);
	cr_assert_eq(genpt_map(t.pt, va + blk - gran, OA_BASE + blk - gran, gran, RW | GENPT_CACHE,
			       NULL), 0);
	cr_assert_eq(genpt_merge(t.pt, va, blk, NULL), 0);
	cr_assert_eq(leaf_shift(&t, va), 12);
	cr_assert_eq(genpt_unmap(t.pt, va + blk - gran, gran, NULL, NULL), 0);
	cr_assert_eq(genpt_map(t.pt, va + blk - gran, OA_BASE + blk - gran, gran, RW | GENPT_NOEXEC,
			       NULL), 0);
	cr_assert_eq(genpt_merge(t.pt, va, blk, NULL), 0);
	cr_assert_eq(leaf_shift(&t, va), 12);
	cr_assert_eq(genpt_unmap(t.pt, va + blk - gran, gran, NULL, NULL), 0);
	cr_assert_eq(genpt_map(t.pt, va + blk - gran, OA_BASE + blk - gran, gran, RW, NULL), 0);
	cr_assert_eq(genpt_merge(t.pt, va, blk, NULL), 0);
	cr_assert_eq(leaf_shift(&t, va), 21);
	arm_table_fini(&t);
}

/* Hardware writes racing split and merge: no write ever faults, and every
 * page written is reported afterwards. */
struct race {
	struct arm_table *t;
	uint64_t va, len, gran;
	int stop;
	unsigned int faults;
	uint64_t *written; /* one bit per granule */
	uint64_t seed;
};

static void *race_writer(void *arg)
{
	struct race *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		uint64_t z = (r->seed += 0x9e3779b97f4a7c15ull);
		uint64_t page;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z ^= z >> 31;
		page = z % (r->len / r->gran);
		if (genpt_hw_access(r->t->pt, r->va + page * r->gran + 8, GENPT_ACCESS_WRITE, NULL))
			__atomic_fetch_add(&r->faults, 1, __ATOMIC_RELAXED);
		r->written[page / 64] |= 1ull << (page % 64);
	}
	return NULL;
}

static void race(const char *mode_name)
{
	const struct arm_mode *m = arm_mode_named(mode_name);
	struct arm_table t;
	struct race r = { 0 };
	pthread_t th;
	struct genpt_gather g;
	uint64_t blk = 1ull << arm_lvl_shift(m, 1), npages, words, *bits;
	struct genpt_dirty_bitmap bm;

	arm_table_init(&t, m, ARM_ALL_FEAT, 0);
	cr_assert_eq(genpt_set_dirty_tracking(t.pt, true), 0);
	r.t = &t;
	r.gran = 1ull << m->granule_bits;
	r.va = 2 * blk;
	r.len = 2 * blk;
	r.seed = 77;
	npages = r.len / r.gran;
	words = (npages + 63) / 64;
	r.written = calloc(words, 8);
	bits = calloc(words, 8);
	cr_assert(r.written && bits);
	cr_assert_eq(genpt_map(t.pt, r.va, OA_BASE, r.len, RW, NULL), 0);
	cr_assert_eq(pthread_create(&th, NULL, race_writer, &r), 0);
	/* Replaced tables wait in the gather until the "device" stopped: with
	 * no IOTLB to invalidate, that is what the invalidation's completion
	 * means here (no walk still holds a pointer into a replaced table). */
	genpt_gather_init(&g);
	for (int i = 0; i < 40; i++) {
		cr_assert_eq(genpt_split(t.pt, r.va, r.len, i & 1 ? m->granule_bits
							       : m->granule_bits + arm_contig_log2(m, 0),
					 &g), 0);
		cr_assert_eq(genpt_merge(t.pt, r.va, r.len, &g), 0);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	cr_assert_eq(pthread_join(th, NULL), 0);
	cr_assert_eq(genpt_gather_release(t.pt, &g), 0);
	cr_assert_eq(r.faults, 0, "%s: %u hardware writes faulted during split/merge", t.name,
		     r.faults);
	bm = (struct genpt_dirty_bitmap){ bits, r.va, r.len, m->granule_bits };
	cr_assert_eq(genpt_read_and_clear_dirty(t.pt, r.va, r.len, 0, &bm, NULL), 0);
	for (uint64_t i = 0; i < words; i++)
		cr_assert_eq(r.written[i] & ~bits[i], 0, "%s: written pages not reported (word %llu)",
			     t.name, ULL(i));
	free(r.written);
	free(bits);
	arm_table_fini(&t);
}

Test(armv8_split, hardware_writes_race_split_and_merge, .timeout = 300)
{
	race("s1-4k-48");
	race("s2-16k-48");
}
