// SPDX-License-Identifier: GPL-2.0-or-later
/* Loading policies and profiles (good and bad), profile merging, the audit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>
#include "policy/policy.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "render/report.h"
#include "policy/yaml.h"

/* The evaluate stage's report in its JSON form (docs/audit-json.md), which these tests inspect. */
static int audit_json(const struct cta_policy *p, const char *const *profiles, json_t *facts,
		      struct cta_diags *d, json_t **ret)
{
	_cleanup_report_ struct cta_report *r = NULL;
	int k = cta_policy_audit(p, profiles, facts, d, &r);

	if (k < 0)
		return k;
	return cta_report_to_json(r, ret);
}

#define DATA CTA_FIXTURES "/policy/data"
#define BAD CTA_FIXTURES "/policy/bad"

static struct cta_policy *load_ok(const struct cta_policy_opts *o)
{
	struct cta_diags d = { 0 };
	struct cta_policy *p = NULL;
	int r = cta_policy_load(o, &d, &p);

	if (r < 0) {
		cta_diags_print(&d, stderr);
		fail_msg("load failed: %d", r);
	}
	assert_true(cta_diags_empty(&d));
	cta_diags_done(&d);
	return p;
}

static struct cta_policy *load_data(void)
{
	struct cta_policy_opts o = { .datadir = DATA };

	return load_ok(&o);
}

static json_t *load_facts(const char *name)
{
	_cleanup_free_ char *path = NULL;
	json_t *j;

	assert_true(asprintf(&path, "%s/policy/%s", CTA_FIXTURES, name) > 0);
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	return j;
}

/* A UTF-8 byte-order mark before the first key is accepted; positions ignore it. */
static void test_yaml_bom(void **state)
{
	static const char text[] = "\xef\xbb\xbfprofile: x\nextends: base\n";
	struct cta_diags d = { 0 };
	struct cta_ydoc *doc = NULL;
	struct cta_ynode *n;

	assert_int_equal(cta_ydoc_parse("bom.yaml", text, sizeof(text) - 1, &d, &doc), 0);
	assert_true(cta_diags_empty(&d));
	n = cta_ynode_get(doc->root, "extends");
	assert_non_null(n);
	assert_int_equal(n->line, 2);
	assert_int_equal(n->col, 10);
	n = cta_ynode_get(doc->root, "profile");
	assert_non_null(n);
	assert_int_equal(n->line, 1);
	assert_int_equal(n->col, 10);
	cta_ydoc_free(doc);
	cta_diags_done(&d);
}

static void test_load_good(void **state)
{
	struct cta_policy *p = load_data();
	const char *const *keys = cta_policy_sysctl_keys(p);
	_cleanup_json_ json_t *cat = NULL, *list = NULL;
	size_t n = 0;
	bool reuse = false, ctmax = false, recycle = false;

	for (; keys[n]; n++) {
		reuse |= streq(keys[n], "net.ipv4.tcp_tw_reuse");
		ctmax |= streq(keys[n], "net.netfilter.nf_conntrack_max");
		recycle |= streq(keys[n], "net.ipv4.tcp_tw_recycle");
	}
	assert_true(reuse && ctmax && recycle);
	assert_int_equal(n, 3);

	assert_int_equal(cta_policy_catalog_json(p, &cat), 0);
	assert_int_equal(json_array_size(cat), 4);
	/* by id */
	assert_string_equal(json_string_value(json_object_get(json_array_get(cat, 0), "id")),
			    "t.notrack");
	assert_int_equal(cta_policy_profiles_json(p, &list), 0);
	assert_int_equal(json_array_size(list), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "profile")),
			    "api-server");
	cta_policy_free(p);
}

