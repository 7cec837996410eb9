#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `ctaudit audit --all-netns` against the number of network namespaces
# (issue 15): N named namespaces, each with loopback up and a few sockets
# (8 TIME_WAIT sockets from tw-gen and a sleeping process), audited for N = 50, 100
# and 200.  Reports the median wall time and the peak RSS (the largest single
# process: the parent, or one of its collector children) per N.  Runs as
# root; creates and removes its own namespaces and processes on every exit
# path and changes no global setting.  Run it under the shared lock:
#   flock /tmp/cta-itest.lock bench/allns.sh [--out docs/performance.md]
# --out replaces the "--all-netns" section of that file (between the
# allns-bench markers), leaving the rest alone.

set -euo pipefail

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CTAUDIT=$SRCDIR/build/ctaudit
BINDIR=
RUNS=5
COUNTS="50 100 200"
OUT=

usage() {
	cat <<EOF
usage: bench/allns.sh [--runs K] [--counts "N ..."] [--ctaudit PATH] [--bindir DIR] [--out FILE]

  --runs K        timed runs per N after one warm-up, median reported (default 5)
  --counts LIST   namespace counts (default "$COUNTS"; the largest is created)
  --ctaudit PATH  binary to measure (default build/ctaudit)
  --bindir DIR    where tw-gen and bench-rusage are (default: DIR-OF-CTAUDIT/bench)
  --out FILE      replace the --all-netns section of FILE with the figures
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=${2:?}; shift ;;
	--counts) COUNTS=${2:?}; shift ;;
	--ctaudit) CTAUDIT=${2:?}; shift ;;
	--bindir) BINDIR=${2:?}; shift ;;
	--out) OUT=${2:?}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { echo "bench/allns.sh: needs root" >&2; exit 2; }
BINDIR=${BINDIR:-$(dirname "$CTAUDIT")/bench}
RUSAGE=$BINDIR/bench-rusage
TWGEN=$BINDIR/tw-gen
for b in "$CTAUDIT" "$RUSAGE" "$TWGEN"; do
	[ -x "$b" ] || { echo "bench/allns.sh: '$b' is missing (build first)" >&2; exit 2; }
done
MAX=0
for n in $COUNTS; do [ "$n" -gt "$MAX" ] && MAX=$n; done
PREFIX=cta-bench-allns-$$
TMP=$(mktemp -d /tmp/cta-bench-allns.XXXXXX)
pids=()
made=0

cleanup() {
	local i
	set +e
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	for ((i = 0; i < made; i++)); do ip netns del "$(printf '%s-%03d' "$PREFIX" "$i")" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "setting up $MAX namespaces ..." >&2
t0=$(date +%s.%N)
for ((i = 0; i < MAX; i++)); do
	ns=$(printf '%s-%03d' "$PREFIX" "$i")
	ip netns add "$ns"
	made=$((made + 1))
	ip -n "$ns" link set lo up
	# a few sockets: 8 in TIME_WAIT (they last 60 s, longer than the run)
	ip netns exec "$ns" "$TWGEN" -n 8 --ports 1 --dsts 1 --jobs 1 >/dev/null
	ip netns exec "$ns" sleep 600 &
	pids+=($!)
done
echo "set-up took $(echo "$(date +%s.%N) - $t0" | bc) s" >&2

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

rows=()
for n in $COUNTS; do
	# the first n namespaces by their zero-padded index
	filters=()
	if [ "$n" = "$MAX" ]; then
		filters=(--netns-filter "$PREFIX-*")
	else
		for ((i = 0; i < n; i += 10)); do
			if [ $((i + 10)) -le "$n" ]; then
				filters+=(--netns-filter "$(printf '%s-%02d?' "$PREFIX" $((i / 10)))")
			else
				for ((k = i; k < n; k++)); do filters+=(--netns-filter "$(printf '%s-%03d' "$PREFIX" "$k")"); done
			fi
		done
	fi
	"$CTAUDIT" audit --all-netns "${filters[@]}" --format json >"$TMP/out.json" 2>/dev/null || true
	got=$(jq '.summary.audited' "$TMP/out.json")
	[ "$got" = "$n" ] || { echo "bench/allns.sh: $got namespaces audited, want $n" >&2; exit 1; }
	: >"$TMP/runs"
	for ((r = 0; r < RUNS; r++)); do
		"$RUSAGE" -o "$TMP/ru" "$CTAUDIT" audit --all-netns "${filters[@]}" --format json \
			>/dev/null 2>&1 || true
		cat "$TMP/ru" >>"$TMP/runs"
	done
	wall=$(awk '{ print $1 }' "$TMP/runs" | median)
	rss=$(awk '{ print $2 }' "$TMP/runs" | sort -n | tail -1)
	cpu=$(awk '{ print $4 + $5 }' "$TMP/runs" | median)
	bytes=$(wc -c <"$TMP/out.json")
	rows+=("| $n | $RUNS | $wall | $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') | $cpu | $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }') |")
	printf 'N=%s wall=%ss peak_rss=%sKB cpu=%ss report=%sB\n' "$n" "$wall" "$rss" "$cpu" "$bytes" >&2
done

section() {
	cat <<EOF
<!-- allns-bench: begin (bench/allns.sh --out) -->
## --all-netns

\`ctaudit audit --all-netns --format json\` over N namespaces, each with loopback up,
8 TIME_WAIT sockets (bench/tw-gen) and a sleeping process; the initial namespace is
read as well (host-wide facts) but not counted. Median wall time over $RUNS runs, peak RSS
the largest single process of the run (the parent or one collector child; wait4()
in bench/rusage.c), CPU user + system summed over all processes. Date (UTC)
$(date -u '+%Y-%m-%d %H:%M'), $(nproc) CPUs, kernel $(uname -r), \`$("$CTAUDIT" --version 2>/dev/null | head -1)\`,
commit $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo '?'); load average at the end $(cut -d' ' -f1-3 /proc/loadavg).

| namespaces | runs | median wall (s) | peak RSS (MB) | median CPU (s) | JSON report (MB) |
|---:|---:|---:|---:|---:|---:|
$(printf '%s\n' "${rows[@]}")

Target (issue 15): 200 namespaces in under 2 s wall on 2 CPUs, and peak RSS that does
not grow with N beyond the report itself.
<!-- allns-bench: end -->
EOF
}
section
if [ -n "$OUT" ]; then
	section >"$TMP/section"
	if grep -q '<!-- allns-bench: begin' "$OUT" 2>/dev/null; then
		awk -v f="$TMP/section" '
			/<!-- allns-bench: begin/ { while ((getline l < f) > 0) print l; skip = 1; next }
			/<!-- allns-bench: end/ { skip = 0; next }
			!skip' "$OUT" >"$TMP/new"
	else
		{ cat "$OUT" 2>/dev/null; echo; cat "$TMP/section"; } >"$TMP/new"
	fi
	cat "$TMP/new" >"$OUT"
fi
