// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "apply/fsroot.h"
#include "cli/allns.h"
#include "collect/netns-run.h"
#include "plan/plan.h"
#include "policy/derive-fw.h"
#include "policy/policy.h"
#include "render/allns.h"
#include "render/plan-render.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

enum mode { MODE_FACTS, MODE_AUDIT, MODE_PLAN, MODE_TOP };

struct ctx {
	const struct cta_allns_cli *o;
	enum mode mode;
	struct cta_policy *policy;
	const char *const *profiles;
	struct cta_netns_list list;
	struct cta_allns_item *items; /* parallel to list.v */
	char **reasons;
	struct cta_report **reports;
	struct cta_plan **plans;
	char **parts; /* audit --format json: each namespace's entry, rendered */
	int usage_error; /* an evaluation refused the profiles: exit 2 */
};

static void ctx_done(struct ctx *c)
{
	for (size_t i = 0; i < c->list.n; i++) {
		free(c->reasons ? c->reasons[i] : NULL);
		if (c->reports)
			cta_report_free(c->reports[i]);
		if (c->plans)
			cta_plan_free(c->plans[i]);
		if (c->items)
			json_decref(c->items[i].facts);
	}
	free(c->reasons);
	free(c->reports);
	free(c->plans);
	for (size_t i = 0; c->parts && i < c->list.n; i++)
		free(c->parts[i]);
	free(c->parts);
	free(c->items);
	cta_netns_list_done(&c->list);
	cta_policy_free(c->policy);
}

/* Drop the entries no --netns-filter matches (none given: keep all). */
static void filter_list(struct cta_netns_list *l, const char *const *filters,
			struct cta_netns *ret_host)
{
	size_t k = 0;

	for (size_t i = 0; i < l->n; i++) {
		bool keep = !filters;

		for (const char *const *g = filters; g && *g && !keep; g++)
			keep = cta_netns_match(&l->v[i], *g);
		if (keep) {
			l->v[k++] = l->v[i];
		} else if (l->v[i].initial && ret_host) {
			/* still read for the host-wide facts */
			*ret_host = l->v[i];
		} else {
			struct cta_netns_list one = { .v = NULL, .n = 0 };

			/* free the entry's strings through the list helper */
			one.v = calloc(1, sizeof(*one.v));
			if (one.v) {
				one.v[0] = l->v[i];
				one.n = 1;
				cta_netns_list_done(&one);
			}
		}
	}
	l->n = k;
}

/* Drop the passed and skipped results (they follow the failing ones). */
static int slim_report(struct cta_report *r)
{
	struct cta_report *tail;
	size_t k = 0;

	while (k < r->n_results && r->results[k].status == CTA_RESULT_FAIL)
		k++;
	if (k == r->n_results)
		return 0;
	tail = cta_report_new();
	if (!tail)
		return -ENOMEM;
	tail->results = malloc((r->n_results - k) * sizeof(*tail->results));
	if (!tail->results) {
		cta_report_free(tail);
		return -ENOMEM;
	}
	memcpy(tail->results, r->results + k, (r->n_results - k) * sizeof(*tail->results));
	tail->n_results = r->n_results - k;
	r->n_results = k;
	cta_report_free(tail);
	return 0;
}

static int on_result(const struct cta_netns *ns, enum cta_netns_status status, json_t *facts,
		     const char *reason, void *userdata)
{
	static const char *const auto_profile[] = { "auto", NULL };
	struct ctx *c = userdata;
	size_t i = (size_t)(ns - c->list.v);
	struct cta_allns_item *it;
	int r;

	if (i >= c->list.n)
		return 0; /* the host-facts run of a filtered-out initial namespace */
	it = &c->items[i];
	it->status = status;
	it->reason = NULL;
	if (reason) {
		c->reasons[i] = strdup(reason);
		if (!c->reasons[i])
			return -ENOMEM;
		it->reason = c->reasons[i];
	}
	if (status != CTA_NETNS_OK)
		return 0;
	r = cta_derive_fw(facts);
	if (r < 0)
		return r;
	if (c->mode == MODE_FACTS || c->mode == MODE_TOP) {
		it->facts = json_incref(facts);
		return 0;
	}

	_cleanup_(cta_diags_done) struct cta_diags diags = { 0 };
	char now[CTA_CLI_UTC_STRLEN];

	r = cta_policy_audit(c->policy, c->profiles ? c->profiles : auto_profile, facts, &diags,
			     &c->reports[i]);
	if (r == -EINVAL) {
		/* the same for every namespace: print once and stop */
		cta_diags_print(&diags, stderr);
		c->usage_error = 1;
		return r;
	}
	if (r >= 0)
		r = cta_report_set_origin(c->reports[i], CTA_VERSION, cta_cli_utc_now(now),
					  c->o->common->root);
	if (r < 0)
		return r;
	it->report = c->reports[i];
	if (c->mode == MODE_AUDIT) {
		/*
		 * Keep text, not trees: the JSON entry now, and of the report
		 * only the failing results the summary and the text need.
		 */
		if (c->o->common->format == CTA_FORMAT_JSON) {
			c->parts[i] = cta_allns_audit_item_text(it);
			if (!c->parts[i])
				return -ENOMEM;
		}
		return slim_report(c->reports[i]);
	}
	if (c->mode == MODE_PLAN) {
		struct cta_plan_fs fs;
		struct cta_plan_opts po = {
			.sysctl_file = c->o->sysctl_file,
			.fix_overrides = c->o->fix_overrides,
			.fs = &fs,
			.generated_at = now,
		};

		cta_fsroot_plan_fs(c->o->common->root, &fs);
		r = cta_plan_compute(facts, it->report, &po, &c->plans[i]);
		/* the host's files are the initial namespace's business only */
		if (r >= 0 && ns->initial)
			r = cta_plan_render_files(c->plans[i]);
		if (r < 0)
			return r;
		it->plan = c->plans[i];
	}
	return 0;
}

