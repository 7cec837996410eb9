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

static bool is_table_full(const char *rec)
{
	/* "nf_conntrack: table full, dropping packet" (init netns) and, on
	 * recent kernels, "nf_conntrack: table full in netns N, dropping packet" */
	const char *p = strstr(rec, "nf_conntrack: table full");

	return p && strstr(p, "dropping packet");
}

static unsigned count_lines(char *text)
{
	unsigned n = 0;
	char *save = NULL;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		n += is_table_full(l);
	return n;
}

/* Returns the count or negative errno. */
static long count_table_full(const char *path)
{
	/* a kmsg record is at most about 8 KiB (CONSOLE_EXT_LOG_MAX); a smaller buffer gives EINVAL */
	const size_t bufsz = 16384;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	long n = 0;

	if (fd < 0)
		return cta_negerrno();
	if (fstat(fd, &st) < 0)
		return cta_negerrno();
	if (S_ISREG(st.st_mode)) {
		/* a saved log (tests, an image): plain lines */
		ssize_t k;

		k = cta_read_file(path, 0, &buf);
		if (k < 0)
			return k;
		return count_lines(buf);
	}
	buf = malloc(bufsz);
	if (!buf)
		return -ENOMEM;
	/* start at the oldest record dmesg would show */
	(void)lseek(fd, 0, SEEK_DATA);
	for (;;) {
		ssize_t k = read(fd, buf, bufsz - 1);

		if (k < 0) {
			if (errno == EINTR || errno == EPIPE) /* EPIPE: a record was overwritten */
				continue;
			if (errno == EAGAIN)
				break;
			return cta_negerrno();
		}
		if (k == 0)
			break;
		buf[k] = 0;
		n += is_table_full(buf);
	}
	return n;
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
	_cleanup_free_ char *kmsg = NULL;
	struct ct_stats st = {};
	struct cta_ct_stats ns = {};
	const char *source = NULL;
	uint64_t count = 0, proc_entries = 0;
	bool have_count = false, have_max = false;
	char reason[256];
	long tf;
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
			r = n == -ENOENT ? cta_collect_unavailable(
						   c, "conntrack.stats",
						   "no connection tracking in this kernel") :
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
			snprintf(reason, sizeof(reason), "%llu entries in the table",
				 (unsigned long long)count);
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
	} else {
		r = cta_collect_unavailable(c, "conntrack",
					    "no connection tracking in this kernel");
		if (r < 0)
			return r;
	}

	if (asprintf(&kmsg, "%s/kmsg", c->opts->devfs ? c->opts->devfs : "/dev") < 0)
		return -ENOMEM;
	tf = count_table_full(kmsg);
	if (tf == -ENOMEM)
		return -ENOMEM;
	if (tf < 0) {
		r = cta_collect_unavailable_errno(c, "conntrack.table_full_messages", (int)tf);
		if (r < 0)
			return r;
	} else if (json_object_set_new(ct, "table_full_messages", json_integer(tf)) < 0)
		return -ENOMEM;

	return json_object_set(c->facts, "conntrack", ct) < 0 ? -ENOMEM : 0;
}
