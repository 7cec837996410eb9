// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "apply/allow.h"
#include "apply/apply.h"
#include "apply/journal.h"
#include "nf/firewall.h"
#include "util/fileio.h"
#include "util/rootfs.h"
#include "util/macro.h"
#include "util/sysctl.h"
#include "util/banned.h"

#define TEMP_TAG ".ctaudit-"
/* The initial network namespace's inode on kernels with fixed proc inodes (include/linux/proc_ns.h). */
#define NET_NS_INIT_INO 0xEFFFFFF9U

#ifdef CTA_FAULT_HOOK
void cta_apply_step(void)
{
	static unsigned steps;
	const char *e = getenv("CTAUDIT_FAULT_AFTER");
	uint64_t n;

	steps++;
	if (e && cta_parse_u64(e, &n) == 0 && n == steps)
		raise(SIGKILL);
}
#else
void cta_apply_step(void)
{
}
#endif

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

/* "is not owned by root" for a trust error, else the errno text. */
static const char *why_text(int r, char buf[static CTA_STRERROR_MAX])
{
	const char *t = cta_journal_trust_strerror(r);

	return t ? t : cta_strerror(r, buf);
}
#define WHY(r) why_text((r), (char[CTA_STRERROR_MAX]){ 0 })

bool cta_apply_refused(int r)
{
	return r == -CTA_EREFUSED;
}

/* Boot-time files are left alone when only runtime values may change. */
static size_t files_of(const struct cta_plan *p, const struct cta_apply_opts *o)
{
	return o->runtime_only ? 0 : p->n_files;
}

int cta_apply_lock(const char *root, char **ret_error)
{
	_cleanup_close_ int rootfd = -EBADF, dfd = -EBADF, fd = -EBADF;
	struct stat st;
	int r;

	rootfd = cta_root_open(root);
	if (rootfd < 0)
		return set_error(ret_error, rootfd, "cannot open the root '%s': %s",
				 root ? root : "/", CTA_STRERROR(rootfd));
	dfd = cta_root_open_dir(rootfd, "/run", CTA_ROOT_MKDIR, 0755);
	if (dfd < 0)
		return set_error(ret_error, dfd, "cannot open '/run' below the root: %s", WHY(dfd));
	r = cta_fd_check_trusted(dfd, (uid_t)-1);
	if (r < 0)
		return set_error(ret_error, -CTA_EREFUSED,
				 "refusing the lock directory '/run': it %s", WHY(r));
	fd = openat(dfd, "ctaudit.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		    0600);
	if (fd < 0) {
		r = cta_negerrno();
		return set_error(ret_error, r == -ELOOP ? -CTA_EREFUSED : r,
				 "refusing the lock '/run/ctaudit.lock': %s",
				 r == -ELOOP ? "it is a symlink" : CTA_STRERROR(r));
	}
	if (fstat(fd, &st) < 0)
		return cta_negerrno();
	if (!S_ISREG(st.st_mode) || st.st_uid != 0)
		return set_error(
			ret_error, -CTA_EREFUSED,
			"refusing the lock '/run/ctaudit.lock': not a regular file of root's");
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : cta_negerrno();
		if (r == -EBUSY)
			return set_error(ret_error, r,
					 "another ctaudit apply or rollback is running (lock "
					 "'/run/ctaudit.lock')");
		return set_error(ret_error, r, "cannot take the lock '/run/ctaudit.lock': %s",
				 CTA_STRERROR(r));
	}
	return TAKE_FD(fd);
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

int cta_apply_target(const struct cta_apply_opts *o, struct cta_journal_target *ret)
{
	_cleanup_free_ char *self = NULL, *init = NULL, *root = NULL;
	const char *procfs = o->procfs ? o->procfs : "/proc";
	struct stat st_self, st_init;
	struct utsname u;

	root = realpath(o->root && *o->root ? o->root : "/", NULL);
	if (!root)
		return cta_negerrno();
	if (uname(&u) < 0)
		return cta_negerrno();
	*ret = (struct cta_journal_target){ 0 };
	if (!o->offline) {
		if (asprintf(&self, "%s/self/ns/net", procfs) < 0 ||
		    asprintf(&init, "%s/1/ns/net", procfs) < 0)
			return -ENOMEM;
		if (stat(self, &st_self) < 0)
			return cta_negerrno();
		ret->netns_inode = st_self.st_ino;
		ret->netns_initial = stat(init, &st_init) == 0 ?
					     st_self.st_dev == st_init.st_dev &&
						     st_self.st_ino == st_init.st_ino :
					     st_self.st_ino == NET_NS_INIT_INO;
	}
	ret->root = TAKE_PTR(root);
	ret->hostname = strdup(u.nodename);
	return ret->hostname ? 0 : -ENOMEM;
}

int cta_apply_check_target(const struct cta_journal_target *was,
			   const struct cta_journal_target *now, char **ret_error)
{
	if (!was->root || !now->root || !streq(was->root, now->root))
		return set_error(ret_error, -CTA_EREFUSED,
				 "the journal is for the root '%s', not '%s'",
				 was->root ? was->root : "?", now->root ? now->root : "?");
	if (!was->hostname || !now->hostname || !streq(was->hostname, now->hostname))
		return set_error(ret_error, -CTA_EREFUSED,
				 "the journal is for the host '%s', not '%s'",
				 was->hostname ? was->hostname : "?",
				 now->hostname ? now->hostname : "?");
	/* inode 0: an --offline apply changed files only */
	if (was->netns_inode &&
	    (was->netns_inode != now->netns_inode || was->netns_initial != now->netns_initial))
		return set_error(ret_error, -CTA_EREFUSED,
				 "the journal is for the %s network namespace %" PRIu64
				 ", this is the %s namespace %" PRIu64
				 " (use --netns or --netns-pid to name it)",
				 was->netns_initial ? "initial" : "child", was->netns_inode,
				 now->netns_initial ? "initial" : "child", now->netns_inode);
	return 0;
}

/* Remove temporaries an interrupted apply left next to @base in @dfd (never *.conf). */
static void clean_temps(int dfd, const char *base)
{
	_cleanup_free_ char *prefix = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd;

	if (asprintf(&prefix, "%s" TEMP_TAG, base) < 0)
		return;
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (strneq(de->d_name, prefix, strlen(prefix)) &&
		    strlen(de->d_name) == strlen(prefix) + 6)
			(void)unlinkat(dfd, de->d_name, 0);
	}
}

