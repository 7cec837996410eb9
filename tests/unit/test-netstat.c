// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "collect/collect.h"
#include "util/json.h"

#define FIX CTA_FIXTURES "/collect"

static json_t *collect(const struct cta_collect_opts *o)
{
	struct cta_collect_ctx c = { .opts = o, .facts = json_object() };

	assert_int_equal(cta_collect_netstat(&c), 0);
	return c.facts;
}

static void test_parse(void **state)
{
	static const struct {
		const char *path;
		json_int_t v;
	} want[] = {
		{ "netstat.TcpExt.SyncookiesSent", 0 },
		{ "netstat.TcpExt.PAWSPassive", 2 },
		{ "netstat.TcpExt.TW", 11 },
		{ "netstat.TcpExt.TCPTimeWaitOverflow", 5 },
		{ "netstat.IpExt.InOctets", 123456789012LL },
		{ "netstat.Ip.Forwarding", 2 },
		{ "netstat.Tcp.MaxConn", -1 },
		{ "netstat.Tcp.CurrEstab", 4 },
		{ "netstat.Udp.InDatagrams", 26 },
		{ "netstat.Udp.NoPorts", 1 },
		/* neighbour cache: entries repeats per CPU (kept once), the rest is summed */
		{ "netstat.ArpCache.entries", 1024 },
		{ "netstat.ArpCache.table_fulls", 7 },
		{ "netstat.ArpCache.forced_gc_runs", 4 },
		{ "netstat.ArpCache.allocs", 0x32 + 0x29 },
	};
	struct cta_collect_opts o = { .procfs = FIX "/proc" };
	json_t *facts = collect(&o), *v;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		v = cta_json_path(facts, want[i].path);
		if (!json_is_integer(v))
			fail_msg("'%s' missing or not an integer", want[i].path);
		assert_int_equal(json_integer_value(v), want[i].v);
	}
	/* an unsigned counter past INT64_MAX survives as a number */
	v = cta_json_path(facts, "netstat.TcpExt.TCPOrigDataSent");
	assert_true(json_is_real(v));
	assert_true(json_real_value(v) > 1.8e19);
	/* TcpExt, IpExt, Ip, Tcp, Udp and ArpCache; no ndisc_cache in the fixture */
	assert_int_equal(json_object_size(json_object_get(facts, "netstat")), 6);
	assert_int_equal(json_object_size(cta_json_path(facts, "netstat.ArpCache")), 13);
	assert_int_equal(json_object_size(cta_json_path(facts, "netstat.TcpExt")), 6);
	assert_int_equal(json_object_size(cta_json_path(facts, "netstat.Tcp")), 6);
	assert_null(json_object_get(facts, "unavailable"));
	json_decref(facts);
}

static void test_missing(void **state)
{
	struct cta_collect_opts o = { .procfs = FIX "/no-such-proc" };
	json_t *facts = collect(&o);
	json_t *u = json_object_get(facts, "unavailable");

	assert_null(json_object_get(facts, "netstat"));
	assert_int_equal(json_array_size(u), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 0), "reason")),
			    "cannot read '" FIX
			    "/no-such-proc/net/netstat': no such file or directory");
	json_decref(facts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
