// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: YAML rule catalogs and profiles through the policy
 * loader.  Each input is handed to the loader as an extra file (as `ctaudit
 * validate FILE` does) next to the real catalog, so the YAML reader, the key
 * dispatch, expression and template parsing in rules, profile merging and the
 * cross checks all see it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "policy/policy.h"
#include "util/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cta_diags diags = { 0 };
	struct cta_policy *p = NULL;
	char path[64];
	const char *files[2] = { path, NULL };
	struct cta_policy_opts opts = { .datadir = CTA_SOURCE_DATADIR, .files = files };
	int fd;

	if (size > 256 * 1024)
		return 0;
	/* a regular file without touching the disk */
	fd = memfd_create("fuzz.yaml", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (cta_policy_load(&opts, &diags, &p) == 0)
		cta_policy_free(p);
	cta_diags_done(&diags);
	close(fd);
	return 0;
}
