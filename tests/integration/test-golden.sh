# SPDX-License-Identifier: GPL-2.0-or-later
# Golden audits: `ctaudit audit --facts F --profile P` for every role on
# several snapshots, including the five seed stories
# (tests/fixtures/facts/README.md says what each must flag and pass).  The
# snapshots are fixed files, so each case checks the exit status and:
#  - every case: the verdicts, one line per result (rule, subject, status,
#    severity) plus the chosen profile(s), against verdicts/FIXTURE.PROFILE.tsv,
#    and that the text report names every rule that did not pass;
#  - a few "prose" cases: the whole text and JSON reports byte for byte
#    (FIXTURE.PROFILE.txt, .json), so that wording is reviewed in one place
#    without a wording change rewriting every golden file.
# UPDATE_GOLDEN=1 rewrites the golden files instead (the one switch for all
# golden files, also read by the unit tests; see tests/README.md).
#
# The report's identity (`ctaudit_version`, `generated_at`, `target`,
# `catalog_digest`) depends on the build, the clock and the catalog, so it is
# checked on its own against the facts and this build, then cut out before any
# comparison.
. "$(dirname "$0")/lib.sh"
cta_require jq

version=$("$CTAUDIT" --version | awk 'NR == 1 { print $2 }')

# Print the report without its identity keys; fails if any of them is missing.
strip_identity() {
	awk '
	/^  "ctaudit_version": "[^"]*",$/ { v++; next }
	/^  "generated_at": "[^"]*",$/ { g++; next }
	/^  "catalog_digest": "sha256:[0-9a-f]*",$/ { next }
	/^  "target": \{$/ { t++; skip = 1; next }
	skip { if ($0 == "  }") skip = 0; next }
	{ line[++n] = $0 }
	END {
		if (v != 1 || g != 1 || t != 1) exit 1
		# "target" sorts last: the key before it lost its successor
		if (line[n] == "}") sub(/,$/, "", line[n - 1])
		for (i = 1; i <= n; i++) print line[i]
	}'
}

