/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_CLI_TOP_RATE_H
#define CTA_CLI_TOP_RATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nf/ctdump.h"

/* `ctaudit top conntrack|timewait --rate`: options parsed by cmd_top. */
struct cta_top_rate_opts {
	int by; /* enum cta_ct_by or enum cta_sd_by */
	const struct cta_ct_filter *filter; /* conntrack only; NULL: all */
	const char *filter_expr;
	uint64_t interval_ms;
	uint64_t count; /* intervals to show, 0: until interrupted */
	bool watch; /* refresh in place on a terminal */
	bool json; /* one JSON object per interval */
	size_t n; /* rows per interval, 0: all */
	size_t max_keys; /* distinct keys kept per interval */
	int rcvbuf; /* event socket receive buffer (bytes) */
	bool verbose;
};

/* Run the live view; returns a CTA_EXIT_* code. */
int cta_top_conntrack_rate(const struct cta_top_rate_opts *o);
int cta_top_timewait_rate(const struct cta_top_rate_opts *o);

#endif
