// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "collect/netns.h"

#define POD "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define CID "3b1c7e5a9d2f4e6a8c0b1d3f5e7a9c2b4d6f8e0a1c3e5b7d9f2a4c6e8b0d1f3a"
#define CID2 "aaaabbbbccccddddeeeeffff00001111222233334444555566667777888899990"

/* ---- cgroup paths ------------------------------------------------------- */

static const struct {
	const char *text, *pod, *cid, *runtime;
} cgroup_cases[] = {
	/* systemd cgroup driver, containerd */
	{ "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/cri-containerd-" CID
	  ".scope\n",
	  POD, CID, "containerd" },
	/* cgroupfs driver (v1 hierarchy lines too) */
	{ "12:memory:/kubepods/burstable/pod" POD "/" CID "\n0::/kubepods/burstable/pod" POD "/" CID
	  "\n",
	  POD, CID, "kubepods" },
	/* cri-o: the conmon scope is not the container */
	{ "0::/kubepods.slice/kubepods-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/crio-conmon-" CID
	  ".scope\n",
	  POD, NULL, NULL },
	{ "0::/kubepods.slice/kubepods-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/crio-" CID
	  ".scope/container\n",
	  POD, CID, "cri-o" },
	{ "0::/system.slice/docker-" CID ".scope\n", NULL, CID, "docker" },
	{ "0::/docker/" CID "\n", NULL, CID, "docker" },
	{ "0::/machine.slice/libpod-" CID ".scope/container\n", NULL, CID, "podman" },
	/* a session, a 65-hex-digit run and a short id are no container */
	{ "0::/user.slice/user-0.slice/session-3.scope\n", NULL, NULL, NULL },
	{ "0::/x/" CID2 "\n", NULL, NULL, NULL },
	{ "0::/docker/3b1c7e5a9d2f\n", NULL, NULL, NULL },
	{ "", NULL, NULL, NULL },
	/* "pod" inside a word is no pod */
	{ "0::/tripod" POD "\n", NULL, NULL, NULL },
};

static void test_cgroup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cgroup_cases) / sizeof(cgroup_cases[0]); i++) {
		char *pod = (char *)1, *cid = (char *)1;
		const char *rt = "x";

		assert_int_equal(cta_netns_parse_cgroup(cgroup_cases[i].text, &pod, &cid, &rt), 0);
		if (cgroup_cases[i].pod)
			assert_string_equal(pod, cgroup_cases[i].pod);
		else
			assert_null(pod);
		if (cgroup_cases[i].cid)
			assert_string_equal(cid, cgroup_cases[i].cid);
		else
			assert_null(cid);
		if (cgroup_cases[i].runtime)
			assert_string_equal(rt, cgroup_cases[i].runtime);
		else
			assert_null(rt);
		free(pod);
		free(cid);
	}
}

