#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `ctaudit top conntrack` on entries created with `conntrack -I` in a fresh
# namespace: IPv4 and IPv6, zones, marks, TCP states; every key, filters,
# text and JSON, usage errors and running without privileges.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq conntrack

cta_netns_new NS
cta_tmpdir T

ins() { cta_in "$NS" conntrack -I "$@" >/dev/null 2>&1 || cta_fail "conntrack -I $*"; }
for sp in 1001 1002 1003 1004 1005 1006 1007; do
	ins -s 10.0.0.1 -d 10.0.0.9 -p tcp --sport $sp --dport 80 --state ESTABLISHED -t 300 -u ASSURED
done
ins -s 10.0.0.2 -d 10.0.0.9 -p tcp --sport 2000 --dport 443 --state TIME_WAIT -t 300 -w 5
ins -s 10.0.0.2 -d 10.0.0.9 -p udp --sport 2001 --dport 53 -t 300 -m 9
ins -s 10.0.0.2 -d 10.0.0.8 -p tcp --sport 2002 --dport 22 --state SYN_SENT -t 300
ins -s fd00::1 -d fd00::9 -p tcp --sport 3001 --dport 443 --state ESTABLISHED -t 300
ins -s fd00::1 -d fd00::9 -p tcp --sport 3002 --dport 443 --state ESTABLISHED -t 300
ins -s fd00::2 -d fd00::9 -p udp --sport 3003 --dport 53 -t 300 -m 9
n=$(cta_in "$NS" conntrack -C)
cta_assert_eq "entries created" "$n" 13

top() { "$CTAUDIT" top conntrack --netns "$NS" "$@"; }

# text, exact
top >"$T/src.txt" || cta_fail "top conntrack failed"
cat >"$T/src.want" <<'WANT'
conntrack entries: 13 (by src)
rank  count  percent  key
   1      7    53.8%  10.0.0.1
   2      3    23.1%  10.0.0.2
   3      2    15.4%  fd00::1
   4      1     7.7%  fd00::2
4 keys, 13 entries
WANT
diff -u "$T/src.want" "$T/src.txt" || cta_fail "text output by src"

top -n 2 >"$T/n2.txt"
cta_assert_eq "-n 2 rows" "$(grep -c '%  ' "$T/n2.txt")" 2
cta_assert_eq "-n 2 footer" "$(tail -1 "$T/n2.txt")" "4 keys, 13 entries"

# JSON, every key: "key=count ..." in rank order
keys() { top --format json -n 0 "$@" | jq -r '[.top[] | "\(.key)=\(.count)"] | join(" ")'; }
cta_assert_eq "by src" "$(keys --by src)" "10.0.0.1=7 10.0.0.2=3 fd00::1=2 fd00::2=1"
cta_assert_eq "by dst" "$(keys --by dst)" "10.0.0.9=9 fd00::9=3 10.0.0.8=1"
cta_assert_eq "by zone" "$(keys --by zone)" "0=12 5=1"
cta_assert_eq "by mark" "$(keys --by mark)" "0=11 9=2"
cta_assert_eq "by state" "$(keys --by state)" "ESTABLISHED=9 -=2 SYN_SENT=1 TIME_WAIT=1"
cta_assert_eq "by dport" "$(keys --by dport)" "tcp/80=7 tcp/443=3 udp/53=2 tcp/22=1"
cta_assert_eq "by proto" "$(keys --by proto)" "tcp=11 udp=2"
cta_assert_eq "by helper" "$(keys --by helper)" "-=13"
cta_assert_eq "by flow" "$(keys --by flow -n 3)" \
	"10.0.0.1 -> 10.0.0.9:80=7 fd00::1 -> [fd00::9]:443=2 10.0.0.2 -> 10.0.0.8:22=1"

top --format json >"$T/src.json"
cta_assert_eq "json by" "$(cta_jq "$T/src.json" .by)" src
cta_assert_eq "json entries" "$(cta_jq "$T/src.json" .entries)" 13
cta_assert_eq "json keys_total" "$(cta_jq "$T/src.json" .keys_total)" 4
cta_assert_eq "json approximate" "$(cta_jq "$T/src.json" .approximate)" false
cta_assert_eq "json percent" "$(cta_jq "$T/src.json" '.top[0].percent')" 53.8
cta_assert_eq "json top[3]" "$(cta_jq "$T/src.json" '.top[3] | "\(.key) \(.count) \(.percent)"')" \
	"fd00::2 1 7.7"

# filters
cta_assert_eq "filter v4 tcp" "$(keys --filter 'src=10.0.0.0/24 proto=tcp')" "10.0.0.1=7 10.0.0.2=2"
cta_assert_eq "filter state" "$(keys --by dport --filter state=established)" "tcp/80=7 tcp/443=2"
cta_assert_eq "filter zone" "$(keys --filter zone=5)" "10.0.0.2=1"
cta_assert_eq "filter mark" "$(keys --filter mark=9)" "10.0.0.2=1 fd00::2=1"
cta_assert_eq "filter v6 prefix" "$(keys --by dport --filter 'src=fd00::/64 dport=1-442')" "udp/53=1"
top --format json --filter 'dport=80-443 proto=tcp' >"$T/f.json"
cta_assert_eq "filter entries" "$(cta_jq "$T/f.json" .entries)" 10
# proto=tcp goes into the dump request: the kernel sends the 11 TCP entries
cta_assert_eq "filter scanned" "$(cta_jq "$T/f.json" .scanned)" 11
cta_assert_eq "filter filtered_in" "$(cta_jq "$T/f.json" .filtered_in)" both
top --filter proto=udp >"$T/f.txt"
cta_assert_eq "filter header" "$(head -1 "$T/f.txt")" \
	"conntrack entries matching 'proto=udp': 2 of 13 (by src)"

# usage errors: exit 2 with a message naming the culprit
usage() {
	local rc=0 want=$1
	shift
	"$CTAUDIT" top "$@" >"$T/out" 2>"$T/err" || rc=$?
	cta_assert_eq "exit of 'top $*'" "$rc" 2
	grep -qF -- "$want" "$T/err" || cta_fail "'top $*': no '$want' in: $(cat "$T/err")"
}
usage "unknown filter key 'foo'" conntrack --netns "$NS" --filter 'foo=1'
usage "invalid port or port range '99999'" conntrack --netns "$NS" --filter 'dport=99999'
usage "unknown key 'bogus'" conntrack --by bogus
usage "unknown key 'peer'" conntrack --by peer
usage "does not apply" conntrack --facts /dev/null
usage "does not apply" conntrack --root /
usage "does not apply" conntrack --offline
usage "'conntrack' or 'timewait'"
usage "unknown table 'sockets'" sockets
usage "cannot enter network namespace 'cta-no-such-ns'" conntrack --netns cta-no-such-ns

# without CAP_NET_ADMIN the kernel refuses the dump: exit 3
if command -v setpriv >/dev/null; then
	rc=0
	cta_in "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$CTAUDIT" top conntrack >"$T/out" 2>"$T/err" || rc=$?
	cta_assert_eq "unprivileged exit" "$rc" 3
	grep -q "permission denied" "$T/err" || cta_fail "unprivileged message: $(cat "$T/err")"
fi

# --help lists every key it accepts
"$CTAUDIT" top --help >"$T/help"
for k in src dst dport proto state helper zone mark flow peer peer-ip local-port; do
	grep -qw -- "$k" "$T/help" || cta_fail "--help does not mention '$k'"
done

cta_pass "top conntrack"
