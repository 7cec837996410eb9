#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A plan whose second runtime value the kernel rejects (ip_local_port_range
# "60000 1000" is EINVAL) leaves nothing changed: the first value, the
# sysctl.d file and an edited file are restored, the journal says failed,
# and apply exits non-zero saying what happened.  Also: an interrupted
# (prepared) journal blocks the next apply until rolled back.
. "$(dirname "$0")/lib.sh"
cta_require_root

cta_tmpdir T
R=$T/root
D=$T/data
mkdir -p "$R/etc/sysctl.d" "$D"
cp -r "$CTA_SRCDIR/policies" "$CTA_SRCDIR/profiles" "$D/"
printf 'net.ipv4.tcp_fin_timeout = 60\n' >"$R/etc/sysctl.d/99-local.conf"
# two test rules: the first asks a valid value, the second one the kernel refuses
cat >"$D/policies/zz-test-reject.yaml" <<'YAML'
rules:
  - id: test.reject.first
    title: test rule with a valid fix
    severity: high
    subject: "sysctl:net.ipv4.tcp_fin_timeout"
    check: int(sysctl["net.ipv4.tcp_fin_timeout"]) == 30
    message: test fin_timeout
    explanation: integration test only
    references: ["tests/integration/test-apply-reject.sh"]
    remediation:
      sysctl:
        net.ipv4.tcp_fin_timeout: "30"
  - id: test.reject.second
    title: test rule whose fix the kernel rejects
    severity: high
    subject: "sysctl:net.ipv4.ip_local_port_range"
    check: sysctl["net.ipv4.ip_local_port_range"] == "60000 1000"
    message: test port range
    explanation: integration test only
    references: ["tests/integration/test-apply-reject.sh"]
    remediation:
      sysctl:
        net.ipv4.ip_local_port_range: "60000 1000"
YAML
cat >"$D/profiles/test-reject.yaml" <<'YAML'
profile: test-reject
description: integration test profile whose second fix the kernel rejects
rules:
  test.reject.first: {}
  test.reject.second: {}
YAML
export CTAUDIT_DATADIR=$D

cta_netns_new NS
cta_in "$NS" sysctl -qw net.ipv4.tcp_fin_timeout=60 net.ipv4.ip_local_port_range="32768 60999"
cp -a "$R" "$T/orig"
A=(--profile test-reject --netns "$NS" --root "$R" --fix-overrides)

rc=0
"$CTAUDIT" plan "${A[@]}" >"$T/plan" 2>&1 || rc=$?
[ "$rc" = 1 ] || { cat "$T/plan"; cta_fail "plan exited $rc"; }
grep -qF 'net.ipv4.tcp_fin_timeout: 60 -> 30' "$T/plan" || cta_fail "fin_timeout not planned"

rc=0
"$CTAUDIT" apply --yes "${A[@]}" >"$T/apply" 2>"$T/apply.err" || rc=$?
cta_assert_eq "apply exit status" "$rc" 1
grep -q "the kernel refused net.ipv4.ip_local_port_range = '60000 1000': invalid argument" "$T/apply.err" ||
	{ cat "$T/apply.err"; cta_fail "the error does not say what happened"; }
grep -q "every change was undone" "$T/apply.err" || cta_fail "does not say the changes were undone"
cta_assert_eq "fin_timeout restored" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_fin_timeout)" 60
cta_assert_eq "port range unchanged" "$(cta_in "$NS" sysctl -n net.ipv4.ip_local_port_range | tr '\t' ' ')" \
	"32768 60999"
diff -r -x run -x var "$T/orig" "$R" || cta_fail "files changed by a failed apply"
"$CTAUDIT" rollback --list --root "$R" | grep -q ' failed ' || cta_fail "journal not marked failed"
rc=0
"$CTAUDIT" rollback --root "$R" >"$T/rb" 2>&1 || rc=$?
cta_assert_eq "rollback after failed apply" "$rc" 0
grep -q "nothing to roll back" "$T/rb" || cta_fail "rollback of a failed apply did something"

j=$(ls "$R/var/lib/ctaudit/journal" | tail -n1)
# the valid value came first, so it was written and then undone
cta_assert_eq "journal order" "$(cta_jq "$R/var/lib/ctaudit/journal/$j/journal.json" '[.sysctl[].key] | join(" ")')" \
	"net.ipv4.tcp_fin_timeout net.ipv4.ip_local_port_range"
cta_assert_eq "journal files" "$(cta_jq "$R/var/lib/ctaudit/journal/$j/journal.json" '[.files[] | "\(.path):\(.existed)"] | join(" ")')" \
	"/etc/sysctl.d/90-ctaudit-test-reject.conf:false /etc/sysctl.d/99-local.conf:true"

# an interrupted apply (state prepared) blocks the next one
sed -i 's/"state": "failed"/"state": "prepared"/' "$R/var/lib/ctaudit/journal/$j/journal.json"
rc=0
"$CTAUDIT" apply --yes "${A[@]}" >"$T/apply2" 2>&1 || rc=$?
cta_assert_eq "apply after an interrupted one" "$rc" 3
grep -q "run 'ctaudit rollback $j' first" "$T/apply2" || { cat "$T/apply2"; cta_fail "no hint to roll back"; }
cta_pass "a rejected value leaves nothing changed"
