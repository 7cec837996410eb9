// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The firewall collector's pure parts: x_tables payload decoding on
 * constructed ipt_entry/ip6t_entry blobs, hook resolution through user
 * chains, the stateful-filter analysis and the facts layout.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_CT.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include "collect/firewall.h"
#include "policy/derive-fw.h"
#include "nf/firewall.h"
#include "util/json.h"

/* ---- building entries the way iptables does ---- */

struct blob {
	uint8_t buf[1024];
	size_t len;
	size_t hdr;
};

static void blob_init(struct blob *b, int af)
{
	memset(b, 0, sizeof(*b));
	b->hdr = af == AF_INET ? sizeof(struct ipt_entry) : sizeof(struct ip6t_entry);
	b->len = b->hdr;
}

static void blob_match(struct blob *b, const char *name, unsigned rev, const void *data, size_t len)
{
	struct xt_entry_match *m = (void *)(b->buf + b->len);
	size_t size = XT_ALIGN(sizeof(*m) + len);

	m->u.user.match_size = (uint16_t)size;
	strncpy(m->u.user.name, name, sizeof(m->u.user.name) - 1);
	m->u.user.revision = (uint8_t)rev;
	memcpy(m->data, data, len);
	b->len += size;
}

static void blob_target(struct blob *b, int af, const char *name, unsigned rev, const void *data,
			size_t len)
{
	struct xt_entry_target *t = (void *)(b->buf + b->len);
	size_t size = XT_ALIGN(sizeof(*t) + len);

	t->u.user.target_size = (uint16_t)size;
	strncpy(t->u.user.name, name, sizeof(t->u.user.name) - 1);
	t->u.user.revision = (uint8_t)rev;
	if (data)
		memcpy(t->data, data, len);
	if (af == AF_INET) {
		((struct ipt_entry *)b->buf)->target_offset = (uint16_t)b->len;
		((struct ipt_entry *)b->buf)->next_offset = (uint16_t)(b->len + size);
	} else {
		((struct ip6t_entry *)b->buf)->target_offset = (uint16_t)b->len;
		((struct ip6t_entry *)b->buf)->next_offset = (uint16_t)(b->len + size);
	}
	b->len += size;
}

static void tcp_dport(struct blob *b, uint16_t lo, uint16_t hi, bool inv)
{
	struct xt_tcp m = { .spts = { 0, 0xFFFF }, .dpts = { lo, hi } };

	m.invflags = inv ? XT_TCP_INV_DSTPT : 0;
	blob_match(b, "tcp", 0, &m, sizeof(m));
}

/* -t raw -A PREROUTING -p tcp --dport 8080 -j CT --notrack (CT rev 2) */
static void test_legacy_ct_notrack(void **state)
{
	struct xt_ct_target_info_v1 ct = { .flags = XT_CT_NOTRACK };
	struct cta_fwrule r = { 0 };
	struct blob b;

	blob_init(&b, AF_INET);
	((struct ipt_entry *)b.buf)->ip.proto = IPPROTO_TCP;
	tcp_dport(&b, 8080, 8080, false);
	blob_target(&b, AF_INET, "CT", 2, &ct, sizeof(ct));
	assert_int_equal(cta_iptc_decode_entry(AF_INET, b.buf, "CT", &r), 0);
	assert_int_equal(r.verdict, CTA_FW_NOTRACK);
	assert_string_equal(r.proto, "tcp");
	assert_int_equal(r.n_dports, 1);
	assert_string_equal(r.dports[0], "8080");
	assert_int_equal(r.n_sports, 0);
	assert_null(r.helper);
	cta_fwrule_done(&r);
}

/* -j NOTRACK: the kernel's NOTRACK target (rev 0, no payload) and the CT
 * spelling with XT_CT_NOTRACK_ALIAS */
static void test_legacy_notrack_spellings(void **state)
{
	struct xt_ct_target_info_v1 alias = { .flags = XT_CT_NOTRACK | XT_CT_NOTRACK_ALIAS };
	struct cta_fwrule r = { 0 };
	struct blob b;

	blob_init(&b, AF_INET);
	blob_target(&b, AF_INET, "NOTRACK", 0, NULL, 0);
	assert_int_equal(cta_iptc_decode_entry(AF_INET, b.buf, "NOTRACK", &r), 0);
	assert_int_equal(r.verdict, CTA_FW_NOTRACK);
	assert_null(r.proto);
	cta_fwrule_done(&r);

	blob_init(&b, AF_INET);
	blob_target(&b, AF_INET, "CT", 1, &alias, sizeof(alias));
	assert_int_equal(cta_iptc_decode_entry(AF_INET, b.buf, "CT", &r), 0);
	assert_int_equal(r.verdict, CTA_FW_NOTRACK);
	cta_fwrule_done(&r);
}

