/* SPDX-License-Identifier: MIT */
/*
 * split_log.h - what split-mode tracking split, so that leaving it merges
 * back exactly that.
 *
 * genpt_set_dirty_tracking_split(on) re-expresses every large leaf (or
 * contiguous run) with small ones; turning it off must give the caller
 * back the leaves it had, not everything that happens to be mergeable (a
 * range the caller mapped with small pages must stay small pages).  The
 * split notes each leaf it replaced here: its first address, level, run
 * size and entry value.  Leaving split mode merges each noted range back
 * when it still maps what the leaf mapped.
 *
 * Why a record and not a mark in the table: a run split in place
 * (Svnapot, ARM contiguous hint, AMD v1 replicas) leaves no table entry to
 * mark, leaves have no software bit in every format (AMD v1 reserves
 * 58:52), and a record keeps the entries exactly what the hardware models
 * decode.  Only the exclusive calls touch the log (set_dirty_tracking_split
 * on and off, destroy), so concurrent edits on disjoint ranges never race
 * with it; what they changed meanwhile is found when the log is read (a
 * noted range that no longer maps one contiguous range with the leaf's
 * attributes is left as it is).
 *
 * Memory: 16 bytes per split leaf, in 4 KiB pages from the table's
 * provider, counted in genpt_table_bytes(), freed when split mode ends.
 */
#ifndef GENPT_SPLIT_LOG_H
#define GENPT_SPLIT_LOG_H

#include <stdbool.h>
#include <stdint.h>

struct genpt;

struct genpt_split_rec {
	uint64_t first; /* first address | level << 5 | run log2 (low 12 bits) */
	uint64_t e;     /* the leaf's entry, write-clean */
};

struct genpt_split_log {
	uint64_t *head;  /* newest page: [0] next page, [1] records used */
	uint64_t *spare; /* pages reserved and not used yet */
};

/* Make room for @n more records: all or nothing (-ENOMEM). */
int genpt_split_log_reserve(struct genpt *pt, uint64_t n);
/* Give back the reserved pages no record used. */
void genpt_split_log_unreserve(struct genpt *pt);
/* Note a split leaf; room was reserved, so this cannot fail. */
void genpt_split_log_add(struct genpt *pt, uint64_t first, unsigned int lvl,
			 unsigned int run, uint64_t e);
/* The newest record, false when the log is empty. */
bool genpt_split_log_last(const struct genpt *pt, struct genpt_split_rec *r);
/* Forget the newest record (freeing its page when it empties). */
void genpt_split_log_pop(struct genpt *pt);
/* Forget every record. */
void genpt_split_log_free(struct genpt *pt);

static inline unsigned int genpt_split_rec_lvl(const struct genpt_split_rec *r)
{
	return (unsigned int)(r->first >> 5) & 7u;
}

static inline unsigned int genpt_split_rec_run(const struct genpt_split_rec *r)
{
	return (unsigned int)r->first & 31u;
}

static inline uint64_t genpt_split_rec_va(const struct genpt_split_rec *r)
{
	return r->first & ~0xfffull;
}

#endif /* GENPT_SPLIT_LOG_H */
