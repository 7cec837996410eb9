// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/net/netstat and /proc/net/snmp: pairs of lines per prefix, names
 * then values ("TcpExt: SyncookiesSent ..." / "TcpExt: 0 ...").
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "collect/collect.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

static char *next_token(char **p)
{
	char *s = *p, *e;

	s += strspn(s, " \t");
	if (!*s)
		return NULL;
	e = s + strcspn(s, " \t");
	if (*e)
		*e++ = 0;
	*p = e;
	return s;
}

static json_t *counter_value(const char *s)
{
	int64_t i;
	uint64_t u;

	if (cta_parse_i64(s, &i) == 0)
		return json_integer(i);
	/* counters are unsigned long in the kernel; past INT64_MAX only a real can hold them */
	if (cta_parse_u64(s, &u) == 0)
		return json_real((double)u);
	return NULL;
}

/* Parse one header line and its value line into out[prefix]. Returns 0, -EINVAL or -ENOMEM. */
static int parse_pair(json_t *out, char *names, char *values)
{
	char *pn = names, *pv = values, *prefix, *vprefix, *n, *v;
	json_t *obj;

	prefix = next_token(&pn);
	vprefix = next_token(&pv);
	if (!prefix || !vprefix || !streq(prefix, vprefix))
		return -EINVAL;
	if (prefix[strlen(prefix) - 1] != ':')
		return -EINVAL;
	prefix[strlen(prefix) - 1] = 0;
	obj = cta_json_object_child(out, prefix);
	if (!obj)
		return -ENOMEM;
	while ((n = next_token(&pn)) && (v = next_token(&pv))) {
		json_t *j = counter_value(v);

		if (!j)
			continue; /* not a number: not a counter we can use */
		if (json_object_set_new(obj, n, j) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Returns 0, -EINVAL (nothing parsable), -ENOMEM. */
static int parse_file(json_t *out, char *text)
{
	char *lines[2] = {};
	char *save = NULL;
	bool any = false;
	int r;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!lines[0]) {
			lines[0] = l;
			continue;
		}
		lines[1] = l;
		r = parse_pair(out, lines[0], lines[1]);
		if (r == -ENOMEM)
			return r;
		if (r == 0) {
			any = true;
			lines[0] = NULL;
		} else {
			/* out of step (a truncated pair): resynchronize on this line */
			lines[0] = lines[1];
		}
	}
	return any ? 0 : -EINVAL;
}

/*
 * /proc/net/stat/arp_cache and ndisc_cache: a header of column names, then one
 * line of hex counters per CPU.  "entries" is the table's size and repeats on
 * every line (kept once); the other columns are per-CPU and summed.  The
 * neighbour tables are shared by all namespaces.  Returns 0 or -EINVAL/-ENOMEM.
 */
static int parse_neigh_stat(json_t *out, const char *name, char *text)
{
	_cleanup_(cta_strv_freep) char **cols = NULL;
	uint64_t sums[32] = {};
	size_t ncols = 0;
	char *save = NULL, *line, *tok, *ts = NULL;
	bool any = false;
	json_t *obj;

	line = strtok_r(text, "\n", &save);
	if (!line)
		return -EINVAL;
	cols = calloc(ELEMENTSOF(sums) + 1, sizeof(*cols));
	if (!cols)
		return -ENOMEM;
	for (tok = strtok_r(line, " \t", &ts); tok && ncols < ELEMENTSOF(sums);
	     tok = strtok_r(NULL, " \t", &ts)) {
		cols[ncols] = strdup(tok);
		if (!cols[ncols++])
			return -ENOMEM;
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		size_t col = 0;

		ts = NULL;
		for (tok = strtok_r(line, " \t", &ts); tok && col < ncols;
		     tok = strtok_r(NULL, " \t", &ts), col++) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(tok, &end, 16);
			if (errno || *end || end == tok)
				return -EINVAL;
			if (streq(cols[col], "entries"))
				sums[col] = v;
			else
				sums[col] += v;
		}
		any = true;
	}
	if (!any)
		return -EINVAL;
	obj = cta_json_object_child(out, name);
	if (!obj)
		return -ENOMEM;
	for (size_t i = 0; i < ncols; i++)
		if (json_object_set_new(obj, cols[i], json_integer((json_int_t)sums[i])) < 0)
			return -ENOMEM;
	return 0;
}

/* Neighbour-table sizes for the gc_thresh3 check; a missing file is no error. */
static int collect_neigh(struct cta_collect_ctx *c, json_t *out)
{
	static const struct {
		const char *file, *name;
	} tables[] = {
		{ "net/stat/arp_cache", "ArpCache" },
		{ "net/stat/ndisc_cache", "NdiscCache" },
	};

	for (size_t i = 0; i < ELEMENTSOF(tables); i++) {
		_cleanup_free_ char *path = cta_collect_proc_path(c, tables[i].file), *text = NULL;
		ssize_t n;
		int r;

		if (!path)
			return -ENOMEM;
		n = cta_read_file(path, 0, &text);
		if (n == -ENOMEM)
			return -ENOMEM;
		if (n < 0)
			continue;
		r = parse_neigh_stat(out, tables[i].name, text);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			r = cta_collect_unavailable(c, "netstat", "cannot parse '%s'", path);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int cta_collect_netstat(struct cta_collect_ctx *c)
{
	static const char *const files[] = { "net/netstat", "net/snmp" };
	_cleanup_json_ json_t *out = json_object();
	bool any = false;
	int r;

	if (!out)
		return -ENOMEM;
	if (c->opts->offline)
		return cta_collect_unavailable(c, "netstat", "offline");
	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		_cleanup_free_ char *path = cta_collect_proc_path(c, files[i]), *text = NULL;
		ssize_t n;

		if (!path)
			return -ENOMEM;
		n = cta_read_file(path, 0, &text);
		if (n == -ENOMEM)
			return -ENOMEM;
		if (n < 0) {
			r = cta_collect_unavailable_path(c, "netstat", path, (int)n);
			if (r < 0)
				return r;
			continue;
		}
		r = parse_file(out, text);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			r = cta_collect_unavailable(c, "netstat", "cannot parse '%s'", path);
			if (r < 0)
				return r;
			continue;
		}
		any = true;
	}
	if (!any)
		return 0;
	r = collect_neigh(c, out);
	if (r < 0)
		return r;
	return json_object_set(c->facts, "netstat", out) < 0 ? -ENOMEM : 0;
}
