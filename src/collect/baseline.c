// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Counters over an interval.  The kernel's drop and overflow counters count
 * since boot (the initial namespace) or since the namespace was created, so
 * a burst a month ago looks like one happening now.  Each live audit leaves
 * its counters as a baseline below the state directory; the next one judges
 * what moved since (or --interval samples, waits and samples again).
 *
 * The baseline below --root may be attacker-prepared: it is read and written
 * without following symlinks, only when root owns it and the directories
 * above it and nobody else can write them, and its content is checked like
 * any input.  A baseline that does not fit (another boot, another namespace
 * that had the same inode, counters that went back) is ignored and the
 * reason recorded.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "collect/collect.h"
#include "util/fileio.h"
#include "util/rootfs.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define BASELINE_DIR "/var/lib/ctaudit/baseline"
#define BASELINE_VERSION 1
#define BASELINE_MAX (1 << 20)

/* ---- files in the state directory ---------------------------------------- */

/*
 * The baseline directory is ctaudit's state directory (util/rootfs.h:
 * no symlink on the way, root's, not writable by group or others), opened
 * at the moment of use.
 */
static int state_dir_open(const char *root, bool create)
{
	return cta_state_dir_open(root, "baseline", create, NULL);
}

/* Read @name in @dirfd: a regular file (no symlink), owned by root, writable by nobody else. */
static int state_read(int dirfd, const char *name, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	ssize_t n = cta_read_at(dirfd, name, BASELINE_MAX, &buf, &st);

	if (n < 0)
		return (int)n;
	if (st.st_uid != 0)
		return -CTA_EBADOWNER;
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return -CTA_EWRITABLE;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Replace @name in @dirfd atomically, 0600 root:root; a symlink there is refused. */
static int state_write(int dirfd, const char *name, const char *data, size_t len)
{
	return cta_write_at_atomic(dirfd, name, data, len, 0600, 0, 0);
}

/* ---- identity and clocks ------------------------------------------------- */

struct sample_id {
	uint64_t inode, cookie;
	bool have_inode, have_cookie;
	char boot_id[64];
	int64_t realtime;
	uint64_t mono_us;
};

static int sample_id_read(const struct cta_collect_ctx *c, struct sample_id *id)
{
	_cleanup_free_ char *ns = cta_collect_proc_path(c, "self/ns/net"),
			    *bootp = cta_collect_proc_path(c, "sys/kernel/random/boot_id"),
			    *boot = NULL;
	_cleanup_close_ int sfd = -EBADF;
	struct stat st;
	struct timespec ts;
	socklen_t sl = sizeof(id->cookie);

	if (!ns || !bootp)
		return -ENOMEM;
	*id = (struct sample_id){};
	if (stat(ns, &st) == 0) {
		id->inode = (uint64_t)st.st_ino;
		id->have_inode = true;
	}
	/* the netns cookie is never reused, unlike the inode (Linux 5.14+) */
	sfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sfd >= 0 && getsockopt(sfd, SOL_SOCKET, SO_NETNS_COOKIE, &id->cookie, &sl) == 0 &&
	    sl == sizeof(id->cookie))
		id->have_cookie = true;
	if (cta_read_file(bootp, 4096, &boot) >= 0) {
		cta_collapse_ws(boot);
		snprintf(id->boot_id, sizeof(id->boot_id), "%s", boot);
	}
	id->realtime = (int64_t)time(NULL);
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		id->mono_us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	return 0;
}

