// SPDX-License-Identifier: GPL-2.0-or-later
/* placeholder until the netstat collector lands */
#include "collect/collect.h"

int cta_collect_netstat(struct cta_collect_ctx *c)
{
	(void)c;
	return 0;
}
