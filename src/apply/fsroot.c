// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "apply/fsroot.h"
#include "util/fileio.h"
#include "util/rootfs.h"
#include "util/macro.h"
#include "util/banned.h"

int cta_fsroot_read(const char *root, const char *path, char **ret)
{
	_cleanup_close_ int rootfd = cta_root_open(root);
	ssize_t n;

	if (rootfd < 0)
		return rootfd;
	/* resolved in the root as it is opened: a swap cannot lead outside */
	n = cta_root_read(rootfd, path, 0, ret);
	return n < 0 ? (int)n : 0;
}

static int fs_read(void *userdata, const char *path, char **ret)
{
	return cta_fsroot_read(userdata, path, ret);
}

static int fs_resolve(void *userdata, const char *path, char **ret)
{
	return cta_resolve_in_root(userdata, path, ret);
}

void cta_fsroot_plan_fs(const char *root, struct cta_plan_fs *fs)
{
	*fs = (struct cta_plan_fs){ .read = fs_read,
				    .resolve = fs_resolve,
				    .userdata = (void *)root };
}
