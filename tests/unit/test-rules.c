// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rule catalog (policies/) and the role profiles (profiles/) against
 * facts snapshots (tests/fixtures/facts/): for every rule at
 * least one failing and one passing snapshot, with the expected status,
 * severity and subject.  A case may patch its snapshot first (a JSON object
 * merged into the facts; null removes a member), so one healthy host serves
 * as the base of most cases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <regex.h>
#include "policy/policy.h"
#include "util/diag.h"
#include "util/json.h"
#include "util/macro.h"
#include "render/report.h"

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

#define HM "healthy-modern.json"
#define S000 "seed-000-tw-recycle-conntrack-full.json"
#define S001 "seed-001-short-conn-server.json"
#define S002 "seed-002-conntrack-full-notrack.json"
#define S003 "seed-003-conntrack-300s-myth.json"
#define S004B "seed-004-mysql-tw-before-fix.json"
#define S004A "seed-004-mysql-tw-after-fix.json"
#define NATG "nat-gateway-good.json"
#define NATB "nat-gateway-bad.json"
#define K8SG "k8s-node-good.json"
#define K8SD "k8s-node-defaults.json"
#define DRIFT "drift.json"
#define IDLE "healthy-6.18-idle.json"
#define RHEL9 "healthy-rhel9.json"
#define NOBLE "healthy-ubuntu2404.json"
/* k8s-node-defaults without kube-proxy's evidence (no listener on 10256/10249, no KUBE- chains) */
#define NOKP "{\"sockets\":{\"listening\":[{\"proto\":\"tcp\",\"addr\":\"0.0.0.0\",\"port\":22}]}}"

/*
 * Recorded counter pairs: the "counters" section a live collection adds when
 * an earlier sample is known (src/collect/baseline.c), as a patch.
 * IVL(D): an interval of 5 min whose deltas are D.
 */
#define IVL(D)                                                                         \
	"\"counters\":{\"lifetime\":\"since boot 12 d ago\",\"interval\":{\"source\":" \
	"\"baseline\",\"seconds\":300,\"start\":\"2026-11-28T00:00:00Z\",\"text\":"    \
	"\"in the 5 min since the last audit\"},\"delta\":" D "}"
#define CT_QUIET                                                                               \
	"{\"conntrack\":{\"drop\":0,\"early_drop\":0,\"insert_failed\":0,\"clash_resolve\":0," \
	"\"chaintoolong\":0},\"netstat\":{\"TcpExt\":{\"ListenOverflows\":0,"                  \
	"\"ListenDrops\":0,\"TCPTimeWaitOverflow\":0}}}"

/* firewall.nat holding one MASQUERADE rule of family F whose random_fully is R */
#define NAT_MASQ(F, R)                                                                 \
	"\"firewall\":{\"nat\":[{\"family\":\"" F "\",\"table\":\"nat\",\"chain\":"    \
	"\"POSTROUTING\",\"hook\":\"postrouting\",\"kind\":\"masquerade\",\"source\":" \
	"\"iptables-legacy\",\"random\":false,\"random_fully\":" R ",\"persistent\":false}]}"
#define NAT_MASQ_RND(F, R, RF)                                                         \
	"\"firewall\":{\"nat\":[{\"family\":\"" F "\",\"table\":\"nat\",\"chain\":"    \
	"\"POSTROUTING\",\"hook\":\"postrouting\",\"kind\":\"masquerade\",\"source\":" \
	"\"iptables-legacy\",\"random\":" R ",\"random_fully\":" RF ",\"persistent\":false}]}"
/* sockets.syn_flood with @unattr lines of other listeners and @listeners of this namespace */
#define SYNF_BODY(unattr, listeners)                                                                     \
	"\"sockets\":{\"syn_flood_messages\":9,\"syn_flood\":{\"this_netns\":1,\"unattributed\":" unattr \
	",\"listeners\":" listeners "}}"
#define SYNF(unattr, listeners) "{" SYNF_BODY(unattr, listeners) "}"
#define SYNL_DROP                                                                       \
	"[{\"addr\":\"0.0.0.0\",\"port\":8080,\"count\":1,\"cookies\":0,\"dropped\":1," \
	"\"last_seen_s\":100}]"
#define SYNL_DROP_IVL                                                                   \
	"[{\"addr\":\"0.0.0.0\",\"port\":8080,\"count\":1,\"cookies\":0,\"dropped\":1," \
	"\"last_seen_s\":100,\"in_interval\":1}]"
#define SYNL_COOKIES "[{\"port\":8080,\"count\":2,\"cookies\":2,\"dropped\":0}]"

struct rcase {
	const char *rule;
	const char *fixture;
	const char *profile;
	const char *patch; /* JSON merged into the facts, or NULL */
	const char *status;
	const char *severity; /* NULL: not checked (skip) */
	const char *subject; /* NULL: not checked */
};

