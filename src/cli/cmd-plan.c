// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apply/allow.h"
#include "apply/fsroot.h"
#include "cli/allns.h"
#include "cli/cli.h"
#include "cli/cmd-plan.h"
#include "collect/collect.h"
#include "plan/converge.h"
#include "plan/plan.h"
#include "policy/policy.h"
#include "render/plan-render.h"
#include "render/report.h"
#include "util/diag.h"
#include "util/json.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/banned.h"

int cta_plan_cli_opt(struct cta_plan_cli *o, int opt, const char *arg)
{
	int r = cta_cli_common_opt(&o->common, opt, arg);

	if (r != 0)
		return r;
	switch (opt) {
	case CTA_OPT_PROFILE:
		return cta_cli_strv_push(&o->profiles, &o->n_profiles, arg) < 0 ? -ENOMEM : 1;
	case CTA_OPT_PROFILE_DIR:
		return cta_cli_strv_push(&o->profile_dirs, &o->n_profile_dirs, arg) < 0 ? -ENOMEM :
											  1;
	case CTA_OPT_SYSCTL_FILE:
		/* the file is ctaudit's own and rewritten whole: a *.conf in a
		 * sysctl.d directory; apply checks it again once resolved in the root */
		if (cta_allow_sysctl_file(arg, &o->sysctl_file) < 0) {
			cta_cli_usage_error(cta_cli_command,
					    "'--sysctl-file' must be a *.conf file in a sysctl.d "
					    "directory (sysctl.d(5)), not '%s'",
					    arg);
			return -EINVAL;
		}
		return 1;
	case CTA_OPT_FIX_OVERRIDES:
		o->fix_overrides = true;
		return 1;
	case CTA_OPT_BOOT_FILES:
		o->boot_files = true;
		return 1;
	case CTA_OPT_REPORT:
		o->report = arg;
		return 1;
	case CTA_OPT_FAIL_ON: {
		int sev = cta_severity_from_string(arg);

		if (sev < 0) {
			cta_cli_usage_error(
				cta_cli_command,
				"unknown severity '%s' (critical, high, medium, low or info)", arg);
			return -EINVAL;
		}
		o->fail_on = (enum cta_severity)sev;
		o->fail_on_set = true;
		return 1;
	}
	}
	return 0;
}

void cta_plan_cli_done(struct cta_plan_cli *o)
{
	free(o->sysctl_file);
	free(o->profiles);
	free(o->profile_dirs);
	cta_cli_common_done(&o->common);
}

static int get_report(const struct cta_plan_cli *o, json_t **ret_facts,
		      struct cta_report **ret_report, struct cta_policy **ret_policy)
{
	_cleanup_(cta_diags_done) struct cta_diags diags = { 0 };
	_cleanup_(cta_policy_freep) struct cta_policy *pol = NULL;
	_cleanup_report_ struct cta_report *report = NULL;
	_cleanup_json_ json_t *facts = NULL;
	int r;

	if (o->report) {
		_cleanup_free_ char *err = NULL;

		r = cta_report_load_file(o->report, &report, &err);
		if (r < 0) {
			if (err)
				fprintf(stderr, "%s\n", err);
			else
				cta_cli_error("cannot read '%s': %s", o->report, CTA_STRERROR(-r));
			return r == -EINVAL || r == -ENOENT ? CTA_EXIT_USAGE : CTA_EXIT_HOST;
		}
		/* the catalog checks the planned state (cta_plan_converge()) */
		r = cta_cli_load_policy(o->common.root, o->profile_dirs, &pol);
		if (r > 0)
			return r;
		r = cta_cli_get_facts(&o->common, cta_policy_sysctl_keys(pol), &facts);
		if (r > 0)
			return r;
		*ret_facts = TAKE_PTR(facts);
		*ret_report = TAKE_PTR(report);
		*ret_policy = TAKE_PTR(pol);
		return 0;
	}

