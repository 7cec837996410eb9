// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `ctaudit top conntrack --rate` and `top timewait --rate`: the live view of
 * who creates conntrack entries (or TIME_WAIT sockets) now, one report per
 * interval, as text (refreshed in place with --watch on a terminal) or JSON
 * lines.
 */
#include <errno.h>
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
#include "render/top-rate.h"
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
	return cta_rate_now_ms();
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

/* Format the interval's top keys and print @r.  Returns 0 or negative errno. */
static int emit(struct cta_top_rate *r, const struct cta_agg *agg,
		char *(*format)(int by, const unsigned char *key, char *buf, size_t size), int by,
		const struct cta_top_rate_opts *o, bool in_place, bool bold)
{
	_cleanup_free_ struct cta_agg_item *top = NULL;
	_cleanup_free_ struct cta_top_item *items = NULL;
	_cleanup_free_ char *keys = NULL, *text = NULL;
	_cleanup_json_ json_t *j = NULL;
	ssize_t n = cta_agg_top(agg, o->n, &top);

	if (n < 0)
		return (int)n;
	items = calloc((size_t)n + 1, sizeof(*items));
	keys = calloc((size_t)n + 1, CTA_CT_KEY_STRLEN);
	if (!items || !keys)
		return -ENOMEM;
	for (ssize_t i = 0; i < n; i++) {
		char *k = keys + (size_t)i * CTA_CT_KEY_STRLEN;

		items[i] = (struct cta_top_item){
			.key = format(by, top[i].key, k, CTA_CT_KEY_STRLEN),
			.count = top[i].count,
		};
	}
	r->items = items;
	r->n_items = (size_t)n;
	r->keys = agg->n;
	if (o->json) {
		if (cta_render_top_rate_json(r, &j) < 0)
			return -ENOMEM;
		/* one line per interval: JSON lines */
		if (json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(10)) < 0 ||
		    fputc('\n', stdout) == EOF)
			return -EIO;
	} else {
		text = cta_render_top_rate_text(r, in_place, bold);
		if (!text)
			return -ENOMEM;
		fputs(text, stdout);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		return -EIO;
	return 0;
}

static char *ct_format(int by, const unsigned char *key, char *buf, size_t size)
{
	return cta_ct_key_format((enum cta_ct_by)by, key, buf, size);
}

static char *sd_format(int by, const unsigned char *key, char *buf, size_t size)
{
	return cta_sd_key_format((enum cta_sd_by)by, key, buf, size);
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

/* Wait until @deadline (monotonic ms) or a signal. */
static void wait_until(uint64_t deadline)
{
	for (;;) {
		uint64_t t = now_ms();

		if (t >= deadline || stop_requested)
			return;
		(void)poll(NULL, 0, (int)MIN(deadline - t, (uint64_t)1000));
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
		struct cta_top_rate v = {
			.table = "conntrack",
			.unit = "new flows/s",
			.by = cta_ct_by_name((enum cta_ct_by)o->by),
			.filter = o->filter_expr,
			.interval = i,
			.have_events = true,
		};

		cta_ctrate_reset(&rate);
		r = cta_ctrate_collect(&ev, &rate, buf, bufsize, t0 + o->interval_ms,
				       &stop_requested, &overruns);
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
		v.count = rate.matched;
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
			r = emit(&v, &rate.agg, ct_format, o->by, o, watch, bold);
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
		struct cta_top_rate v = {
			.table = "timewait",
			.unit = "sockets entering TIME_WAIT/s",
			.by = cta_sd_by_name((enum cta_sd_by)o->by),
			.interval = i,
			.have_present = true,
		};

		wait_until(t0 + o->interval_ms);
		if (stop_requested)
			break;
		r = cta_twrate_sample(&tw);
		if (r < 0)
			break;
		t1 = now_ms();
		v.seconds = (double)(t1 - t0) / 1000.0;
		v.count = tw.entered;
		v.other = tw.other;
		v.present = tw.present;
		v.approximate = tw.approximate;
		r = emit(&v, &tw.agg, sd_format, o->by, o, watch, bold);
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
