/* SPDX-License-Identifier: MIT */
/*
 * x86_util.h - test helpers for the three x86 IOMMU table formats: x86-64
 * (VT-d first stage / AMD v2), Intel VT-d second stage, AMD IOMMU v1.
 *
 *  - xu_modes[]: every configuration (x86-64 4/5 level, VT-d SS 3/4/5 level,
 *    AMD v1 modes 1..6) with what genpt_hw_info() must report.
 *  - struct xu_table: a physmem-backed table allocated through the
 *    counting provider of testutil.h (tu_counter_ops).
 *  - xu_lookup(): a raw walk of table memory that decodes entries from the
 *    manuals on its own (neither lib/fmt nor lib/hw), to check the leaves
 *    genpt wrote bit by bit.
 *  - xu_snap_*: byte-for-byte snapshots of every reachable table page.
 *  - struct xm: the oracle (sorted extents, and the leaves "the largest page
 *    sizes alignment allows" implies for them), as test/support/model.h
 *    does for RISC-V, with the larger set of page sizes AMD v1 has.
 *
 * Every symbol is prefixed xu_ / xm_ (support files link into every test).
 */
#ifndef GENPT_TEST_X86_UTIL_H
#define GENPT_TEST_X86_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genpt/genpt.h"
#include "testutil.h"

#define XU_4K (1ull << 12)
#define XU_8K (1ull << 13)
#define XU_64K (1ull << 16)
#define XU_1M (1ull << 20)
#define XU_2M (1ull << 21)
#define XU_1G (1ull << 30)
#define XU_512G (1ull << 39)
#define XU_256T (1ull << 48)

#define XU_OA_BITS 52 /* every x86 format's output width */

enum xu_family { XU_FAM_X86_64, XU_FAM_VTDSS, XU_FAM_AMDV1 };

struct xu_mode {
	const char *name;
	enum genpt_format format;
	enum xu_family fam;
	unsigned int va_bits;
	unsigned int levels;
	unsigned int hw_mode;  /* genpt_hw_info().mode */
	bool sign_extend;
};

enum {
	XU_X86_48, XU_X86_57,
	XU_VTD_39, XU_VTD_48, XU_VTD_57,
	XU_AMD_1, XU_AMD_2, XU_AMD_3, XU_AMD_4, XU_AMD_5, XU_AMD_6,
	XU_NMODES
};
extern const struct xu_mode xu_modes[XU_NMODES];

/* ---- tables ----------------------------------------------------------- */

struct xu_table {
	struct genpt_physmem *pm;
	struct tu_counter cnt;
	struct genpt *pt;
	const struct xu_mode *mode;
	uint64_t features;
	uint64_t root_pa;
	uint64_t root_size;
};

/* physmem of @pm_size bytes (0: 64 GiB, reserved lazily) at TU_PM_BASE and a
 * table for @mode; asserts. */
void xu_table_init(struct xu_table *t, int mode, uint64_t features,
		   uint64_t pm_size);
/* destroy; expects every table block to be back */
void xu_table_fini(struct xu_table *t);
uint64_t xu_table_bytes(const struct xu_table *t);
uint64_t *xu_ptr(const struct xu_table *t, uint64_t pa);

/* Input space: lowest / highest address of each half (2 for a
 * sign-extended mode, else 1). */
unsigned int xu_halves(const struct xu_table *t, uint64_t first[2],
		       uint64_t last[2]);
bool xu_va_valid(const struct xu_table *t, uint64_t va);
/* [first, last] inside one half */
bool xu_in_space(const struct xu_table *t, uint64_t first, uint64_t last);

/* Page sizes (log2) the table has, largest first; returns the count (<= 64). */
unsigned int xu_leaf_shifts(const struct xu_table *t, unsigned int *shifts);
/* Level of the entries of a leaf of 2^shift bytes, and how many entries
 * (replicas) it takes. */
unsigned int xu_shift_level(unsigned int shift);
unsigned int xu_shift_entries(unsigned int shift);

