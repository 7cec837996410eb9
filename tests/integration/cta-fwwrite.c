// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The NOTRACK writers of src/nf against the real kernel, run by
 * test-fwwrite.sh.  It works in a network namespace of this process's own
 * (unshare(CLONE_NEWNET) before anything else, inside the test's namespace):
 * the host's namespace is never touched, and the namespace goes away with the
 * process.  Exits 77 (skipped) when not root; every test runs otherwise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>
#include "collect/firewall.h"
#include "nf/firewall.h"
#include "util/json.h"

static char *run(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	char *out = NULL;
	size_t cap = 0, len = 0;
	char buf[512];
	size_t n;

	assert_non_null(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		memcpy(out + len, buf, n);
		len += n;
	}
	pclose(f);
	if (!out)
		out = strdup("");
	else
		out[len] = '\0';
	return out;
}

static void assert_run(const char *cmd, const char *want)
{
	char *got = run(cmd);

	if (strcmp(got, want) != 0)
		fail_msg("'%s':\n--- got\n%s--- want\n%s", cmd, got, want);
	free(got);
}

static const struct cta_notrack_port ports[] = {
	{ AF_INET, "tcp", "8080" },
	{ AF_INET, "udp", "8000-8100" },
	{ AF_INET6, "tcp", "443" },
};

static json_t *read_back(void)
{
	struct cta_collect_opts opts = { 0 };
	json_t *facts = json_object();
	struct cta_collect_ctx c = { .opts = &opts, .facts = facts };

	assert_int_equal(cta_collect_firewall(&c), 0);
	return facts;
}

static const char legacy4_rules[] =
	"-P PREROUTING ACCEPT\n"
	"-P OUTPUT ACCEPT\n"
	"-N CTAUDIT_OUTPUT\n"
	"-N CTAUDIT_PREROUTING\n"
	"-A PREROUTING -j CTAUDIT_PREROUTING\n"
	"-A OUTPUT -j CTAUDIT_OUTPUT\n"
	"-A CTAUDIT_OUTPUT -p tcp -m tcp --sport 8080 -j CT --notrack\n"
	"-A CTAUDIT_OUTPUT -p udp -m udp --sport 8000:8100 -j CT --notrack\n"
	"-A CTAUDIT_PREROUTING -p tcp -m tcp --dport 8080 -j CT --notrack\n"
	"-A CTAUDIT_PREROUTING -p udp -m udp --dport 8000:8100 -j CT "
	"--notrack\n";

static void test_legacy_writer(void **state)
{
	json_t *facts;

	/* removing when nothing exists must not create the raw table */
	assert_int_equal(cta_iptc_set_notrack(AF_INET, ports, 0), 0);
	assert_run("cat /proc/net/ip_tables_names", "");

	for (int pass = 0; pass < 2; pass++) { /* the second pass proves idempotence */
		assert_int_equal(cta_iptc_set_notrack(AF_INET, ports, 3), 0);
		assert_int_equal(cta_iptc_set_notrack(AF_INET6, ports, 3), 0);
		assert_run("iptables-legacy -t raw -S", legacy4_rules);
		assert_run("ip6tables-legacy -t raw -S CTAUDIT_PREROUTING",
			   "-N CTAUDIT_PREROUTING\n"
			   "-A CTAUDIT_PREROUTING -p tcp -m tcp --dport 443 -j CT --notrack\n");
	}
	/* a rule of someone else's stays where it is */
	assert_run(
		"iptables-legacy -t raw -A PREROUTING -p udp --dport 53 -j CT --notrack && echo ok",
		"ok\n");
	assert_int_equal(cta_iptc_set_notrack(AF_INET, ports, 1), 0);
	assert_run("iptables-legacy -t raw -S PREROUTING",
		   "-P PREROUTING ACCEPT\n"
		   "-A PREROUTING -j CTAUDIT_PREROUTING\n"
		   "-A PREROUTING -p udp -m udp --dport 53 -j CT --notrack\n");

	facts = read_back();
	/* ours (4: tcp 8080 both chains, tcp 443 v6 both chains) + udp 53 */
	assert_int_equal(json_array_size(cta_json_path(facts, "firewall.notrack")), 5);
	assert_string_equal(
		json_string_value(json_array_get(cta_json_path(facts, "firewall.backends"), 0)),
		"iptables-legacy");
	json_decref(facts);

	assert_int_equal(cta_iptc_set_notrack(AF_INET, NULL, 0), 0);
	assert_int_equal(cta_iptc_set_notrack(AF_INET6, NULL, 0), 0);
	assert_run("iptables-legacy -t raw -S",
		   "-P PREROUTING ACCEPT\n-P OUTPUT ACCEPT\n"
		   "-A PREROUTING -p udp -m udp --dport 53 -j CT --notrack\n");
	assert_run("ip6tables-legacy -t raw -S", "-P PREROUTING ACCEPT\n-P OUTPUT ACCEPT\n");

	/* bad input changes nothing */
	assert_int_equal(
		cta_iptc_set_notrack(AF_INET,
				     (struct cta_notrack_port[]){ { AF_INET, "icmp", "1" } }, 1),
		-EINVAL);
	assert_run("iptables-legacy -t raw -D PREROUTING -p udp --dport 53 -j CT --notrack && "
		   "iptables-legacy -t raw -S PREROUTING",
		   "-P PREROUTING ACCEPT\n");
}

/* Someone else holds the xtables lock: the writer gives up after about 5 s
 * and changes nothing. */
static void test_legacy_writer_lock_busy(void **state)
{
	char path[] = "/tmp/cta-xtables-lock.XXXXXX";
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	setenv("XTABLES_LOCKFILE", path, 1);
	assert_int_equal(cta_iptc_set_notrack(AF_INET, ports, 1), -EBUSY);
	unsetenv("XTABLES_LOCKFILE");
	assert_run("cat /proc/net/ip_tables_names", "");
	close(fd);
	unlink(path);
}

static const struct cta_notrack_port nft_ports[] = {
	{ AF_INET, "tcp", "8080" },
	{ AF_INET, "udp", "8000-8100" },
	{ AF_INET6, "tcp", "443" },
	{ AF_INET6, "tcp", "8080" },
};

static const char nft_table[] = "table inet ctaudit {\n"
				"\tchain prerouting {\n"
				"\t\ttype filter hook prerouting priority raw; policy accept;\n"
				"\t\ttcp dport 8080 notrack\n"
				"\t\tudp dport 8000-8100 notrack\n"
				"\t\ttcp dport 443 notrack\n"
				"\t}\n"
				"\n"
				"\tchain output {\n"
				"\t\ttype filter hook output priority raw; policy accept;\n"
				"\t\ttcp sport 8080 notrack\n"
				"\t\tudp sport 8000-8100 notrack\n"
				"\t\ttcp sport 443 notrack\n"
				"\t}\n"
				"}\n";

static void test_nft_writer(void **state)
{
	json_t *facts, *e;

	assert_int_equal(cta_nft_set_notrack(NULL, 0), 0); /* nothing there: still fine */
	assert_run("nft list tables", "");
	for (int pass = 0; pass < 2; pass++) {
		/* the IPv6 entry for 8080 duplicates the IPv4 one in an inet table */
		assert_int_equal(cta_nft_set_notrack(nft_ports, 4), 0);
		assert_run("nft list table inet ctaudit", nft_table);
	}

	facts = read_back();
	assert_int_equal(json_array_size(cta_json_path(facts, "firewall.notrack")), 6);
	/* sorted: output chain first, then by dport/sport text */
	e = json_array_get(cta_json_path(facts, "firewall.notrack"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "chain")), "output");
	assert_string_equal(json_string_value(json_object_get(e, "family")), "inet");
	assert_string_equal(json_string_value(json_object_get(e, "source")), "nft");
	assert_string_equal(json_string_value(json_object_get(e, "hook")), "output");
	assert_string_equal(json_string_value(json_object_get(e, "sport")), "443");
	json_decref(facts);

	/* a smaller set replaces the old one */
	assert_int_equal(cta_nft_set_notrack(ports + 2, 1), 0);
	assert_run("nft list chain inet ctaudit prerouting",
		   "table inet ctaudit {\n"
		   "\tchain prerouting {\n"
		   "\t\ttype filter hook prerouting priority raw; policy accept;\n"
		   "\t\ttcp dport 443 notrack\n"
		   "\t}\n"
		   "}\n");
	assert_int_equal(cta_nft_set_notrack(NULL, 0), 0);
	assert_run("nft list tables", "");
	assert_int_equal(
		cta_nft_set_notrack((struct cta_notrack_port[]){ { AF_INET, "tcp", "99999" } }, 1),
		-EINVAL);
	assert_run("nft list tables", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_writer_lock_busy),
		cmocka_unit_test(test_legacy_writer),
		cmocka_unit_test(test_nft_writer),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: needs root\n");
		return 77;
	}
	/* a namespace of our own, before anything else runs; without it nothing runs */
	if (unshare(CLONE_NEWNET) < 0) {
		perror("unshare(CLONE_NEWNET)");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
