// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The nf_tables adapter: the only file that includes libnftnl.  Dumps the
 * ruleset over NETLINK_NETFILTER (libmnl), decodes the expressions of every
 * rule into a cta_fwset (nft and iptables-nft rules alike), and replaces
 * ctaudit's own table inet ctaudit in one batch.
 *
 * libnftnl's JSON/text output cannot tell `-j CT --notrack` from
 * `-j CT --helper ftp` (both are "xt target CT"), so the decoding works on the
 * expressions and the xt payloads themselves.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include "nf/firewall.h"
#include "nf/fwrule.h"
#include "nf/nl.h"
#include "util/macro.h"
#include "util/banned.h"

CTA_DEFINE_CLEANUP(struct nftnl_table *, nftnl_table_free)
CTA_DEFINE_CLEANUP(struct nftnl_chain *, nftnl_chain_free)
CTA_DEFINE_CLEANUP(struct nftnl_rule *, nftnl_rule_free)
CTA_DEFINE_CLEANUP(struct nftnl_obj *, nftnl_obj_free)
CTA_DEFINE_CLEANUP(struct nftnl_set *, nftnl_set_free)
CTA_DEFINE_CLEANUP(struct nftnl_expr_iter *, nftnl_expr_iter_destroy)
CTA_DEFINE_CLEANUP(struct nftnl_gen *, nftnl_gen_free)

#define CTA_NFT_TABLE "ctaudit"

void cta_nft_dump_done(struct cta_nft_dump *d)
{
	free(d->tables.p);
	free(d->chains.p);
	free(d->rules.p);
	free(d->objs.p);
	free(d->sets.p);
	free(d->elems.p);
	*d = (struct cta_nft_dump){ 0 };
}

/* ---- live dump ---- */

static int buf_append(struct cta_nft_buf *b, const void *p, size_t len)
{
	uint8_t *n = realloc(b->p, b->len + len);

	if (!n)
		return -ENOMEM;
	memcpy(n + b->len, p, len);
	b->p = n;
	b->len += len;
	return 0;
}

static int collect_cb(const struct nlmsghdr *nlh, void *data)
{
	return buf_append(data, nlh, nlh->nlmsg_len);
}

static int nl_dump_type(struct cta_nl *nl, uint16_t type, struct cta_nft_buf *out)
{
	_cleanup_free_ uint8_t *req = calloc(1, MNL_SOCKET_BUFFER_SIZE);
	struct nlmsghdr *nlh;

	if (!req)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr((char *)req, type, NFPROTO_UNSPEC, NLM_F_DUMP, cta_nl_seq(nl));
	return cta_nl_request(nl, nlh, collect_cb, out);
}

/* GETGEN answers with one message and no NLMSG_DONE: stop after it */
static int collect_one_cb(const struct nlmsghdr *nlh, void *data)
{
	int r = collect_cb(nlh, data);

	return r < 0 ? r : 1;
}

static int nl_genid(struct cta_nl *nl, uint32_t *ret)
{
	_cleanup_free_ uint8_t *req = calloc(1, MNL_SOCKET_BUFFER_SIZE);
	struct cta_nft_buf reply = { 0 };
	_cleanup_(nftnl_gen_freep) struct nftnl_gen *gen = nftnl_gen_alloc();
	struct nlmsghdr *nlh;
	int r;

	if (!req || !gen)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr((char *)req, NFT_MSG_GETGEN, NFPROTO_UNSPEC, 0, cta_nl_seq(nl));
	r = cta_nl_request(nl, nlh, collect_one_cb, &reply);
	if (r < 0) {
		free(reply.p);
		return r;
	}
	if (reply.len < sizeof(struct nlmsghdr) ||
	    nftnl_gen_nlmsg_parse((const struct nlmsghdr *)reply.p, gen) < 0) {
		free(reply.p);
		return -EBADMSG;
	}
	free(reply.p);
	*ret = nftnl_gen_get_u32(gen, NFTNL_GEN_ID);
	return 0;
}

static int dump_elems(struct cta_nl *nl, struct cta_nft_dump *d)
{
	_cleanup_free_ uint8_t *req = calloc(1, MNL_SOCKET_BUFFER_SIZE);
	const uint8_t *p = d->sets.p;
	int len = (int)d->sets.len;
	int r;

	if (!req)
		return -ENOMEM;
	for (const struct nlmsghdr *nlh = (const void *)p; p && cta_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len)) {
		_cleanup_(nftnl_set_freep) struct nftnl_set *s = nftnl_set_alloc();
		struct nlmsghdr *q;

		if (!s)
			return -ENOMEM;
		if (nftnl_set_nlmsg_parse(nlh, s) < 0)
			return -EBADMSG;
		/* anonymous sets are part of a rule ("tcp dport { 22, 80 }"); of the
		 * named ones only port sets (2-byte keys, at most 65536 elements):
		 * address sets can be huge and are never needed */
		if (!(nftnl_set_get_u32(s, NFTNL_SET_FLAGS) & NFT_SET_ANONYMOUS) &&
		    nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN) != 2)
			continue;
		q = nftnl_nlmsg_build_hdr((char *)req, NFT_MSG_GETSETELEM,
					  (uint16_t)nftnl_set_get_u32(s, NFTNL_SET_FAMILY),
					  NLM_F_DUMP, cta_nl_seq(nl));
		nftnl_set_elems_nlmsg_build_payload(q, s);
		r = cta_nl_request(nl, q, collect_cb, &d->elems);
		if (r < 0)
			return r;
	}
	return 0;
}

int cta_nft_dump_live(struct cta_nft_dump *d)
{
	struct cta_nl nl;
	int r;

	r = cta_nl_open(&nl, NETLINK_NETFILTER, 0, 0);
	if (r < 0)
		return r;
	/* the dumps are separate requests: retry when the ruleset changed in
	 * between (generation id) or during one of them (NLM_F_DUMP_INTR), as
	 * nft does */
	for (int attempt = 0; attempt < 5; attempt++) {
		uint32_t gen_before, gen_after;

		cta_nft_dump_done(d);
		r = nl_genid(&nl, &gen_before);
		r = r ?: nl_dump_type(&nl, NFT_MSG_GETTABLE, &d->tables);
		r = r ?: nl_dump_type(&nl, NFT_MSG_GETCHAIN, &d->chains);
		r = r ?: nl_dump_type(&nl, NFT_MSG_GETRULE, &d->rules);
		r = r ?: nl_dump_type(&nl, NFT_MSG_GETOBJ, &d->objs);
		r = r ?: nl_dump_type(&nl, NFT_MSG_GETSET, &d->sets);
		r = r ?: dump_elems(&nl, d);
		r = r ?: nl_genid(&nl, &gen_after);
		if (r == -EINTR)
			continue;
		if (r < 0 || gen_before == gen_after)
			break;
		r = -EAGAIN;
	}
	cta_nl_close(&nl);
	return r;
}

/* ---- decoding ---- */

