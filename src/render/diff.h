/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_RENDER_DIFF_H
#define CTA_RENDER_DIFF_H

/*
 * Unified diff (GNU `diff -u` format) of two small texts, line by line.
 *
 * @old or @new NULL means "the file does not exist": its header names
 * /dev/null.  @context is the number of unchanged lines around each change
 * (3 for diff -u).  A last line without a newline is marked
 * "\ No newline at end of file" as GNU diff does.
 *
 * Returns 0 and a new string in @ret (caller frees): the diff, or "" when the
 * two texts are identical (and both exist or both do not).  -ENOMEM on
 * allocation failure.
 */
int cta_diff_unified(const char *old, const char *new, const char *old_label, const char *new_label,
		     unsigned context, char **ret);

#endif
