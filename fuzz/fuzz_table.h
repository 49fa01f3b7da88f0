/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_table.h - the table fuzz target, shared by the libFuzzer build
 * and the plain replay executable (fuzz_table_replay).
 */
#ifndef GENPT_FUZZ_TABLE_H
#define GENPT_FUZZ_TABLE_H

#include "fuzz_target.h"

extern const struct fuzz_seed fuzz_table_seeds[];
extern const size_t fuzz_table_nseeds;

#endif /* GENPT_FUZZ_TABLE_H */
