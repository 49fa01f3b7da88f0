// SPDX-License-Identifier: MIT
/*
 * test_split.c - genpt_split / genpt_merge / genpt_set_dirty_tracking_split
 * on RISC-V tables: sizes down and back up, dirty state carried both ways,
 * Svnapot runs, straddling leaves, errors with nothing changed, -ENOMEM at
 * every allocation, and hardware writes racing split and merge.
 *
 * Leaf sizes are read with tu_lookup(), the tests' own raw walk.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/genpt.h"
#include "testutil.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define OA_BASE (1ull << 40)

static unsigned int leaf_shift(const struct tu_table *t, uint64_t va)
{
	struct tu_leaf l;

	cr_assert_eq(tu_lookup(t, va, &l), 0, "no leaf at %#llx", (unsigned long long)va);
	return l.shift;
}

/* Every page of [va, va + len) at stride translates to OA_BASE + offset. */
static void expect_linear(const struct tu_table *t, uint64_t va, uint64_t len,
			  uint64_t stride)
{
	for (uint64_t off = 0; off < len; off += stride) {
		uint64_t oa;

		cr_assert_eq(genpt_iova_to_phys(t->pt, va + off + 0x123, &oa), 0);
		cr_assert_eq(oa, OA_BASE + off + 0x123, "at %#llx",
			     (unsigned long long)(va + off));
	}
}

static void release(struct tu_table *t, struct genpt_gather *g)
{
	cr_assert_eq(genpt_gather_release(t->pt, g), 0);
}

/* The pages reported dirty in [va, va + len) (4K bitmap). */
static uint64_t *harvest(struct tu_table *t, uint64_t va, uint64_t len,
			 unsigned int flags)
{
	uint64_t words = ((len >> 12) + 63) / 64;
	uint64_t *bits = calloc(words, 8);
	struct genpt_dirty_bitmap bm = { bits, va, len, 12 };
	struct genpt_gather g;

	cr_assert_not_null(bits);
	genpt_gather_init(&g);
	cr_assert_eq(genpt_read_and_clear_dirty(t->pt, va, len, flags, &bm, &g), 0);
	release(t, &g);
	return bits;
}

static uint64_t count_bits(const uint64_t *bits, uint64_t npages)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < (npages + 63) / 64; i++)
		n += (uint64_t)__builtin_popcountll(bits[i]);
	return n;
}

static bool bit(const uint64_t *bits, uint64_t i)
{
	return bits[i / 64] >> (i % 64) & 1;
}

Test(split, gigabyte_down_to_4k_and_back_in_every_mode)
{
	static const int modes[] = { TU_SV39, TU_SV48, TU_SV57, TU_SV39X4, TU_SV48X4, TU_SV57X4 };

	for (unsigned int m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct tu_table t;
		struct genpt_gather g;
		uint64_t va = 3 * TU_1G, bytes0;

		tu_table_init(&t, modes[m], 0, 0);
		cr_assert_eq(genpt_map(t.pt, va, OA_BASE, TU_1G, RW, NULL), 0);
		bytes0 = tu_table_bytes(&t);
		cr_assert_eq(leaf_shift(&t, va), 30);

		/* 1G -> 2M: one level-0... level-1 table of 512 2M leaves. */
		genpt_gather_init(&g);
		cr_assert_eq(genpt_split(t.pt, va, TU_1G, 21, &g), 0);
		cr_assert_eq(tu_table_bytes(&t), bytes0 + 4096);
		cr_assert_eq(leaf_shift(&t, va + 5 * TU_2M), 21);
		cr_assert_eq(g.start, va);
		cr_assert_eq(g.last, va + TU_1G - 1);
		release(&t, &g);
		expect_linear(&t, va, TU_1G, TU_2M);

		/* 2M -> 4K for a 4M window: two level-0 tables. */
		cr_assert_eq(genpt_split(t.pt, va + TU_2M, 2 * TU_2M, 12, NULL), 0);
		cr_assert_eq(tu_table_bytes(&t), bytes0 + 3 * 4096);
		cr_assert_eq(leaf_shift(&t, va), 21);
		cr_assert_eq(leaf_shift(&t, va + TU_2M), 12);
		cr_assert_eq(leaf_shift(&t, va + 3 * TU_2M - TU_4K), 12);
		cr_assert_eq(leaf_shift(&t, va + 3 * TU_2M), 21);
		expect_linear(&t, va, 4 * TU_2M, TU_4K);

		/* And back: merge the whole gigabyte. */
		genpt_gather_init(&g);
		cr_assert_eq(genpt_merge(t.pt, va, TU_1G, &g), 0);
		cr_assert_not_null(g.freed);
		release(&t, &g);
		cr_assert_eq(leaf_shift(&t, va + 77 * TU_4K), 30);
		cr_assert_eq(tu_table_bytes(&t), bytes0);
		expect_linear(&t, va, TU_1G, TU_2M / 2);

		cr_assert_eq(genpt_unmap(t.pt, va, TU_1G, NULL, NULL), 0);
		tu_table_fini(&t);
	}
}