static void test_parse_link(void **state)
{
	static const struct {
		const char *s;
		int r;
		uint64_t ino;
	} cases[] = {
		{ "net:[4026531840]", 0, 4026531840ULL },
		{ "net:[1]", 0, 1 },
		{ "net:[0]", -EINVAL, 0 },
		{ "mnt:[4026531840]", -EINVAL, 0 },
		{ "net:[4026531840", -EINVAL, 0 },
		{ "net:[-1]", -EINVAL, 0 },
		{ "net:[12]x", -EINVAL, 0 },
		{ "net:[]", -EINVAL, 0 },
		{ "net:[99999999999999999999999]", -EINVAL, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ino = 7;

		assert_int_equal(cta_netns_parse_link(cases[i].s, &ino), cases[i].r);
		assert_int_equal(ino, cases[i].r == 0 ? cases[i].ino : 7);
	}
}

/* ---- discovery on a fake /proc ------------------------------------------ */

struct node {
	const char *path; /* relative to the fixture root */
	char kind; /* 'l' symlink to @content, 'f' file with @content, 'd' directory */
	const char *content;
};

#define MI_NSFS(id, root, mp) id " 25 0:4 " root " " mp " rw,nosuid,nodev - nsfs nsfs rw\n"

static const struct node host_tree[] = {
	/* pid 1: the initial namespace */
	{ "1/ns/net", 'l', "net:[100]" },
	{ "1/ns/mnt", 'l', "mnt:[500]" },
	{ "1/comm", 'f', "systemd\n" },
	{ "1/cgroup", 'f', "0::/init.scope\n" },
	{ "17/ns/net", 'l', "net:[100]" },
	{ "17/ns/mnt", 'l', "mnt:[500]" },
	/* a pod: pause (300) and app (301) share one namespace */
	{ "300/ns/net", 'l', "net:[201]" },
	{ "300/ns/mnt", 'l', "mnt:[501]" },
	{ "300/comm", 'f', "pause\n" },
	{ "300/cgroup", 'f',
	  "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/cri-containerd-" CID
	  ".scope\n" },
	{ "300/mountinfo", 'f',
	  MI_NSFS("900", "net:[205]",
		  "/run/containerd/io.containerd.grpc.v1.cri/sandboxes/x/netns") },
	{ "301/ns/net", 'l', "net:[201]" },
	{ "301/ns/mnt", 'l', "mnt:[501]" },
	{ "301/comm", 'f', "app\n" },
	{ "301/cgroup", 'f', "0::/kubepods.slice/other\n" },
	/* unshare -n sleep, also named "red" */
	{ "400/ns/net", 'l', "net:[202]" },
	{ "400/ns/mnt", 'l', "mnt:[500]" },
	{ "400/comm", 'f', "sleep\n" },
	{ "400/cgroup", 'f', "0::/user.slice/user-0.slice/session-1.scope\n" },
	/* unreadable process: skipped */
	{ "401/comm", 'f', "gone\n" },
	/* an unnamed, process-held namespace */
	{ "402/ns/net", 'l', "net:[206]" },
	{ "402/comm", 'f', "sleep\n" },
	{ "402/cgroup", 'f', "0::/system.slice/docker-" CID ".scope\n" },
	/* not a pid */
	{ "sys/x", 'f', "" },
	{ "self/ns/net", 'l', "net:[100]" },
	{ "self/ns/mnt", 'l', "mnt:[500]" },
	{ "self/mountinfo", 'f',
	  "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n" MI_NSFS(
		  "30", "net:[203]", "/run/netns/blue") MI_NSFS("31", "net:[202]", "/run/netns/red")
		  MI_NSFS("32", "net:[204]", "/var/run/docker/netns/with\\040blank")
			  MI_NSFS("33", "mnt:[777]", "/run/mntns/x") MI_NSFS(
				  "34", "net:[203]",
				  "/tmp/again") "35 1 0:4 net:[garbage] /run/netns/bad rw - nsfs nsfs rw\n"
						"36 1 0:4 net:[208] /run/netns/short\n" },
};

static char *build_tree(const struct node *nodes, size_t n)
{
	char *root = strdup("/tmp/cta-netns-XXXXXX");

	assert_non_null(root);
	assert_non_null(mkdtemp(root));
	for (size_t i = 0; i < n; i++) {
		char *path, *dir, *slash;

		assert_int_not_equal(asprintf(&path, "%s/%s", root, nodes[i].path), -1);
		dir = strdup(path);
		for (slash = strchr(dir + strlen(root) + 1, '/'); slash;
		     slash = strchr(slash + 1, '/')) {
			*slash = 0;
			mkdir(dir, 0755);
			*slash = '/';
		}
		free(dir);
		if (nodes[i].kind == 'l') {
			assert_int_equal(symlink(nodes[i].content, path), 0);
		} else if (nodes[i].kind == 'd') {
			mkdir(path, 0755);
		} else {
			FILE *f = fopen(path, "w");

			assert_non_null(f);
			fputs(nodes[i].content, f);
			fclose(f);
		}
		free(path);
	}
	return root;
}

static void rm_tree(char *root)
{
	char *cmd;

	assert_int_not_equal(asprintf(&cmd, "rm -rf '%s'", root), -1);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(root);
}

static const struct cta_netns *find(const struct cta_netns_list *l, uint64_t ino)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].inode == ino)
			return &l->v[i];
	return NULL;
}

