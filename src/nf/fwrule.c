// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The decoded rule set shared by the iptables-legacy (iptc.c) and nf_tables
 * (nft.c) readers, and the x_tables payload decoding both of them need
 * (legacy entries and iptables-nft "match"/"target" expressions carry the
 * same structs).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_CT.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>
#include "nf/fwrule.h"
#include "util/ports.h"
#include "util/macro.h"
#include "util/banned.h"

/* ---- the decoded rule set ---- */

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void cta_fwrule_done(struct cta_fwrule *r)
{
	free(r->proto);
	strv_free(r->protos, r->n_protos);
	free(r->saddr);
	free(r->daddr);
	free(r->iif);
	free(r->oif);
	strv_free(r->sports, r->n_sports);
	strv_free(r->dports, r->n_dports);
	free(r->target);
	strv_free(r->vmap_targets, r->n_vmap_targets);
	free(r->to);
	free(r->helper);
	free(r->helper_proto);
	*r = (struct cta_fwrule){ 0 };
}

void cta_fwset_done(struct cta_fwset *s)
{
	for (size_t i = 0; i < s->n_tables; i++) {
		struct cta_fwtable *t = &s->tables[i];

		for (size_t j = 0; j < t->n_chains; j++) {
			struct cta_fwchain *ch = &t->chains[j];

			for (size_t k = 0; k < ch->n_rules; k++)
				cta_fwrule_done(&ch->rules[k]);
			free(ch->rules);
			free(ch->name);
			free(ch->type);
		}
		free(t->chains);
		free(t->name);
	}
	free(s->tables);
	*s = (struct cta_fwset){ 0 };
}

static void *grow(void *v, size_t *n, size_t size)
{
	uint8_t *p = reallocarray(v, *n + 1, size);

	if (!p)
		return NULL;
	memset(p + *n * size, 0, size);
	(*n)++;
	return p;
}

struct cta_fwtable *cta_fwset_add_table(struct cta_fwset *s)
{
	size_t n = s->n_tables;
	struct cta_fwtable *v = grow(s->tables, &n, sizeof(*v));

	if (!v)
		return NULL;
	s->tables = v;
	s->n_tables = n;
	return &v[n - 1];
}

struct cta_fwchain *cta_fwtable_add_chain(struct cta_fwtable *t)
{
	size_t n = t->n_chains;
	struct cta_fwchain *v = grow(t->chains, &n, sizeof(*v));

	if (!v)
		return NULL;
	t->chains = v;
	t->n_chains = n;
	return &v[n - 1];
}

struct cta_fwrule *cta_fwchain_add_rule(struct cta_fwchain *ch)
{
	size_t n = ch->n_rules;
	struct cta_fwrule *v = grow(ch->rules, &n, sizeof(*v));

	if (!v)
		return NULL;
	ch->rules = v;
	ch->n_rules = n;
	return &v[n - 1];
}

struct cta_fwchain *cta_fwtable_find_chain(const struct cta_fwtable *t, const char *name)
{
	for (size_t i = 0; i < t->n_chains; i++)
		if (streq(t->chains[i].name, name))
			return &t->chains[i];
	return NULL;
}

int cta_fwrule_add_port(char ***v, size_t *n, uint16_t lo, uint16_t hi)
{
	struct cta_port_range pr = { MIN(lo, hi), MAX(lo, hi) };
	char buf[CTA_PORT_RANGE_STRLEN];
	char *s, **nv;

	s = strdup(cta_port_range_format(&pr, buf));
	if (!s)
		return -ENOMEM;
	nv = reallocarray(*v, *n + 1, sizeof(char *));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

char *cta_fw_proto_name(unsigned proto)
{
	static const struct {
		unsigned num;
		const char *name;
	} names[] = {
		{ IPPROTO_TCP, "tcp" },		{ IPPROTO_UDP, "udp" },	  { IPPROTO_ICMP, "icmp" },
		{ IPPROTO_ICMPV6, "icmpv6" },	{ IPPROTO_SCTP, "sctp" }, { IPPROTO_DCCP, "dccp" },
		{ IPPROTO_UDPLITE, "udplite" }, { IPPROTO_GRE, "gre" },	  { IPPROTO_ESP, "esp" },
		{ IPPROTO_AH, "ah" },
	};
	char *s;

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (names[i].num == proto)
			return strdup(names[i].name);
	if (asprintf(&s, "%u", proto) < 0)
		return NULL;
	return s;
}

char *cta_fw_addr_str(int af, const void *addr, unsigned prefix)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned full = af == AF_INET ? 32 : 128;
	char *s;

	if (!inet_ntop(af, addr, buf, sizeof(buf)))
		return NULL;
	if (prefix >= full)
		return strdup(buf);
	if (asprintf(&s, "%s/%u", buf, prefix) < 0)
		return NULL;
	return s;
}

