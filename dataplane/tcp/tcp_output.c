/*
 * Output: segment building (header, options, payload copied from the send
 * queue), TSO super-segments (mbuf chains the port cuts into segments),
 * checksums (software, or the pseudo-header sum for TX offload), the send
 * loop (windows, sender SWS avoidance, FIN, persist), ACKs, RFC 5961
 * challenge ACKs and RSTs for segments without a connection.
 */
#include <rte_ip.h>
#include <rte_tcp.h>

#include "imapfe/csum.h"
#include "tcp_pvt.h"

uint32_t
tcp_pseudo_sum(uint8_t family, const uint8_t *src, const uint8_t *dst,
	       uint32_t len)
{
	size_t alen = family == 6 ? 16 : 4;
	uint32_t sum = ife_csum(dst, alen, ife_csum(src, alen, 0));
	/* Length and protocol in network order, as 16-bit words. */
	uint16_t w[3] = {rte_cpu_to_be_16((uint16_t)(len >> 16)),
			 rte_cpu_to_be_16((uint16_t)len),
			 rte_cpu_to_be_16(IPPROTO_TCP)};
	return ife_csum(w, sizeof(w), sum);
}

uint16_t
tcp_effective_mss(const struct ife_tcp_stack *st, uint8_t family,
		  uint16_t peer_mss, int ts)
{
	uint16_t ours = family == 6 ? st->mss_v6 : st->mss_v4;
	uint16_t m = peer_mss && peer_mss < ours ? peer_mss : ours;
	if (ts)
		m -= 12; /* RFC 6691: options come out of the MSS */
	if (m > st->max_seg_payload)
		m = st->max_seg_payload;
	return m;
}

uint32_t
tcp_rcv_window(const struct ife_tcp_stack *st, const struct ife_tcp_conn *c)
{
	uint32_t used = tcp_rcvq_bytes(c);
	uint32_t space = st->p.rcv_buf > used ? st->p.rcv_buf - used : 0;
	unsigned segs =
		(c->rcvq_head ? c->rcvq_head->nb_segs : 0) + c->ooo_segs;
	if (segs >= st->p.rcvq_max_segs ||
	    st->rx_held >= st->p.rx_mbuf_max / 4 * 3)
		space = 0; /* do not open the window further */
	else if (c->mss > 0) {
		/* Never more than the mbufs left to the queue hold in
		 * full-sized segments (a peer that fills the window is never
		 * dropped for it), nor more than this connection's fair share
		 * of the stack's free receive budget: 1000 flows with 256 KiB
		 * windows would otherwise promise three times the budget, and
		 * what arrives past it is dropped (drop_rx_mem) and retried
		 * with backoff. At least 2 segments, so each flow moves. */
		uint32_t left = st->p.rcvq_max_segs - segs;
		uint32_t free = st->p.rx_mbuf_max - st->rx_held;
		uint32_t conns = st->used ? st->used : 1;
		if ((uint64_t)left * conns > free) /* divide only then */
			left = tcp_min32(left, tcp_max32(free / conns, 2));
		if (space / c->mss >= left)
			space = left * c->mss;
	}
	uint32_t maxw = 65535u << c->rcv_wscale;
	return space > maxw ? maxw : space;
}

/* Advance the advertised right edge (RFC 9293 3.8.6.2.2 receiver SWS
 * avoidance; never shrink) and return the window to put in a segment. */
static uint32_t
tcp_adv_window(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	uint32_t edge = c->rcv_nxt + tcp_rcv_window(st, c);
	if (SEQ_LT(c->rcv_adv, c->rcv_nxt))
		c->rcv_adv = c->rcv_nxt;
	if (SEQ_GT(edge, c->rcv_adv)) {
		uint32_t inc = edge - c->rcv_adv;
		uint32_t thr = tcp_min32(st->p.rcv_buf / 2, c->mss);
		if (inc >= thr || c->rcv_adv == c->rcv_nxt)
			c->rcv_adv = edge;
	}
	return c->rcv_adv - c->rcv_nxt;
}

