/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_UTIL_FACTS_SCHEMA_H
#define CTA_UTIL_FACTS_SCHEMA_H

#include <stdbool.h>
#include <jansson.h>

/*
 * The one description of the facts snapshot (docs/facts.md): the field
 * paths, their JSON types and value constraints.  The loader of `--facts`
 * validates snapshots against it; the expression parser checks fact paths
 * against it.  Fields it does not list are kept and ignored, so snapshots
 * of a newer ctaudit with additive fields still load.
 */
enum cta_fact_type {
	CTA_FACT_ANY,
	CTA_FACT_OBJECT, /* members: known members; each: the value of every member (a map) */
	CTA_FACT_ARRAY, /* each: every item */
	CTA_FACT_STRING,
	CTA_FACT_BOOL,
	CTA_FACT_INT, /* any JSON integer */
	CTA_FACT_COUNT, /* a JSON integer 0..2^63-1 */
	CTA_FACT_PORT, /* a JSON integer 0..65535 */
};

struct cta_fact_schema {
	const char *name; /* member name; NULL ends a member list */
	enum cta_fact_type type;
	/* OBJECT: the members expressions may name, all others are unknown
	 * facts; NULL: any member name (a map, or not described here) */
	const struct cta_fact_schema *members;
	const struct cta_fact_schema *each; /* see enum cta_fact_type */
};

/* Longest string a snapshot may hold anywhere, far above any sysctl value,
 * hostname or path (PATH_MAX is 4096): a bound on what evaluation copies and
 * formats. */
#define CTA_FACTS_MAX_STRING 65536

/* The snapshot's root object. */
extern const struct cta_fact_schema cta_facts_schema;

/* Member @name of @s (an OBJECT with a member list), or NULL. */
const struct cta_fact_schema *cta_fact_schema_member(const struct cta_fact_schema *s,
						     const char *name);

/*
 * Check @facts against the schema.  Returns 0, -ENOMEM, or -EINVAL with the
 * JSON pointer of the first offending value (RFC 6901) in @ret_pointer and
 * what is wrong in @ret_msg (both caller frees).
 */
int cta_facts_validate(json_t *facts, char **ret_pointer, char **ret_msg);

#endif
