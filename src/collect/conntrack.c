// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Connection tracking counters.  Counts come from counters only, never from
 * a dump of the table: a table with a million entries must cost nothing.
 * The ctnetlink counters are read by nf/ctdump.c (cta_ct_stats_read).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include "collect/collect.h"
#include "collect/kmsg.h"
#include "nf/ctdump.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

enum {
	ST_FOUND,
	ST_INVALID,
	ST_INSERT,
	ST_INSERT_FAILED,
	ST_DROP,
	ST_EARLY_DROP,
	ST_ERROR,
	ST_SEARCH_RESTART,
	ST_CLASH_RESOLVE,
	ST_CHAINTOOLONG,
	ST_MAX,
};

/* Our names (facts), the ctnetlink attribute, and the /proc/net/stat column. */
static const struct {
	const char *name;
	int attr;
	const char *proc;
} stat_names[ST_MAX] = {
	[ST_FOUND] = { "found", CTA_STATS_FOUND, "found" },
	[ST_INVALID] = { "invalid", CTA_STATS_INVALID, "invalid" },
	[ST_INSERT] = { "insert", CTA_STATS_INSERT, "insert" },
	[ST_INSERT_FAILED] = { "insert_failed", CTA_STATS_INSERT_FAILED, "insert_failed" },
	[ST_DROP] = { "drop", CTA_STATS_DROP, "drop" },
	[ST_EARLY_DROP] = { "early_drop", CTA_STATS_EARLY_DROP, "early_drop" },
	[ST_ERROR] = { "error", CTA_STATS_ERROR, "icmp_error" },
	[ST_SEARCH_RESTART] = { "search_restart", CTA_STATS_SEARCH_RESTART, "search_restart" },
	[ST_CLASH_RESOLVE] = { "clash_resolve", CTA_STATS_CLASH_RESOLVE, "clashres" },
	[ST_CHAINTOOLONG] = { "chaintoolong", CTA_STATS_CHAIN_TOOLONG, "chainlength" },
};

struct ct_stats {
	uint64_t v[ST_MAX];
	bool have[ST_MAX];
};

/* ---- ctnetlink ---------------------------------------------------------- */

static int stats_netlink(struct ct_stats *st, struct cta_ct_stats *ns)
{
	int r = cta_ct_stats_read(ns);

	if (r < 0)
		return r;
	for (int i = 0; i < ST_MAX; i++)
		if (ns->have_cpu[stat_names[i].attr]) {
			st->v[i] = ns->cpu[stat_names[i].attr];
			st->have[i] = true;
		}
	return 0;
}

/* ---- /proc/net/stat/nf_conntrack ---------------------------------------- */

/*
 * Sum the per-CPU lines.  The columns are hex; the first one, "entries",
 * repeats the namespace's total on every line and is not added up (it is
 * returned in @ret_entries).  Columns are mapped by the header's names.
 * Returns 0 or -EINVAL.
 */
static int parse_proc_stat(char *text, struct ct_stats *st, uint64_t *ret_entries)
{
	int col_of[64];
	size_t ncols = 0;
	char *save = NULL, *line, *tok;
	bool have_entries = false, any = false;
	uint64_t entries = 0;

	line = strtok_r(text, "\n", &save);
	if (!line)
		return -EINVAL;
	for (char *ts = NULL, *p = strtok_r(line, " \t", &ts); p; p = strtok_r(NULL, " \t", &ts)) {
		if (ncols == ELEMENTSOF(col_of))
			break;
		col_of[ncols] = -1;
		if (streq(p, "entries"))
			col_of[ncols] = ST_MAX; /* marker */
		for (int i = 0; i < ST_MAX; i++)
			if (streq(p, stat_names[i].proc))
				col_of[ncols] = i;
		ncols++;
	}
	if (ncols == 0)
		return -EINVAL;
	while ((line = strtok_r(NULL, "\n", &save))) {
		size_t col = 0;
		char *ts = NULL;

		for (tok = strtok_r(line, " \t", &ts); tok && col < ncols;
		     tok = strtok_r(NULL, " \t", &ts), col++) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(tok, &end, 16);
			if (errno || *end || end == tok)
				return -EINVAL;
			if (col_of[col] == ST_MAX) {
				entries = v;
				have_entries = true;
			} else if (col_of[col] >= 0) {
				st->v[col_of[col]] += v;
				st->have[col_of[col]] = true;
			}
		}
		any = true;
	}
	if (!any)
		return -EINVAL;
	if (have_entries)
		*ret_entries = entries;
	return 0;
}

