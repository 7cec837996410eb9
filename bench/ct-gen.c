// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ct-gen: fill the current network namespace's conntrack table with N
 * synthetic TCP ESTABLISHED entries, fast.
 *
 * `conntrack -I` in a loop manages about 750 entries per second because every
 * entry costs a process, a socket and a round trip.  Here several hundred
 * IPCTNL_MSG_CT_NEW messages go into one sendmsg(); only the last message of
 * each batch asks for an ACK, which doubles as flow control: the kernel
 * processes a netlink skb's messages in order, so once that ACK is read every
 * error of the batch has been read too.
 *
 * The source distribution is skewed so that "who fills the table" has a
 * clear answer: --skew PCT of the entries come from one source (10.1.0.1, or
 * fd00:1::1 for IPv6), the rest follow a Zipf(1) law over --sources others.
 * Everything is derived from --seed, so two runs create the same table.
 *
 * Run it inside the namespace to fill: ip netns exec NS ct-gen -n 100000
 *
 * With --rate R the entries are created at R per second (each creation is a
 * conntrack NEW event), in batches of at most a hundredth of a second's worth,
 * for `top conntrack --rate` tests and benchmarks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "bench.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/banned.h"

#define SPORT_BASE 1024u
#define SPORT_SPAN 64000u /* source ports 1024..65023 per (src, dst, dport) */
#define N_DSTS 64u

static const uint16_t dports[] = { 443, 80, 8080, 5432, 6379, 3306, 22, 9090 };
#define N_DPORTS ELEMENTSOF(dports)

struct opts {
	uint64_t n;
	unsigned v6_share; /* percent */
	uint64_t seed;
	unsigned skew; /* percent from the heaviest source */
	unsigned sources;
	unsigned batch;
	unsigned timeout;
	bool excl;
	bool quiet;
	uint64_t rate; /* entries per second, 0: as fast as possible */
	bool per_source;
};

struct tuple {
	int family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport; /* host order */
};

/*
 * Source s is 10.1.0.0 + s + 1 (fd00:1::s+1), destination d is 10.2.0.d+1
 * (fd00:2::d+1): the two ranges never meet, so no entry's reply tuple can
 * clash with another entry's original tuple.
 */
static void addr_make(int family, uint8_t net, uint32_t host, uint8_t *out)
{
	memset(out, 0, 16);
	if (family == AF_INET) {
		uint32_t a = htonl((10u << 24) | ((uint32_t)net << 16) | host);

		memcpy(out, &a, 4);
	} else {
		uint32_t h = htonl(host);

		out[0] = 0xfd;
		out[3] = net;
		memcpy(out + 12, &h, 4);
	}
}

static void put_tuple(struct nlmsghdr *nlh, uint16_t type, int family, const uint8_t *src,
		      const uint8_t *dst, uint16_t sport, uint16_t dport)
{
	struct nlattr *t = mnl_attr_nest_start(nlh, type);
	struct nlattr *ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	struct nlattr *proto;

	if (family == AF_INET) {
		mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, src);
		mnl_attr_put(nlh, CTA_IP_V4_DST, 4, dst);
	} else {
		mnl_attr_put(nlh, CTA_IP_V6_SRC, 16, src);
		mnl_attr_put(nlh, CTA_IP_V6_DST, 16, dst);
	}
	mnl_attr_nest_end(nlh, ip);
	proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_TCP);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dport));
	mnl_attr_nest_end(nlh, proto);
	mnl_attr_nest_end(nlh, t);
}

static void put_ct_new(struct nlmsghdr *nlh, const struct tuple *t, const struct opts *o,
		       uint32_t seq, bool ack)
{
	struct nfgenmsg *nfg;
	struct nlattr *pi, *tcp;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | (o->excl ? NLM_F_EXCL : 0) |
			   (ack ? NLM_F_ACK : 0);
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)t->family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;

	put_tuple(nlh, CTA_TUPLE_ORIG, t->family, t->src, t->dst, t->sport, t->dport);
	put_tuple(nlh, CTA_TUPLE_REPLY, t->family, t->dst, t->src, t->dport, t->sport);
	mnl_attr_put_u32(nlh, CTA_STATUS, htonl(IPS_ASSURED | IPS_CONFIRMED | IPS_SEEN_REPLY));
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(o->timeout));
	pi = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
	tcp = mnl_attr_nest_start(nlh, CTA_PROTOINFO_TCP);
	mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
	mnl_attr_nest_end(nlh, tcp);
	mnl_attr_nest_end(nlh, pi);
}

