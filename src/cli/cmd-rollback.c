// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "apply/apply.h"
#include "apply/journal.h"
#include "cli/cli.h"
#include "collect/collect.h"
#include "util/json.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/banned.h"

static void help(void)
{
	fputs("usage: ctaudit rollback [OPTIONS] [ID]\n"
	      "       ctaudit rollback --list [OPTIONS]\n\n"
	      "Restore the state recorded before an apply: file bytes (files the apply created\n"
	      "are removed), runtime values, and ctaudit's NOTRACK rules.  Without ID the\n"
	      "newest apply that is not rolled back yet (also one that was interrupted).  An\n"
	      "older apply is rolled back only after every newer one.  Needs root.\n\n"
	      "Options:\n"
	      "      --list              show the journal: id, state, time, profile, changes\n"
	      "      --root DIR          the journal and files are below DIR\n"
	      "      --netns NAME        restore values and rules in /run/netns/NAME\n"
	      "                          (default: the one 'apply --netns NAME' named, else\n"
	      "                          this namespace)\n"
	      "      --netns-pid PID     restore them in the network namespace of process PID\n"
	      "                          (not recorded: give it again after 'apply --netns-pid')\n"
	      "      --force             also overwrite files and values changed since the apply\n"
	      "      --format text|json  output format (default: text)\n"
	      "  -h, --help               show this help\n\n"
	      "The journal is bound to what the apply changed: the root, the host name and\n"
	      "the network namespace; rollback refuses anywhere else.  Every entry is checked\n"
	      "against what ctaudit may change before anything is restored.\n\n"
	      "Exit status: 0 rolled back, or nothing to roll back; 1 a step failed (the\n"
	      "others were done; run it again), or files or values changed since the apply\n"
	      "(listed; nothing changed; --force overwrites them); 2 usage error, unknown ID,\n"
	      "newer applies exist, an invalid or untrusted journal, or another root, host or\n"
	      "namespace (nothing changed); 3 not root, the lock is held, or the host could\n"
	      "not be changed.\n",
	      stdout);
}

static int list(const struct cta_cli_common *c)
{
	_cleanup_json_ json_t *arr = json_array();
	_cleanup_free_ char *buf = NULL;
	char **ids = NULL;
	size_t size;
	FILE *f;
	int r;

	r = cta_journal_list(c->root, &ids);
	if (r < 0 || !arr) {
		const char *t = cta_journal_trust_strerror(r);

		cta_cli_error("cannot read the journal '%s%s': %s", c->root ? c->root : "",
			      CTA_JOURNAL_DIR, t ? t : CTA_STRERROR(r < 0 ? r : -ENOMEM));
		return t ? CTA_EXIT_USAGE : CTA_EXIT_HOST;
	}
	f = open_memstream(&buf, &size);
	if (!f) {
		cta_strv_free(ids);
		return CTA_EXIT_HOST;
	}
	if (!ids[0] && c->format == CTA_FORMAT_TEXT)
		fputs("no journal entries\n", f);
	for (size_t i = 0; ids[i]; i++) {
		struct cta_journal *j = NULL;

		if (cta_journal_load(c->root, ids[i], &j) < 0) {
			/* journal.json is written before anything changes: nothing did */
			if (c->format == CTA_FORMAT_TEXT)
				fprintf(f, "%s  incomplete (nothing was changed)\n", ids[i]);
			else
				json_array_append_new(arr, json_pack("{s:s, s:s}", "id", ids[i],
								     "state", "incomplete"));
			continue;
		}
		if (c->format == CTA_FORMAT_TEXT)
			fprintf(f, "%s  %-11s  %s  profile %s%s%s: %zu file%s, %zu value%s%s\n",
				j->id, cta_journal_state_to_string(j->state),
				j->created_at ? j->created_at : "?", j->profile ? j->profile : "?",
				j->netns ? ", netns " : "", j->netns ? j->netns : "", j->n_files,
				j->n_files == 1 ? "" : "s", j->n_sysctls,
				j->n_sysctls == 1 ? "" : "s",
				j->rules_changed ? ", NOTRACK rules" : "");
		else {
			json_t *o = NULL;

			if (cta_journal_to_json(j, &o) == 0)
				json_array_append_new(arr, o);
		}
		cta_journal_free(j);
	}
	cta_strv_free(ids);
	if (c->format == CTA_FORMAT_JSON) {
		_cleanup_free_ char *s = cta_json_dumps(arr);

		if (s)
			fputs(s, f);
	}
	if (fclose(f) != 0)
		return CTA_EXIT_HOST;
	return cta_cli_print(buf);
}

