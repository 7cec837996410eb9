/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_APPLY_FSROOT_H
#define CTA_APPLY_FSROOT_H

#include "plan/plan.h"

/*
 * Files below a root prefix (--root), by host path.  Symlinks are followed
 * inside the root: an absolute link target is taken relative to the root, so
 * an image tree never reaches out to the real /etc.
 */

/* Read a host path below @root (resolving symlinks with cta_resolve_in_root).  Returns 0 or negative errno. */
int cta_fsroot_read(const char *root, const char *path, char **ret);

/* A struct cta_plan_fs reading below @root (the string must outlive @fs). */
void cta_fsroot_plan_fs(const char *root, struct cta_plan_fs *fs);

#endif
