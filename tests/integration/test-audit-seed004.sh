# SPDX-License-Identifier: GPL-2.0-or-later
# Seed story 004, live: a fresh namespace set up like the story's MySQL
# client (tcp_tw_reuse=1 but tcp_timestamps=0, a narrow ephemeral range) with
# TIME_WAIT piling up towards one peer on loopback.  `ctaudit audit --netns
# NS --profile db-client` must exit 1 and flag tw_reuse without timestamps and
# the TIME_WAIT pressure on the ephemeral ports, with this namespace's numbers.
# Then the story's fix (tcp_timestamps=1) must make those findings pass.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq

cta_twgen TWGEN
cta_tmpdir T

cta_netns_new NS
# 10 ephemeral ports (ends of different parity, so no parity finding)
cta_in "$NS" sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.tcp_timestamps=0 \
	net.ipv4.ip_local_port_range="40000 40009"
# 9 short connections to one peer, the client closing first: 9 TIME_WAIT
# sockets on 9 of the 10 ports (connect() would fail at 11)
cta_in "$NS" "$TWGEN" tw 127.0.0.1 127.0.0.1 5000 9 || cta_fail "cta-twgen"

audit() {
	local rc=0
	"$CTAUDIT" audit --netns "$NS" --profile db-client --format json >"$T/$1.json" 2>"$T/$1.err" || rc=$?
	echo "$rc"
}
result() { jq -r --arg r "$2" ".results[] | select(.rule == \$r) | $3" "$T/$1.json"; }

rc=$(audit before)
cta_assert_eq "exit status before the fix" "$rc" 1
cta_assert_eq "profile" "$(jq -r .profile "$T/before.json")" db-client

cta_assert_eq "tw_reuse without timestamps" \
	"$(result before tcp.tw_reuse.without_timestamps '"\(.status) \(.severity) \(.subject) \(.observed)"')" \
	"fail high sysctl:net.ipv4.tcp_tw_reuse tcp_tw_reuse=1, tcp_timestamps=0"
cta_assert_eq "timestamps off" \
	"$(result before tcp.timestamps.disabled '"\(.status) \(.severity)"')" "fail high"
cta_assert_eq "TIME_WAIT pressure" \
	"$(result before ports.ephemeral.time_wait_per_peer '"\(.status) \(.severity) \(.subject)"')" \
	"fail high sockets:ephemeral_ports"
cta_assert_eq "TIME_WAIT pressure observed" \
	"$(result before ports.ephemeral.time_wait_per_peer .observed)" \
	"9 in TIME_WAIT towards 127.0.0.1:5000, 10 ephemeral ports"
cta_assert_eq "TIME_WAIT pressure fix" \
	"$(result before ports.ephemeral.time_wait_per_peer '.remediation.sysctl["net.ipv4.tcp_timestamps"]')" "1"
cta_assert_eq "parity of 40000 40009" \
	"$(result before ports.ephemeral.same_parity .status)" pass
cta_assert_eq "high findings" "$(jq -r .summary.high "$T/before.json")" 3

# The story's fix: timestamps on.  tw_reuse now works for this loopback peer.
cta_in "$NS" sysctl -qw net.ipv4.tcp_timestamps=1
rc=$(audit after)
cta_assert_eq "exit status after the fix" "$rc" 0
cta_assert_eq "tw_reuse with timestamps" "$(result after tcp.tw_reuse.without_timestamps .status)" pass
cta_assert_eq "timestamps on" "$(result after tcp.timestamps.disabled .status)" pass
# the 9 TIME_WAIT sockets are still there (for up to 60 s); with timestamps on, new
# connections can take over TIME_WAIT ports, so the finding is no longer escalated
cta_assert_eq "TIME_WAIT pressure with working reuse" \
	"$(result after ports.ephemeral.time_wait_per_peer '"\(.status) \(.severity)"')" "fail medium"

cta_pass "seed 004 flagged in a live namespace and cleared by tcp_timestamps=1"
