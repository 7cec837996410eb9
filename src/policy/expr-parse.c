// SPDX-License-Identifier: GPL-2.0-or-later
/* Expressions -> AST, with the static checks: names, functions, arity, lambdas,
 * fact paths against the facts schema. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy/expr-internal.h"
#include "util/json.h"
#include "util/ports.h"
#include "util/banned.h"

void cta_expr_free(struct cta_expr *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_kids; i++)
		cta_expr_free(e->kids[i]);
	free(e->kids);
	free(e->s);
	free(e->src);
	free(e);
}

static void unexpected(struct parser *p, const char *wanted)
{
	if (p->t == T_EOF)
		cta_expr_perr(p, p->start, "expected %s, found the end of the expression", wanted);
	else
		cta_expr_perr(p, p->start, "expected %s, found %s '%.*s'", wanted,
			      cta_expr_tok_name(p->t), (int)(p->end - p->start),
			      p->text + p->start);
}

/* Source texts quoted in messages are shortened: "a + b + ..." */
static void src_trim(char *s)
{
	if (s && strlen(s) > MAX_SRC)
		memcpy(s + MAX_SRC - 3, "...", 4);
}

static struct cta_expr *node_new(struct parser *p, enum ntype t, size_t start, size_t end)
{
	struct cta_expr *e;

	if (++p->n_nodes > MAX_NODES) {
		cta_expr_perr(p, start, "expression too long (more than %d parts)", MAX_NODES);
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e)
		e->src = strndup(p->text + start, MIN(end - start, (size_t)MAX_SRC + 1));
	if (!e || !e->src) {
		free(e);
		cta_expr_oom(p);
		return NULL;
	}
	e->t = t;
	return e;
}

static bool node_add(struct parser *p, struct cta_expr *e, struct cta_expr *kid)
{
	struct cta_expr **v = realloc(e->kids, (e->n_kids + 1) * sizeof(*v));

	if (!v) {
		cta_expr_free(kid);
		cta_expr_oom(p);
		return false;
	}
	e->kids = v;
	e->kids[e->n_kids++] = kid;
	return true;
}

static void node_set_src(struct parser *p, struct cta_expr *e, size_t start, size_t end)
{
	char *s = strndup(p->text + start, MIN(end - start, (size_t)MAX_SRC + 1));

	if (!s) {
		cta_expr_oom(p);
		return;
	}
	free(e->src);
	e->src = s;
	src_trim(s);
}

static struct cta_expr *parse_cond(struct parser *p);

bool cta_expr_reserved_name(const char *name)
{
	static const char *const words[] = { "true", "false", "null", "in", "kernel", "param" };

	for (size_t i = 0; i < ELEMENTSOF(words); i++)
		if (streq(words[i], name))
			return true;
	if (cta_fact_schema_member(&cta_facts_schema, name))
		return true;
	for (size_t i = 0; i < ELEMENTSOF(cta_expr_fns); i++)
		if (streq(cta_expr_fns[i].name, name))
			return true;
	return false;
}

static struct cta_expr *parse_call(struct parser *p, const char *name, size_t start)
{
	struct cta_expr *e;
	int fi = -1;

