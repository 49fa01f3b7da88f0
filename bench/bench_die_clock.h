/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_die_clock.h - how a genpt benchmark executable stops on an error
 * (die(), CHECK()) and reads a clock (now_ns()): shared by genpt_bench
 * and genpt_bench_threads.  Define BENCH_NAME (the program's name, a
 * string literal) before including it.
 */
#ifndef GENPT_BENCH_DIE_CLOCK_H
#define GENPT_BENCH_DIE_CLOCK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef BENCH_NAME
#error "define BENCH_NAME before including bench_die_clock.h"
#endif

/* A benchmark that measured something wrong must not print a figure. */
static inline void die(const char *what, int err)
{
	fprintf(stderr, BENCH_NAME ": %s failed: %d (%s)\n", what, err,
		err < 0 ? strerror(-err) : "");
	exit(1);
}

#define CHECK(call)                                    \
	do {                                           \
		int check_err_ = (call);               \
		if (check_err_)                        \
			die(#call, check_err_);        \
	} while (0)

static inline double clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline double now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

#endif /* GENPT_BENCH_DIE_CLOCK_H */
