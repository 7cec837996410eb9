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

const char *cta_render_netns_label(const struct cta_report *r, const struct cta_render_ctx *ctx)
{
	if (ctx && ctx->netns_name)
		return ctx->netns_name;
	switch (r->target.netns) {
	case CTA_TARGET_NETNS_INIT:
		return "init";
	case CTA_TARGET_NETNS_OTHER:
		return "other";
	default:
		return "unknown";
	}
}
