// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * facts.helpers from fixture trees (tests/fixtures/helpers/): "available"
 * combines /proc/modules, /sys/module and the kernel config; "in_use" counts
 * expectations per helper.  The first line of proc/net/nf_conntrack_expect
 * was recorded from a 6.18 kernel with the ftp helper (recorded-expect-ftp.txt);
 * the others follow the kernel's exp_seq_show() format.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "collect/collect.h"
#include "util/json.h"

#define FIX CTA_FIXTURES "/helpers"

static char *section(json_t *facts, const char *key)
{
	return json_dumps(json_object_get(json_object_get(facts, "helpers"), key),
			  JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_COMPACT);
}

static void expect_json(json_t *facts, const char *key, const char *want)
{
	char *got = section(facts, key);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_live_tree(void **state)
{
	struct cta_collect_opts o = {
		.root = FIX "/root",
		.procfs = FIX "/proc",
		.sysfs = FIX "/sys",
		.kernel = "6.1.0-test",
		.no_netlink = true,
	};
	_cleanup_json_ json_t *facts = json_object();
	struct cta_collect_ctx c = { .opts = &o, .facts = facts };

	assert_int_equal(cta_collect_helpers(&c), 0);
	/* modules: ftp sip; sys: irc tftp; config: ftp pptp (=m); not helpers:
	 * netlink, broadcast, nf_conntrack itself; "is not set" and =n ignored */
	expect_json(facts, "available", "[\"ftp\",\"irc\",\"pptp\",\"sip\",\"tftp\"]");
	expect_json(facts, "available_sources",
		    "[\"/proc/modules\",\"/sys/module\",\"/boot/config-6.1.0-test\"]");
	/* flags-only (USERSPACE) and helper-less lines count for nobody; "/policy" is cut */
	expect_json(facts, "in_use", "{\"Q.931\":1,\"ftp\":2,\"sip\":1,\"tftp\":1}");
	expect_json(facts, "in_use_detail",
		    "{\"Q.931\":{\"entries\":0,\"expectations\":1},"
		    "\"ftp\":{\"entries\":0,\"expectations\":2},"
		    "\"sip\":{\"entries\":0,\"expectations\":1},"
		    "\"tftp\":{\"entries\":0,\"expectations\":1}}");
	expect_json(facts, "in_use_source", "\"expectations\"");
	assert_null(json_object_get(facts, "unavailable"));
	/* no --deep: facts.conntrack is not touched */
	assert_null(json_object_get(facts, "conntrack"));
}

static void test_assigned_untouched(void **state)
{
	struct cta_collect_opts o = {
		.procfs = FIX "/proc",
		.sysfs = FIX "/sys",
		.kernel = "none",
		.no_netlink = true,
	};
	_cleanup_json_ json_t *facts = json_pack("{s:{s:[{s:s, s:s}]}}", "helpers", "assigned",
						 "helper", "ftp", "source", "nft");
	struct cta_collect_ctx c = { .opts = &o, .facts = facts };

	assert_int_equal(cta_collect_helpers(&c), 0);
	expect_json(facts, "assigned", "[{\"helper\":\"ftp\",\"source\":\"nft\"}]");
	/* no config for kernel "none": two sources */
	expect_json(facts, "available_sources", "[\"/proc/modules\",\"/sys/module\"]");
	expect_json(facts, "available", "[\"ftp\",\"irc\",\"sip\",\"tftp\"]");
	/* netlink off: entries cannot be counted even though a helper is assigned */
	expect_json(facts, "in_use_source", "\"expectations\"");
}

static void test_offline(void **state)
{
	struct cta_collect_opts o = {
		.root = FIX "/root",
		.procfs = FIX "/proc",
		.sysfs = FIX "/sys",
		.offline = true,
		.kernel = "6.1.0-test",
	};
	_cleanup_json_ json_t *facts = json_object();
	struct cta_collect_ctx c = { .opts = &o, .facts = facts };

	assert_int_equal(cta_collect_helpers(&c), 0);
	/* the image's kernel config only; nothing of the running kernel */
	expect_json(facts, "available", "[\"ftp\",\"pptp\"]");
	expect_json(facts, "available_sources", "[\"/boot/config-6.1.0-test\"]");
	assert_null(json_object_get(json_object_get(facts, "helpers"), "in_use"));
}

static void test_nothing_readable(void **state)
{
	struct cta_collect_opts o = {
		.root = FIX "/nonexistent",
		.procfs = FIX "/nonexistent",
		.sysfs = FIX "/nonexistent",
		.kernel = "6.1.0-test",
		.no_netlink = true,
	};
	_cleanup_json_ json_t *facts = json_object();
	struct cta_collect_ctx c = { .opts = &o, .facts = facts };
	json_t *u;

	assert_int_equal(cta_collect_helpers(&c), 0);
	expect_json(facts, "available", "[]");
	expect_json(facts, "in_use", "{}");
	u = json_object_get(facts, "unavailable");
	assert_int_equal(json_array_size(u), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 0), "section")),
			    "helpers.available");
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(u, 0), "reason")),
		"none of /proc/modules, /sys/module, /boot/config-6.1.0-test is readable");
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 1), "section")),
			    "helpers.in_use");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_tree),
		cmocka_unit_test(test_assigned_untouched),
		cmocka_unit_test(test_offline),
		cmocka_unit_test(test_nothing_readable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