static const struct rcase cases[] = {
	/* tcp-timewait.yaml */
	{ "tcp.tw_recycle.enabled", S000, "base", NULL, "fail", "critical",
	  "sysctl:net.ipv4.tcp_tw_recycle" },
	{ "tcp.tw_recycle.enabled", S001, "api-server", NULL, "fail", "critical", NULL },
	{ "tcp.tw_recycle.enabled", S004A, "db-client", NULL, "fail", "critical", NULL },
	{ "tcp.tw_recycle.enabled", S000, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_tw_recycle\":\"0\"}}", "pass", "critical", NULL },
	{ "tcp.tw_recycle.enabled", HM, "base", NULL, "skip", NULL, NULL },

	{ "tcp.tw_recycle.stale_persisted", DRIFT, "base", NULL, "fail", "low",
	  "persisted:net.ipv4.tcp_tw_recycle" },
	{ "tcp.tw_recycle.stale_persisted", HM, "base", NULL, "pass", "low", NULL },
	{ "tcp.tw_recycle.stale_persisted", S000, "base", NULL, "skip", NULL, NULL },

	{ "tcp.tw_reuse.without_timestamps", S004B, "db-client", NULL, "fail", "high",
	  "sysctl:net.ipv4.tcp_tw_reuse" },
	{ "tcp.tw_reuse.without_timestamps", S004B, "base", NULL, "fail", "medium", NULL },
	{ "tcp.tw_reuse.without_timestamps", S004A, "db-client", NULL, "pass", "high", NULL },
	{ "tcp.tw_reuse.without_timestamps", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_timestamps\":\"0\"}}", "fail", "medium", NULL },
	{ "tcp.tw_reuse.without_timestamps", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_timestamps\":\"0\",\"net.ipv4.tcp_tw_reuse\":\"0\"}}",
	  "pass", "medium", NULL },
	{ "tcp.tw_reuse.without_timestamps", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_tw_reuse\":null}}", "skip", NULL, NULL },

	{ "tcp.tw_reuse.server_time_wait", S001, "api-server", NULL, "fail", "info",
	  "sysctl:net.ipv4.tcp_tw_reuse" },
	{ "tcp.tw_reuse.server_time_wait", HM, "api-server", NULL, "pass", "info", NULL },

	{ "tcp.tw_reuse.client_under_pressure", HM, "db-client",
	  "{\"sockets\":{\"time_wait_top\":[{\"peer\":\"10.0.0.21:5432\",\"count\":20000}]}}",
	  "fail", "medium", "sysctl:net.ipv4.tcp_tw_reuse" },
	{ "tcp.tw_reuse.client_under_pressure", HM, "db-client", NULL, "pass", "medium", NULL },
	/* the default 2 already covers a loopback peer */
	{ "tcp.tw_reuse.client_under_pressure", HM, "db-client",
	  "{\"sockets\":{\"time_wait_top\":[{\"peer\":\"127.0.0.1:5432\",\"count\":20000}]}}",
	  "pass", "medium", NULL },
	{ "tcp.tw_reuse.client_under_pressure", HM, "db-client",
	  "{\"sockets\":{\"time_wait_top\":[{\"peer\":\"[::1]:5432\",\"count\":20000}]}}", "pass",
	  "medium", NULL },
	{ "tcp.tw_reuse.client_under_pressure", HM, "db-client",
	  "{\"sockets\":{\"time_wait_top\":[{\"peer\":\"[fd00::5]:5432\",\"count\":20000}]}}",
	  "fail", "medium", NULL },

	{ "tcp.tw_reuse.client_under_pressure", S004A, "db-client", NULL, "pass", "medium", NULL },
	{ "tcp.tw_reuse.client_under_pressure", S004B, "db-client", NULL, "pass", "medium", NULL },
	{ "tcp.tw_reuse.client_under_pressure", HM, "db-client",
	  "{\"sockets\":{\"time_wait_top\":null}}", "skip", NULL, NULL },

	{ "tcp.timestamps.disabled", S004B, "db-client", NULL, "fail", "high",
	  "sysctl:net.ipv4.tcp_timestamps" },
	{ "tcp.timestamps.disabled", S004B, "base", NULL, "fail", "medium", NULL },
	{ "tcp.timestamps.disabled", S004A, "db-client", NULL, "pass", "high", NULL },
	{ "tcp.timestamps.disabled", HM, "base", NULL, "pass", "medium", NULL },

	{ "tcp.timestamps.invalid", HM, "base", "{\"sysctl\":{\"net.ipv4.tcp_timestamps\":\"5\"}}",
	  "fail", "low", "sysctl:net.ipv4.tcp_timestamps" },
	{ "tcp.timestamps.invalid", HM, "base", "{\"sysctl\":{\"net.ipv4.tcp_timestamps\":\"2\"}}",
	  "pass", "low", NULL },
	{ "tcp.timestamps.invalid", S004B, "base", NULL, "pass", "low", NULL },

	{ "tcp.fin_timeout.too_low", S000, "base", NULL, "fail", "medium",
	  "sysctl:net.ipv4.tcp_fin_timeout" },
	{ "tcp.fin_timeout.too_low", S001, "base", NULL, "pass", "medium", NULL },
	{ "tcp.fin_timeout.too_low", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_fin_timeout\":\"9\"}}", "fail", "medium", NULL },
	{ "tcp.fin_timeout.too_low", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_fin_timeout\":\"10\"}}", "pass", "medium", NULL },

	{ "tcp.fin_timeout.timewait_myth", S001, "base", NULL, "fail", "info",
	  "persisted:net.ipv4.tcp_fin_timeout" },
	{ "tcp.fin_timeout.timewait_myth", S003, "base", NULL, "fail", "info", NULL },
	{ "tcp.fin_timeout.timewait_myth", S000, "base", NULL, "fail", "info", NULL },
	{ "tcp.fin_timeout.timewait_myth", HM, "base", NULL, "pass", "info", NULL },

	{ "tcp.max_tw_buckets.lowered", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_max_tw_buckets\":\"5000\"}}", "fail", "medium",
	  "sysctl:net.ipv4.tcp_max_tw_buckets" },
	{ "tcp.max_tw_buckets.lowered", S001, "base",
	  "{\"sockets\":{\"tcp\":{\"TIME_WAIT\":6000}}}", "fail", "medium", NULL },
	{ "tcp.max_tw_buckets.lowered", HM, "base", NULL, "pass", "medium", NULL },
	/* seed 001: no tcp_ehash_entries on 2.6.32; the default is estimated from
	 * the 16 GiB of memory (half of 131072 hash buckets, below the old fixed
	 * 180000): the story's 5000 is far below it */
	{ "tcp.max_tw_buckets.lowered", S001, "base", NULL, "fail", "medium",
	  "sysctl:net.ipv4.tcp_max_tw_buckets" },
	{ "tcp.max_tw_buckets.lowered", S001, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_max_tw_buckets\":\"180000\"}}", "pass", "medium", NULL },
	{ "tcp.max_tw_buckets.lowered", S001, "base",
	  "{\"sockets\":{\"tcp\":null},\"host\":{\"memory_bytes\":null}}", "skip", NULL, NULL },

	/* without tcp_ehash_entries (before 6.1) the default is estimated from memory
	 * (24 GiB: about 131072) and only half of it counts as lowered */
	{ "tcp.max_tw_buckets.lowered", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_ehash_entries\":null,\"net.ipv4.tcp_max_tw_buckets\":\"65535\"}}",
	  "fail", "medium", NULL },
	{ "tcp.max_tw_buckets.lowered", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_ehash_entries\":null,\"net.ipv4.tcp_max_tw_buckets\":\"65536\"}}",
	  "pass", "medium", NULL },
	{ "tcp.max_tw_buckets.lowered", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_max_tw_buckets\":\"131071\"}}", "fail", "medium", NULL },

	/* since boot, nothing known about now: the past-event severity */
	{ "tcp.max_tw_buckets.overflow", S001, "base", NULL, "fail", "low", "sockets:time_wait" },
	{ "tcp.max_tw_buckets.overflow", S001, "base", "{" IVL(CT_QUIET) "}", "fail", "low", NULL },
	{ "tcp.max_tw_buckets.overflow", S001, "base",
	  "{" IVL("{\"netstat\":{\"TcpExt\":{\"TCPTimeWaitOverflow\":40}}}") "}", "fail", "medium",
	  NULL },
	{ "tcp.max_tw_buckets.overflow", HM, "base", NULL, "pass", "low", NULL },

	/* tcp-keepalive.yaml */
	{ "tcp.keepalive.time_too_low", S000, "base", NULL, "fail", "medium",
	  "sysctl:net.ipv4.tcp_keepalive_time" },
	{ "tcp.keepalive.time_too_low", S001, "base", NULL, "pass", "medium", NULL },
	{ "tcp.keepalive.time_too_low", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_keepalive_time\":\"10\"}}", "fail", "medium", NULL },
	{ "tcp.keepalive.time_too_low", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_keepalive_time\":\"-1\"}}", "fail", "medium", NULL },
	{ "tcp.keepalive.time_too_low", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_keepalive_time\":\"11\"}}", "pass", "medium", NULL },

	{ "tcp.keepalive.intvl_invalid", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_keepalive_intvl\":\"0\"}}", "fail", "medium",
	  "sysctl:net.ipv4.tcp_keepalive_intvl" },
	{ "tcp.keepalive.intvl_invalid", HM, "base", NULL, "pass", "medium", NULL },

	/* 0 resets every idle keepalive connection without a probe: an outage */
	{ "tcp.keepalive.probes_invalid", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_keepalive_probes\":\"-1\"}}", "fail", "high",
	  "sysctl:net.ipv4.tcp_keepalive_probes" },
	{ "tcp.keepalive.probes_invalid", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_keepalive_probes\":\"0\"}}", "fail", "high", NULL },
	{ "tcp.keepalive.probes_invalid", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.tcp_keepalive_probes\":\"1\"}}", "pass", "high", NULL },
	{ "tcp.keepalive.probes_invalid", HM, "base", NULL, "pass", "high", NULL },

	/* ports.yaml */
	{ "ports.ephemeral.time_wait_per_peer", S004B, "db-client", NULL, "fail", "high",
	  "sockets:ephemeral_ports" },
	{ "ports.ephemeral.time_wait_per_peer", S004A, "db-client", NULL, "pass", "medium", NULL },
	{ "ports.ephemeral.time_wait_per_peer", HM, "db-client",
	  "{\"sysctl\":{\"net.ipv4.tcp_tw_reuse\":\"1\"},\"sockets\":{\"time_wait_top\":[{\"peer\":\"10.0.0.21:5432\",\"count\":25000}]}}",
	  "fail", "medium", NULL },
	{ "ports.ephemeral.time_wait_per_peer", HM, "db-client",
	  "{\"sockets\":{\"time_wait_top\":[{\"peer\":\"10.0.0.21:5432\",\"count\":25000}]}}",
	  "fail", "high", NULL },
	/* tw_reuse=2 (the default) covers loopback peers */
	{ "ports.ephemeral.time_wait_per_peer", HM, "db-client",
	  "{\"sockets\":{\"time_wait_top\":[{\"peer\":\"127.0.0.1:5432\",\"count\":25000}]}}",
	  "fail", "medium", NULL },
	{ "ports.ephemeral.time_wait_per_peer", HM, "db-client", NULL, "pass", "medium", NULL },
	{ "ports.ephemeral.time_wait_per_peer", HM, "db-client",
	  "{\"sockets\":{\"time_wait_top\":[]}}", "pass", "medium", NULL },

	{ "ports.ephemeral.same_parity", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.ip_local_port_range\":\"32768 61000\"}}", "fail", "low",
	  "sysctl:net.ipv4.ip_local_port_range" },
	{ "ports.ephemeral.same_parity", HM, "base", NULL, "pass", "low", NULL },
	{ "ports.ephemeral.same_parity", S004B, "base", NULL, "skip", NULL, NULL },

	{ "ports.ephemeral.listener_overlap", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.ip_local_port_range\":\"1025 65000\"}}", "fail", "medium",
	  "sysctl:net.ipv4.ip_local_port_range" },
	{ "ports.ephemeral.listener_overlap", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.ip_local_port_range\":\"1025 65000\",\"net.ipv4.ip_local_reserved_ports\":\"8080\"}}",
	  "pass", "medium", NULL },
	{ "ports.ephemeral.listener_overlap", HM, "base", NULL, "pass", "medium", NULL },
	/* a UDP socket bound to an ephemeral port is what the range is for */
	{ "ports.ephemeral.listener_overlap", HM, "base",
	  "{\"sockets\":{\"listening\":[{\"proto\":\"udp\",\"addr\":\"0.0.0.0\",\"port\":40000}]}}",
	  "pass", "medium", NULL },

	{ "ports.ephemeral.listener_overlap", S001, "base", NULL, "pass", "medium", NULL },
	/* an odd port above 32768 with an even range start: bind(0)'s parity (4.6+), random */
	{ "ports.ephemeral.listener_overlap", HM, "base",
	  "{\"sockets\":{\"listening\":[{\"proto\":\"tcp\",\"addr\":\"127.0.0.1\",\"port\":40001}]}}",
	  "pass", "medium", NULL },
	{ "ports.ephemeral.listener_overlap", HM, "base",
	  "{\"sockets\":{\"listening\":[{\"proto\":\"tcp\",\"addr\":\"0.0.0.0\",\"port\":40000}]}}",
	  "fail", "medium", NULL },
	/* before 4.6 bind(0) had no parity preference: every port counts */
	{ "ports.ephemeral.listener_overlap", HM, "base",
	  "{\"host\":{\"kernel\":\"4.5.0\"},\"sockets\":{\"listening\":[{\"proto\":\"tcp\",\"addr\":\"0.0.0.0\",\"port\":40001}]}}",
	  "fail", "medium", NULL },

	/* since 4.11 the kernel rejects that runtime state: the boot-time value is judged */
	{ "ports.ephemeral.below_unprivileged", HM, "base",
	  "{\"persisted\":{\"net.ipv4.ip_local_port_range\":{\"value\":\"1023 60999\",\"file\":\"/etc/sysctl.d/10-ports.conf\",\"line\":2}}}",
	  "fail", "low", "sysctl:net.ipv4.ip_local_port_range" },
	{ "ports.ephemeral.below_unprivileged", HM, "base",
	  "{\"persisted\":{\"net.ipv4.ip_local_port_range\":{\"value\":\"1024 60999\",\"file\":\"/etc/sysctl.d/10-ports.conf\",\"line\":2}}}",
	  "pass", "low", NULL },
	{ "ports.ephemeral.below_unprivileged", HM, "base",
	  "{\"persisted\":{\"net.ipv4.ip_local_port_range\":{\"value\":\"2000 60999\",\"file\":\"/etc/sysctl.d/10-ports.conf\",\"line\":2},"
	  "\"net.ipv4.ip_unprivileged_port_start\":{\"value\":\"2001\",\"file\":\"/etc/sysctl.d/10-ports.conf\",\"line\":3}}}",
	  "fail", "low", NULL },
	{ "ports.ephemeral.below_unprivileged", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.ip_local_port_range\":\"1000 60999\"}}", "pass", "low", NULL },
	/* before 4.11 the runtime value itself can be wrong */
	{ "ports.ephemeral.below_unprivileged", HM, "base",
	  "{\"host\":{\"kernel\":\"4.10.0\"},\"sysctl\":{\"net.ipv4.ip_local_port_range\":\"1000 60999\"}}",
	  "fail", "low", NULL },
	{ "ports.ephemeral.below_unprivileged", HM, "base", NULL, "pass", "low", NULL },
	{ "ports.ephemeral.below_unprivileged", S000, "base", NULL, "skip", NULL, NULL },

	/* tcp-listen.yaml */
	{ "tcp.listen_queue.somaxconn", S001, "api-server", NULL, "fail", "medium",
	  "sysctl:net.core.somaxconn" },
	/* overflows since boot do not escalate; overflows over the interval do */
	{ "tcp.listen_queue.somaxconn", S001, "api-server",
	  "{\"netstat\":{\"TcpExt\":{\"ListenOverflows\":10}}}", "fail", "medium", NULL },
	{ "tcp.listen_queue.somaxconn", S001, "api-server",
	  "{\"netstat\":{\"TcpExt\":{\"ListenOverflows\":10}}," IVL(
		  "{\"netstat\":{\"TcpExt\":{\"ListenOverflows\":3}}}") "}",
	  "fail", "high", NULL },
	{ "tcp.listen_queue.somaxconn", HM, "api-server", NULL, "pass", "medium", NULL },

	{ "tcp.listen_queue.overflows", HM, "api-server",
	  "{\"netstat\":{\"TcpExt\":{\"ListenOverflows\":5,\"ListenDrops\":5}}}", "fail", "low",
	  "sockets:listen_queue" },
	{ "tcp.listen_queue.overflows", HM, "api-server",
	  "{\"netstat\":{\"TcpExt\":{\"ListenOverflows\":5,\"ListenDrops\":5}}," IVL(CT_QUIET) "}",
	  "fail", "low", NULL },
	{ "tcp.listen_queue.overflows", HM, "api-server",
	  "{\"netstat\":{\"TcpExt\":{\"ListenOverflows\":5,\"ListenDrops\":7}}," IVL(
		  "{\"netstat\":{\"TcpExt\":{\"ListenOverflows\":0,\"ListenDrops\":2}}}") "}",
	  "fail", "high", NULL },
	{ "tcp.listen_queue.overflows", HM, "api-server", NULL, "pass", "low", NULL },

	{ "tcp.listen_queue.syn_backlog", HM, "api-server",
	  "{\"sysctl\":{\"net.ipv4.tcp_syncookies\":\"0\",\"net.ipv4.tcp_max_syn_backlog\":\"1024\"}}",
	  "fail", "low", "sysctl:net.ipv4.tcp_max_syn_backlog" },
	{ "tcp.listen_queue.syn_backlog", HM, "api-server", NULL, "pass", "low", NULL },
	{ "tcp.listen_queue.syn_backlog", S001, "api-server", NULL, "pass", "low", NULL },

	{ "tcp.syncookies.disabled", HM, "api-server",
	  "{\"sysctl\":{\"net.ipv4.tcp_syncookies\":\"0\"}}", "fail", "medium",
	  "sysctl:net.ipv4.tcp_syncookies" },
	{ "tcp.syncookies.disabled", S001, "api-server", NULL, "pass", "medium", NULL },

	/* conntrack.yaml */
	{ "conntrack.usage", S000, "base", NULL, "fail", "critical", "conntrack:usage" },
	{ "conntrack.usage", S002, "base", NULL, "fail", "critical", NULL },
	{ "conntrack.usage", S003, "k8s-node", NULL, "fail", "high", NULL },
	{ "conntrack.usage", NATB, "nat-gateway", NULL, "fail", "high", NULL },
	{ "conntrack.usage", NATB, "base", NULL, "pass", "high", NULL },
	{ "conntrack.usage", HM, "base", NULL, "pass", "high", NULL },

	/* lifetime drops with table-full evidence: past-event severity until the interval shows them */
	{ "conntrack.drops", S000, "base", NULL, "fail", "low", "conntrack:drops" },
	{ "conntrack.drops", S002, "base", NULL, "fail", "low", NULL },
	{ "conntrack.drops", S002, "base", "{" IVL(CT_QUIET) "}", "fail", "low", NULL },
	{ "conntrack.drops", S002, "base",
	  "{" IVL("{\"conntrack\":{\"drop\":12,\"early_drop\":30}}") "}", "fail", "critical",
	  NULL },
	/* drops over the interval without table-full evidence (far from max): not this rule */
	{ "conntrack.drops", HM, "base",
	  "{\"conntrack\":{\"stats\":{\"drop\":12,\"insert_failed\":12}}," IVL(
		  "{\"conntrack\":{\"drop\":12,\"insert_failed\":12,\"early_drop\":0}}") "}",
	  "pass", "low", NULL },
	/* another namespace's lines (6.17+ names it) blame nobody here */
	{ "conntrack.drops", HM, "base",
	  "{\"conntrack\":{\"table_full_messages\":40,\"table_full\":{\"names_netns\":true,"
	  "\"this_netns\":0,\"other_netns\":40,\"unattributed\":0}}}",
	  "pass", "low", NULL },
	/* unnamed lines (before 6.17) alone do not escalate, and need this namespace's drops */
	{ "conntrack.drops", HM, "base",
	  "{\"conntrack\":{\"table_full_messages\":40,\"table_full\":{\"names_netns\":false,"
	  "\"this_netns\":0,\"other_netns\":0,\"unattributed\":40,\"unattributed_in_interval\":"
	  "40}}," IVL(CT_QUIET) "}",
	  "pass", "low", NULL },
	{ "conntrack.drops", HM, "base",
	  "{\"conntrack\":{\"stats\":{\"drop\":50},\"table_full_messages\":40,\"table_full\":{"
	  "\"names_netns\":false,\"this_netns\":0,\"other_netns\":0,\"unattributed\":40,"
	  "\"unattributed_in_interval\":4}}," IVL("{\"conntrack\":{\"drop\":5}}") "}",
	  "fail", "critical", NULL },
	/* this namespace's lines over the interval */
	{ "conntrack.drops", HM, "base",
	  "{\"conntrack\":{\"stats\":{\"drop\":3},\"table_full_messages\":3,\"table_full\":{"
	  "\"names_netns\":true,\"this_netns\":3,\"this_netns_in_interval\":3,\"other_netns\":0,"
	  "\"unattributed\":0}}," IVL("{\"conntrack\":{\"drop\":3}}") "}",
	  "fail", "critical", NULL },
	{ "conntrack.drops", S003, "base", NULL, "pass", "low", NULL },
	{ "conntrack.drops", HM, "base", NULL, "pass", "low", NULL },
	{ "conntrack.drops", HM, "base",
	  "{\"conntrack\":{\"stats\":{\"drop\":null},\"table_full_messages\":null}}", "skip", NULL,
	  NULL },

	/* since 5.10 insert_failed counts unresolved clashes: lost packets */
	{ "conntrack.insert_failed", S002, "base", NULL, "fail", "low", "conntrack:insert_failed" },
	{ "conntrack.insert_failed", S003, "base", NULL, "fail", "low", NULL },
	{ "conntrack.insert_failed", S003, "base",
	  "{" IVL("{\"conntrack\":{\"drop\":9,\"insert_failed\":9,\"clash_resolve\":300}}") "}",
	  "fail", "high", NULL },
	{ "conntrack.insert_failed", HM, "base", NULL, "pass", "low", NULL },
	/* before 5.10 (no clash_resolve) it also counted resolved clashes: no evidence of loss */
	{ "conntrack.insert_failed", HM, "base",
	  "{\"host\":{\"kernel\":\"5.4.0-150-generic\"},\"conntrack\":{\"stats\":{"
	  "\"insert_failed\":5000,\"clash_resolve\":null,\"chaintoolong\":null}}}",
	  "pass", "low", NULL },
	{ "conntrack.insert_failed", HM, "base",
	  "{\"host\":{\"kernel\":\"5.4.0-150-generic\"},\"conntrack\":{\"stats\":{"
	  "\"insert_failed\":5000,\"clash_resolve\":null,\"chaintoolong\":null}}," IVL(
		  "{\"conntrack\":{\"drop\":0,\"insert_failed\":40}}") "}",
	  "pass", "low", NULL },
	{ "conntrack.insert_failed", HM, "base",
	  "{\"host\":{\"kernel\":\"5.4.0-150-generic\"},\"conntrack\":{\"stats\":{"
	  "\"insert_failed\":5000,\"clash_resolve\":null,\"chaintoolong\":null}}," IVL(
		  "{\"conntrack\":{\"drop\":6,\"insert_failed\":40}}") "}",
	  "fail", "high", NULL },

	{ "conntrack.early_drop", S002, "base", NULL, "fail", "low", "conntrack:early_drop" },
	{ "conntrack.early_drop", NATB, "nat-gateway", NULL, "fail", "low", NULL },
	{ "conntrack.early_drop", NATB, "nat-gateway",
	  "{" IVL("{\"conntrack\":{\"early_drop\":8}}") "}", "fail", "high", NULL },
	{ "conntrack.early_drop", HM, "base", NULL, "pass", "low", NULL },

	{ "conntrack.chaintoolong", HM, "base", "{\"conntrack\":{\"stats\":{\"chaintoolong\":7}}}",
	  "fail", "low", "conntrack:chaintoolong" },
	{ "conntrack.chaintoolong", HM, "base",
	  "{\"conntrack\":{\"stats\":{\"chaintoolong\":7}}," IVL(
		  "{\"conntrack\":{\"chaintoolong\":2}}") "}",
	  "fail", "medium", NULL },
	{ "conntrack.chaintoolong", HM, "base", NULL, "pass", "low", NULL },
	{ "conntrack.chaintoolong", S000, "base", NULL, "skip", NULL, NULL },

	/* kube-proxy's healthz listener (10256) or its KUBE- chains are its evidence */
	{ "conntrack.max_below_role", K8SD, "k8s-node", NULL, "fail", "medium", "conntrack:max" },
	{ "conntrack.max_below_role", K8SD, "k8s-node", NOKP, "fail", "low", NULL },
	{ "conntrack.max_below_role", K8SD, "k8s-node",
	  "{\"sockets\":{\"listening\":[]},\"firewall\":{\"nat\":[{\"family\":\"ipv4\",\"kind\":\"dnat\",\"chain\":\"KUBE-SEP-ABC\"}]}}",
	  "fail", "medium", NULL },
	{ "conntrack.max_below_role", K8SD, "k8s-node", "{\"conntrack\":{\"max\":524287}}", "fail",
	  "medium", NULL },
	{ "conntrack.max_below_role", K8SD, "k8s-node", "{\"conntrack\":{\"max\":524288}}", "pass",
	  "low", NULL },
	{ "conntrack.max_below_role", K8SG, "k8s-node", NULL, "pass", "low", NULL },
	{ "conntrack.max_below_role", S003, "k8s-node", NULL, "pass", "low", NULL },

	{ "conntrack.memory", HM, "base", "{\"conntrack\":{\"max\":8388608}}", "fail", "medium",
	  "conntrack:max" },
	{ "conntrack.memory", HM, "base", NULL, "pass", "medium", NULL },
	/* 6.5 M entries: over 10 % of 24 GiB at the 400-byte estimate, under it at the
	 * measured 256-byte object plus the 128-byte extension area */
	{ "conntrack.memory", HM, "base", "{\"conntrack\":{\"max\":6500000}}", "fail", "medium",
	  NULL },
	{ "conntrack.memory", HM, "base",
	  "{\"conntrack\":{\"max\":6500000,\"slab\":{\"objsize\":256,\"active_objs\":10,"
	  "\"num_objs\":16}}}",
	  "pass", "medium", NULL },
	/* a large object on this kernel fails where the estimate would pass */
	{ "conntrack.memory", HM, "base",
	  "{\"conntrack\":{\"max\":2000000,\"slab\":{\"objsize\":1200}}}", "fail", "medium", NULL },
	{ "conntrack.memory", HM, "base", "{\"conntrack\":{\"max\":2000000}}", "pass", "medium",
	  NULL },

	{ "conntrack.buckets_small", HM, "base", "{\"conntrack\":{\"max\":4194304}}", "fail", "low",
	  "conntrack:buckets" },
	{ "conntrack.buckets_small", HM, "base", NULL, "pass", "low", NULL },
	{ "conntrack.buckets_small", S000, "base", NULL, "pass", "low", NULL },
	/* 2 x max / buckets: 16 (max = 8 x buckets, the kernel's hashsize= sizing) is the limit */
	{ "conntrack.buckets_small", HM, "base", "{\"conntrack\":{\"max\":2097152}}", "pass", "low",
	  NULL },
	{ "conntrack.buckets_small", HM, "base", "{\"conntrack\":{\"max\":2097153}}", "fail", "low",
	  NULL },

	{ "conntrack.timeout.established_too_long", K8SD, "k8s-node", NULL, "fail", "medium",
	  "sysctl:net.netfilter.nf_conntrack_tcp_timeout_established" },
	{ "conntrack.timeout.established_too_long", K8SG, "k8s-node", NULL, "pass", "low", NULL },
	{ "conntrack.timeout.established_too_long", S003, "k8s-node", NULL, "pass", "low", NULL },
	{ "conntrack.timeout.established_too_long", HM, "base", NULL, "pass", "low", NULL },
	{ "conntrack.timeout.established_too_long", K8SD, "k8s-node", NOKP, "fail", "low", NULL },
	{ "conntrack.timeout.established_too_long", HM, "base",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_tcp_timeout_established\":\"432001\"}}",
	  "fail", "medium", NULL },
	{ "conntrack.timeout.established_too_long", K8SG, "k8s-node",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_tcp_timeout_established\":\"86401\"}}", "fail",
	  "medium", NULL },
	{ "conntrack.timeout.established_too_long", HM, "base",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_tcp_timeout_established\":\"864000\"}}",
	  "fail", "medium", NULL },

	{ "conntrack.timeout.established_below_keepalive", HM, "base",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_tcp_timeout_established\":\"3600\"}}", "fail",
	  "low", "sysctl:net.netfilter.nf_conntrack_tcp_timeout_established" },
	{ "conntrack.timeout.established_below_keepalive", HM, "base", NULL, "pass", "low", NULL },
	{ "conntrack.timeout.established_below_keepalive", S003, "base", NULL, "pass", "low",
	  NULL },

	{ "conntrack.timeout.close_wait", K8SD, "k8s-node", NULL, "fail", "medium",
	  "sysctl:net.netfilter.nf_conntrack_tcp_timeout_close_wait" },
	{ "conntrack.timeout.close_wait", K8SG, "k8s-node", NULL, "pass", "low", NULL },
	{ "conntrack.timeout.close_wait", K8SD, "k8s-node", NOKP, "fail", "low", NULL },
	{ "conntrack.timeout.close_wait", K8SG, "k8s-node",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_tcp_timeout_close_wait\":\"3599\"}}", "fail",
	  "medium", NULL },

	{ "conntrack.timeout.time_wait_short", S002, "base", NULL, "fail", "low",
	  "sysctl:net.netfilter.nf_conntrack_tcp_timeout_time_wait" },
	{ "conntrack.timeout.time_wait_short", HM, "base", NULL, "pass", "low", NULL },

	{ "conntrack.be_liberal", S002, "base", NULL, "fail", "low",
	  "sysctl:net.netfilter.nf_conntrack_tcp_be_liberal" },
	{ "conntrack.be_liberal", S003, "base", NULL, "pass", "low", NULL },

	{ "conntrack.tcp_loose_off", HM, "nat-gateway",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_tcp_loose\":\"0\"}}", "fail", "medium",
	  "sysctl:net.netfilter.nf_conntrack_tcp_loose" },
	{ "conntrack.tcp_loose_off", HM, "nat-gateway", NULL, "pass", "medium", NULL },

	{ "conntrack.timeout.udp_short", HM, "nat-gateway",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_udp_timeout\":\"29\"}}", "fail", "medium",
	  "sysctl:net.netfilter.nf_conntrack_udp_timeout" },
	{ "conntrack.timeout.udp_short", HM, "nat-gateway",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_udp_timeout_stream\":\"119\"}}", "fail",
	  "medium", NULL },
	{ "conntrack.timeout.udp_short", HM, "nat-gateway",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_icmp_timeout\":\"29\"}}", "fail", "medium",
	  NULL },
	{ "conntrack.timeout.udp_short", HM, "nat-gateway", NULL, "pass", "medium", NULL },
	/* the generic timeout (protocols without a tracker): 600 is the default, 599 below it */
	{ "conntrack.timeout.udp_short", HM, "nat-gateway",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_generic_timeout\":\"599\"}}", "fail", "medium",
	  "sysctl:net.netfilter.nf_conntrack_udp_timeout" },
	{ "conntrack.timeout.udp_short", HM, "nat-gateway",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_generic_timeout\":\"600\"}}", "pass", "medium",
	  NULL },
	{ "conntrack.timeout.udp_short", HM, "nat-gateway",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_icmp_timeout\":\"30\"}}", "pass", "medium",
	  NULL },
	/* a kernel without the key: judged on the others, not failed */
	{ "conntrack.timeout.udp_short", HM, "nat-gateway",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_generic_timeout\":null}}", "pass", "medium",
	  NULL },
	{ "conntrack.timeout.udp_short", HM, "k8s-node",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_udp_timeout\":\"30\",\"net.netfilter.nf_conntrack_udp_timeout_stream\":\"120\"}}",
	  "pass", "medium", NULL },

	/* tcp-listen.yaml, new checks */
	{ "tcp.listen_queue.abort_on_overflow", HM, "api-server",
	  "{\"sysctl\":{\"net.ipv4.tcp_abort_on_overflow\":\"1\"}}", "fail", "medium",
	  "sysctl:net.ipv4.tcp_abort_on_overflow" },
	{ "tcp.listen_queue.abort_on_overflow", HM, "api-server", NULL, "pass", "medium", NULL },

	/* since boot, nothing known about now: the past-event severity */
	{ "tcp.listen_queue.syn_drops", HM, "api-server",
	  "{\"netstat\":{\"TcpExt\":{\"TCPReqQFullDrop\":1}}}", "fail", "low",
	  "sockets:syn_queue" },
	{ "tcp.listen_queue.syn_drops", HM, "api-server",
	  "{\"netstat\":{\"TcpExt\":{\"TCPReqQFullDrop\":9}}," IVL(
		  "{\"netstat\":{\"TcpExt\":{\"TCPReqQFullDrop\":0}}}") "}",
	  "fail", "low", NULL },
	{ "tcp.listen_queue.syn_drops", HM, "api-server",
	  "{\"netstat\":{\"TcpExt\":{\"TCPReqQFullDrop\":9}}," IVL(
		  "{\"netstat\":{\"TcpExt\":{\"TCPReqQFullDrop\":1}}}") "}",
	  "fail", "medium", NULL },
	{ "tcp.listen_queue.syn_drops", HM, "api-server",
	  "{\"netstat\":{\"TcpExt\":{\"TCPReqQFullDrop\":9}},\"sysctl\":{\"net.ipv4.tcp_syncookies\":\"0\"}," IVL(
		  "{\"netstat\":{\"TcpExt\":{\"TCPReqQFullDrop\":1}}}") "}",
	  "fail", "high", NULL },
	/* cookies sent: the queue overflowed, but nobody was dropped */
	{ "tcp.listen_queue.syn_drops", HM, "api-server",
	  "{\"netstat\":{\"TcpExt\":{\"TCPReqQFullDoCookies\":40}}}", "pass", "low", NULL },
	{ "tcp.listen_queue.syn_drops", HM, "api-server", NULL, "pass", "low", NULL },
	/* "Possible SYN flooding" lines (sockets.syn_flood): none */
	{ "tcp.listen_queue.syn_drops", HM, "api-server", SYNF("0", "[]"), "pass", "low", NULL },
	/* lines only for ports with no listener here */
	{ "tcp.listen_queue.syn_drops", HM, "api-server", SYNF("3", "[]"), "pass", "low", NULL },
	/* a listener here, but this namespace dropped nothing: another namespace's line */
	{ "tcp.listen_queue.syn_drops", HM, "api-server", SYNF("0", SYNL_DROP), "pass", "low",
	  NULL },
	/* a listener here and this namespace dropped: low, the counter's severity */
	{ "tcp.listen_queue.syn_drops", HM, "api-server",
	  "{\"netstat\":{\"TcpExt\":{\"TCPReqQFullDrop\":2}}," SYNF_BODY("0", SYNL_DROP) "}",
	  "fail", "low", "sockets:syn_queue" },
	/* no counter: the line alone fails, at low, even when it is in the interval */
	{ "tcp.listen_queue.syn_drops", HM, "api-server",
	  "{\"netstat\":null," SYNF_BODY("0", SYNL_DROP) "}", "fail", "low", NULL },
	{ "tcp.listen_queue.syn_drops", HM, "api-server",
	  "{\"netstat\":null," SYNF_BODY("0", SYNL_DROP_IVL) "," IVL("{}") "}", "fail", "low",
	  NULL },
	/* cookies sent, nothing dropped */
	{ "tcp.listen_queue.syn_drops", HM, "api-server",
	  "{\"netstat\":null," SYNF_BODY("0", SYNL_COOKIES) "}", "pass", "low", NULL },
	/* neither the counter nor the log */
	{ "tcp.listen_queue.syn_drops", HM, "api-server", "{\"netstat\":null}", "skip", NULL,
	  NULL },

	/* tcp-client.yaml */
	{ "tcp.retries2.slow_dead_peer", HM, "db-client", NULL, "fail", "low",
	  "sysctl:net.ipv4.tcp_retries2" },
	{ "tcp.retries2.slow_dead_peer", HM, "db-client",
	  "{\"sysctl\":{\"net.ipv4.tcp_retries2\":\"8\"}}", "pass", "low", NULL },
	{ "tcp.retries2.slow_dead_peer", HM, "db-client",
	  "{\"sysctl\":{\"net.ipv4.tcp_retries2\":\"7\"}}", "fail", "low", NULL },
	{ "tcp.retries2.slow_dead_peer", HM, "db-client",
	  "{\"sysctl\":{\"net.ipv4.tcp_retries2\":\"9\"}}", "fail", "low", NULL },

	{ "tcp.syn_retries.slow_connect_failure", HM, "db-client",
	  "{\"sysctl\":{\"net.ipv4.tcp_syn_retries\":\"7\"}}", "fail", "low",
	  "sysctl:net.ipv4.tcp_syn_retries" },
	{ "tcp.syn_retries.slow_connect_failure", HM, "db-client", NULL, "pass", "low", NULL },

	/* db-client-nat: a NAT in the path forgets idle connections after 350 s */
	{ "tcp.keepalive.path_idle", HM, "db-client-nat", NULL, "fail", "medium",
	  "sysctl:net.ipv4.tcp_keepalive_time" },
	{ "tcp.keepalive.path_idle", HM, "db-client-nat",
	  "{\"sysctl\":{\"net.ipv4.tcp_keepalive_time\":\"350\"}}", "fail", "medium", NULL },
	{ "tcp.keepalive.path_idle", HM, "db-client-nat",
	  "{\"sysctl\":{\"net.ipv4.tcp_keepalive_time\":\"349\"}}", "pass", "medium", NULL },
	{ "tcp.keepalive.path_idle", HM, "db-client", NULL, "skip", NULL, NULL },

	/* persisted.yaml */
	{ "persisted.removed_keys", DRIFT, "base",
	  "{\"persisted\":{\"net.ipv4.netfilter.ip_conntrack_max\":{\"value\":\"65536\",\"file\":\"/etc/sysctl.conf\",\"line\":9}}}",
	  "fail", "low", "persisted:net.ipv4.netfilter.ip_conntrack_max" },
	{ "persisted.removed_keys", DRIFT, "base", NULL, "pass", "low", NULL },
	/* an integer key given a value the kernel's integer handlers reject */
	{ "persisted.rejected_values", HM, "base",
	  "{\"persisted\":{\"net.ipv4.tcp_fin_timeout\":{\"value\":\"1.5\",\"file\":\"/etc/sysctl.d/90-x.conf\",\"line\":3}}}",
	  "fail", "low", "persisted:net.ipv4.tcp_fin_timeout" },
	{ "persisted.rejected_values", HM, "base",
	  "{\"persisted\":{\"net.ipv4.ip_local_port_range\":{\"value\":\"1024-65000\",\"file\":\"/etc/sysctl.d/90-x.conf\",\"line\":3}}}",
	  "fail", "low", "persisted:net.ipv4.ip_local_port_range" },
	{ "persisted.rejected_values", HM, "base",
	  "{\"persisted\":{\"net.ipv4.tcp_fin_timeout\":{\"value\":\"\",\"file\":\"/etc/sysctl.d/90-x.conf\",\"line\":3}}}",
	  "fail", "low", "persisted:net.ipv4.tcp_fin_timeout" },
	/* what the kernel reads: hex, octal, negative, several fields */
	{ "persisted.rejected_values", HM, "base",
	  "{\"persisted\":{\"net.ipv4.tcp_fin_timeout\":{\"value\":\"0x3c\",\"file\":\"a.conf\",\"line\":1},"
	  "\"net.ipv4.ip_local_port_range\":{\"value\":\"1024 65000\",\"file\":\"a.conf\",\"line\":2},"
	  "\"net.ipv4.tcp_keepalive_time\":{\"value\":\"0600\",\"file\":\"a.conf\",\"line\":3}}}",
	  "pass", "low", NULL },
	/* a bitmap key takes lists; a string key takes words */
	{ "persisted.rejected_values", HM, "base",
	  "{\"sysctl\":{\"net.ipv4.ip_local_reserved_ports\":\"8080\"},"
	  "\"persisted\":{\"net.ipv4.ip_local_reserved_ports\":{\"value\":\"8080,9000-9100\",\"file\":\"a.conf\",\"line\":1},"
	  "\"net.ipv4.tcp_congestion_control\":{\"value\":\"bbr\",\"file\":\"a.conf\",\"line\":2}}}",
	  "pass", "low", NULL },
	/* a child namespace's snapshot: boot files do not apply */
	{ "persisted.rejected_values", HM, "base",
	  "{\"host\":{\"netns\":\"child\"},\"persisted\":{\"net.ipv4.tcp_fin_timeout\":{\"value\":\"1.5\",\"file\":\"a.conf\",\"line\":3}}}",
	  "skip", "low", NULL },

	/* dns.yaml */
	{ "notrack.node_local_dns", K8SG, "k8s-node",
	  "{\"sockets\":{\"listening\":[{\"proto\":\"udp\",\"addr\":\"169.254.20.10\",\"port\":53}]}}",
	  "fail", "medium", "notrack:udp/53" },
	{ "notrack.node_local_dns", K8SG, "k8s-node",
	  "{\"sockets\":{\"listening\":[{\"proto\":\"udp\",\"addr\":\"169.254.20.10\",\"port\":53}]},"
	  "\"firewall\":{\"notrack\":[{\"family\":\"ipv4\",\"hook\":\"prerouting\",\"proto\":\"udp\",\"dport\":\"53\"}]}}",
	  "pass", "medium", NULL },
	{ "notrack.node_local_dns", K8SG, "k8s-node", NULL, "skip", NULL, NULL },

	/* helpers.yaml */
	{ "helpers.auto_assign", S000, "base", NULL, "fail", "medium",
	  "sysctl:net.netfilter.nf_conntrack_helper" },
	{ "helpers.auto_assign", S000, "base",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_helper\":\"0\"}}", "pass", "medium", NULL },
	{ "helpers.auto_assign", HM, "base", NULL, "skip", NULL, NULL },

	{ "helpers.assigned", NATB, "nat-gateway", NULL, "fail", "high", "helper:sip" },
	{ "helpers.assigned", K8SD, "k8s-node", NULL, "fail", "medium", "helper:ftp" },
	{ "helpers.assigned", NATG, "nat-gateway", NULL, "pass", "high", NULL },

	{ "helpers.in_use", NATB, "nat-gateway", NULL, "fail", "high", "helper:sip" },
	{ "helpers.in_use", NATG, "nat-gateway", NULL, "pass", "high", NULL },

	{ "helpers.expect_max", NATB, "nat-gateway",
	  "{\"sysctl\":{\"net.netfilter.nf_conntrack_expect_max\":\"4095\"}}", "fail", "medium",
	  "sysctl:net.netfilter.nf_conntrack_expect_max" },
	{ "helpers.expect_max", NATB, "nat-gateway", NULL, "pass", "medium", NULL },
	{ "helpers.expect_max", NATB, "nat-gateway", "{\"helpers\":{\"in_use\":{\"sip\":3277}}}",
	  "fail", "medium", NULL },
	{ "helpers.expect_max", NATB, "nat-gateway", "{\"helpers\":{\"in_use\":{\"sip\":3276}}}",
	  "pass", "medium", NULL },
	{ "helpers.expect_max", NATG, "nat-gateway", NULL, "skip", NULL, NULL },

	/* notrack.yaml */
	{ "notrack.missing_for_role", HM, "api-server-notrack", NULL, "fail", "medium",
	  "notrack:tcp/8080" },
	{ "notrack.missing_for_role", S002, "api-server-notrack", NULL, "pass", "medium", NULL },
	{ "notrack.missing_for_role", HM, "api-server", NULL, "pass", "medium", NULL },
	/* an OUTPUT rule for the replies alone does not exempt incoming traffic */
	{ "notrack.missing_for_role", S002, "api-server-notrack",
	  "{\"firewall\":{\"notrack\":[{\"family\":\"ipv4\",\"hook\":\"output\",\"proto\":\"tcp\",\"sport\":\"8080\"}]}}",
	  "fail", "medium", "notrack:tcp/8080" },
	{ "notrack.missing_for_role", S002, "api-server-notrack",
	  "{\"firewall\":{\"notrack\":[{\"family\":\"ipv4\",\"hook\":\"output\",\"proto\":\"tcp\",\"sport\":\"8080\"},"
	  "{\"family\":\"ipv4\",\"hook\":\"prerouting\",\"proto\":\"tcp\",\"dport\":\"8000-8100\"}]}}",
	  "pass", "medium", NULL },

	{ "notrack.missing_for_role", IDLE, "api-server-notrack", NULL, "skip", NULL, NULL },

	{ "notrack.nat_overlap", S002, "base", NULL, "fail", "critical", "notrack:tcp/8080" },
	{ "notrack.nat_overlap", NATB, "nat-gateway", NULL, "fail", "critical",
	  "notrack:udp/5000-5100" },
	/* same port, other protocol; a masquerade rule without a port is not matched */
	{ "notrack.nat_overlap", S003, "base", NULL, "pass", "critical", NULL },
	{ "notrack.nat_overlap", HM, "base", NULL, "pass", "critical", NULL },
	{ "notrack.nat_overlap", S002, "base",
	  "{\"firewall\":{\"notrack\":[{\"family\":\"ipv6\",\"chain\":\"PREROUTING\",\"proto\":\"tcp\",\"dport\":\"8080\"}]}}",
	  "pass", "critical", NULL },

	/* an OUTPUT-only NOTRACK does not touch a PREROUTING DNAT */
	{ "notrack.nat_overlap", S002, "base",
	  "{\"firewall\":{\"notrack\":[{\"family\":\"ipv4\",\"hook\":\"output\",\"proto\":\"tcp\",\"dport\":\"8080\"}],"
	  "\"nat\":[{\"family\":\"ipv4\",\"kind\":\"dnat\",\"hook\":\"prerouting\",\"proto\":\"tcp\",\"dport\":\"8080\"}]}}",
	  "pass", "critical", NULL },
	/* NOTRACK on every port but 22 covers docker's DNAT of 8080 */
	{ "notrack.nat_overlap", S002, "base",
	  "{\"firewall\":{\"notrack\":[{\"family\":\"ipv4\",\"proto\":\"tcp\",\"dport\":\"22\",\"negated\":[\"dport\"]}]}}",
	  "fail", "critical", "notrack:tcp/22" },

	{ "notrack.untracked_dropped", NATB, "nat-gateway", NULL, "fail", "high",
	  "notrack:udp/5000-5100" },
	{ "notrack.untracked_dropped", NATG, "nat-gateway", NULL, "pass", "high", NULL },
	{ "notrack.untracked_dropped", S003, "base", NULL, "pass", "high", NULL },

	/* forwarding.yaml */
	{ "forwarding.ip_forward", NATB, "nat-gateway", NULL, "fail", "high",
	  "sysctl:net.ipv4.ip_forward" },
	{ "forwarding.ip_forward", NATG, "nat-gateway", NULL, "pass", "high", NULL },
	{ "forwarding.ip_forward", K8SD, "k8s-node", NULL, "fail", "high", NULL },

	{ "forwarding.bridge_nf_call_iptables", K8SD, "k8s-node", NULL, "fail", "medium",
	  "sysctl:net.bridge.bridge-nf-call-iptables" },
	{ "forwarding.bridge_nf_call_iptables", K8SG, "k8s-node", NULL, "pass", "medium", NULL },
	/* high only where a pod bridge exists */
	{ "forwarding.bridge_nf_call_iptables", K8SD, "k8s-node",
	  "{\"sysctl\":{\"net.ipv4.conf.cni0.forwarding\":\"1\"}}", "fail", "high", NULL },

	{ "forwarding.bridge_nf_call_ip6tables", K8SG, "k8s-node",
	  "{\"sysctl\":{\"net.bridge.bridge-nf-call-ip6tables\":\"0\"}}", "fail", "medium",
	  "sysctl:net.bridge.bridge-nf-call-ip6tables" },
	{ "forwarding.bridge_nf_call_ip6tables", K8SG, "k8s-node",
	  "{\"sysctl\":{\"net.bridge.bridge-nf-call-ip6tables\":\"0\"},\"firewall\":{\"nat\":[{\"family\":\"ipv6\",\"kind\":\"masquerade\"}]}}",
	  "fail", "high", NULL },
	{ "forwarding.bridge_nf_call_ip6tables", K8SG, "k8s-node",
	  "{\"sysctl\":{\"net.bridge.bridge-nf-call-ip6tables\":\"1\"}}", "pass", "medium", NULL },
	{ "forwarding.bridge_nf_call_ip6tables", K8SD, "k8s-node", NULL, "skip", NULL, NULL },

	{ "forwarding.ipv6", NATG, "nat-gateway",
	  "{\"sysctl\":{\"net.ipv6.conf.all.forwarding\":\"0\"}}", "fail", "low",
	  "sysctl:net.ipv6.conf.all.forwarding" },
	{ "forwarding.ipv6", NATG, "nat-gateway",
	  "{\"sysctl\":{\"net.ipv6.conf.all.forwarding\":\"0\"},\"firewall\":{\"notrack\":[{\"family\":\"ipv6\",\"proto\":\"udp\",\"dport\":\"53\"}]}}",
	  "fail", "medium", NULL },
	{ "forwarding.ipv6", NATG, "nat-gateway",
	  "{\"sysctl\":{\"net.ipv6.conf.all.forwarding\":\"1\"}}", "pass", "low", NULL },
	{ "forwarding.ipv6", HM, "nat-gateway", NULL, "pass", "low", NULL },

	{ "forwarding.route_localnet", HM, "nat-gateway",
	  "{\"sysctl\":{\"net.ipv4.conf.all.route_localnet\":\"1\"}}", "fail", "medium",
	  "sysctl:net.ipv4.conf.all.route_localnet" },
	/* kube-proxy sets it for localhost NodePorts (and drops martians since 1.18.4) */
	{ "forwarding.route_localnet", K8SD, "k8s-node",
	  "{\"sysctl\":{\"net.ipv4.conf.all.route_localnet\":\"1\"}}", "fail", "low", NULL },
	{ "forwarding.route_localnet", HM, "nat-gateway", NULL, "pass", "low", NULL },

	/* nat.yaml */
	/* failed inserts since boot only: low; moving over an interval (5.10+): medium */
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"conntrack\":{\"stats\":{\"insert_failed\":1}}}", "fail", "low",
	  "conntrack:insert_failed" },
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"conntrack\":{\"stats\":{\"insert_failed\":3}}," IVL(
		  "{\"conntrack\":{\"insert_failed\":1}}") "}",
	  "fail", "medium", NULL },
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"host\":{\"kernel\":\"5.4.0\"},\"conntrack\":{\"stats\":{\"insert_failed\":3,\"clash_resolve\":null}}," IVL(
		  "{\"conntrack\":{\"insert_failed\":1}}") "}",
	  "fail", "low", NULL },
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"conntrack\":{\"stats\":{\"insert_failed\":1}},\"firewall\":{\"nat\":[{\"family\":\"ipv4\",\"kind\":\"masquerade\",\"random_fully\":true}]}}",
	  "pass", "low", NULL },
	{ "nat.snat_insert_clashes", NATG, "nat-gateway", NULL, "pass", "low", NULL },
	{ "nat.snat_insert_clashes", HM, "nat-gateway", NULL, "skip", NULL, NULL },
	/* the port-selection flags as the collectors report them: known false
	 * fails, known true passes, absent (not decoded) fails as unknown;
	 * insert_failed 0 passes whatever the flags */
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"conntrack\":{\"stats\":{\"insert_failed\":1}}," NAT_MASQ("ipv4", "false") "}", "fail",
	  "low", "conntrack:insert_failed" },
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"conntrack\":{\"stats\":{\"insert_failed\":1}}," NAT_MASQ("ipv4", "true") "}", "pass",
	  "low", NULL },
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"conntrack\":{\"stats\":{\"insert_failed\":0}}," NAT_MASQ("ipv4", "false") "}", "pass",
	  "low", NULL },
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"conntrack\":{\"stats\":{\"insert_failed\":1}},\"firewall\":{\"nat\":[{\"family\":"
	  "\"ipv4\",\"kind\":\"snat\",\"source\":\"iptables-legacy\"}]}}",
	  "fail", "low", NULL },
	/* only DNAT: nothing chooses a source port */
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"conntrack\":{\"stats\":{\"insert_failed\":1}},\"firewall\":{\"nat\":[{\"family\":"
	  "\"ipv4\",\"kind\":\"dnat\",\"random\":false,\"random_fully\":false,"
	  "\"persistent\":false}]}}",
	  "skip", NULL, NULL },
	/* IPv6 source NAT is judged like IPv4 (ip6tables, nft ip6/inet) */
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"conntrack\":{\"stats\":{\"insert_failed\":1}}," NAT_MASQ("ipv6", "false") "}", "fail",
	  "low", "conntrack:insert_failed" },
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"conntrack\":{\"stats\":{\"insert_failed\":1}}," NAT_MASQ("ipv6", "true") "}", "pass",
	  "low", NULL },
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"conntrack\":{\"stats\":{\"insert_failed\":3}}," NAT_MASQ("ipv6", "false") "," IVL(
		  "{\"conntrack\":{\"insert_failed\":1}}") "}",
	  "fail", "medium", NULL },

	/* --random alone: since 5.0 its port search starts at a random offset like
	 * --random-fully; before, at a hash of the addresses and destination port
	 * (docs/kernel-notes.md#nat-ports). Boundary 4.19.x / 5.0; unknown = old */
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"host\":{\"kernel\":\"4.19.228\"},\"conntrack\":{\"stats\":{\"insert_failed\":1}}," NAT_MASQ_RND(
		  "ipv4", "true", "false") "}",
	  "fail", "low", "conntrack:insert_failed" },
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"host\":{\"kernel\":\"4.20.17\"},\"conntrack\":{\"stats\":{\"insert_failed\":1}}," NAT_MASQ_RND(
		  "ipv4", "true", "false") "}",
	  "fail", "low", NULL },
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"host\":{\"kernel\":\"5.0.0\"},\"conntrack\":{\"stats\":{\"insert_failed\":1}}," NAT_MASQ_RND(
		  "ipv4", "true", "false") "}",
	  "pass", "low", NULL },
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"host\":{\"kernel\":\"6.12.1\"},\"conntrack\":{\"stats\":{\"insert_failed\":1}}," NAT_MASQ_RND(
		  "ipv6", "true", "false") "}",
	  "pass", "low", NULL },
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"host\":{\"kernel\":null},\"conntrack\":{\"stats\":{\"insert_failed\":1}}," NAT_MASQ_RND(
		  "ipv4", "true", "false") "}",
	  "fail", "low", NULL },
	/* neither flag fails on a new kernel too; random-fully passes on an old one */
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"host\":{\"kernel\":\"6.12.1\"},\"conntrack\":{\"stats\":{\"insert_failed\":1}}," NAT_MASQ_RND(
		  "ipv4", "false", "false") "}",
	  "fail", "low", NULL },
	{ "nat.snat_insert_clashes", NATG, "nat-gateway",
	  "{\"host\":{\"kernel\":\"4.19.228\"},\"conntrack\":{\"stats\":{\"insert_failed\":1}}," NAT_MASQ_RND(
		  "ipv4", "false", "true") "}",
	  "pass", "low", NULL },

	{ "neigh.gc_thresh3", NATG, "nat-gateway", "{\"netstat\":{\"ArpCache\":{\"entries\":820}}}",
	  "fail", "medium", "sysctl:net.ipv4.neigh.default.gc_thresh3" },
	{ "neigh.gc_thresh3", NATG, "nat-gateway", "{\"netstat\":{\"ArpCache\":{\"entries\":819}}}",
	  "pass", "low", NULL },
	/* overflows since boot only: low; overflowing now: high */
	{ "neigh.gc_thresh3", NATG, "nat-gateway",
	  "{\"netstat\":{\"NdiscCache\":{\"entries\":10,\"table_fulls\":1}}}", "fail", "low",
	  NULL },
	{ "neigh.gc_thresh3", NATG, "nat-gateway",
	  "{\"netstat\":{\"NdiscCache\":{\"entries\":10,\"table_fulls\":4}}," IVL(
		  "{\"netstat\":{\"NdiscCache\":{\"table_fulls\":1}}}") "}",
	  "fail", "high", NULL },
	{ "neigh.gc_thresh3", NATG, "nat-gateway", NULL, "pass", "low", NULL },

	{ "forwarding.bridge_nf_call_iptables", NATG, "k8s-node", NULL, "skip", NULL, NULL },

	/* drift.yaml; the whitespace-only difference in ip_local_port_range is no drift */
	{ "drift.runtime_differs", DRIFT, "base", NULL, "fail", "low",
	  "persisted:net.ipv4.tcp_keepalive_time" },
	{ "drift.runtime_differs", HM, "base", NULL, "pass", "low", NULL },
	{ "drift.runtime_differs", S003, "base", NULL, "pass", "low", NULL },

	/* sysctl.d applies to the initial netns only; a container's netns starts from defaults */
	{ "drift.runtime_differs", DRIFT, "base", "{\"host\":{\"netns\":\"other\"}}", "skip", NULL,
	  NULL },
	{ "drift.overridden", DRIFT, "base", NULL, "fail", "info", "persisted:net.core.somaxconn" },
	{ "drift.overridden", HM, "base", NULL, "pass", "info", NULL },

	{ "drift.stale_persisted", DRIFT, "base", NULL, "fail", "low",
	  "persisted:net.netfilter.nf_conntrack_helper" },
	{ "drift.stale_persisted", HM, "base", NULL, "pass", "low", NULL },
	{ "drift.stale_persisted", DRIFT, "base", "{\"sysctl\":{\"net.ipv4.tcp_timestamps\":null}}",
	  "skip", NULL, NULL },
};

