// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The boot-time sysctl values: what systemd-sysctl (and procps'
 * `sysctl --system`) will set from the sysctl.d hierarchy below the root.
 * Precedence follows systemd's conf-files logic, see KNOWLEDGE.md
 * "sysctl.d precedence" and docs/facts.md.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "collect/collect.h"
#include "collect/sysctl.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

/* Same bound as the kernel's path walk. */
#define CONF_FILE_MAX (16u << 20)

static const char *const sysctl_dirs[] = {
	"/etc/sysctl.d",
	"/run/sysctl.d",
	"/usr/local/lib/sysctl.d",
	"/usr/lib/sysctl.d",
	/* Debian's procps still reads /lib; with merged /usr it is /usr/lib again */
	"/lib/sysctl.d",
};

struct conf_file {
	char *name; /* basename: what decides order and hiding */
	char *path; /* as listed: /etc/sysctl.d/99-x.conf */
	char *resolved; /* after symlinks: what is read */
	bool masked;
	const char *hidden_by; /* path of the file with the same name that wins */
};

struct persisted_state {
	struct cta_collect_ctx *c;
	const char *root;
	json_t *keys; /* key -> {value, file, line, overridden} */
	json_t *files; /* persisted_files */
	json_t *errors; /* persisted_errors */
	json_t *excludes; /* persisted_excludes */
	struct conf_file *v;
	size_t n, cap;
};

static void state_done(struct persisted_state *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].path);
		free(s->v[i].resolved);
	}
	free(s->v);
}

static int add_error(struct persisted_state *s, const char *file, unsigned line, const char *fmt,
		     ...) _printf_(4, 5);
static int add_error(struct persisted_state *s, const char *file, unsigned line, const char *fmt,
		     ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	json_t *e;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	e = json_pack("{s:s, s:i, s:s}", "file", file, "line", (json_int_t)line, "message", msg);
	if (!e || json_array_append_new(s->errors, e) < 0)
		return -ENOMEM;
	return 0;
}

static bool is_masked(const char *root, const char *resolved)
{
	_cleanup_free_ char *full = NULL;
	struct stat st;

	if (streq(resolved, "/dev/null"))
		return true;
	/* a character device in place of the file masks it too (systemd's null_or_empty) */
	full = cta_path_join(root, resolved);
	return full && stat(full, &st) == 0 && S_ISCHR(st.st_mode);
}

static int add_file(struct persisted_state *s, const char *dir, const char *name)
{
	struct conf_file f = {};
	int r;

	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 32;
		struct conf_file *nv = realloc(s->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = ncap;
	}
	f.name = strdup(name);
	if (!f.name || asprintf(&f.path, "%s/%s", dir, name) < 0) {
		free(f.name);
		return -ENOMEM;
	}
	r = cta_resolve_in_root(s->root, f.path, &f.resolved);
	if (r == -ENOMEM) {
		free(f.name);
		free(f.path);
		return r;
	}
	if (r < 0) /* a symlink loop: keep the path, reading it fails later */
		f.resolved = strdup(f.path);
	if (!f.resolved) {
		free(f.name);
		free(f.path);
		return -ENOMEM;
	}
	f.masked = is_masked(s->root, f.resolved);
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->v[i].name, f.name) && !s->v[i].hidden_by) {
			f.hidden_by = s->v[i].path;
			break;
		}
	s->v[s->n++] = f;
	return 0;
}

static bool has_conf_suffix(const char *name, const void *unused)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && streq(name + n - 5, ".conf");
}

