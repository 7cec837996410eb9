// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `ctaudit top conntrack --rate` and `top timewait --rate`: the live view of
 * who creates conntrack entries (or TIME_WAIT sockets) now, one report per
 * interval, as text (refreshed in place with --watch on a terminal) or JSON
 * lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "cli/top-rate.h"
#include "nf/rate.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* no SA_RESTART: poll() returns at once and the loop ends cleanly */
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int read_u64(const char *path, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;
	ssize_t n = cta_read_file(path, 64, &s);

	if (n < 0)
		return (int)n;
	cta_collapse_ws(s);
	return cta_parse_u64(s, ret);
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

/* What one interval found, whichever table it is about. */
struct rate_view {
	const char *what; /* "conntrack" or "timewait" */
	const char *unit; /* "new flows/s", "entering TIME_WAIT/s" */
	const char *by;
	const char *filter;
	unsigned interval_no;
	double seconds;
	uint64_t total; /* counted (after the filter) */
	uint64_t events; /* conntrack: events read before the filter */
	const struct cta_agg *agg;
	char *(*format)(int by, const unsigned char *key, char *buf, size_t size);
	int by_enum;
	uint64_t other;
	size_t n;
	/* conntrack table */
	bool have_table;
	uint64_t table_entries, table_max;
	double growth_per_s;
	/* loss */
	bool have_lost;
	int64_t lost; /* -1: unknown */
	uint64_t overruns;
	bool approximate;
	/* timewait */
	bool have_present;
	uint64_t present;
};

static char *ct_format(int by, const unsigned char *key, char *buf, size_t size)
{
	return cta_ct_key_format((enum cta_ct_by)by, key, buf, size);
}

static char *sd_format(int by, const unsigned char *key, char *buf, size_t size)
{
	return cta_sd_key_format((enum cta_sd_by)by, key, buf, size);
}

static double per_s(uint64_t c, double s)
{
	return s > 0 ? (double)c / s : 0.0;
}

static double round1(double v)
{
	return round(v * 10.0) / 10.0;
}

static int emit_json(const struct rate_view *v, const struct cta_agg_item *items, size_t n)
{
	_cleanup_json_ json_t *j = NULL;
	json_t *top = json_array();
	char key[CTA_CT_KEY_STRLEN];

	if (!top)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack(
			"{s:s, s:I, s:f, s:f}", "key",
			v->format(v->by_enum, items[i].key, key, sizeof(key)), "count",
			(json_int_t)items[i].count, "per_s",
			round1(per_s(items[i].count, v->seconds)), "percent",
			v->total ? round1(100.0 * (double)items[i].count / (double)v->total) : 0.0);

		if (!o || json_array_append_new(top, o) < 0) {
			json_decref(top);
			return -ENOMEM;
		}
	}
	j = json_pack("{s:s, s:I, s:f, s:s, s:I, s:f, s:I, s:I, s:b, s:o}", "table", v->what,
		      "interval", (json_int_t)v->interval_no, "seconds",
		      round(v->seconds * 1000) / 1000, "by", v->by, "count", (json_int_t)v->total,
		      "per_s", round1(per_s(v->total, v->seconds)), "keys_total",
		      (json_int_t)v->agg->n, "other", (json_int_t)v->other, "approximate",
		      v->approximate, "top", top);
	if (!j)
		return -ENOMEM;
	if (v->filter && json_object_set_new(j, "filter", json_string(v->filter)) < 0)
		return -ENOMEM;
	if (v->have_lost) {
		if (json_object_set_new(j, "events", json_integer((json_int_t)v->events)) < 0 ||
		    json_object_set_new(j, "events_lost",
					v->lost >= 0 ? json_integer((json_int_t)v->lost) :
						       json_null()) < 0 ||
		    json_object_set_new(j, "overruns", json_integer((json_int_t)v->overruns)) < 0)
			return -ENOMEM;
	}
	if (v->have_table) {
		json_t *t = json_pack("{s:I, s:I, s:f}", "entries", (json_int_t)v->table_entries,
				      "max", (json_int_t)v->table_max, "growth_per_s",
				      round1(v->growth_per_s));

		if (!t || json_object_set_new(j, "conntrack", t) < 0)
			return -ENOMEM;
		if (json_object_set_new(
			    t, "full_in_s",
			    v->growth_per_s > 0 && v->table_max > v->table_entries ?
				    json_real(round((double)(v->table_max - v->table_entries) /
						    v->growth_per_s)) :
				    json_null()) < 0)
			return -ENOMEM;
	}
	if (v->have_present &&
	    json_object_set_new(j, "present", json_integer((json_int_t)v->present)) < 0)
		return -ENOMEM;
	/* one line per interval: JSON lines */
	if (json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(10)) < 0 ||
	    fputc('\n', stdout) == EOF)
		return -EIO;
	return 0;
}

