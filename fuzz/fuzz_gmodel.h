/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_gmodel.h - the oracle fuzz_formats compares every format with.
 *
 * A sorted array of leaves with a dirty bit per member entry, and a count of the leaves below every table), for any
 * geometry: per level the bytes an entry maps, the index bits of a table,
 * whether a plain leaf may sit there and which runs (2^k identical entries
 * that hardware may cache as one translation: RISC-V Svnapot, ARM
 * contiguous hint, AMD v1 replicated PTEs) it allows.  fuzz_formats.c fills
 * the geometry from the format documents (docs/formats.md, riscv.md,
 * armv8.md, x86.md); the model shares no code with lib/.
 *
 * The layout genpt must build is the one the contract promises: at every
 * position the largest leaf or run that the alignment of iova and oa and
 * the remaining length allow.
 */
#ifndef GENPT_FUZZ_GMODEL_H
#define GENPT_FUZZ_GMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GM_MAX_LEVELS 6
#define GM_MAX_MEMBERS 256

struct gm_geom {
	unsigned int levels;
	unsigned int gshift;                  /* granule (log2) */
	unsigned int shift[GM_MAX_LEVELS];    /* bytes one entry maps (log2) */
	unsigned int tbits[GM_MAX_LEVELS];    /* index bits of a table (root: its own) */
	bool can_leaf[GM_MAX_LEVELS];
	uint32_t run_mask[GM_MAX_LEVELS];     /* bit k: runs of 2^k entries */
	unsigned int va_bits;                 /* input width (64 allowed) */
	unsigned int oa_bits;                 /* output width */
	bool sign_extend;
	uint64_t root_bytes;                  /* the root's allocation */
};

struct gm_leaf {
	uint64_t first, last;  /* inclusive IOVA range of the leaf or run */
	uint64_t oa;           /* output address of first */
	unsigned int lvl;
	unsigned int run_log2; /* 0: plain leaf */
	unsigned int prot;
	uint64_t dirty[GM_MAX_MEMBERS / 64]; /* bit i: member i is write-dirty */
};

struct gm_slot {
	uint64_t key;   /* 0 = free */
	uint32_t count; /* leaves below this table */
	uint32_t lvl;
};

struct gm_hull {
	bool has;
	uint64_t lo, hi;
};

static inline void gm_hull_add(struct gm_hull *h, uint64_t lo, uint64_t hi)
{
	if (!h->has) {
		h->has = true;
		h->lo = lo;
		h->hi = hi;
		return;
	}
	if (lo < h->lo)
		h->lo = lo;
	if (hi > h->hi)
		h->hi = hi;
}

struct gm_model {
	struct gm_geom g;
	bool tracking;

	struct gm_leaf *leaf; /* sorted by first, disjoint */
	size_t n, cap;

	struct gm_slot *slot;  /* tables below the root */
	size_t nslot, used, live;
	uint64_t live_bytes;   /* their allocation sizes */
};

void gm_init(struct gm_model *m, const struct gm_geom *g);
void gm_fini(struct gm_model *m);

/* Bytes of a (non-root) table holding entries of level @lvl. */
uint64_t gm_table_size(const struct gm_geom *g, unsigned int lvl);

/* The contract's argument checks (0 or -EINVAL/-EOVERFLOW/-ERANGE). */
int gm_check_iova(const struct gm_model *m, uint64_t iova, uint64_t len,
		  uint64_t *last);
int gm_check_oa(const struct gm_model *m, uint64_t oa, uint64_t len);
int gm_check_va(const struct gm_model *m, uint64_t va);

long gm_find(const struct gm_model *m, uint64_t va);
size_t gm_lower(const struct gm_model *m, uint64_t va);
bool gm_overlaps(const struct gm_model *m, uint64_t first, uint64_t last);

/*
 * The leaves genpt_map() must write for [iova, last] -> oa.  Fills out[]
 * (dirty per tracking and @has_dirty) and returns the count, or -1 when
 * more than @max would be needed.
 */
long gm_plan_map(const struct gm_model *m, uint64_t iova, uint64_t last,
		 uint64_t oa, unsigned int prot, bool has_dirty,
		 struct gm_leaf *out, size_t max);
/*
 * Table pages a plan needs that the model does not have: their count, and
 * their bytes in *@bytes; the spans of those tables are added to *@spans
 * (either pointer may be NULL).
 */
uint64_t gm_new_tables(const struct gm_model *m, const struct gm_leaf *l,
		       size_t n, uint64_t *bytes, struct gm_hull *spans);
void gm_insert(struct gm_model *m, const struct gm_leaf *l, size_t n);
/* Remove leaves @i.. @i + @count - 1; spans of tables left empty go to @freed. */
void gm_remove(struct gm_model *m, size_t i, size_t count, struct gm_hull *freed);

/* Bytes of table memory genpt must hold (root included); pages below root. */
uint64_t gm_table_bytes(const struct gm_model *m);
uint64_t gm_tables(const struct gm_model *m);

static inline uint64_t gm_size(const struct gm_leaf *l)
{
	return l->last - l->first + 1;
}

static inline unsigned int gm_members(const struct gm_leaf *l)
{
	return 1u << l->run_log2;
}

static inline unsigned int gm_member_of(const struct gm_model *m,
					const struct gm_leaf *l, uint64_t va)
{
	return (unsigned int)((va - l->first) >> m->g.shift[l->lvl]);
}

static inline bool gm_dirty_member(const struct gm_leaf *l, unsigned int i)
{
	return (l->dirty[i / 64] >> (i % 64)) & 1;
}

static inline void gm_set_dirty(struct gm_leaf *l, unsigned int i)
{
	l->dirty[i / 64] |= 1ull << (i % 64);
}

static inline bool gm_any_dirty(const struct gm_leaf *l)
{
	for (unsigned int i = 0; i < GM_MAX_MEMBERS / 64; i++)
		if (l->dirty[i])
			return true;
	return false;
}

static inline void gm_clear_dirty(struct gm_leaf *l)
{
	for (unsigned int i = 0; i < GM_MAX_MEMBERS / 64; i++)
		l->dirty[i] = 0;
}

/* Every member dirty. */
void gm_all_dirty(struct gm_leaf *l);

#endif /* GENPT_FUZZ_GMODEL_H */
