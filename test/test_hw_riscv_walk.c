/* SPDX-License-Identifier: MIT *
 * Only what is particular to this family's hardware stays here; the
 * checks every format shares run on every configuration in
 * test_fmt_hw*.c (docs/testing.md, "Folded suites").
 */
/*
 * test_hw_riscv_walk.c - the reference RISC-V walk against tables built by
 * hand.
 *
 * Every PTE here is computed in this file from the privileged spec's bit
 * positions (written as literal numbers, not taken from any genpt header),
 * stored in the small simulated physical memory of fhw_arena.h, and walked
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
#include "fhw_arena.h"

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

TestSuite(hw_riscv_walk, .init = hwa_setup, .fini = hwa_teardown);

/* ---- modes and hand-built paths --------------------------------------- */

/* The two modes the tests here use, both three levels. */
struct mode {
	const char *name;
	unsigned int levels;
	bool gstage;
};

static const struct mode modes[] = { { "Sv39", 3, false }, { "Sv39x4", 3, true } };
static const struct mode *const sv39 = &modes[0];
static const struct mode *const sv39x4 = &modes[1];

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
		p->root = hwa_table(m->gstage ? 16384 : 4096);
	p->table[top] = p->root;
	for (unsigned int l = top;; l--) {
		uint64_t cur;

		p->pte_pa[l] = p->table[l] + idx(m, va, l) * 8;
		if (l == leaf_level) {
			hwa_set(p->pte_pa[l], leaf_val);
			return;
		}
		cur = hwa_get(p->pte_pa[l]);
		if (cur & PV) {
			p->table[l - 1] = ((cur >> 10) & ((1ull << 44) - 1)) << 12;
		} else {
			p->table[l - 1] = hwa_table(4096);
			hwa_set(p->pte_pa[l], ptr(p->table[l - 1]));
		}
	}
}

/* A walk request with the defaults most tests want (U-mode, no A/D update). */
static struct genpt_rv_walk req(const struct mode *m, uint64_t root,
				uint64_t va, unsigned int access)
{
	struct genpt_rv_walk w;

	memset(&w, 0, sizeof(w));
	w.mem = &hwa_ops;
	w.root_pa = root;
	w.levels = m->levels;
	w.gstage = m->gstage;
	w.va = va;
	w.access = access;
	return w;
}

#define RWXUAD (PR | PW | PX | PU | PA_ | PD)
#define RD GENPT_ACCESS_READ
#define WR GENPT_ACCESS_WRITE
#define EX GENPT_ACCESS_EXEC

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
	cr_assert_eq(genpt_rv_walk(&w), GENPT_RV_OK);
	cr_assert_eq(w.pa, 0x12345234ull);
	w.priv = true;
	cr_assert_eq(genpt_rv_walk(&w), GENPT_RV_FAULT_PAGE, "S-mode on a U page");
	w.access = EX;
	cr_assert_eq(genpt_rv_walk(&w), GENPT_RV_FAULT_PAGE, "S-mode never executes U");

	w = req(sv39, root_s, 0x1234, WR);
	cr_assert_eq(genpt_rv_walk(&w), GENPT_RV_FAULT_PAGE, "U-mode on an S page");
	w.priv = true;
	cr_assert_eq(genpt_rv_walk(&w), GENPT_RV_OK);
	w.access = EX;
	cr_assert_eq(genpt_rv_walk(&w), GENPT_RV_OK);
}

/* ---- reserved encodings ------------------------------------------------ */

Test(hw_riscv_walk, pointer_at_level_0)
{
	struct path p;
	uint64_t root = one_leaf(sv39, RWXUAD, &p);
	struct genpt_rv_walk w;

	hwa_set(p.pte_pa[0], ptr(p.table[0]));
	w = req(sv39, root, 0x1000, RD);
	cr_assert_eq(genpt_rv_walk(&w), GENPT_RV_FAULT_PAGE);
	cr_assert_eq(w.leaf_level, 0);
	cr_assert_eq(w.pte, ptr(p.table[0]));
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
				cr_assert_eq(genpt_rv_walk(&w), GENPT_RV_FAULT_PAGE);
				continue;
			}
			cr_assert_eq(genpt_rv_walk(&w), GENPT_RV_OK, "%s pbmt %u", ms[k]->name, v);
			cr_assert_eq(w.pbmt, v);
			cr_assert_eq(w.pa, 0x12345000ull, "PBMT is not address");

			w = req(ms[k], root, 0x1000, RD); /* no Svpbmt */
			cr_assert_eq(genpt_rv_walk(&w), v ? GENPT_RV_FAULT_PAGE : GENPT_RV_OK,
				     "%s pbmt %u without svpbmt", ms[k]->name, v);
		}
	}
}

