// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "collect/collect.h"
#include "util/fileio.h"
#include "util/facts-schema.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

int cta_collect_unavailable(struct cta_collect_ctx *c, const char *section, const char *reason_fmt,
			    ...)
{
	_cleanup_free_ char *reason = NULL;
	json_t *list, *e;
	va_list ap;
	int r;

	va_start(ap, reason_fmt);
	r = vasprintf(&reason, reason_fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	list = json_object_get(c->facts, "unavailable");
	if (!list) {
		list = json_array();
		if (!list || json_object_set_new(c->facts, "unavailable", list) < 0)
			return -ENOMEM;
	}
	e = json_pack("{s:s, s:s}", "section", section, "reason", reason);
	if (!e || json_array_append_new(list, e) < 0)
		return -ENOMEM;
	return 0;
}

int cta_collect_unavailable_errno(struct cta_collect_ctx *c, const char *section, int negerr)
{
	char buf[CTA_STRERROR_MAX];

	return cta_collect_unavailable(c, section, "%s", cta_strerror(negerr, buf));
}

int cta_collect_unavailable_needs(struct cta_collect_ctx *c, const char *section, int negerr,
				  const char *needs)
{
	char buf[CTA_STRERROR_MAX];

	if (negerr != -EPERM && negerr != -EACCES)
		return cta_collect_unavailable_errno(c, section, negerr);
	return cta_collect_unavailable(c, section, "%s (needs %s)", cta_strerror(negerr, buf),
				       needs);
}

int cta_collect_unavailable_path(struct cta_collect_ctx *c, const char *section, const char *path,
				 int negerr)
{
	char buf[CTA_STRERROR_MAX];

	return cta_collect_unavailable(c, section, "cannot read '%s': %s", path,
				       cta_strerror(negerr, buf));
}

char *cta_collect_proc_path(const struct cta_collect_ctx *c, const char *rel)
{
	char *r;

	if (asprintf(&r, "%s/%s", c->opts->procfs ? c->opts->procfs : "/proc", rel) < 0)
		return NULL;
	return r;
}

char *cta_collect_sys_path(const struct cta_collect_ctx *c, const char *rel)
{
	char *r;

	if (asprintf(&r, "%s/%s", c->opts->sysfs ? c->opts->sysfs : "/sys", rel) < 0)
		return NULL;
	return r;
}

static int set_collected_at(json_t *facts)
{
	char buf[32];
	time_t now = time(NULL);
	struct tm tm;

	if (!gmtime_r(&now, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -EINVAL;
	return json_object_set_new(facts, "collected_at", json_string(buf)) < 0 ? -ENOMEM : 0;
}

/*
 * An image tree boots with the values of its sysctl.d hierarchy: offline,
 * they are the best knowledge of what the kernel will run with, so the rules
 * judge them.  Keys the image does not set stay absent (unknown), and the
 * "unavailable" record says where the values came from.
 */
static int sysctl_from_persisted(struct cta_collect_ctx *c)
{
	json_t *persisted = json_object_get(c->facts, "persisted"), *v, *sysctl;
	const char *key;

	if (!json_is_object(persisted) || json_object_size(persisted) == 0)
		return 0;
	sysctl = json_object();
	if (!sysctl || json_object_set_new(c->facts, "sysctl", sysctl) < 0)
		return -ENOMEM;
	json_object_foreach(persisted, key, v) {
		json_t *value = json_object_get(v, "value");

		/* glob assignments ("net.ipv4.conf.*.rp_filter") name no single key */
		if (!json_is_string(value) || strpbrk(key, "*?["))
			continue;
		if (json_object_set(sysctl, key, value) < 0)
			return -ENOMEM;
	}
	return 0;
}

int cta_collect_all(const struct cta_collect_opts *opts, json_t **ret_facts)
{
	/* Order matters: helpers need firewall's helpers.assigned. */
	static int (*const collectors[])(struct cta_collect_ctx *) = {
		cta_collect_host,      cta_collect_sysctl,  cta_collect_persisted,
		cta_collect_conntrack, cta_collect_sockets, cta_collect_netstat,
		cta_collect_firewall,  cta_collect_helpers,
	};
	_cleanup_json_ json_t *facts = json_object();
	struct cta_collect_ctx c = { .opts = opts, .facts = facts };
	struct cta_counters_state counters = {};
	int r;

	if (!facts)
		return -ENOMEM;
	if (json_object_set_new(facts, "schema_version", json_integer(CTA_FACTS_SCHEMA_VERSION)) <
	    0)
		return -ENOMEM;
	/* before collected_at: --interval waits here */
	r = cta_counters_begin(&c, &counters);
	/* --deep without --interval: a sample of its own, one second
	 * (with --interval it was taken during the interval's wait) */
	if (r >= 0 && opts->deep && !opts->interval)
		r = cta_collect_new_flows(&c, CTA_NEW_FLOWS_SAMPLE_MS, &c.new_flows);
	if (r >= 0)
		r = set_collected_at(facts);
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(collectors); i++)
		if (!opts->netns_only || collectors[i] != cta_collect_persisted)
			r = collectors[i](&c);
	if (r >= 0)
		r = cta_counters_finish(&c, &counters);
	if (r >= 0 && c.new_flows) {
		json_t *ct = cta_json_object_child(facts, "conntrack");

		r = ct && json_object_set_new(ct, "new_flows", TAKE_PTR(c.new_flows)) == 0 ?
			    0 :
			    -ENOMEM;
	}
	json_decref(c.new_flows);
	cta_counters_done(&counters);
	if (r < 0)
		return r;
	if (opts->offline) {
		r = sysctl_from_persisted(&c);
		if (r < 0)
			return r;
	}
	*ret_facts = TAKE_PTR(facts);
	return 0;
}

static int netns_enter_path(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return cta_negerrno();
	if (setns(fd, CLONE_NEWNET) < 0)
		return cta_negerrno();
	return 0;
}

int cta_netns_enter_name(const char *name)
{
	_cleanup_free_ char *path = NULL;

	if (!*name || strchr(name, '/'))
		return -EINVAL;
	if (asprintf(&path, "/run/netns/%s", name) < 0)
		return -ENOMEM;
	return netns_enter_path(path);
}

int cta_netns_enter_pid(int pid)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (pid <= 0)
		return -EINVAL;
	if (asprintf(&path, "/proc/%d/ns/net", pid) < 0)
		return -ENOMEM;
	r = netns_enter_path(path);
	return r == -ENOENT ? -ESRCH : r;
}

int cta_facts_load(const char *path, json_t **ret_facts, char **ret_err)
{
	_cleanup_json_ json_t *facts = NULL;
	_cleanup_free_ char *ptr = NULL, *msg = NULL;
	json_t *v;
	int r;

	r = cta_json_load_file(path, &facts, ret_err);
	if (r == -ENOENT && ret_err) {
		free(*ret_err);
		*ret_err = NULL;
		return -ENOENT;
	}
	if (r < 0)
		return r;

#define FAIL(...)                                                  \
	do {                                                       \
		if (ret_err && asprintf(ret_err, __VA_ARGS__) < 0) \
			*ret_err = NULL;                           \
		return -EINVAL;                                    \
	} while (0)

	if (!json_is_object(facts))
		FAIL("%s:1:1: a facts snapshot must be a JSON object", path);
	v = json_object_get(facts, "schema_version");
	if (!v)
		FAIL("%s:1:1: missing 'schema_version'", path);
	if (!json_is_integer(v) || json_integer_value(v) != CTA_FACTS_SCHEMA_VERSION)
		FAIL("%s:1:1: unsupported 'schema_version' (this ctaudit reads %d)", path,
		     CTA_FACTS_SCHEMA_VERSION);
	r = cta_facts_validate(facts, &ptr, &msg);
	if (r == -EINVAL)
		FAIL("%s: %s: %s", path, ptr, msg);
	if (r < 0)
		return r;
#undef FAIL
	*ret_facts = TAKE_PTR(facts);
	return 0;
}
