// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/stat.h>
#include "cli/cli.h"
#include "policy/derive-fw.h"
#include "policy/policy.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/sha256.h"
#include "util/macro.h"
#include "util/banned.h"

const char *cta_cli_command = "ctaudit";

void cta_cli_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ctaudit: %s: ", cta_cli_command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cta_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ctaudit: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nsee 'ctaudit %s --help'\n", cmd);
	return CTA_EXIT_USAGE;
}

int cta_cli_print(const char *s)
{
	if (fputs(s, stdout) == EOF || fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "ctaudit: error writing to standard output: %s\n",
			CTA_STRERROR(errno));
		return CTA_EXIT_HOST;
	}
	return CTA_EXIT_OK;
}

int cta_cli_output(const char *path, const char *s)
{
	int r;

	if (!path)
		return cta_cli_print(s);
	r = cta_write_file_atomic(path, s, strlen(s), 0644);
	if (r < 0) {
		cta_cli_error("cannot write '%s': %s", path, CTA_STRERROR(-r));
		return CTA_EXIT_HOST;
	}
	return CTA_EXIT_OK;
}

/* The spelling of a common option, for messages. */
static const char *common_opt_name(int opt)
{
	static const char *const names[] = {
		[CTA_OPT_ROOT - CTA_OPT_ROOT] = "--root",
		[CTA_OPT_NETNS - CTA_OPT_ROOT] = "--netns",
		[CTA_OPT_NETNS_PID - CTA_OPT_ROOT] = "--netns-pid",
		[CTA_OPT_OFFLINE - CTA_OPT_ROOT] = "--offline",
		[CTA_OPT_KERNEL - CTA_OPT_ROOT] = "--kernel",
		[CTA_OPT_FACTS - CTA_OPT_ROOT] = "--facts",
		[CTA_OPT_FORMAT - CTA_OPT_ROOT] = "--format",
		[CTA_OPT_INTERVAL - CTA_OPT_ROOT] = "--interval",
		[CTA_OPT_ALL_NETNS - CTA_OPT_ROOT] = "--all-netns",
		[CTA_OPT_JOBS - CTA_OPT_ROOT] = "--jobs",
	};
	unsigned i = (unsigned)(opt - CTA_OPT_ROOT);

	return i < ELEMENTSOF(names) && names[i] ? names[i] : "?";
}

int cta_cli_common_opt(struct cta_cli_common *o, int opt, const char *arg)
{
	int64_t pid;

	if (opt >= CTA_OPT_ROOT && opt < CTA_OPT_FIRST_PRIVATE &&
	    !streq(common_opt_name(opt), "?")) {
		/* none of them accumulates: a second one would silently win */
		if (o->seen & CTA_CLI_SEEN(opt)) {
			cta_cli_usage_error(cta_cli_command, "'%s' given twice",
					    common_opt_name(opt));
			return -EINVAL;
		}
		o->seen |= CTA_CLI_SEEN(opt);
	}

	switch (opt) {
	case CTA_OPT_ROOT:
		o->root = arg;
		return 1;
	case CTA_OPT_NETNS:
		if (!*arg || strchr(arg, '/') || streq(arg, ".") || streq(arg, "..")) {
			cta_cli_usage_error(cta_cli_command, "invalid namespace name '%s'", arg);
			return -EINVAL;
		}
		o->netns = arg;
		return 1;
	case CTA_OPT_NETNS_PID:
		if (cta_parse_i64(arg, &pid) < 0 || pid <= 0 || pid > 0x3fffffff) {
			cta_cli_usage_error(cta_cli_command, "invalid pid '%s'", arg);
			return -EINVAL;
		}
		o->netns_pid = (int)pid;
		return 1;
	case CTA_OPT_OFFLINE:
		o->offline = true;
		return 1;
	case CTA_OPT_ALL_NETNS:
		o->all_netns = true;
		return 1;
	case CTA_OPT_NETNS_FILTER:
		/* repeatable: namespaces matching any of them */
		if (cta_cli_strv_push(&o->netns_filters, &o->n_netns_filters, arg) < 0) {
			cta_cli_error("out of memory");
			return -ENOMEM;
		}
		o->seen |= CTA_CLI_SEEN(opt);
		return 1;
	case CTA_OPT_JOBS:
		if (cta_parse_i64(arg, &pid) < 0 || pid < 1 || pid > 256) {
			cta_cli_usage_error(cta_cli_command, "invalid number of jobs '%s' (1-256)",
					    arg);
			return -EINVAL;
		}
		o->jobs = (unsigned)pid;
		return 1;
	case CTA_OPT_KERNEL:
		o->kernel = arg;
		return 1;
	case CTA_OPT_FACTS:
		o->facts = arg;
		return 1;
	case CTA_OPT_INTERVAL:
		/* an hour bounds a command that only sleeps; a baseline covers longer spans */
		if (cta_parse_i64(arg, &pid) < 0 || pid < 1 || pid > 3600) {
			cta_cli_usage_error(cta_cli_command,
					    "invalid interval '%s' (1 to 3600 seconds)", arg);
			return -EINVAL;
		}
		o->interval = (unsigned)pid;
		return 1;
	case CTA_OPT_FORMAT:
		if (streq(arg, "text"))
			o->format = CTA_FORMAT_TEXT;
		else if (streq(arg, "json"))
			o->format = CTA_FORMAT_JSON;
		else {
			cta_cli_usage_error(cta_cli_command, "unknown format '%s' (text or json)",
					    arg);
			return -EINVAL;
		}
		return 1;
	}
	return 0;
}

