// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The iptables-legacy adapter: the only file that includes libiptc.  Reads
 * the legacy tables into a cta_fwset and replaces ctaudit's own raw-table
 * NOTRACK chains.  libiptc does no locking of its own, so both directions
 * hold the xtables lock that iptables itself uses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <libiptc/libiptc.h>
#include <libiptc/libip6tc.h>
#include <linux/netfilter/xt_CT.h>
#include <linux/netfilter/xt_tcpudp.h>
#include "nf/firewall.h"
#include "nf/fwrule.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/banned.h"

#define CTA_CHAIN_PRE "CTAUDIT_PREROUTING"
#define CTA_CHAIN_OUT "CTAUDIT_OUTPUT"
#define LOCK_WAIT_MS 5000

/* libiptc and libip6tc differ only in the entry type; these wrappers give
 * both the same signatures. */
struct iptc_ops {
	struct xtc_handle *(*init)(const char *table);
	void (*free)(struct xtc_handle *h);
	const char *(*first_chain)(struct xtc_handle *h);
	const char *(*next_chain)(struct xtc_handle *h);
	const void *(*first_rule)(const char *chain, struct xtc_handle *h);
	const void *(*next_rule)(const void *prev, struct xtc_handle *h);
	const char *(*get_target)(const void *e, struct xtc_handle *h);
	int (*builtin)(const char *chain, struct xtc_handle *h);
	const char *(*get_policy)(const char *chain, struct xtc_handle *h);
	int (*is_chain)(const char *chain, struct xtc_handle *h);
	int (*create_chain)(const char *chain, struct xtc_handle *h);
	int (*flush_entries)(const char *chain, struct xtc_handle *h);
	int (*delete_chain)(const char *chain, struct xtc_handle *h);
	int (*delete_num_entry)(const char *chain, unsigned num, struct xtc_handle *h);
	int (*insert_entry)(const char *chain, const void *e, unsigned num, struct xtc_handle *h);
	int (*append_entry)(const char *chain, const void *e, struct xtc_handle *h);
	int (*commit)(struct xtc_handle *h);
	const char *(*strerror)(int err);
};

#define CTA_IPTC_WRAPPERS(pfx, ENTRY)                                                        \
	static const void *pfx##_w_first_rule(const char *c, struct xtc_handle *h)           \
	{                                                                                    \
		return pfx##_first_rule(c, h);                                               \
	}                                                                                    \
	static const void *pfx##_w_next_rule(const void *p, struct xtc_handle *h)            \
	{                                                                                    \
		return pfx##_next_rule(p, h);                                                \
	}                                                                                    \
	static const char *pfx##_w_get_target(const void *e, struct xtc_handle *h)           \
	{                                                                                    \
		return pfx##_get_target(e, h);                                               \
	}                                                                                    \
	static int pfx##_w_builtin(const char *c, struct xtc_handle *h)                      \
	{                                                                                    \
		return pfx##_builtin(c, h);                                                  \
	}                                                                                    \
	static const char *pfx##_w_get_policy(const char *c, struct xtc_handle *h)           \
	{                                                                                    \
		struct xt_counters cnt;                                                      \
		return pfx##_get_policy(c, &cnt, h);                                         \
	}                                                                                    \
	static int pfx##_w_is_chain(const char *c, struct xtc_handle *h)                     \
	{                                                                                    \
		return pfx##_is_chain(c, h);                                                 \
	}                                                                                    \
	static int pfx##_w_create_chain(const char *c, struct xtc_handle *h)                 \
	{                                                                                    \
		return pfx##_create_chain(c, h);                                             \
	}                                                                                    \
	static int pfx##_w_flush_entries(const char *c, struct xtc_handle *h)                \
	{                                                                                    \
		return pfx##_flush_entries(c, h);                                            \
	}                                                                                    \
	static int pfx##_w_delete_chain(const char *c, struct xtc_handle *h)                 \
	{                                                                                    \
		return pfx##_delete_chain(c, h);                                             \
	}                                                                                    \
	static int pfx##_w_delete_num_entry(const char *c, unsigned n, struct xtc_handle *h) \
	{                                                                                    \
		return pfx##_delete_num_entry(c, n, h);                                      \
	}                                                                                    \
	static int pfx##_w_insert_entry(const char *c, const void *e, unsigned n,            \
					struct xtc_handle *h)                                \
	{                                                                                    \
		return pfx##_insert_entry(c, (const ENTRY *)e, n, h);                        \
	}                                                                                    \
	static int pfx##_w_append_entry(const char *c, const void *e, struct xtc_handle *h)  \
	{                                                                                    \
		return pfx##_append_entry(c, (const ENTRY *)e, h);                           \
	}                                                                                    \
	static const struct iptc_ops pfx##_cta_ops = {                                       \
		.init = pfx##_init,                                                          \
		.free = pfx##_free,                                                          \
		.first_chain = pfx##_first_chain,                                            \
		.next_chain = pfx##_next_chain,                                              \
		.first_rule = pfx##_w_first_rule,                                            \
		.next_rule = pfx##_w_next_rule,                                              \
		.get_target = pfx##_w_get_target,                                            \
		.builtin = pfx##_w_builtin,                                                  \
		.get_policy = pfx##_w_get_policy,                                            \
		.is_chain = pfx##_w_is_chain,                                                \
		.create_chain = pfx##_w_create_chain,                                        \
		.flush_entries = pfx##_w_flush_entries,                                      \
		.delete_chain = pfx##_w_delete_chain,                                        \
		.delete_num_entry = pfx##_w_delete_num_entry,                                \
		.insert_entry = pfx##_w_insert_entry,                                        \
		.append_entry = pfx##_w_append_entry,                                        \
		.commit = pfx##_commit,                                                      \
		.strerror = pfx##_strerror,                                                  \
	}

