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
	return json_object_set(c->facts, "netstat", out) < 0 ? -ENOMEM : 0;
}
