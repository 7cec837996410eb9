/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_RENDER_TOP_RATE_H
#define CTA_RENDER_TOP_RATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "render/top.h"

/*
 * One interval of `ctaudit top conntrack|timewait --rate` (docs/top.md), as
 * text or as one JSON object (a line of JSON lines).  Pure: the caller fills
 * the struct; everything here borrows from it.
 */
struct cta_top_rate {
	const char *table; /* "conntrack" or "timewait" */
	const char *unit; /* "new flows/s", "sockets entering TIME_WAIT/s" */
	const char *by;
	const char *filter; /* NULL: none */
	unsigned interval; /* 1, 2, ... */
	double seconds; /* length of the interval */
	uint64_t count; /* counted in the interval (after the filter) */
	size_t keys; /* distinct keys kept */
	uint64_t other; /* counted past the key limit */
	const struct cta_top_item *items; /* counts in the interval, largest first */
	size_t n_items;
	bool approximate;
	/* conntrack: the events read and lost, and the table */
	bool have_events;
	uint64_t events;
	int64_t lost; /* -1: unknown */
	uint64_t overruns;
	bool have_table;
	uint64_t table_entries, table_max;
	double growth_per_s;
	/* timewait: sockets in TIME_WAIT at the sample */
	bool have_present;
	uint64_t present;
};

/* Text; @in_place starts with a clear-screen sequence, @bold marks the header.
 * New string (caller frees) or NULL on ENOMEM. */
char *cta_render_top_rate_text(const struct cta_top_rate *r, bool in_place, bool bold);

/* The interval object of docs/top.md.  Returns 0 or -ENOMEM. */
int cta_render_top_rate_json(const struct cta_top_rate *r, json_t **ret);

#endif