/*
 * Integration tests remove a namespace between discovery and collection:
 * with CTAUDIT_TEST_ALLNS_SYNC=DIR, create DIR/discovered and wait (at most
 * 30 s) for DIR/go.
 */
static void test_pause(void *userdata)
{
	const char *dir = getenv("CTAUDIT_TEST_ALLNS_SYNC");
	_cleanup_free_ char *mark = NULL, *go = NULL;
	int fd;

	(void)userdata;
	if (!dir || !*dir)
		return;
	if (asprintf(&mark, "%s/discovered", dir) < 0 || asprintf(&go, "%s/go", dir) < 0)
		return;
	fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 3000 && access(go, F_OK) < 0; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
}

static int run(struct ctx *c)
{
	const struct cta_cli_common *common = c->o->common;
	struct cta_collect_opts co = {
		.root = common->root,
		.deep = common->deep,
	};
	struct cta_netns_discover_opts dopts = {};
	struct cta_netns host = {};
	struct cta_netns_run_opts ro = {
		.collect = &co,
		.jobs = common->jobs,
		.pause = test_pause,
	};
	int r;

	if (c->mode == MODE_AUDIT || c->mode == MODE_PLAN) {
		r = cta_cli_load_policy(common->root, c->o->profile_dirs, &c->policy);
		if (r > 0)
			return r;
		co.extra_sysctls = cta_policy_sysctl_keys(c->policy);
	}
	r = cta_netns_discover(&dopts, &c->list);
	if (r < 0) {
		cta_cli_error("cannot list the network namespaces below '/proc': %s",
			      CTA_STRERROR(-r));
		return CTA_EXIT_HOST;
	}
	filter_list(&c->list, common->netns_filters, &host);
	if (c->list.n == 0) {
		free(host.name);
		free(host.mount);
		free(host.comm);
		free(host.pod_uid);
		free(host.container_id);
		free(host.label);
		free(host.enter_path);
		fprintf(stderr, "ctaudit: %s: no network namespace's name or label matches",
			cta_cli_command);
		for (size_t i = 0; common->netns_filters && common->netns_filters[i]; i++)
			fprintf(stderr, "%s '--netns-filter %s'", i ? " or" : "",
				common->netns_filters[i]);
		fputc('\n', stderr);
		return CTA_EXIT_USAGE;
	}
	c->items = calloc(c->list.n, sizeof(*c->items));
	c->reasons = calloc(c->list.n, sizeof(*c->reasons));
	c->reports = calloc(c->list.n, sizeof(*c->reports));
	c->plans = calloc(c->list.n, sizeof(*c->plans));
	c->parts = calloc(c->list.n, sizeof(*c->parts));
	if (!c->items || !c->reasons || !c->reports || !c->plans || !c->parts) {
		cta_cli_error("out of memory");
		return CTA_EXIT_HOST;
	}
	for (size_t i = 0; i < c->list.n; i++)
		c->items[i] = (struct cta_allns_item){ .ns = &c->list.v[i],
						       .status = CTA_NETNS_FAILED,
						       .reason = "not collected" };
	if (host.inode)
		ro.host_ns = &host;
	r = cta_netns_run(&c->list, &ro, on_result, c);
	free(host.name);
	free(host.mount);
	free(host.comm);
	free(host.pod_uid);
	free(host.container_id);
	free(host.label);
	free(host.enter_path);
	if (c->usage_error)
		return CTA_EXIT_USAGE;
	if (r < 0) {
		cta_cli_error("cannot audit the network namespaces: %s", CTA_STRERROR(-r));
		return CTA_EXIT_HOST;
	}
	return 0;
}

