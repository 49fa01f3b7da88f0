/* SPDX-License-Identifier: MIT */
/*
 * dfmt.h - one view of every format for the format-neutral dirty suites
 * (test_fmt_dirty*.c): the configurations of the one descriptor
 * (anyfmt.h af_all[]) that have dirty state, a table of one, and its leaf
 * entries read from table memory.
 *
 * The raw reads go through the descriptor's decoder (af_format.lookup,
 * af_format.expect_bits) and test/support/rawfmt.h, both written from the
 * specifications, not from lib/fmt or lib/hw.  What a test needs of an
 * entry is only: where its members are, whether it is write-dirty,
 * whether it has the accessed flag, and whether it is a well-formed leaf
 * for what was mapped.  No function here knows a format by name.
 *
 * Every symbol is prefixed df_.
 */
#ifndef GENPT_TEST_DFMT_H
#define GENPT_TEST_DFMT_H

#include <stdbool.h>
#include <stdint.h>

#include "anyfmt.h"
#include "genpt/genpt.h"
#include "rawfmt.h"

#define DF_RW (GENPT_READ | GENPT_WRITE)
#define DF_RO GENPT_READ

struct df_table {
	const struct af_cfg *c;
	struct af_table at;
	struct rawfmt rf;
	struct genpt *pt;
	struct genpt_caps caps;
	const char *name;
};

/* A physmem of @pm_size bytes (0: af_table's default) and a table of @c,
 * tracking off; asserts. */
void df_init(struct df_table *t, const struct af_cfg *c, uint64_t pm_size);
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
 * bytes of the leaf or run, *@lvl (if not NULL) its level (0 = pages). */
uint64_t *df_slot(const struct df_table *t, uint64_t iova, uint64_t *size, unsigned int *lvl);
/* Entry @e of a level-@lvl leaf: write-dirty / accessed (rawfmt.h). */
bool df_dirty(const struct df_table *t, unsigned int lvl, uint64_t e);
bool df_accessed(const struct df_table *t, unsigned int lvl, uint64_t e);
/* @e with its write-dirty state / accessed flag set to @on. */
uint64_t df_with_dirty(const struct df_table *t, unsigned int lvl, uint64_t e, bool on);
uint64_t df_with_accessed(const struct df_table *t, unsigned int lvl, uint64_t e, bool on);
/*
 * Assert the leaf [@iova, +@size) -> @oa with @prot is there, every member
 * a well-formed leaf entry (valid, accessed, the run encoding, its output
 * address, its permissions: af_format.expect_bits), dirty state aside; a
 * read-only leaf never write-dirty.
 */
void df_expect_leaf(const struct df_table *t, uint64_t iova, uint64_t size, uint64_t oa,
		    unsigned int prot, const char *what);
/* Assert the table pointers on the way to @va are well formed (rawfmt:
 * no attribute or dirty bits), and carry the accessed flag only if
 * @accessed (hardware may set it on a walk with tracking on). */
void df_expect_tables(const struct df_table *t, uint64_t va, bool accessed,
		      const char *what);

#endif /* GENPT_TEST_DFMT_H */
