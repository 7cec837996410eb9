# SPDX-License-Identifier: GPL-2.0-or-later
# A snapshot whose known fields have the wrong type or impossible values is
# refused: exit status 2, the JSON pointer of the offending value on stderr,
# nothing on stdout.  The snapshot is a live one from a fresh namespace, with
# the counters section of an interval (a baseline below --root), so the
# additive fields (counters, conntrack.table_full) are checked too.
. "$(dirname "$0")/lib.sh"

cta_require_root
cta_require jq

cta_netns_new N
cta_tmpdir root
cta_in "$N" "$CTAUDIT" audit --root "$root" --profile base >/dev/null || true
cta_in "$N" "$CTAUDIT" facts --root "$root" --format json >"$root/good.json"
[ "$(cta_jq "$root/good.json" '.counters.interval.source')" = baseline ] ||
	cta_fail "the live snapshot has no interval"

rc=0
"$CTAUDIT" audit --facts "$root/good.json" --profile base >/dev/null 2>"$root/err" || rc=$?
[ "$rc" -le 1 ] || cta_fail "the unmodified snapshot exits $rc: $(cat "$root/err")"

# jq edit                                                      pointer
cases=(
	'.conntrack.count = "lots"|/conntrack/count'
	'.host.cpus = "two"|/host/cpus'
	'.conntrack.max = -5|/conntrack/max'
	'.conntrack.stats.drop = 1.5|/conntrack/stats/drop'
	'.counters.delta.conntrack.drop = "12"|/counters/delta/conntrack/drop'
	'.counters.interval.seconds = -300|/counters/interval/seconds'
	'.counters.interval = [300]|/counters/interval'
	'.conntrack.table_full.this_netns = "3"|/conntrack/table_full/this_netns'
	'.conntrack.table_full.names_netns = "yes"|/conntrack/table_full/names_netns'
	'.counters.delta.netstat.TcpExt.ListenDrops = -1|/counters/delta/netstat/TcpExt/ListenDrops'
)
n=0
for c in "${cases[@]}"; do
	edit=${c%%|*}
	ptr=${c#*|}
	jq "$edit" "$root/good.json" >"$root/bad.json"
	rc=0
	"$CTAUDIT" audit --facts "$root/bad.json" --profile base >"$root/out" 2>"$root/err" || rc=$?
	[ "$rc" = 2 ] || cta_fail "'$edit': exit $rc, want 2"
	grep -qF "$ptr" "$root/err" || cta_fail "'$edit': no '$ptr' in: $(cat "$root/err")"
	[ ! -s "$root/out" ] || cta_fail "'$edit': output on stdout"
	n=$((n + 1))
done

# unknown fields are kept and ignored
jq '.counters.future_field = {"x": [1]} | .conntrack.table_full.future = "y"' "$root/good.json" >"$root/extra.json"
rc=0
"$CTAUDIT" audit --facts "$root/extra.json" --profile base >/dev/null 2>"$root/err" || rc=$?
[ "$rc" -le 1 ] || cta_fail "unknown fields exit $rc: $(cat "$root/err")"
cta_pass "$n wrong-typed snapshots refused with exit 2 and a JSON pointer"
