// SPDX-License-Identifier: MIT
/*
 * armv8.c - ARM VMSAv8-64 (issue: ARM LPAE format).
 *
 * Named in the public API; not built yet: genpt_create() answers
 * -EOPNOTSUPP.  Replace with the format's accessors over pt_generic.h (see
 * riscv.c).
 */
#include "core/pt_internal.h"

const struct genpt_fmt_ops genpt_armv8_ops = {
	.name = "armv8",
	.init = genpt_fmt_unimplemented,
};
