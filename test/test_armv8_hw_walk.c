/* SPDX-License-Identifier: MIT *
 * Only what is particular to this family's hardware stays here; the
 * checks every format shares run on every configuration in
 * test_fmt_hw*.c (docs/testing.md, "Folded suites").
 */
/*
 * test_armv8_hw_walk.c - the reference ARM VMSAv8-64 walk against tables
 * built by hand.
 *
 * Every descriptor and register value here is written in this file from
 * the Arm ARM's bit positions (as literal numbers), stored in the small
 * simulated physical memory of fhw_arena.h, and walked with
 * genpt_arm_walk().  Nothing from lib/fmt or lib/core is involved.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/table.h"
#include "hw/armv8_walk.h"
#include "fhw_arena.h"

#define ULL(x) ((unsigned long long)(x))

/* ---- descriptors, straight from the manual ----------------------------- */

#define D_VALID (1ull << 0)
#define D_TABLE (3ull << 0)
#define D_BLOCK (1ull << 0)
#define D_PAGE (3ull << 0)
#define D_ATTR(i) ((uint64_t)(i) << 2)
#define D_AP1 (1ull << 6)
#define D_AP2 (1ull << 7)
#define D_S2R (1ull << 6)
#define D_S2W (1ull << 7)
#define D_SH_IS (3ull << 8)
#define D_AF (1ull << 10)
#define D_NG (1ull << 11)
#define D_DBM (1ull << 51)
#define D_CONT (1ull << 52)
#define D_PXN (1ull << 53)
#define D_UXN (1ull << 54)
#define D_XN(v) ((uint64_t)(v) << 53)
#define D_PXNT (1ull << 59)
#define D_UXNT (1ull << 60)
#define D_APT(v) ((uint64_t)(v) << 61)
#define D_SW (1ull << 55) /* software use, ignored by hardware */

/* TCR_EL1 (TTBR0 fields) and VTCR_EL2. */
static uint64_t tcr(unsigned int gran, unsigned int va, unsigned int ips, bool ha, bool hd)
{
	uint64_t tg0 = gran == 12 ? 0 : gran == 16 ? 1 : 2;

	return (64 - va) | (tg0 << 14) | ((uint64_t)ips << 32) | ((uint64_t)ha << 39) |
	       ((uint64_t)hd << 40);
}

static uint64_t vtcr(unsigned int gran, unsigned int va, unsigned int sl0, unsigned int ps,
		     bool ha, bool hd)
{
	uint64_t tg0 = gran == 12 ? 0 : gran == 16 ? 1 : 2;

	return (64 - va) | ((uint64_t)sl0 << 6) | (tg0 << 14) | ((uint64_t)ps << 16) |
	       ((uint64_t)ha << 21) | ((uint64_t)hd << 22);
}

#define PS_40 2u
#define PS_48 5u

TestSuite(armv8_hw_walk, .init = hwa_setup, .fini = hwa_teardown);

/* ---- hand-built paths -------------------------------------------------- */

/* Descriptor address of @va at ARM @level in the table at @table. */
static uint64_t dpa(unsigned int gran, uint64_t table, uint64_t va, int level,
		    unsigned int idx_bits)
{
	unsigned int shift = gran + (gran - 3) * (unsigned int)(3 - level);

	return table + ((va >> shift) & ((1ull << idx_bits) - 1)) * 8;
}

/*
 * Tables from @start down to @leaf_level for @va (root index bits
 * @root_bits); returns the address of the leaf descriptor's slot.  Table
 * descriptors get @tbl_attrs too.
 */
static uint64_t build_path(unsigned int gran, uint64_t root, unsigned int root_bits, int start,
			   int leaf_level, uint64_t va, uint64_t tbl_attrs)
{
	uint64_t table = root;
	unsigned int bits = root_bits;

	for (int level = start; level < leaf_level; level++) {
		uint64_t pa = dpa(gran, table, va, level, bits);
		uint64_t d = hwa_get(pa), next;

		if (d & 1) {
			next = d & ((1ull << 48) - 1) & ~((1ull << gran) - 1);
		} else {
			next = hwa_table(1ull << gran);
			hwa_set(pa, next | D_TABLE | tbl_attrs);
		}
		table = next;
		bits = gran - 3;
	}
	return dpa(gran, table, va, leaf_level, bits);
}

static struct genpt_arm_walk walk1(uint64_t root, uint64_t t, uint64_t va, unsigned int access,
				   bool priv)
{
	return (struct genpt_arm_walk){ .mem = &hwa_ops, .stage2 = false, .ttbr = root,
					.tcr = t, .va = va, .access = access, .priv = priv };
}

