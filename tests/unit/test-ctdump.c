// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ctnetlink walker and the aggregation table, on a dump recorded from a
 * real 6.18 kernel (tests/fixtures/ctdump/dump-mixed.bin; the same table as
 * `conntrack -L` printed it is in dump-mixed.txt): 14 entries, IPv4 and IPv6,
 * TCP/UDP/ICMP, zones 5 and 3, marks 9 and 16, two with the ftp helper.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include "nf/ctdump.h"
#include "util/fileio.h"
#include "util/macro.h"

static char *fixture;
static size_t fixture_len;

static int load_fixture(void **state)
{
	ssize_t n = cta_read_file(CTA_FIXTURES "/ctdump/dump-mixed.bin", 0, &fixture);

	assert_true(n > 0);
	fixture_len = (size_t)n;
	return 0;
}

static int free_fixture(void **state)
{
	free(fixture);
	return 0;
}

struct want {
	const char *key;
	uint64_t count;
};

/* Run the fixture through a dump aggregating by @by and compare all keys in order. */
static void check_by(enum cta_ct_by by, const struct cta_ct_filter *f, const struct want *w,
		     size_t n, uint64_t entries)
{
	struct cta_ctdump d;
	struct cta_agg_item *items = NULL;
	bool intr = false;
	ssize_t k;

	cta_ctdump_init(&d, &by, 1, f);
	assert_int_equal(cta_nldump_parse(fixture, fixture_len, cta_ctdump_msg, &d, &intr), 1);
	assert_false(intr);
	assert_int_equal(d.scanned, 14);
	assert_int_equal(d.entries, entries);
	k = cta_agg_top(&d.agg[0], 0, &items);
	assert_int_equal(k, (ssize_t)n);
	for (size_t i = 0; i < n; i++) {
		char buf[CTA_CT_KEY_STRLEN];

		assert_string_equal(cta_ct_key_format(by, items[i].key, buf, sizeof(buf)),
				    w[i].key);
		assert_int_equal(items[i].count, w[i].count);
	}
	free(items);
	cta_ctdump_done(&d);
}

static void test_by_src(void **state)
{
	static const struct want w[] = {
		{ "10.0.0.1", 7 }, { "10.0.0.2", 3 }, { "127.0.0.1", 2 },
		{ "fd00::1", 1 },  { "fd00::2", 1 },
	};
	check_by(CTA_CT_BY_SRC, NULL, w, ELEMENTSOF(w), 14);
}

static void test_by_dst(void **state)
{
	static const struct want w[] = { { "10.0.0.9", 10 }, { "127.0.0.1", 2 }, { "fd00::9", 2 } };
	check_by(CTA_CT_BY_DST, NULL, w, ELEMENTSOF(w), 14);
}

static void test_by_other_keys(void **state)
{
	static const struct want state_w[] = {
		{ "ESTABLISHED", 8 }, { "-", 3 }, { "TIME_WAIT", 2 }, { "SYN_SENT", 1 }
	};
	static const struct want helper_w[] = { { "-", 12 }, { "ftp", 2 } };
	static const struct want zone_w[] = { { "0", 12 }, { "3", 1 }, { "5", 1 } };
	static const struct want mark_w[] = { { "0", 12 }, { "9", 1 }, { "16", 1 } };
	static const struct want proto_w[] = { { "tcp", 11 }, { "udp", 2 }, { "icmp", 1 } };
	static const struct want dport_w[] = {
		{ "tcp/80", 7 }, { "tcp/21", 2 }, { "udp/53", 2 },
		{ "icmp", 1 },	 { "tcp/22", 1 }, { "tcp/443", 1 },
	};
	static const struct want flow_w[] = {
		{ "10.0.0.1 -> 10.0.0.9:80", 7 },     { "127.0.0.1 -> 127.0.0.1:21", 2 },
		{ "10.0.0.2 -> 10.0.0.9 (icmp)", 1 }, { "10.0.0.2 -> 10.0.0.9:53/udp", 1 },
		{ "10.0.0.2 -> 10.0.0.9:443", 1 },    { "fd00::1 -> [fd00::9]:22", 1 },
		{ "fd00::2 -> [fd00::9]:53/udp", 1 },
	};

	check_by(CTA_CT_BY_STATE, NULL, state_w, ELEMENTSOF(state_w), 14);
	check_by(CTA_CT_BY_HELPER, NULL, helper_w, ELEMENTSOF(helper_w), 14);
	check_by(CTA_CT_BY_ZONE, NULL, zone_w, ELEMENTSOF(zone_w), 14);
	check_by(CTA_CT_BY_MARK, NULL, mark_w, ELEMENTSOF(mark_w), 14);
	check_by(CTA_CT_BY_PROTO, NULL, proto_w, ELEMENTSOF(proto_w), 14);
	check_by(CTA_CT_BY_DPORT, NULL, dport_w, ELEMENTSOF(dport_w), 14);
	check_by(CTA_CT_BY_FLOW, NULL, flow_w, ELEMENTSOF(flow_w), 14);
}

