// SPDX-License-Identifier: MIT
/*
 * test_mutants_hwcas.c - the hardware-model walks (lib/hw) set A/D with a
 * compare-and-swap of the whole entry and walk again when it fails
 * (include/genpt/hw.h: "retrying if it changed").  The entry is changed
 * at exactly the moment between the walk's read and its swap through the
 * walks' test hook (before_ad, lib/hw/x86_64_walk.h, riscv_walk.h), in
 * the two ways it happens on real hardware:
 *
 *  - another walker sets A first: the write must still set D (else the
 *    write is lost to every dirty harvest);
 *  - software points the entry elsewhere: the walk must translate through
 *    the new entry, and mark that one.
 *
 * Tables are built by hand in the walk suites' arena (fhw_arena.h), from
 * the manuals' bit layouts.  The mutants they kill: hw-x86-cas, hw-rv-cas
 * (scripts/mutants/mutants.tsv).
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>

#include "fhw_arena.h"
#include "hw/riscv_walk.h"
#include "hw/x86_64_walk.h"
#include "rvi_util.h"

#define VA 0x40201000ull
#define OA1 0x12345000ull
#define OA2 0x54321000ull

TestSuite(mutants_hwcas, .init = hwa_setup, .fini = hwa_teardown);

/* A 4-level path of 4 KiB tables for VA; the table entries get @ptr(pa)
 * and the leaf @leaf.  Returns the root; *@leaf_pa where the leaf is. */
static uint64_t build(unsigned int levels, uint64_t (*ptr)(uint64_t pa), uint64_t leaf,
		      uint64_t *leaf_pa)
{
	uint64_t root = hwa_table(4096), table = root;

	for (unsigned int l = levels - 1;; l--) {
		uint64_t pa = table + ((VA >> (12 + 9 * l)) & 511) * 8;

		if (!l) {
			hwa_set(pa, leaf);
			*leaf_pa = pa;
			return root;
		}
		table = hwa_table(4096);
		hwa_set(pa, ptr(table));
	}
}

/* What the hook does once: OR @set into the entry, or store @store. */
struct race {
	uint64_t set, store;
	unsigned int calls;
};

static void race_hook(void *ctx, uint64_t *slot)
{
	struct race *r = ctx;

	if (r->calls++)
		return;
	if (r->store)
		__atomic_store_n(slot, r->store, __ATOMIC_RELEASE);
	else
		__atomic_fetch_or(slot, r->set, __ATOMIC_ACQ_REL);
}

/*
 * One walker: its name, the path it walks, its A and D bits, and a write
 * walk of VA from @root with the hook racing it (true when it translated,
 * *@pa the output address).
 */
struct walker {
	const char *name;
	unsigned int levels;
	uint64_t (*ptr)(uint64_t pa);
	uint64_t (*leaf)(uint64_t pa);
	uint64_t a, d;
	bool (*walk)(uint64_t root, struct race *r, uint64_t *pa);
};

static void race_case(const struct walker *k, struct race r, uint64_t want_pa,
		      const char *what)
{
	uint64_t leaf_pa, root, pa = 0, e;

	hwa_reset();
	root = build(k->levels, k->ptr, k->leaf(OA1), &leaf_pa);
	cr_assert(k->walk(root, &r, &pa), "%s, %s: the walk faulted", k->name, what);
	e = hwa_get(leaf_pa);
	cr_expect_eq(pa, want_pa, "%s, %s: translated to %#llx, the entry now maps %#llx",
		     k->name, what, (unsigned long long)pa, (unsigned long long)want_pa);
	cr_expect_eq(e & (k->a | k->d), k->a | k->d,
		     "%s, %s: the write returned with the entry %#llx (A and D must be set)",
		     k->name, what, (unsigned long long)e);
	cr_expect_eq(r.calls, 2, "%s, %s: %u swaps tried (the failed one must be retried)",
		     k->name, what, r.calls);
}

/* Another walker sets A first; software points the entry elsewhere. */
static void races(const struct walker *k)
{
	race_case(k, (struct race){ .set = k->a }, OA1, "another walker set A first");
	race_case(k, (struct race){ .store = k->leaf(OA2) }, OA2,
		  "software pointed the entry elsewhere");
}

/* ---- x86-64 (Intel SDM vol. 3, 4.5) ------------------------------------ */

#define XP (1ull << 0)
#define XRW (1ull << 1)
#define XUS (1ull << 2)
#define XA (1ull << 5)
#define XD (1ull << 6)

static uint64_t x86_ptr(uint64_t pa)
{
	return pa | XP | XRW | XUS | XA;
}

static uint64_t x86_leaf(uint64_t pa)
{
	return pa | XP | XRW | XUS;
}

static bool x86_walk(uint64_t root, struct race *r, uint64_t *pa)
{
	struct genpt_x86_walk w = { .mem = &hwa_ops, .root_pa = root, .levels = 4, .va = VA,
				    .access = GENPT_ACCESS_WRITE, .ad_update = true,
				    .before_ad = race_hook, .before_ad_ctx = r };
	bool ok = genpt_x86_walk(&w) == GENPT_X86_OK;

	*pa = w.pa;
	return ok;
}

Test(mutants_hwcas, x86_failed_ad_swap_walks_again)
{
	races(&(struct walker){ "x86-64", 4, x86_ptr, x86_leaf, XA, XD, x86_walk });
}

/* ---- RISC-V (privileged spec, Sv39 and the IOMMU's first stage) -------- */

/* The PTE bits and encodings of rvi_util.h (written from the spec). */
static uint64_t rv_ptr(uint64_t pa)
{
	return RVI_PTR(pa);
}

static uint64_t rv_leaf(uint64_t pa)
{
	return RVI_LEAF(pa, RVI_R | RVI_W | RVI_U);
}

static bool rv_walk(uint64_t root, struct race *r, uint64_t *pa)
{
	struct genpt_rv_walk w = { .mem = &hwa_ops, .root_pa = root, .levels = 3, .va = VA,
				   .access = GENPT_ACCESS_WRITE, .ad_update = true,
				   .before_ad = race_hook, .before_ad_ctx = r };
	bool ok = genpt_rv_walk(&w) == GENPT_RV_OK;

	*pa = w.pa;
	return ok;
}

Test(mutants_hwcas, riscv_failed_ad_swap_walks_again)
{
	races(&(struct walker){ "riscv/sv39", 3, rv_ptr, rv_leaf, RVI_A, RVI_D, rv_walk });
}
