// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Loading the rule catalog and the role profiles: strict, every problem a
 * located diagnostic, nothing half-loaded.
 */
#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "policy/expr.h"
#include "policy/policy-internal.h"
#include "policy/yaml.h"
#include "util/config.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/rootfs.h"
#include "util/banned.h"

/* Stop reporting a file's problems after this many: a broken file usually
 * says the same thing many times. */
#define MAX_ERRORS_PER_FILE 20

static const char *const severity_names[] = {
	[CTA_SEVERITY_CRITICAL] = "critical", [CTA_SEVERITY_HIGH] = "high",
	[CTA_SEVERITY_MEDIUM] = "medium",     [CTA_SEVERITY_LOW] = "low",
	[CTA_SEVERITY_INFO] = "info",
};

const char *cta_severity_to_string(enum cta_severity s)
{
	return (unsigned)s < _CTA_SEVERITY_MAX ? severity_names[s] : "unknown";
}

int cta_severity_from_string(const char *s)
{
	for (int i = 0; i < _CTA_SEVERITY_MAX; i++)
		if (s && streq(s, severity_names[i]))
			return i;
	return -EINVAL;
}

/* ---- freeing ------------------------------------------------------------- */

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void rule_free(struct cta_rule *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->title);
	free(r->file);
	cta_tmpl_free(r->subject);
	cta_tmpl_free(r->observed);
	cta_tmpl_free(r->expected);
	cta_tmpl_free(r->message);
	cta_tmpl_free(r->pass_message);
	cta_tmpl_free(r->explanation);
	cta_tmpl_free(r->when_reason);
	json_decref(r->src);
	for (size_t i = 0; i < r->n_needs; i++)
		cta_expr_free(r->needs[i]);
	free(r->needs);
	json_decref(r->params);
	strv_free(r->let_names, r->n_lets);
	for (size_t i = 0; i < r->n_lets; i++)
		cta_expr_free(r->lets[i]);
	free(r->lets);
	cta_expr_free(r->when);
	cta_expr_free(r->check);
	for (size_t i = 0; i < r->n_escalate; i++)
		cta_expr_free(r->escalate[i].when);
	free(r->escalate);
	strv_free(r->references, r->n_references);
	for (size_t i = 0; i < r->n_rem_sysctl; i++) {
		free(r->rem_sysctl[i].key);
		cta_tmpl_free(r->rem_sysctl[i].value);
	}
	free(r->rem_sysctl);
	strv_free(r->rem_remove, r->n_rem_remove);
	cta_tmpl_free(r->rem_notrack_proto);
	cta_expr_free(r->rem_notrack_ports);
	cta_tmpl_free(r->rem_advice);
	for (size_t i = 0; i < r->n_ext_params; i++)
		free(r->ext_params[i].name);
	free(r->ext_params);
	free(r);
}

static void profile_free(struct cta_profile *pr)
{
	if (!pr)
		return;
	free(pr->name);
	free(pr->description);
	free(pr->file);
	for (size_t i = 0; i < pr->n_extends; i++)
		free(pr->extends[i].name);
	free(pr->extends);
	for (size_t i = 0; i < pr->n_detect; i++)
		rule_free(pr->detect[i].r);
	free(pr->detect);
	json_decref(pr->params);
	json_decref(pr->rules);
	json_decref(pr->effective);
	json_decref(pr->pos);
	free(pr);
}

void cta_policy_free(struct cta_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		rule_free(p->rules[i]);
	free(p->rules);
	json_decref(p->rule_index);
	for (size_t i = 0; i < p->n_profiles; i++)
		profile_free(p->profiles[i]);
	free(p->profiles);
	strv_free(p->sysctl_keys, p->n_sysctl_keys);
	free(p->datadir);
	free(p);
}

const char *const *cta_policy_sysctl_keys(const struct cta_policy *p)
{
	return (const char *const *)p->sysctl_keys;
}

const struct cta_rule *cta_policy_find_rule(const struct cta_policy *p, const char *id)
{
	json_t *i = json_object_get(p->rule_index, id);

	return i ? p->rules[json_integer_value(i)] : NULL;
}

const struct cta_profile *cta_policy_find_profile(const struct cta_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_profiles; i++)
		if (streq(p->profiles[i]->name, name))
			return p->profiles[i];
	return NULL;
}

/* ---- load context -------------------------------------------------------- */

struct lctx {
	struct cta_policy *p;
	struct cta_diags *diags;
	struct cta_ydoc *doc;
	size_t diags_at_start;
	bool failed; /* a diagnostic was reported */
	int error; /* 0, or a negative errno that stops loading (-ENOMEM) */
};

static void lc_oom(struct lctx *lc)
{
	lc->error = -ENOMEM;
}

_printf_(4, 5) static void lerr(struct lctx *lc, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;
	_cleanup_free_ char *msg = NULL;

	lc->failed = true;
	if (lc->diags->n - lc->diags_at_start >= MAX_ERRORS_PER_FILE)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0) {
		msg = NULL;
		lc_oom(lc);
	}
	va_end(ap);
	if (!msg)
		return;
	if (lc->diags->n - lc->diags_at_start == MAX_ERRORS_PER_FILE - 1) {
		if (cta_diag_add_src(lc->diags, lc->doc->file, line, col,
				     "%s (too many errors, stopping)", msg) < 0)
			lc_oom(lc);
		return;
	}
	if (!cta_ydoc_line_short(lc->doc, line)) {
		if (cta_diag_add(lc->diags, lc->doc->file, line, col, "%s", msg) < 0)
			lc_oom(lc);
		return;
	}
	if (cta_diag_add_src(lc->diags, lc->doc->file, line, col, "%s", msg) < 0)
		lc_oom(lc);
}

#define nerr(lc, node, ...) lerr(lc, (node)->line, (node)->col, __VA_ARGS__)

static bool add_sysctl_key(struct cta_policy *p, const char *key)
{
	for (size_t i = 0; i < p->n_sysctl_keys; i++)
		if (streq(p->sysctl_keys[i], key))
			return true;
	char **v = realloc(p->sysctl_keys, (p->n_sysctl_keys + 2) * sizeof(*v));

	if (!v)
		return false;
	p->sysctl_keys = v;
	v[p->n_sysctl_keys] = strdup(key);
	if (!v[p->n_sysctl_keys])
		return false;
	v[++p->n_sysctl_keys] = NULL;
	return true;
}

static bool scalar_is_null(const struct cta_ynode *n)
{
	return n->kind == CTA_YNODE_SCALAR && n->plain &&
	       (!*n->str || streq(n->str, "~") || streq(n->str, "null") || streq(n->str, "Null") ||
		streq(n->str, "NULL"));
}

static bool want_scalar(struct lctx *lc, const struct cta_ynode *n, const char *what)
{
	if (n->kind == CTA_YNODE_SCALAR && !scalar_is_null(n))
		return true;
	if (n->kind == CTA_YNODE_SCALAR)
		nerr(lc, n, "'%s' must not be empty", what);
	else
		nerr(lc, n, "'%s' must be a string, not %s", what, cta_ynode_kind_name(n));
	return false;
}

static char *dup_scalar(struct lctx *lc, const struct cta_ynode *n, const char *what)
{
	char *s;

	if (!want_scalar(lc, n, what))
		return NULL;
	s = strdup(n->str);
	if (!s)
		lc_oom(lc);
	return s;
}

