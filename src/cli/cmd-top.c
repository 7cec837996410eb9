// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/allns.h"
#include "cli/cli.h"
#include "cli/top-rate.h"
#include "collect/collect.h"
#include "nf/ctdump.h"
#include "nf/sockdiag.h"
#include "render/top.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

static const char help[] =
	"usage: ctaudit top conntrack [--by KEY] [-n N] [--filter EXPR] [OPTIONS]\n"
	"       ctaudit top timewait [--by KEY] [--state STATE] [-n N] [OPTIONS]\n"
	"       ctaudit top conntrack|timewait --rate [--interval S] [--count N] [--watch]\n"
	"                                      [--by KEY] [--filter EXPR] [OPTIONS]\n"
	"\n"
	"Who fills the conntrack table, who holds TIME_WAIT sockets: count the live\n"
	"entries (or sockets) of a network namespace by a key and show the largest.\n"
	"Memory grows with the number of distinct keys, not with the table.\n"
	"\n"
	"conntrack (one ctnetlink dump, IPv4 and IPv6; needs CAP_NET_ADMIN):\n"
	"      --by KEY            src (default), dst, dport, proto, state, helper,\n"
	"                          zone, mark, flow ('src -> dst:dport')\n"
	"      --filter EXPR       count only entries matching every space-separated term:\n"
	"                          proto=NAME|NUM src=IP[/PFX] dst=IP[/PFX] dport=N[-M]\n"
	"                          state=NAME zone=N mark=N[/MASK]\n"
	"                          status=[!]FLAG[,...] (ASSURED, UNREPLIED, OFFLOAD, ...)\n"
	"                          (state names as conntrack -L prints them, e.g. ESTABLISHED)\n"
	"\n"
	"timewait (NETLINK_SOCK_DIAG, the kernel filters by state):\n"
	"      --by KEY            peer (remote ip:port, default), peer-ip, local-port\n"
	"      --state STATE       TCP state to count: TIME_WAIT (default), ESTABLISHED,\n"
	"                          SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, CLOSE,\n"
	"                          CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING, NEW_SYN_RECV or all\n"
	"\n"
	"Live rate (--rate): who creates entries now, per interval:\n"
	"      --rate              conntrack: new flows/s per key from the kernel's NEW\n"
	"                          events, the table's net growth and the time left until\n"
	"                          nf_conntrack_max; events the kernel dropped are counted\n"
	"                          ('events lost: N') and the interval marked approximate.\n"
	"                          timewait: sockets entering TIME_WAIT/s per key, from\n"
	"                          a sock_diag dump per interval (--state does not apply)\n"
	"      --interval S        seconds per interval (default 1; 0.1 to 3600)\n"
	"      --count N           stop after N intervals (default: until interrupted)\n"
	"      --watch             refresh in place on a terminal (plain lines otherwise)\n"
	"      --max-keys N        distinct keys kept per interval, the rest counted as\n"
	"                          other (default 100000)\n"
	"  With --format json: one JSON object per interval (JSON lines).\n"
	"\n"
	"Options:\n"
	"  -n, --top N             show the N largest keys (default 10, 0 = all)\n"
	"  -v, --verbose           say where the filter was evaluated (kernel or user\n"
	"                          space); with --rate, the receive buffer granted\n"
	"      --netns NAME        look at the network namespace /run/netns/NAME\n"
	"      --netns-pid PID     look at the network namespace of process PID\n"
	"      --all-netns         one row per network namespace (TIME_WAIT and\n"
	"                          ESTABLISHED sockets, conntrack entries), largest first\n"
	"      --netns-filter GLOB with --all-netns: only namespaces whose name or label\n"
	"                          matches (repeatable)\n"
	"      --jobs N            with --all-netns: namespaces read at once\n"
	"                          (default: the number of CPUs, 2 to 16)\n"
	"      --format text|json  output format (default: text)\n"
	"  -o, --output FILE       write the table to FILE (atomically) instead of stdout\n"
	"  -h, --help              show this help\n"
	"\n"
	"Filter terms the kernel can evaluate (mark; on Linux >= 5.9 proto, whole\n"
	"IPv4 src/dst, and a single dport with proto=tcp|udp; status on Linux >= 5.15;\n"
	"a zone other than 0 on Linux >= 6.8) go into the dump request, so the kernel\n"
	"sends only matching entries; the rest are checked here.  The counts are the\n"
	"same either way (docs/top.md).\n"
	"\n"
	"A dump the kernel flags as interrupted is repeated up to 3 times; after that\n"
	"the result is marked approximate.  Exit status: 0 success, 2 usage error,\n"
	"3 the kernel could not be read (e.g. permission denied).\n";