static void emit_text(const struct rate_view *v, const struct cta_agg_item *items, size_t n,
		      bool watch, bool bold)
{
	char key[CTA_CT_KEY_STRLEN], dur[32];
	unsigned cw = 5;

	if (watch)
		fputs("\033[H\033[2J", stdout);
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(NULL, 0, "%.1f", per_s(items[i].count, v->seconds));

		cw = MAX(cw, (unsigned)w);
	}
	printf("%s%s: %.1f %s by %s over %.2f s%s%s%s%s\n", bold ? "\033[1m" : "", v->what,
	       per_s(v->total, v->seconds), v->unit, v->by, v->seconds,
	       v->filter ? " matching '" : "", v->filter ? v->filter : "", v->filter ? "'" : "",
	       bold ? "\033[0m" : "");
	if (n) {
		printf("rank  %*s  %7s  %s\n", cw, "per_s", "percent", "key");
		for (size_t i = 0; i < n; i++)
			printf("%4zu  %*.1f  %6.1f%%  %s\n", i + 1, cw,
			       per_s(items[i].count, v->seconds),
			       v->total ? 100.0 * (double)items[i].count / (double)v->total : 0.0,
			       v->format(v->by_enum, items[i].key, key, sizeof(key)));
	}
	printf("%" PRIu64 " in %.2f s, %zu key%s", v->total, v->seconds, v->agg->n,
	       v->agg->n == 1 ? "" : "s");
	if (v->other)
		printf(" (+%" PRIu64 " past the key limit, counted as other)", v->other);
	if (v->have_present)
		printf("; %" PRIu64 " sockets in TIME_WAIT", v->present);
	putchar('\n');
	if (v->have_table) {
		printf("table: %" PRIu64 " of %" PRIu64 " entries, net growth %+.1f/s",
		       v->table_entries, v->table_max, v->growth_per_s);
		if (v->growth_per_s > 0 && v->table_max > v->table_entries) {
			format_duration((double)(v->table_max - v->table_entries) / v->growth_per_s,
					dur, sizeof(dur));
			printf(", full in about %s at this rate", dur);
		} else if (v->table_entries >= v->table_max && v->table_max)
			printf(", full");
		putchar('\n');
	}
	if (v->have_lost) {
		if (v->lost >= 0)
			printf("events lost: %" PRId64 "%s\n", v->lost,
			       v->lost ? " (approximate: counts above are low)" : "");
		else
			printf("events lost: unknown, %" PRIu64 " overrun%s (approximate)\n",
			       v->overruns, v->overruns == 1 ? "" : "s");
	} else if (v->approximate)
		puts("(approximate: a dump was interrupted)");
	if (!watch)
		putchar('\n');
}

static int emit(const struct rate_view *v, const struct cta_top_rate_opts *o, bool watch, bool bold)
{
	_cleanup_free_ struct cta_agg_item *items = NULL;
	ssize_t n = cta_agg_top(v->agg, o->n, &items);

	if (n < 0)
		return (int)n;
	if (o->json) {
		int r = emit_json(v, items, (size_t)n);

		if (r < 0)
			return r;
	} else
		emit_text(v, items, (size_t)n, watch, bold);
	if (fflush(stdout) == EOF || ferror(stdout))
		return -EIO;
	return 0;
}

