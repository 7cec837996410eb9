// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "apply/fsroot.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/banned.h"

static char *readlink_alloc(const char *p)
{
	size_t cap = 256;

	for (;;) {
		char *buf = malloc(cap);
		ssize_t n;

		if (!buf)
			return NULL;
		n = readlink(p, buf, cap);
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if ((size_t)n < cap) {
			buf[n] = 0;
			return buf;
		}
		free(buf);
		cap *= 2;
	}
}

int cta_fsroot_resolve(const char *root, const char *path, char **ret)
{
	_cleanup_free_ char *done = strdup(""), *rest = strdup(path);
	unsigned hops = 0;

	if (!done || !rest)
		return -ENOMEM;
	for (;;) {
		_cleanup_free_ char *comp = NULL, *cand = NULL, *full = NULL, *target = NULL;
		char *s = rest, *nr;
		size_t n;
		struct stat st;

		while (*s == '/')
			s++;
		if (!*s)
			break;
		n = strcspn(s, "/");
		comp = strndup(s, n);
		nr = strdup(s + n);
		if (!comp || !nr)
			return -ENOMEM;
		free(rest);
		rest = nr;
		if (streq(comp, "."))
			continue;
		if (streq(comp, "..")) {
			char *slash = strrchr(done, '/');

			if (slash)
				*slash = 0;
			continue;
		}
		if (asprintf(&cand, "%s/%s", done, comp) < 0)
			return -ENOMEM;
		full = cta_path_join(root, cand);
		if (!full)
			return -ENOMEM;
		if (lstat(full, &st) < 0 || !S_ISLNK(st.st_mode)) {
			free(done);
			done = TAKE_PTR(cand);
			continue;
		}
		if (++hops > 40)
			return -ELOOP;
		target = readlink_alloc(full);
		if (!target)
			return cta_negerrno();
		if (asprintf(&nr, "%s%s%s", target, *rest ? "" : "", rest) < 0)
			return -ENOMEM;
		free(rest);
		rest = nr;
		if (target[0] == '/')
			done[0] = 0;
	}
	if (!*done) {
		free(done);
		done = strdup("/");
		if (!done)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(done);
	return 0;
}

int cta_fsroot_read(const char *root, const char *path, char **ret)
{
	_cleanup_free_ char *real = NULL;
	ssize_t n;
	int r;

	r = cta_fsroot_resolve(root, path, &real);
	if (r < 0)
		return r;
	n = cta_read_file_at(root, real, 0, ret);
	return n < 0 ? (int)n : 0;
}

static int fs_read(void *userdata, const char *path, char **ret)
{
	return cta_fsroot_read(userdata, path, ret);
}

static int fs_resolve(void *userdata, const char *path, char **ret)
{
	return cta_fsroot_resolve(userdata, path, ret);
}

void cta_fsroot_plan_fs(const char *root, struct cta_plan_fs *fs)
{
	*fs = (struct cta_plan_fs){ .read = fs_read,
				    .resolve = fs_resolve,
				    .userdata = (void *)root };
}
