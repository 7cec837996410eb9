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
	OPT_PROFILE_DIR,
};

static void help(void)
{
	printf("usage: ctaudit profiles [OPTIONS] [list]\n"
	       "       ctaudit profiles [OPTIONS] show NAME\n\n"
	       "List the role profiles (name, description and the file each came from), or\n"
	       "show one profile as it is in effect after 'extends': its parameters and its\n"
	       "rules with their severity.\n\n"
	       "Options:\n"
	       "      --format text|json  output format (default: text)\n"
	       "      --profile-dir DIR   look for profiles in DIR first (repeatable)\n"
	       "      --root DIR          read /etc/ctaudit (profiles, defaults) below DIR\n"
	       "  -h, --help              show this help\n\n"
	       "Exit status: 0 success; 2 unknown profile, usage error or invalid policy.\n");
}

int cmd_profiles(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "profile-dir", required_argument, NULL, OPT_PROFILE_DIR },
		{ "root", required_argument, NULL, CTA_OPT_ROOT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ const char **dirs = NULL;
	size_t n_dirs = 0;
	const char *root = NULL, *action = "list", *name = NULL;
	bool json = false;
	_cleanup_(cta_policy_freep) struct cta_policy *p = NULL;
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *out = NULL;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (streq(optarg, "json"))
				json = true;
			else if (streq(optarg, "text"))
				json = false;
			else
				return cta_cli_usage_error(
					"profiles", "unknown format '%s' (text or json)", optarg);
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
			return cta_cli_usage_error("profiles", "invalid option");
		}
	}
	if (optind < argc)
		action = argv[optind++];
	if (streq(action, "list")) {
		if (optind < argc)
			return cta_cli_usage_error("profiles", "unexpected argument '%s'",
						   argv[optind]);
	} else if (streq(action, "show")) {
		if (optind + 1 != argc)
			return cta_cli_usage_error("profiles", "'show' needs one profile name");
		name = argv[optind];
	} else
		return cta_cli_usage_error("profiles", "unknown action '%s' (list or show)",
					   action);

	r = cta_cli_load_policy(root, dirs, &p);
	if (r > 0)
		return r;
	r = name ? cta_policy_profile_json(p, name, &j) : cta_policy_profiles_json(p, &j);
	if (r == -ENOENT) {
		cta_cli_error("unknown profile '%s' (see 'ctaudit profiles list')", name);
		return CTA_EXIT_USAGE;
	}
	if (r < 0) {
		cta_cli_error("out of memory");
		return CTA_EXIT_HOST;
	}
	if (json)
		out = cta_json_dumps(j);
	else if (name)
		out = cta_report_profile_text(j);
	else
		out = cta_report_profiles_text(j);
	if (!out) {
		cta_cli_error("out of memory");
		return CTA_EXIT_HOST;
	}
	return cta_cli_print(out);
}
