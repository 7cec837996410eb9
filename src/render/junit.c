// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * JUnit XML as Jenkins (junit plugin) and GitLab (artifacts:reports:junit)
 * read it: <testsuites> holding one <testsuite> per profile, one <testcase>
 * per rule with <failure> or <skipped>, and the counts in the attributes.
 * docs/reports.md has the mapping.
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

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * XML 1.0 attribute and text content: the five predefined entities, and the
 * control characters XML 1.0 cannot carry at all replaced by U+FFFD.
 */
static void put_xml(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		case '\n':
			fputs("&#10;", f);
			break;
		case '\t':
			fputs("&#9;", f);
			break;
		default:
			if (*p < 0x20)
				fputs("\xef\xbf\xbd", f);
			else
				fputc(*p, f);
		}
	}
}

/* Text content: newlines kept as they are, for readable failure bodies. */
static void put_text(FILE *f, const char *s)
{
	for (const char *p = s ? s : ""; *p; p++) {
		const char *nl = strchr(p, '\n');
		_cleanup_free_ char *part = strndup(p, nl ? (size_t)(nl - p) : strlen(p));

		if (!part)
			return;
		put_xml(f, part);
		if (!nl)
			break;
		fputc('\n', f);
		p = nl;
	}
}

static bool enabled(const json_t *rules, const char *id)
{
	const json_t *e;
	size_t i;

	if (!rules)
		return true;
	json_array_foreach(rules, i, e)
		if (json_string_value(e) && id && streq(json_string_value(e), id))
			return true;
	return false;
}

static void testcase(FILE *f, const char *suite, const json_t *res)
{
	const char *status = str(res, "status") ?: "";
	const json_t *ref;
	_cleanup_free_ char *remedy = NULL;
	size_t i;

	fputs("    <testcase name=\"", f);
	put_xml(f, str(res, "rule"));
	fputs("\" classname=\"", f);
	put_xml(f, suite);
	fputs("\" time=\"0\"", f);
	if (streq(status, "pass")) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	if (streq(status, "skip")) {
		fputs("      <skipped message=\"", f);
		put_xml(f, str(res, "reason"));
		fputs("\"/>\n", f);
	} else {
		fputs("      <failure message=\"", f);
		put_xml(f, str(res, "message"));
		fputs("\" type=\"", f);
		put_xml(f, str(res, "severity"));
		fputs("\">", f);
		fputs("severity: ", f);
		put_text(f, str(res, "severity"));
		fputs("\nsubject: ", f);
		put_text(f, str(res, "subject"));
		if (str(res, "observed")) {
			fputs("\nobserved: ", f);
			put_text(f, str(res, "observed"));
		}
		if (str(res, "expected")) {
			fputs("\nexpected: ", f);
			put_text(f, str(res, "expected"));
		}
		fputs("\n\n", f);
		put_text(f, str(res, "explanation"));
		remedy = json_dumps(json_object_get(res, "remediation"),
				    JSON_SORT_KEYS | JSON_COMPACT);
		if (remedy && !streq(remedy, "{}")) {
			fputs("\n\nremediation: ", f);
			put_text(f, remedy);
		}
		if (json_array_size(json_object_get(res, "references")))
			fputs("\n\nreferences:", f);
		json_array_foreach(json_object_get(res, "references"), i, ref) {
			fputs("\n- ", f);
			put_text(f, json_string_value(ref));
		}
		fputs("</failure>\n", f);
	}
	fputs("    </testcase>\n", f);
}

struct counts {
	size_t tests, failures, skipped;
};

static void count(const json_t *results, const json_t *rules, struct counts *c)
{
	const json_t *res;
	size_t i;

	json_array_foreach(results, i, res) {
		const char *st = str(res, "status") ?: "";

		if (!enabled(rules, str(res, "rule")))
			continue;
		c->tests++;
		c->failures += streq(st, "fail");
		c->skipped += streq(st, "skip");
	}
}

static void suite(FILE *f, const json_t *report, const char *profile, const json_t *rules)
{
	const json_t *results = json_object_get(report, "results"), *res;
	const char *at = str(report, "generated_at");
	const char *hostname = cta_render_target_str(report, "hostname");
	_cleanup_free_ char *name = NULL;
	struct counts c = { 0 };
	size_t i;

	if (asprintf(&name, "ctaudit.%s", profile) < 0)
		return;
	count(results, rules, &c);
	fputs("  <testsuite name=\"", f);
	put_xml(f, name);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"0\"",
		c.tests, c.failures, c.skipped);
	if (at && *at) {
		/* the attribute is xs:dateTime without a zone in the Ant schema */
		fputs(" timestamp=\"", f);
		fwrite(at, 1, strlen(at) - (at[strlen(at) - 1] == 'Z'), f);
		fputc('"', f);
	}
	if (hostname) {
		fputs(" hostname=\"", f);
		put_xml(f, hostname);
		fputc('"', f);
	}
	fputs(">\n    <properties>\n", f);
	const struct {
		const char *name, *value;
	} props[] = {
		{ "ctaudit_version", str(report, "ctaudit_version") },
		{ "generated_at", at },
		{ "catalog_digest", str(report, "catalog_digest") },
		{ "machine_id", cta_render_target_str(report, "machine_id") },
		{ "root", str(json_object_get(report, "target"), "root") },
		{ "netns", cta_render_netns_label(report) },
		{ "profile_reason", str(report, "profile_reason") },
	};
	for (i = 0; i < ELEMENTSOF(props); i++) {
		if (!props[i].value)
			continue;
		fprintf(f, "      <property name=\"%s\" value=\"", props[i].name);
		put_xml(f, props[i].value);
		fputs("\"/>\n", f);
	}
	fputs("    </properties>\n", f);
	json_array_foreach(results, i, res)
		if (enabled(rules, str(res, "rule")))
			testcase(f, name, res);
	fputs("  </testsuite>\n", f);
}

char *cta_render_junit(const json_t *report, const json_t *profile_rules)
{
	const json_t *profiles = json_object_get(report, "profiles"), *p;
	_cleanup_free_ char *buf = NULL;
	struct counts total = { 0 };
	size_t len, i;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	json_array_foreach(profiles, i, p)
		count(json_object_get(report, "results"),
		      json_object_get(profile_rules, json_string_value(p) ?: ""), &total);
	if (json_array_size(profiles) == 0)
		count(json_object_get(report, "results"), NULL, &total);
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"ctaudit\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
		"skipped=\"%zu\" time=\"0\">\n",
		total.tests, total.failures, total.skipped);
	json_array_foreach(profiles, i, p)
		suite(f, report, json_string_value(p) ?: "",
		      json_object_get(profile_rules, json_string_value(p) ?: ""));
	if (json_array_size(profiles) == 0)
		suite(f, report, str(report, "profile") ?: "unknown", NULL);
	fputs("</testsuites>\n", f);
	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(buf);
}
