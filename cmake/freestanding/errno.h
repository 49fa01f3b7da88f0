/* SPDX-License-Identifier: MIT */
/*
 * errno.h for freestanding builds of genpt (GENPT_FREESTANDING).
 *
 * <errno.h> is not one of the headers a freestanding C implementation must
 * have, but genpt's return values are negative errno constants, so lib/core,
 * lib/fmt and lib/hw need the E* names.  libgenpt_freestanding.a is
 * compiled against this file (and only the compiler's own freestanding
 * headers: -nostdinc), which proves nothing else from a C library is used.
 *
 * A bare-metal project that builds genpt itself puts a directory holding
 * its own errno.h (this file is a fine start) on the include path.  The
 * values must be the ones the code that checks genpt's return values
 * compares against; these are Linux's (asm-generic/errno*.h, the same on
 * x86, Arm and RISC-V), so a hosted Linux program can link the freestanding
 * library too, as examples/bare does.
 */
#ifndef GENPT_FREESTANDING_ERRNO_H
#define GENPT_FREESTANDING_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define EIO 5
#define E2BIG 7
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define EOVERFLOW 75
#define EOPNOTSUPP 95
#define ETIMEDOUT 110

#endif /* GENPT_FREESTANDING_ERRNO_H */
