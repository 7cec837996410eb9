/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_APPLY_JOURNAL_H
#define CTA_APPLY_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include "plan/plan.h"
#include "util/fileio.h" /* cta_strv_free() for cta_journal_list() */

/*
 * The apply journal: everything needed to put the host back as it was before
 * one apply.  Stored below the root in /var/lib/ctaudit/journal/<id>/:
 * journal.json (this struct, docs/remediation.md "Journal") and files/<n>,
 * the previous bytes of each file the apply writes.  Ids are UTC timestamps
 * plus a counter ("20261122T013000Z-001"), so they sort by age.
 */

#define CTA_JOURNAL_DIR "/var/lib/ctaudit/journal"
#define CTA_JOURNAL_SCHEMA_VERSION 2
#define CTA_JOURNAL_MAX_BYTES (16u << 20)

enum cta_journal_state {
	CTA_JOURNAL_PREPARED, /* written, changes may be under way (or interrupted) */
	CTA_JOURNAL_APPLIED, /* every change made */
	CTA_JOURNAL_FAILED, /* a step failed and the done steps were undone */
	CTA_JOURNAL_ROLLED_BACK, /* `ctaudit rollback` restored the previous state */
};

struct cta_journal_file {
	char *path; /* host path */
	bool existed; /* false: the apply creates it; rollback removes it */
	mode_t mode; /* previous mode (existed) or the mode written */
	uid_t uid; /* previous owner (existed) or the owner written */
	gid_t gid;
	char *backup; /* "files/0": previous bytes, relative to the journal dir */
	char *written; /* "files/0.new": the bytes the apply wrote (drift detection) */
};

/*
 * What the apply changed: rollback refuses to run anywhere else.  The
 * namespace by inode and initial-ness (an inode alone can be reused once a
 * namespace is gone), the root as a canonical path, the host's name.
 */
struct cta_journal_target {
	uint64_t netns_inode;
	bool netns_initial;
	char *root;
	char *hostname;
};

struct cta_journal_sysctl {
	char *key;
	char *previous;
	char *value;
};

struct cta_journal {
	char *id;
	enum cta_journal_state state;
	char *created_at;
	char *profile;
	char *netns; /* --netns NAME the apply ran in; NULL: the caller's namespace */
	struct cta_journal_target target;
	struct cta_journal_file *files;
	size_t n_files;
	struct cta_journal_sysctl *sysctls;
	size_t n_sysctls;
	/* directories the apply creates (host paths, deepest first): removed on rollback */
	char **dirs;
	size_t n_dirs;
	/* NOTRACK: rules_changed when the apply replaces ctaudit's rule set */
	bool rules_changed;
	enum cta_plan_backend backend;
	struct cta_plan_ports prev_v4, prev_v6, prev_nft, rules;
	char *error; /* what failed (state failed) */
};

void cta_journal_free(struct cta_journal *j);
static inline void cta_journal_freep(struct cta_journal **j)
{
	cta_journal_free(*j);
}

const char *cta_journal_state_to_string(enum cta_journal_state s);
int cta_journal_state_from_string(const char *s);

/* journal.json <-> struct.  Return 0, -EINVAL (malformed), -ENOMEM. */
int cta_journal_to_json(const struct cta_journal *j, json_t **ret);
int cta_journal_from_json(json_t *o, struct cta_journal **ret);

/* Directory of journal @id below @root (new string, for messages) or NULL. */
char *cta_journal_dir(const char *root, const char *id);

/*
 * The journal's files live in a state directory that nobody but root may
 * change: ROOT/var/lib/ctaudit/journal, every component a real directory (no
 * symlink), owned by root, not writable by group or others.  Missing parts
 * are created (ROOT/var and ROOT/var/lib 0755, the rest 0700).  Every function
 * below opens it this way at the moment of use and fails with -ELOOP
 * (symlink), -CTA_EBADOWNER or -CTA_EWRITABLE (util/rootfs.h) otherwise.
 * Returns the directory fd; on a trust error the offending host path in
 * @ret_bad_path (may be NULL).
 */
int cta_journal_open_state(const char *root, bool create, char **ret_bad_path);

/* Message for an error of cta_journal_open_state(): "is a symlink" ..., NULL for other errors. */
const char *cta_journal_trust_strerror(int r);

/*
 * Store or fetch @name ("files/0", "files/0.new") of journal @id.  Returns 0
 * (put) or the length (get), or negative errno (-EINVAL for any other name).
 */
int cta_journal_put(const char *root, const char *id, const char *name, const char *data,
		    size_t len);
ssize_t cta_journal_get(const char *root, const char *id, const char *name, char **ret);

/* Create a new, empty journal directory with a fresh id.  Returns 0 or negative errno. */
int cta_journal_create(const char *root, char **ret_id);

/* Write journal.json atomically (fsynced).  Returns 0 or negative errno. */
int cta_journal_save(const char *root, const struct cta_journal *j);

/* Load journal @id.  Returns 0, -ENOENT, -EINVAL (malformed), other negative errno. */
int cta_journal_load(const char *root, const char *id, struct cta_journal **ret);

/* Ids of every journal, oldest first (NULL-terminated strv, caller frees).  No
 * journal directory: an empty list.  Returns 0 or negative errno. */
int cta_journal_list(const char *root, char ***ret);

#endif