enum {
	OPT_BY = CTA_OPT_FIRST_PRIVATE,
	OPT_FILTER,
	OPT_STATE,
	OPT_TEST_FILTER_IN,
	OPT_RATE,
	OPT_COUNT,
	OPT_WATCH,
	OPT_MAX_KEYS,
	OPT_TEST_RCVBUF,
};

struct top_opts {
	struct cta_cli_common common;
	const char *what;
	const char *by;
	const char *filter;
	const char *state;
	uint64_t n;
	bool verbose;
	bool test_userspace_filter; /* test-only: --test-filter-in=userspace */
	bool rate, watch, interval_set, n_set, max_keys_set;
	uint64_t interval_ms, count, max_keys, rcvbuf;
	const char *output; /* -o FILE, or NULL: stdout */
};

struct top_item {
	char key[CTA_CT_KEY_STRLEN];
	uint64_t count;
};

static int finish_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "ctaudit: error writing to standard output: %s\n",
			CTA_STRERROR(errno));
		return CTA_EXIT_HOST;
	}
	return CTA_EXIT_OK;
}

/* @needs: the capability the kernel checks for it (NULL: none, so only a security module refuses it). */
static int host_error(const char *what, int r, const char *needs)
{
	if ((r == -EPERM || r == -EACCES) && needs)
		cta_cli_error("%s: permission denied (needs %s; run as root)", what, needs);
	else
		cta_cli_error("%s: %s", what, CTA_STRERROR(-r));
	return CTA_EXIT_HOST;
}

/* The table's size, for "N of M" when the kernel sent only matching entries. */
static uint64_t table_count(uint64_t fallback)
{
	_cleanup_free_ char *s = NULL;
	uint64_t v;

	if (cta_read_file("/proc/sys/net/netfilter/nf_conntrack_count", 64, &s) < 0)
		return fallback;
	cta_collapse_ws(s);
	return cta_parse_u64(s, &v) == 0 ? v : fallback;
}

/* The identity of docs/reports.md, from the same host collector facts use. */
static int stamp(const struct top_opts *o, json_t *j)
{
	struct cta_collect_opts co = { 0 };
	_cleanup_json_ json_t *facts = json_object();
	struct cta_collect_ctx ctx = { .opts = &co, .facts = facts };

	if (!facts || cta_collect_host(&ctx) == -ENOMEM)
		return -ENOMEM;
	return cta_cli_stamp(j, &o->common, facts);
}

/* Print @t in the chosen format (to -o FILE: atomically).  Returns a CTA_EXIT_* status. */
static int print_top(const struct top_opts *o, const struct top_item *v, size_t n,
		     struct cta_top *t)
{
	_cleanup_free_ struct cta_top_item *items = calloc(n + 1, sizeof(*items));
	_cleanup_free_ char *out = NULL;
	_cleanup_json_ json_t *j = NULL;

