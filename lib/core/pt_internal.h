/* SPDX-License-Identifier: MIT */
/*
 * pt_internal.h - the table handle and the per-format operations table.
 *
 * lib/core/api.c validates every public call once and dispatches through
 * pt->ops.  Each format (lib/fmt/<name>.c) fills one const genpt_fmt_ops by
 * instantiating the generic algorithms of pt_generic.h over its own inline
 * entry accessors, so the walkers run without an indirect call per entry.
 */
#ifndef GENPT_PT_INTERNAL_H
#define GENPT_PT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/carry.h"
#include "core/split_log.h"
#include "genpt/table.h"

#define GENPT_MAX_LEVELS 6

/* What an operation hands down the walk besides its range. */
struct genpt_dirty_req {
	const struct genpt_dirty_bitmap *bitmap; /* NULL: clean only */
	uint64_t first, last;                    /* query range, inclusive */
	bool clear;                              /* clean (and carry) */
	bool drop;                               /* forget the carried ranges reported */
	bool skip;                               /* table accessed flags are live (pt_skip.h) */
	struct genpt_gather *gather;
};

struct genpt_fmt_ops {
	const char *name;
	/* Hardware sets an accessed flag in this format's table entries:
	 * GENPT_FEAT_TABLE_ACCESSED is allowed (pt_skip.h). */
	bool table_accessed;
	/*
	 * Check the config and fill the geometry of @pt (levels, va_bits,
	 * oa_bits, sign_extend, root_size ...).  Nothing allocated yet.
	 */
	int (*init)(struct genpt *pt, const struct genpt_config *cfg);
	/* [iova, last] -> oa; prot already validated.  All-or-nothing. */
	int (*map)(struct genpt *pt, uint64_t iova, uint64_t last, uint64_t oa,
		   unsigned int prot, struct genpt_gather *gather);
	/* @bm not NULL: take each leaf out with an atomic exchange and
	 * record the dirty ones (unmap_read_dirty). */
	int (*unmap)(struct genpt *pt, uint64_t iova, uint64_t last,
		     const struct genpt_dirty_bitmap *bm,
		     struct genpt_gather *gather, uint64_t *unmapped);
	/* Unlink the empty tables whose whole span is in [iova, last]. */
	int (*reclaim)(struct genpt *pt, uint64_t iova, uint64_t last,
		       struct genpt_gather *gather, uint64_t *freed);
	/* Clean the dirty leaves under the set pages of @mask, carrying the
	 * dirty pages of those leaves that the mask leaves out. */
	int (*clear_dirty)(struct genpt *pt, const struct genpt_dirty_bitmap *mask,
			   uint64_t first, uint64_t last,
			   struct genpt_gather *gather);
	int (*iova_to_phys)(struct genpt *pt, uint64_t iova, uint64_t *oa);
	int (*leaf_info)(struct genpt *pt, uint64_t iova, struct genpt_leaf_info *info);
	/* Geometry and leaf sizes; @pt may be a handle init() filled only. */
	void (*caps)(const struct genpt *pt, struct genpt_caps *caps);
	int (*read_and_clear_dirty)(struct genpt *pt,
				    const struct genpt_dirty_req *req);
	/* Cut [iova, last] into at most @max shards (genpt_harvest_shards);
	 * returns how many it wrote, at least 1. */
	int (*shards)(struct genpt *pt, uint64_t iova, uint64_t last,
		      const struct genpt_dirty_bitmap *bm,
		      struct genpt_shard *out, unsigned int max);
	/* Re-express leaves larger than 2^page_shift with smaller ones, and
	 * back; NULL when the format has no fmt_leaf_attrs_of.  @record:
	 * note every leaf replaced in pt->split_log (split mode; all or
	 * nothing with the table pages). */
	int (*split)(struct genpt *pt, uint64_t iova, uint64_t last,
		     unsigned int page_shift, struct genpt_gather *gather,
		     bool record);
	int (*merge)(struct genpt *pt, uint64_t iova, uint64_t last,
		     struct genpt_gather *gather);
	/* Merge back what split mode noted in pt->split_log, newest first,
	 * where it still maps what the leaf mapped; stops at the first
	 * error (-ENOMEM), leaving the rest noted. */
	int (*restore_split)(struct genpt *pt, struct genpt_gather *gather);
	/* @child (level lvl - 1) was retired by merge from the entry of level
	 * @lvl that maps @iova; no walk uses it any more: carry a dirty mark a
	 * late walk left in it to the leaf that replaced it.  @lvl may carry
	 * GENPT_RETIRED_HANDED_OVER. */
	void (*fold_retired)(struct genpt *pt, unsigned int lvl, uint64_t iova,
			     const uint64_t *child);
	/* Make every writable leaf write-dirty (tracking switched off). */
	void (*set_all_dirty)(struct genpt *pt);
	/* Free every table below the root (the root stays). */
	void (*free_tables)(struct genpt *pt);
	/* False when the table has no dirty state (e.g. ARMv8 without DBM). */
	bool (*has_dirty)(const struct genpt *pt);
	void (*hw_info)(const struct genpt *pt, struct genpt_hw_info *info);
};

struct genpt {
	const struct genpt_fmt_ops *ops;
	enum genpt_format format; /* as created: genpt_get_config() reports it */
	const struct genpt_mem_ops *mem;
	void *mem_ctx;
	/*
	 * pa -> host pointer without an indirect call when the provider is
	 * known to be linear (host memory, genpt_physmem): va = pa + delta.
	 */
	bool linear;
	uintptr_t linear_delta;