struct find_ctx {
	uint8_t family, proto;
	uint16_t dport;
	struct cta_ct_entry e;
	int found;
};

static int find_msg(const struct nlmsghdr *nlh, void *data)
{
	struct find_ctx *f = data;
	struct cta_ct_entry e;

	if (cta_ct_parse(nlh, &e) == 0 && e.family == f->family && e.proto == f->proto &&
	    e.dport == f->dport) {
		f->e = e;
		f->found++;
	}
	return 0;
}

static void test_parse_entry(void **state)
{
	struct find_ctx f = { .family = AF_INET6, .proto = IPPROTO_UDP, .dport = 53 };
	uint8_t want[16];
	bool intr = false;

	/* udp fd00::2:4000 -> fd00::9:53 mark=16 zone=3 */
	assert_int_equal(cta_nldump_parse(fixture, fixture_len, find_msg, &f, &intr), 1);
	assert_int_equal(f.found, 1);
	assert_int_equal(inet_pton(AF_INET6, "fd00::2", want), 1);
	assert_memory_equal(f.e.src, want, 16);
	assert_int_equal(inet_pton(AF_INET6, "fd00::9", want), 1);
	assert_memory_equal(f.e.dst, want, 16);
	assert_int_equal(f.e.sport, 4000);
	assert_true(f.e.has_ports);
	assert_int_equal(f.e.zone, 3);
	assert_int_equal(f.e.mark, 16);
	assert_int_equal(f.e.state, CTA_CT_STATE_NONE);
	assert_string_equal(f.e.helper, "");

	/* tcp 127.0.0.1 -> 127.0.0.1:21 with helper=ftp (two of them) */
	f = (struct find_ctx){ .family = AF_INET, .proto = IPPROTO_TCP, .dport = 21 };
	assert_int_equal(cta_nldump_parse(fixture, fixture_len, find_msg, &f, &intr), 1);
	assert_int_equal(f.found, 2);
	assert_string_equal(f.e.helper, "ftp");
	assert_int_equal(f.e.zone, 0);
	assert_false(intr);
}

static void test_filter(void **state)
{
	static const struct {
		const char *expr;
		uint64_t entries;
	} t[] = {
		{ "proto=tcp", 11 },
		{ "proto=UDP", 2 },
		{ "proto=1", 1 },
		{ "src=10.0.0.0/8", 10 },
		{ "src=10.0.0.2", 3 },
		{ "src=fd00::/16 dport=53", 1 },
		{ "dst=fd00::9/128", 2 },
		{ "state=established", 8 },
		{ "state=TIME_WAIT dst=127.0.0.1", 1 },
		{ "zone=5", 1 },
		{ "zone=0", 12 },
		{ "mark=9", 1 },
		{ "mark=0x10/0xff", 1 },
		{ "mark=0/0x8", 13 },
		{ "dport=20-80", 12 },
		{ "dport=443", 1 },
		{ "  proto=tcp   src=10.0.0.1  ", 7 },
		{ "src=10.0.0.0/8 src=10.0.0.1/32", 7 },
		{ "status=ASSURED", 9 },
		{ "status=unreplied", 12 },
		{ "status=ASSURED,UNREPLIED", 7 },
		{ "status=!ASSURED", 5 },
		{ "status=SEEN_REPLY,CONFIRMED", 2 },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct cta_ct_filter f;
		char *err = NULL;
		struct cta_ctdump d;
		enum cta_ct_by by = CTA_CT_BY_SRC;
		bool intr = false;

		assert_int_equal(cta_ct_filter_parse(t[i].expr, &f, &err), 0);
		assert_null(err);
		cta_ctdump_init(&d, &by, 1, &f);
		assert_int_equal(cta_nldump_parse(fixture, fixture_len, cta_ctdump_msg, &d, &intr),
				 1);
		if (d.entries != t[i].entries)
			fail_msg("filter '%s': %llu entries, want %llu", t[i].expr,
				 (unsigned long long)d.entries, (unsigned long long)t[i].entries);
		assert_int_equal(d.agg[0].total, t[i].entries);
		cta_ctdump_done(&d);
		cta_ct_filter_done(&f);
	}
}

