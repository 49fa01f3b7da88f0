/* SPDX-License-Identifier: MIT */
/*
 * test_hw_riscv_walk.c - the reference RISC-V walk against tables built by
 * hand.
 *
 * Every PTE here is computed in this file from the privileged spec's bit
 * positions (written as literal numbers, not taken from any genpt header),
 * stored in a tiny simulated physical memory owned by this file, and walked
 * with genpt_rv_walk().  Nothing from lib/fmt or lib/core is involved.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/table.h"
#include "hw/riscv_walk.h"

/* ---- PTE bits, straight from the spec ---------------------------------- */

#define PV (1ull << 0)
#define PR (1ull << 1)
#define PW (1ull << 2)
#define PX (1ull << 3)
#define PU (1ull << 4)
#define PG (1ull << 5)
#define PA_ (1ull << 6)
#define PD (1ull << 7)
#define PRSW0 (1ull << 8)
#define PRSW1 (1ull << 9)
#define PN (1ull << 63)
#define PBMT(v) ((uint64_t)(v) << 61)

/* A leaf mapping physical address @pa (its PPN is pa >> 12) with @flags. */
static uint64_t leaf(uint64_t pa, uint64_t flags)
{
	return ((pa >> 12) << 10) | flags | PV;
}

/* A pointer to the next-level table at @table_pa. */
static uint64_t ptr(uint64_t table_pa)
{
	return ((table_pa >> 12) << 10) | PV;
}

/* ---- a tiny simulated physical memory ---------------------------------- */

#define PHYS_BASE 0x80000000ull
#define ARENA_BYTES (4ull << 20)

static uint8_t *arena;
static uint64_t arena_next;

/* Physical address -> host pointer, NULL outside the arena. */
static void *arena_p2v(void *ctx, uint64_t pa)
{
	(void)ctx;
	if (pa < PHYS_BASE || pa - PHYS_BASE >= ARENA_BYTES)
		return NULL;
	return arena + (pa - PHYS_BASE);
}

static const struct genpt_mem_ops arena_ops = {
	.phys_to_virt = arena_p2v,
};

/* Zeroed table of @bytes (4 or 16 KiB), aligned to its size. */
static uint64_t table_new(uint64_t bytes)
{
	uint64_t pa;

	arena_next = (arena_next + bytes - 1) & ~(bytes - 1);
	cr_assert_leq(arena_next + bytes, ARENA_BYTES, "test arena exhausted");
	pa = PHYS_BASE + arena_next;
	arena_next += bytes;
	return pa;
}

static uint64_t *pte_ptr(uint64_t pte_pa)
{
	uint64_t *p = arena_p2v(NULL, pte_pa);

	cr_assert_not_null(p);
	return p;
}

/* Atomic accessors: other threads may walk the table concurrently. */
static void pte_set(uint64_t pte_pa, uint64_t v)
{
	__atomic_store_n(pte_ptr(pte_pa), v, __ATOMIC_RELEASE);
}

static uint64_t pte_get(uint64_t pte_pa)
{
	return __atomic_load_n(pte_ptr(pte_pa), __ATOMIC_ACQUIRE);
}

static void arena_setup(void)
{
	arena = aligned_alloc(1u << 14, ARENA_BYTES);
	cr_assert_not_null(arena);
	memset(arena, 0, ARENA_BYTES);
	arena_next = 0;
}

static void arena_teardown(void)
{
	free(arena);
	arena = NULL;
}

TestSuite(hw_riscv_walk, .init = arena_setup, .fini = arena_teardown);

/* ---- modes and hand-built paths --------------------------------------- */

struct mode {
	const char *name;
	unsigned int levels;
	bool gstage;
	unsigned int va_bits;
};

