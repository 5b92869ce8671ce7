/*
 * The worker poll loop: rx burst -> net classify -> tx burst. One per lcore,
 * one RX/TX queue pair each; nothing here is shared or locked, nothing is
 * allocated, no system call is made unless idle-sleep-us asks for it.
 */
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "dp_worker.h"

#define MAX_BURST		256
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

static void
send_garp(struct ife_dp_worker *w, struct rte_mbuf **tx, uint16_t *ntx)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL)
		return;
	char *p = rte_pktmbuf_append(m, IFE_NET_ARP_FRAME_LEN);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	ife_net_garp(&w->net, (uint8_t *)p);
	tx[(*ntx)++] = m;
	w->cnt[IFE_DP_CNT_TX_GARP]++;
}

static void
idle_sleep(uint32_t us)
{
	/* Lab/dev mode only (idle-sleep-us > 0): frees the core for other
	 * processes on small machines; production polls without sleeping. */
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)us * 1000};
	nanosleep(&ts, NULL);
}

int
ife_dp_worker_run(void *arg)
{
	struct ife_dp_worker *w = arg;
	struct rte_mbuf *rx[MAX_BURST], *tx[MAX_BURST];
	uint32_t idle = 0;

	uint16_t ntx = 0;
	if (w->send_garp)
		send_garp(w, tx, &ntx);

	while (!*w->stop) {
		uint16_t n = rte_eth_rx_burst(w->port, w->queue, rx, w->burst);
		w->cnt[IFE_DP_CNT_POLLS]++;
		w->net.now = rte_rdtsc();

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
			if (v == IFE_NET_TX) {
				m->data_len = (uint16_t)rlen;
				m->pkt_len = rlen;
				m->ol_flags = 0;
				tx[ntx++] = m;
			} else {
				if (v == IFE_NET_L4 || v == IFE_NET_ICMP_ERR)
					w->cnt[IFE_DP_CNT_DROP_L4_NO_HANDLER]++;
				rte_pktmbuf_free(m);
			}
		}

		if (ntx > 0) {
			uint16_t sent =
				rte_eth_tx_burst(w->port, w->queue, tx, ntx);
			w->cnt[IFE_DP_CNT_TX_FRAMES] += sent;
			if (sent < ntx) {
				w->cnt[IFE_DP_CNT_DROP_TX_FULL] += ntx - sent;
				rte_pktmbuf_free_bulk(tx + sent, ntx - sent);
			}
			ntx = 0;
		}

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
	return 0;
}