static bool want_kind(struct lctx *lc, const struct cta_ynode *n, enum cta_ynode_kind k,
		      const char *what)
{
	static const char *const names[] = { "a string", "a list", "a mapping" };

	if (n->kind == k)
		return true;
	nerr(lc, n, "'%s' must be %s, not %s", what, names[k], cta_ynode_kind_name(n));
	return false;
}

static bool check_keys(struct lctx *lc, const struct cta_ynode *map, const char *const *keys,
		       const char *what)
{
	bool ok = true;

	for (size_t i = 0; i < map->n; i++) {
		const struct cta_ynode *k = map->pairs[i].key;
		bool known = false;

		for (size_t j = 0; keys[j]; j++)
			if (streq(keys[j], k->str))
				known = true;
		if (!known) {
			_cleanup_free_ char *list = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&list, &len);

			if (f) {
				for (size_t j = 0; keys[j]; j++)
					fprintf(f, "%s%s", j ? ", " : "", keys[j]);
				fclose(f);
			}
			nerr(lc, k, "unknown key '%s' in %s (known: %s)", k->str, what,
			     list ? list : "?");
			ok = false;
		}
	}
	return ok;
}

static bool valid_ident(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static bool valid_rule_id(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_' ||
		      *s == '.' || *s == '-'))
			return false;
	return true;
}

static int parse_severity(struct lctx *lc, const struct cta_ynode *n)
{
	int s;

	if (!want_scalar(lc, n, "severity"))
		return -EINVAL;
	s = cta_severity_from_string(n->str);
	if (s < 0)
		nerr(lc, n, "unknown severity '%s' (critical, high, medium, low or info)", n->str);
	return s;
}

/* YAML value -> JSON (params): plain scalars are numbers, booleans or null. */
static json_t *yaml_to_json(struct lctx *lc, const struct cta_ynode *n)
{
	json_t *j;

	switch (n->kind) {
	case CTA_YNODE_SCALAR:
		if (n->plain) {
			int64_t i;
			double d;
			char *end;

			if (scalar_is_null(n))
				return json_null();
			if (streq(n->str, "true"))
				return json_true();
			if (streq(n->str, "false"))
				return json_false();
			if (cta_parse_i64(n->str, &i) >= 0 && !isspace((unsigned char)n->str[0]))
				return json_integer(i);
			if (isdigit((unsigned char)n->str[0]) || n->str[0] == '-' ||
			    n->str[0] == '.') {
				errno = 0;
				d = strtod(n->str, &end);
				if (!*end && !errno && end != n->str && !strpbrk(n->str, "xXnNiI"))
					return json_real(d);
			}
		}
		return json_string(n->str);
	case CTA_YNODE_SEQ:
		j = json_array();
		for (size_t i = 0; j && i < n->n; i++)
			if (json_array_append_new(j, yaml_to_json(lc, n->items[i])) < 0) {
				json_decref(j);
				return NULL;
			}
		return j;
	case CTA_YNODE_MAP:
		j = json_object();
		for (size_t i = 0; j && i < n->n; i++)
			if (json_object_set_new(j, n->pairs[i].key->str,
						yaml_to_json(lc, n->pairs[i].value)) < 0) {
				json_decref(j);
				return NULL;
			}
		return j;
	}
	return NULL;
}

static const char *json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	case JSON_ARRAY:
		return "a list";
	case JSON_OBJECT:
		return "a mapping";
	}
	return "?";
}

static bool json_same_type(const json_t *a, const json_t *b)
{
	if (json_is_null(a) || json_is_null(b))
		return true;
	if (json_is_number(a) && json_is_number(b))
		return true;
	if (json_is_boolean(a) && json_is_boolean(b))
		return true;
	return json_typeof(a) == json_typeof(b);
}

/* ---- rules ---------------------------------------------------------------- */

struct pctx {
	struct lctx *lc;
	struct cta_rule *r;
	const struct cta_ynode *node;
	size_t base; /* offset of the expression inside the scalar (templates) */
};

static int on_param(void *userdata, const char *name, size_t off)
{
	struct pctx *pc = userdata;
	struct cta_rule *r = pc->r;
	unsigned line, col;

	if (r->params && json_object_get(r->params, name))
		return 0;
	for (size_t i = 0; i < r->n_ext_params; i++)
		if (streq(r->ext_params[i].name, name))
			return 0;
	struct cta_ext_param *v = realloc(r->ext_params, (r->n_ext_params + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->ext_params = v;
	cta_ydoc_scalar_pos(pc->lc->doc, pc->node, pc->base + off, &line, &col);
	v[r->n_ext_params] =
		(struct cta_ext_param){ .name = strdup(name), .line = line, .col = col };
	if (!v[r->n_ext_params].name)
		return -ENOMEM;
	r->n_ext_params++;
	return 0;
}

static int on_sysctl(void *userdata, const char *key)
{
	struct pctx *pc = userdata;

	return add_sysctl_key(pc->lc->p, key) ? 0 : -ENOMEM;
}

static void rule_env(struct pctx *pc, struct cta_expr_env *env, size_t n_lets)
{
	*env = (struct cta_expr_env){
		.lets = (const char *const *)pc->r->let_names,
		.n_lets = n_lets,
		.userdata = pc,
		.on_param = on_param,
		.on_sysctl = on_sysctl,
	};
}

/*
 * After cta_expr_parse()/cta_tmpl_parse() of scalar @n returned @k: record a
 * failure at the offending character (offset @off in the scalar) and say
 * whether the parse succeeded.
 */
static bool parse_ok(struct lctx *lc, const struct cta_ynode *n, const char *what, int k,
		     size_t off, const char *err)
{
	unsigned line, col;

	if (k >= 0)
		return true;
	if (k == -ENOMEM) {
		lc_oom(lc);
		return false;
	}
	cta_ydoc_scalar_pos(lc->doc, n, off, &line, &col);
	lerr(lc, line, col, "in '%s': %s", what, err);
	return false;
}

static struct cta_expr *parse_expr(struct lctx *lc, struct cta_rule *r, const struct cta_ynode *n,
				   const char *what, size_t n_lets)
{
	struct pctx pc = { lc, r, n, 0 };
	struct cta_expr_env env;
	struct cta_expr *e = NULL;
	_cleanup_free_ char *err = NULL;
	size_t off = 0;
	int k;

	if (!want_scalar(lc, n, what))
		return NULL;
	rule_env(&pc, &env, n_lets);
	k = cta_expr_parse(n->str, &env, &e, &off, &err);
	return parse_ok(lc, n, what, k, off, err) ? e : NULL;
}

static struct cta_tmpl *parse_tmpl(struct lctx *lc, struct cta_rule *r, const struct cta_ynode *n,
				   const char *what)
{
	struct pctx pc = { lc, r, n, 0 };
	struct cta_expr_env env;
	struct cta_tmpl *t = NULL;
	_cleanup_free_ char *err = NULL;
	size_t off = 0;
	int k;

	if (!want_scalar(lc, n, what))
		return NULL;
	rule_env(&pc, &env, r->n_lets);
	k = cta_tmpl_parse(n->str, &env, &t, &off, &err);
	return parse_ok(lc, n, what, k, off, err) ? t : NULL;
}

/* Keep the raw text of a rule's templates and expressions for `explain`. */
static void src_set(struct lctx *lc, struct cta_rule *r, const char *key, const struct cta_ynode *n)
{
	json_t *j = yaml_to_json(lc, n);

	if (n->kind == CTA_YNODE_SCALAR) {
		json_decref(j);
		j = json_string(n->str);
	}
	if (!j || json_object_set_new(r->src, key, j) < 0)
		lc_oom(lc);
}

static bool string_list(struct lctx *lc, const struct cta_ynode *n, const char *what, char ***ret,
			size_t *ret_n)
{
	char **v;

	if (!want_kind(lc, n, CTA_YNODE_SEQ, what))
		return false;
	v = calloc(n->n + 1, sizeof(*v));
	if (!v) {
		lc_oom(lc);
		return false;
	}
	for (size_t i = 0; i < n->n; i++) {
		v[i] = dup_scalar(lc, n->items[i], what);
		if (!v[i]) {
			strv_free(v, i);
			return false;
		}
	}
	*ret = v;
	*ret_n = n->n;
	return true;
}

static const char *const rule_keys[] = {
	"id",	       "title",	      "severity",     "subject",     "needs",	   "params",
	"when",	       "when_reason", "let",	      "check",	     "escalate",   "observed",
	"expected",    "message",     "pass_message", "explanation", "references", "kernels",
	"remediation", "tags",	      NULL,
};

static const char *const remediation_keys[] = { "sysctl", "remove_persisted", "notrack", "advice",
						NULL };

static bool valid_sysctl_key(const char *s)
{
	if (!*s || *s == '.' || *s == '/')
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '.' || *s == '_' || *s == '-' ||
		      *s == '/'))
			return false;
	return true;
}

