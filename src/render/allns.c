// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plan/plan.h"
#include "render/allns.h"
#include "render/facts-text.h"
#include "render/plan-render.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

/* at most this many namespace labels are listed under a shared finding */
#define FOLD_LIST_MAX 12

static const char *status_name(enum cta_netns_status s)
{
	switch (s) {
	case CTA_NETNS_OK:
		return "ok";
	case CTA_NETNS_GONE:
		return "gone";
	default:
		return "failed";
	}
}

json_t *cta_allns_netns_to_json(const struct cta_netns *ns)
{
	_cleanup_json_ json_t *o = json_object(), *holders = json_array();

	if (!o || !holders)
		return NULL;
	if ((ns->holders & CTA_NETNS_HELD_PROCESS &&
	     json_array_append_new(holders, json_string("process")) < 0) ||
	    (ns->holders & CTA_NETNS_HELD_NAME &&
	     json_array_append_new(holders, json_string("name")) < 0) ||
	    (ns->holders & CTA_NETNS_HELD_MOUNT &&
	     json_array_append_new(holders, json_string("mount")) < 0))
		return NULL;
	if (json_object_set_new(o, "label", json_string(ns->label)) < 0 ||
	    json_object_set_new(o, "inode", json_integer((json_int_t)ns->inode)) < 0 ||
	    json_object_set_new(o, "initial", json_boolean(ns->initial)) < 0 ||
	    json_object_set_new(o, "processes", json_integer(ns->n_processes)) < 0 ||
	    json_object_set(o, "held_by", holders) < 0)
		return NULL;
#define OPT_STR(k, v)                                                     \
	do {                                                              \
		if ((v) && json_object_set_new(o, k, json_string(v)) < 0) \
			return NULL;                                      \
	} while (0)
	OPT_STR("name", ns->name);
	OPT_STR("mount", ns->mount);
	OPT_STR("comm", ns->comm);
	OPT_STR("pod_uid", ns->pod_uid);
	OPT_STR("container_id", ns->container_id);
	OPT_STR("runtime", ns->runtime);
#undef OPT_STR
	if (ns->pid && json_object_set_new(o, "pid", json_integer(ns->pid)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

int cta_allns_worst(const struct cta_report *r)
{
	if (!r)
		return -1;
	for (int s = 0; s < _CTA_SEVERITY_MAX; s++)
		if (r->failing[s] > 0)
			return s;
	return -1;
}

static void failing_counts(FILE *f, const struct cta_report *r)
{
	bool any = false;

	for (int s = 0; s < _CTA_SEVERITY_MAX; s++) {
		if (!r->failing[s])
			continue;
		fprintf(f, "%s%u %s", any ? ", " : "", r->failing[s], cta_severity_to_string(s));
		any = true;
	}
	if (!any)
		fputs("none", f);
}

static char *failing_string(const struct cta_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	failing_counts(f, r);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- folding identical findings ----------------------------------------- */

struct fold {
	const struct cta_result *res; /* the first one seen */
	size_t *items; /* indexes into a->v */
	size_t n;
};

struct folds {
	struct fold *v;
	size_t n;
};

static bool same_finding(const struct cta_result *a, const struct cta_result *b)
{
	return streq(a->rule, b->rule) && a->severity == b->severity &&
	       streq(a->message ? a->message : "", b->message ? b->message : "");
}

static int fold_cmp(const void *pa, const void *pb)
{
	const struct fold *a = pa, *b = pb;

	if (a->res->severity != b->res->severity)
		return a->res->severity < b->res->severity ? -1 : 1;
	return strcmp(a->res->rule, b->res->rule);
}

static void folds_done(struct folds *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->v[i].items);
	free(fs->v);
}

static int folds_build(const struct cta_allns *a, struct folds *ret)
{
	struct folds fs = {};

	for (size_t i = 0; i < a->n; i++) {
		const struct cta_report *r = a->v[i].report;

		if (!r)
			continue;
		for (size_t k = 0; k < r->n_results; k++) {
			const struct cta_result *res = &r->results[k];
			struct fold *fo = NULL;
			size_t *items;

			if (res->status != CTA_RESULT_FAIL)
				continue;
			for (size_t j = 0; j < fs.n && !fo; j++)
				if (same_finding(fs.v[j].res, res))
					fo = &fs.v[j];
			if (!fo) {
				struct fold *v = reallocarray(fs.v, fs.n + 1, sizeof(*v));

				if (!v)
					goto oom;
				fs.v = v;
				fo = &fs.v[fs.n++];
				*fo = (struct fold){ .res = res };
			}
			items = reallocarray(fo->items, fo->n + 1, sizeof(*items));
			if (!items)
				goto oom;
			fo->items = items;
			fo->items[fo->n++] = i;
		}
	}
	if (fs.n)
		qsort(fs.v, fs.n, sizeof(*fs.v), fold_cmp);
	*ret = fs;
	return 0;
oom:
	folds_done(&fs);
	return -ENOMEM;
}

/* ---- audit text ---------------------------------------------------------- */

static const char *sev_color(int s, bool color)
{
	if (!color)
		return "";
	return s <= CTA_SEVERITY_HIGH ? "\033[1;31m" : s == CTA_SEVERITY_MEDIUM ? "\033[33m" : "";
}

static void upper(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s, f);
}

/* How to look at one namespace alone, when a command line can name it. */
static void single_hint(FILE *f, const struct cta_netns *ns)
{
	if (ns->initial && ns->self)
		fputs("ctaudit audit", f);
	else if (ns->name && ns->mount_pid == 0)
		fprintf(f, "ctaudit audit --netns %s", ns->name);
	else if (ns->pid)
		fprintf(f, "ctaudit audit --netns-pid %d", ns->pid);
	else
		fputs("-", f);
}

char *cta_allns_audit_text(const struct cta_allns *a, const struct cta_report_opts *opts)
{
	_cleanup_free_ char *buf = NULL;
	struct folds fs = {};
	size_t len = 0, lw = 9, pw = 4, audited = 0, gone = 0, failed = 0;
	const char *reset = opts->color ? "\033[0m" : "";
	FILE *f;

	if (folds_build(a, &fs) < 0)
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f) {
		folds_done(&fs);
		return NULL;
	}
	for (size_t i = 0; i < a->n; i++) {
		lw = MAX(lw, MIN(strlen(a->v[i].ns->label), 60));
		if (a->v[i].report)
			pw = MAX(pw, MIN(strlen(a->v[i].report->profile), 30));
		audited += a->v[i].status == CTA_NETNS_OK;
		gone += a->v[i].status == CTA_NETNS_GONE;
		failed += a->v[i].status == CTA_NETNS_FAILED;
	}
	fprintf(f, "ctaudit: %zu network namespace%s: %zu audited", a->n, a->n == 1 ? "" : "s",
		audited);
	if (gone)
		fprintf(f, ", %zu gone", gone);
	if (failed)
		fprintf(f, ", %zu could not be read", failed);
	fputs("\n\n", f);
	fprintf(f, "%-*s  %-*s  %-8s  %-24s  %s\n", (int)lw, "NAMESPACE", (int)pw, "ROLE", "WORST",
		"FAILING", "WHY THIS ROLE");
	for (size_t i = 0; i < a->n; i++) {
		const struct cta_allns_item *it = &a->v[i];

		fprintf(f, "%-*.*s  ", (int)lw, 60, it->ns->label);
		if (it->status != CTA_NETNS_OK) {
			fprintf(f, "%-*s  %-8s  %s\n", (int)pw, "-", status_name(it->status),
				it->reason ? it->reason : "");
			continue;
		}
		if (!it->report) {
			fprintf(f, "%-*s  -\n", (int)pw, "-");
			continue;
		}
		{
			int w = cta_allns_worst(it->report);
			_cleanup_free_ char *fc = failing_string(it->report);

			fprintf(f, "%-*s  %s%-8s%s  %-24s  %s\n", (int)pw, it->report->profile,
				sev_color(w, opts->color), w < 0 ? "-" : cta_severity_to_string(w),
				reset, fc ? fc : "?",
				it->report->profile_reason ? it->report->profile_reason : "named");
		}
	}

	/* findings shared by several namespaces, once */
	bool header = false;

	for (size_t j = 0; j < fs.n; j++) {
		const struct fold *fo = &fs.v[j];

		if (fo->n < 2)
			continue;
		if (!header) {
			fputs("\nFindings in several namespaces\n", f);
			header = true;
		}
		fprintf(f, "\n  %s", sev_color(fo->res->severity, opts->color));
		upper(f, cta_severity_to_string(fo->res->severity));
		fprintf(f, "%s  %s: %s\n", reset, fo->res->rule,
			fo->res->title ? fo->res->title : "");
		if (fo->res->message)
			fprintf(f, "    %s\n", fo->res->message);
		fprintf(f, "    in %zu namespaces: ", fo->n);
		for (size_t k = 0; k < fo->n && k < FOLD_LIST_MAX; k++)
			fprintf(f, "%s%s", k ? ", " : "", a->v[fo->items[k]].ns->label);
		if (fo->n > FOLD_LIST_MAX)
			fprintf(f, " and %zu more", fo->n - FOLD_LIST_MAX);
		fputc('\n', f);
	}

	/* the rest, by namespace */
	for (size_t i = 0; i < a->n; i++) {
		const struct cta_allns_item *it = &a->v[i];
		const struct cta_report *r = it->report;
		bool shown = false;

		if (!r || cta_allns_worst(r) < 0)
			continue;
		for (size_t k = 0; k < r->n_results; k++) {
			const struct cta_result *res = &r->results[k];
			const struct fold *fo = NULL;

			if (res->status != CTA_RESULT_FAIL)
				continue;
			for (size_t j = 0; j < fs.n && !fo; j++)
				if (same_finding(fs.v[j].res, res))
					fo = &fs.v[j];
			if (!shown) {
				fprintf(f, "\nNamespace %s (net:[%" PRIu64 "]", it->ns->label,
					it->ns->inode);
				if (it->ns->pid && !it->ns->initial)
					fprintf(f, ", pid %d %s", it->ns->pid,
						it->ns->comm ? it->ns->comm : "?");
				fprintf(f, "; %s)\n", r->profile);
				fputs("  full report: ", f);
				single_hint(f, it->ns);
				fputc('\n', f);
				shown = true;
			}
			fprintf(f, "  %s", sev_color(res->severity, opts->color));
			upper(f, cta_severity_to_string(res->severity));
			fprintf(f, "%s  %s", reset, res->rule);
			if (fo && fo->n > 1)
				fprintf(f, " (shared, see above)\n");
			else
				fprintf(f, ": %s\n", res->message ? res->message : res->title);
		}
	}
	folds_done(&fs);
	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(buf);
}

static json_t *item_json(const struct cta_allns_item *it)
{
	_cleanup_json_ json_t *o = json_object();
	json_t *ns = cta_allns_netns_to_json(it->ns);

	if (!o || !ns || json_object_set_new(o, "netns", ns) < 0 ||
	    json_object_set_new(o, "status", json_string(status_name(it->status))) < 0)
		return NULL;
	if (it->reason && json_object_set_new(o, "reason", json_string(it->reason)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

/* {"summary": ..., "shared_findings": [...]}: everything but the namespaces */
static int audit_summary_json(const struct cta_allns *a, json_t **ret)
{
	_cleanup_json_ json_t *out = json_object(), *folded = json_array(), *total = json_object();
	unsigned failing[_CTA_SEVERITY_MAX] = {};
	size_t audited = 0, gone = 0, failed = 0, flagged = 0;
	struct folds fs = {};
	int worst = -1;

	if (!out || !folded || !total)
		return -ENOMEM;
	for (size_t i = 0; i < a->n; i++) {
		const struct cta_allns_item *it = &a->v[i];

		audited += it->status == CTA_NETNS_OK;
		gone += it->status == CTA_NETNS_GONE;
		failed += it->status == CTA_NETNS_FAILED;
		if (it->report) {
			int w = cta_allns_worst(it->report);

			for (int s = 0; s < _CTA_SEVERITY_MAX; s++)
				failing[s] += it->report->failing[s];
			if (w >= 0 && (worst < 0 || w < worst))
				worst = w;
			flagged += cta_report_fails_at(it->report, a->fail_on);
		}
	}
	if (folds_build(a, &fs) < 0)
		return -ENOMEM;
	for (size_t j = 0; j < fs.n; j++) {
		json_t *labels = json_array(), *e;

		if (fs.v[j].n < 2) {
			json_decref(labels);
			continue;
		}
		for (size_t k = 0; labels && k < fs.v[j].n; k++)
			if (json_array_append_new(
				    labels, json_string(a->v[fs.v[j].items[k]].ns->label)) < 0) {
				json_decref(labels);
				labels = NULL;
			}
		e = labels ? json_pack("{s:s, s:s, s:s?, s:o}", "rule", fs.v[j].res->rule,
				       "severity", cta_severity_to_string(fs.v[j].res->severity),
				       "message", fs.v[j].res->message, "namespaces", labels) :
			     NULL;
		if (!e || json_array_append_new(folded, e) < 0) {
			folds_done(&fs);
			return -ENOMEM;
		}
	}
	folds_done(&fs);
	for (int s = 0; s < _CTA_SEVERITY_MAX; s++)
		if (json_object_set_new(total, cta_severity_to_string(s),
					json_integer(failing[s])) < 0)
			return -ENOMEM;
	if (json_object_set_new(
		    out, "summary",
		    json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:O, s:s}", "namespaces",
			      (json_int_t)a->n, "audited", (json_int_t)audited, "gone",
			      (json_int_t)gone, "failed", (json_int_t)failed, "flagged",
			      (json_int_t)flagged, "worst",
			      worst < 0 ? json_null() : json_string(cta_severity_to_string(worst)),
			      "failing", total, "fail_on", cta_severity_to_string(a->fail_on))) <
		    0 ||
	    json_object_set(out, "shared_findings", folded) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(out);
	return 0;
}

/* One entry of "namespaces" with its report (audit). */
static json_t *audit_item_json(const struct cta_allns_item *it)
{
	_cleanup_json_ json_t *o = item_json(it);
	json_t *rep = NULL;

	if (!o)
		return NULL;
	if (it->report) {
		int w = cta_allns_worst(it->report);

		if (cta_report_to_json(it->report, &rep) < 0 ||
		    json_object_set_new(o, "report", rep) < 0 ||
		    json_object_set_new(o, "worst",
					w < 0 ? json_null() :
						json_string(cta_severity_to_string(w))) < 0)
			return NULL;
	}
	return TAKE_PTR(o);
}

int cta_allns_audit_json(const struct cta_allns *a, json_t **ret)
{
	_cleanup_json_ json_t *out = NULL, *list = json_array();
	int r;

	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < a->n; i++)
		if (json_array_append_new(list, audit_item_json(&a->v[i])) < 0)
			return -ENOMEM;
	r = audit_summary_json(a, &out);
	if (r < 0)
		return r;
	if (json_object_set(out, "namespaces", list) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(out);
	return 0;
}

char *cta_allns_audit_item_text(const struct cta_allns_item *it)
{
	_cleanup_json_ json_t *o = audit_item_json(it);
	_cleanup_free_ char *s = NULL, *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!o)
		return NULL;
	s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
	if (!s)
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	/* its place in the document: two levels down */
	fputs("    ", f);
	for (const char *p = s; *p; p++) {
		fputc(*p, f);
		if (*p == '\n')
			fputs("    ", f);
	}
	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(buf);
}

int cta_allns_audit_json_write(const struct cta_allns *a, char *const *parts, FILE *f)
{
	_cleanup_json_ json_t *rest = NULL;
	_cleanup_free_ char *s = NULL;
	int r;

	r = audit_summary_json(a, &rest);
	if (r < 0)
		return r;
	s = json_dumps(rest, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
	if (!s || !strneq(s, "{\n", 2))
		return -ENOMEM;
	/* sorted keys: "namespaces" comes before "shared_findings" and "summary" */
	fputs("{\n  \"namespaces\": [", f);
	for (size_t i = 0; i < a->n; i++) {
		_cleanup_free_ char *p = parts[i] ? NULL : cta_allns_audit_item_text(&a->v[i]);

		if (!parts[i] && !p)
			return -ENOMEM;
		fprintf(f, "%s\n%s", i ? "," : "", parts[i] ? parts[i] : p);
	}
	fprintf(f, "%s],\n%s\n", a->n ? "\n  " : "", s + 2);
	return ferror(f) ? -EIO : 0;
}

char *cta_allns_audit_json_text(const struct cta_allns *a, char *const *parts)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return NULL;
	r = cta_allns_audit_json_write(a, parts, f);
	if (fclose(f) != 0 || r < 0)
		return NULL;
	return TAKE_PTR(buf);
}

/* ---- plan ---------------------------------------------------------------- */

/*
 * Kubernetes' "safe" sysctls, which a pod may set without the kubelet's
 * --allowed-unsafe-sysctls: kubernetes.io "Using sysctls in a Kubernetes
 * Cluster" and the Pod Security Standards (baseline, "Sysctls"); the kubelet's
 * list is pkg/kubelet/sysctl/safe_sysctls.go.
 */
bool cta_allns_k8s_safe_sysctl(const char *key)
{
	static const char *const safe[] = {
		"kernel.shm_rmid_forced",
		"net.ipv4.ip_local_port_range",
		"net.ipv4.ip_unprivileged_port_start",
		"net.ipv4.tcp_syncookies",
		"net.ipv4.ping_group_range",
		"net.ipv4.ip_local_reserved_ports",
		"net.ipv4.tcp_keepalive_time",
		"net.ipv4.tcp_fin_timeout",
		"net.ipv4.tcp_keepalive_intvl",
		"net.ipv4.tcp_keepalive_probes",
	};

	for (size_t i = 0; i < ELEMENTSOF(safe); i++)
		if (streq(key, safe[i]))
			return true;
	return false;
}

static bool child_changes(const struct cta_plan *p)
{
	for (size_t i = 0; i < p->n_sysctls; i++)
		if (p->sysctls[i].runtime == CTA_PLAN_RT_SET ||
		    p->sysctls[i].runtime == CTA_PLAN_RT_HOST_ONLY)
			return true;
	return cta_plan_notrack_changes(p);
}

/* @s in single quotes for a shell, a quote in it as '\'' */
static void put_sq(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

/* How a workload in @ns keeps @key=@value across restarts. */
static void persist_hint(FILE *f, const struct cta_netns *ns, const struct cta_plan *p)
{
	bool any = false;

	for (size_t i = 0; i < p->n_sysctls; i++)
		any = any || p->sysctls[i].runtime == CTA_PLAN_RT_SET;
	if (!any)
		return;
	if (ns->pod_uid) {
		bool unsafe = false;

		fprintf(f, "  persist: in the pod's spec (pod %s)\n", ns->pod_uid);
		fputs("    securityContext:\n      sysctls:\n", f);
		for (size_t i = 0; i < p->n_sysctls; i++) {
			const struct cta_plan_sysctl *s = &p->sysctls[i];

			if (s->runtime != CTA_PLAN_RT_SET)
				continue;
			fprintf(f, "      - name: %s\n        value: \"%s\"\n", s->key, s->value);
			unsafe = unsafe || !cta_allns_k8s_safe_sysctl(s->key);
		}
		if (unsafe)
			fputs("    (a key outside Kubernetes' safe set also needs the kubelet's\n"
			      "     --allowed-unsafe-sysctls on the node)\n",
			      f);
	} else if (ns->container_id) {
		const char *tool = ns->runtime && streq(ns->runtime, "podman") ? "podman" :
				   ns->runtime && streq(ns->runtime, "docker") ? "docker" :
										 "nerdctl";

		fprintf(f, "  persist: when the container (%.12s) is created:\n    %s run",
			ns->container_id, tool);
		for (size_t i = 0; i < p->n_sysctls; i++) {
			if (p->sysctls[i].runtime != CTA_PLAN_RT_SET)
				continue;
			fprintf(f, " --sysctl %s=", p->sysctls[i].key);
			put_sq(f, p->sysctls[i].value);
		}
		fputs(" ...\n", f);
	} else if (ns->name) {
		fprintf(f, "  persist: where '%s' is created (after 'ip netns add %s'):\n",
			ns->name, ns->name);
		for (size_t i = 0; i < p->n_sysctls; i++) {
			if (p->sysctls[i].runtime != CTA_PLAN_RT_SET)
				continue;
			fputs("    ip netns exec ", f);
			if (strspn(ns->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					     "0123456789._-") == strlen(ns->name))
				fputs(ns->name, f);
			else
				put_sq(f, ns->name);
			fprintf(f, " sysctl -w %s=", p->sysctls[i].key);
			put_sq(f, p->sysctls[i].value);
			fputc('\n', f);
		}
	} else {
		fprintf(f,
			"  persist: in whatever creates this namespace (%s); the host's sysctl.d files\n"
			"    are applied in the initial namespace only\n",
			ns->comm ? ns->comm : "unknown owner");
	}
}

static void child_plan_text(FILE *f, const struct cta_netns *ns, const struct cta_plan *p)
{
	bool rt = false;

	for (size_t i = 0; i < p->n_sysctls; i++) {
		const struct cta_plan_sysctl *s = &p->sysctls[i];

		if (s->runtime == CTA_PLAN_RT_SET) {
			if (!rt)
				fputs("  runtime (this namespace only):\n", f);
			rt = true;
			fprintf(f, "    %s: %s -> %s  (%s)\n", s->key,
				s->current ? cta_plan_value_text(s->current) : "unknown",
				cta_plan_value_text(s->value), s->rule ? s->rule : "");
		}
	}
	for (size_t i = 0; i < p->n_sysctls; i++) {
		const struct cta_plan_sysctl *s = &p->sysctls[i];

		if (s->runtime == CTA_PLAN_RT_HOST_ONLY)
			fprintf(f, "  host-wide, set in the initial namespace: %s = %s  (%s)\n",
				s->key, cta_plan_value_text(s->value), s->rule ? s->rule : "");
	}
	if (cta_plan_notrack_changes(p)) {
		fputs("  NOTRACK rules in this namespace:", f);
		for (size_t i = 0; i < p->notrack.want.n; i++) {
			const struct cta_notrack_port *np = &p->notrack.want.v[i];

			fprintf(f, " %s/%s", np->proto, np->port);
		}
		fputs("\n    (persist them from the workload's own start-up, e.g. an init container\n"
		      "     with CAP_NET_ADMIN: rules in a namespace die with it)\n",
		      f);
	}
	persist_hint(f, ns, p);
}

char *cta_allns_plan_text(const struct cta_allns *a)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, pending = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < a->n; i++) {
		const struct cta_allns_item *it = &a->v[i];

		if (it->plan &&
		    (it->ns->initial ? cta_plan_has_changes(it->plan) : child_changes(it->plan)))
			pending++;
	}
	fprintf(f, "ctaudit plan: %zu network namespace%s, %zu with changes\n", a->n,
		a->n == 1 ? "" : "s", pending);
	for (size_t i = 0; i < a->n; i++) {
		const struct cta_allns_item *it = &a->v[i];

		fprintf(f, "\n== %s (net:[%" PRIu64 "]%s)", it->ns->label, it->ns->inode,
			it->ns->initial ? ", initial" : "");
		if (it->report)
			fprintf(f, " profile %s", it->report->profile);
		fputc('\n', f);
		if (it->status != CTA_NETNS_OK) {
			fprintf(f, "  %s: %s\n", status_name(it->status),
				it->reason ? it->reason : "");
			continue;
		}
		if (!it->plan)
			continue;
		if (it->ns->initial) {
			_cleanup_free_ char *t = NULL;

			if (cta_render_plan_text(it->plan, &t) < 0) {
				fclose(f);
				return NULL;
			}
			fputs(t, f);
		} else if (!child_changes(it->plan)) {
			fputs("  nothing to change\n", f);
		} else {
			child_plan_text(f, it->ns, it->plan);
		}
	}
	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(buf);
}

static json_t *child_plan_json(const struct cta_netns *ns, const struct cta_plan *p)
{
	_cleanup_json_ json_t *o = json_object(), *rt = json_array(), *host = json_array(),
			      *persist = json_object();

	if (!o || !rt || !host || !persist)
		return NULL;
	for (size_t i = 0; i < p->n_sysctls; i++) {
		const struct cta_plan_sysctl *s = &p->sysctls[i];
		json_t *e;

		if (s->runtime != CTA_PLAN_RT_SET && s->runtime != CTA_PLAN_RT_HOST_ONLY)
			continue;
		e = json_pack("{s:s, s:s, s:s?, s:s?}", "key", s->key, "value", s->value, "current",
			      s->current, "rule", s->rule);
		if (!e || json_array_append_new(s->runtime == CTA_PLAN_RT_SET ? rt : host, e) < 0)
			return NULL;
		if (s->runtime == CTA_PLAN_RT_SET && ns->pod_uid) {
			json_t *k = json_object_get(persist, "pod_security_context_sysctls");

			if (!k) {
				k = json_array();
				if (!k || json_object_set_new(
						  persist, "pod_security_context_sysctls", k) < 0)
					return NULL;
			}
			if (json_array_append_new(k, json_pack("{s:s, s:s, s:b}", "name", s->key,
							       "value", s->value, "kubernetes_safe",
							       cta_allns_k8s_safe_sysctl(s->key))) <
			    0)
				return NULL;
		} else if (s->runtime == CTA_PLAN_RT_SET && ns->container_id) {
			json_t *k = json_object_get(persist, "run_sysctl");
			_cleanup_free_ char *arg = NULL;

			if (!k) {
				k = json_array();
				if (!k || json_object_set_new(persist, "run_sysctl", k) < 0)
					return NULL;
			}
			if (asprintf(&arg, "%s=%s", s->key, s->value) < 0 ||
			    json_array_append_new(k, json_string(arg)) < 0)
				return NULL;
		}
	}
	if (json_object_set(o, "runtime", rt) < 0 || json_object_set(o, "host_wide", host) < 0 ||
	    json_object_set(o, "persist", persist) < 0 ||
	    json_object_set_new(o, "changes", json_boolean(child_changes(p))) < 0)
		return NULL;
	return TAKE_PTR(o);
}

int cta_allns_plan_json(const struct cta_allns *a, json_t **ret)
{
	_cleanup_json_ json_t *out = json_object(), *list = json_array();
	size_t pending = 0;

	if (!out || !list)
		return -ENOMEM;
	for (size_t i = 0; i < a->n; i++) {
		const struct cta_allns_item *it = &a->v[i];
		_cleanup_json_ json_t *o = item_json(it);
		json_t *pj = NULL;

		if (!o)
			return -ENOMEM;
		if (it->plan) {
			bool ch = it->ns->initial ? cta_plan_has_changes(it->plan) :
						    child_changes(it->plan);

			pending += ch;
			if (it->ns->initial) {
				if (cta_render_plan_json(it->plan, &pj) < 0)
					return -ENOMEM;
			} else {
				pj = child_plan_json(it->ns, it->plan);
			}
			if (!pj || json_object_set_new(o, "plan", pj) < 0)
				return -ENOMEM;
		}
		if (json_array_append(list, o) < 0)
			return -ENOMEM;
	}
	if (json_object_set_new(out, "summary",
				json_pack("{s:I, s:I}", "namespaces", (json_int_t)a->n,
					  "with_changes", (json_int_t)pending)) < 0 ||
	    json_object_set(out, "namespaces", list) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(out);
	return 0;
}

/* ---- facts and top ------------------------------------------------------- */

char *cta_allns_facts_text(const struct cta_allns *a)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < a->n; i++) {
		const struct cta_allns_item *it = &a->v[i];

		fprintf(f, "%s== %s (net:[%" PRIu64 "]%s)\n", i ? "\n" : "", it->ns->label,
			it->ns->inode, it->ns->initial ? ", initial" : "");
		if (it->facts) {
			_cleanup_free_ char *t = cta_render_facts_text(it->facts);

			if (!t) {
				fclose(f);
				return NULL;
			}
			fputs(t, f);
		} else
			fprintf(f, "%s: %s\n", status_name(it->status),
				it->reason ? it->reason : "");
	}
	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(buf);
}

