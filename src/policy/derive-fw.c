// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * firewall.stateful_filter_drops_untracked from facts.firewall.filter: a
 * pure walk over the recorded filter chains (see derive-fw.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "policy/derive-fw.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

/*
 * How deep jumps may nest.  nf_tables refuses a rule set in which a base
 * chain reaches a chain more than NFT_JUMP_STACK_SIZE (16,
 * include/net/netfilter/nf_tables.h) jumps away (nft_chain_validate:
 * -EMLINK), so a deeper path cannot come from a live nf_tables dump.
 * x_tables has no such constant: its jump stack holds one slot per user
 * chain (xt_alloc_jumpstacks, stacksize counted in translate_table), and
 * loops are refused (mark_source_chains), so a path is at most as long as the
 * table has chains; a chain already on the path is never entered again here
 * either.  CTA_DERIVE_FW_DEPTH_GUARD bounds the recursion for snapshots that
 * are not a kernel's (a loaded --facts file may be crafted); a chain beyond
 * any of these limits counts as falling through, as a chain we cannot follow.
 */
#define NFT_JUMP_STACK_SIZE 16
#define CTA_DERIVE_FW_DEPTH_GUARD 4096

enum walk_result { WALK_FALL, WALK_ACCEPT, WALK_DROP };

enum {
	SEEN_EST = 1 << 0, /* ESTABLISHED or RELATED accepted on the way */
	SEEN_UNTRACKED = 1 << 1, /* UNTRACKED accepted on the way */
};

struct chain {
	const char *source, *family, *table, *name;
	const char *hook, *type, *policy; /* NULL when absent */
	const json_t *rules;
	/* memo: a chain's walk does not depend on how it was reached */
	enum { NEW, ON_PATH, DONE } state;
	enum walk_result result;
	unsigned seen;
};

struct ctx {
	struct chain *v; /* sorted by (source, family, table, name) */
	size_t n;
};

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int chain_cmp(const struct chain *a, const struct chain *b)
{
	int c = strcmp(a->source, b->source);

	c = c ?: strcmp(a->family, b->family);
	c = c ?: strcmp(a->table, b->table);
	return c ?: strcmp(a->name, b->name);
}

static int chain_qsort_cmp(const void *a, const void *b)
{
	return chain_cmp(a, b);
}

static struct chain *find_chain(struct ctx *x, const struct chain *from, const char *name)
{
	struct chain key = {
		.source = from->source, .family = from->family, .table = from->table, .name = name
	};

	if (!name)
		return NULL;
	return bsearch(&key, x->v, x->n, sizeof(*x->v), chain_qsort_cmp);
}

static bool is_nft(const struct chain *c)
{
	return !streq(c->source, "iptables-legacy");
}

static bool has_state(const json_t *states, const char *name)
{
	const json_t *s;
	size_t i;

	json_array_foreach(states, i, s)
		if (json_is_string(s) && streq(json_string_value(s), name))
			return true;
	return false;
}

static enum walk_result walk(struct ctx *x, struct chain *ch, unsigned depth, unsigned *seen);

static enum walk_result walk_to(struct ctx *x, const struct chain *from, const char *name,
				unsigned depth, unsigned *seen)
{
	struct chain *to = find_chain(x, from, name);

	if (!to || to->state == ON_PATH)
		return WALK_FALL;
	if (depth > (is_nft(to) ? NFT_JUMP_STACK_SIZE : MIN(x->n, CTA_DERIVE_FW_DEPTH_GUARD)))
		return WALK_FALL;
	return walk(x, to, depth, seen);
}

/* Follow a chain in order, as a packet with an unknown state would. */
static enum walk_result walk_rules(struct ctx *x, struct chain *ch, unsigned depth, unsigned *seen)
{
	const json_t *r, *t;
	size_t i, k;

	json_array_foreach(ch->rules, i, r) {
		const char *verdict = str(r, "verdict");
		/* a rule that does not say it is unconditional is conditional */
		bool uncond = json_is_false(json_object_get(r, "conditional"));
		const json_t *states = json_object_get(r, "ctstate");
		enum walk_result w;

		/* a verdict map jumps conditionally: what its chains accept
		 * counts, how they end does not */
		json_array_foreach(json_object_get(r, "vmap"), k, t)
			(void)walk_to(x, ch, json_string_value(t), depth + 1, seen);
		if (!verdict)
			continue;
		if (streq(verdict, "accept")) {
			if (uncond)
				return WALK_ACCEPT;
			if (json_is_array(states) &&
			    !json_is_true(json_object_get(r, "ctstate_negated"))) {
				if (has_state(states, "untracked"))
					*seen |= SEEN_UNTRACKED;
				if (has_state(states, "established") ||
				    has_state(states, "related"))
					*seen |= SEEN_EST;
			}
		} else if (streq(verdict, "drop") || streq(verdict, "reject")) {
			if (uncond)
				return WALK_DROP;
		} else if (streq(verdict, "return")) {
			if (uncond)
				return WALK_FALL;
		} else if (streq(verdict, "jump") || streq(verdict, "goto")) {
			w = walk_to(x, ch, str(r, "target"), depth + 1, seen);
			if (w != WALK_FALL && uncond)
				return w;
			if (streq(verdict, "goto") && uncond)
				return WALK_FALL;
		}
	}
	return WALK_FALL;
}

static enum walk_result walk(struct ctx *x, struct chain *ch, unsigned depth, unsigned *seen)
{
	if (ch->state == NEW) {
		ch->state = ON_PATH;
		ch->seen = 0;
		ch->result = walk_rules(x, ch, depth, &ch->seen);
		ch->state = DONE;
	}
	*seen |= ch->seen;
	return ch->result;
}

static bool is_stateful_base(const struct chain *c)
{
	if (!c->hook || (!streq(c->hook, "input") && !streq(c->hook, "forward")))
		return false;
	return is_nft(c) ? c->type && streq(c->type, "filter") : streq(c->table, "filter");
}

/* The families whose packets a chain of @family sees: an inet table both; a
 * bridge, netdev or arp table both as well, so as not to lose an alarm for
 * bridged IP traffic. */
static unsigned family_mask(const char *family)
{
	if (streq(family, "ipv4") || streq(family, "ip"))
		return CTA_DERIVE_FW_IPV4;
	if (streq(family, "ipv6") || streq(family, "ip6"))
		return CTA_DERIVE_FW_IPV6;
	return CTA_DERIVE_FW_IPV4 | CTA_DERIVE_FW_IPV6;
}

int cta_derive_fw_drops_untracked_families(const json_t *filter, unsigned *ret_mask)
{
	_cleanup_free_ struct chain *v = NULL;
	struct ctx x = { 0 };
	const json_t *e;
	unsigned mask = 0;
	size_t i;

	if (!json_is_array(filter))
		return -EINVAL;
	v = calloc(json_array_size(filter) + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	json_array_foreach(filter, i, e) {
		struct chain c = {
			.source = str(e, "source"),
			.family = str(e, "family"),
			.table = str(e, "table"),
			.name = str(e, "chain"),
			.hook = str(e, "hook"),
			.type = str(e, "type"),
			.policy = str(e, "policy"),
			.rules = json_object_get(e, "rules"),
		};

		if (!c.source || !c.family || !c.table || !c.name || !json_is_array(c.rules))
			continue;
		v[x.n++] = c;
	}
	qsort(v, x.n, sizeof(*v), chain_qsort_cmp);
	x.v = v;
	for (i = 0; i < x.n; i++) {
		unsigned seen = 0;
		enum walk_result w;

		if (!is_stateful_base(&v[i]) || v[i].state == ON_PATH)
			continue;
		w = walk(&x, &v[i], 0, &seen);
		if (w == WALK_FALL && v[i].policy && streq(v[i].policy, "drop"))
			w = WALK_DROP;
		if (w == WALK_DROP && (seen & SEEN_EST) && !(seen & SEEN_UNTRACKED))
			mask |= family_mask(v[i].family);
	}
	*ret_mask = mask;
	return 0;
}

int cta_derive_fw_drops_untracked(const json_t *filter)
{
	unsigned mask = 0;
	int r = cta_derive_fw_drops_untracked_families(filter, &mask);

	return r < 0 ? r : mask != 0;
}

int cta_derive_fw(json_t *facts)
{
	json_t *fw = json_object_get(facts, "firewall");
	_cleanup_json_ json_t *in = NULL;
	unsigned mask = 0;
	int r = cta_derive_fw_drops_untracked_families(json_object_get(fw, "filter"), &mask);

	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0; /* nothing recorded: keep what the snapshot says */
	in = json_array();
	if (!in ||
	    ((mask & CTA_DERIVE_FW_IPV4) && json_array_append_new(in, json_string("ipv4")) < 0) ||
	    ((mask & CTA_DERIVE_FW_IPV6) && json_array_append_new(in, json_string("ipv6")) < 0))
		return -ENOMEM;
	if (json_object_set_new(fw, "stateful_filter_drops_untracked", json_boolean(mask != 0)) <
		    0 ||
	    json_object_set(fw, "stateful_filter_drops_untracked_in", in) < 0)
		return -ENOMEM;
	return 0;
}
