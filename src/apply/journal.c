// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "apply/journal.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/rootfs.h"
#include "util/macro.h"
#include "util/banned.h"

static const char *const states[] = {
	[CTA_JOURNAL_PREPARED] = "prepared",
	[CTA_JOURNAL_APPLIED] = "applied",
	[CTA_JOURNAL_FAILED] = "failed",
	[CTA_JOURNAL_ROLLED_BACK] = "rolled-back",
};

const char *cta_journal_state_to_string(enum cta_journal_state s)
{
	return (size_t)s < ELEMENTSOF(states) ? states[s] : "unknown";
}

int cta_journal_state_from_string(const char *s)
{
	for (size_t i = 0; s && i < ELEMENTSOF(states); i++)
		if (streq(s, states[i]))
			return (int)i;
	return -EINVAL;
}

void cta_journal_free(struct cta_journal *j)
{
	if (!j)
		return;
	free(j->id), free(j->created_at), free(j->profile), free(j->netns), free(j->error);
	free(j->target.root), free(j->target.hostname);
	for (size_t i = 0; i < j->n_files; i++)
		free(j->files[i].path), free(j->files[i].backup), free(j->files[i].written);
	free(j->files);
	for (size_t i = 0; i < j->n_sysctls; i++)
		free(j->sysctls[i].key), free(j->sysctls[i].previous), free(j->sysctls[i].value);
	free(j->sysctls);
	for (size_t i = 0; i < j->n_dirs; i++)
		free(j->dirs[i]);
	free(j->dirs);
	free(j->prev_v4.v), free(j->prev_v6.v), free(j->prev_nft.v), free(j->rules.v);
	free(j);
}

