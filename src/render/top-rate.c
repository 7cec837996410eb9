// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "render/top-rate.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

static double per_s(uint64_t c, double s)
{
	return s > 0 ? (double)c / s : 0.0;
}

static double round1(double v)
{
	return round(v * 10.0) / 10.0;
}

static double percent(uint64_t c, uint64_t total)
{
	return total ? round1(100.0 * (double)c / (double)total) : 0.0;
}

/* "14m40s", "2h03m", "45s" */
static void format_duration(double s, char *buf, size_t size)
{
	uint64_t v = (uint64_t)llround(s);

	if (v < 60)
		snprintf(buf, size, "%" PRIu64 "s", v);
	else if (v < 3600)
		snprintf(buf, size, "%" PRIu64 "m%02" PRIu64 "s", v / 60, v % 60);
	else
		snprintf(buf, size, "%" PRIu64 "h%02" PRIu64 "m", v / 3600, (v % 3600) / 60);
}

static bool filling(const struct cta_top_rate *r)
{
	return r->growth_per_s > 0 && r->table_max > r->table_entries;
}

char *cta_render_top_rate_text(const struct cta_top_rate *r, bool in_place, bool bold)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	_cleanup_fclose_ FILE *f = open_memstream(&buf, &len);
	unsigned cw = 5;
	char dur[32];

	if (!f)
		return NULL;
	for (size_t i = 0; i < r->n_items; i++)
		cw = MAX(cw,
			 (unsigned)snprintf(NULL, 0, "%.1f", per_s(r->items[i].count, r->seconds)));
	if (in_place)
		fputs("\033[H\033[2J", f);
	fprintf(f, "%s%s: %.1f %s by %s over %.2f s", bold ? "\033[1m" : "", r->table,
		per_s(r->count, r->seconds), r->unit, r->by, r->seconds);
	if (r->filter)
		fprintf(f, " matching '%s'", r->filter);
	fprintf(f, "%s\n", bold ? "\033[0m" : "");
	if (r->n_items) {
		fprintf(f, "rank  %*s  %7s  %s\n", cw, "per_s", "percent", "key");
		for (size_t i = 0; i < r->n_items; i++)
			fprintf(f, "%4zu  %*.1f  %6.1f%%  %s\n", i + 1, cw,
				per_s(r->items[i].count, r->seconds),
				percent(r->items[i].count, r->count), r->items[i].key);
	}
	fprintf(f, "%" PRIu64 " in %.2f s, %zu key%s", r->count, r->seconds, r->keys,
		r->keys == 1 ? "" : "s");
	if (r->other)
		fprintf(f, " (+%" PRIu64 " past the key limit, counted as other)", r->other);
	if (r->have_present)
		fprintf(f, "; %" PRIu64 " socket%s in TIME_WAIT", r->present,
			r->present == 1 ? "" : "s");
	fputc('\n', f);
	if (r->have_table) {
		fprintf(f, "table: %" PRIu64 " of %" PRIu64 " entries, net growth %+.1f/s",
			r->table_entries, r->table_max, r->growth_per_s);
		if (filling(r)) {
			format_duration((double)(r->table_max - r->table_entries) / r->growth_per_s,
					dur, sizeof(dur));
			fprintf(f, ", full in about %s at this rate", dur);
		} else if (r->table_max && r->table_entries >= r->table_max)
			fputs(", full", f);
		fputc('\n', f);
	}
	if (r->have_events) {
		if (r->lost >= 0)
			fprintf(f, "events lost: %" PRId64 "%s\n", r->lost,
				r->lost ? " (approximate: counts above are low)" : "");
		else
			fprintf(f, "events lost: unknown, %" PRIu64 " overrun%s (approximate)\n",
				r->overruns, r->overruns == 1 ? "" : "s");
	} else if (r->approximate)
		fputs("(approximate: a dump was interrupted)\n", f);
	if (!in_place)
		fputc('\n', f);
	if (fclose(TAKE_PTR(f)) != 0)
		return NULL;
	return TAKE_PTR(buf);
}

int cta_render_top_rate_json(const struct cta_top_rate *r, json_t **ret)
{
	_cleanup_json_ json_t *top = json_array(), *o = NULL;

	if (!top)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_items; i++)
		if (json_array_append_new(
			    top, json_pack("{s:s, s:I, s:f, s:f}", "key", r->items[i].key, "count",
					   (json_int_t)r->items[i].count, "per_s",
					   round1(per_s(r->items[i].count, r->seconds)), "percent",
					   percent(r->items[i].count, r->count))) < 0)
			return -ENOMEM;
	o = json_pack("{s:s, s:I, s:f, s:s, s:I, s:f, s:I, s:I, s:b, s:O}", "table", r->table,
		      "interval", (json_int_t)r->interval, "seconds",
		      round(r->seconds * 1000) / 1000, "by", r->by, "count", (json_int_t)r->count,
		      "per_s", round1(per_s(r->count, r->seconds)), "keys_total",
		      (json_int_t)r->keys, "other", (json_int_t)r->other, "approximate",
		      r->approximate, "top", top);
	if (!o)
		return -ENOMEM;
	if (r->filter && json_object_set_new(o, "filter", json_string(r->filter)) < 0)
		return -ENOMEM;
	if (r->have_events &&
	    (json_object_set_new(o, "events", json_integer((json_int_t)r->events)) < 0 ||
	     json_object_set_new(o, "events_lost",
				 r->lost >= 0 ? json_integer((json_int_t)r->lost) : json_null()) <
		     0 ||
	     json_object_set_new(o, "overruns", json_integer((json_int_t)r->overruns)) < 0))
		return -ENOMEM;
	if (r->have_table) {
		json_t *t = json_pack(
			"{s:I, s:I, s:f, s:o}", "entries", (json_int_t)r->table_entries, "max",
			(json_int_t)r->table_max, "growth_per_s", round1(r->growth_per_s),
			"full_in_s",
			filling(r) ? json_real(round((double)(r->table_max - r->table_entries) /
						     r->growth_per_s)) :
				     json_null());

		if (!t || json_object_set_new(o, "conntrack", t) < 0)
			return -ENOMEM;
	}
	if (r->have_present &&
	    json_object_set_new(o, "present", json_integer((json_int_t)r->present)) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}
