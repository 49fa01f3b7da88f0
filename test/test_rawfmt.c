// SPDX-License-Identifier: MIT
/*
 * test_rawfmt.c - the raw decoders of test/support/rawfmt.c against the
 * geometry anyfmt.c states for every format, and against what genpt
 * writes: one page mapped, walked from the root with rawfmt alone.
 */
#include <criterion/criterion.h>

#include "anyfmt.h"
#include "fhw.h"
#include "rawfmt.h"

Test(rawfmt, geometry_of_every_format)
{
	for (unsigned int i = 0; i < af_nfmts; i++) {
		const struct af_fmt *f = &af_fmts[i];
		struct rawfmt rf;

		cr_assert_eq(rawfmt_init(&rf, &f->cfg), 0, "%s", f->name);
		cr_expect_eq(rf.va_bits, f->va_bits, "%s: va_bits", f->name);
		cr_expect_eq(rf.oa_bits, f->oa_bits, "%s: oa_bits", f->name);
		cr_expect_eq(rf.gshift, f->gshift, "%s: granule", f->name);
		cr_expect_eq(rf.sign_extend, f->sign_extend, "%s: sign extension", f->name);
		cr_expect_eq(rf.has_dirty, f->dirty, "%s: dirty state", f->name);
	}
}

/* Walk @pt from its root to the entry mapping @iova; its decoding. */
static struct rawfmt_ent walk(const struct rawfmt *rf, struct genpt *pt, uint64_t iova,
			      const char *name)
{
	struct genpt_hw_info hi;
	uint64_t pa;

	cr_assert_eq(genpt_hw_info(pt, &hi), 0, "%s", name);
	cr_assert_eq(hi.levels, rf->levels, "%s: levels", name);
	pa = hi.root_pa;
	for (unsigned int lvl = rf->levels - 1;; lvl--) {
		const uint64_t *t = (const uint64_t *)(uintptr_t)pa;
		uint64_t idx = (iova >> rf->shift[lvl]) & ((1ull << rf->tbits[lvl]) - 1);
		struct rawfmt_ent d = rawfmt_decode(rf, lvl, t[idx]);

		cr_assert(d.kind != RAWFMT_BAD, "%s: level %u entry 0x%016llx: %s", name, lvl,
			  (unsigned long long)t[idx], d.why);
		if (d.kind != RAWFMT_TABLE)
			return d;
		cr_assert(lvl > 0, "%s: a table pointer at level 0", name);
		pa = d.oa;
	}
}

Test(rawfmt, decodes_what_genpt_writes)
{
	for (unsigned int i = 0; i < af_nfmts; i++) {
		const struct af_fmt *f = &af_fmts[i];
		static const unsigned int prots[] = { GENPT_READ | GENPT_WRITE, GENPT_READ,
						      GENPT_READ | GENPT_NOEXEC | GENPT_MMIO };
		struct af_prov p;
		struct genpt *pt;
		struct rawfmt rf;
		uint64_t g = af_gran(f);

		cr_assert_eq(rawfmt_init(&rf, &f->cfg), 0, "%s", f->name);
		af_prov_init(&p, true);
		cr_assert_eq(af_create(f, &p, &pt), 0, "%s", f->name);
		for (unsigned int k = 0; k < 3; k++) {
			uint64_t iova = 5 * af_big(f) + k * g, oa = 0x40000000ull + 3 * k * g;
			struct rawfmt_ent d, want;

			cr_assert_eq(genpt_map(pt, iova, oa, g, prots[k], NULL), 0, "%s", f->name);
			d = walk(&rf, pt, iova, f->name);
			rawfmt_want_prot(&rf, prots[k], &want);
			cr_expect_eq(d.kind, RAWFMT_LEAF, "%s: kind", f->name);
			cr_expect_eq(d.oa, oa, "%s: output address", f->name);
			cr_expect_eq(d.page_shift, f->gshift, "%s: page size", f->name);
			cr_expect(d.r == want.r && d.w == want.w && d.x == want.x,
				  "%s prot 0x%x: rwx %d%d%d, want %d%d%d", f->name, prots[k], d.r,
				  d.w, d.x, want.r, want.w, want.x);
			cr_expect_eq(d.pbmt, want.pbmt, "%s: PBMT", f->name);
			/* (a writable leaf may start dirty while tracking is off) */
			cr_expect(d.accessed, "%s: A set", f->name);
			cr_expect(d.w || !d.dirty, "%s: a read-only leaf is clean", f->name);
		}
		genpt_destroy(pt);
		af_prov_fini(&p);
	}
}

