#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Ansible role (packaging/ansible/roles/ctaudit) run by ansible-playbook
# (Debian's ansible-core) against localhost, confined to a temporary --root
# and a test network namespace (--netns):
#  - check mode reports the pending change and changes nothing (files below
#    the root, the namespace's sysctl);
#  - the first run deploys a site profile and applies: changed;
#  - the second run converges: changed=0 (apply exits 0 both times: changed
#    comes from its JSON);
#  - after drift, check mode sees it again without touching it, a run fixes it.
. "$(dirname "$0")/lib.sh"

cta_require_root
cta_require ansible-playbook jq
cta_tmpdir T
cta_netns_new NS
ROOT=$T/root
mkdir -p "$ROOT/etc/sysctl.d"
cta_in "$NS" sysctl -qw net.ipv4.tcp_timestamps=0

export ANSIBLE_HOME=$T/ansible ANSIBLE_LOCAL_TEMP=$T/ansible/tmp ANSIBLE_REMOTE_TEMP=$T/ansible/tmp
export ANSIBLE_ROLES_PATH=$CTA_SRCDIR/packaging/ansible/roles
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
export ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0

jq -n --arg bin "$CTAUDIT" --arg root "$ROOT" --arg ns "$NS" --arg data "$CTAUDIT_DATADIR" \
	--arg res "$T/result.json" '{
	ctaudit_bin: $bin, ctaudit_root: $root, ctaudit_netns: $ns, test_result_file: $res,
	ctaudit_profiles: ["reports-site"],
	ctaudit_site_profiles: {"reports-site":
		"profile: reports-site\ndescription: site role for the Ansible test\nextends: base\n"},
	ctaudit_environment: {CTAUDIT_DATADIR: $data}}' >"$T/vars.json"
# before the site profile is deployed, check mode can only plan a shipped one
jq '.ctaudit_profiles = ["base"] | .ctaudit_site_profiles = {}' "$T/vars.json" >"$T/vars-base.json"

play() { # play VARS [ansible-playbook options]: prints the recap's "changed" count
	local vars=$1 rc
	shift
	rm -f "$T/result.json"
	set +e
	ansible-playbook -i localhost, "$CTA_SRCDIR/tests/integration/ansible/playbook.yml" \
		-e "@$vars" "$@" >"$T/play.log" 2>&1
	rc=$?
	set -e
	if [ "$rc" != 0 ]; then
		tail -40 "$T/play.log" >&2
		cta_fail "ansible-playbook $* exited $rc"
	fi
	sed -n 's/^localhost *: .* changed=\([0-9]*\) .*/\1/p' "$T/play.log"
}
state() { # what a run may change: the files below the root and the namespace's sysctl
	(cd "$ROOT" && find . -path ./run -prune -o -type f -print0 | sort -z | xargs -0r sha256sum)
	cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps
}
task_changed() { # task_changed plan|apply: the task's changed flag in the last play
	jq -r --arg n "$1" '.[$n].changed' "$T/result.json"
}

state >"$T/s0"
cta_assert_eq "check mode, fresh host: changed" "$(play "$T/vars-base.json" --check)" 1
cta_assert_eq "check mode: the plan task says changed" "$(task_changed plan)" true
state >"$T/s1"
cmp -s "$T/s0" "$T/s1" || cta_fail "check mode changed the host: $(diff "$T/s0" "$T/s1")"

cta_assert_eq "first run: profile directory, site profile, apply" "$(play "$T/vars.json")" 3
cta_assert_eq "first run: apply changed" "$(task_changed apply)" true
cta_assert_eq "namespace sysctl applied" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 1
[ -f "$ROOT/etc/ctaudit/profiles/reports-site.yaml" ] || cta_fail "site profile not deployed"
[ -f "$ROOT/etc/sysctl.d/90-ctaudit-reports-site.conf" ] || cta_fail "sysctl.d file not below --root"
[ -n "$(ls "$ROOT/var/lib/ctaudit/journal")" ] || cta_fail "no journal below --root"

cta_assert_eq "second run converges" "$(play "$T/vars.json")" 0
cta_assert_eq "second run: apply ran, exit 0" "$(jq -r .apply.rc "$T/result.json")" 0
cta_assert_eq "second run: apply says no changes" "$(jq -r '.apply.stdout | fromjson | .changes' "$T/result.json")" false
cta_assert_eq "check mode after converging" "$(play "$T/vars.json" --check)" 0

# drift: check mode sees it and leaves it; a run repairs it
cta_in "$NS" sysctl -qw net.ipv4.tcp_timestamps=0
state >"$T/s2"
cta_assert_eq "check mode sees the drift" "$(play "$T/vars.json" --check)" 1
state >"$T/s3"
cmp -s "$T/s2" "$T/s3" || cta_fail "check mode changed the host: $(diff "$T/s2" "$T/s3")"
cta_assert_eq "run repairs the drift" "$(play "$T/vars.json")" 1
cta_assert_eq "namespace sysctl repaired" "$(cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps)" 1
cta_assert_eq "and converges" "$(play "$T/vars.json")" 0

cta_pass "ansible role: check mode read-only, first run changed, second changed=0"
