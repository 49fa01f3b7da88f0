/* SPDX-License-Identifier: MIT */
/*
 * lib/mem/mem_internal.h - what the core may ask the memory providers
 * beyond the public header.  Not installed, not exported.
 */
#ifndef GENPT_MEM_INTERNAL_H
#define GENPT_MEM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "genpt/mem.h"

/**
 * genpt_mem_linear() - whether a provider maps physical addresses to host
 * pointers by a fixed offset for its whole life.
 * @mem, @ctx: the provider and its context.
 * @delta:     receives host pointer - physical address, when linear.
 *
 * The built-in providers are (host memory: pa == va; genpt_physmem: one
 * host mapping); any other provider is asked through phys_to_virt.  The
 * core turns pa -> va into an add on its hot paths when this says so, and
 * so never needs to know which provider it has.
 */
bool genpt_mem_linear(const struct genpt_mem_ops *mem, void *ctx, uintptr_t *delta);

#endif /* GENPT_MEM_INTERNAL_H */
