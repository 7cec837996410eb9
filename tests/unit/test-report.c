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
#include <errno.h>
#include "policy/policy.h"
#include "render/facts-text.h"
#include "render/report.h"
#include "render/top.h"
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

/* A saved report read back as `plan --report` does. */
static struct cta_report *load_report(const char *name)
{
	struct cta_report *r = NULL;
	_cleanup_free_ char *err = NULL;

	if (cta_report_load_file(name, &r, &err) < 0)
		fail_msg("cannot read %s: %s", name, err ? err : "?");
	return r;
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
	_cleanup_report_ struct cta_report *r = load_report(DIR "/report.json");
	struct cta_report_opts o = { 0 };
	_cleanup_free_ char *s = cta_report_render_text(r, &o);

	golden("report.txt", s);
	assert_null(strchr(s, '\033'));
}

static void test_verbose_color(void **state)
{
	_cleanup_report_ struct cta_report *r = load_report(DIR "/report.json");
	struct cta_report_opts o = { .color = true, .verbose = true };
	_cleanup_free_ char *s = cta_report_render_text(r, &o);

	golden("report-verbose-color.txt", s);
	assert_non_null(strstr(s, "\033[1;31mcritical (1)\033[0m"));
}

static void test_summary_and_empty(void **state)
{
	_cleanup_report_ struct cta_report *r = load_report(DIR "/report.json");
	_cleanup_free_ char *line = cta_report_summary_line(r);
	_cleanup_report_ struct cta_report *empty = cta_report_new();
	struct cta_report_opts o = { 0 };
	_cleanup_free_ char *s = NULL;

	assert_string_equal(line, "db-client: 1 critical, 1 high, 0 medium, 1 low, 0 info failing; "
				  "2 passed, 1 skipped");
	assert_non_null(empty);
	empty->profile = strdup("base");
	empty->profile_reason = strdup("named on the command line");
	s = cta_report_render_text(empty, &o);
	assert_string_equal(s,
			    "profile: base (named on the command line)\n\nno failing rules\n\n"
			    "base: 0 critical, 0 high, 0 medium, 0 low, 0 info failing; 0 passed, "
			    "0 skipped\n");
	/* one CPU is not "1 CPUs" */
	free(s);
	json_decref(empty->host);
	empty->host = json_pack("{s:s, s:s, s:i}", "hostname", "h", "kernel", "6.1.0", "cpus", 1);
	assert_non_null(empty->host);
	s = cta_report_render_text(empty, &o);
	assert_non_null(strstr(s, "\nhost:    h, kernel 6.1.0, 1 CPU\n"));
	/* an image without /etc/hostname (--offline): said, not "?" */
	free(s);
	json_object_del(empty->host, "hostname");
	s = cta_report_render_text(empty, &o);
	assert_non_null(strstr(s, "\nhost:    (no host name), kernel 6.1.0, 1 CPU\n"));
}

