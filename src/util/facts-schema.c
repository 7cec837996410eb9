// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/facts-schema.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

#define END                                    \
	{                                      \
		NULL, CTA_FACT_ANY, NULL, NULL \
	}

static const struct cta_fact_schema count = { "*", CTA_FACT_COUNT, NULL, NULL };
static const struct cta_fact_schema integer = { "*", CTA_FACT_INT, NULL, NULL };
static const struct cta_fact_schema string = { "*", CTA_FACT_STRING, NULL, NULL };
static const struct cta_fact_schema object = { "*", CTA_FACT_OBJECT, NULL, NULL };
static const struct cta_fact_schema counts = { "*", CTA_FACT_OBJECT, NULL, &count };
static const struct cta_fact_schema integers = { "*", CTA_FACT_OBJECT, NULL, &integer };

static const struct cta_fact_schema host[] = {
	{ "hostname", CTA_FACT_STRING, NULL, NULL },
	{ "kernel", CTA_FACT_STRING, NULL, NULL },
	{ "cpus", CTA_FACT_COUNT, NULL, NULL },
	{ "memory_bytes", CTA_FACT_COUNT, NULL, NULL },
	{ "netns", CTA_FACT_STRING, NULL, NULL },
	{ "netns_inode", CTA_FACT_COUNT, NULL, NULL },
	END,
};

static const struct cta_fact_schema overridden_item[] = {
	{ "value", CTA_FACT_STRING, NULL, NULL },
	{ "file", CTA_FACT_STRING, NULL, NULL },
	{ "line", CTA_FACT_COUNT, NULL, NULL },
	{ "ignore_failure", CTA_FACT_BOOL, NULL, NULL },
	END,
};
static const struct cta_fact_schema overridden_obj = { "*", CTA_FACT_OBJECT, overridden_item,
						       NULL };
static const struct cta_fact_schema persisted_entry[] = {
	{ "value", CTA_FACT_STRING, NULL, NULL },
	{ "file", CTA_FACT_STRING, NULL, NULL },
	{ "line", CTA_FACT_COUNT, NULL, NULL },
	{ "ignore_failure", CTA_FACT_BOOL, NULL, NULL },
	{ "overridden", CTA_FACT_ARRAY, NULL, &overridden_obj },
	END,
};
static const struct cta_fact_schema persisted_obj = { "*", CTA_FACT_OBJECT, persisted_entry, NULL };

static const struct cta_fact_schema ct_stats[] = {
	{ "found", CTA_FACT_COUNT, NULL, NULL },
	{ "invalid", CTA_FACT_COUNT, NULL, NULL },
	{ "insert", CTA_FACT_COUNT, NULL, NULL },
	{ "insert_failed", CTA_FACT_COUNT, NULL, NULL },
	{ "drop", CTA_FACT_COUNT, NULL, NULL },
	{ "early_drop", CTA_FACT_COUNT, NULL, NULL },
	{ "error", CTA_FACT_COUNT, NULL, NULL },
	{ "search_restart", CTA_FACT_COUNT, NULL, NULL },
	{ "clash_resolve", CTA_FACT_COUNT, NULL, NULL },
	{ "chaintoolong", CTA_FACT_COUNT, NULL, NULL },
	END,
};
/* "table full" kernel log lines by namespace (collect/conntrack.c) */
static const struct cta_fact_schema table_full[] = {
	{ "names_netns", CTA_FACT_BOOL, NULL, NULL },
	{ "this_netns", CTA_FACT_COUNT, NULL, NULL },
	{ "this_netns_in_interval", CTA_FACT_COUNT, NULL, NULL },
	{ "other_netns", CTA_FACT_COUNT, NULL, NULL },
	{ "unattributed", CTA_FACT_COUNT, NULL, NULL },
	{ "unattributed_in_interval", CTA_FACT_COUNT, NULL, NULL },
	END,
};
/* audit --deep: NEW events over a short sample (collect/newflows.c) */
static const struct cta_fact_schema new_flows_src[] = {
	{ "key", CTA_FACT_STRING, NULL, NULL },
	{ "count", CTA_FACT_COUNT, NULL, NULL },
	{ "per_s", CTA_FACT_COUNT, NULL, NULL },
	END,
};
static const struct cta_fact_schema new_flows_src_obj = { "*", CTA_FACT_OBJECT, new_flows_src,
							  NULL };