struct env {
	struct cta_policy *policy;
};

static char *fixture_path(const char *sub, const char *name)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s/%s", CTA_FIXTURES, sub, name) > 0);
	return p;
}

static int setup(void **state)
{
	static struct env env;
	struct cta_diags diags = { 0 };
	_cleanup_free_ char *profiles = fixture_path("profiles", "");
	const char *const dirs[] = { profiles, NULL };
	const char *datadir = getenv("CTAUDIT_DATADIR");
	_cleanup_free_ char *srcdir = NULL;
	struct cta_policy_opts opts = { .profile_dirs = dirs };
	int r;

	if (!datadir) {
		assert_true(asprintf(&srcdir, "%s/../..", CTA_FIXTURES) > 0);
		datadir = srcdir;
	}
	opts.datadir = datadir;
	r = cta_policy_load(&opts, &diags, &env.policy);
	if (r < 0)
		cta_diags_print(&diags, stderr);
	cta_diags_done(&diags);
	assert_int_equal(r, 0);
	*state = &env;
	return 0;
}

static int teardown(void **state)
{
	struct env *env = *state;

	cta_policy_free(env->policy);
	return 0;
}

/* Merge @patch into @dst: objects recursively, null removes, anything else replaces. */
static void merge(json_t *dst, json_t *patch)
{
	const char *k;
	json_t *v;

	json_object_foreach(patch, k, v) {
		json_t *d = json_object_get(dst, k);

		if (json_is_null(v))
			json_object_del(dst, k);
		else if (json_is_object(v) && json_is_object(d))
			merge(d, v);
		else
			assert_int_equal(json_object_set(dst, k, v), 0);
	}
}

