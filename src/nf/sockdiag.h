/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_NF_SOCKDIAG_H
#define CTA_NF_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nf/ctdump.h"

/*
 * NETLINK_SOCK_DIAG adapter: inet_diag dumps of the current network
 * namespace's TCP and UDP sockets, with the kernel filtering by state
 * (idiag_states) and no extensions requested, so that only the fixed
 * inet_diag_msg header is read per socket.  Shared by the facts "sockets"
 * section and `ctaudit top timewait`.
 */

struct nlmsghdr;

/* Kernel TCP states (include/net/tcp_states.h). */
#define CTA_TCP_STATE_MAX 12

/* One socket from a dump. */
struct cta_sd_sock {
	uint8_t family; /* AF_INET or AF_INET6; IPv4-mapped IPv6 addresses come as AF_INET */
	uint8_t state; /* TCP_* state (UDP: TCP_CLOSE unconnected, TCP_ESTABLISHED connected) */
	uint16_t sport; /* host order */
	uint16_t dport;
	uint8_t src[16]; /* network order; IPv4 in the first 4 bytes */
	uint8_t dst[16];
};

/*
 * Fill @s from one SOCK_DIAG_BY_FAMILY reply.  Returns 0, or -EINVAL when the
 * message is not an inet_diag_msg.
 */
int cta_sd_parse(const struct nlmsghdr *nlh, struct cta_sd_sock *s);

/* "ESTABLISHED" ... "NEW_SYN_RECV" for 1..12, NULL otherwise. */
const char *cta_tcp_state_name(unsigned state);
/* Case-insensitive; returns the state (1..12) or -EINVAL. */
int cta_tcp_state_from_name(const char *name);

enum cta_sd_by {
	CTA_SD_BY_PEER, /* remote ip:port */
	CTA_SD_BY_PEER_IP, /* remote ip */
	CTA_SD_BY_LOCAL_PORT, /* local port */
	_CTA_SD_BY_MAX,
};

const char *cta_sd_by_name(enum cta_sd_by by);
int cta_sd_by_from_name(const char *name); /* -EINVAL when unknown */
size_t cta_sd_key_len(enum cta_sd_by by);
/* Write @s's key for @by into @key (CTA_AGG_KEY_MAX bytes, zero padding included). */
void cta_sd_key(const struct cta_sd_sock *s, enum cta_sd_by by, unsigned char *key);
/* "192.168.1.11:3306", "[::1]:3306", "192.168.1.11", "5001".  Returns @buf. */
char *cta_sd_key_format(enum cta_sd_by by, const unsigned char *key, char *buf, size_t size);

/*
 * Dump the sockets of @family (AF_INET or AF_INET6) and @proto (IPPROTO_TCP
 * or IPPROTO_UDP) whose state bit is in @states, calling @sock for each.  On
 * an interrupted dump @reset is called and the dump repeated (see
 * cta_nldump_run).  Returns 0 or negative errno.
 */
int cta_sockdiag_dump(int family, int proto, uint32_t states, void (*reset)(void *),
		      int (*sock)(const struct cta_sd_sock *, void *), void *data,
		      bool *ret_approximate);

/* `top timewait`: TCP sockets of both families in @states, counted by @by. */
struct cta_sdtop {
	enum cta_sd_by by;
	uint32_t states;
	struct cta_agg agg; /* initialized by cta_sdtop_init */
	uint64_t sockets;
	bool approximate;
};
void cta_sdtop_init(struct cta_sdtop *t, enum cta_sd_by by, uint32_t states);
void cta_sdtop_done(struct cta_sdtop *t);
/* Feed one socket (used by the dump and by the unit tests). Returns 0 or -ENOMEM. */
int cta_sdtop_add(struct cta_sdtop *t, const struct cta_sd_sock *s);
int cta_sdtop_run(struct cta_sdtop *t);

/*
 * The facts summary: TCP sockets per family and state (one dump per family,
 * all states), TIME_WAIT sockets by peer, TCP LISTEN sockets and bound
 * unconnected UDP sockets.
 */
#define CTA_SD_LISTEN_KEY_LEN 20 /* proto, port[2], family, address[16] */
struct cta_sd_summary {
	uint64_t tcp[2][CTA_TCP_STATE_MAX + 1]; /* [0] IPv4, [1] IPv6 dump */
	struct cta_agg tw_peers; /* CTA_SD_BY_PEER keys */
	struct cta_agg tw_local; /* TIME_WAIT by local port: 2-byte keys, host order */
	struct cta_agg listening; /* CTA_SD_LISTEN_KEY_LEN keys */
	bool approximate;
	int udp_error; /* 0, or negative errno when the UDP dumps failed */
};
void cta_sd_summary_init(struct cta_sd_summary *s);
void cta_sd_summary_done(struct cta_sd_summary *s);
/* Feed one socket of dump family index @fam (0 IPv4, 1 IPv6) and @proto. */
int cta_sd_summary_add(struct cta_sd_summary *s, int fam, int proto, const struct cta_sd_sock *k);
/* Returns 0 or negative errno when the TCP dumps failed. */
int cta_sd_summary_run(struct cta_sd_summary *s);
/* Print a listening key's address ("0.0.0.0", "::") into @buf; returns @buf. */
char *cta_sd_listen_format(const unsigned char *key, int *ret_proto, unsigned *ret_port, char *buf,
			   size_t size);

#endif