static unsigned
put_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = TCPOPT_NOP;
	o[1] = TCPOPT_NOP;
	o[2] = TCPOPT_TIMESTAMP;
	o[3] = 10;
	tsval = rte_cpu_to_be_32(tsval);
	tsecr = rte_cpu_to_be_32(tsecr);
	memcpy(o + 4, &tsval, 4);
	memcpy(o + 8, &tsecr, 4);
	return 12;
}

/* SYN options: MSS, SACK-permitted, timestamps, window scale. */
static unsigned
put_syn_opts(uint8_t *o, uint16_t mss, int sack, int ts, uint32_t tsval,
	     uint32_t tsecr, int ws, uint8_t wscale)
{
	unsigned n = 0;
	o[n++] = TCPOPT_MSS;
	o[n++] = 4;
	o[n++] = (uint8_t)(mss >> 8);
	o[n++] = (uint8_t)mss;
	if (ts) {
		if (sack) {
			o[n++] = TCPOPT_SACK_OK;
			o[n++] = 2;
		} else {
			o[n++] = TCPOPT_NOP;
			o[n++] = TCPOPT_NOP;
		}
		o[n++] = TCPOPT_TIMESTAMP;
		o[n++] = 10;
		tsval = rte_cpu_to_be_32(tsval);
		tsecr = rte_cpu_to_be_32(tsecr);
		memcpy(o + n, &tsval, 4);
		memcpy(o + n + 4, &tsecr, 4);
		n += 8;
	} else if (sack) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_SACK_OK;
		o[n++] = 2;
	}
	if (ws) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_WSCALE;
		o[n++] = 3;
		o[n++] = wscale;
	}
	return n;
}

/* RFC 2018 4: SACK blocks from the out-of-order queue, the block holding
 * the most recently received segment first. */
static unsigned
put_sack(const struct ife_tcp_conn *c, uint8_t *o, unsigned maxblk,
	 unsigned *nblk_r)
{
	uint32_t blk[4][2];
	unsigned nb = 0, first = 0;
	for (struct rte_mbuf *p = c->ooo_head; p != NULL;) {
		uint32_t s = p->hash.usr, e = s + p->pkt_len;
		if (nb > 0 && blk[nb - 1][1] == s) {
			blk[nb - 1][1] = e;
		} else {
			if (nb == 4)
				break;
			blk[nb][0] = s;
			blk[nb][1] = e;
			nb++;
		}
		if (SEQ_GEQ(c->sack_last, s) && SEQ_LT(c->sack_last, e))
			first = nb - 1;
		struct rte_mbuf *l = p;
		for (unsigned k = 1; k < p->nb_segs; k++)
			l = l->next;
		p = l->next;
	}
	if (nb == 0)
		return 0;
	o[0] = TCPOPT_NOP;
	o[1] = TCPOPT_NOP;
	o[2] = TCPOPT_SACK;
	unsigned n = 4, out = 0;
	for (unsigned i = 0; i < nb && out < maxblk; i++) {
		unsigned b = i == 0 ? first : (i <= first ? i - 1 : i);
		uint32_t s = rte_cpu_to_be_32(blk[b][0]);
		uint32_t e = rte_cpu_to_be_32(blk[b][1]);
		memcpy(o + n, &s, 4);
		memcpy(o + n + 4, &e, 4);
		n += 8;
		out++;
	}
	o[3] = (uint8_t)(2 + 8 * out);
	*nblk_r = out;
	return n;
}

/* Fill the TCP checksum of a built segment and hand it to the net layer.
 * @p m holds header + options + payload, contiguous, or is a TSO
 * super-segment (RTE_MBUF_F_TX_TCP_SEG and tso_segsz already set; header
 * and options in the first mbuf). @p dsum, when not NULL, is the partial
 * sum of the payload (after the @p hlen header bytes), taken as it was
 * copied in: only the header is summed here. */
