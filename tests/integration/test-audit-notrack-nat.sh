# SPDX-License-Identifier: GPL-2.0-or-later
# NOTRACK against NAT and a stateful filter, live: in fresh namespaces, a
# NOTRACK rule on tcp/8080 that a DNAT rule must translate (seed 002's advice
# on a host that publishes 8080) must be flagged critical, and a stateful
# input filter that does not accept UNTRACKED must be flagged high; with the
# NOTRACK moved off the NATed port and UNTRACKED accepted, both pass.  Once
# with nft, once with iptables-legacy.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq nft
cta_tmpdir T

audit() { # audit NS NAME: exit status; report in $T/NAME.json
	local rc=0
	"$CTAUDIT" audit --netns "$1" --profile base --format json >"$T/$2.json" 2>"$T/$2.err" || rc=$?
	echo "$rc"
}
result() { jq -r --arg r "$2" ".results[] | select(.rule == \$r) | $3" "$T/$1.json"; }

# ---- nft: notrack in a raw-priority prerouting chain, DNAT in ip nat
cta_netns_new NS
cta_in "$NS" nft -f - <<'NFT' || cta_fail "nft ruleset"
table inet ctaraw {
	chain pre { type filter hook prerouting priority raw; tcp dport 8080 notrack; }
	chain in { type filter hook input priority 0; policy drop; ct state established,related accept; iif lo accept; }
}
table ip ctanat {
	chain pre { type nat hook prerouting priority dstnat; tcp dport 8080 dnat to 10.0.0.10:80; }
}
NFT

rc=$(audit "$NS" nft-bad)
cta_assert_eq "nft: exit status" "$rc" 1
cta_assert_eq "nft: NOTRACK over DNAT" \
	"$(result nft-bad notrack.nat_overlap '"\(.status) \(.severity) \(.subject)"')" "fail critical notrack:tcp/8080"
cta_assert_eq "nft: NOTRACK over DNAT message" \
	"$(result nft-bad notrack.nat_overlap .message)" \
	"NOTRACK on tcp/8080 covers traffic that a dnat rule (tcp/8080 to 10.0.0.10:80) must translate: that NAT silently stops working"
cta_assert_eq "nft: UNTRACKED dropped" \
	"$(result nft-bad notrack.untracked_dropped '"\(.status) \(.severity) \(.subject)"')" "fail high notrack:tcp/8080"

# the fix: NOTRACK only what is not NATed, and accept UNTRACKED
cta_in "$NS" nft flush table inet ctaraw
cta_in "$NS" nft -f - <<'NFT' || cta_fail "nft fixed ruleset"
table inet ctaraw {
	chain pre { tcp dport 9090 notrack; }
	chain in { ct state established,related accept; ct state untracked accept; iif lo accept; }
}
NFT
rc=$(audit "$NS" nft-good)
cta_assert_eq "nft fixed: NOTRACK over DNAT" "$(result nft-good notrack.nat_overlap .status)" pass
cta_assert_eq "nft fixed: UNTRACKED accepted" "$(result nft-good notrack.untracked_dropped .status)" pass
cta_assert_eq "nft fixed: exit status" "$rc" 0

# ---- iptables-legacy: -j CT --notrack in raw PREROUTING, DNAT in nat PREROUTING
if command -v iptables-legacy >/dev/null; then
	cta_netns_new NL
	cta_in "$NL" iptables-legacy -t raw -A PREROUTING -p tcp --dport 8080 -j CT --notrack ||
		cta_fail "iptables-legacy raw rule"
	cta_in "$NL" iptables-legacy -t nat -A PREROUTING -p tcp --dport 8000:8100 -j DNAT \
		--to-destination 10.0.0.10:80 || cta_fail "iptables-legacy nat rule"
	rc=$(audit "$NL" legacy-bad)
	cta_assert_eq "legacy: exit status" "$rc" 1
	cta_assert_eq "legacy: NOTRACK over DNAT" \
		"$(result legacy-bad notrack.nat_overlap '"\(.status) \(.severity) \(.subject)"')" \
		"fail critical notrack:tcp/8080"
	cta_assert_eq "legacy: no stateful filter" "$(result legacy-bad notrack.untracked_dropped .status)" pass
	cta_in "$NL" iptables-legacy -t raw -R PREROUTING 1 -p tcp --dport 9090 -j CT --notrack
	rc=$(audit "$NL" legacy-good)
	cta_assert_eq "legacy fixed: NOTRACK over DNAT" "$(result legacy-good notrack.nat_overlap .status)" pass
	cta_assert_eq "legacy fixed: exit status" "$rc" 0
fi

cta_pass "NOTRACK over NAT and UNTRACKED drops flagged live (nft, iptables-legacy) and cleared by the fix"
