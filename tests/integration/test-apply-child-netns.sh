#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 9 item 5: boot-time configuration belongs to the initial namespace.
# apply --netns NS on this host (no --root) changes runtime values only, never
# the host's /etc/sysctl.d or sysctl.conf, and plan afterwards has nothing
# left; and in the initial namespace, plan exits 1 while another file would
# win over ctaudit's value at boot.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require sha256sum

[ -e /etc/sysctl.d/90-ctaudit-db-client.conf ] && cta_skip "the host has ctaudit's own db-client file"
etc_sum() { (cat /etc/sysctl.conf 2>/dev/null; find /etc/sysctl.d -maxdepth 1 -printf '%p %s %T@\n' 2>/dev/null | sort) | sha256sum; }
before=$(etc_sum)
journals_before=$(ls /var/lib/ctaudit/journal 2>/dev/null | sort || true)
# the journal this test writes on the host is removed again
cta_on_exit 'for j in $(ls /var/lib/ctaudit/journal 2>/dev/null); do grep -qxF "$j" <<<"$journals_before" || rm -rf "/var/lib/ctaudit/journal/$j"; done'

cta_tmpdir T
cta_netns_new NS
cta_in "$NS" sysctl -qw net.ipv4.tcp_timestamps=0

rc=0
"$CTAUDIT" plan --profile db-client --netns "$NS" >"$T/plan" 2>&1 || rc=$?
cta_assert_eq "plan exit" "$rc" 1
grep -q "only runtime values and rules change" "$T/plan" || { cat "$T/plan"; cta_fail "plan does not say runtime only"; }
grep -q "sysctl.d file" "$T/plan" && cta_fail "plan would write the host's sysctl.d"

rc=0
"$CTAUDIT" apply --yes --profile db-client --netns "$NS" >"$T/apply" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/apply"; cta_fail "apply exited $rc"; }
cta_assert_eq "runtime value set" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 1
cta_assert_eq "host boot files untouched" "$(etc_sum)" "$before"
[ -e /etc/sysctl.d/90-ctaudit-db-client.conf ] && cta_fail "the host's sysctl.d got ctaudit's file"
rc=0
"$CTAUDIT" plan --profile db-client --netns "$NS" >"$T/plan2" 2>&1 || rc=$?
cta_assert_eq "plan after apply" "$rc" 0
"$CTAUDIT" rollback >"$T/rb" 2>&1 || { cat "$T/rb"; cta_fail "rollback failed"; }
cta_assert_eq "rolled back" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 0
cta_assert_eq "host boot files untouched after rollback" "$(etc_sum)" "$before"

# initial namespace, an image root: another file wins at boot -> exit 1
R=$T/root
mkdir -p "$R/etc/sysctl.d"
printf '# Written by ctaudit for the role profile '"'"'db-client'"'"'.\nnet.ipv4.tcp_timestamps = 1\n' \
	>"$R/etc/sysctl.d/90-ctaudit-db-client.conf"
printf 'net.ipv4.tcp_timestamps = 0\n' >"$R/etc/sysctl.d/99-local.conf"
rc=0
"$CTAUDIT" plan --profile db-client --root "$R" >"$T/plan3" 2>&1 || rc=$?
grep -q "at boot the value will be 0" "$T/plan3" || { cat "$T/plan3"; cta_fail "boot value not reported"; }
cta_assert_eq "plan while the boot value differs" "$rc" 1
cta_pass "child namespace: runtime only; boot-time difference is pending"