static void test_discover(void **state)
{
	char *root = build_tree(host_tree, sizeof(host_tree) / sizeof(host_tree[0]));
	struct cta_netns_discover_opts o = { .procfs = root };
	struct cta_netns_list l = {};
	const struct cta_netns *ns;
	char *p;

	(void)state;
	assert_int_equal(cta_netns_discover(&o, &l), 0);
	/* 100 201 202 203 204 205 206: each once */
	assert_int_equal(l.n, 7);

	/* sorted: initial, named (blue, red), then by label */
	assert_int_equal(l.v[0].inode, 100);
	assert_true(l.v[0].initial);
	assert_true(l.v[0].self);
	assert_string_equal(l.v[0].label, "initial");
	assert_int_equal(l.v[0].n_processes, 2);
	assert_string_equal(l.v[1].label, "blue");
	assert_string_equal(l.v[2].label, "red");

	ns = find(&l, 201);
	assert_non_null(ns);
	assert_false(ns->initial);
	assert_int_equal(ns->holders, CTA_NETNS_HELD_PROCESS);
	assert_int_equal(ns->n_processes, 2);
	assert_int_equal(ns->pid, 300);
	assert_string_equal(ns->pod_uid, POD);
	assert_string_equal(ns->container_id, CID);
	assert_string_equal(ns->runtime, "containerd");
	assert_string_equal(ns->label, "pod " POD " container 3b1c7e5a9d2f (pause)");
	assert_int_not_equal(asprintf(&p, "%s/300/ns/net", root), -1);
	assert_string_equal(ns->enter_path, p);
	free(p);

	/* held by a process and named: the name labels it and is the way in */
	ns = find(&l, 202);
	assert_int_equal(ns->holders, CTA_NETNS_HELD_PROCESS | CTA_NETNS_HELD_NAME);
	assert_string_equal(ns->name, "red");
	assert_string_equal(ns->comm, "sleep");
	assert_string_equal(ns->enter_path, "/run/netns/red");

	/* named and mounted once more elsewhere */
	ns = find(&l, 203);
	assert_int_equal(ns->holders, CTA_NETNS_HELD_NAME | CTA_NETNS_HELD_MOUNT);
	assert_int_equal(ns->n_processes, 0);
	assert_string_equal(ns->enter_path, "/run/netns/blue");
	assert_string_equal(ns->mount, "/tmp/again");

	/* only a bind mount, with an escaped blank */
	ns = find(&l, 204);
	assert_int_equal(ns->holders, CTA_NETNS_HELD_MOUNT);
	assert_string_equal(ns->label, "mount /var/run/docker/netns/with blank");
	assert_string_equal(ns->enter_path, "/var/run/docker/netns/with blank");

	/* a bind mount in another mount namespace: entered through that process's root */
	ns = find(&l, 205);
	assert_non_null(ns);
	assert_int_equal(ns->mount_pid, 300);
	assert_int_not_equal(
		asprintf(&p,
			 "%s/300/root/run/containerd/io.containerd.grpc.v1.cri/sandboxes/x/netns",
			 root),
		-1);
	assert_string_equal(ns->enter_path, p);
	free(p);

	ns = find(&l, 206);
	assert_string_equal(ns->label, "docker 3b1c7e5a9d2f (sleep)");

	/* malformed mountinfo lines name nothing */
	assert_null(find(&l, 208));
	assert_null(find(&l, 777));

	/* globs on name or label */
	assert_true(cta_netns_match(find(&l, 202), "re*"));
	assert_true(cta_netns_match(find(&l, 201), "pod " POD "*"));
	assert_false(cta_netns_match(find(&l, 201), "red"));
	cta_netns_list_done(&l);
	rm_tree(root);
}

static void test_discover_empty(void **state)
{
	static const struct node empty[] = { { "self/x", 'f', "" } };
	char *root = build_tree(empty, 1);
	struct cta_netns_discover_opts o = { .procfs = root };
	struct cta_netns_list l = {};

	(void)state;
	assert_int_equal(cta_netns_discover(&o, &l), -ENOENT);
	assert_int_equal(l.n, 0);
	rm_tree(root);
}

/* Opening checks the inode: a recycled pid or a removed name is "gone". */
static void test_open(void **state)
{
	struct stat st;
	struct cta_netns ns = { .enter_path = (char *)"/proc/self/ns/net" };
	int fd;

	(void)state;
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	ns.inode = st.st_ino;
	fd = cta_netns_open(&ns);
	assert_true(fd >= 0);
	close(fd);
	ns.inode = st.st_ino + 1;
	assert_int_equal(cta_netns_open(&ns), -ESRCH);
	ns.enter_path = (char *)"/run/netns/cta-no-such-namespace";
	assert_int_equal(cta_netns_open(&ns), -ESRCH);
	ns.enter_path = NULL;
	assert_int_equal(cta_netns_open(&ns), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup),	 cmocka_unit_test(test_parse_link),
		cmocka_unit_test(test_discover), cmocka_unit_test(test_discover_empty),
		cmocka_unit_test(test_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
