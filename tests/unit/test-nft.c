// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nf_tables decoding on recorded dump replies (tests/fixtures/firewall/
 * nft-ruleset, made by record.sh from real nft and iptables-nft rules).
 *
 *   test-nft                 run the tests
 *   test-nft --record DIR    dump the current netns' ruleset into DIR
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
#include "collect/firewall.h"
#include "policy/derive-fw.h"
#include "nf/firewall.h"
#include "util/fileio.h"
#include "util/json.h"

static const char *const files[] = { "tables", "chains", "rules", "objs", "sets", "elems" };

static struct cta_nft_buf *dump_part(struct cta_nft_dump *d, size_t i)
{
	struct cta_nft_buf *parts[] = { &d->tables, &d->chains, &d->rules,
					&d->objs,   &d->sets,	&d->elems };
	return parts[i];
}

static int record(const char *dir)
{
	struct cta_nft_dump d = { 0 };
	int r = cta_nft_dump_live(&d);

	if (r < 0) {
		fprintf(stderr, "dump failed: %s\n", strerror(-r));
		return 1;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path;
		struct cta_nft_buf *b = dump_part(&d, i);

		if (asprintf(&path, "%s/%s.bin", dir, files[i]) < 0)
			return 1;
		r = cta_write_file_atomic(path, b->p ? (const void *)b->p : "", b->len, 0644);
		free(path);
		if (r < 0) {
			fprintf(stderr, "write failed: %s\n", strerror(-r));
			return 1;
		}
	}
	cta_nft_dump_done(&d);
	return 0;
}

static void load_fixture(struct cta_nft_dump *d, const char *name)
{
	const char *fx = getenv("CTA_FIXTURES") ? getenv("CTA_FIXTURES") : CTA_FIXTURES;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path, *data = NULL;
		ssize_t len;
		struct cta_nft_buf *b = dump_part(d, i);

		assert_true(asprintf(&path, "%s/firewall/%s/%s.bin", fx, name, files[i]) >= 0);
		len = cta_read_file(path, 0, &data);
		assert_true(len >= 0);
		b->p = (uint8_t *)data;
		b->len = (size_t)len;
		free(path);
	}
}

/* Every entry of facts[path], as sorted compact JSON, must equal @want. */
static void assert_entries(json_t *facts, const char *path, const char *const *want, size_t n)
{
	json_t *arr = cta_json_path(facts, path), *v;
	size_t i;

	assert_non_null(arr);
	json_array_foreach(arr, i, v) {
		char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

		if (i >= n || strcmp(s, want[i]) != 0)
			fprintf(stderr, "%s[%zu]: got %s\n want %s\n", path, i, s,
				i < n ? want[i] : "(nothing)");
		assert_true(i < n);
		assert_string_equal(s, want[i]);
		free(s);
	}
	assert_int_equal(json_array_size(arr), n);
}

