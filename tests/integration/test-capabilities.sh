# SPDX-License-Identifier: GPL-2.0-or-later
# The capabilities `ctaudit facts` and `ctaudit audit` need, as ctaudit(8)
# and docs/install.md document them: run as an unprivileged user (nobody)
# with exactly CAP_NET_ADMIN, CAP_DAC_READ_SEARCH and CAP_SYSLOG (setpriv),
# inside a namespace with NOTRACK rules and a changed sysctl, the audit gives
# the same verdicts as root and the facts miss nothing; without any one of
# them the section it guards is reported unavailable (so each is needed):
# conntrack.slab (/proc/slabinfo) and sockets.syn_flood_messages (/dev/kmsg)
# among them, with the reason naming the capability,
# and without any the verdicts differ (so this test can fail).
# kernel.dmesg_restrict is set to 1 for the test (CAP_SYSLOG guards /dev/kmsg
# only then) and restored on exit.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require setpriv jq nft

cta_tmpdir tmp
cta_netns_new ns
cta_in "$ns" nft -f - <<'NFT' || cta_fail "cannot load a NOTRACK rule into the namespace"
table inet ctaudit_captest {
	chain pre { type filter hook prerouting priority raw; tcp dport 8080 notrack; }
}
NFT
cta_in "$ns" sysctl -qw net.ipv4.tcp_fin_timeout=5

old_restrict=$(cat /proc/sys/kernel/dmesg_restrict)
cta_on_exit "echo $old_restrict >/proc/sys/kernel/dmesg_restrict"
echo 1 >/proc/sys/kernel/dmesg_restrict

caps_all=net_admin,dac_read_search,syslog
# run_as CAPS OUT CMD...: as nobody with exactly CAPS (comma-separated, may be empty)
run_as() {
	local caps=$1 out=$2 set="-all"
	shift 2
	[ -z "$caps" ] || set="-all,+${caps//,/,+}"
	cta_in "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps="$set" --ambient-caps="$set" --bounding-set="$set" \
		"$@" >"$out" 2>"$out.err" || [ $? = 1 ]
}
verdicts() { jq -r '.results[] | [.rule, .subject, .status, .severity, (.reason // "")] | @tsv' "$1"; }

# the binary and the catalog where nobody can read them, wherever the tree
# is (a clone in a 0700 directory is not): copies in a 0755 directory
chmod 0755 "$tmp"
mkdir -p "$tmp/bin" "$tmp/data"
cp "$CTAUDIT" "$tmp/bin/ctaudit"
cp -r "$CTAUDIT_DATADIR/policies" "$CTAUDIT_DATADIR/profiles" "$tmp/data/"
chmod -R a+rX "$tmp/bin" "$tmp/data"
CTAUDIT=$tmp/bin/ctaudit
export CTAUDIT_DATADIR=$tmp/data
for p in "$CTAUDIT" "$CTAUDIT_DATADIR/policies" "$CTAUDIT_DATADIR/profiles"; do
	setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$p" ||
		cta_fail "'$p' is not readable by nobody"
done

cta_in "$ns" "$CTAUDIT" facts --format json >"$tmp/root.facts"
cta_in "$ns" "$CTAUDIT" audit --profile api-server --format json >"$tmp/root.audit" || [ $? = 1 ] ||
	cta_fail "audit as root failed"
cta_assert_eq "root: nothing unavailable" "$(jq -c '.unavailable // []' "$tmp/root.facts")" "[]"
[ "$(jq '[.firewall.notrack[]?] | length' "$tmp/root.facts")" -ge 1 ] ||
	cta_fail "root: the NOTRACK rule of the namespace is not in the facts"

run_as "$caps_all" "$tmp/caps.facts" "$CTAUDIT" facts --format json
run_as "$caps_all" "$tmp/caps.audit" "$CTAUDIT" audit --profile api-server --format json
cta_assert_eq "exact caps: nothing unavailable" "$(jq -c '.unavailable // []' "$tmp/caps.facts")" "[]"
[ "$(verdicts "$tmp/root.audit" | wc -l)" -gt 10 ] || cta_fail "too few results"
diff -u <(verdicts "$tmp/root.audit") <(verdicts "$tmp/caps.audit") >&2 ||
	cta_fail "audit with $caps_all differs from root"