static int iso_time(int64_t t, char buf[static 32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -EINVAL;
	return 0;
}

/* "45 s", "5 min", "3 h", "12 d": what a reader needs, not a precise clock. */
static void duration_text(int64_t s, char buf[static 32])
{
	if (s < 120)
		snprintf(buf, 32, "%lld s", (long long)(s < 0 ? 0 : s));
	else if (s < 120 * 60)
		snprintf(buf, 32, "%lld min", (long long)((s + 30) / 60));
	else if (s < 48 * 3600)
		snprintf(buf, 32, "%lld h", (long long)((s + 1800) / 3600));
	else
		snprintf(buf, 32, "%lld d", (long long)((s + 43200) / 86400));
}

/* ---- the earlier sample --------------------------------------------------- */

static json_t *sample_doc(const struct sample_id *id, json_t *ct_stats, json_t *netstat)
{
	char at[32];
	json_t *d;

	if (iso_time(id->realtime, at) < 0)
		return NULL;
	d = json_pack("{s:i, s:s, s:I, s:I}", "version", BASELINE_VERSION, "sampled_at", at,
		      "sampled_at_unix", (json_int_t)id->realtime, "monotonic_us",
		      (json_int_t)id->mono_us);
	if (!d)
		return NULL;
	if ((id->have_inode &&
	     json_object_set_new(d, "netns_inode", json_integer((json_int_t)id->inode)) < 0) ||
	    (id->have_cookie &&
	     json_object_set_new(d, "netns_cookie", json_integer((json_int_t)id->cookie)) < 0) ||
	    (id->boot_id[0] && json_object_set_new(d, "boot_id", json_string(id->boot_id)) < 0) ||
	    (json_is_object(ct_stats) && json_object_set(d, "conntrack_stats", ct_stats) < 0) ||
	    (json_is_object(netstat) && json_object_set(d, "netstat", netstat) < 0)) {
		json_decref(d);
		return NULL;
	}
	return d;
}

static bool counts_ok(json_t *o)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o))
		return false;
	json_object_foreach(o, k, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return false;
	}
	return true;
}

/* A baseline document's shape.  Returns NULL when fine, else what is wrong. */
static const char *baseline_check(json_t *d)
{
	static const char *const ints[] = { "sampled_at_unix", "monotonic_us", "netns_inode",
					    "netns_cookie" };
	json_t *v, *sec;
	const char *k;

	if (!json_is_object(d))
		return "not a JSON object";
	v = json_object_get(d, "version");
	if (!json_is_integer(v) || json_integer_value(v) != BASELINE_VERSION)
		return "unsupported 'version'";
	for (size_t i = 0; i < ELEMENTSOF(ints); i++) {
		v = json_object_get(d, ints[i]);
		if (v && (!json_is_integer(v) || json_integer_value(v) < 0))
			return "a field has the wrong type";
	}
	if (!json_object_get(d, "sampled_at_unix") || !json_object_get(d, "monotonic_us"))
		return "no sampling time";
	v = json_object_get(d, "boot_id");
	if (v && !json_is_string(v))
		return "a field has the wrong type";
	v = json_object_get(d, "conntrack_stats");
	if (v && !counts_ok(v))
		return "'conntrack_stats' holds something other than counts";
	sec = json_object_get(d, "netstat");
	if (sec) {
		if (!json_is_object(sec))
			return "'netstat' is not an object";
		json_object_foreach(sec, k, v) {
			if (!json_is_object(v))
				return "'netstat' holds something other than counters";
		}
	}
	return NULL;
}

static bool same_int(json_t *d, const char *key, bool have, uint64_t v)
{
	json_t *j = json_object_get(d, key);

	return !have || !j || (uint64_t)json_integer_value(j) == v;
}

