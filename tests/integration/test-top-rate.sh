#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `top conntrack --rate` and `top timewait --rate` in fresh namespaces: a known
# mix of sources created at a known rate (bench/ct-gen --rate) is reported with
# the right per-source counts and rates; a deliberately tiny receive buffer
# (test-only --test-rcvbuf) makes the kernel drop events, and every one of
# them is reported as lost, never silently missing; --count N --format json
# prints N JSON objects and exits 0.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq

CTGEN=${CTA_BINDIR:-$CTA_SRCDIR/build}/bench/ct-gen
[ -x "$CTGEN" ] || cta_skip "bench/ct-gen not built ($CTGEN)"
cta_twgen TWGEN

cta_tmpdir T

# start_rate NS OUT ARGS...: run top --rate in the background; returns once
# the event socket is listening (-v says so on stderr)
start_rate() {
	local ns=$1 out=$2
	shift 2
	cta_in "$ns" "$CTAUDIT" top conntrack --rate -v "$@" >"$out" 2>"$out.err" &
	RATE_PID=$!
	for _ in $(seq 1 50); do
		grep -q "receive buffer" "$out.err" && return 0
		sleep 0.1
	done
	cta_fail "top --rate did not start: $(cat "$out.err")"
}

# 1. known mix: 75 % from 10.1.0.1, 25 % from 10.1.0.2, 400 new flows/s for 5 s
cta_netns_new NS1
start_rate "$NS1" "$T/mix.json" --count 7 --format json
cta_in "$NS1" "$CTGEN" --rate 400 --sources 1 --skew 75 -n 2000 --per-source --timeout 120 \
	>"$T/gen1.txt" || cta_fail "ct-gen --rate: $(cat "$T/gen1.txt")"
rc=0
wait "$RATE_PID" || rc=$?
cta_assert_eq "top --rate exit" "$rc" 0
cta_assert_eq "intervals" "$(jq -s length "$T/mix.json")" 7
cta_assert_eq "nothing lost" "$(jq -s 'map(.events_lost) | add' "$T/mix.json")" 0
# every new flow counted once, under its source
for src in 10.1.0.1 10.1.0.2; do
	want=$(awk -v s="$src" '$1 == "source" && $2 == s { print $3 }' "$T/gen1.txt")
	got=$(jq -s --arg k "$src" '[.[].top[] | select(.key == $k) | .count] | add' "$T/mix.json")
	cta_assert_eq "new flows from $src" "$got" "$want"
done
cta_assert_eq "total" "$(jq -s 'map(.count) | add' "$T/mix.json")" 2000
# intervals 2..5 lie inside the 5 s of generation: 400/s, 3:1
jq -c '.[]' <(jq -s '.[1:5]' "$T/mix.json") | while read -r iv; do
	echo "$iv" | jq -e '.per_s >= 360 and .per_s <= 440' >/dev/null ||
		cta_fail "interval rate not 400/s: $(echo "$iv" | jq -c '[.interval, .per_s]')"
	echo "$iv" | jq -e '.top[0].key == "10.1.0.1" and .top[0].percent >= 65 and
		.top[0].percent <= 85' >/dev/null ||
		cta_fail "top source not 10.1.0.1 at 75 %: $(echo "$iv" | jq -c .top)"
	# the table grew by what was created (nothing expires within 120 s)
	echo "$iv" | jq -e '.conntrack.growth_per_s >= 360 and .conntrack.full_in_s > 0' \
		>/dev/null || cta_fail "net growth: $(echo "$iv" | jq -c .conntrack)"
done || exit 1

