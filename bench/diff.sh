#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# render/diff.c (the diffs `ctaudit plan` prints) against GNU `diff -u` on a
# generated rules-like file with a few distant edits.  Each command runs
# under bench-rusage, interleaved run by run; the median wall time and the
# largest peak RSS are reported, and the two outputs must be the same apart
# from the two header lines (the same hunks).  Touches no kernel state; run
# it under `flock /tmp/cta-itest.lock` like every bench.  See bench/README.md.

set -euo pipefail

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BINDIR=$SRCDIR/build/bench
LINES=10000
EDITS=4
RUNS=11
SEED=1
OUT=

usage() {
	cat <<USAGE
usage: bench/diff.sh [--lines N] [--edits E] [--runs K] [--bindir DIR] [--out FILE]

  --lines N     lines in the old file (default 10000)
  --edits E     single-line edits spread over the file (default 4)
  --runs K      timed runs per command after one warm-up (default 11)
  --bindir DIR  where diff-bench and bench-rusage are (default build/bench)
  --out FILE    also write the figures as a markdown table
USAGE
}

while [ $# -gt 0 ]; do
	case $1 in
	--lines) LINES=${2:?--lines needs a number}; shift ;;
	--edits) EDITS=${2:?--edits needs a number}; shift ;;
	--runs) RUNS=${2:?--runs needs a number}; shift ;;
	--bindir) BINDIR=${2:?--bindir needs a directory}; shift ;;
	--out) OUT=${2:?--out needs a file}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "diff.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
for n in "$LINES" "$EDITS" "$RUNS"; do
	case $n in '' | *[!0-9]*) echo "diff.sh: invalid number '$n'" >&2; exit 2 ;; esac
done
for b in diff-bench bench-rusage; do
	[ -x "$BINDIR/$b" ] || { echo "diff.sh: '$BINDIR/$b' not built" >&2; exit 2; }
done
command -v diff >/dev/null || { echo "diff.sh: GNU diff not found" >&2; exit 2; }

T=$(mktemp -d /tmp/cta-diffbench-XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
"$BINDIR/diff-bench" gen "$LINES" "$EDITS" "$SEED" "$T/old" "$T/new"

# both exit 1 when the files differ
run() { # NAME CMD...
	local name=$1
	shift
	"$BINDIR/bench-rusage" -o "$T/r" "$@" >"$T/$name.out" || [ $? -eq 1 ]
	cat "$T/r" >>"$T/$name.times"
}

names=(ctaudit gnu)
for i in $(seq 0 "$RUNS"); do
	run ctaudit "$BINDIR/diff-bench" diff "$T/old" "$T/new"
	run gnu env LC_ALL=C diff -u "$T/old" "$T/new"
	if [ "$i" -eq 0 ]; then # the warm-up run is not timed
		for n in "${names[@]}"; do : >"$T/$n.times"; done
	fi
done

if ! cmp -s <(tail -n +3 "$T/ctaudit.out") <(tail -n +3 "$T/gnu.out"); then
	echo "diff.sh: the hunks differ from diff -u:" >&2
	diff <(tail -n +3 "$T/ctaudit.out") <(tail -n +3 "$T/gnu.out") | head -20 >&2
	exit 1
fi
hunks=$(grep -c '^@@' "$T/gnu.out" || true)

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
row() { # NAME LABEL
	local wall rss
	wall=$(awk '{print $1}' "$T/$1.times" | median)
	rss=$(awk '$2>m{m=$2} END{printf "%.1f", m/1024}' "$T/$1.times")
	printf '| %s lines, %s edits | %s | %s | %.2f | %s |\n' "$LINES" "$EDITS" "$2" "$RUNS" \
		"$(awk -v w="$wall" 'BEGIN{print w*1000}')" "$rss"
}
{
	echo "| input | command | runs | median wall (ms) | peak RSS (MB) |"
	echo "|---|---|---:|---:|---:|"
	row ctaudit '`diff-bench diff` (render/diff.c)'
	row gnu '`diff -u`'
	echo
	echo "Same $hunks hunks as \`diff -u\` (output compared apart from the two header lines)."
} | tee "${OUT:-/dev/null}"
