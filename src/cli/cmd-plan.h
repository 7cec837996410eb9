/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_CLI_CMD_PLAN_H
#define CTA_CLI_CMD_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "cli/cli.h"
#include "plan/plan.h"
#include "policy/policy.h"

/* Options shared by `plan` and `apply` (apply runs the same pipeline). */
struct cta_plan_cli {
	struct cta_cli_common common;
	const char **profiles; /* NULL-terminated */
	size_t n_profiles;
	const char **profile_dirs; /* NULL-terminated */
	size_t n_profile_dirs;
	char *sysctl_file; /* normalised */
	bool fix_overrides;
	bool boot_files; /* --boot-files: a child namespace of this host also gets boot-time files */
	const char *report; /* --report FILE: a saved audit report instead of auditing */
	/* --fail-on: no change is planned that is predicted to make a rule fail at
	 * this severity or worse (unset: high, as for audit) */
	enum cta_severity fail_on;
	bool fail_on_set;
};

enum {
	CTA_OPT_PROFILE = CTA_OPT_FIRST_PRIVATE,
	CTA_OPT_PROFILE_DIR,
	CTA_OPT_SYSCTL_FILE,
	CTA_OPT_FIX_OVERRIDES,
	CTA_OPT_REPORT,
	CTA_OPT_BOOT_FILES,
	CTA_OPT_FAIL_ON,
	CTA_OPT_PLAN_LAST,
};

#define CTA_PLAN_CLI_LONGOPTS                                                    \
	{ "profile", required_argument, NULL, CTA_OPT_PROFILE },                 \
		{ "profile-dir", required_argument, NULL, CTA_OPT_PROFILE_DIR }, \
		{ "sysctl-file", required_argument, NULL, CTA_OPT_SYSCTL_FILE }, \
		{ "fix-overrides", no_argument, NULL, CTA_OPT_FIX_OVERRIDES },   \
		{ "report", required_argument, NULL, CTA_OPT_REPORT },           \
		{ "boot-files", no_argument, NULL, CTA_OPT_BOOT_FILES },         \
	{                                                                        \
		"fail-on", required_argument, NULL, CTA_OPT_FAIL_ON              \
	}

#define CTA_PLAN_CLI_HELP                                                                      \
	"      --profile NAME|auto  role profile (repeatable: roles combine; default: the\n"   \
	"                           'profile' of /etc/ctaudit/ctaudit.yaml, else auto)\n"      \
	"      --profile-dir DIR    look for profiles in DIR first (repeatable)\n"             \
	"      --sysctl-file PATH   ctaudit's sysctl.d file\n"                                 \
	"                           (default /etc/sysctl.d/90-ctaudit-PROFILE.conf)\n"         \
	"      --fix-overrides      also comment out assignments in other files that\n"        \
	"                           override ours or set stale keys\n"                         \
	"      --report FILE        plan from a saved 'ctaudit audit --format json' report\n"  \
	"      --boot-files         for a child network namespace of this host (no --root),\n" \
	"                           also change this host's boot-time files (default:\n"       \
	"                           runtime values only; boot configuration belongs to the\n"  \
	"                           initial namespace)\n"                                      \
	"      --fail-on SEVERITY   leave out any change predicted to make a rule fail at\n"   \
	"                           this severity or worse (default high)\n"

/* Handle one plan option.  Returns 1 if it was ours, 0 if not, -EINVAL / -ENOMEM. */
int cta_plan_cli_opt(struct cta_plan_cli *o, int opt, const char *arg);
void cta_plan_cli_done(struct cta_plan_cli *o);

/*
 * The pipeline shared by plan and apply: load the policy, get the facts,
 * audit, plan, render the files.  Prints its own errors.  Returns 0 or a
 * CTA_EXIT_* code; on 0 the outputs are set (caller frees).
 */
int cta_plan_cli_run(const struct cta_plan_cli *o, json_t **ret_facts,
		     struct cta_report **ret_report, struct cta_plan **ret_plan);

/* Whether @p is for a child namespace of this host and only runtime values change (no --boot-files). */
bool cta_plan_cli_runtime_only(const struct cta_plan_cli *o, const struct cta_plan *p);

/* Whether a value ctaudit writes would lose at boot to another file (initial namespace). */
bool cta_plan_cli_boot_differs(const struct cta_plan *p);

#endif
