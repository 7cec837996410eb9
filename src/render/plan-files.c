// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include "render/plan-render.h"
#include "util/macro.h"
#include "util/banned.h"

#define NFT_FILE "/etc/nftables.d/ctaudit.nft"
#define NFT_INCLUDE "include \"" NFT_FILE "\""

/* Strings are built with open_memstream; fclose reports allocation failure. */
static char *finish(FILE *f, char **buf)
{
	if (fclose(f) != 0) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

/* A reason on one line: the file format is line based. */
static void put_oneline(FILE *f, const char *s)
{
	for (; s && *s; s++)
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
}

static int key_cmp(const void *a, const void *b)
{
	const struct cta_plan_sysctl *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

char *cta_render_sysctl_conf(const struct cta_plan *p)
{
	_cleanup_free_ const struct cta_plan_sysctl **v = NULL;
	char *buf = NULL;
	size_t size, n = 0;
	FILE *f;

	v = calloc(p->n_sysctls + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < p->n_sysctls; i++)
		if (p->sysctls[i].in_file)
			v[n++] = &p->sysctls[i];
	qsort(v, n, sizeof(*v), key_cmp);
	f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	fprintf(f,
		"# Written by ctaudit for the role profile '%s'. 'ctaudit plan' says why each\n"
		"# value is needed and 'ctaudit rollback' restores the previous state. ctaudit\n"
		"# rewrites this file: change the profile rather than editing it.\n",
		p->profile);
	for (size_t i = 0; i < n; i++) {
		/* the static title, never the live message: the file must not change
		 * while only counts or sockets do */
		fprintf(f, "\n# %s: ", v[i]->rule);
		put_oneline(f, v[i]->title ? v[i]->title : v[i]->reason);
		fprintf(f, "\n%s%s = %s\n", v[i]->optional ? "-" : "", v[i]->key, v[i]->value);
	}
	return finish(f, &buf);
}

/* "8000-8100" -> "8000:8100" for iptables */
static void put_ipt_port(FILE *f, const char *port)
{
	for (; *port; port++)
		fputc(*port == '-' ? ':' : *port, f);
}

char *cta_render_notrack_iptables(const struct cta_plan_ports *ps)
{
	char *buf = NULL;
	size_t size;
	FILE *f;

	if (ps->n == 0)
		return strdup("");
	f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	/*
	 * For `iptables-restore --noflush`: no built-in chain is declared (that
	 * would reset its policy, and without --noflush the whole table is
	 * flushed); declaring a user chain creates it or flushes just it.  The
	 * jumps are inserted at the top; iptables-restore cannot delete a rule
	 * only if it exists, so whoever loads this twice removes the old jumps
	 * first (ctaudit-notrack.service does; apply uses libiptc instead).
	 */
	fputs("*raw\n"
	      ":CTAUDIT_OUTPUT - [0:0]\n"
	      ":CTAUDIT_PREROUTING - [0:0]\n"
	      "-I PREROUTING 1 -j CTAUDIT_PREROUTING\n"
	      "-I OUTPUT 1 -j CTAUDIT_OUTPUT\n",
	      f);
	for (size_t i = 0; i < ps->n; i++) {
		fprintf(f, "-A CTAUDIT_PREROUTING -p %s -m %s --dport ", ps->v[i].proto,
			ps->v[i].proto);
		put_ipt_port(f, ps->v[i].port);
		fputs(" -j CT --notrack\n", f);
	}
	for (size_t i = 0; i < ps->n; i++) {
		fprintf(f, "-A CTAUDIT_OUTPUT -p %s -m %s --sport ", ps->v[i].proto,
			ps->v[i].proto);
		put_ipt_port(f, ps->v[i].port);
		fputs(" -j CT --notrack\n", f);
	}
	fputs("COMMIT\n", f);
	return finish(f, &buf);
}

char *cta_render_notrack_nft(const struct cta_plan_ports *ps)
{
	char *buf = NULL;
	size_t size;
	FILE *f;

	if (ps->n == 0)
		return strdup("");
	f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	fputs("table inet ctaudit {\n"
	      "\tchain prerouting {\n"
	      "\t\ttype filter hook prerouting priority raw; policy accept;\n",
	      f);
	for (size_t i = 0; i < ps->n; i++)
		fprintf(f, "\t\t%s dport %s notrack\n", ps->v[i].proto, ps->v[i].port);
	fputs("\t}\n\n"
	      "\tchain output {\n"
	      "\t\ttype filter hook output priority raw; policy accept;\n",
	      f);
	for (size_t i = 0; i < ps->n; i++)
		fprintf(f, "\t\t%s sport %s notrack\n", ps->v[i].proto, ps->v[i].port);
	fputs("\t}\n}\n", f);
	return finish(f, &buf);
}

/* The file nft -f loads at boot: replaces the table whether or not it exists. */
static char *nft_persisted(const struct cta_plan_ports *ps)
{
	_cleanup_free_ char *body = cta_render_notrack_nft(ps);
	char *r;

	if (!body)
		return NULL;
	if (asprintf(&r,
		     "#!/usr/sbin/nft -f\n"
		     "# Written by ctaudit: service ports that bypass connection tracking.\n"
		     "# 'ctaudit plan' says why; 'ctaudit rollback' restores the previous state.\n"
		     "table inet ctaudit\n"
		     "delete table inet ctaudit\n"
		     "%s",
		     body) < 0)
		return NULL;
	return r;
}

static bool is_ctaudit_raw_line(const char *l, size_t n)
{
	static const char *const pfx[] = {
		":CTAUDIT_PREROUTING ",
		":CTAUDIT_OUTPUT ",
		"-A CTAUDIT_PREROUTING ",
		"-A CTAUDIT_OUTPUT ",
	};
	static const char *const whole[] = {
		"-A PREROUTING -j CTAUDIT_PREROUTING",
		"-A OUTPUT -j CTAUDIT_OUTPUT",
		"-I PREROUTING 1 -j CTAUDIT_PREROUTING",
		"-I OUTPUT 1 -j CTAUDIT_OUTPUT",
	};

	for (size_t i = 0; i < ELEMENTSOF(pfx); i++)
		if (n >= strlen(pfx[i]) && strneq(l, pfx[i], strlen(pfx[i])))
			return true;
	for (size_t i = 0; i < ELEMENTSOF(whole); i++)
		if (n == strlen(whole[i]) && strneq(l, whole[i], n))
			return true;
	return false;
}

static void put_our_rules(FILE *f, const struct cta_plan_ports *ps, const char *chain,
			  const char *dir)
{
	for (size_t i = 0; i < ps->n; i++) {
		fprintf(f, "-A %s -p %s -m %s --%s ", chain, ps->v[i].proto, ps->v[i].proto, dir);
		put_ipt_port(f, ps->v[i].port);
		fputs(" -j CT --notrack\n", f);
	}
}

char *cta_render_iptables_persistent(const char *old, const struct cta_plan_ports *ps)
{
	const char *s = old ? old : "";
	bool in_raw = false, seen_raw = false, jumps_done = false;
	char *buf = NULL;
	size_t size;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	while (*s) {
		size_t n = strcspn(s, "\n");
		bool nl = s[n] == '\n';

		if (n == 4 && strneq(s, "*raw", 4)) {
			in_raw = seen_raw = true;
			jumps_done = false;
		} else if (in_raw && is_ctaudit_raw_line(s, n)) {
			s += n + nl;
			continue;
		} else if (in_raw && n >= 2 && strneq(s, "-A", 2) && !jumps_done) {
			/* our jumps go first: "from the top of PREROUTING" */
			if (ps->n)
				fputs("-A PREROUTING -j CTAUDIT_PREROUTING\n"
				      "-A OUTPUT -j CTAUDIT_OUTPUT\n",
				      f);
			jumps_done = true;
		} else if (in_raw && n == 6 && strneq(s, "COMMIT", 6)) {
			if (!jumps_done && ps->n)
				fputs("-A PREROUTING -j CTAUDIT_PREROUTING\n"
				      "-A OUTPUT -j CTAUDIT_OUTPUT\n",
				      f);
			put_our_rules(f, ps, "CTAUDIT_PREROUTING", "dport");
			put_our_rules(f, ps, "CTAUDIT_OUTPUT", "sport");
			in_raw = false;
		}
		fwrite(s, 1, n, f);
		fputc('\n', f);
		/* chain declarations: ours after the built-in ones */
		if (in_raw && n == 4 && strneq(s, "*raw", 4) && ps->n) {
			const char *t = s + n + nl;
			/* emit ours right after the last ":" line: find it */
			while (*t == ':' || *t == '#') {
				size_t m = strcspn(t, "\n");

				if (!is_ctaudit_raw_line(t, m)) {
					fwrite(t, 1, m, f);
					fputc('\n', f);
				}
				t += m + (t[m] == '\n');
			}
			fputs(":CTAUDIT_OUTPUT - [0:0]\n:CTAUDIT_PREROUTING - [0:0]\n", f);
			s = t;
			continue;
		}
		s += n + nl;
	}
	if (!seen_raw && ps->n) {
		/* a whole table of a file loaded without --noflush: appended jumps
		 * are the only ones, in the form the loop above recognises */
		fputs("*raw\n"
		      ":CTAUDIT_OUTPUT - [0:0]\n"
		      ":CTAUDIT_PREROUTING - [0:0]\n"
		      "-A PREROUTING -j CTAUDIT_PREROUTING\n"
		      "-A OUTPUT -j CTAUDIT_OUTPUT\n",
		      f);
		put_our_rules(f, ps, "CTAUDIT_PREROUTING", "dport");
		put_our_rules(f, ps, "CTAUDIT_OUTPUT", "sport");
		fputs("COMMIT\n", f);
	}
	return finish(f, &buf);
}

/* Comment out the edited lines of one file; @target_note names where it goes. */
static char *edit_file(const struct cta_plan *p, const char *file, const char *content)
{
	const char *s = content;
	char *buf = NULL;
	size_t size;
	unsigned line = 1;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	while (*s) {
		size_t n = strcspn(s, "\n");
		const struct cta_plan_edit *e = NULL;

		for (size_t i = 0; i < p->n_edits; i++)
			if (p->edits[i].fix && p->edits[i].line == line &&
			    streq(p->edits[i].file, file))
				e = &p->edits[i];
		if (e && e->kind == CTA_PLAN_EDIT_OVERRIDE) {
			/* the value overridden is ours, not the one on this line */
			const char *ours = e->value;

			for (size_t i = 0; i < p->n_sysctls; i++)
				if (streq(p->sysctls[i].key, e->key))
					ours = p->sysctls[i].value;
			fprintf(f,
				"# ctaudit: commented out, it overrode %s = %s in %s with %s (rule "
				"%s)\n",
				e->key, ours, p->sysctl_file, e->value, e->rule);
		} else if (e)
			fprintf(f, "# ctaudit: commented out, stale key %s (rule %s)\n", e->key,
				e->rule);
		if (e)
			fputc('#', f);
		fwrite(s, 1, n, f);
		fputc('\n', f);
		s += n + (s[n] == '\n');
		line++;
	}
	return finish(f, &buf);
}

static int add_file(struct cta_plan *p, const char *path, const char *kind, const char *old,
		    char *new_take, mode_t mode)
{
	_cleanup_free_ char *nw = new_take;
	struct cta_plan_file *v, *e;

	if (!nw)
		return -ENOMEM;
	if (old && streq(old, nw))
		return 0;
	for (size_t i = 0; i < p->n_files; i++)
		if (streq(p->files[i].path, path))
			return -EEXIST; /* two edits of one file: caller bug */
	v = realloc(p->files, (p->n_files + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->files = v;
	e = &v[p->n_files];
	*e = (struct cta_plan_file){ .kind = kind, .mode = mode };
	e->path = strdup(path);
	e->old = old ? strdup(old) : NULL;
	if (!e->path || (old && !e->old)) {
		free(e->path);
		free(e->old);
		return -ENOMEM;
	}
	e->new = TAKE_PTR(nw);
	p->n_files++;
	return 0;
}

static const char *real_of(const struct cta_plan *p, const char *path)
{
	const struct cta_plan_input *in = cta_plan_input_get(p, path);

	return in ? in->real : path;
}

static const char *content_of(const struct cta_plan *p, const char *path)
{
	const struct cta_plan_input *in = cta_plan_input_get(p, path);

	return in ? in->content : NULL;
}

static bool edit_in_etc(const char *file)
{
	return streq(file, "/etc/sysctl.conf") || strneq(file, "/etc/sysctl.d/", 14);
}

static int render_edits(struct cta_plan *p)
{
	int r;

	for (size_t i = 0; i < p->n_edits; i++) {
		const struct cta_plan_edit *e = &p->edits[i];
		_cleanup_free_ char *target = NULL;
		const char *content;
		bool first = true;

		if (!e->fix)
			continue;
		for (size_t j = 0; j < i; j++)
			if (p->edits[j].fix && streq(p->edits[j].file, e->file))
				first = false;
		if (!first)
			continue;
		content = content_of(p, e->file);
		if (!content)
			continue;
		/* package files are not edited: a copy in /etc/sysctl.d hides them */
		if (edit_in_etc(e->file))
			target = strdup(real_of(p, e->file));
		else
			r = asprintf(&target, "/etc/sysctl.d/%s", strrchr(e->file, '/') + 1),
			(void)r;
		if (!target)
			return -ENOMEM;
		r = add_file(p, target, "override", edit_in_etc(e->file) ? content : NULL,
			     edit_file(p, e->file, content), 0644);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Whether nftables.conf text @conf already loads @path: an `include "X"`
 * statement (not a comment) whose X names it, directly or as a glob (nft
 * expands include globs such as "/etc/nftables.d/<star>.nft", and takes a
 * relative X from its include path, /etc by default).  A second include of
 * the same file would load its table twice.
 */
static bool nft_conf_includes(const char *conf, const char *path)
{
	for (const char *l = conf; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *q, *e;
		_cleanup_free_ char *x = NULL;

		while (*l == ' ' || *l == '\t')
			l++;
		if (strncmp(l, "include", 7) != 0 || !isspace((unsigned char)l[7]))
			continue;
		q = l + 7;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '"')
			continue;
		e = strchr(q + 1, '"');
		if (!e || memchr(q, '\n', (size_t)(e - q)))
			continue;
		if (q[1] == '/')
			x = strndup(q + 1, (size_t)(e - q - 1));
		else if (asprintf(&x, "/etc/%.*s", (int)(e - q - 1), q + 1) < 0)
			x = NULL;
		if (x && fnmatch(x, path, FNM_PATHNAME) == 0)
			return true;
	}
	return false;
}

/*
 * Say per family how the planned rules survive a reboot (issue: without
 * rules.v6 the IPv6 rules were silently not persisted).  Families without a
 * rule get NULL.
 */
static int describe_persist(struct cta_plan *p)
{
	struct cta_plan_notrack *nt = &p->notrack;
	bool fam[2] = { false, false };

	for (size_t i = 0; i < nt->want.n; i++) {
		fam[0] |= nt->want.v[i].family != AF_INET6;
		fam[1] |= nt->want.v[i].family != AF_INET;
	}
	for (int k = 0; k < 2; k++) {
		const char *v6file = "/etc/iptables/rules.v6";
		char *how = NULL;
		int r = 0;

		free(nt->persist_how[k]);
		nt->persist_how[k] = NULL;
		if (!fam[k])
			continue;
		switch (nt->persist) {
		case CTA_PLAN_PERSIST_IPTABLES:
			if (k == 0)
				how = strdup(
					"at boot from /etc/iptables/rules.v4 (iptables-persistent)");
			else if (content_of(p, v6file))
				how = strdup(
					"at boot from /etc/iptables/rules.v6 (iptables-persistent)");
			else
				r = asprintf(
					&how,
					"NOT persisted: %s does not exist, so the IPv6 rules are "
					"lost at reboot (create it, e.g. 'ip6tables-save > %s', "
					"and run apply again)",
					v6file, v6file);
			break;
		case CTA_PLAN_PERSIST_NFTABLES:
			how = strdup("at boot from " NFT_FILE
				     " (table inet ctaudit, included by /etc/nftables.conf)");
			break;
		case CTA_PLAN_PERSIST_UNIT:
			r = asprintf(&how, "at boot by ctaudit-notrack.service from %s",
				     nt->backend == CTA_PLAN_BACKEND_LEGACY ?
					     (k ? "/etc/ctaudit/notrack.v6" :
						  "/etc/ctaudit/notrack.v4") :
					     "/etc/ctaudit/notrack.nft");
			break;
		default:
			how = strdup("NOT persisted: lost at reboot");
			break;
		}
		if (r < 0 || !how)
			return -ENOMEM;
		nt->persist_how[k] = how;
	}
	return 0;
}

static int render_persist(struct cta_plan *p)
{
	const struct cta_plan_notrack *nt = &p->notrack;
	const char *old;
	int r = 0;

	if (nt->want.n == 0)
		return 0;
	r = describe_persist(p);
	if (r < 0)
		return r;
	switch (nt->persist) {
	case CTA_PLAN_PERSIST_IPTABLES:
		old = content_of(p, "/etc/iptables/rules.v4");
		r = add_file(p, real_of(p, "/etc/iptables/rules.v4"), "iptables-persistent", old,
			     cta_render_iptables_persistent(old, &nt->want), 0640);
		if (r >= 0 && (old = content_of(p, "/etc/iptables/rules.v6")))
			r = add_file(p, real_of(p, "/etc/iptables/rules.v6"), "iptables-persistent",
				     old, cta_render_iptables_persistent(old, &nt->want), 0640);
		break;
	case CTA_PLAN_PERSIST_NFTABLES:
		old = content_of(p, "/etc/nftables.conf");
		r = add_file(p, real_of(p, NFT_FILE), "nftables", content_of(p, NFT_FILE),
			     nft_persisted(&nt->want), 0644);
		if (r >= 0 && old && !nft_conf_includes(old, NFT_FILE)) {
			char *nw;
			size_t n = strlen(old);

			if (asprintf(&nw, "%s%s# added by ctaudit: its NOTRACK rules\n%s\n", old,
				     n && old[n - 1] != '\n' ? "\n" : "", NFT_INCLUDE) < 0)
				return -ENOMEM;
			r = add_file(p, real_of(p, "/etc/nftables.conf"), "nftables", old, nw,
				     0755);
		}
		break;
	case CTA_PLAN_PERSIST_UNIT:
		if (nt->backend == CTA_PLAN_BACKEND_LEGACY) {
			r = add_file(p, real_of(p, "/etc/ctaudit/notrack.v4"), "notrack-unit",
				     content_of(p, "/etc/ctaudit/notrack.v4"),
				     cta_render_notrack_iptables(&nt->want), 0644);
			if (r >= 0)
				r = add_file(p, real_of(p, "/etc/ctaudit/notrack.v6"),
					     "notrack-unit",
					     content_of(p, "/etc/ctaudit/notrack.v6"),
					     cta_render_notrack_iptables(&nt->want), 0644);
		} else {
			r = add_file(p, real_of(p, "/etc/ctaudit/notrack.nft"), "notrack-unit",
				     content_of(p, "/etc/ctaudit/notrack.nft"),
				     nft_persisted(&nt->want), 0644);
		}
		break;
	default:
		break;
	}
	return r;
}

int cta_plan_render_files(struct cta_plan *p)
{
	const struct cta_plan_input *own = cta_plan_input_get(p, p->sysctl_file);
	bool any = false;
	int r;

	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i].path), free(p->files[i].old), free(p->files[i].new);
	free(p->files);
	p->files = NULL;
	p->n_files = 0;

	for (size_t i = 0; i < p->n_sysctls; i++)
		any |= p->sysctls[i].in_file;
	if (any || (own && own->content)) {
		r = add_file(p, own ? own->real : p->sysctl_file, "sysctl",
			     own ? own->content : NULL, cta_render_sysctl_conf(p), 0644);
		if (r < 0)
			return r;
	}
	r = render_edits(p);
	if (r < 0)
		return r;
	return render_persist(p);
}
