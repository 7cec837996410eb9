/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_COLLECT_COLLECT_H
#define CTA_COLLECT_COLLECT_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

/*
 * The collect stage: host -> facts snapshot.
 *
 * The snapshot is a jansson object with the layout of docs/facts.md
 * (schema_version 1).  Every collector adds one top-level section to it.  A
 * collector that cannot read something records it with
 * cta_collect_unavailable() and carries on; only ENOMEM is fatal.
 *
 * Collectors never change the host: they create no table, load no module and
 * write nothing.
 */

#define CTA_FACTS_SCHEMA_VERSION 1

struct cta_collect_opts {
	/* Root prefix for configuration files (sysctl.d, /etc, persisted rules).
	 * NULL or "/" = the real root. */
	const char *root;
	/* Where the live kernel's files are: "/proc", "/sys", "/dev" by default.
	 * Unit tests point these at fixture trees. */
	const char *procfs;
	const char *sysfs;
	const char *devfs;
	/* Skip the live kernel entirely: only files below @root are read. */
	bool offline;
	/* Kernel release to assume when offline (NULL: newest under root/lib/modules). */
	const char *kernel;
	/* Extra sysctl keys to collect (named by a loaded policy); NULL-terminated, may be NULL. */
	const char *const *extra_sysctls;
	/* Skip netlink entirely (unit tests on fixture trees): /proc fallbacks only. */
	bool no_netlink;
	/* Also dump the conntrack table for the top talkers (audit --deep):
	 * facts.conntrack.top.  Costs O(entries); off by default. */
	bool deep;
	/* Judge counters over an interval (facts "counters", docs/facts.md): read
	 * the baseline the previous live audit left below @root.  Live only. */
	bool baseline;
	/* Only what belongs to the current network namespace: no persisted* (the
	 * boot files apply to the initial namespace) and no kernel log (host-wide);
	 * see collect/netns-run.h. */
	bool netns_only;
	/* --interval SECONDS: sample the counters, wait, collect (0: none).
	 * Takes precedence over the baseline.  Live only. */
	unsigned interval;
};

struct cta_collect_ctx {
	const struct cta_collect_opts *opts;
	json_t *facts; /* the snapshot being built (borrowed) */
	/* Start of the counters' interval on the kernel log's clock
	 * (CLOCK_MONOTONIC, microseconds), when an interval is known. */
	bool have_since;
	uint64_t since_mono_us;
	/* audit --deep: the NEW events sample, attached to facts.conntrack
	 * after the collectors (owned; see cta_collect_new_flows) */
	json_t *new_flows;
};

/*
 * Record that @section (a dotted facts path, e.g. "conntrack.stats") could not
 * be read and why ("permission denied", "not supported by this kernel", ...).
 * Appends to facts["unavailable"].  Returns 0 or -ENOMEM.
 */
int cta_collect_unavailable(struct cta_collect_ctx *c, const char *section, const char *reason_fmt,
			    ...) __attribute__((format(printf, 3, 4)));

/* Same, with the reason taken from a negative errno (strerror, lower-case). */
int cta_collect_unavailable_errno(struct cta_collect_ctx *c, const char *section, int negerr);

/*
 * Same, and when @negerr is -EPERM or -EACCES, what would have allowed it:
 * "operation not permitted (needs @needs)".
 */
int cta_collect_unavailable_needs(struct cta_collect_ctx *c, const char *section, int negerr,
				  const char *needs);

/* Same, with the reason "cannot read '<path>': <strerror, lower-case>". */
int cta_collect_unavailable_path(struct cta_collect_ctx *c, const char *section, const char *path,
				 int negerr);

/* Path of a live-kernel file: procfs/sysfs/devfs prefix + @rel ("net/netstat"). */
char *cta_collect_proc_path(const struct cta_collect_ctx *c, const char *rel);
char *cta_collect_sys_path(const struct cta_collect_ctx *c, const char *rel);

/*
 * Section collectors.  Each returns 0 (also when it recorded the section as
 * unavailable) or negative errno on a fatal error (ENOMEM).
 */
int cta_collect_host(struct cta_collect_ctx *c); /* "host" */
int cta_collect_sysctl(struct cta_collect_ctx *c); /* "sysctl" */
int cta_collect_persisted(struct cta_collect_ctx *c); /* "persisted" */
int cta_collect_conntrack(struct cta_collect_ctx *c); /* "conntrack" */
int cta_collect_sockets(struct cta_collect_ctx *c); /* "sockets" */
int cta_collect_netstat(struct cta_collect_ctx *c); /* "netstat" */
int cta_collect_firewall(struct cta_collect_ctx *c); /* "firewall" and helpers.assigned */
int cta_collect_helpers(struct cta_collect_ctx *c); /* "helpers" available/in_use; after firewall */

