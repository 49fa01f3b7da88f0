/* SPDX-License-Identifier: MIT */
/*
 * fe_pop.h - the populated table the format-neutral error suites
 * (test_fmt_errors*.c) fail calls against, for any af_all[] configuration.
 *
 * The layout is scaled to the configuration so the same checks run on a
 * 2 MiB AMD v1 mode-1 table and on a 64 KiB-granule ARM one: R is the
 * largest block (a level-1-or-higher leaf size) with eight of them in the
 * lower half, or 64 granules when the format has no such block there.
 *   a   one granule leaf at R + g (in the table under [R, 2R))
 *   b   the smallest contiguous run at R + 4 run (0 when none, or when
 *       five runs do not fit in R)
 *   c   a block of R bytes at 2R (0 when no block)
 *   ro  a read-only granule at 4R + g
 *   top a granule at the top of each half
 * and a gather that already holds a range and freed table pages, so
 * "gather untouched" means something.
 */
#ifndef GENPT_TEST_FE_POP_H
#define GENPT_TEST_FE_POP_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "anyfmt.h"
#include "testutil.h"

#define FE_RW (GENPT_READ | GENPT_WRITE)

struct fe_pop {
	struct af_table t;
	const struct af_cfg *c;
	struct genpt_gather g;
	uint64_t gr;    /* granule bytes */
	uint64_t R;     /* block size (or 64 granules) */
	uint64_t run;   /* smallest run, 0 if none */
	uint64_t a, b, c_va, ro;
	uint64_t oa0;   /* an output address every config can map */
	uint64_t f[2], l[2];
	unsigned int nh;
	unsigned int hb; /* log2 of one half of the input space */
	bool block;     /* c exists */
};

void fe_pop_init(struct fe_pop *p, const struct af_cfg *c);
void fe_pop_fini(struct fe_pop *p);
/* Run @check on a freshly populated table of every af_all[] configuration,
 * so each error test states only its calls. */
void fe_each(void (*check)(struct fe_pop *p));
/* The input address of the free area at 3R. */
static inline uint64_t fe_free_va(const struct fe_pop *p)
{
	return 3 * p->R;
}
/* Bytes one root entry spans: no table below the root reaches further. */
uint64_t fe_root_span(const struct fe_pop *p);
/* The address range [iova, iova + len) maps nothing (sampled). */
void fe_expect_unmapped(const struct fe_pop *p, uint64_t iova, uint64_t len,
			const char *what);

/* Run one call that must fail with @want and leave table and gather be;
 * a failed map may leave empty tables (reclaimed, bounded). */
#define FE_UNCHANGED(p, want, call, ...)                                      \
	do {                                                                  \
		struct af_snap s_;                                            \
		struct genpt_gather g0_ = (p)->g;                             \
		int err_;                                                     \
		char what_[160];                                              \
                                                                              \
		snprintf(what_, sizeof(what_), __VA_ARGS__);                  \
		af_reclaim((p)->t.pt, UINT64_MAX, (p)->c->name, "before");    \
		af_snap_take(&(p)->t.prov, (p)->t.pt, &s_);                   \
		err_ = (call);                                                \
		cr_assert_eq(err_, (want), "%s: %s: got %d, want %d",         \
			     (p)->c->name, what_, err_, (want));              \
		af_reclaim((p)->t.pt, strncmp(#call, "genpt_map(", 10) ? 0 :  \
			   af_map_leftover_pages((p)->t.pt), (p)->c->name, what_); \
		af_snap_expect_same(&(p)->t.prov, (p)->t.pt, &s_, (p)->c->name, \
				    what_);                                   \
		cr_assert(tu_gather_eq(&g0_, &(p)->g), "%s: %s: gather changed", \
			  (p)->c->name, what_);                               \
		af_snap_free(&s_);                                            \
	} while (0)

#endif /* GENPT_TEST_FE_POP_H */
