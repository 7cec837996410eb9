// SPDX-License-Identifier: GPL-2.0-or-later
/* util/sysctl: names, the sysctl.d line grammar, boot order, /proc/sys I/O. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "unit-skip.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/fileio.h"
#include "util/sysctl.h"

/* rows of the tables name only the fields that matter to them */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define N(x) (sizeof(x) / sizeof((x)[0]))

static void test_names(void **state)
{
	static const struct {
		const char *in, *norm, *path;
	} t[] = {
		{ "net.ipv4.tcp_tw_reuse", "net.ipv4.tcp_tw_reuse", "net/ipv4/tcp_tw_reuse" },
		{ "net/ipv4/tcp_tw_reuse", "net.ipv4.tcp_tw_reuse", "net/ipv4/tcp_tw_reuse" },
		{ "net.ipv4.conf.eth0/100.rp_filter", "net.ipv4.conf.eth0/100.rp_filter",
		  "net/ipv4/conf/eth0.100/rp_filter" },
		{ "net/ipv4/conf/eth0.100/rp_filter", "net.ipv4.conf.eth0/100.rp_filter",
		  "net/ipv4/conf/eth0.100/rp_filter" },
		/* systemd's path_simplify(): a leading or doubled '/' names the same key */
		{ "/net/ipv4/tcp_tw_reuse", "net.ipv4.tcp_tw_reuse", "net/ipv4/tcp_tw_reuse" },
		{ "net//ipv4///conf/eth0.100/rp_filter/", "net.ipv4.conf.eth0/100.rp_filter",
		  "net/ipv4/conf/eth0.100/rp_filter" },
		{ "net.ipv4.conf.*.rp_filter", "net.ipv4.conf.*.rp_filter",
		  "net/ipv4/conf/*/rp_filter" },
		{ "kernel", "kernel", "kernel" },
	};

	for (size_t i = 0; i < N(t); i++) {
		char *n = cta_sysctl_normalize_key(t[i].in);
		char *p = cta_sysctl_key_to_path(n);
		char *back = cta_sysctl_path_to_key(p);

		assert_string_equal(n, t[i].norm);
		assert_string_equal(p, t[i].path);
		assert_string_equal(back, t[i].norm);
		free(n), free(p), free(back);
	}
}

static void test_proc_path(void **state)
{
	static const struct {
		const char *procfs, *key, *path;
		int r;
	} t[] = {
		/* a '/' in dotted notation is a '.' in the file name, not a directory */
		{ "/p", "net.ipv4.conf.eth0/100.rp_filter",
		  "/p/sys/net/ipv4/conf/eth0.100/rp_filter", 0 },
		{ NULL, "net.core.somaxconn", "/proc/sys/net/core/somaxconn", 0 },
		{ "/p", "net./../x", NULL, -EINVAL },
		{ "/p", "net..x", NULL, -EINVAL },
		{ "/p", "", NULL, -EINVAL },
		{ "/p", "net.//.x", NULL, -EINVAL }, /* the path "net/../x" */
	};

	for (size_t i = 0; i < N(t); i++) {
		char *p = NULL;
		int r = cta_sysctl_key_proc_path(t[i].procfs, t[i].key, &p);

		assert_int_equal(r, t[i].r);
		if (t[i].path)
			assert_string_equal(p, t[i].path);
		free(p);
	}
	assert_true(cta_sysctl_path_valid("net/ipv4/conf/eth0.100/rp_filter"));
	assert_false(cta_sysctl_path_valid("net/../x"));
	assert_false(cta_sysctl_path_valid("net//x"));
	assert_false(cta_sysctl_path_valid("/net"));
	assert_false(cta_sysctl_path_valid("./net"));
}

