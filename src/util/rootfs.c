// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "util/fileio.h"
#include "util/rootfs.h"
#include "util/macro.h"
#include "util/banned.h"

#define MAX_SYMLINKS 40 /* the kernel's MAXSYMLINKS */
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY)

static bool force_walk;

void cta_root_force_walk(bool on)
{
	force_walk = on;
}

int cta_root_open(const char *root)
{
	int fd = open(root && *root ? root : "/", DIR_FLAGS);

	return fd < 0 ? cta_negerrno() : fd;
}

int cta_path_split(const char *path, char **ret_dir, char **ret_base)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = NULL, *base = NULL;

	if (!slash || !slash[1])
		return -EINVAL;
	dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	base = strdup(slash + 1);
	if (!dir || !base)
		return -ENOMEM;
	if (streq(base, ".") || streq(base, ".."))
		return -EINVAL;
	*ret_dir = TAKE_PTR(dir);
	*ret_base = TAKE_PTR(base);
	return 0;
}

int cta_path_normalize(const char *path, char **ret)
{
	_cleanup_free_ char *out = malloc(strlen(path) + 2);
	size_t n = 0;
	const char *p = path;

	if (!out)
		return -ENOMEM;
	if (*p != '/')
		return -EINVAL;
	while (*p) {
		size_t k;

		while (*p == '/')
			p++;
		k = strcspn(p, "/");
		if (k == 0)
			break;
		if (k == 1 && p[0] == '.') {
			p += k;
			continue;
		}
		if (k == 2 && p[0] == '.' && p[1] == '.')
			return -EINVAL;
		out[n++] = '/';
		memcpy(out + n, p, k);
		n += k;
		p += k;
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = 0;
	*ret = TAKE_PTR(out);
	return 0;
}

/* A fresh directory gets exactly @mode, whatever the umask. */
static int make_dir(int parent, const char *name, mode_t mode)
{
	_cleanup_close_ int fd = -EBADF;

	if (mkdirat(parent, name, mode) < 0)
		return errno == EEXIST ? 0 : cta_negerrno();
	fd = openat(parent, name, DIR_FLAGS | O_NOFOLLOW);
	if (fd < 0)
		return cta_negerrno();
	if (fchmod(fd, mode) < 0 || fsync(parent) < 0)
		return cta_negerrno();
	return 0;
}

/*
 * The walk for kernels without openat2: one O_NOFOLLOW step at a time, a
 * stack of directory fds so that ".." never climbs above the root, symlink
 * targets read and resolved from the root (absolute) or the current
 * directory (relative), exactly as RESOLVE_IN_ROOT does.
 */
static int walk(int rootfd, const char *path, unsigned flags, mode_t mkdir_mode)
{
	_cleanup_free_ char *pending = strdup(path);
	_cleanup_free_ int *stack = NULL;
	size_t depth = 0, cap = 16;
	unsigned links = 0;
	int r = 0;

	stack = calloc(cap, sizeof(*stack));
	if (!pending || !stack)
		return -ENOMEM;
	stack[0] = openat(rootfd, ".", DIR_FLAGS);
	if (stack[0] < 0)
		return cta_negerrno();
	for (;;) {
		char *p = pending, *comp, *rest;
		size_t n;
		int fd;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		n = strcspn(p, "/");
		comp = strndup(p, n);
		rest = strdup(p + n);
		if (!comp || !rest) {
			free(comp), free(rest);
			r = -ENOMEM;
			break;
		}
		free(pending);
		pending = rest;
		if (streq(comp, ".")) {
			free(comp);
			continue;
		}
		if (streq(comp, "..")) {
			if (depth > 0)
				close(stack[depth--]);
			free(comp);
			continue;
		}
		fd = openat(stack[depth], comp, DIR_FLAGS | O_NOFOLLOW);
		if (fd < 0 && errno == ENOENT && (flags & CTA_ROOT_MKDIR)) {
			r = make_dir(stack[depth], comp, mkdir_mode);
			if (r == 0)
				fd = openat(stack[depth], comp, DIR_FLAGS | O_NOFOLLOW);
			else
				errno = -r;
		}
		if (fd < 0 && (errno == ELOOP || errno == ENOTDIR)) {
			struct stat st;
			char target[4096];
			ssize_t k;

			if (fstatat(stack[depth], comp, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISLNK(st.st_mode)) {
				free(comp);
				r = -ENOTDIR;
				break;
			}
			if ((flags & CTA_ROOT_NO_SYMLINKS) || ++links > MAX_SYMLINKS) {
				free(comp);
				r = -ELOOP;
				break;
			}
			k = readlinkat(stack[depth], comp, target, sizeof(target) - 1);
			free(comp);
			if (k < 0 || k == (ssize_t)sizeof(target) - 1) {
				r = k < 0 ? cta_negerrno() : -ENAMETOOLONG;
				break;
			}
			target[k] = 0;
			if (target[0] == '/')
				while (depth > 0)
					close(stack[depth--]);
			if (asprintf(&p, "%s/%s", target, pending) < 0) {
				r = -ENOMEM;
				break;
			}
			free(pending);
			pending = p;
			continue;
		}
		free(comp);
		if (fd < 0) {
			r = cta_negerrno();
			break;
		}
		if (depth + 1 >= cap) {
			int *ns = realloc(stack, cap * 2 * sizeof(*ns));

			if (!ns) {
				close(fd);
				r = -ENOMEM;
				break;
			}
			stack = ns;
			cap *= 2;
		}
		stack[++depth] = fd;
	}
	if (r < 0) {
		while (depth > 0)
			close(stack[depth--]);
		close(stack[0]);
		return r;
	}
	for (size_t i = 0; i < depth; i++)
		close(stack[i]);
	return stack[depth];
}

int cta_root_open_dir(int rootfd, const char *path, unsigned flags, mode_t mkdir_mode)
{
	struct open_how how = {
		.flags = DIR_FLAGS,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
			   ((flags & CTA_ROOT_NO_SYMLINKS) ? RESOLVE_NO_SYMLINKS : 0),
	};
	long fd;

	if (!force_walk) {
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != ENOSYS && !(errno == ENOENT && (flags & CTA_ROOT_MKDIR)))
			return cta_negerrno();
	}
	return walk(rootfd, path, flags, mkdir_mode);
}

/* Open the file at host path @path below @rootfd, symlinks resolved inside the root. */
static int root_open_file(int rootfd, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_free_ char *dir = NULL, *base = NULL, *cur = NULL;
	_cleanup_close_ int fd = -EBADF, dfd = -EBADF;
	int r;

	if (!force_walk) {
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0)
			return TAKE_FD(fd);
		if (errno != ENOSYS)
			return cta_negerrno();
	}
	/* the walk resolves the directories; a final symlink is read and its
	 * target resolved from the root (absolute) or its directory */
	cur = strdup(path);
	if (!cur)
		return -ENOMEM;
	for (unsigned links = 0;; links++) {
		char target[4096], *next = NULL;
		ssize_t k;

		free(dir), free(base);
		dir = base = NULL;
		r = cta_path_split(cur, &dir, &base);
		if (r < 0)
			return r;
		if (dfd >= 0)
			close(TAKE_FD(dfd));
		dfd = cta_root_open_dir(rootfd, dir, 0, 0);
		if (dfd < 0)
			return dfd;
		fd = openat(dfd, base, how.flags | O_NOFOLLOW);
		if (fd >= 0)
			return TAKE_FD(fd);
		if (errno != ELOOP)
			return cta_negerrno();
		if (links >= MAX_SYMLINKS)
			return -ELOOP;
		k = readlinkat(dfd, base, target, sizeof(target) - 1);
		if (k < 0 || k == (ssize_t)sizeof(target) - 1)
			return k < 0 ? cta_negerrno() : -ENAMETOOLONG;
		target[k] = 0;
		if (asprintf(&next, "%s/%s", target[0] == '/' || streq(dir, "/") ? "" : dir,
			     target) < 0)
			return -ENOMEM;
		free(cur);
		cur = next;
	}
}

