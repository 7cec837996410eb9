// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The inet_diag walker, `top timewait` aggregation and the facts "sockets"
 * section, on replies recorded from a 6.18 kernel (tests/fixtures/sockdiag/;
 * `ss -tuan` of the same namespace is in ss-tuan.txt):
 *   TIME_WAIT 127.0.0.2 -> 127.0.0.1:5001 x3, 127.0.0.3 -> 127.0.0.1:5002 x2,
 *             [::1] -> [::1]:5003 x2, ::ffff:127.0.0.4 -> ::ffff:127.0.0.1:5004 x1,
 *   LISTEN 127.0.0.1:21 and one ESTABLISHED pair on it,
 *   UDP bound 0.0.0.0:5353 and [::]:53, UDP connected 127.0.0.1 -> 127.0.0.1:9.
 * proc/net/{tcp,tcp6,udp,udp6,sockstat} were read at the same moment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include "collect/collect.h"
#include "nf/sockdiag.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"

struct feed {
	struct cta_sdtop *top;
	struct cta_sd_summary *sum;
	int fam, proto;
	unsigned msgs;
};

static int feed_msg(const struct nlmsghdr *nlh, void *data)
{
	struct feed *f = data;
	struct cta_sd_sock s;

	assert_int_equal(cta_sd_parse(nlh, &s), 0);
	f->msgs++;
	if (f->top)
		return cta_sdtop_add(f->top, &s);
	return cta_sd_summary_add(f->sum, f->fam, f->proto, &s);
}

static void feed_file(const char *name, struct feed *f, unsigned want_msgs)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	bool intr = false;
	ssize_t n;

	assert_true(asprintf(&path, "%s/sockdiag/%s", CTA_FIXTURES, name) > 0);
	n = cta_read_file(path, 0, &buf);
	assert_true(n > 0);
	f->msgs = 0;
	assert_int_equal(cta_nldump_parse(buf, (size_t)n, feed_msg, f, &intr), 1);
	assert_false(intr);
	assert_int_equal(f->msgs, want_msgs);
}

struct want {
	const char *key;
	uint64_t count;
};

static void check_top(struct cta_sdtop *t, const struct want *w, size_t n)
{
	struct cta_agg_item *items = NULL;
	ssize_t k = cta_agg_top(&t->agg, 0, &items);

	assert_int_equal(k, (ssize_t)n);
	for (size_t i = 0; i < n; i++) {
		char buf[CTA_CT_KEY_STRLEN];

		assert_string_equal(cta_sd_key_format(t->by, items[i].key, buf, sizeof(buf)),
				    w[i].key);
		assert_int_equal(items[i].count, w[i].count);
	}
	free(items);
}

static void test_timewait_by_peer(void **state)
{
	static const struct want v4[] = { { "127.0.0.1:5001", 3 }, { "127.0.0.1:5002", 2 } };
	static const struct want both[] = {
		{ "127.0.0.1:5001", 3 },
		{ "127.0.0.1:5002", 2 },
		{ "[::1]:5003", 2 },
		{ "127.0.0.1:5004", 1 }, /* IPv4-mapped: shown as IPv4 */
	};
	struct cta_sdtop t;
	struct feed f = { .top = &t };

	cta_sdtop_init(&t, CTA_SD_BY_PEER, 1u << 6);
	feed_file("tw-v4.bin", &f, 5);
	assert_int_equal(t.sockets, 5);
	check_top(&t, v4, ELEMENTSOF(v4));
	feed_file("tw-v6.bin", &f, 3);
	assert_int_equal(t.sockets, 8);
	check_top(&t, both, ELEMENTSOF(both));
	cta_sdtop_done(&t);
}

static void test_timewait_other_keys(void **state)
{
	static const struct want ip[] = { { "127.0.0.1", 6 }, { "::1", 2 } };
	static const struct want ports[] = {
		{ "34409", 1 }, { "41119", 1 }, { "41387", 1 }, { "51939", 1 },
		{ "52899", 1 }, { "55153", 1 }, { "57031", 1 }, { "60271", 1 },
	};
	struct cta_sdtop t;
	struct feed f = { .top = &t };

	cta_sdtop_init(&t, CTA_SD_BY_PEER_IP, 1u << 6);
	feed_file("tw-v4.bin", &f, 5);
	feed_file("tw-v6.bin", &f, 3);
	check_top(&t, ip, ELEMENTSOF(ip));
	cta_sdtop_done(&t);

	cta_sdtop_init(&t, CTA_SD_BY_LOCAL_PORT, 1u << 6);
	feed_file("tw-v4.bin", &f, 5);
	feed_file("tw-v6.bin", &f, 3);
	check_top(&t, ports, ELEMENTSOF(ports));
	cta_sdtop_done(&t);
}

