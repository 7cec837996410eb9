// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include "collect/collect.h"
#include "nf/ctdump.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

/*
 * The kernel's conntrack helpers by module name (net/netfilter/nf_conntrack_X.c).
 * Other nf_conntrack_* modules (netlink, broadcast, proto_gre, ...) are not
 * helpers.
 */
static const char *const helper_modules[] = {
	"amanda", "ftp", "h323", "irc", "netbios_ns", "pptp", "sane", "sip", "snmp", "tftp",
};

#define TOP_DEEP 5

static int helper_index(const char *name, size_t len)
{
	for (size_t i = 0; i < ELEMENTSOF(helper_modules); i++)
		if (strlen(helper_modules[i]) == len &&
		    strncasecmp(name, helper_modules[i], len) == 0)
			return (int)i;
	return -1;
}

/* /proc/modules: "nf_conntrack_ftp 24576 0 - Live 0x..." (modular helpers only) */
static int from_proc_modules(struct cta_collect_ctx *c, bool *found)
{
	_cleanup_free_ char *path = cta_collect_proc_path(c, "modules"), *buf = NULL;
	char *save = NULL;
	ssize_t n;
	int hits = 0;

	if (!path)
		return -ENOMEM;
	n = cta_read_file(path, 0, &buf);
	if (n < 0)
		return (int)n; /* absent without module support */
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len = strcspn(line, " ");
		int i;

		if (len <= 13 || !strneq(line, "nf_conntrack_", 13))
			continue;
		i = helper_index(line + 13, len - 13);
		if (i >= 0) {
			found[i] = true;
			hits++;
		}
	}
	return hits;
}

/* /sys/module/nf_conntrack_X: loaded or built in, but only helpers with module parameters */
static int from_sys_module(struct cta_collect_ctx *c, bool *found)
{
	_cleanup_free_ char *path = cta_collect_sys_path(c, "module");
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int hits = 0;

	if (!path)
		return -ENOMEM;
	d = opendir(path);
	if (!d)
		return cta_negerrno();
	while ((de = readdir(d))) {
		int i;

		if (!strneq(de->d_name, "nf_conntrack_", 13))
			continue;
		i = helper_index(de->d_name + 13, strlen(de->d_name + 13));
		if (i >= 0) {
			found[i] = true;
			hits++;
		}
	}
	return hits;
}

/* ROOT/boot/config-RELEASE: CONFIG_NF_CONNTRACK_FTP=y (built in) or =m (module) */
static int from_kernel_config(const char *config, bool *found)
{
	_cleanup_free_ char *buf = NULL;
	char *save = NULL;
	ssize_t n;
	int hits = 0;

	n = cta_read_file(config, 0, &buf);
	if (n < 0)
		return (int)n;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq;
		int i;

		if (!strneq(line, "CONFIG_NF_CONNTRACK_", 20))
			continue;
		eq = strchr(line, '=');
		if (!eq || !(streq(eq + 1, "y") || streq(eq + 1, "m")))
			continue;
		i = helper_index(line + 20, (size_t)(eq - line - 20));
		if (i >= 0) {
			found[i] = true;
			hits++;
		}
	}
	return hits;
}

static int collect_available(struct cta_collect_ctx *c, json_t *helpers)
{
	bool found[ELEMENTSOF(helper_modules)] = { false };
	_cleanup_free_ char *config_rel = NULL, *config = NULL;
	json_t *avail, *sources;
	const char *release = c->opts->kernel;
	struct utsname u;
	int r;

	sources = json_array();
	if (!sources || json_object_set_new(helpers, "available_sources", sources) < 0)
		return -ENOMEM;
	if (!c->opts->offline) {
		r = from_proc_modules(c, found);
		if (r == -ENOMEM)
			return r;
		if (r >= 0 && json_array_append_new(sources, json_string("/proc/modules")) < 0)
			return -ENOMEM;
		r = from_sys_module(c, found);
		if (r == -ENOMEM)
			return r;
		if (r >= 0 && json_array_append_new(sources, json_string("/sys/module")) < 0)
			return -ENOMEM;
		if (!release && uname(&u) == 0)
			release = u.release;
	}
	/* the config names helpers that /sys/module cannot show (pptp has no parameters) */
	if (release) {
		if (asprintf(&config_rel, "/boot/config-%s", release) < 0) {
			config_rel = NULL;
			return -ENOMEM;
		}
		config = cta_path_join(c->opts->root, config_rel);
		if (!config)
			return -ENOMEM;
		r = from_kernel_config(config, found);
		if (r == -ENOMEM)
			return r;
		if (r >= 0 && json_array_append_new(sources, json_string(config_rel)) < 0)
			return -ENOMEM;
	}
	avail = json_array();
	if (!avail || json_object_set_new(helpers, "available", avail) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(helper_modules); i++)
		if (found[i] && json_array_append_new(avail, json_string(helper_modules[i])) < 0)
			return -ENOMEM;
	if (json_array_size(sources) == 0)
		return cta_collect_unavailable(c, "helpers.available",
					       "none of /proc/modules, /sys/module, %s is readable",
					       config_rel ? config_rel : "/boot/config-RELEASE");
	return 0;
}

