/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_UTIL_SYSCTL_H
#define CTA_UTIL_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Everything ctaudit knows about sysctl names, sysctl.d files and /proc/sys,
 * in one place for collect, plan and apply.
 *
 * Names.  The dotted notation ("net.ipv4.conf.eth0/1.rp_filter") and the
 * path below /proc/sys ("net/ipv4/conf/eth0.1/rp_filter") differ by swapping
 * '.' and '/': a '.' inside a path component (an interface name) is written
 * '/' in dotted notation (sysctl(8), systemd's sysctl_normalize()).  ctaudit
 * keeps keys in dotted notation everywhere.
 */

/*
 * Normalize a key as written in a sysctl.d file or on a command line to
 * dotted notation, in place: when its first separator is '/', the key is in
 * path notation, leading and repeated '/' are dropped (systemd's
 * path_simplify()) and '/' and '.' are swapped.  Returns @key.
 */
char *cta_sysctl_normalize_key_inplace(char *key);

/* Same on a copy: a new string or NULL (ENOMEM). */
char *cta_sysctl_normalize_key(const char *key);

/* Dotted key -> path relative to /proc/sys.  New string or NULL (ENOMEM). */
char *cta_sysctl_key_to_path(const char *key);

/* Path relative to /proc/sys -> dotted key.  New string or NULL (ENOMEM). */
char *cta_sysctl_path_to_key(const char *path);

/*
 * Whether @rel (a path relative to /proc/sys) stays below /proc/sys: no empty
 * component, no "." or "..".
 */
bool cta_sysctl_path_valid(const char *rel);

/*
 * The file of a path relative to /proc/sys below @procfs (NULL: "/proc").
 * Returns 0, -EINVAL for a path that would leave /proc/sys, or -ENOMEM.
 */
int cta_sysctl_proc_path(const char *procfs, const char *rel, char **ret);

/* Same for a dotted key. */
int cta_sysctl_key_proc_path(const char *procfs, const char *key, char **ret);

/*
 * Read the value of dotted @key below @procfs (NULL: "/proc"), trailing
 * newlines and spaces removed.  @max bounds the size (0: cta_read_file's
 * default).  Returns 0 and a new string in @ret, or negative errno (-ENOENT
 * for a key the kernel lacks, -EINVAL for a key that leaves /proc/sys).
 */
int cta_sysctl_read(const char *procfs, const char *key, size_t max, char **ret);

/* Write @value and a newline to dotted @key.  Returns 0 or negative errno. */
int cta_sysctl_write(const char *procfs, const char *key, const char *value);

/*
 * One line of a sysctl.d file, as sysctl.d(5) and systemd-sysctl's
 * parse_file() read it.
 */
enum cta_sysctl_line_kind {
	CTA_SYSCTL_LINE_EMPTY, /* blank, or a '#' or ';' comment */
	CTA_SYSCTL_LINE_ASSIGN, /* [-]key = value */
	CTA_SYSCTL_LINE_EXCLUDE, /* -key: exempt the key from an earlier glob */
	CTA_SYSCTL_LINE_NOT_ASSIGNMENT, /* no '=' (systemd: ignored with a warning) */
	CTA_SYSCTL_LINE_EMPTY_KEY, /* nothing before '=' */
};

struct cta_sysctl_line {
	enum cta_sysctl_line_kind kind;
	const char *text; /* NOT_ASSIGNMENT, EMPTY_KEY: the line, stripped, for diagnostics */
	const char *key; /* ASSIGN, EXCLUDE: normalized to dotted notation */
	const char *value; /* ASSIGN: whitespace runs collapsed, may be "" */
	bool ignore_failure; /* ASSIGN: a leading '-' */
};

/*
 * Parse @line (one line, no newline) in place: the pointers of @ret point into
 * it.  Never fails; returns ret->kind.
 */
enum cta_sysctl_line_kind cta_sysctl_parse_line(char *line, struct cta_sysctl_line *ret);

/*
 * Boot order.  systemd-sysctl and `sysctl --system` read the *.conf files of
 * these directories (highest precedence first): a file hides every file of the
 * same name in a later directory, the survivors are read in lexical order of
 * their names whatever their directory, and procps reads /etc/sysctl.conf last.
 * See systemd's src/basic/conf-files.c and sysctl.d(5).
 */
extern const char *const cta_sysctl_conf_dirs[];
extern const size_t cta_sysctl_n_conf_dirs;

#define CTA_SYSCTL_CONF "/etc/sysctl.conf"

/* Whether @path names a file directly in one of cta_sysctl_conf_dirs. */
bool cta_sysctl_in_conf_dir(const char *path);

/*
 * Compare two configuration files by boot order: <0, 0 or >0 as @a is read
 * before, at the same place as (same name: one hides the other), or after @b.
 */
int cta_sysctl_boot_cmp(const char *a, const char *b);

struct cta_sysctl_conf {
	char *path; /* as listed: /etc/sysctl.d/99-x.conf, or /etc/sysctl.conf */
	char *resolved; /* after symlinks inside the root: what is read */
	bool masked; /* a link to /dev/null or a character device */
	const char *hidden_by; /* path of the file that wins (same name, or read as) */
};

struct cta_sysctl_dir_error {
	const char *dir;
	int error; /* negative errno of opening the directory */
};

struct cta_sysctl_conf_list {
	struct cta_sysctl_conf *files; /* every file found, in listing order */
	size_t n_files;
	struct cta_sysctl_conf **order; /* the files to read, in boot order */
	size_t n_order;
	struct cta_sysctl_dir_error *dir_errors; /* unreadable directories */
	size_t n_dir_errors;
};

/*
 * List the sysctl.d hierarchy below @root (NULL or "/": the real root) the way
 * systemd-sysctl does, then /etc/sysctl.conf, which is read once even when
 * Debian's /etc/sysctl.d/99-sysctl.conf links to it.  A directory that
 * resolves to one already listed (/lib with merged /usr) is listed once.
 * Returns 0 (fill with cta_sysctl_conf_list_done) or -ENOMEM.
 */
int cta_sysctl_conf_list(const char *root, struct cta_sysctl_conf_list *ret);
void cta_sysctl_conf_list_done(struct cta_sysctl_conf_list *l);

#endif
