// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "apply/apply.h"
#include "cli/cli.h"
#include "cli/cmd-plan.h"
#include "render/plan-render.h"
#include "util/json.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/banned.h"

static void help(void)
{
	fputs("usage: ctaudit apply [OPTIONS]\n\n"
	      "Carry out the plan ('ctaudit plan' shows it): write ctaudit's sysctl.d file,\n"
	      "set the runtime values, install ctaudit's NOTRACK rules and make them\n"
	      "persistent.  Needs root.  Takes the lock ROOT/run/ctaudit.lock, writes a\n"
	      "journal under ROOT/var/lib/ctaudit/journal/ before changing anything, undoes\n"
	      "every step if one fails, then re-audits and says what is fixed and what still\n"
	      "fails.  'ctaudit rollback' restores the previous state.\n\n"
	      "Options:\n"
	      "  -y, --yes                apply without asking (needed without a terminal)\n" CTA_PLAN_CLI_HELP
	      "      --root DIR          read and write configuration files below DIR\n"
	      "      --netns NAME        change the network namespace /run/netns/NAME\n"
	      "      --netns-pid PID     change the network namespace of process PID\n"
	      "      --offline           write files below --root only (an image tree)\n"
	      "      --kernel RELEASE    with --offline: the kernel the image will boot\n"
	      "      --format text|json  output format (default: text)\n"
	      "  -h, --help               show this help\n\n"
	      "Exit status: 0 applied, or nothing to do; 1 the apply failed (every step was\n"
	      "undone) or was declined; 2 usage error, invalid input, or no terminal to ask\n"
	      "on and no --yes; 3 not root, the lock is held, an interrupted apply needs\n"
	      "'ctaudit rollback', or the host could not be read.\n",
	      stdout);
}

static bool confirm(void)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	fputs("apply these changes? [y/N] ", stderr);
	fflush(stderr);
	if (getline(&line, &cap, stdin) < 0)
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool failed_before(const struct cta_report *before, const struct cta_result *res)
{
	for (size_t i = 0; i < before->n_results; i++) {
		const struct cta_result *e = &before->results[i];

		if (e->status == CTA_RESULT_FAIL && streq(e->rule, res->rule) &&
		    streq(e->subject ? e->subject : "", res->subject ? res->subject : ""))
			return true;
	}
	return false;
}

/* What the re-audit says: results that failed before and pass now, and what still fails. */
static int outcome(const struct cta_report *before, const struct cta_report *after,
		   json_t **ret_fixed, json_t **ret_failing)
{
	json_t *fixed = json_array(), *failing = json_array();

	if (!fixed || !failing)
		goto oom;
	for (size_t i = 0; i < after->n_results; i++) {
		const struct cta_result *e = &after->results[i];
		json_t *x;

		if (e->status == CTA_RESULT_FAIL) {
			x = json_pack("{s:s?, s:s?, s:s?, s:s?}", "rule", e->rule, "severity",
				      cta_severity_to_string(e->severity), "subject", e->subject,
				      "message", e->message);
			if (!x || json_array_append_new(failing, x) < 0)
				goto oom;
		} else if (e->status == CTA_RESULT_PASS && failed_before(before, e)) {
			x = json_pack("{s:s?, s:s?}", "rule", e->rule, "subject", e->subject);
			if (!x || json_array_append_new(fixed, x) < 0)
				goto oom;
		}
	}
	*ret_fixed = fixed;
	*ret_failing = failing;
	return 0;
oom:
	json_decref(fixed);
	json_decref(failing);
	return -ENOMEM;
}