static const char *family_name(unsigned f)
{
	switch (f) {
	case NFPROTO_IPV4:
		return "ipv4";
	case NFPROTO_IPV6:
		return "ipv6";
	case NFPROTO_INET:
		return "inet";
	case NFPROTO_BRIDGE:
		return "bridge";
	case NFPROTO_ARP:
		return "arp";
	case NFPROTO_NETDEV:
		return "netdev";
	default:
		return "unknown";
	}
}

static const char *hook_name(unsigned family, unsigned hook)
{
	static const char *const inet[] = { "prerouting", "input",	 "forward",
					    "output",	  "postrouting", "ingress" };
	static const char *const arp[] = { "input", "output", "forward" };
	static const char *const netdev[] = { "ingress", "egress" };

	if (family == NFPROTO_ARP)
		return hook < ELEMENTSOF(arp) ? arp[hook] : "unknown";
	if (family == NFPROTO_NETDEV)
		return hook < ELEMENTSOF(netdev) ? netdev[hook] : "unknown";
	return hook < ELEMENTSOF(inet) ? inet[hook] : "unknown";
}

struct nft_obj {
	uint32_t family;
	char *table, *name, *helper;
	uint8_t l4proto;
};

struct nft_elem {
	uint8_t key[16], key_end[16];
	uint32_t key_len, key_end_len;
	bool interval_end;
	bool has_verdict;
	int32_t verdict;
	char *chain; /* jump/goto target of a verdict map element */
};

struct nft_set {
	uint32_t family, flags, key_len;
	char *table, *name;
	struct nft_elem *elems;
	size_t n_elems;
};

struct nft_tinfo {
	uint32_t family;
	bool has_xt;
};

struct nft_ctx {
	struct cta_fwset *out;
	struct nft_tinfo *tinfo; /* parallel to out->tables */
	struct nft_obj *objs;
	size_t n_objs;
	struct nft_set *sets;
	size_t n_sets;
};

static void nft_ctx_done(struct nft_ctx *c)
{
	for (size_t i = 0; i < c->n_objs; i++) {
		free(c->objs[i].table);
		free(c->objs[i].name);
		free(c->objs[i].helper);
	}
	free(c->objs);
	for (size_t i = 0; i < c->n_sets; i++) {
		free(c->sets[i].table);
		free(c->sets[i].name);
		for (size_t j = 0; j < c->sets[i].n_elems; j++)
			free(c->sets[i].elems[j].chain);
		free(c->sets[i].elems);
	}
	free(c->sets);
	free(c->tinfo);
}

static struct cta_fwtable *find_table(struct nft_ctx *c, uint32_t family, const char *name,
				      struct nft_tinfo **ret_info)
{
	for (size_t i = 0; i < c->out->n_tables; i++)
		if (c->tinfo[i].family == family && streq(c->out->tables[i].name, name)) {
			if (ret_info)
				*ret_info = &c->tinfo[i];
			return &c->out->tables[i];
		}
	return NULL;
}

static const struct nft_set *find_set(const struct nft_ctx *c, uint32_t family, const char *table,
				      const char *name)
{
	for (size_t i = 0; i < c->n_sets; i++)
		if (c->sets[i].family == family && streq(c->sets[i].table, table) &&
		    streq(c->sets[i].name, name))
			return &c->sets[i];
	return NULL;
}

static const struct nft_obj *find_obj(const struct nft_ctx *c, uint32_t family, const char *table,
				      const char *name)
{
	for (size_t i = 0; i < c->n_objs; i++)
		if (c->objs[i].family == family && streq(c->objs[i].table, table) &&
		    streq(c->objs[i].name, name))
			return &c->objs[i];
	return NULL;
}

#define FOREACH_NLMSG(nlh, buf)                                           \
	for (int _len_ = (int)(buf)->len, _ok_ = 1; _ok_; _ok_ = 0)       \
		for (const struct nlmsghdr *nlh = (const void *)(buf)->p; \
		     (buf)->p && cta_nlmsg_ok(nlh, _len_); nlh = mnl_nlmsg_next(nlh, &_len_))

static int decode_tables(struct nft_ctx *c, const struct cta_nft_buf *b)
{
	FOREACH_NLMSG(nlh, b)
	{
		_cleanup_(nftnl_table_freep) struct nftnl_table *t = nftnl_table_alloc();
		struct cta_fwtable *ft;
		struct nft_tinfo *ti;
		uint32_t family;

		if (!t)
			return -ENOMEM;
		if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE)
			continue;
		if (nftnl_table_nlmsg_parse(nlh, t) < 0 || !nftnl_table_is_set(t, NFTNL_TABLE_NAME))
			return -EBADMSG;
		family = nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY);
		ti = reallocarray(c->tinfo, c->out->n_tables + 1, sizeof(*ti));
		if (!ti)
			return -ENOMEM;
		c->tinfo = ti;
		ft = cta_fwset_add_table(c->out);
		if (!ft)
			return -ENOMEM;
		ti[c->out->n_tables - 1] = (struct nft_tinfo){ .family = family };
		ft->name = strdup(nftnl_table_get_str(t, NFTNL_TABLE_NAME));
		if (!ft->name)
			return -ENOMEM;
		ft->family = family_name(family);
		ft->source = "nft";
	}
	return 0;
}

static int decode_chains(struct nft_ctx *c, const struct cta_nft_buf *b)
{
	FOREACH_NLMSG(nlh, b)
	{
		_cleanup_(nftnl_chain_freep) struct nftnl_chain *ch = nftnl_chain_alloc();
		struct cta_fwtable *t;
		struct cta_fwchain *fc;
		uint32_t family;

		if (!ch)
			return -ENOMEM;
		if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE)
			continue;
		if (nftnl_chain_nlmsg_parse(nlh, ch) < 0 ||
		    !nftnl_chain_is_set(ch, NFTNL_CHAIN_NAME) ||
		    !nftnl_chain_is_set(ch, NFTNL_CHAIN_TABLE))
			return -EBADMSG;
		family = nftnl_chain_get_u32(ch, NFTNL_CHAIN_FAMILY);
		t = find_table(c, family, nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE), NULL);
		if (!t)
			continue; /* table created after the table dump */
		fc = cta_fwtable_add_chain(t);
		if (!fc || !(fc->name = strdup(nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME))))
			return -ENOMEM;
		if (nftnl_chain_is_set(ch, NFTNL_CHAIN_HOOKNUM)) {
			fc->hook = hook_name(family, nftnl_chain_get_u32(ch, NFTNL_CHAIN_HOOKNUM));
			fc->prio = nftnl_chain_get_s32(ch, NFTNL_CHAIN_PRIO);
			fc->policy = nftnl_chain_is_set(ch, NFTNL_CHAIN_POLICY) &&
						     nftnl_chain_get_u32(ch, NFTNL_CHAIN_POLICY) ==
							     NF_DROP ?
					     CTA_FW_DROP :
					     CTA_FW_ACCEPT;
			if (nftnl_chain_is_set(ch, NFTNL_CHAIN_TYPE)) {
				fc->type = strdup(nftnl_chain_get_str(ch, NFTNL_CHAIN_TYPE));
				if (!fc->type)
					return -ENOMEM;
			}
		}
	}
	return 0;
}