ssize_t cta_root_read(int rootfd, const char *path, size_t max, char **ret)
{
	_cleanup_close_ int fd = root_open_file(rootfd, path);
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return cta_negerrno();
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -CTA_ENOTREG;
	return cta_read_fd(fd, max, ret);
}

bool cta_root_exists(int rootfd, const char *path)
{
	_cleanup_free_ char *dir = NULL, *base = NULL;
	_cleanup_close_ int dfd = -EBADF;
	struct stat st;

	if (cta_path_split(path, &dir, &base) < 0)
		return streq(path, "/");
	dfd = cta_root_open_dir(rootfd, dir, 0, 0);
	return dfd >= 0 && fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int cta_fd_check_trusted(int fd, uid_t also_uid)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return cta_negerrno();
	if (st.st_uid != 0 && st.st_uid != also_uid)
		return -CTA_EBADOWNER;
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return -CTA_EWRITABLE;
	return 0;
}

/* "owned by uid 1000, not root or the user running ctaudit" for the effective user. */
static void owner_error(const struct stat *st, char *buf, size_t size)
{
	snprintf(buf, size, "owned by uid %u, not root%s", (unsigned)st->st_uid,
		 geteuid() ? " or the user running ctaudit" : "");
}

/*
 * Every directory above the file or directory open at @fd must be one that
 * only root (or the effective user) can change: otherwise whoever can write
 * to it can swap the path for another file between two runs.  A sticky
 * directory (/tmp) lets nobody else rename what is in it.
 */
