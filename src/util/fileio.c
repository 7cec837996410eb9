// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/fileio.h"
#include "util/macro.h"
#include "util/banned.h"

char *cta_path_join(const char *root, const char *path)
{
	char *r;
	size_t n;

	if (!root || !*root || streq(root, "/"))
		return strdup(path);
	n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	while (*path == '/')
		path++;
	if (asprintf(&r, "%.*s/%s", (int)n, root, path) < 0)
		return NULL;
	return r;
}

ssize_t cta_read_file(const char *path, size_t max, char **ret)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return cta_negerrno();
	if (fstat(fd, &st) < 0)
		return cta_negerrno();
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EMEDIUMTYPE;
	return cta_read_fd(fd, max, ret);
}

ssize_t cta_read_fd(int fd, size_t max, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (max == 0)
		max = 64u << 20;
	for (;;) {
		ssize_t k;

		if (cap - len < 4097) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb;

			if (ncap > max + 4097)
				ncap = max + 4097;
			if (ncap <= cap)
				return -EFBIG;
			nb = realloc(buf, ncap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap = ncap;
		}
		k = read(fd, buf + len, cap - len - 1);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return cta_negerrno();
		}
		if (k == 0)
			break;
		len += (size_t)k;
		if (len > max)
			return -EFBIG;
	}
	if (!buf && !(buf = malloc(1)))
		return -ENOMEM;
	buf[len] = 0;
	*ret = TAKE_PTR(buf);
	return (ssize_t)len;
}

ssize_t cta_read_file_at(const char *root, const char *path, size_t max, char **ret)
{
	_cleanup_free_ char *p = cta_path_join(root, path);

	if (!p)
		return -ENOMEM;
	return cta_read_file(p, max, ret);
}

int cta_read_line(const char *path, unsigned line, char **ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return cta_negerrno();
	for (unsigned i = 1;; i++) {
		n = getline(&buf, &cap, f);
		if (n < 0)
			return -ENOENT;
		if (i == line)
			break;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = 0;
	*ret = TAKE_PTR(buf);
	return 0;
}

char *cta_collapse_ws(char *s)
{
	char *w = s;
	bool space = false;

	for (char *r = s; *r; r++) {
		if (isspace((unsigned char)*r)) {
			space = w != s;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = false;
		*w++ = *r;
	}
	*w = 0;
	return s;
}

int cta_parse_i64(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	while (isspace((unsigned char)*end))
		end++;
	if (end == s || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int cta_parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	while (isspace((unsigned char)*end))
		end++;
	if (end == s || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int cta_mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return cta_negerrno();
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return cta_negerrno();
	return 0;
}

static char *parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int cta_fsync_parent(const char *path)
{
	_cleanup_free_ char *dir = parent_of(path);
	_cleanup_close_ int fd = -EBADF;

	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cta_negerrno();
	if (fsync(fd) < 0)
		return cta_negerrno();
	return 0;
}

int cta_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	_cleanup_free_ char *dir = parent_of(path), *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	const char *p = data;
	int r;

	if (!dir)
		return -ENOMEM;
	r = cta_mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	if (asprintf(&tmp, "%s.ctaudit-XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return cta_negerrno();
	while (len > 0) {
		ssize_t k = write(fd, p, len);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			r = cta_negerrno();
			goto fail;
		}
		p += k;
		len -= (size_t)k;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		r = cta_negerrno();
		goto fail;
	}
	if (close(TAKE_FD(fd)) < 0) {
		r = cta_negerrno();
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		r = cta_negerrno();
		goto fail;
	}
	return cta_fsync_parent(path);
fail:
	(void)unlink(tmp);
	return r;
}

int cta_resolve_in_root(const char *root, const char *path, char **ret)
{
	_cleanup_free_ char *done = strdup(""), *pending = strdup(path);
	unsigned links = 0;

	if (!done || !pending)
		return -ENOMEM;
	for (;;) {
		_cleanup_free_ char *comp = NULL, *candidate = NULL, *full = NULL;
		char *p = pending, *rest;
		size_t n;
		struct stat st;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		n = strcspn(p, "/");
		comp = strndup(p, n);
		rest = strdup(p + n);
		if (!comp || !rest) {
			free(rest);
			return -ENOMEM;
		}
		free(pending);
		pending = rest;
		if (streq(comp, "."))
			continue;
		if (streq(comp, "..")) {
			char *slash = strrchr(done, '/');

			if (slash)
				*slash = 0;
			continue;
		}
		if (asprintf(&candidate, "%s/%s", done, comp) < 0)
			return -ENOMEM;
		full = cta_path_join(root, candidate);
		if (!full)
			return -ENOMEM;
		if (lstat(full, &st) == 0 && S_ISLNK(st.st_mode)) {
			_cleanup_free_ char *target = NULL;
			size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : PATH_MAX;
			ssize_t k;

			if (++links > 40) /* as the kernel's MAXSYMLINKS */
				return -ELOOP;
			target = malloc(cap);
			if (!target)
				return -ENOMEM;
			k = readlink(full, target, cap);
			if (k < 0 || (size_t)k >= cap)
				return k < 0 ? cta_negerrno() : -ENAMETOOLONG;
			target[k] = 0;
			if (target[0] == '/')
				done[0] = 0;
			if (asprintf(&p, "%s/%s", target, pending) < 0)
				return -ENOMEM;
			free(pending);
			pending = p;
			continue;
		}
		free(done);
		done = TAKE_PTR(candidate);
	}
	if (!*done)
		return (*ret = strdup("/")) ? 0 : -ENOMEM;
	*ret = TAKE_PTR(done);
	return 0;
}

void cta_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

ssize_t cta_dir_names(DIR *d, bool (*match)(const char *name, const void *userdata),
		      const void *userdata, char ***ret)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (match && !match(de->d_name, userdata))
			continue;
		if (n + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nn = realloc(names, ncap * sizeof(*names));

			if (!nn)
				goto oom;
			names = nn;
			cap = ncap;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto oom;
		names[++n] = NULL;
	}
	if (!names && !(names = calloc(1, sizeof(*names))))
		return -ENOMEM;
	qsort(names, n, sizeof(*names), name_cmp);
	*ret = names;
	return (ssize_t)n;
oom:
	if (names)
		names[n] = NULL;
	cta_strv_free(names);
	return -ENOMEM;
}

char *cta_strerror(int negerr, char buf[static CTA_STRERROR_MAX])
{
	char tmp[CTA_STRERROR_MAX];
	const char *e = strerror_r(negerr < 0 ? -negerr : negerr, tmp, sizeof(tmp));

	if (negerr == -EMEDIUMTYPE || negerr == EMEDIUMTYPE)
		e = "not a regular file";
	else if (negerr == -EOWNERDEAD || negerr == EOWNERDEAD)
		e = "not owned by root";
	else if (negerr == -ENOTRECOVERABLE || negerr == ENOTRECOVERABLE)
		e = "writable by group or others";
	snprintf(buf, CTA_STRERROR_MAX, "%s", e);
	/* "Permission denied" -> "permission denied"; leave acronyms ("ENOMEM"...) alone */
	if (isupper((unsigned char)buf[0]) && !isupper((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}
