// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SARIF, JUnit and Prometheus renderings of small hand-made reports: levels,
 * locations, counts, escaping.  The outputs are validated by their real
 * consumers in tests/integration/test-report-*.sh; here each mapping rule is
 * pinned on its own.  Also the SHA-256 behind the catalog digest.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "render/formats.h"
#include "render/report.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/sha256.h"

static json_t *report(void)
{
	json_error_t e;
	json_t *j = json_loads(
		"{\"schema_version\": 1, \"profile\": \"db-client\", \"profiles\": [\"db-client\", \"base\"],"
		" \"profile_reason\": \"named <here> & \\\"there\\\"\","
		" \"host\": {\"hostname\": \"db1\", \"netns\": \"init\"},"
		" \"ctaudit_version\": \"9.8.7\", \"generated_at\": \"2026-11-28T00:16:17Z\","
		" \"catalog_digest\": \"sha256:ab\","
		" \"target\": {\"root\": \"/img dir\", \"netns\": \"init\", \"offline\": true},"
		" \"summary\": {\"critical\": 1, \"high\": 0, \"medium\": 1, \"low\": 0, \"info\": 0,"
		"   \"pass\": 1, \"skip\": 1},"
		" \"results\": ["
		"  {\"rule\": \"r.crit\", \"title\": \"T1\", \"status\": \"fail\", \"severity\": \"critical\","
		"   \"subject\": \"sysctl:net.ipv4.tcp_tw_recycle\", \"message\": \"m1 <&>\","
		"   \"explanation\": \"e1\", \"references\": [\"ref1\"], \"remediation\": {}},"
		"  {\"rule\": \"r.med\", \"title\": \"T2\", \"status\": \"fail\", \"severity\": \"medium\","
		"   \"subject\": \"conntrack:usage\", \"message\": \"m2\", \"explanation\": \"e2\","
		"   \"references\": [\"ref2\"], \"remediation\": {}},"
		"  {\"rule\": \"r.pass\", \"title\": \"T3\", \"status\": \"pass\", \"severity\": \"low\","
		"   \"subject\": \"sysctl:x\", \"message\": \"m3\", \"explanation\": \"e3\", \"references\": [\"r\"]},"
		"  {\"rule\": \"r.skip\", \"title\": \"T4\", \"status\": \"skip\", \"severity\": \"high\","
		"   \"subject\": \"sysctl:y\", \"message\": \"m4\", \"explanation\": \"e4\", \"references\": [\"r\"],"
		"   \"reason\": \"needs 'x'\"}]}",
		0, &e);

	assert_non_null(j);
	return j;
}

static struct cta_report *typed(void)
{
	_cleanup_json_ json_t *j = report();
	_cleanup_free_ char *err = NULL;
	struct cta_report *r = NULL;

	if (cta_report_from_json(j, &r, &err) < 0)
		fail_msg("report: %s", err ? err : "?");
	return r;
}

static json_t *facts(void)
{
	json_t *j = json_loads(
		"{\"persisted\": {\"net.ipv4.tcp_tw_recycle\": {\"value\": \"1\","
		"   \"file\": \"/etc/sysctl.d/my file.conf\", \"line\": 7,"
		"   \"overridden\": [{\"value\": \"0\", \"file\": \"/usr/lib/sysctl.d/50.conf\", \"line\": 2}]}},"
		" \"sysctl\": {\"net.ipv4.ip_local_port_range\": \"32768 60999\"},"
		" \"conntrack\": {\"count\": 900, \"max\": 1000, \"stats\": {\"drop\": 5}},"
		" \"counters\": {\"interval\": {\"seconds\": 300},"
		"   \"delta\": {\"conntrack\": {\"drop\": 3}}},"
		" \"sockets\": {\"tcp\": {\"TIME_WAIT\": 30000},"
		"   \"time_wait_top\": [{\"peer\": \"10.0.0.5:3306\", \"count\": 28232},"
		"                       {\"peer\": \"a\\\"b\\\\c\\nd\", \"count\": 1}]}}",
		0, NULL);

	assert_non_null(j);
	return j;
}

