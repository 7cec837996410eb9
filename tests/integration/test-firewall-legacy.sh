#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# firewall facts from iptables-legacy (IPv4 and IPv6): NOTRACK in both
# spellings, CT helper, NAT, a user chain reached from two hooks, the
# stateful-filter check, and proof that reading changes nothing.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq nft iptables-legacy ip6tables-legacy

cta_netns_new NS
cta_tmpdir T
ipt() { cta_in "$NS" iptables-legacy "$@"; }
ip6t() { cta_in "$NS" ip6tables-legacy "$@"; }

ipt -t raw -A PREROUTING -p tcp --dport 8080 -j CT --notrack
ipt -t raw -A PREROUTING -p udp --dport 5000:5010 -j NOTRACK
ipt -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp
ipt -t raw -N SVC
ipt -t raw -A PREROUTING -j SVC
ipt -t raw -A OUTPUT -j SVC
ipt -t raw -A SVC -p udp --dport 123 ! -s 10.0.0.0/8 -j CT --notrack
ip6t -t raw -A PREROUTING -p tcp --dport 8080 -j CT --notrack
ip6t -t raw -A OUTPUT -p udp --sport 53 -j NOTRACK
ip6t -t raw -A PREROUTING -p tcp --dport 2121 -j CT --helper ftp
ipt -t nat -A PREROUTING -p tcp --dport 8443 -j DNAT --to-destination 10.0.0.10:443
ipt -t nat -A POSTROUTING -s 10.1.0.0/16 -o eth0 -j MASQUERADE
ipt -t nat -A PREROUTING -i eth+ -p tcp --dport 80 -j REDIRECT --to-ports 8080
ip6t -t nat -A PREROUTING -p tcp --dport 8443 -j DNAT --to-destination '[fd00::10]:443'
ipt -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
ipt -A INPUT -p tcp --dport 22 -j ACCEPT
ipt -P INPUT DROP

state() {
	cta_in "$NS" cat /proc/net/ip_tables_names /proc/net/ip6_tables_names | sort
	echo ---
	cta_in "$NS" nft list ruleset 2>&1
	echo ---
	cta_in "$NS" iptables-legacy-save | grep -v '^#'
	cta_in "$NS" ip6tables-legacy-save | grep -v '^#'
}
state >"$T/before"
"$CTAUDIT" facts --netns "$NS" --format json >"$T/f.json"
state >"$T/after"
diff -u "$T/before" "$T/after" || cta_fail "collecting changed the firewall"
cta_assert_eq "tables" "$(cta_in "$NS" cat /proc/net/ip_tables_names | sort | tr '\n' ' ')" \
	"filter nat raw "
cta_assert_eq "ip6 tables" "$(cta_in "$NS" cat /proc/net/ip6_tables_names | sort | tr '\n' ' ')" \
	"nat raw "

j() { jq -cS "$1" "$T/f.json"; }
cta_assert_eq backends "$(j .firewall.backends)" '["iptables-legacy"]'
cta_assert_eq unavailable "$(j '[.unavailable // [] | .[] | select(.section | startswith("firewall"))]')" '[]'

cta_assert_eq "notrack count" "$(j '.firewall.notrack | length')" 5
cta_assert_eq notrack "$(j .firewall.notrack)" "$(jq -cS . <<'JSON'
[
 {"chain":"OUTPUT","family":"ipv6","hook":"output","proto":"udp","source":"iptables-legacy","sport":"53","table":"raw"},
 {"chain":"PREROUTING","dport":"5000-5010","family":"ipv4","hook":"prerouting","proto":"udp","source":"iptables-legacy","table":"raw"},
 {"chain":"PREROUTING","dport":"8080","family":"ipv4","hook":"prerouting","proto":"tcp","source":"iptables-legacy","table":"raw"},
 {"chain":"PREROUTING","dport":"8080","family":"ipv6","hook":"prerouting","proto":"tcp","source":"iptables-legacy","table":"raw"},
 {"chain":"SVC","dport":"123","family":"ipv4","hook":"prerouting","hooks":["prerouting","output"],"negated":["saddr"],"proto":"udp","saddr":"10.0.0.0/8","source":"iptables-legacy","table":"raw"}
]
JSON
)"