static void test_explain_json(void **state)
{
	struct cta_policy *p = load_data();
	_cleanup_json_ json_t *r = NULL;
	json_t *profs;

	assert_int_equal(cta_policy_rule_json(p, "nope", &r), -ENOENT);
	assert_int_equal(cta_policy_rule_json(p, "t.usage", &r), 0);
	assert_string_equal(json_string_value(json_object_get(r, "severity")), "high");
	assert_string_equal(json_string_value(json_object_get(r, "check")),
			    "ratio < param.high_ratio");
	assert_string_equal(json_string_value(json_object_get(r, "explanation")),
			    "{conntrack.count} of {conntrack.max} entries on {host.cpus} CPUs");
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "needs"), 0)),
			    "conntrack.count, conntrack.max");
	profs = json_object_get(r, "profiles");
	assert_int_equal(json_array_size(profs), 3);
	/* api-server raises it to critical */
	assert_string_equal(json_string_value(json_object_get(json_array_get(profs, 0), "profile")),
			    "api-server");
	for (size_t i = 0; i < 3; i++) {
		json_t *x = json_array_get(profs, i);

		if (streq(json_string_value(json_object_get(x, "profile")), "api-server"))
			assert_string_equal(json_string_value(json_object_get(x, "severity")),
					    "critical");
	}
	cta_policy_free(p);
}

static void test_profile_merge(void **state)
{
	struct cta_policy *p = load_data();
	_cleanup_json_ json_t *db = NULL, *api = NULL, *base = NULL;
	json_t *rules;

	assert_int_equal(cta_policy_profile_json(p, "nope", &db), -ENOENT);
	assert_int_equal(cta_policy_profile_json(p, "db-client", &db), 0);
	assert_true(json_is_true(json_object_get(json_object_get(db, "params"), "client_role")));
	/* detect entries as written, with their priority */
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(db, "detect"), 0), "priority")),
			 40);
	assert_true(strneq(json_string_value(json_object_get(
				   json_array_get(json_object_get(db, "detect"), 0), "when")),
			   "!exists(sockets.time_wait_by_local_port)", 40));
	rules = json_object_get(db, "rules");
	assert_int_equal(json_object_size(rules), 3);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(rules, "t.reuse"), "severity")),
		"high");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(rules, "t.recycle"), "severity")),
		"critical");
	json_t *up = json_object_get(json_object_get(rules, "t.usage"), "params");

	assert_true(json_real_value(json_object_get(up, "high_ratio")) == 0.5);
	assert_true(json_real_value(json_object_get(up, "critical_ratio")) == 0.95);

	assert_int_equal(cta_policy_profile_json(p, "api-server", &api), 0);
	rules = json_object_get(api, "rules");
	assert_null(json_object_get(rules, "t.recycle")); /* enabled: false */
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(rules, "t.usage"), "severity")),
		"critical");
	assert_int_equal(json_array_size(json_object_get(
				 json_object_get(json_object_get(rules, "t.notrack"), "params"),
				 "notrack_ports")),
			 2);
	assert_false(json_is_true(json_object_get(json_object_get(api, "params"), "client_role")));

	assert_int_equal(cta_policy_profile_json(p, "base", &base), 0);
	assert_int_equal(json_object_size(json_object_get(base, "rules")), 2);
	cta_policy_free(p);
}

static void test_profile_dirs(void **state)
{
	static const char *const dirs[] = { CTA_FIXTURES "/policy/override", NULL };
	struct cta_policy_opts o = { .datadir = DATA,
				     .profile_dirs = dirs,
				     .root = CTA_FIXTURES "/policy/root" };
	struct cta_policy *p = load_ok(&o);
	_cleanup_json_ json_t *db = NULL, *api = NULL;

	assert_int_equal(cta_policy_profile_json(p, "db-client", &db), 0);
	assert_string_equal(json_string_value(json_object_get(db, "description")),
			    "overridden client");
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(db, "rules"), "t.reuse"), "severity")),
		"low");
	assert_int_equal(cta_policy_profile_json(p, "api-server", &api), 0);
	assert_string_equal(json_string_value(json_object_get(api, "description")),
			    "site api-server");
	cta_policy_free(p);

	/* a --profile-dir that does not exist is an error */
	static const char *const nodir[] = { "/nonexistent/ctaudit-profiles", NULL };
	struct cta_policy_opts o2 = { .datadir = DATA, .profile_dirs = nodir };
	struct cta_diags d = { 0 };

	assert_int_equal(cta_policy_load(&o2, &d, &p), -EINVAL);
	assert_string_equal(d.v[0].file, "/nonexistent/ctaudit-profiles");
	cta_diags_done(&d);

	/* no catalog at all */
	struct cta_policy_opts o3 = { .datadir = "/nonexistent" };

	assert_int_equal(cta_policy_load(&o3, &d, &p), -ENOENT);
	assert_non_null(strstr(d.v[0].message, "no rule catalog"));
	cta_diags_done(&d);
}

