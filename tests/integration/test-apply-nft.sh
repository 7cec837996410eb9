#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# apply on an nf_tables host: sysctls and table inet ctaudit change in the
# namespace, files below --root (sysctl.d file, an override commented out,
# nftables include); a second apply is a no-op; rollback restores the files
# byte for byte, the values and the rules; an older apply is rolled back only
# after the newer one.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require nft cc

cta_tmpdir T
R=$T/root
mkdir -p "$R/etc/sysctl.d" "$T/profiles"
printf '# local\nnet.ipv4.tcp_timestamps = 0\n' >"$R/etc/sysctl.d/99-local.conf"
printf '#!/usr/sbin/nft -f\n\nflush ruleset\n' >"$R/etc/nftables.conf"
chmod 0755 "$R/etc/nftables.conf"
cat >"$T/profiles/api-notrack.yaml" <<'YAML'
profile: api-notrack
description: api-server with NOTRACK for port 8080 (integration test)
extends: api-server
params:
  notrack_ports: ["8080"]
YAML
cc -O2 -o "$T/tw-connect" "$CTA_SRCDIR/tests/integration/tw-connect.c"

cta_netns_new NS
cta_in "$NS" sysctl -qw net.ipv4.tcp_timestamps=0
# conntrack becomes active once a rule needs it and a packet passed
cta_in "$NS" nft -f - <<'NFT'
table inet f {
	chain in { type filter hook input priority 0; policy accept; ct state established,related accept; }
}
NFT
cta_in "$NS" "$T/tw-connect" 6000 1 0 >/dev/null
cp -a "$R" "$T/orig"
ruleset_before=$(cta_in "$NS" nft list ruleset)

A=(--profile api-notrack --profile-dir "$T/profiles" --netns "$NS" --root "$R")

# without a terminal and without --yes: refused, nothing changed
rc=0
"$CTAUDIT" apply "${A[@]}" </dev/null >"$T/out" 2>&1 || rc=$?
cta_assert_eq "no terminal, no --yes" "$rc" 2
diff -r -x run "$T/orig" "$R" || cta_fail "refused apply changed files"
cta_assert_eq "refused apply: timestamps" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 0

# not root: says so before anything
if command -v setpriv >/dev/null; then
	rc=0
	setpriv --reuid=65534 --regid=65534 --clear-groups "$CTAUDIT" apply --yes "${A[@]}" \
		>"$T/out" 2>&1 || rc=$?
	cta_assert_eq "apply as non-root" "$rc" 3
	grep -q 'needs root' "$T/out" || cta_fail "non-root apply does not say it needs root"
fi

rc=0
"$CTAUDIT" apply --yes --fix-overrides "${A[@]}" >"$T/apply1" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/apply1"; cta_fail "apply exited $rc"; }
cta_assert_eq "timestamps after apply" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 1
table=$(cta_in "$NS" nft list table inet ctaudit)
grep -q 'tcp dport 8080 notrack' <<<"$table" || cta_fail "no prerouting notrack rule: $table"
grep -q 'tcp sport 8080 notrack' <<<"$table" || cta_fail "no output notrack rule: $table"
grep -q 'hook prerouting priority raw' <<<"$table" || cta_fail "prerouting chain not at raw: $table"
grep -q 'fixed: notrack.missing_for_role' "$T/apply1" || { cat "$T/apply1"; cta_fail "re-audit does not report the fix"; }
grep -q '^  fixed: .*()$' "$T/apply1" && cta_fail "a fix without subject is shown with '()': $(cat "$T/apply1")"
F=$R/etc/sysctl.d/90-ctaudit-api-notrack.conf
cta_assert_eq "sysctl file mode" "$(stat -c %a "$F")" 644
grep -qx 'net.ipv4.tcp_timestamps = 1' "$F" || cta_fail "timestamps not in $F"
grep -qx '#net.ipv4.tcp_timestamps = 0' "$R/etc/sysctl.d/99-local.conf" || cta_fail "override not commented out"
grep -qx 'include "/etc/nftables.d/ctaudit.nft"' "$R/etc/nftables.conf" || cta_fail "no include in nftables.conf"
cta_assert_eq "nftables.conf mode kept" "$(stat -c %a "$R/etc/nftables.conf")" 755
cta_in "$NS" nft -c -f "$R/etc/nftables.d/ctaudit.nft" || cta_fail "persisted nft file does not load"
ls "$R"/etc/sysctl.d | grep -v '\.conf$' && cta_fail "temporary files left"