static int decode_objs(struct nft_ctx *c, const struct cta_nft_buf *b)
{
	FOREACH_NLMSG(nlh, b)
	{
		_cleanup_(nftnl_obj_freep) struct nftnl_obj *o = nftnl_obj_alloc();
		struct nft_obj *v, *no;

		if (!o)
			return -ENOMEM;
		if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE)
			continue;
		if (nftnl_obj_nlmsg_parse(nlh, o) < 0)
			return -EBADMSG;
		if (nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) != NFT_OBJECT_CT_HELPER)
			continue;
		/* the kernel always names them; a message that does not is malformed */
		if (!nftnl_obj_is_set(o, NFTNL_OBJ_TABLE) || !nftnl_obj_is_set(o, NFTNL_OBJ_NAME))
			return -EBADMSG;
		v = reallocarray(c->objs, c->n_objs + 1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->objs = v;
		no = &v[c->n_objs++];
		*no = (struct nft_obj){ .family = nftnl_obj_get_u32(o, NFTNL_OBJ_FAMILY) };
		no->table = strdup(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE));
		no->name = strdup(nftnl_obj_get_str(o, NFTNL_OBJ_NAME));
		no->helper = nftnl_obj_is_set(o, NFTNL_OBJ_CT_HELPER_NAME) ?
				     strdup(nftnl_obj_get_str(o, NFTNL_OBJ_CT_HELPER_NAME)) :
				     strdup(no->name ? no->name : "");
		no->l4proto = nftnl_obj_get_u8(o, NFTNL_OBJ_CT_HELPER_L4PROTO);
		if (!no->table || !no->name || !no->helper)
			return -ENOMEM;
	}
	return 0;
}

static int decode_sets(struct nft_ctx *c, const struct cta_nft_buf *b)
{
	FOREACH_NLMSG(nlh, b)
	{
		_cleanup_(nftnl_set_freep) struct nftnl_set *s = nftnl_set_alloc();
		struct nft_set *v, *ns;

		if (!s)
			return -ENOMEM;
		if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE)
			continue;
		if (nftnl_set_nlmsg_parse(nlh, s) < 0 || !nftnl_set_is_set(s, NFTNL_SET_TABLE) ||
		    !nftnl_set_is_set(s, NFTNL_SET_NAME))
			return -EBADMSG;
		v = reallocarray(c->sets, c->n_sets + 1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->sets = v;
		ns = &v[c->n_sets++];
		*ns = (struct nft_set){ .family = nftnl_set_get_u32(s, NFTNL_SET_FAMILY),
					.flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS),
					.key_len = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN) };
		ns->table = strdup(nftnl_set_get_str(s, NFTNL_SET_TABLE));
		ns->name = strdup(nftnl_set_get_str(s, NFTNL_SET_NAME));
		if (!ns->table || !ns->name)
			return -ENOMEM;
	}
	return 0;
}

static int elem_cb(struct nftnl_set_elem *e, void *data)
{
	struct nft_set *s = data;
	struct nft_elem *v = reallocarray(s->elems, s->n_elems + 1, sizeof(*v)), *ne;
	const void *p;
	uint32_t len = 0;

	if (!v)
		return -1;
	s->elems = v;
	ne = &v[s->n_elems++];
	*ne = (struct nft_elem){ 0 };
	p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	if (p && len <= sizeof(ne->key)) {
		memcpy(ne->key, p, len);
		ne->key_len = len;
	}
	p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &len);
	if (p && len <= sizeof(ne->key_end)) {
		memcpy(ne->key_end, p, len);
		ne->key_end_len = len;
	}
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_VERDICT)) {
		ne->has_verdict = true;
		ne->verdict = (int32_t)nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_VERDICT);
	}
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN)) {
		ne->chain = strdup(nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN));
		if (!ne->chain)
			return -1;
	}
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
		ne->interval_end = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) &
				   NFT_SET_ELEM_INTERVAL_END;
	return 0;
}

