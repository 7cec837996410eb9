// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "plan/converge.h"
#include "plan/plan.h"
#include "policy/policy.h"
#include "render/plan-render.h"
#include "render/report.h"
#include "util/fileio.h"
#include "util/json.h"

/* An in-memory tree: the plan stage reads files only through this. */
struct memfile {
	const char *path, *content, *link;
};

static const struct memfile base_tree[] = {
	{ "/etc/sysctl.d/99-local.conf",
	  "# local tuning\nnet.ipv4.tcp_tw_reuse = 0\nnet.core.somaxconn = 1024\n", NULL },
	{ "/etc/sysctl.d/10-early.conf", "net.ipv4.tcp_timestamps = 1\n", NULL },
	{ "/etc/sysctl.conf",
	  "# /etc/sysctl.conf\nnet.ipv4.ip_forward = 0\nnet.ipv4.tcp_tw_recycle = 1\n", NULL },
	{ "/usr/lib/sysctl.d/50-default.conf",
	  "net.ipv4.tcp_tw_reuse = 2\n-net.ipv4.tcp_tw_recycle = 0\n", NULL },
	{},
};

struct memfs {
	const struct memfile *files;
	const struct memfile *extra; /* searched first */
};

static const struct memfile *mem_find(const struct memfs *m, const char *path)
{
	for (const struct memfile *f = m->extra; f && f->path; f++)
		if (strcmp(f->path, path) == 0)
			return f;
	for (const struct memfile *f = m->files; f && f->path; f++)
		if (strcmp(f->path, path) == 0)
			return f;
	return NULL;
}

static int mem_read(void *u, const char *path, char **ret)
{
	const struct memfile *f = mem_find(u, path);

	if (!f || !f->content)
		return -ENOENT;
	*ret = strdup(f->content);
	return 0;
}

static int mem_resolve(void *u, const char *path, char **ret)
{
	const struct memfile *f = mem_find(u, path);

	*ret = strdup(f && f->link ? f->link : path);
	return 0;
}

static json_t *load(const char *name)
{
	char *path = NULL, *err = NULL;
	json_t *j = NULL;

	assert_true(asprintf(&path, "%s/plan/%s", CTA_FIXTURES, name) > 0);
	if (cta_json_load_file(path, &j, &err) < 0)
		fail_msg("cannot load %s: %s", path, err ? err : "?");
	free(path);
	return j;
}

static char *fixture_text(const char *name)
{
	char *path = NULL, *s = NULL;

	assert_true(asprintf(&path, "%s/plan/%s", CTA_FIXTURES, name) > 0);
	assert_true(cta_read_file(path, 0, &s) >= 0);
	free(path);
	return s;
}

/* The plan for a report in its JSON form, read back as `plan --report` does. */
static struct cta_plan *compute(json_t *facts, json_t *report, bool fix, struct memfs *m)
{
	struct cta_plan_fs fs = { .read = mem_read, .resolve = mem_resolve, .userdata = m };
	struct cta_plan_opts o = { .fix_overrides = fix, .fs = &fs };
	_cleanup_report_ struct cta_report *rep = NULL;
	_cleanup_free_ char *err = NULL;
	struct cta_plan *p = NULL;

	if (cta_report_from_json(report, &rep, &err) < 0)
		fail_msg("not a report: %s", err ? err : "?");
	assert_int_equal(cta_plan_compute(facts, rep, &o, &p), 0);
	assert_int_equal(cta_plan_render_files(p), 0);
	return p;
}

static const struct cta_plan_sysctl *sys(const struct cta_plan *p, const char *key)
{
	for (size_t i = 0; i < p->n_sysctls; i++)
		if (strcmp(p->sysctls[i].key, key) == 0)
			return &p->sysctls[i];
	return NULL;
}

static const struct cta_plan_file *file(const struct cta_plan *p, const char *path)
{
	for (size_t i = 0; i < p->n_files; i++)
		if (strcmp(p->files[i].path, path) == 0)
			return &p->files[i];
	return NULL;
}

static void test_sysctl_file_golden(void **state)
{
	json_t *facts = load("facts-db-client.json"), *report = load("report-db-client.json");
	struct memfs m = { base_tree, NULL };
	struct cta_plan *p = compute(facts, report, false, &m);
	char *want = fixture_text("golden-db-client.conf"), *got = cta_render_sysctl_conf(p);
	const struct cta_plan_file *f;

	assert_string_equal(p->sysctl_file, "/etc/sysctl.d/90-ctaudit-db-client.conf");
	assert_string_equal(got, want);
	f = file(p, "/etc/sysctl.d/90-ctaudit-db-client.conf");
	assert_non_null(f);
	assert_null(f->old);
	assert_string_equal(f->new, want);
	assert_int_equal(f->mode, 0644);
	/* a pass result's remediation is not applied */
	assert_null(sys(p, "net.ipv4.tcp_fin_timeout"));
	assert_true(cta_plan_has_changes(p));
	assert_int_equal(cta_plan_runtime_changes(p), 2);
	assert_int_equal(p->n_advice, 1);
	assert_string_equal(p->advice[0].rule, "conntrack.helpers.nat");
	free(got), free(want);
	cta_plan_free(p);
	json_decref(facts), json_decref(report);
}

