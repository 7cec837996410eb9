// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "util/diag.h"
#include "util/fileio.h"
#include "util/banned.h"

_printf_(6, 0) static int diag_addv(struct cta_diags *d, const char *file, unsigned line,
				    unsigned col, bool want_src, const char *fmt, va_list ap)
{
	struct cta_diag *x;
	char *msg;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct cta_diag *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	if (vasprintf(&msg, fmt, ap) < 0)
		return -ENOMEM;
	x = &d->v[d->n++];
	*x = (struct cta_diag){ .line = line, .col = col, .message = msg };
	if (file)
		x->file = strdup(file);
	if (want_src && file && line > 0)
		(void)cta_read_line(file, line, &x->source_line);
	return 0;
}

int cta_diag_add(struct cta_diags *d, const char *file, unsigned line, unsigned col,
		 const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diag_addv(d, file, line, col, false, fmt, ap);
	va_end(ap);
	return r;
}

int cta_diag_add_src(struct cta_diags *d, const char *file, unsigned line, unsigned col,
		     const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diag_addv(d, file, line, col, true, fmt, ap);
	va_end(ap);
	return r;
}

void cta_diags_print(const struct cta_diags *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct cta_diag *x = &d->v[i];

		if (x->file && x->line)
			fprintf(f, "%s:%u:%u: error: %s\n", x->file, x->line, x->col ? x->col : 1,
				x->message);
		else if (x->file)
			fprintf(f, "%s: error: %s\n", x->file, x->message);
		else
			fprintf(f, "error: %s\n", x->message);
		if (x->source_line) {
			fprintf(f, "  %s\n  ", x->source_line);
			size_t len = strlen(x->source_line);

			for (unsigned c = 1; c < x->col; c++)
				fputc(c - 1 < len && x->source_line[c - 1] == '\t' ? '\t' : ' ', f);
			fputs("^\n", f);
		}
	}
}

void cta_diags_done(struct cta_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].message);
		free(d->v[i].source_line);
	}
	free(d->v);
	*d = (struct cta_diags){ 0 };
}