static void test_sarif(void **state)
{
	_cleanup_report_ struct cta_report *r = typed();
	_cleanup_json_ json_t *f = facts(), *log = NULL;
	struct cta_render_ctx ctx = { .facts = f };
	_cleanup_free_ char *s = cta_render_sarif(r, &ctx);
	json_t *run, *res, *loc;

	assert_non_null(s);
	log = json_loads(s, 0, NULL);
	assert_non_null(log);
	assert_string_equal(json_string_value(json_object_get(log, "version")), "2.1.0");
	run = json_array_get(json_object_get(log, "runs"), 0);
	assert_int_equal(json_array_size(json_object_get(log, "runs")), 1);
	/* every evaluated rule is described, only failing ones are results */
	assert_int_equal(json_array_size(cta_json_path(run, "tool.driver.rules")), 4);
	assert_string_equal(json_string_value(cta_json_path(run, "tool.driver.version")), "9.8.7");
	res = json_object_get(run, "results");
	assert_int_equal(json_array_size(res), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(res, 0), "level")),
			    "error");
	assert_string_equal(json_string_value(json_object_get(json_array_get(res, 1), "level")),
			    "warning");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(res, 1), "ruleIndex")),
			 1);
	/* the sysctl.d line that sets the key, percent-encoded, below the audited root */
	loc = json_array_get(json_object_get(json_array_get(res, 0), "locations"), 0);
	assert_string_equal(
		json_string_value(cta_json_path(loc, "physicalLocation.artifactLocation.uri")),
		"etc/sysctl.d/my%20file.conf");
	assert_int_equal(
		json_integer_value(cta_json_path(loc, "physicalLocation.region.startLine")), 7);
	assert_string_equal(
		json_string_value(cta_json_path(run, "originalUriBaseIds.TARGETROOT.uri")),
		"file:///img%20dir/");
	assert_int_equal(
		json_array_size(json_object_get(json_array_get(res, 0), "relatedLocations")), 1);
	/* no line to point at: the logical location only */
	loc = json_array_get(json_object_get(json_array_get(res, 1), "locations"), 0);
	assert_null(json_object_get(loc, "physicalLocation"));
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(loc, "logicalLocations"), 0),
				    "fullyQualifiedName")),
			    "conntrack:usage");
}

static void test_junit(void **state)
{
	_cleanup_report_ struct cta_report *r = typed();
	_cleanup_json_ json_t *map = NULL;
	_cleanup_free_ char *all = NULL, *split = NULL;
	struct cta_render_ctx ctx = { 0 };

	all = cta_render_junit(r, &ctx);
	assert_non_null(all);
	/* no map: both suites hold every result */
	assert_non_null(strstr(all, "<testsuites name=\"ctaudit\" tests=\"8\" failures=\"4\" "
				    "errors=\"0\" skipped=\"2\""));
	assert_non_null(strstr(all, "<testsuite name=\"ctaudit.db-client\" tests=\"4\" "
				    "failures=\"2\" errors=\"0\" skipped=\"1\""));
	assert_non_null(strstr(all, "<failure message=\"m1 &lt;&amp;&gt;\" type=\"critical\">"));
	assert_non_null(strstr(all, "<skipped message=\"needs &apos;x&apos;\"/>"));
	assert_non_null(strstr(all, "value=\"named &lt;here&gt; &amp; &quot;there&quot;\""));
	assert_non_null(strstr(all, "timestamp=\"2026-11-28T00:16:17\""));

	map = json_loads("{\"base\": [\"r.pass\", \"r.med\"]}", 0, NULL);
	ctx.profile_rules = map;
	split = cta_render_junit(r, &ctx);
	assert_non_null(split);
	assert_non_null(strstr(split, "<testsuite name=\"ctaudit.base\" tests=\"2\" failures=\"1\" "
				      "errors=\"0\" skipped=\"0\""));
	assert_non_null(strstr(split, "<testsuites name=\"ctaudit\" tests=\"6\" failures=\"3\" "
				      "errors=\"0\" skipped=\"1\""));
}

