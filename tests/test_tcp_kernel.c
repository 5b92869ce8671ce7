/*
 * Interop of the TCP stack with the Linux kernel's TCP, without a PMD: the
 * process moves into a private network namespace (unshare(CLONE_NEWNET), so
 * nothing is seen by, or collides with, the lab or other tests), creates a
 * TUN device with 198.18.99.1/24 for the kernel and plays 198.18.99.2 with
 * the stack behind it: IPv4 packets are read from / written to the TUN fd
 * (this file does the little IPv4 it needs), through the fault-injection
 * layer in both directions.
 *
 * Scenarios (each byte compared):
 *   clean  N kernel clients each send B bytes to our echo service (which
 *          echoes zero-copy: the received chain is handed back to send) and
 *          read them back; our stack opens one connection to a kernel
 *          listener and receives 1 MiB from it.
 *   faults the same with drop 5%, reorder 5%, duplicate 5% per direction.
 *
 * Needs root and /dev/net/tun: exits 77 (meson: skipped) without them.
 * Suite 'lab'. Usage: test_tcp_kernel [clients bytes [fault-run-seconds]]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "fault.h"
#include "tcp.h"
#include "tcp_pvt.h"

#define TUN_NAME  "ife5t0"
#define ECHO_PORT 7
#define KPORT	  9000
#define BIG	  (1u << 20)

static struct rte_mempool *mp;
static int tun_fd;
static struct ife_tcp_stack *st;
static struct ife_fault *fault;
static uint64_t now;
static struct rte_mbuf *txq[4096];
static uint16_t ntx;
static const uint8_t K_ADDR[4] = {198, 18, 99, 1}, S_ADDR[4] = {198, 18, 99, 2};

static uint64_t
mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
setup_tun(void)
{
	tun_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
	if (tun_fd < 0)
		return -1;
	struct ifreq ifr = {0};
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strcpy(ifr.ifr_name, TUN_NAME);
	if (ioctl(tun_fd, TUNSETIFF, &ifr) < 0)
		return -1;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr, K_ADDR, 4);
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
		return -1;
	inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
		return -1;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return -1;
	/* A long queue: the harness is one thread doing the work of the
	 * kernel's clients too, and a short queue would add loss. */
	ifr.ifr_qlen = 20000;
	if (ioctl(s, SIOCSIFTXQLEN, &ifr) < 0)
		return -1;
	close(s);
	return 0;
}

static void flush_tx(void);

/* Stack output: prepend IPv4 and queue for the TX fault stage. */
static int
out_cb(void *ctx, struct rte_mbuf *m, const struct ife_tcp_ip *ip)
{
	(void)ctx;
	struct rte_ipv4_hdr *h =
		(struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(*h));
	if (ntx == 4096)
		flush_tx(); /* a big burst: write out what is queued */
	if (h == NULL || ip->family != 4) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	memset(h, 0, sizeof(*h));
	h->version_ihl = 0x45;
	h->total_length = rte_cpu_to_be_16((uint16_t)(ip->len + sizeof(*h)));
	h->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	h->time_to_live = 64;
	h->next_proto_id = IPPROTO_TCP;
	memcpy(&h->src_addr, ip->src, 4);
	memcpy(&h->dst_addr, ip->dst, 4);
	h->hdr_checksum = rte_ipv4_cksum(h);
	txq[ntx++] = m;
	return 0;
}

static uint64_t tx_to_nowhere;

static void
flush_tx(void)
{
	uint16_t n = ife_fault_burst(fault, IFE_FAULT_TX, txq, ntx, 4096, now);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = txq[i];
		const struct rte_ipv4_hdr *h =
			rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
		if (((const uint8_t *)&h->dst_addr)[0] == 10) {
			/* answers to the spoofed flood: the wire would carry
			 * them away; the kernel has no use for them */
			tx_to_nowhere++;
		} else if (rte_pktmbuf_linearize(m) == 0)
			(void)!write(tun_fd, rte_pktmbuf_mtod(m, void *),
				     m->pkt_len);
		rte_pktmbuf_free(m);
	}
	ntx = 0;
}

