#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One apply reaches the fixed point and stays there (issue 9 items 2, 3).
# A namespace in the state of seed 000 (tcp_keepalive_time = 3,
# tcp_fin_timeout = 3, conntrack established timeout 300 s): fixing keepalive
# makes conntrack.timeout.established_below_keepalive ask for the
# established timeout, so the first plan must already contain it.  After one
# apply, new TIME_WAIT sockets and counter movement change nothing: plan exits
# 0, and a second apply changes no file (mtimes) and writes no journal entry.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require nft jq
cta_twgen TWGEN

cta_tmpdir T
R=$T/root
mkdir -p "$R/etc/sysctl.d"

cta_netns_new NS
cta_in "$NS" nft -f - <<'NFT'
table inet f {
	chain in { type filter hook input priority 0; policy accept; ct state established,related accept; }
}
NFT
cta_in "$NS" sysctl -qw net.ipv4.tcp_keepalive_time=3 net.ipv4.tcp_fin_timeout=3 \
	net.netfilter.nf_conntrack_tcp_timeout_established=300
cta_in "$NS" "$TWGEN" tw 127.0.0.1 127.0.0.1 7001 5 >/dev/null 2>&1 || true

A=(--profile base --netns "$NS" --root "$R")

# the plan is already the fixed point
"$CTAUDIT" plan "${A[@]}" --format json >"$T/plan1.json" || true
cta_assert_eq "established timeout in the first plan" \
	"$(jq -r '.sysctl[] | select(.key == "net.netfilter.nf_conntrack_tcp_timeout_established") | .value' "$T/plan1.json")" \
	432000
[ "$(jq -r .rounds "$T/plan1.json")" -ge 2 ] || cta_fail "the plan did not look at its own result"

rc=0
"$CTAUDIT" apply --yes "${A[@]}" >"$T/apply1" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/apply1"; cta_fail "apply exited $rc"; }
cta_assert_eq "keepalive after one apply" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_keepalive_time)" 7200
cta_assert_eq "established after one apply" \
	"$(cta_in "$NS" sysctl -n net.netfilter.nf_conntrack_tcp_timeout_established)" 432000

# churn: new TIME_WAIT sockets, conntrack entries and counters move
cta_in "$NS" "$TWGEN" tw 127.0.0.1 127.0.0.1 7002 20 >/dev/null 2>&1 || true
cta_in "$NS" "$TWGEN" tw 127.0.0.1 127.0.0.1 7003 7 >/dev/null 2>&1 || true

rc=0
"$CTAUDIT" plan "${A[@]}" >"$T/plan2" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/plan2"; cta_fail "plan after one apply exits $rc"; }
grep -q 'nothing to change' "$T/plan2" || { cat "$T/plan2"; cta_fail "plan after apply has changes"; }

stamp() { (cd "$R" && find . -path ./var -prune -o -path ./run -prune -o -type f -printf '%p %T@ %s\n' | sort); }
stamp >"$T/m1"
journals() { find "$R/var/lib/ctaudit/journal" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
j1=$(journals)
sleep 1
rc=0
"$CTAUDIT" apply --yes "${A[@]}" >"$T/apply2" 2>&1 || rc=$?
cta_assert_eq "second apply exit" "$rc" 0
grep -q 'nothing to do' "$T/apply2" || { cat "$T/apply2"; cta_fail "second apply did something"; }
stamp >"$T/m2"
diff "$T/m1" "$T/m2" || cta_fail "second apply rewrote files"
cta_assert_eq "journal entries after the second apply" "$(journals)" "$j1"
# the file carries titles only: no count, no address, no port
F=$(find "$R/etc/sysctl.d" -name '90-ctaudit-*.conf' | head -n1)
if [ -n "$F" ]; then
	grep -E '^# [a-z_.]+: ' "$F" | grep -E '[0-9]{2,}|127\.0\.0\.1' &&
		cta_fail "sysctl.d comments carry live text"
fi
cta_pass "one apply converges (seed-000 state) and a second one changes nothing"
