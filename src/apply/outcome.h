/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_APPLY_OUTCOME_H
#define CTA_APPLY_OUTCOME_H

#include <stddef.h>
#include <jansson.h>
#include "policy/policy.h"

/*
 * What apply compares before and after: whether a saved report may be
 * applied to the live target, and what the re-audit says once it is.
 */

/*
 * A report is applied only to what it audited: the live facts' target (with
 * @root) must be the report's.  Unlike a plan, apply also refuses a report
 * that does not record its host name or namespace.  Returns 0, -CTA_EREFUSED
 * (apply/apply.h) with the reason (new string) in @ret_why, or -ENOMEM.
 */
int cta_apply_check_report(const struct cta_report *report, json_t *facts, const char *root,
			   char **ret_why);

/* Results of the re-audit, borrowed from the reports compared. */
struct cta_apply_outcome {
	const struct cta_result **fixed; /* failed before, pass now */
	size_t n_fixed;
	const struct cta_result **failing; /* fail now */
	size_t n_failing;
};

/* Compare @before and @after.  Returns 0 or -ENOMEM; free with cta_apply_outcome_done(). */
int cta_apply_outcome(const struct cta_report *before, const struct cta_report *after,
		      struct cta_apply_outcome *ret);
void cta_apply_outcome_done(struct cta_apply_outcome *o);

#endif