CTA_IPTC_WRAPPERS(iptc, struct ipt_entry);
CTA_IPTC_WRAPPERS(ip6tc, struct ip6t_entry);

static const struct iptc_ops *ops_for(int af)
{
	return af == AF_INET6 ? &ip6tc_cta_ops : &iptc_cta_ops;
}

/* ---- decoding ---- */

static char *iface_str(const char *name, const unsigned char *mask)
{
	size_t len = strnlen(name, IFNAMSIZ), cmp = 0;
	char *s;

	if (len == 0)
		return NULL;
	while (cmp < IFNAMSIZ && mask[cmp] == 0xFF)
		cmp++;
	/* "eth+" compares only the bytes before the '+' (not the NUL) */
	if (cmp < len || (cmp == len && name[len - 1] != '+')) {
		if (asprintf(&s, "%.*s+", (int)MIN(cmp, len), name) < 0)
			return NULL;
		return s;
	}
	return strndup(name, len);
}

static int set_addr(char **dst, int af, const void *addr, const void *mask)
{
	size_t len = af == AF_INET ? 4 : 16;
	int prefix = cta_fw_mask_prefix(mask, len);
	static const uint8_t zero[16];

	if (memcmp(mask, zero, len) == 0)
		return 0;
	if (prefix < 0) {
		/* a non-contiguous mask: show it as address/mask */
		char a[INET6_ADDRSTRLEN], m[INET6_ADDRSTRLEN];

		if (!inet_ntop(af, addr, a, sizeof(a)) || !inet_ntop(af, mask, m, sizeof(m)) ||
		    asprintf(dst, "%s/%s", a, m) < 0)
			return -ENOMEM;
		return 0;
	}
	*dst = cta_fw_addr_str(af, addr, (unsigned)prefix);
	return *dst ? 0 : -ENOMEM;
}

