// SPDX-License-Identifier: GPL-2.0-or-later
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
#include "util/fileio.h"
#include "util/rootfs.h"

static char root[] = "/tmp/cta-rootfs-XXXXXX";
static char outside[] = "/tmp/cta-rootfs-out-XXXXXX";

static int setup(void **state)
{
	char *cmd = NULL;
	int r;

	if (!mkdtemp(root) || !mkdtemp(outside))
		return -1;
	if (asprintf(&cmd,
		     "mkdir -p %1$s/etc/sysctl.d %1$s/usr/lib/sysctl.d %1$s/%2$s && "
		     "ln -s /usr/lib/sysctl.d %1$s/etc/abs && ln -s ../../.. %1$s/etc/up && "
		     "ln -s %2$s %1$s/etc/out && ln -s loop %1$s/etc/loop && "
		     "ln -s /proc/self/root %1$s/etc/magic && "
		     "ln -s /etc/shadow %1$s/etc/sysctl.d/link.conf && mkfifo %1$s/etc/fifo && "
		     "echo secret > %2$s/shadow && echo x=1 > %1$s/etc/real.conf && "
		     "ln -s ../real.conf %1$s/etc/sysctl.d/rel.conf && "
		     "ln -s /etc/real.conf %1$s/etc/sysctl.d/absl.conf && "
		     "ln -s %2$s/shadow %1$s/etc/sysctl.d/out.conf",
		     root, outside) < 0)
		return -1;
	r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = NULL;

	if (asprintf(&cmd, "rm -rf '%s' '%s'", root, outside) > 0 && system(cmd) != 0)
		return -1;
	free(cmd);
	return 0;
}

/* The directory @path opens, as a host path below the root (or "?"). */
static char *where(int rootfd, const char *path, unsigned flags, int *ret)
{
	char buf[4096], proc[64];
	ssize_t n;
	int fd = cta_root_open_dir(rootfd, path, flags, 0755);

	*ret = fd < 0 ? fd : 0;
	if (fd < 0)
		return strdup("?");
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return strdup("?");
	buf[n] = 0;
	if (strncmp(buf, root, strlen(root)) == 0)
		return strdup(buf[strlen(root)] ? buf + strlen(root) : "/");
	return strdup(buf);
}

static void resolve_cases(void)
{
	static const struct {
		const char *path, *want;
		int err;
	} t[] = {
		{ "/etc/sysctl.d", "/etc/sysctl.d", 0 },
		{ "/etc/abs", "/usr/lib/sysctl.d", 0 },
		/* ".." and absolute targets never leave the root */
		{ "/etc/up", "/", 0 },
		{ "/../../..", "/", 0 },
		{ "/etc/out", "OUT", 0 }, /* the link's target below the root, never outside */
		{ "/etc/loop", NULL, -ELOOP },
		{ "/etc/magic", NULL, -ENOENT },
		{ "/etc/fifo", NULL, -ENOTDIR },
	};
	_cleanup_close_ int rootfd = cta_root_open(root);

	assert_true(rootfd >= 0);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r;
		char *got = where(rootfd, t[i].path, 0, &r);
		const char *want = t[i].want && strcmp(t[i].want, "OUT") == 0 ? outside : t[i].want;

		if (r != t[i].err || (want && strcmp(got, want) != 0))
			fail_msg("%s: got %s (%d), want %s (%d)", t[i].path, got, r,
				 t[i].want ? t[i].want : "-", t[i].err);
		free(got);
	}
	/* no symlink at all for the state directory */
	{
		int r;
		char *got = where(rootfd, "/etc/abs", CTA_ROOT_NO_SYMLINKS, &r);

		assert_int_equal(r, -ELOOP);
		free(got);
	}
}

static void test_resolve_openat2(void **state)
{
	cta_root_force_walk(false);
	resolve_cases();
}

static void test_resolve_walk(void **state)
{
	cta_root_force_walk(true);
	resolve_cases();
	cta_root_force_walk(false);
}

