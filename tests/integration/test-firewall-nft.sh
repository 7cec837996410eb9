#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# firewall facts from nf_tables: nft rules (notrack, ct helper object, nat,
# anonymous port sets, a regular chain) and iptables-nft rules (xt CT target
# with --notrack and --helper, -j NOTRACK, DNAT, MASQUERADE), IPv4 and IPv6,
# the stateful-filter check, and proof that reading creates and changes
# nothing: no legacy table appears in a netns that has none.  Named port sets
# are expanded; a rule on an empty set matches nothing and is not reported.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq nft iptables-nft ip6tables-nft

cta_netns_new NS
cta_tmpdir T
iptn() { cta_in "$NS" iptables-nft "$@"; }
ip6tn() { cta_in "$NS" ip6tables-nft "$@"; }

cta_in "$NS" nft -f - <<'NFT'
table inet t {
	ct helper ftp-obj {
		type "ftp" protocol tcp
		l3proto inet
	}
	set svc {
		type inet_service
		elements = { 5060, 5061 }
	}
	set none {
		type inet_service
	}
	chain sub {
		udp dport 123 notrack
	}
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		tcp dport 9000 notrack
		tcp dport { 22, 1000-2000 } notrack
		tcp dport 2121 ct helper set "ftp-obj"
		iifname "eth*" jump sub
		udp dport @svc notrack
		udp dport @none notrack
	}
}
table ip n {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport 8444 dnat to 10.0.0.11:443
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		ip daddr 192.168.0.0/23 snat to 1.2.3.4
	}
}
table ip6 n6 {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport 8443 redirect to :8080
	}
}
NFT
iptn -t raw -A PREROUTING -p udp --dport 53 -j CT --notrack
iptn -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp
iptn -t raw -A OUTPUT -p udp --sport 53 -j NOTRACK
ip6tn -t raw -A PREROUTING -p udp --dport 5353 -j CT --notrack
ip6tn -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp
iptn -t nat -A PREROUTING -p tcp --dport 8443 -j DNAT --to-destination 10.0.0.10:443
iptn -t nat -A POSTROUTING -o eth0 -j MASQUERADE
iptn -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
iptn -P INPUT DROP

state() {
	echo "ip_tables_names: $(cta_in "$NS" cat /proc/net/ip_tables_names)"
	echo "ip6_tables_names: $(cta_in "$NS" cat /proc/net/ip6_tables_names)"
	cta_in "$NS" nft list ruleset 2>&1
}
state >"$T/before"
grep -qx 'ip_tables_names: ' "$T/before" || cta_fail "legacy tables exist before the test"
grep -qx 'ip6_tables_names: ' "$T/before" || cta_fail "legacy ip6 tables exist before the test"
"$CTAUDIT" facts --netns "$NS" --format json >"$T/f.json"
state >"$T/after"
diff -u "$T/before" "$T/after" || cta_fail "collecting changed the firewall"

j() { jq -cS "$1" "$T/f.json"; }
cta_assert_eq backends "$(j .firewall.backends)" '["nf_tables"]'
cta_assert_eq unavailable "$(j '[.unavailable // [] | .[] | select(.section | startswith("firewall"))]')" '[]'

cta_assert_eq "notrack count" "$(j '.firewall.notrack | length')" 9
cta_assert_eq notrack "$(j .firewall.notrack)" "$(jq -cS . <<'JSON'
[
 {"chain":"OUTPUT","family":"ipv4","hook":"output","proto":"udp","source":"iptables-nft","sport":"53","table":"raw"},
 {"chain":"PREROUTING","dport":"53","family":"ipv4","hook":"prerouting","proto":"udp","source":"iptables-nft","table":"raw"},
 {"chain":"PREROUTING","dport":"5353","family":"ipv6","hook":"prerouting","proto":"udp","source":"iptables-nft","table":"raw"},
 {"chain":"pre","dport":"1000-2000","family":"inet","hook":"prerouting","proto":"tcp","source":"nft","table":"t"},
 {"chain":"pre","dport":"22","family":"inet","hook":"prerouting","proto":"tcp","source":"nft","table":"t"},
 {"chain":"pre","dport":"5060","family":"inet","hook":"prerouting","proto":"udp","source":"nft","table":"t"},
 {"chain":"pre","dport":"5061","family":"inet","hook":"prerouting","proto":"udp","source":"nft","table":"t"},
 {"chain":"pre","dport":"9000","family":"inet","hook":"prerouting","proto":"tcp","source":"nft","table":"t"},
 {"chain":"sub","dport":"123","family":"inet","hook":"prerouting","proto":"udp","source":"nft","table":"t"}
]
JSON
)"

cta_assert_eq "nat count" "$(j '.firewall.nat | length')" 5
cta_assert_eq nat "$(j .firewall.nat)" "$(jq -cS . <<'JSON'
[
 {"chain":"POSTROUTING","family":"ipv4","hook":"postrouting","persistent":false,"random":false,"random_fully":false,"kind":"masquerade","oif":"eth0","source":"iptables-nft","table":"nat"},
 {"chain":"PREROUTING","dport":"8443","family":"ipv4","hook":"prerouting","persistent":false,"random":false,"random_fully":false,"kind":"dnat","proto":"tcp","source":"iptables-nft","table":"nat","to":"10.0.0.10:443"},
 {"chain":"post","daddr":"192.168.0.0/23","family":"ipv4","hook":"postrouting","persistent":false,"random":false,"random_fully":false,"kind":"snat","source":"nft","table":"n","to":"1.2.3.4"},
 {"chain":"pre","dport":"8443","family":"ipv6","hook":"prerouting","persistent":false,"random":false,"random_fully":false,"kind":"redirect","proto":"tcp","source":"nft","table":"n6","to":"8080"},
 {"chain":"pre","dport":"8444","family":"ipv4","hook":"prerouting","persistent":false,"random":false,"random_fully":false,"kind":"dnat","proto":"tcp","source":"nft","table":"n","to":"10.0.0.11:443"}
]
JSON
)"