static void test_state_mask(void **state)
{
	static const struct want est[] = { { "21", 1 }, { "46467", 1 } };
	struct cta_sdtop t;
	struct feed f = { .top = &t };

	/* an all-states reply counted for ESTABLISHED only */
	cta_sdtop_init(&t, CTA_SD_BY_LOCAL_PORT, 1u << 1);
	feed_file("all-v4.bin", &f, 8);
	assert_int_equal(t.sockets, 2);
	check_top(&t, est, ELEMENTSOF(est));
	cta_sdtop_done(&t);

	cta_sdtop_init(&t, CTA_SD_BY_PEER, UINT32_MAX);
	feed_file("all-v4.bin", &f, 8);
	assert_int_equal(t.sockets, 8);
	cta_sdtop_done(&t);

	/* a request socket comes as SYN_RECV, selected by NEW_SYN_RECV */
	{
		struct cta_sd_sock req = { .family = AF_INET, .state = 3, .dport = 40000 };

		cta_sdtop_init(&t, CTA_SD_BY_PEER, 1u << 12);
		assert_int_equal(cta_sdtop_add(&t, &req), 0);
		assert_int_equal(t.sockets, 1);
		req.state = 1;
		assert_int_equal(cta_sdtop_add(&t, &req), 0);
		assert_int_equal(t.sockets, 1);
		cta_sdtop_done(&t);
	}
}

static void test_state_names(void **state)
{
	assert_int_equal(cta_tcp_state_from_name("time_wait"), 6);
	assert_int_equal(cta_tcp_state_from_name("ESTABLISHED"), 1);
	assert_int_equal(cta_tcp_state_from_name("New_Syn_Recv"), 12);
	assert_int_equal(cta_tcp_state_from_name("TIME-WAIT"), -EINVAL);
	assert_int_equal(cta_tcp_state_from_name("all"), -EINVAL);
	assert_string_equal(cta_tcp_state_name(10), "LISTEN");
	assert_string_equal(cta_tcp_state_name(4), "FIN_WAIT1");
	assert_null(cta_tcp_state_name(0));
	assert_null(cta_tcp_state_name(13));
	assert_int_equal(cta_sd_by_from_name("peer-ip"), CTA_SD_BY_PEER_IP);
	assert_int_equal(cta_sd_by_from_name("peer_ip"), -EINVAL);
}

static void test_summary(void **state)
{
	struct cta_sd_summary s;
	struct feed f = { .sum = &s };
	struct cta_agg_item *items = NULL;
	char addr[64];
	unsigned port;
	int proto;
	ssize_t n;

	cta_sd_summary_init(&s);
	f.fam = 0, f.proto = IPPROTO_TCP;
	feed_file("all-v4.bin", &f, 8);
	f.fam = 1;
	feed_file("all-v6.bin", &f, 3);
	f.fam = 0, f.proto = IPPROTO_UDP;
	feed_file("udp-v4.bin", &f, 1); /* the connected one is filtered by the kernel */
	f.fam = 1;
	feed_file("udp-v6.bin", &f, 1);

	assert_int_equal(s.tcp[0][1], 2); /* ESTABLISHED */
	assert_int_equal(s.tcp[0][10], 1); /* LISTEN */
	assert_int_equal(s.tcp[0][6], 5); /* TIME_WAIT */
	assert_int_equal(s.tcp[1][6], 3);
	assert_int_equal(s.tw_peers.total, 8);
	assert_int_equal(s.tw_peers.n, 4);

	n = cta_agg_top(&s.listening, 0, &items);
	assert_int_equal(n, 3);
	/* equal counts: key order = proto, port */
	assert_string_equal(cta_sd_listen_format(items[0].key, &proto, &port, addr, sizeof(addr)),
			    "127.0.0.1");
	assert_int_equal(proto, IPPROTO_TCP);
	assert_int_equal(port, 21);
	assert_string_equal(cta_sd_listen_format(items[1].key, &proto, &port, addr, sizeof(addr)),
			    "::");
	assert_int_equal(proto, IPPROTO_UDP);
	assert_int_equal(port, 53);
	assert_string_equal(cta_sd_listen_format(items[2].key, &proto, &port, addr, sizeof(addr)),
			    "0.0.0.0");
	assert_int_equal(port, 5353);
	free(items);
	cta_sd_summary_done(&s);
}

