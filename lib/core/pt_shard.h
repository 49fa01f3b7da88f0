/* SPDX-License-Identifier: MIT */
/*
 * pt_shard.h - cut a range into shards of balanced harvest work
 * (genpt_harvest_shards), so that threads can harvest one large table
 * together.
 *
 * What a harvest costs is the entries it reads and the bitmap words it
 * writes.  A walk of the tables above the leaf tables sees both without
 * reading a leaf table: a table entry at level 1 stands for one leaf table
 * (its bytes, clipped to the range), a leaf for its entry and the bitmap
 * bytes its pages cover.  That walk reads 1/512 of the table memory (with
 * 4 KiB tables), and it runs twice: once to sum the work, once to cut.
 *
 * A cut goes only after an item: between two level-1 entries (never inside
 * a leaf table, so threads clean different cache lines and the harvest's
 * two ends never meet a leaf that reaches outside: no carry), and never
 * inside a contiguous run or a leaf above level 1.  With a bitmap it also
 * goes only where a bitmap word starts, so two threads never OR into the
 * same word.  Included by pt_generic.h only.
 */
#ifndef GENPT_PT_SHARD_H
#define GENPT_PT_SHARD_H

struct pt_shard_arg {
	unsigned int cut_lvl;    /* items are the entries of this level */
	unsigned int bm_shift;   /* log2 of the bytes one bitmap byte covers, 0: none */
	uint64_t word_m1;        /* cuts where (cut - word_base) & word_m1 == 0 */
	uint64_t word_base;
	uint64_t last;           /* of the whole range */
	uint64_t acc, total;     /* work so far, and (second pass) in all */
	struct genpt_shard *out; /* NULL: the first pass (sum only) */
	unsigned int max, n;     /* shards asked for, written */
	unsigned int k;          /* the next cut ends shard k's share */
	uint64_t start;          /* of the shard being built */
	uint64_t shard_acc;      /* acc where it started */
};

/* The work at which shard @k (0-based) should end: total * (k + 1) / max
 * without overflowing (max < 2^32, so the remainder term fits). */
static inline uint64_t pt_shard_target(const struct pt_shard_arg *a, unsigned int k)
{
	uint64_t q = a->total / a->max, r = a->total % a->max;

	return q * (k + 1) + r * (k + 1) / a->max;
}

/* An item [.., @end] of @work was passed; cut after it if it is time. */
static void pt_shard_item(struct pt_shard_arg *a, uint64_t end, uint64_t work,
			  bool cuttable)
{
	a->acc += work;
	if (!a->out || !cuttable || end >= a->last || a->k + 1 >= a->max)
		return;
	if (((end + 1 - a->word_base) & a->word_m1) ||
	    a->acc < pt_shard_target(a, a->k))
		return;
	a->out[a->n++] = (struct genpt_shard){ .iova = a->start,
					       .len = end + 1 - a->start,
					       .work = a->acc - a->shard_acc };
	a->start = end + 1;
	a->shard_acc = a->acc;
	/* An item that passed several targets leaves fewer shards, never
	 * empty ones. */
	while (a->k + 1 < a->max && a->acc >= pt_shard_target(a, a->k))
		a->k++;
}

/* The work of one leaf entry covering [first, end]: its entry, and the
 * bitmap bytes its pages set. */
static inline uint64_t pt_shard_leaf_work(const struct pt_shard_arg *a,
					  uint64_t first, uint64_t end)
{
	if (!a->bm_shift)
		return 8;
	return 8 + ((end - first) >> a->bm_shift) + 1;
}

static void pt_shard_level(const struct genpt *pt, unsigned int lvl,
			   const uint64_t *table, uint64_t va, uint64_t last,
			   struct pt_shard_arg *a)
{
	struct pt_span s = pt_span_of(pt, lvl, va, last);

	for (unsigned int i = s.first; i <= s.last_idx; i++) {
		uint64_t e = pt_load_acquire(&table[i]);
		uint64_t first = pt_max(pt_entry_va(&s, i), va);
		uint64_t end = pt_min(pt_entry_va(&s, i) + s.size_m1, last);
		unsigned int k;

		switch (fmt_kind(pt, lvl, e)) {
		case PT_EMPTY:
			pt_shard_item(a, end, 8, true);
			break;
		case PT_TABLE:
			if (lvl > a->cut_lvl) {
				pt_shard_level(pt, lvl - 1, pt_child(pt, lvl, e),
					       first, end, a);
				break;
			}
			/* The entry, and the leaf table's entries the range
			 * covers (a level-0 "table" is no table: the walk of
			 * a harvest stops there too). */
			pt_shard_item(a, end, lvl ? 16 + ((end - first) >>
							  fmt_level_shift(pt, lvl - 1)) * 8 : 8,
				      true);
			break;
		case PT_LEAF:
			/* Cut only after the last member of a run. */
			k = fmt_leaf_run(pt, lvl, e);
			pt_shard_item(a, end, pt_shard_leaf_work(a, first, end),
				      (i & ((1u << k) - 1)) == (1u << k) - 1);
			break;
		}
	}
}

static int pt_gen_shards(struct genpt *pt, uint64_t iova, uint64_t last,
			 const struct genpt_dirty_bitmap *bm,
			 struct genpt_shard *out, unsigned int max)
{
	struct pt_shard_arg a = { .cut_lvl = pt->levels > 1 ? 1 : 0,
				  .last = last, .max = max, .start = iova };

	if (bm) {
		a.bm_shift = bm->page_shift + 3;
		a.word_m1 = bm->page_shift + 6 < 64 ? (1ull << (bm->page_shift + 6)) - 1
						    : UINT64_MAX;
		a.word_base = bm->iova;
	}
	pt_shard_level(pt, pt->levels - 1, pt->root, iova, last, &a);
	a.total = a.acc;
	a.acc = 0;
	a.out = out;
	pt_shard_level(pt, pt->levels - 1, pt->root, iova, last, &a);
	out[a.n++] = (struct genpt_shard){ .iova = a.start, .len = last - a.start + 1,
					   .work = a.acc - a.shard_acc };
	return (int)a.n;
}

#endif /* GENPT_PT_SHARD_H */