static int
tcp_xmit(struct ife_tcp_stack *st, struct rte_mbuf *m, uint8_t family,
	 const uint8_t *src, const uint8_t *dst, unsigned hlen,
	 const uint32_t *dsum)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod(m, struct rte_tcp_hdr *);
	struct ife_tcp_ip ip;
	uint32_t len = m->pkt_len;
	uint32_t segs = 1;

	ip.family = family;
	ip.pad = 0;
	ip.len = (uint16_t)len;
	memcpy(ip.src, src, 16);
	memcpy(ip.dst, dst, 16);
	th->cksum = 0;
	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
		/* DPDK's TSO rule: the port adds each segment's length, so
		 * the field holds the pseudo-header sum without it (as
		 * rte_ipv4_phdr_cksum() / rte_ipv6_phdr_cksum() give with
		 * RTE_MBUF_F_TX_TCP_SEG). */
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM |
			       (family == 6 ? RTE_MBUF_F_TX_IPV6
					    : RTE_MBUF_F_TX_IPV4 |
						      RTE_MBUF_F_TX_IP_CKSUM);
		m->l4_len = hlen;
		th->cksum =
			ife_csum_fold16(tcp_pseudo_sum(family, src, dst, 0));
		segs = (len - hlen + m->tso_segsz - 1) / m->tso_segsz;
	} else if (st->p.tx_csum_offload) {
		uint32_t ps = tcp_pseudo_sum(family, src, dst, len);
		m->ol_flags |=
			RTE_MBUF_F_TX_TCP_CKSUM |
			(family == 6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4);
		m->l4_len = hlen;
		th->cksum = ife_csum_fold16(ps);
	} else {
		uint32_t ps = tcp_pseudo_sum(family, src, dst, len);
		uint32_t sum;
		if (dsum != NULL)
			sum = ife_csum_fold64((uint64_t)ife_csum(th, hlen, ps) +
					      *dsum);
		else
			sum = ife_csum(th, len, ps);
		uint16_t ck = (uint16_t)~ife_csum_fold16(sum);
		th->cksum = ck;
	}
	/* With IPv4 TSO the port computes every IPv4 header checksum, and
	 * the net layer leaves them 0 (ife_net_cfg.tx_ip4_cksum_offload):
	 * each IPv4 segment must say so, not only the super-segments. */
	if (family == 4 && st->p.tx_tso_v4)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	st->stats.tx_segs += segs;
	if (st->p.ip_output(st->p.output_ctx, m, &ip) < 0) {
		st->stats.tx_output_err++;
		return -ENOBUFS;
	}
	return 0;
}

