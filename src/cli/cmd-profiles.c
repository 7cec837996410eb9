// SPDX-License-Identifier: GPL-2.0-or-later
/* placeholder until the profiles command lands */
#include "cli/cli.h"

int cmd_profiles(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cta_cli_error("not available yet");
	return CTA_EXIT_USAGE;
}