static const struct cta_fact_schema new_flows[] = {
	{ "interval_ms", CTA_FACT_COUNT, NULL, NULL },
	{ "events", CTA_FACT_COUNT, NULL, NULL },
	{ "per_s", CTA_FACT_COUNT, NULL, NULL },
	{ "lost", CTA_FACT_COUNT, NULL, NULL },
	{ "approximate", CTA_FACT_BOOL, NULL, NULL },
	{ "count_before", CTA_FACT_COUNT, NULL, NULL },
	{ "count_after", CTA_FACT_COUNT, NULL, NULL },
	{ "growth_per_s", CTA_FACT_INT, NULL, NULL },
	{ "by_src", CTA_FACT_ARRAY, NULL, &new_flows_src_obj },
	END,
};
static const struct cta_fact_schema conntrack[] = {
	{ "active", CTA_FACT_BOOL, NULL, NULL },
	{ "active_reason", CTA_FACT_STRING, NULL, NULL },
	{ "count", CTA_FACT_COUNT, NULL, NULL },
	{ "max", CTA_FACT_COUNT, NULL, NULL },
	{ "buckets", CTA_FACT_COUNT, NULL, NULL },
	{ "stats", CTA_FACT_OBJECT, ct_stats, NULL },
	{ "stats_source", CTA_FACT_STRING, NULL, NULL },
	{ "table_full_messages", CTA_FACT_COUNT, NULL, NULL },
	{ "table_full", CTA_FACT_OBJECT, table_full, NULL },
	{ "top", CTA_FACT_OBJECT, NULL, NULL },
	{ "new_flows", CTA_FACT_OBJECT, new_flows, NULL },
	END,
};

static const struct cta_fact_schema tw_peer[] = {
	{ "peer", CTA_FACT_STRING, NULL, NULL },
	{ "count", CTA_FACT_COUNT, NULL, NULL },
	END,
};
static const struct cta_fact_schema tw_peer_obj = { "*", CTA_FACT_OBJECT, tw_peer, NULL };
static const struct cta_fact_schema listener[] = {
	{ "proto", CTA_FACT_STRING, NULL, NULL },
	{ "addr", CTA_FACT_STRING, NULL, NULL },
	{ "port", CTA_FACT_PORT, NULL, NULL },
	END,
};
static const struct cta_fact_schema listener_obj = { "*", CTA_FACT_OBJECT, listener, NULL };
static const struct cta_fact_schema port_count[] = {
	{ "port", CTA_FACT_PORT, NULL, NULL },
	{ "count", CTA_FACT_COUNT, NULL, NULL },
	END,
};
static const struct cta_fact_schema port_count_obj = { "*", CTA_FACT_OBJECT, port_count, NULL };
static const struct cta_fact_schema tw_sides[] = {
	{ "listening", CTA_FACT_COUNT, NULL, NULL },
	{ "other", CTA_FACT_COUNT, NULL, NULL },
	{ "listening_ports", CTA_FACT_ARRAY, NULL, &port_count_obj },
	END,
};
static const struct cta_fact_schema sockets[] = {
	{ "tcp", CTA_FACT_OBJECT, NULL, &count },
	{ "tcp_by_family", CTA_FACT_OBJECT, NULL, &counts },
	{ "time_wait_top", CTA_FACT_ARRAY, NULL, &tw_peer_obj },
	{ "listening", CTA_FACT_ARRAY, NULL, &listener_obj },
	{ "time_wait_by_local_port", CTA_FACT_OBJECT, tw_sides, NULL },
	{ "sockstat_tw", CTA_FACT_COUNT, NULL, NULL },
	{ "source", CTA_FACT_STRING, NULL, NULL },
	END,
};

