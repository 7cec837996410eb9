// SPDX-License-Identifier: GPL-2.0-or-later
/* The policy expression language: parse + evaluate, templates, parse errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "policy/expr.h"
#include "policy/policy.h"
#include "util/json.h"
#include "util/macro.h"

static const char facts_text[] =
	"{\"host\": {\"hostname\": \"db1\", \"kernel\": \"5.15.0-91-generic\", \"cpus\": 8,"
	"  \"memory_bytes\": 17179869184},"
	" \"sysctl\": {\"net.ipv4.tcp_tw_reuse\": \"2\", \"net.ipv4.ip_local_port_range\": \"32768 60999\","
	"  \"net.ipv4.tcp_fin_timeout\": \"60\", \"net.ipv4.ip_local_reserved_ports\": \"8080,9000-9100\"},"
	" \"conntrack\": {\"active\": true, \"count\": 834, \"max\": 1000, \"stats\": {\"drop\": 0}},"
	" \"sockets\": {\"tcp\": {\"TIME_WAIT\": 1669},"
	"  \"time_wait_top\": [{\"peer\": \"192.168.1.11:3306\", \"count\": 1500},"
	"                     {\"peer\": \"10.0.0.2:443\", \"count\": 100}],"
	"  \"listening\": [{\"proto\": \"tcp\", \"addr\": \"0.0.0.0\", \"port\": 8080},"
	"                 {\"proto\": \"tcp\", \"addr\": \"127.0.0.1\", \"port\": 40000}]},"
	" \"firewall\": {\"notrack\": [{\"proto\": \"tcp\", \"dport\": \"8080\"}, {\"proto\": \"udp\"}]},"
	" \"unavailable\": []}";

static json_t *facts;
static json_t *params;

static int setup(void **state)
{
	facts = json_loads(facts_text, 0, NULL);
	params = json_pack("{s:f, s:b, s:[s, s], s:s}", "high_ratio", 0.8, "client_role", 1,
			   "notrack_ports", "8080", "9000-9100", "name", "db");
	return facts && params ? 0 : -1;
}

static int teardown(void **state)
{
	json_decref(facts);
	json_decref(params);
	return 0;
}

/* Parse and evaluate @text; return the formatted value, "MISSING:what" or "ERROR:msg". */
static char *run(const char *text)
{
	struct cta_expr *e = NULL;
	size_t off = 0;
	char *err = NULL, *out = NULL;
	struct cta_eval_ctx c = { .facts = facts, .params = params };
	struct cta_val v;
	int r;

	r = cta_expr_parse(text, NULL, &e, &off, &err);
	if (r < 0) {
		if (asprintf(&out, "PARSE:%zu:%s", off, err ? err : "?") < 0)
			out = NULL;
		free(err);
		return out;
	}
	cta_expr_eval(e, &c, &v);
	if (v.kind == CTA_VAL_MISSING) {
		if (asprintf(&out, "MISSING:%s", v.s) < 0)
			out = NULL;
	} else if (v.kind == CTA_VAL_ERROR) {
		if (asprintf(&out, "ERROR:%s", v.s) < 0)
			out = NULL;
	} else
		out = cta_val_format(&v);
	cta_val_done(&v);
	cta_expr_free(e);
	return out;
}

