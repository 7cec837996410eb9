#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A NOTRACK rule restricted to one source address, an interface or a source
# port does not exempt the role's port (issue 9 item 9): with the role asking
# for NOTRACK on tcp/8080, notrack.missing_for_role fails for such a rule and
# passes for an unrestricted one.  nft and iptables-legacy, live.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq nft
cta_tmpdir T
cta_twgen TWGEN

# conntrack counts as active once it has an entry: a rule that needs it and
# one loopback connection
track() {
	cta_in "$1" nft -f - <<'NFT' || cta_fail "nft ct rule"
table inet ctatrack {
	chain in { type filter hook input priority 0; ct state established accept; }
}
NFT
	cta_in "$1" "$TWGEN" tw 127.0.0.1 127.0.0.1 5001 1 || cta_fail "twgen"
}

missing() { # missing NS NAME: status of notrack.missing_for_role
	"$CTAUDIT" audit --netns "$1" --profile api-server-notrack \
		--profile-dir "$CTA_FIXTURES/profiles" --format json >"$T/$2.json" 2>"$T/$2.err" || true
	jq -r '.results[] | select(.rule == "notrack.missing_for_role") | .status' "$T/$2.json"
}

cta_netns_new NS
track "$NS"
for match in "ip saddr 10.9.1.99" 'iifname "eth0"' "tcp sport 1024-65535"; do
	cta_in "$NS" nft -f - <<NFT || cta_fail "nft ruleset ($match)"
table inet ctaraw {
	chain pre { type filter hook prerouting priority raw; $match tcp dport 8080 notrack; }
}
NFT
	cta_assert_eq "nft: restricted by '$match'" "$(missing "$NS" nft)" fail
	cta_in "$NS" nft delete table inet ctaraw
done
cta_in "$NS" nft -f - <<'NFT' || cta_fail "nft unrestricted ruleset"
table inet ctaraw {
	chain pre { type filter hook prerouting priority raw; tcp dport 8080 notrack; }
}
NFT
cta_assert_eq "nft: unrestricted" "$(missing "$NS" nft-ok)" pass

if command -v iptables-legacy >/dev/null; then
	cta_netns_new NL
	track "$NL"
	cta_in "$NL" iptables-legacy -t raw -A PREROUTING -s 10.9.1.99 -p tcp --dport 8080 \
		-j CT --notrack || cta_fail "iptables-legacy raw rule"
	cta_assert_eq "legacy: restricted to one source" "$(missing "$NL" legacy)" fail
	cta_in "$NL" iptables-legacy -t raw -R PREROUTING 1 -p tcp --dport 8080 -j CT --notrack
	cta_assert_eq "legacy: unrestricted" "$(missing "$NL" legacy-ok)" pass
fi
cta_pass "NOTRACK restricted by address, interface or source port does not cover the role's port"
