// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "collect/netns.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/banned.h"

/* uapi linux/nsfs.h: the fixed inode of init_net on kernels that have one (see host.c) */
#define NET_NS_INIT_INO 0xEFFFFFF9U
/* processes kept per namespace as label candidates: a pod's first ones are its pause and app */
#define PIDS_PER_NS 16

struct ns_acc {
	struct cta_netns ns;
	int pids[PIDS_PER_NS];
	unsigned n_pids;
};

struct disc {
	const struct cta_netns_discover_opts *opts;
	const char *procfs;
	struct ns_acc *v;
	size_t n, cap;
	/* mount namespaces seen: inode and one pid inside (0: ours) */
	struct {
		uint64_t ino;
		int pid;
	} * mnt;
	size_t n_mnt, cap_mnt;
};

int cta_netns_parse_link(const char *s, uint64_t *ret_inode)
{
	const char *p;
	char *end;
	unsigned long long v;

	if (!strneq(s, "net:[", 5))
		return -EINVAL;
	p = s + 5;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno || end == p || !streq(end, "]") || v == 0)
		return -EINVAL;
	*ret_inode = v;
	return 0;
}

static bool is_hex64(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return !isxdigit((unsigned char)s[64]);
}

/* A UUID written with '-' (cgroupfs driver) or '_' (systemd driver): 8-4-4-4-12. */
static bool is_uuid(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };
	const char *p = s;

	for (size_t g = 0; g < ELEMENTSOF(groups); g++) {
		for (int i = 0; i < groups[g]; i++, p++)
			if (!isxdigit((unsigned char)*p))
				return false;
		if (g + 1 < ELEMENTSOF(groups) && *p != '-' && *p != '_')
			return false;
		if (g + 1 < ELEMENTSOF(groups))
			p++;
	}
	return !isxdigit((unsigned char)*p) && *p != '-' && *p != '_';
}

int cta_netns_parse_cgroup(const char *text, char **ret_pod_uid, char **ret_container_id,
			   const char **ret_runtime)
{
	/* the component before the id names the runtime */
	static const struct {
		const char *prefix, *runtime;
	} prefixes[] = {
		{ "cri-containerd-", "containerd" },
		{ "crio-", "cri-o" },
		{ "docker-", "docker" },
		{ "libpod-", "podman" },
		{ "/docker/", "docker" },
		{ "/libpod-", "podman" },
	};
	_cleanup_free_ char *pod = NULL, *cid = NULL;
	const char *runtime = NULL;

	for (const char *p = text; *p; p++) {
		if (!pod && strneq(p, "pod", 3) && is_uuid(p + 3) &&
		    (p == text || p[-1] == '/' || p[-1] == '-')) {
			pod = strndup(p + 3, 36);
			if (!pod)
				return -ENOMEM;
			for (char *c = pod; *c; c++)
				if (*c == '_')
					*c = '-';
		}
		/* the last id on the line is the container's (crio-conmon-<id> is the monitor) */
		if ((p == text || p[-1] == '/' || p[-1] == '-') && is_hex64(p) &&
		    (p[64] == 0 || p[64] == '\n' || p[64] == '/' || streq(p + 64, ".scope") ||
		     strneq(p + 64, ".scope\n", 7) || strneq(p + 64, ".scope/", 7))) {
			bool conmon = p - text >= 12 && strneq(p - 12, "crio-conmon-", 12);

			if (conmon)
				continue;
			free(cid);
			cid = strndup(p, 64);
			if (!cid)
				return -ENOMEM;
			runtime = pod ? "kubepods" : NULL;
			for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
				size_t l = strlen(prefixes[i].prefix);

				if ((size_t)(p - text) >= l &&
				    strneq(p - l, prefixes[i].prefix, l)) {
					runtime = prefixes[i].runtime;
					break;
				}
			}
			p += 63;
		}
	}
	*ret_pod_uid = TAKE_PTR(pod);
	*ret_container_id = TAKE_PTR(cid);
	*ret_runtime = runtime;
	return 0;
}

static char *proc_path(const struct disc *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static char *proc_path(const struct disc *d, const char *fmt, ...)
{
	_cleanup_free_ char *rel = NULL;
	char *r;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&rel, fmt, ap);
	va_end(ap);
	if (n < 0 || asprintf(&r, "%s/%s", d->procfs, rel) < 0)
		return NULL;
	return r;
}

