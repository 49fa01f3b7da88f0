// SPDX-License-Identifier: MIT
/*
 * test_fmt_hw_bits.c - every single-bit change of every entry a walk goes
 * through, on every configuration of af_all[]: the hardware walk
 * (genpt_hw_access) and the raw decoder written from the manuals
 * (rawfmt) must agree on what the changed entry means.
 *
 *  - not present (decoder: EMPTY): the walk finds nothing, -ENOENT;
 *  - a reserved encoding the manual makes the walk fault on (decoder:
 *    BAD with hw_fault: reserved bits, a leaf where the level has none,
 *    a bad run encoding, W without R...): -EACCES;
 *  - a leaf's accessed flag cleared, tracking off: -EACCES;
 *  - a valid readable leaf: the read translates to the output address
 *    the decoder reads, through whatever run it now encodes;
 *  - a valid table pointer to the same next table (ignored and software
 *    bits, hardware-set flags): the walk still ends at the page.
 *
 * This is where the reserved-bit, invalid-encoding and ignored-bit checks
 * of the old per-family walk suites live, written once.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>

#include "fhw.h"
#include "genpt/hw.h"

/* What a read of @va must return once entry @e (level @lvl, on the path
 * of @va, replacing @orig) is in place; false when the manual leaves it
 * open (an encoding only genpt promises never to write). */
static bool expected(const struct rawfmt *rf, unsigned int lvl, uint64_t e, uint64_t orig,
		     uint64_t va, int *err, uint64_t *oa)
{
	struct rawfmt_ent d = rawfmt_decode(rf, lvl, e), o = rawfmt_decode(rf, lvl, orig);
	unsigned int off;

	*oa = 0;
	if (d.kind == RAWFMT_EMPTY || (d.kind == RAWFMT_BAD && d.hw_fault)) {
		*err = d.kind == RAWFMT_EMPTY ? -ENOENT : -EACCES;
		return true;
	}
	if (o.kind == RAWFMT_LEAF && !(e & rawfmt_accessed_bit(rf))) {
		*err = -EACCES; /* no hardware A/D update while tracking is off */
		return true;
	}
	if (d.kind == RAWFMT_TABLE && o.kind == RAWFMT_TABLE) {
		*err = d.oa == o.oa ? 0 : 1;
		return d.oa == o.oa; /* (*oa: the caller's, unchanged) */
	}
	if (d.kind != RAWFMT_LEAF || !d.r)
		return false;
	/* A member of a (non-replicated) run whose output is not where its
	 * place in the run says: the manual leaves the walk open. */
	if (d.run_log2 && !d.replicated &&
	    ((d.oa ^ va) >> rf->shift[lvl] & ((1ull << d.run_log2) - 1)))
		return false;
	off = d.replicated ? d.page_shift : rf->shift[lvl];
	*err = 0;
	*oa = d.oa + (va & ((1ull << off) - 1));
	return true;
}

/* Flip each bit of the entry at @pa (level @lvl) in turn; the walk of
 * @va agrees with the decoder; the entry is put back after each. */
static unsigned int flip_entry(const struct af_table *t, const struct rawfmt *rf,
			       unsigned int lvl, uint64_t pa, uint64_t va, uint64_t oa,
			       unsigned int *faults)
{
	uint64_t orig = fh_get(t, pa);
	unsigned int checked = 0;

	for (unsigned int b = 0; b < 64; b++) {
		uint64_t e = orig ^ (1ull << b), want_oa = oa, got = 0;
		int want, err;
		struct rawfmt_ent d = rawfmt_decode(rf, lvl, e);

		if (!expected(rf, lvl, e, orig, va, &want, &want_oa))
			continue;
		if (rawfmt_decode(rf, lvl, orig).kind == RAWFMT_TABLE && !want_oa)
			want_oa = oa;
		fh_set(t, pa, e);
		err = genpt_hw_access(t->pt, va, GENPT_ACCESS_READ, &got);
		fh_set(t, pa, orig);
		cr_assert(err == want && (err || got == want_oa),
			  "%s: level %u entry %#llx, bit %u flipped (%#llx, decoder: kind %d%s%s): "
			  "read %#llx -> %d oa %#llx, want %d oa %#llx",
			  t->c->name, lvl, ULL(orig), b, ULL(e), d.kind, d.why ? " " : "",
			  d.why ? d.why : "", ULL(va), err, ULL(got), want, ULL(want_oa));
		checked++;
		*faults += want == -EACCES;
	}
	fh_expect_access(t, va, GENPT_ACCESS_READ, 0, oa, "every bit put back");
	return checked;
}

/* The path to a leaf of every size that fits, every level. */
Test(fmt_hw_bits, walker_and_decoder_agree_on_every_bit)
{
	for (AF_EACH(c)) {
		unsigned int shifts[64], n = af_leaf_shifts(c, shifts), checked = 0, faults = 0;
		struct af_table t;
		struct rawfmt rf;

		af_table_init(&t, c, 0, 0);
		fh_rawfmt(&t, &rf);
		for (unsigned int i = 0; i < n; i++) {
			uint64_t iova, oa, va, pa[RAWFMT_MAX_LEVELS];
			unsigned int lvl;

			if (!fh_pos(&t, shifts[i], &iova) || !fh_oa(&t, shifts[i], &oa))
				continue;
			fh_map(&t, iova, oa, shifts[i], FH_RW);
			va = iova + (1ull << shifts[i]) / 2 + 0x58;
			lvl = fh_path(&t, &rf, va, pa);
			for (unsigned int l = rf.levels; l-- > lvl;)
				checked += flip_entry(&t, &rf, l, pa[l], va,
						      oa + (1ull << shifts[i]) / 2 + 0x58, &faults);
			cr_assert_eq(genpt_unmap(t.pt, iova, 1ull << shifts[i], NULL, NULL), 0, "%s",
				     c->name);
		}
		cr_assert_gt(checked, 32, "%s: only %u bit changes checked", c->name, checked);
		cr_assert_gt(faults, 1, "%s: only %u changes that fault", c->name, faults);
		af_table_fini(&t);
	}
}
