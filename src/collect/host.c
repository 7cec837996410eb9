// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "collect/collect.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/banned.h"

/*
 * Since around Linux 6.18 the initial namespaces have fixed inode numbers
 * (uapi linux/nsfs.h enum init_ns_ino); the same change added the NS_GET_ID
 * ioctl, so a kernel that answers NS_GET_ID gives the initial network
 * namespace this inode.  Dynamic namespace inodes start at 0xF0000000.
 */
#define CTA_NET_NS_INIT_INO 0xEFFFFFF9U
#define CTA_NSIO 0xb7
#define CTA_NS_GET_ID _IOR(CTA_NSIO, 13, uint64_t)

/* "0-3,5,7-8" -> 7.  Returns the count or -EINVAL. */
static int parse_cpu_list(const char *s)
{
	int count = 0;

	while (*s && !isspace((unsigned char)*s)) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (end == s)
			return -EINVAL;
		s = end;
		if (*s == '-') {
			const char *bs = s + 1;

			b = strtoul(bs, &end, 10);
			if (end == bs || b < a)
				return -EINVAL;
			s = end;
		}
		if (b - a >= 1u << 20)
			return -EINVAL;
		count += (int)(b - a + 1);
		if (*s == ',')
			s++;
		else if (*s && !isspace((unsigned char)*s))
			return -EINVAL;
	}
	return count > 0 ? count : -EINVAL;
}

static int collect_cpus(struct cta_collect_ctx *c, json_t *host)
{
	_cleanup_free_ char *path = cta_collect_sys_path(c, "devices/system/cpu/online"),
			    *buf = NULL;
	long n;
	int r;

	if (!path)
		return -ENOMEM;
	if (cta_read_file(path, 1 << 16, &buf) >= 0) {
		r = parse_cpu_list(buf);
		if (r > 0)
			return json_object_set_new(host, "cpus", json_integer(r)) < 0 ? -ENOMEM : 0;
	}
	/* no sysfs (a container without /sys): ask libc, which reads the same thing or uses sched_getaffinity */
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		return cta_collect_unavailable(c, "host.cpus", "cannot read '%s'", path);
	return json_object_set_new(host, "cpus", json_integer(n)) < 0 ? -ENOMEM : 0;
}

