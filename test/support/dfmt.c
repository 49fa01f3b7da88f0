// SPDX-License-Identifier: MIT
/*
 * dfmt.c - see dfmt.h.
 */
#include "dfmt.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ULL(x) ((unsigned long long)(x))

void df_init(struct df_table *t, const struct af_cfg *c, uint64_t pm_size)
{
	memset(t, 0, sizeof(*t));
	t->c = c;
	t->name = c->name;
	cr_assert(c->dirty, "%s: no dirty state in the descriptor", c->name);
	af_table_init(&t->at, c, 0, pm_size);
	t->pt = t->at.pt;
	cr_assert_eq(rawfmt_init(&t->rf, &c->cfg), 0, "%s: rawfmt_init", t->name);
	cr_assert_eq(genpt_query_caps(NULL, t->pt, &t->caps), 0, "%s: caps", t->name);
	cr_assert(t->caps.dirty && t->rf.has_dirty, "%s: no dirty state", t->name);
	cr_assert_eq(genpt_dirty_tracking(t->pt), 0, "%s: dirty tracking starts off", t->name);
}

void df_fini(struct df_table *t)
{
	af_table_fini(&t->at);
}

/* ---- geometry ------------------------------------------------------- */

uint64_t df_gran(const struct df_table *t)
{
	return 1ull << t->caps.granule_bits;
}

unsigned int df_shifts(const struct df_table *t, unsigned int *shifts)
{
	unsigned int n = 0;

	for (int s = 63; s >= 0; s--)
		if ((t->caps.page_sizes >> s) & 1)
			shifts[n++] = (unsigned int)s;
	return n;
}

bool df_sign_extend(const struct df_table *t)
{
	return t->c->sign_extend;
}

uint64_t df_half(const struct df_table *t)
{
	unsigned int bits = t->caps.va_bits - (df_sign_extend(t) ? 1 : 0);

	return bits < 64 ? 1ull << bits : 0;
}

/* The entries of a leaf are those of the level that holds its size. */
uint64_t df_entry_size(const struct df_table *t, uint64_t size)
{
	unsigned int g = t->caps.granule_bits;

	for (unsigned int l = 0; l < t->caps.levels && l < GENPT_CAPS_LEVELS; l++)
		if (t->caps.level_sizes[l] & size)
			return 1ull << (g + l * (g - 3));
	cr_assert_fail("%s: no level holds leaves of %#llx", t->name, ULL(size));
	return 0;
}

unsigned int df_members(const struct df_table *t, uint64_t size)
{
	return (unsigned int)(size / df_entry_size(t, size));
}

/* ---- raw entries ---------------------------------------------------- */

uint64_t *df_slot(const struct df_table *t, uint64_t iova, uint64_t *size, unsigned int *lvl)
{
	struct af_leaf lf;

	if (af_lookup(&t->at, iova, &lf))
		return NULL;
	*size = 1ull << lf.shift;
	if (lvl)
		*lvl = lf.level;
	return af_ptr(&t->at, lf.pte_pa);
}

bool df_dirty(const struct df_table *t, unsigned int lvl, uint64_t e)
{
	return rawfmt_decode(&t->rf, lvl, e).dirty;
}

bool df_accessed(const struct df_table *t, unsigned int lvl, uint64_t e)
{
	return rawfmt_decode(&t->rf, lvl, e).accessed;
}

/* Of @e with the bits @mask set and with them clear, the one whose
 * decoded state (@dirty or accessed) is @on: the formats differ in which
 * way round their bits go (ARM stage 1 is dirty with AP[2] clear). */
static uint64_t with_state(const struct df_table *t, unsigned int lvl, uint64_t e,
			   uint64_t mask, bool dirty, bool on)
{
	uint64_t v[2] = { e | mask, e & ~mask };

	for (unsigned int i = 0; i < 2; i++) {
		struct rawfmt_ent d = rawfmt_decode(&t->rf, lvl, v[i]);

		if ((dirty ? d.dirty : d.accessed) == on)
			return v[i];
	}
	cr_assert_fail("%s: no value of bits %#llx makes %#llx %s %d", t->name, ULL(mask),
		       ULL(e), dirty ? "dirty" : "accessed", on);
	return e;
}

