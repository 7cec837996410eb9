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

#endif
