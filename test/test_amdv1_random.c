// SPDX-License-Identifier: MIT
/*
 * test_amdv1_random.c - randomized map / unmap / translate sequences on AMD
 * v1 tables of every Mode, with page sizes of every power of two, against
 * the model oracle.
 */
#include <criterion/criterion.h>

#include "x86_suite.h"

#define NOPS 4000

Test(amdv1_random, mode1) { xs_random(XU_AMD_1, 0xa1, NOPS); }
Test(amdv1_random, mode2) { xs_random(XU_AMD_2, 0xa2, NOPS); }
Test(amdv1_random, mode3) { xs_random(XU_AMD_3, 0xa3, NOPS); }
Test(amdv1_random, mode4) { xs_random(XU_AMD_4, 0xa4, NOPS); }
Test(amdv1_random, mode5) { xs_random(XU_AMD_5, 0xa5, NOPS); }
Test(amdv1_random, mode6) { xs_random(XU_AMD_6, 0xa6, NOPS); }