static void test_filter_errors(void **state)
{
	static const struct {
		const char *expr, *msg;
	} t[] = {
		{ "foo=1",
		  "unknown filter key 'foo' (proto, src, dst, dport, state, zone, mark, status)" },
		{ "src", "filter term 'src' is not KEY=VALUE" },
		{ "src=", "filter term 'src=' has no value" },
		{ "src=10.0.0.300", "invalid address or prefix '10.0.0.300' in 'src=10.0.0.300'" },
		{ "src=10.0.0.0/33",
		  "invalid address or prefix '10.0.0.0/33' in 'src=10.0.0.0/33'" },
		{ "dport=80-70", "empty port range '80-70' in 'dport=80-70'" },
		{ "dport=70000", "invalid port or port range '70000' in 'dport=70000'" },
		{ "proto=bogus", "unknown protocol 'bogus' in 'proto=bogus'" },
		{ "zone=-1", "invalid zone '-1' in 'zone=-1' (0-65535)" },
		{ "mark=x", "invalid mark 'x' in 'mark=x' (N or N/MASK)" },
		{ "   ", "empty filter" },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct cta_ct_filter f = { 0 };
		char *err = NULL;

		assert_int_equal(cta_ct_filter_parse(t[i].expr, &f, &err), -EINVAL);
		assert_non_null(err);
		assert_string_equal(err, t[i].msg);
		assert_null(f.terms);
		free(err);
	}
	{
		struct cta_ct_filter f = { 0 };
		char *err = NULL;

		assert_int_equal(cta_ct_filter_parse("state=BOGUS", &f, &err), -EINVAL);
		assert_non_null(strstr(err, "unknown TCP conntrack state 'BOGUS'"));
		free(err);
	}
	{
		static const char *const bad[] = { "status=BOGUS", "status=ASSURED,!ASSURED",
						   "status=SEEN_REPLY,UNREPLIED", "status=,",
						   "status=!" };

		for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
			struct cta_ct_filter f;
			char *err = NULL;

			assert_int_equal(cta_ct_filter_parse(bad[i], &f, &err), -EINVAL);
			assert_non_null(err);
			if (!strstr(err, "invalid status '"))
				fail_msg("'%s': %s", bad[i], err);
			free(err);
		}
	}
}

/* ---- the retry loop, on a fake transport that replays buffers ---- */

struct replay {
	char **bufs; /* per attempt: one buffer */
	size_t *lens;
	unsigned attempts;
	unsigned requests;
	bool sent;
	int fail_request;
};

static int replay_request(void *tp)
{
	struct replay *r = tp;

	if (r->fail_request)
		return r->fail_request;
	r->requests++;
	r->sent = false;
	return 0;
}

static ssize_t replay_recv(void *tp, void *buf, size_t size)
{
	struct replay *r = tp;
	unsigned i = MIN(r->requests, r->attempts) - 1;

	if (r->sent)
		return 0; /* no NLMSG_DONE in this buffer: end of stream */
	r->sent = true;
	assert_true(r->lens[i] <= size);
	memcpy(buf, r->bufs[i], r->lens[i]);
	return (ssize_t)r->lens[i];
}

