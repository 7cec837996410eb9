// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render/top.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

static double percent(uint64_t count, uint64_t total)
{
	return total ? round((double)count * 1000.0 / (double)total) / 10.0 : 0.0;
}

static unsigned digits(uint64_t v)
{
	unsigned d = 1;

	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

char *cta_render_top_text(const struct cta_top *t)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, n = t->n_items;
	_cleanup_fclose_ FILE *f = open_memstream(&buf, &len);
	const bool ct = t->kind == CTA_TOP_CONNTRACK;
	unsigned rw = MAX(4u, digits(n)), cw = MAX(5u, digits(n ? t->items[0].count : 0));

	if (!f)
		return NULL;
	if (ct && t->filter)
		fprintf(f, "conntrack entries matching '%s': %" PRIu64 " of %" PRIu64 " (by %s)\n",
			t->filter, t->total, t->table ? t->table : t->scanned, t->by);
	else if (ct)
		fprintf(f, "conntrack entries: %" PRIu64 " (by %s)\n", t->total, t->by);
	else
		fprintf(f, "%s sockets: %" PRIu64 " (by %s)\n",
			streq(t->state, "all") ? "TCP" : t->state, t->total, t->by);
	if (n) {
		fprintf(f, "%*s  %*s  %7s  %s\n", rw, "rank", cw, "count", "percent", "key");
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%*zu  %*" PRIu64 "  %6.1f%%  %s\n", rw, i + 1, cw,
				t->items[i].count, percent(t->items[i].count, t->total),
				t->items[i].key);
	}
	fprintf(f, "%zu key%s, %" PRIu64 " %s\n", t->keys, t->keys == 1 ? "" : "s", t->total,
		ct ? (t->total == 1 ? "entry" : "entries") :
		     (t->total == 1 ? "socket" : "sockets"));
	if (t->approximate)
		fputs("(approximate: dump interrupted)\n", f);
	if (fclose(TAKE_PTR(f)) != 0)
		return NULL;
	return TAKE_PTR(buf);
}

int cta_render_top_json(const struct cta_top *t, json_t **ret)
{
	_cleanup_json_ json_t *a = json_array(), *o = NULL;

	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_items; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:I, s:f}", "key", t->items[i].key,
						       "count", (json_int_t)t->items[i].count,
						       "percent",
						       percent(t->items[i].count, t->total))) < 0)
			return -ENOMEM;
	if (t->kind == CTA_TOP_CONNTRACK) {
		o = json_pack("{s:s, s:I, s:I, s:I, s:b, s:O}", "by", t->by, "entries",
			      (json_int_t)t->total, "scanned", (json_int_t)t->scanned, "keys_total",
			      (json_int_t)t->keys, "approximate", t->approximate, "top", a);
		if (o && t->filter && json_object_set_new(o, "filter", json_string(t->filter)) < 0)
			return -ENOMEM;
		if (o && t->filter && t->filtered_in &&
		    json_object_set_new(o, "filtered_in", json_string(t->filtered_in)) < 0)
			return -ENOMEM;
	} else
		o = json_pack("{s:s, s:s, s:I, s:I, s:b, s:O}", "by", t->by, "state", t->state,
			      "sockets", (json_int_t)t->total, "keys_total", (json_int_t)t->keys,
			      "approximate", t->approximate, "top", a);
	if (!o)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}
