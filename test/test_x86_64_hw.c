// SPDX-License-Identifier: MIT
/*
 * test_x86_64_hw.c - the reference x86-64 walk (lib/hw/x86_64_walk.c)
 * against tables built by hand.
 *
 * Every entry is computed here from the SDM's bit positions (literal
 * numbers: P 0, R/W 1, U/S 2, A 5, D 6, PS 7, XD 63, address 51:12) in a
 * small arena this file owns, and walked with genpt_x86_walk().  Nothing
 * from lib/fmt or lib/core is involved.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/table.h"
#include "hw/x86_64_walk.h"

#define P_ (1ull << 0)
#define RW (1ull << 1)
#define US (1ull << 2)
#define A_ (1ull << 5)
#define D_ (1ull << 6)
#define PS (1ull << 7)
#define XD (1ull << 63)
#define TBL (P_ | RW | US) /* a table pointer that allows everything */

#define PHYS_BASE 0x100000000ull
#define ARENA_BYTES (2ull << 20)

static uint8_t *arena;
static uint64_t arena_next;

static void *arena_p2v(void *ctx, uint64_t pa)
{
	(void)ctx;
	if (pa < PHYS_BASE || pa - PHYS_BASE >= ARENA_BYTES)
		return NULL;
	return arena + (pa - PHYS_BASE);
}

static const struct genpt_mem_ops arena_ops = { .phys_to_virt = arena_p2v };

static void arena_setup(void)
{
	arena = aligned_alloc(4096, ARENA_BYTES);
	cr_assert_not_null(arena);
	memset(arena, 0, ARENA_BYTES);
	arena_next = 0;
}

static void arena_teardown(void)
{
	free(arena);
}

TestSuite(x86_64_hw, .init = arena_setup, .fini = arena_teardown);

static uint64_t table_new(void)
{
	uint64_t pa = PHYS_BASE + arena_next;

	arena_next += 4096;
	cr_assert_leq(arena_next, ARENA_BYTES);
	return pa;
}

static uint64_t *ent(uint64_t table_pa, unsigned int idx)
{
	return (uint64_t *)arena_p2v(NULL, table_pa) + idx;
}

static unsigned int idx_of(uint64_t va, unsigned int level)
{
	return (unsigned int)((va >> (12 + 9 * level)) & 511);
}

/*
 * Build the tables for @va down to @leaf_level (0, 1, 2) and put @leaf
 * there; table pointers carry @tbl_bits.  Returns the root.  @slots gets
 * the entry pointers, index = level.
 */
static uint64_t build(unsigned int levels, uint64_t va, unsigned int leaf_level, uint64_t leaf,
		      uint64_t tbl_bits, uint64_t **slots)
{
	uint64_t root = table_new(), table = root;

	for (unsigned int l = levels - 1;; l--) {
		uint64_t *e = ent(table, idx_of(va, l));

		if (slots)
			slots[l] = e;
		if (l == leaf_level) {
			*e = leaf;
			return root;
		}
		if (!(*e & P_))
			*e = table_new() | tbl_bits;
		table = *e & 0x000ffffffffff000ull;
	}
}

static struct genpt_x86_walk req(uint64_t root, unsigned int levels, uint64_t va,
				 unsigned int access, bool ad)
{
	return (struct genpt_x86_walk){ .mem = &arena_ops, .root_pa = root, .levels = levels,
					.va = va, .access = access, .ad_update = ad };
}

static enum genpt_x86_fault walk(uint64_t root, unsigned int levels, uint64_t va,
				 unsigned int access, bool ad, uint64_t *pa)
{
	struct genpt_x86_walk w = req(root, levels, va, access, ad);
	enum genpt_x86_fault f = genpt_x86_walk(&w);

	if (pa)
		*pa = w.pa;
	return f;
}

Test(x86_64_hw, pages_of_every_size_in_both_modes)
{
	static const unsigned int shift[3] = { 12, 21, 30 };

	for (unsigned int levels = 4; levels <= 5; levels++) {
		for (unsigned int l = 0; l < 3; l++) {
			uint64_t va = levels == 4 ? 0x00007f1234567000ull : 0x00ff7f1234567000ull;
			uint64_t pa_page = 0x000f0000c0000000ull;
			uint64_t leaf = pa_page | P_ | RW | US | A_ | D_ | (l ? PS : 0);
			uint64_t root, pa = 0;
			struct genpt_x86_walk w;

			arena_next = 0;
			memset(arena, 0, ARENA_BYTES);
			root = build(levels, va, l, leaf, TBL | A_, NULL);
			w = req(root, levels, va + 0x9ab, GENPT_ACCESS_READ, false);
			cr_assert_eq(genpt_x86_walk(&w), GENPT_X86_OK, "levels %u leaf level %u", levels, l);
			cr_assert_eq(w.pa, pa_page | ((va + 0x9ab) & ((1ull << shift[l]) - 1)));
			cr_assert_eq(w.page_shift, shift[l]);
			cr_assert_eq(w.leaf_level, l);
			cr_assert_eq(w.pte, leaf);
			cr_assert_not(w.ad_written);
			cr_assert_eq(walk(root, levels, va, GENPT_ACCESS_WRITE, false, &pa), GENPT_X86_OK);
			cr_assert_eq(walk(root, levels, va, GENPT_ACCESS_EXEC, false, &pa), GENPT_X86_OK);
		}
	}
}