static void test_runtime_and_host_only(void **state)
{
	json_t *facts = load("facts-db-client.json"), *report = load("report-db-client.json");
	struct memfs m = { base_tree, NULL };
	struct cta_plan *p = compute(facts, report, false, &m);
	const struct cta_plan_sysctl *s;

	s = sys(p, "net.ipv4.tcp_tw_reuse");
	assert_int_equal(s->runtime, CTA_PLAN_RT_SET);
	assert_string_equal(s->current, "0");
	assert_string_equal(s->value, "1");
	s = sys(p, "net.netfilter.nf_conntrack_max");
	assert_int_equal(s->runtime, CTA_PLAN_RT_HOST_ONLY);
	assert_false(s->in_file);
	cta_plan_free(p);

	/* in the initial namespace the same key is set */
	json_object_set_new(json_object_get(facts, "host"), "netns", json_string("init"));
	p = compute(facts, report, false, &m);
	s = sys(p, "net.netfilter.nf_conntrack_max");
	assert_int_equal(s->runtime, CTA_PLAN_RT_SET);
	assert_true(s->in_file);
	cta_plan_free(p);

	/* a key the kernel lacks: never at runtime, "-" in the file */
	json_object_del(json_object_get(facts, "sysctl"), "net.ipv4.tcp_timestamps");
	p = compute(facts, report, false, &m);
	s = sys(p, "net.ipv4.tcp_timestamps");
	assert_int_equal(s->runtime, CTA_PLAN_RT_ABSENT);
	assert_true(s->optional);
	{
		char *t = cta_render_sysctl_conf(p);

		assert_non_null(strstr(t, "\n-net.ipv4.tcp_timestamps = 1\n"));
		free(t);
		assert_int_equal(cta_render_plan_text(p, &t), 0);
		assert_non_null(strstr(t, "written as '-net.ipv4.tcp_timestamps'"));
		free(t);
	}
	/* without the sysctl.d file (a child namespace's runtime-only plan) it is not written */
	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i].path), free(p->files[i].old), free(p->files[i].new);
	free(p->files);
	p->files = NULL;
	p->n_files = 0;
	{
		char *t = NULL;

		assert_int_equal(cta_render_plan_text(p, &t), 0);
		assert_non_null(strstr(t,
				       "  net.ipv4.tcp_timestamps: the running kernel has no such "
				       "key: not set (rule "));
		assert_null(strstr(t, "written as"));
		free(t);
	}
	cta_plan_free(p);
	json_decref(facts), json_decref(report);
}

/* an empty current value (ip_local_reserved_ports) is shown as "(empty)", not as nothing */
static void test_text_empty_value(void **state)
{
	json_t *facts = load("facts-db-client.json"), *report = load("report-db-client.json");
	struct memfs m = { base_tree, NULL };
	struct cta_plan *p;
	char *t = NULL;

	json_object_set_new(json_object_get(facts, "sysctl"), "net.ipv4.tcp_tw_reuse",
			    json_string(""));
	p = compute(facts, report, false, &m);
	assert_int_equal(cta_render_plan_text(p, &t), 0);
	assert_non_null(strstr(t, "  net.ipv4.tcp_tw_reuse: (empty) -> 1 (rule "));
	assert_null(strstr(t, ":  -> "));
	free(t);
	cta_plan_free(p);
	json_decref(facts), json_decref(report);
}

static void test_precedence(void **state)
{
	json_t *facts = load("facts-db-client.json"), *report = load("report-db-client.json");
	struct memfs m = { base_tree, NULL };
	struct cta_plan *p = compute(facts, report, false, &m);
	const struct cta_plan_sysctl *s = sys(p, "net.ipv4.tcp_tw_reuse");
	const struct cta_plan_edit *e = NULL;

	/* 99-local.conf sorts after 90-ctaudit-*: it wins at boot */
	assert_string_equal(s->boot_value, "0");
	assert_string_equal(s->boot_file, "/etc/sysctl.d/99-local.conf");
	assert_int_equal(s->boot_line, 2);
	/* 10-early.conf sets timestamps before ours: ours wins */
	s = sys(p, "net.ipv4.tcp_timestamps");
	assert_string_equal(s->boot_value, "1");
	assert_null(s->boot_file);
	for (size_t i = 0; i < p->n_edits; i++)
		if (p->edits[i].kind == CTA_PLAN_EDIT_OVERRIDE)
			e = &p->edits[i];
	assert_non_null(e);
	assert_string_equal(e->file, "/etc/sysctl.d/99-local.conf");
	assert_int_equal(e->line, 2);
	assert_false(e->fix);
	/* other files are not edited unless asked */
	assert_null(file(p, "/etc/sysctl.d/99-local.conf"));
	assert_null(file(p, "/etc/sysctl.conf"));
	{
		char *t = NULL;

		assert_int_equal(cta_render_plan_text(p, &t), 0);
		assert_non_null(strstr(t, "99-local.conf:2 sets 0 and is read after "));
		assert_non_null(strstr(t, "; --fix-overrides comments it out\n"));
		free(t);
		/* a child's runtime-only plan (no boot-time file): --fix-overrides alone
		 * would not change the host's files */
		assert_string_equal(p->netns, "other");
		for (size_t i = 0; i < p->n_files; i++)
			free(p->files[i].path), free(p->files[i].old), free(p->files[i].new);
		free(p->files);
		p->files = NULL;
		p->n_files = 0;
		assert_int_equal(cta_render_plan_text(p, &t), 0);
		assert_null(strstr(t, "; --fix-overrides comments it out"));
		assert_non_null(strstr(t, "; boot-time files are the initial namespace's: "
					  "--boot-files with --fix-overrides comments it out\n"));
		free(t);
	}
	cta_plan_free(p);

	p = compute(facts, report, true, &m);
	s = sys(p, "net.ipv4.tcp_tw_reuse");
	assert_string_equal(s->boot_value, "1");
	assert_null(s->boot_file);
	{
		const struct cta_plan_file *f = file(p, "/etc/sysctl.d/99-local.conf");

		assert_non_null(f);
		assert_string_equal(
			f->new,
			"# local tuning\n"
			"# ctaudit: commented out, it overrode net.ipv4.tcp_tw_reuse = 1 in "
			"/etc/sysctl.d/90-ctaudit-db-client.conf with 0 (rule "
			"tcp.tw_reuse.client_under_pressure)\n"
			"#net.ipv4.tcp_tw_reuse = 0\n"
			"net.core.somaxconn = 1024\n");
	}
	cta_plan_free(p);
	json_decref(facts), json_decref(report);
}

