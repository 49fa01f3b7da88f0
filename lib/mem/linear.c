/* SPDX-License-Identifier: MIT */
/*
 * linear.c - which of the built-in providers map physical addresses
 * linearly (mem_internal.h): the memory layer answers for its own
 * providers, so the core does not compare ops pointers.
 */
#include <stdbool.h>
#include <stdint.h>

#include "mem_internal.h"
#include "physmem_internal.h"

bool genpt_mem_linear(const struct genpt_mem_ops *mem, void *ctx, uintptr_t *delta)
{
	uint64_t base, size;
	uintptr_t host;

	if (mem == &genpt_host_mem_ops) {
		*delta = 0;
		return true;
	}
	if (mem == &genpt_physmem_ops && genpt_physmem_linear(ctx, &base, &host, &size) == 0) {
		*delta = (uintptr_t)(host - (uintptr_t)base);
		return true;
	}
	return false;
}
