// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "collect/netns-run.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

/* A snapshot larger than this is refused (a runaway child must not exhaust memory). */
#define SNAPSHOT_MAX (256u << 20)

struct slot {
	pid_t pid;
	int fd;
	const struct cta_netns *ns;
	bool report; /* hand the result to the caller (the host-facts run may not) */
	char *buf;
	size_t len, cap;
};

static int write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return cta_negerrno();
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* In the child: enter, collect, send {"status": ..., "facts"|"reason": ...}. */
static _Noreturn void child_main(const struct cta_netns *ns, const struct cta_collect_opts *copts,
				 int wfd)
{
	struct cta_collect_opts o = *copts;
	json_t *out = NULL, *facts = NULL;
	char *s;
	char ebuf[CTA_STRERROR_MAX];
	int fd, r;

	fd = cta_netns_open(ns);
	if (fd == -ESRCH) {
		out = json_pack("{s:s, s:s}", "status", "gone", "reason",
				"the namespace no longer exists");
	} else if (fd < 0) {
		_cleanup_free_ char *msg = NULL;

		if (asprintf(&msg, "cannot open '%s': %s", ns->enter_path,
			     cta_strerror(fd, ebuf)) >= 0)
			out = json_pack("{s:s, s:s}", "status", "failed", "reason", msg);
	} else if (!ns->self && setns(fd, CLONE_NEWNET) < 0) {
		_cleanup_free_ char *msg = NULL;

		r = cta_negerrno();
		if (asprintf(&msg, "cannot enter '%s': %s", ns->enter_path,
			     cta_strerror(r, ebuf)) >= 0)
			out = json_pack("{s:s, s:s}", "status", "failed", "reason", msg);
	} else {
		o.netns_only = !ns->initial;
		r = cta_collect_all(&o, &facts);
		if (r < 0)
			out = json_pack("{s:s, s:s}", "status", "failed", "reason",
					cta_strerror(r, ebuf));
		else
			out = json_pack("{s:s, s:o}", "status", "ok", "facts", facts);
	}
	if (!out)
		_exit(3);
	s = json_dumps(out, JSON_COMPACT);
	if (!s || write_all(wfd, s, strlen(s)) < 0)
		_exit(3);
	/* no exit handlers, no stdio flush: the parent's buffers are not ours */
	_exit(0);
}

static int start(struct slot *sl, const struct cta_netns *ns, bool report,
		 const struct cta_collect_opts *copts)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return cta_negerrno();
	/* unflushed output would be written twice */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		int r = cta_negerrno();

		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		close(p[0]);
		child_main(ns, copts, p[1]);
	}
	close(p[1]);
	*sl = (struct slot){ .pid = pid, .fd = p[0], .ns = ns, .report = report };
	return 0;
}

/* Read what is there; returns 1 at EOF, 0 for more, negative errno. */
static int drain(struct slot *sl)
{
	for (;;) {
		ssize_t n;

		if (sl->cap - sl->len < 65536) {
			size_t cap = sl->cap ? sl->cap * 2 : 65536 * 2;
			char *b;

			if (cap > SNAPSHOT_MAX)
				return -EFBIG;
			b = realloc(sl->buf, cap);
			if (!b)
				return -ENOMEM;
			sl->buf = b;
			sl->cap = cap;
		}
		n = read(sl->fd, sl->buf + sl->len, sl->cap - sl->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return cta_negerrno();
		}
		if (n == 0)
			return 1;
		sl->len += (size_t)n;
		/* a blocking pipe returns what it has; poll again before the next read */
		return 0;
	}
}

struct run {
	const struct cta_netns_run_opts *opts;
	cta_netns_result_fn fn;
	void *userdata;
	json_t *host_facts; /* the initial namespace's snapshot, once known */
};

/* The child is done (EOF): reap it, decode, hand over. */
static int finish(struct run *run, struct slot *sl, int read_err)
{
	_cleanup_json_ json_t *msg = NULL;
	_cleanup_free_ char *reason_buf = NULL;
	enum cta_netns_status status = CTA_NETNS_FAILED;
	json_t *facts = NULL;
	const char *st, *reason = NULL;
	char ebuf[CTA_STRERROR_MAX];
	int wst = 0, r = 0;

	close(sl->fd);
	sl->fd = -EBADF;
	if (read_err < 0)
		kill(sl->pid, SIGKILL);
	while (waitpid(sl->pid, &wst, 0) < 0 && errno == EINTR)
		;
	if (read_err == -ENOMEM) {
		r = -ENOMEM;
		goto out;
	}
	if (read_err < 0) {
		reason = cta_strerror(read_err, ebuf);
	} else if (WIFSIGNALED(wst)) {
		if (asprintf(&reason_buf, "the collector was killed by signal %d", WTERMSIG(wst)) <
		    0) {
			r = -ENOMEM;
			goto out;
		}
		reason = reason_buf;
	} else {
		sl->buf[sl->len] = 0;
		msg = sl->len ? json_loadb(sl->buf, sl->len, 0, NULL) : NULL;
		st = json_string_value(json_object_get(msg, "status"));
		reason = json_string_value(json_object_get(msg, "reason"));
		if (st && streq(st, "ok") && json_is_object(json_object_get(msg, "facts"))) {
			status = CTA_NETNS_OK;
			facts = json_object_get(msg, "facts");
			reason = NULL;
		} else if (st && streq(st, "gone")) {
			status = CTA_NETNS_GONE;
		} else if (!reason) {
			reason = "the collector exited without a result";
		}
	}
	if (status == CTA_NETNS_OK && !sl->ns->initial && run->host_facts) {
		r = cta_netns_merge_host_facts(facts, run->host_facts);
		if (r < 0)
			goto out;
	}
	if (status == CTA_NETNS_OK && sl->ns->initial && !run->host_facts)
		run->host_facts = json_incref(facts);
	if (sl->report)
		r = run->fn(sl->ns, status, facts, reason, run->userdata);
out:
	free(sl->buf);
	sl->buf = NULL;
	sl->len = sl->cap = 0;
	sl->pid = 0;
	return r;
}

