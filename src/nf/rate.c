// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Live rates (see rate.h): conntrack NEW events counted by key, and TIME_WAIT
 * sockets entering between two sock_diag samples.
 */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include "nf/rate.h"
#include "util/macro.h"
#include "util/banned.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

/* ---- conntrack events ---- */

int cta_ctev_open(struct cta_ctev *ev, int rcvbuf)
{
	socklen_t len = sizeof(ev->rcvbuf);
	int r;

	*ev = (struct cta_ctev){ 0 };
	r = cta_nl_open(&ev->nl, NETLINK_NETFILTER, rcvbuf, 0);
	if (r < 0)
		return r;
	/* NFNLGRP_CONNTRACK_NEW carries IPCT_NEW and IPCT_RELATED events
	 * (ctnetlink_conntrack_event); updates and destroys are other groups */
	r = cta_nl_join(&ev->nl, NFNLGRP_CONNTRACK_NEW);
	if (r < 0) {
		cta_nl_close(&ev->nl);
		return r;
	}
	if (getsockopt(cta_ctev_fd(ev), SOL_SOCKET, SO_RCVBUF, &ev->rcvbuf, &len) < 0)
		ev->rcvbuf = 0;
	return 0;
}

void cta_ctev_close(struct cta_ctev *ev)
{
	cta_nl_close(&ev->nl);
}

int cta_ctev_fd(const struct cta_ctev *ev)
{
	return cta_nl_fd(&ev->nl);
}

/* Datagrams per recvmmsg(): each event is one datagram (nfnetlink_send). */
#define DRAIN_BATCH 32
/* Datagrams per cta_ctev_drain() call, so that a flood cannot hold the
 * caller past its deadline. */
#define DRAIN_MAX 8192

int cta_ctev_drain(struct cta_ctev *ev, void *buf, size_t size,
		   int (*msg)(const struct nlmsghdr *nlh, void *data), void *data,
		   uint64_t *overruns)
{
	struct mmsghdr mm[DRAIN_BATCH];
	struct iovec iov[DRAIN_BATCH];
	size_t slot = size / DRAIN_BATCH;
	int fd = cta_ctev_fd(ev);

	if (slot < 8192)
		return -EINVAL;
	for (unsigned got = 0; got < DRAIN_MAX;) {
		int n;

		memset(mm, 0, sizeof(mm));
		for (unsigned i = 0; i < DRAIN_BATCH; i++) {
			iov[i] = (struct iovec){ .iov_base = (char *)buf + i * slot,
						 .iov_len = slot };
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, mm, DRAIN_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == ENOBUFS) {
				/* the kernel dropped events: cta_ctev_drops() says how many */
				(*overruns)++;
				continue;
			}
			return cta_negerrno();
		}
		if (n == 0)
			return 0;
		for (int i = 0; i < n; i++) {
			bool intr = false;
			int r;

			/* an event larger than a slot is cut: skip it rather than
			 * misread it (it cannot happen with 8 KiB slots today) */
			if (mm[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue;
			r = cta_nldump_parse(iov[i].iov_base, mm[i].msg_len, msg, data, &intr);
			if (r < 0 && r != -ENOBUFS)
				return r;
		}
		got += (unsigned)n;
		if (n < DRAIN_BATCH)
			return 0;
	}
	return 1;
}

int64_t cta_ctev_drops(const struct cta_ctev *ev)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mem);

	/* SO_MEMINFO (Linux 4.12) reports sk_drops, which netlink_overrun()
	 * increments for every message it could not queue */
	if (getsockopt(cta_ctev_fd(ev), SOL_SOCKET, SO_MEMINFO, mem, &len) < 0)
		return cta_negerrno();
	if (len < (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t))
		return -EOPNOTSUPP;
	return mem[SK_MEMINFO_DROPS];
}

void cta_ctrate_init(struct cta_ctrate *r, enum cta_ct_by by, const struct cta_ct_filter *filter,
		     size_t max_keys)
{
	*r = (struct cta_ctrate){ .filter = filter, .by = by, .max_keys = max_keys };
	cta_agg_init(&r->agg, cta_ct_key_len(by));
}

void cta_ctrate_done(struct cta_ctrate *r)
{
	cta_agg_done(&r->agg);
}

void cta_ctrate_reset(struct cta_ctrate *r)
{
	cta_agg_reset(&r->agg);
	r->events = r->matched = r->other = 0;
}

int cta_ctrate_msg(const struct nlmsghdr *nlh, void *data)
{
	struct cta_ctrate *r = data;
	struct cta_ct_entry e;
	unsigned char key[CTA_AGG_KEY_MAX];
	int k;

	/* NEW events are IPCTNL_MSG_CT_NEW messages; anything else is not ours */
	if (cta_ct_parse(nlh, &e) < 0)
		return 0;
	r->events++;
	if (r->filter && !cta_ct_filter_match(r->filter, &e))
		return 0;
	r->matched++;
	cta_ct_key(&e, r->by, key);
	k = cta_agg_add_bounded(&r->agg, key, 1, r->max_keys);
	if (k < 0)
		return k;
	if (k > 0)
		r->other++;
	return 0;
}

