#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `ctaudit top timewait` and facts.sockets on real TIME_WAIT sockets made on
# loopback in a fresh namespace by cta-twgen (the client closes first, so the
# client side holds TIME_WAIT): 30 to 127.0.0.1:5001 from 127.0.0.2, 12 to
# 127.0.0.1:5002 from 127.0.0.3, 4 to [::1]:5003.  TIME_WAIT lasts 60 s; all
# assertions run well within that.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq ss

cta_twgen TWGEN

cta_netns_new NS
cta_tmpdir T
# connect() must not take over our own TIME_WAIT ports (per netns, default 2 = loopback)
cta_in "$NS" sysctl -qw net.ipv4.tcp_tw_reuse=0

cta_in "$NS" "$TWGEN" tw 127.0.0.2 127.0.0.1 5001 30 || cta_fail "twgen 5001"
cta_in "$NS" "$TWGEN" tw 127.0.0.3 127.0.0.1 5002 12 || cta_fail "twgen 5002"
cta_in "$NS" "$TWGEN" tw ::1 ::1 5003 4 || cta_fail "twgen 5003"
tw=$(cta_in "$NS" awk '/^TCP:/ { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' /proc/net/sockstat)
cta_assert_eq "sockstat tw (generator)" "$tw" 46

top() { "$CTAUDIT" top timewait --netns "$NS" "$@"; }

top >"$T/peer.txt" || cta_fail "top timewait failed"
cat >"$T/peer.want" <<'WANT'
TIME_WAIT sockets: 46 (by peer)
rank  count  percent  key
   1     30    65.2%  127.0.0.1:5001
   2     12    26.1%  127.0.0.1:5002
   3      4     8.7%  [::1]:5003
3 keys, 46 sockets
WANT
diff -u "$T/peer.want" "$T/peer.txt" || cta_fail "text output by peer"

keys() { top --format json -n 0 "$@" | jq -r '[.top[] | "\(.key)=\(.count)"] | join(" ")'; }
cta_assert_eq "by peer" "$(keys)" "127.0.0.1:5001=30 127.0.0.1:5002=12 [::1]:5003=4"
cta_assert_eq "by peer-ip" "$(keys --by peer-ip)" "127.0.0.1=42 ::1=4"
# local ports may repeat across different 4-tuples: compare with ss
ports=$(cta_in "$NS" ss -Htan state time-wait | awk '{ sub(/.*:/, "", $3); print $3 }' | sort -u | wc -l)
top --format json --by local-port -n 0 >"$T/lp.json"
cta_assert_eq "local-port keys_total" "$(cta_jq "$T/lp.json" .keys_total)" "$ports"
cta_assert_eq "local-port rows" "$(cta_jq "$T/lp.json" '.top | length')" "$ports"
cta_assert_eq "local-port sum" "$(cta_jq "$T/lp.json" '[.top[].count] | add')" 46
top --format json --by local-port -n 3 >"$T/lp3.json"
cta_assert_eq "local-port -n 3 rows" "$(cta_jq "$T/lp3.json" '.top | length')" 3

top --format json >"$T/peer.json"
cta_assert_eq "json state" "$(cta_jq "$T/peer.json" .state)" TIME_WAIT
cta_assert_eq "json sockets" "$(cta_jq "$T/peer.json" .sockets)" 46
cta_assert_eq "json by" "$(cta_jq "$T/peer.json" .by)" peer
cta_assert_eq "json percent" "$(cta_jq "$T/peer.json" '.top[0].percent')" 65.2
cta_assert_eq "json approximate" "$(cta_jq "$T/peer.json" .approximate)" false

# other states: nothing else is open in the namespace
cta_assert_eq "state all" "$(top --state all --format json | jq .sockets)" 46
cta_assert_eq "state time_wait" "$(top --state time_wait --format json | jq .sockets)" 46
top --state ESTABLISHED >"$T/est.txt"
cta_assert_eq "established header" "$(head -1 "$T/est.txt")" "ESTABLISHED sockets: 0 (by peer)"
cta_assert_eq "established footer" "$(tail -1 "$T/est.txt")" "0 keys, 0 sockets"

# sock_diag needs no privileges
if command -v setpriv >/dev/null; then
	cta_assert_eq "unprivileged sockets" \
		"$(cta_in "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
			"$CTAUDIT" top timewait --format json | jq .sockets)" 46
fi

# facts: the same numbers
"$CTAUDIT" facts --netns "$NS" --format json >"$T/facts.json" || cta_fail "facts failed"
cta_assert_eq "facts tcp.TIME_WAIT" "$(cta_jq "$T/facts.json" .sockets.tcp.TIME_WAIT)" 46
cta_assert_eq "facts sockstat_tw" "$(cta_jq "$T/facts.json" .sockets.sockstat_tw)" 46
cta_assert_eq "facts ipv4 TIME_WAIT" "$(cta_jq "$T/facts.json" .sockets.tcp_by_family.ipv4.TIME_WAIT)" 42
cta_assert_eq "facts ipv6 TIME_WAIT" "$(cta_jq "$T/facts.json" .sockets.tcp_by_family.ipv6.TIME_WAIT)" 4
cta_assert_eq "facts time_wait_top" \
	"$(cta_jq "$T/facts.json" '[.sockets.time_wait_top[] | "\(.peer)=\(.count)"] | join(" ")')" \
	"127.0.0.1:5001=30 127.0.0.1:5002=12 [::1]:5003=4"
cta_assert_eq "facts tcp states" "$(cta_jq "$T/facts.json" '.sockets.tcp | to_entries | map(select(.value > 0) | .key) | join(",")')" TIME_WAIT
cta_assert_eq "facts listening" "$(cta_jq "$T/facts.json" '.sockets.listening | length')" 0

# usage errors
rc=0
top --state TIME-WAIT >/dev/null 2>"$T/err" || rc=$?
cta_assert_eq "bad state exit" "$rc" 2
grep -q "unknown TCP state 'TIME-WAIT'" "$T/err" || cta_fail "bad state message: $(cat "$T/err")"
rc=0
top --by src >/dev/null 2>"$T/err" || rc=$?
cta_assert_eq "bad key exit" "$rc" 2
rc=0
top --filter proto=tcp >/dev/null 2>"$T/err" || rc=$?
cta_assert_eq "filter with timewait exit" "$rc" 2

cta_pass "top timewait"
