/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_NF_NL_H
#define CTA_NF_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The one netlink socket helper of src/nf, over libmnl: every ctnetlink,
 * nf_tables and sock_diag conversation of ctaudit opens, binds and talks
 * through it.
 *
 * Errors are negative errno.  Two of them say what happened to a dump and
 * are never merged: -EINTR, the kernel flagged a reply NLM_F_DUMP_INTR (the
 * object set changed while it was dumped: every message was delivered but the
 * result may be inconsistent), and -ENOBUFS, the socket's receive queue
 * overflowed (messages were lost).  Callers decide whether to run it again.
 */

struct mnl_socket;
struct nlmsghdr;

struct cta_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq; /* last sequence number handed out by cta_nl_seq() */
};

/*
 * Open and bind (kernel-assigned port id) a socket on @bus (NETLINK_NETFILTER,
 * NETLINK_SOCK_DIAG).  @rcvbuf > 0 asks for that receive buffer: the kernel
 * builds the next dump skb only while the receive queue is below half of
 * SO_RCVBUF (netlink_dump), so a large buffer keeps big dumps flowing;
 * SO_RCVBUFFORCE needs CAP_NET_ADMIN, the plain option is capped by
 * net.core.rmem_max.  @timeout_s > 0 sets SO_RCVTIMEO, so a kernel that never
 * answers cannot hang the caller (-EAGAIN).  Returns 0 or negative errno; on
 * failure @nl is closed.
 */
int cta_nl_open(struct cta_nl *nl, int bus, int rcvbuf, unsigned timeout_s);
void cta_nl_close(struct cta_nl *nl);

/* Join multicast group @group (NFNLGRP_*, ...).  Returns 0 or negative errno. */
int cta_nl_join(struct cta_nl *nl, unsigned group);
/* The socket's file descriptor (for poll). */
int cta_nl_fd(const struct cta_nl *nl);

/* A fresh sequence number for the next request (starts from the clock, as
 * libmnl's examples do, so replies to an earlier process never match). */
uint32_t cta_nl_seq(struct cta_nl *nl);

/* Send @len bytes (one message or a batch).  Returns 0 or negative errno. */
int cta_nl_send(struct cta_nl *nl, const void *buf, size_t len);
/* Receive one datagram (EINTR retried).  Returns its length or negative errno. */
ssize_t cta_nl_recv(struct cta_nl *nl, void *buf, size_t size);

/*
 * Data message callback: return 0 to go on, > 0 to stop (a request answered
 * by one message and no NLMSG_DONE, such as NFT_MSG_GETGEN), or negative
 * errno to abort.
 */
typedef int (*cta_nl_msg_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * Send @req (its nlmsg_seq set from cta_nl_seq()) and pass every data
 * message of the answer to @cb until NLMSG_DONE, an acknowledgement, or @cb
 * stops.  Replies whose sequence number or port id are not this request's are
 * an error (-EPROTO), as in mnl_cb_run().  Returns 0, -EINTR or -ENOBUFS (see
 * above; with -EINTR all messages were passed to @cb), the error of an
 * NLMSG_ERROR or of @cb, -EBADMSG for a truncated message, or another
 * negative errno.
 */
int cta_nl_request(struct cta_nl *nl, const struct nlmsghdr *req, cta_nl_msg_cb cb, void *data);

/*
 * After sending a batch whose last message asked for NLM_F_ACK: read the
 * answers until the acknowledgement of sequence number @last_seq.  Returns 0
 * or the first error any message of the batch got.
 */
int cta_nl_wait_ack(struct cta_nl *nl, uint32_t last_seq);

/* ---- dumps with retries ---- */

#define CTA_NLDUMP_RETRIES 3

struct cta_nldump {
	/* Transport: send the dump request on a fresh socket (called once per
	 * attempt) and receive the next datagram (bytes, 0 at end of stream,
	 * or negative errno).  Unit tests replace them with recorded replies. */
	int (*request)(void *tp);
	ssize_t (*recv)(void *tp, void *buf, size_t size);
	void *tp;
	/* Consumer: forget what the previous attempt counted, and take one
	 * message (returns >= 0 or negative errno to abort). */
	void (*reset)(void *data);
	int (*msg)(const struct nlmsghdr *nlh, void *data);
	void *data;
	/* Receive buffer size (0: 256 KiB). */
	size_t bufsize;
};

/*
 * Process one buffer of netlink messages: data messages go to @msg, an
 * NLMSG_ERROR with an error code or an NLMSG_DONE with a negative status is
 * returned as negative errno, NLM_F_DUMP_INTR on any message sets *intr.
 * Returns 1 after NLMSG_DONE, 0 when more messages are expected, -ENOBUFS
 * for NLMSG_OVERRUN, or negative errno (-EBADMSG for a truncated message).
 */
int cta_nldump_parse(const void *buf, size_t len, int (*msg)(const struct nlmsghdr *, void *),
		     void *data, bool *intr);

/*
 * Run a dump to its end.  When it was interrupted (NLM_F_DUMP_INTR) or hit
 * ENOBUFS, reset the consumer and run it again, up to CTA_NLDUMP_RETRIES more
 * times; if the last attempt is still interrupted its result is kept and
 * *ret_approximate is true.  Returns 0 or negative errno (-EPERM without
 * CAP_NET_ADMIN for ctnetlink).
 */
int cta_nldump_run(const struct cta_nldump *d, bool *ret_approximate);

/*
 * The cta_nl transport for cta_nldump: @bus, the request message @req
 * (owned by the caller, must outlive the dump), a fresh socket with a 4 MiB
 * receive buffer per attempt.
 */
struct cta_nlsock {
	int bus;
	const void *req;
	size_t req_len;
	struct cta_nl nl; /* private */
};
int cta_nlsock_request(void *tp);
ssize_t cta_nlsock_recv(void *tp, void *buf, size_t size);
void cta_nlsock_close(struct cta_nlsock *s);

/*
 * mnl_nlmsg_ok() that also refuses a length above INT_MAX: libmnl compares
 * (int)nlmsg_len, so such a message passes it and the next one is read far
 * outside the buffer.  Use it on every buffer of received or recorded messages.
 */
bool cta_nlmsg_ok(const struct nlmsghdr *nlh, int len);

#endif
