// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include "nf/sockdiag.h"
#include "util/macro.h"
#include "util/banned.h"

/* include/net/tcp_states.h; the glibc enum lacks NEW_SYN_RECV */
enum {
	ST_ESTABLISHED = 1,
	ST_SYN_RECV = 3,
	ST_TIME_WAIT = 6,
	ST_CLOSE = 7,
	ST_LISTEN = 10,
	ST_NEW_SYN_RECV = 12,
};

static const char *const tcp_states[CTA_TCP_STATE_MAX + 1] = {
	[1] = "ESTABLISHED", [2] = "SYN_SENT",	[3] = "SYN_RECV", [4] = "FIN_WAIT1",
	[5] = "FIN_WAIT2",   [6] = "TIME_WAIT", [7] = "CLOSE",	  [8] = "CLOSE_WAIT",
	[9] = "LAST_ACK",    [10] = "LISTEN",	[11] = "CLOSING", [12] = "NEW_SYN_RECV",
};

const char *cta_tcp_state_name(unsigned state)
{
	return state <= CTA_TCP_STATE_MAX ? tcp_states[state] : NULL;
}

int cta_tcp_state_from_name(const char *name)
{
	for (int i = 1; i <= CTA_TCP_STATE_MAX; i++)
		if (strcasecmp(name, tcp_states[i]) == 0)
			return i;
	return -EINVAL;
}

static bool is_v4mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a, prefix, 12) == 0;
}

static bool is_zero(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

static void unmap(uint8_t *a)
{
	memmove(a, a + 12, 4);
	memset(a + 4, 0, 12);
}

int cta_sd_parse(const struct nlmsghdr *nlh, struct cta_sd_sock *s)
{
	const struct inet_diag_msg *m;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct inet_diag_msg))
		return -EINVAL;
	m = NLMSG_DATA(nlh);
	memset(s, 0, sizeof(*s));
	s->family = m->idiag_family;
	s->state = m->idiag_state;
	s->sport = ntohs(m->id.idiag_sport);
	s->dport = ntohs(m->id.idiag_dport);
	memcpy(s->src, m->id.idiag_src, m->idiag_family == AF_INET6 ? 16 : 4);
	memcpy(s->dst, m->id.idiag_dst, m->idiag_family == AF_INET6 ? 16 : 4);
	/* a dual-stack socket talking IPv4 reports ::ffff:a.b.c.d: that peer is IPv4 */
	if (s->family == AF_INET6 && (is_v4mapped(s->src) || is_v4mapped(s->dst)) &&
	    (is_v4mapped(s->src) || is_zero(s->src)) && (is_v4mapped(s->dst) || is_zero(s->dst))) {
		s->family = AF_INET;
		unmap(s->src);
		unmap(s->dst);
	}
	return 0;
}

static const char *const sd_by_names[_CTA_SD_BY_MAX] = {
	[CTA_SD_BY_PEER] = "peer",
	[CTA_SD_BY_PEER_IP] = "peer-ip",
	[CTA_SD_BY_LOCAL_PORT] = "local-port",
};

const char *cta_sd_by_name(enum cta_sd_by by)
{
	return by < _CTA_SD_BY_MAX ? sd_by_names[by] : NULL;
}

int cta_sd_by_from_name(const char *name)
{
	for (int i = 0; i < _CTA_SD_BY_MAX; i++)
		if (streq(name, sd_by_names[i]))
			return i;
	return -EINVAL;
}

/* Keys: peer = family, address[16], port[2]; peer-ip = family, address[16]; local-port = port[2] */
size_t cta_sd_key_len(enum cta_sd_by by)
{
	switch (by) {
	case CTA_SD_BY_PEER:
		return 19;
	case CTA_SD_BY_PEER_IP:
		return 17;
	case CTA_SD_BY_LOCAL_PORT:
	default:
		return 2;
	}
}

void cta_sd_key(const struct cta_sd_sock *s, enum cta_sd_by by, unsigned char *key)
{
	uint16_t dp = htons(s->dport), sp = htons(s->sport);

	memset(key, 0, CTA_AGG_KEY_MAX);
	switch (by) {
	case CTA_SD_BY_PEER:
	case CTA_SD_BY_PEER_IP:
		key[0] = s->family;
		memcpy(key + 1, s->dst, 16);
		if (by == CTA_SD_BY_PEER)
			memcpy(key + 17, &dp, 2);
		break;
	case CTA_SD_BY_LOCAL_PORT:
	default:
		memcpy(key, &sp, 2);
		break;
	}
}

char *cta_sd_key_format(enum cta_sd_by by, const unsigned char *key, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];
	uint16_t p;

	switch (by) {
	case CTA_SD_BY_PEER:
	case CTA_SD_BY_PEER_IP:
		if (!inet_ntop(key[0] == AF_INET6 ? AF_INET6 : AF_INET, key + 1, a, sizeof(a)))
			snprintf(a, sizeof(a), "?");
		memcpy(&p, key + 17, 2);
		if (by == CTA_SD_BY_PEER_IP)
			snprintf(buf, size, "%s", a);
		else if (key[0] == AF_INET6)
			snprintf(buf, size, "[%s]:%u", a, ntohs(p));
		else
			snprintf(buf, size, "%s:%u", a, ntohs(p));
		break;
	case CTA_SD_BY_LOCAL_PORT:
	default:
		memcpy(&p, key, 2);
		snprintf(buf, size, "%u", ntohs(p));
		break;
	}
	return buf;
}

