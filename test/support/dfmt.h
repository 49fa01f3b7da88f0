/* SPDX-License-Identifier: MIT */
/*
 * dfmt.h - one view of every format for the format-neutral dirty suites
 * (test_fmt_dirty*.c): every configuration the per-format suites ran, a
 * table of it, and its leaf entries read from table memory.
 *
 * The raw reads go through each family's independent walker
 * (testutil.h tu_lookup for RISC-V, armv8_util.h arm_lookup, x86_util.h
 * xu_lookup), which decode entries from the specifications, not from
 * lib/fmt or lib/hw.  What a test needs of an entry is only: where its
 * members are, whether it is write-dirty, whether it has the accessed
 * flag, and whether it is a well-formed leaf for what was mapped.
 *
 * Every symbol is prefixed df_.
 */
#ifndef GENPT_TEST_DFMT_H
#define GENPT_TEST_DFMT_H

#include <stdbool.h>
#include <stdint.h>

#include "armv8_util.h"
#include "genpt/genpt.h"
#include "testutil.h"
#include "x86_util.h"

#define DF_RW (GENPT_READ | GENPT_WRITE)
#define DF_RO GENPT_READ

enum df_fam { DF_RISCV, DF_ARM, DF_X86 };

struct df_cfg {
	const char *name;
	enum df_fam fam;
	int mode;         /* tu_modes[] / xu_modes[] index */
	const char *arm;  /* arm_modes[] name */
};

/* Every configuration: the six RISC-V modes (Svnapot), every ARM mode
 * (DBM and contiguous hint; 4K, 16K and 64K granules, both stages), every
 * x86-64, VT-d second-stage and AMD v1 mode. */
extern const struct df_cfg df_cfgs[];
extern const unsigned int df_ncfgs;
/* The configuration called @name (asserts it exists). */
const struct df_cfg *df_cfg_named(const char *name);

struct df_table {
	const struct df_cfg *c;
	struct genpt *pt;
	struct genpt_caps caps;
	const char *name;
	union {
		struct tu_table rv;
		struct arm_table arm;
		struct xu_table x86;
	} u;
};

/* A physmem of @pm_size bytes (0: the family's default) and a table of
 * @c, tracking off; asserts. */
void df_init(struct df_table *t, const struct df_cfg *c, uint64_t pm_size);
/* Destroy; expects every table block back. */
void df_fini(struct df_table *t);

/* ---- geometry (from genpt_query_caps) -------------------------------- */

uint64_t df_gran(const struct df_table *t);
/* Leaf sizes (log2), largest first; returns the count. */
unsigned int df_shifts(const struct df_table *t, unsigned int *shifts);
/* Size of the part of the input space a leaf goes in: the lower half of
 * a sign-extended space, else all of it (0 = 2^64). */
uint64_t df_half(const struct df_table *t);
bool df_sign_extend(const struct df_table *t);
/* Bytes one entry of a leaf of @size maps (the level holding @size). */
uint64_t df_entry_size(const struct df_table *t, uint64_t size);
/* Entries (run members, AMD v1 replicas) a leaf of @size takes. */
unsigned int df_members(const struct df_table *t, uint64_t size);

/* ---- raw entries ----------------------------------------------------- */

/* The entry holding @iova's leaf (NULL: nothing maps it); *@size gets the
 * bytes of the leaf or run. */
uint64_t *df_slot(const struct df_table *t, uint64_t iova, uint64_t *size);
bool df_dirty(const struct df_table *t, uint64_t e);
bool df_accessed(const struct df_table *t, uint64_t e);
/* @e with its write-dirty state / accessed flag set to @on. */
uint64_t df_with_dirty(const struct df_table *t, uint64_t e, bool on);
uint64_t df_with_accessed(const struct df_table *t, uint64_t e, bool on);
/*
 * Assert @e, member @i of a leaf [@iova, +@size) -> @oa with @prot, is a
 * well-formed leaf entry (valid, accessed, the run encoding, its output
 * address, its permissions), dirty state aside.
 */
void df_expect_leaf_entry(const struct df_table *t, uint64_t e, uint64_t iova,
			  uint64_t size, uint64_t oa, unsigned int prot, unsigned int i,
			  const char *what);
/* Assert the table entries on the way to @va carry no dirty state, and
 * (x86-64, VT-d) the accessed flag only if @accessed. */
void df_expect_tables(const struct df_table *t, uint64_t va, bool accessed,
		      const char *what);

#endif /* GENPT_TEST_DFMT_H */