static int decode_elems(struct nft_ctx *c, const struct cta_nft_buf *b)
{
	FOREACH_NLMSG(nlh, b)
	{
		_cleanup_(nftnl_set_freep) struct nftnl_set *s = nftnl_set_alloc();
		struct nft_set *set;

		if (!s)
			return -ENOMEM;
		if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE)
			continue;
		if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0 ||
		    !nftnl_set_is_set(s, NFTNL_SET_TABLE) || !nftnl_set_is_set(s, NFTNL_SET_NAME))
			return -EBADMSG;
		set = (struct nft_set *)find_set(c, nftnl_set_get_u32(s, NFTNL_SET_FAMILY),
						 nftnl_set_get_str(s, NFTNL_SET_TABLE),
						 nftnl_set_get_str(s, NFTNL_SET_NAME));
		if (!set)
			continue;
		if (nftnl_set_elem_foreach(s, elem_cb, set) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---- rules: a small register machine ---- */

enum reg_kind {
	REG_NONE,
	REG_META_L4PROTO,
	REG_META_NFPROTO,
	REG_META_IIFNAME,
	REG_META_OIFNAME,
	REG_PAYLOAD,
	REG_CT_STATE,
	REG_IMM,
	REG_OTHER,
};

struct reg {
	enum reg_kind kind;
	uint32_t base, offset, len;
	bool masked;
	uint8_t mask[16];
};

#define NSLOTS 24 /* 32-bit register slots: NFT_REG_1..4 are 4 slots each */

struct rule_ctx {
	const struct nft_ctx *c;
	uint32_t family;
	const char *table;
	struct cta_fwrule *r;
	struct reg regs[NSLOTS];
	uint8_t data[NSLOTS * 4];
	uint8_t nfproto; /* from "meta nfproto" in inet tables */
	bool sport_lo_set, dport_lo_set;
	uint16_t sport_lo, dport_lo;
	bool *has_xt;
	int err;
};

/* Same mapping as the kernel's nft_parse_register(). */
static int reg_slot(uint32_t reg)
{
	if (reg >= NFT_REG_1 && reg <= NFT_REG_4)
		return (int)(reg * 4);
	if (reg >= NFT_REG32_00 && reg < NFT_REG32_00 + 16)
		return (int)(reg - NFT_REG32_00 + 4);
	return -1;
}

static struct reg *reg_get(struct rule_ctx *x, struct nftnl_expr *e, uint16_t attr)
{
	int s;

	if (!nftnl_expr_is_set(e, attr))
		return NULL;
	s = reg_slot(nftnl_expr_get_u32(e, attr));
	return s < 0 || s >= NSLOTS ? NULL : &x->regs[s];
}

static const uint8_t *reg_data(struct rule_ctx *x, struct nftnl_expr *e, uint16_t attr, size_t len)
{
	int s;

	if (!nftnl_expr_is_set(e, attr))
		return NULL;
	s = reg_slot(nftnl_expr_get_u32(e, attr));
	if (s < 0 || (size_t)s * 4 + len > sizeof(x->data) || x->regs[s].kind != REG_IMM)
		return NULL;
	return &x->data[s * 4];
}

static int rule_af(const struct rule_ctx *x)
{
	if (x->family == NFPROTO_IPV6 || x->nfproto == NFPROTO_IPV6)
		return AF_INET6;
	return AF_INET;
}

static int set_str(char **dst, char *val)
{
	if (!val)
		return -ENOMEM;
	free(*dst);
	*dst = val;
	return 0;
}

static int add_port(struct rule_ctx *x, bool sport, uint16_t lo, uint16_t hi)
{
	struct cta_fwrule *r = x->r;

	return sport ? cta_fwrule_add_port(&r->sports, &r->n_sports, lo, hi) :
		       cta_fwrule_add_port(&r->dports, &r->n_dports, lo, hi);
}

static uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int port_cmp(struct rule_ctx *x, bool sport, uint32_t op, uint16_t v)
{
	bool *lo_set = sport ? &x->sport_lo_set : &x->dport_lo_set;
	uint16_t *lo = sport ? &x->sport_lo : &x->dport_lo;

	switch (op) {
	case NFT_CMP_EQ:
		return add_port(x, sport, v, v);
	case NFT_CMP_NEQ:
		x->r->neg |= sport ? CTA_FWNEG_SPORT : CTA_FWNEG_DPORT;
		return add_port(x, sport, v, v);
	case NFT_CMP_GT:
	case NFT_CMP_GTE:
		*lo = op == NFT_CMP_GT ? (uint16_t)(v + 1) : v;
		*lo_set = true;
		return 0;
	case NFT_CMP_LT:
	case NFT_CMP_LTE: {
		uint16_t hi = op == NFT_CMP_LT ? (uint16_t)(v - 1) : v;
		uint16_t from = *lo_set ? *lo : 0;

		*lo_set = false;
		return add_port(x, sport, from, hi);
	}
	default:
		x->r->other_match = true;
		return 0;
	}
}

static int addr_cmp(struct rule_ctx *x, const struct reg *rg, const uint8_t *data, uint32_t len,
		    uint32_t op)
{
	int af = rule_af(x);
	uint32_t sa = af == AF_INET ? 12 : 8, da = af == AF_INET ? 16 : 24;
	uint32_t alen = af == AF_INET ? 4 : 16;
	uint8_t addr[16] = { 0 };
	bool src;
	int prefix;

	if (rg->offset == sa)
		src = true;
	else if (rg->offset == da)
		src = false;
	else {
		x->r->other_match = true;
		return 0;
	}
	if (rg->len > alen || len < rg->len || (op != NFT_CMP_EQ && op != NFT_CMP_NEQ)) {
		x->r->other_match = true;
		return 0;
	}
	memcpy(addr, data, rg->len);
	prefix = rg->masked ? cta_fw_mask_prefix(rg->mask, rg->len) : (int)rg->len * 8;
	if (prefix < 0) {
		x->r->other_match = true;
		return 0;
	}
	if (op == NFT_CMP_NEQ)
		x->r->neg |= src ? CTA_FWNEG_SADDR : CTA_FWNEG_DADDR;
	return set_str(src ? &x->r->saddr : &x->r->daddr,
		       cta_fw_addr_str(af, addr, (unsigned)prefix));
}

static int ifname_cmp(struct rule_ctx *x, bool in, const uint8_t *data, uint32_t len, uint32_t op)
{
	size_t n = strnlen((const char *)data, len);
	char *s;

	if (op != NFT_CMP_EQ && op != NFT_CMP_NEQ) {
		x->r->other_match = true;
		return 0;
	}
	/* a prefix match ("eth*") compares the name without its NUL */
	if (asprintf(&s, "%.*s%s", (int)n, (const char *)data, n == len ? "*" : "") < 0)
		return -ENOMEM;
	if (op == NFT_CMP_NEQ)
		x->r->neg |= in ? CTA_FWNEG_IIF : CTA_FWNEG_OIF;
	return set_str(in ? &x->r->iif : &x->r->oif, s);
}

static int proto_cmp(struct rule_ctx *x, uint8_t proto, uint32_t op)
{
	if (op != NFT_CMP_EQ && op != NFT_CMP_NEQ) {
		x->r->other_match = true;
		return 0;
	}
	if (op == NFT_CMP_NEQ)
		x->r->neg |= CTA_FWNEG_PROTO;
	return set_str(&x->r->proto, cta_fw_proto_name(proto));
}

static int do_cmp(struct rule_ctx *x, struct nftnl_expr *e)
{
	struct reg *rg = reg_get(x, e, NFTNL_EXPR_CMP_SREG);
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP), len = 0;
	const uint8_t *data = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);

	if (!rg || !data || len == 0) {
		x->r->other_match = true;
		return 0;
	}
	switch (rg->kind) {
	case REG_META_L4PROTO:
		return proto_cmp(x, data[0], op);
	case REG_META_NFPROTO:
		if (op == NFT_CMP_EQ)
			x->nfproto = data[0];
		return 0;
	case REG_META_IIFNAME:
	case REG_META_OIFNAME:
		return ifname_cmp(x, rg->kind == REG_META_IIFNAME, data, len, op);
	case REG_CT_STATE: {
		uint32_t v = 0;

		memcpy(&v, data, MIN(len, sizeof(v)));
		x->r->has_ctstate = true;
		if (rg->masked) {
			uint32_t m = 0;

			memcpy(&m, rg->mask, sizeof(m));
			/* (state & M) != 0: any of M; == 0: none of M */
			x->r->ctstate = v == 0 ? m : v;
			if ((op == NFT_CMP_EQ && v == 0) || (op == NFT_CMP_NEQ && v != 0))
				x->r->neg |= CTA_FWNEG_CTSTATE;
		} else {
			x->r->ctstate = v;
			if (op == NFT_CMP_NEQ)
				x->r->neg |= CTA_FWNEG_CTSTATE;
		}
		return 0;
	}
	case REG_PAYLOAD:
		if (rg->base == NFT_PAYLOAD_TRANSPORT_HEADER && rg->len == 2 && !rg->masked &&
		    (rg->offset == 0 || rg->offset == 2) && len >= 2)
			return port_cmp(x, rg->offset == 0, op, be16_at(data));
		if (rg->base == NFT_PAYLOAD_NETWORK_HEADER && rg->len == 1 &&
		    ((rule_af(x) == AF_INET && rg->offset == 9) ||
		     (rule_af(x) == AF_INET6 && rg->offset == 6)))
			return proto_cmp(x, data[0], op);
		if (rg->base == NFT_PAYLOAD_NETWORK_HEADER)
			return addr_cmp(x, rg, data, len, op);
		break;
	default:
		break;
	}
	x->r->other_match = true;
	return 0;
}