/* Every line form of sysctl.d(5) and systemd-sysctl's parse_file(). */
static void test_lines(void **state)
{
	static const struct {
		const char *line;
		enum cta_sysctl_line_kind kind;
		const char *key, *value;
		bool ignore;
		const char *text;
	} t[] = {
		{ "", CTA_SYSCTL_LINE_EMPTY },
		{ "   \t ", CTA_SYSCTL_LINE_EMPTY },
		{ "# net.ipv4.x = 1", CTA_SYSCTL_LINE_EMPTY },
		{ "  # indented comment", CTA_SYSCTL_LINE_EMPTY },
		{ "; x = 1", CTA_SYSCTL_LINE_EMPTY },
		{ "\t;x", CTA_SYSCTL_LINE_EMPTY },
		{ "net.ipv4.tcp_tw_reuse = 1", CTA_SYSCTL_LINE_ASSIGN, "net.ipv4.tcp_tw_reuse",
		  "1" },
		{ "net.ipv4.tcp_tw_reuse=1", CTA_SYSCTL_LINE_ASSIGN, "net.ipv4.tcp_tw_reuse", "1" },
		{ "  net.ipv4.tcp_tw_reuse\t=\t1  \r", CTA_SYSCTL_LINE_ASSIGN,
		  "net.ipv4.tcp_tw_reuse", "1" },
		{ "net/ipv4/tcp_tw_reuse = 1", CTA_SYSCTL_LINE_ASSIGN, "net.ipv4.tcp_tw_reuse",
		  "1" },
		{ "net/ipv4/conf/eth0.100/rp_filter = 2", CTA_SYSCTL_LINE_ASSIGN,
		  "net.ipv4.conf.eth0/100.rp_filter", "2" },
		{ "net.ipv4.conf.eth0/100.rp_filter = 2", CTA_SYSCTL_LINE_ASSIGN,
		  "net.ipv4.conf.eth0/100.rp_filter", "2" },
		{ "-net.ipv4.tcp_timestamps = 0", CTA_SYSCTL_LINE_ASSIGN, "net.ipv4.tcp_timestamps",
		  "0", true },
		{ "- net.ipv4.tcp_timestamps = 0", CTA_SYSCTL_LINE_ASSIGN,
		  "net.ipv4.tcp_timestamps", "0", true },
		{ "  -\tnet/ipv4/tcp_tw_reuse =  1 ", CTA_SYSCTL_LINE_ASSIGN,
		  "net.ipv4.tcp_tw_reuse", "1", true },
		{ "  -net/ipv4/tcp_tw_reuse =  1 ", CTA_SYSCTL_LINE_ASSIGN, "net.ipv4.tcp_tw_reuse",
		  "1", true },
		{ "net.ipv4.conf.*.rp_filter = 2", CTA_SYSCTL_LINE_ASSIGN,
		  "net.ipv4.conf.*.rp_filter", "2" },
		{ "net.ipv4.ip_local_port_range=1024\t65000", CTA_SYSCTL_LINE_ASSIGN,
		  "net.ipv4.ip_local_port_range", "1024 65000" },
		{ "net.ipv4.ip_local_reserved_ports =  8080 ,\t 9090  ", CTA_SYSCTL_LINE_ASSIGN,
		  "net.ipv4.ip_local_reserved_ports", "8080 , 9090" },
		{ "kernel.core_pattern =", CTA_SYSCTL_LINE_ASSIGN, "kernel.core_pattern", "" },
		{ "kernel.core_pattern = a=b", CTA_SYSCTL_LINE_ASSIGN, "kernel.core_pattern",
		  "a=b" },
		{ "net.x = 1 # not a comment", CTA_SYSCTL_LINE_ASSIGN, "net.x",
		  "1 # not a comment" },
		{ "-net.ipv4.conf.lo.rp_filter", CTA_SYSCTL_LINE_EXCLUDE,
		  "net.ipv4.conf.lo.rp_filter" },
		{ "- net/ipv4/conf/eth0.100/rp_filter ", CTA_SYSCTL_LINE_EXCLUDE,
		  "net.ipv4.conf.eth0/100.rp_filter" },
		{ "net.ipv4.tcp_tw_reuse", CTA_SYSCTL_LINE_NOT_ASSIGNMENT,
		  .text = "net.ipv4.tcp_tw_reuse" },
		{ "  junk here ", CTA_SYSCTL_LINE_NOT_ASSIGNMENT, .text = "junk here" },
		{ " - ", CTA_SYSCTL_LINE_NOT_ASSIGNMENT, .text = "-" },
		{ " = 1", CTA_SYSCTL_LINE_EMPTY_KEY, .text = "= 1" },
		{ "- = 1", CTA_SYSCTL_LINE_EMPTY_KEY, .text = "- = 1" },
	};

	for (size_t i = 0; i < N(t); i++) {
		char *copy = strdup(t[i].line);
		struct cta_sysctl_line l;

		assert_non_null(copy);
		assert_int_equal(cta_sysctl_parse_line(copy, &l), t[i].kind);
		assert_int_equal(l.kind, t[i].kind);
		if (t[i].key)
			assert_string_equal(l.key, t[i].key);
		else
			assert_null(l.key);
		if (t[i].value)
			assert_string_equal(l.value, t[i].value);
		else if (t[i].kind != CTA_SYSCTL_LINE_ASSIGN)
			assert_null(l.value);
		assert_int_equal(l.ignore_failure, t[i].ignore);
		if (t[i].text)
			assert_string_equal(l.text, t[i].text);
		free(copy);
	}
}

