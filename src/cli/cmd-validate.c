// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "policy/policy.h"
#include "util/macro.h"
#include "util/banned.h"

enum {
	OPT_PROFILE_DIR = CTA_OPT_FIRST_PRIVATE,
};

static void help(void)
{
	printf("usage: ctaudit validate [OPTIONS] FILE...\n\n"
	       "Check rule catalog files ('rules:') and profiles ('profile:') strictly, in the\n"
	       "context of the installed catalog and profiles: a profile's rule ids are\n"
	       "checked against the catalog plus the policy files given here.  Prints\n"
	       "'FILE: ok' for each good file and FILE:LINE:COL diagnostics for the others.\n\n"
	       "Options:\n"
	       "      --profile-dir DIR   look for profiles in DIR first (repeatable)\n"
	       "      --root DIR          read /etc/ctaudit (profiles, defaults) below DIR\n"
	       "  -h, --help              show this help\n\n"
	       "Exit status: 0 every file is valid; 2 any file (or the catalog) is not.\n");
}

int cmd_validate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "profile-dir", required_argument, NULL, OPT_PROFILE_DIR },
		{ "root", required_argument, NULL, CTA_OPT_ROOT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ const char **dirs = NULL;
	size_t n_dirs = 0;
	const char *root = NULL;
	_cleanup_(cta_diags_done) struct cta_diags diags = { 0 };
	_cleanup_(cta_policy_freep) struct cta_policy *p = NULL;
	int c, r, rc = CTA_EXIT_OK;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
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
			return cta_cli_usage_error("validate", "invalid option");
		}
	}
	if (optind >= argc)
		return cta_cli_usage_error("validate", "expected at least one FILE");

	struct cta_policy_opts popts = {
		.root = root,
		.profile_dirs = dirs,
		.files = (const char *const *)argv + optind,
	};

	r = cta_policy_load(&popts, &diags, &p);
	if (r == -ENOMEM) {
		cta_cli_error("out of memory");
		return CTA_EXIT_HOST;
	}
	cta_diags_print(&diags, stderr);
	for (int i = optind; i < argc; i++) {
		bool bad = false;

		for (size_t k = 0; k < diags.n && !bad; k++)
			bad = diags.v[k].file && streq(diags.v[k].file, argv[i]);
		if (bad)
			rc = CTA_EXIT_USAGE;
		else {
			_cleanup_free_ char *line = NULL;

			if (asprintf(&line, "%s: ok\n", argv[i]) < 0 ||
			    cta_cli_print(line) != CTA_EXIT_OK)
				return CTA_EXIT_HOST;
		}
	}
	if (r < 0)
		rc = CTA_EXIT_USAGE;
	return rc;
}
