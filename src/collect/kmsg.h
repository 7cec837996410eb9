/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_COLLECT_KMSG_H
#define CTA_COLLECT_KMSG_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <jansson.h>
#include "collect/collect.h"

/*
 * The kernel log, read once per collection (kmsg.c).  One pass over
 * /dev/kmsg hands every record to each pattern's handler: the conntrack
 * "table full" lines (conntrack.c) and the "Possible SYN flooding" lines
 * (below).
 */

/*
 * Split a record into its timestamp (microseconds of the kernel's log clock,
 * which runs with CLOCK_MONOTONIC) and message.  Accepts /dev/kmsg records
 * ("4,1001,123456789,-;text"), dmesg lines ("[  123.456789] text") and bare
 * text (no timestamp: *@ret_have_ts false).  Returns the message, a pointer
 * into @rec.
 */
const char *cta_kmsg_split(const char *rec, bool *ret_have_ts, uint64_t *ret_ts_us);

/*
 * Called once per record with its first line (continuation lines dropped).
 * Returns 0, or a negative errno that stops the pass.
 */
typedef int (*cta_kmsg_fn)(const char *rec, void *userdata);

/*
 * Read @path, /dev/kmsg without blocking from the oldest record dmesg would
 * show, or a regular file of saved lines (tests, an image).  Returns 0 or
 * negative errno (open/read errors, or the first error of @fn).
 */
int cta_kmsg_read(const char *path, cta_kmsg_fn fn, void *userdata);

/*
 * "Possible SYN flooding" lines of tcp_syn_flood_action()
 * (net/ipv4/tcp_input.c).  cta_syn_flood_parse() fills @ret from one message
 * (without the record header) and returns true when it is such a line.
 */
struct cta_syn_flood_line {
	bool have_addr; /* 6.2+: the listener's bound address is printed */
	int family; /* AF_INET or AF_INET6 when have_addr */
	struct in6_addr addr; /* IPv4 in the first 4 bytes */
	uint16_t port;
	bool cookies; /* "Sending cookies", else "Dropping request" */
};
bool cta_syn_flood_parse(const char *msg, struct cta_syn_flood_line *ret);

/* Lines grouped by listener (address and port as printed). */
struct cta_syn_flood_entry {
	struct cta_syn_flood_line key; /* cookies unused */
	uint64_t count, cookies, dropped, in_interval;
	bool have_ts;
	uint64_t last_ts_us;
};
struct cta_syn_flood {
	struct cta_syn_flood_entry *v; /* owned */
	size_t n, cap;
	uint64_t total; /* every such line, any namespace */
};

/*
 * Account one record.  With @have_since, a line stamped at or after
 * @since_us (or without a timestamp) also counts as in the interval.
 * Returns 0 or -ENOMEM.
 */
int cta_syn_flood_add(struct cta_syn_flood *sf, const char *rec, bool have_since,
		      uint64_t since_us);
void cta_syn_flood_done(struct cta_syn_flood *sf);

/*
 * The facts: sockets.syn_flood as a new object in @ret, lines attributed to
 * this namespace only where @listening (sockets.listening; NULL: unknown)
 * has a TCP listener with the port (and the address, when the line prints
 * it).  Pure.  Returns 0 or -ENOMEM.
 */
int cta_syn_flood_facts(const struct cta_syn_flood *sf, const json_t *listening, bool have_since,
			json_t **ret);

/*
 * The kernel log section of a collection: conntrack.table_full_messages,
 * conntrack.table_full, sockets.syn_flood_messages and sockets.syn_flood.
 * Runs after the conntrack and sockets collectors; nothing offline or with
 * netns_only (the log is the host's).  Returns 0 (also when it recorded the
 * log as unavailable) or -ENOMEM.
 */
int cta_collect_kmsg(struct cta_collect_ctx *c);

#endif
