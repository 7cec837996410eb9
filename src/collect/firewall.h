/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_COLLECT_FIREWALL_H
#define CTA_COLLECT_FIREWALL_H

#include <stddef.h>
#include <jansson.h>
#include "collect/collect.h"

/*
 * Firewall adapters: iptc.c (libiptc, iptables-legacy) and nft.c (libnftnl
 * over libmnl, nf_tables, which also holds iptables-nft rules).  Each reads
 * the rules into the facts and, for the apply stage, replaces ctaudit's own
 * NOTRACK rule set in one atomic commit.
 *
 * ctaudit's own rules ("service port P is not tracked"):
 *  - legacy, raw table: chain CTAUDIT_PREROUTING with
 *      -p PROTO --dport P -j CT --notrack
 *    jumped to from the top of PREROUTING, and chain CTAUDIT_OUTPUT with
 *      -p PROTO --sport P -j CT --notrack
 *    jumped to from the top of OUTPUT (locally generated replies).
 *  - nf_tables: table inet ctaudit {
 *      chain prerouting { type filter hook prerouting priority raw; policy accept;
 *                         PROTO dport P notrack }
 *      chain output     { type filter hook output priority raw; policy accept;
 *                         PROTO sport P notrack } }
 */
struct cta_notrack_port {
	int family; /* AF_INET, AF_INET6; nft rules are always inet */
	char proto[4]; /* "tcp" or "udp" */
	char port[12]; /* "8080" or "8000-8100" */
};

/*
 * Readers, called by cta_collect_firewall().  They append decoded rules to
 * facts.firewall.notrack / facts.firewall.nat, assigned helpers to
 * facts.helpers.assigned, add their backend name to facts.firewall.backends
 * when it holds rules, and feed the stateful-filter analysis.  Legacy tables
 * are read only when listed in /proc/net/ip{,6}_tables_names (iptc_init
 * creates missing tables).  Return 0 or -ENOMEM; other failures are recorded
 * with cta_collect_unavailable().
 */
int cta_iptc_collect(struct cta_collect_ctx *c, int family);
int cta_nft_collect(struct cta_collect_ctx *c);

/*
 * Make ctaudit's legacy NOTRACK rules for @family exactly the entries of
 * @v[0..n) whose family is @family, in order (none: removes the chains and
 * jumps; the raw table is not created just to remove nothing), in one
 * iptc_commit under the xtables lock (waits up to 5 s: -EBUSY).  Other rules
 * in PREROUTING/OUTPUT stay.  Returns 0, -EINVAL (bad proto/port in any entry,
 * checked first), -EBUSY or another negative errno; on failure nothing changed.
 */
int cta_iptc_set_notrack(int family, const struct cta_notrack_port *v, size_t n);

/*
 * Make table inet ctaudit hold exactly @v[0..n) (n == 0 deletes the table), in
 * one nf_tables batch.  The inet table serves both families: @v[i].family is
 * ignored and entries with the same proto and port give one rule, in order of
 * first appearance.  Returns 0, -EINVAL (a proto other than tcp/udp or a bad
 * port, checked before anything is sent) or another negative errno; on failure
 * nothing changed.
 */
int cta_nft_set_notrack(const struct cta_notrack_port *v, size_t n);

#endif
