// SPDX-License-Identifier: MIT
/* ptrap.c - a memory provider that parks a chosen access (ptrap.h). */
#include "ptrap.h"

#include "pmwrap.h"

#include <criterion/criterion.h>
#include <string.h>

_Thread_local bool ptrap_marked;

static void *ptrap_p2v(void *ctx, uint64_t pa)
{
	struct ptrap *t = ctx;

	pthread_mutex_lock(&t->lock);
	if (t->state == 0 && (t->any_from_marked ? ptrap_marked : pa == t->pa)) {
		t->state = 1;
		pthread_cond_broadcast(&t->cond);
		while (t->state != 2)
			pthread_cond_wait(&t->cond, &t->lock);
		t->state = 3;
	}
	pthread_mutex_unlock(&t->lock);
	return genpt_physmem_ptr(t->pm, pa);
}

const struct genpt_mem_ops ptrap_ops = {
	.alloc = pmwrap_alloc, .free = pmwrap_free, .phys_to_virt = ptrap_p2v,
};

void ptrap_init(struct ptrap *t, struct genpt_physmem *pm)
{
	memset(t, 0, sizeof(*t));
	t->pm = pm;
	t->state = 3;
	cr_assert_eq(pthread_mutex_init(&t->lock, NULL), 0);
	cr_assert_eq(pthread_cond_init(&t->cond, NULL), 0);
}

void ptrap_arm(struct ptrap *t, uint64_t pa, bool any_from_marked)
{
	pthread_mutex_lock(&t->lock);
	t->pa = pa;
	t->any_from_marked = any_from_marked;
	t->state = 0;
	pthread_mutex_unlock(&t->lock);
}

void ptrap_wait_parked(struct ptrap *t)
{
	pthread_mutex_lock(&t->lock);
	while (t->state != 1)
		pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

void ptrap_release(struct ptrap *t)
{
	pthread_mutex_lock(&t->lock);
	t->state = 2;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

void ptrap_fini(struct ptrap *t)
{
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
}
