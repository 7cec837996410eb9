// SPDX-License-Identifier: GPL-2.0-or-later
/* The expression language's tokens (docs/policy-language.md, "Expressions"). */
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

void cta_expr_perr(struct parser *p, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (p->error)
		return;
	p->error = -EINVAL;
	p->err_off = off;
	va_start(ap, fmt);
	if (vasprintf(&p->err, fmt, ap) < 0) {
		p->err = NULL;
		p->error = -ENOMEM;
	}
	va_end(ap);
}

bool cta_expr_is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

bool cta_expr_is_ident(int c)
{
	return isalnum(c) || c == '_';
}

bool cta_expr_lex(struct parser *p)
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
		if (cta_expr_is_ident((unsigned char)s[j])) {
			cta_expr_perr(p, i, "invalid number '%.*s'", (int)(j - i + 1), s + i);
			return false;
		}
		copy = strndup(s + i, j - i);
		if (!copy) {
			cta_expr_oom(p);
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
			cta_expr_oom(p);
			return false;
		}
		for (;;) {
			if (!s[j]) {
				free(out);
				cta_expr_perr(p, i, "unterminated string");
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
					cta_expr_perr(p, j, "unknown escape '\\%c' in string",
						      c ? c : ' ');
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
	if (cta_expr_is_ident_start((unsigned char)s[i])) {
		size_t j = i;

		while (cta_expr_is_ident((unsigned char)s[j]))
			j++;
		p->str = strndup(s + i, j - i);
		if (!p->str) {
			cta_expr_oom(p);
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
		cta_expr_perr(p, i, "unexpected '=' (comparison is '==')");
	else if (s[i] == '&' || s[i] == '|')
		cta_expr_perr(p, i, "unexpected '%c' (logic is '%c%c')", s[i], s[i], s[i]);
	else if (isprint((unsigned char)s[i]))
		cta_expr_perr(p, i, "unexpected character '%c'", s[i]);
	else
		cta_expr_perr(p, i, "unexpected byte 0x%02x", (unsigned char)s[i]);
	return false;
}

const char *cta_expr_tok_name(enum tok t)
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
