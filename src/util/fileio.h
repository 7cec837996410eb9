/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_UTIL_FILEIO_H
#define CTA_UTIL_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <sys/types.h>
#include "util/macro.h"

/*
 * Join a root prefix and an absolute path: ("/tmp/r", "/etc/x") ->
 * "/tmp/r/etc/x"; a NULL, empty or "/" root leaves @path as it is.
 * Returns a new string or NULL on ENOMEM.
 */
char *cta_path_join(const char *root, const char *path);

/*
 * Read a whole file into a NUL-terminated buffer (owned by the caller).  Works
 * for /proc and /sys files whose size is reported as 0.  Returns the length or
 * negative errno.  @max bounds the size (0: 64 MiB); larger files give -EFBIG.
 * Only regular files are read: a FIFO or device gives -EMEDIUMTYPE ("not a
 * regular file" in cta_strerror), a directory -EISDIR, and nothing blocks.
 */
ssize_t cta_read_file(const char *path, size_t max, char **ret);

/* The same from an open fd (read to its end). */
ssize_t cta_read_fd(int fd, size_t max, char **ret);

/* cta_read_file relative to @root (see cta_path_join). */
ssize_t cta_read_file_at(const char *root, const char *path, size_t max, char **ret);

/* Read line @line (1-based) of @path without its newline.  Returns 0 or negative errno. */
int cta_read_line(const char *path, unsigned line, char **ret);

/* Trim and collapse runs of whitespace to single spaces, in place. Returns @s. */
char *cta_collapse_ws(char *s);

/*
 * Strict integer parsing: the whole string (after optional surrounding
 * whitespace) must be a number in range.  Returns 0 or -EINVAL / -ERANGE.
 */
int cta_parse_i64(const char *s, int64_t *ret);
int cta_parse_u64(const char *s, uint64_t *ret);

/*
 * Replace @path atomically: write a temporary file in the same directory,
 * fsync it, set @mode, rename it over @path, fsync the directory.  Creates
 * missing parent directories (mode 0755).  Returns 0 or negative errno; on
 * failure @path is untouched and no temporary file is left behind.
 */
int cta_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Resolve @path (absolute, as on the target system) below @root the way the
 * target system would: symlinks are followed, absolute link targets and ".."
 * stay inside @root, so an image tree never reaches out to the real /etc.
 * Components that do not exist are kept as written, so a link to /dev/null
 * resolves to "/dev/null" even when the image has no /dev.  Returns 0 and the
 * target-system path (without @root, new string) in @ret, or -ELOOP, -ENOMEM.
 */
int cta_resolve_in_root(const char *root, const char *path, char **ret);

/*
 * The entry names of the open directory @d ("." and ".." left out) for which
 * @match returns true (@match NULL: all), sorted with strcmp, so that results
 * never depend on the file system's order.  Returns the count and a
 * NULL-terminated array in @ret (free with cta_strv_free), or -ENOMEM.
 */
ssize_t cta_dir_names(DIR *d, bool (*match)(const char *name, const void *userdata),
		      const void *userdata, char ***ret);

/* Free a NULL-terminated array of strings (NULL is fine). */
void cta_strv_free(char **v);
CTA_DEFINE_CLEANUP(char **, cta_strv_free)

/*
 * strerror() for a negative errno, in lower case as our messages are
 * ("permission denied"), written to @buf.  Returns @buf.
 */
#define CTA_STRERROR_MAX 128
char *cta_strerror(int negerr, char buf[static CTA_STRERROR_MAX]);
/* The same in a buffer that lives until the end of the enclosing block, for
 * use as a printf argument: cta_cli_error("...: %s", CTA_STRERROR(r)). */
#define CTA_STRERROR(e) cta_strerror((e), (char[CTA_STRERROR_MAX]){ 0 })

/* mkdir -p with @mode. Returns 0 or negative errno. */
int cta_mkdir_p(const char *path, mode_t mode);

/* fsync the directory containing @path. Returns 0 or negative errno. */
int cta_fsync_parent(const char *path);

#endif