static const struct cta_fact_schema helpers[] = {
	{ "available", CTA_FACT_ARRAY, NULL, &string },
	{ "assigned", CTA_FACT_ARRAY, NULL, &object },
	{ "in_use", CTA_FACT_OBJECT, NULL, &count },
	{ "in_use_source", CTA_FACT_STRING, NULL, NULL },
	END,
};

/* firewall.nat entries: the fields an entry may carry (docs/facts.md) */
static const struct cta_fact_schema nat_item[] = {
	{ "family", CTA_FACT_STRING, NULL, NULL },   { "table", CTA_FACT_STRING, NULL, NULL },
	{ "chain", CTA_FACT_STRING, NULL, NULL },    { "hook", CTA_FACT_STRING, NULL, NULL },
	{ "hooks", CTA_FACT_ARRAY, NULL, &string },  { "source", CTA_FACT_STRING, NULL, NULL },
	{ "kind", CTA_FACT_STRING, NULL, NULL },     { "proto", CTA_FACT_STRING, NULL, NULL },
	{ "saddr", CTA_FACT_STRING, NULL, NULL },    { "daddr", CTA_FACT_STRING, NULL, NULL },
	{ "sport", CTA_FACT_STRING, NULL, NULL },    { "dport", CTA_FACT_STRING, NULL, NULL },
	{ "iif", CTA_FACT_STRING, NULL, NULL },	     { "oif", CTA_FACT_STRING, NULL, NULL },
	{ "to", CTA_FACT_STRING, NULL, NULL },	     { "negated", CTA_FACT_ARRAY, NULL, &string },
	{ "random", CTA_FACT_BOOL, NULL, NULL },     { "random_fully", CTA_FACT_BOOL, NULL, NULL },
	{ "persistent", CTA_FACT_BOOL, NULL, NULL }, END,
};
static const struct cta_fact_schema nat_obj = { "*", CTA_FACT_OBJECT, nat_item, NULL };

static const struct cta_fact_schema firewall[] = {
	{ "backends", CTA_FACT_ARRAY, NULL, &string },
	{ "notrack", CTA_FACT_ARRAY, NULL, &object },
	{ "nat", CTA_FACT_ARRAY, NULL, &nat_obj },
	{ "filter", CTA_FACT_ARRAY, NULL, &object },
	{ "stateful_filter_drops_untracked", CTA_FACT_BOOL, NULL, NULL },
	{ "stateful_filter_drops_untracked_in", CTA_FACT_ARRAY, NULL, &string },
	END,
};

static const struct cta_fact_schema unavailable_item[] = {
	{ "section", CTA_FACT_STRING, NULL, NULL },
	{ "reason", CTA_FACT_STRING, NULL, NULL },
	END,
};
static const struct cta_fact_schema unavailable_obj = { "*", CTA_FACT_OBJECT, unavailable_item,
							NULL };

/* Computed at evaluation (policy/derive.h), never read from a snapshot. */
static const struct cta_fact_schema derived[] = {
	{ "notrack_nat_conflicts", CTA_FACT_ARRAY, NULL, NULL },
	{ "notrack_covered", CTA_FACT_OBJECT, NULL, NULL },
	{ "drift_runtime", CTA_FACT_ARRAY, NULL, NULL },
	{ "drift_overridden", CTA_FACT_ARRAY, NULL, NULL },
	{ "time_wait_by_port", CTA_FACT_ARRAY, NULL, NULL },
	END,
};

