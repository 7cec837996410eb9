/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_RENDER_REPORT_H
#define CTA_RENDER_REPORT_H

#include <stdbool.h>
#include <jansson.h>

/*
 * Text renderings of the evaluate stage's JSON (docs/audit-json.md) and of
 * the catalog descriptions returned by cta_policy_rule_json() and
 * cta_policy_profile_json().  Pure: each returns a new string (caller frees)
 * or NULL on ENOMEM.
 */

struct cta_report_opts {
	bool color; /* ANSI colours */
	bool verbose; /* also list passed and skipped rules */
};

/* The audit report: profile line, findings by severity, summary line. */
char *cta_report_render_text(const json_t *report, const struct cta_report_opts *opts);

/* One line: "db-client: 1 critical, 2 high, ... failing; 30 passed, 2 skipped". */
char *cta_report_summary_line(const json_t *report);

/* `ctaudit explain RULE`: one rule description as text. */
char *cta_report_explain_text(const json_t *rule);

/* `ctaudit explain --all --format markdown`: the whole catalog (array of rules). */
char *cta_report_explain_markdown(const json_t *rules);

/* `ctaudit profiles show NAME`: the effective profile, YAML-like. */
char *cta_report_profile_text(const json_t *profile);

#endif
