// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render/diff.h"
#include "render/plan-render.h"
#include "util/macro.h"
#include "util/banned.h"

static int put_diff(FILE *f, const char *old, const char *new, const char *a, const char *b)
{
	_cleanup_free_ char *d = NULL;
	int r = cta_diff_unified(old, new, a, b, 3, &d);

	if (r < 0)
		return r;
	fputs(d, f);
	return 0;
}

static int put_file(FILE *f, const struct cta_plan *p, const struct cta_plan_file *pf)
{
	const char *hides = NULL;

	/* a copy in /etc/sysctl.d that hides a package's file of the same name */
	for (size_t i = 0; !pf->old && streq(pf->kind, "override") && i < p->n_edits; i++) {
		const char *b = strrchr(p->edits[i].file, '/');

		if (p->edits[i].fix && b && !strneq(p->edits[i].file, "/etc/", 5) &&
		    streq(b, strrchr(pf->path, '/')))
			hides = p->edits[i].file;
	}
	if (hides)
		fprintf(f, "%s (new file hiding %s):\n", pf->path, hides);
	else
		fprintf(f, "%s (%s):\n", pf->path, pf->old ? "changed" : "new file");
	return put_diff(f, pf->old, pf->new, pf->path, pf->path);
}

/* Diff of a rule fragment: an empty installed set means "no rules" (/dev/null). */
static int put_fragment_diff(FILE *f, const char *title, const char *cur, const char *want,
			     const char *label)
{
	_cleanup_free_ char *a = NULL, *b = NULL;

	if (asprintf(&a, "%s (installed)", label) < 0 || asprintf(&b, "%s (planned)", label) < 0)
		return -ENOMEM;
	fprintf(f, "  %s:\n", title);
	if (streq(cur, want)) {
		fputs("    (no change)\n", f);
		return 0;
	}
	return put_diff(f, *cur ? cur : NULL, *want ? want : NULL, a, b);
}

static int put_notrack(FILE *f, const struct cta_plan *p)
{
	const struct cta_plan_notrack *nt = &p->notrack;
	_cleanup_free_ char *want_i = NULL, *v4 = NULL, *v6 = NULL, *want_n = NULL, *cn = NULL;
	int r;

	if (nt->want.n == 0)
		return 0;
	fputs("\nNOTRACK rules for service ports (connections on them bypass conntrack):\n", f);
	for (size_t i = 0; i < nt->want.n; i++)
		fprintf(f, "  %s/%s (rule %s)\n", nt->want.v[i].proto, nt->want.v[i].port,
			nt->rules && nt->rules[i] ? nt->rules[i] : "installed earlier");
	fprintf(f, "  apply installs them with %s: %s; persisted with %s\n",
		cta_plan_backend_to_string(nt->backend), nt->backend_reason,
		cta_plan_persist_to_string(nt->persist));
	if (p->offline)
		fputs("  (--offline: the running rules are not changed)\n", f);
	if (nt->persist == CTA_PLAN_PERSIST_UNIT)
		fputs("  at boot ctaudit-notrack.service loads them (systemctl enable "
		      "ctaudit-notrack.service)\n",
		      f);
	if (nt->persist_how[0])
		fprintf(f, "  IPv4: %s\n", nt->persist_how[0]);
	if (nt->persist_how[1])
		fprintf(f, "  IPv6: %s\n", nt->persist_how[1]);
	want_i = cta_render_notrack_iptables(&nt->want);
	v4 = cta_render_notrack_iptables(&nt->cur_v4);
	v6 = cta_render_notrack_iptables(&nt->cur_v6);
	want_n = cta_render_notrack_nft(&nt->want);
	cn = cta_render_notrack_nft(&nt->cur_nft);
	if (!want_i || !v4 || !v6 || !want_n || !cn)
		return -ENOMEM;
	if (streq(v4, v6)) {
		r = put_fragment_diff(f, "iptables-restore fragment, raw table (IPv4 and IPv6)", v4,
				      want_i, "iptables-legacy raw");
	} else {
		r = put_fragment_diff(f, "iptables-restore fragment, raw table (IPv4)", v4, want_i,
				      "iptables-legacy raw");
		if (r >= 0)
			r = put_fragment_diff(f, "ip6tables-restore fragment, raw table (IPv6)", v6,
					      want_i, "ip6tables-legacy raw");
	}
	if (r < 0)
		return r;
	return put_fragment_diff(f, "nft fragment, table inet ctaudit", cn, want_n,
				 "table inet ctaudit");
}