static unsigned
poll_rx(void)
{
	struct rte_mbuf *b[1024];
	uint16_t n = 0;
	while (n < 512) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		if (m == NULL)
			break;
		ssize_t r = read(tun_fd, rte_pktmbuf_mtod(m, void *),
				 rte_pktmbuf_tailroom(m));
		if (r <= 0) {
			rte_pktmbuf_free(m);
			break;
		}
		m->data_len = (uint16_t)r;
		m->pkt_len = (uint32_t)r;
		b[n++] = m;
	}
	n = ife_fault_burst(fault, IFE_FAULT_RX, b, n, 1024, now);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = b[i];
		const struct rte_ipv4_hdr *h =
			rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
		unsigned ihl = (h->version_ihl & 0xf) * 4u;
		uint16_t tot = rte_be_to_cpu_16(h->total_length);
		if (m->pkt_len < 20 || (h->version_ihl >> 4) != 4 || ihl < 20 ||
		    tot > m->pkt_len || tot < ihl ||
		    h->next_proto_id != IPPROTO_TCP ||
		    memcmp(&h->dst_addr, S_ADDR, 4) != 0) {
			rte_pktmbuf_free(m); /* ICMPv6/IGMP noise, etc. */
			continue;
		}
		struct ife_tcp_ip ip = {.family = 4,
					.len = (uint16_t)(tot - ihl)};
		memcpy(ip.src, &h->src_addr, 4);
		memcpy(ip.dst, &h->dst_addr, 4);
		rte_pktmbuf_adj(m, (uint16_t)ihl);
		ife_tcp_input(st, m, &ip, now);
	}
	return n;
}

/* ---- our side: echo service, and one active connection -------------- */

static uint64_t active_rx;
static int active_final;
static struct ife_tcp_conn *active;
static uint64_t echo_pending_drops; /* echo conns that did not close */
static uint64_t echo_reset, echo_timedout;

struct echo {
	struct rte_mbuf *pending; /* waiting for send space */
	int peer_closed;
};
static struct echo echos[4096];
static unsigned necho;

/* Echo zero-copy: the received chain goes back to send. While a chain
 * waits for space nothing more is read, so the window closes: real
 * backpressure, no data dropped. */
static void
echo_run(struct ife_tcp_conn *c, struct echo *e)
{
	for (;;) {
		if (e->pending) {
			int w = ife_tcp_send(st, c, e->pending, now);
			if (w == IFE_AGAIN)
				return; /* WRITABLE follows */
			if (w < 0)
				rte_pktmbuf_free(e->pending);
			e->pending = NULL;
		}
		struct rte_mbuf *m;
		if (ife_tcp_recv(st, c, &m, now) <= 0)
			break;
		e->pending = m;
	}
	if (e->peer_closed && e->pending == NULL)
		ife_tcp_shutdown(st, c, now);
}

static void
ev_cb(void *app, struct ife_tcp_conn *c, void *ctx, unsigned bits)
{
	(void)app;
	if (ctx == &active) {
		if (bits & IFE_TCP_EV_READABLE) {
			struct rte_mbuf *m;
			while (ife_tcp_recv(st, c, &m, now) > 0) {
				/* verify the kernel's pattern */
				for (struct rte_mbuf *s = m; s; s = s->next) {
					const uint8_t *p =
						rte_pktmbuf_mtod(s, uint8_t *);
					for (unsigned k = 0; k < s->data_len;
					     k++, active_rx++)
						if (p[k] !=
						    (uint8_t)(active_rx * 131u))
							active_final = -1;
				}
				rte_pktmbuf_free(m);
			}
		}
		if (bits & IFE_TCP_EV_PEER_CLOSED)
			ife_tcp_shutdown(st, c, now);
		if ((bits & IFE_TCP_EV_FINAL) && active_final == 0)
			active_final = (int)(bits & IFE_TCP_EV_FINAL);
		return;
	}
	if (bits & IFE_TCP_EV_ACCEPTED) {
		if (necho == 4096) {
			ife_tcp_abort(st, c, now);
			return;
		}
		ctx = &echos[necho++];
		ife_tcp_conn_set_ctx(c, ctx);
	}
	struct echo *e = ctx;
	if (bits & IFE_TCP_EV_PEER_CLOSED)
		e->peer_closed = 1;
	if (bits & IFE_TCP_EV_FINAL) {
		rte_pktmbuf_free(e->pending);
		e->pending = NULL;
		if ((bits & IFE_TCP_EV_FINAL) != IFE_TCP_EV_CLOSED)
			echo_pending_drops++;
		if (bits & IFE_TCP_EV_RESET)
			echo_reset++;
		if (bits & IFE_TCP_EV_TIMEDOUT)
			echo_timedout++;
		return;
	}
	echo_run(c, e);
}