static const struct mode modes[] = {
	{ "Sv39", 3, false, 39 },   { "Sv48", 4, false, 48 },
	{ "Sv57", 5, false, 57 },   { "Sv39x4", 3, true, 41 },
	{ "Sv48x4", 4, true, 50 },  { "Sv57x4", 5, true, 59 },
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

static const struct mode *const sv39 = &modes[0];
static const struct mode *const sv39x4 = &modes[3];

/* VPN[level] of @va, 11 bits for a G-stage root, 9 otherwise. */
static uint64_t idx(const struct mode *m, uint64_t va, unsigned int level)
{
	unsigned int bits = (m->gstage && level == m->levels - 1) ? 11 : 9;

	return (va >> (12 + 9 * level)) & ((1ull << bits) - 1);
}

/* Tables and entry addresses of one hand-built translation path. */
struct path {
	uint64_t root;
	uint64_t table[5];  /* table[l]: physical address of the level-l table */
	uint64_t pte_pa[5]; /* pte_pa[l]: the entry for va in table[l] */
};

/*
 * Build root..leaf_level for @va and store @leaf_val at @leaf_level.  When
 * @p->root is already set (non-zero), the existing tables are reused.
 */
static void build(const struct mode *m, struct path *p, uint64_t va,
		  unsigned int leaf_level, uint64_t leaf_val)
{
	unsigned int top = m->levels - 1;

	if (!p->root)
		p->root = table_new(m->gstage ? 16384 : 4096);
	p->table[top] = p->root;
	for (unsigned int l = top;; l--) {
		uint64_t cur;

		p->pte_pa[l] = p->table[l] + idx(m, va, l) * 8;
		if (l == leaf_level) {
			pte_set(p->pte_pa[l], leaf_val);
			return;
		}
		cur = pte_get(p->pte_pa[l]);
		if (cur & PV) {
			p->table[l - 1] = ((cur >> 10) & ((1ull << 44) - 1)) << 12;
		} else {
			p->table[l - 1] = table_new(4096);
			pte_set(p->pte_pa[l], ptr(p->table[l - 1]));
		}
	}
}

/* A walk request with the defaults most tests want (U-mode, no A/D update). */
static struct genpt_rv_walk req(const struct mode *m, uint64_t root,
				uint64_t va, unsigned int access)
{
	struct genpt_rv_walk w;

	memset(&w, 0, sizeof(w));
	w.mem = &arena_ops;
	w.root_pa = root;
	w.levels = m->levels;
	w.gstage = m->gstage;
	w.va = va;
	w.access = access;
	return w;
}

/* Walk and return the fault kind (outputs stay in *w). */
static enum genpt_rv_fault walk(struct genpt_rv_walk *w)
{
	return genpt_rv_walk(w);
}

/* Walk a fresh request; for tests that only need the verdict. */
static enum genpt_rv_fault verdict(const struct mode *m, uint64_t root,
				   uint64_t va, unsigned int access)
{
	struct genpt_rv_walk w = req(m, root, va, access);

	return walk(&w);
}

#define RWXUAD (PR | PW | PX | PU | PA_ | PD)
#define RD GENPT_ACCESS_READ
#define WR GENPT_ACCESS_WRITE
#define EX GENPT_ACCESS_EXEC

/* ---- geometry ---------------------------------------------------------- */

/*
 * Address with a varied bit pattern, using the whole input width: the top
 * bit is set so first-stage addresses are upper-half (sign-extended) and
 * G-stage addresses use the two extra root-index bits.
 */
static uint64_t sample_va(const struct mode *m)
{
	uint64_t mask = (1ull << m->va_bits) - 1;
	uint64_t va = (0x5a3c96f0e1d2b487ull & mask) | (1ull << (m->va_bits - 1));

	if (m->gstage)
		return va | (1ull << (m->va_bits - 2));
	return va | ~mask;
}

Test(hw_riscv_walk, leaf_at_every_level_in_every_mode)
{
	for (size_t i = 0; i < NMODES; i++) {
		const struct mode *m = &modes[i];
		uint64_t va = sample_va(m);

		for (unsigned int l = 0; l < m->levels; l++) {
			unsigned int shift = 12 + 9 * l;
			uint64_t oa = 0x00ab5e0123456000ull & ~((1ull << shift) - 1);
			uint64_t val = leaf(oa, RWXUAD);
			struct path p = { 0 };
			struct genpt_rv_walk w;

			build(m, &p, va, l, val);
			w = req(m, p.root, va, RD);
			cr_assert_eq(walk(&w), GENPT_RV_OK, "%s level %u", m->name, l);
			cr_assert_eq(w.pa, oa | (va & ((1ull << shift) - 1)),
				     "%s level %u pa %#llx", m->name, l,
				     (unsigned long long)w.pa);
			cr_assert_eq(w.leaf_level, l);
			cr_assert_eq(w.page_shift, shift);
			cr_assert_eq(w.pte, val);
			cr_assert_eq(w.pte_pa, p.pte_pa[l]);
			cr_assert_eq(w.pbmt, 0);
			cr_assert_not(w.ad_written);
		}
	}
}

Test(hw_riscv_walk, gstage_root_uses_all_2048_entries)
{
	const struct mode *m = sv39x4;
	struct path p = { 0 };
	uint64_t va = (1ull << 41) - 1; /* root index 2047 */
	struct genpt_rv_walk w;

	build(m, &p, va, 2, leaf(0x40000000ull, RWXUAD));
	cr_assert_eq(p.pte_pa[2], p.root + 2047 * 8);
	w = req(m, p.root, va, RD);
	cr_assert_eq(walk(&w), GENPT_RV_OK);
	cr_assert_eq(w.pa, 0x40000000ull | (va & ((1ull << 30) - 1)));
	cr_assert_eq(w.pte_pa, p.root + 2047 * 8);
}

/*
 * Fill every root entry of @m with an identity top-level leaf so that any
 * address that passes the width check translates.
 */
static uint64_t full_root(const struct mode *m)
{
	unsigned int entries = m->gstage ? 2048 : 512;
	uint64_t root = table_new(entries * 8);

	for (unsigned int i = 0; i < entries; i++)
		pte_set(root + i * 8, leaf(0, RWXUAD));
	return root;
}

Test(hw_riscv_walk, first_stage_sign_extension)
{
	for (size_t i = 0; i < NMODES; i++) {
		const struct mode *m = &modes[i];
		unsigned int b = m->va_bits;
		uint64_t root, good[4], bad[5];

		if (m->gstage)
			continue;
		root = full_root(m);
		good[0] = 0;
		good[1] = (1ull << (b - 1)) - 1; /* highest lower-half address */
		good[2] = ~0ull << (b - 1);      /* lowest upper-half address */
		good[3] = ~0ull;
		bad[0] = 1ull << (b - 1);        /* bit b-1 set, not extended */
		bad[1] = ~0ull << b;             /* extended ones, bit b-1 clear */
		bad[2] = 1ull << b;
		bad[3] = 1ull << 63;
		bad[4] = (~0ull << b) ^ (1ull << 62) ^ (1ull << (b - 1));
		for (int k = 0; k < 4; k++) {
			struct genpt_rv_walk w = req(m, root, good[k], RD);

			cr_assert_eq(walk(&w), GENPT_RV_OK, "%s good %d", m->name, k);
			cr_assert_eq(w.pa, good[k] & ((1ull << (b - 9)) - 1));
		}
		for (int k = 0; k < 5; k++) {
			struct genpt_rv_walk w = req(m, root, bad[k], RD);

			cr_assert_eq(walk(&w), GENPT_RV_FAULT_PAGE, "%s bad %d",
				     m->name, k);
			cr_assert_eq(w.pte_pa, 0, "no PTE may be read");
			cr_assert_eq(w.pte, 0);
		}
	}
}

Test(hw_riscv_walk, gstage_gpa_width)
{
	for (size_t i = 0; i < NMODES; i++) {
		const struct mode *m = &modes[i];
		unsigned int b = m->va_bits;
		uint64_t root, bad[4];
		struct genpt_rv_walk w;

		if (!m->gstage)
			continue;
		root = full_root(m);
		w = req(m, root, (1ull << b) - 1, RD);
		cr_assert_eq(walk(&w), GENPT_RV_OK, "%s top GPA", m->name);
		cr_assert_eq(w.pa, ((1ull << b) - 1) & ((1ull << (b - 11)) - 1));
		cr_assert_eq(w.pte_pa, root + 2047 * 8);
		bad[0] = 1ull << b;
		bad[1] = ~0ull;         /* a sign-extended GPA is not a GPA */
		bad[2] = 1ull << 63;
		bad[3] = ~0ull << (b - 1);
		for (int k = 0; k < 4; k++) {
			w = req(m, root, bad[k], RD);
			cr_assert_eq(walk(&w), GENPT_RV_FAULT_PAGE, "%s bad %d",
				     m->name, k);
			cr_assert_eq(w.pte_pa, 0);
		}
	}
}

/* ---- permissions -------------------------------------------------------- */

/* One Sv39 4K leaf at va 0x1000 with @flags; returns the root. */
static uint64_t one_leaf(const struct mode *m, uint64_t flags, struct path *p)
{
	memset(p, 0, sizeof(*p));
	build(m, p, 0x1000, 0, leaf(0x12345000ull, flags));
	return p->root;
}

Test(hw_riscv_walk, user_and_supervisor_pages)
{
	struct path p;
	uint64_t root_u = one_leaf(sv39, RWXUAD, &p);
	uint64_t root_s = one_leaf(sv39, RWXUAD & ~PU, &p);
	struct genpt_rv_walk w;

	w = req(sv39, root_u, 0x1234, RD);
	cr_assert_eq(walk(&w), GENPT_RV_OK);
	cr_assert_eq(w.pa, 0x12345234ull);
	w.priv = true;
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_PAGE, "S-mode on a U page");
	w.access = EX;
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_PAGE, "S-mode never executes U");

	w = req(sv39, root_s, 0x1234, WR);
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_PAGE, "U-mode on an S page");
	w.priv = true;
	cr_assert_eq(walk(&w), GENPT_RV_OK);
	w.access = EX;
	cr_assert_eq(walk(&w), GENPT_RV_OK);
}

