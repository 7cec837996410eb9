/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_COLLECT_NETNS_RUN_H
#define CTA_COLLECT_NETNS_RUN_H

#include <jansson.h>
#include "collect/collect.h"
#include "collect/netns.h"

/*
 * Collect a facts snapshot in each of many network namespaces, concurrently.
 *
 * Each namespace is entered in a forked child (setns(2) changes only the
 * calling thread, and a child can never leave the caller in a foreign
 * namespace); the child collects and sends the snapshot back through a pipe
 * as JSON (the documented snapshot format of docs/facts.md), then exits.  At
 * most @jobs children run at once, so memory is bounded by @jobs snapshots
 * in flight, not by the number of namespaces.
 *
 * Facts that belong to the host, not to a namespace, are read once, in the
 * initial namespace: the kernel log (conntrack.table_full_messages and
 * sockets.syn_flood_messages, evidence for the initial namespace's report
 * only) and the sysctls the kernel
 * registers only in the initial namespace (net.core.netdev_max_backlog,
 * tcp_mem and friends, absent below /proc/sys/net of a child), which are
 * copied into each child's snapshot.
 * A child namespace gets no `persisted*` sections: sysctl.d files are applied
 * by systemd-sysctl in the initial namespace at boot, and a new namespace
 * starts from the kernel's defaults.
 */

enum cta_netns_status {
	CTA_NETNS_OK, /* facts collected */
	CTA_NETNS_GONE, /* the namespace disappeared before it could be entered */
	CTA_NETNS_FAILED, /* entering or collecting failed: @reason says why */
};

/*
 * Called in the parent, once per namespace, in completion order.  @facts is
 * borrowed (NULL unless CTA_NETNS_OK), @reason is NULL for CTA_NETNS_OK.
 * Returning a negative errno stops the run (the children are reaped).
 */
typedef int (*cta_netns_result_fn)(const struct cta_netns *ns, enum cta_netns_status status,
				   json_t *facts, const char *reason, void *userdata);

/*
 * Hook run in the parent after the initial namespace's snapshot and before
 * the rest start (integration tests use it to remove a namespace mid-run).
 * NULL: none.
 */
typedef void (*cta_netns_pause_fn)(void *userdata);

struct cta_netns_run_opts {
	const struct cta_collect_opts *collect; /* root, extra_sysctls, deep */
	unsigned jobs; /* children at once; 0: the number of online CPUs, at least 2 */
	/* The initial namespace when it is not in the list (filtered out): still
	 * read first for the host-wide facts, but not reported.  May be NULL. */
	const struct cta_netns *host_ns;
	cta_netns_pause_fn pause;
	void *userdata;
};

/*
 * Run @fn for every entry of @list (in the order of @list as far as
 * concurrency allows; the initial namespace, when listed, completes first).
 * Returns 0, or the first negative errno from @fn, fork or pipe.
 */
int cta_netns_run(const struct cta_netns_list *list, const struct cta_netns_run_opts *opts,
		  cta_netns_result_fn fn, void *userdata);

/*
 * Give @facts (a child namespace's snapshot) the host-wide facts of
 * @host_facts (the initial namespace's): the sysctls it lacks; records
 * `persisted`, `conntrack.table_full_messages` and `sockets.syn_flood_messages`
 * as unavailable.  Pure.  Returns 0 or -ENOMEM.
 */
int cta_netns_merge_host_facts(json_t *facts, const json_t *host_facts);

#endif
