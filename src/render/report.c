// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy/policy.h"
#include "render/report.h"
#include "util/macro.h"
#include "util/banned.h"

#define WIDTH 100

static const char *const sev_color[] = {
	[CTA_SEVERITY_CRITICAL] = "\033[1;31m", [CTA_SEVERITY_HIGH] = "\033[31m",
	[CTA_SEVERITY_MEDIUM] = "\033[33m",	[CTA_SEVERITY_LOW] = "\033[36m",
	[CTA_SEVERITY_INFO] = "\033[2m",
};
#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_GREEN "\033[32m"
#define C_DIM "\033[2m"

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * Print @text after a label already written, indenting continuation lines
 * by @indent and wrapping lines longer than WIDTH at spaces.
 */
static void put_wrapped(FILE *f, const char *text, int indent)
{
	const char *p = text;
	int col = indent;
	bool first = true;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t linelen = nl ? (size_t)(nl - p) : strlen(p);
		const char *end = p + linelen;

		if (!first)
			fprintf(f, "%*s", indent, "");
		first = false;
		col = indent;
		while (p < end) {
			const char *w = p;

			while (w < end && *w != ' ')
				w++;
			size_t wl = (size_t)(w - p);

			if (col > indent && col + 1 + (int)wl > WIDTH) {
				fprintf(f, "\n%*s", indent, "");
				col = indent;
			} else if (col > indent) {
				fputc(' ', f);
				col++;
			}
			fwrite(p, 1, wl, f);
			col += (int)wl;
			p = w;
			while (p < end && *p == ' ')
				p++;
		}
		fputc('\n', f);
		p = nl ? nl + 1 : end;
	}
	if (first)
		fputc('\n', f);
}

static void field(FILE *f, const char *label, const char *value)
{
	if (!value || !*value)
		return;
	fprintf(f, "    %-10s", label);
	put_wrapped(f, value, 14);
}

static void remediation_lines(FILE *f, const struct cta_remediation *m)
{
	bool any = false;

	if (!m)
		return;
#define LABEL() (any ? "" : "fix:")
	for (size_t i = 0; i < m->n_sysctl; i++) {
		_cleanup_free_ char *s = NULL;

		if (asprintf(&s, "set %s = %s (runtime and boot-time)", m->sysctl[i].key,
			     m->sysctl[i].value) < 0)
			continue;
		field(f, LABEL(), s);
		any = true;
	}
	for (size_t i = 0; i < m->n_remove_persisted; i++) {
		_cleanup_free_ char *s = NULL;

		if (asprintf(&s, "remove the stale '%s' assignment from the sysctl.d files",
			     m->remove_persisted[i]) < 0)
			continue;
		field(f, LABEL(), s);
		any = true;
	}
	for (size_t i = 0; i < m->n_notrack; i++) {
		_cleanup_free_ char *s = NULL;

		if (asprintf(&s, "add NOTRACK for %s port %s", m->notrack[i].proto,
			     m->notrack[i].port) < 0)
			continue;
		field(f, LABEL(), s);
		any = true;
	}
	if (m->advice) {
		field(f, LABEL(), m->advice);
		any = true;
	}
	for (size_t i = 0; i < m->n_unresolved; i++) {
		_cleanup_free_ char *s = NULL;

		if (asprintf(&s, "(cannot compute: %s)", m->unresolved[i]) < 0)
			continue;
		field(f, LABEL(), s);
		any = true;
	}
#undef LABEL
}

char *cta_report_summary_line(const struct cta_report *report)
{
	const unsigned *n = report->failing;
	char *out;

	if (asprintf(&out,
		     "%s: %u critical, %u high, %u medium, %u low, %u info failing; "
		     "%u passed, %u skipped",
		     report->profile ? report->profile : "?", n[CTA_SEVERITY_CRITICAL],
		     n[CTA_SEVERITY_HIGH], n[CTA_SEVERITY_MEDIUM], n[CTA_SEVERITY_LOW],
		     n[CTA_SEVERITY_INFO], report->passed, report->skipped) < 0)
		return NULL;
	return out;
}