/* ---- /dev/kmsg ---------------------------------------------------------- */

/*
 * "nf_conntrack: table full, dropping packet" lines.  Since Linux 6.17
 * (commit aa5840167780 "netfilter: conntrack: table full detailed log")
 * __nf_conntrack_alloc() names the namespace unless it is the initial one:
 * "nf_conntrack: table full in netns %u, dropping packet" with net->ns.inum,
 * the inode of /proc/self/ns/net.  Before, every namespace logged the same
 * unnamed line.  pr_fmt() may double the prefix
 * ("nf_conntrack: nf_conntrack: table full ..."), and 2.6-era kernels ended
 * the line with a full stop; the search below tolerates both.
 */
#define CTA_TABLE_FULL_NAMED_SINCE_MAJOR 6
#define CTA_TABLE_FULL_NAMED_SINCE_MINOR 17

enum tf_kind { TF_NONE, TF_UNNAMED, TF_NAMED };

/* Classify one message (without the record header).  @ret_inum: the named namespace. */
static enum tf_kind table_full_kind(const char *msg, uint64_t *ret_inum)
{
	const char *p = strstr(msg, "nf_conntrack: table full");
	const char *q;
	uint64_t inum = 0;

	if (!p)
		return TF_NONE;
	p += strlen("nf_conntrack: table full");
	if (strneq(p, ", dropping packet", strlen(", dropping packet")))
		return TF_UNNAMED;
	if (!strneq(p, " in netns ", strlen(" in netns ")))
		return TF_NONE;
	q = p + strlen(" in netns ");
	if (!isdigit((unsigned char)*q))
		return TF_NONE;
	for (; isdigit((unsigned char)*q); q++) {
		if (inum > (UINT64_MAX - 9) / 10)
			return TF_NONE;
		inum = inum * 10 + (uint64_t)(*q - '0');
	}
	if (!strneq(q, ", dropping packet", strlen(", dropping packet")))
		return TF_NONE;
	*ret_inum = inum;
	return TF_NAMED;
}

void cta_table_full_add(struct cta_table_full *tf, const char *rec, uint64_t self_inum,
			bool have_since, uint64_t since_us)
{
	bool have_ts;
	uint64_t ts = 0, inum = 0;
	const char *msg = cta_kmsg_split(rec, &have_ts, &ts);
	enum tf_kind k = table_full_kind(msg, &inum);
	/* a line without a timestamp cannot be placed in the interval: count it as recent */
	bool recent = have_since && (!have_ts || ts >= since_us);

	if (k == TF_NONE)
		return;
	tf->total++;
	if (k == TF_NAMED) {
		tf->named = true;
		if (self_inum && inum == self_inum) {
			tf->named_self++;
			tf->named_self_recent += recent;
		} else
			tf->named_other++;
	} else {
		tf->unnamed++;
		tf->unnamed_recent += recent;
	}
}

int cta_table_full_attribute(const struct cta_table_full *tf, const char *kernel, int is_init,
			     struct cta_table_full_result *ret)
{
	unsigned long major = 0, minor = 0;
	bool names = tf->named;