cta_assert_eq "helpers.assigned" "$(j .helpers.assigned)" "$(jq -cS . <<'JSON'
[
 {"chain":"PREROUTING","dport":"21","family":"ipv4","helper":"ftp","hook":"prerouting","proto":"tcp","source":"iptables-nft","table":"raw"},
 {"chain":"PREROUTING","dport":"21","family":"ipv6","helper":"ftp","hook":"prerouting","proto":"tcp","source":"iptables-nft","table":"raw"},
 {"chain":"pre","dport":"2121","family":"inet","helper":"ftp","hook":"prerouting","proto":"tcp","source":"nft","table":"t"}
]
JSON
)"

# iptables-nft filter INPUT: ESTABLISHED,RELATED accepted, policy drop
cta_assert_eq "stateful drops untracked" "$(j .firewall.stateful_filter_drops_untracked)" true
iptn -I INPUT 1 -m conntrack --ctstate UNTRACKED -j ACCEPT
"$CTAUDIT" facts --netns "$NS" --format json >"$T/f.json"
cta_assert_eq "stateful, untracked accepted" "$(j .firewall.stateful_filter_drops_untracked)" false

# the same in native nft: a second input chain that drops untracked replies
cta_in "$NS" nft -f - <<'NFT'
table inet f {
	chain in {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
	}
}
NFT
"$CTAUDIT" facts --netns "$NS" --format json >"$T/f.json"
cta_assert_eq "stateful, nft chain" "$(j .firewall.stateful_filter_drops_untracked)" true
cta_in "$NS" nft insert rule inet f in ct state untracked accept
"$CTAUDIT" facts --netns "$NS" --format json >"$T/f.json"
cta_assert_eq "stateful, nft chain accepts untracked" \
	"$(j .firewall.stateful_filter_drops_untracked)" false

# ct state sets and verdict maps
cta_in "$NS" nft delete table inet f
cta_in "$NS" nft -f - <<'NFT'
table inet f {
	chain cin {
		type filter hook input priority filter; policy drop;
		ct state vmap { established : accept, related : accept, invalid : drop }
	}
	chain cfwd {
		type filter hook forward priority filter; policy drop;
		ct state { established, related, untracked } accept
	}
}
NFT
"$CTAUDIT" facts --netns "$NS" --format json >"$T/f.json"
cta_assert_eq "stateful, ct state vmap" "$(j .firewall.stateful_filter_drops_untracked)" true
cta_in "$NS" nft insert rule inet f cin ct state vmap '{ untracked : accept }'
"$CTAUDIT" facts --netns "$NS" --format json >"$T/f.json"
cta_assert_eq "stateful, vmap accepts untracked" \
	"$(j .firewall.stateful_filter_drops_untracked)" false

# protocol sets give one entry per protocol; a negated set stays one entry
cta_in "$NS" nft -f - <<'NFT'
table inet u {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		meta l4proto { tcp, udp } th dport 53 notrack
		tcp dport != { 22, 80 } notrack
	}
}
NFT
"$CTAUDIT" facts --netns "$NS" --format json >"$T/f.json"
cta_assert_eq "sets" "$(j '[.firewall.notrack[] | select(.table == "u")]')" "$(jq -cS . <<'JSON'
[
 {"chain":"pre","dport":"22,80","family":"inet","hook":"prerouting","negated":["dport"],"proto":"tcp","source":"nft","table":"u"},
 {"chain":"pre","dport":"53","family":"inet","hook":"prerouting","proto":"tcp","source":"nft","table":"u"},
 {"chain":"pre","dport":"53","family":"inet","hook":"prerouting","proto":"udp","source":"nft","table":"u"}
]
JSON
)"

# chains reached through a verdict map: their hook, and their ct state accepts
cta_in "$NS" nft -f - <<'NFT'
table inet fw {
	chain zone_a {
		udp dport 5353 notrack
	}
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		iifname vmap { "eth0" : jump zone_a }
	}
	chain zin {
		ct state established,related accept
	}
	chain in {
		type filter hook input priority filter; policy drop;
		iifname vmap { "lo" : jump zin }
	}
}
NFT
"$CTAUDIT" facts --netns "$NS" --format json >"$T/f.json"
cta_assert_eq "vmap chain" "$(j '[.firewall.notrack[] | select(.table == "fw")]')" \
	'[{"chain":"zone_a","dport":"5353","family":"inet","hook":"prerouting","proto":"udp","source":"nft","table":"fw"}]'
cta_assert_eq "stateful, via vmap" "$(j .firewall.stateful_filter_drops_untracked)" true

# still no legacy table after all these collections
cta_assert_eq "no legacy tables" \
	"$(cta_in "$NS" cat /proc/net/ip_tables_names /proc/net/ip6_tables_names)" ""
cta_pass "firewall facts from nf_tables"
