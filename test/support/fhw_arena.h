/* SPDX-License-Identifier: MIT */
/*
 * fhw_arena.h - the small simulated physical memory the family walk suites
 * (test_hw_riscv_walk.c, test_armv8_hw_walk.c, test_x86_64_hw.c,
 * test_vtdss_hw.c, test_amdv1_hw.c) build tables in by hand, one for all.
 * 16 MiB at HWA_BASE, zeroed for each test (hwa_setup / hwa_teardown as
 * the suite's init / fini).
 */
#ifndef GENPT_TEST_FHW_ARENA_H
#define GENPT_TEST_FHW_ARENA_H

#include <stdint.h>

#include "genpt/table.h"

#define HWA_BASE 0x80000000ull
#define HWA_BYTES (16ull << 20)

extern const struct genpt_mem_ops hwa_ops;

void hwa_setup(void);
void hwa_teardown(void);
/* Empty and zero the arena again (a fresh start inside one test). */
void hwa_reset(void);
/* Physical address -> host pointer; NULL outside the arena. */
void *hwa_p2v(void *ctx, uint64_t pa);
/* Atomic access to the entry at @pa (asserts it is in the arena): the
 * walk under test may run on another thread and update it. */
uint64_t hwa_get(uint64_t pa);
void hwa_set(uint64_t pa, uint64_t v);
/* A zeroed table of @bytes, aligned to its size (asserts room). */
uint64_t hwa_table(uint64_t bytes);

#endif /* GENPT_TEST_FHW_ARENA_H */