static void
fill_hdr(struct rte_tcp_hdr *th, uint16_t sport, uint16_t dport, uint32_t seq,
	 uint32_t ack, uint8_t flags, uint16_t win, unsigned hlen)
{
	th->src_port = rte_cpu_to_be_16(sport);
	th->dst_port = rte_cpu_to_be_16(dport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((hlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	th->cksum = 0;
	th->tcp_urp = 0;
}

/* Copy @p len bytes at byte offset @p off of the send queue to @p dst,
 * starting from the cursor when it is not past @p off, and leave the
 * cursor on the mbuf holding the byte after the copy. With @p sum_r, sum
 * the bytes as they are copied (one pass, ife_csum_copy()) and store
 * their partial sum there, for bytes that start at an even offset of the
 * checksummed segment. */
static void
sndq_copy(struct ife_tcp_conn *c, uint32_t off, uint32_t len, uint8_t *dst,
	  uint32_t *sum_r)
{
	uint64_t sum = 0;
	uint32_t done = 0;
	struct rte_mbuf *s = c->sndq_head;
	uint32_t base = 0;
	if (c->snd_cur != NULL && c->snd_cur_off <= off) {
		s = c->snd_cur;
		base = c->snd_cur_off;
	}
	while (s != NULL && s->next != NULL && off - base >= s->data_len) {
		base += s->data_len;
		s = s->next;
	}
	if (s == NULL) {
		if (sum_r != NULL)
			*sum_r = 0;
		return;
	}
	off -= base;
	while (len > 0) {
		if (off >= s->data_len) {
			if (s->next == NULL)
				break; /* callers never ask past the queue */
			base += s->data_len;
			off -= s->data_len;
			s = s->next;
			continue;
		}
		uint32_t n = tcp_min32(len, s->data_len - off);
		const uint8_t *from =
			rte_pktmbuf_mtod_offset(s, const uint8_t *, off);
		if (sum_r != NULL) {
			uint32_t k = ife_csum_copy(dst, from, n, 0);
			sum += (done & 1) ? ife_csum_odd(k) : k;
		} else {
			memcpy(dst, from, n);
		}
		dst += n;
		len -= n;
		off += n;
		done += n;
	}
	if (sum_r != NULL)
		*sum_r = ife_csum_fold64(sum);
	/* The cursor may rest at the end of the last mbuf: bytes the app
	 * appends later continue from there. */
	c->snd_cur = s;
	c->snd_cur_off = base;
}

/* The pool is empty: try again in 1 ms, without the loss semantics (and
 * the backoff) of a retransmission timeout. Uses the delayed-ACK slot. */
static void
tcp_output_retry(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	c->flags |= TF_OUT_RETRY;
	if (c->t_delack == 0 || TS_LT(st->now_ms + 1, c->t_delack))
		c->t_delack = tcp_deadline(st, 1);
	tcp_timer_update(st, c);
}

/* mbufs one super-segment may span at most, whatever the port allows: the
 * size of tcp_send()'s array (IFE_TCP_TSO_MAX bytes take 110 mbufs of the
 * smallest data room stack creation accepts, 596 bytes). */
#define TCP_TSO_MBUFS 128

static inline bool
tcp_tso_on(const struct ife_tcp_stack *st, const struct ife_tcp_conn *c)
{
	return c->family == 6 ? st->p.tx_tso_v6 : st->p.tx_tso_v4;
}

/*
 * TSO: of the @p len bytes at @p seq that the windows allow, how many go
 * as one super-segment, cut by the port into wire segments of *@p segsz_r
 * bytes: whole segments only, except the end of the send queue. When the
 * FIN follows the queue, the last piece (at most one segment) is held
 * back to carry it as a plain segment, so no super-segment carries FIN
 * and the wire sees what it would without TSO. Returns 0 when no more
 * than one segment would go: the caller sends a plain one. Clears FIN
 * and, unless the super-segment ends the queue, PSH in *@p flags.
 */
static uint32_t
tcp_tso_plan(const struct ife_tcp_stack *st, const struct ife_tcp_conn *c,
	     uint32_t seq, uint32_t len, unsigned hlen, uint32_t room,
	     uint8_t *flags, uint16_t *segsz_r)
{
	uint32_t unit = room;
	if (st->p.tso_mtu != 0) {
		uint32_t over = (c->family == 6 ? 40u : 20u) + hlen;
		unit = tcp_min32(unit, st->p.tso_mtu - over);
	}
	uint32_t cap = st->p.tso_max;
	if (st->p.tso_max_pkts != 0 &&
	    (uint64_t)unit * st->p.tso_max_pkts < cap)
		cap = unit * st->p.tso_max_pkts;
	/* Every mbuf of the chain holds st->seg_room bytes; the first also
	 * the TCP header (the net layer prepends IP and Ethernet in its
	 * headroom). */
	uint32_t seg_room = st->seg_room;
	uint32_t nmax = TCP_TSO_MBUFS;
	if (st->p.tso_max_segs != 0)
		nmax = tcp_min32(nmax, st->p.tso_max_segs);
	cap = tcp_min32(cap, seg_room - hlen + (nmax - 1) * seg_room);

	bool tail = seq - c->snd_una + len == c->sndq_bytes;
	if (len > cap) {
		len = cap;
		tail = false;
	}
	uint32_t n;
	if (tail && (*flags & TH_FIN))
		n = (len - 1) / unit * unit;
	else if (tail)
		n = len;
	else
		n = len / unit * unit;
	if (n <= unit)
		return 0;
	*flags &= (uint8_t)~TH_FIN;
	if (n < len)
		*flags &= (uint8_t)~TH_PSH;
	*segsz_r = (uint16_t)unit;
	return n;
}

/* Chain @p n more mbufs of @p seg_room bytes each after @p m, holding the
 * send-queue bytes from offset @p off on; @p len in all. */
static void
tcp_tso_fill(struct ife_tcp_conn *c, struct rte_mbuf *m, struct rte_mbuf **more,
	     unsigned n, uint32_t off, uint32_t len, uint32_t seg_room)
{
	struct rte_mbuf *last = m;
	for (unsigned i = 0; i < n; i++) {
		uint32_t k = tcp_min32(len, seg_room);
		uint8_t *q =
			(uint8_t *)rte_pktmbuf_append(more[i], (uint16_t)k);
		sndq_copy(c, off, k, q, NULL);
		off += k;
		len -= k;
		last->next = more[i];
		last = more[i];
		m->nb_segs++;
		m->pkt_len += k;
	}
}

/*
 * Build and send one segment at @p seq: @p len payload bytes at most
 * (cut to what the MSS leaves after the options, and then without FIN),
 * or with @p tso a super-segment of new data (tcp_tso_plan()). Returns
 * the payload + FIN sent, or -ENOMEM (nothing sent, a retry is set).
 */
static int
tcp_send(struct ife_tcp_stack *st, struct ife_tcp_conn *c, uint32_t seq,
	 uint32_t len, uint8_t flags, bool tso)
{
	uint8_t opt[40];
	unsigned olen = 0, nsack = 0;
	uint16_t win16;

	if (flags & TH_SYN) {
		uint16_t ours = c->family == 6 ? st->mss_v6 : st->mss_v4;
		olen = put_syn_opts(opt, ours, !!(c->flags & TF_SACK_OK),
				    !!(c->flags & TF_TS_OK), st->now_ms,
				    c->ts_recent, !!(c->flags & TF_WS_OK),
				    c->rcv_wscale);
	} else {
		if (c->flags & TF_TS_OK)
			olen = put_ts(opt, st->now_ms, c->ts_recent);
		if ((c->flags & TF_SACK_OK) && c->ooo_head && !(flags & TH_RST))
			olen += put_sack(c, opt + olen,
					 (c->flags & TF_TS_OK) ? 3 : 4, &nsack);
	}
	unsigned hlen = 20 + olen;
	/* A segment never carries more than the MSS allows after its
	 * options (c->mss already leaves room for the timestamp option). */
	uint32_t room = (uint32_t)c->mss + ((c->flags & TF_TS_OK) ? 12 : 0);
	room = olen < room ? room - olen : 1;
	room = tcp_min32(room, st->max_seg_payload);
	uint16_t segsz = 0; /* TSO: payload per wire segment */
	uint32_t tso_len = 0;
	if (tso && len > room)
		tso_len = tcp_tso_plan(st, c, seq, len, hlen, room, &flags,
				       &segsz);
	if (tso_len != 0) {
		len = tso_len;
	} else if (len > room) {
		len = room;
		/* FIN (and PSH, the end of the data) go after the rest. */
		flags &= (uint8_t) ~(TH_FIN | TH_PSH);
	}

	/* All mbufs first, so that an empty pool leaves no trace but the
	 * retry. A super-segment's are transient, as a segment's mbuf is:
	 * outside the send-queue budget, freed by the PMD once sent. */
	struct rte_mbuf *more[TCP_TSO_MBUFS - 1];
	uint32_t first = len, seg_room = 0;
	unsigned nmore = 0;
	if (tso_len != 0) {
		seg_room = st->seg_room;
		first = tcp_min32(len, seg_room - hlen);
		nmore = (len - first + seg_room - 1) / seg_room;
	}
	struct rte_mbuf *m = rte_pktmbuf_alloc(st->p.mp);
	if (m != NULL && nmore > 0 &&
	    rte_pktmbuf_alloc_bulk(st->p.mp, more, nmore) != 0) {
		rte_pktmbuf_free(m);
		m = NULL;
	}
	uint8_t *p = NULL;
	if (m != NULL) {
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hlen + first));
		if (p == NULL) {
			rte_pktmbuf_free(m);
			if (nmore > 0)
				rte_pktmbuf_free_bulk(more, nmore);
		}
	}
	if (p == NULL) {
		st->stats.tx_no_mbuf++;
		tcp_output_retry(st, c);
		return -ENOMEM;
	}

	uint32_t w = tcp_adv_window(st, c);
	if (flags & TH_SYN) {
		/* RFC 7323 2.2: the window in a SYN is never scaled. */
		win16 = w > 65535 ? 65535 : (uint16_t)w;
	} else {
		if (w == 0)
			st->stats.zero_window_tx++;
		win16 = (uint16_t)(w >> c->rcv_wscale);
	}
	st->stats.sack_blocks_tx += nsack;
	uint32_t ack = (flags & TH_ACK) ? c->rcv_nxt : 0;
	uint32_t dsum = 0, *dsum_p = NULL;
	fill_hdr((struct rte_tcp_hdr *)p, c->lport, c->rport, seq, ack, flags,
		 win16, hlen);
	memcpy(p + 20, opt, olen);
	if (len > 0) {
		uint32_t start = c->snd_una;
		if (c->state == IFE_TCP_SYN_SENT ||
		    c->state == IFE_TCP_SYN_RCVD)
			start++;
		/* A plain segment checksummed here: sum the payload as it
		 * is copied (hlen is even, so it starts at an even offset). */
		if (tso_len == 0 && !st->p.tx_csum_offload)
			dsum_p = &dsum;
		sndq_copy(c, seq - start, first, p + hlen, dsum_p);
		uint32_t segs = 1;
		if (tso_len != 0) {
			tcp_tso_fill(c, m, more, nmore, seq - start + first,
				     len - first, seg_room);
			m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
			m->tso_segsz = segsz;
			segs = (len + segsz - 1) / segsz;
			st->stats.tx_tso++;
			st->stats.tx_tso_bytes += len;
		}
		st->stats.tx_data_segs += segs;
		st->stats.tx_bytes += len;
	} else if (!(flags & (TH_SYN | TH_FIN | TH_RST))) {
		st->stats.tx_acks++;
	}
	if (flags & TH_RST)
		st->stats.tx_rst++;
	if (flags & TH_FIN)
		st->stats.tx_fin++;
	if (flags & TH_SYN) {
		if (flags & TH_ACK)
			st->stats.tx_synack++;
		else
			st->stats.tx_syn++;
	}
	if (flags & TH_ACK) {
		c->flags &= ~(uint32_t)(TF_ACKNOW | TF_DELACK | TF_ACK_OWED2 |
					TF_DUPACK);
		c->t_delack = 0;
	}
	/* An output error is a lost segment: timers recover it. */
	tcp_xmit(st, m, c->family, c->laddr, c->raddr, hlen, dsum_p);
	return (int)len + ((flags & TH_FIN) ? 1 : 0);
}

int
tcp_send_seg(struct ife_tcp_stack *st, struct ife_tcp_conn *c, uint32_t seq,
	     uint32_t len, uint8_t flags)
{
	return tcp_send(st, c, seq, len, flags, false);
}

bool
tcp_defer(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	if (!st->batch || (c->flags & TF_DUPACK))
		return false;
	if (c->flags & TF_DEFER)
		return true;
	if (st->ndefer == IFE_TCP_DEFER_MAX)
		return false;
	c->flags |= TF_DEFER;
	st->defer[st->ndefer++] = (uint32_t)(c - st->conns);
	st->stats.out_deferred++;
	return true;
}

void
ife_tcp_batch_begin(struct ife_tcp_stack *st)
{
	st->batch = 1;
}

void
ife_tcp_batch_end(struct ife_tcp_stack *st, uint64_t now)
{
	st->batch = 0;
	if (st->ndefer == 0)
		return;
	tcp_set_clock(st, now);
	for (uint32_t i = 0; i < st->ndefer; i++) {
		struct ife_tcp_conn *c = &st->conns[st->defer[i]];
		/* Freed since (and perhaps reused: its flag is then its
		 * own, and the later entry finds it cleared). */
		if (!(c->flags & TF_DEFER))
			continue;
		c->flags &= ~(uint32_t)TF_DEFER;
		if (c->state != IFE_TCP_CLOSED)
			tcp_output_ack(st, c);
	}
	st->ndefer = 0;
}

void
tcp_output_ack(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	if (tcp_defer(st, c))
		return;
	tcp_output(st, c);
	if (c->flags & TF_ACKNOW)
		tcp_send_ack(st, c);
	tcp_timer_update(st, c);
}

void
tcp_send_ack(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	/* A pure ACK carries SND.MAX, not SND.NXT (as BSD does): after a
	 * retransmission timeout SND.NXT is rolled back to SND.UNA, and an
	 * ACK numbered there lies before what the peer has already received.
	 * Linux drops such a segment as out of window without reading its
	 * ACK field; when the peer's own ACKs are equally stale, both sides
	 * back off forever (seen in the lab with 1000 echo flows). */
	tcp_send_seg(st, c, c->snd_max, 0, TH_ACK);
}

void
tcp_send_challenge_ack(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	/* RFC 5961 section 7: a per-stack budget per second. */
	uint32_t sec = st->now_ms / 1000;
	if (sec != st->chack_sec) {
		st->chack_sec = sec;
		st->chack_count = 0;
	}
	if (st->chack_count >= st->p.challenge_ack_limit) {
		st->stats.challenge_acks_limited++;
		return;
	}
	st->chack_count++;
	st->stats.challenge_acks++;
	tcp_send_ack(st, c);
}

void
tcp_send_reset(struct ife_tcp_stack *st, const struct ife_tcp_ip *ip,
	       uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	       uint8_t flags)
{
	/* @p ip is the received segment's: reply from its dst to its src. */
	struct rte_mbuf *m = rte_pktmbuf_alloc(st->p.mp);
	if (m == NULL) {
		st->stats.tx_no_mbuf++;
		return;
	}
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 20);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		st->stats.tx_no_mbuf++;
		return;
	}
	fill_hdr((struct rte_tcp_hdr *)p, dport, sport, seq, ack, flags, 0, 20);
	st->stats.tx_rst++;
	tcp_xmit(st, m, ip->family, ip->dst, ip->src, 20, NULL);
}