static void test_mkdir(void **state)
{
	_cleanup_close_ int rootfd = cta_root_open(root);
	char *p = NULL;
	struct stat st;
	mode_t old = umask(077);

	for (int walk = 0; walk < 2; walk++) {
		int fd;

		cta_root_force_walk(walk);
		fd = cta_root_open_dir(rootfd, walk ? "/new2/a/b" : "/new1/a/b", CTA_ROOT_MKDIR,
				       0755);
		assert_true(fd >= 0);
		close(fd);
		assert_true(asprintf(&p, "%s/%s", root, walk ? "new2/a" : "new1/a") > 0);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0755); /* not masked by the umask */
		free(p);
		/* through an absolute symlink: created inside the root */
		fd = cta_root_open_dir(rootfd, "/etc/out/made", CTA_ROOT_MKDIR, 0755);
		assert_true(fd >= 0);
		close(fd);
		assert_true(asprintf(&p, "%s/%s/made", root, outside) > 0);
		assert_int_equal(stat(p, &st), 0);
		free(p);
		assert_true(asprintf(&p, "%s/made", outside) > 0);
		assert_int_equal(stat(p, &st), -1);
		free(p);
	}
	cta_root_force_walk(false);
	umask(old);
}

static void test_write_read(void **state)
{
	_cleanup_close_ int rootfd = cta_root_open(root);
	_cleanup_close_ int dfd = cta_root_open_dir(rootfd, "/etc/sysctl.d", 0, 0);
	char *text = NULL, *p = NULL;
	struct stat st;

	assert_true(dfd >= 0);
	assert_int_equal(cta_write_at_atomic(dfd, "90-x.conf", "a = 1\n", 6, 04666, 12, 34), 0);
	assert_int_equal(cta_read_at(dfd, "90-x.conf", 0, &text, &st), 6);
	assert_string_equal(text, "a = 1\n");
	free(text);
	assert_int_equal(st.st_mode & 07777, 0666); /* never set-id */
	assert_int_equal(st.st_uid, 12);
	assert_int_equal(st.st_gid, 34);
	/* the final component is never followed */
	assert_int_equal(cta_write_at_atomic(dfd, "link.conf", "x", 1, 0644, 0, 0), -ELOOP);
	assert_int_equal(cta_read_at(dfd, "link.conf", 0, &text, NULL), -ELOOP);
	assert_true(asprintf(&p, "%s/shadow", outside) > 0);
	assert_int_equal(cta_read_file(p, 0, &text), 7);
	assert_string_equal(text, "secret\n");
	free(text), free(p);
	/* FIFOs: refused at once, never waited on */
	{
		_cleanup_close_ int etc = cta_root_open_dir(rootfd, "/etc", 0, 0);

		assert_int_equal(cta_read_at(etc, "fifo", 0, &text, NULL), -CTA_ENOTREG);
		assert_int_equal(cta_write_at_atomic(etc, "fifo", "x", 1, 0644, 0, 0),
				 -CTA_ENOTREG);
		assert_true(asprintf(&p, "%s/etc/fifo", root) > 0);
		assert_int_equal(cta_read_file(p, 0, &text), -CTA_ENOTREG);
		free(p);
	}
	/* size bound */
	assert_int_equal(cta_write_at_atomic(dfd, "big.conf", "0123456789", 10, 0644, 0, 0), 0);
	assert_int_equal(cta_read_at(dfd, "big.conf", 5, &text, NULL), -EFBIG);
}

static void read_cases(void)
{
	_cleanup_close_ int rootfd = cta_root_open(root);
	char *text = NULL;

	assert_int_equal(cta_root_read(rootfd, "/etc/sysctl.d/rel.conf", 0, &text), 4);
	assert_string_equal(text, "x=1\n");
	free(text);
	assert_int_equal(cta_root_read(rootfd, "/etc/sysctl.d/absl.conf", 0, &text), 4);
	free(text);
	assert_int_equal(cta_root_read(rootfd, "/etc/abs/../real.conf", 0, &text), -ENOENT);
	/* links to outside the root resolve inside it: not found, never read */
	assert_int_equal(cta_root_read(rootfd, "/etc/sysctl.d/link.conf", 0, &text), -ENOENT);
	assert_int_equal(cta_root_read(rootfd, "/etc/sysctl.d/out.conf", 0, &text), -ENOENT);
	assert_int_equal(cta_root_read(rootfd, "/etc/out/shadow", 0, &text), -ENOENT);
	assert_int_equal(cta_root_read(rootfd, "/etc/fifo", 0, &text), -CTA_ENOTREG);
	assert_int_equal(cta_root_read(rootfd, "/etc/loop", 0, &text), -ELOOP);
}

static void test_read(void **state)
{
	cta_root_force_walk(false);
	read_cases();
	cta_root_force_walk(true);
	read_cases();
	cta_root_force_walk(false);
}

