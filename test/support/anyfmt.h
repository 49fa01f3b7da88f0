/* SPDX-License-Identifier: MIT */
/*
 * anyfmt.h - format-independent helpers for the failure-injection and
 * bad-input suites (test_failinject.c, test_api_matrix.c).
 *
 *  - af_fmts[]: one table configuration per format and variant (RISC-V,
 *    ARMv8 with and without DBM, x86-64, VT-d second stage, AMD v1), with
 *    what the tests need to know about its geometry.
 *  - struct af_prov: a memory provider that keeps a list of every block it
 *    handed out, can refuse the Nth allocation, and checks every free
 *    (unknown block or wrong size).  It wraps either a genpt_physmem or
 *    genpt_host_mem_ops; in the latter case the list holds the pointers
 *    disguised (XOR), so LeakSanitizer still sees a table page genpt
 *    drops as a leak.
 *  - af_snap_*: a snapshot of every live block's bytes (the table pages and
 *    whatever else the library took from the provider, in any format's
 *    layout), plus genpt_table_bytes and the tracking state, so "the
 *    table is exactly as before" needs no format decoder.
 */
#ifndef GENPT_TEST_ANYFMT_H
#define GENPT_TEST_ANYFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genpt/genpt.h"

struct af_fmt {
	const char *name;
	struct genpt_config cfg; /* mem / mem_ctx are filled by af_create */
	unsigned int va_bits;    /* effective input width */
	unsigned int oa_bits;    /* effective output width */
	unsigned int gshift;     /* granule (log2) */
	bool sign_extend;        /* input addresses sign-extended (two halves) */
	bool dirty;              /* the table has dirty state */
};

extern const struct af_fmt af_fmts[];
extern const unsigned int af_nfmts;

/* The leaf size one level above the granule (2 MiB for 4 KiB tables). */
static inline uint64_t af_big(const struct af_fmt *f)
{
	return 1ull << (f->gshift + f->gshift - 3);
}

static inline uint64_t af_gran(const struct af_fmt *f)
{
	return 1ull << f->gshift;
}

struct af_block {
	uintptr_t hidden; /* host pointer ^ AF_HIDE */
	size_t size;
	uint64_t pa;
};

struct af_prov {
	bool host;                 /* over genpt_host_mem_ops, else physmem */
	struct genpt_physmem *pm;
	struct af_block *b;
	size_t n, cap;
	long allocs;               /* alloc calls, refused ones included */
	long failed;               /* refused */
	long frees;
	long bad_frees;            /* frees of unknown blocks / wrong size */
	long fail_at;              /* index (in allocs) to refuse; -1 never */
};

extern const struct genpt_mem_ops af_prov_ops;

/* A provider over host memory (@host) or a fresh 1 GiB physmem at 4 GiB. */
void af_prov_init(struct af_prov *p, bool host);
/* Asserts nothing is live and no free was bad; frees the provider. */
void af_prov_fini(struct af_prov *p);
/* genpt_create() of @f over @p (the return value is genpt_create's). */
int af_create(const struct af_fmt *f, struct af_prov *p, struct genpt **out);

struct af_snap_blk {
	uintptr_t va;
	size_t size;
	unsigned char *data;
};

struct af_snap {
	size_t n;
	struct af_snap_blk *b;
	uint64_t table_bytes;
	int tracking;
};

void af_snap_take(const struct af_prov *p, const struct genpt *pt, struct af_snap *s);
void af_snap_free(struct af_snap *s);
/* cr_expect that every live block, table_bytes and the tracking state
 * equal the snapshot; returns true when they do. */
bool af_snap_expect_same(const struct af_prov *p, const struct genpt *pt,
			 const struct af_snap *s, const char *fmt_name,
			 const char *what);

/*
 * genpt_reclaim() the empty table pages and cr_assert that they were at
 * most @max_pages pages of the table's granule (a failed map may leave two
 * per level below the root; other failed calls none).  Snapshots that must
 * compare equal across a failed call are taken after a reclaim.
 */
void af_reclaim(struct genpt *pt, uint64_t max_pages, const char *fmt_name,
		const char *what);
/* Pages a failed map may leave: two per level below the root. */
uint64_t af_map_leftover_pages(const struct genpt *pt);

#endif /* GENPT_TEST_ANYFMT_H */
