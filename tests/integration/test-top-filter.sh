#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `top conntrack --filter`: every term gives the same counts whether the
# kernel evaluates it (the dump request carries the selection) or user space
# does (forced with the test-only --test-filter-in=userspace), and terms the
# kernel cannot evaluate fall back to user space.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq conntrack

cta_netns_new NS
cta_tmpdir T

ins() { cta_in "$NS" conntrack -I "$@" >/dev/null 2>&1 || cta_fail "conntrack -I $*"; }
# a table of known content: 3 IPv4 sources, 2 IPv6 sources, marks, zones,
# TCP states, status bits (12 ASSURED, the rest UNREPLIED), tcp/udp/icmp,
# several ports
for i in $(seq 1 12); do
	ins -s 10.1.0.1 -d 10.9.0.1 -p tcp --sport $((1000 + i)) --dport 443 --state ESTABLISHED -t 300 \
		-u SEEN_REPLY,ASSURED
done
for i in $(seq 1 5); do
	ins -s 10.1.0.2 -d 10.9.0.2 -p tcp --sport $((2000 + i)) --dport 80 --state TIME_WAIT -t 300 -m 7
done
for i in $(seq 1 4); do
	ins -s 10.1.0.2 -d 10.9.0.1 -p udp --sport $((3000 + i)) --dport 53 -t 300 -w 5
done
ins -s 10.2.0.3 -d 10.9.0.1 -p tcp --sport 4001 --dport 8080 --state SYN_SENT -t 300 -m 0x17
ins -s 10.2.0.3 -d 10.9.0.1 -p tcp --sport 4002 --dport 443 --state ESTABLISHED -t 300 -w 5 -m 7
ins -s 10.2.0.3 -d 10.9.0.1 -p icmp --icmp-type 8 --icmp-code 0 --icmp-id 77 -t 300
for i in $(seq 1 3); do
	ins -s fd00::1 -d fd00::9 -p tcp --sport $((5000 + i)) --dport 443 --state ESTABLISHED -t 300
done
ins -s fd00::2 -d fd00::9 -p udp --sport 6001 --dport 53 -t 300 -m 7
ins -s fd00::2 -d fd00::9 -p tcp --sport 6002 --dport 80 --state ESTABLISHED -t 300 -w 9
total=$(cta_in "$NS" conntrack -C)
cta_assert_eq "entries created" "$total" 29

run() { "$CTAUDIT" top conntrack --netns "$NS" --format json -n 0 "$@"; }
# what a run found: the count and every key, in rank order
summary() { jq -r '"\(.entries) " + ([.top[] | "\(.key)=\(.count)"] | join(" "))'; }

# filter | where the kernel evaluates it | entries expected
while IFS='|' read -r filter want_in want_n; do
	[ -n "$filter" ] || continue
	for by in src dport; do
		run --by "$by" --filter "$filter" >"$T/k.json" || cta_fail "'$filter' (kernel) failed"
		run --by "$by" --filter "$filter" --test-filter-in=userspace >"$T/u.json" ||
			cta_fail "'$filter' (user space) failed"
		k=$(summary <"$T/k.json")
		u=$(summary <"$T/u.json")
		cta_assert_eq "'$filter' by $by: kernel = user space" "$k" "$u"
	done
	cta_assert_eq "'$filter' entries" "$(cta_jq "$T/k.json" .entries)" "$want_n"
	cta_assert_eq "'$filter' filtered_in" "$(cta_jq "$T/k.json" .filtered_in)" "$want_in"
	cta_assert_eq "'$filter' forced filtered_in" "$(cta_jq "$T/u.json" .filtered_in)" userspace
	cta_assert_eq "'$filter' forced scanned" "$(cta_jq "$T/u.json" .scanned)" "$total"
	# the kernel sent no more than the user-space path looked at
	[ "$(cta_jq "$T/k.json" .scanned)" -le "$total" ] || cta_fail "'$filter' scanned too much"
	if [ "$want_in" = kernel ]; then
		cta_assert_eq "'$filter' kernel sent only matches" \
			"$(cta_jq "$T/k.json" .scanned)" "$want_n"
	fi
done <<'TABLE'
mark=7|kernel|7
mark=0x10/0xf0|kernel|1
mark=99|kernel|0
zone=5|kernel|5
src=10.1.0.2|kernel|9
dst=10.9.0.1|kernel|19
src=10.1.0.1 dst=10.9.0.1|kernel|12
proto=udp|kernel|5
proto=icmp|kernel|1
proto=tcp dport=443|kernel|16
proto=udp dport=53 src=10.1.0.2|kernel|4
mark=7 proto=tcp|kernel|6
zone=5 proto=udp|kernel|4
src=10.1.0.0/16|both|21
src=fd00::2|both|2
dst=fd00::9 proto=tcp|both|4
proto=tcp dport=80-443|both|22
proto=tcp state=ESTABLISHED|both|17
mark=7 state=TIME_WAIT|both|5
status=ASSURED|kernel|12
status=UNREPLIED|kernel|17
status=!ASSURED proto=tcp|kernel|11
status=ASSURED,UNREPLIED|kernel|0
status=ASSURED status=CONFIRMED|both|12
state=ESTABLISHED|userspace|17
dport=53|userspace|5
zone=0|userspace|23
TABLE

# -v says where the filter ran
"$CTAUDIT" top conntrack --netns "$NS" -v --filter mark=7 >/dev/null 2>"$T/v.err"
grep -q "filter evaluated in the kernel$" "$T/v.err" || cta_fail "-v kernel: $(cat "$T/v.err")"
"$CTAUDIT" top conntrack --netns "$NS" -v --filter state=CLOSE >/dev/null 2>"$T/v.err"
grep -q "filter evaluated in user space" "$T/v.err" || cta_fail "-v user space: $(cat "$T/v.err")"
"$CTAUDIT" top conntrack --netns "$NS" -v --filter 'src=fd00::1' >/dev/null 2>"$T/v.err"
grep -q "filter evaluated in the kernel and user space" "$T/v.err" ||
	cta_fail "-v both: $(cat "$T/v.err")"

# text: 'N of M' counts the whole table when the kernel selected
"$CTAUDIT" top conntrack --netns "$NS" --filter mark=7 >"$T/t.txt"
cta_assert_eq "text header" "$(head -1 "$T/t.txt")" \
	"conntrack entries matching 'mark=7': 7 of 29 (by src)"

# the test switch takes one value
rc=0
"$CTAUDIT" top conntrack --netns "$NS" --test-filter-in=kernel >/dev/null 2>&1 || rc=$?
cta_assert_eq "bad --test-filter-in" "$rc" 2

cta_pass "top conntrack --filter in the kernel and in user space"
