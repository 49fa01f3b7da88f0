// SPDX-License-Identifier: MIT
/*
 * test_x86_64_dirty.c - harvesting x86-64 D bits (bit 6) set by the
 * reference walk: NO_CLEAR, NULL bitmaps, the gather, tracking on/off, bitmap shapes, a
 * randomized model and concurrent writers against harvesters.
 */
#include <criterion/criterion.h>

#include "x86_suite.h"

Test(x86_64_dirty, random_against_model, .timeout = 120)
{
	xs_dirty_random(XU_X86_48, 0x5eed86, 300);
}
Test(x86_64_dirty, concurrent_writers_and_harvesters, .timeout = 120)
{
	xs_dirty_concurrent(XU_X86_48);
}
