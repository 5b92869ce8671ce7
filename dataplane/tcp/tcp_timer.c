/*
 * Timers: a hashed timing wheel of 1 ms slots (Varghese & Lauck, scheme 6).
 * Each connection sits in at most one slot, filed at the earliest of its
 * deadlines (retransmission or persist, delayed ACK, keepalive / FIN_WAIT_2
 * / TIME_WAIT); a deadline beyond one revolution is simply revisited and
 * skipped. Pushing a deadline later (the RTO restart on every ACK) touches
 * no list: the entry fires early, finds nothing due and refiles itself.
 */
#include <rte_malloc.h>

#include "tcp_pvt.h"

int
tcp_wheel_init(struct ife_tcp_stack *st)
{
	uint32_t n = st->p.wheel_slots;
	st->wheel = rte_malloc_socket("ife_tcp_wheel", n * sizeof(uint32_t),
				      RTE_CACHE_LINE_SIZE, st->p.socket_id);
	if (st->wheel == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		st->wheel[i] = IFE_TCP_NIL;
	st->wheel_mask = n - 1;
	st->walk_next = IFE_TCP_NIL;
	st->wheel_tick = st->now_ms;
	return 0;
}

static void
wheel_unlink(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
	     uint32_t *walk_next)
{
	uint32_t me = conn_idx(st, c);
	if (walk_next && *walk_next == me)
		*walk_next = c->tnext;
	if (c->tprev != IFE_TCP_NIL)
		st->conns[c->tprev].tnext = c->tnext;
	else
		st->wheel[c->t_wheel & st->wheel_mask] = c->tnext;
	if (c->tnext != IFE_TCP_NIL)
		st->conns[c->tnext].tprev = c->tprev;
	c->tnext = c->tprev = IFE_TCP_NIL;
	c->flags &= ~(uint32_t)TF_IN_WHEEL;
}

/* The next entry of the slot ife_tcp_timers() walks: unlinking an entry
 * (an event callback may abort any connection) keeps it valid. */
static uint32_t *
walk_ptr(struct ife_tcp_stack *st)
{
	return &st->walk_next;
}

void
tcp_timer_remove(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	if (c->flags & TF_IN_WHEEL)
		wheel_unlink(st, c, walk_ptr(st));
}

void
tcp_timer_update(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	uint32_t d = 0;
	const uint32_t ts[3] = {c->t_rexmt, c->t_delack, c->t_keep};
	for (int i = 0; i < 3; i++)
		if (ts[i] && (d == 0 || TS_LT(ts[i], d)))
			d = ts[i];
	if (d == 0) {
		tcp_timer_remove(st, c);
		return;
	}
	/* Never file into a slot already passed in this revolution. */
	if (TS_LEQ(d, st->wheel_tick))
		d = st->wheel_tick + 1;
	if (c->flags & TF_IN_WHEEL) {
		if (TS_LEQ(c->t_wheel, d))
			return; /* fires early, then refiles */
		wheel_unlink(st, c, walk_ptr(st));
	}
	uint32_t slot = d & st->wheel_mask, me = conn_idx(st, c);
	c->t_wheel = d;
	c->tprev = IFE_TCP_NIL;
	c->tnext = st->wheel[slot];
	if (c->tnext != IFE_TCP_NIL)
		st->conns[c->tnext].tprev = me;
	st->wheel[slot] = me;
	c->flags |= TF_IN_WHEEL;
}

uint32_t
tcp_rto_cur(const struct ife_tcp_stack *st, const struct ife_tcp_conn *c)
{
	uint64_t r = (uint64_t)c->rto << (c->backoff > 16 ? 16 : c->backoff);
	return r > st->p.rto_max_ms ? st->p.rto_max_ms : (uint32_t)r;
}

void
tcp_rexmt_start(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	c->t_rexmt = tcp_deadline(st, tcp_rto_cur(st, c));
	tcp_timer_update(st, c);
}

/* RFC 6298 section 2: srtt in 1/8 ms, rttvar in 1/4 ms (as in BSD). */
void
tcp_rtt_sample(struct ife_tcp_stack *st, struct ife_tcp_conn *c, uint32_t r)
{
	if (r > 600000)
		return; /* not a real sample (clock or echo bogus) */
	if (r == 0)
		r = 1;
	if (c->srtt == 0) {
		c->srtt = r << 3;
		c->rttvar = r << 1;
	} else {
		int32_t err = (int32_t)r - (int32_t)(c->srtt >> 3);
		c->srtt = (uint32_t)((int32_t)c->srtt + err);
		if (err < 0)
			err = -err;
		c->rttvar = (uint32_t)((int32_t)c->rttvar + err -
				       (int32_t)(c->rttvar >> 2));
	}
	uint32_t rto = (c->srtt >> 3) + tcp_max32(1, c->rttvar);
	c->rto = tcp_min32(tcp_max32(rto, st->p.rto_min_ms), st->p.rto_max_ms);
}

static void
tcp_timer_rexmt(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	if (c->flags & TF_PERSIST) {
		/*
		 * Zero-window probe (RFC 9293 3.8.6.1): a segment one byte
		 * below snd_una makes the peer answer with its window. No
		 * limit on probes while the peer answers; an orphan gives up.
		 */
		if ((c->flags & TF_APP_CLOSED) &&
		    c->backoff >= st->p.max_retries) {
			tcp_conn_drop(st, c, IFE_TCP_EV_TIMEDOUT);
			return;
		}
		uint32_t off = c->snd_nxt - c->snd_una;
		if (c->snd_wnd > off && off < c->sndq_bytes) {
			/* A small window that sender SWS avoidance would
			 * wait on forever: send what fits (RFC 9293
			 * 3.8.6.2.1, the override timeout). */
			uint32_t len = tcp_min32(c->snd_wnd - off,
						 c->sndq_bytes - off);
			c->flags &= ~(uint32_t)TF_PERSIST;
			c->backoff = 0;
			int rc = tcp_send_seg(st, c, c->snd_nxt,
					      tcp_min32(len, c->mss), TH_ACK);
			if (rc > 0) {
				c->snd_nxt += (uint32_t)rc;
				if (SEQ_GT(c->snd_nxt, c->snd_max))
					c->snd_max = c->snd_nxt;
			}
			tcp_rexmt_start(st, c);
			return;
		}
		st->stats.zwp_tx++;
		tcp_send_seg(st, c, c->snd_una - 1, 0, TH_ACK);
		if (c->backoff < 16)
			c->backoff++;
		tcp_rexmt_start(st, c);
		return;
	}
	st->stats.rto_fired++;
	if (c->state == IFE_TCP_SYN_SENT || c->state == IFE_TCP_SYN_RCVD) {
		if (++c->retries > st->p.syn_retries) {
			tcp_conn_drop(st, c, IFE_TCP_EV_TIMEDOUT);
			return;
		}
		if (c->backoff < 16)
			c->backoff++;
		if (c->state == IFE_TCP_SYN_RCVD)
			st->stats.synack_retrans++;
		c->flags &= ~(uint32_t)TF_RTT_TIMING; /* Karn */
		tcp_send_seg(st, c, c->iss, 0,
			     c->state == IFE_TCP_SYN_SENT ? TH_SYN
							  : TH_SYN | TH_ACK);
		tcp_rexmt_start(st, c);
		return;
	}
	if (c->snd_una == c->snd_max)
		return; /* everything was acknowledged meanwhile */
	if (++c->backoff > st->p.max_retries) {
		tcp_conn_drop(st, c, IFE_TCP_EV_TIMEDOUT);
		return;
	}
	/* RFC 6298 5.5-5.7 and RFC 5681 (3.1, eq. 4): collapse the window. */
	tcp_cc_timeout(st, c);
	if ((c->flags & TF_TS_OK) && c->backoff == 1) {
		/* Eifel detection (RFC 3522): an ACK echoing a TSval older
		 * than this retransmission proves the RTO spurious. */
		c->flags |= TF_EIFEL;
		c->rtt_start = st->now_ms;
	}
	c->flags &= ~(uint32_t)(TF_RTT_TIMING | TF_RECOVERY); /* Karn */
	c->recover = c->snd_max;
	c->dupacks = 0;
	if ((c->flags & (TF_SACK_OK | TF_SACKED)) == (TF_SACK_OK | TF_SACKED)) {
		/*
		 * RFC 6675 5.1: recovery ends, RecoveryPoint = HighData, and
		 * what the receiver SACKed is not sent again: every unSACKed
		 * byte below it counts as lost, and pipe / NextSeg() resend
		 * them from SND.UNA as cwnd (slow start from 1 SMSS) allows.
		 * Keeping the scoreboard over a timeout (RFC 2018 says it
		 * SHOULD be cleared) is safe because reneging is detected
		 * when the cumulative ACK reaches SACKed data
		 * (tcp_sack_check_reneging()), which clears it.
		 */
		c->flags |= TF_SACK_RXT | TF_RTO_LOSS;
		c->high_rxt = c->snd_una;
		c->snd_nxt = c->snd_max;
		st->stats.sack_rto_recovery++;
	} else {
		/* Go-back-N from SND.UNA. */
		c->flags &= ~(uint32_t)(TF_SACK_RXT | TF_RTO_LOSS);
		c->snd_nxt = c->snd_una;
	}
	tcp_output(st, c);
	tcp_rexmt_start(st, c);
}

static void
tcp_timer_keep(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	switch (c->state) {
	case IFE_TCP_TIME_WAIT:
	case IFE_TCP_FIN_WAIT_2:
		/* 2*MSL over, or an orphan FIN_WAIT_2 waited long enough. */
		tcp_conn_drop(st, c, IFE_TCP_EV_CLOSED);
		return;
	case IFE_TCP_ESTABLISHED:
	case IFE_TCP_CLOSE_WAIT:
		break;
	default:
		return;
	}
	uint32_t idle = st->now_ms - c->last_rx;
	if (idle < st->p.keepalive_idle_ms) {
		c->retries = 0;
		c->t_keep = c->last_rx + st->p.keepalive_idle_ms;
		if (c->t_keep == 0)
			c->t_keep = 1;
		return;
	}
	if (c->retries >= st->p.keepalive_probes) {
		st->stats.conn_keepalive_drop++;
		tcp_conn_drop(st, c, IFE_TCP_EV_TIMEDOUT);
		return;
	}
	/* RFC 9293 3.8.4: SEG.SEQ = SND.NXT-1, no data. */
	c->retries++;
	st->stats.keepalive_tx++;
	tcp_send_seg(st, c, c->snd_una - 1, 0, TH_ACK);
	c->t_keep = tcp_deadline(st, st->p.keepalive_intvl_ms);
}

/* Run whatever of @p c is due. */
void
tcp_conn_timers(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	uint32_t now = st->now_ms;
	if (c->t_delack && TS_LEQ(c->t_delack, now)) {
		c->t_delack = 0;
		if (c->flags & (TF_DELACK | TF_OUT_RETRY)) {
			if (c->flags & TF_DELACK) {
				st->stats.delayed_acks++;
				c->flags |= TF_ACKNOW;
			}
			c->flags &= ~(uint32_t)TF_OUT_RETRY;
			tcp_output(st, c);
		}
	}
	if (c->state != IFE_TCP_CLOSED && c->t_rexmt &&
	    TS_LEQ(c->t_rexmt, now)) {
		c->t_rexmt = 0;
		tcp_timer_rexmt(st, c);
	}
	if (c->state != IFE_TCP_CLOSED && c->t_keep && TS_LEQ(c->t_keep, now)) {
		c->t_keep = 0;
		tcp_timer_keep(st, c);
	}
	if (c->state != IFE_TCP_CLOSED)
		tcp_timer_update(st, c);
}

/* The send queues are back under 3/4 of tx_mbuf_max: WRITABLE to every
 * connection a write was refused for want of it. */
static void
tcp_txwait_wake(struct ife_tcp_stack *st)
{
	uint32_t n = st->txwait_n;
	st->txwait_n = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct ife_tcp_conn *c = &st->conns[st->txwait[i]];
		if (!(c->flags & TF_TX_WAIT))
			continue; /* gone since */
		c->flags &= ~(uint32_t)TF_TX_WAIT;
		if (!(c->flags & TF_WANT_WRITE))
			continue;
		c->flags &= ~(uint32_t)TF_WANT_WRITE;
		st->stats.tx_mem_wake++;
		st->busy = c;
		tcp_event(st, c, IFE_TCP_EV_WRITABLE);
		tcp_finish(st, c);
	}
}

