// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel log: one pass over /dev/kmsg per collection, every record
 * offered to each pattern's handler (the table below).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "collect/collect.h"
#include "collect/kmsg.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

const char *cta_kmsg_split(const char *rec, bool *ret_have_ts, uint64_t *ret_ts_us)
{
	const char *semi = strchr(rec, ';'), *p;
	uint64_t ts = 0, frac = 0;
	int fields = 0, digits = 0;

	*ret_have_ts = false;
	if (semi) {
		/* kmsg: the header is digits and commas, then flags, before the first ';' */
		const char *f = rec;

		for (p = rec; p < semi && fields < 2; p++)
			if (*p == ',')
				fields++, f = p + 1;
		if (fields == 2 && isdigit((unsigned char)*f)) {
			for (p = f; isdigit((unsigned char)*p) && ts < UINT64_MAX / 10; p++)
				ts = ts * 10 + (uint64_t)(*p - '0');
			if (*p == ',' || *p == ';') {
				*ret_have_ts = true;
				*ret_ts_us = ts;
				return semi + 1;
			}
		}
	}
	if (rec[0] == '[') {
		p = rec + 1;
		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p))
			return rec;
		for (; isdigit((unsigned char)*p) && ts < UINT64_MAX / 10; p++)
			ts = ts * 10 + (uint64_t)(*p - '0');
		if (*p == '.')
			for (p++; isdigit((unsigned char)*p); p++)
				if (digits < 6)
					frac = frac * 10 + (uint64_t)(*p - '0'), digits++;
		if (*p != ']' || ts > UINT64_MAX / 1000000)
			return rec;
		for (; digits < 6; digits++)
			frac *= 10;
		*ret_have_ts = true;
		*ret_ts_us = ts * 1000000 + frac;
		return p[1] == ' ' ? p + 2 : p + 1;
	}
	return rec;
}

static int read_lines(char *text, cta_kmsg_fn fn, void *userdata)
{
	char *save = NULL;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int r = fn(l, userdata);

		if (r < 0)
			return r;
	}
	return 0;
}