	if (!items)
		return host_error("cannot format", -ENOMEM, NULL);
	for (size_t i = 0; i < n; i++)
		items[i] = (struct cta_top_item){ .key = v[i].key, .count = v[i].count };
	t->items = items;
	t->n_items = n;
	if (o->common.format == CTA_FORMAT_JSON) {
		if (cta_render_top_json(t, &j) < 0 || stamp(o, j) < 0 || !(out = cta_json_dumps(j)))
			return host_error("cannot format", -ENOMEM, NULL);
	} else {
		out = cta_render_top_text(t);
		if (!out)
			return host_error("cannot format", -ENOMEM, NULL);
	}
	return cta_cli_output(o->output, out);
}

/* --by and --filter of a conntrack table: CTA_EXIT_OK, or the exit status after the error. */
static int ct_selection(const struct top_opts *o, enum cta_ct_by *by, struct cta_ct_filter *filter)
{
	int r;

	*by = CTA_CT_BY_SRC;
	if (o->by) {
		r = cta_ct_by_from_name(o->by);
		if (r < 0)
			return cta_cli_usage_error(
				"top",
				"unknown key '%s' for conntrack (src, dst, dport, proto, "
				"state, helper, zone, mark, flow)",
				o->by);
		*by = (enum cta_ct_by)r;
	}
	if (o->filter) {
		_cleanup_free_ char *err = NULL;

		r = cta_ct_filter_parse(o->filter, filter, &err);
		if (r == -ENOMEM)
			return host_error("cannot parse the filter", r, NULL);
		if (r < 0)
			return cta_cli_usage_error("top", "%s", err);
	}
	return CTA_EXIT_OK;
}

static int top_conntrack(const struct top_opts *o)
{
	struct cta_ct_filter filter = { 0 };
	struct cta_ctdump d;
	_cleanup_free_ struct cta_agg_item *items = NULL;
	_cleanup_free_ struct top_item *v = NULL;
	enum cta_ct_by by = CTA_CT_BY_SRC;
	ssize_t n;
	int r, ret = CTA_EXIT_HOST;

	if (o->state)
		return cta_cli_usage_error("top", "--state is for 'timewait'; use --filter "
						  "state=NAME with 'conntrack'");
	r = ct_selection(o, &by, &filter);
	if (r != CTA_EXIT_OK)
		return r;

	cta_ctdump_init(&d, &by, 1, o->filter ? &filter : NULL);
	d.userspace_only = o->test_userspace_filter;
	r = cta_ctdump_run(&d);
	if (r < 0) {
		host_error("cannot dump the conntrack table", r, "CAP_NET_ADMIN");
		goto out;
	}
	if (o->verbose && o->filter)
		fprintf(stderr, "ctaudit: filter evaluated in %s%s%s%s\n",
			d.filtered_in == CTA_CT_FILTERED_BOTH	? "the kernel and user space" :
			d.filtered_in == CTA_CT_FILTERED_KERNEL ? "the kernel" :
								  "user space",
			d.fallback ? " (" : "", d.fallback ? d.fallback : "",
			d.fallback ? ")" : "");
	n = cta_agg_top(&d.agg[0], (size_t)o->n, &items);
	if (n < 0 || !(v = calloc((size_t)n + 1, sizeof(*v)))) {
		host_error("cannot count", -ENOMEM, NULL);
		goto out;
	}
	for (ssize_t i = 0; i < n; i++) {
		cta_ct_key_format(by, items[i].key, v[i].key, sizeof(v[i].key));
		v[i].count = items[i].count;
	}

	ret = print_top(o, v, (size_t)n,
			&(struct cta_top){ .kind = CTA_TOP_CONNTRACK,
					   .by = cta_ct_by_name(by),
					   .filter = o->filter,
					   .filtered_in = cta_ct_filtered_in_name(d.filtered_in),
					   .total = d.entries,
					   .scanned = d.scanned,
					   .table = d.filtered_in == CTA_CT_FILTERED_USERSPACE ?
							    d.scanned :
							    table_count(d.scanned),
					   .keys = d.agg[0].n,
					   .approximate = d.approximate });
out:
	cta_ctdump_done(&d);
	cta_ct_filter_done(&filter);
	return ret;
}