char *cta_report_render_text(const struct cta_report *report, const struct cta_report_opts *opts)
{
	const bool color = opts && opts->color;
	const json_t *host = report->host;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	_cleanup_free_ char *summary = cta_report_summary_line(report);

	if (!f || !summary) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	fprintf(f, "%sprofile:%s %s (%s)\n", color ? C_BOLD : "", color ? C_RESET : "",
		report->profile ? report->profile : "?",
		report->profile_reason ? report->profile_reason : "");
	if (json_object_size(host)) {
		json_t *cpus = json_object_get(host, "cpus");

		fprintf(f, "host:    %s, kernel %s",
			str(host, "hostname") ? str(host, "hostname") : "(no host name)",
			str(host, "kernel") ? str(host, "kernel") : "unknown");
		if (json_is_integer(cpus))
			fprintf(f, ", %lld CPU%s", (long long)json_integer_value(cpus),
				json_integer_value(cpus) == 1 ? "" : "s");
		if (str(host, "netns"))
			fprintf(f, ", netns %s", str(host, "netns"));
		fputc('\n', f);
	}

	/* before any verdict: what was not judged, so "no failing rules" is not
	 * read as "nothing wrong" when whole sections could not be read */
	if (json_array_size(report->unavailable)) {
		size_t k;
		json_t *x;

		fprintf(f,
			"%snot judged:%s what could not be read (the rules that need it are skipped)\n",
			color ? C_BOLD : "", color ? C_RESET : "");
		json_array_foreach(report->unavailable, k, x)
			fprintf(f, "  %s: %s\n", str(x, "section") ? str(x, "section") : "?",
				str(x, "reason") ? str(x, "reason") : "?");
	}

	int cur = -1;

	for (size_t i = 0; i < report->n_results; i++) {
		const struct cta_result *r = &report->results[i];
		int sev = (int)r->severity;

		if (r->status != CTA_RESULT_FAIL)
			continue;
		if (sev != cur) {
			fprintf(f, "\n%s%s (%u)%s\n", color ? sev_color[sev] : "",
				cta_severity_to_string(sev), report->failing[sev],
				color ? C_RESET : "");
			cur = sev;
		}
		fprintf(f, "\n  %s%s%s  %s\n", color ? C_BOLD : "", r->rule, color ? C_RESET : "",
			r->title ? r->title : "");
		fprintf(f, "    ");
		put_wrapped(f, r->message ? r->message : "", 4);
		field(f, "subject:", r->subject);
		field(f, "observed:", r->observed);
		field(f, "expected:", r->expected);
		field(f, "why:", r->explanation);
		remediation_lines(f, r->remediation);
		for (size_t k = 0; k < r->n_references; k++)
			field(f, k ? "" : "see:", r->references[k]);
	}
	if (cur < 0)
		fprintf(f, "\n%sno failing rules%s%s\n", color ? C_GREEN : "", color ? C_RESET : "",
			json_array_size(report->unavailable) ?
				" in what could be read (see 'not judged' above)" :
				"");
	if (opts && opts->verbose) {
		static const char *const head[] = {
			[CTA_RESULT_PASS] = "passed", [CTA_RESULT_SKIP] = "skipped"
		};
		const char *const col[] = { [CTA_RESULT_PASS] = C_GREEN, [CTA_RESULT_SKIP] = C_DIM };

		for (int st = CTA_RESULT_PASS; st <= CTA_RESULT_SKIP; st++) {
			bool header = false;

			for (size_t i = 0; i < report->n_results; i++) {
				const struct cta_result *r = &report->results[i];

				if ((int)r->status != st)
					continue;
				if (!header)
					fprintf(f, "\n%s%s%s\n", color ? col[st] : "", head[st],
						color ? C_RESET : "");
				header = true;
				fprintf(f, "  %-44s %s\n", r->rule,
					(st == CTA_RESULT_PASS ? r->message : r->reason) ?: "");
			}
		}
	}
	fprintf(f, "\n%s\n", summary);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- explain --------------------------------------------------------------- */

static void put_block(FILE *f, const char *label, const char *text)
{
	if (!text)
		return;
	fprintf(f, "%s:\n", label);
	fprintf(f, "  ");
	put_wrapped(f, text, 2);
}

/* @s, each of its further lines indented by @indent (a YAML block scalar's expression). */
static void put_continued(FILE *f, const char *s, int indent)
{
	for (; *s; s++) {
		fputc(*s, f);
		if (*s == '\n' && s[1]) {
			fprintf(f, "%*s", indent, "");
			while (s[1] == ' ')
				s++;
		}
	}
	fputc('\n', f);
}

/*
 * A template for a reader: placeholders "<name>" in the text, then which
 * expression fills each computed one (bare names are the rule's 'let' names
 * or fact paths, listed under "how it is decided").
 */
static void put_outlined(FILE *f, const char *label, const char *text)
{
	_cleanup_free_ char *out = NULL;
	struct cta_tmpl_slot *slots = NULL;
	size_t n = 0;
	bool computed = false;

	if (cta_tmpl_outline(text, &out, &slots, &n) < 0) {
		/* out of memory: the template as written is still true */
		if (label)
			put_block(f, label, text);
		else {
			fprintf(f, "  ");
			put_wrapped(f, text, 2);
		}
		return;
	}
	if (label)
		fprintf(f, "%s:\n", label);
	fprintf(f, "  ");
	put_wrapped(f, out, 2);
	for (size_t i = 0; i < n; i++) {
		if (streq(slots[i].name, slots[i].expr))
			continue;
		if (!computed)
			fprintf(f, "  where:\n");
		computed = true;
		fprintf(f, "    <%s> = ", slots[i].name);
		put_continued(f, slots[i].expr, 8);
	}
	cta_tmpl_slots_free(slots, n);
}

/*
 * The remediation as the rule writes it.  Markdown shows the templates as
 * written; text shows them as one outlined block, so that a placeholder has
 * one name across the whole fix.
 */
static void remediation_src(FILE *f, const json_t *rem, bool md)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, i;
	FILE *t = md ? f : open_memstream(&buf, &len);
	const char *k;
	json_t *v, *x;

	if (!t)
		return;
	json_object_foreach((json_t *)json_object_get(rem, "sysctl"), k, v) {
		_cleanup_free_ char *s = json_is_string(v) ?
						 strdup(json_string_value(v)) :
						 json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
								       JSON_REAL_PRECISION(15));

		fprintf(t, md ? "- set `%s` to `%s`\n" : "set %s = %s\n", k, s ? s : "?");
	}
	json_array_foreach(json_object_get(rem, "remove_persisted"), i, x)
		fprintf(t,
			md ? "- remove the stale `%s` assignment from the sysctl.d files\n" :
			     "remove the stale %s assignment from the sysctl.d files\n",
			json_string_value(x));
	if (json_object_get(rem, "notrack")) {
		json_t *nt = json_object_get(rem, "notrack");

		/* ports is an expression, proto a template */
		fprintf(t,
			md ? "- add NOTRACK rules: proto `%s`, ports `%s`\n" :
			     "add NOTRACK rules: proto %s, ports {%s}\n",
			str(nt, "proto") ?: "?", str(nt, "ports") ?: "?");
	}
	if (str(rem, "advice"))
		fprintf(t, md ? "- %s\n" : "%s\n", str(rem, "advice"));
	if (md || fclose(t) != 0)
		return;
	/* put_wrapped() indents continuation lines, not the first one */
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = 0;
	put_outlined(f, NULL, buf);
}