static void test_boot_cmp(void **state)
{
	static const struct {
		const char *a, *b;
		int sign;
	} t[] = {
		/* by file name whatever the directory */
		{ "/usr/lib/sysctl.d/10-a.conf", "/etc/sysctl.d/20-b.conf", -1 },
		{ "/etc/sysctl.d/99-z.conf", "/run/sysctl.d/50-m.conf", 1 },
		/* same name: one hides the other */
		{ "/etc/sysctl.d/50-x.conf", "/usr/lib/sysctl.d/50-x.conf", 0 },
		/* /etc/sysctl.conf last */
		{ "/etc/sysctl.conf", "/etc/sysctl.d/zz.conf", 1 },
		{ "/lib/sysctl.d/zz.conf", "/etc/sysctl.conf", -1 },
		{ "/etc/sysctl.conf", "/etc/sysctl.conf", 0 },
	};

	for (size_t i = 0; i < N(t); i++) {
		int c = cta_sysctl_boot_cmp(t[i].a, t[i].b);

		assert_int_equal(c < 0 ? -1 : c > 0, t[i].sign);
	}
	assert_true(cta_sysctl_in_conf_dir("/etc/sysctl.d/90-x.conf"));
	assert_true(cta_sysctl_in_conf_dir("/usr/local/lib/sysctl.d/90-x.conf"));
	assert_true(cta_sysctl_in_conf_dir("/lib/sysctl.d/90-x.conf"));
	assert_false(cta_sysctl_in_conf_dir("/etc/sysctl.d/sub/90-x.conf"));
	assert_false(cta_sysctl_in_conf_dir("/etc/sysctl.d/"));
	assert_false(cta_sysctl_in_conf_dir("/etc/sysctl.conf"));
	assert_false(cta_sysctl_in_conf_dir("/etc/sysctl.d.conf"));
}

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/cta-sysctl-util-XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return strdup(tmpl);
}

