#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The reports for CI and code scanning, checked with what consumes them:
#  - SARIF validated against the official OASIS SARIF 2.1.0 JSON schema
#    (tests/fixtures/sarif/sarif-schema-2.1.0.json) with python3-jsonschema;
#  - JUnit parsed the way Jenkins and GitLab read it (testsuite counts equal
#    the testcases, failure/skipped children, names), and matched against the
#    JSON report;
#  - the same exit status in every format, --fail-on included;
#  - -o FILE replaces the file atomically and leaves it alone on failure;
#  - the identity (docs/reports.md): version, time, catalog digest, target
#    with machine-id below --root, the namespace.
# The CI gate of issue 14: `audit --offline --root IMAGE --format junit -o report.xml`.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] && "$PY" -c 'import jsonschema' 2>/dev/null || cta_skip "needs python3-jsonschema"
cta_require jq

cta_tmpdir T
F=$CTA_FIXTURES/facts
SCHEMA=$CTA_FIXTURES/sarif/sarif-schema-2.1.0.json

audit() { # audit RCVAR ARGS...: run audit, exit status in RCVAR
	local v=$1
	shift
	set +e
	"$CTAUDIT" audit "$@"
	printf -v "$v" '%s' $?
	set -e
}

# ---- exit statuses: the same in every format, --fail-on applies to all
for c in "healthy-modern nat-gateway high 1" "healthy-modern nat-gateway critical 0" \
	"healthy-modern base high 0" "seed-000-tw-recycle-conntrack-full base critical 1"; do
	read -r fx prof failon want <<<"$c"
	for fmt in text json sarif junit prometheus; do
		audit rc --facts "$F/$fx.json" -p "$prof" --fail-on "$failon" --format "$fmt" \
			>/dev/null
		cta_assert_eq "exit status of $fx/$prof --fail-on $failon --format $fmt" "$rc" "$want"
	done
done

# ---- SARIF against the official schema
validate_sarif() { # validate_sarif SARIF JSON-REPORT
	"$PY" - "$SCHEMA" "$1" "$2" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
log = json.load(open(sys.argv[2]))
report = json.load(open(sys.argv[3]))
jsonschema.Draft4Validator.check_schema(schema)
errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
for e in errors[:5]:
    print("schema:", "/".join(map(str, e.absolute_path)), e.message, file=sys.stderr)
assert not errors, f"{len(errors)} schema errors"
assert log["version"] == "2.1.0" and len(log["runs"]) == 1
run = log["runs"][0]
rules = run["tool"]["driver"]["rules"]
assert [r["id"] for r in rules] == [r["rule"] for r in report["results"]], "one rule per result"
for r in rules:
    assert r["help"]["text"] and r["shortDescription"]["text"], r["id"]
failing = [r for r in report["results"] if r["status"] == "fail"]
assert len(run["results"]) == len(failing), (len(run["results"]), len(failing))
level = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
for res, want in zip(run["results"], failing):
    assert res["ruleId"] == want["rule"] and res["level"] == level[want["severity"]]
    assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    assert res["message"]["text"] == want["message"]
    loc = res["locations"][0]
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == want["subject"]
assert run["tool"]["driver"]["version"] == report["ctaudit_version"]
print(len(rules), len(run["results"]))
PY
}

audit rc --facts "$F/seed-000-tw-recycle-conntrack-full.json" -p base --format json >"$T/s0.json"
audit rc --facts "$F/seed-000-tw-recycle-conntrack-full.json" -p base --format sarif \
	-o "$T/s0.sarif"
