/*
 * Congestion control: NewReno (RFC 5681 slow start and congestion
 * avoidance with byte counting per RFC 3465, L = 2 SMSS; the recovery
 * itself is RFC 6582 in tcp_input.c) and CUBIC (RFC 9438, with fast
 * convergence and the Reno-friendly region). The algorithm is chosen per
 * stack (params.cc).
 */
#include <math.h>

#include "tcp_pvt.h"

#define CUBIC_C	   0.4 /* RFC 9438 4.2 */
#define CUBIC_BETA 0.7 /* RFC 9438 4.6 */

void
tcp_cc_init(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	(void)st;
	/* RFC 6928 initial window. */
	c->cwnd = tcp_min32(10u * c->mss, tcp_max32(2u * c->mss, 14600));
	c->ssthresh = UINT32_MAX / 2;
	c->cc_w_max = 0;
	c->cc_epoch = 0;
}

/* FlightSize for RFC 5681 eq. (4), less what limited transmit sent
 * beyond cwnd on the first two duplicate ACKs (RFC 5681 3.2 step 2:
 * that data "MUST NOT be included in this calculation"). cwnd does not
 * change while it goes, so it is what exceeds cwnd, at most one
 * segment per duplicate ACK. */
static uint32_t
flight(const struct ife_tcp_conn *c)
{
	uint32_t f = c->snd_max - c->snd_una;
	if (!(c->flags & TF_RECOVERY) && c->dupacks > 0 && f > c->cwnd) {
		uint32_t lt =
			tcp_min32(c->dupacks, IFE_TCP_DUPTHRESH - 1) * c->mss;
		f -= tcp_min32(f - c->cwnd, lt);
	}
	return f;
}

uint32_t
tcp_cc_ssthresh(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	uint32_t two = 2u * c->mss;
	if (st->p.cc == IFE_TCP_CC_CUBIC) {
		/* RFC 9438 4.6, 4.7 (fast convergence). */
		uint32_t w = c->cwnd;
		if (c->cc_w_max && w < c->cc_w_max)
			c->cc_w_max = (uint32_t)(w * (1.0 + CUBIC_BETA) / 2.0);
		else
			c->cc_w_max = w;
		c->cc_epoch = 0;
		return tcp_max32((uint32_t)(w * CUBIC_BETA), two);
	}
	/* RFC 5681 eq. (4). */
	return tcp_max32(flight(c) / 2, two);
}

void
tcp_cc_timeout(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	/* RFC 5681 3.1: ssthresh once per loss episode, cwnd to 1 SMSS. */
	if (c->backoff <= 1)
		c->ssthresh = tcp_cc_ssthresh(st, c);
	c->cwnd = c->mss;
	c->cc_epoch = 0;
}

static void
cubic_ca(struct ife_tcp_stack *st, struct ife_tcp_conn *c, uint32_t acked)
{
	double mss = c->mss;
	uint32_t now = st->now_ms ? st->now_ms : 1;
	if (c->cc_epoch == 0) {
		c->cc_epoch = now;
		if (c->cwnd < c->cc_w_max)
			c->cc_k = (uint32_t)(1000.0 *
					     cbrt((c->cc_w_max - c->cwnd) /
						  mss / CUBIC_C));
		else
			c->cc_k = 0;
		if (c->cc_w_max < c->cwnd)
			c->cc_w_max = c->cwnd;
		c->cc_w_est = c->cwnd;
	}
	/* RFC 9438 4.2: target at t + RTT. */
	double t = (double)(now - c->cc_epoch + (c->srtt >> 3)) / 1000.0;
	double dk = t - c->cc_k / 1000.0;
	double target = CUBIC_C * dk * dk * dk * mss + c->cc_w_max;
	if (target > 1.5 * c->cwnd)
		target = 1.5 * c->cwnd;
	/* RFC 9438 4.3: Reno-friendly estimate. */
	double alpha = 3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA);
	double west = c->cc_w_est + alpha * mss * acked / c->cwnd;
	c->cc_w_est = west > 4e9 ? 4000000000u : (uint32_t)west;
	if (target < c->cc_w_est) {
		c->cwnd = tcp_max32(c->cwnd, c->cc_w_est);
		return;
	}
	if (target > c->cwnd) {
		double inc = (target - c->cwnd) * acked / c->cwnd;
		if (inc < 1)
			inc = 1;
		c->cwnd += (uint32_t)inc;
	}
}

#define CWND_MAX (1u << 30)

void
tcp_cc_ack(struct ife_tcp_stack *st, struct ife_tcp_conn *c, uint32_t acked)
{
	if (c->cwnd >= CWND_MAX)
		return;
	/* Grow only a window that is in use (RFC 7661's point; the test is
	 * Linux's tcp_is_cwnd_limited): in slow start up to twice the data
	 * that was in flight, later only when the flight filled cwnd. An
	 * application- or receiver-limited sender otherwise inflates cwnd
	 * without bound and later bursts it onto a path it never probed. */
	uint32_t before = c->snd_max - c->snd_una + acked; /* in flight */
	if (c->cwnd < c->ssthresh ? c->cwnd >= 2u * before
				  : before + c->mss <= c->cwnd)
		return;
	if (c->cwnd < c->ssthresh) {
		/* Slow start, RFC 3465 with L = 2 SMSS. */
		c->cwnd += tcp_min32(acked, 2u * c->mss);
		return;
	}
	if (st->p.cc == IFE_TCP_CC_CUBIC) {
		cubic_ca(st, c, acked);
		return;
	}
	/* Congestion avoidance, RFC 5681 eq. (3). */
	uint32_t inc = (uint32_t)((uint64_t)c->mss * c->mss / c->cwnd);
	c->cwnd += inc ? inc : 1;
}
