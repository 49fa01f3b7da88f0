/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_flags.c - the libFuzzer flags genpt's targets run with unless
 * the command line says otherwise (linked into the libFuzzer binaries
 * only; the replay executables never see it).
 *
 *   -use_counters=0                  a feature is an edge reached, not an
 *                                    edge times a bucket of hit counts
 *   -entropic_scale_per_exec_time=1  the entropic schedule runs inputs that
 *                                    take less time more often
 *
 * Once the checks were made cheap, libFuzzer's own bookkeeping of
 * features took the largest share of a fuzz_formats input (39%); the
 * hit-count buckets multiplied the features by six, mostly loop counts
 * over table entries rather than over input bytes.  fuzz/README.md
 * ("Sixth pass: time to a planted bug") has the figures: more inputs a
 * second, and the planted bugs found in less time.  The bounded ctest
 * runs (fuzz/CMakeLists.txt) turn the scaled schedule off again so that
 * they repeat for their -seed.
 *
 * libFuzzer calls LLVMFuzzerInitialize() before it parses its flags, and
 * a flag given twice takes its last value, so these go right after
 * argv[0]: anything on the command line (-use_counters=1 to get the
 * buckets back, -entropic_scale_per_exec_time=0 for runs that repeat
 * exactly for a given -seed) comes after them and wins.
 */
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

static const char *const genpt_fuzz_defaults[] = {
	"-use_counters=0",
	"-entropic_scale_per_exec_time=1",
};

/* The new argument vector, never freed: held here so that it stays
 * reachable (not a leak) for as long as libFuzzer may read it. */
static char **genpt_fuzz_argv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const size_t nd = sizeof(genpt_fuzz_defaults) / sizeof(genpt_fuzz_defaults[0]);
	size_t n = *argc > 0 ? (size_t)*argc : 0;
	char **v;

	if (!n)
		return 0;
	v = calloc(n + nd + 1, sizeof(*v));
	if (!v) /* run with libFuzzer's own defaults */
		return 0;
	v[0] = (*argv)[0];
	for (size_t i = 0; i < nd; i++)
		v[1 + i] = (char *)genpt_fuzz_defaults[i];
	memcpy(v + 1 + nd, *argv + 1, (n - 1) * sizeof(*v));
	genpt_fuzz_argv = v;
	*argc = (int)(n + nd);
	*argv = v;
	return 0;
}
