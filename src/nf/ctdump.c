// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include "nf/ctdump.h"
#include "util/ports.h"
#include "util/macro.h"
#include "util/banned.h"

/* ---- aggregation table ---- */

/* Slot: u64 count (0 = empty), u64 hash, then the key. */
#define SLOT_HDR 16

static inline uint64_t slot_count(const unsigned char *s)
{
	uint64_t v;

	memcpy(&v, s, sizeof(v));
	return v;
}

static inline uint64_t slot_hash(const unsigned char *s)
{
	uint64_t v;

	memcpy(&v, s + 8, sizeof(v));
	return v;
}

static inline uint64_t hash_key(const unsigned char *k, size_t size)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ size;

	for (size_t i = 0; i < size; i += 8) {
		uint64_t w;

		memcpy(&w, k + i, sizeof(w));
		h ^= w;
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 32;
	return h;
}

void cta_agg_init(struct cta_agg *a, size_t key_len)
{
	*a = (struct cta_agg){
		.key_size = (key_len + 7) & ~(size_t)7,
	};
	a->slot_size = SLOT_HDR + a->key_size;
}

void cta_agg_done(struct cta_agg *a)
{
	free(a->slots);
	a->slots = NULL;
	a->cap = a->n = 0;
	a->total = 0;
}

void cta_agg_reset(struct cta_agg *a)
{
	if (a->slots)
		memset(a->slots, 0, a->cap * a->slot_size);
	a->n = 0;
	a->total = 0;
}

static int agg_grow(struct cta_agg *a)
{
	size_t ncap = a->cap ? a->cap * 2 : 64, mask = ncap - 1;
	unsigned char *ns;

	if (ncap > SIZE_MAX / a->slot_size)
		return -ENOMEM;
	ns = calloc(ncap, a->slot_size);
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < a->cap; i++) {
		const unsigned char *s = a->slots + i * a->slot_size;
		size_t j;

		if (!slot_count(s))
			continue;
		j = slot_hash(s) & mask;
		while (slot_count(ns + j * a->slot_size))
			j = (j + 1) & mask;
		memcpy(ns + j * a->slot_size, s, a->slot_size);
	}
	free(a->slots);
	a->slots = ns;
	a->cap = ncap;
	return 0;
}

int cta_agg_add(struct cta_agg *a, const void *key, uint64_t n)
{
	uint64_t h;
	size_t i, mask;

	if (n == 0)
		return 0;
	/* keep the load at or below 3/4 so that probe runs stay short */
	if ((a->n + 1) * 4 > a->cap * 3) {
		int r = agg_grow(a);

		if (r < 0)
			return r;
	}
	h = hash_key(key, a->key_size);
	mask = a->cap - 1;
	for (i = h & mask;; i = (i + 1) & mask) {
		unsigned char *s = a->slots + i * a->slot_size;
		uint64_t c = slot_count(s);

		if (!c) {
			memcpy(s, &n, sizeof(n));
			memcpy(s + 8, &h, sizeof(h));
			memcpy(s + SLOT_HDR, key, a->key_size);
			a->n++;
			break;
		}
		if (slot_hash(s) == h && memcmp(s + SLOT_HDR, key, a->key_size) == 0) {
			c += n;
			memcpy(s, &c, sizeof(c));
			break;
		}
	}
	a->total += n;
	return 0;
}

uint64_t cta_agg_get(const struct cta_agg *a, const void *key)
{
	uint64_t h;
	size_t mask;

	if (!a->n)
		return 0;
	h = hash_key(key, a->key_size);
	mask = a->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const unsigned char *s = a->slots + i * a->slot_size;
		uint64_t c = slot_count(s);

		if (!c)
			return 0;
		if (slot_hash(s) == h && memcmp(s + SLOT_HDR, key, a->key_size) == 0)
			return c;
	}
}

int cta_agg_add_bounded(struct cta_agg *a, const void *key, uint64_t n, size_t max_keys)
{
	if (max_keys && a->n >= max_keys && !cta_agg_get(a, key))
		return 1;
	return cta_agg_add(a, key, n);
}

int cta_agg_merge(struct cta_agg *dst, const struct cta_agg *src)
{
	for (size_t i = 0; i < src->cap; i++) {
		const unsigned char *s = src->slots + i * src->slot_size;
		int r;

		if (!slot_count(s))
			continue;
		r = cta_agg_add(dst, s + SLOT_HDR, slot_count(s));
		if (r < 0)
			return r;
	}
	return 0;
}

static int item_cmp(const struct cta_agg_item *x, const struct cta_agg_item *y, size_t size)
{
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return memcmp(x->key, y->key, size);
}

static int item_qsort_cmp(const void *x, const void *y, void *size)
{
	return item_cmp(x, y, *(const size_t *)size);
}

/* Min-heap on "worse first": the root is the item the next better one replaces. */
static void heap_down(struct cta_agg_item *h, size_t n, size_t i, size_t size)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i;
		struct cta_agg_item t;

		if (l < n && item_cmp(&h[l], &h[w], size) > 0)
			w = l;
		if (r < n && item_cmp(&h[r], &h[w], size) > 0)
			w = r;
		if (w == i)
			return;
		t = h[i];
		h[i] = h[w];
		h[w] = t;
		i = w;
	}
}

ssize_t cta_agg_top(const struct cta_agg *a, size_t max, struct cta_agg_item **ret)
{
	_cleanup_free_ struct cta_agg_item *v = NULL;
	size_t want = (max == 0 || max > a->n) ? a->n : max, n = 0;

	v = calloc(want ? want : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < a->cap; i++) {
		const unsigned char *s = a->slots + i * a->slot_size;
		struct cta_agg_item it = { .key = s + SLOT_HDR, .count = slot_count(s) };

		if (!it.count)
			continue;
		if (n < want) {
			v[n++] = it;
			if (n == want)
				for (size_t k = want / 2; k-- > 0;)
					heap_down(v, want, k, a->key_size);
		} else if (want && item_cmp(&it, &v[0], a->key_size) < 0) {
			v[0] = it;
			heap_down(v, want, 0, a->key_size);
		}
	}
	qsort_r(v, n, sizeof(*v), item_qsort_cmp, (void *)&a->key_size);
	*ret = TAKE_PTR(v);
	return (ssize_t)n;
}

