// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy/expr.h"
#include "util/json.h"
#include "util/banned.h"

/* ---- fact schema: the fixed sections of docs/facts.md ------------------- */

/* A member list; sub == NULL means "not checked below this point". */
struct fschema {
	const char *name;
	const struct fschema *sub;
};

static const struct fschema host_schema[] = {
	{ "hostname", NULL }, { "kernel", NULL },      { "cpus", NULL }, { "memory_bytes", NULL },
	{ "netns", NULL },    { "netns_inode", NULL }, { NULL, NULL },
};
static const struct fschema ct_stats_schema[] = {
	{ "found", NULL },
	{ "invalid", NULL },
	{ "insert", NULL },
	{ "insert_failed", NULL },
	{ "drop", NULL },
	{ "early_drop", NULL },
	{ "error", NULL },
	{ "search_restart", NULL },
	{ "clash_resolve", NULL },
	{ "chaintoolong", NULL },
	{ NULL, NULL },
};
static const struct fschema conntrack_schema[] = {
	{ "active", NULL },	  { "active_reason", NULL },
	{ "count", NULL },	  { "max", NULL },
	{ "buckets", NULL },	  { "stats", ct_stats_schema },
	{ "stats_source", NULL }, { "table_full_messages", NULL },
	{ "table_full", NULL },	  { "top", NULL },
	{ NULL, NULL },
};
static const struct fschema sockets_schema[] = {
	{ "tcp", NULL },       { "tcp_by_family", NULL }, { "time_wait_top", NULL },
	{ "listening", NULL }, { "sockstat_tw", NULL },	  { "source", NULL },
	{ NULL, NULL },
};
static const struct fschema helpers_schema[] = {
	{ "available", NULL },	   { "assigned", NULL }, { "in_use", NULL },
	{ "in_use_source", NULL }, { NULL, NULL },
};
static const struct fschema firewall_schema[] = {
	{ "backends", NULL }, { "notrack", NULL },
	{ "nat", NULL },      { "stateful_filter_drops_untracked", NULL },
	{ NULL, NULL },
};
/* The roots of docs/facts.md; sub == NULL: an open-ended map, not checked. */
static const struct fschema roots[] = {
	{ "host", host_schema },
	{ "sysctl", NULL },
	{ "persisted", NULL },
	{ "persisted_files", NULL },
	{ "persisted_errors", NULL },
	{ "persisted_excludes", NULL },
	{ "conntrack", conntrack_schema },
	{ "sockets", sockets_schema },
	{ "netstat", NULL },
	{ "helpers", helpers_schema },
	{ "firewall", firewall_schema },
	{ "counters", NULL },
	{ "unavailable", NULL },
	{ NULL, NULL },
};

static const struct fschema *fschema_find(const struct fschema *s, const char *name)
{
	for (; s && s->name; s++)
		if (streq(s->name, name))
			return s;
	return NULL;
}

/* ---- functions ---------------------------------------------------------- */

enum fn {
	F_EXISTS,
	F_DEFAULT,
	F_INT,
	F_NUM,
	F_STR,
	F_LEN,
	F_MIN,
	F_MAX,
	F_ABS,
	F_FLOOR,
	F_CEIL,
	F_POW2CEIL,
	F_ROUND,
	F_FIELD,
	F_VERSION,
	F_RANGE_LO,
	F_RANGE_HI,
	F_RANGE_SIZE,
	F_PORT_IN,
	F_PORTS_OVERLAP,
	F_ANY,
	F_ALL,
	F_COUNT,
	F_FILTER,
	F_MAP,
	F_FIRST,
	F_SUM,
	F_MAX_OF,
	F_MIN_OF,
	F_KEYS,
	F_VALUES,
	F_JOIN,
	F_CONTAINS,
	F_STARTS_WITH,
	F_PCT,
	F_BYTES,
};

enum { LAMBDA_NO, LAMBDA_REQUIRED, LAMBDA_OPTIONAL };

static const struct fninfo {
	const char *name;
	int min, max; /* max -1: unbounded */
	int lambda; /* for argument 2 */
} fns[] = {
	[F_EXISTS] = { "exists", 1, 1, LAMBDA_NO },
	[F_DEFAULT] = { "default", 2, 2, LAMBDA_NO },
	[F_INT] = { "int", 1, 1, LAMBDA_NO },
	[F_NUM] = { "num", 1, 1, LAMBDA_NO },
	[F_STR] = { "str", 1, 1, LAMBDA_NO },
	[F_LEN] = { "len", 1, 1, LAMBDA_NO },
	[F_MIN] = { "min", 1, -1, LAMBDA_NO },
	[F_MAX] = { "max", 1, -1, LAMBDA_NO },
	[F_ABS] = { "abs", 1, 1, LAMBDA_NO },
	[F_FLOOR] = { "floor", 1, 1, LAMBDA_NO },
	[F_CEIL] = { "ceil", 1, 1, LAMBDA_NO },
	[F_POW2CEIL] = { "pow2ceil", 1, 1, LAMBDA_NO },
	[F_ROUND] = { "round", 1, 2, LAMBDA_NO },
	[F_FIELD] = { "field", 2, 2, LAMBDA_NO },
	[F_VERSION] = { "version", 1, 1, LAMBDA_NO },
	[F_RANGE_LO] = { "range_lo", 1, 1, LAMBDA_NO },
	[F_RANGE_HI] = { "range_hi", 1, 1, LAMBDA_NO },
	[F_RANGE_SIZE] = { "range_size", 1, 1, LAMBDA_NO },
	[F_PORT_IN] = { "port_in", 2, 2, LAMBDA_NO },
	[F_PORTS_OVERLAP] = { "ports_overlap", 2, 2, LAMBDA_NO },
	[F_ANY] = { "any", 2, 2, LAMBDA_REQUIRED },
	[F_ALL] = { "all", 2, 2, LAMBDA_REQUIRED },
	[F_COUNT] = { "count", 2, 2, LAMBDA_REQUIRED },
	[F_FILTER] = { "filter", 2, 2, LAMBDA_REQUIRED },
	[F_MAP] = { "map", 2, 2, LAMBDA_REQUIRED },
	[F_FIRST] = { "first", 2, 2, LAMBDA_REQUIRED },
	[F_SUM] = { "sum", 1, 2, LAMBDA_OPTIONAL },
	[F_MAX_OF] = { "max_of", 2, 2, LAMBDA_REQUIRED },
	[F_MIN_OF] = { "min_of", 2, 2, LAMBDA_REQUIRED },
	[F_KEYS] = { "keys", 1, 1, LAMBDA_NO },
	[F_VALUES] = { "values", 1, 1, LAMBDA_NO },
	[F_JOIN] = { "join", 2, 2, LAMBDA_NO },
	[F_CONTAINS] = { "contains", 2, 2, LAMBDA_NO },
	[F_STARTS_WITH] = { "starts_with", 2, 2, LAMBDA_NO },
	[F_PCT] = { "pct", 1, 1, LAMBDA_NO },
	[F_BYTES] = { "bytes", 1, 1, LAMBDA_NO },
};

/* ---- AST ----------------------------------------------------------------- */

enum ntype {
	N_NUM,
	N_STR,
	N_BOOL,
	N_NULL,
	N_LIST,
	N_ROOT,
	N_KERNEL,
	N_PARAM,
	N_LET,
	N_VAR,
	N_MEMBER,
	N_INDEX,
	N_NEG,
	N_NOT,
	N_BIN,
	N_AND,
	N_OR,
	N_COND,
	N_CALL,
	N_LAMBDA,
};

struct cta_expr {
	enum ntype t;
	int op; /* N_BIN: token; N_CALL: enum fn; N_LET/N_VAR: index; N_BOOL: value */
	double n;
	char *s; /* N_STR, N_ROOT, N_PARAM, N_MEMBER names */
	struct cta_expr **kids;
	size_t n_kids;
	char *src; /* source text, for "needs 'PATH'" */
	bool path; /* a static fact path: root, members and literal indexes */
	const struct fschema *schema; /* members checked against this; NULL: open */
};

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

/* ---- lexer --------------------------------------------------------------- */

enum tok {
	T_EOF,
	T_NUM,
	T_STR,
	T_IDENT,
	T_LP,
	T_RP,
	T_LB,
	T_RB,
	T_COMMA,
	T_DOT,
	T_PLUS,
	T_MINUS,
	T_STAR,
	T_SLASH,
	T_PCT,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_AND,
	T_OR,
	T_NOT,
	T_Q,
	T_COLON,
	T_ARROW,
	T_IN,
};