	uint64_t features;
	unsigned int va_bits, oa_bits, granule_bits;
	unsigned int levels;     /* the root is level levels - 1, leaves of 4K are level 0 */
	bool sign_extend;        /* input addresses are sign-extended from va_bits - 1 */
	uint64_t root_size;      /* bytes */
	unsigned int table_pa_bits; /* table pointers can encode pa < 2^this */
	unsigned int fmt_mode;   /* format-private: e.g. RISC-V MODE value */

	uint64_t *root;
	uint64_t root_pa;
	uint64_t table_bytes;    /* table memory held, root included */
	int dirty_tracking;      /* read by hardware models concurrently: atomic */
	struct genpt_carry carry; /* dirty parts of cleaned leaves outside their query */
	int tracking_claims;     /* driver helpers that own the tracking state (atomic) */
	struct genpt_split_log split_log; /* leaves split mode split (exclusive calls only) */
	struct pt_bbm *bbm;      /* set by a driver helper around its split/merge */
};

/*
 * Break-before-make for split and merge, for a walker that may not hold
 * the old and the new translation of an address at once (Arm SMMU
 * IDR3.BBML < 2).  A driver helper that owns the table's tracking sets
 * pt->bbm for the duration of its genpt_set_dirty_tracking_split_owned()
 * call (exclusive: its lock serializes every edit of the table).  Each
 * entry split or merge replaces first takes an interim value: invalid with
 * @brk (BBML 0: the walker faults meanwhile), else the old leaf, or for a
 * merge the new leaf, with @interim ORed in (Arm nT, BBML 1: translated,
 * never cached); then @sync(@ctx, first, last) invalidates the range and
 * waits, and only then the new entry is written.  @err keeps the first
 * @sync error; the table is complete either way.  pt->bbm NULL: one
 * compare-and-swap (BBML 2, coherent TLBs).
 */
struct pt_bbm {
	bool brk;
	uint64_t interim;
	int (*sync)(void *ctx, uint64_t first, uint64_t last);
	void *ctx;
	int err;
};

/*
 * One owner of the tracking state: a driver helper that programs the
 * IOMMU's dirty update for a table (RISC-V DC.tc.GADE/SADE) claims it while
 * the table is attached, and genpt_set_dirty_tracking() / _split() then
 * refuse with -EBUSY, so the engine and the IOMMU cannot disagree.  The
 * helper switches through the _owned variants.
 */
void genpt_tracking_claim(struct genpt *pt, bool claim);
int genpt_set_dirty_tracking_owned(struct genpt *pt, bool enable);
int genpt_set_dirty_tracking_split_owned(struct genpt *pt, bool enable,
					 unsigned int page_shift,
					 struct genpt_gather *gather);

static inline void *pt_phys_to_virt(const struct genpt *pt, uint64_t pa)
{
	if (pt->linear)
		return (void *)(uintptr_t)(pa + pt->linear_delta);
	return pt->mem->phys_to_virt(pt->mem_ctx, pa);
}

/* Acquire pairs with the release store in genpt_set_dirty_tracking(): a
 * walk that sees tracking off also sees the leaves it re-dirtied. */
static inline bool pt_tracking(const struct genpt *pt)
{
	return __atomic_load_n(&pt->dirty_tracking, __ATOMIC_ACQUIRE) != 0;
}

/* Table memory through the provider, counted in pt->table_bytes. */
void *genpt_table_alloc(struct genpt *pt, uint64_t size, uint64_t *pa);
void genpt_table_free(struct genpt *pt, void *va, uint64_t size);
/* Hand an unlinked table page to @g (or free it now when @g is NULL). */
void genpt_gather_add_page(struct genpt *pt, struct genpt_gather *g,
			   void *va, uint64_t size);
void genpt_gather_add_range(struct genpt_gather *g, uint64_t first,
			    uint64_t last);
/*
 * Tables that still hold translations when they are unlinked (merge) stay
 * untouched until release: make room for @n of them in @g first (all or
 * nothing, -ENOMEM), then hand each over with genpt_gather_add_retired(),
 * which cannot fail.  With a NULL @g the table is folded and freed at once.
 */
/* Level flag of a retired table: merge handed its dirty state to the new
 * leaf and cleaned it (tracking was on), so a dirty leaf in it at release
 * is a late write.  Without it the children's state proves nothing. */
#define GENPT_RETIRED_HANDED_OVER 8u
int genpt_gather_reserve(struct genpt *pt, struct genpt_gather *g, uint64_t n);
/* Give back the record pages genpt_gather_reserve() took and no table used. */
void genpt_gather_unreserve(struct genpt *pt, struct genpt_gather *g);
void genpt_gather_add_retired(struct genpt *pt, struct genpt_gather *g,
			      void *va, uint64_t size, uint64_t iova,
			      unsigned int lvl);

/* The formats (lib/fmt/<name>.c).  A format not built yet has an ops
 * table whose init returns -EOPNOTSUPP. */
extern const struct genpt_fmt_ops genpt_riscv_ops;
extern const struct genpt_fmt_ops genpt_armv8_ops;
extern const struct genpt_fmt_ops genpt_x86_64_ops;
extern const struct genpt_fmt_ops genpt_vtdss_ops;
extern const struct genpt_fmt_ops genpt_amdv1_ops;

/* init of a format that is named in the API but not implemented yet. */
int genpt_fmt_unimplemented(struct genpt *pt, const struct genpt_config *cfg);

#endif /* GENPT_PT_INTERNAL_H */