/* -j CT --helper ftp in all three revisions */
static void test_legacy_ct_helper(void **state)
{
	struct xt_ct_target_info v0 = { .helper = "ftp" };
	struct xt_ct_target_info_v1 v1 = { .helper = "sip" };
	struct cta_fwrule r = { 0 };
	struct blob b;

	blob_init(&b, AF_INET);
	((struct ipt_entry *)b.buf)->ip.proto = IPPROTO_TCP;
	tcp_dport(&b, 21, 21, false);
	blob_target(&b, AF_INET, "CT", 0, &v0, sizeof(v0));
	assert_int_equal(cta_iptc_decode_entry(AF_INET, b.buf, "CT", &r), 0);
	assert_int_equal(r.verdict, CTA_FW_HELPER);
	assert_string_equal(r.helper, "ftp");
	assert_string_equal(r.dports[0], "21");
	cta_fwrule_done(&r);

	for (unsigned rev = 1; rev <= 2; rev++) {
		blob_init(&b, AF_INET);
		blob_target(&b, AF_INET, "CT", rev, &v1, sizeof(v1));
		assert_int_equal(cta_iptc_decode_entry(AF_INET, b.buf, "CT", &r), 0);
		assert_int_equal(r.verdict, CTA_FW_HELPER);
		assert_string_equal(r.helper, "sip");
		cta_fwrule_done(&r);
	}
}

/* IPv6: the proto field counts only with IP6T_F_PROTO; addresses, masks,
 * interface wildcards and inversions */
static void test_legacy_ipv6_entry(void **state)
{
	struct xt_ct_target_info_v1 ct = { .flags = XT_CT_NOTRACK };
	struct cta_fwrule r = { 0 };
	struct ip6t_entry *e;
	struct blob b;

	blob_init(&b, AF_INET6);
	e = (struct ip6t_entry *)b.buf;
	e->ipv6.proto = IPPROTO_UDP; /* without IP6T_F_PROTO: any protocol */
	blob_target(&b, AF_INET6, "CT", 2, &ct, sizeof(ct));
	assert_int_equal(cta_iptc_decode_entry(AF_INET6, b.buf, "CT", &r), 0);
	assert_null(r.proto);
	cta_fwrule_done(&r);

	blob_init(&b, AF_INET6);
	e = (struct ip6t_entry *)b.buf;
	e->ipv6.proto = IPPROTO_TCP;
	e->ipv6.flags = IP6T_F_PROTO;
	inet_pton(AF_INET6, "fd00::", &e->ipv6.src);
	memset(&e->ipv6.smsk, 0xFF, 8); /* /64 */
	inet_pton(AF_INET6, "fd00::1", &e->ipv6.dst);
	memset(&e->ipv6.dmsk, 0xFF, 16);
	strcpy(e->ipv6.iniface, "eth+");
	memset(e->ipv6.iniface_mask, 0xFF, 3);
	strcpy(e->ipv6.outiface, "lo");
	memset(e->ipv6.outiface_mask, 0xFF, 3);
	e->ipv6.invflags = IP6T_INV_SRCIP | IP6T_INV_VIA_OUT;
	tcp_dport(&b, 8000, 8100, true);
	blob_target(&b, AF_INET6, "CT", 2, &ct, sizeof(ct));
	assert_int_equal(cta_iptc_decode_entry(AF_INET6, b.buf, "CT", &r), 0);
	assert_string_equal(r.proto, "tcp");
	assert_string_equal(r.saddr, "fd00::/64");
	assert_string_equal(r.daddr, "fd00::1");
	assert_string_equal(r.iif, "eth+");
	assert_string_equal(r.oif, "lo");
	assert_string_equal(r.dports[0], "8000-8100");
	assert_int_equal(r.neg, CTA_FWNEG_SADDR | CTA_FWNEG_OIF | CTA_FWNEG_DPORT);
	cta_fwrule_done(&r);
}

