// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "collect/collect.h"
#include "util/json.h"

#define TREE CTA_FIXTURES "/collect/sysctl-root"

/* A private copy of the fixture tree, so that the test can add symlinks. */
static char *copy_tree(void)
{
	char tmpl[] = "/tmp/cta-persisted-XXXXXX";
	char *cmd, *dir;

	assert_non_null(mkdtemp(tmpl));
	dir = strdup(tmpl);
	assert_int_not_equal(asprintf(&cmd, "cp -a '%s/.' '%s/'", TREE, dir), -1);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return dir;
}

static void remove_tree(char *dir)
{
	char *cmd;

	assert_int_not_equal(asprintf(&cmd, "rm -rf '%s'", dir), -1);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

static void in_tree(const char *dir, const char *target, const char *link)
{
	char *p;

	assert_int_not_equal(asprintf(&p, "%s%s", dir, link), -1);
	if (symlink(target, p) < 0)
		fail_msg("symlink '%s': %m", p);
	free(p);
}

static json_t *collect(const char *root)
{
	struct cta_collect_opts o = { .root = root };
	struct cta_collect_ctx c = { .opts = &o, .facts = json_object() };

	assert_int_equal(cta_collect_persisted(&c), 0);
	return c.facts;
}

static void assert_assignment(json_t *a, const char *value, const char *file, int line)
{
	assert_non_null(a);
	assert_string_equal(json_string_value(json_object_get(a, "value")), value);
	assert_string_equal(json_string_value(json_object_get(a, "file")), file);
	assert_int_equal(json_integer_value(json_object_get(a, "line")), line);
}

static void assert_file(json_t *files, size_t i, const char *file, const char *target, bool masked,
			const char *hidden_by)
{
	json_t *e = json_array_get(files, i);

	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "file")), file);
	if (target)
		assert_string_equal(json_string_value(json_object_get(e, "target")), target);
	else
		assert_null(json_object_get(e, "target"));
	assert_int_equal(json_is_true(json_object_get(e, "masked")), masked);
	if (hidden_by)
		assert_string_equal(json_string_value(json_object_get(e, "hidden_by")), hidden_by);
	else
		assert_true(json_is_null(json_object_get(e, "hidden_by")));
}

/* Debian layout: 99-sysctl.conf -> ../sysctl.conf, a mask, /lib separate from /usr/lib. */
static void test_precedence(void **state)
{
	char *dir = copy_tree();
	json_t *facts, *p, *a, *ov, *files, *errors, *ex;

	in_tree(dir, "/dev/null", "/etc/sysctl.d/60-masked.conf");
	in_tree(dir, "../sysctl.conf", "/etc/sysctl.d/99-sysctl.conf");
	facts = collect(dir);
	p = json_object_get(facts, "persisted");

	/* 05-early (usr/lib) < 10-app < 20-run < 99-sysctl.conf: last wins, history in order */
	a = json_object_get(p, "net.ipv4.tcp_tw_reuse");
	assert_assignment(a, "2", "/etc/sysctl.conf", 1);
	ov = json_object_get(a, "overridden");
	assert_int_equal(json_array_size(ov), 3);
	assert_assignment(json_array_get(ov, 0), "3", "/usr/lib/sysctl.d/05-early.conf", 1);
	assert_assignment(json_array_get(ov, 1), "1", "/etc/sysctl.d/10-app.conf", 4);
	assert_assignment(json_array_get(ov, 2), "0", "/run/sysctl.d/20-run.conf", 1);
	assert_null(json_object_get(json_array_get(ov, 0), "overridden"));

	/* '/' separator, '-' prefix, whitespace, '.' inside a name */
	assert_assignment(json_object_get(p, "net.ipv4.tcp_fin_timeout"), "30",
			  "/etc/sysctl.d/10-app.conf", 5);
	a = json_object_get(p, "net.ipv4.tcp_tw_recycle");
	assert_assignment(a, "0", "/etc/sysctl.d/10-app.conf", 6);
	assert_true(json_is_true(json_object_get(a, "ignore_failure")));
	assert_null(
		json_object_get(json_object_get(p, "net.ipv4.tcp_fin_timeout"), "ignore_failure"));
	assert_assignment(json_object_get(p, "net.ipv4.ip_local_port_range"), "20000 20999",
			  "/etc/sysctl.d/10-app.conf", 8);
	assert_assignment(json_object_get(p, "net.ipv4.conf.eth0/100.rp_filter"), "2",
			  "/etc/sysctl.d/10-app.conf", 9);
	assert_assignment(json_object_get(p, "net.ipv4.conf.eth0/200.rp_filter"), "0",
			  "/etc/sysctl.d/10-app.conf", 10);
	assert_assignment(json_object_get(p, "net.ipv4.conf.*.accept_redirects"), "0",
			  "/etc/sysctl.d/10-app.conf", 11);

	/* same name in /etc hides /usr/lib's file entirely */
	a = json_object_get(p, "net.core.somaxconn");
	assert_assignment(a, "1024", "/etc/sysctl.d/50-default.conf", 1);
	assert_int_equal(json_array_size(json_object_get(a, "overridden")), 0);
	assert_null(json_object_get(p, "kernel.sysrq"));
	/* masked by the /dev/null link */
	assert_null(json_object_get(p, "net.ipv4.tcp_syncookies"));

	/* /etc/sysctl.conf read once, through the link, after 70-local */
	a = json_object_get(p, "net.ipv4.tcp_keepalive_time");
	assert_assignment(a, "600", "/etc/sysctl.conf", 2);
	ov = json_object_get(a, "overridden");
	assert_int_equal(json_array_size(ov), 1);
	assert_assignment(json_array_get(ov, 0), "300", "/usr/local/lib/sysctl.d/70-local.conf", 1);
	assert_int_equal(json_object_size(p), 9);

	files = json_object_get(facts, "persisted_files");
	assert_int_equal(json_array_size(files), 11);
	assert_file(files, 0, "/etc/sysctl.d/10-app.conf", NULL, false, NULL);
	assert_file(files, 1, "/etc/sysctl.d/50-default.conf", NULL, false, NULL);
	assert_file(files, 2, "/etc/sysctl.d/60-masked.conf", "/dev/null", true, NULL);
	assert_file(files, 3, "/etc/sysctl.d/99-sysctl.conf", "/etc/sysctl.conf", false, NULL);
	assert_file(files, 4, "/run/sysctl.d/20-run.conf", NULL, false, NULL);
	assert_file(files, 5, "/usr/local/lib/sysctl.d/70-local.conf", NULL, false, NULL);
	assert_file(files, 6, "/usr/lib/sysctl.d/05-early.conf", NULL, false, NULL);
	assert_file(files, 7, "/usr/lib/sysctl.d/50-default.conf", NULL, false,
		    "/etc/sysctl.d/50-default.conf");
	assert_file(files, 8, "/usr/lib/sysctl.d/60-masked.conf", NULL, false,
		    "/etc/sysctl.d/60-masked.conf");
	assert_file(files, 9, "/lib/sysctl.d/05-early.conf", NULL, false,
		    "/usr/lib/sysctl.d/05-early.conf");
	assert_file(files, 10, "/etc/sysctl.conf", NULL, false, "/etc/sysctl.d/99-sysctl.conf");

	errors = json_object_get(facts, "persisted_errors");
	assert_int_equal(json_array_size(errors), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 0), "file")),
			    "/etc/sysctl.d/10-app.conf");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(errors, 0), "line")), 7);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(errors, 0), "message")),
		"line is not an assignment: 'this line is bad'");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(errors, 1), "line")),
			 12);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(errors, 1), "message")),
		"empty key before '='");

	ex = json_object_get(facts, "persisted_excludes");
	assert_int_equal(json_array_size(ex), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ex, 0), "key")),
			    "net.ipv4.conf.lo.accept_redirects");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ex, 0), "line")), 13);
	assert_null(json_object_get(facts, "unavailable"));
	json_decref(facts);
	remove_tree(dir);
}