int cta_fw_mask_prefix(const uint8_t *mask, size_t len)
{
	int prefix = 0;
	bool ended = false;

	for (size_t i = 0; i < len; i++)
		for (int b = 7; b >= 0; b--) {
			bool set = mask[i] & (1u << b);

			if (set && ended)
				return -1;
			if (set)
				prefix++;
			else
				ended = true;
		}
	return prefix;
}

char *cta_fw_nat_to(int af, bool have_addr, const void *amin, const void *amax, bool have_port,
		    uint16_t pmin_be, uint16_t pmax_be)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	_cleanup_free_ char *addr = NULL, *port = NULL;
	size_t alen = af == AF_INET ? 4 : 16;
	char *s = NULL;
	int r = 0;

	if (have_addr) {
		if (!inet_ntop(af, amin, a, sizeof(a)) || !inet_ntop(af, amax, b, sizeof(b)))
			return NULL;
		if (memcmp(amin, amax, alen) == 0)
			r = asprintf(&addr, "%s", a);
		else
			r = asprintf(&addr, "%s-%s", a, b);
		if (r < 0)
			return NULL;
	}
	if (have_port) {
		uint16_t lo = ntohs(pmin_be), hi = ntohs(pmax_be);

		if (lo == hi || hi == 0)
			r = asprintf(&port, "%u", lo);
		else
			r = asprintf(&port, "%u-%u", lo, hi);
		if (r < 0)
			return NULL;
	}
	if (addr && port)
		r = af == AF_INET6 ? asprintf(&s, "[%s]:%s", addr, port) :
				     asprintf(&s, "%s:%s", addr, port);
	else if (addr)
		return TAKE_PTR(addr);
	else if (port)
		return TAKE_PTR(port);
	return r < 0 ? NULL : s;
}

/* ---- x_tables payloads (legacy entries and iptables-nft xt expressions) ---- */

static int set_proto_if_unset(struct cta_fwrule *r, const char *proto)
{
	if (r->proto)
		return 0;
	r->proto = strdup(proto);
	return r->proto ? 0 : -ENOMEM;
}

static int add_xt_ports(struct cta_fwrule *r, const uint16_t spts[2], const uint16_t dpts[2],
			bool inv_s, bool inv_d)
{
	int k;

	/* "any port" is stored as {0, 0xFFFF} */
	if (!(spts[0] == 0 && spts[1] == 0xFFFF)) {
		k = cta_fwrule_add_port(&r->sports, &r->n_sports, spts[0], spts[1]);
		if (k < 0)
			return k;
		if (inv_s)
			r->neg |= CTA_FWNEG_SPORT;
	}
	if (!(dpts[0] == 0 && dpts[1] == 0xFFFF)) {
		k = cta_fwrule_add_port(&r->dports, &r->n_dports, dpts[0], dpts[1]);
		if (k < 0)
			return k;
		if (inv_d)
			r->neg |= CTA_FWNEG_DPORT;
	}
	return 0;
}

static int decode_multiport(struct cta_fwrule *r, unsigned rev, const void *data, size_t len)
{
	const struct xt_multiport_v1 *m1 = data;
	const struct xt_multiport *m0 = data;
	char ***v;
	size_t *n;
	uint8_t flags, count;
	int k;

	if (rev == 0 ? len < sizeof(*m0) : len < sizeof(*m1)) {
		r->other_match = true;
		return 0;
	}
	flags = m0->flags;
	count = MIN(m0->count, XT_MULTI_PORTS);
	if (flags == XT_MULTIPORT_SOURCE) {
		v = &r->sports;
		n = &r->n_sports;
	} else if (flags == XT_MULTIPORT_DESTINATION) {
		v = &r->dports;
		n = &r->n_dports;
	} else {
		/* --ports (either direction) has no single field to report */
		r->other_match = true;
		return 0;
	}
	for (unsigned i = 0; i < count; i++) {
		uint16_t lo = m0->ports[i], hi = lo;

		if (rev >= 1 && m1->pflags[i] && i + 1 < count)
			hi = m1->ports[++i];
		k = cta_fwrule_add_port(v, n, lo, hi);
		if (k < 0)
			return k;
	}
	if (rev >= 1 && m1->invert)
		r->neg |= flags == XT_MULTIPORT_SOURCE ? CTA_FWNEG_SPORT : CTA_FWNEG_DPORT;
	return 0;
}

