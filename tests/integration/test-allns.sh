#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `audit --all-netns` (issue 15): 20 namespaces of this test (13 named ones,
# unnamed ones held only by a sleeping `unshare -n` process, one held only by
# a bind mount), three of them with faults:
#   - tw: tcp_tw_reuse=1 with tcp_timestamps=0 and client TIME_WAIT towards
#     one peer -> tcp.tw_reuse.without_timestamps
#   - range: ip_local_port_range narrowed to 100 ports with 90 TIME_WAIT
#     sockets towards one peer -> ports.ephemeral.time_wait_per_peer
#   - backlog: net.core.somaxconn=8 under a busy listener (120 connections
#     it closed first, then 40 it does not accept) -> tcp.listen_queue.somaxconn
# The run finds every one of them and the initial namespace, labels them,
# flags exactly the three (among the test's own), exits 1, and leaves the
# caller's namespace alone.  A second run removes a namespace between
# discovery and collection (CTAUDIT_TEST_ALLNS_SYNC) and reports it as gone.
# Other namespaces on this machine are ignored, whatever they hold.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq python3 unshare mount umount stat

cta_twgen TWGEN
cta_tmpdir T
self_before=$(stat -L -c %i /proc/self/ns/net)

declare -A want_label=() # inode -> expected label
named=()
for i in $(seq 13); do
	cta_netns_new ns
	named+=("$ns")
	want_label[$(stat -L -c %i "/run/netns/$ns")]=$ns
done
NS_TW=${named[0]}
NS_RANGE=${named[1]}

# unnamed, held only by their process
pids=()
for i in $(seq 5); do
	unshare -n sleep 300 &
	pids+=($!)
	cta_on_exit "kill -9 $! 2>/dev/null"
done
# the busy listener's namespace is held by the listener itself
cat >"$T/listener.py" <<'PY'
import os, socket, time
with open("/proc/sys/net/core/somaxconn", "w") as f:
    f.write("8\n")
os.system("ip link set lo up")
s = socket.socket()
s.bind(("0.0.0.0", 8080))
s.listen(128)  # capped at somaxconn: the accept queue holds 8
# a server that closes first: 120 TIME_WAIT sockets on its listening port
# (what `--profile auto` reads as an api-server)
for _ in range(120):
    c = socket.create_connection(("127.0.0.1", 8080))
    a, _ = s.accept()
    a.close()
    c.recv(1)
    c.close()
# then it stops accepting while clients keep coming: ListenOverflows
clients = []
for _ in range(40):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", 8080))
    except BlockingIOError:
        pass
    clients.append(c)
time.sleep(1.5)
print("ready", flush=True)
time.sleep(300)
PY
unshare -n python3 "$T/listener.py" >"$T/listener.out" &
listener=$!
cta_on_exit "kill -9 $listener 2>/dev/null"
for p in "${pids[@]}"; do
	for _ in $(seq 50); do [ "$(readlink /proc/$p/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.05; done
	want_label[$(stat -L -c %i /proc/$p/ns/net)]="pid $p (sleep)"
done
for _ in $(seq 100); do
	grep -q ready "$T/listener.out" 2>/dev/null && break
	sleep 0.1
done
grep -q ready "$T/listener.out" || cta_fail "listener did not start"
NS_BACKLOG_INO=$(stat -L -c %i /proc/$listener/ns/net)
want_label[$NS_BACKLOG_INO]="pid $listener (python3)"

# held only by a bind mount (on a private mount, so that it does not propagate)
mkdir "$T/mnt"
mount --bind "$T/mnt" "$T/mnt"
cta_on_exit "umount -l '$T/mnt'"
mount --make-private "$T/mnt"
touch "$T/mnt/nsbind"
unshare --net="$T/mnt/nsbind" true
cta_on_exit "umount '$T/mnt/nsbind'"
want_label[$(stat -L -c %i "$T/mnt/nsbind")]="mount $T/mnt/nsbind"
[ "${#want_label[@]}" = 20 ] || cta_fail "set-up made ${#want_label[@]} namespaces, want 20"

# faults
cta_in "$NS_TW" sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.tcp_timestamps=0
cta_in "$NS_TW" "$TWGEN" tw 127.0.0.1 127.0.0.1 443 50 || cta_fail "twgen tw"
cta_in "$NS_RANGE" sysctl -qw net.ipv4.tcp_tw_reuse=0
cta_in "$NS_RANGE" sysctl -qw net.ipv4.ip_local_port_range="40000 40099"
cta_in "$NS_RANGE" "$TWGEN" tw 127.0.0.1 127.0.0.1 5432 90 || cta_fail "twgen range"
declare -A want_rule=(
	[$(stat -L -c %i "/run/netns/$NS_TW")]=tcp.tw_reuse.without_timestamps
	[$(stat -L -c %i "/run/netns/$NS_RANGE")]=ports.ephemeral.time_wait_per_peer
	[$NS_BACKLOG_INO]=tcp.listen_queue.somaxconn
)

set +e
"$CTAUDIT" audit --all-netns --fail-on medium --format json >"$T/all.json" 2>"$T/all.err"
rc=$?
set -e
[ "$rc" = 1 ] || { cat "$T/all.err" >&2; cta_fail "audit --all-netns exit $rc, want 1"; }
cta_assert_eq "caller's namespace" "$(stat -L -c %i /proc/self/ns/net)" "$self_before"

cta_assert_eq "initial namespace listed" \
	"$(jq '[.namespaces[] | select(.netns.initial)] | length' "$T/all.json")" 1
cta_assert_eq "initial namespace label" \
	"$(jq -r '.namespaces[] | select(.netns.initial) | .netns.label' "$T/all.json")" initial
cta_assert_eq "namespaces listed once" \
	"$(jq '[.namespaces[].netns.inode] | length == (unique | length)' "$T/all.json")" true
found=0
for ino in "${!want_label[@]}"; do
	e=$(jq -c --argjson i "$ino" '.namespaces[] | select(.netns.inode == $i)' "$T/all.json")
	[ -n "$e" ] || cta_fail "namespace $ino (${want_label[$ino]}) not found"
	found=$((found + 1))
	cta_assert_eq "label of $ino" "$(jq -r .netns.label <<<"$e")" "${want_label[$ino]}"
	cta_assert_eq "status of $ino" "$(jq -r .status <<<"$e")" ok
	failing=$(jq -r '[.report.results[] | select(.status == "fail") |
		select(.severity == "critical" or .severity == "high" or .severity == "medium") | .rule] | join(" ")' <<<"$e")
	if [ -n "${want_rule[$ino]:-}" ]; then
		case " $failing " in
		*" ${want_rule[$ino]} "*) ;;
		*) cta_fail "${want_label[$ino]}: '${want_rule[$ino]}' not flagged (flagged: $failing)" ;;
		esac
	else
		[ -z "$failing" ] || cta_fail "healthy ${want_label[$ino]} flagged: $failing"
	fi
