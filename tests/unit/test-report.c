// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Text rendering of an audit report and of catalog descriptions, against
 * golden files in tests/fixtures/policy/report/.  UPDATE_GOLDEN=1 rewrites
 * them (review the diff).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "render/report.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"

#define DIR CTA_FIXTURES "/policy/report"

static json_t *load(const char *name)
{
	json_t *j = json_load_file(name, 0, NULL);

	assert_non_null(j);
	return j;
}

static void golden(const char *name, const char *got)
{
	_cleanup_free_ char *path = NULL, *want = NULL;
	const char *upd = getenv("UPDATE_GOLDEN");

	assert_non_null(got);
	assert_true(asprintf(&path, "%s/%s", DIR, name) > 0);
	if (upd && streq(upd, "1")) {
		assert_int_equal(cta_write_file_atomic(path, got, strlen(got), 0644), 0);
		return;
	}
	assert_true(cta_read_file(path, 0, &want) >= 0);
	if (!streq(got, want)) {
		fprintf(stderr, "--- %s\n%s\n--- got\n%s\n", path, want, got);
		fail_msg("%s differs", name);
	}
}

static void test_plain(void **state)
{
	_cleanup_json_ json_t *r = load(DIR "/report.json");
	struct cta_report_opts o = { 0 };
	_cleanup_free_ char *s = cta_report_render_text(r, &o);

	golden("report.txt", s);
	assert_null(strchr(s, '\033'));
}

static void test_verbose_color(void **state)
{
	_cleanup_json_ json_t *r = load(DIR "/report.json");
	struct cta_report_opts o = { .color = true, .verbose = true };
	_cleanup_free_ char *s = cta_report_render_text(r, &o);

	golden("report-verbose-color.txt", s);
	assert_non_null(strstr(s, "\033[1;31mcritical (1)\033[0m"));
}

static void test_summary_and_empty(void **state)
{
	_cleanup_json_ json_t *r = load(DIR "/report.json");
	_cleanup_free_ char *line = cta_report_summary_line(r);
	_cleanup_json_ json_t *empty = json_pack(
		"{s:s, s:s, s:{}, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i}, s:[]}", "profile", "base",
		"profile_reason", "named on the command line", "host", "summary", "critical", 0,
		"high", 0, "medium", 0, "low", 0, "info", 0, "pass", 0, "skip", 0, "results");
	struct cta_report_opts o = { 0 };
	_cleanup_free_ char *s = NULL;

	assert_string_equal(line, "db-client: 1 critical, 1 high, 0 medium, 1 low, 0 info failing; "
				  "2 passed, 1 skipped");
	s = cta_report_render_text(empty, &o);
	assert_string_equal(s,
			    "profile: base (named on the command line)\n\nno failing rules\n\n"
			    "base: 0 critical, 0 high, 0 medium, 0 low, 0 info failing; 0 passed, "
			    "0 skipped\n");
}

static void test_explain(void **state)
{
	_cleanup_json_ json_t *rule = json_pack(
		"{s:s, s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}], s:s, s:s, s:[s], s:s, s:s, s:[s],"
		" s:{s:f}, s:{s:s}, s:{s:{s:s}, s:s}}",
		"id", "t.usage", "title", "conntrack table nearly full", "severity", "high",
		"subject", "conntrack:usage", "profiles", "profile", "base", "severity", "high",
		"profile", "api-server", "severity", "critical", "explanation",
		"{conntrack.count} of {conntrack.max} entries", "kernels", "all", "references",
		"KNOWLEDGE.md: When the table is full", "when", "conntrack.active", "check",
		"ratio < param.high_ratio", "needs", "conntrack.count", "params", "high_ratio", 0.8,
		"let", "ratio", "conntrack.count / conntrack.max", "remediation", "sysctl",
		"net.netfilter.nf_conntrack_max", "{max(131072, 32768 * host.cpus)}", "advice",
		"find who fills it");
	_cleanup_json_ json_t *all = json_array();
	_cleanup_free_ char *txt = NULL, *md = NULL;

	assert_non_null(rule);
	txt = cta_report_explain_text(rule);
	golden("explain.txt", txt);
	json_array_append(all, rule);
	md = cta_report_explain_markdown(all);
	golden("explain.md", md);
}

static void test_profile(void **state)
{
	_cleanup_json_ json_t *p = json_pack(
		"{s:s, s:s, s:s, s:[s], s:{s:b, s:f}, s:{s:{s:s, s:{}}, s:{s:s, s:{s:f, s:[s, s]}}}}",
		"profile", "db-client", "description", "client", "file", "/x/db-client.yaml",
		"extends", "base", "params", "client_role", 1, "ratio", 0.8, "rules", "t.recycle",
		"severity", "critical", "params", "t.usage", "severity", "high", "params",
		"high_ratio", 0.5, "ports", "80", "443");
	_cleanup_free_ char *s = cta_report_profile_text(p);

	assert_string_equal(
		s,
		"profile: db-client\n"
		"description: client\n"
		"file: /x/db-client.yaml\n"
		"extends: [base]\n"
		"params:\n"
		"  client_role: true\n"
		"  ratio: 0.8\n"
		"rules:\n"
		"  t.recycle: { severity: critical }\n"
		"  t.usage: { severity: high, params: { high_ratio: 0.5, ports: [\"80\",\"443\"] } }\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_verbose_color),
		cmocka_unit_test(test_summary_and_empty),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_profile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
