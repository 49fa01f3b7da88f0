/* SPDX-License-Identifier: MIT */
/*
 * dma_copy.h - how a simulated device moves data to or from memory.
 *
 * Devices race with each other and with CPUs reading the same pages (a
 * migration copies pages while devices write them), so every access is a
 * relaxed atomic: defined behaviour, and whole aligned 8-byte words where
 * the memory allows, as a real DMA engine would write them.
 */
#ifndef GENPT_HW_DMA_COPY_H
#define GENPT_HW_DMA_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copy @n bytes between @mem (simulated memory) and @buf. */
static inline void genpt_dma_copy(unsigned char *mem, unsigned char *buf,
				  size_t n, bool to_mem)
{
	size_t i = 0;

	if (!(((uintptr_t)mem) & 7)) {
		for (; i + 8 <= n; i += 8) {
			uint64_t v;

			if (to_mem) {
				__builtin_memcpy(&v, buf + i, 8);
				__atomic_store_n((uint64_t *)(void *)(mem + i), v,
						 __ATOMIC_RELAXED);
			} else {
				v = __atomic_load_n((uint64_t *)(void *)(mem + i),
						    __ATOMIC_RELAXED);
				__builtin_memcpy(buf + i, &v, 8);
			}
		}
	}
	for (; i < n; i++) {
		if (to_mem)
			__atomic_store_n(mem + i, buf[i], __ATOMIC_RELAXED);
		else
			buf[i] = __atomic_load_n(mem + i, __ATOMIC_RELAXED);
	}
}

#endif /* GENPT_HW_DMA_COPY_H */
