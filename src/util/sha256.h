/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_UTIL_SHA256_H
#define CTA_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

/*
 * SHA-256 (FIPS 180-4), for content digests in reports (the rule catalog's);
 * not for anything secret.  Writes 64 lower-case hex digits and a NUL.
 */
void cta_sha256_hex(const void *data, size_t len, char hex[static 65]);

#endif
