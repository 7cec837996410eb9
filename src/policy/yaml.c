// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include <jansson.h>
#include "util/json.h"
#include "policy/yaml.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/banned.h"

static void ynode_free(struct cta_ynode *n)
{
	if (!n)
		return;
	free(n->str);
	for (size_t i = 0; n->items && i < n->n; i++)
		ynode_free(n->items[i]);
	free(n->items);
	for (size_t i = 0; n->pairs && i < n->n; i++) {
		ynode_free(n->pairs[i].key);
		ynode_free(n->pairs[i].value);
	}
	free(n->pairs);
	free(n);
}

void cta_ydoc_free(struct cta_ydoc *d)
{
	if (!d)
		return;
	ynode_free(d->root);
	free(d->file);
	free(d->text);
	free(d->line_starts);
	free(d);
}

/* Byte offset of libyaml's (line, column) mark: its column counts characters. */
static size_t mark_offset(const struct cta_ydoc *d, size_t line0, size_t col0)
{
	size_t i;

	if (line0 >= d->n_lines)
		return d->len;
	i = d->line_starts[line0];
	for (size_t c = 0; c < col0 && i < d->len && d->text[i] != '\n'; c++) {
		i++;
		while (i < d->len && ((unsigned char)d->text[i] & 0xc0) == 0x80)
			i++;
	}
	return i;
}

