# SPDX-License-Identifier: GPL-2.0-or-later
# Conntrack helpers on a NAT gateway, live: in a fresh namespace an nft rule
# assigns the ftp helper and an FTP-like control connection makes the kernel
# use it; `ctaudit audit --profile nat-gateway` must flag the helper as
# assigned and in use (high on this role).  A namespace without the rule
# passes both.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require jq nft

cta_twgen TWGEN
cta_tmpdir T

audit() {
	local rc=0
	"$CTAUDIT" audit --netns "$NS" --profile nat-gateway --format json >"$T/$1.json" 2>"$T/$1.err" || rc=$?
	echo "$rc"
}
result() { jq -r --arg r "$2" ".results[] | select(.rule == \$r) | $3" "$T/$1.json"; }

cta_netns_new NS
cta_in "$NS" nft -f - <<'NFT' || cta_fail "nft ruleset"
table inet ctahelp {
	ct helper ftp-h { type "ftp" protocol tcp; }
	chain out { type filter hook output priority 0; tcp dport 21 ct helper set "ftp-h"; }
}
NFT
# one control connection held for 5 s; wait until it is set up
cta_in "$NS" "$TWGEN" ftp 127.0.0.1 127.0.0.1 21 5 >"$T/ftp.out" &
ftp_pid=$!
cta_on_exit "kill $ftp_pid"
for _ in $(seq 50); do
	grep -q ready "$T/ftp.out" && break
	sleep 0.1
done
grep -q ready "$T/ftp.out" || cta_fail "ftp control connection not ready"

rc=$(audit bad)
cta_assert_eq "exit status with the helper" "$rc" 1
cta_assert_eq "helper assigned" \
	"$(result bad helpers.assigned '"\(.status) \(.severity) \(.subject) \(.observed)"')" "fail high helper:ftp ftp"
cta_assert_eq "helper in use" \
	"$(result bad helpers.in_use '"\(.status) \(.severity) \(.subject)"')" "fail high helper:ftp"

# Entries that used the helper outlive the connection (closing states), so
# the namespace that had it keeps "in use" for a while: check a fresh one.
cta_netns_new NS
# forwarding is part of the role: without it the exit status stays 1
cta_in "$NS" sysctl -qw net.ipv4.ip_forward=1
rc=$(audit good)
cta_assert_eq "helper not assigned" "$(result good helpers.assigned .status)" pass
cta_assert_eq "helper not in use" "$(result good helpers.in_use .status)" pass
cta_assert_eq "exit status without the helper" "$rc" 0

cta_pass "ftp helper flagged as assigned and in use on a nat-gateway, and cleared"
