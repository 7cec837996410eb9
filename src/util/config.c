// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/config.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/banned.h"

static bool has_catalog(const char *dir)
{
	_cleanup_free_ char *p = NULL;
	struct stat st;

	return asprintf(&p, "%s/policies", dir) >= 0 && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * ${datadir}/ctaudit relative to the running binary, so that
 * `cmake --install build --prefix /usr` works although the build was
 * configured for /usr/local.  NULL when it holds no catalog.
 */
static const char *datadir_near_exe(void)
{
	static char *dir;
	static bool done;
	_cleanup_free_ char *exe = NULL;
	ssize_t n;
	size_t size = 256;
	char *slash;

	if (done)
		return dir;
	done = true;
	for (;;) {
		free(exe);
		exe = malloc(size);
		if (!exe)
			return NULL;
		n = readlink("/proc/self/exe", exe, size);
		if (n < 0)
			return NULL;
		if ((size_t)n < size)
			break;
		size *= 2;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	if (asprintf(&dir, "%s/" CTA_DATADIR_FROM_SBINDIR, exe) < 0) {
		dir = NULL;
		return NULL;
	}
	if (!has_catalog(dir)) {
		free(dir);
		dir = NULL;
	} else {
		char *canon = realpath(dir, NULL);

		if (canon) {
			free(dir);
			dir = canon;
		}
	}
	return dir;
}

const char *cta_datadir(const char **ret_origin)
{
	const char *env = getenv("CTAUDIT_DATADIR"), *origin = "installed", *dir = CTA_DATADIR;

	if (env && *env) {
		dir = env;
		origin = "$CTAUDIT_DATADIR";
	} else if (!has_catalog(CTA_DATADIR) && datadir_near_exe()) {
		dir = datadir_near_exe();
		origin = "installed, next to the program";
	}
#ifdef CTA_SOURCE_DATADIR
	/* only a developer build asks for this: an installed binary must never
	 * read a source tree that happens to be on the machine */
	else if (!has_catalog(CTA_DATADIR)) {
		dir = CTA_SOURCE_DATADIR;
		origin = "source tree, developer build";
	}
#endif
	if (ret_origin)
		*ret_origin = origin;
	return dir;
}

static bool is_yaml_name(const char *s)
{
	size_t l = strlen(s);

	return s[0] != '.' && l > 5 && streq(s + l - 5, ".yaml");
}

/* sysctl.d(5): an empty file or a symlink to /dev/null masks a name. */
static bool is_mask(int dfd, const char *name)
{
	struct stat st;
	char target[sizeof("/dev/null")];
	ssize_t n;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	if (S_ISLNK(st.st_mode)) {
		n = readlinkat(dfd, name, target, sizeof(target));
		if (n == (ssize_t)sizeof(target) - 1 && !memcmp(target, "/dev/null", (size_t)n))
			return true;
		if (fstatat(dfd, name, &st, 0) < 0)
			return false;
	}
	return S_ISREG(st.st_mode) && st.st_size == 0;
}

struct entry {
	char *name, *path; /* path NULL: masked */
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void entries_free(struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].name);
		free(e[i].path);
	}
	free(e);
}

int cta_conf_files(const char *const *dirs, const int *dirfds, char ***ret,
		   const char **ret_bad_dir)
{
	struct entry *e = NULL;
	size_t n = 0, cap = 0, k = 0;
	char **v;
	int r = 0;

	for (size_t d = 0; dirs && dirs[d]; d++) {
		DIR *dir = NULL;
		struct dirent *de;
		size_t before = n;

		if (!dirfds)
			dir = opendir(dirs[d]);
		else if (dirfds[d] < 0)
			continue;
		else {
			int fd = fcntl(dirfds[d], F_DUPFD_CLOEXEC, 3);

			/* a dup shares the offset: start from the first entry */
			if (fd >= 0 && !(dir = fdopendir(fd)))
				close(fd);
			if (dir)
				rewinddir(dir);
		}
		if (!dir) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			r = cta_negerrno();
			if (ret_bad_dir)
				*ret_bad_dir = dirs[d];
			goto out;
		}
		while ((errno = 0, de = readdir(dir))) {
			bool seen = false;

			if (!is_yaml_name(de->d_name))
				continue;
			for (size_t i = 0; i < before && !seen; i++)
				seen = streq(e[i].name, de->d_name);
			if (seen)
				continue;
			if (n == cap) {
				struct entry *ne =
					realloc(e, (cap = cap ? 2 * cap : 16) * sizeof(*e));

				if (!ne) {
					r = -ENOMEM;
					break;
				}
				e = ne;
			}
			e[n] = (struct entry){ .name = strdup(de->d_name) };
			if (!e[n].name) {
				r = -ENOMEM;
				break;
			}
			n++;
			if (!is_mask(dirfd(dir), de->d_name) &&
			    asprintf(&e[n - 1].path, "%s/%s", dirs[d], de->d_name) < 0) {
				e[n - 1].path = NULL;
				r = -ENOMEM;
				break;
			}
		}
		if (r == 0 && errno) {
			r = cta_negerrno();
			if (ret_bad_dir)
				*ret_bad_dir = dirs[d];
		}
		closedir(dir);
		if (r < 0)
			goto out;
	}
	if (n)
		qsort(e, n, sizeof(*e), entry_cmp);
	v = calloc(n + 1, sizeof(*v));
	if (!v) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (e[i].path)
			v[k++] = TAKE_PTR(e[i].path);
	*ret = v;
	r = (int)k;
out:
	entries_free(e, n);
	return r;
}