static int load_baseline(struct cta_collect_ctx *c, const struct sample_id *id, json_t **ret)
{
	_cleanup_free_ char *name = NULL, *text = NULL;
	_cleanup_json_ json_t *d = NULL;
	_cleanup_close_ int dfd = -EBADF;
	json_error_t jerr;
	const char *why, *boot;
	int r;

	*ret = NULL;
	if (!id->have_inode)
		return cta_collect_unavailable(c, "counters.interval",
					       "this namespace's inode is unknown");
	if (asprintf(&name, "%llu.json", (unsigned long long)id->inode) < 0)
		return -ENOMEM;
	dfd = state_dir_open(c->opts->root, false);
	if (dfd == -ENOENT)
		return 0; /* no audit ran here yet */
	if (dfd < 0)
		return dfd == -ENOMEM ? -ENOMEM :
					cta_collect_unavailable(c, "counters.interval",
								"state directory '%s' not used: %s",
								BASELINE_DIR, CTA_STRERROR(dfd));
	r = state_read(dfd, name, &text);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r == -ENOMEM ? -ENOMEM :
				      cta_collect_unavailable(c, "counters.interval",
							      "baseline '%s/%s' ignored: %s",
							      BASELINE_DIR, name, CTA_STRERROR(r));
	d = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	why = d ? baseline_check(d) : "not valid JSON";
	if (!why) {
		boot = json_string_value(json_object_get(d, "boot_id"));
		if (boot && id->boot_id[0] && !streq(boot, id->boot_id))
			why = "it is from an earlier boot";
		else if (!same_int(d, "netns_inode", id->have_inode, id->inode) ||
			 !same_int(d, "netns_cookie", id->have_cookie, id->cookie))
			why = "it is from another namespace that had the same inode";
		else if ((uint64_t)json_integer_value(json_object_get(d, "monotonic_us")) >
			 id->mono_us)
			why = "it was sampled later than now";
	}
	if (why)
		return cta_collect_unavailable(c, "counters.interval",
					       "baseline '%s/%s' ignored: %s", BASELINE_DIR, name,
					       why);
	*ret = TAKE_PTR(d);
	return 0;
}

/* First sample of --interval: the counter sections only, in a scratch snapshot. */
static int sample_now(struct cta_collect_ctx *c, json_t **ret)
{
	_cleanup_json_ json_t *scratch = json_object();
	struct cta_collect_ctx sc = { .opts = c->opts, .facts = scratch };
	struct sample_id id;
	int r;

	if (!scratch)
		return -ENOMEM;
	r = sample_id_read(c, &id);
	if (r < 0)
		return r;
	r = cta_collect_conntrack(&sc);
	if (r >= 0)
		r = cta_collect_netstat(&sc);
	if (r < 0)
		return r;
	*ret = sample_doc(&id, cta_json_path(scratch, "conntrack.stats"),
			  json_object_get(scratch, "netstat"));
	return *ret ? 0 : -ENOMEM;
}

int cta_counters_begin(struct cta_collect_ctx *c, struct cta_counters_state *state)
{
	struct sample_id id;
	int r;

	*state = (struct cta_counters_state){};
	if (c->opts->offline)
		return 0;
	if (c->opts->interval) {
		struct timespec left = { .tv_sec = (time_t)c->opts->interval };

		r = sample_now(c, &state->prev);
		if (r < 0)
			return r;
		state->source = "interval";
		/* --deep counts the new flows over the same interval rather
		 * than after it: one wait, and both describe the same seconds */
		if (c->opts->deep && !c->opts->no_netlink) {
			r = cta_collect_new_flows(c, c->opts->interval * 1000u, &c->new_flows);
			if (r < 0)
				return r;
		} else {
			while (nanosleep(&left, &left) < 0 && errno == EINTR)
				;
		}
	} else if (c->opts->baseline) {
		r = sample_id_read(c, &id);
		if (r < 0)
			return r;
		r = load_baseline(c, &id, &state->prev);
		if (r < 0)
			return r;
		state->source = "baseline";
	}
	if (state->prev) {
		c->have_since = true;
		c->since_mono_us =
			(uint64_t)json_integer_value(json_object_get(state->prev, "monotonic_us"));
	}
	return 0;
}

void cta_counters_done(struct cta_counters_state *state)
{
	json_decref(state->prev);
	*state = (struct cta_counters_state){};
}

/* ---- deltas --------------------------------------------------------------- */

/*
 * now - before for every counter both have.  A counter that went back means a
 * reset (or a gauge such as Tcp CurrEstab, which has no rate): it is left
 * out.  Returns the object (may be empty) or NULL on ENOMEM; *@ret_back
 * counts counters that went back.
 */