static char *interrupted_copy(void)
{
	char *c = malloc(fixture_len);
	struct nlmsghdr *nlh;

	assert_non_null(c);
	memcpy(c, fixture, fixture_len);
	/* the kernel marks every message after a table change; one is enough */
	nlh = (struct nlmsghdr *)(c + NLMSG_ALIGN(((struct nlmsghdr *)c)->nlmsg_len));
	nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
	return c;
}

static void test_dump_intr(void **state)
{
	char *intr_buf = interrupted_copy();
	bool intr = false, approx = true;
	struct cta_ctdump d;
	enum cta_ct_by by = CTA_CT_BY_SRC;

	/* the flag is seen */
	cta_ctdump_init(&d, &by, 1, NULL);
	assert_int_equal(cta_nldump_parse(intr_buf, fixture_len, cta_ctdump_msg, &d, &intr), 1);
	assert_true(intr);
	assert_int_equal(d.entries, 14);
	cta_ctdump_done(&d);

	/* interrupted once, then clean: the second attempt's counts only */
	{
		char *bufs[] = { intr_buf, fixture };
		size_t lens[] = { fixture_len, fixture_len };
		struct replay r = { .bufs = bufs, .lens = lens, .attempts = 2 };
		struct cta_nldump nd = {
			.request = replay_request,
			.recv = replay_recv,
			.tp = &r,
			.reset = cta_ctdump_reset,
			.msg = cta_ctdump_msg,
			.data = &d,
		};

		cta_ctdump_init(&d, &by, 1, NULL);
		assert_int_equal(cta_nldump_run(&nd, &approx), 0);
		assert_false(approx);
		assert_int_equal(r.requests, 2);
		assert_int_equal(d.entries, 14);
		assert_int_equal(d.agg[0].total, 14);
		assert_int_equal(d.agg[0].n, 5);
		cta_ctdump_done(&d);
	}
	/* interrupted every time: 1 + CTA_NLDUMP_RETRIES attempts, then approximate */
	{
		char *bufs[] = { intr_buf };
		size_t lens[] = { fixture_len };
		struct replay r = { .bufs = bufs, .lens = lens, .attempts = 1 };
		struct cta_nldump nd = {
			.request = replay_request,
			.recv = replay_recv,
			.tp = &r,
			.reset = cta_ctdump_reset,
			.msg = cta_ctdump_msg,
			.data = &d,
		};

		approx = false;
		cta_ctdump_init(&d, &by, 1, NULL);
		assert_int_equal(cta_nldump_run(&nd, &approx), 0);
		assert_true(approx);
		assert_int_equal(r.requests, 1 + CTA_NLDUMP_RETRIES);
		assert_int_equal(d.entries, 14); /* the last attempt, not the sum */
		cta_ctdump_done(&d);
	}
	free(intr_buf);
}

static void test_dump_errors(void **state)
{
	struct {
		struct nlmsghdr nlh;
		struct nlmsgerr err;
	} perm = {
		.nlh = { .nlmsg_len = sizeof(perm), .nlmsg_type = NLMSG_ERROR },
		.err = { .error = -EPERM },
	};
	struct cta_ctdump d;
	enum cta_ct_by by = CTA_CT_BY_SRC;
	bool intr = false;

	cta_ctdump_init(&d, &by, 1, NULL);
	assert_int_equal(cta_nldump_parse(&perm, sizeof(perm), cta_ctdump_msg, &d, &intr), -EPERM);
	/* a message cut short */
	assert_int_equal(cta_nldump_parse(fixture, fixture_len - 30, cta_ctdump_msg, &d, &intr),
			 -EBADMSG);
	{
		char *bufs[] = { (char *)&perm };
		size_t lens[] = { sizeof(perm) };
		struct replay r = { .bufs = bufs, .lens = lens, .attempts = 1 };
		struct cta_nldump nd = {
			.request = replay_request,
			.recv = replay_recv,
			.tp = &r,
			.reset = cta_ctdump_reset,
			.msg = cta_ctdump_msg,
			.data = &d,
		};

		assert_int_equal(cta_nldump_run(&nd, &intr), -EPERM);
		r.fail_request = -EPROTONOSUPPORT;
		assert_int_equal(cta_nldump_run(&nd, &intr), -EPROTONOSUPPORT);
	}
	cta_ctdump_done(&d);
}

