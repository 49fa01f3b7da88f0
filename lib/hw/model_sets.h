/* SPDX-License-Identifier: MIT */
/*
 * lib/hw/model_sets.h - the set array of a set-associative cache in an
 * IOMMU model (the RISC-V IOTLB, the SMMUv3 TLB): sets of a model's own
 * type, each with a pthread mutex at a known offset, a power-of-two count
 * large enough for the entries asked.  Only the array is shared; what a
 * set holds and how it is searched is each model's, from its spec.
 */
#ifndef GENPT_HW_MODEL_SETS_H
#define GENPT_HW_MODEL_SETS_H

#include <stddef.h>

/*
 * Zeroed sets of @set_size bytes with their mutex (at @lock_off) initialised:
 * the fewest, a power of two, whose @ways each reach @entries.  *@nsets
 * receives the count.  NULL when out of memory (nothing held).
 */
void *model_sets_alloc(size_t set_size, size_t lock_off, unsigned int entries,
		       unsigned int ways, unsigned int *nsets);

/* The mutexes destroyed and the array freed (NULL: nothing). */
void model_sets_free(void *sets, size_t set_size, size_t lock_off, unsigned int nsets);

#endif /* GENPT_HW_MODEL_SETS_H */