/* ---- ctnetlink counters ---- */

static int cpu_attr_cb(const struct nlattr *attr, void *data)
{
	struct cta_ct_stats *st = data;
	int type = mnl_attr_get_type(attr);

	/* a newer kernel's unknown counter, or a malformed one: skipped */
	if (mnl_attr_type_valid(attr, CTA_STATS_MAX) < 0 ||
	    mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_OK;
	st->cpu[type] += ntohl(mnl_attr_get_u32(attr));
	st->have_cpu[type] = true;
	return MNL_CB_OK;
}

static int cpu_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cta_ct_stats *st = data;

	st->cpus++;
	return mnl_attr_parse(nlh, sizeof(struct nfgenmsg), cpu_attr_cb, data) < 0 ? -EBADMSG : 0;
}

static int global_attr_cb(const struct nlattr *attr, void *data)
{
	struct cta_ct_stats *st = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, CTA_STATS_GLOBAL_MAX) < 0 ||
	    mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_OK;
	st->global[type] = ntohl(mnl_attr_get_u32(attr));
	st->have_global[type] = true;
	return MNL_CB_OK;
}

static int global_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	/* one reply, no NLMSG_DONE follows: stop */
	return mnl_attr_parse(nlh, sizeof(struct nfgenmsg), global_attr_cb, data) < 0 ? -EBADMSG :
											1;
}

/* A ctnetlink request without attributes, for all families. */
static struct nlmsghdr *ct_request_put(void *buf, uint8_t msg, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | msg;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC; /* IPv4 and IPv6 */
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

int cta_ct_stats_read(struct cta_ct_stats *ret)
{
	char req[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg))] = { 0 };
	struct cta_ct_stats st = { 0 };
	struct cta_nl nl;
	int r;

	/* never hang the audit on a kernel that does not answer */
	r = cta_nl_open(&nl, NETLINK_NETFILTER, 0, 2);
	if (r < 0)
		return r;
	r = cta_nl_request(
		&nl, ct_request_put(req, IPCTNL_MSG_CT_GET_STATS_CPU, NLM_F_DUMP, cta_nl_seq(&nl)),
		cpu_msg_cb, &st);
	/* an inconsistent (-EINTR) or short (-ENOBUFS) dump fails: the caller
	 * falls back to /proc/net/stat/nf_conntrack */
	if (r == 0 && st.cpus == 0)
		r = -ENODATA;
	if (r == 0)
		(void)cta_nl_request(
			&nl, ct_request_put(req, IPCTNL_MSG_CT_GET_STATS, 0, cta_nl_seq(&nl)),
			global_msg_cb, &st);
	cta_nl_close(&nl);
	if (r < 0)
		return r;
	*ret = st;
	return 0;
}

/* ---- conntrack entries ---- */

/*
 * Attributes are walked by hand: at a million entries with a dozen
 * attributes each, a function call per attribute is measurable.
 */
#define ATTR_FOREACH(a, start, len)                                                         \
	for (const struct nlattr *                                                          \
		     a = (const struct nlattr *)(start),                                    \
		    *a##_end = (const struct nlattr *)((const char *)(start) + (len));      \
	     (const char *)a##_end - (const char *)a >= (ptrdiff_t)sizeof(struct nlattr) && \
	     a->nla_len >= sizeof(struct nlattr) &&                                         \
	     a->nla_len <= (size_t)((const char *)a##_end - (const char *)a);               \
	     a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len)))

#define ATTR_TYPE(a) ((a)->nla_type & NLA_TYPE_MASK)
#define ATTR_DATA(a) ((const void *)((const char *)(a) + NLA_HDRLEN))
#define ATTR_LEN(a) ((size_t)(a)->nla_len - NLA_HDRLEN)

static inline uint16_t attr_be16(const struct nlattr *a)
{
	uint16_t v = 0;

	if (ATTR_LEN(a) >= 2)
		memcpy(&v, ATTR_DATA(a), 2);
	return ntohs(v);
}

static inline uint32_t attr_be32(const struct nlattr *a)
{
	uint32_t v = 0;

	if (ATTR_LEN(a) >= 4)
		memcpy(&v, ATTR_DATA(a), 4);
	return ntohl(v);
}

static void parse_tuple(const struct nlattr *t, struct cta_ct_entry *e, bool *has_zone,
			uint16_t *tuple_zone)
{
	ATTR_FOREACH(a, ATTR_DATA(t), ATTR_LEN(t))
	{
		switch (ATTR_TYPE(a)) {
		case CTA_TUPLE_IP:
			ATTR_FOREACH(ip, ATTR_DATA(a), ATTR_LEN(a))
			{
				switch (ATTR_TYPE(ip)) {
				case CTA_IP_V4_SRC:
				case CTA_IP_V4_DST:
					if (ATTR_LEN(ip) < 4)
						break;
					memcpy(ATTR_TYPE(ip) == CTA_IP_V4_SRC ? e->src : e->dst,
					       ATTR_DATA(ip), 4);
					e->family = AF_INET;
					break;
				case CTA_IP_V6_SRC:
				case CTA_IP_V6_DST:
					if (ATTR_LEN(ip) < 16)
						break;
					memcpy(ATTR_TYPE(ip) == CTA_IP_V6_SRC ? e->src : e->dst,
					       ATTR_DATA(ip), 16);
					e->family = AF_INET6;
					break;
				}
			}
			break;
		case CTA_TUPLE_PROTO:
			ATTR_FOREACH(p, ATTR_DATA(a), ATTR_LEN(a))
			{
				switch (ATTR_TYPE(p)) {
				case CTA_PROTO_NUM:
					if (ATTR_LEN(p) >= 1)
						e->proto = *(const uint8_t *)ATTR_DATA(p);
					break;
				case CTA_PROTO_SRC_PORT:
					e->sport = attr_be16(p);
					break;
				case CTA_PROTO_DST_PORT:
					e->dport = attr_be16(p);
					e->has_ports = true;
					break;
				}
			}
			break;
		case CTA_TUPLE_ZONE:
			*has_zone = true;
			*tuple_zone = attr_be16(a);
			break;
		}
	}
}