Test(split, straight_to_4k_builds_the_whole_subtree)
{
	struct tu_table t;
	uint64_t va = 5 * TU_1G, bytes0;

	tu_table_init(&t, TU_SV39, 0, 0);
	cr_assert_eq(genpt_map(t.pt, va, OA_BASE, TU_1G, RW, NULL), 0);
	bytes0 = tu_table_bytes(&t);
	/* Only one page of the range: the straddling 1G leaf splits whole. */
	cr_assert_eq(genpt_split(t.pt, va + 7 * TU_4K, TU_4K, 12, NULL), 0);
	cr_assert_eq(tu_table_bytes(&t), bytes0 + 513 * 4096ull);
	cr_assert_eq(leaf_shift(&t, va), 12);
	cr_assert_eq(leaf_shift(&t, va + TU_1G - TU_4K), 12);
	expect_linear(&t, va, TU_1G, 97 * TU_4K);

	/* A partial unmap is now possible. */
	cr_assert_eq(genpt_unmap(t.pt, va + 7 * TU_4K, TU_4K, NULL, NULL), 0);
	cr_assert_eq(genpt_iova_to_phys(t.pt, va + 7 * TU_4K, &(uint64_t){ 0 }), -ENOENT);
	/* Merge cannot make the 2M around the hole whole again. */
	cr_assert_eq(genpt_merge(t.pt, va, TU_1G, NULL), 0);
	cr_assert_eq(leaf_shift(&t, va), 12);
	cr_assert_eq(leaf_shift(&t, va + TU_2M), 21);
	tu_table_fini(&t);
}

Test(split, dirty_state_carries_both_ways)
{
	struct tu_table t;
	uint64_t va = 2 * TU_1G, *bits;

	tu_table_init(&t, TU_SV48, 0, 0);
	cr_assert_eq(genpt_set_dirty_tracking(t.pt, true), 0);
	cr_assert_eq(genpt_map(t.pt, va, OA_BASE, TU_1G, RW, NULL), 0);

	/* A dirty 1G leaf: every 2M child is dirty. */
	cr_assert_eq(genpt_hw_access(t.pt, va + 12345 * TU_4K, GENPT_ACCESS_WRITE, NULL), 0);
	cr_assert_eq(genpt_split(t.pt, va, TU_1G, 21, NULL), 0);
	bits = harvest(&t, va, TU_1G, 0);
	cr_assert_eq(count_bits(bits, TU_1G >> 12), TU_1G >> 12);
	free(bits);

	/* Clean now: one 4K write after a split to 4K dirties one page. */
	cr_assert_eq(genpt_split(t.pt, va + TU_2M, TU_2M, 12, NULL), 0);
	cr_assert_eq(genpt_hw_access(t.pt, va + TU_2M + 9 * TU_4K, GENPT_ACCESS_WRITE, NULL), 0);
	bits = harvest(&t, va, TU_1G, GENPT_DIRTY_NO_CLEAR);
	cr_assert_eq(count_bits(bits, TU_1G >> 12), 1);
	cr_assert(bit(bits, (TU_2M >> 12) + 9));
	free(bits);

	/* Merge: the 2M leaf is dirty because one child was, the 1G leaf
	 * because one 2M child now is. */
	cr_assert_eq(genpt_merge(t.pt, va, TU_1G, NULL), 0);
	cr_assert_eq(leaf_shift(&t, va), 30);
	bits = harvest(&t, va, TU_1G, 0);
	cr_assert_eq(count_bits(bits, TU_1G >> 12), TU_1G >> 12);
	free(bits);
	bits = harvest(&t, va, TU_1G, 0);
	cr_assert_eq(count_bits(bits, TU_1G >> 12), 0);
	free(bits);
	tu_table_fini(&t);
}