static void test_legacy_standard_targets(void **state)
{
	static const struct {
		const char *label;
		enum cta_fw_verdict v;
	} t[] = {
		{ "ACCEPT", CTA_FW_ACCEPT }, { "DROP", CTA_FW_DROP },
		{ "RETURN", CTA_FW_RETURN }, { "", CTA_FW_NONE },
		{ "MYCHAIN", CTA_FW_JUMP },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct cta_fwrule r = { 0 };
		int verdict = 0;
		struct blob b;

		blob_init(&b, AF_INET);
		blob_target(&b, AF_INET, "", 0, &verdict, sizeof(verdict));
		assert_int_equal(cta_iptc_decode_entry(AF_INET, b.buf, t[i].label, &r), 0);
		assert_int_equal(r.verdict, t[i].v);
		if (t[i].v == CTA_FW_JUMP)
			assert_string_equal(r.target, "MYCHAIN");
		cta_fwrule_done(&r);
	}
}

static void test_legacy_nat_targets(void **state)
{
	struct nf_nat_ipv4_multi_range_compat dnat = {
		.rangesize = 1,
		.range = { { .flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED,
			     .min_ip = htonl(0x0a00000a),
			     .max_ip = htonl(0x0a00000a),
			     .min = { .all = htons(443) },
			     .max = { .all = htons(443) } } },
	};
	struct nf_nat_ipv4_multi_range_compat redir = {
		.rangesize = 1,
		.range = { { .flags = NF_NAT_RANGE_PROTO_SPECIFIED,
			     .min = { .all = htons(8080) },
			     .max = { .all = htons(8090) } } },
	};
	struct nf_nat_range2 snat6 = { .flags = NF_NAT_RANGE_MAP_IPS };
	struct cta_fwrule r = { 0 };
	struct blob b;

	blob_init(&b, AF_INET);
	blob_target(&b, AF_INET, "DNAT", 0, &dnat, sizeof(dnat));
	assert_int_equal(cta_iptc_decode_entry(AF_INET, b.buf, "DNAT", &r), 0);
	assert_int_equal(r.verdict, CTA_FW_DNAT);
	assert_string_equal(r.to, "10.0.0.10:443");
	cta_fwrule_done(&r);

	blob_init(&b, AF_INET);
	blob_target(&b, AF_INET, "REDIRECT", 0, &redir, sizeof(redir));
	assert_int_equal(cta_iptc_decode_entry(AF_INET, b.buf, "REDIRECT", &r), 0);
	assert_int_equal(r.verdict, CTA_FW_REDIRECT);
	assert_string_equal(r.to, "8080-8090");
	cta_fwrule_done(&r);

	blob_init(&b, AF_INET);
	blob_target(&b, AF_INET, "MASQUERADE", 0,
		    &(struct nf_nat_ipv4_multi_range_compat){ .rangesize = 1 },
		    sizeof(struct nf_nat_ipv4_multi_range_compat));
	assert_int_equal(cta_iptc_decode_entry(AF_INET, b.buf, "MASQUERADE", &r), 0);
	assert_int_equal(r.verdict, CTA_FW_MASQUERADE);
	assert_null(r.to);
	cta_fwrule_done(&r);

	inet_pton(AF_INET6, "fd00::1", &snat6.min_addr.in6);
	inet_pton(AF_INET6, "fd00::9", &snat6.max_addr.in6);
	blob_init(&b, AF_INET6);
	blob_target(&b, AF_INET6, "SNAT", 2, &snat6, sizeof(snat6));
	assert_int_equal(cta_iptc_decode_entry(AF_INET6, b.buf, "SNAT", &r), 0);
	assert_int_equal(r.verdict, CTA_FW_SNAT);
	assert_string_equal(r.to, "fd00::1-fd00::9");
	cta_fwrule_done(&r);
}

/* NAT port-selection flags from each payload layout, and the truncated
 * payload that leaves them unknown. */
