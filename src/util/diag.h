/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_UTIL_DIAG_H
#define CTA_UTIL_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "util/macro.h"

/*
 * Problems with input (policies, profiles, facts files, command lines) are
 * collected as records with a source location and printed once, by the CLI.
 * Library code never prints them itself.
 */
struct cta_diag {
	char *file; /* may be NULL */
	unsigned line; /* 1-based, 0 = unknown */
	unsigned col; /* 1-based, 0 = unknown */
	char *message; /* lower-case, no full stop, offending thing in quotes */
	char *source_line; /* the offending line's text, for the caret; may be NULL */
};

struct cta_diags {
	struct cta_diag *v;
	size_t n, cap;
};

/* Record a diagnostic.  Returns 0 or -ENOMEM. */
int cta_diag_add(struct cta_diags *d, const char *file, unsigned line, unsigned col,
		 const char *fmt, ...) _printf_(5, 6);

/*
 * Like cta_diag_add, and read line @line of @file (once, cheaply) so that the
 * printout can show it with a caret under column @col.
 */
int cta_diag_add_src(struct cta_diags *d, const char *file, unsigned line, unsigned col,
		     const char *fmt, ...) _printf_(5, 6);

/* Print "file:line:col: error: message", then the source line and a caret. */
void cta_diags_print(const struct cta_diags *d, FILE *f);

void cta_diags_done(struct cta_diags *d);

static inline bool cta_diags_empty(const struct cta_diags *d)
{
	return d->n == 0;
}

#endif
