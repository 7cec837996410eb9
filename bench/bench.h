/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTA_BENCH_BENCH_H
#define CTA_BENCH_BENCH_H

/*
 * Shared by the bench generators: seedable randomness and a skewed picker
 * (the same seed must give the same table on every machine, so no rand()),
 * and the guard that keeps them out of the host's own namespace.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

/* splitmix64: tiny, seedable, good enough to spread tuples */
static inline uint64_t bench_rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform double in [0, 1). */
static inline double bench_rng_unit(uint64_t *s)
{
	return (double)(bench_rng_next(s) >> 11) / (double)(1ULL << 53);
}

/*
 * Index 0 is the heavy hitter, drawn with probability skew percent; otherwise
 * 1..k following Zipf(1), so the tail is long but not flat.
 */
struct bench_picker {
	double *cdf;
	unsigned k;
	unsigned skew;
};

/* Returns 0 or -ENOMEM; free p->cdf when done. */
static inline int bench_picker_init(struct bench_picker *p, unsigned k, unsigned skew)
{
	double sum = 0;

	p->cdf = calloc(k ? k : 1, sizeof(double));
	if (!p->cdf)
		return -ENOMEM;
	for (unsigned i = 0; i < k; i++) {
		sum += 1.0 / (double)(i + 1);
		p->cdf[i] = sum;
	}
	for (unsigned i = 0; i < k; i++)
		p->cdf[i] /= sum;
	p->k = k;
	p->skew = k ? skew : 100;
	return 0;
}

static inline unsigned bench_picker_pick(const struct bench_picker *p, uint64_t *rng)
{
	double u;
	unsigned lo = 0, hi;

	if (bench_rng_next(rng) % 100 < p->skew)
		return 0;
	u = bench_rng_unit(rng);
	hi = p->k - 1;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (p->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo + 1;
}

/*
 * init_net's nsfs inode is fixed (PROC_NET_INIT_INO) since the kernel gave the
 * initial namespaces constant inode numbers (6.x); used when /proc/1/ns/net
 * cannot be read, as in containers that hide PID 1.
 */
#define BENCH_PROC_NET_INIT_INO 0xEFFFFFF9U

/*
 * Returns 1 when running in the host's network namespace (that of PID 1, or
 * init_net), 0 when not, negative errno when our own cannot be read.  The
 * generators fill tables and make sockets: only a throwaway netns is fair game.
 */
static inline int bench_in_init_netns(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/net", &self) < 0)
		return errno > 0 ? -errno : -EIO;
	if (self.st_ino == BENCH_PROC_NET_INIT_INO)
		return 1;
	if (stat("/proc/1/ns/net", &init) == 0)
		return self.st_ino == init.st_ino && self.st_dev == init.st_dev;
	return 0;
}

#endif