char *cta_report_explain_text(const json_t *rule)
{
	char *buf = NULL;
	size_t len = 0, i;
	json_t *x;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "%s: %s\n", str(rule, "id"), str(rule, "title") ?: "");
	fprintf(f, "default severity: %s\n", str(rule, "severity") ?: "?");
	fprintf(f, "subject: %s\n", str(rule, "subject") ?: "?");
	fprintf(f, "profiles:");
	if (!json_array_size(json_object_get(rule, "profiles")))
		fprintf(f, " none");
	json_array_foreach(json_object_get(rule, "profiles"), i, x)
		fprintf(f, "%s %s (%s)", i ? "," : "", str(x, "profile"), str(x, "severity"));
	fputc('\n', f);
	if (str(rule, "kernels"))
		fprintf(f, "kernels: %s\n", str(rule, "kernels"));
	fputc('\n', f);
	if (str(rule, "explanation"))
		put_outlined(f, "explanation (each <...> is filled in from the host when audited)",
			     str(rule, "explanation"));
	fprintf(f, "\nreferences:\n");
	json_array_foreach(json_object_get(rule, "references"), i, x)
		fprintf(f, "  - %s\n", json_string_value(x));
	if (json_object_get(rule, "remediation")) {
		fprintf(f, "\nfix:\n");
		remediation_src(f, json_object_get(rule, "remediation"), false);
	} else
		fprintf(f, "\nfix: none automatic\n");
	fprintf(f, "\nhow it is decided:\n");
	if (json_array_size(json_object_get(rule, "needs"))) {
		fprintf(f, "  needs:\n");
		json_array_foreach(json_object_get(rule, "needs"), i, x)
			fprintf(f, "    %s\n", json_string_value(x));
	}
	if (json_object_size(json_object_get(rule, "params"))) {
		const char *k;

		fprintf(f, "  params:\n");
		json_object_foreach((json_t *)json_object_get(rule, "params"), k, x) {
			_cleanup_free_ char *s = json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY |
								       JSON_REAL_PRECISION(15));

			fprintf(f, "    %s: %s\n", k, s ? s : "?");
		}
	}
	if (json_object_size(json_object_get(rule, "let"))) {
		const char *k;

		fprintf(f, "  let:\n");
		json_object_foreach((json_t *)json_object_get(rule, "let"), k, x) {
			fprintf(f, "    %s = ", k);
			put_continued(f, json_string_value(x) ?: "?", 8);
		}
	}
	if (str(rule, "when")) {
		fprintf(f, "  when:  ");
		put_continued(f, str(rule, "when"), 9);
	}
	fprintf(f, "  check: ");
	put_continued(f, str(rule, "check") ?: "?", 9);
	json_array_foreach(json_object_get(rule, "escalate"), i, x) {
		fprintf(f, "  escalate to %s when ", str(x, "severity") ?: "?");
		put_continued(f, str(x, "when") ?: "?", 4);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *cta_report_explain_all_text(const json_t *rules)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, i;
	_cleanup_fclose_ FILE *f = open_memstream(&buf, &len);
	json_t *x;

	if (!f)
		return NULL;
	json_array_foreach(rules, i, x) {
		_cleanup_free_ char *s = cta_report_explain_text(x);

		if (!s)
			return NULL;
		fprintf(f, "%s%s", i ? "\n----\n\n" : "", s);
	}
	if (fclose(TAKE_PTR(f)) != 0)
		return NULL;
	return TAKE_PTR(buf);
}

