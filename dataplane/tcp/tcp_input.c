/*
 * Input: validation, checksum, options, then RFC 9293 3.10.7 "SEGMENT
 * ARRIVES" for SYN_SENT and the synchronized states, with PAWS (RFC 7323
 * 5), RFC 5961 (RST/SYN/ACK checks), RFC 6298 RTT samples, RFC 5681
 * / RFC 6582 dupacks and recovery (RFC 6675 when the peer sends SACK
 * blocks: the scoreboard is tcp_sack.c), the receive and out-of-order
 * queues and delayed ACKs. LISTEN is in tcp_conn.c.
 */
#include <rte_ip.h>
#include <rte_tcp.h>

#include "imapfe/csum.h"
#include "tcp_pvt.h"

#define PAWS_IDLE_MS (24u * 86400u * 1000u) /* RFC 7323 5.5 */

void
tcp_set_clock(struct ife_tcp_stack *st, uint64_t now)
{
	st->now_ns = now;
	st->now_ms = (uint32_t)(now / 1000000u);
}

/* ---- mbuf helpers ------------------------------------------------------ */

struct rte_mbuf *
tcp_mbuf_trim_front(struct rte_mbuf *m, uint32_t n)
{
	uint32_t total = m->pkt_len, n0 = n;
	uint16_t segs = m->nb_segs;
	if (n >= total) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	while (n >= m->data_len && m->next != NULL) {
		struct rte_mbuf *next = m->next;
		n -= m->data_len;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = next;
		segs--;
	}
	m->data_off = (uint16_t)(m->data_off + n);
	m->data_len = (uint16_t)(m->data_len - n);
	m->pkt_len = total - n0;
	m->nb_segs = segs;
	return m;
}

struct rte_mbuf *
tcp_mbuf_trim_tail(struct rte_mbuf *m, uint32_t n)
{
	uint32_t total = m->pkt_len;
	if (n >= total) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	uint32_t keep = total - n;
	struct rte_mbuf *s = m;
	uint16_t segs = 1;
	while (keep > s->data_len && s->next != NULL) {
		keep -= s->data_len;
		s = s->next;
		segs++;
	}
	s->data_len = (uint16_t)keep;
	if (s->next != NULL) {
		rte_pktmbuf_free(s->next);
		s->next = NULL;
	}
	m->pkt_len = total - n;
	m->nb_segs = segs;
	return m;
}

static struct rte_mbuf *
pkt_last(struct rte_mbuf *p)
{
	for (unsigned n = p->nb_segs; n > 1 && p->next != NULL; n--)
		p = p->next;
	return p;
}

void
tcp_free_queues(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	if (c->rcvq_head)
		st->rx_held -= c->rcvq_head->nb_segs;
	for (struct rte_mbuf *p = c->ooo_head; p != NULL; p = pkt_last(p)->next)
		st->rx_held -= p->nb_segs;
	for (struct rte_mbuf *p = c->sndq_head; p != NULL; p = p->next)
		st->tx_held--;
	rte_pktmbuf_free(c->sndq_head); /* NULL-safe; walks ->next */
	rte_pktmbuf_free(c->rcvq_head);
	rte_pktmbuf_free(c->ooo_head);
	c->sndq_head = c->sndq_tail = NULL;
	c->snd_cur = NULL;
	c->snd_cur_off = 0;
	c->rcvq_head = c->rcvq_tail = NULL;
	c->ooo_head = NULL;
	c->sndq_bytes = 0;
	c->ooo_segs = 0;
	c->flags &=
		~(uint32_t)(TF_SACKED | TF_SACK_RXT | TF_RTO_LOSS | TF_TX_WAIT);
}

/* ---- options (RFC 9293 3.1, 3.2) -------------------------------------- */

int
tcp_parse_opts(const uint8_t *p, unsigned len, struct tcp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->wscale = 0xff;
	unsigned i = 0;
	while (i < len) {
		uint8_t kind = p[i];
		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -1;
		uint8_t ol = p[i + 1];
		if (ol < 2 || i + ol > len)
			return -1; /* malformed: ignore the rest */
		const uint8_t *v = p + i + 2;
		switch (kind) {
		case TCPOPT_MSS:
			if (ol == 4)
				o->mss = (uint16_t)(v[0] << 8 | v[1]);
			break;
		case TCPOPT_WSCALE:
			if (ol == 3)
				o->wscale = v[0] > IFE_TCP_MAX_WSCALE
						    ? IFE_TCP_MAX_WSCALE
						    : v[0];
			break;
		case TCPOPT_SACK_OK:
			if (ol == 2)
				o->sack_ok = 1;
			break;
		case TCPOPT_TIMESTAMP:
			if (ol == 10) {
				o->has_ts = 1;
				o->tsval = (uint32_t)v[0] << 24 |
					   (uint32_t)v[1] << 16 |
					   (uint32_t)v[2] << 8 | v[3];
				o->tsecr = (uint32_t)v[4] << 24 |
					   (uint32_t)v[5] << 16 |
					   (uint32_t)v[6] << 8 | v[7];
			}
			break;
		case TCPOPT_SACK:
			/* At most 4 blocks fit in 40 bytes of options;
			 * tcp_sack_update() validates them. */
			for (unsigned k = 0;
			     k + 8 <= (unsigned)ol - 2 && o->nsack < 4;
			     k += 8) {
				uint32_t a, b;
				memcpy(&a, v + k, 4);
				memcpy(&b, v + k + 4, 4);
				o->sack[o->nsack][0] = rte_be_to_cpu_32(a);
				o->sack[o->nsack][1] = rte_be_to_cpu_32(b);
				o->nsack++;
			}
			break;
		default:
			break;
		}
		i += ol;
	}
	return 0;
}

