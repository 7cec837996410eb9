// SPDX-License-Identifier: GPL-2.0-or-later
/* Derived facts: NAT/NOTRACK overlap, NOTRACK coverage, drift lists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "policy/derive.h"
#include "util/json.h"
#include "util/macro.h"

static json_t *derive(const char *facts_text)
{
	json_error_t e;
	_cleanup_json_ json_t *facts = json_loads(facts_text, 0, &e);
	json_t *d = NULL;

	if (!facts)
		fail_msg("bad test facts: %s: %s", e.text, facts_text);
	assert_int_equal(cta_derive(facts, &d), 0);
	return d;
}

/* "direction:notrack index:nat index,..." of the conflicts, for comparison */
static char *conflicts_str(json_t *facts_derived, json_t *facts)
{
	json_t *c = json_object_get(facts_derived, "notrack_nat_conflicts"), *x;
	json_t *nt = cta_json_path(facts, "firewall.notrack");
	json_t *nat = cta_json_path(facts, "firewall.nat");
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	json_array_foreach(c, i, x) {
		size_t a = 0, b = 0;

		while (a < json_array_size(nt) &&
		       json_array_get(nt, a) != json_object_get(x, "notrack"))
			a++;
		while (b < json_array_size(nat) &&
		       json_array_get(nat, b) != json_object_get(x, "nat"))
			b++;
		fprintf(f, "%s%s:%zu:%zu", i ? "," : "",
			json_string_value(json_object_get(x, "direction")), a, b);
	}
	fclose(f);
	return buf;
}

