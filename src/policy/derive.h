/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_POLICY_DERIVE_H
#define CTA_POLICY_DERIVE_H

#include <jansson.h>

/*
 * Derived facts: what the catalog needs that is an algorithm rather than a
 * judgement (docs/facts.md, "derived").  Pure: facts in, a new object out.
 * Expressions read it as `derived.*`; a member is absent when the facts it is
 * computed from are absent, so rules that read it are skipped as for any
 * other missing fact.
 *
 *   notrack_nat_conflicts  [{notrack, nat, direction}]: NOTRACK rules whose
 *                          packets a NAT rule must translate ("original":
 *                          the destination port the NAT rule matches;
 *                          "reply": the source port of the replies, i.e. the
 *                          DNAT/REDIRECT target port, which de-NAT needs)
 *   notrack_covered        {proto: ["8080", "9000-9100"]}: ports whose
 *                          incoming packets every NOTRACK rule without an
 *                          address, interface or source-port restriction
 *                          exempts, merged and sorted; the same per family
 *                          under "ipv4" and "ipv6" (rules of that family or
 *                          inet/none)
 *   drift_runtime          keys of `persisted` whose runtime value differs
 *   drift_overridden       keys of `persisted` assigned different values
 *   time_wait_by_port      [{port, count}]: sockets.time_wait_top summed by
 *                          the peer's port, most first
 */
int cta_derive(json_t *facts, json_t **ret);

/* A shallow copy of @facts with "derived" set (what evaluation reads). */
int cta_derive_facts(json_t *facts, json_t **ret);

#endif