/*
 * The directory of host path @path below the root, opened in the root now,
 * and checked: owned by root, not writable by group or others.  Its name in
 * @ret_base.  @create: make missing directories (0755).
 */
static int open_parent(const struct cta_apply_opts *o, const char *path, bool create,
		       char **ret_base, char **ret_error)
{
	_cleanup_free_ char *dir = NULL, *base = NULL;
	_cleanup_close_ int rootfd = -EBADF, dfd = -EBADF;
	int r;

	r = cta_path_split(path, &dir, &base);
	if (r < 0)
		return set_error(ret_error, r, "'%s' is not a file path", path);
	rootfd = cta_root_open(o->root);
	if (rootfd < 0)
		return set_error(ret_error, rootfd, "cannot open the root '%s': %s",
				 o->root ? o->root : "/", CTA_STRERROR(rootfd));
	dfd = cta_root_open_dir(rootfd, dir, create ? CTA_ROOT_MKDIR : 0, 0755);
	if (dfd < 0) {
		if (dfd == -ENOENT)
			return dfd;
		set_error(ret_error, 0, "cannot open '%s': %s", dir, CTA_STRERROR(dfd));
		return dfd == -ELOOP || dfd == -ENOTDIR || dfd == -EXDEV ? -CTA_EREFUSED : dfd;
	}
	r = cta_fd_check_trusted(dfd, (uid_t)-1);
	if (r < 0)
		return set_error(ret_error, -CTA_EREFUSED, "refusing to write into '%s': it %s",
				 dir, WHY(r));
	*ret_base = TAKE_PTR(base);
	return TAKE_FD(dfd);
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
			const struct cta_apply_opts *o, char **ret_error)
{
	_cleanup_free_ char *base = NULL, *bytes = NULL;
	_cleanup_close_ int dfd = -EBADF;
	ssize_t n;

	dfd = open_parent(o, f->path, f->existed, &base, ret_error);
	if (dfd == -ENOENT && !f->existed)
		return 0;
	if (dfd < 0)
		return dfd;
	clean_temps(dfd, base);
	if (!f->existed) {
		/* removes a symlink put there since, never what it points to */
		if (unlinkat(dfd, base, 0) < 0)
			return errno == ENOENT ? 0 : cta_negerrno();
		return fsync(dfd) < 0 ? cta_negerrno() : 0;
	}
	n = cta_journal_get(o->root, j->id, f->backup, &bytes);
	if (n < 0)
		return set_error(ret_error, (int)n, "cannot read the saved bytes of '%s': %s",
				 f->path, CTA_STRERROR((int)n));
	return cta_write_at_atomic(dfd, base, bytes, (size_t)n, f->mode, f->uid, f->gid);
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
		if (r < 0)
			ret = set_error(ret_error, r, "cannot restore %s to '%s': %s",
					j->sysctls[i].key, j->sysctls[i].previous,
					CTA_STRERROR(-r));
	}
	for (size_t i = files_done; i-- > 0;) {
		_cleanup_free_ char *err = NULL;

		r = restore_file(j, &j->files[i], o, &err);
		if (r < 0)
			ret = set_error(ret_error, r, "cannot restore '%s': %s", j->files[i].path,
					err ? err : CTA_STRERROR(-r));
	}
	/* directories the apply created, if it got as far as files; deepest first */
	for (size_t i = 0; files_done && i < j->n_dirs; i++) {
		_cleanup_free_ char *base = NULL, *err = NULL;
		_cleanup_close_ int dfd = open_parent(o, j->dirs[i], false, &base, &err);

		if (dfd == -ENOENT)
			continue;
		if (dfd < 0) {
			ret = set_error(ret_error, dfd, "%s", err ? err : CTA_STRERROR(dfd));
			continue;
		}
		if (unlinkat(dfd, base, AT_REMOVEDIR) < 0 && errno != ENOENT &&
		    errno != ENOTEMPTY && errno != EEXIST) {
			r = cta_negerrno();
			ret = set_error(ret_error, r, "cannot remove '%s': %s", j->dirs[i],
					CTA_STRERROR(r));
		}
	}
	return ret;
}

