/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_POLICY_EXPR_H
#define CTA_POLICY_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "util/macro.h"

/*
 * The expression language of docs/policy-language.md: parsed once at load
 * time into an AST (with the static checks: names, functions, arity, fact
 * paths of the fixed sections), evaluated any number of times against a facts
 * snapshot.  Evaluation is pure and never fails: problems become values of
 * kind MISSING (a fact the snapshot lacks) or ERROR.
 */

enum cta_val_kind {
	CTA_VAL_MISSING, /* s: what is missing (source text of the path) */
	CTA_VAL_ERROR, /* s: the message */
	CTA_VAL_NULL,
	CTA_VAL_BOOL, /* b */
	CTA_VAL_NUM, /* n */
	CTA_VAL_STR, /* s */
	CTA_VAL_VERSION, /* s: the text it was made from */
	CTA_VAL_LIST, /* j: a JSON array */
	CTA_VAL_OBJ, /* j: a JSON object */
};

struct cta_val {
	enum cta_val_kind kind;
	bool b;
	double n;
	char *s; /* owned */
	json_t *j; /* owned reference */
};

void cta_val_done(struct cta_val *v);

/* Longest text a value formats to, a join builds or a template renders:
 * lists share elements, so a few lets can describe gigabytes of text. */
#define CTA_TMPL_MAX_OUTPUT 65536

/* The value as text for templates: integers without decimals, lists
 * comma-separated, missing as "unknown".  NULL on ENOMEM. */
char *cta_val_format(const struct cta_val *v);

struct cta_expr;

/* What the parser needs to know about names, and tells about what it found. */
struct cta_expr_env {
	/* let names visible to this expression */
	const char *const *lets;
	size_t n_lets;
	void *userdata;
	/* Called for every param.NAME (@off: byte offset of NAME).  Return < 0
	 * to fail the parse with -ENOMEM. */
	int (*on_param)(void *userdata, const char *name, size_t off);
	/* Called for every sysctl["KEY"] with a literal key. */
	int (*on_sysctl)(void *userdata, const char *key);
};

/*
 * Parse @text.  On a syntax or static error returns -EINVAL with the byte
 * offset in @ret_err_off and a message (caller frees) in @ret_err.  Returns
 * 0, -EINVAL or -ENOMEM.
 */
int cta_expr_parse(const char *text, const struct cta_expr_env *env, struct cta_expr **ret,
		   size_t *ret_err_off, char **ret_err);
void cta_expr_free(struct cta_expr *e);

/* Parse "a, b, c" into a NULL-terminated array of @ret_n expressions. */
int cta_expr_parse_list(const char *text, const struct cta_expr_env *env, struct cta_expr ***ret,
			size_t *ret_n, size_t *ret_err_off, char **ret_err);
CTA_DEFINE_CLEANUP(struct cta_expr *, cta_expr_free)

/* Names that cannot be let or lambda names: keywords, fact roots, functions. */
bool cta_expr_reserved_name(const char *name);

/* Evaluation context: borrowed references. */
struct cta_eval_ctx {
	json_t *facts;
	json_t *params; /* object NAME -> value; may be NULL */
	const struct cta_val *lets; /* values of the env's lets, same order */
	size_t n_lets;
	/* internal: lambda variables */
	struct cta_val *vars[16];
	size_t n_vars;
};

/* Evaluate @e; @ret is always set (MISSING/ERROR on problems). */
void cta_expr_eval(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *ret);

/* Templates: text with {EXPRESSION} parts; {{ and }} are literal braces. */
struct cta_tmpl;

int cta_tmpl_parse(const char *text, const struct cta_expr_env *env, struct cta_tmpl **ret,
		   size_t *ret_err_off, char **ret_err);
void cta_tmpl_free(struct cta_tmpl *t);
CTA_DEFINE_CLEANUP(struct cta_tmpl *, cta_tmpl_free)

/* Render; missing values print as "unknown".  NULL on ENOMEM. */
char *cta_tmpl_render(const struct cta_tmpl *t, struct cta_eval_ctx *c);

/* The first missing value or error met while rendering (for remediation
 * values that must not be guessed): 1 and a message, 0 if none. */
int cta_tmpl_render_strict(const struct cta_tmpl *t, struct cta_eval_ctx *c, char **ret,
			   char **ret_problem);

/* Parse a version from "5.15.0-91-generic"; used for `kernel`. */
bool cta_version_parse(const char *s, long ret[8], int *ret_n);
int cta_version_cmp(const char *a, const char *b);

/* Port specs ("22,8000-8100"): does port @p lie in @spec? -EINVAL on a bad spec. */
int cta_port_spec_contains(const char *spec, long p);

#endif
