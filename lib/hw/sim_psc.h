/* SPDX-License-Identifier: MIT */
/*
 * hw/sim_psc.h - the simulated IOMMU's paging-structure cache (walk
 * cache): the non-leaf entries of its walks (hw/walk_cache.h), so a walk
 * under a cached entry starts below it and sets no accessed flag above.
 *
 * Fully associative, LRU, one mutex.  An invalidation drops every entry
 * whose span meets its range (what VT-d page-selective invalidation
 * without IH and AMD INVALIDATE_IOMMU_PAGES with PDE = 1 do), and a walk
 * that began before an invalidation fills nothing (the generation check
 * the IOTLB makes too).  Internal to sim_iommu.c.
 */
#ifndef GENPT_HW_SIM_PSC_H
#define GENPT_HW_SIM_PSC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/walk_cache.h"

struct sim_psc;

/* A cache of @entries (1..4096); NULL when out of memory. */
struct sim_psc *sim_psc_create(unsigned int entries);
void sim_psc_destroy(struct sim_psc *c);
/* The deepest cached entry covering @va, into @w->start (start_valid). */
void sim_psc_lookup(struct sim_psc *c, uint64_t va, struct genpt_psc_walk *w);
/* Cache what a walk of @va read, unless *@gen moved off @seen_gen. */
void sim_psc_fill(struct sim_psc *c, uint64_t va, const struct genpt_psc_walk *w,
		  const uint64_t *gen, uint64_t seen_gen);
/* Drop every entry whose span meets [@first, @last]; how many. */
uint64_t sim_psc_invalidate(struct sim_psc *c, uint64_t first, uint64_t last);

#endif /* GENPT_HW_SIM_PSC_H */
