/*
 * The worker poll loop: rx burst -> net classify -> TCP -> timers -> tx
 * burst. One per lcore, one RX/TX queue pair each; nothing here is shared
 * or locked, nothing is allocated but mbufs, and no system call is made
 * unless idle-sleep-us asks for it (or, with a single lcore and no
 * control thread, SIGUSR1 asks for --conn-dump's file).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "dp_worker.h"
#include "imapfe/err.h"

#define IDLE_POLLS_BEFORE_SLEEP 64

static const char *const dp_counter_names[IFE_DP_CNT_MAX] = {
#define IFE_DP_X_NAME(id, name) [IFE_DP_CNT_##id] = name,
	IFE_DP_COUNTERS(IFE_DP_X_NAME)
#undef IFE_DP_X_NAME
};

const char *
ife_dp_counter_name(enum ife_dp_counter c)
{
	return (unsigned)c < IFE_DP_CNT_MAX ? dp_counter_names[c] : "unknown";
}

uint64_t
ife_dp_worker_clock(const struct ife_dp_worker *w)
{
	return (uint64_t)(((unsigned __int128)rte_rdtsc() *
			   w->ns_per_tsc_q32) >>
			  32);
}

/* With offloads on, the port's own checks and fix-ups of the offload
 * metadata (the pseudo-header sums some NICs want for TSO, their segment
 * limits) before the burst, as DPDK asks. A packet the port refuses is
 * dropped and counted (drop_tx_prepare); TCP recovers it as a loss. A
 * port without the callback (net_tap, net_af_packet) takes all at once. */
static uint16_t
tx_prepare_all(struct ife_dp_worker *w)
{
	uint16_t n = w->ntx, out = 0, i = 0;
	while (i < n) {
		uint16_t ok = rte_eth_tx_prepare(w->port, w->queue, w->txq + i,
						 (uint16_t)(n - i));
		if (out != i)
			for (uint16_t k = 0; k < ok; k++)
				w->txq[out + k] = w->txq[i + k];
		out = (uint16_t)(out + ok);
		i = (uint16_t)(i + ok);
		if (i < n) {
			w->cnt[IFE_DP_CNT_DROP_TX_PREPARE]++;
			rte_pktmbuf_free(w->txq[i]);
			i++;
		}
	}
	return out;
}

static void
tx_flush(struct ife_dp_worker *w)
{
	uint16_t done = 0;
	if (w->fault != NULL)
		w->ntx = ife_fault_burst(w->fault, IFE_FAULT_TX, w->txq, w->ntx,
					 IFE_DP_TXQ, w->now_ns);
	if (w->tx_prepare && w->ntx > 0)
		w->ntx = tx_prepare_all(w);
	/* Retry a few times: a full ring now usually drains within a few
	 * hundred nanoseconds; past that the rest is dropped and counted. */
	for (int tries = 0; done < w->ntx && tries < 4; tries++)
		done += rte_eth_tx_burst(w->port, w->queue, w->txq + done,
					 w->ntx - done);
	w->cnt[IFE_DP_CNT_TX_FRAMES] += done;
	if (done < w->ntx) {
		w->cnt[IFE_DP_CNT_DROP_TX_FULL] += w->ntx - done;
		rte_pktmbuf_free_bulk(w->txq + done, w->ntx - done);
	}
	w->ntx = 0;
	w->tx_last_ns = w->now_ns;
}

/* End of a poll: send what is queued, unless tx-coalesce-us holds it
 * (dp_txpolicy.h). The fault layer needs every poll: it releases the
 * frames it delayed. */
static inline bool
tx_due(const struct ife_dp_worker *w)
{
	return w->fault != NULL ||
	       ife_dp_tx_due(w->ntx, w->now_ns, w->tx_last_ns,
			     w->tx_coalesce_ns);
}

static inline void
tx_queue(struct ife_dp_worker *w, struct rte_mbuf *m)
{
	if (w->ntx == IFE_DP_TXQ)
		tx_flush(w);
	w->txq[w->ntx++] = m;
}

static void
send_small(struct ife_dp_worker *w, const uint8_t *frame, uint32_t len,
	   enum ife_dp_counter what)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL) {
		w->cnt[IFE_DP_CNT_NO_MBUF]++;
		return;
	}
	char *p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(p, frame, len);
	tx_queue(w, m);
	w->cnt[what]++;
}

