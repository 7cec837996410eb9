// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "apply/apply.h"
#include "apply/outcome.h"
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
	      "      --allow-all-ports   allow NOTRACK rules that cover every port\n"
	      "      --adopt-sysctl-file replace a --sysctl-file that ctaudit did not write\n"
	      "  -h, --help               show this help\n\n"
	      "Everything below --root is opened inside the root at the moment of use; a\n"
	      "directory written into or the journal's must be root's and not writable by\n"
	      "group or others, and symlinks where ctaudit's files belong are refused.\n\n"
	      "Exit status: 0 applied, or nothing to do; 1 the apply failed (every step was\n"
	      "undone) or was declined; 2 usage error, invalid input, a report from another\n"
	      "host or namespace, a change outside what ctaudit may change, an untrusted\n"
	      "path (nothing changed), or no terminal to ask on and no --yes; 3 not root,\n"
	      "the lock is held, an interrupted apply needs 'ctaudit rollback', a failed\n"
	      "step could not be undone ('ctaudit rollback ID' finishes it), or the host\n"
	      "(or its firewall) could not be read.\n",
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

static int print_text_outcome(const char *id, const struct cta_apply_outcome *oc)
{
	_cleanup_free_ char *buf = NULL;
	size_t size;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return CTA_EXIT_HOST;
	fprintf(f, "\napplied; journal %s (undo with 'ctaudit rollback %s')\n", id, id);
	fprintf(f, "\nre-audit: %zu fixed, %zu still failing\n", oc->n_fixed, oc->n_failing);
	for (size_t i = 0; i < oc->n_fixed; i++)
		fprintf(f, "  fixed: %s%s%s%s\n", oc->fixed[i]->rule,
			oc->fixed[i]->subject ? " (" : "",
			oc->fixed[i]->subject ? oc->fixed[i]->subject : "",
			oc->fixed[i]->subject ? ")" : "");
	for (size_t i = 0; i < oc->n_failing; i++)
		fprintf(f, "  still failing [%s]: %s: %s\n",
			cta_severity_to_string(oc->failing[i]->severity), oc->failing[i]->rule,
			oc->failing[i]->message ? oc->failing[i]->message : "");
	if (fclose(f) != 0)
		return CTA_EXIT_HOST;
	return cta_cli_print(buf);
}

static int print_json_outcome(const char *id, const struct cta_plan *plan,
			      const struct cta_plan *after, const struct cta_apply_outcome *oc)
{
	_cleanup_json_ json_t *pj = NULL, *out = NULL, *fixed = json_array(),
			      *failing = json_array();
	_cleanup_free_ char *s = NULL;

	if (!fixed || !failing)
		return CTA_EXIT_HOST;
	for (size_t i = 0; i < oc->n_fixed; i++)
		if (json_array_append_new(fixed,
					  json_pack("{s:s?, s:s?}", "rule", oc->fixed[i]->rule,
						    "subject", oc->fixed[i]->subject)) < 0)
			return CTA_EXIT_HOST;
	for (size_t i = 0; i < oc->n_failing; i++) {
		const struct cta_result *e = oc->failing[i];

		if (json_array_append_new(
			    failing, json_pack("{s:s?, s:s?, s:s?, s:s?}", "rule", e->rule,
					       "severity", cta_severity_to_string(e->severity),
					       "subject", e->subject, "message", e->message)) < 0)
			return CTA_EXIT_HOST;
	}
	if (cta_render_plan_json(plan, &pj) < 0 ||
	    !(out = json_pack("{s:b, s:s, s:O, s:O, s:O, s:b}", "changes", 1, "journal", id, "plan",
			      pj, "fixed", fixed, "still_failing", failing, "changes_left",
			      cta_plan_has_changes(after))) ||
	    !(s = cta_json_dumps(out)))
		return CTA_EXIT_HOST;
	return cta_cli_print(s);
}

/* "nothing to do", and what ctaudit cannot do from here, which is still worth saying. */
static int print_nothing_to_do(const struct cta_plan *plan, enum cta_format format)
{
	int ret;

	if (format == CTA_FORMAT_JSON)
		return cta_cli_print("{\n  \"changes\": false,\n  \"journal\": null\n}\n");
	ret = cta_cli_print("nothing to do: the host already matches the plan\n");
	/* a refused change is never silent (cta_plan_converge()) */
	for (size_t i = 0; ret == 0 && i < plan->n_refused; i++) {
		_cleanup_free_ char *line = NULL;

		if (asprintf(&line, "%s  refused (predicted to make a rule fail): %s\n",
			     i ? "" : "\n", plan->refused[i].reason) < 0)
			return CTA_EXIT_HOST;
		ret = cta_cli_print(line);
	}
	for (size_t i = 0; ret == 0 && i < plan->n_sysctls; i++) {
		const struct cta_plan_sysctl *s = &plan->sysctls[i];
		_cleanup_free_ char *line = NULL;

		if (s->runtime != CTA_PLAN_RT_HOST_ONLY ||
		    (s->current && streq(s->current, s->value)))
			continue;
		if (asprintf(&line, "  %s = %s must be set on the host (rule %s)\n", s->key,
			     s->value, s->rule) < 0)
			return CTA_EXIT_HOST;
		ret = cta_cli_print(line);
	}
	return ret;
}