static void test_legacy_nat_flags(void **state)
{
	struct nf_nat_ipv4_multi_range_compat masq = {
		.rangesize = 1,
		.range = { { .flags = NF_NAT_RANGE_PROTO_RANDOM_FULLY } },
	};
	struct nf_nat_range masq6 = { .flags = NF_NAT_RANGE_PROTO_RANDOM_FULLY };
	struct nf_nat_range2 snat = { .flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_RANDOM |
					       NF_NAT_RANGE_PERSISTENT };
	struct nf_nat_range dnat6 = { .flags = NF_NAT_RANGE_MAP_IPS };
	struct cta_fwrule r = { 0 };
	struct blob b;

	/* iptables -j MASQUERADE --random-fully (IPv4 revision 0) */
	blob_init(&b, AF_INET);
	blob_target(&b, AF_INET, "MASQUERADE", 0, &masq, sizeof(masq));
	assert_int_equal(cta_iptc_decode_entry(AF_INET, b.buf, "MASQUERADE", &r), 0);
	assert_true(r.nat_flags_known);
	assert_int_equal(r.nat_flags, CTA_FWNAT_RANDOM_FULLY);
	cta_fwrule_done(&r);

	/* the same without the flag: known, and none set */
	masq.range[0].flags = 0;
	blob_init(&b, AF_INET);
	blob_target(&b, AF_INET, "MASQUERADE", 0, &masq, sizeof(masq));
	assert_int_equal(cta_iptc_decode_entry(AF_INET, b.buf, "MASQUERADE", &r), 0);
	assert_true(r.nat_flags_known);
	assert_int_equal(r.nat_flags, 0);
	cta_fwrule_done(&r);

	/* ip6tables -j MASQUERADE --random-fully: struct nf_nat_range, revision 0 */
	blob_init(&b, AF_INET6);
	blob_target(&b, AF_INET6, "MASQUERADE", 0, &masq6, sizeof(masq6));
	assert_int_equal(cta_iptc_decode_entry(AF_INET6, b.buf, "MASQUERADE", &r), 0);
	assert_true(r.nat_flags_known);
	assert_int_equal(r.nat_flags, CTA_FWNAT_RANDOM_FULLY);
	cta_fwrule_done(&r);

	/* -j SNAT --to-source 1.2.3.4 --random --persistent (revision 2) */
	snat.min_addr.ip = snat.max_addr.ip = htonl(0x01020304);
	blob_init(&b, AF_INET);
	blob_target(&b, AF_INET, "SNAT", 2, &snat, sizeof(snat));
	assert_int_equal(cta_iptc_decode_entry(AF_INET, b.buf, "SNAT", &r), 0);
	assert_true(r.nat_flags_known);
	assert_int_equal(r.nat_flags, CTA_FWNAT_RANDOM | CTA_FWNAT_PERSISTENT);
	assert_string_equal(r.to, "1.2.3.4");
	cta_fwrule_done(&r);

	/* ip6tables -j DNAT (revision 1) */
	inet_pton(AF_INET6, "fd00::1", &dnat6.min_addr.in6);
	dnat6.max_addr = dnat6.min_addr;
	blob_init(&b, AF_INET6);
	blob_target(&b, AF_INET6, "DNAT", 1, &dnat6, sizeof(dnat6));
	assert_int_equal(cta_iptc_decode_entry(AF_INET6, b.buf, "DNAT", &r), 0);
	assert_true(r.nat_flags_known);
	assert_int_equal(r.nat_flags, 0);
	cta_fwrule_done(&r);

	/* a payload shorter than its struct: the flags stay unknown */
	assert_int_equal(
		cta_xt_decode_target(&r, AF_INET, "MASQUERADE", 0, &masq, sizeof(masq) - 1), 0);
	assert_int_equal(r.verdict, CTA_FW_MASQUERADE);
	assert_false(r.nat_flags_known);
	cta_fwrule_done(&r);
	assert_int_equal(cta_xt_decode_target(&r, AF_INET6, "SNAT", 2, &snat, 8), 0);
	assert_int_equal(r.verdict, CTA_FW_SNAT);
	assert_false(r.nat_flags_known);
	cta_fwrule_done(&r);
	(void)state;
}

