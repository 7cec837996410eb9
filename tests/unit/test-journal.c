// SPDX-License-Identifier: GPL-2.0-or-later
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
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "apply/apply.h"
#include "apply/fsroot.h"
#include "util/fileio.h"
#include "apply/journal.h"
#include "plan/plan.h"
#include "util/json.h"
#include "util/rootfs.h"

static struct cta_journal *sample(void)
{
	struct cta_journal *j = calloc(1, sizeof(*j));

	j->id = strdup("20261122T013000Z-001");
	j->state = CTA_JOURNAL_PREPARED;
	j->created_at = strdup("2026-11-22T01:30:00Z");
	j->profile = strdup("db-client");
	j->netns = strdup("cta-x");
	j->n_files = 2;
	j->files = calloc(2, sizeof(*j->files));
	j->files[0] = (struct cta_journal_file){
		.path = strdup("/etc/sysctl.d/90-ctaudit-db-client.conf"),
		.mode = 0644,
		.written = strdup("files/0.new"),
	};
	j->files[1] = (struct cta_journal_file){ .path = strdup("/etc/sysctl.conf"),
						 .existed = true,
						 .mode = 0600,
						 .uid = 12,
						 .gid = 34,
						 .backup = strdup("files/1"),
						 .written = strdup("files/1.new") };
	j->target = (struct cta_journal_target){ .netns_inode = 4026531840u,
						 .netns_initial = false,
						 .root = strdup("/tmp/r"),
						 .hostname = strdup("h1") };
	j->n_sysctls = 1;
	j->sysctls = calloc(1, sizeof(*j->sysctls));
	j->sysctls[0] = (struct cta_journal_sysctl){ strdup("net.ipv4.ip_local_port_range"),
						     strdup("32768\t60999"), strdup("1024 65000") };
	j->n_dirs = 2;
	j->dirs = calloc(2, sizeof(char *));
	j->dirs[0] = strdup("/etc/nftables.d/sub");
	j->dirs[1] = strdup("/etc/nftables.d");
	j->rules_changed = true;
	j->backend = CTA_PLAN_BACKEND_LEGACY;
	j->prev_v4.v = calloc(1, sizeof(*j->prev_v4.v));
	j->prev_v4.n = 1;
	snprintf(j->prev_v4.v[0].proto, 4, "udp");
	snprintf(j->prev_v4.v[0].port, 12, "53");
	j->rules.v = calloc(2, sizeof(*j->rules.v));
	j->rules.n = 2;
	snprintf(j->rules.v[0].proto, 4, "tcp");
	snprintf(j->rules.v[0].port, 12, "8080");
	snprintf(j->rules.v[1].proto, 4, "udp");
	snprintf(j->rules.v[1].port, 12, "53");
	return j;
}