Test(x86_64_hw, canonical_addresses_only)
{
	uint64_t leaf = 0x5000 | P_ | RW | US | A_ | D_;
	uint64_t root4 = build(4, 0xffff800000000000ull, 0, leaf, TBL, NULL);
	uint64_t root5 = build(5, 0xff00000000000000ull, 0, leaf, TBL, NULL);
	uint64_t pa;

	cr_assert_eq(walk(root4, 4, 0xffff800000000123ull, GENPT_ACCESS_READ, false, &pa), GENPT_X86_OK);
	cr_assert_eq(pa, 0x5123);
	cr_assert_eq(walk(root4, 4, 0x0000800000000000ull, GENPT_ACCESS_READ, false, &pa),
		     GENPT_X86_FAULT_PAGE);
	cr_assert_eq(walk(root4, 4, 0xfeff800000000000ull, GENPT_ACCESS_READ, false, &pa),
		     GENPT_X86_FAULT_PAGE);
	cr_assert_eq(walk(root4, 4, 0xffff7fffffffffffull, GENPT_ACCESS_READ, false, &pa),
		     GENPT_X86_FAULT_PAGE);
	/* with 5 levels, bits 56:48 are address bits: a different PML5E */
	cr_assert_eq(walk(root5, 5, 0xff00000000000123ull, GENPT_ACCESS_READ, false, &pa), GENPT_X86_OK);
	cr_assert_eq(walk(root5, 5, 0xffff800000000000ull, GENPT_ACCESS_READ, false, &pa),
		     GENPT_X86_FAULT_NP);
	cr_assert_eq(walk(root5, 5, 0x0100000000000000ull, GENPT_ACCESS_READ, false, &pa),
		     GENPT_X86_FAULT_PAGE);
}

Test(x86_64_hw, rights_are_combined_over_every_level)
{
	uint64_t va = 0x40201000ull;

	for (unsigned int l = 0; l < 4; l++) {
		static const uint64_t take[] = { US, RW };

		for (unsigned int k = 0; k < 2; k++) {
			uint64_t *slots[5], root;

			arena_next = 0;
			memset(arena, 0, ARENA_BYTES);
			root = build(4, va, 0, 0x7000 | P_ | RW | US | A_ | D_, TBL, slots);
			*slots[l] &= ~take[k];
			if (take[k] == US) {
				/* a user-mode request needs U/S=1 everywhere */
				cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, true, NULL),
					     GENPT_X86_FAULT_PAGE, "U/S=0 at level %u", l);
			} else {
				cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, true, NULL),
					     GENPT_X86_OK);
				cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, true, NULL),
					     GENPT_X86_FAULT_PAGE, "R/W=0 at level %u", l);
				cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_EXEC, true, NULL),
					     GENPT_X86_OK);
			}
		}
		{
			uint64_t *slots[5], root;

			arena_next = 0;
			memset(arena, 0, ARENA_BYTES);
			root = build(4, va, 0, 0x7000 | P_ | RW | US | A_ | D_, TBL, slots);
			*slots[l] |= XD;
			cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_EXEC, true, NULL),
				     GENPT_X86_FAULT_PAGE, "XD at level %u", l);
			cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, true, NULL), GENPT_X86_OK);
		}
	}
}