Test(hw_riscv_walk, gstage_leaf_needs_u)
{
	struct path p;
	uint64_t root_s = one_leaf(sv39x4, RWXUAD & ~PU, &p);
	uint64_t root_u = one_leaf(sv39x4, RWXUAD | PG, &p);
	struct genpt_rv_walk w;

	for (int priv = 0; priv < 2; priv++) {
		w = req(sv39x4, root_s, 0x1000, RD);
		w.priv = priv;
		cr_assert_eq(walk(&w), GENPT_RV_FAULT_PAGE, "priv %d", priv);
		w = req(sv39x4, root_u, 0x1000, WR);
		w.priv = priv; /* ignored by the G-stage */
		cr_assert_eq(walk(&w), GENPT_RV_OK, "priv %d", priv);
		cr_assert_eq(w.pa, 0x12345000ull);
	}
}

Test(hw_riscv_walk, read_write_exec_rights)
{
	static const struct {
		uint64_t xwr;
		bool r, w, x;
	} cases[] = {
		{ PR, true, false, false },           { PR | PW, true, true, false },
		{ PX, false, false, true },           { PR | PX, true, false, true },
		{ PR | PW | PX, true, true, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct path p;
		uint64_t root = one_leaf(sv39, cases[i].xwr | PU | PA_ | PD, &p);

		cr_assert_eq(verdict(sv39, root, 0x1000, RD) == GENPT_RV_OK,
			     cases[i].r, "case %zu read", i);
		cr_assert_eq(verdict(sv39, root, 0x1000, WR) == GENPT_RV_OK,
			     cases[i].w, "case %zu write", i);
		cr_assert_eq(verdict(sv39, root, 0x1000, EX) == GENPT_RV_OK,
			     cases[i].x, "case %zu exec", i);
	}
}

Test(hw_riscv_walk, write_without_read_is_reserved)
{
	const uint64_t enc[] = { PW, PW | PX };

	for (size_t i = 0; i < 2; i++) {
		struct path p;
		uint64_t root = one_leaf(sv39, enc[i] | PU, &p);
		uint64_t before = pte_get(p.pte_pa[0]);

		for (unsigned int a = RD; a <= EX; a++) {
			struct genpt_rv_walk w = req(sv39, root, 0x1000, a);

			w.ad_update = true;
			cr_assert_eq(walk(&w), GENPT_RV_FAULT_PAGE, "enc %zu acc %u",
				     i, a);
			cr_assert_eq(w.pte_pa, p.pte_pa[0]);
		}
		cr_assert_eq(pte_get(p.pte_pa[0]), before, "no A/D on a fault");
	}

	/* The same encoding in a would-be pointer slot above level 0. */
	struct path q = { 0 };

	build(sv39, &q, 0x40000000ull, 1, leaf(0, PW | PU | PA_ | PD));
	cr_assert_eq(verdict(sv39, q.root, 0x40000000ull, RD), GENPT_RV_FAULT_PAGE);
}

/* ---- reserved encodings ------------------------------------------------ */

Test(hw_riscv_walk, reserved_bits_60_54)
{
	for (unsigned int bit = 54; bit <= 60; bit++) {
		struct path p;
		uint64_t root = one_leaf(sv39, RWXUAD | (1ull << bit), &p);
		struct genpt_rv_walk w = req(sv39, root, 0x1000, RD);

		w.svnapot = w.svpbmt = true; /* they cover 63:61, not 60:54 */
		cr_assert_eq(walk(&w), GENPT_RV_FAULT_PAGE, "leaf bit %u", bit);

		/* The same bit in the level-1 pointer. */
		root = one_leaf(sv39, RWXUAD, &p);
		pte_set(p.pte_pa[1], pte_get(p.pte_pa[1]) | (1ull << bit));
		w = req(sv39, root, 0x1000, RD);
		w.svnapot = w.svpbmt = true;
		cr_assert_eq(walk(&w), GENPT_RV_FAULT_PAGE, "pointer bit %u", bit);
		cr_assert_eq(w.leaf_level, 1);
		cr_assert_eq(w.pte_pa, p.pte_pa[1]);
	}
}

Test(hw_riscv_walk, pointer_reserved_fields)
{
	const struct {
		uint64_t bits;
		enum genpt_rv_fault want;
	} cases[] = {
		{ PA_, GENPT_RV_FAULT_PAGE },     { PD, GENPT_RV_FAULT_PAGE },
		{ PU, GENPT_RV_FAULT_PAGE },      { PBMT(1), GENPT_RV_FAULT_PAGE },
		{ PBMT(2), GENPT_RV_FAULT_PAGE }, { PN, GENPT_RV_FAULT_PAGE },
		{ PG, GENPT_RV_OK },              { PRSW0 | PRSW1, GENPT_RV_OK },
	};

	for (size_t m = 0; m < NMODES; m++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct path p = { 0 };
			uint64_t va = 0x1000;
			struct genpt_rv_walk w;

			build(&modes[m], &p, va, 0, leaf(0x5000, RWXUAD));
			/* Every pointer level in turn. */
			for (unsigned int l = 1; l < modes[m].levels; l++) {
				uint64_t orig = pte_get(p.pte_pa[l]);

				pte_set(p.pte_pa[l], orig | cases[i].bits);
				w = req(&modes[m], p.root, va, RD);
				w.svnapot = w.svpbmt = true;
				cr_assert_eq(walk(&w), cases[i].want,
					     "%s case %zu level %u", modes[m].name,
					     i, l);
				pte_set(p.pte_pa[l], orig);
			}
		}
	}
}

