// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The evaluate stage proper: facts + effective profile -> audit report.
 * Pure: no I/O.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "policy/derive-fw.h"
#include "policy/derive.h"
#include "policy/policy-internal.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/banned.h"

/* ---- rule evaluation ------------------------------------------------------- */

/* "sysctl[\"a.b\"]" -> "sysctl.a.b" for matching facts.unavailable sections. */
static char *normalize_path(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (s[0] == '[' && (s[1] == '"' || s[1] == '\'')) {
			*o++ = '.';
			s++;
			continue;
		}
		if ((s[0] == '"' || s[0] == '\'') && s[1] == ']') {
			s++;
			continue;
		}
		*o++ = *s;
	}
	*o = 0;
	return out;
}

static char *missing_reason(const char *what, json_t *facts)
{
	_cleanup_free_ char *norm = NULL;
	json_t *un = json_object_get(facts, "unavailable"), *x;
	size_t i;
	char *s;

	if (what && strneq(what, "param.", 6))
		return asprintf(&s, "needs parameter '%s', which the profile does not set",
				what + 6) < 0 ?
			       NULL :
			       s;
	norm = normalize_path(what ? what : "?");
	if (!norm)
		return NULL;
	json_array_foreach(un, i, x) {
		const char *sec = json_string_value(json_object_get(x, "section"));
		const char *why = json_string_value(json_object_get(x, "reason"));
		size_t l = sec ? strlen(sec) : 0;

		if (sec && why && strneq(norm, sec, l) && (norm[l] == 0 || norm[l] == '.'))
			return asprintf(&s, "needs '%s', which the snapshot does not have (%s: %s)",
					what, sec, why) < 0 ?
				       NULL :
				       s;
	}
	return asprintf(&s, "needs '%s', which the snapshot does not have", what ? what : "?") < 0 ?
		       NULL :
		       s;
}

/* Reason to skip for a bad value (missing or error). */
static char *bad_reason(const struct cta_val *v, const char *what, json_t *facts)
{
	char *s;

	if (v->kind == CTA_VAL_MISSING)
		return missing_reason(v->s, facts);
	return asprintf(&s, "cannot evaluate '%s': %s", what, v->s ? v->s : "error") < 0 ? NULL : s;
}

struct reval {
	const struct cta_rule *r;
	struct cta_eval_ctx ctx;
	struct cta_val *lets;
	json_t *facts;
};

/* Render @t into *@dst (NULL template: leave NULL).  0 or -ENOMEM. */
static int set_tmpl(char **dst, const struct cta_tmpl *t, struct cta_eval_ctx *c)
{
	if (!t)
		return 0;
	free(*dst);
	*dst = cta_tmpl_render(t, c);
	return *dst ? 0 : -ENOMEM;
}

