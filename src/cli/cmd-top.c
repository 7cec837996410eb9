// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "collect/collect.h"
#include "nf/ctdump.h"
#include "nf/sockdiag.h"
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

/* Text table: header, ranked rows, footer.  @unit is "entries" or "sockets". */
static void print_text(FILE *f, const char *header, const struct top_item *v, size_t n,
		       uint64_t total, size_t keys, const char *unit_one, const char *unit,
		       bool approximate)
{
	unsigned rw = MAX(4u, digits(n)), cw = MAX(5u, digits(n ? v[0].count : 0));

	fprintf(f, "%s\n", header);
	if (n) {
		fprintf(f, "%*s  %*s  %7s  %s\n", rw, "rank", cw, "count", "percent", "key");
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%*zu  %*" PRIu64 "  %6.1f%%  %s\n", rw, i + 1, cw, v[i].count,
				percent(v[i].count, total), v[i].key);
	}
	fprintf(f, "%zu key%s, %" PRIu64 " %s\n", keys, keys == 1 ? "" : "s", total,
		total == 1 ? unit_one : unit);
	if (approximate)
		fputs("(approximate: dump interrupted)\n", f);
}

static json_t *json_top(const struct top_item *v, size_t n, uint64_t total)
{
	json_t *a = json_array();

	if (!a)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:I, s:f}", "key", v[i].key, "count",
				      (json_int_t)v[i].count, "percent",
				      percent(v[i].count, total));

		if (!o || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static int finish_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "ctaudit: error writing to standard output: %s\n", CTA_STRERROR(errno));
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

static int top_conntrack(const struct top_opts *o)
{
	struct cta_ct_filter filter = { 0 };
	struct cta_ctdump d;
	_cleanup_free_ struct cta_agg_item *items = NULL;
	_cleanup_free_ struct top_item *v = NULL;
	_cleanup_free_ char *header = NULL;
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

	if (o->common.format == CTA_FORMAT_JSON) {
		_cleanup_json_ json_t *j = json_pack(
			"{s:s, s:I, s:I, s:I, s:b, s:o?}", "by", cta_ct_by_name(by), "entries",
			(json_int_t)d.entries, "scanned", (json_int_t)d.scanned, "keys_total",
			(json_int_t)d.agg[0].n, "approximate", d.approximate, "top",
			json_top(v, (size_t)n, d.entries));

		if (!j || !json_object_get(j, "top") ||
		    (o->filter && json_object_set_new(j, "filter", json_string(o->filter)) < 0)) {
			host_error("cannot format", -ENOMEM);
			goto out;
		}
		if (cta_json_dumpf(j, stdout) < 0) {
			ret = finish_stdout();
			goto out;
		}
	} else {
		if (o->filter)
			r = asprintf(&header,
				     "conntrack entries matching '%s': %" PRIu64 " of %" PRIu64
				     " (by %s)",
				     o->filter, d.entries, d.scanned, cta_ct_by_name(by));
		else
			r = asprintf(&header, "conntrack entries: %" PRIu64 " (by %s)", d.entries,
				     cta_ct_by_name(by));
		if (r < 0) {
			header = NULL;
			host_error("cannot format", -ENOMEM);
			goto out;
		}
		print_text(stdout, header, v, (size_t)n, d.entries, d.agg[0].n, "entry", "entries",
			   d.approximate);
	}
	ret = finish_stdout();
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
	_cleanup_free_ char *header = NULL;
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
	if (o->common.format == CTA_FORMAT_JSON) {
		_cleanup_json_ json_t *j =
			json_pack("{s:s, s:s, s:I, s:I, s:b, s:o?}", "by", cta_sd_by_name(by),
				  "state", state_name, "sockets", (json_int_t)t.sockets,
				  "keys_total", (json_int_t)t.agg.n, "approximate", t.approximate,
				  "top", json_top(v, (size_t)n, t.sockets));

		if (!j || !json_object_get(j, "top")) {
			host_error("cannot format", -ENOMEM);
			goto out;
		}
		if (cta_json_dumpf(j, stdout) < 0) {
			ret = finish_stdout();
			goto out;
		}
	} else {
		if (asprintf(&header, "%s sockets: %" PRIu64 " (by %s)",
			     streq(state_name, "all") ? "TCP" : state_name, t.sockets,
			     cta_sd_by_name(by)) < 0) {
			header = NULL;
			host_error("cannot format", -ENOMEM);
			goto out;
		}
		print_text(stdout, header, v, (size_t)n, t.sockets, t.agg.n, "socket", "sockets",
			   t.approximate);
	}
	ret = finish_stdout();
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
	if (cta_cli_common_check(&o.common) < 0)
		return CTA_EXIT_USAGE;

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