Test(split, svnapot_runs)
{
	struct tu_table t;
	uint64_t va = TU_1G + 4 * TU_2M, bytes0, *bits;

	tu_table_init(&t, TU_SV39, GENPT_FEAT_RISCV_SVNAPOT, 0);
	cr_assert_eq(genpt_set_dirty_tracking(t.pt, true), 0);
	cr_assert_eq(genpt_map(t.pt, va, OA_BASE, TU_2M, RW, NULL), 0);
	bytes0 = tu_table_bytes(&t);

	/* 2M -> 64K: 32 NAPOT runs in one level-0 table. */
	cr_assert_eq(genpt_split(t.pt, va, TU_2M, 16, NULL), 0);
	cr_assert_eq(tu_table_bytes(&t), bytes0 + 4096);
	for (uint64_t off = 0; off < TU_2M; off += TU_64K)
		cr_assert_eq(leaf_shift(&t, va + off + 5 * TU_4K), 16);
	expect_linear(&t, va, TU_2M, TU_4K);

	/* One run -> 16 plain leaves, in place; a write to one of them. */
	cr_assert_eq(genpt_split(t.pt, va + 3 * TU_64K, TU_4K, 12, NULL), 0);
	cr_assert_eq(tu_table_bytes(&t), bytes0 + 4096);
	cr_assert_eq(leaf_shift(&t, va + 3 * TU_64K + 15 * TU_4K), 12);
	cr_assert_eq(leaf_shift(&t, va + 4 * TU_64K), 16);
	cr_assert_eq(genpt_hw_access(t.pt, va + 3 * TU_64K + 2 * TU_4K, GENPT_ACCESS_WRITE, NULL), 0);

	/* Merge 16 leaves back into a run (dirty through one member), then
	 * the 32 runs into the 2M leaf. */
	cr_assert_eq(genpt_merge(t.pt, va + 3 * TU_64K, TU_64K, NULL), 0);
	cr_assert_eq(leaf_shift(&t, va + 3 * TU_64K), 16);
	bits = harvest(&t, va, TU_2M, GENPT_DIRTY_NO_CLEAR);
	cr_assert_eq(count_bits(bits, TU_2M >> 12), 16);
	cr_assert(bit(bits, 3 * 16));
	free(bits);
	cr_assert_eq(genpt_merge(t.pt, va, TU_2M, NULL), 0);
	cr_assert_eq(leaf_shift(&t, va), 21);
	cr_assert_eq(tu_table_bytes(&t), bytes0);
	bits = harvest(&t, va, TU_2M, 0);
	cr_assert_eq(count_bits(bits, TU_2M >> 12), TU_2M >> 12);
	free(bits);
	tu_table_fini(&t);
}

Test(split, merge_needs_contiguity_and_equal_attributes)
{
	struct tu_table t;
	uint64_t va = TU_1G;

	tu_table_init(&t, TU_SV39, 0, 0);
	/* 512 4K leaves, contiguous but one read-only: no merge. */
	cr_assert_eq(genpt_map(t.pt, va, OA_BASE, TU_2M - TU_4K, RW, NULL), 0);
	cr_assert_eq(genpt_map(t.pt, va + TU_2M - TU_4K, OA_BASE + TU_2M - TU_4K, TU_4K,
			       GENPT_READ, NULL), 0);
	cr_assert_eq(genpt_merge(t.pt, va, TU_2M, NULL), 0);
	cr_assert_eq(leaf_shift(&t, va), 12);
	/* Same attributes but one page elsewhere: no merge. */
	cr_assert_eq(genpt_unmap(t.pt, va + TU_2M - TU_4K, TU_4K, NULL, NULL), 0);
	cr_assert_eq(genpt_map(t.pt, va + TU_2M - TU_4K, OA_BASE + TU_1G, TU_4K, RW, NULL), 0);
	cr_assert_eq(genpt_merge(t.pt, va, TU_2M, NULL), 0);
	cr_assert_eq(leaf_shift(&t, va), 12);
	/* Fixed: merges. A range not covering the whole table: no merge. */
	cr_assert_eq(genpt_unmap(t.pt, va + TU_2M - TU_4K, TU_4K, NULL, NULL), 0);
	cr_assert_eq(genpt_map(t.pt, va + TU_2M - TU_4K, OA_BASE + TU_2M - TU_4K, TU_4K,
			       RW, NULL), 0);
	cr_assert_eq(genpt_merge(t.pt, va, TU_2M - TU_4K, NULL), 0);
	cr_assert_eq(leaf_shift(&t, va), 12);
	cr_assert_eq(genpt_merge(t.pt, va, TU_2M, NULL), 0);
	cr_assert_eq(leaf_shift(&t, va), 21);
	/* Misaligned output (not 2M aligned): no merge after a split. */
	cr_assert_eq(genpt_unmap(t.pt, va, TU_2M, NULL, NULL), 0);
	cr_assert_eq(genpt_map(t.pt, va, OA_BASE + TU_4K, TU_2M, RW, NULL), 0);
	cr_assert_eq(genpt_merge(t.pt, va, TU_2M, NULL), 0);
	cr_assert_eq(leaf_shift(&t, va), 12);
	tu_table_fini(&t);
}

