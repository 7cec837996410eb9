// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tw-gen: leave N TCP sockets in TIME_WAIT on loopback, fast.
 *
 * Servers listen on 0.0.0.0:PORT for --ports ports; each client binds its own
 * 127.x.y.z source (bind before connect, so every 4-tuple is unique and no
 * ephemeral port range runs dry), connects to one of --dsts addresses
 * 127.0.0.D on one of those ports, and closes first.  The active closer keeps
 * the TIME_WAIT, so the TIME_WAIT sockets sit on the client side and their
 * peer is the server ip:port, which follows the same skew as ct-gen: --skew
 * PCT go to 127.0.0.1:PORT0, the rest Zipf(1) over the other peers.
 *
 * Worker threads (--jobs) make connections in batches: connect B clients (on
 * loopback the handshake completes inside connect()), accept what is queued,
 * close the clients (FIN), and close each accepted server socket once it reads
 * EOF, whose FIN moves the client from FIN_WAIT_2 to TIME_WAIT.  Any worker may
 * accept any connection; waiting for EOF keeps the client the active closer.
 * No data is sent and SO_LINGER stays off: linger 0 would send RST and skip
 * TIME_WAIT.
 *
 * Run it inside a throwaway namespace with tcp_max_tw_buckets >= N:
 *   ip netns exec NS tw-gen -n 100000
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <linux/filter.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/banned.h"

struct opts {
	uint64_t n;
	unsigned ports;
	unsigned dsts;
	unsigned port_base;
	unsigned skew;
	unsigned batch;
	unsigned max_seconds;
	unsigned jobs;
	uint64_t seed;
	uint32_t src_base; /* first client address, host order */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The "tw" figure of /proc/net/sockstat (this netns, IPv4 and IPv6). */
static long sockstat_tw(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/net/sockstat", "re");
	_cleanup_free_ char *line = NULL;
	size_t n = 0;

	if (!f)
		return -1;
	while (getline(&line, &n, f) > 0) {
		const char *p = strstr(line, " tw ");

		if (strneq(line, "TCP:", 4) && p)
			return strtol(p + 4, NULL, 10);
	}
	return -1;
}

static long read_sysctl_long(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	long v;

	if (!f || fscanf(f, "%ld", &v) != 1)
		return -1;
	return v;
}

static void usage(FILE *f)
{
	fputs("usage: tw-gen [-n N] [--ports P] [--dsts D] [--port-base PORT] [--skew PCT]\n"
	      "              [--batch B] [--seed S] [--jobs J] [--max-seconds SEC]\n\n"
	      "Leave N IPv4 TCP sockets in TIME_WAIT on loopback in the current network\n"
	      "namespace (client side; peers are 127.0.0.D:PORT).\n\n"
	      "  -n N             TIME_WAIT sockets to make (default 100000, at most 4000000)\n"
	      "  --ports P        server ports PORT..PORT+P-1 (default 8)\n"
	      "  --dsts D         server addresses 127.0.0.1..127.0.0.D (default 16)\n"
	      "  --port-base PORT first server port (default 8000)\n"
	      "  --skew PCT       percent of connections to the heaviest peer (default 50)\n"
	      "  --batch B        connections per batch and worker (default 1000)\n"
	      "  --seed S         random seed (default 1)\n"
	      "  --jobs J         worker threads, pinned to CPUs 0..J-1 (default: CPUs, at most 16)\n"
	      "  --max-seconds S  give up after S seconds (default 60; TIME_WAIT lasts 60 s)\n",
	      f);
}

static int parse_uint(const char *arg, const char *name, uint64_t min, uint64_t max, uint64_t *ret)
{
	uint64_t v;

	if (cta_parse_u64(arg, &v) < 0 || v < min || v > max) {
		fprintf(stderr, "tw-gen: invalid %s '%s' (%" PRIu64 "..%" PRIu64 ")\n", name, arg,
			min, max);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = { { "ports", required_argument, NULL, 'p' },
						  { "dsts", required_argument, NULL, 'd' },
						  { "port-base", required_argument, NULL, 'P' },
						  { "skew", required_argument, NULL, 'k' },
						  { "batch", required_argument, NULL, 'b' },
						  { "seed", required_argument, NULL, 's' },
						  { "max-seconds", required_argument, NULL, 'm' },
						  { "jobs", required_argument, NULL, 'j' },
						  { "help", no_argument, NULL, 'h' },
						  {} };
	uint64_t v;
	int c;

	*o = (struct opts){ .n = 100000,
			    .ports = 8,
			    .dsts = 16,
			    .port_base = 8000,
			    .skew = 50,
			    .batch = 1000,
			    .max_seconds = 60,
			    .jobs = (unsigned)MAX(1L, MIN(sysconf(_SC_NPROCESSORS_ONLN), 16L)),
			    .seed = 1,
			    .src_base = (127u << 24) | (1u << 16) | 1u };
	while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_uint(optarg, "count", 0, 4000000, &o->n) < 0)
				return -EINVAL;
			break;
		case 'p':
			if (parse_uint(optarg, "port count", 1, 256, &v) < 0)
				return -EINVAL;
			o->ports = (unsigned)v;
			break;
		case 'd':
			if (parse_uint(optarg, "address count", 1, 250, &v) < 0)
				return -EINVAL;
			o->dsts = (unsigned)v;
			break;
		case 'P':
			if (parse_uint(optarg, "port base", 1, 65535, &v) < 0)
				return -EINVAL;
			o->port_base = (unsigned)v;
			break;
		case 'k':
			if (parse_uint(optarg, "skew", 0, 100, &v) < 0)
				return -EINVAL;
			o->skew = (unsigned)v;
			break;
		case 'b':
			if (parse_uint(optarg, "batch size", 1, 4096, &v) < 0)
				return -EINVAL;
			o->batch = (unsigned)v;
			break;
		case 's':
			if (parse_uint(optarg, "seed", 0, UINT64_MAX, &o->seed) < 0)
				return -EINVAL;
			break;
		case 'm':
			if (parse_uint(optarg, "max seconds", 1, 3600, &v) < 0)
				return -EINVAL;
			o->max_seconds = (unsigned)v;
			break;
		case 'j':
			if (parse_uint(optarg, "jobs", 1, 64, &v) < 0)
				return -EINVAL;
			o->jobs = (unsigned)v;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tw-gen: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->port_base + o->ports - 1 > 65535) {
		fputs("tw-gen: server ports run past 65535\n", stderr);
		return -EINVAL;
	}
	return 0;
}

