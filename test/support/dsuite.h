/* SPDX-License-Identifier: MIT */
/*
 * dsuite.h - the checks the dirty suites (test_fmt_dirty*.c) share, for
 * any format (dfmt.h):
 *
 *  - struct ds_leaf: one mapping and its members (run entries, AMD v1
 *    replicas), checked entry by entry from table memory: well formed for
 *    its mapping and write-dirty exactly as a mask says.
 *  - struct ds_bmap: a dirty bitmap and the one it should be, built here
 *    bit by bit from the iommufd convention, compared word for word.
 *  - ds_harvest_expect*(): one genpt_read_and_clear_dirty() into a fresh,
 *    pre-patterned bitmap, checked against the leaves or spans expected
 *    and the gather against the range expected.
 *
 * Every message starts with the configuration's name.
 */
#ifndef GENPT_TEST_DSUITE_H
#define GENPT_TEST_DSUITE_H

#include <stdbool.h>
#include <stdint.h>

#include "dfmt.h"
#include "testutil.h" /* tu_rand: the suites' generator */

#ifndef ULL
#define ULL(x) ((unsigned long long)(x))
#endif
#define DS_ALL (~0ull) /* every member */

struct ds_leaf {
	uint64_t iova;
	uint64_t size;
	uint64_t oa;
	unsigned int prot;
};

static inline uint64_t ds_last(const struct ds_leaf *l)
{
	return l->iova + (l->size - 1);
}

unsigned int ds_members(const struct df_table *t, const struct ds_leaf *l);
uint64_t ds_member_size(const struct df_table *t, const struct ds_leaf *l);
/* The entry of member @i, found by walking table memory (asserts the leaf
 * is there with its size). */
uint64_t *ds_member_slot(const struct df_table *t, const struct ds_leaf *l, unsigned int i);
uint64_t ds_member_entry(const struct df_table *t, const struct ds_leaf *l, unsigned int i);
/* The level of @l's entries (0 = pages; asserts it is mapped). */
unsigned int ds_level(const struct df_table *t, const struct ds_leaf *l);
/* Bit i = member i is write-dirty; members 63 and up share bit 63. */
uint64_t ds_dmask(const struct df_table *t, const struct ds_leaf *l);
/* Every member well formed, and write-dirty exactly as bit i of @dmask
 * (DS_ALL: every member; otherwise members from 64 on clean). */
void ds_check(const struct df_table *t, const struct ds_leaf *l, uint64_t dmask,
	      const char *when);
void ds_map(struct df_table *t, const struct ds_leaf *l);
void ds_unmap(struct df_table *t, const struct ds_leaf *l);
/* The member a test writes through: 7 of a run (its last if shorter),
 * and where in it. */
unsigned int ds_write_member(const struct df_table *t, const struct ds_leaf *l);
uint64_t ds_write_addr(const struct df_table *t, const struct ds_leaf *l);
/* genpt_hw_access() succeeding with the output address @l gives. */
void ds_hw_write(struct df_table *t, const struct ds_leaf *l, uint64_t iova);
void ds_hw_read(struct df_table *t, const struct ds_leaf *l, uint64_t iova);
/* Write through the members named in @mask (bit i: member i < 64). */
void ds_write_members(struct df_table *t, const struct ds_leaf *l, uint64_t mask);
void ds_set_tracking(struct df_table *t, bool on);

/* ---- bitmaps ---------------------------------------------------------- */

struct ds_bmap {
	struct genpt_dirty_bitmap bm;
	uint64_t last;   /* last address the bitmap covers */
	uint64_t nbits;
	uint64_t nwords;
	uint64_t *got;   /* what the library writes into */
	uint64_t *exp;   /* what it should hold */
};

void ds_bmap_init(struct ds_bmap *b, uint64_t iova, uint64_t len, unsigned int ps);
void ds_bmap_fini(struct ds_bmap *b);
void ds_bmap_setbit(uint64_t *w, uint64_t i);
bool ds_bmap_bit(const uint64_t *w, uint64_t i);
/* A sparse pattern in both: the library may only OR bits in. */
void ds_bmap_preset(struct ds_bmap *b, uint64_t seed);
/* Expect the part of [first, last] inside the query [qf, ql]. */
void ds_bmap_expect(struct ds_bmap *b, uint64_t qf, uint64_t ql, uint64_t first,
		    uint64_t last);
