// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format, errata 01):
 * one run, the evaluated rules as tool.driver.rules, one result per failing
 * rule.  The schema the output is tested against is in
 * tests/fixtures/sarif/sarif-schema-2.1.0.json; docs/reports.md maps the
 * report onto it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render/formats.h"
#include "render/report.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

#define SARIF_SCHEMA \
	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#define ROOT_BASE "TARGETROOT"

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * SARIF has error, warning and note (and none): the two severities that
 * --fail-on stops on by default are errors.
 */
static const char *level(const char *severity)
{
	if (!severity)
		return "warning";
	if (streq(severity, "critical") || streq(severity, "high"))
		return "error";
	if (streq(severity, "medium"))
		return "warning";
	return "note";
}

static char *help_text(const struct cta_result *res)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs(res->explanation ?: res->title ?: "", f);
	if (res->n_references)
		fputs("\n\nReferences:", f);
	for (size_t i = 0; i < res->n_references; i++)
		fprintf(f, "\n- %s", res->references[i]);
	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(buf);
}

static json_t *strv(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *rule_descriptor(const struct cta_result *res)
{
	_cleanup_free_ char *help = help_text(res);
	const char *sev = cta_severity_to_string(res->severity);

	if (!help)
		return NULL;
	return json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s, s:o}}", "id",
			 res->rule, "name", res->rule, "shortDescription", "text", res->title ?: "",
			 "fullDescription", "text",
			 res->explanation   ?:
				 res->title ?:
					      "",
			 "help", "text", help, "defaultConfiguration", "level", level(sev),
			 "properties", "severity", sev, "references",
			 strv(res->references, res->n_references));
}

/*
 * RFC 3986 percent-encoding of a path: unreserved characters and '/' stay.
 * @dir: end with '/', as a base URI must.
 */
