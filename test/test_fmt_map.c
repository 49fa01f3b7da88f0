// SPDX-License-Identifier: MIT
/*
 * test_fmt_map.c - map, unmap and the gather on every configuration of
 * every format (af_all[], test/support/anyfmt.h), checked against the raw
 * walk of the format's entries.  Every failure names the configuration.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "anyfmt.h"

/* What genpt says of each configuration is what the manuals say. */
Test(fmt_map, descriptor_matches_caps_and_hw_info)
{
	for (AF_EACH(c)) {
		struct genpt_caps caps;
		struct af_table t;
		int err = genpt_query_caps(&c->cfg, NULL, &caps);

		cr_assert_eq(err, 0, "%s: query_caps: %d", c->name, err);
		cr_expect(caps.levels == c->levels && caps.va_bits == c->cfg.va_bits &&
			  caps.oa_bits == c->cfg.oa_bits &&
			  caps.granule_bits == c->cfg.granule_bits,
			  "%s: caps levels %u va %u oa %u granule %u", c->name,
			  caps.levels, caps.va_bits, caps.oa_bits, caps.granule_bits);
		cr_expect_eq(caps.page_sizes, af_page_sizes(c),
			     "%s: page sizes 0x%llx, the manual says 0x%llx", c->name,
			     (unsigned long long)caps.page_sizes,
			     (unsigned long long)af_page_sizes(c));
		cr_expect_eq(caps.run_sizes, af_run_sizes(c),
			     "%s: run sizes 0x%llx, the manual says 0x%llx", c->name,
			     (unsigned long long)caps.run_sizes,
			     (unsigned long long)af_run_sizes(c));
		cr_expect_eq(caps.dirty, c->dirty, "%s: caps.dirty %d", c->name, caps.dirty);
		af_table_init(&t, c, 0, 0);
		if (c->fmt->fam == AF_ARMV8)
			cr_expect(t.info.start_level == c->start_level &&
				  t.info.concat == c->concat,
				  "%s: start level %u concat %u; the manual says %u, %u",
				  c->name, t.info.start_level, t.info.concat,
				  c->start_level, c->concat);
		af_table_fini(&t);
	}
}
