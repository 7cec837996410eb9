// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "collect/collect.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/sysctl.h"
#include "util/banned.h"

/* Longest sysctl value we accept (ip_local_reserved_ports can be long). */
#define SYSCTL_VALUE_MAX (1u << 20)

/* Which "sysctl.<dir>" sections were already reported unavailable. */
struct sysctl_state {
	struct cta_collect_ctx *c;
	json_t *out;
	json_t *reported; /* section -> its unavailable record */
};

/*
 * One unavailable record per directory ("sysctl.net.ipv4"), naming the keys
 * that could not be read, so that a reader knows the rest of the section is
 * there.  @path_rel is the key's path, or "DIR/" for a whole directory.
 */
static int report_denied(struct sysctl_state *s, const char *path_rel, int negerr)
{
	_cleanup_free_ char *dir = strdup(path_rel), *dkey = NULL, *key = NULL, *section = NULL;
	_cleanup_free_ char *reason = NULL;
	json_t *rec, *list;
	char *slash;
	int r;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	dkey = cta_sysctl_path_to_key(dir);
	if (!dkey || asprintf(&section, "sysctl.%s", dkey) < 0)
		return -ENOMEM;
	key = slash && slash[1] ? cta_sysctl_path_to_key(path_rel) : NULL;
	rec = json_object_get(s->reported, section);
	if (rec) {
		const char *old = json_string_value(json_object_get(rec, "reason"));

		if (!key)
			return 0;
		if (asprintf(&reason, "%s, '%s'", old ? old : "", key) < 0)
			return -ENOMEM;
		return json_object_set_new(rec, "reason", json_string(reason)) < 0 ? -ENOMEM : 0;
	}
	r = cta_collect_unavailable_errno(s->c, section, negerr);
	if (r < 0)
		return r;
	list = json_object_get(s->c->facts, "unavailable");
	rec = json_array_get(list, json_array_size(list) - 1);
	if (!rec || json_object_set(s->reported, section, rec) < 0)
		return -ENOMEM;
	if (key) {
		if (asprintf(&reason, "%s: '%s'", json_string_value(json_object_get(rec, "reason")),
			     key) < 0)
			return -ENOMEM;
		if (json_object_set_new(rec, "reason", json_string(reason)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Keys whose value is a secret (root-only, mode 0600): a snapshot is meant to
 * be shared and attached to tickets, so their value is never recorded.
 */
static bool key_is_secret(const char *key)
{
	static const char *const secrets[] = { "net.ipv4.tcp_fastopen_key" };

	for (size_t i = 0; i < ELEMENTSOF(secrets); i++)
		if (streq(key, secrets[i]))
			return true;
	return false;
}

/* Read one key given by its path relative to /proc/sys.  Absent keys stay absent. */
static int read_key(struct sysctl_state *s, const char *path_rel)
{
	_cleanup_free_ char *path = NULL, *value = NULL, *key = NULL;
	struct stat st;
	int r;

	r = cta_sysctl_proc_path(s->c->opts->procfs, path_rel, &path);
	if (r == -EINVAL) /* ".." from a policy's key: nothing below /proc/sys */
		return 0;
	if (r < 0)
		return r;
	key = cta_sysctl_path_to_key(path_rel);
	if (!key)
		return -ENOMEM;
	if (stat(path, &st) < 0) {
		r = cta_negerrno();
		return r == -EACCES || r == -EPERM ? report_denied(s, path_rel, r) : 0;
	}
	/* Write-only keys (route/flush and friends) have no value to show. */
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0444))
		return 0;
	r = cta_sysctl_read(s->c->opts->procfs, key, SYSCTL_VALUE_MAX, &value);
	if (r == -ENOMEM)
		return r;
	if (r == -EACCES || r == -EPERM)
		return report_denied(s, path_rel, r);
	if (r < 0)
		return 0;
	cta_collapse_ws(value);
	if (json_object_set_new(s->out, key,
				json_string(key_is_secret(key) ? "<redacted>" : value)) < 0)
		return -ENOMEM;
	return 0;
}

static bool has_prefix(const char *name, const void *prefix)
{
	return strneq(name, prefix, strlen(prefix));
}

/* Every entry of the directory @dir_rel (below /proc/sys) whose name starts with @prefix. */
static int read_dir(struct sysctl_state *s, const char *dir_rel, const char *prefix)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_(cta_strv_freep) char **names = NULL;
	ssize_t n;
	int r = 0;

	if (asprintf(&rel, "sys/%s", dir_rel) < 0)
		return -ENOMEM;
	path = cta_collect_proc_path(s->c, rel);
	if (!path)
		return -ENOMEM;
	d = opendir(path);
	if (!d) {
		r = cta_negerrno();
		if (r == -EACCES || r == -EPERM) {
			_cleanup_free_ char *whole = NULL;

			if (asprintf(&whole, "%s/", dir_rel) < 0)
				return -ENOMEM;
			return report_denied(s, whole, r);
		}
		/* a directory the kernel lacks (no br_netfilter, no conntrack): keys absent */
		return 0;
	}
	/* sorted, so that unavailable records and errors come out deterministically */
	n = cta_dir_names(d, has_prefix, prefix, &names);
	if (n < 0)
		return (int)n;
	for (ssize_t i = 0; i < n; i++) {
		_cleanup_free_ char *key_rel = NULL;

		if (asprintf(&key_rel, "%s/%s", dir_rel, names[i]) < 0)
			return -ENOMEM;
		r = read_key(s, key_rel);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A policy may name "net.ipv4.conf.*.rp_filter": every matching key. */
static int read_glob(struct sysctl_state *s, const char *pattern_rel)
{
	_cleanup_free_ char *base = cta_collect_proc_path(s->c, "sys"), *pattern = NULL;
	glob_t g = {};
	size_t blen;
	int r = 0;

	if (!base || asprintf(&pattern, "%s/%s", base, pattern_rel) < 0)
		return -ENOMEM;
	blen = strlen(base) + 1;
	switch (glob(pattern, GLOB_NOSORT, NULL, &g)) {
	case 0:
		break;
	case GLOB_NOSPACE:
		return -ENOMEM;
	default:
		return 0; /* no match: no such keys */
	}
	for (size_t i = 0; i < g.gl_pathc && r >= 0; i++)
		if (strneq(g.gl_pathv[i], base, blen - 1) && g.gl_pathv[i][blen - 1] == '/')
			r = read_key(s, g.gl_pathv[i] + blen);
	globfree(&g);
	return r;
}

int cta_collect_sysctl(struct cta_collect_ctx *c)
{
	static const struct {
		const char *dir, *prefix;
	} dirs[] = {
		{ "net/ipv4", "tcp_" },
		{ "net/netfilter", "nf_conntrack_" },
		{ "net/bridge", "bridge-nf-call-" },
	};
	static const char *const keys[] = {
		"net/ipv4/ip_local_port_range",
		"net/ipv4/ip_local_reserved_ports",
		"net/ipv4/ip_unprivileged_port_start",
		"net/ipv4/ip_forward",
		"net/core/somaxconn",
		"net/core/netdev_max_backlog",
		"net/ipv6/conf/all/forwarding",
		"net/ipv4/conf/all/route_localnet",
		"net/ipv4/neigh/default/gc_thresh3",
		"net/ipv6/neigh/default/gc_thresh3",
	};
	/* the interface names tell whether a pod bridge (cni0, cbr0) exists */
	static const char *const globs[] = {
		"net/ipv4/conf/*/forwarding",
	};
	_cleanup_json_ json_t *out = NULL, *reported = NULL;
	struct sysctl_state s;
	int r;

	/* cta_collect_all() then fills the section from the boot-time values */
	if (c->opts->offline)
		return cta_collect_unavailable(c, "sysctl", "offline");
	out = json_object();
	reported = json_object();
	if (!out || !reported)
		return -ENOMEM;
	s = (struct sysctl_state){ .c = c, .out = out, .reported = reported };
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		r = read_dir(&s, dirs[i].dir, dirs[i].prefix);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		r = read_key(&s, keys[i]);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ELEMENTSOF(globs); i++) {
		r = read_glob(&s, globs[i]);
		if (r < 0)
			return r;
	}
	for (const char *const *k = c->opts->extra_sysctls; k && *k; k++) {
		_cleanup_free_ char *norm = cta_sysctl_normalize_key(*k), *rel = NULL;

		if (!norm)
			return -ENOMEM;
		rel = cta_sysctl_key_to_path(norm);
		if (!rel)
			return -ENOMEM;
		if (!cta_sysctl_path_valid(rel))
			continue;
		r = strpbrk(rel, "*?[") ? read_glob(&s, rel) : read_key(&s, rel);
		if (r < 0)
			return r;
	}
	if (json_object_set(c->facts, "sysctl", out) < 0)
		return -ENOMEM;
	return 0;
}