static void test_stale(void **state)
{
	json_t *facts = load("facts-db-client.json"), *report = load("report-db-client.json");
	struct memfs m = { base_tree, NULL };
	struct cta_plan *p = compute(facts, report, false, &m);
	size_t n = 0;

	for (size_t i = 0; i < p->n_edits; i++)
		if (p->edits[i].kind == CTA_PLAN_EDIT_STALE) {
			n++;
			assert_string_equal(p->edits[i].key, "net.ipv4.tcp_tw_recycle");
			assert_false(p->edits[i].fix);
		}
	assert_int_equal(n, 2);
	cta_plan_free(p);

	p = compute(facts, report, true, &m);
	{
		const struct cta_plan_file *f = file(p, "/etc/sysctl.conf");
		const struct cta_plan_file *g = file(p, "/etc/sysctl.d/50-default.conf");

		assert_non_null(f);
		assert_non_null(strstr(f->new, "\n#net.ipv4.tcp_tw_recycle = 1\n"));
		assert_non_null(strstr(f->new, "net.ipv4.ip_forward = 0\n"));
		/* a package file is hidden by a copy in /etc, never edited */
		assert_null(file(p, "/usr/lib/sysctl.d/50-default.conf"));
		assert_non_null(g);
		assert_null(g->old);
		assert_string_equal(g->new, "net.ipv4.tcp_tw_reuse = 2\n"
					    "# ctaudit: commented out, stale key "
					    "net.ipv4.tcp_tw_recycle (rule tcp.tw_recycle.stale)\n"
					    "#-net.ipv4.tcp_tw_recycle = 0\n");
	}
	cta_plan_free(p);

	/* the line moved since the facts were collected: not touched */
	{
		static const struct memfile moved[] = {
			{ "/etc/sysctl.conf", "net.ipv4.tcp_tw_recycle = 1\n# two\n# three\n",
			  NULL },
			{},
		};
		struct memfs m2 = { base_tree, moved };

		p = compute(facts, report, true, &m2);
		assert_null(file(p, "/etc/sysctl.conf"));
		for (size_t i = 0; i < p->n_edits; i++)
			if (strcmp(p->edits[i].file, "/etc/sysctl.conf") == 0) {
				assert_false(p->edits[i].fix);
				assert_non_null(p->edits[i].note);
			}
		cta_plan_free(p);
	}
	json_decref(facts), json_decref(report);
}

/* After an apply the rules pass: the plan keeps what ctaudit wrote and changes nothing. */
static void test_idempotent(void **state)
{
	json_t *facts = load("facts-db-client.json"), *report = load("report-db-client.json");
	struct memfs m = { base_tree, NULL };
	struct cta_plan *p = compute(facts, report, true, &m);
	char *own = cta_render_sysctl_conf(p), *nft = NULL;
	struct memfile after[8] = { 0 };
	json_t *r2 = json_deep_copy(report), *f2 = json_deep_copy(facts), *e, *nt;
	size_t i, n = 0;

	/* the tree after apply */
	for (i = 0; i < p->n_files; i++)
		after[n++] = (struct memfile){ p->files[i].path, p->files[i].new, NULL };
	(void)nft;
	json_array_foreach(json_object_get(r2, "results"), i, e) {
		json_object_set_new(e, "status", json_string("pass"));
		json_object_del(e, "remediation");
	}
	json_object_set_new(r2, "summary",
			    json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "critical", 0, "high",
				      0, "medium", 0, "low", 0, "info", 0, "pass",
				      (int)json_array_size(json_object_get(r2, "results")), "skip",
				      0));
	json_object_set_new(json_object_get(f2, "sysctl"), "net.ipv4.tcp_tw_reuse",
			    json_string("1"));
	json_object_set_new(json_object_get(f2, "sysctl"), "net.ipv4.tcp_timestamps",
			    json_string("1"));
	json_object_set_new(f2, "persisted", json_object());
	nt = json_object_get(json_object_get(f2, "firewall"), "notrack");
	json_array_append_new(nt, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "family", "inet",
					    "table", "ctaudit", "chain", "prerouting", "hook",
					    "prerouting", "proto", "tcp", "dport", "8080", "source",
					    "nft"));
	json_array_append_new(nt, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "family", "inet",
					    "table", "ctaudit", "chain", "prerouting", "hook",
					    "prerouting", "proto", "udp", "dport", "5000-5010",
					    "source", "nft"));
	{
		struct memfs m2 = { base_tree, after };
		struct cta_plan *q = compute(f2, r2, true, &m2);

		for (i = 0; i < q->n_files; i++)
			fail_msg("unexpected file change '%s'", q->files[i].path);
		assert_false(cta_plan_notrack_changes(q));
		assert_false(cta_plan_has_changes(q));
		/* the keys are still desired: the file is not emptied */
		assert_non_null(sys(q, "net.ipv4.tcp_tw_reuse"));
		assert_string_equal(sys(q, "net.ipv4.tcp_tw_reuse")->rule,
				    "tcp.tw_reuse.client_under_pressure");
		cta_plan_free(q);
	}
	free(own);
	cta_plan_free(p);
	json_decref(facts), json_decref(report), json_decref(r2), json_decref(f2);
}