void
ife_tcp_timers(struct ife_tcp_stack *st, uint64_t now)
{
	tcp_set_clock(st, now);
	if (st->txwait_n > 0 &&
	    st->tx_held <= st->p.tx_mbuf_max - st->p.tx_mbuf_max / 4)
		tcp_txwait_wake(st);
	uint32_t target = st->now_ms;
	if (TS_LEQ(target, st->wheel_tick))
		return;
	uint32_t n = target - st->wheel_tick;
	if (n > st->wheel_mask + 1)
		n = st->wheel_mask + 1;
	uint32_t base = st->wheel_tick;
	for (uint32_t k = 1; k <= n; k++) {
		uint32_t slot = (base + k) & st->wheel_mask;
		/* Entries refiled during the walk go to a later tick. */
		st->wheel_tick = base + k;
		uint32_t *next = walk_ptr(st);
		*next = st->wheel[slot];
		while (*next != IFE_TCP_NIL) {
			struct ife_tcp_conn *c = &st->conns[*next];
			*next = c->tnext;
			if (!TS_LEQ(c->t_wheel, target))
				continue;
			wheel_unlink(st, c, next);
			st->busy = c;
			tcp_conn_timers(st, c);
			tcp_finish(st, c);
		}
		*next = IFE_TCP_NIL;
	}
	st->wheel_tick = target;
}
