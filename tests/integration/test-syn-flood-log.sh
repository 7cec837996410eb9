# SPDX-License-Identifier: GPL-2.0-or-later
# "Possible SYN flooding" kernel log lines, attributed by listener.  In a fresh
# namespace A the clients' final ACKs are dropped (nft, in A only), so
# handshakes stay half-open, and two fresh listeners with backlog 1 overflow
# their SYN queues: an IPv4 one with tcp_syncookies=1 ("Sending cookies") and
# an IPv6 one with tcp_syncookies=0 ("Dropping request"); tcp_syn_flood_action()
# logs once per listening socket.  `ctaudit facts` in A must count the lines
# as A's, a second fresh namespace B (no listener) must not, and `ctaudit audit
# -p api-server` in A must show them as evidence.
. "$(dirname "$0")/lib.sh"

cta_require_root
cta_require nft jq cc dmesg
kmajor=$(uname -r | cut -d. -f1)
kminor=$(uname -r | cut -d. -f2)
# commit d9282e48c608 (6.2) prints the listener's address
addr=false
if [ "$kmajor" -gt 6 ] || { [ "$kmajor" -eq 6 ] && [ "$kminor" -ge 2 ]; }; then
	addr=true
fi

cta_netns_new A
cta_netns_new B
cta_tmpdir T
cc -O2 -o "$T/synq" "$CTA_SRCDIR/tests/integration/cta-synq.c" || cta_fail "cannot build cta-synq"
p4=$((20000 + RANDOM % 20000))
p6=$((p4 + 1))
if $addr; then
	line4="Possible SYN flooding on port 0.0.0.0:$p4. Sending cookies."
	line6="Possible SYN flooding on port \[::\]:$p6. Dropping request."
else
	line4="Possible SYN flooding on port $p4. Sending cookies."
	line6="Possible SYN flooding on port $p6. Dropping request."
fi

cta_in "$A" nft add table inet ctasynq
cta_in "$A" nft 'add chain inet ctasynq in { type filter hook input priority 0; }'
cta_in "$A" nft add rule inet ctasynq in tcp dport "{ $p4, $p6 }" tcp flags == ack drop

# ready_wait FILE: the helper printed "ready" (it has sent its SYNs)
ready_wait() {
	for _ in $(seq 50); do
		grep -q ready "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	cta_fail "cta-synq did not start: $(cat "$1")"
}
cta_in "$A" sysctl -qw net.ipv4.tcp_syncookies=1
cta_in "$A" "$T/synq" 0.0.0.0 $p4 1 6 30 >"$T/s4" 2>&1 &
ready_wait "$T/s4"
cta_in "$A" sysctl -qw net.ipv4.tcp_syncookies=0
cta_in "$A" "$T/synq" :: $p6 1 6 30 >"$T/s6" 2>&1 &
ready_wait "$T/s6"

cookies=$(cta_in "$A" nstat -az TcpExtTCPReqQFullDoCookies | awk '/TcpExt/ { print $2 }')
drops=$(cta_in "$A" nstat -az TcpExtTCPReqQFullDrop | awk '/TcpExt/ { print $2 }')
[ "$cookies" -gt 0 ] || cta_fail "no SYN cookie was sent in A (TCPReqQFullDoCookies=$cookies)"
[ "$drops" -gt 0 ] || cta_fail "no SYN was dropped in A (TCPReqQFullDrop=$drops)"
for _ in $(seq 30); do
	dmesg | grep -q "$line4" && dmesg | grep -q "$line6" && break
	sleep 0.1
done
# net_info_ratelimited(): a host that logs a lot may suppress the lines
dmesg | grep -q "$line4" && dmesg | grep -q "$line6" ||
	cta_skip "the kernel logged no SYN-flooding line (rate-limited?) although the counters moved"

cta_in "$A" "$CTAUDIT" facts --root "$T" --format json >"$T/a.json" || cta_fail "facts in A failed"
sel='.sockets.syn_flood.listeners | map(select(.port == $p)) | .[0]'
cta_assert_eq "A: cookies line of $p4" \
	"$(jq -r --argjson p $p4 "$sel | .cookies >= 1 and .dropped == 0" "$T/a.json")" true
cta_assert_eq "A: drop line of $p6" \
	"$(jq -r --argjson p $p6 "$sel | .dropped >= 1 and .cookies == 0" "$T/a.json")" true
if $addr; then
	cta_assert_eq "A: address of $p4" "$(jq -r --argjson p $p4 "$sel | .addr" "$T/a.json")" 0.0.0.0
	cta_assert_eq "A: address of $p6" "$(jq -r --argjson p $p6 "$sel | .addr" "$T/a.json")" ::
fi
cta_assert_eq "A: last seen" \
	"$(jq -r --argjson p $p6 "$sel | .last_seen_s > 0" "$T/a.json")" true
[ "$(cta_jq "$T/a.json" .sockets.syn_flood.this_netns)" -ge 2 ] ||
	cta_fail "A: fewer than 2 lines attributed"
[ "$(cta_jq "$T/a.json" .sockets.syn_flood_messages)" -ge 2 ] || cta_fail "A: lines not counted"

# B has no listener: the same lines are not its own
cta_in "$B" "$CTAUDIT" facts --root "$T" --format json >"$T/b.json" || cta_fail "facts in B failed"
cta_assert_eq "B: listeners with lines" \
	"$(cta_jq "$T/b.json" '.sockets.syn_flood.listeners | length')" 0
cta_assert_eq "B: lines of its own" "$(cta_jq "$T/b.json" .sockets.syn_flood.this_netns)" 0
[ "$(cta_jq "$T/b.json" .sockets.syn_flood.unattributed)" -ge 2 ] ||
	cta_fail "B: A's lines are not counted as unattributed"

# the audit shows them, at low (no interval known)
cta_in "$A" "$CTAUDIT" audit -p api-server --root "$T" --format json >"$T/audit.json" && rc=0 || rc=$?
[ "$rc" -le 1 ] || cta_fail "audit in A exited $rc"
res='.results[] | select(.rule == "tcp.listen_queue.syn_drops")'
cta_assert_eq "syn_drops status" "$(cta_jq "$T/audit.json" "$res | .status")" fail
cta_assert_eq "syn_drops severity" "$(cta_jq "$T/audit.json" "$res | .severity")" low
if $addr; then
	want6="port $p6 on :: \([0-9]+ Dropping request\)"
	want4="port $p4 on 0\.0\.0\.0 \([0-9]+ Sending cookies\)"
else
	want6="port $p6 \([0-9]+ Dropping request\)"
	want4="port $p4 \([0-9]+ Sending cookies\)"
fi
cta_jq "$T/audit.json" "$res | .message" | grep -qE "$want6" ||
	cta_fail "syn_drops message lacks '$want6': $(cta_jq "$T/audit.json" "$res | .message")"
cta_jq "$T/audit.json" "$res | .message" | grep -qE "$want4" ||
	cta_fail "syn_drops message lacks '$want4'"
res='.results[] | select(.rule == "tcp.syncookies.disabled")'
cta_assert_eq "syncookies status" "$(cta_jq "$T/audit.json" "$res | .status")" fail
cta_jq "$T/audit.json" "$res | .message" | grep -qF "for port $p6" ||
	cta_fail "syncookies message lacks the log line: $(cta_jq "$T/audit.json" "$res | .message")"
cta_pass "SYN-flooding lines attributed to the listener's namespace only (ports $p4, $p6)"
