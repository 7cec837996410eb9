#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Seed 004 reproduced and fixed on the real kernel: with 10 ephemeral ports,
# tcp_tw_reuse off and timestamps off, ten short connections to one peer and
# another 1.5 s later fail with EADDRNOTAVAIL; after
# `ctaudit apply --profile db-client` the same sequence to a fresh peer port
# succeeds (tw_reuse takes over a TIME_WAIT older than tcp_tw_reuse_delay).
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require cc

cta_tmpdir T
cc -O2 -Wall -o "$T/tw-connect" "$CTA_SRCDIR/tests/integration/tw-connect.c" ||
	cta_fail "cannot compile tw-connect"
mkdir -p "$T/root/etc/sysctl.d"
cta_netns_new NS
cta_in "$NS" sysctl -qw net.ipv4.ip_local_port_range="40000 40009" \
	net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_timestamps=0

out=$(cta_in "$NS" "$T/tw-connect" 5000 10 1500) && cta_fail "the failure did not reproduce: $out"
cta_assert_eq "before apply" "$out" "EADDRNOTAVAIL after 10 connections"

rc=0
"$CTAUDIT" apply --yes --profile db-client --netns "$NS" --root "$T/root" >"$T/apply.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/apply.out"; cta_fail "apply exited $rc"; }
cta_assert_eq "tcp_tw_reuse" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_tw_reuse)" 1
cta_assert_eq "tcp_timestamps" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 1
# the cure is tw_reuse, not a wider range
cta_assert_eq "port range" "$(cta_in "$NS" sysctl -n net.ipv4.ip_local_port_range | tr '\t' ' ')" \
	"40000 40009"
grep -q '^net.ipv4.tcp_tw_reuse = 1$' "$T/root/etc/sysctl.d/90-ctaudit-db-client.conf" ||
	cta_fail "tcp_tw_reuse not persisted"

out=$(cta_in "$NS" "$T/tw-connect" 5001 10 1500) || cta_fail "after apply: $out"
cta_assert_eq "after apply" "$out" "ok"
cta_pass "seed 004: EADDRNOTAVAIL before, fixed by apply --profile db-client"
