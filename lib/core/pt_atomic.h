/* SPDX-License-Identifier: MIT */
/*
 * pt_atomic.h - how the engine touches a page-table entry.
 *
 * Table memory is shared with hardware that sets A/D bits behind our back,
 * and with other threads editing disjoint ranges, so every entry access is
 * a single 64-bit atomic: loads of leaves are relaxed (the value is
 * self-contained), a load whose table pointer a walk follows is acquire and
 * the store or compare-and-swap that publishes a table is release (a
 * thread or hardware must see the zeroed child before the pointer), and
 * a change of the dirty state is a compare-and-swap unless hardware has
 * nothing left to change in the entry (see pt_set_dirty_state()), so a
 * concurrent update of another bit is never lost.
 */
#ifndef GENPT_PT_ATOMIC_H
#define GENPT_PT_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

static inline uint64_t pt_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void pt_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* A load whose table pointer may be followed: pairs with the release that
 * published the child, so its zeroed entries are seen. */
static inline uint64_t pt_load_acquire(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/*
 * Publish a new table in an entry expected to hold *expected.  Two threads
 * mapping disjoint ranges may race for the same missing table: one wins,
 * the loser gets the winner's entry in *expected (acquire, so it may walk
 * into it) and frees its own page.
 */
static inline bool pt_cas_install(uint64_t *p, uint64_t *expected, uint64_t v)
{
	return __atomic_compare_exchange_n(p, expected, v, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* A store that publishes nothing (the dirty state of a live leaf). */
static inline void pt_store_relaxed(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/* On failure *expected is the current value. */
static inline bool pt_cas_relaxed(uint64_t *p, uint64_t *expected, uint64_t v)
{
	return __atomic_compare_exchange_n(p, expected, v, false,
					   __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

#endif /* GENPT_PT_ATOMIC_H */