cta_assert_eq "sarif exit status" "$rc" 1
counts=$(validate_sarif "$T/s0.sarif" "$T/s0.json") || cta_fail "seed-000 SARIF is not valid"
[ "${counts#* }" -gt 0 ] || cta_fail "seed-000 SARIF has no results"
# the failing tcp_tw_recycle points at the line of /etc/sysctl.conf that sets it
loc=$(jq -r '.runs[0].results[] | select(.ruleId == "tcp.tw_recycle.enabled") |
	.locations[0].physicalLocation | "\(.artifactLocation.uriBaseId) \(.artifactLocation.uri) \(.region.startLine)"' "$T/s0.sarif")
want=$(jq -r '.persisted["net.ipv4.tcp_tw_recycle"] | "TARGETROOT \(.file | ltrimstr("/")) \(.line)"' \
	"$F/seed-000-tw-recycle-conntrack-full.json")
cta_assert_eq "SARIF location of tcp_tw_recycle" "$loc" "$want"
# a result without a file keeps its logical location
cta_assert_eq "SARIF logical location" "$(jq -r '.runs[0].results[] | select(.ruleId == "conntrack.usage") |
	.locations[0] | "\(.physicalLocation // "none") \(.logicalLocations[0].fullyQualifiedName)"' "$T/s0.sarif")" \
	"none conntrack:usage"

# overridden lines become related locations
audit rc --facts "$F/drift.json" -p base --format json >"$T/d.json"
audit rc --facts "$F/drift.json" -p base --format sarif >"$T/d.sarif"
validate_sarif "$T/d.sarif" "$T/d.json" >/dev/null || cta_fail "drift SARIF is not valid"
n=$(jq '[.runs[0].results[] | select(.ruleId == "drift.overridden") | .relatedLocations[]] | length' "$T/d.sarif")
[ "$n" -ge 1 ] || cta_fail "drift.overridden has no related location for the overridden line"

# every fixture and profile validates (a passing host: no results, still valid)
for fx in healthy-modern seed-001-short-conn-server seed-002-conntrack-full-notrack \
	seed-003-conntrack-300s-myth seed-004-mysql-tw-before-fix nat-gateway-bad k8s-node-defaults; do
	audit rc --facts "$F/$fx.json" --format json >"$T/x.json"
	audit rc --facts "$F/$fx.json" --format sarif >"$T/x.sarif"
	validate_sarif "$T/x.sarif" "$T/x.json" >/dev/null || cta_fail "$fx: SARIF is not valid"
done
# and the validator does reject a broken log (the check can fail)
jq '.runs[0].results = [{"ruleId": 5}]' "$T/s0.sarif" >"$T/bad.sarif"
if validate_sarif "$T/bad.sarif" "$T/s0.json" 2>/dev/null; then
	cta_fail "the schema check accepted an invalid SARIF log"
fi

# ---- JUnit: one suite per profile, counts right
check_junit() { # check_junit XML JSON-REPORT PROFILE...
	"$PY" - "$@" <<'PY'
import json, sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
report = json.load(open(sys.argv[2]))
profiles = sys.argv[3:]
assert root.tag == "testsuites", root.tag
suites = root.findall("testsuite")
assert [s.get("name") for s in suites] == ["ctaudit." + p for p in profiles], \
    [s.get("name") for s in suites]
tot = {"tests": 0, "failures": 0, "skipped": 0, "errors": 0}
status = {r["rule"]: r for r in report["results"]}
for s in suites:
    cases = s.findall("testcase")
    fails = [c for c in cases if c.find("failure") is not None]
    skips = [c for c in cases if c.find("skipped") is not None]
    assert int(s.get("tests")) == len(cases), s.get("name")
    assert int(s.get("failures")) == len(fails), s.get("name")
    assert int(s.get("skipped")) == len(skips), s.get("name")
    assert int(s.get("errors")) == 0
    float(s.get("time"))
    for k in tot:
        tot[k] += int(s.get(k))
    for c in cases:
        assert c.get("name") and c.get("classname") == s.get("name")
        r = status[c.get("name")]
        assert (c.find("failure") is not None) == (r["status"] == "fail"), c.get("name")
        assert (c.find("skipped") is not None) == (r["status"] == "skip"), c.get("name")
        if r["status"] == "fail":
            f = c.find("failure")
            assert f.get("message") == r["message"] and f.get("type") == r["severity"]
            assert r["explanation"].split("\n")[0][:40] in f.text
        if r["status"] == "skip":
            assert c.find("skipped").get("message") == r["reason"]
for k in tot:
    assert int(root.get(k)) == tot[k], (k, root.get(k), tot[k])
if len(profiles) == 1:
    s = report["summary"]
    assert tot["failures"] == sum(s[k] for k in ("critical", "high", "medium", "low", "info"))
    assert tot["skipped"] == s["skip"] and tot["tests"] == len(report["results"])
print(tot["tests"], tot["failures"], tot["skipped"])
PY
}
check_junit <("$CTAUDIT" audit --facts "$F/seed-000-tw-recycle-conntrack-full.json" -p base \
	--format junit || true) "$T/s0.json" base >/dev/null || cta_fail "seed-000 JUnit"
audit rc --facts "$F/seed-002-conntrack-full-notrack.json" -p api-server -p nat-gateway \
	--format json >"$T/c.json"
audit rc --facts "$F/seed-002-conntrack-full-notrack.json" -p api-server -p nat-gateway \
	--format junit >"$T/c.xml"
cta_assert_eq "junit exit status (combined roles)" "$rc" 1
check_junit "$T/c.xml" "$T/c.json" api-server nat-gateway >/dev/null || cta_fail "combined JUnit"
# a suite holds the rules its profile enables, not all of them
n_api=$("$PY" -c 'import sys, xml.etree.ElementTree as E
print(len(E.parse(sys.argv[1]).getroot().find("testsuite").findall("testcase")))' "$T/c.xml")
want=$("$CTAUDIT" profiles show api-server --format json | jq '.rules | length')
cta_assert_eq "api-server suite: one testcase per enabled rule" "$n_api" "$want"

# ---- the CI gate: an image tree, JUnit to a file
R=$T/image
mkdir -p "$R/etc/sysctl.d" "$R/lib/modules/5.15.0-91-generic"
printf 'net.ipv4.tcp_tw_recycle = 1\nnet.ipv4.tcp_timestamps = 0\n' >"$R/etc/sysctl.conf"
printf '0123456789abcdef0123456789abcdef\n' >"$R/etc/machine-id"
audit rc --offline --root "$R" -p base --fail-on medium --format junit -o "$T/report.xml"
cta_assert_eq "image gate exit status" "$rc" 1
audit rc --offline --root "$R" -p base --format json -o "$T/image.json"
check_junit "$T/report.xml" "$T/image.json" base >/dev/null || cta_fail "image JUnit"
grep -q '<failure message=.*type="low"' "$T/report.xml" || cta_fail "no failure for the stale tw_recycle line"

# ---- identity
cta_assert_eq "machine_id below --root" "$(cta_jq "$T/image.json" .target.machine_id)" \
	0123456789abcdef0123456789abcdef
cta_assert_eq "target.offline" "$(cta_jq "$T/image.json" .target.offline)" true
cta_assert_eq "target.root" "$(cta_jq "$T/image.json" .target.root)" "$R"
digest=$(cta_jq "$T/image.json" .catalog_digest)
[[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || cta_fail "catalog digest '$digest'"
cta_assert_eq "catalog digest does not depend on the run" "$(cta_jq "$T/s0.json" .catalog_digest)" "$digest"
[[ $(cta_jq "$T/image.json" .generated_at) =~ ^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z$ ]] ||
	cta_fail "generated_at is not UTC ISO 8601"
cta_assert_eq "ctaudit version" "$(cta_jq "$T/image.json" .ctaudit_version)" \
	"$("$CTAUDIT" --version | awk 'NR == 1 { print $2 }')"
# an attacker-prepared machine-id is not copied into the report
printf '../../../../etc/shadow\n' >"$R/etc/machine-id"
audit rc --offline --root "$R" -p base --format json -o "$T/image2.json"
cta_assert_eq "invalid machine-id left out" "$(cta_jq "$T/image2.json" '.target.machine_id // "absent"')" absent
# a link that climbs out of the image would reach this host's own machine-id
rm "$R/etc/machine-id"
ln -s ../../../../../../../../etc/machine-id "$R/etc/machine-id"
audit rc --offline --root "$R" -p base --format json -o "$T/image3.json" 2>/dev/null
cta_assert_eq "machine-id symlink stays in the root" "$(cta_jq "$T/image3.json" '.target.machine_id // "absent"')" absent
# a snapshot carries its machine-id to the audit made from it
"$CTAUDIT" facts --offline --root "$T/image" --format json -o "$T/facts.json" || true
jq '.host.machine_id = "fedcba9876543210fedcba9876543210"' "$T/facts.json" >"$T/facts2.json"
audit rc --facts "$T/facts2.json" -p base --format json -o "$T/fromfacts.json"
cta_assert_eq "machine-id from the snapshot" "$(cta_jq "$T/fromfacts.json" .target.machine_id)" \
	fedcba9876543210fedcba9876543210
cta_assert_eq "a snapshot records no root" "$(cta_jq "$T/fromfacts.json" .target.root)" null

# ---- -o FILE: atomic replacement, never half-written, left alone on failure
out=$T/out/report.json
mkdir -p "$T/out"
printf 'old\n' >"$out"
chmod 600 "$out"
ino=$(stat -c %i "$out")
audit rc --facts "$F/healthy-modern.json" -p base --format json -o "$out"
cta_assert_eq "-o exit status" "$rc" 0
jq -e .results "$out" >/dev/null || cta_fail "-o did not write the report"
[ "$(stat -c %i "$out")" != "$ino" ] || cta_fail "-o rewrote the file in place instead of renaming"
cta_assert_eq "-o mode" "$(stat -c %a "$out")" 644
cta_assert_eq "-o leaves no temporary file" "$(ls -A "$T/out" | wc -l)" 1
cp "$out" "$T/before"
audit rc --facts "$F/healthy-modern.json" -p no-such-profile --format json -o "$out" 2>/dev/null
cta_assert_eq "bad profile exit status" "$rc" 2
cmp -s "$out" "$T/before" || cta_fail "a failed audit touched the -o file"
audit rc --facts "$F/healthy-modern.json" -p base -o "$T/new/dir/r.txt"
cta_assert_eq "-o creates missing directories" "$rc" 0
[ -s "$T/new/dir/r.txt" ] || cta_fail "-o into a new directory wrote nothing"
audit rc --facts "$F/healthy-modern.json" -p base -o "$out/r.txt" 2>"$T/err"
cta_assert_eq "-o below a regular file" "$rc" 3
grep -q "cannot write '$out/r.txt'" "$T/err" || cta_fail "no error naming the -o file"
# plan -o: exit status as without -o, same bytes as stdout
set +e
"$CTAUDIT" plan --facts "$F/seed-000-tw-recycle-conntrack-full.json" --profile base --root "$R" \
	--format json -o "$T/plan.json"
prc=$?
"$CTAUDIT" plan --facts "$F/seed-000-tw-recycle-conntrack-full.json" --profile base --root "$R" \
	--emit sysctl -o "$T/plan.conf"
erc=$?
set -e
cta_assert_eq "plan -o exit status (changes pending)" "$prc" 1
cta_assert_eq "plan --emit -o exit status" "$erc" 1
cta_assert_eq "plan profiles" "$(jq -c .profiles "$T/plan.json")" '["base"]'
[ -n "$(cta_jq "$T/plan.json" .profile_reason)" ] || cta_fail "plan has no profile_reason"
cta_assert_eq "plan catalog" "$(cta_jq "$T/plan.json" .catalog_digest)" "$digest"
grep -q '^net.ipv4.tcp_tw_recycle\|tcp_' "$T/plan.conf" || cta_fail "plan --emit sysctl -o wrote nothing useful"

# ---- namespaces: live facts, audit and top name the namespace
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
	cta_netns_new NS
	ino=$(ip netns exec "$NS" stat -L -c %i /proc/self/ns/net)
	audit rc --netns "$NS" -p base --format json -o "$T/ns.json"
	cta_assert_eq "audit target" "$(jq -c '.target | [.netns_name, .netns_inode, .netns]' "$T/ns.json")" \
		"[\"$NS\",$ino,\"other\"]"
	"$CTAUDIT" facts --netns "$NS" --format json -o "$T/nsf.json"
	cta_assert_eq "facts target.netns_inode" "$(cta_jq "$T/nsf.json" .target.netns_inode)" "$ino"
	"$CTAUDIT" top timewait --netns "$NS" --format json -o "$T/top.json"
	cta_assert_eq "top target" "$(jq -c '.target | [.netns_name, .netns_inode, .netns]' "$T/top.json")" \
		"[\"$NS\",$ino,\"other\"]"
	[ "$(cta_jq "$T/top.json" .ctaudit_version)" != null ] || cta_fail "top has no ctaudit_version"
	"$CTAUDIT" top conntrack --netns "$NS" -o "$T/top.txt"
	grep -q '^conntrack entries: ' "$T/top.txt" || cta_fail "top conntrack -o"
	audit rc --netns "$NS" -p base --format prometheus -o "$T/ns.prom"
	grep -q "^ctaudit_rule_failing{netns=\"$NS\",profile=\"base\"," "$T/ns.prom" ||
		cta_fail "the netns label is not the namespace's name"
fi

cta_pass "SARIF valid against the 2.1.0 schema, JUnit counts right, exit statuses, -o atomic, identity"
