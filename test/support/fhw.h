/* SPDX-License-Identifier: MIT */
/*
 * fhw.h - what the format-neutral hardware-walk and split suites
 * (test_fmt_hw*.c, test_fmt_split*.c) share: where to put a leaf of a
 * given size in any configuration, the raw path of table entries a walk
 * goes through (decoded by rawfmt, never lib/), and assertions on
 * genpt_hw_access() that name the configuration.
 */
#ifndef GENPT_TEST_FHW_H
#define GENPT_TEST_FHW_H

#include <stdbool.h>
#include <stdint.h>

#include "anyfmt.h"
#include "rawfmt.h"

#define FH_RW (GENPT_READ | GENPT_WRITE)
#define ULL(x) ((unsigned long long)(x))

/* A 2^@shift-aligned input address in the lower half with two free
 * neighbours of that size; false when the space has no room for one. */
bool fh_pos(const struct af_table *t, unsigned int shift, uint64_t *iova);
/* A 2^@shift-aligned output address below 2^oa_bits (never 0); false when
 * the output space is too small. */
bool fh_oa(const struct af_table *t, unsigned int shift, uint64_t *oa);

/* rawfmt for the table's configuration (asserts). */
void fh_rawfmt(const struct af_table *t, struct rawfmt *rf);

/* The entries a walk of @va reads: pa[l] for each level l from the root
 * (rf.levels - 1) down to the leaf; returns the leaf's level (asserts a
 * leaf is there). */
unsigned int fh_path(const struct af_table *t, const struct rawfmt *rf, uint64_t va,
		     uint64_t pa[RAWFMT_MAX_LEVELS]);

/* genpt_hw_access() of @va must return @want (and on 0, output @oa). */
void fh_expect_access(const struct af_table *t, uint64_t va, unsigned int access,
		      int want, uint64_t oa, const char *what);

/* genpt_map() must succeed, and the leaf at @iova be 2^@shift bytes. */
void fh_map(const struct af_table *t, uint64_t iova, uint64_t oa, unsigned int shift,
	    unsigned int prot);
/* fh_map() of one read/write granule at @iova -> @oa, then fh_path() of
 * @iova: returns the leaf's level. */
unsigned int fh_map_path(const struct af_table *t, const struct rawfmt *rf, uint64_t iova,
			 uint64_t oa, uint64_t pa[RAWFMT_MAX_LEVELS]);
/* The start of the tests that edit a walk's entries: a fresh table of @c
 * (af_table_init, no extra features), its rawfmt, and fh_map_path(). */
unsigned int fh_granule_table(struct af_table *t, const struct af_cfg *c, struct rawfmt *rf,
			      uint64_t iova, uint64_t oa, uint64_t pa[RAWFMT_MAX_LEVELS]);
/* The leaf at @va (asserts there is one). */
struct af_leaf fh_leaf(const struct af_table *t, uint64_t va, const char *what);

/* Atomic access to an entry in table memory (hardware may update it). */
uint64_t fh_get(const struct af_table *t, uint64_t pa);
void fh_set(const struct af_table *t, uint64_t pa, uint64_t v);

#endif /* GENPT_TEST_FHW_H */
