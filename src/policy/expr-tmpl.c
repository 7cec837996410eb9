// SPDX-License-Identifier: GPL-2.0-or-later
/* Templates: text with {EXPRESSION} parts. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy/expr-internal.h"
#include "policy/policy.h"
#include "util/json.h"
#include "util/ports.h"
#include "util/banned.h"

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

/*
 * The closing brace of the expression whose '{' is at @i, outside string
 * literals; the index of the terminating NUL when there is none.
 */
static size_t expr_end(const char *text, size_t i)
{
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
	return j;
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
		size_t j = expr_end(text, i);

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
		if (ret_problem && !*ret_problem &&
		    (v.kind == CTA_VAL_MISSING || v.kind == CTA_VAL_ERROR)) {
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
		if (ftell(f) > CTA_TMPL_MAX_OUTPUT) {
			/* the output so far is dropped: a truncated remediation
			 * value or message would be wrong, not just short */
			fclose(f);
			free(buf);
			if (ret_problem && !*ret_problem &&
			    asprintf(ret_problem, "template output longer than %d bytes",
				     CTA_TMPL_MAX_OUTPUT) < 0)
				*ret_problem = NULL;
			if (asprintf(&buf, "(error: template output longer than %d bytes)",
				     CTA_TMPL_MAX_OUTPUT) < 0)
				return NULL;
			return buf;
		}
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

/* A bare name or fact path ("range", "peer.count"): it names itself. */
static bool is_path(const char *s, size_t n)
{
	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t k = 1; k < n; k++)
		if (!isalnum((unsigned char)s[k]) && s[k] != '_' && s[k] != '.')
			return false;
	return true;
}

void cta_tmpl_slots_free(struct cta_tmpl_slot *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].expr);
	}
	free(v);
}

int cta_tmpl_outline(const char *text, char **ret_text, struct cta_tmpl_slot **ret_slots,
		     size_t *ret_n)
{
	_cleanup_free_ char *buf = NULL;
	struct cta_tmpl_slot *slots = NULL;
	size_t blen = 0, n = 0, numbered = 0, i = 0;
	FILE *f = open_memstream(&buf, &blen);
	int r = -ENOMEM;

	if (!f)
		return -ENOMEM;
	while (text[i]) {
		size_t j, k;

		if ((text[i] == '{' && text[i + 1] == '{') ||
		    (text[i] == '}' && text[i + 1] == '}')) {
			fputc(text[i], f);
			i += 2;
			continue;
		}
		if (text[i] != '{') {
			fputc(text[i++], f);
			continue;
		}
		j = expr_end(text, i);
		if (!text[j]) {
			/* not a valid template (the loader refuses it): show it as written */
			fputs(text + i, f);
			break;
		}
		/* the same expression twice gets the same placeholder */
		for (k = 0; k < n; k++)
			if (strlen(slots[k].expr) == j - i - 1 &&
			    !strncmp(slots[k].expr, text + i + 1, j - i - 1))
				break;
		if (k == n) {
			struct cta_tmpl_slot *nv = realloc(slots, (n + 1) * sizeof(*nv));
			char *name;

			if (!nv)
				goto out;
			slots = nv;
			slots[n].expr = strndup(text + i + 1, j - i - 1);
			if (is_path(text + i + 1, j - i - 1))
				name = strndup(text + i + 1, j - i - 1);
			else if (asprintf(&name, "%zu", ++numbered) < 0)
				name = NULL;
			slots[n].name = name;
			n++;
			if (!slots[n - 1].expr || !name)
				goto out;
		}
		fprintf(f, "<%s>", slots[k].name);
		i = j + 1;
	}
	r = 0;
out:
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	f = NULL;
	if (r < 0) {
		cta_tmpl_slots_free(slots, n);
		return r;
	}
	*ret_text = TAKE_PTR(buf);
	*ret_slots = slots;
	*ret_n = n;
	return 0;
}