/* Append a new string to a growing array; takes @s (freed on failure). */
static int strv_take(char ***v, size_t *n, char *s)
{
	char **nv;

	if (!s)
		return -ENOMEM;
	nv = reallocarray(*v, *n + 1, sizeof(**v));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

static int rem_set_sysctl(struct cta_remediation *m, const char *key, char **value)
{
	struct cta_remediation_sysctl *nv;

	/* a key named twice keeps its first place and its last value */
	for (size_t i = 0; i < m->n_sysctl; i++)
		if (streq(m->sysctl[i].key, key)) {
			free(m->sysctl[i].value);
			m->sysctl[i].value = TAKE_PTR(*value);
			return 0;
		}
	nv = reallocarray(m->sysctl, m->n_sysctl + 1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	m->sysctl = nv;
	nv[m->n_sysctl].key = strdup(key);
	if (!nv[m->n_sysctl].key)
		return -ENOMEM;
	nv[m->n_sysctl++].value = TAKE_PTR(*value);
	return 0;
}

static int rem_add_notrack(struct cta_remediation *m, const char *proto, char *port)
{
	struct cta_remediation_notrack *nv;

	nv = reallocarray(m->notrack, m->n_notrack + 1, sizeof(*nv));
	if (!nv) {
		free(port);
		return -ENOMEM;
	}
	m->notrack = nv;
	nv[m->n_notrack].port = port;
	nv[m->n_notrack].proto = strdup(proto);
	m->n_notrack++;
	return nv[m->n_notrack - 1].proto ? 0 : -ENOMEM;
}

/* The NOTRACK part: a port, a list of ports, or the reason it cannot be computed. */
static int rem_notrack(struct reval *e, struct cta_remediation *m)
{
	const struct cta_rule *r = e->r;
	_cleanup_free_ char *proto = NULL, *problem = NULL;
	struct cta_val ports;
	int k;

	k = cta_tmpl_render_strict(r->rem_notrack_proto, &e->ctx, &proto, &problem);
	if (k < 0)
		return k;
	cta_expr_eval(r->rem_notrack_ports, &e->ctx, &ports);
	if (k > 0 || ports.kind == CTA_VAL_MISSING || ports.kind == CTA_VAL_ERROR) {
		_cleanup_free_ char *why = NULL;
		char *msg;

		why = problem ? TAKE_PTR(problem) : bad_reason(&ports, "ports", e->facts);
		cta_val_done(&ports);
		if (asprintf(&msg, "notrack: %s", why ? why : "?") < 0)
			return -ENOMEM;
		return strv_take(&m->unresolved, &m->n_unresolved, msg);
	}
	if (ports.kind != CTA_VAL_LIST) {
		char *s = cta_val_format(&ports);

		cta_val_done(&ports);
		if (!s)
			return -ENOMEM;
		if (!*s || !proto) {
			free(s);
			return 0;
		}
		return rem_add_notrack(m, proto, s);
	}

	size_t i;
	json_t *x;

	k = 0;
	json_array_foreach(ports.j, i, x) {
		char *s = NULL;

		/* other element types name no port: nothing to add */
		if (json_is_string(x))
			s = strdup(json_string_value(x));
		else if (json_is_integer(x)) {
			if (asprintf(&s, "%lld", (long long)json_integer_value(x)) < 0)
				s = NULL;
		} else
			continue;
		if (!s) {
			k = -ENOMEM;
			break;
		}
		if (!*s || !proto) {
			free(s);
			continue;
		}
		k = rem_add_notrack(m, proto, s);
		if (k < 0)
			break;
	}
	cta_val_done(&ports);
	return k;
}

static int remediation(struct reval *e, struct cta_remediation **ret)
{
	const struct cta_rule *r = e->r;
	struct cta_remediation *m = calloc(1, sizeof(*m));
	int k;

	if (!m)
		return -ENOMEM;
	/* owned by the result from here on, also on failure */
	*ret = m;
	for (size_t i = 0; i < r->n_rem_sysctl; i++) {
		_cleanup_free_ char *val = NULL, *problem = NULL;

		k = cta_tmpl_render_strict(r->rem_sysctl[i].value, &e->ctx, &val, &problem);
		if (k < 0)
			return k;
		if (k > 0) {
			/* never guess a value to write */
			char *msg;

			if (asprintf(&msg, "%s: %s", r->rem_sysctl[i].key, problem) < 0)
				return -ENOMEM;
			k = strv_take(&m->unresolved, &m->n_unresolved, msg);
		} else
			k = rem_set_sysctl(m, r->rem_sysctl[i].key, &val);
		if (k < 0)
			return k;
	}
	for (size_t i = 0; i < r->n_rem_remove; i++) {
		k = strv_take(&m->remove_persisted, &m->n_remove_persisted,
			      strdup(r->rem_remove[i]));
		if (k < 0)
			return k;
	}
	if (r->rem_notrack_ports) {
		k = rem_notrack(e, m);
		if (k < 0)
			return k;
	}
	return set_tmpl(&m->advice, r->rem_advice, &e->ctx);
}

/* Evaluate @v as a condition: 1 true, 0 false, -1 skip with @ret_reason. */
static int condition(struct reval *e, const struct cta_expr *x, const char *what, char **ret_reason)
{
	struct cta_val v;
	int r;

	cta_expr_eval(x, &e->ctx, &v);
	if (v.kind == CTA_VAL_BOOL)
		r = v.b;
	else {
		if (v.kind == CTA_VAL_MISSING || v.kind == CTA_VAL_ERROR)
			*ret_reason = bad_reason(&v, what, e->facts);
		else if (asprintf(ret_reason, "cannot evaluate '%s': it is %s, not true or false",
				  what,
				  v.kind == CTA_VAL_NUM ? "a number" :
				  v.kind == CTA_VAL_STR ? "a string" :
							  "not a boolean") < 0)
			*ret_reason = NULL;
		r = -1;
	}
	cta_val_done(&v);
	return r;
}

static const char *src_str(const struct cta_rule *r, const char *key)
{
	return json_string_value(json_object_get(r->src, key));
}

/* The verdict and the reason to skip; -ENOMEM. */
static int verdict(struct reval *e, enum cta_result_status *ret_status, char **ret_reason)
{
	const struct cta_rule *r = e->r;
	_cleanup_free_ char *reason = NULL;
	int k;

	for (size_t i = 0; i < r->n_needs && !reason; i++) {
		struct cta_val v;

		cta_expr_eval(r->needs[i], &e->ctx, &v);
		if (v.kind == CTA_VAL_MISSING || v.kind == CTA_VAL_ERROR) {
			reason = bad_reason(&v, "needs", e->facts);
			if (!reason) {
				cta_val_done(&v);
				return -ENOMEM;
			}
		}
		cta_val_done(&v);
	}
	for (size_t i = 0; i < r->n_lets; i++) {
		cta_expr_eval(r->lets[i], &e->ctx, &e->lets[i]);
		e->ctx.n_lets = i + 1;
	}
	if (!reason && r->when) {
		k = condition(e, r->when, "when", &reason);
		if (k < 0 && !reason)
			return -ENOMEM;
		if (k == 0) {
			_cleanup_free_ char *why = NULL;

			if (r->when_reason)
				why = cta_tmpl_render(r->when_reason, &e->ctx);
			else if (asprintf(&why, "'%s' is false", src_str(r, "when")) < 0)
				why = NULL;
			if (!why || asprintf(&reason, "not applicable: %s", why) < 0) {
				reason = NULL;
				return -ENOMEM;
			}
		}
	}
	if (reason) {
		*ret_status = CTA_RESULT_SKIP;
		*ret_reason = TAKE_PTR(reason);
		return 0;
	}
	k = condition(e, r->check, "check", &reason);
	if (k < 0 && !reason)
		return -ENOMEM;
	*ret_status = k < 0 ? CTA_RESULT_SKIP : k ? CTA_RESULT_PASS : CTA_RESULT_FAIL;
	*ret_reason = TAKE_PTR(reason);
	return 0;
}

/* The texts of @res for its status. */
static int texts(struct reval *e, struct cta_result *res)
{
	const struct cta_rule *r = e->r;
	int k;

	k = set_tmpl(&res->subject, r->subject, &e->ctx);
	if (k >= 0 && res->status != CTA_RESULT_SKIP) {
		k = set_tmpl(&res->observed, r->observed, &e->ctx);
		if (k >= 0)
			k = set_tmpl(&res->expected, r->expected, &e->ctx);
	}
	if (k < 0)
		return k;
	if (res->status == CTA_RESULT_FAIL)
		k = set_tmpl(&res->message, r->message, &e->ctx);
	else if (res->status == CTA_RESULT_PASS && r->pass_message)
		k = set_tmpl(&res->message, r->pass_message, &e->ctx);
	else
		k = (res->message = strdup(r->title)) ? 0 : -ENOMEM;
	if (k >= 0)
		k = set_tmpl(&res->explanation, r->explanation, &e->ctx);
	if (k < 0)
		return k;
	res->references = calloc(r->n_references + 1, sizeof(*res->references));
	if (!res->references)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_references; i++) {
		res->references[i] = strdup(r->references[i]);
		if (!res->references[i])
			return -ENOMEM;
		res->n_references = i + 1;
	}
	return 0;
}

/* Evaluate @r into @res (zeroed by the caller; filled parts are the caller's to free). */
static int eval_rule(const struct cta_rule *r, int severity, json_t *params, json_t *facts,
		     struct cta_result *res)
{
	struct reval e = { .r = r, .facts = facts };
	int k;

	e.lets = calloc(r->n_lets + 1, sizeof(*e.lets));
	if (!e.lets)
		return -ENOMEM;
	e.ctx = (struct cta_eval_ctx){ .facts = facts, .params = params, .lets = e.lets };

	res->rule = strdup(r->id);
	res->title = strdup(r->title);
	k = res->rule && res->title ? verdict(&e, &res->status, &res->reason) : -ENOMEM;
	if (k < 0)
		goto out;
	if (res->status == CTA_RESULT_FAIL)
		for (size_t i = 0; i < r->n_escalate; i++) {
			struct cta_val v;

			cta_expr_eval(r->escalate[i].when, &e.ctx, &v);
			bool hit = v.kind == CTA_VAL_BOOL && v.b;

			cta_val_done(&v);
			if (hit) {
				if (r->escalate[i].severity < severity)
					severity = r->escalate[i].severity;
				break;
			}
		}
	res->severity = (enum cta_severity)severity;
	k = texts(&e, res);
	if (k >= 0 && res->status == CTA_RESULT_FAIL)
		k = remediation(&e, &res->remediation);
out:
	for (size_t i = 0; i < r->n_lets; i++)
		cta_val_done(&e.lets[i]);
	free(e.lets);
	return k < 0 ? k : 0;
}

/* ---- the report ------------------------------------------------------------ */

/* Failing by severity, then passing, then skipped; by rule id (ids are unique). */
static int cmp_results(const void *a, const void *b)
{
	const struct cta_result *x = a, *y = b;
	int c = (int)x->status - (int)y->status;

	if (c)
		return c;
	if (x->status == CTA_RESULT_FAIL) {
		c = (int)x->severity - (int)y->severity;
		if (c)
			return c;
	}
	return strcmp(x->rule, y->rule);
}

/*
 * Effective settings of the combined profiles: the union of their enabled
 * rules; the most severe severity; parameters of the last profile named win.
 */
static int combine(const struct cta_policy *p, const struct cta_profile *const *profs, size_t n,
		   json_t **ret)
{
	_cleanup_json_ json_t *out = json_object();

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *eff = profs[i]->effective;
		json_t *gparams = json_object_get(eff, "params");
		const char *id;
		json_t *ent;

		json_object_foreach(json_object_get(eff, "rules"), id, ent) {
			const struct cta_rule *r = cta_policy_find_rule(p, id);
			json_t *sevj = json_object_get(ent, "severity");
			int sev;
			json_t *c;

			if (!r || !json_is_true(json_object_get(ent, "enabled")))
				continue;
			sev = sevj ? cta_severity_from_string(json_string_value(sevj)) :
				     r->severity;
			c = json_object_get(out, id);
			if (!c) {
				c = json_pack("{s:i, s:o}", "severity", sev, "params",
					      r->params ? json_deep_copy(r->params) :
							  json_object());
				if (!c || json_object_set_new(out, id, c) < 0)
					return -ENOMEM;
			} else if (sev < json_integer_value(json_object_get(c, "severity")))
				json_object_set_new(c, "severity", json_integer(sev));
			json_t *cp = json_object_get(c, "params");

			if (json_object_update(cp, gparams) < 0 ||
			    json_object_update(cp, json_object_get(ent, "params")) < 0)
				return -ENOMEM;
		}
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* Resolve "auto" and drop repeated names (keeping the first) into rep->profiles. */
static int choose_profiles(const struct cta_policy *p, const char *const *profiles, size_t n,
			   json_t *facts, struct cta_diags *diags, struct cta_report *rep,
			   const struct cta_profile **profs)
{
	int k;

	rep->profiles = calloc(n + 1, sizeof(*rep->profiles));
	if (!rep->profiles)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *name = profiles[i];
		_cleanup_free_ char *why = NULL;
		const struct cta_profile *pr;
		bool dup = false;

		if (streq(name, "auto")) {
			k = cta_policy_detect(p, facts, &name, &why);
			if (k < 0)
				return k;
		}
		pr = cta_policy_find_profile(p, name);
		if (!pr) {
			k = cta_diag_add(diags, NULL, 0, 0,
					 "unknown profile '%s' (see 'ctaudit profiles list')",
					 name);
			return k < 0 ? k : -EINVAL;
		}
		for (size_t j = 0; j < rep->n_profiles; j++)
			dup |= profs[j] == pr;
		if (dup)
			continue;
		profs[rep->n_profiles] = pr;
		rep->profiles[rep->n_profiles].name = strdup(name);
		rep->profiles[rep->n_profiles].detected = TAKE_PTR(why);
		if (!rep->profiles[rep->n_profiles++].name)
			return -ENOMEM;
	}
	return 0;
}

/* "a+b" and "a: auto: ...; b: named on the command line". */
static int profile_lines(struct cta_report *rep)
{
	_cleanup_fclose_ FILE *rf = NULL, *jf = NULL;
	size_t rlen = 0, jlen = 0;

	rf = open_memstream(&rep->profile_reason, &rlen);
	jf = open_memstream(&rep->profile, &jlen);
	if (!rf || !jf)
		return -ENOMEM;
	for (size_t i = 0; i < rep->n_profiles; i++) {
		const struct cta_report_profile *pr = &rep->profiles[i];

		fprintf(jf, "%s%s", i ? "+" : "", pr->name);
		if (rep->n_profiles > 1)
			fprintf(rf, "%s%s: ", i ? "; " : "", pr->name);
		if (pr->detected)
			fprintf(rf, "auto: %s", pr->detected);
		else
			fprintf(rf, "named on the command line");
	}
	if (fclose(TAKE_PTR(rf)) != 0 || fclose(TAKE_PTR(jf)) != 0)
		return -ENOMEM;
	return 0;
}

int cta_policy_audit(const struct cta_policy *p, const char *const *profiles, json_t *facts,
		     struct cta_diags *diags, struct cta_report **ret_report)
{
	static const char *const auto_only[] = { "auto", NULL };
	_cleanup_report_ struct cta_report *rep = NULL;
	_cleanup_json_ json_t *eff = NULL, *derived = NULL;
	_cleanup_free_ const struct cta_profile **profs = NULL;
	json_t *host;
	size_t n;
	int k;

	/* derived facts first, on a copy: rules and role detection read them */
	k = cta_derive_facts(facts, &derived);
	if (k < 0)
		return k;
	facts = derived;
	k = cta_derive_fw(facts);
	if (k < 0)
		return k;
	if (!profiles || !profiles[0])
		profiles = auto_only;
	for (n = 0; profiles[n]; n++)
		;
	rep = cta_report_new();
	profs = calloc(n, sizeof(*profs));
	if (!rep || !profs)
		return -ENOMEM;
	k = choose_profiles(p, profiles, n, facts, diags, rep, profs);
	if (k < 0)
		return k;
	k = profile_lines(rep);
	if (k < 0)
		return k;
	host = json_object_get(facts, "host");
	if (json_is_object(host)) {
		json_decref(rep->host);
		rep->host = json_deep_copy(host);
		if (!rep->host)
			return -ENOMEM;
	}
	if (json_is_array(json_object_get(facts, "unavailable"))) {
		json_decref(rep->unavailable);
		rep->unavailable = json_deep_copy(json_object_get(facts, "unavailable"));
		if (!rep->unavailable)
			return -ENOMEM;
	}
	k = cta_report_target_from_facts(&rep->target, facts);
	if (k < 0)
		return k;

	k = combine(p, profs, rep->n_profiles, &eff);
	if (k < 0)
		return k;
	rep->results = calloc(p->n_rules + 1, sizeof(*rep->results));
	if (!rep->results)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct cta_rule *r = p->rules[i];
		json_t *c = json_object_get(eff, r->id);

		if (!c)
			continue;
		/* counted first: a half-filled result is freed with the report */
		k = eval_rule(r, (int)json_integer_value(json_object_get(c, "severity")),
			      json_object_get(c, "params"), facts, &rep->results[rep->n_results++]);
		if (k < 0)
			return k;
	}
	qsort(rep->results, rep->n_results, sizeof(*rep->results), cmp_results);
	for (size_t i = 0; i < rep->n_results; i++) {
		const struct cta_result *x = &rep->results[i];

		if (x->status == CTA_RESULT_FAIL)
			rep->failing[x->severity]++;
		else if (x->status == CTA_RESULT_PASS)
			rep->passed++;
		else
			rep->skipped++;
	}
	*ret_report = TAKE_PTR(rep);
	return 0;
}