int cta_ct_parse(const struct nlmsghdr *nlh, struct cta_ct_entry *e)
{
	const struct nfgenmsg *nfg;
	bool orig = false, top_zone = false, tuple_has_zone = false;
	uint16_t tuple_zone = 0;

	if (nlh->nlmsg_type != ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW) ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*nfg)))
		return -EINVAL;
	nfg = mnl_nlmsg_get_payload(nlh);
	memset(e, 0, sizeof(*e));
	e->family = nfg->nfgen_family;
	e->state = CTA_CT_STATE_NONE;

	ATTR_FOREACH(a, (const char *)nfg + NLMSG_ALIGN(sizeof(*nfg)),
		     nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(*nfg)))
	{
		switch (ATTR_TYPE(a)) {
		case CTA_TUPLE_ORIG:
			parse_tuple(a, e, &tuple_has_zone, &tuple_zone);
			orig = true;
			break;
		case CTA_PROTOINFO:
			ATTR_FOREACH(pi, ATTR_DATA(a), ATTR_LEN(a))
			{
				if (ATTR_TYPE(pi) != CTA_PROTOINFO_TCP)
					continue;
				ATTR_FOREACH(t, ATTR_DATA(pi), ATTR_LEN(pi))
				{
					if (ATTR_TYPE(t) == CTA_PROTOINFO_TCP_STATE &&
					    ATTR_LEN(t) >= 1)
						e->state = *(const uint8_t *)ATTR_DATA(t);
				}
			}
			break;
		case CTA_HELP:
			ATTR_FOREACH(h, ATTR_DATA(a), ATTR_LEN(a))
			{
				if (ATTR_TYPE(h) == CTA_HELP_NAME) {
					size_t n = strnlen(ATTR_DATA(h), ATTR_LEN(h));

					n = MIN(n, sizeof(e->helper) - 1);
					memcpy(e->helper, ATTR_DATA(h), n);
					e->helper[n] = 0;
				}
			}
			break;
		case CTA_ZONE:
			e->zone = attr_be16(a);
			top_zone = true;
			break;
		case CTA_MARK:
			e->mark = attr_be32(a);
			break;
		case CTA_STATUS:
			e->status = attr_be32(a);
			break;
		}
	}
	if (!orig)
		return -EINVAL;
	/* the kernel sends CTA_ZONE only for a zone shared by both directions;
	 * a directional zone comes inside the tuple */
	if (!top_zone && tuple_has_zone)
		e->zone = tuple_zone;
	if (e->proto == IPPROTO_GRE)
		e->has_ports = false; /* GRE keys, not ports */
	return 0;
}

static const char *const by_names[_CTA_CT_BY_MAX] = {
	[CTA_CT_BY_SRC] = "src",     [CTA_CT_BY_DST] = "dst",	  [CTA_CT_BY_DPORT] = "dport",
	[CTA_CT_BY_PROTO] = "proto", [CTA_CT_BY_STATE] = "state", [CTA_CT_BY_HELPER] = "helper",
	[CTA_CT_BY_ZONE] = "zone",   [CTA_CT_BY_MARK] = "mark",	  [CTA_CT_BY_FLOW] = "flow",
};

const char *cta_ct_by_name(enum cta_ct_by by)
{
	return by < _CTA_CT_BY_MAX ? by_names[by] : NULL;
}

int cta_ct_by_from_name(const char *name)
{
	for (int i = 0; i < _CTA_CT_BY_MAX; i++)
		if (streq(name, by_names[i]))
			return i;
	return -EINVAL;
}

/*
 * Key layouts (network byte order, so that memcmp order is numeric order):
 *   src/dst: family, address[16]
 *   dport:   proto, has_ports, port[2]
 *   proto:   proto
 *   state:   state
 *   helper:  name[16]
 *   zone:    zone[2]
 *   mark:    mark[4]
 *   flow:    family, src[16], dst[16], dport[2], proto, has_ports
 */
size_t cta_ct_key_len(enum cta_ct_by by)
{
	switch (by) {
	case CTA_CT_BY_SRC:
	case CTA_CT_BY_DST:
		return 17;
	case CTA_CT_BY_DPORT:
		return 4;
	case CTA_CT_BY_PROTO:
	case CTA_CT_BY_STATE:
		return 1;
	case CTA_CT_BY_HELPER:
		return 16;
	case CTA_CT_BY_ZONE:
		return 2;
	case CTA_CT_BY_MARK:
		return 4;
	case CTA_CT_BY_FLOW:
	default:
		return 37;
	}
}

void cta_ct_key(const struct cta_ct_entry *e, enum cta_ct_by by, unsigned char *key)
{
	uint16_t p = htons(e->has_ports ? e->dport : 0);
	uint16_t z = htons(e->zone);
	uint32_t m = htonl(e->mark);

	memset(key, 0, CTA_AGG_KEY_MAX);
	switch (by) {
	case CTA_CT_BY_SRC:
	case CTA_CT_BY_DST:
		key[0] = e->family;
		memcpy(key + 1, by == CTA_CT_BY_SRC ? e->src : e->dst, 16);
		break;
	case CTA_CT_BY_DPORT:
		key[0] = e->proto;
		key[1] = e->has_ports;
		memcpy(key + 2, &p, 2);
		break;
	case CTA_CT_BY_PROTO:
		key[0] = e->proto;
		break;
	case CTA_CT_BY_STATE:
		key[0] = e->state;
		break;
	case CTA_CT_BY_HELPER:
		memcpy(key, e->helper, strnlen(e->helper, 16));
		break;
	case CTA_CT_BY_ZONE:
		memcpy(key, &z, 2);
		break;
	case CTA_CT_BY_MARK:
		memcpy(key, &m, 4);
		break;
	case CTA_CT_BY_FLOW:
	default:
		key[0] = e->family;
		memcpy(key + 1, e->src, 16);
		memcpy(key + 17, e->dst, 16);
		memcpy(key + 33, &p, 2);
		key[35] = e->proto;
		key[36] = e->has_ports;
		break;
	}
}