/* ---- raw walk ----------------------------------------------------------- */

struct xu_leaf {
	unsigned int level;   /* level of the entry, 0 = 4K */
	unsigned int shift;   /* log2 bytes of the page */
	unsigned int nrep;    /* entries holding the page (AMD v1 replicas) */
	uint64_t first;       /* first iova of the page */
	uint64_t pte;         /* the entry the address selects */
	uint64_t pte_pa;
	uint64_t first_pte_pa; /* the page's first entry (of its replicas) */
	uint64_t page_oa;     /* output address of the page start */
	uint64_t oa;          /* output address of the looked-up address */
	bool r, w, x;         /* what the leaf allows */
	bool accessed, dirty; /* A / D of the selected entry */
};

/* 0 and *out for a leaf; -ENOENT at a non-present entry; -EFAULT when the
 * table is malformed (reserved encoding, unbacked address). */
int xu_lookup(const struct xu_table *t, uint64_t va, struct xu_leaf *out);
/* Raw entry bits, per family (for bit-level assertions). */
uint64_t xu_dirty_bit(const struct xu_table *t);
uint64_t xu_accessed_bit(const struct xu_table *t);
/* The raw entry holding @va's leaf, asserting there is one. */
uint64_t *xu_leaf_slot(const struct xu_table *t, uint64_t va,
		       struct xu_leaf *lf);
/* Is @e, loaded from level @lvl, a table pointer? */
bool xu_is_table(const struct xu_table *t, unsigned int lvl, uint64_t e);

/* ---- snapshots -------------------------------------------------------- */

struct xu_snap_page {
	uint64_t pa;
	unsigned int level;
	uint64_t *data; /* 512 entries */
};

struct xu_snap {
	size_t n, cap;
	struct xu_snap_page *pages;
	uint64_t table_bytes;
	long live;
	uint64_t live_bytes;
};

void xu_snap_take(const struct xu_table *t, struct xu_snap *s);
void xu_snap_free(struct xu_snap *s);
void xu_snap_expect_same(const struct xu_table *t, const struct xu_snap *s,
			 const char *what);
size_t xu_snap_count(const struct xu_snap *s, unsigned int level);

/* ---- model -------------------------------------------------------------- */

struct xm_ext {
	uint64_t iova;
	uint64_t last; /* inclusive */
	uint64_t oa;
	unsigned int prot;
};

struct xm {
	struct xm_ext *e;
	size_t n, cap;
	unsigned int nshifts;
	unsigned int shifts[64]; /* largest first */
};

void xm_init(struct xm *m, const struct xu_table *t);
void xm_fini(struct xm *m);
int xm_map(struct xm *m, uint64_t iova, uint64_t oa, uint64_t len,
	   unsigned int prot);
int xm_unmap(struct xm *m, uint64_t iova, uint64_t len, uint64_t *unmapped);
const struct xm_ext *xm_find(const struct xm *m, uint64_t va);
/* The leaf holding @va under the rule: false when unmapped. */
bool xm_leaf_at(const struct xm *m, uint64_t va, uint64_t *first,
		unsigned int *shift);
void xm_ext_leaf_at(const struct xm *m, const struct xm_ext *x, uint64_t va,
		    uint64_t *first, unsigned int *shift);

/* Every expected leaf checked through xu_lookup (level, size, replicas,
 * output address, permissions), genpt_iova_to_phys and a hardware read;
 * the pages around each extent the model leaves unmapped must be -ENOENT. */
void xm_check(const struct xu_table *t, const struct xm *m, struct tu_rng *rng);
/* The same for the extents meeting [first, last], plus its holes. */
void xm_check_range(const struct xu_table *t, const struct xm *m,
		    uint64_t first, uint64_t last, struct tu_rng *rng);
/* Assert what leaf @lf allows matches @prot for the family. */
void xu_expect_prot(const struct xu_table *t, const struct xu_leaf *lf,
		    unsigned int prot, const char *what);

#endif /* GENPT_TEST_X86_UTIL_H */
