/*
 * Connection setup and teardown: stack creation, listeners, the SYN
 * backlog, SYN cookies (RFC 4987), ISNs (RFC 6528), active open, event
 * delivery to the application and the end of a connection's life.
 */
#include <rte_malloc.h>

#include "tcp_pvt.h"

/* The field list must name every counter exactly once. */
#define IFE_TCP_COUNT_FIELD(f) +1
static_assert(sizeof(struct ife_tcp_stats) ==
		      sizeof(uint64_t) *
			      (0 IFE_TCP_STATS_FIELDS(IFE_TCP_COUNT_FIELD)),
	      "IFE_TCP_STATS_FIELDS out of date");
#undef IFE_TCP_COUNT_FIELD

/* ---- stack ------------------------------------------------------------ */

static uint32_t
pow2_at_least(uint32_t v)
{
	uint32_t p = 1;
	while (p < v && p < (1u << 31))
		p <<= 1;
	return p;
}

#define DEF(field, val)                  \
	do {                             \
		if (p.field == 0)        \
			p.field = (val); \
	} while (0)

int
ife_tcp_stack_create(const struct ife_tcp_params *params,
		     struct ife_tcp_stack **st_r)
{
	if (params == NULL || st_r == NULL || params->mp == NULL ||
	    params->ip_output == NULL || params->event == NULL)
		return -EINVAL;
	struct ife_tcp_params p = *params;
	DEF(max_conns, 65536);
	DEF(wheel_slots, 4096);
	DEF(mtu, 1500);
	DEF(rcv_buf, 262144);
	DEF(snd_buf, 262144);
	/* Enough mbufs for the whole window in segments of 1 KiB. */
	DEF(rcvq_max_segs,
	    (uint16_t)tcp_min32(32768, tcp_max32(512, p.rcv_buf / 1024)));
	DEF(ooo_max_segs, 64);
	DEF(rto_min_ms, 200);
	DEF(rto_max_ms, 60000);
	DEF(rto_init_ms, 1000);
	DEF(delack_ms, 40);
	DEF(time_wait_ms, 60000);
	DEF(time_wait_max, p.max_conns / 2 ? p.max_conns / 2 : 1);
	DEF(fin_wait2_ms, 60000);
	DEF(keepalive_intvl_ms, 75000);
	DEF(keepalive_probes, 9);
	DEF(max_retries, 12);
	DEF(syn_retries, 5);
	DEF(challenge_ack_limit, 1000);
	DEF(tso_max, IFE_TCP_TSO_MAX);
	if (p.max_conns > (1u << 24) || p.wheel_slots > (1u << 20) ||
	    p.wheel_slots < 16 || (p.wheel_slots & (p.wheel_slots - 1)) ||
	    p.mtu < 576 || p.mtu > 9216 || p.cc > IFE_TCP_CC_CUBIC ||
	    p.rcv_buf < 4096 || p.rcv_buf > (1u << 30) || p.snd_buf < 4096 ||
	    p.snd_buf > (1u << 30) || p.rcvq_max_segs > 32768 ||
	    p.ooo_max_segs > 255 || p.ooo_max_segs > p.rcvq_max_segs ||
	    p.rto_min_ms > p.rto_max_ms || p.rto_init_ms > p.rto_max_ms ||
	    p.delack_ms >= p.rto_min_ms)
		return -EINVAL;
	/* A super-segment must fit the 16-bit IP length with the largest
	 * headers; a port's segment MTU is no larger than the path's. */
	if (p.tso_max > IFE_TCP_TSO_MAX ||
	    (p.tso_mtu != 0 && (p.tso_mtu < 256 || p.tso_mtu > p.mtu)))
		return -EINVAL;
	if (p.rx_mbuf_max == 0)
		p.rx_mbuf_max = p.mp->size / 2 ? p.mp->size / 2 : 1;
	if (p.tx_mbuf_max == 0)
		p.tx_mbuf_max = tcp_max32(p.mp->size / 8 * 3, 1);
	uint32_t room = rte_pktmbuf_data_room_size(p.mp);
	if (room < RTE_PKTMBUF_HEADROOM + 60 + 536)
		return -EINVAL;