cta_assert_eq "nat count" "$(j '.firewall.nat | length')" 4
cta_assert_eq nat "$(j .firewall.nat)" "$(jq -cS . <<'JSON'
[
 {"chain":"POSTROUTING","family":"ipv4","hook":"postrouting","persistent":false,"random":false,"random_fully":false,"kind":"masquerade","oif":"eth0","saddr":"10.1.0.0/16","source":"iptables-legacy","table":"nat"},
 {"chain":"PREROUTING","dport":"80","family":"ipv4","hook":"prerouting","iif":"eth+","persistent":false,"random":false,"random_fully":false,"kind":"redirect","proto":"tcp","source":"iptables-legacy","table":"nat","to":"8080"},
 {"chain":"PREROUTING","dport":"8443","family":"ipv4","hook":"prerouting","persistent":false,"random":false,"random_fully":false,"kind":"dnat","proto":"tcp","source":"iptables-legacy","table":"nat","to":"10.0.0.10:443"},
 {"chain":"PREROUTING","dport":"8443","family":"ipv6","hook":"prerouting","persistent":false,"random":false,"random_fully":false,"kind":"dnat","proto":"tcp","source":"iptables-legacy","table":"nat","to":"[fd00::10]:443"}
]
JSON
)"

cta_assert_eq "helpers.assigned" "$(j .helpers.assigned)" "$(jq -cS . <<'JSON'
[
 {"chain":"PREROUTING","dport":"21","family":"ipv4","helper":"ftp","hook":"prerouting","proto":"tcp","source":"iptables-legacy","table":"raw"},
 {"chain":"PREROUTING","dport":"2121","family":"ipv6","helper":"ftp","hook":"prerouting","proto":"tcp","source":"iptables-legacy","table":"raw"}
]
JSON
)"

# INPUT accepts ESTABLISHED,RELATED and drops by policy: NOTRACKed replies die
cta_assert_eq "stateful drops untracked" "$(j .firewall.stateful_filter_drops_untracked)" true
# accepting UNTRACKED anywhere before the policy applies fixes it
ipt -A INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT
"$CTAUDIT" facts --netns "$NS" --format json >"$T/f.json"
cta_assert_eq "stateful, untracked accepted last" "$(j .firewall.stateful_filter_drops_untracked)" false
# (a rule at the end of the chain still runs before the policy); after an
# explicit final DROP it comes too late
ipt -D INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT
ipt -A INPUT -j DROP
ipt -A INPUT -m state --state UNTRACKED -j ACCEPT
"$CTAUDIT" facts --netns "$NS" --format json >"$T/f.json"
cta_assert_eq "stateful, untracked after a final drop" \
	"$(j .firewall.stateful_filter_drops_untracked)" true
ipt -I INPUT 1 -m state --state UNTRACKED -j ACCEPT
"$CTAUDIT" facts --netns "$NS" --format json >"$T/f.json"
cta_assert_eq "stateful, untracked accepted first" \
	"$(j .firewall.stateful_filter_drops_untracked)" false

# removing every rule and chain: the tables are still listed, but hold nothing
for t in raw nat filter; do ipt -t $t -F; ipt -t $t -X; done
ipt -P INPUT ACCEPT
for t in raw nat; do ip6t -t $t -F; done
"$CTAUDIT" facts --netns "$NS" --format json >"$T/f.json"
cta_assert_eq "empty tables: no backend" "$(j .firewall.backends)" '[]'
cta_assert_eq "empty tables: nothing" "$(j '[.firewall.notrack, .firewall.nat, .helpers.assigned]')" '[[],[],[]]'
cta_pass "firewall facts from iptables-legacy"
