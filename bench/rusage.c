// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-rusage: run a command, report its wall time and peak RSS.
 *
 *   bench-rusage [-o FILE] CMD [ARG...]
 *
 * Writes one line "WALL_S MAXRSS_KB EXIT_STATUS USER_S SYS_S" to FILE (default
 * stderr) and exits with the command's status (128+N for signal N).
 * wait4()'s ru_maxrss is the largest RSS of the child and of every descendant
 * it waited for, so for `sh -c 'a | b | c'` it is the biggest single process
 * of the pipeline, not the sum; the CPU times are the sum over all of them.  This replaces /usr/bin/time -f '%e %M' with
 * no dependency and with millisecond rather than centisecond wall time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/macro.h"
#include "util/banned.h"

int main(int argc, char **argv)
{
	const char *out = NULL;
	struct timespec a, b;
	struct rusage ru;
	int argi = 1, status, code;
	pid_t pid;
	FILE *f;

	if (argi + 1 < argc && streq(argv[argi], "-o")) {
		out = argv[argi + 1];
		argi += 2;
	}
	if (argi < argc && streq(argv[argi], "--"))
		argi++;
	if (argi >= argc) {
		fputs("usage: bench-rusage [-o FILE] CMD [ARG...]\n", stderr);
		return 2;
	}

	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid < 0) {
		perror("bench-rusage: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[argi], argv + argi);
		fprintf(stderr, "bench-rusage: cannot run '%s': %s\n", argv[argi], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("bench-rusage: wait4");
			return 2;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	f = out ? fopen(out, "we") : stderr;
	if (!f) {
		fprintf(stderr, "bench-rusage: cannot write '%s': %s\n", out, strerror(errno));
		return 2;
	}
	fprintf(f, "%.4f %ld %d %.4f %.4f\n",
		(double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9, ru.ru_maxrss,
		code, (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
		(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	if ((out && fclose(f) != 0) || (!out && fflush(f) != 0)) {
		perror("bench-rusage: write");
		return 2;
	}
	return code;
}
