// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render/diff.h"
#include "util/macro.h"
#include "util/banned.h"

/*
 * Common prefix and suffix are trimmed first, so that a small change in a
 * large file (rules.v4) costs only the changed middle; the middle gets an
 * exact LCS.  A middle too large for the table is diffed as "all removed, all
 * added": still a correct diff, just not a minimal one.
 */
#define LCS_MAX_CELLS (16u << 20)

struct line {
	const char *p;
	size_t len;
	bool nl; /* ends with '\n' */
};

struct lines {
	struct line *v;
	size_t n;
};

enum op { OP_EQ, OP_DEL, OP_INS };

struct edit {
	enum op op;
	size_t o, n; /* line index in old / new (position for the other side) */
};

static int split(const char *s, struct lines *ret)
{
	size_t cap = 0;

	ret->v = NULL;
	ret->n = 0;
	if (!s)
		return 0;
	while (*s) {
		const char *e = strchr(s, '\n');

		if (ret->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct line *nv = realloc(ret->v, ncap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			ret->v = nv;
			cap = ncap;
		}
		ret->v[ret->n].p = s;
		ret->v[ret->n].len = e ? (size_t)(e - s) : strlen(s);
		ret->v[ret->n].nl = !!e;
		ret->n++;
		if (!e)
			break;
		s = e + 1;
	}
	return 0;
}

static bool line_eq(const struct line *a, const struct line *b)
{
	return a->len == b->len && a->nl == b->nl && memcmp(a->p, b->p, a->len) == 0;
}

static int push(struct edit **v, size_t *n, enum op op, size_t o, size_t nn)
{
	/* the script never exceeds old + new lines: callers size it up front */
	(*v)[*n] = (struct edit){ op, o, nn };
	(*n)++;
	return 0;
}

/* Edit script for a[lo_a..hi_a) vs b[lo_b..hi_b), appended to @v. */
static int lcs_middle(const struct lines *a, const struct lines *b, size_t lo_a, size_t hi_a,
		      size_t lo_b, size_t hi_b, struct edit **v, size_t *n)
{
	size_t na = hi_a - lo_a, nb = hi_b - lo_b, i, j;
	_cleanup_free_ uint32_t *t = NULL;

	if (na == 0 || nb == 0 || (na + 1) > LCS_MAX_CELLS / (nb + 1)) {
		for (i = lo_a; i < hi_a; i++)
			push(v, n, OP_DEL, i, lo_b);
		for (j = lo_b; j < hi_b; j++)
			push(v, n, OP_INS, hi_a, j);
		return 0;
	}
	/* t[i][j] = LCS length of a[lo_a+i..) and b[lo_b+j..) */
	t = calloc((na + 1) * (nb + 1), sizeof(*t));
	if (!t)
		return -ENOMEM;
#define T(x, y) t[(x) * (nb + 1) + (y)]
	for (i = na; i-- > 0;)
		for (j = nb; j-- > 0;)
			T(i, j) = line_eq(&a->v[lo_a + i], &b->v[lo_b + j]) ?
					  T(i + 1, j + 1) + 1 :
					  MAX(T(i + 1, j), T(i, j + 1));
	i = j = 0;
	while (i < na || j < nb) {
		if (i < na && j < nb && line_eq(&a->v[lo_a + i], &b->v[lo_b + j])) {
			push(v, n, OP_EQ, lo_a + i, lo_b + j);
			i++, j++;
		} else if (j < nb && (i == na || T(i, j + 1) >= T(i + 1, j))) {
			/* deletions before insertions, like GNU diff, when tied */
			if (i < na && T(i + 1, j) == T(i, j + 1)) {
				push(v, n, OP_DEL, lo_a + i, lo_b + j);
				i++;
			} else {
				push(v, n, OP_INS, lo_a + i, lo_b + j);
				j++;
			}
		} else {
			push(v, n, OP_DEL, lo_a + i, lo_b + j);
			i++;
		}
	}
#undef T
	return 0;
}

static void put_range(FILE *f, size_t start, size_t count)
{
	if (count == 0)
		fprintf(f, "%zu,0", start);
	else if (count == 1)
		fprintf(f, "%zu", start + 1);
	else
		fprintf(f, "%zu,%zu", start + 1, count);
}

static void put_line(FILE *f, char prefix, const struct line *l)
{
	fputc(prefix, f);
	fwrite(l->p, 1, l->len, f);
	fputc('\n', f);
	if (!l->nl)
		fputs("\\ No newline at end of file\n", f);
}

int cta_diff_unified(const char *old, const char *new, const char *old_label, const char *new_label,
		     unsigned context, char **ret)
{
	_cleanup_free_ struct line *av = NULL, *bv = NULL;
	_cleanup_free_ struct edit *ed = NULL;
	_cleanup_free_ char *buf = NULL;
	struct lines a, b;
	size_t pre = 0, suf = 0, n = 0, size = 0, i;
	FILE *f;
	int r;

	r = split(old, &a);
	av = a.v;
	if (r < 0)
		return r;
	r = split(new, &b);
	bv = b.v;
	if (r < 0)
		return r;

	while (pre < a.n && pre < b.n && line_eq(&a.v[pre], &b.v[pre]))
		pre++;
	while (suf < a.n - pre && suf < b.n - pre &&
	       line_eq(&a.v[a.n - 1 - suf], &b.v[b.n - 1 - suf]))
		suf++;

	if (pre == a.n && pre == b.n && !old == !new) {
		*ret = strdup("");
		return *ret ? 0 : -ENOMEM;
	}

	ed = calloc(a.n + b.n + 1, sizeof(*ed));
	if (!ed)
		return -ENOMEM;
	for (i = 0; i < pre; i++)
		push(&ed, &n, OP_EQ, i, i);
	r = lcs_middle(&a, &b, pre, a.n - suf, pre, b.n - suf, &ed, &n);
	if (r < 0)
		return r;
	for (i = 0; i < suf; i++)
		push(&ed, &n, OP_EQ, a.n - suf + i, b.n - suf + i);

	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	fprintf(f, "--- %s\n+++ %s\n", old ? old_label : "/dev/null",
		new ? new_label : "/dev/null");
	for (i = 0; i < n;) {
		size_t start, end, last, oc = 0, nc = 0, j;

		if (ed[i].op == OP_EQ) {
			i++;
			continue;
		}
		start = i > context ? i - context : 0;
		last = i;
		for (j = i; j < n; j++) {
			if (ed[j].op != OP_EQ)
				last = j;
			else if (j - last > 2 * (size_t)context)
				break;
		}
		end = MIN(n, last + 1 + context);
		for (j = start; j < end; j++) {
			oc += ed[j].op != OP_INS;
			nc += ed[j].op != OP_DEL;
		}
		fputs("@@ -", f);
		put_range(f, ed[start].o, oc);
		fputs(" +", f);
		put_range(f, ed[start].n, nc);
		fputs(" @@\n", f);
		for (j = start; j < end; j++) {
			if (ed[j].op == OP_EQ)
				put_line(f, ' ', &a.v[ed[j].o]);
			else if (ed[j].op == OP_DEL)
				put_line(f, '-', &a.v[ed[j].o]);
			else
				put_line(f, '+', &b.v[ed[j].n]);
		}
		i = end;
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(buf);
	return 0;
}
