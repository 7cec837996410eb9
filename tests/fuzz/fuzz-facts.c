// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: a facts snapshot (JSON) through the whole pure pipeline:
 * loading and schema checks, audit with the real catalog (auto role and
 * every profile combined), the report rendered as text and JSON and read
 * back, the plan, its files, and the plan rendered as text and JSON.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "collect/collect.h"
#include "plan/plan.h"
#include "policy/policy.h"
#include "render/plan-render.h"
#include "render/report.h"
#include "util/diag.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cta_policy *policy;

/* No file below a root: the plan starts from nothing on disk. */
static int fs_read(void *userdata, const char *path, char **ret)
{
	return -ENOENT;
}

static int fs_resolve(void *userdata, const char *path, char **ret)
{
	*ret = strdup(path);
	return *ret ? 0 : -ENOMEM;
}

static void run(json_t *facts, const char *const *profiles)
{
	struct cta_diags diags = { 0 };
	struct cta_report *report = NULL, *back = NULL;
	struct cta_plan *plan = NULL;
	struct cta_plan_fs fs = { .read = fs_read, .resolve = fs_resolve };
	struct cta_plan_opts po = { .fix_overrides = true, .fs = &fs };
	char *text = NULL, *err = NULL;
	json_t *j = NULL;

	if (cta_policy_audit(policy, profiles, facts, &diags, &report) < 0)
		goto out;
	free(cta_report_render_text(report, NULL));
	if (cta_report_to_json(report, &j) == 0 && cta_report_from_json(j, &back, &err) == 0)
		cta_report_free(back);
	free(err);
	json_decref(j);
	if (cta_plan_compute(facts, report, &po, &plan) < 0)
		goto out;
	if (cta_plan_render_files(plan) == 0) {
		if (cta_render_plan_text(plan, &text) == 0)
			free(text);
		if (cta_render_plan_json(plan, &j) == 0)
			json_decref(j);
		free(cta_render_sysctl_conf(plan));
	}
out:
	cta_plan_free(plan);
	cta_report_free(report);
	cta_diags_done(&diags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const autop[] = { "auto", NULL };
	static const char *const all[] = { "api-server", "db-client", "k8s-node", "nat-gateway",
					   NULL };
	json_t *facts = NULL;
	char path[64], *err = NULL;
	int fd;

	if (!policy) {
		struct cta_diags diags = { 0 };
		struct cta_policy_opts opts = { .datadir = CTA_SOURCE_DATADIR };

		if (cta_policy_load(&opts, &diags, &policy) < 0)
			abort();
		cta_diags_done(&diags);
	}
	if (size > 1 << 20)
		return 0;
	fd = memfd_create("facts.json", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (cta_facts_load(path, &facts, &err) == 0) {
		run(facts, autop);
		run(facts, all);
		json_decref(facts);
	}
	free(err);
	close(fd);
	return 0;
}
