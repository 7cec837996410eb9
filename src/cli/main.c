// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
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
	      "Exit status: 0 success / nothing found; 1 findings at or above --fail-on, or\n"
	      "changes pending; 2 usage error or invalid input; 3 the host could not be read\n"
	      "or changed.\n",
	      f);
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
		return cta_cli_print("ctaudit " CTA_VERSION "\n");
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