static void test_notrack(void **state)
{
	json_t *facts = load("facts-db-client.json"), *report = load("report-db-client.json");
	struct memfs m = { base_tree, NULL };
	struct cta_plan *p = compute(facts, report, false, &m);
	char *t;

	assert_int_equal(p->notrack.want.n, 2);
	assert_string_equal(p->notrack.want.v[0].proto, "tcp");
	assert_string_equal(p->notrack.want.v[0].port, "8080");
	assert_string_equal(p->notrack.want.v[1].port, "5000-5010");
	assert_int_equal(p->notrack.backend, CTA_PLAN_BACKEND_NFT);
	assert_int_equal(p->notrack.persist, CTA_PLAN_PERSIST_UNIT);
	assert_non_null(file(p, "/etc/ctaudit/notrack.nft"));
	t = cta_render_notrack_nft(&p->notrack.want);
	assert_string_equal(t, "table inet ctaudit {\n"
			       "\tchain prerouting {\n"
			       "\t\ttype filter hook prerouting priority raw; policy accept;\n"
			       "\t\ttcp dport 8080 notrack\n"
			       "\t\tudp dport 5000-5010 notrack\n"
			       "\t}\n\n"
			       "\tchain output {\n"
			       "\t\ttype filter hook output priority raw; policy accept;\n"
			       "\t\ttcp sport 8080 notrack\n"
			       "\t\tudp sport 5000-5010 notrack\n"
			       "\t}\n"
			       "}\n");
	free(t);
	t = cta_render_notrack_iptables(&p->notrack.want);
	assert_string_equal(
		t, "*raw\n"
		   ":CTAUDIT_OUTPUT - [0:0]\n"
		   ":CTAUDIT_PREROUTING - [0:0]\n"
		   "-I PREROUTING 1 -j CTAUDIT_PREROUTING\n"
		   "-I OUTPUT 1 -j CTAUDIT_OUTPUT\n"
		   "-A CTAUDIT_PREROUTING -p tcp -m tcp --dport 8080 -j CT --notrack\n"
		   "-A CTAUDIT_PREROUTING -p udp -m udp --dport 5000:5010 -j CT --notrack\n"
		   "-A CTAUDIT_OUTPUT -p tcp -m tcp --sport 8080 -j CT --notrack\n"
		   "-A CTAUDIT_OUTPUT -p udp -m udp --sport 5000:5010 -j CT --notrack\n"
		   "COMMIT\n");
	free(t);
	{
		struct cta_plan_ports none = { 0 };

		t = cta_render_notrack_iptables(&none);
		assert_string_equal(t, "");
		free(t);
	}
	cta_plan_free(p);

	/* iptables is legacy and iptables-persistent is installed */
	{
		char *v4 = fixture_text("rules.v4"), *want = fixture_text("rules.v4.want");
		const struct memfile legacy[] = {
			{ "/etc/alternatives/iptables", NULL, "/usr/sbin/iptables-legacy" },
			{ "/etc/iptables/rules.v4", v4, NULL },
			{},
		};
		struct memfs m2 = { base_tree, legacy };
		const struct cta_plan_file *f;

		p = compute(facts, report, false, &m2);
		assert_int_equal(p->notrack.backend, CTA_PLAN_BACKEND_LEGACY);
		assert_int_equal(p->notrack.persist, CTA_PLAN_PERSIST_IPTABLES);
		f = file(p, "/etc/iptables/rules.v4");
		assert_non_null(f);
		assert_string_equal(f->new, want);
		/* no rules.v6 on disk: none created, and the plan says the IPv6 rules are lost */
		assert_null(file(p, "/etc/iptables/rules.v6"));
		assert_non_null(p->notrack.persist_how[0]);
		assert_non_null(strstr(p->notrack.persist_how[0], "/etc/iptables/rules.v4"));
		assert_non_null(p->notrack.persist_how[1]);
		assert_non_null(strstr(p->notrack.persist_how[1], "NOT persisted"));
		{
			char *txt = NULL;

			assert_int_equal(cta_render_plan_text(p, &txt), 0);
			assert_non_null(strstr(txt,
					       "\n  IPv6: NOT persisted: /etc/iptables/rules.v6 "
					       "does not exist"));
			free(txt);
		}
		cta_plan_free(p);
		/* with rules.v6 both families are persisted */
		{
			const struct memfile both[] = {
				{ "/etc/alternatives/iptables", NULL, "/usr/sbin/iptables-legacy" },
				{ "/etc/iptables/rules.v4", v4, NULL },
				{ "/etc/iptables/rules.v6", v4, NULL },
				{},
			};
			struct memfs m3 = { base_tree, both };

			p = compute(facts, report, false, &m3);
			assert_non_null(file(p, "/etc/iptables/rules.v6"));
			assert_non_null(
				strstr(p->notrack.persist_how[1], "/etc/iptables/rules.v6"));
			assert_null(strstr(p->notrack.persist_how[1], "NOT"));
		}
		/* rendering is idempotent on its own output */
		t = cta_render_iptables_persistent(want, &p->notrack.want);
		assert_string_equal(t, want);
		free(t);
		cta_plan_free(p);
		free(v4), free(want);
	}
	/* ctaudit's legacy chains are installed: that backend is kept, the ports stay */
	{
		json_t *f2 = json_deep_copy(facts);
		json_t *nt = json_object_get(json_object_get(f2, "firewall"), "notrack");
		static const char *const fams[] = { "ipv4", "ipv6" };

		for (size_t k = 0; k < 2; k++)
			json_array_append_new(nt, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
							    "family", fams[k], "table", "raw",
							    "chain", "CTAUDIT_PREROUTING", "proto",
							    "tcp", "dport", "9000", "source",
							    "iptables-legacy"));
		/* someone else's NOTRACK rule is not ctaudit's */
		json_array_append_new(nt,
				      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "family", "ipv4",
						"table", "raw", "chain", "PREROUTING", "proto",
						"udp", "dport", "53", "source", "iptables-legacy"));
		p = compute(f2, report, false, &m);
		assert_int_equal(p->notrack.backend, CTA_PLAN_BACKEND_LEGACY);
		assert_int_equal(p->notrack.cur_v4.n, 1);
		assert_int_equal(p->notrack.cur_v6.n, 1);
		assert_int_equal(p->notrack.want.n, 3);
		assert_string_equal(p->notrack.want.v[1].port, "9000");
		assert_null(p->notrack.rules[1]); /* kept from the earlier apply */
		assert_true(cta_plan_notrack_changes(p));
		cta_plan_free(p);
		json_decref(f2);
	}
	/* /etc/nftables.conf exists: include + /etc/nftables.d/ctaudit.nft */
	{
		const struct memfile nftconf[] = {
			{ "/etc/nftables.conf", "#!/usr/sbin/nft -f\nflush ruleset\n", NULL },
			{},
		};
		struct memfs m3 = { base_tree, nftconf };
		const struct cta_plan_file *f;

		p = compute(facts, report, false, &m3);
		assert_int_equal(p->notrack.persist, CTA_PLAN_PERSIST_NFTABLES);
		f = file(p, "/etc/nftables.conf");
		assert_non_null(f);
		assert_string_equal(f->new, "#!/usr/sbin/nft -f\nflush ruleset\n"
					    "# added by ctaudit: its NOTRACK rules\n"
					    "include \"/etc/nftables.d/ctaudit.nft\"\n");
		assert_non_null(file(p, "/etc/nftables.d/ctaudit.nft"));
		cta_plan_free(p);
	}
	/* an include that already loads ctaudit's file (a glob, relative, or exact) is not repeated */
	{
		static const struct {
			const char *conf;
			bool added;
		} inc[] = {
			{ "flush ruleset\ninclude \"/etc/nftables.d/*.nft\"\n", false },
			{ "flush ruleset\n  include \"nftables.d/*\"\n", false },
			{ "include \"/etc/nftables.d/ctaudit.nft\"\n", false },
			{ "include \"/etc/nftables.d/[a-c]*.nft\"\n", false },
			/* a comment, another directory, a glob that does not match */
			{ "# include \"/etc/nftables.d/*.nft\"\n", true },
			{ "include \"/etc/nft/*.nft\"\n", true },
			{ "include \"/etc/nftables.d/*.conf\"\n", true },
			{ "include \"/etc/*.nft\"\n", true }, /* '*' does not cross '/' */
		};

		for (size_t i = 0; i < sizeof(inc) / sizeof(inc[0]); i++) {
			const struct memfile nftconf[] = {
				{ "/etc/nftables.conf", inc[i].conf, NULL },
				{},
			};
			struct memfs m4 = { base_tree, nftconf };

			p = compute(facts, report, false, &m4);
			assert_int_equal(p->notrack.persist, CTA_PLAN_PERSIST_NFTABLES);
			if ((file(p, "/etc/nftables.conf") != NULL) != inc[i].added)
				fail_msg("case %zu: nftables.conf %s", i,
					 inc[i].added ? "not changed" : "changed");
			assert_non_null(file(p, "/etc/nftables.d/ctaudit.nft"));
			cta_plan_free(p);
		}
	}
	json_decref(facts), json_decref(report);
}