/* The first two of @opts (CTA_OPT_*, 0-terminated) that were given, or NULL. */
static bool two_given(const struct cta_cli_common *o, const int *opts, const char **a,
		      const char **b)
{
	*a = *b = NULL;
	for (; *opts; opts++) {
		if (!(o->seen & CTA_CLI_SEEN(*opts)))
			continue;
		if (!*a)
			*a = common_opt_name(*opts);
		else {
			*b = common_opt_name(*opts);
			return true;
		}
	}
	return false;
}

void cta_cli_common_done(struct cta_cli_common *o)
{
	free(o->netns_filters);
	o->netns_filters = NULL;
	o->n_netns_filters = 0;
}

int cta_cli_common_check(const struct cta_cli_common *o)
{
	static const int sources[] = { CTA_OPT_FACTS,	  CTA_OPT_OFFLINE,   CTA_OPT_NETNS,
				       CTA_OPT_NETNS_PID, CTA_OPT_ALL_NETNS, 0 };
	const char *a, *b;

	/* where the facts come from: exactly one place */
	if (two_given(o, sources, &a, &b)) {
		cta_cli_usage_error(cta_cli_command, "'%s' and '%s' exclude each other", a, b);
		return -EINVAL;
	}
	if (o->root) {
		struct stat st;

		/*
		 * A typo must not become a fresh tree that apply fills.  What
		 * cannot be looked at (EACCES) is left to the command, which
		 * says what it needs (apply: root).
		 */
		int e = stat(o->root, &st) < 0 ? errno : 0;

		if (e ? e != EACCES : !S_ISDIR(st.st_mode)) {
			cta_cli_usage_error(cta_cli_command, "'--root': '%s' %s", o->root,
					    e == ENOENT ? "does not exist" : "is not a directory");
			return -EINVAL;
		}
	}
	if ((o->netns_filters || o->jobs) && !o->all_netns) {
		cta_cli_usage_error(cta_cli_command, "'%s' needs '--all-netns'",
				    o->netns_filters ? "--netns-filter" : "--jobs");
		return -EINVAL;
	}
	if (o->kernel && !o->offline) {
		cta_cli_usage_error(cta_cli_command, "'--kernel' needs '--offline'");
		return -EINVAL;
	}
	if (o->deep && (o->facts || o->offline)) {
		/* a snapshot or an image has no conntrack table to dump */
		cta_cli_usage_error(cta_cli_command, "'--deep' and '%s' exclude each other",
				    o->facts ? "--facts" : "--offline");
		return -EINVAL;
	}
	if (o->interval && o->all_netns) {
		/* every child would sleep: sample one namespace at a time instead */
		cta_cli_usage_error(cta_cli_command,
				    "'--interval' and '--all-netns' exclude each other");
		return -EINVAL;
	}
	if (o->interval && (o->facts || o->offline)) {
		/* a snapshot or an image has no counters that move */
		cta_cli_usage_error(cta_cli_command, "'--interval' and '%s' exclude each other",
				    o->facts ? "--facts" : "--offline");
		return -EINVAL;
	}
	return 0;
}

