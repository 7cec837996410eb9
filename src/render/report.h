/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_RENDER_REPORT_H
#define CTA_RENDER_REPORT_H

#include <stdbool.h>
#include <jansson.h>

/*
 * Renderings of the evaluate stage's report (struct cta_report, policy.h) and
 * of the catalog descriptions returned by cta_policy_rule_json() and
 * cta_policy_profile_json().  Pure: each returns a new string (caller frees)
 * or NULL on ENOMEM.
 */

struct cta_report;
struct cta_report_target;
struct cta_remediation;

struct cta_report_opts {
	bool color; /* ANSI colours */
	bool verbose; /* also list passed and skipped rules */
};

/* The audit report: profile line, findings by severity, summary line. */
char *cta_report_render_text(const struct cta_report *report, const struct cta_report_opts *opts);

/* One line: "db-client: 1 critical, 2 high, ... failing; 30 passed, 2 skipped". */
char *cta_report_summary_line(const struct cta_report *report);

/*
 * The JSON form of docs/audit-json.md (report-json.c).  cta_report_to_json
 * returns 0 and a new object, or -ENOMEM; cta_report_render_json the
 * document as printed (sorted keys, 2-space indent, final newline).
 */
int cta_report_to_json(const struct cta_report *report, json_t **ret);
char *cta_report_render_json(const struct cta_report *report);

/* The report's `target` object, also embedded in the plan's JSON.  NULL on ENOMEM. */
json_t *cta_report_target_to_json(const struct cta_report_target *t);

/* A failing result's remediation as in docs/audit-json.md ("Remediation").  NULL on ENOMEM. */
json_t *cta_report_remediation_to_json(const struct cta_remediation *m);

/*
 * Read a saved report back (plan --report, apply --report), checking every
 * type and the documented shape.  Returns 0 and a new report, -EINVAL with
 * @ret_error set to "/json/pointer: message" (cta_report_load_file: "FILE:
 * /pointer: message", or "FILE:LINE:COL: message" for a syntax error; caller
 * frees), -ENOENT / other negative errno from reading, or -ENOMEM.
 */
int cta_report_from_json(const json_t *j, struct cta_report **ret, char **ret_error);
int cta_report_load_file(const char *path, struct cta_report **ret, char **ret_error);

/* `ctaudit explain RULE`: one rule description as text. */
char *cta_report_explain_text(const json_t *rule);

/* `ctaudit explain --all`: every rule (array) as text, separated by "----" lines. */
char *cta_report_explain_all_text(const json_t *rules);

/* `ctaudit explain --all --format markdown`: the whole catalog (array of rules). */
char *cta_report_explain_markdown(const json_t *rules);

/* `ctaudit profiles list`: one line per profile (cta_policy_profiles_json()), names
 * aligned, with the file it came from. */
char *cta_report_profiles_text(const json_t *profiles);

/* `ctaudit profiles show NAME`: the effective profile, YAML-like. */
char *cta_report_profile_text(const json_t *profile);

#endif