Test(split, errors_change_nothing)
{
	struct tu_table t;
	struct tu_snap s;
	struct genpt_gather g;
	uint64_t va = TU_1G;

	tu_table_init(&t, TU_SV39, 0, 0);
	cr_assert_eq(genpt_map(t.pt, va, OA_BASE, TU_1G, RW, NULL), 0);
	tu_snap_take(&t, &s);
	genpt_gather_init(&g);
	cr_assert_eq(genpt_split(NULL, va, TU_1G, 12, &g), -EINVAL);
	cr_assert_eq(genpt_split(t.pt, va, TU_1G, 11, &g), -EINVAL);
	cr_assert_eq(genpt_split(t.pt, va, TU_1G, 64, &g), -EINVAL);
	cr_assert_eq(genpt_split(t.pt, va, 0, 12, &g), -EINVAL);
	cr_assert_eq(genpt_split(t.pt, va + 1, TU_4K, 12, &g), -EINVAL);
	cr_assert_eq(genpt_split(t.pt, ~0ull - TU_4K + 1, 2 * TU_4K, 12, &g), -EOVERFLOW);
	cr_assert_eq(genpt_split(t.pt, 1ull << 40, TU_4K, 12, &g), -ERANGE);
	cr_assert_eq(genpt_split(t.pt, 3 * TU_1G, TU_1G, 12, &g), -ENOENT);
	cr_assert_eq(genpt_merge(NULL, va, TU_1G, &g), -EINVAL);
	cr_assert_eq(genpt_merge(t.pt, va, 0, &g), -EINVAL);
	cr_assert_eq(genpt_merge(t.pt, 3 * TU_1G, TU_1G, &g), -ENOENT);
	cr_assert_eq(genpt_set_dirty_tracking_split(t.pt, true, 11, &g), -EINVAL);
	cr_assert_eq(genpt_set_dirty_tracking_split(NULL, true, 12, &g), -EINVAL);
	/* Already small enough: success, nothing to do. */
	cr_assert_eq(genpt_split(t.pt, va, TU_1G, 30, &g), 0);
	tu_snap_expect_same(&t, &s, "after refused splits and merges");
	cr_assert_gt(g.start, g.last);
	cr_assert_null(g.freed);
	tu_snap_free(&s);
	tu_table_fini(&t);
}

/* -ENOMEM at every allocation a split needs: the table is exactly as before
 * and nothing leaks; then the split succeeds. */
Test(split, enomem_at_every_allocation)
{
	struct tu_table t;
	uint64_t va = 4 * TU_1G;

	tu_table_init(&t, TU_SV48, 0, 0);
	cr_assert_eq(genpt_map(t.pt, va, OA_BASE, 2 * TU_2M, RW, NULL), 0);
	for (long n = 0;; n++) {
		struct tu_snap s;
		long live = t.cnt.live;
		int err;

		tu_snap_take(&t, &s);
		t.cnt.fail_at = t.cnt.allocs + n;
		err = genpt_split(t.pt, va, 2 * TU_2M, 12, NULL);
		t.cnt.fail_at = -1;
		if (!err) {
			cr_assert_eq(n, 2, "a split of two 2M leaves needs 2 pages");
			tu_snap_free(&s);
			break;
		}
		cr_assert_eq(err, -ENOMEM);
		tu_snap_expect_same(&t, &s, "after -ENOMEM");
		cr_assert_eq(t.cnt.live, live, "leaked pages");
		tu_snap_free(&s);
	}
	cr_assert_eq(leaf_shift(&t, va + TU_2M), 12);
	tu_table_fini(&t);
}