static void assert_same(const struct cta_journal *a, const struct cta_journal *b)
{
	assert_string_equal(a->id, b->id);
	assert_int_equal(a->state, b->state);
	assert_string_equal(a->created_at, b->created_at);
	assert_string_equal(a->profile, b->profile);
	assert_string_equal(a->netns, b->netns);
	assert_int_equal(a->target.netns_inode, b->target.netns_inode);
	assert_int_equal(a->target.netns_initial, b->target.netns_initial);
	assert_string_equal(a->target.root, b->target.root);
	assert_string_equal(a->target.hostname, b->target.hostname);
	assert_int_equal(a->n_files, b->n_files);
	for (size_t i = 0; i < a->n_files; i++) {
		assert_string_equal(a->files[i].path, b->files[i].path);
		assert_int_equal(a->files[i].existed, b->files[i].existed);
		assert_int_equal(a->files[i].mode, b->files[i].mode);
		assert_int_equal(a->files[i].uid, b->files[i].uid);
		assert_int_equal(a->files[i].gid, b->files[i].gid);
		assert_string_equal(a->files[i].written, b->files[i].written);
		if (a->files[i].backup)
			assert_string_equal(a->files[i].backup, b->files[i].backup);
		else
			assert_null(b->files[i].backup);
	}
	assert_int_equal(a->n_sysctls, b->n_sysctls);
	for (size_t i = 0; i < a->n_sysctls; i++) {
		assert_string_equal(a->sysctls[i].key, b->sysctls[i].key);
		/* previous values keep the kernel's exact bytes (a tab here) */
		assert_string_equal(a->sysctls[i].previous, b->sysctls[i].previous);
		assert_string_equal(a->sysctls[i].value, b->sysctls[i].value);
	}
	assert_int_equal(a->n_dirs, b->n_dirs);
	for (size_t i = 0; i < a->n_dirs; i++)
		assert_string_equal(a->dirs[i], b->dirs[i]);
	assert_int_equal(a->rules_changed, b->rules_changed);
	assert_int_equal(a->backend, b->backend);
	assert_true(cta_plan_ports_equal(&a->prev_v4, &b->prev_v4));
	assert_true(cta_plan_ports_equal(&a->prev_v6, &b->prev_v6));
	assert_true(cta_plan_ports_equal(&a->prev_nft, &b->prev_nft));
	assert_true(cta_plan_ports_equal(&a->rules, &b->rules));
}

static void test_roundtrip(void **state)
{
	struct cta_journal *j = sample(), *k = NULL;
	json_t *o = NULL;

	assert_int_equal(cta_journal_to_json(j, &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "state")), "prepared");
	assert_string_equal(json_string_value(cta_json_path(o, "notrack.backend")),
			    "iptables-legacy");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(o, "files"), 1), "mode")),
			    "0600");
	assert_int_equal(cta_journal_from_json(o, &k), 0);
	assert_same(j, k);
	json_decref(o);
	cta_journal_free(j);
	cta_journal_free(k);
}

static void test_malformed(void **state)
{
	struct cta_journal *j = sample(), *k = NULL;
	json_t *o = NULL;

	/* no target: a journal that cannot be bound to what it changed */
	assert_int_equal(cta_journal_to_json(j, &o), 0);
	json_object_del(o, "target");
	assert_int_equal(cta_journal_from_json(o, &k), -EINVAL);
	json_decref(o);
	/* unknown state */
	free(j->files[1].backup);
	j->files[1].backup = strdup("files/1");
	assert_int_equal(cta_journal_to_json(j, &o), 0);
	json_object_set_new(o, "state", json_string("half-done"));
	assert_int_equal(cta_journal_from_json(o, &k), -EINVAL);
	json_object_set_new(o, "state", json_string("rolled-back"));
	json_object_set_new(o, "schema_version", json_integer(1));
	assert_int_equal(cta_journal_from_json(o, &k), -EINVAL);
	json_decref(o);
	assert_null(k);
	cta_journal_free(j);
}