	for (size_t i = 0; i < ELEMENTSOF(cta_expr_fns); i++)
		if (streq(cta_expr_fns[i].name, name))
			fi = (int)i;
	if (fi < 0) {
		cta_expr_perr(p, start, "unknown function '%s'", name);
		return NULL;
	}
	e = node_new(p, N_CALL, start, p->end);
	if (!e)
		return NULL;
	e->op = fi;
	if (!cta_expr_lex(p)) /* past '(' */
		goto fail;
	if (p->t != T_RP)
		for (;;) {
			struct cta_expr *arg;
			size_t argstart = p->start;
			bool lambda = false;

			if (p->t == T_IDENT) {
				_cleanup_free_ char *var = strdup(p->str);

				if (!var) {
					cta_expr_oom(p);
					goto fail;
				}
				if (!cta_expr_lex(p))
					goto fail;
				if (p->t == T_ARROW) {
					lambda = true;
					if (cta_expr_reserved_name(var)) {
						cta_expr_perr(p, argstart,
							      "'%s' cannot be a variable name",
							      var);
						goto fail;
					}
					if (e->n_kids != 1 ||
					    cta_expr_fns[fi].lambda == LAMBDA_NO) {
						cta_expr_perr(
							p, argstart,
							"a function 'x => ...' is not allowed here");
						goto fail;
					}
					if (p->n_lambdas == MAX_LAMBDAS) {
						cta_expr_perr(p, argstart,
							      "too many nested functions");
						goto fail;
					}
					if (!cta_expr_lex(p))
						goto fail;
					p->lambdas[p->n_lambdas++] = var;
					arg = parse_cond(p);
					p->n_lambdas--;
					if (!arg)
						goto fail;
					struct cta_expr *l =
						node_new(p, N_LAMBDA, argstart, p->start);
					if (!l) {
						cta_expr_free(arg);
						goto fail;
					}
					free(l->s);
					l->s = TAKE_PTR(var);
					if (!node_add(p, l, arg)) {
						cta_expr_free(l);
						goto fail;
					}
					arg = l;
				} else {
					/* not a lambda: re-read from the name */
					p->pos = argstart;
					if (!cta_expr_lex(p))
						goto fail;
				}
			}
			if (!lambda) {
				if (e->n_kids == 1 && cta_expr_fns[fi].lambda == LAMBDA_REQUIRED) {
					cta_expr_perr(
						p, argstart,
						"'%s' needs a function 'x => ...' as its second argument",
						name);
					goto fail;
				}
				arg = parse_cond(p);
				if (!arg)
					goto fail;
			}
			if (!node_add(p, e, arg))
				goto fail;
			if (p->t == T_COMMA) {
				if (!cta_expr_lex(p))
					goto fail;
				continue;
			}
			if (p->t == T_RP)
				break;
			unexpected(p, "',' or ')'");
			goto fail;
		}
	if ((int)e->n_kids < cta_expr_fns[fi].min ||
	    (cta_expr_fns[fi].max >= 0 && (int)e->n_kids > cta_expr_fns[fi].max)) {
		if (cta_expr_fns[fi].min == cta_expr_fns[fi].max)
			cta_expr_perr(p, start, "'%s' takes %d argument%s, not %zu", name,
				      cta_expr_fns[fi].min, cta_expr_fns[fi].min == 1 ? "" : "s",
				      e->n_kids);
		else if (cta_expr_fns[fi].max < 0)
			cta_expr_perr(p, start, "'%s' takes at least %d argument%s, not %zu", name,
				      cta_expr_fns[fi].min, cta_expr_fns[fi].min == 1 ? "" : "s",
				      e->n_kids);
		else
			cta_expr_perr(p, start, "'%s' takes %d to %d arguments, not %zu", name,
				      cta_expr_fns[fi].min, cta_expr_fns[fi].max, e->n_kids);
		goto fail;
	}
	node_set_src(p, e, start, p->end);
	if (!cta_expr_lex(p)) /* past ')' */
		goto fail;
	return e;
fail:
	cta_expr_free(e);
	return NULL;
}

static struct cta_expr *parse_primary(struct parser *p)
{
	_cleanup_free_ char *name = NULL;
	struct cta_expr *e = NULL;
	size_t start = p->start;

