#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The policy commands end to end on the engine's own fixture catalog: audit
# (exit statuses, --fail-on, JSON, colour), explain, profiles, validate.
# Reads files only: no root, no namespace.
. "$(dirname "$0")/lib.sh"

export CTAUDIT_DATADIR=$CTA_FIXTURES/policy/data
facts=$CTA_FIXTURES/policy/facts-small.json
cta_tmpdir tmp
unset NO_COLOR

rc() { local r=0; "$@" >"$tmp/out" 2>"$tmp/err" || r=$?; echo "$r"; }

# audit: findings at or above --fail-on give 1
cta_assert_eq "audit exit" "$(rc "$CTAUDIT" audit --facts "$facts" -p db-client)" 1
cta_assert_eq "profile line" "$(head -1 "$tmp/out")" "profile: db-client (named on the command line)"
cta_assert_eq "summary line" "$(tail -1 "$tmp/out")" \
	"db-client: 2 critical, 1 high, 0 medium, 0 low, 0 info failing; 0 passed, 0 skipped"
grep -q $'\033' "$tmp/out" && cta_fail "colour without a terminal"
cta_assert_eq "fail-on critical" "$(rc "$CTAUDIT" audit --facts "$facts" -p base --fail-on critical)" 1
# only t.reuse (high) fails with the table empty and a modern kernel
jq '.host.kernel = "6.1.0" | .conntrack.count = 1' "$facts" >"$tmp/f2.json"
cta_assert_eq "fail-on critical, high only" \
	"$(rc "$CTAUDIT" audit --facts "$tmp/f2.json" -p db-client --fail-on critical)" 0
cta_assert_eq "fail-on high" "$(rc "$CTAUDIT" audit --facts "$tmp/f2.json" -p db-client)" 1
cta_assert_eq "fail-on info" "$(rc "$CTAUDIT" audit --facts "$tmp/f2.json" -p base --fail-on info)" 0

# JSON
cta_assert_eq "json exit" "$(rc "$CTAUDIT" audit --facts "$facts" -p db-client -p api-server --format json)" 1
cta_assert_eq "json profile" "$(cta_jq "$tmp/out" .profile)" "db-client+api-server"
cta_assert_eq "json critical" "$(cta_jq "$tmp/out" .summary.critical)" 2
cta_assert_eq "json first rule" "$(cta_jq "$tmp/out" '.results[0].rule')" "t.recycle"
cta_assert_eq "json notrack" "$(cta_jq "$tmp/out" '.results[] | select(.rule == "t.notrack") | .remediation.notrack[0].port')" "9000-9100"
cta_assert_eq "auto" "$(rc "$CTAUDIT" audit --facts "$facts" --format json)" 1
cta_assert_eq "auto reason" "$(cta_jq "$tmp/out" .profile_reason)" \
	"auto: 75 % of TIME_WAIT sockets (300 of 400) go to database port 5432"

# colour
rc "$CTAUDIT" audit --facts "$facts" -p db-client --color=always >/dev/null
grep -q $'\033\\[1;31mcritical' "$tmp/out" || cta_fail "--color=always gave no colour"
NO_COLOR=1 rc "$CTAUDIT" audit --facts "$facts" -p db-client --color=always >/dev/null
grep -q $'\033' "$tmp/out" || cta_fail "--color=always must win over NO_COLOR"
if command -v script >/dev/null; then
	script -qec "NO_COLOR=1 $CTAUDIT audit --facts $facts -p db-client" /dev/null >"$tmp/tty" || true
	grep -q $'\033\\[' "$tmp/tty" && cta_fail "NO_COLOR not respected on a terminal"
	script -qec "$CTAUDIT audit --facts $facts -p db-client" /dev/null >"$tmp/tty" || true
	grep -q $'\033\\[' "$tmp/tty" || cta_fail "no colour on a terminal"
fi

# verbose lists passed and skipped rules
rc "$CTAUDIT" audit --facts "$tmp/f2.json" -p db-client -v >/dev/null
grep -q '^skipped$' "$tmp/out" || cta_fail "-v: no skipped list"
grep -q '^  t.recycle .*not applicable' "$tmp/out" || cta_fail "-v: t.recycle not listed as skipped"

# usage errors and invalid input: 2
cta_assert_eq "unknown profile" "$(rc "$CTAUDIT" audit --facts "$facts" -p nope)" 2
grep -qF "unknown profile 'nope'" "$tmp/err" || cta_fail "unknown profile message"
cta_assert_eq "bad fail-on" "$(rc "$CTAUDIT" audit --facts "$facts" --fail-on severe)" 2
cta_assert_eq "bad colour" "$(rc "$CTAUDIT" audit --facts "$facts" --color=sometimes)" 2
cta_assert_eq "missing facts" "$(rc "$CTAUDIT" audit --facts "$tmp/none.json")" 2
echo '{"host": ' >"$tmp/broken.json"
cta_assert_eq "broken facts" "$(rc "$CTAUDIT" audit --facts "$tmp/broken.json")" 2
cta_assert_eq "broken policy" "$(CTAUDIT_DATADIR=$tmp rc "$CTAUDIT" audit --facts "$facts")" 2
mkdir -p "$tmp/d/policies" "$tmp/d/profiles"
cp "$CTA_FIXTURES/policy/bad/expr-unknown-fact.yaml" "$tmp/d/policies/"
cta_assert_eq "bad catalog" "$(CTAUDIT_DATADIR=$tmp/d rc "$CTAUDIT" audit --facts "$facts")" 2
grep -qF "$tmp/d/policies/expr-unknown-fact.yaml:6:28: error: in 'check': unknown fact 'conntrack.stats.drops'" "$tmp/err" ||
	cta_fail "bad catalog message"