static int status_of(const struct ctx *c, bool (*flag)(const struct ctx *c, size_t i))
{
	bool failed = false, flagged = false;

	for (size_t i = 0; i < c->list.n; i++) {
		failed = failed || c->items[i].status == CTA_NETNS_FAILED;
		flagged = flagged || (flag && flag(c, i));
	}
	return failed ? CTA_EXIT_HOST : flagged ? CTA_EXIT_FINDINGS : CTA_EXIT_OK;
}

/* The output, or the out-of-memory error when rendering it failed. */
static int emit(const char *out, const char *output)
{
	if (!out) {
		cta_cli_error("out of memory");
		return CTA_EXIT_HOST;
	}
	return cta_cli_output(output, out);
}

static char *json_out(int r, json_t *j)
{
	_cleanup_json_ json_t *jj = j;

	return r < 0 ? NULL : cta_json_dumps(jj);
}

/* Collect (and judge), then render one document with @json or @text and write it to @output (NULL: stdout). */
static int run_render(struct ctx *c, int (*json)(const struct cta_allns *a, json_t **ret),
		      char *(*text)(const struct cta_allns *a),
		      bool (*flag)(const struct ctx *c, size_t i), const char *output)
{
	_cleanup_free_ char *out = NULL;
	struct cta_allns a;
	json_t *j = NULL;
	int r, st;

	r = run(c);
	if (r > 0)
		return r;
	a = (struct cta_allns){ .v = c->items, .n = c->list.n };
	if (c->o->common->format == CTA_FORMAT_JSON) {
		r = json(&a, &j);
		out = json_out(r, j);
	} else
		out = text(&a);
	r = emit(out, output);
	st = status_of(c, flag);
	return r != CTA_EXIT_OK ? r : st;
}

int cta_allns_facts(const struct cta_allns_cli *o)
{
	_cleanup_(ctx_done) struct ctx c = { .o = o, .mode = MODE_FACTS };

	return run_render(&c, cta_allns_facts_json, cta_allns_facts_text, NULL, o->output);
}

static bool audit_flag(const struct ctx *c, size_t i)
{
	return c->items[i].report && cta_report_fails_at(c->items[i].report, c->o->fail_on);
}

int cta_allns_audit(const struct cta_allns_cli *o)
{
	_cleanup_(ctx_done) struct ctx c = { .o = o, .mode = MODE_AUDIT, .profiles = o->profiles };
	struct cta_allns a;
	_cleanup_free_ char *out = NULL;
	int r, st;

	r = run(&c);
	if (r > 0)
		return r;
	a = (struct cta_allns){ .v = c.items, .n = c.list.n, .fail_on = o->fail_on };
	if (o->common->format == CTA_FORMAT_JSON) {
		/* straight to stdout: the document is as large as all reports together */
		r = cta_allns_audit_json_write(&a, c.parts, stdout);
		if (r == -ENOMEM) {
			cta_cli_error("out of memory");
			return CTA_EXIT_HOST;
		}
		r = cta_cli_print("");
		st = status_of(&c, audit_flag);
		return r != CTA_EXIT_OK ? r : st;
	} else
		out = cta_allns_audit_text(&a, &o->ro);
	r = emit(out, NULL);
	st = status_of(&c, audit_flag);
	return r != CTA_EXIT_OK ? r : st;
}

static bool plan_flag(const struct ctx *c, size_t i)
{
	const struct cta_plan *p = c->items[i].plan;

	if (!p)
		return false;
	if (c->items[i].ns->initial)
		return cta_plan_has_changes(p);
	for (size_t k = 0; k < p->n_sysctls; k++)
		if (p->sysctls[k].runtime == CTA_PLAN_RT_SET ||
		    p->sysctls[k].runtime == CTA_PLAN_RT_HOST_ONLY)
			return true;
	return cta_plan_notrack_changes(p);
}

int cta_allns_plan(const struct cta_allns_cli *o)
{
	_cleanup_(ctx_done) struct ctx c = { .o = o, .mode = MODE_PLAN, .profiles = o->profiles };

	return run_render(&c, cta_allns_plan_json, cta_allns_plan_text, plan_flag, NULL);
}

int cta_allns_top(const struct cta_allns_cli *o)
{
	_cleanup_(ctx_done) struct ctx c = { .o = o, .mode = MODE_TOP };
	struct cta_allns a;
	_cleanup_free_ char *out = NULL;
	json_t *j = NULL;
	int r, st;

	r = run(&c);
	if (r > 0)
		return r;
	a = (struct cta_allns){ .v = c.items, .n = c.list.n };
	if (o->common->format == CTA_FORMAT_JSON) {
		r = cta_allns_top_json(&a, o->conntrack, &j);
		out = json_out(r, j);
	} else
		out = cta_allns_top_text(&a, o->conntrack);
	r = emit(out, NULL);
	st = status_of(&c, NULL);
	return r != CTA_EXIT_OK ? r : st;
}
