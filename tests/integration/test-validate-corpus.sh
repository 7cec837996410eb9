#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every malformed policy or profile in tests/fixtures/policy/bad makes
# `ctaudit validate` exit 2 with a located FILE:LINE:COL message (the one in
# EXPECT), never crash; plus generated huge and deeply nested documents.  Needs
# no root and no namespace: it only reads files.  Run under ASan in CI.
. "$(dirname "$0")/lib.sh"

bad=$CTA_FIXTURES/policy/bad
export CTAUDIT_DATADIR=$CTA_FIXTURES/policy/data
cta_tmpdir tmp
n=0

# check_one FILE... : run validate, expect exit 2 and the message for the first FILE.
run_validate() {
	local rc=0
	"$CTAUDIT" validate "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" -ge 128 ] || grep -q -e AddressSanitizer -e 'runtime error' "$tmp/err"; then
		cat "$tmp/err" >&2
		cta_fail "validate $* crashed (exit $rc)"
	fi
	[ "$rc" = 2 ] || { cat "$tmp/err" >&2; cta_fail "validate $*: exit $rc, want 2"; }
}

cd "$bad"
while IFS=$'\t' read -r file pos msg; do
	case $file in '#'* | '') continue ;; esac
	[ -f "$file" ] || cta_fail "EXPECT names missing file $file"
	run_validate "$file"
	grep -qF -- "$file:$pos: error: $msg" "$tmp/err" ||
		{ cat "$tmp/err" >&2; cta_fail "$file: want '$file:$pos: error: $msg'"; }
	n=$((n + 1))
done <EXPECT

# every corpus file is listed
for f in *.yaml; do
	grep -q "^$f	" EXPECT || cta_fail "$f is not in EXPECT"
done

# a 3-cycle of extends, validated together
run_validate cycle3/cyc3-a.yaml cycle3/cyc3-b.yaml cycle3/cyc3-c.yaml
grep -qF "cycle3/cyc3-c.yaml:2:17: error: 'extends' cycle: cyc3-a -> cyc3-b -> cyc3-c -> cyc3-a" "$tmp/err" ||
	{ cat "$tmp/err" >&2; cta_fail "3-cycle not reported"; }
n=$((n + 1))

# generated: larger than the 4 MiB limit
{ echo "rules:"; for i in $(seq 1 70000); do echo "  - {id: r$i, title: padding padding padding padding padding}"; done; } >"$tmp/huge.yaml"
run_validate "$tmp/huge.yaml"
grep -qF "$tmp/huge.yaml:1:1: error: file too large" "$tmp/err" || { cat "$tmp/err" >&2; cta_fail "huge file"; }
n=$((n + 1))

# generated: large but within the limit, 3000 broken rules: bounded output
{ echo "rules:"; for i in $(seq 1 3000); do echo "  - {id: r$i, colour: red}"; done; } >"$tmp/many.yaml"
run_validate "$tmp/many.yaml"
grep -qF "$tmp/many.yaml:2:" "$tmp/err" || { cat "$tmp/err" >&2; cta_fail "many errors: no located message"; }
[ "$(grep -c ': error: ' "$tmp/err")" -le 20 ] || cta_fail "many errors: more than 20 diagnostics"
n=$((n + 1))

# generated: 100000 levels of [
{ printf 'rules: '; head -c 100000 /dev/zero | tr '\0' '['; echo; } >"$tmp/deep.yaml"
run_validate "$tmp/deep.yaml"
grep -qF "$tmp/deep.yaml:1:39: error: nesting deeper than 32 levels" "$tmp/err" || { cat "$tmp/err" >&2; cta_fail "deep nesting"; }
n=$((n + 1))

# a long line with an error is still located
{ printf 'rules:\n  - {id: a, check: "'; printf '1 + %.0s' $(seq 1 200000); echo '"}'; } >"$tmp/longline.yaml"
run_validate "$tmp/longline.yaml"
grep -qE "$tmp/longline.yaml:2:[0-9]+: error: " "$tmp/err" || { head -c 500 "$tmp/err" >&2; cta_fail "long line"; }
n=$((n + 1))

# generated: a mapping with 150000 keys and a duplicate at the end (linear, not quadratic)
{ echo "profile: wide"; echo "params:"; for i in $(seq 1 150000); do echo "  p$i: 1"; done; echo "  p7: 2"; } >"$tmp/wide.yaml"
SECONDS=0
run_validate "$tmp/wide.yaml"
grep -qF "$tmp/wide.yaml:150003:3: error: duplicate key 'p7' (first on line 9)" "$tmp/err" ||
	{ cat "$tmp/err" >&2; cta_fail "wide mapping"; }
[ "$SECONDS" -lt 60 ] || cta_fail "wide mapping took ${SECONDS}s"
n=$((n + 1))

# the good fixture catalog and profiles validate, and say ok
rc=0
"$CTAUDIT" validate "$CTAUDIT_DATADIR"/policies/*.yaml "$CTAUDIT_DATADIR"/profiles/*.yaml >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 0 ] || { cat "$tmp/err" >&2; cta_fail "good fixtures: exit $rc"; }
grep -qF "$CTAUDIT_DATADIR/profiles/db-client.yaml: ok" "$tmp/out" || cta_fail "good fixtures: no ok line"

cta_pass "$n malformed inputs rejected with a located message"
