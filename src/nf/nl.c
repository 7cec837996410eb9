// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one netlink socket helper of src/nf (see nl.h): open/bind/buffer
 * sizing, request-answer with sequence and port id checks, the dump loop with
 * retries, and batch acknowledgements.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include "nf/nl.h"
#include "util/macro.h"
#include "util/banned.h"

/* A dump skb is at most 32 KiB (netlink_recvmsg caps max_recvmsg_len;
 * MNL_SOCKET_DUMP_SIZE in newer libmnl): a smaller buffer truncates it. */
#define CTA_NL_RECV_SIZE 32768

int cta_nl_open(struct cta_nl *nl, int bus, int rcvbuf, unsigned timeout_s)
{
	int fd, r;

	*nl = (struct cta_nl){ 0 };
	nl->sock = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->sock)
		return cta_negerrno();
	fd = mnl_socket_get_fd(nl->sock);
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (timeout_s > 0) {
		struct timeval tv = { .tv_sec = timeout_s };

		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = cta_negerrno();
		cta_nl_close(nl);
		return r;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

void cta_nl_close(struct cta_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

int cta_nl_join(struct cta_nl *nl, unsigned group)
{
	int g = (int)group;

	return mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0 ?
		       cta_negerrno() :
		       0;
}

int cta_nl_fd(const struct cta_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

uint32_t cta_nl_seq(struct cta_nl *nl)
{
	return ++nl->seq;
}

int cta_nl_send(struct cta_nl *nl, const void *buf, size_t len)
{
	return mnl_socket_sendto(nl->sock, buf, len) < 0 ? cta_negerrno() : 0;
}

ssize_t cta_nl_recv(struct cta_nl *nl, void *buf, size_t size)
{
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, size);

		if (n >= 0)
			return n;
		if (errno != EINTR)
			return cta_negerrno();
	}
}

/*
 * The status an NLMSG_DONE carries: the dump's own error (negative errno,
 * as ctnetlink reports a dump it could not finish), or 0.
 */
static int done_status(const struct nlmsghdr *nlh)
{
	int st = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
		memcpy(&st, mnl_nlmsg_get_payload(nlh), sizeof(st));
	return st < 0 ? st : 0;
}

/* The error code of an NLMSG_ERROR (0: an acknowledgement). */
static int nlmsg_error(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EBADMSG;
	return e->error < 0 ? e->error : -e->error;
}

int cta_nl_request(struct cta_nl *nl, const struct nlmsghdr *req, cta_nl_msg_cb cb, void *data)
{
	_cleanup_free_ uint8_t *buf = malloc(CTA_NL_RECV_SIZE);
	uint32_t seq = req->nlmsg_seq;
	bool intr = false;
	int r;

	if (!buf)
		return -ENOMEM;
	r = cta_nl_send(nl, req, req->nlmsg_len);
	if (r < 0)
		return r;
	for (;;) {
		ssize_t n = cta_nl_recv(nl, buf, CTA_NL_RECV_SIZE);
		const struct nlmsghdr *nlh = (const void *)buf;
		int rem;

		if (n < 0)
			return (int)n;
		rem = (int)n;
		for (; cta_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
			/* as mnl_cb_run(): a message for someone else is an error */
			if (!mnl_nlmsg_portid_ok(nlh, nl->portid))
				return -ESRCH;
			if (!mnl_nlmsg_seq_ok(nlh, seq))
				return -EPROTO;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			switch (nlh->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_DONE:
				r = done_status(nlh);
				if (r < 0)
					return r;
				return intr ? -EINTR : 0;
			case NLMSG_ERROR:
				r = nlmsg_error(nlh);
				return r < 0 ? r : intr ? -EINTR : 0;
			case NLMSG_OVERRUN:
				return -ENOBUFS;
			default:
				if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
					continue;
				r = cb(nlh, data);
				if (r < 0)
					return r;
				if (r > 0)
					return intr ? -EINTR : 0;
			}
		}
		if (rem >= (int)sizeof(struct nlmsghdr))
			return -EBADMSG;
	}
}

int cta_nl_wait_ack(struct cta_nl *nl, uint32_t last_seq)
{
	_cleanup_free_ uint8_t *buf = malloc(CTA_NL_RECV_SIZE);
	int first_err = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = cta_nl_recv(nl, buf, CTA_NL_RECV_SIZE);
		int len = (int)n;

		if (n < 0)
			return (int)n;
		for (const struct nlmsghdr *nlh = (const void *)buf; cta_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_pid != nl->portid)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				int e = nlmsg_error(nlh);

				if (e < 0 && !first_err)
					first_err = e;
			}
			if (nlh->nlmsg_seq == last_seq)
				return first_err;
		}
	}
}

