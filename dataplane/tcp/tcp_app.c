/*
 * The application interface: zero-copy receive, send (mbufs handed over or
 * bytes copied), shutdown, close, abort, connection info, path MTU.
 */
#include "tcp_pvt.h"

void
ife_tcp_conn_set_ctx(struct ife_tcp_conn *c, void *ctx)
{
	c->ctx = ctx;
}

void *
ife_tcp_conn_ctx(const struct ife_tcp_conn *c)
{
	return c->ctx;
}

void
ife_tcp_conn_info(const struct ife_tcp_stack *st, const struct ife_tcp_conn *c,
		  struct ife_tcp_info *i)
{
	(void)st;
	memset(i, 0, sizeof(*i));
	i->state = c->state;
	i->family = c->family;
	i->snd_wscale = c->snd_wscale;
	i->rcv_wscale = c->rcv_wscale;
	i->ts_ok = !!(c->flags & TF_TS_OK);
	i->sack_ok = !!(c->flags & TF_SACK_OK);
	i->in_recovery = !!(c->flags & TF_RECOVERY);
	i->mss = c->mss;
	i->lport = c->lport;
	i->rport = c->rport;
	memcpy(i->laddr, c->laddr, sizeof(i->laddr));
	memcpy(i->raddr, c->raddr, sizeof(i->raddr));
	i->snd_una = c->snd_una;
	i->snd_nxt = c->snd_nxt;
	i->snd_max = c->snd_max;
	i->snd_wnd = c->snd_wnd;
	i->rcv_nxt = c->rcv_nxt;
	i->rcv_wnd =
		SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	i->cwnd = c->cwnd;
	i->ssthresh = c->ssthresh;
	i->srtt_ms = c->srtt >> 3;
	i->rttvar_ms = c->rttvar >> 2;
	i->rto_ms = tcp_rto_cur(st, c);
	i->sndq_bytes = c->sndq_bytes;
	i->rcvq_bytes = tcp_rcvq_bytes(c);
	i->ooo_segs = c->ooo_segs;
	i->backoff = c->backoff;
	i->dupacks = c->dupacks;
	i->flags = c->flags;
	i->rexmt_ms = c->t_rexmt ? (int32_t)(c->t_rexmt - st->now_ms) : -1;
	i->delack_ms = c->t_delack ? (int32_t)(c->t_delack - st->now_ms) : -1;
	i->keep_ms = c->t_keep ? (int32_t)(c->t_keep - st->now_ms) : -1;
	i->idle_ms = st->now_ms - c->last_rx;
	i->max_snd_wnd = c->max_snd_wnd;
}

struct ife_tcp_conn *
ife_tcp_conn_next(struct ife_tcp_stack *st, uint32_t *cursor)
{
	while (*cursor < st->nconns) {
		struct ife_tcp_conn *c = &st->conns[(*cursor)++];
		if (!(c->flags & TF_FREED))
			return c;
	}
	return NULL;
}

int
ife_tcp_flags_str(uint32_t flags, char *buf, size_t len)
{
	static const char *const names[] = {
		"ts",	     "sack",	    "ws",	  "acknow",
		"delack",    "fin-pending", "fin-sent",	  "app-closed",
		"recovery",  "persist",	    "in-wheel",	  "want-write",
		"peer-fin",  "passive",	    "rtt-timing", "in-hash",
		"ack-owed2", "freed",	    "shut-wr",	  "eifel",
		"out-retry", "sacked",	    "sack-rxt",	  "rto-loss",
		"tx-wait",   "defer",	    "dupack",
	};
	_Static_assert(TF_DUPACK == 1u << 26 &&
			       sizeof(names) / sizeof(names[0]) == 27,
		       "a name for every connection flag");
	int n = 0;
	if (len > 0)
		buf[0] = '\0';
	for (unsigned b = 0; b < 32; b++) {
		if (!(flags & (1u << b)))
			continue;
		char other[12];
		const char *name = other;
		if (b < sizeof(names) / sizeof(names[0]))
			name = names[b];
		else
			snprintf(other, sizeof(other), "bit%u", b);
		size_t off = (size_t)n < len ? (size_t)n : len;
		n += snprintf(buf + off, len - off, "%s%s", n ? " " : "", name);
	}
	return n;
}

int
ife_tcp_recv(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
	     struct rte_mbuf **m_r, uint64_t now)
{
	return ife_tcp_recv_max(st, c, m_r, UINT32_MAX, now);
}