	struct ife_tcp_stack *st = rte_zmalloc_socket(
		"ife_tcp_stack", sizeof(*st), RTE_CACHE_LINE_SIZE, p.socket_id);
	if (st == NULL)
		return -ENOMEM;
	st->p = p;
	st->max_seg_payload =
		(uint16_t)tcp_min32(room - RTE_PKTMBUF_HEADROOM - 60, 65000);
	st->seg_room = (uint16_t)(room - RTE_PKTMBUF_HEADROOM);
	st->mss_v4 = (uint16_t)(p.mtu - 40);
	st->mss_v6 = (uint16_t)(tcp_max32(p.mtu, 1280) - 60);
	while (st->rcv_wscale < IFE_TCP_MAX_WSCALE &&
	       (p.rcv_buf >> st->rcv_wscale) > 65535)
		st->rcv_wscale++;
	uint64_t sk[2];
	memcpy(sk, p.secret, 16);
	sk[0] ^= 0x0123456789abcdefULL; /* distinct from any zero key */
	for (unsigned i = 0; i < 6; i++) {
		uint8_t buf[17];
		memcpy(buf, p.secret + 16, 16);
		buf[16] = (uint8_t)i;
		st->key[i] = tcp_siphash(sk, buf, sizeof(buf));
	}
	st->next_eport = (uint16_t)(32768 + (st->key[0] % 28000));

	st->nconns = p.max_conns;
	st->conns = rte_zmalloc_socket("ife_tcp_conns",
				       (size_t)st->nconns * sizeof(*st->conns),
				       RTE_CACHE_LINE_SIZE, p.socket_id);
	uint32_t nb = pow2_at_least(st->nconns);
	st->buckets = rte_malloc_socket("ife_tcp_hash", nb * sizeof(uint32_t),
					RTE_CACHE_LINE_SIZE, p.socket_id);
	st->txwait = rte_malloc_socket("ife_tcp_txwait",
				       (size_t)st->nconns * sizeof(uint32_t),
				       RTE_CACHE_LINE_SIZE, p.socket_id);
	if (st->conns == NULL || st->buckets == NULL || st->txwait == NULL ||
	    tcp_wheel_init(st) != 0) {
		ife_tcp_stack_destroy(&st);
		return -ENOMEM;
	}
	st->bucket_mask = nb - 1;
	for (uint32_t i = 0; i < nb; i++)
		st->buckets[i] = IFE_TCP_NIL;
	st->free_head = IFE_TCP_NIL;
	for (uint32_t i = st->nconns; i-- > 0;) {
		st->conns[i].flags = TF_FREED;
		st->conns[i].tnext = st->free_head;
		st->free_head = i;
	}
	*st_r = st;
	return 0;
}

void
ife_tcp_stack_destroy(struct ife_tcp_stack **stp)
{
	if (stp == NULL || *stp == NULL)
		return;
	struct ife_tcp_stack *st = *stp;
	if (st->conns != NULL)
		for (uint32_t i = 0; i < st->nconns; i++)
			if (!(st->conns[i].flags & TF_FREED))
				tcp_free_queues(st, &st->conns[i]);
	rte_free(st->conns);
	rte_free(st->buckets);
	rte_free(st->txwait);
	rte_free(st->wheel);
	rte_free(st);
	*stp = NULL;
}

const struct ife_tcp_stats *
ife_tcp_stats(const struct ife_tcp_stack *st)
{
	return &st->stats;
}

uint32_t
ife_tcp_conn_count(const struct ife_tcp_stack *st)
{
	return st->used;
}

void
ife_tcp_mbufs_held(const struct ife_tcp_stack *st, uint32_t *rx, uint32_t *tx)
{
	*rx = __atomic_load_n(&st->rx_held, __ATOMIC_RELAXED);
	*tx = __atomic_load_n(&st->tx_held, __ATOMIC_RELAXED);
}

/* ---- listeners --------------------------------------------------------- */

