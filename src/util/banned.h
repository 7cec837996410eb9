/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_UTIL_BANNED_H
#define CTA_UTIL_BANNED_H

/*
 * Functions that invite overflows or silent conversion errors.  Use
 * asprintf/snprintf, cta_strdup-style helpers and cta_parse_* instead.
 * Include last.
 */
#define BANNED(func) sorry_##func##_is_a_banned_function
#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef gets
#define gets(x) BANNED(gets)

#endif
