/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_COLLECT_NETNS_H
#define CTA_COLLECT_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Discovery of every network namespace reachable on the host, each once
 * (deduplicated by the inode of its nsfs file):
 *
 * - held by a process: /proc/PID/ns/net (readlink gives "net:[INODE]");
 * - named: an nsfs bind mount below /run/netns (iproute2) or /var/run/netns;
 * - kept alive only by a bind mount elsewhere (container runtimes, CNI),
 *   found in /proc/self/mountinfo and in the mountinfo of every other mount
 *   namespace a process shows (nsfs mounts have the root "net:[INODE]").
 *
 * Each namespace gets a label a person recognises: its name, or the pod and
 * container identity from the cgroup path of a process inside it plus that
 * process's command name.  Nothing here enters a namespace.
 */

enum cta_netns_holder {
	CTA_NETNS_HELD_PROCESS = 1 << 0,
	CTA_NETNS_HELD_NAME = 1 << 1, /* /run/netns/NAME */
	CTA_NETNS_HELD_MOUNT = 1 << 2, /* another nsfs bind mount */
};

struct cta_netns {
	uint64_t inode;
	bool initial; /* the namespace of pid 1 (or the kernel's fixed initial inode) */
	bool self; /* the caller's own namespace */
	unsigned holders; /* CTA_NETNS_HELD_* */
	char *name; /* /run/netns name, or NULL */
	char *mount; /* first bind mount point other than /run/netns, or NULL */
	int mount_pid; /* the mount point lives in the mount namespace of this pid (0: ours) */
	int pid; /* the process chosen to label it (lowest pid with a container id, else lowest) */
	unsigned n_processes; /* processes inside it */
	char *comm; /* that process's command name */
	char *pod_uid; /* Kubernetes pod UID from its cgroup path, or NULL */
	char *container_id; /* 64-hex container id from its cgroup path, or NULL */
	const char *runtime; /* "containerd", "cri-o", "docker", "podman", "kubepods" or NULL */
	char *label; /* what the outputs show */
	char *enter_path; /* the file to open for setns() */
};

struct cta_netns_list {
	struct cta_netns *v;
	size_t n;
};

struct cta_netns_discover_opts {
	const char *procfs; /* NULL: "/proc" (unit tests point it at a fixture tree) */
	/* NULL: "/run/netns" and "/var/run/netns" are named mount points */
	const char *const *name_dirs;
};

/*
 * Find every namespace.  Unreadable processes and mountinfo files are skipped
 * (a process may exit while we look).  The list is sorted: the initial
 * namespace first, then named ones by name, then the rest by label.
 * Returns 0 and fills @ret (caller calls cta_netns_list_done()), -ENOENT when
 * @procfs has no process at all, or -ENOMEM.
 */
int cta_netns_discover(const struct cta_netns_discover_opts *opts, struct cta_netns_list *ret);

void cta_netns_list_done(struct cta_netns_list *l);

/*
 * Parse "net:[4026531840]" (a /proc/PID/ns/net link, or the root column of
 * an nsfs mount in mountinfo).  Returns 0, or -EINVAL.
 */
int cta_netns_parse_link(const char *s, uint64_t *ret_inode);

/*
 * The pod UID and container id in a /proc/PID/cgroup text.  The systemd
 * cgroup driver writes "kubepods-besteffort-pod<uid with _>.slice/
 * cri-containerd-<id>.scope" (also "crio-", "docker-", "libpod-"); the
 * cgroupfs driver "kubepods/besteffort/pod<uid>/<id>"; plain Docker
 * "/docker/<id>".  Outputs are new strings or NULL when absent; @ret_runtime
 * points to a static string or NULL.  Returns 0 or -ENOMEM.
 */
int cta_netns_parse_cgroup(const char *text, char **ret_pod_uid, char **ret_container_id,
			   const char **ret_runtime);

/*
 * Open @ns's enter_path for setns() and check that it is still the same
 * namespace.  Returns an O_CLOEXEC fd, or -ESRCH when the namespace is gone
 * (the process exited, the name or mount was removed, or the path now names
 * another namespace), or another negative errno.
 */
int cta_netns_open(const struct cta_netns *ns);

/* Whether @ns's name or label matches the glob @pattern (fnmatch(3)). */
bool cta_netns_match(const struct cta_netns *ns, const char *pattern);

#endif