Test(hw_riscv_walk, pointer_at_level_0)
{
	struct path p;
	uint64_t root = one_leaf(sv39, RWXUAD, &p);
	struct genpt_rv_walk w;

	pte_set(p.pte_pa[0], ptr(p.table[0]));
	w = req(sv39, root, 0x1000, RD);
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_PAGE);
	cr_assert_eq(w.leaf_level, 0);
	cr_assert_eq(w.pte, ptr(p.table[0]));
}

Test(hw_riscv_walk, software_bits_are_ignored_in_leaves)
{
	struct path p;
	uint64_t root = one_leaf(sv39, RWXUAD | PG | PRSW0 | PRSW1, &p);

	cr_assert_eq(verdict(sv39, root, 0x1000, WR), GENPT_RV_OK);
}

Test(hw_riscv_walk, misaligned_superpages)
{
	const struct {
		const struct mode *m;
		unsigned int level;
		uint64_t oa;
		enum genpt_rv_fault want;
	} cases[] = {
		{ &modes[0], 1, 0x40200000ull | 0x1000, GENPT_RV_FAULT_PAGE },
		{ &modes[0], 1, 0x40200000ull | 0x100000, GENPT_RV_FAULT_PAGE },
		{ &modes[0], 1, 0x40200000ull, GENPT_RV_OK },
		{ &modes[0], 2, 0x40000000ull | 0x20000000, GENPT_RV_FAULT_PAGE },
		{ &modes[0], 2, 0x40000000ull | 0x1000, GENPT_RV_FAULT_PAGE },
		{ &modes[0], 2, 0xc0000000ull, GENPT_RV_OK },
		{ &modes[1], 3, 1ull << 38, GENPT_RV_FAULT_PAGE },
		{ &modes[1], 3, 1ull << 39, GENPT_RV_OK },
		{ &modes[2], 4, 1ull << 47, GENPT_RV_FAULT_PAGE },
		{ &modes[2], 4, 1ull << 48, GENPT_RV_OK },
		{ &modes[5], 4, 1ull << 12, GENPT_RV_FAULT_PAGE },
		{ &modes[3], 1, 0x300000ull | 0x80000, GENPT_RV_FAULT_PAGE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct path p = { 0 };
		uint64_t va = 0;

		build(cases[i].m, &p, va, cases[i].level, leaf(cases[i].oa, RWXUAD));
		cr_assert_eq(verdict(cases[i].m, p.root, va, RD), cases[i].want,
			     "case %zu", i);
	}
}

/* ---- Svnapot ------------------------------------------------------------ */

/* Fill the 16 slots of the 64 KiB NAPOT region around @va with @val. */
static void napot_fill(const struct mode *m, struct path *p, uint64_t va,
		       uint64_t val)
{
	uint64_t base = va & ~0xffffull;

	for (int i = 0; i < 16; i++)
		build(m, p, base + ((uint64_t)i << 12), 0, val);
}

Test(hw_riscv_walk, napot_64k)
{
	const struct mode *ms[] = { &modes[0], &modes[3], &modes[2] };

	for (size_t k = 0; k < 3; k++) {
		struct path p = { 0 };
		uint64_t oa = 0x123450000ull;
		uint64_t val = leaf(oa, RWXUAD | PN) | (0x8ull << 10);
		uint64_t base = 0x7ff0000ull;

		cr_assert_eq((val >> 10) & 0xf, 0x8);
		napot_fill(ms[k], &p, base, val);
		for (uint64_t off = 0; off < 0x10000; off += 0x1ff8) {
			struct genpt_rv_walk w = req(ms[k], p.root, base + off, RD);

			w.svnapot = true;
			cr_assert_eq(walk(&w), GENPT_RV_OK, "%s off %#llx",
				     ms[k]->name, (unsigned long long)off);
			cr_assert_eq(w.pa, oa | off);
			cr_assert_eq(w.page_shift, 16);
			cr_assert_eq(w.leaf_level, 0);
			cr_assert_eq(w.pte_pa, p.table[0] + (((base + off) >> 12) & 511) * 8);
		}
	}
}

Test(hw_riscv_walk, napot_invalid_encodings)
{
	const uint64_t nibbles[] = { 0x0, 0x4, 0xc, 0x9, 0x1, 0xf };
	uint64_t oa = 0x123450000ull;

	/* N without Svnapot: bit 63 is reserved. */
	{
		struct path p = { 0 };

		napot_fill(sv39, &p, 0, leaf(oa, RWXUAD | PN) | (0x8ull << 10));
		cr_assert_eq(verdict(sv39, p.root, 0x3000, RD), GENPT_RV_FAULT_PAGE);
	}
	/* Only PPN[3:0] = 0b1000 is defined. */
	for (size_t i = 0; i < sizeof(nibbles) / sizeof(nibbles[0]); i++) {
		struct path p = { 0 };
		struct genpt_rv_walk w;

		napot_fill(sv39, &p, 0, leaf(oa, RWXUAD | PN) | (nibbles[i] << 10));
		w = req(sv39, p.root, 0x3000, RD);
		w.svnapot = true;
		cr_assert_eq(walk(&w), GENPT_RV_FAULT_PAGE, "nibble %#llx",
			     (unsigned long long)nibbles[i]);
	}
	/* N on a superpage leaf. */
	for (unsigned int l = 1; l < 3; l++) {
		struct path p = { 0 };
		struct genpt_rv_walk w;

		build(sv39, &p, 0, l, leaf(0, RWXUAD | PN) | (0x8ull << 10 << (9 * l)));
		w = req(sv39, p.root, 0, RD);
		w.svnapot = true;
		cr_assert_eq(walk(&w), GENPT_RV_FAULT_PAGE, "level %u", l);
		/* The same leaf without N is a fine superpage. */
		pte_set(p.pte_pa[l], pte_get(p.pte_pa[l]) & ~PN);
		cr_assert_eq(walk(&w), GENPT_RV_OK, "level %u", l);
		/* PPN[0][3:0] = 0b1000 means nothing above level 0 either. */
		pte_set(p.pte_pa[l], leaf(0, RWXUAD | PN) | (0x8ull << 10));
		cr_assert_eq(walk(&w), GENPT_RV_FAULT_PAGE, "level %u", l);
	}
}

/* ---- Svpbmt ------------------------------------------------------------- */

Test(hw_riscv_walk, pbmt_decode)
{
	const struct mode *ms[] = { sv39, sv39x4 };

	for (size_t k = 0; k < 2; k++) {
		for (unsigned int v = 0; v < 4; v++) {
			struct path p;
			uint64_t root = one_leaf(ms[k], RWXUAD | PBMT(v), &p);
			struct genpt_rv_walk w = req(ms[k], root, 0x1000, RD);

			w.svpbmt = true;
			if (v == 3) {
				cr_assert_eq(walk(&w), GENPT_RV_FAULT_PAGE);
				continue;
			}
			cr_assert_eq(walk(&w), GENPT_RV_OK, "%s pbmt %u", ms[k]->name, v);
			cr_assert_eq(w.pbmt, v);
			cr_assert_eq(w.pa, 0x12345000ull, "PBMT is not address");

			w = req(ms[k], root, 0x1000, RD); /* no Svpbmt */
			cr_assert_eq(walk(&w), v ? GENPT_RV_FAULT_PAGE : GENPT_RV_OK,
				     "%s pbmt %u without svpbmt", ms[k]->name, v);
		}
	}
}

/* ---- A/D ---------------------------------------------------------------- */

/* One Sv39/Sv39x4 leaf with @flags; walk with @access and @ad_update. */
static enum genpt_rv_fault ad_case(const struct mode *m, uint64_t flags,
				   unsigned int access, bool ad_update,
				   uint64_t *before, uint64_t *after,
				   struct genpt_rv_walk *w)
{
	struct path p;
	uint64_t root = one_leaf(m, flags, &p);
	enum genpt_rv_fault f;

	*before = pte_get(p.pte_pa[0]);
	*w = req(m, root, 0x1000, access);
	w->ad_update = ad_update;
	f = walk(w);
	*after = pte_get(p.pte_pa[0]);
	return f;
}

Test(hw_riscv_walk, ad_without_hardware_update)
{
	uint64_t b, a;
	struct genpt_rv_walk w;

	cr_assert_eq(ad_case(sv39, PR | PW | PU, RD, false, &b, &a, &w),
		     GENPT_RV_FAULT_PAGE, "A=0");
	cr_assert_eq(a, b);
	cr_assert_eq(ad_case(sv39, PR | PW | PU | PA_, RD, false, &b, &a, &w),
		     GENPT_RV_OK, "read needs no D");
	cr_assert_eq(a, b);
	cr_assert_not(w.ad_written);
	cr_assert_eq(ad_case(sv39, PR | PW | PU | PA_, WR, false, &b, &a, &w),
		     GENPT_RV_FAULT_PAGE, "write with D=0");
	cr_assert_eq(a, b);
	cr_assert_eq(ad_case(sv39, PR | PW | PU | PD, WR, false, &b, &a, &w),
		     GENPT_RV_FAULT_PAGE, "write with A=0 D=1");
	cr_assert_eq(ad_case(sv39x4, PR | PW | PU | PA_ | PD, WR, false, &b, &a, &w),
		     GENPT_RV_OK);
	cr_assert_eq(a, b);
	cr_assert_eq(ad_case(sv39, PX | PU, EX, false, &b, &a, &w),
		     GENPT_RV_FAULT_PAGE, "exec with A=0");
}

Test(hw_riscv_walk, ad_with_hardware_update)
{
	const struct mode *ms[] = { sv39, sv39x4 };

	for (size_t k = 0; k < 2; k++) {
		const struct mode *m = ms[k];
		uint64_t b, a;
		struct genpt_rv_walk w;

		cr_assert_eq(ad_case(m, PR | PW | PU, RD, true, &b, &a, &w), GENPT_RV_OK);
		cr_assert_eq(a, b | PA_, "read sets exactly A");
		cr_assert_eq(w.pte, a);
		cr_assert(w.ad_written);

		cr_assert_eq(ad_case(m, PR | PW | PU | PRSW1, WR, true, &b, &a, &w),
			     GENPT_RV_OK);
		cr_assert_eq(a, b | PA_ | PD, "write sets exactly A and D");
		cr_assert_eq(w.pte, a);

		cr_assert_eq(ad_case(m, PR | PW | PU | PA_, WR, true, &b, &a, &w),
			     GENPT_RV_OK);
		cr_assert_eq(a, b | PD);

		cr_assert_eq(ad_case(m, PX | PU, EX, true, &b, &a, &w), GENPT_RV_OK);
		cr_assert_eq(a, b | PA_, "exec sets exactly A");

		cr_assert_eq(ad_case(m, RWXUAD, WR, true, &b, &a, &w), GENPT_RV_OK);
		cr_assert_eq(a, b, "nothing to set, nothing written");
		cr_assert_not(w.ad_written);

		/* A denied access never marks the page. */
		cr_assert_eq(ad_case(m, PR | PU, WR, true, &b, &a, &w),
			     GENPT_RV_FAULT_PAGE);
		cr_assert_eq(a, b);
		cr_assert_not(w.ad_written);
		cr_assert_eq(ad_case(m, PR | PW, RD, true, &b, &a, &w),
			     GENPT_RV_FAULT_PAGE, "no U");
		cr_assert_eq(a, b);
	}
}

Test(hw_riscv_walk, ad_update_on_superpage_and_napot)
{
	struct path p = { 0 };
	struct genpt_rv_walk w;
	uint64_t val = leaf(0x40000000ull, PR | PW | PU);

	/* A misaligned superpage is not marked. */
	build(sv39, &p, 0x40000000ull, 2, val | (1ull << 10));
	w = req(sv39, p.root, 0x40000000ull, WR);
	w.ad_update = true;
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_PAGE);
	cr_assert_eq(pte_get(p.pte_pa[2]), val | (1ull << 10));

	pte_set(p.pte_pa[2], val);
	cr_assert_eq(walk(&w), GENPT_RV_OK);
	cr_assert_eq(pte_get(p.pte_pa[2]), val | PA_ | PD);
	cr_assert_eq(w.page_shift, 30);

	/* NAPOT: the walked member is marked, with N and the encoding kept. */
	struct path q = { 0 };
	uint64_t nv = leaf(0x123450000ull, PR | PW | PU | PN) | (0x8ull << 10);

	napot_fill(sv39, &q, 0x10000, nv);
	w = req(sv39, q.root, 0x13000, WR);
	w.ad_update = w.svnapot = true;
	cr_assert_eq(walk(&w), GENPT_RV_OK);
	cr_assert_eq(pte_get(q.table[0] + 0x13 * 8), nv | PA_ | PD);
	cr_assert_eq(w.pa, 0x123453000ull);
}

