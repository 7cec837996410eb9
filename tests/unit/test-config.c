// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * util/config: the data directory lookup and the sysctl.d-style merge of the
 * site's and the shipped configuration directories.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "unit-skip.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/config.h"
#include "util/fileio.h"
#include "util/macro.h"

static char tmpl[] = "/tmp/cta-test-config.XXXXXX";
static char *base;

static void put(const char *rel, const char *text)
{
	_cleanup_free_ char *p = NULL;
	FILE *f;

	assert_true(asprintf(&p, "%s/%s", base, rel) > 0);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *path(const char *rel)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", base, rel) > 0);
	return p;
}

static int setup(void **state)
{
	_cleanup_free_ char *etc = NULL, *usr = NULL, *link = NULL;

	base = mkdtemp(tmpl);
	assert_non_null(base);
	etc = path("etc");
	usr = path("usr");
	assert_int_equal(mkdir(etc, 0755), 0);
	assert_int_equal(mkdir(usr, 0755), 0);
	put("usr/base.yaml", "profile: base\n");
	put("usr/db-client.yaml", "profile: db-client\n");
	put("usr/k8s-node.yaml", "profile: k8s-node\n");
	put("usr/nat-gateway.yaml", "profile: nat-gateway\n");
	put("usr/README", "not yaml\n");
	put("usr/.hidden.yaml", "x: 1\n");
	put("etc/db-client.yaml", "profile: db-client\n"); /* overrides */
	put("etc/edge.yaml", "profile: edge\n"); /* extends the set */
	put("etc/k8s-node.yaml", ""); /* empty: masks */
	link = path("etc/nat-gateway.yaml");
	assert_int_equal(symlink("/dev/null", link), 0); /* masks */
	return 0;
}

static int teardown(void **state)
{
	static const char *const files[] = {
		"usr/base.yaml",
		"usr/db-client.yaml",
		"usr/k8s-node.yaml",
		"usr/nat-gateway.yaml",
		"usr/README",
		"usr/.hidden.yaml",
		"etc/db-client.yaml",
		"etc/edge.yaml",
		"etc/k8s-node.yaml",
		"etc/nat-gateway.yaml",
		"usr",
		"etc",
	};

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		_cleanup_free_ char *p = path(files[i]);

		assert_int_equal(remove(p), 0);
	}
	assert_int_equal(rmdir(base), 0);
	return 0;
}

static void test_merge(void **state)
{
	_cleanup_free_ char *etc = path("etc"), *usr = path("usr"), *missing = path("nope");
	_cleanup_free_ char *want0 = path("usr/base.yaml"), *want1 = path("etc/db-client.yaml"),
			    *want2 = path("etc/edge.yaml");
	const char *const dirs[] = { missing, etc, usr, NULL };
	char **v = NULL;

	assert_int_equal(cta_conf_files(dirs, NULL, &v, NULL), 3);
	assert_string_equal(v[0], want0);
	assert_string_equal(v[1], want1);
	assert_string_equal(v[2], want2);
	assert_null(v[3]);
	cta_strv_free(v);
}

static void test_order_matters(void **state)
{
	_cleanup_free_ char *etc = path("etc"), *usr = path("usr");
	_cleanup_free_ char *want1 = path("usr/db-client.yaml");
	const char *const dirs[] = { usr, etc, NULL };
	char **v = NULL;

	/* usr first: its files win, and etc's masks only hide etc's own names */
	assert_int_equal(cta_conf_files(dirs, NULL, &v, NULL), 5);
	assert_string_equal(v[1], want1);
	cta_strv_free(v);
}

static void test_empty_and_errors(void **state)
{
	const char *const none[] = { NULL };
	const char *const notdir[] = { "/dev/null", NULL };
	char **v = NULL;

	assert_int_equal(cta_conf_files(none, NULL, &v, NULL), 0);
	assert_null(v[0]);
	cta_strv_free(v);
	v = NULL;
	assert_int_equal(cta_conf_files(notdir, NULL, &v, NULL), 0);
	cta_strv_free(v);
	/* root reads a mode 000 directory anyway: without its DAC capabilities it does not */
	bool dropped = cta_unit_drop_dac(true);

	if (geteuid() == 0 && !dropped)
		cta_unit_skip("cannot drop CAP_DAC_OVERRIDE to test an unreadable directory");
	else {
		_cleanup_free_ char *usr = path("usr");
		const char *const dirs[] = { usr, NULL };
		const char *bad = NULL;

		assert_int_equal(chmod(usr, 0), 0);
		v = NULL;
		assert_int_equal(cta_conf_files(dirs, NULL, &v, &bad), -EACCES);
		assert_ptr_equal(bad, usr);
		assert_null(v);
		assert_int_equal(chmod(usr, 0755), 0);
		if (dropped)
			assert_true(cta_unit_drop_dac(false));
	}
}

static void test_datadir(void **state)
{
	const char *origin = NULL, *old = getenv("CTAUDIT_DATADIR");
	_cleanup_free_ char *saved = old ? strdup(old) : NULL;

	assert_int_equal(setenv("CTAUDIT_DATADIR", "/srv/ctaudit", 1), 0);
	assert_string_equal(cta_datadir(&origin), "/srv/ctaudit");
	assert_string_equal(origin, "$CTAUDIT_DATADIR");
	/* empty means unset, as for most *DIR variables */
	assert_int_equal(setenv("CTAUDIT_DATADIR", "", 1), 0);
	cta_datadir(&origin);
	assert_string_not_equal(origin, "$CTAUDIT_DATADIR");
	assert_int_equal(unsetenv("CTAUDIT_DATADIR"), 0);
	assert_string_equal(cta_datadir(NULL), cta_datadir(NULL));
	if (saved)
		assert_int_equal(setenv("CTAUDIT_DATADIR", saved, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_order_matters),
		cmocka_unit_test(test_empty_and_errors),
		cmocka_unit_test(test_datadir),
	};
	return cta_unit_result(cmocka_run_group_tests(tests, setup, teardown));
}
