// SPDX-License-Identifier: MIT
/*
 * api.c - the public table calls: validate once, then dispatch to the
 * format's ops.  Everything that can be refused is refused here, before
 * anything is touched, so the format code only ever sees good arguments.
 */
#include <errno.h>
#include <stdint.h>
#ifndef GENPT_FREESTANDING
#include <stdlib.h>
#endif

#include "core/pt_flush.h"
#include "core/pt_internal.h"
#ifndef GENPT_FREESTANDING
#include "mem/mem_internal.h"
#endif

#define GENPT_PROT_ALL (GENPT_READ | GENPT_WRITE | GENPT_NOEXEC | GENPT_MMIO | GENPT_CACHE)

static const struct genpt_fmt_ops *fmt_ops_of(enum genpt_format f, int *err)
{
	switch (f) {
	case GENPT_FMT_RISCV:
		return &genpt_riscv_ops;
	case GENPT_FMT_ARMV8:
		return &genpt_armv8_ops;
	case GENPT_FMT_X86_64:
		return &genpt_x86_64_ops;
	case GENPT_FMT_VTDSS:
		return &genpt_vtdss_ops;
	case GENPT_FMT_AMDV1:
		return &genpt_amdv1_ops;
	}
	*err = -EINVAL;
	return NULL;
}

int genpt_fmt_unimplemented(struct genpt *pt, const struct genpt_config *cfg)
{
	return -EOPNOTSUPP;
}

#ifdef GENPT_FREESTANDING
/*
 * Freestanding build (GENPT_FREESTANDING): no C library and no built-in
 * providers (lib/mem is not part of it).  The caller must pass a provider,
 * and the handle itself lives in one block from it.
 */
#define GENPT_HANDLE_SIZE 4096
_Static_assert(sizeof(struct genpt) <= GENPT_HANDLE_SIZE, "handle fits a block");

static struct genpt *handle_alloc(const struct genpt_config *cfg)
{
	uint64_t pa;

	return cfg->mem->alloc(cfg->mem_ctx, GENPT_HANDLE_SIZE, GENPT_HANDLE_SIZE, &pa);
}

static void handle_free(struct genpt *pt)
{
	const struct genpt_mem_ops *mem = pt->mem;

	mem->free(pt->mem_ctx, pt, GENPT_HANDLE_SIZE);
}

static void pick_linear(struct genpt *pt)
{
}
#else
static struct genpt *handle_alloc(const struct genpt_config *cfg)
{
	return calloc(1, sizeof(struct genpt));
}

static void handle_free(struct genpt *pt)
{
	free(pt);
}

/* Let the walkers turn a physical address into a pointer with an add when
 * the memory layer (lib/mem) says the provider maps linearly: the core
 * does not recognise providers itself. */
static void pick_linear(struct genpt *pt)
{
	uintptr_t delta;

	if (genpt_mem_linear(pt->mem, pt->mem_ctx, &delta)) {
		pt->linear = true;
		pt->linear_delta = delta;
	}
}
#endif

/*
 * The format's init, with the features every format knows taken out first
 * (a format's init refuses bits it does not know): a format that cannot do
 * one answers -EOPNOTSUPP, after init's own -EINVAL checks.
 */
static int init_format(const struct genpt_fmt_ops *ops, struct genpt *pt,
		       const struct genpt_config *cfg)
{
	struct genpt_config c = *cfg;
	int err;

	c.features &= ~GENPT_FEAT_TABLE_ACCESSED;
	err = ops->init(pt, &c);
	if (err || !(cfg->features & GENPT_FEAT_TABLE_ACCESSED))
		return err;
	if (!ops->table_accessed)
		return -EOPNOTSUPP;
	pt->features |= GENPT_FEAT_TABLE_ACCESSED;
	return 0;
}

