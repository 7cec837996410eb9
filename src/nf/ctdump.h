/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_NF_CTDUMP_H
#define CTA_NF_CTDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include "nf/nl.h"

/*
 * Two pieces shared by `ctaudit top`, facts.conntrack.top, helpers.in_use
 * and the socket collector (sockdiag.c), plus the netlink dump loop of nl.h
 * they run on:
 *
 *  - struct cta_agg: a counter per binary key in an open-addressing hash
 *    table.  Its memory grows with the number of distinct keys, never with
 *    the number of entries counted.
 *  - the ctnetlink walker: one IPCTNL_MSG_CT_GET dump of the conntrack table,
 *    attributes walked in place (no libnetfilter_conntrack objects, no
 *    allocation per entry), fed to up to CTA_CT_AGG_MAX aggregations at once.
 */

struct nlmsghdr;

/* ---- aggregation table ---- */

/* Longest key: family + proto + two IPv6 addresses + port, padded to 8. */
#define CTA_AGG_KEY_MAX 40

struct cta_agg {
	size_t key_size; /* bytes compared and hashed: key length rounded up to 8 */
	size_t slot_size; /* header + key_size */
	size_t cap; /* slots, a power of two (0 before the first add) */
	size_t n; /* distinct keys */
	uint64_t total; /* sum of all counts */
	unsigned char *slots;
};

/* One key and its count, as returned by cta_agg_top(); @key points into the table. */
struct cta_agg_item {
	const unsigned char *key;
	uint64_t count;
};

/* Initialize an empty table for keys of @key_len bytes (1..CTA_AGG_KEY_MAX). */
void cta_agg_init(struct cta_agg *a, size_t key_len);
void cta_agg_done(struct cta_agg *a);
/* Forget all keys but keep the memory (a dump restarts). */
void cta_agg_reset(struct cta_agg *a);

/*
 * Add @n to the count of @key.  @key must be a buffer of a->key_size bytes
 * whose bytes past the key length are zero.  Returns 0 or -ENOMEM.
 */
int cta_agg_add(struct cta_agg *a, const void *key, uint64_t n);

/*
 * As cta_agg_add(), but a key not in the table yet is refused once it holds
 * @max_keys keys (0: no limit).  Returns 0 (added), 1 (refused: the caller
 * counts it elsewhere) or -ENOMEM.
 */
int cta_agg_add_bounded(struct cta_agg *a, const void *key, uint64_t n, size_t max_keys);

/* The count of @key (a->key_size bytes, zero padded), 0 when absent. */
uint64_t cta_agg_get(const struct cta_agg *a, const void *key);

/* Add every count of @src to @dst (same key length).  Returns 0 or -ENOMEM. */
int cta_agg_merge(struct cta_agg *dst, const struct cta_agg *src);

/*
 * The @max keys with the highest counts (all keys when @max is 0), sorted by
 * count descending, then by key bytes ascending (numeric order for the
 * addresses and ports that keys hold in network byte order).  Returns the
 * number of items in a new array owned by the caller (its keys stay owned by
 * the table), or -ENOMEM.
 */
ssize_t cta_agg_top(const struct cta_agg *a, size_t max, struct cta_agg_item **ret);

/* ---- ctnetlink counters ---- */

/*
 * The conntrack statistics of the current network namespace: the per-CPU
 * counters of IPCTNL_MSG_CT_GET_STATS_CPU summed over the CPUs, and the
 * entry count and limit of IPCTNL_MSG_CT_GET_STATS.  Arrays are indexed by
 * the CTA_STATS_* / CTA_STATS_GLOBAL_* attribute types; counters the kernel
 * did not send (older kernels) have have_*[type] false.
 */
struct cta_ct_stats {
	uint64_t cpu[CTA_STATS_MAX + 1];
	bool have_cpu[CTA_STATS_MAX + 1];
	uint32_t global[CTA_STATS_GLOBAL_MAX + 1];
	bool have_global[CTA_STATS_GLOBAL_MAX + 1];
	unsigned cpus;
};

/*
 * Fill @ret (zeroed first).  The global record is optional (a cross-check;
 * its failure is ignored).  Waits at most 2 s for each answer.  Returns 0,
 * -ENODATA (no per-CPU record), or negative errno (-EPERM without
 * CAP_NET_ADMIN, -EAGAIN on timeout).
 */
int cta_ct_stats_read(struct cta_ct_stats *ret);

/* ---- conntrack entries ---- */

/* The fields of one conntrack entry (original direction) that ctaudit counts. */
struct cta_ct_entry {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t proto; /* IPPROTO_* */
	bool has_ports; /* tcp, udp, udplite, sctp, dccp */
	uint8_t state; /* TCP conntrack state (TCP_CONNTRACK_*), CTA_CT_STATE_NONE if none */
	uint8_t src[16]; /* network order; IPv4 in the first 4 bytes */
	uint8_t dst[16];
	uint16_t sport; /* host order */
	uint16_t dport;
	uint16_t zone;
	uint32_t mark;
	uint32_t status; /* IPS_* bits */
	char helper[17]; /* "" when no helper */
};

