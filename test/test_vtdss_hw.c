// SPDX-License-Identifier: MIT
/*
 * test_vtdss_hw.c - the reference VT-d second-stage walk
 * (lib/hw/vtdss_walk.c) against tables built by hand from the
 * specification's bit positions (R 0, W 1, X 2, EMT 5:3, IPAT 6, PS 7, A 8,
 * D 9, SNP 11, address 51:12), in an arena this file owns.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/table.h"
#include "hw/vtdss_walk.h"

#define R_ (1ull << 0)
#define W_ (1ull << 1)
#define X_ (1ull << 2)
#define PS (1ull << 7)
#define A_ (1ull << 8)
#define D_ (1ull << 9)
#define SNP (1ull << 11)
#define TBL (R_ | W_)

#define PHYS_BASE 0x200000000ull
#define ARENA_BYTES (1ull << 20)

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

TestSuite(vtdss_hw, .init = arena_setup, .fini = arena_teardown);

static void arena_reset(void)
{
	memset(arena, 0, ARENA_BYTES);
	arena_next = 0;
}

static uint64_t table_new(void)
{
	uint64_t pa = PHYS_BASE + arena_next;

	arena_next += 4096;
	cr_assert_leq(arena_next, ARENA_BYTES);
	return pa;
}

static uint64_t *ent(uint64_t table_pa, uint64_t va, unsigned int level)
{
	return (uint64_t *)arena_p2v(NULL, table_pa) + ((va >> (12 + 9 * level)) & 511);
}

static uint64_t build(unsigned int levels, uint64_t va, unsigned int leaf_level, uint64_t leaf,
		      uint64_t **slots)
{
	uint64_t root = table_new(), table = root;

	for (unsigned int l = levels - 1;; l--) {
		uint64_t *e = ent(table, va, l);

		if (slots)
			slots[l] = e;
		if (l == leaf_level) {
			*e = leaf;
			return root;
		}
		if (!(*e & (R_ | W_)))
			*e = table_new() | TBL;
		table = *e & 0x000ffffffffff000ull;
	}
}

static struct genpt_vtdss_walk req(uint64_t root, unsigned int levels, uint64_t va,
				   unsigned int access, bool ssade)
{
	return (struct genpt_vtdss_walk){ .mem = &arena_ops, .root_pa = root, .levels = levels,
					  .va = va, .access = access, .ssade = ssade };
}

static enum genpt_vtdss_fault walk(uint64_t root, unsigned int levels, uint64_t va,
				   unsigned int access, bool ssade, uint64_t *pa)
{
	struct genpt_vtdss_walk w = req(root, levels, va, access, ssade);
	enum genpt_vtdss_fault f = genpt_vtdss_walk(&w);

	if (pa)
		*pa = w.pa;
	return f;
}

Test(vtdss_hw, pages_of_every_size_at_every_width)
{
	static const unsigned int shift[3] = { 12, 21, 30 };

	for (unsigned int levels = 3; levels <= 5; levels++) {
		for (unsigned int l = 0; l < 3; l++) {
			uint64_t va = 0x7f40000000ull & ((1ull << (12 + 9 * levels)) - 1);
			uint64_t page = 0x000f0000c0000000ull;
			uint64_t leaf = page | R_ | W_ | A_ | D_ | (l ? PS : 0);
			uint64_t root, off = l ? 0x7654 : 0x654;
			struct genpt_vtdss_walk w;

			arena_reset();
			root = build(levels, va, l, leaf, NULL);
			w = req(root, levels, va + off, GENPT_ACCESS_WRITE, false);
			cr_assert_eq(genpt_vtdss_walk(&w), GENPT_VTDSS_OK, "levels %u leaf %u", levels, l);
			cr_assert_eq(w.pa, page | ((va + off) & ((1ull << shift[l]) - 1)));
			cr_assert_eq(w.page_shift, shift[l]);
			cr_assert_eq(w.leaf_level, l);
			/* above the AGAW */
			w = req(root, levels, va | (1ull << (12 + 9 * levels)), GENPT_ACCESS_READ, false);
			cr_assert_eq(genpt_vtdss_walk(&w), GENPT_VTDSS_FAULT_PAGE);
		}
	}
}

