#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# NOTRACK in the reply direction of a NAT, live (issue 9 item 1): a REDIRECT
# or DNAT to port P with a NOTRACK rule on source port P (the shape of
# ctaudit's own OUTPUT rule for a service port) leaves the replies untracked,
# so they are never de-NATed.  notrack.nat_overlap must fail critical, with
# nft and iptables-legacy, IPv4 and IPv6; a NOTRACK on an unrelated source
# port passes.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq nft
cta_tmpdir T

audit() { # audit NS NAME: exit status; report in $T/NAME.json
	local rc=0
	"$CTAUDIT" audit --netns "$1" --profile base --format json >"$T/$2.json" 2>"$T/$2.err" || rc=$?
	echo "$rc"
}
overlap() { jq -r '.results[] | select(.rule == "notrack.nat_overlap") | "\(.status) \(.severity)"' "$T/$1.json"; }

# ---- nft: REDIRECT 80 -> 8080, NOTRACK on the replies from 8080
cta_netns_new NS
cta_in "$NS" nft -f - <<'NFT' || cta_fail "nft ruleset"
table inet ctaraw {
	chain out { type filter hook output priority raw; tcp sport 8080 notrack; }
}
table ip ctanat {
	chain pre { type nat hook prerouting priority dstnat; tcp dport 80 redirect to :8080; }
}
NFT
cta_assert_eq "nft redirect: exit status" "$(audit "$NS" nft-redirect)" 1
cta_assert_eq "nft redirect: reply NOTRACK" "$(overlap nft-redirect)" "fail critical"
cta_in "$NS" nft flush chain inet ctaraw out
cta_in "$NS" nft add rule inet ctaraw out tcp sport 9090 notrack
cta_assert_eq "nft unrelated sport: exit status" "$(audit "$NS" nft-other)" 0
cta_assert_eq "nft unrelated sport" "$(overlap nft-other)" "pass critical"

# ---- nft, IPv6: DNAT 8443 -> [fd00::10]:443, NOTRACK on source port 443
cta_netns_new N6
cta_in "$N6" nft -f - <<'NFT' || cta_fail "nft ip6 ruleset"
table ip6 ctaraw {
	chain pre { type filter hook prerouting priority raw; tcp sport 443 notrack; }
}
table ip6 ctanat {
	chain pre { type nat hook prerouting priority dstnat; tcp dport 8443 dnat to [fd00::10]:443; }
}
NFT
cta_assert_eq "nft ip6 dnat: exit status" "$(audit "$N6" nft6)" 1
cta_assert_eq "nft ip6 dnat: reply NOTRACK" "$(overlap nft6)" "fail critical"

# ---- iptables-legacy: REDIRECT --to-ports 8080, -j CT --notrack on --sport 8080
if command -v iptables-legacy >/dev/null; then
	cta_netns_new NL
	cta_in "$NL" iptables-legacy -t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080 ||
		cta_fail "iptables-legacy nat rule"
	cta_in "$NL" iptables-legacy -t raw -A OUTPUT -p tcp --sport 8080 -j CT --notrack ||
		cta_fail "iptables-legacy raw rule"
	cta_assert_eq "legacy redirect: exit status" "$(audit "$NL" legacy)" 1
	cta_assert_eq "legacy redirect: reply NOTRACK" "$(overlap legacy)" "fail critical"
fi

cta_pass "NOTRACK on the replies of REDIRECT/DNAT flagged live (nft, iptables-legacy, IPv4, IPv6)"
