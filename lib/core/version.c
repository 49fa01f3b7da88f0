// SPDX-License-Identifier: MIT
/*
 * version.c - genpt_version(): the version this library was built as.
 */
#include "genpt/version.h"

GENPT_API const char *genpt_version(void)
{
	return GENPT_VERSION_STRING;
}
