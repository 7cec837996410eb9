#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Conflicting or meaningless option combinations are refused with exit 2 and
# a message naming both options, before anything is read or changed.
# Reads files only: no root, no namespace.
. "$(dirname "$0")/lib.sh"

facts=$CTA_FIXTURES/facts/healthy-modern.json
cta_tmpdir tmp

# refused: exit 2, stdout empty, stderr names the options ($2...)
refused() {
	local what=$1 r=0
	shift
	local want=$1
	shift
	"$CTAUDIT" "$@" >"$tmp/out" 2>"$tmp/err" || r=$?
	cta_assert_eq "$what: exit" "$r" 2
	[ -s "$tmp/out" ] && cta_fail "$what: printed a result: $(head -3 "$tmp/out")"
	grep -qF -- "$want" "$tmp/err" || cta_fail "$what: stderr lacks '$want': $(cat "$tmp/err")"
	return 0
}

refused "netns twice" "'--netns' given twice" audit --netns a --netns b
refused "facts twice" "'--facts' given twice" audit --facts "$facts" --facts "$facts"
refused "format twice" "'--format' given twice" facts --format json --format text
refused "netns with facts" "'--facts' and '--netns' exclude each other" \
	audit --facts "$facts" --netns x
refused "netns-pid with offline" "'--offline' and '--netns-pid' exclude each other" \
	audit --offline --netns-pid 1
refused "deep with facts" "'--deep' and '--facts' exclude each other" \
	audit --facts "$facts" --deep
refused "deep with offline" "'--deep' and '--offline' exclude each other" \
	audit --offline --root / --deep
refused "emit with format" "'--emit' and '--format' exclude each other" \
	plan --facts "$facts" --emit sysctl --format json
refused "kernel without offline" "'--kernel' needs '--offline'" audit --kernel 6.1.0
refused "root is a typo" "'--root': '$tmp/typo' does not exist" \
	audit --facts "$facts" --root "$tmp/typo"
[ -e "$tmp/typo" ] && cta_fail "--root typo created '$tmp/typo'"
: >"$tmp/file"
refused "root is a file" "'--root': '$tmp/file' is not a directory" \
	audit --facts "$facts" --root "$tmp/file"
refused "interval with facts" "'--interval' and '--facts' exclude each other" \
	audit --facts "$facts" --interval 2
refused "interval with offline" "'--interval' and '--offline' exclude each other" \
	audit --offline --root / --interval 2
refused "emit with all-netns" "'--emit' and '--all-netns' exclude each other" \
	plan --all-netns --emit nft
refused "report with all-netns" "'--report' and '--all-netns' exclude each other" \
	plan --all-netns --report "$facts"
refused "plan fail-on with all-netns" "'--fail-on' and '--all-netns' exclude each other" \
	plan --all-netns --fail-on low
refused "boot-files with all-netns" "'--boot-files' and '--all-netns' exclude each other" \
	plan --all-netns --boot-files
refused "markdown without all" "'--format markdown' needs '--all'" \
	explain --format markdown tcp.timestamps.disabled
refused "plan severity" "unknown severity 'severe' (critical, high, medium, low or info)" \
	plan --facts "$facts" --fail-on severe
refused "apply with facts" "'--facts' does not apply to apply" apply --facts "$facts"
refused "facts with facts" "'--facts' does not apply to facts" facts --facts "$facts"
refused "no namespace matches" "no network namespace's name or label matches '--netns-filter cta-none-a' or '--netns-filter cta-none-b'" \
	facts --all-netns --netns-filter cta-none-a --netns-filter cta-none-b
refused "count without rate" "'--count' needs '--rate'" top conntrack --count 2
refused "max-keys without rate" "'--max-keys' needs '--rate'" top conntrack --max-keys 5
refused "top all-netns with rate" "'--rate' and '--all-netns' exclude each other" \
	top timewait --all-netns --rate
refused "top all-netns with -n" "'-n' and '--all-netns' exclude each other" \
	top timewait --all-netns -n 1
refused "top all-netns with by" "'--by' and '--all-netns' exclude each other" \
	top conntrack --all-netns --by dst

# the help says what --root does for audit: it only reads
"$CTAUDIT" audit --help | grep -q 'read configuration files below DIR' ||
	cta_fail "audit --help does not say that --root is only read"
"$CTAUDIT" audit --help | grep -q 'read (and write)' && cta_fail "audit --help says audit writes"
# --jobs defaults to the CPUs, bounded to 2..16 (cta_netns_run)
for c in audit facts plan top; do
	"$CTAUDIT" $c --help | grep -q '(default: the number of CPUs, 2 to 16)' ||
		cta_fail "$c --help does not give --jobs' bounds"
done
# rollback does not find an 'apply --netns-pid' namespace by itself (docs/remediation.md)
"$CTAUDIT" rollback --help | grep -q "not recorded: give it again after 'apply --netns-pid'" ||
	cta_fail "rollback --help claims to find the namespace of any apply"
# the site file's defaults win over the built-in ones (cta_cli_default_*())
"$CTAUDIT" audit --help | tr -s ' \n' ' ' | grep -q "default: the 'fail-on' of /etc/ctaudit/ctaudit.yaml, else high" ||
	cta_fail "audit --help does not name the site file's fail-on"
"$CTAUDIT" plan --help | tr -s ' \n' ' ' | grep -q "default: the 'profile' of /etc/ctaudit/ctaudit.yaml, else auto" ||
	cta_fail "plan --help does not name the site file's profile"
# the kernel filters a dump by zone only since 6.8 (docs/top.md), not on every kernel
"$CTAUDIT" top --help | tr '\n' ' ' | grep -q 'a zone other than 0 on Linux >= 6.8' ||
	cta_fail "top --help does not say from which kernel on the zone is filtered there"

# still accepted: one of each
r=0
"$CTAUDIT" plan --facts "$facts" --emit sysctl >/dev/null 2>&1 || r=$?
[ "$r" -le 1 ] || cta_fail "plan --emit sysctl alone: exit $r"
cta_pass "option conflicts are refused and named"