	switch (p->t) {
	case T_NUM:
		e = node_new(p, N_NUM, start, p->end);
		if (!e)
			return NULL;
		e->n = p->num;
		if (!cta_expr_lex(p))
			goto fail;
		return e;
	case T_STR:
		e = node_new(p, N_STR, start, p->end);
		if (!e)
			return NULL;
		e->s = TAKE_PTR(p->str);
		if (!cta_expr_lex(p))
			goto fail;
		return e;
	case T_LP:
		if (!cta_expr_lex(p))
			return NULL;
		e = parse_cond(p);
		if (!e)
			return NULL;
		if (p->t != T_RP) {
			unexpected(p, "')'");
			goto fail;
		}
		if (!cta_expr_lex(p))
			goto fail;
		return e;
	case T_LB:
		e = node_new(p, N_LIST, start, p->end);
		if (!e || !cta_expr_lex(p))
			goto fail;
		if (p->t != T_RB)
			for (;;) {
				struct cta_expr *k = parse_cond(p);

				if (!k || !node_add(p, e, k))
					goto fail;
				if (p->t == T_COMMA) {
					if (!cta_expr_lex(p))
						goto fail;
					if (p->t == T_RB) /* trailing comma */
						break;
					continue;
				}
				if (p->t == T_RB)
					break;
				unexpected(p, "',' or ']'");
				goto fail;
			}
		node_set_src(p, e, start, p->end);
		if (!cta_expr_lex(p))
			goto fail;
		return e;
	case T_IDENT:
		break;
	default:
		unexpected(p, "a value");
		return NULL;
	}

	/* names */
	name = TAKE_PTR(p->str);
	size_t end = p->end;

	if (!cta_expr_lex(p))
		return NULL;
	if (p->t == T_LP)
		return parse_call(p, name, start);
	if (streq(name, "true") || streq(name, "false")) {
		e = node_new(p, N_BOOL, start, end);
		if (e)
			e->op = streq(name, "true");
		return e;
	}
	if (streq(name, "null"))
		return node_new(p, N_NULL, start, end);
	if (streq(name, "kernel"))
		return node_new(p, N_KERNEL, start, end);
	if (streq(name, "param")) {
		if (p->t != T_DOT) {
			unexpected(p, "'.NAME' after 'param'");
			return NULL;
		}
		if (!cta_expr_lex(p))
			return NULL;
		if (p->t != T_IDENT) {
			unexpected(p, "a parameter name after 'param.'");
			return NULL;
		}
		e = node_new(p, N_PARAM, start, p->end);
		if (!e)
			return NULL;
		e->s = TAKE_PTR(p->str);
		if (p->env && p->env->on_param &&
		    p->env->on_param(p->env->userdata, e->s, p->start) < 0) {
			cta_expr_oom(p);
			goto fail;
		}
		if (!cta_expr_lex(p))
			goto fail;
		return e;
	}
	for (size_t i = p->n_lambdas; i-- > 0;)
		if (streq(p->lambdas[i], name)) {
			e = node_new(p, N_VAR, start, end);
			if (e)
				e->op = (int)i;
			return e;
		}
	for (size_t i = p->env ? p->env->n_lets : 0; i-- > 0;)
		if (streq(p->env->lets[i], name)) {
			e = node_new(p, N_LET, start, end);
			if (e)
				e->op = (int)i;
			return e;
		}
	const struct cta_fact_schema *root = cta_fact_schema_member(&cta_facts_schema, name);

	if (root) {
		e = node_new(p, N_ROOT, start, end);
		if (!e)
			return NULL;
		e->s = TAKE_PTR(name);
		e->path = true;
		e->schema = root->members ? root : NULL;
		return e;
	}
	cta_expr_perr(p, start, "unknown name '%s'", name);
	return NULL;
fail:
	cta_expr_free(e);
	return NULL;
}

/* base.NAME or base["NAME"]: check NAME against a closed schema. */
static bool check_member(struct parser *p, struct cta_expr *e, struct cta_expr *base,
			 const char *name, size_t name_off)
{
	if (!base->path)
		return true;
	e->path = true;
	if (!base->schema)
		return true;
	const struct cta_fact_schema *f = cta_fact_schema_member(base->schema, name);

	if (!f) {
		cta_expr_perr(p, name_off, "unknown fact '%s' (see docs/facts.md)", e->src);
		return false;
	}
	e->schema = f->members ? f : NULL;
	return true;
}

static struct cta_expr *parse_postfix(struct parser *p)
{
	struct cta_expr *e = parse_primary(p);

