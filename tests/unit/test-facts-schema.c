// SPDX-License-Identifier: GPL-2.0-or-later
/* The facts schema: snapshot validation with JSON-pointer locations. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "util/facts-schema.h"
#include "util/json.h"
#include "util/macro.h"

static const struct {
	const char *facts;
	const char *pointer; /* NULL: valid */
} cases[] = {
	{ "{\"schema_version\": 1}", NULL },
	{ "{\"conntrack\": {\"count\": 834, \"max\": 262144, \"stats\": {\"drop\": 0}}}", NULL },
	{ "{\"conntrack\": {\"count\": \"lots\"}}", "/conntrack/count" },
	{ "{\"conntrack\": {\"count\": -1}}", "/conntrack/count" },
	{ "{\"conntrack\": {\"count\": 1.5}}", "/conntrack/count" },
	{ "{\"conntrack\": {\"stats\": {\"drop\": -3}}}", "/conntrack/stats/drop" },
	{ "{\"conntrack\": {\"active\": \"yes\"}}", "/conntrack/active" },
	{ "{\"host\": {\"cpus\": \"two\"}}", "/host/cpus" },
	{ "{\"host\": []}", "/host" },
	{ "{\"sysctl\": {\"net.ipv4.tcp_tw_reuse\": 2}}", "/sysctl/net.ipv4.tcp_tw_reuse" },
	{ "{\"sysctl\": {\"a/b~c\": null}}", "/sysctl/a~1b~0c" },
	{ "{\"sockets\": {\"tcp\": {\"TIME_WAIT\": \"many\"}}}", "/sockets/tcp/TIME_WAIT" },
	{ "{\"sockets\": {\"listening\": [{\"port\": 22}, {\"port\": 70000}]}}",
	  "/sockets/listening/1/port" },
	{ "{\"sockets\": {\"time_wait_top\": [{\"peer\": 1, \"count\": 2}]}}",
	  "/sockets/time_wait_top/0/peer" },
	{ "{\"netstat\": {\"Tcp\": {\"MaxConn\": -1}}}", NULL },
	{ "{\"netstat\": {\"Tcp\": {\"MaxConn\": \"x\"}}}", "/netstat/Tcp/MaxConn" },
	{ "{\"persisted\": {\"k\": {\"value\": \"1\", \"overridden\": [{\"line\": -2}]}}}",
	  "/persisted/k/overridden/0/line" },
	{ "{\"firewall\": {\"notrack\": [1]}}", "/firewall/notrack/0" },
	{ "{\"unavailable\": [{\"section\": 3}]}", "/unavailable/0/section" },
	/* unknown fields are kept and ignored, at any depth */
	{ "{\"future\": {\"x\": \"y\"}, \"host\": {\"uptime\": \"long\"}, "
	  "\"conntrack\": {\"rates\": [1, \"a\"]}}",
	  NULL },
};

static void test_validate(void **state)
{
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_json_ json_t *j = json_loads(cases[i].facts, 0, NULL);
		_cleanup_free_ char *ptr = NULL, *msg = NULL;
		int r;

		assert_non_null(j);
		r = cta_facts_validate(j, &ptr, &msg);
		if (!cases[i].pointer) {
			if (r != 0)
				fail_msg("case %zu: %s: %s %s", i, cases[i].facts, ptr, msg);
			continue;
		}
		assert_int_equal(r, -EINVAL);
		assert_non_null(msg);
		if (!streq(ptr, cases[i].pointer))
			fail_msg("case %zu: pointer '%s', want '%s'", i, ptr, cases[i].pointer);
	}
}

/* Strings are bounded everywhere, also in fields the schema does not know. */
static void test_long_string(void **state)
{
	_cleanup_free_ char *big = malloc(CTA_FACTS_MAX_STRING + 2);
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *ptr = NULL, *msg = NULL;

	assert_non_null(big);
	memset(big, 'a', CTA_FACTS_MAX_STRING + 1);
	big[CTA_FACTS_MAX_STRING + 1] = 0;
	j = json_pack("{s:{s:[s]}}", "future", "x", big);
	assert_int_equal(cta_facts_validate(j, &ptr, &msg), -EINVAL);
	assert_string_equal(ptr, "/future/x/0");
	assert_string_equal(msg, "a string longer than 65536 bytes");
	big[CTA_FACTS_MAX_STRING] = 0;
	json_decref(j);
	j = json_pack("{s:{s:s}}", "host", "hostname", big);
	free(ptr);
	free(msg);
	ptr = msg = NULL;
	assert_int_equal(cta_facts_validate(j, &ptr, &msg), 0);
}

static void test_messages(void **state)
{
	_cleanup_json_ json_t *j = json_loads("{\"host\": {\"cpus\": \"two\"}}", 0, NULL);
	_cleanup_free_ char *ptr = NULL, *msg = NULL;

	assert_int_equal(cta_facts_validate(j, &ptr, &msg), -EINVAL);
	assert_string_equal(msg, "expected a non-negative integer, not the string \"two\"");
}

static void test_paths(void **state)
{
	const struct cta_fact_schema *ct = cta_fact_schema_member(&cta_facts_schema, "conntrack");

	assert_non_null(ct);
	assert_non_null(cta_fact_schema_member(ct, "count"));
	assert_null(cta_fact_schema_member(ct, "cuont"));
	assert_null(cta_fact_schema_member(&cta_facts_schema, "nope"));
	/* maps have no member list: any key */
	assert_null(cta_fact_schema_member(&cta_facts_schema, "sysctl")->members);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_long_string),
		cmocka_unit_test(test_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