static void display_mode(const struct cta_top_rate_opts *o, bool *watch, bool *bold)
{
	const char *nc = getenv("NO_COLOR");
	bool tty = isatty(STDOUT_FILENO);

	/* in place only on a terminal; a pipe or file gets plain lines */
	*watch = o->watch && tty && !o->json;
	*bold = tty && !o->json && !(nc && *nc);
}

static int output_error(int r)
{
	if (r == -ENOMEM)
		cta_cli_error("out of memory");
	else
		cta_cli_error("error writing to standard output: %s", CTA_STRERROR(-r));
	return CTA_EXIT_HOST;
}

/* Wait until @deadline (monotonic ms) or a signal, draining events when @ev. */
static int wait_until(uint64_t deadline, struct cta_ctev *ev, void *buf, size_t size,
		      struct cta_ctrate *rate, uint64_t *overruns)
{
	for (;;) {
		uint64_t t = now_ms();
		struct pollfd p = { .fd = ev ? cta_ctev_fd(ev) : -1, .events = POLLIN };
		int r;

		if (t >= deadline || stop_requested)
			return 0;
		r = poll(&p, ev ? 1 : 0, (int)MIN(deadline - t, (uint64_t)1000));
		if (r < 0 && errno != EINTR)
			return cta_negerrno();
		if (ev && r > 0) {
			r = cta_ctev_drain(ev, buf, size, cta_ctrate_msg, rate, overruns);
			if (r < 0)
				return r;
			/*
			 * Let events gather for a few milliseconds: one wakeup
			 * and a few recvmmsg() calls per batch instead of a
			 * wakeup per event.  At 100k events/s, 5 ms is 500
			 * events, well inside the receive buffer.
			 */
			if (r == 0 && !stop_requested) {
				uint64_t left = deadline - MIN(now_ms(), deadline);
				struct timespec ts = { 0, (long)MIN(left, (uint64_t)5) * 1000000L };

				(void)nanosleep(&ts, NULL);
			}
		}
	}
}