static int top_timewait(const struct top_opts *o)
{
	struct cta_sdtop t;
	_cleanup_free_ struct cta_agg_item *items = NULL;
	_cleanup_free_ struct top_item *v = NULL;
	enum cta_sd_by by = CTA_SD_BY_PEER;
	const char *state_name = "TIME_WAIT";
	uint32_t states = 1u << 6; /* TCP_TIME_WAIT */
	ssize_t n;
	int r, ret = CTA_EXIT_HOST;

	if (o->by) {
		r = cta_sd_by_from_name(o->by);
		if (r < 0)
			return cta_cli_usage_error(
				"top", "unknown key '%s' for timewait (peer, peer-ip, local-port)",
				o->by);
		by = (enum cta_sd_by)r;
	}
	if (o->filter)
		return cta_cli_usage_error("top", "--filter is for 'conntrack'");
	if (o->state) {
		if (streq(o->state, "all") || streq(o->state, "ALL")) {
			state_name = "all";
			states = UINT32_MAX;
		} else {
			r = cta_tcp_state_from_name(o->state);
			if (r < 0)
				return cta_cli_usage_error(
					"top",
					"unknown TCP state '%s' (ESTABLISHED, SYN_SENT, SYN_RECV, "
					"FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE, CLOSE_WAIT, "
					"LAST_ACK, LISTEN, CLOSING, NEW_SYN_RECV or all)",
					o->state);
			state_name = cta_tcp_state_name((unsigned)r);
			states = 1u << r;
		}
	}

	cta_sdtop_init(&t, by, states);
	r = cta_sdtop_run(&t);
	if (r < 0) {
		host_error("cannot dump the sockets", r, NULL);
		goto out;
	}
	n = cta_agg_top(&t.agg, (size_t)o->n, &items);
	if (n < 0 || !(v = calloc((size_t)n + 1, sizeof(*v)))) {
		host_error("cannot count", -ENOMEM, NULL);
		goto out;
	}
	for (ssize_t i = 0; i < n; i++) {
		cta_sd_key_format(by, items[i].key, v[i].key, sizeof(v[i].key));
		v[i].count = items[i].count;
	}
	ret = print_top(o, v, (size_t)n,
			&(struct cta_top){ .kind = CTA_TOP_SOCKETS,
					   .by = cta_sd_by_name(by),
					   .state = state_name,
					   .total = t.sockets,
					   .keys = t.agg.n,
					   .approximate = t.approximate });
out:
	cta_sdtop_done(&t);
	return ret;
}

/* "1", "0.5", "2.25": milliseconds, 100 ms to one hour. */
static int parse_interval(const char *s, uint64_t *ret)
{
	const char *dot = strchr(s, '.');
	_cleanup_free_ char *whole = strndup(s, dot ? (size_t)(dot - s) : strlen(s));
	uint64_t sec = 0, ms = 0, scale = 100;

	if (!whole)
		return -ENOMEM;
	if ((*whole || !dot) && cta_parse_u64(whole, &sec) < 0)
		return -EINVAL;
	if (dot) {
		if (!dot[1])
			return -EINVAL;
		for (const char *p = dot + 1; *p; p++) {
			if (*p < '0' || *p > '9')
				return -EINVAL;
			ms += (uint64_t)(*p - '0') * scale;
			scale /= 10;
		}
	}
	if (sec > 3600 || sec * 1000 + ms < 100 || sec * 1000 + ms > 3600000)
		return -EINVAL;
	*ret = sec * 1000 + ms;
	return 0;
}