static json_t *load_facts(const char *name, const char *patch)
{
	_cleanup_free_ char *path = fixture_path("facts", name);
	_cleanup_free_ char *err = NULL;
	json_t *facts = NULL;
	int r = cta_json_load_file(path, &facts, &err);

	if (r < 0)
		fail_msg("cannot load '%s': %s", path, err ? err : "?");
	if (patch) {
		json_error_t je;
		_cleanup_json_ json_t *p = json_loads(patch, 0, &je);

		if (!p)
			fail_msg("bad patch '%s': %s", patch, je.text);
		merge(facts, p);
	}
	return facts;
}

static json_t *audit(const struct env *env, const char *fixture, const char *patch,
		     const char *profile)
{
	_cleanup_json_ json_t *facts = load_facts(fixture, patch);
	const char *const profiles[] = { profile, NULL };
	struct cta_diags diags = { 0 };
	json_t *report = NULL;
	int r = audit_json(env->policy, profiles, facts, &diags, &report);

	if (r < 0)
		cta_diags_print(&diags, stderr);
	cta_diags_done(&diags);
	assert_int_equal(r, 0);
	assert_non_null(report);
	return report;
}

static json_t *find_result(json_t *report, const char *rule)
{
	json_t *results = json_object_get(report, "results"), *res;
	size_t i;

	json_array_foreach(results, i, res) {
		if (strcmp(json_string_value(json_object_get(res, "rule")) ?: "", rule) == 0)
			return res;
	}
	return NULL;
}