	if (kernel && !names) {
		char *end;

		errno = 0;
		major = strtoul(kernel, &end, 10);
		if (!errno && *end == '.') {
			minor = strtoul(end + 1, &end, 10);
			names = !errno && (major > CTA_TABLE_FULL_NAMED_SINCE_MAJOR ||
					   (major == CTA_TABLE_FULL_NAMED_SINCE_MAJOR &&
					    minor >= CTA_TABLE_FULL_NAMED_SINCE_MINOR));
		}
	}
	*ret = (struct cta_table_full_result){
		.names_netns = names,
		.this_netns = tf->named_self,
		.this_netns_recent = tf->named_self_recent,
		.other_netns = tf->named_other,
	};
	if (!names) {
		/* every namespace logs the same line: no way to tell whose */
		ret->unattributed = tf->unnamed;
		ret->unattributed_recent = tf->unnamed_recent;
	} else if (is_init > 0) {
		/* the initial namespace is the one that logs unnamed lines */
		ret->this_netns += tf->unnamed;
		ret->this_netns_recent += tf->unnamed_recent;
	} else if (is_init == 0)
		ret->other_netns += tf->unnamed;
	else {
		ret->unattributed = tf->unnamed;
		ret->unattributed_recent = tf->unnamed_recent;
	}
	return 0;
}

int cta_table_full_set(struct cta_collect_ctx *c, json_t *ct, const struct cta_table_full *tf)
{
	json_t *host = json_object_get(c->facts, "host");
	json_t *ino = json_object_get(host, "netns_inode");
	const char *netns = json_string_value(json_object_get(host, "netns"));
	struct cta_table_full_result res;
	_cleanup_json_ json_t *o = NULL;

	cta_table_full_attribute(tf, json_string_value(json_object_get(host, "kernel")),
				 netns ? streq(netns, "init") : -1, &res);
	/* without this namespace's inode a named line cannot be ours */
	if (!json_is_integer(ino) && res.names_netns) {
		res.unattributed += res.this_netns;
		res.this_netns = 0;
	}
	o = json_pack("{s:b, s:I, s:I, s:I}", "names_netns", res.names_netns, "this_netns",
		      (json_int_t)res.this_netns, "other_netns", (json_int_t)res.other_netns,
		      "unattributed", (json_int_t)res.unattributed);
	if (!o)
		return -ENOMEM;
	if (c->have_since &&
	    (json_object_set_new(o, "this_netns_in_interval",
				 json_integer((json_int_t)res.this_netns_recent)) < 0 ||
	     json_object_set_new(o, "unattributed_in_interval",
				 json_integer((json_int_t)res.unattributed_recent)) < 0))
		return -ENOMEM;
	if (json_object_set_new(ct, "table_full_messages", json_integer((json_int_t)tf->total)) <
		    0 ||
	    json_object_set(ct, "table_full", o) < 0)
		return -ENOMEM;
	return 0;
}

/* ---- /proc/slabinfo ----------------------------------------------------- */

int cta_slabinfo_parse(const char *text, const char *name, struct cta_slab *ret)
{
	const char *line = text, *nl;
	size_t namelen = strlen(name);

	/* "slabinfo - version: 2.1": the columns below are those of 2.x */
	if (!strneq(line, "slabinfo - version: 2.", strlen("slabinfo - version: 2.")))
		return -EINVAL;
	for (; line && *line; line = nl ? nl + 1 : NULL) {
		unsigned long long v[3];
		const char *p;
		char *end;

		nl = strchr(line, '\n');
		if (!strneq(line, name, namelen) || (line[namelen] != ' ' && line[namelen] != '\t'))
			continue;
		p = line + namelen;
		for (size_t i = 0; i < ELEMENTSOF(v); i++) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			errno = 0;
			v[i] = strtoull(p, &end, 10);
			if (errno || (*end != ' ' && *end != '\t'))
				return -EINVAL;
			p = end;
		}
		*ret = (struct cta_slab){ .active_objs = v[0], .num_objs = v[1], .objsize = v[2] };
		return 0;
	}
	return -ENOENT;
}