int cta_cli_get_facts(const struct cta_cli_common *o, const char *const *extra_sysctls,
		      json_t **ret_facts)
{
	struct cta_collect_opts co = {
		.root = o->root,
		.offline = o->offline,
		.kernel = o->kernel,
		.extra_sysctls = extra_sysctls,
		.deep = o->deep,
		.baseline = true,
		.interval = o->interval,
	};
	int r;

	if (o->facts) {
		_cleanup_free_ char *err = NULL;

		r = cta_facts_load(o->facts, ret_facts, &err);
		if (r == -EINVAL) {
			fprintf(stderr, "%s\n", err ? err : "invalid facts file");
			return CTA_EXIT_USAGE;
		}
		if (r < 0) {
			cta_cli_error("cannot read '%s': %s", o->facts, CTA_STRERROR(-r));
			return r == -ENOENT ? CTA_EXIT_USAGE : CTA_EXIT_HOST;
		}
		return 0;
	}
	if (o->netns) {
		r = cta_netns_enter_name(o->netns);
		if (r < 0) {
			cta_cli_error("cannot enter network namespace '%s': %s", o->netns,
				      CTA_STRERROR(-r));
			return r == -ENOENT ? CTA_EXIT_USAGE : CTA_EXIT_HOST;
		}
	} else if (o->netns_pid) {
		r = cta_netns_enter_pid(o->netns_pid);
		if (r < 0) {
			cta_cli_error("cannot enter the network namespace of pid %d: %s",
				      o->netns_pid, CTA_STRERROR(-r));
			return r == -ESRCH || r == -ENOENT ? CTA_EXIT_USAGE : CTA_EXIT_HOST;
		}
	}
	r = cta_collect_all(&co, ret_facts);
	/* the facts command shows the derived firewall fact as evaluation sees it */
	if (r >= 0)
		r = cta_derive_fw(*ret_facts);
	if (r < 0) {
		cta_cli_error("cannot collect facts: %s", CTA_STRERROR(-r));
		return CTA_EXIT_HOST;
	}
	if (o->save_baseline && !o->offline) {
		r = cta_baseline_save(o->root, *ret_facts);
		/* the audit itself is fine: the next one just has no interval; an
		 * unprivileged audit cannot write root's state and need not say so */
		if (r < 0 && r != -ENODATA &&
		    !(geteuid() != 0 && (r == -EACCES || r == -EPERM || r == -EROFS)))
			cta_cli_error("cannot save the counters' baseline: %s", CTA_STRERROR(-r));
	}
	return 0;
}

