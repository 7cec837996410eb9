// SPDX-License-Identifier: GPL-2.0-or-later
/* placeholder until the top command lands */
#include "cli/cli.h"

int cmd_top(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cta_cli_error("not available yet");
	return CTA_EXIT_USAGE;
}
