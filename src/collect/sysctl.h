/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_COLLECT_SYSCTL_H
#define CTA_COLLECT_SYSCTL_H

/*
 * sysctl names.  The dotted notation ("net.ipv4.conf.eth0/1.rp_filter") and
 * the path below /proc/sys ("net/ipv4/conf/eth0.1/rp_filter") differ by
 * swapping '.' and '/': a '.' inside a path component (an interface name)
 * is written '/' in dotted notation.
 */

/*
 * Normalize a key as written in a sysctl.d file or on a command line to
 * dotted notation: when its first separator is '/', the key is in path
 * notation and '/' and '.' are swapped (what sysctl(8) and systemd-sysctl
 * do).  Returns a new string or NULL on ENOMEM.
 */
char *cta_sysctl_normalize_key(const char *key);

/* Dotted key -> path relative to /proc/sys.  New string or NULL (ENOMEM). */
char *cta_sysctl_key_to_path(const char *key);

/* Path relative to /proc/sys -> dotted key.  New string or NULL (ENOMEM). */
char *cta_sysctl_path_to_key(const char *path);

#endif