static int do_range(struct rule_ctx *x, struct nftnl_expr *e)
{
	struct reg *rg = reg_get(x, e, NFTNL_EXPR_RANGE_SREG);
	uint32_t flen = 0, tlen = 0;
	const uint8_t *from = nftnl_expr_get(e, NFTNL_EXPR_RANGE_FROM_DATA, &flen);
	const uint8_t *to = nftnl_expr_get(e, NFTNL_EXPR_RANGE_TO_DATA, &tlen);
	bool sport;

	if (!rg || !from || !to || rg->kind != REG_PAYLOAD ||
	    rg->base != NFT_PAYLOAD_TRANSPORT_HEADER || rg->len != 2 || flen < 2 || tlen < 2 ||
	    (rg->offset != 0 && rg->offset != 2)) {
		x->r->other_match = true;
		return 0;
	}
	sport = rg->offset == 0;
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_OP) == NFT_RANGE_NEQ)
		x->r->neg |= sport ? CTA_FWNEG_SPORT : CTA_FWNEG_DPORT;
	return add_port(x, sport, be16_at(from), be16_at(to));
}

static int cmp_elem(const void *a, const void *b)
{
	const struct nft_elem *x = a, *y = b;
	int k = memcmp(x->key, y->key, MIN(x->key_len, y->key_len));

	if (k)
		return k;
	return (int)y->interval_end - (int)x->interval_end; /* ends before starts */
}

/* Ports of an anonymous set: plain elements, or intervals stored as start
 * elements followed by an end element one past the range. */
static int set_ports(struct rule_ctx *x, const struct nft_set *s, bool sport)
{
	_cleanup_free_ struct nft_elem *v = NULL;
	size_t n = s->n_elems;
	int k;

	if (n == 0)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v, s->elems, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_elem);
	for (size_t i = 0; i < n; i++) {
		uint16_t lo, hi;

		if (v[i].interval_end || v[i].key_len != 2)
			continue;
		lo = be16_at(v[i].key);
		if (v[i].key_end_len == 2)
			hi = be16_at(v[i].key_end);
		else if (!(s->flags & NFT_SET_INTERVAL))
			hi = lo;
		else if (i + 1 < n && v[i + 1].interval_end && v[i + 1].key_len == 2)
			hi = (uint16_t)(be16_at(v[i + 1].key) - 1);
		else
			hi = 0xFFFF;
		k = add_port(x, sport, lo, hi);
		if (k < 0)
			return k;
	}
	return 0;
}

static void set_verdict(struct cta_fwrule *r, enum cta_fw_verdict v);

/* "ct state { established, related } accept" and
 * "ct state vmap { established : accept, invalid : drop }" */
static int ct_state_lookup(struct rule_ctx *x, struct nftnl_expr *e, const struct nft_set *s,
			   bool inv)
{
	bool vmap = nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG);
	uint32_t states = 0;

	if (vmap && nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG) != NFT_REG_VERDICT) {
		x->r->other_match = true;
		return 0;
	}
	for (size_t i = 0; i < s->n_elems; i++) {
		uint32_t key = 0;

		if (s->elems[i].key_len != sizeof(key))
			continue;
		memcpy(&key, s->elems[i].key, sizeof(key));
		/* of a verdict map only the states it accepts matter here */
		if (!vmap || (s->elems[i].has_verdict && s->elems[i].verdict == NF_ACCEPT))
			states |= key;
	}
	if (vmap) {
		if (!states || inv) {
			x->r->other_match = true;
			return 0;
		}
		set_verdict(x->r, CTA_FW_ACCEPT);
	}
	x->r->has_ctstate = true;
	x->r->ctstate = states;
	if (inv)
		x->r->neg |= CTA_FWNEG_CTSTATE;
	return 0;
}

/* "iifname vmap { "eth0" : jump zone_a }": a conditional jump to each chain */
static int vmap_lookup(struct rule_ctx *x, const struct nft_set *s)
{
	struct cta_fwrule *r = x->r;

	r->other_match = true;
	for (size_t i = 0; i < s->n_elems; i++) {
		char **v;

		if (!s->elems[i].chain ||
		    (s->elems[i].verdict != NFT_JUMP && s->elems[i].verdict != NFT_GOTO))
			continue;
		v = reallocarray(r->vmap_targets, r->n_vmap_targets + 1, sizeof(char *));
		if (!v)
			return -ENOMEM;
		r->vmap_targets = v;
		v[r->n_vmap_targets] = strdup(s->elems[i].chain);
		if (!v[r->n_vmap_targets])
			return -ENOMEM;
		r->n_vmap_targets++;
	}
	return 0;
}

/* "meta l4proto { tcp, udp }": one entry per protocol */
static int l4proto_lookup(struct rule_ctx *x, const struct nft_set *s, bool inv)
{
	struct cta_fwrule *r = x->r;

	if (s->n_elems == 0) {
		if (!inv)
			r->never = true;
		return 0;
	}
	for (size_t i = 0; i < s->n_elems; i++) {
		char **v = reallocarray(r->protos, r->n_protos + 1, sizeof(char *));

		if (!v)
			return -ENOMEM;
		r->protos = v;
		v[r->n_protos] = cta_fw_proto_name(s->elems[i].key[0]);
		if (!v[r->n_protos])
			return -ENOMEM;
		r->n_protos++;
	}
	if (inv)
		r->neg |= CTA_FWNEG_PROTO;
	return 0;
}

static int do_lookup(struct rule_ctx *x, struct nftnl_expr *e)
{
	struct reg *rg = reg_get(x, e, NFTNL_EXPR_LOOKUP_SREG);
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
	bool inv = nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
		   (nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS) & NFT_LOOKUP_F_INV);
	const struct nft_set *s = name ? find_set(x->c, x->family, x->table, name) : NULL;
	bool sport;
	int k;

	if (rg && s && rg->kind == REG_CT_STATE && !rg->masked && s->key_len == 4)
		return ct_state_lookup(x, e, s, inv);
	if (s && nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG) &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG) == NFT_REG_VERDICT)
		return vmap_lookup(x, s);
	if (rg && s && rg->kind == REG_META_L4PROTO && s->key_len == 1 &&
	    !nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG) && !(s->flags & NFT_SET_INTERVAL))
		return l4proto_lookup(x, s, inv);
	if (!rg || !s || nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG) || rg->kind != REG_PAYLOAD ||
	    rg->base != NFT_PAYLOAD_TRANSPORT_HEADER || rg->len != 2 ||
	    (rg->offset != 0 && rg->offset != 2) || s->key_len != 2 || (s->flags & NFT_SET_MAP)) {
		x->r->other_match = true;
		return 0;
	}
	if (s->n_elems == 0) {
		/* "@empty" matches no packet ("!= @empty" every one) */
		if (!inv)
			x->r->never = true;
		return 0;
	}
	sport = rg->offset == 0;
	k = set_ports(x, s, sport);
	if (k < 0)
		return k;
	if (inv)
		x->r->neg |= sport ? CTA_FWNEG_SPORT : CTA_FWNEG_DPORT;
	return 0;
}