static void load_remediation(struct lctx *lc, struct cta_rule *r, const struct cta_ynode *m)
{
	const struct cta_ynode *n;

	if (!want_kind(lc, m, CTA_YNODE_MAP, "remediation"))
		return;
	check_keys(lc, m, remediation_keys, "remediation");
	if ((n = cta_ynode_get(m, "sysctl")) &&
	    want_kind(lc, n, CTA_YNODE_MAP, "remediation.sysctl")) {
		r->rem_sysctl = calloc(n->n ? n->n : 1, sizeof(*r->rem_sysctl));
		if (!r->rem_sysctl) {
			lc_oom(lc);
			return;
		}
		for (size_t i = 0; i < n->n; i++) {
			const struct cta_ynode *k = n->pairs[i].key;

			if (!valid_sysctl_key(k->str)) {
				nerr(lc, k, "invalid sysctl key '%s'", k->str);
				continue;
			}
			struct cta_tmpl *t = parse_tmpl(lc, r, n->pairs[i].value, k->str);

			if (!t)
				continue;
			r->rem_sysctl[r->n_rem_sysctl].key = strdup(k->str);
			r->rem_sysctl[r->n_rem_sysctl++].value = t;
			if (!r->rem_sysctl[r->n_rem_sysctl - 1].key)
				lc_oom(lc);
			else if (!add_sysctl_key(lc->p, k->str))
				lc_oom(lc);
		}
	}
	if ((n = cta_ynode_get(m, "remove_persisted")) &&
	    string_list(lc, n, "remediation.remove_persisted", &r->rem_remove, &r->n_rem_remove)) {
		for (size_t i = 0; i < r->n_rem_remove; i++)
			if (!valid_sysctl_key(r->rem_remove[i]))
				nerr(lc, n->items[i], "invalid sysctl key '%s'", r->rem_remove[i]);
	}
	if ((n = cta_ynode_get(m, "notrack")) &&
	    want_kind(lc, n, CTA_YNODE_MAP, "remediation.notrack")) {
		static const char *const keys[] = { "proto", "ports", NULL };
		const struct cta_ynode *proto = cta_ynode_get(n, "proto"),
				       *ports = cta_ynode_get(n, "ports");

		check_keys(lc, n, keys, "remediation.notrack");
		if (!proto || !ports)
			nerr(lc, n, "'remediation.notrack' needs 'proto' and 'ports'");
		else {
			r->rem_notrack_proto = parse_tmpl(lc, r, proto, "proto");
			r->rem_notrack_ports = parse_expr(lc, r, ports, "ports", r->n_lets);
		}
	}
	if ((n = cta_ynode_get(m, "advice")))
		r->rem_advice = parse_tmpl(lc, r, n, "advice");
	src_set(lc, r, "remediation", m);
}

/* let: NAME: EXPRESSION, each seeing the ones before it. */
static void load_lets(struct lctx *lc, struct cta_rule *r, const struct cta_ynode *n)
{
	if (!want_kind(lc, n, CTA_YNODE_MAP, "let"))
		return;
	r->let_names = calloc(n->n + 1, sizeof(*r->let_names));
	r->lets = calloc(n->n + 1, sizeof(*r->lets));
	if (!r->let_names || !r->lets) {
		lc_oom(lc);
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		const struct cta_ynode *k = n->pairs[i].key;

		if (!valid_ident(k->str) || cta_expr_reserved_name(k->str)) {
			nerr(lc, k, "'%s' cannot be a 'let' name", k->str);
			continue;
		}
		/* each let sees the ones before it */
		struct cta_expr *e = parse_expr(lc, r, n->pairs[i].value, k->str, r->n_lets);

		if (!e)
			continue;
		r->let_names[r->n_lets] = strdup(k->str);
		r->lets[r->n_lets++] = e;
		if (!r->let_names[r->n_lets - 1])
			lc_oom(lc);
	}
	src_set(lc, r, "let", n);
}

static struct cta_rule *load_rule(struct lctx *lc, const struct cta_ynode *m)
{
	struct cta_rule *r;
	const struct cta_ynode *n;
	static const char *const required[] = { "id",	 "title",   "severity",	   "subject",
						"check", "message", "explanation", "references" };

