// SPDX-License-Identifier: MIT
/*
 * test_armv8_tcr.c - what is particular to ARM VMSAv8-64: the translation
 * control register genpt_hw_info() gives (TCR_EL1 / VTCR_EL2: T0SZ, the
 * walk attributes, TG0, (I)PS, SL0, and HA / HD following dirty tracking),
 * and the start level the architecture picks for every input size of
 * every granule and stage.  Map, unmap and the rest: test_fmt_map*.c.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "anyfmt.h"

#define TCR_PM_BASE (1ull << 32)
#define ULL(x) ((unsigned long long)(x))

/* The register of every ARM configuration of af_all[]. */
Test(armv8_tcr, every_configuration)
{
	for (AF_EACH(c)) {
		unsigned int g = c->cfg.granule_bits;
		uint64_t tg0 = g == 12 ? 0 : g == 16 ? 1 : 2, want;
		bool s2 = c->cfg.features & GENPT_FEAT_ARMV8_S2;
		struct genpt_hw_info hi;
		struct af_table t;

		if (c->fmt->fam != AF_ARMV8)
			continue;
		af_table_init(&t, c, 0, 1ull << 30);
		hi = t.info;
		cr_assert(hi.start_level == c->start_level && hi.atp == 0,
			  "%s: start %u atp %#llx", c->name, hi.start_level, ULL(hi.atp));
		want = (64 - c->cfg.va_bits) | (1ull << 8) | (1ull << 10) | (3ull << 12) | (tg0 << 14);
		if (s2)
			want |= ((g == 12 ? 2ull : 3ull) - c->start_level) << 6 | (5ull << 16);
		else
			want |= 5ull << 32;
		cr_assert_eq(hi.tcr, want, "%s: tcr %#llx, want %#llx", c->name, ULL(hi.tcr),
			     ULL(want));
		if (c->dirty) {
			/* HA and HD follow dirty tracking */
			cr_assert_eq(genpt_set_dirty_tracking(t.pt, true), 0, "%s", c->name);
			cr_assert_eq(genpt_hw_info(t.pt, &hi), 0, "%s", c->name);
			want |= s2 ? (3ull << 21) : (3ull << 39);
			cr_assert_eq(hi.tcr, want, "%s: tcr with tracking %#llx", c->name,
				     ULL(hi.tcr));
		}
		af_table_fini(&t);
	}
}

/*
 * Every input size of every granule and stage: the start level is the
 * architecture's (stage 1: AArch64.S1StartLevel; stage 2: the fewest
 * lookups with at most 16 concatenated tables, never 4K level 3 or 16K
 * level 0), the register decodes to it, the top address works, oa_bits
 * becomes the smallest PS that holds it.
 */
Test(armv8_tcr, every_input_size)
{
	static const unsigned int grans[] = { 12, 14, 16 };
	static const unsigned int ps_bits[] = { 32, 36, 40, 42, 44, 48 };
	struct genpt_physmem *pm;

	cr_assert_eq(genpt_physmem_create(TCR_PM_BASE, 1ull << 30, &pm), 0);
	for (int s2 = 0; s2 < 2; s2++) {
		for (int gi = 0; gi < 3; gi++) {
			unsigned int g = grans[gi], stride = g - 3;

			for (unsigned int va = 25; va <= 48; va++) {
				/* table memory lies below 2^33: PS applies to it too */
				unsigned int oa_bits = 36 + (va * 7) % 13;
				struct genpt_config cfg = {
					.format = GENPT_FMT_ARMV8, .va_bits = va, .oa_bits = oa_bits,
					.granule_bits = g,
					.features = s2 ? GENPT_FEAT_ARMV8_S2 : 0,
					.mem = &genpt_physmem_ops, .mem_ctx = pm,
				};
				struct genpt *pt;
				struct genpt_hw_info hi;
				unsigned int start, top_shift, root_bits, ps = 0;
				uint64_t oa;

				cr_assert_eq(genpt_create(&cfg, &pt), 0, "s%d g%u va%u", s2 + 1, g, va);
				cr_assert_eq(genpt_hw_info(pt, &hi), 0);
				start = hi.start_level;
				cr_assert_eq(hi.levels, 4 - start);
				top_shift = g + stride * (3 - start);
				cr_assert_lt(top_shift, va, "s%d g%u va%u: the root resolves nothing",
					     s2 + 1, g, va);
				root_bits = va - top_shift;
				if (!s2) {
					/* exactly one table's worth or less */
					cr_assert_leq(root_bits, stride, "s1 g%u va%u: start %u", g, va,
						      start);
					cr_assert_eq(hi.concat, 1);
				} else {
					/* at most 16 tables, and one level fewer would need more
					 * (or a level the granule cannot start at) */
					cr_assert_leq(root_bits, stride + 4, "s2 g%u va%u: start %u", g,
						      va, start);
					cr_assert_eq(hi.concat, root_bits > stride ?
								      1u << (root_bits - stride) : 1u);
					if (start < 3 && !(g == 12 && start == 2))
						cr_assert_gt(va, g + stride * (3 - (start + 1)) + stride + 4,
							     "s2 g%u va%u: start %u is not the shallowest",
							     g, va, start);
					cr_assert(!(g == 14 && start == 0));
					cr_assert(!(g == 16 && start == 0));
					cr_assert(!(g == 12 && start == 3));
					if (g == 14 && va == 48)
						cr_assert(start == 1 && hi.concat == 2,
							  "16K IPA 48 must concatenate two level-1 tables");
				}
				cr_assert_eq(hi.root_size, (8ull << root_bits) < 4096 ? 4096 : 8ull << root_bits);
				cr_assert_eq(hi.root_pa & (hi.root_size - 1), 0);
				cr_assert_eq(hi.tcr & 0x3f, 64 - va);
				while (ps_bits[ps] < oa_bits)
					ps++;
				cr_assert_eq((hi.tcr >> (s2 ? 16 : 32)) & 7, ps, "s%d oa_bits %u: PS",
					     s2 + 1, oa_bits);
				/* the walk decodes the register: the last page works */
				cr_assert_eq(genpt_map(pt, (1ull << va) - (1ull << g), 0, 1ull << g,
						       GENPT_READ, NULL), 0);
				cr_assert_eq(genpt_hw_access(pt, (1ull << va) - 1, GENPT_ACCESS_READ,
							     &oa), 0, "s%d g%u va%u: walk", s2 + 1, g, va);
				cr_assert_eq(oa, (1ull << g) - 1);
				cr_assert_eq(genpt_hw_access(pt, 0, GENPT_ACCESS_READ, &oa), -ENOENT);
				genpt_destroy(pt);
			}
		}
	}
	genpt_physmem_destroy(pm);
}
