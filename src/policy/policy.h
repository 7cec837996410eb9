/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_POLICY_POLICY_H
#define CTA_POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "util/diag.h"
#include "util/macro.h"

/*
 * The evaluate stage: facts + rule catalog + role profiles -> audit report.
 * Loading reads YAML (policies/NAME.yaml, profiles/NAME.yaml); evaluation is pure.
 * The language is specified in docs/policy-language.md, the report in
 * docs/audit-json.md.
 */

struct cta_policy;

struct cta_policy_opts {
	/* Directory holding policies/ and profiles/; NULL: cta_datadir()
	 * (util/config.h).  ROOT/etc/ctaudit/policies and ROOT/etc/ctaudit/profiles
	 * override, extend and mask its files by name, like sysctl.d. */
	const char *datadir;
	/* Root prefix for /etc/ctaudit/{policies,profiles} (NULL: real root). */
	const char *root;
	/* Extra profile directories (--profile-dir), searched before
	 * ROOT/etc/ctaudit/profiles and the built-in ones; NULL-terminated, may be NULL. */
	const char *const *profile_dirs;
	/* Files to load before the catalog and the profile directories
	 * (`ctaudit validate`): each is a rule catalog file or a profile, told
	 * apart by its top-level key.  A policy file that is the same file as
	 * one in the catalog replaces it; a profile hides installed profiles
	 * of the same name.  NULL-terminated, may be NULL. */
	const char *const *files;
};

/*
 * Load and check the whole catalog and every profile.  Problems go to @diags
 * as file:line:col records and the call returns -EINVAL; nothing is
 * half-loaded.  Returns 0, -EINVAL, -ENOENT (no data directory) or -ENOMEM.
 */
int cta_policy_load(const struct cta_policy_opts *opts, struct cta_diags *diags,
		    struct cta_policy **ret);

void cta_policy_free(struct cta_policy *p);
CTA_DEFINE_CLEANUP(struct cta_policy *, cta_policy_free)

/*
 * Sysctl keys the loaded catalog names (so the collector reads them even when
 * outside its default set).  NULL-terminated array owned by @p.
 */
const char *const *cta_policy_sysctl_keys(const struct cta_policy *p);

/*
 * Descriptions for `ctaudit explain` and `ctaudit profiles` (new references;
 * shapes in docs/audit-json.md, "Catalog descriptions").
 *
 * cta_policy_rule_json: one rule: id, title, severity, subject, file, line,
 * the raw text of its templates and expressions (explanation, message, when,
 * check, let, needs, params, escalate, remediation, kernels, tags), its
 * references and the profiles that enable it with their severity.  Returns 0,
 * -ENOENT (no such rule) or -ENOMEM.
 * cta_policy_catalog_json: an array of all rules in that shape, by id.
 * cta_policy_profiles_json: [{profile, description, file, extends}] by name.
 * cta_policy_profile_json: the effective profile after 'extends':
 * {profile, description, file, extends, params, rules: {ID: {severity,
 * params}}} with the enabled rules only.  -ENOENT for an unknown name.
 */
int cta_policy_rule_json(const struct cta_policy *p, const char *id, json_t **ret);
int cta_policy_catalog_json(const struct cta_policy *p, json_t **ret);
int cta_policy_profiles_json(const struct cta_policy *p, json_t **ret);
int cta_policy_profile_json(const struct cta_policy *p, const char *name, json_t **ret);

struct cta_ynode;

/*
 * Site defaults (/etc/ctaudit/ctaudit.yaml, loaded by the CLI):
 * cta_policy_value_from_yaml converts a YAML value as profile 'params' are
 * converted (new reference, NULL on ENOMEM).  cta_policy_set_param sets
 * parameter @name to @value (borrowed) in every profile, over the profiles'
 * own values.  Returns 0, -ENOENT (no rule or profile knows @name), -EINVAL
 * (a rule declares it with another type, named in @ret_want_type) or -ENOMEM.
 */
json_t *cta_policy_value_from_yaml(const struct cta_ynode *n);
int cta_policy_set_param(struct cta_policy *p, const char *name, json_t *value,
			 const char **ret_want_type);

