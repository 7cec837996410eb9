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

static int set_tmpl(json_t *res, const char *key, const struct cta_tmpl *t, struct cta_eval_ctx *c)
{
	char *s;

	if (!t)
		return 0;
	s = cta_tmpl_render(t, c);
	if (!s || json_object_set_new(res, key, json_string(s)) < 0) {
		free(s);
		return -ENOMEM;
	}
	free(s);
	return 0;
}

static int remediation(struct reval *e, json_t **ret)
{
	const struct cta_rule *r = e->r;
	_cleanup_json_ json_t *rem = json_object(), *unresolved = json_array();
	int k;

	if (!rem || !unresolved)
		return -ENOMEM;
	if (r->n_rem_sysctl) {
		json_t *o = json_object();

		if (!o || json_object_set_new(rem, "sysctl", o) < 0)
			return -ENOMEM;
		for (size_t i = 0; i < r->n_rem_sysctl; i++) {
			_cleanup_free_ char *val = NULL, *problem = NULL;

			k = cta_tmpl_render_strict(r->rem_sysctl[i].value, &e->ctx, &val, &problem);
			if (k < 0)
				return k;
			if (k > 0) {
				/* never guess a value to write */
				_cleanup_free_ char *msg = NULL;

				if (asprintf(&msg, "%s: %s", r->rem_sysctl[i].key, problem) < 0)
					return -ENOMEM;
				json_array_append_new(unresolved, json_string(msg));
				continue;
			}
			json_object_set_new(o, r->rem_sysctl[i].key, json_string(val));
		}
		if (json_object_size(o) == 0)
			json_object_del(rem, "sysctl");
	}
	if (r->n_rem_remove) {
		json_t *a = json_array();

		if (!a || json_object_set_new(rem, "remove_persisted", a) < 0)
			return -ENOMEM;
		for (size_t i = 0; i < r->n_rem_remove; i++)
			json_array_append_new(a, json_string(r->rem_remove[i]));
	}
	if (r->rem_notrack_ports) {
		_cleanup_free_ char *proto = NULL, *problem = NULL;
		struct cta_val ports;

		k = cta_tmpl_render_strict(r->rem_notrack_proto, &e->ctx, &proto, &problem);
		if (k < 0)
			return k;
		cta_expr_eval(r->rem_notrack_ports, &e->ctx, &ports);
		if (k > 0 || ports.kind == CTA_VAL_MISSING || ports.kind == CTA_VAL_ERROR) {
			_cleanup_free_ char *msg = NULL, *why = NULL;

			why = problem ? TAKE_PTR(problem) : bad_reason(&ports, "ports", e->facts);
			if (asprintf(&msg, "notrack: %s", why ? why : "?") < 0) {
				cta_val_done(&ports);
				return -ENOMEM;
			}
			json_array_append_new(unresolved, json_string(msg));
		} else {
			json_t *a = json_array();
			json_t *items = ports.kind == CTA_VAL_LIST ? json_incref(ports.j) :
								     json_array();
			size_t i;
			json_t *x;

			if (ports.kind != CTA_VAL_LIST && items) {
				_cleanup_free_ char *s = cta_val_format(&ports);

				json_array_append_new(items, json_string(s ? s : ""));
			}
			json_array_foreach(items, i, x) {
				_cleanup_free_ char *s = NULL;

				switch (json_typeof(x)) {
				case JSON_STRING:
					s = strdup(json_string_value(x));
					break;
				case JSON_INTEGER:
					if (asprintf(&s, "%lld", (long long)json_integer_value(x)) <
					    0)
						s = NULL;
					break;
				default:
					s = NULL;
				}
				if (s && *s)
					json_array_append_new(a, json_pack("{s:s, s:s}", "proto",
									   proto, "port", s));
			}
			json_decref(items);
			if (json_array_size(a))
				json_object_set_new(rem, "notrack", a);
			else
				json_decref(a);
		}
		cta_val_done(&ports);
	}
	if (r->rem_advice) {
		k = set_tmpl(rem, "advice", r->rem_advice, &e->ctx);
		if (k < 0)
			return k;
	}
	if (json_array_size(unresolved))
		json_object_set(rem, "unresolved", unresolved);
	*ret = TAKE_PTR(rem);
	return 0;
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

static int eval_rule(const struct cta_rule *r, int severity, json_t *params, json_t *facts,
		     json_t **ret)
{
	struct reval e = { .r = r, .facts = facts };
	_cleanup_json_ json_t *res = NULL;
	_cleanup_free_ char *reason = NULL;
	const char *status;
	int k, rc = -ENOMEM;

	e.lets = calloc(r->n_lets + 1, sizeof(*e.lets));
	if (!e.lets)
		return -ENOMEM;
	e.ctx = (struct cta_eval_ctx){ .facts = facts, .params = params, .lets = e.lets };

	res = json_pack("{s:s, s:s}", "rule", r->id, "title", r->title);
	if (!res)
		goto out;

	for (size_t i = 0; i < r->n_needs && !reason; i++) {
		struct cta_val v;

		cta_expr_eval(r->needs[i], &e.ctx, &v);
		if (v.kind == CTA_VAL_MISSING || v.kind == CTA_VAL_ERROR) {
			reason = bad_reason(&v, "needs", facts);
			if (!reason) {
				cta_val_done(&v);
				goto out;
			}
		}
		cta_val_done(&v);
	}
	for (size_t i = 0; i < r->n_lets; i++) {
		cta_expr_eval(r->lets[i], &e.ctx, &e.lets[i]);
		e.ctx.n_lets = i + 1;
	}
	if (!reason && r->when) {
		k = condition(&e, r->when, "when", &reason);
		if (k < 0 && !reason)
			goto out;
		if (k == 0) {
			_cleanup_free_ char *why = NULL;

			if (r->when_reason)
				why = cta_tmpl_render(r->when_reason, &e.ctx);
			else if (asprintf(&why, "'%s' is false", src_str(r, "when")) < 0)
				why = NULL;
			if (!why || asprintf(&reason, "not applicable: %s", why) < 0) {
				reason = NULL;
				goto out;
			}
		}
	}
	if (reason)
		status = "skip";
	else {
		k = condition(&e, r->check, "check", &reason);
		if (k < 0 && !reason)
			goto out;
		status = k < 0 ? "skip" : k ? "pass" : "fail";
	}
	if (streq(status, "fail"))
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

	if (json_object_set_new(res, "status", json_string(status)) < 0 ||
	    json_object_set_new(res, "severity",
				json_string(cta_severity_to_string((enum cta_severity)severity))) <
		    0)
		goto out;
	if (set_tmpl(res, "subject", r->subject, &e.ctx) < 0)
		goto out;
	if (!streq(status, "skip")) {
		if (set_tmpl(res, "observed", r->observed, &e.ctx) < 0 ||
		    set_tmpl(res, "expected", r->expected, &e.ctx) < 0)
			goto out;
	}
	if (streq(status, "fail")) {
		if (set_tmpl(res, "message", r->message, &e.ctx) < 0)
			goto out;
	} else if (streq(status, "pass") && r->pass_message) {
		if (set_tmpl(res, "message", r->pass_message, &e.ctx) < 0)
			goto out;
	} else if (json_object_set_new(res, "message", json_string(r->title)) < 0)
		goto out;
	if (set_tmpl(res, "explanation", r->explanation, &e.ctx) < 0)
		goto out;
	json_t *refs = json_array();

	if (!refs || json_object_set_new(res, "references", refs) < 0)
		goto out;
	for (size_t i = 0; i < r->n_references; i++)
		json_array_append_new(refs, json_string(r->references[i]));
	if (streq(status, "fail")) {
		json_t *rem = NULL;

		k = remediation(&e, &rem);
		if (k < 0)
			goto out;
		json_object_set_new(res, "remediation", rem);
	}
	if (streq(status, "skip") && json_object_set_new(res, "reason", json_string(reason)) < 0)
		goto out;
	*ret = TAKE_PTR(res);
	rc = 0;
out:
	for (size_t i = 0; i < r->n_lets; i++)
		cta_val_done(&e.lets[i]);
	free(e.lets);
	return rc;
}

/* ---- the report ------------------------------------------------------------ */

static int status_rank(const char *s)
{
	return streq(s, "fail") ? 0 : streq(s, "pass") ? 1 : 2;
}

struct sorted {
	json_t *res;
	size_t idx;
};

static int cmp_results(const void *a, const void *b)
{
	const struct sorted *x = a, *y = b;
	const char *sx = json_string_value(json_object_get(x->res, "status"));
	const char *sy = json_string_value(json_object_get(y->res, "status"));
	int c = status_rank(sx) - status_rank(sy);

	if (c)
		return c;
	if (status_rank(sx) == 0) {
		c = cta_severity_from_string(
			    json_string_value(json_object_get(x->res, "severity"))) -
		    cta_severity_from_string(
			    json_string_value(json_object_get(y->res, "severity")));
		if (c)
			return c;
	}
	c = strcmp(json_string_value(json_object_get(x->res, "rule")),
		   json_string_value(json_object_get(y->res, "rule")));
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
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

int cta_policy_audit(const struct cta_policy *p, const char *const *profiles, json_t *facts,
		     struct cta_diags *diags, json_t **ret_report)
{
	static const char *const auto_only[] = { "auto", NULL };
	_cleanup_json_ json_t *report = NULL, *results = NULL, *names = NULL, *eff = NULL,
			      *whys = NULL;
	_cleanup_free_ const struct cta_profile **profs = NULL;
	_cleanup_free_ struct sorted *sorted = NULL;
	char *reasons = NULL;
	size_t rlen = 0, n = 0, np = 0, nres;
	FILE *rf;
	int counts[_CTA_SEVERITY_MAX] = { 0 }, pass = 0, skip = 0, k;
	json_t *host;

	_cleanup_json_ json_t *derived = NULL;

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
	profs = calloc(n, sizeof(*profs));
	names = json_array();
	whys = json_array();
	if (!profs || !names || !whys)
		return -ENOMEM;
	/* resolve "auto" and drop repeated names, keeping the first */
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
		for (size_t j = 0; j < np; j++)
			dup |= profs[j] == pr;
		if (dup)
			continue;
		profs[np++] = pr;
		if (json_array_append_new(names, json_string(name)) < 0 ||
		    json_array_append_new(whys, why ? json_string(why) : json_null()) < 0)
			return -ENOMEM;
	}
	rf = open_memstream(&reasons, &rlen);
	if (!rf)
		return -ENOMEM;
	for (size_t i = 0; i < np; i++) {
		json_t *why = json_array_get(whys, i);

		if (np > 1)
			fprintf(rf, "%s%s: ", i ? "; " : "",
				json_string_value(json_array_get(names, i)));
		if (json_is_string(why))
			fprintf(rf, "auto: %s", json_string_value(why));
		else
			fprintf(rf, "named on the command line");
	}
	if (fclose(rf) != 0) {
		free(reasons);
		return -ENOMEM;
	}

	k = combine(p, profs, np, &eff);
	if (k < 0) {
		free(reasons);
		return k;
	}
	results = json_array();
	sorted = calloc(p->n_rules + 1, sizeof(*sorted));
	if (!results || !sorted) {
		free(reasons);
		return -ENOMEM;
	}
	nres = 0;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct cta_rule *r = p->rules[i];
		json_t *c = json_object_get(eff, r->id), *res = NULL;

		if (!c)
			continue;
		k = eval_rule(r, (int)json_integer_value(json_object_get(c, "severity")),
			      json_object_get(c, "params"), facts, &res);
		if (k < 0) {
			free(reasons);
			return k;
		}
		sorted[nres].res = res;
		sorted[nres].idx = nres;
		nres++;
	}
	qsort(sorted, nres, sizeof(*sorted), cmp_results);
	for (size_t i = 0; i < nres; i++) {
		json_t *res = sorted[i].res;
		const char *st = json_string_value(json_object_get(res, "status"));

		if (streq(st, "fail"))
			counts[cta_severity_from_string(
				json_string_value(json_object_get(res, "severity")))]++;
		else if (streq(st, "pass"))
			pass++;
		else
			skip++;
		json_array_append_new(results, res);
	}

	_cleanup_free_ char *joined = NULL;
	{
		size_t jl = 0;
		FILE *jf = open_memstream(&joined, &jl);
		size_t i;
		json_t *x;

		if (!jf) {
			free(reasons);
			return -ENOMEM;
		}
		json_array_foreach(names, i, x)
			fprintf(jf, "%s%s", i ? "+" : "", json_string_value(x));
		if (fclose(jf) != 0) {
			free(reasons);
			return -ENOMEM;
		}
	}
	host = json_object_get(facts, "host");
	report = json_pack("{s:i, s:s, s:O, s:s, s:o, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i}, s:O}",
			   "schema_version", 1, "profile", joined, "profiles", names,
			   "profile_reason", reasons, "host",
			   json_is_object(host) ? json_deep_copy(host) : json_object(), "summary",
			   "critical", counts[CTA_SEVERITY_CRITICAL], "high",
			   counts[CTA_SEVERITY_HIGH], "medium", counts[CTA_SEVERITY_MEDIUM], "low",
			   counts[CTA_SEVERITY_LOW], "info", counts[CTA_SEVERITY_INFO], "pass",
			   pass, "skip", skip, "results", results);
	free(reasons);
	if (!report)
		return -ENOMEM;
	*ret_report = TAKE_PTR(report);
	return 0;
}
