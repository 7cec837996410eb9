// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>
#include "util/fileio.h"
#include "util/json.h"
#include "util/banned.h"

json_t *cta_json_path(json_t *root, const char *path)
{
	const char *p = path;
	json_t *cur = root;

	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		if (!json_is_object(cur))
			return NULL;
		cur = json_object_getn(cur, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	return cur;
}

json_t *cta_json_object_child(json_t *obj, const char *key)
{
	json_t *c = json_object_get(obj, key);

	if (c)
		return c;
	c = json_object();
	if (!c || json_object_set_new(obj, key, c) < 0)
		return NULL;
	return c;
}

#define CTA_JSON_FLAGS (JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10))

int cta_json_dumpf(const json_t *j, FILE *f)
{
	if (json_dumpf(j, f, CTA_JSON_FLAGS) < 0 || fputc('\n', f) == EOF)
		return -EIO;
	return 0;
}

char *cta_json_dumps(const json_t *j)
{
	_cleanup_free_ char *s = json_dumps(j, CTA_JSON_FLAGS);
	char *r;

	if (!s)
		return NULL;
	if (asprintf(&r, "%s\n", s) < 0)
		return NULL;
	return r;
}

int cta_json_load_file(const char *path, json_t **ret, char **ret_err)
{
	_cleanup_free_ char *text = NULL;
	json_error_t err;
	ssize_t n;
	json_t *j;

	/* a regular file of bounded size: a FIFO must not block, a huge file not exhaust memory */
	n = cta_read_file(path, CTA_JSON_MAX_BYTES, &text);
	if (n < 0) {
		if (ret_err && asprintf(ret_err, "%s: %s", path,
					n == -EFBIG ? "larger than " CTA_JSON_MAX_TEXT :
						      CTA_STRERROR((int)n)) < 0)
			*ret_err = NULL;
		return n == -ENOENT ? -ENOENT : -EINVAL;
	}
	j = json_loadb(text, (size_t)n, JSON_REJECT_DUPLICATES, &err);
	if (!j) {
		if (ret_err && asprintf(ret_err, "%s:%d:%d: %s", path, err.line < 1 ? 1 : err.line,
					err.column < 1 ? 1 : err.column, err.text) < 0)
			*ret_err = NULL;
		return -EINVAL;
	}
	*ret = j;
	return 0;
}

const char *cta_json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction or exponent";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}
