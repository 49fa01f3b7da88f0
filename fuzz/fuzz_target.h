/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_target.h - what every fuzz target provides, for the libFuzzer
 * build and for the plain replay executable (replay_main.c).
 */
#ifndef GENPT_FUZZ_TARGET_H
#define GENPT_FUZZ_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point: run one input; abort() on any mismatch. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A built-in seed input (also written to fuzz/corpus/<target>/). */
struct fuzz_seed {
	const char *name;
	const uint8_t *data;
	size_t size;
};

/*
 * The target's name (crash files are saved as ./<name>-crash-<n>.bin) and
 * its built-in seeds: seed(i, &s) fills s for 0 <= i < nseeds (the data
 * stays valid until the next call).
 */
struct fuzz_target_info {
	const char *name;
	size_t nseeds;
	void (*seed)(size_t i, struct fuzz_seed *s);
	size_t max_len; /* longest input the random replay makes */
	/* the target has a two-thread mode, chosen by GENPT_FUZZ_THREADS=2
	 * (the replay's --threads 2) */
	bool threads;
};

extern const struct fuzz_target_info fuzz_target;

#endif /* GENPT_FUZZ_TARGET_H */
