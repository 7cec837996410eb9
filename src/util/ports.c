/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/ports.h"

/* One PORT: 1 to 5 decimal digits, value <= 65535.  Advances *p. */
static int parse_one(const char **p, uint16_t *ret)
{
	const char *s = *p;
	uint32_t v = 0;
	int n = 0;

	while (*s >= '0' && *s <= '9') {
		if (++n > 5)
			return -EINVAL;
		v = v * 10 + (uint32_t)(*s++ - '0');
	}
	if (n == 0 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	*p = s;
	return 0;
}

int cta_port_range_parse(const char *s, unsigned flags, struct cta_port_range *ret)
{
	struct cta_port_range r;

	if (!s || parse_one(&s, &r.lo) < 0)
		return -EINVAL;
	r.hi = r.lo;
	if (*s == '-' || *s == ':') {
		if (flags & CTA_PORT_NO_RANGE)
			return -EINVAL;
		s++;
		if (parse_one(&s, &r.hi) < 0)
			return -EINVAL;
	}
	if (*s || r.lo > r.hi || ((flags & CTA_PORT_NO_ZERO) && r.lo == 0))
		return -EINVAL;
	*ret = r;
	return 0;
}

char *cta_port_range_format(const struct cta_port_range *r, char buf[static CTA_PORT_RANGE_STRLEN])
{
	if (r->lo == r->hi)
		snprintf(buf, CTA_PORT_RANGE_STRLEN, "%u", (unsigned)r->lo);
	else
		snprintf(buf, CTA_PORT_RANGE_STRLEN, "%u-%u", (unsigned)r->lo, (unsigned)r->hi);
	return buf;
}

int cta_port_range_cmp(const struct cta_port_range *a, const struct cta_port_range *b)
{
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	return 0;
}

static bool proto_valid(const char *proto)
{
	return proto && (strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0);
}

int cta_notrack_port_init(struct cta_notrack_port *ret, int family, const char *proto,
			  const char *port)
{
	struct cta_port_range r;
	struct cta_notrack_port p = { .family = family };

	if (!proto_valid(proto) || cta_port_range_parse(port, CTA_PORT_NO_ZERO, &r) < 0)
		return -EINVAL;
	memcpy(p.proto, proto, strlen(proto) + 1);
	cta_port_range_format(&r, p.port);
	*ret = p;
	return 0;
}

int cta_notrack_port_range(const struct cta_notrack_port *p, struct cta_port_range *ret_range)
{
	struct cta_port_range r;

	if (!memchr(p->proto, '\0', sizeof(p->proto)) || !memchr(p->port, '\0', sizeof(p->port)))
		return -EINVAL;
	if (!proto_valid(p->proto) || cta_port_range_parse(p->port, CTA_PORT_NO_ZERO, &r) < 0)
		return -EINVAL;
	if (ret_range)
		*ret_range = r;
	return 0;
}

int cta_notrack_port_cmp(const struct cta_notrack_port *a, const struct cta_notrack_port *b)
{
	struct cta_port_range x = { 0 }, y = { 0 };
	int c = strcmp(a->proto, b->proto);

	if (c)
		return c;
	/* unparsable entries (never produced by _init) sort first, by text */
	if (cta_port_range_parse(a->port, 0, &x) < 0 || cta_port_range_parse(b->port, 0, &y) < 0)
		return strcmp(a->port, b->port);
	return cta_port_range_cmp(&x, &y);
}
