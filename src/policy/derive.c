// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Derived facts (derive.h): the NAT/NOTRACK overlap, the ports NOTRACK rules
 * cover, and the drift lists.  These are algorithms, not judgements, so they
 * are written once here and unit-tested, and the policies only judge them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "policy/derive.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/ports.h"
#include "util/banned.h"

/* ---- rule fields ----------------------------------------------------------- */

static bool negated(json_t *entry, const char *field)
{
	json_t *neg = json_object_get(entry, "negated"), *x;
	size_t i;

	json_array_foreach(neg, i, x)
		if (json_is_string(x) && streq(json_string_value(x), field))
			return true;
	return false;
}

enum { PORT_ANY, PORT_RANGE, PORT_BAD };

/* A port field of a firewall entry: absent or negated matches any port (as
 * far as overlap goes); a negated list is one comma-joined string. */
static int port_field(json_t *entry, const char *field, struct cta_port_range *ret)
{
	json_t *v = json_object_get(entry, field);

	if (!v)
		return PORT_ANY;
	if (negated(entry, field))
		return PORT_ANY;
	if (json_is_integer(v)) {
		json_int_t p = json_integer_value(v);

		if (p < 0 || p > 65535)
			return PORT_BAD;
		*ret = (struct cta_port_range){ (uint16_t)p, (uint16_t)p };
		return PORT_RANGE;
	}
	if (!json_is_string(v) || cta_port_range_parse(json_string_value(v), 0, ret) < 0)
		return PORT_BAD;
	return PORT_RANGE;
}

/*
 * The port part of a NAT `to` (docs/facts.md): "10.0.0.10:443",
 * "[fd00::10]:443", "8080", "1024-2000"; "1.2.3.4-1.2.3.8" and a bare IPv6
 * address have none.
 */
static bool to_port(json_t *entry, struct cta_port_range *ret)
{
	const char *s = json_string_value(json_object_get(entry, "to")), *c;

	if (!s)
		return false;
	if (s[0] == '[') {
		c = strstr(s, "]:");
		return c && cta_port_range_parse(c + 2, 0, ret) >= 0;
	}
	c = strchr(s, ':');
	if (c && strchr(c + 1, ':'))
		return false; /* an unbracketed IPv6 address */
	if (strchr(s, '.'))
		return c && cta_port_range_parse(c + 1, 0, ret) >= 0;
	return cta_port_range_parse(s, 0, ret) >= 0;
}

enum { FAM_ANY, FAM_4, FAM_6, FAM_OTHER, _FAM_MAX };
enum {
	PROTO_ANY,
	PROTO_TCP,
	PROTO_UDP,
	PROTO_SCTP,
	PROTO_DCCP,
	PROTO_UDPLITE,
	PROTO_OTHER,
	_PROTO_MAX
};
enum { HOOK_ANY, HOOK_PRE, HOOK_IN, HOOK_FWD, HOOK_OUT, HOOK_POST, HOOK_OTHER, _HOOK_MAX };
enum { DIR_ORIGINAL, DIR_REPLY, _DIR_MAX };

static int lookup(json_t *entry, const char *field, const char *const *names, int n, int other)
{
	const char *s = json_string_value(json_object_get(entry, field));

	if (!json_object_get(entry, field))
		return 0;
	for (int i = 0; s && i < n; i++)
		if (names[i] && streq(names[i], s))
			return i;
	return other;
}

static int fam_of(json_t *e)
{
	static const char *const n[] = { "inet", "ipv4", "ipv6" };
	const char *s = json_string_value(json_object_get(e, "family"));

	/* legacy entries say ipv4/ipv6, nft tables ip/ip6 */
	if (s && streq(s, "ip"))
		return FAM_4;
	if (s && streq(s, "ip6"))
		return FAM_6;
	return lookup(e, "family", n, ELEMENTSOF(n), FAM_OTHER);
}

static int proto_of(json_t *e)
{
	static const char *const n[] = { NULL, "tcp", "udp", "sctp", "dccp", "udplite" };

	return lookup(e, "proto", n, ELEMENTSOF(n), PROTO_OTHER);
}

