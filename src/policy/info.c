// SPDX-License-Identifier: GPL-2.0-or-later
/* Descriptions of the loaded catalog and profiles, for explain and profiles. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "policy/policy-internal.h"
#include "util/banned.h"

static int rule_profiles(const struct cta_policy *p, const struct cta_rule *r, json_t **ret)
{
	json_t *a = json_array();

	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_profiles; i++) {
		json_t *ent =
			json_object_get(json_object_get(p->profiles[i]->effective, "rules"), r->id);
		json_t *sev;

		if (!ent || !json_is_true(json_object_get(ent, "enabled")))
			continue;
		sev = json_object_get(ent, "severity");
		if (json_array_append_new(
			    a, json_pack("{s:s, s:s}", "profile", p->profiles[i]->name, "severity",
					 sev ? json_string_value(sev) :
					       cta_severity_to_string(r->severity))) < 0) {
			json_decref(a);
			return -ENOMEM;
		}
	}
	*ret = a;
	return 0;
}

static int rule_json(const struct cta_policy *p, const struct cta_rule *r, json_t **ret)
{
	json_t *j = json_deep_copy(r->src), *refs, *profs = NULL;

	if (!j)
		return -ENOMEM;
	refs = json_array();
	if (!refs || rule_profiles(p, r, &profs) < 0 ||
	    json_object_set_new(j, "id", json_string(r->id)) < 0 ||
	    json_object_set_new(j, "title", json_string(r->title)) < 0 ||
	    json_object_set_new(j, "severity", json_string(cta_severity_to_string(r->severity))) <
		    0 ||
	    json_object_set_new(j, "file", json_string(r->file)) < 0 ||
	    json_object_set_new(j, "line", json_integer(r->line)) < 0 ||
	    json_object_set_new(j, "profiles", profs) < 0 ||
	    json_object_set_new(j, "references", refs) < 0) {
		json_decref(j);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->n_references; i++)
		json_array_append_new(refs, json_string(r->references[i]));
	/* needs as a list of expression texts, however it was written */
	json_t *needs = json_object_get(j, "needs");

	if (json_is_string(needs)) {
		json_t *a = json_array();

		json_array_append(a, needs);
		json_object_set_new(j, "needs", a);
	}
	*ret = j;
	return 0;
}

int cta_policy_rule_json(const struct cta_policy *p, const char *id, json_t **ret)
{
	const struct cta_rule *r = cta_policy_find_rule(p, id);

	if (!r)
		return -ENOENT;
	return rule_json(p, r, ret);
}

static int cmp_rule_ptr(const void *a, const void *b)
{
	return strcmp((*(const struct cta_rule *const *)a)->id,
		      (*(const struct cta_rule *const *)b)->id);
}

int cta_policy_catalog_json(const struct cta_policy *p, json_t **ret)
{
	_cleanup_free_ const struct cta_rule **v = calloc(p->n_rules + 1, sizeof(*v));
	json_t *a = json_array();

	if (!v || !a) {
		json_decref(a);
		return -ENOMEM;
	}
	memcpy(v, p->rules, p->n_rules * sizeof(*v));
	qsort(v, p->n_rules, sizeof(*v), cmp_rule_ptr);
	for (size_t i = 0; i < p->n_rules; i++) {
		json_t *j;

		if (rule_json(p, v[i], &j) < 0 || json_array_append_new(a, j) < 0) {
			json_decref(a);
			return -ENOMEM;
		}
	}
	*ret = a;
	return 0;
}

static int cmp_profile_ptr(const void *a, const void *b)
{
	return strcmp((*(const struct cta_profile *const *)a)->name,
		      (*(const struct cta_profile *const *)b)->name);
}

int cta_policy_profiles_json(const struct cta_policy *p, json_t **ret)
{
	_cleanup_free_ const struct cta_profile **v = calloc(p->n_profiles + 1, sizeof(*v));
	json_t *a = json_array();

	if (!v || !a) {
		json_decref(a);
		return -ENOMEM;
	}
	memcpy(v, p->profiles, p->n_profiles * sizeof(*v));
	qsort(v, p->n_profiles, sizeof(*v), cmp_profile_ptr);
	for (size_t i = 0; i < p->n_profiles; i++) {
		json_t *ext = json_array();

		for (size_t k = 0; ext && k < v[i]->n_extends; k++)
			json_array_append_new(ext, json_string(v[i]->extends[k].name));
		if (!ext || json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o}", "profile",
							       v[i]->name, "description",
							       v[i]->description ?: "", "file",
							       v[i]->file, "extends", ext)) < 0) {
			json_decref(a);
			return -ENOMEM;
		}
	}
	*ret = a;
	return 0;
}

int cta_policy_profile_json(const struct cta_policy *p, const char *name, json_t **ret)
{
	const struct cta_profile *pr = cta_policy_find_profile(p, name);
	json_t *j, *rules, *ext;
	json_t *ent;

	if (!pr)
		return -ENOENT;
	rules = json_object();
	ext = json_array();
	for (size_t k = 0; ext && k < pr->n_extends; k++)
		json_array_append_new(ext, json_string(pr->extends[k].name));
	j = json_pack("{s:s, s:s, s:s, s:o, s:O, s:o}", "profile", pr->name, "description",
		      pr->description ?: "", "file", pr->file, "extends", ext ? ext : json_array(),
		      "params", json_object_get(pr->effective, "params"), "rules",
		      rules ? rules : json_object());
	if (!j)
		return -ENOMEM;
	/* enabled rules in catalog order, with their effective severity */
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct cta_rule *r = p->rules[i];
		json_t *sev, *params;

		ent = json_object_get(json_object_get(pr->effective, "rules"), r->id);
		if (!ent || !json_is_true(json_object_get(ent, "enabled")))
			continue;
		sev = json_object_get(ent, "severity");
		params = r->params ? json_deep_copy(r->params) : json_object();
		if (!params) {
			json_decref(j);
			return -ENOMEM;
		}
		/* profile-wide values of the parameters this rule declares */
		json_object_update_existing(params, json_object_get(pr->effective, "params"));
		json_object_update(params, json_object_get(ent, "params"));
		json_object_set_new(json_object_get(j, "rules"), r->id,
				    json_pack("{s:s, s:o}", "severity",
					      sev ? json_string_value(sev) :
						    cta_severity_to_string(r->severity),
					      "params", params));
	}
	/* how --profile auto recognises it, as written */
	json_t *det = json_array();

	if (!det || json_object_set_new(j, "detect", det) < 0) {
		json_decref(j);
		return -ENOMEM;
	}
	for (size_t i = 0; i < pr->n_detect; i++) {
		json_t *d = json_deep_copy(pr->detect[i].r->src);

		if (!d ||
		    json_object_set_new(d, "priority", json_integer(pr->detect[i].priority)) < 0 ||
		    json_array_append_new(det, d) < 0) {
			json_decref(j);
			return -ENOMEM;
		}
	}
	*ret = j;
	return 0;
}
