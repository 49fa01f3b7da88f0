/* SPDX-License-Identifier: MIT */
/*
 * armv8_util.h - helpers for the ARMv8 (VMSAv8-64) suites.
 *
 *  - arm_modes[]: the table configurations the suites run (granule, input
 *    size, stage) with the geometry the Arm ARM gives them, written out
 *    here by hand (levels, start level, concatenated initial tables).
 *  - struct arm_table: a physmem-backed table allocated through the
 *    counting provider of testutil.h (struct tu_counter).
 *  - arm_lookup(): an independent raw walk of table memory, decoding the
 *    descriptors with the bit positions below (taken from the Arm ARM, not
 *    from lib/fmt or lib/hw).
 *  - arm_snap_*: byte-for-byte snapshots of every reachable table (struct
 *    tu_snap), for "nothing changed" checks.
 *  - arm_model_*: the oracle of model.h (its extent list and leaf rule are
 *    format-neutral) with the ARM leaf sizes and an ARM-aware comparison.
 */
#ifndef GENPT_TEST_ARMV8_UTIL_H
#define GENPT_TEST_ARMV8_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genpt/genpt.h"
#include "model.h"
#include "testutil.h"

/* Descriptor bits (Arm ARM, VMSAv8-64 descriptor formats). */
#define ARM_D_VALID (1ull << 0)
#define ARM_D_TYPE (3ull << 0)    /* 0b11 table/page, 0b01 block */
#define ARM_D_ATTRINDX(e) (((e) >> 2) & 7) /* stage 1 */
#define ARM_D_MEMATTR(e) (((e) >> 2) & 0xf) /* stage 2 */
#define ARM_D_AP1 (1ull << 6)
#define ARM_D_AP2 (1ull << 7)
#define ARM_D_S2AP_R (1ull << 6)
#define ARM_D_S2AP_W (1ull << 7)
#define ARM_D_SH(e) (((e) >> 8) & 3)
#define ARM_D_AF (1ull << 10)
#define ARM_D_NG (1ull << 11)
#define ARM_D_DBM (1ull << 51)
#define ARM_D_CONT (1ull << 52)
#define ARM_D_PXN (1ull << 53)
#define ARM_D_UXN (1ull << 54)
#define ARM_D_S2XN(e) (((e) >> 53) & 3)
#define ARM_D_ADDR(e, bits) ((e) & ((1ull << 48) - 1) & ~((1ull << (bits)) - 1))

#define ARM_SZ_4K (1ull << 12)
#define ARM_SZ_16K (1ull << 14)
#define ARM_SZ_64K (1ull << 16)
#define ARM_SZ_2M (1ull << 21)
#define ARM_SZ_32M (1ull << 25)
#define ARM_SZ_512M (1ull << 29)
#define ARM_SZ_1G (1ull << 30)

#define ARM_ALL_FEAT (GENPT_FEAT_ARMV8_CONTIG | GENPT_FEAT_ARMV8_DBM)

struct arm_mode {
	const char *name;
	unsigned int granule_bits;
	unsigned int va_bits;
	bool stage2;
	unsigned int levels;      /* lookup levels */
	unsigned int start_level; /* the architecture's numbering */
	unsigned int concat;      /* initial tables (1: not concatenated) */
};

extern const struct arm_mode arm_modes[];
extern const unsigned int arm_nmodes;
/* The mode called @name (asserts it exists). */
const struct arm_mode *arm_mode_named(const char *name);

struct arm_table {
	struct genpt_physmem *pm;
	struct tu_counter cnt;
	struct genpt *pt;
	const struct arm_mode *mode;
	uint64_t features; /* as created (GENPT_FEAT_ARMV8_S2 added for stage 2) */
	struct genpt_hw_info info;
	uint64_t root_pa;
	uint64_t root_size;
	char name[64];     /* mode name and features, for messages */
};

/* Physmem of @pm_size bytes (0 = TU_PM_SIZE) at TU_PM_BASE and a table for
 * @m with @features (S2 added for stage-2 modes).  Asserts on failure. */
void arm_table_init(struct arm_table *t, const struct arm_mode *m,
		    uint64_t features, uint64_t pm_size);
/* Destroy; expect no table block left in the provider. */
void arm_table_fini(struct arm_table *t);

/* ---- geometry, from the Arm ARM --------------------------------------- */

unsigned int arm_stride(const struct arm_mode *m);
/* log2 of the bytes one entry at genpt level @lvl (0 = page) maps. */
unsigned int arm_lvl_shift(const struct arm_mode *m, unsigned int lvl);
/* A block or page may sit at genpt level @lvl. */
bool arm_lvl_leaf(const struct arm_mode *m, unsigned int lvl);
/* log2 of the entries of a contiguous run at genpt level @lvl. */
unsigned int arm_contig_log2(const struct arm_mode *m, unsigned int lvl);
/* Index bits of the root (with concatenation). */
unsigned int arm_root_bits(const struct arm_mode *m);
/* Leaf sizes (log2), largest first, including contiguous runs when the
 * table has GENPT_FEAT_ARMV8_CONTIG; returns how many. */
unsigned int arm_leaf_shifts(const struct arm_table *t, unsigned int *shifts);
/* The genpt level and run (log2 entries) of a leaf of 2^@shift bytes. */
void arm_shift_level(const struct arm_table *t, unsigned int shift,
		     unsigned int *lvl, unsigned int *run);
/* Last input address: 2^va_bits - 1. */
uint64_t arm_va_last(const struct arm_table *t);

/* ---- raw walk ----------------------------------------------------------- */

struct arm_leaf {
	unsigned int level;  /* genpt level, 0 = page */
	unsigned int run;    /* log2 entries of the contiguous run, 0 if none */
	unsigned int shift;  /* log2 bytes of the leaf or run */
	uint64_t first;      /* first input address of the leaf (run) */
	uint64_t desc;       /* the descriptor mapping the address */
	uint64_t desc_pa;
	uint64_t oa;         /* output address of the looked-up address */
};

/* 0 and *out on a leaf; -ENOENT on an invalid descriptor; -EFAULT when the
 * table is malformed (reserved type, block where none may be, RES0 address
 * bits set, a contiguous member whose address disagrees, unbacked pa). */
int arm_lookup(const struct arm_table *t, uint64_t va, struct arm_leaf *out);
/* Pointer to table memory at @pa (asserts it is backed). */
uint64_t *arm_ptr(const struct arm_table *t, uint64_t pa);
/* Atomic load of the descriptor at @pa. */
uint64_t arm_desc_at(const struct arm_table *t, uint64_t pa);

/* ---- snapshots ---------------------------------------------------------- */

void arm_snap_take(const struct arm_table *t, struct tu_snap *s);
uint64_t arm_table_bytes(const struct arm_table *t);

/* ---- the oracle ---------------------------------------------------------- */

void arm_model_init(struct model *m, const struct arm_table *t);
/* Like model_check() / model_check_range() (model.h), for ARM tables:
 * every expected leaf through arm_lookup (level, run, size, output
 * address, permission bits), genpt_iova_to_phys and genpt_hw_access; the
 * holes the model has give -ENOENT everywhere. */
void arm_model_check(const struct arm_table *t, const struct model *m,
		     struct tu_rng *rng);
void arm_model_check_range(const struct arm_table *t, const struct model *m,
			   uint64_t first, uint64_t last, struct tu_rng *rng);
/* The descriptor @e allows what @prot asks (AP / S2AP / DBM / XN). */
void arm_expect_prot(const struct arm_table *t, uint64_t e, unsigned int prot,
		     const char *what);

#endif /* GENPT_TEST_ARMV8_UTIL_H */