/* Every file of the malformed corpus gives the diagnostic EXPECT names. */
/* 20k unknown rule ids took 6.4 s (each diagnostic re-read the file): at most
 * 20 located diagnostics per profile, then a count. */
static void test_many_errors(void **state)
{
	char dir[] = "/tmp/cta-test-policy-XXXXXX", path[64];
	FILE *f;
	const char *files[2] = { path, NULL };
	struct cta_policy_opts o = { .datadir = DATA, .files = files };
	struct cta_policy *p = NULL;
	struct cta_diags d = { 0 };

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/many.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "profile: many\nrules:\n");
	for (int i = 0; i < 20000; i++)
		fprintf(f, "  no.such.rule%d: {}\n", i);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(cta_policy_load(&o, &d, &p), -EINVAL);
	unlink(path);
	assert_int_equal(d.n, 21);
	assert_string_equal(d.v[0].message, "unknown rule 'no.such.rule0' in profile 'many'");
	assert_int_equal(d.v[19].line, 22);
	assert_string_equal(d.v[20].message, "and 19980 more errors in this profile");
	cta_diags_done(&d);

	/* one error past the limit: "1 more error" */
	memset(&d, 0, sizeof(d));
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "profile: many\nrules:\n");
	for (int i = 0; i < 21; i++)
		fprintf(f, "  no.such.rule%d: {}\n", i);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(cta_policy_load(&o, &d, &p), -EINVAL);
	unlink(path);
	rmdir(dir);
	assert_int_equal(d.n, 21);
	assert_string_equal(d.v[20].message, "and 1 more error in this profile");
	cta_diags_done(&d);
}

static void test_bad_corpus(void **state)
{
	_cleanup_free_ char *expect = NULL;
	char *save = NULL, *line;
	int n = 0, failures = 0;

	assert_true(cta_read_file(BAD "/EXPECT", 0, &expect) > 0);
	for (line = strtok_r(expect, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *file, *pos, *msg, *s2 = NULL;
		unsigned want_line, want_col;
		_cleanup_free_ char *path = NULL;
		struct cta_diags d = { 0 };
		struct cta_policy *p = NULL;
		const char *files[2] = { NULL, NULL };
		struct cta_policy_opts o = { .datadir = DATA, .files = files };
		int r;

		if (line[0] == '#')
			continue;
		file = strtok_r(line, "\t", &s2);
		pos = strtok_r(NULL, "\t", &s2);
		msg = strtok_r(NULL, "\t", &s2);
		assert_non_null(msg);
		assert_int_equal(sscanf(pos, "%u:%u", &want_line, &want_col), 2);
		assert_true(asprintf(&path, "%s/%s", BAD, file) > 0);
		files[0] = path;
		r = cta_policy_load(&o, &d, &p);
		if (r != -EINVAL || d.n == 0 || !d.v[0].file || !streq(d.v[0].file, path) ||
		    d.v[0].line != want_line || d.v[0].col != want_col ||
		    !strstr(d.v[0].message, msg)) {
			print_error("%s: r=%d, first diagnostic %s:%u:%u: %s\n  want %u:%u: %s\n",
				    file, r, d.n ? d.v[0].file : "-", d.n ? d.v[0].line : 0,
				    d.n ? d.v[0].col : 0, d.n ? d.v[0].message : "-", want_line,
				    want_col, msg);
			failures++;
		}
		cta_policy_free(p);
		cta_diags_done(&d);
		n++;
	}
	assert_int_equal(failures, 0);
	assert_true(n >= 30);
}

static void test_cycle3(void **state)
{
	static const char *const files[] = { BAD "/cycle3/cyc3-a.yaml", BAD "/cycle3/cyc3-b.yaml",
					     BAD "/cycle3/cyc3-c.yaml", NULL };
	struct cta_policy_opts o = { .datadir = DATA, .files = files };
	struct cta_diags d = { 0 };
	struct cta_policy *p = NULL;

	assert_int_equal(cta_policy_load(&o, &d, &p), -EINVAL);
	assert_null(p);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].file, BAD "/cycle3/cyc3-c.yaml");
	assert_int_equal(d.v[0].line, 2);
	assert_int_equal(d.v[0].col, 17);
	assert_string_equal(d.v[0].message,
			    "'extends' cycle: cyc3-a -> cyc3-b -> cyc3-c -> cyc3-a");
	cta_diags_done(&d);

	/* the good fixtures validate in the same way */
	static const char *const good[] = { DATA "/policies/test.yaml", DATA "/profiles/base.yaml",
					    NULL };
	struct cta_policy_opts o2 = { .datadir = DATA, .files = good };

	p = load_ok(&o2);
	cta_policy_free(p);
}

