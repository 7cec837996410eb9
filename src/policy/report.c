// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ownership of the evaluate stage's report (policy.h): allocation, release
 * and the few questions later stages ask of it.  The JSON form lives in
 * render/report-json.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy/policy.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

static const char *const status_names[_CTA_RESULT_MAX] = {
	[CTA_RESULT_FAIL] = "fail",
	[CTA_RESULT_PASS] = "pass",
	[CTA_RESULT_SKIP] = "skip",
};

const char *cta_result_status_to_string(enum cta_result_status s)
{
	return (unsigned)s < _CTA_RESULT_MAX ? status_names[s] : NULL;
}

int cta_result_status_from_string(const char *s)
{
	for (size_t i = 0; s && i < _CTA_RESULT_MAX; i++)
		if (streq(s, status_names[i]))
			return (int)i;
	return -EINVAL;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void remediation_free(struct cta_remediation *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_sysctl; i++) {
		free(m->sysctl[i].key);
		free(m->sysctl[i].value);
	}
	free(m->sysctl);
	strv_free(m->remove_persisted, m->n_remove_persisted);
	for (size_t i = 0; i < m->n_notrack; i++) {
		free(m->notrack[i].proto);
		free(m->notrack[i].port);
	}
	free(m->notrack);
	free(m->advice);
	strv_free(m->unresolved, m->n_unresolved);
	free(m);
}

static void result_done(struct cta_result *x)
{
	free(x->rule);
	free(x->title);
	free(x->subject);
	free(x->observed);
	free(x->expected);
	free(x->message);
	free(x->explanation);
	strv_free(x->references, x->n_references);
	remediation_free(x->remediation);
	free(x->reason);
}

void cta_report_target_done(struct cta_report_target *t)
{
	free(t->hostname);
	free(t->root);
	*t = (struct cta_report_target){ 0 };
}

struct cta_report *cta_report_new(void)
{
	struct cta_report *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->host = json_object();
	if (!r->host) {
		free(r);
		return NULL;
	}
	return r;
}

void cta_report_free(struct cta_report *r)
{
	if (!r)
		return;
	free(r->profile);
	for (size_t i = 0; i < r->n_profiles; i++) {
		free(r->profiles[i].name);
		free(r->profiles[i].detected);
	}
	free(r->profiles);
	free(r->profile_reason);
	json_decref(r->host);
	cta_report_target_done(&r->target);
	free(r->ctaudit_version);
	free(r->generated_at);
	free(r->catalog_digest);
	for (size_t i = 0; i < r->n_results; i++)
		result_done(&r->results[i]);
	free(r->results);
	free(r);
}

static int dup_or_null(char **dst, const char *s)
{
	char *c = NULL;

	if (s && !(c = strdup(s)))
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

/*
 * The snapshot says it describes an image through the reason `offline` it
 * gives for what it could not read (docs/facts.md, "--offline").
 */
static bool facts_offline(json_t *facts)
{
	json_t *x;
	size_t i;

	json_array_foreach(json_object_get(facts, "unavailable"), i, x) {
		const char *why = json_string_value(json_object_get(x, "reason"));

		if (why && streq(why, "offline"))
			return true;
	}
	return false;
}

int cta_report_target_from_facts(struct cta_report_target *t, json_t *facts)
{
	json_t *host = json_object_get(facts, "host");
	const char *netns = json_string_value(json_object_get(host, "netns"));
	json_t *ino = json_object_get(host, "netns_inode");

	if (dup_or_null(&t->hostname, json_string_value(json_object_get(host, "hostname"))) < 0)
		return -ENOMEM;
	t->netns = !netns		 ? CTA_TARGET_NETNS_UNKNOWN :
		   streq(netns, "init")	 ? CTA_TARGET_NETNS_INIT :
		   streq(netns, "other") ? CTA_TARGET_NETNS_OTHER :
					   CTA_TARGET_NETNS_UNKNOWN;
	t->netns_inode = json_is_integer(ino) && json_integer_value(ino) > 0 ?
				 (uint64_t)json_integer_value(ino) :
				 0;
	t->offline = facts_offline(facts);
	return 0;
}

int cta_report_target_copy(struct cta_report_target *dst, const struct cta_report_target *src)
{
	*dst = (struct cta_report_target){ .netns = src->netns,
					   .netns_inode = src->netns_inode,
					   .offline = src->offline };
	if (dup_or_null(&dst->hostname, src->hostname) < 0 ||
	    dup_or_null(&dst->root, src->root) < 0) {
		cta_report_target_done(dst);
		return -ENOMEM;
	}
	return 0;
}

static const char *netns_name(enum cta_target_netns n)
{
	return n == CTA_TARGET_NETNS_INIT ? "the initial network namespace" :
					    "a child network namespace";
}

int cta_report_target_check(const struct cta_report_target *made,
			    const struct cta_report_target *here, char **ret_why)
{
	const char *rm = made->root ? made->root : "/", *rh = here->root ? here->root : "/";
	int k = 0;

	if (made->hostname && here->hostname && !streq(made->hostname, here->hostname))
		k = asprintf(ret_why, "the report is for host '%s', the target is '%s'",
			     made->hostname, here->hostname);
	else if (made->netns && here->netns && made->netns != here->netns)
		k = asprintf(ret_why, "the report is for %s, the target is %s",
			     netns_name(made->netns), netns_name(here->netns));
	/* inodes tell namespaces apart while both exist; a gone one may be reused */
	else if (made->netns_inode && here->netns_inode && made->netns_inode != here->netns_inode)
		k = asprintf(ret_why,
			     "the report is for network namespace %" PRIu64
			     ", the target is %" PRIu64,
			     made->netns_inode, here->netns_inode);
	else if (made->offline != here->offline)
		k = asprintf(ret_why, "the report is for %s, the target is %s",
			     made->offline ? "an offline image" : "a running kernel",
			     here->offline ? "an offline image" : "a running kernel");
	else if (made->root && !streq(rm, rh))
		k = asprintf(ret_why, "the report is for --root '%s', the target is '%s'", rm, rh);
	else
		return 0;
	return k < 0 ? -ENOMEM : 1;
}

int cta_report_set_origin(struct cta_report *r, const char *version, const char *generated_at,
			  const char *root)
{
	/* "/" is the host itself: recorded as no root at all */
	if (root && streq(root, "/"))
		root = NULL;
	if (dup_or_null(&r->ctaudit_version, version) < 0 ||
	    dup_or_null(&r->generated_at, generated_at) < 0 ||
	    dup_or_null(&r->target.root, root) < 0)
		return -ENOMEM;
	return 0;
}

const struct cta_result *cta_report_find(const struct cta_report *r, const char *id)
{
	for (size_t i = 0; r && id && i < r->n_results; i++)
		if (streq(r->results[i].rule, id))
			return &r->results[i];
	return NULL;
}

bool cta_report_fails_at(const struct cta_report *r, enum cta_severity s)
{
	for (int i = 0; i <= (int)s && i < _CTA_SEVERITY_MAX; i++)
		if (r->failing[i])
			return true;
	return false;
}