Test(x86_64_hw, reserved_bits)
{
	uint64_t va = 0x80000000ull, *slots[5], root;
	struct genpt_x86_walk w;

	/* PS in a PML4E is reserved */
	root = build(4, va, 0, 0x7000 | P_ | RW | US | A_ | D_, TBL, slots);
	*slots[3] |= PS;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_X86_FAULT_PAGE);
	*slots[3] &= ~PS;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_X86_OK);
	/* address bits at or above MAXPHYADDR */
	*slots[1] |= 1ull << 47;
	w = req(root, 4, va, GENPT_ACCESS_READ, false);
	w.maxphyaddr = 46;
	cr_assert_eq(genpt_x86_walk(&w), GENPT_X86_FAULT_PAGE);
	cr_assert_eq(w.leaf_level, 1);
	*slots[1] &= ~(1ull << 47);
	*slots[0] |= 1ull << 46;
	w = req(root, 4, va, GENPT_ACCESS_READ, false);
	w.maxphyaddr = 46;
	cr_assert_eq(genpt_x86_walk(&w), GENPT_X86_FAULT_PAGE);
	w.maxphyaddr = 47;
	cr_assert_eq(genpt_x86_walk(&w), GENPT_X86_OK);
	cr_assert_eq(w.pa, (1ull << 46) | 0x7000);
	/* a 2 MiB page: bit 12 is PAT, bits 20:13 reserved */
	*slots[1] = 0x40000000ull | P_ | RW | US | A_ | D_ | PS | (1ull << 12);
	cr_assert_eq(walk(root, 4, va + 0x1234, GENPT_ACCESS_READ, false, &w.pa), GENPT_X86_OK);
	cr_assert_eq(w.pa, 0x40001234ull);
	*slots[1] |= 1ull << 13;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_X86_FAULT_PAGE);
	*slots[1] ^= (1ull << 13) | (1ull << 20);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_X86_FAULT_PAGE);
	/* a 1 GiB page: bits 29:13 reserved */
	*slots[2] = 0x40000000ull | P_ | RW | US | A_ | D_ | PS;
	cr_assert_eq(walk(root, 4, va + 0x123456, GENPT_ACCESS_READ, false, &w.pa), GENPT_X86_OK);
	cr_assert_eq(w.pa, 0x40123456ull);
	*slots[2] |= 1ull << 29;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_X86_FAULT_PAGE);
	/* ignored bits (11:8, 62:52) change nothing */
	*slots[2] = 0x40000000ull | P_ | RW | US | A_ | D_ | PS | (0xfull << 8) | (0x7ffull << 52);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_X86_OK);
}

Test(x86_64_hw, not_present_at_every_level)
{
	uint64_t va = 0x1234567000ull;

	for (unsigned int l = 0; l < 5; l++) {
		uint64_t *slots[5], root;
		struct genpt_x86_walk w;

		arena_next = 0;
		memset(arena, 0, ARENA_BYTES);
		root = build(5, va, 0, 0x7000 | P_ | RW | US | A_ | D_, TBL, slots);
		*slots[l] &= ~P_;
		w = req(root, 5, va, GENPT_ACCESS_WRITE, true);
		cr_assert_eq(genpt_x86_walk(&w), GENPT_X86_FAULT_NP);
		cr_assert_eq(w.leaf_level, l);
		cr_assert_not(w.ad_written);
		cr_assert_eq(genpt_x86_walk_errno(GENPT_X86_FAULT_NP), -ENOENT);
	}
}

Test(x86_64_hw, accessed_and_dirty)
{
	uint64_t va = 0x40201000ull, *slots[5], root;
	struct genpt_x86_walk w;

	root = build(4, va, 0, 0x7000 | P_ | RW | US, TBL, slots);
	/* without A/D update: A=0 faults, nothing written */
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_X86_FAULT_PAGE);
	*slots[0] |= A_;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_X86_OK);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, false, NULL), GENPT_X86_FAULT_PAGE);
	for (unsigned int l = 1; l < 4; l++)
		cr_assert_eq(*slots[l] & A_, 0, "table A written without A/D update");
	cr_assert_eq(*slots[0], 0x7000 | P_ | RW | US | A_);
	/* with it: a read sets A in every entry, a write adds D to the leaf */
	*slots[0] &= ~A_;
	w = req(root, 4, va, GENPT_ACCESS_READ, true);
	cr_assert_eq(genpt_x86_walk(&w), GENPT_X86_OK);
	cr_assert(w.ad_written);
	for (unsigned int l = 0; l < 4; l++)
		cr_assert_eq(*slots[l] & A_, A_, "A at level %u", l);
	cr_assert_eq(*slots[0] & D_, 0);
	w = req(root, 4, va, GENPT_ACCESS_READ, true);
	cr_assert_eq(genpt_x86_walk(&w), GENPT_X86_OK);
	cr_assert_not(w.ad_written, "nothing left to set");
	w = req(root, 4, va, GENPT_ACCESS_WRITE, true);
	cr_assert_eq(genpt_x86_walk(&w), GENPT_X86_OK);
	cr_assert(w.ad_written);
	cr_assert_eq(*slots[0], 0x7000 | P_ | RW | US | A_ | D_);
	cr_assert_eq(w.pte, *slots[0]);
	/* a faulting write (R/W=0) sets nothing */
	*slots[0] = 0x7000 | P_ | US;
	*slots[2] &= ~A_;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, true, NULL), GENPT_X86_FAULT_PAGE);
	cr_assert_eq(*slots[0], 0x7000 | P_ | US);
	cr_assert_eq(*slots[2] & A_, 0);
	/* D in a table pointer is ignored */
	*slots[0] = 0x7000 | P_ | RW | US | A_ | D_;
	*slots[1] |= D_;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, false, NULL), GENPT_X86_OK);
}