/* ---- dumps ---- */

struct dump_ctx {
	void (*reset)(void *);
	int (*sock)(const struct cta_sd_sock *, void *);
	void *data;
};

static void dump_reset(void *data)
{
	struct dump_ctx *c = data;

	if (c->reset)
		c->reset(c->data);
}

static int dump_msg(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct cta_sd_sock s;

	if (cta_sd_parse(nlh, &s) < 0)
		return 0;
	return c->sock(&s, c->data);
}

int cta_sockdiag_dump(int family, int proto, uint32_t states, void (*reset)(void *),
		      int (*sock)(const struct cta_sd_sock *, void *), void *data,
		      bool *ret_approximate)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1,
		},
		.r = {
			.sdiag_family = (uint8_t)family,
			.sdiag_protocol = (uint8_t)proto,
			.idiag_ext = 0, /* no extensions: the fixed header is all we read */
			.idiag_states = states,
		},
	};
	struct dump_ctx dc = { .reset = reset, .sock = sock, .data = data };
	struct cta_nlsock ns = { .bus = NETLINK_SOCK_DIAG, .req = &req, .req_len = sizeof(req) };
	struct cta_nldump nd = {
		.request = cta_nlsock_request,
		.recv = cta_nlsock_recv,
		.tp = &ns,
		.reset = dump_reset,
		.msg = dump_msg,
		.data = &dc,
	};
	int r;

	r = cta_nldump_run(&nd, ret_approximate);
	cta_nlsock_close(&ns);
	return r;
}

/* ---- top ---- */

void cta_sdtop_init(struct cta_sdtop *t, enum cta_sd_by by, uint32_t states)
{
	memset(t, 0, sizeof(*t));
	t->by = by;
	t->states = states;
	cta_agg_init(&t->agg, cta_sd_key_len(by));
}

void cta_sdtop_done(struct cta_sdtop *t)
{
	cta_agg_done(&t->agg);
}

int cta_sdtop_add(struct cta_sdtop *t, const struct cta_sd_sock *s)
{
	unsigned char key[CTA_AGG_KEY_MAX];

	/* the kernel selects request sockets by NEW_SYN_RECV but reports them as SYN_RECV */
	if (s->state > 31 || !(t->states & (1u << s->state) ||
			       (s->state == ST_SYN_RECV && (t->states & (1u << ST_NEW_SYN_RECV)))))
		return 0;
	cta_sd_key(s, t->by, key);
	t->sockets++;
	return cta_agg_add(&t->agg, key, 1);
}

static int sdtop_sock(const struct cta_sd_sock *s, void *data)
{
	return cta_sdtop_add(data, s);
}

static void sdtop_reset(void *data)
{
	struct cta_sdtop *t = data;

	cta_agg_reset(&t->agg);
	t->sockets = 0;
}

struct family_dump {
	int family;
	struct cta_sdtop part;
	bool approximate;
	int r;
};

static void *family_dump_run(void *arg)
{
	struct family_dump *f = arg;

	f->r = cta_sockdiag_dump(f->family, IPPROTO_TCP, f->part.states, sdtop_reset, sdtop_sock,
				 &f->part, &f->approximate);
	if (f->r == -ENOENT && f->family == AF_INET6)
		f->r = 0; /* no IPv6 in this kernel (no inet6 diag handler) */
	return NULL;
}

int cta_sdtop_run(struct cta_sdtop *t)
{
	/* one table per family, so that a retried dump forgets only its own part */
	struct family_dump f[] = { { .family = AF_INET }, { .family = AF_INET6 } };
	pthread_t thread;
	bool threaded;
	int r = 0;

	t->approximate = false;
	sdtop_reset(t);
	for (size_t i = 0; i < ELEMENTSOF(f); i++)
		cta_sdtop_init(&f[i].part, t->by, t->states);
	/*
	 * The kernel walks its whole socket hash once per family, in the thread
	 * that reads the dump; the IPv6 walk finds nothing on most hosts but
	 * costs as much.  Both at once take the time of one on two CPUs.  A
	 * thread inherits the network namespace entered before it starts.
	 */
	threaded = pthread_create(&thread, NULL, family_dump_run, &f[1]) == 0;
	family_dump_run(&f[0]);
	if (threaded)
		(void)pthread_join(thread, NULL);
	else
		family_dump_run(&f[1]);
	for (size_t i = 0; i < ELEMENTSOF(f); i++) {
		if (r >= 0)
			r = f[i].r;
		if (r >= 0)
			r = cta_agg_merge(&t->agg, &f[i].part.agg);
		t->sockets += f[i].part.sockets;
		t->approximate |= f[i].approximate;
		cta_sdtop_done(&f[i].part);
	}
	return r;
}

