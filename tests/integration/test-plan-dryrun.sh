#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `ctaudit plan` shows the diff and changes nothing: the --root tree, the
# namespace's sysctls and its rule sets are identical before and after.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require iptables-legacy-save nft

cta_tmpdir T
R=$T/root
mkdir -p "$R/etc/sysctl.d"
printf '# local\nnet.ipv4.tcp_timestamps = 0\n' >"$R/etc/sysctl.d/99-local.conf"
printf 'net.ipv4.tcp_tw_recycle = 1\n' >"$R/etc/sysctl.conf"
cta_netns_new NS
cta_in "$NS" sysctl -qw net.ipv4.tcp_timestamps=0 net.ipv4.tcp_tw_reuse=0

snapshot() (
	set +e +o pipefail
	(cd "$R" && find . -printf '%p %m %s %T@\n' | sort && find . -type f -exec sha256sum {} + | sort)
	cta_in "$NS" sysctl -a 2>/dev/null | grep -E '^net\.(ipv4|core|netfilter)\.' | sort
	cta_in "$NS" iptables-legacy-save 2>/dev/null | grep -v '^#'
	cta_in "$NS" ip6tables-legacy-save 2>/dev/null | grep -v '^#'
	cat /proc/net/ip_tables_names 2>/dev/null
	cta_in "$NS" cat /proc/net/ip_tables_names /proc/net/ip6_tables_names 2>/dev/null
	cta_in "$NS" nft list ruleset
)
snapshot >"$T/before"

rc=0
"$CTAUDIT" plan --profile db-client --netns "$NS" --root "$R" >"$T/plan.txt" 2>"$T/plan.err" || rc=$?
cat "$T/plan.err" >&2
cta_assert_eq "plan exit status (changes pending)" "$rc" 1
grep -qx -- '--- /dev/null' "$T/plan.txt" || cta_fail "no diff header for the new file"
grep -qx -- '+++ /etc/sysctl.d/90-ctaudit-db-client.conf' "$T/plan.txt" || cta_fail "no diff for our file"
grep -qx -- '+net.ipv4.tcp_timestamps = 1' "$T/plan.txt" || cta_fail "timestamps not in the diff"
grep -qF '  net.ipv4.tcp_timestamps: 0 -> 1 (rule ' "$T/plan.txt" || cta_fail "no runtime change shown"
# precedence: 99-local.conf is read after ours and wins at boot
grep -qF 'net.ipv4.tcp_timestamps: /etc/sysctl.d/99-local.conf:2 sets 0 and is read after /etc/sysctl.d/90-ctaudit-db-client.conf' "$T/plan.txt" ||
	cta_fail "precedence not reported"
grep -qF 'at boot the value will be 0 (from /etc/sysctl.d/99-local.conf:2), not 1' "$T/plan.txt" ||
	cta_fail "winning boot value not shown"

# the same plan as data, and the artefact alone
rc=0
"$CTAUDIT" plan --profile db-client --netns "$NS" --root "$R" --format json >"$T/plan.json" || rc=$?
cta_assert_eq "json exit status" "$rc" 1
cta_assert_eq "json changes" "$(cta_jq "$T/plan.json" .changes)" true
cta_assert_eq "json runtime" "$(cta_jq "$T/plan.json" '.sysctl[] | select(.key=="net.ipv4.tcp_timestamps") | "\(.current) \(.value) \(.runtime) \(.boot.value) \(.boot.file)"')" \
	"0 1 set 0 /etc/sysctl.d/99-local.conf"
cta_assert_eq "json file" "$(cta_jq "$T/plan.json" '.files[0] | "\(.path) \(.action) \(.mode)"')" \
	"/etc/sysctl.d/90-ctaudit-db-client.conf create 0644"
"$CTAUDIT" plan --profile db-client --netns "$NS" --root "$R" --emit sysctl >"$T/emit.conf" || true
jq -j '.files[0].new' "$T/plan.json" >"$T/planned.conf"
cmp "$T/emit.conf" "$T/planned.conf" || cta_fail "--emit sysctl differs from the planned file"

# --fix-overrides shows the edit of the other file, still changing nothing
"$CTAUDIT" plan --profile db-client --netns "$NS" --root "$R" --fix-overrides >"$T/fix.txt" || true
grep -qx -- '+#net.ipv4.tcp_timestamps = 0' "$T/fix.txt" || cta_fail "no override fix in the diff"
grep -qx -- '-net.ipv4.tcp_timestamps = 0' "$T/fix.txt" || cta_fail "no override fix in the diff"

# "- key = value" (a leading '-' ignores errors, sysctl.d(5)) is the same
# assignment: it once read as " net.ipv4..." and the fix was never offered
R2=$T/root-dash
cp -a "$R" "$R2"
printf '# local\n- net.ipv4.tcp_timestamps = 0\n' >"$R2/etc/sysctl.d/99-local.conf"
"$CTAUDIT" plan --profile db-client --netns "$NS" --root "$R2" --fix-overrides >"$T/fix-dash.txt" || true
grep -qx -- '+#- net.ipv4.tcp_timestamps = 0' "$T/fix-dash.txt" || cta_fail "no override fix for '- key = value'"
if grep -qF 'the line changed since the facts were collected' "$T/fix-dash.txt"; then
	cta_fail "'- key = value' read as a changed line"
fi

snapshot >"$T/after"
diff -u "$T/before" "$T/after" || cta_fail "plan changed something"
cta_pass "plan shows the diff and changes nothing"