char *cta_report_explain_markdown(const json_t *rules)
{
	char *buf = NULL;
	size_t len = 0, i, k;
	json_t *rule, *x;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f,
		"# ctaudit rule catalog\n\n"
		"Generated by `ctaudit explain --all --format markdown` from `policies/*.yaml`;\n"
		"do not edit by hand. `{...}` parts of explanations are filled in from the\n"
		"host's facts when audited.\n\n");
	fprintf(f, "| rule | severity | title |\n|---|---|---|\n");
	json_array_foreach(rules, i, rule)
		fprintf(f, "| [`%s`](#%s) | %s | %s |\n", str(rule, "id"), str(rule, "id"),
			str(rule, "severity"), str(rule, "title"));
	json_array_foreach(rules, i, rule) {
		fprintf(f, "\n## <a id=\"%s\"></a>`%s`\n\n%s\n\n", str(rule, "id"), str(rule, "id"),
			str(rule, "title"));
		fprintf(f, "- default severity: **%s**\n", str(rule, "severity"));
		fprintf(f, "- subject: `%s`\n", str(rule, "subject") ?: "");
		fprintf(f, "- profiles:");
		if (!json_array_size(json_object_get(rule, "profiles")))
			fprintf(f, " none");
		json_array_foreach(json_object_get(rule, "profiles"), k, x)
			fprintf(f, "%s `%s` (%s)", k ? "," : "", str(x, "profile"),
				str(x, "severity"));
		fputc('\n', f);
		if (str(rule, "kernels"))
			fprintf(f, "- kernels: %s\n", str(rule, "kernels"));
		if (str(rule, "explanation")) {
			fprintf(f, "\n");
			fputs(str(rule, "explanation"), f);
			fprintf(f, "\n");
		}
		if (json_object_get(rule, "remediation")) {
			fprintf(f, "\n**Fix**\n\n");
			remediation_src(f, json_object_get(rule, "remediation"), true);
		}
		fprintf(f, "\n**References**\n\n");
		json_array_foreach(json_object_get(rule, "references"), k, x)
			fprintf(f, "- %s\n", json_string_value(x));
		fprintf(f, "\n**Decided by**\n\n");
		if (str(rule, "when"))
			fprintf(f, "- when: `%s`\n", str(rule, "when"));
		fprintf(f, "- check: `%s`\n", str(rule, "check") ?: "");
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- profiles -------------------------------------------------------------- */

static void yaml_value(FILE *f, const json_t *v)
{
	_cleanup_free_ char *s =
		json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));

	fputs(s ? s : "?", f);
}

