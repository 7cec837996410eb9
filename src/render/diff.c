// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render/diff.h"
#include "util/macro.h"
#include "util/banned.h"

/*
 * Myers' O(ND) difference algorithm in linear space ("An O(ND) Difference
 * Algorithm and Its Variations", Algorithmica 1986, section 4b): find the
 * middle snake of a shortest edit script by searching forward and backward at
 * once, then solve both halves.  The search mirrors GNU diffutils' diag() and
 * compareseq() without their speed heuristics, so the script is minimal, and
 * shift_boundaries() then slides the changes as diff does, so that where
 * several minimal scripts exist it is nearly always the one `diff -u` prints.
 * Memory is O(N+M); time O((N+M)·D) for D changed lines, bounded by
 * DIFF_BUDGET.
 */

struct line {
	const char *p;
	size_t len;
	bool nl; /* ends with '\n' */
	uint64_t hash;
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

static uint64_t line_hash(const char *p, size_t len, bool nl)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ nl; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return h;
}

static int split(const char *s, struct lines *ret)
{
	size_t cap = 0;

	ret->v = NULL;
	ret->n = 0;
	if (!s)
		return 0;
	while (*s) {
		const char *e = strchr(s, '\n');
		struct line *l;

		if (ret->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct line *nv = realloc(ret->v, ncap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			ret->v = nv;
			cap = ncap;
		}
		l = &ret->v[ret->n++];
		l->p = s;
		l->len = e ? (size_t)(e - s) : strlen(s);
		l->nl = !!e;
		l->hash = line_hash(l->p, l->len, l->nl);
		if (!e)
			break;
		s = e + 1;
	}
	return 0;
}

static bool line_eq(const struct line *a, const struct line *b)
{
	return a->hash == b->hash && a->len == b->len && a->nl == b->nl &&
	       memcmp(a->p, b->p, a->len) == 0;
}

struct myers {
	const struct line *a, *b;
	bool *del, *ins; /* changed lines of a and b */
	ptrdiff_t *fd, *bd; /* furthest x per diagonal k = x - y */
	uint64_t budget; /* diagonal extensions left before giving up on minimality */
};

/*
 * Two unrelated large texts cost (N+M)·D/2 diagonal extensions, about 10^10
 * for 100,000 lines each.  Past this many a range that is still undecided is
 * diffed as "all removed, all added": a correct diff, not a minimal one (GNU
 * diff has its own "too expensive" cut-off for the same reason).  It is far
 * above anything a configuration file with edits needs: 100,000 lines with
 * 500 changes take about 10^8.
 */
#define DIFF_BUDGET (1ULL << 28)

#define EQ(m, x, y) line_eq(&(m)->a[x], &(m)->b[y])

/*
 * The middle snake of a[xoff..xlim) vs b[yoff..ylim): a point on it in *px,
 * *py.  Returns false when the budget ran out first.
 */
static bool middle_snake(struct myers *m, ptrdiff_t xoff, ptrdiff_t xlim, ptrdiff_t yoff,
			 ptrdiff_t ylim, ptrdiff_t *px, ptrdiff_t *py)
{
	ptrdiff_t *fd = m->fd, *bd = m->bd;
	const ptrdiff_t dmin = xoff - ylim, dmax = xlim - yoff;
	const ptrdiff_t fmid = xoff - yoff, bmid = xlim - ylim;
	ptrdiff_t fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
	const bool odd = (fmid - bmid) & 1;

	fd[fmid] = xoff;
	bd[bmid] = xlim;
	for (;;) {
		uint64_t cost = (uint64_t)(fmax - fmin + bmax - bmin) + 4;

		if (m->budget < cost)
			return false;
		m->budget -= cost;
		/* one more step forward on every diagonal in reach */
		if (fmin > dmin)
			fd[--fmin - 1] = -1;
		else
			++fmin;
		if (fmax < dmax)
			fd[++fmax + 1] = -1;
		else
			--fmax;
		for (ptrdiff_t d = fmax; d >= fmin; d -= 2) {
			ptrdiff_t tlo = fd[d - 1], thi = fd[d + 1];
			ptrdiff_t x = tlo >= thi ? tlo + 1 : thi, y = x - d;

			while (x < xlim && y < ylim && EQ(m, x, y))
				x++, y++;
			fd[d] = x;
			if (odd && bmin <= d && d <= bmax && bd[d] <= x) {
				*px = x;
				*py = y;
				return true;
			}
		}
		/* and one backward */
		if (bmin > dmin)
			bd[--bmin - 1] = PTRDIFF_MAX;
		else
			++bmin;
		if (bmax < dmax)
			bd[++bmax + 1] = PTRDIFF_MAX;
		else
			--bmax;
		for (ptrdiff_t d = bmax; d >= bmin; d -= 2) {
			ptrdiff_t tlo = bd[d - 1], thi = bd[d + 1];
			ptrdiff_t x = tlo < thi ? tlo : thi - 1, y = x - d;

			while (x > xoff && y > yoff && EQ(m, x - 1, y - 1))
				x--, y--;
			bd[d] = x;
			if (!odd && fmin <= d && d <= fmax && x <= fd[d]) {
				*px = x;
				*py = y;
				return true;
			}
		}
	}
}

/*
 * Mark the changed lines of a[xoff..xlim) vs b[yoff..ylim).  Each split at
 * least halves the edit distance of the parts, so the depth is O(log D).
 */
static void compare(struct myers *m, ptrdiff_t xoff, ptrdiff_t xlim, ptrdiff_t yoff, ptrdiff_t ylim)
{
	while (xoff < xlim && yoff < ylim && EQ(m, xoff, yoff))
		xoff++, yoff++;
	while (xlim > xoff && ylim > yoff && EQ(m, xlim - 1, ylim - 1))
		xlim--, ylim--;
	if (xoff == xlim) {
		while (yoff < ylim)
			m->ins[yoff++] = true;
	} else if (yoff == ylim) {
		while (xoff < xlim)
			m->del[xoff++] = true;
	} else {
		ptrdiff_t x, y;

		if (!middle_snake(m, xoff, xlim, yoff, ylim, &x, &y)) {
			while (xoff < xlim)
				m->del[xoff++] = true;
			while (yoff < ylim)
				m->ins[yoff++] = true;
			return;
		}
		compare(m, xoff, x, yoff, y);
		compare(m, x, xlim, y, ylim);
	}
}

#undef EQ

/* The changed lines as an edit script: each change lists its deletions first, like diff -u. */
/*
 * Slide each run of changes as GNU diff's shift_boundaries() does: back while
 * the line before it equals its last line (merging with an earlier run), then
 * forward while its first line equals the line after it, and finally back to
 * where it lines up with a run in the other file.  The script stays minimal;
 * among the minimal ones this picks the one diff -u prints, with fewer hunks.
 * @changed and @other have a false sentinel at [-1] and [n].
 */
static void shift_boundaries(const struct line *v, bool *changed, ptrdiff_t n, const bool *other)
{
	ptrdiff_t i = 0, j = 0;

	for (;;) {
		ptrdiff_t runlength, start, corresponding;

		while (i < n && !changed[i]) {
			while (other[j++])
				;
			i++;
		}
		if (i == n)
			break;
		start = i;
		while (changed[++i])
			;
		while (other[j])
			j++;
		do {
			runlength = i - start;
			while (start && line_eq(&v[start - 1], &v[i - 1])) {
				changed[--start] = true;
				changed[--i] = false;
				while (changed[start - 1])
					start--;
				while (other[--j])
					;
			}
			corresponding = other[j - 1] ? i : n;
			while (i != n && line_eq(&v[start], &v[i])) {
				changed[start++] = false;
				changed[i++] = true;
				while (changed[i])
					i++;
				while (other[++j])
					corresponding = i;
			}
		} while (runlength != i - start);
		while (corresponding < i) {
			changed[--start] = true;
			changed[--i] = false;
			while (other[--j])
				;
		}
	}
}

/* The changed lines as an edit script: each change lists its deletions first, like diff -u. */
static int edit_script(const struct lines *a, const struct lines *b, struct edit **ret,
		       size_t *ret_n)
{
	/* one false sentinel on either side for shift_boundaries() */
	_cleanup_free_ bool *dflags = calloc(a->n + 2, sizeof(bool)),
			    *iflags = calloc(b->n + 2, sizeof(bool));
	size_t nd = a->n + b->n + 3;
	_cleanup_free_ ptrdiff_t *fd = calloc(nd, sizeof(ptrdiff_t)),
				 *bd = calloc(nd, sizeof(ptrdiff_t));
	bool *del, *ins;
	struct myers m;
	struct edit *v;
	size_t n = 0, i = 0, j = 0;

	if (!dflags || !iflags || !fd || !bd)
		return -ENOMEM;
	del = dflags + 1;
	ins = iflags + 1;
	/* diagonals run from -(b->n + 1) to a->n + 1 */
	m = (struct myers){ a->v, b->v, del, ins, fd + b->n + 1, bd + b->n + 1, DIFF_BUDGET };
	compare(&m, 0, (ptrdiff_t)a->n, 0, (ptrdiff_t)b->n);
	shift_boundaries(a->v, del, (ptrdiff_t)a->n, ins);
	shift_boundaries(b->v, ins, (ptrdiff_t)b->n, del);
	v = calloc(a->n + b->n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	while (i < a->n || j < b->n) {
		if (i < a->n && del[i])
			v[n++] = (struct edit){ OP_DEL, i++, j };
		else if (j < b->n && ins[j])
			v[n++] = (struct edit){ OP_INS, i, j++ };
		else
			v[n++] = (struct edit){ OP_EQ, i++, j++ };
	}
	*ret = v;
	*ret_n = n;
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
	size_t n = 0, size = 0, i;
	bool changed;
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

	r = edit_script(&a, &b, &ed, &n);
	if (r < 0)
		return r;
	changed = false;
	for (i = 0; i < n && !changed; i++)
		changed = ed[i].op != OP_EQ;
	if (!changed && !old == !new) {
		*ret = strdup("");
		return *ret ? 0 : -ENOMEM;
	}

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