cta_assert_eq "same firewall facts" "$(jq -c .firewall "$tmp/caps.facts")" "$(jq -c .firewall "$tmp/root.facts")"

# the sections each of the two file-reading capabilities brings: present as
# root and with the exact caps (same object size: one cache for the host)
for f in root caps; do
	[ "$(jq '.conntrack.slab.objsize // 0' "$tmp/$f.facts")" -gt 0 ] ||
		cta_fail "$f: conntrack.slab.objsize missing ($(jq -c '.conntrack.slab' "$tmp/$f.facts"))"
	jq -e '.sockets.syn_flood_messages | type == "number"' "$tmp/$f.facts" >/dev/null ||
		cta_fail "$f: sockets.syn_flood_messages missing ($(jq -c '.sockets' "$tmp/$f.facts"))"
done
cta_assert_eq "exact caps: slab object size as root's" \
	"$(jq .conntrack.slab.objsize "$tmp/caps.facts")" "$(jq .conntrack.slab.objsize "$tmp/root.facts")"

# each capability guards a section
declare -A guards=(
	[net_admin]=firewall.nf_tables
	[dac_read_search]=helpers.in_use
	[syslog]=conntrack.table_full_messages
)
for c in net_admin dac_read_search syslog; do
	rest=$(tr , '\n' <<<"$caps_all" | grep -vx "$c" | paste -sd,)
	run_as "$rest" "$tmp/no-$c.facts" "$CTAUDIT" facts --format json
	jq -e --arg s "${guards[$c]}" '[.unavailable[]?.section] | index($s) != null' \
		"$tmp/no-$c.facts" >/dev/null ||
		cta_fail "without CAP_${c^^}: '${guards[$c]}' is not reported unavailable ($(jq -c .unavailable "$tmp/no-$c.facts"))"
done

# the new sections: missing without their capability, listed in unavailable
# with the reason that names it (docs/facts.md, "unavailable")
declare -A reasons=(
	[conntrack.slab]="permission denied (needs CAP_DAC_READ_SEARCH to read the root-only /proc/slabinfo)"
	[sockets.syn_flood_messages]="operation not permitted (needs CAP_SYSLOG to read /dev/kmsg while kernel.dmesg_restrict is 1)"
)
declare -A cap_of=([conntrack.slab]=dac_read_search [sockets.syn_flood_messages]=syslog)
for sec in conntrack.slab sockets.syn_flood_messages; do
	f=$tmp/no-${cap_of[$sec]}.facts
	cta_assert_eq "without CAP_${cap_of[$sec]^^}: reason for $sec" \
		"$(jq -r --arg s "$sec" '[.unavailable[]? | select(.section == $s) | .reason] | join("|")' "$f")" \
		"${reasons[$sec]}"
	cta_assert_eq "without CAP_${cap_of[$sec]^^}: $sec absent" \
		"$(jq --arg s "$sec" 'getpath($s | split(".")) == null' "$f")" true
	# and only that capability guards it: present without the other ones
	for c in net_admin dac_read_search syslog; do
		[ "$c" = "${cap_of[$sec]}" ] && continue
		jq -e --arg s "$sec" 'getpath($s | split(".")) != null' "$tmp/no-$c.facts" >/dev/null ||
			cta_fail "without CAP_${c^^}: $sec is missing although CAP_${cap_of[$sec]^^} was held"
	done
done

run_as "" "$tmp/none.audit" "$CTAUDIT" audit --profile api-server --format json
if diff -q <(verdicts "$tmp/root.audit") <(verdicts "$tmp/none.audit") >/dev/null; then
	cta_fail "the audit without capabilities gives root's verdicts: the comparison proves nothing"
fi
cta_pass "audit with exactly CAP_NET_ADMIN, CAP_DAC_READ_SEARCH, CAP_SYSLOG = root; each is needed"
