/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_POLICY_DERIVE_FW_H
#define CTA_POLICY_DERIVE_FW_H

#include <jansson.h>

/*
 * Derived firewall facts, computed at evaluation time from the rules the
 * collector recorded (facts.firewall.filter, docs/facts.md), not by the
 * collector itself: the reasoning is policy and is unit-tested here.
 *
 * firewall.stateful_filter_drops_untracked: some filter base chain at hook
 * input or forward (legacy: table "filter"; nf_tables: chain type filter),
 * followed as a packet of unknown state would be, accepts ESTABLISHED or
 * RELATED but ends in DROP/REJECT (a rule or the policy) without having
 * accepted UNTRACKED first.  Packets exempted by NOTRACK are UNTRACKED, so
 * such a filter drops them (nf_conntrack_core.c sets IP_CT_UNTRACKED for
 * them; xt_conntrack/nft "ct state" only match them as "untracked").
 */

/*
 * Compute the fact from a firewall.filter array.  Returns 1 (drops), 0 (does
 * not), or -EINVAL when @filter is not an array.  Entries that are not
 * well-formed chains are ignored.
 */
int cta_derive_fw_drops_untracked(const json_t *filter);

/*
 * The same per family: set CTA_DERIVE_FW_IPV4 / CTA_DERIVE_FW_IPV6 in
 * *@ret_mask for each family whose packets such a chain sees (ipv4/ip and
 * ipv6/ip6 tables their own, inet tables both, bridge/netdev/arp tables both
 * too).  Returns 0 or -EINVAL when @filter is not an array, -ENOMEM.
 */
enum {
	CTA_DERIVE_FW_IPV4 = 1 << 0,
	CTA_DERIVE_FW_IPV6 = 1 << 1,
};
int cta_derive_fw_drops_untracked_families(const json_t *filter, unsigned *ret_mask);

/*
 * Set facts.firewall.stateful_filter_drops_untracked and
 * facts.firewall.stateful_filter_drops_untracked_in (["ipv4", "ipv6"], the
 * families of cta_derive_fw_drops_untracked_families()) from
 * facts.firewall.filter.  When the snapshot has no firewall.filter (older
 * snapshots, or a firewall that could only be read in part), @facts is left
 * as it is: a stored value stays, a missing one stays missing (unknown).
 * When both are present the computed values replace the stored ones.
 * Returns 0 or -ENOMEM.
 */
int cta_derive_fw(json_t *facts);

#endif