struct gen {
	struct opts o;
	struct bench_picker pick;
	uint64_t rng;
	/* next source port offset per (family, source, dst, dport): keeps 5-tuples unique */
	uint16_t *next;
	uint64_t *per_source; /* entries per (family, source) for the summary */
};

static size_t slot(const struct gen *g, int fam6, unsigned s, unsigned d, unsigned p)
{
	return (((size_t)fam6 * (g->o.sources + 1) + s) * N_DSTS + d) * N_DPORTS + p;
}

static int gen_tuple(struct gen *g, struct tuple *t)
{
	int fam6 = bench_rng_next(&g->rng) % 100 < g->o.v6_share;
	unsigned s = bench_picker_pick(&g->pick, &g->rng);
	unsigned d = (unsigned)(bench_rng_next(&g->rng) % N_DSTS);
	unsigned p = (unsigned)(bench_rng_next(&g->rng) % N_DPORTS);

	/* a (src, dst, dport) whose ports are used up moves on to the next pair */
	for (unsigned tries = 0; g->next[slot(g, fam6, s, d, p)] >= SPORT_SPAN; tries++) {
		if (tries >= N_DSTS * N_DPORTS)
			return -ENOSPC;
		if (++p == N_DPORTS) {
			p = 0;
			d = (d + 1) % N_DSTS;
		}
	}
	t->family = fam6 ? AF_INET6 : AF_INET;
	addr_make(t->family, 1, s + 1, t->src);
	addr_make(t->family, 2, d + 1, t->dst);
	t->sport = (uint16_t)(SPORT_BASE + g->next[slot(g, fam6, s, d, p)]++);
	t->dport = dports[p];
	g->per_source[(size_t)fam6 * (g->o.sources + 1) + s]++;
	return 0;
}

struct errs {
	uint64_t n;
	int first;
	uint64_t eexist, enomem, other;
};

/* Read replies until the ACK of @ack_seq; count errors of the batch. */
static int read_replies(struct mnl_socket *nl, uint32_t ack_seq, struct errs *e, void *buf,
			size_t bufsz)
{
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(nl, buf, bufsz);
		struct nlmsghdr *nlh;
		int remain;

		if (len < 0)
			return cta_negerrno();
		remain = (int)len;
		for (nlh = buf; mnl_nlmsg_ok(nlh, remain); nlh = mnl_nlmsg_next(nlh, &remain)) {
			const struct nlmsgerr *err;

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			err = mnl_nlmsg_get_payload(nlh);
			if (err->error != 0) {
				e->n++;
				if (!e->first)
					e->first = err->error;
				if (err->error == -EEXIST)
					e->eexist++;
				else if (err->error == -ENOMEM)
					e->enomem++;
				else
					e->other++;
			}
			if (nlh->nlmsg_seq == ack_seq)
				return 0;
		}
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fputs("usage: ct-gen [-n N] [--v6-share PCT] [--seed S] [--skew PCT] [--sources K]\n"
	      "              [--batch B] [--timeout SEC] [--no-excl] [--quiet]\n"
	      "              [--rate R] [--per-source]\n\n"
	      "Create N synthetic conntrack entries (TCP ESTABLISHED, ASSURED) in the current\n"
	      "network namespace with batched ctnetlink messages.\n\n"
	      "  -n N             entries to create (default 100000)\n"
	      "  --v6-share PCT   percent of IPv6 entries (default 0)\n"
	      "  --seed S         random seed; the same seed gives the same table (default 1)\n"
	      "  --skew PCT       percent of entries from the single heaviest source (default 62)\n"
	      "  --sources K      other sources, Zipf(1) distributed (default 4096)\n"
	      "  --batch B        messages per sendmsg (default 512)\n"
	      "  --timeout SEC    entry timeout (default 3600)\n"
	      "  --no-excl        update existing entries instead of failing with EEXIST\n"
	      "  --quiet          print only the summary line\n"
	      "  --rate R         create R entries per second (default: as fast as possible)\n"
	      "  --per-source     print 'source ADDR COUNT' for every source used\n",
	      f);
}