/* conntrack rev 1..3, state, multiport rev 0/1 */
static void test_xt_matches(void **state)
{
	struct xt_conntrack_mtinfo3 c3 = { .match_flags = XT_CONNTRACK_STATE,
					   .state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED) |
							 XT_CONNTRACK_STATE_BIT(IP_CT_RELATED) };
	struct xt_conntrack_mtinfo2 c2 = { .match_flags = XT_CONNTRACK_STATE,
					   .invert_flags = XT_CONNTRACK_STATE,
					   .state_mask = XT_CONNTRACK_STATE_UNTRACKED };
	struct xt_conntrack_mtinfo1 c1 = { .match_flags = XT_CONNTRACK_STATE,
					   .state_mask = XT_CONNTRACK_STATE_INVALID };
	struct xt_state_info st = { .statemask = XT_STATE_UNTRACKED |
						 XT_STATE_BIT(IP_CT_ESTABLISHED) };
	struct xt_multiport_v1 mp1 = { .flags = XT_MULTIPORT_DESTINATION,
				       .count = 3,
				       .ports = { 80, 1000, 1100 },
				       .pflags = { 0, 1, 0 },
				       .invert = 1 };
	struct xt_multiport mp0 = { .flags = XT_MULTIPORT_SOURCE,
				    .count = 2,
				    .ports = { 53, 123 } };
	struct cta_fwrule r = { 0 };

	assert_int_equal(cta_xt_decode_match(&r, AF_INET, "conntrack", 3, &c3, sizeof(c3)), 0);
	assert_true(r.has_ctstate);
	assert_int_equal(r.ctstate, CTA_CT_ESTABLISHED | CTA_CT_RELATED);
	assert_int_equal(r.neg, 0);
	assert_false(r.other_match);
	cta_fwrule_done(&r);

	assert_int_equal(cta_xt_decode_match(&r, AF_INET, "conntrack", 2, &c2, sizeof(c2)), 0);
	assert_int_equal(r.ctstate, CTA_CT_UNTRACKED);
	assert_int_equal(r.neg, CTA_FWNEG_CTSTATE);
	cta_fwrule_done(&r);

	assert_int_equal(cta_xt_decode_match(&r, AF_INET, "conntrack", 1, &c1, sizeof(c1)), 0);
	assert_int_equal(r.ctstate, CTA_CT_INVALID);
	cta_fwrule_done(&r);

	assert_int_equal(cta_xt_decode_match(&r, AF_INET, "state", 0, &st, sizeof(st)), 0);
	assert_int_equal(r.ctstate, CTA_CT_UNTRACKED | CTA_CT_ESTABLISHED);
	cta_fwrule_done(&r);

	assert_int_equal(cta_xt_decode_match(&r, AF_INET, "multiport", 1, &mp1, sizeof(mp1)), 0);
	assert_int_equal(r.n_dports, 2);
	assert_string_equal(r.dports[0], "80");
	assert_string_equal(r.dports[1], "1000-1100");
	assert_int_equal(r.neg, CTA_FWNEG_DPORT);
	cta_fwrule_done(&r);

	assert_int_equal(cta_xt_decode_match(&r, AF_INET, "multiport", 0, &mp0, sizeof(mp0)), 0);
	assert_int_equal(r.n_sports, 2);
	assert_string_equal(r.sports[1], "123");
	cta_fwrule_done(&r);

	assert_int_equal(cta_xt_decode_match(&r, AF_INET, "limit", 0, "", 0), 0);
	assert_true(r.other_match);
	cta_fwrule_done(&r);
}

/* ---- rule sets built by hand ---- */

static struct cta_fwchain *chain(struct cta_fwtable *t, const char *name, const char *hook,
				 enum cta_fw_verdict policy)
{
	struct cta_fwchain *c = cta_fwtable_add_chain(t);

	c->name = strdup(name);
	c->hook = hook;
	c->policy = policy;
	return c;
}

static struct cta_fwrule *rule(struct cta_fwchain *c, enum cta_fw_verdict v, unsigned ctstate,
			       const char *target)
{
	struct cta_fwrule *r = cta_fwchain_add_rule(c);

	r->verdict = v;
	if (ctstate) {
		r->has_ctstate = true;
		r->ctstate = ctstate;
	}
	if (target)
		r->target = strdup(target);
	return r;
}

static bool stateful(struct cta_fwset *s)
{
	json_t *facts = json_object();
	bool v;

	assert_int_equal(cta_fw_facts_add(facts, s), 0);
	assert_int_equal(cta_derive_fw(facts), 0);
	v = json_is_true(cta_json_path(facts, "firewall.stateful_filter_drops_untracked"));
	json_decref(facts);
	return v;
}