	if (!want_kind(lc, m, CTA_YNODE_MAP, "rule"))
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r || !(r->src = json_object())) {
		free(r);
		lc_oom(lc);
		return NULL;
	}
	r->line = m->line;
	r->col = m->col;
	r->file = strdup(lc->doc->file);
	if (!r->file)
		lc_oom(lc);
	check_keys(lc, m, rule_keys, "a rule");
	for (size_t i = 0; i < ELEMENTSOF(required); i++)
		if (!cta_ynode_get(m, required[i]))
			nerr(lc, m, "rule%s%s%s has no '%s'",
			     cta_ynode_get(m, "id") && cta_ynode_get(m, "id")->str ? " '" : "",
			     cta_ynode_get(m, "id") && cta_ynode_get(m, "id")->str ?
				     cta_ynode_get(m, "id")->str :
				     "",
			     cta_ynode_get(m, "id") && cta_ynode_get(m, "id")->str ? "'" : "",
			     required[i]);

	if ((n = cta_ynode_get(m, "id")) && (r->id = dup_scalar(lc, n, "id"))) {
		r->id_line = n->line;
		r->id_col = n->col;
		if (!valid_rule_id(r->id))
			nerr(lc, n, "invalid rule id '%s' (use a-z, 0-9, '_', '.', '-')", r->id);
	}
	if ((n = cta_ynode_get(m, "title")))
		r->title = dup_scalar(lc, n, "title");
	if ((n = cta_ynode_get(m, "severity")))
		r->severity = parse_severity(lc, n);
	if ((n = cta_ynode_get(m, "params")) && want_kind(lc, n, CTA_YNODE_MAP, "params")) {
		for (size_t i = 0; i < n->n; i++)
			if (!valid_ident(n->pairs[i].key->str))
				nerr(lc, n->pairs[i].key, "invalid parameter name '%s'",
				     n->pairs[i].key->str);
		r->params = yaml_to_json(lc, n);
		if (!r->params)
			lc_oom(lc);
		src_set(lc, r, "params", n);
	}
	if ((n = cta_ynode_get(m, "let")))
		load_lets(lc, r, n);
	if ((n = cta_ynode_get(m, "subject")))
		r->subject = parse_tmpl(lc, r, n, "subject");
	if ((n = cta_ynode_get(m, "needs")) && n->kind == CTA_YNODE_SCALAR) {
		/* one string of comma-separated expressions */
		struct pctx pc = { lc, r, n, 0 };
		struct cta_expr_env env;
		_cleanup_free_ char *err = NULL;
		size_t off = 0;
		int k;

		if (want_scalar(lc, n, "needs")) {
			rule_env(&pc, &env, r->n_lets);
			k = cta_expr_parse_list(n->str, &env, &r->needs, &r->n_needs, &off, &err);
			(void)parse_ok(lc, n, "needs", k, off, err);
		}
		src_set(lc, r, "needs", n);
	} else if (n && want_kind(lc, n, CTA_YNODE_SEQ, "needs")) {
		r->needs = calloc(n->n + 1, sizeof(*r->needs));
		if (!r->needs) {
			lc_oom(lc);
			return r;
		}
		for (size_t i = 0; i < n->n; i++) {
			struct cta_expr *e = parse_expr(lc, r, n->items[i], "needs", r->n_lets);

			if (e)
				r->needs[r->n_needs++] = e;
		}
		src_set(lc, r, "needs", n);
	}
	if ((n = cta_ynode_get(m, "when"))) {
		r->when = parse_expr(lc, r, n, "when", r->n_lets);
		src_set(lc, r, "when", n);
	}
	if ((n = cta_ynode_get(m, "when_reason")))
		r->when_reason = parse_tmpl(lc, r, n, "when_reason");
	if ((n = cta_ynode_get(m, "check"))) {
		r->check = parse_expr(lc, r, n, "check", r->n_lets);
		src_set(lc, r, "check", n);
	}
	if ((n = cta_ynode_get(m, "escalate")) && want_kind(lc, n, CTA_YNODE_SEQ, "escalate")) {
		r->escalate = calloc(n->n + 1, sizeof(*r->escalate));
		if (!r->escalate) {
			lc_oom(lc);
			return r;
		}
		for (size_t i = 0; i < n->n; i++) {
			static const char *const keys[] = { "when", "severity", NULL };
			const struct cta_ynode *it = n->items[i], *w, *s;

			if (!want_kind(lc, it, CTA_YNODE_MAP, "escalate entry"))
				continue;
			check_keys(lc, it, keys, "an escalate entry");
			w = cta_ynode_get(it, "when");
			s = cta_ynode_get(it, "severity");
			if (!w || !s) {
				nerr(lc, it, "an escalate entry needs 'when' and 'severity'");
				continue;
			}
			struct cta_expr *e = parse_expr(lc, r, w, "escalate.when", r->n_lets);
			int sev = parse_severity(lc, s);

			if (!e || sev < 0) {
				cta_expr_free(e);
				continue;
			}
			r->escalate[r->n_escalate++] = (struct cta_escalate){ e, sev };
		}
		src_set(lc, r, "escalate", n);
	}
	static const struct {
		const char *key;
		size_t off;
	} tmpls[] = {
		{ "observed", offsetof(struct cta_rule, observed) },
		{ "expected", offsetof(struct cta_rule, expected) },
		{ "message", offsetof(struct cta_rule, message) },
		{ "pass_message", offsetof(struct cta_rule, pass_message) },
		{ "explanation", offsetof(struct cta_rule, explanation) },
	};
	for (size_t i = 0; i < ELEMENTSOF(tmpls); i++)
		if ((n = cta_ynode_get(m, tmpls[i].key))) {
			*(struct cta_tmpl **)((char *)r + tmpls[i].off) =
				parse_tmpl(lc, r, n, tmpls[i].key);
			src_set(lc, r, tmpls[i].key, n);
		}
	if ((n = cta_ynode_get(m, "subject")))
		src_set(lc, r, "subject", n);
	if ((n = cta_ynode_get(m, "when_reason")))
		src_set(lc, r, "when_reason", n);
	if ((n = cta_ynode_get(m, "references")) &&
	    string_list(lc, n, "references", &r->references, &r->n_references) &&
	    r->n_references == 0)
		nerr(lc, n, "'references' must not be empty");
	if ((n = cta_ynode_get(m, "kernels")) && want_scalar(lc, n, "kernels"))
		src_set(lc, r, "kernels", n);
	if ((n = cta_ynode_get(m, "tags"))) {
		char **tags = NULL;
		size_t nt = 0;

		if (string_list(lc, n, "tags", &tags, &nt))
			src_set(lc, r, "tags", n);
		strv_free(tags, nt);
	}
	if ((n = cta_ynode_get(m, "remediation")))
		load_remediation(lc, r, n);
	return r;
}

static void load_policy_doc(struct lctx *lc, const struct cta_ynode *root)
{
	static const char *const keys[] = { "rules", NULL };
	const struct cta_ynode *rules;

	if (!want_kind(lc, root, CTA_YNODE_MAP, "the document"))
		return;
	check_keys(lc, root, keys, "a rule catalog file");
	rules = cta_ynode_get(root, "rules");
	if (!rules) {
		nerr(lc, root, "a rule catalog file needs a 'rules' list");
		return;
	}
	if (!want_kind(lc, rules, CTA_YNODE_SEQ, "rules"))
		return;
	for (size_t i = 0; i < rules->n && !lc->error; i++) {
		size_t before = lc->diags->n;
		struct cta_rule *r = load_rule(lc, rules->items[i]);

		if (!r)
			continue;
		if (lc->diags->n != before || !r->id) {
			rule_free(r);
			continue;
		}
		const struct cta_rule *dup = cta_policy_find_rule(lc->p, r->id);

		if (dup) {
			lerr(lc, r->id_line, r->id_col, "duplicate rule id '%s' (first in %s:%u)",
			     r->id, dup->file, dup->id_line);
			rule_free(r);
			continue;
		}
		struct cta_rule **v = realloc(lc->p->rules, (lc->p->n_rules + 1) * sizeof(*v));

		if (!v) {
			rule_free(r);
			lc_oom(lc);
			return;
		}
		lc->p->rules = v;
		if (json_object_set_new(lc->p->rule_index, r->id,
					json_integer((json_int_t)lc->p->n_rules)) < 0) {
			rule_free(r);
			lc_oom(lc);
			return;
		}
		v[lc->p->n_rules++] = r;
	}
}

/* ---- profiles ------------------------------------------------------------ */

static const char *const profile_keys[] = { "profile", "description", "extends", "params",
					    "rules",   "detect",      NULL };

/* Highest priority a detect entry may have; the order is documented. */
#define DETECT_PRIORITY_MAX 1000

/*
 * detect: a list of {priority, let, when, reason}.  Parsed like a rule's
 * parts, so errors are located the same way; detection reads facts only.
 */