/*
 * struct nf_conn comes from the "nf_conntrack" cache of nf_conntrack_init_start()
 * (net/netfilter/nf_conntrack_core.c), one cache for all namespaces; its
 * SLAB_TYPESAFE_BY_RCU keeps it from being merged with another cache, so
 * the line is there whenever conntrack is.  Extensions are allocated apart
 * (nf_ct_ext_add(), net/netfilter/nf_conntrack_extend.c).
 */
static int collect_slab(struct cta_collect_ctx *c, json_t *ct)
{
	_cleanup_free_ char *path = cta_collect_proc_path(c, "slabinfo"), *text = NULL;
	struct cta_slab slab;
	ssize_t n;
	int r;

	if (!path)
		return -ENOMEM;
	/* a few hundred caches of about 200 bytes each */
	n = cta_read_file(path, 4 << 20, &text);
	if (n == -ENOMEM)
		return -ENOMEM;
	/* root-only: SLABINFO_RIGHTS (0400, 0600 with SLAB) in mm/slab_common.c */
	if (n == -EACCES || n == -EPERM)
		return cta_collect_unavailable_needs(c, "conntrack.slab", (int)n,
						     "CAP_DAC_READ_SEARCH to read the root-only "
						     "/proc/slabinfo");
	if (n < 0)
		return cta_collect_unavailable_path(c, "conntrack.slab", path, (int)n);
	r = cta_slabinfo_parse(text, "nf_conntrack", &slab);
	if (r == -ENOENT)
		return cta_collect_unavailable(c, "conntrack.slab",
					       "no 'nf_conntrack' line in '%s'", path);
	if (r < 0)
		return cta_collect_unavailable(c, "conntrack.slab", "cannot parse '%s'", path);
	if (json_object_set_new(ct, "slab",
				json_pack("{s:I, s:I, s:I}", "objsize", (json_int_t)slab.objsize,
					  "active_objs", (json_int_t)slab.active_objs, "num_objs",
					  (json_int_t)slab.num_objs)) < 0)
		return -ENOMEM;
	return 0;
}

/* ---- the section -------------------------------------------------------- */

static int read_u64(struct cta_collect_ctx *c, const char *rel, uint64_t *ret)
{
	_cleanup_free_ char *path = cta_collect_proc_path(c, rel), *buf = NULL;
	ssize_t n;

	if (!path)
		return -ENOMEM;
	n = cta_read_file(path, 4096, &buf);
	if (n < 0)
		return (int)n;
	return cta_parse_u64(buf, ret);
}

static int set_u64(json_t *o, const char *key, uint64_t v)
{
	return json_object_set_new(o, key,
				   json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v)) < 0 ?
		       -ENOMEM :
		       0;
}