static void test_stateful_analysis(void **state)
{
	enum { EST = CTA_CT_ESTABLISHED | CTA_CT_RELATED };
	static const struct {
		const char *what;
		enum cta_fw_verdict policy;
		unsigned untracked_accept; /* 0 none, 1 before the drop, 2 after, 3 in a user chain */
		bool final_drop, est_in_user_chain, negated_untracked;
		bool want;
	} t[] = {
		{ "policy drop, est only", CTA_FW_DROP, 0, false, false, false, true },
		{ "policy drop, untracked accepted", CTA_FW_DROP, 1, false, false, false, false },
		{ "policy accept, no drop", CTA_FW_ACCEPT, 0, false, false, false, false },
		{ "final drop rule", CTA_FW_ACCEPT, 0, true, false, false, true },
		{ "untracked after final drop", CTA_FW_ACCEPT, 2, true, false, false, true },
		{ "est in a user chain", CTA_FW_DROP, 0, false, true, false, true },
		{ "untracked in a user chain", CTA_FW_DROP, 3, false, false, false, false },
		{ "ct state != untracked", CTA_FW_DROP, 1, false, false, true, true },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct cta_fwset s = { 0 };
		struct cta_fwtable *tb = cta_fwset_add_table(&s);
		struct cta_fwchain *in, *user;

		tb->name = strdup("filter");
		tb->family = "ipv4";
		tb->source = "iptables-legacy";
		in = chain(tb, "INPUT", "input", t[i].policy);
		user = chain(tb, "USER", NULL, CTA_FW_NONE);
		in = &tb->chains[0]; /* chain() may have moved it */
		user = &tb->chains[1];
		if (t[i].est_in_user_chain || t[i].untracked_accept == 3)
			rule(in, CTA_FW_JUMP, 0, "USER");
		rule(t[i].est_in_user_chain ? user : in, CTA_FW_ACCEPT, EST, NULL);
		if (t[i].untracked_accept == 1) {
			struct cta_fwrule *r = rule(in, CTA_FW_ACCEPT, CTA_CT_UNTRACKED, NULL);

			if (t[i].negated_untracked)
				r->neg = CTA_FWNEG_CTSTATE;
		}
		if (t[i].untracked_accept == 3)
			rule(user, CTA_FW_ACCEPT, CTA_CT_UNTRACKED, NULL);
		if (t[i].final_drop)
			rule(in, CTA_FW_DROP, 0, NULL);
		if (t[i].untracked_accept == 2)
			rule(in, CTA_FW_ACCEPT, CTA_CT_UNTRACKED, NULL);
		if (stateful(&s) != t[i].want)
			fail_msg("case '%s': want %d", t[i].what, t[i].want);
		cta_fwset_done(&s);
	}
}

/* An nft regular chain / legacy user chain gets the hook of every base
 * chain that reaches it; entries per port of a multi-port rule. */
static void test_hooks_and_ports(void **state)
{
	struct cta_fwset s = { 0 };
	struct cta_fwtable *tb = cta_fwset_add_table(&s);
	struct cta_fwrule *r;
	json_t *facts = json_object(), *e;

	tb->name = strdup("raw");
	tb->family = "ipv4";
	tb->source = "iptables-legacy";
	chain(tb, "PREROUTING", "prerouting", CTA_FW_ACCEPT);
	chain(tb, "OUTPUT", "output", CTA_FW_ACCEPT);
	chain(tb, "A", NULL, CTA_FW_NONE);
	chain(tb, "B", NULL, CTA_FW_NONE);
	rule(&tb->chains[1], CTA_FW_JUMP, 0, "A");
	rule(&tb->chains[0], CTA_FW_JUMP, 0, "A");
	rule(&tb->chains[2], CTA_FW_GOTO, 0, "B");
	r = rule(&tb->chains[3], CTA_FW_NOTRACK, 0, NULL);
	r->proto = strdup("udp");
	assert_int_equal(cta_fwrule_add_port(&r->dports, &r->n_dports, 53, 53), 0);
	assert_int_equal(cta_fwrule_add_port(&r->dports, &r->n_dports, 5000, 5010), 0);

	assert_int_equal(cta_fw_facts_add(facts, &s), 0);
	assert_int_equal(cta_fw_facts_finish(facts), 0);
	assert_int_equal(json_array_size(cta_json_path(facts, "firewall.notrack")), 2);
	e = json_array_get(cta_json_path(facts, "firewall.notrack"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "chain")), "B");
	assert_string_equal(json_string_value(json_object_get(e, "dport")), "5000-5010");
	assert_string_equal(json_string_value(json_object_get(e, "hook")), "prerouting");
	assert_int_equal(json_array_size(json_object_get(e, "hooks")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(e, "hooks"), 1)),
			    "output");
	assert_null(json_object_get(e, "negated"));
	assert_null(json_object_get(e, "saddr"));
	e = json_array_get(cta_json_path(facts, "firewall.notrack"), 1);
	assert_string_equal(json_string_value(json_object_get(e, "dport")), "53");
	/* empty sections exist and are arrays; nothing else was added */
	assert_int_equal(json_array_size(cta_json_path(facts, "firewall.nat")), 0);
	assert_int_equal(json_array_size(cta_json_path(facts, "helpers.assigned")), 0);
	assert_int_equal(json_array_size(cta_json_path(facts, "firewall.backends")), 0);
	json_decref(facts);
	cta_fwset_done(&s);
}