static void test_json(void **state)
{
	json_t *facts = load("facts-db-client.json"), *report = load("report-db-client.json");
	struct memfs m = { base_tree, NULL };
	struct cta_plan *p = compute(facts, report, false, &m);
	json_t *j = NULL;

	assert_int_equal(cta_render_plan_json(p, &j), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "schema_version")), 1);
	assert_true(json_is_true(json_object_get(j, "changes")));
	assert_string_equal(json_string_value(json_object_get(j, "sysctl_file")),
			    "/etc/sysctl.d/90-ctaudit-db-client.conf");
	assert_string_equal(json_string_value(cta_json_path(j, "notrack.backend")), "nft");
	assert_int_equal(json_array_size(json_object_get(j, "files")), 2);
	assert_int_equal(json_integer_value(cta_json_path(j, "summary.runtime")), 2);
	/* report identity: what the plan is for, and from when */
	assert_string_equal(json_string_value(cta_json_path(j, "target.hostname")), "db1");
	assert_string_equal(json_string_value(cta_json_path(j, "target.netns")), "init");
	assert_int_equal(json_integer_value(cta_json_path(j, "target.netns_inode")), 4026531840);
	assert_true(json_is_false(cta_json_path(j, "target.offline")));
	assert_string_equal(json_string_value(json_object_get(j, "report_generated_at")),
			    "2026-11-27T10:00:00Z");
	assert_string_equal(json_string_value(json_object_get(j, "ctaudit_version")), CTA_VERSION);
	assert_null(json_object_get(j, "generated_at"));
	{
		json_t *f0 = json_array_get(json_object_get(j, "files"), 0);

		assert_string_equal(json_string_value(json_object_get(f0, "action")), "create");
		assert_string_equal(json_string_value(json_object_get(f0, "mode")), "0644");
		assert_true(json_is_null(json_object_get(f0, "old")));
		assert_non_null(strstr(json_string_value(json_object_get(f0, "diff")),
				       "+net.ipv4.tcp_tw_reuse = 1\n"));
	}
	{
		json_t *e;
		size_t i;
		bool seen = false;

		json_array_foreach(json_object_get(j, "sysctl"), i, e) {
			if (strcmp(json_string_value(json_object_get(e, "key")),
				   "net.netfilter.nf_conntrack_max") == 0) {
				assert_string_equal(
					json_string_value(json_object_get(e, "runtime")),
					"host-only");
				seen = true;
			}
		}
		assert_true(seen);
	}
	json_decref(j);
	cta_plan_free(p);
	json_decref(facts), json_decref(report);
}

/* The own-file reader and the override fixer share util/sysctl's line grammar. */
static void test_default_sysctl_file(void **state)
{
	char *d = cta_plan_default_sysctl_file("db-client+k8s/node");

	assert_string_equal(d, "/etc/sysctl.d/90-ctaudit-db-client-k8s-node.conf");
	free(d);
}

/*
 * "- key = value" (ignore errors, sysctl.d(5)) in another file: plan once kept
 * a space in the key, so --fix-overrides always said the line had changed.
 */
static void test_fix_override_ignore_errors_line(void **state)
{
	static const char *const forms[] = {
		"- net.ipv4.tcp_tw_reuse = 0",
		"-net.ipv4.tcp_tw_reuse=0",
		"  -   net/ipv4/tcp_tw_reuse\t=  0  ",
	};
	json_t *facts = load("facts-db-client.json"), *report = load("report-db-client.json");

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		char *text = NULL, *want = NULL;
		const struct cta_plan_edit *e = NULL;
		const struct cta_plan_file *f;
		struct cta_plan *p;

		assert_true(asprintf(&text, "# local tuning\n%s\nnet.core.somaxconn = 1024\n",
				     forms[i]) > 0);
		{
			const struct memfile local[] = {
				{ "/etc/sysctl.d/99-local.conf", text, NULL },
				{},
			};
			struct memfs m = { base_tree, local };

			p = compute(facts, report, true, &m);
		}
		for (size_t j = 0; j < p->n_edits; j++)
			if (p->edits[j].kind == CTA_PLAN_EDIT_OVERRIDE)
				e = &p->edits[j];
		assert_non_null(e);
		assert_string_equal(e->file, "/etc/sysctl.d/99-local.conf");
		assert_true(e->fix);
		assert_null(e->note);
		f = file(p, "/etc/sysctl.d/99-local.conf");
		assert_non_null(f);
		assert_true(
			asprintf(&want,
				 "# local tuning\n"
				 "# ctaudit: commented out, it overrode net.ipv4.tcp_tw_reuse = 1 "
				 "in /etc/sysctl.d/90-ctaudit-db-client.conf with 0 (rule "
				 "tcp.tw_reuse.client_under_pressure)\n"
				 "#%s\n"
				 "net.core.somaxconn = 1024\n",
				 forms[i]) > 0);
		assert_string_equal(f->new, want);
		assert_string_equal(sys(p, "net.ipv4.tcp_tw_reuse")->boot_value, "1");
		free(want), free(text);
		cta_plan_free(p);
	}
	json_decref(facts), json_decref(report);
}