static const struct {
	const char *notrack, *nat, *want;
} nat_cases[] = {
	/* the original direction: destination ports */
	{ "[{\"proto\":\"tcp\",\"dport\":\"8080\"}]",
	  "[{\"kind\":\"dnat\",\"proto\":\"tcp\",\"dport\":\"8080\",\"to\":\"10.0.0.1:80\"}]",
	  "original:0:0" },
	{ "[{\"proto\":\"tcp\",\"dport\":\"8080\"}]",
	  "[{\"kind\":\"dnat\",\"proto\":\"tcp\",\"dport\":\"8081\"}]", "" },
	{ "[{\"proto\":\"tcp\",\"dport\":\"8000-8100\"}]",
	  "[{\"kind\":\"redirect\",\"proto\":\"tcp\",\"dport\":\"8050:8060\"}]", "original:0:0" },
	{ "[{\"proto\":\"udp\",\"dport\":\"53\"}]",
	  "[{\"kind\":\"dnat\",\"proto\":\"tcp\",\"dport\":\"53\"}]", "" },
	{ "[{\"dport\":\"53\"}]", "[{\"kind\":\"dnat\",\"proto\":\"udp\",\"dport\":\"53\"}]",
	  "original:0:0" },
	{ "[{\"family\":\"ipv4\",\"dport\":\"53\"}]",
	  "[{\"family\":\"ipv6\",\"kind\":\"dnat\",\"dport\":\"53\"}]", "" },
	{ "[{\"family\":\"ipv6\",\"dport\":\"53\"}]",
	  "[{\"family\":\"ip6\",\"kind\":\"dnat\",\"dport\":\"53\"}]", "original:0:0" },
	{ "[{\"family\":\"inet\",\"dport\":\"53\"}]",
	  "[{\"family\":\"ipv6\",\"kind\":\"dnat\",\"dport\":\"53\"}]", "original:0:0" },
	/* a negated port matches (almost) every port */
	{ "[{\"dport\":\"22,80\",\"negated\":[\"dport\"]}]",
	  "[{\"kind\":\"dnat\",\"dport\":\"443\"}]", "original:0:0" },
	/* DNAT in prerouting vs NOTRACK in output: different packets */
	{ "[{\"hook\":\"output\",\"dport\":\"443\"}]",
	  "[{\"kind\":\"dnat\",\"hook\":\"prerouting\",\"dport\":\"443\"}]", "" },
	/* SNAT/MASQUERADE: only with a port, and on any hook */
	{ "[{\"hook\":\"prerouting\",\"dport\":\"443\"}]",
	  "[{\"kind\":\"masquerade\",\"hook\":\"postrouting\"}]", "" },
	{ "[{\"hook\":\"prerouting\",\"dport\":\"443\"}]",
	  "[{\"kind\":\"snat\",\"hook\":\"postrouting\",\"dport\":\"443\"}]", "original:0:0" },
	/* the reply direction: the translated-to port, IPv4 and IPv6, REDIRECT */
	{ "[{\"proto\":\"tcp\",\"hook\":\"output\",\"sport\":\"8080\"}]",
	  "[{\"kind\":\"redirect\",\"proto\":\"tcp\",\"hook\":\"prerouting\",\"dport\":\"80\",\"to\":\"8080\"}]",
	  "reply:0:0" },
	{ "[{\"proto\":\"tcp\",\"sport\":\"443\"}]",
	  "[{\"kind\":\"dnat\",\"proto\":\"tcp\",\"dport\":\"8443\",\"to\":\"10.0.0.10:443\"}]",
	  "reply:0:0" },
	{ "[{\"family\":\"ipv6\",\"sport\":\"443\"}]",
	  "[{\"family\":\"ipv6\",\"kind\":\"dnat\",\"dport\":\"8443\",\"to\":\"[fd00::10]:443\"}]",
	  "reply:0:0" },
	{ "[{\"hook\":\"output\",\"sport\":\"443\"}]",
	  "[{\"kind\":\"dnat\",\"hook\":\"prerouting\",\"dport\":\"8443\",\"to\":\"10.0.0.10:444\"}]",
	  "" },
	/* no port in `to`: the replies come from the matched port */
	{ "[{\"sport\":\"8443\"}]",
	  "[{\"kind\":\"dnat\",\"dport\":\"8443\",\"to\":\"10.0.0.1-10.0.0.5\"}]", "reply:0:0" },
	{ "[{\"sport\":\"8443\"}]", "[{\"kind\":\"dnat\",\"dport\":\"8443\",\"to\":\"fd00::1\"}]",
	  "reply:0:0" },
	/* a destination-port-only rule says nothing about replies */
	{ "[{\"hook\":\"output\",\"dport\":\"9999\"}]",
	  "[{\"kind\":\"redirect\",\"hook\":\"prerouting\",\"dport\":\"80\",\"to\":\"9999\"}]",
	  "" },
	/* the lowest-numbered NAT rule is named; several NOTRACK rules */
	{ "[{\"dport\":\"1\"},{\"dport\":\"100-200\"},{\"dport\":\"7\"}]",
	  "[{\"kind\":\"dnat\",\"dport\":\"50-150\"},{\"kind\":\"dnat\",\"dport\":\"120\"},{\"kind\":\"dnat\",\"dport\":\"0-5\"}]",
	  "original:0:2,original:1:0" },
	{ "[]", "[{\"kind\":\"dnat\"}]", "" },
	{ "[{}]", "[]", "" },
};

static void test_nat_overlap(void **state)
{
	for (size_t i = 0; i < ELEMENTSOF(nat_cases); i++) {
		_cleanup_free_ char *text = NULL, *got = NULL;
		_cleanup_json_ json_t *facts = NULL, *d = NULL;

		assert_true(asprintf(&text, "{\"firewall\":{\"notrack\":%s,\"nat\":%s}}",
				     nat_cases[i].notrack, nat_cases[i].nat) > 0);
		facts = json_loads(text, 0, NULL);
		assert_non_null(facts);
		assert_int_equal(cta_derive(facts, &d), 0);
		got = conflicts_str(d, facts);
		if (!streq(got, nat_cases[i].want))
			fail_msg("case %zu: %s: got '%s', want '%s'", i, text, got,
				 nat_cases[i].want);
	}
}