static json_t *delta_of(json_t *now, json_t *before, size_t *ret_back)
{
	json_t *d = json_object(), *v;
	const char *k;

	if (!d)
		return NULL;
	json_object_foreach(now, k, v) {
		json_t *b = json_object_get(before, k);
		json_int_t x, y;

		if (!json_is_integer(v) || !json_is_integer(b))
			continue;
		x = json_integer_value(v);
		y = json_integer_value(b);
		if (x < y) {
			(*ret_back)++;
			continue;
		}
		if (json_object_set_new(d, k, json_integer(x - y)) < 0) {
			json_decref(d);
			return NULL;
		}
	}
	return d;
}

static int uptime_seconds(const struct cta_collect_ctx *c, int64_t *ret)
{
	_cleanup_free_ char *path = cta_collect_proc_path(c, "uptime"), *buf = NULL;
	char *end;
	double up;

	if (!path)
		return -ENOMEM;
	if (cta_read_file(path, 4096, &buf) < 0)
		return -ENOENT;
	errno = 0;
	up = strtod(buf, &end);
	if (errno || end == buf || up < 0 || up > 1e12)
		return -EINVAL;
	*ret = (int64_t)up;
	return 0;
}

int cta_counters_finish(struct cta_collect_ctx *c, struct cta_counters_state *state)
{
	_cleanup_json_ json_t *out = json_object();
	json_t *ct_stats = cta_json_path(c->facts, "conntrack.stats");
	json_t *netstat = json_object_get(c->facts, "netstat");
	const char *netns = json_string_value(cta_json_path(c->facts, "host.netns"));
	struct sample_id id;
	char at[32], dur[32];
	_cleanup_free_ char *lifetime = NULL;
	int64_t up = -1;
	int r;

	if (!out)
		return -ENOMEM;
	if (c->opts->offline || (!ct_stats && !netstat))
		return 0;
	r = sample_id_read(c, &id);
	if (r < 0)
		return r;
	if (iso_time(id.realtime, at) < 0)
		return 0;
	if (json_object_set_new(out, "sampled_at", json_string(at)) < 0 ||
	    json_object_set_new(out, "sampled_at_unix", json_integer((json_int_t)id.realtime)) <
		    0 ||
	    json_object_set_new(out, "monotonic_us", json_integer((json_int_t)id.mono_us)) < 0 ||
	    (id.boot_id[0] && json_object_set_new(out, "boot_id", json_string(id.boot_id)) < 0) ||
	    (id.have_cookie &&
	     json_object_set_new(out, "netns_cookie", json_integer((json_int_t)id.cookie)) < 0))
		return -ENOMEM;

	/* what the lifetime values count from */
	r = uptime_seconds(c, &up);
	if (r == -ENOMEM)
		return r;
	if (up >= 0 && json_object_set_new(out, "uptime_seconds", json_integer(up)) < 0)
		return -ENOMEM;
	duration_text(up, dur);
	if (netns && streq(netns, "init")) {
		if (json_object_set_new(out, "since", json_string("boot")) < 0)
			return -ENOMEM;
		r = up >= 0 ? asprintf(&lifetime, "since boot %s ago", dur) :
			      asprintf(&lifetime, "since boot");
	} else if (netns && streq(netns, "other")) {
		if (json_object_set_new(out, "since", json_string("netns_creation")) < 0)
			return -ENOMEM;
		r = asprintf(&lifetime, "since the namespace was created");
	} else
		r = asprintf(&lifetime, "since boot or since the namespace was created");
	if (r < 0 || json_object_set_new(out, "lifetime", json_string(lifetime)) < 0)
		return -ENOMEM;

	if (state->prev) {
		json_t *prev_ct = json_object_get(state->prev, "conntrack_stats");
		json_t *prev_ns = json_object_get(state->prev, "netstat");
		_cleanup_json_ json_t *delta = json_object(), *iv = NULL;
		_cleanup_free_ char *text = NULL;
		size_t back_ct = 0, back_ns = 0;
		int64_t secs = id.realtime -
			       json_integer_value(json_object_get(state->prev, "sampled_at_unix"));
		json_t *sec;
		const char *k;

		if (!delta)
			return -ENOMEM;
		if (json_is_object(ct_stats) && json_is_object(prev_ct)) {
			json_t *d = delta_of(ct_stats, prev_ct, &back_ct);

			if (!d || json_object_set_new(delta, "conntrack", d) < 0)
				return -ENOMEM;
		}
		if (json_is_object(netstat) && json_is_object(prev_ns)) {
			json_t *dn = json_object();

			if (!dn || json_object_set_new(delta, "netstat", dn) < 0)
				return -ENOMEM;
			json_object_foreach(netstat, k, sec) {
				json_t *d = delta_of(sec, json_object_get(prev_ns, k), &back_ns);

				if (!d || json_object_set_new(dn, k, d) < 0)
					return -ENOMEM;
			}
		}
		/* conntrack's counters only grow within one namespace's life */
		if (back_ct) {
			json_t *tf = cta_json_path(c->facts, "conntrack.table_full");

			(void)json_object_del(tf, "this_netns_in_interval");
			(void)json_object_del(tf, "unattributed_in_interval");
			r = cta_collect_unavailable(
				c, "counters.interval",
				"%s ignored: %zu conntrack counters are lower than in it (counters were reset)",
				state->source, back_ct);
			if (r < 0)
				return r;
			return json_object_set(c->facts, "counters", out) < 0 ? -ENOMEM : 0;
		}
		if (secs < 0)
			secs = 0;
		duration_text(secs, dur);
		r = streq(state->source, "interval") ?
			    asprintf(&text, "in the last %s", dur) :
			    asprintf(&text, "in the %s since the last audit", dur);
		if (r < 0 ||
		    iso_time(json_integer_value(json_object_get(state->prev, "sampled_at_unix")),
			     at) < 0)
			return -ENOMEM;
		iv = json_pack("{s:s, s:I, s:s, s:s}", "source", state->source, "seconds",
			       (json_int_t)secs, "start", at, "text", text);
		if (!iv || json_object_set(out, "interval", iv) < 0 ||
		    json_object_set(out, "delta", delta) < 0)
			return -ENOMEM;
	}
	return json_object_set(c->facts, "counters", out) < 0 ? -ENOMEM : 0;
}

