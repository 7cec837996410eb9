#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Prometheus textfile and the shipped alerting rules, checked with promtool
# (Debian's prometheus package):
#  - `promtool check metrics` accepts every rendering (fixtures and a live
#    namespace), which carries no sample timestamps;
#  - evidence gauges from a live namespace: TIME_WAIT towards one peer made by
#    cta-twgen against a narrowed ip_local_port_range;
#  - packaging/prometheus/ctaudit.rules.yml passes `promtool check rules` and
#    its own `promtool test rules` file;
#  - the rules fire and resolve on real ctaudit output: the samples of a failing
#    and then a fixed host are fed to `promtool test rules` as input series.
. "$(dirname "$0")/lib.sh"

cta_require promtool jq
PY=/usr/bin/python3
[ -x "$PY" ] || cta_skip "needs python3"
cta_tmpdir T
F=$CTA_FIXTURES/facts
RULES=$CTA_SRCDIR/packaging/prometheus

promtool check rules "$RULES/ctaudit.rules.yml" >"$T/log" 2>&1 || {
	cat "$T/log"
	cta_fail "promtool check rules"
}
(cd "$RULES" && promtool test rules ctaudit.rules.test.yml) >"$T/log" 2>&1 || {
	cat "$T/log"
	cta_fail "promtool test rules"
}

check_metrics() { # check_metrics FILE
	promtool check metrics <"$1" >"$T/lint" 2>&1 || {
		cat "$T/lint"
		cta_fail "promtool check metrics rejects $1"
	}
	# the textfile collector refuses samples with timestamps
	if grep -v '^#' "$1" | grep -Eq '} [^ ]+ [0-9]+$|^[a-z_]+ [^ ]+ [0-9]+$'; then
		cta_fail "$1 has sample timestamps"
	fi
}

for fx in healthy-modern seed-000-tw-recycle-conntrack-full seed-002-conntrack-full-notrack \
	seed-004-mysql-tw-before-fix drift; do
	set +e
	"$CTAUDIT" audit --facts "$F/$fx.json" -p base --format prometheus -o "$T/$fx.prom"
	rc=$?
	"$CTAUDIT" audit --facts "$F/$fx.json" -p base --format json -o "$T/$fx.json"
	set -e
	[ "$rc" -le 1 ] || cta_fail "$fx: exit $rc"
	check_metrics "$T/$fx.prom"
	# one 0/1 sample per evaluated rule; findings equal the report's summary
	cta_assert_eq "$fx: rule_failing samples" "$(grep -c '^ctaudit_rule_failing{' "$T/$fx.prom")" \
		"$(jq '.results | length' "$T/$fx.json")"
	cta_assert_eq "$fx: failing rules" "$(grep -c '^ctaudit_rule_failing{.*} 1$' "$T/$fx.prom")" \
		"$(jq '[.results[] | select(.status == "fail")] | length' "$T/$fx.json")"
	for sev in critical high medium low info; do
		cta_assert_eq "$fx: findings $sev" \
			"$(sed -n "s/^ctaudit_findings{severity=\"$sev\"} //p" "$T/$fx.prom")" \
			"$(jq ".summary.$sev" "$T/$fx.json")"
	done
done
grep -q '^ctaudit_build_info{version="[0-9.]*",catalog="sha256:[0-9a-f]\{64\}"} 1$' \
	"$T/healthy-modern.prom" || cta_fail "ctaudit_build_info"
want=$(jq -r '(.conntrack.count / .conntrack.max)' "$F/seed-000-tw-recycle-conntrack-full.json")
got=$(sed -n 's/^ctaudit_conntrack_usage_ratio{netns="[a-z]*"} //p' "$T/seed-000-tw-recycle-conntrack-full.prom")
"$PY" -c "import sys; assert abs(float('$got') - float('$want')) < 1e-9, ('$got', '$want')" ||
	cta_fail "conntrack usage ratio $got, want $want"
# label values are escaped: a peer label with a quote and a backslash
jq '.sockets.time_wait_top = [{"peer": "a\"b\\c\nd", "count": 3}]' "$F/healthy-modern.json" >"$T/esc.json"
"$CTAUDIT" audit --facts "$T/esc.json" --format prometheus -o "$T/esc.prom" || true
check_metrics "$T/esc.prom"
grep -qF 'peer="a\"b\\c\nd"' "$T/esc.prom" || cta_fail "label value not escaped"

# ---- live: TIME_WAIT towards one peer against a narrowed port range
cta_require_root
cta_netns_new NS
cta_twgen TWGEN
cta_in "$NS" sysctl -qw net.ipv4.ip_local_port_range="40000 40039"
cta_in "$NS" "$TWGEN" tw 127.0.0.2 127.0.0.1 5001 36 || cta_fail "twgen"
set +e
"$CTAUDIT" audit --netns "$NS" -p base --format prometheus -o "$T/live.prom"
rc=$?
set -e
[ "$rc" -le 1 ] || cta_fail "live audit: exit $rc"
check_metrics "$T/live.prom"
# a second live audit has the first one's counter baseline: drops over the interval
"$CTAUDIT" audit --netns "$NS" -p base --format prometheus -o "$T/live2.prom" || true
check_metrics "$T/live2.prom"
grep -q "^ctaudit_conntrack_drops_last_interval{netns=\"$NS\"} 0$" "$T/live2.prom" ||
	cta_fail "no drops over the interval since the previous audit"