/* JSON -> struct -> JSON keeps every documented key; only the identity is added. */
static void test_json_round_trip(void **state)
{
	_cleanup_json_ json_t *orig = load(DIR "/report.json"), *back = NULL;
	_cleanup_report_ struct cta_report *r = NULL, *r2 = NULL;
	_cleanup_free_ char *err = NULL, *t1 = NULL, *t2 = NULL;
	struct cta_report_opts o = { .verbose = true };

	assert_int_equal(cta_report_from_json(orig, &r, &err), 0);
	assert_int_equal(r->n_results, 6);
	assert_int_equal(r->results[0].status, CTA_RESULT_FAIL);
	assert_int_equal(r->results[0].severity, CTA_SEVERITY_CRITICAL);
	assert_int_equal(r->results[1].remediation->n_notrack, 1);
	assert_string_equal(r->results[1].remediation->notrack[0].port, "8080");
	assert_string_equal(r->results[1].remediation->unresolved[0],
			    "net.netfilter.nf_conntrack_buckets: needs 'host.cpus', which the "
			    "snapshot does not have");
	assert_null(r->results[3].remediation);
	assert_non_null(r->results[5].reason);
	assert_null(r->ctaudit_version);
	assert_int_equal(cta_report_to_json(r, &back), 0);
	/* a report of an older ctaudit has no identity: an unknown target is written */
	{
		_cleanup_json_ json_t *unknown = json_pack("{s:b}", "offline", 0);

		assert_true(json_equal(json_object_get(back, "target"), unknown));
	}
	json_object_del(back, "target");
	assert_true(json_equal(orig, back));

	/* and the identity survives the round trip */
	r->ctaudit_version = strdup("9.9");
	r->generated_at = strdup("2026-01-02T03:04:05Z");
	r->target.hostname = strdup("db1");
	r->target.netns = CTA_TARGET_NETNS_OTHER;
	r->target.netns_inode = 4026532999;
	r->target.root = strdup("/srv/img");
	r->target.offline = true;
	json_decref(back);
	assert_int_equal(cta_report_to_json(r, &back), 0);
	assert_int_equal(cta_report_from_json(back, &r2, &err), 0);
	assert_string_equal(r2->ctaudit_version, "9.9");
	assert_string_equal(r2->generated_at, "2026-01-02T03:04:05Z");
	assert_string_equal(r2->target.hostname, "db1");
	assert_int_equal(r2->target.netns, CTA_TARGET_NETNS_OTHER);
	assert_int_equal(r2->target.netns_inode, 4026532999);
	assert_string_equal(r2->target.root, "/srv/img");
	assert_true(r2->target.offline);
	t1 = cta_report_render_text(r, &o);
	t2 = cta_report_render_text(r2, &o);
	assert_string_equal(t1, t2);
}