/* Detach the first mbufs of the receive queue, @p max bytes at most but at
 * least one mbuf, as a chain of its own. */
static struct rte_mbuf *
rcvq_take(struct ife_tcp_stack *st, struct ife_tcp_conn *c, uint32_t max)
{
	struct rte_mbuf *m = c->rcvq_head;
	struct rte_mbuf *last = m;
	uint32_t len = m->data_len;
	uint16_t segs = 1;
	if (m->pkt_len > max)
		while (last->next != NULL &&
		       len + last->next->data_len <= max) {
			last = last->next;
			len += last->data_len;
			segs++;
		}
	struct rte_mbuf *rest = last->next;
	if (m->pkt_len <= max || rest == NULL) {
		c->rcvq_head = c->rcvq_tail = NULL;
		st->rx_held -= m->nb_segs;
		return m;
	}
	last->next = NULL;
	rest->pkt_len = m->pkt_len - len;
	rest->nb_segs = (uint16_t)(m->nb_segs - segs);
	m->pkt_len = len;
	m->nb_segs = segs;
	c->rcvq_head = rest;
	st->rx_held -= segs;
	return m;
}

int
ife_tcp_recv_max(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		 struct rte_mbuf **m_r, uint32_t max, uint64_t now)
{
	tcp_set_clock(st, now);
	*m_r = NULL;
	if (c->rcvq_head == NULL)
		return (c->flags & TF_PEER_FIN) ? -EPIPE : 0;
	struct rte_mbuf *m = rcvq_take(st, c, max);
	*m_r = m;
	/* A pure window update only when the peer is (nearly) blocked, the
	 * window below one MSS, or when reading at least doubles it (as
	 * Linux's tcp_cleanup_rbuf); a smaller opening rides on the next
	 * ACK or data segment. The increase itself is never less than
	 * RFC 9293 3.8.6.2.2's min(MSS, RCV.BUFF/2) (tcp_adv_window). */
	uint32_t adv =
		SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t can = tcp_rcv_window(st, c);
	if (!(c->flags & TF_PEER_FIN) && can > adv &&
	    can - adv >= tcp_min32(c->mss, st->p.rcv_buf / 2) &&
	    (adv < c->mss || can / 2 >= adv) &&
	    (c->state == IFE_TCP_ESTABLISHED ||
	     c->state == IFE_TCP_FIN_WAIT_1 ||
	     c->state == IFE_TCP_FIN_WAIT_2)) {
		c->flags |= TF_ACKNOW;
		/* While this connection is being processed (its event
		 * callback) the ACK waits for the end of the processing, so
		 * that the answer the application writes next carries it
		 * (tcp_events_flush, tcp_finish). */
		if (st->busy != c)
			tcp_output_ack(st, c);
	}
	return m->pkt_len > INT32_MAX ? INT32_MAX : (int)m->pkt_len;
}

static int
can_send(const struct ife_tcp_conn *c)
{
	if (c->flags & TF_SHUT_WR)
		return -EPIPE;
	switch (c->state) {
	case IFE_TCP_ESTABLISHED:
	case IFE_TCP_CLOSE_WAIT:
		return 0;
	case IFE_TCP_SYN_SENT:
	case IFE_TCP_SYN_RCVD:
		return -ENOTCONN;
	default:
		return -EPIPE;
	}
}

uint32_t
ife_tcp_send_space(const struct ife_tcp_stack *st, const struct ife_tcp_conn *c)
{
	if (can_send(c) != 0 || c->sndq_bytes >= st->p.snd_buf ||
	    st->tx_held >= st->p.tx_mbuf_max)
		return 0;
	return st->p.snd_buf - c->sndq_bytes;
}

/* The send queues hold all the mbufs they may: @p c waits for WRITABLE,
 * which ife_tcp_timers raises when they have drained (tcp_txwait_wake). */
static void
tx_mem_wait(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	st->stats.tx_mem_wait++;
	c->flags |= TF_WANT_WRITE;
	if (c->flags & TF_TX_WAIT)
		return;
	if (st->txwait_n == st->nconns) {
		/* Full of entries of connections that have gone since:
		 * keep the live ones (each is in the list once). */
		uint32_t k = 0;
		for (uint32_t i = 0; i < st->txwait_n; i++) {
			struct ife_tcp_conn *w = &st->conns[st->txwait[i]];
			if (w->flags & TF_TX_WAIT) {
				w->flags &= ~(uint32_t)TF_TX_WAIT;
				st->txwait[k++] = st->txwait[i];
			}
		}
		for (uint32_t i = 0; i < k; i++)
			st->conns[st->txwait[i]].flags |= TF_TX_WAIT;
		st->txwait_n = k;
	}
	c->flags |= TF_TX_WAIT;
	st->txwait[st->txwait_n++] = (uint32_t)(c - st->conns);
}