static int check_ancestors(int fd, char **ret_why)
{
	char link[64], real[PATH_MAX], buf[PATH_MAX + 128];
	_cleanup_close_ int cur = -EBADF;
	struct stat st, want;
	char *comp, *slash;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, real, sizeof(real) - 1);
	if (n < 0)
		return cta_negerrno();
	if (n == (ssize_t)sizeof(real) - 1)
		return -ENAMETOOLONG;
	real[n] = 0;
	if (real[0] != '/')
		return -ENOENT; /* deleted, or not in our mount namespace */
	if (fstat(fd, &want) < 0)
		return cta_negerrno();
	cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return cta_negerrno();
	for (comp = real + 1; *comp; comp = slash + 1) {
		int next;

		if (fstat(cur, &st) < 0)
			return cta_negerrno();
		if (st.st_uid != 0 && st.st_uid != geteuid()) {
			comp[-1] = 0;
			snprintf(buf, sizeof(buf), "directory '%s' is ",
				 comp > real + 1 ? real : "/");
			owner_error(&st, buf + strlen(buf), sizeof(buf) - strlen(buf));
			goto refused_owner;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
			comp[-1] = 0;
			snprintf(buf, sizeof(buf),
				 "directory '%s' is writable by group or others (mode %04o)",
				 comp > real + 1 ? real : "/", (unsigned)(st.st_mode & 07777));
			*ret_why = strdup(buf);
			return *ret_why ? -CTA_EWRITABLE : -ENOMEM;
		}
		slash = strchr(comp, '/');
		if (slash)
			*slash = 0;
		next = openat(cur, comp,
			      O_PATH | O_NOFOLLOW | O_CLOEXEC | (slash ? O_DIRECTORY : 0));
		if (next < 0)
			return errno == ELOOP || errno == ENOTDIR ? -EAGAIN : cta_negerrno();
		close(cur);
		cur = next;
		if (!slash)
			break;
		/* the real path's separators are restored for the message */
		*slash = '/';
	}
	/* the path names what is open, or it changed under us */
	if (fstat(cur, &st) < 0)
		return cta_negerrno();
	return st.st_dev == want.st_dev && st.st_ino == want.st_ino ? 0 : -EAGAIN;
refused_owner:
	*ret_why = strdup(buf);
	return *ret_why ? -CTA_EBADOWNER : -ENOMEM;
}

int cta_open_trusted(int rootfd, const char *path, bool dir, char **ret_why)
{
	_cleanup_close_ int fd = -EBADF;
	char buf[128];
	struct stat st;
	int r;

	*ret_why = NULL;
	if (rootfd >= 0)
		fd = dir ? cta_root_open_dir(rootfd, path, 0, 0) : root_open_file(rootfd, path);
	else
		fd = open(path,
			  O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (dir ? O_DIRECTORY : 0));
	if (fd < 0)
		return fd == -1 ? cta_negerrno() : fd;
	if (fstat(fd, &st) < 0)
		return cta_negerrno();
	if (!dir && !S_ISREG(st.st_mode)) {
		*ret_why = strdup(S_ISDIR(st.st_mode) ? "a directory, not a file" :
							"not a regular file");
		return *ret_why ? -CTA_ENOTREG : -ENOMEM;
	}
	r = cta_fd_check_trusted(fd, geteuid());
	if (r < 0) {
		if (r == -CTA_EBADOWNER)
			owner_error(&st, buf, sizeof(buf));
		else
			cta_trust_error(r, &st, buf, sizeof(buf));
		*ret_why = strdup(buf);
		return *ret_why ? r : -ENOMEM;
	}
	r = check_ancestors(fd, ret_why);
	if (r < 0)
		return r;
	/* no O_NONBLOCK left behind: callers read it like any file */
	if (!dir && fcntl(fd, F_SETFL, 0) < 0)
		return cta_negerrno();
	return TAKE_FD(fd);
}