/* ---- receive queues ---------------------------------------------------- */

static void
rcvq_append(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
	    struct rte_mbuf *p)
{
	st->rx_held += p->nb_segs;
	if (c->rcvq_head == NULL) {
		c->rcvq_head = p;
	} else {
		c->rcvq_tail->next = p;
		c->rcvq_head->pkt_len += p->pkt_len;
		c->rcvq_head->nb_segs =
			(uint16_t)(c->rcvq_head->nb_segs + p->nb_segs);
	}
	c->rcvq_tail = pkt_last(p);
}

static void
ooo_pull(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	while (c->ooo_head && SEQ_LEQ(c->ooo_head->hash.usr, c->rcv_nxt)) {
		struct rte_mbuf *p = c->ooo_head, *l = pkt_last(p);
		c->ooo_head = l->next;
		l->next = NULL;
		c->ooo_segs--;
		st->rx_held -= p->nb_segs;
		uint32_t s = p->hash.usr, e = s + p->pkt_len;
		if (SEQ_LEQ(e, c->rcv_nxt)) {
			rte_pktmbuf_free(p);
			continue;
		}
		p = tcp_mbuf_trim_front(p, c->rcv_nxt - s);
		rcvq_append(st, c, p);
		c->rcv_nxt = e;
	}
}

static void
ooo_insert(struct ife_tcp_stack *st, struct ife_tcp_conn *c, struct rte_mbuf *p,
	   uint32_t seq)
{
	struct rte_mbuf *prev = NULL, *q = c->ooo_head;
	while (q && SEQ_LEQ(q->hash.usr, seq)) {
		prev = q;
		q = pkt_last(q)->next;
	}
	if (prev != NULL) {
		uint32_t pend = prev->hash.usr + prev->pkt_len;
		if (SEQ_GEQ(pend, seq + p->pkt_len)) {
			st->stats.ooo_dup++;
			rte_pktmbuf_free(p);
			return;
		}
		if (SEQ_GT(pend, seq)) {
			p = tcp_mbuf_trim_front(p, pend - seq);
			seq = pend;
		}
	}
	/* Drop queued segments the new one covers entirely. */
	while (q && SEQ_LEQ(q->hash.usr + q->pkt_len, seq + p->pkt_len)) {
		struct rte_mbuf *ql = pkt_last(q), *nq = ql->next;
		ql->next = NULL;
		st->rx_held -= q->nb_segs;
		rte_pktmbuf_free(q);
		c->ooo_segs--;
		st->stats.ooo_dup++;
		q = nq;
		if (prev)
			pkt_last(prev)->next = q;
		else
			c->ooo_head = q;
	}
	if (q && SEQ_LT(q->hash.usr, seq + p->pkt_len)) {
		/* The queue never overlaps itself, so q starts at or after
		 * seq; when it starts at seq it covers all of p. */
		if (SEQ_LEQ(q->hash.usr, seq)) {
			st->stats.ooo_dup++;
			rte_pktmbuf_free(p);
			return;
		}
		p = tcp_mbuf_trim_tail(p, seq + p->pkt_len - q->hash.usr);
	}
	if (c->ooo_segs >= st->p.ooo_max_segs) {
		st->stats.drop_ooo_full++;
		rte_pktmbuf_free(p);
		return;
	}
	p->hash.usr = seq;
	pkt_last(p)->next = q;
	if (prev)
		pkt_last(prev)->next = p;
	else
		c->ooo_head = p;
	c->ooo_segs++;
	st->rx_held += p->nb_segs;
	c->sack_last = seq;
	st->stats.ooo_segs++;
}

/* Queue the payload of @p s (already trimmed to the window). */
static void
tcp_data(struct ife_tcp_stack *st, struct ife_tcp_conn *c, struct tcp_seg *s)
{
	struct rte_mbuf *p = s->m;
	unsigned used =
		(c->rcvq_head ? c->rcvq_head->nb_segs : 0) + c->ooo_segs;
	if (used + p->nb_segs > st->p.rcvq_max_segs) {
		st->stats.drop_rcvq_full++;
		c->flags |= TF_ACKNOW;
		return; /* s->m freed by the caller */
	}
	if (st->rx_held + p->nb_segs > st->p.rx_mbuf_max) {
		/* The stack's receive budget is spent: keep mbufs for the
		 * RX ring (and the ACKs that free memory). */
		st->stats.drop_rx_mem++;
		c->flags |= TF_ACKNOW;
		return;
	}
	s->m = NULL;
	st->stats.rx_bytes += s->len;
	if (s->seq != c->rcv_nxt) {
		ooo_insert(st, c, p, s->seq);
		c->flags |= TF_ACKNOW | TF_DUPACK; /* RFC 5681 4.2: at once */
		return;
	}
	int had_ooo = c->ooo_head != NULL;
	rcvq_append(st, c, p);
	c->rcv_nxt += s->len;
	if (had_ooo)
		ooo_pull(st, c);
	tcp_event(st, c, IFE_TCP_EV_READABLE);
	if (had_ooo || (c->flags & TF_ACK_OWED2)) {
		c->flags |= TF_ACKNOW; /* gap filled, or 2nd segment */
	} else {
		c->flags |= TF_ACK_OWED2 | TF_DELACK;
		if (c->t_delack == 0)
			c->t_delack = tcp_deadline(st, st->p.delack_ms);
	}
}

/* ---- ACK processing ---------------------------------------------------- */

