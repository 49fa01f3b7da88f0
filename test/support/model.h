/* SPDX-License-Identifier: MIT */
/*
 * model.h - the oracle the table is compared against.
 *
 * A plain sorted array of extents, one per successful genpt_map() call (or
 * the part of it that is still mapped).  The leaves genpt is expected to use
 * for an extent are not stored: "the largest page sizes alignment allows"
 * makes the leaves of a mapping [iova, last] -> oa exactly the maximal
 * naturally aligned blocks of a size s the format has, with (oa - iova) a
 * multiple of s, that fit inside [iova, last].  model_leaf_at() computes the
 * block holding an address from that rule, which also tells where unmap must
 * refuse to split a leaf.  Cutting an extent at leaf boundaries leaves the
 * leaves of the pieces unchanged, so unmap just trims extents.
 */
#ifndef GENPT_TEST_MODEL_H
#define GENPT_TEST_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anyfmt.h"
#include "testutil.h"

struct model_ext {
	uint64_t iova;
	uint64_t last; /* inclusive */
	uint64_t oa;
	unsigned int prot;
};

struct model {
	struct model_ext *e;
	size_t n, cap;
	unsigned int nshifts;
	unsigned int shifts[64]; /* leaf sizes (log2), largest first */
};

/* A model for RISC-V table @t: its leaf sizes come from the mode and
 * features. */
void model_init(struct model *m, const struct tu_table *t);
/* A model for a table of configuration @c (af_all[], anyfmt.h). */
void model_init_cfg(struct model *m, const struct af_cfg *c);
void model_fini(struct model *m);

/* genpt_map() semantics for good arguments: 0, or -EEXIST on any overlap
 * (then nothing changes). */
int model_map(struct model *m, uint64_t iova, uint64_t oa, uint64_t len,
	      unsigned int prot);
/* genpt_unmap() semantics for good arguments: -EINVAL when a leaf straddles
 * either end (nothing changes), else 0 and the bytes removed. */
int model_unmap(struct model *m, uint64_t iova, uint64_t len,
		uint64_t *unmapped);
/* The extent mapping @va, or NULL. */
const struct model_ext *model_find(const struct model *m, uint64_t va);
/* 0 and the output address of @va, or -ENOENT. */
int model_translate(const struct model *m, uint64_t va, uint64_t *oa);
/* The expected leaf (or NAPOT run) holding @va: false when unmapped. */
bool model_leaf_at(const struct model *m, uint64_t va, uint64_t *first,
		   unsigned int *shift);
/* Leaf of an arbitrary extent (used before it is inserted). */
void model_ext_leaf_at(const struct model *m, const struct model_ext *x,
		       uint64_t va, uint64_t *first, unsigned int *shift);
/* Number of leaves (runs count once) mapping [iova, last] -> oa takes;
 * counting stops after @limit + 1. */
uint64_t model_leaf_count(const struct model *m, uint64_t iova, uint64_t last,
			  uint64_t oa, uint64_t limit);

/*
 * Compare a table of any format with the model: every expected leaf is
 * checked through the format's raw walk (af_lookup: level, size, run,
 * output address, what it allows, and the exact entry bits), through
 * genpt_leaf_lookup (first, size, level, run, output address, prot),
 * genpt_iova_to_phys (first and last byte, an inside offset) and
 * genpt_hw_access (a read, or for a write-only leaf a refused read and an
 * allowed write; an instruction fetch where the format controls it).  The
 * pages right before and after each extent that the model has unmapped
 * must give -ENOENT everywhere.  Asserts on the first mismatch; messages
 * start with the configuration's name.  @rng may be NULL.
 */
void model_expect(const struct af_table *t, const struct model *m,
		  struct tu_rng *rng);
/* The same for the extents meeting [first, last], plus: every hole the
 * model has inside [first, last] gives -ENOENT at its first and last page
 * (and a random one). */
void model_expect_range(const struct af_table *t, const struct model *m,
			uint64_t first, uint64_t last, struct tu_rng *rng);
/* What model_expect() checks of one address the model maps (all but the
 * exact bits and the access), or of a hole: for single-address probes. */
void model_expect_va(const struct af_table *t, const struct model *m,
		     uint64_t va);

#endif /* GENPT_TEST_MODEL_H */
