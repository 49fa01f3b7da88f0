/* SPDX-License-Identifier: MIT */
/*
 * tsan_scale.h - the size of a long test under ThreadSanitizer.
 *
 * TSan runs these tests 5 to 20 times slower, and its CI build must stay
 * inside ctest's timeout on a loaded 2-core machine.  A long test picks a
 * smaller count there with TU_BY_TSAN(normal, tsan): every check still
 * runs on every configuration and format, over fewer operations or sizes.
 * The race detection does not need the extra length; the other builds
 * keep it.
 */
#ifndef GENPT_TEST_TSAN_SCALE_H
#define GENPT_TEST_TSAN_SCALE_H

#if defined(__SANITIZE_THREAD__)
#define TU_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TU_TSAN 1
#endif
#endif

#ifdef TU_TSAN
#define TU_BY_TSAN(normal, tsan) (tsan)
#else
#define TU_BY_TSAN(normal, tsan) (normal)
#endif

#endif /* GENPT_TEST_TSAN_SCALE_H */
