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
#include "util/macro.h"

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
	/* 3 of 6 kmsg lines: old, doubled-prefix and per-netns spellings */
	assert_int_equal(geti(facts, "conntrack.table_full_messages"), 3);
	/* no host section: this namespace is unknown, so no line is blamed on it */
	assert_true(json_is_true(cta_json_path(facts, "conntrack.table_full.names_netns")));
	assert_int_equal(geti(facts, "conntrack.table_full.this_netns"), 0);
	assert_int_equal(geti(facts, "conntrack.table_full.other_netns"), 1);
	assert_int_equal(geti(facts, "conntrack.table_full.unattributed"), 2);
	assert_null(cta_json_path(facts, "conntrack.table_full.this_netns_in_interval"));
	assert_null(json_object_get(facts, "unavailable"));
	json_decref(facts);
}

/* One entry is "1 entry", not "1 entries". */
static void test_active_reason_one(void **state)
{
	char tmp[] = "/tmp/cta-ct-XXXXXX", *cmd = NULL, *procfs = NULL, *devfs = NULL;
	struct cta_collect_opts o = { .no_netlink = true };
	json_t *facts;

	assert_non_null(mkdtemp(tmp));
	assert_true(asprintf(&cmd,
			     "cp -r '%1$s/proc' '%1$s/dev' '%2$s/' && "
			     "echo 1 > '%2$s/proc/sys/net/netfilter/nf_conntrack_count'",
			     FIX, tmp) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_true(asprintf(&procfs, "%s/proc", tmp) > 0);
	assert_true(asprintf(&devfs, "%s/dev", tmp) > 0);
	o.procfs = procfs;
	o.devfs = devfs;
	facts = collect(&o);
	assert_int_equal(geti(facts, "conntrack.count"), 1);
	assert_string_equal(json_string_value(cta_json_path(facts, "conntrack.active_reason")),
			    "1 entry in the table");
	json_decref(facts);
	assert_true(asprintf(&cmd, "rm -rf '%s'", tmp) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd), free(procfs), free(devfs);
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
	/* a module that is not loaded is not a kernel without conntrack */
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 1), "reason")),
			    "nf_conntrack is not loaded (or not built into this kernel)");
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

/* One record each: the spellings the kernel used, and near misses. */
static void test_table_full_records(void **state)
{
	static const struct {
		const char *rec;
		int kind; /* 0 none, 1 unnamed, 2 named self, 3 named other */
		bool recent; /* since 5 s */
	} t[] = {
		{ "4,1,2000000,-;nf_conntrack: table full, dropping packet", 1, false },
		{ "4,1,6000000,-;nf_conntrack: nf_conntrack: table full, dropping packet", 1,
		  true },
		{ "4,1,6000000,-,caller=T1;nf_conntrack: table full in netns 7, dropping packet", 2,
		  true },
		{ "4,1,5000000,-;nf_conntrack: table full in netns 8, dropping packet", 3, false },
		{ "4,1,4999999,-;nf_conntrack: table full in netns 7, dropping packet", 2, false },
		{ "[    4.999999] nf_conntrack: table full, dropping packet.", 1, false },
		{ "[    5.000000] nf_conntrack: table full, dropping packet", 1, true },
		{ "[  123] nf_conntrack: table full, dropping packet", 1, true },
		/* no timestamp: cannot be placed, so it counts as recent */
		{ "nf_conntrack: table full, dropping packet", 1, true },
		{ "4,1,9000000,-;nf_conntrack: table full in netns , dropping packet", 0, false },
		{ "4,1,9000000,-;nf_conntrack: table full in netns 7 dropping packet", 0, false },
		{ "4,1,9000000,-;nf_conntrack: table full in netns 99999999999999999999999, dropping packet",
		  0, false },
		{ "4,1,9000000,-;nf_conntrack: table full", 0, false },
		{ "4,1,9000000,-;conntrack table full? no", 0, false },
		{ "4,1,9000000,-;ip_conntrack: table full, dropping packet.", 0, false },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct cta_table_full tf = {};

		cta_table_full_add(&tf, t[i].rec, 7, true, 5000000);
		if (tf.total != (t[i].kind != 0) || tf.unnamed != (t[i].kind == 1) ||
		    tf.named_self != (t[i].kind == 2) || tf.named_other != (t[i].kind == 3) ||
		    tf.unnamed_recent + tf.named_self_recent !=
			    (t[i].recent && t[i].kind != 3 && t[i].kind != 0))
			fail_msg(
				"record %zu '%s': total %llu unnamed %llu self %llu other %llu recent %llu",
				i, t[i].rec, (unsigned long long)tf.total,
				(unsigned long long)tf.unnamed, (unsigned long long)tf.named_self,
				(unsigned long long)tf.named_other,
				(unsigned long long)(tf.unnamed_recent + tf.named_self_recent));
	}
}

