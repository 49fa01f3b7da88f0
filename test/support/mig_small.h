/* SPDX-License-Identifier: MIT */
/*
 * mig_small.h - the small, write-heavy genpt_migrate run the migration
 * tests start from, and what every run that must lose nothing is checked
 * for (test_migrate*.c), header only: the migration simulator
 * (tools/migrate) is linked into those tests alone.
 */
#ifndef GENPT_TEST_MIG_SMALL_H
#define GENPT_TEST_MIG_SMALL_H

#include <criterion/criterion.h>

#include "migrate.h"

#define MIG_SMALL_MiB (1ull << 20)

/* A small, write-heavy migration that always races with the devices. */
static inline void mig_small(struct genpt_mig_config *c, const char *format)
{
	genpt_mig_config_default(c);
	c->format = format;
	c->mem_bytes = 8 * MIG_SMALL_MiB; /* one block of the mixed layout: 2M, 64K and 4K leaves */
	c->devices = 3;
	c->rate_mib = 8;        /* 16K writes/s each: fast, and the migration thread still gets a core */
	c->write_bytes = 512;
	c->hot_bytes = 1 * MIG_SMALL_MiB;
	c->hot_percent = 80;
	c->bandwidth_mib = 0;   /* copy at memory speed */
	c->downtime_ms = 0;     /* never fits while devices write: run every round */
	c->max_rounds = 3;
	c->min_writes_per_round = 300;
}

/* genpt_mig_run() of @c gave @err and @r: 0, no DMA error, every byte
 * compared and none differs. */
static inline void mig_expect_verified(const struct genpt_mig_config *c, int err,
				       const struct genpt_mig_result *r, const char *what)
{
	cr_assert_eq(err, 0, "%s: genpt_mig_run: %d (%s)", what, err, r->error);
	cr_assert_eq(r->device_errors, 0, "%s: %llu DMA writes failed, the first with %d at 0x%llx",
		     what, (unsigned long long)r->device_errors, r->first_error,
		     (unsigned long long)r->first_error_gpa);
	cr_assert_eq(r->bytes_compared, c->mem_bytes, "%s", what);
	cr_assert_eq(r->pages_differ, 0, "%s: %llu pages differ, first at 0x%llx", what,
		     (unsigned long long)r->pages_differ,
		     (unsigned long long)(r->n_first_diff ? r->first_diff[0] : 0));
}

#endif /* GENPT_TEST_MIG_SMALL_H */
