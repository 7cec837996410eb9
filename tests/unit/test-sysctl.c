// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "collect/collect.h"
#include "util/sysctl.h"
#include "util/json.h"

#define PROC CTA_FIXTURES "/collect/proc"

static json_t *collect(const struct cta_collect_opts *o)
{
	struct cta_collect_ctx c = { .opts = o, .facts = json_object() };

	assert_non_null(c.facts);
	assert_int_equal(cta_collect_sysctl(&c), 0);
	return c.facts;
}

static void test_names(void **state)
{
	static const struct {
		const char *in, *norm, *path;
	} t[] = {
		{ "net.ipv4.tcp_tw_reuse", "net.ipv4.tcp_tw_reuse", "net/ipv4/tcp_tw_reuse" },
		{ "net/ipv4/tcp_tw_reuse", "net.ipv4.tcp_tw_reuse", "net/ipv4/tcp_tw_reuse" },
		/* a '.' in an interface name is '/' in dotted notation */
		{ "net.ipv4.conf.eth0/100.rp_filter", "net.ipv4.conf.eth0/100.rp_filter",
		  "net/ipv4/conf/eth0.100/rp_filter" },
		{ "net/ipv4/conf/eth0.100/rp_filter", "net.ipv4.conf.eth0/100.rp_filter",
		  "net/ipv4/conf/eth0.100/rp_filter" },
		{ "net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-iptables",
		  "net/bridge/bridge-nf-call-iptables" },
		{ "kernel", "kernel", "kernel" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *n = cta_sysctl_normalize_key(t[i].in);
		char *p = cta_sysctl_key_to_path(n);
		char *back = cta_sysctl_path_to_key(p);

		assert_string_equal(n, t[i].norm);
		assert_string_equal(p, t[i].path);
		assert_string_equal(back, t[i].norm);
		free(n);
		free(p);
		free(back);
	}
}

static void test_fixture_tree(void **state)
{
	static const char *const extra[] = {
		"net.ipv4.conf.eth0/100.rp_filter", /* dotted, '.' in the name as '/' */
		"net.core.rmem_max",
		"net.core.no_such_key",
		"net.ipv4.conf.eth0.100.rp_filter", /* wrong notation: no such key */
		"net/../../meminfo", /* must not climb out of /proc/sys */
		"net.ipv4.conf.*.rp_filter", /* a glob: every match */
		"net.ipv4.conf.*.no_such_key",
		NULL,
	};
	struct cta_collect_opts o = { .procfs = PROC, .extra_sysctls = extra };
	json_t *facts = collect(&o), *s = json_object_get(facts, "sysctl");
	static const struct {
		const char *key, *value;
	} want[] = {
		{ "net.ipv4.tcp_tw_reuse", "2" },
		{ "net.ipv4.tcp_fin_timeout", "60" },
		{ "net.ipv4.tcp_rmem", "4096 131072 6291456" },
		{ "net.ipv4.tcp_keepalive_time", "7200" },
		{ "net.ipv4.tcp_available_congestion_control", "reno cubic" },
		{ "net.ipv4.ip_local_port_range", "32768 60999" },
		{ "net.ipv4.ip_local_reserved_ports", "" },
		{ "net.ipv4.ip_unprivileged_port_start", "1024" },
		{ "net.ipv4.ip_forward", "1" },
		{ "net.core.somaxconn", "4096" },
		{ "net.netfilter.nf_conntrack_count", "120" },
		{ "net.netfilter.nf_conntrack_max", "262144" },
		{ "net.netfilter.nf_conntrack_buckets", "65536" },
		{ "net.netfilter.nf_conntrack_tcp_timeout_established", "432000" },
		{ "net.bridge.bridge-nf-call-iptables", "1" },
		{ "net.bridge.bridge-nf-call-ip6tables", "0" },
		{ "net.ipv4.conf.eth0/100.rp_filter", "1" },
		{ "net.core.rmem_max", "212992" },
		{ "net.ipv4.conf.lo.rp_filter", "0" },
		/* a secret: present, never its value */
		{ "net.ipv4.tcp_fastopen_key", "<redacted>" },
	};

	assert_non_null(s);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		json_t *v = json_object_get(s, want[i].key);

		if (!v)
			fail_msg("missing '%s'", want[i].key);
		assert_string_equal(json_string_value(v), want[i].value);
	}
	/* exactly these: absent keys stay absent, other prefixes are not collected */
	assert_int_equal(json_object_size(s), sizeof(want) / sizeof(want[0]));
	assert_null(json_object_get(s, "net.core.netdev_max_backlog"));
	assert_null(json_object_get(s, "net.ipv4.udp_mem"));
	assert_null(json_object_get(s, "net.bridge.bridge-nf-filter-vlan-tagged"));
	assert_null(json_object_get(s, "net.netfilter.nf_log_all_netns"));
	assert_null(json_object_get(facts, "unavailable"));
	json_decref(facts);
}

static void test_offline(void **state)
{
	struct cta_collect_opts o = { .procfs = PROC, .offline = true };
	json_t *facts = collect(&o);
	json_t *u = json_object_get(facts, "unavailable");

	assert_null(json_object_get(facts, "sysctl"));
	assert_int_equal(json_array_size(u), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 0), "section")),
			    "sysctl");
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 0), "reason")),
			    "offline");
	json_decref(facts);
}

static void test_missing_proc(void **state)
{
	struct cta_collect_opts o = { .procfs = CTA_FIXTURES "/collect/no-such-proc" };
	json_t *facts = collect(&o);

	/* nothing there: an empty section, nothing invented */
	assert_int_equal(json_object_size(json_object_get(facts, "sysctl")), 0);
	json_decref(facts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_fixture_tree),
		cmocka_unit_test(test_offline),
		cmocka_unit_test(test_missing_proc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
