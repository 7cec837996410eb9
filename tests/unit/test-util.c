// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "util/diag.h"
#include "util/fileio.h"
#include "util/json.h"

static void test_path_join(void **state)
{
	static const struct {
		const char *root, *path, *want;
	} t[] = {
		{ NULL, "/etc/x", "/etc/x" },
		{ "", "/etc/x", "/etc/x" },
		{ "/", "/etc/x", "/etc/x" },
		{ "/tmp/r", "/etc/x", "/tmp/r/etc/x" },
		{ "/tmp/r/", "/etc/x", "/tmp/r/etc/x" },
		{ "/tmp/r//", "//etc", "/tmp/r/etc" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *p = cta_path_join(t[i].root, t[i].path);

		assert_string_equal(p, t[i].want);
		free(p);
	}
}

static void test_collapse_ws(void **state)
{
	char a[] = "  32768\t 60999 \n";
	char b[] = "4096\t131072\t6291456\n";
	char c[] = "";

	assert_string_equal(cta_collapse_ws(a), "32768 60999");
	assert_string_equal(cta_collapse_ws(b), "4096 131072 6291456");
	assert_string_equal(cta_collapse_ws(c), "");
}

static void test_parse(void **state)
{
	int64_t i;
	uint64_t u;

	assert_int_equal(cta_parse_i64(" -5\n", &i), 0);
	assert_int_equal(i, -5);
	assert_int_equal(cta_parse_i64("5x", &i), -EINVAL);
	assert_int_equal(cta_parse_i64("", &i), -EINVAL);
	assert_int_equal(cta_parse_i64("99999999999999999999", &i), -ERANGE);
	assert_int_equal(cta_parse_u64("18446744073709551615", &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(cta_parse_u64("-1", &u), -EINVAL);
}

static void test_atomic_write(void **state)
{
	char dir[] = "/tmp/cta-util-XXXXXX";
	char *path, *data = NULL;
	struct stat st;

	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&path, "%s/a/b/file.conf", dir) > 0);
	assert_int_equal(cta_write_file_atomic(path, "one\n", 4, 0644), 0);
	assert_int_equal(cta_write_file_atomic(path, "two\n", 4, 0600), 0);
	assert_int_equal(cta_read_file(path, 0, &data), 4);
	assert_string_equal(data, "two\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	free(data);
	assert_int_equal(cta_read_file("/nonexistent/x", 0, &data), -ENOENT);
	assert_int_equal(cta_read_line(path, 1, &data), 0);
	assert_string_equal(data, "two");
	free(data);
	assert_int_equal(cta_read_line(path, 2, &data), -ENOENT);
	free(path);
	assert_true(asprintf(&path, "rm -rf %s", dir) > 0);
	assert_int_equal(system(path), 0);
	free(path);
}

static bool ends_conf(const char *name, const void *unused)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

static void test_dir_names(void **state)
{
	static const char *const files[] = { "99-z.conf", "10-a.conf", "README", "50-m.conf" };
	char dir[] = "/tmp/cta-util-XXXXXX", *p, **v = NULL;
	DIR *d;

	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		assert_true(asprintf(&p, "%s/%s", dir, files[i]) > 0);
		assert_int_equal(cta_write_file_atomic(p, "", 0, 0644), 0);
		free(p);
	}
	/* filtered and sorted, whatever order readdir returns */
	assert_non_null(d = opendir(dir));
	assert_int_equal(cta_dir_names(d, ends_conf, NULL, &v), 3);
	closedir(d);
	assert_string_equal(v[0], "10-a.conf");
	assert_string_equal(v[1], "50-m.conf");
	assert_string_equal(v[2], "99-z.conf");
	assert_null(v[3]);
	cta_strv_free(v);
	/* no filter: everything but "." and ".." */
	assert_non_null(d = opendir(dir));
	assert_int_equal(cta_dir_names(d, NULL, NULL, &v), 4);
	closedir(d);
	assert_string_equal(v[3], "README");
	cta_strv_free(v);
	assert_true(asprintf(&p, "rm -rf %s", dir) > 0);
	assert_int_equal(system(p), 0);
	free(p);
	/* an empty directory: an empty, NULL-terminated list */
	char empty[] = "/tmp/cta-util-XXXXXX";

	assert_non_null(mkdtemp(empty));
	assert_non_null(d = opendir(empty));
	assert_int_equal(cta_dir_names(d, NULL, NULL, &v), 0);
	closedir(d);
	assert_null(v[0]);
	cta_strv_free(v);
	assert_int_equal(rmdir(empty), 0);
}

static void test_json_path(void **state)
{
	json_t *j = json_pack("{s:{s:{s:i}}, s:s}", "conntrack", "stats", "drop", 3, "x", "y");

	assert_int_equal(json_integer_value(cta_json_path(j, "conntrack.stats.drop")), 3);
	assert_null(cta_json_path(j, "conntrack.stats.early_drop"));
	assert_null(cta_json_path(j, "x.y"));
	json_decref(j);
}

static void test_diag(void **state)
{
	struct cta_diags d = { 0 };

	assert_int_equal(cta_diag_add(&d, "f.yaml", 3, 7, "unknown key '%s'", "foo"), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].message, "unknown key 'foo'");
	assert_int_equal(d.v[0].line, 3);
	cta_diags_done(&d);
	assert_int_equal(d.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_join), cmocka_unit_test(test_collapse_ws),
		cmocka_unit_test(test_parse),	  cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_json_path), cmocka_unit_test(test_diag),
		cmocka_unit_test(test_dir_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