/*
 * The helper named at the end of a /proc/net/nf_conntrack_expect line:
 *   "297 l3proto = 2 proto=6 src=.. dst=.. sport=0 dport=41234 [PERMANENT,INACTIVE] ftp[/policy]"
 * Returns its length (0: none) and its start in @ret.
 */
static size_t expect_helper(const char *line, const char **ret)
{
	const char *end = line + strlen(line), *start;
	bool flags = true;

	while (end > line && isspace((unsigned char)end[-1]))
		end--;
	start = end;
	while (start > line && !isspace((unsigned char)start[-1]))
		start--;
	if (start == end || memchr(start, '=', (size_t)(end - start)))
		return 0;
	/* a token of flags only is not a helper */
	for (const char *p = start; p < end;) {
		size_t k = strcspn(p, ",");

		k = MIN(k, (size_t)(end - p));
		if (!((k == 9 && strneq(p, "PERMANENT", 9)) ||
		      (k == 8 && strneq(p, "INACTIVE", 8)) ||
		      (k == 9 && strneq(p, "USERSPACE", 9))))
			flags = false;
		p += k + 1;
	}
	if (flags)
		return 0;
	*ret = start;
	return strcspn(start, "/ \t\n") < (size_t)(end - start) ? strcspn(start, "/ \t\n") :
								  (size_t)(end - start);
}

