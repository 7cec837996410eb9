// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: the netlink decoders on recorded messages.  The first
 * byte chooses the decoder, the rest is what the kernel would have sent:
 *   0      a conntrack dump (cta_nldump_parse + cta_ct_parse)
 *   1      a sock_diag dump (cta_nldump_parse + cta_sd_parse)
 *   2..7   one part of an nf_tables dump (tables, chains, rules, objs, sets,
 *          elems), the other parts being the recorded ruleset of
 *          tests/fixtures/firewall/nft-ruleset (cta_nft_decode); only with
 *          CTA_FUZZ_NFT=1 in the environment, because libnftnl calls exit()
 *          on an attribute that fails its own validation (abi_breakage()),
 *          which libFuzzer reports as a crash: run those with
 *          -fork=N -ignore_crashes=1 and look at what is not an exit.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nf/ctdump.h"
#include "nf/firewall.h"
#include "nf/fwrule.h"
#include "nf/nl.h"
#include "nf/sockdiag.h"
#include "util/fileio.h"
#include "util/macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cta_nft_dump recorded;
static bool nft;

static struct cta_nft_buf *part(struct cta_nft_dump *d, unsigned i)
{
	struct cta_nft_buf *parts[] = { &d->tables, &d->chains, &d->rules,
					&d->objs,   &d->sets,	&d->elems };

	return parts[i];
}

static void init(void)
{
	static const char *const names[] = { "tables", "chains", "rules", "objs", "sets", "elems" };
	const char *e = getenv("CTA_FUZZ_NFT");

	nft = e && streq(e, "1");

	for (unsigned i = 0; i < 6; i++) {
		char path[4096], *bytes = NULL;
		ssize_t n;

		snprintf(path, sizeof(path), "%s/tests/fixtures/firewall/nft-ruleset/%s.bin",
			 CTA_SOURCE_DATADIR, names[i]);
		n = cta_read_file(path, 0, &bytes);
		if (n < 0)
			abort();
		part(&recorded, i)->p = (uint8_t *)bytes;
		part(&recorded, i)->len = (size_t)n;
	}
}

static int on_ct(const struct nlmsghdr *nlh, void *data)
{
	struct cta_ct_entry e;

	(void)cta_ct_parse(nlh, &e);
	return 0;
}

static int on_sd(const struct nlmsghdr *nlh, void *data)
{
	struct cta_sd_sock s;

	(void)cta_sd_parse(nlh, &s);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	bool intr = false;

	if (!recorded.tables.p)
		init();
	if (size < 1 || size > 1 << 20)
		return 0;
	/* a fresh, exactly sized, aligned buffer: overreads are ASan's to see */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	switch (data[0] % 8) {
	case 0:
		(void)cta_nldump_parse(copy, size - 1, on_ct, NULL, &intr);
		break;
	case 1:
		(void)cta_nldump_parse(copy, size - 1, on_sd, NULL, &intr);
		break;
	default: {
		struct cta_nft_dump d = recorded;
		struct cta_fwset s = { 0 };

		if (!nft)
			break;
		*part(&d, data[0] % 8 - 2) = (struct cta_nft_buf){ copy, size - 1 };
		(void)cta_nft_decode(&d, &s);
		cta_fwset_done(&s);
		break;
	}
	}
	free(copy);
	return 0;
}