/* ---- invalid entries, access faults, bad requests ---------------------- */

Test(hw_riscv_walk, invalid_entries)
{
	struct path p = { 0 };
	struct genpt_rv_walk w;
	uint64_t root = table_new(4096);

	w = req(sv39, root, 0x1000, RD);
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_INVALID, "empty root");
	cr_assert_eq(w.leaf_level, 2);
	cr_assert_eq(w.pte_pa, root);

	one_leaf(sv39, RWXUAD, &p);
	/* V=0: every other bit is software's, even reserved ones. */
	pte_set(p.pte_pa[1], ~PV);
	w = req(sv39, p.root, 0x1000, RD);
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_INVALID);
	cr_assert_eq(w.leaf_level, 1);
	cr_assert_eq(w.pte, ~PV);

	one_leaf(sv39, RWXUAD & ~PV, &p); /* leaf() sets V: clear it */
	pte_set(p.pte_pa[0], pte_get(p.pte_pa[0]) & ~PV);
	w = req(sv39, p.root, 0x1000, WR);
	w.ad_update = true;
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_INVALID);
	cr_assert_eq(w.pte_pa, p.pte_pa[0]);
}

/* A provider that returns misaligned host pointers. */
static void *odd_p2v(void *ctx, uint64_t pa)
{
	uint8_t *p = arena_p2v(ctx, pa);

	return p ? p + 4 : NULL;
}