/* The plan sees only the remediations of failing results, whatever else the report holds. */
static void test_only_failing(void **state)
{
	json_t *facts = load("facts-db-client.json"), *report = load("report-db-client.json");
	struct memfs m = { base_tree, NULL };
	struct cta_plan *p = compute(facts, report, false, &m);

	/* tcp.fin_timeout.myth passes: its key is not planned */
	assert_null(sys(p, "net.ipv4.tcp_fin_timeout"));
	assert_non_null(sys(p, "net.ipv4.tcp_tw_reuse"));
	assert_string_equal(p->profile, "db-client");
	assert_string_equal(p->target.hostname, "db1");
	assert_int_equal(p->target.netns, CTA_TARGET_NETNS_INIT);
	assert_int_equal(p->target.netns_inode, 4026531840);
	assert_string_equal(p->report_generated_at, "2026-11-27T10:00:00Z");
	cta_plan_free(p);
	json_decref(facts), json_decref(report);
}

/* rules.v4 without a raw section: ours is appended once, and a second
 * rendering of the result changes nothing (apply twice = apply once) */
static void test_persistent_idempotent(void **state)
{
	struct cta_notrack_port v[1];
	struct cta_plan_ports ps = { v, 1 };
	const char *old =
		"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 21 -j ACCEPT\nCOMMIT\n";
	char *once, *twice;

	assert_int_equal(cta_notrack_port_init(&v[0], 0, "tcp", "8080"), 0);
	once = cta_render_iptables_persistent(old, &ps);
	assert_non_null(once);
	assert_non_null(strstr(once, "-A INPUT -p tcp --dport 21 -j ACCEPT\n"));
	assert_non_null(strstr(once, "-A PREROUTING -j CTAUDIT_PREROUTING\n"));
	twice = cta_render_iptables_persistent(once, &ps);
	assert_string_equal(twice, once);
	free(twice);
	/* a raw section written by the --noflush fragment is recognised too */
	twice = cta_render_iptables_persistent(
		"*raw\n:CTAUDIT_OUTPUT - [0:0]\n:CTAUDIT_PREROUTING - [0:0]\n"
		"-I PREROUTING 1 -j CTAUDIT_PREROUTING\n-I OUTPUT 1 -j CTAUDIT_OUTPUT\n"
		"-A PREROUTING -p tcp -m tcp --dport 21 -j CT --helper ftp\nCOMMIT\n",
		&ps);
	assert_null(strstr(twice, "-I PREROUTING"));
	assert_non_null(strstr(twice, "--helper ftp"));
	free(twice);
	free(once);
}

/* ---- convergence (cta_plan_converge) with the real catalog ---- */

struct eval {
	struct cta_policy *pol;
	const char *profiles[2];
	unsigned calls;
	bool oscillate; /* ask for a different keepalive value every time */
};

static int evaluate(void *u, json_t *facts, struct cta_report **ret)
{
	struct eval *e = u;
	struct cta_diags d = { 0 };
	int r = cta_policy_audit(e->pol, e->profiles, facts, &d, ret);

	cta_diags_done(&d);
	e->calls++;
	if (r < 0 || !e->oscillate)
		return r;
	/* a rule that never settles: its fix changes what it asks for */
	for (size_t i = 0; i < (*ret)->n_results; i++) {
		struct cta_result *res = &(*ret)->results[i];
		struct cta_remediation *rem = res->remediation;

		if (res->status != CTA_RESULT_FAIL || !rem || !rem->n_sysctl)
			continue;
		free(rem->sysctl[0].value);
		assert_true(asprintf(&rem->sysctl[0].value, "%u", 7000 + e->calls % 2) > 0);
		break;
	}
	return 0;
}

static char *profile_dir;

static struct cta_policy *load_policy(void)
{
	const char *dirs[] = { profile_dir, NULL };
	struct cta_policy_opts o = { .profile_dirs = dirs };
	struct cta_diags d = { 0 };
	struct cta_policy *p = NULL;

	if (cta_policy_load(&o, &d, &p) < 0) {
		cta_diags_print(&d, stderr);
		fail_msg("cannot load the catalog");
	}
	cta_diags_done(&d);
	return p;
}

static json_t *seed000(void)
{
	char *path = NULL, *err = NULL;
	json_t *j = NULL;

	assert_true(asprintf(&path, "%s/facts/seed-000-tw-recycle-conntrack-full.json",
			     CTA_FIXTURES) > 0);
	if (cta_json_load_file(path, &j, &err) < 0)
		fail_msg("cannot load %s: %s", path, err ? err : "?");
	free(path);
	return j;
}

static int converge(json_t *facts, struct eval *e, struct cta_plan **ret, char **why)
{
	struct memfs m = { base_tree, NULL };
	struct cta_plan_fs fs = { .read = mem_read, .resolve = mem_resolve, .userdata = &m };
	struct cta_plan_opts o = { .fs = &fs };
	_cleanup_report_ struct cta_report *rep = NULL;

	assert_int_equal(evaluate(e, facts, &rep), 0);
	return cta_plan_converge(facts, rep, &o, CTA_SEVERITY_HIGH, evaluate, e, ret, why);
}

static void test_converge_seed000(void **state)
{
	json_t *facts = seed000();
	struct eval e = { .pol = load_policy(), .profiles = { "db-client", NULL } };
	struct cta_plan *p = NULL;
	char *why = NULL;
	const struct cta_plan_sysctl *s;

	/* the seed 000: conntrack timeouts lowered too */
	json_object_set_new(json_object_get(facts, "sysctl"),
			    "net.netfilter.nf_conntrack_tcp_timeout_established",
			    json_string("300"));
	assert_int_equal(converge(facts, &e, &p, &why), 0);
	assert_null(why);
	s = sys(p, "net.ipv4.tcp_keepalive_time");
	assert_non_null(s);
	assert_string_equal(s->value, "7200");
	/* only visible once keepalive is fixed: planned in the same run */
	s = sys(p, "net.netfilter.nf_conntrack_tcp_timeout_established");
	assert_non_null(s);
	assert_string_equal(s->value, "432000");
	assert_int_equal(s->runtime, CTA_PLAN_RT_SET);
	assert_string_equal(s->rule, "conntrack.timeout.established_below_keepalive");
	assert_int_equal(p->rounds, 2);
	assert_int_equal(p->n_refused, 0);
	/* the predicted facts of the final plan ask for nothing more */
	{
		json_t *pf = NULL;
		struct cta_report *r2 = NULL;

		assert_int_equal(cta_plan_predict(facts, p, &pf), 0);
		assert_string_equal(json_string_value(json_object_get(
					    json_object_get(pf, "sysctl"),
					    "net.netfilter.nf_conntrack_tcp_timeout_established")),
				    "432000");
		assert_int_equal(evaluate(&e, pf, &r2), 0);
		for (size_t i = 0; i < r2->n_results; i++)
			if (r2->results[i].status == CTA_RESULT_FAIL && r2->results[i].remediation)
				assert_int_equal(r2->results[i].remediation->n_sysctl, 0);
		cta_report_free(r2);
		json_decref(pf);
	}
	cta_plan_free(p);
	cta_policy_free(e.pol);
	json_decref(facts);
}

