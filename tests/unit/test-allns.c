// SPDX-License-Identifier: GPL-2.0-or-later
/* render/allns.c and the pure part of collect/netns-run.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "collect/netns-run.h"
#include "plan/plan.h"
#include "render/allns.h"
#include "util/json.h"

struct finding {
	const char *rule, *message;
	enum cta_severity sev;
};

static struct cta_report *make_report(const char *profile, const struct finding *f, size_t n)
{
	struct cta_report *r = cta_report_new();

	assert_non_null(r);
	r->profile = strdup(profile);
	r->profile_reason = strdup("auto: test");
	r->results = calloc(n + 1, sizeof(*r->results));
	assert_non_null(r->results);
	for (size_t i = 0; i < n; i++) {
		struct cta_result *res = &r->results[r->n_results++];

		res->rule = strdup(f[i].rule);
		res->title = strdup("title");
		res->message = strdup(f[i].message);
		res->severity = f[i].sev;
		res->status = CTA_RESULT_FAIL;
		res->remediation = calloc(1, sizeof(*res->remediation));
		r->failing[f[i].sev]++;
	}
	/* one passing result never shows */
	r->results[r->n_results].rule = strdup("ok.rule");
	r->results[r->n_results].status = CTA_RESULT_PASS;
	r->n_results++;
	r->passed = 1;
	return r;
}

static const struct finding shared = { "conntrack.usage", "table 90 % full", CTA_SEVERITY_HIGH };
static const struct finding own = { "tcp.timestamps.disabled", "tcp_timestamps=0",
				    CTA_SEVERITY_MEDIUM };
/* same rule, another message: not folded */
static const struct finding other_msg = { "conntrack.usage", "table 95 % full", CTA_SEVERITY_HIGH };

static void test_audit_fold(void **state)
{
	struct cta_netns ns[4] = {
		{ .inode = 1, .initial = true, .label = (char *)"initial" },
		{ .inode = 2, .name = (char *)"red", .label = (char *)"red" },
		{ .inode = 3,
		  .pid = 42,
		  .comm = (char *)"sleep",
		  .label = (char *)"pid 42 (sleep)" },
		{ .inode = 4, .name = (char *)"gone", .label = (char *)"gone" },
	};
	struct finding f1[] = { shared }, f2[] = { shared, own }, f3[] = { other_msg };
	struct cta_report *r[3] = { make_report("base", f1, 1), make_report("db-client", f2, 2),
				    make_report("base", f3, 1) };
	struct cta_allns_item items[4] = {
		{ .ns = &ns[0], .status = CTA_NETNS_OK, .report = r[0] },
		{ .ns = &ns[1], .status = CTA_NETNS_OK, .report = r[1] },
		{ .ns = &ns[2], .status = CTA_NETNS_OK, .report = r[2] },
		{ .ns = &ns[3],
		  .status = CTA_NETNS_GONE,
		  .reason = "the namespace no longer exists" },
	};
	struct cta_allns a = { .v = items, .n = 4, .fail_on = CTA_SEVERITY_MEDIUM };
	struct cta_report_opts ro = {};
	char *text, *p;
	json_t *j, *e;

	(void)state;
	text = cta_allns_audit_text(&a, &ro);
	assert_non_null(text);
	/* the table comes first, one row per namespace */
	p = strstr(text, "NAMESPACE");
	assert_non_null(p);
	assert_true(p < strstr(text, "Findings in several namespaces"));
	assert_non_null(strstr(text, "\nred             db-client  high      1 high, 1 medium"));
	assert_non_null(strstr(
		text, "\ngone            -          gone      the namespace no longer exists"));
	/* the shared finding once, listing both namespaces; the other message stays apart */
	assert_non_null(strstr(text, "    table 90 % full\n    in 2 namespaces: initial, red\n"));
	assert_null(strstr(strstr(text, "Findings in several"), "pid 42 (sleep), "));
	assert_non_null(strstr(
		text,
		"Namespace red (net:[2]; db-client)\n  full report: ctaudit audit --netns red\n"));
	assert_non_null(strstr(
		text,
		"  HIGH  conntrack.usage (shared, see above)\n  MEDIUM  tcp.timestamps.disabled: tcp_timestamps=0\n"));
	assert_non_null(strstr(
		text,
		"Namespace pid 42 (sleep) (net:[3], pid 42 sleep; base)\n  full report: ctaudit audit --netns-pid 42\n  HIGH  conntrack.usage: table 95 % full\n"));
	free(text);

	assert_int_equal(cta_allns_audit_json(&a, &j), 0);
	{
		/* the document put together from pieces is the same document */
		char *parts[4] = { cta_allns_audit_item_text(&items[0]), NULL, NULL, NULL };
		char *whole = cta_allns_audit_json_text(&a, parts);
		char *tree = cta_json_dumps(j);

		assert_non_null(whole);
		assert_non_null(tree);
		assert_string_equal(whole, tree);
		free(parts[0]);
		free(whole);
		free(tree);
	}
	assert_int_equal(json_integer_value(cta_json_path(j, "summary.namespaces")), 4);
	assert_int_equal(json_integer_value(cta_json_path(j, "summary.audited")), 3);
	assert_int_equal(json_integer_value(cta_json_path(j, "summary.gone")), 1);
	assert_int_equal(json_integer_value(cta_json_path(j, "summary.flagged")), 3);
	assert_string_equal(json_string_value(cta_json_path(j, "summary.worst")), "high");
	assert_int_equal(json_integer_value(cta_json_path(j, "summary.failing.high")), 3);
	e = json_array_get(json_object_get(j, "namespaces"), 1);
	assert_string_equal(json_string_value(cta_json_path(e, "netns.label")), "red");
	assert_string_equal(json_string_value(cta_json_path(e, "report.profile")), "db-client");
	assert_string_equal(json_string_value(json_object_get(e, "worst")), "high");
	e = json_array_get(json_object_get(j, "namespaces"), 3);
	assert_string_equal(json_string_value(json_object_get(e, "status")), "gone");
	assert_null(json_object_get(e, "report"));
	assert_int_equal(json_array_size(json_object_get(j, "shared_findings")), 1);
	e = json_array_get(json_object_get(j, "shared_findings"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "rule")), "conntrack.usage");
	assert_int_equal(json_array_size(json_object_get(e, "namespaces")), 2);
	json_decref(j);
	for (int i = 0; i < 3; i++)
		cta_report_free(r[i]);
}