/* ---- kernel side ------------------------------------------------------- */

struct kcl {
	int fd;
	uint32_t sent, got;
	int shut, eof, bad, failed;
};

static uint8_t
pat(unsigned conn, uint32_t off)
{
	return (uint8_t)(off * 7u + conn * 13u + (off >> 8));
}

static int
run(const char *faults, unsigned nclients, uint32_t bytes, double limit_s)
{
	struct ife_fault_params fp;
	char err[128];
	if (ife_fault_parse(faults, &fp, err, sizeof(err)) != 0 ||
	    ife_fault_create(&fp, SOCKET_ID_ANY, &fault) != 0) {
		fprintf(stderr, "fault spec: %s\n", err);
		return -1;
	}
	struct ife_tcp_params p = {0};
	p.mp = mp;
	p.ip_output = out_cb;
	p.event = ev_cb;
	p.max_conns = 4096;
	p.rto_min_ms = 200;
	if (nclients > 200) {
		/* Windows that fit the pool: 1000 x (64 + 64) KiB. */
		p.rcv_buf = 65536;
		p.snd_buf = 65536;
	}
	for (int i = 0; i < 32; i++)
		p.secret[i] = (uint8_t)(mono_ns() >> (i % 7));
	if (ife_tcp_stack_create(&p, &st) != 0 ||
	    ife_tcp_listen(st, ECHO_PORT, 1024, NULL) != 0)
		return -1;
	active = NULL;
	active_rx = 0;
	active_final = 0;
	necho = 0;
	memset(echos, 0, sizeof(echos));

	/* kernel listener for our active open */
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in ka = {.sin_family = AF_INET,
				 .sin_port = htons(KPORT)};
	memcpy(&ka.sin_addr, K_ADDR, 4);
	if (bind(ls, (struct sockaddr *)&ka, sizeof(ka)) != 0 ||
	    listen(ls, 16) != 0) {
		perror("kernel listen");
		return -1;
	}
	now = mono_ns();
	struct ife_tcp_ip ip = {.family = 4};
	memcpy(ip.src, S_ADDR, 4);
	memcpy(ip.dst, K_ADDR, 4);
	if (ife_tcp_connect(st, &ip, 0, KPORT, &active, now, &active) != 0)
		return -1;
	int kserv = -1;
	uint32_t ksent = 0;

	struct kcl *cl = calloc(nclients, sizeof(*cl));
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(ECHO_PORT)};
	memcpy(&sa.sin_addr, S_ADDR, 4);
	for (unsigned i = 0; i < nclients; i++) {
		cl[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(cl[i].fd, (struct sockaddr *)&sa, sizeof(sa)) !=
			    0 &&
		    errno != EINPROGRESS) {
			perror("connect");
			return -1;
		}
	}
	static uint8_t buf[65536];
	uint64_t start = mono_ns(),
		 deadline = start + (uint64_t)(limit_s * 1e9);
	unsigned done = 0;
	while (mono_ns() < deadline) {
		now = mono_ns();
		unsigned act = poll_rx();
		ife_tcp_timers(st, now);
		flush_tx();
		/* kernel clients */
		done = 0;
		for (unsigned i = 0; i < nclients; i++) {
			struct kcl *k = &cl[i];
			if (k->failed)
				continue;
			for (int round = 0; round < 2 && k->sent < bytes;
			     round++) {
				uint32_t n = bytes - k->sent;
				if (n > 8192)
					n = 8192;
				for (uint32_t j = 0; j < n; j++)
					buf[j] = pat(i, k->sent + j);
				ssize_t w = send(k->fd, buf, n, MSG_NOSIGNAL);
				if (w < 0 && errno != EAGAIN &&
				    errno != EWOULDBLOCK && errno != ENOTCONN &&
				    errno != EINPROGRESS) {
					k->failed = errno;
					break;
				}
				if (w <= 0)
					break;
				k->sent += (uint32_t)w;
				act++;
			}
			if (k->sent == bytes && !k->shut) {
				shutdown(k->fd, SHUT_WR);
				k->shut = 1;
			}
			while (!k->eof) {
				ssize_t r = recv(k->fd, buf, sizeof(buf), 0);
				if (r == 0)
					k->eof = 1;
				if (r < 0 && errno != EAGAIN &&
				    errno != EWOULDBLOCK && errno != ENOTCONN) {
					k->failed = errno;
					break;
				}
				if (r <= 0)
					break;
				for (ssize_t j = 0; j < r; j++)
					if (buf[j] !=
					    pat(i, k->got + (uint32_t)j))
						k->bad = 1;
				k->got += (uint32_t)r;
				act++;
			}
			if (k->eof)
				done++;
		}
		/* kernel server for our active connection */
		if (kserv < 0) {
			kserv = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
		} else if (ksent < BIG) {
			uint32_t n = BIG - ksent;
			if (n > sizeof(buf))
				n = sizeof(buf);
			for (uint32_t j = 0; j < n; j++)
				buf[j] = (uint8_t)((ksent + j) * 131u);
			ssize_t w = send(kserv, buf, n, MSG_NOSIGNAL);
			if (w > 0)
				ksent += (uint32_t)w;
			if (ksent == BIG)
				shutdown(kserv, SHUT_WR);
		}
		now = mono_ns();
		ife_tcp_timers(st, now);
		flush_tx();
		if (done == nclients && active_final)
			break;
		if (act == 0) {
			struct pollfd pf = {.fd = tun_fd, .events = POLLIN};
			poll(&pf, 1, 1);
		}
	}
	double secs = (double)(mono_ns() - start) / 1e9;
	int ok = done == nclients && active_final == IFE_TCP_EV_CLOSED &&
		 active_rx == BIG;
	unsigned bad = 0, failed = 0;
	for (unsigned i = 0; i < nclients; i++) {
		if ((cl[i].bad || cl[i].got != bytes) && bad < 8) {
			/* What is stuck, for the log: both ends. */
			struct sockaddr_in me;
			socklen_t ml = sizeof(me);
			getsockname(cl[i].fd, (struct sockaddr *)&me, &ml);
			uint8_t kaddr[16] = {0}, saddr[16] = {0};
			memcpy(kaddr, K_ADDR, 4);
			memcpy(saddr, S_ADDR, 4);
			struct ife_tcp_conn *c =
				tcp_lookup(st, 4, saddr, ECHO_PORT, kaddr,
					   ntohs(me.sin_port));
			printf("  stuck client %u: sent %u got %u shut %d eof "
			       "%d "
			       "bad %d errno %d (echo conns reset %lu, timed "
			       "out %lu);",
			       i, cl[i].sent, cl[i].got, cl[i].shut, cl[i].eof,
			       cl[i].bad, cl[i].failed, echo_reset,
			       echo_timedout);
			if (c != NULL) {
				struct ife_tcp_info in;
				ife_tcp_conn_info(st, c, &in);
				printf(" ours %s una %u nxt %u max %u wnd %u "
				       "cwnd %u sndq %u rcvq %u rcv_wnd %u "
				       "backoff %u rto %u t_rexmt in %d ms "
				       "flags %#x\n",
				       ife_tcp_state_name(in.state), in.snd_una,
				       in.snd_nxt, in.snd_max, in.snd_wnd,
				       in.cwnd, in.sndq_bytes, in.rcvq_bytes,
				       in.rcv_wnd, in.backoff, in.rto_ms,
				       c->t_rexmt
					       ? (int)(c->t_rexmt - st->now_ms)
					       : -1,
				       c->flags);
			} else {
				printf(" ours: no TCB\n");
			}
		}
		if (cl[i].bad || cl[i].got != bytes)
			bad++;
		if (cl[i].failed)
			failed++;
		close(cl[i].fd);
	}
	ok = ok && bad == 0;
	if (!ok) {
		/* The kernel's view (this namespace): drops it counted. */
		const char *files[] = {"/proc/net/netstat", "/proc/net/snmp"};
		for (int fi = 0; fi < 2; fi++) {
			FILE *pf = fopen(files[fi], "r");
			char hdr[8192], val[8192];
			while (pf && fgets(hdr, sizeof(hdr), pf) &&
			       fgets(val, sizeof(val), pf)) {
				char *sh, *sv;
				char *h = strtok_r(hdr, " \n", &sh);
				char *v = strtok_r(val, " \n", &sv);
				for (; h && v; h = strtok_r(NULL, " \n", &sh),
					       v = strtok_r(NULL, " \n", &sv))
					if (strstr(h, "PAWS") ||
					    strstr(h, "Err") ||
					    strstr(h, "Drop") ||
					    strstr(h, "Challenge") ||
					    strstr(h, "Csum"))
						if (strcmp(v, "0") != 0)
							printf("  kernel "
							       "%s=%s\n",
							       h, v);
			}
			if (pf)
				fclose(pf);
		}
	}
	const struct ife_tcp_stats *s = ife_tcp_stats(st);
	const struct ife_fault_stats *fr = ife_fault_stats(fault, IFE_FAULT_RX);
	const struct ife_fault_stats *ft = ife_fault_stats(fault, IFE_FAULT_TX);
	printf("%s [%s]: %u kernel clients x %u bytes echoed, %u done, %u "
	       "incomplete or wrong (%u with a socket error); active open "
	       "received %lu/%u bytes (final %d); %.2f s\n",
	       ok ? "PASS" : "FAIL", faults[0] ? faults : "no faults", nclients,
	       bytes, done, bad, failed, active_rx, BIG, active_final, secs);
	printf("  tcp: drop_rx_mem=%lu tx_no_mbuf=%lu tx_output_err=%lu "
	       "drop_paws=%lu drop_ack_invalid=%lu challenge_acks=%lu "
	       "spurious_rto_undo=%lu\n",
	       s->drop_rx_mem, s->tx_no_mbuf, s->tx_output_err, s->drop_paws,
	       s->drop_ack_invalid, s->challenge_acks, s->spurious_rto_undo);
	printf("  tcp: rx_segs=%lu tx_segs=%lu retrans=%lu fast_retrans=%lu "
	       "rto=%lu ooo=%lu dup_data=%lu sack_blocks=%lu accepted=%lu "
	       "closed=%lu drop_bad_csum=%lu drop_out_of_window=%lu "
	       "echo_not_closed=%lu\n",
	       s->rx_segs, s->tx_segs, s->retrans_segs, s->fast_retrans,
	       s->rto_fired, s->ooo_segs, s->dup_data_segs, s->sack_blocks_tx,
	       s->conn_accepted, s->conn_closed, s->drop_bad_csum,
	       s->drop_out_of_window, echo_pending_drops);
	printf("  tcp sack: blocks_rx=%lu bad=%lu dsack=%lu recovery=%lu "
	       "rto_recovery=%lu retrans=%lu reneging=%lu recovery_full=%lu "
	       "recovery_partial=%lu\n",
	       s->sack_blocks_rx, s->sack_blocks_bad, s->sack_dsack_rx,
	       s->sack_recovery, s->sack_rto_recovery, s->sack_retrans_segs,
	       s->sack_reneging, s->recovery_full, s->recovery_partial);
	printf("  fault rx: dropped=%lu dup=%lu reordered=%lu; tx: "
	       "dropped=%lu dup=%lu reordered=%lu\n",
	       fr->dropped, fr->duplicated, fr->reordered, ft->dropped,
	       ft->duplicated, ft->reordered);
	free(cl);
	if (kserv >= 0)
		close(kserv);
	close(ls);
	ife_tcp_stack_destroy(&st);
	ife_fault_destroy(&fault);
	for (unsigned i = 0; i < necho; i++)
		rte_pktmbuf_free(echos[i].pending); /* runs that timed out */
	return ok ? 0 : -1;
}

