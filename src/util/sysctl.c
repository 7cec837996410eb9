// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/fileio.h"
#include "util/macro.h"
#include "util/sysctl.h"
#include "util/banned.h"

static void swap_separators(char *s)
{
	for (; *s; s++) {
		if (*s == '.')
			*s = '/';
		else if (*s == '/')
			*s = '.';
	}
}

char *cta_sysctl_normalize_key_inplace(char *key)
{
	char *w = key;

	if (key[strcspn(key, "./")] != '/')
		return key;
	/* path notation: "/net//ipv4/x" names what "net/ipv4/x" does (systemd's path_simplify) */
	for (const char *r = key; *r; r++) {
		if (*r == '/' && (w == key || w[-1] == '/'))
			continue;
		*w++ = *r;
	}
	if (w > key && w[-1] == '/')
		w--;
	*w = 0;
	swap_separators(key);
	return key;
}

char *cta_sysctl_normalize_key(const char *key)
{
	char *r = strdup(key);

	return r ? cta_sysctl_normalize_key_inplace(r) : NULL;
}

char *cta_sysctl_key_to_path(const char *key)
{
	char *r = strdup(key);

	if (r)
		swap_separators(r);
	return r;
}

char *cta_sysctl_path_to_key(const char *path)
{
	return cta_sysctl_key_to_path(path);
}