#define CTA_CT_STATE_NONE 0xff

/*
 * Fill @e from one IPCTNL_MSG_CT_NEW message of a dump.  Returns 0, or
 * -EINVAL when the message is not a conntrack entry with an original tuple.
 */
int cta_ct_parse(const struct nlmsghdr *nlh, struct cta_ct_entry *e);

enum cta_ct_by {
	CTA_CT_BY_SRC,
	CTA_CT_BY_DST,
	CTA_CT_BY_DPORT,
	CTA_CT_BY_PROTO,
	CTA_CT_BY_STATE,
	CTA_CT_BY_HELPER,
	CTA_CT_BY_ZONE,
	CTA_CT_BY_MARK,
	CTA_CT_BY_FLOW,
	_CTA_CT_BY_MAX,
};

/* "src", "dst", ... ; cta_ct_by_from_name returns -EINVAL for an unknown name. */
const char *cta_ct_by_name(enum cta_ct_by by);
int cta_ct_by_from_name(const char *name);

/* Key length of an aggregation by @by. */
size_t cta_ct_key_len(enum cta_ct_by by);
/* Write @e's key for @by into @key (CTA_AGG_KEY_MAX bytes, zero padding included). */
void cta_ct_key(const struct cta_ct_entry *e, enum cta_ct_by by, unsigned char *key);

/*
 * Print a key as text ("10.0.0.1", "tcp/80", "ESTABLISHED", "ftp" or "-",
 * "10.0.0.1 -> 10.0.0.9:80") into @buf of @size bytes
 * (CTA_CT_KEY_STRLEN is always enough).  Returns @buf.
 */
#define CTA_CT_KEY_STRLEN 128
char *cta_ct_key_format(enum cta_ct_by by, const unsigned char *key, char *buf, size_t size);

/* Names: "tcp", "udp", ... or the number; TCP conntrack states as conntrack -L prints them. */
const char *cta_ip_proto_name(unsigned proto, char *buf, size_t size);
const char *cta_ct_tcp_state_name(unsigned state);

/*
 * Filter: space-separated terms, all of which must match:
 *   proto=NAME|NUM  src=IP[/PFX]  dst=IP[/PFX]  dport=N[-M]  state=NAME
 *   zone=N  mark=N[/MASK]  status=[!]FLAG[,[!]FLAG...]
 * (status flags: the IPS_* names without the prefix, and UNREPLIED for
 * !SEEN_REPLY, as conntrack -L prints it)
 */
struct cta_ct_term;
struct cta_ct_filter {
	struct cta_ct_term *terms;
	size_t n;
};

/*
 * Parse @expr.  Returns 0, or -EINVAL with a message in @ret_err ("unknown
 * filter term 'x'"; caller frees), or -ENOMEM.
 */
int cta_ct_filter_parse(const char *expr, struct cta_ct_filter *ret, char **ret_err);
void cta_ct_filter_done(struct cta_ct_filter *f);
bool cta_ct_filter_match(const struct cta_ct_filter *f, const struct cta_ct_entry *e);

/* ---- kernel-side selection ---- */

/*
 * Which entries the kernel sends in a dump (ctnetlink_alloc_filter,
 * ctnetlink_filter_match in net/netfilter/nf_conntrack_netlink.c): those with
 * (mark & mark_mask) == mark when mark_mask is not 0, (status & status_mask)
 * == status when status_mask is not 0 (IPS_* bits; Linux 5.15, "netfilter:
 * ctnetlink: allow to filter dump by status bits"), of family @l3num when it
 * is not 0, of zone @zone when @has_zone (Linux 6.8, "netfilter: ctnetlink:
 * support filtering by zone"; the kernel skips the test for zone 0), and
 * whose original tuple equals @src, @dst, @proto, @dport in the fields
 * @orig_flags names (CTA_FILTER, Linux 5.9, "netfilter: ctnetlink: add kernel
 * side filtering for dump"; needs @l3num, compares whole addresses, and
 * ports only for TCP and UDP).  All zero: every entry.  A kernel without
 * CONFIG_NF_CONNTRACK_MARK refuses a mark selection (-EOPNOTSUPP), and
 * kernels older than a selection ignore it, so a caller that needs exact
 * results checks each entry as well.
 */
struct cta_ct_dump_filter {
	uint32_t mark, mark_mask;
	uint32_t status, status_mask;
	uint8_t l3num; /* AF_INET, AF_INET6, 0: both */
	bool has_zone;
	uint16_t zone;
	uint32_t orig_flags; /* CTA_CT_ORIG_* */
	uint8_t src[16], dst[16]; /* network order */
	uint8_t proto;
	uint16_t dport; /* host order */
};

/* CTA_FILTER_ORIG_FLAGS bits (CTA_FILTER_F_* of net/netfilter/nf_internals.h,
 * which no uapi header exports). */
#define CTA_CT_ORIG_SRC (1u << 0)
#define CTA_CT_ORIG_DST (1u << 1)
#define CTA_CT_ORIG_PROTO (1u << 3)
#define CTA_CT_ORIG_DPORT (1u << 5)