static void load_detect(struct lctx *lc, struct cta_profile *pr, const struct cta_ynode *n)
{
	static const char *const keys[] = { "priority", "let", "when", "reason", NULL };

	if (!want_kind(lc, n, CTA_YNODE_SEQ, "detect"))
		return;
	pr->detect = calloc(n->n + 1, sizeof(*pr->detect));
	if (!pr->detect) {
		lc_oom(lc);
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		const struct cta_ynode *m = n->items[i], *x;
		struct cta_rule *r;
		int64_t prio = 0;

		if (!want_kind(lc, m, CTA_YNODE_MAP, "a detect entry"))
			continue;
		check_keys(lc, m, keys, "a detect entry");
		r = calloc(1, sizeof(*r));
		if (!r || !(r->src = json_object()) ||
		    !(r->id = strdup(pr->name ? pr->name : "")) ||
		    !(r->file = strdup(lc->doc->file))) {
			rule_free(r);
			lc_oom(lc);
			return;
		}
		r->line = m->line;
		r->col = m->col;
		pr->detect[pr->n_detect++] = (struct cta_detect){ 0, r };
		if ((x = cta_ynode_get(m, "priority")) && want_scalar(lc, x, "priority")) {
			if (!x->plain || cta_parse_i64(x->str, &prio) < 0 || prio < 0 ||
			    prio > DETECT_PRIORITY_MAX)
				nerr(lc, x, "'priority' must be an integer from 0 to %d, not '%s'",
				     DETECT_PRIORITY_MAX, x->str);
			else
				pr->detect[pr->n_detect - 1].priority = (int)prio;
		} else if (!x) {
			nerr(lc, m, "a detect entry needs 'priority'");
		}
		if ((x = cta_ynode_get(m, "let")))
			load_lets(lc, r, x);
		if ((x = cta_ynode_get(m, "when"))) {
			r->when = parse_expr(lc, r, x, "when", r->n_lets);
			src_set(lc, r, "when", x);
		} else
			nerr(lc, m, "a detect entry needs 'when'");
		if ((x = cta_ynode_get(m, "reason"))) {
			r->message = parse_tmpl(lc, r, x, "reason");
			src_set(lc, r, "reason", x);
		} else
			nerr(lc, m, "a detect entry needs 'reason' (name the deciding evidence)");
		for (size_t k = 0; k < r->n_ext_params; k++)
			lerr(lc, r->ext_params[k].line, r->ext_params[k].col,
			     "detection reads facts only: 'param.%s' is not available here",
			     r->ext_params[k].name);
	}
}

static void pos_set(struct lctx *lc, struct cta_profile *pr, const char *key,
		    const struct cta_ynode *n)
{
	json_t *j = json_pack("[ii]", n->line, n->col);

	if (!j || json_object_set_new(pr->pos, key, j) < 0)
		lc_oom(lc);
}

static struct cta_profile *load_profile_doc(struct lctx *lc, const struct cta_ynode *root,
					    const char *file_name)
{
	struct cta_profile *pr;
	const struct cta_ynode *n;

	if (!want_kind(lc, root, CTA_YNODE_MAP, "the document"))
		return NULL;
	pr = calloc(1, sizeof(*pr));
	if (!pr || !(pr->params = json_object()) || !(pr->rules = json_object()) ||
	    !(pr->pos = json_object()) || !(pr->file = strdup(lc->doc->file))) {
		profile_free(pr);
		lc_oom(lc);
		return NULL;
	}
	pr->line = root->line;
	pr->col = root->col;
	check_keys(lc, root, profile_keys, "a profile");
	n = cta_ynode_get(root, "profile");
	if (!n)
		nerr(lc, root, "a profile file needs 'profile: NAME'");
	else if ((pr->name = dup_scalar(lc, n, "profile"))) {
		if (!valid_rule_id(pr->name) || strchr(pr->name, '.'))
			nerr(lc, n, "invalid profile name '%s' (use a-z, 0-9, '_', '-')", pr->name);
		else if (file_name && !streq(pr->name, file_name))
			nerr(lc, n, "profile '%s' must be in a file named '%s.yaml', not '%s.yaml'",
			     pr->name, pr->name, file_name);
	}
	if ((n = cta_ynode_get(root, "description")))
		pr->description = dup_scalar(lc, n, "description");
	if ((n = cta_ynode_get(root, "extends"))) {
		const struct cta_ynode *const *items = NULL;
		const struct cta_ynode *one = n;
		size_t cnt = 1;

		if (n->kind == CTA_YNODE_SEQ) {
			items = (const struct cta_ynode *const *)n->items;
			cnt = n->n;
		} else if (!want_scalar(lc, n, "extends"))
			cnt = 0;
		pr->extends = calloc(cnt + 1, sizeof(*pr->extends));
		if (!pr->extends) {
			lc_oom(lc);
			return pr;
		}
		for (size_t i = 0; i < cnt; i++) {
			const struct cta_ynode *it = items ? items[i] : one;
			char *name = dup_scalar(lc, it, "extends");

			if (!name)
				continue;
			pr->extends[pr->n_extends++] =
				(struct cta_extends){ name, it->line, it->col };
		}
	}
	if ((n = cta_ynode_get(root, "params")) && want_kind(lc, n, CTA_YNODE_MAP, "params")) {
		for (size_t i = 0; i < n->n; i++) {
			if (!valid_ident(n->pairs[i].key->str))
				nerr(lc, n->pairs[i].key, "invalid parameter name '%s'",
				     n->pairs[i].key->str);
			pos_set(lc, pr, n->pairs[i].key->str, n->pairs[i].key);
		}
		json_decref(pr->params);
		pr->params = yaml_to_json(lc, n);
		if (!pr->params)
			lc_oom(lc);
	}
	if ((n = cta_ynode_get(root, "detect")))
		load_detect(lc, pr, n);
	if ((n = cta_ynode_get(root, "rules")) && want_kind(lc, n, CTA_YNODE_MAP, "rules")) {
		for (size_t i = 0; i < n->n; i++) {
			static const char *const keys[] = { "enabled", "severity", "params", NULL };
			const struct cta_ynode *k = n->pairs[i].key, *v = n->pairs[i].value, *x;
			json_t *ent = json_object();
			_cleanup_free_ char *poskey = NULL;

			if (!ent) {
				lc_oom(lc);
				return pr;
			}
			json_object_set_new(pr->rules, k->str, ent);
			if (asprintf(&poskey, "rule:%s", k->str) < 0) {
				poskey = NULL;
				lc_oom(lc);
				return pr;
			}
			pos_set(lc, pr, poskey, k);
			if (scalar_is_null(v))
				continue;
			if (!want_kind(lc, v, CTA_YNODE_MAP, k->str))
				continue;
			check_keys(lc, v, keys, "a profile rule entry");
			if ((x = cta_ynode_get(v, "enabled"))) {
				if (x->kind != CTA_YNODE_SCALAR || !x->plain ||
				    !(streq(x->str, "true") || streq(x->str, "false")))
					nerr(lc, x, "'enabled' must be true or false");
				else
					json_object_set_new(ent, "enabled",
							    json_boolean(streq(x->str, "true")));
			}
			if ((x = cta_ynode_get(v, "severity"))) {
				int s = parse_severity(lc, x);

				if (s >= 0)
					json_object_set_new(ent, "severity",
							    json_string(cta_severity_to_string(s)));
			}
			if ((x = cta_ynode_get(v, "params")) &&
			    want_kind(lc, x, CTA_YNODE_MAP, "params")) {
				for (size_t j = 0; j < x->n; j++) {
					_cleanup_free_ char *pk = NULL;

					if (asprintf(&pk, "param:%s:%s", k->str,
						     x->pairs[j].key->str) >= 0)
						pos_set(lc, pr, pk, x->pairs[j].key);
				}
				json_object_set_new(ent, "params", yaml_to_json(lc, x));
			}
		}
	}
	return pr;
}