static void rm_rf(char *dir)
{
	char *cmd;

	assert_int_not_equal(asprintf(&cmd, "rm -rf '%s'", dir), -1);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

static void put(const char *root, const char *path, const char *text)
{
	char *full = NULL, *cmd = NULL;

	assert_int_not_equal(asprintf(&full, "%s%s", root, path), -1);
	assert_int_not_equal(asprintf(&cmd, "mkdir -p \"$(dirname '%s')\"", full), -1);
	assert_int_equal(system(cmd), 0);
	if (text)
		assert_int_equal(cta_write_file_atomic(full, text, strlen(text), 0644), 0);
	free(full), free(cmd);
}

static void link_in(const char *root, const char *target, const char *path)
{
	char *full = NULL;

	put(root, path, NULL);
	assert_int_not_equal(asprintf(&full, "%s%s", root, path), -1);
	assert_int_equal(symlink(target, full), 0);
	free(full);
}

static void test_proc_io(void **state)
{
	char *procfs = tmpdir(), *v = NULL;

	put(procfs, "/sys/net/ipv4/conf/eth0.100/rp_filter", "1\n");
	put(procfs, "/sys/net/ipv4/ip_local_port_range", "32768\t60999\n");
	assert_int_equal(cta_sysctl_read(procfs, "net.ipv4.conf.eth0/100.rp_filter", 0, &v), 0);
	assert_string_equal(v, "1");
	free(v);
	assert_int_equal(cta_sysctl_write(procfs, "net.ipv4.conf.eth0/100.rp_filter", "2"), 0);
	assert_int_equal(cta_sysctl_read(procfs, "net.ipv4.conf.eth0/100.rp_filter", 0, &v), 0);
	assert_string_equal(v, "2");
	free(v);
	assert_int_equal(cta_sysctl_read(procfs, "net.ipv4.ip_local_port_range", 0, &v), 0);
	assert_string_equal(v, "32768\t60999");
	free(v);
	/* the wrong notation names another file, which does not exist */
	assert_int_equal(cta_sysctl_read(procfs, "net.ipv4.conf.eth0.100.rp_filter", 0, &v),
			 -ENOENT);
	assert_int_equal(cta_sysctl_write(procfs, "net.ipv4.conf.eth0.100.rp_filter", "2"),
			 -ENOENT);
	assert_int_equal(cta_sysctl_write(procfs, "net./../x", "2"), -EINVAL);
	rm_rf(procfs);
}

static void assert_conf(const struct cta_sysctl_conf *f, const char *path, const char *resolved,
			bool masked, const char *hidden_by)
{
	assert_string_equal(f->path, path);
	assert_string_equal(f->resolved, resolved);
	assert_int_equal(f->masked, masked);
	if (hidden_by)
		assert_string_equal(f->hidden_by, hidden_by);
	else
		assert_null(f->hidden_by);
}

/*
 * Precedence across /etc, /run, /usr/local/lib, /usr/lib, /lib: same-name
 * hiding, /dev/null masks, lexical order, /etc/sysctl.conf last, and
 * Debian's 99-sysctl.conf -> ../sysctl.conf read once.
 */
static void test_conf_list(void **state)
{
	static const char *const want_order[] = {
		"/usr/lib/sysctl.d/10-usr.conf",
		"/etc/sysctl.d/20-etc.conf",
		"/usr/local/lib/sysctl.d/30-local.conf",
		"/run/sysctl.d/50-same.conf",
		"/lib/sysctl.d/60-lib.conf",
		"/etc/sysctl.d/99-sysctl.conf",
	};
	char *root = tmpdir();
	struct cta_sysctl_conf_list l = {};

	put(root, "/etc/sysctl.d/20-etc.conf", "a = 1\n");
	put(root, "/etc/sysctl.d/notconf.txt", "a = 1\n");
	put(root, "/etc/sysctl.d/.hidden.conf", "a = 1\n");
	put(root, "/etc/sysctl.d/dir.conf/x.conf", "a = 1\n");
	link_in(root, "/dev/null", "/etc/sysctl.d/40-masked.conf");
	link_in(root, "../sysctl.conf", "/etc/sysctl.d/99-sysctl.conf");
	put(root, "/etc/sysctl.conf", "a = 9\n");
	put(root, "/run/sysctl.d/50-same.conf", "a = 2\n");
	put(root, "/usr/local/lib/sysctl.d/30-local.conf", "a = 3\n");
	put(root, "/usr/lib/sysctl.d/10-usr.conf", "a = 4\n");
	put(root, "/usr/lib/sysctl.d/40-masked.conf", "a = 5\n");
	put(root, "/usr/lib/sysctl.d/50-same.conf", "a = 6\n");
	put(root, "/lib/sysctl.d/60-lib.conf", "a = 7\n");

	assert_int_equal(cta_sysctl_conf_list(root, &l), 0);
	assert_int_equal(l.n_dir_errors, 0);
	assert_int_equal(l.n_files, 10);
	/* directories in precedence order, names sorted within each */
	assert_conf(&l.files[0], "/etc/sysctl.d/20-etc.conf", "/etc/sysctl.d/20-etc.conf", false,
		    NULL);
	assert_conf(&l.files[1], "/etc/sysctl.d/40-masked.conf", "/dev/null", true, NULL);
	assert_conf(&l.files[2], "/etc/sysctl.d/99-sysctl.conf", "/etc/sysctl.conf", false, NULL);
	assert_conf(&l.files[3], "/run/sysctl.d/50-same.conf", "/run/sysctl.d/50-same.conf", false,
		    NULL);
	assert_conf(&l.files[4], "/usr/local/lib/sysctl.d/30-local.conf",
		    "/usr/local/lib/sysctl.d/30-local.conf", false, NULL);
	assert_conf(&l.files[5], "/usr/lib/sysctl.d/10-usr.conf", "/usr/lib/sysctl.d/10-usr.conf",
		    false, NULL);
	assert_conf(&l.files[6], "/usr/lib/sysctl.d/40-masked.conf",
		    "/usr/lib/sysctl.d/40-masked.conf", false, "/etc/sysctl.d/40-masked.conf");
	assert_conf(&l.files[7], "/usr/lib/sysctl.d/50-same.conf", "/usr/lib/sysctl.d/50-same.conf",
		    false, "/run/sysctl.d/50-same.conf");
	/* lib is separate here; sysctl.conf is read through the link, not again */
	assert_conf(&l.files[8], "/lib/sysctl.d/60-lib.conf", "/lib/sysctl.d/60-lib.conf", false,
		    NULL);
	assert_conf(&l.files[9], "/etc/sysctl.conf", "/etc/sysctl.conf", false,
		    "/etc/sysctl.d/99-sysctl.conf");
	assert_int_equal(l.n_order, N(want_order));
	for (size_t i = 0; i < N(want_order); i++)
		assert_string_equal(l.order[i]->path, want_order[i]);
	cta_sysctl_conf_list_done(&l);

	/* without the link procps' /etc/sysctl.conf comes last, after every sysctl.d file */
	{
		char *p = NULL;

		assert_int_not_equal(asprintf(&p, "%s/etc/sysctl.d/99-sysctl.conf", root), -1);
		assert_int_equal(unlink(p), 0);
		free(p);
	}
	assert_int_equal(cta_sysctl_conf_list(root, &l), 0);
	assert_int_equal(l.n_files, 9);
	assert_conf(&l.files[8], "/etc/sysctl.conf", "/etc/sysctl.conf", false, NULL);
	assert_int_equal(l.n_order, 6);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(l.order[i]->path, want_order[i]);
	assert_string_equal(l.order[5]->path, "/etc/sysctl.conf");
	cta_sysctl_conf_list_done(&l);

	/* with the link, the link is read at its place and sysctl.conf is hidden by it */
	link_in(root, "../sysctl.conf", "/etc/sysctl.d/99-sysctl.conf");
	assert_int_equal(cta_sysctl_conf_list(root, &l), 0);
	assert_int_equal(l.n_files, 10);
	assert_conf(&l.files[9], "/etc/sysctl.conf", "/etc/sysctl.conf", false,
		    "/etc/sysctl.d/99-sysctl.conf");
	assert_int_equal(l.n_order, N(want_order));
	for (size_t i = 0; i < N(want_order); i++)
		assert_string_equal(l.order[i]->path, want_order[i]);
	cta_sysctl_conf_list_done(&l);

	/* merged /usr: /lib -> usr/lib is listed once */
	{
		char *cmd = NULL;

		assert_int_not_equal(asprintf(&cmd, "rm -rf '%s/lib' && ln -s usr/lib '%s/lib'",
					      root, root),
				     -1);
		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
	assert_int_equal(cta_sysctl_conf_list(root, &l), 0);
	assert_int_equal(l.n_files, 9);
	for (size_t i = 0; i < l.n_files; i++)
		assert_null(strstr(l.files[i].path, "/lib/sysctl.d/60-lib.conf"));
	cta_sysctl_conf_list_done(&l);
	rm_rf(root);
}

/* An unreadable directory is reported, the others are still listed. */
static void test_conf_list_errors(void **state)
{
	char *root = tmpdir(), *p = NULL;
	struct cta_sysctl_conf_list l = {};

	put(root, "/usr/lib/sysctl.d/10-usr.conf", "a = 4\n");
	/* a file where a directory should be: nothing there, not an error */
	put(root, "/run/sysctl.d", "x");
	assert_int_equal(cta_sysctl_conf_list(root, &l), 0);
	assert_int_equal(l.n_dir_errors, 0);
	assert_int_equal(l.n_order, 1);
	cta_sysctl_conf_list_done(&l);
	/* root reads a mode 000 directory anyway: without its DAC capabilities it does not */
	bool dropped = cta_unit_drop_dac(true);

	if (geteuid() == 0 && !dropped)
		cta_unit_skip("cannot drop CAP_DAC_OVERRIDE to test an unreadable directory");
	else {
		put(root, "/etc/sysctl.d/10-etc.conf", "a = 1\n");
		assert_int_not_equal(asprintf(&p, "%s/etc/sysctl.d", root), -1);
		assert_int_equal(chmod(p, 0), 0);
		assert_int_equal(cta_sysctl_conf_list(root, &l), 0);
		assert_int_equal(l.n_dir_errors, 1);
		assert_string_equal(l.dir_errors[0].dir, "/etc/sysctl.d");
		assert_int_equal(l.dir_errors[0].error, -EACCES);
		assert_int_equal(l.n_order, 1);
		cta_sysctl_conf_list_done(&l);
		assert_int_equal(chmod(p, 0755), 0);
		free(p);
		if (dropped)
			assert_true(cta_unit_drop_dac(false));
	}
	rm_rf(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_proc_path),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_boot_cmp),
		cmocka_unit_test(test_proc_io),
		cmocka_unit_test(test_conf_list),
		cmocka_unit_test(test_conf_list_errors),
	};

	return cta_unit_result(cmocka_run_group_tests(tests, NULL, NULL));
}