static json_t *ports_to_json(const struct cta_plan_ports *ps)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < ps->n; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:s}", "proto", ps->v[i].proto,
						       "port", ps->v[i].port)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static int ports_from_json(json_t *a, struct cta_plan_ports *ps)
{
	json_t *e;
	size_t i;

	if (!json_is_array(a))
		return -EINVAL;
	ps->v = calloc(json_array_size(a) + 1, sizeof(*ps->v));
	if (!ps->v)
		return -ENOMEM;
	json_array_foreach(a, i, e) {
		const char *proto = json_string_value(json_object_get(e, "proto"));
		const char *port = json_string_value(json_object_get(e, "port"));

		if (!proto || !port || strlen(proto) >= sizeof(ps->v[0].proto) ||
		    strlen(port) >= sizeof(ps->v[0].port))
			return -EINVAL;
		snprintf(ps->v[ps->n].proto, sizeof(ps->v[0].proto), "%s", proto);
		snprintf(ps->v[ps->n].port, sizeof(ps->v[0].port), "%s", port);
		ps->n++;
	}
	return 0;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

int cta_journal_to_json(const struct cta_journal *j, json_t **ret)
{
	_cleanup_json_ json_t *o = NULL;
	json_t *files = json_array(), *sys = json_array(), *dirs = json_array();

	o = json_pack(
		"{s:o, s:i, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:b, s:s, s:o, s:o, s:o, s:o}}",
		"created_dirs", dirs, "schema_version", CTA_JOURNAL_SCHEMA_VERSION, "id", j->id,
		"state", cta_journal_state_to_string(j->state), "created_at",
		str_or_null(j->created_at), "profile", str_or_null(j->profile), "netns",
		str_or_null(j->netns), "error", str_or_null(j->error), "files", files, "sysctl",
		sys, "notrack", "changed", j->rules_changed, "backend",
		cta_plan_backend_to_string(j->backend), "previous_ipv4", ports_to_json(&j->prev_v4),
		"previous_ipv6", ports_to_json(&j->prev_v6), "previous_nft",
		ports_to_json(&j->prev_nft), "rules", ports_to_json(&j->rules));
	if (!o)
		return -ENOMEM;
	if (json_object_set_new(o, "target",
				json_pack("{s:I, s:b, s:o, s:o}", "netns_inode",
					  (json_int_t)j->target.netns_inode, "netns_initial",
					  j->target.netns_initial, "root",
					  str_or_null(j->target.root), "hostname",
					  str_or_null(j->target.hostname))) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < j->n_files; i++) {
		const struct cta_journal_file *f = &j->files[i];
		_cleanup_free_ char *mode = NULL;

		if (asprintf(&mode, "%04o", (unsigned)f->mode) < 0)
			return -ENOMEM;
		if (json_array_append_new(files, json_pack("{s:s, s:b, s:s, s:I, s:I, s:o, s:o}",
							   "path", f->path, "existed", f->existed,
							   "mode", mode, "uid", (json_int_t)f->uid,
							   "gid", (json_int_t)f->gid, "backup",
							   str_or_null(f->backup), "written",
							   str_or_null(f->written))) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < j->n_dirs; i++)
		if (json_array_append_new(dirs, json_string(j->dirs[i])) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < j->n_sysctls; i++)
		if (json_array_append_new(sys,
					  json_pack("{s:s, s:s, s:s}", "key", j->sysctls[i].key,
						    "previous", j->sysctls[i].previous, "value",
						    j->sysctls[i].value)) < 0)
			return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

static int dup_opt(json_t *o, const char *key, char **ret)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -EINVAL;
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : -ENOMEM;
}

int cta_journal_from_json(json_t *o, struct cta_journal **ret)
{
	_cleanup_(cta_journal_freep) struct cta_journal *j = NULL;
	json_t *files = json_object_get(o, "files"), *sys = json_object_get(o, "sysctl");
	json_t *nt = json_object_get(o, "notrack"), *e;
	const char *backend;
	size_t i;
	int r;

	if (!json_is_object(o) ||
	    json_integer_value(json_object_get(o, "schema_version")) !=
		    CTA_JOURNAL_SCHEMA_VERSION ||
	    !json_is_string(json_object_get(o, "id")) || !json_is_array(files) ||
	    !json_is_array(sys) || !json_is_object(nt))
		return -EINVAL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	r = cta_journal_state_from_string(json_string_value(json_object_get(o, "state")));
	if (r < 0)
		return r;
	j->state = (enum cta_journal_state)r;
	if ((r = dup_opt(o, "id", &j->id)) < 0 ||
	    (r = dup_opt(o, "created_at", &j->created_at)) < 0 ||
	    (r = dup_opt(o, "profile", &j->profile)) < 0 ||
	    (r = dup_opt(o, "netns", &j->netns)) < 0 || (r = dup_opt(o, "error", &j->error)) < 0)
		return r;
	j->files = calloc(json_array_size(files) + 1, sizeof(*j->files));
	j->sysctls = calloc(json_array_size(sys) + 1, sizeof(*j->sysctls));
	if (!j->files || !j->sysctls)
		return -ENOMEM;
	e = json_object_get(o, "target");
	if (!json_is_object(e) || !json_is_integer(json_object_get(e, "netns_inode")) ||
	    !json_is_boolean(json_object_get(e, "netns_initial")))
		return -EINVAL;
	j->target.netns_inode = (uint64_t)json_integer_value(json_object_get(e, "netns_inode"));
	j->target.netns_initial = json_is_true(json_object_get(e, "netns_initial"));
	if ((r = dup_opt(e, "root", &j->target.root)) < 0 ||
	    (r = dup_opt(e, "hostname", &j->target.hostname)) < 0)
		return r;
	json_array_foreach(files, i, e) {
		struct cta_journal_file *f = &j->files[j->n_files];
		const char *mode = json_string_value(json_object_get(e, "mode"));
		json_int_t uid = json_integer_value(json_object_get(e, "uid")),
			   gid = json_integer_value(json_object_get(e, "gid"));
		char *end;

		if (!json_is_string(json_object_get(e, "path")) || !mode ||
		    !json_is_boolean(json_object_get(e, "existed")) ||
		    !json_is_integer(json_object_get(e, "uid")) ||
		    !json_is_integer(json_object_get(e, "gid")) || uid < 0 || gid < 0 ||
		    uid >= UINT32_MAX || gid >= UINT32_MAX)
			return -EINVAL;
		j->n_files++;
		f->existed = json_is_true(json_object_get(e, "existed"));
		f->uid = (uid_t)uid;
		f->gid = (gid_t)gid;
		f->mode = (mode_t)strtoul(mode, &end, 8);
		if (*end || !*mode || strlen(mode) > 6)
			return -EINVAL;
		if ((r = dup_opt(e, "path", &f->path)) < 0 ||
		    (r = dup_opt(e, "backup", &f->backup)) < 0 ||
		    (r = dup_opt(e, "written", &f->written)) < 0)
			return r;
		if (f->path[0] != '/' || (f->existed && !f->backup))
			return -EINVAL;
	}
	json_array_foreach(sys, i, e) {
		struct cta_journal_sysctl *s = &j->sysctls[j->n_sysctls++];

		if ((r = dup_opt(e, "key", &s->key)) < 0 ||
		    (r = dup_opt(e, "previous", &s->previous)) < 0 ||
		    (r = dup_opt(e, "value", &s->value)) < 0)
			return r;
		if (!s->key || !s->previous || !s->value || strstr(s->key, ".."))
			return -EINVAL;
	}
	e = json_object_get(o, "created_dirs");
	j->dirs = calloc(json_array_size(e) + 1, sizeof(char *));
	if (!j->dirs)
		return -ENOMEM;
	for (i = 0; i < json_array_size(e); i++) {
		const char *d = json_string_value(json_array_get(e, i));

		if (!d || d[0] != '/' || strstr(d, ".."))
			return -EINVAL;
		if (!(j->dirs[j->n_dirs++] = strdup(d)))
			return -ENOMEM;
	}
	j->rules_changed = json_is_true(json_object_get(nt, "changed"));
	backend = json_string_value(json_object_get(nt, "backend"));
	if (!backend)
		return -EINVAL;
	j->backend = streq(backend, "iptables-legacy") ? CTA_PLAN_BACKEND_LEGACY :
		     streq(backend, "nft")	       ? CTA_PLAN_BACKEND_NFT :
							 CTA_PLAN_BACKEND_NONE;
	if ((r = ports_from_json(json_object_get(nt, "previous_ipv4"), &j->prev_v4)) < 0 ||
	    (r = ports_from_json(json_object_get(nt, "previous_ipv6"), &j->prev_v6)) < 0 ||
	    (r = ports_from_json(json_object_get(nt, "previous_nft"), &j->prev_nft)) < 0 ||
	    (r = ports_from_json(json_object_get(nt, "rules"), &j->rules)) < 0)
		return r;
	*ret = TAKE_PTR(j);
	return 0;
}

char *cta_journal_dir(const char *root, const char *id)
{
	_cleanup_free_ char *rel = NULL;

	if (asprintf(&rel, CTA_JOURNAL_DIR "/%s", id) < 0)
		return NULL;
	return cta_path_join(root, rel);
}

const char *cta_journal_trust_strerror(int r)
{
	switch (r) {
	case -ELOOP:
		return "is a symlink, not a directory";
	case -CTA_EBADOWNER:
		return "is not owned by root";
	case -CTA_EWRITABLE:
		return "is writable by group or others";
	case -ENOTDIR:
		return "is not a directory";
	}
	return NULL;
}

int cta_journal_open_state(const char *root, bool create, char **ret_bad_path)
{
	return cta_state_dir_open(root, "journal", create, ret_bad_path);
}

/* Journal ids are names we made: no "/", no leading "." */
static bool valid_id(const char *id)
{
	return *id && !strchr(id, '/') && id[0] != '.' && strlen(id) < 64;
}

static int open_journal(const char *root, const char *id)
{
	_cleanup_close_ int state = -EBADF;
	int fd;

	if (!valid_id(id))
		return -EINVAL;
	state = cta_journal_open_state(root, false, NULL);
	if (state < 0)
		return state;
	fd = openat(state, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? cta_negerrno() : fd;
}

int cta_journal_create(const char *root, char **ret_id)
{
	_cleanup_close_ int state = cta_journal_open_state(root, true, NULL);
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	if (state < 0)
		return state;
	if (!gmtime_r(&now, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
		return -EINVAL;
	/* the counter keeps ids unique and sortable within one second */
	for (unsigned n = 1; n < 1000; n++) {
		_cleanup_free_ char *id = NULL;
		_cleanup_close_ int dfd = -EBADF;

		if (asprintf(&id, "%s-%03u", stamp, n) < 0)
			return -ENOMEM;
		if (mkdirat(state, id, 0700) < 0) {
			if (errno == EEXIST)
				continue;
			return cta_negerrno();
		}
		dfd = openat(state, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0 || fchmod(dfd, 0700) < 0 || mkdirat(dfd, "files", 0700) < 0 ||
		    fsync(dfd) < 0 || fsync(state) < 0)
			return cta_negerrno();
		*ret_id = TAKE_PTR(id);
		return 0;
	}
	return -EEXIST;
}

/* "files/N" or "files/N.new": the only names below a journal directory we read or write. */
static bool valid_file_name(const char *name)
{
	const char *p;

	if (!strneq(name, "files/", 6))
		return false;
	p = name + 6;
	if (!*p || strspn(p, "0123456789") == 0 || strspn(p, "0123456789") > 6)
		return false;
	p += strspn(p, "0123456789");
	return !*p || streq(p, ".new");
}

/* The journal's files/ directory for a valid "files/N" @name. */
static int open_files(const char *root, const char *id, const char *name)
{
	_cleanup_close_ int dfd = -EBADF;
	int files;

	if (!valid_file_name(name))
		return -EINVAL;
	dfd = open_journal(root, id);
	if (dfd < 0)
		return dfd;
	files = openat(dfd, "files", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return files < 0 ? cta_negerrno() : files;
}

int cta_journal_put(const char *root, const char *id, const char *name, const char *data,
		    size_t len)
{
	_cleanup_close_ int files = open_files(root, id, name);

	if (files < 0)
		return files;
	return cta_write_at_atomic(files, name + 6, data, len, 0600, 0, 0);
}

ssize_t cta_journal_get(const char *root, const char *id, const char *name, char **ret)
{
	_cleanup_close_ int files = open_files(root, id, name);

	if (files < 0)
		return files;
	return cta_read_at(files, name + 6, 0, ret, NULL);
}

int cta_journal_save(const char *root, const struct cta_journal *j)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ json_t *o = NULL;
	_cleanup_close_ int dfd = -EBADF;
	int r;

	r = cta_journal_to_json(j, &o);
	if (r < 0)
		return r;
	text = cta_json_dumps(o);
	if (!text)
		return -ENOMEM;
	dfd = open_journal(root, j->id);
	if (dfd < 0)
		return dfd;
	return cta_write_at_atomic(dfd, "journal.json", text, strlen(text), 0600, 0, 0);
}

int cta_journal_load(const char *root, const char *id, struct cta_journal **ret)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ json_t *o = NULL;
	_cleanup_close_ int dfd = -EBADF;
	json_error_t err;
	ssize_t n;
	int r;

	dfd = open_journal(root, id);
	if (dfd < 0)
		return dfd;
	n = cta_read_at(dfd, "journal.json", CTA_JOURNAL_MAX_BYTES, &text, NULL);
	if (n < 0)
		return n == -EFBIG ? -EINVAL : (int)n;
	o = json_loadb(text, (size_t)n, JSON_REJECT_DUPLICATES, &err);
	if (!o)
		return -EINVAL;
	r = cta_journal_from_json(o, ret);
	if (r == 0 && !streq((*ret)->id, id)) {
		cta_journal_free(*ret);
		*ret = NULL;
		return -EINVAL;
	}
	return r;
}

/* Journal ids are directory names; hidden entries (".tmp-...") are not. */
static bool is_journal_id(const char *name, const void *unused)
{
	return valid_id(name);
}

int cta_journal_list(const char *root, char ***ret)
{
	_cleanup_close_ int state = cta_journal_open_state(root, false, NULL);
	_cleanup_closedir_ DIR *d = NULL;
	char **v = NULL;
	ssize_t n;

	if (state == -ENOENT) {
		/* no journal directory yet: no journal */
		v = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		*ret = v;
		return 0;
	}
	if (state < 0)
		return state;
	d = fdopendir(TAKE_FD(state));
	if (!d)
		return cta_negerrno();
	n = cta_dir_names(d, is_journal_id, NULL, &v);
	if (n < 0)
		return (int)n;
	*ret = v;
	return 0;
}
