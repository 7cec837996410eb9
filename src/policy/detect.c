// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `--profile auto`: the profiles say how their role is recognised (detect:
 * entries, docs/policy-language.md "Role detection"); this only orders and
 * evaluates them.  Pure: no I/O.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "policy/policy-internal.h"
#include "util/json.h"
#include "util/banned.h"

struct cand {
	const struct cta_profile *pr;
	const struct cta_detect *d;
	size_t index; /* position in the profile's list */
};

/* Highest priority first; ties go to the profile name, then file order, so
 * the choice never depends on directory order. */
static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int c;

	if (x->d->priority != y->d->priority)
		return x->d->priority > y->d->priority ? -1 : 1;
	c = strcmp(x->pr->name, y->pr->name);
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* 1: the entry holds and @ret_reason is set; 0: it does not; -ENOMEM. */
static int try_entry(const struct cta_detect *d, json_t *facts, char **ret_reason)
{
	const struct cta_rule *r = d->r;
	_cleanup_free_ struct cta_val *lets = calloc(r->n_lets + 1, sizeof(*lets));
	struct cta_eval_ctx ctx = { .facts = facts, .lets = lets };
	struct cta_val v;
	int k = 0;

	if (!lets)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_lets; i++) {
		cta_expr_eval(r->lets[i], &ctx, &lets[i]);
		ctx.n_lets = i + 1;
	}
	cta_expr_eval(r->when, &ctx, &v);
	/* missing evidence is no evidence */
	if (v.kind == CTA_VAL_BOOL && v.b) {
		*ret_reason = cta_tmpl_render(r->message, &ctx);
		k = *ret_reason ? 1 : -ENOMEM;
	}
	cta_val_done(&v);
	for (size_t i = 0; i < r->n_lets; i++)
		cta_val_done(&lets[i]);
	return k;
}

int cta_policy_detect(const struct cta_policy *p, json_t *facts, const char **ret_name,
		      char **ret_reason)
{
	_cleanup_free_ struct cand *c = NULL;
	size_t n = 0, total = 0;
	char *reason = NULL;

	for (size_t i = 0; i < p->n_profiles; i++)
		total += p->profiles[i]->n_detect;
	c = calloc(total + 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_profiles; i++)
		for (size_t j = 0; j < p->profiles[i]->n_detect; j++)
			c[n++] = (struct cand){ p->profiles[i], &p->profiles[i]->detect[j], j };
	qsort(c, n, sizeof(*c), cand_cmp);
	for (size_t i = 0; i < n; i++) {
		int k = try_entry(c[i].d, facts, &reason);

		if (k < 0)
			return k;
		if (k > 0) {
			*ret_name = c[i].pr->name;
			*ret_reason = reason;
			return 0;
		}
	}
	reason = strdup("no installed profile's detect entry matched these facts");
	if (!reason)
		return -ENOMEM;
	*ret_name = "base";
	*ret_reason = reason;
	return 0;
}