int
tcp_send_synack_cookie(struct ife_tcp_stack *st, const struct ife_tcp_ip *ip,
		       uint16_t sport, uint16_t dport, uint32_t iss,
		       uint32_t irs, const struct tcp_opts *o, uint16_t mss)
{
	uint8_t opt[40];
	struct rte_mbuf *m = rte_pktmbuf_alloc(st->p.mp);
	if (m == NULL) {
		st->stats.tx_no_mbuf++;
		return -ENOBUFS;
	}
	int ws = o->wscale != 0xff;
	uint32_t tsval = 0;
	if (o->has_ts) {
		/* Low 5 bits carry our wscale (15 = none) and SACK-ok, so
		 * the ACK's TSecr brings them back (as Linux does). */
		uint32_t bits =
			(ws ? o->wscale : 0xfu) | (o->sack_ok ? 0x10u : 0);
		tsval = ((st->now_ms - 0x20) & ~0x1fu) | bits;
	}
	unsigned olen =
		put_syn_opts(opt, mss, o->has_ts && o->sack_ok, o->has_ts,
			     tsval, o->tsval, o->has_ts && ws, st->rcv_wscale);
	unsigned hlen = 20 + olen;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)hlen);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		st->stats.tx_no_mbuf++;
		return -ENOBUFS;
	}
	uint32_t w = st->p.rcv_buf > 65535 ? 65535 : st->p.rcv_buf;
	fill_hdr((struct rte_tcp_hdr *)p, dport, sport, iss, irs + 1,
		 TH_SYN | TH_ACK, (uint16_t)w, hlen);
	memcpy(p + 20, opt, olen);
	st->stats.tx_synack++;
	st->stats.syncookies_sent++;
	return tcp_xmit(st, m, ip->family, ip->dst, ip->src, hlen, NULL);
}

