// SPDX-License-Identifier: MIT
/*
 * x86_bits.c - the exact entry bits each x86 format must write (see
 * x86_suite.h), from the manuals.
 */
#include <criterion/criterion.h>

#include "x86_suite.h"

#define ULL(x) ((unsigned long long)(x))

/* ---- exact entry bits ------------------------------------------------ */

/*
 * From the manuals: x86-64 P 0, RW 1, US 2, PWT 3, PCD 4, A 5, D 6, PS 7,
 * XD 63; VT-d SS R 0, W 1, PS 7, A 8, D 9, SNP 11; AMD v1 PR 0, A 5, D 6,
 * NextLevel 11:9, FC 60, IR 61, IW 62.
 */
uint64_t xs_leaf_bits(const struct xu_table *t, unsigned int shift,
		      uint64_t page_oa, unsigned int prot, bool dirty)
{
	unsigned int lvl = xu_shift_level(shift);
	bool w = prot & GENPT_WRITE, r = prot & GENPT_READ;
	bool coherent = (prot & GENPT_CACHE) && !(prot & GENPT_MMIO);
	uint64_t e = page_oa;

	switch (t->mode->fam) {
	case XU_FAM_X86_64:
		e |= 1ull << 0 | 1ull << 2 | 1ull << 5;
		if (w)
			e |= 1ull << 1 | (dirty ? 1ull << 6 : 0);
		if (prot & GENPT_NOEXEC)
			e |= 1ull << 63;
		if (prot & GENPT_MMIO)
			e |= 1ull << 3 | 1ull << 4;
		if (lvl)
			e |= 1ull << 7;
		break;
	case XU_FAM_VTDSS:
		e |= 1ull << 8;
		if (r)
			e |= 1ull << 0;
		if (w)
			e |= 1ull << 1 | (dirty ? 1ull << 9 : 0);
		if (lvl)
			e |= 1ull << 7;
		if ((t->features & GENPT_FEAT_VTDSS_SNP) && coherent)
			e |= 1ull << 11;
		break;
	case XU_FAM_AMDV1:
		e |= 1ull << 0 | 1ull << 5;
		if (shift != 12 + 9 * lvl) /* NextLevel 7: ones code the size */
			e |= 7ull << 9 | ((1ull << (shift - 1)) - (1ull << 12));
		if (r)
			e |= 1ull << 61;
		if (w)
			e |= 1ull << 62 | (dirty ? 1ull << 6 : 0);
		if (coherent)
			e |= 1ull << 60;
		break;
	}
	return e;
}

void xs_expect_leaf(const struct xu_table *t, uint64_t va, unsigned int shift,
		    uint64_t page_oa, unsigned int prot, unsigned int dmask,
		    unsigned int amask, const char *what)
{
	uint64_t a = xu_accessed_bit(t);
	uint64_t d = (prot & GENPT_WRITE) ? xu_dirty_bit(t) : 0; /* never on read-only */
	uint64_t base = xs_leaf_bits(t, shift, page_oa, prot, false) & ~a;
	struct xu_leaf lf;
	const uint64_t *p;
	int err = xu_lookup(t, va, &lf);

	cr_assert_eq(err, 0, "%s: %s: raw walk of 0x%llx: %d", t->mode->name, what,
		     ULL(va), err);
	cr_assert_eq(lf.shift, shift, "%s: %s: 0x%llx is in a 2^%u page, want 2^%u",
		     t->mode->name, what, ULL(va), lf.shift, shift);
	cr_assert_eq(lf.nrep, xu_shift_entries(shift));
	p = xu_ptr(t, lf.first_pte_pa);
	for (unsigned int i = 0; i < lf.nrep; i++) {
		unsigned int b = i < 32 ? i : 31; /* replicas past 31 follow bit 31 */
		uint64_t want = base | ((dmask >> b) & 1 ? d : 0) |
				((amask >> b) & 1 ? a : 0);
		uint64_t got = __atomic_load_n(&p[i], __ATOMIC_ACQUIRE);

		cr_assert_eq(got, want,
			     "%s: %s: page 0x%llx (2^%u) entry %u of %u: 0x%016llx, want 0x%016llx",
			     t->mode->name, what, ULL(lf.first), shift, i, lf.nrep,
			     ULL(got), ULL(want));
	}
}
