/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_RENDER_PLAN_RENDER_H
#define CTA_RENDER_PLAN_RENDER_H

#include <jansson.h>
#include "plan/plan.h"

/*
 * Rendering of a plan (pure): the artefacts it writes (sysctl.d file,
 * iptables-restore and nft fragments, persisted rule files, edited files),
 * and the plan itself as text or JSON (docs/plan-json.md).
 * Every char * returned is new (caller frees); NULL means ENOMEM.
 */

#define CTA_PLAN_JSON_SCHEMA_VERSION 1

/* A sysctl value for prose: an empty one (ip_local_reserved_ports) would print as nothing. */
static inline const char *cta_plan_value_text(const char *v)
{
	return v && *v ? v : "(empty)";
}

/* ctaudit's sysctl.d file: a header, then per key "# RULE: reason" and "KEY = VALUE". */
char *cta_render_sysctl_conf(const struct cta_plan *p);

/*
 * ctaudit's NOTRACK rules for @ps as an iptables-restore fragment for the raw
 * table (the same text serves ip6tables-restore), and as an nft fragment
 * declaring table inet ctaudit.  An empty set renders as "".  The iptables
 * fragment is for `iptables-restore --noflush`: it declares and fills only
 * CTAUDIT_PREROUTING and CTAUDIT_OUTPUT and inserts one jump to each at the
 * top of PREROUTING and OUTPUT (remove earlier jumps before loading it again).
 */
char *cta_render_notrack_iptables(const struct cta_plan_ports *ps);
char *cta_render_notrack_nft(const struct cta_plan_ports *ps);

/*
 * rules.v4/rules.v6 text @old (may be NULL) with ctaudit's chains in its *raw
 * section replaced by @ps.
 */
char *cta_render_iptables_persistent(const char *old, const struct cta_plan_ports *ps);

/*
 * Fill p->files: every file the plan writes, with its current and planned
 * bytes (unchanged files are left out).  Returns 0 or -ENOMEM.
 */
int cta_plan_render_files(struct cta_plan *p);

/* The plan for a person: diffs, runtime changes, precedence, NOTRACK. */
int cta_render_plan_text(const struct cta_plan *p, char **ret);

/* The plan as data (docs/plan-json.md).  Returns 0 or -ENOMEM. */
int cta_render_plan_json(const struct cta_plan *p, json_t **ret);

#endif
