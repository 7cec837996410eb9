#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# audit --deep samples the new conntrack flows of the audited namespace
# (facts conntrack.new_flows, the code of `top conntrack --rate`): flows
# created at a known rate from a known top source (bench/ct-gen --rate) are
# reported with that source and a plausible rate, and the usage finding says
# "N new flows/s, M from SRC, table full in about T s".  Without
# CAP_NET_ADMIN the sample is listed under "unavailable", never guessed.
# nf_conntrack_max is global: lowered and restored on every exit path.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rates-lib.sh"
cta_require_root
cta_require jq setpriv
[ -r /proc/sys/net/netfilter/nf_conntrack_max ] || cta_skip "no connection tracking"

CTGEN=${CTA_BINDIR:-$CTA_SRCDIR/build}/bench/ct-gen
[ -x "$CTGEN" ] || cta_skip "bench/ct-gen not built ($CTGEN)"
cta_tmpdir T

# 1. facts --deep while 400 flows/s are created, 80 % from 10.1.0.1
cta_netns_new NS1
cta_in "$NS1" "$CTGEN" --rate 400 --sources 1 --skew 80 -n 2400 --timeout 120 --quiet \
	>"$T/gen1.txt" &
GEN=$!
sleep 1.5 # into the steady rate
cta_in "$NS1" "$CTAUDIT" facts --deep --format json >"$T/f1.json" || cta_fail "facts --deep failed"
wait "$GEN" || cta_fail "ct-gen --rate: $(cat "$T/gen1.txt")"
nf=$(jq -c .conntrack.new_flows "$T/f1.json")
[ "$nf" != null ] || cta_fail "no conntrack.new_flows: $(jq -c .unavailable "$T/f1.json")"
echo "$nf" | jq -e '.interval_ms >= 1000 and .interval_ms < 1500' >/dev/null ||
	cta_fail "sample length not 1 s: $nf"
echo "$nf" | jq -e '.lost == 0 and .approximate == false' >/dev/null || cta_fail "events lost: $nf"
echo "$nf" | jq -e '.per_s >= 300 and .per_s <= 500' >/dev/null || cta_fail "rate not ~400/s: $nf"
echo "$nf" | jq -e '.by_src[0].key == "10.1.0.1" and .by_src[0].per_s >= 240 and
	.by_src[0].per_s <= 400' >/dev/null || cta_fail "top source not 10.1.0.1 at ~320/s: $nf"
# nothing expires within 120 s: the table grew by what was created
echo "$nf" | jq -e '.growth_per_s >= 300 and .count_after > .count_before' >/dev/null ||
	cta_fail "net growth: $nf"
cta_pass "facts --deep: $(echo "$nf" | jq -c '[.per_s, .by_src[0]]')"

# 2. the usage finding names the top source and the time to full
max=4000
rates_small_max $max
cta_netns_new NS2
# 82 % full before the burst (other sources than the burst's 10.1.0.1: ct-gen
# numbers the ports per source, so the two runs must not share one)
cta_in "$NS2" "$CTGEN" -n 3280 --seed 7 --sources 50 --skew 0 --timeout 120 --quiet >/dev/null ||
	cta_fail "ct-gen fill"
cta_in "$NS2" "$CTGEN" --rate 200 --sources 0 --skew 100 -n 600 --timeout 120 \
	--quiet >/dev/null &
GEN=$!
sleep 1
cta_in "$NS2" "$CTAUDIT" audit --deep --format json --fail-on critical >"$T/a2.json"
rc=$?
wait "$GEN" || cta_fail "ct-gen --rate (burst)"
[ "$rc" -le 1 ] || cta_fail "audit --deep exit $rc"
msg=$(jq -r '.results[] | select(.id == "conntrack.usage" or .rule == "conntrack.usage") |
	.message' "$T/a2.json")
echo "$msg" | grep -Eq '; [0-9]+ new flows/s, [0-9]+ from 10\.1\.0\.1, table full in about [0-9]+ s' ||
	cta_fail "usage message without the rate: $msg"
rate=$(echo "$msg" | sed -E 's/.*; ([0-9]+) new flows\/s.*/\1/')
[ "$rate" -ge 140 ] && [ "$rate" -le 260 ] || cta_fail "rate $rate not ~200/s: $msg"
secs=$(echo "$msg" | sed -E 's/.*table full in about ([0-9]+) s.*/\1/')
# 4000 - (3280 + ~300) free at ~200/s: a few seconds
[ "$secs" -ge 0 ] && [ "$secs" -le 10 ] || cta_fail "time to full $secs s implausible: $msg"
cta_pass "audit --deep: $msg"

# 3. without CAP_NET_ADMIN: listed as unavailable, no numbers
cta_netns_new NS3
cta_in "$NS3" setpriv --bounding-set=-net_admin --inh-caps=-net_admin \
	"$CTAUDIT" facts --deep --format json >"$T/f3.json" || cta_fail "facts --deep without net_admin"
cta_assert_eq "no sample without CAP_NET_ADMIN" "$(jq -c .conntrack.new_flows "$T/f3.json")" null
jq -e '.unavailable | any(.section == "conntrack.new_flows" and
	(.reason | test("CAP_NET_ADMIN")))' "$T/f3.json" >/dev/null ||
	cta_fail "sample not listed as unavailable: $(jq -c .unavailable "$T/f3.json")"
cta_pass "without CAP_NET_ADMIN: unavailable"