static char *uri_path(const char *path, const char *prefix, bool dir)
{
	static const char hex[] = "0123456789ABCDEF";
	_cleanup_free_ char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs(prefix, f);
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			fputc(*p, f);
		else
			fprintf(f, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
	if (dir && (!*path || path[strlen(path) - 1] != '/'))
		fputc('/', f);
	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(buf);
}

/*
 * A sysctl.d assignment as a physical location: the path relative to the
 * audited root, so that an image audit points into the image.
 */
static json_t *physical(const json_t *assignment, const char *what)
{
	const char *file = str(assignment, "file");
	json_int_t line = json_integer_value(json_object_get(assignment, "line"));
	_cleanup_free_ char *uri = NULL;

	if (!file || *file != '/' || line < 1)
		return NULL;
	uri = uri_path(file + 1, "", false);
	if (!uri)
		return NULL;
	return json_pack("{s:{s:{s:s, s:s}, s:{s:I}}, s:{s:s}}", "physicalLocation",
			 "artifactLocation", "uri", uri, "uriBaseId", ROOT_BASE, "region",
			 "startLine", line, "message", "text", what);
}

/*
 * The key whose sysctl.d line the result points at: persisted:KEY and
 * sysctl:KEY name one; a remove_persisted remediation names the stale ones.
 */
static const char *persisted_key(const struct cta_result *res)
{
	const char *subject = res->subject;

	if (subject && strneq(subject, "persisted:", 10))
		return subject + 10;
	if (subject && strneq(subject, "sysctl:", 7))
		return subject + 7;
	if (res->remediation && res->remediation->n_remove_persisted)
		return res->remediation->remove_persisted[0];
	return NULL;
}

static int add_locations(json_t *out, const struct cta_result *res, const json_t *facts)
{
	const char *subject = res->subject ?: res->rule;
	const char *key = persisted_key(res);
	const json_t *a = key ? json_object_get(json_object_get(facts, "persisted"), key) : NULL;
	const char *colon = strchr(subject, ':');
	json_t *loc, *ll, *related, *o;
	size_t i;

	ll = json_pack("[{s:s, s:s, s:s}]", "name", colon ? colon + 1 : subject,
		       "fullyQualifiedName", subject, "kind", "resource");
	if (!ll)
		return -ENOMEM;
	loc = a ? physical(a, "the assignment that wins at boot") : NULL;
	if (!loc)
		loc = json_object();
	if (!loc || json_object_set_new(loc, "logicalLocations", ll) < 0) {
		json_decref(loc);
		return -ENOMEM;
	}
	if (json_object_set_new(out, "locations", json_pack("[o]", loc)) < 0)
		return -ENOMEM;
	if (json_array_size(json_object_get(a, "overridden")) == 0)
		return 0;
	related = json_array();
	if (!related || json_object_set_new(out, "relatedLocations", related) < 0)
		return -ENOMEM;
	json_array_foreach(json_object_get(a, "overridden"), i, o) {
		json_t *p = physical(o, "an earlier assignment it overrides");

		if (p && (json_object_set_new(p, "id", json_integer((json_int_t)i)) < 0 ||
			  json_array_append_new(related, p) < 0))
			return -ENOMEM;
	}
	return 0;
}

static json_t *result(const struct cta_result *res, size_t index, const json_t *facts)
{
	_cleanup_free_ char *fp = NULL;
	const char *sev = cta_severity_to_string(res->severity);
	json_t *r;

	if (asprintf(&fp, "%s|%s", res->rule, res->subject ?: "") < 0)
		return NULL;
	r = json_pack("{s:s, s:I, s:s, s:{s:s}, s:{s:s}, s:{s:s, s:s?, s:s?, s:s?, s:o?}}",
		      "ruleId", res->rule, "ruleIndex", (json_int_t)index, "level", level(sev),
		      "message", "text",
		      res->message	 ?:
			      res->title ?:
					   "",
		      "partialFingerprints", "ctauditRuleSubject/v1", fp, "properties", "severity",
		      sev, "subject", res->subject, "observed", res->observed, "expected",
		      res->expected, "remediation",
		      res->remediation ? cta_report_remediation_to_json(res->remediation) : NULL);
	if (r && add_locations(r, res, facts) < 0) {
		json_decref(r);
		return NULL;
	}
	return r;
}

static json_t *run_properties(const struct cta_report *r, const struct cta_render_ctx *ctx)
{
	_cleanup_json_ json_t *target = cta_report_target_to_json(&r->target);
	json_t *profiles = json_array();

	if (!target || !profiles)
		return NULL;
	for (size_t i = 0; i < r->n_profiles; i++)
		if (json_array_append_new(profiles, json_string(r->profiles[i].name)) < 0) {
			json_decref(profiles);
			return NULL;
		}
	return json_pack("{s:s?, s:o, s:s?, s:O?, s:O, s:s?, s:s?, s:s}", "profile", r->profile,
			 "profiles", profiles, "profileReason", r->profile_reason, "host", r->host,
			 "target", target, "catalogDigest", r->catalog_digest, "generatedAt",
			 r->generated_at, "netns", cta_render_netns_label(r, ctx));
}

char *cta_render_sarif(const struct cta_report *r, const struct cta_render_ctx *ctx)
{
	const json_t *facts = ctx ? ctx->facts : NULL;
	_cleanup_json_ json_t *log = NULL;
	_cleanup_free_ char *root_uri = NULL;
	json_t *rules, *results, *run, *inv;
	const char *root = r->target.root;

	rules = json_array();
	results = json_array();
	log = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:o}}, s:o, s:o}]}", "$schema",
			SARIF_SCHEMA, "version", "2.1.0", "runs", "tool", "driver", "name",
			"ctaudit", "version", r->ctaudit_version ?: "unknown", "rules", rules,
			"results", results, "properties", run_properties(r, ctx));
	if (!log)
		return NULL;
	run = json_array_get(json_object_get(log, "runs"), 0);

	for (size_t i = 0; i < r->n_results; i++) {
		json_t *d = rule_descriptor(&r->results[i]), *x;

		if (!d || json_array_append_new(rules, d) < 0)
			return NULL;
		if (r->results[i].status != CTA_RESULT_FAIL)
			continue;
		x = result(&r->results[i], i, facts);
		if (!x || json_array_append_new(results, x) < 0)
			return NULL;
	}

	/* where TARGETROOT points: the audited tree, or / for a live host */
	root_uri = uri_path(root && *root == '/' ? root : "/", "file://", true);
	if (!root_uri)
		return NULL;
	if (json_object_set_new(run, "originalUriBaseIds",
				json_pack("{s:{s:s}}", ROOT_BASE, "uri", root_uri)) < 0)
		return NULL;
	inv = json_pack("{s:b}", "executionSuccessful", 1);
	if (!inv ||
	    (r->generated_at &&
	     json_object_set_new(inv, "endTimeUtc", json_string(r->generated_at)) < 0) ||
	    json_object_set_new(run, "invocations", json_pack("[o]", inv)) < 0)
		return NULL;
	return cta_json_dumps(log);
}
