// SPDX-License-Identifier: MIT
/*
 * amdv1.c - AMD IOMMU v1 (issue: x86 formats).
 *
 * Named in the public API; not built yet: genpt_create() answers
 * -EOPNOTSUPP.  Replace with the format's accessors over pt_generic.h (see
 * riscv.c).
 */
#include "core/pt_internal.h"

const struct genpt_fmt_ops genpt_amdv1_ops = {
	.name = "amdv1",
	.init = genpt_fmt_unimplemented,
};
