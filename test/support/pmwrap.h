/* SPDX-License-Identifier: MIT */
/*
 * pmwrap.h - the pass-through half of a test provider that wraps a
 * genpt_physmem to hook one operation (ptrap.h parks a table access,
 * hooktab.h runs a hook at a flush): alloc, free and phys_to_virt go
 * straight to the physmem.  The provider's context must begin with the physmem pointer.
 */
#ifndef GENPT_TEST_PMWRAP_H
#define GENPT_TEST_PMWRAP_H

#include <stddef.h>
#include <stdint.h>

void *pmwrap_alloc(void *ctx, size_t size, size_t align, uint64_t *pa);
void pmwrap_free(void *ctx, void *va, size_t size);
void *pmwrap_p2v(void *ctx, uint64_t pa);

#endif /* GENPT_TEST_PMWRAP_H */