int cta_top_conntrack_rate(const struct cta_top_rate_opts *o)
{
	struct cta_ctev ev;
	struct cta_ctrate rate;
	_cleanup_free_ void *buf = NULL;
	const size_t bufsize = 256 << 10;
	uint64_t max = 0, count0 = 0, t0, events_on = 1;
	int64_t drops0;
	bool watch, bold;
	int r, ret = CTA_EXIT_OK;

	/* net.netfilter.nf_conntrack_events: 0 disables the events this view
	 * counts; 1 and 2 (auto, Linux 6.0) deliver them to listeners
	 * (Documentation/networking/nf_conntrack-sysctl.rst) */
	if (read_u64("/proc/sys/net/netfilter/nf_conntrack_events", &events_on) == 0 &&
	    events_on == 0) {
		cta_cli_error("conntrack events are disabled in this network namespace "
			      "(net.netfilter.nf_conntrack_events = 0)");
		return CTA_EXIT_HOST;
	}
	buf = malloc(bufsize);
	if (!buf)
		return output_error(-ENOMEM);
	r = cta_ctev_open(&ev, o->rcvbuf);
	if (r < 0) {
		if (r == -EPERM || r == -EACCES)
			cta_cli_error("cannot listen to conntrack events: permission denied "
				      "(needs CAP_NET_ADMIN; run as root)");
		else
			cta_cli_error("cannot listen to conntrack events: %s", CTA_STRERROR(-r));
		return CTA_EXIT_HOST;
	}
	if (o->verbose)
		fprintf(stderr, "ctaudit: event socket receive buffer %d bytes\n", ev.rcvbuf);
	cta_ctrate_init(&rate, (enum cta_ct_by)o->by, o->filter, o->max_keys);
	display_mode(o, &watch, &bold);
	catch_signals();
	(void)read_u64("/proc/sys/net/netfilter/nf_conntrack_max", &max);
	(void)read_u64("/proc/sys/net/netfilter/nf_conntrack_count", &count0);
	drops0 = cta_ctev_drops(&ev);
	t0 = now_ms();
	for (unsigned i = 1; !o->count || i <= o->count; i++) {
		uint64_t overruns = 0, count1 = count0, t1;
		int64_t drops1;
		struct rate_view v = {
			.what = "conntrack",
			.unit = "new flows/s",
			.by = cta_ct_by_name((enum cta_ct_by)o->by),
			.filter = o->filter_expr,
			.interval_no = i,
			.agg = &rate.agg,
			.format = ct_format,
			.by_enum = o->by,
			.n = o->n,
			.have_lost = true,
		};

		cta_ctrate_reset(&rate);
		r = wait_until(t0 + o->interval_ms, &ev, buf, bufsize, &rate, &overruns);
		if (r == 0) /* what arrived by the deadline belongs to this interval */
			r = cta_ctev_drain(&ev, buf, bufsize, cta_ctrate_msg, &rate, &overruns);
		if (r < 0) {
			cta_cli_error("cannot read conntrack events: %s", CTA_STRERROR(-r));
			ret = CTA_EXIT_HOST;
			break;
		}
		t1 = now_ms();
		drops1 = cta_ctev_drops(&ev);
		(void)read_u64("/proc/sys/net/netfilter/nf_conntrack_max", &max);
		(void)read_u64("/proc/sys/net/netfilter/nf_conntrack_count", &count1);
		v.seconds = (double)(t1 - t0) / 1000.0;
		v.total = rate.matched;
		v.events = rate.events;
		v.other = rate.other;
		v.overruns = overruns;
		v.lost = drops0 >= 0 && drops1 >= 0 ? drops1 - drops0 : -1;
		v.approximate = v.lost != 0 || overruns > 0;
		v.have_table = max > 0;
		v.table_entries = count1;
		v.table_max = max;
		/* from the kernel's own counter: exact even when events are lost */
		v.growth_per_s = v.seconds > 0 ? ((double)count1 - (double)count0) / v.seconds : 0;
		/* a stop in mid-interval still reports what it counted */
		if (v.seconds > 0) {
			r = emit(&v, o, watch, bold);
			if (r < 0) {
				ret = output_error(r);
				break;
			}
		}
		if (stop_requested)
			break;
		t0 = t1;
		count0 = count1;
		drops0 = drops1;
	}
	cta_ctrate_done(&rate);
	cta_ctev_close(&ev);
	return ret;
}

int cta_top_timewait_rate(const struct cta_top_rate_opts *o)
{
	struct cta_twrate tw;
	uint64_t t0, t1;
	bool watch, bold;
	int r, ret = CTA_EXIT_OK;

	cta_twrate_init(&tw, (enum cta_sd_by)o->by, o->max_keys);
	display_mode(o, &watch, &bold);
	catch_signals();
	/* the first sample is the baseline */
	r = cta_twrate_sample(&tw);
	t0 = now_ms();
	for (unsigned i = 1; r == 0 && (!o->count || i <= o->count); i++) {
		struct rate_view v = {
			.what = "timewait",
			.unit = "sockets entering TIME_WAIT/s",
			.by = cta_sd_by_name((enum cta_sd_by)o->by),
			.interval_no = i,
			.agg = &tw.agg,
			.format = sd_format,
			.by_enum = o->by,
			.n = o->n,
			.have_present = true,
		};

		r = wait_until(t0 + o->interval_ms, NULL, NULL, 0, NULL, NULL);
		if (r < 0 || stop_requested)
			break;
		r = cta_twrate_sample(&tw);
		if (r < 0)
			break;
		t1 = now_ms();
		v.seconds = (double)(t1 - t0) / 1000.0;
		v.total = tw.entered;
		v.other = tw.other;
		v.present = tw.present;
		v.approximate = tw.approximate;
		r = emit(&v, o, watch, bold);
		if (r < 0) {
			ret = output_error(r);
			r = 0;
			break;
		}
		t0 = t1;
	}
	if (r < 0) {
		if (r == -ENOMEM)
			cta_cli_error("out of memory");
		else
			cta_cli_error("cannot dump the sockets: %s", CTA_STRERROR(-r));
		ret = CTA_EXIT_HOST;
	}
	cta_twrate_done(&tw);
	return ret;
}
