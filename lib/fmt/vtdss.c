// SPDX-License-Identifier: MIT
/*
 * vtdss.c - Intel VT-d second stage (issue: x86 formats).
 *
 * Named in the public API; not built yet: genpt_create() answers
 * -EOPNOTSUPP.  Replace with the format's accessors over pt_generic.h (see
 * riscv.c).
 */
#include "core/pt_internal.h"

const struct genpt_fmt_ops genpt_vtdss_ops = {
	.name = "vtdss",
	.init = genpt_fmt_unimplemented,
};
