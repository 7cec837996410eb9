// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "apply/allow.h"
#include "policy/policy.h"
#include "util/diag.h"
#include "util/json.h"
#include "util/macro.h"

static void test_sysctl(void **state)
{
	static const struct {
		const char *key, *value;
		int want;
	} t[] = {
		{ "net.ipv4.tcp_timestamps", "1", 0 },
		{ "net.ipv4.tcp_fin_timeout", "30", 0 },
		{ "net.ipv4.ip_local_port_range", "1024 65000", 0 },
		{ "net.ipv4.ip_local_port_range", "32768\t60999",
		  0 }, /* the kernel's own spelling */
		{ "net.ipv4.ip_local_reserved_ports", "", 0 },
		{ "net.ipv4.ip_local_reserved_ports", "8080,9000-9100", 0 },
		{ "net.ipv4.ip_local_reserved_ports", "8080,", -EINVAL },
		{ "net.netfilter.nf_conntrack_max", "262144", 0 },
		/* not ours */
		{ "kernel.core_pattern", "|/tmp/evil %p", -EINVAL },
		{ "kernel.hostname", "x", -EINVAL },
		{ "net.ipv4.conf.all.rp_filter", "1", -EINVAL },
		{ "../../../etc/x", "1", -EINVAL },
		{ "net.ipv4..tcp_timestamps", "1", -EINVAL },
		/* not the key's syntax */
		{ "net.ipv4.tcp_timestamps", "1\nkernel.modprobe = /tmp/x", -EINVAL },
		{ "net.ipv4.tcp_timestamps", "-1", -EINVAL },
		{ "net.ipv4.tcp_timestamps", "", -EINVAL },
		{ "net.ipv4.tcp_timestamps", "1 2", -EINVAL },
		{ "net.ipv4.tcp_timestamps", "99999999999999999999", -EINVAL },
		{ "net.ipv4.ip_local_port_range", "1024", -EINVAL },
		{ "net.ipv4.ip_local_port_range", "1024 65000 1", -EINVAL },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *why = NULL;
		int r = cta_allow_sysctl(t[i].key, t[i].value, &why);

		if (r != t[i].want)
			fail_msg("%s = '%s': got %d, want %d", t[i].key, t[i].value, r, t[i].want);
		assert_true(r == 0 ? why == NULL : why != NULL);
		free(why);
	}
}

static void test_long_value(void **state)
{
	char v[CTA_ALLOW_VALUE_MAX + 2];
	char *why = NULL;

	memset(v, '1', sizeof(v) - 1);
	v[sizeof(v) - 1] = 0;
	assert_int_equal(cta_allow_sysctl("net.ipv4.tcp_timestamps", v, &why), -EINVAL);
	free(why);
}

static void test_files(void **state)
{
	static const struct {
		const char *kind, *path;
		int want;
	} t[] = {
		{ "sysctl", "/etc/sysctl.d/90-ctaudit-db-client.conf", 0 },
		{ "sysctl", "/run/sysctl.d/x.conf", 0 },
		{ "sysctl", "/etc/sysctl.conf", -EINVAL },
		{ "sysctl", "/etc/./sysctl.conf", -EINVAL },
		{ "sysctl", "/etc//sysctl.conf", -EINVAL },
		{ "sysctl", "/etc/sysctl.d/../passwd", -EINVAL },
		{ "sysctl", "/etc/sysctl.d/x.txt", -EINVAL },
		{ "sysctl", "/etc/sysctl.d/.conf", -EINVAL },
		{ "sysctl", "/etc/sysctl.d/sub/x.conf", -EINVAL },
		{ "sysctl", "/etc/passwd", -EINVAL },
		{ "override", "/etc/sysctl.conf", 0 },
		{ "override", "/etc/sysctl.d/99-sysctl.conf", 0 },
		{ "override", "/etc/shadow", -EINVAL },
		{ "iptables-persistent", "/etc/iptables/rules.v4", 0 },
		{ "iptables-persistent", "/etc/iptables/rules.v5", -EINVAL },
		{ "nftables", "/etc/nftables.conf", 0 },
		{ "notrack-unit", "/etc/ctaudit/notrack.nft", 0 },
		{ "notrack-unit", "/etc/nftables.conf", -EINVAL },
		{ NULL, "/etc/sysctl.conf", -EINVAL },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *why = NULL;
		int r = cta_allow_file(t[i].kind, t[i].path, &why);

		if (r != t[i].want)
			fail_msg("%s %s: got %d", t[i].kind, t[i].path, r);
		free(why);
	}
}

