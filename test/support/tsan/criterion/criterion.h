/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for the part of Criterion the suites use, for ThreadSanitizer
 * builds only.
 *
 * Why: Criterion's runner (BoxFort) places a shared arena at a random
 * address it probes with mincore(); under TSan nearly the whole address
 * space is reserved for shadow memory, the probes keep failing and the
 * runner aborts with "Could not initialize inheritable arena" before any
 * test runs (most starts, not all).  The TSan build compiles the same test
 * sources against this header instead: same Test() declarations and
 * assertions, each test in a forked child like Criterion does.
 */
#ifndef GENPT_TSAN_CRITERION_H
#define GENPT_TSAN_CRITERION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct criterion_test_extra_data {
	void (*init)(void);
	void (*fini)(void);
	bool disabled;
	double timeout;
	const char *description;
	int exit_code;
	int signal;
};

void shim_register(const char *suite, const char *name, void (*fn)(void),
		   const struct criterion_test_extra_data *opts);
void shim_register_suite(const char *suite,
			 const struct criterion_test_extra_data *opts);
void shim_check(bool ok, bool fatal, const char *file, int line,
		const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

#define Test(suite, name, ...)                                                \
	static void suite##_##name##_impl(void);                              \
	static const struct criterion_test_extra_data suite##_##name##_opts = { \
		__VA_ARGS__                                                   \
	};                                                                    \
	__attribute__((constructor)) static void suite##_##name##_reg(void)   \
	{                                                                     \
		shim_register(#suite, #name, suite##_##name##_impl,           \
			      &suite##_##name##_opts);                        \
	}                                                                     \
	static void suite##_##name##_impl(void)

#define TestSuite(suite, ...)                                                 \
	static const struct criterion_test_extra_data suite##_suite_opts = {  \
		__VA_ARGS__                                                   \
	};                                                                    \
	__attribute__((constructor)) static void suite##_suite_reg(void)      \
	{                                                                     \
		shim_register_suite(#suite, &suite##_suite_opts);             \
	}

/* A failed cr_assert ends the test like Criterion's does, and the compiler
 * knows it (noreturn), so code after it may rely on the condition. */
_Noreturn void shim_fatal(const char *file, int line, const char *expr,
			  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define SHIM_CHECK(fatal, cond, text, ...)                                   \
	do {                                                                 \
		if (fatal) {                                                 \
			if (!(cond))                                         \
				shim_fatal(__FILE__, __LINE__, text,         \
					   " " __VA_ARGS__);                 \
		} else {                                                     \
			shim_check((cond), false, __FILE__, __LINE__, text,  \
				   " " __VA_ARGS__);                         \
		}                                                            \
	} while (0)

#define cr_assert(c, ...) SHIM_CHECK(true, (c), #c, __VA_ARGS__)
#define cr_expect(c, ...) SHIM_CHECK(false, (c), #c, __VA_ARGS__)
#define cr_assert_not(c, ...) SHIM_CHECK(true, !(c), "!(" #c ")", __VA_ARGS__)
#define cr_expect_not(c, ...) SHIM_CHECK(false, !(c), "!(" #c ")", __VA_ARGS__)
#define cr_assert_eq(a, b, ...) SHIM_CHECK(true, (a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_expect_eq(a, b, ...) SHIM_CHECK(false, (a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_assert_neq(a, b, ...) SHIM_CHECK(true, (a) != (b), #a " != " #b, __VA_ARGS__)
#define cr_expect_neq(a, b, ...) SHIM_CHECK(false, (a) != (b), #a " != " #b, __VA_ARGS__)
#define cr_assert_lt(a, b, ...) SHIM_CHECK(true, (a) < (b), #a " < " #b, __VA_ARGS__)
#define cr_expect_lt(a, b, ...) SHIM_CHECK(false, (a) < (b), #a " < " #b, __VA_ARGS__)
#define cr_assert_leq(a, b, ...) SHIM_CHECK(true, (a) <= (b), #a " <= " #b, __VA_ARGS__)
#define cr_expect_leq(a, b, ...) SHIM_CHECK(false, (a) <= (b), #a " <= " #b, __VA_ARGS__)
#define cr_assert_gt(a, b, ...) SHIM_CHECK(true, (a) > (b), #a " > " #b, __VA_ARGS__)
#define cr_expect_gt(a, b, ...) SHIM_CHECK(false, (a) > (b), #a " > " #b, __VA_ARGS__)
#define cr_assert_geq(a, b, ...) SHIM_CHECK(true, (a) >= (b), #a " >= " #b, __VA_ARGS__)
#define cr_expect_geq(a, b, ...) SHIM_CHECK(false, (a) >= (b), #a " >= " #b, __VA_ARGS__)
#define cr_assert_null(p, ...) SHIM_CHECK(true, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_expect_null(p, ...) SHIM_CHECK(false, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_assert_not_null(p, ...) SHIM_CHECK(true, (p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_expect_not_null(p, ...) SHIM_CHECK(false, (p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_assert_fail(...) SHIM_CHECK(true, false, "fail", __VA_ARGS__)
#define cr_expect_fail(...) SHIM_CHECK(false, false, "fail", __VA_ARGS__)
#define cr_log_info(...) (fprintf(stderr, __VA_ARGS__), fputc('\n', stderr))
#define cr_log_warn(...) cr_log_info(__VA_ARGS__)
#define cr_log_error(...) cr_log_info(__VA_ARGS__)

#endif /* GENPT_TSAN_CRITERION_H */
