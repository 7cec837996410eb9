/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_CLI_ALLNS_H
#define CTA_CLI_ALLNS_H

#include <stdbool.h>
#include "cli/cli.h"
#include "render/report.h"

/*
 * `--all-netns` for facts, audit, plan and top: discover every network
 * namespace (collect/netns.h), keep those --netns-filter matches, collect in
 * each concurrently (collect/netns-run.h), evaluate each with its own auto
 * role (or --profile), render the summary and the results by namespace
 * (render/allns.h).  A namespace that disappears during the run is reported
 * as gone and does not change the exit status.
 *
 * Each entry point prints its own errors and returns a CTA_EXIT_* status:
 * the worst over the namespaces (3 when one could not be read, else 1 when
 * one fails --fail-on or, for plan, has changes pending, else 0).
 */
struct cta_allns_cli {
	const struct cta_cli_common *common;
	const char *const *profiles; /* NULL: auto per namespace */
	const char *const *profile_dirs;
	int fail_on; /* audit */
	struct cta_report_opts ro; /* audit text */
	const char *output; /* facts -o FILE */
	const char *sysctl_file; /* plan */
	bool fix_overrides; /* plan */
	bool conntrack; /* top: rank by conntrack entries instead of TIME_WAIT */
};

int cta_allns_facts(const struct cta_allns_cli *o);
int cta_allns_audit(const struct cta_allns_cli *o);
int cta_allns_plan(const struct cta_allns_cli *o);
int cta_allns_top(const struct cta_allns_cli *o);

#endif