/* The counters' sampling and their movement over an interval (collect/baseline.c). */
static const struct cta_fact_schema counters_interval[] = {
	{ "source", CTA_FACT_STRING, NULL, NULL },
	{ "seconds", CTA_FACT_COUNT, NULL, NULL },
	{ "start", CTA_FACT_STRING, NULL, NULL },
	{ "text", CTA_FACT_STRING, NULL, NULL },
	END,
};
static const struct cta_fact_schema counters_delta[] = {
	{ "conntrack", CTA_FACT_OBJECT, ct_stats, NULL },
	{ "netstat", CTA_FACT_OBJECT, NULL, &counts },
	END,
};
static const struct cta_fact_schema counters[] = {
	{ "sampled_at", CTA_FACT_STRING, NULL, NULL },
	{ "sampled_at_unix", CTA_FACT_COUNT, NULL, NULL },
	{ "monotonic_us", CTA_FACT_COUNT, NULL, NULL },
	{ "boot_id", CTA_FACT_STRING, NULL, NULL },
	{ "netns_cookie", CTA_FACT_COUNT, NULL, NULL },
	{ "since", CTA_FACT_STRING, NULL, NULL },
	{ "uptime_seconds", CTA_FACT_COUNT, NULL, NULL },
	{ "lifetime", CTA_FACT_STRING, NULL, NULL },
	{ "interval", CTA_FACT_OBJECT, counters_interval, NULL },
	{ "delta", CTA_FACT_OBJECT, counters_delta, NULL },
	END,
};

static const struct cta_fact_schema roots[] = {
	{ "schema_version", CTA_FACT_INT, NULL, NULL },
	{ "collected_at", CTA_FACT_STRING, NULL, NULL },
	{ "host", CTA_FACT_OBJECT, host, NULL },
	{ "sysctl", CTA_FACT_OBJECT, NULL, &string },
	{ "persisted", CTA_FACT_OBJECT, NULL, &persisted_obj },
	{ "persisted_files", CTA_FACT_ARRAY, NULL, &object },
	{ "persisted_errors", CTA_FACT_ARRAY, NULL, NULL },
	{ "persisted_excludes", CTA_FACT_ARRAY, NULL, NULL },
	{ "conntrack", CTA_FACT_OBJECT, conntrack, NULL },
	{ "sockets", CTA_FACT_OBJECT, sockets, NULL },
	{ "netstat", CTA_FACT_OBJECT, NULL, &integers },
	{ "counters", CTA_FACT_OBJECT, counters, NULL },
	{ "helpers", CTA_FACT_OBJECT, helpers, NULL },
	{ "firewall", CTA_FACT_OBJECT, firewall, NULL },
	{ "unavailable", CTA_FACT_ARRAY, NULL, &unavailable_obj },
	{ "derived", CTA_FACT_OBJECT, derived, NULL },
	END,
};

const struct cta_fact_schema cta_facts_schema = { "", CTA_FACT_OBJECT, roots, NULL };

const struct cta_fact_schema *cta_fact_schema_member(const struct cta_fact_schema *s,
						     const char *name)
{
	for (const struct cta_fact_schema *m = s ? s->members : NULL; m && m->name; m++)
		if (streq(m->name, name))
			return m;
	return NULL;
}

/* ---- validation ------------------------------------------------------------- */

struct vctx {
	char *ptr; /* the JSON pointer of the value being checked */
	size_t len, cap;
	char *msg;
};

static int ptr_put(struct vctx *c, char ch)
{
	if (c->len + 2 > c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		char *p = realloc(c->ptr, cap);

		if (!p)
			return -ENOMEM;
		c->ptr = p;
		c->cap = cap;
	}
	c->ptr[c->len++] = ch;
	c->ptr[c->len] = 0;
	return 0;
}

/* RFC 6901: '~' is "~0", '/' is "~1". */
static int ptr_push(struct vctx *c, const char *key)
{
	int r = ptr_put(c, '/');

	for (; r >= 0 && *key; key++) {
		if (*key == '~')
			r = ptr_put(c, '~') < 0 ? -ENOMEM : ptr_put(c, '0');
		else if (*key == '/')
			r = ptr_put(c, '~') < 0 ? -ENOMEM : ptr_put(c, '1');
		else
			r = ptr_put(c, *key);
	}
	return r;
}