# 2. a tiny receive buffer loses events: each one is reported
cta_netns_new NS2
start_rate "$NS2" "$T/loss.json" --count 3 --format json --test-rcvbuf 4096
cta_in "$NS2" "$CTGEN" -n 20000 --timeout 120 --quiet >/dev/null || cta_fail "ct-gen burst"
wait "$RATE_PID" || cta_fail "top --rate (tiny buffer) failed"
lost=$(jq -s 'map(.events_lost) | add' "$T/loss.json")
counted=$(jq -s 'map(.count) | add' "$T/loss.json")
[ "$lost" -gt 0 ] || cta_fail "a 4 KiB buffer lost nothing of 20000 events ($counted counted)"
cta_assert_eq "counted + lost" "$((counted + lost))" 20000
jq -se 'map(select(.events_lost > 0) | .approximate) | all' "$T/loss.json" >/dev/null ||
	cta_fail "an interval with losses is not marked approximate"
# and in text (a fresh table: the same tuples again would be refused)
cta_netns_new NS2B
start_rate "$NS2B" "$T/loss.txt" --count 2 --test-rcvbuf 4096
cta_in "$NS2B" "$CTGEN" -n 20000 --timeout 120 --quiet >/dev/null || cta_fail "ct-gen burst 2"
wait "$RATE_PID" || cta_fail "top --rate text failed"
grep -Eq "^events lost: [1-9][0-9]* \(approximate" "$T/loss.txt" ||
	cta_fail "text output does not report the loss: $(cat "$T/loss.txt")"

# 3. --count 2 --format json: two JSON objects, exit 0
cta_netns_new NS3
rc=0
"$CTAUDIT" top conntrack --netns "$NS3" --rate --interval 0.2 --count 2 --format json \
	>"$T/two.json" || rc=$?
cta_assert_eq "--count 2 exit" "$rc" 0
cta_assert_eq "--count 2 lines" "$(wc -l <"$T/two.json")" 2
while read -r line; do
	echo "$line" | jq -e '.table == "conntrack" and (.interval | type) == "number" and
		.events_lost == 0 and (.top | type) == "array"' >/dev/null ||
		cta_fail "not a valid interval object: $line"
done <"$T/two.json"
# text is plain lines when stdout is not a terminal, even with --watch
"$CTAUDIT" top conntrack --netns "$NS3" --rate --interval 0.2 --count 1 --watch >"$T/w.txt"
grep -q $'\033' "$T/w.txt" && cta_fail "escape sequences in --watch output to a file"
grep -q "^conntrack: 0.0 new flows/s by src over" "$T/w.txt" || cta_fail "text: $(cat "$T/w.txt")"

# 4. top timewait --rate: 30 sockets enter TIME_WAIT towards 127.0.0.1:5001
cta_netns_new NS4
cta_in "$NS4" sysctl -qw net.ipv4.tcp_tw_reuse=0
cta_in "$NS4" "$TWGEN" tw 127.0.0.3 127.0.0.1 5002 5 || cta_fail "twgen before"
cta_in "$NS4" "$CTAUDIT" top timewait --rate --interval 1 --count 2 --format json \
	>"$T/tw.json" &
TW_PID=$!
sleep 0.3
cta_in "$NS4" "$TWGEN" tw 127.0.0.2 127.0.0.1 5001 30 || cta_fail "twgen during"
wait "$TW_PID" || cta_fail "top timewait --rate failed"
cta_assert_eq "TIME_WAIT entered" "$(jq -s 'map(.count) | add' "$T/tw.json")" 30
cta_assert_eq "TIME_WAIT peer" \
	"$(jq -rs '[.[].top[]] | group_by(.key) | map("\(.[0].key)=\(map(.count) | add)") | join(" ")' "$T/tw.json")" \
	"127.0.0.1:5001=30"
cta_assert_eq "TIME_WAIT present" "$(jq -s '.[-1].present' "$T/tw.json")" 35

# usage
rc=0
"$CTAUDIT" top conntrack --count 2 >/dev/null 2>&1 || rc=$?
cta_assert_eq "--count without --rate" "$rc" 2
rc=0
"$CTAUDIT" top conntrack --rate --interval 0.01 >/dev/null 2>&1 || rc=$?
cta_assert_eq "too short an interval" "$rc" 2

cta_pass "top --rate"
