/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_NF_RATE_H
#define CTA_NF_RATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nf/ctdump.h"
#include "nf/nl.h"
#include "nf/sockdiag.h"

/*
 * Live rates for `ctaudit top --rate`: who creates conntrack entries now
 * (ctnetlink NEW events) and who puts sockets into TIME_WAIT now (periodic
 * sock_diag dumps).  Memory is bounded by the number of distinct keys per
 * interval (a cap, past which counts go to "other"), never by the event rate.
 */

/* ---- conntrack events ---- */

/*
 * A NETLINK_NETFILTER socket joined to NFNLGRP_CONNTRACK_NEW of the current
 * network namespace (conntrack events are per namespace).  NETLINK_NO_ENOBUFS
 * is NOT set: an overrun must be seen.  The kernel counts each message it
 * drops for the socket (netlink_overrun increments sk_drops), read back with
 * SO_MEMINFO, so the number of lost events is exact.
 */
struct cta_ctev {
	struct cta_nl nl;
	int rcvbuf; /* SO_RCVBUF as granted (the kernel doubles the request) */
};

/*
 * Open and join.  @rcvbuf: receive buffer to ask for (SO_RCVBUFFORCE as
 * root, else capped by net.core.rmem_max).  Returns 0 or negative errno
 * (-EPERM: joining conntrack groups needs CAP_NET_ADMIN).
 */
int cta_ctev_open(struct cta_ctev *ev, int rcvbuf);
void cta_ctev_close(struct cta_ctev *ev);
int cta_ctev_fd(const struct cta_ctev *ev);

/*
 * Read queued events without blocking (recvmmsg, @buf of @size bytes, at
 * least 256 KiB) and pass each message to @msg.  An overrun (ENOBUFS from
 * recv) adds 1 to *overruns and reading goes on.  Returns 0 when the queue
 * is empty, 1 when it stopped after a bounded number of events (call again),
 * or negative errno.
 */
int cta_ctev_drain(struct cta_ctev *ev, void *buf, size_t size,
		   int (*msg)(const struct nlmsghdr *nlh, void *data), void *data,
		   uint64_t *overruns);

/* Messages the kernel dropped for this socket since it was opened, or negative errno. */
int64_t cta_ctev_drops(const struct cta_ctev *ev);

/* Per-interval counts of NEW events by key. */
struct cta_ctrate {
	const struct cta_ct_filter *filter; /* NULL: every event */
	enum cta_ct_by by;
	size_t max_keys; /* distinct keys kept per interval; the rest count as "other" */
	struct cta_agg agg;
	uint64_t events; /* NEW events read */
	uint64_t matched; /* of those, matching the filter */
	uint64_t other; /* matched, but past max_keys */
};

void cta_ctrate_init(struct cta_ctrate *r, enum cta_ct_by by, const struct cta_ct_filter *filter,
		     size_t max_keys);
void cta_ctrate_done(struct cta_ctrate *r);
/* Start a new interval (memory is kept). */
void cta_ctrate_reset(struct cta_ctrate *r);
/* Consumer for cta_ctev_drain().  Returns 0 or -ENOMEM. */
int cta_ctrate_msg(const struct nlmsghdr *nlh, void *data);

/* CLOCK_MONOTONIC in milliseconds: the clock of cta_ctrate_collect()'s deadline. */
uint64_t cta_rate_now_ms(void);

/*
 * Count the events of one interval into @r: wait for events until @deadline
 * (cta_rate_now_ms() clock) or until *@stop becomes non-zero (a signal
 * handler's flag; NULL: none), then read what is queued.  @buf/@size as for
 * cta_ctev_drain().  Shared by `top conntrack --rate` and `audit --deep`.
 * Returns 0 or negative errno.
 */
int cta_ctrate_collect(struct cta_ctev *ev, struct cta_ctrate *r, void *buf, size_t size,
		       uint64_t deadline, const volatile sig_atomic_t *stop, uint64_t *overruns);

/* ---- TIME_WAIT sockets entering ---- */

/*
 * Each sample is one sock_diag dump of the TCP sockets in TIME_WAIT (the
 * kernel filters by state); a socket is new when its 4-tuple was not in the
 * previous sample.  A TIME_WAIT socket lives 60 s (TCP_TIMEWAIT_LEN), so
 * samples a few seconds apart see every one.  The 4-tuple sets are as large
 * as the number of TIME_WAIT sockets (at most net.ipv4.tcp_max_tw_buckets).
 */
struct cta_twrate {
	enum cta_sd_by by;
	size_t max_keys;
	struct cta_agg seen[2]; /* 4-tuples of the last two samples */
	unsigned cur;
	bool primed; /* a first sample exists */
	struct cta_agg agg; /* new sockets of the last interval by @by */
	uint64_t present; /* TIME_WAIT sockets in the last sample */
	uint64_t entered; /* new in the last sample */
	uint64_t other; /* new, past max_keys */
	bool approximate;
};

void cta_twrate_init(struct cta_twrate *t, enum cta_sd_by by, size_t max_keys);
void cta_twrate_done(struct cta_twrate *t);
/* Take a sample: fills agg/entered/present (the first sample only primes).
 * Returns 0 or negative errno. */
int cta_twrate_sample(struct cta_twrate *t);
/* Feed one socket of the sample being taken (the dump's consumer, and the unit tests). */
int cta_twrate_add(struct cta_twrate *t, const struct cta_sd_sock *s);
/* Start and finish a sample by hand (cta_twrate_sample calls them around its dumps). */
void cta_twrate_begin(struct cta_twrate *t);
void cta_twrate_end(struct cta_twrate *t);

#endif
