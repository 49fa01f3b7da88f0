/* SPDX-License-Identifier: MIT */
/*
 * fhw_arena.h - the small simulated physical memory the family walk suites
 * (test_hw_riscv_walk.c, test_armv8_hw_walk.c, test_x86_64_hw.c,
 * test_vtdss_hw.c, test_amdv1_hw.c) build tables in by hand, one for all.
 * 16 MiB at HWA_BASE, zeroed for each test (hwa_setup / hwa_teardown as
 * the suite's init / fini).
 */
#ifndef GENPT_TEST_FHW_ARENA_H
#define GENPT_TEST_FHW_ARENA_H

#include <stdint.h>

#include "genpt/table.h"

#define HWA_BASE 0x80000000ull
#define HWA_BYTES (16ull << 20)

extern const struct genpt_mem_ops hwa_ops;

void hwa_setup(void);
void hwa_teardown(void);
/* Empty and zero the arena again (a fresh start inside one test). */
void hwa_reset(void);
/* Physical address -> host pointer; NULL outside the arena. */
void *hwa_p2v(void *ctx, uint64_t pa);
/* Atomic access to the entry at @pa (asserts it is in the arena): the
 * walk under test may run on another thread and update it. */
uint64_t hwa_get(uint64_t pa);
void hwa_set(uint64_t pa, uint64_t v);
/* A zeroed table of @bytes, aligned to its size (asserts room). */
uint64_t hwa_table(uint64_t bytes);

/*
 * How one family's hand-built tables chain (x86-64, VT-d SS, AMD v1): 4 KiB
 * tables of 512 entries, the level-l index at va bits 12 + 9 * l, the
 * next table's address in bits 51:12.
 * @present:  an entry with any of these bits is present (followed).
 * @ptr_bits: what a new table pointer carries besides the address.
 * @nl_shift: where a pointer from level l carries l, the level of the
 *            table it points at in 1-based numbering (AMD's NextLevel);
 *            0 when the family has no such field.
 */
struct hwa_fmt {
	uint64_t present;
	uint64_t ptr_bits;
	unsigned int nl_shift;
};

/* The tables for @va from the root (level @top, a fresh table) down to
 * @leaf_level, new ones where no entry is present, and @leaf in the entry
 * at @leaf_level; @slots (may be NULL) gets each level's entry.  Returns
 * the root. */
uint64_t hwa_build(const struct hwa_fmt *f, unsigned int top, uint64_t va,
		   unsigned int leaf_level, uint64_t leaf, uint64_t **slots);

/*
 * req(), walk() and width_walk() of a family whose walk request has
 * .levels, an A/D switch @ad (x86-64: ad_update, VT-d SS: ssade) and a
 * physical-address width @width (maxphyaddr, haw): req() a request over
 * the arena, walk() its result; width_walk() a 4-level read at address
 * width @bits, see hwa_expect_width().
 */
#define HWA_WALKER(name, ad, width)                                                 \
	static struct name req(uint64_t root, unsigned int levels, uint64_t va,       \
			       unsigned int access, bool on)                        \
	{                                                                           \
		return (struct name){ .mem = &hwa_ops, .root_pa = root, .levels = levels, \
				      .va = va, .access = access, .ad = on };      \
	}                                                                           \
	static int walk(uint64_t root, unsigned int levels, uint64_t va, unsigned int access, \
			bool on)                                                    \
	{                                                                           \
		struct name w = req(root, levels, va, access, on);                  \
		return (int)name(&w);                                               \
	}                                                                           \
	static int width_walk(uint64_t root, uint64_t va, unsigned int bits, uint64_t *pa, \
			      unsigned int *level)                                  \
	{                                                                           \
		struct name w = req(root, 4, va, GENPT_ACCESS_READ, false);         \
		int f;                                                              \
                                                                                    \
		w.width = bits;                                                     \
		f = (int)name(&w);                                                  \
		*pa = w.pa;                                                         \
		*level = w.leaf_level;                                              \
		return f;                                                           \
	}

/* A walk at physical-address width @bits (0 = translated, else the
 * family's fault), what HWA_WALKER's width_walk() is. */
typedef int (*hwa_width_walk_fn)(uint64_t root, uint64_t va, unsigned int bits, uint64_t *pa,
				 unsigned int *level);

/*
 * A walker's physical-address width @w below 52 (x86 MAXPHYADDR, VT-d
 * HAW; no genpt configuration uses one), on the path hwa_build() made for
 * a 4 KiB page at @va (@slots): an address bit above it in the level-1
 * pointer faults with @fault at level 1; the bit at @w in the leaf faults
 * too, and translates one bit of width later.
 */
void hwa_expect_width(hwa_width_walk_fn walk, uint64_t root, uint64_t va, uint64_t **slots,
		      unsigned int w, int fault);

#endif /* GENPT_TEST_FHW_ARENA_H */
