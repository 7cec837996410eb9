// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apply/allow.h"
#include "util/fileio.h"
#include "util/ports.h"
#include "util/rootfs.h"
#include "util/macro.h"
#include "util/banned.h"

enum syntax { NUM, NUM_PAIR, PORT_LIST };

/* The keys the catalog's remediations (policies/ *.yaml, "remediation: sysctl:") set. */
static const struct {
	const char *key;
	enum syntax syntax;
} keys[] = {
	{ "net.bridge.bridge-nf-call-ip6tables", NUM },
	{ "net.bridge.bridge-nf-call-iptables", NUM },
	{ "net.core.somaxconn", NUM },
	{ "net.ipv4.ip_forward", NUM },
	{ "net.ipv4.ip_local_port_range", NUM_PAIR },
	{ "net.ipv4.ip_local_reserved_ports", PORT_LIST },
	{ "net.ipv4.tcp_abort_on_overflow", NUM },
	{ "net.ipv4.tcp_fin_timeout", NUM },
	{ "net.ipv4.tcp_keepalive_intvl", NUM },
	{ "net.ipv4.tcp_keepalive_probes", NUM },
	{ "net.ipv4.tcp_keepalive_time", NUM },
	{ "net.ipv4.tcp_max_tw_buckets", NUM },
	{ "net.ipv4.tcp_syn_retries", NUM },
	{ "net.ipv4.tcp_syncookies", NUM },
	{ "net.ipv4.tcp_timestamps", NUM },
	{ "net.ipv4.tcp_tw_recycle", NUM },
	{ "net.ipv4.tcp_tw_reuse", NUM },
	{ "net.netfilter.nf_conntrack_buckets", NUM },
	{ "net.netfilter.nf_conntrack_expect_max", NUM },
	{ "net.netfilter.nf_conntrack_generic_timeout", NUM },
	{ "net.netfilter.nf_conntrack_helper", NUM },
	{ "net.netfilter.nf_conntrack_icmp_timeout", NUM },
	{ "net.netfilter.nf_conntrack_max", NUM },
	{ "net.netfilter.nf_conntrack_tcp_be_liberal", NUM },
	{ "net.netfilter.nf_conntrack_tcp_loose", NUM },
	{ "net.netfilter.nf_conntrack_tcp_timeout_close_wait", NUM },
	{ "net.netfilter.nf_conntrack_tcp_timeout_established", NUM },
	{ "net.netfilter.nf_conntrack_tcp_timeout_time_wait", NUM },
	{ "net.netfilter.nf_conntrack_udp_timeout", NUM },
	{ "net.netfilter.nf_conntrack_udp_timeout_stream", NUM },
};

const char *cta_allow_sysctl_key(size_t i)
{
	return i < ELEMENTSOF(keys) ? keys[i].key : NULL;
}

static int why(char **ret_why, const char *fmt, ...) _printf_(2, 3);
static int why(char **ret_why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(ret_why, fmt, ap) < 0)
		*ret_why = NULL;
	va_end(ap);
	return -EINVAL;
}

/* Digits only, at most 19 of them (every numeric sysctl fits in 64 bits). */
static const char *number(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n == 0 || n > 19 ? NULL : s + n;
}

static bool value_ok(enum syntax syn, const char *v)
{
	const char *p;

	switch (syn) {
	case NUM:
		p = number(v);
		return p && !*p;
	case NUM_PAIR:
		p = number(v);
		if (!p || (*p != ' ' && *p != '\t'))
			return false;
		p += strspn(p, " \t");
		p = number(p);
		return p && !*p;
	case PORT_LIST:
		/* "" or "8080,9000-9100" (ip_local_reserved_ports, ip-sysctl.rst) */
		while (*v) {
			_cleanup_free_ char *item = strndup(v, strcspn(v, ","));
			struct cta_port_range r;

			if (!item || cta_port_range_parse(item, 0, &r) < 0)
				return false;
			v += strlen(item);
			if (*v == ',' && !*++v)
				return false;
		}
		return true;
	}
	return false;
}

int cta_allow_sysctl(const char *key, const char *value, char **ret_why)
{
	for (const char *p = value; *p; p++)
		if (iscntrl((unsigned char)*p) &&
		    *p != '\t') /* the kernel separates pairs with a tab */
			return why(ret_why, "the value of '%s' contains a control character", key);
	if (strlen(value) > CTA_ALLOW_VALUE_MAX)
		return why(ret_why, "the value of '%s' is longer than %u bytes", key,
			   CTA_ALLOW_VALUE_MAX);
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		if (!streq(keys[i].key, key))
			continue;
		if (!value_ok(keys[i].syntax, value))
			return why(ret_why, "'%s' is not a valid value for '%s'", value, key);
		return 0;
	}
	return why(ret_why, "'%s' is not a key ctaudit changes", key);
}

