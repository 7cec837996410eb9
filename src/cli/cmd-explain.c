// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "policy/policy.h"
#include "render/report.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

enum {
	OPT_FORMAT = CTA_OPT_FIRST_PRIVATE,
	OPT_ALL,
	OPT_PROFILE_DIR,
};

static void help(void)
{
	printf("usage: ctaudit explain [OPTIONS] RULE-ID\n"
	       "       ctaudit explain --all [--format text|json|markdown]\n\n"
	       "Explain a rule of the catalog: title, default severity, the profiles that\n"
	       "enable it, the explanation, references, kernels concerned, the fix, and the\n"
	       "expressions that decide it.\n\n"
	       "Options:\n"
	       "      --all                      every rule of the catalog\n"
	       "      --format text|json|markdown  output format (default: text)\n"
	       "      --profile-dir DIR          look for profiles in DIR first (repeatable)\n"
	       "      --root DIR                 read /etc/ctaudit (profiles, defaults) below DIR\n"
	       "  -h, --help                     show this help\n\n"
	       "Exit status: 0 success; 2 unknown rule, usage error or invalid policy.\n");
}

int cmd_explain(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "profile-dir", required_argument, NULL, OPT_PROFILE_DIR },
		{ "root", required_argument, NULL, CTA_OPT_ROOT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ const char **dirs = NULL;
	size_t n_dirs = 0;
	const char *format = "text", *root = NULL;
	bool all = false;
	_cleanup_(cta_policy_freep) struct cta_policy *p = NULL;
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *out = NULL;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (!streq(optarg, "text") && !streq(optarg, "json") &&
			    !streq(optarg, "markdown"))
				return cta_cli_usage_error(
					"explain", "unknown format '%s' (text, json or markdown)",
					optarg);
			format = optarg;
			break;
		case OPT_ALL:
			all = true;
			break;
		case OPT_PROFILE_DIR:
			if (cta_cli_strv_push(&dirs, &n_dirs, optarg) < 0) {
				cta_cli_error("out of memory");
				return CTA_EXIT_HOST;
			}
			break;
		case CTA_OPT_ROOT:
			root = optarg;
			break;
		case 'h':
			help();
			return cta_cli_print("");
		default:
			return cta_cli_usage_error("explain", "invalid option");
		}
	}
	if (all && optind < argc)
		return cta_cli_usage_error("explain", "'--all' takes no rule id");
	if (!all && optind + 1 != argc)
		return cta_cli_usage_error("explain", "expected one rule id (or '--all')");
	if (!all && streq(format, "markdown"))
		return cta_cli_usage_error("explain", "'--format markdown' needs '--all'");

	r = cta_cli_load_policy(root, dirs, &p);
	if (r > 0)
		return r;
	if (all)
		r = cta_policy_catalog_json(p, &j);
	else
		r = cta_policy_rule_json(p, argv[optind], &j);
	if (r == -ENOENT) {
		cta_cli_error("unknown rule '%s' (see 'ctaudit explain --all')", argv[optind]);
		return CTA_EXIT_USAGE;
	}
	if (r < 0) {
		cta_cli_error("out of memory");
		return CTA_EXIT_HOST;
	}
	if (streq(format, "json"))
		out = cta_json_dumps(j);
	else if (streq(format, "markdown"))
		out = cta_report_explain_markdown(j);
	else if (all)
		out = cta_report_explain_all_text(j);
	else
		out = cta_report_explain_text(j);
	if (!out) {
		cta_cli_error("out of memory");
		return CTA_EXIT_HOST;
	}
	return cta_cli_print(out);
}
