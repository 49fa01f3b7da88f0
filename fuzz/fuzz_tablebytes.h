/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_tablebytes.h - the table-memory part of
 * fuzz_formats' state check: genpt_table_bytes() against what the model
 * says the table needs, with a reclaim every 4th check, and only when
 * there is something to reclaim (a table holding exactly the model's
 * tables has no empty one; a reclaim walks the whole table; every full
 * verify still reclaims unconditionally).
 */
#ifndef GENPT_FUZZ_TABLEBYTES_H
#define GENPT_FUZZ_TABLEBYTES_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "genpt/genpt.h"

/*
 * @pt's table bytes (into *@tb) against @model, the bytes the model's
 * @nleaves leaves need: at least that many, and exactly that many on every
 * 4th check (*@checks counts them), after a reclaim when they differ.
 * Returns false with the mismatch in @msg (@size bytes).
 */
static inline bool ftb_check(struct genpt *pt, unsigned int *checks, uint64_t model,
			     size_t nleaves, uint64_t *tb, char *msg, size_t size)
{
	uint64_t freed = 0;

	if (genpt_table_bytes(pt, tb)) {
		snprintf(msg, size, "genpt_table_bytes failed");
		return false;
	}
	if ((++*checks & 3) == 0 && *tb != model) {
		if (genpt_reclaim(pt, NULL, &freed)) {
			snprintf(msg, size, "genpt_reclaim failed");
			return false;
		}
		if (genpt_table_bytes(pt, tb)) {
			snprintf(msg, size, "genpt_table_bytes failed");
			return false;
		}
	}
	if (*tb < model || ((*checks & 3) == 0 && *tb != model)) {
		snprintf(msg, size, "table bytes %" PRIu64 ", model expects %" PRIu64 " (%zu leaves)%s",
			 *tb, model, nleaves, (*checks & 3) == 0 ? " after a reclaim" : "");
		return false;
	}
	return true;
}

#endif /* GENPT_FUZZ_TABLEBYTES_H */
