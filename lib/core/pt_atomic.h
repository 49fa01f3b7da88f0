/* SPDX-License-Identifier: MIT */
/*
 * pt_atomic.h - how the engine touches a page-table entry.
 *
 * Table memory is shared with hardware that sets A/D bits behind our back,
 * so every entry access is a single 64-bit atomic: loads are relaxed (the
 * value is self-contained), stores that publish a table or a leaf are
 * release (the hardware must see the zeroed child before the pointer), and
 * dirty cleaning is a fetch-and/or so a concurrent update of another bit is
 * never lost.
 */
#ifndef GENPT_PT_ATOMIC_H
#define GENPT_PT_ATOMIC_H

#include <stdint.h>

static inline uint64_t pt_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void pt_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline uint64_t pt_fetch_and(uint64_t *p, uint64_t mask)
{
	return __atomic_fetch_and(p, mask, __ATOMIC_RELAXED);
}

static inline uint64_t pt_fetch_or(uint64_t *p, uint64_t bits)
{
	return __atomic_fetch_or(p, bits, __ATOMIC_RELAXED);
}

#endif /* GENPT_PT_ATOMIC_H */
