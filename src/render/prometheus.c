// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Prometheus text exposition format (version 0.0.4) as node_exporter's
 * textfile collector reads it: HELP and TYPE before each family, label values
 * escaped, and no sample timestamps (collector/textfile.go skips a whole
 * file that has one: "contains unsupported client-side timestamps").
 * Metric names, labels and their cardinality: docs/reports.md.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render/formats.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Label values may hold any UTF-8; the format escapes '\\', '"' and newline. */
static void put_label(FILE *f, const char *name, const char *value, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static bool json_num(const json_t *j, double *ret)
{
	if (!json_is_number(j))
		return false;
	*ret = json_number_value(j);
	return true;
}

static void sample(FILE *f, const char *name, const char *netns, double v)
{
	fprintf(f, "%s{", name);
	put_label(f, "netns", netns, true);
	fprintf(f, "} %.17g\n", v);
}

/*
 * ip_local_port_range "LO HI": the ports TCP picks a local port from when it
 * connects (Documentation/networking/ip-sysctl.rst, ip_local_port_range).
 * Connections to one peer address and port need distinct local ports, so
 * this is how many can exist, TIME_WAIT included, to one peer at once.
 */
static long port_range_size(const json_t *facts)
{
	const char *v = str(json_object_get(facts, "sysctl"), "net.ipv4.ip_local_port_range");
	long lo, hi;
	char *end;

	if (!v)
		return -1;
	errno = 0;
	lo = strtol(v, &end, 10);
	if (errno || end == v)
		return -1;
	v = end;
	hi = strtol(v, &end, 10);
	if (errno || end == v || *end || lo < 0 || hi > 65535 || lo > hi)
		return -1;
	return hi - lo + 1;
}

static void evidence(FILE *f, const json_t *facts, const char *netns)
{
	const json_t *ct = json_object_get(facts, "conntrack");
	const json_t *stats = json_object_get(ct, "stats");
	const json_t *sock = json_object_get(facts, "sockets");
	const json_t *top = json_object_get(sock, "time_wait_top"), *e;
	double count, max, v;
	long range = port_range_size(facts);
	size_t i;

	if (json_num(json_object_get(ct, "count"), &count)) {
		family(f, "ctaudit_conntrack_entries", "gauge",
		       "Entries in the network namespace's conntrack table (nf_conntrack_count).");
		sample(f, "ctaudit_conntrack_entries", netns, count);
	}
	if (json_num(json_object_get(ct, "max"), &max)) {
		family(f, "ctaudit_conntrack_max", "gauge",
		       "Size limit of the conntrack table (nf_conntrack_max).");
		sample(f, "ctaudit_conntrack_max", netns, max);
		if (json_num(json_object_get(ct, "count"), &count) && max > 0) {
			family(f, "ctaudit_conntrack_usage_ratio", "gauge",
			       "nf_conntrack_count / nf_conntrack_max; at 1 a new entry needs an "
			       "unassured one to evict (early_drop), else its packet is dropped.");
			sample(f, "ctaudit_conntrack_usage_ratio", netns, count / max);
		}
	}
	/*
	 * Kernel counters since boot, summed over CPUs: exported as counters so
	 * that increase() over the audit interval gives the drops in it.
	 */
	static const struct {
		const char *stat, *name, *help;
	} counters[] = {
		{ "drop", "ctaudit_conntrack_drop_total",
		  "Packets conntrack dropped (conntrack stats 'drop'): no entry could be created, "
		  "mostly because the table was full, or a protocol tracker rejected the packet." },
		{ "early_drop", "ctaudit_conntrack_early_drop_total",
		  "Unassured entries evicted to make room (conntrack stats 'early_drop')." },
		{ "insert_failed", "ctaudit_conntrack_insert_failed_total",
		  "Entries that could not be inserted (conntrack stats 'insert_failed')." },
	};
	for (i = 0; i < ELEMENTSOF(counters); i++) {
		if (!json_num(json_object_get(stats, counters[i].stat), &v))
			continue;
		family(f, counters[i].name, "counter", counters[i].help);
		sample(f, counters[i].name, netns, v);
	}

	/*
	 * The movement since the previous audit (the counter baseline) or over
	 * --interval (docs/facts.md, "counters"): what the rules judge.
	 */
	if (json_num(cta_json_path((json_t *)facts, "counters.interval.seconds"), &v) &&
	    json_num(cta_json_path((json_t *)facts, "counters.delta.conntrack.drop"), &count)) {
		family(f, "ctaudit_counters_interval_seconds", "gauge",
		       "Length of the interval the *_last_interval gauges cover.");
		sample(f, "ctaudit_counters_interval_seconds", netns, v);
		family(f, "ctaudit_conntrack_drops_last_interval", "gauge",
		       "Conntrack stats 'drop' in the last interval (since the previous audit "
		       "or over --interval).");
		sample(f, "ctaudit_conntrack_drops_last_interval", netns, count);
	}

	if (json_num(json_object_get(json_object_get(sock, "tcp"), "TIME_WAIT"), &v)) {
		family(f, "ctaudit_timewait_sockets", "gauge", "TCP sockets in TIME_WAIT.");
		sample(f, "ctaudit_timewait_sockets", netns, v);
	}
	if (range > 0) {
		family(f, "ctaudit_local_port_range_size", "gauge",
		       "Ports in net.ipv4.ip_local_port_range, which connect() picks local ports "
		       "from: at most this many of its connections to one peer address:port at "
		       "once.");
		sample(f, "ctaudit_local_port_range_size", netns, (double)range);
	}
	if (json_array_size(top) == 0)
		return;
	family(f, "ctaudit_timewait_peer_sockets", "gauge",
	       "TIME_WAIT sockets to one peer address:port (the peers holding the most).");
	json_array_foreach(top, i, e) {
		if (!str(e, "peer") || !json_num(json_object_get(e, "count"), &v))
			continue;
		fputs("ctaudit_timewait_peer_sockets{", f);
		put_label(f, "netns", netns, true);
		put_label(f, "peer", str(e, "peer"), false);
		fprintf(f, "} %.17g\n", v);
	}
	if (range <= 0)
		return;
	family(f, "ctaudit_timewait_peer_port_ratio", "gauge",
	       "TIME_WAIT sockets to one peer / ip_local_port_range size; near 1 connect() to "
	       "that peer gets EADDRNOTAVAIL unless tcp_tw_reuse may take over a TIME_WAIT "
	       "socket (only one that carried TCP timestamps).");
	json_array_foreach(top, i, e) {
		if (!str(e, "peer") || !json_num(json_object_get(e, "count"), &v))
			continue;
		fputs("ctaudit_timewait_peer_port_ratio{", f);
		put_label(f, "netns", netns, true);
		put_label(f, "peer", str(e, "peer"), false);
		fprintf(f, "} %.17g\n", v / (double)range);
	}
}

char *cta_render_prometheus(const struct cta_report *r, const struct cta_render_ctx *ctx)
{
	const char *netns = cta_render_netns_label(r, ctx);
	_cleanup_free_ char *buf = NULL;
	long long at;
	unsigned failing = 0;
	size_t len;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;

	family(f, "ctaudit_build_info", "gauge",
	       "ctaudit version and rule catalog digest of the last audit (always 1).");
	fputs("ctaudit_build_info{", f);
	put_label(f, "version", r->ctaudit_version, true);
	put_label(f, "catalog", r->catalog_digest, false);
	fputs("} 1\n", f);

	if (cta_render_parse_utc(r->generated_at, &at) == 0) {
		family(f, "ctaudit_last_run_timestamp_seconds", "gauge",
		       "When the audit that wrote this file ran (seconds since the epoch).");
		fprintf(f, "ctaudit_last_run_timestamp_seconds %lld\n", at);
	}

	family(f, "ctaudit_findings", "gauge", "Failing rules by severity.");
	for (int s = 0; s < _CTA_SEVERITY_MAX; s++) {
		fprintf(f, "ctaudit_findings{severity=\"%s\"} %u\n", cta_severity_to_string(s),
			r->failing[s]);
		failing += r->failing[s];
	}

	family(f, "ctaudit_rules", "gauge", "Evaluated rules by status (fail, pass, skip).");
	fprintf(f, "ctaudit_rules{status=\"fail\"} %u\n", failing);
	fprintf(f, "ctaudit_rules{status=\"pass\"} %u\n", r->passed);
	fprintf(f, "ctaudit_rules{status=\"skip\"} %u\n", r->skipped);

	/* every rule, failing or not, so that an alert resolves when its rule passes */
	family(f, "ctaudit_rule_failing", "gauge",
	       "1 when the rule fails, 0 when it passes or was skipped.");
	for (size_t i = 0; i < r->n_results; i++) {
		const struct cta_result *res = &r->results[i];

		fputs("ctaudit_rule_failing{", f);
		put_label(f, "netns", netns, true);
		put_label(f, "profile", r->profile, false);
		put_label(f, "rule", res->rule, false);
		put_label(f, "severity", cta_severity_to_string(res->severity), false);
		fprintf(f, "} %d\n", res->status == CTA_RESULT_FAIL);
	}

	if (ctx && ctx->facts)
		evidence(f, ctx->facts, netns);

	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(buf);
}