static void set_verdict(struct cta_fwrule *r, enum cta_fw_verdict v)
{
	/* "notrack accept", "dnat to ... accept": the statement says more than
	 * the verdict that follows it */
	if ((v == CTA_FW_ACCEPT || v == CTA_FW_NONE) && r->verdict != CTA_FW_NONE)
		return;
	r->verdict = v;
}

static int do_immediate(struct rule_ctx *x, struct nftnl_expr *e)
{
	uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG);
	int slot;

	if (dreg == NFT_REG_VERDICT) {
		int32_t v = (int32_t)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);
		const char *chain = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);

		switch (v) {
		case NF_ACCEPT:
			set_verdict(x->r, CTA_FW_ACCEPT);
			break;
		case NF_DROP:
			x->r->verdict = CTA_FW_DROP;
			break;
		case NFT_RETURN:
			x->r->verdict = CTA_FW_RETURN;
			break;
		case NFT_JUMP:
		case NFT_GOTO:
			x->r->verdict = v == NFT_JUMP ? CTA_FW_JUMP : CTA_FW_GOTO;
			if (chain)
				return set_str(&x->r->target, strdup(chain));
			break;
		default:
			break;
		}
		return 0;
	}
	slot = reg_slot(dreg);
	if (slot >= 0 && slot < NSLOTS) {
		uint32_t len = 0;
		const void *d = nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len);

		x->regs[slot] = (struct reg){ .kind = REG_IMM };
		if (d && (size_t)slot * 4 + len <= sizeof(x->data))
			memcpy(&x->data[slot * 4], d, len);
	}
	return 0;
}

static int do_nat(struct rule_ctx *x, struct nftnl_expr *e, const char *name)
{
	struct cta_fwrule *r = x->r;
	uint16_t amin_a, amax_a, pmin_a, pmax_a, flags_a;
	int af = rule_af(x);
	const uint8_t *amin = NULL, *amax = NULL, *pmin, *pmax;
	size_t alen;

	if (streq(name, "nat")) {
		uint32_t fam = nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_FAMILY);

		r->verdict = nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_TYPE) == NFT_NAT_SNAT ?
				     CTA_FW_SNAT :
				     CTA_FW_DNAT;
		if (fam == NFPROTO_IPV4 || fam == NFPROTO_IPV6)
			af = fam == NFPROTO_IPV4 ? AF_INET : AF_INET6;
		amin_a = NFTNL_EXPR_NAT_REG_ADDR_MIN;
		amax_a = NFTNL_EXPR_NAT_REG_ADDR_MAX;
		pmin_a = NFTNL_EXPR_NAT_REG_PROTO_MIN;
		pmax_a = NFTNL_EXPR_NAT_REG_PROTO_MAX;
		flags_a = NFTNL_EXPR_NAT_FLAGS;
	} else if (streq(name, "masq")) {
		r->verdict = CTA_FW_MASQUERADE;
		amin_a = amax_a = 0;
		pmin_a = NFTNL_EXPR_MASQ_REG_PROTO_MIN;
		pmax_a = NFTNL_EXPR_MASQ_REG_PROTO_MAX;
		flags_a = NFTNL_EXPR_MASQ_FLAGS;
	} else {
		r->verdict = CTA_FW_REDIRECT;
		amin_a = amax_a = 0;
		pmin_a = NFTNL_EXPR_REDIR_REG_PROTO_MIN;
		pmax_a = NFTNL_EXPR_REDIR_REG_PROTO_MAX;
		flags_a = NFTNL_EXPR_REDIR_FLAGS;
	}
	/* the kernel leaves NFTA_{NAT,MASQ,REDIR}_FLAGS out when they are 0
	 * (nft_nat_dump(), nft_masq_dump(), nft_redir_dump()) */
	r->nat_flags_known = true;
	r->nat_flags = nftnl_expr_is_set(e, flags_a) ?
			       cta_fw_nat_flags(nftnl_expr_get_u32(e, flags_a)) :
			       0;
	alen = af == AF_INET ? 4 : 16;
	if (amin_a) {
		amin = reg_data(x, e, amin_a, alen);
		amax = reg_data(x, e, amax_a, alen);
		if (!amax)
			amax = amin;
	}
	pmin = reg_data(x, e, pmin_a, 2);
	pmax = reg_data(x, e, pmax_a, 2);
	if (!pmax)
		pmax = pmin;
	if (!amin && !pmin)
		return 0;
	{
		uint16_t lo = 0, hi = 0;

		if (pmin) {
			memcpy(&lo, pmin, 2);
			memcpy(&hi, pmax, 2);
		}
		return set_str(&r->to,
			       cta_fw_nat_to(af, amin != NULL, amin, amax, pmin != NULL, lo, hi));
	}
}

static int do_objref(struct rule_ctx *x, struct nftnl_expr *e)
{
	const struct nft_obj *o;
	const char *name;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_OBJREF_IMM_TYPE) ||
	    nftnl_expr_get_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE) != NFT_OBJECT_CT_HELPER)
		return 0;
	name = nftnl_expr_get_str(e, NFTNL_EXPR_OBJREF_IMM_NAME);
	if (!name)
		return 0;
	x->r->verdict = CTA_FW_HELPER;
	o = find_obj(x->c, x->family, x->table, name);
	if (!o)
		return set_str(&x->r->helper, strdup(name));
	if (o->l4proto) {
		int k = set_str(&x->r->helper_proto, cta_fw_proto_name(o->l4proto));

		if (k < 0)
			return k;
	}
	return set_str(&x->r->helper, strdup(o->helper));
}

static int do_xt(struct rule_ctx *x, struct nftnl_expr *e, bool target)
{
	uint32_t len = 0;
	const char *name = nftnl_expr_get_str(e, target ? NFTNL_EXPR_TG_NAME : NFTNL_EXPR_MT_NAME);
	unsigned rev = nftnl_expr_get_u32(e, target ? NFTNL_EXPR_TG_REV : NFTNL_EXPR_MT_REV);
	const void *info =
		nftnl_expr_get(e, target ? NFTNL_EXPR_TG_INFO : NFTNL_EXPR_MT_INFO, &len);
	int af = rule_af(x);

	*x->has_xt = true;
	if (!name)
		return 0;
	if (!info)
		len = 0;
	return target ? cta_xt_decode_target(x->r, af, name, rev, info, len) :
			cta_xt_decode_match(x->r, af, name, rev, info, len);
}

