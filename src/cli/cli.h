/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_CLI_CLI_H
#define CTA_CLI_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <jansson.h>
#include "collect/collect.h"
#include "util/diag.h"

/* Exit statuses, documented in README and --help. */
enum {
	CTA_EXIT_OK = 0, /* nothing at or above --fail-on / nothing to change */
	CTA_EXIT_FINDINGS = 1, /* failing results / changes pending / apply failed */
	CTA_EXIT_USAGE = 2, /* usage error or invalid input (policy, profile, facts file) */
	CTA_EXIT_HOST = 3, /* the host could not be read or changed */
};

enum cta_format { CTA_FORMAT_TEXT, CTA_FORMAT_JSON };

/*
 * Options shared by every command that looks at a host: where the facts come
 * from.  Parsed by cta_cli_common_opt(); long options listed in
 * CTA_CLI_COMMON_LONGOPTS.
 */
struct cta_cli_common {
	const char *root; /* --root DIR */
	const char *netns; /* --netns NAME */
	int netns_pid; /* --netns-pid PID (0: none) */
	bool offline; /* --offline */
	const char *kernel; /* --kernel RELEASE */
	const char *facts; /* --facts FILE */
	enum cta_format format; /* --format text|json */
	bool deep; /* audit --deep: also collect conntrack top talkers */
	unsigned interval; /* --interval SECONDS (0: none) */
	bool save_baseline; /* audit: leave the counters as the namespace's baseline */
	bool all_netns; /* --all-netns: every network namespace (cli/allns.h) */
	const char **netns_filters; /* --netns-filter GLOB (repeatable), NULL-terminated */
	size_t n_netns_filters;
	unsigned jobs; /* --jobs N with --all-netns (0: the number of CPUs) */
	unsigned seen; /* CTA_CLI_SEEN(CTA_OPT_*) of the common options given */
};

enum {
	CTA_OPT_ROOT = 0x100,
	CTA_OPT_NETNS,
	CTA_OPT_NETNS_PID,
	CTA_OPT_OFFLINE,
	CTA_OPT_KERNEL,
	CTA_OPT_FACTS,
	CTA_OPT_FORMAT,
	CTA_OPT_INTERVAL,
	CTA_OPT_ALL_NETNS,
	CTA_OPT_NETNS_FILTER,
	CTA_OPT_JOBS,
	CTA_OPT_FIRST_PRIVATE = 0x200, /* commands number their own long options from here */
};

/* Bit of a common option in struct cta_cli_common.seen. */
#define CTA_CLI_SEEN(opt) (1u << ((opt)-CTA_OPT_ROOT))

#define CTA_CLI_COMMON_LONGOPTS                                                    \
	{ "root", required_argument, NULL, CTA_OPT_ROOT },                         \
		{ "netns", required_argument, NULL, CTA_OPT_NETNS },               \
		{ "netns-pid", required_argument, NULL, CTA_OPT_NETNS_PID },       \
		{ "offline", no_argument, NULL, CTA_OPT_OFFLINE },                 \
		{ "kernel", required_argument, NULL, CTA_OPT_KERNEL },             \
		{ "facts", required_argument, NULL, CTA_OPT_FACTS },               \
		{ "interval", required_argument, NULL, CTA_OPT_INTERVAL },         \
		{ "all-netns", no_argument, NULL, CTA_OPT_ALL_NETNS },             \
		{ "netns-filter", required_argument, NULL, CTA_OPT_NETNS_FILTER }, \
		{ "jobs", required_argument, NULL, CTA_OPT_JOBS },                 \
	{                                                                          \
		"format", required_argument, NULL, CTA_OPT_FORMAT                  \
	}

#define CTA_CLI_COMMON_HELP                                                                  \
	"      --root DIR          read configuration files below DIR (an existing\n"        \
	"                          directory; apply and rollback also write there)\n"        \
	"      --netns NAME        look at the network namespace /run/netns/NAME\n"          \
	"      --netns-pid PID     look at the network namespace of process PID\n"           \
	"      --all-netns         every network namespace on the host, concurrently\n"      \
	"      --netns-filter GLOB with --all-netns: only namespaces whose name or label\n"  \
	"                          matches (repeatable)\n"                                   \
	"      --jobs N            with --all-netns: namespaces read at once\n"              \
	"                          (default: the number of CPUs, 2 to 16)\n"                 \
	"      --offline           do not read the live kernel (image audit below --root)\n" \
	"      --kernel RELEASE    with --offline: the kernel the image will boot\n"         \
	"      --facts FILE        use a saved facts snapshot instead of the host\n"         \
	"      --interval SECONDS  judge counters over SECONDS: sample, wait, sample\n"      \
	"      --format text|json  output format (default: text)\n"

