#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# facts.helpers and facts.sockets on a real FTP-like control connection in a
# fresh namespace: nft assigns the ftp helper, cta-twgen sends USER and PORT,
# the kernel attaches the helper and creates one expectation.  Also: the
# "available" list of this host, listening TCP and UDP sockets, and a second
# namespace without any helper assignment (expectations only, no table dump).
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq nft conntrack

cta_twgen TWGEN

cta_tmpdir T

# ---- helpers.available on this host, from the same sources by other means ----
want=()
cfg=/boot/config-$(uname -r)
for h in amanda ftp h323 irc netbios_ns pptp sane sip snmp tftp; do
	H=$(echo "$h" | tr a-z A-Z)
	if [ -d "/sys/module/nf_conntrack_$h" ] ||
		grep -q "^nf_conntrack_$h " /proc/modules 2>/dev/null ||
		grep -Eq "^CONFIG_NF_CONNTRACK_$H=(y|m)$" "$cfg" 2>/dev/null; then
		want+=("$h")
	fi
done

cta_netns_new NS
cta_in "$NS" nft -f - <<'NFT' || cta_fail "nft ruleset"
table inet ctatest {
	ct helper ftp-h { type "ftp" protocol tcp; }
	chain out { type filter hook output priority 0; tcp dport 21 ct helper set "ftp-h"; }
}
NFT
cta_in "$NS" "$TWGEN" ftp 127.0.0.1 127.0.0.1 21 60 >"$T/ftp.out" 2>&1 &
cta_in "$NS" "$TWGEN" udp 0.0.0.0 5353 60 >"$T/udp4.out" 2>&1 &
cta_in "$NS" "$TWGEN" udp :: 53 60 >"$T/udp6.out" 2>&1 &
for i in $(seq 50); do
	grep -q ready "$T/ftp.out" && grep -q ready "$T/udp4.out" && grep -q ready "$T/udp6.out" && break
	sleep 0.1
done
grep -q ready "$T/ftp.out" || cta_fail "ftp generator: $(cat "$T/ftp.out")"
exp=$(cta_in "$NS" cat /proc/net/nf_conntrack_expect | wc -l)
cta_assert_eq "kernel expectations" "$exp" 1

"$CTAUDIT" facts --netns "$NS" --format json >"$T/facts.json" || cta_fail "facts failed"

cta_assert_eq "available" "$(cta_jq "$T/facts.json" '.helpers.available | join(" ")')" "${want[*]}"
if [ -d /sys/module/nf_conntrack_ftp ]; then
	cta_assert_eq "available_sources has /sys/module" \
		"$(cta_jq "$T/facts.json" '.helpers.available_sources | index("/sys/module") != null')" true
fi
if [ ! -e /proc/modules ]; then
	cta_assert_eq "no /proc/modules source" \
		"$(cta_jq "$T/facts.json" '.helpers.available_sources | index("/proc/modules")')" null
fi

# the rule assigns ftp: entries are counted too
cta_assert_eq "assigned is read" "$(cta_jq "$T/facts.json" '.helpers.assigned | length > 0')" true
cta_assert_eq "in_use_source" "$(cta_jq "$T/facts.json" .helpers.in_use_source)" entries+expectations
cta_assert_eq "in_use.ftp" "$(cta_jq "$T/facts.json" .helpers.in_use.ftp)" 2
cta_assert_eq "in_use_detail.ftp" \
	"$(cta_jq "$T/facts.json" '.helpers.in_use_detail.ftp | "\(.entries) \(.expectations)"')" "1 1"
cta_assert_eq "in_use keys" "$(cta_jq "$T/facts.json" '.helpers.in_use | keys | join(",")')" ftp

# sockets: the control connection, its listener and two UDP "listeners"
cta_assert_eq "tcp states" "$(cta_jq "$T/facts.json" '.sockets.tcp | to_entries | map(select(.value > 0) | "\(.key)=\(.value)") | join(" ")')" \
	"ESTABLISHED=2 LISTEN=1"
# every state is named, so a template never says "unknown" about a count known to be 0
cta_assert_eq "tcp states named" "$(cta_jq "$T/facts.json" '.sockets.tcp | length')" 12
cta_assert_eq "TIME_WAIT known" "$(cta_jq "$T/facts.json" '.sockets.tcp.TIME_WAIT')" 0
cta_assert_eq "listening" \
	"$(cta_jq "$T/facts.json" '[.sockets.listening[] | "\(.proto) \(.addr) \(.port)"] | join(", ")')" \
	"tcp 127.0.0.1 21, udp :: 53, udp 0.0.0.0 5353"
cta_assert_eq "source" "$(cta_jq "$T/facts.json" .sockets.source)" sock_diag

# top conntrack sees the helper on the entry
cta_assert_eq "top by helper" \
	"$("$CTAUDIT" top conntrack --netns "$NS" --by helper --format json | jq -r '[.top[] | "\(.key)=\(.count)"] | join(" ")')" \
	"ftp=1"

# ---- no assignment: expectations only, the table is not dumped ----
cta_netns_new NS2
cta_in "$NS2" conntrack -I -s 10.0.0.1 -d 10.0.0.9 -p tcp --sport 1000 --dport 21 \
	--state ESTABLISHED -t 300 -u ASSURED >/dev/null 2>&1 || cta_fail "conntrack -I"
"$CTAUDIT" facts --netns "$NS2" --format json >"$T/facts2.json" || cta_fail "facts 2 failed"
cta_assert_eq "ns2 in_use_source" "$(cta_jq "$T/facts2.json" .helpers.in_use_source)" expectations
cta_assert_eq "ns2 in_use" "$(cta_jq "$T/facts2.json" '.helpers.in_use | length')" 0
cta_assert_eq "ns2 listening" "$(cta_jq "$T/facts2.json" '.sockets.listening | length')" 0

cta_pass "sockets and helpers facts"
