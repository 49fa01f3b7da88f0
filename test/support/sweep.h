/* SPDX-License-Identifier: MIT */
/*
 * sweep.h - refuse allocation N of a call, for every N until it succeeds
 * (test_failinject.c, test_fmt_errors_edit.c): each refused call must say
 * -ENOMEM, must not go on allocating, and must leave the table exactly as
 * before (anyfmt.h's snapshot, after releasing the gather it was given).
 */
#ifndef GENPT_TEST_SWEEP_H
#define GENPT_TEST_SWEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "anyfmt.h"

struct sweep_op {
	const char *name; /* the call, in messages */
	const char *cfg;  /* the configuration, first in every message */
	const struct af_fmt *f; /* the format, for callers of af_fmts[] */
	int (*run)(struct genpt *pt, const struct sweep_op *op, struct genpt_gather *g);
	uint64_t iova, len, oa;
	unsigned int shift;
	/* after a refused attempt (table already compared with the
	 * snapshot): check translations */
	void (*after_fail)(struct genpt *pt, const struct sweep_op *op);
	/* the call documents that a failure leaves the gather untouched */
	bool gather_untouched;
	/* a failure may leave empty table pages it added (map) */
	bool may_leave_tables;
	/* the successful call frees no table page (map) */
	bool frees_nothing;
	/* refusals before it must succeed (0: 4096) */
	long max_refused;
	void *ctx;
};

/* Sweep @op->run over @pt (whose memory @p provides), with a gather or
 * NULL; returns how many allocations the successful call made. */
long sweep_enomem(struct af_prov *p, struct genpt *pt, const struct sweep_op *op, bool gather);

#endif /* GENPT_TEST_SWEEP_H */
