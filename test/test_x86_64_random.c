// SPDX-License-Identifier: MIT
/*
 * test_x86_64_random.c - randomized map / unmap / translate sequences on
 * x86-64 tables against the model oracle (test/support/x86_util.h).
 */
#include <criterion/criterion.h>

#include "x86_suite.h"

#define NOPS 4000

Test(x86_64_random, four_level) { xs_random(XU_X86_48, 0x4848, NOPS); }
Test(x86_64_random, five_level) { xs_random(XU_X86_57, 0x5757, NOPS); }
Test(x86_64_random, four_level_second_seed) { xs_random(XU_X86_48, 0x1234567, NOPS); }