Test(hw_riscv_walk, access_faults)
{
	struct path p;
	struct genpt_rv_walk w;
	const uint64_t outside = 0x1000000ull; /* below PHYS_BASE */
	const struct genpt_mem_ops odd_ops = { .phys_to_virt = odd_p2v };

	/* Root outside the backed memory. */
	w = req(sv39, outside, 0x1000, RD);
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_ACCESS);
	cr_assert_eq(w.pte_pa, outside);
	cr_assert_eq(w.leaf_level, 2);

	/* A pointer to a table outside the backed memory. */
	one_leaf(sv39, RWXUAD, &p);
	pte_set(p.pte_pa[1], ptr(PHYS_BASE + ARENA_BYTES));
	w = req(sv39, p.root, 0x1000, RD);
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_ACCESS);
	cr_assert_eq(w.leaf_level, 0);
	cr_assert_eq(w.pte_pa, PHYS_BASE + ARENA_BYTES + 8);

	one_leaf(sv39, RWXUAD, &p);
	w = req(sv39, p.root, 0x1000, RD);
	w.mem = &odd_ops;
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_ACCESS, "misaligned host pointer");
}

Test(hw_riscv_walk, bad_requests)
{
	struct path p;
	uint64_t root = one_leaf(sv39, RWXUAD, &p);
	const struct genpt_mem_ops empty_ops = { 0 };
	struct genpt_rv_walk w;

	cr_assert_eq(genpt_rv_walk(NULL), GENPT_RV_FAULT_CONFIG);
	w = req(sv39, root, 0x1000, RD);
	w.levels = 2;
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_CONFIG);
	w.levels = 6;
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_CONFIG);
	w = req(sv39, root, 0x1000, 0);
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_CONFIG);
	w = req(sv39, root, 0x1000, 4);
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_CONFIG);
	w = req(sv39, root, 0x1000, RD);
	w.mem = NULL;
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_CONFIG);
	w.mem = &empty_ops;
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_CONFIG);
	w = req(sv39, root + 8, 0x1000, RD);
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_CONFIG, "root not 4K aligned");
	w = req(sv39, 1ull << 56, 0x1000, RD);
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_CONFIG, "root beyond 56 bits");
	w = req(sv39x4, PHYS_BASE + 0x1000, 0x1000, RD);
	cr_assert_eq(walk(&w), GENPT_RV_FAULT_CONFIG, "G-stage root not 16K aligned");
	cr_assert_eq(w.pte_pa, 0);
}

