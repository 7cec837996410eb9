// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `ctaudit facts` as text: the snapshot's sections in reading order, nested
 * values indented, zero counters left out where they are noise.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render/facts-text.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

/* Sections in reading order; anything else follows, "unavailable" comes last. */
static const char *const section_order[] = {
	"host",
	"sysctl",
	"persisted",
	"persisted_files",
	"persisted_errors",
	"persisted_excludes",
	"conntrack",
	"netstat",
	"sockets",
	"helpers",
	"firewall",
};

static void print_scalar(FILE *f, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		/* an empty value (ip_local_reserved_ports) must not look like a missing one */
		fputs(*json_string_value(v) ? json_string_value(v) : "\"\"", f);
		break;
	case JSON_INTEGER:
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(f, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("true", f);
		break;
	case JSON_FALSE:
		fputs("false", f);
		break;
	case JSON_NULL:
		fputs("-", f);
		break;
	default: {
		_cleanup_free_ char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

		fputs(s ? s : "?", f);
		break;
	}
	}
}

static bool is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/* One array item of objects on one line: "k=v k=v". */
static void print_item_line(FILE *f, const json_t *o, int indent)
{
	const char *k;
	json_t *v;
	bool first = true;

	fprintf(f, "%*s", indent, "");
	if (!json_is_object(o)) {
		print_scalar(f, o);
		fputc('\n', f);
		return;
	}
	json_object_foreach((json_t *)o, k, v) {
		if (json_is_null(v))
			continue;
		fprintf(f, "%s%s=", first ? "" : " ", k);
		print_scalar(f, v);
		first = false;
	}
	fputc('\n', f);
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void print_value(FILE *f, const json_t *j, int indent, bool skip_zero);

static void print_object(FILE *f, const json_t *o, int indent, bool skip_zero)
{
	size_t n = json_object_size(o), width = 0, m = 0;
	_cleanup_free_ const char **keys = calloc(n ? n : 1, sizeof(*keys));
	const char *k;
	json_t *v;

	if (!keys)
		return;
	json_object_foreach((json_t *)o, k, v) {
		keys[m++] = k;
		if (is_scalar(v) && strlen(k) > width)
			width = strlen(k);
	}
	qsort(keys, m, sizeof(*keys), key_cmp);
	width = MIN(width, 48);
	for (size_t i = 0; i < m; i++) {
		v = json_object_get(o, keys[i]);
		if (is_scalar(v)) {
			if (skip_zero && json_is_integer(v) && json_integer_value(v) == 0)
				continue;
			fprintf(f, "%*s%-*s  ", indent, "", (int)width, keys[i]);
			print_scalar(f, v);
			fputc('\n', f);
		} else if ((json_is_array(v) && json_array_size(v) == 0) ||
			   (json_is_object(v) && json_object_size(v) == 0)) {
			fprintf(f, "%*s%-*s  (none)\n", indent, "", (int)width, keys[i]);
		} else {
			fprintf(f, "%*s%s:\n", indent, "", keys[i]);
			print_value(f, v, indent + 2, skip_zero);
		}
	}
}

static void print_value(FILE *f, const json_t *j, int indent, bool skip_zero)
{
	size_t i;
	json_t *v;

	if (json_is_object(j)) {
		print_object(f, j, indent, skip_zero);
	} else if (json_is_array(j)) {
		bool scalars = true;

		json_array_foreach(j, i, v)
			scalars = scalars && is_scalar(v);
		if (scalars) {
			fprintf(f, "%*s", indent, "");
			json_array_foreach(j, i, v) {
				if (i)
					fputs(", ", f);
				print_scalar(f, v);
			}
			fputc('\n', f);
			return;
		}
		json_array_foreach(j, i, v)
			print_item_line(f, v, indent);
	} else {
		fprintf(f, "%*s", indent, "");
		print_scalar(f, j);
		fputc('\n', f);
	}
}

/* persisted: "key  value  file:line", earlier assignments indented below. */
static void print_persisted(FILE *f, const json_t *p)
{
	size_t n = json_object_size(p), m = 0, kw = 0, vw = 0;
	_cleanup_free_ const char **keys = calloc(n ? n : 1, sizeof(*keys));
	const char *k;
	json_t *v, *o;
	size_t i;

	if (!keys)
		return;
	if (n == 0) {
		fputs("  (no key set in any sysctl.d file)\n", f);
		return;
	}
	json_object_foreach((json_t *)p, k, v) {
		const char *val = json_string_value(json_object_get(v, "value"));

		keys[m++] = k;
		kw = MAX(kw, strlen(k));
		vw = MAX(vw, val ? strlen(val) : 0);
	}
	qsort(keys, m, sizeof(*keys), key_cmp);
	kw = MIN(kw, 48);
	vw = MIN(vw, 24);
	for (size_t j = 0; j < m; j++) {
		v = json_object_get(p, keys[j]);
		fprintf(f, "  %-*s  %-*s  %s:%" JSON_INTEGER_FORMAT "%s\n", (int)kw, keys[j],
			(int)vw, json_string_value(json_object_get(v, "value")) ?: "",
			json_string_value(json_object_get(v, "file")) ?: "?",
			json_integer_value(json_object_get(v, "line")),
			json_is_true(json_object_get(v, "ignore_failure")) ? "  (failure ignored)" :
									     "");
		json_array_foreach(json_object_get(v, "overridden"), i, o) {
			fprintf(f, "  %-*s  overrides %s from %s:%" JSON_INTEGER_FORMAT "\n",
				(int)kw, "", json_string_value(json_object_get(o, "value")) ?: "",
				json_string_value(json_object_get(o, "file")) ?: "?",
				json_integer_value(json_object_get(o, "line")));
		}
	}
}

static void print_files(FILE *f, const json_t *files)
{
	size_t i;
	json_t *e;

	if (json_array_size(files) == 0)
		fputs("  (none)\n", f);
	json_array_foreach(files, i, e) {
		const char *hidden = json_string_value(json_object_get(e, "hidden_by"));
		const char *target = json_string_value(json_object_get(e, "target"));

		fprintf(f, "  %s", json_string_value(json_object_get(e, "file")) ?: "?");
		if (target)
			fprintf(f, " -> %s", target);
		if (json_is_true(json_object_get(e, "masked")))
			fputs("  (masked)", f);
		/* procps' last file, already read through Debian's 99-sysctl.conf link */
		if (hidden &&
		    streq(json_string_value(json_object_get(e, "file")) ?: "", "/etc/sysctl.conf"))
			fprintf(f, "  (read as %s)", hidden);
		else if (hidden)
			fprintf(f, "  (hidden by %s)", hidden);
		fputc('\n', f);
	}
}

static void print_section(FILE *f, const char *name, const json_t *v)
{
	if (streq(name, "persisted")) {
		fputs("persisted (boot-time values from sysctl.d, last assignment wins)\n", f);
		print_persisted(f, v);
	} else if (streq(name, "persisted_files")) {
		fputs("sysctl.d files (in the order they are found)\n", f);
		print_files(f, v);
	} else if (streq(name, "netstat")) {
		fputs("netstat (non-zero counters)\n", f);
		print_value(f, v, 2, true);
	} else if (streq(name, "counters")) {
		/* a delta per netstat counter: the ones that moved are what matters */
		fputs("counters (when sampled; what moved over the interval, non-zero only)\n", f);
		print_value(f, v, 2, true);
	} else if (streq(name, "unavailable")) {
		size_t i;
		json_t *e;

		fputs("unavailable\n", f);
		json_array_foreach(v, i, e) {
			fprintf(f, "  %s: %s\n",
				json_string_value(json_object_get(e, "section")) ?: "?",
				json_string_value(json_object_get(e, "reason")) ?: "?");
		}
	} else {
		fprintf(f, "%s\n", name);
		print_value(f, v, 2, false);
	}
}

static bool in_order(const char *k)
{
	for (size_t i = 0; i < ELEMENTSOF(section_order); i++)
		if (streq(k, section_order[i]))
			return true;
	return streq(k, "unavailable") || streq(k, "schema_version") || streq(k, "collected_at");
}

char *cta_render_facts_text(const json_t *facts)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *k;
	json_t *v;

	if (!f)
		return NULL;
	fprintf(f, "ctaudit facts (schema %" JSON_INTEGER_FORMAT ", collected %s)\n",
		json_integer_value(json_object_get(facts, "schema_version")),
		json_string_value(json_object_get(facts, "collected_at")) ?: "?");
	for (size_t i = 0; i < ELEMENTSOF(section_order); i++) {
		v = json_object_get(facts, section_order[i]);
		if (!v)
			continue;
		/* empty lists of errors and excludes are noise */
		if (json_is_array(v) && json_array_size(v) == 0 &&
		    !streq(section_order[i], "persisted_files"))
			continue;
		fputc('\n', f);
		print_section(f, section_order[i], v);
	}
	json_object_foreach((json_t *)facts, k, v) {
		if (in_order(k))
			continue;
		fputc('\n', f);
		print_section(f, k, v);
	}
	v = json_object_get(facts, "unavailable");
	if (v && json_array_size(v) > 0) {
		fputc('\n', f);
		print_section(f, "unavailable", v);
	}
	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(buf);
}