/* The data directory the catalog was loaded from (owned by @p). */
const char *cta_policy_datadir(const struct cta_policy *p);

/* Severity levels, most severe first. */
enum cta_severity {
	CTA_SEVERITY_CRITICAL,
	CTA_SEVERITY_HIGH,
	CTA_SEVERITY_MEDIUM,
	CTA_SEVERITY_LOW,
	CTA_SEVERITY_INFO,
	_CTA_SEVERITY_MAX,
};

/* "critical" <-> CTA_SEVERITY_CRITICAL ...; parse returns -EINVAL on unknown names. */
const char *cta_severity_to_string(enum cta_severity s);
int cta_severity_from_string(const char *s);

/* ---- the audit report: the evaluate stage's output ------------------------------------ */

/*
 * The report is a tree of plain structs.  Every string and array in it is
 * owned by the struct that points to it and released by cta_report_free();
 * nothing is shared with the facts or the policy, so a report outlives both.
 * Its JSON form (docs/audit-json.md) is written and read only by
 * render/report-json.c.
 */

enum cta_result_status {
	CTA_RESULT_FAIL, /* the check is false */
	CTA_RESULT_PASS, /* the check is true */
	CTA_RESULT_SKIP, /* a needed fact is missing, the rule does not apply, or no verdict */
	_CTA_RESULT_MAX,
};

/* "fail" <-> CTA_RESULT_FAIL ...; parse returns -EINVAL on unknown names. */
const char *cta_result_status_to_string(enum cta_result_status s);
int cta_result_status_from_string(const char *s);

/* One sysctl value to set at runtime and at boot. */
struct cta_remediation_sysctl {
	char *key;
	char *value; /* as the kernel prints it ("32768 60999") */
};

/* One NOTRACK rule to add. */
struct cta_remediation_notrack {
	char *proto; /* "tcp" or "udp" */
	char *port; /* "8080" or "8000-8100", as the rule rendered it */
};

/* The rendered fix of a failing result; every part may be empty. */
struct cta_remediation {
	struct cta_remediation_sysctl *sysctl; /* in the rule's order */
	size_t n_sysctl;
	char **remove_persisted; /* stale keys to remove from the sysctl.d hierarchy */
	size_t n_remove_persisted;
	struct cta_remediation_notrack *notrack;
	size_t n_notrack;
	char *advice; /* NULL: none */
	char **unresolved; /* "KEY: why" for parts that could not be computed */
	size_t n_unresolved;
};

struct cta_result {
	char *rule;
	char *title;
	enum cta_result_status status;
	enum cta_severity severity; /* effective: profile, combined profiles, escalate */
	char *subject;
	char *observed; /* NULL: the rule has none, or the result is skipped */
	char *expected; /* likewise */
	char *message;
	char *explanation;
	char **references;
	size_t n_references;
	/* CTA_RESULT_FAIL: never NULL (possibly empty); otherwise NULL. */
	struct cta_remediation *remediation;
	char *reason; /* CTA_RESULT_SKIP: why; otherwise NULL */
};

/* One profile of the report and why it was chosen. */
struct cta_report_profile {
	char *name;
	char *detected; /* "auto" evidence ("99.9 % of TIME_WAIT sockets ..."); NULL: named */
};

/*
 * What was audited, so that a saved report is never applied elsewhere.  Taken
 * from the facts (host.hostname, host.netns, host.netns_inode, the `offline`
 * reason in facts.unavailable) and from the caller (root).  Unknown parts are
 * NULL / 0 / CTA_TARGET_NETNS_UNKNOWN.
 */
enum cta_target_netns {
	CTA_TARGET_NETNS_UNKNOWN,
	CTA_TARGET_NETNS_INIT, /* the initial network namespace */
	CTA_TARGET_NETNS_OTHER, /* a child namespace (container, pod, ip netns) */
};

struct cta_report_target {
	char *hostname;
	enum cta_target_netns netns;
	uint64_t netns_inode; /* 0: unknown */
	bool offline; /* the facts describe an image (--offline): no live kernel */
	char *root; /* the --root the facts were read below; NULL: "/" or unknown */
};

