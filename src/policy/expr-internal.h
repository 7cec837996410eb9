/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_POLICY_EXPR_INTERNAL_H
#define CTA_POLICY_EXPR_INTERNAL_H

/*
 * Shared by the parts of the expression language (expr.h): the lexer
 * (expr-lex.c), the parser with its static checks (expr-parse.c), the
 * evaluator with the function table (expr-eval.c) and templates
 * (expr-tmpl.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include "policy/expr.h"
#include "util/facts-schema.h"

enum fn {
	F_EXISTS,
	F_DEFAULT,
	F_INT,
	F_STR,
	F_LEN,
	F_MIN,
	F_MAX,
	F_ABS,
	F_FLOOR,
	F_CEIL,
	F_POW2CEIL,
	F_ROUND,
	F_RANGE_LO,
	F_RANGE_HI,
	F_RANGE_SIZE,
	F_PORT_IN,
	F_ANY,
	F_COUNT,
	F_FILTER,
	F_MAP,
	F_FIRST,
	F_SUM,
	F_MAX_OF,
	F_KEYS,
	F_UNIQ,
	F_JOIN,
	F_STARTS_WITH,
	F_IS_INTS,
	F_PCT,
	F_BYTES,
	_F_MAX,
};

enum { LAMBDA_NO, LAMBDA_REQUIRED, LAMBDA_OPTIONAL };

struct cta_val;
struct cta_eval_ctx;

/* A function's handler: @a holds the evaluated arguments (none of them
 * missing or an error, except where the function says otherwise); a lazy
 * function evaluates its own arguments and gets @a as empty scratch space. */
typedef void (*cta_expr_fn_handler)(const struct cta_expr *e, struct cta_eval_ctx *c,
				    struct cta_val *a, struct cta_val *ret);

/* The function table, indexed by enum fn: {name, arity, handler}. */
struct fninfo {
	const char *name;
	int min, max; /* max -1: unbounded */
	int lambda; /* for argument 2 */
	cta_expr_fn_handler handler;
	bool lazy; /* evaluates its own arguments */
};
extern const struct fninfo cta_expr_fns[_F_MAX];

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
	/* members are checked against this node's member list; NULL: open */
	const struct cta_fact_schema *schema;
};

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
	/* 0, or why parsing stopped: -EINVAL (err and err_off say where and
	 * what) or -ENOMEM, which wins */
	int error;
	size_t err_off;
	char *err;
};

_printf_(3, 4) void cta_expr_perr(struct parser *p, size_t off, const char *fmt, ...);
static inline void cta_expr_oom(struct parser *p)
{
	p->error = -ENOMEM;
}
bool cta_expr_is_ident_start(int c);
bool cta_expr_is_ident(int c);
/* Read the next token into p->t; false (with an error) on a bad token. */
bool cta_expr_lex(struct parser *p);
const char *cta_expr_tok_name(enum tok t);

#endif