Test(x86_64_hw, access_faults_and_bad_requests)
{
	uint64_t va = 0x40201000ull, *slots[5], root;
	struct genpt_x86_walk w;

	root = build(4, va, 0, 0x7000 | P_ | RW | US | A_ | D_, TBL, slots);
	*slots[1] = 0x7770000000ull | TBL; /* outside the arena */
	w = req(root, 4, va, GENPT_ACCESS_READ, false);
	cr_assert_eq(genpt_x86_walk(&w), GENPT_X86_FAULT_ACCESS);
	cr_assert_eq(w.pte_pa, 0x7770000000ull + 8 * idx_of(va, 0));
	cr_assert_eq(genpt_x86_walk_errno(GENPT_X86_FAULT_ACCESS), -EFAULT);
	cr_assert_eq(genpt_x86_walk(NULL), GENPT_X86_FAULT_CONFIG);
	w = req(root, 3, va, GENPT_ACCESS_READ, false);
	cr_assert_eq(genpt_x86_walk(&w), GENPT_X86_FAULT_CONFIG);
	w = req(root, 6, va, GENPT_ACCESS_READ, false);
	cr_assert_eq(genpt_x86_walk(&w), GENPT_X86_FAULT_CONFIG);
	w = req(root + 8, 4, va, GENPT_ACCESS_READ, false);
	cr_assert_eq(genpt_x86_walk(&w), GENPT_X86_FAULT_CONFIG);
	w = req(root, 4, va, 0, false);
	cr_assert_eq(genpt_x86_walk(&w), GENPT_X86_FAULT_CONFIG);
	w = req(root, 4, va, 4, false);
	cr_assert_eq(genpt_x86_walk(&w), GENPT_X86_FAULT_CONFIG);
	w = req(root, 4, va, GENPT_ACCESS_READ, false);
	w.mem = NULL;
	cr_assert_eq(genpt_x86_walk(&w), GENPT_X86_FAULT_CONFIG);
	cr_assert_eq(genpt_x86_walk_errno(GENPT_X86_FAULT_CONFIG), -EINVAL);
	cr_assert_eq(genpt_x86_walk_errno(GENPT_X86_FAULT_PAGE), -EACCES);
	cr_assert_eq(genpt_x86_walk_errno(GENPT_X86_OK), 0);
}

/* Walkers writing pages that share every table, and one clearing D behind
 * them: every A they set stays set, D is only ever cleared by the cleaner. */
struct hw_thr {
	uint64_t root;
	unsigned int id;
	unsigned int errors;
};

#define HW_PAGES 64

static void *hw_writer(void *arg)
{
	struct hw_thr *t = arg;

	for (unsigned int i = 0; i < 20000; i++) {
		uint64_t va = 0x40000000ull + (uint64_t)((i * 7 + t->id) % HW_PAGES) * 4096;

		if (walk(t->root, 4, va, (i & 1) ? GENPT_ACCESS_WRITE : GENPT_ACCESS_READ, true,
			 NULL) != GENPT_X86_OK)
			t->errors++;
	}
	return NULL;
}

Test(x86_64_hw, concurrent_updates_lose_nothing)
{
	uint64_t root = 0, *slots[5] = { 0 };
	struct hw_thr thr[3];
	pthread_t tid[3];

	for (unsigned int p = 0; p < HW_PAGES; p++) {
		uint64_t va = 0x40000000ull + (uint64_t)p * 4096;

		if (!root) {
			root = build(4, va, 0, (0x100000ull + p * 4096) | P_ | RW | US, TBL, slots);
		} else {
			*(slots[0] + p) = (0x100000ull + p * 4096) | P_ | RW | US;
		}
	}
	for (unsigned int i = 0; i < 3; i++) {
		thr[i] = (struct hw_thr){ root, i, 0 };
		cr_assert_eq(pthread_create(&tid[i], NULL, hw_writer, &thr[i]), 0);
	}
	for (unsigned int k = 0; k < 2000; k++)
		__atomic_fetch_and(slots[0] + (k % HW_PAGES), ~D_, __ATOMIC_ACQ_REL);
	for (unsigned int i = 0; i < 3; i++) {
		cr_assert_eq(pthread_join(tid[i], NULL), 0);
		cr_assert_eq(thr[i].errors, 0);
	}
	for (unsigned int l = 1; l < 4; l++)
		cr_assert_eq(*slots[l] & A_, A_);
	for (unsigned int p = 0; p < HW_PAGES; p++) {
		uint64_t e = *(slots[0] + p);

		cr_assert_eq(e & ~D_, (0x100000ull + p * 4096) | P_ | RW | US | A_, "page %u: 0x%llx",
			     p, (unsigned long long)e);
	}
}