static int decode_ip(int af, const void *entry, struct cta_fwrule *r, size_t *ret_hdr,
		     size_t *ret_target_off, bool *ret_goto)
{
	const char *iniface, *outiface;
	const unsigned char *inmask, *outmask;
	unsigned proto, inv;
	bool has_proto;
	int k;

	if (af == AF_INET) {
		const struct ipt_entry *e = entry;

		k = set_addr(&r->saddr, af, &e->ip.src, &e->ip.smsk);
		k = k ?: set_addr(&r->daddr, af, &e->ip.dst, &e->ip.dmsk);
		if (k < 0)
			return k;
		iniface = e->ip.iniface;
		outiface = e->ip.outiface;
		inmask = e->ip.iniface_mask;
		outmask = e->ip.outiface_mask;
		proto = e->ip.proto;
		has_proto = proto != 0;
		inv = e->ip.invflags;
		*ret_hdr = sizeof(*e);
		*ret_target_off = e->target_offset;
		*ret_goto = e->ip.flags & IPT_F_GOTO;
	} else {
		const struct ip6t_entry *e = entry;

		k = set_addr(&r->saddr, af, &e->ipv6.src, &e->ipv6.smsk);
		k = k ?: set_addr(&r->daddr, af, &e->ipv6.dst, &e->ipv6.dmsk);
		if (k < 0)
			return k;
		iniface = e->ipv6.iniface;
		outiface = e->ipv6.outiface;
		inmask = e->ipv6.iniface_mask;
		outmask = e->ipv6.outiface_mask;
		proto = e->ipv6.proto;
		/* without IP6T_F_PROTO the proto field means nothing */
		has_proto = e->ipv6.flags & IP6T_F_PROTO;
		inv = e->ipv6.invflags;
		*ret_hdr = sizeof(*e);
		*ret_target_off = e->target_offset;
		*ret_goto = e->ipv6.flags & IP6T_F_GOTO;
	}
	/* IPT_INV_* and IP6T_INV_* share their values */
	if (r->saddr && (inv & IPT_INV_SRCIP))
		r->neg |= CTA_FWNEG_SADDR;
	if (r->daddr && (inv & IPT_INV_DSTIP))
		r->neg |= CTA_FWNEG_DADDR;
	r->iif = iface_str(iniface, inmask);
	r->oif = iface_str(outiface, outmask);
	if ((iniface[0] && !r->iif) || (outiface[0] && !r->oif))
		return -ENOMEM;
	if (r->iif && (inv & IPT_INV_VIA_IN))
		r->neg |= CTA_FWNEG_IIF;
	if (r->oif && (inv & IPT_INV_VIA_OUT))
		r->neg |= CTA_FWNEG_OIF;
	if (has_proto) {
		r->proto = cta_fw_proto_name(proto);
		if (!r->proto)
			return -ENOMEM;
		if (inv & XT_INV_PROTO)
			r->neg |= CTA_FWNEG_PROTO;
	}
	return 0;
}

int cta_iptc_decode_entry(int af, const void *entry, const char *label, struct cta_fwrule *r)
{
	const uint8_t *base = entry;
	const struct xt_entry_target *t;
	size_t off, target_off;
	bool is_goto;
	int k;

	k = decode_ip(af, entry, r, &off, &target_off, &is_goto);
	if (k < 0)
		return k;
	while (off + sizeof(struct xt_entry_match) <= target_off) {
		const struct xt_entry_match *m = (const void *)(base + off);
		size_t msize = m->u.match_size;
		char name[XT_EXTENSION_MAXNAMELEN + 1] = { 0 };

		if (msize < sizeof(*m) || off + msize > target_off)
			break;
		memcpy(name, m->u.user.name, XT_EXTENSION_MAXNAMELEN);
		k = cta_xt_decode_match(r, af, name, m->u.user.revision, m->data,
					msize - sizeof(*m));
		if (k < 0)
			return k;
		off += msize;
	}
	t = (const void *)(base + target_off);
	if (t->u.user.name[0] == '\0' || streq(t->u.user.name, XT_STANDARD_TARGET)) {
		if (!label || !*label)
			r->verdict = CTA_FW_NONE;
		else if (streq(label, "ACCEPT"))
			r->verdict = CTA_FW_ACCEPT;
		else if (streq(label, "DROP"))
			r->verdict = CTA_FW_DROP;
		else if (streq(label, "RETURN"))
			r->verdict = CTA_FW_RETURN;
		else if (streq(label, "QUEUE"))
			r->verdict = CTA_FW_OTHER;
		else {
			r->verdict = is_goto ? CTA_FW_GOTO : CTA_FW_JUMP;
			r->target = strdup(label);
			if (!r->target)
				return -ENOMEM;
		}
		return 0;
	}
	if (streq(t->u.user.name, XT_ERROR_TARGET)) {
		r->verdict = CTA_FW_NONE;
		return 0;
	}
	{
		char name[XT_EXTENSION_MAXNAMELEN + 1] = { 0 };
		size_t tsize = t->u.target_size;

		memcpy(name, t->u.user.name, XT_EXTENSION_MAXNAMELEN);
		return cta_xt_decode_target(r, af, name, t->u.user.revision, t->data,
					    tsize > sizeof(*t) ? tsize - sizeof(*t) : 0);
	}
}