/* Room for the request with every selection attribute. */
#define CTA_CT_DUMP_REQ_SIZE 256

/*
 * Write the IPCTNL_MSG_CT_GET dump request selecting @f (NULL: everything)
 * with sequence number @seq into @buf (CTA_CT_DUMP_REQ_SIZE bytes, zeroed
 * here).  Mark, status and family are built by libnetfilter_conntrack's
 * nfct_nlmsg_build_filter(), which knows their layout; the zone and the
 * CTA_FILTER tuple, which it has no nlmsg builder for, with libmnl.  Returns
 * the request's length or -ENOMEM.
 */
int cta_ct_dump_request(void *buf, const struct cta_ct_dump_filter *f, uint32_t seq);

/* Kernel selections a translation may use (all: CTA_CT_KSEL_ALL). */
enum {
	CTA_CT_KSEL_MARK = 1u << 0, /* mark/mask and family */
	CTA_CT_KSEL_ZONE = 1u << 1, /* CTA_ZONE */
	CTA_CT_KSEL_TUPLE = 1u << 2, /* CTA_FILTER */
	CTA_CT_KSEL_STATUS = 1u << 3, /* CTA_STATUS + CTA_STATUS_MASK */
	CTA_CT_KSEL_ALL = 15,
};

/* Where a filter was evaluated. */
enum cta_ct_filtered_in {
	CTA_CT_FILTERED_NONE, /* no filter */
	CTA_CT_FILTERED_USERSPACE,
	CTA_CT_FILTERED_KERNEL,
	CTA_CT_FILTERED_BOTH,
};

/* "userspace", "kernel", "both" (NULL for NONE). */
const char *cta_ct_filtered_in_name(enum cta_ct_filtered_in w);

/*
 * Translate the terms of @f the kernel can evaluate with the selections in
 * @ksel into @ret (zeroed first).  The kernel then sends a superset of the
 * matching entries: a term it evaluates exactly sets its bit (1 << index) in
 * *ret_exact; the others (state, prefixes shorter than the address, port
 * ranges, zone 0, a second term of a kind) are left to
 * cta_ct_filter_match().  @f may be NULL.
 */
void cta_ct_filter_translate(const struct cta_ct_filter *f, unsigned ksel,
			     struct cta_ct_dump_filter *ret, uint64_t *ret_exact);

/* Does entry @e pass term @i of @f (for finding a selection the kernel ignored)? */
bool cta_ct_filter_match_term(const struct cta_ct_filter *f, size_t i,
			      const struct cta_ct_entry *e);

/* ---- one dump, several aggregations ---- */

#define CTA_CT_AGG_MAX 4

struct cta_ctdump {
	const struct cta_ct_filter *filter; /* NULL: every entry */
	/* Set before running: evaluate @filter in user space only (the
	 * test-only switch that proves both paths give the same counts). */
	bool userspace_only;
	struct cta_ct_dump_filter kfilter; /* what the kernel sends (set by cta_ctdump_run) */
	uint64_t kexact; /* filter terms the kernel evaluated (bit per term) */
	size_t n_aggs;
	enum cta_ct_by by[CTA_CT_AGG_MAX];
	struct cta_agg agg[CTA_CT_AGG_MAX];
	uint64_t scanned; /* entries the kernel sent */
	uint64_t entries; /* entries that matched the filter */
	uint64_t kernel_misses; /* entries sent that failed a term the kernel was given */
	uint64_t kignored; /* those terms (bit per term) */
	bool approximate; /* the dump stayed interrupted after all retries */
	/* Results of cta_ctdump_run(): where the filter was evaluated, and
	 * why a kernel selection was dropped (a static string, or NULL). */
	enum cta_ct_filtered_in filtered_in;
	const char *fallback;
};

/* Prepare @d to count by @by[0..n) (n <= CTA_CT_AGG_MAX). */
void cta_ctdump_init(struct cta_ctdump *d, const enum cta_ct_by *by, size_t n,
		     const struct cta_ct_filter *filter);
void cta_ctdump_done(struct cta_ctdump *d);

/* cta_nldump consumer callbacks (also used by the unit tests on recorded replies). */
void cta_ctdump_reset(void *data);
int cta_ctdump_msg(const struct nlmsghdr *nlh, void *data);

/*
 * Dump the conntrack table of the current network namespace (IPv4 and IPv6)
 * into @d.  The filter's terms the kernel can evaluate are sent with the
 * request (cta_ct_filter_translate; one dump per family when a tuple
 * selection has no family); every entry the kernel sends is checked against
 * the whole filter, so the counts are the same wherever it was evaluated.
 * A selection the running kernel refuses (-EOPNOTSUPP, -EINVAL) or ignores
 * (an entry arrives that fails it) is not used again in this process.
 * Returns 0 or negative errno (-EPERM without CAP_NET_ADMIN).
 */
int cta_ctdump_run(struct cta_ctdump *d);

#endif
