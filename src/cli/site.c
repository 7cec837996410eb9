// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /etc/ctaudit/ctaudit.yaml: the site's defaults, so that configuration
 * management does not repeat them on every command line.  Loaded strictly:
 * an unknown key, a wrong type, an unknown profile, severity or parameter is
 * a file:line:col error (exit 2).  ctaudit.yaml(5) documents the format.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/cli.h"
#include "policy/policy.h"
#include "policy/yaml.h"
#include "util/config.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/rootfs.h"
#include "util/banned.h"

struct cta_cli_site cta_cli_site = { .fail_on = -1 };

static const char *const *site_profiles(void)
{
	static const char *const auto_only[] = { "auto", NULL };

	return cta_cli_site.profiles ? (const char *const *)cta_cli_site.profiles : auto_only;
}

const char *const *cta_cli_default_profiles(const char *const *given)
{
	return given && given[0] ? given : site_profiles();
}

int cta_cli_default_fail_on(int given)
{
	if (given >= 0)
		return given;
	return cta_cli_site.fail_on >= 0 ? cta_cli_site.fail_on : CTA_SEVERITY_HIGH;
}

static int err_at(struct cta_diags *diags, const struct cta_ydoc *d, const struct cta_ynode *n,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int err_at(struct cta_diags *diags, const struct cta_ydoc *d, const struct cta_ynode *n,
		  const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		msg = NULL;
		return -ENOMEM;
	}
	r = cta_diag_add_src(diags, d->file, n->line, n->col, "%s", msg);
	return r < 0 ? r : -EINVAL;
}

static bool known_profile(json_t *list, const char *name)
{
	size_t i;
	json_t *x;

	if (streq(name, "auto"))
		return true;
	json_array_foreach(list, i, x)
		if (streq(json_string_value(json_object_get(x, "profile")), name))
			return true;
	return false;
}

static int load_profiles(struct cta_policy *p, const struct cta_ydoc *d, const struct cta_ynode *n,
			 struct cta_diags *diags)
{
	_cleanup_json_ json_t *list = NULL;
	const struct cta_ynode *const *items = (const struct cta_ynode *const *)&n;
	size_t count = 1;
	int r = 0;

	if (n->kind == CTA_YNODE_SEQ) {
		items = (const struct cta_ynode *const *)n->items;
		count = n->n;
	} else if (n->kind != CTA_YNODE_SCALAR)
		return err_at(diags, d, n,
			      "'profile' must be a profile name or a list of names, not %s",
			      cta_ynode_kind_name(n));
	if (cta_policy_profiles_json(p, &list) < 0)
		return -ENOMEM;
	cta_cli_site.profiles = calloc(count + 1, sizeof(char *));
	if (!cta_cli_site.profiles)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		const struct cta_ynode *x = items[i];

		if (x->kind != CTA_YNODE_SCALAR || !*x->str) {
			r = err_at(diags, d, x, "'profile' must list profile names, not %s",
				   x->kind == CTA_YNODE_SCALAR ? "an empty string" :
								 cta_ynode_kind_name(x));
			continue;
		}
		if (!known_profile(list, x->str)) {
			r = err_at(diags, d, x,
				   "unknown profile '%s' (see 'ctaudit profiles list')", x->str);
			continue;
		}
		cta_cli_site.profiles[i] = strdup(x->str);
		if (!cta_cli_site.profiles[i])
			return -ENOMEM;
	}
	return r;
}

static int load_params(struct cta_policy *p, const struct cta_ydoc *d, const struct cta_ynode *n,
		       struct cta_diags *diags)
{
	int r = 0;

	if (n->kind != CTA_YNODE_MAP)
		return err_at(diags, d, n, "'params' must be a mapping, not %s",
			      cta_ynode_kind_name(n));
	for (size_t i = 0; i < n->n; i++) {
		const struct cta_ynode *k = n->pairs[i].key;
		_cleanup_json_ json_t *v = cta_policy_value_from_yaml(n->pairs[i].value);
		const char *want = NULL;
		int q;

		if (!v)
			return -ENOMEM;
		q = cta_policy_set_param(p, k->str, v, &want);
		if (q == -ENOMEM)
			return q;
		if (q == -ENOENT)
			r = err_at(diags, d, k,
				   "unknown parameter '%s': no rule or profile declares it",
				   k->str);
		else if (q == -EINVAL)
			r = err_at(diags, d, n->pairs[i].value, "parameter '%s' must be %s", k->str,
				   want);
	}
	return r;
}

int cta_cli_load_site(const char *root, struct cta_policy *p, struct cta_diags *diags)
{
	_cleanup_free_ char *path = cta_path_join(root, CTA_SITE_DEFAULTS);
	_cleanup_(cta_ydoc_freep) struct cta_ydoc *d = NULL;
	_cleanup_close_ int rootfd = -EBADF, fd = -EBADF;
	_cleanup_free_ char *why = NULL;
	int r, ret = 0;

	if (!path)
		return -ENOMEM;
	/* loaded again for each policy load (apply re-audits): start afresh */
	cta_strv_free(TAKE_PTR(cta_cli_site.profiles));
	cta_cli_site.fail_on = -1;
	/* it sets what fails and what apply may change: only the root's own
	 * file (resolved inside the root), owned and writable only by root */
	rootfd = cta_root_open(root);
	if (rootfd < 0)
		return cta_diag_add(diags, root, 0, 0, "cannot open root: %s", CTA_STRERROR(-rootfd)) ?:
			       -EINVAL;
	fd = cta_open_trusted(rootfd, CTA_SITE_DEFAULTS, false, &why);
	/* the file is optional; every other problem with it is an error */
	if (fd == -ENOENT && !why)
		return 0;
	if (fd == -ENOMEM)
		return fd;
	if (fd < 0)
		return cta_diag_add(diags, path, 0, 0, why ? "refusing to load it: %s" : "cannot read: %s", why ?: CTA_STRERROR(-fd)) ?:
			       -EINVAL;
	r = cta_ydoc_load_fd(fd, path, diags, &d);
	if (r < 0)
		return r == -ENOMEM ? r : -EINVAL;
	if (d->root->kind != CTA_YNODE_MAP)
		return err_at(diags, d, d->root,
			      "expected a mapping of 'profile', 'fail-on' and 'params', not %s",
			      cta_ynode_kind_name(d->root));
	for (size_t i = 0; i < d->root->n; i++) {
		const struct cta_ynode *k = d->root->pairs[i].key, *v = d->root->pairs[i].value;

		if (streq(k->str, "profile"))
			r = load_profiles(p, d, v, diags);
		else if (streq(k->str, "fail-on")) {
			int s = v->kind == CTA_YNODE_SCALAR ? cta_severity_from_string(v->str) :
							      -EINVAL;

			if (s < 0)
				r = err_at(
					diags, d, v,
					"'fail-on' must be critical, high, medium, low or info, not '%s'",
					v->kind == CTA_YNODE_SCALAR ? v->str :
								      cta_ynode_kind_name(v));
			else
				cta_cli_site.fail_on = s;
		} else if (streq(k->str, "params"))
			r = load_params(p, d, v, diags);
		else
			r = err_at(diags, d, k, "unknown key '%s' (profile, fail-on or params)",
				   k->str);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			ret = r;
	}
	return ret;
}
