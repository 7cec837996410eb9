// SPDX-License-Identifier: GPL-2.0-or-later
/* Values, evaluation and the functions of the expression language. */
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

static char *fmt_json(json_t *j, size_t *left);

/*
 * Text of values is bounded (CTA_TMPL_MAX_OUTPUT in total): lists share
 * elements by reference, so a chain of `map` lets can describe gigabytes of
 * text in a few kilobytes.  *@left is the budget; running out gives NULL with
 * errno E2BIG.
 */
static char *fmt_take(char *s, size_t *left)
{
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	if (n > *left) {
		free(s);
		errno = E2BIG;
		return NULL;
	}
	*left -= n;
	return s;
}

static char *fmt_list(json_t *a, size_t *left)
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
		_cleanup_free_ char *s = NULL;

		if (i && *left < 2)
			goto too_long;
		if (i)
			*left -= 2;
		s = fmt_json(x, left);
		if (!s) {
			int e = errno;

			fclose(f);
			free(buf);
			errno = e;
			return NULL;
		}
		fprintf(f, "%s%s", i ? ", " : "", s);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
too_long:
	fclose(f);
	free(buf);
	errno = E2BIG;
	return NULL;
}

static char *fmt_json(json_t *j, size_t *left)
{
	switch (json_typeof(j)) {
	case JSON_STRING:
		return fmt_take(strdup(json_string_value(j)), left);
	case JSON_INTEGER:
		return fmt_take(fmt_num((double)json_integer_value(j)), left);
	case JSON_REAL:
		return fmt_take(fmt_num(json_real_value(j)), left);
	case JSON_TRUE:
		return fmt_take(strdup("true"), left);
	case JSON_FALSE:
		return fmt_take(strdup("false"), left);
	case JSON_NULL:
		return fmt_take(strdup("null"), left);
	case JSON_ARRAY:
		return fmt_list(j, left);
	case JSON_OBJECT:
		return fmt_take(json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS), left);
	}
	return NULL;
}