static void
tcp_persist_check(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	uint32_t off = c->snd_nxt - c->snd_una;
	if (c->snd_nxt == c->snd_max && c->snd_una == c->snd_max &&
	    off < c->sndq_bytes && c->t_rexmt == 0) {
		c->flags |= TF_PERSIST;
		c->backoff = 0;
		tcp_rexmt_start(st, c);
	}
}

int
tcp_output(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	int sent = 0;
	switch (c->state) {
	case IFE_TCP_ESTABLISHED:
	case IFE_TCP_CLOSE_WAIT:
	case IFE_TCP_FIN_WAIT_1:
	case IFE_TCP_CLOSING:
	case IFE_TCP_LAST_ACK:
		break;
	case IFE_TCP_FIN_WAIT_2:
	case IFE_TCP_TIME_WAIT:
		if (c->flags & TF_ACKNOW)
			tcp_send_ack(st, c);
		return 0;
	default:
		return 0;
	}
	/* In SACK recovery the scoreboard resends the holes first and says
	 * how much new data pipe leaves room for (RFC 6675 NextSeg). */
	uint32_t cwnd = c->cwnd;
	if (c->flags & TF_SACK_RXT)
		cwnd = tcp_sack_output(st, c);
	else if (!(c->flags & TF_RECOVERY) && c->dupacks > 0 &&
		 c->dupacks < IFE_TCP_DUPTHRESH && c->snd_nxt == c->snd_max)
		/* Limited transmit (RFC 3042, RFC 5681 3.2 step 1): each of
		 * the first two duplicate ACKs lets one new segment go
		 * beyond cwnd, so that a window too small for three dupacks
		 * still gets them, and fast retransmit instead of a
		 * timeout. cwnd itself is unchanged. */
		cwnd += (uint32_t)c->dupacks * c->mss;
	for (;;) {
		uint32_t off = c->snd_nxt - c->snd_una;
		uint32_t q = c->sndq_bytes;
		uint32_t wnd = tcp_min32(c->snd_wnd, cwnd);
		uint32_t len = 0;
		/* New data may go as one TSO super-segment; what is resent
		 * (below SND.MAX) always goes one segment at a time. */
		bool tso = c->snd_nxt == c->snd_max && tcp_tso_on(st, c);
		if (off < q) {
			len = tcp_min32(q - off, tso ? st->p.tso_max : c->mss);
			if (off + len > wnd)
				len = wnd > off ? wnd - off : 0;
			/* Sender SWS avoidance (RFC 9293 3.8.6.2.1), with
			 * Nagle off: a short segment only ends the queue.
			 * New data only: a retransmission goes as far as
			 * the window lets it (as Linux's), or a window
			 * shrunk below one MSS after the first sending
			 * would let no RTO resend anything, ever. */
			if (len < c->mss && off + len < q &&
			    len < c->max_snd_wnd / 2 &&
			    SEQ_GEQ(c->snd_nxt, c->snd_max))
				len = 0;
		}
		uint8_t flags = TH_ACK;
		if ((c->flags & TF_FIN_PENDING) && off <= q && off + len == q)
			flags |= TH_FIN;
		if (len == 0 && !(flags & TH_FIN)) {
			if (c->flags & TF_ACKNOW)
				tcp_send_ack(st, c);
			break;
		}
		if (len > 0 && off + len == q)
			flags |= TH_PSH;
		uint32_t seq = c->snd_nxt;
		if (SEQ_LT(seq, c->snd_max))
			st->stats.retrans_segs++;
		int rc = tcp_send(st, c, seq, len, flags, tso);
		if (rc < 0)
			break; /* no mbuf: tcp_send set a retry */
		/* rc = payload + FIN actually sent (options may shrink it,
		 * TSO sends whole segments and never FIN). */
		if ((uint32_t)rc != len + ((flags & TH_FIN) ? 1 : 0)) {
			flags &= (uint8_t)~TH_FIN;
			len = (uint32_t)rc;
		}
		if (len > 0 && !(c->flags & (TF_TS_OK | TF_RTT_TIMING)) &&
		    seq == c->snd_max) {
			c->rtt_seq = seq;
			c->rtt_start = st->now_ms;
			c->flags |= TF_RTT_TIMING;
		}
		c->snd_nxt += (uint32_t)rc;
		if (flags & TH_FIN)
			c->flags |= TF_FIN_SENT;
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (c->t_rexmt == 0 || (c->flags & TF_PERSIST)) {
			if (c->flags & TF_PERSIST)
				c->backoff = 0;
			c->flags &= ~(uint32_t)TF_PERSIST;
			tcp_rexmt_start(st, c);
		}
		sent++;
		if (flags & TH_FIN)
			break;
	}
	tcp_persist_check(st, c);
	return sent;
}
