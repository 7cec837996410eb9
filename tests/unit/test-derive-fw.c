// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy/derive-fw.c: firewall.stateful_filter_drops_untracked computed from
 * firewall.filter.  Chains are written in JSON with ' for " to stay readable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy/derive-fw.h"
#include "util/json.h"

static json_t *load(const char *text)
{
	char *s = strdup(text);
	json_error_t err;
	json_t *v;

	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(s, 0, &err);
	if (!v)
		fail_msg("bad test JSON: %s: %s", err.text, s);
	free(s);
	return v;
}

/* A legacy filter table chain, an nft chain. */
#define LEG(chain, hook, policy, rules)                                                \
	"{'source':'iptables-legacy','family':'ipv4','table':'filter','chain':'" chain \
	"'" hook policy ",'rules':[" rules "]}"
#define NFT(chain, hook, policy, rules)                                               \
	"{'source':'nft','family':'inet','table':'f','type':'filter','chain':'" chain \
	"'" hook policy ",'rules':[" rules "]}"
#define IN ",'hook':'input'"
#define FWD ",'hook':'forward'"
#define OUT ",'hook':'output'"
#define USER ""
#define DROP ",'policy':'drop'"
#define ACCEPT ",'policy':'accept'"
#define EST "{'verdict':'accept','conditional':true,'ctstate':['established','related']}"
#define UNTR "{'verdict':'accept','conditional':true,'ctstate':['untracked']}"
#define ALL_DROP "{'verdict':'drop','conditional':false}"
#define ALL_ACCEPT "{'verdict':'accept','conditional':false}"
#define JUMP(to) "{'verdict':'jump','conditional':true,'target':'" to "'}"
#define JUMP_ALL(to) "{'verdict':'jump','conditional':false,'target':'" to "'}"
#define GOTO_ALL(to) "{'verdict':'goto','conditional':false,'target':'" to "'}"

