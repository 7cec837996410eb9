// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The boot-time sysctl values: what systemd-sysctl (and procps'
 * `sysctl --system`) will set from the sysctl.d hierarchy below the root.
 * Which files and in what order is util/sysctl's cta_sysctl_conf_list()
 * (systemd's src/basic/conf-files.c, sysctl.d(5)); the layout of the facts is
 * in docs/facts.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "collect/collect.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/sysctl.h"
#include "util/banned.h"

/* Same bound as the kernel's path walk. */
#define CONF_FILE_MAX (16u << 20)

struct persisted_state {
	struct cta_collect_ctx *c;
	const char *root;
	json_t *keys; /* key -> {value, file, line, overridden} */
	json_t *files; /* persisted_files */
	json_t *errors; /* persisted_errors */
	json_t *excludes; /* persisted_excludes */
};

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

/* Parse one file's text like systemd-sysctl's parse_file(). */
static int parse_conf(struct persisted_state *s, const char *file, char *text)
{
	unsigned lineno = 0;
	char *save = NULL;
	int r = 0;

	for (char *l = text; l && r >= 0; l = save) {
		struct cta_sysctl_line pl;
		json_t *e;

		save = strchr(l, '\n');
		if (save)
			*save++ = 0;
		lineno++;
		switch (cta_sysctl_parse_line(l, &pl)) {
		case CTA_SYSCTL_LINE_EMPTY:
			break;
		case CTA_SYSCTL_LINE_EXCLUDE:
			e = json_pack("{s:s, s:s, s:i}", "key", pl.key, "file", file, "line",
				      (json_int_t)lineno);
			if (!e || json_array_append_new(s->excludes, e) < 0)
				r = -ENOMEM;
			break;
		case CTA_SYSCTL_LINE_NOT_ASSIGNMENT:
			r = add_error(s, file, lineno, "line is not an assignment: '%s'", pl.text);
			break;
		case CTA_SYSCTL_LINE_EMPTY_KEY:
			r = add_error(s, file, lineno, "empty key before '='");
			break;
		case CTA_SYSCTL_LINE_ASSIGN:
			r = assign(s, pl.key, pl.value, file, lineno, pl.ignore_failure);
			break;
		}
	}
	return r;
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

static int collect(struct persisted_state *s)
{
	_cleanup_(cta_sysctl_conf_list_done) struct cta_sysctl_conf_list l = {};
	int r;

	r = cta_sysctl_conf_list(s->root, &l);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l.n_dir_errors; i++) {
		r = cta_collect_unavailable_path(s->c, "persisted", l.dir_errors[i].dir,
						 l.dir_errors[i].error);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < l.n_files; i++) {
		const struct cta_sysctl_conf *f = &l.files[i];

		r = file_record(s, f->path, f->resolved, f->masked, f->hidden_by);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < l.n_order; i++) {
		r = read_conf(s, l.order[i]->resolved);
		if (r < 0)
			return r;
	}
	return 0;
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