static int longer_first(const void *a, const void *b)
{
	size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Parents of @path that do not exist yet, deepest first, unless already noted. */
static int note_new_dirs(struct cta_journal *j, const struct cta_apply_opts *o, const char *path)
{
	_cleanup_free_ char *d = strdup(path);
	_cleanup_close_ int rootfd = cta_root_open(o->root);
	char *slash;

	if (!d)
		return -ENOMEM;
	if (rootfd < 0)
		return rootfd;
	while ((slash = strrchr(d, '/')) && slash != d) {
		char **nv;
		bool have = false;

		*slash = 0;
		if (cta_root_exists(rootfd, d))
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

static bool written_by_ctaudit(const char *text)
{
	return text && strneq(text, "# Written by ctaudit", 20);
}

int cta_apply_check_plan(const struct cta_plan *p, const struct cta_apply_opts *o, char **ret_error)
{
	_cleanup_free_ char *why = NULL;
	int r;

	for (size_t i = 0; i < files_of(p, o); i++) {
		const struct cta_plan_file *pf = &p->files[i];
		_cleanup_free_ char *norm = NULL;

		r = cta_path_normalize(pf->path, &norm);
		if (r < 0 || !streq(norm, pf->path))
			return set_error(ret_error, -CTA_EREFUSED,
					 "refusing to write '%s': not a normalised path", pf->path);
		/* ours is written where it is named, never through a symlink */
		if (streq(pf->kind, "sysctl") && p->sysctl_file && !streq(p->sysctl_file, pf->path))
			return set_error(ret_error, -CTA_EREFUSED,
					 "refusing to write '%s': it is a symlink (to '%s')",
					 p->sysctl_file, pf->path);
		r = cta_allow_file(pf->kind, pf->path, &why);
		if (r < 0)
			return set_error(ret_error, -CTA_EREFUSED, "refusing to write '%s': %s",
					 pf->path, why ? why : "not allowed");
		if (streq(pf->kind, "sysctl")) {
			if (pf->old && !written_by_ctaudit(pf->old) && !o->adopt_sysctl_file)
				return set_error(ret_error, -CTA_EREFUSED,
						 "refusing to replace '%s': ctaudit did not write "
						 "it (--adopt-sysctl-file replaces it)",
						 pf->path);
		}
		if (strlen(pf->new) > (1u << 20))
			return set_error(ret_error, -CTA_EREFUSED,
					 "refusing to write '%s': too large", pf->path);
	}
	for (size_t i = 0; i < p->n_sysctls; i++) {
		const struct cta_plan_sysctl *s = &p->sysctls[i];

		if ((!s->in_file || o->runtime_only) && s->runtime != CTA_PLAN_RT_SET)
			continue;
		r = cta_allow_sysctl(s->key, s->value, &why);
		if (r < 0)
			return set_error(ret_error, -CTA_EREFUSED, "refusing %s: %s", s->key,
					 why ? why : "not allowed");
	}
	r = cta_allow_ports(&p->notrack.want, o->all_ports, &why);
	if (r < 0)
		return set_error(ret_error, -CTA_EREFUSED, "refusing the NOTRACK rules: %s",
				 why ? why : "not allowed");
	return 0;
}

/* A journal path is one ctaudit could have written. */
static bool journal_path_ok(const char *path)
{
	static const char *const kinds[] = { "override", "iptables-persistent", "nftables",
					     "notrack-unit" };

	for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
		_cleanup_free_ char *why = NULL;

		if (cta_allow_file(kinds[i], path, &why) == 0)
			return true;
	}
	return false;
}

int cta_apply_check_journal(const struct cta_journal *j, const struct cta_apply_opts *o,
			    char **ret_error)
{
	_cleanup_free_ char *why = NULL;
	int r;

	for (size_t i = 0; i < j->n_files; i++) {
		const struct cta_journal_file *f = &j->files[i];

		if (!journal_path_ok(f->path))
			return set_error(ret_error, -CTA_EREFUSED,
					 "journal '%s': ctaudit never writes '%s'", j->id, f->path);
		if (cta_allow_mode(f->mode, &why) < 0)
			return set_error(ret_error, -CTA_EREFUSED, "journal '%s': '%s': %s", j->id,
					 f->path, why);
	}
	for (size_t i = 0; i < j->n_dirs; i++) {
		bool parent = false;

		for (size_t k = 0; k < j->n_files; k++)
			parent |= strneq(j->files[k].path, j->dirs[i], strlen(j->dirs[i])) &&
				  j->files[k].path[strlen(j->dirs[i])] == '/';
		if (!parent || strstr(j->dirs[i], "/../") || strstr(j->dirs[i], "/./"))
			return set_error(ret_error, -CTA_EREFUSED,
					 "journal '%s': '%s' is no directory of its files", j->id,
					 j->dirs[i]);
	}
	for (size_t i = 0; i < j->n_sysctls; i++) {
		const struct cta_journal_sysctl *s = &j->sysctls[i];

		if ((r = cta_allow_sysctl(s->key, s->value, &why)) < 0 ||
		    (r = cta_allow_sysctl(s->key, s->previous, &why)) < 0)
			return set_error(ret_error, -CTA_EREFUSED, "journal '%s': %s", j->id, why);
	}
	if ((r = cta_allow_ports(&j->prev_v4, true, &why)) < 0 ||
	    (r = cta_allow_ports(&j->prev_v6, true, &why)) < 0 ||
	    (r = cta_allow_ports(&j->prev_nft, true, &why)) < 0)
		return set_error(ret_error, -CTA_EREFUSED, "journal '%s': %s", j->id, why);
	return 0;
}

/* Journal content for @p, with previous bytes and values read now. */
static int journal_prepare(const struct cta_plan *p, const struct cta_apply_opts *o,
			   struct cta_journal *j, char **ret_error)
{
	int r;

	j->files = calloc(p->n_files + 1, sizeof(*j->files));
	j->sysctls = calloc(p->n_sysctls + 1, sizeof(*j->sysctls));
	if (!j->files || !j->sysctls)
		return -ENOMEM;
	for (size_t i = 0; i < files_of(p, o); i++) {
		const struct cta_plan_file *pf = &p->files[i];
		struct cta_journal_file *f = &j->files[j->n_files++];
		_cleanup_free_ char *base = NULL, *bytes = NULL;
		_cleanup_close_ int dfd = -EBADF;
		struct stat st;
		ssize_t n;

		if (!(f->path = strdup(pf->path)) || asprintf(&f->written, "files/%zu.new", i) < 0)
			return -ENOMEM;
		f->mode = pf->mode & 0755;
		r = cta_journal_put(o->root, j->id, f->written, pf->new, strlen(pf->new));
		if (r < 0)
			return set_error(ret_error, r, "cannot write the journal: %s",
					 CTA_STRERROR(r));
		dfd = open_parent(o, pf->path, false, &base, ret_error);
		if (dfd < 0 && dfd != -ENOENT)
			return dfd;
		n = dfd < 0 ? -ENOENT : cta_read_at(dfd, base, 0, &bytes, &st);
		if (n == -ENOENT) {
			if (pf->old)
				return set_error(ret_error, -ESTALE,
						 "'%s' disappeared since it was read", pf->path);
			r = note_new_dirs(j, o, pf->path);
			if (r < 0)
				return r;
			continue;
		}
		if (n < 0)
			return set_error(ret_error,
					 n == -ELOOP || n == -CTA_ENOTREG || n == -EFBIG ?
						 -CTA_EREFUSED :
						 (int)n,
					 "refusing to replace '%s': %s", pf->path,
					 n == -ELOOP ? "it is a symlink" : CTA_STRERROR((int)n));
		if (!pf->old || !streq(pf->old, bytes))
			return set_error(ret_error, -ESTALE,
					 "'%s' changed since it was read; run plan again",
					 pf->path);
		f->existed = true;
		f->mode = st.st_mode & 0777;
		f->uid = st.st_uid;
		f->gid = st.st_gid;
		if (asprintf(&f->backup, "files/%zu", i) < 0)
			return -ENOMEM;
		r = cta_journal_put(o->root, j->id, f->backup, bytes, (size_t)n);
		if (r < 0)
			return set_error(ret_error, r, "cannot write the journal: %s",
					 CTA_STRERROR(r));
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
			if (r < 0)
				return set_error(ret_error, r, "invalid sysctl key '%s'", s->key);
			if (stat(path, &st) == 0 && !(st.st_mode & 0222))
				return set_error(
					ret_error, -EROFS,
					"%s is read-only in this network namespace: it must "
					"be set on the host",
					s->key);
		}
		r = cta_sysctl_read(o->procfs, s->key, 0, &js->previous);
		if (r < 0)
			return set_error(ret_error, r, "cannot read %s: %s", s->key,
					 CTA_STRERROR(-r));
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

/* Write one planned file: a temporary in the directory opened now, then rename. */
static int write_planned(const struct cta_plan_file *pf, const struct cta_journal_file *f,
			 const struct cta_apply_opts *o, char **ret_error)
{
	_cleanup_free_ char *base = NULL;
	_cleanup_close_ int dfd = -EBADF;
	int r;

	dfd = open_parent(o, pf->path, true, &base, ret_error);
	if (dfd < 0)
		return dfd;
	clean_temps(dfd, base);
	r = cta_write_at_atomic(dfd, base, pf->new, strlen(pf->new), f->mode & 0755,
				f->existed ? f->uid : 0, f->existed ? f->gid : 0);
	if (r < 0)
		set_error(ret_error, 0, "cannot write '%s': %s", pf->path,
			  r == -ELOOP ? "it is a symlink now" : CTA_STRERROR(r));
	return r == -ELOOP || r == -CTA_ENOTREG ? -CTA_EREFUSED : r;
}

int cta_apply_run(const struct cta_plan *p, const struct cta_apply_opts *o, char **ret_id,
		  char **ret_error)
{
	_cleanup_(cta_journal_freep) struct cta_journal *j = NULL;
	size_t files_done = 0, sysctls_done = 0;
	unsigned rules_done = 0;
	int r;

	r = cta_apply_check_plan(p, o, ret_error);
	if (r < 0)
		return r;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->state = CTA_JOURNAL_PREPARED;
	j->created_at = now_utc();
	j->profile = strdup(p->profile);
	if (!j->created_at || !j->profile || (o->netns && !(j->netns = strdup(o->netns))))
		return -ENOMEM;
	r = cta_apply_target(o, &j->target);
	if (r < 0)
		return set_error(ret_error, r, "cannot tell which host and namespace this is: %s",
				 CTA_STRERROR(r));
	r = cta_journal_create(o->root, &j->id);
	if (r < 0) {
		set_error(ret_error, 0, "cannot create the journal in '%s%s': it %s",
			  o->root ? o->root : "", CTA_JOURNAL_DIR, WHY(r));
		return cta_journal_trust_strerror(r) ? -CTA_EREFUSED : r;
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
		set_error(ret_error, 0, "cannot write the journal: %s", CTA_STRERROR(-r));
		return r;
	}
	cta_apply_step();

	for (; files_done < files_of(p, o); files_done++) {
		r = write_planned(&p->files[files_done], &j->files[files_done], o, ret_error);
		if (r < 0)
			goto fail;
		cta_apply_step();
		cta_apply_step();
	}
	for (; sysctls_done < j->n_sysctls; sysctls_done++) {
		const struct cta_journal_sysctl *s = &j->sysctls[sysctls_done];

		r = cta_sysctl_write(o->procfs, s->key, s->value);
		if (r < 0) {
			set_error(ret_error, 0, "the kernel refused %s = '%s': %s", s->key,
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
				set_error(ret_error, 0, "cannot install the IPv4 NOTRACK rules: %s",
					  CTA_STRERROR(-r));
				goto fail;
			}
			rules_done = 1;
			cta_apply_step();
			r = set_rules(j->backend, AF_INET6, &j->rules);
			if (r < 0) {
				set_error(ret_error, 0, "cannot install the IPv6 NOTRACK rules: %s",
					  CTA_STRERROR(-r));
				goto fail;
			}
			rules_done = 2;
		} else {
			r = set_rules(j->backend, AF_INET, &j->rules);
			if (r < 0) {
				set_error(ret_error, 0, "cannot install table inet ctaudit: %s",
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
		set_error(ret_error, 0, "cannot mark the journal applied: %s", CTA_STRERROR(-r));
		goto fail;
	}
	cta_apply_step();
	return 0;

fail:
	/*
	 * Only an apply whose every step was undone is "failed": rollback
	 * skips those.  Otherwise the journal stays "prepared", so that the
	 * rollback the message asks for (and the next apply's refusal) sees it.
	 */
	if (undo(j, o, files_done, sysctls_done, rules_done, ret_error) < 0) {
		set_error(ret_error, 0, "the host may be half-changed: run 'ctaudit rollback %s'",
			  j->id);
	} else {
		set_error(ret_error, 0, "every change was undone");
		j->state = CTA_JOURNAL_FAILED;
	}
	free(j->error);
	j->error = *ret_error ? strdup(*ret_error) : NULL;
	(void)cta_journal_save(o->root, j);
	return r;
}

int cta_apply_drift(const struct cta_journal *j, const struct cta_apply_opts *o, char ***ret)
{
	_cleanup_(cta_strv_freep) char **v = calloc(j->n_files + j->n_sysctls + 1, sizeof(char *));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < j->n_files; i++) {
		const struct cta_journal_file *f = &j->files[i];
		_cleanup_free_ char *base = NULL, *now = NULL, *wrote = NULL, *was = NULL,
				    *err = NULL;
		_cleanup_close_ int dfd = open_parent(o, f->path, false, &base, &err);
		ssize_t k = dfd < 0 ? dfd : cta_read_at(dfd, base, 0, &now, NULL);
		const char *what = NULL;

		if (!f->written) /* a journal of an older ctaudit */
			continue;
		if (cta_journal_get(o->root, j->id, f->written, &wrote) < 0)
			what = "its bytes as written are not in the journal";
		else if (k == -ENOENT)
			what = f->existed ? "was removed" : NULL;
		else if (k < 0)
			what = "cannot be read";
		else if (!streq(now, wrote)) {
			/* an interrupted apply may not have got to it: its old bytes are fine */
			if (f->existed && cta_journal_get(o->root, j->id, f->backup, &was) >= 0 &&
			    streq(now, was))
				continue;
			if (!f->existed && j->state == CTA_JOURNAL_PREPARED)
				continue;
			what = "was changed";
		}
		if (what && asprintf(&v[n++], "'%s' %s since the apply", f->path, what) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; !o->offline && i < j->n_sysctls; i++) {
		const struct cta_journal_sysctl *s = &j->sysctls[i];
		_cleanup_free_ char *now = NULL;

		if (cta_sysctl_read(o->procfs, s->key, 0, &now) < 0)
			continue;
		if (streq(now, s->value) || streq(now, s->previous))
			continue;
		if (asprintf(&v[n++], "%s is '%s', the apply set '%s'", s->key, now, s->value) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(v);
	return (int)n;
}

int cta_apply_rollback(struct cta_journal *j, const struct cta_apply_opts *o, char **ret_error)
{
	int r;

	r = cta_apply_check_journal(j, o, ret_error);
	if (r < 0)
		return r;
	/* everything, whatever was done: each step is idempotent */
	r = undo(j, o, j->n_files, o->offline ? 0 : j->n_sysctls,
		 o->offline || !j->rules_changed ? 0 : 2, ret_error);
	if (r < 0)
		return r;
	j->state = CTA_JOURNAL_ROLLED_BACK;
	r = cta_journal_save(o->root, j);
	if (r < 0)
		set_error(ret_error, 0, "cannot mark the journal rolled back: %s",
			  CTA_STRERROR(-r));
	return r;
}

static bool active(enum cta_journal_state s)
{
	return s == CTA_JOURNAL_PREPARED || s == CTA_JOURNAL_APPLIED;
}

int cta_apply_select_journal(const char *root, const char *name, struct cta_journal **ret,
			     char **ret_error)
{
	_cleanup_(cta_journal_freep) struct cta_journal *j = NULL;
	_cleanup_(cta_strv_freep) char **ids = NULL;
	int r;

	r = cta_journal_list(root, &ids);
	if (r < 0)
		return set_error(ret_error, cta_journal_trust_strerror(r) ? -CTA_EREFUSED : r,
				 "cannot read the journal '%s%s': it %s", root ? root : "",
				 CTA_JOURNAL_DIR, WHY(r));
	/* the newest active journal, or the one named; newer active ones block it */
	for (size_t i = 0; ids[i]; i++) {
		_cleanup_(cta_journal_freep) struct cta_journal *x = NULL;
		bool named = name && streq(ids[i], name);

		r = cta_journal_load(root, ids[i], &x);
		if (r < 0) {
			if (named && r == -ENOENT)
				return set_error(ret_error, -ENODATA,
						 "journal '%s' is incomplete: nothing was changed",
						 ids[i]);
			if (named)
				return set_error(ret_error, -EINVAL, "journal '%s' is invalid: %s",
						 ids[i], CTA_STRERROR(r));
			continue;
		}
		if (j && name && active(x->state))
			return set_error(ret_error, -EBUSY,
					 "'%s' (%s) is newer than '%s': roll it back first", x->id,
					 cta_journal_state_to_string(x->state), j->id);
		if (named || (!name && active(x->state))) {
			cta_journal_free(j);
			j = TAKE_PTR(x);
		}
	}
	if (!j && name)
		return set_error(ret_error, -ENOENT,
				 "no journal '%s' (see 'ctaudit rollback --list')", name);
	*ret = TAKE_PTR(j);
	return *ret ? 1 : 0;
}