static void test_agg(void **state)
{
	struct cta_agg a;
	struct cta_agg_item *items = NULL;
	unsigned char key[CTA_AGG_KEY_MAX];
	ssize_t n;

	cta_agg_init(&a, 4);
	assert_int_equal(a.key_size, 8);
	/* 100000 distinct keys, key i counted (i % 7) + 1 times */
	for (uint32_t i = 0; i < 100000; i++) {
		uint32_t be = htonl(i);

		memset(key, 0, sizeof(key));
		memcpy(key, &be, 4);
		assert_int_equal(cta_agg_add(&a, key, (i % 7) + 1), 0);
	}
	assert_int_equal(a.n, 100000);
	assert_true(a.cap >= 100000 * 4 / 3 && a.cap <= 4 * 100000);
	/* adding to existing keys grows nothing */
	{
		size_t cap = a.cap;
		uint32_t be = htonl(6);

		memset(key, 0, sizeof(key));
		memcpy(key, &be, 4);
		assert_int_equal(cta_agg_add(&a, key, 1000), 0);
		assert_int_equal(a.cap, cap);
		assert_int_equal(a.n, 100000);
	}
	n = cta_agg_top(&a, 3, &items);
	assert_int_equal(n, 3);
	/* key 6 (7 + 1000), then ties at count 7 in key order: 13, 20 */
	assert_int_equal(items[0].count, 1007);
	assert_int_equal(ntohl(*(const uint32_t *)items[0].key), 6);
	assert_int_equal(items[1].count, 7);
	assert_int_equal(ntohl(*(const uint32_t *)items[1].key), 13);
	assert_int_equal(items[2].count, 7);
	assert_int_equal(ntohl(*(const uint32_t *)items[2].key), 20);
	free(items);

	/* all keys, sorted */
	n = cta_agg_top(&a, 0, &items);
	assert_int_equal(n, 100000);
	for (ssize_t i = 1; i < n; i++)
		assert_true(items[i - 1].count > items[i].count ||
			    (items[i - 1].count == items[i].count &&
			     memcmp(items[i - 1].key, items[i].key, 8) < 0));
	free(items);

	cta_agg_reset(&a);
	assert_int_equal(a.n, 0);
	assert_int_equal(a.total, 0);
	n = cta_agg_top(&a, 10, &items);
	assert_int_equal(n, 0);
	free(items);
	cta_agg_done(&a);
}

/* The dump request and its kernel-side selection, attribute by attribute. */
static void test_dump_request(void **state)
{
	uint8_t buf[CTA_CT_DUMP_REQ_SIZE];
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct nfgenmsg *nfg = (const void *)(buf + NLMSG_HDRLEN);
	struct {
		uint16_t type;
		uint32_t v;
	} want[] = {
		{ CTA_MARK, 0x5 },
		{ CTA_MARK_MASK, 0xff },
		{ CTA_STATUS, 0x8 },
		{ CTA_STATUS_MASK, 0x8 },
	};
	size_t off, k = 0;
	int len;

	/* no selection: header and nfgenmsg only, both families */
	len = cta_ct_dump_request(buf, NULL, 7);
	assert_int_equal(len, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)));
	assert_int_equal(nlh->nlmsg_len, (uint32_t)len);
	assert_int_equal(nlh->nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(nlh->nlmsg_seq, 7);
	assert_int_equal(nfg->nfgen_family, AF_UNSPEC);
	assert_int_equal(cta_ct_dump_request(buf, &(struct cta_ct_dump_filter){ 0 }, 1), len);

	len = cta_ct_dump_request(buf,
				  &(struct cta_ct_dump_filter){ .mark = 0x5,
								.mark_mask = 0xff,
								.status = 0x8,
								.status_mask = 0x8,
								.l3num = AF_INET6 },
				  2);
	assert_true(len > 0 && len <= CTA_CT_DUMP_REQ_SIZE);
	assert_int_equal(nlh->nlmsg_len, (uint32_t)len);
	assert_int_equal(nfg->nfgen_family, AF_INET6);
	for (off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)); off < (size_t)len;
	     off += NLA_ALIGN(((const struct nlattr *)(buf + off))->nla_len)) {
		const struct nlattr *a = (const void *)(buf + off);
		uint32_t v;

		assert_true(k < ELEMENTSOF(want));
		assert_int_equal(a->nla_len, NLA_HDRLEN + 4);
		assert_int_equal(a->nla_type & NLA_TYPE_MASK, want[k].type);
		memcpy(&v, buf + off + NLA_HDRLEN, 4);
		assert_int_equal(ntohl(v), want[k].v);
		k++;
	}
	assert_int_equal(k, ELEMENTSOF(want));

	/* family only: no attribute */
	len = cta_ct_dump_request(buf, &(struct cta_ct_dump_filter){ .l3num = AF_INET }, 3);
	assert_int_equal(len, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)));
	assert_int_equal(nfg->nfgen_family, AF_INET);
}