/* ---- SYN flood while established connections ping-pong ------------- */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Inject one spoofed SYN, as the RX path would deliver it. */
static void
inject_syn(uint32_t k)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 20);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	struct ife_tcp_ip ip = {.family = 4, .len = 20};
	/* sources 10.x.y.z: routed nowhere, so nobody answers our SYN-ACK */
	ip.src[0] = 10;
	ip.src[1] = (uint8_t)(k >> 16);
	ip.src[2] = (uint8_t)(k >> 8);
	ip.src[3] = (uint8_t)(k | 1);
	memcpy(ip.dst, S_ADDR, 4);
	memset(p, 0, 20);
	uint16_t sport = rte_cpu_to_be_16((uint16_t)(1024 + (k % 60000)));
	uint16_t dport = rte_cpu_to_be_16(ECHO_PORT);
	uint32_t seq = rte_cpu_to_be_32(k * 2654435761u);
	memcpy(p, &sport, 2);
	memcpy(p + 2, &dport, 2);
	memcpy(p + 4, &seq, 4);
	p[12] = 0x50;
	p[13] = 0x02; /* SYN */
	p[14] = 0xff;
	p[15] = 0xff;
	uint32_t sum = __rte_raw_cksum(ip.src, 4, 0);
	sum = __rte_raw_cksum(ip.dst, 4, sum);
	uint16_t w[2] = {rte_cpu_to_be_16(IPPROTO_TCP), rte_cpu_to_be_16(20)};
	sum = __rte_raw_cksum(w, 4, sum);
	sum = __rte_raw_cksum(p, 20, sum);
	uint16_t ck = (uint16_t)~__rte_raw_cksum_reduce(sum);
	memcpy(p + 16, &ck, 2);
	ife_tcp_input(st, m, &ip, now);
}