static void test_converge_refuses_notrack(void **state)
{
	json_t *facts = seed000();
	json_t *fw = json_object_get(facts, "firewall");
	struct eval e = { .pol = load_policy(), .profiles = { "api-notrack", NULL } };
	struct cta_plan *p = NULL;
	char *why = NULL;

	json_object_set_new(fw, "backends", json_pack("[s]", "nf_tables"));
	/* NOTRACK for 8080 behind a filter that drops untracked packets */
	json_object_set_new(fw, "stateful_filter_drops_untracked", json_true());
	assert_int_equal(converge(facts, &e, &p, &why), 0);
	assert_int_equal(p->notrack.want.n, 0);
	assert_false(cta_plan_notrack_changes(p));
	assert_int_equal(p->n_refused, 1);
	assert_int_equal(p->refused[0].kind, CTA_PLAN_ITEM_NOTRACK);
	assert_string_equal(p->refused[0].key, "tcp/8080");
	assert_string_equal(p->refused[0].caused, "notrack.untracked_dropped");
	assert_string_equal(p->refused[0].rule, "notrack.missing_for_role");
	assert_non_null(strstr(p->refused[0].reason, "ct state untracked accept"));
	/* the sysctl fixes are kept */
	assert_non_null(sys(p, "net.ipv4.tcp_keepalive_time"));
	cta_plan_free(p);

	/* a NOTRACK rule of the host's own is already dropped (the rule fails
	 * at high before the plan): adding 8080 is still a new failure */
	json_object_set_new(fw, "notrack",
			    json_pack("[{s:s, s:s, s:s, s:s, s:s}]", "family", "inet", "chain",
				      "prerouting", "proto", "udp", "dport", "8125", "source",
				      "nft"));
	assert_int_equal(converge(facts, &e, &p, &why), 0);
	assert_int_equal(p->notrack.want.n, 0);
	assert_int_equal(p->n_refused, 1);
	assert_string_equal(p->refused[0].key, "tcp/8080");
	assert_string_equal(p->refused[0].caused, "notrack.untracked_dropped");
	cta_plan_free(p);
	json_object_set_new(fw, "notrack", json_array());

	/* without the drop the same port is planned */
	json_object_set_new(fw, "stateful_filter_drops_untracked", json_false());
	assert_int_equal(converge(facts, &e, &p, &why), 0);
	assert_int_equal(p->n_refused, 0);
	assert_int_equal(p->notrack.want.n, 1);
	assert_string_equal(p->notrack.want.v[0].port, "8080");
	{
		json_t *pf = NULL, *e0;

		assert_int_equal(cta_plan_predict(facts, p, &pf), 0);
		/* ctaudit's rules as the collector reports table inet ctaudit */
		assert_int_equal(json_array_size(cta_json_path(pf, "firewall.notrack")), 2);
		e0 = json_array_get(cta_json_path(pf, "firewall.notrack"), 0);
		assert_string_equal(json_string_value(json_object_get(e0, "table")), "ctaudit");
		assert_string_equal(json_string_value(json_object_get(e0, "dport")), "8080");
		json_decref(pf);
	}
	cta_plan_free(p);
	cta_policy_free(e.pol);
	json_decref(facts);
}

static enum cta_result_status status_of(struct eval *e, json_t *facts, const char *rule)
{
	_cleanup_report_ struct cta_report *r = NULL;

	assert_int_equal(evaluate(e, facts, &r), 0);
	for (size_t i = 0; i < r->n_results; i++)
		if (strcmp(r->results[i].rule, rule) == 0)
			return r->results[i].status;
	fail_msg("no result for %s", rule);
	return CTA_RESULT_SKIP;
}

/*
 * The host's own IPv4-only NOTRACK rule for 8080 while the listener is on
 * "::" (IPv4 and IPv6): notrack.missing_for_role fails for IPv6, and the plan
 * adds 8080 in a form that covers IPv6: both legacy families, or table inet
 * ctaudit; re-evaluated, the rule passes.
 */
