// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Traffic generator for the integration tests (run inside a test's network
 * namespace, loopback only, bounded counts):
 *
 *   cta-twgen tw CLIENT_IP SERVER_IP PORT COUNT
 *       COUNT TCP connections from CLIENT_IP to SERVER_IP:PORT (a listener
 *       of its own); the client closes first, so each client socket ends in
 *       TIME_WAIT.  IPv6 addresses (also ::ffff:a.b.c.d) use AF_INET6.
 *
 *   cta-twgen ftp CLIENT_IP SERVER_IP PORT HOLD
 *       One FTP-like control connection whose client sends
 *       "PORT h1,h2,h3,h4,200,10" (its own IPv4 address): with the ftp helper
 *       assigned, the kernel creates an expectation.  Prints "ready" and keeps
 *       the connection open for HOLD seconds.
 *
 *   cta-twgen udp ADDR PORT HOLD
 *       A bound, unconnected UDP socket (a UDP "listener"): prints "ready"
 *       and holds it for HOLD seconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "cta-twgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static socklen_t make_addr(const char *ip, unsigned port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1) {
			fprintf(stderr, "cta-twgen: bad address '%s'\n", ip);
			exit(2);
		}
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, ip, &s4->sin_addr) != 1) {
			fprintf(stderr, "cta-twgen: bad address '%s'\n", ip);
			exit(2);
		}
		return sizeof(*s4);
	}
}

static int listener(const char *ip, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(ip, port, &ss);
	int one = 1, fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind listener");
	if (listen(fd, 128) < 0)
		die("listen");
	return fd;
}

static int client(const char *cip, const char *sip, unsigned port)
{
	struct sockaddr_storage ls, rs;
	socklen_t ll = make_addr(cip, 0, &ls), rl = make_addr(sip, port, &rs);
	int fd = socket(rs.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (ls.ss_family != rs.ss_family) {
		fprintf(stderr, "cta-twgen: client and server address families differ\n");
		exit(2);
	}
	if (bind(fd, (struct sockaddr *)&ls, ll) < 0)
		die("bind client");
	if (connect(fd, (struct sockaddr *)&rs, rl) < 0)
		die("connect");
	return fd;
}

static unsigned num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v > 100000) {
		fprintf(stderr, "cta-twgen: bad number '%s'\n", s);
		exit(2);
	}
	return (unsigned)v;
}

static int mode_tw(const char *cip, const char *sip, unsigned port, unsigned count)
{
	int l = listener(sip, port);
	char buf[64];

	for (unsigned i = 0; i < count; i++) {
		int c = client(cip, sip, port), s = accept(l, NULL, NULL);

		if (s < 0)
			die("accept");
		/* the side that closes first holds TIME_WAIT: the client */
		close(c);
		while (read(s, buf, sizeof(buf)) > 0)
			;
		close(s);
	}
	close(l);
	usleep(100000); /* let loopback deliver the last FINs and ACKs */
	return 0;
}

static int mode_ftp(const char *cip, const char *sip, unsigned port, unsigned hold)
{
	int l = listener(sip, port), c = client(cip, sip, port), s = accept(l, NULL, NULL);
	unsigned a, b, cc, d;
	char cmd[64], buf[256];
	ssize_t n;

	if (s < 0)
		die("accept");
	if (sscanf(cip, "%u.%u.%u.%u", &a, &b, &cc, &d) != 4) {
		fprintf(stderr, "cta-twgen: ftp mode needs an IPv4 client address\n");
		return 2;
	}
	n = write(s, "220 ready\r\n", 11);
	if (n < 0 || read(c, buf, sizeof(buf)) < 0)
		die("greeting");
	/* the helper parses a command only after a line it saw end: send one first */
	if (write(c, "USER ctaudit\r\n", 14) < 0 || read(s, buf, sizeof(buf)) <= 0)
		die("user command");
	if (write(s, "331 ok\r\n", 8) < 0 || read(c, buf, sizeof(buf)) <= 0)
		die("user reply");
	snprintf(cmd, sizeof(cmd), "PORT %u,%u,%u,%u,200,10\r\n", a, b, cc, d);
	if (write(c, cmd, strlen(cmd)) < 0 || read(s, buf, sizeof(buf)) <= 0)
		die("port command");
	if (write(s, "200 ok\r\n", 8) < 0 || read(c, buf, sizeof(buf)) <= 0)
		die("port reply");
	printf("ready\n");
	fflush(stdout);
	sleep(hold);
	close(c);
	close(s);
	close(l);
	return 0;
}

static int mode_udp(const char *ip, unsigned port, unsigned hold)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(ip, port, &ss);
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind udp");
	printf("ready\n");
	fflush(stdout);
	sleep(hold);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "tw") == 0)
		return mode_tw(argv[2], argv[3], num(argv[4]), num(argv[5]));
	if (argc == 6 && strcmp(argv[1], "ftp") == 0)
		return mode_ftp(argv[2], argv[3], num(argv[4]), num(argv[5]));
	if (argc == 5 && strcmp(argv[1], "udp") == 0)
		return mode_udp(argv[2], num(argv[3]), num(argv[4]));
	fprintf(stderr, "usage: cta-twgen tw CLIENT_IP SERVER_IP PORT COUNT\n"
			"       cta-twgen ftp CLIENT_IP SERVER_IP PORT HOLD\n"
			"       cta-twgen udp ADDR PORT HOLD\n");
	return 2;
}