	if (!e)
		return NULL;
	for (;;) {
		struct cta_expr *m;

		if (p->t == T_DOT) {
			if (!cta_expr_lex(p))
				goto fail;
			if (p->t != T_IDENT) {
				unexpected(p, "a member name after '.'");
				goto fail;
			}
			m = node_new(p, N_MEMBER, 0, 0);
			if (!m)
				goto fail;
			/* source: base text + "." + name */
			free(m->src);
			if (asprintf(&m->src, "%s.%s", e->src, p->str) < 0) {
				m->src = NULL;
				free(m);
				cta_expr_oom(p);
				goto fail;
			}
			src_trim(m->src);
			m->s = TAKE_PTR(p->str);
			if (!check_member(p, m, e, m->s, p->start)) {
				cta_expr_free(m);
				goto fail;
			}
			if (!node_add(p, m, e)) {
				cta_expr_free(m);
				return NULL;
			}
			e = m;
			if (!cta_expr_lex(p))
				goto fail;
		} else if (p->t == T_LB) {
			size_t idx_off;
			struct cta_expr *idx;

			if (!cta_expr_lex(p))
				goto fail;
			idx_off = p->start;
			idx = parse_cond(p);
			if (!idx)
				goto fail;
			if (p->t != T_RB) {
				cta_expr_free(idx);
				unexpected(p, "']'");
				goto fail;
			}
			m = node_new(p, N_INDEX, 0, 0);
			if (!m) {
				cta_expr_free(idx);
				goto fail;
			}
			free(m->src);
			if (asprintf(&m->src, "%s[%s]", e->src, idx->src) < 0) {
				m->src = NULL;
				free(m);
				cta_expr_free(idx);
				cta_expr_oom(p);
				goto fail;
			}
			src_trim(m->src);
			if (idx->t == N_STR) {
				if (!check_member(p, m, e, idx->s, idx_off)) {
					cta_expr_free(m);
					cta_expr_free(idx);
					goto fail;
				}
				if (e->t == N_ROOT && streq(e->s, "sysctl") && p->env &&
				    p->env->on_sysctl &&
				    p->env->on_sysctl(p->env->userdata, idx->s) < 0) {
					cta_expr_oom(p);
				}
			} else if (e->path && idx->t == N_NUM) {
				m->path = true;
			}
			if (!node_add(p, m, e)) {
				cta_expr_free(m);
				cta_expr_free(idx);
				return NULL;
			}
			e = m;
			if (!node_add(p, m, idx))
				goto fail;
			if (p->error || !cta_expr_lex(p))
				goto fail;
		} else
			return e;
	}
fail:
	cta_expr_free(e);
	return NULL;
}

static struct cta_expr *unary_node(struct parser *p, enum ntype t, size_t start,
				   struct cta_expr *kid)
{
	struct cta_expr *e;

	if (!kid)
		return NULL;
	e = node_new(p, t, start, start);
	if (!e) {
		cta_expr_free(kid);
		return NULL;
	}
	free(e->src);
	if (asprintf(&e->src, "%s%s", t == N_NEG ? "-" : "!", kid->src) < 0) {
		e->src = NULL;
		cta_expr_free(kid);
		free(e);
		cta_expr_oom(p);
		return NULL;
	}
	src_trim(e->src);
	if (!node_add(p, e, kid)) {
		cta_expr_free(e);
		return NULL;
	}
	return e;
}

/* A prefix operator ('-', '!') repeated any number of times before what @next parses. */
static struct cta_expr *parse_prefix(struct parser *p, enum tok op, enum ntype t,
				     struct cta_expr *(*next)(struct parser *))
{
	struct cta_expr *e;

	if (p->t != op)
		return next(p);
	size_t start = p->start;

	if (++p->depth > MAX_DEPTH) {
		cta_expr_perr(p, start, "expression nested too deeply");
		return NULL;
	}
	if (!cta_expr_lex(p))
		return NULL;
	e = unary_node(p, t, start, parse_prefix(p, op, t, next));
	p->depth--;
	return e;
}

static struct cta_expr *parse_unary(struct parser *p)
{
	return parse_prefix(p, T_MINUS, N_NEG, parse_postfix);
}

