#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# NAT port-selection flags in firewall.nat, from every backend on the real
# kernel: iptables-legacy and ip6tables-legacy (libiptc), native nft
# expressions (masq/nat/redir flags), iptables-nft (native masq/nat) and
# ip6tables-nft MASQUERADE (an xt compat target).  Each entry carries
# random, random_fully and persistent, false included; and the audit of those
# facts judges nat.snat_insert_clashes from them, per family alike.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq nft iptables-legacy ip6tables-legacy iptables-nft ip6tables-nft

cta_netns_new NS
cta_tmpdir T
in_ns() { cta_in "$NS" "$@"; }

in_ns iptables-legacy -t nat -A POSTROUTING -o la -j MASQUERADE --random-fully
in_ns iptables-legacy -t nat -A POSTROUTING -o lb -j MASQUERADE
in_ns iptables-legacy -t nat -A POSTROUTING -o lc -j SNAT --to-source 192.0.2.1 --random --persistent
in_ns iptables-legacy -t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080 --random
in_ns ip6tables-legacy -t nat -A POSTROUTING -o la -j MASQUERADE --random-fully
in_ns ip6tables-legacy -t nat -A POSTROUTING -o lb -j SNAT --to-source 2001:db8::1
in_ns nft -f - <<'NFT'
table ip n {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "na" masquerade fully-random
		oifname "nb" masquerade
		oifname "nc" snat to 192.0.2.2 random,persistent
	}
}
table ip6 n6 {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "na" masquerade fully-random
		oifname "nb" masquerade
	}
}
NFT
in_ns iptables-nft -t nat -A POSTROUTING -o xa -j MASQUERADE --random-fully
in_ns ip6tables-nft -t nat -A POSTROUTING -o xa -j MASQUERADE --random-fully
in_ns ip6tables-nft -t nat -A POSTROUTING -o xb -j MASQUERADE

"$CTAUDIT" facts --netns "$NS" --format json >"$T/f.json"
j() { jq -cS "$1" "$T/f.json"; }
cta_assert_eq unavailable "$(j '[.unavailable // [] | .[] | select(.section | startswith("firewall"))]')" '[]'
# one line per rule: family source kind oif/dport random random_fully persistent
flags=$(jq -r '.firewall.nat[] | [.family, .source, .kind, (.oif // .dport),
	(.random | tostring), (.random_fully | tostring), (.persistent | tostring)] | join(" ")' \
	"$T/f.json" | sort)
cta_assert_eq flags "$flags" "$(sort <<'EOF2'
ipv4 iptables-legacy masquerade la false true false
ipv4 iptables-legacy masquerade lb false false false
ipv4 iptables-legacy snat lc true false true
ipv4 iptables-legacy redirect 80 true false false
ipv6 iptables-legacy masquerade la false true false
ipv6 iptables-legacy snat lb false false false
ipv4 nft masquerade na false true false
ipv4 nft masquerade nb false false false
ipv4 nft snat nc true false true
ipv6 nft masquerade na false true false
ipv6 nft masquerade nb false false false
ipv4 iptables-nft masquerade xa false true false
ipv6 iptables-nft masquerade xa false true false
ipv6 iptables-nft masquerade xb false false false
EOF2
)"

# The audit counts exactly the source NAT rules without random port
# selection: lb and nb of both families and ip6tables-nft xb; the SNATs with
# --random only (lc, nc) count as random on Linux 5.0 and later
# (docs/kernel-notes.md#nat-ports) and as hashed before it. None is unknown.
jq '.conntrack.stats = {"insert_failed": 2, "clash_resolve": 0} | .conntrack.active = true' \
	"$T/f.json" >"$T/g.json"
jq '.host.kernel = "6.1.0"' "$T/g.json" >"$T/g6.json"
"$CTAUDIT" audit --facts "$T/g6.json" --profile nat-gateway --format json >"$T/r.json" || true
cta_assert_eq "observed (6.1)" \
	"$(jq -r '.results[] | select(.rule == "nat.snat_insert_clashes") | .observed' "$T/r.json")" \
	"insert_failed 2; 5 of 13 SNAT/MASQUERADE rule(s) without random source port selection"
jq '.host.kernel = "4.19.0"' "$T/g.json" >"$T/g4.json"
"$CTAUDIT" audit --facts "$T/g4.json" --profile nat-gateway --format json >"$T/r.json" || true
cta_assert_eq "observed (4.19)" \
	"$(jq -r '.results[] | select(.rule == "nat.snat_insert_clashes") | .observed' "$T/r.json")" \
	"insert_failed 2; 7 of 13 SNAT/MASQUERADE rule(s) without random source port selection (2 with --random, which this kernel hashes)"
# every source NAT rule fully random: the same failed inserts pass
jq '.firewall.nat |= map(if .kind == "snat" or .kind == "masquerade" then .random_fully = true else . end)' \
	"$T/g.json" >"$T/h.json"
"$CTAUDIT" audit --facts "$T/h.json" --profile nat-gateway --format json >"$T/r.json" || true
cta_assert_eq "all fully random" \
	"$(jq -r '.results[] | select(.rule == "nat.snat_insert_clashes") | .status' "$T/r.json")" pass
cta_pass "NAT port-selection flags from iptables-legacy, nft and iptables-nft"