static void kill_all(struct slot *slots, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!slots[i].pid)
			continue;
		kill(slots[i].pid, SIGKILL);
		while (waitpid(slots[i].pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (slots[i].fd >= 0)
			close(slots[i].fd);
		free(slots[i].buf);
		slots[i] = (struct slot){ .fd = -EBADF };
	}
}

/* Wait until one slot finished; returns its result or negative errno. */
static int step(struct run *run, struct slot *slots, unsigned n)
{
	_cleanup_free_ struct pollfd *pfd = calloc(n, sizeof(*pfd));
	_cleanup_free_ unsigned *map = calloc(n, sizeof(*map));
	unsigned m = 0;

	if (!pfd || !map)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		if (!slots[i].pid)
			continue;
		pfd[m] = (struct pollfd){ .fd = slots[i].fd, .events = POLLIN };
		map[m++] = i;
	}
	if (m == 0)
		return 0;
	while (poll(pfd, m, -1) < 0) {
		if (errno != EINTR)
			return cta_negerrno();
	}
	for (unsigned k = 0; k < m; k++) {
		struct slot *sl = &slots[map[k]];
		int r;

		if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = drain(sl);
		if (r == 0)
			continue;
		r = finish(run, sl, r < 0 ? r : 0);
		if (r < 0)
			return r;
	}
	return 0;
}

static unsigned running(const struct slot *slots, unsigned n)
{
	unsigned c = 0;

	for (unsigned i = 0; i < n; i++)
		c += slots[i].pid != 0;
	return c;
}

int cta_netns_run(const struct cta_netns_list *list, const struct cta_netns_run_opts *opts,
		  cta_netns_result_fn fn, void *userdata)
{
	struct run run = { .opts = opts, .fn = fn, .userdata = userdata };
	_cleanup_free_ struct slot *slots = NULL;
	unsigned jobs = opts->jobs;
	size_t next = 0, init = SIZE_MAX;
	int r = 0;

	if (jobs == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = c > 2 ? (unsigned)MIN(c, 16) : 2;
	}
	slots = calloc(jobs, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (unsigned i = 0; i < jobs; i++)
		slots[i].fd = -EBADF;

	/* host-wide facts first: every other namespace borrows them */
	for (size_t i = 0; i < list->n; i++)
		if (list->v[i].initial)
			init = i;
	if (init != SIZE_MAX || (opts->host_ns && opts->host_ns->initial)) {
		r = start(&slots[0], init != SIZE_MAX ? &list->v[init] : opts->host_ns,
			  init != SIZE_MAX, opts->collect);
		while (r >= 0 && slots[0].pid)
			r = step(&run, slots, 1);
		if (r < 0)
			goto out;
	}
	if (opts->pause)
		opts->pause(opts->userdata);
	while (r >= 0) {
		unsigned free_slot = jobs;

		if (next == init)
			next++;
		for (unsigned i = 0; i < jobs && next < list->n; i++)
			if (!slots[i].pid) {
				free_slot = i;
				break;
			}
		if (next < list->n && free_slot < jobs) {
			r = start(&slots[free_slot], &list->v[next++], true, opts->collect);
			continue;
		}
		if (running(slots, jobs) == 0)
			break;
		r = step(&run, slots, jobs);
	}
out:
	kill_all(slots, jobs);
	json_decref(run.host_facts);
	return r;
}

int cta_netns_merge_host_facts(json_t *facts, const json_t *host_facts)
{
	json_t *sysctl = json_object_get(facts, "sysctl"),
	       *hsysctl = json_object_get(host_facts, "sysctl"), *v, *list, *e;
	const char *key;

	/*
	 * Keys the kernel registers only in the initial namespace are global,
	 * so they hold here too: net/core/sysctl_net_core.c and
	 * net/ipv4/sysctl_net_ipv4.c register net_core_table and ipv4_table
	 * with register_net_sysctl(&init_net, ...), the per-namespace ones
	 * (netns_core_table, ipv4_net_table) for every namespace.
	 */
	if (json_is_object(sysctl) && json_is_object(hsysctl))
		json_object_foreach(hsysctl, key, v)
			if (!json_object_get(sysctl, key) && json_object_set(sysctl, key, v) < 0)
				return -ENOMEM;
	list = json_object_get(facts, "unavailable");
	if (!list) {
		list = json_array();
		if (!list || json_object_set_new(facts, "unavailable", list) < 0)
			return -ENOMEM;
	}
	/*
	 * The kernel log does not say on every kernel which namespace a "table
	 * full" message was for: it is evidence for the initial namespace's
	 * report only, not repeated in every other one.
	 */
	if (json_is_object(json_object_get(facts, "conntrack"))) {
		e = json_pack("{s:s, s:s}", "section", "conntrack.table_full_messages", "reason",
			      "the kernel log is host-wide: see the initial namespace");
		if (!e || json_array_append_new(list, e) < 0)
			return -ENOMEM;
	}
	/* not "starts from the kernel defaults": tcp_sk_init() (net/ipv4/tcp_ipv4.c)
	 * copies tcp_congestion_control from the initial namespace */
	e = json_pack("{s:s, s:s}", "section", "persisted", "reason",
		      "not the initial network namespace: sysctl.d files are applied at boot "
		      "in the initial one only");
	if (!e || json_array_append_new(list, e) < 0)
		return -ENOMEM;
	return 0;
}