/*
 * No 99-sysctl.conf link: /etc/sysctl.conf comes last (procps).  An absolute
 * link is resolved inside the root, and merged /usr (/lib -> usr/lib) is read
 * once.
 */
static void test_sysctl_conf_last_and_links(void **state)
{
	char *dir = copy_tree(), *cmd;
	json_t *facts, *p, *a, *ov, *files;

	assert_int_not_equal(asprintf(&cmd, "rm -rf '%s/lib' && ln -s usr/lib '%s/lib'", dir, dir),
			     -1);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	in_tree(dir, "/usr/lib/sysctl.d/05-early.conf", "/etc/sysctl.d/99-zz-abs.conf");
	facts = collect(dir);
	p = json_object_get(facts, "persisted");

	/* 99-zz-abs.conf (content of 05-early: 3) is the last sysctl.d file, then sysctl.conf */
	a = json_object_get(p, "net.ipv4.tcp_tw_reuse");
	assert_assignment(a, "2", "/etc/sysctl.conf", 1);
	ov = json_object_get(a, "overridden");
	assert_int_equal(json_array_size(ov), 4);
	assert_assignment(json_array_get(ov, 3), "3", "/usr/lib/sysctl.d/05-early.conf", 1);
	/* not masked this time */
	assert_assignment(json_object_get(p, "net.ipv4.tcp_syncookies"), "0",
			  "/usr/lib/sysctl.d/60-masked.conf", 1);

	files = json_object_get(facts, "persisted_files");
	/* 10-app 50-default 99-zz-abs, 20-run, 70-local, 05 50 60 (usr/lib), sysctl.conf */
	assert_int_equal(json_array_size(files), 9);
	assert_file(files, 2, "/etc/sysctl.d/99-zz-abs.conf", "/usr/lib/sysctl.d/05-early.conf",
		    false, NULL);
	assert_file(files, 8, "/etc/sysctl.conf", NULL, false, NULL);
	json_decref(facts);
	remove_tree(dir);
}

static void test_empty_root(void **state)
{
	json_t *facts = collect(CTA_FIXTURES "/collect/no-such-root");

	assert_int_equal(json_object_size(json_object_get(facts, "persisted")), 0);
	assert_int_equal(json_array_size(json_object_get(facts, "persisted_files")), 0);
	assert_int_equal(json_array_size(json_object_get(facts, "persisted_errors")), 0);
	assert_null(json_object_get(facts, "unavailable"));
	json_decref(facts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_sysctl_conf_last_and_links),
		cmocka_unit_test(test_empty_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
