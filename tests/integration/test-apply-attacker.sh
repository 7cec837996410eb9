#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 10: an unprivileged user (uid 65534, via setpriv) prepares roots,
# journals, reports, profile directories and symlinks; root's ctaudit either
# does what a correct one would inside the root or refuses with exit 2 or 3
# naming the path.  A canary tree outside the root never changes.
. "$(dirname "$0")/lib.sh"
cta_require_root
cta_require setpriv jq sha256sum

cta_tmpdir T
chmod 0755 "$T"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
OUT=$T/outside
mkdir -p "$OUT/victim"
printf 'secret\n' >"$OUT/victim/shadow"
printf 'keep me\n' >"$OUT/victim/x"
printf 'not ctaudit'"'"'s\n' >"$OUT/victim/90-ctaudit-db-client.conf"
chown -R 65534:65534 "$OUT"
canary() { (cd "$OUT" && find . -printf '%p %m %u %s %y\n' | sort && find . -type f -exec sha256sum {} + | sort); }
canary >"$T/canary.0"
check_canary() { canary | cmp -s - "$T/canary.0" || cta_fail "$1: the tree outside the root changed"; }

cta_netns_new NS
cta_in "$NS" sysctl -qw net.ipv4.tcp_timestamps=0
# conntrack in use (a NOTRACK plan needs it): a stateful accept rule
if command -v nft >/dev/null; then
	cta_in "$NS" nft -f - <<'NFT'
table inet f {
	chain in { type filter hook input priority 0; policy accept; ct state established,related accept; }
}
NFT
	if command -v cc >/dev/null; then
		cc -O2 -o "$T/tw-connect" "$CTA_SRCDIR/tests/integration/tw-connect.c"
		cta_in "$NS" "$T/tw-connect" 6000 1 0 >/dev/null
	fi
fi

# a fresh root owned by root, as a package or image build would leave it
newroot() {
	R=$T/r$((++nroot))
	mkdir -p "$R/etc/sysctl.d"
	A=(--profile db-client --netns "$NS" --root "$R")
}
nroot=0
# expect STATUS PATTERN CMD...: the command exits STATUS and its stderr has PATTERN
expect() {
	local want=$1 pat=$2 rc=0
	shift 2
	"$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
	[ "$rc" = "$want" ] || { cat "$T/out" "$T/err"; cta_fail "'$*' exited $rc, want $want"; }
	grep -qF -- "$pat" "$T/err" || { cat "$T/err"; cta_fail "'$*' does not say '$pat'"; }
}
ts() { cta_in "$NS" sysctl -n net.ipv4.tcp_timestamps; }

# 1a. the state directory is a symlink to a directory of the attacker's
newroot
mkdir -p "$R/var/lib"
ln -s "$OUT/victim" "$R/var/lib/ctaudit"
expect 2 "is a symlink" "$CTAUDIT" apply --yes "${A[@]}"
rm "$R/var/lib/ctaudit" && chown 65534:65534 "$R/var/lib"
expect 2 "is not owned by root" "$CTAUDIT" apply --yes "${A[@]}"
check_canary "state dir symlink"
cta_assert_eq "no change through a symlinked state dir" "$(ts)" 0
# 1b. a state directory owned by the attacker, and a world-writable one
newroot
mkdir -p "$R/var/lib/ctaudit" && chown 65534:65534 "$R/var/lib/ctaudit"
expect 2 "is not owned by root" "$CTAUDIT" apply --yes "${A[@]}"
chown 0:0 "$R/var/lib/ctaudit" && chmod 0777 "$R/var/lib/ctaudit"
expect 2 "is writable by group or others" "$CTAUDIT" rollback --root "$R"
cta_assert_eq "no change with an untrusted state dir" "$(ts)" 0
# 1c. the lock is a symlink to a file outside the root
newroot
mkdir -p "$R/run"
ln -s "$OUT/victim/lockfile" "$R/run/ctaudit.lock"
expect 2 "ctaudit.lock" "$CTAUDIT" apply --yes "${A[@]}"
[ -e "$OUT/victim/lockfile" ] && cta_fail "the lock was created outside the root"
check_canary "lock symlink"