static int expr_cb(struct nftnl_expr *e, struct rule_ctx *x)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	struct reg *rg;

	if (!name)
		return 0;
	if (streq(name, "meta")) {
		uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);

		rg = reg_get(x, e, NFTNL_EXPR_META_DREG);
		if (!rg)
			return 0; /* meta ... set: a statement */
		*rg = (struct reg){ .kind = key == NFT_META_L4PROTO ? REG_META_L4PROTO :
					    key == NFT_META_NFPROTO ? REG_META_NFPROTO :
					    key == NFT_META_IIFNAME ? REG_META_IIFNAME :
					    key == NFT_META_OIFNAME ? REG_META_OIFNAME :
								      REG_OTHER };
		return 0;
	}
	if (streq(name, "payload")) {
		rg = reg_get(x, e, NFTNL_EXPR_PAYLOAD_DREG);
		if (!rg)
			return 0; /* payload write */
		*rg = (struct reg){ .kind = REG_PAYLOAD,
				    .base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE),
				    .offset = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET),
				    .len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN) };
		return 0;
	}
	if (streq(name, "ct")) {
		rg = reg_get(x, e, NFTNL_EXPR_CT_DREG);
		if (!rg)
			return 0; /* ct ... set */
		*rg = (struct reg){ .kind = nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY) ==
							    NFT_CT_STATE ?
						    REG_CT_STATE :
						    REG_OTHER };
		return 0;
	}
	if (streq(name, "bitwise")) {
		struct reg *src = reg_get(x, e, NFTNL_EXPR_BITWISE_SREG);
		uint32_t mlen = 0;
		const void *mask = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &mlen);
		struct reg copy;

		rg = reg_get(x, e, NFTNL_EXPR_BITWISE_DREG);
		if (!rg || !src)
			return 0;
		copy = *src;
		if (mask && mlen <= sizeof(copy.mask) &&
		    (!nftnl_expr_is_set(e, NFTNL_EXPR_BITWISE_OP) ||
		     nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_OP) == NFT_BITWISE_BOOL)) {
			copy.masked = true;
			memset(copy.mask, 0, sizeof(copy.mask));
			memcpy(copy.mask, mask, mlen);
		} else {
			copy.kind = REG_OTHER;
		}
		*rg = copy;
		return 0;
	}
	if (streq(name, "cmp"))
		return do_cmp(x, e);
	if (streq(name, "range"))
		return do_range(x, e);
	if (streq(name, "lookup"))
		return do_lookup(x, e);
	if (streq(name, "immediate"))
		return do_immediate(x, e);
	if (streq(name, "notrack")) {
		x->r->verdict = CTA_FW_NOTRACK;
		return 0;
	}
	if (streq(name, "nat") || streq(name, "masq") || streq(name, "redir"))
		return do_nat(x, e, name);
	if (streq(name, "objref"))
		return do_objref(x, e);
	if (streq(name, "reject")) {
		x->r->verdict = CTA_FW_REJECT;
		return 0;
	}
	if (streq(name, "match"))
		return do_xt(x, e, false);
	if (streq(name, "target"))
		return do_xt(x, e, true);
	if (streq(name, "counter") || streq(name, "log") || streq(name, "dynset") ||
	    streq(name, "dup") || streq(name, "fwd"))
		return 0;
	/* limit, quota, socket, fib, ...: a condition we do not decode */
	x->r->other_match = true;
	return 0;
}

static int decode_rules(struct nft_ctx *c, const struct cta_nft_buf *b)
{
	FOREACH_NLMSG(nlh, b)
	{
		_cleanup_(nftnl_rule_freep) struct nftnl_rule *nr = nftnl_rule_alloc();
		_cleanup_(nftnl_expr_iter_destroyp) struct nftnl_expr_iter *it = NULL;
		struct rule_ctx x = { .c = c };
		struct nft_tinfo *ti = NULL;
		struct cta_fwtable *t;
		struct cta_fwchain *ch;
		struct nftnl_expr *e;
		int k;

		if (!nr)
			return -ENOMEM;
		if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE)
			continue;
		if (nftnl_rule_nlmsg_parse(nlh, nr) < 0 ||
		    !nftnl_rule_is_set(nr, NFTNL_RULE_TABLE) ||
		    !nftnl_rule_is_set(nr, NFTNL_RULE_CHAIN))
			return -EBADMSG;
		x.family = nftnl_rule_get_u32(nr, NFTNL_RULE_FAMILY);
		x.table = nftnl_rule_get_str(nr, NFTNL_RULE_TABLE);
		t = find_table(c, x.family, x.table, &ti);
		if (!t)
			continue;
		ch = cta_fwtable_find_chain(t, nftnl_rule_get_str(nr, NFTNL_RULE_CHAIN));
		if (!ch)
			continue;
		x.r = cta_fwchain_add_rule(ch);
		if (!x.r)
			return -ENOMEM;
		x.has_xt = &ti->has_xt;
		it = nftnl_expr_iter_create(nr);
		if (!it)
			return -ENOMEM;
		while ((e = nftnl_expr_iter_next(it))) {
			k = expr_cb(e, &x);
			if (k < 0)
				return k;
		}
		/* "dport >= N" without an upper bound */
		if (x.sport_lo_set && (k = add_port(&x, true, x.sport_lo, 0xFFFF)) < 0)
			return k;
		if (x.dport_lo_set && (k = add_port(&x, false, x.dport_lo, 0xFFFF)) < 0)
			return k;
	}
	return 0;
}

static bool is_xt_table_name(const char *name)
{
	static const char *const names[] = {
		"filter", "nat", "raw", "mangle", "security", "broute"
	};

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (streq(names[i], name))
			return true;
	return false;
}

static bool is_xt_builtin_chain(const char *name)
{
	static const char *const names[] = { "PREROUTING", "INPUT",	  "FORWARD",
					     "OUTPUT",	   "POSTROUTING", "BROUTING" };

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (streq(names[i], name))
			return true;
	return false;
}

/*
 * Was this table written by iptables-nft?  Certainly when a rule carries an
 * xt match/target expression (nft itself prints "managed by iptables-nft" for
 * those).  Otherwise when the table has an iptables name in family ip, ip6,
 * arp or bridge and every base chain has an iptables built-in name.
 */
static const char *classify(const struct cta_fwtable *t, const struct nft_tinfo *ti)
{
	bool base = false;

	if (ti->has_xt)
		return "iptables-nft";
	if (ti->family != NFPROTO_IPV4 && ti->family != NFPROTO_IPV6 && ti->family != NFPROTO_ARP &&
	    ti->family != NFPROTO_BRIDGE)
		return "nft";
	if (!is_xt_table_name(t->name))
		return "nft";
	for (size_t i = 0; i < t->n_chains; i++) {
		if (!t->chains[i].hook)
			continue;
		if (!is_xt_builtin_chain(t->chains[i].name))
			return "nft";
		base = true;
	}
	return base ? "iptables-nft" : "nft";
}

int cta_nft_decode(const struct cta_nft_dump *d, struct cta_fwset *s)
{
	struct nft_ctx c = { .out = s };
	int r;

	r = decode_tables(&c, &d->tables);
	r = r ?: decode_chains(&c, &d->chains);
	r = r ?: decode_objs(&c, &d->objs);
	r = r ?: decode_sets(&c, &d->sets);
	r = r ?: decode_elems(&c, &d->elems);
	r = r ?: decode_rules(&c, &d->rules);
	if (r >= 0)
		for (size_t i = 0; i < s->n_tables; i++)
			s->tables[i].source = classify(&s->tables[i], &c.tinfo[i]);
	nft_ctx_done(&c);
	return r;
}

