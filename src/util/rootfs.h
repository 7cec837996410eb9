/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_UTIL_ROOTFS_H
#define CTA_UTIL_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * Files below a root (--root) that someone else may be able to write.  Every
 * path is resolved inside the root at the moment it is used: directories are
 * opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) (or an
 * O_NOFOLLOW walk that resolves symlinks the same way on kernels without
 * openat2), and every create, rename, unlink, chmod, chown and fsync is done
 * relative to the directory descriptor, never by joining strings checked
 * earlier.  The final component of a file ctaudit writes is never followed.
 *
 * Errors are negative errno; a file that is not a regular file (a FIFO, a
 * device, a directory where a file should be) gives -CTA_ENOTREG, which
 * cta_strerror() prints as "not a regular file".
 */

#define CTA_ENOTREG EMEDIUMTYPE
/* Trust errors, distinct from the file system's EPERM and EACCES (errnos no file operation returns). */
#define CTA_EBADOWNER EOWNERDEAD /* not owned by root (or the allowed user) */
#define CTA_EWRITABLE ENOTRECOVERABLE /* writable by group or others */

enum {
	CTA_ROOT_MKDIR = 1 << 0, /* create missing directories (mode in @mkdir_mode) */
	CTA_ROOT_NO_SYMLINKS = 1 << 1, /* refuse any symlink on the way (state directory) */
};

/* Open @root (NULL or "": "/") as a directory.  Returns the fd, -ENOENT or -ENOTDIR. */
int cta_root_open(const char *root);

/*
 * Open directory @path (absolute host path) below @rootfd for reading, with
 * @flags.  Missing components are created with @mkdir_mode (exactly, not
 * masked by the umask) under CTA_ROOT_MKDIR.  Returns the fd or negative errno
 * (-ELOOP: a symlink under CTA_ROOT_NO_SYMLINKS, -EXDEV never: the root
 * cannot be left).
 */
int cta_root_open_dir(int rootfd, const char *path, unsigned flags, mode_t mkdir_mode);

/* Whether host path @path exists below @rootfd (as a directory or anything else, not followed at the end). */
bool cta_root_exists(int rootfd, const char *path);

/* Split host path "/etc/sysctl.d/x.conf" into "/etc/sysctl.d" and "x.conf" (new strings). */
int cta_path_split(const char *path, char **ret_dir, char **ret_base);

/*
 * Normalise an absolute host path lexically: "//" and "/./" collapse, a
 * trailing "/" goes; ".." is refused (-EINVAL) since its meaning depends on
 * symlinks.  Returns 0 and a new string.
 */
int cta_path_normalize(const char *path, char **ret);

/*
 * Trust in the file or directory open at @fd, like sudo's and systemd's
 * checks: owned by root or by @also_uid ((uid_t)-1: root only), and not
 * writable by group or others (a sticky directory is no exception).  Returns
 * 0, -CTA_EBADOWNER or -CTA_EWRITABLE.
 */
int cta_fd_check_trusted(int fd, uid_t also_uid);

/*
 * Open a file or directory ctaudit reads policy from, and check that it can
 * trust it: the file itself and every directory above it (as finally
 * resolved) owned by root or the effective user (so a user may audit with
 * their own profiles, and root only with root's), the file not writable by
 * group or others, the directories not either unless sticky.  With @rootfd >= 0
 * @path is a host path resolved inside that root (as cta_root_read);
 * otherwise it is opened as given, symlinks followed.  A file must be a
 * regular file.  Returns the fd (O_RDONLY, blocking), or a negative errno,
 * with the reason as a new string in @ret_why when the object was found but
 * refused ("owned by uid 65534, not root", "directory '/srv' is writable by
 * group or others (mode 0777)").
 */
int cta_open_trusted(int rootfd, const char *path, bool dir, char **ret_why);

/* cta_open_trusted(-1, ...) without keeping the fd. */
int cta_path_check_trusted(const char *path, bool dir, char **ret_why);

/* Text for a cta_fd_check_trusted() error: "owned by uid 65534" / "writable by group or others". */
const char *cta_trust_error(int r, const struct stat *st, char *buf, size_t size);

/*
 * Read the regular file @name in directory @dirfd without following a final
 * symlink (-ELOOP) and without blocking on FIFOs (-CTA_ENOTREG).  @max bounds
 * the size (-EFBIG).  @ret_st (may be NULL) receives its stat.  Returns the
 * length.
 */
ssize_t cta_read_at(int dirfd, const char *name, size_t max, char **ret, struct stat *ret_st);

/*
 * Replace @name in @dirfd atomically: a temporary "NAME.ctaudit-XXXXXX" is
 * written, fsynced, given @mode, @uid and @gid, renamed over @name, and the
 * directory fsynced.  A symlink or non-regular file at @name is refused
 * (-ELOOP, -CTA_ENOTREG) and left alone.  Returns 0 or negative errno; on
 * failure @name is untouched and no temporary is left behind.
 */
int cta_write_at_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			uid_t uid, gid_t gid);

/*
 * Read host path @path below @rootfd, following symlinks inside the root only
 * (as cta_root_open_dir, for the whole path): a regular file of at most @max
 * bytes (0: 64 MiB).  Returns the length or negative errno.
 */
ssize_t cta_root_read(int rootfd, const char *path, size_t max, char **ret);

/* Test hook: take the O_NOFOLLOW walk even when openat2 exists. */
void cta_root_force_walk(bool on);

/*
 * ctaudit's state directory ROOT/var/lib/ctaudit/@leaf (the journal, the
 * counter baselines): every component a real directory (no symlink), owned by
 * root, not writable by group or others.  With @create, missing parts are
 * made: ROOT/var and ROOT/var/lib 0755, the rest 0700 (exactly, whatever the
 * umask).  Returns the directory fd, or -ELOOP (a symlink), -CTA_EBADOWNER,
 * -CTA_EWRITABLE, -ENOTDIR or another negative errno; on a trust error the
 * offending host path in @ret_bad_path (may be NULL).
 */
int cta_state_dir_open(const char *root, const char *leaf, bool create, char **ret_bad_path);

#endif
