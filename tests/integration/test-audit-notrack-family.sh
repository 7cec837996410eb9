#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# NOTRACK per address family, live: a service listening on "::" (IPv4 and
# IPv6, IPV6_V6ONLY off) with the role asking for NOTRACK on tcp/8080.  An
# IPv4-only rule (nft table ip, iptables-legacy) leaves IPv6 tracked:
# notrack.missing_for_role fails naming IPv6; table inet, or the ip6tables
# rule added, passes.  The listener's address is the collector's, read from
# the kernel.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq nft cc
cta_tmpdir T
cta_twgen TWGEN
cc -O2 -o "$T/svc" "$CTA_SRCDIR/tests/integration/cta-svc.c" || cta_fail "cannot build cta-svc"

# conntrack counts as active once it has an entry
track() {
	cta_in "$1" nft -f - <<'NFT' || cta_fail "nft ct rule"
table inet ctatrack {
	chain in { type filter hook input priority 0; ct state established accept; }
}
NFT
	cta_in "$1" "$TWGEN" tw 127.0.0.1 127.0.0.1 5001 1 || cta_fail "twgen"
}

serve() { # serve NS: a dual-stack listener on [::]:8080 for at most 60 s
	cta_in "$1" "$T/svc" serve :: 8080 60 >"$T/$1.svc" &
	cta_on_exit "kill $! 2>/dev/null"
	for i in $(seq 50); do grep -q ready "$T/$1.svc" 2>/dev/null && break; sleep 0.1; done
	grep -q ready "$T/$1.svc" || cta_fail "the service did not start"
}

audit() { # audit NS NAME: "status|message" of notrack.missing_for_role
	"$CTAUDIT" audit --netns "$1" --profile api-server-notrack \
		--profile-dir "$CTA_FIXTURES/profiles" --format json >"$T/$2.json" 2>"$T/$2.err" || true
	jq -r '.results[] | select(.rule == "notrack.missing_for_role") | .status + "|" + .observed' \
		"$T/$2.json"
}

cta_netns_new NS
track "$NS"
serve "$NS"
"$CTAUDIT" facts --netns "$NS" --format json >"$T/facts.json" 2>/dev/null || true
cta_assert_eq "the listener as collected" \
	"$(jq -r '[.sockets.listening[] | select(.proto == "tcp" and .port == 8080) | .addr] | join(",")' "$T/facts.json")" \
	"::"
cta_in "$NS" nft -f - <<'NFT' || cta_fail "nft table ip"
table ip ctaraw {
	chain pre { type filter hook prerouting priority raw; tcp dport 8080 notrack; }
}
NFT
cta_assert_eq "nft table ip, dual-stack listener" "$(audit "$NS" ip)" \
	"fail|no NOTRACK rule for tcp port(s) 8080 (IPv6)"
cta_in "$NS" nft delete table ip ctaraw
cta_in "$NS" nft -f - <<'NFT' || cta_fail "nft table inet"
table inet ctaraw {
	chain pre { type filter hook prerouting priority raw; tcp dport 8080 notrack; }
}
NFT
cta_assert_eq "nft table inet" "$(audit "$NS" inet)" "pass|NOTRACK rules cover 8080"

if command -v iptables-legacy >/dev/null && command -v ip6tables-legacy >/dev/null; then
	cta_netns_new NL
	track "$NL"
	serve "$NL"
	cta_in "$NL" iptables-legacy -t raw -A PREROUTING -p tcp --dport 8080 -j CT --notrack ||
		cta_fail "iptables-legacy raw rule"
	cta_assert_eq "legacy IPv4 only" "$(audit "$NL" legacy4)" \
		"fail|no NOTRACK rule for tcp port(s) 8080 (IPv6)"
	cta_in "$NL" ip6tables-legacy -t raw -A PREROUTING -p tcp --dport 8080 -j CT --notrack ||
		cta_fail "ip6tables-legacy raw rule"
	cta_assert_eq "legacy IPv4 and IPv6" "$(audit "$NL" legacy46)" "pass|NOTRACK rules cover 8080"
fi
cta_pass "NOTRACK is required in every family a listener serves"
