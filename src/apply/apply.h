/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_APPLY_APPLY_H
#define CTA_APPLY_APPLY_H

#include <stdbool.h>
#include "apply/journal.h"
#include "plan/plan.h"

/*
 * The apply stage: the only code that changes the host.  Every change is
 * journalled (apply/journal.h) and fsynced before it is made; a failing step
 * undoes the steps already done, in reverse.  Runtime values and rules are
 * changed in the caller's current network namespace (the CLI has entered the
 * one named by --netns).
 */

struct cta_apply_opts {
	const char *root; /* files and the journal live below it; NULL: / */
	const char *procfs; /* NULL: /proc */
	const char *netns; /* recorded in the journal for rollback; may be NULL */
	bool offline; /* files only: no runtime values, no rules */
};

/*
 * Test-only fault hook: with CTAUDIT_FAULT_AFTER=N in the environment the
 * process kills itself with SIGKILL after its N-th mutating step (journal
 * write, temporary file write, rename, runtime write, rule commit).
 */
void cta_apply_step(void);

/*
 * Take the exclusive lock ROOT/run/ctaudit.lock (non-blocking).  Returns the
 * lock fd (close it to release), -EBUSY when another apply or rollback holds
 * it, or negative errno.
 */
int cta_apply_lock(const char *root);

/* Newest journal still "prepared" (an interrupted apply): 1 and its id, 0 none, negative errno. */
int cta_apply_find_unfinished(const char *root, char **ret_id);

/*
 * Carry out @p.  Returns 0 with the journal id in @ret_id (state applied).
 * On failure returns negative errno with a message in @ret_error (caller
 * frees): the done steps are undone and the journal (if written) is marked
 * failed; @ret_id is set when a journal exists.
 */
int cta_apply_run(const struct cta_plan *p, const struct cta_apply_opts *o, char **ret_id,
		  char **ret_error);

/*
 * Restore the state recorded in @j: NOTRACK rules, runtime values, file bytes
 * (or their absence), in that order, then mark it rolled back.  Every step is
 * idempotent, so an interrupted apply or rollback can be rolled back again.
 * Returns 0 or negative errno with @ret_error set; steps that failed are
 * named, the others are still done.
 */
int cta_apply_rollback(struct cta_journal *j, const struct cta_apply_opts *o, char **ret_error);

#endif
