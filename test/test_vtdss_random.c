// SPDX-License-Identifier: MIT
/*
 * test_vtdss_random.c - randomized map / unmap / translate sequences on
 * VT-d second-stage tables against the model oracle.
 */
#include <criterion/criterion.h>

#include "x86_suite.h"

#define NOPS 4000

Test(vtdss_random, three_level) { xs_random(XU_VTD_39, 0x3939, NOPS); }
Test(vtdss_random, four_level) { xs_random(XU_VTD_48, 0x4848, NOPS); }
Test(vtdss_random, five_level) { xs_random(XU_VTD_57, 0x5757, NOPS); }
