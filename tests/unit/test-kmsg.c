// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "collect/collect.h"
#include "collect/kmsg.h"
#include "util/json.h"
#include "util/macro.h"

#define FIX CTA_FIXTURES "/collect"

static json_int_t geti(json_t *facts, const char *path)
{
	json_t *v = cta_json_path(facts, path);

	if (!json_is_integer(v))
		fail_msg("'%s' is not an integer", path);
	return json_integer_value(v);
}

/* The spellings tcp_syn_flood_action() used, and near misses. */
static void test_parse(void **state)
{
	static const struct {
		const char *msg;
		bool ok;
		const char *addr; /* NULL: no address printed */
		unsigned port;
		bool cookies;
	} t[] = {
		/* before 6.2: the SYN's destination port, no address */
		{ "TCP: request_sock_TCP: Possible SYN flooding on port 5400. Sending cookies.  Check SNMP counters.",
		  true, NULL, 5400, true },
		{ "TCP: request_sock_TCPv6: Possible SYN flooding on port 443. Dropping request.  Check SNMP counters.",
		  true, NULL, 443, false },
		/* 2.6 era */
		{ "TCP: possible SYN flooding on port 80. Sending cookies.", true, NULL, 80, true },
		/* 6.2+: the listener's bound address */
		{ "TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:7001. Sending cookies.",
		  true, "0.0.0.0", 7001, true },
		{ "TCP: request_sock_TCP: Possible SYN flooding on port 127.0.0.1:7003. Dropping request.",
		  true, "127.0.0.1", 7003, false },
		{ "TCP: request_sock_TCPv6: Possible SYN flooding on port [::]:7002. Dropping request.",
		  true, "::", 7002, false },
		{ "TCP: request_sock_TCPv6: Possible SYN flooding on port [2001:db8::10]:443. Sending cookies.",
		  true, "2001:db8::10", 443, true },
		{ "TCP: request_sock_TCPv6: Possible SYN flooding on port [::ffff:10.0.0.1]:80. Sending cookies.",
		  true, "::ffff:10.0.0.1", 80, true },
		{ "Possible SYN flooding on port 65535. Dropping request.", true, NULL, 65535,
		  false },
		/* garbage */
		{ "TCP: Possible SYN flooding on port 70001. Dropping request.", false, NULL, 0,
		  false },
		{ "TCP: Possible SYN flooding on port 0.0.0.0:70001. Dropping request.", false,
		  NULL, 0, false },
		{ "TCP: Possible SYN flooding on port [::1:443. Dropping request.", false, NULL, 0,
		  false },
		{ "TCP: Possible SYN flooding on port [zz::1]:443. Dropping request.", false, NULL,
		  0, false },
		{ "TCP: Possible SYN flooding on port 1.2.3:80. Dropping request.", false, NULL, 0,
		  false },
		{ "TCP: Possible SYN flooding on port 8080 Sending cookies.", false, NULL, 0,
		  false },
		{ "TCP: Possible SYN flooding on port 8080. Maybe later.", false, NULL, 0, false },
		{ "TCP: Possible SYN flooding on port . Sending cookies.", false, NULL, 0, false },
		{ "TCP: Possible SYN flooding on port ", false, NULL, 0, false },
		{ "ossible SYN flooding on port 80. Sending cookies.", false, NULL, 0, false },
		{ "TCP: Xossible SYN flooding on port 80. Sending cookies.", false, NULL, 0,
		  false },
		{ "nf_conntrack: table full, dropping packet", false, NULL, 0, false },
		{ "", false, NULL, 0, false },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct cta_syn_flood_line l;
		bool ok = cta_syn_flood_parse(t[i].msg, &l);
		char addr[INET6_ADDRSTRLEN] = "";

		if (ok != t[i].ok)
			fail_msg("line %zu '%s': parsed %d", i, t[i].msg, ok);
		if (!ok)
			continue;
		if (l.have_addr)
			assert_non_null(inet_ntop(l.family, &l.addr, addr, sizeof(addr)));
		if (l.have_addr != (t[i].addr != NULL) || (t[i].addr && !streq(addr, t[i].addr)) ||
		    l.port != t[i].port || l.cookies != t[i].cookies)
			fail_msg("line %zu '%s': addr '%s' port %u cookies %d", i, t[i].msg, addr,
				 l.port, l.cookies);
	}
}

