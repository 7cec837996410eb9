/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_PLAN_PLAN_H
#define CTA_PLAN_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>
#include "policy/policy.h"
#include "util/ports.h"

/*
 * The plan stage: facts + audit report -> the changes that fix the failing
 * results (struct cta_plan).  Pure: files on disk are read only through the
 * caller's struct cta_plan_fs, so unit tests feed it a table of texts.  The
 * plan holds the desired state; render/plan-render.h turns it into files,
 * fragments, diffs, text and JSON; apply/ carries it out.
 *
 * Desired state is cumulative: keys already in ctaudit's own sysctl.d file
 * and ports already in ctaudit's own NOTRACK chains are kept (a fixed rule
 * passes and no longer asks for its value), so a second run plans nothing.
 */

/* Read-only access to the files below --root, by host path ("/etc/x"). */
struct cta_plan_fs {
	/* The file's bytes (NUL-terminated, caller frees), or -ENOENT when it
	 * does not exist, or another negative errno. */
	int (*read)(void *userdata, const char *path, char **ret);
	/* The path after following symlinks (within the root), as a host path;
	 * the path itself when it is not a symlink or does not exist.  Returns 0
	 * or negative errno. */
	int (*resolve)(void *userdata, const char *path, char **ret);
	void *userdata;
};

/* A value or port found by cta_plan_converge() on the predicted facts. */
struct cta_plan_extra_sysctl {
	const char *key, *value, *rule, *title;
};

enum cta_plan_item {
	CTA_PLAN_ITEM_SYSCTL, /* key = value */
	CTA_PLAN_ITEM_NOTRACK, /* a NOTRACK port ctaudit does not have yet */
};

/* A change left out because it is predicted to make a rule fail (or fail worse). */
struct cta_plan_refusal {
	enum cta_plan_item kind;
	char *key; /* sysctl key, or "tcp/8080" */
	char *value; /* the value that was asked (sysctl); NULL for NOTRACK */
	char *rule; /* the rule that asked for it */
	char *caused; /* the rule that would fail */
	char *severity; /* its predicted severity */
	char *reason; /* one line: why, and what to do instead */
};

struct cta_plan_opts {
	/* ctaudit's sysctl.d file (host path); NULL: /etc/sysctl.d/90-ctaudit-<profile>.conf */
	const char *sysctl_file;
	/* Comment out assignments in other files that override ours or are stale. */
	bool fix_overrides;
	/* No live kernel (--offline): no runtime changes, no rule changes. */
	bool offline;
	const struct cta_plan_fs *fs;
	/* When the plan is made (UTC, YYYY-MM-DDTHH:MM:SSZ; the caller's clock,
	 * the stage is pure); NULL: not recorded. */
	const char *generated_at;
	/* Desired state learnt on the predicted facts (cta_plan_converge()):
	 * added to, and winning over, what the report asks. */
	const struct cta_plan_extra_sysctl *extra_sysctls;
	size_t n_extra_sysctls;
	const struct cta_notrack_port *extra_ports;
	size_t n_extra_ports;
	/* Changes not to make (cta_plan_converge()); copied into the plan. */
	const struct cta_plan_refusal *refused;
	size_t n_refused;
};

/* What happens to a key at runtime. */
enum cta_plan_rt {
	CTA_PLAN_RT_SET, /* current -> value through /proc/sys */
	CTA_PLAN_RT_UNCHANGED, /* already the value */
	CTA_PLAN_RT_ABSENT, /* the running kernel lacks the key: never written */
	CTA_PLAN_RT_HOST_ONLY, /* global, read-only in this netns: must be set on the host */
	CTA_PLAN_RT_OFFLINE, /* --offline: no live kernel */
};

struct cta_plan_sysctl {
	char *key;
	char *value; /* desired */
	char *current; /* runtime value; NULL when the kernel lacks the key or it is unknown */
	char *rule; /* rule id that asks for it (or that wrote it earlier) */
	char *reason; /* one line, may be live text (the rule's message) */
	/* The rule's static title: the only text written to the sysctl.d file,
	 * so the file is a function of the desired state alone. */
	char *title;
	enum cta_plan_rt runtime;
	bool in_file; /* written to ctaudit's sysctl.d file */
	bool optional; /* written as "-KEY = V": the running kernel lacks it, boot must not fail */
	/* The assignment that wins at boot once the plan is applied: NULL file =
	 * ours (or none: host-only keys are not written). */
	char *boot_value;
	char *boot_file;
	unsigned boot_line;
};

enum cta_plan_edit_kind {
	CTA_PLAN_EDIT_OVERRIDE, /* a later file sets a key we set */
	CTA_PLAN_EDIT_STALE, /* an assignment of a stale key (remove_persisted) */
};

/* An assignment in another file (reported; commented out with --fix-overrides). */
struct cta_plan_edit {
	enum cta_plan_edit_kind kind;
	char *key;
	char *value;
	char *file; /* host path as the facts name it */
	unsigned line;
	char *rule;
	bool fix; /* commented out by this plan */
	char *note; /* why it is not fixed although asked (line changed on disk ...); may be NULL */
};

/* Entries are built by cta_notrack_port_init() (family 0: both families). */
struct cta_plan_ports {
	struct cta_notrack_port *v;
	size_t n;
};

enum cta_plan_backend {
	CTA_PLAN_BACKEND_NONE,
	CTA_PLAN_BACKEND_LEGACY, /* iptables-legacy, libiptc, raw table chains CTAUDIT_* */
	CTA_PLAN_BACKEND_NFT, /* nf_tables: table inet ctaudit */
};

