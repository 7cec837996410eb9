/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_UTIL_PORTS_H
#define CTA_UTIL_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The one port-range grammar of ctaudit, shared by every stage that reads or
 * writes a port: firewall readers and writers, plan, the expression language
 * and the conntrack dump filter.
 *
 *   PORT       = 1*5DIGIT                  (0..65535, no sign, no spaces)
 *   PORT-RANGE = PORT / PORT "-" PORT / PORT ":" PORT   (lo <= hi)
 *
 * ':' is iptables' spelling of a range, '-' nftables' and ctaudit's own; a
 * range is always printed with '-'.
 */
struct cta_port_range {
	uint16_t lo, hi;
};

/* Room for "65535-65535" and the NUL. */
#define CTA_PORT_RANGE_STRLEN 12

/* Flags for cta_port_range_parse(). */
enum {
	CTA_PORT_NO_ZERO = 1 << 0, /* port 0 is rejected (a NOTRACK port, a role parameter) */
	CTA_PORT_NO_RANGE = 1 << 1, /* a single port only */
};

/*
 * Parse @s per the grammar above.  Returns 0 and fills @ret, or -EINVAL
 * (syntax, a port above 65535, lo > hi, or what @flags forbid).  @ret is
 * untouched on failure.
 */
int cta_port_range_parse(const char *s, unsigned flags, struct cta_port_range *ret);

/* "8080" or "8000-8100" into @buf (at least CTA_PORT_RANGE_STRLEN bytes). Returns @buf. */
char *cta_port_range_format(const struct cta_port_range *r, char buf[static CTA_PORT_RANGE_STRLEN]);

static inline bool cta_port_range_contains(const struct cta_port_range *r, uint16_t port)
{
	return port >= r->lo && port <= r->hi;
}

static inline bool cta_port_range_overlaps(const struct cta_port_range *a,
					   const struct cta_port_range *b)
{
	return a->lo <= b->hi && b->lo <= a->hi;
}

/* Order by lo, then hi (for qsort and interval sweeps). */
int cta_port_range_cmp(const struct cta_port_range *a, const struct cta_port_range *b);

/*
 * One port of ctaudit's own NOTRACK rule set, as plan computes it, the
 * journal stores it and the firewall writers (src/nf) install it.  Built by
 * cta_notrack_port_init(), so @port is always canonical (no ':' spelling,
 * no "80-80").
 */
struct cta_notrack_port {
	int family; /* AF_INET, AF_INET6, or 0: both (the legacy writer filters on it) */
	char proto[4]; /* "tcp" or "udp" */
	char port[CTA_PORT_RANGE_STRLEN]; /* "8080" or "8000-8100" */
};

/*
 * Fill @ret from @proto ("tcp", "udp") and @port (the grammar above; port 0
 * is refused: it cannot be a service port).  Returns 0, or -EINVAL with @ret
 * untouched.
 */
int cta_notrack_port_init(struct cta_notrack_port *ret, int family, const char *proto,
			  const char *port);

/* Check an entry (it may come from a journal or a caller's array) and return
 * its range in @ret_range (may be NULL).  Returns 0 or -EINVAL. */
int cta_notrack_port_range(const struct cta_notrack_port *p, struct cta_port_range *ret_range);

/* Order by proto, then numerically by range (family is not compared). */
int cta_notrack_port_cmp(const struct cta_notrack_port *a, const struct cta_notrack_port *b);

#endif