static struct genpt_arm_walk walk2(uint64_t root, uint64_t t, uint64_t va, unsigned int access)
{
	return (struct genpt_arm_walk){ .mem = &hwa_ops, .stage2 = true, .ttbr = root,
					.tcr = t, .va = va, .access = access };
}

#define S1_RW (D_AF | D_AP1 | D_SH_IS | D_NG)

/* The permission tests' page: 4 KiB at @va behind a 4 KiB-granule,
 * 48-bit, four-level stage-1 path whose table descriptors carry @tbl. */
struct s1_page {
	uint64_t root, leaf, va, tcr;
};

static struct s1_page s1_page_at(uint64_t va, uint64_t tbl)
{
	struct s1_page p = { hwa_table(4096), 0, va, tcr(12, 48, PS_48, false, false) };

	p.leaf = build_path(12, p.root, 9, 0, 3, va, tbl);
	return p;
}

/* The leaf the permission tests write: a page at 1 TiB, accessed, with
 * the permission bits @perm. */
static uint64_t s1_leaf(uint64_t perm)
{
	return (1ull << 40) | D_PAGE | D_AF | perm;
}

/* A stage-1 walk of the page for @access at EL1 (@priv) or EL0. */
static enum genpt_arm_fault s1_walk(const struct s1_page *p, unsigned int access, bool priv)
{
	struct genpt_arm_walk w = walk1(p->root, p->tcr, p->va, access, priv);

	return genpt_arm_walk(&w);
}

/* ---------------------------------------------------- reserved shapes -- */

Test(armv8_hw_walk, address_size)
{
	uint64_t root = hwa_table(4096), va = 0x1000ull;
	uint64_t t40 = tcr(12, 48, PS_40, false, false);
	uint64_t leaf = build_path(12, root, 9, 0, 3, va, 0);
	struct genpt_arm_walk w;

	hwa_set(leaf, ((1ull << 40) - 4096) | D_PAGE | S1_RW);
	w = walk1(root, t40, va, GENPT_ACCESS_READ, false);
	cr_assert_eq(genpt_arm_walk(&w), GENPT_ARM_OK);
	hwa_set(leaf, (1ull << 40) | D_PAGE | S1_RW);
	w = walk1(root, t40, va, GENPT_ACCESS_READ, false);
	cr_assert_eq(genpt_arm_walk(&w), GENPT_ARM_FAULT_ADDRESS_SIZE);
	cr_assert_eq(genpt_arm_walk_errno(GENPT_ARM_FAULT_ADDRESS_SIZE), -EACCES);
	/* 48 bits of PS take it */
	w = walk1(root, tcr(12, 48, PS_48, false, false), va, GENPT_ACCESS_READ, false);
	cr_assert_eq(genpt_arm_walk(&w), GENPT_ARM_OK);
	/* a next-level table beyond PS */
	{
		uint64_t r = hwa_table(4096);

		hwa_set(dpa(12, r, va, 0, 9), (1ull << 41) | D_TABLE);
		w = walk1(r, t40, va, GENPT_ACCESS_READ, false);
		cr_assert_eq(genpt_arm_walk(&w), GENPT_ARM_FAULT_ADDRESS_SIZE);
		cr_assert_eq(w.level, 0);
	}
	/* FEAT_LPA2 address bits [49:48] (4K) and LPA bits [15:12] (64K) */
	hwa_set(leaf, (1ull << 48) | D_PAGE | S1_RW);
	w = walk1(root, tcr(12, 48, PS_48, false, false), va, GENPT_ACCESS_READ, false);
	cr_assert_eq(genpt_arm_walk(&w), GENPT_ARM_FAULT_ADDRESS_SIZE);
	{
		uint64_t r64 = hwa_table(4096), p64 = build_path(16, r64, 6, 1, 3, va, 0);

		hwa_set(p64, (1ull << 40) | (1ull << 12) | D_PAGE | S1_RW);
		w = walk1(r64, tcr(16, 48, PS_48, false, false), va, GENPT_ACCESS_READ, false);
		cr_assert_eq(genpt_arm_walk(&w), GENPT_ARM_FAULT_ADDRESS_SIZE);
	}
	/* the root itself beyond PS */
	w = walk1(1ull << 40, t40, va, GENPT_ACCESS_READ, false);
	cr_assert_eq(genpt_arm_walk(&w), GENPT_ARM_FAULT_ADDRESS_SIZE);
}

/* ----------------------------------------------------- permissions -- */