static void test_recorded_ruleset(void **state)
{
	struct cta_nft_dump d = { 0 };
	struct cta_fwset s = { 0 };
	json_t *facts = json_object();
	static const char *const notrack[] = {
		"{\"chain\":\"OUTPUT\",\"family\":\"ipv4\",\"hook\":\"output\",\"proto\":\"udp\","
		"\"source\":\"iptables-nft\",\"sport\":\"53\",\"table\":\"raw\"}",
		"{\"chain\":\"PREROUTING\",\"dport\":\"53\",\"family\":\"ipv4\",\"hook\":"
		"\"prerouting\",\"proto\":\"udp\",\"source\":\"iptables-nft\",\"table\":\"raw\"}",
		"{\"chain\":\"PREROUTING\",\"dport\":\"5353\",\"family\":\"ipv6\",\"hook\":"
		"\"prerouting\",\"proto\":\"udp\",\"source\":\"iptables-nft\",\"table\":\"raw\"}",
		"{\"chain\":\"pre\",\"dport\":\"1000-2000\",\"family\":\"inet\",\"hook\":"
		"\"prerouting\",\"proto\":\"tcp\",\"source\":\"nft\",\"table\":\"t\"}",
		"{\"chain\":\"pre\",\"dport\":\"22\",\"family\":\"inet\",\"hook\":\"prerouting\","
		"\"proto\":\"tcp\",\"source\":\"nft\",\"table\":\"t\"}",
		"{\"chain\":\"pre\",\"dport\":\"5060\",\"family\":\"inet\",\"hook\":\"prerouting\","
		"\"proto\":\"udp\",\"source\":\"nft\",\"table\":\"t\"}",
		"{\"chain\":\"pre\",\"dport\":\"5061\",\"family\":\"inet\",\"hook\":\"prerouting\","
		"\"proto\":\"udp\",\"source\":\"nft\",\"table\":\"t\"}",
		"{\"chain\":\"pre\",\"dport\":\"80\",\"family\":\"inet\",\"hook\":\"prerouting\","
		"\"proto\":\"tcp\",\"source\":\"nft\",\"table\":\"t\"}",
		"{\"chain\":\"pre\",\"dport\":\"9000\",\"family\":\"inet\",\"hook\":\"prerouting\","
		"\"proto\":\"tcp\",\"source\":\"nft\",\"table\":\"t\"}",
		"{\"chain\":\"sub\",\"dport\":\"123\",\"family\":\"inet\",\"hook\":\"prerouting\","
		"\"proto\":\"udp\",\"source\":\"nft\",\"table\":\"t\"}",
	};
	static const char *const nat[] = {
		"{\"chain\":\"POSTROUTING\",\"family\":\"ipv4\",\"hook\":\"postrouting\","
		"\"kind\":\"masquerade\",\"oif\":\"eth0\",\"persistent\":false,\"random\":false,"
		"\"random_fully\":false,\"saddr\":\"10.1.0.0/16\",\"source\":\"iptables-nft\","
		"\"table\":\"nat\"}",
		"{\"chain\":\"PREROUTING\",\"dport\":\"8443\",\"family\":\"ipv4\","
		"\"hook\":\"prerouting\",\"kind\":\"dnat\",\"persistent\":false,\"proto\":\"tcp\","
		"\"random\":false,\"random_fully\":false,\"source\":\"iptables-nft\","
		"\"table\":\"nat\",\"to\":\"10.0.0.10:443\"}",
		"{\"chain\":\"post\",\"daddr\":\"192.168.0.0/23\",\"family\":\"ipv4\","
		"\"hook\":\"postrouting\",\"kind\":\"snat\",\"persistent\":false,\"random\":false,"
		"\"random_fully\":false,\"source\":\"nft\",\"table\":\"n\","
		"\"to\":\"1.2.3.4-1.2.3.8\"}",
		"{\"chain\":\"post\",\"family\":\"ipv4\",\"hook\":\"postrouting\","
		"\"kind\":\"masquerade\",\"persistent\":false,\"proto\":\"tcp\",\"random\":false,"
		"\"random_fully\":false,\"source\":\"nft\",\"table\":\"n\",\"to\":\"1024-2000\"}",
		"{\"chain\":\"pre\",\"dport\":\"80\",\"family\":\"ipv4\",\"hook\":\"prerouting\","
		"\"iif\":\"eth0\",\"kind\":\"redirect\",\"persistent\":false,\"proto\":\"tcp\","
		"\"random\":false,\"random_fully\":false,\"saddr\":\"10.0.0.0/8\",\"source\":\"nft\","
		"\"table\":\"n\",\"to\":\"8080\"}",
		"{\"chain\":\"pre\",\"dport\":\"8443\",\"family\":\"ipv4\",\"hook\":\"prerouting\","
		"\"kind\":\"dnat\",\"persistent\":false,\"proto\":\"tcp\",\"random\":false,"
		"\"random_fully\":false,\"source\":\"nft\",\"table\":\"n\",\"to\":\"10.0.0.10:443\"}",
		"{\"chain\":\"pre\",\"dport\":\"8443\",\"family\":\"ipv6\",\"hook\":\"prerouting\","
		"\"kind\":\"dnat\",\"negated\":[\"saddr\"],\"persistent\":false,\"proto\":\"tcp\","
		"\"random\":false,\"random_fully\":false,\"saddr\":\"fd00::/64\",\"source\":\"nft\","
		"\"table\":\"n6\",\"to\":\"[fd00::10]:443\"}",
	};
	static const char *const assigned[] = {
		"{\"chain\":\"PREROUTING\",\"dport\":\"21\",\"family\":\"ipv4\",\"helper\":\"ftp\","
		"\"hook\":\"prerouting\",\"proto\":\"tcp\",\"source\":\"iptables-nft\",\"table\":"
		"\"raw\"}",
		"{\"chain\":\"pre\",\"dport\":\"21\",\"family\":\"inet\",\"helper\":\"ftp\",\"hook\":"
		"\"prerouting\",\"proto\":\"tcp\",\"source\":\"nft\",\"table\":\"t\"}",
	};

	load_fixture(&d, "nft-ruleset");
	assert_int_equal(cta_nft_decode(&d, &s), 0);
	/* t, f, n, n6, ip raw, ip6 raw, ip nat, ip filter */
	assert_int_equal(s.n_tables, 8);
	assert_int_equal(cta_fw_facts_add(facts, &s), 0);
	assert_int_equal(cta_fw_facts_finish(facts), 0);
	assert_entries(facts, "firewall.notrack", notrack, sizeof(notrack) / sizeof(notrack[0]));
	assert_entries(facts, "firewall.nat", nat, sizeof(nat) / sizeof(nat[0]));
	assert_entries(facts, "helpers.assigned", assigned, sizeof(assigned) / sizeof(assigned[0]));
	assert_int_equal(cta_derive_fw(facts), 0);
	/* inet t's input chain accepts established,related and drops the rest;
	 * ip filter INPUT and inet f's forward chain also accept untracked, which
	 * does not help inet t */
	assert_true(json_is_true(cta_json_path(facts, "firewall.stateful_filter_drops_untracked")));

	/* the stateful decision per table, from the decoded ct state bits */
	for (size_t i = 0; i < s.n_tables; i++) {
		struct cta_fwtable *t = &s.tables[i];
		struct cta_fwchain *in = cta_fwtable_find_chain(t, "INPUT");

		if (strcmp(t->name, "f") == 0) {
			/* ct state vmap { established : accept, related : accept,
			 * untracked : accept, invalid : drop } */
			struct cta_fwchain *fwd = cta_fwtable_find_chain(t, "cfwd");

			assert_non_null(fwd);
			assert_string_equal(fwd->hook, "forward");
			assert_string_equal(fwd->type, "filter");
			assert_int_equal(fwd->n_rules, 1);
			assert_int_equal(fwd->rules[0].verdict, CTA_FW_ACCEPT);
			assert_int_equal(fwd->rules[0].ctstate,
					 CTA_CT_ESTABLISHED | CTA_CT_RELATED | CTA_CT_UNTRACKED);
			continue;
		}
		if (strcmp(t->name, "t") == 0) {
			/* "udp dport @none notrack": an empty set matches nothing */
			struct cta_fwchain *pre = cta_fwtable_find_chain(t, "pre");

			assert_non_null(pre);
			assert_int_equal(pre->n_rules, 6);
			assert_true(pre->rules[5].never);
			assert_false(pre->rules[4].never);
			continue;
		}
		if (strcmp(t->name, "filter") != 0)
			continue;
		assert_string_equal(t->source, "iptables-nft");
		assert_non_null(in);
		assert_int_equal(in->policy, CTA_FW_DROP);
		assert_int_equal(in->n_rules, 3);
		assert_true(in->rules[0].has_ctstate);
		assert_int_equal(in->rules[0].ctstate, CTA_CT_ESTABLISHED | CTA_CT_RELATED);
		assert_int_equal(in->rules[1].ctstate, CTA_CT_UNTRACKED);
		assert_int_equal(in->rules[2].n_dports, 2);
		assert_string_equal(in->rules[2].dports[0], "80");
		assert_string_equal(in->rules[2].dports[1], "443");
	}
	json_decref(facts);
	cta_fwset_done(&s);
	cta_nft_dump_done(&d);
}