/* ---- writing table inet ctaudit ---- */

static int add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return -ENOMEM;
	nftnl_rule_add_expr(r, e);
	return 0;
}

static struct nftnl_expr *cmp_expr(uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return e;
}

/* meta l4proto PROTO, PROTO {s,d}port P[-Q], notrack: what nft itself
 * generates for "tcp dport 8080 notrack" in an inet table */
static struct nftnl_rule *build_rule(const char *chain, const struct cta_notrack_port *p,
				     bool sport, int *err)
{
	_cleanup_(nftnl_rule_freep) struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr *e;
	struct cta_port_range pr;
	uint16_t lo_be, hi_be;
	uint8_t proto;

	*err = -ENOMEM;
	if (!r)
		return NULL;
	if (streq(p->proto, "tcp"))
		proto = IPPROTO_TCP;
	else if (streq(p->proto, "udp"))
		proto = IPPROTO_UDP;
	else {
		*err = -EINVAL;
		return NULL;
	}
	if (cta_notrack_port_range(p, &pr) < 0) {
		*err = -EINVAL;
		return NULL;
	}
	lo_be = htons(pr.lo);
	hi_be = htons(pr.hi);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, CTA_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);

	e = nftnl_expr_alloc("meta");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	if (add_expr(r, e) < 0 || add_expr(r, cmp_expr(NFT_CMP_EQ, &proto, 1)) < 0)
		return NULL;
	e = nftnl_expr_alloc("payload");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_TRANSPORT_HEADER);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, sport ? 0 : 2);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, 2);
	}
	if (add_expr(r, e) < 0)
		return NULL;
	if (pr.lo == pr.hi) {
		if (add_expr(r, cmp_expr(NFT_CMP_EQ, &lo_be, 2)) < 0)
			return NULL;
	} else if (add_expr(r, cmp_expr(NFT_CMP_GTE, &lo_be, 2)) < 0 ||
		   add_expr(r, cmp_expr(NFT_CMP_LTE, &hi_be, 2)) < 0) {
		return NULL;
	}
	if (add_expr(r, nftnl_expr_alloc("notrack")) < 0)
		return NULL;
	*err = 0;
	return TAKE_PTR(r);
}

struct batch {
	struct mnl_nlmsg_batch *b;
	uint32_t seq;
	uint32_t last_seq;
};

static struct nlmsghdr *batch_hdr(struct batch *bt, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(bt->b), type,
						     NFPROTO_INET, flags, bt->seq);

	bt->last_seq = bt->seq++;
	return nlh;
}

static int batch_next(struct batch *bt)
{
	/* the batch buffer is sized for the whole request; a full one is a bug */
	return mnl_nlmsg_batch_next(bt->b) ? 0 : -E2BIG;
}

static int add_table_msg(struct batch *bt, uint16_t type, uint16_t flags)
{
	_cleanup_(nftnl_table_freep) struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, CTA_NFT_TABLE);
	nlh = batch_hdr(bt, type, flags);
	nftnl_table_nlmsg_build_payload(nlh, t);
	return batch_next(bt);
}

static int add_chain_msg(struct batch *bt, const char *name, unsigned hook)
{
	_cleanup_(nftnl_chain_freep) struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c)
		return -ENOMEM;
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, CTA_NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, -300); /* priority raw: before conntrack */
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = batch_hdr(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	return batch_next(bt);
}

static int add_rule_msg(struct batch *bt, const char *chain, const struct cta_notrack_port *p,
			bool sport)
{
	_cleanup_(nftnl_rule_freep) struct nftnl_rule *r = NULL;
	struct nlmsghdr *nlh;
	int err;

	r = build_rule(chain, p, sport, &err);
	if (!r)
		return err;
	nlh = batch_hdr(bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	return batch_next(bt);
}

/* The inet table covers both families: an IPv4 and an IPv6 entry for the
 * same port are one rule. */
static bool seen_before(const struct cta_notrack_port *v, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (cta_notrack_port_cmp(&v[j], &v[i]) == 0)
			return true;
	return false;
}

int cta_nft_set_notrack(const struct cta_notrack_port *v, size_t n)
{
	struct cta_nl nl = { 0 };
	_cleanup_free_ uint8_t *buf = NULL;
	struct batch bt = { .seq = (uint32_t)time(NULL) };
	size_t bufsize = MNL_SOCKET_BUFFER_SIZE * (4 + 2 * n / 16 + 1);
	struct nlmsghdr *last;
	int r;

	for (size_t i = 0; i < n; i++)
		if (cta_notrack_port_range(&v[i], NULL) < 0)
			return -EINVAL;
	buf = calloc(1, bufsize);
	if (!buf)
		return -ENOMEM;
	bt.b = mnl_nlmsg_batch_start(buf, bufsize);
	if (!bt.b)
		return -ENOMEM;
	nftnl_batch_begin(mnl_nlmsg_batch_current(bt.b), bt.seq++);
	r = batch_next(&bt);
	/* create-if-missing then delete: replaces the table whether or not it
	 * exists, in the same transaction */
	r = r ?: add_table_msg(&bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	r = r ?: add_table_msg(&bt, NFT_MSG_DELTABLE, 0);
	if (n > 0) {
		r = r ?: add_table_msg(&bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		r = r ?: add_chain_msg(&bt, "prerouting", NF_INET_PRE_ROUTING);
		r = r ?: add_chain_msg(&bt, "output", NF_INET_LOCAL_OUT);
		for (size_t i = 0; i < n && r >= 0; i++)
			if (!seen_before(v, i))
				r = add_rule_msg(&bt, "prerouting", &v[i], false);
		for (size_t i = 0; i < n && r >= 0; i++)
			if (!seen_before(v, i))
				r = add_rule_msg(&bt, "output", &v[i], true);
	}
	if (r < 0)
		goto out;
	/* ask for an acknowledgement of the last real message only: errors are
	 * always reported, so this tells when the kernel is done */
	{
		uint8_t *p = mnl_nlmsg_batch_head(bt.b);
		int len = (int)mnl_nlmsg_batch_size(bt.b);

		last = NULL;
		for (struct nlmsghdr *nlh = (void *)p; cta_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			last = nlh;
		if (last)
			last->nlmsg_flags |= NLM_F_ACK;
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(bt.b), bt.seq++);
	r = batch_next(&bt);
	if (r < 0)
		goto out;
	r = cta_nl_open(&nl, NETLINK_NETFILTER, 0, 0);
	r = r ?: cta_nl_send(&nl, mnl_nlmsg_batch_head(bt.b), mnl_nlmsg_batch_size(bt.b));
	r = r ?: cta_nl_wait_ack(&nl, bt.last_seq);
out:
	cta_nl_close(&nl);
	mnl_nlmsg_batch_stop(bt.b);
	return r;
}
