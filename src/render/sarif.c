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

static char *help_text(const json_t *res)
{
	_cleanup_free_ char *buf = NULL;
	const json_t *ref;
	size_t len, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs(str(res, "explanation") ?: str(res, "title") ?: "", f);
	if (json_array_size(json_object_get(res, "references")))
		fputs("\n\nReferences:", f);
	json_array_foreach(json_object_get(res, "references"), i, ref)
		fprintf(f, "\n- %s", json_string_value(ref) ?: "");
	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(buf);
}

static json_t *rule_descriptor(const json_t *res)
{
	_cleanup_free_ char *help = help_text(res);
	json_t *refs = json_object_get(res, "references");

	if (!help)
		return NULL;
	return json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s, s:O?}}", "id",
			 str(res, "rule") ?: "", "name", str(res, "rule") ?: "", "shortDescription",
			 "text", str(res, "title") ?: "", "fullDescription", "text",
			 str(res, "explanation")   ?:
				 str(res, "title") ?:
						     "",
			 "help", "text", help, "defaultConfiguration", "level",
			 level(str(res, "severity")), "properties", "severity",
			 str(res, "severity") ?: "", "references", refs);
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
static const char *persisted_key(const json_t *res)
{
	const char *subject = str(res, "subject");
	const json_t *rm = json_object_get(json_object_get(res, "remediation"), "remove_persisted");

	if (subject && strneq(subject, "persisted:", 10))
		return subject + 10;
	if (subject && strneq(subject, "sysctl:", 7))
		return subject + 7;
	return json_string_value(json_array_get(rm, 0));
}

static int add_locations(json_t *out, const json_t *res, const json_t *facts)
{
	const char *subject = str(res, "subject") ?: str(res, "rule") ?: "";
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

static json_t *result(const json_t *res, size_t index, const json_t *facts)
{
	_cleanup_free_ char *fp = NULL;
	json_t *r;

	if (asprintf(&fp, "%s|%s", str(res, "rule") ?: "", str(res, "subject") ?: "") < 0)
		return NULL;
	r = json_pack("{s:s, s:I, s:s, s:{s:s}, s:{s:s}, s:{s:s, s:s?, s:s?, s:s?, s:O?}}",
		      "ruleId", str(res, "rule") ?: "", "ruleIndex", (json_int_t)index, "level",
		      level(str(res, "severity")), "message", "text",
		      str(res, "message")	?:
			      str(res, "title") ?:
						  "",
		      "partialFingerprints", "ctauditRuleSubject/v1", fp, "properties", "severity",
		      str(res, "severity") ?: "", "subject", str(res, "subject"), "observed",
		      str(res, "observed"), "expected", str(res, "expected"), "remediation",
		      json_object_get(res, "remediation"));
	if (r && add_locations(r, res, facts) < 0) {
		json_decref(r);
		return NULL;
	}
	return r;
}

static json_t *run_properties(const json_t *report)
{
	return json_pack("{s:s?, s:O?, s:s?, s:O?, s:O?, s:O?, s:s?, s:s}", "profile",
			 str(report, "profile"), "profiles", json_object_get(report, "profiles"),
			 "profileReason", str(report, "profile_reason"), "host",
			 json_object_get(report, "host"), "target",
			 json_object_get(report, "target"), "catalogDigest",
			 json_object_get(report, "catalog_digest"), "generatedAt",
			 str(report, "generated_at"), "netns", cta_render_netns_label(report));
}

char *cta_render_sarif(const json_t *report, const json_t *facts)
{
	const json_t *res;
	_cleanup_json_ json_t *log = NULL;
	json_t *rules, *results, *run, *inv;
	const char *root = str(json_object_get(report, "target"), "root");
	_cleanup_free_ char *root_uri = NULL;
	size_t i;

	rules = json_array();
	results = json_array();
	log = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:o}}, s:o, s:o}]}", "$schema",
			SARIF_SCHEMA, "version", "2.1.0", "runs", "tool", "driver", "name",
			"ctaudit", "version", str(report, "ctaudit_version") ?: "unknown", "rules",
			rules, "results", results, "properties", run_properties(report));
	if (!log)
		return NULL;
	run = json_array_get(json_object_get(log, "runs"), 0);

	json_array_foreach(json_object_get(report, "results"), i, res) {
		json_t *d = rule_descriptor(res);

		if (!d || json_array_append_new(rules, d) < 0)
			return NULL;
		if (!streq(str(res, "status") ?: "", "fail"))
			continue;
		json_t *r = result(res, i, facts);

		if (!r || json_array_append_new(results, r) < 0)
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
	    (str(report, "generated_at") &&
	     json_object_set_new(inv, "endTimeUtc", json_string(str(report, "generated_at"))) <
		     0) ||
	    json_object_set_new(run, "invocations", json_pack("[o]", inv)) < 0)
		return NULL;
	return cta_json_dumps(log);
}
