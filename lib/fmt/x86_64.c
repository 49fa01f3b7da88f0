// SPDX-License-Identifier: MIT
/*
 * x86_64.c - x86-64 (issue: x86 formats).
 *
 * Named in the public API; not built yet: genpt_create() answers
 * -EOPNOTSUPP.  Replace with the format's accessors over pt_generic.h (see
 * riscv.c).
 */
#include "core/pt_internal.h"

const struct genpt_fmt_ops genpt_x86_64_ops = {
	.name = "x86_64",
	.init = genpt_fmt_unimplemented,
};