uint64_t df_with_dirty(const struct df_table *t, unsigned int lvl, uint64_t e, bool on)
{
	return with_state(t, lvl, e, rawfmt_dirty_bits(&t->rf), true, on);
}

uint64_t df_with_accessed(const struct df_table *t, unsigned int lvl, uint64_t e, bool on)
{
	uint64_t a = rawfmt_hw_bits(&t->rf) & ~rawfmt_dirty_bits(&t->rf);

	return with_state(t, lvl, e, a, false, on);
}

void df_expect_leaf(const struct df_table *t, uint64_t iova, uint64_t size, uint64_t oa,
		    unsigned int prot, const char *what)
{
	const struct af_format *f = t->c->fmt;
	const uint64_t *p;
	struct af_leaf lf;
	char w[192];

	snprintf(w, sizeof(w), "%s (leaf %#llx size %#llx)", what, ULL(iova), ULL(size));
	cr_assert_eq(af_lookup(&t->at, iova, &lf), 0, "%s: %s: not mapped", t->name, w);
	cr_assert(lf.first == iova && (1ull << lf.shift) == size && lf.page_oa == oa,
		  "%s: %s: found leaf %#llx (2^%u) -> %#llx", t->name, w, ULL(lf.first),
		  lf.shift, ULL(lf.page_oa));
	f->expect_bits(&t->at, &lf, prot, w);
	p = af_ptr(&t->at, lf.first_pte_pa);
	for (unsigned int i = 0; i < lf.run; i++) {
		uint64_t e = __atomic_load_n(&p[i], __ATOMIC_ACQUIRE);
		struct rawfmt_ent d = rawfmt_decode(&t->rf, lf.level, e);

		cr_assert(d.kind == RAWFMT_LEAF, "%s: %s: member %u not a good leaf (%s): %#llx",
			  t->name, w, i, d.why ? d.why : "not a leaf", ULL(e));
		cr_assert(d.accessed, "%s: %s: member %u without the accessed flag: %#llx",
			  t->name, w, i, ULL(e));
		if (!(prot & GENPT_WRITE))
			cr_assert(!d.dirty && !d.w, "%s: %s: read-only member %u writable: %#llx",
				  t->name, w, i, ULL(e));
	}
}

/* The entry index of @va in a level-@lvl table of @rf. */
static uint64_t tbl_index(const struct rawfmt *rf, unsigned int lvl, uint64_t va)
{
	unsigned int bits = rf->tbits[lvl];

	return (va >> rf->shift[lvl]) & (bits >= 64 ? ~0ull : (1ull << bits) - 1);
}

void df_expect_tables(const struct df_table *t, uint64_t va, bool accessed,
		      const char *what)
{
	const struct rawfmt *rf = &t->rf;
	uint64_t a = rawfmt_hw_bits(rf) & ~rawfmt_dirty_bits(rf);
	uint64_t table = t->at.info.root_pa;

	for (unsigned int lvl = rf->levels; lvl-- > 0;) {
		uint64_t e = __atomic_load_n(af_ptr(&t->at, table + 8 * tbl_index(rf, lvl, va)),
					     __ATOMIC_ACQUIRE);
		struct rawfmt_ent d = rawfmt_decode(rf, lvl, e);

		if (d.kind != RAWFMT_TABLE) {
			cr_assert(d.kind != RAWFMT_BAD, "%s: %s: level %u entry %#llx: %s",
				  t->name, what, lvl, ULL(e), d.why);
			return;
		}
		cr_assert(accessed || !(e & a),
			  "%s: %s: pointer at level %u accessed before any walk: %#llx", t->name,
			  what, lvl, ULL(e));
		table = d.oa;
	}
}
