/*
 * bench_tcp: the TCP stack without a PMD (issue 5). Two stacks, a client
 * and a server, run on one core in one process, joined by two rte_rings
 * (one per direction); the loop is what a worker's poll loop does: dequeue
 * a burst, ife_tcp_input() each segment, ife_tcp_timers(), the app.
 *
 *   bulk  one connection, the client writes (copies) as fast as the
 *         window allows, the server takes the data zero-copy and frees it:
 *         segments/s (both directions, data + ACKs) and bytes/s.
 *   rr    N connections doing 64-byte request / 64-byte response.
 *   conn  complete lifecycles, SYN to close, N in flight: the server
 *         closes first (as IMAP LOGOUT does), the client closes on EOF;
 *         lifecycles/s. The server reuses TIME_WAIT tuples (RFC 6191).
 *   kconn the same lifecycle through the Linux kernel on 127.0.0.1
 *         (non-blocking sockets, one thread: client and server on one
 *         core too), as the comparison measured in the same run.
 *
 * Cycles are TSC cycles of the whole loop divided by the work done, and
 * separately the cycles spent inside the server stack's calls.
 *
 * Usage: bench_tcp [-m bulk|rr|conn|kconn|all] [-s seconds] [-n conns]
 *                  [-r repeats]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "tcp.h"

#define BURST 32

static struct rte_mempool *mp;
static uint64_t tsc_hz, tsc0;

static uint64_t
now_ns(void)
{
	return (uint64_t)((double)(rte_rdtsc() - tsc0) * 1e9 / (double)tsc_hz);
}

struct side {
	struct ife_tcp_stack *st;
	struct rte_ring *out; /* what this stack sends */
	uint64_t ring_full;
	uint64_t cycles; /* spent inside this stack's calls */
	/* app */
	int is_server;
	uint64_t rx_bytes, done, started, failed;
	uint64_t now;
	struct ife_tcp_conn *bulk;
};