static const char *type_word(enum cta_fact_type t)
{
	switch (t) {
	case CTA_FACT_OBJECT:
		return "an object";
	case CTA_FACT_ARRAY:
		return "an array";
	case CTA_FACT_STRING:
		return "a string";
	case CTA_FACT_BOOL:
		return "true or false";
	case CTA_FACT_INT:
		return "an integer";
	case CTA_FACT_COUNT:
		return "a non-negative integer";
	case CTA_FACT_PORT:
		return "a port number (0-65535)";
	default:
		return "a value";
	}
}

static bool type_ok(const struct cta_fact_schema *s, json_t *j)
{
	json_int_t v;

	switch (s->type) {
	case CTA_FACT_OBJECT:
		return json_is_object(j);
	case CTA_FACT_ARRAY:
		return json_is_array(j);
	case CTA_FACT_STRING:
		return json_is_string(j);
	case CTA_FACT_BOOL:
		return json_is_boolean(j);
	case CTA_FACT_INT:
		return json_is_integer(j);
	case CTA_FACT_COUNT:
		/* jansson refuses integers beyond int64 at parse time */
		return json_is_integer(j) && json_integer_value(j) >= 0;
	case CTA_FACT_PORT:
		v = json_is_integer(j) ? json_integer_value(j) : -1;
		return v >= 0 && v <= 65535;
	default:
		return true;
	}
}

static int check(struct vctx *c, const struct cta_fact_schema *s, json_t *j);

static int check_child(struct vctx *c, const struct cta_fact_schema *s, json_t *j, const char *key,
		       size_t index)
{
	size_t len = c->len;
	char num[24];
	int r;

	snprintf(num, sizeof(num), "%zu", index);
	r = ptr_push(c, key ? key : num);
	if (r < 0)
		return r;
	r = check(c, s, j);
	if (r == 0) {
		c->len = len;
		c->ptr[len] = 0;
	}
	return r;
}

/* Everything below an unknown member: only the bounds apply. */
static const struct cta_fact_schema anything = { "*", CTA_FACT_ANY, NULL, NULL };

static int check(struct vctx *c, const struct cta_fact_schema *s, json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;
	int r;

	if (json_is_string(j) && json_string_length(j) > CTA_FACTS_MAX_STRING) {
		if (asprintf(&c->msg, "a string longer than %d bytes", CTA_FACTS_MAX_STRING) < 0) {
			c->msg = NULL;
			return -ENOMEM;
		}
		return -EINVAL;
	}
	if (!type_ok(s, j)) {
		if (json_is_string(j))
			r = asprintf(&c->msg, "expected %s, not the string \"%.40s%s\"",
				     type_word(s->type), json_string_value(j),
				     strlen(json_string_value(j)) > 40 ? "..." : "");
		else if (json_is_integer(j))
			r = asprintf(&c->msg, "expected %s, not %" JSON_INTEGER_FORMAT,
				     type_word(s->type), json_integer_value(j));
		else
			r = asprintf(&c->msg, "expected %s, not %s", type_word(s->type),
				     cta_json_type_name(j));
		if (r < 0) {
			c->msg = NULL;
			return -ENOMEM;
		}
		return -EINVAL;
	}
	if (json_is_object(j)) {
		json_object_foreach(j, key, v) {
			const struct cta_fact_schema *m = cta_fact_schema_member(s, key);

			if (!m)
				m = s->each ? s->each : &anything;
			if ((r = check_child(c, m, v, key, 0)) < 0)
				return r;
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if ((r = check_child(c, s->each ? s->each : &anything, v, NULL, i)) < 0)
				return r;
	}
	return 0;
}

int cta_facts_validate(json_t *facts, char **ret_pointer, char **ret_msg)
{
	struct vctx c = { 0 };
	int r;

	r = check(&c, &cta_facts_schema, facts);
	if (r == -EINVAL) {
		/* "" is the pointer to the whole document */
		*ret_pointer = c.ptr ? c.ptr : strdup("");
		*ret_msg = c.msg;
		return *ret_pointer ? r : -ENOMEM;
	}
	free(c.ptr);
	free(c.msg);
	return r;
}
