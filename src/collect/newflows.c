// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * audit --deep: a short sample of the conntrack NEW events of this namespace
 * (facts.conntrack.new_flows), counted by the code of `top conntrack --rate`
 * (nf/rate.c), so that the usage finding can say who fills the table now and
 * how soon it is full.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "collect/collect.h"
#include "nf/rate.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

#define SECTION "conntrack.new_flows"
/* sources listed in the facts, most first */
#define NEW_FLOWS_TOP 5
/* distinct sources counted; the rest go to "other" (memory bound, rate.h) */
#define NEW_FLOWS_MAX_KEYS 65536
/* as `top --rate`: large enough for a 100k/s burst between two reads */
#define NEW_FLOWS_RCVBUF (8 << 20)

static int read_proc_u64(const struct cta_collect_ctx *c, const char *rel, uint64_t *ret)
{
	_cleanup_free_ char *path = cta_collect_proc_path(c, rel), *s = NULL;
	ssize_t n;

	if (!path)
		return -ENOMEM;
	n = cta_read_file(path, 64, &s);
	if (n < 0)
		return (int)n;
	cta_collapse_ws(s);
	return cta_parse_u64(s, ret);
}

static json_int_t per_s(double n, uint64_t ms)
{
	return (json_int_t)llround(n * 1000.0 / (double)ms);
}

static json_t *top_sources(const struct cta_ctrate *rate, uint64_t ms)
{
	_cleanup_free_ struct cta_agg_item *items = NULL;
	ssize_t n = cta_agg_top(&rate->agg, NEW_FLOWS_TOP, &items);
	json_t *arr;

	if (n < 0 || !(arr = json_array()))
		return NULL;
	for (ssize_t i = 0; i < n; i++) {
		char key[CTA_CT_KEY_STRLEN];

		if (json_array_append_new(arr,
					  json_pack("{s:s, s:I, s:I}", "key",
						    cta_ct_key_format(CTA_CT_BY_SRC, items[i].key,
								      key, sizeof(key)),
						    "count", (json_int_t)items[i].count, "per_s",
						    per_s((double)items[i].count, ms))) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

int cta_collect_new_flows(struct cta_collect_ctx *c, unsigned ms, json_t **ret_sample)
{
	_cleanup_free_ void *buf = NULL;
	const size_t bufsize = 256 << 10;
	struct cta_ctev ev;
	struct cta_ctrate rate;
	uint64_t events_on = 1, count0 = 0, count1 = 0, overruns = 0, t0, t1, elapsed;
	int64_t drops0, drops1;
	bool have_count;
	json_t *o;
	int r;

	*ret_sample = NULL;
	if (c->opts->offline || c->opts->no_netlink)
		return 0;
	/* net.netfilter.nf_conntrack_events = 0 turns the events off
	 * (Documentation/networking/nf_conntrack-sysctl.rst): no events is
	 * then no evidence of no new flows */
	r = read_proc_u64(c, "sys/net/netfilter/nf_conntrack_events", &events_on);
	if (r == -ENOMEM)
		return r;
	if (r == 0 && events_on == 0)
		return cta_collect_unavailable(c, SECTION,
					       "conntrack events are disabled "
					       "(net.netfilter.nf_conntrack_events = 0)");
	buf = malloc(bufsize);
	if (!buf)
		return -ENOMEM;
	r = cta_ctev_open(&ev, NEW_FLOWS_RCVBUF);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return cta_collect_unavailable(c, SECTION,
					       "cannot listen to conntrack events: %s%s",
					       CTA_STRERROR(-r),
					       r == -EPERM ? " (needs CAP_NET_ADMIN)" : "");
	cta_ctrate_init(&rate, CTA_CT_BY_SRC, NULL, NEW_FLOWS_MAX_KEYS);
	have_count = read_proc_u64(c, "sys/net/netfilter/nf_conntrack_count", &count0) == 0;
	drops0 = cta_ctev_drops(&ev);
	t0 = cta_rate_now_ms();
	r = cta_ctrate_collect(&ev, &rate, buf, bufsize, t0 + ms, NULL, &overruns);
	t1 = cta_rate_now_ms();
	drops1 = cta_ctev_drops(&ev);
	have_count = have_count &&
		     read_proc_u64(c, "sys/net/netfilter/nf_conntrack_count", &count1) == 0;
	cta_ctev_close(&ev);
	if (r < 0) {
		cta_ctrate_done(&rate);
		return r == -ENOMEM ? r :
				      cta_collect_unavailable(c, SECTION,
							      "cannot read conntrack events: %s",
							      CTA_STRERROR(-r));
	}
	elapsed = MAX(t1 - t0, (uint64_t)1);
	o = json_pack("{s:I, s:I, s:I, s:b, s:o?}", "interval_ms", (json_int_t)elapsed, "events",
		      (json_int_t)rate.events, "per_s", per_s((double)rate.events, elapsed),
		      "approximate", overruns > 0 || drops0 < 0 || drops1 < 0 || drops1 != drops0,
		      "by_src", top_sources(&rate, elapsed));
	cta_ctrate_done(&rate);
	if (!o || !json_object_get(o, "by_src"))
		goto oom;
	/* the socket's drop counter is exact; without it the loss is unknown */
	if (drops0 >= 0 && drops1 >= 0 &&
	    json_object_set_new(o, "lost", json_integer((json_int_t)(drops1 - drops0))) < 0)
		goto oom;
	/* net growth from the kernel's own count: exact even when events are
	 * lost, and it subtracts the entries that died meanwhile */
	if (have_count &&
	    (json_object_set_new(o, "count_before", json_integer((json_int_t)count0)) < 0 ||
	     json_object_set_new(o, "count_after", json_integer((json_int_t)count1)) < 0 ||
	     json_object_set_new(o, "growth_per_s",
				 json_integer(per_s((double)count1 - (double)count0, elapsed))) <
		     0))
		goto oom;
	*ret_sample = o;
	return 0;
oom:
	json_decref(o);
	return -ENOMEM;
}