static const struct {
	const char *expr;
	const char *want; /* exact, or prefix when it ends in '*' */
} cases[] = {
	/* literals and arithmetic */
	{ "1 + 2 * 3", "7" },
	{ "(1 + 2) * 3", "9" },
	{ "10 / 4", "2.5" },
	{ "10 % 4", "2" },
	{ "-3 + 1", "-2" },
	{ "- -3", "3" },
	{ "2 - 3 - 4", "-5" },
	{ "1 / 3", "0.333" },
	{ "1e3", "1000" },
	{ "0.5 * 2", "1" },
	{ "'a' + 1", "ERROR:'a' is not a number" },
	{ "1 / 0", "ERROR:division by zero in '1 / 0'" },
	{ "5 % 0", "ERROR:division by zero*" },
	{ "\"x\\\"y\"", "x\"y" },
	{ "[1, 2, 'a']", "1, 2, a" },
	{ "[1, 2,]", "1, 2" },
	{ "[]", "" },
	{ "null", "null" },
	/* precedence: ! is looser than comparisons */
	{ "!1 == 2", "true" },
	{ "!true || true", "true" },
	{ "true || false && false", "true" },
	{ "1 + 2 > 2 && 3 > 2", "true" },
	{ "true ? 1 : 2", "1" },
	{ "false ? 1 : true ? 2 : 3", "2" },
	{ "1 ? 2 : 3", "ERROR:'1' is a number, not true or false" },
	{ "1 && true", "ERROR:'1' is a number, not true or false" },
	/* comparisons and numeric strings */
	{ "sysctl[\"net.ipv4.tcp_fin_timeout\"] == 60", "true" },
	{ "sysctl[\"net.ipv4.tcp_fin_timeout\"] < 100", "true" },
	{ "'10' > '9'", "true" },
	{ "'abc' < 'abd'", "true" },
	{ "'abc' == 1", "false" },
	{ "'abc' != 1", "true" },
	{ "'abc' < 1", "ERROR:cannot order*" },
	{ "[1] == [1]", "true" },
	{ "[1] < [2]", "ERROR:cannot order a list and a list*" },
	{ "null == null", "true" },
	{ "true == 1", "false" },
	/* versions */
	{ "kernel > '4.12'", "true" },
	{ "'4.12' < '4.9'", "true" }, /* numeric strings are numbers: use versions */
	{ "kernel < '5.9'", "false" },
	{ "kernel < '4.12'", "false" },
	{ "kernel >= '5.15'", "true" },
	{ "kernel == '5.15'", "true" },
	{ "kernel < '5.15.1'", "true" },
	{ "kernel > 5", "true" },
	{ "kernel", "5.15.0-91-generic" },
	/* facts, params, missing */
	{ "host.cpus * 2", "16" },
	{ "conntrack.count / conntrack.max", "0.834" },
	{ "conntrack.stats.drop", "0" },
	{ "conntrack.stats.insert_failed", "MISSING:conntrack.stats.insert_failed" },
	{ "conntrack.stats.insert_failed + 1", "MISSING:conntrack.stats.insert_failed" },
	{ "conntrack.buckets > 0 && true", "MISSING:conntrack.buckets" },
	{ "false && conntrack.buckets > 0", "false" },
	{ "true || conntrack.buckets > 0", "true" },
	{ "sysctl[\"net.ipv4.tcp_tw_recycle\"]", "MISSING:sysctl[\"net.ipv4.tcp_tw_recycle\"]" },
	{ "helpers.available", "MISSING:helpers.available" },
	{ "netstat.TcpExt.PAWSPassive", "MISSING:netstat.TcpExt.PAWSPassive" },
	{ "param.high_ratio", "0.8" },
	{ "param.missing_one", "MISSING:param.missing_one" },
	{ "param.client_role ? 'client' : 'server'", "client" },
	{ "sockets.time_wait_top[0].count", "1500" },
	{ "sockets.time_wait_top[5].count", "MISSING:sockets.time_wait_top[5].count" },
	{ "sockets.time_wait_top[0.5]", "ERROR:index*" },
	{ "host.cpus.x", "ERROR:'host.cpus.x': a number has no members" },
	/* exists, default */
	{ "exists(conntrack.buckets)", "false" },
	{ "exists(conntrack.max)", "true" },
	{ "default(conntrack.buckets, 42)", "42" },
	{ "default(conntrack.max, 42)", "1000" },
	{ "exists(1 / 0)", "ERROR:division by zero*" },
	/* membership */
	{ "'db' in ['db', 'x']", "true" },
	{ "3 in ['1', '3']", "true" },
	{ "'TIME_WAIT' in sockets.tcp", "true" },
	{ "'CLOSE' in sockets.tcp", "false" },
	{ "'3306' in sockets.time_wait_top[0].peer", "true" },
	{ "1 in 2", "ERROR:'in' needs*" },
	/* conversions */
	{ "int('60')", "60" },
	{ "int(7.9)", "7" },
	{ "int(-7.9)", "-7" },
	{ "int(true)", "1" },
	{ "int('sixty')", "ERROR:'sixty' is not a number" },
	{ "int('0x10')", "ERROR:'0x10' is not a number" },
	{ "str(12) + 1", "13" },
	{ "len('abc')", "3" },
	{ "len(sockets.listening)", "2" },
	{ "len(sockets.tcp)", "1" },
	{ "len(1)", "ERROR:'len' needs*" },
	{ "min(3, 1, 2)", "1" },
	{ "max(131072, 32768 * host.cpus)", "262144" },
	{ "max([4, 9, 2])", "9" },
	{ "max('7', 3)", "7" },
	{ "abs(-2.5)", "2.5" },
	{ "floor(2.7) + ceil(2.1)", "5" },
	{ "round(2.5)", "3" },
	/* a 24 GiB host: 192844 buckets rounded up, as the kernel sizes its TCP hash */
	{ "pow2ceil(25276514304 / 131072)", "262144" },
	{ "pow2ceil(131072)", "131072" },
	{ "pow2ceil(0)", "1" },
	{ "round(3.14159, 2)", "3.14" },
	/* ranges and ports */
	{ "range_lo(sysctl[\"net.ipv4.ip_local_port_range\"])", "32768" },
	{ "range_hi(sysctl[\"net.ipv4.ip_local_port_range\"])", "60999" },
	{ "range_size(sysctl[\"net.ipv4.ip_local_port_range\"])", "28232" },
	{ "range_size('1024\t65535')", "64512" },
	{ "range_size('x')", "ERROR:'x' is not a range like '32768 60999'" },
	{ "range_lo(sysctl[\"net.ipv4.ip_local_port_range\"]) % 2 == range_hi(sysctl[\"net.ipv4.ip_local_port_range\"]) % 2",
	  "false" },
	{ "port_in(8080, sysctl[\"net.ipv4.ip_local_reserved_ports\"])", "true" },
	{ "port_in(9050, '8080,9000-9100')", "true" },
	{ "port_in(9101, '8080,9000-9100')", "false" },
	{ "port_in(22, ['80', '20:23'])", "true" },
	{ "port_in(22, '')", "true" },
	{ "port_in(22, firewall.notrack[1].dport)", "true" },
	{ "port_in(22, 'abc')", "ERROR:invalid port spec 'abc'" },
	{ "port_in(22, '70000')", "ERROR:invalid port spec*" },
	{ "port_in('8080-8090', '8000-8100')", "true" },
	{ "port_in('8000-8101', '8000-8100')", "false" },
	{ "port_in('443', firewall.notrack[1].dport)", "true" },
	{ "port_in('9050', param.notrack_ports)", "true" },
	/* every port of the first spec, across adjacent ranges */
	{ "port_in('8080,9000-9100', '9051-9100,8080,9000-9050')", "true" },
	{ "port_in('8079-8080', '8080')", "false" },
	/* lambdas */
	{ "any(sockets.time_wait_top, t => t.count > 1000)", "true" },
	{ "any([], x => true)", "false" },
	{ "count(sockets.listening, l => l.addr != '127.0.0.1')", "1" },
	{ "map(sockets.time_wait_top, t => t.count)", "1500, 100" },
	{ "join(map(sockets.listening, l => l.port), '+')", "8080+40000" },
	{ "filter(sockets.listening, l => l.port > 10000)[0].addr", "127.0.0.1" },
	{ "first(sockets.time_wait_top, t => starts_with(t.peer, '10.0.0.2:')).count", "100" },
	{ "first(sockets.time_wait_top, t => t.count > 5000)",
	  "MISSING:first(sockets.time_wait_top, t => t.count > 5000)" },
	{ "sum(sockets.time_wait_top, t => t.count)", "1600" },
	{ "sum([1, 2, 3])", "6" },
	{ "max_of(sockets.time_wait_top, t => t.count)", "1500" },
	{ "max_of([], t => t)", "0" },
	{ "any(firewall.notrack, n => n.dport == '8080')", "true" },
	/* the second rule has no dport: undecided, so missing */
	{ "any(firewall.notrack, n => n.dport == '9')", "MISSING:n.dport" },
	{ "any([{'a': 1}], n => n.dport == '1')", "PARSE:*" },
	{ "any(sockets.listening, l => any(param.notrack_ports, p => port_in(l.port, p)))",
	  "true" },
	{ "any(3, x => true)", "ERROR:'any' needs a list, not a number" },
	/* objects */
	{ "keys(sockets.tcp)", "TIME_WAIT" },
	{ "keys(1)", "ERROR:'keys' needs an object*" },
	/* lists */
	{ "join(uniq(['b', 'a', 'b', 1, 1, 'a']), ',')", "b,a,1" },
	{ "len(uniq([]))", "0" },
	{ "uniq('ab')", "ERROR:'uniq' needs a list, not a string" },
	/* strings */
	{ "starts_with(host.kernel, '5.15')", "true" },
	{ "join(['a', 1, true], ', ')", "a, 1, true" },
	{ "is_ints('32768 60999')", "true" },
	{ "is_ints(' -1 0x1F 017 ')", "true" },
	{ "is_ints('1.5')", "false" },
	{ "is_ints('08')", "false" },
	{ "is_ints('0x')", "false" },
	{ "is_ints('-')", "false" },
	{ "is_ints('+1')", "false" },
	{ "is_ints('')", "false" },
	{ "is_ints('yes')", "false" },
	{ "is_ints('8080,9000')", "false" },
	{ "is_ints(1)", "ERROR:'is_ints' needs a string, not a number" },
	/* formatting */
	{ "pct(0.834)", "83.4 %" },
	{ "pct(conntrack.count / conntrack.max)", "83.4 %" },
	{ "pct(0.5)", "50 %" },
	{ "pct(1)", "100 %" },
	{ "bytes(1610612736)", "1.5 GiB" },
	{ "bytes(400 * 262144)", "100 MiB" },
	{ "bytes(512)", "512 B" },
	{ "bytes(host.memory_bytes)", "16 GiB" },
	{ "sysctl", "{\"net.ipv4.ip_local_port_range\":\"32768 60999\",*" },
};