static void
sndq_link(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
	  struct rte_mbuf *seg)
{
	st->tx_held++;
	seg->next = NULL;
	tcp_sack_marks_clear(seg); /* may hold an RX hash or our seq */
	if (c->sndq_tail)
		c->sndq_tail->next = seg;
	else
		c->sndq_head = seg;
	c->sndq_tail = seg;
}

static void
after_write(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	if (tcp_defer(st, c))
		return;
	tcp_output(st, c);
	tcp_timer_update(st, c);
}

int
ife_tcp_send(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
	     struct rte_mbuf *m, uint64_t now)
{
	int rc = can_send(c);
	if (rc != 0)
		return rc;
	if (m == NULL)
		return -EINVAL;
	uint64_t len = 0;
	for (struct rte_mbuf *s = m; s != NULL; s = s->next)
		len += s->data_len;
	if (len == 0 || len > INT32_MAX)
		return -EINVAL;
	tcp_set_clock(st, now);
	if (c->sndq_bytes + len > st->p.snd_buf) {
		c->flags |= TF_WANT_WRITE;
		return IFE_AGAIN;
	}
	/* The budget gates what may start to be queued, as in
	 * ife_tcp_send_space(): a chain that fits the bytes is taken whole
	 * even when it carries tx_held past tx_mbuf_max. Its mbufs exist
	 * already; refused, they would wait in the application's hands,
	 * counted in no budget, while it read more (an echo of 1000 flows
	 * emptied a 131071-mbuf pool that way, and with no mbuf left for
	 * RX, nothing could ever free one). The next send_space is 0. */
	if (st->tx_held >= st->p.tx_mbuf_max) {
		tx_mem_wait(st, c);
		return IFE_AGAIN;
	}
	for (struct rte_mbuf *s = m, *next; s != NULL; s = next) {
		next = s->next;
		if (s->data_len == 0) {
			s->next = NULL;
			rte_pktmbuf_free_seg(s);
			continue;
		}
		sndq_link(st, c, s);
	}
	c->sndq_bytes += (uint32_t)len;
	after_write(st, c);
	return (int)len;
}

int
ife_tcp_write(struct ife_tcp_stack *st, struct ife_tcp_conn *c, const void *buf,
	      size_t len, uint64_t now)
{
	int rc = can_send(c);
	if (rc != 0)
		return rc;
	if (len == 0)
		return 0;
	tcp_set_clock(st, now);
	uint32_t space = ife_tcp_send_space(st, c);
	if (space == 0) {
		if (c->sndq_bytes < st->p.snd_buf)
			tx_mem_wait(st, c);
		c->flags |= TF_WANT_WRITE;
		return IFE_AGAIN;
	}
	size_t want = len > space ? space : len;
	if (want > INT32_MAX)
		want = INT32_MAX;
	const uint8_t *p = buf;
	size_t done = 0;
	/* Fill the tail mbuf first when it is ours alone: small writes
	 * (IMAP responses) then share mbufs. Bytes already sent from it
	 * are unaffected: output copies. */
	struct rte_mbuf *t = c->sndq_tail;
	if (t != NULL && t->pool == st->p.mp && RTE_MBUF_DIRECT(t) &&
	    rte_mbuf_refcnt_read(t) == 1) {
		uint32_t room = rte_pktmbuf_tailroom(t);
		uint32_t n = (uint32_t)(want < room ? want : room);
		if (n > 0) {
			memcpy(rte_pktmbuf_mtod_offset(t, uint8_t *,
						       t->data_len),
			       p, n);
			t->data_len = (uint16_t)(t->data_len + n);
			done += n;
		}
	}
	while (done < want) {
		if (st->tx_held >= st->p.tx_mbuf_max) {
			tx_mem_wait(st, c);
			break;
		}
		struct rte_mbuf *m = rte_pktmbuf_alloc(st->p.mp);
		if (m == NULL)
			break;
		m->data_off = 0; /* payload only: the whole buffer */
		uint32_t room = rte_pktmbuf_tailroom(m);
		uint32_t n =
			(uint32_t)(want - done < room ? want - done : room);
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), p + done, n);
		m->data_len = (uint16_t)n;
		m->pkt_len = n;
		sndq_link(st, c, m);
		done += n;
	}
	c->sndq_bytes += (uint32_t)done;
	if (done < len)
		c->flags |= TF_WANT_WRITE;
	if (done == 0)
		return -ENOBUFS;
	after_write(st, c);
	return (int)done;
}

