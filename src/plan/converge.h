/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_PLAN_CONVERGE_H
#define CTA_PLAN_CONVERGE_H

#include <jansson.h>
#include "plan/plan.h"
#include "policy/policy.h"

/*
 * Planning to a fixed point (docs/remediation.md "Convergence").  A fix can
 * make another rule ask for more (seed 000: once keepalive is fixed, the
 * established timeout must follow), and a NOTRACK rule can break a service
 * behind a stateful filter or a NAT rule.  So the plan is checked against the
 * facts it would produce: cta_plan_predict() applies it to a copy of the
 * facts, the caller's evaluate stage audits that copy, and what the audit
 * still asks for is planned too, until nothing more changes.  Then any rule
 * predicted to fail that did not (or fails worse) names the change that
 * causes it, and that change is refused with the reason in the plan.
 *
 * Both functions are pure; evaluation is the caller's callback, so data keeps
 * flowing forward (plan never calls the evaluate stage itself).
 */

/*
 * The facts once @p is applied (a new snapshot in @ret): runtime values set,
 * ctaudit's sysctl.d assignments as the boot-time winners (facts.persisted),
 * and ctaudit's NOTRACK rules in firewall.notrack exactly as the collector
 * reports them.  Returns 0 or -ENOMEM.
 */
int cta_plan_predict(json_t *facts, const struct cta_plan *p, json_t **ret);

/* Audit @facts into a new report (0) or fail with a negative errno. */
typedef int (*cta_plan_evaluate_fn)(void *userdata, json_t *facts, struct cta_report **ret);

#define CTA_PLAN_CONVERGE_MAX_ROUNDS 8

/*
 * cta_plan_compute() repeated until the predicted facts ask for nothing more,
 * then made safe: no change is kept that is predicted to make a rule fail at
 * @fail_on or worse when it did not fail (as badly) in @report.  @opts is used
 * as given except for its extra and refused lists.  Returns 0 and the plan in
 * @ret (p->rounds, p->refused filled), -ELOOP with a one-line @ret_why (caller
 * frees) when no fixed point is reached in CTA_PLAN_CONVERGE_MAX_ROUNDS, or a
 * negative errno from cta_plan_compute() or @evaluate.
 */
int cta_plan_converge(json_t *facts, const struct cta_report *report,
		      const struct cta_plan_opts *opts, enum cta_severity fail_on,
		      cta_plan_evaluate_fn evaluate, void *userdata, struct cta_plan **ret,
		      char **ret_why);

#endif
