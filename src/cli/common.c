// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cli.h"
#include "policy/derive-fw.h"
#include "policy/policy.h"
#include "util/fileio.h"
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

int cta_cli_common_opt(struct cta_cli_common *o, int opt, const char *arg)
{
	int64_t pid;

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
	case CTA_OPT_KERNEL:
		o->kernel = arg;
		return 1;
	case CTA_OPT_FACTS:
		o->facts = arg;
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

int cta_cli_common_check(const struct cta_cli_common *o)
{
	int sources = !!o->facts + !!o->offline + !!(o->netns || o->netns_pid);

	if (o->netns && o->netns_pid) {
		cta_cli_usage_error(cta_cli_command, "--netns and --netns-pid exclude each other");
		return -EINVAL;
	}
	if (sources > 1) {
		cta_cli_usage_error(
			cta_cli_command,
			"--facts, --offline and --netns/--netns-pid exclude each other");
		return -EINVAL;
	}
	if (o->kernel && !o->offline) {
		cta_cli_usage_error(cta_cli_command, "--kernel needs --offline");
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
