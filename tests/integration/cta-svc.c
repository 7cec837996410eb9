// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A real TCP service and its client for the remediation tests (bounded, run
 * inside a test's namespaces):
 *
 *   cta-svc serve ADDR PORT SECONDS
 *       Listen on ADDR:PORT ("::" or an IPv6 address: AF_INET6), answer
 *       every connection with "ok\n" and close it; exit after SECONDS.
 *       Prints "ready" once listening.
 *
 *   cta-svc get ADDR PORT TIMEOUT_MS
 *       Connect, read the answer and exit 0 if it is "ok", else print why
 *       ("timeout", "refused", ...) and exit 1.  Each step is bounded by
 *       TIMEOUT_MS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static socklen_t make_addr(const char *ip, unsigned port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1)
			return 0;
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	if (inet_pton(AF_INET, ip, &s4->sin_addr) != 1)
		return 0;
	return sizeof(*s4);
}

static int serve(const char *ip, unsigned port, unsigned seconds)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(ip, port, &ss);
	int one = 1, fd;

	if (!len)
		return fprintf(stderr, "cta-svc: bad address '%s'\n", ip), 2;
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0)
		return fprintf(stderr, "cta-svc: listen: %s\n", strerror(errno)), 1;
	alarm(seconds);
	puts("ready");
	fflush(stdout);
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (write(c, "ok\n", 3) != 3) {
			/* the client went away: nothing to answer */
		}
		close(c);
	}
}

static int get(const char *ip, unsigned port, int ms)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(ip, port, &ss);
	struct pollfd p;
	char buf[8] = { 0 };
	int fd, err = 0;
	socklen_t el = sizeof(err);
	ssize_t n;

	if (!len)
		return fprintf(stderr, "cta-svc: bad address '%s'\n", ip), 2;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return puts("socket"), 1;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
		return printf("connect: %s\n", strerror(errno)), 1;
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&p, 1, ms) != 1)
		return puts("timeout"), 1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err)
		return printf("connect: %s\n", strerror(err)), 1;
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, ms) != 1)
		return puts("timeout reading"), 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n != 3 || strcmp(buf, "ok\n") != 0)
		return puts("bad answer"), 1;
	puts("ok");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2], (unsigned)strtoul(argv[3], NULL, 10),
			     (unsigned)strtoul(argv[4], NULL, 10));
	if (argc == 5 && strcmp(argv[1], "get") == 0)
		return get(argv[2], (unsigned)strtoul(argv[3], NULL, 10),
			   (int)strtol(argv[4], NULL, 10));
	fputs("usage: cta-svc serve ADDR PORT SECONDS | get ADDR PORT TIMEOUT_MS\n", stderr);
	return 2;
}
