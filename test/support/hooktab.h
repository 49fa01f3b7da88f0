/* SPDX-License-Identifier: MIT */
/*
 * hooktab.h - a table of any af_all[] configuration over a provider whose
 * flush callback can run a hook once: the one place in a split where the
 * library calls out between reading a leaf and swapping it (the new table
 * is flushed before it is linked), so a test can play hardware writing
 * through the old leaf at exactly that moment.  Plus the dirty-bitmap
 * plumbing the mutant-killing suites (test_mutants_*.c) share.
 *
 * Every failure message starts with the configuration's name.
 */
#ifndef GENPT_TEST_HOOKTAB_H
#define GENPT_TEST_HOOKTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anyfmt.h"
#include "genpt/genpt.h"

struct ht {
	struct genpt_physmem *pm; /* first: pmwrap.h */
	const struct af_cfg *c;
	const char *name;
	struct genpt_mem_ops ops;
	struct genpt *pt;
	uint64_t g;        /* granule bytes */
	unsigned int gsh;  /* its log2 */
	/* Run once, at the next flush after it is set (then cleared). */
	void (*on_flush)(struct ht *t);
	uint64_t hook_va;  /* what the hook acts on */
	int hook_rc;       /* what it got */
	unsigned int hook_runs;
};

/* Table of @c, tracking off; asserts. */
void ht_init(struct ht *t, const struct af_cfg *c);
void ht_fini(struct ht *t);
/* The smallest plain (non-run) leaf larger than the granule, or 0. */
uint64_t ht_block(const struct af_cfg *c);
/* [0, @end) lies in the (lower half of the) input space and below 2^oa_bits. */
bool ht_room(const struct af_cfg *c, uint64_t end);
/* genpt_map @va -> @va (identity), read-write; asserts. */
void ht_map(struct ht *t, uint64_t va, uint64_t len);
void ht_tracking(struct ht *t, bool on);
/* genpt_hw_access() write at @va; returns its result. */
int ht_write(struct ht *t, uint64_t va);
/* The hook that writes at t->hook_va into t->hook_rc. */
void ht_hook_write(struct ht *t);

/* A dirty bitmap of granule bits over [iova, iova + len). */
struct ht_bm {
	struct genpt_dirty_bitmap bm;
	uint64_t nbits;
};

void ht_bm_init(struct ht_bm *b, const struct ht *t, uint64_t iova, uint64_t len);
void ht_bm_free(struct ht_bm *b);
bool ht_bm_has(const struct ht_bm *b, uint64_t va);
uint64_t ht_bm_count(const struct ht_bm *b);
/* read_and_clear_dirty of [iova, +len) with @flags into a fresh bitmap of
 * that range (gather released); asserts it returns 0. */
void ht_harvest(struct ht *t, uint64_t iova, uint64_t len, unsigned int flags,
		struct ht_bm *out);
/* genpt_clear_dirty(@mask) (gather released); asserts it returns 0. */
void ht_clear(struct ht *t, const struct ht_bm *mask);
/* cr_expect that granule i of @b (from its iova) is set exactly when
 * want(i) is; @what names the step.  Returns true when it is. */
bool ht_bm_expect(const struct ht *t, const struct ht_bm *b, bool (*want)(uint64_t i, void *arg),
		  void *arg, const char *what);

/* The predicate of a bitmap with every granule set. */
bool ht_all(uint64_t i, void *arg);

/* Run @one on every configuration of af_all[]; it returns whether the
 * configuration had what it needs.  Asserts one did (@none says what). */
void ht_each(bool (*one)(const struct af_cfg *c), const char *none);

#endif /* GENPT_TEST_HOOKTAB_H */