/* Attribution by kernel and namespace: the kernel names non-initial namespaces since 6.17. */
static void test_table_full_attribution(void **state)
{
	static const struct cta_table_full unnamed_only = { .total = 4,
							    .unnamed = 4,
							    .unnamed_recent = 1 };
	static const struct cta_table_full mixed = { .total = 6,
						     .unnamed = 1,
						     .named_self = 2,
						     .named_self_recent = 1,
						     .named_other = 3,
						     .named = true };
	static const struct {
		const struct cta_table_full *tf;
		const char *kernel;
		int is_init;
		bool names;
		uint64_t self, self_recent, other, anon, anon_recent;
	} t[] = {
		/* before 6.17: nobody can tell whose */
		{ &unnamed_only, "5.15.0-91-generic", 1, false, 0, 0, 0, 4, 1 },
		{ &unnamed_only, "6.16.9", 0, false, 0, 0, 0, 4, 1 },
		{ &unnamed_only, NULL, 0, false, 0, 0, 0, 4, 1 },
		/* 6.17+: unnamed lines are the initial namespace's */
		{ &unnamed_only, "6.17.0", 1, true, 4, 1, 0, 0, 0 },
		{ &unnamed_only, "6.18.44-fc-v595", 0, true, 0, 0, 4, 0, 0 },
		{ &unnamed_only, "7.0", -1, true, 0, 0, 0, 4, 1 },
		/* a named line proves a naming kernel whatever the release says */
		{ &mixed, "5.10.0", 0, true, 2, 1, 4, 0, 0 },
		{ &mixed, "6.18.1", 1, true, 3, 1, 3, 0, 0 },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct cta_table_full_result r;

		assert_int_equal(cta_table_full_attribute(t[i].tf, t[i].kernel, t[i].is_init, &r),
				 0);
		if (r.names_netns != t[i].names || r.this_netns != t[i].self ||
		    r.this_netns_recent != t[i].self_recent || r.other_netns != t[i].other ||
		    r.unattributed != t[i].anon || r.unattributed_recent != t[i].anon_recent)
			fail_msg("case %zu: names %d self %llu/%llu other %llu anon %llu/%llu", i,
				 r.names_netns, (unsigned long long)r.this_netns,
				 (unsigned long long)r.this_netns_recent,
				 (unsigned long long)r.other_netns,
				 (unsigned long long)r.unattributed,
				 (unsigned long long)r.unattributed_recent);
	}
}

static json_t *collect_as(const char *dev, const char *kernel, const char *netns, json_int_t ino,
			  bool have_since, uint64_t since)
{
	struct cta_collect_opts o = { .procfs = FIX "/proc", .devfs = dev, .no_netlink = true };
	struct cta_collect_ctx c = {
		.opts = &o, .facts = json_object(), .have_since = have_since, .since_mono_us = since
	};

	assert_int_equal(json_object_set_new(c.facts, "host",
					     json_pack("{s:s, s:s, s:I}", "kernel", kernel, "netns",
						       netns, "netns_inode", ino)),
			 0);
	assert_int_equal(cta_collect_conntrack(&c), 0);
	return c.facts;
}

/* Recorded kernel logs: a 6.18 host with three namespaces, a 5.15 host that names none. */
static void test_table_full_fixtures(void **state)
{
	json_t *f;

	/* 6.18, namespace 4026532300: its own two lines, two of them since 5 s */
	f = collect_as(FIX "/kmsg/new-6.18", "6.18.44", "other", 4026532300, true, 5000000);
	assert_int_equal(geti(f, "conntrack.table_full_messages"), 6);
	assert_int_equal(geti(f, "conntrack.table_full.this_netns"), 2);
	assert_int_equal(geti(f, "conntrack.table_full.this_netns_in_interval"), 1);
	assert_int_equal(geti(f, "conntrack.table_full.other_netns"), 4);
	assert_int_equal(geti(f, "conntrack.table_full.unattributed"), 0);
	json_decref(f);
	/* a fresh namespace on the same host: nothing is its */
	f = collect_as(FIX "/kmsg/new-6.18", "6.18.44", "other", 4026532999, false, 0);
	assert_int_equal(geti(f, "conntrack.table_full.this_netns"), 0);
	assert_int_equal(geti(f, "conntrack.table_full.other_netns"), 6);
	assert_null(cta_json_path(f, "conntrack.table_full.this_netns_in_interval"));
	json_decref(f);
	/* the initial namespace owns the unnamed line */
	f = collect_as(FIX "/kmsg/new-6.18", "6.18.44", "init", 4026531840, false, 0);
	assert_int_equal(geti(f, "conntrack.table_full.this_netns"), 1);
	assert_int_equal(geti(f, "conntrack.table_full.other_netns"), 5);
	json_decref(f);
	/* 5.15: five unnamed lines (one without a timestamp), from any namespace */
	f = collect_as(FIX "/kmsg/old-5.15", "5.15.0-91-generic", "other", 4026532300, true,
		       99500000);
	assert_int_equal(geti(f, "conntrack.table_full_messages"), 5);
	assert_true(json_is_false(cta_json_path(f, "conntrack.table_full.names_netns")));
	assert_int_equal(geti(f, "conntrack.table_full.this_netns"), 0);
	assert_int_equal(geti(f, "conntrack.table_full.unattributed"), 5);
	assert_int_equal(geti(f, "conntrack.table_full.unattributed_in_interval"), 2);
	json_decref(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_fallback),
		cmocka_unit_test(test_active_reason_one),
		cmocka_unit_test(test_entries_not_summed),
		cmocka_unit_test(test_inactive),
		cmocka_unit_test(test_no_conntrack),
		cmocka_unit_test(test_offline),
		cmocka_unit_test(test_table_full_records),
		cmocka_unit_test(test_table_full_attribution),
		cmocka_unit_test(test_table_full_fixtures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