Test(split, tracking_split_mode)
{
	struct tu_table t;
	struct genpt_gather g;
	uint64_t va = 6 * TU_1G, bytes0, *bits;

	tu_table_init(&t, TU_SV39X4, GENPT_FEAT_RISCV_SVNAPOT, 0);
	cr_assert_eq(genpt_map(t.pt, va, OA_BASE, TU_1G, RW, NULL), 0);
	cr_assert_eq(genpt_map(t.pt, 0, OA_BASE + TU_1G, TU_2M, RW, NULL), 0);
	bytes0 = tu_table_bytes(&t);

	genpt_gather_init(&g);
	cr_assert_eq(genpt_set_dirty_tracking_split(t.pt, true, 12, &g), 0);
	release(&t, &g);
	cr_assert_eq(genpt_dirty_tracking(t.pt), 1);
	cr_assert_eq(leaf_shift(&t, va + TU_1G / 2), 12);
	cr_assert_eq(leaf_shift(&t, TU_4K), 12);
	/* Start from clean, one device write: one 4K page to copy. */
	bits = harvest(&t, va, TU_1G, 0);
	free(bits);
	cr_assert_eq(genpt_hw_access(t.pt, va + 4242 * TU_4K, GENPT_ACCESS_WRITE, NULL), 0);
	bits = harvest(&t, va, TU_1G, 0);
	cr_assert_eq(count_bits(bits, TU_1G >> 12), 1);
	cr_assert(bit(bits, 4242));
	free(bits);

	genpt_gather_init(&g);
	cr_assert_eq(genpt_set_dirty_tracking_split(t.pt, false, 12, &g), 0);
	release(&t, &g);
	cr_assert_eq(genpt_dirty_tracking(t.pt), 0);
	cr_assert_eq(leaf_shift(&t, va), 30);
	cr_assert_eq(leaf_shift(&t, 0), 21);
	cr_assert_eq(tu_table_bytes(&t), bytes0);
	tu_table_fini(&t);
}

/* ---------------------------------------------------------- concurrent -- */

#define RACE_PAGES 2048u /* 8 MiB: four 2M leaves */

struct racer {
	struct tu_table *t;
	uint64_t va;
	unsigned int seed;
	int stop;
	uint8_t written[RACE_PAGES];
	int bad;
};

static void *race_writer(void *arg)
{
	struct racer *r = arg;
	unsigned int s = r->seed;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		unsigned int p;
		int err;

		s = s * 1103515245u + 12345u;
		p = (s >> 8) % RACE_PAGES;
		err = genpt_hw_access(r->t->pt, r->va + (uint64_t)p * TU_4K,
				      GENPT_ACCESS_WRITE, NULL);
		if (err)
			r->bad = err;
		r->written[p] = 1;
	}
	return NULL;
}

/* Devices write while the table is split and merged over and over: no
 * write ever faults, and every page written is still dirty at the end
 * (nothing cleaned it; split and merge must carry every D bit). */
Test(split, hardware_writes_race_split_and_merge)
{
	struct tu_table t;
	struct racer r[2];
	pthread_t th[2];
	struct genpt_gather g;
	uint64_t va = 8 * TU_1G, *bits;

	tu_table_init(&t, TU_SV39, GENPT_FEAT_RISCV_SVNAPOT, 0);
	cr_assert_eq(genpt_set_dirty_tracking(t.pt, true), 0);
	cr_assert_eq(genpt_map(t.pt, va, OA_BASE, RACE_PAGES * TU_4K, RW, NULL), 0);
	for (int i = 0; i < 2; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].t = &t;
		r[i].va = va;
		r[i].seed = 7u + 31u * (unsigned int)i;
		cr_assert_eq(pthread_create(&th[i], NULL, race_writer, &r[i]), 0);
	}
	/* Freed tables wait in the gather until the "devices" have stopped:
	 * genpt_hw_access has no IOTLB to invalidate, so stopping them is
	 * what an invalidation's completion means here (no walk still
	 * holds a pointer into a merged-away table). */
	genpt_gather_init(&g);
	for (int round = 0; round < 40; round++) {
		unsigned int shift = (round % 3 == 0) ? 16 : 12;

		cr_assert_eq(genpt_split(t.pt, va, RACE_PAGES * TU_4K, shift, &g), 0);
		cr_assert_eq(genpt_merge(t.pt, va, RACE_PAGES * TU_4K, &g), 0);
	}
	for (int i = 0; i < 2; i++) {
		__atomic_store_n(&r[i].stop, 1, __ATOMIC_RELEASE);
		cr_assert_eq(pthread_join(th[i], NULL), 0);
		cr_assert_eq(r[i].bad, 0, "a write faulted: %d", r[i].bad);
	}
	release(&t, &g);
	bits = harvest(&t, va, RACE_PAGES * TU_4K, 0);
	for (unsigned int p = 0; p < RACE_PAGES; p++)
		if (r[0].written[p] || r[1].written[p])
			cr_assert(bit(bits, p), "page %u written but not dirty", p);
	free(bits);
	tu_table_fini(&t);
}