static void test_merge_host_facts(void **state)
{
	json_t *host = json_pack("{s:{s:s, s:s}, s:{s:i}}", "sysctl", "net.core.netdev_max_backlog",
				 "1000", "net.ipv4.tcp_tw_reuse", "2", "conntrack",
				 "table_full_messages", 3);
	json_t *child = json_pack("{s:{s:s}, s:{s:i}}", "sysctl", "net.ipv4.tcp_tw_reuse", "1",
				  "conntrack", "count", 0);
	json_t *u;

	(void)state;
	assert_int_equal(cta_netns_merge_host_facts(child, host), 0);
	/* the child's own value wins; what only the initial namespace has is copied */
	assert_string_equal(json_string_value(json_object_get(json_object_get(child, "sysctl"),
							      "net.ipv4.tcp_tw_reuse")),
			    "1");
	assert_string_equal(json_string_value(json_object_get(json_object_get(child, "sysctl"),
							      "net.core.netdev_max_backlog")),
			    "1000");
	/* the kernel log stays with the initial namespace */
	assert_null(cta_json_path(child, "conntrack.table_full_messages"));
	u = json_object_get(child, "unavailable");
	assert_int_equal(json_array_size(u), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 0), "section")),
			    "conntrack.table_full_messages");
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 1), "section")),
			    "persisted");
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 1), "reason")),
			    "not the initial network namespace: sysctl.d files are applied at "
			    "boot in the initial one only");
	json_decref(host);
	json_decref(child);
}

static void test_k8s_safe(void **state)
{
	(void)state;
	assert_true(cta_allns_k8s_safe_sysctl("net.ipv4.ip_local_port_range"));
	assert_true(cta_allns_k8s_safe_sysctl("net.ipv4.tcp_fin_timeout"));
	assert_false(cta_allns_k8s_safe_sysctl("net.ipv4.tcp_tw_reuse"));
	assert_false(cta_allns_k8s_safe_sysctl("net.core.somaxconn"));
}