int cta_cli_strv_push(const char ***v, size_t *n, const char *s)
{
	const char **nv = realloc(*v, (*n + 2) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

int cta_cli_load_policy(const char *root, const char *const *profile_dirs, struct cta_policy **ret)
{
	struct cta_policy_opts opts = { .root = root, .profile_dirs = profile_dirs };
	struct cta_diags diags = { 0 };
	int r;

	r = cta_policy_load(&opts, &diags, ret);
	if (r >= 0) {
		r = cta_cli_load_site(root, *ret, &diags);
		if (r < 0) {
			cta_policy_free(*ret);
			*ret = NULL;
		}
	}
	cta_diags_print(&diags, stderr);
	if (r < 0 && r != -EINVAL && cta_diags_empty(&diags))
		cta_cli_error("cannot load the rule catalog: %s", CTA_STRERROR(-r));
	cta_diags_done(&diags);
	if (r == -ENOMEM)
		return CTA_EXIT_HOST;
	return r < 0 ? CTA_EXIT_USAGE : 0;
}

const char *cta_cli_utc_now(char buf[static CTA_CLI_UTC_STRLEN])
{
	time_t t = time(NULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, CTA_CLI_UTC_STRLEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return buf;
}

int cta_cli_stamp_report(struct cta_report *r, const struct cta_cli_common *o)
{
	char now[CTA_CLI_UTC_STRLEN];

	/* a loaded snapshot does not say which root it was read below */
	return cta_report_set_origin(r, CTA_VERSION, cta_cli_utc_now(now),
				     o->facts ? NULL : o->root);
}

/* An offline collection says so in "unavailable" (docs/facts.md). */
static bool facts_offline(const json_t *facts)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(facts, "unavailable"), i, e) {
		const char *reason = json_string_value(json_object_get(e, "reason"));

		if (reason && streq(reason, "offline"))
			return true;
	}
	return false;
}

static int set_if_absent(json_t *o, const char *key, json_t *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_get(o, key)) {
		json_decref(v);
		return 0;
	}
	return json_object_set_new(o, key, v) < 0 ? -ENOMEM : 0;
}

int cta_cli_stamp(json_t *out, const struct cta_cli_common *o, const json_t *facts)
{
	const json_t *host = json_object_get(facts, "host"), *v;
	static const char *const from_host[] = { "hostname", "netns", "netns_inode", "machine_id" };
	json_t *target;
	char at[CTA_CLI_UTC_STRLEN];
	int r;

	if (!cta_cli_utc_now(at))
		return -EINVAL;
	r = set_if_absent(out, "ctaudit_version", json_string(CTA_VERSION));
	if (r >= 0)
		r = set_if_absent(out, "generated_at", json_string(at));
	if (r >= 0)
		r = set_if_absent(out, "target", json_object());
	if (r < 0)
		return r;

	target = json_object_get(out, "target");
	for (size_t i = 0; i < ELEMENTSOF(from_host); i++) {
		v = json_object_get(host, from_host[i]);
		if (v && (r = set_if_absent(target, from_host[i], json_deep_copy(v))) < 0)
			return r;
	}
	r = set_if_absent(target, "offline", json_boolean(o->offline || facts_offline(facts)));
	/* a snapshot does not record the root it was read below */
	if (r >= 0 && o->root && !streq(o->root, "/") && !o->facts)
		r = set_if_absent(target, "root", json_string(o->root));
	if (r >= 0 && o->netns)
		r = set_if_absent(target, "netns_name", json_string(o->netns));
	if (r >= 0 && o->netns_pid)
		r = set_if_absent(target, "netns_pid", json_integer(o->netns_pid));
	return r < 0 ? r : 0;
}

int cta_cli_catalog_digest(const struct cta_policy *p, char **ret)
{
	_cleanup_json_ json_t *cat = NULL;
	_cleanup_free_ char *canon = NULL;
	json_t *rule;
	char hex[65];
	size_t i;
	int r;

	/*
	 * The digest covers what the rules say, not where they were installed:
	 * the same catalog gives the same digest from the source tree, /usr/share
	 * or a site directory.
	 */
	r = cta_policy_catalog_json(p, &cat);
	if (r < 0)
		return r;
	json_array_foreach(cat, i, rule)
		json_object_del(rule, "file");
	canon = json_dumps(cat, JSON_SORT_KEYS | JSON_COMPACT);
	if (!canon)
		return -ENOMEM;
	cta_sha256_hex(canon, strlen(canon), hex);
	free(*ret);
	return asprintf(ret, "sha256:%s", hex) < 0 ? (*ret = NULL, -ENOMEM) : 0;
}