# a second apply is a no-op
stamp() { (cd "$R" && find . -path ./var -prune -o -type f -printf '%p %T@ %s\n' | sort); }
stamp >"$T/m1"
journals=$(ls "$R/var/lib/ctaudit/journal" | wc -l)
ruleset_applied=$(cta_in "$NS" nft list ruleset)
sleep 1
rc=0
"$CTAUDIT" apply --yes --fix-overrides "${A[@]}" >"$T/apply2" 2>&1 || rc=$?
cta_assert_eq "second apply exit" "$rc" 0
grep -q 'nothing to do' "$T/apply2" || { cat "$T/apply2"; cta_fail "second apply did something"; }
stamp >"$T/m2"
diff "$T/m1" "$T/m2" || cta_fail "second apply rewrote files"
cta_assert_eq "journal entries" "$(ls "$R/var/lib/ctaudit/journal" | wc -l)" "$journals"
cta_assert_eq "ruleset after second apply" "$(cta_in "$NS" nft list ruleset)" "$ruleset_applied"

# rollback restores everything
rc=0
"$CTAUDIT" rollback --root "$R" >"$T/rb" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/rb"; cta_fail "rollback exited $rc"; }
for f in etc/sysctl.d/99-local.conf etc/nftables.conf; do
	cmp "$T/orig/$f" "$R/$f" || cta_fail "$f not restored"
done
cta_assert_eq "nftables.conf mode" "$(stat -c %a "$R/etc/nftables.conf")" 755
[ -e "$F" ] && cta_fail "$F not removed"
[ -e "$R/etc/nftables.d/ctaudit.nft" ] && cta_fail "ctaudit.nft not removed"
cta_assert_eq "timestamps after rollback" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 0
cta_assert_eq "ruleset after rollback" "$(cta_in "$NS" nft list ruleset)" "$ruleset_before"
"$CTAUDIT" rollback --list --root "$R" | grep -q ' rolled-back ' || cta_fail "journal not marked rolled back"

# two applies: the older is rolled back only after the newer
"$CTAUDIT" apply --yes "${A[@]}" >/dev/null 2>&1 || cta_fail "apply 1 failed"
id1=$(ls "$R/var/lib/ctaudit/journal" | sort | tail -n1)
cta_in "$NS" sysctl -qw net.ipv4.tcp_timestamps=2
"$CTAUDIT" apply --yes "${A[@]}" >/dev/null 2>&1 || cta_fail "apply 2 failed"
id2=$(ls "$R/var/lib/ctaudit/journal" | sort | tail -n1)
[ "$id1" != "$id2" ] || cta_fail "second apply wrote no journal"
rc=0
"$CTAUDIT" rollback --root "$R" "$id1" >"$T/rb1" 2>&1 || rc=$?
cta_assert_eq "older rollback refused" "$rc" 2
grep -q "roll it back first" "$T/rb1" || cta_fail "refusal does not say why"
cta_assert_eq "refused rollback changed nothing" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 1
"$CTAUDIT" rollback --root "$R" "$id2" >/dev/null || cta_fail "rollback of the newest failed"
cta_assert_eq "after rollback 2" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 2
# the value set by hand after apply 1 is drift: listed, and kept without --force
rc=0
"$CTAUDIT" rollback --root "$R" "$id1" >"$T/rb1" 2>&1 || rc=$?
cta_assert_eq "rollback over a later change" "$rc" 1
grep -qF "net.ipv4.tcp_timestamps is '2', the apply set '1'" "$T/rb1" ||
	{ cat "$T/rb1"; cta_fail "drift not listed"; }
cta_assert_eq "refused rollback kept the later value" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 2
"$CTAUDIT" rollback --force --root "$R" "$id1" >/dev/null 2>"$T/rb1f" || cta_fail "rollback --force of the older failed"
grep -qF "overwriting: net.ipv4.tcp_timestamps is '2'" "$T/rb1f" || cta_fail "--force does not say what it overwrote"
cta_assert_eq "after rollback 1" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 0
cmp "$T/orig/etc/nftables.conf" "$R/etc/nftables.conf" || cta_fail "nftables.conf not restored"
cta_assert_eq "ruleset after both rollbacks" "$(cta_in "$NS" nft list ruleset)" "$ruleset_before"
cta_pass "apply, idempotent re-apply, rollback (nf_tables)"