static void test_converge_notrack_v6_gap(void **state)
{
	static const char *const backends[] = { "iptables-legacy", "nf_tables" };

	for (size_t b = 0; b < ELEMENTSOF(backends); b++) {
		json_t *facts = seed000();
		json_t *fw = json_object_get(facts, "firewall");
		struct eval e = { .pol = load_policy(), .profiles = { "api-notrack", NULL } };
		struct cta_plan *p = NULL;
		json_t *pf = NULL, *x;
		char *why = NULL;
		bool v4 = false, v6 = false;
		size_t i;

		json_object_set_new(fw, "backends", json_pack("[s]", backends[b]));
		json_object_set_new(fw, "notrack",
				    json_pack("[{s:s, s:s, s:s, s:s, s:s, s:s, s:s}]", "family",
					      "ipv4", "table", "raw", "chain", "PREROUTING", "hook",
					      "prerouting", "proto", "tcp", "dport", "8080",
					      "source", b == 0 ? "iptables-legacy" : "nft"));
		assert_int_equal(status_of(&e, facts, "notrack.missing_for_role"), CTA_RESULT_FAIL);
		assert_int_equal(converge(facts, &e, &p, &why), 0);
		assert_int_equal(p->n_refused, 0);
		assert_int_equal(p->notrack.want.n, 1);
		assert_string_equal(p->notrack.want.v[0].port, "8080");
		assert_int_equal(p->notrack.backend,
				 b == 0 ? CTA_PLAN_BACKEND_LEGACY : CTA_PLAN_BACKEND_NFT);
		assert_int_equal(cta_plan_predict(facts, p, &pf), 0);
		json_array_foreach(cta_json_path(pf, "firewall.notrack"), i, x) {
			const char *fam = json_string_value(json_object_get(x, "family"));
			const char *dport = json_string_value(json_object_get(x, "dport"));

			if (!dport || strcmp(dport, "8080") != 0 ||
			    strcmp(json_string_value(json_object_get(x, "source")),
				   b == 0 ? "iptables-legacy" : "nft") != 0 ||
			    !json_object_get(x, "table") ||
			    strcmp(json_string_value(json_object_get(x, "table")),
				   b == 0 ? "raw" : "ctaudit") != 0 ||
			    (b == 0 && strcmp(json_string_value(json_object_get(x, "chain")),
					      "CTAUDIT_PREROUTING") != 0))
				continue;
			v4 |= strcmp(fam, "ipv4") == 0 || strcmp(fam, "inet") == 0;
			v6 |= strcmp(fam, "ipv6") == 0 || strcmp(fam, "inet") == 0;
		}
		assert_true(v4 && v6);
		if (b == 0) {
			/* the IPv6 half is restored at boot by ctaudit's unit */
			const struct cta_plan_file *f6;

			assert_int_equal(cta_plan_render_files(p), 0);
			f6 = file(p, "/etc/ctaudit/notrack.v6");
			assert_int_equal(p->notrack.persist, CTA_PLAN_PERSIST_UNIT);
			assert_non_null(f6);
			assert_non_null(strstr(f6->new, "--dport 8080 -j CT --notrack"));
		}
		assert_int_equal(status_of(&e, pf, "notrack.missing_for_role"), CTA_RESULT_PASS);
		json_decref(pf);
		cta_plan_free(p);
		cta_policy_free(e.pol);
		json_decref(facts);
	}
}

static void test_converge_no_fixed_point(void **state)
{
	json_t *facts = seed000();
	struct eval e = { .pol = load_policy(),
			  .profiles = { "db-client", NULL },
			  .oscillate = true };
	struct cta_plan *p = NULL;
	char *why = NULL;

	assert_int_equal(converge(facts, &e, &p, &why), -ELOOP);
	assert_null(p);
	assert_non_null(why);
	assert_non_null(strstr(why, "no fixed point"));
	free(why);
	cta_policy_free(e.pol);
	json_decref(facts);
}

/*
 * conntrack.timeout.udp_short judges four timeouts; its fix must restore every
 * one of them, or the rule fails again on the predicted facts.
 */
static void test_converge_udp_generic(void **state)
{
	char *path = NULL, *err = NULL;
	json_t *facts = NULL, *sc, *pf = NULL;
	struct eval e = { .pol = load_policy(), .profiles = { "nat-gateway", NULL } };
	struct cta_plan *p = NULL;
	struct cta_report *r2 = NULL;
	char *why = NULL;
	static const struct {
		const char *key, *low, *want;
	} t[] = {
		{ "net.netfilter.nf_conntrack_udp_timeout", "10", "30" },
		{ "net.netfilter.nf_conntrack_icmp_timeout", "10", "30" },
		{ "net.netfilter.nf_conntrack_generic_timeout", "599", "600" },
	};

	assert_true(asprintf(&path, "%s/facts/healthy-modern.json", CTA_FIXTURES) > 0);
	if (cta_json_load_file(path, &facts, &err) < 0)
		fail_msg("cannot load %s: %s", path, err ? err : "?");
	free(path);
	sc = json_object_get(facts, "sysctl");
	for (size_t i = 0; i < ELEMENTSOF(t); i++)
		json_object_set_new(sc, t[i].key, json_string(t[i].low));
	assert_int_equal(converge(facts, &e, &p, &why), 0);
	assert_null(why);
	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		const struct cta_plan_sysctl *s = sys(p, t[i].key);

		assert_non_null(s);
		assert_string_equal(s->value, t[i].want);
		assert_int_equal(s->runtime, CTA_PLAN_RT_SET);
		assert_string_equal(s->rule, "conntrack.timeout.udp_short");
	}
	/* the predicted facts pass the rule */
	assert_int_equal(cta_plan_predict(facts, p, &pf), 0);
	assert_int_equal(evaluate(&e, pf, &r2), 0);
	for (size_t i = 0; i < r2->n_results; i++)
		if (streq(r2->results[i].rule, "conntrack.timeout.udp_short"))
			assert_int_equal(r2->results[i].status, CTA_RESULT_PASS);
	cta_report_free(r2);
	json_decref(pf);
	cta_plan_free(p);
	cta_policy_free(e.pol);
	json_decref(facts);
}

static int setup_profiles(void **state)
{
	char tmpl[] = "/tmp/cta-test-plan.XXXXXX";
	char *path = NULL;
	FILE *f;

	assert_non_null(mkdtemp(tmpl));
	profile_dir = strdup(tmpl);
	assert_true(asprintf(&path, "%s/api-notrack.yaml", profile_dir) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("profile: api-notrack\n"
	      "description: api-server with NOTRACK for port 8080 (unit test)\n"
	      "extends: api-server\n"
	      "params:\n"
	      "  notrack_ports: [\"8080\"]\n",
	      f);
	assert_int_equal(fclose(f), 0);
	free(path);
	return 0;
}

static int teardown_profiles(void **state)
{
	char *path = NULL;

	assert_true(asprintf(&path, "%s/api-notrack.yaml", profile_dir) > 0);
	unlink(path);
	rmdir(profile_dir);
	free(path);
	free(profile_dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sysctl_file_golden),
		cmocka_unit_test(test_runtime_and_host_only),
		cmocka_unit_test(test_text_empty_value),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_notrack),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_default_sysctl_file),
		cmocka_unit_test(test_fix_override_ignore_errors_line),
		cmocka_unit_test(test_only_failing),
		cmocka_unit_test(test_persistent_idempotent),
		cmocka_unit_test(test_converge_seed000),
		cmocka_unit_test(test_converge_refuses_notrack),
		cmocka_unit_test(test_converge_notrack_v6_gap),
		cmocka_unit_test(test_converge_no_fixed_point),
		cmocka_unit_test(test_converge_udp_generic),
	};
	return cmocka_run_group_tests(tests, setup_profiles, teardown_profiles);
}
