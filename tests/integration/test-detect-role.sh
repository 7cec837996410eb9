#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `--profile auto` reads which side holds TIME_WAIT (issue 11): a namespace
# whose client side holds 90 TIME_WAIT sockets towards 127.0.0.1:443 and that
# has a TCP listener on :22 is a client (db-client), not an api-server, and
# gets the port-exhaustion finding (base checks it for every role).  The
# namespace's ip_local_port_range is narrowed to 100 ports so that 90
# sockets are 90 % of it.  TIME_WAIT lasts 60 s; all assertions run well
# within that.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq python3

cta_twgen TWGEN
cta_netns_new NS
cta_tmpdir T
# per-namespace settings only
cta_in "$NS" sysctl -qw net.ipv4.tcp_tw_reuse=0
cta_in "$NS" sysctl -qw net.ipv4.ip_local_port_range="40000 40099"

# a server listening on :22 for the whole test
cta_in "$NS" python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 22))
s.listen()
print("ready", flush=True)
time.sleep(120)' >"$T/listener.out" &
listener=$!
cta_on_exit "kill $listener 2>/dev/null"
for _ in $(seq 50); do
	grep -q ready "$T/listener.out" 2>/dev/null && break
	sleep 0.1
done
grep -q ready "$T/listener.out" || cta_fail "listener on :22 did not start"

cta_in "$NS" "$TWGEN" tw 127.0.0.1 127.0.0.1 443 90 || cta_fail "twgen 443"

"$CTAUDIT" facts --netns "$NS" --format json >"$T/facts.json" || cta_fail "facts failed"
cta_assert_eq "TIME_WAIT on non-listening local ports" \
	"$(cta_jq "$T/facts.json" .sockets.time_wait_by_local_port.other)" 90
cta_assert_eq "TIME_WAIT on listening ports" \
	"$(cta_jq "$T/facts.json" .sockets.time_wait_by_local_port.listening)" 0

set +e
"$CTAUDIT" audit --netns "$NS" --format json >"$T/audit.json"
rc=$?
set -e
[ "$rc" = 1 ] || cta_fail "audit exit $rc, want 1 (a failing finding)"
cta_assert_eq "auto profile" "$(cta_jq "$T/audit.json" .profile)" db-client
reason=$(cta_jq "$T/audit.json" .profile_reason)
case "$reason" in
"auto: 90 of 90 TIME_WAIT sockets are on local ports that are not listening ports"*"127.0.0.1:443 (90)")
	;;
*) cta_fail "reason does not name the evidence: $reason" ;;
esac
res=$(jq -c '.results[] | select(.rule == "ports.ephemeral.time_wait_per_peer")' "$T/audit.json")
cta_assert_eq "port exhaustion status" "$(jq -r .status <<<"$res")" fail
case "$(jq -r .severity <<<"$res")" in
medium | high | critical) ;;
*) cta_fail "port exhaustion severity: $(jq -r .severity <<<"$res")" ;;
esac

# the same evidence through a snapshot, and the base role alone still checks it
"$CTAUDIT" audit --facts "$T/facts.json" --profile base --format json >"$T/base.json" || true
cta_assert_eq "base checks port exhaustion" \
	"$(jq -r '.results[] | select(.rule == "ports.ephemeral.time_wait_per_peer") | .status' "$T/base.json")" \
	fail
cta_pass "client side of TIME_WAIT detected as db-client with the port-exhaustion finding"
