/* SPDX-License-Identifier: MIT */
/* genpt/export.h - symbol visibility: only genpt_* leave the shared library. */
#ifndef GENPT_EXPORT_H
#define GENPT_EXPORT_H

#if defined(GENPT_STATIC) || !defined(__GNUC__)
#define GENPT_API
#else
#define GENPT_API __attribute__((visibility("default")))
#endif

#endif /* GENPT_EXPORT_H */
