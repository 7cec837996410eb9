// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include "collect/collect.h"
#include "util/json.h"

#define FIX CTA_FIXTURES "/collect"

static json_t *collect(const struct cta_collect_opts *o)
{
	struct cta_collect_ctx c = { .opts = o, .facts = json_object() };

	assert_int_equal(cta_collect_host(&c), 0);
	return c.facts;
}

static void test_fixture(void **state)
{
	struct cta_collect_opts o = { .procfs = FIX "/proc", .sysfs = FIX "/sys" };
	json_t *facts = collect(&o);
	struct utsname u;

	assert_int_equal(uname(&u), 0);
	assert_string_equal(json_string_value(cta_json_path(facts, "host.kernel")), u.release);
	assert_string_equal(json_string_value(cta_json_path(facts, "host.hostname")), u.nodename);
	/* "0-3,6" */
	assert_int_equal(json_integer_value(cta_json_path(facts, "host.cpus")), 5);
	assert_int_equal(json_integer_value(cta_json_path(facts, "host.memory_bytes")),
			 16266804LL * 1024);
	/* two different files stand for two namespaces */
	assert_string_equal(json_string_value(cta_json_path(facts, "host.netns")), "other");
	assert_true(json_is_integer(cta_json_path(facts, "host.netns_inode")));
	assert_null(json_object_get(facts, "unavailable"));
	json_decref(facts);
}

static void test_init_netns(void **state)
{
	char tmpl[] = "/tmp/cta-host-XXXXXX";
	char *cmd;
	json_t *facts;
	struct cta_collect_opts o = { .sysfs = FIX "/sys" };

	assert_non_null(mkdtemp(tmpl));
	assert_int_not_equal(
		asprintf(
			&cmd,
			"cp -a %s/proc/. %s/ && rm %s/1/ns/net && ln -s ../../self/ns/net %s/1/ns/net",
			FIX, tmpl, tmpl, tmpl),
		-1);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	o.procfs = tmpl;
	facts = collect(&o);
	assert_string_equal(json_string_value(cta_json_path(facts, "host.netns")), "init");
	json_decref(facts);
	assert_int_not_equal(asprintf(&cmd, "rm -rf %s", tmpl), -1);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void test_offline(void **state)
{
	static const char *const sections[] = { "host.cpus", "host.memory_bytes", "host.netns" };
	struct cta_collect_opts o = { .root = FIX "/image", .offline = true };
	json_t *facts = collect(&o), *u;

	/* version order, not string order: 6.1.0-13 > 6.1.0-9 > 5.10.0-20 */
	assert_string_equal(json_string_value(cta_json_path(facts, "host.kernel")),
			    "6.1.0-13-amd64");
	assert_string_equal(json_string_value(cta_json_path(facts, "host.hostname")), "img1");
	assert_null(cta_json_path(facts, "host.cpus"));
	assert_null(cta_json_path(facts, "host.netns"));
	u = json_object_get(facts, "unavailable");
	assert_int_equal(json_array_size(u), 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(
			json_string_value(json_object_get(json_array_get(u, i), "section")),
			sections[i]);
		assert_string_equal(
			json_string_value(json_object_get(json_array_get(u, i), "reason")),
			"offline");
	}
	json_decref(facts);

	o.kernel = "5.15.0-91-generic";
	facts = collect(&o);
	assert_string_equal(json_string_value(cta_json_path(facts, "host.kernel")),
			    "5.15.0-91-generic");
	json_decref(facts);

	/* no lib/modules and no --kernel: kernel unknown, said so */
	o.kernel = NULL;
	o.root = FIX "/sysctl-root";
	facts = collect(&o);
	assert_null(cta_json_path(facts, "host.kernel"));
	assert_null(cta_json_path(facts, "host.hostname"));
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(facts, "unavailable"), 0), "section")),
		"host.kernel");
	json_decref(facts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_init_netns),
		cmocka_unit_test(test_offline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