static json_t *result(json_t *report, const char *rule)
{
	size_t i;
	json_t *x;

	json_array_foreach(json_object_get(report, "results"), i, x)
		if (streq(json_string_value(json_object_get(x, "rule")), rule))
			return x;
	fail_msg("no result for %s", rule);
	return NULL;
}

static const char *rs(json_t *report, const char *rule, const char *key)
{
	return json_string_value(json_object_get(result(report, rule), key));
}

static json_t *audit(struct cta_policy *p, const char *const *profiles, json_t *facts)
{
	struct cta_diags d = { 0 };
	json_t *report = NULL;

	assert_int_equal(audit_json(p, profiles, facts, &d, &report), 0);
	assert_true(cta_diags_empty(&d));
	return report;
}

static void test_audit_db_client(void **state)
{
	struct cta_policy *p = load_data();
	_cleanup_json_ json_t *facts = load_facts("facts-small.json"), *rep = NULL;
	static const char *const prof[] = { "db-client", NULL };
	json_t *sum, *res, *rem;

	rep = audit(p, prof, facts);
	assert_int_equal(json_integer_value(json_object_get(rep, "schema_version")), 1);
	assert_string_equal(json_string_value(json_object_get(rep, "profile")), "db-client");
	assert_string_equal(json_string_value(json_object_get(rep, "profile_reason")),
			    "named on the command line");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(rep, "host"), "hostname")), "t1");
	sum = json_object_get(rep, "summary");
	assert_int_equal(json_integer_value(json_object_get(sum, "critical")), 2);
	assert_int_equal(json_integer_value(json_object_get(sum, "high")), 1);
	assert_int_equal(json_integer_value(json_object_get(sum, "medium")), 0);
	assert_int_equal(json_integer_value(json_object_get(sum, "pass")), 0);
	assert_int_equal(json_integer_value(json_object_get(sum, "skip")), 0);

	/* order: fail by severity, then id */
	res = json_object_get(rep, "results");
	assert_int_equal(json_array_size(res), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(res, 0), "rule")),
			    "t.recycle");
	assert_string_equal(json_string_value(json_object_get(json_array_get(res, 1), "rule")),
			    "t.usage");
	assert_string_equal(json_string_value(json_object_get(json_array_get(res, 2), "rule")),
			    "t.reuse");

	/* escalated from high */
	assert_string_equal(rs(rep, "t.usage", "status"), "fail");
	assert_string_equal(rs(rep, "t.usage", "severity"), "critical");
	assert_string_equal(rs(rep, "t.usage", "observed"), "96 % (960 of 1000)");
	assert_string_equal(rs(rep, "t.usage", "expected"), "below 50 %");
	assert_string_equal(rs(rep, "t.usage", "message"), "conntrack table 96 % full");
	assert_string_equal(rs(rep, "t.usage", "explanation"), "960 of 1000 entries on 4 CPUs");
	assert_string_equal(rs(rep, "t.usage", "subject"), "conntrack:usage");
	rem = json_object_get(result(rep, "t.usage"), "remediation");
	assert_string_equal(json_string_value(json_object_get(json_object_get(rem, "sysctl"),
							      "net.netfilter.nf_conntrack_max")),
			    "131072");
	assert_string_equal(json_string_value(json_object_get(rem, "advice")),
			    "find who fills the table with 'ctaudit top conntrack'");

	assert_string_equal(rs(rep, "t.reuse", "severity"), "high");
	assert_string_equal(rs(rep, "t.reuse", "observed"), "0");
	assert_string_equal(rs(rep, "t.reuse", "explanation"),
			    "A client with 400 TIME_WAIT sockets\nneeds tcp_tw_reuse.\n");
	rem = json_object_get(result(rep, "t.recycle"), "remediation");
	assert_string_equal(json_string_value(json_object_get(json_object_get(rem, "sysctl"),
							      "net.ipv4.tcp_tw_recycle")),
			    "0");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(rem, "remove_persisted"), 0)),
		"net.ipv4.tcp_tw_recycle");
	assert_null(json_object_get(result(rep, "t.recycle"), "reason"));
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(result(rep, "t.recycle"), "references"), 0)),
			    "commit \"tcp: remove tcp_tw_recycle\"");
	cta_policy_free(p);
}

