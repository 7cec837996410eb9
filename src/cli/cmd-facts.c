// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/allns.h"
#include "cli/cli.h"
#include "render/facts-text.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

enum {
	OPT_HELP = CTA_OPT_FIRST_PRIVATE,
	OPT_DEEP,
};

static const char facts_help[] =
	"usage: ctaudit facts [OPTIONS]\n"
	"\n"
	"Collect the host's TCP and connection-tracking facts (kernel settings, boot-time\n"
	"sysctl.d values, conntrack counters, socket states, helpers, firewall rules) and\n"
	"print them.  Changes nothing on the host.  The JSON snapshot is the input of\n"
	"'ctaudit audit --facts FILE'; its fields are described in docs/facts.md.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE       write the snapshot to FILE (atomically) instead of stdout\n"
	"      --root DIR          read configuration files (sysctl.d, ...) below DIR\n"
	"      --netns NAME        look at the network namespace /run/netns/NAME\n"
	"      --netns-pid PID     look at the network namespace of process PID\n"
	"      --all-netns         every network namespace, each entered in a child process\n"
	"      --netns-filter GLOB with --all-netns: only namespaces whose name or label\n"
	"                          matches (repeatable)\n"
	"      --jobs N            with --all-netns: namespaces read at once\n"
	"                          (default: the number of CPUs, 2 to 16)\n"
	"      --offline           do not read the live kernel (image audit below --root)\n"
	"      --kernel RELEASE    with --offline: the kernel the image will boot\n"
	"      --interval SECONDS  counters' movement over SECONDS: sample, wait, sample\n"
	"      --format text|json  output format (default: text)\n"
	"      --deep              as 'audit --deep': the conntrack table's top talkers\n"
	"                          and new flows for 1 s (or over --interval)\n"
	"  -h, --help              show this help\n"
	"\n"
	"Without root privileges the facts that cannot be read are listed under\n"
	"'unavailable' with the reason.\n"
	"\n"
	"Exit status: 0 facts collected; 2 usage error; 3 the host could not be read\n"
	"or FILE could not be written.\n";

/* ---- the command -------------------------------------------------------- */

int cmd_facts(int argc, char **argv)
{
	static const struct option longopts[] = {
		CTA_CLI_COMMON_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "deep", no_argument, NULL, OPT_DEEP },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(cta_cli_common_done) struct cta_cli_common common = {};
	_cleanup_json_ json_t *facts = NULL;
	_cleanup_free_ char *out = NULL;
	const char *output = NULL;
	struct stat st;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		r = cta_cli_common_opt(&common, opt, optarg);
		if (r < 0)
			return CTA_EXIT_USAGE;
		if (r > 0)
			continue;
		switch (opt) {
		case 'o':
			output = optarg;
			break;
		case OPT_DEEP:
			common.deep = true;
			break;
		case 'h':
			fputs(facts_help, stdout);
			return cta_cli_print("");
		default:
			return cta_cli_usage_error("facts", "invalid option");
		}
	}
	if (optind < argc)
		return cta_cli_usage_error("facts", "unexpected argument '%s'", argv[optind]);
	if (common.facts)
		return cta_cli_usage_error("facts",
					   "'--facts' does not apply to facts: it reads the host "
					   "('ctaudit audit --facts FILE' judges a snapshot)");
	if (cta_cli_common_check(&common) < 0)
		return CTA_EXIT_USAGE;
	if (common.all_netns) {
		struct cta_allns_cli ao = { .common = &common, .output = output };

		return cta_allns_facts(&ao);
	}
	/* an unreadable root is not a usage error: the collectors say what they could not read */
	if (common.root) {
		if (stat(common.root, &st) < 0) {
			if (errno != EACCES)
				return cta_cli_usage_error("facts", "cannot use --root '%s': %s",
							   common.root, CTA_STRERROR(errno));
		} else if (!S_ISDIR(st.st_mode)) {
			return cta_cli_usage_error("facts", "--root '%s' is not a directory",
						   common.root);
		}
	}

	r = cta_cli_get_facts(&common, NULL, &facts);
	if (r > 0)
		return r;
	/* neither /proc/sys/net nor /proc/net readable: this is not a host we can audit */
	if (!common.offline && json_object_size(json_object_get(facts, "sysctl")) == 0 &&
	    !json_object_get(facts, "netstat")) {
		cta_cli_error("cannot read the kernel's network settings below '/proc'");
		return CTA_EXIT_HOST;
	}

	if (common.format == CTA_FORMAT_JSON && cta_cli_stamp(facts, &common, facts) < 0) {
		cta_cli_error("out of memory");
		return CTA_EXIT_HOST;
	}
	out = common.format == CTA_FORMAT_JSON ? cta_json_dumps(facts) :
						 cta_render_facts_text(facts);
	if (!out) {
		cta_cli_error("out of memory");
		return CTA_EXIT_HOST;
	}
	return cta_cli_output(output, out);
}