int
tcp_find_listener(const struct ife_tcp_stack *st, uint16_t port)
{
	for (int i = 0; i < IFE_TCP_MAX_LISTEN; i++)
		if (st->lis[i].port == port && port != 0)
			return i;
	return -1;
}

int
ife_tcp_listen(struct ife_tcp_stack *st, uint16_t port, uint32_t backlog,
	       void *ctx)
{
	if (port == 0 || backlog == 0)
		return -EINVAL;
	if (tcp_find_listener(st, port) >= 0)
		return IFE_EEXIST;
	for (int i = 0; i < IFE_TCP_MAX_LISTEN; i++) {
		struct ife_tcp_listener *l = &st->lis[i];
		/* A slot is reusable once its embryos are gone. */
		if (l->port == 0 && l->syn_count == 0) {
			l->port = port;
			l->backlog = backlog;
			l->ctx = ctx;
			return 0;
		}
	}
	return -ENOSPC;
}

int
ife_tcp_unlisten(struct ife_tcp_stack *st, uint16_t port)
{
	int i = tcp_find_listener(st, port);
	if (i < 0)
		return IFE_ENOTFOUND;
	st->lis[i].port = 0;
	return 0;
}

/* ---- ISN and SYN cookies ----------------------------------------------- */

static size_t
tuple_bytes(uint8_t *buf, uint8_t family, const uint8_t *laddr, uint16_t lport,
	    const uint8_t *raddr, uint16_t rport)
{
	size_t alen = family == 6 ? 16 : 4;
	memcpy(buf, laddr, alen);
	memcpy(buf + alen, raddr, alen);
	memcpy(buf + 2 * alen, &lport, 2);
	memcpy(buf + 2 * alen + 2, &rport, 2);
	return 2 * alen + 4;
}

uint32_t
tcp_isn(struct ife_tcp_stack *st, const struct ife_tcp_conn *c)
{
	/* RFC 6528: ISN = M + F(4-tuple, secret), M a 4 us clock. */
	uint8_t buf[40];
	size_t n = tuple_bytes(buf, c->family, c->laddr, c->lport, c->raddr,
			       c->rport);
	return (uint32_t)(st->now_ns / 4000) +
	       (uint32_t)tcp_siphash(&st->key[2], buf, n);
}

/* MSS values a cookie can carry (3 bits): the largest <= the peer's. */
static const uint16_t cookie_mss[8] = {536,  1220, 1300, 1400,
				       1440, 1460, 4312, 8960};

#define COOKIE_PERIOD_SHIFT 16 /* a counter tick is 65.5 s */

static uint32_t
cookie_hash(struct ife_tcp_stack *st, const struct ife_tcp_ip *ip,
	    uint16_t sport, uint16_t dport, uint32_t count, uint32_t irs)
{
	uint8_t buf[48];
	/* local = ip->dst (we are the receiver of the SYN). */
	size_t n = tuple_bytes(buf, ip->family, ip->dst, dport, ip->src, sport);
	memcpy(buf + n, &count, 4);
	memcpy(buf + n + 4, &irs, 4);
	return (uint32_t)tcp_siphash(&st->key[4], buf, n + 8);
}

uint32_t
tcp_cookie_make(struct ife_tcp_stack *st, const struct ife_tcp_ip *ip,
		uint16_t sport, uint16_t dport, uint32_t irs, uint16_t mss,
		uint32_t count)
{
	uint32_t idx = 0;
	for (uint32_t i = 0; i < 8; i++)
		if (cookie_mss[i] <= mss)
			idx = i;
	/* As Linux: H1 + irs + (count << 24) + ((H2(count, irs) + idx) &
	 * 2^24-1), with the peer's ISN also inside H2: 21 bits of the low
	 * part must decode to zero, so a blind forged ACK passes with
	 * probability 8 / 2^24. */
	uint32_t h1 = cookie_hash(st, ip, sport, dport, 0xffffffffu, 0);
	uint32_t h2 = cookie_hash(st, ip, sport, dport, count, irs);
	return h1 + irs + (count << 24) + ((h2 + idx) & 0xffffffu);
}