void ds_bmap_check(const struct df_table *t, const struct ds_bmap *b, const char *what);

/* ---- harvests ---------------------------------------------------------- */

void ds_check_gather(const struct df_table *t, const struct genpt_gather *g,
		     uint64_t start, uint64_t last, const char *what);
void ds_check_gather_empty(const struct df_table *t, const struct genpt_gather *g,
			   const char *what);
int ds_harvest(struct df_table *t, uint64_t first, uint64_t len, unsigned int flags,
	       struct ds_bmap *b, struct genpt_gather *g);

/* An inclusive range expected in a bitmap: a dirty leaf, or the part of
 * one the table carries. */
struct ds_span {
	uint64_t first, last;
};

/* The query [qf, +qlen) with @flags into a pre-patterned bitmap [bm_iova,
 * +bm_len) of page shift @ps: the parts of the @nrep spans inside the
 * query reported, nothing else; the gather [gs, gl] (gs > gl: empty). */
struct ds_q {
	uint64_t bm_iova, bm_len;
	unsigned int ps;
	uint64_t qf, qlen;
	unsigned int flags;
};

void ds_expect_spans(struct df_table *t, const struct ds_q *q, const struct ds_span *rep,
		     unsigned int nrep, uint64_t gs, uint64_t gl, const char *what);
/* As ds_expect_spans() with @n dirty leaves (at most 16). */
void ds_expect_leaves(struct df_table *t, const struct ds_q *q, const struct ds_leaf *const *d,
		      unsigned int n, uint64_t gs, uint64_t gl, const char *what);
/* As ds_expect_leaves() with the gather exactly @cleaned (NULL: empty). */
void ds_expect(struct df_table *t, const struct ds_q *q, const struct ds_leaf *const *d,
	       unsigned int n, const struct ds_leaf *cleaned, const char *what);

/* Shorthand: a query of the whole bitmap. */
static inline struct ds_q ds_whole(uint64_t bm_iova, uint64_t bm_len, unsigned int ps,
				   unsigned int flags)
{
	return (struct ds_q){ bm_iova, bm_len, ps, bm_iova, bm_len, flags };
}

/* Bitmap page shift for a leaf of 2^@shift: 4 KiB up to 1 GiB leaves,
 * 2^18 bits per leaf above. */
static inline unsigned int ds_leaf_ps(unsigned int shift)
{
	return shift <= 30 ? 12 : shift - 18;
}

/* Run @fn on every configuration; asserts it ran (returned true) on all
 * but @skipped of them. */
void ds_each_cfg(bool (*fn)(const struct af_cfg *c), unsigned int skipped);
/* Run @fn on every configuration whose name starts with @prefix. */
void ds_each_named(const char *prefix, void (*fn)(const struct af_cfg *c));

/*
 * Register the Criterion tests of a suite: @fn on every configuration
 * with dirty state, one test per group of formats (so each has its own
 * timeout and the groups run in parallel).  The prefixes cover af_all[].
 */
#define DS_TESTS(suite, fn)                                                      \
	Test(suite, riscv, .timeout = 300) { ds_each_named("riscv/", fn); }       \
	Test(suite, armv8_s1, .timeout = 300) { ds_each_named("armv8/s1", fn); }  \
	Test(suite, armv8_s2, .timeout = 300) { ds_each_named("armv8/s2", fn); }  \
	Test(suite, x86_64_vtdss, .timeout = 300)                                 \
	{                                                                         \
		ds_each_named("x86-64/", fn);                                     \
		ds_each_named("vtdss/", fn);                                      \
	}                                                                         \
	Test(suite, amdv1, .timeout = 300) { ds_each_named("amdv1/", fn); }

#endif /* GENPT_TEST_DSUITE_H */