static int hook_of(json_t *e)
{
	static const char *const n[] = { NULL,	    "prerouting", "input",
					 "forward", "output",	  "postrouting" };

	return lookup(e, "hook", n, ELEMENTSOF(n), HOOK_OTHER);
}

static bool compat(int a, int b)
{
	return a == 0 || b == 0 || a == b;
}

/* ---- NAT/NOTRACK overlap: an interval index per (direction, family, proto, hook) ---- */

struct ival {
	int key;
	struct cta_port_range r;
	size_t idx; /* in firewall.nat */
};

struct index {
	struct ival *v;
	size_t n;
	uint16_t *maxhi; /* running maximum of hi within the key's run */
	size_t *argmax;
};

static int key_of(int dir, int fam, int proto, int hook)
{
	return ((dir * _FAM_MAX + fam) * _PROTO_MAX + proto) * _HOOK_MAX + hook;
}

static int ival_cmp(const void *a, const void *b)
{
	const struct ival *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return cta_port_range_cmp(&x->r, &y->r);
}

static void index_done(struct index *ix)
{
	free(ix->v);
	free(ix->maxhi);
	free(ix->argmax);
}

static int index_build(json_t *nat, struct index *ix)
{
	static const struct cta_port_range all = { 0, 65535 };
	size_t i, cap = 2 * json_array_size(nat) + 1;
	json_t *m;

	ix->v = calloc(cap, sizeof(*ix->v));
	ix->maxhi = calloc(cap, sizeof(*ix->maxhi));
	ix->argmax = calloc(cap, sizeof(*ix->argmax));
	if (!ix->v || !ix->maxhi || !ix->argmax)
		return -ENOMEM;
	json_array_foreach(nat, i, m) {
		const char *kind = json_string_value(json_object_get(m, "kind"));
		bool dnat = kind && (streq(kind, "dnat") || streq(kind, "redirect"));
		int fam = fam_of(m), proto = proto_of(m);
		struct cta_port_range r = all, to;

		if (!json_is_object(m))
			continue;
		if (port_field(m, "dport", &r) == PORT_BAD)
			r = all;
		/* SNAT/MASQUERADE without a port: the facts cannot tell forwarded
		 * from local traffic, so they are not matched */
		if (dnat || json_object_get(m, "dport"))
			ix->v[ix->n++] = (struct ival){
				key_of(DIR_ORIGINAL, fam, proto, dnat ? hook_of(m) : HOOK_ANY), r, i
			};
		/* replies leave from the port the connection was translated to
		 * (or the matched one when the port is kept), in whichever raw
		 * hook they traverse */
		if (dnat)
			ix->v[ix->n++] = (struct ival){ key_of(DIR_REPLY, fam, proto, HOOK_ANY),
							to_port(m, &to) ? to : r, i };
	}
	qsort(ix->v, ix->n, sizeof(*ix->v), ival_cmp);
	for (i = 0; i < ix->n; i++) {
		bool first = i == 0 || ix->v[i - 1].key != ix->v[i].key;

		if (first || ix->v[i].r.hi > ix->maxhi[i - 1]) {
			ix->maxhi[i] = ix->v[i].r.hi;
			ix->argmax[i] = ix->v[i].idx;
		} else {
			ix->maxhi[i] = ix->maxhi[i - 1];
			ix->argmax[i] = ix->argmax[i - 1];
		}
	}
	return 0;
}

/* Among the intervals of @key with lo <= r->hi, the one reaching furthest
 * overlaps @r if any does. */
