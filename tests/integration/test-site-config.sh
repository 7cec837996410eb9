# SPDX-License-Identifier: GPL-2.0-or-later
# Site configuration below --root (docs/install.md, ctaudit.yaml(5)), on the
# shipped catalog and a fixed facts snapshot: /etc/ctaudit/profiles and
# /etc/ctaudit/policies override, extend and mask the shipped files by name;
# /etc/ctaudit/ctaudit.yaml sets the default profile, --fail-on and role
# parameters, and a bad one is a located error (exit 2).  Also: the data
# directory error names the path.  Reads files only: no root, no namespace.
. "$(dirname "$0")/lib.sh"
cta_require jq

export CTAUDIT_DATADIR=$CTA_SRCDIR
facts=$CTA_FIXTURES/facts/healthy-modern.json
cta_tmpdir tmp
site=$tmp/root
etc=$site/etc/ctaudit
mkdir -p "$etc/profiles" "$etc/policies"

rc() { local r=0; "$@" >"$tmp/out" 2>"$tmp/err" || r=$?; echo "$r"; }

# nothing in /etc/ctaudit: the shipped files, auto
cta_assert_eq "no site config" "$(rc "$CTAUDIT" audit --root "$site" --facts "$facts" --format json)" 0
cta_assert_eq "auto profile" "$(cta_jq "$tmp/out" .profile)" "db-client"
cta_assert_eq "profiles list" "$(rc "$CTAUDIT" profiles list --root "$site")" 0
grep -q "^k8s-node .*($CTAUDIT_DATADIR/profiles/k8s-node.yaml)\$" "$tmp/out" ||
	cta_fail "profiles list does not say where k8s-node came from: $(cat "$tmp/out")"

# the defaults file: profile and fail-on
printf 'profile: k8s-node\nfail-on: high\n' >"$etc/ctaudit.yaml"
cta_assert_eq "site profile, fail-on high" "$(rc "$CTAUDIT" audit --root "$site" --facts "$facts" --format json)" 1
cta_assert_eq "site profile used" "$(cta_jq "$tmp/out" .profile)" "k8s-node"
printf 'profile: k8s-node\nfail-on: critical\n' >"$etc/ctaudit.yaml"
cta_assert_eq "site fail-on critical" "$(rc "$CTAUDIT" audit --root "$site" --facts "$facts")" 0
cta_assert_eq "command line wins" "$(rc "$CTAUDIT" audit --root "$site" --facts "$facts" --fail-on high)" 1
cta_assert_eq "--profile wins" "$(rc "$CTAUDIT" audit --root "$site" --facts "$facts" -p api-server --format json)" 0
cta_assert_eq "--profile used" "$(cta_jq "$tmp/out" .profile)" "api-server"
printf 'profile: [api-server, k8s-node]\n' >"$etc/ctaudit.yaml"
cta_assert_eq "site combined profiles" "$(rc "$CTAUDIT" audit --root "$site" --facts "$facts" --format json)" 1
cta_assert_eq "combined" "$(cta_jq "$tmp/out" .profile)" "api-server+k8s-node"

# role parameters over every profile's own
printf 'profile: api-server\nparams:\n  notrack_ports: ["8080"]\n' >"$etc/ctaudit.yaml"
cta_assert_eq "site params" "$(rc "$CTAUDIT" profiles show api-server --root "$site" --format json)" 0
cta_assert_eq "param in effect" "$(jq -c .params.notrack_ports "$tmp/out")" '["8080"]'
cta_assert_eq "audit with params" "$(rc "$CTAUDIT" audit --root "$site" --facts "$facts" --format json)" 0
cta_assert_eq "notrack now asked for" \
	"$(jq -r '.results[] | select(.rule == "notrack.missing_for_role") | "\(.subject) \(.status)"' "$tmp/out")" \
	"notrack:tcp/8080 fail"

