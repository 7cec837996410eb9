/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_RENDER_TOP_H
#define CTA_RENDER_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/*
 * `ctaudit top` (docs/top.md): a ranked count of conntrack entries or
 * sockets by one key, as text or JSON.  Pure: the caller fills a struct
 * cta_top from the dump; everything here borrows from it.
 */

struct cta_top_item {
	const char *key; /* formatted key ("10.0.0.1", "tcp/443", ...) */
	uint64_t count;
};

enum cta_top_kind {
	CTA_TOP_CONNTRACK, /* conntrack entries */
	CTA_TOP_SOCKETS, /* sockets in a TCP state */
};

struct cta_top {
	enum cta_top_kind kind;
	const char *by; /* key name */
	const char *filter; /* conntrack: --filter text, or NULL */
	const char *state; /* sockets: state name ("TIME_WAIT", "all") */
	uint64_t total; /* entries (matching the filter) or sockets */
	uint64_t scanned; /* conntrack: entries the kernel sent */
	/* conntrack with a filter: "kernel", "userspace" or "both" (where the
	 * filter was evaluated), and the table's size for "N of M" */
	const char *filtered_in;
	uint64_t table;
	size_t keys; /* distinct keys seen */
	bool approximate; /* the dump was interrupted */
	const struct cta_top_item *items; /* most frequent first */
	size_t n_items;
};

/* The table as text.  New string (caller frees) or NULL on ENOMEM. */
char *cta_render_top_text(const struct cta_top *t);

/* The object of docs/top.md.  Returns 0 or -ENOMEM. */
int cta_render_top_json(const struct cta_top *t, json_t **ret);

#endif