struct cta_report {
	char *profile; /* the names joined with '+' */
	struct cta_report_profile *profiles;
	size_t n_profiles;
	char *profile_reason; /* one line for all profiles (docs/audit-json.md) */
	/* A copy of the facts' host section (an object, possibly empty): the
	 * report repeats it verbatim for readers, the struct does not interpret it. */
	json_t *host;
	struct cta_report_target target;
	char *ctaudit_version; /* NULL: not recorded (a report of an older ctaudit) */
	char *generated_at; /* UTC, YYYY-MM-DDTHH:MM:SSZ; NULL: not recorded */
	/* "sha256:HEX" of the rule catalog that judged (docs/reports.md); NULL: not recorded */
	char *catalog_digest;
	unsigned failing[_CTA_SEVERITY_MAX]; /* failing results per severity */
	unsigned passed, skipped;
	/* Failing by severity (critical first) then rule id, then passing, then
	 * skipped, each by rule id. */
	struct cta_result *results;
	size_t n_results;
};

/* An empty report (no results, host {}).  NULL on ENOMEM. */
struct cta_report *cta_report_new(void);
/* Frees @r and everything it owns; accepts NULL. */
void cta_report_free(struct cta_report *r);
CTA_DEFINE_CLEANUP(struct cta_report *, cta_report_free)
#define _cleanup_report_ _cleanup_(cta_report_freep)

/* Fill @t from a facts snapshot (the parts a snapshot records).  0 or -ENOMEM. */
int cta_report_target_from_facts(struct cta_report_target *t, json_t *facts);
void cta_report_target_done(struct cta_report_target *t);
/* *@dst = a deep copy of @src (@dst holds nothing yet).  0 or -ENOMEM. */
int cta_report_target_copy(struct cta_report_target *dst, const struct cta_report_target *src);

/*
 * Whether a report made for @made may be used on @here (both usually from
 * cta_report_target_from_facts(), @here with the caller's --root): parts
 * known on both sides must agree (host name, namespace, its inode, offline
 * image, root).  Returns 0 when they do, 1 with a one-line reason in
 * @ret_why (caller frees) when they do not, or -ENOMEM.
 */
int cta_report_target_check(const struct cta_report_target *made,
			    const struct cta_report_target *here, char **ret_why);

/* Record the generator: @version and @generated_at (copied; either may be NULL).  0 or -ENOMEM. */
int cta_report_set_origin(struct cta_report *r, const char *version, const char *generated_at,
			  const char *root);

/* The result of rule @id, or NULL. */
const struct cta_result *cta_report_find(const struct cta_report *r, const char *id);

/* Whether any failing result is at least as severe as @s. */
bool cta_report_fails_at(const struct cta_report *r, enum cta_severity s);

/*
 * Audit @facts for the profiles @profiles (NULL-terminated names; "auto" picks
 * the role from the facts; several names combine roles).  Pure: no I/O.
 * Returns 0 and a new report in @ret_report (target from the facts; version,
 * time and root are the caller's to set), or -EINVAL with @diags filled
 * (unknown profile name, ...), or -ENOMEM.
 */
int cta_policy_audit(const struct cta_policy *p, const char *const *profiles, json_t *facts,
		     struct cta_diags *diags, struct cta_report **ret_report);

/*
 * A template as a reader sees it in 'ctaudit explain': each {EXPRESSION} part
 * becomes a named placeholder "<name>" (a bare name or fact path names
 * itself, other expressions are numbered "<1>", "<2>"...), and the slots say
 * which expression fills each placeholder, in order of first use.  Returns 0
 * and new text and slots (free with cta_tmpl_slots_free), or -ENOMEM.
 */
struct cta_tmpl_slot {
	char *name; /* without the angle brackets */
	char *expr; /* the expression as written */
};
int cta_tmpl_outline(const char *text, char **ret_text, struct cta_tmpl_slot **ret_slots,
		     size_t *ret_n);
void cta_tmpl_slots_free(struct cta_tmpl_slot *v, size_t n);

#endif
