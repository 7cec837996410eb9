// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/allns.h"
#include "cli/cli.h"
#include "policy/policy.h"
#include "render/formats.h"
#include "render/report.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

enum {
	OPT_PROFILE = CTA_OPT_FIRST_PRIVATE,
	OPT_PROFILE_DIR,
	OPT_FAIL_ON,
	OPT_COLOR,
	OPT_DEEP,
};

static void help(void)
{
	printf("usage: ctaudit audit [OPTIONS]\n\n"
	       "Judge the host's TCP and conntrack facts against a role profile and explain\n"
	       "each finding with the evidence from this host.\n\n"
	       "Options:\n"
	       "  -p, --profile NAME|auto  role profile; repeat to combine roles (default: the\n"
	       "                           'profile' of /etc/ctaudit/ctaudit.yaml, else auto,\n"
	       "                           picked from the facts)\n"
	       "      --profile-dir DIR    look for profiles in DIR first (repeatable)\n"
	       "      --fail-on SEVERITY   exit 1 when a finding is at least this severe\n"
	       "                           (critical, high, medium, low, info; default: the\n"
	       "                           'fail-on' of /etc/ctaudit/ctaudit.yaml, else high)\n"
	       "      --color=auto|always|never  colour the text output (default: auto, only on\n"
	       "                           a terminal and when NO_COLOR is not set)\n"
	       "      --deep               also dump the conntrack table for top talkers\n"
	       "                           and count new flows for 1 s (or over --interval)\n"
	       "  -v, --verbose            also list passed and skipped rules\n"
	       "  -o, --output FILE        write the report to FILE (atomically) instead of stdout\n"
	       "  -h, --help               show this help\n"
	       "%s"
	       "      --format sarif|junit|prometheus  the report for code scanning (SARIF\n"
	       "                           2.1.0), CI (JUnit XML) or node_exporter's textfile\n"
	       "                           collector (docs/reports.md)\n\n"
	       "Exit status: 0 no finding at or above --fail-on; 1 there are; 2 usage error or\n"
	       "invalid input (policy, profile, facts file); 3 the host could not be read.\n",
	       CTA_CLI_COMMON_HELP);
}

/* {PROFILE: [rule ids it enables]} for the JUnit suites. */
static int profile_rules_of(const struct cta_policy *p, const struct cta_report *report,
			    json_t **ret)
{
	_cleanup_json_ json_t *map = json_object();
	int r;

	if (!map)
		return -ENOMEM;
	for (size_t i = 0; i < report->n_profiles; i++) {
		_cleanup_json_ json_t *prof = NULL;
		json_t *ids = json_array(), *v;
		const char *id;

		if (!ids || json_object_set_new(map, report->profiles[i].name, ids) < 0)
			return -ENOMEM;
		r = cta_policy_profile_json(p, report->profiles[i].name, &prof);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		json_object_foreach(json_object_get(prof, "rules"), id, v)
			if (json_array_append_new(ids, json_string(id)) < 0)
				return -ENOMEM;
	}
	*ret = TAKE_PTR(map);
	return 0;
}

/* The JSON report with the identity the struct does not hold (docs/reports.md). */
static char *render_json(const struct cta_report *report, const struct cta_cli_common *common,
			 const json_t *facts)
{
	_cleanup_json_ json_t *j = NULL;

	if (cta_report_to_json(report, &j) < 0 || cta_cli_stamp(j, common, facts) < 0)
		return NULL;
	return cta_json_dumps(j);
}

int cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
		CTA_CLI_COMMON_LONGOPTS,
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "profile-dir", required_argument, NULL, OPT_PROFILE_DIR },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "colour", required_argument, NULL, OPT_COLOR },
		{ "deep", no_argument, NULL, OPT_DEEP },
		{ "verbose", no_argument, NULL, 'v' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(cta_cli_common_done) struct cta_cli_common common = { .save_baseline = true };
	_cleanup_free_ const char **profiles = NULL, **dirs = NULL;
	size_t n_profiles = 0, n_dirs = 0;
	int fail_on = -1, color = -1, c, r;
	bool verbose = false;
	_cleanup_(cta_diags_done) struct cta_diags diags = { 0 };
	_cleanup_(cta_policy_freep) struct cta_policy *p = NULL;
	_cleanup_report_ struct cta_report *report = NULL;
	_cleanup_json_ json_t *facts = NULL, *profile_rules = NULL;
	_cleanup_free_ char *out = NULL;
	const char *output = NULL, *format = NULL;

	optind = 0;
	while ((c = getopt_long(argc, argv, "p:vo:h", longopts, NULL)) != -1) {
		/* the report formats beyond text and json are audit's own */
		if (c == CTA_OPT_FORMAT && !streq(optarg, "text") && !streq(optarg, "json")) {
			if (!streq(optarg, "sarif") && !streq(optarg, "junit") &&
			    !streq(optarg, "prometheus"))
				return cta_cli_usage_error(
					"audit",
					"unknown format '%s' (text, json, sarif, junit or prometheus)",
					optarg);
			if (common.seen & CTA_CLI_SEEN(CTA_OPT_FORMAT))
				return cta_cli_usage_error("audit", "'--format' given twice");
			common.seen |= CTA_CLI_SEEN(CTA_OPT_FORMAT);
			format = optarg;
			continue;
		}
		r = cta_cli_common_opt(&common, c, optarg);
		if (r < 0)
			return CTA_EXIT_USAGE;
		if (r > 0)
			continue;
		switch (c) {
		case 'p':
		case OPT_PROFILE:
			if (cta_cli_strv_push(&profiles, &n_profiles, optarg) < 0) {
				cta_cli_error("out of memory");
				return CTA_EXIT_HOST;
			}
			break;
		case OPT_PROFILE_DIR:
			if (cta_cli_strv_push(&dirs, &n_dirs, optarg) < 0) {
				cta_cli_error("out of memory");
				return CTA_EXIT_HOST;
			}
			break;
		case OPT_FAIL_ON:
			fail_on = cta_severity_from_string(optarg);
			if (fail_on < 0)
				return cta_cli_usage_error(
					"audit",
					"unknown severity '%s' (critical, high, medium, low or info)",
					optarg);
			break;
		case OPT_COLOR:
			if (streq(optarg, "auto"))
				color = -1;
			else if (streq(optarg, "always"))
				color = 1;
			else if (streq(optarg, "never"))
				color = 0;
			else
				return cta_cli_usage_error(
					"audit", "unknown colour mode '%s' (auto, always or never)",
					optarg);
			break;
		case OPT_DEEP:
			common.deep = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			help();
			return cta_cli_print("");
		default:
			return cta_cli_usage_error("audit", "invalid option");
		}
	}
	if (optind < argc)
		return cta_cli_usage_error("audit", "unexpected argument '%s'", argv[optind]);
	if (cta_cli_common_check(&common) < 0)
		return CTA_EXIT_USAGE;
	if (common.all_netns) {
		const char *nc = getenv("NO_COLOR");
		struct cta_allns_cli ao = {
			.common = &common,
			.profiles = profiles,
			.profile_dirs = dirs,
			.fail_on = fail_on,
			.ro.color = color == 1 ||
				    (color < 0 && isatty(STDOUT_FILENO) && !(nc && *nc)),
		};

		if (verbose)
			return cta_cli_usage_error("audit",
						   "'--verbose' lists one namespace's passed "
						   "rules: not with '--all-netns'");
		if (format)
			return cta_cli_usage_error("audit",
						   "'--format %s' writes one namespace's report: "
						   "not with '--all-netns'",
						   format);
		if (output)
			return cta_cli_usage_error("audit", "'-o' writes one namespace's report: "
							    "not with '--all-netns'");
		return cta_allns_audit(&ao);
	}

	r = cta_cli_load_policy(common.root, dirs, &p);
	if (r > 0)
		return r;
	r = cta_cli_get_facts(&common, cta_policy_sysctl_keys(p), &facts);
	if (r > 0)
		return r;
	fail_on = cta_cli_default_fail_on(fail_on);
	r = cta_policy_audit(p, cta_cli_default_profiles(profiles), facts, &diags, &report);
	if (r >= 0)
		r = cta_cli_stamp_report(report, &common);
	if (r >= 0)
		r = cta_cli_catalog_digest(p, &report->catalog_digest);
	if (r >= 0 && format && streq(format, "junit"))
		r = profile_rules_of(p, report, &profile_rules);
	if (r < 0) {
		cta_diags_print(&diags, stderr);
		if (r == -ENOMEM) {
			cta_cli_error("out of memory");
			return CTA_EXIT_HOST;
		}
		return CTA_EXIT_USAGE;
	}

	struct cta_render_ctx rc = { .facts = facts,
				     .profile_rules = profile_rules,
				     .netns_name = common.netns };

	if (format && streq(format, "sarif"))
		out = cta_render_sarif(report, &rc);
	else if (format && streq(format, "junit"))
		out = cta_render_junit(report, &rc);
	else if (format && streq(format, "prometheus"))
		out = cta_render_prometheus(report, &rc);
	else if (common.format == CTA_FORMAT_JSON)
		out = render_json(report, &common, facts);
	else {
		const char *nc = getenv("NO_COLOR");
		struct cta_report_opts ro = {
			.color = color == 1 || (color < 0 && isatty(STDOUT_FILENO) && !(nc && *nc)),
			.verbose = verbose,
		};

		out = cta_report_render_text(report, &ro);
	}
	if (!out) {
		cta_cli_error("out of memory");
		return CTA_EXIT_HOST;
	}
	r = cta_cli_output(output, out);
	if (r != CTA_EXIT_OK)
		return r;
	return cta_report_fails_at(report, fail_on) ? CTA_EXIT_FINDINGS : CTA_EXIT_OK;
}
