// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * diff-bench: inputs and a driver for benchmarking render/diff.c against
 * GNU `diff -u` (bench/diff.sh).
 *
 *   diff-bench gen LINES EDITS SEED OLD NEW
 *       write OLD, a rules-file-like text of LINES distinct lines, and NEW,
 *       the same with EDITS single-line edits (replace, delete or insert)
 *       spread over the file; the same seed gives the same files
 *   diff-bench diff OLD NEW
 *       print cta_diff_unified(OLD, NEW) with the labels OLD and NEW, as
 *       `diff -u` does; exit 1 when the files differ, like diff
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "render/diff.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/banned.h"

static int gen(unsigned long lines, unsigned long edits, uint64_t seed, const char *old_path,
	       const char *new_path)
{
	_cleanup_fclose_ FILE *a = fopen(old_path, "we"), *b = fopen(new_path, "we");
	unsigned long step = edits ? lines / edits : lines + 1;

	if (!a || !b) {
		fprintf(stderr, "diff-bench: cannot create '%s' or '%s': %s\n", old_path, new_path,
			strerror(errno));
		return 2;
	}
	for (unsigned long i = 0; i < lines; i++) {
		/* one edit in the middle of each stretch of LINES/EDITS lines: distant edits */
		bool edit = step && i % step == step / 2 && i / step < edits;
		unsigned kind = edit ? (unsigned)(bench_rng_next(&seed) % 3) : 3;

		fprintf(a, "-A INPUT -p tcp --dport %lu -j ACCEPT\n", 10000 + i);
		if (kind == 0)
			fprintf(b, "-A INPUT -p udp --dport %lu -j DROP\n", 10000 + i);
		else if (kind == 2)
			fprintf(b, "# inserted before %lu\n-A INPUT -p tcp --dport %lu -j ACCEPT\n",
				i, 10000 + i);
		else if (kind == 3)
			fprintf(b, "-A INPUT -p tcp --dport %lu -j ACCEPT\n", 10000 + i);
	}
	if (fflush(a) != 0 || fflush(b) != 0 || ferror(a) || ferror(b)) {
		fprintf(stderr, "diff-bench: write error: %s\n", strerror(errno));
		return 2;
	}
	return 0;
}

static int diff(const char *old_path, const char *new_path)
{
	_cleanup_free_ char *a = NULL, *b = NULL, *d = NULL;
	ssize_t n;
	int r;

	n = cta_read_file(old_path, 0, &a);
	if (n >= 0)
		n = cta_read_file(new_path, 0, &b);
	if (n < 0) {
		fprintf(stderr, "diff-bench: cannot read input: %s\n", CTA_STRERROR((int)n));
		return 2;
	}
	r = cta_diff_unified(a, b, old_path, new_path, 3, &d);
	if (r < 0) {
		fprintf(stderr, "diff-bench: %s\n", CTA_STRERROR(r));
		return 2;
	}
	if (fputs(d, stdout) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "diff-bench: write error: %s\n", strerror(errno));
		return 2;
	}
	return *d ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 7 && streq(argv[1], "gen"))
		return gen(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10),
			   strtoull(argv[4], NULL, 10), argv[5], argv[6]);
	if (argc == 4 && streq(argv[1], "diff"))
		return diff(argv[2], argv[3]);
	fputs("usage: diff-bench gen LINES EDITS SEED OLD NEW | diff-bench diff OLD NEW\n", stderr);
	return 2;
}