int
tcp_cookie_check(struct ife_tcp_stack *st, const struct ife_tcp_ip *ip,
		 uint16_t sport, uint16_t dport, uint32_t irs, uint32_t cookie,
		 uint16_t *mss_r)
{
	uint32_t now_count = st->now_ms >> COOKIE_PERIOD_SHIFT;
	uint32_t h1 = cookie_hash(st, ip, sport, dport, 0xffffffffu, 0);
	uint32_t v = cookie - h1 - irs;
	uint32_t diff = (now_count - (v >> 24)) & 0xff;
	if (diff > 1)
		return IFE_EPROTO; /* older than two periods */
	uint32_t count = now_count - diff;
	uint32_t h2 = cookie_hash(st, ip, sport, dport, count, irs);
	uint32_t idx = (v - (count << 24) - h2) & 0xffffffu;
	if (idx >= 8)
		return IFE_EPROTO;
	*mss_r = cookie_mss[idx];
	return 0;
}

/* ---- events and the end of a connection ------------------------------- */

void
tcp_events_flush(struct ife_tcp_stack *st)
{
	struct ife_tcp_conn *c = st->ev_conn;
	unsigned bits = st->ev_bits;
	st->ev_conn = NULL;
	st->ev_bits = 0;
	if (c == NULL || bits == 0)
		return;
	if (!(c->flags & TF_APP_CLOSED)) {
		struct ife_tcp_conn *prev = st->busy;
		st->busy = c;
		st->p.event(st->p.app, c, c->ctx, bits);
		st->busy = prev;
		/* An ACK the callback owed (a window update on read) goes
		 * now, with what the application wrote, unless this flush
		 * is part of the connection's own processing: its end
		 * (tcp_sync_input, tcp_finish) sends it, once. */
		if (prev != c && (c->flags & TF_ACKNOW) &&
		    c->state != IFE_TCP_CLOSED)
			tcp_output_ack(st, c);
	}
	if (bits & IFE_TCP_EV_FINAL)
		c->flags |= TF_APP_CLOSED;
}

void
tcp_event(struct ife_tcp_stack *st, struct ife_tcp_conn *c, unsigned bits)
{
	if (st->ev_conn != NULL && st->ev_conn != c)
		tcp_events_flush(st);
	if (c->flags & TF_APP_CLOSED)
		return;
	st->ev_conn = c;
	st->ev_bits |= bits;
}

void
tcp_conn_release(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	if (c->state != IFE_TCP_CLOSED || (c->flags & TF_FREED))
		return;
	if (st->ev_conn == c)
		tcp_events_flush(st);
	tcp_conn_free(st, c);
}

void
tcp_conn_drop(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
	      unsigned final_event)
{
	if (c->state == IFE_TCP_CLOSED)
		return;
	if (c->state == IFE_TCP_SYN_RCVD && c->listen_idx != IFE_TCP_NO_LISTEN)
		st->lis[c->listen_idx].syn_count--;
	if (c->state == IFE_TCP_TIME_WAIT)
		st->tw_count--;
	c->listen_idx = IFE_TCP_NO_LISTEN;
	tcp_hash_remove(st, c);
	c->t_rexmt = c->t_delack = c->t_keep = 0;
	tcp_timer_remove(st, c);
	tcp_free_queues(st, c);
	c->state = IFE_TCP_CLOSED;
	switch (final_event) {
	case IFE_TCP_EV_RESET:
		st->stats.conn_reset_rx++;
		break;
	case IFE_TCP_EV_TIMEDOUT:
		st->stats.conn_timeout++;
		break;
	case IFE_TCP_EV_CLOSED:
		st->stats.conn_closed++;
		break;
	default:
		st->stats.conn_aborted++;
		break;
	}
	if (final_event)
		tcp_event(st, c, final_event);
	if (st->busy != c)
		tcp_conn_release(st, c);
}

/* End of processing of @p c: deliver its events, send an ACK they left
 * owed, then free it if it died. */