static void test_prometheus(void **state)
{
	_cleanup_report_ struct cta_report *r = typed();
	_cleanup_json_ json_t *f = facts();
	struct cta_render_ctx ctx = { .facts = f }, named = { .netns_name = "pod a\"" };
	_cleanup_free_ char *s = cta_render_prometheus(r, &ctx),
			    *bare = cta_render_prometheus(r, NULL),
			    *ns = cta_render_prometheus(r, &named);

	assert_non_null(s);
	assert_non_null(
		strstr(s, "ctaudit_build_info{version=\"9.8.7\",catalog=\"sha256:ab\"} 1\n"));
	assert_non_null(strstr(s, "ctaudit_last_run_timestamp_seconds 1795824977\n"));
	assert_non_null(strstr(s, "ctaudit_findings{severity=\"critical\"} 1\n"));
	assert_non_null(strstr(s, "ctaudit_findings{severity=\"info\"} 0\n"));
	assert_non_null(strstr(s, "ctaudit_rules{status=\"fail\"} 2\n"));
	assert_non_null(strstr(s, "ctaudit_rule_failing{netns=\"init\",profile=\"db-client\","
				  "rule=\"r.crit\",severity=\"critical\"} 1\n"));
	assert_non_null(strstr(s, "ctaudit_rule_failing{netns=\"init\",profile=\"db-client\","
				  "rule=\"r.skip\",severity=\"high\"} 0\n"));
	assert_non_null(
		strstr(s, "ctaudit_conntrack_usage_ratio{netns=\"init\"} 0.90000000000000002\n"));
	assert_non_null(strstr(s, "# TYPE ctaudit_conntrack_drop_total counter\n"));
	assert_non_null(strstr(s, "ctaudit_conntrack_drops_last_interval{netns=\"init\"} 3\n"));
	assert_non_null(strstr(s, "ctaudit_counters_interval_seconds{netns=\"init\"} 300\n"));
	assert_non_null(strstr(s, "ctaudit_local_port_range_size{netns=\"init\"} 28232\n"));
	assert_non_null(strstr(
		s, "ctaudit_timewait_peer_port_ratio{netns=\"init\",peer=\"10.0.0.5:3306\"} 1\n"));
	assert_non_null(strstr(s, "peer=\"a\\\"b\\\\c\\nd\"} 1\n"));
	/* HELP and TYPE for every family, before its samples */
	assert_non_null(strstr(s, "# HELP ctaudit_rule_failing "));
	/* the HELP texts say what the kernel does: early_drop before a drop, tw_reuse */
	assert_non_null(strstr(s, "# HELP ctaudit_conntrack_usage_ratio nf_conntrack_count / "
				  "nf_conntrack_max; at 1 a new entry needs an unassured one to "
				  "evict (early_drop), else its packet is dropped.\n"));
	assert_non_null(strstr(s, "or a protocol tracker rejected the packet.\n"));
	assert_non_null(strstr(s, "near 1 connect() to that peer gets EADDRNOTAVAIL unless "
				  "tcp_tw_reuse may take over a TIME_WAIT socket (only one that "
				  "carried TCP timestamps).\n"));
	assert_true(strstr(s, "# TYPE ctaudit_rule_failing gauge") <
		    strstr(s, "ctaudit_rule_failing{"));
	/* without facts, no evidence gauges */
	assert_non_null(bare);
	assert_null(strstr(bare, "ctaudit_conntrack"));
	assert_non_null(strstr(bare, "ctaudit_rule_failing{"));
	/* --netns NAME names the namespace, escaped */
	assert_non_null(strstr(ns, "ctaudit_rule_failing{netns=\"pod a\\\"\",profile="));
}

static void test_parse_utc(void **state)
{
	long long t = -1;

	assert_int_equal(cta_render_parse_utc("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(cta_render_parse_utc("2026-11-28T00:16:17Z", &t), 0);
	assert_int_equal(t, 1795824977);
	assert_int_equal(cta_render_parse_utc("2026-11-28T00:16:17", &t), -EINVAL);
	assert_int_equal(cta_render_parse_utc("2026-11-28T00:16:17Zx", &t), -EINVAL);
	assert_int_equal(cta_render_parse_utc(NULL, &t), -EINVAL);
}

static void test_sha256(void **state)
{
	/* FIPS 180-2 appendix B and the empty string */
	static const struct {
		const char *in, *hex;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	char hex[65];
	_cleanup_free_ char *million = malloc(1000000);

	for (size_t i = 0; i < ELEMENTSOF(v); i++) {
		cta_sha256_hex(v[i].in, strlen(v[i].in), hex);
		assert_string_equal(hex, v[i].hex);
	}
	assert_non_null(million);
	memset(million, 'a', 1000000);
	cta_sha256_hex(million, 1000000, hex);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* 55, 56 and 64 bytes: the padding edge cases */
	cta_sha256_hex(million, 55, hex);
	assert_string_equal(hex,
			    "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	cta_sha256_hex(million, 56, hex);
	assert_string_equal(hex,
			    "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
	cta_sha256_hex(million, 64, hex);
	assert_string_equal(hex,
			    "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sarif),	   cmocka_unit_test(test_junit),
		cmocka_unit_test(test_prometheus), cmocka_unit_test(test_parse_utc),
		cmocka_unit_test(test_sha256),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
