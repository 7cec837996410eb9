// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: the expression language and templates.  Each input is
 * parsed as an expression and as a template; what parses is evaluated
 * against a small facts snapshot (map/filter/join included), so evaluation
 * bounds are fuzzed as well as the parser.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "policy/expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *facts, *params;

static void init(void)
{
	facts = json_loads(
		"{\"sysctl\": {\"net.ipv4.tcp_tw_reuse\": \"2\","
		" \"net.ipv4.ip_local_port_range\": \"32768\\t60999\"},"
		" \"conntrack\": {\"count\": 10, \"max\": 262144, \"active\": true,"
		"  \"top\": {\"entries\": 3, \"by_src\": [{\"key\": \"10.0.0.1\", \"count\": 2}]}},"
		" \"sockets\": {\"tcp\": {\"time_wait\": 7}},"
		" \"firewall\": {\"notrack\": [{\"proto\": \"tcp\", \"dport\": \"8080\"}]}}",
		0, NULL);
	params = json_loads("{\"notrack_ports\": [\"8080\", \"9000-9100\"], \"max\": 5}", 0, NULL);
	if (!facts || !params)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cta_expr_env env = { 0 };
	struct cta_expr *e = NULL;
	struct cta_tmpl *t = NULL;
	char *text, *err = NULL;
	size_t off;

	if (!facts)
		init();
	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (cta_expr_parse(text, &env, &e, &off, &err) == 0) {
		struct cta_eval_ctx c = { .facts = facts, .params = params };
		struct cta_val v;

		cta_expr_eval(e, &c, &v);
		free(cta_val_format(&v));
		cta_val_done(&v);
		cta_expr_free(e);
	}
	free(err), err = NULL;
	if (cta_tmpl_parse(text, &env, &t, &off, &err) == 0) {
		struct cta_eval_ctx c = { .facts = facts, .params = params };

		free(cta_tmpl_render(t, &c));
		cta_tmpl_free(t);
	}
	free(err);
	free(text);
	return 0;
}
