/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_APPLY_ALLOW_H
#define CTA_APPLY_ALLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "plan/plan.h"

/*
 * The one list of what ctaudit may change on a host.  Whatever asks for a
 * change - a plan computed from the catalog, a saved report, a profile, a
 * journal being rolled back - is checked against it before anything is
 * written; an entry outside it is an error, never skipped silently.
 *
 * Each check returns 0, or -EINVAL with a one-line reason (new string) in
 * @ret_why.
 */

#define CTA_ALLOW_VALUE_MAX 256 /* bytes of a sysctl value */
#define CTA_ALLOW_PORTS_MAX 256 /* NOTRACK port entries */

/*
 * A sysctl key the catalog's remediations name (the table in allow.c; a
 * unit test keeps it equal to the catalog) and a value in that key's syntax:
 * a number, two numbers (ip_local_port_range) or a port list
 * (ip_local_reserved_ports); never a newline or control character, at most
 * CTA_ALLOW_VALUE_MAX bytes.
 */
int cta_allow_sysctl(const char *key, const char *value, char **ret_why);

/* The @i-th key of the table, NULL past its end (for the unit test). */
const char *cta_allow_sysctl_key(size_t i);

/*
 * A file ctaudit may write, by kind (struct cta_plan_file.kind): "sysctl" a
 * *.conf directly in a sysctl.d directory; "override" that or
 * /etc/sysctl.conf; the persistence files by their fixed names.  @path is the
 * normalised host path.
 */
int cta_allow_file(const char *kind, const char *path, char **ret_why);

/*
 * NOTRACK ports: "tcp"/"udp", a valid port or range without 0, at most
 * CTA_ALLOW_PORTS_MAX entries, and never every port unless @all_ports.
 */
int cta_allow_ports(const struct cta_plan_ports *ps, bool all_ports, char **ret_why);

/*
 * --sysctl-file @arg: normalised (cta_path_normalize: "//" and "/./" go, ".."
 * is refused) it must be a *.conf directly in a sysctl.d directory, so never
 * /etc/sysctl.conf.  Returns 0 and the normalised path (new string) or
 * -EINVAL.  apply checks the path again after resolving it in the root.
 */
int cta_allow_sysctl_file(const char *arg, char **ret_norm);

/*
 * Whether a live snapshot misses a fact the plan depends on: a firewall
 * section that could not be read (a busy xtables lock, ...) or the network
 * namespace.  Returns true with the sections and reasons (new string) in
 * @ret_missing.
 */
bool cta_allow_facts_incomplete(json_t *facts, char **ret_missing);

/* A mode recorded for a file: permission bits only (group and other write
 * bits are dropped when ctaudit writes a file: see apply.c). */
int cta_allow_mode(mode_t mode, char **ret_why);

#endif