static bool index_query(const struct index *ix, int key, const struct cta_port_range *r,
			size_t *ret_idx)
{
	size_t lo = 0, hi = ix->n;

	/* first position past (key, lo <= r->hi) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ival *v = &ix->v[mid];

		if (v->key < key || (v->key == key && v->r.lo <= r->hi))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || ix->v[lo - 1].key != key || ix->maxhi[lo - 1] < r->lo)
		return false;
	*ret_idx = ix->argmax[lo - 1];
	return true;
}

static bool find_conflict(const struct index *ix, json_t *n, int dir,
			  const struct cta_port_range *r, size_t *ret_idx)
{
	int fam = fam_of(n), proto = proto_of(n), hook = hook_of(n);
	bool found = false;
	size_t best = 0, idx;

	for (int f = 0; f < _FAM_MAX; f++)
		for (int p = 0; p < _PROTO_MAX; p++)
			for (int h = 0; h < _HOOK_MAX; h++) {
				if (!compat(f, fam) || !compat(p, proto) || !compat(h, hook))
					continue;
				if (index_query(ix, key_of(dir, f, p, h), r, &idx) &&
				    (!found || idx < best)) {
					best = idx;
					found = true;
				}
			}
	*ret_idx = best;
	return found;
}

static int nat_conflicts(json_t *notrack, json_t *nat, json_t **ret)
{
	static const struct cta_port_range all = { 0, 65535 };
	struct index ix = { 0 };
	_cleanup_json_ json_t *out = json_array();
	json_t *n;
	size_t i;
	int r;

	if (!out)
		return -ENOMEM;
	r = index_build(nat, &ix);
	if (r < 0)
		goto finish;
	json_array_foreach(notrack, i, n) {
		struct cta_port_range d = all, s = all;
		int pd = port_field(n, "dport", &d), ps = port_field(n, "sport", &s);
		const char *dir = NULL;
		size_t idx = 0;

		if (!json_is_object(n))
			continue;
		if (pd == PORT_BAD)
			d = all;
		if (ps == PORT_BAD)
			s = all;
		/* a rule without a source port matches replies only by the
		 * client's port, which says nothing about the service; one with
		 * a source port is about replies first */
		if (json_object_get(n, "sport") && find_conflict(&ix, n, DIR_REPLY, &s, &idx))
			dir = "reply";
		else if (find_conflict(&ix, n, DIR_ORIGINAL, &d, &idx))
			dir = "original";
		if (!dir)
			continue;
		if (json_array_append_new(out, json_pack("{s:O, s:O, s:s}", "notrack", n, "nat",
							 json_array_get(nat, idx), "direction",
							 dir)) < 0) {
			r = -ENOMEM;
			goto finish;
		}
	}
	*ret = TAKE_PTR(out);
	r = 0;
finish:
	index_done(&ix);
	return r;
}

/* ---- ports NOTRACK rules cover --------------------------------------------- */

static int range_cmp(const void *a, const void *b)
{
	return cta_port_range_cmp(a, b);
}

/* Does @n exempt every incoming packet to its ports?  An address, interface
 * or source-port match, or any negation, restricts it to some of them. */
static bool unrestricted(json_t *n)
{
	static const char *const narrowing[] = { "saddr", "daddr", "iif", "oif", "sport" };
	int fam = fam_of(n), hook = hook_of(n);

	for (size_t i = 0; i < ELEMENTSOF(narrowing); i++)
		if (json_object_get(n, narrowing[i]))
			return false;
	if (json_array_size(json_object_get(n, "negated")) > 0)
		return false;
	return fam != FAM_OTHER && (hook == HOOK_ANY || hook == HOOK_PRE);
}

/* @fam FAM_ANY: a rule of any family counts; FAM_4/FAM_6: only rules that
 * see that family's packets (its own, or inet/no family) */
