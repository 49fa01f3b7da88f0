// SPDX-License-Identifier: MIT
/*
 * test_vtdss_dirty.c - harvesting VT-d second-stage D bits (bit 9, with A
 * in bit 8, as with SSADE) set by the reference walk.
 */
#include <criterion/criterion.h>

#include "x86_suite.h"

Test(vtdss_dirty, random_against_model, .timeout = 120)
{
	xs_dirty_random(XU_VTD_48, 0x5eedd7, 300);
}
Test(vtdss_dirty, concurrent_writers_and_harvesters, .timeout = 120)
{
	xs_dirty_concurrent(XU_VTD_39);
}