static void test_save_load_list(void **state)
{
	char root[] = "/tmp/cta-journal-XXXXXX";
	struct cta_journal *j = sample(), *k = NULL;
	char *id1 = NULL, *id2 = NULL, **ids = NULL, *cmd = NULL;
	struct stat st;

	assert_non_null(mkdtemp(root));
	assert_int_equal(cta_journal_list(root, &ids), 0);
	assert_null(ids[0]);
	cta_strv_free(ids);

	assert_int_equal(cta_journal_create(root, &id1), 0);
	assert_int_equal(cta_journal_create(root, &id2), 0);
	/* unique and sortable: the second sorts after the first */
	assert_true(strcmp(id1, id2) < 0);
	free(j->id);
	j->id = strdup(id2);
	j->state = CTA_JOURNAL_APPLIED;
	assert_int_equal(cta_journal_save(root, j), 0);
	assert_int_equal(cta_journal_load(root, id2, &k), 0);
	assert_same(j, k);
	cta_journal_free(k);
	k = NULL;
	/* the journal directory is private */
	{
		char *d = cta_journal_dir(root, id2);

		assert_int_equal(stat(d, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0700);
		free(d);
	}
	/* the first has no journal.json yet (nothing changed) */
	assert_int_equal(cta_journal_load(root, id1, &k), -ENOENT);
	assert_int_equal(cta_journal_load(root, "../x", &k), -EINVAL);
	assert_int_equal(cta_journal_list(root, &ids), 0);
	assert_string_equal(ids[0], id1);
	assert_string_equal(ids[1], id2);
	assert_null(ids[2]);
	cta_strv_free(ids);

	assert_true(asprintf(&cmd, "rm -rf '%s'", root) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd), free(id1), free(id2);
	cta_journal_free(j);
}

/* The state directory: created 0755/0700, refused when a symlink, foreign or writable by others. */
static void test_state_dir(void **state)
{
	char root[] = "/tmp/cta-state-XXXXXX", out[] = "/tmp/cta-state-out-XXXXXX";
	char *cmd = NULL, *bad = NULL, *id = NULL, *p = NULL, **ids = NULL;
	struct stat st;
	mode_t old = umask(077);
	int fd;

	assert_non_null(mkdtemp(root));
	assert_non_null(mkdtemp(out));
	fd = cta_journal_open_state(root, true, &bad);
	assert_true(fd >= 0);
	close(fd);
	umask(old);
	assert_true(asprintf(&p, "%s/var/lib", root) > 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	free(p);
	assert_true(asprintf(&p, "%s/var/lib/ctaudit/journal", root) > 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	/* writable by others */
	assert_int_equal(chmod(p, 0777), 0);
	assert_int_equal(cta_journal_open_state(root, false, &bad), -CTA_EWRITABLE);
	assert_string_equal(bad, "/var/lib/ctaudit/journal");
	free(bad), bad = NULL;
	assert_int_equal(cta_journal_create(root, &id), -CTA_EWRITABLE);
	assert_int_equal(cta_journal_list(root, &ids), -CTA_EWRITABLE);
	assert_int_equal(chmod(p, 0700), 0);
	free(p);
	/* a symlink to a directory outside */
	assert_true(asprintf(&cmd, "rm -rf %1$s/var/lib/ctaudit && ln -s %2$s %1$s/var/lib/ctaudit",
			     root, out) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(cta_journal_open_state(root, true, &bad), -ELOOP);
	assert_string_equal(bad, "/var/lib/ctaudit");
	free(bad), bad = NULL;
	assert_int_equal(cta_journal_create(root, &id), -ELOOP);
	assert_true(asprintf(&p, "%s/journal", out) > 0);
	assert_int_equal(stat(p, &st), -1); /* nothing created outside */
	free(p);
	/* owned by another user */
	if (geteuid() == 0) {
		assert_true(
			asprintf(
				&cmd,
				"rm %1$s/var/lib/ctaudit && mkdir -m 0700 %1$s/var/lib/ctaudit && chown 65534 %1$s/var/lib/ctaudit",
				root) > 0);
		assert_int_equal(system(cmd), 0);
		free(cmd);
		assert_int_equal(cta_journal_open_state(root, false, &bad), -CTA_EBADOWNER);
		free(bad), bad = NULL;
	} else
		cta_unit_skip("needs root to give the state directory another owner");
	/* only files/N and files/N.new below a journal */
	assert_int_equal(cta_journal_put(root, "x", "../../x", "a", 1), -EINVAL);
	assert_int_equal(cta_journal_put(root, "x", "files/../0", "a", 1), -EINVAL);
	assert_true(asprintf(&cmd, "rm -rf '%s' '%s'", root, out) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* What rollback checks before it changes anything: the allow-list and the target. */
static void test_check_journal(void **state)
{
	struct cta_journal *j = sample();
	struct cta_apply_opts o = { 0 };
	char *err = NULL;

	/* a directory the apply created must hold one of its files */
	free(j->dirs[0]), free(j->dirs[1]);
	j->dirs[0] = strdup("/etc/sysctl.d");
	j->n_dirs = 1;
	assert_int_equal(cta_apply_check_journal(j, &o, &err), 0);
	assert_null(err);
	{
		static const char *const bad_paths[] = { "/../../tmp/x", "/etc/shadow",
							 "/etc/sysctl.d/../passwd",
							 "/etc/sysctl.d/x.txt" };

		for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
			char *keep = j->files[1].path;

			j->files[1].path = (char *)bad_paths[i];
			assert_int_equal(cta_apply_check_journal(j, &o, &err), -CTA_EREFUSED);
			assert_non_null(strstr(err, "ctaudit never writes"));
			free(err), err = NULL;
			j->files[1].path = keep;
		}
	}
	j->files[1].mode = 04755;
	assert_int_equal(cta_apply_check_journal(j, &o, &err), -CTA_EREFUSED);
	free(err), err = NULL;
	j->files[1].mode = 0600;
	free(j->sysctls[0].previous);
	j->sysctls[0].previous = strdup("1\nkernel.modprobe = /tmp/x");
	assert_int_equal(cta_apply_check_journal(j, &o, &err), -CTA_EREFUSED);
	free(err), err = NULL;
	free(j->sysctls[0].key);
	j->sysctls[0].key = strdup("kernel.core_pattern");
	assert_int_equal(cta_apply_check_journal(j, &o, &err), -CTA_EREFUSED);
	assert_non_null(strstr(err, "kernel.core_pattern"));
	free(err), err = NULL;
	free(j->sysctls[0].key), free(j->sysctls[0].previous);
	j->sysctls[0].key = strdup("net.ipv4.ip_local_port_range");
	j->sysctls[0].previous = strdup("32768\t60999");
	free(j->dirs[0]);
	j->dirs[0] = strdup("/var/lib");
	assert_int_equal(cta_apply_check_journal(j, &o, &err), -CTA_EREFUSED);
	free(err);
	cta_journal_free(j);
}

static void test_check_target(void **state)
{
	struct cta_journal_target was = { 4026532291u, false, (char *)"/tmp/r", (char *)"h1" };
	struct cta_journal_target now = was;
	char *err = NULL;

	assert_int_equal(cta_apply_check_target(&was, &now, &err), 0);
	now.netns_inode = 4026531840u;
	assert_int_equal(cta_apply_check_target(&was, &now, &err), -CTA_EREFUSED);
	assert_non_null(strstr(err, "network namespace"));
	free(err), err = NULL;
	now = was;
	now.netns_initial = true;
	assert_int_equal(cta_apply_check_target(&was, &now, &err), -CTA_EREFUSED);
	free(err), err = NULL;
	now = was;
	now.root = (char *)"/";
	assert_int_equal(cta_apply_check_target(&was, &now, &err), -CTA_EREFUSED);
	assert_non_null(strstr(err, "root"));
	free(err), err = NULL;
	now = was;
	now.hostname = (char *)"h2";
	assert_int_equal(cta_apply_check_target(&was, &now, &err), -CTA_EREFUSED);
	free(err), err = NULL;
	/* an --offline apply changed files only: any namespace */
	was.netns_inode = 0;
	now = was;
	now.netns_inode = 1234;
	assert_int_equal(cta_apply_check_target(&was, &now, &err), 0);
}

/* Drift: files and values changed since the apply are listed. */
static void test_drift(void **state)
{
	char root[] = "/tmp/cta-drift-XXXXXX", *cmd = NULL, **v = NULL, *procfs = NULL;
	struct cta_journal *j = calloc(1, sizeof(*j));
	struct cta_apply_opts o = { 0 };

	assert_non_null(mkdtemp(root));
	assert_true(asprintf(&cmd,
			     "mkdir -p %1$s/etc/sysctl.d %1$s/proc/sys/net/ipv4 && "
			     "printf 'a = 1\n' > %1$s/etc/sysctl.d/90-x.conf && "
			     "printf '1\n' > %1$s/proc/sys/net/ipv4/tcp_timestamps",
			     root) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_true(asprintf(&procfs, "%s/proc", root) > 0);
	o.root = root;
	o.procfs = procfs;
	assert_int_equal(cta_journal_create(root, &j->id), 0);
	j->state = CTA_JOURNAL_APPLIED;
	j->n_files = 1;
	j->files = calloc(1, sizeof(*j->files));
	j->files[0] = (struct cta_journal_file){ .path = strdup("/etc/sysctl.d/90-x.conf"),
						 .mode = 0644,
						 .written = strdup("files/0.new") };
	assert_int_equal(cta_journal_put(root, j->id, "files/0.new", "a = 1\n", 6), 0);
	j->n_sysctls = 1;
	j->sysctls = calloc(1, sizeof(*j->sysctls));
	j->sysctls[0] = (struct cta_journal_sysctl){ strdup("net.ipv4.tcp_timestamps"), strdup("0"),
						     strdup("1") };
	assert_int_equal(cta_apply_drift(j, &o, &v), 0);
	cta_strv_free(v);
	/* an edit of the file and a value set by someone else */
	assert_true(asprintf(&cmd,
			     "printf 'a = 1\nb = 2\n' > %1$s/etc/sysctl.d/90-x.conf && "
			     "printf '2\n' > %1$s/proc/sys/net/ipv4/tcp_timestamps",
			     root) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(cta_apply_drift(j, &o, &v), 2);
	assert_string_equal(v[0], "'/etc/sysctl.d/90-x.conf' was changed since the apply");
	assert_string_equal(v[1], "net.ipv4.tcp_timestamps is '2', the apply set '1'");
	cta_strv_free(v);
	/* back to the value before the apply: not drift (an interrupted apply) */
	assert_true(asprintf(&cmd, "printf '0\n' > %s/proc/sys/net/ipv4/tcp_timestamps", root) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(cta_apply_drift(j, &o, &v), 1);
	cta_strv_free(v);
	assert_true(asprintf(&cmd, "rm -rf '%s'", root) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd), free(procfs);
	cta_journal_free(j);
}

/* Set or clear the immutable flag; -errno when the file system has none. */
static int set_immutable(const char *path, bool on)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), flags, r = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		r = -errno;
	else {
		flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
		if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
			r = -errno;
	}
	close(fd);
	return r;
}

/*
 * An apply whose undo fails says "run 'ctaudit rollback ID'": the journal
 * must then stay "prepared", or rollback answers "nothing to roll back:
 * failed (undone when it failed)" and the next apply does not stop.  An
 * immutable value file refuses both the write and its undo.
 */
static void test_undo_fails(void **state)
{
	char root[] = "/tmp/cta-undo-XXXXXX", *cmd = NULL, *procfs = NULL, *val = NULL;
	char *id = NULL, *err = NULL, *unfinished = NULL;
	struct cta_plan_sysctl s = { .key = "net.ipv4.tcp_tw_reuse",
				     .value = "1",
				     .current = "2",
				     .rule = "r",
				     .runtime = CTA_PLAN_RT_SET };
	struct cta_plan p = { .profile = "base", .sysctls = &s, .n_sysctls = 1 };
	struct cta_apply_opts o = { 0 };
	struct cta_journal *j = NULL;
	int r;

	if (geteuid() != 0) {
		cta_unit_skip("needs root to make a file immutable");
		return;
	}
	assert_non_null(mkdtemp(root));
	assert_true(asprintf(&cmd,
			     "mkdir -p %1$s/proc/sys/net/ipv4 && "
			     "printf '2\n' > %1$s/proc/sys/net/ipv4/tcp_tw_reuse && "
			     "ln -s /proc/self %1$s/proc/self && ln -s /proc/1 %1$s/proc/1",
			     root) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_true(asprintf(&procfs, "%s/proc", root) > 0);
	assert_true(asprintf(&val, "%s/sys/net/ipv4/tcp_tw_reuse", procfs) > 0);
	r = set_immutable(val, true);
	if (r < 0) {
		assert_true(asprintf(&cmd, "rm -rf '%s'", root) > 0);
		assert_int_equal(system(cmd), 0);
		free(cmd), free(procfs), free(val);
		cta_unit_skip("this file system cannot make a file immutable (FS_IOC_SETFLAGS)");
		return;
	}
	o.root = root;
	o.procfs = procfs;

	r = cta_apply_run(&p, &o, &id, &err);
	assert_true(r < 0);
	assert_non_null(id);
	assert_non_null(strstr(err, "the kernel refused net.ipv4.tcp_tw_reuse = '1'"));
	assert_non_null(strstr(err, "the host may be half-changed: run 'ctaudit rollback"));
	assert_null(strstr(err, "every change was undone"));
	assert_int_equal(cta_journal_load(root, id, &j), 0);
	assert_int_equal(j->state, CTA_JOURNAL_PREPARED);
	cta_journal_free(j);
	assert_int_equal(cta_apply_find_unfinished(root, &unfinished), 1);
	assert_string_equal(unfinished, id);
	free(unfinished), free(id), free(err);

	assert_int_equal(set_immutable(val, false), 0);
	assert_true(asprintf(&cmd, "rm -rf '%s'", root) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd), free(procfs), free(val);
}

/* Symlinks below --root resolve inside the root, never on the real host. */
static void test_fsroot(void **state)
{
	char root[] = "/tmp/cta-fsroot-XXXXXX";
	char *p = NULL, *cmd = NULL, *text = NULL;

	assert_non_null(mkdtemp(root));
	assert_true(asprintf(&cmd,
			     "mkdir -p %1$s/etc/sysctl.d %1$s/etc/alternatives && "
			     "echo x=1 > %1$s/etc/sysctl.conf && "
			     "ln -s ../sysctl.conf %1$s/etc/sysctl.d/99-sysctl.conf && "
			     "ln -s /usr/sbin/iptables-legacy %1$s/etc/alternatives/iptables && "
			     "ln -s /etc/sysctl.conf %1$s/etc/abs && ln -s loop %1$s/etc/loop",
			     root) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);

	assert_int_equal(cta_resolve_in_root(root, "/etc/sysctl.d/99-sysctl.conf", &p), 0);
	assert_string_equal(p, "/etc/sysctl.conf");
	free(p);
	assert_int_equal(cta_resolve_in_root(root, "/etc/alternatives/iptables", &p), 0);
	assert_string_equal(p, "/usr/sbin/iptables-legacy");
	free(p);
	assert_int_equal(cta_resolve_in_root(root, "/etc/abs", &p), 0);
	assert_string_equal(p, "/etc/sysctl.conf");
	free(p);
	assert_int_equal(cta_resolve_in_root(root, "/etc/none/x.conf", &p), 0);
	assert_string_equal(p, "/etc/none/x.conf");
	free(p);
	assert_int_equal(cta_resolve_in_root(root, "/etc/loop", &p), -ELOOP);
	assert_int_equal(cta_fsroot_read(root, "/etc/abs", &text), 0);
	assert_string_equal(text, "x=1\n");
	free(text);
	assert_int_equal(cta_fsroot_read(root, "/etc/missing", &text), -ENOENT);

	assert_true(asprintf(&cmd, "rm -rf '%s'", root) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),      cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_save_load_list), cmocka_unit_test(test_state_dir),
		cmocka_unit_test(test_check_journal),  cmocka_unit_test(test_check_target),
		cmocka_unit_test(test_drift),	       cmocka_unit_test(test_undo_fails),
		cmocka_unit_test(test_fsroot),
	};
	if (geteuid() != 0) {
		/* the journal must be root's (state directory trust checks, chown): CI runs as root */
		printf("skipped: needs root\n");
		return 77;
	}
	return cta_unit_result(cmocka_run_group_tests(tests, NULL, NULL));
}
