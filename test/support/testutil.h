/* SPDX-License-Identifier: MIT */
/*
 * testutil.h - helpers for the engine's functional tests (RISC-V format).
 *
 *  - tu_modes[]: the six RISC-V modes (Sv39/48/57 and Sv39x4/48x4/57x4).
 *  - struct tu_table: a physmem-backed table created through an af_prov
 *    (anyfmt.h: every block checked back at the end).
 * The format-neutral suites use anyfmt.h (struct af_table, af_lookup).
 */
#ifndef GENPT_TEST_TESTUTIL_H
#define GENPT_TEST_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anyfmt.h"
#include "genpt/genpt.h"

#define TU_4K (1ull << 12)

/* Default physmem for tables: 64 GiB at 4 GiB (reserved lazily). */
#define TU_PM_SIZE (64ull << 30)

struct tu_mode {
	const char *name;
	unsigned int va_bits;
	unsigned int levels;
	bool gstage;
};

enum { TU_SV39, TU_SV48, TU_SV57, TU_SV39X4, TU_SV48X4, TU_SV57X4, TU_NMODES };
extern const struct tu_mode tu_modes[TU_NMODES];

/* struct tu_table - a table in physmem (@pm, @prov's). */
struct tu_table {
	struct genpt_physmem *pm;
	struct af_prov prov;
	struct genpt *pt;
	const struct tu_mode *mode;
	uint64_t features;
	uint64_t root_pa;
	uint64_t root_size;
};

/*
 * Create physmem (@pm_size bytes at 4 GiB, 0 = TU_PM_SIZE) and a table
 * for @mode with @features (GENPT_FEAT_RISCV_GSTAGE is added for x4 modes).
 * Aborts the test (criterion assert) on failure.
 */
void tu_table_init(struct tu_table *t, int mode, uint64_t features,
		   uint64_t pm_size);
void tu_table_fini(struct tu_table *t);

/* The leaf sizes (log2) the format has for this table, largest first;
 * returns their number. */
unsigned int tu_leaf_shifts(const struct tu_table *t, unsigned int *shifts);

/* ---- misc ------------------------------------------------------------ */

/* splitmix64 / xorshift style PRNG with a fixed seed. */
struct tu_rng {
	uint64_t s;
};
uint64_t tu_rand(struct tu_rng *r);
/* uniform in [0, n) (n > 0) */
uint64_t tu_rand_below(struct tu_rng *r, uint64_t n);

/* A gather's three fields equal (for "gather untouched" checks). */
bool tu_gather_eq(const struct genpt_gather *a, const struct genpt_gather *b);

/* @n bytes at @p are all zero. */
bool tu_all_zero(const void *p, size_t n);

/* Bits set in @words words of a dirty bitmap. */
uint64_t tu_popcount(const uint64_t *w, size_t words);
/* Bit @page of a dirty bitmap. */
bool tu_bit(const uint64_t *bits, uint64_t page);

#endif /* GENPT_TEST_TESTUTIL_H */