static int top_rate(const struct top_opts *o, bool conntrack)
{
	struct cta_ct_filter filter = { 0 };
	enum cta_ct_by by;
	struct cta_top_rate_opts ro = {
		.filter_expr = o->filter,
		.interval_ms = o->interval_ms,
		.count = o->count,
		.watch = o->watch,
		.json = o->common.format == CTA_FORMAT_JSON,
		.n = (size_t)o->n,
		.max_keys = (size_t)o->max_keys,
		.rcvbuf = (int)o->rcvbuf,
		.verbose = o->verbose,
	};
	int r;

	if (o->state)
		return cta_cli_usage_error("top", "--state does not apply to --rate");
	if (!conntrack) {
		if (o->filter)
			return cta_cli_usage_error("top", "--filter is for 'conntrack'");
		r = o->by ? cta_sd_by_from_name(o->by) : CTA_SD_BY_PEER;
		if (r < 0)
			return cta_cli_usage_error(
				"top", "unknown key '%s' for timewait (peer, peer-ip, local-port)",
				o->by);
		ro.by = r;
		return cta_top_timewait_rate(&ro);
	}
	r = ct_selection(o, &by, &filter);
	if (r != CTA_EXIT_OK)
		return r;
	ro.by = by;
	if (o->filter)
		ro.filter = &filter;
	r = cta_top_conntrack_rate(&ro);
	cta_ct_filter_done(&filter);
	return r;
}