/* Whether the plan writes ctaudit's sysctl.d file (not in a child namespace without --boot-files). */
static bool writes_sysctl_file(const struct cta_plan *p)
{
	for (size_t i = 0; i < p->n_files; i++)
		if (streq(p->files[i].kind, "sysctl"))
			return true;
	return false;
}

static void put_runtime(FILE *f, const struct cta_plan *p)
{
	bool head = false;

	for (size_t i = 0; i < p->n_sysctls; i++) {
		const struct cta_plan_sysctl *s = &p->sysctls[i];

		if (s->runtime == CTA_PLAN_RT_UNCHANGED)
			continue;
		if (!head)
			fputs("\nruntime (/proc/sys):\n", f);
		head = true;
		switch (s->runtime) {
		case CTA_PLAN_RT_SET:
			fprintf(f, "  %s: %s -> %s (rule %s)\n", s->key,
				cta_plan_value_text(s->current), cta_plan_value_text(s->value),
				s->rule);
			break;
		case CTA_PLAN_RT_ABSENT:
			if (writes_sysctl_file(p))
				fprintf(f,
					"  %s: the running kernel has no such key: not set at "
					"runtime, written as '-%s' (rule %s)\n",
					s->key, s->key, s->rule);
			else
				fprintf(f,
					"  %s: the running kernel has no such key: not set "
					"(rule %s)\n",
					s->key, s->rule);
			break;
		case CTA_PLAN_RT_HOST_ONLY:
			if (s->current && streq(s->current, s->value)) {
				fprintf(f, "  %s: %s already (a global key, set on the host)\n",
					s->key, s->value);
				break;
			}
			fprintf(f,
				"  %s: %s -> %s must be set on the host: the key is global and "
				"read-only in this network namespace (rule %s)\n",
				s->key, s->current ? cta_plan_value_text(s->current) : "unknown",
				cta_plan_value_text(s->value), s->rule);
			break;
		case CTA_PLAN_RT_OFFLINE:
			fprintf(f, "  %s: -> %s at next boot (--offline) (rule %s)\n", s->key,
				s->value, s->rule);
			break;
		default:
			break;
		}
	}
}

/*
 * Why an edit another file needs is not made: a child namespace's plan
 * without --boot-files leaves every boot-time file alone (drop_boot_files()
 * in src/cli/cmd-plan.c), so --fix-overrides alone would change nothing.
 */
static void put_edit_state(FILE *f, const struct cta_plan *p, const struct cta_plan_edit *e)
{
	if (e->fix)
		fputs("; commented out by this plan (--fix-overrides)\n", f);
	else if (e->note)
		fprintf(f, "; not fixed: %s\n", e->note);
	else if (p->netns && streq(p->netns, "other") && !writes_sysctl_file(p))
		fputs("; boot-time files are the initial namespace's: --boot-files with "
		      "--fix-overrides comments it out\n",
		      f);
	else
		fputs("; --fix-overrides comments it out\n", f);
}