static void test_sysctl_file(void **state)
{
	char *n = NULL;

	assert_int_equal(cta_allow_sysctl_file("/etc//sysctl.d/./90-x.conf", &n), 0);
	assert_string_equal(n, "/etc/sysctl.d/90-x.conf");
	free(n);
	assert_int_equal(cta_allow_sysctl_file("/etc/./sysctl.conf", &n), -EINVAL);
	assert_int_equal(cta_allow_sysctl_file("/etc//sysctl.conf", &n), -EINVAL);
	assert_int_equal(cta_allow_sysctl_file("/etc/sysctl.d/../sysctl.conf", &n), -EINVAL);
	assert_int_equal(cta_allow_sysctl_file("etc/sysctl.d/x.conf", &n), -EINVAL);
}

static void test_ports(void **state)
{
	struct cta_notrack_port v[3] = { { 0, "tcp", "8080" }, { 0, "udp", "53" }, { 0, "tcp", "1-65535" } };
	struct cta_plan_ports ps = { v, 2 };
	char *why = NULL;

	assert_int_equal(cta_allow_ports(&ps, false, &why), 0);
	ps.n = 3;
	assert_int_equal(cta_allow_ports(&ps, false, &why), -EINVAL);
	assert_non_null(strstr(why, "--allow-all-ports"));
	free(why), why = NULL;
	assert_int_equal(cta_allow_ports(&ps, true, &why), 0);
	snprintf(v[2].port, sizeof(v[2].port), "0");
	assert_int_equal(cta_allow_ports(&ps, true, &why), -EINVAL);
	free(why), why = NULL;
	snprintf(v[2].proto, sizeof(v[2].proto), "icm");
	snprintf(v[2].port, sizeof(v[2].port), "1");
	assert_int_equal(cta_allow_ports(&ps, true, &why), -EINVAL);
	free(why);
}

static void test_mode(void **state)
{
	char *why = NULL;

	assert_int_equal(cta_allow_mode(0644, &why), 0);
	assert_int_equal(cta_allow_mode(0666, &why), 0);
	assert_int_equal(cta_allow_mode(04755, &why), -EINVAL);
	free(why), why = NULL;
	assert_int_equal(cta_allow_mode(01644, &why), -EINVAL);
	free(why);
}

/* The allow-list is exactly the keys the catalog's remediations set. */
static void test_catalog_agrees(void **state)
{
	struct cta_diags diags = { 0 };
	struct cta_policy *p = NULL;
	json_t *cat = NULL, *rule, *v;
	const char *key;
	size_t i, n_table = 0;
	json_t *seen = json_object();

	assert_int_equal(cta_policy_load(NULL, &diags, &p), 0);
	assert_int_equal(cta_policy_catalog_json(p, &cat), 0);
	json_array_foreach(cat, i, rule) {
		json_object_foreach(json_object_get(json_object_get(rule, "remediation"), "sysctl"),
				    key, v) {
			if (!strneq(key, "net.", 4))
				fail_msg("rule %s sets '%s' outside net.",
					 json_string_value(json_object_get(rule, "id")), key);
			json_object_set_new(seen, key, json_true());
		}
	}
	for (const char *k; (k = cta_allow_sysctl_key(n_table)); n_table++)
		if (!json_object_get(seen, k))
			fail_msg("allow-list key '%s' is set by no remediation", k);
	json_object_foreach(seen, key, v) {
		bool found = false;

		for (size_t k = 0; cta_allow_sysctl_key(k); k++)
			found |= streq(cta_allow_sysctl_key(k), key);
		if (!found)
			fail_msg("remediation key '%s' is not in the allow-list", key);
	}
	assert_int_equal(json_object_size(seen), n_table);
	json_decref(seen);
	json_decref(cat);
	cta_policy_free(p);
	cta_diags_done(&diags);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sysctl),	       cmocka_unit_test(test_long_value),
		cmocka_unit_test(test_files),	       cmocka_unit_test(test_sysctl_file),
		cmocka_unit_test(test_ports),	       cmocka_unit_test(test_mode),
		cmocka_unit_test(test_catalog_agrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