static const struct {
	unsigned num;
	const char *name;
} proto_names[] = {
	{ IPPROTO_ICMP, "icmp" }, { IPPROTO_TCP, "tcp" },	  { IPPROTO_UDP, "udp" },
	{ IPPROTO_DCCP, "dccp" }, { IPPROTO_GRE, "gre" },	  { IPPROTO_ICMPV6, "icmpv6" },
	{ IPPROTO_SCTP, "sctp" }, { IPPROTO_UDPLITE, "udplite" },
};

const char *cta_ip_proto_name(unsigned proto, char *buf, size_t size)
{
	for (size_t i = 0; i < ELEMENTSOF(proto_names); i++)
		if (proto_names[i].num == proto)
			return proto_names[i].name;
	snprintf(buf, size, "%u", proto);
	return buf;
}

/* As the kernel names them in /proc/net/nf_conntrack (tcp_conntrack_names). */
static const char *const tcp_ct_states[] = {
	"NONE",	      "SYN_SENT", "SYN_RECV",  "ESTABLISHED", "FIN_WAIT",
	"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE",	      "SYN_SENT2",
};

const char *cta_ct_tcp_state_name(unsigned state)
{
	if (state < ELEMENTSOF(tcp_ct_states))
		return tcp_ct_states[state];
	return "-";
}

static void format_addr(uint8_t family, const unsigned char *a, char *buf, size_t size)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

char *cta_ct_key_format(enum cta_ct_by by, const unsigned char *key, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], pn[8];
	uint16_t p;
	uint32_t m;

	switch (by) {
	case CTA_CT_BY_SRC:
	case CTA_CT_BY_DST:
		format_addr(key[0], key + 1, buf, size);
		break;
	case CTA_CT_BY_DPORT:
		memcpy(&p, key + 2, 2);
		if (key[1])
			snprintf(buf, size, "%s/%u", cta_ip_proto_name(key[0], pn, sizeof(pn)),
				 ntohs(p));
		else
			snprintf(buf, size, "%s", cta_ip_proto_name(key[0], pn, sizeof(pn)));
		break;
	case CTA_CT_BY_PROTO:
		snprintf(buf, size, "%s", cta_ip_proto_name(key[0], pn, sizeof(pn)));
		break;
	case CTA_CT_BY_STATE:
		snprintf(buf, size, "%s", cta_ct_tcp_state_name(key[0]));
		break;
	case CTA_CT_BY_HELPER:
		snprintf(buf, size, "%.16s", key[0] ? (const char *)key : "-");
		break;
	case CTA_CT_BY_ZONE:
		memcpy(&p, key, 2);
		snprintf(buf, size, "%u", ntohs(p));
		break;
	case CTA_CT_BY_MARK:
		memcpy(&m, key, 4);
		snprintf(buf, size, "%u", ntohl(m));
		break;
	case CTA_CT_BY_FLOW:
	default:
		format_addr(key[0], key + 1, a, sizeof(a));
		format_addr(key[0], key + 17, b, sizeof(b));
		memcpy(&p, key + 33, 2);
		if (!key[36])
			snprintf(buf, size, "%s -> %s (%s)", a, b,
				 cta_ip_proto_name(key[35], pn, sizeof(pn)));
		else
			snprintf(buf, size, "%s -> %s%s%s:%u%s%s", a, key[0] == AF_INET6 ? "[" : "",
				 b, key[0] == AF_INET6 ? "]" : "", ntohs(p),
				 key[35] == IPPROTO_TCP ? "" : "/",
				 key[35] == IPPROTO_TCP ?
					 "" :
					 cta_ip_proto_name(key[35], pn, sizeof(pn)));
		break;
	}
	return buf;
}

/* ---- filter ---- */

enum term_kind { T_PROTO, T_SRC, T_DST, T_DPORT, T_STATE, T_ZONE, T_MARK, T_STATUS };

struct cta_ct_term {
	enum term_kind kind;
	uint8_t family, plen;
	uint8_t addr[16];
	uint32_t lo, hi, mask;
};

static int parse_u32(const char *s, uint32_t max, uint32_t *ret)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static int parse_prefix(const char *val, struct cta_ct_term *t)
{
	_cleanup_free_ char *s = strdup(val);
	char *slash;
	uint32_t plen;

	if (!s)
		return -ENOMEM;
	slash = strchr(s, '/');
	if (slash)
		*slash++ = 0;
	if (inet_pton(AF_INET, s, t->addr) == 1)
		t->family = AF_INET;
	else if (inet_pton(AF_INET6, s, t->addr) == 1)
		t->family = AF_INET6;
	else
		return -EINVAL;
	if (!slash)
		plen = t->family == AF_INET ? 32 : 128;
	else if (!*slash || strchr(slash, 'x') || strchr(slash, 'X') ||
		 parse_u32(slash, t->family == AF_INET ? 32 : 128, &plen) < 0)
		return -EINVAL;
	t->plen = (uint8_t)plen;
	return 0;
}

static bool prefix_match(const struct cta_ct_term *t, uint8_t family, const uint8_t *addr)
{
	unsigned full = t->plen / 8, rest = t->plen % 8;

	if (family != t->family)
		return false;
	if (memcmp(addr, t->addr, full) != 0)
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		if ((addr[full] & m) != (t->addr[full] & m))
			return false;
	}
	return true;
}

