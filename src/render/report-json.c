// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit report's JSON form (docs/audit-json.md), both ways: written for
 * `audit --format json`, read back for `plan --report` and `apply --report`.
 * A saved report may come from anywhere, so reading checks every type and
 * names the offending value by its JSON pointer (RFC 6901); unknown keys are
 * ignored because later versions only add keys.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy/policy.h"
#include "render/report.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

/* ---- writing --------------------------------------------------------------- */

static int set_str(json_t *o, const char *key, const char *s)
{
	if (!s)
		return 0;
	return json_object_set_new(o, key, json_string(s)) < 0 ? -ENOMEM : 0;
}

static json_t *strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *cta_report_remediation_to_json(const struct cta_remediation *m)
{
	_cleanup_json_ json_t *o = json_object();

	if (!o)
		return NULL;
	if (m->n_sysctl) {
		json_t *s = json_object();

		if (!s || json_object_set_new(o, "sysctl", s) < 0)
			return NULL;
		for (size_t i = 0; i < m->n_sysctl; i++)
			if (json_object_set_new(s, m->sysctl[i].key,
						json_string(m->sysctl[i].value)) < 0)
				return NULL;
	}
	if (m->n_remove_persisted &&
	    json_object_set_new(o, "remove_persisted",
				strv_json(m->remove_persisted, m->n_remove_persisted)) < 0)
		return NULL;
	if (m->n_notrack) {
		json_t *a = json_array();

		if (!a || json_object_set_new(o, "notrack", a) < 0)
			return NULL;
		for (size_t i = 0; i < m->n_notrack; i++)
			if (json_array_append_new(a, json_pack("{s:s, s:s}", "proto",
							       m->notrack[i].proto, "port",
							       m->notrack[i].port)) < 0)
				return NULL;
	}
	if (set_str(o, "advice", m->advice) < 0)
		return NULL;
	if (m->n_unresolved &&
	    json_object_set_new(o, "unresolved", strv_json(m->unresolved, m->n_unresolved)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

static json_t *result_json(const struct cta_result *x)
{
	_cleanup_json_ json_t *o = json_object();

	if (!o || set_str(o, "rule", x->rule) < 0 || set_str(o, "title", x->title) < 0 ||
	    set_str(o, "status", cta_result_status_to_string(x->status)) < 0 ||
	    set_str(o, "severity", cta_severity_to_string(x->severity)) < 0 ||
	    set_str(o, "subject", x->subject) < 0 || set_str(o, "observed", x->observed) < 0 ||
	    set_str(o, "expected", x->expected) < 0 || set_str(o, "message", x->message) < 0 ||
	    set_str(o, "explanation", x->explanation) < 0 ||
	    json_object_set_new(o, "references", strv_json(x->references, x->n_references)) < 0 ||
	    set_str(o, "reason", x->reason) < 0)
		return NULL;
	if (x->remediation &&
	    json_object_set_new(o, "remediation", cta_report_remediation_to_json(x->remediation)) <
		    0)
		return NULL;
	return TAKE_PTR(o);
}

static const char *const netns_names[] = {
	[CTA_TARGET_NETNS_INIT] = "init",
	[CTA_TARGET_NETNS_OTHER] = "other",
};

json_t *cta_report_target_to_json(const struct cta_report_target *t)
{
	_cleanup_json_ json_t *o = json_pack("{s:b}", "offline", t->offline);

	if (!o || set_str(o, "hostname", t->hostname) < 0 || set_str(o, "root", t->root) < 0)
		return NULL;
	if (t->netns != CTA_TARGET_NETNS_UNKNOWN && set_str(o, "netns", netns_names[t->netns]) < 0)
		return NULL;
	if (t->netns_inode &&
	    json_object_set_new(o, "netns_inode", json_integer((json_int_t)t->netns_inode)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

int cta_report_to_json(const struct cta_report *r, json_t **ret)
{
	_cleanup_json_ json_t *o = NULL, *results = json_array(), *names = json_array();

	if (!results || !names)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_profiles; i++)
		if (json_array_append_new(names, json_string(r->profiles[i].name)) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < r->n_results; i++)
		if (json_array_append_new(results, result_json(&r->results[i])) < 0)
			return -ENOMEM;
	o = json_pack("{s:i, s:s, s:O, s:s, s:O, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i}, s:O, s:o}",
		      "schema_version", 1, "profile", r->profile ? r->profile : "", "profiles",
		      names, "profile_reason", r->profile_reason ? r->profile_reason : "", "host",
		      r->host, "summary", "critical", r->failing[CTA_SEVERITY_CRITICAL], "high",
		      r->failing[CTA_SEVERITY_HIGH], "medium", r->failing[CTA_SEVERITY_MEDIUM],
		      "low", r->failing[CTA_SEVERITY_LOW], "info", r->failing[CTA_SEVERITY_INFO],
		      "pass", r->passed, "skip", r->skipped, "results", results, "target",
		      cta_report_target_to_json(&r->target));
	if (!o || set_str(o, "ctaudit_version", r->ctaudit_version) < 0 ||
	    set_str(o, "generated_at", r->generated_at) < 0 ||
	    set_str(o, "catalog_digest", r->catalog_digest) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

char *cta_report_render_json(const struct cta_report *r)
{
	_cleanup_json_ json_t *j = NULL;

	if (cta_report_to_json(r, &j) < 0)
		return NULL;
	return cta_json_dumps(j);
}

/* ---- reading --------------------------------------------------------------- */

/*
 * The reader's state: the JSON pointer of the value being looked at (grown
 * and cut back as it descends) and the first error.
 */
struct rd {
	char *ptr;
	size_t len, cap;
	char *error;
	int oom;
};

static int rd_push(struct rd *d, const char *key, size_t idx)
{
	_cleanup_free_ char *seg = NULL;
	size_t n;

	if (key) {
		/* RFC 6901: '~' is "~0", '/' is "~1" (sysctl keys may hold '/') */
		size_t kl = strlen(key), k = 0;

		seg = malloc(2 * kl + 1);
		if (!seg)
			return -ENOMEM;
		for (size_t i = 0; i < kl; i++) {
			if (key[i] == '~' || key[i] == '/') {
				seg[k++] = '~';
				seg[k++] = key[i] == '~' ? '0' : '1';
			} else
				seg[k++] = key[i];
		}
		seg[k] = 0;
	} else if (asprintf(&seg, "%zu", idx) < 0)
		return -ENOMEM;
	n = d->len + 1 + strlen(seg) + 1;
	if (n > d->cap) {
		char *np = realloc(d->ptr, n * 2);

		if (!np)
			return -ENOMEM;
		d->ptr = np;
		d->cap = n * 2;
	}
	d->ptr[d->len] = '/';
	memcpy(d->ptr + d->len + 1, seg, strlen(seg) + 1);
	d->len = n - 1;
	return 0;
}

static void rd_pop(struct rd *d, size_t len)
{
	d->len = len;
	if (d->ptr)
		d->ptr[len] = 0;
}

static int rd_fail(struct rd *d, const char *fmt, ...) _printf_(2, 3);
static int rd_fail(struct rd *d, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int k;

	if (d->error)
		return -EINVAL;
	va_start(ap, fmt);
	k = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (k < 0 || asprintf(&d->error, "%s: %s", d->len ? d->ptr : "/", msg) < 0) {
		d->error = NULL;
		return -ENOMEM;
	}
	return -EINVAL;
}

/*
 * Member @key of @o as type @type (JSON_STRING, ...), with the pointer
 * extended to it on success (the caller cuts it back).  Returns 1 and the
 * value, 0 when absent and optional, or -EINVAL / -ENOMEM.
 */
static int rd_get(struct rd *d, const json_t *o, const char *key, json_type type, bool required,
		  json_t **ret)
{
	json_t *v = json_object_get(o, key);
	static const char *const want[] = {
		[JSON_OBJECT] = "an object",   [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string",    [JSON_INTEGER] = "an integer",
		[JSON_TRUE] = "true or false",
	};
	int k;

	if (!v) {
		if (!required)
			return 0;
		return rd_fail(d, "missing '%s'", key);
	}
	k = rd_push(d, key, 0);
	if (k < 0)
		return k;
	if (json_typeof(v) != type && !(type == JSON_TRUE && json_is_boolean(v)))
		return rd_fail(d, "is %s, not %s", cta_json_type_name(v), want[type]);
	*ret = v;
	return 1;
}

/* A string member into *@dst (a new copy). 1, 0 (absent, optional), or negative errno. */
static int rd_str(struct rd *d, const json_t *o, const char *key, bool required, char **dst)
{
	size_t len = d->len;
	json_t *v;
	int k = rd_get(d, o, key, JSON_STRING, required, &v);

	if (k <= 0)
		return k;
	rd_pop(d, len);
	*dst = strdup(json_string_value(v));
	return *dst ? 1 : -ENOMEM;
}

/* A list of strings. */
static int rd_strv(struct rd *d, const json_t *o, const char *key, bool required, char ***ret,
		   size_t *ret_n)
{
	size_t len = d->len, i;
	json_t *a, *x;
	int k = rd_get(d, o, key, JSON_ARRAY, required, &a);

	if (k <= 0)
		return k;
	*ret = calloc(json_array_size(a) + 1, sizeof(**ret));
	if (!*ret)
		return -ENOMEM;
	json_array_foreach(a, i, x) {
		size_t l2 = d->len;

		k = rd_push(d, NULL, i);
		if (k < 0)
			return k;
		if (!json_is_string(x))
			return rd_fail(d, "is %s, not a string", cta_json_type_name(x));
		rd_pop(d, l2);
		(*ret)[i] = strdup(json_string_value(x));
		if (!(*ret)[i])
			return -ENOMEM;
		*ret_n = i + 1;
	}
	rd_pop(d, len);
	return 1;
}

static int rd_remediation(struct rd *d, const json_t *o, struct cta_remediation *m)
{
	size_t len = d->len, i;
	json_t *v, *x;
	const char *key;
	int k;

	k = rd_get(d, o, "sysctl", JSON_OBJECT, false, &v);
	if (k < 0)
		return k;
	if (k > 0) {
		m->sysctl = calloc(json_object_size(v) + 1, sizeof(*m->sysctl));
		if (!m->sysctl)
			return -ENOMEM;
		json_object_foreach(v, key, x) {
			struct cta_remediation_sysctl *s = &m->sysctl[m->n_sysctl];
			size_t l2 = d->len;

			k = rd_push(d, key, 0);
			if (k < 0)
				return k;
			if (!*key)
				return rd_fail(d, "empty sysctl key");
			if (!json_is_string(x))
				return rd_fail(d, "is %s, not a string", cta_json_type_name(x));
			rd_pop(d, l2);
			s->key = strdup(key);
			s->value = strdup(json_string_value(x));
			m->n_sysctl++;
			if (!s->key || !s->value)
				return -ENOMEM;
		}
		rd_pop(d, len);
	}
	k = rd_strv(d, o, "remove_persisted", false, &m->remove_persisted, &m->n_remove_persisted);
	if (k < 0)
		return k;
	k = rd_get(d, o, "notrack", JSON_ARRAY, false, &v);
	if (k < 0)
		return k;
	if (k > 0) {
		m->notrack = calloc(json_array_size(v) + 1, sizeof(*m->notrack));
		if (!m->notrack)
			return -ENOMEM;
		json_array_foreach(v, i, x) {
			struct cta_remediation_notrack *n = &m->notrack[i];
			size_t l2 = d->len;

			k = rd_push(d, NULL, i);
			if (k < 0)
				return k;
			if (!json_is_object(x))
				return rd_fail(d, "is %s, not an object", cta_json_type_name(x));
			m->n_notrack = i + 1;
			k = rd_str(d, x, "proto", true, &n->proto);
			if (k >= 0)
				k = rd_str(d, x, "port", true, &n->port);
			if (k < 0)
				return k;
			rd_pop(d, l2);
		}
		rd_pop(d, len);
	}
	k = rd_str(d, o, "advice", false, &m->advice);
	if (k >= 0)
		k = rd_strv(d, o, "unresolved", false, &m->unresolved, &m->n_unresolved);
	return k < 0 ? k : 0;
}

static int rd_result(struct rd *d, const json_t *o, struct cta_result *x)
{
	size_t len = d->len;
	_cleanup_free_ char *status = NULL, *severity = NULL;
	json_t *v;
	int k, s;

	if (!json_is_object(o))
		return rd_fail(d, "is %s, not an object", cta_json_type_name(o));
	if ((k = rd_str(d, o, "rule", true, &x->rule)) < 0 ||
	    (k = rd_str(d, o, "title", true, &x->title)) < 0 ||
	    (k = rd_str(d, o, "status", true, &status)) < 0 ||
	    (k = rd_str(d, o, "severity", true, &severity)) < 0 ||
	    (k = rd_str(d, o, "subject", true, &x->subject)) < 0 ||
	    (k = rd_str(d, o, "observed", false, &x->observed)) < 0 ||
	    (k = rd_str(d, o, "expected", false, &x->expected)) < 0 ||
	    (k = rd_str(d, o, "message", true, &x->message)) < 0 ||
	    (k = rd_str(d, o, "explanation", true, &x->explanation)) < 0 ||
	    (k = rd_strv(d, o, "references", true, &x->references, &x->n_references)) < 0)
		return k;
	s = cta_result_status_from_string(status);
	if (s < 0) {
		rd_push(d, "status", 0);
		return rd_fail(d, "unknown status '%s' (fail, pass or skip)", status);
	}
	x->status = (enum cta_result_status)s;
	s = cta_severity_from_string(severity);
	if (s < 0) {
		rd_push(d, "severity", 0);
		return rd_fail(d, "unknown severity '%s' (critical, high, medium, low or info)",
			       severity);
	}
	x->severity = (enum cta_severity)s;

	/* the documented shape: a fix exactly for a failure, a reason exactly for a skip */
	k = rd_get(d, o, "remediation", JSON_OBJECT, x->status == CTA_RESULT_FAIL, &v);
	if (k < 0)
		return k;
	if (k > 0) {
		if (x->status != CTA_RESULT_FAIL)
			return rd_fail(d, "only a failing result has a remediation, not a '%s' one",
				       status);
		x->remediation = calloc(1, sizeof(*x->remediation));
		if (!x->remediation)
			return -ENOMEM;
		k = rd_remediation(d, v, x->remediation);
		if (k < 0)
			return k;
		rd_pop(d, len);
	}
	k = rd_str(d, o, "reason", x->status == CTA_RESULT_SKIP, &x->reason);
	if (k < 0)
		return k;
	if (k > 0 && x->status != CTA_RESULT_SKIP) {
		rd_push(d, "reason", 0);
		return rd_fail(d, "only a skipped result has a reason, not a '%s' one", status);
	}
	return 0;
}

static int rd_target(struct rd *d, const json_t *o, struct cta_report_target *t)
{
	size_t len = d->len;
	_cleanup_free_ char *netns = NULL;
	json_t *v;
	int k;

	if ((k = rd_str(d, o, "hostname", false, &t->hostname)) < 0 ||
	    (k = rd_str(d, o, "root", false, &t->root)) < 0 ||
	    (k = rd_str(d, o, "netns", false, &netns)) < 0)
		return k;
	if (netns) {
		if (streq(netns, "init"))
			t->netns = CTA_TARGET_NETNS_INIT;
		else if (streq(netns, "other"))
			t->netns = CTA_TARGET_NETNS_OTHER;
		else {
			rd_push(d, "netns", 0);
			return rd_fail(d, "unknown namespace '%s' (init or other)", netns);
		}
	}
	k = rd_get(d, o, "netns_inode", JSON_INTEGER, false, &v);
	if (k < 0)
		return k;
	if (k > 0) {
		if (json_integer_value(v) <= 0)
			return rd_fail(d, "not a namespace inode: %" JSON_INTEGER_FORMAT,
				       json_integer_value(v));
		t->netns_inode = (uint64_t)json_integer_value(v);
		rd_pop(d, len);
	}
	k = rd_get(d, o, "offline", JSON_TRUE, true, &v);
	if (k < 0)
		return k;
	t->offline = json_is_true(v);
	rd_pop(d, len);
	return 0;
}

static int rd_report(struct rd *d, const json_t *j, struct cta_report *r)
{
	static const char *const sums[] = { "critical", "high", "medium", "low",
					    "info",	"pass", "skip" };
	unsigned counts[ELEMENTSOF(sums)] = { 0 };
	size_t i;
	json_t *v, *x;
	int k;

	if (!json_is_object(j))
		return rd_fail(d, "is %s, not an audit report object", cta_json_type_name(j));
	k = rd_get(d, j, "schema_version", JSON_INTEGER, true, &v);
	if (k < 0)
		return k;
	if (json_integer_value(v) != 1)
		return rd_fail(d,
			       "unsupported schema_version %" JSON_INTEGER_FORMAT
			       " (this ctaudit reads 1)",
			       json_integer_value(v));
	rd_pop(d, 0);
	if ((k = rd_str(d, j, "profile", true, &r->profile)) < 0 ||
	    (k = rd_str(d, j, "profile_reason", true, &r->profile_reason)) < 0 ||
	    (k = rd_str(d, j, "ctaudit_version", false, &r->ctaudit_version)) < 0 ||
	    (k = rd_str(d, j, "generated_at", false, &r->generated_at)) < 0 ||
	    (k = rd_str(d, j, "catalog_digest", false, &r->catalog_digest)) < 0)
		return k;

	k = rd_get(d, j, "profiles", JSON_ARRAY, true, &v);
	if (k < 0)
		return k;
	r->profiles = calloc(json_array_size(v) + 1, sizeof(*r->profiles));
	if (!r->profiles)
		return -ENOMEM;
	json_array_foreach(v, i, x) {
		k = rd_push(d, NULL, i);
		if (k < 0)
			return k;
		if (!json_is_string(x))
			return rd_fail(d, "is %s, not a string", cta_json_type_name(x));
		rd_pop(d, strlen("/profiles"));
		r->profiles[i].name = strdup(json_string_value(x));
		if (!r->profiles[i].name)
			return -ENOMEM;
		r->n_profiles = i + 1;
	}
	rd_pop(d, 0);

	k = rd_get(d, j, "host", JSON_OBJECT, true, &v);
	if (k < 0)
		return k;
	json_decref(r->host);
	r->host = json_deep_copy(v);
	if (!r->host)
		return -ENOMEM;
	rd_pop(d, 0);

	k = rd_get(d, j, "target", JSON_OBJECT, false, &v);
	if (k < 0)
		return k;
	if (k > 0) {
		k = rd_target(d, v, &r->target);
		if (k < 0)
			return k;
		rd_pop(d, 0);
	}

	k = rd_get(d, j, "results", JSON_ARRAY, true, &v);
	if (k < 0)
		return k;
	r->results = calloc(json_array_size(v) + 1, sizeof(*r->results));
	if (!r->results)
		return -ENOMEM;
	json_array_foreach(v, i, x) {
		struct cta_result *res = &r->results[i];

		k = rd_push(d, NULL, i);
		if (k < 0)
			return k;
		r->n_results = i + 1;
		k = rd_result(d, x, res);
		if (k < 0)
			return k;
		rd_pop(d, strlen("/results"));
		if (res->status == CTA_RESULT_FAIL)
			counts[res->severity]++;
		else
			counts[res->status == CTA_RESULT_PASS ? 5 : 6]++;
	}
	rd_pop(d, 0);

	/* the summary is derived: a report whose counts disagree was edited or cut */
	k = rd_get(d, j, "summary", JSON_OBJECT, true, &v);
	if (k < 0)
		return k;
	for (i = 0; i < ELEMENTSOF(sums); i++) {
		json_t *n;

		k = rd_get(d, v, sums[i], JSON_INTEGER, true, &n);
		if (k < 0)
			return k;
		if (json_integer_value(n) != (json_int_t)counts[i])
			return rd_fail(d, "says %" JSON_INTEGER_FORMAT ", the results have %u",
				       json_integer_value(n), counts[i]);
		rd_pop(d, strlen("/summary"));
	}
	for (i = 0; i < _CTA_SEVERITY_MAX; i++)
		r->failing[i] = counts[i];
	r->passed = counts[5];
	r->skipped = counts[6];
	return 0;
}

int cta_report_from_json(const json_t *j, struct cta_report **ret, char **ret_error)
{
	_cleanup_report_ struct cta_report *r = cta_report_new();
	struct rd d = { 0 };
	int k;

	if (!r)
		return -ENOMEM;
	k = rd_report(&d, j, r);
	free(d.ptr);
	if (k < 0) {
		if (k == -EINVAL && ret_error)
			*ret_error = TAKE_PTR(d.error);
		free(d.error);
		return k;
	}
	*ret = TAKE_PTR(r);
	return 0;
}

int cta_report_load_file(const char *path, struct cta_report **ret, char **ret_error)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *err = NULL;
	int k;

	k = cta_json_load_file(path, &j, &err);
	if (k < 0) {
		if (err && ret_error)
			*ret_error = TAKE_PTR(err);
		return k;
	}
	k = cta_report_from_json(j, ret, &err);
	if (k == -EINVAL && ret_error && asprintf(ret_error, "%s: %s", path, err) < 0)
		*ret_error = NULL;
	return k;
}