int cmd_rollback(int argc, char **argv)
{
	enum { OPT_LIST = CTA_OPT_FIRST_PRIVATE, OPT_FORCE };
	static const struct option longopts[] = {
		CTA_CLI_COMMON_LONGOPTS,
		{ "list", no_argument, NULL, OPT_LIST },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(cta_cli_common_done) struct cta_cli_common c = { 0 };
	_cleanup_(cta_journal_freep) struct cta_journal *j = NULL;
	_cleanup_free_ char *err = NULL, *msg = NULL;
	_cleanup_(cta_strv_freep) char **drift = NULL;
	struct cta_journal_target now = { 0 };
	_cleanup_close_ int lock = -EBADF;
	struct cta_apply_opts ao = { 0 };
	bool do_list = false;
	int opt, r;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			help();
			return cta_cli_print("");
		}
		if (opt == OPT_LIST || opt == OPT_FORCE) {
			do_list |= opt == OPT_LIST;
			ao.force |= opt == OPT_FORCE;
			continue;
		}
		if (opt == CTA_OPT_INTERVAL)
			return cta_cli_usage_error("rollback",
						   "'--interval' does not apply to rollback");
		if (opt == CTA_OPT_FACTS || opt == CTA_OPT_KERNEL || opt == CTA_OPT_OFFLINE)
			return cta_cli_usage_error("rollback", "'%s' does not apply to rollback",
						   argv[optind - 1]);
		r = opt == '?' ? -EINVAL : cta_cli_common_opt(&c, opt, optarg);
		if (r <= 0)
			return CTA_EXIT_USAGE;
	}
	if (argc - optind > 1)
		return cta_cli_usage_error("rollback", "unexpected argument '%s'",
					   argv[optind + 1]);
	if (c.all_netns)
		return cta_cli_usage_error("rollback",
					   "rollback restores one network namespace per "
					   "run: --netns NAME or --netns-pid PID");
	if (cta_cli_common_check(&c) < 0)
		return CTA_EXIT_USAGE;
	if (do_list) {
		if (optind < argc)
			return cta_cli_usage_error("rollback", "--list takes no ID");
		return list(&c);
	}
	if (geteuid() != 0) {
		cta_cli_error("rollback changes the host and needs root");
		return CTA_EXIT_HOST;
	}
	lock = cta_apply_lock(c.root, &err);
	if (lock < 0) {
		cta_cli_error("%s", err ? err : CTA_STRERROR(lock));
		return lock != -EBUSY && cta_apply_refused(lock) ? CTA_EXIT_USAGE : CTA_EXIT_HOST;
	}
	r = cta_apply_select_journal(c.root, optind < argc ? argv[optind] : NULL, &j, &err);
	if (r == -ENODATA) {
		cta_cli_error("%s", err);
		return CTA_EXIT_OK;
	}
	if (r < 0) {
		cta_cli_error("%s", err ? err : CTA_STRERROR(r));
		return r == -ENOENT || r == -EBUSY || cta_apply_refused(r) ? CTA_EXIT_USAGE :
									     CTA_EXIT_HOST;
	}
	if (r == 0)
		return cta_cli_print("nothing to roll back\n");
	if (j->state != CTA_JOURNAL_PREPARED && j->state != CTA_JOURNAL_APPLIED) {
		if (asprintf(&msg, "nothing to roll back: '%s' is %s%s\n", j->id,
			     cta_journal_state_to_string(j->state),
			     j->state == CTA_JOURNAL_FAILED ? " (undone when it failed)" : "") < 0)
			return CTA_EXIT_HOST;
		return cta_cli_print(msg);
	}
	if (c.netns || (!c.netns_pid && j->netns)) {
		const char *ns = c.netns ? c.netns : j->netns;

		r = cta_netns_enter_name(ns);
		if (r < 0) {
			cta_cli_error("cannot enter network namespace '%s': %s", ns,
				      CTA_STRERROR(-r));
			return CTA_EXIT_HOST;
		}
	} else if (c.netns_pid) {
		r = cta_netns_enter_pid(c.netns_pid);
		if (r < 0) {
			cta_cli_error("cannot enter the network namespace of pid %d: %s",
				      c.netns_pid, CTA_STRERROR(-r));
			return CTA_EXIT_HOST;
		}
	}
	ao.root = c.root;
	/* a journal without runtime changes (an --offline apply) names no namespace */
	ao.offline = j->target.netns_inode == 0;
	r = cta_apply_target(&ao, &now);
	if (r == 0)
		r = cta_apply_check_target(&j->target, &now, &err);
	free(now.root), free(now.hostname);
	if (r < 0) {
		cta_cli_error("refusing to roll back '%s': %s (nothing changed)", j->id,
			      err ? err : CTA_STRERROR(r));
		return CTA_EXIT_USAGE;
	}
	r = cta_apply_check_journal(j, &ao, &err);
	if (r < 0) {
		cta_cli_error("refusing to roll back: %s (nothing changed)", err);
		return CTA_EXIT_USAGE;
	}
	r = cta_apply_drift(j, &ao, &drift);
	if (r < 0) {
		cta_cli_error("cannot compare with the state after the apply: %s", CTA_STRERROR(r));
		return CTA_EXIT_HOST;
	}
	for (size_t i = 0; drift[i]; i++)
		fprintf(stderr, "ctaudit: rollback: %s%s\n", ao.force ? "overwriting: " : "",
			drift[i]);
	if (r > 0 && !ao.force) {
		cta_cli_error("refusing to roll back '%s': %d change%s since the apply would be "
			      "lost (--force overwrites them; nothing changed)",
			      j->id, r, r == 1 ? "" : "s");
		return CTA_EXIT_FINDINGS;
	}
	r = cta_apply_rollback(j, &ao, &err);
	if (r < 0) {
		cta_cli_error("rollback of '%s' incomplete: %s", j->id,
			      err ? err : CTA_STRERROR(-r));
		return CTA_EXIT_FINDINGS;
	}
	if (c.format == CTA_FORMAT_JSON)
		r = asprintf(&msg, "{\n  \"rolled_back\": \"%s\"\n}\n", j->id);
	else
		r = asprintf(&msg, "rolled back %s: %zu file%s, %zu runtime value%s%s restored\n",
			     j->id, j->n_files, j->n_files == 1 ? "" : "s", j->n_sysctls,
			     j->n_sysctls == 1 ? "" : "s",
			     j->rules_changed ? ", NOTRACK rules" : "");
	if (r < 0)
		return CTA_EXIT_HOST;
	return cta_cli_print(msg);
}
