// SPDX-License-Identifier: GPL-2.0-or-later
/* placeholder until the host collector lands */
#include "collect/collect.h"

int cta_collect_host(struct cta_collect_ctx *c)
{
	(void)c;
	return 0;
}
