/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_TESTS_UNIT_SKIP_H
#define CTA_TESTS_UNIT_SKIP_H

/*
 * Checks a unit program cannot run here.  cmocka's skip() counts a test as
 * passed, so a test that cannot run notes why instead, the other tests still
 * run, and the program exits 77 (ctest: skipped; scripts/test fails a run
 * with any skip) unless something failed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>

static const char *cta_unit_skipped;

static inline void cta_unit_skip(const char *why)
{
	if (!cta_unit_skipped)
		cta_unit_skipped = why;
}

/* What main returns: cmocka's failure count, else 77 when a check could not run. */
static inline int cta_unit_result(int failed)
{
	if (failed || !cta_unit_skipped)
		return failed;
	printf("skipped: %s\n", cta_unit_skipped);
	return 77;
}

/*
 * Root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (@on) or with them
 * again: file modes then apply to root as to anyone, so a check of what a
 * mode 000 directory does runs as root too.  Returns false when the
 * capabilities cannot be changed (not root).
 */
static inline bool cta_unit_drop_dac(bool on)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	const unsigned bits = 1u << CAP_DAC_OVERRIDE | 1u << CAP_DAC_READ_SEARCH;

	if (geteuid() != 0 || syscall(SYS_capget, &h, d) < 0)
		return false;
	if (on)
		d[0].effective &= ~bits;
	else
		d[0].effective |= bits & d[0].permitted;
	return syscall(SYS_capset, &h, d) == 0;
}

#endif