grep -q "^ctaudit_counters_interval_seconds{netns=\"$NS\"} [0-9]" "$T/live2.prom" ||
	cta_fail "no interval length"
cta_assert_eq "port range size" "$(sed -n 's/^ctaudit_local_port_range_size{.*} //p' "$T/live.prom")" 40
cta_assert_eq "TIME_WAIT to the peer" \
	"$(sed -n "s/^ctaudit_timewait_peer_sockets{netns=\"$NS\",peer=\"127.0.0.1:5001\"} //p" "$T/live.prom")" 36
cta_assert_eq "port ratio to the peer" \
	"$(sed -n "s/^ctaudit_timewait_peer_port_ratio{netns=\"$NS\",peer=\"127.0.0.1:5001\"} //p" "$T/live.prom")" 0.90000000000000002

# ---- the shipped rules on real output: fire while failing, resolve when fixed
to_series() { # to_series FILE.prom INSTANCE -> "name{labels}<TAB>value" lines
	grep -v '^#' "$1" | sed -E "s/^([a-z_]+)\{/\1{instance=\"$2\",job=\"node\",/; s/^([a-z_]+) /\1{instance=\"$2\",job=\"node\"} /; s/,\}/}/" |
		awk '{ v = $NF; $NF = ""; sub(/ $/, ""); print $0 "\t" v }'
}
to_series "$T/seed-000-tw-recycle-conntrack-full.prom" db1 >"$T/bad.series"
to_series "$T/healthy-modern.prom" db1 >"$T/good.series"
to_series "$T/live.prom" app1 >"$T/live.series"
"$PY" - "$T" "$RULES/ctaudit.rules.yml" <<'PY'
import json, sys
import yaml
t, rules = sys.argv[1], sys.argv[2]
# the annotations are checked by ctaudit.rules.test.yml; here only who fires
doc = yaml.safe_load(open(rules))
for g in doc["groups"]:
    for r in g["rules"]:
        r.pop("annotations", None)
rules = f"{t}/rules.yml"
json.dump(doc, open(rules, "w"))
def load(name):
    out = {}
    for line in open(f"{t}/{name}.series"):
        series, value = line.rstrip("\n").split("\t")
        out[series] = value
    return out
bad, good, live = load("bad"), load("good"), load("live")
series = []
# 15 minutes of the failing host, then 15 of the fixed one (1m interval)
for s in sorted(set(bad) | set(good)):
    if s.startswith("ctaudit_last_run_timestamp_seconds"):
        continue  # pinned below: the test's clock starts at 0
    a = bad.get(s, "_")
    b = good.get(s, "_")
    series.append({"series": s, "values": f"{a}x14 {b}x15"})
# from the live namespace only the port gauges: its rule results depend on the
# host (the kernel log's "table full" lines are host-wide)
for s, v in live.items():
    if s.startswith("ctaudit_timewait_peer_port_ratio{"):
        series.append({"series": s, "values": f"{v}x20"})
crit = [s for s in bad if s.startswith("ctaudit_rule_failing{") and 'severity="critical"' in s and bad[s] == "1"]
assert crit, "seed-000 has no failing critical rule"
def labels(s):
    body = s[s.index("{") + 1:-1]
    out = {}
    for kv in body.split('",'):
        k, v = kv.split('="', 1)
        out[k] = v.rstrip('"')
    return out
exp = []
for s in crit:
    l = labels(s)
    l["severity"] = "critical"
    exp.append({"exp_labels": l})
peer = [s for s in live if s.startswith("ctaudit_timewait_peer_port_ratio{") and 'peer="127.0.0.1:5001"' in s]
assert peer
pl = labels(peer[0]); pl["severity"] = "warning"
test = {
    "rule_files": [rules],
    "evaluation_interval": "1m",
    "tests": [{
        "interval": "1m",
        "input_series": series,
        "alert_rule_test": [
            {"eval_time": "5m", "alertname": "CtauditCriticalRuleFailing", "exp_alerts": []},
            {"eval_time": "12m", "alertname": "CtauditCriticalRuleFailing", "exp_alerts": exp},
            {"eval_time": "25m", "alertname": "CtauditCriticalRuleFailing", "exp_alerts": []},
            {"eval_time": "15m", "alertname": "CtauditPeerPortsNearlyExhausted",
             "exp_alerts": [{"exp_labels": pl}]},
        ],
    }],
}
# JSON is YAML: promtool reads it as a rule test file
json.dump(test, open(f"{t}/real.test.yml", "w"), indent=1)
print(len(series), "series,", len(exp), "critical alerts expected")
PY
promtool test rules "$T/real.test.yml" >"$T/log" 2>&1 || {
	cat "$T/log"
	cta_fail "the shipped rules do not fire/resolve on ctaudit's own output"
}

cta_pass "promtool accepts the metrics and the rules; alerts fire and resolve on real output"
