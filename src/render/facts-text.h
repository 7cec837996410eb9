/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_RENDER_FACTS_TEXT_H
#define CTA_RENDER_FACTS_TEXT_H

#include <jansson.h>

/*
 * A facts snapshot (docs/facts.md) as text for `ctaudit facts`: a header
 * line, then each section in reading order; unknown sections follow, and
 * `unavailable` comes last.  Pure.  Returns a new string (caller frees) or
 * NULL on ENOMEM.
 */
char *cta_render_facts_text(const json_t *facts);

#endif