int cmd_top(int argc, char **argv)
{
	static const struct option longopts[] = {
		CTA_CLI_COMMON_LONGOPTS,
		{ "by", required_argument, NULL, OPT_BY },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "top", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "rate", no_argument, NULL, OPT_RATE },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "watch", no_argument, NULL, OPT_WATCH },
		{ "max-keys", required_argument, NULL, OPT_MAX_KEYS },
		/* test-only (docs/top.md): force user-space filtering, and a
		 * receive buffer small enough to lose events */
		{ "test-filter-in", required_argument, NULL, OPT_TEST_FILTER_IN },
		{ "test-rcvbuf", required_argument, NULL, OPT_TEST_RCVBUF },
		{},
	};
	/* 32 MiB (the kernel doubles it): about half a second of events at
	 * 100k new flows/s before anything is dropped */
	struct top_opts o = {
		.n = 10, .interval_ms = 1000, .max_keys = 100000, .rcvbuf = 32u << 20
	};
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.output = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			return finish_stdout();
		case 'n':
			if (cta_parse_u64(optarg, &o.n) < 0 || o.n > 1000000000)
				return cta_cli_usage_error("top", "invalid count '%s'", optarg);
			o.n_set = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case OPT_RATE:
			o.rate = true;
			break;
		case OPT_WATCH:
			o.watch = true;
			break;
		case CTA_OPT_INTERVAL:
			/* the common --interval, in seconds with decimals here:
			 * the length of a --rate interval */
			if (o.interval_set)
				return cta_cli_usage_error("top", "'--interval' given twice");
			if (parse_interval(optarg, &o.interval_ms) < 0)
				return cta_cli_usage_error(
					"top", "invalid interval '%s' (seconds, 0.1 to 3600)",
					optarg);
			o.interval_set = true;
			break;
		case OPT_COUNT:
			if (cta_parse_u64(optarg, &o.count) < 0 || o.count == 0 ||
			    o.count > 1000000000)
				return cta_cli_usage_error("top", "invalid interval count '%s'",
							   optarg);
			break;
		case OPT_MAX_KEYS:
			if (cta_parse_u64(optarg, &o.max_keys) < 0 || o.max_keys == 0 ||
			    o.max_keys > 100000000)
				return cta_cli_usage_error("top", "invalid key limit '%s'", optarg);
			o.max_keys_set = true;
			break;
		case OPT_TEST_RCVBUF:
			if (cta_parse_u64(optarg, &o.rcvbuf) < 0 || o.rcvbuf == 0 ||
			    o.rcvbuf > (1u << 30))
				return cta_cli_usage_error("top", "invalid receive buffer '%s'",
							   optarg);
			break;
		case OPT_TEST_FILTER_IN:
			if (!streq(optarg, "userspace"))
				return cta_cli_usage_error("top",
							   "--test-filter-in takes 'userspace'");
			o.test_userspace_filter = true;
			break;
		case OPT_BY:
			o.by = optarg;
			break;
		case OPT_FILTER:
			o.filter = optarg;
			break;
		case OPT_STATE:
			o.state = optarg;
			break;
		case CTA_OPT_ROOT:
		case CTA_OPT_OFFLINE:
		case CTA_OPT_KERNEL:
		case CTA_OPT_FACTS:
			return cta_cli_usage_error(
				"top", "'%s' does not apply: top reads the live kernel only",
				argv[optind - 1]);
		case '?':
			return cta_cli_usage_error("top", "invalid option");
		default:
			r = cta_cli_common_opt(&o.common, c, optarg);
			if (r < 0)
				return CTA_EXIT_USAGE;
			if (r == 0)
				return cta_cli_usage_error("top", "invalid option");
		}
	}
	if (optind >= argc)
		return cta_cli_usage_error("top", "say what to count: 'conntrack' or 'timewait'");
	if (argc - optind > 1)
		return cta_cli_usage_error("top", "unexpected argument '%s'", argv[optind + 1]);
	o.what = argv[optind];
	if (!streq(o.what, "conntrack") && !streq(o.what, "timewait"))
		return cta_cli_usage_error("top", "unknown table '%s' (conntrack or timewait)",
					   o.what);
	if (cta_cli_common_check(&o.common) < 0) {
		cta_cli_common_done(&o.common);
		return CTA_EXIT_USAGE;
	}
	if (!o.rate && (o.watch || o.count || o.interval_set || o.max_keys_set))
		return cta_cli_usage_error("top", "'%s' needs '--rate'",
					   o.interval_set ? "--interval" :
					   o.count	  ? "--count" :
					   o.watch	  ? "--watch" :
							    "--max-keys");
	if (o.output && (o.common.all_netns || o.rate)) {
		cta_cli_common_done(&o.common);
		return cta_cli_usage_error("top", "'-o' writes one table: not with '%s'",
					   o.rate ? "--rate" : "--all-netns");
	}
	if (o.common.all_netns) {
		struct cta_allns_cli ao = { .common = &o.common,
					    .conntrack = streq(o.what, "conntrack") };
		/* the ranking of namespaces has none of one namespace's options */
		const char *one = o.by		 ? "--by" :
				  o.filter	 ? "--filter" :
				  o.state	 ? "--state" :
				  o.n_set	 ? "-n" :
				  o.rate	 ? "--rate" :
				  o.watch	 ? "--watch" :
				  o.count	 ? "--count" :
				  o.interval_set ? "--interval" :
				  o.max_keys_set ? "--max-keys" :
						   NULL;

		r = one ? cta_cli_usage_error("top",
					      "'%s' and '--all-netns' exclude each other: "
					      "'--all-netns' ranks namespaces, one row each",
					      one) :
			  cta_allns_top(&ao);
		cta_cli_common_done(&o.common);
		return r;
	}

	if (o.common.netns) {
		r = cta_netns_enter_name(o.common.netns);
		if (r < 0) {
			cta_cli_error("cannot enter network namespace '%s': %s", o.common.netns,
				      CTA_STRERROR(-r));
			return r == -ENOENT ? CTA_EXIT_USAGE : CTA_EXIT_HOST;
		}
	} else if (o.common.netns_pid) {
		r = cta_netns_enter_pid(o.common.netns_pid);
		if (r < 0) {
			cta_cli_error("cannot enter the network namespace of pid %d: %s",
				      o.common.netns_pid, CTA_STRERROR(-r));
			return r == -ESRCH ? CTA_EXIT_USAGE : CTA_EXIT_HOST;
		}
	}
	if (o.rate)
		return top_rate(&o, streq(o.what, "conntrack"));
	return streq(o.what, "conntrack") ? top_conntrack(&o) : top_timewait(&o);
}
