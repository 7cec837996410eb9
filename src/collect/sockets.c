// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "collect/collect.h"
#include "nf/sockdiag.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

#define TIME_WAIT_TOP 10

/* /proc/net/sockstat "TCP: inuse 1 orphan 0 tw 0 alloc 1 mem 55": the cheapest TIME_WAIT count */
static int collect_sockstat(struct cta_collect_ctx *c, json_t *sock)
{
	_cleanup_free_ char *path = cta_collect_proc_path(c, "net/sockstat"), *buf = NULL;
	ssize_t n;
	char *line;

	if (!path)
		return -ENOMEM;
	n = cta_read_file(path, 0, &buf);
	if (n == -ENOMEM)
		return (int)n;
	if (n < 0)
		return cta_collect_unavailable_errno(c, "sockets.sockstat_tw", (int)n);
	line = strstr(buf, "TCP:");
	if (line && (line == buf || line[-1] == '\n')) {
		char *eol = strchr(line, '\n'), *tw;

		if (eol)
			*eol = 0;
		tw = strstr(line, " tw ");
		if (tw) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(tw + 4, &end, 10);
			if (!errno && end != tw + 4 && (*end == ' ' || !*end))
				return json_object_set_new(sock, "sockstat_tw",
							   json_integer((json_int_t)v)) < 0 ?
					       -ENOMEM :
					       0;
		}
	}
	return cta_collect_unavailable(c, "sockets.sockstat_tw", "no 'tw' count in '%s'", path);
}

/*
 * /proc/net/{tcp,tcp6,udp,udp6} fallback when netlink is off (unit tests on
 * fixture trees): the same socket records, read from text.  Addresses are the
 * kernel's __be32 words printed as host-order hex, so converting each word
 * back with the host's byte order restores the network-order bytes.
 */
static int parse_proc_addr(const char *s, int family, uint8_t *addr, uint16_t *port)
{
	size_t words = family == AF_INET6 ? 4 : 1;
	const char *colon = strchr(s, ':');
	char w[9];

	if (!colon || (size_t)(colon - s) != words * 8)
		return -EINVAL;
	for (size_t i = 0; i < words; i++) {
		char *end;
		uint32_t v;

		memcpy(w, s + i * 8, 8);
		w[8] = 0;
		v = (uint32_t)strtoul(w, &end, 16);
		if (*end)
			return -EINVAL;
		memcpy(addr + i * 4, &v, 4);
	}
	*port = (uint16_t)strtoul(colon + 1, NULL, 16);
	return 0;
}

static int proc_sockets(struct cta_collect_ctx *c, struct cta_sd_summary *s, const char *rel,
			int family, int proto)
{
	_cleanup_free_ char *path = cta_collect_proc_path(c, rel), *buf = NULL;
	char *save = NULL;
	ssize_t n;
	bool first = true;

	if (!path)
		return -ENOMEM;
	n = cta_read_file(path, 0, &buf);
	if (n < 0)
		return (int)n;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char local[64], remote[64];
		unsigned st;
		struct cta_sd_sock k = { .family = (uint8_t)family };
		int r;

		if (first) { /* header */
			first = false;
			continue;
		}
		if (sscanf(line, " %*u: %63s %63s %x", local, remote, &st) != 3)
			continue;
		if (parse_proc_addr(local, family, k.src, &k.sport) < 0 ||
		    parse_proc_addr(remote, family, k.dst, &k.dport) < 0)
			continue;
		k.state = (uint8_t)st;
		if (family == AF_INET6) {
			/* same normalization as the netlink path */
			static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
			static const uint8_t zero[16];
			bool sm = !memcmp(k.src, mapped, 12), dm = !memcmp(k.dst, mapped, 12);

			if ((sm || dm) && (sm || !memcmp(k.src, zero, 16)) &&
			    (dm || !memcmp(k.dst, zero, 16))) {
				k.family = AF_INET;
				memmove(k.src, k.src + 12, 4);
				memset(k.src + 4, 0, 12);
				memmove(k.dst, k.dst + 12, 4);
				memset(k.dst + 4, 0, 12);
			}
		}
		r = cta_sd_summary_add(s, family == AF_INET6, proto, &k);
		if (r < 0)
			return r;
	}
	return 0;
}

