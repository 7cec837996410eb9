#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The NOTRACK writers (src/nf: cta_iptc_set_notrack, cta_nft_set_notrack)
# against the real kernel: exact iptables-legacy/nft listings after writing,
# idempotence, other rules left alone, removal, -EINVAL and -EBUSY changing
# nothing, and the rules read back as facts.  The assertions are in
# cta-fwwrite.c (cmocka); this runs it in a fresh namespace.  Was
# tests/unit/test-fwwrite.c, which passed without testing when not root.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require iptables-legacy ip6tables-legacy nft

FWWRITE=${CTA_FWWRITE:-${CTA_BINDIR:-$CTA_SRCDIR/build}/tests/cta-fwwrite}
[ -x "$FWWRITE" ] || cta_fail "cta-fwwrite not built: '$FWWRITE'"

cta_netns_new NS
rc=0
cta_in "$NS" "$FWWRITE" || rc=$?
# 77 would mean "not root", which was checked above: a failure here
[ "$rc" = 0 ] || cta_fail "cta-fwwrite exited $rc"
# the test's namespace saw nothing: the program worked in one of its own
cta_assert_eq "no legacy tables in the test namespace" \
	"$(cta_in "$NS" cat /proc/net/ip_tables_names)" ""
cta_assert_eq "no nft tables in the test namespace" "$(cta_in "$NS" nft list tables)" ""
cta_pass "firewall writers"