int cta_path_check_trusted(const char *path, bool dir, char **ret_why)
{
	_cleanup_close_ int fd = cta_open_trusted(-1, path, dir, ret_why);

	return fd < 0 ? fd : 0;
}

const char *cta_trust_error(int r, const struct stat *st, char *buf, size_t size)
{
	if (r == -CTA_EBADOWNER)
		snprintf(buf, size, "owned by uid %u, not root", (unsigned)st->st_uid);
	else if (r == -CTA_EWRITABLE)
		snprintf(buf, size, "writable by group or others (mode %04o)",
			 (unsigned)(st->st_mode & 07777));
	else
		cta_strerror(r, buf);
	return buf;
}

ssize_t cta_read_at(int dirfd, const char *name, size_t max, char **ret, struct stat *ret_st)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return cta_negerrno();
	if (fstat(fd, &st) < 0)
		return cta_negerrno();
	if (!S_ISREG(st.st_mode))
		return -CTA_ENOTREG;
	if (ret_st)
		*ret_st = st;
	return cta_read_fd(fd, max, ret);
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t k = write(fd, p, len);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return cta_negerrno();
		}
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

int cta_write_at_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			uid_t uid, gid_t gid)
{
	static const char chars[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			return -ELOOP;
		if (!S_ISREG(st.st_mode))
			return -CTA_ENOTREG;
	} else if (errno != ENOENT)
		return cta_negerrno();
	for (unsigned tries = 0; fd < 0 && tries < 100; tries++) {
		unsigned char rnd[6];

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -EIO;
		free(tmp);
		if (asprintf(&tmp, "%s.ctaudit-%c%c%c%c%c%c", name, chars[rnd[0] % 62],
			     chars[rnd[1] % 62], chars[rnd[2] % 62], chars[rnd[3] % 62],
			     chars[rnd[4] % 62], chars[rnd[5] % 62]) < 0) {
			tmp = NULL;
			return -ENOMEM;
		}
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return cta_negerrno();
	}
	if (fd < 0)
		return -EEXIST;
	r = write_all(fd, data, len);
	/* chown first: it clears set-id bits that fchmod would set */
	if (r == 0 && (fchown(fd, uid, gid) < 0 || fchmod(fd, mode & 0777) < 0 || fsync(fd) < 0))
		r = cta_negerrno();
	if (r == 0 && close(TAKE_FD(fd)) < 0)
		r = cta_negerrno();
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = cta_negerrno();
	if (r < 0) {
		(void)unlinkat(dirfd, tmp, 0);
		return r;
	}
	return fsync(dirfd) < 0 ? cta_negerrno() : 0;
}

int cta_state_dir_open(const char *root, const char *leaf, bool create, char **ret_bad_path)
{
	static const struct {
		const char *name;
		mode_t mode;
	} parts[] = { { "var", 0755 }, { "lib", 0755 }, { "ctaudit", 0700 }, { NULL, 0700 } };
	_cleanup_close_ int fd = cta_root_open(root);
	_cleanup_free_ char *done = NULL;
	int r;

	if (fd < 0)
		return fd;
	for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
		_cleanup_free_ char *next = NULL;
		int sub;

		const char *name = parts[i].name ? parts[i].name : leaf;

		if (asprintf(&next, "%s/%s", done ? done : "", name) < 0)
			return -ENOMEM;
		free(done);
		done = TAKE_PTR(next);
		if (create && mkdirat(fd, name, parts[i].mode) == 0) {
			/* exactly the mode, whatever the umask */
			sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 || fchmod(sub, parts[i].mode) < 0) {
				r = cta_negerrno();
				if (sub >= 0)
					close(sub);
				return r;
			}
		} else {
			if (create && errno != EEXIST)
				return cta_negerrno();
			sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (sub < 0) {
			r = cta_negerrno();
			if (r == -ENOTDIR || r == -ELOOP) {
				struct stat st;

				r = fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
						    S_ISLNK(st.st_mode) ?
					    -ELOOP :
					    -ENOTDIR;
			}
			if (r != -ENOENT && ret_bad_path)
				*ret_bad_path = TAKE_PTR(done);
			return r;
		}
		close(fd);
		fd = sub;
		r = cta_fd_check_trusted(fd, (uid_t)-1);
		if (r < 0) {
			if (ret_bad_path)
				*ret_bad_path = TAKE_PTR(done);
			return r;
		}
	}
	return TAKE_FD(fd);
}