static void test_eval_table(void **state)
{
	int failures = 0;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *got = run(cases[i].expr);
		size_t wl = strlen(cases[i].want);
		bool ok;

		assert_non_null(got);
		if (wl && cases[i].want[wl - 1] == '*')
			ok = strneq(got, cases[i].want, wl - 1);
		else
			ok = streq(got, cases[i].want);
		if (!ok) {
			print_error("%s\n  got:  %s\n  want: %s\n", cases[i].expr, got,
				    cases[i].want);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static const struct {
	const char *expr;
	size_t off;
	const char *msg;
} parse_errors[] = {
	{ "", 0, "empty expression" },
	{ "1 +", 3, "expected a value, found the end of the expression" },
	{ "1 + * 2", 4, "expected a value, found '*' '*'" },
	{ "(1 + 2", 6, "expected ')', found the end of the expression" },
	{ "host.cpus = 1", 10, "unexpected '=' (comparison is '==')" },
	{ "a & b", 2, "unexpected '&' (logic is '&&')" },
	{ "true & false", 5, "unexpected '&' (logic is '&&')" },
	{ "maxx(1)", 0, "unknown function 'maxx'" },
	/* removed: no policy used them (issue 8) */
	{ "contains('ab', 'a')", 0, "unknown function 'contains'" },
	{ "all([], x => true)", 0, "unknown function 'all'" },
	{ "version('5.10')", 0, "unknown function 'version'" },
	{ "max()", 0, "'max' takes at least 1 argument, not 0" },
	{ "exists(1, 2)", 0, "'exists' takes 1 argument, not 2" },
	{ "round(1, 2, 3)", 0, "'round' takes 1 to 2 arguments, not 3" },
	{ "1 + host.cpu", 9, "unknown fact 'host.cpu' (see docs/facts.md)" },
	{ "conntrack.stats.drops > 0", 16,
	  "unknown fact 'conntrack.stats.drops' (see docs/facts.md)" },
	{ "conntrack[\"maxx\"]", 10, "unknown fact 'conntrack[\"maxx\"]' (see docs/facts.md)" },
	{ "hosts.cpus", 0, "unknown name 'hosts'" },
	{ "param", 5, "expected '.NAME' after 'param', found the end of the expression" },
	{ "param.", 6,
	  "expected a parameter name after 'param.', found the end of the expression" },
	{ "1 < 2 < 3", 6, "comparisons cannot be chained; use '&&'" },
	{ "'abc", 0, "unterminated string" },
	{ "'a\\qb'", 2, "unknown escape '\\q' in string" },
	{ "12abc", 0, "invalid number '12a'" },
	{ "len(x => 1)", 4, "a function 'x => ...' is not allowed here" },
	{ "any([1], 2)", 9, "'any' needs a function 'x => ...' as its second argument" },
	{ "any([1], host => 1)", 9, "'host' cannot be a variable name" },
	{ "x", 0, "unknown name 'x'" },
	{ "any([1], x => y)", 14, "unknown name 'y'" },
	{ "1 2", 2, "expected an operator or the end of the expression, found number '2'" },
	{ "[1 2]", 3, "expected ',' or ']', found number '2'" },
	{ "f(", 0, "unknown function 'f'" },
	{ "sum([1], x => x, 3)", 0, "'sum' takes 1 to 2 arguments, not 3" },
	{ "1 # 2", 2, "unexpected character '#'" },
	{ "true ? 1", 8, "expected ':', found the end of the expression" },
};

static void test_parse_errors(void **state)
{
	int failures = 0;

	for (size_t i = 0; i < ELEMENTSOF(parse_errors); i++) {
		struct cta_expr *e = NULL;
		_cleanup_free_ char *err = NULL;
		size_t off = 999;
		int r = cta_expr_parse(parse_errors[i].expr, NULL, &e, &off, &err);

		if (r != -EINVAL || off != parse_errors[i].off || !err ||
		    !streq(err, parse_errors[i].msg)) {
			print_error("'%s'\n  got:  %d %zu %s\n  want: %zu %s\n",
				    parse_errors[i].expr, r, off, err ? err : "(null)",
				    parse_errors[i].off, parse_errors[i].msg);
			failures++;
		}
		cta_expr_free(e);
	}
	assert_int_equal(failures, 0);
}

static void test_deep_and_long(void **state)
{
	_cleanup_free_ char *deep = malloc(20000), *longe = malloc(40000);
	struct cta_expr *e = NULL;
	size_t off = 0;
	char *err = NULL;

	/* 10000 parentheses: bounded recursion, an error, no crash */
	memset(deep, '(', 10000);
	deep[10000] = '1';
	memset(deep + 10001, ')', 9998);
	deep[19999] = 0;
	assert_int_equal(cta_expr_parse(deep, NULL, &e, &off, &err), -EINVAL);
	assert_string_equal(err, "expression nested too deeply");
	assert_int_equal(off, 64);
	free(err);
	err = NULL;

	/* 5000 terms: too long, rejected before it costs anything */
	for (size_t i = 0; i < 5000; i++)
		memcpy(longe + i * 4, "1 + ", 4);
	memcpy(longe + 20000, "1", 2);
	assert_int_equal(cta_expr_parse(longe, NULL, &e, &off, &err), -EINVAL);
	assert_string_equal(err, "expression too long (more than 1000 parts)");
	free(err);
	err = NULL;

	/* 10000 unary minus signs */
	memset(deep, '-', 10000);
	memcpy(deep + 10000, "1", 2);
	assert_int_equal(cta_expr_parse(deep, NULL, &e, &off, &err), -EINVAL);
	assert_string_equal(err, "expression nested too deeply");
	free(err);
}

struct seen {
	char params[8][32];
	int n_params;
	char keys[8][64];
	int n_keys;
};

static int on_param(void *u, const char *name, size_t off)
{
	struct seen *s = u;

	snprintf(s->params[s->n_params++], 32, "%s@%zu", name, off);
	return 0;
}

static int on_sysctl(void *u, const char *key)
{
	struct seen *s = u;

	snprintf(s->keys[s->n_keys++], 64, "%s", key);
	return 0;
}

static void test_env(void **state)
{
	static const char *const lets[] = { "ratio", "limit" };
	struct seen seen = { 0 };
	struct cta_expr_env env = { .lets = lets,
				    .n_lets = 2,
				    .userdata = &seen,
				    .on_param = on_param,
				    .on_sysctl = on_sysctl };
	struct cta_expr *e = NULL;
	size_t off = 0;
	char *err = NULL;
	struct cta_val letv[2] = { { .kind = CTA_VAL_NUM, .n = 0.5 },
				   { .kind = CTA_VAL_NUM, .n = 3 } };
	struct cta_eval_ctx c = { .facts = facts, .params = params, .lets = letv, .n_lets = 2 };
	struct cta_val v;

	assert_int_equal(
		cta_expr_parse(
			"ratio * limit < param.high_ratio + int(sysctl[\"net.ipv4.tcp_tw_reuse\"])",
			&env, &e, &off, &err),
		0);
	assert_int_equal(seen.n_params, 1);
	assert_string_equal(seen.params[0], "high_ratio@22");
	assert_int_equal(seen.n_keys, 1);
	assert_string_equal(seen.keys[0], "net.ipv4.tcp_tw_reuse");
	cta_expr_eval(e, &c, &v);
	assert_int_equal(v.kind, CTA_VAL_BOOL);
	assert_true(v.b); /* 1.5 < 2.8 */
	cta_val_done(&v);
	cta_expr_free(e);

	/* a let can be shadowed by a lambda variable */
	assert_int_equal(cta_expr_parse("any([1, 2], ratio => ratio == 2)", &env, &e, &off, &err),
			 0);
	cta_expr_eval(e, &c, &v);
	assert_true(v.kind == CTA_VAL_BOOL && v.b);
	cta_val_done(&v);
	cta_expr_free(e);

	/* comma-separated lists (needs) */
	struct cta_expr **list = NULL;
	size_t n = 0;

	assert_int_equal(cta_expr_parse_list("sysctl[\"a.b\"], conntrack.max, host.cpus", &env,
					     &list, &n, &off, &err),
			 0);
	assert_int_equal(n, 3);
	assert_string_equal(seen.keys[1], "a.b");
	for (size_t i = 0; i < n; i++)
		cta_expr_free(list[i]);
	free(list);
	assert_int_equal(cta_expr_parse_list("host.cpus, ", &env, &list, &n, &off, &err), -EINVAL);
	assert_int_equal(off, 11);
	free(err);
}

static const struct {
	const char *tmpl;
	const char *want;
} templates[] = {
	{ "plain text", "plain text" },
	{ "", "" },
	{ "{host.cpus} CPUs", "8 CPUs" },
	{ "{{literal}} and {host.hostname}", "{literal} and db1" },
	{ "}}{{", "}{" },
	{ "{pct(conntrack.count / conntrack.max)} full", "83.4 % full" },
	{ "drops {conntrack.stats.insert_failed}", "drops unknown" },
	{ "{1 / 0}", "(error: division by zero in '1 / 0')" },
	{ "{'}' + ''}", "(error: '}' is not a number)" },
	{ "{\"a}b\"}", "a}b" },
	{ "max {max(131072, 32768 * host.cpus)}", "max 262144" },
	{ "{map(sockets.time_wait_top, t => t.peer)}", "192.168.1.11:3306, 10.0.0.2:443" },
	{ "{sysctl[\"net.ipv4.ip_local_port_range\"]}", "32768 60999" },
	/* bounded text (issue 10 item 9): 10^5 shared elements, 700 kB as text */
	{ "{map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], a => map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], b => map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], c => map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], d => map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], e => 12345)))))}",
	  "(error: text longer than 65536 bytes)" },
	{ "x{join(map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], a => map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], b => map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], c => map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], d => map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], e => 12345))))), \",\")}",
	  "x(error: 'join' result longer than 65536 bytes)" },
	/* 50 kB each, 100 kB together */
	{ "{join(map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], a => map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], b => map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], c => map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], d => 1234)))), \",\")}{join(map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], a => map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], b => map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], c => map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], d => 1234)))), \",\")}",
	  "(error: template output longer than 65536 bytes)" },
};

static void test_templates(void **state)
{
	struct cta_eval_ctx c = { .facts = facts, .params = params };

	for (size_t i = 0; i < ELEMENTSOF(templates); i++) {
		struct cta_tmpl *t = NULL;
		size_t off = 0;
		_cleanup_free_ char *err = NULL, *got = NULL;

		assert_int_equal(cta_tmpl_parse(templates[i].tmpl, NULL, &t, &off, &err), 0);
		got = cta_tmpl_render(t, &c);
		assert_non_null(got);
		if (!streq(got, templates[i].want))
			fail_msg("template '%s': got '%s', want '%s'", templates[i].tmpl, got,
				 templates[i].want);
		cta_tmpl_free(t);
	}

	/* strict rendering names the missing fact */
	struct cta_tmpl *t = NULL;
	size_t off = 0;
	char *err = NULL, *out = NULL, *problem = NULL;

	assert_int_equal(cta_tmpl_parse("{max(1, conntrack.buckets)}", NULL, &t, &off, &err), 0);
	assert_int_equal(cta_tmpl_render_strict(t, &c, &out, &problem), 1);
	assert_string_equal(problem, "needs 'conntrack.buckets', which the snapshot does not have");
	free(out);
	free(problem);
	cta_tmpl_free(t);

	/* errors with their offsets in the template */
	static const struct {
		const char *tmpl;
		size_t off;
		const char *msg;
	} bad[] = {
		{ "a {host.cpus", 2, "unclosed '{' in template (write '{{' for a brace)" },
		{ "a } b", 2, "unmatched '}' in template (write '}}' for a brace)" },
		{ "x {1 +} y", 6, "expected a value, found the end of the expression" },
		{ "x {} y", 3, "empty expression" },
		{ "ok {host.cpuz}", 9, "unknown fact 'host.cpuz' (see docs/facts.md)" },
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		err = NULL;
		off = 999;
		assert_int_equal(cta_tmpl_parse(bad[i].tmpl, NULL, &t, &off, &err), -EINVAL);
		if (off != bad[i].off || !streq(err, bad[i].msg))
			fail_msg("template '%s': got %zu '%s'", bad[i].tmpl, off, err);
		free(err);
	}
}

static void test_versions_ports(void **state)
{
	assert_true(cta_version_cmp("4.9", "4.12") < 0);
	assert_true(cta_version_cmp("5.15.0-91-generic", "5.15") == 0);
	assert_true(cta_version_cmp("6.18.44-fc-v595", "6.0") > 0);
	assert_true(cta_version_cmp("v6.1", "6.1.0") == 0);
	assert_int_equal(cta_port_spec_contains("22,8000-8100", 8050), 1);
	assert_int_equal(cta_port_spec_contains("22,8000-8100", 23), 0);
	assert_int_equal(cta_port_spec_contains("", 23), 1);
	assert_int_equal(cta_port_spec_contains("8100-8000", 23), -EINVAL);
	assert_int_equal(cta_port_spec_contains("22,", 22), 1);
}

/* explain's view of a template: named placeholders and the expressions behind them */
static void test_tmpl_outline(void **state)
{
	static const struct {
		const char *in, *text, *slots; /* slots: "name=expr;..." */
	} t[] = {
		{ "no braces", "no braces", "" },
		{ "{a} of {b.c}", "<a> of <b.c>", "a=a;b.c=b.c;" },
		{ "{pct(x / y)} and {x} and {pct(x / y)}", "<1> and <x> and <1>",
		  "1=pct(x / y);x=x;" },
		{ "{{literal}} {f(\"}\")}", "{literal} <1>", "1=f(\"}\");" },
		{ "{a} {b()} {c()}", "<a> <1> <2>", "a=a;1=b();2=c();" },
		{ "broken {x", "broken {x", "" },
		{ "", "", "" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *text = NULL, *got = NULL;
		struct cta_tmpl_slot *v = NULL;
		size_t n = 0, len = 0;
		FILE *f = open_memstream(&got, &len);

		assert_int_equal(cta_tmpl_outline(t[i].in, &text, &v, &n), 0);
		assert_string_equal(text, t[i].text);
		for (size_t k = 0; k < n; k++)
			fprintf(f, "%s=%s;", v[k].name, v[k].expr);
		fclose(f);
		assert_string_equal(got, t[i].slots);
		cta_tmpl_slots_free(v, n);
		free(text);
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eval_table),     cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_deep_and_long),  cmocka_unit_test(test_env),
		cmocka_unit_test(test_templates),      cmocka_unit_test(test_tmpl_outline),
		cmocka_unit_test(test_versions_ports),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
