// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Counters over an interval (src/collect/baseline.c): recorded counter pairs
 * in a fixture /proc, the baseline below a temporary root, and the baselines
 * an attacker could leave there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "collect/collect.h"
#include "collect/kmsg.h"
#include "util/json.h"
#include "util/macro.h"

#define FIX CTA_FIXTURES "/collect"

struct env {
	char dir[64];
	char *proc, *root, *file;
	json_int_t ino;
};

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void sh(const char *fmt, ...)
{
	char *cmd;
	va_list ap;

	va_start(ap, fmt);
	assert_int_not_equal(vasprintf(&cmd, fmt, ap), -1);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* One sample of the counters: conntrack stats (hex, per CPU) and TcpExt. */
static void write_sample(struct env *e, unsigned drop, unsigned failed, unsigned clash,
			 unsigned overflows, unsigned tw)
{
	sh("printf 'entries  clashres found invalid insert insert_failed drop early_drop\\n"
	   "00000010  %08x 00000000 00000000 00000064 %08x %08x 00000000\\n' > %s/net/stat/nf_conntrack",
	   clash, failed, drop, e->proc);
	sh("printf 'TcpExt: ListenOverflows ListenDrops TCPTimeWaitOverflow TW\\n"
	   "TcpExt: %u %u 0 %u\\n' > %s/net/netstat && rm -f %s/net/snmp",
	   overflows, overflows, tw, e->proc, e->proc);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct stat st;

	assert_non_null(e);
	snprintf(e->dir, sizeof(e->dir), "/tmp/cta-baseline-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	assert_int_not_equal(asprintf(&e->proc, "%s/proc", e->dir), -1);
	assert_int_not_equal(asprintf(&e->root, "%s/root", e->dir), -1);
	sh("cp -r %s/proc %s && mkdir -p %s/proc/sys/kernel/random %s && "
	   "echo 11111111-2222-3333-4444-555555555555 > %s/proc/sys/kernel/random/boot_id && "
	   "echo '12345.67 100.00' > %s/proc/uptime",
	   FIX, e->dir, e->dir, e->root, e->dir, e->dir);
	assert_int_equal(stat(e->proc, &st), 0);
	{
		_cleanup_free_ char *ns = NULL;

		assert_int_not_equal(asprintf(&ns, "%s/self/ns/net", e->proc), -1);
		assert_int_equal(stat(ns, &st), 0);
		e->ino = (json_int_t)st.st_ino;
	}
	assert_int_not_equal(asprintf(&e->file, "%s/var/lib/ctaudit/baseline/%lld.json", e->root,
				      (long long)e->ino),
			     -1);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	sh("rm -rf %s", e->dir);
	free(e->proc);
	free(e->root);
	free(e->file);
	free(e);
	return 0;
}

/* A live collection of the counter sections, as cta_collect_all() runs them. */
static json_t *collect(struct env *e, const char *netns, unsigned interval)
{
	struct cta_collect_opts o = { .procfs = e->proc,
				      .devfs = FIX "/dev",
				      .root = e->root,
				      .no_netlink = true,
				      .baseline = true,
				      .interval = interval };
	struct cta_collect_ctx c = { .opts = &o, .facts = json_object() };
	struct cta_counters_state cs;

	assert_int_equal(json_object_set_new(c.facts, "host",
					     json_pack("{s:s, s:s, s:I}", "kernel", "6.18.1",
						       "netns", netns, "netns_inode", e->ino)),
			 0);
	assert_int_equal(cta_counters_begin(&c, &cs), 0);
	assert_int_equal(cta_collect_conntrack(&c), 0);
	assert_int_equal(cta_collect_kmsg(&c), 0);
	assert_int_equal(cta_collect_netstat(&c), 0);
	assert_int_equal(cta_counters_finish(&c, &cs), 0);
	cta_counters_done(&cs);
	return c.facts;
}

static json_int_t geti(json_t *facts, const char *path)
{
	json_t *v = cta_json_path(facts, path);

	if (!json_is_integer(v))
		fail_msg("'%s' is not an integer", path);
	return json_integer_value(v);
}

static const char *gets_(json_t *facts, const char *path)
{
	const char *s = json_string_value(cta_json_path(facts, path));

	if (!s)
		fail_msg("'%s' is not a string", path);
	return s;
}

/* The reason an unusable baseline was ignored, or NULL. */
static const char *ignored(json_t *facts)
{
	size_t i;
	json_t *u;

	json_array_foreach(json_object_get(facts, "unavailable"), i, u)
		if (streq(json_string_value(json_object_get(u, "section")), "counters.interval"))
			return json_string_value(json_object_get(u, "reason"));
	return NULL;
}

/* First audit: lifetime only; second: the deltas of a recorded pair. */
static void test_pair(void **state)
{
	struct env *e = *state;
	json_t *f;
	struct stat st;

	sh("rm -rf %s/var", e->root);
	write_sample(e, 5, 2, 0x10, 1, 100);
	f = collect(e, "other", 0);
	assert_null(cta_json_path(f, "counters.interval"));
	assert_null(cta_json_path(f, "counters.delta"));
	assert_null(ignored(f));
	assert_string_equal(gets_(f, "counters.since"), "netns_creation");
	assert_string_equal(gets_(f, "counters.lifetime"), "since the namespace was created");
	assert_string_equal(gets_(f, "counters.boot_id"), "11111111-2222-3333-4444-555555555555");
	assert_int_equal(geti(f, "counters.uptime_seconds"), 12345);
	assert_int_equal(cta_baseline_save(e->root, f), 0);
	json_decref(f);
	assert_int_equal(stat(e->file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* 12 drops and 0x30 resolved clashes later; TW (a gauge) went down */
	write_sample(e, 17, 2, 0x40, 4, 50);
	f = collect(e, "init", 0);
	assert_null(ignored(f));
	assert_string_equal(gets_(f, "counters.interval.source"), "baseline");
	assert_true(geti(f, "counters.interval.seconds") >= 0);
	assert_non_null(strstr(gets_(f, "counters.interval.text"), "since the last audit"));
	assert_int_equal(geti(f, "counters.delta.conntrack.drop"), 12);
	assert_int_equal(geti(f, "counters.delta.conntrack.insert_failed"), 0);
	assert_int_equal(geti(f, "counters.delta.conntrack.clash_resolve"), 0x30);
	assert_int_equal(geti(f, "counters.delta.netstat.TcpExt.ListenOverflows"), 3);
	assert_int_equal(geti(f, "counters.delta.netstat.TcpExt.TCPTimeWaitOverflow"), 0);
	assert_null(cta_json_path(f, "counters.delta.netstat.TcpExt.TW"));
	assert_string_equal(gets_(f, "counters.since"), "boot");
	assert_string_equal(gets_(f, "counters.lifetime"), "since boot 3 h ago");
	/* the fixture's kernel log is older than the baseline */
	assert_int_equal(geti(f, "conntrack.table_full.unattributed"), 0);
	assert_int_equal(geti(f, "conntrack.table_full_messages"), 3);
	assert_int_equal(geti(f, "conntrack.table_full.this_netns_in_interval"), 0);
	json_decref(f);

	/* counters lower than the baseline's: reset, no interval */
	write_sample(e, 3, 2, 0x40, 4, 50);
	f = collect(e, "other", 0);
	assert_non_null(ignored(f));
	assert_non_null(strstr(ignored(f), "counters were reset"));
	assert_null(cta_json_path(f, "counters.interval"));
	assert_null(cta_json_path(f, "conntrack.table_full.this_netns_in_interval"));
	json_decref(f);
}

/* Baselines nobody should trust are ignored, with the reason. */
static void test_untrusted(void **state)
{
	struct env *e = *state;
	static const struct {
		const char *prepare; /* shell, $F: the baseline file, $D: its directory */
		const char *why;
	} t[] = {
		{ "ln -sf /etc/hostname $F", "too many levels of symbolic links" },
		{ "chown 65534 $F", "not owned by root" },
		{ "chmod 0666 $F", "writable by group or others" },
		{ "mkfifo $F.fifo && mv -f $F.fifo $F", "" },
		{ "chmod 0777 $D", "state directory" },
		{ "echo '{\"version\":1,\"sampled_at_unix\":\"x\",\"monotonic_us\":1}' > $F",
		  "wrong type" },
		{ "echo '{\"version\":1,\"sampled_at_unix\":1,\"monotonic_us\":1,"
		  "\"conntrack_stats\":{\"drop\":-4}}' > $F",
		  "other than counts" },
		{ "echo '[1,2' > $F", "not valid JSON" },
		{ "sed -i 's/11111111-/99999999-/' $F", "earlier boot" },
		{ "sed -i 's/\"netns_inode\":[0-9]*/\"netns_inode\":1/' $F", "same inode" },
		{ "sed -i 's/\"monotonic_us\":[0-9]*/\"monotonic_us\":999999999999999/' $F",
		  "later than now" },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		json_t *f;

		sh("rm -rf %s/var", e->root);
		write_sample(e, 5, 2, 0x10, 1, 100);
		f = collect(e, "other", 0);
		assert_int_equal(cta_baseline_save(e->root, f), 0);
		json_decref(f);
		{
			_cleanup_free_ char *dir = strdup(e->file);

			*strrchr(dir, '/') = 0;
			sh("F='%s' D='%s'; %s", e->file, dir, t[i].prepare);
		}
		f = collect(e, "other", 0);
		if (!ignored(f) || !strstr(ignored(f), t[i].why))
			fail_msg("case %zu ('%s'): %s", i, t[i].prepare,
				 ignored(f) ? ignored(f) : "baseline used");
		assert_null(cta_json_path(f, "counters.interval"));
		json_decref(f);
	}
	sh("rm -rf %s/var", e->root);
}

/* Saving never writes through a symlink or into an untrusted directory. */
static void test_save_refuses(void **state)
{
	struct env *e = *state;
	_cleanup_free_ char *dir = strdup(e->file), *target = NULL;
	json_t *f;
	struct stat st;

	*strrchr(dir, '/') = 0;
	assert_int_not_equal(asprintf(&target, "%s/elsewhere", e->dir), -1);
	sh("rm -rf %s/var && mkdir -p %s && echo keep > %s && ln -s %s %s", e->root, dir, target,
	   target, e->file);
	write_sample(e, 5, 2, 0x10, 1, 100);
	f = collect(e, "other", 0);
	assert_int_equal(cta_baseline_save(e->root, f), -ELOOP);
	assert_int_equal(lstat(e->file, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	sh("grep -qx keep %s", target);
	/* a symlinked state directory */
	sh("rm -rf %s/var && mkdir -p %s/var/lib/real && ln -s real %s/var/lib/ctaudit", e->root,
	   e->root, e->root);
	assert_int_equal(cta_baseline_save(e->root, f), -ELOOP);
	sh("test ! -e %s/var/lib/real/baseline", e->root);
	/* no counters (an offline snapshot): nothing to save */
	json_object_del(f, "counters");
	assert_int_equal(cta_baseline_save(e->root, f), -ENODATA);
	json_decref(f);
	sh("rm -rf %s/var", e->root);
}

/* --interval: sample, wait, sample, without any baseline. */
static void test_interval(void **state)
{
	struct env *e = *state;
	json_t *f;

	sh("rm -rf %s/var", e->root);
	write_sample(e, 5, 2, 0x10, 1, 100);
	f = collect(e, "other", 1);
	assert_null(ignored(f));
	assert_string_equal(gets_(f, "counters.interval.source"), "interval");
	assert_true(geti(f, "counters.interval.seconds") >= 1);
	assert_non_null(strstr(gets_(f, "counters.interval.text"), "in the last"));
	assert_int_equal(geti(f, "counters.delta.conntrack.drop"), 0);
	json_decref(f);
}

/* Offline: no counters section at all. */
static void test_offline(void **state)
{
	struct env *e = *state;
	struct cta_collect_opts o = { .procfs = e->proc, .root = e->root, .offline = true };
	struct cta_collect_ctx c = { .opts = &o, .facts = json_object() };
	struct cta_counters_state cs;

	assert_int_equal(cta_counters_begin(&c, &cs), 0);
	assert_int_equal(cta_counters_finish(&c, &cs), 0);
	cta_counters_done(&cs);
	assert_null(json_object_get(c.facts, "counters"));
	json_decref(c.facts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pair),	     cmocka_unit_test(test_untrusted),
		cmocka_unit_test(test_save_refuses), cmocka_unit_test(test_interval),
		cmocka_unit_test(test_offline),
	};

	if (geteuid() != 0) {
		/* ownership checks need root (chown); CI runs as root */
		printf("skipped: needs root\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