/* A saved report is input: every wrong type or shape is named by its JSON pointer. */
static void test_json_strict(void **state)
{
	static const struct {
		const char *path; /* member to change, '/'-separated from the top */
		const char *json; /* new value; NULL: delete it */
		const char *error;
	} t[] = {
		{ "results/0/status", "5", "/results/0/status: is an integer, not a string" },
		{ "results/0/status", "\"fial\"",
		  "/results/0/status: unknown status 'fial' (fail, pass or skip)" },
		{ "results/1/severity", "\"severe\"",
		  "/results/1/severity: unknown severity 'severe' (critical, high, medium, low or "
		  "info)" },
		{ "results/0/remediation/sysctl/net.ipv4.conf.eth0~100.rp_filter", "1",
		  "/results/0/remediation/sysctl/net.ipv4.conf.eth0~1100.rp_filter: is an integer, "
		  "not a string" },
		{ "results/1/remediation/notrack/0/port", "8080",
		  "/results/1/remediation/notrack/0/port: is an integer, not a string" },
		{ "results/1/remediation/notrack/0", "\"tcp/8080\"",
		  "/results/1/remediation/notrack/0: is a string, not an object" },
		{ "results/1/remediation/unresolved", "\"x\"",
		  "/results/1/remediation/unresolved: is a string, not an array" },
		{ "results/0/remediation", NULL, "/results/0: missing 'remediation'" },
		{ "results/3/remediation", "{}",
		  "/results/3/remediation: only a failing result has a remediation, not a 'pass' "
		  "one" },
		{ "results/5/reason", NULL, "/results/5: missing 'reason'" },
		{ "results/2/references", "[1]",
		  "/results/2/references/0: is an integer, not a string" },
		{ "results/4/rule", NULL, "/results/4: missing 'rule'" },
		{ "results/4", "[]", "/results/4: is an array, not an object" },
		{ "summary/critical", "2", "/summary/critical: says 2, the results have 1" },
		{ "summary/skip", "\"1\"", "/summary/skip: is a string, not an integer" },
		{ "schema_version", "2",
		  "/schema_version: unsupported schema_version 2 (this ctaudit "
		  "reads 1)" },
		{ "results", NULL, "/: missing 'results'" },
		{ "profiles/0", "null", "/profiles/0: is null, not a string" },
		{ "host", "[]", "/host: is an array, not an object" },
		{ "target", "{\"offline\": false, \"netns_inode\": \"4026531840\"}",
		  "/target/netns_inode: is a string, not an integer" },
		{ "target", "{\"offline\": false, \"netns\": \"host\"}",
		  "/target/netns: unknown namespace 'host' (init or other)" },
		{ "target", "{}", "/target: missing 'offline'" },
		{ "generated_at", "0", "/generated_at: is an integer, not a string" },
		{ "unavailable", "{}", "/unavailable: is an object, not an array" },
		{ "unavailable", "[{\"section\": \"firewall\"}]",
		  "/unavailable/0: is not an object with a 'section' and a 'reason'" },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		_cleanup_json_ json_t *j = load(DIR "/report.json");
		_cleanup_free_ char *path = strdup(t[i].path), *err = NULL;
		struct cta_report *r = NULL;
		json_t *parent = j;
		char *seg = path, *slash;

		/* walk to the parent; the last segment is the member to change */
		while ((slash = strchr(seg, '/'))) {
			*slash = 0;
			parent = json_is_array(parent) ?
					 json_array_get(parent, strtoul(seg, NULL, 10)) :
					 json_object_get(parent, seg);
			assert_non_null(parent);
			seg = slash + 1;
		}
		/* '~' in a test path stands for '/' in the key */
		for (char *c = seg; *c; c++)
			if (*c == '~')
				*c = '/';
		if (json_is_array(parent)) {
			assert_non_null(t[i].json);
			json_array_set_new(parent, strtoul(seg, NULL, 10),
					   json_loads(t[i].json, JSON_DECODE_ANY, NULL));
		} else if (t[i].json)
			json_object_set_new(parent, seg,
					    json_loads(t[i].json, JSON_DECODE_ANY, NULL));
		else
			json_object_del(parent, seg);
		assert_int_equal(cta_report_from_json(j, &r, &err), -EINVAL);
		assert_null(r);
		if (!err || strcmp(err, t[i].error) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, err ? err : "(null)",
				 t[i].error);
	}
	{
		_cleanup_json_ json_t *arr = json_array();
		_cleanup_free_ char *err = NULL;
		struct cta_report *r = NULL;

		assert_int_equal(cta_report_from_json(arr, &r, &err), -EINVAL);
		assert_string_equal(err, "/: is an array, not an audit report object");
	}
}

/*
 * What the facts could not read is said before any verdict, and "no failing
 * rules" is qualified (issue 16: a non-root audit said "no failing rules"
 * with the firewall and the kernel log unread); the JSON keeps the list.
 */