/* 4000 NOTRACK x 4000 NAT rules took 59 s when compared pairwise. */
static void test_nat_overlap_large(void **state)
{
	_cleanup_json_ json_t *facts = json_object(), *nt = json_array(), *nat = json_array();
	_cleanup_json_ json_t *d = NULL;
	struct timespec a, b;

	for (int i = 0; i < 4000; i++) {
		char p[16];

		snprintf(p, sizeof(p), "%d", 10000 + 2 * i);
		json_array_append_new(nt, json_pack("{s:s, s:s}", "proto", "tcp", "dport", p));
		snprintf(p, sizeof(p), "%d", 10001 + 2 * i);
		json_array_append_new(nat, json_pack("{s:s, s:s, s:s}", "kind", "dnat", "proto",
						     "tcp", "dport", p));
	}
	json_object_set_new(facts, "firewall", json_pack("{s:O, s:O}", "notrack", nt, "nat", nat));
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(cta_derive(facts, &d), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_int_equal(json_array_size(json_object_get(d, "notrack_nat_conflicts")), 0);
	assert_true((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 2000);
}

static const struct {
	const char *notrack, *tcp, *udp;
} cover_cases[] = {
	{ "[{\"proto\":\"tcp\",\"dport\":\"8080\"}]", "[\"8080\"]", "[]" },
	/* restricted rules cover nothing (issue 9 item 9) */
	{ "[{\"proto\":\"tcp\",\"dport\":\"8080\",\"saddr\":\"10.9.1.99\"}]", "[]", "[]" },
	{ "[{\"proto\":\"tcp\",\"dport\":\"8080\",\"daddr\":\"10.0.0.0/8\"}]", "[]", "[]" },
	{ "[{\"proto\":\"tcp\",\"dport\":\"8080\",\"iif\":\"eth0\"}]", "[]", "[]" },
	{ "[{\"proto\":\"tcp\",\"dport\":\"8080\",\"sport\":\"1024-65535\"}]", "[]", "[]" },
	{ "[{\"proto\":\"tcp\",\"dport\":\"8080\",\"negated\":[\"dport\"]}]", "[]", "[]" },
	{ "[{\"proto\":\"tcp\",\"dport\":\"8080\",\"hook\":\"output\"}]", "[]", "[]" },
	{ "[{\"proto\":\"tcp\",\"dport\":\"8080\",\"hook\":\"prerouting\"}]", "[\"8080\"]", "[]" },
	/* merged: overlapping and adjacent ranges, any-protocol rules */
	{ "[{\"proto\":\"tcp\",\"dport\":\"9000-9050\"},{\"proto\":\"tcp\",\"dport\":\"9051:9100\"},"
	  "{\"dport\":\"53\"},{\"proto\":\"tcp\",\"dport\":\"9010\"}]",
	  "[\"53\",\"9000-9100\"]", "[\"53\"]" },
	{ "[{\"proto\":\"udp\"}]", "[]", "[\"0-65535\"]" },
	{ "[{\"proto\":\"tcp\",\"dport\":\"bogus\"}]", "[]", "[]" },
};

static void test_notrack_covered(void **state)
{
	for (size_t i = 0; i < ELEMENTSOF(cover_cases); i++) {
		_cleanup_free_ char *text = NULL;
		_cleanup_json_ json_t *d = NULL, *tcp = NULL, *udp = NULL;
		json_t *c;

		assert_true(asprintf(&text, "{\"firewall\":{\"notrack\":%s}}",
				     cover_cases[i].notrack) > 0);
		d = derive(text);
		c = json_object_get(d, "notrack_covered");
		tcp = json_loads(cover_cases[i].tcp, 0, NULL);
		udp = json_loads(cover_cases[i].udp, 0, NULL);
		if (!json_equal(json_object_get(c, "tcp"), tcp) ||
		    !json_equal(json_object_get(c, "udp"), udp)) {
			_cleanup_free_ char *s = cta_json_dumps(c);

			fail_msg("case %zu: %s: got %s", i, text, s);
		}
		/* the overlap needs firewall.nat too */
		assert_null(json_object_get(d, "notrack_nat_conflicts"));
	}
}

/* per family: an ip/ipv4 rule covers IPv4 only, ip6/ipv6 IPv6 only, inet or
 * no family both; a bridge rule neither */
static const struct {
	const char *notrack, *v4, *v6;
} fam_cases[] = {
	{ "[{\"family\":\"ipv4\",\"proto\":\"tcp\",\"dport\":\"8080\"}]", "[\"8080\"]", "[]" },
	{ "[{\"family\":\"ip\",\"proto\":\"tcp\",\"dport\":\"8080\"}]", "[\"8080\"]", "[]" },
	{ "[{\"family\":\"ipv6\",\"proto\":\"tcp\",\"dport\":\"8080\"}]", "[]", "[\"8080\"]" },
	{ "[{\"family\":\"ip6\",\"proto\":\"tcp\",\"dport\":\"8080\"}]", "[]", "[\"8080\"]" },
	{ "[{\"family\":\"inet\",\"proto\":\"tcp\",\"dport\":\"8080\"}]", "[\"8080\"]",
	  "[\"8080\"]" },
	{ "[{\"proto\":\"tcp\",\"dport\":\"8080\"}]", "[\"8080\"]", "[\"8080\"]" },
	{ "[{\"family\":\"bridge\",\"proto\":\"tcp\",\"dport\":\"8080\"}]", "[]", "[]" },
	{ "[{\"family\":\"ipv4\",\"proto\":\"tcp\",\"dport\":\"8080\"},"
	  "{\"family\":\"ipv6\",\"proto\":\"tcp\",\"dport\":\"8000-8100\"}]",
	  "[\"8080\"]", "[\"8000-8100\"]" },
};

static void test_notrack_covered_family(void **state)
{
	for (size_t i = 0; i < ELEMENTSOF(fam_cases); i++) {
		_cleanup_free_ char *text = NULL;
		_cleanup_json_ json_t *d = NULL, *v4 = NULL, *v6 = NULL;
		json_t *c;

		assert_true(asprintf(&text, "{\"firewall\":{\"notrack\":%s}}",
				     fam_cases[i].notrack) > 0);
		d = derive(text);
		c = json_object_get(d, "notrack_covered");
		v4 = json_loads(fam_cases[i].v4, 0, NULL);
		v6 = json_loads(fam_cases[i].v6, 0, NULL);
		if (!json_equal(cta_json_path(c, "ipv4.tcp"), v4) ||
		    !json_equal(cta_json_path(c, "ipv6.tcp"), v6) ||
		    !json_equal(cta_json_path(c, "ipv4.udp"), json_object_get(c, "udp"))) {
			_cleanup_free_ char *s = cta_json_dumps(c);

			fail_msg("case %zu: %s: got %s", i, text, s);
		}
	}
}

static void test_drift(void **state)
{
	_cleanup_json_ json_t *d = derive(
		"{\"sysctl\": {\"a\": \"1\", \"b\": \"32768\\t60999\", \"c\": \"4096 131072 6291456\","
		"  \"e\": \"1 2 3 4 5 6 7\"},"
		" \"persisted\": {"
		"  \"c\": {\"value\": \"4096 131072 6291457\", \"file\": \"/etc/sysctl.d/x.conf\"},"
		"  \"a\": {\"value\": \"0\", \"overridden\": [{\"value\": \"0\"}, {\"value\": \" 0 \"}]},"
		"  \"b\": {\"value\": \"32768 60999\", \"overridden\": [{\"value\": \"1024 65535\"}]},"
		"  \"d\": {\"value\": \"1\"},"
		"  \"e\": {\"value\": \"1 2 3 4 5 6 8\"}}}");
	_cleanup_json_ json_t *rt = json_pack("[s, s, s]", "a", "c", "e");
	_cleanup_json_ json_t *ov = json_pack("[s]", "b");

	assert_true(json_equal(json_object_get(d, "drift_runtime"), rt));
	assert_true(json_equal(json_object_get(d, "drift_overridden"), ov));

	_cleanup_json_ json_t *d2 = derive("{\"persisted\": {\"a\": {\"value\": \"1\"}}}");

	assert_null(json_object_get(d2, "drift_runtime"));
	assert_non_null(json_object_get(d2, "drift_overridden"));
	assert_null(json_object_get(d2, "notrack_covered"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nat_overlap),
		cmocka_unit_test(test_nat_overlap_large),
		cmocka_unit_test(test_notrack_covered),
		cmocka_unit_test(test_notrack_covered_family),
		cmocka_unit_test(test_drift),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
