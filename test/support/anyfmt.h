/* SPDX-License-Identifier: MIT */
/*
 * anyfmt.h - format-independent test helpers: the per-format descriptors
 * every format-neutral suite runs over, and format-independent providers
 * and snapshots.
 *
 *  - struct af_format / af_all[]: THE descriptor.  One struct af_format per
 *    table format (its leaf-size rule and its raw decoder), and af_all[]
 *    lists every configuration the suites run (struct af_cfg: the format,
 *    the genpt_config, and the geometry the manuals give it, written out
 *    by hand so the tests do not take it from lib/).  Adding a format means
 *    adding one af_format and its rows of af_all[] (anyfmt_cfg.c).
 *  - struct af_table / af_lookup(): a physmem-backed table of any config,
 *    allocated through a struct af_prov, and a raw walk of its memory that
 *    reports the leaf mapping an address in one format-neutral shape.
 *  - af_fmts[]: the older, shorter list (one configuration per format and
 *    variant) test_failinject.c, test_api_matrix.c and
 *    test_concurrent_edits.c run over.
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

/* ---- the descriptor (anyfmt_cfg.c) ------------------------------------ */

enum af_family { AF_RISCV, AF_ARMV8, AF_X86_64, AF_VTDSS, AF_AMDV1 };

struct af_cfg;
struct af_table;
struct af_leaf;

/*
 * struct af_format - what is true of every configuration of one format.
 * @name:       "riscv", "armv8", ... (the first part of af_cfg.name).
 * @format:     the genpt format.
 * @fam:        enum af_family, for the few checks that are format specific.
 * @leaf_sizes: the format's rule for its leaf sizes (from its manual): bit
 *              n of *@sizes set = a leaf (or contiguous run) of 2^n bytes;
 *              *@runs = the subset that are runs of several entries.
 * @lookup:     the raw decoder: see af_lookup().
 * @expect_bits: white box: cr_assert that every entry of the leaf (run)
 *              @lf holds the bits genpt must write for @prot, the
 *              accessed and dirty state aside (hardware and dirty tracking
 *              change those).
 */
struct af_format {
	const char *name;
	enum genpt_format format;
	enum af_family fam;
	void (*leaf_sizes)(const struct af_cfg *c, uint64_t *sizes, uint64_t *runs);
	int (*lookup)(const struct af_table *t, uint64_t va, struct af_leaf *out);
	void (*expect_bits)(const struct af_table *t, const struct af_leaf *lf,
			    unsigned int prot, const char *what);
};

/*
 * struct af_cfg - one configuration the format-neutral suites run.
 * @name:        "format/config", e.g. "armv8/s2-16k-48+dbm+contig"; every
 *               failure message starts with it.
 * @fmt:         its format.
 * @cfg:         what genpt_create() gets (mem / mem_ctx left NULL; va_bits,
 *               oa_bits and granule_bits always explicit).
 * @levels:      levels walked (genpt_hw_info.levels).
 * @hw_mode:     genpt_hw_info.mode (RISC-V MODE, x86 levels, VT-d AW, AMD
 *               Mode, ARM start level).
 * @start_level: ARM: the architecture's start level (0 elsewhere).
 * @concat:      ARM stage 2: concatenated root tables; 1 elsewhere.
 * @root_size:   bytes of the root table.
 * @sign_extend: the input space is two sign-extended halves.
 * @dirty:       the table has dirty state.
 * @exec:        leaves can refuse instruction fetch: GENPT_NOEXEC is kept
 *               (RISC-V, ARMv8, x86-64; VT-d SS and AMD v1 have no execute
 *               control, a readable leaf is executable).
 * @noread:      leaves can deny reads, so GENPT_WRITE alone maps
 *               write-only (ARM stage 2, VT-d SS, AMD v1); elsewhere every
 *               leaf is readable.
 */
struct af_cfg {
	const char *name;
	const struct af_format *fmt;
	struct genpt_config cfg;
	unsigned int levels;
	unsigned int hw_mode;
	unsigned int start_level;
	unsigned int concat;
	uint64_t root_size;
	bool sign_extend;
	bool dirty;
	bool exec;
	bool noread;
};

extern const struct af_cfg af_all[];
extern const unsigned int af_nall;

/* Iterate over every configuration: for (AF_EACH(c)) { ... } */
#define AF_EACH(c) const struct af_cfg *c = af_all; c < af_all + af_nall; c++

/* Leaf sizes of @c (bit n = 2^n bytes), and the subset that are runs. */
uint64_t af_page_sizes(const struct af_cfg *c);
uint64_t af_run_sizes(const struct af_cfg *c);
/* The sizes, largest first, as log2 in @shifts (room for 64); the count. */
unsigned int af_leaf_shifts(const struct af_cfg *c, unsigned int *shifts);
/* Granule (log2) and the bytes one entry maps at level @lvl (0 = pages). */
unsigned int af_gshift(const struct af_cfg *c);
unsigned int af_lvl_shift(const struct af_cfg *c, unsigned int lvl);
/* Input space: lowest / highest address of each half; 2 halves for a
 * sign-extended config, else 1. */
