#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# apply never takes down the service it exempts (issue 9 item 1).  A real TCP
# service on port 8080 in a server namespace, a client in another one, and a
# profile asking NOTRACK for 8080, behind each of: an nft stateful drop
# policy, an iptables-legacy stateful INPUT, a DNAT to the port, a REDIRECT
# to the port, and an ip6tables-legacy stateful INPUT over IPv6.  The service
# answers before; `apply --yes` runs; it still answers afterwards.  In each of
# these the NOTRACK rule would break it, so the plan must refuse it with the
# reason and leave the rule sets byte-identical.  A control with an
# accepting filter gets its NOTRACK rule and still answers.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require nft jq cc iptables-legacy ip6tables-legacy iptables-legacy-save ip6tables-legacy-save

cta_tmpdir T
mkdir -p "$T/profiles"
cat >"$T/profiles/api-notrack.yaml" <<'YAML'
profile: api-notrack
description: api-server with NOTRACK for port 8080 (integration test)
extends: api-server
params:
  notrack_ports: ["8080"]
YAML
cc -O2 -o "$T/svc" "$CTA_SRCDIR/tests/integration/cta-svc.c" || cta_fail "cannot build cta-svc"

rules() { # rules NS: every rule set of the namespace
	cta_in "$1" nft list ruleset
	cta_in "$1" iptables-legacy-save | sed -e '/^#/d' -e 's/\[[0-9]*:[0-9]*\]//'
	cta_in "$1" ip6tables-legacy-save | sed -e '/^#/d' -e 's/\[[0-9]*:[0-9]*\]//'
}

# case NAME SETUP-FUNCTION CLIENT-ADDR SERVICE-ADDR [DEST-PORT] [expect-notrack]
run_case() {
	local name=$1 setup=$2 caddr=$3 saddr=$4 dport=${5:-8080} expect=${6:-refused}
	local C S R=$T/$name/root rc=0 i
	mkdir -p "$R/etc/sysctl.d"
	cta_netns_new C
	cta_netns_new S
	cta_veth "$C" "$S" "$caddr" "$saddr"
	caddr=${caddr%/*}
	saddr=${saddr%/*}
	"$setup" "$S" "$saddr"
	# IPv6 duplicate address detection must finish before the service can bind
	for i in $(seq 50); do
		[ -z "$(ip -n "$S" addr show tentative)$(ip -n "$C" addr show tentative)" ] && break
		sleep 0.1
	done
	cta_in "$S" "$T/svc" serve "$saddr" 8080 60 >"$T/$name.svc" &
	for i in $(seq 50); do grep -q ready "$T/$name.svc" 2>/dev/null && break; sleep 0.1; done
	for i in $(seq 50); do
		cta_in "$C" "$T/svc" get "$saddr" "$dport" 300 >/dev/null 2>&1 && break
		sleep 0.1
	done
	cta_in "$C" "$T/svc" get "$saddr" "$dport" 1000 >"$T/$name.get0" ||
		cta_fail "$name: the service does not answer before apply: $(cat "$T/$name.get0")"
	rules "$S" >"$T/$name.rules0"

	A=(--profile api-notrack --profile-dir "$T/profiles" --netns "$S" --root "$R")
	"$CTAUDIT" plan "${A[@]}" --format json >"$T/$name.plan.json" 2>"$T/$name.plan.err" || true
	"$CTAUDIT" apply --yes "${A[@]}" >"$T/$name.apply" 2>&1 || rc=$?

	cta_in "$C" "$T/svc" get "$saddr" "$dport" 2000 >"$T/$name.get1" || {
		cat "$T/$name.apply"
		cta_fail "$name: apply (exit $rc) took the service down: $(cat "$T/$name.get1")"
	}
	rules "$S" >"$T/$name.rules1"
	if [ "$expect" = refused ]; then
		cta_assert_eq "$name: refused NOTRACK port" \
			"$(jq -r '[.refused[] | select(.kind == "notrack") | .key] | join(",")' "$T/$name.plan.json")" \
			"tcp/8080"
		jq -r '.refused[0].reason' "$T/$name.plan.json" | grep -q "predicted to make" ||
			cta_fail "$name: the refusal gives no reason"
		grep -q "refused (predicted to make a rule fail" "$T/$name.apply" ||
			{ cat "$T/$name.apply"; cta_fail "$name: apply does not show the refusal"; }
		diff -u "$T/$name.rules0" "$T/$name.rules1" ||
			cta_fail "$name: the rule sets changed although NOTRACK was refused"
	else
		cta_assert_eq "$name: apply exit" "$rc" 0
		cta_assert_eq "$name: nothing refused" "$(jq '.refused | length' "$T/$name.plan.json")" 0
		grep -q 'dport 8080 notrack' "$T/$name.rules1" ||
			cta_fail "$name: no NOTRACK rule installed"
	fi
	# whatever it did, the next plan changes nothing and breaks nothing
	rc=0
	"$CTAUDIT" plan "${A[@]}" >"$T/$name.plan2" 2>&1 || rc=$?
	[ "$rc" = 0 ] || { cat "$T/$name.plan2"; cta_fail "$name: plan after apply exits $rc"; }
}

nft_stateful() {
	cta_in "$1" nft -f - <<'NFT'
table inet f {
	chain in {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		iif lo accept
		tcp dport 8080 ct state new accept
	}
}
NFT
}
legacy_stateful() {
	cta_in "$1" iptables-legacy -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	cta_in "$1" iptables-legacy -A INPUT -i lo -j ACCEPT
	cta_in "$1" iptables-legacy -A INPUT -p tcp --dport 8080 -m conntrack --ctstate NEW -j ACCEPT
	cta_in "$1" iptables-legacy -P INPUT DROP
}
legacy6_stateful() {
	cta_in "$1" ip6tables-legacy -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	cta_in "$1" ip6tables-legacy -A INPUT -i lo -j ACCEPT
	cta_in "$1" ip6tables-legacy -A INPUT -p ipv6-icmp -j ACCEPT
	cta_in "$1" ip6tables-legacy -A INPUT -p tcp --dport 8080 -m conntrack --ctstate NEW -j ACCEPT
	cta_in "$1" ip6tables-legacy -P INPUT DROP
}
nft_dnat() {
	cta_in "$1" nft -f - <<NFT
table ip n {
	chain pre { type nat hook prerouting priority dstnat; tcp dport 9090 dnat to $2:8080; }
}
NFT
}
legacy_redirect() {
	cta_in "$1" iptables-legacy -t nat -A PREROUTING -p tcp --dport 9090 -j REDIRECT --to-ports 8080
}
nft_accepting() { # conntrack active (a rule needs it), nothing dropped
	cta_in "$1" nft -f - <<'NFT'
table inet f {
	chain in { type filter hook input priority 0; policy accept; ct state established,related accept; }
}
NFT
}

run_case nft-stateful nft_stateful 10.99.1.1/24 10.99.1.2/24
run_case legacy-stateful legacy_stateful 10.99.2.1/24 10.99.2.2/24
run_case nft-dnat nft_dnat 10.99.3.1/24 10.99.3.2/24 9090
run_case legacy-redirect legacy_redirect 10.99.4.1/24 10.99.4.2/24 9090
run_case ipv6-legacy-stateful legacy6_stateful fd99:5::1/64 fd99:5::2/64
run_case control nft_accepting 10.99.6.1/24 10.99.6.2/24 8080 installed
cta_pass "apply keeps the service answering: NOTRACK refused behind a stateful drop, DNAT or REDIRECT"