Test(vtdss_hw, present_means_read_or_write)
{
	uint64_t va = 0x40000000ull, *slots[5], root;

	root = build(4, va, 0, 0x9000 | R_ | A_, slots);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_VTDSS_OK);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, false, NULL), GENPT_VTDSS_FAULT_PAGE);
	/* write-only */
	*slots[0] = 0x9000 | W_ | A_ | D_;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, false, NULL), GENPT_VTDSS_OK);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_VTDSS_FAULT_PAGE);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_EXEC, false, NULL), GENPT_VTDSS_FAULT_PAGE,
		     "execute is checked as a read");
	/* X alone, or nothing: not present, at any level */
	*slots[0] = 0x9000 | X_ | A_;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_VTDSS_FAULT_NP);
	*slots[0] = 0x9000 | R_ | W_ | A_ | D_;
	for (unsigned int l = 1; l < 4; l++) {
		uint64_t keep = *slots[l];

		*slots[l] &= ~(R_ | W_);
		cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, true, NULL), GENPT_VTDSS_FAULT_NP);
		*slots[l] = keep & ~W_;
		cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, true, NULL), GENPT_VTDSS_OK);
		cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, true, NULL), GENPT_VTDSS_FAULT_PAGE,
			     "W=0 at level %u", l);
		*slots[l] = keep & ~R_;
		cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, true, NULL), GENPT_VTDSS_FAULT_PAGE,
			     "R=0 at level %u", l);
		*slots[l] = keep;
	}
}

Test(vtdss_hw, reserved_fields)
{
	uint64_t va = 0x80000000ull, *slots[5], root;
	struct genpt_vtdss_walk w;

	root = build(4, va, 0, 0x9000 | R_ | W_ | A_ | D_, slots);
	*slots[3] |= PS;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_VTDSS_FAULT_PAGE);
	*slots[3] &= ~PS;
	/* SNP needs snoop control */
	*slots[0] |= SNP;
	w = req(root, 4, va, GENPT_ACCESS_READ, false);
	cr_assert_eq(genpt_vtdss_walk(&w), GENPT_VTDSS_FAULT_PAGE);
	w.snoop_control = true;
	cr_assert_eq(genpt_vtdss_walk(&w), GENPT_VTDSS_OK);
	cr_assert(w.snoop);
	/* SNP in a table pointer is ignored */
	*slots[0] &= ~SNP;
	*slots[1] |= SNP;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_VTDSS_OK);
	*slots[1] &= ~SNP;
	/* address above HAW */
	*slots[0] |= 1ull << 45;
	w = req(root, 4, va, GENPT_ACCESS_READ, false);
	w.haw = 45;
	cr_assert_eq(genpt_vtdss_walk(&w), GENPT_VTDSS_FAULT_PAGE);
	w.haw = 46;
	cr_assert_eq(genpt_vtdss_walk(&w), GENPT_VTDSS_OK);
	cr_assert_eq(w.pa, (1ull << 45) | 0x9000);
	/* large pages: all address bits below the size are reserved (no PAT) */
	*slots[1] = 0x40000000ull | R_ | W_ | A_ | D_ | PS;
	cr_assert_eq(walk(root, 4, va + 0x1f0000, GENPT_ACCESS_READ, false, &w.pa), GENPT_VTDSS_OK);
	cr_assert_eq(w.pa, 0x401f0000ull);
	*slots[1] |= 1ull << 12;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_VTDSS_FAULT_PAGE);
	*slots[2] = 0x40000000ull | R_ | W_ | A_ | D_ | PS | (1ull << 21);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_VTDSS_FAULT_PAGE);
	*slots[2] &= ~(1ull << 21);
	cr_assert_eq(walk(root, 4, va + 5, GENPT_ACCESS_READ, false, &w.pa), GENPT_VTDSS_OK);
	cr_assert_eq(w.pa, 0x40000005ull);
	/* ignored: 63:52, 10, X, EMT, IPAT */
	*slots[2] |= (0xfffull << 52) | (1ull << 10) | X_ | (7ull << 3) | (1ull << 6);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_VTDSS_OK);
}