/* Timestamps of the three record forms, and grouping by listener. */
static void test_add(void **state)
{
	struct cta_syn_flood sf = {};

	/* kmsg record, dmesg line, bare text; since 100 s */
	assert_int_equal(
		cta_syn_flood_add(
			&sf,
			"6,1,99000000,-;TCP: Possible SYN flooding on port 80. Sending cookies.  Check SNMP counters.",
			true, 100000000),
		0);
	assert_int_equal(
		cta_syn_flood_add(
			&sf,
			"[  150.250000] TCP: Possible SYN flooding on port 80. Dropping request.  Check SNMP counters.",
			true, 100000000),
		0);
	assert_int_equal(
		cta_syn_flood_add(
			&sf,
			"TCP: Possible SYN flooding on port 80. Dropping request.  Check SNMP counters.",
			true, 100000000),
		0);
	assert_int_equal(cta_syn_flood_add(&sf, "6,2,1,-;eth0: link up", true, 100000000), 0);
	assert_int_equal(
		cta_syn_flood_add(
			&sf,
			"6,3,200000000,-;TCP: Possible SYN flooding on port 0.0.0.0:80. Sending cookies.",
			true, 100000000),
		0);
	assert_int_equal(sf.total, 4);
	/* "80" and "0.0.0.0:80" are different spellings: kept apart */
	assert_int_equal(sf.n, 2);
	assert_int_equal(sf.v[0].count, 3);
	assert_int_equal(sf.v[0].cookies, 1);
	assert_int_equal(sf.v[0].dropped, 2);
	/* the dmesg line and the one without a timestamp */
	assert_int_equal(sf.v[0].in_interval, 2);
	assert_true(sf.v[0].have_ts);
	assert_int_equal(sf.v[0].last_ts_us, 150250000);
	assert_int_equal(sf.v[1].count, 1);
	assert_int_equal(sf.v[1].last_ts_us, 200000000);
	cta_syn_flood_done(&sf);
	assert_null(sf.v);
}

static json_t *listeners(const char *json)
{
	json_error_t err;
	json_t *j = json_loads(json, 0, &err);

	if (!j)
		fail_msg("bad test JSON: %s", err.text);
	return j;
}

static json_t *collect_kmsg(const char *dev, const char *listening, bool have_since, uint64_t since)
{
	struct cta_collect_opts o = { .procfs = FIX "/proc", .devfs = dev, .no_netlink = true };
	struct cta_collect_ctx c = {
		.opts = &o, .facts = json_object(), .have_since = have_since, .since_mono_us = since
	};

	assert_int_equal(json_object_set_new(c.facts, "host",
					     json_pack("{s:s, s:s, s:I}", "kernel", "6.18.44",
						       "netns", "other", "netns_inode",
						       (json_int_t)4026532300)),
			 0);
	assert_int_equal(json_object_set_new(c.facts, "conntrack", json_object()), 0);
	if (listening)
		assert_int_equal(
			json_object_set_new(c.facts, "sockets",
					    json_pack("{s:o}", "listening", listeners(listening))),
			0);
	assert_int_equal(cta_collect_kmsg(&c), 0);
	return c.facts;
}

/* A recorded 6.18 log: lines are this namespace's only where a listener here matches. */
static void test_facts_new(void **state)
{
	json_t *f, *l;

	f = collect_kmsg(FIX "/kmsg/synflood-6.18",
			 "[{\"proto\": \"tcp\", \"addr\": \"0.0.0.0\", \"port\": 7001},"
			 " {\"proto\": \"tcp\", \"addr\": \"::\", \"port\": 7002},"
			 " {\"proto\": \"udp\", \"addr\": \"127.0.0.1\", \"port\": 7003},"
			 " {\"proto\": \"tcp\", \"addr\": \"2001:db8::11\", \"port\": 443}]",
			 true, 11000000000ULL);
	/* 5 of 9 records; 70001, a broken bracket and a missing ". " are not */
	assert_int_equal(geti(f, "sockets.syn_flood_messages"), 5);
	assert_int_equal(geti(f, "sockets.syn_flood.this_netns"), 3);
	assert_int_equal(geti(f, "sockets.syn_flood.this_netns_in_interval"), 1);
	/* 127.0.0.1:7003 has only a UDP socket here, 2001:db8::10 is another address */
	assert_int_equal(geti(f, "sockets.syn_flood.unattributed"), 2);
	assert_int_equal(geti(f, "sockets.syn_flood.unattributed_in_interval"), 1);
	l = cta_json_path(f, "sockets.syn_flood.listeners");
	assert_int_equal(json_array_size(l), 2);
	assert_string_equal(json_string_value(cta_json_path(json_array_get(l, 0), "addr")),
			    "0.0.0.0");
	assert_int_equal(geti(json_array_get(l, 0), "port"), 7001);
	assert_int_equal(geti(json_array_get(l, 0), "count"), 2);
	assert_int_equal(geti(json_array_get(l, 0), "cookies"), 1);
	assert_int_equal(geti(json_array_get(l, 0), "dropped"), 1);
	assert_int_equal(geti(json_array_get(l, 0), "last_seen_s"), 12000);
	assert_int_equal(geti(json_array_get(l, 0), "in_interval"), 1);
	assert_string_equal(json_string_value(cta_json_path(json_array_get(l, 1), "addr")), "::");
	assert_int_equal(geti(json_array_get(l, 1), "port"), 7002);
	assert_int_equal(geti(json_array_get(l, 1), "dropped"), 1);
	assert_int_equal(geti(json_array_get(l, 1), "cookies"), 0);
	assert_int_equal(geti(json_array_get(l, 1), "last_seen_s"), 10998);
	/* the same pass counted the table-full line */
	assert_int_equal(geti(f, "conntrack.table_full_messages"), 1);
	assert_int_equal(geti(f, "conntrack.table_full.this_netns"), 1);
	assert_null(json_object_get(f, "unavailable"));
	json_decref(f);

	/* a listener on 127.0.0.1:7001 is not the one that logged 0.0.0.0:7001 */
	f = collect_kmsg(FIX "/kmsg/synflood-6.18",
			 "[{\"proto\": \"tcp\", \"addr\": \"127.0.0.1\", \"port\": 7001}]", false,
			 0);
	assert_int_equal(geti(f, "sockets.syn_flood.this_netns"), 0);
	assert_int_equal(geti(f, "sockets.syn_flood.unattributed"), 5);
	assert_int_equal(json_array_size(cta_json_path(f, "sockets.syn_flood.listeners")), 0);
	assert_null(cta_json_path(f, "sockets.syn_flood.this_netns_in_interval"));
	json_decref(f);

	/* listeners unknown (sockets unreadable): nothing is this namespace's */
	f = collect_kmsg(FIX "/kmsg/synflood-6.18", NULL, false, 0);
	assert_int_equal(geti(f, "sockets.syn_flood.this_netns"), 0);
	assert_int_equal(geti(f, "sockets.syn_flood.unattributed"), 5);
	json_decref(f);
}