void
tcp_finish(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	if (st->ev_conn != NULL)
		tcp_events_flush(st);
	/* An ACK deferred by a read in the callback (timer or wake-up
	 * path: segment input has already sent its own). */
	if (c != NULL && (c->flags & TF_ACKNOW) && c->state != IFE_TCP_CLOSED)
		tcp_output_ack(st, c);
	st->busy = NULL;
	if (c != NULL && c->state == IFE_TCP_CLOSED && !(c->flags & TF_FREED))
		tcp_conn_release(st, c);
}

void
tcp_set_state(struct ife_tcp_stack *st, struct ife_tcp_conn *c, uint8_t state)
{
	(void)st;
	c->state = state;
}

void
tcp_enter_time_wait(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	if (st->tw_count >= st->p.time_wait_max) {
		/* Table of TIME_WAITs full: send the final ACK and close
		 * at once (as Linux beyond tcp_max_tw_buckets). */
		st->stats.conn_tw_overflow++;
		tcp_send_ack(st, c);
		tcp_conn_drop(st, c, IFE_TCP_EV_CLOSED);
		return;
	}
	st->tw_count++;
	c->state = IFE_TCP_TIME_WAIT;
	st->stats.conn_time_wait++;
	c->t_rexmt = 0;
	c->flags &= ~(uint32_t)TF_PERSIST;
	c->t_keep = tcp_deadline(st, st->p.time_wait_ms);
	tcp_timer_update(st, c);
	/* The app's part is over; the TCB lingers without buffers. */
	tcp_event(st, c, IFE_TCP_EV_CLOSED);
}

void
tcp_conn_established(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	/* A close in SYN_RCVD (RFC 9293 3.10.4) takes effect now. */
	c->state = (c->flags & TF_SHUT_WR) ? IFE_TCP_FIN_WAIT_1
					   : IFE_TCP_ESTABLISHED;
	c->last_rx = st->now_ms;
	if (st->p.keepalive_idle_ms) {
		c->t_keep = tcp_deadline(st, st->p.keepalive_idle_ms);
		tcp_timer_update(st, c);
	}
	if (c->flags & TF_PASSIVE) {
		if (c->listen_idx != IFE_TCP_NO_LISTEN)
			st->lis[c->listen_idx].syn_count--;
		c->listen_idx = IFE_TCP_NO_LISTEN;
		c->flags &= ~(uint32_t)TF_APP_CLOSED; /* the app owns it now */
		st->stats.conn_accepted++;
		tcp_event(st, c, IFE_TCP_EV_ACCEPTED);
	} else {
		st->stats.conn_connected++;
		tcp_event(st, c, IFE_TCP_EV_CONNECTED);
	}
}

/* ---- passive open (RFC 9293 3.10.7.2) ---------------------------------- */

static void
conn_identity(struct ife_tcp_conn *c, const struct ife_tcp_ip *ip,
	      uint16_t sport, uint16_t dport)
{
	c->family = ip->family;
	memcpy(c->laddr, ip->dst, 16);
	memcpy(c->raddr, ip->src, 16);
	c->lport = dport;
	c->rport = sport;
}

void
tcp_conn_syn_opts(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		  const struct tcp_opts *o, uint16_t peer_mss)
{
	if (o->wscale != 0xff) {
		c->flags |= TF_WS_OK;
		c->snd_wscale = o->wscale > IFE_TCP_MAX_WSCALE
					? IFE_TCP_MAX_WSCALE
					: o->wscale;
		c->rcv_wscale = st->rcv_wscale;
	} else {
		c->snd_wscale = c->rcv_wscale = 0;
		c->flags &= ~(uint32_t)TF_WS_OK;
	}
	if (o->sack_ok)
		c->flags |= TF_SACK_OK;
	else
		c->flags &= ~(uint32_t)TF_SACK_OK;
	if (o->has_ts) {
		c->flags |= TF_TS_OK;
		c->ts_recent = o->tsval;
		c->ts_recent_age = st->now_ms;
	} else {
		c->flags &= ~(uint32_t)TF_TS_OK;
	}
	if (peer_mss == 0)
		peer_mss = c->family == 6 ? 1220 : 536; /* RFC 9293 3.7.1 */
	if (peer_mss < IFE_TCP_MSS_MIN)
		peer_mss = IFE_TCP_MSS_MIN;
	c->mss = tcp_effective_mss(st, c->family, peer_mss,
				   !!(c->flags & TF_TS_OK));
}