/* AP[2:1] at stage 1: 00 EL1 RW; 01 EL0 and EL1 RW; 10 EL1 RO; 11 both RO. */
Test(armv8_hw_walk, stage1_access_permissions)
{
	struct s1_page p = s1_page_at(0x7000ull, 0);
	static const struct {
		uint64_t ap;
		bool r0, w0, r1, w1; /* EL0 read/write, EL1 read/write */
	} c[] = {
		{ 0, false, false, true, true },
		{ D_AP1, true, true, true, true },
		{ D_AP2, false, false, true, false },
		{ D_AP2 | D_AP1, true, false, true, false },
	};

	for (size_t i = 0; i < 4; i++) {
		for (int priv = 0; priv < 2; priv++) {
			bool r = priv ? c[i].r1 : c[i].r0, wr = priv ? c[i].w1 : c[i].w0;

			hwa_set(p.leaf, s1_leaf(c[i].ap));
			cr_assert_eq(s1_walk(&p, GENPT_ACCESS_READ, priv),
				     r ? GENPT_ARM_OK : GENPT_ARM_FAULT_PERMISSION,
				     "AP %zu priv %d read", i, priv);
			cr_assert_eq(s1_walk(&p, GENPT_ACCESS_WRITE, priv),
				     wr ? GENPT_ARM_OK : GENPT_ARM_FAULT_PERMISSION,
				     "AP %zu priv %d write", i, priv);
			cr_assert_eq(hwa_get(p.leaf), s1_leaf(c[i].ap));
		}
	}
}

/* UXN / PXN, and EL1 never executes what EL0 may write. */
Test(armv8_hw_walk, stage1_execute_never)
{
	struct s1_page p = s1_page_at(0x9000ull, 0);
	static const struct {
		uint64_t bits;
		bool x0, x1;
	} c[] = {
		{ D_AP1 | D_AP2, true, true },
		{ D_AP1 | D_AP2 | D_UXN, false, true },
		{ D_AP1 | D_AP2 | D_PXN, true, false },
		{ D_AP1 | D_AP2 | D_UXN | D_PXN, false, false },
		{ D_AP1, true, false },       /* EL0-writable: PXN implied */
		{ D_AP2, true, true },        /* EL1 read-only, no EL0 access */
		{ 0, true, true },            /* EL1 RW only */
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		for (int priv = 0; priv < 2; priv++) {
			hwa_set(p.leaf, s1_leaf(c[i].bits));
			cr_assert_eq(s1_walk(&p, GENPT_ACCESS_EXEC, priv),
				     (priv ? c[i].x1 : c[i].x0) ? GENPT_ARM_OK : GENPT_ARM_FAULT_PERMISSION,
				     "case %zu priv %d", i, priv);
		}
	}
}

/* APTable / UXNTable / PXNTable restrict everything below a table. */
Test(armv8_hw_walk, stage1_hierarchical_permissions)
{
	static const struct {
		uint64_t tbl;
		bool r0, w0, w1, x0, x1;
	} c[] = {
		{ 0, true, true, true, true, false },
		/* no writes: EL0 cannot write, so EL1 may execute */
		{ D_APT(2), true, false, false, true, true },
		/* no EL0 data access; execution stays with UXN / PXN */
		{ D_APT(1), false, false, true, true, true },
		{ D_UXNT, true, true, true, false, false },
		{ D_PXNT, true, true, true, true, false },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct s1_page p = s1_page_at(0x5000ull, c[i].tbl);

		hwa_set(p.leaf, s1_leaf(D_AP1));
		cr_assert_eq(s1_walk(&p, GENPT_ACCESS_READ, false) == GENPT_ARM_OK, c[i].r0,
			     "case %zu r0", i);
		cr_assert_eq(s1_walk(&p, GENPT_ACCESS_WRITE, false) == GENPT_ARM_OK, c[i].w0,
			     "case %zu w0", i);
		cr_assert_eq(s1_walk(&p, GENPT_ACCESS_WRITE, true) == GENPT_ARM_OK, c[i].w1,
			     "case %zu w1", i);
		cr_assert_eq(s1_walk(&p, GENPT_ACCESS_EXEC, false) == GENPT_ARM_OK, c[i].x0,
			     "case %zu x0", i);
		cr_assert_eq(s1_walk(&p, GENPT_ACCESS_EXEC, true) == GENPT_ARM_OK, c[i].x1,
			     "case %zu x1", i);
	}
}