static void test_audit_pass_skip(void **state)
{
	struct cta_policy *p = load_data();
	_cleanup_json_ json_t *facts = load_facts("facts-small.json"), *rep = NULL, *rep2 = NULL;
	static const char *const prof[] = { "db-client", NULL };
	json_t *x;

	/* a modern kernel, tw_reuse on, the table nearly empty */
	json_object_set_new(json_object_get(facts, "host"), "kernel",
			    json_string("6.1.0-13-amd64"));
	json_object_set_new(json_object_get(facts, "sysctl"), "net.ipv4.tcp_tw_reuse",
			    json_string("1"));
	json_object_set_new(json_object_get(facts, "conntrack"), "count", json_integer(10));
	rep = audit(p, prof, facts);
	x = json_object_get(rep, "summary");
	assert_int_equal(json_integer_value(json_object_get(x, "pass")), 2);
	assert_int_equal(json_integer_value(json_object_get(x, "skip")), 1);
	assert_string_equal(rs(rep, "t.reuse", "status"), "pass");
	assert_string_equal(rs(rep, "t.reuse", "message"), "tcp_tw_reuse is 1");
	assert_null(json_object_get(result(rep, "t.reuse"), "remediation"));
	assert_string_equal(rs(rep, "t.usage", "message"), "conntrack table nearly full");
	assert_string_equal(rs(rep, "t.recycle", "status"), "skip");
	assert_string_equal(rs(rep, "t.recycle", "reason"),
			    "not applicable: 'kernel < \"4.12\"' is false");
	assert_null(json_object_get(result(rep, "t.recycle"), "observed"));
	/* skipped results come last */
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(rep, "results"), 2), "rule")),
			    "t.recycle");

	/* missing facts: skip with the path and the unavailable reason */
	json_object_del(json_object_get(facts, "conntrack"), "count");
	json_array_append_new(json_object_get(facts, "unavailable"),
			      json_pack("{s:s, s:s}", "section", "conntrack", "reason", "offline"));
	json_object_del(json_object_get(facts, "sysctl"), "net.ipv4.tcp_tw_reuse");
	rep2 = audit(p, prof, facts);
	assert_string_equal(rs(rep2, "t.usage", "status"), "skip");
	assert_string_equal(
		rs(rep2, "t.usage", "reason"),
		"needs 'conntrack.count', which the snapshot does not have (conntrack: offline)");
	assert_string_equal(
		rs(rep2, "t.reuse", "reason"),
		"needs 'sysctl[\"net.ipv4.tcp_tw_reuse\"]', which the snapshot does not have");
	cta_policy_free(p);
}