/* Hand-made entries, bit by bit from the manuals. */
Test(rawfmt, encodings_from_the_manuals)
{
	struct genpt_config c = { .format = GENPT_FMT_RISCV, .va_bits = 48,
				  .features = GENPT_FEAT_RISCV_SVNAPOT };
	struct rawfmt rf;
	struct rawfmt_ent d;

	cr_assert_eq(rawfmt_init(&rf, &c), 0);
	/* V R W U A D, PPN 0x12345 */
	d = rawfmt_decode(&rf, 0, (0x12345ull << 10) | 0xd7);
	cr_expect(d.kind == RAWFMT_LEAF && d.oa == 0x12345000ull && d.w && d.dirty && d.user);
	/* NAPOT 64K: ppn[3:0] = 1000 */
	d = rawfmt_decode(&rf, 0, (1ull << 63) | (0x12348ull << 10) | 0x53);
	cr_expect(d.kind == RAWFMT_LEAF && d.run_log2 == 4 && d.oa == 0x12340000ull);
	cr_expect_eq(rawfmt_decode(&rf, 0, 0x11).kind, RAWFMT_BAD); /* pointer at level 0 */

	c = (struct genpt_config){ .format = GENPT_FMT_AMDV1, .va_bits = 48 };
	cr_assert_eq(rawfmt_init(&rf, &c), 0);
	/* NextLevel 7 at level 0 with size bits 0b011: 32 KiB */
	d = rawfmt_decode(&rf, 0, (3ull << 61) | 0x80003000ull | (7ull << 9) | 0x21);
	cr_expect(d.kind == RAWFMT_LEAF && d.page_shift == 15 && d.oa == 0x80000000ull &&
		  d.run_log2 == 3 && d.replicated);
	/* a pointer in a level-2 table names NextLevel 2 */
	d = rawfmt_decode(&rf, 2, (3ull << 61) | 0x5000 | (2ull << 9) | 1);
	cr_expect(d.kind == RAWFMT_TABLE && d.oa == 0x5000);
	cr_expect_eq(rawfmt_decode(&rf, 2, (3ull << 61) | 0x5000 | (1ull << 9) | 1).kind,
		     RAWFMT_BAD);

	c = (struct genpt_config){ .format = GENPT_FMT_ARMV8, .va_bits = 48,
				   .features = GENPT_FEAT_ARMV8_DBM };
	cr_assert_eq(rawfmt_init(&rf, &c), 0);
	cr_expect_eq(rf.levels, 4);
	/* stage 1 page, AF SH=11 nG AP[1], DBM with AP[2]: writable, clean */
	d = rawfmt_decode(&rf, 0, 0x7000ull | 3 | (1ull << 10) | (3ull << 8) | (1ull << 11) |
				      (1ull << 6) | (1ull << 7) | (1ull << 51));
	cr_expect(d.kind == RAWFMT_LEAF && d.w && d.writable_clean && !d.dirty);
}

/* The two writers tests use: a table pointer's address replaced decodes
 * to the new address, nothing else changed; the accessed bit is the one
 * the decoder reads as A. */
Test(rawfmt, table_address_and_accessed_bit)
{
	for (AF_EACH(c)) {
		uint64_t g = 1ull << af_gshift(c), pa[RAWFMT_MAX_LEVELS];
		struct af_table t;
		struct rawfmt rf;
		unsigned int lvl = fh_granule_table(&t, c, &rf, 9 * g, 5 * g, pa);

		for (unsigned int l = rf.levels; l-- > lvl + 1;) {
			uint64_t e = fh_get(&t, pa[l]), to = 0x5a5ull << 28 & ((1ull << 40) - 1);
			struct rawfmt_ent d = rawfmt_decode(&rf, l, rawfmt_with_table_addr(&rf, l, e, to));

			cr_assert(d.kind == RAWFMT_TABLE && d.oa == to, "%s: level %u: kind %d oa %#llx",
				  c->name, l, d.kind, ULL(d.oa));
			cr_assert_eq(rawfmt_with_table_addr(&rf, l, e, rawfmt_decode(&rf, l, e).oa), e,
				     "%s: level %u: same address, same entry", c->name, l);
		}
		{
			uint64_t e = fh_get(&t, pa[lvl]);

			cr_assert(rawfmt_decode(&rf, lvl, e).accessed, "%s", c->name);
			cr_assert(!rawfmt_decode(&rf, lvl, e & ~rawfmt_accessed_bit(&rf)).accessed,
				  "%s: accessed bit", c->name);
		}
		af_table_fini(&t);
	}
}
