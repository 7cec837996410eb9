#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A report knows what it audited, and reading it back is strict: the audit
# of a fresh namespace names that namespace (its inode, not the initial
# one), the host name and the --root; `plan --report` of that report plans
# exactly what `plan` does; a report with a wrong type is refused with its
# JSON pointer (exit 2) and nothing below --root changes.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq

cta_tmpdir T
R=$T/root
mkdir -p "$R/etc/sysctl.d"
printf '# local\nnet.ipv4.tcp_timestamps = 0\n' >"$R/etc/sysctl.d/99-local.conf"
cta_netns_new NS
cta_in "$NS" sysctl -qw net.ipv4.tcp_timestamps=0

rc=0
"$CTAUDIT" audit --profile db-client --netns "$NS" --root "$R" --format json >"$T/r.json" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || cta_fail "audit exit status $rc"
ino=$(stat -L -c %i "/run/netns/$NS")
cta_assert_eq "target" "$(cta_jq "$T/r.json" '.target | "\(.netns) \(.netns_inode) \(.offline) \(.root)"')" \
	"other $ino false $R"
cta_assert_eq "hostname" "$(cta_jq "$T/r.json" .target.hostname)" "$(cta_in "$NS" uname -n)"
cta_assert_eq "version" "$(cta_jq "$T/r.json" .ctaudit_version)" "$("$CTAUDIT" --version | awk 'NR == 1 { print $2 }')"
cta_jq "$T/r.json" .generated_at | grep -Eqx '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z' ||
	cta_fail "generated_at is not a UTC time"

# an image: offline, with the root it was read below and its /etc/hostname
echo image1 >"$R/etc/hostname"
"$CTAUDIT" audit --offline --kernel 6.1.0 --root "$R" --profile base --format json >"$T/img.json" || true
cta_assert_eq "offline target" "$(cta_jq "$T/img.json" '.target | "\(.offline) \(.root) \(.hostname) \(.netns)"')" \
	"true $R image1 null"
rm "$R/etc/hostname"

# the saved report plans what the live audit plans
"$CTAUDIT" plan --profile db-client --netns "$NS" --root "$R" >"$T/live.txt" || true
"$CTAUDIT" plan --report "$T/r.json" --netns "$NS" --root "$R" >"$T/saved.txt" || true
grep -qx -- '+net.ipv4.tcp_timestamps = 1' "$T/saved.txt" || cta_fail "the saved report plans nothing"
cmp "$T/live.txt" "$T/saved.txt" || cta_fail "plan --report differs from plan"
rc=0
"$CTAUDIT" plan --report "$T/r.json" --netns "$NS" --root "$R" --format json >"$T/p.json" || rc=$?
cta_assert_eq "plan json exit status" "$rc" 1
cta_assert_eq "plan target" "$(cta_jq "$T/p.json" '.target | "\(.netns) \(.netns_inode)"')" "other $ino"
cta_assert_eq "plan report time" "$(cta_jq "$T/p.json" .report_generated_at)" "$(cta_jq "$T/r.json" .generated_at)"

# strict reading: a wrong type is exit 2 with the pointer, and nothing is written
# (apply takes its lock file before it reads the report: cmd-apply.c's order, not the report's)
tree() (cd "$R" && find . -type f ! -path ./run/ctaudit.lock -exec sha256sum {} + | sort)
before=$(tree)
jq '.results[0].status = 1' "$T/r.json" >"$T/bad.json"
rc=0
"$CTAUDIT" apply --yes --report "$T/bad.json" --netns "$NS" --root "$R" >"$T/out" 2>"$T/err" || rc=$?
cta_assert_eq "bad report exit status" "$rc" 2
cta_assert_eq "bad report message" "$(cat "$T/err")" "$T/bad.json: /results/0/status: is an integer, not a string"
cta_assert_eq "tree unchanged" "$(tree)" "$before"
[ -z "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps | grep -vx 0)" ] || cta_fail "runtime value changed"
jq '.summary.high += 1' "$T/r.json" >"$T/bad2.json"
rc=0
"$CTAUDIT" plan --report "$T/bad2.json" --netns "$NS" --root "$R" >/dev/null 2>"$T/err2" || rc=$?
cta_assert_eq "inconsistent summary exit status" "$rc" 2
grep -qF "$T/bad2.json: /summary/high: says " "$T/err2" || cta_fail "no pointer for the summary: $(cat "$T/err2")"

cta_pass "report identity and strict --report reading"