static int
run_flood(unsigned nclients, uint32_t flood_syns, uint32_t backlog)
{
	struct ife_fault_params fp = {0};
	if (ife_fault_create(&fp, SOCKET_ID_ANY, &fault) != 0)
		return -1;
	struct ife_tcp_params p = {0};
	p.mp = mp;
	p.ip_output = out_cb;
	p.event = ev_cb;
	p.max_conns = 4096;
	for (int i = 0; i < 32; i++)
		p.secret[i] = (uint8_t)(mono_ns() >> (i % 5));
	if (ife_tcp_stack_create(&p, &st) != 0 ||
	    ife_tcp_listen(st, ECHO_PORT, backlog, NULL) != 0)
		return -1;
	necho = 0;
	memset(echos, 0, sizeof(echos));
	int *fd = calloc(nclients, sizeof(int));
	uint64_t *t0 = calloc(nclients, sizeof(uint64_t));
	int *conn = calloc(nclients, sizeof(int));
	unsigned *got = calloc(nclients, sizeof(unsigned));
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(ECHO_PORT)};
	memcpy(&sa.sin_addr, S_ADDR, 4);
	unsigned errors = 0, max_conns_seen = 0;
	for (unsigned i = 0; i < nclients; i++) {
		fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		int one = 1;
		setsockopt(fd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd[i], (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
		    errno != EINPROGRESS)
			errors++;
	}
	enum { NLAT = 200000 };
	static uint64_t lat[2][NLAT];
	unsigned nlat[2] = {0, 0};
	uint32_t sent_syns = 0;
	/* Phase A (no flood) runs until 1 s and 200 samples; phase B, the
	 * flood, starts then and lasts 2 s. */
	uint64_t start = mono_ns(), phase_b = UINT64_MAX, end = UINT64_MAX,
		 give_up = start + 30000000000ull;
	char buf[64];
	memset(buf, 'q', sizeof(buf));
	struct pollfd *pf = calloc(nclients + 1, sizeof(*pf));
	pf[0].fd = tun_fd;
	pf[0].events = POLLIN;
	for (unsigned i = 0; i < nclients; i++) {
		pf[i + 1].fd = fd[i];
		pf[i + 1].events = POLLIN;
	}
	while ((now = mono_ns()) < end && now < give_up) {
		if (phase_b == UINT64_MAX && nlat[0] >= 200 &&
		    now >= start + 1000000000ull) {
			phase_b = now;
			end = now + 2000000000ull;
		}
		unsigned act = poll_rx();
		int flooding = now >= phase_b && sent_syns < flood_syns;
		if (flooding) {
			/* spread the flood over 1.5 s */
			uint64_t due =
				(now - phase_b) * flood_syns / 1500000000ull;
			while (sent_syns < due && sent_syns < flood_syns) {
				inject_syn(sent_syns++);
				act++;
			}
		}
		ife_tcp_timers(st, now);
		flush_tx();
		if (ife_tcp_conn_count(st) > max_conns_seen)
			max_conns_seen = ife_tcp_conn_count(st);
		for (unsigned i = 0; i < nclients; i++) {
			if (!conn[i]) {
				if (send(fd[i], buf, sizeof(buf),
					 MSG_NOSIGNAL) == sizeof(buf)) {
					conn[i] = 1;
					t0[i] = mono_ns();
				}
				continue;
			}
			ssize_t r = recv(fd[i], buf, sizeof(buf) - got[i], 0);
			if (r == 0 || (r < 0 && errno != EAGAIN)) {
				errors++;
				continue;
			}
			if (r < 0)
				continue;
			got[i] += (unsigned)r;
			if (got[i] < sizeof(buf))
				continue;
			got[i] = 0;
			uint64_t t = mono_ns();
			int ph = t0[i] >= phase_b ? 1 : 0;
			if (nlat[ph] < NLAT)
				lat[ph][nlat[ph]++] = t - t0[i];
			t0[i] = t;
			if (send(fd[i], buf, sizeof(buf), MSG_NOSIGNAL) !=
			    sizeof(buf))
				errors++;
			act++;
		}
		if (act == 0 && !flooding)
			poll(pf, nclients + 1, 1); /* wake on tun or socket */
	}
	free(pf);
	const struct ife_tcp_stats *s = ife_tcp_stats(st);
	double p50[2] = {0, 0}, p99[2] = {0, 0};
	for (int ph = 0; ph < 2; ph++) {
		if (nlat[ph] == 0)
			continue;
		qsort(lat[ph], nlat[ph], sizeof(uint64_t), cmp_u64);
		unsigned i50 = nlat[ph] / 2, i99 = nlat[ph] * 99 / 100;
		p50[ph] = (double)lat[ph][i50] / 1000.0;
		p99[ph] = (double)lat[ph][i99] / 1000.0;
	}
	int ok = errors == 0 && nlat[0] > 100 && nlat[1] > 100 &&
		 sent_syns == flood_syns &&
		 s->syncookies_sent + s->listen_syns >= flood_syns &&
		 max_conns_seen <= backlog + nclients;
	printf("%s [syn flood]: %u spoofed SYNs in 1.5 s (syncookies_sent=%lu, "
	       "syn_backlog_full=%lu, max TCBs %u of backlog %u + %u "
	       "clients); %u clients ping-pong 64 B: before p50 %.1f us p99 "
	       "%.1f us (%u), during p50 %.1f us p99 %.1f us (%u); "
	       "errors %u; SYN-ACKs to the spoofed sources not written to "
	       "the TUN: %lu\n",
	       ok ? "PASS" : "FAIL", sent_syns, s->syncookies_sent,
	       s->syn_backlog_full, max_conns_seen, backlog, nclients, nclients,
	       p50[0], p99[0], nlat[0], p50[1], p99[1], nlat[1], errors,
	       tx_to_nowhere);
	for (unsigned i = 0; i < nclients; i++)
		close(fd[i]);
	free(fd);
	free(t0);
	free(conn);
	free(got);
	ife_tcp_stack_destroy(&st);
	ife_fault_destroy(&fault);
	return ok ? 0 : -1;
}