static int print_text_outcome(const char *id, json_t *fixed, json_t *failing)
{
	_cleanup_free_ char *buf = NULL;
	size_t size, i;
	json_t *e;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return CTA_EXIT_HOST;
	fprintf(f, "\napplied; journal %s (undo with 'ctaudit rollback %s')\n", id, id);
	fprintf(f, "\nre-audit: %zu fixed, %zu still failing\n", json_array_size(fixed),
		json_array_size(failing));
	json_array_foreach(fixed, i, e)
		fprintf(f, "  fixed: %s (%s)\n", jstr(e, "rule"), jstr(e, "subject"));
	json_array_foreach(failing, i, e)
		fprintf(f, "  still failing [%s]: %s: %s\n", jstr(e, "severity"), jstr(e, "rule"),
			jstr(e, "message"));
	if (fclose(f) != 0)
		return CTA_EXIT_HOST;
	return cta_cli_print(buf);
}

int cmd_apply(int argc, char **argv)
{
	static const struct option longopts[] = {
		CTA_CLI_COMMON_LONGOPTS,
		CTA_PLAN_CLI_LONGOPTS,
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct cta_plan_cli o = { 0 };
	struct cta_plan *plan = NULL, *plan2 = NULL;
	_cleanup_report_ struct cta_report *report = NULL, *report2 = NULL;
	_cleanup_json_ json_t *fixed = NULL, *failing = NULL;
	_cleanup_free_ char *text = NULL, *id = NULL, *err = NULL, *unfinished = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct cta_apply_opts ao = { 0 };
	bool yes = false;
	int c, r, ret;

	while ((c = getopt_long(argc, argv, "hy", longopts, NULL)) != -1) {
		if (c == 'h') {
			help();
			cta_plan_cli_done(&o);
			return cta_cli_print("");
		}
		if (c == 'y') {
			yes = true;
			continue;
		}
		r = c == '?' ? -EINVAL : cta_plan_cli_opt(&o, c, optarg);
		if (r <= 0) {
			cta_plan_cli_done(&o);
			return r == -ENOMEM ? CTA_EXIT_HOST : CTA_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cta_plan_cli_done(&o);
		return cta_cli_usage_error("apply", "unexpected argument '%s'", argv[optind]);
	}
	if (o.common.facts) {
		cta_plan_cli_done(&o);
		return cta_cli_usage_error("apply",
					   "apply works on the live host: --facts is for plan");
	}
	if (o.common.all_netns) {
		cta_plan_cli_done(&o);
		return cta_cli_usage_error(
			"apply",
			"apply changes one network namespace per run: see 'ctaudit plan --all-netns', then --netns NAME or --netns-pid PID");
	}
	if (cta_cli_common_check(&o.common) < 0) {
		cta_plan_cli_done(&o);
		return CTA_EXIT_USAGE;
	}
	if (geteuid() != 0) {
		cta_plan_cli_done(&o);
		cta_cli_error("apply changes the host and needs root; 'ctaudit plan' shows the "
			      "changes without it");
		return CTA_EXIT_HOST;
	}
	lock = cta_apply_lock(o.common.root);
	if (lock < 0) {
		cta_plan_cli_done(&o);
		if (lock == -EBUSY)
			cta_cli_error(
				"another ctaudit apply or rollback is running (lock '%s/run/ctaudit.lock')",
				o.common.root ? o.common.root : "");
		else
			cta_cli_error("cannot take the lock '%s/run/ctaudit.lock': %s",
				      o.common.root ? o.common.root : "", CTA_STRERROR(-lock));
		return CTA_EXIT_HOST;
	}
	r = cta_apply_find_unfinished(o.common.root, &unfinished);
	if (r > 0) {
		cta_plan_cli_done(&o);
		cta_cli_error("an earlier apply was interrupted (journal '%s'); run 'ctaudit "
			      "rollback %s' first",
			      unfinished, unfinished);
		return CTA_EXIT_HOST;
	}

	r = cta_plan_cli_run(&o, NULL, &report, &plan);
	if (r > 0) {
		cta_plan_cli_done(&o);
		return r;
	}
	if (!cta_plan_has_changes(plan)) {
		if (o.common.format == CTA_FORMAT_JSON) {
			ret = cta_cli_print("{\n  \"changes\": false,\n  \"journal\": null\n}\n");
			goto out;
		}
		ret = cta_cli_print("nothing to do: the host already matches the plan\n");
		/* a refused change is never silent (cta_plan_converge()) */
		for (size_t i = 0; ret == 0 && i < plan->n_refused; i++) {
			_cleanup_free_ char *line = NULL;

			if (asprintf(&line, "%s  refused (predicted to make a rule fail): %s\n",
				     i ? "" : "\n", plan->refused[i].reason) < 0) {
				ret = CTA_EXIT_HOST;
				break;
			}
			ret = cta_cli_print(line);
		}
		/* what ctaudit cannot do from here is still worth saying */
		for (size_t i = 0; ret == 0 && i < plan->n_sysctls; i++) {
			const struct cta_plan_sysctl *s = &plan->sysctls[i];
			_cleanup_free_ char *line = NULL;

			if (s->runtime != CTA_PLAN_RT_HOST_ONLY ||
			    (s->current && streq(s->current, s->value)))
				continue;
			if (asprintf(&line, "  %s = %s must be set on the host (rule %s)\n", s->key,
				     s->value, s->rule) < 0) {
				ret = CTA_EXIT_HOST;
				break;
			}
			ret = cta_cli_print(line);
		}
		goto out;
	}
	if (o.common.format == CTA_FORMAT_TEXT) {
		if (cta_render_plan_text(plan, &text) < 0) {
			ret = CTA_EXIT_HOST;
			goto out;
		}
		ret = cta_cli_print(text);
		if (ret)
			goto out;
	}
	if (!yes) {
		if (!isatty(STDIN_FILENO)) {
			cta_cli_error("no terminal to ask on: nothing changed; use --yes to apply "
				      "without asking");
			ret = CTA_EXIT_USAGE;
			goto out;
		}
		if (!confirm()) {
			cta_cli_error("not applied: nothing changed");
			ret = CTA_EXIT_FINDINGS;
			goto out;
		}
	}

	ao.root = o.common.root;
	ao.netns = o.common.netns;
	ao.offline = o.common.offline;
	r = cta_apply_run(plan, &ao, &id, &err);
	if (r < 0) {
		cta_cli_error("apply failed: %s%s%s", err ? err : CTA_STRERROR(-r),
			      id ? "; journal " : "", id ? id : "");
		ret = CTA_EXIT_FINDINGS;
		goto out;
	}

	/* the proof: collect and audit again, with the engine even after --report */
	{
		struct cta_plan_cli o2 = o;
		const char *prof[2] = { report->profile, NULL };

		o2.report = NULL;
		if (o.report && !o.n_profiles && prof[0]) {
			o2.profiles = prof;
			o2.n_profiles = 1;
		}
		r = cta_plan_cli_run(&o2, NULL, &report2, &plan2);
	}
	if (r > 0 || outcome(report, report2, &fixed, &failing) < 0) {
		cta_cli_error("applied (journal %s), but the re-audit failed", id);
		ret = CTA_EXIT_HOST;
		goto out;
	}
	if (o.common.format == CTA_FORMAT_JSON) {
		_cleanup_json_ json_t *pj = NULL, *out = NULL;
		_cleanup_free_ char *s = NULL;

		if (cta_render_plan_json(plan, &pj) < 0 ||
		    !(out = json_pack("{s:b, s:s, s:O, s:O, s:O, s:b}", "changes", 1, "journal", id,
				      "plan", pj, "fixed", fixed, "still_failing", failing,
				      "changes_left", cta_plan_has_changes(plan2))) ||
		    !(s = cta_json_dumps(out))) {
			ret = CTA_EXIT_HOST;
			goto out;
		}
		ret = cta_cli_print(s);
	} else
		ret = print_text_outcome(id, fixed, failing);
out:
	cta_plan_free(plan);
	cta_plan_free(plan2);
	cta_plan_cli_done(&o);
	return ret;
}