static void test_audit_when_reason_and_notrack(void **state)
{
	struct cta_policy *p = load_data();
	_cleanup_json_ json_t *facts = load_facts("facts-small.json"), *rep = NULL, *rep2 = NULL;
	static const char *const api[] = { "api-server", NULL };
	static const char *const both[] = { "db-client", "api-server", NULL };
	json_t *nt;

	rep = audit(p, api, facts);
	assert_string_equal(rs(rep, "t.notrack", "status"), "fail");
	assert_string_equal(rs(rep, "t.notrack", "severity"), "low");
	assert_string_equal(rs(rep, "t.notrack", "subject"), "notrack:tcp/8080,9000-9100");
	assert_string_equal(rs(rep, "t.notrack", "message"), "ports 8080, 9000-9100 are tracked");
	assert_string_equal(rs(rep, "t.notrack", "explanation"), "tracking costs 375 KiB");
	nt = json_object_get(json_object_get(result(rep, "t.notrack"), "remediation"), "notrack");
	assert_int_equal(json_array_size(nt), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(nt, 0), "proto")),
			    "tcp");
	assert_string_equal(json_string_value(json_object_get(json_array_get(nt, 0), "port")),
			    "9000-9100");
	assert_string_equal(rs(rep, "t.usage", "severity"), "critical");

	/* combined roles: union of rules, most severe severity */
	rep2 = audit(p, both, facts);
	assert_string_equal(json_string_value(json_object_get(rep2, "profile")),
			    "db-client+api-server");
	assert_int_equal(json_array_size(json_object_get(rep2, "profiles")), 2);
	assert_string_equal(
		json_string_value(json_object_get(rep2, "profile_reason")),
		"db-client: named on the command line; api-server: named on the command line");
	assert_int_equal(json_array_size(json_object_get(rep2, "results")), 4);
	assert_string_equal(rs(rep2, "t.reuse", "severity"), "high");
	assert_string_equal(rs(rep2, "t.recycle", "status"), "fail");
	cta_policy_free(p);

	/* when_reason is rendered for a false 'when' */
	p = load_data();
	static const char *const base[] = { "base", NULL };
	_cleanup_json_ json_t *rep3 = NULL;
	struct cta_policy_opts o = { .datadir = DATA };

	(void)o;
	json_object_set_new(json_object_get(facts, "conntrack"), "count", json_integer(1));
	rep3 = audit(p, base, facts);
	assert_string_equal(rs(rep3, "t.usage", "status"), "pass");
	cta_policy_free(p);
}

static void test_audit_errors(void **state)
{
	struct cta_policy *p = load_data();
	_cleanup_json_ json_t *facts = load_facts("facts-small.json");
	static const char *const nope[] = { "nope", NULL };
	struct cta_diags d = { 0 };
	json_t *rep = NULL;

	assert_int_equal(audit_json(p, nope, facts, &d, &rep), -EINVAL);
	assert_null(rep);
	assert_string_equal(d.v[0].message, "unknown profile 'nope' (see 'ctaudit profiles list')");
	cta_diags_done(&d);

	/* a role named twice (also through auto) counts once */
	static const char *const twice[] = { "db-client", "auto", "db-client", NULL };

	assert_int_equal(audit_json(p, twice, facts, &d, &rep), 0);
	assert_string_equal(json_string_value(json_object_get(rep, "profile")), "db-client");
	assert_string_equal(json_string_value(json_object_get(rep, "profile_reason")),
			    "named on the command line");
	json_decref(rep);
	cta_policy_free(p);
	assert_string_equal(cta_severity_to_string(CTA_SEVERITY_MEDIUM), "medium");
	assert_int_equal(cta_severity_from_string("info"), CTA_SEVERITY_INFO);
	assert_int_equal(cta_severity_from_string("severe"), -EINVAL);
}

/* The shipped profiles' detect: entries (profiles/NAME.yaml), on edited copies of
 * one snapshot. */