int
main(int argc, char **argv)
{
	unsigned nclients =
		argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 100;
	uint32_t bytes =
		argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 262144;
	if (nclients == 0 || nclients > 1000 || bytes == 0) {
		fprintf(stderr, "usage: %s [clients<=1000 bytes]\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		printf("SKIP: needs root (a private network namespace)\n");
		return 77;
	}
	if (setup_tun() != 0) {
		printf("SKIP: no TUN device (%s)\n", strerror(errno));
		return 77;
	}
	char *eal[] = {argv[0],	      "--no-huge",	"--no-pci",
		       "--no-shconf", "--no-telemetry", "-l",
		       "0",	      "--log-level",	"1",
		       "-m",	      "1024",		NULL};
	if (rte_eal_init(11, eal) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	mp = rte_pktmbuf_pool_create("tcpk", 131071, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (mp == NULL) {
		fprintf(stderr, "mempool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	double flimit = argc > 3 ? strtod(argv[3], NULL) : 240;
	if (flimit <= 0)
		flimit = 240;
	int rc = run("", nclients, bytes, 300);
	rc |= run("seed=5,drop=5%,reorder=5%,dup=5%",
		  nclients / 2 ? nclients / 2 : 1, bytes / 2 ? bytes / 2 : 1,
		  flimit);
	rc |= run_flood(10, 200000, 64);
	printf("mbufs in use after the runs: %u\n",
	       rte_mempool_in_use_count(mp));
	if (rte_mempool_in_use_count(mp) != 0)
		rc = -1;
	return rc == 0 ? 0 : 1;
}
