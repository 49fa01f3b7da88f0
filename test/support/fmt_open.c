// SPDX-License-Identifier: MIT
/*
 * fmt_open.c - skipping formats that are not built yet (fmt_open.h).
 */
#include "fmt_open.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

void fo_skip_note(const struct af_fmt *f, const char *call)
{
	/* The key is written straight into the next free slot (the last one
	 * is scratch once the list is full): copying it there from a local
	 * array made gcc 12 -O3 see a dangling pointer that is not there. */
	static char said[65][96];
	static unsigned int nsaid;
	char *key = said[nsaid];

	snprintf(key, sizeof(said[0]), "%s|%s", f->name, call);
	for (unsigned int i = 0; i < nsaid; i++)
		if (!strcmp(said[i], key))
			return;
	if (nsaid < sizeof(said) / sizeof(said[0]) - 1)
		nsaid++;
	/* a note, not cr_log_warn: Criterion fails a run that logged a warning */
	fprintf(stderr, "[NOTE] %s: %s says -EOPNOTSUPP, what needs it skipped\n", f->name, call);
}

bool fo_built(const struct af_fmt *f, int err)
{
	if (err == -EOPNOTSUPP) {
		fo_skip_note(f, "genpt_create");
		return false;
	}
	cr_assert_eq(err, 0, "%s: genpt_create: %d", f->name, err);
	return true;
}

bool fo_open(const struct af_fmt *f, bool host, struct af_prov *p, struct genpt **pt)
{
	af_prov_init(p, host);
	if (fo_built(f, af_create(f, p, pt)))
		return true;
	af_prov_fini(p);
	return false;
}

/* fo_each() and fo_each_dirty(): every format, or those with dirty state. */
static void fo_run(bool dirty_only, void (*check)(struct fo_table *t))
{
	for (unsigned int i = 0; i < af_nfmts; i++) {
		struct fo_table t = { .f = &af_fmts[i], .gran = af_gran(&af_fmts[i]),
				      .big = af_big(&af_fmts[i]) };

		if (dirty_only && !t.f->dirty)
			continue;
		cr_assert(fo_open(t.f, false, &t.p, &t.pt), "%s: not built", t.f->name);
		check(&t);
		genpt_destroy(t.pt);
		af_prov_fini(&t.p);
	}
}

void fo_each(void (*check)(struct fo_table *t))
{
	fo_run(false, check);
}

void fo_each_dirty(void (*check)(struct fo_table *t))
{
	fo_run(true, check);
}