/* ---- facts summary ---- */

void cta_sd_summary_init(struct cta_sd_summary *s)
{
	memset(s, 0, sizeof(*s));
	cta_agg_init(&s->tw_peers, cta_sd_key_len(CTA_SD_BY_PEER));
	cta_agg_init(&s->tw_local, sizeof(uint16_t));
	cta_agg_init(&s->listening, CTA_SD_LISTEN_KEY_LEN);
}

void cta_sd_summary_done(struct cta_sd_summary *s)
{
	cta_agg_done(&s->tw_peers);
	cta_agg_done(&s->tw_local);
	cta_agg_done(&s->listening);
}

static int add_listening(struct cta_sd_summary *s, int proto, const struct cta_sd_sock *k)
{
	unsigned char key[CTA_AGG_KEY_MAX] = { 0 };
	uint16_t p = htons(k->sport);

	key[0] = (unsigned char)proto;
	memcpy(key + 1, &p, 2);
	key[3] = k->family;
	memcpy(key + 4, k->src, 16);
	return cta_agg_add(&s->listening, key, 1);
}

int cta_sd_summary_add(struct cta_sd_summary *s, int fam, int proto, const struct cta_sd_sock *k)
{
	if (proto == IPPROTO_UDP) {
		/* bound and unconnected: what a UDP server looks like */
		if (k->state == ST_CLOSE && k->dport == 0 && k->sport != 0)
			return add_listening(s, proto, k);
		return 0;
	}
	if (k->state <= CTA_TCP_STATE_MAX)
		s->tcp[fam ? 1 : 0][k->state]++;
	if (k->state == ST_LISTEN)
		return add_listening(s, proto, k);
	if (k->state == ST_TIME_WAIT) {
		unsigned char key[CTA_AGG_KEY_MAX];

		int r;

		cta_sd_key(k, CTA_SD_BY_PEER, key);
		r = cta_agg_add(&s->tw_peers, key, 1);
		if (r < 0)
			return r;
		/* which side closed first: the local port tells (facts.md) */
		memset(key, 0, sizeof(key));
		memcpy(key, &k->sport, sizeof(k->sport));
		return cta_agg_add(&s->tw_local, key, 1);
	}
	return 0;
}

char *cta_sd_listen_format(const unsigned char *key, int *ret_proto, unsigned *ret_port, char *buf,
			   size_t size)
{
	uint16_t p;

	memcpy(&p, key + 1, 2);
	*ret_proto = key[0];
	*ret_port = ntohs(p);
	if (!inet_ntop(key[3] == AF_INET6 ? AF_INET6 : AF_INET, key + 4, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

struct summary_part {
	struct cta_sd_summary sum;
	int fam, proto;
};

static void part_reset(void *data)
{
	struct summary_part *p = data;

	memset(p->sum.tcp, 0, sizeof(p->sum.tcp));
	cta_agg_reset(&p->sum.tw_peers);
	cta_agg_reset(&p->sum.tw_local);
	cta_agg_reset(&p->sum.listening);
}

static int part_sock(const struct cta_sd_sock *k, void *data)
{
	struct summary_part *p = data;

	return cta_sd_summary_add(&p->sum, p->fam, p->proto, k);
}

static int summary_dump(struct cta_sd_summary *s, int family, int proto, uint32_t states)
{
	struct summary_part p = { .fam = family == AF_INET6, .proto = proto };
	bool approx = false;
	int r;

	cta_sd_summary_init(&p.sum);
	r = cta_sockdiag_dump(family, proto, states, part_reset, part_sock, &p, &approx);
	if (r >= 0) {
		for (int f = 0; f < 2; f++)
			for (int st = 0; st <= CTA_TCP_STATE_MAX; st++)
				s->tcp[f][st] += p.sum.tcp[f][st];
		r = cta_agg_merge(&s->tw_peers, &p.sum.tw_peers);
		if (r >= 0)
			r = cta_agg_merge(&s->tw_local, &p.sum.tw_local);
		if (r >= 0)
			r = cta_agg_merge(&s->listening, &p.sum.listening);
		s->approximate |= approx;
	}
	cta_sd_summary_done(&p.sum);
	return r;
}

int cta_sd_summary_run(struct cta_sd_summary *s)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int r;

	for (size_t i = 0; i < ELEMENTSOF(families); i++) {
		/* all states, no extensions: one cheap pass gives counts, listeners and
		 * TIME_WAIT peers */
		r = summary_dump(s, families[i], IPPROTO_TCP, UINT32_MAX);
		if (r == -ENOENT && families[i] == AF_INET6)
			continue; /* no IPv6 in this kernel (no inet6 diag handler) */
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ELEMENTSOF(families); i++) {
		r = summary_dump(s, families[i], IPPROTO_UDP, 1u << ST_CLOSE);
		if (r == -ENOENT && families[i] == AF_INET6)
			continue;
		if (r == -ENOMEM)
			return r;
		if (r < 0 && !s->udp_error)
			s->udp_error = r;
	}
	return 0;
}
