// SPDX-License-Identifier: MIT
/*
 * test_amdv1_dirty.c - harvesting AMD v1 D bits (bit 6) set by the
 * reference walk on one replica of a page: NO_CLEAR, NULL bitmaps, the gather, tracking
 * on/off, bitmap shapes, a randomized model and concurrent writers against
 * harvesters.
 */
#include <criterion/criterion.h>

#include "x86_suite.h"

Test(amdv1_dirty, random_against_model, .timeout = 120)
{
	xs_dirty_random(XU_AMD_4, 0x5eeda4, 300);
	xs_dirty_random(XU_AMD_6, 0x5eeda6, 200);
}
Test(amdv1_dirty, concurrent_writers_and_harvesters, .timeout = 120)
{
	xs_dirty_concurrent(XU_AMD_3);
}
