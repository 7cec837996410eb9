// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plan/converge.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The same test as plan.c's installed_notrack(), for both chains of each backend. */
static bool notrack_is_ours(json_t *e)
{
	const char *src = jstr(e, "source"), *chain = jstr(e, "chain"), *table = jstr(e, "table");

	if (!src)
		return false;
	if (streq(src, "iptables-legacy"))
		return chain &&
		       (streq(chain, "CTAUDIT_PREROUTING") || streq(chain, "CTAUDIT_OUTPUT"));
	return streq(src, "nft") && table && streq(table, "ctaudit");
}

static int add_notrack(json_t *arr, const char *family, const char *table, const char *chain,
		       const char *hook, const char *source, const struct cta_notrack_port *port,
		       bool reply)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "family", family, "table",
			      table, "chain", chain, "hook", hook, "source", source, "proto",
			      port->proto, reply ? "sport" : "dport", port->port);

	return o && json_array_append_new(arr, o) == 0 ? 0 : -ENOMEM;
}

static int predict_notrack(json_t *f, const struct cta_plan *p)
{
	const struct cta_plan_notrack *nt = &p->notrack;
	json_t *fw = cta_json_object_child(f, "firewall"), *old, *arr, *e;
	size_t i;
	int r = 0;

	if (!fw)
		return -ENOMEM;
	old = json_object_get(fw, "notrack");
	arr = json_array();
	if (!arr)
		return -ENOMEM;
	json_array_foreach(old, i, e)
		if (!notrack_is_ours(e) && json_array_append(arr, e) < 0)
			goto oom;
	for (i = 0; i < nt->want.n && r >= 0; i++) {
		const struct cta_notrack_port *np = &nt->want.v[i];

		if (nt->backend == CTA_PLAN_BACKEND_LEGACY) {
			static const char *const fams[] = { "ipv4", "ipv6" };

			for (size_t k = 0; k < ELEMENTSOF(fams) && r >= 0; k++) {
				r = add_notrack(arr, fams[k], "raw", "CTAUDIT_PREROUTING",
						"prerouting", "iptables-legacy", np, false);
				if (r >= 0)
					r = add_notrack(arr, fams[k], "raw", "CTAUDIT_OUTPUT",
							"output", "iptables-legacy", np, true);
			}
		} else {
			r = add_notrack(arr, "inet", "ctaudit", "prerouting", "prerouting", "nft",
					np, false);
			if (r >= 0)
				r = add_notrack(arr, "inet", "ctaudit", "output", "output", "nft",
						np, true);
		}
	}
	if (r < 0)
		goto oom;
	return json_object_set_new(fw, "notrack", arr) < 0 ? -ENOMEM : 0;
oom:
	json_decref(arr);
	return -ENOMEM;
}