	r = cta_cli_load_policy(o->common.root, o->profile_dirs, &pol);
	if (r > 0)
		return r;
	r = cta_cli_get_facts(&o->common, cta_policy_sysctl_keys(pol), &facts);
	if (r > 0)
		return r;
	r = cta_policy_audit(pol, cta_cli_default_profiles(o->profiles), facts, &diags, &report);
	if (r == -EINVAL) {
		cta_diags_print(&diags, stderr);
		return CTA_EXIT_USAGE;
	}
	if (r >= 0)
		r = cta_cli_stamp_report(report, &o->common);
	if (r >= 0)
		r = cta_cli_catalog_digest(pol, &report->catalog_digest);
	if (r < 0) {
		cta_cli_error("audit failed: %s", CTA_STRERROR(-r));
		return CTA_EXIT_HOST;
	}
	*ret_facts = TAKE_PTR(facts);
	*ret_report = TAKE_PTR(report);
	*ret_policy = TAKE_PTR(pol);
	return 0;
}

/* The evaluate stage for cta_plan_converge(): the report's own profiles, never
 * "auto" again (the planned state must not change the role). */
struct evaluate_ctx {
	const struct cta_policy *pol;
	const char **profiles;
};

static int evaluate(void *userdata, json_t *facts, struct cta_report **ret)
{
	const struct evaluate_ctx *c = userdata;
	_cleanup_(cta_diags_done) struct cta_diags diags = { 0 };

	return cta_policy_audit(c->pol, c->profiles, facts, &diags, ret);
}

bool cta_plan_cli_runtime_only(const struct cta_plan_cli *o, const struct cta_plan *p)
{
	return p->netns && streq(p->netns, "other") && !o->boot_files && !o->common.offline &&
	       (!o->common.root || streq(o->common.root, "/"));
}

/*
 * Boot-time configuration belongs to the initial namespace: for a child
 * namespace of this host the plan changes runtime values and rules only, and
 * says how to persist them instead.
 */