/* ---- files and directories ------------------------------------------------ */

static bool dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *resolve_datadir(const char *given)
{
	return strdup(given ? given : cta_datadir(NULL));
}

enum file_kind { FILE_UNKNOWN, FILE_POLICY, FILE_PROFILE };

static enum file_kind doc_kind(const struct cta_ydoc *d)
{
	if (d->root->kind != CTA_YNODE_MAP)
		return FILE_UNKNOWN;
	if (cta_ynode_get(d->root, "rules") && !cta_ynode_get(d->root, "profile"))
		return FILE_POLICY;
	if (cta_ynode_get(d->root, "profile"))
		return FILE_PROFILE;
	return FILE_UNKNOWN;
}

static char *profile_name_of(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t l;

	b = b ? b + 1 : path;
	l = strlen(b);
	if (l > 5 && streq(b + l - 5, ".yaml"))
		l -= 5;
	return strndup(b, l);
}

static int add_profile(struct lctx *lc, const char *path, const struct cta_ydoc *d)
{
	_cleanup_free_ char *fname = profile_name_of(path);
	struct cta_profile *pr;

	if (!fname)
		return -ENOMEM;
	pr = load_profile_doc(lc, d->root, fname);
	if (!pr)
		return lc->error;
	if (!pr->name) {
		profile_free(pr);
		return 0;
	}
	if (cta_policy_find_profile(lc->p, pr->name)) {
		/* an earlier directory (or file named on the command line) wins */
		profile_free(pr);
		return 0;
	}
	struct cta_profile **v = realloc(lc->p->profiles, (lc->p->n_profiles + 1) * sizeof(*v));

	if (!v) {
		profile_free(pr);
		return -ENOMEM;
	}
	lc->p->profiles = v;
	v[lc->p->n_profiles++] = pr;
	return 0;
}

/* Load @path, read from @fd when that is >= 0 (opened and checked by the caller). */
static int load_file(struct cta_policy *p, struct cta_diags *diags, const char *path, int fd,
		     enum file_kind want, bool *failed)
{
	_cleanup_(cta_ydoc_freep) struct cta_ydoc *d = NULL;
	struct lctx lc = { .p = p, .diags = diags, .diags_at_start = diags->n };
	enum file_kind k;
	int r;

	r = fd >= 0 ? cta_ydoc_load_fd(fd, path, diags, &d) : cta_ydoc_load(path, diags, &d);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		*failed = true;
		return 0;
	}
	lc.doc = d;
	k = doc_kind(d);
	if (want != FILE_UNKNOWN && k != want && k != FILE_UNKNOWN) {
		nerr(&lc, d->root, "expected a %s file, found a %s file",
		     want == FILE_POLICY ? "rule catalog" : "profile",
		     k == FILE_POLICY ? "rule catalog" : "profile");
	} else if (k == FILE_UNKNOWN && want == FILE_UNKNOWN) {
		if (d->root->kind != CTA_YNODE_MAP)
			nerr(&lc, d->root, "expected a mapping with 'rules' or 'profile', not %s",
			     cta_ynode_kind_name(d->root));
		else
			nerr(&lc, d->root,
			     "neither a rule catalog ('rules:') nor a profile ('profile:')");
	} else if ((k == FILE_UNKNOWN ? want : k) == FILE_POLICY)
		load_policy_doc(&lc, d->root);
	else {
		r = add_profile(&lc, path, d);
		if (r < 0)
			return r;
	}
	if (lc.error < 0)
		return lc.error;
	if (lc.failed)
		*failed = true;
	return 0;
}

/*
 * A directory policy is read from: @path names it in messages; @host is the
 * path to open, inside the root at @rootfd when that is >= 0 (the site's
 * /etc/ctaudit below --root), else on this host as given.
 */
struct srcdir {
	const char *path;
	const char *host;
	int rootfd;
};

/*
 * Open @host (below @rootfd, see struct srcdir) for reading policy, refusing
 * what someone other than root (or the user running ctaudit) could have
 * written or swapped.  Returns the fd; -ENOENT or -ENOTDIR silently for a
 * missing directory when not @required; otherwise a diagnostic on @path is
 * added, *@failed set, and -EPERM returned (or -ENOMEM).
 */
static int open_trusted(struct cta_diags *diags, const char *path, int rootfd, const char *host,
			bool dir, bool required, bool *failed)
{
	_cleanup_free_ char *why = NULL;
	int fd = cta_open_trusted(rootfd, host, dir, &why), r;

	if (fd >= 0 || fd == -ENOMEM)
		return fd;
	if (dir && !required && !why && (fd == -ENOENT || fd == -ENOTDIR))
		return fd;
	*failed = true;
	if (why)
		r = cta_diag_add(diags, path, 0, 0, "refusing to load it: %s", why);
	else
		r = cta_diag_add(diags, path, 0, 0, "cannot read%s: %s", dir ? " directory" : "",
				 CTA_STRERROR(-fd));
	return r < 0 ? r : -EPERM;
}

/*
 * Load the *.yaml files of @dirs (ending with a NULL path) merged like
 * sysctl.d (util/config.h: an earlier directory's file hides or masks the
 * same name in later ones).  With @required, a missing directory is an
 * error.  Each directory and file is opened once, checked (policy decides
 * what root changes: only root's, or the user's own), and read from that
 * descriptor.
 */
static int load_dir(struct cta_policy *p, struct cta_diags *diags, const struct srcdir *dirs,
		    enum file_kind want, bool required, const char *const *skip, bool *failed)
{
	const char *names[8] = { 0 };
	int fds[8];
	size_t nd = 0;
	char **paths = NULL;
	const char *bad = NULL;
	int r = 0;

