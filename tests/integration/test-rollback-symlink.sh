#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --fix-overrides on a Debian layout: /etc/sysctl.d/99-sysctl.conf is a
# symlink to ../sysctl.conf, which overrides our key and holds a stale
# tcp_tw_recycle.  apply edits /etc/sysctl.conf (the symlink stays a
# symlink); rollback restores the bytes exactly; `rollback --list` shows it.
. "$(dirname "$0")/lib.sh"
cta_require_root

cta_tmpdir T
R=$T/root
mkdir -p "$R/etc/sysctl.d"
printf '# Debian sysctl.conf\nnet.ipv4.tcp_timestamps=0\n#net.ipv4.ip_forward=1\nnet.ipv4.tcp_tw_recycle = 1\n' \
	>"$R/etc/sysctl.conf"
chmod 0600 "$R/etc/sysctl.conf"
ln -s ../sysctl.conf "$R/etc/sysctl.d/99-sysctl.conf"
cp -a "$R" "$T/orig"
cta_netns_new NS
cta_in "$NS" sysctl -qw net.ipv4.tcp_timestamps=0
A=(--profile db-client --netns "$NS" --root "$R" --fix-overrides)

"$CTAUDIT" plan "${A[@]}" >"$T/plan" 2>&1 || true
grep -qF '/etc/sysctl.conf:2 sets 0 and is read after /etc/sysctl.d/90-ctaudit-db-client.conf' "$T/plan" ||
	{ cat "$T/plan"; cta_fail "override in sysctl.conf not reported"; }
grep -qF '/etc/sysctl.conf:4: net.ipv4.tcp_tw_recycle = 1' "$T/plan" || cta_fail "stale key not reported"

rc=0
"$CTAUDIT" apply --yes "${A[@]}" >"$T/apply" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/apply"; cta_fail "apply exited $rc"; }
[ -L "$R/etc/sysctl.d/99-sysctl.conf" ] || cta_fail "the symlink was replaced"
cta_assert_eq "sysctl.conf mode kept" "$(stat -c %a "$R/etc/sysctl.conf")" 600
grep -qx '#net.ipv4.tcp_timestamps=0' "$R/etc/sysctl.conf" || cta_fail "override not commented out"
grep -qx '#net.ipv4.tcp_tw_recycle = 1' "$R/etc/sysctl.conf" || cta_fail "stale key not commented out"
grep -q '^# ctaudit: commented out, stale key net.ipv4.tcp_tw_recycle (rule ' "$R/etc/sysctl.conf" ||
	cta_fail "no note naming ctaudit and the rule"
# issue 9 item 10: the note names the value that was overridden (ours), then this line's
grep -qF '# ctaudit: commented out, it overrode net.ipv4.tcp_timestamps = 1 in /etc/sysctl.d/90-ctaudit-db-client.conf with 0 (rule ' \
	"$R/etc/sysctl.conf" || { cat "$R/etc/sysctl.conf"; cta_fail "override note names the wrong value"; }
cta_assert_eq "timestamps" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 1
"$CTAUDIT" rollback --list --root "$R" | grep -q ' applied ' || cta_fail "--list does not show the apply"

"$CTAUDIT" rollback --root "$R" >/dev/null || cta_fail "rollback failed"
cmp "$T/orig/etc/sysctl.conf" "$R/etc/sysctl.conf" || cta_fail "sysctl.conf not restored"
cta_assert_eq "sysctl.conf mode restored" "$(stat -c %a "$R/etc/sysctl.conf")" 600
[ "$(readlink "$R/etc/sysctl.d/99-sysctl.conf")" = ../sysctl.conf ] || cta_fail "symlink changed"
diff -r -x run -x var "$T/orig" "$R" || cta_fail "tree not restored"
cta_assert_eq "timestamps after rollback" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 0
cta_pass "Debian sysctl.conf symlink: edited through, restored exactly"
