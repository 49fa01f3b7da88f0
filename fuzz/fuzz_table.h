/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_table.h - the table fuzz target, shared by the libFuzzer build
 * and the plain replay executable (fuzz_table_replay).
 */
#ifndef GENPT_FUZZ_TABLE_H
#define GENPT_FUZZ_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point: run one input; abort() on any mismatch. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Built-in seed inputs (also written to fuzz/corpus/fuzz_table/). */
struct fuzz_seed {
	const char *name;
	const uint8_t *data;
	size_t size;
};

extern const struct fuzz_seed fuzz_table_seeds[];
extern const size_t fuzz_table_nseeds;

#endif /* GENPT_FUZZ_TABLE_H */