bool cta_nlmsg_ok(const struct nlmsghdr *nlh, int len)
{
	return mnl_nlmsg_ok(nlh, len) && nlh->nlmsg_len <= (unsigned)len;
}

/* ---- netlink dump with retries ---- */

int cta_nldump_parse(const void *buf, size_t len, int (*msg)(const struct nlmsghdr *, void *),
		     void *data, bool *intr)
{
	const struct nlmsghdr *nlh = buf;
	int rem = (int)len;

	while (cta_nlmsg_ok(nlh, rem)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			*intr = true;
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			break;
		case NLMSG_DONE: {
			int st = done_status(nlh);

			if (st < 0)
				return st;
			return 1;
		}
		case NLMSG_ERROR: {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
				return -EBADMSG;
			if (e->error)
				return e->error < 0 ? e->error : -e->error;
			break;
		}
		case NLMSG_OVERRUN:
			return -ENOBUFS;
		default: {
			int r = msg(nlh, data);

			if (r < 0)
				return r;
		}
		}
		nlh = mnl_nlmsg_next(nlh, &rem);
	}
	if (rem >= (int)sizeof(struct nlmsghdr))
		return -EBADMSG;
	return 0;
}

int cta_nldump_run(const struct cta_nldump *d, bool *ret_approximate)
{
	/* dump skbs are at most 32 KiB (netlink_recvmsg caps max_recvmsg_len);
	 * only the pages the kernel fills are ever touched */
	size_t size = d->bufsize ? d->bufsize : 256u << 10;
	_cleanup_free_ void *buf = malloc(size);

	if (!buf)
		return -ENOMEM;
	for (unsigned attempt = 0;; attempt++) {
		bool intr = false;
		int r;

		if (attempt > 0 && d->reset)
			d->reset(d->data);
		r = d->request(d->tp);
		if (r < 0)
			return r;
		for (;;) {
			ssize_t n = d->recv(d->tp, buf, size);

			if (n == -ENOBUFS) {
				/* messages were lost: this attempt is short */
				intr = true;
				break;
			}
			if (n < 0)
				return (int)n;
			if (n == 0)
				break;
			r = cta_nldump_parse(buf, (size_t)n, d->msg, d->data, &intr);
			if (r == -ENOBUFS) {
				intr = true;
				break;
			}
			if (r < 0)
				return r;
			if (r > 0)
				break;
		}
		if (!intr || attempt == CTA_NLDUMP_RETRIES) {
			*ret_approximate = intr;
			return 0;
		}
	}
}

void cta_nlsock_close(struct cta_nlsock *s)
{
	cta_nl_close(&s->nl);
}

int cta_nlsock_request(void *tp)
{
	struct cta_nlsock *s = tp;
	int r;

	/* a fresh socket per attempt: after ENOBUFS the old one holds a broken dump */
	cta_nlsock_close(s);
	r = cta_nl_open(&s->nl, s->bus, 4 << 20, 0);
	return r < 0 ? r : cta_nl_send(&s->nl, s->req, s->req_len);
}

ssize_t cta_nlsock_recv(void *tp, void *buf, size_t size)
{
	struct cta_nlsock *s = tp;

	return cta_nl_recv(&s->nl, buf, size);
}
