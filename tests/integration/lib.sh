# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for integration tests.  Source it first thing:
#   . "$(dirname "$0")/lib.sh"
# Every test runs the real binary ($CTAUDIT) against the real kernel, inside
# network namespaces it creates with cta_netns_new and that are removed on
# every exit path.  The host's own namespace is never changed.

set -euo pipefail

CTA_SRCDIR=${CTA_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CTAUDIT=${CTAUDIT:-$CTA_SRCDIR/build/ctaudit}
CTA_FIXTURES=${CTA_FIXTURES:-$CTA_SRCDIR/tests/fixtures}
export CTAUDIT_DATADIR=${CTAUDIT_DATADIR:-$CTA_SRCDIR}

_cta_netns=()
_cta_tmpdirs=()
_cta_cleanups=()

cta_skip() { echo "SKIP: $*"; exit 77; }
cta_fail() { echo "FAIL: $*" >&2; exit 1; }
cta_pass() { echo "PASS: $*"; }

cta_require_root() {
	[ "$(id -u)" = 0 ] || cta_skip "needs root"
	command -v ip >/dev/null || cta_skip "needs iproute2"
}

cta_require() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || cta_skip "needs $t"
	done
}

_cta_cleanup() {
	local rc=$? i
	set +e
	for ((i = ${#_cta_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cta_cleanups[$i]}" >/dev/null 2>&1
	done
	for ns in "${_cta_netns[@]}"; do
		# a live audit keeps a counter baseline per namespace below the
		# state directory; the host's own must not collect the test's
		ino=$(stat -L -c %i "/run/netns/$ns" 2>/dev/null) &&
			rm -f "/var/lib/ctaudit/baseline/$ino.json"
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	# and the directories, when the tests created them
	rmdir /var/lib/ctaudit/baseline /var/lib/ctaudit/journal /var/lib/ctaudit 2>/dev/null
	for d in "${_cta_tmpdirs[@]}"; do
		rm -rf "$d"
	done
	exit $rc
}
trap _cta_cleanup EXIT
trap 'exit 130' INT TERM

# Run a command at exit (in reverse order of registration), e.g. to restore a
# global sysctl such as nf_conntrack_max.
cta_on_exit() { _cta_cleanups+=("$*"); }

# cta_netns_new VAR: create a fresh namespace with lo up; its name goes in VAR.
cta_netns_new() {
	local name="cta-$(basename "$0" .sh | tr -c 'a-zA-Z0-9\n' -)-$$-${#_cta_netns[@]}"
	name=${name:0:60}
	ip netns add "$name" || cta_fail "cannot create netns $name"
	_cta_netns+=("$name")
	ip -n "$name" link set lo up
	printf -v "$1" '%s' "$name"
}

# cta_veth NS1 NS2 ADDR1/PFX ADDR2/PFX: connect two namespaces.
cta_veth() {
	local a=$1 b=$2 ia="v${RANDOM}a" ib="v${RANDOM}b"
	ip link add "$ia" netns "$a" type veth peer name "$ib" netns "$b"
	ip -n "$a" addr add "$3" dev "$ia"
	ip -n "$b" addr add "$4" dev "$ib"
	ip -n "$a" link set "$ia" up
	ip -n "$b" link set "$ib" up
}

# cta_tmpdir VAR: a temporary directory removed at exit.
cta_tmpdir() {
	local d
	d=$(mktemp -d /tmp/cta-test.XXXXXX)
	_cta_tmpdirs+=("$d")
	printf -v "$1" '%s' "$d"
}

# cta_twgen VAR: the loopback traffic generator (tests/integration/cta-twgen.c,
# built by CMake; compiled here when the test runs outside the build tree).
cta_twgen() {
	local p=${CTA_TWGEN:-${CTA_BINDIR:-$CTA_SRCDIR/build}/tests/cta-twgen} d
	if [ ! -x "$p" ]; then
		cta_require cc
		cta_tmpdir d
		cc -O2 -o "$d/cta-twgen" "$CTA_SRCDIR/tests/integration/cta-twgen.c" ||
			cta_fail "cannot build cta-twgen"
		p=$d/cta-twgen
	fi
	printf -v "$1" '%s' "$p"
}

# cta_in NS CMD...: run in the namespace.
cta_in() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# cta_jq FILE FILTER: jq -r on a JSON file (jq is a test dependency).
cta_jq() { jq -r "$2" "$1"; }

cta_assert_eq() {
	# cta_assert_eq WHAT GOT WANT
	[ "$2" = "$3" ] || cta_fail "$1: got '$2', want '$3'"
}