/* A 5.15-style log (dmesg lines, no address): matched by port alone. */
static void test_facts_old(void **state)
{
	json_t *f, *l;

	f = collect_kmsg(FIX "/kmsg/synflood-5.15",
			 "[{\"proto\": \"tcp\", \"addr\": \"::\", \"port\": 443},"
			 " {\"proto\": \"tcp\", \"addr\": \"0.0.0.0\", \"port\": 8080}]",
			 true, 125000000);
	assert_int_equal(geti(f, "sockets.syn_flood_messages"), 4);
	assert_int_equal(geti(f, "sockets.syn_flood.this_netns"), 3);
	/* the 130.5 s line and the one without a timestamp */
	assert_int_equal(geti(f, "sockets.syn_flood.this_netns_in_interval"), 2);
	assert_int_equal(geti(f, "sockets.syn_flood.unattributed"), 1);
	l = cta_json_path(f, "sockets.syn_flood.listeners");
	assert_int_equal(json_array_size(l), 2);
	assert_null(json_object_get(json_array_get(l, 0), "addr"));
	assert_int_equal(geti(json_array_get(l, 0), "port"), 443);
	assert_int_equal(geti(json_array_get(l, 0), "dropped"), 2);
	assert_int_equal(geti(json_array_get(l, 0), "last_seen_s"), 130);
	assert_int_equal(geti(json_array_get(l, 1), "port"), 8080);
	assert_int_equal(geti(json_array_get(l, 1), "cookies"), 1);
	assert_null(json_object_get(json_array_get(l, 1), "last_seen_s"));
	json_decref(f);
}

/* No log: both facts unavailable with the reason, nothing else set. */
static void test_unavailable(void **state)
{
	json_t *f = collect_kmsg(FIX "/no-such-dev", "[]", false, 0);
	json_t *u = json_object_get(f, "unavailable");

	assert_int_equal(json_array_size(u), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 0), "section")),
			    "conntrack.table_full_messages");
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 1), "section")),
			    "sockets.syn_flood_messages");
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 1), "reason")),
			    "no such file or directory");
	assert_null(cta_json_path(f, "sockets.syn_flood"));
	assert_null(cta_json_path(f, "conntrack.table_full"));
	json_decref(f);
}

/* The log is the host's: not read offline nor in a child namespace of --all-netns. */
static void test_not_read(void **state)
{
	struct cta_collect_opts o = { .devfs = FIX "/kmsg/synflood-6.18", .netns_only = true };
	struct cta_collect_ctx c = { .opts = &o, .facts = json_object() };

	assert_int_equal(cta_collect_kmsg(&c), 0);
	assert_int_equal(json_object_size(c.facts), 0);
	o.netns_only = false;
	o.offline = true;
	assert_int_equal(cta_collect_kmsg(&c), 0);
	assert_int_equal(json_object_size(c.facts), 0);
	json_decref(c.facts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),	    cmocka_unit_test(test_add),
		cmocka_unit_test(test_facts_new),   cmocka_unit_test(test_facts_old),
		cmocka_unit_test(test_unavailable), cmocka_unit_test(test_not_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