int cta_plan_predict(json_t *facts, const struct cta_plan *p, json_t **ret)
{
	_cleanup_json_ json_t *f = json_deep_copy(facts);
	json_t *sysctl, *persisted;

	if (!f)
		return -ENOMEM;
	sysctl = cta_json_object_child(f, "sysctl");
	persisted = cta_json_object_child(f, "persisted");
	if (!sysctl || !persisted)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_sysctls; i++) {
		const struct cta_plan_sysctl *s = &p->sysctls[i];
		json_t *pk;

		if (s->runtime == CTA_PLAN_RT_SET &&
		    json_object_set_new(sysctl, s->key, json_string(s->value)) < 0)
			return -ENOMEM;
		if (!s->in_file)
			continue;
		/* the winner at boot as plan_precedence() found it; the line is not known */
		pk = s->boot_file ? json_pack("{s:s, s:s, s:i}", "value", s->boot_value, "file",
					      s->boot_file, "line", (json_int_t)s->boot_line) :
				    json_pack("{s:s, s:s, s:i}", "value", s->value, "file",
					      p->sysctl_file, "line", 1);
		if (!pk || json_object_set_new(persisted, s->key, pk) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < p->n_edits; i++) {
		const struct cta_plan_edit *e = &p->edits[i];
		json_t *pk = json_object_get(persisted, e->key);

		if (e->fix && e->kind == CTA_PLAN_EDIT_STALE && jstr(pk, "file") &&
		    streq(jstr(pk, "file"), e->file))
			(void)json_object_del(persisted, e->key);
	}
	if (cta_plan_notrack_changes(p)) {
		int r = predict_notrack(f, p);

		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(f);
	return 0;
}

/* What the loop has learnt: extra desired state and refusals, all owned here. */
struct state {
	struct cta_plan_extra_sysctl *sys;
	size_t n_sys;
	struct cta_notrack_port *ports;
	size_t n_ports;
	struct cta_plan_refusal *refused;
	size_t n_refused;
};

static void state_done(struct state *st)
{
	for (size_t i = 0; i < st->n_sys; i++) {
		free((char *)st->sys[i].key), free((char *)st->sys[i].value);
		free((char *)st->sys[i].rule), free((char *)st->sys[i].title);
	}
	free(st->sys);
	free(st->ports);
	for (size_t i = 0; i < st->n_refused; i++)
		cta_plan_refusal_done(&st->refused[i]);
	free(st->refused);
}

static void state_opts(const struct state *st, struct cta_plan_opts *o)
{
	o->extra_sysctls = st->sys;
	o->n_extra_sysctls = st->n_sys;
	o->extra_ports = st->ports;
	o->n_extra_ports = st->n_ports;
	o->refused = st->refused;
	o->n_refused = st->n_refused;
}

static bool sys_value_eq(const char *a, const char *b)
{
	_cleanup_free_ char *x = strdup(a ? a : ""), *y = strdup(b ? b : "");

	return x && y && streq(cta_collapse_ws(x), cta_collapse_ws(y));
}

static int learn_sysctl(struct state *st, const char *key, const char *value, const char *rule,
			const char *title)
{
	struct cta_plan_extra_sysctl *x = NULL, *v;

	for (size_t i = 0; i < st->n_sys; i++)
		if (streq(st->sys[i].key, key))
			x = &st->sys[i];
	if (!x) {
		v = realloc(st->sys, (st->n_sys + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		st->sys = v;
		x = &v[st->n_sys++];
		*x = (struct cta_plan_extra_sysctl){ 0 };
		x->key = strdup(key);
		if (!x->key)
			return -ENOMEM;
	}
	free((char *)x->value), free((char *)x->rule), free((char *)x->title);
	x->value = strdup(value);
	x->rule = strdup(rule);
	x->title = strdup(title ? title : rule);
	return x->value && x->rule && x->title ? 0 : -ENOMEM;
}

static bool is_refused(const struct state *st, enum cta_plan_item kind, const char *key)
{
	for (size_t i = 0; i < st->n_refused; i++)
		if (st->refused[i].kind == kind && streq(st->refused[i].key, key))
			return true;
	return false;
}

static bool want_has(const struct cta_plan *p, const struct cta_notrack_port *x)
{
	for (size_t i = 0; i < p->notrack.want.n; i++)
		if (cta_notrack_port_cmp(&p->notrack.want.v[i], x) == 0)
			return true;
	return false;
}

/*
 * Add what the audit of the predicted facts still asks for and @p does not
 * plan.  Returns 1 when something was learnt (another round), 0, or -ENOMEM;
 * @ret_key names the last thing learnt (for the no-fixed-point message).
 */
static int learn(struct state *st, const struct cta_plan *p, const struct cta_report *pred,
		 const char **ret_key)
{
	int changed = 0, r;

	for (size_t i = 0; i < pred->n_results; i++) {
		const struct cta_result *res = &pred->results[i];
		const struct cta_remediation *rem = res->remediation;

		if (res->status != CTA_RESULT_FAIL || !rem)
			continue;
		for (size_t k = 0; k < rem->n_sysctl; k++) {
			const char *key = rem->sysctl[k].key, *val = rem->sysctl[k].value;
			const struct cta_plan_sysctl *s = NULL;

			for (size_t j = 0; j < p->n_sysctls; j++)
				if (streq(p->sysctls[j].key, key))
					s = &p->sysctls[j];
			/* already the plan's value: what the plan cannot change (a
			 * host-only key in a child namespace, a key the kernel lacks)
			 * is not learnt again */
			if (is_refused(st, CTA_PLAN_ITEM_SYSCTL, key) ||
			    (s && sys_value_eq(s->value, val)))
				continue;
			/* asked by two rules of the same round: the first one wins, as in plan */
			if (changed && st->n_sys && streq(st->sys[st->n_sys - 1].key, key))
				continue;
			r = learn_sysctl(st, key, val, res->rule, res->title);
			if (r < 0)
				return r;
			*ret_key = key;
			changed = 1;
		}
		for (size_t k = 0; k < rem->n_notrack; k++) {
			struct cta_notrack_port x, *v;
			_cleanup_free_ char *name = NULL;

			if (cta_notrack_port_init(&x, 0, rem->notrack[k].proto,
						  rem->notrack[k].port) < 0 ||
			    want_has(p, &x))
				continue;
			if (asprintf(&name, "%s/%s", x.proto, x.port) < 0)
				return -ENOMEM;
			if (is_refused(st, CTA_PLAN_ITEM_NOTRACK, name))
				continue;
			v = realloc(st->ports, (st->n_ports + 1) * sizeof(*v));
			if (!v)
				return -ENOMEM;
			st->ports = v;
			v[st->n_ports++] = x;
			changed = 1;
		}
	}
	return changed;
}

/* Whether @r has @a's rule failing at least as badly (by rule id: a subject
 * names the port, which the fix itself changes). */
/*
 * Whether subject @a names nothing that @b does not: equal, or the same kind
 * ("notrack:") with every comma-separated item of @a among those of @b.  A
 * rule that names the items it fails on ("notrack:tcp/22,udp/53") then fails
 * anew when a change adds an item, even at the same severity.
 */
static bool subject_within(const char *a, const char *b)
{
	const char *ca, *cb;

	if (!a || !b)
		return !a && !b;
	if (streq(a, b))
		return true;
	ca = strchr(a, ':');
	cb = strchr(b, ':');
	if (!ca || !cb || ca - a != cb - b || strncmp(a, b, (size_t)(ca - a)))
		return false;
	for (const char *p = ca + 1; *p;) {
		size_t n = strcspn(p, ",");
		bool found = false;

		for (const char *q = cb + 1; *q && !found;) {
			size_t m = strcspn(q, ",");

			found = m == n && !strncmp(p, q, n);
			q += m + (q[m] == ',');
		}
		if (!found)
			return false;
		p += n + (p[n] == ',');
	}
	return true;
}

static bool fails_as_badly(const struct cta_report *r, const struct cta_result *a)
{
	for (size_t j = 0; j < r->n_results; j++) {
		const struct cta_result *b = &r->results[j];

		if (b->status == CTA_RESULT_FAIL && streq(b->rule, a->rule) &&
		    b->severity <= a->severity && subject_within(a->subject, b->subject))
			return true;
	}
	return false;
}

/* Failing results of @after at @fail_on or worse that did not fail as badly in @before. */
static size_t caused(const struct cta_report *before, const struct cta_report *after,
		     enum cta_severity fail_on, const struct cta_result **ret_first)
{
	size_t n = 0;

	for (size_t i = 0; i < after->n_results; i++) {
		const struct cta_result *a = &after->results[i];

		if (a->status != CTA_RESULT_FAIL || a->severity > fail_on ||
		    fails_as_badly(before, a))
			continue;
		if (n++ == 0 && ret_first)
			*ret_first = a;
	}
	return n;
}

/* Compute, predict and audit with the current state. */
static int round_once(json_t *facts, const struct cta_report *report,
		      const struct cta_plan_opts *base, const struct state *st,
		      cta_plan_evaluate_fn evaluate, void *userdata, struct cta_plan **ret_plan,
		      struct cta_report **ret_pred)
{
	_cleanup_(cta_plan_freep) struct cta_plan *p = NULL;
	_cleanup_json_ json_t *pf = NULL;
	struct cta_plan_opts o = *base;
	int r;

	state_opts(st, &o);
	r = cta_plan_compute(facts, report, &o, &p);
	if (r < 0)
		return r;
	r = cta_plan_predict(facts, p, &pf);
	if (r < 0)
		return r;
	r = evaluate(userdata, pf, ret_pred);
	if (r < 0)
		return r;
	*ret_plan = TAKE_PTR(p);
	return 0;
}

/* The changes a refusal could take back: new NOTRACK ports first, then values. */
struct candidate {
	enum cta_plan_item kind;
	char *key;
	const char *value, *rule;
};

static int candidates(const struct cta_plan *p, struct candidate **ret, size_t *ret_n)
{
	const struct cta_plan_notrack *nt = &p->notrack;
	const struct cta_plan_ports *cur = nt->backend == CTA_PLAN_BACKEND_LEGACY ? &nt->cur_v4 :
										    &nt->cur_nft;
	struct candidate *v = calloc(nt->want.n + p->n_sysctls + 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	*ret = v;
	for (size_t i = 0; i < nt->want.n; i++) {
		bool have = false;

		for (size_t j = 0; j < cur->n; j++)
			have |= cta_notrack_port_cmp(&cur->v[j], &nt->want.v[i]) == 0;
		if (have)
			continue;
		v[n] = (struct candidate){ CTA_PLAN_ITEM_NOTRACK, NULL, NULL,
					   nt->rules ? nt->rules[i] : NULL };
		if (asprintf(&v[n].key, "%s/%s", nt->want.v[i].proto, nt->want.v[i].port) < 0) {
			v[n].key = NULL;
			*ret_n = n;
			return -ENOMEM;
		}
		n++;
	}
	for (size_t i = 0; i < p->n_sysctls; i++) {
		const struct cta_plan_sysctl *s = &p->sysctls[i];

		if (s->runtime != CTA_PLAN_RT_SET &&
		    !(s->in_file && s->current && !sys_value_eq(s->current, s->value)))
			continue;
		v[n] = (struct candidate){ CTA_PLAN_ITEM_SYSCTL, strdup(s->key), s->value,
					   s->rule };
		if (!v[n].key) {
			*ret_n = n;
			return -ENOMEM;
		}
		n++;
	}
	*ret_n = n;
	return 0;
}

static const char *hint(const char *rule)
{
	if (streq(rule, "notrack.untracked_dropped"))
		return "; accept untracked packets for the port (nft 'ct state untracked accept', "
		       "iptables '-m conntrack --ctstate UNTRACKED -j ACCEPT') in the chain that "
		       "drops them, before the drop, then run plan again (an accept in ctaudit's "
		       "own chain cannot stop another chain from dropping)";
	if (streq(rule, "notrack.nat_overlap"))
		return "; NAT needs connection tracking: leave the translated port tracked";
	return "";
}

static int refuse(struct state *st, const struct candidate *c, const struct cta_result *why,
		  bool whole)
{
	struct cta_plan_refusal *v = realloc(st->refused, (st->n_refused + 1) * sizeof(*v)), *x;
	int r;

	if (!v)
		return -ENOMEM;
	st->refused = v;
	x = &v[st->n_refused++];
	*x = (struct cta_plan_refusal){ .kind = c->kind };
	if (!(x->key = strdup(c->key)) || (c->value && !(x->value = strdup(c->value))) ||
	    (c->rule && !(x->rule = strdup(c->rule))) || !(x->caused = strdup(why->rule)) ||
	    !(x->severity = strdup(cta_severity_to_string(why->severity))))
		return -ENOMEM;
	if (c->kind == CTA_PLAN_ITEM_NOTRACK)
		r = asprintf(&x->reason,
			     "NOTRACK for %s is predicted to make '%s' fail (%s)%s: %s%s", c->key,
			     why->rule, cta_severity_to_string(why->severity),
			     whole ? " with the rest of the plan" : "",
			     why->message ? why->message : why->title, hint(why->rule));
	else
		r = asprintf(&x->reason, "%s = %s is predicted to make '%s' fail (%s)%s: %s%s",
			     c->key, c->value, why->rule, cta_severity_to_string(why->severity),
			     whole ? " with the rest of the plan" : "",
			     why->message ? why->message : why->title, hint(why->rule));
	if (r < 0) {
		x->reason = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Iterate to the fixed point with the refusals so far.  0, -ELOOP or negative errno. */
static int fixed_point(json_t *facts, const struct cta_report *report,
		       const struct cta_plan_opts *opts, struct state *st,
		       cta_plan_evaluate_fn evaluate, void *userdata, struct cta_plan **ret_plan,
		       struct cta_report **ret_pred, char **ret_why)
{
	/* a copy: the report it comes from is freed at the end of its round */
	_cleanup_free_ char *last = NULL;

	for (unsigned round = 1;; round++) {
		const char *key = NULL;
		_cleanup_(cta_plan_freep) struct cta_plan *p = NULL;
		_cleanup_report_ struct cta_report *pred = NULL;
		int r;

		r = round_once(facts, report, opts, st, evaluate, userdata, &p, &pred);
		if (r < 0)
			return r;
		if (round == CTA_PLAN_CONVERGE_MAX_ROUNDS) {
			if (asprintf(ret_why,
				     "no fixed point after %u rounds: the audit of the planned state "
				     "keeps asking for changes (last '%s')",
				     round, last ? last : "NOTRACK ports") < 0)
				*ret_why = NULL;
			return -ELOOP;
		}
		r = learn(st, p, pred, &key);
		if (r < 0)
			return r;
		if (key) {
			free(last);
			last = strdup(key);
			if (!last)
				return -ENOMEM;
		}
		if (r == 0) {
			p->rounds = round;
			*ret_plan = TAKE_PTR(p);
			*ret_pred = TAKE_PTR(pred);
			return 0;
		}
	}
}

int cta_plan_converge(json_t *facts, const struct cta_report *report,
		      const struct cta_plan_opts *opts, enum cta_severity fail_on,
		      cta_plan_evaluate_fn evaluate, void *userdata, struct cta_plan **ret,
		      char **ret_why)
{
	_cleanup_(state_done) struct state st = { 0 };
	_cleanup_(cta_plan_freep) struct cta_plan *p = NULL;
	_cleanup_report_ struct cta_report *pred = NULL;
	struct candidate *cand = NULL;
	const struct cta_result *why = NULL;
	size_t n_cand = 0, n_bad;
	int r;

	r = fixed_point(facts, report, opts, &st, evaluate, userdata, &p, &pred, ret_why);
	if (r < 0)
		return r;
	n_bad = caused(report, pred, fail_on, &why);
	if (n_bad == 0)
		goto done;

	/* take back one change at a time and keep each refusal that helps */
	r = candidates(p, &cand, &n_cand);
	for (size_t i = 0; r >= 0 && i < n_cand && n_bad > 0; i++) {
		_cleanup_(cta_plan_freep) struct cta_plan *q = NULL;
		_cleanup_report_ struct cta_report *qpred = NULL;
		const struct cta_result *qwhy = NULL, *first = why;
		size_t n;

		r = refuse(&st, &cand[i], why, false);
		if (r < 0)
			break;
		r = fixed_point(facts, report, opts, &st, evaluate, userdata, &q, &qpred, ret_why);
		if (r < 0)
			break;
		n = caused(report, qpred, fail_on, &qwhy);
		if (n < n_bad) {
			/* name the rule this change broke: the first one that is gone */
			for (size_t j = 0; j < pred->n_results; j++) {
				const struct cta_result *a = &pred->results[j];

				if (a->status == CTA_RESULT_FAIL && a->severity <= fail_on &&
				    !fails_as_badly(report, a) && !fails_as_badly(qpred, a)) {
					first = a;
					break;
				}
			}
			cta_plan_refusal_done(&st.refused[--st.n_refused]);
			r = refuse(&st, &cand[i], first, false);
			if (r < 0)
				break;
			n_bad = n;
			why = qwhy;
			cta_plan_free(p), p = TAKE_PTR(q);
			cta_report_free(pred), pred = TAKE_PTR(qpred);
		} else
			cta_plan_refusal_done(&st.refused[--st.n_refused]);
	}
	if (r >= 0 && n_bad > 0) {
		/* no single change is to blame: refuse them all */
		for (size_t i = 0; r >= 0 && i < n_cand; i++)
			if (!is_refused(&st, cand[i].kind, cand[i].key))
				r = refuse(&st, &cand[i], why, true);
		if (r >= 0) {
			cta_plan_free(p), p = NULL;
			cta_report_free(pred), pred = NULL;
			r = fixed_point(facts, report, opts, &st, evaluate, userdata, &p, &pred,
					ret_why);
		}
	}
	for (size_t i = 0; i < n_cand; i++)
		free(cand[i].key);
	free(cand);
	if (r < 0)
		return r;
done:
	*ret = TAKE_PTR(p);
	return 0;
}
