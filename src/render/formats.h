/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_RENDER_FORMATS_H
#define CTA_RENDER_FORMATS_H

#include <jansson.h>
#include "policy/policy.h"

/*
 * The audit report in the formats of the systems that gate and watch a fleet
 * (docs/reports.md): SARIF 2.1.0 for code-scanning dashboards, JUnit XML for
 * CI, and the Prometheus text format for node_exporter's textfile collector.
 * Pure: each returns a new string (caller frees) or NULL on ENOMEM.
 */

/* What the renderers need besides the report; every member may be NULL. */
struct cta_render_ctx {
	/* The facts the report was made from: persisted lines for SARIF
	 * locations, evidence gauges for Prometheus. */
	const json_t *facts;
	/* JUnit: {PROFILE: [rule ids it enables]}; a profile missing from it
	 * (or NULL) gets every result in its suite. */
	const json_t *profile_rules;
	/* --netns NAME, the `netns` label and property in place of init/other. */
	const char *netns_name;
};

/*
 * One run; every evaluated rule in tool.driver.rules; one result per failing
 * rule, located at the sysctl.d line the evidence names when there is one,
 * always with a logical location named after the result's subject.
 */
char *cta_render_sarif(const struct cta_report *r, const struct cta_render_ctx *ctx);

/* One testsuite per profile, one testcase per rule it enables. */
char *cta_render_junit(const struct cta_report *r, const struct cta_render_ctx *ctx);

/* Gauges and counters of docs/reports.md, without timestamps. */
char *cta_render_prometheus(const struct cta_report *r, const struct cta_render_ctx *ctx);

/*
 * "2026-11-28T00:13:45Z" -> seconds since the epoch.  Returns 0, or -EINVAL
 * for anything else.
 */
int cta_render_parse_utc(const char *s, long long *ret);

/*
 * The `netns` label and property: --netns NAME, else "init" or "other", else
 * "unknown" (offline, or a snapshot without it).
 */
const char *cta_render_netns_label(const struct cta_report *r, const struct cta_render_ctx *ctx);

#endif
