/* SPDX-License-Identifier: MIT */
/*
 * ptrap.h - a memory provider that parks a chosen access, for the tests
 * that need a walk stopped in flight (test_migrate_iommu.c,
 * test_rviommu_concurrent.c).
 *
 * It forwards to a physmem.  When armed, the first phys_to_virt() of the
 * armed address (or, with @any_from_marked, the first call from a thread
 * that set ptrap_marked) blocks until the test releases it; every later
 * call passes, until the trap is armed again.
 */
#ifndef GENPT_TEST_PTRAP_H
#define GENPT_TEST_PTRAP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "genpt/genpt.h"

struct ptrap {
	struct genpt_physmem *pm; /* first: pmwrap.h */
	uint64_t pa;
	bool any_from_marked;
	int state; /* 0 armed, 1 parked, 2 released, 3 idle */
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

/* genpt_mem_ops over a struct ptrap (the context). */
extern const struct genpt_mem_ops ptrap_ops;
/* Set by a thread whose accesses an @any_from_marked trap parks. */
extern _Thread_local bool ptrap_marked;

/* Idle (not armed) over @pm. */
void ptrap_init(struct ptrap *t, struct genpt_physmem *pm);
void ptrap_fini(struct ptrap *t);
/* Park the next access to @pa, or with @any_from_marked the next access
 * by a marked thread. */
void ptrap_arm(struct ptrap *t, uint64_t pa, bool any_from_marked);
/* Wait until an access is parked. */
void ptrap_wait_parked(struct ptrap *t);
/* Let the parked access go on. */
void ptrap_release(struct ptrap *t);

#endif /* GENPT_TEST_PTRAP_H */
