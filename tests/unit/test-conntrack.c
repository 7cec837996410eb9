// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "collect/collect.h"
#include "util/json.h"

#define FIX CTA_FIXTURES "/collect"

static json_t *collect(const struct cta_collect_opts *o)
{
	struct cta_collect_ctx c = { .opts = o, .facts = json_object() };

	assert_int_equal(cta_collect_conntrack(&c), 0);
	return c.facts;
}

static json_int_t geti(json_t *facts, const char *path)
{
	json_t *v = cta_json_path(facts, path);

	if (!json_is_integer(v))
		fail_msg("'%s' is not an integer", path);
	return json_integer_value(v);
}

static void test_proc_fallback(void **state)
{
	struct cta_collect_opts o = { .procfs = FIX "/proc",
				      .devfs = FIX "/dev",
				      .no_netlink = true };
	json_t *facts = collect(&o);

	assert_int_equal(geti(facts, "conntrack.count"), 120);
	assert_int_equal(geti(facts, "conntrack.max"), 262144);
	assert_int_equal(geti(facts, "conntrack.buckets"), 65536);
	assert_string_equal(json_string_value(cta_json_path(facts, "conntrack.stats_source")),
			    "proc");
	/* two CPU lines summed, hex; mapped by header name */
	assert_int_equal(geti(facts, "conntrack.stats.clash_resolve"), 0x1 + 0x10);
	assert_int_equal(geti(facts, "conntrack.stats.found"), 0x2 + 0xff);
	assert_int_equal(geti(facts, "conntrack.stats.invalid"), 3);
	assert_int_equal(geti(facts, "conntrack.stats.chaintoolong"), 4);
	assert_int_equal(geti(facts, "conntrack.stats.insert"), 0x5 + 0x100);
	assert_int_equal(geti(facts, "conntrack.stats.insert_failed"), 6);
	assert_int_equal(geti(facts, "conntrack.stats.drop"), 7 + 1);
	assert_int_equal(geti(facts, "conntrack.stats.early_drop"), 8);
	assert_int_equal(geti(facts, "conntrack.stats.error"), 9);
	assert_int_equal(geti(facts, "conntrack.stats.search_restart"), 0xa + 1);
	assert_int_equal(json_object_size(cta_json_path(facts, "conntrack.stats")), 10);
	assert_null(cta_json_path(facts, "conntrack.stats.entries"));
	assert_true(json_is_true(cta_json_path(facts, "conntrack.active")));
	assert_string_equal(json_string_value(cta_json_path(facts, "conntrack.active_reason")),
			    "120 entries in the table");
	/* 2 of 6 kmsg lines: the old and doubled-prefix spellings; the line "in
	 * netns 4026532177" is another namespace's (the fixture's self/ns/net
	 * has another inode) */
	assert_int_equal(geti(facts, "conntrack.table_full_messages"), 2);
	assert_null(json_object_get(facts, "unavailable"));
	json_decref(facts);
}

/* Without the sysctl files the count comes from the "entries" column: once, not per CPU. */
static void test_entries_not_summed(void **state)
{
	char tmpl[] = "/tmp/cta-ct-XXXXXX";
	char *cmd, *proc;
	json_t *facts, *u;
	struct cta_collect_opts o = { .devfs = "/nonexistent-dev", .no_netlink = true };

	assert_non_null(mkdtemp(tmpl));
	assert_int_not_equal(
		asprintf(&cmd,
			 "mkdir -p %s/net/stat && cp %s/proc/net/stat/nf_conntrack %s/net/stat/",
			 tmpl, FIX, tmpl),
		-1);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	proc = tmpl;
	o.procfs = proc;
	facts = collect(&o);
	assert_int_equal(geti(facts, "conntrack.count"), 120);
	assert_null(cta_json_path(facts, "conntrack.max"));
	assert_null(cta_json_path(facts, "conntrack.table_full_messages"));
	u = json_object_get(facts, "unavailable");
	assert_int_equal(json_array_size(u), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 0), "section")),
			    "conntrack.table_full_messages");
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 0), "reason")),
			    "no such file or directory");
	json_decref(facts);
	assert_int_not_equal(asprintf(&cmd, "rm -rf %s", tmpl), -1);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* A netns without conntrack in use: zero everywhere. */
static void test_inactive(void **state)
{
	char tmpl[] = "/tmp/cta-ct-XXXXXX";
	char *cmd;
	json_t *facts;
	struct cta_collect_opts o = { .devfs = FIX "/dev", .no_netlink = true };

	assert_non_null(mkdtemp(tmpl));
	assert_int_not_equal(
		asprintf(
			&cmd,
			"mkdir -p %s/net/stat %s/sys/net/netfilter && echo 0 > %s/sys/net/netfilter/nf_conntrack_count && "
			"printf 'entries  found invalid insert drop\\n00000000  00000000 00000000 00000000 00000000\\n' > %s/net/stat/nf_conntrack",
			tmpl, tmpl, tmpl, tmpl),
		-1);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	o.procfs = tmpl;
	facts = collect(&o);
	assert_int_equal(geti(facts, "conntrack.count"), 0);
	assert_true(json_is_false(cta_json_path(facts, "conntrack.active")));
	assert_int_equal(json_object_size(cta_json_path(facts, "conntrack.stats")), 4);
	json_decref(facts);
	assert_int_not_equal(asprintf(&cmd, "rm -rf %s", tmpl), -1);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void test_no_conntrack(void **state)
{
	struct cta_collect_opts o = { .procfs = FIX "/no-such-proc",
				      .devfs = FIX "/dev",
				      .no_netlink = true };
	json_t *facts = collect(&o);
	json_t *u = json_object_get(facts, "unavailable");

	assert_null(cta_json_path(facts, "conntrack.count"));
	assert_null(cta_json_path(facts, "conntrack.active"));
	assert_int_equal(json_array_size(u), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 0), "section")),
			    "conntrack.stats");
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 1), "section")),
			    "conntrack");
	json_decref(facts);
}

static void test_offline(void **state)
{
	struct cta_collect_opts o = { .procfs = FIX "/proc", .offline = true };
	json_t *facts = collect(&o);

	assert_null(json_object_get(facts, "conntrack"));
	assert_string_equal(
		json_string_value(cta_json_path(
			json_array_get(json_object_get(facts, "unavailable"), 0), "reason")),
		"offline");
	json_decref(facts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_fallback), cmocka_unit_test(test_entries_not_summed),
		cmocka_unit_test(test_inactive),      cmocka_unit_test(test_no_conntrack),
		cmocka_unit_test(test_offline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