/* Which terms go to the kernel, and how. */
static void test_translate(void **state)
{
	static const struct {
		const char *expr;
		unsigned ksel;
		uint64_t exact;
		uint8_t l3num;
		uint32_t orig_flags, mark, mark_mask;
		int zone; /* -1: none */
	} t[] = {
		{ "mark=7", CTA_CT_KSEL_ALL, 0x1, 0, 0, 7, 0xffffffff, -1 },
		{ "mark=0x10/0xf0", CTA_CT_KSEL_ALL, 0x1, 0, 0, 0x10, 0xf0, -1 },
		{ "mark=0/0", CTA_CT_KSEL_ALL, 0x1, 0, 0, 0, 0, -1 },
		{ "mark=7 mark=3", CTA_CT_KSEL_ALL, 0x1, 0, 0, 7, 0xffffffff, -1 },
		{ "mark=7", CTA_CT_KSEL_TUPLE, 0, 0, 0, 0, 0, -1 },
		{ "zone=5", CTA_CT_KSEL_ALL, 0x1, 0, 0, 0, 0, 5 },
		{ "zone=0", CTA_CT_KSEL_ALL, 0, 0, 0, 0, 0, -1 },
		{ "zone=5", CTA_CT_KSEL_MARK, 0, 0, 0, 0, 0, -1 },
		{ "src=10.0.0.1", CTA_CT_KSEL_ALL, 0x1, AF_INET, CTA_CT_ORIG_SRC, 0, 0, -1 },
		{ "src=10.0.0.0/8", CTA_CT_KSEL_ALL, 0, AF_INET, 0, 0, 0, -1 },
		{ "src=10.0.0.1", CTA_CT_KSEL_MARK, 0, AF_INET, 0, 0, 0, -1 },
		{ "dst=fd00::1", CTA_CT_KSEL_ALL, 0, AF_INET6, 0, 0, 0, -1 },
		{ "src=10.0.0.1 dst=fd00::1", CTA_CT_KSEL_ALL, 0, 0, 0, 0, 0, -1 },
		{ "proto=tcp", CTA_CT_KSEL_ALL, 0x1, 0, CTA_CT_ORIG_PROTO, 0, 0, -1 },
		{ "dport=443 proto=tcp", CTA_CT_KSEL_ALL, 0x3, 0,
		  CTA_CT_ORIG_PROTO | CTA_CT_ORIG_DPORT, 0, 0, -1 },
		{ "dport=443", CTA_CT_KSEL_ALL, 0, 0, 0, 0, 0, -1 },
		{ "dport=443 proto=sctp", CTA_CT_KSEL_ALL, 0x2, 0, CTA_CT_ORIG_PROTO, 0, 0, -1 },
		{ "dport=80-443 proto=udp", CTA_CT_KSEL_ALL, 0x2, 0, CTA_CT_ORIG_PROTO, 0, 0, -1 },
		{ "state=ESTABLISHED", CTA_CT_KSEL_ALL, 0, 0, 0, 0, 0, -1 },
		{ "status=ASSURED", CTA_CT_KSEL_ALL, 0x1, 0, 0, 0, 0, -1 },
		{ "status=ASSURED", CTA_CT_KSEL_MARK, 0, 0, 0, 0, 0, -1 },
		{ "src=10.0.0.1 dst=10.0.0.2 proto=udp dport=53 mark=1 zone=2 state=CLOSE",
		  CTA_CT_KSEL_ALL, 0x3f, AF_INET,
		  CTA_CT_ORIG_SRC | CTA_CT_ORIG_DST | CTA_CT_ORIG_PROTO | CTA_CT_ORIG_DPORT, 1,
		  0xffffffff, 2 },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct cta_ct_filter f;
		struct cta_ct_dump_filter k;
		char *err = NULL;
		uint64_t exact;

		assert_int_equal(cta_ct_filter_parse(t[i].expr, &f, &err), 0);
		cta_ct_filter_translate(&f, t[i].ksel, &k, &exact);
		if (exact != t[i].exact || k.l3num != t[i].l3num ||
		    k.orig_flags != t[i].orig_flags || k.mark != t[i].mark ||
		    k.mark_mask != t[i].mark_mask || k.has_zone != (t[i].zone >= 0) ||
		    (t[i].zone >= 0 && k.zone != t[i].zone))
			fail_msg("'%s': exact %#llx l3num %u flags %#x mark %#x/%#x zone %d:%u",
				 t[i].expr, (unsigned long long)exact, k.l3num, k.orig_flags,
				 k.mark, k.mark_mask, k.has_zone, k.zone);
		cta_ct_filter_done(&f);
	}
	cta_ct_filter_translate(NULL, CTA_CT_KSEL_ALL, &(struct cta_ct_dump_filter){ 0 },
				&(uint64_t){ 0 });
	{
		struct cta_ct_filter f;
		struct cta_ct_dump_filter k;
		char *err = NULL;
		uint64_t exact;

		/* UNREPLIED is SEEN_REPLY clear: mask has it, value does not */
		assert_int_equal(cta_ct_filter_parse("status=ASSURED,UNREPLIED", &f, &err), 0);
		cta_ct_filter_translate(&f, CTA_CT_KSEL_ALL, &k, &exact);
		assert_int_equal(k.status, IPS_ASSURED);
		assert_int_equal(k.status_mask, IPS_ASSURED | IPS_SEEN_REPLY);
		cta_ct_filter_done(&f);
	}
}

