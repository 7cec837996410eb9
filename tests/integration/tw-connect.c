// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper for test-seed004-fix.sh: N short connections to a loopback
 * listener on PORT (the client closes first, so each leaves a TIME_WAIT on
 * the client side), a pause, then one more.  Prints "ok" or the errno name of
 * the first failing connect() and exits 0 / 1.
 *   tw-connect PORT N PAUSE_MS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case EADDRNOTAVAIL:
		return "EADDRNOTAVAIL";
	case EADDRINUSE:
		return "EADDRINUSE";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	default:
		return strerror(e);
	}
}

static int one(int lfd, const struct sockaddr_in *sa)
{
	char c;
	int fd = socket(AF_INET, SOCK_STREAM, 0), s;

	if (fd < 0)
		return errno;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		int e = errno;

		close(fd);
		return e;
	}
	s = accept(lfd, NULL, NULL);
	if (s < 0)
		return errno;
	close(fd); /* active close: TIME_WAIT stays with the client */
	(void)read(s, &c, 1);
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timespec ts;
	int lfd, one_ = 1, n, pause_ms, e;

	if (argc != 4) {
		fprintf(stderr, "usage: tw-connect PORT N PAUSE_MS\n");
		return 2;
	}
	sa.sin_port = htons((unsigned short)strtoul(argv[1], NULL, 10));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	n = (int)strtol(argv[2], NULL, 10);
	pause_ms = (int)strtol(argv[3], NULL, 10);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one_, sizeof(one_)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 64) < 0) {
		perror("listener");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		e = one(lfd, &sa);
		if (e) {
			printf("%s after %d connections\n", errname(e), i);
			return 1;
		}
	}
	ts.tv_sec = pause_ms / 1000;
	ts.tv_nsec = (long)(pause_ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	e = one(lfd, &sa);
	if (e) {
		printf("%s after %d connections\n", errname(e), n);
		return 1;
	}
	printf("ok\n");
	return 0;
}