done
cta_assert_eq "test namespaces found" "$found" 20
cta_assert_eq "summary counts every namespace" \
	"$(jq '.summary.namespaces == (.namespaces | length)' "$T/all.json")" true
cta_assert_eq "role per namespace" \
	"$(jq -r --argjson i "$(stat -L -c %i "/run/netns/$NS_RANGE")" \
		'.namespaces[] | select(.netns.inode == $i) | .report.profile' "$T/all.json")" db-client

# text: the summary table first, the three faults grouped by namespace
"$CTAUDIT" audit --all-netns --fail-on medium --netns-filter "cta-test-allns-*" \
	--color=never >"$T/all.txt" 2>&1 && cta_fail "filtered text audit exit 0"
head -3 "$T/all.txt" | grep -q '^NAMESPACE  *ROLE  *WORST  *FAILING' || cta_fail "no summary table first"
grep -q "^Namespace $NS_TW " "$T/all.txt" || cta_fail "no section for $NS_TW"
[ "$(grep -c "^cta-test-allns" "$T/all.txt")" = 13 ] || cta_fail "filter: want the 13 named rows"

# plan: runtime changes in the faulty namespace and how its creator keeps them,
# never the host's boot files
set +e
"$CTAUDIT" plan --all-netns --netns-filter "$NS_TW" --format json >"$T/plan.json" 2>"$T/plan.err"
rc=$?
set -e
[ "$rc" = 1 ] || { cat "$T/plan.err" >&2; cta_fail "plan --all-netns exit $rc, want 1"; }
cta_assert_eq "plan: runtime change" \
	"$(jq -r '.namespaces[0].plan.runtime[] | select(.key == "net.ipv4.tcp_timestamps") | .value' "$T/plan.json")" 1
cta_assert_eq "plan: no files for a child namespace" \
	"$(jq '.namespaces[0].plan | has("files")' "$T/plan.json")" false
"$CTAUDIT" plan --all-netns --netns-filter "$NS_TW" >"$T/plan.txt" 2>&1 || true
grep -q "ip netns exec $NS_TW sysctl -w net.ipv4.tcp_timestamps='1'" "$T/plan.txt" ||
	cta_fail "plan text does not say how to persist the value"
grep -q "sysctl.d" "$T/plan.txt" && cta_fail "plan for a child namespace names sysctl.d"

# a namespace removed between discovery and collection is reported as gone
cta_netns_new victim
mkdir "$T/sync"
set +e
CTAUDIT_TEST_ALLNS_SYNC=$T/sync "$CTAUDIT" audit --all-netns --fail-on medium \
	--netns-filter "cta-test-allns-*" --format json >"$T/gone.json" 2>"$T/gone.err" &
run=$!
for _ in $(seq 300); do [ -e "$T/sync/discovered" ] && break; sleep 0.05; done
[ -e "$T/sync/discovered" ] || cta_fail "no discovery mark"
ip netns del "$victim"
touch "$T/sync/go"
wait $run
rc=$?
set -e
[ "$rc" = 1 ] || { cat "$T/gone.err" >&2; cta_fail "run with a vanished namespace exit $rc, want 1"; }
cta_assert_eq "vanished namespace" \
	"$(jq -r --arg n "$victim" '.namespaces[] | select(.netns.name == $n) | .status' "$T/gone.json")" gone
cta_assert_eq "summary counts it as gone" "$(jq .summary.gone "$T/gone.json")" 1

# apply and rollback stay one namespace per run
set +e
"$CTAUDIT" apply --all-netns --yes >/dev/null 2>"$T/apply.err"
rc=$?
set -e
cta_assert_eq "apply --all-netns exit" "$rc" 2
grep -q "one network namespace per run" "$T/apply.err" || cta_fail "apply gives no reason"
set +e
"$CTAUDIT" rollback --all-netns >/dev/null 2>"$T/rollback.err"
rc=$?
set -e
cta_assert_eq "rollback --all-netns exit" "$rc" 2
cta_assert_eq "caller's namespace at the end" "$(stat -L -c %i /proc/self/ns/net)" "$self_before"
cta_pass "--all-netns: 20 namespaces and the initial one found, three faults flagged, gone reported"