/* ---- locking ---- */

static const char *lock_path(void)
{
	const char *p = getenv("XTABLES_LOCKFILE");

	return p && *p ? p : "/run/xtables.lock";
}

/*
 * Take the xtables lock, waiting up to LOCK_WAIT_MS.  Readers do not create
 * the lock file (a host without it has no iptables user to race with);
 * writers do, as iptables does.  Returns an fd, -ENOENT (reader, no file),
 * -EBUSY or another negative errno.
 */
static int xtables_lock(bool writer)
{
	_cleanup_close_ int fd = -EBADF;
	struct timespec pause = { .tv_nsec = 50 * 1000 * 1000 };

	fd = writer ? open(lock_path(), O_RDWR | O_CREAT | O_CLOEXEC, 0600) :
		      open(lock_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cta_negerrno();
	for (int waited = 0;; waited += 50) {
		if (flock(fd, (writer ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
			return TAKE_FD(fd);
		if (errno != EWOULDBLOCK)
			return cta_negerrno();
		if (waited >= LOCK_WAIT_MS)
			return -EBUSY;
		nanosleep(&pause, NULL);
	}
}

/* ---- reading ---- */

static const char *builtin_hook(const char *chain)
{
	static const char *const map[][2] = {
		{ "PREROUTING", "prerouting" },	  { "INPUT", "input" },
		{ "FORWARD", "forward" },	  { "OUTPUT", "output" },
		{ "POSTROUTING", "postrouting" },
	};

	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (streq(map[i][0], chain))
			return map[i][1];
	return NULL;
}

static int read_table(const struct iptc_ops *o, int af, const char *name, struct cta_fwset *s)
{
	struct xtc_handle *h;
	struct cta_fwtable *t;
	int r = 0;

	h = o->init(name);
	if (!h)
		return errno == ENOENT ? 0 : cta_negerrno(); /* vanished meanwhile */
	t = cta_fwset_add_table(s);
	if (!t || !(t->name = strdup(name))) {
		r = -ENOMEM;
		goto out;
	}
	t->family = af == AF_INET ? "ipv4" : "ipv6";
	t->source = "iptables-legacy";
	for (const char *chain = o->first_chain(h); chain; chain = o->next_chain(h)) {
		struct cta_fwchain *ch = cta_fwtable_add_chain(t);

		if (!ch || !(ch->name = strdup(chain))) {
			r = -ENOMEM;
			goto out;
		}
		if (o->builtin(chain, h)) {
			const char *pol = o->get_policy(chain, h);

			ch->hook = builtin_hook(chain);
			ch->policy = pol && streq(pol, "DROP") ? CTA_FW_DROP : CTA_FW_ACCEPT;
		}
		for (const void *e = o->first_rule(chain, h); e; e = o->next_rule(e, h)) {
			struct cta_fwrule *rule = cta_fwchain_add_rule(ch);

			if (!rule) {
				r = -ENOMEM;
				goto out;
			}
			r = cta_iptc_decode_entry(af, e, o->get_target(e, h), rule);
			if (r < 0)
				goto out;
		}
	}
out:
	o->free(h);
	return r;
}

int cta_iptc_read(const char *procfs, int af, struct cta_fwset *s)
{
	_cleanup_free_ char *path = NULL, *names = NULL;
	_cleanup_close_ int lock = -EBADF;
	char *save = NULL;
	ssize_t len;
	int r;

	if (asprintf(&path, "%s/net/%s", procfs,
		     af == AF_INET ? "ip_tables_names" : "ip6_tables_names") < 0)
		return -ENOMEM;
	len = cta_read_file(path, 0, &names);
	if (len < 0)
		return (int)len;
	if (len == 0)
		return -ENOENT;
	lock = xtables_lock(false);
	if (lock == -EBUSY)
		return -EBUSY;
	/* other lock errors (no lock file): nobody to race with */
	for (char *tok = strtok_r(names, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		tok = cta_collapse_ws(tok);
		if (!*tok)
			continue;
		r = read_table(ops_for(af), af, tok, s);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- writing ---- */

static size_t entry_hdr_size(int af)
{
	return af == AF_INET ? XT_ALIGN(sizeof(struct ipt_entry)) :
			       XT_ALIGN(sizeof(struct ip6t_entry));
}

static void entry_set_offsets(int af, void *entry, size_t target_off, size_t next_off)
{
	if (af == AF_INET) {
		struct ipt_entry *e = entry;

		e->target_offset = (uint16_t)target_off;
		e->next_offset = (uint16_t)next_off;
	} else {
		struct ip6t_entry *e = entry;

		e->target_offset = (uint16_t)target_off;
		e->next_offset = (uint16_t)next_off;
	}
}

/* -p PROTO -m PROTO --dport/--sport P -j CT --notrack (CT revision 2) */
static void *build_notrack_entry(int af, const struct cta_notrack_port *p, bool sport, int *err)
{
	size_t hdr = entry_hdr_size(af);
	bool tcp = streq(p->proto, "tcp");
	size_t msize = XT_ALIGN(sizeof(struct xt_entry_match) +
				(tcp ? sizeof(struct xt_tcp) : sizeof(struct xt_udp)));
	size_t tsize =
		XT_ALIGN(sizeof(struct xt_entry_target) + sizeof(struct xt_ct_target_info_v1));
	struct xt_entry_match *m;
	struct xt_entry_target *t;
	struct xt_ct_target_info_v1 *ct;
	uint16_t lo, hi, any[2] = { 0, 0xFFFF };
	struct cta_port_range pr;
	uint8_t *buf;

	*err = cta_notrack_port_range(p, &pr);
	if (*err < 0)
		return NULL;
	lo = pr.lo;
	hi = pr.hi;
	buf = calloc(1, hdr + msize + tsize);
	if (!buf) {
		*err = -ENOMEM;
		return NULL;
	}
	if (af == AF_INET) {
		((struct ipt_entry *)buf)->ip.proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;
	} else {
		((struct ip6t_entry *)buf)->ipv6.proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;
		((struct ip6t_entry *)buf)->ipv6.flags = IP6T_F_PROTO;
	}
	entry_set_offsets(af, buf, hdr + msize, hdr + msize + tsize);
	m = (struct xt_entry_match *)(buf + hdr);
	m->u.user.match_size = (uint16_t)msize;
	memcpy(m->u.user.name, p->proto, strlen(p->proto));
	if (tcp) {
		struct xt_tcp *x = (struct xt_tcp *)m->data;

		memcpy(x->spts, sport ? (uint16_t[2]){ lo, hi } : any, sizeof(x->spts));
		memcpy(x->dpts, sport ? any : (uint16_t[2]){ lo, hi }, sizeof(x->dpts));
	} else {
		struct xt_udp *x = (struct xt_udp *)m->data;

		memcpy(x->spts, sport ? (uint16_t[2]){ lo, hi } : any, sizeof(x->spts));
		memcpy(x->dpts, sport ? any : (uint16_t[2]){ lo, hi }, sizeof(x->dpts));
	}
	t = (struct xt_entry_target *)(buf + hdr + msize);
	t->u.user.target_size = (uint16_t)tsize;
	memcpy(t->u.user.name, "CT", 2);
	t->u.user.revision = 2;
	ct = (struct xt_ct_target_info_v1 *)t->data;
	ct->flags = XT_CT_NOTRACK;
	return buf;
}

/* -j CHAIN: libiptc maps a target named after an existing chain to a jump */
static void *build_jump_entry(int af, const char *chain)
{
	size_t hdr = entry_hdr_size(af);
	size_t tsize = XT_ALIGN(sizeof(struct xt_standard_target));
	uint8_t *buf = calloc(1, hdr + tsize);
	struct xt_entry_target *t;

	if (!buf)
		return NULL;
	entry_set_offsets(af, buf, hdr, hdr + tsize);
	t = (struct xt_entry_target *)(buf + hdr);
	t->u.user.target_size = (uint16_t)tsize;
	memcpy(t->u.user.name, chain, strlen(chain));
	return buf;
}

static int iptc_err(void)
{
	return cta_negerrno();
}

/* Drop ctaudit's jumps from @builtin and its own chain @ours. */
static int remove_ours(const struct iptc_ops *o, struct xtc_handle *h, const char *builtin,
		       const char *ours)
{
	unsigned idx = 0, found[64], n_found = 0;

	if (!o->is_chain(ours, h))
		return 0;
	if (o->is_chain(builtin, h))
		for (const void *e = o->first_rule(builtin, h); e; e = o->next_rule(e, h), idx++) {
			const char *label = o->get_target(e, h);

			if (label && streq(label, ours) && n_found < ELEMENTSOF(found))
				found[n_found++] = idx;
		}
	while (n_found > 0)
		if (!o->delete_num_entry(builtin, found[--n_found], h))
			return iptc_err();
	if (!o->flush_entries(ours, h) || !o->delete_chain(ours, h))
		return iptc_err();
	return 0;
}

static bool table_listed(int af, const char *table)
{
	_cleanup_free_ char *names = NULL;
	char *save = NULL;

	if (cta_read_file(af == AF_INET ? "/proc/net/ip_tables_names" :
					  "/proc/net/ip6_tables_names",
			  0, &names) < 0)
		return false;
	for (char *tok = strtok_r(names, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save))
		if (streq(cta_collapse_ws(tok), table))
			return true;
	return false;
}

int cta_iptc_set_notrack(int family, const struct cta_notrack_port *v, size_t n)
{
	const struct iptc_ops *o;
	_cleanup_close_ int lock = -EBADF;
	struct xtc_handle *h = NULL;
	size_t mine = 0;
	int r = 0;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	o = ops_for(family);
	for (size_t i = 0; i < n; i++) {
		if (cta_notrack_port_range(&v[i], NULL) < 0)
			return -EINVAL;
		if (!v[i].family || v[i].family == family)
			mine++;
	}
	lock = xtables_lock(true);
	if (lock < 0)
		return lock;
	/* removing from a raw table that does not exist: nothing to do, and
	 * iptc_init would create it */
	if (mine == 0 && !table_listed(family, "raw"))
		return 0;
	h = o->init("raw");
	if (!h)
		return iptc_err();
	r = remove_ours(o, h, "PREROUTING", CTA_CHAIN_PRE);
	if (r < 0)
		goto out;
	r = remove_ours(o, h, "OUTPUT", CTA_CHAIN_OUT);
	if (r < 0)
		goto out;
	if (mine > 0) {
		static const struct {
			const char *builtin, *ours;
			bool sport;
		} chains[] = { { "PREROUTING", CTA_CHAIN_PRE, false },
			       { "OUTPUT", CTA_CHAIN_OUT, true } };

		for (size_t c = 0; c < ELEMENTSOF(chains); c++) {
			_cleanup_free_ void *jump = NULL;

			if (!o->create_chain(chains[c].ours, h)) {
				r = iptc_err();
				goto out;
			}
			for (size_t i = 0; i < n; i++) {
				_cleanup_free_ void *e = NULL;

				if (v[i].family && v[i].family != family)
					continue;
				e = build_notrack_entry(family, &v[i], chains[c].sport, &r);
				if (!e)
					goto out;
				if (!o->append_entry(chains[c].ours, e, h)) {
					r = iptc_err();
					goto out;
				}
			}
			jump = build_jump_entry(family, chains[c].ours);
			if (!jump) {
				r = -ENOMEM;
				goto out;
			}
			if (!o->insert_entry(chains[c].builtin, jump, 0, h)) {
				r = iptc_err();
				goto out;
			}
		}
	}
	if (!o->commit(h))
		r = iptc_err();
out:
	o->free(h);
	return r;
}