static int
tcp_retransmit_first(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	/* Never past SND.MAX: bytes sent beyond it without moving it would
	 * be acknowledged by an ACK that RFC 9293 makes us drop as "ACK of
	 * unsent data", and every later segment of the peer with it (both
	 * sides stall, our RTO backing off: seen after a partial ACK left
	 * less than one MSS outstanding with more data queued). */
	uint32_t out = tcp_min32(c->snd_max - c->snd_una, c->sndq_bytes);
	uint32_t len = tcp_min32(c->mss, out);
	uint8_t flags = TH_ACK;
	if (len == c->sndq_bytes && (c->flags & TF_FIN_SENT))
		flags |= TH_FIN;
	st->stats.retrans_segs++;
	return tcp_send_seg(st, c, c->snd_una, len, flags);
}

/* Retransmit the segment at SND.UNA within SACK recovery, and move
 * HighRxt past it (RFC 6675 5 step 4.3). */
static void
tcp_sack_retransmit_first(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	int rc = tcp_retransmit_first(st, c);
	st->stats.sack_retrans_segs++;
	if (rc > 0 && SEQ_LT(c->high_rxt, c->snd_una + (uint32_t)rc))
		c->high_rxt = c->snd_una + (uint32_t)rc;
}

static void
sndq_trim(struct ife_tcp_stack *st, struct ife_tcp_conn *c, uint32_t n)
{
	uint32_t total = n;
	c->sndq_bytes -= n;
	while (n > 0 && c->sndq_head != NULL) {
		struct rte_mbuf *h = c->sndq_head;
		if (h->data_len <= n) {
			n -= h->data_len;
			c->sndq_head = h->next;
			h->next = NULL;
			if (c->snd_cur == h)
				c->snd_cur = NULL;
			rte_pktmbuf_free_seg(h);
			st->tx_held--;
		} else {
			h->data_off = (uint16_t)(h->data_off + n);
			h->data_len = (uint16_t)(h->data_len - n);
			if (c->flags & TF_SACKED)
				tcp_sack_shift(h, n);
			n = 0;
		}
	}
	if (c->sndq_head == NULL)
		c->sndq_tail = NULL;
	/* Keep the cursor's offset relative to the new head. */
	if (c->snd_cur == c->sndq_head)
		c->snd_cur_off = 0;
	else if (c->snd_cur != NULL)
		c->snd_cur_off -= total;
}

/* Does this segment's SACK information count (RFC 2018)? */
static int
sack_usable(const struct ife_tcp_conn *c, const struct tcp_seg *s)
{
	return s->o.nsack > 0 && (c->flags & TF_SACK_OK) &&
	       c->snd_una != c->snd_max;
}