/* S2AP: bit 6 read, bit 7 write; XN[1:0] with FEAT_XNX. */
Test(armv8_hw_walk, stage2_permissions)
{
	uint64_t root = hwa_table(4096), va = 0x3000ull;
	uint64_t leaf = build_path(12, root, 9, 0, 3, va, 0);
	uint64_t t = vtcr(12, 48, 2, PS_48, false, false);

	for (unsigned int ap = 0; ap < 4; ap++) {
		for (unsigned int xn = 0; xn < 4; xn++) {
			for (int priv = 0; priv < 2; priv++) {
				bool x = priv ? (xn == 0 || xn == 3) : (xn == 0 || xn == 1);
				struct genpt_arm_walk w;

				hwa_set(leaf, (1ull << 40) | D_PAGE | D_AF | ((uint64_t)ap << 6) | D_XN(xn));
				w = walk2(root, t, va, GENPT_ACCESS_READ);
				w.priv = priv;
				cr_assert_eq(genpt_arm_walk(&w) == GENPT_ARM_OK, (ap & 1) != 0);
				w = walk2(root, t, va, GENPT_ACCESS_WRITE);
				w.priv = priv;
				cr_assert_eq(genpt_arm_walk(&w) == GENPT_ARM_OK, (ap & 2) != 0);
				w = walk2(root, t, va, GENPT_ACCESS_EXEC);
				w.priv = priv;
				cr_assert_eq(genpt_arm_walk(&w) == GENPT_ARM_OK, x,
					     "ap %u xn %u priv %d", ap, xn, priv);
				cr_assert_eq(w.attr, 0);
			}
		}
	}
	hwa_set(leaf, (1ull << 40) | D_PAGE | D_AF | D_S2R | D_ATTR(0xf));
	{
		struct genpt_arm_walk w = walk2(root, t, va, GENPT_ACCESS_READ);

		cr_assert_eq(genpt_arm_walk(&w), GENPT_ARM_OK);
		cr_assert_eq(w.attr, 0xf, "MemAttr %u", w.attr);
	}
}

/* ------------------------------------------------------ stage 2 -- */

/* SL0 values the granule does not have, or that do not fit T0SZ. */
Test(armv8_hw_walk, stage2_bad_sl0)
{
	static const struct {
		unsigned int gran, ia, sl0;
	} bad[] = {
		{ 12, 48, 0 }, /* level 2 resolves at most 34 bits */
		{ 12, 48, 1 }, /* level 1 at most 43 */
		{ 12, 39, 2 }, /* level 0 needs at least 40 */
		{ 12, 25, 3 }, /* level 3 needs FEAT_TTST */
		{ 14, 48, 3 }, /* level 0 needs FEAT_LPA2 */
		{ 14, 36, 2 }, /* level 1 needs at least 37 */
		{ 16, 48, 3 }, /* reserved */
		{ 16, 47, 0 }, /* level 3 at most 33 */
	};
	uint64_t root = hwa_table(1u << 20);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct genpt_arm_walk w = walk2(root, vtcr(bad[i].gran, bad[i].ia, bad[i].sl0, PS_48,
							    false, false),
						0, GENPT_ACCESS_READ);

		cr_assert_eq(genpt_arm_walk(&w), GENPT_ARM_FAULT_CONFIG, "case %zu", i);
	}
}

/* FEAT_BBM: bit 16 of a block is nT with bbm_nt (translated as without
 * it), an address bit that must be zero without; a page has no nT. */
Test(armv8_hw_walk, block_nt_with_bbm)
{
	uint64_t root = hwa_table(4096), va = 0x40201000ull, leaf;
	uint64_t t4 = tcr(12, 48, PS_48, false, false);
	struct genpt_arm_walk w;

	leaf = build_path(12, root, 9, 0, 2, va, 0);
	hwa_set(leaf, (1ull << 40) | (1ull << 16) | D_BLOCK | S1_RW);
	w = walk1(root, t4, va, GENPT_ACCESS_READ, false);
	cr_assert_eq(genpt_arm_walk(&w), GENPT_ARM_FAULT_RESERVED, "nT is RES0 without FEAT_BBM");
	w = walk1(root, t4, va, GENPT_ACCESS_READ, false);
	w.bbm_nt = true;
	cr_assert_eq(genpt_arm_walk(&w), GENPT_ARM_OK);
	cr_assert_eq(w.pa, (1ull << 40) | (va & ((1ull << 21) - 1)));
	cr_assert_eq(w.page_shift, 21);

	root = hwa_table(4096);
	leaf = build_path(12, root, 9, 0, 3, va, 0);
	hwa_set(leaf, (1ull << 40) | (1ull << 16) | D_TABLE | S1_RW);
	w = walk1(root, t4, va, GENPT_ACCESS_READ, false);
	w.bbm_nt = true;
	cr_assert_eq(genpt_arm_walk(&w), GENPT_ARM_OK, "bit 16 of a page is an address bit");
	cr_assert_eq(w.pa, (1ull << 40) | (1ull << 16) | (va & 0xfff));
}
