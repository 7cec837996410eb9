// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plan/plan.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/sysctl.h"
#include "util/banned.h"

/* Global keys, read-only in a child netns (net/netfilter/nf_conntrack_standalone.c,
 * nf_conntrack_standalone_init_sysctl(); docs/kernel-notes.md "Namespaces"), and
 * initial-netns-only ones. */
static const char *const host_only_keys[] = {
	"net.netfilter.nf_conntrack_max",
	"net.netfilter.nf_conntrack_buckets",
	"net.netfilter.nf_conntrack_expect_max",
	"net.nf_conntrack_max",
	"net.ipv4.tcp_ehash_entries",
	"net.ipv4.tcp_mem",
	"net.ipv4.tcp_max_orphans",
	"net.core.netdev_max_backlog",
};

bool cta_plan_key_host_only(const char *key)
{
	for (size_t i = 0; i < ELEMENTSOF(host_only_keys); i++)
		if (streq(key, host_only_keys[i]))
			return true;
	return strneq(key, "net.core.rmem_", 14) || strneq(key, "net.core.wmem_", 14);
}

static void *grow(void *vp, size_t *n, size_t size)
{
	void **v = vp;
	char *nv = realloc(*v, (*n + 1) * size);

	if (!nv)
		return NULL;
	*v = nv;
	memset(nv + *n * size, 0, size);
	return nv + (*n)++ * size;
}

const char *cta_plan_backend_to_string(enum cta_plan_backend b)
{
	switch (b) {
	case CTA_PLAN_BACKEND_LEGACY:
		return "iptables-legacy";
	case CTA_PLAN_BACKEND_NFT:
		return "nft";
	default:
		return "none";
	}
}

const char *cta_plan_persist_to_string(enum cta_plan_persist p)
{
	switch (p) {
	case CTA_PLAN_PERSIST_IPTABLES:
		return "iptables-persistent";
	case CTA_PLAN_PERSIST_NFTABLES:
		return "nftables.conf";
	case CTA_PLAN_PERSIST_UNIT:
		return "ctaudit-notrack.service";
	default:
		return "none";
	}
}

const char *cta_plan_rt_to_string(enum cta_plan_rt r)
{
	static const char *const s[] = {
		[CTA_PLAN_RT_SET] = "set",	   [CTA_PLAN_RT_UNCHANGED] = "unchanged",
		[CTA_PLAN_RT_ABSENT] = "absent",   [CTA_PLAN_RT_HOST_ONLY] = "host-only",
		[CTA_PLAN_RT_OFFLINE] = "offline",
	};
	return r < ELEMENTSOF(s) ? s[r] : "unknown";
}

char *cta_plan_default_sysctl_file(const char *profile)
{
	char *r, *s;

	if (asprintf(&r, "/etc/sysctl.d/90-ctaudit-%s.conf",
		     profile && *profile ? profile : "base") < 0)
		return NULL;
	/* "a+b" combined roles, and nothing that could leave the directory */
	for (s = r + strlen("/etc/sysctl.d/"); *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			*s = '-';
	return r;
}

static int port_cmp_qsort(const void *a, const void *b)
{
	return cta_notrack_port_cmp(a, b);
}

bool cta_plan_ports_equal(const struct cta_plan_ports *a, const struct cta_plan_ports *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (cta_notrack_port_cmp(&a->v[i], &b->v[i]) != 0)
			return false;
	return true;
}

/* Add a port unless present; returns 1 added, 0 present or invalid, -ENOMEM. */
static int ports_add(struct cta_plan_ports *ps, const char *proto, const char *port)
{
	struct cta_notrack_port x, *e;

	if (cta_notrack_port_init(&x, 0, proto, port) < 0)
		return 0;
	for (size_t i = 0; i < ps->n; i++)
		if (cta_notrack_port_cmp(&ps->v[i], &x) == 0)
			return 0;
	e = grow(&ps->v, &ps->n, sizeof(*e));
	if (!e)
		return -ENOMEM;
	*e = x;
	return 1;
}

static void ports_sort(struct cta_plan_ports *ps)
{
	if (ps->n > 1)
		qsort(ps->v, ps->n, sizeof(ps->v[0]), port_cmp_qsort);
}

void cta_plan_free(struct cta_plan *p)
{
	if (!p)
		return;
	free(p->profile);
	free(p->sysctl_file);
	free(p->netns);
	cta_report_target_done(&p->target);
	free(p->report_generated_at);
	free(p->generated_at);
	for (size_t i = 0; i < p->n_sysctls; i++) {
		struct cta_plan_sysctl *s = &p->sysctls[i];

		free(s->key), free(s->value), free(s->current), free(s->rule), free(s->reason);
		free(s->title), free(s->boot_value), free(s->boot_file);
	}
	free(p->sysctls);
	for (size_t i = 0; i < p->n_refused; i++)
		cta_plan_refusal_done(&p->refused[i]);
	free(p->refused);
	for (size_t i = 0; i < p->n_edits; i++) {
		struct cta_plan_edit *e = &p->edits[i];

		free(e->key), free(e->value), free(e->file), free(e->rule), free(e->note);
	}
	free(p->edits);
	free(p->notrack.backend_reason);
	free(p->notrack.persist_how[0]);
	free(p->notrack.persist_how[1]);
	free(p->notrack.want.v), free(p->notrack.cur_v4.v), free(p->notrack.cur_v6.v);
	free(p->notrack.cur_nft.v);
	if (p->notrack.rules)
		for (size_t i = 0; i < p->notrack.want.n; i++)
			free(p->notrack.rules[i]);
	free(p->notrack.rules);
	for (size_t i = 0; i < p->n_advice; i++)
		free(p->advice[i].rule), free(p->advice[i].text);
	free(p->advice);
	for (size_t i = 0; i < p->n_notes; i++)
		free(p->notes[i].rule), free(p->notes[i].text);
	free(p->notes);
	for (size_t i = 0; i < p->n_inputs; i++)
		free(p->inputs[i].path), free(p->inputs[i].real), free(p->inputs[i].content);
	free(p->inputs);
	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i].path), free(p->files[i].old), free(p->files[i].new);
	free(p->files);
	free(p);
}

