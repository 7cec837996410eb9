/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_UTIL_JSON_H
#define CTA_UTIL_JSON_H

#include <jansson.h>
#include <stdint.h>
#include "util/macro.h"

/* jansson is the data model shared by all stages (facts, results, plans). */
static inline void cta_json_decrefp(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ _cleanup_(cta_json_decrefp)

/*
 * Look up a dotted path ("conntrack.stats.drop") in an object tree.  Returns a
 * borrowed reference or NULL when any component is missing.
 */
json_t *cta_json_path(json_t *root, const char *path);

/* Get or create the object member @key of @obj (borrowed). NULL on ENOMEM. */
json_t *cta_json_object_child(json_t *obj, const char *key);

/*
 * Serialize @j to @f, sorted keys, 2-space indent, trailing newline.
 * Returns 0 or negative errno (write error on @f included).
 */
int cta_json_dumpf(const json_t *j, FILE *f);

/* Serialize to a newly allocated string (with trailing newline); NULL on ENOMEM. */
char *cta_json_dumps(const json_t *j);

/*
 * Load a JSON document from @path, a regular file of at most
 * CTA_JSON_MAX_BYTES.  On a syntax error, a FIFO or device, or a file too
 * large, fills @ret_err with a "file:line:col: message" or "file: message"
 * string (caller frees) and returns -EINVAL; -ENOENT when it does not exist.
 */
#define CTA_JSON_MAX_BYTES (32u << 20)
#define CTA_JSON_MAX_TEXT "32 MiB"
int cta_json_load_file(const char *path, json_t **ret, char **ret_err);

/*
 * What a JSON value is, for messages about input files: "an object", "an
 * array", "a string", "an integer", "a number with a fraction or exponent",
 * "a boolean" or "null".
 */
const char *cta_json_type_name(const json_t *j);

#endif