uint64_t cta_rate_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int cta_ctrate_collect(struct cta_ctev *ev, struct cta_ctrate *r, void *buf, size_t size,
		       uint64_t deadline, const volatile sig_atomic_t *stop, uint64_t *overruns)
{
	int k;

	for (;;) {
		uint64_t t = cta_rate_now_ms();
		struct pollfd p = { .fd = cta_ctev_fd(ev), .events = POLLIN };

		if (t >= deadline || (stop && *stop))
			break;
		k = poll(&p, 1, (int)MIN(deadline - t, (uint64_t)1000));
		if (k < 0 && errno != EINTR)
			return cta_negerrno();
		if (k <= 0)
			continue;
		k = cta_ctev_drain(ev, buf, size, cta_ctrate_msg, r, overruns);
		if (k < 0)
			return k;
		/*
		 * Let events gather for a few milliseconds: one wakeup and a
		 * few recvmmsg() calls per batch instead of a wakeup per event.
		 * At 100k events/s, 5 ms is 500 events, well inside the
		 * receive buffer.
		 */
		if (k == 0 && !(stop && *stop)) {
			uint64_t left = deadline - MIN(cta_rate_now_ms(), deadline);
			struct timespec ts = { 0, (long)MIN(left, (uint64_t)5) * 1000000L };

			(void)nanosleep(&ts, NULL);
		}
	}
	/* what arrived by the deadline belongs to this interval (one bounded
	 * batch: a flood must not hold the caller past its deadline) */
	k = cta_ctev_drain(ev, buf, size, cta_ctrate_msg, r, overruns);
	return k < 0 ? k : 0;
}

/* ---- TIME_WAIT sockets entering ---- */

/* family, src[16], dst[16], sport[2], dport[2] */
#define TW_TUPLE_LEN 37

void cta_twrate_init(struct cta_twrate *t, enum cta_sd_by by, size_t max_keys)
{
	*t = (struct cta_twrate){ .by = by, .max_keys = max_keys };
	cta_agg_init(&t->seen[0], TW_TUPLE_LEN);
	cta_agg_init(&t->seen[1], TW_TUPLE_LEN);
	cta_agg_init(&t->agg, cta_sd_key_len(by));
}

void cta_twrate_done(struct cta_twrate *t)
{
	cta_agg_done(&t->seen[0]);
	cta_agg_done(&t->seen[1]);
	cta_agg_done(&t->agg);
}

void cta_twrate_begin(struct cta_twrate *t)
{
	t->cur ^= 1;
	cta_agg_reset(&t->seen[t->cur]);
	cta_agg_reset(&t->agg);
	t->present = t->entered = t->other = 0;
	t->approximate = false;
}

void cta_twrate_end(struct cta_twrate *t)
{
	if (!t->primed) {
		/* the first sample is the baseline: nothing "entered" yet */
		cta_agg_reset(&t->agg);
		t->entered = t->other = 0;
	}
	t->primed = true;
}

int cta_twrate_add(struct cta_twrate *t, const struct cta_sd_sock *s)
{
	unsigned char tuple[CTA_AGG_KEY_MAX] = { 0 }, key[CTA_AGG_KEY_MAX];
	uint16_t sp = htons(s->sport), dp = htons(s->dport);
	int r;

	tuple[0] = s->family;
	memcpy(tuple + 1, s->src, 16);
	memcpy(tuple + 17, s->dst, 16);
	memcpy(tuple + 33, &sp, 2);
	memcpy(tuple + 35, &dp, 2);
	/* a retried dump delivers a socket twice: the set counts it once */
	if (cta_agg_get(&t->seen[t->cur], tuple))
		return 0;
	r = cta_agg_add(&t->seen[t->cur], tuple, 1);
	if (r < 0)
		return r;
	t->present++;
	if (cta_agg_get(&t->seen[t->cur ^ 1], tuple))
		return 0;
	t->entered++;
	cta_sd_key(s, t->by, key);
	r = cta_agg_add_bounded(&t->agg, key, 1, t->max_keys);
	if (r < 0)
		return r;
	if (r > 0)
		t->other++;
	return 0;
}

static int twrate_sock(const struct cta_sd_sock *s, void *data)
{
	return cta_twrate_add(data, s);
}

int cta_twrate_sample(struct cta_twrate *t)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int r = 0;

	cta_twrate_begin(t);
	for (size_t i = 0; i < ELEMENTSOF(families); i++) {
		bool approximate = false;

		/* no reset callback: the 4-tuple set makes a repeated dump harmless */
		r = cta_sockdiag_dump(families[i], IPPROTO_TCP, 1u << 6 /* TCP_TIME_WAIT */, NULL,
				      twrate_sock, t, &approximate);
		if (r == -ENOENT && families[i] == AF_INET6)
			r = 0; /* no inet6 diag handler */
		if (r < 0)
			return r;
		t->approximate |= approximate;
	}
	cta_twrate_end(t);
	return 0;
}