/* A kernel that ignores a selection is noticed: it sends entries failing it. */
static void test_kernel_ignored(void **state)
{
	struct cta_ct_filter f;
	struct cta_ctdump d;
	char *err = NULL;
	bool intr = false;
	enum cta_ct_by by = CTA_CT_BY_SRC;

	assert_int_equal(cta_ct_filter_parse("proto=udp mark=9", &f, &err), 0);
	cta_ctdump_init(&d, &by, 1, &f);
	d.kexact = 0x2; /* mark=9 was sent; the fixture holds every entry */
	assert_int_equal(cta_nldump_parse(fixture, fixture_len, cta_ctdump_msg, &d, &intr), 1);
	assert_int_equal(d.entries, 1);
	assert_int_equal(d.kignored, 0x2);
	/* one UDP entry has mark 9: the 13 others fail the term the kernel had */
	assert_int_equal(d.kernel_misses, 13);
	cta_ctdump_done(&d);

	cta_ctdump_init(&d, &by, 1, &f);
	d.kexact = 0x1; /* proto=udp was sent: the 12 TCP and ICMP entries give it away */
	assert_int_equal(cta_nldump_parse(fixture, fixture_len, cta_ctdump_msg, &d, &intr), 1);
	assert_int_equal(d.entries, 1);
	assert_int_equal(d.kignored, 0x1);
	assert_int_equal(d.kernel_misses, 12);
	cta_ctdump_done(&d);
	cta_ct_filter_done(&f);
}