int
ife_dp_worker_ip_output(void *ctx, struct rte_mbuf *m,
			const struct ife_tcp_ip *ip)
{
	struct ife_dp_worker *w = ctx;
	struct ife_net_tx tx = {.family = ip->family, .proto = 6};
	memcpy(tx.src, ip->src, 16);
	memcpy(tx.dst, ip->dst, 16);
	uint8_t *l4 = rte_pktmbuf_mtod(m, uint8_t *), *frame;
	uint32_t flen;
	int rc = ife_net_output(&w->net, l4, ip->len, rte_pktmbuf_headroom(m),
				&tx, &frame, &flen);
	if (rc == 0) {
		uint16_t hdr = (uint16_t)(l4 - frame);
		rte_pktmbuf_prepend(m, hdr);
		m->l2_len = IFE_NET_ETH_HLEN;
		m->l3_len = (uint16_t)(hdr - IFE_NET_ETH_HLEN);
		tx_queue(w, m);
		return 0;
	}
	rte_pktmbuf_free(m);
	if (rc == IFE_AGAIN) {
		/* Unknown next hop: solicit it; TCP retransmits the segment
		 * once the answer has filled the cache. */
		uint8_t sol[IFE_NET_NS_FRAME_LEN];
		uint32_t slen =
			ife_net_solicit(&w->net, ip->family, ip->dst, sol);
		if (slen)
			send_small(w, sol, slen, IFE_DP_CNT_TX_SOLICIT);
		w->cnt[IFE_DP_CNT_DROP_OUT_NO_NEIGHBOR]++;
		return -EHOSTUNREACH;
	}
	w->cnt[IFE_DP_CNT_DROP_OUT_ERROR]++;
	return rc;
}

static inline uint16_t
ld16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static void
to_tcp(struct ife_dp_worker *w, struct rte_mbuf *m, enum ife_net_verdict v,
       const struct ife_net_rx *rx)
{
	struct ife_tcp_ip ip = {.family = rx->family, .len = rx->l4_len};
	if (w->tcp == NULL || rx->proto != 6) {
		w->cnt[IFE_DP_CNT_DROP_L4_NO_HANDLER]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (v == IFE_NET_ICMP_ERR) {
		/* The quote holds our segment: ports, ours first. */
		const uint8_t *q =
			rte_pktmbuf_mtod_offset(m, uint8_t *, rx->l4_off);
		memcpy(ip.src, rx->src, 16);
		memcpy(ip.dst, rx->dst, 16);
		ife_tcp_pmtu_update(w->tcp, &ip, ld16(q), ld16(q + 2), rx->mtu,
				    w->now_ns);
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(ip.src, rx->src, 16);
	memcpy(ip.dst, rx->dst, 16);
	rte_pktmbuf_adj(m, rx->l4_off);
	ife_tcp_input(w->tcp, m, &ip, w->now_ns);
}

static void
idle_sleep(uint32_t us)
{
	/* Lab/dev mode only (idle-sleep-us > 0): frees the core for other
	 * processes on small machines; production polls without sleeping. */
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)us * 1000};
	nanosleep(&ts, NULL);
}

/* A new dump asked for, and the last one written out? */
static inline bool
dump_wanted(const struct ife_dp_worker *w)
{
	uint32_t done = __atomic_load_n(&w->dump_done, __ATOMIC_RELAXED);
	return *w->dump_sig != done &&
	       __atomic_load_n(&w->dump_ack, __ATOMIC_ACQUIRE) == done;
}

static void
dump_serve(struct ife_dp_worker *w)
{
	uint32_t seq = *w->dump_sig;
	ife_dp_worker_dump(w);
	__atomic_store_n(&w->dump_done, seq, __ATOMIC_RELEASE);
	if (w->dump_path != NULL) {
		/* One lcore: no control thread to hand the dump to. */
		(void)ife_dp_dump_write(w->dump_path, w, 1, seq);
		__atomic_store_n(&w->dump_ack, seq, __ATOMIC_RELEASE);
	}
}