/* 1-based line and byte column of byte @off. */
static void doc_pos(const struct cta_ydoc *d, size_t off, unsigned *ret_line, unsigned *ret_col)
{
	size_t lo = 0, hi = d->n_lines;

	if (off > d->len)
		off = d->len;
	/* the last line start <= off */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->line_starts[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	*ret_line = (unsigned)(lo + 1);
	*ret_col = (unsigned)(off - d->line_starts[lo] + 1);
}

static int index_lines(struct cta_ydoc *d)
{
	size_t n = 1;

	for (size_t i = 0; i < d->len; i++)
		n += d->text[i] == '\n';
	d->line_starts = malloc(n * sizeof(*d->line_starts));
	if (!d->line_starts)
		return -ENOMEM;
	d->line_starts[0] = 0;
	d->n_lines = 1;
	for (size_t i = 0; i < d->len; i++)
		if (d->text[i] == '\n')
			d->line_starts[d->n_lines++] = i + 1;
	return 0;
}

void cta_ydoc_scalar_pos(const struct cta_ydoc *d, const struct cta_ynode *n, size_t offset,
			 unsigned *ret_line, unsigned *ret_col)
{
	size_t j = n->start, end = n->end > d->len ? d->len : n->end;
	size_t vlen = n->str ? strlen(n->str) : 0;

	if (offset > vlen)
		offset = vlen;
	/* Greedy alignment: every value byte is matched with the next equal
	 * raw byte; quotes, escapes, indentation and folded line breaks in
	 * between are skipped. */
	for (size_t i = 0; i < offset && j < end; i++) {
		size_t k = j;

		while (k < end && d->text[k] != n->str[i])
			k++;
		if (k == end)
			break;
		j = k + 1;
	}
	if (offset < vlen) {
		size_t k = j;

		while (k < end && d->text[k] != n->str[offset])
			k++;
		if (k < end)
			j = k;
	}
	doc_pos(d, j, ret_line, ret_col);
}

struct cta_ynode *cta_ynode_get(const struct cta_ynode *map, const char *key)
{
	if (!map || map->kind != CTA_YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (map->pairs[i].key->kind == CTA_YNODE_SCALAR &&
		    streq(map->pairs[i].key->str, key))
			return map->pairs[i].value;
	return NULL;
}

const char *cta_ynode_kind_name(const struct cta_ynode *n)
{
	switch (n->kind) {
	case CTA_YNODE_SCALAR:
		return "a scalar";
	case CTA_YNODE_SEQ:
		return "a list";
	case CTA_YNODE_MAP:
		return "a mapping";
	}
	return "?";
}

bool cta_ydoc_line_short(const struct cta_ydoc *d, unsigned line)
{
	size_t bol, eol;

	if (line == 0 || line > d->n_lines)
		return true;
	bol = d->line_starts[line - 1];
	eol = line < d->n_lines ? d->line_starts[line] - 1 : d->len;
	return eol - bol <= CTA_YAML_MAX_SHOWN_LINE;
}

/* A located diagnostic, with the source line when it is short enough to show. */
_printf_(5, 6) static int ydiag(struct cta_diags *diags, const struct cta_ydoc *d, unsigned line,
				unsigned col, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	if (cta_ydoc_line_short(d, line))
		return cta_diag_add_src(diags, d->file, line, col, "%s", msg);
	return cta_diag_add(diags, d->file, line, col, "%s", msg);
}

static int diag_at_mark(struct cta_diags *diags, struct cta_ydoc *d, yaml_mark_t m,
			const char *what, const char *ctx)
{
	size_t off = mark_offset(d, m.line, m.column);
	unsigned line, col;

	doc_pos(d, off, &line, &col);
	if (ctx)
		return ydiag(diags, d, line, col, "%s %s", what, ctx);
	return ydiag(diags, d, line, col, "%s", what);
}

static int parser_error(struct cta_diags *diags, struct cta_ydoc *d, yaml_parser_t *p)
{
	unsigned line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return -ENOMEM;
	case YAML_READER_ERROR:
		doc_pos(d, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			return ydiag(diags, d, line, col, "%s (byte 0x%02x)", p->problem ? p->problem : "cannot read", (unsigned)p->problem_value & 0xff) ?:
				       -EINVAL;
		return ydiag(diags, d, line, col, "%s", p->problem ? p->problem : "cannot read") ?:
			       -EINVAL;
	default:
		/* The commonest mistake in policies: an expression with brackets
		 * inside a [...] list, where YAML ends the plain scalar early. */
		if (p->problem && strstr(p->problem, "expected ',' or ']'"))
			return diag_at_mark(diags, d, p->problem_mark, p->problem,
					    "while parsing a flow sequence (inside [...] "
					    "quote expressions that contain '[', ']' or ',', "
					    "or use a block list)") ?:
			       -EINVAL;
		return diag_at_mark(diags, d, p->problem_mark, p->problem ? p->problem : "invalid YAML", p->context ? p->context : NULL) ?:
			       -EINVAL;
	}
}

/*
 * A first pass over the event stream rejects what the document model would
 * accept but we must not: aliases (which the model resolves to shared nodes,
 * so a walk of "billion laughs" would explode), nesting deeper than we are
 * prepared to recurse, and several documents.
 */
static int prescan(struct cta_diags *diags, struct cta_ydoc *d)
{
	yaml_parser_t p;
	int depth = 0, docs = 0, r = 0;
	bool done = false;

	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)d->text, d->len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	while (!done) {
		yaml_event_t ev;

		if (!yaml_parser_parse(&p, &ev)) {
			r = parser_error(diags, d, &p);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				r = diag_at_mark(diags, d, ev.start_mark, "only one YAML document per file is allowed", NULL) ?:
					    -EINVAL;
				done = true;
			}
			break;
		case YAML_ALIAS_EVENT:
			r = diag_at_mark(diags, d, ev.start_mark, "YAML aliases are not supported", NULL) ?:
				    -EINVAL;
			done = true;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > CTA_YAML_MAX_DEPTH) {
				r = diag_at_mark(diags, d, ev.start_mark, "nesting deeper than 32 levels", NULL) ?:
					    -EINVAL;
				done = true;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (r == 0 && docs == 0)
		r = cta_diag_add(diags, d->file, 1, 1, "empty document") ?: -EINVAL;
	return r;
}

static int convert(struct cta_ydoc *d, yaml_document_t *doc, yaml_node_t *yn, int depth,
		   struct cta_diags *diags, struct cta_ynode **ret)
{
	struct cta_ynode *n;
	int r;

	if (depth > CTA_YAML_MAX_DEPTH + 1)
		return diag_at_mark(diags, d, yn->start_mark, "nesting deeper than 32 levels", NULL) ?:
			       -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->start = mark_offset(d, yn->start_mark.line, yn->start_mark.column);
	n->end = mark_offset(d, yn->end_mark.line, yn->end_mark.column);
	doc_pos(d, n->start, &n->line, &n->col);

	switch (yn->type) {
	case YAML_SCALAR_NODE:
		n->kind = CTA_YNODE_SCALAR;
		if (memchr(yn->data.scalar.value, 0, yn->data.scalar.length)) {
			r = ydiag(diags, d, n->line, n->col, "NUL character in a string") ?:
											    -EINVAL;
			ynode_free(n);
			return r;
		}
		n->str = strndup((const char *)yn->data.scalar.value, yn->data.scalar.length);
		if (!n->str) {
			ynode_free(n);
			return -ENOMEM;
		}
		n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		break;
	case YAML_SEQUENCE_NODE: {
		size_t cnt = (size_t)(yn->data.sequence.items.top - yn->data.sequence.items.start);

		n->kind = CTA_YNODE_SEQ;
		n->items = calloc(cnt ? cnt : 1, sizeof(*n->items));
		if (!n->items) {
			ynode_free(n);
			return -ENOMEM;
		}
		for (size_t i = 0; i < cnt; i++) {
			yaml_node_t *c =
				yaml_document_get_node(doc, yn->data.sequence.items.start[i]);

			r = c ? convert(d, doc, c, depth + 1, diags, &n->items[n->n]) : -EINVAL;
			if (r < 0) {
				ynode_free(n);
				return r;
			}
			n->n++;
		}
		break;
	}
	case YAML_MAPPING_NODE: {
		size_t cnt = (size_t)(yn->data.mapping.pairs.top - yn->data.mapping.pairs.start);

		_cleanup_json_ json_t *seen = json_object();

		n->kind = CTA_YNODE_MAP;
		n->pairs = calloc(cnt ? cnt : 1, sizeof(*n->pairs));
		if (!n->pairs || !seen) {
			ynode_free(n);
			return -ENOMEM;
		}
		for (size_t i = 0; i < cnt; i++) {
			yaml_node_pair_t *yp = &yn->data.mapping.pairs.start[i];
			yaml_node_t *k = yaml_document_get_node(doc, yp->key);
			yaml_node_t *v = yaml_document_get_node(doc, yp->value);
			struct cta_ypair *pair = &n->pairs[n->n];

			r = k ? convert(d, doc, k, depth + 1, diags, &pair->key) : -EINVAL;
			if (r >= 0)
				r = v ? convert(d, doc, v, depth + 1, diags, &pair->value) :
					-EINVAL;
			if (r < 0) {
				ynode_free(pair->key);
				ynode_free(pair->value);
				ynode_free(n);
				return r;
			}
			n->n++;
			if (pair->key->kind != CTA_YNODE_SCALAR) {
				r = ydiag(diags, d, pair->key->line, pair->key->col, "mapping keys must be plain strings") ?:
					    -EINVAL;
				ynode_free(n);
				return r;
			}
			/* keys seen so far, by name -> index (a hash: maps can be wide) */
			json_t *first = json_object_get(seen, pair->key->str);

			if (first) {
				r = ydiag(diags, d, pair->key->line, pair->key->col,
					  "duplicate key '%s' (first on line %u)", pair->key->str,
					  n->pairs[json_integer_value(first)].key->line) ?:
				    -EINVAL;
				ynode_free(n);
				return r;
			}
			if (json_object_set_new(seen, pair->key->str, json_integer((json_int_t)i)) <
			    0) {
				ynode_free(n);
				return -ENOMEM;
			}
		}
		break;
	}
	default:
		ynode_free(n);
		return -EINVAL;
	}
	*ret = n;
	return 0;
}

int cta_ydoc_parse(const char *name, const char *text, size_t len, struct cta_diags *diags,
		   struct cta_ydoc **ret)
{
	_cleanup_(cta_ydoc_freep) struct cta_ydoc *d = NULL;
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root;
	int r;

	/*
	 * A UTF-8 byte-order mark may start a YAML stream (YAML 1.2, 5.2), and
	 * editors on other systems write one; libyaml with an explicit encoding
	 * takes it for content ("did not find expected <document start>" on
	 * line 2).  Drop it so that lines and columns stay those of the text.
	 */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->file = strdup(name);
	d->text = malloc(len + 1);
	if (!d->file || !d->text)
		return -ENOMEM;
	memcpy(d->text, text, len);
	d->text[len] = 0;
	d->len = len;
	if (index_lines(d) < 0)
		return -ENOMEM;

	if (len > CTA_YAML_MAX_BYTES)
		return cta_diag_add(diags, d->file, 1, 1, "file too large (%zu bytes, limit %u)", len, CTA_YAML_MAX_BYTES) ?:
			       -EINVAL;
	r = prescan(diags, d);
	if (r < 0)
		return r;

	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)d->text, d->len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	if (!yaml_parser_load(&p, &doc)) {
		r = parser_error(diags, d, &p);
		yaml_parser_delete(&p);
		return r;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root)
		r = cta_diag_add(diags, d->file, 1, 1, "empty document") ?: -EINVAL;
	else
		r = convert(d, &doc, root, 0, diags, &d->root);
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(d);
	return 0;
}

static int load_text(const char *path, ssize_t n, char *text, struct cta_diags *diags,
		     struct cta_ydoc **ret)
{
	int r;

	if (n == -EFBIG)
		return cta_diag_add(diags, path, 1, 1, "file too large (limit %u bytes)", CTA_YAML_MAX_BYTES) ?:
			       -EINVAL;
	if (n < 0) {
		r = cta_diag_add(diags, path, 0, 0, "cannot read: %s", CTA_STRERROR((int)-n));
		return r < 0 ? r : (int)n;
	}
	return cta_ydoc_parse(path, text, (size_t)n, diags, ret);
}

int cta_ydoc_load(const char *path, struct cta_diags *diags, struct cta_ydoc **ret)
{
	_cleanup_free_ char *text = NULL;
	ssize_t n = cta_read_file(path, CTA_YAML_MAX_BYTES + 1, &text);

	return load_text(path, n, text, diags, ret);
}

int cta_ydoc_load_fd(int fd, const char *path, struct cta_diags *diags, struct cta_ydoc **ret)
{
	_cleanup_free_ char *text = NULL;
	ssize_t n = cta_read_fd(fd, CTA_YAML_MAX_BYTES + 1, &text);

	return load_text(path, n, text, diags, ret);
}