static const struct {
	const char *what, *edit, *want;
} auto_cases[] = {
	{ "legacy snapshot: TIME_WAIT peers' ports", "{}",
	  "db-client|auto: 75 % of TIME_WAIT sockets (300 of 400) go to database port 5432" },
	{ "kubelet", "{\"listen\": 10250}", "k8s-node|auto: kubelet listening on port 10250" },
	{ "kube-proxy chain", "{\"nat\": {\"kind\": \"dnat\", \"chain\": \"KUBE-SERVICES\"}}",
	  "k8s-node|auto: kube-proxy NAT chain 'KUBE-SERVICES' present" },
	{ "forwarding + masquerade", "{\"forward\": \"1\", \"nat\": {\"kind\": \"masquerade\"}}",
	  "nat-gateway|auto: ip_forward is 1 and 1 masquerade/SNAT rule exists" },
	{ "masquerade without forwarding", "{\"nat\": {\"kind\": \"masquerade\"}}",
	  "db-client|auto: 75 % of TIME_WAIT sockets (300 of 400) go to database port 5432" },
	{ "legacy: busy listener, web peers", "{\"counts\": [100, 250]}",
	  "api-server|auto: 400 TIME_WAIT sockets while TCP services listen on port 22" },
	{ "too few TIME_WAIT", "{\"tw\": 5}",
	  "base|auto: no role evidence (no forwarding with NAT, no kubelet, no TIME_WAIT pattern "
	  "towards databases or from busy services)" },
	/* issue 11: 28,000 TIME_WAIT towards 127.0.0.1:443 and a listener on :22
	 * is a client, whatever the peer's port */
	{ "client side holds TIME_WAIT",
	  "{\"tw\": 28000, \"sides\": [0, 28000], \"top\": \"127.0.0.1:443\", \"counts\": [28000, 0]}",
	  "db-client|auto: 28000 of 28000 TIME_WAIT sockets are on local ports that are not "
	  "listening ports: this host closed its own outgoing connections first, most towards "
	  "127.0.0.1:443 (28000)" },
	{ "server side holds TIME_WAIT",
	  "{\"tw\": 5000, \"sides\": [4990, 10], \"top\": \"10.9.9.9:40000\", \"counts\": [1, 1]}",
	  "api-server|auto: 4990 of 5000 TIME_WAIT sockets are on listening ports: this host "
	  "closed connections clients made to it (TCP services listen on port 22)" },
	/* the reason names the busy service, not the first listener (seed 001) */
	{ "server side, busy port known",
	  "{\"tw\": 5000, \"sides\": [4990, 10], \"busy\": [{\"port\": 22, \"count\": 4990}]}",
	  "api-server|auto: 4990 of 5000 TIME_WAIT sockets are on listening ports: this host "
	  "closed connections clients made to it, most on port 22 (4990) (TCP services listen "
	  "on port 22)" },
	/* the new evidence replaces the peers' ports, which would say db-client */
	{ "neither side dominates", "{\"sides\": [200, 200]}",
	  "base|auto: no role evidence (no forwarding with NAT, no kubelet, no TIME_WAIT pattern "
	  "towards databases or from busy services)" },
	{ "kubelet wins over forwarding",
	  "{\"listen\": 10250, \"forward\": \"1\", \"nat\": {\"kind\": \"masquerade\"}}",
	  "k8s-node|auto: kubelet listening on port 10250" },
};

static void test_auto(void **state)
{
	struct cta_policy_opts o = { .datadir = getenv("CTAUDIT_DATADIR") };
	struct cta_policy *p;

	if (!o.datadir)
		fail_msg("CTAUDIT_DATADIR is not set");
	p = load_ok(&o);
	for (size_t i = 0; i < ELEMENTSOF(auto_cases); i++) {
		_cleanup_json_ json_t *facts = load_facts("facts-small.json");
		_cleanup_json_ json_t *e = json_loads(auto_cases[i].edit, 0, NULL), *rep = NULL;
		static const char *const a[] = { "auto", NULL };
		json_t *top = cta_json_path(facts, "sockets.time_wait_top"), *x;
		_cleanup_free_ char *got = NULL;

		assert_non_null(e);
		if ((x = json_object_get(e, "listen")))
			json_array_append_new(cta_json_path(facts, "sockets.listening"),
					      json_pack("{s:s, s:s, s:O}", "proto", "tcp", "addr",
							"::", "port", x));
		if ((x = json_object_get(e, "nat")))
			json_array_append(cta_json_path(facts, "firewall.nat"), x);
		if ((x = json_object_get(e, "forward")))
			json_object_set(json_object_get(facts, "sysctl"), "net.ipv4.ip_forward", x);
		if ((x = json_object_get(e, "tw")))
			json_object_set(cta_json_path(facts, "sockets.tcp"), "TIME_WAIT", x);
		if ((x = json_object_get(e, "top")))
			json_object_set(json_array_get(top, 0), "peer", x);
		if ((x = json_object_get(e, "counts"))) {
			json_object_set(json_array_get(top, 0), "count", json_array_get(x, 0));
			json_object_set(json_array_get(top, 1), "count", json_array_get(x, 1));
		}
		if ((x = json_object_get(e, "sides")))
			json_object_set_new(
				json_object_get(facts, "sockets"), "time_wait_by_local_port",
				json_pack("{s:O, s:O}", "listening", json_array_get(x, 0), "other",
					  json_array_get(x, 1)));
		if ((x = json_object_get(e, "busy")))
			json_object_set(cta_json_path(facts, "sockets.time_wait_by_local_port"),
					"listening_ports", x);
		rep = audit(p, a, facts);
		assert_true(
			asprintf(&got, "%s|%s", json_string_value(json_object_get(rep, "profile")),
				 json_string_value(json_object_get(rep, "profile_reason"))) > 0);
		if (!streq(got, auto_cases[i].want))
			fail_msg("%s: got '%s'\n  want '%s'", auto_cases[i].what, got,
				 auto_cases[i].want);
	}

	/* NULL profiles means auto; an empty snapshot is no evidence */
	_cleanup_json_ json_t *empty = json_object(), *rep = audit(p, NULL, empty);

	assert_string_equal(json_string_value(json_object_get(rep, "profile")), "base");
	cta_policy_free(p);
}