GENPT_API int genpt_create(const struct genpt_config *cfg, struct genpt **out)
{
	const struct genpt_fmt_ops *ops;
	struct genpt *pt;
	int err = 0;

	if (!cfg || !out)
		return -EINVAL;
	ops = fmt_ops_of(cfg->format, &err);
	if (!ops)
		return err;
	if (cfg->mem && (!cfg->mem->alloc || !cfg->mem->free || !cfg->mem->phys_to_virt))
		return -EINVAL;
#ifdef GENPT_FREESTANDING
	if (!cfg->mem)
		return -EINVAL;
#endif

	pt = handle_alloc(cfg);
	if (!pt)
		return -ENOMEM;
	pt->ops = ops;
	pt->format = cfg->format;
#ifdef GENPT_FREESTANDING
	pt->mem = cfg->mem;
#else
	pt->mem = cfg->mem ? cfg->mem : &genpt_host_mem_ops;
#endif
	pt->mem_ctx = cfg->mem ? cfg->mem_ctx : NULL;
	pick_linear(pt);
	pt->table_pa_bits = 64; /* the format narrows it */
	err = init_format(ops, pt, cfg);
	if (err)
		goto fail;
	pt->root = genpt_table_alloc(pt, pt->root_size, &pt->root_pa);
	if (!pt->root) {
		err = -ENOMEM;
		goto fail;
	}
	/* Zeroed by the CPU: a non-coherent walker must see that too. */
	pt_flush_page(pt, pt->root, pt->root_size);
	*out = pt;
	return 0;
fail:
	handle_free(pt);
	return err;
}

GENPT_API void genpt_destroy(struct genpt *pt)
{
	if (!pt)
		return;
	pt->ops->free_tables(pt);
	genpt_split_log_free(pt);
	genpt_table_free(pt, pt->root, pt->root_size);
	handle_free(pt);
}

/*
 * Check an input range and compute its last address.  The order of the
 * errors is part of the contract: shape (-EINVAL), then arithmetic
 * (-EOVERFLOW), then the table's address space (-ERANGE).
 */
static int check_iova(const struct genpt *pt, uint64_t iova, uint64_t len,
		      uint64_t *last)
{
	uint64_t granule_m1 = (1ull << pt->granule_bits) - 1;

	if (!len || (iova & granule_m1) || (len & granule_m1))
		return -EINVAL;
	if (len - 1 > UINT64_MAX - iova)
		return -EOVERFLOW;
	*last = iova + (len - 1);
	if (pt->sign_extend) {
		/* Both ends canonical and in the same half: the range does
		 * not cross the hole in the middle. */
		unsigned int s = 64 - pt->va_bits;
		int64_t a = (int64_t)iova, b = (int64_t)*last;

		if ((int64_t)((uint64_t)a << s) >> s != a ||
		    (int64_t)((uint64_t)b << s) >> s != b || ((a ^ b) < 0))
			return -ERANGE;
		return 0;
	}
	if (pt->va_bits < 64 && (*last >> pt->va_bits))
		return -ERANGE;
	return 0;
}

static int check_oa(const struct genpt *pt, uint64_t oa, uint64_t len)
{
	uint64_t last;

	if (oa & ((1ull << pt->granule_bits) - 1))
		return -EINVAL;
	if (len - 1 > UINT64_MAX - oa)
		return -EOVERFLOW;
	last = oa + (len - 1);
	if (pt->oa_bits < 64 && (last >> pt->oa_bits))
		return -ERANGE;
	return 0;
}

