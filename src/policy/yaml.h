/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_POLICY_YAML_H
#define CTA_POLICY_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include "util/diag.h"

/*
 * The libyaml adapter: a YAML file becomes a small tree of our own whose
 * nodes carry their source position.  Only src/policy/yaml.c includes
 * <yaml.h>.  Aliases are rejected (nothing in the policy language needs them,
 * and they allow exponential documents), nesting is bounded, files are
 * bounded in size.
 */

enum cta_ynode_kind {
	CTA_YNODE_SCALAR,
	CTA_YNODE_SEQ,
	CTA_YNODE_MAP,
};

struct cta_ynode;

struct cta_ypair {
	struct cta_ynode *key;
	struct cta_ynode *value;
};

struct cta_ynode {
	enum cta_ynode_kind kind;
	unsigned line, col; /* 1-based */
	size_t start, end; /* byte offsets of the node in the document's text */
	/* CTA_YNODE_SCALAR */
	char *str;
	bool plain; /* unquoted flow scalar: may be a number, boolean or null */
	/* CTA_YNODE_SEQ */
	struct cta_ynode **items;
	/* CTA_YNODE_MAP */
	struct cta_ypair *pairs;
	size_t n; /* items or pairs */
};

struct cta_ydoc {
	char *file; /* as given to cta_ydoc_load */
	char *text; /* the whole file, NUL-terminated */
	size_t len;
	struct cta_ynode *root;
	size_t *line_starts; /* byte offset of each line, for positions in O(log n) */
	size_t n_lines;
};

#define CTA_YAML_MAX_BYTES (4u << 20)
#define CTA_YAML_MAX_DEPTH 32
/* Longer source lines are not quoted under a diagnostic. */
#define CTA_YAML_MAX_SHOWN_LINE 400

/*
 * Load @path as one YAML document.  Syntax errors, aliases, too deep nesting,
 * a too large or empty file, or several documents go to @diags; the call then
 * returns -EINVAL.  Returns 0 and a new document in @ret, -EINVAL, a negative
 * errno from reading the file (also recorded in @diags), or -ENOMEM.
 */
int cta_ydoc_load(const char *path, struct cta_diags *diags, struct cta_ydoc **ret);

/* The same for the file open at @fd (read from its current offset); @path names it. */
int cta_ydoc_load_fd(int fd, const char *path, struct cta_diags *diags, struct cta_ydoc **ret);

/* Parse @text (used by tests and the loader); @name names it in diagnostics. */
int cta_ydoc_parse(const char *name, const char *text, size_t len, struct cta_diags *diags,
		   struct cta_ydoc **ret);

void cta_ydoc_free(struct cta_ydoc *d);
CTA_DEFINE_CLEANUP(struct cta_ydoc *, cta_ydoc_free)

/*
 * Source position of byte @offset of scalar @n's value (for expression
 * errors).  Aligns the value with the raw text, so it is exact for plain and
 * quoted scalars without escapes and for block scalars.
 */
void cta_ydoc_scalar_pos(const struct cta_ydoc *d, const struct cta_ynode *n, size_t offset,
			 unsigned *ret_line, unsigned *ret_col);

/* Whether line @line of @d is short enough to quote in a diagnostic. */
bool cta_ydoc_line_short(const struct cta_ydoc *d, unsigned line);

/* Member @key of mapping @map, or NULL. */
struct cta_ynode *cta_ynode_get(const struct cta_ynode *map, const char *key);

const char *cta_ynode_kind_name(const struct cta_ynode *n);

#endif
