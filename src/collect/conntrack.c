// SPDX-License-Identifier: GPL-2.0-or-later
/* placeholder until the conntrack collector lands */
#include "collect/collect.h"

int cta_collect_conntrack(struct cta_collect_ctx *c)
{
	(void)c;
	return 0;
}
