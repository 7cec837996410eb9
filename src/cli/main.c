// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "policy/policy.h"
#include "util/config.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "facts", cmd_facts, "collect the host's TCP and conntrack facts" },
	{ "audit", cmd_audit, "judge the facts against a role profile" },
	{ "explain", cmd_explain, "explain one rule: why, references, kernels, fix" },
	{ "profiles", cmd_profiles, "list role profiles or show one after 'extends'" },
	{ "validate", cmd_validate, "check policy and profile files" },
	{ "plan", cmd_plan, "show the fix as a dry-run diff (changes nothing)" },
	{ "apply", cmd_apply, "apply the plan atomically, with a journal" },
	{ "rollback", cmd_rollback, "restore the state before an apply" },
	{ "top", cmd_top, "who fills the conntrack table, who holds TIME_WAIT" },
};

static void usage(FILE *f)
{
	fputs("usage: ctaudit [--version] [--help] COMMAND [ARGS]\n\n"
	      "Audit and fix a Linux host's TCP and connection-tracking configuration.\n\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'ctaudit COMMAND --help' describes a command's options.\n\n"
	      "Exit status: 0 success / nothing found; 1 findings at or above --fail-on,\n"
	      "changes pending, or an apply or rollback that failed or was declined; 2 usage\n"
	      "error or invalid input; 3 the host could not be read or changed.  Each\n"
	      "command's --help says what its statuses mean.\n",
	      f);
}

/*
 * The program's version, then the catalog's (policies/VERSION, bumped when
 * a rule changes) and where the data came from, so that a report can be
 * traced to the rules that produced it.  A missing catalog is reported here
 * too, but is not an error: --version must work on a broken installation.
 */
static int version(void)
{
	_cleanup_free_ char *ver = NULL, *verpath = NULL, *out = NULL;
	_cleanup_json_ json_t *rules = NULL, *profiles = NULL;
	struct cta_policy_opts opts = { 0 };
	struct cta_diags diags = { 0 };
	struct cta_policy *p = NULL;
	const char *origin, *dir = cta_datadir(&origin);
	size_t len = 0;
	FILE *f;
	int r;

	f = open_memstream(&out, &len);
	if (!f || asprintf(&verpath, "%s/policies/VERSION", dir) < 0) {
		if (f)
			fclose(f);
		fputs("ctaudit: out of memory\n", stderr);
		return CTA_EXIT_HOST;
	}
	fprintf(f, "ctaudit " CTA_VERSION "\n");
	fprintf(f, "data:    %s (%s)\n", dir, origin);
	r = cta_policy_load(&opts, &diags, &p);
	if (r < 0) {
		fprintf(f, "catalog: not loaded: %s\n",
			diags.n ? diags.v[0].message : CTA_STRERROR(-r));
	} else {
		if (cta_read_file(verpath, 256, &ver) < 0)
			ver = NULL;
		else
			ver[strcspn(ver, "\n")] = '\0';
		if (cta_policy_catalog_json(p, &rules) < 0 ||
		    cta_policy_profiles_json(p, &profiles) < 0) {
			rules = profiles = NULL;
		}
		fprintf(f, "catalog: version %s, %zu rules, %zu profiles (site files: %s, %s)\n",
			ver && *ver ? ver : "unversioned", json_array_size(rules),
			json_array_size(profiles), CTA_SITE_POLICIES, CTA_SITE_PROFILES);
		cta_policy_free(p);
	}
	cta_diags_done(&diags);
	if (fclose(f) != 0) {
		fputs("ctaudit: out of memory\n", stderr);
		return CTA_EXIT_HOST;
	}
	return cta_cli_print(out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CTA_EXIT_USAGE;
	}
	if (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
		usage(stdout);
		return cta_cli_print("");
	}
	if (streq(argv[1], "--version")) {
		return version();
	}
	for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
		if (streq(argv[1], commands[i].name)) {
			cta_cli_command = commands[i].name;
			return commands[i].fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "ctaudit: '%s' is not a command; see 'ctaudit --help'\n", argv[1]);
	return CTA_EXIT_USAGE;
}