void cta_plan_refusal_done(struct cta_plan_refusal *r)
{
	free(r->key), free(r->value), free(r->rule), free(r->caused), free(r->severity);
	free(r->reason);
	*r = (struct cta_plan_refusal){ 0 };
}

static int dup_or_null(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -ENOMEM : 0;
}

int cta_plan_refusal_copy(struct cta_plan_refusal *dst, const struct cta_plan_refusal *src)
{
	*dst = (struct cta_plan_refusal){ .kind = src->kind };
	if (dup_or_null(&dst->key, src->key) < 0 || dup_or_null(&dst->value, src->value) < 0 ||
	    dup_or_null(&dst->rule, src->rule) < 0 || dup_or_null(&dst->caused, src->caused) < 0 ||
	    dup_or_null(&dst->severity, src->severity) < 0 ||
	    dup_or_null(&dst->reason, src->reason) < 0) {
		cta_plan_refusal_done(dst);
		return -ENOMEM;
	}
	return 0;
}

const struct cta_plan_input *cta_plan_input_get(const struct cta_plan *p, const char *path)
{
	for (size_t i = 0; i < p->n_inputs; i++)
		if (streq(p->inputs[i].path, path))
			return &p->inputs[i];
	return NULL;
}

/* Read a file through the fs once; the input is remembered in the plan. */
static int input(struct cta_plan *p, const struct cta_plan_fs *fs, const char *path,
		 const struct cta_plan_input **ret)
{
	struct cta_plan_input *in;
	const struct cta_plan_input *have = cta_plan_input_get(p, path);
	int r;

	if (have) {
		*ret = have;
		return 0;
	}
	in = grow(&p->inputs, &p->n_inputs, sizeof(*in));
	if (!in)
		return -ENOMEM;
	in->path = strdup(path);
	if (!in->path)
		return -ENOMEM;
	if (fs && fs->resolve) {
		r = fs->resolve(fs->userdata, path, &in->real);
		if (r < 0)
			return r;
	} else if (!(in->real = strdup(path)))
		return -ENOMEM;
	if (fs && fs->read) {
		r = fs->read(fs->userdata, in->real, &in->content);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	*ret = in;
	return 0;
}

static int add_note(struct cta_plan_note **v, size_t *n, const char *rule, const char *fmt, ...)
	_printf_(4, 5);
static int add_note(struct cta_plan_note **v, size_t *n, const char *rule, const char *fmt, ...)
{
	struct cta_plan_note *e;
	va_list ap;
	int r;

	e = grow(v, n, sizeof(*e));
	if (!e)
		return -ENOMEM;
	va_start(ap, fmt);
	r = vasprintf(&e->text, fmt, ap);
	va_end(ap);
	if (r < 0) {
		e->text = NULL;
		return -ENOMEM;
	}
	if (rule && !(e->rule = strdup(rule)))
		return -ENOMEM;
	return 0;
}

static struct cta_plan_sysctl *find_sysctl(struct cta_plan *p, const char *key)
{
	for (size_t i = 0; i < p->n_sysctls; i++)
		if (streq(p->sysctls[i].key, key))
			return &p->sysctls[i];
	return NULL;
}

static int set_str(char **dst, const char *src)
{
	char *n = src ? strdup(src) : NULL;

	if (src && !n)
		return -ENOMEM;
	free(*dst);
	*dst = n;
	return 0;
}

static char *norm(const char *v)
{
	char *s = strdup(v ? v : "");

	return s ? cta_collapse_ws(s) : NULL;
}

static bool value_eq(const char *a, const char *b)
{
	_cleanup_free_ char *x = norm(a), *y = norm(b);

	return x && y && streq(x, y);
}

/*
 * ctaudit's own file: "# RULE: reason" on the line before each assignment.
 * Its keys stay desired (they were fixes; their rules pass now).
 */
static int load_own_file(struct cta_plan *p, const char *text)
{
	_cleanup_free_ char *copy = strdup(text), *rule = NULL, *reason = NULL;
	char *save = NULL, *line;

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct cta_sysctl_line pl;
		struct cta_plan_sysctl *s;

		if (line[0] == '#' && line[1] == ' ') {
			const char *colon = strstr(line + 2, ": ");

			free(rule), free(reason);
			rule = reason = NULL;
			if (colon && !memchr(line + 2, ' ', (size_t)(colon - line - 2))) {
				rule = strndup(line + 2, (size_t)(colon - line - 2));
				reason = strdup(colon + 2);
				if (!rule || !reason)
					return -ENOMEM;
			}
			continue;
		}
		if (cta_sysctl_parse_line(line, &pl) != CTA_SYSCTL_LINE_ASSIGN)
			continue;
		s = find_sysctl(p, pl.key);
		if (!s) {
			s = grow(&p->sysctls, &p->n_sysctls, sizeof(*s));
			if (!s || !(s->key = strdup(pl.key)))
				return -ENOMEM;
		}
		if (set_str(&s->value, pl.value) < 0 ||
		    set_str(&s->rule, rule ? rule : "ctaudit") < 0 ||
		    set_str(&s->reason, reason ? reason : "set by an earlier ctaudit apply") < 0 ||
		    set_str(&s->title, s->reason) < 0)
			return -ENOMEM;
		free(rule), free(reason);
		rule = reason = NULL;
	}
	return 0;
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The fixes of the failing results, in report order: @fn is called for each. */
#define FOREACH_FIX(report, res, rem)                                                        \
	for (size_t _i = 0; _i < (report)->n_results; _i++)                                  \
		for (const struct cta_result *res = &(report)->results[_i]; res; res = NULL) \
			for (const struct cta_remediation *rem = res->remediation;           \
			     rem && res->status == CTA_RESULT_FAIL; rem = NULL)

static const struct cta_plan_refusal *refused_get(const struct cta_plan_opts *o,
						  enum cta_plan_item kind, const char *key)
{
	for (size_t i = 0; i < o->n_refused; i++)
		if (o->refused[i].kind == kind && streq(o->refused[i].key, key))
			return &o->refused[i];
	return NULL;
}

/* Sysctl values and advice of the failing results. */
static int collect_remediations(struct cta_plan *p, const struct cta_report *report,
				const struct cta_plan_opts *o)
{
	FOREACH_FIX(report, res, rem)
	{
		const char *rule = res->rule;
		const char *reason = res->message ? res->message : res->title;

		for (size_t k = 0; k < rem->n_sysctl; k++) {
			const char *key = rem->sysctl[k].key, *val = rem->sysctl[k].value;
			struct cta_plan_sysctl *s = find_sysctl(p, key);

			if (s && s->in_file) {
				/* asked by an earlier result of this run */
				if (!value_eq(s->value, val) &&
				    add_note(&p->notes, &p->n_notes, rule,
					     "'%s' asks %s = %s; keeping %s from '%s'", rule, key,
					     val, s->value, s->rule) < 0)
					return -ENOMEM;
				continue;
			}
			/* refused: what ctaudit's file already holds stays, nothing new */
			if (refused_get(o, CTA_PLAN_ITEM_SYSCTL, key))
				continue;
			if (!s) {
				s = grow(&p->sysctls, &p->n_sysctls, sizeof(*s));
				if (!s || !(s->key = strdup(key)))
					return -ENOMEM;
			}
			if (set_str(&s->value, val) < 0 || set_str(&s->rule, rule) < 0 ||
			    set_str(&s->reason, reason ? reason : "") < 0 ||
			    set_str(&s->title, res->title ? res->title : rule) < 0)
				return -ENOMEM;
			/* marks "decided in this run"; recomputed below */
			s->in_file = true;
		}
		if (rem->advice && add_note(&p->advice, &p->n_advice, rule, "%s", rem->advice) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* What the predicted facts asked for wins over this run's report (it saw less of the fix). */
static int merge_extra(struct cta_plan *p, const struct cta_plan_opts *o)
{
	for (size_t i = 0; i < o->n_extra_sysctls; i++) {
		const struct cta_plan_extra_sysctl *x = &o->extra_sysctls[i];
		struct cta_plan_sysctl *s = find_sysctl(p, x->key);

		if (refused_get(o, CTA_PLAN_ITEM_SYSCTL, x->key))
			continue;
		if (!s) {
			s = grow(&p->sysctls, &p->n_sysctls, sizeof(*s));
			if (!s || !(s->key = strdup(x->key)))
				return -ENOMEM;
		}
		if (set_str(&s->value, x->value) < 0 || set_str(&s->rule, x->rule) < 0 ||
		    set_str(&s->reason, x->title) < 0 || set_str(&s->title, x->title) < 0)
			return -ENOMEM;
		s->in_file = true;
	}
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

struct assign {
	const char *value, *file;
	unsigned line;
};

static int assign_cmp(const void *x, const void *y)
{
	const struct assign *a = x, *b = y;
	int c = cta_sysctl_boot_cmp(a->file, b->file);

	if (c)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* All assignments of a key from facts.persisted[key]: the winner and the overridden ones. */
static size_t persisted_assignments(json_t *pk, struct assign **ret)
{
	json_t *ov = json_object_get(pk, "overridden"), *e;
	size_t n = 0, i;
	struct assign *v = calloc(json_array_size(ov) + 1, sizeof(*v));

	*ret = v;
	if (!v)
		return 0;
	if (jstr(pk, "file") && jstr(pk, "value"))
		v[n++] = (struct assign){ jstr(pk, "value"), jstr(pk, "file"),
					  (unsigned)json_integer_value(
						  json_object_get(pk, "line")) };
	json_array_foreach(ov, i, e) {
		if (jstr(e, "file") && jstr(e, "value"))
			v[n++] = (struct assign){ jstr(e, "value"), jstr(e, "file"),
						  (unsigned)json_integer_value(
							  json_object_get(e, "line")) };
	}
	qsort(v, n, sizeof(*v), assign_cmp);
	return n;
}

/* Whether @file's line @line still assigns @key (the facts may be older than the disk). */
static int line_assigns(struct cta_plan *p, const struct cta_plan_fs *fs, const char *file,
			unsigned line, const char *key)
{
	const struct cta_plan_input *in;
	const char *s;
	int r;

	r = input(p, fs, file, &in);
	if (r < 0)
		return r;
	if (!in->content || line == 0)
		return 0;
	s = in->content;
	for (unsigned i = 1; i < line && s; i++) {
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	if (!s || !*s)
		return 0;
	{
		_cleanup_free_ char *l = strndup(s, strcspn(s, "\n"));
		struct cta_sysctl_line pl;

		if (!l)
			return -ENOMEM;
		if (cta_sysctl_parse_line(l, &pl) != CTA_SYSCTL_LINE_ASSIGN)
			return 0;
		return streq(pl.key, key);
	}
}

static int add_edit(struct cta_plan *p, const struct cta_plan_fs *fs, enum cta_plan_edit_kind kind,
		    const char *key, const struct assign *a, const char *rule, bool fix)
{
	struct cta_plan_edit *e;
	int r;

	for (size_t i = 0; i < p->n_edits; i++)
		if (streq(p->edits[i].file, a->file) && p->edits[i].line == a->line)
			return 0;
	e = grow(&p->edits, &p->n_edits, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->kind = kind;
	e->line = a->line;
	if (!(e->key = strdup(key)) || !(e->value = strdup(a->value)) ||
	    !(e->file = strdup(a->file)) || !(e->rule = strdup(rule)))
		return -ENOMEM;
	if (!fix)
		return 0;
	if (!cta_sysctl_in_conf_dir(a->file) && !streq(a->file, CTA_SYSCTL_CONF)) {
		e->note = strdup("not a sysctl.d file; edit it by hand");
		return e->note ? 0 : -ENOMEM;
	}
	r = line_assigns(p, fs, a->file, a->line, key);
	if (r < 0)
		return r;
	if (r == 0) {
		e = &p->edits[p->n_edits - 1];
		e->note = strdup("the line changed since the facts were collected; run plan again");
		return e->note ? 0 : -ENOMEM;
	}
	p->edits[p->n_edits - 1].fix = true;
	return 0;
}

static int plan_precedence(struct cta_plan *p, const struct cta_plan_fs *fs, json_t *persisted,
			   const char *own_real)
{
	int r;

	for (size_t i = 0; i < p->n_sysctls; i++) {
		struct cta_plan_sysctl *s = &p->sysctls[i];
		_cleanup_free_ struct assign *v = NULL;
		const struct assign *win = NULL;
		size_t n;

		if (!s->in_file)
			continue;
		n = persisted_assignments(json_object_get(persisted, s->key), &v);
		if (!v)
			return -ENOMEM;
		for (size_t j = 0; j < n; j++) {
			const struct cta_plan_input *in;
			int c;

			if (streq(v[j].file, p->sysctl_file))
				continue;
			r = input(p, fs, v[j].file, &in);
			if (r < 0)
				return r;
			if (streq(in->real, own_real))
				continue;
			c = cta_sysctl_boot_cmp(v[j].file, p->sysctl_file);
			/* same name elsewhere: hidden by ours in /etc/sysctl.d */
			if (c <= 0)
				continue;
			if (value_eq(v[j].value, s->value)) {
				win = &v[j];
				continue;
			}
			r = add_edit(p, fs, CTA_PLAN_EDIT_OVERRIDE, s->key, &v[j], s->rule,
				     p->fix_overrides);
			if (r < 0)
				return r;
			if (!p->edits[p->n_edits - 1].fix)
				win = &v[j];
		}
		if (win) {
			if (set_str(&s->boot_value, win->value) < 0 ||
			    set_str(&s->boot_file, win->file) < 0)
				return -ENOMEM;
			s->boot_line = win->line;
		} else if (set_str(&s->boot_value, s->value) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int plan_stale(struct cta_plan *p, const struct cta_plan_fs *fs, json_t *persisted,
		      const struct cta_report *report, const char *own_real)
{
	int r;

	FOREACH_FIX(report, res, rem)
	for (size_t i = 0; i < rem->n_remove_persisted; i++) {
		const char *key = rem->remove_persisted[i];
		const char *rule = res->rule;
		_cleanup_free_ struct assign *v = NULL;
		size_t n = persisted_assignments(json_object_get(persisted, key), &v);

		if (!v)
			return -ENOMEM;
		for (size_t j = 0; j < n; j++) {
			const struct cta_plan_input *in;

			r = input(p, fs, v[j].file, &in);
			if (r < 0)
				return r;
			/* in our own file the key is simply not written again */
			if (streq(v[j].file, p->sysctl_file) || streq(in->real, own_real))
				continue;
			r = add_edit(p, fs, CTA_PLAN_EDIT_STALE, key, &v[j], rule,
				     p->fix_overrides);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* ctaudit's own NOTRACK rules as the firewall collector reports them. */
static int installed_notrack(struct cta_plan *p, json_t *facts)
{
	json_t *e;
	size_t i;
	int r;

	json_array_foreach(cta_json_path(facts, "firewall.notrack"), i, e) {
		const char *src = jstr(e, "source"), *chain = jstr(e, "chain"),
			   *fam = jstr(e, "family"), *table = jstr(e, "table"),
			   *hook = jstr(e, "hook");
		struct cta_plan_ports *ps = NULL;

		if (!src || !jstr(e, "dport"))
			continue;
		if (streq(src, "iptables-legacy") && chain && streq(chain, "CTAUDIT_PREROUTING"))
			ps = fam && streq(fam, "ipv6") ? &p->notrack.cur_v6 : &p->notrack.cur_v4;
		else if (streq(src, "nft") && table && streq(table, "ctaudit") &&
			 (!fam || streq(fam, "inet")) &&
			 ((chain && streq(chain, "prerouting")) ||
			  (hook && streq(hook, "prerouting"))))
			ps = &p->notrack.cur_nft;
		if (!ps)
			continue;
		r = ports_add(ps, jstr(e, "proto"), jstr(e, "dport"));
		if (r < 0)
			return r;
	}
	ports_sort(&p->notrack.cur_v4);
	ports_sort(&p->notrack.cur_v6);
	ports_sort(&p->notrack.cur_nft);
	return 0;
}

static bool backends_has(json_t *facts, const char *name)
{
	json_t *e;
	size_t i;

	json_array_foreach(cta_json_path(facts, "firewall.backends"), i, e)
		if (json_is_string(e) && streq(json_string_value(e), name))
			return true;
	return false;
}

/*
 * Where ctaudit's NOTRACK rules go (docs/remediation.md "NOTRACK backend"):
 * where they already are; else after the host's `iptables` alternative; else
 * legacy when only legacy tables hold rules; else nf_tables.
 */
static int choose_backend(struct cta_plan *p, const struct cta_plan_fs *fs, json_t *facts)
{
	struct cta_plan_notrack *nt = &p->notrack;
	_cleanup_free_ char *alt = NULL;
	const char *why;
	int r;

	if (nt->cur_v4.n || nt->cur_v6.n) {
		nt->backend = CTA_PLAN_BACKEND_LEGACY;
		why = "ctaudit's rules are already in the legacy raw table";
	} else if (nt->cur_nft.n) {
		nt->backend = CTA_PLAN_BACKEND_NFT;
		why = "ctaudit's rules are already in table inet ctaudit";
	} else {
		if (fs && fs->resolve) {
			r = fs->resolve(fs->userdata, "/etc/alternatives/iptables", &alt);
			if (r < 0)
				return r;
			if (streq(alt, "/etc/alternatives/iptables"))
				alt = (free(alt), NULL);
		}
		if (alt && strstr(base_name(alt), "legacy")) {
			nt->backend = CTA_PLAN_BACKEND_LEGACY;
			why = "the host's iptables is iptables-legacy (/etc/alternatives/iptables)";
		} else if (alt && strstr(base_name(alt), "nft")) {
			nt->backend = CTA_PLAN_BACKEND_NFT;
			why = "the host's iptables is iptables-nft (/etc/alternatives/iptables)";
		} else if (backends_has(facts, "iptables-legacy") &&
			   !backends_has(facts, "nf_tables") && !backends_has(facts, "nft") &&
			   !backends_has(facts, "iptables-nft")) {
			nt->backend = CTA_PLAN_BACKEND_LEGACY;
			why = "only legacy iptables tables hold rules";
		} else {
			nt->backend = CTA_PLAN_BACKEND_NFT;
			why = "nf_tables is the default";
		}
	}
	return set_str(&nt->backend_reason, why);
}

static int choose_persist(struct cta_plan *p, const struct cta_plan_fs *fs)
{
	const struct cta_plan_input *in;
	int r;

	if (p->notrack.backend == CTA_PLAN_BACKEND_LEGACY) {
		r = input(p, fs, "/etc/iptables/rules.v4", &in);
		if (r < 0)
			return r;
		if (in->content) {
			p->notrack.persist = CTA_PLAN_PERSIST_IPTABLES;
			return input(p, fs, "/etc/iptables/rules.v6", &in);
		}
		p->notrack.persist = CTA_PLAN_PERSIST_UNIT;
		r = input(p, fs, "/etc/ctaudit/notrack.v4", &in);
		if (r >= 0)
			r = input(p, fs, "/etc/ctaudit/notrack.v6", &in);
		return r;
	}
	r = input(p, fs, "/etc/nftables.conf", &in);
	if (r < 0)
		return r;
	if (in->content) {
		p->notrack.persist = CTA_PLAN_PERSIST_NFTABLES;
		return input(p, fs, "/etc/nftables.d/ctaudit.nft", &in);
	}
	p->notrack.persist = CTA_PLAN_PERSIST_UNIT;
	return input(p, fs, "/etc/ctaudit/notrack.nft", &in);
}

static bool port_refused(const struct cta_plan_opts *o, const char *proto, const char *port)
{
	_cleanup_free_ char *k = NULL;

	if (asprintf(&k, "%s/%s", proto, port) < 0)
		return false;
	return refused_get(o, CTA_PLAN_ITEM_NOTRACK, k) != NULL;
}

static int plan_notrack(struct cta_plan *p, const struct cta_plan_fs *fs, json_t *facts,
			const struct cta_report *report, const struct cta_plan_opts *o)
{
	struct cta_plan_notrack *nt = &p->notrack;
	size_t i;
	int r;

	r = installed_notrack(p, facts);
	if (r < 0)
		return r;
	/* keep what is installed: those ports were fixes too */
	for (i = 0; i < nt->cur_v4.n; i++)
		if (ports_add(&nt->want, nt->cur_v4.v[i].proto, nt->cur_v4.v[i].port) < 0)
			return -ENOMEM;
	for (i = 0; i < nt->cur_v6.n; i++)
		if (ports_add(&nt->want, nt->cur_v6.v[i].proto, nt->cur_v6.v[i].port) < 0)
			return -ENOMEM;
	for (i = 0; i < nt->cur_nft.n; i++)
		if (ports_add(&nt->want, nt->cur_nft.v[i].proto, nt->cur_nft.v[i].port) < 0)
			return -ENOMEM;
	FOREACH_FIX(report, res, rem)
	for (i = 0; i < rem->n_notrack; i++) {
		const struct cta_remediation_notrack *e = &rem->notrack[i];

		if (port_refused(o, e->proto, e->port))
			continue;
		r = ports_add(&nt->want, e->proto, e->port);
		if (r < 0)
			return r;
		if (r == 0) {
			struct cta_port_range tmp;

			if (cta_port_range_parse(e->port, CTA_PORT_NO_ZERO, &tmp) < 0 &&
			    add_note(&p->notes, &p->n_notes, res->rule,
				     "ignoring NOTRACK port '%s/%s': not a tcp or udp port or range",
				     e->proto, e->port) < 0)
				return -ENOMEM;
		}
	}
	for (i = 0; i < o->n_extra_ports; i++)
		if (!port_refused(o, o->extra_ports[i].proto, o->extra_ports[i].port) &&
		    ports_add(&nt->want, o->extra_ports[i].proto, o->extra_ports[i].port) < 0)
			return -ENOMEM;
	ports_sort(&nt->want);
	if (nt->want.n == 0)
		return 0;
	nt->rules = calloc(nt->want.n, sizeof(char *));
	if (!nt->rules)
		return -ENOMEM;
	FOREACH_FIX(report, res, rem)
	for (i = 0; i < rem->n_notrack; i++) {
		const struct cta_remediation_notrack *e = &rem->notrack[i];
		struct cta_notrack_port x;

		if (cta_notrack_port_init(&x, 0, e->proto, e->port) < 0)
			continue;
		for (size_t j = 0; j < nt->want.n; j++)
			if (!nt->rules[j] && cta_notrack_port_cmp(&nt->want.v[j], &x) == 0 &&
			    !(nt->rules[j] = strdup(res->rule)))
				return -ENOMEM;
	}
	r = choose_backend(p, fs, facts);
	if (r < 0)
		return r;
	return choose_persist(p, fs);
}

static int plan_runtime(struct cta_plan *p, json_t *facts)
{
	json_t *sysctl = json_object_get(facts, "sysctl");
	bool child = p->netns && streq(p->netns, "other");

	for (size_t i = 0; i < p->n_sysctls; i++) {
		struct cta_plan_sysctl *s = &p->sysctls[i];
		const char *cur = jstr(sysctl, s->key);

		s->in_file = true;
		if (cur && set_str(&s->current, cur) < 0)
			return -ENOMEM;
		if (child && cta_plan_key_host_only(s->key)) {
			/* this namespace's boot cannot set it either */
			s->runtime = CTA_PLAN_RT_HOST_ONLY;
			s->in_file = false;
		} else if (p->offline)
			s->runtime = CTA_PLAN_RT_OFFLINE;
		else if (!cur) {
			s->runtime = CTA_PLAN_RT_ABSENT;
			s->optional = true;
		} else if (value_eq(cur, s->value))
			s->runtime = CTA_PLAN_RT_UNCHANGED;
		else
			s->runtime = CTA_PLAN_RT_SET;
	}
	return 0;
}

int cta_plan_compute(json_t *facts, const struct cta_report *report,
		     const struct cta_plan_opts *opts, struct cta_plan **ret)
{
	_cleanup_(cta_plan_freep) struct cta_plan *p = NULL;
	const struct cta_plan_fs *fs = opts->fs;
	json_t *persisted = json_object_get(facts, "persisted");
	const struct cta_plan_input *own;
	_cleanup_free_ char *own_real = NULL;
	const char *prof = report->profile && *report->profile ? report->profile : NULL;
	int r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->offline = opts->offline;
	p->fix_overrides = opts->fix_overrides;
	if (set_str(&p->profile, prof ? prof : "base") < 0 ||
	    cta_report_target_copy(&p->target, &report->target) < 0 ||
	    set_str(&p->report_generated_at, report->generated_at) < 0 ||
	    set_str(&p->generated_at, opts->generated_at) < 0 ||
	    set_str(&p->netns, jstr(json_object_get(facts, "host"), "netns")) < 0)
		return -ENOMEM;
	p->sysctl_file = opts->sysctl_file ? strdup(opts->sysctl_file) :
					     cta_plan_default_sysctl_file(p->profile);
	if (!p->sysctl_file)
		return -ENOMEM;

	{
		size_t n = strlen(p->sysctl_file);

		/* systemd-sysctl and sysctl --system read only *.conf in sysctl.d */
		if ((!cta_sysctl_in_conf_dir(p->sysctl_file) || n < 5 ||
		     !streq(p->sysctl_file + n - 5, ".conf")) &&
		    add_note(&p->notes, &p->n_notes, NULL,
			     "'%s' is not read at boot: values are set now but not after a reboot "
			     "(use a *.conf file in /etc/sysctl.d)",
			     p->sysctl_file) < 0)
			return -ENOMEM;
	}
	r = input(p, fs, p->sysctl_file, &own);
	if (r < 0)
		return r;
	/* inputs move when more are read: keep our own copy */
	own_real = strdup(own->real);
	if (!own_real)
		return -ENOMEM;
	if (own->content) {
		r = load_own_file(p, own->content);
		if (r < 0)
			return r;
	}
	/* in_file marks keys decided by this run's results while collecting */
	for (size_t i = 0; i < p->n_sysctls; i++)
		p->sysctls[i].in_file = false;
	r = collect_remediations(p, report, opts);
	if (r < 0)
		return r;
	r = merge_extra(p, opts);
	if (r < 0)
		return r;
	if (opts->n_refused) {
		p->refused = calloc(opts->n_refused, sizeof(*p->refused));
		if (!p->refused)
			return -ENOMEM;
		for (; p->n_refused < opts->n_refused; p->n_refused++)
			if (cta_plan_refusal_copy(&p->refused[p->n_refused],
						  &opts->refused[p->n_refused]) < 0)
				return -ENOMEM;
	}

	/* stale keys are not written again by us */
	FOREACH_FIX(report, res, rem)
	for (size_t i = 0; i < rem->n_remove_persisted; i++) {
		struct cta_plan_sysctl *s = find_sysctl(p, rem->remove_persisted[i]);

		if (s) {
			size_t idx = (size_t)(s - p->sysctls);

			free(s->key), free(s->value), free(s->current), free(s->rule),
				free(s->reason), free(s->title), free(s->boot_value),
				free(s->boot_file);
			memmove(s, s + 1, (p->n_sysctls - idx - 1) * sizeof(*s));
			p->n_sysctls--;
		}
	}
	r = plan_runtime(p, facts);
	if (r < 0)
		return r;
	r = plan_precedence(p, fs, persisted, own_real);
	if (r < 0)
		return r;
	r = plan_stale(p, fs, persisted, report, own_real);
	if (r < 0)
		return r;
	r = plan_notrack(p, fs, facts, report, opts);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

bool cta_plan_boot_differs(const struct cta_plan *p)
{
	if (p->offline || (p->netns && streq(p->netns, "other")))
		return false;
	for (size_t i = 0; i < p->n_sysctls; i++) {
		const struct cta_plan_sysctl *s = &p->sysctls[i];

		if (s->in_file && s->boot_value && !value_eq(s->boot_value, s->value))
			return true;
	}
	return false;
}

bool cta_plan_notrack_changes(const struct cta_plan *p)
{
	const struct cta_plan_notrack *nt = &p->notrack;

	if (p->offline || nt->backend == CTA_PLAN_BACKEND_NONE)
		return false;
	if (nt->backend == CTA_PLAN_BACKEND_LEGACY)
		return !cta_plan_ports_equal(&nt->want, &nt->cur_v4) ||
		       !cta_plan_ports_equal(&nt->want, &nt->cur_v6);
	return !cta_plan_ports_equal(&nt->want, &nt->cur_nft);
}

size_t cta_plan_runtime_changes(const struct cta_plan *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_sysctls; i++)
		n += p->sysctls[i].runtime == CTA_PLAN_RT_SET;
	return n;
}

bool cta_plan_has_changes(const struct cta_plan *p)
{
	for (size_t i = 0; i < p->n_files; i++) {
		const struct cta_plan_file *f = &p->files[i];

		if (!f->old || !f->new || !streq(f->old, f->new))
			return true;
	}
	return cta_plan_runtime_changes(p) > 0 || cta_plan_notrack_changes(p);
}
