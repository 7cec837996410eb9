// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fill a fresh listener's SYN queue on loopback so that the kernel logs
 * "Possible SYN flooding" for it (tcp_syn_flood_action(), once per
 * listener).  Run inside a test's namespace, where the test drops the
 * clients' final ACKs so that the handshakes stay half-open.
 *
 *   cta-synq ADDR PORT BACKLOG CONNECTS SECONDS
 *       Listen on ADDR:PORT ("::": AF_INET6) with BACKLOG, never accept,
 *       start CONNECTS non-blocking connects to the loopback address of the
 *       family, print "ready" and keep the listener for SECONDS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A decimal number in [lo, hi], or -1. */
static long num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno || end == s || *end || v < lo || v > hi ? -1 : v;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = {}, peer = {};
	socklen_t len;
	int fam, l, port, backlog, n, secs, one = 1;

	if (argc != 6) {
		fputs("usage: cta-synq ADDR PORT BACKLOG CONNECTS SECONDS\n", stderr);
		return 2;
	}
	port = (int)num(argv[2], 1, 65535);
	backlog = (int)num(argv[3], 0, 4096);
	n = (int)num(argv[4], 1, 64);
	secs = (int)num(argv[5], 1, 60);
	if (port < 0 || backlog < 0 || n < 0 || secs < 0)
		return fputs("cta-synq: bad arguments\n", stderr), 2;
	fam = strchr(argv[1], ':') ? AF_INET6 : AF_INET;
	if (fam == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss,
				    *p = (struct sockaddr_in6 *)&peer;

		a->sin6_family = p->sin6_family = AF_INET6;
		a->sin6_port = p->sin6_port = htons((unsigned short)port);
		if (inet_pton(AF_INET6, argv[1], &a->sin6_addr) != 1)
			return fputs("cta-synq: bad address\n", stderr), 2;
		p->sin6_addr = in6addr_loopback;
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss, *p = (struct sockaddr_in *)&peer;

		a->sin_family = p->sin_family = AF_INET;
		a->sin_port = p->sin_port = htons((unsigned short)port);
		if (inet_pton(AF_INET, argv[1], &a->sin_addr) != 1)
			return fputs("cta-synq: bad address\n", stderr), 2;
		p->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*a);
	}
	l = socket(fam, SOCK_STREAM, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(l, (struct sockaddr *)&ss, len) < 0 || listen(l, backlog) < 0)
		return fprintf(stderr, "cta-synq: listen: %s\n", strerror(errno)), 1;
	for (int i = 0; i < n; i++) {
		int c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);

		if (c < 0)
			return fprintf(stderr, "cta-synq: socket: %s\n", strerror(errno)), 1;
		if (connect(c, (struct sockaddr *)&peer, len) < 0 && errno != EINPROGRESS)
			return fprintf(stderr, "cta-synq: connect: %s\n", strerror(errno)), 1;
	}
	printf("ready\n");
	fflush(stdout);
	sleep((unsigned)secs);
	return 0;
}
