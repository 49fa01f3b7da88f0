/* SPDX-License-Identifier: MIT */
/*
 * x86_suite.h - the exact leaf bits of the x86 formats (x86-64, VT-d
 * second stage, AMD v1), for struct af_format.expect_bits (af_decode.c)
 * and the format-particular checks of test_amdv1.c.  The map, unmap,
 * error and dirty suites run on every format (test_fmt_*.c).
 */
#ifndef GENPT_TEST_X86_SUITE_H
#define GENPT_TEST_X86_SUITE_H

#include <stdbool.h>
#include <stdint.h>

#include "x86_util.h"

#define XS_RW (GENPT_READ | GENPT_WRITE)

/* ---- exact entry bits (x86_bits.c) ------------------------------------- */

/*
 * The entry genpt must write for a page of 2^@shift bytes at @page_oa with
 * @prot (A set; D as @dirty; GENPT_CACHE / MMIO as the format maps them
 * with @features).  For an AMD v1 run this is every replica.
 */
uint64_t xs_leaf_bits(const struct xu_table *t, unsigned int shift,
		      uint64_t page_oa, unsigned int prot, bool dirty);
/* Assert every entry of the leaf at @va equals xs_leaf_bits(), with the D
 * bits of the entries as in @dmask (bit i: replica i; replicas past 31
 * follow bit 31) and A as @amask (~0u: all A set). */
void xs_expect_leaf(const struct xu_table *t, uint64_t va, unsigned int shift,
		    uint64_t page_oa, unsigned int prot, unsigned int dmask,
		    unsigned int amask, const char *what);

#endif /* GENPT_TEST_X86_SUITE_H */