static int collect_memory(struct cta_collect_ctx *c, json_t *host)
{
	_cleanup_free_ char *path = cta_collect_proc_path(c, "meminfo"), *buf = NULL;
	ssize_t n;

	if (!path)
		return -ENOMEM;
	n = cta_read_file(path, 0, &buf);
	if (n < 0)
		return n == -ENOMEM ? -ENOMEM :
				      cta_collect_unavailable_errno(c, "host.memory_bytes", (int)n);
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = 0;
		if (strneq(line, "MemTotal:", 9)) {
			char *end;
			unsigned long long kb;

			errno = 0;
			kb = strtoull(line + 9, &end, 10);
			while (isspace((unsigned char)*end))
				end++;
			if (errno || end == line + 9 || !streq(end, "kB") || kb > INT64_MAX / 1024)
				break;
			return json_object_set_new(host, "memory_bytes",
						   json_integer((json_int_t)kb * 1024)) < 0 ?
				       -ENOMEM :
				       0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return cta_collect_unavailable(c, "host.memory_bytes", "no 'MemTotal' line in '%s'", path);
}

static int collect_netns(struct cta_collect_ctx *c, json_t *host)
{
	_cleanup_free_ char *self = cta_collect_proc_path(c, "self/ns/net"),
			    *init = cta_collect_proc_path(c, "1/ns/net");
	_cleanup_close_ int fd = -EBADF;
	struct stat st_self, st_init;
	uint64_t id;
	const char *netns;

	if (!self || !init)
		return -ENOMEM;
	if (stat(self, &st_self) < 0)
		return cta_collect_unavailable_errno(c, "host.netns", cta_negerrno());
	if (json_object_set_new(host, "netns_inode", json_integer((json_int_t)st_self.st_ino)) < 0)
		return -ENOMEM;
	if (stat(init, &st_init) == 0) {
		netns = st_self.st_dev == st_init.st_dev && st_self.st_ino == st_init.st_ino ?
				"init" :
				"other";
		return json_object_set_new(host, "netns", json_string(netns)) < 0 ? -ENOMEM : 0;
	}
	/*
	 * pid 1's namespace links are often unreadable (no CAP_SYS_PTRACE over
	 * pid 1, a container).  A kernel with fixed initial-namespace inodes
	 * still answers the question.
	 */
	if (st_self.st_ino == CTA_NET_NS_INIT_INO)
		return json_object_set_new(host, "netns", json_string("init")) < 0 ? -ENOMEM : 0;
	fd = open(self, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && ioctl(fd, CTA_NS_GET_ID, &id) == 0)
		return json_object_set_new(host, "netns", json_string("other")) < 0 ? -ENOMEM : 0;
	return cta_collect_unavailable(
		c, "host.netns", "cannot compare with the namespace of pid 1: '%s' is unreadable",
		init);
}

static int version_cmp(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* Newest kernel release installed below root/lib/modules (version-sorted). */
static int newest_kernel(const char *root, char **ret)
{
	_cleanup_free_ char *path = cta_path_join(root, "/lib/modules");
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ char *best = NULL;
	struct dirent *de;

	if (!path)
		return -ENOMEM;
	d = opendir(path);
	if (!d)
		return cta_negerrno();
	while ((de = readdir(d))) {
		const char *name = de->d_name;

		if (name[0] == '.' || !isdigit((unsigned char)name[0]))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
			continue;
		if (!best || version_cmp(&name, &best) > 0) {
			free(best);
			best = strdup(name);
			if (!best)
				return -ENOMEM;
		}
	}
	if (!best)
		return -ENOENT;
	*ret = TAKE_PTR(best);
	return 0;
}

static int collect_offline(struct cta_collect_ctx *c, json_t *host)
{
	static const char *const live[] = { "host.cpus", "host.memory_bytes", "host.netns" };
	_cleanup_free_ char *hostname = NULL, *kernel = NULL;
	int r;

	if (cta_read_file_at(c->opts->root, "/etc/hostname", 1 << 16, &hostname) >= 0) {
		char *nl;

		cta_collapse_ws(hostname);
		nl = strchr(hostname, ' ');
		if (nl)
			*nl = 0;
		if (*hostname && json_object_set_new(host, "hostname", json_string(hostname)) < 0)
			return -ENOMEM;
	}
	if (c->opts->kernel) {
		if (json_object_set_new(host, "kernel", json_string(c->opts->kernel)) < 0)
			return -ENOMEM;
	} else {
		r = newest_kernel(c->opts->root, &kernel);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			r = cta_collect_unavailable(
				c, "host.kernel",
				"offline, and no kernel found below '/lib/modules'");
			if (r < 0)
				return r;
		} else if (json_object_set_new(host, "kernel", json_string(kernel)) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < ELEMENTSOF(live); i++) {
		r = cta_collect_unavailable(c, live[i], "offline");
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * machine-id(5): 32 lower-case hexadecimal digits and a newline; anything
 * else (missing, "uninitialized" on a first boot, or a file an image author
 * prepared) leaves the key out.  Resolved inside the root like every path.
 */
static int collect_machine_id(struct cta_collect_ctx *c, json_t *host)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	int r;

	r = cta_resolve_in_root(c->opts->root, "/etc/machine-id", &path);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || cta_read_file_at(c->opts->root, path, 4096, &buf) < 0)
		return 0;
	cta_collapse_ws(buf);
	if (strlen(buf) != 32 || strspn(buf, "0123456789abcdef") != 32)
		return 0;
	return json_object_set_new(host, "machine_id", json_string(buf)) < 0 ? -ENOMEM : 0;
}

int cta_collect_host(struct cta_collect_ctx *c)
{
	_cleanup_json_ json_t *host = json_object();
	struct utsname u;
	int r;

	if (!host)
		return -ENOMEM;
	if (c->opts->offline) {
		r = collect_offline(c, host);
	} else {
		if (uname(&u) < 0)
			return cta_collect_unavailable_errno(c, "host", cta_negerrno());
		if (json_object_set_new(host, "hostname", json_string(u.nodename)) < 0 ||
		    json_object_set_new(host, "kernel", json_string(u.release)) < 0)
			return -ENOMEM;
		r = collect_cpus(c, host);
		if (r >= 0)
			r = collect_memory(c, host);
		if (r >= 0)
			r = collect_netns(c, host);
	}
	if (r >= 0)
		r = collect_machine_id(c, host);
	if (r < 0)
		return r;
	return json_object_set(c->facts, "host", host) < 0 ? -ENOMEM : 0;
}