static const char *str_member(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "(none)";
}

static void test_rule_cases(void **state)
{
	const struct env *env = *state;
	unsigned bad = 0;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct rcase *c = &cases[i];
		_cleanup_json_ json_t *report = audit(env, c->fixture, c->patch, c->profile);
		json_t *res = find_result(report, c->rule);
		bool ok;

		if (!res) {
			fprintf(stderr, "case %zu: %s on %s (%s): no result\n", i, c->rule,
				c->fixture, c->profile);
			bad++;
			continue;
		}
		ok = strcmp(str_member(res, "status"), c->status) == 0 &&
		     (!c->severity || strcmp(str_member(res, "severity"), c->severity) == 0) &&
		     (!c->subject || strcmp(str_member(res, "subject"), c->subject) == 0);
		if (!ok) {
			fprintf(stderr,
				"case %zu: %s on %s%s (%s): got %s/%s '%s', want %s/%s '%s'\n  message: %s\n  reason: %s\n",
				i, c->rule, c->fixture, c->patch ? " (patched)" : "", c->profile,
				str_member(res, "status"), str_member(res, "severity"),
				str_member(res, "subject"), c->status,
				c->severity ? c->severity : "*", c->subject ? c->subject : "*",
				str_member(res, "message"), str_member(res, "reason"));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/*
 * nat.snat_insert_clashes names the rules it judged: with the flags known it
 * lists exactly those without random source ports and says nothing about
 * unknown flags; "do not show" only for entries without them; a --random rule
 * on a kernel before 5.0 is named as hashed.
 */
static void test_snat_flags_text(void **state)
{
	const struct env *env = *state;
	static const struct {
		const char *nat; /* firewall.nat */
		const char *observed;
		const char *has; /* in the explanation */
		const char *lacks; /* not in the explanation */
		const char *kernel; /* host.kernel, NULL: the fixture's (6.1) */
	} tc[] = {
		{ "[{\"family\":\"ipv4\",\"table\":\"nat\",\"chain\":\"POSTROUTING\",\"kind\":"
		  "\"masquerade\",\"source\":\"iptables-legacy\",\"random\":false,\"random_fully\":"
		  "false,\"persistent\":false},{\"family\":\"ipv6\",\"table\":\"n6\",\"chain\":"
		  "\"post\",\"kind\":\"masquerade\",\"source\":\"nft\",\"random\":false,"
		  "\"random_fully\":true,\"persistent\":false}]",
		  "insert_failed 2; 1 of 2 SNAT/MASQUERADE rule(s) without random source port "
		  "selection",
		  "Rules without random source ports: masquerade (ipv4 nat/POSTROUTING, "
		  "iptables-legacy). ",
		  "do not show", NULL },
		{ "[{\"family\":\"ipv6\",\"table\":\"nat\",\"chain\":\"POSTROUTING\",\"kind\":"
		  "\"snat\",\"source\":\"iptables-legacy\"}]",
		  "insert_failed 2; 0 of 1 SNAT/MASQUERADE rule(s) without random source port "
		  "selection, 1 whose flags the facts do not show",
		  "The facts do not show whether these rules use random-fully (their target could not "
		  "be decoded): snat (ipv6 nat/POSTROUTING, iptables-legacy).",
		  "Rules without random source ports", NULL },
		{ "[{\"family\":\"ipv4\",\"table\":\"nat\",\"chain\":\"POSTROUTING\",\"kind\":"
		  "\"masquerade\",\"source\":\"iptables-legacy\",\"random\":true,\"random_fully\":"
		  "false,\"persistent\":false}]",
		  "insert_failed 2; 1 of 1 SNAT/MASQUERADE rule(s) without random source port "
		  "selection (1 with --random, which this kernel hashes)",
		  "This kernel (4.19.228) is judged as hashing random's start", "do not show",
		  "4.19.228" },
	};

	for (size_t i = 0; i < ELEMENTSOF(tc); i++) {
		_cleanup_free_ char *patch = NULL;
		_cleanup_json_ json_t *report = NULL;
		json_t *res;

		assert_true(asprintf(&patch,
				     "{\"host\":{\"kernel\":\"%s\"},"
				     "\"conntrack\":{\"stats\":{\"insert_failed\":2}},"
				     "\"firewall\":{\"nat\":%s}}",
				     tc[i].kernel ? tc[i].kernel : "6.1.0-18-amd64",
				     tc[i].nat) > 0);
		report = audit(env, NATG, patch, "nat-gateway");
		res = find_result(report, "nat.snat_insert_clashes");
		assert_non_null(res);
		assert_string_equal(str_member(res, "status"), "fail");
		assert_string_equal(str_member(res, "observed"), tc[i].observed);
		if (!strstr(str_member(res, "explanation"), tc[i].has) ||
		    strstr(str_member(res, "explanation"), tc[i].lacks))
			fail_msg("case %zu: explanation '%s'", i, str_member(res, "explanation"));
	}
}

/*
 * tcp.listen_queue.syn_backlog per release: before 4.4 (ef547f2ac16b) the
 * sysctl also sized every SYN queue, from 4.4 on it is read only with
 * syncookies off; and the drop point of the last-quarter clause.
 */
static void test_syn_backlog_text(void **state)
{
	const struct env *env = *state;
	static const struct {
		const char *kernel, *cookies, *status, *text;
	} tc[] = {
		{ "4.3.0", "1", "pass",
		  "syncookies are on; before Linux 4.4 tcp_max_syn_backlog still sizes each SYN "
		  "queue, so cookies start once it is full" },
		{ "4.4.0", "1", "pass", "syncookies are on; tcp_max_syn_backlog is not read" },
		{ "6.18.0", "1", "pass", "syncookies are on; tcp_max_syn_backlog is not read" },
		/* 1024 - 1024 / 4 = 768 */
		{ "6.18.0", "0", "fail",
		  "tcp_max_syn_backlog=1024 is below net.core.somaxconn=4096 and syncookies are off: "
		  "SYNs from peers not yet proven alive are dropped once a listener holds more than "
		  "768 pending requests" },
		{ "4.3.0", "0", "fail",
		  "tcp_max_syn_backlog=1024 is below net.core.somaxconn=4096 and syncookies are off: "
		  "SYNs from peers not yet proven alive are dropped once a listener holds more than "
		  "768 pending requests, and before Linux 4.4 no listener's SYN queue grows much "
		  "past it" },
	};

	for (size_t i = 0; i < ELEMENTSOF(tc); i++) {
		_cleanup_free_ char *patch = NULL;
		_cleanup_json_ json_t *report = NULL;
		json_t *res;

		assert_true(asprintf(&patch,
				     "{\"host\":{\"kernel\":\"%s\"},\"sysctl\":{"
				     "\"net.ipv4.tcp_syncookies\":\"%s\","
				     "\"net.ipv4.tcp_max_syn_backlog\":\"1024\","
				     "\"net.core.somaxconn\":\"4096\"}}",
				     tc[i].kernel, tc[i].cookies) > 0);
		report = audit(env, HM, patch, "api-server");
		res = find_result(report, "tcp.listen_queue.syn_backlog");
		assert_non_null(res);
		if (strcmp(str_member(res, "status"), tc[i].status) != 0 ||
		    strcmp(str_member(res, "message"), tc[i].text) != 0)
			fail_msg("case %zu: %s '%s'", i, str_member(res, "status"),
				 str_member(res, "message"));
	}
}

/* The values a template's "@X" placeholders stand for. */
struct subst {
	const char *port; /* @P */
	const char *untracked; /* @U */
	const char *random_fully; /* @R */
};

/* @tmpl with "@F" replaced by @fam, "@T" by an address of that family and
 * the others from @sv. */
static char *fam_subst(const char *tmpl, const char *fam, const struct subst *sv)
{
	const char *to = strcmp(fam, "ipv6") == 0 ? "[fd00::10]:8080" : "10.0.0.10:8080";
	size_t cap = strlen(tmpl) * 4 + 64, n = 0;
	char *out = malloc(cap);

	assert_non_null(out);
	for (const char *p = tmpl; *p;) {
		const char *ins = p[0] != '@' ? NULL :
				  p[1] == 'F' ? fam :
				  p[1] == 'T' ? to :
				  p[1] == 'P' ? sv->port :
				  p[1] == 'U' ? sv->untracked :
				  p[1] == 'R' ? sv->random_fully :
						NULL;

		if (ins) {
			size_t l = strlen(ins);

			assert_true(n + l < cap);
			memcpy(out + n, ins, l);
			n += l;
			p += 2;
		} else {
			assert_true(n + 1 < cap);
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	return out;
}

/* "[T(a),T(b)]" for the families of @variant: one, or both (dual stack). */
static char *fam_list(const char *tmpl, const char *variant, const struct subst *sv)
{
	const char *both[] = { "ipv4", "ipv6" };
	bool dual = strcmp(variant, "dual") == 0;
	_cleanup_free_ char *a = fam_subst(tmpl, dual ? both[0] : variant, sv);
	_cleanup_free_ char *b = dual ? fam_subst(tmpl, both[1], sv) : NULL;
	char *out;

	assert_true(asprintf(&out, "[%s%s%s]", a, b ? "," : "", b ? b : "") > 0);
	return out;
}

/*
 * IPv6 NOTRACK and NAT rules are judged like IPv4 ones (issue 12): the same
 * scenario written for IPv4, IPv6, nft inet (where a table of that family can
 * hold the rule) and dual stack gives the same verdict.
 */
static void test_family_neutral(void **state)
{
	const struct env *env = *state;
#define NT                                                                                       \
	"{\"family\":\"@F\",\"table\":\"raw\",\"chain\":\"PREROUTING\",\"hook\":\"prerouting\"," \
	"\"proto\":\"tcp\",\"dport\":\"@P\",\"source\":\"iptables-legacy\"}"
#define DN                                                                                       \
	"{\"family\":\"@F\",\"table\":\"nat\",\"chain\":\"PREROUTING\",\"hook\":\"prerouting\"," \
	"\"kind\":\"dnat\",\"proto\":\"tcp\",\"dport\":\"8080\",\"to\":\"@T\",\"random\":false," \
	"\"random_fully\":false,\"persistent\":false,\"source\":\"iptables-legacy\"}"
#define FL                                                                                     \
	"{\"family\":\"@F\",\"table\":\"filter\",\"chain\":\"INPUT\",\"hook\":\"input\","      \
	"\"policy\":\"drop\",\"source\":\"iptables-legacy\",\"rules\":[{\"conditional\":true," \
	"\"verdict\":\"accept\",\"ctstate\":[\"established\",\"related\"@U]}]}"
#define MQ                                                                                         \
	"{\"family\":\"@F\",\"table\":\"nat\",\"chain\":\"POSTROUTING\",\"hook\":\"postrouting\"," \
	"\"kind\":\"masquerade\",\"random\":false,\"random_fully\":@R,\"persistent\":false,"       \
	"\"source\":\"iptables-legacy\"}"
	static const struct {
		const char *rule, *fixture, *profile;
		const char *notrack, *nat, *filter; /* templates; NULL: leave the fixture's */
		const char *extra; /* more of the patch, or "" */
		bool inet; /* the scenario also exists in an nft inet table */
		const char *status, *severity;
	} sc[] = {
		{ "notrack.nat_overlap", HM, "base", NT, DN, NULL, "", true, "fail", "critical" },
		{ "notrack.untracked_dropped", HM, "base", NT, "", FL, "", true, "fail", "high" },
		/* no listener on the port: a rule of either family counts (which
		 * families a listener needs: test_notrack_listener_family) */
		{ "notrack.missing_for_role", HM, "api-server-notrack", NT, "", NULL,
		  ",\"sockets\":{\"listening\":[]}", true, "fail", "medium" },
		{ "nat.snat_insert_clashes", NATG, "nat-gateway", "", MQ, NULL,
		  ",\"conntrack\":{\"stats\":{\"insert_failed\":1}}", false, "fail", "low" },
	};
	/* the port of the NOTRACK rule in the failing case (NULL: 8080): the
	 * role asks for 8080 */
	static const char *const fail_port[] = { NULL, NULL, "9090", NULL };
	/* the same with the condition removed: the other port, UNTRACKED
	 * accepted, the port the role asks for, random-fully set */
	static const char *const pass_args[][3] = {
		{ "9090", NULL, NULL },
		{ "8080", ",\"untracked\"", NULL },
		{ "8080", NULL, NULL },
		{ NULL, NULL, "true" },
	};
	static const char *const variants[] = { "ipv4", "ipv6", "dual", "inet" };
	unsigned bad = 0;

	for (size_t i = 0; i < ELEMENTSOF(sc); i++)
		for (size_t pass = 0; pass < 2; pass++) {
			if (pass && !pass_args[i][0] && !pass_args[i][1] && !pass_args[i][2])
				continue;
			for (size_t v = 0; v < ELEMENTSOF(variants); v++) {
				const struct subst sv = {
					.port = pass && pass_args[i][0] ? pass_args[i][0] :
						!pass && fail_port[i]	? fail_port[i] :
									  "8080",
					.untracked = pass && pass_args[i][1] ? pass_args[i][1] : "",
					.random_fully = pass && pass_args[i][2] ? pass_args[i][2] :
										  "false",
				};
				_cleanup_free_ char *nt_l = NULL, *nat_l = NULL, *fl_l = NULL;
				_cleanup_free_ char *patch = NULL;
				_cleanup_json_ json_t *report = NULL;
				const char *want = pass ? "pass" : sc[i].status;
				json_t *res;

				if (strcmp(variants[v], "inet") == 0 && !sc[i].inet)
					continue;
				/* the NAT rules of the inet variant: one per family */
				nt_l = *sc[i].notrack ? fam_list(sc[i].notrack, variants[v], &sv) :
							strdup("[]");
				nat_l = *sc[i].nat ? fam_list(sc[i].nat,
							      strcmp(variants[v], "inet") == 0 ?
								      "dual" :
								      variants[v],
							      &sv) :
						     strdup("[]");
				fl_l = sc[i].filter ? fam_list(sc[i].filter, variants[v], &sv) :
						      NULL;
				assert_true(
					asprintf(&patch,
						 "{\"conntrack\":{\"active\":true},\"firewall\":{"
						 "\"notrack\":%s,\"nat\":%s%s%s}%s}",
						 nt_l, nat_l, fl_l ? ",\"filter\":" : "",
						 fl_l ? fl_l : "", sc[i].extra) > 0);
				report = audit(env, sc[i].fixture, patch, sc[i].profile);
				res = find_result(report, sc[i].rule);
				if (!res || strcmp(str_member(res, "status"), want) != 0 ||
				    strcmp(str_member(res, "severity"), sc[i].severity) != 0) {
					fprintf(stderr, "%s, %s%s: got %s/%s, want %s/%s\n  %s\n",
						sc[i].rule, variants[v], pass ? " (pass case)" : "",
						str_member(res, "status"),
						str_member(res, "severity"), want, sc[i].severity,
						str_member(res, "message"));
					bad++;
				}
			}
		}
#undef NT
#undef DN
#undef FL
#undef MQ
	assert_int_equal(bad, 0);
}

/*
 * notrack.missing_for_role wants a rule for every family the port's
 * listeners serve: "::" serves both (IPV6_V6ONLY is not in the facts), an
 * IPv6 address IPv6, an IPv4 or IPv4-mapped one IPv4; inet or family-less
 * rules cover both.  The message names the missing family.
 */
static void test_notrack_listener_family(void **state)
{
	const struct env *env = *state;
#define R4 "{\"family\":\"ipv4\",\"hook\":\"prerouting\",\"proto\":\"tcp\",\"dport\":\"8080\"}"
#define R6 "{\"family\":\"ipv6\",\"hook\":\"prerouting\",\"proto\":\"tcp\",\"dport\":\"8080\"}"
#define L(A) "{\"proto\":\"tcp\",\"addr\":\"" A "\",\"port\":8080}"
	static const struct {
		const char *notrack, *listening, *status, *has; /* in the message */
	} tc[] = {
		{ "[" R4 "]", "[" L("::") "]", "fail", "tcp port(s) 8080 (IPv6) should" },
		{ "[" R4 "]", "[" L("0.0.0.0") "," L("::") "]", "fail", "8080 (IPv6)" },
		{ "[" R4 "]", "[" L("10.0.0.5") "," L("fe80::1") "]", "fail", "8080 (IPv6)" },
		{ "[" R6 "]", "[" L("::") "]", "fail", "8080 (IPv4)" },
		{ "[" R6 "]", "[" L("0.0.0.0") "]", "fail", "8080 (IPv4)" },
		{ "[]", "[" L("::") "]", "fail", "8080 (IPv4 and IPv6)" },
		/* nft table ip is IPv4 only */
		{ "[{\"family\":\"ip\",\"proto\":\"tcp\",\"dport\":\"8080\"}]", "[" L("::") "]",
		  "fail", "8080 (IPv6)" },
		{ "[{\"family\":\"ipv4\",\"proto\":\"tcp\",\"dport\":\"8000-8100\"}]",
		  "[" L("::") "]", "fail", "8080 (IPv6)" },
		/* no listener: either family counts; none fails without a family */
		{ "[]", "[]", "fail", "tcp port(s) 8080 should" },
		{ "[" R6 "]", "[]", "pass", NULL },
		{ "[{\"family\":\"inet\",\"proto\":\"tcp\",\"dport\":\"8080\"}]", "[" L("::") "]",
		  "pass", NULL },
		{ "[{\"proto\":\"tcp\",\"dport\":\"8080\"}]", "[" L("::") "]", "pass", NULL },
		{ "[" R4 "]", "[" L("0.0.0.0") "]", "pass", NULL },
		{ "[" R4 "]", "[" L("::ffff:10.0.0.5") "]", "pass", NULL },
		{ "[" R4 "," R6 "]", "[" L("::") "]", "pass", NULL },
		{ "[" R6 "]", "[" L("::1") "]", "pass", NULL },
		/* another port's listener does not count */
		{ "[" R4 "]", "[{\"proto\":\"tcp\",\"addr\":\"::\",\"port\":8081}]", "pass", NULL },
		{ "[" R4 "]", "[{\"proto\":\"udp\",\"addr\":\"::\",\"port\":8080}]", "pass", NULL },
	};
#undef R4
#undef R6
#undef L
	unsigned bad = 0;

	for (size_t i = 0; i < ELEMENTSOF(tc); i++) {
		_cleanup_free_ char *patch = NULL;
		_cleanup_json_ json_t *report = NULL;
		json_t *res;
		const char *msg;

		assert_true(
			asprintf(&patch,
				 "{\"conntrack\":{\"active\":true},\"firewall\":{\"notrack\":%s},"
				 "\"sockets\":{\"listening\":%s}}",
				 tc[i].notrack, tc[i].listening) > 0);
		report = audit(env, HM, patch, "api-server-notrack");
		res = find_result(report, "notrack.missing_for_role");
		msg = res ? str_member(res, "message") : "(no result)";
		if (!res || strcmp(str_member(res, "status"), tc[i].status) != 0 ||
		    (tc[i].has && !strstr(msg, tc[i].has))) {
			fprintf(stderr, "case %zu: got %s '%s', want %s '%s'\n", i,
				res ? str_member(res, "status") : "-", msg, tc[i].status,
				tc[i].has ? tc[i].has : "");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* An IPv4 rule and an IPv6 rule of different families do not meet. */
static void test_family_cross(void **state)
{
	const struct env *env = *state;
	static const struct {
		const char *rule, *fixture, *profile, *patch, *status;
	} tc[] = {
		/* IPv6 NOTRACK, IPv4 DNAT of the same port */
		{ "notrack.nat_overlap", HM, "base",
		  "{\"firewall\":{\"notrack\":[{\"family\":\"ipv6\",\"hook\":\"prerouting\",\"proto\":"
		  "\"tcp\",\"dport\":\"8080\"}],\"nat\":[{\"family\":\"ipv4\",\"kind\":\"dnat\",\"hook\":"
		  "\"prerouting\",\"proto\":\"tcp\",\"dport\":\"8080\"}]}}",
		  "pass" },
		/* IPv6 NOTRACK, only the IPv4 filter drops UNTRACKED */
		{ "notrack.untracked_dropped", HM, "base",
		  "{\"firewall\":{\"notrack\":[{\"family\":\"ipv6\",\"hook\":\"prerouting\",\"proto\":"
		  "\"tcp\",\"dport\":\"8080\"}],\"filter\":[{\"family\":\"ipv4\",\"table\":\"filter\","
		  "\"chain\":\"INPUT\",\"hook\":\"input\",\"policy\":\"drop\",\"source\":"
		  "\"iptables-legacy\",\"rules\":[{\"conditional\":true,\"verdict\":\"accept\","
		  "\"ctstate\":[\"established\"]}]}]}}",
		  "pass" },
		/* and the other way round */
		{ "notrack.untracked_dropped", HM, "base",
		  "{\"firewall\":{\"notrack\":[{\"family\":\"ipv4\",\"hook\":\"prerouting\",\"proto\":"
		  "\"tcp\",\"dport\":\"8080\"}],\"filter\":[{\"family\":\"ipv6\",\"table\":\"filter\","
		  "\"chain\":\"INPUT\",\"hook\":\"input\",\"policy\":\"drop\",\"source\":"
		  "\"iptables-legacy\",\"rules\":[{\"conditional\":true,\"verdict\":\"accept\","
		  "\"ctstate\":[\"established\"]}]}]}}",
		  "pass" },
		/* an inet filter sees both */
		{ "notrack.untracked_dropped", HM, "base",
		  "{\"firewall\":{\"notrack\":[{\"family\":\"ipv6\",\"hook\":\"prerouting\",\"proto\":"
		  "\"tcp\",\"dport\":\"8080\"}],\"filter\":[{\"family\":\"inet\",\"table\":\"f\","
		  "\"chain\":\"in\",\"hook\":\"input\",\"type\":\"filter\",\"policy\":\"drop\","
		  "\"source\":\"nft\",\"rules\":[{\"conditional\":true,\"verdict\":\"accept\","
		  "\"ctstate\":[\"established\"]}]}]}}",
		  "fail" },
		/* a snapshot with only the boolean (no filter chains): either family */
		{ "notrack.untracked_dropped", HM, "base",
		  "{\"firewall\":{\"notrack\":[{\"family\":\"ipv6\",\"hook\":\"prerouting\",\"proto\":"
		  "\"tcp\",\"dport\":\"8080\"}],\"stateful_filter_drops_untracked\":true}}",
		  "fail" },
	};
	unsigned bad = 0;

	for (size_t i = 0; i < ELEMENTSOF(tc); i++) {
		_cleanup_json_ json_t *report =
			audit(env, tc[i].fixture, tc[i].patch, tc[i].profile);
		json_t *res = find_result(report, tc[i].rule);

		if (!res || strcmp(str_member(res, "status"), tc[i].status) != 0) {
			fprintf(stderr, "cross %zu: %s got %s, want %s: %s\n", i, tc[i].rule,
				str_member(res, "status"), tc[i].status,
				str_member(res, "message"));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Every rule of the catalog has a failing and a passing case above. */
static void test_every_rule_covered(void **state)
{
	const struct env *env = *state;
	static const char *const all[] = { "base",     "api-server", "nat-gateway",
					   "k8s-node", "db-client",  NULL };
	_cleanup_json_ json_t *facts = load_facts(HM, NULL);
	_cleanup_json_ json_t *report = NULL;
	struct cta_diags diags = { 0 };
	json_t *res;
	size_t i;
	unsigned bad = 0;

	assert_int_equal(audit_json(env->policy, all, facts, &diags, &report), 0);
	cta_diags_done(&diags);
	assert_true(json_array_size(json_object_get(report, "results")) >= 40);
	json_array_foreach(json_object_get(report, "results"), i, res) {
		const char *id = str_member(res, "rule");
		bool fail = false, pass = false;

		for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
			if (strcmp(cases[k].rule, id) != 0)
				continue;
			fail |= strcmp(cases[k].status, "fail") == 0;
			pass |= strcmp(cases[k].status, "pass") == 0;
		}
		if (!fail || !pass) {
			fprintf(stderr, "rule '%s' lacks a %s case\n", id,
				fail ? "passing" : "failing");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* A healthy, default-tuned modern host: nothing at medium or above for the
 * two roles a plain server or client gets, and nothing failing at all in base. */
static void test_healthy_host(void **state)
{
	const struct env *env = *state;
	static const char *const fixtures[] = { HM, IDLE, RHEL9, NOBLE };
	static const char *const profiles[] = { "api-server", "db-client", "base" };

	for (size_t f = 0; f < ELEMENTSOF(fixtures); f++)
		for (size_t p = 0; p < ELEMENTSOF(profiles); p++) {
			_cleanup_json_ json_t *report = audit(env, fixtures[f], NULL, profiles[p]);
			json_t *res;
			size_t i;
			unsigned bad = 0;

			json_array_foreach(json_object_get(report, "results"), i, res) {
				const char *sev = str_member(res, "severity");

				if (strcmp(str_member(res, "status"), "fail") != 0)
					continue;
				if (strcmp(sev, "low") == 0 || strcmp(sev, "info") == 0)
					continue;
				fprintf(stderr, "%s (%s): %s fails at %s: %s\n", fixtures[f],
					profiles[p], str_member(res, "rule"), sev,
					str_member(res, "message"));
				bad++;
			}
			assert_int_equal(bad, 0);
		}
}

/* What each seed story got wrong is flagged, what it got right passes
 * (tests/fixtures/facts/README.md). */
static void test_seed_summaries(void **state)
{
	const struct env *env = *state;
	static const struct {
		const char *fixture, *profile;
		int critical, high;
	} t[] = {
		/* the seeds' drop counters count since boot with no earlier sample: the
		 * drops are past events (low) until an interval shows them moving */
		{ S000, "db-client", 2, 0 }, /* tw_recycle, conntrack usage */
		{ S001, "api-server", 1, 0 }, /* tw_recycle */
		{ S002, "base", 2, 0 }, /* usage, NOTRACK over docker's DNAT */
		{ S003, "k8s-node", 0, 1 }, /* usage 91.6 % */
		{ S004B, "db-client", 1,
		  3 }, /* tw_recycle; reuse w/o timestamps, timestamps, ports */
		{ S004A, "db-client", 1, 0 }, /* tw_recycle only: the timestamps fix is right */
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		_cleanup_json_ json_t *report = audit(env, t[i].fixture, NULL, t[i].profile);
		json_t *sum = json_object_get(report, "summary");

		if (json_integer_value(json_object_get(sum, "critical")) != t[i].critical ||
		    json_integer_value(json_object_get(sum, "high")) != t[i].high)
			fail_msg("%s (%s): critical %lld high %lld, want %d %d", t[i].fixture,
				 t[i].profile,
				 (long long)json_integer_value(json_object_get(sum, "critical")),
				 (long long)json_integer_value(json_object_get(sum, "high")),
				 t[i].critical, t[i].high);
	}
}

/* Computed remediations: the whole remediation object of a failing result. */
static void test_remediations(void **state)
{
	const struct env *env = *state;
	static const struct {
		const char *rule, *fixture, *profile, *patch, *want;
	} t[] = {
		{ "conntrack.max_below_role", K8SD, "k8s-node", NULL,
		  "{\"sysctl\":{\"net.netfilter.nf_conntrack_max\":\"524288\"},\"advice\":\"kube-proxy also sets the hash "
		  "size to max/4 when it is smaller (net.netfilter.nf_conntrack_buckets 131072, initial netns only)\"}" },
		{ "notrack.missing_for_role", HM, "api-server-notrack", NULL,
		  "{\"notrack\":[{\"proto\":\"tcp\",\"port\":\"8080\"}],\"advice\":\"accept `ct state untracked` in the "
		  "filter chains before the ESTABLISHED,RELATED rule\"}" },
		{ "tcp.tw_recycle.stale_persisted", DRIFT, "base", NULL,
		  "{\"remove_persisted\":[\"net.ipv4.tcp_tw_recycle\"]}" },
		{ "tcp.tw_recycle.enabled", S000, "base", NULL,
		  "{\"sysctl\":{\"net.ipv4.tcp_tw_recycle\":\"0\"}}" },
		{ "tcp.tw_reuse.without_timestamps", S004B, "db-client", NULL,
		  "{\"sysctl\":{\"net.ipv4.tcp_timestamps\":\"1\"}}" },
		/* the fix never exceeds the role's own established timeout */
		{ "conntrack.timeout.established_below_keepalive", K8SG, "k8s-node",
		  "{\"sysctl\":{\"net.netfilter.nf_conntrack_tcp_timeout_established\":\"3600\"}}",
		  "{\"sysctl\":{\"net.netfilter.nf_conntrack_tcp_timeout_established\":\"86400\"}}" },
		{ "conntrack.timeout.established_below_keepalive", HM, "base",
		  "{\"sysctl\":{\"net.netfilter.nf_conntrack_tcp_timeout_established\":\"3600\"}}",
		  "{\"sysctl\":{\"net.netfilter.nf_conntrack_tcp_timeout_established\":\"432000\"}}" },
		/* every timeout the rule judges is restored, at least to its default */
		{ "conntrack.timeout.udp_short", HM, "nat-gateway",
		  "{\"sysctl\":{\"net.netfilter.nf_conntrack_generic_timeout\":\"599\","
		  "\"net.netfilter.nf_conntrack_icmp_timeout\":\"10\"}}",
		  "{\"sysctl\":{\"net.netfilter.nf_conntrack_udp_timeout\":\"30\","
		  "\"net.netfilter.nf_conntrack_udp_timeout_stream\":\"120\","
		  "\"net.netfilter.nf_conntrack_icmp_timeout\":\"30\","
		  "\"net.netfilter.nf_conntrack_generic_timeout\":\"600\"}}" },
		{ "ports.ephemeral.same_parity", HM, "base",
		  "{\"sysctl\":{\"net.ipv4.ip_local_port_range\":\"32768 61000\"}}",
		  "{\"sysctl\":{\"net.ipv4.ip_local_port_range\":\"32768 60999\"}}" },
		{ "ports.ephemeral.listener_overlap", HM, "base",
		  "{\"sysctl\":{\"net.ipv4.ip_local_port_range\":\"1025 65000\",\"net.ipv4.ip_local_reserved_ports\":\"9000-9010\"}}",
		  "{\"sysctl\":{\"net.ipv4.ip_local_reserved_ports\":\"9000-9010,8080\"}}" },
		{ "tcp.max_tw_buckets.lowered", HM, "base",
		  "{\"sysctl\":{\"net.ipv4.tcp_max_tw_buckets\":\"5000\"}}",
		  "{\"sysctl\":{\"net.ipv4.tcp_max_tw_buckets\":\"131072\"}}" },
		{ "ports.ephemeral.time_wait_per_peer", S004B, "db-client", NULL,
		  "{\"sysctl\":{\"net.ipv4.tcp_tw_reuse\":\"1\",\"net.ipv4.tcp_timestamps\":\"1\"},\"advice\":\"reuse "
		  "connections to 10.20.0.15:3306 (a pool, keep-alive) so fewer are opened and closed; widen "
		  "ip_local_port_range (default 32768 60999) if it was narrowed, keeping listening ports out of it\"}" },
	};
	unsigned bad = 0;

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		_cleanup_json_ json_t *report = audit(env, t[i].fixture, t[i].patch, t[i].profile);
		_cleanup_json_ json_t *want = json_loads(t[i].want, 0, NULL);
		json_t *res = find_result(report, t[i].rule);
		json_t *got = res ? json_object_get(res, "remediation") : NULL;

		assert_non_null(want);
		if (!got || !json_equal(got, want)) {
			_cleanup_free_ char *g = got ? json_dumps(got, JSON_SORT_KEYS) : NULL;

			fprintf(stderr, "%s on %s (%s): remediation %s\n  want %s\n", t[i].rule,
				t[i].fixture, t[i].profile, g ? g : "(none)", t[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/*
 * With `audit --deep` the facts carry the top conntrack talkers; the usage
 * finding then names them (issue: "62 % of entries come from 10.0.3.7").
 * Without them it points at `ctaudit top conntrack`.
 */
static void test_deep_evidence(void **state)
{
	const struct env *env = *state;
	static const char *const deep =
		"{\"conntrack\":{\"top\":{\"entries\":120000,\"approximate\":false,"
		"\"by_src\":[{\"key\":\"10.0.3.7\",\"count\":74400}],"
		"\"by_flow\":[{\"key\":\"10.0.3.7 -> 192.168.1.11:3306\",\"count\":72000}]}}}";
	_cleanup_json_ json_t *with = audit(env, S003, deep, "base");
	_cleanup_json_ json_t *without = audit(env, S003, NULL, "base");
	const char *e;

	e = str_member(find_result(with, "conntrack.usage"), "explanation");
	assert_non_null(strstr(e, "Largest sources: 10.0.3.7 62 %"));
	assert_non_null(strstr(e, "largest flows: 10.0.3.7 -> 192.168.1.11:3306 60 %"));
	assert_null(strstr(e, "ctaudit top conntrack"));
	e = str_member(find_result(without, "conntrack.usage"), "explanation");
	assert_non_null(strstr(e, "ctaudit top conntrack --by src"));
	/* the myth is named where the table is full, not only in passing rules */
	assert_non_null(strstr(e, "is a myth"));
}

/* The log lines and the measured slab size show in the text. */
static void test_log_and_slab_evidence(void **state)
{
	const struct env *env = *state;
	_cleanup_json_ json_t *drop = audit(
		env, HM,
		"{\"netstat\":{\"TcpExt\":{\"TCPReqQFullDrop\":2}},\"sysctl\":{\"net.ipv4.tcp_syncookies\":\"0\"}," SYNF_BODY(
			"0", SYNL_DROP) "}",
		"api-server");
	_cleanup_json_ json_t *nocounter =
		audit(env, HM, "{\"netstat\":null," SYNF_BODY("0", SYNL_DROP) "}", "api-server");
	_cleanup_json_ json_t *other = audit(env, HM, SYNF("0", SYNL_DROP), "api-server");
	_cleanup_json_ json_t *slab =
		audit(env, HM, "{\"conntrack\":{\"slab\":{\"objsize\":320}}}", "nat-gateway");
	_cleanup_json_ json_t *noslab = audit(env, HM, NULL, "nat-gateway");
	const char *m;

	m = str_member(find_result(drop, "tcp.listen_queue.syn_drops"), "message");
	assert_non_null(strstr(
		m,
		"\"Possible SYN flooding\" for listeners here: port 8080 on 0.0.0.0 (1 Dropping request)"));
	m = str_member(find_result(drop, "tcp.syncookies.disabled"), "message");
	assert_non_null(strstr(
		m, "\"Possible SYN flooding ... Dropping request\" for port 8080 on 0.0.0.0"));
	m = str_member(find_result(nocounter, "tcp.listen_queue.syn_drops"), "message");
	assert_non_null(strstr(m, "the kernel log says a listener of this namespace dropped SYNs"));
	/* this namespace's counter is 0: the line is not shown as its own */
	m = str_member(find_result(other, "tcp.listen_queue.syn_drops"), "message");
	assert_null(strstr(m, "kernel log"));

	m = str_member(find_result(slab, "conntrack.memory"), "message");
	assert_non_null(
		strstr(m, "measured: the nf_conntrack slab object is 320 bytes on this kernel"));
	m = str_member(find_result(slab, "conntrack.usage"), "explanation");
	assert_non_null(
		strstr(m, "Measured: the nf_conntrack slab object is 320 bytes on this kernel"));
	m = str_member(find_result(noslab, "conntrack.memory"), "message");
	assert_non_null(strstr(m, "an estimate: 400 bytes per entry"));
	m = str_member(find_result(noslab, "conntrack.usage"), "explanation");
	assert_non_null(strstr(m, "Allowing about 400 bytes per entry (an estimate"));
}

/*
 * References a user can open (docs/kernel-notes.md says which sources are
 * primary).  A reference is primary when it names a kernel documentation file
 * and entry, a kernel source file and function, a commit with id, subject and
 * release, kube-proxy's source, or systemd's source (sysctl.d semantics).
 * docs/kernel-notes.md#anchor is secondary: the file and the anchor must
 * exist.  KNOWLEDGE.md is never a reference, nor a project file that does not
 * exist.
 */
enum ref_kind { REF_BAD, REF_PRIMARY, REF_NOTES, REF_OTHER };

static const char *const primary_patterns[] = {
	"^Documentation/[A-Za-z0-9_/.-]+\\.(rst|txt) \\(.+\\)$",
	"^(net|include|kernel|mm|lib|drivers)/[A-Za-z0-9_/.-]+\\.[ch]: .+$",
	"^commit [0-9a-f]{12,40} \".+\" \\((Linux|kube-proxy) [0-9]+\\.[0-9]+[^)]*\\)$",
	"^kubernetes/kubernetes: (pkg|cmd|cluster)/[A-Za-z0-9_/.-]+\\.(go|yaml) .+$",
	"^systemd: src/[A-Za-z0-9_/.-]+\\.c",
};

static bool ref_re_match(const char *pattern, const char *s)
{
	regex_t re;
	bool m;

	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	m = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

static bool file_has_anchor(const char *path, const char *anchor)
{
	_cleanup_free_ char *text = NULL, *needle = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	text = calloc(1, 1 << 20);
	assert_non_null(text);
	len = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	text[len] = 0;
	if (!anchor)
		return true;
	assert_true(asprintf(&needle, "<a id=\"%s\"></a>", anchor) > 0);
	return strstr(text, needle) != NULL;
}

static enum ref_kind classify_ref(const char *ref, const char *srcdir)
{
	/* the file, not a word such as IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED */
	if (strstr(ref, "KNOWLEDGE.md"))
		return REF_BAD;
	for (size_t i = 0; i < ELEMENTSOF(primary_patterns); i++)
		if (ref_re_match(primary_patterns[i], ref))
			return REF_PRIMARY;
	if (ref_re_match("^(docs|policies|profiles|src|tests)/", ref)) {
		_cleanup_free_ char *path = NULL, *file = strdup(ref);
		char *hash;

		assert_non_null(file);
		/* only docs/NAME.md or docs/NAME.md#anchor, and it must resolve */
		if (!ref_re_match("^docs/[a-z0-9-]+\\.md(#[a-z0-9-]+)?$", ref))
			return REF_BAD;
		hash = strchr(file, '#');
		if (hash)
			*hash++ = 0;
		assert_true(asprintf(&path, "%s/%s", srcdir, file) > 0);
		return file_has_anchor(path, hash) ? REF_NOTES : REF_BAD;
	}
	return REF_OTHER;
}

static void test_references(void **state)
{
	const struct env *env = *state;
	static const struct {
		const char *ref;
		enum ref_kind want;
	} self[] = {
		{ "Documentation/networking/ip-sysctl.rst (tcp_tw_reuse)", REF_PRIMARY },
		{ "Documentation/networking/ip-sysctl.rst", REF_OTHER },
		{ "net/ipv4/tcp_ipv4.c: tcp_twsk_unique()", REF_PRIMARY },
		{ "commit 4396e46187ca \"tcp: remove tcp_tw_recycle\" (Linux 4.12)", REF_PRIMARY },
		{ "commit \"tcp: remove tcp_tw_recycle\" (Linux 4.12)", REF_OTHER },
		{ "kubernetes/kubernetes: pkg/proxy/conntrack/sysctls.go setSysctls() (kube-proxy 1.29 and later)",
		  REF_PRIMARY },
		{ "KNOWLEDGE.md: When the table is full", REF_BAD },
		{ "../shared/KNOWLEDGE.md", REF_BAD },
		{ "net/netfilter/nf_conntrack_proto_tcp.c: tcp_in_window() (IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED)",
		  REF_PRIMARY },
		{ "docs/kernel-notes.md#table-full", REF_NOTES },
		{ "docs/kernel-notes.md#no-such-section", REF_BAD },
		{ "docs/no-such-file.md", REF_BAD },
		{ "docs/kernel-notes.md (When the table is full)", REF_BAD },
		{ "some blog post", REF_OTHER },
	};
	_cleanup_free_ char *srcdir = NULL;
	_cleanup_json_ json_t *cat = NULL;
	json_t *rule;
	size_t i;
	unsigned bad = 0;

	assert_true(asprintf(&srcdir, "%s/../..", CTA_FIXTURES) > 0);
	for (i = 0; i < ELEMENTSOF(self); i++) {
		enum ref_kind k = classify_ref(self[i].ref, srcdir);

		if (k != self[i].want) {
			fprintf(stderr, "classify_ref('%s') = %d, want %d\n", self[i].ref, k,
				self[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);

	assert_int_equal(cta_policy_catalog_json(env->policy, &cat), 0);
	assert_true(json_array_size(cat) >= 50);
	json_array_foreach(cat, i, rule) {
		const char *id = str_member(rule, "rule");
		json_t *refs = json_object_get(rule, "references"), *r;
		unsigned primary = 0;
		size_t k;

		if (strcmp(id, "(none)") == 0)
			id = str_member(rule, "id");
		json_array_foreach(refs, k, r) {
			const char *s = json_string_value(r);
			enum ref_kind kind = s ? classify_ref(s, srcdir) : REF_BAD;

			if (kind == REF_BAD) {
				fprintf(stderr, "rule '%s': reference '%s' cannot be opened\n", id,
					s ? s : "(not a string)");
				bad++;
			}
			primary += kind == REF_PRIMARY;
		}
		if (primary == 0) {
			fprintf(stderr, "rule '%s' has no primary reference\n", id);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/*
 * audit --deep also samples the NEW events (facts.conntrack.new_flows): the
 * usage finding says who creates entries now and when the table is full at
 * the net growth (free entries / growth_per_s).
 */
static void test_deep_new_flows(void **state)
{
	const struct env *env = *state;
	/* 131072 - 120113 = 10959 free at 274/s net growth: 40 s */
	static const char *const sample =
		"{\"conntrack\":{\"new_flows\":{\"interval_ms\":1000,\"events\":2300,"
		"\"per_s\":2300,\"lost\":0,\"approximate\":false,\"count_before\":119839,"
		"\"count_after\":120113,\"growth_per_s\":274,"
		"\"by_src\":[{\"key\":\"10.2.0.7\",\"count\":2100,\"per_s\":2100}]}}}";
	static const char *const shrinking =
		"{\"conntrack\":{\"new_flows\":{\"interval_ms\":1000,\"events\":900,"
		"\"per_s\":900,\"approximate\":true,\"count_before\":120200,"
		"\"count_after\":120113,\"growth_per_s\":-87,"
		"\"by_src\":[{\"key\":\"10.2.0.8\",\"count\":500,\"per_s\":500}]}}}";
	_cleanup_json_ json_t *with = audit(env, S003, sample, "base");
	_cleanup_json_ json_t *shrink = audit(env, S003, shrinking, "base");
	_cleanup_json_ json_t *without = audit(env, S003, NULL, "base");
	const char *m;

	m = str_member(find_result(with, "conntrack.usage"), "message");
	assert_non_null(
		strstr(m, "; 2300 new flows/s, 2100 from 10.2.0.7, table full in about 40 s"));
	assert_null(strstr(m, "events were lost"));
	/* no net growth: no time to full; lost events: the rate is a floor */
	m = str_member(find_result(shrink, "conntrack.usage"), "message");
	assert_non_null(strstr(m, "; 900 new flows/s, 500 from 10.2.0.8 (events were lost"));
	assert_null(strstr(m, "table full in"));
	m = str_member(find_result(without, "conntrack.usage"), "message");
	assert_null(strstr(m, "new flows/s"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_cases),
		cmocka_unit_test(test_snat_flags_text),
		cmocka_unit_test(test_syn_backlog_text),
		cmocka_unit_test(test_family_neutral),
		cmocka_unit_test(test_notrack_listener_family),
		cmocka_unit_test(test_family_cross),
		cmocka_unit_test(test_every_rule_covered),
		cmocka_unit_test(test_healthy_host),
		cmocka_unit_test(test_seed_summaries),
		cmocka_unit_test(test_remediations),
		cmocka_unit_test(test_deep_evidence),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_deep_new_flows),
		cmocka_unit_test(test_log_and_slab_evidence),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