#define MAX_DEPTH 64
#define MAX_LAMBDAS 16
/* Bounds that keep parsing linear and evaluation's recursion shallow. */
#define MAX_NODES 1000
#define MAX_SRC 160

struct parser {
	const char *text;
	size_t pos; /* next char */
	/* current token */
	enum tok t;
	size_t start, end;
	double num;
	char *str;

	const struct cta_expr_env *env;
	const char *lambdas[MAX_LAMBDAS];
	size_t n_lambdas;
	int depth;
	size_t n_nodes;
	bool oom;
	bool failed;
	size_t err_off;
	char *err;
};

_printf_(3, 4) static void perr(struct parser *p, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	p->err_off = off;
	va_start(ap, fmt);
	if (vasprintf(&p->err, fmt, ap) < 0) {
		p->err = NULL;
		p->oom = true;
	}
	va_end(ap);
}

static bool is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool is_ident(int c)
{
	return isalnum(c) || c == '_';
}

/* Read the next token into p->t; false (with an error) on a bad token. */
static bool lex(struct parser *p)
{
	const char *s = p->text;
	size_t i = p->pos;

	free(p->str);
	p->str = NULL;
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	p->start = i;
	if (!s[i]) {
		p->t = T_EOF;
		p->end = p->pos = i;
		return true;
	}
	if (isdigit((unsigned char)s[i]) || (s[i] == '.' && isdigit((unsigned char)s[i + 1]))) {
		size_t j = i;
		char *copy;

		while (isdigit((unsigned char)s[j]))
			j++;
		if (s[j] == '.' && isdigit((unsigned char)s[j + 1])) {
			j++;
			while (isdigit((unsigned char)s[j]))
				j++;
		}
		if ((s[j] == 'e' || s[j] == 'E') &&
		    (isdigit((unsigned char)s[j + 1]) ||
		     ((s[j + 1] == '+' || s[j + 1] == '-') && isdigit((unsigned char)s[j + 2])))) {
			j += 2;
			while (isdigit((unsigned char)s[j]))
				j++;
		}
		if (is_ident((unsigned char)s[j])) {
			perr(p, i, "invalid number '%.*s'", (int)(j - i + 1), s + i);
			return false;
		}
		copy = strndup(s + i, j - i);
		if (!copy) {
			p->oom = true;
			perr(p, i, "out of memory");
			return false;
		}
		p->num = strtod(copy, NULL);
		free(copy);
		p->t = T_NUM;
		p->end = p->pos = j;
		return true;
	}
	if (s[i] == '"' || s[i] == '\'') {
		char q = s[i];
		size_t j = i + 1, n = 0;
		char *out = malloc(strlen(s + i) + 1);

		if (!out) {
			p->oom = true;
			perr(p, i, "out of memory");
			return false;
		}
		for (;;) {
			if (!s[j]) {
				free(out);
				perr(p, i, "unterminated string");
				return false;
			}
			if (s[j] == q)
				break;
			if (s[j] == '\\') {
				char c = s[j + 1];

				if (c == '"' || c == '\'' || c == '\\')
					out[n++] = c;
				else if (c == 'n')
					out[n++] = '\n';
				else if (c == 't')
					out[n++] = '\t';
				else {
					free(out);
					perr(p, j, "unknown escape '\\%c' in string", c ? c : ' ');
					return false;
				}
				j += 2;
				continue;
			}
			out[n++] = s[j++];
		}
		out[n] = 0;
		p->str = out;
		p->t = T_STR;
		p->end = p->pos = j + 1;
		return true;
	}
	if (is_ident_start((unsigned char)s[i])) {
		size_t j = i;

		while (is_ident((unsigned char)s[j]))
			j++;
		p->str = strndup(s + i, j - i);
		if (!p->str) {
			p->oom = true;
			perr(p, i, "out of memory");
			return false;
		}
		p->t = streq(p->str, "in") ? T_IN : T_IDENT;
		p->end = p->pos = j;
		return true;
	}

	static const struct {
		const char *s;
		enum tok t;
	} ops[] = {
		{ "==", T_EQ },	  { "!=", T_NE },  { "<=", T_LE },    { ">=", T_GE },
		{ "&&", T_AND },  { "||", T_OR },  { "=>", T_ARROW }, { "(", T_LP },
		{ ")", T_RP },	  { "[", T_LB },   { "]", T_RB },     { ",", T_COMMA },
		{ ".", T_DOT },	  { "+", T_PLUS }, { "-", T_MINUS },  { "*", T_STAR },
		{ "/", T_SLASH }, { "%", T_PCT },  { "<", T_LT },     { ">", T_GT },
		{ "!", T_NOT },	  { "?", T_Q },	   { ":", T_COLON },
	};
	for (size_t k = 0; k < ELEMENTSOF(ops); k++) {
		size_t l = strlen(ops[k].s);

		if (strneq(s + i, ops[k].s, l)) {
			p->t = ops[k].t;
			p->end = p->pos = i + l;
			return true;
		}
	}
	if (s[i] == '=')
		perr(p, i, "unexpected '=' (comparison is '==')");
	else if (s[i] == '&' || s[i] == '|')
		perr(p, i, "unexpected '%c' (logic is '%c%c')", s[i], s[i], s[i]);
	else if (isprint((unsigned char)s[i]))
		perr(p, i, "unexpected character '%c'", s[i]);
	else
		perr(p, i, "unexpected byte 0x%02x", (unsigned char)s[i]);
	return false;
}

static const char *tok_name(enum tok t)
{
	static const char *const names[] = {
		[T_EOF] = "end of expression",
		[T_NUM] = "number",
		[T_STR] = "string",
		[T_IDENT] = "name",
		[T_LP] = "'('",
		[T_RP] = "')'",
		[T_LB] = "'['",
		[T_RB] = "']'",
		[T_COMMA] = "','",
		[T_DOT] = "'.'",
		[T_PLUS] = "'+'",
		[T_MINUS] = "'-'",
		[T_STAR] = "'*'",
		[T_SLASH] = "'/'",
		[T_PCT] = "'%'",
		[T_EQ] = "'=='",
		[T_NE] = "'!='",
		[T_LT] = "'<'",
		[T_LE] = "'<='",
		[T_GT] = "'>'",
		[T_GE] = "'>='",
		[T_AND] = "'&&'",
		[T_OR] = "'||'",
		[T_NOT] = "'!'",
		[T_Q] = "'?'",
		[T_COLON] = "':'",
		[T_ARROW] = "'=>'",
		[T_IN] = "'in'",
	};
	return names[t];
}

static void unexpected(struct parser *p, const char *wanted)
{
	if (p->t == T_EOF)
		perr(p, p->start, "expected %s, found the end of the expression", wanted);
	else
		perr(p, p->start, "expected %s, found %s '%.*s'", wanted, tok_name(p->t),
		     (int)(p->end - p->start), p->text + p->start);
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
		perr(p, start, "expression too long (more than %d parts)", MAX_NODES);
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e)
		e->src = strndup(p->text + start, MIN(end - start, (size_t)MAX_SRC + 1));
	if (!e || !e->src) {
		free(e);
		p->oom = true;
		perr(p, start, "out of memory");
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
		p->oom = true;
		perr(p, 0, "out of memory");
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
		p->oom = true;
		perr(p, start, "out of memory");
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
	if (fschema_find(roots, name))
		return true;
	for (size_t i = 0; i < ELEMENTSOF(fns); i++)
		if (streq(fns[i].name, name))
			return true;
	return false;
}

static struct cta_expr *parse_call(struct parser *p, const char *name, size_t start)
{
	struct cta_expr *e;
	int fi = -1;

