// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The firewall collector: runs the iptables-legacy and nf_tables readers of
 * src/nf and turns the decoded rules into facts.firewall and
 * facts.helpers.assigned.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "collect/collect.h"
#include "collect/firewall.h"
#include "nf/firewall.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

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

/*
 * A chain is marked before its jumps are followed, so each chain is entered
 * at most once per hook and the recursion ends; its depth is the length of a
 * jump path, which the kernel bounds: nf_tables refuses paths longer than
 * NFT_JUMP_STACK_SIZE (16), x_tables refuses loops, so a path holds each
 * chain at most once.
 */
static void reach(const struct cta_fwtable *t, size_t ci, unsigned bit, struct chain_hooks *h)
{
	const struct cta_fwchain *ch = &t->chains[ci];

	if (h[ci].mask & bit)
		return;
	h[ci].mask |= bit;
	for (size_t i = 0; i < ch->n_rules; i++) {
		const struct cta_fwrule *r = &ch->rules[i];
		const struct cta_fwchain *to;

		for (size_t k = 0; k < r->n_vmap_targets; k++) {
			to = cta_fwtable_find_chain(t, r->vmap_targets[k]);
			if (to)
				reach(t, (size_t)(to - t->chains), bit, h);
		}
		if ((r->verdict != CTA_FW_JUMP && r->verdict != CTA_FW_GOTO) || !r->target)
			continue;
		to = cta_fwtable_find_chain(t, r->target);
		if (to)
			reach(t, (size_t)(to - t->chains), bit, h);
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

/* Present only when decoded, so a reader can tell "not set" from "unknown". */
static int add_nat_flags(json_t *o, const struct cta_fwrule *r)
{
	static const struct {
		unsigned flag;
		const char *field;
	} fields[] = {
		{ CTA_FWNAT_RANDOM, "random" },
		{ CTA_FWNAT_RANDOM_FULLY, "random_fully" },
		{ CTA_FWNAT_PERSISTENT, "persistent" },
	};

	if (!nat_kind(r->verdict) || !r->nat_flags_known)
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(fields); i++)
		if (json_object_set_new(o, fields[i].field,
					json_boolean(r->nat_flags & fields[i].flag)) < 0)
			return -ENOMEM;
	return 0;
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
		k = add_nat_flags(o, r);
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

static const char *filter_verdict(enum cta_fw_verdict v)
{
	switch (v) {
	case CTA_FW_ACCEPT:
		return "accept";
	case CTA_FW_DROP:
		return "drop";
	case CTA_FW_REJECT:
		return "reject";
	case CTA_FW_RETURN:
		return "return";
	case CTA_FW_JUMP:
		return "jump";
	case CTA_FW_GOTO:
		return "goto";
	default:
		return NULL;
	}
}

static int add_strv(json_t *o, const char *key, char *const *v, size_t n)
{
	json_t *a = json_array();

	if (!a || json_object_set_new(o, key, a) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0)
			return -ENOMEM;
	return 0;
}

/* One firewall.filter rule: what decides where a packet goes next (the
 * verdict, its target, whether anything but the verdict is matched, the
 * conntrack states it matches); NULL for a rule that cannot decide. */
static json_t *filter_rule(const struct cta_fwrule *r)
{
	static const struct {
		unsigned bit;
		const char *name;
	} states[] = {
		{ CTA_CT_INVALID, "invalid" },	   { CTA_CT_ESTABLISHED, "established" },
		{ CTA_CT_RELATED, "related" },	   { CTA_CT_NEW, "new" },
		{ CTA_CT_UNTRACKED, "untracked" },
	};
	const char *verdict = filter_verdict(r->verdict);
	_cleanup_json_ json_t *o = NULL;

	if (r->never || (!verdict && r->n_vmap_targets == 0))
		return NULL;
	o = json_object();
	if (!o || json_object_set_new(o, "conditional", json_boolean(!rule_unconditional(r))) < 0)
		return NULL;
	if (verdict && json_set_str(o, "verdict", verdict) < 0)
		return NULL;
	if ((r->verdict == CTA_FW_JUMP || r->verdict == CTA_FW_GOTO) &&
	    json_set_str(o, "target", r->target) < 0)
		return NULL;
	if (r->n_vmap_targets && add_strv(o, "vmap", r->vmap_targets, r->n_vmap_targets) < 0)
		return NULL;
	if (r->has_ctstate) {
		json_t *a = json_array();

		if (!a || json_object_set_new(o, "ctstate", a) < 0)
			return NULL;
		for (size_t i = 0; i < ELEMENTSOF(states); i++)
			if ((r->ctstate & states[i].bit) &&
			    json_array_append_new(a, json_string(states[i].name)) < 0)
				return NULL;
		if ((r->neg & CTA_FWNEG_CTSTATE) &&
		    json_object_set_new(o, "ctstate_negated", json_true()) < 0)
			return NULL;
	}
	return TAKE_PTR(o);
}

/*
 * firewall.filter: the chains that see packets at hook input or forward,
 * with the rules that can decide a packet's fate.  policy/derive-fw.c
 * computes firewall.stateful_filter_drops_untracked from them.
 */
static int emit_filter(json_t *list, const struct cta_fwtable *t, const struct chain_hooks *h)
{
	const unsigned in_fwd = (1u << hook_rank("input")) | (1u << hook_rank("forward"));

	for (size_t j = 0; j < t->n_chains; j++) {
		const struct cta_fwchain *ch = &t->chains[j];
		const char *policy = !ch->hook			 ? NULL :
				     ch->policy == CTA_FW_DROP	 ? "drop" :
				     ch->policy == CTA_FW_ACCEPT ? "accept" :
								   NULL;
		json_t *o, *rules;

		if (!(h[j].mask & in_fwd))
			continue;
		o = json_object();
		rules = json_array();
		if (!o || json_array_append_new(list, o) < 0 || !rules ||
		    json_object_set_new(o, "rules", rules) < 0)
			return -ENOMEM;
		if (json_set_str(o, "family", t->family) < 0 ||
		    json_set_str(o, "table", t->name) < 0 ||
		    json_set_str(o, "source", t->source) < 0 ||
		    json_set_str(o, "chain", ch->name) < 0 ||
		    json_set_str(o, "hook", ch->hook) < 0 ||
		    json_set_str(o, "type", ch->type) < 0 || json_set_str(o, "policy", policy) < 0)
			return -ENOMEM;
		for (size_t k = 0; k < ch->n_rules; k++) {
			const struct cta_fwrule *r = &ch->rules[k];
			json_t *jr;

			if (r->never || (!filter_verdict(r->verdict) && r->n_vmap_targets == 0))
				continue;
			jr = filter_rule(r);
			if (!jr || json_array_append_new(rules, jr) < 0)
				return -ENOMEM;
		}
	}
	return 0;
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
	json_t *notrack, *nat, *assigned, *filter;

	if (!fw || !helpers)
		return -ENOMEM;
	notrack = array_child(fw, "notrack");
	nat = array_child(fw, "nat");
	assigned = array_child(helpers, "assigned");
	filter = array_child(fw, "filter");
	if (!notrack || !nat || !assigned || !filter)
		return -ENOMEM;

	for (size_t i = 0; i < s->n_tables; i++) {
		const struct cta_fwtable *t = &s->tables[i];
		_cleanup_free_ struct chain_hooks *h = calloc(MAX(t->n_chains, 1), sizeof(*h));

		if (!h)
			return -ENOMEM;
		for (size_t j = 0; j < t->n_chains; j++) {
			int rank = t->chains[j].hook ? hook_rank(t->chains[j].hook) : -1;

			if (rank >= 0 && rank < (int)ELEMENTSOF(hook_order))
				reach(t, j, 1u << rank, h);
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
		if (emit_filter(filter, t, h) < 0)
			return -ENOMEM;
	}
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
	    !array_child(fw, "nat") || !array_child(fw, "filter") ||
	    !array_child(helpers, "assigned"))
		return -ENOMEM;
	r = sort_dedup(json_object_get(fw, "backends"));
	r = r ?: sort_dedup(json_object_get(fw, "notrack"));
	r = r ?: sort_dedup(json_object_get(fw, "nat"));
	r = r ?: sort_dedup(json_object_get(fw, "filter"));
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
		return cta_collect_unavailable_needs(
			c, af == AF_INET ? "firewall.iptables-legacy" : "firewall.ip6tables-legacy",
			r, "CAP_NET_ADMIN, and CAP_DAC_READ_SEARCH for /run/xtables.lock");
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
		return cta_collect_unavailable_needs(c, "firewall.nf_tables", r, "CAP_NET_ADMIN");
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
	/* A filter we could not read may drop UNTRACKED: unknown, not false
	 * (without firewall.filter nothing derives the fact).
	 * And when no backend could be read at all, empty rule lists would claim
	 * "no NOTRACK, no NAT": leave them out. */
	if (firewall_partly_unavailable(c->facts)) {
		json_t *fw = json_object_get(c->facts, "firewall");

		(void)json_object_del(fw, "filter");
		if (json_array_size(json_object_get(fw, "backends")) == 0) {
			(void)json_object_del(fw, "backends");
			(void)json_object_del(fw, "notrack");
			(void)json_object_del(fw, "nat");
			(void)json_object_del(json_object_get(c->facts, "helpers"), "assigned");
		}
	}
	return 0;
}