# strict: located errors, exit 2, for every command that loads the catalog
bad() {
	printf '%b' "$1" >"$etc/ctaudit.yaml"
	cta_assert_eq "bad defaults: $3" "$(rc "$CTAUDIT" audit --root "$site" --facts "$facts")" 2
	grep -qF "$etc/ctaudit.yaml:${2%%: *}: error: ${2#*: }" "$tmp/err" ||
		cta_fail "bad defaults ($3): $(cat "$tmp/err")"
}
bad 'profile: nope\n' "1:10: unknown profile 'nope'" "unknown profile"
bad 'fail-on: hgh\n' "1:10: 'fail-on' must be critical, high, medium, low or info, not 'hgh'" "severity"
bad 'profile: base\ncolour: always\n' "2:1: unknown key 'colour'" "unknown key"
bad 'params:\n  no_such: 1\n' "2:3: unknown parameter 'no_such'" "unknown parameter"
bad 'params:\n  notrack_ports: 8080\n' "2:18: parameter 'notrack_ports' must be a list" "parameter type"
bad 'profile: [base\n' "2:1: " "YAML syntax"
bad '- base\n' "1:1: expected a mapping" "not a mapping"
cta_assert_eq "explain also checks it" "$(rc "$CTAUDIT" explain tcp.tw_recycle.enabled --root "$site")" 2
rm "$etc/ctaudit.yaml"

# profiles: override, extend, mask
cat >"$etc/profiles/db-client.yaml" <<'YAML'
profile: db-client
description: site db-client
extends: base
YAML
cat >"$etc/profiles/edge.yaml" <<'YAML'
profile: edge
description: site edge
extends: api-server
YAML
ln -s /dev/null "$etc/profiles/nat-gateway.yaml"
: >"$etc/profiles/k8s-node.yaml"
cta_assert_eq "site profiles" "$(rc "$CTAUDIT" profiles list --root "$site")" 0
cta_assert_eq "merged list" "$(awk '{ print $1 }' "$tmp/out" | paste -sd' ')" "api-server base db-client edge"
grep -q "^db-client .*site db-client  ($etc/profiles/db-client.yaml)\$" "$tmp/out" ||
	cta_fail "db-client not overridden: $(cat "$tmp/out")"
grep -q "^edge .*($etc/profiles/edge.yaml)\$" "$tmp/out" || cta_fail "edge missing"
cta_assert_eq "masked profile" "$(rc "$CTAUDIT" audit --root "$site" --facts "$facts" -p nat-gateway)" 2
grep -qF "unknown profile 'nat-gateway'" "$tmp/err" || cta_fail "masked: $(cat "$tmp/err")"

# policies: a site file with a shipped name replaces it, masks work
cp "$CTA_SRCDIR/policies/tcp-timewait.yaml" "$etc/policies/tcp-timewait.yaml"
sed -i 's/^    title: tcp_tw_recycle is enabled$/    title: site title for tw_recycle/' "$etc/policies/tcp-timewait.yaml"
grep -q "site title for tw_recycle" "$etc/policies/tcp-timewait.yaml" || cta_fail "fixture edit"
cta_assert_eq "site policy" "$(rc "$CTAUDIT" explain tcp.tw_recycle.enabled --root "$site")" 0
cta_assert_eq "site policy used" "$(head -1 "$tmp/out")" "tcp.tw_recycle.enabled: site title for tw_recycle"
ln -sf /dev/null "$etc/policies/tcp-timewait.yaml"
cta_assert_eq "masked policy file" "$(rc "$CTAUDIT" explain tcp.tw_recycle.enabled --root "$site")" 2
rm "$etc/policies/tcp-timewait.yaml"
# a site file with a new name adds rules; a clashing id is a located error
cp "$CTA_SRCDIR/policies/helpers.yaml" "$etc/policies/zz-site.yaml"
cta_assert_eq "duplicate id" "$(rc "$CTAUDIT" explain helpers.auto_assign --root "$site")" 2
grep -qF "$etc/policies/zz-site.yaml:" "$tmp/err" || cta_fail "duplicate id not located: $(cat "$tmp/err")"
rm "$etc/policies/zz-site.yaml"

# the data directory: the error names the path it looked in
cta_assert_eq "no catalog" "$(CTAUDIT_DATADIR=$tmp/none rc "$CTAUDIT" audit --facts "$facts")" 2
grep -qF "'$tmp/none/policies'" "$tmp/err" || cta_fail "no catalog: $(cat "$tmp/err")"
cta_assert_eq "version" "$(CTAUDIT_DATADIR=$tmp/none rc "$CTAUDIT" --version)" 0
grep -qx "data:    $tmp/none (\$CTAUDIT_DATADIR)" "$tmp/out" || cta_fail "--version: $(cat "$tmp/out")"
cta_assert_eq "version catalog" "$(rc "$CTAUDIT" --version)" 0
grep -qx "catalog: version $(cat "$CTA_SRCDIR/policies/VERSION"), [0-9]* rules, [0-9]* profiles (.*)" "$tmp/out" ||
	cta_fail "--version: $(cat "$tmp/out")"
cta_pass "site configuration: defaults file, profiles and policies override, extend, mask"
