/* SPDX-License-Identifier: MIT */
/*
 * x86_suite.h - test bodies shared by the x86-64, VT-d second-stage and AMD
 * v1 suites (test/test_x86_64*.c, test_vtdss*.c, test_amdv1*.c).
 *
 * Each function runs one check on one configuration (an xu_modes[] index,
 * x86_util.h) and asserts; the test files register them per format.  They
 * are the RISC-V suites' checks (test_map.c, test_random.c)
 * restated over x86_util's format-aware raw walk and model, plus exact
 * entry bits.  The error and dirty checks run on every format
 * (test_fmt_errors*.c, test_fmt_dirty*.c).
 */
#ifndef GENPT_TEST_X86_SUITE_H
#define GENPT_TEST_X86_SUITE_H

#include <stdbool.h>
#include <stdint.h>

#include "x86_util.h"

#define XS_RW (GENPT_READ | GENPT_WRITE)

/* ---- exact entry bits (x86_suite_map.c) ------------------------------- */

/*
 * The entry genpt must write for a page of 2^@shift bytes at @page_oa with
 * @prot (A set; D as @dirty; GENPT_CACHE / MMIO as the format maps them
 * with @features).  For an AMD v1 run this is every replica.
 */
uint64_t xs_leaf_bits(const struct xu_table *t, unsigned int shift,
		      uint64_t page_oa, unsigned int prot, bool dirty);
/* The table pointer genpt must write at level @lvl for a child at @pa
 * (without A, which hardware may add). */
uint64_t xs_table_bits(const struct xu_table *t, unsigned int lvl, uint64_t pa);
/* Assert every entry of the leaf at @va equals xs_leaf_bits(), with the D
 * bits of the entries as in @dmask (bit i: replica i; replicas past 31
 * follow bit 31) and A as @amask (~0u: all A set). */
void xs_expect_leaf(const struct xu_table *t, uint64_t va, unsigned int shift,
		    uint64_t page_oa, unsigned int prot, unsigned int dmask,
		    unsigned int amask, const char *what);
/* Assert the table pointers on the way to @va are exactly xs_table_bits(),
 * A clear unless @accessed. */
void xs_expect_tables(const struct xu_table *t, uint64_t va, bool accessed,
		      const char *what);

/* ---- map / unmap / gather (x86_suite_map.c) --------------------------- */

void xs_leaf_sizes(int mode, uint64_t features);
void xs_mixed_leaves(int mode);
void xs_oa_alignment(int mode);
void xs_whole_space(int mode);
void xs_unmap_holes(int mode);
void xs_unmap_leaf_by_leaf(int mode);
void xs_prot_bits(int mode, uint64_t features);
void xs_gather(int mode);
void xs_destroy_frees(int mode);
/* hw_access sets A on every entry of the walk (x86-64, VT-d) or on the
 * leaf (AMD v1) with tracking on, and writes nothing with it off. */
void xs_hw_accessed(int mode);


#endif /* GENPT_TEST_X86_SUITE_H */
