/* SPDX-License-Identifier: MIT */
/*
 * lib/mem/host_pool.h - 2 MiB chunks carved into table pages for the
 * default provider (host.c), so that tables allocated one after another
 * sit back to back in memory.
 */
#ifndef GENPT_MEM_HOST_POOL_H
#define GENPT_MEM_HOST_POOL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * host_pool_alloc() - @len bytes (a multiple of 4 KiB) aligned to the
 * power of two at or above @len, NOT zeroed; NULL when @len is above the
 * pool's largest slot, the pool is compiled out, or memory ran out (the
 * caller then asks the C library).
 */
void *host_pool_alloc(size_t len);

/* host_pool_free() - give back @va if the pool handed it out (true). */
bool host_pool_free(void *va);

#endif
