/* SPDX-License-Identifier: MIT */
/*
 * lib/drv/drv_edit.h - an engine edit as a driver helper makes it: the
 * engine call into a gather, then the driver's invalidation of what it
 * gathered (and the wait for it), then the gather's release.  One copy for
 * every driver helper; each gives only its invalidation.
 */
#ifndef GENPT_DRV_EDIT_H
#define GENPT_DRV_EDIT_H

#include <pthread.h>

#include "genpt/table.h"

/*
 * Invalidate [@first, @last] in every domain of @table that the driver
 * @drv has attached and wait until the hardware is done with it (RISC-V
 * IOFENCE.C, SMMUv3 CMD_SYNC); 0 when nothing of @table is attached.
 */
typedef int (*drv_inval_fn)(void *drv, struct genpt *table, uint64_t first,
			    uint64_t last);

/*
 * Invalidate the gather's range, then release its pages.  The pages are
 * released even after a queue error: the queue was restarted and the
 * commands since the last wait are lost, but holding the pages forever
 * helps nobody.  The error is returned.
 */
static inline int drv_finish_gather(void *drv, drv_inval_fn inval,
				    struct genpt *table, struct genpt_gather *g)
{
	int err = 0;

	if (g->start <= g->last)
		err = inval(drv, table, g->start, g->last);
	genpt_gather_release(table, g);
	return err;
}

enum drv_edit_kind { DRV_EDIT_MAP, DRV_EDIT_UNMAP_READ_DIRTY, DRV_EDIT_HARVEST };

/* The engine call and its arguments (those its kind does not take are 0). */
struct drv_edit {
	enum drv_edit_kind kind;
	uint64_t iova, len, pa;
	unsigned int prot;  /* DRV_EDIT_MAP */
	unsigned int flags; /* DRV_EDIT_HARVEST */
	const struct genpt_dirty_bitmap *bitmap;
	uint64_t *unmapped; /* DRV_EDIT_UNMAP_READ_DIRTY */
};

/* Run @e (driver lock held), invalidate what it gathered, release; the
 * engine's error first, then the invalidation's. */
static inline int drv_edit_run(void *drv, drv_inval_fn inval, struct genpt *table,
			       const struct drv_edit *e)
{
	struct genpt_gather g;
	int err, err2;

	genpt_gather_init(&g);
	switch (e->kind) {
	case DRV_EDIT_MAP: /* only a failed map that wrote part of its range gathers */
		err = genpt_map(table, e->iova, e->pa, e->len, e->prot, &g);
		break;
	case DRV_EDIT_UNMAP_READ_DIRTY:
		err = genpt_unmap_read_dirty(table, e->iova, e->len, e->bitmap, &g,
					     e->unmapped);
		break;
	default:
		err = genpt_read_and_clear_dirty(table, e->iova, e->len, e->flags,
						 e->bitmap, &g);
		break;
	}
	err2 = drv_finish_gather(drv, inval, table, &g);
	return err ? err : err2;
}

/* A public driver-helper edit: -EINVAL for a NULL @drv or @table, else
 * @e run under @lock (the driver's, NULL exactly when @drv is). */
static inline int drv_edit_locked(void *drv, pthread_mutex_t *lock, drv_inval_fn inval,
				  struct genpt *table, const struct drv_edit *e)
{
	int err;

	if (!drv || !lock || !table)
		return -EINVAL;
	pthread_mutex_lock(lock);
	err = drv_edit_run(drv, inval, table, e);
	pthread_mutex_unlock(lock);
	return err;
}

#endif /* GENPT_DRV_EDIT_H */