int
ife_tcp_shutdown(struct ife_tcp_stack *st, struct ife_tcp_conn *c, uint64_t now)
{
	if (c->flags & TF_SHUT_WR)
		return -EPIPE;
	tcp_set_clock(st, now);
	switch (c->state) {
	case IFE_TCP_ESTABLISHED:
		c->state = IFE_TCP_FIN_WAIT_1;
		break;
	case IFE_TCP_SYN_RCVD:
		break; /* FIN_WAIT_1 once our SYN is acknowledged */
	case IFE_TCP_CLOSE_WAIT:
		c->state = IFE_TCP_LAST_ACK;
		break;
	case IFE_TCP_SYN_SENT:
		return -ENOTCONN;
	default:
		return -EPIPE;
	}
	c->flags |= TF_SHUT_WR | TF_FIN_PENDING;
	after_write(st, c);
	return 0;
}

void
ife_tcp_abort(struct ife_tcp_stack *st, struct ife_tcp_conn *c, uint64_t now)
{
	tcp_set_clock(st, now);
	switch (c->state) {
	case IFE_TCP_SYN_RCVD:
	case IFE_TCP_ESTABLISHED:
	case IFE_TCP_FIN_WAIT_1:
	case IFE_TCP_FIN_WAIT_2:
	case IFE_TCP_CLOSE_WAIT:
		/* RFC 9293 3.10.5: <SEQ=SND.NXT><CTL=RST> */
		tcp_send_seg(st, c, c->snd_nxt, 0, TH_RST | TH_ACK);
		break;
	default:
		break;
	}
	c->flags |= TF_APP_CLOSED;
	tcp_conn_drop(st, c, 0);
}

void
ife_tcp_close(struct ife_tcp_stack *st, struct ife_tcp_conn *c, uint64_t now)
{
	tcp_set_clock(st, now);
	if (c->state == IFE_TCP_CLOSED)
		return;
	if (c->rcvq_head != NULL || c->ooo_head != NULL ||
	    c->state == IFE_TCP_SYN_SENT) {
		/* Unread data is lost: tell the peer (RFC 2525 2.17). */
		ife_tcp_abort(st, c, now);
		return;
	}
	c->flags |= TF_APP_CLOSED;
	if (st->ev_conn == c) {
		st->ev_conn = NULL; /* no more events for this handle */
		st->ev_bits = 0;
	}
	if (!(c->flags & TF_SHUT_WR)) {
		ife_tcp_shutdown(st, c, now);
	} else if (c->state == IFE_TCP_FIN_WAIT_2) {
		c->t_keep = tcp_deadline(st, st->p.fin_wait2_ms);
		tcp_timer_update(st, c);
	}
}

int
ife_tcp_pmtu_update(struct ife_tcp_stack *st, const struct ife_tcp_ip *ip,
		    uint16_t sport, uint16_t dport, uint16_t mtu, uint64_t now)
{
	if (ip == NULL || (ip->family != 4 && ip->family != 6))
		return -EINVAL;
	struct ife_tcp_conn *c =
		tcp_lookup(st, ip->family, ip->src, sport, ip->dst, dport);
	if (c == NULL)
		return IFE_ENOTFOUND;
	tcp_set_clock(st, now);
	/* Floors as Linux (min_pmtu 552) and RFC 8201 (1280). */
	uint32_t floor = ip->family == 6 ? 1280 : 552;
	if (mtu < floor)
		mtu = (uint16_t)floor;
	uint32_t hdr = ip->family == 6 ? 60 : 40;
	uint32_t mss = mtu - hdr - ((c->flags & TF_TS_OK) ? 12 : 0);
	if (mss >= c->mss)
		return 0;
	st->stats.pmtu_updates++;
	c->mss = (uint16_t)mss;
	if (c->cwnd > c->mss && c->state >= IFE_TCP_ESTABLISHED &&
	    c->snd_una != c->snd_max) {
		/* RFC 1191 6.5: retransmit what was too big, no backoff. */
		c->snd_nxt = c->snd_una;
		c->flags &= ~(uint32_t)TF_RTT_TIMING;
		st->busy = c;
		tcp_output(st, c);
		tcp_timer_update(st, c);
		tcp_finish(st, c);
	}
	return 0;
}