static int summary_from_proc(struct cta_collect_ctx *c, struct cta_sd_summary *s)
{
	static const struct {
		const char *rel;
		int family, proto;
	} files[] = {
		{ "net/tcp", AF_INET, IPPROTO_TCP },
		{ "net/tcp6", AF_INET6, IPPROTO_TCP },
		{ "net/udp", AF_INET, IPPROTO_UDP },
		{ "net/udp6", AF_INET6, IPPROTO_UDP },
	};
	int r;

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		r = proc_sockets(c, s, files[i].rel, files[i].family, files[i].proto);
		if (r == -ENOMEM)
			return r;
		/* no IPv6 in this kernel: nothing to count there */
		if (r == -ENOENT && files[i].family == AF_INET6)
			continue;
		if (r < 0) {
			if (files[i].proto == IPPROTO_TCP)
				return r;
			if (!s->udp_error)
				s->udp_error = r;
		}
	}
	return 0;
}

static json_t *states_object(const uint64_t *counts)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	/* every state, 0 included: a state left out would read as "unknown" */
	for (unsigned st = 1; st <= CTA_TCP_STATE_MAX; st++) {
		if (json_object_set_new(o, cta_tcp_state_name(st),
					json_integer((json_int_t)counts[st])) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static int listen_cmp(const void *x, const void *y)
{
	const struct cta_agg_item *a = x, *b = y;

	return memcmp(a->key, b->key, CTA_SD_LISTEN_KEY_LEN);
}

/*
 * TIME_WAIT is held by the side that closed first.  On a TCP listening port
 * it is this host's server side; on any other local port (normally one of
 * ip_local_port_range) this host was the client.
 */
static int tw_by_local_port(const struct cta_sd_summary *s, const struct cta_agg_item *ls,
			    ssize_t n_ls, json_t *sock)
{
	_cleanup_free_ struct cta_agg_item *tw = NULL;
	_cleanup_free_ uint8_t *listen = calloc(65536 / 8, 1);
	uint64_t on_listener = 0, other = 0;
	json_t *a;
	ssize_t n;

	if (!listen)
		return -ENOMEM;
	for (ssize_t i = 0; i < n_ls; i++) {
		char addr[INET6_ADDRSTRLEN];
		unsigned port;
		int proto;

		cta_sd_listen_format(ls[i].key, &proto, &port, addr, sizeof(addr));
		if (proto != IPPROTO_UDP && port < 65536)
			listen[port / 8] |= (uint8_t)(1u << (port % 8));
	}
	json_t *ports = json_array();

	if (!ports || json_object_set_new(sock, "time_wait_by_local_port",
					  json_pack("{s:o}", "listening_ports", ports)) < 0)
		return -ENOMEM;
	/* most first: the busy service, not whichever port listens first */
	n = cta_agg_top(&s->tw_local, 0, &tw);
	if (n < 0)
		return (int)n;
	for (ssize_t i = 0; i < n; i++) {
		uint16_t port;

		memcpy(&port, tw[i].key, sizeof(port));
		if (!(listen[port / 8] & (1u << (port % 8)))) {
			other += tw[i].count;
			continue;
		}
		on_listener += tw[i].count;
		if (json_array_size(ports) < TIME_WAIT_TOP &&
		    json_array_append_new(ports, json_pack("{s:i, s:I}", "port", (int)port, "count",
							   (json_int_t)tw[i].count)) < 0)
			return -ENOMEM;
	}
	a = json_object_get(sock, "time_wait_by_local_port");
	if (json_object_set_new(a, "listening", json_integer((json_int_t)on_listener)) < 0 ||
	    json_object_set_new(a, "other", json_integer((json_int_t)other)) < 0)
		return -ENOMEM;
	return 0;
}

static int summary_to_json(const struct cta_sd_summary *s, json_t *sock)
{
	_cleanup_free_ struct cta_agg_item *tw = NULL, *ls = NULL;
	uint64_t sum[CTA_TCP_STATE_MAX + 1];
	json_t *byfam, *a;
	ssize_t n;
	int r;

	for (unsigned st = 0; st <= CTA_TCP_STATE_MAX; st++)
		sum[st] = s->tcp[0][st] + s->tcp[1][st];
	if (json_object_set_new(sock, "tcp", states_object(sum)) < 0)
		return -ENOMEM;
	byfam = json_object();
	if (!byfam || json_object_set_new(sock, "tcp_by_family", byfam) < 0 ||
	    json_object_set_new(byfam, "ipv4", states_object(s->tcp[0])) < 0 ||
	    json_object_set_new(byfam, "ipv6", states_object(s->tcp[1])) < 0)
		return -ENOMEM;

	n = cta_agg_top(&s->tw_peers, TIME_WAIT_TOP, &tw);
	a = json_array();
	if (n < 0 || !a || json_object_set_new(sock, "time_wait_top", a) < 0)
		return -ENOMEM;
	for (ssize_t i = 0; i < n; i++) {
		char key[CTA_CT_KEY_STRLEN];

		if (json_array_append_new(a, json_pack("{s:s, s:I}", "peer",
						       cta_sd_key_format(CTA_SD_BY_PEER, tw[i].key,
									 key, sizeof(key)),
						       "count", (json_int_t)tw[i].count)) < 0)
			return -ENOMEM;
	}

	/* all keys, in key order: proto, port, family, address */
	n = cta_agg_top(&s->listening, 0, &ls);
	a = json_array();
	if (n < 0 || !a || json_object_set_new(sock, "listening", a) < 0)
		return -ENOMEM;
	/* a port shared by several sockets (SO_REUSEPORT) counts more than 1:
	 * order by key alone */
	qsort(ls, (size_t)n, sizeof(*ls), listen_cmp);
	for (ssize_t i = 0; i < n; i++) {
		char addr[INET6_ADDRSTRLEN];
		unsigned port;
		int proto;

		cta_sd_listen_format(ls[i].key, &proto, &port, addr, sizeof(addr));
		if (json_array_append_new(a, json_pack("{s:s, s:s, s:i}", "proto",
						       proto == IPPROTO_UDP ? "udp" : "tcp", "addr",
						       addr, "port", (int)port)) < 0)
			return -ENOMEM;
	}
	r = tw_by_local_port(s, ls, n, sock);
	if (r < 0)
		return r;
	if (s->approximate && json_object_set_new(sock, "approximate", json_true()) < 0)
		return -ENOMEM;
	return 0;
}

int cta_collect_sockets(struct cta_collect_ctx *c)
{
	struct cta_sd_summary s;
	json_t *sock;
	const char *source;
	int r;

	if (c->opts->offline)
		return 0; /* sockets exist only in a running kernel */
	sock = cta_json_object_child(c->facts, "sockets");
	if (!sock)
		return -ENOMEM;
	r = collect_sockstat(c, sock);
	if (r < 0)
		return r;

	cta_sd_summary_init(&s);
	if (c->opts->no_netlink) {
		source = "proc";
		r = summary_from_proc(c, &s);
	} else {
		source = "sock_diag";
		r = cta_sd_summary_run(&s);
		/* a kernel without inet_diag still has the /proc tables (4x slower) */
		if (r == -ENOENT || r == -EOPNOTSUPP || r == -EPROTONOSUPPORT) {
			cta_sd_summary_done(&s);
			cta_sd_summary_init(&s);
			source = "proc";
			r = summary_from_proc(c, &s);
		}
	}
	if (r == -ENOMEM)
		goto out;
	if (r < 0) {
		r = cta_collect_unavailable_errno(c, "sockets.tcp", r);
		goto out;
	}
	r = summary_to_json(&s, sock);
	if (r < 0)
		goto out;
	if (json_object_set_new(sock, "source", json_string(source)) < 0) {
		r = -ENOMEM;
		goto out;
	}
	if (s.udp_error)
		r = cta_collect_unavailable_errno(c, "sockets.listening", s.udp_error);
out:
	cta_sd_summary_done(&s);
	return r;
}