/* The facts carry the three flags when known and none of them when not. */
static void test_nat_flags_facts(void **state)
{
	struct cta_fwset s = { 0 };
	struct cta_fwtable *tb = cta_fwset_add_table(&s);
	struct cta_fwrule *r;
	json_t *facts = json_object(), *nat, *e;

	tb->name = strdup("nat");
	tb->family = "ipv4";
	tb->source = "iptables-legacy";
	chain(tb, "POSTROUTING", "postrouting", CTA_FW_ACCEPT);
	r = rule(&tb->chains[0], CTA_FW_MASQUERADE, 0, NULL);
	r->oif = strdup("a");
	r->nat_flags_known = true;
	r->nat_flags = CTA_FWNAT_RANDOM_FULLY;
	r = rule(&tb->chains[0], CTA_FW_SNAT, 0, NULL);
	r->oif = strdup("b");
	r->nat_flags_known = true;
	r->nat_flags = CTA_FWNAT_RANDOM | CTA_FWNAT_PERSISTENT;
	r = rule(&tb->chains[0], CTA_FW_MASQUERADE, 0, NULL);
	r->oif = strdup("c");

	assert_int_equal(cta_fw_facts_add(facts, &s), 0);
	assert_int_equal(cta_fw_facts_finish(facts), 0);
	nat = cta_json_path(facts, "firewall.nat");
	assert_int_equal(json_array_size(nat), 3);
	/* sorted by text: "kind":"masquerade","oif":"a" < ..."oif":"c" < "kind":"snat" */
	e = json_array_get(nat, 0);
	assert_string_equal(json_string_value(json_object_get(e, "oif")), "a");
	assert_true(json_is_true(json_object_get(e, "random_fully")));
	assert_true(json_is_false(json_object_get(e, "random")));
	assert_true(json_is_false(json_object_get(e, "persistent")));
	e = json_array_get(nat, 1);
	assert_string_equal(json_string_value(json_object_get(e, "oif")), "c");
	assert_null(json_object_get(e, "random_fully"));
	assert_null(json_object_get(e, "random"));
	assert_null(json_object_get(e, "persistent"));
	e = json_array_get(nat, 2);
	assert_string_equal(json_string_value(json_object_get(e, "oif")), "b");
	assert_true(json_is_false(json_object_get(e, "random_fully")));
	assert_true(json_is_true(json_object_get(e, "random")));
	assert_true(json_is_true(json_object_get(e, "persistent")));
	json_decref(facts);
	cta_fwset_done(&s);
	(void)state;
}

/* Lists multiply entries; a negated list stays one entry, comma-joined. */
static void test_lists_and_negation(void **state)
{
	struct cta_fwset s = { 0 };
	struct cta_fwtable *tb = cta_fwset_add_table(&s);
	struct cta_fwrule *r;
	json_t *facts = json_object();
	char *got;

	tb->name = strdup("t");
	tb->family = "inet";
	tb->source = "nft";
	chain(tb, "pre", "prerouting", CTA_FW_ACCEPT);
	r = rule(&tb->chains[0], CTA_FW_NOTRACK, 0, NULL);
	r->protos = calloc(2, sizeof(char *));
	r->protos[0] = strdup("tcp");
	r->protos[1] = strdup("udp");
	r->n_protos = 2;
	assert_int_equal(cta_fwrule_add_port(&r->dports, &r->n_dports, 53, 53), 0);
	r = rule(&tb->chains[0], CTA_FW_NOTRACK, 0, NULL);
	r->proto = strdup("tcp");
	assert_int_equal(cta_fwrule_add_port(&r->dports, &r->n_dports, 22, 22), 0);
	assert_int_equal(cta_fwrule_add_port(&r->dports, &r->n_dports, 80, 80), 0);
	r->neg = CTA_FWNEG_DPORT;

	assert_int_equal(cta_fw_facts_add(facts, &s), 0);
	assert_int_equal(cta_fw_facts_finish(facts), 0);
	got = json_dumps(cta_json_path(facts, "firewall.notrack"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(
		got,
		"[{\"chain\":\"pre\",\"dport\":\"22,80\",\"family\":\"inet\",\"hook\":"
		"\"prerouting\",\"negated\":[\"dport\"],\"proto\":\"tcp\",\"source\":\"nft\","
		"\"table\":\"t\"},"
		"{\"chain\":\"pre\",\"dport\":\"53\",\"family\":\"inet\",\"hook\":\"prerouting\","
		"\"proto\":\"tcp\",\"source\":\"nft\",\"table\":\"t\"},"
		"{\"chain\":\"pre\",\"dport\":\"53\",\"family\":\"inet\",\"hook\":\"prerouting\","
		"\"proto\":\"udp\",\"source\":\"nft\",\"table\":\"t\"}]");
	free(got);
	json_decref(facts);
	cta_fwset_done(&s);
}

/* Both backends contribute the same entry (e.g. two collections): one remains. */
static void test_dedup(void **state)
{
	json_t *facts = json_object();
	json_t *fw = cta_json_object_child(facts, "firewall");
	json_t *nt = json_array();

	json_object_set_new(fw, "notrack", nt);
	json_array_append_new(nt, json_pack("{s:s, s:s}", "dport", "80", "proto", "tcp"));
	json_array_append_new(nt, json_pack("{s:s, s:s}", "proto", "tcp", "dport", "22"));
	json_array_append_new(nt, json_pack("{s:s, s:s}", "proto", "tcp", "dport", "80"));
	assert_int_equal(cta_fw_facts_finish(facts), 0);
	assert_int_equal(json_array_size(nt), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(nt, 0), "dport")),
			    "22");
	assert_int_equal(cta_derive_fw(facts), 0);
	assert_true(
		json_is_false(cta_json_path(facts, "firewall.stateful_filter_drops_untracked")));
	json_decref(facts);
}