/* Fold two checks so the more basic error class wins. */
static int first_error(int a, int b)
{
	static const int order[] = { -EINVAL, -EOVERFLOW, -ERANGE };

	for (unsigned int i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (a == order[i] || b == order[i])
			return order[i];
	return a ? a : b;
}

GENPT_API int genpt_map(struct genpt *pt, uint64_t iova, uint64_t oa,
			uint64_t len, unsigned int prot,
			struct genpt_gather *gather)
{
	uint64_t last = 0;
	int err;

	if (!pt || !(prot & (GENPT_READ | GENPT_WRITE)) || (prot & ~GENPT_PROT_ALL))
		return -EINVAL;
	err = first_error(check_iova(pt, iova, len, &last), check_oa(pt, oa, len));
	if (err)
		return err;
	return pt->ops->map(pt, iova, last, oa, prot, gather);
}

GENPT_API int genpt_unmap(struct genpt *pt, uint64_t iova, uint64_t len,
			  struct genpt_gather *gather, uint64_t *unmapped)
{
	uint64_t last, dummy;
	int err;

	if (!pt)
		return -EINVAL;
	err = check_iova(pt, iova, len, &last);
	if (err)
		return err;
	return pt->ops->unmap(pt, iova, last, NULL, gather, unmapped ? unmapped : &dummy);
}

/* One address inside the input space (canonical when sign-extended). */
static int check_va(const struct genpt *pt, uint64_t va)
{
	uint64_t last;

	return check_iova(pt, va & ~((1ull << pt->granule_bits) - 1),
			  1ull << pt->granule_bits, &last);
}

GENPT_API int genpt_iova_to_phys(struct genpt *pt, uint64_t iova, uint64_t *oa)
{
	int err;

	if (!pt || !oa)
		return -EINVAL;
	err = check_va(pt, iova);
	if (err)
		return err;
	return pt->ops->iova_to_phys(pt, iova, oa);
}

GENPT_API int genpt_leaf_lookup(struct genpt *pt, uint64_t iova,
				struct genpt_leaf_info *info)
{
	int err;

	if (!pt || !info)
		return -EINVAL;
	err = check_va(pt, iova);
	if (err)
		return err;
	return pt->ops->leaf_info(pt, iova, info);
}

GENPT_API int genpt_query_caps(const struct genpt_config *cfg, const struct genpt *pt,
			       struct genpt_caps *caps)
{
	struct genpt tmp = { 0 };
	int err = 0;

	if (!caps || !cfg == !pt)
		return -EINVAL;
	if (pt) {
		/* The fields fixed at create, to ask hw_info with tracking on
		 * (never the live ones: this may run beside any edit). */
		tmp.ops = pt->ops;
		tmp.mem = pt->mem;
		tmp.mem_ctx = pt->mem_ctx;
		tmp.features = pt->features;
		tmp.va_bits = pt->va_bits;
		tmp.oa_bits = pt->oa_bits;
		tmp.granule_bits = pt->granule_bits;
		tmp.levels = pt->levels;
		tmp.sign_extend = pt->sign_extend;
		tmp.root_size = pt->root_size;
		tmp.table_pa_bits = pt->table_pa_bits;
		tmp.fmt_mode = pt->fmt_mode;
		tmp.root_pa = pt->root_pa;
	} else {
		tmp.ops = fmt_ops_of(cfg->format, &err);
		if (!tmp.ops)
			return err;
		tmp.table_pa_bits = 64;
		err = init_format(tmp.ops, &tmp, cfg);
		if (err)
			return err;
	}
	tmp.ops->caps(&tmp, caps);
	tmp.dirty_tracking = caps->dirty;
	return genpt_hw_info(&tmp, &caps->hw_tracking);
}

/* The bitmap's own shape: every fault is -EINVAL. */
static int check_bitmap_shape(const struct genpt_dirty_bitmap *bm)
{
	uint64_t page_m1;

	if (!bm->bits || bm->page_shift < 12 || bm->page_shift > 63)
		return -EINVAL;
	page_m1 = (1ull << bm->page_shift) - 1;
	if (!bm->length || (bm->iova & page_m1) || (bm->length & page_m1) ||
	    bm->length - 1 > UINT64_MAX - bm->iova)
		return -EINVAL;
	return 0;
}

/*
 * A query of [@iova, +@len) that records into @bm (may be NULL): the query
 * and the bitmap's shape, the query inside the bitmap (all -EINVAL), then
 * the query's wrap and range.  A query that wraps cannot lie inside a
 * bitmap, so with a bitmap that is -EINVAL too: the classes keep their
 * order whichever arguments are wrong.
 */
static int check_dirty_query(const struct genpt *pt, uint64_t iova, uint64_t len,
			     const struct genpt_dirty_bitmap *bm, uint64_t *last)
{
	int err = check_iova(pt, iova, len, last);

	if (err == -EINVAL || !bm)
		return err;
	if (check_bitmap_shape(bm) || iova < bm->iova || len > bm->length ||
	    iova - bm->iova > bm->length - len)
		return -EINVAL;
	return err;
}

GENPT_API int genpt_read_and_clear_dirty(struct genpt *pt, uint64_t iova,
					 uint64_t len, unsigned int flags,
					 const struct genpt_dirty_bitmap *bitmap,
					 struct genpt_gather *gather)
{
	struct genpt_dirty_req req = { 0 };
	int err;

	if (!pt || (flags & ~GENPT_DIRTY_NO_CLEAR))
		return -EINVAL;
	err = check_dirty_query(pt, iova, len, bitmap, &req.last);
	if (err)
		return err;
	if (!pt->ops->has_dirty(pt))
		return -EOPNOTSUPP;
	req.first = iova;
	req.bitmap = bitmap;
	/* With tracking off hardware does not set dirty bits, so a cleaned
	 * entry would fault on the next write: report, never clean. */
	req.clear = !(flags & GENPT_DIRTY_NO_CLEAR) && pt_tracking(pt);
	req.drop = !(flags & GENPT_DIRTY_NO_CLEAR);
	/* Hardware sets table accessed flags only with A/D update on. */
	req.skip = (pt->features & GENPT_FEAT_TABLE_ACCESSED) && pt_tracking(pt);
	req.gather = gather;
	return pt->ops->read_and_clear_dirty(pt, &req);
}

GENPT_API int genpt_harvest_shards(struct genpt *pt, uint64_t iova, uint64_t len,
				   const struct genpt_dirty_bitmap *bitmap,
				   struct genpt_shard *shards, unsigned int nshards)
{
	uint64_t last = 0;
	int err;

	if (!pt || !shards || !nshards || nshards > 65536)
		return -EINVAL;
	err = check_dirty_query(pt, iova, len, bitmap, &last);
	if (err)
		return err;
	return pt->ops->shards(pt, iova, last, bitmap, shards, nshards);
}

GENPT_API int genpt_unmap_read_dirty(struct genpt *pt, uint64_t iova, uint64_t len,
				     const struct genpt_dirty_bitmap *bitmap,
				     struct genpt_gather *gather, uint64_t *unmapped)
{
	uint64_t last = 0, dummy;
	int err;

	if (!pt)
		return -EINVAL;
	err = check_dirty_query(pt, iova, len, bitmap, &last);
	if (err)
		return err;
	if (bitmap && !pt->ops->has_dirty(pt))
		return -EOPNOTSUPP;
	return pt->ops->unmap(pt, iova, last, bitmap, gather,
			      unmapped ? unmapped : &dummy);
}

GENPT_API int genpt_clear_dirty(struct genpt *pt, const struct genpt_dirty_bitmap *mask,
				struct genpt_gather *gather)
{
	uint64_t last = 0;
	int err;

	if (!pt || !mask || check_bitmap_shape(mask))
		return -EINVAL;
	err = check_iova(pt, mask->iova, mask->length, &last);
	if (err)
		return err;
	if (!pt->ops->has_dirty(pt))
		return -EOPNOTSUPP;
	return pt->ops->clear_dirty(pt, mask, mask->iova, last, gather);
}

GENPT_API int genpt_split(struct genpt *pt, uint64_t iova, uint64_t len,
			  unsigned int page_shift, struct genpt_gather *gather)
{
	uint64_t last;
	int err;

	if (!pt || page_shift < pt->granule_bits || page_shift > 63)
		return -EINVAL;
	err = check_iova(pt, iova, len, &last);
	if (err)
		return err;
	if (!pt->ops->split)
		return -EOPNOTSUPP;
	return pt->ops->split(pt, iova, last, page_shift, gather, false);
}

GENPT_API int genpt_merge(struct genpt *pt, uint64_t iova, uint64_t len,
			  struct genpt_gather *gather)
{
	uint64_t last;
	int err;

	if (!pt)
		return -EINVAL;
	err = check_iova(pt, iova, len, &last);
	if (err)
		return err;
	if (!pt->ops->merge)
		return -EOPNOTSUPP;
	return pt->ops->merge(pt, iova, last, gather);
}

/* The whole input space as one range (the lower half and, when
 * sign-extended, the upper half). */
static void for_whole_space(struct genpt *pt,
			    void (*fn)(struct genpt *pt, uint64_t iova,
				       uint64_t last, void *arg),
			    void *arg)
{
	uint64_t half = pt->sign_extend ? 1ull << (pt->va_bits - 1) : 0;

	if (pt->sign_extend) {
		fn(pt, 0, half - 1, arg);
		fn(pt, (uint64_t)0 - half, UINT64_MAX, arg);
	} else {
		fn(pt, 0, pt->va_bits < 64 ? (1ull << pt->va_bits) - 1 : UINT64_MAX, arg);
	}
}

struct reclaim_all {
	struct genpt_gather *gather;
	uint64_t freed;
};

static void reclaim_range(struct genpt *pt, uint64_t iova, uint64_t last, void *arg)
{
	struct reclaim_all *r = arg;
	uint64_t freed = 0;

	pt->ops->reclaim(pt, iova, last, r->gather, &freed);
	r->freed += freed;
}

GENPT_API int genpt_reclaim(struct genpt *pt, struct genpt_gather *gather,
			    uint64_t *freed)
{
	struct reclaim_all r = { .gather = gather };

	if (!pt)
		return -EINVAL;
	for_whole_space(pt, reclaim_range, &r);
	if (freed)
		*freed = r.freed;
	return 0;
}

struct split_all {
	unsigned int page_shift;
	struct genpt_gather *gather;
	int err;
};

static void split_range(struct genpt *pt, uint64_t iova, uint64_t last, void *arg)
{
	struct split_all *s = arg;
	int err = pt->ops->split(pt, iova, last, s->page_shift, s->gather, true);

	if (err && err != -ENOENT && !s->err)
		s->err = err;
}

static int set_tracking(struct genpt *pt, bool enable);

static bool tracking_claimed(const struct genpt *pt)
{
	return __atomic_load_n(&pt->tracking_claims, __ATOMIC_ACQUIRE) > 0;
}

void genpt_tracking_claim(struct genpt *pt, bool claim)
{
	__atomic_fetch_add(&pt->tracking_claims, claim ? 1 : -1, __ATOMIC_ACQ_REL);
}

int genpt_set_dirty_tracking_split_owned(struct genpt *pt, bool enable,
					 unsigned int page_shift,
					 struct genpt_gather *gather)
{
	struct split_all s = { .page_shift = page_shift, .gather = gather };

	if (!pt || page_shift < pt->granule_bits || page_shift > 63)
		return -EINVAL;
	if (!pt->ops->has_dirty(pt))
		return -EOPNOTSUPP;
	if (!pt->ops->split)
		return -EOPNOTSUPP;
	if (enable) {
		/* Split first: the new small leaves inherit the dirty state,
		 * then tracking starts from a table of small leaves. */
		for_whole_space(pt, split_range, &s);
		if (s.err)
			return s.err;
		return set_tracking(pt, true);
	}
	/* Off first (every writable leaf write-dirty), so the leaves merged
	 * back are dirty too; then only what the split made is merged. */
	set_tracking(pt, false);
	return pt->ops->restore_split(pt, gather);
}

GENPT_API int genpt_set_dirty_tracking_split(struct genpt *pt, bool enable,
					     unsigned int page_shift,
					     struct genpt_gather *gather)
{
	if (pt && page_shift >= pt->granule_bits && page_shift <= 63 &&
	    pt->ops->has_dirty(pt) && pt->ops->split && tracking_claimed(pt))
		return -EBUSY;
	return genpt_set_dirty_tracking_split_owned(pt, enable, page_shift, gather);
}

GENPT_API int genpt_set_dirty_tracking(struct genpt *pt, bool enable)
{
	if (!pt)
		return -EINVAL;
	if (!pt->ops->has_dirty(pt))
		return -EOPNOTSUPP;
	if (tracking_claimed(pt))
		return -EBUSY;
	return set_tracking(pt, enable);
}

int genpt_set_dirty_tracking_owned(struct genpt *pt, bool enable)
{
	if (!pt)
		return -EINVAL;
	if (!pt->ops->has_dirty(pt))
		return -EOPNOTSUPP;
	return set_tracking(pt, enable);
}

static int set_tracking(struct genpt *pt, bool enable)
{
	if (enable == pt_tracking(pt))
		return 0;
	/* Off: leaves must not need a hardware dirty update any more.
	 * Re-dirty them while hardware still may update, then switch. */
	if (!enable)
		pt->ops->set_all_dirty(pt);
	__atomic_store_n(&pt->dirty_tracking, enable ? 1 : 0, __ATOMIC_RELEASE);
	return 0;
}

GENPT_API int genpt_dirty_tracking(const struct genpt *pt)
{
	if (!pt)
		return -EINVAL;
	return pt_tracking(pt) ? 1 : 0;
}

/* The hardware side (lib/hw) finds the table from this and genpt_hw_info(),
 * as an IOMMU does from its registers: it never looks inside the handle. */
GENPT_API int genpt_get_config(const struct genpt *pt, struct genpt_config *cfg)
{
	if (!pt || !cfg)
		return -EINVAL;
	*cfg = (struct genpt_config){ .format = pt->format,
				      .va_bits = pt->va_bits,
				      .oa_bits = pt->oa_bits,
				      .granule_bits = pt->granule_bits,
				      .features = pt->features,
				      .mem = pt->mem,
				      .mem_ctx = pt->mem_ctx };
	return 0;
}

GENPT_API int genpt_hw_info(const struct genpt *pt, struct genpt_hw_info *info)
{
	if (!pt || !info)
		return -EINVAL;
	*info = (struct genpt_hw_info){ .root_pa = pt->root_pa,
					.root_size = pt->root_size,
					.levels = pt->levels,
					.concat = 1 };
	pt->ops->hw_info(pt, info);
	return 0;
}

GENPT_API int genpt_table_bytes(const struct genpt *pt, uint64_t *bytes)
{
	if (!pt || !bytes)
		return -EINVAL;
	*bytes = __atomic_load_n(&pt->table_bytes, __ATOMIC_RELAXED);
	return 0;
}