char *cta_report_profile_text(const json_t *profile)
{
	char *buf = NULL;
	size_t len = 0, i;
	const char *k;
	json_t *x;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "profile: %s\n", str(profile, "profile") ?: "?");
	if (str(profile, "description"))
		fprintf(f, "description: %s\n", str(profile, "description"));
	if (str(profile, "file"))
		fprintf(f, "file: %s\n", str(profile, "file"));
	if (json_array_size(json_object_get(profile, "extends"))) {
		fprintf(f, "extends: [");
		json_array_foreach(json_object_get(profile, "extends"), i, x)
			fprintf(f, "%s%s", i ? ", " : "", json_string_value(x));
		fprintf(f, "]\n");
	}
	fprintf(f, "params:%s\n",
		json_object_size(json_object_get(profile, "params")) ? "" : " {}");
	json_object_foreach((json_t *)json_object_get(profile, "params"), k, x) {
		fprintf(f, "  %s: ", k);
		yaml_value(f, x);
		fputc('\n', f);
	}
	fprintf(f, "rules:%s\n", json_object_size(json_object_get(profile, "rules")) ? "" : " {}");
	json_object_foreach((json_t *)json_object_get(profile, "rules"), k, x) {
		json_t *params = json_object_get(x, "params");

		fprintf(f, "  %s: { severity: %s", k, str(x, "severity") ?: "?");
		if (json_object_size(params)) {
			const char *pk;
			json_t *pv;
			bool first = true;

			fprintf(f, ", params: { ");
			json_object_foreach(params, pk, pv) {
				fprintf(f, "%s%s: ", first ? "" : ", ", pk);
				yaml_value(f, pv);
				first = false;
			}
			fprintf(f, " }");
		}
		fprintf(f, " }\n");
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *cta_report_profiles_text(const json_t *profiles)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, i, w = 0;
	_cleanup_fclose_ FILE *f = open_memstream(&buf, &len);
	json_t *x;

	if (!f)
		return NULL;
	json_array_foreach(profiles, i, x)
		w = MAX(w, strlen(str(x, "profile") ?: ""));
	/* with the file each came from: a site file in /etc/ctaudit may hide the
	 * shipped profile of the same name */
	json_array_foreach(profiles, i, x)
		fprintf(f, "%-*s  %s  (%s)\n", (int)w, str(x, "profile") ?: "",
			str(x, "description") ?: "", str(x, "file") ?: "?");
	if (fclose(TAKE_PTR(f)) != 0)
		return NULL;
	return TAKE_PTR(buf);
}