/* ---- concurrency -------------------------------------------------------- */

#define CC_PAGES 8
#define CC_WALKERS 4
#define CC_ITERS 20000

/* Shared state of the run.  Criterion asserts stay on the main thread, so
 * the walkers only count. */
struct cc {
	struct path p;
	uint64_t va[CC_PAGES];
	uint64_t pte_pa[CC_PAGES];
	unsigned long sets[CC_PAGES]; /* walker CAS successes (atomic) */
	unsigned long bad;            /* walks with an unexpected result (atomic) */
	int walkers_left;             /* atomic */
	unsigned int next_id;         /* atomic: the first page of each walker */
};

/*
 * Walker: writes through every page in turn with hardware A/D update.  A
 * walk may fault (the editor may have removed W), but one that succeeds
 * must have seen (and CASed against) a writable PTE: W, A and D in the
 * PTE it returns.
 */
static void *cc_walker(void *arg)
{
	struct cc *cc = arg;
	unsigned int id = __atomic_fetch_add(&cc->next_id, 1, __ATOMIC_RELAXED);

	for (unsigned int i = 0; i < CC_ITERS; i++) {
		unsigned int pg = (i + id) % CC_PAGES;
		struct genpt_rv_walk w = req(sv39, cc->p.root, cc->va[pg], WR);
		enum genpt_rv_fault f;

		w.ad_update = true;
		f = genpt_rv_walk(&w);
		if (f == GENPT_RV_OK ? (w.pte & (PW | PA_ | PD)) != (PW | PA_ | PD) ||
					       w.pte_pa != cc->pte_pa[pg]
				     : f != GENPT_RV_FAULT_PAGE)
			__atomic_fetch_add(&cc->bad, 1, __ATOMIC_RELAXED);
		if (f == GENPT_RV_OK && w.ad_written)
			__atomic_fetch_add(&cc->sets[pg], 1, __ATOMIC_RELAXED);
	}
	__atomic_fetch_sub(&cc->walkers_left, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Walkers write CC_PAGES 4K Sv39 leaves while the main thread, as software
 * harvesting dirty bits, clears D with an atomic fetch-and (counting the
 * D=1 it took away) and flips W with a fetch-xor (a walker CAS that
 * clobbered it would show): no walk succeeds without W, W ends as the
 * flips left it, and every D the walkers set was either cleared or is
 * still there.
 */
Test(hw_riscv_walk, concurrent_permission_change_rechecks)
{
	unsigned long clears[CC_PAGES] = { 0 }, toggles[CC_PAGES] = { 0 };
	pthread_t wt[CC_WALKERS];
	struct cc cc;

	memset(&cc, 0, sizeof(cc));
	cc.walkers_left = CC_WALKERS;
	for (unsigned int pg = 0; pg < CC_PAGES; pg++) {
		cc.va[pg] = 0x200000ull + ((uint64_t)pg << 12);
		build(sv39, &cc.p, cc.va[pg], 0,
		      leaf(0x9000000ull + ((uint64_t)pg << 12), PR | PW | PU));
		cc.pte_pa[pg] = cc.p.pte_pa[0];
	}
	for (unsigned int i = 0; i < CC_WALKERS; i++)
		cr_assert_eq(pthread_create(&wt[i], NULL, cc_walker, &cc), 0);
	for (unsigned long round = 0; __atomic_load_n(&cc.walkers_left, __ATOMIC_ACQUIRE) > 0;
	     round++) {
		for (unsigned int pg = 0; pg < CC_PAGES; pg++) {
			uint64_t *slot = hwa_p2v(NULL, cc.pte_pa[pg]);

			if (__atomic_fetch_and(slot, ~PD, __ATOMIC_ACQ_REL) & PD)
				clears[pg]++;
			if ((round + pg) % 3 == 0) {
				__atomic_fetch_xor(slot, PW, __ATOMIC_ACQ_REL);
				toggles[pg]++;
			}
		}
	}
	for (unsigned int i = 0; i < CC_WALKERS; i++)
		pthread_join(wt[i], NULL);
	cr_assert_eq(cc.bad, 0);
	for (unsigned int pg = 0; pg < CC_PAGES; pg++) {
		uint64_t fin = hwa_get(cc.pte_pa[pg]);

		cr_assert_eq(fin & PW, (toggles[pg] & 1) ? 0 : PW);
		cr_assert_eq(cc.sets[pg], clears[pg] + ((fin & PD) ? 1 : 0));
	}
}