unsigned int af_halves(const struct af_cfg *c, uint64_t first[2], uint64_t last[2]);
bool af_va_valid(const struct af_cfg *c, uint64_t va);
/* Highest output address + 1 (2^oa_bits). */
static inline uint64_t af_oa_end(const struct af_cfg *c)
{
	return 1ull << c->cfg.oa_bits;
}
/* What a leaf mapped with @prot allows, as genpt_leaf_info.prot reports
 * it (GENPT_READ / WRITE / NOEXEC) for this configuration. */
unsigned int af_expect_prot(const struct af_cfg *c, unsigned int prot);
/* The configuration named @name (asserts it exists). */
const struct af_cfg *af_cfg_named(const char *name);
/* The optional features of @c's format that change only the bits of a
 * leaf, never its sizes (RISC-V Svpbmt, VT-d snoop control): the map
 * suites run each configuration with them too (af_table_init's
 * @extra_features).  0 when the format has none. */
uint64_t af_bit_features(const struct af_cfg *c);
/*
 * The feature sets of @c's format that change its leaf sizes or its dirty
 * state (ARM: DBM and the contiguous hint, every combination the suites
 * know; RISC-V: with and without Svnapot; one set, @c's own, elsewhere),
 * @c's own first, in @sets (room for 4); returns how many.  With
 * af_cfg_with() the map suites run every geometry with each.
 */
unsigned int af_size_variants(const struct af_cfg *c, uint64_t sets[4]);
/* *@out = @c with cfg.features = @features and the dirty state that
 * follows (ARM: with DBM); its name, in @buf (@n bytes), says so. */
void af_cfg_with(const struct af_cfg *c, uint64_t features, struct af_cfg *out, char *buf,
		 size_t n);

/* ---- the short list ---------------------------------------------------- */

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
/* A provider over a fresh physmem of @size bytes at 4 GiB (0: none, for
 * af_prov_init()'s host provider). */
void af_prov_init_pm(struct af_prov *p, uint64_t size);
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

/* ---- a table of any configuration, and its raw walk (af_table.c) ------- */

/*
 * struct af_leaf - the leaf a raw walk met, format-neutral.
 * @level:  level of its entries, 0 = pages.
 * @shift:  log2 bytes of the leaf or of its whole contiguous run.
 * @run:    entries in the run (1 for a plain leaf).
 * @first:  first input address of the leaf (run).
 * @oa:     output address of the looked-up address.
 * @page_oa: output address of @first.
 * @pte, @pte_pa: the entry the address selects, and where it is.
 * @first_pte_pa: where the first entry of the run is (@pte_pa if none).
 * @r, @w, @x: what the entry allows a device (x: instruction fetch; true
 *          for formats without execute control when readable).
 * @accessed, @dirty: the entry's accessed flag and write-dirty state.
 */
struct af_leaf {
	unsigned int level;
	unsigned int shift;
	unsigned int run;
	uint64_t first;
	uint64_t oa;
	uint64_t page_oa;
	uint64_t pte;
	uint64_t pte_pa;
	uint64_t first_pte_pa;
	bool r, w, x;
	bool accessed, dirty;
};

struct af_table {
	const struct af_cfg *c;
	struct af_prov prov;       /* physmem-backed */
	struct genpt *pt;
	struct genpt_hw_info info; /* at creation */
	uint64_t features;         /* as created */
};

/*
 * A table of @c with @extra_features (e.g. GENPT_FEAT_VTDSS_SNP) over a
 * fresh physmem provider of @pm_size bytes (0: 64 GiB, reserved lazily);
 * asserts it is created and genpt_hw_info() is what @c says.
 */
void af_table_init(struct af_table *t, const struct af_cfg *c,
		   uint64_t extra_features, uint64_t pm_size);
/* Destroy; expects every provider block back and no bad free. */
void af_table_fini(struct af_table *t);
/* 0 and *@out for a leaf; -ENOENT at a non-present entry; -EFAULT when the
 * table is malformed.  Decodes the entries from the manual (not lib/). */
int af_lookup(const struct af_table *t, uint64_t va, struct af_leaf *out);
uint64_t af_table_bytes(const struct af_table *t);
/* The formats' decoders and exact bits (struct af_format), for
 * anyfmt_cfg.c. */
int af_rv_lookup(const struct af_table *t, uint64_t va, struct af_leaf *out);
int af_arm_lookup(const struct af_table *t, uint64_t va, struct af_leaf *out);
int af_x86_lookup(const struct af_table *t, uint64_t va, struct af_leaf *out);
void af_rv_bits(const struct af_table *t, const struct af_leaf *lf,
		unsigned int prot, const char *what);
void af_arm_bits(const struct af_table *t, const struct af_leaf *lf,
		 unsigned int prot, const char *what);
void af_x86_bits(const struct af_table *t, const struct af_leaf *lf,
		 unsigned int prot, const char *what);
/* Pointer to the table memory at physical address @pa (asserts). */
uint64_t *af_ptr(const struct af_table *t, uint64_t pa);

#endif /* GENPT_TEST_ANYFMT_H */