static struct cta_expr *bin_node(struct parser *p, enum ntype t, int op, struct cta_expr *a,
				 struct cta_expr *b, const char *optext)
{
	struct cta_expr *e;

	if (!a || !b) {
		cta_expr_free(a);
		cta_expr_free(b);
		return NULL;
	}
	e = node_new(p, t, 0, 0);
	if (!e) {
		cta_expr_free(a);
		cta_expr_free(b);
		return NULL;
	}
	e->op = op;
	free(e->src);
	if (asprintf(&e->src, "%s %s %s", a->src, optext, b->src) < 0) {
		e->src = NULL;
		free(e);
		cta_expr_free(a);
		cta_expr_free(b);
		cta_expr_oom(p);
		return NULL;
	}
	src_trim(e->src);
	if (!node_add(p, e, a)) {
		cta_expr_free(b);
		cta_expr_free(e);
		return NULL;
	}
	if (!node_add(p, e, b)) {
		cta_expr_free(e);
		return NULL;
	}
	return e;
}

static struct cta_expr *parse_mul(struct parser *p)
{
	struct cta_expr *e = parse_unary(p);

	while (e && (p->t == T_STAR || p->t == T_SLASH || p->t == T_PCT)) {
		enum tok op = p->t;

		if (!cta_expr_lex(p)) {
			cta_expr_free(e);
			return NULL;
		}
		e = bin_node(p, N_BIN, op, e, parse_unary(p),
			     op == T_STAR  ? "*" :
			     op == T_SLASH ? "/" :
					     "%");
	}
	return e;
}

static struct cta_expr *parse_add(struct parser *p)
{
	struct cta_expr *e = parse_mul(p);

	while (e && (p->t == T_PLUS || p->t == T_MINUS)) {
		enum tok op = p->t;

		if (!cta_expr_lex(p)) {
			cta_expr_free(e);
			return NULL;
		}
		e = bin_node(p, N_BIN, op, e, parse_mul(p), op == T_PLUS ? "+" : "-");
	}
	return e;
}

static bool is_cmp(enum tok t)
{
	return t == T_EQ || t == T_NE || t == T_LT || t == T_LE || t == T_GT || t == T_GE ||
	       t == T_IN;
}

static struct cta_expr *parse_cmp(struct parser *p)
{
	struct cta_expr *e = parse_add(p);

	if (e && is_cmp(p->t)) {
		enum tok op = p->t;
		const char *name = cta_expr_tok_name(op);
		char optext[4] = { 0 };

		/* tok_name gives "'=='": strip the quotes */
		memcpy(optext, name + 1, MIN(strlen(name) - 2, sizeof(optext) - 1));
		if (!cta_expr_lex(p)) {
			cta_expr_free(e);
			return NULL;
		}
		e = bin_node(p, N_BIN, op, e, parse_add(p), optext);
		if (e && is_cmp(p->t)) {
			cta_expr_perr(p, p->start, "comparisons cannot be chained; use '&&'");
			cta_expr_free(e);
			return NULL;
		}
	}
	return e;
}

static struct cta_expr *parse_not(struct parser *p)
{
	return parse_prefix(p, T_NOT, N_NOT, parse_cmp);
}

static struct cta_expr *parse_and(struct parser *p)
{
	struct cta_expr *e = parse_not(p);

	while (e && p->t == T_AND) {
		if (!cta_expr_lex(p)) {
			cta_expr_free(e);
			return NULL;
		}
		e = bin_node(p, N_AND, T_AND, e, parse_not(p), "&&");
	}
	return e;
}

static struct cta_expr *parse_or(struct parser *p)
{
	struct cta_expr *e = parse_and(p);

	while (e && p->t == T_OR) {
		if (!cta_expr_lex(p)) {
			cta_expr_free(e);
			return NULL;
		}
		e = bin_node(p, N_OR, T_OR, e, parse_and(p), "||");
	}
	return e;
}

static struct cta_expr *parse_cond(struct parser *p)
{
	struct cta_expr *c, *a, *b, *e;