static int
out_cb(void *ctx, struct rte_mbuf *m, const struct ife_tcp_ip *ip)
{
	struct side *s = ctx;
	/* Carry the addresses in the headroom, as the net layer would carry
	 * an IP header. */
	struct ife_tcp_ip *h =
		(struct ife_tcp_ip *)rte_pktmbuf_prepend(m, sizeof(*h));
	if (h == NULL || rte_ring_sp_enqueue(s->out, m) != 0) {
		s->ring_full++;
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	*h = *ip;
	return 0;
}

static const char rr_msg[64] = "request-response-payload-of-sixty-four-bytes";
static int mode_rr, mode_bulk, mode_conn;

static void
ev_cb(void *app, struct ife_tcp_conn *c, void *ctx, unsigned bits)
{
	struct side *s = app;
	if (bits & IFE_TCP_EV_READABLE) {
		struct rte_mbuf *m;
		int n = ife_tcp_recv(s->st, c, &m, s->now);
		if (n > 0) {
			s->rx_bytes += (uint64_t)n;
			rte_pktmbuf_free(m);
			if (mode_rr) {
				/* server echoes; client sends the next */
				ife_tcp_write(s->st, c, rr_msg, 64, s->now);
				if (!s->is_server)
					s->done++;
			}
		}
	}
	if (bits & IFE_TCP_EV_ACCEPTED) {
		if (mode_conn)
			ife_tcp_close(s->st, c, s->now); /* server goes first */
	}
	if (bits & IFE_TCP_EV_CONNECTED) {
		if (mode_bulk)
			s->bulk = c;
		if (mode_rr)
			ife_tcp_write(s->st, c, rr_msg, 64, s->now);
	}
	/* Half-close keeps the handle, so the client sees the final
	 * CLOSED event when its FIN is acknowledged: the whole lifecycle. */
	if ((bits & IFE_TCP_EV_PEER_CLOSED) && !s->is_server)
		ife_tcp_shutdown(s->st, c, s->now);
	if ((bits & IFE_TCP_EV_FINAL) && !s->is_server && mode_conn) {
		if (bits & IFE_TCP_EV_CLOSED)
			s->done++;
		else
			s->failed++;
	}
	if ((bits & IFE_TCP_EV_WRITABLE) && mode_bulk)
		s->bulk = c;
}

static int
make_side(struct side *s, const char *name, int server, uint32_t max_conns)
{
	memset(s, 0, sizeof(*s));
	s->is_server = server;
	s->out = rte_ring_create(name, 8192, SOCKET_ID_ANY,
				 RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (s->out == NULL)
		return -1;
	struct ife_tcp_params p = {0};
	p.mp = mp;
	p.ip_output = out_cb;
	p.output_ctx = s;
	p.event = ev_cb;
	p.app = s;
	p.max_conns = max_conns;
	p.rcv_buf = 1 << 20;
	p.snd_buf = 1 << 20;
	p.rcvq_max_segs = 2048;
	p.time_wait_ms = 60000;
	for (int i = 0; i < 32; i++)
		p.secret[i] =
			(uint8_t)(rte_rdtsc() >> (i % 8) ^ (server * 77 + i));
	return ife_tcp_stack_create(&p, &s->st);
}

static void
free_side(struct side *s)
{
	ife_tcp_stack_destroy(&s->st);
	struct rte_mbuf *m;
	while (rte_ring_sc_dequeue(s->out, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(s->out);
}

/* Deliver what @p from sent into @p to's stack. */
static unsigned
pump(struct side *from, struct side *to, uint64_t now)
{
	struct rte_mbuf *pk[BURST];
	unsigned n =
		rte_ring_sc_dequeue_burst(from->out, (void **)pk, BURST, NULL);
	if (n == 0)
		return 0;
	uint64_t t0 = rte_rdtsc();
	for (unsigned i = 0; i < n; i++) {
		struct ife_tcp_ip ip =
			*rte_pktmbuf_mtod(pk[i], struct ife_tcp_ip *);
		rte_pktmbuf_adj(pk[i], sizeof(ip));
		ife_tcp_input(to->st, pk[i], &ip, now);
	}
	to->cycles += rte_rdtsc() - t0;
	return n;
}

struct result {
	double secs, segs, bytes, work, cyc_total, cyc_server;
	uint64_t drops, failed;
};

static void
run_stacks(int mode, double seconds, unsigned nconn, struct result *r)
{
	static unsigned run_id;
	char n1[32], n2[32];
	snprintf(n1, sizeof(n1), "bc%u", run_id);
	snprintf(n2, sizeof(n2), "bs%u", run_id++);
	struct side cl, sv;
	mode_bulk = mode == 0;
	mode_rr = mode == 1;
	mode_conn = mode == 2;
	if (make_side(&cl, n1, 0, 65536) != 0 ||
	    make_side(&sv, n2, 1, 65536) != 0) {
		fprintf(stderr, "stack create failed\n");
		exit(1);
	}
	ife_tcp_listen(sv.st, 993, 4096, NULL);
	struct ife_tcp_ip ip = {.family = 4};
	memcpy(ip.src, (uint8_t[]){198, 18, 0, 1}, 4);
	memcpy(ip.dst, (uint8_t[]){198, 18, 0, 2}, 4);
	static uint8_t junk[65536];
	uint64_t now = now_ns();
	cl.now = sv.now = now;
	unsigned open = mode_bulk ? 1 : nconn;
	struct ife_tcp_conn *c;
	for (unsigned i = 0; i < open; i++)
		if (ife_tcp_connect(cl.st, &ip, 0, 993, NULL, now, &c) == 0)
			cl.started++;
	uint64_t end_ns = now + (uint64_t)(seconds * 1e9);
	uint64_t segs0 = 0, bytes0 = 0, done0 = 0, c0 = 0, s0 = 0;
	uint64_t t_start = 0, ns_start = 0;
	int measuring = 0;
	uint64_t warm_ns = now + 200000000ull; /* 0.2 s warm-up */
	for (uint64_t it = 0;; it++) {
		if ((it & 15) == 0) {
			now = now_ns();
			cl.now = sv.now = now;
			if (!measuring && now >= warm_ns) {
				measuring = 1;
				t_start = rte_rdtsc();
				ns_start = now;
				segs0 = ife_tcp_stats(cl.st)->rx_segs +
					ife_tcp_stats(sv.st)->rx_segs;
				bytes0 = sv.rx_bytes + cl.rx_bytes;
				done0 = cl.done;
				s0 = sv.cycles;
				c0 = cl.cycles;
				end_ns = now + (uint64_t)(seconds * 1e9);
			}
			if (measuring && now >= end_ns)
				break;
			uint64_t t0 = rte_rdtsc();
			ife_tcp_timers(sv.st, now);
			sv.cycles += rte_rdtsc() - t0;
			t0 = rte_rdtsc();
			ife_tcp_timers(cl.st, now);
			cl.cycles += rte_rdtsc() - t0;
		}
		pump(&cl, &sv, now);
		pump(&sv, &cl, now);
		if (mode_bulk && cl.bulk) {
			uint64_t t0 = rte_rdtsc();
			int n = ife_tcp_write(cl.st, cl.bulk, junk,
					      sizeof(junk), now);
			cl.cycles += rte_rdtsc() - t0;
			if (n < 0)
				cl.bulk = NULL; /* wait for WRITABLE */
		}
		if (mode_conn) {
			/* keep nconn lifecycles in flight */
			while (cl.started - cl.done - cl.failed < nconn) {
				uint64_t t0 = rte_rdtsc();
				int rc = ife_tcp_connect(cl.st, &ip, 0, 993,
							 NULL, now, &c);
				cl.cycles += rte_rdtsc() - t0;
				if (rc != 0)
					break;
				cl.started++;
			}
		}
	}
	uint64_t t_end = rte_rdtsc();
	r->secs = (double)(now - ns_start) / 1e9;
	r->segs = (double)(ife_tcp_stats(cl.st)->rx_segs +
			   ife_tcp_stats(sv.st)->rx_segs - segs0);
	r->bytes = (double)(sv.rx_bytes + cl.rx_bytes - bytes0);
	r->work = (double)(cl.done - done0);
	r->cyc_total = (double)(t_end - t_start);
	r->cyc_server = (double)(sv.cycles - s0);
	(void)c0;
	r->drops = cl.ring_full + sv.ring_full;
	r->failed = cl.failed;
	if (mode_conn && ife_tcp_stats(sv.st)->conn_tw_reused == 0 &&
	    r->work > 70000)
		fprintf(stderr, "note: no TIME_WAIT reuse seen\n");
	free_side(&cl);
	free_side(&sv);
}

/* The same lifecycle through the kernel, one thread. */
static void
run_kernel(double seconds, unsigned nconn, struct result *r)
{
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(ls, 4096) != 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &al) != 0) {
		perror("kernel listen");
		exit(1);
	}
	int *cs = calloc(nconn, sizeof(int));
	for (unsigned i = 0; i < nconn; i++)
		cs[i] = -1;
	uint64_t done = 0, t0 = 0, start = 0, warm = now_ns() + 200000000ull,
		 end = 0;
	int measuring = 0;
	char buf[64];
	for (;;) {
		uint64_t now = now_ns();
		if (!measuring && now >= warm) {
			measuring = 1;
			t0 = rte_rdtsc();
			start = now;
			end = now + (uint64_t)(seconds * 1e9);
			done = 0;
		}
		if (measuring && now >= end)
			break;
		for (unsigned i = 0; i < nconn; i++) {
			if (cs[i] < 0) {
				cs[i] = socket(AF_INET,
					       SOCK_STREAM | SOCK_NONBLOCK, 0);
				struct linger lg = {0, 0};
				(void)lg;
				if (connect(cs[i], (struct sockaddr *)&a,
					    sizeof(a)) != 0 &&
				    errno != EINPROGRESS) {
					close(cs[i]);
					cs[i] = -1;
				}
			}
		}
		/* server: accept and close first */
		for (;;) {
			int s = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
			if (s < 0)
				break;
			close(s);
		}
		/* client: on EOF, close */
		for (unsigned i = 0; i < nconn; i++) {
			if (cs[i] < 0)
				continue;
			ssize_t n = read(cs[i], buf, sizeof(buf));
			if (n == 0 || (n < 0 && errno != EAGAIN &&
				       errno != EWOULDBLOCK)) {
				close(cs[i]);
				cs[i] = -1;
				done++;
			}
		}
	}
	r->cyc_total = (double)(rte_rdtsc() - t0);
	r->secs = (double)(now_ns() - start) / 1e9;
	r->work = (double)done;
	r->segs = r->bytes = r->cyc_server = 0;
	r->drops = r->failed = 0;
	for (unsigned i = 0; i < nconn; i++)
		if (cs[i] >= 0)
			close(cs[i]);
	close(ls);
	free(cs);
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
	char *eal[] = {argv[0],	      "--no-huge",	"--no-pci",
		       "--no-shconf", "--no-telemetry", "-l",
		       "0",	      "--log-level",	"1",
		       "-m",	      "1024",		NULL};
	if (rte_eal_init(11, eal) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	const char *mode = "all";
	double seconds = 2;
	unsigned nconn = 64, reps = 5;
	char *end;
	int opt;
	while ((opt = getopt(argc, argv, "m:s:n:r:")) != -1) {
		switch (opt) {
		case 'm':
			mode = optarg;
			break;
		case 's':
			seconds = strtod(optarg, &end);
			if (*end != '\0' || end == optarg)
				seconds = -1;
			break;
		case 'n':
			nconn = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || end == optarg)
				nconn = 0;
			break;
		case 'r':
			reps = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || end == optarg)
				reps = 0;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-m bulk|rr|conn|kconn|all] "
				"[-s seconds] [-n conns] [-r repeats]\n",
				argv[0]);
			return 2;
		}
	}
	if (seconds <= 0 || nconn == 0 || nconn > 30000 || reps == 0 ||
	    reps > 50) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	mp = rte_pktmbuf_pool_create("bench", 65535, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (mp == NULL) {
		fprintf(stderr, "mempool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	tsc_hz = rte_get_tsc_hz();
	tsc0 = rte_rdtsc();
	printf("# tsc_hz=%lu reps=%u seconds=%.1f conns=%u (medians)\n", tsc_hz,
	       reps, seconds, nconn);
	const char *names[] = {"bulk", "rr", "conn", "kconn"};
	for (int m = 0; m < 4; m++) {
		if (strcmp(mode, "all") != 0 && strcmp(mode, names[m]) != 0)
			continue;
		double rate[50], cyc[50], scyc[50], bps[50], wrate[50];
		uint64_t drops = 0, failed = 0;
		for (unsigned k = 0; k < reps; k++) {
			struct result r;
			if (m == 3)
				run_kernel(seconds, nconn, &r);
			else
				run_stacks(m, seconds, nconn, &r);
			drops += r.drops;
			failed += r.failed;
			rate[k] = r.segs / r.secs;
			bps[k] = r.bytes * 8 / r.secs / 1e9;
			wrate[k] = r.work / r.secs;
			double unit = m == 0 ? r.segs : r.work;
			cyc[k] = unit > 0 ? r.cyc_total / unit : 0;
			scyc[k] = unit > 0 ? r.cyc_server / unit : 0;
		}
		switch (m) {
		case 0:
			printf("bulk: segments/s=%.0f data_gbit/s=%.2f "
			       "cycles/segment=%.0f server_cycles/segment=%.0f "
			       "ring_drops=%lu\n",
			       median(rate, (int)reps), median(bps, (int)reps),
			       median(cyc, (int)reps), median(scyc, (int)reps),
			       drops);
			break;
		case 1:
			printf("rr: segments/s=%.0f transactions/s=%.0f "
			       "cycles/transaction=%.0f "
			       "server_cycles/transaction=%.0f "
			       "ring_drops=%lu\n",
			       median(rate, (int)reps),
			       median(wrate, (int)reps), median(cyc, (int)reps),
			       median(scyc, (int)reps), drops);
			break;
		case 2:
			printf("conn: lifecycles/s=%.0f segments/s=%.0f "
			       "cycles/lifecycle=%.0f "
			       "server_cycles/lifecycle=%.0f ring_drops=%lu "
			       "failed=%lu\n",
			       median(wrate, (int)reps),
			       median(rate, (int)reps), median(cyc, (int)reps),
			       median(scyc, (int)reps), drops, failed);
			break;
		case 3:
			printf("kconn (Linux kernel, 127.0.0.1, same "
			       "lifecycle): "
			       "lifecycles/s=%.0f cycles/lifecycle=%.0f\n",
			       median(wrate, (int)reps),
			       median(cyc, (int)reps));
			break;
		}
		fflush(stdout);
	}
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return 0;
}