int cta_kmsg_read(const char *path, cta_kmsg_fn fn, void *userdata)
{
	/* a kmsg record is at most about 8 KiB (CONSOLE_EXT_LOG_MAX); a smaller buffer gives EINVAL */
	const size_t bufsz = 16384;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	struct stat st;

	if (fd < 0)
		return cta_negerrno();
	if (fstat(fd, &st) < 0)
		return cta_negerrno();
	if (S_ISREG(st.st_mode)) {
		/* a saved log (tests, an image): plain lines */
		ssize_t k = cta_read_file(path, 0, &buf);

		if (k < 0)
			return (int)k;
		return read_lines(buf, fn, userdata);
	}
	buf = malloc(bufsz);
	if (!buf)
		return -ENOMEM;
	/* start at the oldest record dmesg would show */
	(void)lseek(fd, 0, SEEK_DATA);
	for (;;) {
		ssize_t k = read(fd, buf, bufsz - 1);
		char *nl;
		int r;

		if (k < 0) {
			if (errno == EINTR || errno == EPIPE) /* EPIPE: a record was overwritten */
				continue;
			if (errno == EAGAIN)
				break;
			return cta_negerrno();
		}
		if (k == 0)
			break;
		buf[k] = 0;
		/* one record per read; continuation lines (" KEY=value") follow the first newline */
		nl = strchr(buf, '\n');
		if (nl)
			*nl = 0;
		r = fn(buf, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- "Possible SYN flooding" ---------------------------------------------- */

/*
 * tcp_syn_flood_action() (net/ipv4/tcp_input.c) logs once per listening
 * socket (queue->synflood_warned) when its SYN queue is full, and never with
 * tcp_syncookies=2:
 *   before 6.2: "%s: Possible SYN flooding on port %d. %s.  Check SNMP counters."
 *   since 6.2 (commit d9282e48c608 "tcp: Add listening address to SYN flood
 *   message"): "%s: Possible SYN flooding on port %pI4:%u. %s." and, for an
 *   AF_INET6 listener, "... on port [%pI6c]:%u. %s."
 * %s is "Sending cookies" or "Dropping request"; the port is the listener's,
 * the address its bound one (0.0.0.0, ::).  pr_fmt adds "TCP: " in front.
 * 2.6-era kernels (syn_flood_warning(), net/ipv4/tcp_ipv4.c) logged
 * "possible SYN flooding on port %d. Sending cookies." at most once a minute.
 */
static bool parse_port(const char **pp, uint16_t *ret)
{
	const char *p = *pp;
	unsigned v = 0;

	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > 65535)
			return false;
	}
	*ret = (uint16_t)v;
	*pp = p;
	return true;
}

bool cta_syn_flood_parse(const char *msg, struct cta_syn_flood_line *ret)
{
	static const char tag[] = "ossible SYN flooding on port ";
	const char *p = strstr(msg, tag), *end;
	struct cta_syn_flood_line l = {};
	char addr[INET6_ADDRSTRLEN];

	if (!p || p == msg || (p[-1] != 'P' && p[-1] != 'p'))
		return false;
	p += strlen(tag);
	if (*p == '[') {
		end = strchr(p, ']');
		if (!end || (size_t)(end - p - 1) >= sizeof(addr) || end[1] != ':')
			return false;
		memcpy(addr, p + 1, (size_t)(end - p - 1));
		addr[end - p - 1] = 0;
		if (inet_pton(AF_INET6, addr, &l.addr) != 1)
			return false;
		l.have_addr = true;
		l.family = AF_INET6;
		p = end + 2;
	} else {
		end = p + strspn(p, "0123456789.");
		if (*end == ':') {
			if ((size_t)(end - p) >= sizeof(addr))
				return false;
			memcpy(addr, p, (size_t)(end - p));
			addr[end - p] = 0;
			if (inet_pton(AF_INET, addr, &l.addr) != 1)
				return false;
			l.have_addr = true;
			l.family = AF_INET;
			p = end + 1;
		}
	}
	if (!parse_port(&p, &l.port) || !strneq(p, ". ", 2))
		return false;
	p += 2;
	if (strneq(p, "Sending cookies", strlen("Sending cookies")))
		l.cookies = true;
	else if (!strneq(p, "Dropping request", strlen("Dropping request")))
		return false;
	*ret = l;
	return true;
}

static bool same_listener(const struct cta_syn_flood_line *a, const struct cta_syn_flood_line *b)
{
	if (a->port != b->port || a->have_addr != b->have_addr)
		return false;
	if (!a->have_addr)
		return true;
	return a->family == b->family &&
	       memcmp(&a->addr, &b->addr, a->family == AF_INET ? 4 : sizeof(a->addr)) == 0;
}

int cta_syn_flood_add(struct cta_syn_flood *sf, const char *rec, bool have_since, uint64_t since_us)
{
	struct cta_syn_flood_line l;
	struct cta_syn_flood_entry *e = NULL;
	bool have_ts;
	uint64_t ts = 0;
	const char *msg = cta_kmsg_split(rec, &have_ts, &ts);

	if (!cta_syn_flood_parse(msg, &l))
		return 0;
	for (size_t i = 0; i < sf->n && !e; i++)
		if (same_listener(&sf->v[i].key, &l))
			e = &sf->v[i];
	if (!e) {
		if (sf->n == sf->cap) {
			size_t cap = sf->cap ? sf->cap * 2 : 8;
			struct cta_syn_flood_entry *v = reallocarray(sf->v, cap, sizeof(*v));

			if (!v)
				return -ENOMEM;
			sf->v = v;
			sf->cap = cap;
		}
		e = &sf->v[sf->n++];
		*e = (struct cta_syn_flood_entry){ .key = l };
		e->key.cookies = false;
	}
	sf->total++;
	e->count++;
	if (l.cookies)
		e->cookies++;
	else
		e->dropped++;
	/* a line without a timestamp cannot be placed in the interval: count it as recent */
	if (have_since && (!have_ts || ts >= since_us))
		e->in_interval++;
	if (have_ts && (!e->have_ts || ts > e->last_ts_us)) {
		e->have_ts = true;
		e->last_ts_us = ts;
	}
	return 0;
}

void cta_syn_flood_done(struct cta_syn_flood *sf)
{
	free(sf->v);
	*sf = (struct cta_syn_flood){};
}

/* A TCP listener of this namespace with the line's port (and address, when printed). */
static bool listener_here(const json_t *listening, const struct cta_syn_flood_line *l)
{
	size_t i;
	json_t *s;

	json_array_foreach(listening, i, s) {
		const char *proto = json_string_value(json_object_get(s, "proto"));
		const char *addr = json_string_value(json_object_get(s, "addr"));
		json_t *port = json_object_get(s, "port");
		struct in6_addr a = {};

		if (!proto || !streq(proto, "tcp") || !json_is_integer(port) ||
		    json_integer_value(port) != l->port)
			continue;
		if (!l->have_addr)
			return true;
		if (addr && inet_pton(l->family, addr, &a) == 1 &&
		    memcmp(&a, &l->addr, l->family == AF_INET ? 4 : sizeof(a)) == 0)
			return true;
	}
	return false;
}

int cta_syn_flood_facts(const struct cta_syn_flood *sf, const json_t *listening, bool have_since,
			json_t **ret)
{
	_cleanup_json_ json_t *o = NULL, *a = json_array();
	uint64_t here = 0, here_ivl = 0, other = 0, other_ivl = 0;

	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < sf->n; i++) {
		const struct cta_syn_flood_entry *e = &sf->v[i];
		json_t *j;
		char addr[INET6_ADDRSTRLEN];

		if (!json_is_array(listening) || !listener_here(listening, &e->key)) {
			other += e->count;
			other_ivl += e->in_interval;
			continue;
		}
		here += e->count;
		here_ivl += e->in_interval;
		j = json_pack("{s:i, s:I, s:I, s:I}", "port", (int)e->key.port, "count",
			      (json_int_t)e->count, "cookies", (json_int_t)e->cookies, "dropped",
			      (json_int_t)e->dropped);
		if (!j || json_array_append_new(a, j) < 0)
			return -ENOMEM;
		if (e->key.have_addr &&
		    (!inet_ntop(e->key.family, &e->key.addr, addr, sizeof(addr)) ||
		     json_object_set_new(j, "addr", json_string(addr)) < 0))
			return -ENOMEM;
		if (e->have_ts &&
		    json_object_set_new(j, "last_seen_s",
					json_integer((json_int_t)(e->last_ts_us / 1000000))) < 0)
			return -ENOMEM;
		if (have_since && json_object_set_new(j, "in_interval",
						      json_integer((json_int_t)e->in_interval)) < 0)
			return -ENOMEM;
	}
	o = json_pack("{s:I, s:I, s:O}", "this_netns", (json_int_t)here, "unattributed",
		      (json_int_t)other, "listeners", a);
	if (!o)
		return -ENOMEM;
	if (have_since && (json_object_set_new(o, "this_netns_in_interval",
					       json_integer((json_int_t)here_ivl)) < 0 ||
			   json_object_set_new(o, "unattributed_in_interval",
					       json_integer((json_int_t)other_ivl)) < 0))
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

/* ---- the pass -------------------------------------------------------------- */

struct kmsg_state {
	struct cta_collect_ctx *c;
	uint64_t self_inum;
	struct cta_table_full tf;
	struct cta_syn_flood sf;
};

static int on_table_full(const char *rec, struct kmsg_state *s)
{
	cta_table_full_add(&s->tf, rec, s->self_inum, s->c->have_since, s->c->since_mono_us);
	return 0;
}

static int on_syn_flood(const char *rec, struct kmsg_state *s)
{
	return cta_syn_flood_add(&s->sf, rec, s->c->have_since, s->c->since_mono_us);
}

static int on_record(const char *rec, void *userdata)
{
	static int (*const handlers[])(const char *, struct kmsg_state *) = {
		on_table_full,
		on_syn_flood,
	};

	for (size_t i = 0; i < ELEMENTSOF(handlers); i++) {
		int r = handlers[i](rec, userdata);

		if (r < 0)
			return r;
	}
	return 0;
}

static int set_syn_flood(struct cta_collect_ctx *c, const struct cta_syn_flood *sf)
{
	json_t *sock = cta_json_object_child(c->facts, "sockets");
	json_t *listening = json_object_get(sock, "listening");
	_cleanup_json_ json_t *o = NULL;
	int r;

	if (!sock)
		return -ENOMEM;
	r = cta_syn_flood_facts(sf, json_is_array(listening) ? listening : NULL, c->have_since, &o);
	if (r < 0)
		return r;
	if (json_object_set_new(sock, "syn_flood_messages", json_integer((json_int_t)sf->total)) <
		    0 ||
	    json_object_set(sock, "syn_flood", o) < 0)
		return -ENOMEM;
	return 0;
}

int cta_collect_kmsg(struct cta_collect_ctx *c)
{
	_cleanup_free_ char *path = NULL;
	struct kmsg_state s = { .c = c };
	json_t *self = json_object_get(json_object_get(c->facts, "host"), "netns_inode");
	json_t *ct = json_object_get(c->facts, "conntrack");
	int r;

	/* the kernel log is the host's: read in the initial namespace only (netns-run.h) */
	if (c->opts->offline || c->opts->netns_only)
		return 0;
	if (asprintf(&path, "%s/kmsg", c->opts->devfs ? c->opts->devfs : "/dev") < 0)
		return -ENOMEM;
	s.self_inum = json_is_integer(self) ? (uint64_t)json_integer_value(self) : 0;
	r = cta_kmsg_read(path, on_record, &s);
	if (r == -ENOMEM)
		goto out;
	if (r < 0) {
		int err = r;

		/* /dev/kmsg: devkmsg_open() checks syslog access, CAP_SYSLOG
		 * while kernel.dmesg_restrict is 1 (Documentation/admin-guide/sysctl/kernel.rst) */
		static const char needs[] =
			"CAP_SYSLOG to read /dev/kmsg while kernel.dmesg_restrict is 1";

		r = cta_collect_unavailable_needs(c, "conntrack.table_full_messages", err, needs);
		if (r >= 0)
			r = cta_collect_unavailable_needs(c, "sockets.syn_flood_messages", err,
							  needs);
		goto out;
	}
	r = 0;
	if (json_is_object(ct))
		r = cta_table_full_set(c, ct, &s.tf);
	if (r >= 0)
		r = set_syn_flood(c, &s.sf);
out:
	cta_syn_flood_done(&s.sf);
	return r;
}