	if (++p->depth > MAX_DEPTH) {
		cta_expr_perr(p, p->start, "expression nested too deeply");
		return NULL;
	}
	c = parse_or(p);
	if (!c || p->t != T_Q) {
		p->depth--;
		return c;
	}
	if (!cta_expr_lex(p)) {
		cta_expr_free(c);
		return NULL;
	}
	a = parse_cond(p);
	if (!a) {
		cta_expr_free(c);
		return NULL;
	}
	if (p->t != T_COLON) {
		unexpected(p, "':'");
		cta_expr_free(c);
		cta_expr_free(a);
		return NULL;
	}
	if (!cta_expr_lex(p)) {
		cta_expr_free(c);
		cta_expr_free(a);
		return NULL;
	}
	b = parse_cond(p);
	if (!b) {
		cta_expr_free(c);
		cta_expr_free(a);
		return NULL;
	}
	e = node_new(p, N_COND, 0, 0);
	if (!e || !node_add(p, e, c)) {
		cta_expr_free(e);
		cta_expr_free(a);
		cta_expr_free(b);
		return NULL;
	}
	if (!node_add(p, e, a)) {
		cta_expr_free(e);
		cta_expr_free(b);
		return NULL;
	}
	if (!node_add(p, e, b)) {
		cta_expr_free(e);
		return NULL;
	}
	free(e->src);
	if (asprintf(&e->src, "%s ? %s : %s", c->src, a->src, b->src) < 0) {
		e->src = NULL;
		cta_expr_oom(p);
		cta_expr_free(e);
		return NULL;
	}
	src_trim(e->src);
	p->depth--;
	return e;
}

int cta_expr_parse(const char *text, const struct cta_expr_env *env, struct cta_expr **ret,
		   size_t *ret_err_off, char **ret_err)
{
	struct parser p = { .text = text, .env = env };
	struct cta_expr *e = NULL;

	if (cta_expr_lex(&p)) {
		if (p.t == T_EOF)
			cta_expr_perr(&p, 0, "empty expression");
		else {
			e = parse_cond(&p);
			if (e && p.t != T_EOF) {
				unexpected(&p, "an operator or the end of the expression");
				cta_expr_free(e);
				e = NULL;
			}
		}
	}
	free(p.str);
	if (p.error || !e) {
		cta_expr_free(e);
		if (p.error == -ENOMEM) {
			free(p.err);
			return -ENOMEM;
		}
		*ret_err_off = p.err_off;
		*ret_err = p.err ? p.err : strdup("invalid expression");
		return *ret_err ? -EINVAL : -ENOMEM;
	}
	*ret = e;
	return 0;
}

int cta_expr_parse_list(const char *text, const struct cta_expr_env *env, struct cta_expr ***ret,
			size_t *ret_n, size_t *ret_err_off, char **ret_err)
{
	struct parser p = { .text = text, .env = env };
	struct cta_expr **v = NULL;
	size_t n = 0;

	if (cta_expr_lex(&p)) {
		if (p.t == T_EOF)
			cta_expr_perr(&p, 0, "empty expression");
		while (!p.error) {
			struct cta_expr *e = parse_cond(&p), **nv;

			if (!e)
				break;
			nv = realloc(v, (n + 2) * sizeof(*v));
			if (!nv) {
				cta_expr_free(e);
				cta_expr_oom(&p);
				break;
			}
			v = nv;
			v[n++] = e;
			v[n] = NULL;
			if (p.t == T_EOF)
				break;
			if (p.t != T_COMMA) {
				unexpected(&p, "',' or the end of the list");
				break;
			}
			if (!cta_expr_lex(&p))
				break;
		}
	}
	free(p.str);
	if (p.error) {
		for (size_t i = 0; i < n; i++)
			cta_expr_free(v[i]);
		free(v);
		if (p.error == -ENOMEM) {
			free(p.err);
			return -ENOMEM;
		}
		*ret_err_off = p.err_off;
		*ret_err = p.err ? p.err : strdup("invalid expression");
		return *ret_err ? -EINVAL : -ENOMEM;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}