/* A new cumulative ACK. Returns the bytes its SACK blocks newly SACKed. */
static uint32_t
tcp_ack_new(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
	    const struct tcp_seg *s)
{
	uint32_t acked = s->ack - c->snd_una, newly = 0;
	/* Below the recovery point some of what this ACK covers was resent
	 * (fast recovery or RTO): its TSecr then echoes the segment that
	 * last advanced the peer's left edge, before the hole, so "now -
	 * TSecr" measures the whole repair. Such samples fed the RTO its own
	 * stalls (25 s RTOs after 10% loss in the lab). Karn's rule for
	 * timestamps: no sample until the recovery point is passed. */
	bool rtt_ok = !SEQ_LT(c->snd_una, c->recover);
	sndq_trim(st, c, tcp_min32(acked, c->sndq_bytes));
	c->snd_una = s->ack;
	if (SEQ_LT(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	if (c->snd_una == c->snd_max) {
		c->flags &= ~(uint32_t)TF_SACKED; /* nothing left to mark */
	} else if ((c->flags & TF_SACKED) && tcp_sack_check_reneging(st, c)) {
		/* Resend from SND.UNA: in recovery at once (below), after
		 * an RTO as the next NextSeg(). */
		c->high_rxt = c->snd_una;
	}
	if (sack_usable(c, s))
		newly = tcp_sack_update(st, c, s);
	if (c->flags & TF_EIFEL) {
		c->flags &= ~(uint32_t)TF_EIFEL;
		if (s->o.has_ts && s->o.tsecr &&
		    TS_LT(s->o.tsecr, c->rtt_start)) {
			/* RFC 4015 response, simplified: do not restart
			 * from one segment; resume at ssthresh. */
			st->stats.spurious_rto_undo++;
			c->cwnd = tcp_max32(c->cwnd, c->ssthresh);
			/* Nothing was lost: stop resending the holes, and
			 * step 4: go on with new data, not back N over what
			 * the peer holds (SND.NXT = SND.MAX). */
			c->flags &= ~(uint32_t)(TF_SACK_RXT | TF_RTO_LOSS);
			c->snd_nxt = c->snd_max;
		}
	}
	/* RTT: timestamps (RFC 7323 4) or one timed segment with Karn's
	 * rule (RFC 6298 3): retransmissions clear TF_RTT_TIMING. */
	if ((c->flags & TF_TS_OK) && s->o.has_ts && s->o.tsecr) {
		if (rtt_ok && TS_LEQ(s->o.tsecr, st->now_ms))
			tcp_rtt_sample(st, c, st->now_ms - s->o.tsecr);
	} else if ((c->flags & TF_RTT_TIMING) && SEQ_GT(s->ack, c->rtt_seq)) {
		c->flags &= ~(uint32_t)TF_RTT_TIMING;
		tcp_rtt_sample(st, c, st->now_ms - c->rtt_start);
	}
	c->backoff = 0;
	if ((c->flags & (TF_RECOVERY | TF_SACK_RXT)) == TF_SACK_RXT &&
	    SEQ_GEQ(s->ack, c->recover)) {
		/* All that was outstanding at the RTO is acknowledged. */
		c->flags &= ~(uint32_t)(TF_SACK_RXT | TF_RTO_LOSS);
	}
	if ((c->flags & TF_RECOVERY) && (c->flags & TF_SACK_RXT)) {
		if (SEQ_GEQ(s->ack, c->recover)) {
			/* RFC 6675 5 (A): past RecoveryPoint. cwnd was set to
			 * ssthresh on entry and pipe kept bursts in check;
			 * the scoreboard above SND.UNA stays. */
			c->flags &= ~(uint32_t)(TF_RECOVERY | TF_SACK_RXT);
			c->cwnd = c->ssthresh;
			st->stats.recovery_full++;
		} else {
			st->stats.recovery_partial++;
			/* A partial ACK says the receiver still lacks
			 * SND.UNA. When no SACK makes that hole lost
			 * (IsLost() needs DupThresh segments SACKed above
			 * it: a loss near the tail) and this recovery has
			 * not resent it yet, resend it now (RFC 6582
			 * 3.2 step 5; RFC 6675's rescue retransmission
			 * serves the same end). */
			if (SEQ_LEQ(c->high_rxt, c->snd_una) &&
			    !tcp_sack_una_lost(c))
				tcp_sack_retransmit_first(st, c);
		}
	} else if (c->flags & TF_RECOVERY) {
		if (SEQ_GEQ(s->ack, c->recover)) {
			/* RFC 6582 3.2 step 3, full ACK (option 1). */
			c->flags &= ~(uint32_t)TF_RECOVERY;
			c->cwnd = tcp_min32(
				c->ssthresh,
				tcp_max32(c->snd_max - c->snd_una, c->mss) +
					c->mss);
			st->stats.recovery_full++;
		} else {
			/* Partial ACK: retransmit the next hole, deflate. */
			st->stats.recovery_partial++;
			tcp_retransmit_first(st, c);
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : c->mss;
			if (acked >= c->mss)
				c->cwnd += c->mss;
		}
	} else {
		tcp_cc_ack(st, c, acked);
	}
	/* RFC 6675 2: an ACK that SACKs new data is a duplicate ACK even
	 * when it also moves the cumulative ACK. */
	c->dupacks = newly > 0 ? 1 : 0;
	if (c->snd_una == c->snd_max) {
		if (!(c->flags & TF_PERSIST))
			c->t_rexmt = 0;
	} else {
		c->flags &= ~(uint32_t)TF_PERSIST;
		tcp_rexmt_start(st, c); /* RFC 6298 5.3 */
	}
	if ((c->flags & TF_WANT_WRITE) &&
	    (c->sndq_bytes == 0 ||
	     st->p.snd_buf - c->sndq_bytes >= st->p.snd_buf / 2)) {
		c->flags &= ~(uint32_t)TF_WANT_WRITE;
		tcp_event(st, c, IFE_TCP_EV_WRITABLE);
	}
	return newly;
}

/*
 * RFC 6675 5: enter loss recovery with the scoreboard, on DupThresh
 * duplicate ACKs or as soon as IsLost(SND.UNA + 1). The congestion
 * response is the one of NewReno / CUBIC (tcp_cc_ssthresh); cwnd is not
 * inflated: pipe counts what is in flight.
 */
static void
tcp_sack_recovery_enter(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	c->ssthresh = tcp_cc_ssthresh(st, c);
	c->cwnd = c->ssthresh;
	c->recover = c->snd_max;
	c->high_rxt = c->snd_una;
	c->flags |= TF_RECOVERY | TF_SACK_RXT;
	c->flags &= ~(uint32_t)(TF_RTT_TIMING | TF_RTO_LOSS); /* Karn */
	st->stats.fast_retrans++;
	st->stats.sack_recovery++;
	tcp_sack_retransmit_first(st, c);
	tcp_rexmt_start(st, c);
	/* The rest of the holes go from tcp_output() (step C). */
}

/* Loss detection after an ACK that was a duplicate or SACKed new data. */
static void
tcp_loss_check(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	if ((c->flags & (TF_RECOVERY | TF_SACK_RXT)) ||
	    !SEQ_GEQ(c->snd_una, c->recover) || c->snd_una == c->snd_max)
		return; /* RFC 6582 4.1 / RFC 6675 5.1: one per window */
	if ((c->flags & (TF_SACK_OK | TF_SACKED)) == (TF_SACK_OK | TF_SACKED)) {
		if (c->dupacks >= IFE_TCP_DUPTHRESH || tcp_sack_una_lost(c))
			tcp_sack_recovery_enter(st, c);
	}
}

static void
tcp_dupack(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	st->stats.dupacks_rx++;
	if (c->dupacks < 255)
		c->dupacks++;
	if (c->flags & TF_RECOVERY) {
		/* NewReno inflates: one more segment has left. With the
		 * scoreboard, pipe accounts for it instead. */
		if (!(c->flags & TF_SACK_RXT) && c->dupacks > 3)
			c->cwnd += c->mss;
		return;
	}
	if ((c->flags & (TF_SACK_OK | TF_SACKED)) == (TF_SACK_OK | TF_SACKED)) {
		tcp_loss_check(st, c); /* the scoreboard decides */
		return;
	}
	if (c->dupacks == 3 && !(c->flags & TF_SACK_RXT) &&
	    SEQ_GEQ(c->snd_una, c->recover)) {
		/* RFC 6582 3.2 step 2 / RFC 5681 3.2 steps 2-4. */
		c->ssthresh = tcp_cc_ssthresh(st, c);
		c->recover = c->snd_max;
		c->flags |= TF_RECOVERY;
		c->flags &= ~(uint32_t)TF_RTT_TIMING; /* Karn */
		st->stats.fast_retrans++;
		tcp_retransmit_first(st, c);
		c->cwnd = c->ssthresh + 3u * c->mss;
		tcp_rexmt_start(st, c);
	}
}

/* ---- SYN_SENT (RFC 9293 3.10.7.3) -------------------------------------- */

static void
tcp_syn_sent_input(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		   const struct ife_tcp_ip *ip, struct tcp_seg *s)
{
	if ((s->flags & TH_ACK) &&
	    (SEQ_LEQ(s->ack, c->iss) || SEQ_GT(s->ack, c->snd_max))) {
		if (!(s->flags & TH_RST))
			tcp_send_reset(st, ip, c->rport, c->lport, s->ack, 0,
				       TH_RST);
		st->stats.drop_syn_sent_bad++;
		return;
	}
	if (s->flags & TH_RST) {
		if (s->flags & TH_ACK) /* refused */
			tcp_conn_drop(st, c, IFE_TCP_EV_RESET);
		else
			st->stats.drop_syn_sent_bad++;
		return;
	}
	if (!(s->flags & TH_SYN)) {
		st->stats.drop_syn_sent_bad++;
		return;
	}
	tcp_conn_syn_opts(st, c, &s->o, s->o.mss);
	c->irs = s->seq;
	c->rcv_nxt = c->rcv_adv = s->seq + 1;
	c->snd_wnd = s->wnd; /* a SYN's window is never scaled */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	tcp_cc_init(st, c);
	if (!(s->flags & TH_ACK)) {
		/* Simultaneous open. */
		c->state = IFE_TCP_SYN_RCVD;
		tcp_send_seg(st, c, c->iss, 0, TH_SYN | TH_ACK);
		return;
	}
	c->snd_una = s->ack;
	if ((c->flags & TF_TS_OK) && s->o.tsecr &&
	    TS_LEQ(s->o.tsecr, st->now_ms))
		tcp_rtt_sample(st, c, st->now_ms - s->o.tsecr);
	c->backoff = 0;
	c->retries = 0;
	c->t_rexmt = 0;
	tcp_conn_established(st, c);
	c->flags |= TF_ACKNOW;
	tcp_output(st, c);
}

/* ---- synchronized states (RFC 9293 3.10.7.4) --------------------------- */

/*
 * RFC 9293 3.10.7.4: "If the RCV.WND is zero, no segments will be
 * acceptable, but special allowance should be made to accept valid ACKs".
 * Taken here: an unacceptable segment's ACK while our window is zero, when
 * it acknowledges new data. A window probe is such a segment (Linux sends
 * SEG.SEQ = RCV.NXT-1), and while our window stays closed it may be the
 * only way the peer's ACKs reach us: both sides with full windows, the
 * peer's one acceptable ACK lost, would otherwise wait on our RTO. The
 * ACK still passes the RFC 5961 checks of the ACK field.
 */
static int
zero_wnd_ack_ok(const struct ife_tcp_conn *c, const struct tcp_seg *s,
		uint32_t wnd)
{
	if (wnd != 0 || !(s->flags & TH_ACK) || !SEQ_GT(s->ack, c->snd_una) ||
	    SEQ_GT(s->ack, c->snd_max))
		return 0;
	switch (c->state) {
	case IFE_TCP_ESTABLISHED:
	case IFE_TCP_FIN_WAIT_1:
	case IFE_TCP_CLOSE_WAIT:
	case IFE_TCP_CLOSING:
	case IFE_TCP_LAST_ACK:
		return 1;
	default:
		return 0;
	}
}

static int
seq_acceptable(const struct ife_tcp_conn *c, uint32_t seq, uint32_t seglen,
	       uint32_t wnd)
{
	uint32_t rn = c->rcv_nxt;
	if (seglen == 0) {
		if (wnd == 0)
			return seq == rn;
		return SEQ_GEQ(seq, rn) && SEQ_LT(seq, rn + wnd);
	}
	if (wnd == 0)
		return 0;
	return (SEQ_GEQ(seq, rn) && SEQ_LT(seq, rn + wnd)) ||
	       (SEQ_GEQ(seq + seglen - 1, rn) &&
		SEQ_LT(seq + seglen - 1, rn + wnd));
}

static void
tcp_sync_input(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
	       const struct ife_tcp_ip *ip, struct tcp_seg *s)
{
	uint8_t fin = s->flags & TH_FIN;
	uint32_t wnd =
		SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	c->last_rx = st->now_ms;

	/* A retransmitted SYN in SYN_RCVD: our SYN-ACK was lost. */
	if (c->state == IFE_TCP_SYN_RCVD && (s->flags & TH_SYN) &&
	    !(s->flags & (TH_ACK | TH_RST)) && s->seq == c->irs) {
		st->stats.synack_retrans++;
		tcp_send_seg(st, c, c->iss, 0, TH_SYN | TH_ACK);
		return;
	}
	/* PAWS, RFC 7323 5.3 R1. */
	if ((c->flags & TF_TS_OK) && s->o.has_ts && !(s->flags & TH_RST) &&
	    TS_LT(s->o.tsval, c->ts_recent)) {
		if (st->now_ms - c->ts_recent_age > PAWS_IDLE_MS) {
			c->ts_recent = s->o.tsval;
		} else {
			st->stats.drop_paws++;
			tcp_send_ack(st, c);
			return;
		}
	}
	/* RST, RFC 5961 3.2. */
	if (s->flags & TH_RST) {
		if (s->seq == c->rcv_nxt) {
			tcp_conn_drop(st, c, IFE_TCP_EV_RESET);
		} else if (SEQ_GEQ(s->seq, c->rcv_nxt) &&
			   SEQ_LT(s->seq, c->rcv_nxt + tcp_max32(wnd, 1))) {
			tcp_send_challenge_ack(st, c);
		} else {
			st->stats.drop_rst_ignored++;
		}
		return;
	}
	/* Sequence check, RFC 9293 3.10.7.4 first. */
	uint32_t seglen =
		s->len + ((s->flags & TH_SYN) ? 1 : 0) + (fin ? 1 : 0);
	if (wnd == 0 && s->len + (fin ? 1 : 0) > 0 && s->seq == c->rcv_nxt &&
	    (s->flags & (TH_ACK | TH_SYN)) == TH_ACK) {
		/* Zero window: the text is not acceptable but the ACK is
		 * (RFC 9293 3.10.7.4, "special allowance"). */
		st->stats.drop_out_of_window++;
		rte_pktmbuf_free(s->m);
		s->m = NULL;
		s->len = 0;
		fin = 0;
		seglen = 0;
		c->flags |= TF_ACKNOW;
	}
	if (!seq_acceptable(c, s->seq, seglen, wnd)) {
		/* Wholly below RCV.NXT: a duplicate (a retransmission whose
		 * ACK was lost, or a copy), not a window violation. */
		if (s->len > 0 && SEQ_LEQ(s->seq + seglen, c->rcv_nxt))
			st->stats.dup_data_segs++;
		else
			st->stats.drop_out_of_window++;
		if (c->state == IFE_TCP_TIME_WAIT && fin) {
			/* The peer's FIN again: ACK it, restart 2*MSL. */
			c->t_keep = tcp_deadline(st, st->p.time_wait_ms);
		}
		if (s->flags & TH_SYN) {
			tcp_send_challenge_ack(st, c);
			return;
		}
		if (!zero_wnd_ack_ok(c, s, wnd)) {
			tcp_send_ack(st, c);
			return;
		}
		/* Its ACK is all that is taken; ours answers it. */
		st->stats.zero_wnd_acks++;
		rte_pktmbuf_free(s->m);
		s->m = NULL;
		s->len = 0;
		fin = 0;
		c->flags |= TF_ACKNOW;
		goto ack_field;
	}
	/* SYN in a synchronized state, RFC 5961 4.2. */
	if (s->flags & TH_SYN) {
		if (c->state == IFE_TCP_SYN_RCVD && (c->flags & TF_PASSIVE)) {
			tcp_conn_drop(st, c, 0); /* back to LISTEN */
			return;
		}
		tcp_send_challenge_ack(st, c);
		return;
	}
	if (!(s->flags & TH_ACK)) {
		st->stats.drop_no_ack_flag++;
		return;
	}
	/* Trim to the window (RFC 9293 3.10.7.4, "trim"). */
	uint32_t orig_seq = s->seq;
	if (SEQ_LT(s->seq, c->rcv_nxt)) {
		uint32_t todrop = c->rcv_nxt - s->seq;
		if (todrop > s->len) {
			fin = 0; /* the FIN is old too */
			todrop = s->len;
		}
		if (todrop > 0) {
			if (todrop == s->len) {
				if (s->len)
					st->stats.dup_data_segs++;
				rte_pktmbuf_free(s->m);
				s->m = NULL;
				s->len = 0;
				c->flags |= TF_ACKNOW | TF_DUPACK;
			} else {
				s->m = tcp_mbuf_trim_front(s->m, todrop);
				s->len -= todrop;
			}
		}
		s->seq = c->rcv_nxt;
	}
	if (SEQ_GT(s->seq + s->len, c->rcv_nxt + wnd)) {
		uint32_t excess = s->seq + s->len - (c->rcv_nxt + wnd);
		if (excess >= s->len) {
			rte_pktmbuf_free(s->m);
			s->m = NULL;
			s->len = 0;
		} else {
			s->m = tcp_mbuf_trim_tail(s->m, excess);
			s->len -= excess;
		}
		fin = 0;
		c->flags |= TF_ACKNOW;
	}
	/* RFC 7323 4.3: remember the timestamp of the left edge. */
	if ((c->flags & TF_TS_OK) && s->o.has_ts &&
	    SEQ_LEQ(orig_seq, c->rcv_nxt) && TS_LEQ(c->ts_recent, s->o.tsval)) {
		c->ts_recent = s->o.tsval;
		c->ts_recent_age = st->now_ms;
	}

ack_field:
	if (c->state == IFE_TCP_SYN_RCVD) {
		if (!(SEQ_GT(s->ack, c->snd_una) &&
		      SEQ_LEQ(s->ack, c->snd_max))) {
			st->stats.drop_ack_invalid++;
			tcp_send_reset(st, ip, c->rport, c->lport, s->ack, 0,
				       TH_RST);
			return;
		}
		c->snd_una++; /* our SYN */
		c->snd_wnd = s->wnd << c->snd_wscale;
		c->max_snd_wnd = tcp_max32(c->max_snd_wnd, c->snd_wnd);
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		c->retries = 0;
		c->t_rexmt = 0;
		if ((c->flags & TF_TS_OK) && s->o.tsecr &&
		    TS_LEQ(s->o.tsecr, st->now_ms))
			tcp_rtt_sample(st, c, st->now_ms - s->o.tsecr);
		c->backoff = 0;
		tcp_conn_established(st, c);
	}
	if (SEQ_GT(s->ack, c->snd_max)) {
		/* Acks something not yet sent: ACK and drop (RFC 9293). */
		st->stats.drop_ack_invalid++;
		tcp_send_challenge_ack(st, c);
		return;
	}
	if (SEQ_LT(s->ack, c->snd_una - c->max_snd_wnd)) {
		/* RFC 5961 5.2: too old to be a real ACK. */
		st->stats.drop_ack_invalid++;
		tcp_send_challenge_ack(st, c);
		return;
	}
	uint32_t swnd = s->wnd << c->snd_wscale;
	if (SEQ_GT(s->ack, c->snd_una)) {
		if (tcp_ack_new(st, c, s) > 0)
			tcp_loss_check(st, c);
	} else if (s->ack == c->snd_una && c->snd_una != c->snd_max) {
		/* RFC 5681 2 duplicate ACK, or RFC 6675 2: one whose SACK
		 * blocks cover new data (then data, window or FIN on it do
		 * not matter). Older ACKs' blocks are ignored. */
		uint32_t newly =
			sack_usable(c, s) ? tcp_sack_update(st, c, s) : 0;
		if (newly > 0 || (s->len == 0 && !fin && swnd == c->snd_wnd &&
				  !(c->flags & TF_PERSIST)))
			tcp_dupack(st, c);
	}
	/* Send window update (RFC 9293 3.10.7.4, ESTABLISHED), also from
	 * any ACK that moved SND.UNA (as Linux's tcp_may_update_window):
	 * the peer sent it after every segment seen so far, so its window
	 * is the newest, whatever its SEG.SEQ (a window probe's is
	 * RCV.NXT-1, below SND.WL1). */
	if (SEQ_LT(c->snd_wl1, s->seq) ||
	    (c->snd_wl1 == s->seq && SEQ_LEQ(c->snd_wl2, s->ack)) ||
	    SEQ_GT(s->ack, c->snd_wl2)) {
		uint32_t old = c->snd_wnd;
		c->snd_wnd = swnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		if (swnd > c->max_snd_wnd)
			c->max_snd_wnd = swnd;
		if (old == 0 && swnd > 0 && (c->flags & TF_PERSIST)) {
			c->flags &= ~(uint32_t)TF_PERSIST;
			c->t_rexmt = 0;
			c->backoff = 0;
		}
	}
	int fin_acked = (c->flags & TF_FIN_SENT) && c->snd_una == c->snd_max;
	switch (c->state) {
	case IFE_TCP_FIN_WAIT_1:
		if (fin_acked) {
			c->state = IFE_TCP_FIN_WAIT_2;
			if (c->flags & TF_APP_CLOSED)
				c->t_keep =
					tcp_deadline(st, st->p.fin_wait2_ms);
		}
		break;
	case IFE_TCP_CLOSING:
		if (fin_acked)
			tcp_enter_time_wait(st, c);
		break;
	case IFE_TCP_LAST_ACK:
		if (fin_acked) {
			tcp_conn_drop(st, c, IFE_TCP_EV_CLOSED);
			return;
		}
		break;
	default:
		break;
	}

	/* Segment text. */
	if (s->len > 0) {
		switch (c->state) {
		case IFE_TCP_ESTABLISHED:
		case IFE_TCP_FIN_WAIT_1:
		case IFE_TCP_FIN_WAIT_2:
			if (c->flags & TF_APP_CLOSED) {
				/* Nobody will read it (RFC 9293 3.10.4). */
				st->stats.drop_after_close++;
				tcp_send_seg(st, c, c->snd_nxt, 0,
					     TH_RST | TH_ACK);
				tcp_conn_drop(st, c, 0);
				return;
			}
			tcp_data(st, c, s);
			break;
		default:
			break; /* after the peer's FIN: ignored */
		}
	}
	/* FIN, in order only (an out-of-order FIN is retransmitted). */
	if (fin && s->seq + s->len == c->rcv_nxt && s->m == NULL &&
	    !(c->flags & TF_PEER_FIN)) {
		switch (c->state) {
		case IFE_TCP_ESTABLISHED:
			c->state = IFE_TCP_CLOSE_WAIT;
			break;
		case IFE_TCP_FIN_WAIT_1:
			if (fin_acked)
				tcp_enter_time_wait(st, c);
			else
				c->state = IFE_TCP_CLOSING;
			break;
		case IFE_TCP_FIN_WAIT_2:
			tcp_enter_time_wait(st, c);
			break;
		default:
			fin = 0;
			break;
		}
		if (fin) {
			c->rcv_nxt++;
			c->flags |= TF_PEER_FIN | TF_ACKNOW;
			tcp_event(st, c, IFE_TCP_EV_PEER_CLOSED);
		}
	}
	/* The application answers first (its data, or its FIN, carries the
	 * ACK this segment owes), then whatever is still owed goes. */
	if (st->ev_conn == c)
		tcp_events_flush(st);
	if (c->state == IFE_TCP_CLOSED)
		return;
	tcp_output_ack(st, c);
}

/* ---- entry point ------------------------------------------------------- */

static int
tcp_bad_src(const struct ife_tcp_ip *ip)
{
	if (ip->family == 4) {
		uint8_t a = ip->src[0];
		uint32_t all;
		memcpy(&all, ip->src, 4);
		return a == 0 || a >= 224 || all == 0xffffffffu;
	}
	return ip->src[0] == 0xff; /* multicast */
}

/* The partial sum of the first @p len bytes of the chain @p m, added to
 * @p seed (ife_csum(); a piece that starts at an odd offset of the
 * segment is swapped). -1 when the chain holds fewer than @p len bytes. */
static int
tcp_csum_mbuf(const struct rte_mbuf *m, uint32_t len, uint32_t seed,
	      uint32_t *sum_r)
{
	uint64_t sum = seed;
	uint32_t done = 0;
	for (const struct rte_mbuf *s = m; s != NULL && done < len;
	     s = s->next) {
		uint32_t n = tcp_min32(s->data_len, len - done);
		uint32_t k = ife_csum(rte_pktmbuf_mtod(s, const void *), n, 0);
		sum += (done & 1) ? ife_csum_odd(k) : k;
		done += n;
	}
	if (done < len)
		return -1;
	*sum_r = ife_csum_fold64(sum);
	return 0;
}

void
ife_tcp_input(struct ife_tcp_stack *st, struct rte_mbuf *m,
	      const struct ife_tcp_ip *ip, uint64_t now)
{
	struct tcp_seg s;
	tcp_set_clock(st, now);
	st->stats.rx_segs++;
	if (ip->family != 4 && ip->family != 6) {
		st->stats.drop_bad_addr++;
		goto drop;
	}
	uint32_t len = ip->len;
	if (len < 20 || m->pkt_len < len || m->data_len < 20) {
		st->stats.drop_short++;
		goto drop;
	}
	if (m->pkt_len > len) /* link-layer padding */
		m = tcp_mbuf_trim_tail(m, m->pkt_len - len);
	const struct rte_tcp_hdr *th =
		rte_pktmbuf_mtod(m, struct rte_tcp_hdr *);
	unsigned hlen = (unsigned)(th->data_off >> 4) * 4;
	if (hlen < 20 || hlen > len) {
		st->stats.drop_bad_doff++;
		goto drop;
	}
	if (m->data_len < hlen) {
		st->stats.drop_short++;
		goto drop;
	}
	uint64_t ol = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (ol == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
		st->stats.drop_bad_csum++;
		goto drop;
	}
	if (ol != RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		uint32_t sum;
		if (tcp_csum_mbuf(
			    m, len,
			    tcp_pseudo_sum(ip->family, ip->src, ip->dst, len),
			    &sum) != 0) {
			st->stats.drop_short++;
			goto drop;
		}
		if (ife_csum_fold16(sum) != 0xffff) {
			st->stats.drop_bad_csum++;
			goto drop;
		}
	}
	uint16_t sport = rte_be_to_cpu_16(th->src_port);
	uint16_t dport = rte_be_to_cpu_16(th->dst_port);
	s.flags = th->tcp_flags & 0x3f;
	if (sport == 0 || dport == 0 || tcp_bad_src(ip)) {
		st->stats.drop_bad_addr++;
		goto drop;
	}
	if (!(s.flags & (TH_SYN | TH_ACK | TH_RST)) ||
	    (s.flags & TH_SYN && s.flags & (TH_FIN | TH_RST))) {
		st->stats.drop_bad_flags++;
		goto drop;
	}
	s.seq = rte_be_to_cpu_32(th->sent_seq);
	s.ack = rte_be_to_cpu_32(th->recv_ack);
	s.wnd = rte_be_to_cpu_16(th->rx_win);
	if (hlen > 20)
		tcp_parse_opts((const uint8_t *)(th + 1), hlen - 20, &s.o);
	else
		tcp_parse_opts(NULL, 0, &s.o);
	s.len = len - hlen;
	if (s.len > 0) {
		rte_pktmbuf_adj(m, (uint16_t)hlen);
		s.m = m;
	} else {
		rte_pktmbuf_free(m);
		s.m = NULL;
	}
	m = NULL;

	struct ife_tcp_conn *c =
		tcp_lookup(st, ip->family, ip->dst, dport, ip->src, sport);
	if (c != NULL && c->state == IFE_TCP_TIME_WAIT &&
	    (s.flags & (TH_SYN | TH_ACK)) == TH_SYN &&
	    tcp_find_listener(st, dport) >= 0 &&
	    (SEQ_GT(s.seq, c->rcv_nxt) ||
	     ((c->flags & TF_TS_OK) && s.o.has_ts &&
	      TS_LT(c->ts_recent, s.o.tsval)))) {
		/* RFC 6191: a new incarnation may reuse a TIME_WAIT tuple. */
		st->stats.conn_tw_reused++;
		c->flags |= TF_APP_CLOSED;
		tcp_conn_drop(st, c, IFE_TCP_EV_CLOSED);
		st->stats.conn_closed--;
		c = NULL;
	}
	if (c == NULL) {
		int lidx = tcp_find_listener(st, dport);
		if (lidx >= 0) {
			struct ife_tcp_conn *nc = tcp_listen_input(
				st, ip, sport, dport, &s, lidx);
			if (nc != NULL) {
				st->busy = nc;
				tcp_sync_input(st, nc, ip, &s);
			}
			tcp_finish(st, nc);
		} else {
			st->stats.drop_no_conn++;
			if (!(s.flags & TH_RST)) {
				/* RFC 9293 3.10.7.1 */
				if (s.flags & TH_ACK)
					tcp_send_reset(st, ip, sport, dport,
						       s.ack, 0, TH_RST);
				else
					tcp_send_reset(
						st, ip, sport, dport, 0,
						s.seq + s.len +
							(s.flags & TH_SYN ? 1
									  : 0) +
							(s.flags & TH_FIN ? 1
									  : 0),
						TH_RST | TH_ACK);
			}
		}
		rte_pktmbuf_free(s.m);
		return;
	}
	st->busy = c;
	if (c->state == IFE_TCP_SYN_SENT)
		tcp_syn_sent_input(st, c, ip, &s);
	else
		tcp_sync_input(st, c, ip, &s);
	tcp_finish(st, c);
	rte_pktmbuf_free(s.m);
	return;
drop:
	rte_pktmbuf_free(m);
}