/*
 * Count the conntrack NEW events of the current namespace for @ms
 * milliseconds (audit --deep, newflows.c): facts.conntrack.new_flows as a
 * new object in @ret_sample, or NULL when the sample could not be taken
 * (recorded under "unavailable") or the run is offline.  Returns 0 or
 * -ENOMEM.
 */
#define CTA_NEW_FLOWS_SAMPLE_MS 1000
int cta_collect_new_flows(struct cta_collect_ctx *c, unsigned ms, json_t **ret_sample);

/*
 * "nf_conntrack: table full" kernel log lines, counted per namespace
 * (conntrack.c).  cta_table_full_add() classifies one record: a /dev/kmsg
 * record, a dmesg line ("[ 12.345678] ...") or bare text; @self_inum is this
 * namespace's inode (0: unknown); with @have_since, lines stamped at or after
 * @since_us (kernel log clock) are also counted as recent.
 */
struct cta_table_full {
	uint64_t total; /* every table-full line, any namespace */
	uint64_t named_self, named_self_recent; /* "in netns <self>" */
	uint64_t named_other; /* "in netns <other>" */
	uint64_t unnamed, unnamed_recent; /* no namespace in the line */
	bool named; /* a line named a namespace: this kernel names them */
};

struct cta_table_full_result {
	bool names_netns; /* the kernel names non-initial namespaces (6.17+) */
	uint64_t this_netns, this_netns_recent;
	uint64_t other_netns;
	uint64_t unattributed, unattributed_recent; /* may come from any namespace */
};

void cta_table_full_add(struct cta_table_full *tf, const char *rec, uint64_t self_inum,
			bool have_since, uint64_t since_us);

/*
 * Attribute the lines: @kernel is the release ("6.18.1-..."; NULL: unknown),
 * @is_init 1 when this is the initial namespace, 0 when not, -1 unknown.
 * Returns 0.
 */
int cta_table_full_attribute(const struct cta_table_full *tf, const char *kernel, int is_init,
			     struct cta_table_full_result *ret);

/*
 * Counters over an interval (baseline.c).  cta_counters_begin() runs before
 * the collectors: with opts->interval it samples the counters and waits,
 * otherwise (opts->baseline) it loads the baseline of this namespace from
 * ROOT/var/lib/ctaudit/baseline/<netns inode>.json; it sets the interval's
 * start in @c.  cta_counters_finish() runs after them and adds the
 * "counters" section (sampling time, interval, deltas).  @state is owned by
 * the caller, released with cta_counters_done().  Both return 0 or -ENOMEM;
 * an unusable baseline is recorded in "unavailable" and ignored.
 */
struct cta_counters_state {
	json_t *prev; /* the earlier sample: baseline document or first sample */
	const char *source; /* "baseline" or "interval" */
};
int cta_counters_begin(struct cta_collect_ctx *c, struct cta_counters_state *state);
int cta_counters_finish(struct cta_collect_ctx *c, struct cta_counters_state *state);
void cta_counters_done(struct cta_counters_state *state);

/*
 * Write this snapshot's counters as the namespace's baseline below @root,
 * atomically (every live audit does; --facts and --offline runs never).
 * A symlink, a non-regular file or state directories not owned by root are
 * refused.  Returns 0, -ENODATA (the snapshot has no counters) or negative
 * errno.
 */
int cta_baseline_save(const char *root, json_t *facts);

/*
 * Collect a whole snapshot in the current network namespace.  Returns 0 and a
 * new reference in @ret_facts, or negative errno.
 */
int cta_collect_all(const struct cta_collect_opts *opts, json_t **ret_facts);

/*
 * Enter a network namespace before collecting: by name (under /run/netns) or
 * by the pid of a process inside it.  Returns 0 or negative errno.
 */
int cta_netns_enter_name(const char *name);
int cta_netns_enter_pid(int pid);

/*
 * Load and check a snapshot written by `ctaudit facts --format json` (or by
 * hand).  Errors are "file:line:col: message" in @ret_err.  Returns 0, -EINVAL
 * (bad document; @ret_err set), or -ENOENT/-EACCES.
 */
int cta_facts_load(const char *path, json_t **ret_facts, char **ret_err);

#endif
