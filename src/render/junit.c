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
		if (json_string_value(e) && streq(json_string_value(e), id))
			return true;
	return false;
}

/* The fix in words, one line per part (docs/audit-json.md, "Remediation"). */
static void put_remediation(FILE *f, const struct cta_remediation *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n_sysctl; i++) {
		fputs("\n- set ", f);
		put_text(f, m->sysctl[i].key);
		fputs(" = ", f);
		put_text(f, m->sysctl[i].value);
	}
	for (i = 0; i < m->n_remove_persisted; i++) {
		fputs("\n- remove the stale assignment of ", f);
		put_text(f, m->remove_persisted[i]);
	}
	for (i = 0; i < m->n_notrack; i++) {
		fputs("\n- NOTRACK ", f);
		put_text(f, m->notrack[i].proto);
		fputc('/', f);
		put_text(f, m->notrack[i].port);
	}
	if (m->advice) {
		fputs("\n- ", f);
		put_text(f, m->advice);
	}
	for (i = 0; i < m->n_unresolved; i++) {
		fputs("\n- not computed: ", f);
		put_text(f, m->unresolved[i]);
	}
}

static void testcase(FILE *f, const char *suite, const struct cta_result *res)
{
	const char *sev = cta_severity_to_string(res->severity);
	const struct cta_remediation *m = res->remediation;

	fputs("    <testcase name=\"", f);
	put_xml(f, res->rule);
	fputs("\" classname=\"", f);
	put_xml(f, suite);
	fputs("\" time=\"0\"", f);
	if (res->status == CTA_RESULT_PASS) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	if (res->status == CTA_RESULT_SKIP) {
		fputs("      <skipped message=\"", f);
		put_xml(f, res->reason);
		fputs("\"/>\n", f);
	} else {
		fputs("      <failure message=\"", f);
		put_xml(f, res->message);
		fputs("\" type=\"", f);
		put_xml(f, sev);
		fputs("\">severity: ", f);
		put_text(f, sev);
		fputs("\nsubject: ", f);
		put_text(f, res->subject);
		if (res->observed) {
			fputs("\nobserved: ", f);
			put_text(f, res->observed);
		}
		if (res->expected) {
			fputs("\nexpected: ", f);
			put_text(f, res->expected);
		}
		fputs("\n\n", f);
		put_text(f, res->explanation);
		if (m && (m->n_sysctl || m->n_remove_persisted || m->n_notrack || m->advice ||
			  m->n_unresolved)) {
			fputs("\n\nfix:", f);
			put_remediation(f, m);
		}
		if (res->n_references)
			fputs("\n\nreferences:", f);
		for (size_t i = 0; i < res->n_references; i++) {
			fputs("\n- ", f);
			put_text(f, res->references[i]);
		}
		fputs("</failure>\n", f);
	}
	fputs("    </testcase>\n", f);
}

struct counts {
	size_t tests, failures, skipped;
};

static void count(const struct cta_report *r, const json_t *rules, struct counts *c)
{
	for (size_t i = 0; i < r->n_results; i++) {
		if (!enabled(rules, r->results[i].rule))
			continue;
		c->tests++;
		c->failures += r->results[i].status == CTA_RESULT_FAIL;
		c->skipped += r->results[i].status == CTA_RESULT_SKIP;
	}
}

static void suite(FILE *f, const struct cta_report *r, const struct cta_render_ctx *ctx,
		  const char *profile, const json_t *rules)
{
	const char *at = r->generated_at;
	_cleanup_free_ char *name = NULL;
	struct counts c = { 0 };
	size_t i;

	if (asprintf(&name, "ctaudit.%s", profile) < 0)
		return;
	count(r, rules, &c);
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
	if (r->target.hostname) {
		fputs(" hostname=\"", f);
		put_xml(f, r->target.hostname);
		fputc('"', f);
	}
	fputs(">\n    <properties>\n", f);
	const struct {
		const char *name, *value;
	} props[] = {
		{ "ctaudit_version", r->ctaudit_version },
		{ "generated_at", at },
		{ "catalog_digest", r->catalog_digest },
		{ "machine_id", str(r->host, "machine_id") },
		{ "root", r->target.root },
		{ "netns", cta_render_netns_label(r, ctx) },
		{ "profile_reason", r->profile_reason },
	};
	for (i = 0; i < ELEMENTSOF(props); i++) {
		if (!props[i].value)
			continue;
		fprintf(f, "      <property name=\"%s\" value=\"", props[i].name);
		put_xml(f, props[i].value);
		fputs("\"/>\n", f);
	}
	fputs("    </properties>\n", f);
	for (i = 0; i < r->n_results; i++)
		if (enabled(rules, r->results[i].rule))
			testcase(f, name, &r->results[i]);
	fputs("  </testsuite>\n", f);
}

char *cta_render_junit(const struct cta_report *r, const struct cta_render_ctx *ctx)
{
	const json_t *map = ctx ? ctx->profile_rules : NULL;
	_cleanup_free_ char *buf = NULL;
	struct counts total = { 0 };
	size_t len, i;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	for (i = 0; i < r->n_profiles; i++)
		count(r, json_object_get(map, r->profiles[i].name), &total);
	if (r->n_profiles == 0)
		count(r, NULL, &total);
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"ctaudit\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
		"skipped=\"%zu\" time=\"0\">\n",
		total.tests, total.failures, total.skipped);
	for (i = 0; i < r->n_profiles; i++)
		suite(f, r, ctx, r->profiles[i].name, json_object_get(map, r->profiles[i].name));
	if (r->n_profiles == 0)
		suite(f, r, ctx, r->profile ?: "unknown", NULL);
	fputs("</testsuites>\n", f);
	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(buf);
}