int cmd_apply(int argc, char **argv)
{
	enum {
		OPT_ALL_PORTS = CTA_OPT_PLAN_LAST,
		OPT_ADOPT,
	};
	static const struct option longopts[] = {
		CTA_CLI_COMMON_LONGOPTS,
		CTA_PLAN_CLI_LONGOPTS,
		{ "allow-all-ports", no_argument, NULL, OPT_ALL_PORTS },
		{ "adopt-sysctl-file", no_argument, NULL, OPT_ADOPT },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(cta_plan_cli_done) struct cta_plan_cli o = { 0 };
	_cleanup_(cta_plan_freep) struct cta_plan *plan = NULL, *plan2 = NULL;
	_cleanup_report_ struct cta_report *report = NULL, *report2 = NULL;
	_cleanup_(cta_apply_outcome_done) struct cta_apply_outcome oc = { 0 };
	_cleanup_json_ json_t *facts = NULL;
	_cleanup_free_ char *text = NULL, *id = NULL, *err = NULL, *unfinished = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct cta_apply_opts ao = { 0 };
	bool yes = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "hy", longopts, NULL)) != -1) {
		if (c == 'h') {
			help();
			return cta_cli_print("");
		}
		if (c == 'y' || c == OPT_ALL_PORTS || c == OPT_ADOPT) {
			yes |= c == 'y';
			ao.all_ports |= c == OPT_ALL_PORTS;
			ao.adopt_sysctl_file |= c == OPT_ADOPT;
			continue;
		}
		r = c == '?' ? -EINVAL : cta_plan_cli_opt(&o, c, optarg);
		if (r <= 0)
			return r == -ENOMEM ? CTA_EXIT_HOST : CTA_EXIT_USAGE;
	}
	if (optind < argc)
		return cta_cli_usage_error("apply", "unexpected argument '%s'", argv[optind]);
	if (o.common.facts)
		return cta_cli_usage_error(
			"apply", "'--facts' does not apply to apply: a snapshot "
				 "cannot be changed ('ctaudit plan --facts' shows the plan)");
	if (o.common.all_netns)
		return cta_cli_usage_error(
			"apply",
			"apply changes one network namespace per run: see 'ctaudit plan --all-netns', then --netns NAME or --netns-pid PID");
	if (cta_cli_common_check(&o.common) < 0)
		return CTA_EXIT_USAGE;
	if (geteuid() != 0) {
		cta_cli_error("apply changes the host and needs root; 'ctaudit plan' shows the "
			      "changes without it");
		return CTA_EXIT_HOST;
	}
	lock = cta_apply_lock(o.common.root, &err);
	if (lock < 0) {
		cta_cli_error("%s", err ? err : CTA_STRERROR(lock));
		return cta_apply_refused(lock) ? CTA_EXIT_USAGE : CTA_EXIT_HOST;
	}
	r = cta_apply_find_unfinished(o.common.root, &unfinished);
	if (r < 0) {
		const char *t = cta_journal_trust_strerror(r);

		cta_cli_error("refusing the journal directory '%s%s': %s",
			      o.common.root ? o.common.root : "", CTA_JOURNAL_DIR,
			      t ? t : CTA_STRERROR(r));
		return t ? CTA_EXIT_USAGE : CTA_EXIT_HOST;
	}
	if (r > 0) {
		cta_cli_error("an earlier apply was interrupted (journal '%s'); run 'ctaudit "
			      "rollback %s' first",
			      unfinished, unfinished);
		return CTA_EXIT_HOST;
	}

	r = cta_plan_cli_run(&o, &facts, &report, &plan);
	if (r > 0)
		return r;
	if (o.report) {
		_cleanup_free_ char *why = NULL;

		r = cta_apply_check_report(report, facts, o.common.root, &why);
		if (r < 0) {
			cta_cli_error("refusing the report '%s': %s (nothing changed)", o.report,
				      why ? why : CTA_STRERROR(r));
			return r == -ENOMEM ? CTA_EXIT_HOST : CTA_EXIT_USAGE;
		}
	}
	/* the plan has no boot-time file then; apply checks it again */
	ao.runtime_only = cta_plan_cli_runtime_only(&o, plan);
	if (!cta_plan_has_changes(plan))
		return print_nothing_to_do(plan, o.common.format);
	if (o.common.format == CTA_FORMAT_TEXT) {
		if (cta_render_plan_text(plan, &text) < 0)
			return CTA_EXIT_HOST;
		r = cta_cli_print(text);
		if (r)
			return r;
	}
	if (!yes) {
		if (!isatty(STDIN_FILENO)) {
			cta_cli_error("no terminal to ask on: nothing changed; use --yes to apply "
				      "without asking");
			return CTA_EXIT_USAGE;
		}
		if (!confirm()) {
			cta_cli_error("not applied: nothing changed");
			return CTA_EXIT_FINDINGS;
		}
	}

	ao.root = o.common.root;
	ao.netns = o.common.netns;
	ao.offline = o.common.offline;
	r = cta_apply_run(plan, &ao, &id, &err);
	if (r < 0) {
		_cleanup_free_ char *left = NULL;

		cta_cli_error("apply failed: %s%s%s", err ? err : CTA_STRERROR(-r),
			      id ? "; journal " : "", id ? id : "");
		if (cta_apply_refused(r))
			return CTA_EXIT_USAGE;
		/* a step that could not be undone leaves the journal prepared */
		if (id && cta_apply_find_unfinished(o.common.root, &left) > 0 && streq(left, id))
			return CTA_EXIT_HOST;
		return CTA_EXIT_FINDINGS;
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
	if (r > 0 || cta_apply_outcome(report, report2, &oc) < 0) {
		cta_cli_error("applied (journal %s), but the re-audit failed", id);
		return CTA_EXIT_HOST;
	}
	if (o.common.format == CTA_FORMAT_JSON)
		return print_json_outcome(id, plan, plan2, &oc);
	return print_text_outcome(id, &oc);
}