static const char *const sysctl_d_dirs[] = {
	"/etc/sysctl.d/",     "/run/sysctl.d/", "/usr/local/lib/sysctl.d/",
	"/usr/lib/sysctl.d/", "/lib/sysctl.d/",
};

/* A *.conf directly in a sysctl.d directory (sysctl.d(5)), not a hidden file. */
static bool in_sysctl_d(const char *path)
{
	for (size_t i = 0; i < ELEMENTSOF(sysctl_d_dirs); i++) {
		size_t n = strlen(sysctl_d_dirs[i]), len = strlen(path);
		const char *name = path + n;

		if (!strneq(path, sysctl_d_dirs[i], n))
			continue;
		return *name && *name != '.' && !strchr(name, '/') && len - n > 5 &&
		       streq(path + len - 5, ".conf");
	}
	return false;
}

int cta_allow_file(const char *kind, const char *path, char **ret_why)
{
	static const struct {
		const char *kind, *path;
	} fixed[] = {
		{ "override", "/etc/sysctl.conf" },
		{ "iptables-persistent", "/etc/iptables/rules.v4" },
		{ "iptables-persistent", "/etc/iptables/rules.v6" },
		{ "nftables", "/etc/nftables.conf" },
		{ "nftables", "/etc/nftables.d/ctaudit.nft" },
		{ "notrack-unit", "/etc/ctaudit/notrack.v4" },
		{ "notrack-unit", "/etc/ctaudit/notrack.v6" },
		{ "notrack-unit", "/etc/ctaudit/notrack.nft" },
	};

	if (!kind)
		return why(ret_why, "'%s': no kind of file", path);
	if (path[0] != '/' || strstr(path, "/./") || strstr(path, "//") || strstr(path, "/../") ||
	    strlen(path) > 4096)
		return why(ret_why, "'%s' is not a normalised absolute path", path);
	if ((streq(kind, "sysctl") || streq(kind, "override")) && in_sysctl_d(path))
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
		if (streq(kind, fixed[i].kind) && streq(path, fixed[i].path))
			return 0;
	if (streq(kind, "sysctl"))
		return why(ret_why,
			   "'%s' is not a *.conf file in a sysctl.d directory (sysctl.d(5))", path);
	return why(ret_why, "ctaudit does not write '%s' (%s)", path, kind);
}

int cta_allow_ports(const struct cta_plan_ports *ps, bool all_ports, char **ret_why)
{
	if (ps->n > CTA_ALLOW_PORTS_MAX)
		return why(ret_why, "%zu NOTRACK ports (at most %u)", ps->n, CTA_ALLOW_PORTS_MAX);
	for (size_t i = 0; i < ps->n; i++) {
		const struct cta_notrack_port *p = &ps->v[i];
		struct cta_port_range r;

		if (!streq(p->proto, "tcp") && !streq(p->proto, "udp"))
			return why(ret_why, "'%s' is not a NOTRACK protocol (tcp or udp)",
				   p->proto);
		if (cta_port_range_parse(p->port, CTA_PORT_NO_ZERO, &r) < 0)
			return why(ret_why, "'%s' is not a port or port range", p->port);
		if (r.lo <= 1 && r.hi == 65535 && !all_ports)
			return why(ret_why,
				   "NOTRACK for every %s port ('%s') needs --allow-all-ports",
				   p->proto, p->port);
	}
	return 0;
}

int cta_allow_mode(mode_t mode, char **ret_why)
{
	if (mode & ~(mode_t)0777)
		return why(ret_why, "mode %04o has set-id or sticky bits", (unsigned)mode);
	return 0;
}

int cta_allow_sysctl_file(const char *arg, char **ret_norm)
{
	_cleanup_free_ char *norm = NULL, *why = NULL;
	int r;

	r = cta_path_normalize(arg, &norm);
	if (r < 0)
		return r;
	if (cta_allow_file("sysctl", norm, &why) < 0)
		return -EINVAL;
	*ret_norm = TAKE_PTR(norm);
	return 0;
}

bool cta_allow_facts_incomplete(json_t *facts, char **ret_missing)
{
	json_t *u = json_object_get(facts, "unavailable"), *e;
	char *buf = NULL;
	size_t size, i;
	bool any = false;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return false;
	json_array_foreach(u, i, e) {
		const char *sec = json_string_value(json_object_get(e, "section"));
		const char *reason = json_string_value(json_object_get(e, "reason"));

		if (!sec || (!strneq(sec, "firewall", 8) && !streq(sec, "host.netns")))
			continue;
		fprintf(f, "%s'%s' (%s)", any ? ", " : "", sec, reason ? reason : "unknown");
		any = true;
	}
	if (fclose(f) != 0) {
		free(buf);
		return false;
	}
	if (!any) {
		free(buf);
		return false;
	}
	*ret_missing = buf;
	return true;
}
