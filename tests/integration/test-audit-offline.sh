#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Pre-deployment audit of an image tree (--offline --root): the rules judge the
# values the image boots with (its sysctl.d hierarchy), for the kernel found
# under lib/modules; nothing of the live host is read, so no root is needed.
. "$(dirname "$0")/lib.sh"

cta_tmpdir T
R=$T/image
mkdir -p "$R/etc/sysctl.d" "$R/usr/lib/sysctl.d" "$R/lib/modules/4.19.0-27-amd64" \
	"$R/lib/modules/5.15.0-91-generic"
# the seed 000/004 advice, as an image would carry it
cat >"$R/etc/sysctl.conf" <<'CONF'
net.ipv4.tcp_tw_recycle = 1
net.ipv4.tcp_tw_reuse = 1
net.ipv4.tcp_timestamps = 0
net.ipv4.tcp_keepalive_time = 3
CONF
printf 'net.ipv4.tcp_fin_timeout = 60\n' >"$R/usr/lib/sysctl.d/50-default.conf"
printf 'net.ipv4.tcp_fin_timeout = 3\n' >"$R/etc/sysctl.d/60-tuning.conf"

set +e
"$CTAUDIT" audit --offline --root "$R" --profile db-client --format json >"$T/a.json"
rc=$?
set -e
cta_assert_eq "exit status (high findings)" "$rc" 1
cta_assert_eq "kernel: newest under lib/modules" "$(cta_jq "$T/a.json" .host.kernel)" 5.15.0-91-generic
status() { cta_jq "$T/a.json" ".results[] | select(.rule == \"$1\") | .status"; }
cta_assert_eq "tw_recycle stale on 5.15" "$(status tcp.tw_recycle.stale_persisted)" fail
cta_assert_eq "tw_recycle runtime rule" "$(status tcp.tw_recycle.enabled)" skip
cta_assert_eq "tw_reuse without timestamps" "$(status tcp.tw_reuse.without_timestamps)" fail
cta_assert_eq "timestamps off" "$(status tcp.timestamps.disabled)" fail
cta_assert_eq "keepalive 3 s" "$(status tcp.keepalive.time_too_low)" fail
cta_assert_eq "fin_timeout 3 s (the later file wins)" "$(status tcp.fin_timeout.too_low)" fail
cta_assert_eq "drift needs runtime values" "$(status drift.runtime_differs)" skip
cta_assert_eq "conntrack is not judged offline" "$(status conntrack.usage)" skip

# --kernel names the kernel the image will boot: on 4.9 tcp_tw_recycle still
# exists, so the setting is live (critical), not stale
set +e
"$CTAUDIT" audit --offline --kernel 4.9.0-19-amd64 --root "$R" --profile db-client \
	--format json >"$T/b.json"
set -e
cta_assert_eq "--kernel" "$(cta_jq "$T/b.json" .host.kernel)" 4.9.0-19-amd64
cta_assert_eq "tw_recycle on 4.9" \
	"$(cta_jq "$T/b.json" '.results[] | select(.rule == "tcp.tw_recycle.enabled") | .status + " " + .severity')" \
	"fail critical"

# the image is only read
before=$(find "$R" -printf '%p %s %T@\n' | sort | sha256sum)
"$CTAUDIT" facts --offline --root "$R" --format json >/dev/null
cta_assert_eq "image unchanged" "$(find "$R" -printf '%p %s %T@\n' | sort | sha256sum)" "$before"
cta_pass "offline image audit"