/* ---- saving --------------------------------------------------------------- */

int cta_baseline_save(const char *root, json_t *facts)
{
	json_t *counters = json_object_get(facts, "counters");
	json_t *ino = cta_json_path(facts, "host.netns_inode");
	_cleanup_json_ json_t *d = NULL;
	_cleanup_free_ char *text = NULL, *name = NULL;
	_cleanup_close_ int dfd = -EBADF;
	struct sample_id id = {};
	const char *boot;

	if (!json_is_object(counters) || !json_is_integer(ino))
		return -ENODATA;
	id.inode = (uint64_t)json_integer_value(ino);
	id.have_inode = true;
	id.realtime = json_integer_value(json_object_get(counters, "sampled_at_unix"));
	id.mono_us = (uint64_t)json_integer_value(json_object_get(counters, "monotonic_us"));
	if (json_is_integer(json_object_get(counters, "netns_cookie"))) {
		id.cookie = (uint64_t)json_integer_value(json_object_get(counters, "netns_cookie"));
		id.have_cookie = true;
	}
	boot = json_string_value(json_object_get(counters, "boot_id"));
	if (boot)
		snprintf(id.boot_id, sizeof(id.boot_id), "%s", boot);
	d = sample_doc(&id, cta_json_path(facts, "conntrack.stats"),
		       json_object_get(facts, "netstat"));
	if (!d)
		return -ENOMEM;
	text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text || asprintf(&name, "%llu.json", (unsigned long long)id.inode) < 0)
		return -ENOMEM;
	dfd = state_dir_open(root, true);
	if (dfd < 0)
		return dfd;
	return state_write(dfd, name, text, strlen(text));
}