/*
 * Listener @j of @jobs on @port.  With several workers each port has one
 * SO_REUSEPORT listener per worker and a classic BPF program that picks the
 * listener by CPU: worker j runs pinned on CPU j, and on loopback its SYN is
 * processed on that CPU, so every connection stays on one CPU.  Across CPUs
 * the server's last ACK and FIN can overtake each other; the late ACK then
 * hits the new TIME_WAIT, which answers it, the closed server's listener
 * answers with RST, and the RST kills the TIME_WAIT.
 */
static int open_listener(unsigned port, unsigned j, unsigned jobs, int backlog)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	struct sock_filter code[] = {
		{ BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)(SKF_AD_OFF + SKF_AD_CPU) },
		{ BPF_ALU | BPF_MOD | BPF_K, 0, 0, jobs },
		{ BPF_RET | BPF_A, 0, 0, 0 },
	};
	struct sock_fprog prog = { .len = ELEMENTSOF(code), .filter = code };
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cta_negerrno();
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (jobs > 1 && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) ||
	    (jobs > 1 && j == 0 &&
	     setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) < 0) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, backlog) < 0) {
		int r = cta_negerrno();

		close(fd);
		return r;
	}
	return fd;
}

/*
 * Workers are pinned to CPUs 0..jobs-1 (see open_listener); returns how many
 * of them we may use, at least 1.
 */
static unsigned usable_jobs(unsigned want)
{
	cpu_set_t set;
	unsigned n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	while (n < want && n < CPU_SETSIZE && CPU_ISSET(n, &set))
		n++;
	return n ? n : 1;
}

/* One client: own source address, connect to peer; returns the fd or -errno. */
static int client_connect(uint32_t src, uint32_t dst, unsigned port)
{
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(src) };
	struct sockaddr_in peer = { .sin_family = AF_INET,
				    .sin_port = htons((uint16_t)port),
				    .sin_addr.s_addr = htonl(dst) };
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cta_negerrno();
	/* the port is chosen at connect() against the full 4-tuple */
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	/* a dropped SYN must not stall the run for the full SYN retry time */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &(struct timeval){ .tv_sec = 5 },
		   sizeof(struct timeval));
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    connect(fd, (struct sockaddr *)&peer, sizeof(peer)) < 0) {
		int r = cta_negerrno();

		close(fd);
		return r;
	}
	return fd;
}