/* Snapshots with every section of the wrong type: results, never a crash. */
static void test_hostile_facts(void **state)
{
	static const char *const docs[] = {
		"{}",
		"{\"host\": 1, \"sysctl\": [], \"conntrack\": \"x\", \"sockets\": null,"
		" \"firewall\": 3, \"helpers\": [1], \"netstat\": \"n\", \"unavailable\": {}}",
		"{\"host\": {\"kernel\": 5, \"cpus\": \"many\", \"memory_bytes\": -1},"
		" \"sysctl\": {\"net.ipv4.tcp_tw_reuse\": 1, \"net.ipv4.ip_local_port_range\": \"a b\","
		"  \"net.ipv4.ip_forward\": [\"1\"]},"
		" \"conntrack\": {\"count\": 1e300, \"max\": 0, \"stats\": [], \"active\": \"yes\"},"
		" \"sockets\": {\"tcp\": {\"TIME_WAIT\": 1e300}, \"time_wait_top\": [1, {\"peer\": 5},"
		"  {\"peer\": \"x:99999999999\", \"count\": -5}], \"listening\": {\"port\": 1}},"
		" \"firewall\": {\"notrack\": [{\"dport\": \"70000\"}], \"nat\": [{\"kind\": 1, \"chain\": []}]},"
		" \"helpers\": {\"in_use\": [], \"assigned\": {}},"
		" \"persisted\": {\"net.ipv4.tcp_tw_recycle\": \"1\"},"
		" \"unavailable\": [1, {\"section\": 2}, {\"section\": \"conntrack\"}]}",
	};
	static const char *const datadirs[] = { DATA, NULL };
	const char *src = getenv("CTAUDIT_DATADIR");

	for (size_t k = 0; k < 2; k++) {
		struct cta_policy_opts o = { .datadir = k ? src : datadirs[0] };
		struct cta_diags d = { 0 };
		struct cta_policy *p = NULL;

		if (!o.datadir)
			continue;
		if (cta_policy_load(&o, &d, &p) < 0) {
			/* the real catalog may be mid-edit: only the fixture one must load */
			cta_diags_done(&d);
			assert_true(k == 1);
			continue;
		}
		_cleanup_json_ json_t *plist = NULL;
		size_t i;
		json_t *x;

		assert_int_equal(cta_policy_profiles_json(p, &plist), 0);
		for (size_t n = 0; n < ELEMENTSOF(docs); n++) {
			_cleanup_json_ json_t *facts = json_loads(docs[n], 0, NULL);

			assert_non_null(facts);
			json_array_foreach(plist, i, x) {
				const char *prof[] = {
					json_string_value(json_object_get(x, "profile")), NULL
				};
				json_t *rep = NULL;

				assert_int_equal(audit_json(p, prof, facts, &d, &rep), 0);
				assert_true(json_array_size(json_object_get(rep, "results")) > 0);
				json_decref(rep);
			}
			json_t *rep = NULL;

			assert_int_equal(audit_json(p, NULL, facts, &d, &rep), 0);
			json_decref(rep);
		}
		cta_diags_done(&d);
		cta_policy_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_bom),
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_explain_json),
		cmocka_unit_test(test_profile_merge),
		cmocka_unit_test(test_profile_dirs),
		cmocka_unit_test(test_bad_corpus),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_cycle3),
		cmocka_unit_test(test_audit_db_client),
		cmocka_unit_test(test_audit_pass_skip),
		cmocka_unit_test(test_audit_when_reason_and_notrack),
		cmocka_unit_test(test_audit_errors),
		cmocka_unit_test(test_auto),
		cmocka_unit_test(test_hostile_facts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
