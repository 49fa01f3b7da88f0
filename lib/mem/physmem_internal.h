/* SPDX-License-Identifier: MIT */
/*
 * lib/mem/physmem_internal.h - what the rest of the library may know about
 * genpt_physmem beyond the public header.  Not installed, not exported.
 */
#ifndef GENPT_MEM_PHYSMEM_INTERNAL_H
#define GENPT_MEM_PHYSMEM_INTERNAL_H

#include <stdint.h>

#include "genpt/mem.h"

/**
 * genpt_physmem_linear() - the physmem's fixed linear map.
 *
 * The simulated memory [*@base, *@base + *@size) is backed by one host
 * mapping starting at *@host_base, and that never changes for the life of
 * @pm.  So for base <= pa < base + size the host pointer of pa is
 * (void *)(*@host_base + (pa - *@base)) - exactly genpt_physmem_ptr(), but
 * without a call.  The core uses this when a table's provider is
 * genpt_physmem_ops to turn pa->va into an add on its hot paths.
 *
 * Any output pointer may be NULL.  Returns 0, or -EINVAL when @pm is NULL
 * (outputs untouched).  Lock-free.
 */
int genpt_physmem_linear(const struct genpt_physmem *pm, uint64_t *base,
			 uintptr_t *host_base, uint64_t *size);

#endif /* GENPT_MEM_PHYSMEM_INTERNAL_H */