struct ife_tcp_conn *
tcp_listen_input(struct ife_tcp_stack *st, const struct ife_tcp_ip *ip,
		 uint16_t sport, uint16_t dport, struct tcp_seg *s, int lidx)
{
	struct ife_tcp_listener *l = &st->lis[lidx];
	if (s->flags & TH_RST) {
		st->stats.drop_rst_ignored++;
		return NULL;
	}
	if (s->flags & TH_ACK) {
		uint16_t mss;
		if (!(s->flags & TH_SYN) && st->cookie_sent_ms != 0 &&
		    st->now_ms - st->cookie_sent_ms <
			    (2u << COOKIE_PERIOD_SHIFT) &&
		    tcp_cookie_check(st, ip, sport, dport, s->seq - 1,
				     s->ack - 1, &mss) == 0) {
			struct ife_tcp_conn *c = tcp_conn_alloc(st);
			if (c == NULL) {
				/* Tell the peer rather than leave it
				 * believing it is connected. */
				st->stats.drop_pool_full++;
				tcp_send_reset(st, ip, sport, dport, s->ack, 0,
					       TH_RST);
				return NULL;
			}
			conn_identity(c, ip, sport, dport);
			struct tcp_opts o = s->o;
			o.sack_ok = 0;
			o.wscale = 0xff;
			if (o.has_ts) {
				/* Options came back in our echoed TSval. */
				uint32_t bits = o.tsecr & 0x1f;
				if ((bits & 0xf) != 0xf)
					o.wscale = (uint8_t)(bits & 0xf);
				o.sack_ok = !!(bits & 0x10);
			}
			tcp_conn_syn_opts(st, c, &o, mss);
			c->flags |= TF_PASSIVE | TF_APP_CLOSED;
			c->ctx = l->ctx;
			c->irs = s->seq - 1;
			c->rcv_nxt = s->seq;
			/* What the cookie SYN-ACK advertised (unscaled). */
			c->rcv_adv = s->seq + tcp_min32(st->p.rcv_buf, 65535);
			c->iss = s->ack - 1;
			c->snd_una = c->snd_nxt = c->snd_max = s->ack;
			c->recover = c->snd_una;
			c->snd_wnd = s->wnd << c->snd_wscale;
			c->max_snd_wnd = c->snd_wnd;
			c->snd_wl1 = s->seq;
			c->snd_wl2 = s->ack;
			c->rto = st->p.rto_init_ms;
			tcp_cc_init(st, c);
			tcp_hash_insert(st, c);
			st->stats.syncookies_ok++;
			tcp_conn_established(st, c);
			return c; /* the caller processes the rest of s */
		}
		if (!(s->flags & TH_SYN) && st->cookie_sent_ms != 0)
			st->stats.drop_bad_cookie++;
		else
			st->stats.drop_listen_noack++;
		tcp_send_reset(st, ip, sport, dport, s->ack, 0, TH_RST);
		return NULL;
	}
	if (!(s->flags & TH_SYN)) {
		st->stats.drop_bad_flags++;
		return NULL;
	}
	st->stats.listen_syns++;
	struct ife_tcp_conn *c = NULL;
	if (l->syn_count < l->backlog)
		c = tcp_conn_alloc(st);
	if (c == NULL) {
		/* RFC 4987 3.6: answer statelessly. */
		if (l->syn_count >= l->backlog)
			st->stats.syn_backlog_full++;
		else
			st->stats.drop_pool_full++;
		uint16_t mss = s->o.mss ? s->o.mss : 536;
		uint32_t count = st->now_ms >> COOKIE_PERIOD_SHIFT;
		uint32_t iss = tcp_cookie_make(st, ip, sport, dport, s->seq,
					       mss, count);
		uint16_t ours = ip->family == 6 ? st->mss_v6 : st->mss_v4;
		tcp_send_synack_cookie(st, ip, sport, dport, iss, s->seq, &s->o,
				       ours);
		st->cookie_sent_ms = st->now_ms ? st->now_ms : 1;
		return NULL;
	}
	conn_identity(c, ip, sport, dport);
	tcp_conn_syn_opts(st, c, &s->o, s->o.mss);
	c->state = IFE_TCP_SYN_RCVD;
	c->flags |= TF_PASSIVE | TF_APP_CLOSED;
	c->listen_idx = (uint8_t)lidx;
	l->syn_count++;
	c->ctx = l->ctx;
	c->irs = s->seq;
	c->rcv_nxt = c->rcv_adv = s->seq + 1;
	c->iss = tcp_isn(st, c);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->recover = c->iss;
	c->snd_wnd = s->wnd; /* never scaled in a SYN */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = c->iss;
	c->rto = st->p.rto_init_ms;
	tcp_cc_init(st, c);
	tcp_hash_insert(st, c);
	tcp_send_seg(st, c, c->iss, 0, TH_SYN | TH_ACK);
	c->snd_nxt = c->snd_max = c->iss + 1;
	tcp_rexmt_start(st, c);
	return NULL;
}