/* The facts section from the /proc fallback must equal what sock_diag gave. */
static void test_collect_proc(void **state)
{
	static const char want[] =
		"{\"listening\": [{\"addr\": \"127.0.0.1\", \"port\": 21, \"proto\": \"tcp\"}, "
		"{\"addr\": \"::\", \"port\": 53, \"proto\": \"udp\"}, "
		"{\"addr\": \"0.0.0.0\", \"port\": 5353, \"proto\": \"udp\"}], "
		"\"sockstat_tw\": 8, \"source\": \"proc\", "
		/* every state is named, 0 included */
		"\"tcp\": {\"CLOSE\": 0, \"CLOSE_WAIT\": 0, \"CLOSING\": 0, \"ESTABLISHED\": 2, \"FIN_WAIT1\": 0, \"FIN_WAIT2\": 0, \"LAST_ACK\": 0, \"LISTEN\": 1, \"NEW_SYN_RECV\": 0, \"SYN_RECV\": 0, \"SYN_SENT\": 0, \"TIME_WAIT\": 8}, "
		"\"tcp_by_family\": {\"ipv4\": {\"CLOSE\": 0, \"CLOSE_WAIT\": 0, \"CLOSING\": 0, \"ESTABLISHED\": 2, \"FIN_WAIT1\": 0, \"FIN_WAIT2\": 0, \"LAST_ACK\": 0, \"LISTEN\": 1, \"NEW_SYN_RECV\": 0, \"SYN_RECV\": 0, \"SYN_SENT\": 0, \"TIME_WAIT\": 5}, "
		"\"ipv6\": {\"CLOSE\": 0, \"CLOSE_WAIT\": 0, \"CLOSING\": 0, \"ESTABLISHED\": 0, \"FIN_WAIT1\": 0, \"FIN_WAIT2\": 0, \"LAST_ACK\": 0, \"LISTEN\": 0, \"NEW_SYN_RECV\": 0, \"SYN_RECV\": 0, \"SYN_SENT\": 0, \"TIME_WAIT\": 3}}, "
		"\"time_wait_by_local_port\": {\"listening\": 0, \"listening_ports\": [], \"other\": 8}, "
		"\"time_wait_top\": [{\"count\": 3, \"peer\": \"127.0.0.1:5001\"}, "
		"{\"count\": 2, \"peer\": \"127.0.0.1:5002\"}, "
		"{\"count\": 2, \"peer\": \"[::1]:5003\"}, "
		"{\"count\": 1, \"peer\": \"127.0.0.1:5004\"}]}";
	struct cta_collect_opts o = {
		.procfs = CTA_FIXTURES "/sockdiag/proc",
		.sysfs = CTA_FIXTURES "/sockdiag/nonexistent",
		.no_netlink = true,
	};
	_cleanup_json_ json_t *facts = json_object();
	struct cta_collect_ctx c = { .opts = &o, .facts = facts };
	char *got;

	assert_int_equal(cta_collect_sockets(&c), 0);
	got = json_dumps(json_object_get(facts, "sockets"), JSON_SORT_KEYS);
	assert_string_equal(got, want);
	free(got);
	assert_null(json_object_get(facts, "unavailable"));
}

static void test_collect_missing(void **state)
{
	struct cta_collect_opts o = {
		.procfs = CTA_FIXTURES "/sockdiag/nonexistent",
		.no_netlink = true,
	};
	_cleanup_json_ json_t *facts = json_object();
	struct cta_collect_ctx c = { .opts = &o, .facts = facts };
	json_t *u;

	assert_int_equal(cta_collect_sockets(&c), 0);
	u = json_object_get(facts, "unavailable");
	assert_int_equal(json_array_size(u), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 0), "section")),
			    "sockets.sockstat_tw");
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 1), "section")),
			    "sockets.tcp");
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 1), "reason")),
			    "no such file or directory");

	/* offline: no live sockets, no section */
	{
		struct cta_collect_opts off = { .offline = true };
		_cleanup_json_ json_t *f2 = json_object();
		struct cta_collect_ctx c2 = { .opts = &off, .facts = f2 };

		assert_int_equal(cta_collect_sockets(&c2), 0);
		assert_int_equal(json_object_size(f2), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timewait_by_peer), cmocka_unit_test(test_timewait_other_keys),
		cmocka_unit_test(test_state_mask),	 cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_summary),		 cmocka_unit_test(test_collect_proc),
		cmocka_unit_test(test_collect_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
