// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "apply/apply.h"
#include "apply/journal.h"
#include "nf/firewall.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/sysctl.h"
#include "util/banned.h"

#define TEMP_TAG ".ctaudit-"

void cta_apply_step(void)
{
	static unsigned steps;
	const char *e = getenv("CTAUDIT_FAULT_AFTER");
	uint64_t n;

	steps++;
	if (e && cta_parse_u64(e, &n) == 0 && n == steps)
		raise(SIGKILL);
}

int cta_apply_lock(const char *root)
{
	_cleanup_free_ char *path = cta_path_join(root, "/run/ctaudit.lock"), *dir = NULL;
	int fd, r;

	if (!path)
		return -ENOMEM;
	dir = cta_path_join(root, "/run");
	if (!dir)
		return -ENOMEM;
	r = cta_mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return cta_negerrno();
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : cta_negerrno();
		close(fd);
		return r;
	}
	return fd;
}

int cta_apply_find_unfinished(const char *root, char **ret_id)
{
	char **ids = NULL;
	int r;

	r = cta_journal_list(root, &ids);
	if (r < 0)
		return r;
	for (size_t i = 0; ids[i]; i++) {
		struct cta_journal *j = NULL;

		if (cta_journal_load(root, ids[i], &j) < 0)
			continue;
		if (j->state == CTA_JOURNAL_PREPARED) {
			free(*ret_id);
			*ret_id = strdup(ids[i]);
			r = *ret_id ? 1 : -ENOMEM;
		}
		cta_journal_free(j);
	}
	cta_strv_free(ids);
	return r;
}

/* Add a message to *@ret_error (joined with "; ") and return @r, so that a
 * failure reads `return set_error(ret_error, r, ...)`.  errno is kept. */
static int set_error(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
static int set_error(char **ret_error, int r, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!*ret_error) {
		*ret_error = s;
	} else if (s) {
		char *both = NULL;

		if (asprintf(&both, "%s; %s", *ret_error, s) >= 0) {
			free(*ret_error);
			*ret_error = both;
		}
		free(s);
	}
	errno = saved;
	return r;
}

/* Remove temporaries an interrupted apply left next to @full (never *.conf). */
static void clean_temps(const char *full)
{
	_cleanup_free_ char *dir = strdup(full), *prefix = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	char *slash;

	if (!dir || !(slash = strrchr(dir, '/')))
		return;
	*slash = 0;
	if (asprintf(&prefix, "%s" TEMP_TAG, slash + 1) < 0)
		return;
	d = opendir(*dir ? dir : "/");
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strneq(de->d_name, prefix, strlen(prefix)) &&
		    strlen(de->d_name) == strlen(prefix) + 6)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
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

/*
 * First half of an atomic replacement: a fsynced temporary next to @full,
 * named FILE.ctaudit-XXXXXX so that sysctl (*.conf) never reads it.
 */
static int write_temp(const char *full, const char *data, mode_t mode, char **ret_tmp)
{
	_cleanup_free_ char *tmp = NULL, *dir = strdup(full);
	_cleanup_close_ int fd = -EBADF;
	char *slash;
	int r;

	if (!dir || asprintf(&tmp, "%s" TEMP_TAG "XXXXXX", full) < 0)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		r = cta_mkdir_p(dir, 0755);
		if (r < 0)
			return r;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return cta_negerrno();
	r = write_all(fd, data, strlen(data));
	if (r == 0 && (fchmod(fd, mode) < 0 || fsync(fd) < 0))
		r = cta_negerrno();
	if (r == 0 && close(TAKE_FD(fd)) < 0)
		r = cta_negerrno();
	if (r < 0) {
		(void)unlink(tmp);
		return r;
	}
	*ret_tmp = TAKE_PTR(tmp);
	return 0;
}

static int commit_temp(const char *tmp, const char *full)
{
	if (rename(tmp, full) < 0) {
		int r = cta_negerrno();

		(void)unlink(tmp);
		return r;
	}
	return cta_fsync_parent(full);
}

/* ctaudit's rule set: plan's entries (family 0) go to both legacy families. */
static int set_rules(enum cta_plan_backend b, int family, const struct cta_plan_ports *ps)
{
	if (b == CTA_PLAN_BACKEND_LEGACY)
		return cta_iptc_set_notrack(family, ps->v, ps->n);
	return cta_nft_set_notrack(ps->v, ps->n);
}

static int ports_copy(struct cta_plan_ports *dst, const struct cta_plan_ports *src)
{
	dst->v = calloc(src->n + 1, sizeof(*dst->v));
	if (!dst->v)
		return -ENOMEM;
	if (src->n)
		memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = src->n;
	return 0;
}