/* xt_conntrack state bits -> CTA_CT_*: the low four bits are the same. */
static unsigned ct_bits_from_conntrack(unsigned m)
{
	unsigned out = m & (CTA_CT_INVALID | CTA_CT_ESTABLISHED | CTA_CT_RELATED | CTA_CT_NEW);

	if (m & XT_CONNTRACK_STATE_UNTRACKED)
		out |= CTA_CT_UNTRACKED;
	return out;
}

static int decode_conntrack(struct cta_fwrule *r, unsigned rev, const void *data, size_t len)
{
	uint16_t match_flags, invert_flags;
	unsigned state;

	if (rev == 1 && len >= sizeof(struct xt_conntrack_mtinfo1)) {
		const struct xt_conntrack_mtinfo1 *m = data;

		match_flags = m->match_flags;
		invert_flags = m->invert_flags;
		state = m->state_mask;
	} else if (rev == 2 && len >= sizeof(struct xt_conntrack_mtinfo2)) {
		const struct xt_conntrack_mtinfo2 *m = data;

		match_flags = m->match_flags;
		invert_flags = m->invert_flags;
		state = m->state_mask;
	} else if (rev == 3 && len >= sizeof(struct xt_conntrack_mtinfo3)) {
		const struct xt_conntrack_mtinfo3 *m = data;

		match_flags = m->match_flags;
		invert_flags = m->invert_flags;
		state = m->state_mask;
	} else {
		r->other_match = true;
		return 0;
	}
	if (match_flags & XT_CONNTRACK_STATE) {
		r->has_ctstate = true;
		r->ctstate = ct_bits_from_conntrack(state);
		if (invert_flags & XT_CONNTRACK_STATE)
			r->neg |= CTA_FWNEG_CTSTATE;
	}
	if (match_flags & ~(XT_CONNTRACK_STATE | XT_CONNTRACK_STATE_ALIAS))
		r->other_match = true;
	return 0;
}

int cta_xt_decode_match(struct cta_fwrule *r, int af, const char *name, unsigned rev,
			const void *data, size_t len)
{
	if (streq(name, "tcp") && len >= sizeof(struct xt_tcp)) {
		const struct xt_tcp *m = data;
		int k = set_proto_if_unset(r, "tcp");

		if (k < 0)
			return k;
		if (m->option || m->flg_mask)
			r->other_match = true;
		return add_xt_ports(r, m->spts, m->dpts, m->invflags & XT_TCP_INV_SRCPT,
				    m->invflags & XT_TCP_INV_DSTPT);
	}
	if (streq(name, "udp") && len >= sizeof(struct xt_udp)) {
		const struct xt_udp *m = data;
		int k = set_proto_if_unset(r, "udp");

		if (k < 0)
			return k;
		return add_xt_ports(r, m->spts, m->dpts, m->invflags & XT_UDP_INV_SRCPT,
				    m->invflags & XT_UDP_INV_DSTPT);
	}
	if (streq(name, "multiport"))
		return decode_multiport(r, rev, data, len);
	if (streq(name, "conntrack"))
		return decode_conntrack(r, rev, data, len);
	if (streq(name, "state") && len >= sizeof(struct xt_state_info)) {
		const struct xt_state_info *m = data;

		/* XT_STATE_* bits equal nf_tables' ct state bits */
		r->has_ctstate = true;
		r->ctstate = m->statemask & (CTA_CT_INVALID | CTA_CT_ESTABLISHED | CTA_CT_RELATED |
					     CTA_CT_NEW | CTA_CT_UNTRACKED);
		return 0;
	}
	if (streq(name, "comment"))
		return 0;
	(void)af;
	r->other_match = true;
	return 0;
}

unsigned cta_fw_nat_flags(unsigned nf_nat_range_flags)
{
	unsigned f = 0;

	if (nf_nat_range_flags & NF_NAT_RANGE_PROTO_RANDOM)
		f |= CTA_FWNAT_RANDOM;
	if (nf_nat_range_flags & NF_NAT_RANGE_PROTO_RANDOM_FULLY)
		f |= CTA_FWNAT_RANDOM_FULLY;
	if (nf_nat_range_flags & NF_NAT_RANGE_PERSISTENT)
		f |= CTA_FWNAT_PERSISTENT;
	return f;
}

/*
 * The payload is struct nf_nat_ipv4_multi_range_compat for the IPv4 targets
 * of revision 0, struct nf_nat_range for revision 1 and for IPv6
 * MASQUERADE/REDIRECT (revision 0), struct nf_nat_range2 for revision 2
 * (net/netfilter/xt_nat.c, xt_MASQUERADE.c, xt_REDIRECT.c); all start with
 * the flags.  A payload too short for its struct leaves the flags unknown.
 */