/* include/uapi/linux/netfilter/nf_conntrack_common.h */
static const struct {
	const char *name;
	uint32_t bit;
} status_names[] = {
	{ "EXPECTED", IPS_EXPECTED },
	{ "SEEN_REPLY", IPS_SEEN_REPLY },
	{ "ASSURED", IPS_ASSURED },
	{ "CONFIRMED", IPS_CONFIRMED },
	{ "SRC_NAT", IPS_SRC_NAT },
	{ "DST_NAT", IPS_DST_NAT },
	{ "SEQ_ADJUST", IPS_SEQ_ADJUST },
	{ "SRC_NAT_DONE", IPS_SRC_NAT_DONE },
	{ "DST_NAT_DONE", IPS_DST_NAT_DONE },
	{ "DYING", IPS_DYING },
	{ "FIXED_TIMEOUT", IPS_FIXED_TIMEOUT },
	{ "TEMPLATE", IPS_TEMPLATE },
	{ "HELPER", IPS_HELPER },
	{ "OFFLOAD", IPS_OFFLOAD },
	{ "HW_OFFLOAD", IPS_HW_OFFLOAD },
};

/* "ASSURED,!OFFLOAD,UNREPLIED": bits that must be set (@val) among @mask. */
static int parse_status(const char *val, uint32_t *ret_val, uint32_t *ret_mask)
{
	_cleanup_free_ char *copy = strdup(val);
	uint32_t v = 0, m = 0;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		bool neg = *w == '!';
		uint32_t bit = 0;

		if (neg)
			w++;
		/* conntrack -L prints [UNREPLIED] for an entry without SEEN_REPLY */
		if (strcasecmp(w, "UNREPLIED") == 0) {
			bit = IPS_SEEN_REPLY;
			neg = !neg;
		}
		for (size_t i = 0; !bit && i < ELEMENTSOF(status_names); i++)
			if (strcasecmp(w, status_names[i].name) == 0)
				bit = status_names[i].bit;
		/* a flag asked both set and clear matches nothing: refuse it */
		if (!bit || ((m & bit) && (!(v & bit)) != neg))
			return -EINVAL;
		m |= bit;
		if (!neg)
			v |= bit;
	}
	if (!m)
		return -EINVAL;
	*ret_val = v;
	*ret_mask = m;
	return 0;
}

static int parse_term(const char *word, struct cta_ct_term *t, char **ret_err)
{
	static const char *const keys[] = {
		[T_PROTO] = "proto", [T_SRC] = "src",	[T_DST] = "dst",   [T_DPORT] = "dport",
		[T_STATE] = "state", [T_ZONE] = "zone", [T_MARK] = "mark", [T_STATUS] = "status",
	};
	const char *eq = strchr(word, '='), *val;
	size_t klen;
	int kind = -1;

#define ERR(...)                                        \
	do {                                            \
		if (asprintf(ret_err, __VA_ARGS__) < 0) \
			return -ENOMEM;                 \
		return -EINVAL;                         \
	} while (0)

	if (!eq)
		ERR("filter term '%s' is not KEY=VALUE", word);
	klen = (size_t)(eq - word);
	val = eq + 1;
	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (strlen(keys[i]) == klen && strneq(word, keys[i], klen))
			kind = (int)i;
	if (kind < 0)
		ERR("unknown filter key '%.*s' (proto, src, dst, dport, state, zone, mark, "
		    "status)",
		    (int)klen, word);
	if (!*val)
		ERR("filter term '%s' has no value", word);
	memset(t, 0, sizeof(*t));
	t->kind = (enum term_kind)kind;
	switch (t->kind) {
	case T_PROTO: {
		bool found = false;

		for (size_t i = 0; i < ELEMENTSOF(proto_names); i++)
			if (strcasecmp(val, proto_names[i].name) == 0) {
				t->lo = proto_names[i].num;
				found = true;
			}
		if (!found && parse_u32(val, 255, &t->lo) < 0)
			ERR("unknown protocol '%s' in '%s'", val, word);
		break;
	}
	case T_SRC:
	case T_DST: {
		int r = parse_prefix(val, t);

		if (r == -ENOMEM)
			return r;
		if (r < 0)
			ERR("invalid address or prefix '%s' in '%s'", val, word);
		break;
	}
	case T_DPORT: {
		struct cta_port_range pr;

		if (cta_port_range_parse(val, 0, &pr) < 0) {
			/* both ends valid, so the range is backwards */
			_cleanup_free_ char *lo = strndup(val, strcspn(val, "-:"));
			const char *hi = val + strcspn(val, "-:");

			if (!lo)
				return -ENOMEM;
			if (*hi && cta_port_range_parse(lo, CTA_PORT_NO_RANGE, &pr) == 0 &&
			    cta_port_range_parse(hi + 1, CTA_PORT_NO_RANGE, &pr) == 0)
				ERR("empty port range '%s' in '%s'", val, word);
			ERR("invalid port or port range '%s' in '%s'", val, word);
		}
		t->lo = pr.lo;
		t->hi = pr.hi;
		break;
	}
	case T_STATE: {
		bool found = false;

		for (size_t i = 0; i < ELEMENTSOF(tcp_ct_states); i++)
			if (strcasecmp(val, tcp_ct_states[i]) == 0) {
				t->lo = (uint32_t)i;
				found = true;
			}
		if (!found)
			ERR("unknown TCP conntrack state '%s' in '%s' (SYN_SENT, SYN_RECV, "
			    "ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE, "
			    "SYN_SENT2, NONE)",
			    val, word);
		break;
	}
	case T_ZONE:
		if (parse_u32(val, 65535, &t->lo) < 0)
			ERR("invalid zone '%s' in '%s' (0-65535)", val, word);
		break;
	case T_MARK: {
		_cleanup_free_ char *s = strdup(val);
		char *slash;

		if (!s)
			return -ENOMEM;
		slash = strchr(s, '/');
		if (slash)
			*slash++ = 0;
		t->mask = UINT32_MAX;
		if (parse_u32(s, UINT32_MAX, &t->lo) < 0 ||
		    (slash && parse_u32(slash, UINT32_MAX, &t->mask) < 0))
			ERR("invalid mark '%s' in '%s' (N or N/MASK)", val, word);
		t->lo &= t->mask;
		break;
	}
	case T_STATUS: {
		int r = parse_status(val, &t->lo, &t->mask);

		if (r == -ENOMEM)
			return r;
		if (r < 0)
			ERR("invalid status '%s' in '%s' ([!]FLAG,... of ASSURED, SEEN_REPLY, "
			    "UNREPLIED, CONFIRMED, EXPECTED, SRC_NAT, DST_NAT, SEQ_ADJUST, "
			    "SRC_NAT_DONE, DST_NAT_DONE, DYING, FIXED_TIMEOUT, TEMPLATE, HELPER, "
			    "OFFLOAD, HW_OFFLOAD)",
			    val, word);
		break;
	}
	}
#undef ERR
	return 0;
}