static int parse_uint(const char *arg, const char *name, uint64_t max, uint64_t *ret)
{
	uint64_t v;

	if (cta_parse_u64(arg, &v) < 0 || v > max) {
		fprintf(stderr, "ct-gen: invalid %s '%s'\n", name, arg);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = { { "v6-share", required_argument, NULL, '6' },
						  { "seed", required_argument, NULL, 's' },
						  { "skew", required_argument, NULL, 'k' },
						  { "sources", required_argument, NULL, 'S' },
						  { "batch", required_argument, NULL, 'b' },
						  { "timeout", required_argument, NULL, 't' },
						  { "no-excl", no_argument, NULL, 'X' },
						  { "quiet", no_argument, NULL, 'q' },
						  { "rate", required_argument, NULL, 'r' },
						  { "per-source", no_argument, NULL, 'P' },
						  { "help", no_argument, NULL, 'h' },
						  {} };
	int c;
	uint64_t v;

	*o = (struct opts){ .n = 100000,
			    .seed = 1,
			    .skew = 62,
			    .sources = 4096,
			    .batch = 512,
			    .timeout = 3600,
			    .excl = true };
	while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_uint(optarg, "count", 100000000, &o->n) < 0)
				return -EINVAL;
			break;
		case '6':
			if (parse_uint(optarg, "v6 share", 100, &v) < 0)
				return -EINVAL;
			o->v6_share = (unsigned)v;
			break;
		case 's':
			if (parse_uint(optarg, "seed", UINT64_MAX, &o->seed) < 0)
				return -EINVAL;
			break;
		case 'k':
			if (parse_uint(optarg, "skew", 100, &v) < 0)
				return -EINVAL;
			o->skew = (unsigned)v;
			break;
		case 'S':
			if (parse_uint(optarg, "source count", 65000, &v) < 0)
				return -EINVAL;
			o->sources = (unsigned)v;
			break;
		case 'b':
			if (parse_uint(optarg, "batch size", 4096, &v) < 0 || v == 0) {
				fprintf(stderr, "ct-gen: batch size must be 1..4096\n");
				return -EINVAL;
			}
			o->batch = (unsigned)v;
			break;
		case 't':
			if (parse_uint(optarg, "timeout", UINT32_MAX / 1000, &v) < 0 || v == 0)
				return -EINVAL;
			o->timeout = (unsigned)v;
			break;
		case 'X':
			o->excl = false;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'r':
			if (parse_uint(optarg, "rate", 10000000, &o->rate) < 0 || o->rate == 0)
				return -EINVAL;
			break;
		case 'P':
			o->per_source = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ct-gen: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->sources == 0 && o->skew < 100)
		o->skew = 100;
	return 0;
}

static void print_top_source(const struct gen *g, uint64_t created)
{
	uint64_t best = 0;
	size_t best_i = 0;
	size_t nslots = 2 * ((size_t)g->o.sources + 1);
	char addr[INET6_ADDRSTRLEN];
	uint8_t raw[16];
	int fam6;

	for (size_t i = 0; i < nslots; i++) {
		if (g->per_source[i] > best) {
			best = g->per_source[i];
			best_i = i;
		}
	}
	if (!best)
		return;
	fam6 = best_i > g->o.sources;
	addr_make(fam6 ? AF_INET6 : AF_INET, 1, (uint32_t)(best_i % (g->o.sources + 1)) + 1, raw);
	inet_ntop(fam6 ? AF_INET6 : AF_INET, raw, addr, sizeof(addr));
	printf("top source %s: %" PRIu64 " generated (%.1f%% of %" PRIu64 ")\n", addr, best,
	       100.0 * (double)best / (double)(created ? created : 1), created);
}

static void print_per_source(const struct gen *g)
{
	char addr[INET6_ADDRSTRLEN];
	uint8_t raw[16];

	for (size_t i = 0; i < 2 * ((size_t)g->o.sources + 1); i++) {
		int fam6 = i > g->o.sources;

		if (!g->per_source[i])
			continue;
		addr_make(fam6 ? AF_INET6 : AF_INET, 1, (uint32_t)(i % (g->o.sources + 1)) + 1,
			  raw);
		inet_ntop(fam6 ? AF_INET6 : AF_INET, raw, addr, sizeof(addr));
		printf("source %s %" PRIu64 "\n", addr, g->per_source[i]);
	}
}

/* --rate: wait until the next entry is due; returns how many may go now. */
static uint64_t pace(const struct opts *o, double t0, uint64_t done)
{
	for (;;) {
		double due = (double)o->rate * (now() - t0);
		uint64_t step = o->rate / 100 ? o->rate / 100 : 1;

		if (due >= (double)done + 1)
			return MIN((uint64_t)due - done, step);
		/* sleep until one more entry is due, at most 10 ms */
		{
			double wait = ((double)done + 1 - due) / (double)o->rate;
			struct timespec ts = { 0, (long)(MIN(wait, 0.01) * 1e9) + 1 };

			nanosleep(&ts, NULL);
		}
	}
}