bool cta_sysctl_path_valid(const char *rel)
{
	const char *p = rel;

	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

int cta_sysctl_proc_path(const char *procfs, const char *rel, char **ret)
{
	char *p;

	if (!cta_sysctl_path_valid(rel))
		return -EINVAL;
	if (asprintf(&p, "%s/sys/%s", procfs ? procfs : "/proc", rel) < 0)
		return -ENOMEM;
	*ret = p;
	return 0;
}

int cta_sysctl_key_proc_path(const char *procfs, const char *key, char **ret)
{
	_cleanup_free_ char *rel = cta_sysctl_key_to_path(key);

	if (!rel)
		return -ENOMEM;
	return cta_sysctl_proc_path(procfs, rel, ret);
}

int cta_sysctl_read(const char *procfs, const char *key, size_t max, char **ret)
{
	_cleanup_free_ char *path = NULL, *v = NULL;
	ssize_t n;
	int r;

	r = cta_sysctl_key_proc_path(procfs, key, &path);
	if (r < 0)
		return r;
	n = cta_read_file(path, max, &v);
	if (n < 0)
		return (int)n;
	while (n > 0 && (v[n - 1] == '\n' || v[n - 1] == ' '))
		v[--n] = 0;
	*ret = TAKE_PTR(v);
	return 0;
}

int cta_sysctl_write(const char *procfs, const char *key, const char *value)
{
	_cleanup_free_ char *path = NULL, *line = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t len, off = 0;
	int r;

	r = cta_sysctl_key_proc_path(procfs, key, &path);
	if (r < 0)
		return r;
	if (asprintf(&line, "%s\n", value) < 0)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return cta_negerrno();
	/* the kernel parses a sysctl in one write; a short write is an error there */
	len = strlen(line);
	while (off < len) {
		ssize_t w = write(fd, line + off, len - off);

		if (w < 0) {
			r = cta_negerrno();
			if (r == -EINTR)
				continue;
			return r;
		}
		off += (size_t)w;
	}
	if (close(TAKE_FD(fd)) < 0)
		return cta_negerrno();
	return 0;
}

static char *strip(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/*
 * systemd-sysctl's parse_file(): a '-' before the key means "ignore a failure
 * to set it" and may be followed by spaces ("- net.x = 1"); a '-' line
 * without '=' is a negative match that exempts a key from an earlier glob.
 */
enum cta_sysctl_line_kind cta_sysctl_parse_line(char *line, struct cta_sysctl_line *ret)
{
	char *l = strip(line), *eq, *k;

	*ret = (struct cta_sysctl_line){ .kind = CTA_SYSCTL_LINE_EMPTY, .text = l };
	if (!*l || *l == '#' || *l == ';')
		return ret->kind;
	eq = strchr(l, '=');
	if (!eq) {
		if (l[0] == '-' && *(k = strip(l + 1))) {
			ret->kind = CTA_SYSCTL_LINE_EXCLUDE;
			ret->key = cta_sysctl_normalize_key_inplace(k);
		} else
			ret->kind = CTA_SYSCTL_LINE_NOT_ASSIGNMENT;
		return ret->kind;
	}
	*eq = 0;
	k = l;
	if (*k == '-') {
		ret->ignore_failure = true;
		k++;
	}
	k = strip(k);
	if (!*k) {
		*eq = '=';
		ret->ignore_failure = false;
		ret->kind = CTA_SYSCTL_LINE_EMPTY_KEY;
		return ret->kind;
	}
	ret->kind = CTA_SYSCTL_LINE_ASSIGN;
	ret->key = cta_sysctl_normalize_key_inplace(k);
	ret->value = cta_collapse_ws(eq + 1);
	return ret->kind;
}

const char *const cta_sysctl_conf_dirs[] = {
	"/etc/sysctl.d",
	"/run/sysctl.d",
	"/usr/local/lib/sysctl.d",
	"/usr/lib/sysctl.d",
	/* Debian's procps still reads /lib; with merged /usr it is /usr/lib again */
	"/lib/sysctl.d",
};
const size_t cta_sysctl_n_conf_dirs = ELEMENTSOF(cta_sysctl_conf_dirs);

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

bool cta_sysctl_in_conf_dir(const char *path)
{
	for (size_t i = 0; i < ELEMENTSOF(cta_sysctl_conf_dirs); i++) {
		size_t n = strlen(cta_sysctl_conf_dirs[i]);

		if (strneq(path, cta_sysctl_conf_dirs[i], n) && path[n] == '/' && path[n + 1] &&
		    !strchr(path + n + 1, '/'))
			return true;
	}
	return false;
}

int cta_sysctl_boot_cmp(const char *a, const char *b)
{
	bool ca = streq(a, CTA_SYSCTL_CONF), cb = streq(b, CTA_SYSCTL_CONF);

	if (ca || cb)
		return ca - cb;
	return strcmp(base_name(a), base_name(b));
}

static bool is_masked(const char *root, const char *resolved)
{
	_cleanup_free_ char *full = NULL;
	struct stat st;

	if (streq(resolved, "/dev/null"))
		return true;
	/* a character device in place of the file masks it too (systemd's null_or_empty) */
	full = cta_path_join(root, resolved);
	return full && stat(full, &st) == 0 && S_ISCHR(st.st_mode);
}

struct list_state {
	const char *root;
	struct cta_sysctl_conf_list *l;
	size_t cap;
};

static int add_file(struct list_state *s, const char *path)
{
	struct cta_sysctl_conf_list *l = s->l;
	struct cta_sysctl_conf f = {};
	int r;

	if (l->n_files == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 32;
		struct cta_sysctl_conf *nv = realloc(l->files, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->files = nv;
		s->cap = ncap;
	}
	f.path = strdup(path);
	if (!f.path)
		return -ENOMEM;
	r = cta_resolve_in_root(s->root, f.path, &f.resolved);
	if (r == -ENOMEM) {
		free(f.path);
		return r;
	}
	if (r < 0) /* a symlink loop: keep the path, reading it fails later */
		f.resolved = strdup(f.path);
	if (!f.resolved) {
		free(f.path);
		return -ENOMEM;
	}
	f.masked = is_masked(s->root, f.resolved);
	l->files[l->n_files++] = f;
	return 0;
}

static bool has_conf_suffix(const char *name, const void *unused)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && streq(name + n - 5, ".conf");
}

static int scan_dir(struct list_state *s, const char *dir, char ***seen, size_t *n_seen)
{
	_cleanup_free_ char *resolved = NULL, *full = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_(cta_strv_freep) char **names = NULL;
	ssize_t n;
	char **nv;
	int r;

	r = cta_resolve_in_root(s->root, dir, &resolved);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	/* /lib/sysctl.d is /usr/lib/sysctl.d with merged /usr: read it once */
	for (size_t i = 0; i < *n_seen; i++)
		if (streq((*seen)[i], resolved))
			return 0;
	nv = realloc(*seen, (*n_seen + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*seen = nv;
	full = cta_path_join(s->root, resolved);
	if (!full)
		return -ENOMEM;
	nv[(*n_seen)++] = TAKE_PTR(resolved);
	d = opendir(full);
	if (!d) {
		struct cta_sysctl_dir_error *ev;

		r = cta_negerrno();
		if (r == -ENOENT || r == -ENOTDIR)
			return 0;
		ev = realloc(s->l->dir_errors, (s->l->n_dir_errors + 1) * sizeof(*ev));
		if (!ev)
			return -ENOMEM;
		s->l->dir_errors = ev;
		ev[s->l->n_dir_errors++] = (struct cta_sysctl_dir_error){ dir, r };
		return 0;
	}
	n = cta_dir_names(d, has_conf_suffix, NULL, &names);
	if (n < 0)
		return (int)n;
	for (ssize_t i = 0; i < n; i++) {
		_cleanup_free_ char *fpath = NULL, *fres = NULL, *ffull = NULL;
		struct stat st;

		/* directories named *.conf are not configuration files */
		if (asprintf(&fpath, "%s/%s", dir, names[i]) < 0)
			return -ENOMEM;
		if (cta_resolve_in_root(s->root, fpath, &fres) == 0 &&
		    (ffull = cta_path_join(s->root, fres)) && stat(ffull, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			continue;
		r = add_file(s, fpath);
		if (r < 0)
			return r;
	}
	return 0;
}

static int order_cmp(const void *a, const void *b)
{
	const struct cta_sysctl_conf *x = *(const struct cta_sysctl_conf *const *)a;
	const struct cta_sysctl_conf *y = *(const struct cta_sysctl_conf *const *)b;

	return cta_sysctl_boot_cmp(x->path, y->path);
}

/* procps reads /etc/sysctl.conf last; systemd-sysctl only through Debian's link */
static int add_sysctl_conf(struct list_state *s, const char *read_as)
{
	_cleanup_free_ char *resolved = NULL, *full = NULL;
	struct cta_sysctl_conf *f;
	struct stat st;
	int r;

	r = cta_resolve_in_root(s->root, CTA_SYSCTL_CONF, &resolved);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	full = cta_path_join(s->root, resolved);
	if (!full)
		return -ENOMEM;
	if (!is_masked(s->root, resolved) && (stat(full, &st) < 0 || !S_ISREG(st.st_mode)))
		return 0;
	r = add_file(s, CTA_SYSCTL_CONF);
	if (r < 0)
		return r;
	f = &s->l->files[s->l->n_files - 1];
	/* resolved once more by add_file: the same answer, kept for one code path */
	f->hidden_by = read_as;
	if (!f->masked && !read_as)
		s->l->order[s->l->n_order++] = f;
	return 0;
}

int cta_sysctl_conf_list(const char *root, struct cta_sysctl_conf_list *ret)
{
	_cleanup_(cta_sysctl_conf_list_done) struct cta_sysctl_conf_list l = {};
	struct list_state s = { .root = root, .l = &l };
	char **seen = NULL;
	size_t n_seen = 0;
	const char *read_as = NULL;
	int r = 0;

	for (size_t i = 0; i < ELEMENTSOF(cta_sysctl_conf_dirs) && r >= 0; i++)
		r = scan_dir(&s, cta_sysctl_conf_dirs[i], &seen, &n_seen);
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i]);
	free(seen);
	if (r < 0)
		return r;
	/* a file hides the files of the same name in later directories */
	for (size_t i = 0; i < l.n_files; i++)
		for (size_t j = 0; j < i; j++)
			if (!l.files[j].hidden_by &&
			    streq(base_name(l.files[j].path), base_name(l.files[i].path))) {
				l.files[i].hidden_by = l.files[j].path;
				break;
			}
	/* room for /etc/sysctl.conf now: adding it must not move what order points at */
	if (s.cap < l.n_files + 1) {
		struct cta_sysctl_conf *nv = realloc(l.files, (l.n_files + 1) * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l.files = nv;
		s.cap = l.n_files + 1;
	}
	l.order = calloc(l.n_files + 1, sizeof(*l.order));
	if (!l.order)
		return -ENOMEM;
	for (size_t i = 0; i < l.n_files; i++)
		if (!l.files[i].hidden_by && !l.files[i].masked)
			l.order[l.n_order++] = &l.files[i];
	/* names are unique among the winners, so the sort is total */
	if (l.n_order)
		qsort(l.order, l.n_order, sizeof(*l.order), order_cmp);
	for (size_t i = 0; i < l.n_order; i++)
		/* Debian: /etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf */
		if (streq(l.order[i]->resolved, CTA_SYSCTL_CONF))
			read_as = l.order[i]->path;
	r = add_sysctl_conf(&s, read_as);
	if (r < 0)
		return r;
	*ret = l;
	l = (struct cta_sysctl_conf_list){};
	return 0;
}

void cta_sysctl_conf_list_done(struct cta_sysctl_conf_list *l)
{
	for (size_t i = 0; i < l->n_files; i++) {
		free(l->files[i].path);
		free(l->files[i].resolved);
	}
	free(l->files);
	free(l->order);
	free(l->dir_errors);
	*l = (struct cta_sysctl_conf_list){};
}
