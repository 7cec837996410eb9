/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_COLLECT_FIREWALL_H
#define CTA_COLLECT_FIREWALL_H

#include <jansson.h>
#include "collect/collect.h"
#include "nf/fwrule.h"

/*
 * The thin collect side of the firewall readers in src/nf.
 *
 * cta_iptc_collect() and cta_nft_collect() are called by
 * cta_collect_firewall().  They append decoded rules to facts.firewall.notrack
 * / facts.firewall.nat / facts.firewall.filter, assigned helpers to
 * facts.helpers.assigned, and add their backend name to
 * facts.firewall.backends when it holds rules.  Legacy tables are read only
 * when listed in /proc/net/ip{,6}_tables_names (iptc_init creates missing
 * tables).  Return 0 or -ENOMEM; other failures are recorded with
 * cta_collect_unavailable().
 */
int cta_iptc_collect(struct cta_collect_ctx *c, int family);
int cta_nft_collect(struct cta_collect_ctx *c);

/*
 * Turn a decoded rule set into facts: firewall.notrack/nat, helpers.assigned,
 * firewall.filter (the filter chains from which policy/derive-fw.c computes
 * firewall.stateful_filter_drops_untracked).  Sorting and dedup happen in
 * cta_fw_facts_finish().  Returns 0 or -ENOMEM.
 */
int cta_fw_facts_add(json_t *facts, const struct cta_fwset *s);
int cta_fw_facts_finish(json_t *facts);

#endif