	for (size_t i = 0; i < ELEMENTSOF(fns); i++)
		if (streq(fns[i].name, name))
			fi = (int)i;
	if (fi < 0) {
		perr(p, start, "unknown function '%s'", name);
		return NULL;
	}
	e = node_new(p, N_CALL, start, p->end);
	if (!e)
		return NULL;
	e->op = fi;
	if (!lex(p)) /* past '(' */
		goto fail;
	if (p->t != T_RP)
		for (;;) {
			struct cta_expr *arg;
			size_t argstart = p->start;
			bool lambda = false;

			if (p->t == T_IDENT) {
				_cleanup_free_ char *var = strdup(p->str);

				if (!var) {
					p->oom = true;
					goto fail;
				}
				if (!lex(p))
					goto fail;
				if (p->t == T_ARROW) {
					lambda = true;
					if (cta_expr_reserved_name(var)) {
						perr(p, argstart, "'%s' cannot be a variable name",
						     var);
						goto fail;
					}
					if (e->n_kids != 1 || fns[fi].lambda == LAMBDA_NO) {
						perr(p, argstart,
						     "a function 'x => ...' is not allowed here");
						goto fail;
					}
					if (p->n_lambdas == MAX_LAMBDAS) {
						perr(p, argstart, "too many nested functions");
						goto fail;
					}
					if (!lex(p))
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
					if (!lex(p))
						goto fail;
				}
			}
			if (!lambda) {
				if (e->n_kids == 1 && fns[fi].lambda == LAMBDA_REQUIRED) {
					perr(p, argstart,
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
				if (!lex(p))
					goto fail;
				continue;
			}
			if (p->t == T_RP)
				break;
			unexpected(p, "',' or ')'");
			goto fail;
		}
	if ((int)e->n_kids < fns[fi].min || (fns[fi].max >= 0 && (int)e->n_kids > fns[fi].max)) {
		if (fns[fi].min == fns[fi].max)
			perr(p, start, "'%s' takes %d argument%s, not %zu", name, fns[fi].min,
			     fns[fi].min == 1 ? "" : "s", e->n_kids);
		else if (fns[fi].max < 0)
			perr(p, start, "'%s' takes at least %d argument%s, not %zu", name,
			     fns[fi].min, fns[fi].min == 1 ? "" : "s", e->n_kids);
		else
			perr(p, start, "'%s' takes %d to %d arguments, not %zu", name, fns[fi].min,
			     fns[fi].max, e->n_kids);
		goto fail;
	}
	node_set_src(p, e, start, p->end);
	if (!lex(p)) /* past ')' */
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
		if (!lex(p))
			goto fail;
		return e;
	case T_STR:
		e = node_new(p, N_STR, start, p->end);
		if (!e)
			return NULL;
		e->s = TAKE_PTR(p->str);
		if (!lex(p))
			goto fail;
		return e;
	case T_LP:
		if (!lex(p))
			return NULL;
		e = parse_cond(p);
		if (!e)
			return NULL;
		if (p->t != T_RP) {
			unexpected(p, "')'");
			goto fail;
		}
		if (!lex(p))
			goto fail;
		return e;
	case T_LB:
		e = node_new(p, N_LIST, start, p->end);
		if (!e || !lex(p))
			goto fail;
		if (p->t != T_RB)
			for (;;) {
				struct cta_expr *k = parse_cond(p);

				if (!k || !node_add(p, e, k))
					goto fail;
				if (p->t == T_COMMA) {
					if (!lex(p))
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
		if (!lex(p))
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

	if (!lex(p))
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
		if (!lex(p))
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
			p->oom = true;
			perr(p, start, "out of memory");
			goto fail;
		}
		if (!lex(p))
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
	const struct fschema *root = fschema_find(roots, name);

	if (root) {
		e = node_new(p, N_ROOT, start, end);
		if (!e)
			return NULL;
		e->s = TAKE_PTR(name);
		e->path = true;
		e->schema = root->sub;
		return e;
	}
	perr(p, start, "unknown name '%s'", name);
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
	const struct fschema *f = fschema_find(base->schema, name);

	if (!f) {
		perr(p, name_off, "unknown fact '%s' (see docs/facts.md)", e->src);
		return false;
	}
	e->schema = f->sub;
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
			if (!lex(p))
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
				p->oom = true;
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
			if (!lex(p))
				goto fail;
		} else if (p->t == T_LB) {
			size_t idx_off;
			struct cta_expr *idx;

			if (!lex(p))
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
				p->oom = true;
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
					p->oom = true;
					perr(p, idx_off, "out of memory");
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
			if (p->failed || !lex(p))
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
		p->oom = true;
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
		perr(p, start, "expression nested too deeply");
		return NULL;
	}
	if (!lex(p))
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
		p->oom = true;
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

		if (!lex(p)) {
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

		if (!lex(p)) {
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
		const char *name = tok_name(op);
		char optext[4] = { 0 };

		/* tok_name gives "'=='": strip the quotes */
		memcpy(optext, name + 1, MIN(strlen(name) - 2, sizeof(optext) - 1));
		if (!lex(p)) {
			cta_expr_free(e);
			return NULL;
		}
		e = bin_node(p, N_BIN, op, e, parse_add(p), optext);
		if (e && is_cmp(p->t)) {
			perr(p, p->start, "comparisons cannot be chained; use '&&'");
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
		if (!lex(p)) {
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
		if (!lex(p)) {
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
		perr(p, p->start, "expression nested too deeply");
		return NULL;
	}
	c = parse_or(p);
	if (!c || p->t != T_Q) {
		p->depth--;
		return c;
	}
	if (!lex(p)) {
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
	if (!lex(p)) {
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
		p->oom = true;
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

	if (lex(&p)) {
		if (p.t == T_EOF)
			perr(&p, 0, "empty expression");
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
	if (p.failed || !e) {
		cta_expr_free(e);
		if (p.oom) {
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

	if (lex(&p)) {
		if (p.t == T_EOF)
			perr(&p, 0, "empty expression");
		while (!p.failed) {
			struct cta_expr *e = parse_cond(&p), **nv;

			if (!e)
				break;
			nv = realloc(v, (n + 2) * sizeof(*v));
			if (!nv) {
				cta_expr_free(e);
				p.oom = true;
				perr(&p, 0, "out of memory");
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
			if (!lex(&p))
				break;
		}
	}
	free(p.str);
	if (p.failed) {
		for (size_t i = 0; i < n; i++)
			cta_expr_free(v[i]);
		free(v);
		if (p.oom) {
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

/* ---- values -------------------------------------------------------------- */

void cta_val_done(struct cta_val *v)
{
	free(v->s);
	json_decref(v->j);
	*v = (struct cta_val){ 0 };
}

static void v_set(struct cta_val *v, enum cta_val_kind k)
{
	*v = (struct cta_val){ .kind = k };
}

_printf_(3, 4) static void v_fmt(struct cta_val *v, enum cta_val_kind k, const char *fmt, ...)
{
	va_list ap;

	*v = (struct cta_val){ .kind = k };
	va_start(ap, fmt);
	if (vasprintf(&v->s, fmt, ap) < 0)
		v->s = NULL;
	va_end(ap);
	if (!v->s)
		v->kind = CTA_VAL_ERROR;
}

#define v_error(v, ...) v_fmt(v, CTA_VAL_ERROR, __VA_ARGS__)

static void v_num(struct cta_val *v, double n)
{
	*v = (struct cta_val){ .kind = CTA_VAL_NUM, .n = n };
}

static void v_bool(struct cta_val *v, bool b)
{
	*v = (struct cta_val){ .kind = CTA_VAL_BOOL, .b = b };
}

static void v_str(struct cta_val *v, char *s)
{
	if (!s) {
		v_set(v, CTA_VAL_ERROR);
		return;
	}
	*v = (struct cta_val){ .kind = CTA_VAL_STR, .s = s };
}

static void v_missing(struct cta_val *v, const char *what)
{
	v_fmt(v, CTA_VAL_MISSING, "%s", what);
}

static bool v_bad(const struct cta_val *v)
{
	return v->kind == CTA_VAL_MISSING || v->kind == CTA_VAL_ERROR;
}

static void v_copy(struct cta_val *dst, const struct cta_val *src)
{
	*dst = *src;
	if (src->s) {
		dst->s = strdup(src->s);
		if (!dst->s) {
			dst->j = NULL;
			v_set(dst, CTA_VAL_ERROR);
			return;
		}
	}
	if (src->j)
		json_incref(src->j);
}

static void v_from_json(struct cta_val *v, json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_STRING:
		v_str(v, strndup(json_string_value(j), json_string_length(j)));
		break;
	case JSON_INTEGER:
		v_num(v, (double)json_integer_value(j));
		break;
	case JSON_REAL:
		v_num(v, json_real_value(j));
		break;
	case JSON_TRUE:
		v_bool(v, true);
		break;
	case JSON_FALSE:
		v_bool(v, false);
		break;
	case JSON_NULL:
		v_set(v, CTA_VAL_NULL);
		break;
	case JSON_ARRAY:
		*v = (struct cta_val){ .kind = CTA_VAL_LIST, .j = json_incref(j) };
		break;
	case JSON_OBJECT:
		*v = (struct cta_val){ .kind = CTA_VAL_OBJ, .j = json_incref(j) };
		break;
	}
}

/* A new JSON value for @v, or NULL for missing/error/ENOMEM. */
static json_t *v_to_json(const struct cta_val *v)
{
	switch (v->kind) {
	case CTA_VAL_NULL:
		return json_null();
	case CTA_VAL_BOOL:
		return json_boolean(v->b);
	case CTA_VAL_NUM:
		if (v->n == floor(v->n) && fabs(v->n) < 9007199254740992.0)
			return json_integer((json_int_t)v->n);
		return json_real(v->n);
	case CTA_VAL_STR:
	case CTA_VAL_VERSION:
		return json_string(v->s);
	case CTA_VAL_LIST:
	case CTA_VAL_OBJ:
		return json_incref(v->j);
	default:
		return NULL;
	}
}

static const char *kind_name(enum cta_val_kind k)
{
	switch (k) {
	case CTA_VAL_MISSING:
		return "missing";
	case CTA_VAL_ERROR:
		return "an error";
	case CTA_VAL_NULL:
		return "null";
	case CTA_VAL_BOOL:
		return "a boolean";
	case CTA_VAL_NUM:
		return "a number";
	case CTA_VAL_STR:
		return "a string";
	case CTA_VAL_VERSION:
		return "a version";
	case CTA_VAL_LIST:
		return "a list";
	case CTA_VAL_OBJ:
		return "an object";
	}
	return "?";
}

static bool str_to_num(const char *s, double *ret)
{
	char *end;
	double d;

	while (isspace((unsigned char)*s))
		s++;
	if (!(isdigit((unsigned char)*s) || *s == '-' || *s == '+' || *s == '.'))
		return false;
	if (strpbrk(s, "xXnNiI"))
		return false;
	errno = 0;
	d = strtod(s, &end);
	if (end == s || errno == ERANGE)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return false;
	*ret = d;
	return true;
}

/* Number from a number or numeric string; otherwise an error in @err. */
static bool to_num(const struct cta_val *v, double *ret, struct cta_val *err)
{
	if (v->kind == CTA_VAL_NUM) {
		*ret = v->n;
		return true;
	}
	if (v->kind == CTA_VAL_STR) {
		if (str_to_num(v->s, ret))
			return true;
		v_error(err, "'%s' is not a number", v->s);
		return false;
	}
	v_error(err, "expected a number, got %s", kind_name(v->kind));
	return false;
}

static char *fmt_num(double n)
{
	char *s;

	if (isnan(n))
		return strdup("nan");
	if (isinf(n))
		return strdup(n > 0 ? "inf" : "-inf");
	if (n == floor(n) && fabs(n) < 1e15) {
		if (n == 0)
			n = 0; /* no "-0" */
		return asprintf(&s, "%.0f", n) < 0 ? NULL : s;
	}
	if (asprintf(&s, "%.3f", n) < 0)
		return NULL;
	size_t l = strlen(s);

	while (l > 0 && s[l - 1] == '0')
		s[--l] = 0;
	if (l > 0 && s[l - 1] == '.')
		s[--l] = 0;
	return s;
}

static char *fmt_json(json_t *j);

static char *fmt_list(json_t *a)
{
	size_t len = 0;
	FILE *f;
	char *buf = NULL;
	size_t i;
	json_t *x;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	json_array_foreach(a, i, x) {
		_cleanup_free_ char *s = fmt_json(x);

		if (!s) {
			fclose(f);
			free(buf);
			return NULL;
		}
		fprintf(f, "%s%s", i ? ", " : "", s);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static char *fmt_json(json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_STRING:
		return strdup(json_string_value(j));
	case JSON_INTEGER:
		return fmt_num((double)json_integer_value(j));
	case JSON_REAL:
		return fmt_num(json_real_value(j));
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_NULL:
		return strdup("null");
	case JSON_ARRAY:
		return fmt_list(j);
	case JSON_OBJECT:
		return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	}
	return NULL;
}

char *cta_val_format(const struct cta_val *v)
{
	switch (v->kind) {
	case CTA_VAL_MISSING:
		return strdup("unknown");
	case CTA_VAL_ERROR: {
		char *s;

		return asprintf(&s, "(error: %s)", v->s ? v->s : "out of memory") < 0 ? NULL : s;
	}
	case CTA_VAL_NULL:
		return strdup("null");
	case CTA_VAL_BOOL:
		return strdup(v->b ? "true" : "false");
	case CTA_VAL_NUM:
		return fmt_num(v->n);
	case CTA_VAL_STR:
	case CTA_VAL_VERSION:
		return strdup(v->s);
	case CTA_VAL_LIST:
		return fmt_list(v->j);
	case CTA_VAL_OBJ:
		return json_dumps(v->j, JSON_COMPACT | JSON_SORT_KEYS);
	}
	return NULL;
}

/* ---- versions and ports -------------------------------------------------- */

bool cta_version_parse(const char *s, long ret[8], int *ret_n)
{
	int n = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == 'v')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	while (n < 8 && isdigit((unsigned char)*s)) {
		long x = 0;

		while (isdigit((unsigned char)*s)) {
			if (x < 100000000)
				x = x * 10 + (*s - '0');
			s++;
		}
		ret[n++] = x;
		if (*s != '.' || !isdigit((unsigned char)s[1]))
			break;
		s++;
	}
	*ret_n = n;
	return true;
}

static int version_cmp_parsed(const long *a, int na, const long *b, int nb)
{
	for (int i = 0; i < MAX(na, nb); i++) {
		long x = i < na ? a[i] : 0, y = i < nb ? b[i] : 0;

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

int cta_version_cmp(const char *a, const char *b)
{
	long va[8], vb[8];
	int na = 0, nb = 0;

	if (!cta_version_parse(a, va, &na))
		na = 0;
	if (!cta_version_parse(b, vb, &nb))
		nb = 0;
	return version_cmp_parsed(va, na, vb, nb);
}

struct prange {
	long lo, hi;
};

struct pspec {
	struct prange *v;
	size_t n;
	bool any;
};

static int pspec_add_str(struct pspec *ps, const char *s)
{
	const char *p = s;

	while (isspace((unsigned char)*p))
		p++;
	if (!*p) {
		ps->any = true;
		return 0;
	}
	while (*p) {
		long lo, hi;
		char *end;

		while (isspace((unsigned char)*p))
			p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		errno = 0;
		lo = strtol(p, &end, 10);
		if (errno || lo > 65535)
			return -EINVAL;
		p = end;
		while (isspace((unsigned char)*p))
			p++;
		hi = lo;
		if (*p == '-' || *p == ':') {
			p++;
			while (isspace((unsigned char)*p))
				p++;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			errno = 0;
			hi = strtol(p, &end, 10);
			if (errno || hi > 65535 || hi < lo)
				return -EINVAL;
			p = end;
			while (isspace((unsigned char)*p))
				p++;
		}
		struct prange *v = realloc(ps->v, (ps->n + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ps->v = v;
		ps->v[ps->n++] = (struct prange){ lo, hi };
		if (*p == ',')
			p++;
		else if (*p)
			return -EINVAL;
	}
	return 0;
}

static int pspec_add_json(struct pspec *ps, json_t *j)
{
	size_t i;
	json_t *x;
	int r;

	switch (json_typeof(j)) {
	case JSON_STRING:
		return pspec_add_str(ps, json_string_value(j));
	case JSON_INTEGER: {
		json_int_t p = json_integer_value(j);
		if (p < 0 || p > 65535)
			return -EINVAL;
		struct prange *v = realloc(ps->v, (ps->n + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ps->v = v;
		ps->v[ps->n++] = (struct prange){ (long)p, (long)p };
		return 0;
	}
	case JSON_NULL:
		ps->any = true;
		return 0;
	case JSON_ARRAY:
		json_array_foreach(j, i, x) {
			r = pspec_add_json(ps, x);
			if (r < 0)
				return r;
		}
		return 0;
	default:
		return -EINVAL;
	}
}

int cta_port_spec_contains(const char *spec, long p)
{
	struct pspec ps = { 0 };
	int r = pspec_add_str(&ps, spec);

	if (r >= 0) {
		r = ps.any;
		for (size_t i = 0; i < ps.n && !r; i++)
			r = p >= ps.v[i].lo && p <= ps.v[i].hi;
	}
	free(ps.v);
	return r;
}

/* Spec from a value: string, number, list; missing/null/"" = any port. */
static bool pspec_from_val(const struct cta_val *v, struct pspec *ps, struct cta_val *err)
{
	json_t *j;
	int r;

	if (v->kind == CTA_VAL_MISSING || v->kind == CTA_VAL_NULL) {
		ps->any = true;
		return true;
	}
	if (v->kind == CTA_VAL_NUM) {
		if (v->n < 0 || v->n > 65535 || v->n != floor(v->n)) {
			v_error(err, "'%g' is not a port", v->n);
			return false;
		}
	}
	j = v_to_json(v);
	if (!j) {
		v_error(err, "expected a port spec, got %s", kind_name(v->kind));
		return false;
	}
	r = pspec_add_json(ps, j);
	json_decref(j);
	if (r < 0) {
		_cleanup_free_ char *s = cta_val_format(v);

		v_error(err, "invalid port spec '%s'", s ? s : "?");
		return false;
	}
	return true;
}

static bool parse_range(const char *s, long *lo, long *hi)
{
	char *end;

	errno = 0;
	*lo = strtol(s, &end, 10);
	if (errno || end == s)
		return false;
	s = end;
	while (isspace((unsigned char)*s) || *s == '-' || *s == ':')
		s++;
	errno = 0;
	*hi = strtol(s, &end, 10);
	if (errno || end == s)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	return *end == 0;
}

/* ---- evaluation ---------------------------------------------------------- */

static void eval(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *ret);

/* Compare: 0 and *cmp set, 1 if unordered and unequal (different kinds), -1 on error in @err. */
static int compare(const struct cta_val *a, const struct cta_val *b, int *cmp, struct cta_val *err)
{
	double x, y;

	if (a->kind == CTA_VAL_VERSION || b->kind == CTA_VAL_VERSION) {
		_cleanup_free_ char *sa = cta_val_format(a), *sb = cta_val_format(b);
		long va[8], vb[8];
		int na, nb;

		if (!sa || !sb) {
			v_error(err, "out of memory");
			return -1;
		}
		if (!(a->kind == CTA_VAL_VERSION || a->kind == CTA_VAL_STR ||
		      a->kind == CTA_VAL_NUM) ||
		    !(b->kind == CTA_VAL_VERSION || b->kind == CTA_VAL_STR ||
		      b->kind == CTA_VAL_NUM)) {
			v_error(err, "cannot compare %s with %s", kind_name(a->kind),
				kind_name(b->kind));
			return -1;
		}
		if (!cta_version_parse(sa, va, &na)) {
			v_error(err, "'%s' is not a version", sa);
			return -1;
		}
		if (!cta_version_parse(sb, vb, &nb)) {
			v_error(err, "'%s' is not a version", sb);
			return -1;
		}
		*cmp = version_cmp_parsed(va, na, vb, nb);
		return 0;
	}
	if ((a->kind == CTA_VAL_NUM || a->kind == CTA_VAL_STR) &&
	    (b->kind == CTA_VAL_NUM || b->kind == CTA_VAL_STR)) {
		bool nx = a->kind == CTA_VAL_NUM ? (x = a->n, true) : str_to_num(a->s, &x);
		bool ny = b->kind == CTA_VAL_NUM ? (y = b->n, true) : str_to_num(b->s, &y);

		if (nx && ny) {
			*cmp = x < y ? -1 : x > y ? 1 : 0;
			return 0;
		}
		if (a->kind == CTA_VAL_STR && b->kind == CTA_VAL_STR) {
			int r = strcmp(a->s, b->s);

			*cmp = r < 0 ? -1 : r > 0;
			return 0;
		}
		return 1;
	}
	if (a->kind != b->kind)
		return 1;
	switch (a->kind) {
	case CTA_VAL_NULL:
		*cmp = 0;
		return 0;
	case CTA_VAL_BOOL:
		*cmp = a->b == b->b ? 0 : a->b ? 1 : -1;
		return 0;
	case CTA_VAL_LIST:
	case CTA_VAL_OBJ:
		return json_equal(a->j, b->j) ? (*cmp = 0, 0) : 1;
	default:
		return 1;
	}
}

static bool ordered_ok(const struct cta_val *a, const struct cta_val *b)
{
	/* ordering is defined for numbers, strings and versions only */
	return (a->kind == CTA_VAL_NUM || a->kind == CTA_VAL_STR || a->kind == CTA_VAL_VERSION) &&
	       (b->kind == CTA_VAL_NUM || b->kind == CTA_VAL_STR || b->kind == CTA_VAL_VERSION);
}

static bool vals_equal(const struct cta_val *a, const struct cta_val *b)
{
	struct cta_val err = { 0 };
	int cmp = 1, r = compare(a, b, &cmp, &err);

	cta_val_done(&err);
	return r == 0 && cmp == 0;
}

static void eval_bin(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *ret)
{
	struct cta_val a, b;
	double x, y;

	eval(e->kids[0], c, &a);
	if (v_bad(&a)) {
		*ret = a;
		return;
	}
	eval(e->kids[1], c, &b);
	if (v_bad(&b)) {
		cta_val_done(&a);
		*ret = b;
		return;
	}
	switch (e->op) {
	case T_PLUS:
	case T_MINUS:
	case T_STAR:
	case T_SLASH:
	case T_PCT:
		if (!to_num(&a, &x, ret) || !to_num(&b, &y, ret))
			break;
		if ((e->op == T_SLASH || e->op == T_PCT) && y == 0) {
			v_error(ret, "division by zero in '%s'", e->src);
			break;
		}
		v_num(ret, e->op == T_PLUS  ? x + y :
			   e->op == T_MINUS ? x - y :
			   e->op == T_STAR  ? x * y :
			   e->op == T_SLASH ? x / y :
					      fmod(x, y));
		break;
	case T_EQ:
	case T_NE: {
		int cmp = 1, r = compare(&a, &b, &cmp, ret);

		if (r < 0)
			break;
		v_bool(ret, (r == 0 && cmp == 0) == (e->op == T_EQ));
		break;
	}
	case T_LT:
	case T_LE:
	case T_GT:
	case T_GE: {
		int cmp = 0, r;

		if (!ordered_ok(&a, &b)) {
			v_error(ret, "cannot order %s and %s in '%s'", kind_name(a.kind),
				kind_name(b.kind), e->src);
			break;
		}
		r = compare(&a, &b, &cmp, ret);
		if (r < 0)
			break;
		if (r == 1) {
			v_error(ret, "cannot order %s and %s in '%s'", kind_name(a.kind),
				kind_name(b.kind), e->src);
			break;
		}
		v_bool(ret, e->op == T_LT ? cmp < 0 :
			    e->op == T_LE ? cmp <= 0 :
			    e->op == T_GT ? cmp > 0 :
					    cmp >= 0);
		break;
	}
	case T_IN:
		if (b.kind == CTA_VAL_LIST) {
			size_t i;
			json_t *x_;
			bool found = false;

			json_array_foreach(b.j, i, x_) {
				struct cta_val el;

				v_from_json(&el, x_);
				found = vals_equal(&a, &el);
				cta_val_done(&el);
				if (found)
					break;
			}
			v_bool(ret, found);
		} else if (b.kind == CTA_VAL_OBJ) {
			if (a.kind != CTA_VAL_STR)
				v_error(ret, "object keys are strings, not %s", kind_name(a.kind));
			else
				v_bool(ret, json_object_get(b.j, a.s) != NULL);
		} else if (b.kind == CTA_VAL_STR) {
			_cleanup_free_ char *s = cta_val_format(&a);

			if (!s)
				v_error(ret, "out of memory");
			else
				v_bool(ret, strstr(b.s, s) != NULL);
		} else
			v_error(ret, "'in' needs a list, object or string, not %s",
				kind_name(b.kind));
		break;
	default:
		v_error(ret, "internal error: operator %d", e->op);
	}
	cta_val_done(&a);
	cta_val_done(&b);
}

static bool want_bool(const struct cta_val *v, const struct cta_expr *e, struct cta_val *ret)
{
	if (v->kind == CTA_VAL_BOOL)
		return true;
	v_error(ret, "'%s' is %s, not true or false", e->src, kind_name(v->kind));
	return false;
}

/* Call the lambda @l with @el bound to its variable. */
static void call_lambda(const struct cta_expr *l, struct cta_eval_ctx *c, struct cta_val *el,
			struct cta_val *ret)
{
	if (c->n_vars >= ELEMENTSOF(c->vars)) {
		v_error(ret, "functions nested too deeply");
		return;
	}
	c->vars[c->n_vars++] = el;
	eval(l->kids[0], c, ret);
	c->n_vars--;
}

static void eval_list_fn(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *ret)
{
	enum fn f = (enum fn)e->op;
	struct cta_val list;
	const struct cta_expr *l = e->n_kids > 1 ? e->kids[1] : NULL;
	json_t *out = NULL;
	double acc = 0;
	size_t cnt = 0, i;
	bool have = false, any_missing = false;
	struct cta_val missing = { 0 };
	json_t *x;

	eval(e->kids[0], c, &list);
	if (v_bad(&list)) {
		*ret = list;
		return;
	}
	if (list.kind != CTA_VAL_LIST) {
		v_error(ret, "'%s' needs a list, not %s", fns[f].name, kind_name(list.kind));
		cta_val_done(&list);
		return;
	}
	if (f == F_FILTER || f == F_MAP) {
		out = json_array();
		if (!out) {
			v_error(ret, "out of memory");
			cta_val_done(&list);
			return;
		}
	}
	json_array_foreach(list.j, i, x) {
		struct cta_val el, r;

		v_from_json(&el, x);
		if (l)
			call_lambda(l, c, &el, &r);
		else
			v_copy(&r, &el);
		if (r.kind == CTA_VAL_ERROR) {
			cta_val_done(&el);
			json_decref(out);
			cta_val_done(&list);
			cta_val_done(&missing);
			*ret = r;
			return;
		}
		if (r.kind == CTA_VAL_MISSING) {
			/* any/all can still be decided by another element */
			if (!any_missing)
				missing = r;
			else
				cta_val_done(&r);
			any_missing = true;
			cta_val_done(&el);
			if (f == F_ANY || f == F_ALL)
				continue;
			break;
		}
		switch (f) {
		case F_ANY:
		case F_ALL:
		case F_COUNT:
		case F_FILTER:
		case F_FIRST:
			if (!want_bool(&r, l->kids[0], ret)) {
				cta_val_done(&r);
				cta_val_done(&el);
				json_decref(out);
				cta_val_done(&list);
				cta_val_done(&missing);
				return;
			}
			break;
		default:
			break;
		}
		bool stop = false;

		switch (f) {
		case F_ANY:
			if (r.b) {
				have = true;
				stop = true;
			}
			break;
		case F_ALL:
			if (!r.b) {
				have = true; /* found a false */
				stop = true;
			}
			break;
		case F_COUNT:
			cnt += r.b;
			break;
		case F_FILTER:
			if (r.b && json_array_append(out, x) < 0)
				stop = true;
			break;
		case F_MAP: {
			json_t *j = v_to_json(&r);

			if (!j || json_array_append_new(out, j) < 0)
				stop = true;
			break;
		}
		case F_FIRST:
			if (r.b) {
				cta_val_done(&r);
				cta_val_done(&list);
				cta_val_done(&missing);
				*ret = el;
				return;
			}
			break;
		case F_SUM:
		case F_MAX_OF:
		case F_MIN_OF: {
			double n;

			if (!to_num(&r, &n, ret)) {
				cta_val_done(&r);
				cta_val_done(&el);
				cta_val_done(&list);
				cta_val_done(&missing);
				return;
			}
			if (f == F_SUM)
				acc += n;
			else if (!have || (f == F_MAX_OF ? n > acc : n < acc))
				acc = n;
			have = true;
			break;
		}
		default:
			break;
		}
		cta_val_done(&r);
		cta_val_done(&el);
		if (stop)
			break;
	}
	cta_val_done(&list);
	if ((f == F_ANY && have) || (f == F_ALL && have)) {
		cta_val_done(&missing);
		v_bool(ret, f == F_ANY);
		return;
	}
	if (any_missing) {
		json_decref(out);
		*ret = missing;
		return;
	}
	switch (f) {
	case F_ANY:
		v_bool(ret, false);
		break;
	case F_ALL:
		v_bool(ret, true);
		break;
	case F_COUNT:
		v_num(ret, (double)cnt);
		break;
	case F_FILTER:
	case F_MAP:
		*ret = (struct cta_val){ .kind = CTA_VAL_LIST, .j = out };
		return;
	case F_FIRST:
		v_missing(ret, e->src);
		break;
	default: /* sum, max_of, min_of: 0 for an empty list */
		v_num(ret, acc);
		break;
	}
	json_decref(out);
}

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *str_of(const struct cta_val *v)
{
	return cta_val_format(v);
}

static void eval_call(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *ret)
{
	enum fn f = (enum fn)e->op;
	struct cta_val a[2] = { 0 };
	double x, y;

	switch (f) {
	case F_ANY:
	case F_ALL:
	case F_COUNT:
	case F_FILTER:
	case F_MAP:
	case F_FIRST:
	case F_SUM:
	case F_MAX_OF:
	case F_MIN_OF:
		eval_list_fn(e, c, ret);
		return;
	case F_EXISTS:
		eval(e->kids[0], c, &a[0]);
		if (a[0].kind == CTA_VAL_ERROR) {
			*ret = a[0];
			return;
		}
		v_bool(ret, a[0].kind != CTA_VAL_MISSING);
		cta_val_done(&a[0]);
		return;
	case F_DEFAULT:
		eval(e->kids[0], c, &a[0]);
		if (a[0].kind != CTA_VAL_MISSING) {
			*ret = a[0];
			return;
		}
		cta_val_done(&a[0]);
		eval(e->kids[1], c, ret);
		return;
	case F_MIN:
	case F_MAX: {
		bool have = false;
		double best = 0;

		for (size_t i = 0; i < e->n_kids; i++) {
			struct cta_val v;

			eval(e->kids[i], c, &v);
			if (v_bad(&v)) {
				*ret = v;
				return;
			}
			if (v.kind == CTA_VAL_LIST && e->n_kids == 1) {
				size_t k;
				json_t *el;

				json_array_foreach(v.j, k, el) {
					struct cta_val ev;

					v_from_json(&ev, el);
					if (!to_num(&ev, &x, ret)) {
						cta_val_done(&ev);
						cta_val_done(&v);
						return;
					}
					cta_val_done(&ev);
					if (!have || (f == F_MIN ? x < best : x > best))
						best = x;
					have = true;
				}
				cta_val_done(&v);
				continue;
			}
			if (!to_num(&v, &x, ret)) {
				cta_val_done(&v);
				return;
			}
			cta_val_done(&v);
			if (!have || (f == F_MIN ? x < best : x > best))
				best = x;
			have = true;
		}
		if (!have)
			v_error(ret, "'%s' of an empty list", fns[f].name);
		else
			v_num(ret, best);
		return;
	}
	default:
		break;
	}

	/* the remaining functions evaluate all their arguments first */
	for (size_t i = 0; i < e->n_kids; i++) {
		eval(e->kids[i], c, &a[i]);
		/* port specs: an absent spec means any port */
		if (a[i].kind == CTA_VAL_MISSING &&
		    (f == F_PORTS_OVERLAP || (f == F_PORT_IN && i == 1)))
			continue;
		if (v_bad(&a[i])) {
			*ret = a[i];
			a[i] = (struct cta_val){ 0 };
			goto done;
		}
	}

	switch (f) {
	case F_INT:
	case F_NUM:
		if (a[0].kind == CTA_VAL_BOOL) {
			v_num(ret, a[0].b);
			break;
		}
		if (!to_num(&a[0], &x, ret))
			break;
		v_num(ret, f == F_INT ? trunc(x) : x);
		break;
	case F_STR:
		v_str(ret, str_of(&a[0]));
		break;
	case F_LEN:
		if (a[0].kind == CTA_VAL_LIST)
			v_num(ret, (double)json_array_size(a[0].j));
		else if (a[0].kind == CTA_VAL_OBJ)
			v_num(ret, (double)json_object_size(a[0].j));
		else if (a[0].kind == CTA_VAL_STR)
			v_num(ret, (double)strlen(a[0].s));
		else
			v_error(ret, "'len' needs a list, object or string, not %s",
				kind_name(a[0].kind));
		break;
	case F_ABS:
	case F_FLOOR:
	case F_CEIL:
		if (!to_num(&a[0], &x, ret))
			break;
		v_num(ret, f == F_ABS ? fabs(x) : f == F_FLOOR ? floor(x) : ceil(x));
		break;
	case F_POW2CEIL:
		/* the kernel's roundup_pow_of_two(), which sizes its hash tables */
		if (!to_num(&a[0], &x, ret))
			break;
		v_num(ret, x <= 1 ? 1 : exp2(ceil(log2(x))));
		break;
	case F_ROUND:
		if (!to_num(&a[0], &x, ret))
			break;
		y = 0;
		if (e->n_kids > 1 && !to_num(&a[1], &y, ret))
			break;
		if (y < 0 || y > 15) {
			v_error(ret, "'round' digits must be 0 to 15");
			break;
		}
		{
			double m = pow(10, floor(y));

			v_num(ret, round(x * m) / m);
		}
		break;
	case F_FIELD: {
		_cleanup_free_ char *s = str_of(&a[0]);
		long idx = 0;

		if (!s || !to_num(&a[1], &y, ret)) {
			if (!s)
				v_error(ret, "out of memory");
			break;
		}
		if (y < 0 || y > 1e6 || y != floor(y)) {
			v_error(ret, "'field' index must be a whole number >= 0");
			break;
		}
		idx = (long)y;
		char *save = NULL, *tok = strtok_r(s, " \t\n", &save);

		for (long k = 0; tok && k < idx; k++)
			tok = strtok_r(NULL, " \t\n", &save);
		if (!tok)
			v_missing(ret, e->src);
		else
			v_str(ret, strdup(tok));
		break;
	}
	case F_VERSION: {
		_cleanup_free_ char *s = str_of(&a[0]);
		long v[8];
		int n;

		if (!s)
			v_error(ret, "out of memory");
		else if (!cta_version_parse(s, v, &n))
			v_error(ret, "'%s' is not a version", s);
		else {
			*ret = (struct cta_val){ .kind = CTA_VAL_VERSION, .s = TAKE_PTR(s) };
		}
		break;
	}
	case F_RANGE_LO:
	case F_RANGE_HI:
	case F_RANGE_SIZE: {
		_cleanup_free_ char *s = str_of(&a[0]);
		long lo, hi;

		if (!s)
			v_error(ret, "out of memory");
		else if (!parse_range(s, &lo, &hi))
			v_error(ret, "'%s' is not a range like '32768 60999'", s);
		else
			v_num(ret, f == F_RANGE_LO ? (double)lo :
				   f == F_RANGE_HI ? (double)hi :
						     (double)hi - (double)lo + 1);
		break;
	}
	case F_PORT_IN: {
		struct pspec ps = { 0 };

		if (!to_num(&a[0], &x, ret))
			break;
		if (pspec_from_val(&a[1], &ps, ret)) {
			bool in = ps.any;

			for (size_t i = 0; i < ps.n && !in; i++)
				in = x >= ps.v[i].lo && x <= ps.v[i].hi;
			v_bool(ret, in);
		}
		free(ps.v);
		break;
	}
	case F_PORTS_OVERLAP: {
		struct pspec pa = { 0 }, pb = { 0 };

		if (pspec_from_val(&a[0], &pa, ret) && pspec_from_val(&a[1], &pb, ret)) {
			bool o = (pa.any && (pb.any || pb.n)) || (pb.any && pa.n);

			for (size_t i = 0; i < pa.n && !o; i++)
				for (size_t k = 0; k < pb.n && !o; k++)
					o = pa.v[i].lo <= pb.v[k].hi && pb.v[k].lo <= pa.v[i].hi;
			v_bool(ret, o);
		}
		free(pa.v);
		free(pb.v);
		break;
	}
	case F_KEYS:
	case F_VALUES: {
		json_t *out, *v;
		const char *k;

		if (a[0].kind != CTA_VAL_OBJ) {
			v_error(ret, "'%s' needs an object, not %s", fns[f].name,
				kind_name(a[0].kind));
			break;
		}
		/* sorted: copy the keys, sort, then look up */
		size_t n = json_object_size(a[0].j), i = 0;
		const char **names = calloc(n ? n : 1, sizeof(*names));

		out = json_array();
		if (!names || !out) {
			free(names);
			json_decref(out);
			v_error(ret, "out of memory");
			break;
		}
		json_object_foreach(a[0].j, k, v)
			names[i++] = k;
		qsort(names, n, sizeof(*names), strcmp_ptr);
		for (i = 0; i < n; i++)
			json_array_append_new(
				out, f == F_KEYS ? json_string(names[i]) :
						   json_incref(json_object_get(a[0].j, names[i])));
		free(names);
		*ret = (struct cta_val){ .kind = CTA_VAL_LIST, .j = out };
		break;
	}
	case F_JOIN: {
		_cleanup_free_ char *sep = str_of(&a[1]);
		size_t i, len = 0;
		json_t *el;
		char *buf = NULL;
		FILE *fp;

		if (a[0].kind != CTA_VAL_LIST) {
			v_error(ret, "'join' needs a list, not %s", kind_name(a[0].kind));
			break;
		}
		fp = open_memstream(&buf, &len);
		if (!fp || !sep) {
			if (fp)
				fclose(fp);
			free(buf);
			v_error(ret, "out of memory");
			break;
		}
		json_array_foreach(a[0].j, i, el) {
			_cleanup_free_ char *s = fmt_json(el);

			fprintf(fp, "%s%s", i ? sep : "", s ? s : "");
		}
		if (fclose(fp) != 0) {
			free(buf);
			v_error(ret, "out of memory");
			break;
		}
		v_str(ret, buf);
		break;
	}
	case F_CONTAINS:
	case F_STARTS_WITH: {
		_cleanup_free_ char *s = str_of(&a[0]), *sub = str_of(&a[1]);

		if (f == F_CONTAINS && a[0].kind == CTA_VAL_LIST) {
			size_t i;
			json_t *el;
			bool found = false;

			json_array_foreach(a[0].j, i, el) {
				struct cta_val ev;

				v_from_json(&ev, el);
				found = vals_equal(&ev, &a[1]);
				cta_val_done(&ev);
				if (found)
					break;
			}
			v_bool(ret, found);
			break;
		}
		if (a[0].kind != CTA_VAL_STR) {
			v_error(ret, "'%s' needs a string, not %s", fns[f].name,
				kind_name(a[0].kind));
			break;
		}
		if (!s || !sub) {
			v_error(ret, "out of memory");
			break;
		}
		v_bool(ret, f == F_CONTAINS ? strstr(s, sub) != NULL : strneq(s, sub, strlen(sub)));
		break;
	}
	case F_PCT: {
		char *s;

		if (!to_num(&a[0], &x, ret))
			break;
		_cleanup_free_ char *n = NULL;

		if (asprintf(&n, "%.1f", x * 100) < 0) {
			v_error(ret, "out of memory");
			break;
		}
		size_t l = strlen(n);

		if (l > 2 && streq(n + l - 2, ".0"))
			n[l - 2] = 0;
		if (streq(n, "-0"))
			n[0] = '0', n[1] = 0;
		v_str(ret, asprintf(&s, "%s %%", n) < 0 ? NULL : s);
		break;
	}
	case F_BYTES: {
		static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
		size_t u = 0;
		char *s;

		if (!to_num(&a[0], &x, ret))
			break;
		while (fabs(x) >= 1024 && u + 1 < ELEMENTSOF(units)) {
			x /= 1024;
			u++;
		}
		_cleanup_free_ char *n = fmt_num(round(x * 10) / 10);

		v_str(ret, n && asprintf(&s, "%s %s", n, units[u]) >= 0 ? s : NULL);
		break;
	}
	default:
		v_error(ret, "internal error: function %d", f);
	}
done:
	cta_val_done(&a[0]);
	cta_val_done(&a[1]);
}

static void eval(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *ret)
{
	struct cta_val a;
	json_t *j;

	switch (e->t) {
	case N_NUM:
		v_num(ret, e->n);
		return;
	case N_STR:
		v_str(ret, strdup(e->s));
		return;
	case N_BOOL:
		v_bool(ret, e->op);
		return;
	case N_NULL:
		v_set(ret, CTA_VAL_NULL);
		return;
	case N_LIST:
		j = json_array();
		if (!j) {
			v_error(ret, "out of memory");
			return;
		}
		for (size_t i = 0; i < e->n_kids; i++) {
			eval(e->kids[i], c, &a);
			if (v_bad(&a)) {
				json_decref(j);
				*ret = a;
				return;
			}
			json_array_append_new(j, v_to_json(&a));
			cta_val_done(&a);
		}
		*ret = (struct cta_val){ .kind = CTA_VAL_LIST, .j = j };
		return;
	case N_ROOT:
		j = c->facts ? json_object_get(c->facts, e->s) : NULL;
		if (!j)
			v_missing(ret, e->src);
		else
			v_from_json(ret, j);
		return;
	case N_KERNEL:
		j = c->facts ? cta_json_path(c->facts, "host.kernel") : NULL;
		if (!json_is_string(j))
			v_missing(ret, "host.kernel");
		else
			*ret = (struct cta_val){ .kind = CTA_VAL_VERSION,
						 .s = strdup(json_string_value(j)) };
		if (ret->kind == CTA_VAL_VERSION && !ret->s)
			v_set(ret, CTA_VAL_ERROR);
		return;
	case N_PARAM:
		j = c->params ? json_object_get(c->params, e->s) : NULL;
		if (!j)
			v_missing(ret, e->src);
		else
			v_from_json(ret, j);
		return;
	case N_LET:
		if ((size_t)e->op >= c->n_lets) {
			v_error(ret, "'%s' is used before it is computed", e->src);
			return;
		}
		v_copy(ret, &c->lets[e->op]);
		return;
	case N_VAR:
		if ((size_t)e->op >= c->n_vars) {
			v_error(ret, "internal error: variable '%s'", e->src);
			return;
		}
		v_copy(ret, c->vars[e->op]);
		return;
	case N_MEMBER:
	case N_INDEX: {
		struct cta_val idx = { 0 };

		eval(e->kids[0], c, &a);
		if (v_bad(&a)) {
			if (a.kind == CTA_VAL_MISSING && e->path) {
				cta_val_done(&a);
				v_missing(ret, e->src);
			} else
				*ret = a;
			return;
		}
		if (e->t == N_INDEX) {
			eval(e->kids[1], c, &idx);
			if (v_bad(&idx)) {
				cta_val_done(&a);
				*ret = idx;
				return;
			}
		} else
			v_str(&idx, strdup(e->s));
		if (a.kind == CTA_VAL_OBJ && idx.kind == CTA_VAL_STR) {
			j = json_object_get(a.j, idx.s);
			if (!j)
				v_missing(ret, e->src);
			else
				v_from_json(ret, j);
		} else if (a.kind == CTA_VAL_LIST && idx.kind == CTA_VAL_NUM) {
			if (idx.n != floor(idx.n))
				v_error(ret, "index '%s' is not a whole number", e->src);
			else if (idx.n < 0 || idx.n >= (double)json_array_size(a.j))
				v_missing(ret, e->src);
			else
				v_from_json(ret, json_array_get(a.j, (size_t)idx.n));
		} else if (e->t == N_MEMBER)
			v_error(ret, "'%s': %s has no members", e->src, kind_name(a.kind));
		else
			v_error(ret, "'%s': cannot index %s with %s", e->src, kind_name(a.kind),
				kind_name(idx.kind));
		cta_val_done(&a);
		cta_val_done(&idx);
		return;
	}
	case N_NEG: {
		double x;

		eval(e->kids[0], c, &a);
		if (v_bad(&a)) {
			*ret = a;
			return;
		}
		if (to_num(&a, &x, ret))
			v_num(ret, -x);
		cta_val_done(&a);
		return;
	}
	case N_NOT:
		eval(e->kids[0], c, &a);
		if (v_bad(&a)) {
			*ret = a;
			return;
		}
		if (want_bool(&a, e->kids[0], ret))
			v_bool(ret, !a.b);
		cta_val_done(&a);
		return;
	case N_AND:
	case N_OR: {
		bool is_and = e->t == N_AND;

		eval(e->kids[0], c, &a);
		if (v_bad(&a)) {
			*ret = a;
			return;
		}
		if (!want_bool(&a, e->kids[0], ret)) {
			cta_val_done(&a);
			return;
		}
		if (a.b != is_and) { /* false && x, true || x */
			*ret = a;
			return;
		}
		eval(e->kids[1], c, &a);
		if (v_bad(&a)) {
			*ret = a;
			return;
		}
		if (want_bool(&a, e->kids[1], ret))
			*ret = a;
		else
			cta_val_done(&a);
		return;
	}
	case N_COND:
		eval(e->kids[0], c, &a);
		if (v_bad(&a)) {
			*ret = a;
			return;
		}
		if (want_bool(&a, e->kids[0], ret))
			eval(e->kids[a.b ? 1 : 2], c, ret);
		cta_val_done(&a);
		return;
	case N_BIN:
		eval_bin(e, c, ret);
		return;
	case N_CALL:
		eval_call(e, c, ret);
		return;
	case N_LAMBDA:
		v_error(ret, "a function 'x => ...' is not a value");
		return;
	}
	v_error(ret, "internal error: node %d", e->t);
}

void cta_expr_eval(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *ret)
{
	c->n_vars = 0;
	eval(e, c, ret);
	if (ret->kind == CTA_VAL_ERROR && !ret->s)
		ret->s = strdup("out of memory");
}

/* ---- templates ----------------------------------------------------------- */

struct tseg {
	char *text; /* literal, or NULL */
	struct cta_expr *e; /* expression, or NULL */
};

struct cta_tmpl {
	struct tseg *v;
	size_t n;
};

void cta_tmpl_free(struct cta_tmpl *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].text);
		cta_expr_free(t->v[i].e);
	}
	free(t->v);
	free(t);
}

static int tmpl_add(struct cta_tmpl *t, char *text, struct cta_expr *e)
{
	struct tseg *v = realloc(t->v, (t->n + 1) * sizeof(*v));

	if (!v) {
		free(text);
		cta_expr_free(e);
		return -ENOMEM;
	}
	t->v = v;
	t->v[t->n++] = (struct tseg){ text, e };
	return 0;
}

int cta_tmpl_parse(const char *text, const struct cta_expr_env *env, struct cta_tmpl **ret,
		   size_t *ret_err_off, char **ret_err)
{
	_cleanup_(cta_tmpl_freep) struct cta_tmpl *t = calloc(1, sizeof(*t));
	char *buf = NULL;
	size_t blen = 0, i = 0;
	FILE *f = NULL;
	int r;

	if (!t)
		return -ENOMEM;
	while (text[i]) {
		if (!f) {
			f = open_memstream(&buf, &blen);
			if (!f)
				return -ENOMEM;
		}
		if (text[i] == '{' && text[i + 1] == '{') {
			fputc('{', f);
			i += 2;
			continue;
		}
		if (text[i] == '}' && text[i + 1] == '}') {
			fputc('}', f);
			i += 2;
			continue;
		}
		if (text[i] == '}') {
			fclose(f);
			free(buf);
			*ret_err_off = i;
			*ret_err = strdup("unmatched '}' in template (write '}}' for a brace)");
			return *ret_err ? -EINVAL : -ENOMEM;
		}
		if (text[i] != '{') {
			fputc(text[i++], f);
			continue;
		}
		/* an expression: find its closing brace outside strings */
		size_t j = i + 1;
		char q = 0;

		for (; text[j]; j++) {
			if (q) {
				if (text[j] == '\\' && text[j + 1])
					j++;
				else if (text[j] == q)
					q = 0;
			} else if (text[j] == '"' || text[j] == '\'')
				q = text[j];
			else if (text[j] == '}')
				break;
		}
		if (!text[j]) {
			fclose(f);
			free(buf);
			*ret_err_off = i;
			*ret_err = strdup("unclosed '{' in template (write '{{' for a brace)");
			return *ret_err ? -EINVAL : -ENOMEM;
		}
		if (fclose(f) != 0) {
			free(buf);
			return -ENOMEM;
		}
		f = NULL;
		if (blen > 0)
			r = tmpl_add(t, TAKE_PTR(buf), NULL);
		else {
			free(buf);
			buf = NULL;
			r = 0;
		}
		if (r < 0)
			return r;

		_cleanup_free_ char *inner = strndup(text + i + 1, j - i - 1);
		struct cta_expr *e = NULL;
		size_t off = 0;

		if (!inner)
			return -ENOMEM;
		r = cta_expr_parse(inner, env, &e, &off, ret_err);
		if (r == -EINVAL)
			*ret_err_off = i + 1 + off;
		if (r < 0)
			return r;
		r = tmpl_add(t, NULL, e);
		if (r < 0)
			return r;
		i = j + 1;
	}
	if (f) {
		if (fclose(f) != 0) {
			free(buf);
			return -ENOMEM;
		}
		r = tmpl_add(t, TAKE_PTR(buf), NULL);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(t);
	return 0;
}

static char *tmpl_render(const struct cta_tmpl *t, struct cta_eval_ctx *c, char **ret_problem)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].text) {
			fputs(t->v[i].text, f);
			continue;
		}
		struct cta_val v;

		cta_expr_eval(t->v[i].e, c, &v);
		if (ret_problem && !*ret_problem && v_bad(&v)) {
			if (v.kind == CTA_VAL_MISSING) {
				if (asprintf(ret_problem,
					     "needs '%s', which the snapshot does not have",
					     v.s ? v.s : "?") < 0)
					*ret_problem = NULL;
			} else
				*ret_problem = strdup(v.s ? v.s : "error");
		}
		_cleanup_free_ char *s = cta_val_format(&v);

		cta_val_done(&v);
		if (s)
			fputs(s, f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *cta_tmpl_render(const struct cta_tmpl *t, struct cta_eval_ctx *c)
{
	return tmpl_render(t, c, NULL);
}

int cta_tmpl_render_strict(const struct cta_tmpl *t, struct cta_eval_ctx *c, char **ret,
			   char **ret_problem)
{
	char *problem = NULL;
	char *s = tmpl_render(t, c, &problem);

	if (!s) {
		free(problem);
		return -ENOMEM;
	}
	*ret = s;
	*ret_problem = problem;
	return problem ? 1 : 0;
}