static void
dump_addr(char *buf, size_t len, const struct ife_tcp_info *i, const uint8_t *a)
{
	if (inet_ntop(i->family == 6 ? AF_INET6 : AF_INET, a, buf,
		      (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

void
ife_dp_worker_dump(struct ife_dp_worker *w)
{
	char *b = w->dump_buf;
	uint32_t cur = 0, shown = 0, total = 0;
	/* Lines go after room for the header, which needs the totals. */
	const size_t head = 160, cap = w->dump_cap;
	size_t at = head;
	if (w->tcp != NULL) {
		struct ife_tcp_conn *c;
		while ((c = ife_tcp_conn_next(w->tcp, &cur)) != NULL) {
			total++;
			struct ife_tcp_info i;
			ife_tcp_conn_info(w->tcp, c, &i);
			char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];
			char fl[256], app[96];
			dump_addr(la, sizeof(la), &i, i.laddr);
			dump_addr(ra, sizeof(ra), &i, i.raddr);
			ife_tcp_flags_str(i.flags, fl, sizeof(fl));
			ife_dp_svc_conn_str(&w->svc, c, app, sizeof(app));
			char line[1024];
			int n = snprintf(
				line, sizeof(line),
				"%s%s%s:%u %s%s%s:%u %s una=%u nxt=+%u max=+%u "
				"wnd=%u maxwnd=%u cwnd=%u ssthresh=%u "
				"rcv_nxt=%u rcvwnd=%u rcvq=%u sndq=%u ooo=%u "
				"mss=%u srtt=%u rto=%u backoff=%u dupacks=%u "
				"rexmt=%d delack=%d keep=%d idle=%u "
				"flags=\"%s\" app=\"%s\"\n",
				i.family == 6 ? "[" : "", la,
				i.family == 6 ? "]" : "", i.lport,
				i.family == 6 ? "[" : "", ra,
				i.family == 6 ? "]" : "", i.rport,
				ife_tcp_state_name(i.state), i.snd_una,
				i.snd_nxt - i.snd_una, i.snd_max - i.snd_una,
				i.snd_wnd, i.max_snd_wnd, i.cwnd, i.ssthresh,
				i.rcv_nxt, i.rcv_wnd, i.rcvq_bytes,
				i.sndq_bytes, i.ooo_segs, i.mss, i.srtt_ms,
				i.rto_ms, i.backoff, i.dupacks, i.rexmt_ms,
				i.delack_ms, i.keep_ms, i.idle_ms, fl, app);
			if (n < 0 || (size_t)n >= sizeof(line) ||
			    at + (size_t)n >= cap)
				continue; /* counted, not shown */
			memcpy(b + at, line, (size_t)n);
			at += (size_t)n;
			shown++;
		}
	}
	char hdr[160];
	int hn = snprintf(hdr, sizeof(hdr),
			  "# worker %u lcore %u conns %u shown %u\n",
			  (unsigned)w->queue, w->lcore, total, shown);
	if (hn < 0)
		hn = 0;
	/* Move the header next to the lines (no gap in the buffer). */
	size_t start = head - (size_t)hn;
	memcpy(b + start, hdr, (size_t)hn);
	memmove(b, b + start, at - start);
	w->dump_len = (uint32_t)(at - start);
}

int
ife_dp_dump_write(const char *path, const struct ife_dp_worker *w, unsigned nw,
		  uint32_t want)
{
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return -errno;
	for (unsigned i = 0; i < nw; i++) {
		if (w[i].dump_buf == NULL)
			continue;
		/* A worker that has not served this request: its buffer
		 * holds an older dump, or nothing. */
		if (!ife_dp_dump_served(&w[i], want))
			fprintf(f, "# worker %u lcore %u did not answer\n",
				(unsigned)w[i].queue, w[i].lcore);
		else
			fwrite(w[i].dump_buf, 1, w[i].dump_len, f);
	}
	if (fclose(f) != 0)
		return -errno;
	if (rename(tmp, path) != 0)
		return -errno;
	return 0;
}

int
ife_dp_worker_run(void *arg)
{
	struct ife_dp_worker *w = arg;
	struct rte_mbuf *rx[IFE_DP_RX_CAP];
	uint32_t idle = 0;

	w->now_ns = ife_dp_worker_clock(w);
	if (w->send_garp) {
		uint8_t garp[IFE_NET_ARP_FRAME_LEN];
		send_small(w, garp, ife_net_garp(&w->net, garp),
			   IFE_DP_CNT_TX_GARP);
	}

	while (!*w->stop) {
		uint16_t n = rte_eth_rx_burst(w->port, w->queue, rx, w->burst);
		w->cnt[IFE_DP_CNT_POLLS]++;
		w->now_ns = ife_dp_worker_clock(w);
		w->net.now = w->now_ns;
		if (w->fault != NULL)
			n = ife_fault_burst(w->fault, IFE_FAULT_RX, rx, n,
					    IFE_DP_RX_CAP, w->now_ns);

		int batch = n > 0 && w->tcp != NULL && w->tcp_batch;
		if (batch)
			ife_tcp_batch_begin(w->tcp);
		for (uint16_t i = 0; i < n; i++) {
			struct rte_mbuf *m = rx[i];
			if (m->nb_segs != 1) {
				/* A frame larger than one mbuf: the net layer
				 * parses contiguous frames only. */
				w->net.cnt[IFE_NET_CNT_RX]++;
				w->cnt[IFE_DP_CNT_DROP_RX_MULTISEG]++;
				rte_pktmbuf_free(m);
				continue;
			}
			uint32_t rlen;
			struct ife_net_rx l4;
			enum ife_net_verdict v = ife_net_input(
				&w->net, rte_pktmbuf_mtod(m, uint8_t *),
				m->data_len,
				m->data_len + rte_pktmbuf_tailroom(m), &rlen,
				&l4);
			switch (v) {
			case IFE_NET_TX:
				m->data_len = (uint16_t)rlen;
				m->pkt_len = rlen;
				m->ol_flags = 0;
				tx_queue(w, m);
				break;
			case IFE_NET_L4:
			case IFE_NET_ICMP_ERR:
				to_tcp(w, m, v, &l4);
				break;
			default:
				rte_pktmbuf_free(m);
				break;
			}
		}

		if (batch)
			ife_tcp_batch_end(w->tcp, w->now_ns);
		if (w->tcp != NULL)
			ife_tcp_timers(w->tcp, w->now_ns);
		if (tx_due(w))
			tx_flush(w);

		if (unlikely(w->dump_buf != NULL) && dump_wanted(w))
			dump_serve(w);

		if (n == 0) {
			w->cnt[IFE_DP_CNT_IDLE_POLLS]++;
			if (w->idle_sleep_us &&
			    ++idle >= IDLE_POLLS_BEFORE_SLEEP) {
				idle = 0;
				idle_sleep(w->idle_sleep_us);
			} else {
				rte_pause();
			}
		} else {
			idle = 0;
		}
	}
	if (w->ntx > 0)
		tx_flush(w);
	return 0;
}