static void test_normalize(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "/etc/sysctl.conf", "/etc/sysctl.conf" },
		{ "/etc/./sysctl.conf", "/etc/sysctl.conf" },
		{ "/etc//sysctl.conf", "/etc/sysctl.conf" },
		{ "//etc/x/", "/etc/x" },
		{ "/", "/" },
		{ "/etc/../x", NULL },
		{ "etc/x", NULL },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *n = NULL;
		int r = cta_path_normalize(t[i].in, &n);

		if (t[i].out) {
			assert_int_equal(r, 0);
			assert_string_equal(n, t[i].out);
		} else
			assert_int_equal(r, -EINVAL);
		free(n);
	}
}

static void test_trust(void **state)
{
	char *p = NULL, *why = NULL;

	assert_true(asprintf(&p, "%s/etc", root) > 0);
	assert_int_equal(cta_path_check_trusted(p, true, &why), 0);
	assert_int_equal(chmod(p, 0777), 0);
	assert_int_equal(cta_path_check_trusted(p, true, &why), -CTA_EWRITABLE);
	assert_non_null(strstr(why, "writable by group or others"));
	free(why), why = NULL;
	assert_int_equal(chmod(p, 0755), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(p, 65534, 65534), 0);
		assert_int_equal(cta_path_check_trusted(p, true, &why), -CTA_EBADOWNER);
		assert_non_null(strstr(why, "owned by uid 65534"));
		free(why), why = NULL;
		assert_int_equal(chown(p, 0, 0), 0);
	} else
		cta_unit_skip("needs root to give a directory another owner");
	free(p);
	assert_true(asprintf(&p, "%s/etc/fifo", root) > 0);
	assert_int_equal(cta_path_check_trusted(p, false, &why), -CTA_ENOTREG);
	free(why), free(p);
}

/* The directories above: their owner and mode count, a sticky one excepted; the root confines. */
static void test_open_trusted(void **state)
{
	char *d = NULL, *f = NULL, *why = NULL;
	int rootfd, fd;

	assert_true(asprintf(&d, "%s/pol", root) > 0);
	assert_true(asprintf(&f, "%s/pol/x.yaml", root) > 0);
	assert_int_equal(mkdir(d, 0755), 0);
	assert_int_equal(close(open(f, O_CREAT | O_WRONLY, 0644)), 0);
	fd = cta_open_trusted(-1, f, false, &why);
	assert_true(fd >= 0);
	assert_null(why);
	close(fd);
	/* a group-writable directory above the file */
	assert_int_equal(chmod(d, 0775), 0);
	assert_int_equal(cta_open_trusted(-1, f, false, &why), -CTA_EWRITABLE);
	assert_non_null(strstr(why, "directory '"));
	assert_non_null(strstr(why, "/pol' is writable by group or others (mode 0775)"));
	free(why), why = NULL;
	/* sticky: nobody else can rename what is in it */
	assert_int_equal(chmod(d, 01777), 0);
	fd = cta_open_trusted(-1, f, false, &why);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(d, 0755), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(d, 65534, 65534), 0);
		assert_int_equal(cta_open_trusted(-1, f, false, &why), -CTA_EBADOWNER);
		assert_non_null(strstr(why, "/pol' is owned by uid 65534, not root"));
		free(why), why = NULL;
		assert_int_equal(chown(d, 0, 0), 0);
	} else
		cta_unit_skip("needs root to give a directory another owner");
	/* inside a root, an absolute path is the root's own */
	rootfd = cta_root_open(root);
	assert_true(rootfd >= 0);
	fd = cta_open_trusted(rootfd, "/pol/x.yaml", false, &why);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(cta_open_trusted(rootfd, f, false, &why), -ENOENT);
	assert_null(why);
	/* a directory where a file should be */
	assert_int_equal(cta_open_trusted(rootfd, "/pol", false, &why), -CTA_ENOTREG);
	assert_non_null(why);
	free(why), why = NULL;
	close(rootfd);
	assert_int_equal(unlink(f), 0);
	assert_int_equal(rmdir(d), 0);
	free(d), free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_openat2),
		cmocka_unit_test(test_resolve_walk),
		cmocka_unit_test(test_mkdir),
		cmocka_unit_test(test_write_read),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_trust),
		cmocka_unit_test(test_open_trusted),
	};
	if (geteuid() != 0) {
		/* replaced files keep their owner (fchown), trust checks need chown: CI runs as root */
		printf("skipped: needs root\n");
		return 77;
	}
	return cta_unit_result(cmocka_run_group_tests(tests, setup, teardown));
}