/* ---- active open ------------------------------------------------------- */

static int
addr_is_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return 0;
	return 1;
}

int
ife_tcp_connect(struct ife_tcp_stack *st, const struct ife_tcp_ip *ip,
		uint16_t lport, uint16_t rport, void *ctx, uint64_t now,
		struct ife_tcp_conn **c_r)
{
	if (ip == NULL || c_r == NULL || (ip->family != 4 && ip->family != 6) ||
	    rport == 0)
		return -EINVAL;
	size_t alen = ip->family == 6 ? 16 : 4;
	if (addr_is_zero(ip->src, alen) || addr_is_zero(ip->dst, alen))
		return -EINVAL;
	tcp_set_clock(st, now);
	if (lport == 0) {
		for (unsigned tries = 0; tries < 28232 && lport == 0; tries++) {
			uint16_t p = st->next_eport++;
			if (st->next_eport < 32768 || st->next_eport > 60999)
				st->next_eport = 32768;
			if (tcp_lookup(st, ip->family, ip->src, p, ip->dst,
				       rport) == NULL)
				lport = p;
		}
		if (lport == 0)
			return -ENOSPC;
	} else if (tcp_lookup(st, ip->family, ip->src, lport, ip->dst, rport)) {
		return IFE_EEXIST;
	}
	struct ife_tcp_conn *c = tcp_conn_alloc(st);
	if (c == NULL) {
		st->stats.conn_connect_fail++;
		return -ENOSPC;
	}
	c->family = ip->family;
	memcpy(c->laddr, ip->src, 16);
	memcpy(c->raddr, ip->dst, 16);
	c->lport = lport;
	c->rport = rport;
	c->state = IFE_TCP_SYN_SENT;
	c->flags |= TF_WS_OK | TF_SACK_OK | TF_TS_OK; /* offered */
	c->rcv_wscale = st->rcv_wscale;
	c->mss = tcp_effective_mss(st, c->family, 0, 1);
	c->ctx = ctx;
	c->iss = tcp_isn(st, c);
	c->snd_una = c->snd_nxt = c->snd_max = c->recover = c->iss;
	c->rto = st->p.rto_init_ms;
	tcp_cc_init(st, c);
	tcp_hash_insert(st, c);
	if (tcp_send_seg(st, c, c->iss, 0, TH_SYN) == -ENOMEM) {
		c->flags |= TF_APP_CLOSED;
		tcp_conn_drop(st, c, 0);
		st->stats.conn_aborted--;
		st->stats.conn_connect_fail++;
		return -ENOBUFS;
	}
	c->snd_nxt = c->snd_max = c->iss + 1;
	tcp_rexmt_start(st, c);
	*c_r = c;
	return 0;
}

static const char *const state_names[] = {
	"CLOSED",      "LISTEN",     "SYN_SENT",   "SYN_RCVD",
	"ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
	"CLOSING",     "LAST_ACK",   "TIME_WAIT",
};

const char *
ife_tcp_state_name(unsigned state)
{
	return state < sizeof(state_names) / sizeof(state_names[0])
		       ? state_names[state]
		       : "?";
}
