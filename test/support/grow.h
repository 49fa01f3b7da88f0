/* SPDX-License-Identifier: MIT */
/*
 * grow.h - room for one more element in a test helper's growing array (the
 * block lists of the anyfmt and flushmem providers).
 */
#ifndef GENPT_TEST_GROW_H
#define GENPT_TEST_GROW_H

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdlib.h>

/*
 * @arr holds @n elements of @size bytes in room for *@cap: when it is
 * full, the room doubles (@first the first time).  Returns the (maybe
 * moved) array; a test helper that cannot get memory stops the test.
 */
static inline void *grow_one(void *arr, size_t n, size_t *cap, size_t size, size_t first)
{
	if (n < *cap)
		return arr;
	*cap = *cap ? 2 * *cap : first;
	arr = realloc(arr, *cap * size);
	cr_assert_not_null(arr);
	return arr;
}

#endif /* GENPT_TEST_GROW_H */