cta_assert_eq "help" "$(rc "$CTAUDIT" audit --help)" 0
grep -q -- "--fail-on SEVERITY" "$tmp/out" || cta_fail "audit --help"

# explain
cta_assert_eq "explain" "$(rc "$CTAUDIT" explain t.usage)" 0
cta_assert_eq "explain title" "$(head -1 "$tmp/out")" "t.usage: conntrack table nearly full"
grep -qF "profiles: api-server (critical), base (high), db-client (high)" "$tmp/out" || cta_fail "explain profiles"
cta_assert_eq "explain json" "$(rc "$CTAUDIT" explain t.recycle --format json)" 0
cta_assert_eq "explain kernels" "$(cta_jq "$tmp/out" .kernels)" "< 4.12"
cta_assert_eq "explain all md" "$(rc "$CTAUDIT" explain --all --format markdown)" 0
cta_assert_eq "explain md rules" "$(grep -c '^## ' "$tmp/out")" 4
cta_assert_eq "explain unknown" "$(rc "$CTAUDIT" explain nope)" 2
cta_assert_eq "explain md one" "$(rc "$CTAUDIT" explain t.usage --format markdown)" 2

# profiles
cta_assert_eq "profiles" "$(rc "$CTAUDIT" profiles)" 0
cta_assert_eq "profiles list" "$(cat "$tmp/out")" "api-server  test server  ($CTAUDIT_DATADIR/profiles/api-server.yaml)
base        test base  ($CTAUDIT_DATADIR/profiles/base.yaml)
db-client   test client  ($CTAUDIT_DATADIR/profiles/db-client.yaml)"
cta_assert_eq "profiles show" "$(rc "$CTAUDIT" profiles show db-client --format json)" 0
cta_assert_eq "show severity" "$(cta_jq "$tmp/out" '.rules["t.reuse"].severity')" "high"
cta_assert_eq "show params" "$(cta_jq "$tmp/out" '.rules["t.usage"].params.high_ratio')" "0.5"
cta_assert_eq "profiles show unknown" "$(rc "$CTAUDIT" profiles show nope)" 2
cta_assert_eq "profiles bad action" "$(rc "$CTAUDIT" profiles remove x)" 2
cta_assert_eq "profile dir" "$(rc "$CTAUDIT" profiles show db-client --profile-dir "$CTA_FIXTURES/policy/override")" 0
grep -q "^description: overridden client$" "$tmp/out" || cta_fail "--profile-dir does not win"

# validate
cta_assert_eq "validate good" "$(rc "$CTAUDIT" validate "$CTAUDIT_DATADIR/policies/test.yaml" "$CTAUDIT_DATADIR/profiles/base.yaml")" 0
cta_assert_eq "validate ok lines" "$(cat "$tmp/out")" "$CTAUDIT_DATADIR/policies/test.yaml: ok
$CTAUDIT_DATADIR/profiles/base.yaml: ok"
cta_assert_eq "validate mixed" "$(rc "$CTAUDIT" validate "$CTAUDIT_DATADIR/profiles/base.yaml" "$CTA_FIXTURES/policy/bad/empty.yaml")" 2
cta_assert_eq "validate mixed ok" "$(cat "$tmp/out")" "$CTAUDIT_DATADIR/profiles/base.yaml: ok"
cta_assert_eq "validate nothing" "$(rc "$CTAUDIT" validate)" 2
cta_assert_eq "validate missing file" "$(rc "$CTAUDIT" validate "$tmp/nope.yaml")" 2
# a profile checked against a policy file given on the same command line
cat >"$tmp/extra.yaml" <<'YAML'
rules:
  - id: x.extra
    title: extra
    severity: info
    subject: s
    check: true
    message: m
    explanation: e
    references: [r]
YAML
printf 'profile: extraprof\nextends: base\nrules:\n  x.extra: {}\n' >"$tmp/extraprof.yaml"
cta_assert_eq "validate profile alone" "$(rc "$CTAUDIT" validate "$tmp/extraprof.yaml")" 2
grep -qF "unknown rule 'x.extra'" "$tmp/err" || cta_fail "profile alone: message"
cta_assert_eq "validate with policy" "$(rc "$CTAUDIT" validate "$tmp/extra.yaml" "$tmp/extraprof.yaml")" 0

# the examples in docs/policy-language.md are valid against the real catalog
if [ -d "$CTA_SRCDIR/policies" ]; then
	mkdir -p "$tmp/doc"
	awk -v dir="$tmp/doc" '/^```yaml$/ { n++; f = dir "/ex" n ".yaml"; inb = 1; next }
		/^```$/ { inb = 0; next } inb { print > f }' "$CTA_SRCDIR/docs/policy-language.md"
	sed -i 's/id: tcp.tw_recycle.enabled/id: doc.example/' "$tmp/doc/ex1.yaml"
	mv "$tmp/doc/ex2.yaml" "$tmp/doc/db-client.yaml"
	cta_assert_eq "doc examples" \
		"$(CTAUDIT_DATADIR=$CTA_SRCDIR rc "$CTAUDIT" validate "$tmp/doc/ex1.yaml" "$tmp/doc/db-client.yaml")" 0
fi

cta_pass "audit, explain, profiles and validate behave as documented"