static int decode_nat_target(struct cta_fwrule *r, int af, unsigned rev, const void *data,
			     size_t len)
{
	unsigned flags;
	bool ports;

	if (af == AF_INET && rev == 0 && len >= sizeof(struct nf_nat_ipv4_multi_range_compat)) {
		const struct nf_nat_ipv4_multi_range_compat *m = data;
		const struct nf_nat_ipv4_range *rg = &m->range[0];

		flags = rg->flags;
		r->nat_flags_known = true;
		r->nat_flags = cta_fw_nat_flags(flags);
		ports = flags & NF_NAT_RANGE_PROTO_SPECIFIED;
		/* masquerade and redirect choose the address themselves */
		if (r->verdict == CTA_FW_MASQUERADE || r->verdict == CTA_FW_REDIRECT)
			flags &= ~NF_NAT_RANGE_MAP_IPS;
		if (!(flags & NF_NAT_RANGE_MAP_IPS) && !ports)
			return 0;
		r->to = cta_fw_nat_to(AF_INET, flags & NF_NAT_RANGE_MAP_IPS, &rg->min_ip,
				      &rg->max_ip, ports, rg->min.all, rg->max.all);
		return r->to ? 0 : -ENOMEM;
	}
	if (len >= sizeof(struct nf_nat_range)) {
		/* nf_nat_range2 starts with nf_nat_range */
		const struct nf_nat_range *m = data;
		const void *amin = af == AF_INET ? (const void *)&m->min_addr.in :
						   (const void *)&m->min_addr.in6;
		const void *amax = af == AF_INET ? (const void *)&m->max_addr.in :
						   (const void *)&m->max_addr.in6;

		flags = m->flags;
		r->nat_flags_known = true;
		r->nat_flags = cta_fw_nat_flags(flags);
		ports = flags & NF_NAT_RANGE_PROTO_SPECIFIED;
		if (r->verdict == CTA_FW_MASQUERADE || r->verdict == CTA_FW_REDIRECT)
			flags &= ~NF_NAT_RANGE_MAP_IPS;
		if (!(flags & NF_NAT_RANGE_MAP_IPS) && !ports)
			return 0;
		r->to = cta_fw_nat_to(af, flags & NF_NAT_RANGE_MAP_IPS, amin, amax, ports,
				      m->min_proto.all, m->max_proto.all);
		return r->to ? 0 : -ENOMEM;
	}
	return 0;
}

int cta_xt_decode_target(struct cta_fwrule *r, int af, const char *name, unsigned rev,
			 const void *data, size_t len)
{
	if (streq(name, "CT")) {
		/* revision 0 is xt_ct_target_info, 1 and 2 xt_ct_target_info_v1;
		 * both start with flags and helper at the same offsets */
		const struct xt_ct_target_info *ct = data;

		if (len < offsetof(struct xt_ct_target_info, ct)) {
			r->verdict = CTA_FW_OTHER;
			return 0;
		}
		if (ct->flags & XT_CT_NOTRACK) {
			r->verdict = CTA_FW_NOTRACK;
			return 0;
		}
		if (ct->helper[0]) {
			r->verdict = CTA_FW_HELPER;
			r->helper = strndup(ct->helper, sizeof(ct->helper));
			return r->helper ? 0 : -ENOMEM;
		}
		r->verdict = CTA_FW_NONE; /* zone, timeout, events: not terminal */
		return 0;
	}
	if (streq(name, "NOTRACK")) {
		r->verdict = CTA_FW_NOTRACK;
		return 0;
	}
	if (streq(name, "SNAT") || streq(name, "DNAT") || streq(name, "MASQUERADE") ||
	    streq(name, "REDIRECT")) {
		r->verdict = name[0] == 'S' ? CTA_FW_SNAT :
			     name[0] == 'D' ? CTA_FW_DNAT :
			     name[0] == 'M' ? CTA_FW_MASQUERADE :
					      CTA_FW_REDIRECT;
		return decode_nat_target(r, af, rev, data, len);
	}
	if (streq(name, "REJECT")) {
		r->verdict = CTA_FW_REJECT;
		return 0;
	}
	if (streq(name, "LOG") || streq(name, "NFLOG") || streq(name, "MARK") ||
	    streq(name, "CONNMARK") || streq(name, "TCPMSS") || streq(name, "DSCP")) {
		r->verdict = CTA_FW_NONE;
		return 0;
	}
	r->verdict = CTA_FW_OTHER;
	return 0;
}