static char *now_utc(void)
{
	char buf[32];
	time_t now = time(NULL);
	struct tm tm;

	if (!gmtime_r(&now, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return strdup(buf);
}

static int restore_file(const struct cta_journal *j, const struct cta_journal_file *f,
			const char *root)
{
	_cleanup_free_ char *full = cta_path_join(root, f->path), *dir = NULL, *bpath = NULL,
			    *bytes = NULL;
	ssize_t n;

	if (!full)
		return -ENOMEM;
	clean_temps(full);
	if (!f->existed) {
		if (unlink(full) < 0) {
			if (errno == ENOENT)
				return 0;
			return cta_negerrno();
		}
		return cta_fsync_parent(full);
	}
	dir = cta_journal_dir(root, j->id);
	if (!dir || asprintf(&bpath, "%s/%s", dir, f->backup) < 0)
		return -ENOMEM;
	n = cta_read_file(bpath, 0, &bytes);
	if (n < 0)
		return (int)n;
	return cta_write_file_atomic(full, bytes, (size_t)n, f->mode);
}

/* Undo: rules, runtime values, files - the reverse of apply's order. */
static int undo(struct cta_journal *j, const struct cta_apply_opts *o, size_t files_done,
		size_t sysctls_done, unsigned rules_done, char **ret_error)
{
	int r, ret = 0;

	if (j->rules_changed && rules_done) {
		if (j->backend == CTA_PLAN_BACKEND_LEGACY) {
			if (rules_done >= 2 &&
			    (r = set_rules(j->backend, AF_INET6, &j->prev_v6)) < 0)
				ret = set_error(ret_error, r,
						"cannot restore the IPv6 NOTRACK rules: %s",
						CTA_STRERROR(-r));
			if ((r = set_rules(j->backend, AF_INET, &j->prev_v4)) < 0)
				ret = set_error(ret_error, r,
						"cannot restore the IPv4 NOTRACK rules: %s",
						CTA_STRERROR(-r));
		} else if ((r = set_rules(j->backend, AF_INET, &j->prev_nft)) < 0)
			ret = set_error(ret_error, r, "cannot restore table inet ctaudit: %s",
					CTA_STRERROR(-r));
	}
	for (size_t i = sysctls_done; i-- > 0;) {
		r = cta_sysctl_write(o->procfs, j->sysctls[i].key, j->sysctls[i].previous);
		if (r < 0) {
			ret = set_error(ret_error, r, "cannot restore %s to '%s': %s",
					j->sysctls[i].key, j->sysctls[i].previous,
					CTA_STRERROR(-r));
		}
	}
	for (size_t i = files_done; i-- > 0;) {
		r = restore_file(j, &j->files[i], o->root);
		if (r < 0)
			ret = set_error(ret_error, r, "cannot restore '%s': %s", j->files[i].path,
					CTA_STRERROR(-r));
	}
	/* directories the apply created, if it got as far as files; deepest first */
	for (size_t i = 0; files_done && i < j->n_dirs; i++) {
		_cleanup_free_ char *full = cta_path_join(o->root, j->dirs[i]);

		if (!full)
			return -ENOMEM;
		if (rmdir(full) < 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
			ret = set_error(ret_error, cta_negerrno(), "cannot remove '%s': %s",
					j->dirs[i], CTA_STRERROR(errno));
	}
	return ret;
}

static int longer_first(const void *a, const void *b)
{
	size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Parents of @path that do not exist yet, deepest first, unless already noted. */
static int note_new_dirs(struct cta_journal *j, const char *root, const char *path)
{
	_cleanup_free_ char *d = strdup(path);
	char *slash;

	if (!d)
		return -ENOMEM;
	while ((slash = strrchr(d, '/')) && slash != d) {
		_cleanup_free_ char *full = NULL;
		struct stat st;
		char **nv;
		bool have = false;

		*slash = 0;
		full = cta_path_join(root, d);
		if (!full)
			return -ENOMEM;
		if (lstat(full, &st) == 0)
			break;
		for (size_t i = 0; i < j->n_dirs; i++)
			have |= streq(j->dirs[i], d);
		if (have)
			continue;
		nv = realloc(j->dirs, (j->n_dirs + 2) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		j->dirs = nv;
		if (!(j->dirs[j->n_dirs] = strdup(d)))
			return -ENOMEM;
		j->n_dirs++;
	}
	return 0;
}

/* Journal content for @p, with previous bytes and values read now. */
static int journal_prepare(const struct cta_plan *p, const struct cta_apply_opts *o,
			   struct cta_journal *j, char **ret_error)
{
	_cleanup_free_ char *dir = cta_journal_dir(o->root, j->id);
	int r;

	if (!dir)
		return -ENOMEM;
	j->files = calloc(p->n_files + 1, sizeof(*j->files));
	j->sysctls = calloc(p->n_sysctls + 1, sizeof(*j->sysctls));
	if (!j->files || !j->sysctls)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_files; i++) {
		const struct cta_plan_file *pf = &p->files[i];
		struct cta_journal_file *f = &j->files[j->n_files++];
		_cleanup_free_ char *full = cta_path_join(o->root, pf->path), *bytes = NULL,
				    *bpath = NULL;
		struct stat st;
		ssize_t n;

		if (!full || !(f->path = strdup(pf->path)))
			return -ENOMEM;
		f->mode = pf->mode;
		if (lstat(full, &st) < 0) {
			if (errno != ENOENT)
				return set_error(ret_error, -errno, "cannot read '%s': %s",
						 pf->path, CTA_STRERROR(errno));
			if (pf->old)
				return set_error(ret_error, -ESTALE,
						 "'%s' disappeared since it was read", pf->path);
			r = note_new_dirs(j, o->root, pf->path);
			if (r < 0)
				return r;
			continue;
		}
		if (!S_ISREG(st.st_mode))
			return set_error(ret_error, -EINVAL, "'%s' is not a regular file",
					 pf->path);
		n = cta_read_file(full, 0, &bytes);
		if (n < 0)
			return set_error(ret_error, (int)n, "cannot read '%s': %s", pf->path,
					 CTA_STRERROR((int)-n));
		if (!pf->old || !streq(pf->old, bytes))
			return set_error(ret_error, -ESTALE,
					 "'%s' changed since it was read; run plan again",
					 pf->path);
		f->existed = true;
		f->mode = st.st_mode & 07777;
		if (asprintf(&f->backup, "files/%zu", i) < 0 ||
		    asprintf(&bpath, "%s/%s", dir, f->backup) < 0)
			return -ENOMEM;
		r = cta_write_file_atomic(bpath, bytes, (size_t)n, 0600);
		if (r < 0)
			return set_error(ret_error, r, "cannot write the journal: %s",
					 CTA_STRERROR(-r));
		cta_apply_step();
	}
	for (size_t i = 0; !o->offline && i < p->n_sysctls; i++) {
		const struct cta_plan_sysctl *s = &p->sysctls[i];
		struct cta_journal_sysctl *js;

		if (s->runtime != CTA_PLAN_RT_SET)
			continue;
		js = &j->sysctls[j->n_sysctls++];
		if (!(js->key = strdup(s->key)) || !(js->value = strdup(s->value)))
			return -ENOMEM;
		/* a key the kernel made read-only here (a global key in a child
		 * netns) is refused before anything changes, not undone after */
		{
			_cleanup_free_ char *path = NULL;
			struct stat st;

			r = cta_sysctl_key_proc_path(o->procfs, s->key, &path);
			if (r < 0) {
				return set_error(ret_error, r, "invalid sysctl key '%s'", s->key);
			}
			if (stat(path, &st) == 0 && !(st.st_mode & 0222)) {
				return set_error(
					ret_error, -EROFS,
					"%s is read-only in this network namespace: it must be "
					"set on the host",
					s->key);
			}
		}
		r = cta_sysctl_read(o->procfs, s->key, 0, &js->previous);
		if (r < 0) {
			return set_error(ret_error, r, "cannot read %s: %s", s->key,
					 CTA_STRERROR(-r));
		}
	}
	if (j->n_dirs > 1)
		qsort(j->dirs, j->n_dirs, sizeof(*j->dirs), longer_first);
	j->backend = p->notrack.backend;
	j->rules_changed = !o->offline && cta_plan_notrack_changes(p);
	if (ports_copy(&j->prev_v4, &p->notrack.cur_v4) < 0 ||
	    ports_copy(&j->prev_v6, &p->notrack.cur_v6) < 0 ||
	    ports_copy(&j->prev_nft, &p->notrack.cur_nft) < 0 ||
	    ports_copy(&j->rules, &p->notrack.want) < 0)
		return -ENOMEM;
	return 0;
}

int cta_apply_run(const struct cta_plan *p, const struct cta_apply_opts *o, char **ret_id,
		  char **ret_error)
{
	_cleanup_(cta_journal_freep) struct cta_journal *j = NULL;
	_cleanup_free_ char *tmp = NULL;
	size_t files_done = 0, sysctls_done = 0;
	unsigned rules_done = 0;
	int r;

	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->state = CTA_JOURNAL_PREPARED;
	j->created_at = now_utc();
	j->profile = strdup(p->profile);
	if (!j->created_at || !j->profile || (o->netns && !(j->netns = strdup(o->netns))))
		return -ENOMEM;
	r = cta_journal_create(o->root, &j->id);
	if (r < 0) {
		return set_error(ret_error, r, "cannot create the journal below '%s': %s",
				 o->root ? o->root : "/", CTA_STRERROR(-r));
	}
	*ret_id = strdup(j->id);
	r = journal_prepare(p, o, j, ret_error);
	if (r < 0) {
		/* nothing was changed: the journal records a failed apply */
		j->state = CTA_JOURNAL_FAILED;
		(void)cta_journal_save(o->root, j);
		return r;
	}
	/* the point of no return: from here every change can be undone */
	r = cta_journal_save(o->root, j);
	if (r < 0) {
		return set_error(ret_error, r, "cannot write the journal: %s", CTA_STRERROR(-r));
	}
	cta_apply_step();

	for (; files_done < p->n_files; files_done++) {
		const struct cta_plan_file *pf = &p->files[files_done];
		_cleanup_free_ char *full = cta_path_join(o->root, pf->path);

		if (!full) {
			r = -ENOMEM;
			goto fail;
		}
		clean_temps(full);
		r = write_temp(full, pf->new, j->files[files_done].mode, &tmp);
		if (r < 0) {
			set_error(ret_error, r, "cannot write '%s': %s", pf->path,
				  CTA_STRERROR(-r));
			goto fail;
		}
		cta_apply_step();
		r = commit_temp(tmp, full);
		tmp = (free(tmp), NULL);
		if (r < 0) {
			set_error(ret_error, r, "cannot replace '%s': %s", pf->path,
				  CTA_STRERROR(-r));
			goto fail;
		}
		cta_apply_step();
	}
	for (; sysctls_done < j->n_sysctls; sysctls_done++) {
		const struct cta_journal_sysctl *s = &j->sysctls[sysctls_done];

		r = cta_sysctl_write(o->procfs, s->key, s->value);
		if (r < 0) {
			set_error(ret_error, r, "the kernel refused %s = '%s': %s", s->key,
				  s->value, CTA_STRERROR(-r));
			/* a refused write changed nothing, but restore it anyway */
			sysctls_done++;
			goto fail;
		}
		cta_apply_step();
	}
	if (j->rules_changed) {
		if (j->backend == CTA_PLAN_BACKEND_LEGACY) {
			r = set_rules(j->backend, AF_INET, &j->rules);
			if (r < 0) {
				set_error(ret_error, r, "cannot install the IPv4 NOTRACK rules: %s",
					  CTA_STRERROR(-r));
				goto fail;
			}
			rules_done = 1;
			cta_apply_step();
			r = set_rules(j->backend, AF_INET6, &j->rules);
			if (r < 0) {
				set_error(ret_error, r, "cannot install the IPv6 NOTRACK rules: %s",
					  CTA_STRERROR(-r));
				goto fail;
			}
			rules_done = 2;
		} else {
			r = set_rules(j->backend, AF_INET, &j->rules);
			if (r < 0) {
				set_error(ret_error, r, "cannot install table inet ctaudit: %s",
					  CTA_STRERROR(-r));
				goto fail;
			}
			rules_done = 1;
		}
		cta_apply_step();
	}
	j->state = CTA_JOURNAL_APPLIED;
	r = cta_journal_save(o->root, j);
	if (r < 0) {
		set_error(ret_error, r, "cannot mark the journal applied: %s", CTA_STRERROR(-r));
		goto fail;
	}
	cta_apply_step();
	return 0;

fail:
	if (undo(j, o, files_done, sysctls_done, rules_done, ret_error) < 0)
		set_error(ret_error, r, "the host may be half-changed: run 'ctaudit rollback %s'",
			  j->id);
	else
		set_error(ret_error, r, "every change was undone");
	j->state = CTA_JOURNAL_FAILED;
	free(j->error);
	j->error = *ret_error ? strdup(*ret_error) : NULL;
	(void)cta_journal_save(o->root, j);
	return r;
}

int cta_apply_rollback(struct cta_journal *j, const struct cta_apply_opts *o, char **ret_error)
{
	int r;

	/* everything, whatever was done: each step is idempotent */
	r = undo(j, o, j->n_files, o->offline ? 0 : j->n_sysctls,
		 o->offline || !j->rules_changed ? 0 : 2, ret_error);
	if (r < 0)
		return r;
	j->state = CTA_JOURNAL_ROLLED_BACK;
	r = cta_journal_save(o->root, j);
	if (r < 0)
		set_error(ret_error, r, "cannot mark the journal rolled back: %s",
			  CTA_STRERROR(-r));
	return r;
}
