// SPDX-License-Identifier: MIT
/*
 * The runner of the TSan stand-in for Criterion (see criterion/criterion.h
 * next to this file): runs each registered test in a forked child and
 * prints Criterion's synthesis line.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "criterion/criterion.h"

#define SHIM_MAX_TESTS 512

struct shim_test {
	const char *suite, *name;
	void (*fn)(void);
	const struct criterion_test_extra_data *opts;
};

static struct shim_test tests[SHIM_MAX_TESTS];
static int ntests;
static struct shim_test suites[SHIM_MAX_TESTS];
static int nsuites;
static int expect_failed;

void shim_register(const char *suite, const char *name, void (*fn)(void),
		   const struct criterion_test_extra_data *opts)
{
	if (ntests == SHIM_MAX_TESTS) {
		fprintf(stderr, "tsan shim: too many tests\n");
		exit(2);
	}
	tests[ntests++] = (struct shim_test){ suite, name, fn, opts };
}

void shim_register_suite(const char *suite,
			 const struct criterion_test_extra_data *opts)
{
	if (nsuites < SHIM_MAX_TESTS)
		suites[nsuites++] = (struct shim_test){ suite, NULL, NULL, opts };
}

/* Criterion runs a suite's .init/.fini around every test that has none. */
static const struct criterion_test_extra_data *suite_opts(const char *suite)
{
	for (int i = 0; i < nsuites; i++)
		if (!strcmp(suites[i].suite, suite))
			return suites[i].opts;
	return NULL;
}

void shim_check(bool ok, bool fatal, const char *file, int line,
		const char *expr, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	fprintf(stderr, "%s:%d: Assertion failed: %s:", file, line, expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (fatal)
		exit(1);
	expect_failed = 1;
}

void shim_fatal(const char *file, int line, const char *expr,
		const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: Assertion failed: %s:", file, line, expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int run_one(const struct shim_test *t)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return 1;
	if (pid == 0) {
		const struct criterion_test_extra_data *s = suite_opts(t->suite);
		void (*init)(void) = t->opts->init ? t->opts->init : s ? s->init : NULL;
		void (*fini)(void) = t->opts->fini ? t->opts->fini : s ? s->fini : NULL;

		if (init)
			init();
		t->fn();
		if (fini)
			fini();
		exit(expect_failed);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	if (WIFSIGNALED(status))
		return t->opts->signal && WTERMSIG(status) == t->opts->signal ? 0 : 1;
	return WEXITSTATUS(status) != t->opts->exit_code;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;
	const char *filter = NULL;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--filter") && i + 1 < argc)
			filter = argv[++i];
	for (int i = 0; i < ntests; i++) {
		const struct shim_test *t = &tests[i];

		if (t->opts->disabled || (filter && !strstr(t->name, filter))) {
			skipped++;
			continue;
		}
		if (run_one(t)) {
			fprintf(stderr, "[FAIL] %s::%s\n", t->suite, t->name);
			failed++;
		} else {
			passed++;
		}
	}
	printf("[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Crashing: 0 | Skipped: %d\n",
	       passed + failed, passed, failed, skipped);
	return failed ? 1 : 0;
}
