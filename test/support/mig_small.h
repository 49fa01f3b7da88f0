/* SPDX-License-Identifier: MIT */
/*
 * mig_small.h - the small, write-heavy genpt_migrate run the migration
 * tests start from (test_migrate, test_migrate_threads), header only: the
 * migration simulator (tools/migrate) is linked into those tests alone.
 */
#ifndef GENPT_TEST_MIG_SMALL_H
#define GENPT_TEST_MIG_SMALL_H

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

#endif /* GENPT_TEST_MIG_SMALL_H */
