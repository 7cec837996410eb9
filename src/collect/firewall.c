// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The firewall collector: runs the iptables-legacy (iptc.c) and nf_tables
 * (nft.c) readers, decodes x_tables payloads shared by both, and turns the
 * decoded rules into facts.firewall and facts.helpers.assigned.
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
#include "collect/collect.h"
#include "collect/firewall.h"
#include "collect/fwrule.h"
#include "util/json.h"
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
	char *s, **nv;
	int r;

	if (lo == hi)
		r = asprintf(&s, "%u", lo);
	else
		r = asprintf(&s, "%u-%u", MIN(lo, hi), MAX(lo, hi));
	if (r < 0)
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

static int decode_nat_target(struct cta_fwrule *r, int af, unsigned rev, const void *data,
			     size_t len)
{
	unsigned flags;
	bool ports;

	if (af == AF_INET && rev == 0 && len >= sizeof(struct nf_nat_ipv4_multi_range_compat)) {
		const struct nf_nat_ipv4_multi_range_compat *m = data;
		const struct nf_nat_ipv4_range *rg = &m->range[0];

		flags = rg->flags;
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

/* ---- facts ---- */

static const char *const hook_order[] = { "ingress", "prerouting",  "input", "forward",
					  "output",  "postrouting", "egress" };

static int hook_rank(const char *hook)
{
	for (size_t i = 0; i < ELEMENTSOF(hook_order); i++)
		if (streq(hook_order[i], hook))
			return (int)i;
	return (int)ELEMENTSOF(hook_order);
}

/* Hooks from which each chain of a table is reached, in hook order. */
struct chain_hooks {
	unsigned mask; /* bit = index in hook_order */
};

static void reach(const struct cta_fwtable *t, size_t ci, unsigned bit, struct chain_hooks *h,
		  unsigned depth)
{
	const struct cta_fwchain *ch = &t->chains[ci];

	if (depth > 64 || (h[ci].mask & bit))
		return;
	h[ci].mask |= bit;
	for (size_t i = 0; i < ch->n_rules; i++) {
		const struct cta_fwrule *r = &ch->rules[i];
		const struct cta_fwchain *to;

		for (size_t k = 0; k < r->n_vmap_targets; k++) {
			to = cta_fwtable_find_chain(t, r->vmap_targets[k]);
			if (to)
				reach(t, (size_t)(to - t->chains), bit, h, depth + 1);
		}
		if ((r->verdict != CTA_FW_JUMP && r->verdict != CTA_FW_GOTO) || !r->target)
			continue;
		to = cta_fwtable_find_chain(t, r->target);
		if (to)
			reach(t, (size_t)(to - t->chains), bit, h, depth + 1);
	}
}

static int json_set_str(json_t *o, const char *key, const char *val)
{
	if (!val)
		return 0;
	return json_object_set_new(o, key, json_string(val)) < 0 ? -ENOMEM : 0;
}

static int add_negated(json_t *o, const struct cta_fwrule *r, const char *proto, const char *sport,
		       const char *dport)
{
	static const struct {
		unsigned flag;
		const char *field;
	} fields[] = {
		{ CTA_FWNEG_PROTO, "proto" }, { CTA_FWNEG_SADDR, "saddr" },
		{ CTA_FWNEG_DADDR, "daddr" }, { CTA_FWNEG_SPORT, "sport" },
		{ CTA_FWNEG_DPORT, "dport" }, { CTA_FWNEG_IIF, "iif" },
		{ CTA_FWNEG_OIF, "oif" },
	};
	json_t *neg = NULL;

	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		const char *present = fields[i].flag == CTA_FWNEG_PROTO ? proto :
				      fields[i].flag == CTA_FWNEG_SADDR ? r->saddr :
				      fields[i].flag == CTA_FWNEG_DADDR ? r->daddr :
				      fields[i].flag == CTA_FWNEG_SPORT ? sport :
				      fields[i].flag == CTA_FWNEG_DPORT ? dport :
				      fields[i].flag == CTA_FWNEG_IIF	? r->iif :
									  r->oif;

		if (!(r->neg & fields[i].flag) || !present)
			continue;
		if (!neg) {
			neg = json_array();
			if (!neg || json_object_set_new(o, "negated", neg) < 0)
				return -ENOMEM;
		}
		if (json_array_append_new(neg, json_string(fields[i].field)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static const char *nat_kind(enum cta_fw_verdict v)
{
	switch (v) {
	case CTA_FW_SNAT:
		return "snat";
	case CTA_FW_DNAT:
		return "dnat";
	case CTA_FW_MASQUERADE:
		return "masquerade";
	case CTA_FW_REDIRECT:
		return "redirect";
	default:
		return NULL;
	}
}

static char *strv_join(char *const *v, size_t n)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		p += snprintf(p, len - (size_t)(p - s), "%s%s", i ? "," : "", v[i]);
	*p = '\0';
	return s;
}

/*
 * One fact entry per (proto, sport, dport) combination of a rule.  A negated
 * list ("dport != { 22, 80 }") is one condition, not several: it stays one
 * entry with the values comma-joined ("22,80").
 */
static int emit_rule(json_t *list, const struct cta_fwtable *t, const struct cta_fwchain *ch,
		     unsigned hooks, const struct cta_fwrule *r)
{
	_cleanup_free_ char *jp = NULL, *js = NULL, *jd = NULL;
	char *const *protos = r->protos, *const *sports = r->sports, *const *dports = r->dports;
	size_t np = r->n_protos, ns = r->n_sports, nd = r->n_dports;
	const char *kind = nat_kind(r->verdict);

	if (np > 1 && (r->neg & CTA_FWNEG_PROTO)) {
		if (!(jp = strv_join(protos, np)))
			return -ENOMEM;
		protos = &jp;
		np = 1;
	}
	if (ns > 1 && (r->neg & CTA_FWNEG_SPORT)) {
		if (!(js = strv_join(sports, ns)))
			return -ENOMEM;
		sports = &js;
		ns = 1;
	}
	if (nd > 1 && (r->neg & CTA_FWNEG_DPORT)) {
		if (!(jd = strv_join(dports, nd)))
			return -ENOMEM;
		dports = &jd;
		nd = 1;
	}
	np = MAX(np, 1);
	ns = MAX(ns, 1);
	nd = MAX(nd, 1);
	for (size_t c = 0; c < np * ns * nd; c++) {
		size_t pi = c / (ns * nd), i = c / nd % ns, j = c % nd;
		const char *sport = r->n_sports ? sports[i] : NULL;
		const char *dport = r->n_dports ? dports[j] : NULL;
		/* a user chain: the first hook that reaches it */
		const char *hook = ch->hook ? ch->hook :
				   hooks    ? hook_order[__builtin_ctz(hooks)] :
					      NULL;
		const char *proto = r->n_protos ? protos[pi] :
				    r->proto	? r->proto :
						  r->helper_proto;
		const char *const fields[][2] = {
			{ "family", t->family },
			{ "table", t->name },
			{ "chain", ch->name },
			{ "hook", hook },
			{ "source", t->source },
			{ "kind", kind },
			{ "proto", proto },
			{ "saddr", r->saddr },
			{ "daddr", r->daddr },
			{ "sport", sport },
			{ "dport", dport },
			{ "iif", r->iif },
			{ "oif", r->oif },
			{ "to", kind ? r->to : NULL },
			{ "helper", r->verdict == CTA_FW_HELPER ? r->helper : NULL },
		};

		json_t *o = json_object();
		int k;

		if (!o || json_array_append_new(list, o) < 0)
			return -ENOMEM;
		for (size_t f = 0; f < ELEMENTSOF(fields); f++) {
			k = json_set_str(o, fields[f][0], fields[f][1]);
			if (k < 0)
				return k;
		}
		if (!ch->hook && __builtin_popcount(hooks) > 1) {
			json_t *hv = json_array();

			if (!hv || json_object_set_new(o, "hooks", hv) < 0)
				return -ENOMEM;
			for (size_t h = 0; h < ELEMENTSOF(hook_order); h++)
				if ((hooks & (1u << h)) &&
				    json_array_append_new(hv, json_string(hook_order[h])) < 0)
					return -ENOMEM;
		}
		k = add_negated(o, r, proto, sport, dport);
		if (k < 0)
			return k;
	}
	return 0;
}

static bool rule_unconditional(const struct cta_fwrule *r)
{
	return !r->proto && !r->n_protos && !r->saddr && !r->daddr && !r->iif && !r->oif &&
	       !r->n_sports && !r->n_dports && !r->has_ctstate && !r->other_match;
}

enum walk_result { WALK_FALL, WALK_ACCEPT, WALK_DROP };

struct walk_state {
	bool est_accepted;
	bool untracked_accepted;
};

/* Follow a filter chain in order, as a packet with an unknown state would. */
static enum walk_result walk(const struct cta_fwtable *t, const struct cta_fwchain *ch,
			     struct walk_state *st, unsigned depth)
{
	if (depth > 16)
		return WALK_FALL;
	for (size_t i = 0; i < ch->n_rules; i++) {
		const struct cta_fwrule *r = &ch->rules[i];
		bool uncond = rule_unconditional(r);
		const struct cta_fwchain *to;
		enum walk_result w;

		if (r->never)
			continue;
		/* a verdict map jumps conditionally: what its chains accept counts,
		 * how they end does not */
		for (size_t k = 0; k < r->n_vmap_targets; k++) {
			to = cta_fwtable_find_chain(t, r->vmap_targets[k]);
			if (to)
				walk(t, to, st, depth + 1);
		}
		switch (r->verdict) {
		case CTA_FW_ACCEPT:
			if (uncond)
				return WALK_ACCEPT;
			if (r->has_ctstate && !(r->neg & CTA_FWNEG_CTSTATE)) {
				if (r->ctstate & CTA_CT_UNTRACKED)
					st->untracked_accepted = true;
				if (r->ctstate & (CTA_CT_ESTABLISHED | CTA_CT_RELATED))
					st->est_accepted = true;
			}
			break;
		case CTA_FW_DROP:
		case CTA_FW_REJECT:
			if (uncond)
				return WALK_DROP;
			break;
		case CTA_FW_RETURN:
			if (uncond)
				return WALK_FALL;
			break;
		case CTA_FW_JUMP:
		case CTA_FW_GOTO:
			to = r->target ? cta_fwtable_find_chain(t, r->target) : NULL;
			if (!to)
				break;
			w = walk(t, to, st, depth + 1);
			if (w != WALK_FALL && uncond)
				return w;
			if (r->verdict == CTA_FW_GOTO && uncond)
				return WALK_FALL;
			break;
		default:
			break;
		}
	}
	return WALK_FALL;
}

static bool stateful_drops_untracked(const struct cta_fwtable *t)
{
	bool legacy = streq(t->source, "iptables-legacy");

	for (size_t i = 0; i < t->n_chains; i++) {
		const struct cta_fwchain *ch = &t->chains[i];
		struct walk_state st = { 0 };
		enum walk_result w;

		if (!ch->hook || (!streq(ch->hook, "input") && !streq(ch->hook, "forward")))
			continue;
		if (legacy ? !streq(t->name, "filter") : !(ch->type && streq(ch->type, "filter")))
			continue;
		w = walk(t, ch, &st, 0);
		if (w == WALK_FALL && ch->policy == CTA_FW_DROP)
			w = WALK_DROP;
		if (w == WALK_DROP && st.est_accepted && !st.untracked_accepted)
			return true;
	}
	return false;
}

static json_t *array_child(json_t *obj, const char *key)
{
	json_t *a = json_object_get(obj, key);

	if (json_is_array(a))
		return a;
	a = json_array();
	if (!a || json_object_set_new(obj, key, a) < 0)
		return NULL;
	return a;
}

int cta_fw_facts_add(json_t *facts, const struct cta_fwset *s)
{
	json_t *fw = cta_json_object_child(facts, "firewall");
	json_t *helpers = cta_json_object_child(facts, "helpers");
	json_t *notrack, *nat, *assigned, *sfd;
	bool drops = false;

	if (!fw || !helpers)
		return -ENOMEM;
	notrack = array_child(fw, "notrack");
	nat = array_child(fw, "nat");
	assigned = array_child(helpers, "assigned");
	if (!notrack || !nat || !assigned)
		return -ENOMEM;

	for (size_t i = 0; i < s->n_tables; i++) {
		const struct cta_fwtable *t = &s->tables[i];
		_cleanup_free_ struct chain_hooks *h = calloc(MAX(t->n_chains, 1), sizeof(*h));

		if (!h)
			return -ENOMEM;
		for (size_t j = 0; j < t->n_chains; j++) {
			int rank = t->chains[j].hook ? hook_rank(t->chains[j].hook) : -1;

			if (rank >= 0 && rank < (int)ELEMENTSOF(hook_order))
				reach(t, j, 1u << rank, h, 0);
		}
		for (size_t j = 0; j < t->n_chains; j++) {
			const struct cta_fwchain *ch = &t->chains[j];

			for (size_t k = 0; k < ch->n_rules; k++) {
				const struct cta_fwrule *r = &ch->rules[k];
				json_t *list = r->verdict == CTA_FW_NOTRACK ? notrack :
					       r->verdict == CTA_FW_HELPER  ? assigned :
					       nat_kind(r->verdict)	    ? nat :
									      NULL;
				int e;

				if (!list || r->never)
					continue;
				e = emit_rule(list, t, ch, h[j].mask, r);
				if (e < 0)
					return e;
			}
		}
		drops = drops || stateful_drops_untracked(t);
	}
	sfd = json_object_get(fw, "stateful_filter_drops_untracked");
	if (json_is_true(sfd))
		drops = true;
	if (json_object_set_new(fw, "stateful_filter_drops_untracked", json_boolean(drops)) < 0)
		return -ENOMEM;
	return 0;
}

static int cmp_dumped(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort by the canonical JSON text and drop duplicates, so the facts do not
 * depend on dump order. */
static int sort_dedup(json_t *arr)
{
	size_t n = json_array_size(arr), m = 0;
	_cleanup_free_ char **text = NULL;
	_cleanup_json_ json_t *out = NULL;
	int r = 0;

	if (n < 1)
		return 0;
	text = calloc(n, sizeof(char *));
	out = json_array();
	if (!text || !out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		text[i] = json_dumps(json_array_get(arr, i),
				     JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		if (!text[i]) {
			r = -ENOMEM;
			goto out;
		}
	}
	qsort(text, n, sizeof(char *), cmp_dumped);
	for (size_t i = 0; i < n; i++) {
		json_t *v;

		if (m > 0 && streq(text[i], text[i - 1]))
			continue;
		v = json_loads(text[i], JSON_DECODE_ANY, NULL);
		if (!v || json_array_append_new(out, v) < 0) {
			r = -ENOMEM;
			goto out;
		}
		m++;
	}
	r = json_array_clear(arr) < 0 || json_array_extend(arr, out) < 0 ? -ENOMEM : 0;
out:
	for (size_t i = 0; i < n; i++)
		free(text[i]);
	return r;
}

int cta_fw_facts_finish(json_t *facts)
{
	json_t *fw = cta_json_object_child(facts, "firewall");
	json_t *helpers = cta_json_object_child(facts, "helpers");
	int r;

	if (!fw || !helpers)
		return -ENOMEM;
	if (!array_child(fw, "backends") || !array_child(fw, "notrack") ||
	    !array_child(fw, "nat") || !array_child(helpers, "assigned"))
		return -ENOMEM;
	if (!json_object_get(fw, "stateful_filter_drops_untracked") &&
	    json_object_set_new(fw, "stateful_filter_drops_untracked", json_false()) < 0)
		return -ENOMEM;
	r = sort_dedup(json_object_get(fw, "backends"));
	r = r ?: sort_dedup(json_object_get(fw, "notrack"));
	r = r ?: sort_dedup(json_object_get(fw, "nat"));
	r = r ?: sort_dedup(json_object_get(helpers, "assigned"));
	return r;
}

/* A legacy table counts as in use when it holds anything iptables would not
 * create on its own: a rule, a user chain, a policy other than ACCEPT. */
static bool legacy_in_use(const struct cta_fwset *s)
{
	for (size_t i = 0; i < s->n_tables; i++)
		for (size_t j = 0; j < s->tables[i].n_chains; j++) {
			const struct cta_fwchain *ch = &s->tables[i].chains[j];

			if (ch->n_rules || !ch->hook || ch->policy == CTA_FW_DROP)
				return true;
		}
	return false;
}

static int add_backend(json_t *facts, const char *name)
{
	json_t *fw = cta_json_object_child(facts, "firewall");
	json_t *b = fw ? array_child(fw, "backends") : NULL;

	if (!b || json_array_append_new(b, json_string(name)) < 0)
		return -ENOMEM;
	return 0;
}

int cta_iptc_collect(struct cta_collect_ctx *c, int af)
{
	const char *procfs = c->opts->procfs ? c->opts->procfs : "/proc";
	struct cta_fwset s = { 0 };
	int r;

	r = cta_iptc_read(procfs, af, &s);
	if (r == -ENOENT) {
		r = 0;
		goto out;
	}
	if (r < 0) {
		cta_fwset_done(&s);
		if (r == -ENOMEM)
			return r;
		return cta_collect_unavailable_errno(
			c, af == AF_INET ? "firewall.iptables-legacy" : "firewall.ip6tables-legacy",
			r);
	}
	if (legacy_in_use(&s)) {
		r = add_backend(c->facts, "iptables-legacy");
		if (r < 0)
			goto out;
	}
	r = cta_fw_facts_add(c->facts, &s);
out:
	cta_fwset_done(&s);
	return r;
}

int cta_nft_collect(struct cta_collect_ctx *c)
{
	struct cta_nft_dump d = { 0 };
	struct cta_fwset s = { 0 };
	int r;

	r = cta_nft_dump_live(&d);
	if (r < 0) {
		cta_nft_dump_done(&d);
		if (r == -ENOMEM)
			return r;
		return cta_collect_unavailable_errno(c, "firewall.nf_tables", r);
	}
	r = cta_nft_decode(&d, &s);
	cta_nft_dump_done(&d);
	if (r == -EBADMSG) {
		cta_fwset_done(&s);
		return cta_collect_unavailable(c, "firewall.nf_tables",
					       "malformed nf_tables dump reply");
	}
	if (r >= 0 && s.n_tables > 0)
		r = add_backend(c->facts, "nf_tables");
	if (r >= 0)
		r = cta_fw_facts_add(c->facts, &s);
	cta_fwset_done(&s);
	return r;
}

/* Whether a reader recorded part of the firewall as unreadable. */
static bool firewall_partly_unavailable(json_t *facts)
{
	json_t *u = json_object_get(facts, "unavailable"), *e;
	size_t i;

	json_array_foreach(u, i, e) {
		const char *sec = json_string_value(json_object_get(e, "section"));

		if (sec && strneq(sec, "firewall", strlen("firewall")))
			return true;
	}
	return false;
}

int cta_collect_firewall(struct cta_collect_ctx *c)
{
	int r;

	/* Offline nothing is known about the rules: leave the section out rather
	 * than claim empty rule sets (readers treat missing as unknown). */
	if (c->opts->offline)
		return cta_collect_unavailable(c, "firewall", "offline: no live kernel to read");
	r = cta_fw_facts_finish(c->facts); /* creates the empty layout */
	if (r < 0)
		return r;
	/* fixture-tree unit tests: no live kernel either */
	if (c->opts->no_netlink)
		return 0;
	r = cta_iptc_collect(c, AF_INET);
	r = r ?: cta_iptc_collect(c, AF_INET6);
	r = r ?: cta_nft_collect(c);
	r = r ?: cta_fw_facts_finish(c->facts);
	if (r < 0)
		return r;
	/* A filter we could not read may drop UNTRACKED: unknown, not false.
	 * And when no backend could be read at all, empty rule lists would claim
	 * "no NOTRACK, no NAT": leave them out. */
	if (firewall_partly_unavailable(c->facts)) {
		json_t *fw = json_object_get(c->facts, "firewall");

		(void)json_object_del(fw, "stateful_filter_drops_untracked");
		if (json_array_size(json_object_get(fw, "backends")) == 0) {
			(void)json_object_del(fw, "backends");
			(void)json_object_del(fw, "notrack");
			(void)json_object_del(fw, "nat");
			(void)json_object_del(json_object_get(c->facts, "helpers"), "assigned");
		}
	}
	return 0;
}