static int count_expectations(struct cta_collect_ctx *c, json_t *exp_counts)
{
	_cleanup_free_ char *path = cta_collect_proc_path(c, "net/nf_conntrack_expect"),
			    *buf = NULL;
	char *save = NULL;
	ssize_t n;

	if (!path)
		return -ENOMEM;
	n = cta_read_file(path, 0, &buf);
	if (n < 0)
		return (int)n;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *h = NULL;
		size_t len = expect_helper(line, &h);
		_cleanup_free_ char *name = NULL;
		json_t *v;

		if (!len)
			continue;
		name = strndup(h, len);
		if (!name)
			return -ENOMEM;
		v = json_object_get(exp_counts, name);
		if (json_object_set_new(exp_counts, name,
					json_integer(v ? json_integer_value(v) + 1 : 1)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Helpers can only be in use on entries when something assigns them. */
static bool entries_may_have_helpers(struct cta_collect_ctx *c, json_t *helpers)
{
	json_t *assigned = json_object_get(helpers, "assigned");
	_cleanup_free_ char *path = NULL, *buf = NULL;

	if ((json_is_array(assigned) && json_array_size(assigned) > 0) ||
	    (json_is_object(assigned) && json_object_size(assigned) > 0))
		return true;
	/* automatic assignment (before 6.0; default 0 since 4.7) */
	path = cta_collect_proc_path(c, "sys/net/netfilter/nf_conntrack_helper");
	if (path && cta_read_file(path, 64, &buf) >= 0 && strtol(buf, NULL, 10) == 1)
		return true;
	return false;
}

static json_t *top_array(const struct cta_agg *a, enum cta_ct_by by, size_t max)
{
	_cleanup_free_ struct cta_agg_item *items = NULL;
	ssize_t n = cta_agg_top(a, max, &items);
	json_t *arr;

	if (n < 0 || !(arr = json_array()))
		return NULL;
	for (ssize_t i = 0; i < n; i++) {
		char key[CTA_CT_KEY_STRLEN];

		if (json_array_append_new(
			    arr, json_pack("{s:s, s:I}", "key",
					   cta_ct_key_format(by, items[i].key, key, sizeof(key)),
					   "count", (json_int_t)items[i].count)) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

int cta_collect_helpers(struct cta_collect_ctx *c)
{
	_cleanup_json_ json_t *exp_counts = json_object(), *ent_counts = json_object();
	json_t *helpers = cta_json_object_child(c->facts, "helpers"), *in_use, *detail, *v;
	enum cta_ct_by by[3];
	size_t n_by = 0;
	struct cta_ctdump d;
	bool want_entries, want_top, dumped = false;
	const char *key;
	int r;

	if (!helpers || !exp_counts || !ent_counts)
		return -ENOMEM;
	r = collect_available(c, helpers);
	if (r < 0)
		return r;
	if (c->opts->offline)
		return 0; /* in_use is a property of the running kernel */

	r = count_expectations(c, exp_counts);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		r = cta_collect_unavailable_needs(c, "helpers.in_use", r, "CAP_NET_ADMIN");
		if (r < 0)
			return r;
	}

	/* The table can hold a million entries: dump it only when needed. */
	want_entries = !c->opts->no_netlink && entries_may_have_helpers(c, helpers);
	want_top = !c->opts->no_netlink && c->opts->deep;
	if (want_entries)
		by[n_by++] = CTA_CT_BY_HELPER;
	if (want_top) {
		by[n_by++] = CTA_CT_BY_SRC;
		by[n_by++] = CTA_CT_BY_FLOW;
	}
	cta_ctdump_init(&d, by, n_by, NULL);
	if (n_by) {
		r = cta_ctdump_run(&d);
		if (r == -ENOMEM)
			goto out;
		if (r < 0) {
			/* the dump's error goes in the records; only ENOMEM is fatal */
			int err = r;

			r = 0;
			if (want_entries)
				r = cta_collect_unavailable(c, "helpers.in_use",
							    "cannot dump the conntrack table: %s",
							    CTA_STRERROR(-err));
			if (r >= 0 && want_top)
				r = cta_collect_unavailable(c, "conntrack.top",
							    "cannot dump the conntrack table: %s",
							    CTA_STRERROR(-err));
			if (r < 0)
				goto out;
		} else
			dumped = true;
	}
	if (dumped && want_entries) {
		_cleanup_free_ struct cta_agg_item *items = NULL;
		ssize_t n = cta_agg_top(&d.agg[0], 0, &items);

		if (n < 0) {
			r = -ENOMEM;
			goto out;
		}
		for (ssize_t i = 0; i < n; i++) {
			char name[CTA_CT_KEY_STRLEN];

			if (!items[i].key[0])
				continue; /* no helper */
			cta_ct_key_format(CTA_CT_BY_HELPER, items[i].key, name, sizeof(name));
			if (json_object_set_new(ent_counts, name,
						json_integer((json_int_t)items[i].count)) < 0) {
				r = -ENOMEM;
				goto out;
			}
		}
	}

	/* in_use = entries with the helper attached + expectations it created */
	r = -ENOMEM;
	in_use = json_object();
	detail = json_object();
	if (!in_use || json_object_set_new(helpers, "in_use", in_use) < 0 || !detail ||
	    json_object_set_new(helpers, "in_use_detail", detail) < 0)
		goto out;
	json_object_foreach(ent_counts, key, v) {
		json_t *e = json_object_get(exp_counts, key);
		json_int_t ne = json_integer_value(v), nx = e ? json_integer_value(e) : 0;

		if (json_object_set_new(in_use, key, json_integer(ne + nx)) < 0 ||
		    json_object_set_new(detail, key,
					json_pack("{s:I, s:I}", "entries", ne, "expectations",
						  nx)) < 0)
			goto out;
	}
	json_object_foreach(exp_counts, key, v) {
		if (json_object_get(ent_counts, key))
			continue;
		if (json_object_set(in_use, key, v) < 0 ||
		    json_object_set_new(detail, key,
					json_pack("{s:I, s:I}", "entries", (json_int_t)0,
						  "expectations", json_integer_value(v))) < 0)
			goto out;
	}
	if (json_object_set_new(helpers, "in_use_source",
				json_string(dumped && want_entries ? "entries+expectations" :
								     "expectations")) < 0)
		goto out;

	if (dumped && want_top) {
		size_t is = want_entries ? 1 : 0;
		json_t *ct = cta_json_object_child(c->facts, "conntrack");
		json_t *top = json_pack("{s:I, s:b, s:o?, s:o?}", "entries", (json_int_t)d.entries,
					"approximate", d.approximate, "by_src",
					top_array(&d.agg[is], CTA_CT_BY_SRC, TOP_DEEP), "by_flow",
					top_array(&d.agg[is + 1], CTA_CT_BY_FLOW, TOP_DEEP));

		/* the rest of facts.conntrack belongs to the conntrack collector */
		if (!ct || !top || !json_object_get(top, "by_src") ||
		    !json_object_get(top, "by_flow")) {
			json_decref(top);
			goto out;
		}
		if (json_object_set_new(ct, "top", top) < 0)
			goto out;
	}
	r = 0;
out:
	cta_ctdump_done(&d);
	return r;
}
