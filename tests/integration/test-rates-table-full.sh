# SPDX-License-Identifier: GPL-2.0-or-later
# Evidence scoped to the namespace: namespace A fills its conntrack table
# until the kernel logs "table full" (nf_conntrack_max is global: lowered to
# a small value and restored on every exit path), then a different fresh
# namespace B is audited: no table-full finding, and the lines of A are not
# counted as B's.  A itself gets the finding, with its lines attributed to it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rates-lib.sh"

cta_require_root
cta_require conntrack nft jq dmesg
[ -r /proc/sys/net/netfilter/nf_conntrack_max ] || cta_skip "no connection tracking"
kmajor=$(uname -r | cut -d. -f1)
kminor=$(uname -r | cut -d. -f2)
names=false
if [ "$kmajor" -gt 6 ] || { [ "$kmajor" -eq 6 ] && [ "$kminor" -ge 17 ]; }; then
	names=true
fi

cta_netns_new A
cta_netns_new B
cta_tmpdir root
max=64
ino_a=$(rates_inode "$A")
ino_b=$(rates_inode "$B")
[ "$ino_a" != "$ino_b" ] || cta_fail "two live namespaces share inode $ino_a"

rates_small_max $max
rates_track "$A"
rates_fill "$A" $max
before=$(rates_kmsg_named "$ino_a")
# the message is rate-limited host-wide: try a few rounds
for round in 1 2 3 4 5; do
	rates_syns "$A" 3
	if $names; then
		[ "$(rates_kmsg_named "$ino_a")" -gt "$before" ] && break
	else
		dmesg | grep -q "table full, dropping packet" && break
	fi
	sleep 1
done
drop_a=$(rates_drop "$A")
[ "$drop_a" -gt 0 ] || cta_fail "namespace A dropped nothing (drop=$drop_a)"
if $names; then
	[ "$(rates_kmsg_named "$ino_a")" -gt "$before" ] ||
		cta_fail "the kernel logged no 'table full in netns $ino_a' line"
fi

# B: a different fresh namespace, audited while A's lines are in the log
cta_in "$B" "$CTAUDIT" facts --root "$root" --format json >"$root/b.facts.json" ||
	cta_fail "facts in B failed"
cta_assert_eq "B's inode in its facts" "$(cta_jq "$root/b.facts.json" .host.netns_inode)" "$ino_b"
cta_assert_eq "B's drop counter" "$(cta_jq "$root/b.facts.json" .conntrack.stats.drop)" 0
if $names; then
	cta_assert_eq "kernel names namespaces" \
		"$(cta_jq "$root/b.facts.json" .conntrack.table_full.names_netns)" true
	# lines naming B's inode can only be left by an earlier namespace that had it
	cta_assert_eq "lines attributed to B" \
		"$(cta_jq "$root/b.facts.json" .conntrack.table_full.this_netns)" \
		"$(rates_kmsg_named "$ino_b")"
	other=$(cta_jq "$root/b.facts.json" .conntrack.table_full.other_netns)
	[ "$other" -ge 1 ] || cta_fail "A's lines are not counted as another namespace's ($other)"
	cta_assert_eq "unattributed lines in B" \
		"$(cta_jq "$root/b.facts.json" .conntrack.table_full.unattributed)" 0
fi
rc=0
cta_in "$B" "$CTAUDIT" audit --root "$root" --profile base --format json >"$root/b.json" || rc=$?
[ "$rc" -le 1 ] || cta_fail "audit in B exited $rc"
cta_assert_eq "conntrack.drops in B" "$(rates_result "$root/b.json" conntrack.drops status)" pass
cta_assert_eq "conntrack.usage in B" "$(rates_result "$root/b.json" conntrack.usage status)" pass

# A: its own lines, its own drops, its table at max: the table-full finding
rc=0
cta_in "$A" "$CTAUDIT" audit --root "$root" --profile base --format json >"$root/a.json" || rc=$?
[ "$rc" -le 1 ] || cta_fail "audit in A exited $rc"
cta_assert_eq "conntrack.drops in A" "$(rates_result "$root/a.json" conntrack.drops status)" fail
if $names; then
	cta_in "$A" "$CTAUDIT" facts --root "$root" --format json >"$root/a.facts.json"
	n=$(cta_jq "$root/a.facts.json" .conntrack.table_full.this_netns)
	[ "$n" -ge 1 ] || cta_fail "A's own lines are not attributed to it ($n)"
fi
cta_pass "table-full lines of namespace A ($ino_a) are not blamed on namespace B ($ino_b)"
