#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ctaudit's legacy rules live in its own raw chains (issue 9 item 6): a
# foreign `CT --helper ftp` rule in the raw table survives
# `plan --emit iptables | iptables-legacy-restore --noflush`, the boot-time
# restore of packaging/ctaudit-notrack.service.in (its ExecStart script, run
# twice as on a restart) and `apply` (libiptc); each leaves exactly one jump
# from PREROUTING and OUTPUT to ctaudit's chains.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require iptables-legacy ip6tables-legacy iptables-legacy-restore ip6tables-legacy-restore \
	iptables-legacy-save ip6tables-legacy-save
cta_twgen TWGEN

cta_tmpdir T
R=$T/root
mkdir -p "$R/etc/sysctl.d" "$T/profiles"
cat >"$T/profiles/api-notrack.yaml" <<'YAML'
profile: api-notrack
description: api-server with NOTRACK for port 8080 (integration test)
extends: api-server
params:
  notrack_ports: ["8080"]
YAML

cta_netns_new NS
for ipt in iptables-legacy ip6tables-legacy; do
	cta_in "$NS" $ipt -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp ||
		cta_skip "no ftp conntrack helper"
	cta_in "$NS" $ipt -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
done
cta_in "$NS" "$TWGEN" tw 127.0.0.1 127.0.0.1 7001 2 >/dev/null 2>&1 || true
A=(--profile api-notrack --profile-dir "$T/profiles" --netns "$NS" --root "$R")

check() { # check WHAT: the helper rule and one jump each, in both families
	local save ipt
	for ipt in iptables-legacy ip6tables-legacy; do
		save=$(cta_in "$NS" $ipt-save -t raw)
		grep -q -- '-A PREROUTING -p tcp -m tcp --dport 21 -j CT --helper ftp' <<<"$save" ||
			cta_fail "$1: $ipt: the foreign helper rule is gone: $save"
		cta_assert_eq "$1: $ipt: jumps to CTAUDIT_PREROUTING" \
			"$(grep -c -- '-A PREROUTING -j CTAUDIT_PREROUTING' <<<"$save")" 1
		cta_assert_eq "$1: $ipt: jumps to CTAUDIT_OUTPUT" \
			"$(grep -c -- '-A OUTPUT -j CTAUDIT_OUTPUT' <<<"$save")" 1
		grep -q -- '-A CTAUDIT_PREROUTING -p tcp -m tcp --dport 8080 -j CT --notrack' <<<"$save" ||
			cta_fail "$1: $ipt: no NOTRACK rule for 8080: $save"
	done
}
clear_ours() {
	local ipt
	for ipt in iptables-legacy ip6tables-legacy; do
		cta_in "$NS" $ipt -t raw -D PREROUTING -j CTAUDIT_PREROUTING
		cta_in "$NS" $ipt -t raw -D OUTPUT -j CTAUDIT_OUTPUT
		cta_in "$NS" $ipt -t raw -F CTAUDIT_PREROUTING
		cta_in "$NS" $ipt -t raw -F CTAUDIT_OUTPUT
		cta_in "$NS" $ipt -t raw -X CTAUDIT_PREROUTING
		cta_in "$NS" $ipt -t raw -X CTAUDIT_OUTPUT
	done
}

"$CTAUDIT" plan "${A[@]}" >"$T/plan.txt" 2>&1 || true
"$CTAUDIT" plan "${A[@]}" --emit iptables >"$T/frag" || true
grep -q CTAUDIT_PREROUTING "$T/frag" || { cat "$T/plan.txt"; cta_fail "no fragment"; }
grep -Eq '^:(PREROUTING|OUTPUT) ' "$T/frag" && cta_fail "the fragment declares a built-in chain"
cta_in "$NS" iptables-legacy-restore --noflush <"$T/frag" || cta_fail "iptables-restore --noflush"
cta_in "$NS" ip6tables-legacy-restore --noflush <"$T/frag" || cta_fail "ip6tables-restore --noflush"
check "plan --emit iptables | iptables-restore --noflush"

# the boot-time restore, twice (a restart), from the unit's own script
clear_ours
mkdir -p "$T/etc/ctaudit"
cp "$T/frag" "$T/etc/ctaudit/notrack.v4"
cp "$T/frag" "$T/etc/ctaudit/notrack.v6"
script=$(awk '/^ExecStart=/{f=1} f{print} f&&!/\\$/{exit}' "$CTA_SRCDIR/packaging/ctaudit-notrack.service.in" |
	sed -e 's/\\$//' | tr '\n' ' ' | sed -e "s/^ExecStart=\/bin\/sh -ec '//" -e "s/' *$//" \
	-e "s|/etc/ctaudit/|$T/etc/ctaudit/|g")
grep -q noflush <<<"$script" || cta_fail "the unit does not restore with --noflush: $script"
cta_in "$NS" /bin/sh -ec "$script" || cta_fail "the unit's restore failed"
cta_in "$NS" /bin/sh -ec "$script" || cta_fail "the unit's second restore failed"
check "ctaudit-notrack.service restore (twice)"

# apply (libiptc) on top of what the unit loaded, then again from scratch
rc=0
"$CTAUDIT" apply --yes "${A[@]}" >"$T/apply1" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/apply1"; cta_fail "apply exited $rc"; }
check "apply over the restored chains"
clear_ours
rc=0
"$CTAUDIT" apply --yes "${A[@]}" >"$T/apply2" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/apply2"; cta_fail "apply exited $rc"; }
check "apply"
cta_pass "a foreign raw-table rule survives the emitted fragment, the boot-time restore and apply"