int main(int argc, char **argv)
{
	struct gen g = {};
	struct mnl_socket *nl = NULL;
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ char *rbuf = NULL;
	/* under the socket's send buffer (2 x wmem_max = 425984 by default) */
	const size_t bufsz = 192 * 1024, rbufsz = 1 << 20;
	struct errs e = {};
	uint64_t done = 0, sent = 0;
	uint32_t seq = 0;
	double t0, t1;
	int r, one = 1, rcvbuf = 8 << 20;

	r = parse_opts(argc, argv, &g.o);
	if (r != 0)
		return r > 0 ? 0 : 2;
	if (bench_in_init_netns() != 0) {
		fputs("ct-gen: refusing to run outside a throwaway network namespace "
		      "(use 'ip netns exec NS ct-gen ...')\n",
		      stderr);
		return 2;
	}
	g.rng = g.o.seed;
	if (bench_picker_init(&g.pick, g.o.sources, g.o.skew) < 0)
		goto oom;
	g.next = calloc(slot(&g, 2, 0, 0, 0), sizeof(uint16_t));
	g.per_source = calloc(2 * ((size_t)g.o.sources + 1), sizeof(uint64_t));
	buf = malloc(bufsz);
	rbuf = malloc(rbufsz);
	if (!g.next || !g.per_source || !buf || !rbuf)
		goto oom;

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl) {
		perror("ct-gen: cannot open netlink socket");
		return 1;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("ct-gen: cannot bind netlink socket");
		mnl_socket_close(nl);
		return 1;
	}
	/* error replies without the echoed request; a roomy receive buffer (root may force) */
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) <
	    0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

	/* an ACK that never comes must not hang a benchmark */
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO,
		   &(struct timeval){ .tv_sec = 30 }, sizeof(struct timeval));

	t0 = now();
	while (done < g.o.n) {
		struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, bufsz);
		uint64_t in_batch = 0, batch_max = g.o.batch;
		struct nlmsghdr *last = NULL;
		struct errs before = e;

		if (!b)
			goto oom;
		if (g.o.rate)
			batch_max = MIN(batch_max, pace(&g.o, t0, done));
		while (in_batch < batch_max && done + in_batch < g.o.n) {
			struct tuple t;
			struct nlmsghdr *nlh;

			/* a v6 CT_NEW is under 300 bytes: stop while one more surely fits */
			if (mnl_nlmsg_batch_size(b) + 512 > bufsz)
				break;
			if (gen_tuple(&g, &t) < 0) {
				fprintf(stderr,
					"ct-gen: out of unique tuples; use more --sources\n");
				mnl_nlmsg_batch_stop(b);
				goto out;
			}
			nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
			put_ct_new(nlh, &t, &g.o, ++seq, false);
			last = nlh;
			mnl_nlmsg_batch_next(b);
			in_batch++;
		}
		last->nlmsg_flags |= NLM_F_ACK;
		if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0) {
			perror("ct-gen: sendmsg");
			mnl_nlmsg_batch_stop(b);
			goto out;
		}
		mnl_nlmsg_batch_stop(b);
		r = read_replies(nl, last->nlmsg_seq, &e, rbuf, rbufsz);
		if (r < 0) {
			fprintf(stderr, "ct-gen: reading replies: %s\n", strerror(-r));
			goto out;
		}
		done += in_batch;
		sent += in_batch;
		/* a batch that failed completely will not do better next time */
		if (e.n - before.n == in_batch) {
			fprintf(stderr, "ct-gen: every entry of a batch failed: %s\n",
				strerror(-e.first));
			break;
		}
	}
out:
	t1 = now();
	mnl_socket_close(nl);
	{
		uint64_t created = sent - e.n;
		double dt = t1 - t0 > 0 ? t1 - t0 : 1e-9;

		if (!g.o.quiet)
			print_top_source(&g, sent);
		if (g.o.per_source)
			print_per_source(&g);
		printf("%s %" PRIu64 " entries in %.3f s (%.0f entries/s), %" PRIu64
		       " errors (eexist %" PRIu64 ", enomem %" PRIu64 ", other %" PRIu64 ")\n",
		       g.o.excl ? "created" : "created or updated", created, dt,
		       (double)created / dt, e.n, e.eexist, e.enomem, e.other);
		if (e.first)
			fprintf(stderr, "ct-gen: first error: %s\n", strerror(-e.first));
		free(g.pick.cdf);
		free(g.next);
		free(g.per_source);
		return created == g.o.n ? 0 : 1;
	}
oom:
	fputs("ct-gen: out of memory\n", stderr);
	return 1;
}
