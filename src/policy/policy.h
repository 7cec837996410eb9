/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_POLICY_POLICY_H
#define CTA_POLICY_POLICY_H

#include <stdbool.h>
#include <jansson.h>
#include "util/diag.h"

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

/*
 * Sysctl keys the loaded catalog names (so the collector reads them even when
 * outside its default set).  NULL-terminated array owned by @p.
 */
const char *const *cta_policy_sysctl_keys(const struct cta_policy *p);

/*
 * Audit @facts for the profiles @profiles (NULL-terminated names; "auto" picks
 * the role from the facts; several names combine roles).  Pure: no I/O.
 * Returns 0 and a new audit report (docs/audit-json.md) in @ret_report, or
 * -EINVAL with @diags filled (unknown profile name, ...), or -ENOMEM.
 */
int cta_policy_audit(const struct cta_policy *p, const char *const *profiles, json_t *facts,
		     struct cta_diags *diags, json_t **ret_report);

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

#endif
