/* SPDX-License-Identifier: MIT */
/*
 * genpt/version.h - the version of the genpt headers (compile time) and of
 * the library (run time).
 *
 * The numbers follow the project's CMake version (project(genpt VERSION
 * ...) in the top-level CMakeLists.txt, which refuses to configure when the
 * two disagree).  The shared library's SONAME carries the major number
 * (libgenpt.so.MAJOR).  While the major number is 0 the API and ABI may
 * change between minor releases.
 */
#ifndef GENPT_VERSION_H
#define GENPT_VERSION_H

#include "genpt/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Major version: incompatible API or ABI changes. */
#define GENPT_VERSION_MAJOR 0
/** Minor version: additions. */
#define GENPT_VERSION_MINOR 1
/** Patch version: fixes. */
#define GENPT_VERSION_PATCH 0
/** The version as a string literal, "MAJOR.MINOR.PATCH". */
#define GENPT_VERSION_STRING "0.1.0"

/**
 * GENPT_VERSION_NUMBER - the version as one comparable integer,
 * MAJOR * 10000 + MINOR * 100 + PATCH (e.g. 0.1.0 is 100), for
 * preprocessor tests such as "#if GENPT_VERSION_NUMBER >= 200".
 */
#define GENPT_VERSION_NUMBER \
	(GENPT_VERSION_MAJOR * 10000 + GENPT_VERSION_MINOR * 100 + GENPT_VERSION_PATCH)

/**
 * genpt_version() - the version of the library linked at run time.
 *
 * Compare it with GENPT_VERSION_STRING to detect a program built against
 * other headers than the library it runs with.
 *
 * Return: "MAJOR.MINOR.PATCH", a static string; never NULL.
 */
GENPT_API const char *genpt_version(void);

#ifdef __cplusplus
}
#endif

#endif /* GENPT_VERSION_H */