static int scan_dir(struct persisted_state *s, const char *dir, json_t *seen_dirs)
{
	_cleanup_free_ char *resolved = NULL, *full = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_(cta_strv_freep) char **names = NULL;
	ssize_t n;
	int r;

	r = cta_resolve_in_root(s->root, dir, &resolved);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	/* /lib/sysctl.d is /usr/lib/sysctl.d with merged /usr: read it once */
	if (json_object_get(seen_dirs, resolved))
		return 0;
	if (json_object_set_new(seen_dirs, resolved, json_true()) < 0)
		return -ENOMEM;
	full = cta_path_join(s->root, resolved);
	if (!full)
		return -ENOMEM;
	d = opendir(full);
	if (!d) {
		r = cta_negerrno();
		if (r == -ENOENT || r == -ENOTDIR)
			return 0;
		return cta_collect_unavailable_path(s->c, "persisted", dir, r);
	}
	n = cta_dir_names(d, has_conf_suffix, NULL, &names);
	if (n < 0)
		return (int)n;
	r = 0;
	for (ssize_t i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *fpath = NULL, *fres = NULL, *ffull = NULL;
		struct stat st;

		/* directories named *.conf are not configuration files */
		if (asprintf(&fpath, "%s/%s", dir, names[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		if (cta_resolve_in_root(s->root, fpath, &fres) == 0 &&
		    (ffull = cta_path_join(s->root, fres)) && stat(ffull, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			continue;
		r = add_file(s, dir, names[i]);
	}
	return r;
}

static int assign(struct persisted_state *s, const char *key, const char *value, const char *file,
		  unsigned line, bool ignore_failure)
{
	json_t *prev = json_object_get(s->keys, key), *overridden, *e;

	if (prev) {
		overridden = json_object_get(prev, "overridden");
		json_incref(overridden);
		json_incref(prev);
		json_object_del(prev, "overridden");
		if (json_array_append_new(overridden, prev) < 0) {
			json_decref(overridden);
			return -ENOMEM;
		}
	} else {
		overridden = json_array();
		if (!overridden)
			return -ENOMEM;
	}
	e = json_pack("{s:s, s:s, s:i, s:o}", "value", value, "file", file, "line",
		      (json_int_t)line, "overridden", overridden);
	if (!e)
		return -ENOMEM;
	if (ignore_failure && json_object_set_new(e, "ignore_failure", json_true()) < 0) {
		json_decref(e);
		return -ENOMEM;
	}
	return json_object_set_new(s->keys, key, e) < 0 ? -ENOMEM : 0;
}

static char *strip(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* Parse one file's text like systemd-sysctl's parse_file(). */
static int parse_conf(struct persisted_state *s, const char *file, char *text)
{
	unsigned lineno = 0;
	char *save = NULL;
	int r;

	for (char *l = text; l; l = save) {
		_cleanup_free_ char *key = NULL;
		bool ignore_failure = false;
		char *eq, *k, *v;

		save = strchr(l, '\n');
		if (save)
			*save++ = 0;
		lineno++;
		l = strip(l);
		if (!*l || *l == '#' || *l == ';')
			continue;
		eq = strchr(l, '=');
		if (!eq) {
			/* "-key" without a value excludes the key from an earlier glob */
			if (l[0] == '-' && l[1]) {
				_cleanup_free_ char *ex = cta_sysctl_normalize_key(strip(l + 1));
				json_t *e;

				if (!ex)
					return -ENOMEM;
				e = json_pack("{s:s, s:s, s:i}", "key", ex, "file", file, "line",
					      (json_int_t)lineno);
				if (!e || json_array_append_new(s->excludes, e) < 0)
					return -ENOMEM;
				continue;
			}
			r = add_error(s, file, lineno, "line is not an assignment: '%s'", l);
			if (r < 0)
				return r;
			continue;
		}
		*eq = 0;
		k = strip(l);
		v = cta_collapse_ws(eq + 1);
		if (*k == '-') {
			ignore_failure = true;
			k = strip(k + 1);
		}
		if (!*k) {
			r = add_error(s, file, lineno, "empty key before '='");
			if (r < 0)
				return r;
			continue;
		}
		key = cta_sysctl_normalize_key(k);
		if (!key)
			return -ENOMEM;
		r = assign(s, key, v, file, lineno, ignore_failure);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_conf(struct persisted_state *s, const char *resolved)
{
	_cleanup_free_ char *text = NULL;
	ssize_t n = cta_read_file_at(s->root, resolved, CONF_FILE_MAX, &text);

	if (n == -ENOMEM)
		return -ENOMEM;
	/* permission denied, a dangling link: what boot would set is partly unknown */
	if (n < 0)
		return cta_collect_unavailable_path(s->c, "persisted", resolved, (int)n);
	return parse_conf(s, resolved, text);
}

static int file_record(struct persisted_state *s, const char *path, const char *resolved,
		       bool masked, const char *hidden_by)
{
	json_t *e = json_pack("{s:s, s:b, s:s?}", "file", path, "masked", masked, "hidden_by",
			      hidden_by);

	if (!e)
		return -ENOMEM;
	if (!streq(path, resolved) && json_object_set_new(e, "target", json_string(resolved)) < 0) {
		json_decref(e);
		return -ENOMEM;
	}
	return json_array_append_new(s->files, e) < 0 ? -ENOMEM : 0;
}

static int conf_cmp(const void *a, const void *b)
{
	const struct conf_file *x = *(const struct conf_file *const *)a;
	const struct conf_file *y = *(const struct conf_file *const *)b;

	return strcmp(x->name, y->name);
}

static int collect(struct persisted_state *s)
{
	_cleanup_json_ json_t *seen_dirs = json_object();
	_cleanup_free_ struct conf_file **order = NULL;
	_cleanup_free_ char *sysctl_conf = NULL;
	const char *read_as = NULL;
	size_t n = 0;
	struct stat st;
	int r;

	if (!seen_dirs)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(sysctl_dirs); i++) {
		r = scan_dir(s, sysctl_dirs[i], seen_dirs);
		if (r < 0)
			return r;
	}
	order = calloc(s->n ? s->n : 1, sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		r = file_record(s, s->v[i].path, s->v[i].resolved, s->v[i].masked,
				s->v[i].hidden_by);
		if (r < 0)
			return r;
		if (!s->v[i].hidden_by)
			order[n++] = &s->v[i];
	}
	/* names are unique among the winners, so the sort is total */
	if (n)
		qsort(order, n, sizeof(*order), conf_cmp);
	for (size_t i = 0; i < n; i++) {
		if (order[i]->masked)
			continue;
		/* Debian: /etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf */
		if (streq(order[i]->resolved, "/etc/sysctl.conf"))
			read_as = order[i]->path;
		r = read_conf(s, order[i]->resolved);
		if (r < 0)
			return r;
	}

	/* procps reads /etc/sysctl.conf last; systemd-sysctl only through the link */
	r = cta_resolve_in_root(s->root, "/etc/sysctl.conf", &sysctl_conf);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0;
	{
		_cleanup_free_ char *full = cta_path_join(s->root, sysctl_conf);
		bool masked;

		if (!full)
			return -ENOMEM;
		masked = is_masked(s->root, sysctl_conf);
		if (!masked && (stat(full, &st) < 0 || !S_ISREG(st.st_mode)))
			return 0;
		r = file_record(s, "/etc/sysctl.conf", sysctl_conf, masked, read_as);
		if (r < 0 || masked || read_as)
			return r;
	}
	return read_conf(s, sysctl_conf);
}

int cta_collect_persisted(struct cta_collect_ctx *c)
{
	_cleanup_json_ json_t *keys = json_object(), *files = json_array(), *errors = json_array(),
			      *excludes = json_array();
	struct persisted_state s = {
		.c = c,
		.root = c->opts->root,
		.keys = keys,
		.files = files,
		.errors = errors,
		.excludes = excludes,
	};
	int r;

	if (!keys || !files || !errors || !excludes)
		return -ENOMEM;
	r = collect(&s);
	state_done(&s);
	if (r < 0)
		return r;
	if (json_object_set(c->facts, "persisted", keys) < 0 ||
	    json_object_set(c->facts, "persisted_files", files) < 0 ||
	    json_object_set(c->facts, "persisted_errors", errors) < 0)
		return -ENOMEM;
	if (json_array_size(excludes) > 0 &&
	    json_object_set(c->facts, "persisted_excludes", excludes) < 0)
		return -ENOMEM;
	return 0;
}
