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
	"                          (state names as conntrack -L prints them, e.g. ESTABLISHED)\n"
	"\n"
	"timewait (NETLINK_SOCK_DIAG, the kernel filters by state):\n"
	"      --by KEY            peer (remote ip:port, default), peer-ip, local-port\n"
	"      --state STATE       TCP state to count: TIME_WAIT (default), ESTABLISHED,\n"
	"                          SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, CLOSE,\n"
	"                          CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING, NEW_SYN_RECV or all\n"
	"\n"
	"Options:\n"
	"  -n, --top N             show the N largest keys (default 10, 0 = all)\n"
	"      --netns NAME        look at the network namespace /run/netns/NAME\n"
	"      --netns-pid PID     look at the network namespace of process PID\n"
	"      --all-netns         one row per network namespace (TIME_WAIT and\n"
	"                          ESTABLISHED sockets, conntrack entries), largest first\n"
	"      --netns-filter GLOB with --all-netns: only namespaces whose name or label\n"
	"                          matches (repeatable)\n"
	"      --jobs N            with --all-netns: namespaces read at once (default: CPUs)\n"
	"      --format text|json  output format (default: text)\n"
	"  -h, --help              show this help\n"
	"\n"
	"A dump the kernel flags as interrupted is repeated up to 3 times; after that\n"
	"the result is marked approximate.  Exit status: 0 success, 2 usage error,\n"
	"3 the kernel could not be read (e.g. permission denied).\n";

enum {
	OPT_BY = CTA_OPT_FIRST_PRIVATE,
	OPT_FILTER,
	OPT_STATE,
};

struct top_opts {
	struct cta_cli_common common;
	const char *what;
	const char *by;
	const char *filter;
	const char *state;
	uint64_t n;
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

static int host_error(const char *what, int r)
{
	if (r == -EPERM || r == -EACCES)
		cta_cli_error("%s: permission denied (needs CAP_NET_ADMIN; run as root)", what);
	else
		cta_cli_error("%s: %s", what, CTA_STRERROR(-r));
	return CTA_EXIT_HOST;
}

/* Print @t in the chosen format.  Returns a CTA_EXIT_* status. */
static int print_top(const struct top_opts *o, const struct top_item *v, size_t n,
		     struct cta_top *t)
{
	_cleanup_free_ struct cta_top_item *items = calloc(n + 1, sizeof(*items));
	_cleanup_free_ char *out = NULL;
	_cleanup_json_ json_t *j = NULL;

	if (!items)
		return host_error("cannot format", -ENOMEM);
	for (size_t i = 0; i < n; i++)
		items[i] = (struct cta_top_item){ .key = v[i].key, .count = v[i].count };
	t->items = items;
	t->n_items = n;
	if (o->common.format == CTA_FORMAT_JSON) {
		if (cta_render_top_json(t, &j) < 0)
			return host_error("cannot format", -ENOMEM);
		if (cta_json_dumpf(j, stdout) < 0)
			return finish_stdout();
	} else {
		out = cta_render_top_text(t);
		if (!out)
			return host_error("cannot format", -ENOMEM);
		fputs(out, stdout);
	}
	return finish_stdout();
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

	if (o->by) {
		r = cta_ct_by_from_name(o->by);
		if (r < 0)
			return cta_cli_usage_error(
				"top",
				"unknown key '%s' for conntrack (src, dst, dport, proto, "
				"state, helper, zone, mark, flow)",
				o->by);
		by = (enum cta_ct_by)r;
	}
	if (o->state)
		return cta_cli_usage_error("top", "--state is for 'timewait'; use --filter "
						  "state=NAME with 'conntrack'");
	if (o->filter) {
		_cleanup_free_ char *err = NULL;

		r = cta_ct_filter_parse(o->filter, &filter, &err);
		if (r == -ENOMEM)
			return host_error("cannot parse the filter", r);
		if (r < 0)
			return cta_cli_usage_error("top", "%s", err);
	}

	cta_ctdump_init(&d, &by, 1, o->filter ? &filter : NULL);
	r = cta_ctdump_run(&d);
	if (r < 0) {
		host_error("cannot dump the conntrack table", r);
		goto out;
	}
	n = cta_agg_top(&d.agg[0], (size_t)o->n, &items);
	if (n < 0 || !(v = calloc((size_t)n + 1, sizeof(*v)))) {
		host_error("cannot count", -ENOMEM);
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
					   .total = d.entries,
					   .scanned = d.scanned,
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
		host_error("cannot dump the sockets", r);
		goto out;
	}
	n = cta_agg_top(&t.agg, (size_t)o->n, &items);
	if (n < 0 || !(v = calloc((size_t)n + 1, sizeof(*v)))) {
		host_error("cannot count", -ENOMEM);
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

int cmd_top(int argc, char **argv)
{
	static const struct option longopts[] = {
		CTA_CLI_COMMON_LONGOPTS,
		{ "by", required_argument, NULL, OPT_BY },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "top", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct top_opts o = { .n = 10 };
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return finish_stdout();
		case 'n':
			if (cta_parse_u64(optarg, &o.n) < 0 || o.n > 1000000000)
				return cta_cli_usage_error("top", "invalid count '%s'", optarg);
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
		case CTA_OPT_INTERVAL:
			return cta_cli_usage_error("top", "'--interval' does not apply to top");
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
	if (o.common.all_netns) {
		struct cta_allns_cli ao = { .common = &o.common,
					    .conntrack = streq(o.what, "conntrack") };

		r = o.by || o.filter || o.state ?
			    cta_cli_usage_error("top",
						"--all-netns ranks namespaces: --by, --filter and "
						"--state need one namespace") :
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
	return streq(o.what, "conntrack") ? top_conntrack(&o) : top_timewait(&o);
}