int cta_allns_facts_json(const struct cta_allns *a, json_t **ret)
{
	_cleanup_json_ json_t *out = json_object(), *list = json_array();

	if (!out || !list)
		return -ENOMEM;
	for (size_t i = 0; i < a->n; i++) {
		_cleanup_json_ json_t *o = item_json(&a->v[i]);

		if (!o || (a->v[i].facts && json_object_set(o, "facts", a->v[i].facts) < 0) ||
		    json_array_append(list, o) < 0)
			return -ENOMEM;
	}
	if (json_object_set(out, "namespaces", list) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(out);
	return 0;
}

struct top_row {
	const struct cta_allns_item *it;
	int64_t tw, est, ct, ct_max;
	const char *peer;
	int64_t peer_count;
};

static int64_t int_at(json_t *facts, const char *path)
{
	json_t *v = cta_json_path(facts, path);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* sockets.tcp lists the states that have sockets: a missing state is 0 there */
static int64_t tcp_state(json_t *facts, const char *state)
{
	json_t *tcp = cta_json_path(facts, "sockets.tcp"), *v;

	if (!json_is_object(tcp))
		return -1;
	v = json_object_get(tcp, state);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static int row_cmp_tw(const void *pa, const void *pb)
{
	const struct top_row *a = pa, *b = pb;

	return a->tw != b->tw ? (a->tw > b->tw ? -1 : 1) :
				strcmp(a->it->ns->label, b->it->ns->label);
}

static int row_cmp_ct(const void *pa, const void *pb)
{
	const struct top_row *a = pa, *b = pb;

	return a->ct != b->ct ? (a->ct > b->ct ? -1 : 1) :
				strcmp(a->it->ns->label, b->it->ns->label);
}

static struct top_row *top_rows(const struct cta_allns *a, bool conntrack)
{
	struct top_row *rows = calloc(a->n ? a->n : 1, sizeof(*rows));

	if (!rows)
		return NULL;
	for (size_t i = 0; i < a->n; i++) {
		json_t *facts = a->v[i].facts, *top0;

		rows[i] = (struct top_row){
			.it = &a->v[i], .tw = -1, .est = -1, .ct = -1, .ct_max = -1
		};
		if (!facts)
			continue;
		rows[i].tw = tcp_state(facts, "TIME_WAIT");
		rows[i].est = tcp_state(facts, "ESTABLISHED");
		rows[i].ct = int_at(facts, "conntrack.count");
		rows[i].ct_max = int_at(facts, "conntrack.max");
		top0 = json_array_get(cta_json_path(facts, "sockets.time_wait_top"), 0);
		rows[i].peer = json_string_value(json_object_get(top0, "peer"));
		rows[i].peer_count = json_is_integer(json_object_get(top0, "count")) ?
					     json_integer_value(json_object_get(top0, "count")) :
					     -1;
	}
	qsort(rows, a->n, sizeof(*rows), conntrack ? row_cmp_ct : row_cmp_tw);
	return rows;
}

static void num(FILE *f, int w, int64_t v)
{
	if (v < 0)
		fprintf(f, "%*s", w, "-");
	else
		fprintf(f, "%*" PRId64, w, v);
}

char *cta_allns_top_text(const struct cta_allns *a, bool conntrack)
{
	_cleanup_free_ struct top_row *rows = top_rows(a, conntrack);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, lw = 9;
	FILE *f;

	if (!rows)
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < a->n; i++)
		lw = MAX(lw, MIN(strlen(a->v[i].ns->label), 60));
	fprintf(f, "%-*s  %9s  %11s  %10s  %10s  %s\n", (int)lw, "NAMESPACE", "TIME_WAIT",
		"ESTABLISHED", "CONNTRACK", "CT_MAX", "TOP TIME_WAIT PEER");
	for (size_t i = 0; i < a->n; i++) {
		const struct top_row *r = &rows[i];

		fprintf(f, "%-*.*s  ", (int)lw, 60, r->it->ns->label);
		if (!r->it->facts) {
			fprintf(f, "%s: %s\n", status_name(r->it->status),
				r->it->reason ? r->it->reason : "");
			continue;
		}
		num(f, 9, r->tw);
		fputs("  ", f);
		num(f, 11, r->est);
		fputs("  ", f);
		num(f, 10, r->ct);
		fputs("  ", f);
		num(f, 10, r->ct_max);
		if (r->peer)
			fprintf(f, "  %s (%" PRId64 ")", r->peer, r->peer_count);
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(buf);
}

int cta_allns_top_json(const struct cta_allns *a, bool conntrack, json_t **ret)
{
	_cleanup_free_ struct top_row *rows = top_rows(a, conntrack);
	_cleanup_json_ json_t *list = json_array();

	if (!rows || !list)
		return -ENOMEM;
	for (size_t i = 0; i < a->n; i++) {
		const struct top_row *r = &rows[i];
		_cleanup_json_ json_t *o = item_json(r->it);

		if (!o)
			return -ENOMEM;
#define SET_NUM(k, v)                                                           \
	do {                                                                    \
		if ((v) >= 0 && json_object_set_new(o, k, json_integer(v)) < 0) \
			return -ENOMEM;                                         \
	} while (0)
		SET_NUM("time_wait", r->tw);
		SET_NUM("established", r->est);
		SET_NUM("conntrack_count", r->ct);
		SET_NUM("conntrack_max", r->ct_max);
#undef SET_NUM
		if (r->peer && json_object_set_new(o, "time_wait_top_peer",
						   json_pack("{s:s, s:I}", "peer", r->peer, "count",
							     (json_int_t)r->peer_count)) < 0)
			return -ENOMEM;
		if (json_array_append(list, o) < 0)
			return -ENOMEM;
	}
	*ret = json_pack("{s:s, s:O}", "by", conntrack ? "conntrack" : "time_wait", "namespaces",
			 list);
	return *ret ? 0 : -ENOMEM;
}