static void test_format_helpers(void **state)
{
	uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 9 };
	uint8_t m1[4] = { 0xFF, 0xFF, 0xF0, 0 }, m2[4] = { 0xFF, 0, 0xFF, 0 };
	char *s;

	assert_int_equal(cta_fw_mask_prefix(m1, 4), 20);
	assert_int_equal(cta_fw_mask_prefix(m2, 4), -1);
	s = cta_fw_addr_str(AF_INET, a, 32);
	assert_string_equal(s, "10.0.0.1");
	free(s);
	s = cta_fw_addr_str(AF_INET, a, 8);
	assert_string_equal(s, "10.0.0.1/8");
	free(s);
	s = cta_fw_nat_to(AF_INET, true, a, b, true, htons(80), htons(81));
	assert_string_equal(s, "10.0.0.1-10.0.0.9:80-81");
	free(s);
	s = cta_fw_nat_to(AF_INET, false, NULL, NULL, true, htons(8080), htons(8080));
	assert_string_equal(s, "8080");
	free(s);
	s = cta_fw_proto_name(132);
	assert_string_equal(s, "sctp");
	free(s);
	s = cta_fw_proto_name(253);
	assert_string_equal(s, "253");
	free(s);
}

/* Legacy tables are read only when procfs lists them: with an empty or
 * missing list nothing is opened (iptc_init would create the table). */
static void test_legacy_only_listed(void **state)
{
	char dir[] = "/tmp/cta-fw-proc.XXXXXX";
	char *net, *names;
	struct cta_fwset s = { 0 };
	FILE *f;

	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&net, "%s/net", dir) > 0);
	assert_true(asprintf(&names, "%s/net/ip_tables_names", dir) > 0);
	assert_int_equal(cta_iptc_read(dir, AF_INET, &s), -ENOENT); /* no net/ at all */
	assert_int_equal(mkdir(net, 0755), 0);
	f = fopen(names, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(cta_iptc_read(dir, AF_INET, &s), -ENOENT); /* listed: none */
	assert_int_equal(cta_iptc_read(dir, AF_INET6, &s), -ENOENT);
	assert_int_equal(s.n_tables, 0);
	unlink(names);
	rmdir(net);
	rmdir(dir);
	free(net);
	free(names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_ct_notrack),
		cmocka_unit_test(test_legacy_notrack_spellings),
		cmocka_unit_test(test_legacy_ct_helper),
		cmocka_unit_test(test_legacy_ipv6_entry),
		cmocka_unit_test(test_legacy_standard_targets),
		cmocka_unit_test(test_legacy_nat_targets),
		cmocka_unit_test(test_legacy_nat_flags),
		cmocka_unit_test(test_nat_flags_facts),
		cmocka_unit_test(test_xt_matches),
		cmocka_unit_test(test_stateful_analysis),
		cmocka_unit_test(test_hooks_and_ports),
		cmocka_unit_test(test_lists_and_negation),
		cmocka_unit_test(test_dedup),
		cmocka_unit_test(test_format_helpers),
		cmocka_unit_test(test_legacy_only_listed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