static void test_not_judged(void **state)
{
	_cleanup_report_ struct cta_report *r = load_report(DIR "/report.json"), *r2 = NULL;
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *t = NULL, *t0 = NULL, *err = NULL;
	struct cta_report_opts o = { 0 };
	const char *nj, *verdict;

	/* a report with no failing result, first with nothing unread */
	for (size_t i = 0; i < r->n_results; i++)
		r->results[i].status = CTA_RESULT_PASS;
	for (int s = 0; s < _CTA_SEVERITY_MAX; s++)
		r->failing[s] = 0;
	t0 = cta_report_render_text(r, &o);
	assert_non_null(strstr(t0, "\nno failing rules\n"));
	assert_null(strstr(t0, "not judged"));

	assert_int_equal(json_array_append_new(r->unavailable,
					       json_pack("{s:s, s:s}", "section",
							 "firewall.nf_tables", "reason",
							 "operation not permitted")),
			 0);
	t = cta_report_render_text(r, &o);
	nj = strstr(t, "not judged:");
	verdict = strstr(t, "no failing rules in what could be read");
	assert_non_null(nj);
	assert_non_null(verdict);
	assert_true(nj < verdict);
	assert_non_null(strstr(t, "  firewall.nf_tables: operation not permitted\n"));

	/* JSON keeps the list and reads it back (a consistent report: freshly loaded) */
	r2 = load_report(DIR "/report.json");
	assert_int_equal(json_array_append_new(r2->unavailable,
					       json_pack("{s:s, s:s}", "section", "helpers.in_use",
							 "reason", "permission denied")),
			 0);
	assert_int_equal(cta_report_to_json(r2, &j), 0);
	assert_int_equal(json_array_size(json_object_get(j, "unavailable")), 1);
	cta_report_free(r2);
	r2 = NULL;
	assert_int_equal(cta_report_from_json(j, &r2, &err), 0);
	assert_int_equal(json_array_size(r2->unavailable), 1);
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

	/* an expression written over several lines (a YAML block) stays under its name */
	free(txt);
	json_object_set_new(
		json_object_get(rule, "let"), "ratio",
		json_string("conntrack.max > 0\n ? conntrack.count / conntrack.max\n : 0"));
	txt = cta_report_explain_text(rule);
	assert_non_null(strstr(txt, "    ratio = conntrack.max > 0\n"
				    "        ? conntrack.count / conntrack.max\n"
				    "        : 0\n"));
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

/* A report is used only where it was made: parts known on both sides must agree. */
static void test_target_check(void **state)
{
	static const struct {
		struct cta_report_target made, here;
		const char *why; /* NULL: they agree */
	} t[] = {
		{ { .hostname = "a", .netns = CTA_TARGET_NETNS_INIT, .netns_inode = 4026531840 },
		  { .hostname = "a", .netns = CTA_TARGET_NETNS_INIT, .netns_inode = 4026531840 },
		  NULL },
		/* unknown parts are not compared (a report of an older ctaudit) */
		{ { 0 }, { .hostname = "a", .netns = CTA_TARGET_NETNS_OTHER }, NULL },
		{ { .hostname = "a" },
		  { .hostname = "b" },
		  "the report is for host 'a', the target is 'b'" },
		{ { .netns = CTA_TARGET_NETNS_OTHER, .netns_inode = 4026532712 },
		  { .netns = CTA_TARGET_NETNS_INIT, .netns_inode = 4026531840 },
		  "the report is for a child network namespace, the target is the initial network "
		  "namespace" },
		{ { .netns = CTA_TARGET_NETNS_OTHER, .netns_inode = 4026532712 },
		  { .netns = CTA_TARGET_NETNS_OTHER, .netns_inode = 4026532999 },
		  "the report is for network namespace 4026532712, the target is 4026532999" },
		{ { .offline = true },
		  { 0 },
		  "the report is for an offline image, the target is a running kernel" },
		{ { .root = "/srv/img" },
		  { .root = "/srv/other" },
		  "the report is for --root '/srv/img', the target is '/srv/other'" },
		{ { .root = "/srv/img" },
		  { 0 },
		  "the report is for --root '/srv/img', the target is '/'" },
		{ { 0 }, { .root = "/srv/img" }, NULL },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		_cleanup_free_ char *why = NULL;
		int k = cta_report_target_check(&t[i].made, &t[i].here, &why);

		if (!t[i].why) {
			assert_int_equal(k, 0);
			assert_null(why);
			continue;
		}
		assert_int_equal(k, 1);
		assert_non_null(why);
		assert_string_equal(why, t[i].why);
	}
}

static void test_top_text(void **state)
{
	static const struct cta_top_item items[] = { { "10.0.0.1", 12 }, { "10.0.0.2", 3 } };
	struct cta_top t = { .kind = CTA_TOP_CONNTRACK,
			     .by = "src",
			     .filter = "dport=443",
			     .total = 15,
			     .scanned = 40,
			     .keys = 2,
			     .items = items,
			     .n_items = 2 };
	_cleanup_free_ char *s = cta_render_top_text(&t), *s2 = NULL;
	_cleanup_json_ json_t *j = NULL;

	assert_string_equal(s, "conntrack entries matching 'dport=443': 15 of 40 (by src)\n"
			       "rank  count  percent  key\n"
			       "   1     12    80.0%  10.0.0.1\n"
			       "   2      3    20.0%  10.0.0.2\n"
			       "2 keys, 15 entries\n");
	assert_int_equal(cta_render_top_json(&t, &j), 0);
	assert_string_equal(json_string_value(json_object_get(j, "filter")), "dport=443");
	assert_int_equal(json_integer_value(json_object_get(j, "scanned")), 40);
	assert_true(json_real_value(json_object_get(json_array_get(json_object_get(j, "top"), 0),
						    "percent")) == 80.0);
	assert_null(json_object_get(j, "filtered_in"));
	json_decref(j);
	j = NULL;

	/* the kernel selected the entries: "N of M" counts the whole table */
	t.filtered_in = "kernel";
	t.table = 100;
	free(s);
	s = cta_render_top_text(&t);
	assert_non_null(strstr(s, "'dport=443': 15 of 100 (by src)\n"));
	assert_int_equal(cta_render_top_json(&t, &j), 0);
	assert_string_equal(json_string_value(json_object_get(j, "filtered_in")), "kernel");

	t = (struct cta_top){ .kind = CTA_TOP_SOCKETS,
			      .by = "peer",
			      .state = "all",
			      .total = 1,
			      .keys = 1,
			      .approximate = true,
			      .items = items,
			      .n_items = 1 };
	s2 = cta_render_top_text(&t);
	assert_string_equal(s2, "TCP sockets: 1 (by peer)\n"
				"rank  count  percent  key\n"
				"   1     12  1200.0%  10.0.0.1\n"
				"1 key, 1 socket\n"
				"(approximate: dump interrupted)\n");
}

static void test_facts_text(void **state)
{
	_cleanup_json_ json_t *f = json_loads(
		"{\"schema_version\": 1, \"collected_at\": \"2026-01-01T00:00:00Z\","
		" \"unavailable\": [{\"section\": \"conntrack\", \"reason\": \"offline\"}],"
		" \"zz_new\": {\"b\": 2, \"a\": \"x\"},"
		" \"netstat\": {\"TcpExt\": {\"TW\": 0, \"PAWSPassive\": 5}},"
		" \"host\": {\"hostname\": \"h1\"}}",
		0, NULL);
	_cleanup_free_ char *s = NULL;

	assert_non_null(f);
	s = cta_render_facts_text(f);
	assert_non_null(s);
	assert_true(
		strncmp(s, "ctaudit facts (schema 1, collected 2026-01-01T00:00:00Z)\n\nhost\n",
			strlen("ctaudit facts (schema 1, collected 2026-01-01T00:00:00Z)\n\nhost\n")) ==
		0);
	/* zero counters are noise; unknown sections follow the known ones; unavailable is last */
	assert_null(strstr(s, "TW"));
	assert_non_null(strstr(s, "PAWSPassive"));
	assert_true(strstr(s, "netstat") < strstr(s, "zz_new"));
	assert_true(strstr(s, "zz_new") < strstr(s, "unavailable"));
	assert_non_null(strstr(s, "unavailable\n  conntrack: offline\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),	      cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_strict),   cmocka_unit_test(test_target_check),
		cmocka_unit_test(test_top_text),      cmocka_unit_test(test_facts_text),
		cmocka_unit_test(test_verbose_color), cmocka_unit_test(test_summary_and_empty),
		cmocka_unit_test(test_explain),	      cmocka_unit_test(test_not_judged),
		cmocka_unit_test(test_profile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
