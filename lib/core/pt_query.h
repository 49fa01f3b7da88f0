/* SPDX-License-Identifier: MIT */
/*
 * pt_query.h - the discovery calls: what maps one address
 * (genpt_leaf_lookup) and what a table can hold (genpt_query_caps), so a
 * VMM never probes for -EOPNOTSUPP or reads table memory to learn them.
 *
 * Included by pt_generic.h; fmt_leaf_prot() is the one accessor it adds.
 */
#ifndef GENPT_PT_QUERY_H
#define GENPT_PT_QUERY_H

static int pt_gen_leaf_info(struct genpt *pt, uint64_t iova,
			    struct genpt_leaf_info *info)
{
	struct pt_leaf_ref r;
	unsigned int k;
	struct pt_dirty_enc d = fmt_dirty_enc(pt);

	if (!pt_leaf_at(pt, iova, &r))
		return -ENOENT;
	k = fmt_leaf_run(pt, r.lvl, r.e);
	info->first = r.first;
	info->size = r.last - r.first + 1; /* 0: all of 2^64 (one run) */
	info->oa = fmt_leaf_oa(pt, r.lvl, r.e) + (iova - r.first);
	info->entry_size = 1ull << fmt_level_shift(pt, r.lvl);
	info->level = r.lvl;
	info->run = 1u << k;
	info->prot = fmt_leaf_prot(pt, r.e);
	info->dirty = fmt_has_dirty(pt) &&
		      fmt_is_dirty(pt, pt_run_dirty_member(pt, r.lvl, r.table, r.idx, r.e));
	info->accessed = d.accessed && (r.e & d.accessed);
	return 0;
}

/* Leaf sizes (bit n: 2^n bytes) a level holds: a plain leaf, and runs
 * that fit the input space (a 4K-granule ARM table of 32 bits has four
 * 1 GiB entries at its root, not the 16 a contiguous run needs). */
static uint64_t pt_level_sizes(const struct genpt *pt, unsigned int lvl)
{
	unsigned int shift = fmt_level_shift(pt, lvl);
	uint32_t runs = fmt_run_mask(pt, lvl);
	uint64_t sizes = fmt_can_leaf(pt, lvl) ? 1ull << shift : 0;

	for (unsigned int k = 1; k < 32; k++)
		if ((runs & (1u << k)) && shift + k < 64 && shift + k <= pt->va_bits)
			sizes |= 1ull << (shift + k);
	return sizes;
}

static void pt_gen_caps(const struct genpt *pt, struct genpt_caps *caps)
{
	caps->levels = pt->levels;
	caps->va_bits = pt->va_bits;
	caps->oa_bits = pt->oa_bits;
	caps->granule_bits = pt->granule_bits;
	caps->dirty = fmt_has_dirty(pt);
	caps->split = pt->ops->split != NULL;
	caps->page_sizes = 0;
	caps->run_sizes = 0;
	for (unsigned int l = 0; l < GENPT_CAPS_LEVELS; l++)
		caps->level_sizes[l] = 0;
	for (unsigned int l = 0; l < pt->levels && l < GENPT_CAPS_LEVELS; l++) {
		caps->level_sizes[l] = pt_level_sizes(pt, l);
		caps->page_sizes |= caps->level_sizes[l];
		if (fmt_run_mask(pt, l))
			caps->run_sizes |= caps->level_sizes[l] &
					   ~(fmt_can_leaf(pt, l) ? 1ull << fmt_level_shift(pt, l) : 0);
	}
}

#endif /* GENPT_PT_QUERY_H */