static void raise_nofile(unsigned need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
		rl.rlim_cur = MIN((rlim_t)need, rl.rlim_max);
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* What the workers share; counters are touched with __atomic builtins. */
struct shared {
	const struct opts *o;
	const struct bench_picker *pick;
	const int *listeners; /* [worker * ports + port] */
	double deadline;
	unsigned jobs;
	uint64_t made; /* connections established */
	uint64_t srv_closed; /* server sides closed after reading EOF */
	uint64_t failed; /* connect() failures */
	unsigned finished; /* workers done connecting */
	int first_err;
};

struct worker {
	struct shared *sh;
	unsigned index;
	uint64_t from, to; /* client indexes [from, to) */
	int *pending; /* accepted server sockets waiting for the client's FIN */
	size_t npending, cap;
	bool oom;
};

static void accept_all(struct worker *w)
{
	const struct opts *o = w->sh->o;

	for (unsigned i = 0; i < o->ports; i++) {
		for (;;) {
			int fd;

			if (w->npending == w->cap) {
				size_t cap = w->cap ? 2 * w->cap : 1024;
				int *p = realloc(w->pending, cap * sizeof(int));

				if (!p) {
					w->oom = true;
					return;
				}
				w->pending = p;
				w->cap = cap;
			}
			fd = accept4(w->sh->listeners[w->index * o->ports + i], NULL, NULL,
				     SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0)
				break;
			w->pending[w->npending++] = fd;
		}
	}
}

/*
 * Close the server side only once the client's FIN has arrived (read returns
 * 0): whichever worker accepted a connection, the client stays the active
 * closer and keeps the TIME_WAIT.  Returns how many were closed.
 */
static size_t reap(struct worker *w)
{
	size_t closed = 0;

	for (size_t i = 0; i < w->npending;) {
		char c;
		ssize_t r = recv(w->pending[i], &c, 1, MSG_DONTWAIT);

		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			i++;
			continue;
		}
		close(w->pending[i]);
		w->pending[i] = w->pending[--w->npending];
		closed++;
	}
	__atomic_add_fetch(&w->sh->srv_closed, closed, __ATOMIC_RELAXED);
	return closed;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	const struct opts *o = sh->o;
	_cleanup_free_ int *clients = calloc(o->batch, sizeof(int));

	if (sh->jobs > 1) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(w->index, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	if (!clients) {
		w->oom = true;
		__atomic_add_fetch(&sh->finished, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	for (uint64_t i = w->from; i < w->to && now() < sh->deadline;) {
		unsigned nc = 0;

		for (; nc < o->batch && i < w->to; i++) {
			/* the peer depends on the index only: same table for any --jobs */
			uint64_t st = o->seed * 0x9e3779b97f4a7c15ULL + i;
			unsigned peer = bench_picker_pick(sh->pick, &st);
			uint32_t dst = (127u << 24) | (peer / o->ports + 1);
			int fd = client_connect(o->src_base + (uint32_t)i, dst,
						o->port_base + peer % o->ports);

			if (fd < 0) {
				int zero = 0;

				__atomic_compare_exchange_n(&sh->first_err, &zero, fd, false,
							    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
				__atomic_add_fetch(&sh->failed, 1, __ATOMIC_RELAXED);
				continue;
			}
			clients[nc++] = fd;
		}
		__atomic_add_fetch(&sh->made, nc, __ATOMIC_RELAXED);
		/* the handshakes completed inside connect(); take the accepted sockets */
		accept_all(w);
		/* active close on the client side: that is where TIME_WAIT lands */
		for (unsigned k = 0; k < nc; k++)
			close(clients[k]);
		reap(w);
		if (w->oom)
			break;
	}
	__atomic_add_fetch(&sh->finished, 1, __ATOMIC_RELEASE);
	/* other workers' connections may still sit in our accept queue or list */
	while (now() < sh->deadline && !w->oom) {
		if (__atomic_load_n(&sh->finished, __ATOMIC_ACQUIRE) == sh->jobs &&
		    __atomic_load_n(&sh->srv_closed, __ATOMIC_RELAXED) ==
			    __atomic_load_n(&sh->made, __ATOMIC_RELAXED))
			break;
		accept_all(w);
		if (reap(w) == 0)
			usleep(500);
	}
	for (size_t k = 0; k < w->npending; k++)
		close(w->pending[k]);
	free(w->pending);
	return NULL;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct bench_picker pick = {};
	struct shared sh = {};
	_cleanup_free_ int *listeners = NULL;
	_cleanup_free_ struct worker *workers = NULL;
	_cleanup_free_ pthread_t *threads = NULL;
	unsigned npeers, nlisteners = 0, started = 0;
	long tw0, tw1, max_tw;
	double t0, t1;
	int r, rc = 1;
	bool oom = false;

	r = parse_opts(argc, argv, &o);
	if (r != 0)
		return r > 0 ? 0 : 2;
	if (bench_in_init_netns() != 0) {
		fputs("tw-gen: refusing to run outside a throwaway network namespace "
		      "(use 'ip netns exec NS tw-gen ...')\n",
		      stderr);
		return 2;
	}
	if (o.n > 16000000 - 2) {
		fputs("tw-gen: too many clients for 127.1.0.1 onwards\n", stderr);
		return 2;
	}
	max_tw = read_sysctl_long("/proc/sys/net/ipv4/tcp_max_tw_buckets");
	if (max_tw >= 0 && (uint64_t)max_tw < o.n)
		fprintf(stderr,
			"tw-gen: warning: tcp_max_tw_buckets is %ld, below %" PRIu64
			": the excess skips TIME_WAIT\n",
			max_tw, o.n);

	npeers = o.ports * o.dsts;
	if (bench_picker_init(&pick, npeers - 1, o.skew) < 0)
		goto oom;
	o.jobs = usable_jobs(o.jobs);
	nlisteners = o.jobs * o.ports;
	listeners = calloc(nlisteners, sizeof(int));
	workers = calloc(o.jobs, sizeof(*workers));
	threads = calloc(o.jobs, sizeof(*threads));
	if (!listeners || !workers || !threads)
		goto oom;
	raise_nofile(o.jobs * (2 * o.batch + 64) + o.ports + 64);
	for (unsigned i = 0; i < nlisteners; i++)
		listeners[i] = -1;
	/* listen() order is the reuseport index the BPF program returns */
	for (unsigned j = 0; j < o.jobs; j++) {
		for (unsigned i = 0; i < o.ports; i++) {
			int fd = open_listener(o.port_base + i, j, o.jobs,
					       (int)MIN(2 * o.batch, 65535u));

			if (fd < 0) {
				fprintf(stderr, "tw-gen: cannot listen on port %u: %s\n",
					o.port_base + i, strerror(-fd));
				goto out;
			}
			listeners[j * o.ports + i] = fd;
		}
	}

	tw0 = sockstat_tw();
	t0 = now();
	sh = (struct shared){ .o = &o,
			      .pick = &pick,
			      .listeners = listeners,
			      .deadline = t0 + o.max_seconds,
			      .jobs = o.jobs };
	for (unsigned j = 0; j < o.jobs; j++) {
		workers[j] = (struct worker){ .sh = &sh,
					      .index = j,
					      .from = o.n * j / o.jobs,
					      .to = o.n * (j + 1) / o.jobs };
		r = pthread_create(&threads[j], NULL, worker_run, &workers[j]);
		if (r != 0) {
			fprintf(stderr, "tw-gen: cannot start a worker: %s\n", strerror(r));
			/* the others must not wait for it */
			__atomic_add_fetch(&sh.finished, o.jobs - j, __ATOMIC_RELEASE);
			break;
		}
		started++;
	}
	for (unsigned j = 0; j < started; j++) {
		pthread_join(threads[j], NULL);
		oom |= workers[j].oom;
	}
	t1 = now();
	if (oom)
		goto oom;

	/* the last FINs cross loopback in softirq; give them a moment to land */
	for (int i = 0; i < 50; i++) {
		tw1 = sockstat_tw();
		if (tw1 < 0 || (uint64_t)(tw1 - tw0) >= sh.made)
			break;
		usleep(20000);
	}
	tw1 = sockstat_tw();
	{
		double dt = t1 - t0 > 0 ? t1 - t0 : 1e-9;

		printf("made %" PRIu64 " connections in %.3f s (%.0f/s) with %u workers, %" PRIu64
		       " failed; TIME_WAIT in this netns %ld -> %ld; %u peers\n",
		       sh.made, dt, (double)sh.made / dt, started, sh.failed, tw0, tw1, npeers);
		if (sh.first_err)
			fprintf(stderr, "tw-gen: first error: %s\n", strerror(-sh.first_err));
		if (sh.srv_closed != sh.made)
			fprintf(stderr, "tw-gen: %" PRIu64 " connections were not closed cleanly\n",
				sh.made - sh.srv_closed);
		if (sh.made < o.n)
			fprintf(stderr, "tw-gen: made %" PRIu64 " of %" PRIu64 " connections\n",
				sh.made, o.n);
		if (tw0 >= 0 && tw1 >= 0 && (uint64_t)(tw1 - tw0) < sh.made)
			fprintf(stderr, "tw-gen: %" PRIu64 " connections left no TIME_WAIT\n",
				sh.made - (uint64_t)(tw1 - tw0));
		rc = sh.made == o.n && sh.srv_closed == sh.made &&
				     (tw0 < 0 || tw1 < 0 || (uint64_t)(tw1 - tw0) >= sh.made) ?
			     0 :
			     1;
	}
out:
	for (unsigned i = 0; listeners && i < nlisteners; i++)
		if (listeners[i] >= 0)
			close(listeners[i]);
	free(pick.cdf);
	return rc;
oom:
	fputs("tw-gen: out of memory\n", stderr);
	free(pick.cdf);
	return 1;
}