int cta_collect_conntrack(struct cta_collect_ctx *c)
{
	static const struct {
		const char *key, *rel;
	} sysctls[] = {
		{ "count", "sys/net/netfilter/nf_conntrack_count" },
		{ "max", "sys/net/netfilter/nf_conntrack_max" },
		{ "buckets", "sys/net/netfilter/nf_conntrack_buckets" },
	};
	_cleanup_json_ json_t *ct = json_object(), *stats = json_object();
	struct ct_stats st = {};
	struct cta_ct_stats ns = {};
	const char *source = NULL;
	uint64_t count = 0, proc_entries = 0;
	bool have_count = false, have_max = false;
	char reason[256];
	int r;

	if (!ct || !stats)
		return -ENOMEM;
	if (c->opts->offline)
		return cta_collect_unavailable(c, "conntrack", "offline");

	for (size_t i = 0; i < ELEMENTSOF(sysctls); i++) {
		uint64_t v;

		r = read_u64(c, sysctls[i].rel, &v);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			_cleanup_free_ char *section = NULL;

			if (r == -ENOENT)
				continue; /* no conntrack in this kernel: reported below */
			if (asprintf(&section, "conntrack.%s", sysctls[i].key) < 0)
				return -ENOMEM;
			r = cta_collect_unavailable_errno(c, section, r);
			if (r < 0)
				return r;
			continue;
		}
		if (set_u64(ct, sysctls[i].key, v) < 0)
			return -ENOMEM;
		if (i == 0) {
			count = v;
			have_count = true;
		} else if (i == 1)
			have_max = true;
	}

	if (!c->opts->no_netlink && stats_netlink(&st, &ns) == 0) {
		source = "ctnetlink";
		if (!have_count && ns.have_global[CTA_STATS_GLOBAL_ENTRIES]) {
			count = ns.global[CTA_STATS_GLOBAL_ENTRIES];
			have_count = true;
			if (set_u64(ct, "count", count) < 0)
				return -ENOMEM;
		}
		if (!have_max && ns.have_global[CTA_STATS_GLOBAL_MAX_ENTRIES] &&
		    set_u64(ct, "max", ns.global[CTA_STATS_GLOBAL_MAX_ENTRIES]) < 0)
			return -ENOMEM;
	} else {
		_cleanup_free_ char *path = cta_collect_proc_path(c, "net/stat/nf_conntrack"),
				    *text = NULL;
		ssize_t n;

		if (!path)
			return -ENOMEM;
		st = (struct ct_stats){};
		n = cta_read_file(path, 0, &text);
		if (n == -ENOMEM)
			return -ENOMEM;
		if (n >= 0 && parse_proc_stat(text, &st, &proc_entries) == 0) {
			source = "proc";
			if (!have_count) {
				count = proc_entries;
				have_count = true;
				if (set_u64(ct, "count", count) < 0)
					return -ENOMEM;
			}
		} else {
			r = n == -ENOENT ?
				    cta_collect_unavailable(
					    c, "conntrack.stats",
					    "nf_conntrack is not loaded (or not built into this kernel)") :
			    n < 0 ? cta_collect_unavailable_errno(c, "conntrack.stats", (int)n) :
				    cta_collect_unavailable(c, "conntrack.stats",
							    "cannot parse '%s'", path);
			if (r < 0)
				return r;
		}
	}
	if (source) {
		for (int i = 0; i < ST_MAX; i++)
			if (st.have[i] && set_u64(stats, stat_names[i].name, st.v[i]) < 0)
				return -ENOMEM;
		if (json_object_set(ct, "stats", stats) < 0 ||
		    json_object_set_new(ct, "stats_source", json_string(source)) < 0)
			return -ENOMEM;
	}

	if (have_count || source) {
		uint64_t tracked = st.v[ST_INSERT] + st.v[ST_FOUND] + st.v[ST_INVALID];
		bool active = count > 0 || tracked > 0;

		if (count > 0)
			snprintf(reason, sizeof(reason), "%llu %s in the table",
				 (unsigned long long)count, count == 1 ? "entry" : "entries");
		else if (tracked > 0)
			snprintf(
				reason, sizeof(reason),
				"the table is empty but the counters show tracked packets (insert=%llu found=%llu invalid=%llu)",
				(unsigned long long)st.v[ST_INSERT],
				(unsigned long long)st.v[ST_FOUND],
				(unsigned long long)st.v[ST_INVALID]);
		else if (source)
			snprintf(
				reason, sizeof(reason),
				"no entries and no tracked packets: conntrack starts tracking only once a rule needs it");
		else
			snprintf(reason, sizeof(reason), "no entries (counters unavailable)");
		if (json_object_set_new(ct, "active", json_boolean(active)) < 0 ||
		    json_object_set_new(ct, "active_reason", json_string(reason)) < 0)
			return -ENOMEM;
		r = collect_slab(c, ct);
		if (r < 0)
			return r;
	} else {
		r = cta_collect_unavailable(
			c, "conntrack",
			"nf_conntrack is not loaded (or not built into this kernel)");
		if (r < 0)
			return r;
	}

	return json_object_set(c->facts, "conntrack", ct) < 0 ? -ENOMEM : 0;
}