Test(hw_riscv_walk, errno_mapping)
{
	cr_assert_eq(genpt_rv_walk_errno(GENPT_RV_OK), 0);
	cr_assert_eq(genpt_rv_walk_errno(GENPT_RV_FAULT_INVALID), -ENOENT);
	cr_assert_eq(genpt_rv_walk_errno(GENPT_RV_FAULT_PAGE), -EACCES);
	cr_assert_eq(genpt_rv_walk_errno(GENPT_RV_FAULT_ACCESS), -EFAULT);
	cr_assert_eq(genpt_rv_walk_errno(GENPT_RV_FAULT_CONFIG), -EINVAL);
}

/* ---- concurrency -------------------------------------------------------- */

#define CC_PAGES 8
#define CC_WALKERS 4
#define CC_ITERS 20000

/*
 * Shared state of a concurrency run.  Criterion asserts must stay on the
 * main thread, so workers only count.
 */
struct cc {
	const struct mode *m;
	struct path p;
	uint64_t va[CC_PAGES];
	uint64_t pte_pa[CC_PAGES];
	unsigned long sets[CC_PAGES];     /* walker CAS successes (atomic) */
	unsigned long oks[CC_PAGES];      /* successful walks (atomic) */
	unsigned long bad;                /* walks with an unexpected result (atomic) */
	int walkers_left;                 /* atomic */
	uint64_t toggle_bit;              /* bit the editor flips */
};

struct cc_walker {
	struct cc *cc;
	unsigned int id;
};

/*
 * Walker: writes through every page in turn with hardware A/D update.
 * Allowed outcomes: OK with W, A and D in the returned PTE; PAGE only when
 * the editor thread may have removed W.
 */