static char *fmt_bounded(const struct cta_val *v, size_t *left)
{
	switch (v->kind) {
	case CTA_VAL_LIST:
		return fmt_list(v->j, left);
	case CTA_VAL_OBJ:
		return fmt_take(json_dumps(v->j, JSON_COMPACT | JSON_SORT_KEYS), left);
	case CTA_VAL_STR:
	case CTA_VAL_VERSION:
		return fmt_take(strdup(v->s), left);
	default:
		return NULL;
	}
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
	case CTA_VAL_LIST:
	case CTA_VAL_OBJ: {
		size_t left = CTA_TMPL_MAX_OUTPUT;
		char *t = fmt_bounded(v, &left), *e;

		if (t || errno != E2BIG)
			return t;
		return asprintf(&e, "(error: text longer than %d bytes)", CTA_TMPL_MAX_OUTPUT) < 0 ?
			       NULL :
			       e;
	}
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

/* "22,8000-8100": comma-separated ranges of util/ports.h (the kernel's
 * ip_local_reserved_ports syntax); blanks around items are allowed; "" or
 * only blanks is any port. */
static int pspec_add_str(struct pspec *ps, const char *s)
{
	if (!s[strspn(s, " \t\n")]) {
		ps->any = true;
		return 0;
	}
	for (;;) {
		size_t len = strcspn(s, ",");
		_cleanup_free_ char *item = strndup(s, len);
		struct cta_port_range r;
		char *b, *e;

		if (!item)
			return -ENOMEM;
		b = item + strspn(item, " \t\n");
		for (e = b + strlen(b); e > b && isspace((unsigned char)e[-1]); e--)
			;
		*e = 0;
		if (cta_port_range_parse(b, 0, &r) < 0)
			return -EINVAL;
		struct prange *v = realloc(ps->v, (ps->n + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ps->v = v;
		ps->v[ps->n++] = (struct prange){ r.lo, r.hi };
		if (!s[len])
			return 0;
		s += len + 1;
		/* a trailing comma is tolerated, as it always was */
		if (!s[strspn(s, " \t\n")])
			return 0;
	}
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

static int prange_cmp(const void *a, const void *b)
{
	const struct prange *x = a, *y = b;

	return x->lo != y->lo ? (x->lo < y->lo ? -1 : 1) : (x->hi > y->hi) - (x->hi < y->hi);
}

/* Sort and coalesce overlapping or adjacent ranges, so that containment in
 * the union is containment in one of them. */
static int pspec_merge(struct pspec *ps)
{
	size_t n = 0;

	if (ps->n < 2)
		return 0;
	qsort(ps->v, ps->n, sizeof(*ps->v), prange_cmp);
	for (size_t i = 0; i < ps->n; i++) {
		if (n && ps->v[i].lo <= ps->v[n - 1].hi + 1) {
			if (ps->v[i].hi > ps->v[n - 1].hi)
				ps->v[n - 1].hi = ps->v[i].hi;
		} else {
			ps->v[n++] = ps->v[i];
		}
	}
	ps->n = n;
	return 0;
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

/* "32768 60999" (ip_local_port_range, as the kernel prints it) or a port
 * range of util/ports.h. */
static bool parse_range(const char *s, long *lo, long *hi)
{
	char buf[CTA_PORT_RANGE_STRLEN + 8];
	struct cta_port_range r;
	size_t n = 0;

	s += strspn(s, " \t\n");
	for (; *s && n + 1 < sizeof(buf); s++) {
		if (isspace((unsigned char)*s)) {
			const char *t = s + strspn(s, " \t\n");

			if (!*t)
				break;
			buf[n++] = '-';
			s = t - 1;
		} else {
			buf[n++] = *s;
		}
	}
	if (*s && !isspace((unsigned char)*s))
		return false;
	buf[n] = 0;
	if (cta_port_range_parse(buf, 0, &r) < 0)
		return false;
	*lo = r.lo;
	*hi = r.hi;
	return true;
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
		v_error(ret, "'%s' needs a list, not %s", cta_expr_fns[f].name,
			kind_name(list.kind));
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
			if (f == F_ANY)
				continue;
			break;
		}
		switch (f) {
		case F_ANY:
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
		case F_MAX_OF: {
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
			else if (!have || n > acc)
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
	if (f == F_ANY && have) {
		cta_val_done(&missing);
		v_bool(ret, true);
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
	default: /* sum, max_of: 0 for an empty list */
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

static void fn_list(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		    struct cta_val *ret)
{
	eval_list_fn(e, c, ret);
}

static void fn_exists(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		      struct cta_val *ret)
{
	eval(e->kids[0], c, &a[0]);
	if (a[0].kind == CTA_VAL_ERROR) {
		*ret = a[0];
		return;
	}
	v_bool(ret, a[0].kind != CTA_VAL_MISSING);
	cta_val_done(&a[0]);
}

static void fn_default(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		       struct cta_val *ret)
{
	eval(e->kids[0], c, &a[0]);
	if (a[0].kind != CTA_VAL_MISSING) {
		*ret = a[0];
		return;
	}
	cta_val_done(&a[0]);
	eval(e->kids[1], c, ret);
}

static void fn_min_max(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		       struct cta_val *ret)
{
	enum fn f = (enum fn)e->op;
	bool have = false;
	double x, best = 0;

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
		v_error(ret, "'%s' of an empty list", cta_expr_fns[f].name);
	else
		v_num(ret, best);
}

static void fn_int(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		   struct cta_val *ret)
{
	double x;

	if (a[0].kind == CTA_VAL_BOOL) {
		v_num(ret, a[0].b);
		return;
	}
	if (!to_num(&a[0], &x, ret))
		return;
	v_num(ret, trunc(x));
}

static void fn_str(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		   struct cta_val *ret)
{
	v_str(ret, str_of(&a[0]));
}

static void fn_len(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		   struct cta_val *ret)
{
	if (a[0].kind == CTA_VAL_LIST)
		v_num(ret, (double)json_array_size(a[0].j));
	else if (a[0].kind == CTA_VAL_OBJ)
		v_num(ret, (double)json_object_size(a[0].j));
	else if (a[0].kind == CTA_VAL_STR)
		v_num(ret, (double)strlen(a[0].s));
	else
		v_error(ret, "'len' needs a list, object or string, not %s", kind_name(a[0].kind));
}

static void fn_abs_floor_ceil(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
			      struct cta_val *ret)
{
	enum fn f = (enum fn)e->op;
	double x;

	if (!to_num(&a[0], &x, ret))
		return;
	v_num(ret, f == F_ABS ? fabs(x) : f == F_FLOOR ? floor(x) : ceil(x));
}

static void fn_pow2ceil(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
			struct cta_val *ret)
{
	double x;

	/* the kernel's roundup_pow_of_two(), which sizes its hash tables */
	if (!to_num(&a[0], &x, ret))
		return;
	v_num(ret, x <= 1 ? 1 : exp2(ceil(log2(x))));
}

static void fn_round(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		     struct cta_val *ret)
{
	double x, y;

	if (!to_num(&a[0], &x, ret))
		return;
	y = 0;
	if (e->n_kids > 1 && !to_num(&a[1], &y, ret))
		return;
	if (y < 0 || y > 15) {
		v_error(ret, "'round' digits must be 0 to 15");
		return;
	}
	{
		double m = pow(10, floor(y));

		v_num(ret, round(x * m) / m);
	}
}

static void fn_range(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		     struct cta_val *ret)
{
	enum fn f = (enum fn)e->op;

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
}

static void fn_port_in(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		       struct cta_val *ret)
{
	/* every port of the first spec lies in the second */
	struct pspec pa = { 0 }, pb = { 0 };

	if (pspec_from_val(&a[0], &pa, ret) && pspec_from_val(&a[1], &pb, ret)) {
		bool in = pb.any || (!pa.any && pa.n > 0);

		if (!pb.any && pspec_merge(&pb) < 0) {
			v_error(ret, "out of memory");
		} else {
			for (size_t i = 0; i < pa.n && in && !pb.any; i++) {
				bool one = false;

				for (size_t k = 0; k < pb.n && !one; k++)
					one = pa.v[i].lo >= pb.v[k].lo && pa.v[i].hi <= pb.v[k].hi;
				in = one;
			}
			v_bool(ret, in);
		}
	}
	free(pa.v);
	free(pb.v);
}

static void fn_keys(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		    struct cta_val *ret)
{
	enum fn f = (enum fn)e->op;

	json_t *out, *v;
	const char *k;

	if (a[0].kind != CTA_VAL_OBJ) {
		v_error(ret, "'%s' needs an object, not %s", cta_expr_fns[f].name,
			kind_name(a[0].kind));
		return;
	}
	/* sorted: copy the keys, sort, then look up */
	size_t n = json_object_size(a[0].j), i = 0;
	const char **names = calloc(n ? n : 1, sizeof(*names));

	out = json_array();
	if (!names || !out) {
		free(names);
		json_decref(out);
		v_error(ret, "out of memory");
		return;
	}
	json_object_foreach(a[0].j, k, v)
		names[i++] = k;
	qsort(names, n, sizeof(*names), strcmp_ptr);
	for (i = 0; i < n; i++)
		json_array_append_new(out, json_string(names[i]));
	free(names);
	*ret = (struct cta_val){ .kind = CTA_VAL_LIST, .j = out };
}

static void fn_uniq(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		    struct cta_val *ret)
{
	json_t *out, *el, *seen;
	size_t i, k;

	if (a[0].kind != CTA_VAL_LIST) {
		v_error(ret, "'uniq' needs a list, not %s", kind_name(a[0].kind));
		return;
	}
	out = json_array();
	if (!out) {
		v_error(ret, "out of memory");
		return;
	}
	/* quadratic, but lists in facts are bounded and short where it is used */
	json_array_foreach(a[0].j, i, el) {
		bool dup = false;

		json_array_foreach(out, k, seen)
			if ((dup = json_equal(el, seen)))
				break;
		if (!dup && json_array_append(out, el) < 0) {
			json_decref(out);
			v_error(ret, "out of memory");
			return;
		}
	}
	*ret = (struct cta_val){ .kind = CTA_VAL_LIST, .j = out };
}

static void fn_join(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		    struct cta_val *ret)
{
	_cleanup_free_ char *sep = str_of(&a[1]);
	size_t i, len = 0;
	json_t *el;
	char *buf = NULL;
	FILE *fp;

	if (a[0].kind != CTA_VAL_LIST) {
		v_error(ret, "'join' needs a list, not %s", kind_name(a[0].kind));
		return;
	}
	fp = open_memstream(&buf, &len);
	if (!fp || !sep) {
		if (fp)
			fclose(fp);
		free(buf);
		v_error(ret, "out of memory");
		return;
	}
	size_t left = CTA_TMPL_MAX_OUTPUT;
	bool too_long = false;

	json_array_foreach(a[0].j, i, el) {
		_cleanup_free_ char *s = NULL;

		if (i && strlen(sep) > left) {
			too_long = true;
			break;
		}
		if (i)
			left -= strlen(sep);
		s = fmt_json(el, &left);
		if (!s && errno == E2BIG) {
			too_long = true;
			break;
		}
		fprintf(fp, "%s%s", i ? sep : "", s ? s : "");
	}
	if (fclose(fp) != 0) {
		free(buf);
		v_error(ret, "out of memory");
		return;
	}
	if (too_long) {
		free(buf);
		v_error(ret, "'join' result longer than %d bytes", CTA_TMPL_MAX_OUTPUT);
		return;
	}
	v_str(ret, buf);
}

static void fn_starts_with(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
			   struct cta_val *ret)
{
	enum fn f = (enum fn)e->op;

	_cleanup_free_ char *s = str_of(&a[0]), *sub = str_of(&a[1]);

	if (a[0].kind != CTA_VAL_STR) {
		v_error(ret, "'%s' needs a string, not %s", cta_expr_fns[f].name,
			kind_name(a[0].kind));
		return;
	}
	if (!s || !sub) {
		v_error(ret, "out of memory");
		return;
	}
	v_bool(ret, strneq(s, sub, strlen(sub)));
}

/*
 * One or more integers separated by blanks, as the kernel's integer sysctl
 * handlers read them (kernel/sysctl.c: proc_get_long(), strtoul with base 0
 * after an optional '-'): decimal, 0x hex or 0 octal.  Anything else is
 * -EINVAL from every integer handler.
 */
static bool is_ints(const char *s)
{
	bool any = false;

	for (;;) {
		const char *d;

		s += strspn(s, " \t\n");
		if (!*s)
			return any;
		if (*s == '-')
			s++;
		d = s;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2]))
			for (s += 2; isxdigit((unsigned char)*s); s++)
				;
		else if (s[0] == '0')
			for (; *s >= '0' && *s <= '7'; s++)
				;
		else
			for (; isdigit((unsigned char)*s); s++)
				;
		if (s == d || (*s && !strchr(" \t\n", *s)))
			return false;
		any = true;
	}
}

static void fn_is_ints(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		       struct cta_val *ret)
{
	_cleanup_free_ char *s = str_of(&a[0]);

	if (a[0].kind != CTA_VAL_STR) {
		v_error(ret, "'is_ints' needs a string, not %s", kind_name(a[0].kind));
		return;
	}
	if (!s) {
		v_error(ret, "out of memory");
		return;
	}
	v_bool(ret, is_ints(s));
}

static void fn_pct(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		   struct cta_val *ret)
{
	double x;

	char *s;

	if (!to_num(&a[0], &x, ret))
		return;
	_cleanup_free_ char *n = NULL;

	if (asprintf(&n, "%.1f", x * 100) < 0) {
		v_error(ret, "out of memory");
		return;
	}
	size_t l = strlen(n);

	if (l > 2 && streq(n + l - 2, ".0"))
		n[l - 2] = 0;
	if (streq(n, "-0"))
		n[0] = '0', n[1] = 0;
	v_str(ret, asprintf(&s, "%s %%", n) < 0 ? NULL : s);
}

static void fn_bytes(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *a,
		     struct cta_val *ret)
{
	double x;

	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	size_t u = 0;
	char *s;

	if (!to_num(&a[0], &x, ret))
		return;
	while (fabs(x) >= 1024 && u + 1 < ELEMENTSOF(units)) {
		x /= 1024;
		u++;
	}
	_cleanup_free_ char *n = fmt_num(round(x * 10) / 10);

	v_str(ret, n && asprintf(&s, "%s %s", n, units[u]) >= 0 ? s : NULL);
}

static void eval_call(const struct cta_expr *e, struct cta_eval_ctx *c, struct cta_val *ret)
{
	const struct fninfo *fi = &cta_expr_fns[e->op];
	struct cta_val a[2] = { 0 };

	if (fi->lazy) {
		/* @a is scratch space it owns and leaves empty */
		fi->handler(e, c, a, ret);
		return;
	}
	for (size_t i = 0; i < e->n_kids; i++) {
		eval(e->kids[i], c, &a[i]);
		/* port specs: an absent spec means any port */
		if (a[i].kind == CTA_VAL_MISSING && e->op == F_PORT_IN && i == 1)
			continue;
		if (v_bad(&a[i])) {
			*ret = a[i];
			a[i] = (struct cta_val){ 0 };
			goto done;
		}
	}
	fi->handler(e, c, a, ret);
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

/* ---- the function table ------------------------------------------------------ */

const struct fninfo cta_expr_fns[_F_MAX] = {
	[F_EXISTS] = { "exists", 1, 1, LAMBDA_NO, fn_exists, true },
	[F_DEFAULT] = { "default", 2, 2, LAMBDA_NO, fn_default, true },
	[F_INT] = { "int", 1, 1, LAMBDA_NO, fn_int, false },
	[F_STR] = { "str", 1, 1, LAMBDA_NO, fn_str, false },
	[F_LEN] = { "len", 1, 1, LAMBDA_NO, fn_len, false },
	[F_MIN] = { "min", 1, -1, LAMBDA_NO, fn_min_max, true },
	[F_MAX] = { "max", 1, -1, LAMBDA_NO, fn_min_max, true },
	[F_ABS] = { "abs", 1, 1, LAMBDA_NO, fn_abs_floor_ceil, false },
	[F_FLOOR] = { "floor", 1, 1, LAMBDA_NO, fn_abs_floor_ceil, false },
	[F_CEIL] = { "ceil", 1, 1, LAMBDA_NO, fn_abs_floor_ceil, false },
	[F_POW2CEIL] = { "pow2ceil", 1, 1, LAMBDA_NO, fn_pow2ceil, false },
	[F_ROUND] = { "round", 1, 2, LAMBDA_NO, fn_round, false },
	[F_RANGE_LO] = { "range_lo", 1, 1, LAMBDA_NO, fn_range, false },
	[F_RANGE_HI] = { "range_hi", 1, 1, LAMBDA_NO, fn_range, false },
	[F_RANGE_SIZE] = { "range_size", 1, 1, LAMBDA_NO, fn_range, false },
	[F_PORT_IN] = { "port_in", 2, 2, LAMBDA_NO, fn_port_in, false },
	[F_ANY] = { "any", 2, 2, LAMBDA_REQUIRED, fn_list, true },
	[F_COUNT] = { "count", 2, 2, LAMBDA_REQUIRED, fn_list, true },
	[F_FILTER] = { "filter", 2, 2, LAMBDA_REQUIRED, fn_list, true },
	[F_MAP] = { "map", 2, 2, LAMBDA_REQUIRED, fn_list, true },
	[F_FIRST] = { "first", 2, 2, LAMBDA_REQUIRED, fn_list, true },
	[F_SUM] = { "sum", 1, 2, LAMBDA_OPTIONAL, fn_list, true },
	[F_MAX_OF] = { "max_of", 2, 2, LAMBDA_REQUIRED, fn_list, true },
	[F_KEYS] = { "keys", 1, 1, LAMBDA_NO, fn_keys, false },
	[F_UNIQ] = { "uniq", 1, 1, LAMBDA_NO, fn_uniq, false },
	[F_JOIN] = { "join", 2, 2, LAMBDA_NO, fn_join, false },
	[F_STARTS_WITH] = { "starts_with", 2, 2, LAMBDA_NO, fn_starts_with, false },
	[F_IS_INTS] = { "is_ints", 1, 1, LAMBDA_NO, fn_is_ints, false },
	[F_PCT] = { "pct", 1, 1, LAMBDA_NO, fn_pct, false },
	[F_BYTES] = { "bytes", 1, 1, LAMBDA_NO, fn_bytes, false },
};