int cta_ct_filter_parse(const char *expr, struct cta_ct_filter *ret, char **ret_err)
{
	_cleanup_free_ char *copy = strdup(expr);
	_cleanup_free_ struct cta_ct_term *terms = NULL;
	size_t n = 0, cap = 0;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		int r;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct cta_ct_term *nt = realloc(terms, ncap * sizeof(*nt));

			if (!nt)
				return -ENOMEM;
			terms = nt;
			cap = ncap;
		}
		r = parse_term(w, &terms[n], ret_err);
		if (r < 0)
			return r;
		n++;
	}
	if (n == 0) {
		if (asprintf(ret_err, "empty filter") < 0)
			return -ENOMEM;
		return -EINVAL;
	}
	ret->terms = TAKE_PTR(terms);
	ret->n = n;
	return 0;
}

void cta_ct_filter_done(struct cta_ct_filter *f)
{
	free(f->terms);
	f->terms = NULL;
	f->n = 0;
}

static bool term_match(const struct cta_ct_term *t, const struct cta_ct_entry *e)
{
	switch (t->kind) {
	case T_PROTO:
		return e->proto == t->lo;
	case T_SRC:
		return prefix_match(t, e->family, e->src);
	case T_DST:
		return prefix_match(t, e->family, e->dst);
	case T_DPORT:
		return e->has_ports && e->dport >= t->lo && e->dport <= t->hi;
	case T_STATE:
		return e->state == t->lo;
	case T_ZONE:
		return e->zone == t->lo;
	case T_MARK:
		return (e->mark & t->mask) == t->lo;
	case T_STATUS:
		return (e->status & t->mask) == t->lo;
	}
	return false;
}

bool cta_ct_filter_match(const struct cta_ct_filter *f, const struct cta_ct_entry *e)
{
	if (!f)
		return true;
	for (size_t i = 0; i < f->n; i++)
		if (!term_match(&f->terms[i], e))
			return false;
	return true;
}

bool cta_ct_filter_match_term(const struct cta_ct_filter *f, size_t i, const struct cta_ct_entry *e)
{
	return i < f->n && term_match(&f->terms[i], e);
}

/* ---- translation into the kernel's dump selection ---- */

const char *cta_ct_filtered_in_name(enum cta_ct_filtered_in w)
{
	switch (w) {
	case CTA_CT_FILTERED_USERSPACE:
		return "userspace";
	case CTA_CT_FILTERED_KERNEL:
		return "kernel";
	case CTA_CT_FILTERED_BOTH:
		return "both";
	default:
		return NULL;
	}
}

/* The kernel selection that evaluates a term of @kind. */
static unsigned term_ksel(enum term_kind kind)
{
	switch (kind) {
	case T_MARK:
		return CTA_CT_KSEL_MARK;
	case T_ZONE:
		return CTA_CT_KSEL_ZONE;
	case T_STATUS:
		return CTA_CT_KSEL_STATUS;
	case T_SRC:
	case T_DST:
	case T_PROTO:
	case T_DPORT:
		return CTA_CT_KSEL_TUPLE;
	default:
		return 0;
	}
}

/* Bits of *ret_exact: terms past the 64th are always checked in user space. */
#define EXACT_MAX 64

void cta_ct_filter_translate(const struct cta_ct_filter *f, unsigned ksel,
			     struct cta_ct_dump_filter *ret, uint64_t *ret_exact)
{
	struct cta_ct_dump_filter k = { 0 };
	uint64_t exact = 0;
	uint8_t fam = 0;
	bool conflict = false;
	size_t n = f ? MIN(f->n, (size_t)EXACT_MAX) : 0;

	/* every address term implies its family, prefix or not */
	for (size_t i = 0; i < n; i++) {
		const struct cta_ct_term *t = &f->terms[i];

		if (t->kind != T_SRC && t->kind != T_DST)
			continue;
		if (fam && fam != t->family)
			conflict = true;
		fam = t->family;
	}
	/* terms of two families match nothing: user space says so */
	if (conflict)
		fam = 0;
	/* the family selection (nfgen_family) is as old as ctnetlink's dump */
	k.l3num = fam;

