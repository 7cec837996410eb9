// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apply/apply.h"
#include "apply/outcome.h"
#include "util/macro.h"
#include "util/banned.h"

int cta_apply_check_report(const struct cta_report *report, json_t *facts, const char *root,
			   char **ret_why)
{
	struct cta_report_target here = { 0 };
	int r;

	if (!report->target.hostname ||
	    (!report->target.offline && report->target.netns == CTA_TARGET_NETNS_UNKNOWN)) {
		*ret_why = strdup("it does not record the host and network namespace it audited");
		return *ret_why ? -CTA_EREFUSED : -ENOMEM;
	}
	r = cta_report_target_from_facts(&here, facts);
	if (r >= 0 && root && !streq(root, "/") && !(here.root = strdup(root)))
		r = -ENOMEM;
	if (r >= 0)
		r = cta_report_target_check(&report->target, &here, ret_why);
	cta_report_target_done(&here);
	return r < 0 ? r : r > 0 ? -CTA_EREFUSED : 0;
}

static bool failed_before(const struct cta_report *before, const struct cta_result *res)
{
	for (size_t i = 0; i < before->n_results; i++) {
		const struct cta_result *e = &before->results[i];

		if (e->status == CTA_RESULT_FAIL && streq(e->rule, res->rule) &&
		    streq(e->subject ? e->subject : "", res->subject ? res->subject : ""))
			return true;
	}
	return false;
}

int cta_apply_outcome(const struct cta_report *before, const struct cta_report *after,
		      struct cta_apply_outcome *ret)
{
	struct cta_apply_outcome o = {
		.fixed = calloc(after->n_results + 1, sizeof(*o.fixed)),
		.failing = calloc(after->n_results + 1, sizeof(*o.failing)),
	};

	if (!o.fixed || !o.failing) {
		cta_apply_outcome_done(&o);
		return -ENOMEM;
	}
	for (size_t i = 0; i < after->n_results; i++) {
		const struct cta_result *e = &after->results[i];

		if (e->status == CTA_RESULT_FAIL)
			o.failing[o.n_failing++] = e;
		else if (e->status == CTA_RESULT_PASS && failed_before(before, e))
			o.fixed[o.n_fixed++] = e;
	}
	*ret = o;
	return 0;
}

void cta_apply_outcome_done(struct cta_apply_outcome *o)
{
	free(o->fixed);
	free(o->failing);
	*o = (struct cta_apply_outcome){ 0 };
}
