/* SPDX-License-Identifier: MIT */
/*
 * testutil.h - helpers for the engine's functional tests (RISC-V format).
 *
 *  - tu_modes[]: the six RISC-V modes (Sv39/48/57 and Sv39x4/48x4/57x4).
 *  - struct tu_counter: a memory provider wrapped around genpt_physmem that
 *    counts allocations and can make the Nth one fail.
 *  - struct tu_table: a physmem-backed table created through the counter.
 *  - tu_snap_*: a byte-for-byte snapshot of every table page reachable from
 *    the root, decoded with the RISC-V bit layout independently of lib/fmt,
 *    so a test can assert "the table is unchanged" after an error.
 *  - tu_lookup(): an independent raw walk that reports the leaf (level,
 *    size, PTE) mapping an address, to check the leaf sizes genpt chose.
 */
#ifndef GENPT_TEST_TESTUTIL_H
#define GENPT_TEST_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genpt/genpt.h"

/* RISC-V PTE bits, from the privileged spec (not from lib/fmt). */
#define TU_PTE_V (1ull << 0)
#define TU_PTE_R (1ull << 1)
#define TU_PTE_W (1ull << 2)
#define TU_PTE_X (1ull << 3)
#define TU_PTE_U (1ull << 4)
#define TU_PTE_A (1ull << 6)
#define TU_PTE_D (1ull << 7)
#define TU_PTE_N (1ull << 63)
#define TU_PTE_RWX (TU_PTE_R | TU_PTE_W | TU_PTE_X)
#define TU_PTE_PPN(e) (((e) >> 10) & ((1ull << 44) - 1))

#define TU_4K (1ull << 12)
#define TU_64K (1ull << 16)
#define TU_2M (1ull << 21)
#define TU_1G (1ull << 30)
#define TU_512G (1ull << 39)
#define TU_256T (1ull << 48)

/* Default physmem for tables: 64 GiB at 4 GiB (reserved lazily). */
#define TU_PM_BASE (1ull << 32)
#define TU_PM_SIZE (64ull << 30)

struct tu_mode {
	const char *name;
	unsigned int va_bits;
	unsigned int levels;
	bool gstage;
};

enum { TU_SV39, TU_SV48, TU_SV57, TU_SV39X4, TU_SV48X4, TU_SV57X4, TU_NMODES };
extern const struct tu_mode tu_modes[TU_NMODES];

/*
 * struct tu_counter - counting provider around a physmem.  fail_at is the
 * 0-based index (in allocs) of the allocation to refuse, or -1 for never;
 * a refused allocation counts in allocs and failed but not in live.
 */
struct tu_counter {
	struct genpt_physmem *pm;
	long allocs;     /* alloc calls so far (including refused ones) */
	long failed;     /* refused alloc calls */
	long frees;
	long live;       /* blocks handed out and not freed */
	uint64_t live_bytes;
	long fail_at;
};

extern const struct genpt_mem_ops tu_counter_ops;

/* struct tu_table - a table in physmem, allocated through a counter. */
struct tu_table {
	struct genpt_physmem *pm;
	struct tu_counter cnt;
	struct genpt *pt;
	const struct tu_mode *mode;
	uint64_t features;
	uint64_t root_pa;
	uint64_t root_size;
};

/*
 * Create physmem (@pm_size bytes at TU_PM_BASE, 0 = TU_PM_SIZE) and a table
 * for @mode with @features (GENPT_FEAT_RISCV_GSTAGE is added for x4 modes).
 * Aborts the test (criterion assert) on failure.
 */
void tu_table_init(struct tu_table *t, int mode, uint64_t features,
		   uint64_t pm_size);
void tu_table_fini(struct tu_table *t);

/* The leaf sizes (log2) the format has for this table, largest first;
 * returns their number. */
unsigned int tu_leaf_shifts(const struct tu_table *t, unsigned int *shifts);

/* Input address space: lowest/highest address of each half.  For a
 * sign-extended mode half 1 is the upper half; a G-stage space has one
 * half only (returns 1, else 2). */
unsigned int tu_halves(const struct tu_table *t, uint64_t first[2],
		       uint64_t last[2]);

/* genpt_table_bytes() that asserts success. */
uint64_t tu_table_bytes(const struct tu_table *t);
/* physmem bytes in use (all allocations). */
uint64_t tu_pm_bytes(const struct tu_table *t);

/* ---- raw walk ---------------------------------------------------------- */

struct tu_leaf {
	unsigned int level;  /* 0 = 4K level */
	unsigned int shift;  /* log2 bytes of the leaf or NAPOT run */
	uint64_t first;      /* first iova of the leaf (run) */
	uint64_t pte;        /* the entry mapping the address */
	uint64_t pte_pa;
	uint64_t oa;         /* output address of the looked-up address */
};

/* 0 and *out on a leaf; -ENOENT when an invalid entry is met; -EFAULT when
 * the table is malformed (pointer at level 0, unreadable pa). */
int tu_lookup(const struct tu_table *t, uint64_t va, struct tu_leaf *out);

/* Pointer to the table memory at physical address @pa (asserts it is
 * backed). */
uint64_t *tu_ptr(const struct tu_table *t, uint64_t pa);

/* ---- snapshots ------------------------------------------------------- */

struct tu_snap_page {
	uint64_t pa;
	uint64_t size;
	unsigned int level;
	uint64_t *data;
};

struct tu_snap {
	size_t n, cap;
	struct tu_snap_page *pages;
	uint64_t table_bytes;
	long live;
	uint64_t live_bytes;
};

/* Copy every table page reachable from the root (depth first, by index),
 * plus genpt_table_bytes and the counter's live blocks/bytes. */
void tu_snap_take(const struct tu_table *t, struct tu_snap *s);
void tu_snap_free(struct tu_snap *s);
/* Assert the table now equals the snapshot byte for byte (and the counts). */
void tu_snap_expect_same(const struct tu_table *t, const struct tu_snap *s,
			 const char *what);
/* Number of table pages in a snapshot at @level. */
size_t tu_snap_count(const struct tu_snap *s, unsigned int level);

/* ---- misc ------------------------------------------------------------ */

/* splitmix64 / xorshift style PRNG with a fixed seed. */
struct tu_rng {
	uint64_t s;
};
uint64_t tu_rand(struct tu_rng *r);
/* uniform in [0, n) (n > 0) */
uint64_t tu_rand_below(struct tu_rng *r, uint64_t n);

/* A gather's three fields equal (for "gather untouched" checks). */
bool tu_gather_eq(const struct genpt_gather *a, const struct genpt_gather *b);

#endif /* GENPT_TEST_TESTUTIL_H */
