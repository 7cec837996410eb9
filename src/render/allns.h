/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_RENDER_ALLNS_H
#define CTA_RENDER_ALLNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>
#include "collect/netns.h"
#include "collect/netns-run.h"
#include "policy/policy.h"
#include "render/report.h"

struct cta_plan;

/*
 * Renderings of one run over many network namespaces (`--all-netns`):
 * a summary table first, then the results grouped by namespace, with a
 * finding that several namespaces share shown once with the list of them.
 * JSON layouts: docs/audit-json.md, "Several namespaces".  Pure: each
 * returns a new string (caller frees) or NULL on ENOMEM, or 0 / -ENOMEM.
 */

/* One namespace's outcome.  Everything is borrowed from the caller. */
struct cta_allns_item {
	const struct cta_netns *ns;
	enum cta_netns_status status;
	const char *reason; /* GONE, FAILED: why */
	const struct cta_report *report; /* audit, plan: NULL unless OK */
	const struct cta_plan *plan; /* plan: NULL unless OK */
	json_t *facts; /* facts, top: NULL unless OK */
};

struct cta_allns {
	const struct cta_allns_item *v;
	size_t n;
	enum cta_severity fail_on;
};

/* "pod 0f1e... (pause), pid 300" ... the namespace identity as JSON ("netns" object). */
json_t *cta_allns_netns_to_json(const struct cta_netns *ns);

/* The worst failing severity of @r, or -1 when nothing fails. */
int cta_allns_worst(const struct cta_report *r);

/* audit --all-netns */
char *cta_allns_audit_text(const struct cta_allns *a, const struct cta_report_opts *opts);
int cta_allns_audit_json(const struct cta_allns *a, json_t **ret);

/*
 * The same document in pieces, so that a run over many namespaces keeps only
 * text, not a JSON tree per namespace: cta_allns_audit_item_text() renders
 * one entry of "namespaces" (indented for its place) as soon as its report is
 * there; cta_allns_audit_json_text() puts the document together from
 * @parts (parallel to a->v) and the summary, which needs only the failing
 * results of each report.
 */
char *cta_allns_audit_item_text(const struct cta_allns_item *it);
char *cta_allns_audit_json_text(const struct cta_allns *a, char *const *parts);
/* The same, written to @f (no copy of the whole document).  0, -ENOMEM or -EIO. */
int cta_allns_audit_json_write(const struct cta_allns *a, char *const *parts, FILE *f);

/* plan --all-netns: per namespace, the runtime changes and how to persist them there. */
char *cta_allns_plan_text(const struct cta_allns *a);
int cta_allns_plan_json(const struct cta_allns *a, json_t **ret);

/* facts --all-netns */
char *cta_allns_facts_text(const struct cta_allns *a);
int cta_allns_facts_json(const struct cta_allns *a, json_t **ret);

/* top --all-netns: one row per namespace, by TIME_WAIT sockets or conntrack entries. */
char *cta_allns_top_text(const struct cta_allns *a, bool conntrack);
int cta_allns_top_json(const struct cta_allns *a, bool conntrack, json_t **ret);

/*
 * Whether Kubernetes lets a pod set @key without the kubelet's
 * --allowed-unsafe-sysctls (the "safe" set).
 */
bool cta_allns_k8s_safe_sysctl(const char *key);

#endif