static void put_precedence(FILE *f, const struct cta_plan *p)
{
	bool head = false;

	for (size_t i = 0; i < p->n_edits; i++) {
		const struct cta_plan_edit *e = &p->edits[i];

		if (e->kind != CTA_PLAN_EDIT_OVERRIDE)
			continue;
		if (!head)
			fputs("\nboot-time precedence:\n", f);
		head = true;
		fprintf(f, "  %s: %s:%u sets %s and is read after %s", e->key, e->file, e->line,
			e->value, p->sysctl_file);
		put_edit_state(f, p, e);
	}
	for (size_t i = 0; i < p->n_sysctls; i++) {
		const struct cta_plan_sysctl *s = &p->sysctls[i];

		if (s->in_file && s->boot_file && s->boot_value && !streq(s->boot_value, s->value))
			fprintf(f, "  %s: at boot the value will be %s (from %s:%u), not %s\n",
				s->key, s->boot_value, s->boot_file, s->boot_line, s->value);
	}
}

static void put_stale(FILE *f, const struct cta_plan *p)
{
	bool head = false;

	for (size_t i = 0; i < p->n_edits; i++) {
		const struct cta_plan_edit *e = &p->edits[i];

		if (e->kind != CTA_PLAN_EDIT_STALE)
			continue;
		if (!head)
			fputs("\nstale keys in configuration files:\n", f);
		head = true;
		fprintf(f, "  %s:%u: %s = %s (rule %s)", e->file, e->line, e->key, e->value,
			e->rule);
		put_edit_state(f, p, e);
	}
}

int cta_render_plan_text(const struct cta_plan *p, char **ret)
{
	char *buf = NULL;
	size_t size, nfiles = 0, nrt = cta_plan_runtime_changes(p);
	bool nt = cta_plan_notrack_changes(p);
	FILE *f = open_memstream(&buf, &size);
	int r = 0;

	if (!f)
		return -ENOMEM;
	fprintf(f, "plan for profile '%s'%s\n", p->profile,
		p->netns && streq(p->netns, "other") ? " in a child network namespace" : "");

	for (size_t i = 0; i < p->n_files && r >= 0; i++) {
		if (!streq(p->files[i].kind, "sysctl"))
			continue;
		fputs("\nsysctl.d file ", f);
		r = put_file(f, p, &p->files[i]);
		nfiles++;
	}
	put_runtime(f, p);
	put_precedence(f, p);
	put_stale(f, p);
	for (size_t i = 0; i < p->n_files && r >= 0; i++) {
		if (!streq(p->files[i].kind, "override"))
			continue;
		fputs("\nedited configuration file ", f);
		r = put_file(f, p, &p->files[i]);
		nfiles++;
	}
	if (r >= 0)
		r = put_notrack(f, p);
	for (size_t i = 0; i < p->n_files && r >= 0; i++) {
		const char *k = p->files[i].kind;

		if (streq(k, "sysctl") || streq(k, "override"))
			continue;
		fprintf(f, "\npersisted NOTRACK rules (%s) ", k);
		r = put_file(f, p, &p->files[i]);
		nfiles++;
	}
	if (p->n_advice)
		fputs("\nadvice (no automatic fix):\n", f);
	for (size_t i = 0; i < p->n_advice; i++)
		fprintf(f, "  %s: %s\n", p->advice[i].rule, p->advice[i].text);
	if (p->n_refused)
		fputs("\nrefused (predicted to make a rule fail; not changed):\n", f);
	for (size_t i = 0; i < p->n_refused; i++)
		fprintf(f, "  %s (asked by %s): %s\n", p->refused[i].key,
			p->refused[i].rule ? p->refused[i].rule : "an earlier apply",
			p->refused[i].reason);
	if (p->n_notes)
		fputs("\nnotes:\n", f);
	for (size_t i = 0; i < p->n_notes; i++)
		fprintf(f, "  %s\n", p->notes[i].text);

	if (!cta_plan_has_changes(p) && cta_plan_boot_differs(p))
		fputs("\nnothing to change now, but a value differs at boot (see above)\n", f);
	else if (!cta_plan_has_changes(p))
		fputs("\nnothing to change\n", f);
	else
		fprintf(f, "\n%zu file%s to write, %zu runtime value%s to set%s\n", nfiles,
			nfiles == 1 ? "" : "s", nrt, nrt == 1 ? "" : "s",
			nt ? ", NOTRACK rules to change" : "");
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	return 0;
}