/* Zone and the CTA_FILTER tuple after the library-built attributes. */
static void test_dump_request_tuple(void **state)
{
	uint8_t buf[CTA_CT_DUMP_REQ_SIZE];
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct nfgenmsg *nfg = (const void *)(buf + NLMSG_HDRLEN);
	struct cta_ct_dump_filter k = {
		.l3num = AF_INET,
		.has_zone = true,
		.zone = 5,
		.orig_flags = CTA_CT_ORIG_SRC | CTA_CT_ORIG_PROTO | CTA_CT_ORIG_DPORT,
		.proto = IPPROTO_TCP,
		.dport = 443,
	};
	const struct nlattr *a;
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
	int len;
	uint16_t v16;
	uint32_t v32;

	inet_pton(AF_INET, "10.0.0.7", k.src);
	len = cta_ct_dump_request(buf, &k, 4);
	assert_true(len > 0 && len <= CTA_CT_DUMP_REQ_SIZE);
	assert_int_equal(nlh->nlmsg_len, (uint32_t)len);
	assert_int_equal(nfg->nfgen_family, AF_INET);

	a = (const void *)(buf + off);
	assert_int_equal(a->nla_type & NLA_TYPE_MASK, CTA_ZONE);
	memcpy(&v16, buf + off + NLA_HDRLEN, 2);
	assert_int_equal(ntohs(v16), 5);
	off += NLA_ALIGN(a->nla_len);

	a = (const void *)(buf + off);
	assert_int_equal(a->nla_type & NLA_TYPE_MASK, CTA_FILTER);
	assert_int_equal(a->nla_len, 2 * NLA_HDRLEN + 4);
	a = (const void *)(buf + off + NLA_HDRLEN);
	assert_int_equal(a->nla_type & NLA_TYPE_MASK, CTA_FILTER_ORIG_FLAGS);
	/* NLA_U32 in host order (nla_get_u32 in ctnetlink_parse_filter) */
	memcpy(&v32, (const uint8_t *)a + NLA_HDRLEN, 4);
	assert_int_equal(v32, CTA_CT_ORIG_SRC | CTA_CT_ORIG_PROTO | CTA_CT_ORIG_DPORT);
	off += NLA_ALIGN(((const struct nlattr *)(buf + off))->nla_len);

	/* CTA_TUPLE_ORIG { CTA_TUPLE_IP { V4_SRC }, CTA_TUPLE_PROTO { NUM, DST_PORT } } */
	a = (const void *)(buf + off);
	assert_int_equal(a->nla_type & NLA_TYPE_MASK, CTA_TUPLE_ORIG);
	assert_int_equal(off + a->nla_len, (size_t)len);
	{
		const uint8_t *p = buf + off + NLA_HDRLEN;
		const struct nlattr *ip = (const void *)p, *src, *proto, *num, *port;

		assert_int_equal(ip->nla_type & NLA_TYPE_MASK, CTA_TUPLE_IP);
		src = (const void *)(p + NLA_HDRLEN);
		assert_int_equal(src->nla_type & NLA_TYPE_MASK, CTA_IP_V4_SRC);
		assert_int_equal(src->nla_len, NLA_HDRLEN + 4);
		assert_memory_equal((const uint8_t *)src + NLA_HDRLEN, k.src, 4);
		proto = (const void *)(p + NLA_ALIGN(ip->nla_len));
		assert_int_equal(proto->nla_type & NLA_TYPE_MASK, CTA_TUPLE_PROTO);
		num = (const void *)((const uint8_t *)proto + NLA_HDRLEN);
		assert_int_equal(num->nla_type & NLA_TYPE_MASK, CTA_PROTO_NUM);
		assert_int_equal(*((const uint8_t *)num + NLA_HDRLEN), IPPROTO_TCP);
		port = (const void *)((const uint8_t *)num + NLA_ALIGN(num->nla_len));
		assert_int_equal(port->nla_type & NLA_TYPE_MASK, CTA_PROTO_DST_PORT);
		memcpy(&v16, (const uint8_t *)port + NLA_HDRLEN, 2);
		assert_int_equal(ntohs(v16), 443);
	}

	/* a tuple selection without a family is never sent (the kernel refuses it) */
	k.l3num = 0;
	k.has_zone = false;
	len = cta_ct_dump_request(buf, &k, 5);
	assert_int_equal(len, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_src),
		cmocka_unit_test(test_by_dst),
		cmocka_unit_test(test_by_other_keys),
		cmocka_unit_test(test_parse_entry),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_filter_errors),
		cmocka_unit_test(test_dump_intr),
		cmocka_unit_test(test_dump_errors),
		cmocka_unit_test(test_agg),
		cmocka_unit_test(test_dump_request),
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_kernel_ignored),
		cmocka_unit_test(test_dump_request_tuple),
	};

	return cmocka_run_group_tests(tests, load_fixture, free_fixture);
}
