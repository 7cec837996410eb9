# SPDX-License-Identifier: GPL-2.0-or-later
# Golden audits: `ctaudit audit --facts F --profile P` in text and JSON for
# every role on several snapshots, including the five seed stories
# (tests/fixtures/facts/README.md says what each must flag and pass).  The
# snapshots are fixed files, so the output is compared byte for byte, with
# the exit status.  UPDATE_GOLDEN=1 rewrites the golden files instead.
#
# The report's identity (`ctaudit_version`, `generated_at`, `target`) depends
# on the build and the clock, so it is checked on its own against the facts
# and this build, then cut out before the byte-for-byte comparison.
. "$(dirname "$0")/lib.sh"

version=$("$CTAUDIT" --version | awk '{print $2}')

# Print the report without its identity keys; fails if any of them is missing.
strip_identity() {
	awk '
	/^  "ctaudit_version": "[^"]*",$/ { v++; next }
	/^  "generated_at": "[^"]*",$/ { g++; next }
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
mkdir -p "$golden"

# fixture (without .json)             profile(s), a+b     exit status (--fail-on high)
# combines roles with repeated --profile
cases=(
	"healthy-modern                     base                0"
	"healthy-modern                     api-server          0"
	"healthy-modern                     nat-gateway         1"
	"healthy-modern                     k8s-node            1"
	"healthy-modern                     db-client           0"
	"healthy-6.18-idle                  base                0"
	"healthy-6.18-idle                  api-server          0"
	"seed-000-tw-recycle-conntrack-full db-client           1"
	"seed-000-tw-recycle-conntrack-full api-server          1"
	"seed-000-tw-recycle-conntrack-full base                1"
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
	"seed-002-conntrack-full-notrack    api-server+nat-gateway 1"
	"seed-000-tw-recycle-conntrack-full auto                1"
	"seed-001-short-conn-server         auto                1"
	"seed-002-conntrack-full-notrack    auto                1"
	"seed-003-conntrack-300s-myth       auto                1"
	"seed-004-mysql-tw-before-fix       auto                1"
	"seed-004-mysql-tw-after-fix        auto                1"
	"healthy-6.18-idle                  auto                0"
)

failed=0
n=0
for c in "${cases[@]}"; do
	read -r fixture profile want_rc <<<"$c"
	popts=()
	IFS=+ read -r -a plist <<<"$profile"
	for p in "${plist[@]}"; do
		popts+=(--profile "$p")
	done
	for fmt in text json; do
		ext=$([ "$fmt" = text ] && echo txt || echo json)
		gold=$golden/$fixture.$profile.$ext
		set +e
		out=$("$CTAUDIT" audit --facts "$facts/$fixture.json" "${popts[@]}" \
			--profile-dir "$profiles" --format "$fmt" --color=never 2>&1)
		rc=$?
		set -e
		n=$((n + 1))
		if [ "$fmt" = json ]; then
			bad=$(check_identity "$out" "$facts/$fixture.json")
			if [ -n "$bad" ]; then
				echo "FAIL: $fixture ($profile, json): $bad" >&2
				failed=$((failed + 1))
				continue
			fi
			if ! out=$(printf '%s\n' "$out" | strip_identity); then
				echo "FAIL: $fixture ($profile, json): identity keys missing" >&2
				failed=$((failed + 1))
				continue
			fi
		fi
		if [ "$rc" != "$want_rc" ]; then
			echo "FAIL: $fixture ($profile, $fmt): exit $rc, want $want_rc" >&2
			printf '%s\n' "$out" | head -20 >&2
			failed=$((failed + 1))
			continue
		fi
		if [ -n "${UPDATE_GOLDEN:-}" ]; then
			printf '%s\n' "$out" >"$gold"
			continue
		fi
		if [ ! -f "$gold" ]; then
			echo "FAIL: $fixture ($profile, $fmt): no golden file $gold (UPDATE_GOLDEN=1)" >&2
			failed=$((failed + 1))
			continue
		fi
		if ! diff -u "$gold" <(printf '%s\n' "$out") >&2; then
			echo "FAIL: $fixture ($profile, $fmt) differs from $gold" >&2
			failed=$((failed + 1))
		fi
	done
done

[ "$failed" = 0 ] || cta_fail "$failed of $n golden audits differ"
cta_pass "$n golden audits match${UPDATE_GOLDEN:+ (rewritten)}"
