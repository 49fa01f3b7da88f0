// SPDX-License-Identifier: MIT
/*
 * fhw.c - helpers of the format-neutral hardware-walk and split suites
 * (fhw.h).  Entries are decoded with rawfmt only.
 */
#include "fhw.h"

#include <criterion/criterion.h>
#include <errno.h>

#include "genpt/hw.h"

bool fh_pos(const struct af_table *t, unsigned int shift, uint64_t *iova)
{
	uint64_t first[2], last[2];
	uint64_t slots;

	af_halves(t->c, first, last);
	if (shift >= 63)
		return false;
	slots = ((last[0] - first[0]) >> shift) + 1;
	if (last[0] - first[0] == ~0ull)
		slots = 1ull << (64 - shift);
	if (slots < 4)
		return false;
	/* a varied slot, never the first or last of the half */
	*iova = first[0] + (1 + 0x2d5 % (slots - 3)) * (1ull << shift);
	return true;
}

bool fh_oa(const struct af_table *t, unsigned int shift, uint64_t *oa)
{
	uint64_t end = af_oa_end(t->c), o;

	if (shift >= 63 || (1ull << shift) * 2 > end)
		return false;
	o = (0x1b3ull << shift) & (end - 1);
	*oa = o ? o : 1ull << shift;
	return true;
}

void fh_rawfmt(const struct af_table *t, struct rawfmt *rf)
{
	struct genpt_config cfg = t->c->cfg;

	cfg.features = t->features;
	cr_assert_eq(rawfmt_init(rf, &cfg), 0, "%s: rawfmt_init", t->c->name);
}

unsigned int fh_path(const struct af_table *t, const struct rawfmt *rf, uint64_t va,
		     uint64_t pa[RAWFMT_MAX_LEVELS])
{
	uint64_t table = t->info.root_pa;

	for (unsigned int l = rf->levels; l-- > 0;) {
		uint64_t idx = (va >> rf->shift[l]) & ((1ull << rf->tbits[l]) - 1);
		struct rawfmt_ent d;

		pa[l] = table + idx * 8;
		d = rawfmt_decode(rf, l, fh_get(t, pa[l]));
		if (d.kind == RAWFMT_LEAF)
			return l;
		cr_assert_eq(d.kind, RAWFMT_TABLE, "%s: va %#llx level %u: entry %#llx is %d (%s)",
			     t->c->name, ULL(va), l, ULL(fh_get(t, pa[l])), d.kind,
			     d.why ? d.why : "");
		table = d.oa;
	}
	cr_assert_fail("%s: va %#llx: no leaf", t->c->name, ULL(va));
	return 0;
}

void fh_expect_access(const struct af_table *t, uint64_t va, unsigned int access,
		      int want, uint64_t oa, const char *what)
{
	uint64_t got = ~0ull;
	int err = genpt_hw_access(t->pt, va, access, &got);

	cr_assert_eq(err, want, "%s: %s: access %u at %#llx: %d, want %d", t->c->name, what,
		     access, ULL(va), err, want);
	if (!want)
		cr_assert_eq(got, oa, "%s: %s: access %u at %#llx: oa %#llx, want %#llx",
			     t->c->name, what, access, ULL(va), ULL(got), ULL(oa));
}

void fh_map(const struct af_table *t, uint64_t iova, uint64_t oa, unsigned int shift,
	    unsigned int prot)
{
	int err = genpt_map(t->pt, iova, oa, 1ull << shift, prot, NULL);
	struct af_leaf lf;

	cr_assert_eq(err, 0, "%s: map 2^%u at %#llx -> %#llx prot %#x: %d", t->c->name, shift,
		     ULL(iova), ULL(oa), prot, err);
	lf = fh_leaf(t, iova, "after map");
	cr_assert_eq(lf.shift, shift, "%s: map 2^%u at %#llx made a 2^%u leaf", t->c->name,
		     shift, ULL(iova), lf.shift);
}

unsigned int fh_map_path(const struct af_table *t, const struct rawfmt *rf, uint64_t iova,
			 uint64_t oa, uint64_t pa[RAWFMT_MAX_LEVELS])
{
	fh_map(t, iova, oa, af_gshift(t->c), FH_RW);
	return fh_path(t, rf, iova, pa);
}

unsigned int fh_granule_table(struct af_table *t, const struct af_cfg *c, struct rawfmt *rf,
			      uint64_t iova, uint64_t oa, uint64_t pa[RAWFMT_MAX_LEVELS])
{
	af_table_init(t, c, 0, 0);
	fh_rawfmt(t, rf);
	return fh_map_path(t, rf, iova, oa, pa);
}

struct af_leaf fh_leaf(const struct af_table *t, uint64_t va, const char *what)
{
	struct af_leaf lf;
	int err = af_lookup(t, va, &lf);

	cr_assert_eq(err, 0, "%s: %s: no leaf at %#llx (%d)", t->c->name, what, ULL(va), err);
	return lf;
}

uint64_t fh_get(const struct af_table *t, uint64_t pa)
{
	return __atomic_load_n(af_ptr(t, pa), __ATOMIC_ACQUIRE);
}

void fh_set(const struct af_table *t, uint64_t pa, uint64_t v)
{
	__atomic_store_n(af_ptr(t, pa), v, __ATOMIC_RELEASE);
}
