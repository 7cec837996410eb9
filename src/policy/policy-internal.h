/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_POLICY_POLICY_INTERNAL_H
#define CTA_POLICY_POLICY_INTERNAL_H

/* Shared by the files of src/policy only. */

#include <stddef.h>
#include <jansson.h>
#include "policy/expr.h"
#include "policy/policy.h"

struct cta_escalate {
	struct cta_expr *when;
	int severity;
};

struct cta_ext_param {
	char *name; /* param.NAME read but not declared by the rule */
	unsigned line, col;
};

struct cta_rem_sysctl {
	char *key;
	struct cta_tmpl *value;
};

struct cta_rule {
	char *id, *title, *file;
	unsigned line, col, id_line, id_col;
	int severity;
	struct cta_tmpl *subject, *observed, *expected, *message, *pass_message, *explanation,
		*when_reason;
	struct cta_expr **needs;
	size_t n_needs;
	json_t *params; /* NAME -> default, or NULL */
	char **let_names;
	struct cta_expr **lets;
	size_t n_lets;
	struct cta_expr *when, *check;
	struct cta_escalate *escalate;
	size_t n_escalate;
	char **references;
	size_t n_references;
	struct cta_rem_sysctl *rem_sysctl;
	size_t n_rem_sysctl;
	char **rem_remove;
	size_t n_rem_remove;
	struct cta_tmpl *rem_notrack_proto;
	struct cta_expr *rem_notrack_ports;
	struct cta_tmpl *rem_advice;
	struct cta_ext_param *ext_params;
	size_t n_ext_params;
	json_t *src; /* raw text of every key, for `explain` */
};

struct cta_extends {
	char *name;
	unsigned line, col;
};

/* One way `--profile auto` recognises a profile's role (docs/policy-language.md,
 * "Role detection"): lets, `when` and the reason template live in @r. */
struct cta_detect {
	int priority;
	struct cta_rule *r; /* id: the profile name; message: the reason */
};

struct cta_profile {
	char *name, *description, *file;
	struct cta_detect *detect;
	size_t n_detect;
	unsigned line, col;
	struct cta_extends *extends;
	size_t n_extends;
	json_t *params; /* own params */
	json_t *rules; /* own rules: id -> {enabled?, severity?, params?} */
	json_t *pos; /* key -> [line, col] for diagnostics */
	json_t *effective; /* {"params": {}, "rules": {id: {enabled, severity?, params}}} */
};

struct cta_policy {
	char *datadir;
	struct cta_rule **rules;
	size_t n_rules;
	json_t *rule_index; /* id -> index in rules */
	struct cta_profile **profiles;
	size_t n_profiles;
	char **sysctl_keys; /* NULL-terminated */
	size_t n_sysctl_keys;
};

/* Role detection for `--profile auto`: the profile whose detect entry of
 * highest priority holds, and the rendered reason.  0 or -ENOMEM. */
int cta_policy_detect(const struct cta_policy *p, json_t *facts, const char **ret_name,
		      char **ret_reason);

const struct cta_rule *cta_policy_find_rule(const struct cta_policy *p, const char *id);
const struct cta_profile *cta_policy_find_profile(const struct cta_policy *p, const char *name);

#endif
