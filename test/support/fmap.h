/* SPDX-License-Identifier: MIT */
/*
 * fmap.h - what the format-neutral map suites (test_fmt_map*.c) share:
 * translations checked through both genpt_iova_to_phys() and the hardware
 * walk, the table pages of each level counted by a raw walk of table
 * memory (rawfmt, never lib/), the geometry the suites place their
 * mappings by, and a mapped range compared leaf by leaf with an explicit
 * list of sizes and with the model.  Every message starts with the
 * configuration's name.
 */
#ifndef GENPT_TEST_FMAP_H
#define GENPT_TEST_FMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anyfmt.h"
#include "fhw.h"
#include "rawfmt.h"

/* log2 of a power of two; 64 for 0 (2^64). */
static inline unsigned int fm_log2(uint64_t v)
{
	return v ? (unsigned int)__builtin_ctzll(v) : 64;
}
/* Bytes one entry of level @lvl maps (0 = pages). */
uint64_t fm_lvl_size(const struct af_cfg *c, unsigned int lvl);
/* The configuration has a leaf (or run) of 2^@shift bytes. */
bool fm_has_size(const struct af_cfg *c, unsigned int shift);
/* Level of the entries of a leaf (or run) of 2^@shift bytes. */
unsigned int fm_level_of(const struct af_cfg *c, unsigned int shift);
/* Bytes of the lower half of the input space (all of it when not
 * sign-extended); 0 for 2^64. */
uint64_t fm_half(const struct af_cfg *c);
/* The smallest run of at least 16 pages, else 16 pages (plain leaves). */
uint64_t fm_run16(const struct af_cfg *c);

/* @fn(@c', @features) for @c with each feature set of its format that
 * changes the leaf sizes or the dirty state (af_size_variants()), and for
 * each of those again with the features that change only bits
 * (af_bit_features()) as @features. */
void fm_for_variants(const struct af_cfg *c,
		     void (*fn)(const struct af_cfg *c, uint64_t features));

/* genpt_iova_to_phys() and a hardware read of @va give @want. */
void fm_expect_oa(const struct af_table *t, uint64_t va, uint64_t want);
/* genpt_iova_to_phys() and a hardware read of @va give -ENOENT. */
void fm_expect_unmapped(const struct af_table *t, uint64_t va);
/* Bytes of the table's physmem in use (table pages, gathered ones too). */
uint64_t fm_pm_bytes(const struct af_table *t);
/* The entry holding @va's leaf (asserts there is one). */
uint64_t *fm_leaf_slot(const struct af_table *t, uint64_t va);
/* Blocks the table holds in its provider. */
static inline size_t fm_live(const struct af_table *t)
{
	return t->prov.n;
}

/* The bits genpt writes in a table pointer at level @lvl besides the next
 * table's address, from the manuals: RISC-V V; ARM 0b11; x86-64 P, R/W,
 * U/S; VT-d R, W; AMD v1 PR, NextLevel = @lvl, IR, IW.  Hardware may add
 * the accessed flag (x86-64, VT-d). */
uint64_t fm_pointer_bits(const struct af_cfg *c, unsigned int lvl);
/* Assert every member of the leaf @lf has the accessed flag and, where
 * the configuration has dirty state, the write-dirty state @dirty. */
void fm_expect_members(const struct af_table *t, const struct af_leaf *lf, bool dirty,
		       const char *what);

/* Table pages of every level reachable from the root (the root counted at
 * its level), by a raw walk of table memory; asserts every entry decodes
 * and every table pointer is exactly fm_pointer_bits(), accessed aside. */
void fm_count_tables(const struct af_table *t, size_t counts[RAWFMT_MAX_LEVELS]);
/* Assert the root holds no entry at all. */
void fm_expect_root_empty(const struct af_table *t, const char *what);

/*
 * Map [iova, iova + len) -> oa read-write and compare its leaves, in order,
 * with the sizes (log2) @sizes[0..n): each at its place, its output
 * address, its exact bits (af_format.expect_bits), every member accessed
 * and write-dirty (tracking is off); then the model's
 * rule must predict the same leaves (model_leaf_count, model_expect).
 * Unmaps it again and expects only the root left.
 */
void fm_expect_leaves(struct af_table *t, uint64_t iova, uint64_t oa, uint64_t len,
		      const unsigned int *sizes, size_t n);

#endif /* GENPT_TEST_FMAP_H */
