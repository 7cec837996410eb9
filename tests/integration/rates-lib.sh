# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the counter tests (test-rates-*.sh): a full conntrack table in
# one namespace.  Source after lib.sh.

# rates_small_max N: set the global nf_conntrack_max to N, restored on exit.
# Every namespace's count is compared with it, so keep N above the initial
# namespace's count (the host's own flows must not be dropped).
rates_small_max() {
	local orig host
	orig=$(cat /proc/sys/net/netfilter/nf_conntrack_max)
	host=$(cat /proc/sys/net/netfilter/nf_conntrack_count)
	[ "$host" -lt $(($1 / 2)) ] || cta_skip "the host tracks $host flows: too many to lower nf_conntrack_max to $1"
	cta_on_exit "echo $orig > /proc/sys/net/netfilter/nf_conntrack_max"
	echo "$1" >/proc/sys/net/netfilter/nf_conntrack_max
	RATES_ORIG_MAX=$orig
}

# rates_fill NS N: N ASSURED (never evicted by early_drop) entries in NS.
rates_fill() {
	local ns=$1 n=$2 i
	for ((i = 1; i <= n; i++)); do
		cta_in "$ns" conntrack -I -p tcp -s 10.77.0.1 -d 10.77.0.2 --sport $((20000 + i)) \
			--dport 80 --state ESTABLISHED -u ASSURED,SEEN_REPLY -t 600 >/dev/null 2>&1 || break
	done
}

# rates_track NS: a rule that needs conntrack, so the namespace tracks packets.
rates_track() {
	cta_in "$1" nft -f - <<-'EOF'
		table inet ctaudit_rates_test {
			chain out { type filter hook output priority 0; ct state new counter accept; }
		}
	EOF
}

# rates_syns NS COUNT: COUNT new TCP flows on loopback (each SYN is dropped
# when the table is full), one second each at most.
rates_syns() {
	local ns=$1 n=$2 i
	for ((i = 0; i < n; i++)); do
		cta_in "$ns" timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$((30000 + i))" 2>/dev/null || true
	done
}

# rates_drop NS: the namespace's conntrack drop counter.
rates_drop() {
	cta_in "$1" conntrack -S 2>/dev/null | sed -n 's/.* drop=\([0-9]*\).*/\1/p' | awk '{s += $1} END {print s + 0}'
}

# rates_inode NS: the namespace's inode (what 6.17+ names in "table full in netns N").
rates_inode() { cta_in "$1" stat -L -c %i /proc/self/ns/net; }

# rates_kmsg_named INODE: "table full in netns INODE" lines in the kernel log.
rates_kmsg_named() {
	dmesg 2>/dev/null | grep -c "table full in netns $1, dropping packet" || true
}

# rates_result FILE RULE FIELD: a field of one rule's result in an audit report.
rates_result() { jq -r --arg r "$2" ".results[] | select(.rule == \$r) | .$3" "$1"; }