static int covered_for(json_t *notrack, int proto, int fam, json_t **ret)
{
	_cleanup_free_ struct cta_port_range *v = calloc(json_array_size(notrack) + 1, sizeof(*v));
	_cleanup_json_ json_t *out = json_array();
	size_t i, n = 0;
	json_t *x;

	if (!v || !out)
		return -ENOMEM;
	json_array_foreach(notrack, i, x) {
		struct cta_port_range r = { 0, 65535 };
		int p = proto_of(x);

		if (!json_is_object(x) || !unrestricted(x) || (p != PROTO_ANY && p != proto))
			continue;
		if (fam != FAM_ANY && fam_of(x) != FAM_ANY && fam_of(x) != fam)
			continue;
		if (port_field(x, "dport", &r) == PORT_BAD)
			continue;
		v[n++] = r;
	}
	qsort(v, n, sizeof(*v), range_cmp);
	for (i = 0; i < n;) {
		struct cta_port_range m = v[i];
		char buf[CTA_PORT_RANGE_STRLEN];

		for (i++; i < n && v[i].lo <= (uint32_t)m.hi + 1; i++)
			if (v[i].hi > m.hi)
				m.hi = v[i].hi;
		if (json_array_append_new(out, json_string(cta_port_range_format(&m, buf))) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

static int covered_by_proto(json_t *notrack, int fam, json_t **ret)
{
	static const struct {
		const char *name;
		int proto;
	} protos[] = { { "tcp", PROTO_TCP }, { "udp", PROTO_UDP } };
	_cleanup_json_ json_t *out = json_object();

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(protos); i++) {
		json_t *l = NULL;
		int r = covered_for(notrack, protos[i].proto, fam, &l);

		if (r < 0)
			return r;
		if (json_object_set_new(out, protos[i].name, l) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* {"tcp": [...], "udp": [...], "ipv4": {"tcp", "udp"}, "ipv6": {...}}: the
 * top-level lists count a rule of either family; an IPv4-only rule leaves a
 * dual-stack listener's IPv6 packets tracked, hence the per-family lists. */
static int notrack_covered(json_t *notrack, json_t **ret)
{
	static const struct {
		const char *name;
		int fam;
	} fams[] = { { "ipv4", FAM_4 }, { "ipv6", FAM_6 } };
	_cleanup_json_ json_t *out = NULL;
	int r = covered_by_proto(notrack, FAM_ANY, &out);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(fams); i++) {
		json_t *o = NULL;

		r = covered_by_proto(notrack, fams[i].fam, &o);
		if (r < 0)
			return r;
		if (json_object_set_new(out, fams[i].name, o) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* ---- drift ------------------------------------------------------------------ */

/* sysctl values compare as whitespace-separated fields ("32768\t60999" is
 * "32768 60999"), the way the kernel parses vectors. */
static bool same_value(json_t *a, json_t *b)
{
	const char *x, *y;

	if (json_is_integer(a) && json_is_integer(b))
		return json_integer_value(a) == json_integer_value(b);
	if (!json_is_string(a) || !json_is_string(b))
		return json_equal(a, b);
	x = json_string_value(a);
	y = json_string_value(b);
	for (;;) {
		size_t lx, ly;

		x += strspn(x, " \t\n");
		y += strspn(y, " \t\n");
		lx = strcspn(x, " \t\n");
		ly = strcspn(y, " \t\n");
		if (lx != ly || memcmp(x, y, lx) != 0)
			return false;
		if (lx == 0)
			return true;
		x += lx;
		y += ly;
	}
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int drift(json_t *persisted, json_t *sysctl, bool overridden, json_t **ret)
{
	_cleanup_free_ const char **keys = calloc(json_object_size(persisted) + 1, sizeof(*keys));
	_cleanup_json_ json_t *out = json_array();
	const char *k;
	json_t *v;
	size_t n = 0;

	if (!keys || !out)
		return -ENOMEM;
	json_object_foreach(persisted, k, v)
		keys[n++] = k;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < n; i++) {
		json_t *p = json_object_get(persisted, keys[i]);
		json_t *val = json_object_get(p, "value"), *o;
		bool hit = false;
		size_t j;

		if (overridden) {
			json_array_foreach(json_object_get(p, "overridden"), j, o)
				hit |= !same_value(json_object_get(o, "value"), val);
		} else {
			json_t *now = json_object_get(sysctl, keys[i]);

			hit = now && !same_value(val, now);
		}
		if (hit && json_array_append_new(out, json_string(keys[i])) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* ---- TIME_WAIT by remote port ----------------------------------------------- */

struct port_count {
	long port;
	json_int_t count;
};

static int port_count_cmp(const void *a, const void *b)
{
	const struct port_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->port > y->port) - (x->port < y->port);
}

/* The port of "10.0.0.5:5432" or "[fd00::5]:5432"; -1 if none. */
static long peer_port(const char *peer)
{
	const char *c = peer ? strrchr(peer, ':') : NULL;
	struct cta_port_range r;

	if (!c || cta_port_range_parse(c + 1, CTA_PORT_NO_RANGE, &r) < 0)
		return -1;
	return r.lo;
}

static int tw_by_port(json_t *top, json_t **ret)
{
	_cleanup_free_ struct port_count *v = calloc(json_array_size(top) + 1, sizeof(*v));
	_cleanup_json_ json_t *out = json_array();
	size_t i, n = 0;
	json_t *x;

	if (!v || !out)
		return -ENOMEM;
	json_array_foreach(top, i, x) {
		long port = peer_port(json_string_value(json_object_get(x, "peer")));
		json_int_t cnt = json_integer_value(json_object_get(x, "count"));
		size_t k;

		if (port < 0 || cnt <= 0)
			continue;
		for (k = 0; k < n && v[k].port != port; k++)
			;
		if (k == n)
			v[n++] = (struct port_count){ port, 0 };
		v[k].count += cnt;
	}
	qsort(v, n, sizeof(*v), port_count_cmp);
	for (i = 0; i < n; i++)
		if (json_array_append_new(out, json_pack("{s:i, s:I}", "port", (int)v[i].port,
							 "count", v[i].count)) < 0)
			return -ENOMEM;
	*ret = TAKE_PTR(out);
	return 0;
}

/* ---- entry points ----------------------------------------------------------- */

int cta_derive(json_t *facts, json_t **ret)
{
	_cleanup_json_ json_t *out = json_object();
	json_t *notrack = cta_json_path(facts, "firewall.notrack");
	json_t *nat = cta_json_path(facts, "firewall.nat");
	json_t *persisted = json_object_get(facts, "persisted");
	json_t *sysctl = json_object_get(facts, "sysctl");
	json_t *tw = cta_json_path(facts, "sockets.time_wait_top");
	struct {
		const char *name;
		bool have;
		json_t *v;
	} d[] = {
		{ "notrack_nat_conflicts", json_is_array(notrack) && json_is_array(nat), NULL },
		{ "notrack_covered", json_is_array(notrack), NULL },
		{ "drift_runtime", json_is_object(persisted) && json_is_object(sysctl), NULL },
		{ "drift_overridden", json_is_object(persisted), NULL },
		{ "time_wait_by_port", json_is_array(tw), NULL },
	};
	int r = 0;

	if (!out)
		return -ENOMEM;
	if (d[0].have)
		r = nat_conflicts(notrack, nat, &d[0].v);
	if (r >= 0 && d[1].have)
		r = notrack_covered(notrack, &d[1].v);
	if (r >= 0 && d[2].have)
		r = drift(persisted, sysctl, false, &d[2].v);
	if (r >= 0 && d[3].have)
		r = drift(persisted, NULL, true, &d[3].v);
	if (r >= 0 && d[4].have)
		r = tw_by_port(tw, &d[4].v);
	for (size_t i = 0; i < ELEMENTSOF(d); i++) {
		if (r >= 0 && d[i].v && json_object_set(out, d[i].name, d[i].v) < 0)
			r = -ENOMEM;
		json_decref(d[i].v);
	}
	if (r < 0)
		return r;
	*ret = TAKE_PTR(out);
	return 0;
}

int cta_derive_facts(json_t *facts, json_t **ret)
{
	_cleanup_json_ json_t *copy = json_is_object(facts) ? json_copy(facts) : json_object();
	json_t *d = NULL;
	int r;

	if (!copy)
		return -ENOMEM;
	/* later derivations (derive-fw.h) set members of firewall: not in the
	 * caller's snapshot */
	if (json_is_object(json_object_get(copy, "firewall")) &&
	    json_object_set_new(copy, "firewall", json_copy(json_object_get(copy, "firewall"))) < 0)
		return -ENOMEM;
	r = cta_derive(copy, &d);
	if (r < 0)
		return r;
	if (json_object_set_new(copy, "derived", d) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(copy);
	return 0;
}
