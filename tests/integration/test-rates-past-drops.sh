# SPDX-License-Identifier: GPL-2.0-or-later
# Rates, not lifetime counters: a burst of table-full drops in a fresh
# namespace is judged by what moved since the previous audit (the baseline
# below --root).  First audit: drops of unknown age, past-event severity;
# after new drops: critical, "since the last audit"; after none: past again,
# at most the past-event severity.  --interval judges a live interval.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rates-lib.sh"

cta_require_root
cta_require conntrack nft jq
[ -r /proc/sys/net/netfilter/nf_conntrack_max ] || cta_skip "no connection tracking"

past=low # the severity policies/conntrack.yaml gives conntrack.drops for past events
cta_netns_new C
cta_tmpdir root
max=64
ino=$(rates_inode "$C")

audit() { # audit OUT: a live audit of C below the test's root
	local rc=0
	cta_in "$C" "$CTAUDIT" audit --root "$root" --profile base --format json "${@:2}" >"$1" || rc=$?
	[ "$rc" -le 1 ] || cta_fail "audit exited $rc"
}

rates_small_max $max
rates_track "$C"
rates_fill "$C" $max
rates_syns "$C" 3
d1=$(rates_drop "$C")
[ "$d1" -gt 0 ] || cta_fail "no drops in the burst"

# 1: no earlier sample: the drops are of unknown age
audit "$root/1.json"
cta_assert_eq "audit 1 status" "$(rates_result "$root/1.json" conntrack.drops status)" fail
cta_assert_eq "audit 1 severity" "$(rates_result "$root/1.json" conntrack.drops severity)" "$past"
rates_result "$root/1.json" conntrack.drops message | grep -q "no earlier sample" ||
	cta_fail "audit 1 does not say the age is unknown: $(rates_result "$root/1.json" conntrack.drops message)"
[ -f "$root/var/lib/ctaudit/baseline/$ino.json" ] || cta_fail "no baseline for $ino"
cta_assert_eq "baseline owner and mode" "$(stat -c %u:%a "$root/var/lib/ctaudit/baseline/$ino.json")" 0:600

# 2: new drops since the baseline: loss now
rates_syns "$C" 2
d2=$(rates_drop "$C")
[ "$d2" -gt "$d1" ] || cta_fail "no new drops ($d1 -> $d2)"
audit "$root/2.json"
cta_assert_eq "audit 2 severity" "$(rates_result "$root/2.json" conntrack.drops severity)" critical
rates_result "$root/2.json" conntrack.drops message | grep -q "since the last audit" ||
	cta_fail "audit 2 names no interval: $(rates_result "$root/2.json" conntrack.drops message)"

# 3: the table has room again and nothing new dropped: past, at most the past severity
echo "$RATES_ORIG_MAX" >/proc/sys/net/netfilter/nf_conntrack_max
d3=$(rates_drop "$C")
audit "$root/3.json"
[ "$(rates_drop "$C")" = "$d3" ] || cta_fail "drops moved during audit 3"
cta_assert_eq "audit 3 status" "$(rates_result "$root/3.json" conntrack.drops status)" fail
cta_assert_eq "audit 3 severity" "$(rates_result "$root/3.json" conntrack.drops severity)" "$past"
msg=$(rates_result "$root/3.json" conntrack.drops message)
echo "$msg" | grep -q "^$d3 flows were dropped since the namespace was created" ||
	cta_fail "audit 3 message: $msg"
echo "$msg" | grep -q "none in the .* since the last audit" || cta_fail "audit 3 message: $msg"
cta_assert_eq "audit 3 exit status with --fail-on critical" \
	"$(cta_in "$C" "$CTAUDIT" audit --root "$root" --profile base --fail-on critical >/dev/null; echo $?)" 0

# --interval: a live interval without new drops is past as well
audit "$root/4.json" --interval 1
cta_assert_eq "--interval severity" "$(rates_result "$root/4.json" conntrack.drops severity)" "$past"
rates_result "$root/4.json" conntrack.drops message | grep -q "none in the last 1 s" ||
	cta_fail "--interval message: $(rates_result "$root/4.json" conntrack.drops message)"

# --facts never writes the baseline
cta_in "$C" "$CTAUDIT" facts --root "$root" --format json >"$root/c.json"
sum=$(md5sum <"$root/var/lib/ctaudit/baseline/$ino.json")
"$CTAUDIT" audit --root "$root" --facts "$root/c.json" --format json >/dev/null || true
cta_assert_eq "baseline after --facts" "$(md5sum <"$root/var/lib/ctaudit/baseline/$ino.json")" "$sum"
cta_pass "drops judged on their movement: unknown age $past, new critical, none since $past"