# 1d. rollback of journals whose entries leave the allow-list: a path outside
# the root with mode 4755, a file to delete outside, a kernel.* key
newroot
"$CTAUDIT" apply --yes "${A[@]}" >/dev/null 2>&1 || cta_fail "apply for the journal failed"
cta_assert_eq "applied" "$(ts)" 1
J=$(ls -d "$R"/var/lib/ctaudit/journal/* | tail -n1)
cp "$J/journal.json" "$T/good.json"
tamper() { jq "$1" "$T/good.json" >"$J/journal.json" || cta_fail "jq $1"; }
tamper '.files[0].path = "/../../../../'"${OUT#/}"'/victim/x" | .files[0].existed = true | .files[0].mode = "4755" | .files[0].backup = "files/0"'
expect 2 "ctaudit never writes" "$CTAUDIT" rollback --root "$R"
tamper '.files[0].path = "/etc/sysctl.d/90-ctaudit-db-client.conf" | .files[0].existed = true | .files[0].mode = "4755" | .files[0].backup = "files/0"'
expect 2 "set-id" "$CTAUDIT" rollback --root "$R"
tamper '.sysctl[0].key = "kernel.hostname" | .sysctl[0].previous = "pwned"'
expect 2 "'kernel.hostname' is not a key ctaudit changes" "$CTAUDIT" rollback --root "$R"
tamper '.sysctl[0].previous = "1\nkernel.modprobe = /tmp/x"'
expect 2 "control character" "$CTAUDIT" rollback --root "$R"
tamper '.created_dirs = ["/var/lib/ctaudit"]'
expect 2 "is no directory of its files" "$CTAUDIT" rollback --root "$R"
check_canary "tampered journals"
cta_assert_eq "nothing rolled back by a bad journal" "$(ts)" 1
[ -e "$R/etc/sysctl.d/90-ctaudit-db-client.conf" ] || cta_fail "a bad journal removed our file"

# 8. the journal is bound to its target: another namespace, another root
cp "$T/good.json" "$J/journal.json"
cta_netns_new NS2
expect 2 "network namespace" "$CTAUDIT" rollback --root "$R" --netns "$NS2"
cp -a "$R" "$T/copy"
expect 2 "the journal is for the root" "$CTAUDIT" rollback --root "$T/copy"
rm -rf "$T/copy"
# and --netns-pid: the rollback must name the same namespace again
cta_in "$NS" sysctl -qw net.ipv4.tcp_timestamps=0
newroot
ip netns exec "$NS" sleep 60 &
PID=$!
cta_on_exit "kill $PID"
sleep 0.2
"$CTAUDIT" apply --yes --profile db-client --netns-pid "$PID" --root "$R" >/dev/null 2>&1 ||
	cta_fail "apply --netns-pid failed"
expect 2 "the journal is for the child network namespace" "$CTAUDIT" rollback --root "$R"
"$CTAUDIT" rollback --root "$R" --netns-pid "$PID" >/dev/null || cta_fail "rollback --netns-pid failed"
cta_assert_eq "rolled back in its namespace" "$(ts)" 0

# 2. sysctl.d swapped for a symlink while apply waits at its prompt (a pty)
if command -v script >/dev/null; then
	newroot
	chown 65534:65534 "$R/etc"
	mkfifo "$T/in"
	script -qec "$(printf '%q ' "$CTAUDIT" apply "${A[@]}")" /dev/null <"$T/in" >"$T/pty" 2>&1 &
	SPID=$!
	exec 3>"$T/in"
	for _ in $(seq 100); do grep -q 'apply these changes' "$T/pty" && break; sleep 0.1; done
	grep -q 'apply these changes' "$T/pty" || { cat "$T/pty"; cta_fail "no prompt"; }
	"${NOBODY[@]}" mv "$R/etc/sysctl.d" "$R/etc/sysctl.d.old"
	"${NOBODY[@]}" ln -s "$OUT/victim" "$R/etc/sysctl.d"
	echo y >&3
	exec 3>&-
	wait "$SPID" || true
	check_canary "swap at the prompt"
	# resolved in the root: the link's target below the root, never outside
	[ -e "$R/$OUT/victim/90-ctaudit-db-client.conf" ] || grep -q 'refus' "$T/pty" ||
		{ cat "$T/pty"; cta_fail "swap at the prompt: neither in the root nor refused"; }
	"$CTAUDIT" rollback --force --root "$R" >"$T/rb" 2>&1 || true
	check_canary "rollback after the swap at the prompt"
	rm -f "$T/in"
fi
# between apply and rollback: sysctl.d becomes a symlink to a directory outside
# holding a file of ctaudit's name; rollback removes nothing there
newroot
chown 65534:65534 "$R/etc"
"$CTAUDIT" apply --yes "${A[@]}" >/dev/null 2>&1 || cta_fail "apply before the swap failed"
"${NOBODY[@]}" mv "$R/etc/sysctl.d" "$R/etc/sysctl.d.old"
"${NOBODY[@]}" ln -s "$OUT/victim" "$R/etc/sysctl.d"
rc=0
"$CTAUDIT" rollback --force --root "$R" >"$T/rb" 2>&1 || rc=$?
check_canary "swap between apply and rollback"
[ -e "$OUT/victim/90-ctaudit-db-client.conf" ] || cta_fail "rollback removed a file outside the root"
cta_in "$NS" sysctl -qw net.ipv4.tcp_timestamps=0

# 3. a symlink planted at ctaudit's own file
newroot
chmod 0777 "$R/etc/sysctl.d"
printf 'root:x:0:0\n' >"$R/etc/shadow"
"${NOBODY[@]}" ln -s /etc/shadow "$R/etc/sysctl.d/90-ctaudit-db-client.conf"
expect 2 "refusing" "$CTAUDIT" apply --yes "${A[@]}"
chmod 0755 "$R/etc/sysctl.d"
expect 2 "is a symlink" "$CTAUDIT" apply --yes "${A[@]}"
cta_assert_eq "shadow untouched" "$(cat "$R/etc/shadow")" "root:x:0:0"
cta_assert_eq "no change through a planted symlink" "$(ts)" 0

# 4. a report whose remediations leave the allow-list
newroot
"$CTAUDIT" audit --format json --profile db-client --netns "$NS" --root "$R" >"$T/r.json" || true
jq -e '[.results[] | select(.status == "fail" and .remediation.sysctl != null)] | length > 0' "$T/r.json" >/dev/null ||
	cta_fail "no failing result with a sysctl remediation"
evil() {
	jq "(first(.results[] | select(.status == \"fail\" and .remediation.sysctl != null)).remediation.sysctl) |= $1" \
		"$T/r.json" >"$T/evil.json"
	chown 65534:65534 "$T/evil.json"
}
evil '. + {"kernel.core_pattern": "|/tmp/evil %p"}'
expect 2 "'kernel.core_pattern' is not a key ctaudit changes" "$CTAUDIT" apply --yes --report "$T/evil.json" "${A[@]}"
evil '. + {"net.ipv4.tcp_timestamps": "1\nkernel.modprobe = /tmp/x"}'
expect 2 "control character" "$CTAUDIT" apply --yes --report "$T/evil.json" "${A[@]}"
evil '. + {"../../../etc/x": "1"}'
expect 2 "is not a key ctaudit changes" "$CTAUDIT" apply --yes --report "$T/evil.json" "${A[@]}"
[ -e "$R/etc/sysctl.d/90-ctaudit-db-client.conf" ] && cta_fail "a refused report wrote a file"
cta_assert_eq "no change by a refused report" "$(ts)" 0
# issue 9 item 4: a report from another namespace is refused
"$CTAUDIT" audit --format json --profile db-client --netns "$NS2" --root "$R" >"$T/r2.json" || true
expect 2 "refusing the report" "$CTAUDIT" apply --yes --report "$T/r2.json" "${A[@]}"
cta_assert_eq "no change by a report of another namespace" "$(ts)" 0

# 5. a profile of another user in a world-writable --profile-dir
newroot
mkdir -m 1777 "$T/pd"
"${NOBODY[@]}" sh -c "printf 'profile: evil\ndescription: x\nextends: api-server\nparams:\n  notrack_ports: [\"1-65535\"]\n' >'$T/pd/evil.yaml'"
expect 2 "$T/pd" "$CTAUDIT" apply --yes --profile evil --profile-dir "$T/pd" --netns "$NS" --root "$R"
expect 2 "refusing to load it" "$CTAUDIT" plan --profile evil --profile-dir "$T/pd" --netns "$NS" --root "$R"
# a root-owned directory with the attacker's file in it
mkdir -m 0755 "$T/pd2" && cp "$T/pd/evil.yaml" "$T/pd2/" && chown 65534:65534 "$T/pd2/evil.yaml"
expect 2 "owned by uid 65534" "$CTAUDIT" apply --yes --profile evil --profile-dir "$T/pd2" --netns "$NS" --root "$R"
# root's own profile asking for every port: only with --allow-all-ports
chown 0:0 "$T/pd2/evil.yaml"
if [ -x "$T/tw-connect" ]; then
	expect 2 "needs --allow-all-ports" "$CTAUDIT" apply --yes --profile evil --profile-dir "$T/pd2" --netns "$NS" --root "$R"
	cta_assert_eq "no change by a refused profile" "$(ts)" 0
fi

# 5b. root's own directory and profile, inside a directory the attacker owns:
# they can rename it away and put their own in its place between two runs
mkdir -m 0755 "$T/evilparent" && chown 65534:65534 "$T/evilparent"
mkdir -m 0755 "$T/evilparent/pd" && cp "$T/pd2/evil.yaml" "$T/evilparent/pd/"
expect 2 "directory '$T/evilparent' is owned by uid 65534" "$CTAUDIT" plan --profile evil --profile-dir "$T/evilparent/pd" "${A[@]:2}"
# the same through a symlink to it from a trusted place: judged where it leads
ln -s "$T/evilparent/pd" "$T/pdlink"
expect 2 "directory '$T/evilparent' is owned by uid 65534" "$CTAUDIT" plan --profile evil --profile-dir "$T/pdlink" "${A[@]:2}"
# a group-writable parent is refused, a sticky world-writable one (like /tmp) is not
chown 0:0 "$T/evilparent" && chmod 0775 "$T/evilparent"
expect 2 "directory '$T/evilparent' is writable by group or others (mode 0775)" "$CTAUDIT" plan --profile evil --profile-dir "$T/evilparent/pd" "${A[@]:2}"
chmod 1777 "$T/evilparent"
"$CTAUDIT" profiles list --profile-dir "$T/evilparent/pd" >/dev/null 2>"$T/err" || { cat "$T/err"; cta_fail "a root-owned directory under a sticky one was refused"; }

# 5c. the root's site files are resolved inside the root: an absolute
# symlink in the image never reaches the host's files
newroot
mkdir -p "$R/etc/ctaudit"
ln -s "$T/pd2" "$R/etc/ctaudit/profiles"
expect 2 "unknown profile 'evil'" "$CTAUDIT" plan --profile evil --netns "$NS" --root "$R"
mkdir -p "$T/hostsite" && printf 'fail-on: info\nprofile: [evil]\n' >"$T/hostsite/ctaudit.yaml"
ln -s "$T/hostsite/ctaudit.yaml" "$R/etc/ctaudit/ctaudit.yaml"
"$CTAUDIT" audit --netns "$NS" --root "$R" --format json >"$T/out" 2>"$T/err" || true
grep -q "evil" "$T/err" && { cat "$T/err"; cta_fail "the host's ctaudit.yaml was read through the root's symlink"; }
rm "$R/etc/ctaudit/ctaudit.yaml"
# and the root's own site file must be root's
printf 'fail-on: info\n' >"$R/etc/ctaudit/ctaudit.yaml" && chown 65534:65534 "$R/etc/ctaudit/ctaudit.yaml"
expect 2 "refusing to load it: owned by uid 65534" "$CTAUDIT" audit --netns "$NS" --root "$R"
check_canary "site files"

# 6. --sysctl-file: only *.conf in sysctl.d, never sysctl.conf in any spelling
newroot
printf 'root:x:0:0\n' >"$R/etc/passwd"
printf 'net.ipv4.tcp_timestamps = 0\n' >"$R/etc/sysctl.conf"
for f in /etc/passwd /etc/sysctl.conf /etc/./sysctl.conf /etc//sysctl.conf /etc/sysctl.d/../passwd; do
	expect 2 "--sysctl-file" "$CTAUDIT" apply --yes --sysctl-file "$f" "${A[@]}"
done
ln -s ../sysctl.conf "$R/etc/sysctl.d/99-sysctl.conf"
expect 2 "is a symlink" "$CTAUDIT" apply --yes --sysctl-file /etc/sysctl.d/99-sysctl.conf "${A[@]}"
printf 'net.core.somaxconn = 4096\n' >"$R/etc/sysctl.d/50-local.conf"
expect 2 "ctaudit did not write it" "$CTAUDIT" apply --yes --sysctl-file /etc/sysctl.d/50-local.conf "${A[@]}"
cta_assert_eq "passwd untouched" "$(cat "$R/etc/passwd")" "root:x:0:0"
cta_assert_eq "sysctl.conf untouched" "$(cat "$R/etc/sysctl.conf")" "net.ipv4.tcp_timestamps = 0"

# 7. a busy xtables lock: plan and apply exit 3 saying what they could not read
if command -v iptables-legacy >/dev/null && command -v flock >/dev/null; then
	newroot
	cta_in "$NS" sysctl -qw net.ipv4.tcp_timestamps=0
	cta_in "$NS" iptables-legacy -t raw -S >/dev/null
	export XTABLES_LOCKFILE=$T/xtables.lock
	: >"$XTABLES_LOCKFILE"
	flock "$XTABLES_LOCKFILE" sleep 60 &
	LPID=$!
	sleep 0.3
	expect 3 "could not be read" "$CTAUDIT" plan "${A[@]}"
	expect 3 "could not be read" "$CTAUDIT" apply --yes "${A[@]}"
	cta_assert_eq "nothing applied without full facts" "$(ts)" 0
	[ -e "$R/etc/sysctl.d/90-ctaudit-db-client.conf" ] && cta_fail "a file written without full facts"
	kill "$LPID" 2>/dev/null || true
	wait "$LPID" 2>/dev/null || true
	unset XTABLES_LOCKFILE
fi

# 9. FIFOs never block: as a profile, a sysctl.d file, a validate argument, a report
newroot
mkfifo "$R/etc/sysctl.d/50-fifo.conf" "$T/fifo.json" "$T/fifo.yaml"
mkdir -m 0755 "$T/pd3" && mkfifo "$T/pd3/fifo.yaml"
rc=0
timeout 20 "$CTAUDIT" plan "${A[@]}" >/dev/null 2>&1 || rc=$?
[ "$rc" = 124 ] && cta_fail "plan blocked on a FIFO in sysctl.d"
expect 2 "not a regular file" timeout 20 "$CTAUDIT" plan --profile-dir "$T/pd3" "${A[@]}"
rc=0
timeout 20 "$CTAUDIT" validate "$T/fifo.yaml" >/dev/null 2>&1 || rc=$?
[ "$rc" = 124 ] && cta_fail "validate blocked on a FIFO"
expect 2 "not a regular file" timeout 20 "$CTAUDIT" apply --yes --report "$T/fifo.json" "${A[@]}"
# a facts file beyond the size limit
head -c $((33 << 20)) /dev/zero | tr '\0' ' ' >"$T/big.json"
expect 2 "larger than" "$CTAUDIT" plan --facts "$T/big.json"

# 10. modes and owners, fresh state dirs, a nonexistent --root
newroot
printf '# Written by ctaudit\nnet.ipv4.tcp_timestamps = 0\n' >"$R/etc/sysctl.d/90-ctaudit-db-client.conf"
chmod 0666 "$R/etc/sysctl.d/90-ctaudit-db-client.conf"
chown 123:456 "$R/etc/sysctl.d/90-ctaudit-db-client.conf"
"$CTAUDIT" apply --yes "${A[@]}" >/dev/null 2>&1 || cta_fail "apply over our own file failed"
cta_assert_eq "no longer writable by others" "$(stat -c %a "$R/etc/sysctl.d/90-ctaudit-db-client.conf")" 644
cta_assert_eq "owner kept" "$(stat -c %u:%g "$R/etc/sysctl.d/90-ctaudit-db-client.conf")" 123:456
cta_assert_eq "var 0755" "$(stat -c %a "$R/var")" 755
cta_assert_eq "var/lib 0755" "$(stat -c %a "$R/var/lib")" 755
cta_assert_eq "state dir 0700" "$(stat -c %a "$R/var/lib/ctaudit")" 700
# issue 9 item 7: a later edit is drift: listed, kept without --force
echo 'net.core.somaxconn = 1024' >>"$R/etc/sysctl.d/90-ctaudit-db-client.conf"
expect 1 "changed since the apply" "$CTAUDIT" rollback --root "$R"
"$CTAUDIT" rollback --force --root "$R" >/dev/null 2>"$T/err" || cta_fail "rollback --force failed"
grep -qF "overwriting: '/etc/sysctl.d/90-ctaudit-db-client.conf' was changed" "$T/err" ||
	cta_fail "--force does not say what it overwrote"
cta_assert_eq "mode restored" "$(stat -c %a "$R/etc/sysctl.d/90-ctaudit-db-client.conf")" 666
cta_assert_eq "owner restored" "$(stat -c %u:%g "$R/etc/sysctl.d/90-ctaudit-db-client.conf")" 123:456
expect 2 "does not exist" "$CTAUDIT" apply --yes --profile db-client --netns "$NS" --root "$T/typo"
[ -e "$T/typo" ] && cta_fail "a nonexistent --root was created"

check_canary "end"
cta_pass "attacker-prepared roots, journals, reports, profiles and symlinks: refused or confined"