/* readlink of procfs/@rel -> inode; -ENOMEM, or another negative errno when unreadable. */
static int read_ns_link(const struct disc *d, const char *rel, uint64_t *ret)
{
	_cleanup_free_ char *path = proc_path(d, "%s", rel);
	char buf[64];
	ssize_t n;

	if (!path)
		return -ENOMEM;
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return cta_negerrno();
	buf[n] = 0;
	if (strneq(buf, "mnt:[", 5)) {
		/* same grammar, other type: reuse the parser on a rewritten copy */
		memcpy(buf, "net", 3);
	}
	return cta_netns_parse_link(buf, ret);
}

static struct ns_acc *get_ns(struct disc *d, uint64_t ino)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].ns.inode == ino)
			return &d->v[i];
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct ns_acc *v = reallocarray(d->v, cap, sizeof(*v));

		if (!v)
			return NULL;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n] = (struct ns_acc){ .ns.inode = ino, .ns.mount_pid = 0 };
	return &d->v[d->n++];
}

static int add_mnt(struct disc *d, uint64_t ino, int pid)
{
	for (size_t i = 0; i < d->n_mnt; i++)
		if (d->mnt[i].ino == ino)
			return 0;
	if (d->n_mnt == d->cap_mnt) {
		size_t cap = d->cap_mnt ? d->cap_mnt * 2 : 8;
		__typeof__(d->mnt) v = reallocarray(d->mnt, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->mnt = v;
		d->cap_mnt = cap;
	}
	d->mnt[d->n_mnt].ino = ino;
	d->mnt[d->n_mnt].pid = pid;
	d->n_mnt++;
	return 0;
}

static bool numeric(const char *name, const void *userdata)
{
	(void)userdata;
	if (!*name)
		return false;
	for (const char *p = name; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static int scan_processes(struct disc *d)
{
	_cleanup_closedir_ DIR *dir = opendir(d->procfs);
	_cleanup_(cta_strv_freep) char **names = NULL;
	ssize_t n;
	int r;

	if (!dir)
		return cta_negerrno();
	n = cta_dir_names(dir, numeric, NULL, &names);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ENOENT;
	for (ssize_t i = 0; i < n; i++) {
		_cleanup_free_ char *rel = NULL, *mrel = NULL;
		int64_t pid;
		uint64_t ino, mino;
		struct ns_acc *a;

		if (cta_parse_i64(names[i], &pid) < 0 || pid <= 0 || pid > INT_MAX)
			continue;
		if (asprintf(&rel, "%s/ns/net", names[i]) < 0 ||
		    asprintf(&mrel, "%s/ns/mnt", names[i]) < 0)
			return -ENOMEM;
		r = read_ns_link(d, rel, &ino);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			continue; /* exited, a kernel thread, or not ours to read */
		a = get_ns(d, ino);
		if (!a)
			return -ENOMEM;
		a->ns.holders |= CTA_NETNS_HELD_PROCESS;
		a->ns.n_processes++;
		if (a->n_pids < PIDS_PER_NS)
			a->pids[a->n_pids++] = (int)pid;
		r = read_ns_link(d, mrel, &mino);
		if (r == -ENOMEM)
			return r;
		if (r >= 0 && add_mnt(d, mino, (int)pid) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Undo mountinfo's octal escapes (\040 for a blank) in place. */
static void unescape(char *s)
{
	char *o = s;

	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else
			*o++ = *p;
	}
	*o = 0;
}

static bool name_dir_entry(const struct disc *d, const char *mountpoint, const char **ret_name)
{
	static const char *const defaults[] = { "/run/netns", "/var/run/netns", NULL };
	const char *const *dirs = d->opts->name_dirs ? d->opts->name_dirs : defaults;

	for (; *dirs; dirs++) {
		size_t l = strlen(*dirs);

		if (strneq(mountpoint, *dirs, l) && mountpoint[l] == '/' && mountpoint[l + 1] &&
		    !strchr(mountpoint + l + 1, '/')) {
			*ret_name = mountpoint + l + 1;
			return true;
		}
	}
	return false;
}

/* The nsfs mounts of one mountinfo file (@pid's mount namespace; 0: ours). */
static int scan_mountinfo(struct disc *d, int pid)
{
	_cleanup_free_ char *path = pid ? proc_path(d, "%d/mountinfo", pid) :
					  proc_path(d, "self/mountinfo");
	_cleanup_free_ char *text = NULL;
	ssize_t n;

	if (!path)
		return -ENOMEM;
	n = cta_read_file(path, 64u << 20, &text);
	if (n == -ENOMEM)
		return -ENOMEM;
	if (n < 0)
		return 0; /* gone, or not ours to read */
	for (char *line = text, *next; line && *line; line = next) {
		char *f[5] = {}, *sep, *fstype, *save = NULL, *tok;
		const char *name;
		uint64_t ino;
		struct ns_acc *a;
		int i = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = 0;
		fstype = sep + 3;
		if (!strneq(fstype, "nsfs ", 5))
			continue;
		for (tok = strtok_r(line, " ", &save); tok && i < 5;
		     tok = strtok_r(NULL, " ", &save))
			f[i++] = tok;
		if (i < 5)
			continue;
		/* f[3] is the root within the filesystem, f[4] the mount point */
		if (cta_netns_parse_link(f[3], &ino) < 0)
			continue; /* another namespace type */
		unescape(f[4]);
		a = get_ns(d, ino);
		if (!a)
			return -ENOMEM;
		if (name_dir_entry(d, f[4], &name)) {
			a->ns.holders |= CTA_NETNS_HELD_NAME;
			/* a name in our own mount namespace is what `ip netns` shows */
			if (!a->ns.name || (pid == 0 && a->ns.mount_pid != 0)) {
				free(a->ns.name);
				a->ns.name = strdup(name);
				free(a->ns.enter_path);
				a->ns.enter_path = pid ? proc_path(d, "%d/root%s", pid, f[4]) :
							 strdup(f[4]);
				a->ns.mount_pid = pid;
				if (!a->ns.name || !a->ns.enter_path)
					return -ENOMEM;
			}
		} else {
			a->ns.holders |= CTA_NETNS_HELD_MOUNT;
			if (!a->ns.mount) {
				a->ns.mount = strdup(f[4]);
				if (!a->ns.mount)
					return -ENOMEM;
				if (!a->ns.name) {
					free(a->ns.enter_path);
					a->ns.enter_path =
						pid ? proc_path(d, "%d/root%s", pid, f[4]) :
						      strdup(f[4]);
					if (!a->ns.enter_path)
						return -ENOMEM;
					a->ns.mount_pid = pid;
				}
			}
		}
	}
	return 0;
}

static char *read_trimmed(const struct disc *d, int pid, const char *file)
{
	_cleanup_free_ char *path = proc_path(d, "%d/%s", pid, file);
	char *text = NULL;

	if (!path || cta_read_file(path, 1 << 16, &text) < 0)
		return NULL;
	text[strcspn(text, "\n")] = 0;
	return text;
}

/* Pick the process that names the namespace best and read its identity. */
static int label_process(struct disc *d, struct ns_acc *a)
{
	/* the host's own processes may sit in a container's cgroup (a node agent): not a label */
	for (unsigned i = 0; i < a->n_pids && !a->ns.initial; i++) {
		_cleanup_free_ char *path = proc_path(d, "%d/cgroup", a->pids[i]);
		_cleanup_free_ char *text = NULL, *pod = NULL, *cid = NULL;
		const char *runtime;
		ssize_t n;

		if (!path)
			return -ENOMEM;
		n = cta_read_file(path, 1 << 20, &text);
		if (n == -ENOMEM)
			return -ENOMEM;
		if (n < 0)
			continue;
		if (cta_netns_parse_cgroup(text, &pod, &cid, &runtime) < 0)
			return -ENOMEM;
		if (cid || pod) {
			/* the first with an id wins: pids were listed in ascending order */
			if (!a->ns.container_id && !a->ns.pod_uid) {
				a->ns.pod_uid = TAKE_PTR(pod);
				a->ns.container_id = TAKE_PTR(cid);
				a->ns.runtime = runtime;
				a->ns.pid = a->pids[i];
			} else if (!a->ns.container_id && cid) {
				a->ns.container_id = TAKE_PTR(cid);
				a->ns.runtime = runtime;
			}
		}
	}
	if (!a->ns.pid && a->n_pids > 0) {
		int lowest = a->pids[0];

		for (unsigned i = 1; i < a->n_pids; i++)
			lowest = MIN(lowest, a->pids[i]);
		a->ns.pid = lowest;
	}
	if (a->ns.pid) {
		a->ns.comm = read_trimmed(d, a->ns.pid, "comm");
		if (!a->ns.enter_path) {
			a->ns.enter_path = proc_path(d, "%d/ns/net", a->ns.pid);
			if (!a->ns.enter_path)
				return -ENOMEM;
		}
	}
	return 0;
}

static int make_label(struct cta_netns *ns)
{
	const char *comm = ns->comm ? ns->comm : "?";
	int r;

	if (ns->initial)
		r = asprintf(&ns->label, "initial");
	else if (ns->name)
		r = asprintf(&ns->label, "%s", ns->name);
	else if (ns->pod_uid && ns->container_id)
		r = asprintf(&ns->label, "pod %s container %.12s (%s)", ns->pod_uid,
			     ns->container_id, comm);
	else if (ns->pod_uid)
		r = asprintf(&ns->label, "pod %s (%s)", ns->pod_uid, comm);
	else if (ns->container_id)
		r = asprintf(&ns->label, "%s %.12s (%s)", ns->runtime ? ns->runtime : "container",
			     ns->container_id, comm);
	else if (ns->pid)
		r = asprintf(&ns->label, "pid %d (%s)", ns->pid, comm);
	else if (ns->mount)
		r = asprintf(&ns->label, "mount %s", ns->mount);
	else
		r = asprintf(&ns->label, "net:[%" PRIu64 "]", ns->inode);
	return r < 0 ? -ENOMEM : 0;
}

static int ns_cmp(const void *pa, const void *pb)
{
	const struct cta_netns *a = pa, *b = pb;
	int r;

	if (a->initial != b->initial)
		return a->initial ? -1 : 1;
	if (!!a->name != !!b->name)
		return a->name ? -1 : 1;
	r = a->name ? strcmp(a->name, b->name) : strcmp(a->label, b->label);
	if (r)
		return r;
	return a->inode < b->inode ? -1 : a->inode > b->inode;
}

static void ns_done(struct cta_netns *ns)
{
	free(ns->name);
	free(ns->mount);
	free(ns->comm);
	free(ns->pod_uid);
	free(ns->container_id);
	free(ns->label);
	free(ns->enter_path);
}

void cta_netns_list_done(struct cta_netns_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		ns_done(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int cta_netns_discover(const struct cta_netns_discover_opts *opts, struct cta_netns_list *ret)
{
	struct disc d = { .opts = opts, .procfs = opts->procfs ? opts->procfs : "/proc" };
	struct cta_netns_list out = {};
	uint64_t self_mnt = 0, init_ino = 0, self_ino = 0;
	bool have_self_mnt;
	int r;

	r = scan_processes(&d);
	if (r < 0)
		goto fail;
	have_self_mnt = read_ns_link(&d, "self/ns/mnt", &self_mnt) >= 0;
	r = scan_mountinfo(&d, 0);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < d.n_mnt; i++) {
		if (have_self_mnt && d.mnt[i].ino == self_mnt)
			continue;
		r = scan_mountinfo(&d, d.mnt[i].pid);
		if (r < 0)
			goto fail;
	}
	if (read_ns_link(&d, "1/ns/net", &init_ino) < 0)
		init_ino = 0;
	(void)read_ns_link(&d, "self/ns/net", &self_ino);

	out.v = calloc(d.n ? d.n : 1, sizeof(*out.v));
	if (!out.v) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < d.n; i++) {
		struct ns_acc *a = &d.v[i];

		a->ns.initial = a->ns.inode == init_ino || a->ns.inode == NET_NS_INIT_INO;
		a->ns.self = a->ns.inode == self_ino;
		/* our own namespace needs no process to stay reachable */
		if (a->ns.self && !a->ns.enter_path) {
			a->ns.enter_path = proc_path(&d, "self/ns/net");
			if (!a->ns.enter_path) {
				r = -ENOMEM;
				goto fail;
			}
		}
		r = label_process(&d, a);
		if (r >= 0)
			r = make_label(&a->ns);
		if (r < 0)
			goto fail;
		out.v[out.n++] = a->ns;
		a->ns = (struct cta_netns){};
	}
	qsort(out.v, out.n, sizeof(*out.v), ns_cmp);
	free(d.v);
	free(d.mnt);
	*ret = out;
	return 0;
fail:
	for (size_t i = 0; i < d.n; i++)
		ns_done(&d.v[i].ns);
	free(d.v);
	free(d.mnt);
	cta_netns_list_done(&out);
	return r;
}

int cta_netns_open(const struct cta_netns *ns)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	if (!ns->enter_path)
		return -ESRCH;
	fd = open(ns->enter_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int r = cta_negerrno();

		return r == -ENOENT || r == -ESRCH ? -ESRCH : r;
	}
	if (fstat(fd, &st) < 0)
		return cta_negerrno();
	/* a recycled pid, or a name now mounted over another namespace */
	if ((uint64_t)st.st_ino != ns->inode)
		return -ESRCH;
	return TAKE_FD(fd);
}

bool cta_netns_match(const struct cta_netns *ns, const char *pattern)
{
	return (ns->name && fnmatch(pattern, ns->name, 0) == 0) ||
	       (ns->label && fnmatch(pattern, ns->label, 0) == 0);
}