static void test_table(void **state)
{
	static const struct {
		const char *what, *filter;
		int want;
	} t[] = {
		{ "empty", "[]", 0 },
		{ "policy drop, established accepted", "[" LEG("INPUT", IN, DROP, EST) "]", 1 },
		{ "policy accept", "[" LEG("INPUT", IN, ACCEPT, EST) "]", 0 },
		{ "no established accept", "[" LEG("INPUT", IN, DROP, UNTR) "]", 0 },
		{ "untracked accepted too", "[" LEG("INPUT", IN, DROP, EST "," UNTR) "]", 0 },
		{ "untracked first", "[" LEG("INPUT", IN, DROP, UNTR "," EST) "]", 0 },
		{ "explicit final drop", "[" LEG("INPUT", IN, ACCEPT, EST "," ALL_DROP) "]", 1 },
		{ "untracked after the final drop",
		  "[" LEG("INPUT", IN, ACCEPT, EST "," ALL_DROP "," UNTR) "]", 1 },
		{ "accept all before the policy",
		  "[" LEG("INPUT", IN, DROP, EST "," ALL_ACCEPT) "]", 0 },
		{ "reject",
		  "[" LEG("INPUT", IN, ACCEPT, EST ",{'verdict':'reject','conditional':false}") "]",
		  1 },
		{ "forward counts", "[" LEG("FORWARD", FWD, DROP, EST) "]", 1 },
		{ "output does not", "[" LEG("OUTPUT", OUT, DROP, EST) "]", 0 },
		{ "legacy table other than filter",
		  "[{'source':'iptables-legacy','family':'ipv4','table':'mangle','chain':'INPUT',"
		  "'hook':'input','policy':'drop','rules':[" EST "]}]",
		  0 },
		{ "nft chain of type route",
		  "[{'source':'nft','family':'inet','table':'f','type':'route','chain':'in',"
		  "'hook':'input','policy':'drop','rules':[" EST "]}]",
		  0 },
		{ "nft filter chain", "[" NFT("in", IN, DROP, EST) "]", 1 },
		{ "negated ctstate is not an accept of it",
		  "[" LEG("INPUT", IN, DROP,
			  EST ",{'verdict':'accept','conditional':true,'ctstate':['untracked'],"
			      "'ctstate_negated':true}") "]",
		  1 },
		{ "a rule without 'conditional' is conditional",
		  "[" LEG("INPUT", IN, DROP, EST ",{'verdict':'accept'}") "]", 1 },
		{ "jump: the user chain accepts established",
		  "[" LEG("INPUT", IN, DROP, JUMP("X")) "," LEG("X", USER, "", EST) "]", 1 },
		{ "jump: the user chain accepts untracked",
		  "[" LEG("INPUT", IN, DROP, EST "," JUMP("X")) "," LEG("X", USER, "", UNTR) "]",
		  0 },
		{ "jump: the user chain drops all",
		  "[" LEG("INPUT", IN, ACCEPT, EST "," JUMP_ALL("X")) "," LEG("X", USER, "",
									      ALL_DROP) "]",
		  1 },
		{ "jump: conditional jump to a dropping chain falls through",
		  "[" LEG("INPUT", IN, ACCEPT, EST "," JUMP("X")) "," LEG("X", USER, "",
									  ALL_DROP) "]",
		  0 },
		{ "jump: return comes back",
		  "[" LEG("INPUT", IN, DROP, EST "," JUMP_ALL("X")) "," LEG(
			  "X", USER, "",
			  "{'verdict':'return','conditional':false}," ALL_ACCEPT) "]",
		  1 },
		{ "goto: the chain's end is the caller's end",
		  "[" LEG("INPUT", IN, DROP, EST "," GOTO_ALL("X") "," UNTR) "," LEG("X", USER, "",
										     "") "]",
		  1 },
		{ "jump to a missing chain",
		  "[" LEG("INPUT", IN, DROP, EST "," JUMP_ALL("nope")) "]", 1 },
		{ "a chain of another table is not a target",
		  "[" LEG("INPUT", IN, DROP,
			  EST "," JUMP(
				  "X")) ","
					"{'source':'iptables-legacy','family':'ipv6','table':'filter','chain':'X',"
					"'rules':[" UNTR "]}]",
		  1 },
		{ "vmap: its chains' accepts count",
		  "[" NFT("in", IN, DROP, "{'conditional':true,'vmap':['a','b']}") "," NFT(
			  "a", USER, "", EST) "," NFT("b", USER, "", ALL_ACCEPT) "]",
		  1 },
		{ "vmap: untracked accepted in one of them",
		  "[" NFT("in", IN, DROP, "{'conditional':true,'vmap':['a','b']}") "," NFT(
			  "a", USER, "", EST) "," NFT("b", USER, "", UNTR) "]",
		  0 },
		{ "loop (refused by the kernel, possible in a crafted file) ends",
		  "[" LEG("INPUT", IN, DROP, EST "," JUMP_ALL("A")) "," LEG(
			  "A", USER, "", JUMP_ALL("B")) "," LEG("B", USER, "", JUMP_ALL("A")) "]",
		  1 },
		{ "one chain drops, another does not: drops",
		  "[" LEG("INPUT", IN, DROP, EST "," UNTR) "," NFT("in", IN, DROP, EST) "]", 1 },
		{ "malformed entries are ignored",
		  "[1,'x',{'chain':'INPUT'}," LEG("INPUT", IN, DROP, EST) "]", 1 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_t *f = load(t[i].filter);
		int got = cta_derive_fw_drops_untracked(f);

		if (got != t[i].want)
			fail_msg("%s: got %d, want %d", t[i].what, got, t[i].want);
		json_decref(f);
	}
	assert_int_equal(cta_derive_fw_drops_untracked(NULL), -EINVAL);
}

/*
 * Chains c1..cN in a line, cN accepts untracked: nf_tables follows at most
 * NFT_JUMP_STACK_SIZE (16) jumps, x_tables as many as it has chains.
 */
static int chain_line(const char *source, int n)
{
	size_t cap = 4096 + (size_t)n * 256, len = 0;
	char *s = malloc(cap);
	json_t *f;
	int r;

	assert_non_null(s);
	len += (size_t)snprintf(s + len, cap - len,
				"[{\"source\":\"%s\",\"family\":\"ipv4\",\"table\":\"filter\","
				"\"type\":\"filter\",\"chain\":\"c0\",\"hook\":\"input\","
				"\"policy\":\"drop\",\"rules\":[{\"verdict\":\"accept\","
				"\"conditional\":true,\"ctstate\":[\"established\"]},"
				"{\"verdict\":\"jump\",\"conditional\":true,\"target\":\"c1\"}]}",
				source);
	for (int i = 1; i <= n; i++)
		len += (size_t)snprintf(
			s + len, cap - len,
			",{\"source\":\"%s\",\"family\":\"ipv4\",\"table\":\"filter\","
			"\"chain\":\"c%d\",\"rules\":[%s]}",
			source, i,
			i < n ? "{\"verdict\":\"jump\",\"conditional\":true,"
				"\"target\":\"c%d\"}" :
				"{\"verdict\":\"accept\",\"conditional\":true,"
				"\"ctstate\":[\"untracked\"]}");
	/* the jump targets: patch "c%d" with the next chain's number */
	{
		char *p = s;
		int next = 2;

		while ((p = strstr(p, "\"c%d\""))) {
			char num[16];
			int k = snprintf(num, sizeof(num), "\"c%d\"", next++);

			memmove(p + k, p + 5, strlen(p + 5) + 1);
			memcpy(p, num, (size_t)k);
		}
	}
	snprintf(s + strlen(s), cap - strlen(s), "]");
	f = json_loads(s, 0, NULL);
	assert_non_null(f);
	r = cta_derive_fw_drops_untracked(f);
	json_decref(f);
	free(s);
	return r;
}

static void test_depth(void **state)
{
	assert_int_equal(chain_line("nft", 16), 0); /* c16 is 16 jumps away: followed */
	assert_int_equal(chain_line("nft", 17), 1); /* 17: the kernel refuses it; not followed */
	assert_int_equal(chain_line("iptables-nft", 17), 1);
	assert_int_equal(chain_line("iptables-legacy", 17), 0);
	assert_int_equal(chain_line("iptables-legacy", 200), 0);
}

/* Each chain jumps twice to the next: 2^40 paths, one walk per chain. */
static void test_fanout_is_linear(void **state)
{
	char buf[256];
	json_t *f = load("[" LEG("INPUT", IN, DROP, EST "," JUMP("x0")) "]");

	for (int i = 0; i < 40; i++) {
		json_t *c;

		snprintf(buf, sizeof(buf),
			 "{'source':'iptables-legacy','family':'ipv4','table':'filter',"
			 "'chain':'x%d','rules':[" JUMP("x%d") "," JUMP("x%d") "]}",
			 i, i + 1, i + 1);
		c = load(buf);
		json_array_append_new(f, c);
	}
	assert_int_equal(cta_derive_fw_drops_untracked(f), 1);
	json_decref(f);
}

/* The facts entry point: recompute wins, no rules keep what is stored. */
static void test_facts(void **state)
{
	json_t *facts;

	/* an older snapshot: no firewall.filter, the stored value stays */
	facts = load("{'firewall':{'stateful_filter_drops_untracked':true}}");
	assert_int_equal(cta_derive_fw(facts), 0);
	assert_true(json_is_true(cta_json_path(facts, "firewall.stateful_filter_drops_untracked")));
	json_decref(facts);

	/* nothing stored, nothing recorded (a firewall read in part): unknown */
	facts = load("{'firewall':{'notrack':[]}}");
	assert_int_equal(cta_derive_fw(facts), 0);
	assert_null(cta_json_path(facts, "firewall.stateful_filter_drops_untracked"));
	json_decref(facts);
	facts = load("{}");
	assert_int_equal(cta_derive_fw(facts), 0);
	assert_null(json_object_get(facts, "firewall"));
	json_decref(facts);

	/* rules recorded: the computed value replaces a stored one */
	facts = load("{'firewall':{'stateful_filter_drops_untracked':true,'filter':[" LEG(
		"INPUT", IN, DROP, EST "," UNTR) "]}}");
	assert_int_equal(cta_derive_fw(facts), 0);
	assert_true(
		json_is_false(cta_json_path(facts, "firewall.stateful_filter_drops_untracked")));
	json_decref(facts);
	facts = load("{'firewall':{'filter':[" LEG("INPUT", IN, DROP, EST) "]}}");
	assert_int_equal(cta_derive_fw(facts), 0);
	assert_true(json_is_true(cta_json_path(facts, "firewall.stateful_filter_drops_untracked")));
	json_decref(facts);
}

/* Which families the stateful filters that drop UNTRACKED see. */
static void test_families(void **state)
{
#define LEG6(chain, hook, policy, rules)                                               \
	"{'source':'iptables-legacy','family':'ipv6','table':'filter','chain':'" chain \
	"'" hook policy ",'rules':[" rules "]}"
#define NFTF(fam, chain, hook, policy, rules)                                            \
	"{'source':'nft','family':'" fam "','table':'f','type':'filter','chain':'" chain \
	"'" hook policy ",'rules':[" rules "]}"
	static const struct {
		const char *what, *filter;
		unsigned want;
	} t[] = {
		{ "none", "[]", 0 },
		{ "ip", "[" LEG("INPUT", IN, DROP, EST) "]", CTA_DERIVE_FW_IPV4 },
		{ "ip6", "[" LEG6("INPUT", IN, DROP, EST) "]", CTA_DERIVE_FW_IPV6 },
		{ "ip6 accepts untracked", "[" LEG6("INPUT", IN, DROP, EST "," UNTR) "]", 0 },
		{ "ip drops, ip6 accepts untracked",
		  "[" LEG("INPUT", IN, DROP, EST) "," LEG6("INPUT", IN, DROP, EST "," UNTR) "]",
		  CTA_DERIVE_FW_IPV4 },
		{ "both", "[" LEG("INPUT", IN, DROP, EST) "," LEG6("INPUT", IN, DROP, EST) "]",
		  CTA_DERIVE_FW_IPV4 | CTA_DERIVE_FW_IPV6 },
		{ "nft inet", "[" NFT("in", IN, DROP, EST) "]",
		  CTA_DERIVE_FW_IPV4 | CTA_DERIVE_FW_IPV6 },
		{ "nft ip6 (as the kernel names it)", "[" NFTF("ip6", "in", IN, DROP, EST) "]",
		  CTA_DERIVE_FW_IPV6 },
		{ "nft ipv6", "[" NFTF("ipv6", "in", FWD, DROP, EST) "]", CTA_DERIVE_FW_IPV6 },
		{ "nft bridge: both, not to lose an alarm",
		  "[" NFTF("bridge", "in", FWD, DROP, EST) "]",
		  CTA_DERIVE_FW_IPV4 | CTA_DERIVE_FW_IPV6 },
	};
	json_t *facts;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_t *f = load(t[i].filter);
		unsigned mask = 99;

		assert_int_equal(cta_derive_fw_drops_untracked_families(f, &mask), 0);
		if (mask != t[i].want)
			fail_msg("%s: got %u, want %u", t[i].what, mask, t[i].want);
		assert_int_equal(cta_derive_fw_drops_untracked(f), t[i].want != 0);
		json_decref(f);
	}

	/* the facts get the list next to the boolean */
	facts = load("{'firewall':{'filter':[" LEG6("INPUT", IN, DROP, EST) "]}}");
	assert_int_equal(cta_derive_fw(facts), 0);
	assert_true(json_is_true(cta_json_path(facts, "firewall.stateful_filter_drops_untracked")));
	assert_int_equal(json_array_size(cta_json_path(
				 facts, "firewall.stateful_filter_drops_untracked_in")),
			 1);
	assert_string_equal(
		json_string_value(json_array_get(
			cta_json_path(facts, "firewall.stateful_filter_drops_untracked_in"), 0)),
		"ipv6");
	json_decref(facts);
	facts = load("{'firewall':{'filter':[" LEG("INPUT", IN, DROP, EST "," UNTR) "]}}");
	assert_int_equal(cta_derive_fw(facts), 0);
	assert_true(
		json_is_false(cta_json_path(facts, "firewall.stateful_filter_drops_untracked")));
	assert_int_equal(json_array_size(cta_json_path(
				 facts, "firewall.stateful_filter_drops_untracked_in")),
			 0);
	json_decref(facts);
	/* no filter recorded: neither is set */
	facts = load("{'firewall':{'stateful_filter_drops_untracked':true}}");
	assert_int_equal(cta_derive_fw(facts), 0);
	assert_null(cta_json_path(facts, "firewall.stateful_filter_drops_untracked_in"));
	json_decref(facts);
	(void)state;
#undef LEG6
#undef NFTF
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_fanout_is_linear),
		cmocka_unit_test(test_facts),
		cmocka_unit_test(test_families),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
