/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_NF_FIREWALL_H
#define CTA_NF_FIREWALL_H

#include <stddef.h>
#include <stdint.h>
#include "nf/fwrule.h"
#include "util/ports.h"

/*
 * The firewall side of the netfilter adapter layer: the readers, used by
 * collect, and the writers, used by apply, of iptc.c (libiptc,
 * iptables-legacy) and nft.c (libnftnl over libmnl, nf_tables, which also
 * holds iptables-nft rules).  Readers produce the decoded rule set of
 * fwrule.h.
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

/* ---- readers ---- */

/*
 * Decode one legacy entry (struct ipt_entry / ip6t_entry at @entry, @af
 * AF_INET/AF_INET6) whose target libiptc names @label ("ACCEPT", a chain, or
 * the extension name) into @r.  Implemented in iptc.c.  Returns 0 or -ENOMEM.
 */
int cta_iptc_decode_entry(int af, const void *entry, const char *label, struct cta_fwrule *r);

/* Read the legacy tables of @af listed in procfs into @s (source
 * "iptables-legacy").  Returns 0, -ENOENT (no tables listed) or negative errno. */
int cta_iptc_read(const char *procfs, int af, struct cta_fwset *s);

/*
 * Raw nf_tables dump replies (concatenated netlink messages, NLMSG_DONE
 * excluded), as received from the kernel; unit tests load recorded ones.
 */
struct cta_nft_buf {
	uint8_t *p;
	size_t len;
};
struct cta_nft_dump {
	struct cta_nft_buf tables, chains, rules, objs, sets, elems;
};
void cta_nft_dump_done(struct cta_nft_dump *d);
/* Dump the current netns' nf_tables ruleset.  Returns 0 or negative errno. */
int cta_nft_dump_live(struct cta_nft_dump *d);
/* Decode a dump into @s.  Returns 0, -EBADMSG on a malformed message, -ENOMEM. */
int cta_nft_decode(const struct cta_nft_dump *d, struct cta_fwset *s);

/* ---- writers ---- */

/*
 * Make ctaudit's legacy NOTRACK rules for @family exactly the entries of
 * @v[0..n) whose family is @family or 0, in order (none: removes the chains
 * and jumps; the raw table is not created just to remove nothing), in one
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