static void *cc_walker_main(void *arg)
{
	struct cc_walker *cw = arg;
	struct cc *cc = cw->cc;

	for (unsigned int i = 0; i < CC_ITERS; i++) {
		unsigned int pg = (i + cw->id) % CC_PAGES;
		struct genpt_rv_walk w = req(cc->m, cc->p.root, cc->va[pg], WR);
		enum genpt_rv_fault f;

		w.ad_update = true;
		f = genpt_rv_walk(&w);
		if (f == GENPT_RV_OK) {
			if ((w.pte & (PW | PA_ | PD)) != (PW | PA_ | PD) ||
			    w.pte_pa != cc->pte_pa[pg])
				__atomic_fetch_add(&cc->bad, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&cc->oks[pg], 1, __ATOMIC_RELAXED);
			if (w.ad_written)
				__atomic_fetch_add(&cc->sets[pg], 1, __ATOMIC_RELAXED);
		} else if (!(f == GENPT_RV_FAULT_PAGE && cc->toggle_bit == PW)) {
			__atomic_fetch_add(&cc->bad, 1, __ATOMIC_RELAXED);
		}
	}
	__atomic_fetch_sub(&cc->walkers_left, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* What the editor thread did to one page. */
struct cc_editor_log {
	unsigned long clears[CC_PAGES];  /* D 1 -> 0 transitions it made */
	unsigned long toggles[CC_PAGES]; /* flips of cc->toggle_bit */
};

struct cc_editor {
	struct cc *cc;
	struct cc_editor_log log;
};

/*
 * Editor (software harvesting dirty bits): clears D with an atomic
 * fetch-and, counting the D=1 it took away, and flips another bit with an
 * atomic fetch-xor so a walker CAS that clobbered it would show.
 */
static void *cc_editor_main(void *arg)
{
	struct cc_editor *ce = arg;
	struct cc *cc = ce->cc;
	unsigned long round = 0;

	while (__atomic_load_n(&cc->walkers_left, __ATOMIC_ACQUIRE) > 0) {
		for (unsigned int pg = 0; pg < CC_PAGES; pg++) {
			uint64_t *slot = arena_p2v(NULL, cc->pte_pa[pg]);
			uint64_t old = __atomic_fetch_and(slot, ~PD, __ATOMIC_ACQ_REL);

			if (old & PD)
				ce->log.clears[pg]++;
			if ((round + pg) % 3 == 0) {
				__atomic_fetch_xor(slot, cc->toggle_bit, __ATOMIC_ACQ_REL);
				ce->log.toggles[pg]++;
			}
		}
		round++;
	}
	return NULL;
}

/* Run walkers and one editor over CC_PAGES 4K leaves of mode @m. */
static void cc_run(struct cc *cc, const struct mode *m, uint64_t toggle_bit,
		   struct cc_editor *ce, uint64_t *orig)
{
	pthread_t wt[CC_WALKERS], et;
	struct cc_walker cw[CC_WALKERS];

	memset(cc, 0, sizeof(*cc));
	memset(ce, 0, sizeof(*ce));
	cc->m = m;
	cc->toggle_bit = toggle_bit;
	cc->walkers_left = CC_WALKERS;
	for (unsigned int pg = 0; pg < CC_PAGES; pg++) {
		cc->va[pg] = 0x200000ull + ((uint64_t)pg << 12);
		orig[pg] = leaf(0x9000000ull + ((uint64_t)pg << 12), PR | PW | PU);
		build(m, &cc->p, cc->va[pg], 0, orig[pg]);
		cc->pte_pa[pg] = cc->p.pte_pa[0];
	}
	ce->cc = cc;
	cr_assert_eq(pthread_create(&et, NULL, cc_editor_main, ce), 0);
	for (unsigned int i = 0; i < CC_WALKERS; i++) {
		cw[i].cc = cc;
		cw[i].id = i;
		cr_assert_eq(pthread_create(&wt[i], NULL, cc_walker_main, &cw[i]), 0);
	}
	for (unsigned int i = 0; i < CC_WALKERS; i++)
		pthread_join(wt[i], NULL);
	pthread_join(et, NULL);
}

Test(hw_riscv_walk, concurrent_ad_update_loses_nothing)
{
	const struct mode *ms[] = { sv39, sv39x4 };

	for (size_t k = 0; k < 2; k++) {
		struct cc cc;
		struct cc_editor ce;
		uint64_t orig[CC_PAGES];
		unsigned long total_ok = 0;

		cc_run(&cc, ms[k], PRSW0, &ce, orig);
		cr_assert_eq(cc.bad, 0, "%s: unexpected walk results", ms[k]->name);
		for (unsigned int pg = 0; pg < CC_PAGES; pg++) {
			uint64_t fin = pte_get(cc.pte_pa[pg]);
			unsigned long d_final = (fin & PD) ? 1 : 0;
			uint64_t rsw = (ce.log.toggles[pg] & 1) ? PRSW0 : 0;

			total_ok += cc.oks[pg];
			/*
			 * D goes 0 -> 1 only by a walker CAS (each one counted
			 * in sets) and 1 -> 0 only by the editor (counted in
			 * clears): any lost update breaks the balance.
			 */
			cr_assert_eq(cc.sets[pg], ce.log.clears[pg] + d_final,
				     "%s page %u: sets %lu clears %lu D %lu",
				     ms[k]->name, pg, cc.sets[pg],
				     ce.log.clears[pg], d_final);
			cr_assert(fin & PA_, "A set once and never lost");
			cr_assert_eq(fin & PRSW0, rsw, "editor's bit flips kept");
			cr_assert_eq(fin & ~(PA_ | PD | PRSW0), orig[pg],
				     "no other bit touched");
		}
		cr_assert_eq(total_ok, (unsigned long)CC_WALKERS * CC_ITERS);
	}
}

Test(hw_riscv_walk, concurrent_permission_change_rechecks)
{
	struct cc cc;
	struct cc_editor ce;
	uint64_t orig[CC_PAGES];

	/*
	 * The editor flips W while walkers write: a walk may fault, but one
	 * that succeeds must have seen (and CASed against) a writable PTE;
	 * cc_walker_main counts any OK without W|A|D as bad.
	 */
	cc_run(&cc, sv39, PW, &ce, orig);
	cr_assert_eq(cc.bad, 0);
	for (unsigned int pg = 0; pg < CC_PAGES; pg++) {
		uint64_t fin = pte_get(cc.pte_pa[pg]);
		uint64_t w_final = (ce.log.toggles[pg] & 1) ? 0 : PW;

		cr_assert_eq(fin & PW, w_final);
		cr_assert_eq(cc.sets[pg], ce.log.clears[pg] + ((fin & PD) ? 1 : 0));
	}
}
