#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A global key that is read-only in a child network namespace
# (nf_conntrack_max) is reported as "must be set on the host", is neither
# written at runtime nor to the namespace's sysctl.d file, and the re-audit
# after apply says it still fails.  The host's value never changes.
. "$(dirname "$0")/lib.sh"
cta_require_root

host_max=$(cat /proc/sys/net/netfilter/nf_conntrack_max)
cta_on_exit "echo $host_max >/proc/sys/net/netfilter/nf_conntrack_max"

cta_tmpdir T
R=$T/root
D=$T/data
mkdir -p "$R/etc/sysctl.d" "$D"
cp -r "$CTA_SRCDIR/policies" "$CTA_SRCDIR/profiles" "$D/"
cat >"$D/policies/zz-test-host-only.yaml" <<'YAML'
rules:
  - id: test.host_only.max
    title: test rule asking a higher nf_conntrack_max
    severity: high
    subject: "conntrack:max"
    check: "false"
    message: test nf_conntrack_max
    explanation: integration test only
    references: ["tests/integration/test-apply-host-only.sh"]
    remediation:
      sysctl:
        net.netfilter.nf_conntrack_max: '{int(sysctl["net.netfilter.nf_conntrack_max"]) + 1}'
        net.ipv4.tcp_fin_timeout: "30"
YAML
cat >"$D/profiles/test-host-only.yaml" <<'YAML'
profile: test-host-only
description: integration test profile asking a global key
rules:
  test.host_only.max: {}
YAML
export CTAUDIT_DATADIR=$D

cta_netns_new NS
cta_in "$NS" sysctl -qw net.ipv4.tcp_fin_timeout=60
A=(--profile test-host-only --netns "$NS" --root "$R")

# other tests may change the global value meanwhile: take it from the plan
"$CTAUDIT" plan "${A[@]}" --format json >"$T/plan.json" || true
cur=$(cta_jq "$T/plan.json" '.sysctl[] | select(.key=="net.netfilter.nf_conntrack_max") | .current')
want=$(cta_jq "$T/plan.json" '.sysctl[] | select(.key=="net.netfilter.nf_conntrack_max") | .value')
cta_assert_eq "planned value" "$want" "$((cur + 1))"
cta_assert_eq "json runtime" \
	"$(cta_jq "$T/plan.json" '.sysctl[] | select(.key=="net.netfilter.nf_conntrack_max") | "\(.runtime) \(.in_file)"')" \
	"host-only false"
rc=0
"$CTAUDIT" plan "${A[@]}" >"$T/plan" 2>&1 || rc=$?
cta_assert_eq "plan exit" "$rc" 1
grep -qE "^  net.netfilter.nf_conntrack_max: [0-9]+ -> [0-9]+ must be set on the host" "$T/plan" ||
	{ cat "$T/plan"; cta_fail "host-only key not reported"; }

rc=0
"$CTAUDIT" apply --yes "${A[@]}" >"$T/apply" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/apply"; cta_fail "apply exited $rc"; }
[ "$(cat /proc/sys/net/netfilter/nf_conntrack_max)" != "$want" ] || cta_fail "host nf_conntrack_max was written"
cta_assert_eq "fin_timeout in the netns" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_fin_timeout)" 30
grep -q '^-\?net.netfilter.nf_conntrack_max' "$R/etc/sysctl.d/90-ctaudit-test-host-only.conf" &&
	cta_fail "host-only key written to the namespace's file"
grep -q 'still failing \[high\]: test.host_only.max' "$T/apply" ||
	{ cat "$T/apply"; cta_fail "re-audit does not say the host-only setting still fails"; }
cta_assert_eq "journal values" \
	"$(cta_jq "$R"/var/lib/ctaudit/journal/*/journal.json '[.sysctl[].key] | join(" ")')" \
	"net.ipv4.tcp_fin_timeout"
# nothing left that ctaudit can change here, but it still says what the host must do
"$CTAUDIT" apply --yes "${A[@]}" >"$T/apply2" 2>&1 || cta_fail "second apply failed"
grep -q '^nothing to do' "$T/apply2" || { cat "$T/apply2"; cta_fail "second apply did something"; }
grep -qE '^  net.netfilter.nf_conntrack_max = [0-9]+ must be set on the host \(rule test.host_only.max\)$' "$T/apply2" ||
	{ cat "$T/apply2"; cta_fail "second apply does not name the host-only key"; }
cta_pass "host-only key reported, not written"
