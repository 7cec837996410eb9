// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "render/formats.h"
#include "util/banned.h"

int cta_render_parse_utc(const char *s, long long *ret)
{
	struct tm tm = { 0 };
	const char *end;
	time_t t;

	if (!s)
		return -EINVAL;
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -EINVAL;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*ret = (long long)t;
	return 0;
}

const char *cta_render_netns_label(const json_t *report)
{
	const json_t *target = json_object_get(report, "target");
	const char *s = json_string_value(json_object_get(target, "netns_name"));

	if (!s)
		s = json_string_value(json_object_get(target, "netns"));
	if (!s)
		s = json_string_value(json_object_get(json_object_get(report, "host"), "netns"));
	return s ? s : "unknown";
}

const char *cta_render_target_str(const json_t *report, const char *key)
{
	const char *s = json_string_value(json_object_get(json_object_get(report, "target"), key));

	return s ? s : json_string_value(json_object_get(json_object_get(report, "host"), key));
}