# The identity of report $1 for facts file $2: "" when right, else what is wrong.
check_identity() {
	local r=$1 f=$2 want got
	want=$(jq -c '{hostname: .host.hostname, netns: .host.netns, netns_inode: .host.netns_inode}
		| with_entries(select(.value != null))' "$f")
	got=$(printf '%s\n' "$r" | jq -c '.target | {hostname, netns, netns_inode}
		| with_entries(select(.value != null))')
	[ "$got" = "$want" ] || echo "target $got, want $want"
	got=$(printf '%s\n' "$r" | jq -r '"\(.ctaudit_version) \(.target.offline) \(.target.root)"')
	[ "$got" = "$version false null" ] || echo "version/offline/root '$got'"
	printf '%s\n' "$r" | jq -e '.generated_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")' \
		>/dev/null || echo "generated_at not a UTC time"
}

facts=$CTA_FIXTURES/facts
golden=$CTA_FIXTURES/golden
profiles=$CTA_FIXTURES/profiles
mkdir -p "$golden/verdicts"

# fixture (without .json)             profile(s), a+b     exit   prose?
# combines roles with repeated --profile                  (--fail-on high)
cases=(
	"healthy-modern                     base                0      prose"
	"healthy-modern                     api-server          0"
	"healthy-modern                     nat-gateway         1"
	"healthy-modern                     k8s-node            1"
	"healthy-modern                     db-client           0"
	"healthy-6.18-idle                  base                0"
	"healthy-6.18-idle                  api-server          0"
	"seed-000-tw-recycle-conntrack-full db-client           1"
	"seed-000-tw-recycle-conntrack-full api-server          1"
	"seed-000-tw-recycle-conntrack-full base                1      prose"
	"seed-001-short-conn-server         api-server          1"
	"seed-001-short-conn-server         base                1"
	"seed-002-conntrack-full-notrack    base                1"
	"seed-002-conntrack-full-notrack    api-server-notrack  1"
	"seed-003-conntrack-300s-myth       k8s-node            1"
	"seed-003-conntrack-300s-myth       base                1"
	"seed-004-mysql-tw-before-fix       db-client           1"
	"seed-004-mysql-tw-after-fix        db-client           1"
	"nat-gateway-good                   nat-gateway         0"
	"nat-gateway-bad                    nat-gateway         1"
	"k8s-node-good                      k8s-node            0"
	"k8s-node-defaults                  k8s-node            1"
	"drift                              base                0"
	"seed-002-conntrack-full-notrack    api-server+nat-gateway 1   prose"
	"seed-000-tw-recycle-conntrack-full auto                1"
	"seed-001-short-conn-server         auto                1"
	"seed-002-conntrack-full-notrack    auto                1"
	"seed-003-conntrack-300s-myth       auto                1"
	"seed-004-mysql-tw-before-fix       auto                1      prose"
	"seed-004-mysql-tw-after-fix        auto                1"
	"healthy-6.18-idle                  auto                0"
)

# The verdicts of a JSON report: what a wording change must not move.
verdicts() {
	jq -r '"profile\t\(.profile)",
		"profiles\t\(.profiles | join(","))",
		"summary\t\(.summary | to_entries | map("\(.key)=\(.value)") | join(" "))",
		(.results[] | [.rule, (.subject | tostring), .status, (.severity | tostring)] | @tsv)'
}

failed=0
n=0
update=${UPDATE_GOLDEN:-}
# compare GOLDEN_FILE LABEL <<<output (not in a pipeline: it counts failures)
compare() {
	if [ -n "$update" ]; then
		cat >"$1"
		return 0
	fi
	if [ ! -f "$1" ]; then
		echo "FAIL: $2: no golden file $1 (UPDATE_GOLDEN=1 writes it)" >&2
		failed=$((failed + 1))
		return 0
	fi
	if ! diff -u "$1" - >&2; then
		echo "FAIL: $2 differs from $1" >&2
		failed=$((failed + 1))
	fi
}

expected_files=()
for c in "${cases[@]}"; do
	read -r fixture profile want_rc prose <<<"$c"
	# the case's files, even when it fails below: an update must not delete them
	expected_files+=("$golden/verdicts/$fixture.$profile.tsv")
	[ "${prose:-}" != prose ] || expected_files+=("$golden/$fixture.$profile.txt" "$golden/$fixture.$profile.json")
	popts=()
	IFS=+ read -r -a plist <<<"$profile"
	for p in "${plist[@]}"; do
		popts+=(--profile "$p")
	done
	declare -A out=()
	bad=0
	for fmt in text json; do
		set +e
		out[$fmt]=$("$CTAUDIT" audit --facts "$facts/$fixture.json" "${popts[@]}" \
			--profile-dir "$profiles" --format "$fmt" --color=never 2>&1)
		rc=$?
		set -e
		n=$((n + 1))
		if [ "$fmt" = json ]; then
			id=$(check_identity "${out[json]}" "$facts/$fixture.json")
			if [ -n "$id" ]; then
				echo "FAIL: $fixture ($profile, json): $id" >&2
				failed=$((failed + 1))
				bad=1
				continue
			fi
			if ! out[json]=$(printf '%s\n' "${out[json]}" | strip_identity); then
				echo "FAIL: $fixture ($profile, json): identity keys missing" >&2
				failed=$((failed + 1))
				bad=1
				continue
			fi
		fi
		if [ "$rc" != "$want_rc" ]; then
			echo "FAIL: $fixture ($profile, $fmt): exit $rc, want $want_rc" >&2
			printf '%s\n' "${out[$fmt]}" | head -20 >&2
			failed=$((failed + 1))
			bad=1
		fi
	done
	[ "$bad" = 0 ] || continue
	v=$(printf '%s\n' "${out[json]}" | verdicts) ||
		{ echo "FAIL: $fixture ($profile): JSON report unreadable" >&2; failed=$((failed + 1)); continue; }
	[ -n "$v" ] || { echo "FAIL: $fixture ($profile): no verdicts" >&2; failed=$((failed + 1)); continue; }
	gold=$golden/verdicts/$fixture.$profile.tsv
	compare "$gold" "$fixture ($profile) verdicts" <<<"$v"
	# the text report must name every rule that did not pass
	while IFS=$'\t' read -r rule _ status _; do
		case $status in pass | skip) continue ;; esac
		if ! grep -qF -- "$rule" <<<"${out[text]}"; then
			echo "FAIL: $fixture ($profile): text report does not name '$rule' ($status)" >&2
			failed=$((failed + 1))
		fi
	done < <(printf '%s\n' "${out[json]}" | jq -r '.results[] | [.rule, .subject, .status] | @tsv')
	if [ "${prose:-}" = prose ]; then
		for fmt in text json; do
			ext=$([ "$fmt" = text ] && echo txt || echo json)
			compare "$golden/$fixture.$profile.$ext" "$fixture ($profile, $fmt)" \
				<<<"${out[$fmt]}"
		done
	fi
	unset out
done

# A golden file no case reads is a test that cannot fail: refuse it.
for f in "$golden"/*.txt "$golden"/*.json "$golden"/verdicts/*.tsv; do
	[ -e "$f" ] || continue
	printf '%s\n' "${expected_files[@]}" | grep -qxF -- "$f" && continue
	if [ -n "$update" ]; then
		rm -f -- "$f"
	else
		echo "FAIL: $f belongs to no case (UPDATE_GOLDEN=1 removes it)" >&2
		failed=$((failed + 1))
	fi
done

[ "$failed" = 0 ] || cta_fail "$failed golden checks failed ($n audits)"
cta_pass "$n golden audits match${update:+ (rewritten)}"
