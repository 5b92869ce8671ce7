/*
 * libFuzzer target for the TCP input path (issue 5). The input is a script
 * of operations on one stack with a listener: raw segments (random bytes),
 * segments whose sequence and acknowledgment numbers are rewritten relative
 * to the connection's state (so that the fuzzer reaches the synchronized
 * states), clock jumps, and application calls (write, recv, shutdown,
 * close, abort, connect, path MTU). After each input the stack is destroyed
 * and every mbuf must be back in the pool: a leak aborts.
 *
 * Operation encoding: one op byte, then its arguments.
 *   op & 7 == 0: raw segment: u8 len, len bytes (checksum fixed when
 *                op & 8), family 6 when op & 16
 *   op & 7 == 1: relative segment: u8 flags, i8 dseq, i8 dack, u8 len,
 *                len bytes of which the first are TCP options when op & 8
 *   op & 7 == 2: advance the clock by u8 * 7 ms (and run timers)
 *   op & 7 == 3: app write u8 * 61 bytes
 *   op & 7 == 4: app recv
 *   op & 7 == 5: u8 % 3: shutdown / close / abort
 *   op & 7 == 6: connect to the peer (active open)
 *   op & 7 == 7: path MTU u8 * 8
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "tcp_pvt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rte_mempool *mp;
static uint64_t now;
static struct ife_tcp_conn *app_conn;

static int
out_cb(void *ctx, struct rte_mbuf *m, const struct ife_tcp_ip *ip)
{
	(void)ctx;
	(void)ip;
	rte_pktmbuf_free(m);
	return 0;
}

static void
ev_cb(void *app, struct ife_tcp_conn *c, void *ctx, unsigned bits)
{
	(void)ctx;
	struct ife_tcp_stack *st = *(struct ife_tcp_stack **)app;
	if (bits & (IFE_TCP_EV_ACCEPTED | IFE_TCP_EV_CONNECTED))
		app_conn = c;
	if ((bits & IFE_TCP_EV_READABLE) && (bits & 0x100) == 0) {
		struct rte_mbuf *m;
		if (ife_tcp_recv(st, c, &m, now) > 0)
			rte_pktmbuf_free(m);
	}
	if ((bits & IFE_TCP_EV_FINAL) && app_conn == c)
		app_conn = NULL;
}

static int
init_once(void)
{
	static int done;
	if (done)
		return mp != NULL ? 0 : -1;
	done = 1;
	char *argv[] = {"fuzz_tcp_input",
			"--no-huge",
			"--no-pci",
			"--no-shconf",
			"--no-telemetry",
			"-l",
			"0",
			"--log-level",
			"1",
			"-m",
			"128",
			NULL};
	if (rte_eal_init(11, argv) < 0)
		return -1;
	mp = rte_pktmbuf_pool_create("fuzz_tcp", 4095, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return mp != NULL ? 0 : -1;
}

static const uint8_t peer4[16] = {198, 18, 0, 1};
static const uint8_t us4[16] = {198, 18, 0, 2};
static const uint8_t peer6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t us6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

static void
fix_csum(struct rte_mbuf *m, const struct ife_tcp_ip *ip)
{
	if (m->pkt_len < 20)
		return;
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod(m, struct rte_tcp_hdr *);
	th->cksum = 0;
	uint32_t sum = tcp_pseudo_sum(ip->family, ip->src, ip->dst, ip->len);
	sum = __rte_raw_cksum(th, m->pkt_len, sum);
	th->cksum = (uint16_t)~__rte_raw_cksum_reduce(sum);
}

static void
inject(struct ife_tcp_stack *st, const uint8_t *b, size_t n, int v6, int csum)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
	if (n && p == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	if (n)
		memcpy(p, b, n);
	struct ife_tcp_ip ip = {.family = v6 ? 6 : 4, .len = (uint16_t)n};
	memcpy(ip.src, v6 ? peer6 : peer4, 16);
	memcpy(ip.dst, v6 ? us6 : us4, 16);
	if (csum && ip.len == m->pkt_len)
		fix_csum(m, &ip);
	ife_tcp_input(st, m, &ip, now);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (init_once() != 0)
		abort();
	static struct ife_tcp_stack *st;
	struct ife_tcp_params p = {0};
	p.mp = mp;
	p.ip_output = out_cb;
	p.event = ev_cb;
	p.app = &st;
	p.max_conns = 8;
	p.wheel_slots = 64;
	p.rcv_buf = 8192;
	p.snd_buf = 8192;
	p.ooo_max_segs = 8;
	p.rcvq_max_segs = 32;
	p.keepalive_idle_ms = 2000;
	p.keepalive_intvl_ms = 500;
	p.time_wait_ms = 3000;
	p.cc = size & 1;
	if (ife_tcp_stack_create(&p, &st) != 0)
		abort();
	ife_tcp_listen(st, 143, 2, NULL);
	now = 1000000000ull;
	app_conn = NULL;
	size_t i = 0;
	static uint8_t zeros[255 * 61];
	while (i < size) {
		uint8_t op = data[i++];
		int v6 = !!(op & 16);
		switch (op & 7) {
		case 0: {
			if (i >= size)
				break;
			size_t n = data[i++];
			if (n > size - i)
				n = size - i;
			inject(st, data + i, n, v6, op & 8);
			i += n;
			break;
		}
		case 1: {
			if (size - i < 4)
				goto out;
			uint8_t fl = data[i];
			int8_t dseq = (int8_t)data[i + 1];
			int8_t dack = (int8_t)data[i + 2];
			size_t n = data[i + 3];
			i += 4;
			if (n > size - i)
				n = size - i;
			uint8_t seg[20 + 255];
			unsigned olen = (op & 8) ? (unsigned)(n & ~3u) : 0;
			if (olen > 40)
				olen = 40;
			memset(seg, 0, 20);
			memcpy(seg + 20, data + i, n);
			i += n;
			struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)seg;
			uint16_t sport = 40000 + (fl >> 6);
			th->src_port = rte_cpu_to_be_16(sport);
			th->dst_port = rte_cpu_to_be_16(143);
			uint32_t sq = 5000, ak = 0;
			struct ife_tcp_conn *c =
				tcp_lookup(st, v6 ? 6 : 4, v6 ? us6 : us4, 143,
					   v6 ? peer6 : peer4, sport);
			if (c != NULL) {
				sq = c->rcv_nxt;
				ak = c->snd_nxt;
			}
			th->sent_seq = rte_cpu_to_be_32(sq + (uint32_t)dseq);
			th->recv_ack = rte_cpu_to_be_32(ak + (uint32_t)dack);
			th->data_off = (uint8_t)(((20 + olen) / 4) << 4);
			th->tcp_flags = fl & 0x3f;
			th->rx_win = rte_cpu_to_be_16((uint16_t)(dseq * 300));
			inject(st, seg, 20 + n, v6, 1);
			break;
		}
		case 2:
			if (i >= size)
				goto out;
			now += (uint64_t)data[i++] * 7000000ull;
			ife_tcp_timers(st, now);
			break;
		case 3:
			if (i >= size)
				goto out;
			if (app_conn)
				ife_tcp_write(st, app_conn, zeros,
					      (size_t)data[i] * 61, now);
			i++;
			break;
		case 4:
			if (app_conn) {
				struct rte_mbuf *m;
				if (ife_tcp_recv(st, app_conn, &m, now) > 0)
					rte_pktmbuf_free(m);
			}
			break;
		case 5:
			if (i >= size)
				goto out;
			if (app_conn) {
				struct ife_tcp_conn *c = app_conn;
				switch (data[i] % 3) {
				case 0:
					ife_tcp_shutdown(st, c, now);
					break;
				case 1:
					app_conn = NULL;
					ife_tcp_close(st, c, now);
					break;
				default:
					app_conn = NULL;
					ife_tcp_abort(st, c, now);
					break;
				}
			}
			i++;
			break;
		case 6: {
			struct ife_tcp_ip ip = {.family = v6 ? 6 : 4};
			memcpy(ip.src, v6 ? us6 : us4, 16);
			memcpy(ip.dst, v6 ? peer6 : peer4, 16);
			struct ife_tcp_conn *c;
			if (ife_tcp_connect(st, &ip, 143, 40000 + (op >> 6),
					    NULL, now, &c) == 0 &&
			    app_conn == NULL)
				app_conn = c;
			break;
		}
		case 7: {
			if (i >= size)
				goto out;
			struct ife_tcp_ip ip = {.family = v6 ? 6 : 4};
			memcpy(ip.src, v6 ? us6 : us4, 16);
			memcpy(ip.dst, v6 ? peer6 : peer4, 16);
			ife_tcp_pmtu_update(st, &ip, 143, 40000 + (op >> 6),
					    (uint16_t)(data[i++] * 8), now);
			break;
		}
		}
	}
out:
	/* Let every timer run out, then tear down. */
	for (int k = 0; k < 200; k++) {
		now += 500000000ull;
		ife_tcp_timers(st, now);
	}
	/* Invariants: the receive budget matches the queues; every live
	 * TCB is reachable; sequence state is ordered. */
	uint32_t held = 0, live = 0;
	for (uint32_t k = 0; k < st->nconns; k++) {
		const struct ife_tcp_conn *c = &st->conns[k];
		if (c->flags & TF_FREED)
			continue;
		live++;
		if (c->rcvq_head)
			held += c->rcvq_head->nb_segs;
		for (const struct rte_mbuf *q = c->ooo_head; q != NULL;) {
			held += q->nb_segs;
			const struct rte_mbuf *l = q;
			for (unsigned n = 1; n < q->nb_segs; n++)
				l = l->next;
			q = l->next;
		}
		if (SEQ_GT(c->snd_una, c->snd_nxt) ||
		    SEQ_GT(c->snd_nxt, c->snd_max)) {
			fprintf(stderr, "bad send sequence state\n");
			abort();
		}
	}
	if (held != st->rx_held || live != st->used) {
		fprintf(stderr, "rx_held %u vs %u, live %u vs %u\n",
			st->rx_held, held, live, st->used);
		abort();
	}
	ife_tcp_stack_destroy(&st);
	if (rte_mempool_in_use_count(mp) != 0) {
		fprintf(stderr, "mbuf leak: %u in use\n",
			rte_mempool_in_use_count(mp));
		abort();
	}
	return 0;
}
