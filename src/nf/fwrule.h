/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_NF_FWRULE_H
#define CTA_NF_FWRULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The decoded form of a rule set, the readers' output.  The two adapters
 * (iptc.c, nft.c) translate their library's objects into these structs;
 * collect/firewall.c turns them into facts.  Everything is owned by the
 * enclosing cta_fwset and released by cta_fwset_done().
 */

enum cta_fw_verdict {
	CTA_FW_NONE, /* no terminal action (counter, log, mark set ...) */
	CTA_FW_ACCEPT,
	CTA_FW_DROP,
	CTA_FW_REJECT,
	CTA_FW_RETURN,
	CTA_FW_JUMP,
	CTA_FW_GOTO,
	CTA_FW_NOTRACK,
	CTA_FW_HELPER,
	CTA_FW_SNAT,
	CTA_FW_DNAT,
	CTA_FW_MASQUERADE,
	CTA_FW_REDIRECT,
	CTA_FW_OTHER, /* a target we do not decode */
};

/* Negation flags, in the order they are listed in facts "negated". */
enum {
	CTA_FWNEG_PROTO = 1 << 0,
	CTA_FWNEG_SADDR = 1 << 1,
	CTA_FWNEG_DADDR = 1 << 2,
	CTA_FWNEG_SPORT = 1 << 3,
	CTA_FWNEG_DPORT = 1 << 4,
	CTA_FWNEG_IIF = 1 << 5,
	CTA_FWNEG_OIF = 1 << 6,
	CTA_FWNEG_CTSTATE = 1 << 7,
};

/* How a NAT rule picks the translated port and address (NF_NAT_RANGE_PROTO_RANDOM,
 * NF_NAT_RANGE_PROTO_RANDOM_FULLY, NF_NAT_RANGE_PERSISTENT of
 * include/uapi/linux/netfilter/nf_nat.h; nft "random", "fully-random",
 * "persistent"; iptables --random, --random-fully, --persistent). */
enum {
	CTA_FWNAT_RANDOM = 1 << 0,
	CTA_FWNAT_RANDOM_FULLY = 1 << 1,
	CTA_FWNAT_PERSISTENT = 1 << 2,
};

/* Connection states, with the bit values of nf_tables' ct state (NF_CT_STATE_*). */
enum {
	CTA_CT_INVALID = 1 << 0,
	CTA_CT_ESTABLISHED = 1 << 1,
	CTA_CT_RELATED = 1 << 2,
	CTA_CT_NEW = 1 << 3,
	CTA_CT_UNTRACKED = 1 << 6,
};

struct cta_fwrule {
	char *proto; /* "tcp", "udp", "icmp", or the number; NULL = any */
	char **protos; /* "meta l4proto { tcp, udp }": any of these (proto is NULL) */
	size_t n_protos;
	char *saddr, *daddr; /* "10.0.0.0/8", "fd00::1"; NULL = any */
	char *iif, *oif;
	char **sports; /* "80" or "8000-8100"; several = any of them */
	size_t n_sports;
	char **dports;
	size_t n_dports;
	unsigned neg; /* CTA_FWNEG_* */
	bool has_ctstate;
	unsigned ctstate; /* CTA_CT_* bits the rule matches */
	bool other_match; /* a condition we did not decode: never unconditional */
	bool never; /* matches no packet (lookup in an empty set): not reported */
	enum cta_fw_verdict verdict;
	char *target; /* jump/goto chain */
	char **vmap_targets; /* chains a verdict map may jump/goto to (conditional) */
	size_t n_vmap_targets;
	char *to; /* nat: "10.0.0.10:443", "[fd00::1]:443", "8080" (ports only) */
	bool nat_flags_known; /* nat: the payload holding the flags was decoded */
	unsigned nat_flags; /* CTA_FWNAT_*, meaningful when nat_flags_known */
	char *helper; /* CT helper name */
	char *helper_proto; /* l4proto of an nft ct helper object */
};

struct cta_fwchain {
	char *name;
	const char *hook; /* "prerouting", ...; NULL for a user/regular chain */
	char *type; /* nft chain type ("filter", "nat", "route"); NULL for legacy */
	int prio;
	enum cta_fw_verdict policy; /* ACCEPT/DROP for base chains, NONE otherwise */
	struct cta_fwrule *rules;
	size_t n_rules;
};

struct cta_fwtable {
	char *name;
	const char *family; /* "ipv4", "ipv6", "inet", "bridge", "arp", "netdev" */
	const char *source; /* "iptables-legacy", "iptables-nft", "nft" */
	struct cta_fwchain *chains;
	size_t n_chains;
};

struct cta_fwset {
	struct cta_fwtable *tables;
	size_t n_tables;
};

void cta_fwrule_done(struct cta_fwrule *r);
void cta_fwset_done(struct cta_fwset *s);

/* Append a zeroed element; return it or NULL on ENOMEM. */
struct cta_fwtable *cta_fwset_add_table(struct cta_fwset *s);
struct cta_fwchain *cta_fwtable_add_chain(struct cta_fwtable *t);
struct cta_fwrule *cta_fwchain_add_rule(struct cta_fwchain *ch);
struct cta_fwchain *cta_fwtable_find_chain(const struct cta_fwtable *t, const char *name);

/* Add a port ("80", "8000-8100") to a list.  Returns 0 or -ENOMEM. */
int cta_fwrule_add_port(char ***v, size_t *n, uint16_t lo, uint16_t hi);

/* "tcp" for 6, "udp" for 17, ... or the number; NULL on ENOMEM. */
char *cta_fw_proto_name(unsigned proto);

/* "10.0.0.0/8" from an address and a prefix length (omitted at /32, /128). */
char *cta_fw_addr_str(int af, const void *addr, unsigned prefix);

/* Prefix length of a netmask, or -1 when it is not contiguous. */
int cta_fw_mask_prefix(const uint8_t *mask, size_t len);

/* nat "to" string from address and port ranges (network byte order, as stored
 * by the kernel); have_addr/have_port say which parts are set. */
char *cta_fw_nat_to(int af, bool have_addr, const void *amin, const void *amax, bool have_port,
		    uint16_t pmin_be, uint16_t pmax_be);

/* CTA_FWNAT_* from the NF_NAT_RANGE_* flags of a nat range or an nft
 * nat/masq/redir expression. */
unsigned cta_fw_nat_flags(unsigned nf_nat_range_flags);

/*
 * Decode an x_tables match or target payload (as stored in ipt_entry or in an
 * iptables-nft match/target expression) into @r.  @af is AF_INET or AF_INET6.
 * Unknown names set r->other_match (matches) or CTA_FW_OTHER (targets).
 * Returns 0 or -ENOMEM.
 */
int cta_xt_decode_match(struct cta_fwrule *r, int af, const char *name, unsigned rev,
			const void *data, size_t len);
int cta_xt_decode_target(struct cta_fwrule *r, int af, const char *name, unsigned rev,
			 const void *data, size_t len);

#endif
