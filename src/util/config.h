/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_UTIL_CONFIG_H
#define CTA_UTIL_CONFIG_H

/*
 * Where ctaudit's own data and configuration live (docs/install.md):
 *  - the shipped catalog and profiles: DATADIR/policies, DATADIR/profiles, where
 *    DATADIR is $CTAUDIT_DATADIR, else the configured ${datadir}/ctaudit, else
 *    the same relative to the program's directory (installed with another
 *    --prefix), else (only in a developer build configured with
 *    -DCTA_SOURCE_DATA=ON) the source tree;
 *  - the site's own: /etc/ctaudit/policies, /etc/ctaudit/profiles (file by
 *    file over the shipped ones, like sysctl.d) and /etc/ctaudit/ctaudit.yaml.
 */

/* Site configuration, below --root. */
#define CTA_SITE_DIR "/etc/ctaudit"
#define CTA_SITE_POLICIES CTA_SITE_DIR "/policies"
#define CTA_SITE_PROFILES CTA_SITE_DIR "/profiles"
#define CTA_SITE_DEFAULTS CTA_SITE_DIR "/ctaudit.yaml"

/*
 * The data directory to use and, in @ret_origin (may be NULL), a phrase
 * saying why: "$CTAUDIT_DATADIR", "installed", "installed, next to the
 * program" or "source tree, developer build".  Does not check that it holds a catalog: the caller's error then
 * names the path it looked in.  Returns a static or environment string.
 */
const char *cta_datadir(const char **ret_origin);

/*
 * sysctl.d-style merge of configuration directories: the *.yaml names found
 * in any of @dirs (NULL-terminated, earlier directories win), sorted by name,
 * as paths.  A file in an earlier directory hides the same name in later
 * ones; when that file is empty or a symlink to /dev/null it masks the name
 * (no path is returned for it).  Missing directories are skipped.  Returns
 * the number of paths (>= 0) and a NULL-terminated array in @ret (free with
 * cta_strv_free), or a negative errno (e.g. -EACCES) with the failing
 * directory in @ret_bad_dir (borrowed from @dirs).  With @dirfds (may be
 * NULL) the directories are listed through those descriptors, already open
 * and checked, and @dirs only names them (a negative fd: skipped).
 */
int cta_conf_files(const char *const *dirs, const int *dirfds, char ***ret,
		   const char **ret_bad_dir);

#endif