	for (size_t i = 0; i < n; i++) {
		const struct cta_ct_term *t = &f->terms[i];
		uint32_t flag;

		switch (t->kind) {
		case T_MARK:
			if (!(ksel & CTA_CT_KSEL_MARK) || k.mark_mask)
				break;
			/* mask 0 matches every entry: nothing to send */
			if (t->mask) {
				k.mark = t->lo;
				k.mark_mask = t->mask;
			}
			exact |= 1ull << i;
			break;
		case T_STATUS:
			if (!(ksel & CTA_CT_KSEL_STATUS) || k.status_mask)
				break;
			k.status = t->lo;
			k.status_mask = t->mask;
			exact |= 1ull << i;
			break;
		case T_ZONE:
			/* ctnetlink_filter_match skips the zone test for zone 0 */
			if (!(ksel & CTA_CT_KSEL_ZONE) || k.has_zone || t->lo == 0)
				break;
			k.has_zone = true;
			k.zone = (uint16_t)t->lo;
			exact |= 1ull << i;
			break;
		case T_SRC:
		case T_DST:
			flag = t->kind == T_SRC ? CTA_CT_ORIG_SRC : CTA_CT_ORIG_DST;
			/*
			 * ctnetlink_filter_match_tuple compares whole addresses
			 * (no masks), and for IPv6 its test is inverted
			 * ("!ipv6_addr_cmp()" skips the entries whose address
			 * is equal; seen on 6.18): a kernel that drops matching
			 * entries cannot be caught by checking what it sends,
			 * so IPv6 addresses stay in user space.
			 */
			if (!(ksel & CTA_CT_KSEL_TUPLE) || fam != AF_INET || t->family != AF_INET ||
			    (k.orig_flags & flag) || t->plen != 32)
				break;
			memcpy(t->kind == T_SRC ? k.src : k.dst, t->addr, 16);
			k.orig_flags |= flag;
			exact |= 1ull << i;
			break;
		case T_PROTO:
			if (!(ksel & CTA_CT_KSEL_TUPLE) || (k.orig_flags & CTA_CT_ORIG_PROTO))
				break;
			k.proto = (uint8_t)t->lo;
			k.orig_flags |= CTA_CT_ORIG_PROTO;
			exact |= 1ull << i;
			break;
		default:
			break;
		}
	}
	/* ports need the protocol number in the selection, and the kernel
	 * compares them for TCP and UDP only (ctnetlink_filter_match_tuple) */
	for (size_t i = 0; i < n; i++) {
		const struct cta_ct_term *t = &f->terms[i];

		if (t->kind != T_DPORT || t->lo != t->hi || (k.orig_flags & CTA_CT_ORIG_DPORT) ||
		    !(k.orig_flags & CTA_CT_ORIG_PROTO) ||
		    (k.proto != IPPROTO_TCP && k.proto != IPPROTO_UDP))
			continue;
		k.dport = (uint16_t)t->lo;
		k.orig_flags |= CTA_CT_ORIG_DPORT;
		exact |= 1ull << i;
	}
	*ret = k;
	*ret_exact = exact;
}

/* ---- one dump, several aggregations ---- */

void cta_ctdump_init(struct cta_ctdump *d, const enum cta_ct_by *by, size_t n,
		     const struct cta_ct_filter *filter)
{
	memset(d, 0, sizeof(*d));
	d->filter = filter;
	d->n_aggs = MIN(n, (size_t)CTA_CT_AGG_MAX);
	for (size_t i = 0; i < d->n_aggs; i++) {
		d->by[i] = by[i];
		cta_agg_init(&d->agg[i], cta_ct_key_len(by[i]));
	}
}

void cta_ctdump_done(struct cta_ctdump *d)
{
	for (size_t i = 0; i < d->n_aggs; i++)
		cta_agg_done(&d->agg[i]);
	d->n_aggs = 0;
}

void cta_ctdump_reset(void *data)
{
	struct cta_ctdump *d = data;

	for (size_t i = 0; i < d->n_aggs; i++)
		cta_agg_reset(&d->agg[i]);
	d->scanned = d->entries = d->kernel_misses = 0;
}

int cta_ctdump_msg(const struct nlmsghdr *nlh, void *data)
{
	struct cta_ctdump *d = data;
	struct cta_ct_entry e;
	unsigned char key[CTA_AGG_KEY_MAX];

	if (cta_ct_parse(nlh, &e) < 0)
		return 0; /* not an entry: nothing to count */
	d->scanned++;
	if (d->filter && !cta_ct_filter_match(d->filter, &e)) {
		/* the kernel was given a term this entry fails: it ignored it */
		for (size_t i = 0; d->kexact && i < d->filter->n && i < EXACT_MAX; i++)
			if ((d->kexact & (1ull << i)) &&
			    !cta_ct_filter_match_term(d->filter, i, &e)) {
				d->kignored |= 1ull << i;
				d->kernel_misses++;
			}
		return 0;
	}
	d->entries++;
	for (size_t i = 0; i < d->n_aggs; i++) {
		int r;

		cta_ct_key(&e, d->by[i], key);
		r = cta_agg_add(&d->agg[i], key, 1);
		if (r < 0)
			return r;
	}
	return 0;
}

CTA_DEFINE_CLEANUP(struct nfct_filter_dump *, nfct_filter_dump_destroy)

static void put_orig_tuple(struct nlmsghdr *nlh, const struct cta_ct_dump_filter *f)
{
	struct nlattr *filter, *tuple, *nest;
	bool v6 = f->l3num == AF_INET6; /* not sent today: see cta_ct_filter_translate */

	filter = mnl_attr_nest_start(nlh, CTA_FILTER);
	mnl_attr_put_u32(nlh, CTA_FILTER_ORIG_FLAGS, f->orig_flags);
	mnl_attr_nest_end(nlh, filter);

	tuple = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
	if (f->orig_flags & (CTA_CT_ORIG_SRC | CTA_CT_ORIG_DST)) {
		nest = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
		if (f->orig_flags & CTA_CT_ORIG_SRC)
			mnl_attr_put(nlh, v6 ? CTA_IP_V6_SRC : CTA_IP_V4_SRC, v6 ? 16 : 4, f->src);
		if (f->orig_flags & CTA_CT_ORIG_DST)
			mnl_attr_put(nlh, v6 ? CTA_IP_V6_DST : CTA_IP_V4_DST, v6 ? 16 : 4, f->dst);
		mnl_attr_nest_end(nlh, nest);
	}
	if (f->orig_flags & CTA_CT_ORIG_PROTO) {
		nest = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
		mnl_attr_put_u8(nlh, CTA_PROTO_NUM, f->proto);
		if (f->orig_flags & CTA_CT_ORIG_DPORT)
			mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(f->dport));
		mnl_attr_nest_end(nlh, nest);
	}
	mnl_attr_nest_end(nlh, tuple);
}

