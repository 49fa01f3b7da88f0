/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_model.h - the oracle the table fuzzer compares genpt against.
 *
 * A plain sorted array of leaves (one element per leaf or per Svnapot run,
 * with a dirty bit per member entry) and a count of the leaves below every
 * table the format needs, so the model knows the exact leaf layout genpt
 * must build (largest page size alignment allows), every errno the public
 * contract (genpt/table.h) promises, and the table memory the table should
 * hold.  Written from the contract and the RISC-V privileged spec; it
 * shares no code with lib/.
 */
#ifndef GENPT_FUZZ_MODEL_H
#define GENPT_FUZZ_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fm_leaf {
	uint64_t first, last; /* inclusive IOVA range of the leaf or run */
	uint64_t oa;          /* output address of first */
	unsigned int lvl;     /* 0 = 4 KiB level */
	unsigned int run_log2; /* 0 plain leaf, 4 = Svnapot 16 x 4 KiB */
	unsigned int prot;    /* GENPT_* prot the leaf was mapped with */
	uint16_t dirty;       /* bit i: member entry i has D=1 */
};

struct fm_slot {
	uint64_t key;   /* 0 = free */
	uint32_t count; /* leaves below this table */
};

/* A hull of address ranges (empty until has). */
struct fm_hull {
	bool has;
	uint64_t lo, hi;
};

static inline void fm_hull_add(struct fm_hull *h, uint64_t lo, uint64_t hi)
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

struct fm_model {
	/* geometry, as the config asked for */
	unsigned int levels, va_bits, oa_bits;
	bool sign_extend, gstage, napot, pbmt;
	uint64_t root_size;
	bool tracking;

	struct fm_leaf *leaf; /* sorted by first, disjoint */
	size_t n, cap;

	/* tables below the root: key -> number of leaves under it */
	struct fm_slot *slot;
	size_t nslot, used, live;
};

void fm_init(struct fm_model *m, unsigned int levels, unsigned int va_bits,
	     unsigned int oa_bits, bool gstage, bool napot, bool pbmt);
void fm_fini(struct fm_model *m);

/* The public contract's argument checks (0 or -EINVAL/-EOVERFLOW/-ERANGE). */
int fm_check_iova(const struct fm_model *m, uint64_t iova, uint64_t len,
		  uint64_t *last);
int fm_check_oa(const struct fm_model *m, uint64_t oa, uint64_t len);
int fm_check_va(const struct fm_model *m, uint64_t va);

/* Index of the leaf containing @va, or -1. */
long fm_find(const struct fm_model *m, uint64_t va);
/* Index of the first leaf whose last >= @va (m->n if none). */
size_t fm_lower(const struct fm_model *m, uint64_t va);
/* True when some leaf intersects [first, last]. */
bool fm_overlaps(const struct fm_model *m, uint64_t first, uint64_t last);

/*
 * The leaves genpt_map() must write for [iova, last] -> oa: largest size
 * first at every position.  Fills out[] (dirty state per tracking) and
 * returns the count, or -1 when more than @max would be needed.
 */
long fm_plan_map(const struct fm_model *m, uint64_t iova, uint64_t last,
		 uint64_t oa, unsigned int prot, struct fm_leaf *out, size_t max);
/*
 * Table pages (below the root) a plan needs that the model does not have;
 * the IOVA spans of those tables are added to *@spans (may be NULL).
 */
uint64_t fm_new_tables(const struct fm_model *m, const struct fm_leaf *l,
		       size_t n, struct fm_hull *spans);
/* Insert planned leaves (must not overlap anything). */
void fm_insert(struct fm_model *m, const struct fm_leaf *l, size_t n);
/*
 * Remove leaves @i .. @i + @count - 1; the IOVA spans of the tables that
 * this leaves empty (genpt frees them) are added to *@freed (may be NULL).
 */
void fm_remove(struct fm_model *m, size_t i, size_t count, struct fm_hull *freed);

/* Bytes of table memory the model says genpt holds (root included). */
uint64_t fm_table_bytes(const struct fm_model *m);
/* Number of table pages below the root. */
uint64_t fm_tables(const struct fm_model *m);

static inline uint64_t fm_size(const struct fm_leaf *l)
{
	return l->last - l->first + 1;
}

static inline unsigned int fm_members(const struct fm_leaf *l)
{
	return 1u << l->run_log2;
}

static inline uint16_t fm_all_members(const struct fm_leaf *l)
{
	return (uint16_t)((1u << fm_members(l)) - 1);
}

#endif /* GENPT_FUZZ_MODEL_H */