static int drop_boot_files(struct cta_plan *p)
{
	struct cta_plan_note *nv;

	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i].path), free(p->files[i].old), free(p->files[i].new);
	free(p->files);
	p->files = NULL;
	p->n_files = 0;
	for (size_t i = 0; i < p->n_edits; i++)
		p->edits[i].fix = false;
	nv = realloc(p->notes, (p->n_notes + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	p->notes = nv;
	nv[p->n_notes] = (struct cta_plan_note){
		.rule = strdup("ctaudit"),
		.text = strdup(
			"a child network namespace: only runtime values and rules change; "
			"persist the values with the container's or pod's own sysctl settings "
			"(--boot-files also writes this host's files)"),
	};
	if (!nv[p->n_notes].rule || !nv[p->n_notes].text) {
		free(nv[p->n_notes].rule), free(nv[p->n_notes].text);
		return -ENOMEM;
	}
	p->n_notes++;
	return 0;
}

bool cta_plan_cli_boot_differs(const struct cta_plan *p)
{
	for (size_t i = 0; p->netns && !streq(p->netns, "other") && i < p->n_sysctls; i++) {
		const struct cta_plan_sysctl *s = &p->sysctls[i];

		if (s->in_file && s->boot_file && s->boot_value && !streq(s->boot_value, s->value))
			return true;
	}
	return false;
}

int cta_plan_cli_run(const struct cta_plan_cli *o, json_t **ret_facts,
		     struct cta_report **ret_report, struct cta_plan **ret_plan)
{
	_cleanup_json_ json_t *facts = NULL;
	_cleanup_report_ struct cta_report *report = NULL;
	_cleanup_(cta_plan_freep) struct cta_plan *plan = NULL;
	_cleanup_(cta_policy_freep) struct cta_policy *pol = NULL;
	_cleanup_free_ const char **profiles = NULL;
	_cleanup_free_ char *why = NULL;
	struct evaluate_ctx ctx;
	char now[CTA_CLI_UTC_STRLEN];
	struct cta_plan_fs fs;
	struct cta_plan_opts po = {
		.sysctl_file = o->sysctl_file,
		.fix_overrides = o->fix_overrides,
		.offline = o->common.offline,
		.fs = &fs,
		.generated_at = cta_cli_utc_now(now),
	};
	_cleanup_free_ char *missing = NULL;
	int r;

	r = get_report(o, &facts, &report, &pol);
	if (r > 0)
		return r;
	/* "nothing to do" is said only with full facts (a busy xtables lock) */
	if (!o->common.offline && !o->common.facts && cta_allow_facts_incomplete(facts, &missing)) {
		cta_cli_error("cannot plan: %s could not be read", missing);
		return CTA_EXIT_HOST;
	}
	cta_fsroot_plan_fs(o->common.root, &fs);
	profiles = calloc(report->n_profiles + 2, sizeof(*profiles));
	if (!profiles) {
		cta_cli_error("out of memory");
		return CTA_EXIT_HOST;
	}
	for (size_t i = 0; i < report->n_profiles; i++)
		profiles[i] = report->profiles[i].name;
	if (report->n_profiles == 0)
		profiles[0] = report->profile ? report->profile : "auto";
	ctx = (struct evaluate_ctx){ pol, profiles };
	r = cta_plan_converge(facts, report, &po, o->fail_on_set ? o->fail_on : CTA_SEVERITY_HIGH,
			      evaluate, &ctx, &plan, &why);
	if (r == -ELOOP) {
		cta_cli_error("cannot plan: %s", why ? why : CTA_STRERROR(-r));
		return CTA_EXIT_HOST;
	}
	if (r < 0) {
		cta_cli_error("cannot compute the plan: %s", CTA_STRERROR(-r));
		return CTA_EXIT_HOST;
	}
	r = cta_plan_render_files(plan);
	if (r >= 0 && cta_plan_cli_runtime_only(o, plan))
		r = drop_boot_files(plan);
	if (r < 0) {
		cta_cli_error("cannot render the plan: %s", CTA_STRERROR(-r));
		return CTA_EXIT_HOST;
	}
	if (ret_facts)
		*ret_facts = TAKE_PTR(facts);
	if (ret_report)
		*ret_report = TAKE_PTR(report);
	*ret_plan = TAKE_PTR(plan);
	return 0;
}

static void help(void)
{
	fputs("usage: ctaudit plan [OPTIONS]\n\n"
	      "Show what 'ctaudit apply' would change to fix the failing audit results:\n"
	      "a diff of ctaudit's sysctl.d file, the runtime values, boot-time precedence\n"
	      "and stale keys in other files, and ctaudit's NOTRACK rules as iptables-restore\n"
	      "and nft fragments.  Changes nothing.\n\n"
	      "Options:\n" CTA_PLAN_CLI_HELP "      --emit sysctl|iptables|nft\n"
	      "                           print only that artefact (the planned sysctl.d file,\n"
	      "                           the raw-table iptables-restore fragment, or the nft\n"
	      "                           fragment for table inet ctaudit)\n"
	      "  -o, --output FILE        write the plan (or artefact) to FILE atomically\n"
	      "                           instead of stdout\n" CTA_CLI_COMMON_HELP
	      "  -h, --help               show this help\n\n"
	      "Exit status: 0 nothing to change; 1 changes pending, or another file would\n"
	      "win over a value of ctaudit's at boot; 2 usage error or invalid input; 3 the\n"
	      "host, or a fact the plan needs (a busy xtables lock), could not be read, or\n"
	      "no plan reaches a fixed point.\n",
	      stdout);
}

enum { OPT_EMIT = CTA_OPT_PLAN_LAST };

/*
 * Complete the plan's identity: the catalog that judged the report, the
 * profiles and why, the machine-id and namespace name (docs/reports.md).
 */
static int plan_stamp(const struct cta_cli_common *common, const json_t *facts,
		      const struct cta_report *report, json_t *j)
{
	json_t *profiles = json_array();

	if (!profiles || json_object_set_new(j, "profiles", profiles) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < report->n_profiles; i++)
		if (json_array_append_new(profiles, json_string(report->profiles[i].name)) < 0)
			return -ENOMEM;
	if ((report->profile_reason &&
	     json_object_set_new(j, "profile_reason", json_string(report->profile_reason)) < 0) ||
	    (report->catalog_digest &&
	     json_object_set_new(j, "catalog_digest", json_string(report->catalog_digest)) < 0))
		return -ENOMEM;
	return cta_cli_stamp(j, common, facts);
}

int cmd_plan(int argc, char **argv)
{
	static const struct option longopts[] = {
		CTA_CLI_COMMON_LONGOPTS,
		CTA_PLAN_CLI_LONGOPTS,
		{ "emit", required_argument, NULL, OPT_EMIT },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(cta_plan_cli_done) struct cta_plan_cli o = { 0 };
	_cleanup_(cta_plan_freep) struct cta_plan *plan = NULL;
	_cleanup_free_ char *out = NULL;
	_cleanup_json_ json_t *facts = NULL;
	_cleanup_report_ struct cta_report *report = NULL;
	const char *emit = NULL, *output = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		if (c == 'o') {
			output = optarg;
			continue;
		}
		if (c == 'h') {
			help();
			return cta_cli_print("");
		}
		if (c == OPT_EMIT) {
			if (!streq(optarg, "sysctl") && !streq(optarg, "iptables") &&
			    !streq(optarg, "nft"))
				return cta_cli_usage_error(
					"plan", "unknown artefact '%s' (sysctl, iptables or nft)",
					optarg);
			emit = optarg;
			continue;
		}
		r = c == '?' ? -EINVAL : cta_plan_cli_opt(&o, c, optarg);
		if (r <= 0)
			return r == -ENOMEM ? CTA_EXIT_HOST : CTA_EXIT_USAGE;
	}
	if (optind < argc)
		return cta_cli_usage_error("plan", "unexpected argument '%s'", argv[optind]);
	if (cta_cli_common_check(&o.common) < 0)
		return CTA_EXIT_USAGE;
	if (emit && (o.common.seen & CTA_CLI_SEEN(CTA_OPT_FORMAT)))
		/* an artefact has one format of its own */
		return cta_cli_usage_error("plan", "'--emit' and '--format' exclude each other");
	if (o.common.all_netns) {
		struct cta_allns_cli ao = {
			.common = &o.common,
			.profiles = o.profiles,
			.profile_dirs = o.profile_dirs,
			.sysctl_file = o.sysctl_file,
			.fix_overrides = o.fix_overrides,
		};

		if (output)
			return cta_cli_usage_error("plan", "'-o' writes one namespace's plan: "
							   "not with '--all-netns'");
		/*
		 * The overview plans each namespace once, without the fixed
		 * point that --fail-on filters by, and never writes a child's
		 * boot-time files: those options would be ignored.
		 */
		if (emit || o.report || o.fail_on_set || o.boot_files) {
			const char *one = emit		? "--emit" :
					  o.report	? "--report" :
					  o.fail_on_set ? "--fail-on" :
							  "--boot-files";

			return cta_cli_usage_error("plan",
						   "'%s' and '--all-netns' exclude each other: "
						   "'%s' needs one namespace",
						   one, one);
		}
		return cta_allns_plan(&ao);
	}
	r = cta_plan_cli_run(&o, &facts, &report, &plan);
	if (r > 0)
		return r;

	if (emit && streq(emit, "sysctl"))
		out = cta_render_sysctl_conf(plan);
	else if (emit && streq(emit, "iptables"))
		out = cta_render_notrack_iptables(&plan->notrack.want);
	else if (emit && streq(emit, "nft"))
		out = cta_render_notrack_nft(&plan->notrack.want);
	else if (o.common.format == CTA_FORMAT_JSON) {
		_cleanup_json_ json_t *j = NULL;

		if (cta_render_plan_json(plan, &j) == 0 &&
		    plan_stamp(&o.common, facts, report, j) == 0)
			out = cta_json_dumps(j);
	} else if (cta_render_plan_text(plan, &out) < 0)
		out = NULL;
	if (!out) {
		cta_cli_error("out of memory");
		return CTA_EXIT_HOST;
	}
	r = cta_cli_output(output, out);
	if (r != CTA_EXIT_OK)
		return r;
	/* pending too while another file would win over ours at boot */
	return cta_plan_has_changes(plan) || cta_plan_cli_boot_differs(plan) ? CTA_EXIT_FINDINGS :
									       CTA_EXIT_OK;
}
