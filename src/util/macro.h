/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_UTIL_MACRO_H
#define CTA_UTIL_MACRO_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _warn_unused_result_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Hand ownership out of a _cleanup_ variable. */
#define TAKE_PTR(p)                      \
	({                               \
		__typeof__(p) _p_ = (p); \
		(p) = NULL;              \
		_p_;                     \
	})
#define TAKE_FD(fd)              \
	({                       \
		int _fd_ = (fd); \
		(fd) = -EBADF;   \
		_fd_;            \
	})

/* Negative errno from the current errno, never 0 (for APIs that forget to set it). */
static inline int cta_negerrno(void)
{
	return errno > 0 ? -errno : -EIO;
}

static inline void cta_freep(void *p)
{
	free(*(void **)p);
}
static inline void cta_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
static inline void cta_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void cta_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_free_ _cleanup_(cta_freep)
#define _cleanup_fclose_ _cleanup_(cta_fclosep)
#define _cleanup_close_ _cleanup_(cta_closep)
#define _cleanup_closedir_ _cleanup_(cta_closedirp)

/* Declare a cleanup helper for a type with a free function that accepts NULL. */
#define CTA_DEFINE_CLEANUP(type, func)      \
	static inline void func##p(type *p) \
	{                                   \
		if (*p)                     \
			func(*p);           \
	}

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)

#endif