static void test_top(void **state)
{
	struct cta_netns ns[2] = {
		{ .inode = 1, .label = (char *)"quiet" },
		{ .inode = 2, .label = (char *)"busy" },
	};
	struct cta_allns_item items[2] = {
		{ .ns = &ns[0],
		  .status = CTA_NETNS_OK,
		  .facts = json_pack("{s:{s:{s:i}}}", "sockets", "tcp", "LISTEN", 1) },
		{ .ns = &ns[1],
		  .status = CTA_NETNS_OK,
		  .facts = json_pack("{s:{s:{s:i}, s:[{s:s, s:i}]}}", "sockets", "tcp", "TIME_WAIT",
				     500, "time_wait_top", "peer", "10.0.0.5:5432", "count", 400) },
	};
	struct cta_allns a = { .v = items, .n = 2 };
	char *t;

	(void)state;
	t = cta_allns_top_text(&a, false);
	assert_non_null(t);
	/* largest first; a state without sockets counts 0 when sockets.tcp is known */
	assert_non_null(strstr(
		t,
		"\nbusy             500            0           -           -  10.0.0.5:5432 (400)\nquiet              0            0"));
	free(t);
	json_decref(items[0].facts);
	json_decref(items[1].facts);
}

/*
 * A child's plan in prose: an empty value is "(empty)", and the commands to
 * persist it are valid shell for a value with a space or a quote.
 */
static void test_plan_child_text(void **state)
{
	struct cta_netns ns[3] = {
		{ .inode = 2, .name = (char *)"red", .label = (char *)"red" },
		{ .inode = 3,
		  .pid = 7,
		  .container_id = (char *)"0123456789abcdef",
		  .runtime = (char *)"docker",
		  .label = (char *)"ctr" },
		{ .inode = 4, .pid = 8, .comm = (char *)"unshare", .label = (char *)"pid 8" },
	};
	struct cta_plan_sysctl s[2] = {
		{ .key = (char *)"net.ipv4.ip_local_reserved_ports",
		  .value = (char *)"15000",
		  .current = (char *)"",
		  .rule = (char *)"r1",
		  .runtime = CTA_PLAN_RT_SET },
		{ .key = (char *)"net.ipv4.ip_local_port_range",
		  .value = (char *)"1024 6'5000",
		  .current = (char *)"32768 60999",
		  .rule = (char *)"r2",
		  .runtime = CTA_PLAN_RT_SET },
	};
	struct cta_plan p = { .profile = (char *)"base", .sysctls = s, .n_sysctls = 2 };
	struct cta_allns_item items[3] = {
		{ .ns = &ns[0], .status = CTA_NETNS_OK, .plan = &p },
		{ .ns = &ns[1], .status = CTA_NETNS_OK, .plan = &p },
		{ .ns = &ns[2], .status = CTA_NETNS_OK, .plan = &p },
	};
	struct cta_allns a = { .v = items, .n = 3 };
	char *text;

	(void)state;
	text = cta_allns_plan_text(&a);
	assert_non_null(text);
	assert_non_null(
		strstr(text, "    net.ipv4.ip_local_reserved_ports: (empty) -> 15000  (r1)\n"));
	assert_null(strstr(text, ":  -> "));
	assert_non_null(strstr(text, "    ip netns exec red sysctl -w "
				     "net.ipv4.ip_local_port_range='1024 6'\\''5000'\n"));
	assert_non_null(strstr(text,
			       "docker run --sysctl net.ipv4.ip_local_reserved_ports='15000' "
			       "--sysctl net.ipv4.ip_local_port_range='1024 6'\\''5000' ...\n"));
	assert_non_null(strstr(text,
			       "persist: in whatever creates this namespace (unshare); the "
			       "host's sysctl.d files\n    are applied in the initial namespace "
			       "only\n"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audit_fold),	cmocka_unit_test(test_merge_host_facts),
		cmocka_unit_test(test_k8s_safe),	cmocka_unit_test(test_top),
		cmocka_unit_test(test_plan_child_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
