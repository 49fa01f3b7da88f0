/* SPDX-License-Identifier: MIT */
/*
 * fmt_open.h - opening a table of every af_fmts[] format in the suites
 * that must pass while a format is not built yet (genpt_create() says
 * -EOPNOTSUPP): they skip it, and say so once, on stderr.
 */
#ifndef GENPT_TEST_FMT_OPEN_H
#define GENPT_TEST_FMT_OPEN_H

#include <stdbool.h>

#include "anyfmt.h"

/* Say once per format and call that @call said -EOPNOTSUPP and what
 * needed it is skipped. */
void fo_skip_note(const struct af_fmt *f, const char *call);

/* genpt_create() of @f returned @err: true for 0, false (noted) for
 * -EOPNOTSUPP; any other error fails the test. */
bool fo_built(const struct af_fmt *f, int err);

/* af_prov_init(@p, @host) and af_create() of @f on it: true with the table
 * in *@pt; false when the format is not built (noted, @p released). */
bool fo_open(const struct af_fmt *f, bool host, struct af_prov *p, struct genpt **pt);

/* A table of one format over a physmem provider, as fo_each() hands it. */
struct fo_table {
	const struct af_fmt *f;
	struct af_prov p;
	struct genpt *pt;
	uint64_t gran, big; /* af_gran(f), af_big(f) */
};

/* Run @check on a fresh table of every af_fmts[] format, each of which
 * must be built (these suites have no skip); destroys the table after and
 * expects the provider to hold nothing. */
void fo_each(void (*check)(struct fo_table *t));
/* The same on the formats with dirty state only. */
void fo_each_dirty(void (*check)(struct fo_table *t));

#endif /* GENPT_TEST_FMT_OPEN_H */