/*
 * NAT port-selection flags (tests/fixtures/firewall/nft-natflags): native nat,
 * masq and redir expressions with and without random, fully-random and
 * persistent, iptables-nft MASQUERADE/SNAT (native expressions) and
 * ip6tables-nft MASQUERADE (an xt compat target).  Every decoded NAT rule
 * says all three flags, false included.
 */
static void test_nat_flags(void **state)
{
	struct cta_nft_dump d = { 0 };
	struct cta_fwset s = { 0 };
	json_t *facts = json_object();
	bool xt_masq = false;
	static const char *const nat[] = {
		"{\"chain\":\"POSTROUTING\",\"family\":\"ipv4\",\"hook\":\"postrouting\","
		"\"kind\":\"masquerade\",\"oif\":\"a\",\"persistent\":false,\"random\":false,"
		"\"random_fully\":true,\"source\":\"iptables-nft\",\"table\":\"nat\"}",
		"{\"chain\":\"POSTROUTING\",\"family\":\"ipv4\",\"hook\":\"postrouting\","
		"\"kind\":\"snat\",\"oif\":\"b\",\"persistent\":false,\"random\":false,"
		"\"random_fully\":true,\"source\":\"iptables-nft\",\"table\":\"nat\","
		"\"to\":\"1.2.3.5\"}",
		"{\"chain\":\"POSTROUTING\",\"family\":\"ipv4\",\"hook\":\"postrouting\","
		"\"kind\":\"snat\",\"oif\":\"c\",\"persistent\":false,\"random\":false,"
		"\"random_fully\":false,\"source\":\"iptables-nft\",\"table\":\"nat\","
		"\"to\":\"1.2.3.6\"}",
		"{\"chain\":\"POSTROUTING\",\"family\":\"ipv6\",\"hook\":\"postrouting\","
		"\"kind\":\"masquerade\",\"oif\":\"a\",\"persistent\":false,\"random\":false,"
		"\"random_fully\":true,\"source\":\"iptables-nft\",\"table\":\"nat\"}",
		"{\"chain\":\"POSTROUTING\",\"family\":\"ipv6\",\"hook\":\"postrouting\","
		"\"kind\":\"masquerade\",\"oif\":\"b\",\"persistent\":false,\"random\":false,"
		"\"random_fully\":false,\"source\":\"iptables-nft\",\"table\":\"nat\"}",
		"{\"chain\":\"post\",\"family\":\"ipv4\",\"hook\":\"postrouting\","
		"\"kind\":\"masquerade\",\"oif\":\"e\",\"persistent\":false,\"random\":false,"
		"\"random_fully\":true,\"source\":\"nft\",\"table\":\"n\"}",
		"{\"chain\":\"post\",\"family\":\"ipv4\",\"hook\":\"postrouting\","
		"\"kind\":\"masquerade\",\"oif\":\"f\",\"persistent\":false,\"random\":false,"
		"\"random_fully\":false,\"source\":\"nft\",\"table\":\"n\"}",
		"{\"chain\":\"post\",\"family\":\"ipv4\",\"hook\":\"postrouting\",\"kind\":\"snat\","
		"\"oif\":\"g\",\"persistent\":true,\"random\":true,\"random_fully\":false,"
		"\"source\":\"nft\",\"table\":\"n\",\"to\":\"1.2.3.4\"}",
		"{\"chain\":\"post\",\"family\":\"ipv6\",\"hook\":\"postrouting\","
		"\"kind\":\"masquerade\",\"oif\":\"e\",\"persistent\":false,\"random\":false,"
		"\"random_fully\":true,\"source\":\"nft\",\"table\":\"n6\"}",
		"{\"chain\":\"post\",\"family\":\"ipv6\",\"hook\":\"postrouting\","
		"\"kind\":\"masquerade\",\"oif\":\"f\",\"persistent\":false,\"random\":false,"
		"\"random_fully\":false,\"source\":\"nft\",\"table\":\"n6\"}",
		"{\"chain\":\"pre\",\"dport\":\"80\",\"family\":\"ipv4\",\"hook\":\"prerouting\","
		"\"kind\":\"redirect\",\"persistent\":false,\"proto\":\"tcp\",\"random\":true,"
		"\"random_fully\":false,\"source\":\"nft\",\"table\":\"n\",\"to\":\"8080\"}",
		"{\"chain\":\"pre\",\"dport\":\"81\",\"family\":\"ipv4\",\"hook\":\"prerouting\","
		"\"kind\":\"dnat\",\"persistent\":false,\"proto\":\"tcp\",\"random\":false,"
		"\"random_fully\":false,\"source\":\"nft\",\"table\":\"n\",\"to\":\"10.0.0.1\"}",
	};

	load_fixture(&d, "nft-natflags");
	assert_int_equal(cta_nft_decode(&d, &s), 0);
	assert_int_equal(cta_fw_facts_add(facts, &s), 0);
	assert_int_equal(cta_fw_facts_finish(facts), 0);
	assert_entries(facts, "firewall.nat", nat, sizeof(nat) / sizeof(nat[0]));
	/* the ip6tables-nft rules went through the xt payload decoder */
	for (size_t i = 0; i < s.n_tables; i++)
		if (strcmp(s.tables[i].name, "nat") == 0 && strcmp(s.tables[i].family, "ipv6") == 0)
			xt_masq = strcmp(s.tables[i].source, "iptables-nft") == 0;
	assert_true(xt_masq);
	json_decref(facts);
	cta_fwset_done(&s);
	cta_nft_dump_done(&d);
	(void)state;
}

static void test_empty_dump(void **state)
{
	struct cta_nft_dump d = { 0 };
	struct cta_fwset s = { 0 };

	assert_int_equal(cta_nft_decode(&d, &s), 0);
	assert_int_equal(s.n_tables, 0);
	cta_fwset_done(&s);
}

static void test_malformed(void **state)
{
	struct cta_nft_dump d = { 0 };
	struct cta_fwset s = { 0 };

	/* a chain message cut after its header: no name, no table */
	load_fixture(&d, "nft-ruleset");
	assert_true(d.chains.len > 20);
	d.chains.p[0] = 20; /* nlmsg_len: header + nfgenmsg only */
	d.chains.p[1] = d.chains.p[2] = d.chains.p[3] = 0;
	assert_int_equal(cta_nft_decode(&d, &s), -EBADMSG);
	cta_fwset_done(&s);
	cta_nft_dump_done(&d);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_ruleset),
		cmocka_unit_test(test_nat_flags),
		cmocka_unit_test(test_empty_dump),
		cmocka_unit_test(test_malformed),
	};

	if (argc == 3 && strcmp(argv[1], "--record") == 0)
		return record(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