	for (; dirs[nd].path; nd++) {
		assert(nd < ELEMENTSOF(names) - 1);
		names[nd] = dirs[nd].path;
		fds[nd] = open_trusted(diags, dirs[nd].path, dirs[nd].rootfd, dirs[nd].host, true,
				       required, failed);
		if (fds[nd] == -ENOMEM || fds[nd] == -EPERM) {
			r = fds[nd] == -ENOMEM ? -ENOMEM : 0;
			goto out;
		}
	}
	r = cta_conf_files(names, fds, &paths, &bad);
	if (r < 0) {
		if (r != -ENOMEM) {
			*failed = true;
			r = cta_diag_add(diags, bad, 0, 0, "cannot read directory: %s",
					 CTA_STRERROR(-r));
		}
		goto out;
	}
	r = 0;
	for (size_t i = 0; paths[i] && r >= 0; i++) {
		const char *path = paths[i];
		_cleanup_free_ char *host = NULL;
		_cleanup_close_ int fd = -EBADF;
		bool skipped = false;
		size_t d = 0, l = 0;

		if (want == FILE_PROFILE) {
			_cleanup_free_ char *name = profile_name_of(path);

			if (!name) {
				r = -ENOMEM;
				break;
			}
			/* hidden by a profile found earlier: not loaded at all */
			if (cta_policy_find_profile(p, name))
				continue;
		}
		for (size_t k = 0; skip && skip[k]; k++) {
			char a[PATH_MAX], b[PATH_MAX];

			if (realpath(skip[k], a) && realpath(path, b) && streq(a, b))
				skipped = true;
		}
		if (skipped)
			continue;
		/* the directory it was listed from: its path plus "/" plus a name */
		for (; d < nd; d++) {
			l = strlen(dirs[d].path);
			if (fds[d] >= 0 && !strncmp(path, dirs[d].path, l) && path[l] == '/' &&
			    !strchr(path + l + 1, '/'))
				break;
		}
		assert(d < nd);
		if (asprintf(&host, "%s/%s", dirs[d].host, path + l + 1) < 0) {
			host = NULL;
			r = -ENOMEM;
			break;
		}
		fd = open_trusted(diags, path, dirs[d].rootfd, host, false, true, failed);
		if (fd == -EPERM)
			continue; /* the next file may have its own problem to report */
		if (fd < 0)
			r = fd;
		else
			r = load_file(p, diags, path, fd, want, failed);
	}
out:
	for (size_t i = 0; i < nd; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	cta_strv_free(paths);
	return r;
}

/* ---- cross checks and effective profiles ---------------------------------- */

static void pos_get(const struct cta_profile *pr, const char *key, unsigned *line, unsigned *col)
{
	json_t *j = json_object_get(pr->pos, key);

	*line = j ? (unsigned)json_integer_value(json_array_get(j, 0)) : pr->line;
	*col = j ? (unsigned)json_integer_value(json_array_get(j, 1)) : pr->col;
}

/* Merge @src (a profile's own settings) into the effective profile @dst. */
static int merge_into(json_t *dst, const struct cta_profile *src)
{
	json_t *params = json_object_get(dst, "params"), *rules = json_object_get(dst, "rules");
	const char *id;
	json_t *ent;

	if (json_object_update(params, src->params) < 0)
		return -ENOMEM;
	json_object_foreach(src->rules, id, ent) {
		json_t *d = json_object_get(rules, id);
		json_t *v;

		if (!d) {
			d = json_pack("{s:b, s:{}}", "enabled", 1, "params");
			if (!d || json_object_set_new(rules, id, d) < 0)
				return -ENOMEM;
		}
		v = json_object_get(ent, "enabled");
		json_object_set(d, "enabled", v ? v : json_true());
		if ((v = json_object_get(ent, "severity")))
			json_object_set(d, "severity", v);
		if ((v = json_object_get(ent, "params")) &&
		    json_object_update(json_object_get(d, "params"), v) < 0)
			return -ENOMEM;
	}
	return 0;
}

enum { WHITE, GREY, BLACK };

/* "a -> b -> c -> a" from the DFS stack, starting at @name. */
static char *cycle_text(struct cta_policy *p, const size_t *stack, size_t depth, const char *name)
{
	char *buf = NULL;
	size_t len = 0, start = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < depth; i++)
		if (streq(p->profiles[stack[i]]->name, name))
			start = i;
	for (size_t i = start; i < depth; i++)
		fprintf(f, "%s -> ", p->profiles[stack[i]]->name);
	fputs(name, f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int build_effective(struct cta_policy *p, struct cta_profile *pr, int *state, size_t *stack,
			   size_t depth, struct cta_diags *diags, bool *failed)
{
	size_t idx;
	json_t *eff;
	int r;

	for (idx = 0; p->profiles[idx] != pr; idx++)
		;
	if (state[idx] == BLACK)
		return 0;
	state[idx] = GREY;
	stack[depth++] = idx;
	eff = json_pack("{s:{}, s:{}}", "params", "rules");
	if (!eff)
		return -ENOMEM;
	for (size_t i = 0; i < pr->n_extends; i++) {
		struct cta_extends *x = &pr->extends[i];
		const struct cta_profile *base = cta_policy_find_profile(p, x->name);
		size_t bi;

		if (!base) {
			*failed = true;
			r = cta_diag_add_src(diags, pr->file, x->line, x->col,
					     "profile '%s' extends unknown profile '%s'", pr->name,
					     x->name);
			if (r < 0)
				goto fail;
			continue;
		}
		for (bi = 0; p->profiles[bi] != base; bi++)
			;
		if (state[bi] == GREY) {
			_cleanup_free_ char *cyc = cycle_text(p, stack, depth, x->name);

			*failed = true;
			r = cta_diag_add_src(diags, pr->file, x->line, x->col,
					     "'extends' cycle: %s", cyc ? cyc : x->name);
			if (r < 0)
				goto fail;
			continue;
		}
		r = build_effective(p, (struct cta_profile *)base, state, stack, depth, diags,
				    failed);
		if (r < 0)
			goto fail;
		/* the base's effective profile, as if its settings were ours */
		if (base->effective) {
			struct cta_profile tmp = {
				.params = json_object_get(base->effective, "params"),
				.rules = json_object_get(base->effective, "rules")
			};

			r = merge_into(eff, &tmp);
			if (r < 0)
				goto fail;
		}
	}
	r = merge_into(eff, pr);
	if (r < 0)
		goto fail;
	json_decref(pr->effective);
	pr->effective = eff;
	state[idx] = BLACK;
	return 0;
fail:
	json_decref(eff);
	return r;
}

/*
 * A located diagnostic about profile @file, at most MAX_ERRORS_PER_FILE of
 * them per file (each one reads its source line); the rest are only counted
 * in *@count and summed up by profile_diag_done().
 */
_printf_(6, 7) static int profile_diag(struct cta_diags *d, const char *file, unsigned line,
				       unsigned col, size_t *count, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	if ((*count)++ >= MAX_ERRORS_PER_FILE)
		return 0;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		msg = NULL;
		return -ENOMEM;
	}
	return cta_diag_add_src(d, file, line, col, "%s", msg);
}

static int profile_diag_done(struct cta_diags *d, const char *file, size_t count)
{
	if (count <= MAX_ERRORS_PER_FILE)
		return 0;
	return cta_diag_add(d, file, 0, 0, "and %zu more error%s in this profile",
			    count - MAX_ERRORS_PER_FILE,
			    count - MAX_ERRORS_PER_FILE == 1 ? "" : "s");
}

static int check_profiles(struct cta_policy *p, struct cta_diags *diags, bool *failed)
{
	_cleanup_free_ int *state = calloc(p->n_profiles + 1, sizeof(int));
	_cleanup_free_ size_t *stack = calloc(p->n_profiles + 1, sizeof(size_t));
	int r;

	if (!state || !stack)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_profiles; i++) {
		r = build_effective(p, p->profiles[i], state, stack, 0, diags, failed);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < p->n_profiles; i++) {
		struct cta_profile *pr = p->profiles[i];
		json_t *eff_params = json_object_get(pr->effective, "params");
		const char *id, *pname;
		json_t *ent, *pv;
		unsigned line, col;
		size_t n_diags = 0;

		json_object_foreach(pr->rules, id, ent) {
			_cleanup_free_ char *poskey = NULL;
			const struct cta_rule *rule = cta_policy_find_rule(p, id);

			if (asprintf(&poskey, "rule:%s", id) < 0)
				return -ENOMEM;
			pos_get(pr, poskey, &line, &col);
			if (!rule) {
				*failed = true;
				r = profile_diag(diags, pr->file, line, col, &n_diags,
						 "unknown rule '%s' in profile '%s'", id, pr->name);
				if (r < 0)
					return r;
				continue;
			}
			json_object_foreach(json_object_get(ent, "params"), pname, pv) {
				_cleanup_free_ char *pk = NULL;
				json_t *def = rule->params ? json_object_get(rule->params, pname) :
							     NULL;

				if (asprintf(&pk, "param:%s:%s", id, pname) < 0)
					return -ENOMEM;
				pos_get(pr, pk, &line, &col);
				if (!def)
					def = json_object_get(eff_params, pname);
				if (!def) {
					*failed = true;
					r = profile_diag(diags, pr->file, line, col, &n_diags,
							 "rule '%s' has no parameter '%s'", id,
							 pname);
				} else if (!json_same_type(def, pv)) {
					*failed = true;
					r = profile_diag(
						diags, pr->file, line, col, &n_diags,
						"parameter '%s' of rule '%s' must be %s, not %s",
						pname, id, json_type_name(def), json_type_name(pv));
				} else
					r = 0;
				if (r < 0)
					return r;
			}
		}
		/* profile-wide parameters must fit every rule that declares them */
		json_object_foreach(pr->params, pname, pv) {
			for (size_t k = 0; k < p->n_rules; k++) {
				json_t *def = p->rules[k]->params ?
						      json_object_get(p->rules[k]->params, pname) :
						      NULL;

				if (def && !json_same_type(def, pv)) {
					pos_get(pr, pname, &line, &col);
					*failed = true;
					r = profile_diag(
						diags, pr->file, line, col, &n_diags,
						"parameter '%s' must be %s (as in rule '%s'), not %s",
						pname, json_type_name(def), p->rules[k]->id,
						json_type_name(pv));
					if (r < 0)
						return r;
					break;
				}
			}
		}
		r = profile_diag_done(diags, pr->file, n_diags);
		if (r < 0)
			return r;
	}
	/* parameters a rule reads without declaring: some profile must set them */
	for (size_t k = 0; k < p->n_rules; k++) {
		const struct cta_rule *rule = p->rules[k];

		for (size_t i = 0; i < rule->n_ext_params; i++) {
			bool found = false;

			for (size_t j = 0; j < p->n_profiles && !found; j++)
				found = json_object_get(json_object_get(p->profiles[j]->effective,
									"params"),
							rule->ext_params[i].name) != NULL;
			if (!found) {
				*failed = true;
				r = cta_diag_add_src(diags, rule->file, rule->ext_params[i].line,
						     rule->ext_params[i].col,
						     "unknown parameter '%s': not in the rule's "
						     "'params' and not set by any profile",
						     rule->ext_params[i].name);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

int cta_policy_load(const struct cta_policy_opts *opts, struct cta_diags *diags,
		    struct cta_policy **ret)
{
	static const struct cta_policy_opts no_opts = { 0 };
	_cleanup_(cta_policy_freep) struct cta_policy *p = NULL;
	_cleanup_free_ char *poldir = NULL, *profdir = NULL, *etcdir = NULL, *etcpol = NULL;
	_cleanup_close_ int rootfd = -EBADF;
	bool failed = false;
	int r;

	if (!opts)
		opts = &no_opts;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->sysctl_keys = calloc(1, sizeof(char *));
	p->datadir = resolve_datadir(opts->datadir);
	p->rule_index = json_object();
	if (!p->sysctl_keys || !p->datadir || !p->rule_index)
		return -ENOMEM;
	if (asprintf(&poldir, "%s/policies", p->datadir) < 0 ||
	    asprintf(&profdir, "%s/profiles", p->datadir) < 0) {
		poldir = profdir = NULL;
		return -ENOMEM;
	}
	if (!dir_exists(poldir)) {
		r = cta_diag_add(diags, NULL, 0, 0, "no rule catalog: '%s' is not a directory",
				 poldir);
		return r < 0 ? r : -ENOENT;
	}

	/* Files named on the command line (validate) replace the catalog file
	 * they are a copy of, and come after the catalog so that a clash of
	 * rule ids is reported in them; their profiles hide installed ones of
	 * the same name. */
	etcpol = cta_path_join(opts->root, CTA_SITE_POLICIES);
	etcdir = cta_path_join(opts->root, CTA_SITE_PROFILES);
	if (!etcpol || !etcdir)
		return -ENOMEM;
	/* the site's files are the root's: resolved inside it, never outside */
	rootfd = cta_root_open(opts->root);
	if (rootfd < 0) {
		r = cta_diag_add(diags, opts->root, 0, 0, "cannot open root: %s",
				 CTA_STRERROR(-rootfd));
		return r < 0 ? r : rootfd;
	}
	/* the site's files come first: same name overrides or masks */
	r = load_dir(p, diags,
		     (const struct srcdir[]){
			     { etcpol, CTA_SITE_POLICIES, rootfd }, { poldir, poldir, -1 }, { 0 } },
		     FILE_POLICY, false, opts->files, &failed);
	if (r < 0)
		return r;
	for (size_t i = 0; opts->files && opts->files[i]; i++) {
		r = load_file(p, diags, opts->files[i], -1, FILE_UNKNOWN, &failed);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; opts->profile_dirs && opts->profile_dirs[i]; i++) {
		const char *d = opts->profile_dirs[i];

		r = load_dir(p, diags, (const struct srcdir[]){ { d, d, -1 }, { 0 } }, FILE_PROFILE,
			     true, opts->files, &failed);
		if (r < 0)
			return r;
	}
	r = load_dir(p, diags,
		     (const struct srcdir[]){ { etcdir, CTA_SITE_PROFILES, rootfd },
					      { profdir, profdir, -1 },
					      { 0 } },
		     FILE_PROFILE, false, opts->files, &failed);
	if (r < 0)
		return r;
	r = check_profiles(p, diags, &failed);
	if (r < 0)
		return r;
	if (failed)
		return -EINVAL;
	*ret = TAKE_PTR(p);
	return 0;
}

/* ---- site defaults (/etc/ctaudit/ctaudit.yaml) ---------------------------- */

json_t *cta_policy_value_from_yaml(const struct cta_ynode *n)
{
	struct lctx lc = { 0 };

	return yaml_to_json(&lc, n);
}

int cta_policy_set_param(struct cta_policy *p, const char *name, json_t *value,
			 const char **ret_want_type)
{
	json_t *def = NULL;
	bool known = false;

	for (size_t k = 0; k < p->n_rules && !def; k++)
		def = p->rules[k]->params ? json_object_get(p->rules[k]->params, name) : NULL;
	for (size_t i = 0; i < p->n_profiles && !def && !known; i++)
		known = json_object_get(json_object_get(p->profiles[i]->effective, "params"), name);
	if (!def && !known)
		return -ENOENT;
	if (def && !json_same_type(def, value)) {
		if (ret_want_type)
			*ret_want_type = json_type_name(def);
		return -EINVAL;
	}
	/* over every profile's own and inherited value; a rule's parameter set
	 * in a profile's 'rules:' entry stays more specific */
	for (size_t i = 0; i < p->n_profiles; i++)
		if (json_object_set(json_object_get(p->profiles[i]->effective, "params"), name,
				    value) < 0)
			return -ENOMEM;
	return 0;
}

const char *cta_policy_datadir(const struct cta_policy *p)
{
	return p->datadir;
}