enum cta_plan_persist {
	CTA_PLAN_PERSIST_NONE,
	CTA_PLAN_PERSIST_IPTABLES, /* iptables-persistent: /etc/iptables/rules.v4, rules.v6 */
	CTA_PLAN_PERSIST_NFTABLES, /* /etc/nftables.conf includes /etc/nftables.d/ctaudit.nft */
	CTA_PLAN_PERSIST_UNIT, /* /etc/ctaudit/notrack.*, loaded by ctaudit-notrack.service */
};

struct cta_plan_notrack {
	enum cta_plan_backend backend;
	char *backend_reason;
	enum cta_plan_persist persist;
	struct cta_plan_ports want; /* desired (sorted, unique) */
	struct cta_plan_ports cur_v4, cur_v6, cur_nft; /* installed ctaudit rules */
	char **rules; /* rule ids asking, parallel to want.v */
	/* How the rules of each family survive a reboot, or that they will not
	 * ([0] IPv4, [1] IPv6; NULL: no rule of that family).  Filled by
	 * cta_plan_render_files(), which knows the persistence files. */
	char *persist_how[2];
};

/* A file the plan writes (filled by cta_plan_render_files()). */
struct cta_plan_file {
	char *path; /* host path actually written (symlinks resolved) */
	const char
		*kind; /* "sysctl", "override", "iptables-persistent", "nftables", "notrack-unit" */
	char *old; /* current bytes; NULL: does not exist */
	char *new; /* planned bytes */
	mode_t mode;
};

struct cta_plan_note {
	char *rule;
	char *text;
};

struct cta_plan_input {
	char *path;
	char *real;
	char *content;
};

struct cta_plan {
	char *profile;
	char *sysctl_file; /* host path */
	char *netns; /* facts.host.netns: "init", "other", or NULL */
	/* Report identity: what the audit looked at, when the report was made
	 * (NULL: not recorded), and when this plan was. */
	struct cta_report_target target;
	char *report_generated_at;
	char *generated_at;
	bool offline;
	bool fix_overrides;

	struct cta_plan_sysctl *sysctls;
	size_t n_sysctls;
	struct cta_plan_edit *edits;
	size_t n_edits;
	struct cta_plan_notrack notrack;
	struct cta_plan_note *advice; /* advice without an automatic fix */
	size_t n_advice;
	struct cta_plan_note *notes; /* things the operator must know (conflicts ...) */
	size_t n_notes;
	/* Changes the report asked for but the plan leaves out (cta_plan_converge()). */
	struct cta_plan_refusal *refused;
	size_t n_refused;
	/* Rounds cta_plan_converge() needed to reach the fixed point (0: not run). */
	unsigned rounds;

	/* Files read through the fs (ctaudit's own, files to edit, persisted
	 * rules), kept for rendering: host path, resolved path, bytes (NULL:
	 * absent). */
	struct cta_plan_input *inputs;
	size_t n_inputs;

	/* Filled by cta_plan_render_files(). */
	struct cta_plan_file *files;
	size_t n_files;
};

/*
 * Compute the plan.  @facts is a snapshot (docs/facts.md), @report the
 * evaluate stage's report of it (borrowed; the plan copies what it keeps).
 * Returns 0 and a new plan in @ret, -ENOMEM, or an error from opts->fs other
 * than -ENOENT.
 */
int cta_plan_compute(json_t *facts, const struct cta_report *report,
		     const struct cta_plan_opts *opts, struct cta_plan **ret);

void cta_plan_free(struct cta_plan *p);
void cta_plan_refusal_done(struct cta_plan_refusal *r);
/* *@dst = a deep copy of @src.  0 or -ENOMEM (then @dst holds nothing). */
int cta_plan_refusal_copy(struct cta_plan_refusal *dst, const struct cta_plan_refusal *src);
CTA_DEFINE_CLEANUP(struct cta_plan *, cta_plan_free)

/* Whether the plan changes anything: a file, a runtime value or the NOTRACK rules. */
bool cta_plan_has_changes(const struct cta_plan *p);

/*
 * Whether a key ctaudit writes would still boot with another value once the
 * plan is applied (an override that is not commented out).  Always false in
 * a child network namespace: boot files belong to the initial one.
 */
bool cta_plan_boot_differs(const struct cta_plan *p);

/* NOTRACK rules differ from what is installed (in the chosen backend). */
bool cta_plan_notrack_changes(const struct cta_plan *p);

/* Number of runtime values to write. */
size_t cta_plan_runtime_changes(const struct cta_plan *p);

/* The input read for host path @path, or NULL when the plan did not read it. */
const struct cta_plan_input *cta_plan_input_get(const struct cta_plan *p, const char *path);

/* Default sysctl.d file for a profile name ("db-client", "a+b"). New string or NULL. */
char *cta_plan_default_sysctl_file(const char *profile);

/* Keys that are global and read-only in a child network namespace (nf_conntrack_standalone_init_sysctl(); docs/kernel-notes.md "Namespaces"). */
bool cta_plan_key_host_only(const char *key);

bool cta_plan_ports_equal(const struct cta_plan_ports *a, const struct cta_plan_ports *b);

const char *cta_plan_backend_to_string(enum cta_plan_backend b);
const char *cta_plan_persist_to_string(enum cta_plan_persist p);
const char *cta_plan_rt_to_string(enum cta_plan_rt r);

#endif