/*
 * Handle one common option from getopt_long.  Returns 1 if @opt was one of
 * ours, 0 if not, or -EINVAL after printing a usage error.
 */
int cta_cli_common_opt(struct cta_cli_common *o, int opt, const char *arg);

/* Free what cta_cli_common_opt() allocated (the --netns-filter list). */
void cta_cli_common_done(struct cta_cli_common *o);

/* Check combinations (e.g. --facts with --netns). Prints and returns -EINVAL on error. */
int cta_cli_common_check(const struct cta_cli_common *o);

/*
 * Obtain the facts: load --facts, or enter the namespace and collect (with
 * @extra_sysctls, NULL-terminated, may be NULL).  Prints its own error.
 * Returns 0, or a CTA_EXIT_* code (> 0) to exit with.
 */
int cta_cli_get_facts(const struct cta_cli_common *o, const char *const *extra_sysctls,
		      json_t **ret_facts);

struct cta_policy;
struct cta_report;

/* "YYYY-MM-DDTHH:MM:SSZ" and the NUL. */
#define CTA_CLI_UTC_STRLEN 21

/* The time now in UTC into @buf; returns @buf, or NULL when the clock fails. */
const char *cta_cli_utc_now(char buf[static CTA_CLI_UTC_STRLEN]);

/*
 * Record where a fresh report comes from: this ctaudit's version, the time
 * now (UTC) and, when the facts were collected rather than loaded, the --root
 * they were read below.  Returns 0 or -ENOMEM.
 */
int cta_cli_stamp_report(struct cta_report *r, const struct cta_cli_common *o);

/*
 * Append @s (borrowed, typically optarg) to the NULL-terminated list *@v of
 * *@n entries, for repeatable options; *@v stays NULL while empty.  Returns 0
 * or -ENOMEM (the list is unchanged).  The caller frees *@v, not the strings.
 */
int cta_cli_strv_push(const char ***v, size_t *n, const char *s);

/*
 * Load the rule catalog and the profiles (--root, --profile-dir), printing
 * diagnostics once.  Returns 0 and the policy in @ret, or a CTA_EXIT_* code
 * (> 0) to exit with.
 */
int cta_cli_load_policy(const char *root, const char *const *profile_dirs, struct cta_policy **ret);

/*
 * Site defaults from ROOT/etc/ctaudit/ctaudit.yaml (cli/site.c,
 * ctaudit.yaml(5)), loaded by cta_cli_load_policy: the profiles to audit
 * for when none is named (NULL: auto) and the --fail-on severity (-1: not
 * set); its 'params' are set in the loaded policy.
 */
struct cta_cli_site {
	char **profiles;
	int fail_on;
};
extern struct cta_cli_site cta_cli_site;

/* Load the defaults file into cta_cli_site and @p.  Returns 0, -EINVAL (@diags) or -ENOMEM. */
int cta_cli_load_site(const char *root, struct cta_policy *p, struct cta_diags *diags);

/* @given if it names a profile, else the site's default profiles, else "auto". */
const char *const *cta_cli_default_profiles(const char *const *given);

/* @given if >= 0, else the site's fail-on, else CTA_SEVERITY_HIGH. */
int cta_cli_default_fail_on(int given);

/* Write @s to stdout and flush, reporting write errors.  Returns 0 or CTA_EXIT_HOST. */
int cta_cli_print(const char *s);

/*
 * -o FILE: replace @path atomically (mode 0644, through cta_write_file_atomic)
 * with @s, or print @s when @path is NULL.  Returns 0 or CTA_EXIT_HOST after
 * printing the error.
 */
int cta_cli_output(const char *path, const char *s);

/*
 * Identify a JSON output (docs/reports.md, "Identity"): set the top-level
 * ctaudit_version, generated_at (now) and target (hostname, netns,
 * netns_inode and machine_id from @facts' host section, offline, root,
 * netns_name, netns_pid) - each only where @out does not have it yet, so a
 * report's or plan's own identity stays and is completed.  Returns 0,
 * -ENOMEM or -EINVAL (no clock).
 */
int cta_cli_stamp(json_t *out, const struct cta_cli_common *o, const json_t *facts);

/*
 * "sha256:HEX" of the loaded catalog into *@ret (replacing it): the digest of
 * its rules as `explain --all --format json` prints them, without file names.
 * Returns 0, or a negative errno.
 */
int cta_cli_catalog_digest(const struct cta_policy *p, char **ret);

/* Print "ctaudit: <cmd>: message" to stderr. */
void cta_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Usage error: prints the message and a hint to --help; returns CTA_EXIT_USAGE. */
int cta_cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Name of the command being run (for messages). */
extern const char *cta_cli_command;

/* Commands: argv[0] is the command name. Return a CTA_EXIT_* status. */
int cmd_facts(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_profiles(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_top(int argc, char **argv);

#endif