int cta_ct_dump_request(void *buf, const struct cta_ct_dump_filter *f, uint32_t seq)
{
	_cleanup_(nfct_filter_dump_destroyp) struct nfct_filter_dump *fd = NULL;
	struct nlmsghdr *nlh;

	memset(buf, 0, CTA_CT_DUMP_REQ_SIZE);
	nlh = ct_request_put(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, seq);
	if (!f)
		return (int)nlh->nlmsg_len;
	if (f->mark_mask || f->status_mask || f->l3num) {
		fd = nfct_filter_dump_create();
		if (!fd)
			return -ENOMEM;
		if (f->mark_mask)
			nfct_filter_dump_set_attr(fd, NFCT_FILTER_DUMP_MARK,
						  &(struct nfct_filter_dump_mark){ f->mark,
										   f->mark_mask });
		if (f->status_mask)
			nfct_filter_dump_set_attr(
				fd, NFCT_FILTER_DUMP_STATUS,
				&(struct nfct_filter_dump_mark){ f->status, f->status_mask });
		if (f->l3num)
			nfct_filter_dump_set_attr_u8(fd, NFCT_FILTER_DUMP_L3NUM, f->l3num);
		if (nfct_nlmsg_build_filter(nlh, fd) < 0)
			return -ENOMEM;
	}
	/* the largest request (four u32, a u16, CTA_FILTER with an IPv6 pair,
	 * protocol and port) is under 200 bytes: CTA_CT_DUMP_REQ_SIZE holds it */
	if (f->has_zone)
		mnl_attr_put_u16(nlh, CTA_ZONE, htons(f->zone));
	if (f->orig_flags && (f->l3num == AF_INET || f->l3num == AF_INET6))
		put_orig_tuple(nlh, f);
	return (int)nlh->nlmsg_len;
}

/*
 * Selections the running kernel accepts and applies, learnt once per process:
 * cleared when it refuses one (older kernels answer -EOPNOTSUPP or -EINVAL)
 * or ignores one (kernels before 5.9 ignore CTA_FILTER, before 6.8 CTA_ZONE).
 */
static unsigned ksel_working = CTA_CT_KSEL_ALL;

static int dump_one(struct cta_ctdump *d, const struct cta_ct_dump_filter *kf)
{
	uint8_t req[CTA_CT_DUMP_REQ_SIZE];
	int len = cta_ct_dump_request(req, kf, 1);
	struct cta_nlsock s = { .bus = NETLINK_NETFILTER, .req = req };
	struct cta_nldump nd = {
		.request = cta_nlsock_request,
		.recv = cta_nlsock_recv,
		.tp = &s,
		.reset = cta_ctdump_reset,
		.msg = cta_ctdump_msg,
		.data = d,
	};
	int r;

	if (len < 0)
		return len;
	s.req_len = (size_t)len;
	cta_ctdump_reset(d);
	r = cta_nldump_run(&nd, &d->approximate);
	cta_nlsock_close(&s);
	return r;
}

/* CTA_FILTER needs a family: without one, one dump per family, summed. */
static int dump_selected(struct cta_ctdump *d)
{
	struct cta_ct_dump_filter kf = d->kfilter;
	struct cta_ctdump d6;
	int r;

	if (!kf.orig_flags || kf.l3num)
		return dump_one(d, &kf);
	kf.l3num = AF_INET;
	r = dump_one(d, &kf);
	if (r < 0)
		return r;
	cta_ctdump_init(&d6, d->by, d->n_aggs, d->filter);
	d6.kexact = d->kexact;
	kf.l3num = AF_INET6;
	r = dump_one(&d6, &kf);
	for (size_t i = 0; r == 0 && i < d->n_aggs; i++)
		r = cta_agg_merge(&d->agg[i], &d6.agg[i]);
	if (r == 0) {
		d->scanned += d6.scanned;
		d->entries += d6.entries;
		d->kernel_misses += d6.kernel_misses;
		d->kignored |= d6.kignored;
		d->approximate |= d6.approximate;
	}
	cta_ctdump_done(&d6);
	return r;
}

static bool kfilter_empty(const struct cta_ct_dump_filter *k)
{
	return !k->mark_mask && !k->status_mask && !k->l3num && !k->has_zone && !k->orig_flags;
}

int cta_ctdump_run(struct cta_ctdump *d)
{
	unsigned ksel = d->userspace_only ? 0 : ksel_working;
	unsigned ignored = 0;
	uint64_t exact;
	int r;

	d->fallback = NULL;
	for (;;) {
		if (d->filter && !d->userspace_only)
			cta_ct_filter_translate(d->filter, ksel, &d->kfilter, &d->kexact);
		else
			d->kexact = 0;
		d->kignored = 0;
		r = dump_selected(d);
		if (r != -EOPNOTSUPP && r != -EINVAL)
			break;
		/* refused: drop the newest selection in use and ask again */
		if (d->kfilter.orig_flags)
			ksel &= ~(unsigned)CTA_CT_KSEL_TUPLE;
		else if (d->kfilter.has_zone)
			ksel &= ~(unsigned)CTA_CT_KSEL_ZONE;
		else if (d->kfilter.status_mask)
			ksel &= ~(unsigned)CTA_CT_KSEL_STATUS;
		else if (d->kfilter.mark_mask)
			ksel &= ~(unsigned)CTA_CT_KSEL_MARK;
		else
			break;
		ksel_working &= ksel;
		d->fallback = "the kernel refused the dump selection";
	}
	if (r < 0)
		return r;
	if (d->kignored) {
		for (size_t i = 0; i < d->filter->n && i < EXACT_MAX; i++)
			if (d->kignored & (1ull << i))
				ignored |= term_ksel(d->filter->terms[i].kind);
		ksel_working &= ~ignored;
		d->fallback = "the kernel ignored part of the dump selection";
	}

	exact = d->kexact & ~d->kignored;
	if (!d->filter)
		d->filtered_in = CTA_CT_FILTERED_NONE;
	else if (d->filter->n <= EXACT_MAX && (size_t)__builtin_popcountll(exact) == d->filter->n)
		d->filtered_in = CTA_CT_FILTERED_KERNEL;
	else if (!kfilter_empty(&d->kfilter) && (exact || d->kfilter.l3num))
		d->filtered_in = CTA_CT_FILTERED_BOTH;
	else
		d->filtered_in = CTA_CT_FILTERED_USERSPACE;
	return 0;
}