Test(vtdss_hw, accessed_and_dirty_with_and_without_ssade)
{
	uint64_t va = 0x40201000ull, *slots[5], root;
	struct genpt_vtdss_walk w;

	root = build(4, va, 0, 0x7000 | R_ | W_, slots);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_VTDSS_FAULT_PAGE);
	*slots[0] |= A_;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_READ, false, NULL), GENPT_VTDSS_OK);
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, false, NULL), GENPT_VTDSS_FAULT_PAGE);
	for (unsigned int l = 1; l < 4; l++)
		cr_assert_eq(*slots[l] & A_, 0);
	*slots[0] &= ~A_;
	w = req(root, 4, va, GENPT_ACCESS_WRITE, true);
	cr_assert_eq(genpt_vtdss_walk(&w), GENPT_VTDSS_OK);
	cr_assert(w.ad_written);
	cr_assert_eq(*slots[0], 0x7000 | R_ | W_ | A_ | D_);
	for (unsigned int l = 1; l < 4; l++)
		cr_assert_eq(*slots[l] & (A_ | D_), A_, "level %u", l);
	w = req(root, 4, va, GENPT_ACCESS_WRITE, true);
	cr_assert_eq(genpt_vtdss_walk(&w), GENPT_VTDSS_OK);
	cr_assert_not(w.ad_written);
	/* a denied write sets nothing */
	*slots[0] = 0x7000 | R_;
	*slots[1] &= ~A_;
	cr_assert_eq(walk(root, 4, va, GENPT_ACCESS_WRITE, true, NULL), GENPT_VTDSS_FAULT_PAGE);
	cr_assert_eq(*slots[0], 0x7000 | R_);
	cr_assert_eq(*slots[1] & A_, 0);
}

Test(vtdss_hw, faults_requests_errno)
{
	uint64_t va = 0x40201000ull, *slots[5], root;
	struct genpt_vtdss_walk w;

	root = build(3, va, 0, 0x7000 | R_ | W_ | A_ | D_, slots);
	*slots[1] = 0x9990000000ull | TBL;
	w = req(root, 3, va, GENPT_ACCESS_READ, false);
	cr_assert_eq(genpt_vtdss_walk(&w), GENPT_VTDSS_FAULT_ACCESS);
	cr_assert_eq(genpt_vtdss_walk(NULL), GENPT_VTDSS_FAULT_CONFIG);
	w = req(root, 2, va, GENPT_ACCESS_READ, false);
	cr_assert_eq(genpt_vtdss_walk(&w), GENPT_VTDSS_FAULT_CONFIG);
	w = req(root, 6, va, GENPT_ACCESS_READ, false);
	cr_assert_eq(genpt_vtdss_walk(&w), GENPT_VTDSS_FAULT_CONFIG);
	w = req(root | 0x800, 3, va, GENPT_ACCESS_READ, false);
	cr_assert_eq(genpt_vtdss_walk(&w), GENPT_VTDSS_FAULT_CONFIG);
	w = req(root, 3, va, 7, false);
	cr_assert_eq(genpt_vtdss_walk(&w), GENPT_VTDSS_FAULT_CONFIG);
	cr_assert_eq(genpt_vtdss_walk_errno(GENPT_VTDSS_OK), 0);
	cr_assert_eq(genpt_vtdss_walk_errno(GENPT_VTDSS_FAULT_NP), -ENOENT);
	cr_assert_eq(genpt_vtdss_walk_errno(GENPT_VTDSS_FAULT_PAGE), -EACCES);
	cr_assert_eq(genpt_vtdss_walk_errno(GENPT_VTDSS_FAULT_ACCESS), -EFAULT);
	cr_assert_eq(genpt_vtdss_walk_errno(GENPT_VTDSS_FAULT_CONFIG), -EINVAL);
}
