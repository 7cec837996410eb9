// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render/diff.h"

/* Expected outputs were checked against GNU diff -u (labels a and b). */
static const struct {
	const char *name, *old, *new, *want;
} cases[] = {
	{ "identical", "a\nb\n", "a\nb\n", "" },
	{ "both absent", NULL, NULL, "" },
	{ "empty old", "", "a\n", "--- a\n+++ b\n@@ -0,0 +1 @@\n+a\n" },
	{ "empty new", "a\n", "", "--- a\n+++ b\n@@ -1 +0,0 @@\n-a\n" },
	{ "created", NULL, "a\nb\n", "--- /dev/null\n+++ b\n@@ -0,0 +1,2 @@\n+a\n+b\n" },
	{ "removed", "a\nb\n", NULL, "--- a\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n" },
	{ "no newline at end of old", "a\nb", "a\nb\n",
	  "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n" },
	{ "no newline at end of new", "a\n", "a\nc",
	  "--- a\n+++ b\n@@ -1 +1,2 @@\n a\n+c\n\\ No newline at end of file\n" },
	{ "two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n",
	  "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\nseventeen\n18\n19\n20\n",
	  "--- a\n+++ b\n@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n"
	  "@@ -14,7 +14,7 @@\n 14\n 15\n 16\n-17\n+seventeen\n 18\n 19\n 20\n" },
	{ "merged hunk", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\nx\n",
	  "--- a\n+++ b\n@@ -2,9 +2,10 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n 9\n 10\n+x\n" },
	{ "insert in middle without context", "a\nb\nc\nd\ne\nf\ng\nh\n",
	  "a\nb\nc\nd\nNEW\ne\nf\ng\nh\n",
	  "--- a\n+++ b\n@@ -2,6 +2,7 @@\n b\n c\n d\n+NEW\n e\n f\n g\n" },
};

static void test_cases(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = NULL;

		assert_int_equal(cta_diff_unified(cases[i].old, cases[i].new, "a", "b", 3, &d), 0);
		if (strcmp(d, cases[i].want) != 0)
			fail_msg("case '%s':\n got:\n%s\nwant:\n%s", cases[i].name, d,
				 cases[i].want);
		free(d);
	}
}

/* Apply a unified diff (as produced here) to @old and return the result. */
static char *patch(const char *old, const char *diff)
{
	char *out = NULL, *buf;
	size_t size;
	FILE *f = open_memstream(&out, &size);
	const char *o = old ? old : "", *d = diff;
	unsigned oline = 1;

	/* skip the two header lines */
	d = strchr(d, '\n') + 1;
	d = strchr(d, '\n') + 1;
	while (*d) {
		unsigned start;

		assert_true(sscanf(d, "@@ -%u", &start) == 1);
		/* count 0 means "after line start": copy up to and including it */
		if (strstr(d, ",0 +") && strstr(d, ",0 +") < strchr(d, '\n'))
			start++;
		while (oline < start) {
			const char *e = strchr(o, '\n');
			size_t len = e ? (size_t)(e - o + 1) : strlen(o);

			fwrite(o, 1, len, f);
			o += len;
			oline++;
		}
		d = strchr(d, '\n') + 1;
		while (*d && *d != '@') {
			const char *e = strchr(d, '\n');
			size_t len = (size_t)(e - d);
			bool nonl = strncmp(e + 1, "\\ No newline", 12) == 0;

			if (*d == ' ' || *d == '-') {
				const char *oe = strchr(o, '\n');

				o += oe ? (size_t)(oe - o + 1) : strlen(o);
				oline++;
			}
			if (*d == ' ' || *d == '+') {
				fwrite(d + 1, 1, len - 1, f);
				if (!nonl)
					fputc('\n', f);
			}
			d = e + 1;
			if (nonl)
				d = strchr(d, '\n') + 1;
		}
	}
	fputs(o, f);
	fclose(f);
	buf = out;
	return buf;
}

/* Random texts: the diff applied to the old text gives the new one. */
static void test_random_roundtrip(void **state)
{
	srand(4);
	for (int k = 0; k < 500; k++) {
		char a[256] = "", b[256] = "", *d = NULL, *got;
		int na = rand() % 14, nb = rand() % 14;

		for (int i = 0; i < na; i++)
			snprintf(a + strlen(a), sizeof(a) - strlen(a), "%d\n", rand() % 4);
		for (int i = 0; i < nb; i++)
			snprintf(b + strlen(b), sizeof(b) - strlen(b), "%d\n", rand() % 4);
		if (rand() % 3 == 0 && na)
			a[strlen(a) - 1] = 0;
		if (rand() % 3 == 0 && nb)
			b[strlen(b) - 1] = 0;
		assert_int_equal(cta_diff_unified(a, b, "a", "b", 3, &d), 0);
		if (*d) {
			got = patch(a, d);
			if (strcmp(got, b) != 0)
				fail_msg(
					"roundtrip %d failed:\nold:\n%s\nnew:\n%s\ndiff:\n%s\ngot:\n%s",
					k, a, b, d, got);
			free(got);
		} else
			assert_string_equal(a, b);
		free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_random_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
