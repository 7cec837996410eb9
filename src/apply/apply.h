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
	bool all_ports; /* --allow-all-ports: NOTRACK may cover every port */
	bool adopt_sysctl_file; /* --adopt-sysctl-file: replace a sysctl file ctaudit did not write */
	bool force; /* rollback --force: overwrite what changed since the apply */
	bool runtime_only; /* change runtime values and rules only, no boot-time file */
};

/*
 * The error of a refusal: a path, journal, report or plan that is not
 * trusted or not allowed (bad or hostile input: exit 2, nothing changed),
 * as opposed to an errno the host returned.
 */
#define CTA_EREFUSED EBADE

/* Whether error @r of this module is a refusal (-CTA_EREFUSED). */
bool cta_apply_refused(int r);

/*
 * The journal `rollback` works on: @name, or (NULL) the newest that is
 * applied or interrupted.  Returns 1 and the journal in @ret, 0 when there is
 * nothing to roll back, or negative errno with @ret_error set: -ENOENT no
 * such journal, -EBUSY a newer one is still active, -ENODATA the named one
 * never got a journal.json (nothing changed), -EINVAL invalid.
 */
int cta_apply_select_journal(const char *root, const char *name, struct cta_journal **ret,
			     char **ret_error);

/*
 * Test-only fault hook, compiled in only with the CMake option
 * CTA_FAULT_HOOK (the test build): with CTAUDIT_FAULT_AFTER=N in the
 * environment the process kills itself with SIGKILL after its N-th mutating
 * step (journal write, file replacement, runtime write, rule commit).
 */
void cta_apply_step(void);

/*
 * Take the exclusive lock ROOT/run/ctaudit.lock (non-blocking), opened in the
 * root: /run must be root's and not writable by others, the lock a regular
 * file of root's, never a symlink.  Returns the lock fd (close it to
 * release), or -EBUSY when another apply or rollback holds it, or negative
 * errno, with a message in @ret_error.
 */
int cta_apply_lock(const char *root, char **ret_error);

/* What an apply changes (the root, the host, the network namespace), for the journal. */
int cta_apply_target(const struct cta_apply_opts *o, struct cta_journal_target *ret);

/* 0 when @now is the target @was names, else -EXDEV with the difference in @ret_error. */
int cta_apply_check_target(const struct cta_journal_target *was,
			   const struct cta_journal_target *now, char **ret_error);

/*
 * Check @p against the allow-list (apply/allow.h) and ctaudit's own-file
 * rules before anything is written: every file, key, value and port.
 * Returns 0 or negative errno with the reason in @ret_error.
 */
int cta_apply_check_plan(const struct cta_plan *p, const struct cta_apply_opts *o,
			 char **ret_error);

/* The same for a journal about to be rolled back. */
int cta_apply_check_journal(const struct cta_journal *j, const struct cta_apply_opts *o,
			    char **ret_error);

/*
 * What changed since journal @j's apply: files whose bytes differ from what
 * it wrote (or that are gone), runtime values that are neither what it set
 * nor what was there before.  Returns the count and one line each in @ret
 * (strv), or negative errno.
 */
int cta_apply_drift(const struct cta_journal *j, const struct cta_apply_opts *o, char ***ret);

/* Newest journal still "prepared" (an interrupted apply): 1 and its id, 0 none, negative errno. */
int cta_apply_find_unfinished(const char *root, char **ret_id);

/*
 * Carry out @p.  Returns 0 with the journal id in @ret_id (state applied).
 * On failure returns negative errno with a message in @ret_error (caller
 * frees): the done steps are undone and the journal (if written) is marked
 * failed, or, when a step could not be undone, left prepared for
 * 'ctaudit rollback'; @ret_id is set when a journal exists.
 */
int cta_apply_run(const struct cta_plan *p, const struct cta_apply_opts *o, char **ret_id,
		  char **ret_error);

/*
 * Restore the state recorded in @j: NOTRACK rules, runtime values, file bytes
 * (or their absence) with their mode and owner, in that order, then mark it
 * rolled back.  The journal is checked first (cta_apply_check_journal):
 * nothing changes when it fails.  The caller checked the target and drift.  Every step is
 * idempotent, so an interrupted apply or rollback can be rolled back again.
 * Returns 0 or negative errno with @ret_error set; steps that failed are
 * named, the others are still done.
 */
int cta_apply_rollback(struct cta_journal *j, const struct cta_apply_opts *o, char **ret_error);

#endif
