/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_RENDER_FORMATS_H
#define CTA_RENDER_FORMATS_H

#include <jansson.h>

/*
 * The audit report in the formats of the systems that gate and watch a fleet
 * (docs/reports.md): SARIF 2.1.0 for code-scanning dashboards, JUnit XML for
 * CI, and the Prometheus text format for node_exporter's textfile collector.
 *
 * Pure: the input is the audit report (docs/audit-json.md, with the identity
 * of docs/reports.md) and, where a format shows evidence, the facts the report was made
 * from (NULL: that evidence is left out).  Each returns a new string (caller
 * frees) or NULL on ENOMEM.
 */

/*
 * One run; every evaluated rule in tool.driver.rules; one result per failing
 * rule, located at the sysctl.d line the evidence names when there is one,
 * always with a logical location named after the result's subject.
 */
char *cta_render_sarif(const json_t *report, const json_t *facts);

/*
 * One testsuite per profile, one testcase per rule it enables.  @profile_rules
 * maps each name of report.profiles to the array of rule ids that profile
 * enables; NULL (or a profile missing from it) puts every result in that
 * profile's suite.
 */
char *cta_render_junit(const json_t *report, const json_t *profile_rules);

/* Gauges and counters of docs/reports.md, without timestamps. */
char *cta_render_prometheus(const json_t *report, const json_t *facts);

/*
 * "2026-11-28T00:13:45Z" -> seconds since the epoch.  Returns 0, or -EINVAL
 * for anything else.  Shared by the renderers that need a number.
 */
int cta_render_parse_utc(const char *s, long long *ret);

/*
 * The value of the `netns` label and property: target.netns_name (--netns
 * NAME), else target.netns or host.netns ("init" or "other"), else "unknown"
 * (offline, or a snapshot without it).  Borrowed from @report.
 */
const char *cta_render_netns_label(const json_t *report);

/* target.KEY, else host.KEY, as a string (hostname, machine_id); NULL when neither. */
const char *cta_render_target_str(const json_t *report, const char *key);

#endif
