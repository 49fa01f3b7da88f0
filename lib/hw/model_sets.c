/* SPDX-License-Identifier: MIT */
/* lib/hw/model_sets.c - see model_sets.h. */
#include <pthread.h>
#include <stdlib.h>

#include "model_sets.h"

static pthread_mutex_t *lock_of(void *sets, size_t set_size, size_t lock_off, unsigned int i)
{
	return (pthread_mutex_t *)(void *)((char *)sets + (size_t)i * set_size + lock_off);
}

void *model_sets_alloc(size_t set_size, size_t lock_off, unsigned int entries,
		       unsigned int ways, unsigned int *nsets)
{
	unsigned int n = 1;
	void *sets;

	while (n * ways < entries)
		n <<= 1;
	sets = calloc(n, set_size);
	if (!sets)
		return NULL;
	for (unsigned int i = 0; i < n; i++) {
		if (pthread_mutex_init(lock_of(sets, set_size, lock_off, i), NULL)) {
			while (i--)
				pthread_mutex_destroy(lock_of(sets, set_size, lock_off, i));
			free(sets);
			return NULL;
		}
	}
	*nsets = n;
	return sets;
}

void model_sets_free(void *sets, size_t set_size, size_t lock_off, unsigned int nsets)
{
	if (!sets)
		return;
	for (unsigned int i = 0; i < nsets; i++)
		pthread_mutex_destroy(lock_of(sets, set_size, lock_off, i));
	free(sets);
}
