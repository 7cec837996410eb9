// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render/diff.h"
#include "render/plan-render.h"
#include "render/report.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

static json_t *jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *ports_json(const struct cta_plan_ports *ps, char *const *rules)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < ps->n; i++) {
		json_t *e = json_pack("{s:s, s:s}", "proto", ps->v[i].proto, "port", ps->v[i].port);

		if (e && rules)
			json_object_set_new(e, "rule", jstr_or_null(rules[i]));
		if (!e || json_array_append_new(a, e) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* {"installed": text|null, "planned": text, "diff": text} for one fragment. */
static json_t *fragment_json(char *cur, char *want, const char *label)
{
	_cleanup_free_ char *c = cur, *w = want, *d = NULL, *a = NULL, *b = NULL;

	if (!c || !w || asprintf(&a, "%s (installed)", label) < 0 ||
	    asprintf(&b, "%s (planned)", label) < 0)
		return NULL;
	if (cta_diff_unified(*c ? c : NULL, *w ? w : NULL, a, b, 3, &d) < 0)
		return NULL;
	return json_pack("{s:o, s:s, s:s}", "installed", *c ? json_string(c) : json_null(),
			 "planned", w, "diff", d);
}

static json_t *notrack_json(const struct cta_plan *p)
{
	const struct cta_plan_notrack *nt = &p->notrack;
	json_t *o;

	o = json_pack("{s:s, s:o, s:s, s:b, s:o, s:{s:o, s:o, s:o}}", "backend",
		      cta_plan_backend_to_string(nt->backend), "backend_reason",
		      jstr_or_null(nt->backend_reason), "persist",
		      cta_plan_persist_to_string(nt->persist), "changes",
		      cta_plan_notrack_changes(p), "ports", ports_json(&nt->want, nt->rules),
		      "installed", "ipv4", ports_json(&nt->cur_v4, NULL), "ipv6",
		      ports_json(&nt->cur_v6, NULL), "nft", ports_json(&nt->cur_nft, NULL));
	if (!o)
		return NULL;
	if (json_object_set_new(o, "persist_by_family",
				json_pack("{s:o, s:o}", "ipv4", jstr_or_null(nt->persist_how[0]),
					  "ipv6", jstr_or_null(nt->persist_how[1]))) < 0) {
		json_decref(o);
		return NULL;
	}
	if (json_object_set_new(o, "iptables",
				fragment_json(cta_render_notrack_iptables(&nt->cur_v4),
					      cta_render_notrack_iptables(&nt->want),
					      "iptables-legacy raw")) < 0 ||
	    json_object_set_new(o, "nft",
				fragment_json(cta_render_notrack_nft(&nt->cur_nft),
					      cta_render_notrack_nft(&nt->want),
					      "table inet ctaudit")) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *notes_json(const struct cta_plan_note *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a,
					  json_pack("{s:o, s:s}", "rule", jstr_or_null(v[i].rule),
						    "text", v[i].text)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *refused_json(const struct cta_plan *p)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < p->n_refused; i++) {
		const struct cta_plan_refusal *x = &p->refused[i];
		json_t *e = json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:s}", "kind",
				      x->kind == CTA_PLAN_ITEM_NOTRACK ? "notrack" : "sysctl",
				      "key", x->key, "value", jstr_or_null(x->value), "rule",
				      jstr_or_null(x->rule), "caused", x->caused, "severity",
				      x->severity, "reason", x->reason);

		if (!e || json_array_append_new(a, e) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int cta_render_plan_json(const struct cta_plan *p, json_t **ret)
{
	_cleanup_json_ json_t *o = NULL;
	json_t *sys, *edits, *files;
	size_t nfiles = 0;

	sys = json_array();
	edits = json_array();
	files = json_array();
	o = json_pack("{s:i, s:s, s:o, s:s, s:b, s:b, s:o, s:o, s:o}", "schema_version",
		      CTA_PLAN_JSON_SCHEMA_VERSION, "profile", p->profile, "netns",
		      jstr_or_null(p->netns), "sysctl_file", p->sysctl_file, "offline", p->offline,
		      "changes", cta_plan_has_changes(p), "sysctl", sys, "edits", edits, "files",
		      files);
	if (!o || json_object_set_new(o, "target", cta_report_target_to_json(&p->target)) < 0 ||
	    json_object_set_new(o, "ctaudit_version", json_string(CTA_VERSION)) < 0 ||
	    (p->generated_at &&
	     json_object_set_new(o, "generated_at", json_string(p->generated_at)) < 0) ||
	    (p->report_generated_at &&
	     json_object_set_new(o, "report_generated_at", json_string(p->report_generated_at)) <
		     0))
		return -ENOMEM;
	for (size_t i = 0; i < p->n_sysctls; i++) {
		const struct cta_plan_sysctl *s = &p->sysctls[i];
		json_t *e = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:b, s:b, s:{s:o, s:o, s:o}}",
				      "key", s->key, "value", s->value, "current",
				      jstr_or_null(s->current), "rule", s->rule, "reason",
				      s->reason ? s->reason : "", "runtime",
				      cta_plan_rt_to_string(s->runtime), "in_file", s->in_file,
				      "optional", s->optional, "boot", "value",
				      jstr_or_null(s->boot_value), "file",
				      jstr_or_null(s->boot_file), "line",
				      s->boot_file ? json_integer(s->boot_line) : json_null());

		if (!e || json_array_append_new(sys, e) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < p->n_edits; i++) {
		const struct cta_plan_edit *d = &p->edits[i];
		json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:b, s:o}", "kind",
				      d->kind == CTA_PLAN_EDIT_OVERRIDE ? "override" : "stale",
				      "key", d->key, "value", d->value, "file", d->file, "line",
				      (json_int_t)d->line, "rule", d->rule, "fix", d->fix, "note",
				      jstr_or_null(d->note));

		if (!e || json_array_append_new(edits, e) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < p->n_files; i++) {
		const struct cta_plan_file *pf = &p->files[i];
		_cleanup_free_ char *d = NULL, *mode = NULL;
		json_t *e;

		if (cta_diff_unified(pf->old, pf->new, pf->path, pf->path, 3, &d) < 0 ||
		    asprintf(&mode, "%04o", (unsigned)pf->mode) < 0)
			return -ENOMEM;
		e = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "path", pf->path, "kind",
			      pf->kind, "action", pf->old ? "modify" : "create", "mode", mode,
			      "old", jstr_or_null(pf->old), "new", pf->new, "diff", d);
		if (!e || json_array_append_new(files, e) < 0)
			return -ENOMEM;
		nfiles++;
	}
	if (json_object_set_new(o, "notrack", p->notrack.want.n ? notrack_json(p) : json_null()) <
		    0 ||
	    json_object_set_new(o, "advice", notes_json(p->advice, p->n_advice)) < 0 ||
	    json_object_set_new(o, "notes", notes_json(p->notes, p->n_notes)) < 0 ||
	    json_object_set_new(o, "refused", refused_json(p)) < 0 ||
	    json_object_set_new(o, "rounds", json_integer(p->rounds)) < 0 ||
	    json_object_set_new(o, "boot_differs", json_boolean(cta_plan_boot_differs(p))) < 0 ||
	    json_object_set_new(o, "summary",
				json_pack("{s:i, s:i, s:b}", "files", (json_int_t)nfiles, "runtime",
					  (json_int_t)cta_plan_runtime_changes(p), "notrack",
					  cta_plan_notrack_changes(p))) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}
