#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Crash test: apply is killed with SIGKILL after each of its mutating steps
# (test-only hook CTAUDIT_FAULT_AFTER=N).  After every kill each file is
# either the old one or the new one, never partial, no temporary file is
# named *.conf, and `ctaudit rollback` restores the old state exactly.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require nft cc
# the hook exists only in test builds (CMake option CTA_FAULT_HOOK)
if [ -n "${CTA_BINDIR:-}" ] && grep -q '^CTA_FAULT_HOOK:BOOL=OFF' "$CTA_BINDIR/CMakeCache.txt" 2>/dev/null; then
	cta_skip "built without CTA_FAULT_HOOK"
fi

cta_tmpdir T
R=$T/root
mkdir -p "$R/etc/sysctl.d" "$T/profiles"
printf '# local\nnet.ipv4.tcp_timestamps = 0\n' >"$R/etc/sysctl.d/99-local.conf"
printf '#!/usr/sbin/nft -f\n\nflush ruleset\n' >"$R/etc/nftables.conf"
cat >"$T/profiles/api-notrack.yaml" <<'YAML'
profile: api-notrack
description: api-server with NOTRACK for port 8080 (integration test)
extends: api-server
params:
  notrack_ports: ["8080"]
YAML
cc -O2 -o "$T/tw-connect" "$CTA_SRCDIR/tests/integration/tw-connect.c"
cta_netns_new NS
cta_in "$NS" nft -f - <<'NFT'
table inet f {
	chain in { type filter hook input priority 0; policy accept; ct state established,related accept; }
}
NFT
cta_in "$NS" "$T/tw-connect" 6000 1 0 >/dev/null
cta_in "$NS" sysctl -qw net.ipv4.tcp_timestamps=0
cp -a "$R" "$T/orig"
A=(--profile api-notrack --profile-dir "$T/profiles" --netns "$NS" --root "$R" --fix-overrides)
ruleset_before=$(cta_in "$NS" nft list ruleset)

"$CTAUDIT" plan --format json "${A[@]}" >"$T/plan.json" || true
nfiles=$(cta_jq "$T/plan.json" '.files | length')
cta_assert_eq "files in the plan" "$nfiles" 4
mkdir -p "$T/new"
for ((i = 0; i < nfiles; i++)); do
	p=$(cta_jq "$T/plan.json" ".files[$i].path")
	mkdir -p "$T/new$(dirname "$p")"
	jq -j ".files[$i].new" "$T/plan.json" >"$T/new$p"
done

reset_state() {
	rm -rf "$R"
	cp -a "$T/orig" "$R"
	cta_in "$NS" sysctl -qw net.ipv4.tcp_timestamps=0
	cta_in "$NS" nft delete table inet ctaudit 2>/dev/null || true
}

check_files() { # every planned file is old or new, and nothing partial is read by sysctl
	local i p
	for ((i = 0; i < nfiles; i++)); do
		p=$(cta_jq "$T/plan.json" ".files[$i].path")
		if [ -e "$T/orig$p" ] && cmp -s "$T/orig$p" "$R$p"; then continue; fi
		if [ ! -e "$T/orig$p" ] && [ ! -e "$R$p" ]; then continue; fi
		cmp -s "$T/new$p" "$R$p" || cta_fail "step $1: $p is neither old nor new"
	done
	for f in "$R"/etc/sysctl.d/*.conf; do
		case "$(basename "$f")" in
		99-local.conf | 90-ctaudit-api-notrack.conf) ;;
		*) cta_fail "step $1: unexpected $f" ;;
		esac
	done
}

killed=0
for n in $(seq 1 40); do
	reset_state
	rc=0
	CTAUDIT_FAULT_AFTER=$n "$CTAUDIT" apply --yes "${A[@]}" >"$T/apply.out" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		break
	fi
	[ "$rc" = 137 ] || { cat "$T/apply.out"; cta_fail "step $n: apply exited $rc, not killed"; }
	killed=$((killed + 1))
	check_files "$n"
	rc=0
	"$CTAUDIT" rollback --root "$R" >"$T/rb.out" 2>&1 || rc=$?
	[ "$rc" = 0 ] || { cat "$T/rb.out"; cta_fail "step $n: rollback exited $rc"; }
	diff -r -x run -x var "$T/orig" "$R" || cta_fail "step $n: files not restored"
	ls -a "$R/etc/sysctl.d" "$R/etc" | grep -q 'ctaudit-' && cta_fail "step $n: temporary files left"
	cta_assert_eq "step $n: timestamps" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 0
	cta_assert_eq "step $n: ruleset" "$(cta_in "$NS" nft list ruleset)" "$ruleset_before"
done
# 2 backups + journal + 4 files x (write, rename) + 1 value + 1 commit + applied
cta_assert_eq "apply steps killed" "$killed" 14
# the run that was not killed applied everything
check_files final
cmp "$T/new/etc/sysctl.d/90-ctaudit-api-notrack.conf" "$R/etc/sysctl.d/90-ctaudit-api-notrack.conf" ||
	cta_fail "complete apply did not write the file"
cta_assert_eq "complete apply: timestamps" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 1
cta_pass "killed at each of $killed steps: old or new, and rollback restores"
